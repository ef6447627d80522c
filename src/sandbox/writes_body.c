/*
 * writes_body: reading write requests (JSON or form-encoded bodies) into one cJSON shape,
 * typed member readers, and the Rails-style error and data replies the sandbox's writers use.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sbx_writes.h"

/* Reads a JSON or form-encoded write body into one cJSON object. */
cJSON *sbx_writes_body(struct sbx_req *req, const char *const *names, bool *bad)
{
	const char *ct = sbx_req_header(req, "Content-Type");
	size_t len = 0, i;
	const char *body = sbx_req_body(req, &len);
	cJSON *obj;

	if (bad)
		*bad = false;
	while (len && (*body == ' ' || *body == '\t' || *body == '\r' || *body == '\n')) {
		body++;
		len--;
	}
	if ((ct && strstr(ct, "json")) || (len && *body == '{')) {
		if (!len)
			return cJSON_CreateObject();
		obj = cJSON_ParseWithLength(body, len);
		if (!cJSON_IsObject(obj)) {
			cJSON_Delete(obj);
			if (bad)
				*bad = true;
			return NULL;
		}
		return obj;
	}
	obj = cJSON_CreateObject();
	for (i = 0; obj && names && names[i]; i++) {
		const char *v = sbx_req_form(req, names[i]);

		if (v)
			cJSON_AddStringToObject(obj, names[i], v);
	}
	return obj;
}

/* Reads :id as a positive id, or replies 404. */
bool sbx_writes_path_id(struct sbx_req *req, int64_t *id)
{
	const char *s = sbx_req_arg(req, "id");
	char *end;
	long long v = s ? strtoll(s, &end, 10) : 0;

	if (!s || !*s || *end || v < 1) {
		sbx_reply_error(req, 404, "Not Found");
		return false;
	}
	*id = v;
	return true;
}

/* Parses a decimal integer string completely; false when it is not one. */
static bool parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || *s == ' ' || *s == '+')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* Reads an integer member (number or string); ENOENT when absent/null/"". */
static int get_int(const cJSON *obj, const char *name, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (!v || cJSON_IsNull(v) || (cJSON_IsString(v) && !*v->valuestring))
		return ENOENT;
	if (cJSON_IsNumber(v)) {
		if (v->valuedouble != (double)(int64_t)v->valuedouble || v->valuedouble > 9.0e15 ||
		    v->valuedouble < -9.0e15)
			return EINVAL;
		*out = (int64_t)v->valuedouble;
		return 0;
	}
	if (cJSON_IsString(v) && parse_i64(v->valuestring, out))
		return 0;
	return EINVAL;
}

/* Reads a positive id member (number or decimal string). */
int sbx_writes_get_id(const cJSON *obj, const char *name, int64_t *out)
{
	int64_t v = 0;
	int err = get_int(obj, name, &v);

	if (err)
		return err;
	if (v < 1)
		return EINVAL;
	*out = v;
	return 0;
}

/* Reads a non-negative integer member (number or decimal string). */
int sbx_writes_get_uint(const cJSON *obj, const char *name, int64_t *out)
{
	int64_t v = 0;
	int err = get_int(obj, name, &v);

	if (err)
		return err;
	if (v < 0)
		return EINVAL;
	*out = v;
	return 0;
}

/* Reads a string member. */
const char *sbx_writes_get_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Reads a boolean member (true/false, "true"/"false", 1/0). */
int sbx_writes_get_bool(const cJSON *obj, const char *name, bool *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (!v || cJSON_IsNull(v))
		return ENOENT;
	if (cJSON_IsBool(v)) {
		*out = cJSON_IsTrue(v);
		return 0;
	}
	if (cJSON_IsNumber(v) && (v->valuedouble == 0 || v->valuedouble == 1)) {
		*out = v->valuedouble == 1;
		return 0;
	}
	if (cJSON_IsString(v)) {
		if (!strcmp(v->valuestring, "true") || !strcmp(v->valuestring, "1")) {
			*out = true;
			return 0;
		}
		if (!strcmp(v->valuestring, "false") || !strcmp(v->valuestring, "0")) {
			*out = false;
			return 0;
		}
	}
	return EINVAL;
}

/* Appends a message to a field of a Rails-style errors map. */
void sbx_writes_error(cJSON *errors, const char *field, const char *msg)
{
	cJSON *arr;

	if (!errors || !field || !msg)
		return;
	arr = cJSON_GetObjectItemCaseSensitive(errors, field);
	if (!cJSON_IsArray(arr))
		arr = cJSON_AddArrayToObject(errors, field);
	if (arr)
		cJSON_AddItemToArray(arr, cJSON_CreateString(msg));
}

/* Replies 422 with an errors map. */
void sbx_writes_reply_errors(struct sbx_req *req, const cJSON *errors)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddItemToObject(o, "errors", cJSON_Duplicate(errors, true))) {
		cJSON_Delete(o);
		sbx_reply_error(req, 500, "out of memory");
		return;
	}
	sbx_reply_cjson(req, 422, o);
	cJSON_Delete(o);
}

/* Replies with a record under "data". */
void sbx_writes_reply_data(struct sbx_req *req, uint16_t status, const cJSON *rec)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddItemReferenceToObject(o, "data", (cJSON *)rec)) {
		cJSON_Delete(o);
		sbx_reply_error(req, 500, "out of memory");
		return;
	}
	sbx_reply_cjson(req, status, o);
	cJSON_Delete(o);
}

/* The id of an embedded reference member, or 0. */
int64_t sbx_writes_ref_id(const cJSON *rec, const char *key)
{
	const cJSON *ref = cJSON_GetObjectItemCaseSensitive(rec, key);
	const cJSON *id = cJSON_IsObject(ref) ? cJSON_GetObjectItemCaseSensitive(ref, "id") : NULL;

	return cJSON_IsNumber(id) ? (int64_t)id->valuedouble : 0;
}

/* Renders the sandbox's now in the team's zone. */
void sbx_writes_now(struct sbx *sbx, char *buf, size_t n)
{
	int64_t now = sbx_now_us(sbx);

	sbx_time_render(buf, n, now, sbx_team_offset(now));
}

/*
 * sldecode: list pages, single records, ids and error bodies from Salesloft's JSON.
 *
 * cJSON parses with the length given (cJSON_ParseWithLengthOpts), so a body with embedded
 * NULs or no terminator cannot read past its end, and trailing garbage after the value makes
 * the body malformed rather than silently ignored.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/sldecode.h"
#include "loftdial/text.h"

#define ID_MAX 9007199254740992.0 /* 2^53: from here on doubles are not exact integers */

/* Parses len bytes as one JSON value with nothing but blanks after it. */
static cJSON *parse(const char *body, size_t len, int *err)
{
	const char *end = NULL;
	cJSON *root;

	*err = 0;
	if (!body) {
		*err = EINVAL;
		return NULL;
	}
	if (len > SLDECODE_MAX_BODY) {
		*err = E2BIG;
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(body, len, &end, false);
	if (!root) {
		*err = EBADMSG;
		return NULL;
	}
	while (end && end < body + len &&
	       (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t' || *end == '\0'))
		end++;
	if (end && end < body + len) {
		cJSON_Delete(root);
		*err = EBADMSG;
		return NULL;
	}
	return root;
}

int sldecode_id(const cJSON *v, int64_t *out)
{
	if (!v || !out)
		return EINVAL;
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (!(d >= 1 && d < ID_MAX) || floor(d) != d)
			return EINVAL;
		*out = (int64_t)d;
		return 0;
	}
	if (cJSON_IsString(v) && v->valuestring) {
		const char *s = v->valuestring;
		size_t len = strlen(s), i;
		int64_t n = 0;

		if (!len || len > 18)
			return EINVAL;
		for (i = 0; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return EINVAL;
			n = n * 10 + (s[i] - '0');
		}
		if (n < 1)
			return EINVAL;
		*out = n;
		return 0;
	}
	return EINVAL;
}

int sldecode_ref_id(const cJSON *obj, const char *key, int64_t *out)
{
	const cJSON *v = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;

	if (!v || cJSON_IsNull(v))
		return ENOENT;
	if (cJSON_IsObject(v))
		v = cJSON_GetObjectItemCaseSensitive(v, "id");
	if (!v || cJSON_IsNull(v))
		return ENOENT;
	return sldecode_id(v, out);
}

const char *sldecode_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool sldecode_bool(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;

	return cJSON_IsTrue(v);
}

long long sldecode_int(const cJSON *obj, const char *key, long long def)
{
	const cJSON *v = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
	char *end;
	long long n;

	if (cJSON_IsNumber(v)) {
		if (!(v->valuedouble >= -ID_MAX && v->valuedouble <= ID_MAX))
			return def;
		return (long long)v->valuedouble;
	}
	if (cJSON_IsString(v) && v->valuestring && *v->valuestring) {
		errno = 0;
		n = strtoll(v->valuestring, &end, 10);
		if (!errno && !*end)
			return n;
	}
	return def;
}

/* Reads a paging number that may be null, a number or a numeric string. */
static long paging_num(const cJSON *paging, const char *key)
{
	long long n = sldecode_int(paging, key, 0);

	return n > 0 && n < 100000000 ? (long)n : 0;
}

int sldecode_page(const char *body, size_t len, struct sldecode_page *out)
{
	const cJSON *meta, *paging, *el;
	int err, i = 0;

	if (!out)
		return EINVAL;
	memset(out, 0, sizeof(*out));
	out->total_count = -1;
	out->root = parse(body, len, &err);
	if (!out->root)
		return err;
	if (cJSON_IsArray(out->root)) {
		out->data = out->root;
	} else if (cJSON_IsObject(out->root)) {
		out->data = cJSON_GetObjectItemCaseSensitive(out->root, "data");
		meta = cJSON_GetObjectItemCaseSensitive(out->root, "metadata");
		paging = cJSON_IsObject(meta) ? cJSON_GetObjectItemCaseSensitive(meta, "paging")
		                              : NULL;
		if (cJSON_IsObject(paging)) {
			out->has_paging = true;
			out->next_page = paging_num(paging, "next_page");
			out->current_page = paging_num(paging, "current_page");
			out->per_page = paging_num(paging, "per_page");
			out->total_count = sldecode_int(paging, "total_count", -1);
		}
	}
	if (!cJSON_IsArray(out->data)) {
		sldecode_page_free(out);
		return EBADMSG;
	}
	cJSON_ArrayForEach(el, out->data)
	{
		int64_t id;

		if (!cJSON_IsObject(el) ||
		    sldecode_id(cJSON_GetObjectItemCaseSensitive(el, "id"), &id)) {
			sldecode_page_free(out);
			return EBADMSG;
		}
		if (i == 0)
			out->first_updated_at = sldecode_str(el, "updated_at");
		out->last_updated_at = sldecode_str(el, "updated_at");
		i++;
	}
	out->count = i;
	return 0;
}

void sldecode_page_free(struct sldecode_page *pg)
{
	if (!pg)
		return;
	cJSON_Delete(pg->root);
	memset(pg, 0, sizeof(*pg));
	pg->total_count = -1;
}

int sldecode_record(const char *body, size_t len, cJSON **root, const cJSON **rec)
{
	const cJSON *r;
	int64_t id;
	int err;

	if (!root || !rec)
		return EINVAL;
	*root = parse(body, len, &err);
	*rec = NULL;
	if (!*root)
		return err;
	r = cJSON_GetObjectItemCaseSensitive(*root, "data");
	if (!cJSON_IsObject(r))
		r = *root;
	if (!cJSON_IsObject(r) || sldecode_id(cJSON_GetObjectItemCaseSensitive(r, "id"), &id)) {
		cJSON_Delete(*root);
		*root = NULL;
		return EBADMSG;
	}
	*rec = r;
	return 0;
}

/* Appends text to out at *o (sanitized), keeping room for the NUL. */
static void append(char *out, size_t n, size_t *o, const char *text)
{
	if (*o + 1 >= n)
		return;
	*o += text_sanitize(out + *o, n - *o, text, false);
}

const char *sldecode_error(const char *body, size_t len, char *out, size_t n)
{
	const cJSON *e, *errors, *field, *msg;
	cJSON *root;
	size_t o = 0;
	int err;

	if (!out || !n)
		return out;
	out[0] = '\0';
	root = body && len ? parse(body, len, &err) : NULL;
	e = cJSON_GetObjectItemCaseSensitive(root, "error");
	errors = cJSON_GetObjectItemCaseSensitive(root, "errors");
	if (cJSON_IsString(e)) {
		const char *desc = sldecode_str(root, "error_description");

		append(out, n, &o, e->valuestring);
		if (desc) {
			append(out, n, &o, ": ");
			append(out, n, &o, desc);
		}
	} else if (cJSON_IsObject(errors)) {
		cJSON_ArrayForEach(field, errors)
		{
			if (o)
				append(out, n, &o, "; ");
			append(out, n, &o, field->string ? field->string : "?");
			append(out, n, &o, ": ");
			if (cJSON_IsString(field)) {
				append(out, n, &o, field->valuestring);
				continue;
			}
			cJSON_ArrayForEach(msg, field)
			{
				if (msg != field->child)
					append(out, n, &o, ", ");
				append(out, n, &o, cJSON_IsString(msg) ? msg->valuestring : "?");
			}
		}
	} else if (cJSON_IsArray(errors)) {
		cJSON_ArrayForEach(msg, errors)
		{
			if (o)
				append(out, n, &o, "; ");
			if (cJSON_IsString(msg))
				append(out, n, &o, msg->valuestring);
		}
	}
	if (!o && body && len) {
		char raw[201];
		size_t k = len < 200 ? len : 200;

		memcpy(raw, body, k);
		raw[k] = '\0';
		append(out, n, &o, raw);
	}
	if (!o)
		append(out, n, &o, "(empty body)");
	cJSON_Delete(root);
	return out;
}

bool sldecode_is_invalid_grant(const char *body, size_t len)
{
	cJSON *root;
	const char *e;
	bool yes;
	int err;

	root = body && len ? parse(body, len, &err) : NULL;
	e = sldecode_str(root, "error");
	yes = e && !strcmp(e, "invalid_grant");
	cJSON_Delete(root);
	return yes;
}

/*
 * admin_records: the pure record helpers of the admin API: blank templates for new records
 * (so a record created through /_sandbox/ has every member a real one has, mostly null, as
 * Salesloft's payloads do) and the deep merge of partial JSON into a record.
 */
#include <errno.h>
#include <string.h>

#include "sbx_admin.h"

struct ref_name {
	const char *member;
	enum sbx_kind kind;
};

static const struct ref_name ref_names[] = {
        {"person", SBX_PEOPLE},
        {"called_person", SBX_PEOPLE},
        {"recipient", SBX_PEOPLE},
        {"associated_with", SBX_PEOPLE},
        {"account", SBX_ACCOUNTS},
        {"owner", SBX_USERS},
        {"user", SBX_USERS},
        {"creator", SBX_USERS},
        {"created_by_user", SBX_USERS},
        {"completed_by", SBX_USERS},
        {"last_contacted_by", SBX_USERS},
        {"cadence", SBX_CADENCES},
        {"most_recent_cadence", SBX_CADENCES},
        {"last_completed_step_cadence", SBX_CADENCES},
        {"step", SBX_STEPS},
        {"last_completed_step", SBX_STEPS},
        {"action", SBX_ACTIONS},
        {"latest_action", SBX_ACTIONS},
        {"task", SBX_TASKS},
        {"call", SBX_CALLS},
        {"note", SBX_NOTES},
};

/* The kind a reference member name points to. */
bool sbx_admin_ref_kind(const char *member, enum sbx_kind *kind)
{
	size_t i;

	for (i = 0; member && i < sizeof(ref_names) / sizeof(ref_names[0]); i++) {
		if (!strcmp(member, ref_names[i].member)) {
			if (kind)
				*kind = ref_names[i].kind;
			return true;
		}
	}
	return false;
}

/* True for an embedded reference value ({"_href":..., "id":...}). */
static bool is_ref(const cJSON *v)
{
	return cJSON_IsObject(v) && cJSON_GetObjectItemCaseSensitive(v, "_href") &&
	       cJSON_GetObjectItemCaseSensitive(v, "id");
}

/* The blank of one value; nested tells whether numbers become 0 (inside objects) or null. */
static cJSON *blank_value(const char *name, const cJSON *v, bool nested)
{
	if (cJSON_IsBool(v))
		return cJSON_CreateFalse();
	if (cJSON_IsArray(v))
		return cJSON_CreateArray();
	if (cJSON_IsNumber(v))
		return nested ? cJSON_CreateNumber(0) : cJSON_CreateNull();
	if (cJSON_IsObject(v)) {
		cJSON *o;
		const cJSON *c;

		if (is_ref(v) || sbx_admin_ref_kind(name, NULL))
			return cJSON_CreateNull();
		o = cJSON_CreateObject();
		if (!o || (name && !strcmp(name, "custom_fields")))
			return o;
		cJSON_ArrayForEach(c, v)
		{
			cJSON *b = blank_value(c->string, c, true);

			if (!b || !cJSON_AddItemToObject(o, c->string, b)) {
				cJSON_Delete(b);
				cJSON_Delete(o);
				return NULL;
			}
		}
		return o;
	}
	return cJSON_CreateNull();
}

/* A blank record shaped like an example record of the kind. */
cJSON *sbx_admin_blank(const cJSON *example)
{
	cJSON *o;
	const cJSON *c;

	if (!cJSON_IsObject(example))
		return NULL;
	o = cJSON_CreateObject();
	cJSON_ArrayForEach(c, example)
	{
		cJSON *b;

		if (!o)
			break;
		if (!strcmp(c->string, "id") || !strcmp(c->string, "created_at") ||
		    !strcmp(c->string, "updated_at"))
			continue;
		b = blank_value(c->string, c, false);
		if (!b || !cJSON_AddItemToObject(o, c->string, b)) {
			cJSON_Delete(b);
			cJSON_Delete(o);
			return NULL;
		}
	}
	return o;
}

/* Sets target[key] = val (val is consumed), keeping the member's position. */
static int set_member(cJSON *target, const char *key, cJSON *val)
{
	if (!val)
		return ENOMEM;
	if (cJSON_GetObjectItemCaseSensitive(target, key)) {
		if (!cJSON_ReplaceItemInObjectCaseSensitive(target, key, val)) {
			cJSON_Delete(val);
			return ENOMEM;
		}
		return 0;
	}
	if (!cJSON_AddItemToObject(target, key, val)) {
		cJSON_Delete(val);
		return ENOMEM;
	}
	return 0;
}

/* Deep-merges partial JSON into a record. */
int sbx_admin_merge(struct sbx *sbx, cJSON *target, const cJSON *patch, bool keep_meta)
{
	const cJSON *p;
	int err = 0;

	if (!cJSON_IsObject(target) || !cJSON_IsObject(patch))
		return EINVAL;
	cJSON_ArrayForEach(p, patch)
	{
		cJSON *cur = cJSON_GetObjectItemCaseSensitive(target, p->string);
		enum sbx_kind kind;

		if (!keep_meta && (!strcmp(p->string, "id") || !strcmp(p->string, "created_at") ||
		                   !strcmp(p->string, "updated_at")))
			continue;
		if (cJSON_IsObject(p) && sbx_admin_ref_kind(p->string, &kind)) {
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(p, "id");

			/* {"id": N} is enough to name a reference; the href is ours to write. */
			if (sbx && cJSON_IsNumber(id) &&
			    !cJSON_GetObjectItemCaseSensitive(p, "_href")) {
				err = sbx_ref_add(sbx, target, p->string, kind,
				                  (int64_t)id->valuedouble);
				if (err)
					return err;
				continue;
			}
			err = set_member(target, p->string, cJSON_Duplicate(p, true));
		} else if (cJSON_IsObject(p) && cJSON_IsObject(cur) && !is_ref(cur)) {
			err = sbx_admin_merge(sbx, cur, p, true);
		} else {
			err = set_member(target, p->string, cJSON_Duplicate(p, true));
		}
		if (err)
			return err;
	}
	return 0;
}

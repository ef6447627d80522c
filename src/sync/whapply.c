/*
 * whapply: event name → object, and the upsert/delete rules for webhook deliveries.
 *
 * The staleness rule for deleted rows lives here rather than in the store because only the
 * webhook path can replay old data after a delete: the poller never sees deleted records.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "loftdial/log.h"
#include "loftdial/records.h"
#include "loftdial/sldecode.h"
#include "loftdial/text.h"
#include "loftdial/whapply.h"

const char *const whapply_event_types[] = {
        "person_created",
        "person_updated",
        "person_deleted",
        "account_created",
        "account_updated",
        "account_deleted",
        "cadence_created",
        "cadence_updated",
        "cadence_deleted",
        "cadence_membership_created",
        "cadence_membership_updated",
        "step_created",
        "step_updated",
        "step_deleted",
        "call_created",
        "call_updated",
        "user_created",
        "user_updated",
        "email_updated",
        NULL,
};

/* Event name prefixes, longest first where one prefixes another. */
static const struct {
	const char *prefix;
	enum store_obj obj;
} prefixes[] = {
        {"cadence_membership_", STORE_MEMBERSHIPS},
        {"cadence_", STORE_CADENCES},
        {"person_", STORE_PEOPLE},
        {"account_", STORE_ACCOUNTS},
        {"step_", STORE_STEPS},
        {"call_", STORE_CALLS},
        {"user_", STORE_USERS},
        {"email_", STORE_EMAILS},
};

int whapply_event_obj(const char *event_type, enum store_obj *obj, bool *is_delete)
{
	const char *verb;
	size_t i, plen;

	if (!event_type || !obj || !is_delete || !*event_type || strlen(event_type) > 63)
		return EINVAL;
	for (i = 0; event_type[i]; i++)
		if (!((event_type[i] >= 'a' && event_type[i] <= 'z') || event_type[i] == '_'))
			return EINVAL;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		plen = strlen(prefixes[i].prefix);
		if (strncmp(event_type, prefixes[i].prefix, plen))
			continue;
		verb = event_type + plen;
		/* call_data_record_* is another resource; so is email_with_body_... */
		if (strcmp(verb, "created") && strcmp(verb, "updated") && strcmp(verb, "deleted"))
			return ENOENT;
		*obj = prefixes[i].obj;
		*is_delete = !strcmp(verb, "deleted");
		return 0;
	}
	return ENOENT;
}

/* True when the row is deleted in the store and the incoming record is not newer. */
static bool stale_after_delete(struct store *st, enum store_obj obj, int64_t id, const cJSON *rec)
{
	const char *in = sldecode_str(rec, "updated_at");
	const char *was;
	cJSON *stored = NULL;
	char *json = NULL;
	int64_t in_us, was_us;
	bool live = true, stale = false;

	if (records_is_live(st, obj, id, &live) || live)
		return false;
	if (records_get_json(st, obj, id, &json))
		return false; /* never had it: an event for an unknown row is news */
	stored = cJSON_Parse(json);
	was = sldecode_str(stored, "updated_at");
	/* Without comparable times the deletion wins: the poller will bring the row back if it
	 * really exists. */
	stale = !in || !was || records_parse_time(in, &in_us) || records_parse_time(was, &was_us) ||
	        in_us <= was_us;
	cJSON_Delete(stored);
	free(json);
	return stale;
}

int whapply_event(struct store *st, const char *event_type, const char *body, size_t len,
                  bool *ignored, char *msg, size_t n)
{
	enum store_obj obj;
	const cJSON *rec;
	cJSON *root = NULL;
	bool del = false;
	int64_t id = 0;
	int err;

	if (!st || !ignored || !msg || !n)
		return EINVAL;
	*ignored = false;
	msg[0] = '\0';
	err = whapply_event_obj(event_type, &obj, &del);
	if (err) {
		*ignored = true;
		snprintf(msg, n, "event type not kept in the store: ignored");
		return err == EINVAL ? EINVAL : 0;
	}
	err = sldecode_record(body, len, &root, &rec);
	if (err) {
		snprintf(msg, n, "the body is not a record with an id");
		return EBADMSG;
	}
	(void)sldecode_id(cJSON_GetObjectItemCaseSensitive(rec, "id"), &id);
	if (del) {
		err = records_delete(st, obj, id);
		if (err == ENOENT) {
			*ignored = true;
			snprintf(msg, n, "%s %lld was not in the store", store_obj_name(obj),
			         (long long)id);
			err = 0;
		} else if (!err) {
			snprintf(msg, n, "%s %lld deleted", store_obj_name(obj), (long long)id);
		}
		goto out;
	}
	if (stale_after_delete(st, obj, id, rec)) {
		*ignored = true;
		snprintf(msg, n, "%s %lld: not newer than its deletion: ignored",
		         store_obj_name(obj), (long long)id);
		goto out;
	}
	err = records_upsert(st, obj, rec, 0);
	if (!err)
		snprintf(msg, n, "%s %lld stored", store_obj_name(obj), (long long)id);
	else
		snprintf(msg, n, "cannot store %s %lld: %s", store_obj_name(obj), (long long)id,
		         strerror(err));
out:
	cJSON_Delete(root);
	return err;
}

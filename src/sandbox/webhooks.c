/*
 * webhooks: the pure half of the sandbox's webhooks: the HMAC-SHA1 signature and the map
 * from record changes to Salesloft event names. The subscription routes and the delivery
 * queue are in webhooks_http.c.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <re.h>

#include "sbx_webhooks.h"

/* Every event type the reference lists (§5.2), official rows and secondary sources alike:
 * a subscription may name any of them even when this sandbox never fires it. */
static const char *const known_events[] = {
        "account_created",
        "account_deleted",
        "account_updated",
        "bulk_job_completed",
        "cadence_created",
        "cadence_deleted",
        "cadence_membership_created",
        "cadence_membership_updated",
        "cadence_updated",
        "call_created",
        "call_updated",
        "call_data_record_created",
        "call_data_record_updated",
        "conversation_created",
        "conversation_recording_created",
        "conversation_transcript_created",
        "conversation_updated",
        "email_updated",
        "email_with_body_and_subject_updated",
        "link_swap",
        "meeting_booked",
        "meeting_updated",
        "note_created",
        "note_updated",
        "note_deleted",
        "person_created",
        "person_updated",
        "person_deleted",
        "step_created",
        "step_updated",
        "step_deleted",
        "success_created",
        "task_created",
        "task_updated",
        "task_completed",
        "task_deleted",
        "user_created",
        "user_updated",
};

/* Which changes of which kinds have an event. The prefix is the event's singular noun. */
struct kind_events {
	enum sbx_kind kind;
	const char *noun;
	bool created, updated, deleted;
};

static const struct kind_events kind_events[] = {
        {SBX_ACCOUNTS, "account", true, true, true},
        {SBX_CADENCES, "cadence", true, true, true},
        {SBX_CADENCE_MEMBERSHIPS, "cadence_membership", true, true, false},
        {SBX_CALLS, "call", true, true, false},
        {SBX_EMAILS, "email", false, true, false},
        {SBX_NOTES, "note", true, true, true},
        {SBX_PEOPLE, "person", true, true, true},
        {SBX_STEPS, "step", true, true, true},
        {SBX_TASKS, "task", true, true, true},
        {SBX_USERS, "user", true, true, false},
};

/* The event names as static strings, so callers never build them. */
static const char *event_name(const char *noun, const char *change)
{
	size_t i, nlen = strlen(noun);

	for (i = 0; i < sizeof(known_events) / sizeof(known_events[0]); i++) {
		const char *e = known_events[i];

		if (!strncmp(e, noun, nlen) && e[nlen] == '_' && !strcmp(e + nlen + 1, change))
			return e;
	}
	return NULL;
}

/* Signs a delivery body: lowercase hex HMAC-SHA1 keyed by the callback token. */
int sbx_webhooks_sign(const char *key, const char *body, size_t len, char *hex, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t mac[20];
	size_t i;

	if (!key || (!body && len) || !hex || n < SBX_WEBHOOKS_SIG_HEX)
		return EINVAL;
	hmac_sha1((const uint8_t *)key, strlen(key), (const uint8_t *)(body ? body : ""), len, mac,
	          sizeof(mac));
	for (i = 0; i < sizeof(mac); i++) {
		hex[2 * i] = digits[mac[i] >> 4];
		hex[2 * i + 1] = digits[mac[i] & 15];
	}
	hex[40] = '\0';
	return 0;
}

/* Maps a record change to the Salesloft event names it fires. */
size_t sbx_webhooks_events(enum sbx_kind kind, const char *change, bool just_completed,
                           const char **names, size_t max)
{
	size_t i, n = 0;

	if (!change || !names)
		return 0;
	for (i = 0; i < sizeof(kind_events) / sizeof(kind_events[0]); i++) {
		const struct kind_events *ke = &kind_events[i];
		bool on;

		if (ke->kind != kind)
			continue;
		if (!strcmp(change, "created"))
			on = ke->created;
		else if (!strcmp(change, "updated"))
			on = ke->updated;
		else if (!strcmp(change, "deleted"))
			on = ke->deleted;
		else
			return 0;
		if (on && n < max)
			names[n++] = event_name(ke->noun, change);
		if (kind == SBX_TASKS && just_completed && !strcmp(change, "updated") && n < max)
			names[n++] = "task_completed";
		break;
	}
	return n;
}

/* Tells whether a subscription may name this event type. */
bool sbx_webhooks_event_known(const char *name)
{
	size_t i;

	if (!name)
		return false;
	for (i = 0; i < sizeof(known_events) / sizeof(known_events[0]); i++) {
		if (!strcmp(name, known_events[i]))
			return true;
	}
	return false;
}

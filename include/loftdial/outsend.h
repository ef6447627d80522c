/*
 * outsend: the outbox sender. It drains the durable outbox (outbox.h) into Salesloft, one
 * item at a time, through the API client at write priority (ahead of background sync in the
 * rate budget), so a call record is never lost and never logged twice.
 *
 * An item is marked `sending` (committed) right before its POST. A 2xx marks it sent with the
 * returned call's id (the client stores the call at once). A 429, a refused connection or an
 * expired connection puts it back in the queue with a backoff. A 5xx, a timeout or a dropped
 * connection leaves its fate unknown, so before anything is posted again the sender looks:
 * with an action_id, GET /v2/actions/{id} (404 or completed = landed) and the person's calls
 * for the one naming that action; with a task_id, GET /v2/tasks/{id} (completed = landed) and
 * the person's calls to the same number since the item was made; with neither, the person's
 * calls to that number by that user since the item was made. Found: sent, with its id. Not
 * landed: queued again. Landed without a call of ours: conflict (completed elsewhere). A 422
 * saying the action_id or task_id "has already been used" means the same look (libcurl may
 * re-send a POST by itself, so our own first attempt may have used it). Any other 422 marks
 * the item failed and keeps the errors map by field as its last_error. Items found in
 * `sending` at start (the process died mid-send) are looked at first.
 *
 * Item kinds: "call" (body = the POST /v2/activities/calls JSON). Other kinds are left alone.
 */
#ifndef LOFTDIAL_OUTSEND_H
#define LOFTDIAL_OUTSEND_H

#include <stdbool.h>
#include <stdint.h>

#include "loftdial/slapi.h"
#include "loftdial/store.h"

struct outsend;

struct outsend_cfg {
	unsigned backoff_ms;     /* first retry delay (0: 2000) */
	unsigned backoff_cap_ms; /* longest retry delay (0: 300000) */
	unsigned max_attempts;   /* POSTs before an item is marked failed (0: 20) */
	unsigned window_s;       /* how far before an item's creation a matching call may be
	                          * (clock skew; 0: 300) */
};

enum outsend_ev {
	OUTSEND_SENDING,  /* a POST leaves */
	OUTSEND_SENT,     /* remote_id: the call */
	OUTSEND_LOOKING,  /* fate unknown: text says why; looking before re-posting */
	OUTSEND_RETRY,    /* back in the queue; text says why */
	OUTSEND_FAILED,   /* kept for a person; text: the error (a 422's errors map) */
	OUTSEND_CONFLICT, /* completed elsewhere */
	OUTSEND_IDLE,     /* nothing due now */
	OUTSEND_STOPPED,  /* the connection is gone (text): nothing more is sent */
};

struct outsend_note {
	enum outsend_ev ev;
	int64_t id;        /* the outbox item, 0 for IDLE/STOPPED */
	const char *key;   /* its dedupe key, "" when none */
	int64_t remote_id; /* SENT */
	const char *text;  /* "" when none */
};

typedef void(outsend_h)(const struct outsend_note *n, void *arg);

/* Creates a sender (not started). h may be NULL. */
int outsend_new(struct outsend **op, const struct outsend_cfg *cfg, struct slapi *api,
                struct store *st, outsend_h *h, void *arg);
/* Stops (an answer still in flight is dropped; its item stays `sending` and is looked at next
 * time) and frees; NULL is fine. */
void outsend_free(struct outsend *o);
/* Starts draining: items left in `sending` first, then due items, then a timer for the next
 * due one. With flush, queued items waiting for a retry are made due now first (later retries
 * back off as usual). */
int outsend_start(struct outsend *o, bool flush);
/* Something was enqueued: look for due work now. */
void outsend_kick(struct outsend *o);
/* Nothing in flight and nothing due now. */
bool outsend_idle(const struct outsend *o);

const char *outsend_ev_name(enum outsend_ev ev);

/* The reply decoders (pure; exported for the fuzz target). */

/* What a "call" item's body says about where to look. */
struct outsend_ref {
	int64_t person_id, action_id, task_id; /* 0: none */
	char to[64], user_guid[64];
};

/* Reads a call body: EINVAL when it is not a JSON object with a person_id in 1..2^53. Other
 * ids outside that range read as 0 (none); strings too long are cut. */
int outsend_ref_parse(const char *body, struct outsend_ref *r);
/* True when a 422 reply's errors say the action_id or task_id "has already been used". */
bool outsend_already_used(const cJSON *json);
/* The id of the call in a calls list (the "data" array) that is ref's: the one naming its
 * action, or else one to its number, by its user, created at or after since_us (unix
 * microseconds). 0 when none. */
int64_t outsend_find_call(const cJSON *list, const struct outsend_ref *ref, int64_t since_us);

#endif

/*
 * outbox: the durable write-back queue (table outbox).
 *
 * Everything loftdial writes to Salesloft (a logged call, a completed task, a note) is first
 * made durable here, then sent, retried with backoff, and never posted twice for one task or
 * action: every item carries a dedupe_key ("task:123", "action:456", or a uuid) that is UNIQUE
 * in the table, so enqueuing the same work twice is refused with EEXIST.
 *
 * States: queued → sending → sent; sending → queued (retry, with next_at); → failed (given
 * up, needs a person; outbox_requeue() puts it back); → conflict (the remote already has it,
 * e.g. the action was logged elsewhere).
 *
 * Recovery rule: an item found in `sending` when the program starts may or may not have
 * reached Salesloft (the process died between the POST and outbox_mark_sent). It must NOT be
 * re-sent blindly: the caller lists them with outbox_stuck_sending(), checks the remote
 * (e.g. GET the call activities for that task/action) and then marks it sent, or requeues it
 * with outbox_mark_retry() when the remote has nothing. outbox_next_due() never returns an
 * item in `sending`.
 *
 * Times are unix seconds.
 */
#ifndef LOFTDIAL_OUTBOX_H
#define LOFTDIAL_OUTBOX_H

#include <stdint.h>

#include "loftdial/store.h"

enum outbox_state { OUTBOX_QUEUED, OUTBOX_SENDING, OUTBOX_SENT, OUTBOX_FAILED, OUTBOX_CONFLICT };

/* "queued", "sending", "sent", "failed", "conflict" ("?" when out of range). */
const char *outbox_state_name(enum outbox_state s);
/* EINVAL when name is not one of the above. */
int outbox_state_parse(const char *name, enum outbox_state *out);

/* One item. body, last_error and response are heap strings owned by the item (NULL when
 * absent); release them with outbox_item_clear(). */
struct outbox_item {
	int64_t id;
	char kind[32];        /* "call", "task_complete", "note", ... (the sender's choice) */
	char dedupe_key[128]; /* "task:123", "action:456", a uuid */
	char *body;           /* JSON request body */
	enum outbox_state state;
	int attempts; /* times outbox_mark_sending() was called */
	int64_t next_at;
	char *last_error;
	char *response;    /* JSON response of the successful (or conflicting) attempt */
	int64_t remote_id; /* id of the created remote record, 0 when unknown */
	int64_t created_at;
	int64_t updated_at;
};

struct outbox_counts {
	int64_t queued, sending, sent, failed, conflict;
};

/* Frees the item's strings and zeroes it; NULL is fine. */
void outbox_item_clear(struct outbox_item *it);

/* Queues new work (state queued, next_at = now). EINVAL for an empty kind, key or body, or a
 * key/kind too long for the struct. EEXIST when the key is already queued, sending, sent or
 * in conflict (*id is then set to that item). A FAILED item with the same key is put back in
 * the queue with the new body and its attempts reset (same id). id may be NULL. */
int outbox_enqueue(struct store *st, const char *kind, const char *dedupe_key, const char *body,
                   int64_t *id);

/* The queued item due soonest with next_at <= now (oldest first on ties); ENOENT when none.
 * Fills out (clear it afterwards). */
int outbox_next_due(struct store *st, int64_t now, struct outbox_item *out);
/* The earliest next_at among queued items (to arm a timer); ENOENT when none. */
int outbox_next_at(struct store *st, int64_t *next_at);

/* One item by id or by key; ENOENT when absent. */
int outbox_get(struct store *st, int64_t id, struct outbox_item *out);
int outbox_get_by_key(struct store *st, const char *dedupe_key, struct outbox_item *out);

/* queued → sending, attempts + 1. Call right before the POST, and commit it (it is its own
 * statement) so a crash leaves the item in `sending`. EALREADY when the item is not queued,
 * ENOENT when absent. */
int outbox_mark_sending(struct store *st, int64_t id);
/* queued|sending → sent; response (JSON) may be NULL. EALREADY from another state. */
int outbox_mark_sent(struct store *st, int64_t id, int64_t remote_id, const char *response);
/* queued|sending → queued again, due at next_at, with error as last_error. EALREADY from
 * another state. */
int outbox_mark_retry(struct store *st, int64_t id, int64_t next_at, const char *error);
/* queued|sending → failed (kept for a person to look at). EALREADY from another state. */
int outbox_mark_failed(struct store *st, int64_t id, const char *error);
/* queued|sending → conflict: the remote refused because it already has this work. */
int outbox_mark_conflict(struct store *st, int64_t id, const char *error, const char *response);
/* failed → queued, attempts reset, due now (`loftdial outbox flush`). EALREADY otherwise. */
int outbox_requeue(struct store *st, int64_t id);

/* A failed item goes back in the queue with its attempts reset, a queued one waiting for its
 * retry stays queued; either is due now (`loftdial outbox retry`, the Outbox screen's r). Its
 * last_error stays until the next try. EALREADY in another state, ENOENT when absent. */
int outbox_retry_now(struct store *st, int64_t id);

/* A queued or failed item gets a corrected body (`loftdial outbox fix`) and is queued, due
 * now; a failed one has its attempts reset. Its last_error stays until the next try. EINVAL
 * for an empty body, EALREADY in another state, ENOENT when absent. */
int outbox_amend(struct store *st, int64_t id, const char *body);

/* Deletes an item for good (`loftdial outbox drop`). EALREADY for an item in `sending` (its
 * fate is unknown: the sender settles it first), ENOENT when absent. */
int outbox_drop(struct store *st, int64_t id);

/* How many items are in each state (counted in the table now). */
int outbox_counts(struct store *st, struct outbox_counts *out);

/*
 * Observing the outbox without polling the table. Each store connection keeps the counts in
 * memory: read from the table the first time, then recounted only after a change. Every
 * change this connection makes (enqueue, each mark_*, requeue) calls the watchers once it is
 * committed: at once for a change made outside a transaction, at the outermost commit or
 * rollback of a caller's transaction otherwise (a rolled-back change is told too, since the
 * counts went back). Changes other processes commit to the same file are seen by
 * outbox_refresh(), which costs one PRAGMA when nothing changed (call it from a slow timer).
 * Watchers run on the loop's thread, inside the call that made the change: they should only
 * note it (loop_dirty()), not write to the outbox.
 */
#define OUTBOX_WATCH_MAX 4
typedef void(outbox_change_h)(const struct outbox_counts *c, void *arg);

/* Adds a watcher: EINVAL for NULL, EEXIST when (h, arg) is already there, ENOSPC beyond
 * OUTBOX_WATCH_MAX, ENOMEM. */
int outbox_watch(struct store *st, outbox_change_h *h, void *arg);
/* Removes a watcher (nothing when absent). */
void outbox_unwatch(struct store *st, outbox_change_h *h, void *arg);
/* The counts kept in memory (a table read only when a change made them stale). */
int outbox_counts_cached(struct store *st, struct outbox_counts *out);
/* How many times the watchers were told of a change (0 before the first); a face can
 * compare it with the value it drew. */
uint64_t outbox_changes(struct store *st);
/* Picks up changes other connections committed since the last count: recounts, and calls
 * the watchers when a count differs. 0 or an errno value. */
int outbox_refresh(struct store *st);

/* Calls cb for every item in id order (a non-zero return stops and is returned). The item
 * passed is only valid during the call. The callback may use the store. */
typedef int(outbox_each_h)(const struct outbox_item *it, void *arg);
int outbox_list(struct store *st, outbox_each_h *cb, void *arg);
/* The same, only for items left in `sending` (see the recovery rule above). */
int outbox_stuck_sending(struct store *st, outbox_each_h *cb, void *arg);

#endif

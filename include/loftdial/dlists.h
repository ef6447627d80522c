/*
 * dlists: the index of what a rep can dial now, read live from Salesloft: the cadences that
 * have phone actions due for the rep, with how many, and the rep's call tasks per due bucket
 * (overdue, today). It is what a lists screen offers before a dial session reads one of them
 * in full (diallist.h).
 *
 * The reading spends the rate budget sparingly: the phone steps with due actions
 * (`/v2/steps?type=phone&has_due_actions=true`, 100 a page) say which cadences have work;
 * then one request per such cadence counts the rep's due phone actions in it
 * (`/v2/actions?cadence_id&type=phone&due_on[lte]=now&user_guid`, one record a page with
 * `include_paging_counts`, so the count is `total_count`), cadence names come from the store
 * (one `/v2/cadences?ids[]` request per 100 the store lacks), and one counting request per
 * task bucket (`/v2/tasks?task_type=call&current_state=scheduled&user_id&
 * time_interval_filter`). A server that leaves the counts out is paged through instead.
 *
 * A person with a call record still waiting in the outbox (queued, sending, failed) is not
 * dialled (diallist.h), so the counts leave them out too: when the outbox holds such people,
 * each cadence and bucket with work gets one more count of its due work for those people
 * (`person_id[]`, 100 people a request), which moves that much from `due` to `waiting`. With
 * an empty outbox nothing more is asked.
 *
 * Everything runs on the loop through the Salesloft client (slapi.h), one request at a time;
 * the done handler runs once, from the loop, unless the index is freed first.
 */
#ifndef LOFTDIAL_DLISTS_H
#define LOFTDIAL_DLISTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "loftdial/store.h"

struct slapi;
struct dlists;

/* One cadence with phone actions due now for the rep. */
struct dlists_cadence {
	int64_t id;
	char name[256];   /* as Salesloft has it (hostile text); "" when it could not be read */
	unsigned due;     /* the rep's phone actions due now that a session would dial */
	unsigned waiting; /* due ones not dialled: the person's call waits in the outbox */
	unsigned steps;   /* phone steps of the cadence with due actions (anyone's) */
};

/* The rep's scheduled call tasks per due bucket (to dial, and waiting in the outbox). */
struct dlists_tasks {
	unsigned overdue, today;
	unsigned overdue_waiting, today_waiting;
};

struct dlists_opts {
	/* The rep: user id (for tasks) and guid (for actions). Both unset: the user calls are
	 * logged as (usermap_call_user with operator_email), else /v2/me. */
	int64_t user_id;
	const char *user_guid;
	const char *operator_email; /* salesloft.operator_email, may be NULL */
	time_t now;                 /* 0: the clock */
};

/* The index read (err 0), or why not: err is the slapi error (EACCES, EKEYREVOKED, EAGAIN,
 * EPROTO with status, transport errors) and msg one printable line. */
typedef void(dlists_done_h)(int err, long status, const char *msg, void *arg);

/* Starts reading. api and st must outlive the index. EINVAL for missing arguments; EPERM or
 * ENOENT (with why) when the rep cannot be worked out from the store as configured. */
int dlists_load(struct dlists **lp, struct slapi *api, struct store *st,
                const struct dlists_opts *o, dlists_done_h *h, void *arg, char *why, size_t whyn);
/* Cancels the request in flight (the handler never runs) and frees; NULL is fine. */
void dlists_free(struct dlists *l);

/* The cadences read, most due first (then by name); valid after a successful done. */
size_t dlists_count(const struct dlists *l);
const struct dlists_cadence *dlists_cadence(const struct dlists *l, size_t i);
void dlists_tasks(const struct dlists *l, struct dlists_tasks *out);
/* The rep the index was read for. */
int64_t dlists_user_id(const struct dlists *l);
/* Requests sent so far, and whether the reading is over. */
unsigned dlists_requests(const struct dlists *l);
bool dlists_done(const struct dlists *l);

/* ---- replayed answers (the decoding without a network: unit tests, tests/fuzz) ---- */

/* Starts a reading with no client: each request it would send waits, as a path with its
 * query, in dlists_replay_path() until dlists_replay_take() gives it its answer as the client
 * would (err, HTTP status, body; a body that is not JSON with err 0 is taken as EBADMSG). The
 * done handler runs from inside dlists_replay_take. No store: every cadence is named from the
 * answers. 0, EINVAL or ENOMEM. */
int dlists_replay(struct dlists **lp, const struct dlists_opts *o, dlists_done_h *h, void *arg);
/* The request waiting for its answer, or NULL once the reading is over. */
const char *dlists_replay_path(const struct dlists *l);
/* Answers the waiting request. 0, or EINVAL when none waits (or l reads from a client). */
int dlists_replay_take(struct dlists *l, int err, long status, const char *body, size_t len);

/* Why a reading failed, in a few words for a status line: "not connected", "refused by
 * Salesloft (401)", "rate limited (429)", "network", "Salesloft error", ... */
const char *dlists_reason(int err, long status);

#endif

/*
 * diallist: the list a dial session works through, read live from Salesloft when the session
 * starts (never stored as a list).
 *
 * A cadence list follows the official recipe: the cadence's steps with due actions
 * (`has_due_actions=true`), then for each phone step the rep's phone actions due now
 * (`step_id`, `type=phone`, `due_on[lte]=now`, `user_guid`). Each action is fetched once more
 * by id (a 404 means it was completed elsewhere); then the call instructions its
 * `action_details` reference names are read, 100 a request
 * (`/v2/action_details/call_instructions?ids[]=`), and kept with each entry. A task
 * list is the rep's scheduled call tasks (`task_type=call`, `current_state=scheduled`,
 * `user_id`) in the chosen due buckets (`time_interval_filter`). Both can make one list; a
 * task that an action of the list mirrors (the action's `task` reference) is left out, so
 * the person is dialled once, through the action.
 *
 * Every entry is joined with the store (name, title, account, phones, zone, last calls); a
 * person missing from the store, or stored longer ago than the list allows, is fetched with
 * `ids[]` (one request per 100) and stored. The number is the first of the person's phones in
 * the configured order (direct, mobile, home); the direct phone's extension is kept to be
 * dialled as DTMF after connect. A person with a call record still waiting in the outbox (an
 * earlier run's, not yet sent) is skipped; then every entry goes through the gates (gates.h).
 * Entries that may not be dialled stay in the list with their reason.
 *
 * Everything runs on the loop through the Salesloft client (slapi.h); the done handler runs
 * once, from the loop.
 */
#ifndef LOFTDIAL_DIALLIST_H
#define LOFTDIAL_DIALLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "loftdial/contacts.h"
#include "loftdial/gates.h"
#include "loftdial/store.h"

struct config;
struct slapi;
struct diallist;

/* Due buckets of a task list (time_interval_filter values), as bits. */
enum diallist_bucket {
	DIALLIST_OVERDUE = 1 << 0,
	DIALLIST_TODAY = 1 << 1,
	DIALLIST_TOMORROW = 1 << 2,
	DIALLIST_THIS_WEEK = 1 << 3,
	DIALLIST_NEXT_WEEK = 1 << 4,
};

/* Which of a person's phones. */
enum diallist_phone { DIALLIST_DIRECT, DIALLIST_MOBILE, DIALLIST_HOME, DIALLIST_PHONE_COUNT };

/* Why an entry is not dialled. */
enum diallist_skip {
	DIALLIST_DIAL = 0,
	DIALLIST_PENDING,   /* the action is pending_activity */
	DIALLIST_NOT_PHONE, /* the action is not a phone action */
	DIALLIST_GONE,      /* the action answered 404 (completed elsewhere) */
	DIALLIST_MIRRORED,  /* the task mirrors an action in this list */
	DIALLIST_DUPLICATE, /* the person is already in the list */
	DIALLIST_NO_PERSON, /* the person could not be read */
	DIALLIST_GATE,      /* a gate refused (gate says which) */
	DIALLIST_OUTBOX,    /* a call record for the person still waits in the outbox */
};

#define DIALLIST_INSTR_MAX 1024

struct diallist_entry {
	int64_t person_id;
	int64_t action_id; /* 0 for a task entry */
	int64_t task_id;   /* 0 for an action entry (the mirrored task is in mirror_task_id) */
	int64_t mirror_task_id;
	int64_t cadence_id, step_id;
	char due[40]; /* the action's due_on or the task's due_at/due_date, as given */
	char subject[256];
	int64_t instructions_id;               /* the action's action_details ref (0: none) */
	char instructions[DIALLIST_INSTR_MAX]; /* call instructions ("" when none) */
	struct contact c;                      /* valid when skip is not NO_PERSON */
	enum diallist_phone phone;             /* which phone number is */
	char number[64];                       /* what to dial ("" when none) */
	char ext[32];                          /* extension, dialled as DTMF after connect */
	int64_t calls;                         /* calls to the person in the store */
	char last_call[40];                    /* created_at of the latest, "" when none */
	enum diallist_skip skip;
	struct gates_verdict gate; /* filled when the gates ran */
	char reason[256];          /* why skipped, in words ("" when dialled) */
};

struct diallist_opts {
	int64_t cadence_id; /* > 0: the cadence's due phone actions */
	bool tasks;         /* the rep's call tasks */
	unsigned buckets;   /* DIALLIST_* bits for the task list (0: overdue and today) */
	int64_t user_id;    /* the rep (user_id of tasks) */
	const char *user_guid;
	enum diallist_phone order[DIALLIST_PHONE_COUNT]; /* phones tried, in order */
	unsigned norder;                                 /* 0: direct, mobile, home */
	unsigned person_max_age_s; /* a stored person older than this is fetched again */
	time_t now;                /* 0: the clock */
	/* > 0 alone: one person from the store (fetched when missing or old), an entry with
	 * neither action nor task. With cadence_id: that person's phone actions due now in the
	 * cadence (what a session reads again after it logged one of their actions). */
	int64_t person_id;
};

/* The list read, or err (with a line in msg) when a request failed for good. */
typedef void(diallist_done_h)(int err, const char *msg, void *arg);

/* The reply decoders (pure; exported for the fuzz target): an action record's ids (its
 * call instructions' from the action_details reference), due time and skip (not a phone action,
 * pending another activity) written into e, other fields left as they are; a task record's fields
 * into e (zeroed first), EINVAL when it has no usable id. An id is read as sldecode_id() reads it
 * (an integer in 1..2^53 or a string of digits), anything else as 0; text too long for its field is
 * cut. */
void diallist_decode_action(struct diallist_entry *e, const cJSON *a);
int diallist_decode_task(struct diallist_entry *e, const cJSON *t);

/* Parses "overdue,today" into bits. EINVAL for an unknown name or an empty list. */
int diallist_buckets_parse(const char *s, unsigned *bits);
/* Parses "direct,mobile,home" (any order, a subset) into o->order. EINVAL for an unknown or
 * repeated name, or an empty list. */
int diallist_order_parse(const char *s, struct diallist_opts *o);
/* Fills o from dial.task_buckets, dial.phone_order and dial.person_max_age (user and guid
 * are the caller's). EINVAL with a reason when a value does not parse. */
int diallist_opts_from_config(struct diallist_opts *o, const struct config *cfg, char *why,
                              size_t whyn);

/* Starts reading the list. api, st and g must outlive the list. EINVAL for missing
 * arguments, or none of a cadence, tasks and a person, or a person with tasks. */
int diallist_load(struct diallist **dlp, struct slapi *api, struct store *st, struct gates *g,
                  const struct diallist_opts *o, diallist_done_h *h, void *arg);
/* Cancels what is in flight (the handler never runs) and frees the list; NULL is fine. */
void diallist_free(struct diallist *dl);

/* Replayed answers (the decoding without a network: tests/fuzz/fuzz_diallist.c): a reading
 * with no client, whose every request waits, as a path with its query, in
 * diallist_replay_path() until diallist_replay_take() gives it its answer as the client would
 * (err, HTTP status, body; a body that is not JSON with err 0 is taken as EBADMSG). The store
 * and gates are real. The done handler runs from inside diallist_replay_take (or
 * diallist_replay, for a person read from the store alone). Arguments as diallist_load. */
int diallist_replay(struct diallist **dlp, struct store *st, struct gates *g,
                    const struct diallist_opts *o, diallist_done_h *h, void *arg);
/* The request waiting for its answer, or NULL once the reading is over. */
const char *diallist_replay_path(const struct diallist *dl);
/* Answers the waiting request. 0, or EINVAL when none waits (or dl reads from a client). */
int diallist_replay_take(struct diallist *dl, int err, long status, const char *body, size_t len);

/* The entries, in list order (actions first, by step and due; then tasks). */
size_t diallist_count(const struct diallist *dl);
const struct diallist_entry *diallist_entry(const struct diallist *dl, size_t i);
/* Requests sent to build it (figures for the report and tests). */
unsigned diallist_requests(const struct diallist *dl);

/* Whether the person may not be dialled because a call record for them still waits in the
 * outbox (callrec_waiting): 0 with the reason in words ("a call is waiting in the outbox
 * (item 12, sending)"), ENOENT when nothing waits, another errno value when the store cannot
 * be read. */
int diallist_outbox_check(struct store *st, int64_t person_id, char *reason, size_t n);

const char *diallist_skip_name(enum diallist_skip s);
const char *diallist_phone_name(enum diallist_phone p);

#endif

/*
 * callrec: turns an ended dial attempt into the call record Salesloft gets, and puts that
 * record in the durable outbox (outbox.h) for the sender.
 *
 * An attempt's outcome is first reduced to what a team logs: busy, no answer, invalid number,
 * voicemail left, a live answer dropped, or connected (the rep talked; the rep gives the
 * disposition, sentiment and notes). Attempts that never reached anyone through the network
 * (a network or local failure, or a leg loftdial cancelled because another line won) are not
 * logged: the action or task stays due.
 *
 * The non-person outcomes carry the team's own disposition names, chosen through
 * outcome.busy, outcome.no_answer, outcome.invalid, outcome.voicemail and outcome.dropped;
 * an empty key matches a default list of common names against the team's dispositions
 * (case ignored). A name the team does not have is a warning, and calls of that outcome are
 * logged without a disposition.
 *
 * The record (POST /v2/activities/calls body: person_id, to, duration, disposition,
 * sentiment, notes, user_guid, and action_id xor task_id) is enqueued as an outbox item of
 * kind "call" with the dedupe key "action:ID", "task:ID", or "call:SESSION:ATTEMPT" for a
 * call with neither, so the same work is never queued twice.
 */
#ifndef LOFTDIAL_CALLREC_H
#define LOFTDIAL_CALLREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loftdial/call.h"
#include "loftdial/outbox.h"
#include "loftdial/store.h"

struct config;

enum callrec_kind {
	CALLREC_BUSY,
	CALLREC_NO_ANSWER,
	CALLREC_INVALID,
	CALLREC_VOICEMAIL, /* a voicemail was left */
	CALLREC_DROPPED,   /* a live answer loftdial had to drop */
	CALLREC_AUTO_COUNT,
	CALLREC_CONNECTED = CALLREC_AUTO_COUNT, /* the rep talked: the rep's disposition */
	CALLREC_NOT_LOGGED,                     /* nothing is logged */
};

#define CALLREC_NAME_MAX  128
#define CALLREC_NOTES_MAX 4096

/* The disposition name of each non-person outcome ("" = logged without one). */
struct callrec_dispos {
	char name[CALLREC_AUTO_COUNT][CALLREC_NAME_MAX];
};

/* What an ended attempt says, as the pool reports it. */
struct callrec_attempt {
	enum call_outcome outcome;
	bool live_dropped;
	bool connected;          /* had the rep's headset */
	const char *reason;      /* the pool's reason ("voicemail left" when one was played) */
	int64_t t_answer, t_end; /* unix ms; t_answer 0 when never answered */
};

/* One call record. Strings are copied by callrec_enqueue. */
struct callrec {
	int64_t person_id;
	int64_t action_id; /* at most one of action_id and task_id */
	int64_t task_id;
	const char *to; /* the number dialled */
	unsigned duration_s;
	const char *disposition; /* NULL or "" = none */
	const char *sentiment;
	const char *notes;
	const char *user_guid; /* NULL or "" = the connected user */
	const char *session;   /* for the key of a call with neither action nor task */
	unsigned attempt;
};

/* The kind of an ended attempt. */
enum callrec_kind callrec_classify(const struct callrec_attempt *a);
/* Seconds from answer to end (0 when never answered). */
unsigned callrec_duration(const struct callrec_attempt *a);
/* "busy", "no_answer", "invalid", "voicemail", "dropped", "connected", "not_logged". */
const char *callrec_kind_name(enum callrec_kind k);

/* Chooses the disposition names: the configured name (outcome.KIND) when the team has it,
 * else, with the key empty, the first default name the team has (case ignored; the team's own
 * spelling is used). team holds the team's disposition names. For each kind left without a
 * name, warn (may be NULL) is called with a sentence saying what and what to do. */
typedef void(callrec_warn_h)(const char *msg, void *arg);
void callrec_dispos_resolve(struct callrec_dispos *d, const struct config *cfg,
                            const char *const *team, size_t nteam, callrec_warn_h *warn, void *arg);
/* The same, with the team's dispositions read from the store (table sl_call_dispositions).
 * ENOENT (and every name "") when the store has none: run a sync first. */
int callrec_dispos_load(struct callrec_dispos *d, struct store *st, const struct config *cfg,
                        callrec_warn_h *warn, void *arg);
/* The team's own spelling of name among its dispositions (or sentiments, with sentiments
 * true) in the store, copied into out: 0, or ENOENT when the team has no such name. */
int callrec_team_name(struct store *st, bool sentiments, const char *name, char *out, size_t n);

/* Calls cb with each of the team's dispositions (or sentiments, with sentiments true) in the
 * store, live ones with a name, in id order, for a face to offer them. A non-zero return from
 * cb stops the walk and is returned; 0 with no call when the store has none (sync first). */
typedef int(callrec_name_h)(const char *name, void *arg);
int callrec_team_names(struct store *st, bool sentiments, callrec_name_h *cb, void *arg);

/* What a correction of a call record sets; NULL leaves a field as it is, "" removes it. */
struct callrec_fix {
	const char *disposition, *sentiment; /* checked against the team's names */
	const char *notes;
};

/* Corrects the call record in outbox item id (one a 422 kept: a required disposition, a name
 * the team lacks) and queues it, due now (outbox_amend()). The names are checked against the
 * team's in the store and take the team's spelling. 0; ENOENT for a name the team lacks (why
 * says which, whyn bytes; why may be NULL); EALREADY when the item is not a failed or queued
 * call record; EBADMSG when its body is not a JSON object; ENOENT too when there is no such
 * item (why says so); EINVAL, ENOMEM. The CLI's `outbox fix` and the Outbox screen use it. */
int callrec_fix(struct store *st, int64_t id, const struct callrec_fix *f, char *why, size_t whyn);

/* The POST /v2/activities/calls body of r in a malloc'd string. EINVAL for a record with
 * no person, both an action and a task, or a missing number. */
int callrec_body(const struct callrec *r, char **json);
/* Enqueues r in the outbox as kind "call" (see the key above). EEXIST when that work is
 * already queued or sent (*id is set to it); id may be NULL. */
int callrec_enqueue(struct store *st, const struct callrec *r, int64_t *id);

/* Whether a call record for the person still waits in the outbox: queued, sending (its fate
 * unknown until the sender looks) or failed (kept for the rep to fix). Dialling that person
 * again before it lands would call them twice for one step, and for the same action or task
 * the new record could not even be queued. 0 with the oldest such item's id and state (either
 * may be NULL), ENOENT when none waits, EINVAL for no store or a person id <= 0. */
int callrec_waiting(struct store *st, int64_t person_id, int64_t *id, enum outbox_state *state);

/* Every person with a call record waiting in the outbox as callrec_waiting() reads it, in a
 * malloc'd array of at most max ids in ascending order (*ids NULL when none). 0, EINVAL,
 * ENOMEM, or EIO when the store cannot be read. A list's counts leave these people out, as
 * dialling does. */
int callrec_waiting_people(struct store *st, size_t max, int64_t **ids, size_t *n);

#endif

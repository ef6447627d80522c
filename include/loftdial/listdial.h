/*
 * listdial: the Salesloft side of a dial session over a list (a cadence's due phone actions,
 * the rep's call tasks): the list, the team's names and the call records.
 *
 * It finds the rep (the connected user from /v2/me, or salesloft.operator_email through
 * usermap_call_user), reads the list (diallist.h) with the gates (gates.h) configured from
 * dial.*, and chooses the disposition names of the non-person outcomes (callrec.h). The dial
 * session (dsession.h) then feeds the entries that may be dialled to its pool and hands every
 * ended attempt to listdial_ended: a non-person outcome becomes an outbox record at once; a
 * connected call takes the rep's disposition, sentiment and notes, either given up front
 * (listdial_opts) or through listdial_wrapup() when the face asks the rep.
 */
#ifndef LOFTDIAL_LISTDIAL_H
#define LOFTDIAL_LISTDIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "loftdial/callrec.h"
#include "loftdial/diallist.h"
#include "loftdial/pool.h"

struct config;
struct slapi;
struct store;
struct listdial;

struct listdial_opts {
	int64_t cadence_id; /* > 0: the cadence */
	bool tasks;         /* the rep's call tasks */
	int64_t person_id;  /* > 0 alone: one person (logged with neither action nor task) */
	unsigned buckets;   /* DIALLIST_* bits of the tasks (0: dial.task_buckets) */
	/* For connected calls: given up front (NULL = none); with ask, the face asks instead. */
	const char *disposition, *sentiment, *notes;
	bool ask;
	const char *session; /* for the keys of calls with neither action nor task */
	time_t now;          /* the list's and the gates' clock; 0: the real one */
};

enum listdial_ev {
	LISTDIAL_READY,   /* the list is read: listdial_list() has it */
	LISTDIAL_FAILED,  /* reading it failed for good (text says why; err set) */
	LISTDIAL_WARNING, /* text: a disposition the team lacks, ... */
	LISTDIAL_RECORD,  /* an ended attempt's record is in the outbox (or why not: text) */
	LISTDIAL_ASK,     /* a connected call ended: listdial_wrapup() is awaited */
	LISTDIAL_MORE,    /* listdial_refresh() read the person again: list holds what is due
	                   * now (err set and list NULL when it failed) */
};

struct listdial_note {
	enum listdial_ev ev;
	int err;
	const char *text;               /* "" when none */
	const struct diallist_entry *e; /* RECORD, ASK */
	const struct pool_attempt *a;   /* RECORD (when from listdial_ended), ASK */
	enum callrec_kind kind;         /* RECORD */
	const char *disposition;        /* RECORD: the name logged, "" none */
	int64_t outbox_id;              /* RECORD: 0 when nothing was written */
	const struct diallist *list;    /* MORE: valid during the call only */
	int64_t person_id;              /* MORE */
};

typedef void(listdial_h)(const struct listdial_note *n, void *arg);

/* Starts: finds the rep, reads the list. EINVAL with a reason for bad options or config
 * (why); errors after that come as LISTDIAL_FAILED. cfg, api and st must outlive it. */
int listdial_new(struct listdial **lp, struct slapi *api, struct store *st,
                 const struct config *cfg, const struct listdial_opts *o, listdial_h *h, void *arg,
                 char *why, size_t whyn);
void listdial_free(struct listdial *l);

/* The list read (NULL before READY). */
const struct diallist *listdial_list(const struct listdial *l);
/* The rep's user_guid ("" before READY). */
const char *listdial_user_guid(const struct listdial *l);
/* The rep's Salesloft user id (0 before READY). */
int64_t listdial_user_id(const struct listdial *l);
/* The session's gates (the numbers dialled so far are noted there), for checking an entry
 * again right before its INVITE. */
struct gates *listdial_gates(const struct listdial *l);

/* An attempt of this session ended (a->user is its entry): writes its record, or asks. */
void listdial_ended(struct listdial *l, const struct pool_attempt *a);
/* True while a connected call waits for the rep's wrap-up. */
bool listdial_waiting(const struct listdial *l);
/* The rep's wrap-up of the waiting call. Names are checked against the team's (the team's
 * spelling is logged); ENOENT with why when the team has no such disposition or sentiment
 * (nothing is written; ask again); EALREADY when nothing waits. */
int listdial_wrapup(struct listdial *l, const char *disposition, const char *sentiment,
                    const char *notes, char *why, size_t whyn);
/* Reads a person's phone actions due now in the session's cadence again (after one of their
 * actions was logged, Salesloft creates the next step's); LISTDIAL_MORE follows, from the
 * loop. EINVAL without a cadence or before READY, EBUSY while one is being read. */
int listdial_refresh(struct listdial *l, int64_t person_id);
/* Drops the waiting call's record: nothing is written (the action or task stays due).
 * EALREADY when nothing waits. */
int listdial_discard(struct listdial *l);

/* Figures for the summary. */
struct listdial_stats {
	unsigned entries, dialable, skipped, records, not_logged, record_errors;
};
void listdial_stats(const struct listdial *l, struct listdial_stats *out);

#endif

/*
 * syncstate: what the sync remembers per object between runs (table sync_state).
 *
 * The incremental cursor is the updated_at text of the last record stored, kept verbatim
 * (microseconds and offset included) because it goes back into updated_at[gte]=<cursor>.
 * Full passes are counted by generation: a pass in progress has full_gen set, stamps that
 * generation on every row it sees, and only when it has read everything does the sync sweep
 * unseen rows and set generation = full_gen, full_gen = 0. The sync writes the page's rows and
 * this state in one transaction, so a killed run resumes without loss or duplicates.
 */
#ifndef LOFTDIAL_SYNCSTATE_H
#define LOFTDIAL_SYNCSTATE_H

#include <stdint.h>

#include "loftdial/store.h"

#define SYNCSTATE_TEXT  64
#define SYNCSTATE_ERROR 512

struct syncstate {
	char cursor[SYNCSTATE_TEXT];      /* incremental cursor (updated_at text), "" = none */
	int64_t generation;               /* last COMPLETED full pass (0 = never) */
	int64_t full_gen;                 /* full pass in progress (0 = none) */
	char full_cursor[SYNCSTATE_TEXT]; /* where the pass in progress has got to, "" = start */
	int64_t incrementals;             /* incremental runs since the last full pass */
	int64_t last_run;                 /* unix seconds of the last run (0 = never) */
	int64_t last_full;                /* unix seconds the last full pass completed */
	char last_result[32];             /* "ok", "error", "partial", ... ("" = never run) */
	char last_error[SYNCSTATE_ERROR]; /* message of the last failure, "" when none */
	int64_t records_seen;             /* records received in the last run */
	int page;               /* page number for the same-timestamp fallback (0 = off) */
	int64_t sweep_after_id; /* ids[] sweep position: last id checked (0 = start) */
};

/* Reads obj's state; a never-synced object gives all zeros and empty strings (not an error). */
int syncstate_get(struct store *st, enum store_obj obj, struct syncstate *out);
/* Writes obj's state (insert or replace). Call inside the page's transaction. */
int syncstate_put(struct store *st, enum store_obj obj, const struct syncstate *s);
/* Forgets obj's state (`loftdial sync --full` from scratch). */
int syncstate_reset(struct store *st, enum store_obj obj);

#endif

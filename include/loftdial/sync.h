/*
 * sync: mirrors the Salesloft org into the store, one strategy per object.
 *
 *   object               path                      strategy
 *   users                /v2/users                 relist (no updated_at filter exists)
 *   accounts             /v2/accounts              cursor
 *   people (contacts)    /v2/people                cursor
 *   cadences             /v2/cadences              cursor
 *   cadence_memberships  /v2/cadence_memberships   cursor
 *   steps                /v2/steps                 relist (no updated_at filter exists)
 *   call_dispositions    /v2/call_dispositions     relist (small)
 *   call_sentiments      /v2/call_sentiments       relist (small)
 *   calls                /v2/activities/calls      cursor
 *   emails               /v2/activities/emails     cursor
 *   mailboxes            (none)                    derived: the store's mailboxes view lists
 *                                                  users' sending addresses
 *
 * cursor: the updated_at cursor poller (cursor.h); each page's rows and the new cursor are
 * committed in one transaction, so a run killed at any instant resumes without loss or
 * duplicates. A full pass (first run, --full, every sync.full_every incrementals) walks from
 * the beginning, stamps a generation on every row it sees, and only when complete marks the
 * unseen rows deleted. Between full passes an ids[] sweep asks for batches of local ids and
 * marks the missing ones deleted.
 * relist: the whole list by page number, every run, as a full pass.
 *
 * All objects run at once on the loop; the API client (slapi.h) keeps them within the
 * background share of the rate limit.
 */
#ifndef LOFTDIAL_SYNC_H
#define LOFTDIAL_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loftdial/slapi.h"
#include "loftdial/store.h"

enum sync_phase {
	SYNC_PENDING,  /* not started */
	SYNC_LISTING,  /* reading pages */
	SYNC_SWEEPING, /* ids[] deletion sweep */
	SYNC_OK,
	SYNC_FAILED,
	SYNC_STOPPED /* interrupted; the next run resumes */
};

/* What one object is doing, for progress bars and status. */
struct sync_obj_progress {
	enum store_obj obj;
	const char *name;     /* API name ("people") */
	const char *strategy; /* "cursor" or "relist" */
	enum sync_phase phase;
	bool full;         /* this run is a full pass */
	uint64_t records;  /* records received this run */
	uint64_t requests; /* pages and sweep batches asked for */
	int64_t total;     /* records expected this run (from paging counts), -1 unknown */
	uint64_t swept;    /* ids checked by the sweep */
	unsigned deleted;  /* rows marked deleted this run */
	uint64_t started_ms, finished_ms; /* loop_now_ms() */
	char error[320];
};

struct sync_opts {
	bool objs[STORE_OBJ_COUNT]; /* which objects; all false means all */
	bool full;                  /* force a full pass of cursor objects */
	unsigned full_every;        /* a full pass after this many incrementals; 0 never */
	bool ids_sweep;             /* sweep after incremental runs */
	unsigned sweep_max;         /* ids checked per object per run; 0 all */
};

struct sync;

/* Called after any progress change (from the loop). */
typedef void(sync_progress_h)(void *arg);
/* Called once when every object has finished. rc: 0 all ok; EKEYREVOKED the connection
 * expired; EACCES not connected or unauthorized; EPROTO some object failed. */
typedef void(sync_done_h)(int rc, void *arg);

/* The API name of each object in the order above, and its strategy, for docs and CLI. */
const char *sync_strategy_name(enum store_obj obj);
/* The API path of an object ("/v2/people"). */
const char *sync_obj_path(enum store_obj obj);

/* Starts a run. The handlers are called from the loop, never from inside sync_start. */
int sync_start(struct sync **sp, struct slapi *api, struct store *st, const struct sync_opts *o,
               sync_progress_h *ph, sync_done_h *dh, void *arg);
/* Per-object progress, n entries (objects not selected are absent). */
const struct sync_obj_progress *sync_progress(const struct sync *s, size_t *n);
/* Stops a run: cancels the requests in flight and records "interrupted" for the objects
 * still working (their committed state stays; the next run resumes). No handler runs. */
void sync_stop(struct sync *s);
/* Frees a run (stopping it first if needed); NULL is fine. */
void sync_free(struct sync *s);

#endif

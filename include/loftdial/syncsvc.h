/*
 * syncsvc: the sync service, what keeps the local copy current while loftdial runs for a
 * long time (`loftdial webhooks serve`, the TUI).
 *
 * It runs an incremental sync every poll interval on the loop's timer (webhooks are lossy, so
 * the poller is the source of truth), one run at a time: a run asked for while one is going
 * is refused with EALREADY, and runs take the one-sync-at-a-time lock (syncsess_lock) so a
 * `loftdial sync` or another loftdial already syncing the same data folder makes a poll skip
 * its turn (EBUSY for a run asked for by hand). Optionally it also serves webhook deliveries
 * (webhook_rx.h), after applying the events a previous run stored but did not apply. A run
 * never blocks the loop; the rate figures are saved to the store after each one.
 *
 * The face hears of everything through one handler: a run starting, its progress (read the
 * figures with sync_progress(syncsvc_sync(s))), its end, a skipped poll, each webhook request.
 */
#ifndef LOFTDIAL_SYNCSVC_H
#define LOFTDIAL_SYNCSVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loftdial/slapi.h"
#include "loftdial/store.h"
#include "loftdial/sync.h"

struct config;
struct syncsvc;
struct webhook_rx;

struct syncsvc_opts {
	const char *data_dir; /* where the sync lock lives (required) */
	unsigned poll_ms;     /* between the end of a run and the next poll; 0 = no polls */
	struct sync_opts run; /* options of every run (full_every, ids_sweep, sweep_max) */
	const char *listen;   /* serve webhooks on this address; NULL = do not serve */
	size_t max_body;      /* the receiver's body limit */
};

enum syncsvc_ev {
	SYNCSVC_RUN_START, /* a run started (full says whether it was asked as a full pass) */
	SYNCSVC_PROGRESS,  /* the run's figures changed */
	SYNCSVC_RUN_DONE,  /* the run ended: rc as sync_done_h has it, records received */
	SYNCSVC_SKIPPED,   /* a poll's turn passed: rc EBUSY (another process syncs), EACCES
	                    * (not connected), or why the run could not start */
	SYNCSVC_WEBHOOK,   /* a webhook request was answered: event_type, status, text */
};

struct syncsvc_note {
	enum syncsvc_ev ev;
	int rc;
	bool full;
	uint64_t records;
	const char *event_type; /* WEBHOOK: "" when none */
	int status;             /* WEBHOOK: HTTP status answered */
	const char *text;       /* WEBHOOK: what happened; "" otherwise */
};

typedef void(syncsvc_h)(const struct syncsvc_note *n, void *arg);

struct syncsvc_stats {
	uint64_t runs;          /* runs started */
	uint64_t failed;        /* runs that ended with rc != 0 */
	uint64_t skipped;       /* poll turns skipped */
	int last_rc;            /* of the last run to end */
	uint64_t last_records;  /* received by the last run to end */
	uint64_t last_end_ms;   /* loop_now_ms() at the last run's end, 0 = none yet */
	uint64_t next_poll_ms;  /* loop_now_ms() of the next poll, 0 = none armed */
	unsigned applied_start; /* stored webhook events applied when serving began */
};

/* Fills o from the config keys (sync.poll_interval, sync.full_every, sync.ids_sweep,
 * sync.sweep_max, webhooks.max_body); listen stays NULL (serving is the face's choice). */
void syncsvc_opts_from_config(struct syncsvc_opts *o, const struct config *cfg,
                              const char *data_dir);

/* Starts the service on api and st (both must outlive it; needs loop_init). When o->listen
 * is set, stored events are applied and the receiver listens; an error there (EADDRINUSE,
 * ...) fails the whole call. The first poll is due poll_ms from now. */
int syncsvc_new(struct syncsvc **sp, struct slapi *api, struct store *st,
                const struct syncsvc_opts *o, syncsvc_h *h, void *arg);
/* Stops the run in flight (its committed pages stay), closes the receiver, frees. NULL is
 * fine. No handler runs from inside. */
void syncsvc_free(struct syncsvc *s);

/* Runs now ("sync now"; full forces a full pass): EALREADY while a run is going, EBUSY when
 * another process holds the sync lock, EACCES when not connected, or sync_start's error.
 * The next poll is due poll_ms after this run ends. */
int syncsvc_run_now(struct syncsvc *s, bool full);
/* Stops the run in flight, if any (a signal, quitting); polls go on unless freed. */
void syncsvc_stop_run(struct syncsvc *s);

/* The run in flight (for sync_progress()), NULL when idle. */
const struct sync *syncsvc_sync(const struct syncsvc *s);
bool syncsvc_running(const struct syncsvc *s);
void syncsvc_stats(const struct syncsvc *s, struct syncsvc_stats *out);
/* The receiver (NULL when not serving), and its port (0 when not serving). */
struct webhook_rx *syncsvc_rx(const struct syncsvc *s);
uint16_t syncsvc_port(const struct syncsvc *s);

#endif

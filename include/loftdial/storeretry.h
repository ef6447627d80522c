/*
 * storeretry: a write that met another process's write lock, tried again from a loop timer.
 *
 * SQLite's busy handler waits inside the call (up to the busy timeout), which freezes the
 * loop for that long. A face that must answer within a frame sets a short busy timeout
 * (store_set_busy_timeout) and runs its writes through storeretry_run(): the write is tried
 * at once; when it fails with EBUSY it is tried again from a libre timer, backing off from
 * 10 ms to 250 ms, until it gives another answer or give_up_ms have passed (then EBUSY).
 *
 * The write must be one transaction of its own that leaves nothing behind when it fails
 * (store_begin ... store_commit, rolled back on error), so trying it again is safe.
 */
#ifndef LOFTDIAL_STORERETRY_H
#define LOFTDIAL_STORERETRY_H

#include "loftdial/store.h"

struct storeretry;

/* One attempt at the write: 0 or an errno value; EBUSY means "try again later". */
typedef int(storeretry_work_h)(struct store *st, void *arg);
/* The write's final result (0, its error, or EBUSY after give_up_ms), from the loop. */
typedef void(storeretry_done_h)(int err, void *arg);

/* Runs work now. When it does not return EBUSY its result is returned at once and done is
 * not called. On EBUSY it returns EINPROGRESS: the write is retried from the loop and done
 * gets its result once; *rp (may be NULL) holds the retry until then, and is set to NULL
 * before done runs. EINVAL for a NULL store, work or done. */
int storeretry_run(struct storeretry **rp, struct store *st, storeretry_work_h *work,
                   storeretry_done_h *done, void *arg, unsigned give_up_ms);
/* Drops a retry in progress (done is not called); NULL is fine. Sets the caller's pointer
 * given to storeretry_run to NULL. */
void storeretry_cancel(struct storeretry *r);

#endif

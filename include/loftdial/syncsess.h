/*
 * syncsess: what every Salesloft-facing command opens first: the store and the API client
 * configured from the config keys, with one message saying what went wrong when either
 * cannot be had.
 */
#ifndef LOFTDIAL_SYNCSESS_H
#define LOFTDIAL_SYNCSESS_H

#include <stddef.h>
#include <stdint.h>

#include "loftdial/slapi.h"
#include "loftdial/store.h"

struct config;

struct syncsess {
	struct store *st;
	struct slapi *api;
};

/* Opens the store at db_file and, when with_api, the API client (which needs loop_init
 * first). On failure msg says why and what to do; nothing stays open. */
int syncsess_open(struct syncsess *s, const char *db_file, const struct config *cfg, bool with_api,
                  char *msg, size_t n);
void syncsess_close(struct syncsess *s);

/* Takes the one-sync-at-a-time lock (an flock on DATA_DIR/sync.lock, released by the kernel
 * when the process dies, even by SIGKILL): 0 with *fd to pass to syncsess_unlock, or EBUSY
 * when another process is syncing. Two syncs at once would be safe (upserts by id) but would
 * spend the rate limit twice. */
int syncsess_lock(const char *data_dir, int *fd);
void syncsess_unlock(int fd);
/* The same kind of lock on DATA_DIR/NAME.lock (release with syncsess_unlock). "outbox" is
 * the one-sender-at-a-time lock (SYNCSESS_OUTBOX_LOCK): two senders draining one outbox could
 * each take the other's item in `sending` for a stopped run's and post it again. */
int syncsess_flock(const char *data_dir, const char *name, int *fd);
#define SYNCSESS_OUTBOX_LOCK "outbox"

/* The store meta key of the rate figures seen last ("remaining limit unix-seconds"). */
#define SYNCSESS_RATE_KEY "sync.rate"

/* Remembers the API client's rate figures in the store (status shows them offline). */
void syncsess_save_rate(struct syncsess *s);
/* Reads the figures syncsess_save_rate() kept: ENOENT when none were saved, EBADMSG when
 * the stored value is not in its format. */
int syncsess_load_rate(struct store *st, long *remaining, unsigned *limit, int64_t *seen_at);

#endif

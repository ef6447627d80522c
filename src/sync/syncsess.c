/*
 * syncsess: opening the store and the API client together for the Salesloft commands.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "loftdial/config.h"
#include "loftdial/log.h"
#include "loftdial/syncsess.h"

int syncsess_open(struct syncsess *s, const char *db_file, const struct config *cfg, bool with_api,
                  char *msg, size_t n)
{
	struct slapi_cfg c;
	int err;

	memset(s, 0, sizeof(*s));
	err = store_open(&s->st, db_file);
	if (err) {
		snprintf(msg, n, "cannot open the database %s: %s", db_file, strerror(err));
		return err;
	}
	if (!with_api)
		return 0;
	slapi_cfg_from_config(&c, cfg);
	err = slapi_new(&s->api, &c, s->st);
	if (err) {
		snprintf(msg, n, "cannot set up the API client: %s", strerror(err));
		store_close(s->st);
		s->st = NULL;
		return err;
	}
	return 0;
}

void syncsess_close(struct syncsess *s)
{
	if (!s)
		return;
	slapi_free(s->api);
	store_close(s->st);
	memset(s, 0, sizeof(*s));
}

void syncsess_save_rate(struct syncsess *s)
{
	struct slapi_stats stats;
	char v[64];

	if (!s || !s->api || !s->st)
		return;
	slapi_stats(s->api, &stats);
	if (stats.last_remaining < 0)
		return;
	snprintf(v, sizeof(v), "%ld %u %lld", stats.last_remaining, stats.limit,
	         (long long)time(NULL));
	if (store_meta_set(s->st, SYNCSESS_RATE_KEY, v))
		log_warn("sync", "cannot save the rate figures");
}

int syncsess_load_rate(struct store *st, long *remaining, unsigned *limit, int64_t *seen_at)
{
	char v[64];
	long long at;
	int err;

	if (!st || !remaining || !limit || !seen_at)
		return EINVAL;
	err = store_meta_get(st, SYNCSESS_RATE_KEY, v, sizeof(v));
	if (err)
		return err == E2BIG ? EBADMSG : err;
	if (sscanf(v, "%ld %u %lld", remaining, limit, &at) != 3)
		return EBADMSG;
	*seen_at = (int64_t)at;
	return 0;
}

int syncsess_flock(const char *data_dir, const char *name, int *fd)
{
	char path[1100];
	int f;

	if (!data_dir || !name || !fd ||
	    snprintf(path, sizeof(path), "%s/%s.lock", data_dir, name) >= (int)sizeof(path))
		return EINVAL;
	f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f < 0)
		return errno;
	if (flock(f, LOCK_EX | LOCK_NB)) {
		int err = errno == EWOULDBLOCK ? EBUSY : errno;

		close(f);
		return err;
	}
	*fd = f;
	return 0;
}

int syncsess_lock(const char *data_dir, int *fd)
{
	return syncsess_flock(data_dir, "sync", fd);
}

void syncsess_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/*
 * sbx: the sandbox's lifetime, its clock and its hook lists.
 *
 * sbx_open() builds the whole org before the server listens, so the ready line means that
 * every request will be answered from complete data. The clock is the wall clock (or the
 * --now instant, advancing in real time) plus a skew the admin API may change; everything
 * that depends on "now" reads sbx_now_us(). Hooks are small fixed arrays: the modules that
 * register them are few and known.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loftdial/log.h"
#include "sbx_core.h"
#include "sbx_tz.h"

/* Monotonic microseconds. */
static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Fills opts with the documented defaults. */
void sbx_opts_default(struct sbx_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	snprintf(opts->listen, sizeof(opts->listen), "127.0.0.1:0");
	opts->seed = 1;
	opts->people = 2000;
	opts->users = 8;
	opts->rate_limit = 600;
	opts->token_ttl = 7200;
	snprintf(opts->api_key, sizeof(opts->api_key), "%s", SBX_DEFAULT_API_KEY);
}

/* The sandbox's "now". */
int64_t sbx_now_us(const struct sbx *sbx)
{
	if (!sbx || !sbx->priv)
		return 0;
	return sbx->priv->start_us + (int64_t)(mono_us() - sbx->priv->start_mono_us) +
	       sbx->clock_skew_us;
}

/* The start of the team-zone day containing us. */
static int64_t day_start(int64_t us)
{
	int off = sbx_team_offset(us);
	int64_t local = us + (int64_t)off * 60000000LL;
	int64_t day = local / 86400000000LL - (local % 86400000000LL < 0);
	int64_t start = day * 86400000000LL - (int64_t)off * 60000000LL;

	/* On a DST change day the offset at midnight may differ from the offset now. */
	return start - (int64_t)(sbx_team_offset(start) - off) * 60000000LL;
}

/* The generator parameters, so that a reused state file is known to hold another org. */
static void gen_key(const struct sbx_opts *o, char *buf, size_t n)
{
	snprintf(buf, n, "seed=%llu people=%u users=%u accounts=%u", (unsigned long long)o->seed,
	         o->people, o->users, o->accounts);
}

/* Points the hrefs of a reused state file at this run's base URL. */
static int rebase(struct sbx *sbx)
{
	char old[128];
	int err;

	if (sbx_db_meta_get(sbx, "base_url", old, sizeof(old)) == 0 && strcmp(old, sbx->base_url)) {
		err = sbx_db_rebase(sbx, old, sbx->base_url);
		if (err)
			return err;
	}
	return sbx_db_meta_set(sbx, "base_url", sbx->base_url);
}

/* Opens the store, binds the listener, generates the org when needed, registers the core
 * routes. The listener is bound first so that hrefs carry the real port. */
int sbx_open(struct sbx **sbxp, const struct sbx_opts *opts)
{
	struct sbx *sbx;
	struct timespec ts;
	char have[160], want[160];
	bool fresh = false;
	int err;

	if (!sbxp || !opts)
		return EINVAL;
	sbx = calloc(1, sizeof(*sbx));
	if (!sbx)
		return ENOMEM;
	sbx->priv = calloc(1, sizeof(*sbx->priv));
	if (!sbx->priv) {
		free(sbx);
		return ENOMEM;
	}
	sbx->opts = *opts;
	if (sbx->opts.users < 1)
		sbx->opts.users = 1;
	if (!sbx->opts.accounts)
		sbx->opts.accounts = sbx->opts.people / 10 + 1;
	if (!sbx->opts.api_key[0])
		snprintf(sbx->opts.api_key, sizeof(sbx->opts.api_key), "%s", SBX_DEFAULT_API_KEY);
	sbx->team.id = 111855;
	clock_gettime(CLOCK_REALTIME, &ts);
	sbx->priv->start_us =
	        opts->now_us ? opts->now_us : (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	sbx->priv->start_mono_us = mono_us();

	err = sbx_server_init(sbx);
	if (err)
		goto out;
	err = sbx_server_listen(sbx);
	if (err)
		goto out;
	err = sbx_db_open(sbx, &fresh);
	if (err)
		goto out;
	gen_key(&sbx->opts, want, sizeof(want));
	if (!fresh) {
		if (sbx_db_meta_get(sbx, "generator", have, sizeof(have)) == 0 &&
		    strcmp(have, want))
			log_warn("sandbox", "state file holds the org for %s; serving it as is",
			         have);
		err = rebase(sbx);
		if (!err)
			err = sbx_gen_attach(sbx);
	} else {
		uint64_t t0 = mono_us();

		err = sbx_gen(sbx, day_start(sbx->priv->start_us));
		log_info("sandbox", "generated %u people in %.2f s", sbx->opts.people,
		         (double)(mono_us() - t0) / 1e6);
	}
	if (err)
		goto out;
	{
		uint64_t t0 = mono_us();

		err = sbx_db_create_indexes(sbx);
		log_info("sandbox", "indexes ready in %.2f s", (double)(mono_us() - t0) / 1e6);
	}
	/* The generator parameters are written last: a store without them was not finished
	 * and is generated again (sbx_db_open). */
	if (!err && fresh)
		err = sbx_db_meta_set(sbx, "base_url", sbx->base_url);
	if (!err && fresh)
		err = sbx_db_meta_set(sbx, "generator", want);
	if (!err && fresh)
		err = sbx_db_loaded(sbx);
	if (err)
		goto out;
	sbx->team.created_us = day_start(sbx->priv->start_us) - 800 * 86400000000LL;
	sbx->team.updated_us = sbx->team.created_us;
	err = sbx_lists_register(sbx);
out:
	if (err)
		sbx_close(sbx);
	else
		*sbxp = sbx;
	return err;
}

/* Runs close hooks, stops the server, closes the store. */
void sbx_close(struct sbx *sbx)
{
	if (!sbx)
		return;
	if (sbx->priv) {
		while (sbx->priv->nclose > 0) {
			struct sbx_hook *h = &sbx->priv->closeh[--sbx->priv->nclose];

			((sbx_close_h *)h->h)(sbx, h->arg);
		}
		sbx_server_close(sbx);
		sbx_gen_free(sbx);
		if (sbx->db)
			sbx_db_close(sbx);
		free(sbx->priv);
	}
	free(sbx);
	/* The zones are cached for the process, which ends with its one sandbox. */
	sbx_tz_cache_clear();
}

/* Appends to a hook array. */
static int hook_add(struct sbx_hook *arr, size_t *n, void *h, void *arg)
{
	if (!h)
		return EINVAL;
	if (*n >= SBX_MAX_HOOKS)
		return ENOSPC;
	arr[*n].h = h;
	arr[*n].arg = arg;
	(*n)++;
	return 0;
}

/* Registers a change hook. */
int sbx_on_change(struct sbx *sbx, sbx_change_h *h, void *arg)
{
	return sbx ? hook_add(sbx->priv->change, &sbx->priv->nchange, (void *)h, arg) : EINVAL;
}

/* Registers a request filter. */
int sbx_on_request(struct sbx *sbx, sbx_filter_h *h, void *arg)
{
	return sbx ? hook_add(sbx->priv->filter, &sbx->priv->nfilter, (void *)h, arg) : EINVAL;
}

/* Registers a close hook. */
int sbx_on_close(struct sbx *sbx, sbx_close_h *h, void *arg)
{
	return sbx ? hook_add(sbx->priv->closeh, &sbx->priv->nclose, (void *)h, arg) : EINVAL;
}

/* Tells every change hook about a change. */
void sbx_changed(struct sbx *sbx, enum sbx_kind kind, int64_t id, const char *event,
                 const char *json, size_t len)
{
	sbx->counters.changes++;
	for (size_t i = 0; i < sbx->priv->nchange; i++) {
		struct sbx_hook *h = &sbx->priv->change[i];

		((sbx_change_h *)h->h)(sbx, kind, id, event, json, len, h->arg);
	}
}

/* The counters as JSON for the admin API. */
cJSON *sbx_counters_json(struct sbx *sbx)
{
	cJSON *o = cJSON_CreateObject();
	char t[40];
	int64_t now;

	if (!o || !sbx)
		return o;
	now = sbx_now_us(sbx);
	sbx_time_render(t, sizeof(t), now, sbx_team_offset(now));
	cJSON_AddNumberToObject(o, "requests", (double)sbx->counters.requests);
	cJSON_AddNumberToObject(o, "v2_requests", (double)sbx->counters.v2_requests);
	cJSON_AddNumberToObject(o, "cost_charged", (double)sbx->counters.cost_charged);
	cJSON_AddNumberToObject(o, "rate_limited", (double)sbx->counters.rate_limited);
	cJSON_AddNumberToObject(o, "calls_logged", (double)sbx->counters.calls_logged);
	cJSON_AddNumberToObject(o, "changes", (double)sbx->counters.changes);
	cJSON_AddNumberToObject(o, "rate_limit", (double)sbx->opts.rate_limit);
	if (sbx->opts.rate_limit)
		cJSON_AddNumberToObject(o, "remaining_minute",
		                        (double)sbx_ratelimit_remaining(sbx));
	else
		cJSON_AddNullToObject(o, "remaining_minute");
	cJSON_AddStringToObject(o, "now", t);
	return o;
}

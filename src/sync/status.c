/*
 * status: the status model shared by `loftdial status` and the TUI's home screen, read from
 * the store (tokens, meta, outbox, webhook inbox, sync state, row counts).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/records.h"
#include "loftdial/slapi.h"
#include "loftdial/status.h"
#include "loftdial/sync.h"
#include "loftdial/syncsess.h"
#include "loftdial/text.h"
#include "loftdial/tokens.h"
#include "loftdial/webhook_rx.h"
#include "loftdial/whevents.h"

static const char *const token_names[] = {
        [STATUS_TOKEN_NONE] = "none",
        [STATUS_TOKEN_OK] = "ok",
        [STATUS_TOKEN_REFRESH_DUE] = "refresh due",
        [STATUS_TOKEN_EXPIRED] = "expired",
        [STATUS_TOKEN_REVOKED] = "revoked",
};

const char *status_token_name(enum status_token t)
{
	if ((unsigned)t >= sizeof(token_names) / sizeof(token_names[0]) || !token_names[t])
		return "?";
	return token_names[t];
}

const char *status_calls_as_error(int err)
{
	if (err == EPERM)
		return "the connected user is not a team admin";
	if (err == ENOENT)
		return "no matching Salesloft user";
	return strerror(err);
}

/* The token's health at now: an OAuth token past (or near) expiry is fine as long as a
 * refresh token can renew it. */
static enum status_token token_health(const struct tokens *t, int64_t now)
{
	if (!t->expires_at || t->expires_at - STATUS_REFRESH_MARGIN > now)
		return STATUS_TOKEN_OK;
	return *t->refresh_token ? STATUS_TOKEN_REFRESH_DUE : STATUS_TOKEN_EXPIRED;
}

/* The connection from the saved tokens; the tokens never leave this function. */
static int read_conn(struct store *st, int64_t now, struct status_conn *c)
{
	struct tokens *t = calloc(1, sizeof(*t));

	if (!t)
		return ENOMEM;
	c->connected = !tokens_load(st, t);
	if (c->connected) {
		text_copy(c->kind, sizeof(c->kind), t->kind);
		c->user_id = t->user_id;
		text_copy(c->user_guid, sizeof(c->user_guid), t->user_guid);
		text_copy(c->user_email, sizeof(c->user_email), t->user_email);
		text_copy(c->user_name, sizeof(c->user_name), t->user_name);
		c->team_admin = t->team_admin;
		c->expires_at = t->expires_at;
		c->token = token_health(t, now);
		text_copy(c->api_url, sizeof(c->api_url), t->api_url);
		text_copy(c->accounts_url, sizeof(c->accounts_url), t->accounts_url);
	}
	explicit_bzero(t, sizeof(*t));
	free(t);
	return 0;
}

/* Counts pending webhook events. */
static int count_event(const struct whevent *ev, void *arg)
{
	(*(unsigned *)arg)++;
	return 0;
}

/* Number of comma-separated ids in the registered subscriptions list. */
static unsigned count_subs(const char *list)
{
	unsigned n = 0;

	for (; *list; list++)
		if (*list != ',' && (list[1] == ',' || !list[1]))
			n++;
	return n;
}

static void read_webhooks(struct store *st, struct status_webhooks *w)
{
	char subs[4096] = "", tok[8];
	int err;

	(void)store_meta_get(st, WEBHOOK_RX_SUBS_KEY, subs, sizeof(subs));
	w->subscriptions = count_subs(subs);
	/* Only whether it exists: a short buffer answers E2BIG for a set token. */
	err = store_meta_get(st, WEBHOOK_RX_TOKEN_KEY, tok, sizeof(tok));
	explicit_bzero(tok, sizeof(tok));
	w->token_set = err == 0 || err == E2BIG;
	(void)whevents_pending(st, count_event, &w->pending_events);
}

static void read_obj(struct store *st, enum store_obj obj, struct status_obj *o)
{
	int64_t live = 0, all = 0;

	o->obj = obj;
	o->name = store_obj_name(obj);
	o->strategy = sync_strategy_name(obj);
	if (syncstate_get(st, obj, &o->ss))
		memset(&o->ss, 0, sizeof(o->ss));
	(void)records_count(st, obj, false, &live);
	(void)records_count(st, obj, true, &all);
	o->rows = live;
	o->deleted = all - live;
}

int status_read(struct store *st, const char *operator_email, int64_t now, struct status *out)
{
	int i, err;

	if (!st || !out)
		return EINVAL;
	memset(out, 0, sizeof(*out));
	out->read_at = now;
	err = read_conn(st, now, &out->conn);
	if (err)
		return err;
	text_copy(out->calls_as.operator_email, sizeof(out->calls_as.operator_email),
	          operator_email ? operator_email : "");
	out->calls_as.err = usermap_call_user(st, operator_email, &out->calls_as.user);
	out->rate.seen =
	        !syncsess_load_rate(st, &out->rate.remaining, &out->rate.limit, &out->rate.seen_at);
	out->outbox_ok = !outbox_counts(st, &out->outbox);
	read_webhooks(st, &out->webhooks);
	for (i = 0; i < STORE_OBJ_COUNT; i++)
		read_obj(st, (enum store_obj)i, &out->objs[i]);
	return 0;
}

void status_live(struct status *s, struct slapi *api)
{
	struct slapi_stats stats;
	const char *auth;

	if (!s || !api)
		return;
	slapi_stats(api, &stats);
	if (stats.last_remaining >= 0) {
		s->rate.seen = true;
		s->rate.live = true;
		s->rate.remaining = stats.last_remaining;
		s->rate.limit = stats.limit;
		s->rate.seen_at = s->read_at;
	}
	auth = slapi_auth_error(api);
	if (auth && *auth && s->conn.connected) {
		s->conn.token = STATUS_TOKEN_REVOKED;
		text_copy(s->conn.auth_error, sizeof(s->conn.auth_error), auth);
	}
}

/* True when a and b are the same base URL, trailing slashes ignored (as slapi strips them). */
static bool same_base(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	while (la && a[la - 1] == '/')
		la--;
	while (lb && b[lb - 1] == '/')
		lb--;
	return la == lb && !memcmp(a, b, la);
}

void status_check_urls(struct status *s, const char *api_url, const char *accounts_url)
{
	if (!s || !s->conn.connected)
		return;
	s->conn.elsewhere = !*s->conn.api_url ||
	                    !same_base(s->conn.api_url, api_url ? api_url : "") ||
	                    !same_base(s->conn.accounts_url, accounts_url ? accounts_url : "");
}

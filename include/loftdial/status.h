/*
 * status: the status model, what loftdial knows about its connection and its sync, read from
 * the store without touching the network.
 *
 * `loftdial status` (text and --json) and the TUI's home screen are two faces over this one
 * function: status_read() fills a plain struct with the connection (user, token health and
 * expiry), who calls are logged as, the rate budget seen last, the outbox, the webhooks and
 * one row per synced object (rows, cursor, last run, result, error). A face that holds a live
 * API client overlays what only the running process knows with status_live() (the rate
 * figures of this minute, a fatal auth failure). Live sync progress comes from
 * sync_progress() and the engines from the dial pool's snapshot, not from here: neither
 * exists in the store.
 *
 * Strings are copied verbatim from the store: they come from the network, so a face passes
 * each through text_sanitize() before drawing it.
 */
#ifndef LOFTDIAL_STATUS_H
#define LOFTDIAL_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "loftdial/outbox.h"
#include "loftdial/store.h"
#include "loftdial/syncstate.h"
#include "loftdial/usermap.h"

struct slapi;

/* How usable the saved credentials are at the time given to status_read(). */
enum status_token {
	STATUS_TOKEN_NONE,        /* not connected */
	STATUS_TOKEN_OK,          /* valid, or an API key (does not expire) */
	STATUS_TOKEN_REFRESH_DUE, /* expired or about to, and a refresh token will renew it */
	STATUS_TOKEN_EXPIRED,     /* expired with no refresh token: run loftdial connect */
	STATUS_TOKEN_REVOKED,     /* the API refused the credentials (status_live only) */
};

/* Seconds before expiry from which an OAuth token counts as due for refresh. */
#define STATUS_REFRESH_MARGIN 300

struct status_conn {
	bool connected;
	char kind[16]; /* "oauth" or "api_key" */
	int64_t user_id;
	char user_guid[64];
	char user_email[320];
	char user_name[256];
	bool team_admin;
	int64_t expires_at; /* unix seconds, 0 = does not expire */
	enum status_token token;
	char auth_error[256]; /* status_live(): why the API refused us, "" otherwise */
	/* The API and accounts URLs the saved connection was made with ("" when not recorded,
	 * by an older loftdial). */
	char api_url[512];
	char accounts_url[512];
	/* status_check_urls(): the connection belongs to other URLs than the configured ones
	 * (or does not record its own), so no request will use it until a reconnect. */
	bool elsewhere;
};

/* Who a call made here is logged as (usermap_call_user()). */
struct status_calls_as {
	char operator_email[320]; /* salesloft.operator_email, "" when unset */
	int err;                  /* 0, EPERM (not a team admin), ENOENT (no such user), ... */
	struct usermap_user user; /* valid when err is 0 */
};

struct status_rate {
	bool seen;       /* false until a response carried the rate headers */
	long remaining;  /* requests left in the minute */
	unsigned limit;  /* requests per minute */
	int64_t seen_at; /* unix seconds the figures were seen */
	bool live;       /* from this process's client (status_live), not from the store */
};

struct status_webhooks {
	unsigned subscriptions;  /* registered by `loftdial webhooks register` */
	bool token_set;          /* a callback token exists, so deliveries can be checked */
	unsigned pending_events; /* stored deliveries not applied yet */
};

struct status_obj {
	enum store_obj obj;
	const char *name;     /* store_obj_name() */
	const char *strategy; /* sync_strategy_name() */
	int64_t rows;         /* live rows */
	int64_t deleted;      /* soft-deleted rows */
	struct syncstate ss;  /* cursor, last run, result, error, ... (zeros: never synced) */
};

struct status {
	int64_t read_at; /* the time status_read() was given */
	struct status_conn conn;
	struct status_calls_as calls_as;
	struct status_rate rate;
	bool outbox_ok; /* false when the outbox could not be counted */
	struct outbox_counts outbox;
	struct status_webhooks webhooks;
	struct status_obj objs[STORE_OBJ_COUNT]; /* in enum store_obj order */
};

/* Fills out from st at unix time now; operator_email may be NULL or "". Parts the store
 * cannot give are left at their "unknown" values (a sync never run is all zeros), so this
 * fails only for bad arguments (EINVAL) or memory (ENOMEM). */
int status_read(struct store *st, const char *operator_email, int64_t now, struct status *out);
/* Overlays what the running client knows: this minute's rate figures once seen, and a fatal
 * auth failure (token REVOKED with its message). api may be NULL (nothing changes). */
void status_live(struct status *s, struct slapi *api);
/* Sets conn.elsewhere when a saved connection was made with other API or accounts URLs than
 * api_url and accounts_url (the configured ones; trailing '/' ignored) or records none: the
 * client then refuses to send its token (slapi_why_not_connected()). */
void status_check_urls(struct status *s, const char *api_url, const char *accounts_url);

/* "none", "ok", "refresh due", "expired", "revoked" ("?" out of range). */
const char *status_token_name(enum status_token t);
/* Why calls cannot be logged, for calls_as.err != 0: "the connected user is not a team
 * admin", "no matching Salesloft user", or strerror(). */
const char *status_calls_as_error(int err);

#endif

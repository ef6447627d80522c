/*
 * slapi: the Salesloft API client every part of loftdial goes through.
 *
 * One client per process, on the loop. A request is queued with a priority class and leaves
 * when the pacer (pacing.h) allows it, with at most a few in flight. The client adds the
 * Bearer token and keeps it valid: it refreshes an OAuth token minutes before it expires and
 * after a 401 (then retries the request once), with a single refresh in flight that queued
 * requests wait for, and saves the rotated refresh token in the same transaction as the new
 * access token. invalid_grant stops all work with EKEYREVOKED ("connection expired: run
 * loftdial connect").
 *
 * Failures are handled here so callers see a final answer: a 429 waits for the next
 * rate-limit window with jitter; 5xx, dropped connections and malformed JSON are retried
 * with exponential backoff and jitter for idempotent requests, a bounded number of times. A
 * POST is never retried once it may have reached the server (the outbox decides).
 *
 * Read-after-write: when a write succeeds (POST/PUT answering a record of a synced object, or
 * a DELETE), the returned record goes into the store at once.
 */
#ifndef LOFTDIAL_SLAPI_H
#define LOFTDIAL_SLAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "loftdial/oauth.h"
#include "loftdial/pacing.h"
#include "loftdial/store.h"

struct config;
struct tokens;
struct slapi;
struct slapi_op;

/* Settings (slapi_cfg_from_config fills them from the config keys). Strings are copied. */
struct slapi_cfg {
	const char *api_url;      /* "https://api.salesloft.com" */
	const char *accounts_url; /* OAuth server */
	const char *client_id;
	const char *client_secret;
	const char *api_key;     /* non-empty: use it instead of the stored tokens */
	unsigned timeout_s;      /* per request */
	unsigned budget_share;   /* percent of the limit background sync may use */
	unsigned rate_limit;     /* team limit per window until headers say more */
	unsigned window_ms;      /* rate-limit window, 60000 */
	unsigned retries;        /* retries after the first attempt (5xx, network, bad JSON) */
	unsigned max_inflight;   /* requests in flight at once */
	unsigned refresh_margin; /* seconds before expiry a token is refreshed */
	uint64_t backoff_ms;     /* first backoff step */
	uint64_t seed;           /* jitter seed, 0 = from the clock */
};

/* What a finished request gives its handler (valid during the call only). */
struct slapi_resp {
	long status;      /* HTTP status of the last attempt, 0 when none arrived */
	const char *body; /* "" when none */
	size_t body_len;
	const cJSON *json; /* the parsed body, NULL when empty or not JSON */
	long cost;         /* x-ratelimit-endpoint-cost, -1 when absent */
	long remaining;    /* x-ratelimit-remaining-minute, -1 when absent */
	unsigned attempts; /* how many times it was sent */
	const char *msg;   /* one printable line when err != 0 */
};

/* err: 0 for a 2xx answer with a well-formed (or empty) body; EKEYREVOKED: the connection
 * expired; EACCES: not connected, or still 401 after a refresh; EPROTO: an HTTP error status
 * (status and msg say which); EBADMSG: malformed JSON even after retries; EAGAIN: rate
 * limited for too long; ETIMEDOUT, ECONNREFUSED, ECONNRESET, EIO: transport failures after
 * retries. */
typedef void(slapi_done_h)(int err, const struct slapi_resp *resp, void *arg);

/* One request. path starts with "/" and may carry a query ("/v2/people?per_page=100"). */
struct slapi_call {
	const char *method; /* "GET" when NULL */
	const char *path;
	const char *body; /* JSON, may be NULL */
	size_t body_len;
	enum pacing_prio prio;
	bool no_store; /* skip read-after-write (the caller stores the result itself) */
};

/* Connection figures for status screens and benchmarks. */
struct slapi_stats {
	uint64_t requests, cost, throttled, retries, refreshes, waits;
	long last_remaining; /* -1 before any header */
	unsigned limit;
	unsigned sync_budget; /* what background sync may still use this window */
	bool limited;         /* the server reports a rate limit */
	unsigned queued, inflight;
	uint64_t sync_wait_ms; /* queued sync requests are held back by the rate limit (budget or a
	                        * 429) for this long; 0 when they may go or none waits */
	uint64_t blocked_ms;   /* a 429 holds every request back this long more (0: none) */
};

void slapi_cfg_from_config(struct slapi_cfg *c, const struct config *cfg);

/* Creates the client; loads the saved credentials from st (st may be NULL: then only an API
 * key works and nothing is stored). Needs the loop (loop_init) for requests. */
int slapi_new(struct slapi **ap, const struct slapi_cfg *cfg, struct store *st);
/* Cancels everything (no handler runs) and frees the client; NULL is fine. */
void slapi_free(struct slapi *api);

/* True when credentials are present (API key or saved tokens). */
bool slapi_connected(const struct slapi *api);
/* Adopts new OAuth tokens (after connect) and saves them; or an API key (refresh "" and
 * expires_in 0 with kind "api_key"). */
int slapi_set_tokens(struct slapi *api, const char *kind, const struct oauth_token *tok);

/* Queues a request. h runs exactly once, from the loop, unless cancelled. */
int slapi_send(struct slapi *api, const struct slapi_call *c, slapi_done_h *h, void *arg,
               struct slapi_op **opp);
/* Cancels a request whose handler has not run; its handler never runs. */
void slapi_cancel(struct slapi_op *op);

void slapi_stats(struct slapi *api, struct slapi_stats *out);
/* Milliseconds the rate limit alone keeps `requests` more sync requests from all being sent
 * (pacing_sync_eta() at the wall clock); 0 without an api. */
uint64_t slapi_sync_eta_ms(struct slapi *api, uint64_t requests);
/* The message of the fatal auth failure, "" while the connection works. */
const char *slapi_auth_error(const struct slapi *api);
/* "cannot reach Salesloft at URL: REASON" once a request could not connect (refused, name
 * not resolved, connect timeout) before the API ever answered this client: then every request
 * fails at once instead of retrying. "" otherwise. */
const char *slapi_unreachable(const struct slapi *api);
/* Why requests cannot go (for a client that is not slapi_connected): the saved connection
 * belongs to other URLs (which, and what to do), or there is none. */
const char *slapi_why_not_connected(const struct slapi *api);
/* Records in t the API and accounts URLs this client talks to: saved credentials are bound
 * to them, and a client set to other URLs refuses to send them (slapi_new). */
void slapi_bind_tokens(const struct slapi *api, struct tokens *t);

/* Maps an API path to the synced object it addresses and the record id in it (0 for a
 * collection): "/v2/people/12.json" → STORE_PEOPLE, 12; "/v2/activities/calls" → STORE_CALLS.
 * ENOENT for paths outside the synced objects. */
int slapi_path_obj(const char *path, enum store_obj *obj, int64_t *id);

#endif

/*
 * sbx: the core of loftdial-sandbox, the Salesloft API v2 stand-in, and the interface the
 * other sandbox modules (OAuth and API keys, writes, webhooks, the /_sandbox/ admin API and
 * fault injection, simulated phones) plug into.
 *
 * The core owns the HTTP server (libre's http_listen on the one loop), the router, the
 * /v2/ pipeline (Bearer check → rate limit → route → reply headers), the generated org in
 * SQLite, and the record store every module reads and writes through. A record is kept as
 * its JSON (served by concatenation) next to a few indexed columns that the list filters and
 * sorts use; a generated record nobody changed is rendered again from the seed when read
 * rather than stored (plain SQL sees it through the virtual column "json"). Putting a record
 * from cJSON stamps updated_at, re-renders, re-indexes and fires the change hooks (webhooks
 * deliver from them).
 *
 * How other modules hook in (see also "Registration" at the end):
 *  - loftdial-sandbox's main() calls, in this order, after the core routes are registered and
 *    before the ready line: sbx_auth_register, sbx_writes_register, sbx_webhooks_register,
 *    sbx_admin_register, simphones_start (when --sip was given). src/sandbox/main.c holds
 *    __attribute__((weak)) no-op defaults, and loftdial-sandbox links ld_sandbox as a whole
 *    archive, so defining one of these functions in your own file (oauth.c, writes.c, ...)
 *    replaces the default with no edit to main.c.
 *  - Routes registered later win over earlier ones for the same method and path, so a module
 *    may replace a core route (e.g. GET /v2/webhook_subscriptions).
 *  - Cleanup: register it with sbx_on_close() from your register function.
 *
 * All times are int64 microseconds since the Unix epoch (UTC). Like Salesloft, timestamps are
 * rendered in the team's time zone, US/Eastern: "-05:00" or "-04:00" depending on the date
 * (sbx_team_offset). "Now" is sbx_now_us(): the wall clock (or --now) plus an adjustable skew
 * (admin time travel); due dates, the task time_interval_filter and the rate-limit minute all
 * use it. People's, accounts' and users' own zones (locale, time_zone) are tz database names
 * read through sbx_tz.h; the task time_interval_filter reckons "today" in the calling user's
 * time_zone. The generated org is anchored to the start of "today" at startup, so the same seed
 * and sizes give the same bytes on the same day, or always with --now.
 */
#ifndef LOFTDIAL_SBX_H
#define LOFTDIAL_SBX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct sqlite3;
struct sbx_priv;
struct sbx_req;

/* The API key accepted when --api-key is not given (format "ak_" + 64 hex, like Salesloft's).
 * It authenticates as user 1, the team admin. */
#define SBX_DEFAULT_API_KEY "ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Resource kinds. The table in SQLite has the kind's name; the /v2/ path is sbx_kind_path(). */
enum sbx_kind {
	SBX_USERS = 0,
	SBX_PEOPLE,
	SBX_ACCOUNTS,
	SBX_CADENCES,
	SBX_CADENCE_MEMBERSHIPS,
	SBX_STEPS,
	SBX_ACTIONS,
	SBX_TASKS,
	SBX_CALL_DISPOSITIONS,
	SBX_CALL_SENTIMENTS,
	SBX_CALLS,  /* /v2/activities/calls */
	SBX_EMAILS, /* /v2/activities/emails */
	SBX_NOTES,
	SBX_WEBHOOK_SUBSCRIPTIONS, /* stored by the core; routes and rules belong to webhooks */
	SBX_KIND_COUNT
};

/* Command-line options (main.c fills them; the modules read them). */
struct sbx_opts {
	char listen[64];     /* "127.0.0.1:PORT"; port 0 picks a free one */
	char sip[64];        /* --sip address for simphones, "" when not given */
	uint64_t seed;       /* --seed, default 1 */
	unsigned people;     /* --people, default 2000 */
	unsigned users;      /* --users, default 8 (at least 1: user 1 is the admin) */
	unsigned accounts;   /* --accounts, default people / 10 + 1 */
	unsigned rate_limit; /* --rate-limit cost per minute, default 600, 0 = off */
	unsigned token_ttl;  /* --token-ttl seconds for OAuth access tokens, default 7200 */
	char api_key[160];   /* --api-key, default SBX_DEFAULT_API_KEY */
	char state[512];     /* --state FILE, "" = in memory */
	int64_t now_us;      /* --now ISO-8601: the clock at startup (0 = wall clock) */
	/* OAuth (read by sandbox-auth; "" = its built-in defaults, see sbx_oauth.h) */
	char client_id[128];       /* --client-id */
	char client_secret[128];   /* --client-secret */
	char redirect_uri[512];    /* --redirect-uri; "" = any loopback http:// URI */
	bool refresh_keeps_access; /* --refresh-keeps-access: the old access token stays valid */
	unsigned webhook_retry_ms; /* --webhook-retry-ms between delivery attempts (0 = 15 s) */
};

/* Counters, readable by the admin API through sbx_counters_json(). */
struct sbx_counters {
	uint64_t requests;     /* every HTTP request received */
	uint64_t v2_requests;  /* requests under /v2/ that passed the Bearer check */
	uint64_t cost_charged; /* rate-limit cost charged in total */
	uint64_t rate_limited; /* 429 replies */
	uint64_t calls_logged; /* calls created through sbx_record_put (POST activities/calls) */
	uint64_t changes;      /* change hook firings */
};

/* Team settings (Salesloft configures these in its app; the admin API may change them). */
struct sbx_team {
	int64_t id;               /* the team id, shown in users' "team" ref */
	bool require_disposition; /* POST /v2/activities/calls must name a disposition */
	bool require_sentiment;   /* ... and a sentiment */
	int64_t created_us;       /* GET /v2/team's created_at (invented: 800 days before today) */
	int64_t updated_us;       /* ... and updated_at, moved by a change of the settings */
};

struct sbx;

/* Bearer-token check for /v2/ requests: 0 and *user_id on success, an errno value (EACCES
 * unknown token, EKEYEXPIRED expired) otherwise; the core then answers 401. *msg may be set to
 * a static string for the "error" member (default "Unauthorized", invented). */
typedef int(sbx_auth_h)(struct sbx *sbx, const char *token, int64_t *user_id, const char **msg,
                        void *arg);

/* A request handler. It must reply (sbx_reply_*) before returning, or call sbx_req_hold()
 * and reply later; if it does neither the core answers 500. */
typedef void(sbx_handler_h)(struct sbx_req *req, void *arg);

/* Runs for every request before anything else (fault injection, request logs). Return true
 * when it replied or held the request: the core then does nothing more with it. */
typedef bool(sbx_filter_h)(struct sbx_req *req, void *arg);

/* A record was created, updated or deleted. event is "created", "updated" or "deleted";
 * json is the record as stored (for "deleted": its last version), not NUL-terminated
 * necessarily — use len. Called synchronously from sbx_record_put/sbx_record_delete. */
typedef void(sbx_change_h)(struct sbx *sbx, enum sbx_kind kind, int64_t id, const char *event,
                           const char *json, size_t len, void *arg);

typedef void(sbx_close_h)(struct sbx *sbx, void *arg);

struct sbx {
	struct sbx_opts opts;
	struct sbx_counters counters;
	struct sbx_team team;
	struct sqlite3 *db;     /* the org; prepared statements only */
	char base_url[96];      /* "http://127.0.0.1:PORT", no trailing slash; used in _href */
	uint16_t port;          /* the bound port */
	int64_t clock_skew_us;  /* added to the clock (admin time travel) */
	sbx_auth_h *auth_check; /* NULL = only opts.api_key, as user 1 */
	void *auth_arg;
	struct sbx_priv *priv; /* the core's private state */
};

/* ---- lifetime (main.c) ---- */

/* Binds opts.listen on the current loop (loop_init first; sets port and base_url), opens the
 * store (memory or opts.state), generates the org when the store is empty (a reused state
 * file gets its hrefs rewritten to this base URL), and registers the core routes. Requests
 * are served once the loop runs. */
int sbx_open(struct sbx **sbxp, const struct sbx_opts *opts);
/* Runs the close hooks (newest first), stops listening, closes the store, frees sbx. */
void sbx_close(struct sbx *sbx);
/* Fills opts with the defaults listed in struct sbx_opts. */
void sbx_opts_default(struct sbx_opts *opts);

/* ---- hooks ---- */

int sbx_on_change(struct sbx *sbx, sbx_change_h *h, void *arg);
int sbx_on_request(struct sbx *sbx, sbx_filter_h *h, void *arg);
int sbx_on_close(struct sbx *sbx, sbx_close_h *h, void *arg);

/* ---- routing ---- */

/* Registers h for method ("GET", "POST", "PUT", "DELETE", or "*") and a path pattern with
 * ":name" segments, e.g. "/v2/tasks/:id". A trailing ".json" on the request path is ignored
 * when matching /v2/ routes. Paths under /v2/ get the Bearer check, the rate limit and the
 * x-ratelimit-* headers before h runs; other paths (/oauth/..., /_sandbox/...) get nothing. */
int sbx_route(struct sbx *sbx, const char *method, const char *path_pattern, sbx_handler_h *h,
              void *arg);

/* ---- the request view (valid until the reply is sent) ---- */

struct sbx *sbx_req_sbx(const struct sbx_req *req);
const char *sbx_req_method(const struct sbx_req *req);
/* The path without the query string and without a trailing ".json". */
const char *sbx_req_path(const struct sbx_req *req);
/* The value of a ":name" segment of the matched pattern, or NULL. */
const char *sbx_req_arg(const struct sbx_req *req, const char *name);
/* The first decoded query parameter with exactly this name as sent ("page", "ids[]",
 * "updated_at[gte]", "task_type[]"), or NULL. */
const char *sbx_req_param(const struct sbx_req *req, const char *name);
/* All values of a (repeated) parameter, in order; returns how many there are (may exceed
 * max, only max are stored). */
size_t sbx_req_params(const struct sbx_req *req, const char *name, const char **vals, size_t max);
/* A request header (case-insensitive name), NUL-terminated copy, or NULL. */
const char *sbx_req_header(const struct sbx_req *req, const char *name);
/* The raw body (may be empty, never NULL) and its length. */
const char *sbx_req_body(const struct sbx_req *req, size_t *len);
/* A field of an application/x-www-form-urlencoded body, decoded, or NULL. */
const char *sbx_req_form(const struct sbx_req *req, const char *name);
/* The authenticated user for /v2/ requests (0 elsewhere). */
int64_t sbx_req_user(const struct sbx_req *req);
/* The Bearer token as sent (for /v2/ requests), or NULL. */
const char *sbx_req_token(const struct sbx_req *req);

/* Keeps the request alive after the handler returns; the holder must reply exactly once
 * later (the reply releases it). If the client goes away first, the reply is dropped. */
void sbx_req_hold(struct sbx_req *req);

/* Continues a held request through the rest of the pipeline (the later filters, the /v2/
 * gate, the route) as if the filter that held it had returned false. */
void sbx_req_resume(struct sbx_req *req);
/* Closes the connection without a reply (fault injection) and releases the request, held
 * or not. */
void sbx_req_drop(struct sbx_req *req);
/* Lets the request be served as usual but loses its reply (fault injection): with late_ms
 * 0 the connection is closed when the reply would be sent; otherwise the reply is sent
 * late_ms later (a client that gave up by then never sees it). */
void sbx_req_lose_reply(struct sbx_req *req, unsigned late_ms);

/* ---- replies ---- */

/* Adds a response header to the coming reply (up to 16 per reply). */
int sbx_reply_header(struct sbx_req *req, const char *name, const char *value);
/* Any reply; content_type may be NULL when len is 0 (e.g. 204). */
int sbx_reply(struct sbx_req *req, uint16_t status, const char *content_type, const char *body,
              size_t len);
int sbx_reply_json(struct sbx_req *req, uint16_t status, const char *json, size_t len);
/* Replies with a cJSON value (printed unformatted); does not take ownership. */
int sbx_reply_cjson(struct sbx_req *req, uint16_t status, const cJSON *json);
/* {"error":"msg"} */
int sbx_reply_error(struct sbx_req *req, uint16_t status, const char *msg);
/* 422 {"errors":{"field":["msg"]}} */
int sbx_reply_errors(struct sbx_req *req, const char *field, const char *msg);

/* ---- records ---- */

const char *sbx_kind_name(enum sbx_kind kind);     /* "people", "calls", ... (table) */
const char *sbx_kind_path(enum sbx_kind kind);     /* "people", "activities/calls", ... */
const char *sbx_kind_singular(enum sbx_kind kind); /* "person", "call", "cadence_membership" */
/* Parses a table name or a path ("activities/calls"); 0 or ENOENT. */
int sbx_kind_parse(const char *name, enum sbx_kind *kind);

/* The record as stored: a new cJSON (caller deletes) or ENOENT. */
int sbx_record_get(struct sbx *sbx, enum sbx_kind kind, int64_t id, cJSON **out);
/* The record's stored JSON text (malloc'ed, NUL-terminated, caller frees) or ENOENT. */
int sbx_record_get_text(struct sbx *sbx, enum sbx_kind kind, int64_t id, char **out, size_t *len);
/* Inserts or updates a record. Without a numeric "id" it is created with a new id; with an id
 * not in the store it is created with that id. "created_at" is stamped when absent or null.
 * "updated_at" is always set to now (both only for kinds with timestamps: not
 * webhook_subscriptions), rendered in the team's time zone.
 * rec is changed in place to the stored form, so the caller can reply with it. Fires the
 * change hooks with "created" or "updated". *idp (optional) receives the id. */
int sbx_record_put(struct sbx *sbx, enum sbx_kind kind, cJSON *rec, int64_t *idp);
/* Hard delete (like Salesloft). Fires "deleted" with the last JSON. 0 or ENOENT. */
int sbx_record_delete(struct sbx *sbx, enum sbx_kind kind, int64_t id);
/* Finds the first id whose indexed column equals value (exact, case-sensitive): e.g.
 * (SBX_USERS, "guid", ...), (SBX_CALL_DISPOSITIONS, "name", "Connected"),
 * (SBX_WEBHOOK_SUBSCRIPTIONS, "event_type", "task_updated"). 0, ENOENT, or EINVAL for a column
 * the kind does not index. */
int sbx_record_find(struct sbx *sbx, enum sbx_kind kind, const char *column, const char *value,
                    int64_t *idp);
/* Adds key: {"_href": "<base>/v2/<path>/<id>", "id": id} to obj, or key: null when id <= 0. */
int sbx_ref_add(struct sbx *sbx, cJSON *obj, const char *key, enum sbx_kind kind, int64_t id);

/* ---- clock and time ---- */

int64_t sbx_now_us(const struct sbx *sbx);
/* The team's UTC offset in minutes at that instant (US/Eastern: -300, or -240 in DST). */
int sbx_team_offset(int64_t us);
/* Renders "2024-03-07T02:46:00.302715-05:00" (offset_min east of UTC, e.g. -300). Needs 33
 * bytes. */
int sbx_time_render(char *buf, size_t n, int64_t us, int offset_min);
/* Parses ISO-8601: date, date-time with optional fraction (up to 6 digits) and an offset or
 * Z (no offset = UTC). 0 or EINVAL. *offset_min (optional) gets the offset. */
int sbx_time_parse(const char *s, int64_t *us, int *offset_min);

/* ---- rate limit and counters ---- */

/* The cost of a /v2/ request by its page number (1; 101-150: 3; 151-250: 8; 251-500: 10;
 * 501+: 30). */
unsigned sbx_ratelimit_cost(long page);
/* Gives the team its whole budget back (admin). */
void sbx_ratelimit_reset(struct sbx *sbx);
/* Budget left in the current minute (UINT32_MAX when the limit is off). */
unsigned sbx_ratelimit_remaining(struct sbx *sbx);
/* {"requests":..,"v2_requests":..,"cost_charged":..,"rate_limited":..,"calls_logged":..,
 * "changes":..,"rate_limit":..,"remaining_minute":..,"now":"..."}; caller deletes. */
cJSON *sbx_counters_json(struct sbx *sbx);

/* ---- registration (implemented by the other modules; weak no-op defaults in main.c) ---- */

int sbx_auth_register(struct sbx *sbx);     /* oauth*.c: OAuth routes, sets auth_check */
int sbx_writes_register(struct sbx *sbx);   /* writes*.c: POST calls, PUT tasks, ... */
int sbx_webhooks_register(struct sbx *sbx); /* webhooks*.c: subscriptions, deliveries */
int sbx_admin_register(struct sbx *sbx);    /* admin*.c, faults*.c: /_sandbox/ */
int simphones_start(struct sbx *sbx);       /* simphones*.c: SIP on opts.sip (non-empty) */
void simphones_stop(struct sbx *sbx);       /* called before sbx_close */

#endif

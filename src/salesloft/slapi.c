/*
 * slapi: the request queue, the token keeper and the retry rules of the Salesloft client.
 *
 * Requests wait in one FIFO list; a pump walks it in priority order and sends what the pacer,
 * the in-flight cap and the token state allow, then arms one timer for the earliest moment
 * something else may leave. Handlers always run from the loop, never from inside
 * slapi_send(), so a caller may queue and cancel freely while handling an answer.
 *
 * Tokens carry a generation number. A 401 on a request sent with the current generation
 * starts a refresh; a 401 on an older generation only means a refresh already happened (the
 * old access token is revoked by it), so the request just goes again with the new token.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <re.h>

#include "loftdial/config.h"
#include "loftdial/httpc.h"
#include "loftdial/log.h"
#include "loftdial/records.h"
#include "loftdial/slapi.h"
#include "loftdial/sldecode.h"
#include "loftdial/text.h"
#include "loftdial/tokens.h"

#define RESP_MAX       (16u * 1024 * 1024)
#define THROTTLE_MAX   10 /* 429s in a row for one request before giving up */
#define AUTH_RETRY_MAX 2
#define MSG_MAX        512

enum auth_state { AUTH_NONE, AUTH_READY, AUTH_REFRESHING, AUTH_EXPIRED };

struct slapi_op {
	struct slapi *api;
	struct slapi_op *next, *prev;
	char *method, *path, *body;
	size_t body_len;
	enum pacing_prio prio;
	bool idempotent, no_store, inflight;
	unsigned attempts, throttles, auth_retries;
	unsigned doomed;     /* fail_queued() epoch that is failing it */
	uint64_t not_before; /* wall ms */
	int64_t token_gen;
	struct httpc_req *http;
	slapi_done_h *h;
	void *arg;
};

struct slapi {
	char *api_url, *accounts_url, *client_id, *client_secret;
	struct slapi_cfg cfg;
	struct store *st;
	struct pacing pacing;
	struct tokens *tok; /* current credentials (heap: they are large) */
	enum auth_state auth;
	bool api_key;
	bool force_refresh;
	int64_t token_gen;
	unsigned refresh_attempts;
	uint64_t refresh_not_before;
	struct oauth_req *refresh_req;
	char sent_refresh[OAUTH_TOKEN_MAX]; /* the refresh token of the request in flight */
	char auth_msg[2 * MSG_MAX]; /* long enough for the four URLs of a binding mismatch */
	struct slapi_op *head, *tail;
	unsigned inflight;
	struct tmr tmr;
	unsigned fail_epoch;
	uint64_t retries, refreshes, waits;
	bool answered;             /* some HTTP response arrived from the API */
	char unreachable[MSG_MAX]; /* "cannot reach Salesloft at URL: REASON", or "" */
};

static void pump(struct slapi *api);
static int64_t refresh_margin(const struct slapi *api);

/* Wall-clock milliseconds: the rate-limit window is a wall-clock minute. */
static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void slapi_cfg_from_config(struct slapi_cfg *c, const struct config *cfg)
{
	memset(c, 0, sizeof(*c));
	c->api_url = config_str(cfg, "salesloft.api_url");
	c->accounts_url = config_str(cfg, "salesloft.accounts_url");
	c->client_id = config_str(cfg, "salesloft.client_id");
	c->client_secret = config_str(cfg, "salesloft.client_secret");
	c->api_key = config_str(cfg, "salesloft.api_key");
	c->timeout_s = (unsigned)config_int(cfg, "salesloft.timeout");
	c->budget_share = (unsigned)config_int(cfg, "sync.budget_share");
	c->rate_limit = (unsigned)config_int(cfg, "salesloft.rate_limit");
	c->window_ms = (unsigned)config_int(cfg, "salesloft.rate_window") * 1000u;
	c->retries = (unsigned)config_int(cfg, "salesloft.retries");
	c->max_inflight = (unsigned)config_int(cfg, "sync.parallel");
	c->refresh_margin = 300;
	c->backoff_ms = 250;
}

/* Strips a trailing slash so paths can be appended. */
static char *dup_base(const char *s)
{
	size_t len = s ? strlen(s) : 0;

	while (len && s[len - 1] == '/')
		len--;
	return text_dupn(s ? s : "", len);
}

/* True when saved credentials were issued by the API and OAuth servers this client talks to;
 * a token is never sent anywhere else. */
static bool bound_here(const struct slapi *api, const struct tokens *t)
{
	return *t->api_url && !strcmp(t->api_url, api->api_url) &&
	       !strcmp(t->accounts_url, api->accounts_url);
}

/* Says why saved credentials cannot be used here, and what to do. */
static void explain_binding(struct slapi *api, const struct tokens *t)
{
	if (!*t->api_url) {
		text_copy(api->auth_msg, sizeof(api->auth_msg),
		          "the saved connection does not record which Salesloft it was made with "
		          "(saved by an older loftdial): run loftdial connect again");
		return;
	}
	text_printf(api->auth_msg, sizeof(api->auth_msg),
	            "the saved connection belongs to %.200s (accounts %.200s), but loftdial is "
	            "set to %.200s (accounts %.200s); its token is not sent there. Set "
	            "salesloft.api_url and salesloft.accounts_url (or LOFTDIAL_API_URL and "
	            "LOFTDIAL_ACCOUNTS_URL) back, or run loftdial connect to connect to this one",
	            t->api_url, t->accounts_url, api->api_url, api->accounts_url);
}

void slapi_bind_tokens(const struct slapi *api, struct tokens *t)
{
	if (!api || !t)
		return;
	text_copy(t->api_url, sizeof(t->api_url), api->api_url);
	text_copy(t->accounts_url, sizeof(t->accounts_url), api->accounts_url);
}

int slapi_new(struct slapi **ap, const struct slapi_cfg *cfg, struct store *st)
{
	struct slapi *api;
	int err;

	if (!ap || !cfg || !cfg->api_url)
		return EINVAL;
	api = calloc(1, sizeof(*api));
	if (!api)
		return ENOMEM;
	api->cfg = *cfg;
	api->st = st;
	api->api_url = dup_base(cfg->api_url);
	api->accounts_url = dup_base(cfg->accounts_url);
	api->client_id = text_dupn(cfg->client_id ? cfg->client_id : "",
	                           cfg->client_id ? strlen(cfg->client_id) : 0);
	api->client_secret = text_dupn(cfg->client_secret ? cfg->client_secret : "",
	                               cfg->client_secret ? strlen(cfg->client_secret) : 0);
	api->tok = calloc(1, sizeof(*api->tok));
	if (!api->api_url || !api->accounts_url || !api->client_id || !api->client_secret ||
	    !api->tok) {
		err = ENOMEM;
		goto fail;
	}
	if (!api->cfg.timeout_s)
		api->cfg.timeout_s = 30;
	if (!api->cfg.max_inflight)
		api->cfg.max_inflight = 4;
	if (!api->cfg.backoff_ms)
		api->cfg.backoff_ms = 250;
	api->cfg.api_url = api->cfg.accounts_url = api->cfg.client_id = NULL;
	api->cfg.client_secret = api->cfg.api_key = NULL;
	pacing_init(&api->pacing, cfg->rate_limit, cfg->budget_share ? cfg->budget_share : 50,
	            cfg->window_ms,
	            cfg->seed ? cfg->seed : (uint64_t)wall_ms() ^ ((uint64_t)getpid() << 32));
	tmr_init(&api->tmr);
	api->auth = AUTH_NONE;
	if (cfg->api_key && *cfg->api_key) {
		text_copy(api->tok->kind, sizeof(api->tok->kind), "api_key");
		if (text_copy(api->tok->access_token, sizeof(api->tok->access_token),
		              cfg->api_key)) {
			err = E2BIG;
			goto fail;
		}
		log_add_secret(cfg->api_key);
		api->api_key = true;
		api->auth = AUTH_READY;
	} else if (st && !tokens_load(st, api->tok)) {
		log_add_secret(api->tok->access_token);
		log_add_secret(api->tok->refresh_token);
		if (bound_here(api, api->tok)) {
			api->api_key = !strcmp(api->tok->kind, "api_key");
			api->auth = AUTH_READY;
		} else {
			/* Not connected here: the token is dropped so no request can carry it. */
			explain_binding(api, api->tok);
			log_warn("slapi", "%s", api->auth_msg);
			explicit_bzero(api->tok, sizeof(*api->tok));
		}
	}
	*ap = api;
	return 0;
fail:
	slapi_free(api);
	return err;
}

/* Unlinks op from the queue. */
static void unlink_op(struct slapi *api, struct slapi_op *op)
{
	if (op->prev)
		op->prev->next = op->next;
	else
		api->head = op->next;
	if (op->next)
		op->next->prev = op->prev;
	else
		api->tail = op->prev;
	op->next = op->prev = NULL;
}

static void op_free(struct slapi_op *op)
{
	if (!op)
		return;
	free(op->method);
	free(op->path);
	if (op->body)
		explicit_bzero(op->body, op->body_len);
	free(op->body);
	free(op);
}

void slapi_free(struct slapi *api)
{
	if (!api)
		return;
	while (api->head) {
		struct slapi_op *op = api->head;

		unlink_op(api, op);
		if (op->http)
			httpc_cancel(op->http);
		op_free(op);
	}
	oauth_cancel(api->refresh_req);
	tmr_cancel(&api->tmr);
	if (api->tok)
		explicit_bzero(api->tok, sizeof(*api->tok));
	explicit_bzero(api->sent_refresh, sizeof(api->sent_refresh));
	free(api->tok);
	free(api->api_url);
	free(api->accounts_url);
	free(api->client_id);
	if (api->client_secret)
		explicit_bzero(api->client_secret, strlen(api->client_secret));
	free(api->client_secret);
	free(api);
}

bool slapi_connected(const struct slapi *api)
{
	return api && api->auth != AUTH_NONE;
}

const char *slapi_auth_error(const struct slapi *api)
{
	return api ? api->auth_msg : "";
}

const char *slapi_unreachable(const struct slapi *api)
{
	return api ? api->unreachable : "";
}

const char *slapi_why_not_connected(const struct slapi *api)
{
	return api && *api->auth_msg ? api->auth_msg : "not connected: run loftdial connect";
}

/* Runs the pump soon, from the loop (never inside the caller's stack). */
static void pump_tmr(void *arg)
{
	pump(arg);
}

static void kick(struct slapi *api, uint64_t delay)
{
	/* An earlier wake-up already armed covers this one. */
	if (tmr_isrunning(&api->tmr) && tmr_get_expire(&api->tmr) <= delay)
		return;
	tmr_start(&api->tmr, delay, pump_tmr, api);
}

int slapi_set_tokens(struct slapi *api, const char *kind, const struct oauth_token *t)
{
	struct tokens *nt;
	int err = 0;

	if (!api || !kind || !t || !*t->access_token)
		return EINVAL;
	nt = calloc(1, sizeof(*nt));
	if (!nt)
		return ENOMEM;
	*nt = *api->tok;
	slapi_bind_tokens(api, nt);
	text_copy(nt->kind, sizeof(nt->kind), kind);
	text_copy(nt->access_token, sizeof(nt->access_token), t->access_token);
	/* A refresh answer without a refresh token keeps the one we have. */
	if (*t->refresh_token || strcmp(kind, "oauth"))
		text_copy(nt->refresh_token, sizeof(nt->refresh_token), t->refresh_token);
	nt->updated_at = (int64_t)time(NULL);
	nt->expires_at = t->expires_in > 0 ? nt->updated_at + t->expires_in : 0;
	if (*t->scope)
		text_copy(nt->scope, sizeof(nt->scope), t->scope);
	log_add_secret(nt->access_token);
	log_add_secret(nt->refresh_token);
	if (api->st)
		err = tokens_save(api->st, nt);
	if (!err) {
		*api->tok = *nt;
		api->api_key = !strcmp(kind, "api_key");
		api->auth = AUTH_READY;
		api->token_gen++;
		api->auth_msg[0] = '\0';
		api->force_refresh = false;
		kick(api, 0);
	} else {
		log_error("slapi", "cannot save the new tokens: %s", strerror(err));
	}
	explicit_bzero(nt, sizeof(*nt));
	free(nt);
	return err;
}

/* Finishes op: removes it, calls its handler, frees it. */
static void op_finish(struct slapi_op *op, int err, const struct slapi_resp *resp)
{
	struct slapi *api = op->api;
	struct slapi_resp none = {.body = "", .cost = -1, .remaining = -1};

	unlink_op(api, op);
	if (!resp)
		resp = &none;
	op->h(err, resp, op->arg);
	op_free(op);
}

/* Fails op with a message and no response. */
static void op_fail(struct slapi_op *op, int err, const char *msg)
{
	struct slapi_resp r = {.body = "", .cost = -1, .remaining = -1, .msg = msg};

	r.attempts = op->attempts;
	op_finish(op, err, &r);
}

/* Fails every queued (not in-flight) request: the connection cannot work. */
static void fail_queued(struct slapi *api, int err, const char *msg)
{
	unsigned epoch = ++api->fail_epoch;
	struct slapi_op *op;

	/* Mark first, then fail one at a time from the head: a handler may cancel or queue
	 * other requests, and requests queued by a handler are not failed by this sweep. */
	for (op = api->head; op; op = op->next)
		if (!op->inflight)
			op->doomed = epoch;
	for (;;) {
		for (op = api->head; op && !(op->doomed == epoch && !op->inflight); op = op->next)
			;
		if (!op)
			break;
		op_fail(op, err, msg);
	}
}

int slapi_send(struct slapi *api, const struct slapi_call *c, slapi_done_h *h, void *arg,
               struct slapi_op **opp)
{
	const char *method = c && c->method ? c->method : "GET";
	struct slapi_op *op;

	if (!api || !c || !c->path || c->path[0] != '/' || !h)
		return EINVAL;
	op = calloc(1, sizeof(*op));
	if (!op)
		return ENOMEM;
	op->api = api;
	op->method = text_dupn(method, strlen(method));
	op->path = text_dupn(c->path, strlen(c->path));
	if (c->body) {
		op->body = text_dupn(c->body, c->body_len);
		op->body_len = c->body_len;
	}
	if (!op->method || !op->path || (c->body && !op->body)) {
		op_free(op);
		return ENOMEM;
	}
	op->prio = c->prio < PACING_PRIO_COUNT ? c->prio : PACING_SYNC;
	/* POST creates things; everything else may be repeated without harm. */
	op->idempotent = strcasecmp(method, "POST") != 0;
	op->no_store = c->no_store;
	op->h = h;
	op->arg = arg;
	op->prev = api->tail;
	if (api->tail)
		api->tail->next = op;
	else
		api->head = op;
	api->tail = op;
	if (opp)
		*opp = op;
	kick(api, 0);
	return 0;
}

void slapi_cancel(struct slapi_op *op)
{
	struct slapi *api;

	if (!op)
		return;
	api = op->api;
	if (op->http) {
		httpc_cancel(op->http);
		op->http = NULL;
		if (op->inflight) {
			pacing_done(&api->pacing, wall_ms(), -1, -1, 0);
			api->inflight--;
		}
	}
	unlink_op(api, op);
	op_free(op);
	kick(api, 0);
}

/* Reads a numeric response header, -1 when absent or not a number. */
static long header_num(const struct httpc_resp *resp, const char *name)
{
	const char *v = httpc_resp_header(resp, name);
	char *end;
	long n;

	if (!v || !*v)
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || n < 0)
		return -1;
	return n;
}

/* Puts op back in the queue to go again at not_before. */
static void requeue(struct slapi_op *op, uint64_t not_before)
{
	op->inflight = false;
	op->http = NULL;
	op->not_before = not_before;
	kick(op->api, 0);
}

/* Read-after-write: stores the record a successful write returned, or the deletion. */
static void store_write(struct slapi *api, const struct slapi_op *op, const cJSON *json)
{
	enum store_obj obj;
	const cJSON *rec;
	int64_t id = 0;
	int err;

	if (!api->st || op->no_store || !strcasecmp(op->method, "GET"))
		return;
	if (slapi_path_obj(op->path, &obj, &id))
		return;
	if (!strcasecmp(op->method, "DELETE")) {
		if (id > 0) {
			err = records_delete(api->st, obj, id);
			if (err && err != ENOENT)
				log_warn("slapi", "store: delete %s/%lld: %s", store_obj_name(obj),
				         (long long)id, strerror(err));
		}
		return;
	}
	rec = cJSON_GetObjectItemCaseSensitive(json, "data");
	if (!cJSON_IsObject(rec))
		rec = json;
	if (!cJSON_IsObject(rec))
		return;
	err = records_upsert(api->st, obj, rec, 0);
	if (err)
		log_warn("slapi", "store: read-after-write of %s failed: %s", store_obj_name(obj),
		         strerror(err));
}

/* A request's answer (or transport failure) arrived. */
static void op_done(int err, const struct httpc_resp *resp, void *arg)
{
	struct slapi_op *op = arg;
	struct slapi *api = op->api;
	struct slapi_resp r = {.body = "", .cost = -1, .remaining = -1};
	uint64_t now = wall_ms();
	char msg[MSG_MAX], ctx[160], raw_ctx[160], snippet[128];
	cJSON *json = NULL;
	int final = 0;

	op->http = NULL;
	op->inflight = false;
	api->inflight--;
	r.attempts = op->attempts;
	r.status = err ? 0 : resp->status;
	if (!err) {
		r.body = resp->body;
		r.body_len = resp->body_len;
		r.cost = header_num(resp, "x-ratelimit-endpoint-cost");
		r.remaining = header_num(resp, "x-ratelimit-remaining-minute");
	}
	pacing_done(&api->pacing, now, r.remaining, r.cost, r.status);
	snprintf(raw_ctx, sizeof(raw_ctx), "%s %.100s", op->method, op->path);
	text_sanitize(ctx, sizeof(ctx), raw_ctx, false);

	if (err && !api->answered && (err == ECONNREFUSED || err == EHOSTUNREACH)) {
		/* The API has never answered this process and cannot be connected to: retrying
		 * for a minute would only look like a hang. Everything fails now, with one line
		 * that says where loftdial looked. */
		char reason[200];

		text_sanitize(reason, sizeof(reason),
		              resp && resp->errmsg ? resp->errmsg : strerror(err), false);
		if (!*api->unreachable)
			text_printf(api->unreachable, sizeof(api->unreachable),
			            "cannot reach Salesloft at %.300s: %s", api->api_url, reason);
		log_error("slapi", "%s: %s", ctx, api->unreachable);
		r.msg = api->unreachable;
		op_finish(op, err, &r);
		fail_queued(api, err, api->unreachable);
		goto out;
	}
	if (!err)
		api->answered = true;
	if (err) {
		/* A POST that may have reached the server is never repeated here. */
		bool safe = op->idempotent || err == ECONNREFUSED || err == EHOSTUNREACH;

		snprintf(msg, sizeof(msg), "%s: %s", ctx,
		         resp && resp->errmsg ? resp->errmsg : strerror(err));
		if (safe && err != EFBIG && op->attempts <= api->cfg.retries)
			goto retry;
		log_warn("slapi", "%s (gave up after %u attempts)", msg, op->attempts);
		r.msg = msg;
		op_finish(op, err, &r);
		goto out;
	}
	if (r.status == 429) {
		uint64_t wait = pacing_throttle(&api->pacing, now);

		op->throttles++;
		log_info("slapi", "%s: 429, waiting %llu ms for the next window", ctx,
		         (unsigned long long)wait);
		if (op->throttles <= THROTTLE_MAX) {
			requeue(op, now + wait);
			goto out;
		}
		snprintf(msg, sizeof(msg), "%s: still rate limited (429) after %u waits", ctx,
		         op->throttles);
		r.msg = msg;
		op_finish(op, EAGAIN, &r);
		goto out;
	}
	if (r.status == 401) {
		if (api->api_key) {
			snprintf(msg, sizeof(msg),
			         "%.200s refused the API key (401): it is mistyped, revoked, or "
			         "from another Salesloft. Keys are made in Salesloft under your "
			         "avatar > Your Applications > API Keys (docs/salesloft-setup.md)",
			         api->api_url);
			r.msg = msg;
			op_finish(op, EACCES, &r);
			goto out;
		}
		if (op->auth_retries < AUTH_RETRY_MAX && api->auth != AUTH_EXPIRED) {
			op->auth_retries++;
			if (op->token_gen == api->token_gen)
				api->force_refresh = true;
			log_info("slapi", "%s: 401, refreshing the token and retrying", ctx);
			requeue(op, 0);
			goto out;
		}
		snprintf(msg, sizeof(msg),
		         "%s: unauthorized (401) after a token refresh: run "
		         "loftdial connect",
		         ctx);
		r.msg = msg;
		op_finish(op, EACCES, &r);
		goto out;
	}
	if (r.status >= 500) {
		sldecode_error(r.body, r.body_len, snippet, sizeof(snippet));
		snprintf(msg, sizeof(msg), "%s: HTTP %ld: %s", ctx, r.status, snippet);
		if (op->idempotent && op->attempts <= api->cfg.retries)
			goto retry;
		log_warn("slapi", "%s (gave up after %u attempts)", msg, op->attempts);
		r.msg = msg;
		op_finish(op, EPROTO, &r);
		goto out;
	}
	if (r.body_len) {
		json = cJSON_ParseWithLength(r.body, r.body_len);
		r.json = json;
	}
	if (r.status < 200 || r.status > 299) {
		sldecode_error(r.body, r.body_len, snippet, sizeof(snippet));
		snprintf(msg, sizeof(msg), "HTTP %ld: %s", r.status, snippet);
		log_info("slapi", "%s: %s", ctx, msg);
		r.msg = msg;
		final = EPROTO;
	} else if (r.body_len && !json) {
		char raw[121];
		size_t k = r.body_len < 120 ? r.body_len : 120;

		memcpy(raw, r.body, k);
		raw[k] = '\0';
		text_sanitize(snippet, sizeof(snippet), raw, false);
		snprintf(msg, sizeof(msg),
		         "%s: malformed JSON in a %zu-byte answer (starts \"%s\")", ctx, r.body_len,
		         snippet);
		if (op->idempotent && op->attempts <= api->cfg.retries)
			goto retry;
		log_error("slapi", "%s", msg);
		r.msg = msg;
		final = EBADMSG;
	} else {
		store_write(api, op, json);
	}
	op_finish(op, final, &r);
	goto out;
retry:
	api->retries++;
	{
		uint64_t d = pacing_backoff(&api->pacing, op->attempts, api->cfg.backoff_ms, 15000);

		log_warn("slapi", "%s; retry %u in %llu ms", msg, op->attempts,
		         (unsigned long long)d);
		requeue(op, now + d);
	}
out:
	cJSON_Delete(json);
	kick(api, 0);
}

/* Sends op now. */
static int op_start(struct slapi *api, struct slapi_op *op, uint64_t now)
{
	struct httpc_header hdrs[4];
	struct httpc_opts o = {0};
	char url[8192], *auth;
	size_t alen;
	int err;

	if (text_printf(url, sizeof(url), "%s%s", api->api_url, op->path))
		return E2BIG;
	alen = strlen(api->tok->access_token) + 8;
	auth = malloc(alen);
	if (!auth)
		return ENOMEM;
	snprintf(auth, alen, "Bearer %s", api->tok->access_token);
	hdrs[0] = (struct httpc_header){"Authorization", auth};
	hdrs[1] = (struct httpc_header){"Accept", "application/json"};
	hdrs[2] = (struct httpc_header){"Content-Type", "application/json"};
	o.method = op->method;
	o.url = url;
	o.headers = hdrs;
	o.nheaders = op->body ? 3 : 2;
	o.body = op->body;
	o.body_len = op->body_len;
	o.timeout_ms = (long)api->cfg.timeout_s * 1000;
	o.connect_timeout_ms = o.timeout_ms < 10000 ? o.timeout_ms : 10000;
	o.max_body = RESP_MAX;
	err = httpc_send(&o, op_done, op, &op->http);
	explicit_bzero(auth, alen);
	free(auth);
	if (err)
		return err;
	op->attempts++;
	op->inflight = true;
	op->token_gen = api->token_gen;
	api->inflight++;
	pacing_sent(&api->pacing, now);
	return 0;
}

/* The refresh answered. */
static void refresh_done(int err, const struct oauth_token *t, const char *msg, void *arg)
{
	struct slapi *api = arg;
	struct tokens *stored = NULL;

	api->refresh_req = NULL;
	if (!err) {
		api->refreshes++;
		api->refresh_attempts = 0;
		err = slapi_set_tokens(api, "oauth", t);
		if (!err) {
			log_info("slapi", "access token refreshed (expires in %lld s)",
			         (long long)t->expires_in);
			goto out;
		}
		snprintf(api->auth_msg, sizeof(api->auth_msg),
		         "cannot save the refreshed tokens: %s", strerror(err));
		api->auth = AUTH_EXPIRED;
		fail_queued(api, EIO, api->auth_msg);
		goto out;
	}
	if (err == EKEYREVOKED) {
		/* Another loftdial process may have rotated the token first: adopt its result. */
		stored = calloc(1, sizeof(*stored));
		if (stored && api->st && !tokens_load(api->st, stored) && bound_here(api, stored) &&
		    strcmp(stored->refresh_token, api->sent_refresh) && *stored->access_token) {
			log_info("slapi", "the refresh token was rotated by another process; using "
			                  "the saved tokens");
			*api->tok = *stored;
			api->token_gen++;
			api->auth = AUTH_READY;
			api->force_refresh = false;
			goto out;
		}
		text_copy(api->auth_msg, sizeof(api->auth_msg),
		          "connection expired: run loftdial connect");
		log_error("slapi", "refresh refused (invalid_grant): %s", api->auth_msg);
		api->auth = AUTH_EXPIRED;
		fail_queued(api, EKEYREVOKED, api->auth_msg);
		goto out;
	}
	api->refresh_attempts++;
	if (api->refresh_attempts <= api->cfg.retries && err != EPROTO) {
		uint64_t d = pacing_backoff(&api->pacing, api->refresh_attempts,
		                            api->cfg.backoff_ms, 15000);

		log_warn("slapi", "token refresh failed (%s); retrying in %llu ms", msg,
		         (unsigned long long)d);
		api->auth = AUTH_READY;
		api->refresh_not_before = wall_ms() + d;
		goto out;
	}
	snprintf(api->auth_msg, sizeof(api->auth_msg), "token refresh failed: %s", msg);
	log_error("slapi", "%s", api->auth_msg);
	api->auth = AUTH_READY; /* the next request tries again; these fail now */
	api->refresh_attempts = 0;
	fail_queued(api, err == EPROTO ? EACCES : err, api->auth_msg);
out:
	if (stored)
		explicit_bzero(stored, sizeof(*stored));
	free(stored);
	kick(api, 0);
}

/* Starts the one refresh (or adopts tokens another process saved). */
static void start_refresh(struct slapi *api, uint64_t now)
{
	struct oauth_client c = {api->accounts_url, api->client_id, api->client_secret,
	                         (long)api->cfg.timeout_s * 1000};
	struct tokens *stored;
	int err;

	if (api->refresh_req || now < api->refresh_not_before)
		return;
	/* A token saved by another process after ours, still valid: use it, no refresh. */
	stored = calloc(1, sizeof(*stored));
	if (stored && api->st && !tokens_load(api->st, stored) && bound_here(api, stored) &&
	    strcmp(stored->access_token, api->tok->access_token) &&
	    (!stored->expires_at ||
	     stored->expires_at > (int64_t)time(NULL) + refresh_margin(api))) {
		*api->tok = *stored;
		api->token_gen++;
		api->force_refresh = false;
		explicit_bzero(stored, sizeof(*stored));
		free(stored);
		log_info("slapi", "using the token another loftdial process saved");
		return;
	}
	if (stored) {
		explicit_bzero(stored, sizeof(*stored));
		free(stored);
	}
	if (!*api->tok->refresh_token) {
		text_copy(api->auth_msg, sizeof(api->auth_msg),
		          "connection expired (no refresh token): run loftdial connect");
		api->auth = AUTH_EXPIRED;
		fail_queued(api, EKEYREVOKED, api->auth_msg);
		return;
	}
	text_copy(api->sent_refresh, sizeof(api->sent_refresh), api->tok->refresh_token);
	api->auth = AUTH_REFRESHING;
	err = oauth_refresh(&c, api->tok->refresh_token, refresh_done, api, &api->refresh_req);
	if (err) {
		api->auth = AUTH_READY;
		snprintf(api->auth_msg, sizeof(api->auth_msg), "cannot start a token refresh: %s",
		         strerror(err));
		fail_queued(api, err, api->auth_msg);
	}
}

/* Seconds before expiry to refresh: the configured margin, but at most half the token's
 * lifetime, so short-lived tokens are not refreshed before every request. */
static int64_t refresh_margin(const struct slapi *api)
{
	int64_t margin = (int64_t)api->cfg.refresh_margin;
	int64_t life = api->tok->updated_at ? api->tok->expires_at - api->tok->updated_at : 0;

	if (life > 0 && life / 2 < margin)
		margin = life / 2;
	return margin;
}

/* True when requests may go with the current token; starts a refresh when one is due. */
static bool auth_ready(struct slapi *api, uint64_t now)
{
	int64_t secs = (int64_t)(now / 1000);

	switch (api->auth) {
	case AUTH_NONE:
		fail_queued(api, EACCES, slapi_why_not_connected(api));
		return false;
	case AUTH_EXPIRED:
		fail_queued(api, EKEYREVOKED, api->auth_msg);
		return false;
	case AUTH_REFRESHING:
		return false;
	case AUTH_READY:
		break;
	}
	if (api->api_key)
		return true;
	if (!api->force_refresh &&
	    !(api->tok->expires_at && secs + refresh_margin(api) >= api->tok->expires_at))
		return true;
	start_refresh(api, now); /* nothing when one is in flight or backing off */
	if (api->auth != AUTH_READY || api->force_refresh)
		return false;
	/* The refresh is backing off: the current token may still be good for a while. */
	return !(api->tok->expires_at && secs >= api->tok->expires_at);
}

/* The next request allowed to leave now, in priority then FIFO order, or NULL; lowers *wake
 * to the earliest moment a held-back request may go. */
static struct slapi_op *pick(struct slapi *api, uint64_t now, uint64_t *wake)
{
	struct slapi_op *op;
	int p;

	for (p = 0; p < PACING_PRIO_COUNT; p++) {
		uint64_t d = pacing_delay(&api->pacing, (enum pacing_prio)p, now);
		bool any = false;

		for (op = api->head; op; op = op->next) {
			if (op->inflight || op->prio != (enum pacing_prio)p)
				continue;
			if (op->not_before > now) {
				if (op->not_before - now < *wake)
					*wake = op->not_before - now;
				continue;
			}
			any = true;
			if (!d)
				return op;
			break;
		}
		if (any && d) {
			/* Budget says wait; lower classes are held back at least as long. */
			if (d < *wake)
				*wake = d;
			api->waits++;
			return NULL;
		}
	}
	return NULL;
}

/* Sends whatever may go now and arms the timer for the next chance. */
static void pump(struct slapi *api)
{
	uint64_t now = wall_ms(), wake = UINT64_MAX;
	struct slapi_op *op;

	while (api->head) {
		int err;

		if (!auth_ready(api, now)) {
			if (api->auth == AUTH_READY && api->refresh_not_before > now)
				wake = api->refresh_not_before - now;
			break;
		}
		/* One slot beyond the cap is kept for writes and the user's own requests, so a
		 * call log never waits behind a full pipe of sync pages. */
		if (api->inflight >= api->cfg.max_inflight + 1)
			break; /* an answer will kick the pump */
		op = pick(api, now, &wake);
		if (!op || (op->prio == PACING_SYNC && api->inflight >= api->cfg.max_inflight))
			break;
		err = op_start(api, op, now);
		if (err) {
			char msg[128];

			snprintf(msg, sizeof(msg), "cannot send the request: %s", strerror(err));
			op_fail(op, err, msg); /* its handler may change the queue: pick again */
		}
	}
	if (wake != UINT64_MAX)
		kick(api, wake);
}

void slapi_stats(struct slapi *api, struct slapi_stats *out)
{
	const struct slapi_op *op;

	memset(out, 0, sizeof(*out));
	if (!api)
		return;
	out->requests = api->pacing.requests;
	out->cost = api->pacing.cost;
	out->throttled = api->pacing.throttled;
	out->waits = api->waits;
	out->retries = api->retries;
	out->refreshes = api->refreshes;
	out->last_remaining = api->pacing.last_remaining;
	out->limit = api->pacing.limit;
	out->limited = api->pacing.limited;
	out->sync_budget = pacing_sync_budget(&api->pacing, wall_ms());
	if (api->pacing.blocked_until > wall_ms())
		out->blocked_ms = api->pacing.blocked_until - wall_ms();
	for (op = api->head; op; op = op->next) {
		if (op->inflight)
			out->inflight++;
		else
			out->queued++;
	}
	/* What a progress display calls "waiting for the rate limit": sync requests queued,
	 * none in flight, and the pacer (or a 429's next window) holding them back. */
	if (out->queued && !out->inflight) {
		uint64_t now = wall_ms(), soonest = UINT64_MAX;
		bool sync_queued = false;

		for (op = api->head; op; op = op->next) {
			if (op->prio != PACING_SYNC)
				continue;
			sync_queued = true;
			if (op->not_before < soonest)
				soonest = op->not_before;
		}
		if (sync_queued) {
			out->sync_wait_ms = pacing_delay(&api->pacing, PACING_SYNC, now);
			if (soonest > now && soonest != UINT64_MAX &&
			    soonest - now > out->sync_wait_ms)
				out->sync_wait_ms = soonest - now;
		}
	}
}

uint64_t slapi_sync_eta_ms(struct slapi *api, uint64_t requests)
{
	return api ? pacing_sync_eta(&api->pacing, wall_ms(), requests) : 0;
}

/* The synced objects by the first segments of their API path. */
static const struct {
	const char *prefix;
	enum store_obj obj;
} path_objs[] = {
        {"/v2/users", STORE_USERS},
        {"/v2/accounts", STORE_ACCOUNTS},
        {"/v2/people", STORE_PEOPLE},
        {"/v2/cadences", STORE_CADENCES},
        {"/v2/cadence_memberships", STORE_MEMBERSHIPS},
        {"/v2/steps", STORE_STEPS},
        {"/v2/call_dispositions", STORE_DISPOSITIONS},
        {"/v2/call_sentiments", STORE_SENTIMENTS},
        {"/v2/activities/calls", STORE_CALLS},
        {"/v2/activities/emails", STORE_EMAILS},
};

int slapi_path_obj(const char *path, enum store_obj *obj, int64_t *id)
{
	char p[256];
	size_t i, len, plen, k;
	const char *rest;

	if (!path || !obj || !id)
		return EINVAL;
	len = strcspn(path, "?#");
	if (len >= sizeof(p))
		return ENOENT;
	memcpy(p, path, len);
	p[len] = '\0';
	if (len > 5 && !strcmp(p + len - 5, ".json"))
		p[len - 5] = '\0';
	for (i = 0; i < sizeof(path_objs) / sizeof(path_objs[0]); i++) {
		plen = strlen(path_objs[i].prefix);
		if (strncmp(p, path_objs[i].prefix, plen))
			continue;
		rest = p + plen;
		*obj = path_objs[i].obj;
		*id = 0;
		if (!*rest)
			return 0;
		if (*rest != '/')
			continue;
		rest++;
		for (k = 0; rest[k] >= '0' && rest[k] <= '9' && k < 18; k++)
			*id = *id * 10 + (rest[k] - '0');
		if (!k || rest[k] || *id <= 0)
			return ENOENT;
		return 0;
	}
	return ENOENT;
}

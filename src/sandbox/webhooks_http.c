/*
 * webhooks_http: webhook subscriptions (/v2/webhook_subscriptions) and the delivery queue.
 *
 * Subscriptions are records of the core store (kind SBX_WEBHOOK_SUBSCRIPTIONS), so they
 * survive a restart with --state. Envelopes (UNCONFIRMED in the reference, chosen here): the
 * list is under "data"; create, show and update answer with the bare subscription object, as
 * the working client AMP parses it; DELETE answers 204 whether or not it existed.
 *
 * Deliveries: the change hook turns a record change into event names (webhooks.c), finds the
 * enabled subscriptions for each, and POSTs the stored record JSON, byte for byte, signed
 * with the subscription's callback_token. Each delivery is one struct with its own body copy,
 * retried on a libre timer; nothing blocks the server.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>
#include <sqlite3.h>

#include "loftdial/httpc.h"
#include "loftdial/log.h"
#include "sbx_webhooks.h"
#include "sbx_writes.h"
#include "loftdial/text.h"

#define RECENT_MAX 256

struct delivery {
	struct delivery *next, *prev;
	int64_t sub_id, record_id;
	const char *event; /* a static event name */
	char *url, *body;
	size_t body_len;
	char sig[SBX_WEBHOOKS_SIG_HEX];
	unsigned attempts;
	long last_status;
	size_t recent; /* slot in the recent ring */
	struct httpc_req *req;
	struct tmr tmr;
};

/* What the admin API shows about one delivery. */
struct recent {
	int64_t sub_id, record_id;
	const char *event;
	unsigned attempts;
	long last_status;
	const char *state;
	uint64_t seq;
};

static struct {
	struct sbx *sbx;
	struct delivery *head;
	struct sbx_webhooks_stats stats;
	unsigned retry_ms, timeout_ms;
	struct recent recent[RECENT_MAX];
	uint64_t seq;
} W = {.retry_ms = SBX_WEBHOOKS_RETRY_MS, .timeout_ms = SBX_WEBHOOKS_DEFAULT_TIMEOUT};

/* Sets the retry pause and the per-attempt timeout. */
void sbx_webhooks_set_timing(unsigned retry_ms, unsigned timeout_ms)
{
	W.retry_ms = retry_ms ? retry_ms : SBX_WEBHOOKS_RETRY_MS;
	W.timeout_ms = timeout_ms ? timeout_ms : SBX_WEBHOOKS_DEFAULT_TIMEOUT;
}

/* Copies the delivery counters. */
void sbx_webhooks_get_stats(struct sbx_webhooks_stats *st)
{
	if (st)
		*st = W.stats;
}

/* Zeroes the delivery counters and forgets the delivery log. */
void sbx_webhooks_reset_stats(void)
{
	uint64_t in_flight = W.stats.in_flight;
	size_t i;

	memset(&W.stats, 0, sizeof(W.stats));
	W.stats.in_flight = in_flight;
	/* Forget the rows but keep the sequence running, so deliveries still in flight find
	 * no row of theirs to update (their seq no longer matches any slot). */
	for (i = 0; i < RECENT_MAX; i++) {
		memset(&W.recent[i], 0, sizeof(W.recent[i]));
		W.recent[i].seq = UINT64_MAX;
	}
}

/* The delivery log as JSON, oldest first. */
cJSON *sbx_webhooks_recent_json(void)
{
	cJSON *arr = cJSON_CreateArray();
	uint64_t first = W.seq > RECENT_MAX ? W.seq - RECENT_MAX : 0, s;

	for (s = first; arr && s < W.seq; s++) {
		const struct recent *r = &W.recent[s % RECENT_MAX];
		cJSON *o;

		if (!r->state || r->seq != s)
			continue;
		o = cJSON_CreateObject();
		if (!o)
			break;
		cJSON_AddNumberToObject(o, "subscription_id", (double)r->sub_id);
		cJSON_AddStringToObject(o, "event_type", r->event);
		cJSON_AddNumberToObject(o, "record_id", (double)r->record_id);
		cJSON_AddNumberToObject(o, "attempts", r->attempts);
		cJSON_AddNumberToObject(o, "last_http_status", (double)r->last_status);
		cJSON_AddStringToObject(o, "state", r->state);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* Updates the delivery's row in the recent ring (if it has not been overwritten). */
static void recent_set(const struct delivery *d, const char *state)
{
	struct recent *r = &W.recent[d->recent % RECENT_MAX];

	if (r->seq != d->recent)
		return;
	r->attempts = d->attempts;
	r->last_status = d->last_status;
	r->state = state;
}

/* Unlinks a delivery, cancels its timer and transfer, frees it. */
static void delivery_free(struct delivery *d)
{
	if (d->prev)
		d->prev->next = d->next;
	else if (W.head == d)
		W.head = d->next;
	if (d->next)
		d->next->prev = d->prev;
	tmr_cancel(&d->tmr);
	if (d->req)
		httpc_cancel(d->req);
	free(d->url);
	free(d->body);
	free(d);
	if (W.stats.in_flight)
		W.stats.in_flight--;
}

static void attempt(void *arg);

/* One attempt finished: done, or schedule the next one, or give up. */
static void attempt_done(int err, const struct httpc_resp *resp, void *arg)
{
	struct delivery *d = arg;

	d->req = NULL;
	d->last_status = err ? 0 : resp->status;
	if (!err && resp->status >= 200 && resp->status < 300) {
		W.stats.delivered++;
		recent_set(d, "delivered");
		delivery_free(d);
		return;
	}
	if (d->attempts < SBX_WEBHOOKS_ATTEMPTS) {
		W.stats.retried++;
		recent_set(d, "retrying");
		tmr_start(&d->tmr, W.retry_ms, attempt, d);
		return;
	}
	W.stats.failed++;
	recent_set(d, "failed");
	log_warn("sandbox",
	         "webhook %s for record %lld to subscription %lld failed after %u "
	         "attempts (last status %ld)",
	         d->event, (long long)d->record_id, (long long)d->sub_id, d->attempts,
	         d->last_status);
	delivery_free(d);
}

/* Sends one attempt of a delivery. */
static void attempt(void *arg)
{
	struct delivery *d = arg;
	struct httpc_header hdrs[] = {
	        {"Content-Type", "application/json"},
	        {"x-salesloft-event", d->event},
	        {"x-salesloft-signature", d->sig},
	        {"User-Agent", "Salesloft-Webhooks (loftdial-sandbox)"},
	};
	struct httpc_opts o;
	int err;

	memset(&o, 0, sizeof(o));
	o.method = "POST";
	o.url = d->url;
	o.headers = hdrs;
	o.nheaders = sizeof(hdrs) / sizeof(hdrs[0]);
	o.body = d->body;
	o.body_len = d->body_len;
	o.timeout_ms = W.timeout_ms;
	o.connect_timeout_ms = W.timeout_ms;
	o.max_body = 64 * 1024;
	d->attempts++;
	W.stats.attempts++;
	recent_set(d, "sending");
	err = httpc_send(&o, attempt_done, d, &d->req);
	if (err) {
		d->req = NULL;
		attempt_done(err, NULL, d);
	}
}

/* Queues one delivery of body to a subscription. */
static void deliver(const cJSON *sub, const char *event, int64_t record_id, const char *body,
                    size_t len)
{
	const char *url = sbx_writes_get_str(sub, "callback_url");
	const char *tok = sbx_writes_get_str(sub, "callback_token");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(sub, "id");
	struct delivery *d;
	struct recent *r;

	if (!url || !tok || !cJSON_IsNumber(id))
		return;
	d = calloc(1, sizeof(*d));
	if (!d)
		return;
	d->sub_id = (int64_t)id->valuedouble;
	d->record_id = record_id;
	d->event = event;
	d->url = strdup(url);
	d->body = text_dupn(body, len);
	d->body_len = len;
	tmr_init(&d->tmr);
	if (!d->url || !d->body || sbx_webhooks_sign(tok, body, len, d->sig, sizeof(d->sig))) {
		free(d->url);
		free(d->body);
		free(d);
		return;
	}
	d->recent = W.seq;
	r = &W.recent[W.seq % RECENT_MAX];
	memset(r, 0, sizeof(*r));
	r->seq = W.seq++;
	r->sub_id = d->sub_id;
	r->record_id = record_id;
	r->event = event;
	r->state = "sending";
	d->next = W.head;
	if (W.head)
		W.head->prev = d;
	W.head = d;
	W.stats.in_flight++;
	attempt(d);
}

/* True when a task change is its completion: completed now, and completed_at was stamped in
 * this same write (within 2 s of updated_at). Later edits of a completed task are updates. */
static bool just_completed(const cJSON *rec)
{
	const char *state = sbx_writes_get_str(rec, "current_state");
	const char *done = sbx_writes_get_str(rec, "completed_at");
	const char *upd = sbx_writes_get_str(rec, "updated_at");
	int64_t a, b;

	if (!state || strcmp(state, "completed") || !done || !upd)
		return false;
	if (sbx_time_parse(done, &a, NULL) || sbx_time_parse(upd, &b, NULL))
		return false;
	return b >= a && b - a <= 2000000;
}

/* The change hook: maps a change to events and queues the deliveries. */
static void on_change(struct sbx *sbx, enum sbx_kind kind, int64_t id, const char *event,
                      const char *json, size_t len, void *arg)
{
	const char *names[2];
	size_t n, i;
	bool completed = false;

	if (kind == SBX_TASKS && !strcmp(event, "updated")) {
		cJSON *rec = cJSON_ParseWithLength(json, len);

		completed = just_completed(rec);
		cJSON_Delete(rec);
	}
	n = sbx_webhooks_events(kind, event, completed, names, 2);
	for (i = 0; i < n; i++) {
		sqlite3_stmt *st = NULL;
		char sql[128];
		bool matched = false;

		snprintf(sql, sizeof(sql), "SELECT json FROM %s WHERE event_type = ? ORDER BY id",
		         sbx_kind_name(SBX_WEBHOOK_SUBSCRIPTIONS));
		if (sqlite3_prepare_v2(sbx->db, sql, -1, &st, NULL) != SQLITE_OK) {
			log_error("sandbox", "webhooks: %s", sqlite3_errmsg(sbx->db));
			return;
		}
		sqlite3_bind_text(st, 1, names[i], -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			cJSON *sub = cJSON_ParseWithLength((const char *)sqlite3_column_text(st, 0),
			                                   (size_t)sqlite3_column_bytes(st, 0));

			if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sub, "enabled"))) {
				deliver(sub, names[i], id, json, len);
				matched = true;
			}
			cJSON_Delete(sub);
		}
		sqlite3_finalize(st);
		if (matched)
			W.stats.events++;
	}
}

/* ---- /v2/webhook_subscriptions ---- */

static const char *const sub_fields[] = {"callback_url", "callback_token", "event_type", "enabled",
                                         NULL};

/* GET /v2/webhook_subscriptions[?enabled=true|false]. */
static void sub_list(struct sbx_req *req, void *arg)
{
	struct sbx *sbx = sbx_req_sbx(req);
	const char *enabled = sbx_req_param(req, "enabled");
	cJSON *out = cJSON_CreateObject(), *data = cJSON_AddArrayToObject(out, "data");
	sqlite3_stmt *st = NULL;
	char sql[96];

	if (!out || !data) {
		sbx_reply_error(req, 500, "out of memory");
		goto out;
	}
	snprintf(sql, sizeof(sql), "SELECT json FROM %s ORDER BY id",
	         sbx_kind_name(SBX_WEBHOOK_SUBSCRIPTIONS));
	if (sqlite3_prepare_v2(sbx->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sbx_reply_error(req, 500, "store error");
		goto out;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *sub = cJSON_ParseWithLength((const char *)sqlite3_column_text(st, 0),
		                                   (size_t)sqlite3_column_bytes(st, 0));
		bool on = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sub, "enabled"));

		if (!sub)
			continue;
		if (enabled &&
		    ((!strcmp(enabled, "true") && !on) || (!strcmp(enabled, "false") && on))) {
			cJSON_Delete(sub);
			continue;
		}
		cJSON_AddItemToArray(data, sub);
	}
	sqlite3_finalize(st);
	sbx_reply_cjson(req, 200, out);
out:
	cJSON_Delete(out);
}

/* True when url is an http(s) URL without spaces or control characters. */
static bool url_ok(const char *url)
{
	const char *p;

	if (!url || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) ||
	    strlen(url) > 2000)
		return false;
	for (p = url; *p; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return false;
	}
	return true;
}

/* POST /v2/webhook_subscriptions. */
static void sub_create(struct sbx_req *req, void *arg)
{
	struct sbx *sbx = sbx_req_sbx(req);
	cJSON *body, *errors = cJSON_CreateObject(), *sub = NULL, *user = NULL;
	const char *url, *tok, *type, *guid;
	bool bad = false;

	body = sbx_writes_body(req, sub_fields, &bad);
	if (!body || !errors) {
		sbx_reply_error(req, bad ? 400 : 500,
		                bad ? "The body is not a JSON object" : "out of memory");
		goto out;
	}
	url = sbx_writes_get_str(body, "callback_url");
	tok = sbx_writes_get_str(body, "callback_token");
	type = sbx_writes_get_str(body, "event_type");
	if (!url || !*url)
		sbx_writes_error(errors, "callback_url", "can't be blank");
	else if (!url_ok(url))
		sbx_writes_error(errors, "callback_url", "is not a valid URL");
	if (!tok || !*tok)
		sbx_writes_error(errors, "callback_token", "can't be blank");
	if (!type || !*type)
		sbx_writes_error(errors, "event_type", "can't be blank");
	else if (!sbx_webhooks_event_known(type))
		sbx_writes_error(errors, "event_type", "is not included in the list");
	if (cJSON_GetArraySize(errors) > 0) {
		sbx_writes_reply_errors(req, errors);
		goto out;
	}
	sbx_record_get(sbx, SBX_USERS, sbx_req_user(req), &user);
	guid = sbx_writes_get_str(user, "guid");
	sub = cJSON_CreateObject();
	if (!sub) {
		sbx_reply_error(req, 500, "out of memory");
		goto out;
	}
	cJSON_AddStringToObject(sub, "callback_url", url);
	cJSON_AddStringToObject(sub, "callback_token", tok);
	cJSON_AddStringToObject(sub, "event_type", type);
	cJSON_AddBoolToObject(sub, "enabled", true);
	if (guid)
		cJSON_AddStringToObject(sub, "user_guid", guid);
	else
		cJSON_AddNullToObject(sub, "user_guid");
	cJSON_AddNumberToObject(sub, "tenant_id", (double)sbx->team.id);
	if (sbx_record_put(sbx, SBX_WEBHOOK_SUBSCRIPTIONS, sub, NULL)) {
		sbx_reply_error(req, 500, "could not store the subscription");
		goto out;
	}
	sbx_reply_cjson(req, 200, sub);
out:
	cJSON_Delete(body);
	cJSON_Delete(errors);
	cJSON_Delete(sub);
	cJSON_Delete(user);
}

/* GET /v2/webhook_subscriptions/{id}. */
static void sub_show(struct sbx_req *req, void *arg)
{
	cJSON *sub = NULL;
	int64_t id;

	if (!sbx_writes_path_id(req, &id))
		return;
	if (sbx_record_get(sbx_req_sbx(req), SBX_WEBHOOK_SUBSCRIPTIONS, id, &sub)) {
		sbx_reply_error(req, 404, "Not Found");
		return;
	}
	sbx_reply_cjson(req, 200, sub);
	cJSON_Delete(sub);
}

/* PUT /v2/webhook_subscriptions/{id}: enabled true/false. */
static void sub_update(struct sbx_req *req, void *arg)
{
	struct sbx *sbx = sbx_req_sbx(req);
	cJSON *body = NULL, *sub = NULL;
	bool bad = false, enabled;
	int64_t id;
	int err;

	if (!sbx_writes_path_id(req, &id))
		return;
	body = sbx_writes_body(req, sub_fields, &bad);
	if (!body) {
		sbx_reply_error(req, bad ? 400 : 500,
		                bad ? "The body is not a JSON object" : "out of memory");
		goto out;
	}
	if (sbx_record_get(sbx, SBX_WEBHOOK_SUBSCRIPTIONS, id, &sub)) {
		sbx_reply_error(req, 404, "Not Found");
		goto out;
	}
	err = sbx_writes_get_bool(body, "enabled", &enabled);
	if (err == EINVAL) {
		sbx_reply_errors(req, "enabled", "must be true or false");
		goto out;
	}
	if (!err) {
		cJSON_ReplaceItemInObjectCaseSensitive(sub, "enabled", cJSON_CreateBool(enabled));
		if (sbx_record_put(sbx, SBX_WEBHOOK_SUBSCRIPTIONS, sub, NULL)) {
			sbx_reply_error(req, 500, "could not store the subscription");
			goto out;
		}
	}
	sbx_reply_cjson(req, 200, sub);
out:
	cJSON_Delete(body);
	cJSON_Delete(sub);
}

/* DELETE /v2/webhook_subscriptions/{id}: 204, idempotent. */
static void sub_delete(struct sbx_req *req, void *arg)
{
	int64_t id;

	if (!sbx_writes_path_id(req, &id))
		return;
	(void)sbx_record_delete(sbx_req_sbx(req), SBX_WEBHOOK_SUBSCRIPTIONS, id);
	sbx_reply(req, 204, NULL, NULL, 0);
}

/* Cancels every delivery in flight when the sandbox closes. */
static void on_close(struct sbx *sbx, void *arg)
{
	while (W.head)
		delivery_free(W.head);
	W.sbx = NULL;
}

/* Adds the subscription routes and the change hook that delivers. */
int sbx_webhooks_register(struct sbx *sbx)
{
	int err;

	if (!sbx)
		return EINVAL;
	/* loop_init() starts httpc already; this only matters for a caller that did not. */
	err = httpc_init();
	if (err)
		return err;
	W.sbx = sbx;
	if (sbx->opts.webhook_retry_ms)
		W.retry_ms = sbx->opts.webhook_retry_ms;
	err = sbx_route(sbx, "GET", "/v2/webhook_subscriptions", sub_list, NULL);
	err |= sbx_route(sbx, "POST", "/v2/webhook_subscriptions", sub_create, NULL);
	err |= sbx_route(sbx, "GET", "/v2/webhook_subscriptions/:id", sub_show, NULL);
	err |= sbx_route(sbx, "PUT", "/v2/webhook_subscriptions/:id", sub_update, NULL);
	err |= sbx_route(sbx, "DELETE", "/v2/webhook_subscriptions/:id", sub_delete, NULL);
	err |= sbx_on_change(sbx, on_change, NULL);
	err |= sbx_on_close(sbx, on_close, NULL);
	return err ? ENOMEM : 0;
}

/*
 * admin: the /_sandbox/ routes (see sbx_admin.h and docs/sandbox.md). Records, team
 * settings, the clock, tokens, counters, deliveries; the fault routes are registered from
 * faults_filter.c, and the simulated phones add their own /_sandbox/phones routes
 * (simphones_sbx.c) when the sandbox runs with --sip.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "loftdial/log.h"
#include "sbx_admin.h"
#include "sbx_faults.h"
#include "sbx_oauth.h"
#include "sbx_webhooks.h"
#include "sbx_writes.h"

/* Every admin route, for GET /_sandbox/ (the index). */
static const char *const index_lines[] = {
        "GET    /_sandbox/                          this list",
        "GET    /_sandbox/counters                  counters (requests, cost, 429s, calls, "
        "deliveries, faults, tokens)",
        "POST   /_sandbox/counters/reset            zero the counters",
        "POST   /_sandbox/ratelimit/reset           give the team its whole budget back",
        "GET    /_sandbox/records/KIND/ID           a stored record",
        "POST   /_sandbox/records/KIND              create (partial JSON over a blank record)",
        "PUT    /_sandbox/records/KIND/ID           merge partial JSON, bump updated_at",
        "DELETE /_sandbox/records/KIND/ID           hard delete (answers the record as it was)",
        "PUT    /_sandbox/call_instructions/ID      {instructions}: a call instructions "
        "record's text",
        "GET    /_sandbox/team                      team settings",
        "POST   /_sandbox/team                      {dispositions_required, sentiments_required}",
        "GET    /_sandbox/clock                     the sandbox's now and skew",
        "POST   /_sandbox/clock                     {skew_seconds} or {advance_seconds}",
        "POST   /_sandbox/tokens/expire             every OAuth access token expires now",
        "POST   /_sandbox/tokens/ttl                {seconds}: lifetime of new access tokens",
        "GET    /_sandbox/faults                    the fault window",
        "POST   /_sandbox/faults                    open a fault window",
        "DELETE /_sandbox/faults                    close it",
        "GET    /_sandbox/deliveries                recent webhook deliveries",
        "*      /_sandbox/phones/...                simulated phones (with --sip; see "
        "docs/simphones.md)",
};

/* Reads the body as a JSON object; replies 400 and returns NULL when it is not one. */
static cJSON *json_body(struct sbx_req *req)
{
	size_t len;
	const char *body = sbx_req_body(req, &len);
	cJSON *j = len ? cJSON_ParseWithLength(body, len) : cJSON_CreateObject();

	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		sbx_reply_error(req, 400, "The body must be a JSON object");
		return NULL;
	}
	return j;
}

/* GET /_sandbox/. */
static void index_page(struct sbx_req *req, void *arg)
{
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "routes");
	size_t i;

	for (i = 0; arr && i < sizeof(index_lines) / sizeof(index_lines[0]); i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(index_lines[i]));
	cJSON_AddStringToObject(o, "note", "loftdial-sandbox admin API; not part of Salesloft");
	sbx_reply_cjson(req, 200, o);
	cJSON_Delete(o);
}

/* GET /_sandbox/counters. */
static void counters(struct sbx_req *req, void *arg)
{
	struct sbx *sbx = sbx_req_sbx(req);
	struct sbx_webhooks_stats st;
	cJSON *o = sbx_counters_json(sbx), *w, *tok;
	unsigned codes = 0, live = 0, refresh = 0;

	if (!o) {
		sbx_reply_error(req, 500, "out of memory");
		return;
	}
	sbx_webhooks_get_stats(&st);
	cJSON_AddNumberToObject(o, "deliveries_ok", (double)st.delivered);
	cJSON_AddNumberToObject(o, "deliveries_failed", (double)st.failed);
	w = cJSON_AddObjectToObject(o, "webhooks");
	if (w) {
		cJSON_AddNumberToObject(w, "events", (double)st.events);
		cJSON_AddNumberToObject(w, "attempts", (double)st.attempts);
		cJSON_AddNumberToObject(w, "delivered", (double)st.delivered);
		cJSON_AddNumberToObject(w, "retried", (double)st.retried);
		cJSON_AddNumberToObject(w, "failed", (double)st.failed);
		cJSON_AddNumberToObject(w, "in_flight", (double)st.in_flight);
	}
	cJSON_AddItemToObject(o, "faults", sbx_faults_counters_json());
	sbx_oauth_stats(sbx_oauth_of(sbx), sbx_now_us(sbx), &codes, &live, &refresh);
	tok = cJSON_AddObjectToObject(o, "oauth");
	if (tok) {
		cJSON_AddNumberToObject(tok, "codes", codes);
		cJSON_AddNumberToObject(tok, "access_tokens_live", live);
		cJSON_AddNumberToObject(tok, "refresh_tokens_live", refresh);
	}
	sbx_reply_cjson(req, 200, o);
	cJSON_Delete(o);
}

/* POST /_sandbox/counters/reset. */
static void counters_reset(struct sbx_req *req, void *arg)
{
	struct sbx *sbx = sbx_req_sbx(req);

	memset(&sbx->counters, 0, sizeof(sbx->counters));
	sbx_webhooks_reset_stats();
	counters(req, arg);
}

/* POST /_sandbox/ratelimit/reset. */
static void ratelimit_reset(struct sbx_req *req, void *arg)
{
	sbx_ratelimit_reset(sbx_req_sbx(req));
	counters(req, arg);
}

/* Reads the KIND and optional ID segments; replies 404 and returns false when bad. */
static bool record_args(struct sbx_req *req, enum sbx_kind *kind, int64_t *id)
{
	const char *k = sbx_req_arg(req, "kind");

	if (!k || sbx_kind_parse(k, kind)) {
		sbx_reply_error(req, 404, "Unknown record kind");
		return false;
	}
	return !id || sbx_writes_path_id(req, id);
}

/* A blank record of a kind, from the first stored one; an empty object when there is none. */
static cJSON *blank_of(struct sbx *sbx, enum sbx_kind kind)
{
	sqlite3_stmt *st = NULL;
	cJSON *blank = NULL;
	char sql[96];

	snprintf(sql, sizeof(sql), "SELECT json FROM %s ORDER BY id LIMIT 1", sbx_kind_name(kind));
	if (sqlite3_prepare_v2(sbx->db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		cJSON *ex = cJSON_ParseWithLength((const char *)sqlite3_column_text(st, 0),
		                                  (size_t)sqlite3_column_bytes(st, 0));

		blank = sbx_admin_blank(ex);
		cJSON_Delete(ex);
	}
	sqlite3_finalize(st);
	return blank ? blank : cJSON_CreateObject();
}

/* GET /_sandbox/records/KIND/ID. */
static void record_show(struct sbx_req *req, void *arg)
{
	enum sbx_kind kind;
	int64_t id;
	cJSON *rec = NULL;

	if (!record_args(req, &kind, &id))
		return;
	if (sbx_record_get(sbx_req_sbx(req), kind, id, &rec)) {
		sbx_reply_error(req, 404, "Not Found");
		return;
	}
	sbx_writes_reply_data(req, 200, rec);
	cJSON_Delete(rec);
}

/* POST /_sandbox/records/KIND: creates a record (an "id" member picks the id). */
static void record_create(struct sbx_req *req, void *arg)
{
	struct sbx *sbx = sbx_req_sbx(req);
	enum sbx_kind kind;
	cJSON *patch, *rec = NULL;
	const cJSON *id;

	if (!record_args(req, &kind, NULL))
		return;
	patch = json_body(req);
	if (!patch)
		return;
	id = cJSON_GetObjectItemCaseSensitive(patch, "id");
	if (cJSON_IsNumber(id) && sbx_record_get(sbx, kind, (int64_t)id->valuedouble, &rec) == 0) {
		cJSON_Delete(rec);
		rec = NULL;
		sbx_reply_error(req, 409, "A record with that id exists; use PUT");
		goto out;
	}
	rec = blank_of(sbx, kind);
	if (!rec || sbx_admin_merge(sbx, rec, patch, true) ||
	    sbx_record_put(sbx, kind, rec, NULL)) {
		sbx_reply_error(req, 500, "could not store the record");
		goto out;
	}
	sbx_writes_reply_data(req, 200, rec);
out:
	cJSON_Delete(patch);
	cJSON_Delete(rec);
}

/* PUT/PATCH /_sandbox/records/KIND/ID: merges partial JSON; updated_at moves to now. */
static void record_update(struct sbx_req *req, void *arg)
{
	struct sbx *sbx = sbx_req_sbx(req);
	enum sbx_kind kind;
	int64_t id;
	cJSON *patch, *rec = NULL;

	if (!record_args(req, &kind, &id))
		return;
	patch = json_body(req);
	if (!patch)
		return;
	if (sbx_record_get(sbx, kind, id, &rec)) {
		sbx_reply_error(req, 404, "Not Found");
		goto out;
	}
	if (sbx_admin_merge(sbx, rec, patch, false) || sbx_record_put(sbx, kind, rec, NULL)) {
		sbx_reply_error(req, 500, "could not store the record");
		goto out;
	}
	sbx_writes_reply_data(req, 200, rec);
out:
	cJSON_Delete(patch);
	cJSON_Delete(rec);
}

/* DELETE /_sandbox/records/KIND/ID: hard delete; answers 200 with the record as it was. */
static void record_delete(struct sbx_req *req, void *arg)
{
	struct sbx *sbx = sbx_req_sbx(req);
	enum sbx_kind kind;
	int64_t id;
	cJSON *rec = NULL;

	if (!record_args(req, &kind, &id))
		return;
	if (sbx_record_get(sbx, kind, id, &rec) || sbx_record_delete(sbx, kind, id)) {
		cJSON_Delete(rec);
		sbx_reply_error(req, 404, "Not Found");
		return;
	}
	sbx_writes_reply_data(req, 200, rec);
	cJSON_Delete(rec);
}

/* The team settings as JSON. */
static void team_reply(struct sbx_req *req)
{
	struct sbx *sbx = sbx_req_sbx(req);
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)sbx->team.id);
	cJSON_AddBoolToObject(o, "require_disposition", sbx->team.require_disposition);
	cJSON_AddBoolToObject(o, "require_sentiment", sbx->team.require_sentiment);
	cJSON_AddBoolToObject(o, "dispositions_required", sbx->team.require_disposition);
	cJSON_AddBoolToObject(o, "sentiments_required", sbx->team.require_sentiment);
	sbx_reply_cjson(req, 200, o);
	cJSON_Delete(o);
}

/* GET /_sandbox/team. */
static void team_show(struct sbx_req *req, void *arg)
{
	team_reply(req);
}

/* POST /_sandbox/team: {dispositions_required, sentiments_required} (the names GET /v2/team
 * shows), or the older require_disposition, require_sentiment. */
static void team_set(struct sbx_req *req, void *arg)
{
	static const char *const keys[][2] = {{"require_disposition", "require_sentiment"},
	                                      {"dispositions_required", "sentiments_required"}};
	struct sbx *sbx = sbx_req_sbx(req);
	cJSON *j = json_body(req);
	bool v, disp = sbx->team.require_disposition, sent = sbx->team.require_sentiment;
	bool bad = false;

	if (!j)
		return;
	for (size_t k = 0; k < 2; k++) {
		int e1, e2;

		e1 = sbx_writes_get_bool(j, keys[k][0], &v);
		if (!e1)
			disp = v;
		e2 = sbx_writes_get_bool(j, keys[k][1], &v);
		if (!e2)
			sent = v;
		bad |= e1 == EINVAL || e2 == EINVAL;
	}
	cJSON_Delete(j);
	if (bad) {
		sbx_reply_errors(req, "team", "settings are true or false");
		return;
	}
	if (disp != sbx->team.require_disposition || sent != sbx->team.require_sentiment)
		sbx->team.updated_us = sbx_now_us(sbx);
	sbx->team.require_disposition = disp;
	sbx->team.require_sentiment = sent;
	team_reply(req);
}

/* The clock as JSON. */
static void clock_reply(struct sbx_req *req)
{
	struct sbx *sbx = sbx_req_sbx(req);
	cJSON *o = cJSON_CreateObject();
	char now[40];

	sbx_writes_now(sbx, now, sizeof(now));
	cJSON_AddStringToObject(o, "now", now);
	cJSON_AddNumberToObject(o, "skew_seconds", (double)sbx->clock_skew_us / 1e6);
	sbx_reply_cjson(req, 200, o);
	cJSON_Delete(o);
}

/* GET /_sandbox/clock. */
static void clock_show(struct sbx_req *req, void *arg)
{
	clock_reply(req);
}

/* POST /_sandbox/clock: {skew_seconds: S} sets the skew, {advance_seconds: S} adds to it. */
static void clock_set(struct sbx_req *req, void *arg)
{
	struct sbx *sbx = sbx_req_sbx(req);
	cJSON *j = json_body(req);
	const cJSON *skew, *adv;
	const double limit = 10.0 * 366 * 86400;

	if (!j)
		return;
	skew = cJSON_GetObjectItemCaseSensitive(j, "skew_seconds");
	adv = cJSON_GetObjectItemCaseSensitive(j, "advance_seconds");
	if ((skew &&
	     (!cJSON_IsNumber(skew) || skew->valuedouble > limit || skew->valuedouble < -limit)) ||
	    (adv && (!cJSON_IsNumber(adv) || adv->valuedouble > limit || adv->valuedouble < 0))) {
		cJSON_Delete(j);
		sbx_reply_errors(req, "clock",
		                 "skew_seconds within ±10 years, advance_seconds >= 0");
		return;
	}
	if (skew)
		sbx->clock_skew_us = (int64_t)(skew->valuedouble * 1e6);
	if (adv)
		sbx->clock_skew_us += (int64_t)(adv->valuedouble * 1e6);
	cJSON_Delete(j);
	clock_reply(req);
}

/* POST /_sandbox/tokens/expire. */
static void tokens_expire(struct sbx_req *req, void *arg)
{
	struct sbx *sbx = sbx_req_sbx(req);
	unsigned n = sbx_oauth_expire_all(sbx_oauth_of(sbx), sbx_now_us(sbx));
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "expired", n);
	sbx_reply_cjson(req, 200, o);
	cJSON_Delete(o);
}

/* POST /_sandbox/tokens/ttl: {seconds}. */
static void tokens_ttl(struct sbx_req *req, void *arg)
{
	struct sbx *sbx = sbx_req_sbx(req);
	cJSON *j = json_body(req), *o;
	int64_t s = 0;

	if (!j)
		return;
	if (sbx_writes_get_uint(j, "seconds", &s) || s < 1 || s > 31 * 86400) {
		cJSON_Delete(j);
		sbx_reply_errors(req, "seconds", "must be an integer from 1 to 2678400");
		return;
	}
	cJSON_Delete(j);
	sbx_oauth_set_ttl(sbx_oauth_of(sbx), (unsigned)s);
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "token_ttl", (double)s);
	sbx_reply_cjson(req, 200, o);
	cJSON_Delete(o);
}

/* GET /_sandbox/deliveries. */
static void deliveries(struct sbx_req *req, void *arg)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObject(o, "data", sbx_webhooks_recent_json());
	sbx_reply_cjson(req, 200, o);
	cJSON_Delete(o);
}

/* Adds the /_sandbox/ admin routes (and the fault routes). */
int sbx_admin_register(struct sbx *sbx)
{
	int err = 0;

	if (!sbx)
		return EINVAL;
	err |= sbx_route(sbx, "GET", "/_sandbox", index_page, NULL);
	err |= sbx_route(sbx, "GET", "/_sandbox/", index_page, NULL);
	err |= sbx_route(sbx, "GET", "/_sandbox/counters", counters, NULL);
	err |= sbx_route(sbx, "POST", "/_sandbox/counters/reset", counters_reset, NULL);
	err |= sbx_route(sbx, "POST", "/_sandbox/ratelimit/reset", ratelimit_reset, NULL);
	err |= sbx_route(sbx, "GET", "/_sandbox/records/:kind/:id", record_show, NULL);
	err |= sbx_route(sbx, "POST", "/_sandbox/records/:kind", record_create, NULL);
	err |= sbx_route(sbx, "PUT", "/_sandbox/records/:kind/:id", record_update, NULL);
	err |= sbx_route(sbx, "PATCH", "/_sandbox/records/:kind/:id", record_update, NULL);
	err |= sbx_route(sbx, "DELETE", "/_sandbox/records/:kind/:id", record_delete, NULL);
	err |= sbx_route(sbx, "GET", "/_sandbox/team", team_show, NULL);
	err |= sbx_route(sbx, "POST", "/_sandbox/team", team_set, NULL);
	err |= sbx_route(sbx, "GET", "/_sandbox/clock", clock_show, NULL);
	err |= sbx_route(sbx, "POST", "/_sandbox/clock", clock_set, NULL);
	err |= sbx_route(sbx, "POST", "/_sandbox/tokens/expire", tokens_expire, NULL);
	err |= sbx_route(sbx, "POST", "/_sandbox/tokens/ttl", tokens_ttl, NULL);
	err |= sbx_route(sbx, "GET", "/_sandbox/deliveries", deliveries, NULL);
	if (err)
		return ENOMEM;
	return sbx_faults_register(sbx);
}

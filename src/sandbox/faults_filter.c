/*
 * faults_filter: applies the fault window (faults.c) to live requests, and the admin routes
 * that open, show and close it: POST/GET/DELETE /_sandbox/faults.
 *
 * The filter runs before the /v2/ pipeline (no Bearer check, no rate-limit charge), like a
 * flaky proxy in front of Salesloft would. What each fault looks like on the wire:
 *  - error_5xx: 500 and 503 with a JSON {"error":...} body, 502 and 504 with the HTML page a
 *    load balancer sends;
 *  - drop: the connection is closed without a byte of reply;
 *  - truncate: 200 with a JSON body cut off in the middle (Content-Length matches it, so the
 *    HTTP layer is fine and the JSON parser must notice);
 *  - malformed: 200 application/json whose body is not JSON (an HTML error page);
 *  - rate_limit_429: 429 {"error":"Rate limit exceeded"} with x-ratelimit-remaining-minute 0,
 *    counted in the rate_limited counter;
 *  - lost_reply: the request goes through the whole pipeline (its writes are stored and their
 *    webhooks queued), then the connection is closed instead of the reply: the client cannot
 *    tell whether its POST landed;
 *  - late_reply: the same, but the reply is sent late_reply_ms later, after a client's
 *    timeout (a client still waiting gets it);
 *  - latency_ms: the request waits on a timer, then goes through the pipeline (or its fault).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>

#include "loftdial/log.h"
#include "sbx_faults.h"
#include "sbx_writes.h"

/* A request waiting out its added latency. */
struct delayed {
	struct delayed *next, *prev;
	struct sbx_req *req;
	struct sbx_faults_decision d;
	struct tmr tmr;
};

static struct {
	struct sbx *sbx;
	struct sbx_faults f;
	struct delayed *delayed;
} F;

/* Monotonic milliseconds from libre's clock. */
static uint64_t now_ms(void)
{
	return tmr_jiffies();
}

static const char html_502[] =
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";
static const char html_504[] =
        "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
        "<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n";
static const char truncated[] =
        "{\"metadata\":{\"filtering\":{},\"paging\":{\"per_page\":25,\"current_page\":1,"
        "\"next_page\":2,\"prev_page\":null},\"sorting\":{\"sort_by\":\"updated_at\","
        "\"sort_direction\":\"DESC NULLS LAST\"}},\"data\":[{\"id\":164510523,\"created_at\":"
        "\"2024-03-07T02:46:00.302715-05:00\",\"first_name\":\"Lynn";
static const char malformed[] = "<!DOCTYPE html>\n<html><head><title>We're sorry, but something "
                                "went wrong (500)</title></head>\n<body><p>Please try again "
                                "later.</p></body></html>\n";

/* Answers a request as the decided fault says; false when the request goes on through the
 * pipeline (no fault, or one that strikes at the reply). */
static bool apply(struct sbx_req *req, const struct sbx_faults_decision *d)
{
	switch (d->kind) {
	case SBX_FAULT_5XX:
		if (d->status == 502)
			sbx_reply(req, 502, "text/html", html_502, sizeof(html_502) - 1);
		else if (d->status == 504)
			sbx_reply(req, 504, "text/html", html_504, sizeof(html_504) - 1);
		else
			sbx_reply_error(req, (uint16_t)d->status,
			                d->status == 503 ? "Service Unavailable"
			                                 : "Internal Server Error");
		return true;
	case SBX_FAULT_DROP:
		sbx_req_drop(req);
		return true;
	case SBX_FAULT_TRUNCATE:
		sbx_reply_json(req, 200, truncated, sizeof(truncated) - 1);
		return true;
	case SBX_FAULT_MALFORMED:
		sbx_reply_json(req, 200, malformed, sizeof(malformed) - 1);
		return true;
	case SBX_FAULT_LOST_REPLY:
		sbx_req_lose_reply(req, 0);
		return false;
	case SBX_FAULT_LATE_REPLY:
		sbx_req_lose_reply(req, d->late_ms);
		return false;
	case SBX_FAULT_429:
		F.sbx->counters.rate_limited++;
		sbx_reply_header(req, "x-ratelimit-endpoint-cost", "1");
		sbx_reply_header(req, "x-ratelimit-remaining-minute", "0");
		sbx_reply_error(req, 429, "Rate limit exceeded");
		return true;
	default:
		return false;
	}
}

/* Unlinks and frees a delayed request record (not the request). */
static void delayed_free(struct delayed *dl)
{
	if (dl->prev)
		dl->prev->next = dl->next;
	else if (F.delayed == dl)
		F.delayed = dl->next;
	if (dl->next)
		dl->next->prev = dl->prev;
	tmr_cancel(&dl->tmr);
	free(dl);
}

/* The added latency is over: the fault, or the normal pipeline. */
static void delay_over(void *arg)
{
	struct delayed *dl = arg;
	struct sbx_req *req = dl->req;
	struct sbx_faults_decision d = dl->d;

	delayed_free(dl);
	if (!apply(req, &d))
		sbx_req_resume(req);
}

/* The request filter: decides and applies, or lets the request through. */
static bool filter(struct sbx_req *req, void *arg)
{
	struct sbx_faults_decision d = sbx_faults_decide(&F.f, sbx_req_path(req), now_ms());
	struct delayed *dl;

	if (!d.latency_ms)
		return apply(req, &d);
	dl = calloc(1, sizeof(*dl));
	if (!dl)
		return apply(req, &d);
	dl->req = req;
	dl->d = d;
	tmr_init(&dl->tmr);
	dl->next = F.delayed;
	if (F.delayed)
		F.delayed->prev = dl;
	F.delayed = dl;
	sbx_req_hold(req);
	tmr_start(&dl->tmr, d.latency_ms, delay_over, dl);
	return true;
}

/* GET /_sandbox/faults: the window's state. */
static void faults_show(struct sbx_req *req, void *arg)
{
	cJSON *j = sbx_faults_json(&F.f, now_ms());

	sbx_reply_cjson(req, 200, j);
	cJSON_Delete(j);
}

/* POST /_sandbox/faults: opens a window (replacing any open one). */
static void faults_open(struct sbx_req *req, void *arg)
{
	struct sbx_faults_spec spec;
	const char *err = NULL;
	size_t len;
	const char *body = sbx_req_body(req, &len);
	cJSON *j = cJSON_ParseWithLength(body, len);

	if (sbx_faults_parse(j, &spec, &err)) {
		sbx_reply_errors(req, "faults", err ? err : "is invalid");
		cJSON_Delete(j);
		return;
	}
	cJSON_Delete(j);
	sbx_faults_open(&F.f, &spec, now_ms());
	log_info("sandbox", "fault window opened");
	faults_show(req, arg);
}

/* DELETE /_sandbox/faults: closes the window. */
static void faults_clear(struct sbx_req *req, void *arg)
{
	sbx_faults_clear(&F.f);
	faults_show(req, arg);
}

/* The live fault window as JSON (for the counters). */
cJSON *sbx_faults_counters_json(void)
{
	return sbx_faults_json(&F.f, now_ms());
}

/* Releases requests still waiting out their latency when the sandbox closes. */
static void on_close(struct sbx *sbx, void *arg)
{
	while (F.delayed) {
		struct sbx_req *req = F.delayed->req;

		delayed_free(F.delayed);
		sbx_req_drop(req);
	}
	memset(&F, 0, sizeof(F));
}

/* Installs the fault filter and the /_sandbox/faults routes. */
int sbx_faults_register(struct sbx *sbx)
{
	int err = 0;

	if (!sbx)
		return EINVAL;
	memset(&F, 0, sizeof(F));
	F.sbx = sbx;
	err |= sbx_on_request(sbx, filter, NULL);
	err |= sbx_route(sbx, "GET", "/_sandbox/faults", faults_show, NULL);
	err |= sbx_route(sbx, "POST", "/_sandbox/faults", faults_open, NULL);
	err |= sbx_route(sbx, "DELETE", "/_sandbox/faults", faults_clear, NULL);
	err |= sbx_on_close(sbx, on_close, NULL);
	return err ? ENOMEM : 0;
}

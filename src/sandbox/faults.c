/*
 * faults: the fault-injection window of loftdial-sandbox and the decision for each request.
 *
 * This file holds the pure part: reading a window from the admin JSON, and deciding, request
 * by request, which fault (if any) hits it. Decisions are deterministic (per-kind
 * owed counts, see sbx_faults.h) so tests can count on exact numbers. Applying a decision
 * to a live request lives in faults_filter.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sbx_faults.h"
#include "loftdial/text.h"

#define LATENCY_MAX_MS  60000u
#define LATE_MAX_MS     600000u
#define LATE_DEFAULT_MS 30000u
#define DURATION_MAX_MS (24u * 3600u * 1000u)

static const char *const kind_names[SBX_FAULT_KIND_COUNT] = {
        [SBX_FAULT_NONE] = "none",
        [SBX_FAULT_5XX] = "error_5xx",
        [SBX_FAULT_DROP] = "drop",
        [SBX_FAULT_TRUNCATE] = "truncate",
        [SBX_FAULT_MALFORMED] = "malformed",
        [SBX_FAULT_429] = "rate_limit_429",
        [SBX_FAULT_LOST_REPLY] = "lost_reply",
        [SBX_FAULT_LATE_REPLY] = "late_reply",
};

/* The 5xx statuses a flaky upstream produces, used in turn. */
static const unsigned statuses_5xx[] = {500, 502, 503, 504};

/* The admin-JSON name of a fault kind. */
const char *sbx_faults_name(enum sbx_fault kind)
{
	return (unsigned)kind < SBX_FAULT_KIND_COUNT ? kind_names[kind] : "none";
}

/* Reads a non-negative integer member no larger than max into *out. */
static int read_uint(const cJSON *item, unsigned max, unsigned *out, const char **err,
                     const char *msg)
{
	if (!cJSON_IsNumber(item) || item->valuedouble < 0 || item->valuedouble > max ||
	    item->valuedouble != (double)(unsigned)item->valuedouble) {
		*err = msg;
		return EINVAL;
	}
	*out = (unsigned)item->valuedouble;
	return 0;
}

/* Reads a fault window from the admin JSON, strictly. */
int sbx_faults_parse(const cJSON *json, struct sbx_faults_spec *spec, const char **err)
{
	static const char *dummy;
	const cJSON *item;
	unsigned sum = 0, seconds;
	int k;

	if (!err)
		err = &dummy;
	*err = NULL;
	if (!spec)
		return EINVAL;
	memset(spec, 0, sizeof(*spec));
	if (!cJSON_IsObject(json)) {
		*err = "the body must be a JSON object";
		return EINVAL;
	}
	cJSON_ArrayForEach(item, json)
	{
		const char *key = item->string ? item->string : "";
		bool known = false;

		for (k = SBX_FAULT_5XX; k < SBX_FAULT_KIND_COUNT; k++) {
			if (strcmp(key, kind_names[k]))
				continue;
			known = true;
			if (read_uint(item, 100, &spec->share[k], err,
			              "fault shares are integers from 0 to 100"))
				return EINVAL;
			sum += spec->share[k];
		}
		if (known)
			continue;
		if (!strcmp(key, "latency_ms")) {
			if (read_uint(item, LATENCY_MAX_MS, &spec->latency_ms, err,
			              "latency_ms is an integer from 0 to 60000"))
				return EINVAL;
		} else if (!strcmp(key, "late_reply_ms")) {
			if (read_uint(item, LATE_MAX_MS, &spec->late_reply_ms, err,
			              "late_reply_ms is an integer from 0 to 600000"))
				return EINVAL;
		} else if (!strcmp(key, "requests")) {
			if (read_uint(item, 100000000u, &spec->requests, err,
			              "requests is a non-negative integer"))
				return EINVAL;
		} else if (!strcmp(key, "seconds")) {
			if (read_uint(item, DURATION_MAX_MS / 1000, &seconds, err,
			              "seconds is an integer from 0 to 86400"))
				return EINVAL;
			spec->duration_ms = seconds * 1000u;
		} else if (!strcmp(key, "duration_ms")) {
			if (read_uint(item, DURATION_MAX_MS, &spec->duration_ms, err,
			              "duration_ms is an integer from 0 to 86400000"))
				return EINVAL;
		} else if (!strcmp(key, "path_prefix")) {
			if (!cJSON_IsString(item) ||
			    text_copy(spec->prefix, sizeof(spec->prefix), item->valuestring)) {
				*err = "path_prefix is a string of at most 127 bytes";
				return EINVAL;
			}
		} else {
			/* Strict on purpose: a typo in a test's fault spec must not pass silently.
			 */
			*err = "unknown key (expected error_5xx, drop, truncate, malformed, "
			       "rate_limit_429, lost_reply, late_reply, late_reply_ms, latency_ms, "
			       "requests, seconds, duration_ms, path_prefix)";
			return EINVAL;
		}
	}
	if (sum > 100) {
		*err = "the fault shares add up to more than 100";
		return EINVAL;
	}
	return 0;
}

/* Opens a fault window now. */
void sbx_faults_open(struct sbx_faults *f, const struct sbx_faults_spec *spec, uint64_t now_ms)
{
	if (!f || !spec)
		return;
	memset(f, 0, sizeof(*f));
	f->spec = *spec;
	f->open = true;
	f->opened_ms = now_ms;
}

/* Closes the fault window. */
void sbx_faults_clear(struct sbx_faults *f)
{
	if (f)
		f->open = false;
}

/* Tells whether a path is subject to faults at all. */
bool sbx_faults_applies(const char *path)
{
	return path && (!strncmp(path, "/v2/", 4) || !strncmp(path, "/oauth/", 7));
}

/* Closes the window when it has run its course; true while it is still open. */
static bool window_live(struct sbx_faults *f, uint64_t now_ms)
{
	if (!f->open)
		return false;
	if (f->spec.requests && f->seen >= f->spec.requests)
		f->open = false;
	if (f->spec.duration_ms && now_ms >= f->opened_ms + f->spec.duration_ms)
		f->open = false;
	return f->open;
}

/* Decides the fault (and latency) of one request. */
struct sbx_faults_decision sbx_faults_decide(struct sbx_faults *f, const char *path,
                                             uint64_t now_ms)
{
	struct sbx_faults_decision d = {SBX_FAULT_NONE, 0, 0};
	uint64_t best_debt = 0;
	int k, best = 0;

	if (!f || !sbx_faults_applies(path) || !window_live(f, now_ms))
		return d;
	if (f->spec.prefix[0] && strncmp(path, f->spec.prefix, strlen(f->spec.prefix)))
		return d;
	f->seen++;
	d.latency_ms = f->spec.latency_ms;
	/* Kind k is owed ceil(seen * share / 100) faults by now; the kind owed the most fires.
	 * Ceilings make the counts exact at every multiple of 100 requests (and a share of 25
	 * fires on requests 1, 5, 9, ...), even when the shares add up to 100. */
	for (k = SBX_FAULT_5XX; k < SBX_FAULT_KIND_COUNT; k++) {
		uint64_t owed = ((uint64_t)f->seen * f->spec.share[k] + 99) / 100;

		if (owed > f->fired[k] && owed - f->fired[k] > best_debt) {
			best_debt = owed - f->fired[k];
			best = k;
		}
	}
	if (best) {
		f->fired[best]++;
		d.kind = (enum sbx_fault)best;
	}
	if (d.kind == SBX_FAULT_5XX) {
		d.status = statuses_5xx[f->n5xx % (sizeof(statuses_5xx) / sizeof(statuses_5xx[0]))];
		f->n5xx++;
	} else if (d.kind == SBX_FAULT_429) {
		d.status = 429;
	} else if (d.kind == SBX_FAULT_LATE_REPLY) {
		d.late_ms = f->spec.late_reply_ms ? f->spec.late_reply_ms : LATE_DEFAULT_MS;
	}
	return d;
}

/* The fault window as JSON for the admin API. */
cJSON *sbx_faults_json(const struct sbx_faults *f, uint64_t now_ms)
{
	cJSON *o = cJSON_CreateObject(), *fired, *spec;
	int k;

	if (!o || !f)
		return o;
	cJSON_AddBoolToObject(
	        o, "open",
	        f->open && (!f->spec.requests || f->seen < f->spec.requests) &&
	                (!f->spec.duration_ms || now_ms < f->opened_ms + f->spec.duration_ms));
	cJSON_AddNumberToObject(o, "seen", f->seen);
	fired = cJSON_AddObjectToObject(o, "fired");
	spec = cJSON_AddObjectToObject(o, "spec");
	for (k = SBX_FAULT_5XX; k < SBX_FAULT_KIND_COUNT; k++) {
		if (fired)
			cJSON_AddNumberToObject(fired, kind_names[k], f->fired[k]);
		if (spec)
			cJSON_AddNumberToObject(spec, kind_names[k], f->spec.share[k]);
	}
	if (spec) {
		cJSON_AddNumberToObject(spec, "latency_ms", f->spec.latency_ms);
		cJSON_AddNumberToObject(spec, "late_reply_ms",
		                        f->spec.late_reply_ms ? f->spec.late_reply_ms
		                                              : LATE_DEFAULT_MS);
		cJSON_AddNumberToObject(spec, "requests", f->spec.requests);
		cJSON_AddNumberToObject(spec, "duration_ms", f->spec.duration_ms);
		cJSON_AddStringToObject(spec, "path_prefix", f->spec.prefix);
	}
	return o;
}

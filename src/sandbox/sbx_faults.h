/*
 * sbx_faults: fault injection for loftdial-sandbox (not a Salesloft feature).
 *
 * The admin API (POST /_sandbox/faults) opens a fault window: for the next N requests and/or
 * T milliseconds, a share of the requests to /v2/ and /oauth/ fail in a chosen way (a 5xx, a
 * dropped connection, a truncated or malformed JSON body, a 429; or, after the request was
 * served and what it wrote stored, a reply that is lost or comes too late), and every
 * request may be delayed. The decision is deterministic rather than random: after n requests in the
 * window, kind k has fired ceil(n * share_k / 100) times whenever that is possible (always at
 * multiples of 100 requests), so a share of 25 fails requests 1, 5, 9, ... and tests can count
 * on exact numbers.
 *
 * The decision logic (sbx_faults_parse, sbx_faults_open, sbx_faults_decide) is pure and has
 * its own unit tests; faults_filter.c applies the decisions to live requests.
 */
#ifndef LOFTDIAL_SBX_FAULTS_H
#define LOFTDIAL_SBX_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

enum sbx_fault {
	SBX_FAULT_NONE = 0,
	SBX_FAULT_5XX,        /* 500/502/503/504 in turn, {"error":...} body */
	SBX_FAULT_DROP,       /* the connection is closed without a reply */
	SBX_FAULT_TRUNCATE,   /* 200, JSON cut off in the middle (Content-Length matches) */
	SBX_FAULT_MALFORMED,  /* 200, a body that is not JSON at all (an HTML proxy page) */
	SBX_FAULT_429,        /* 429 as if the rate limit were exhausted */
	SBX_FAULT_LOST_REPLY, /* the request is served (and stored), then the connection is
	                       * closed instead of the reply */
	SBX_FAULT_LATE_REPLY, /* the request is served (and stored), its reply sent only
	                       * late_reply_ms later, past a client's timeout */
	SBX_FAULT_KIND_COUNT
};

/* What the admin asked for. Shares are percentages of the requests in the window; their sum
 * is at most 100. */
struct sbx_faults_spec {
	unsigned share[SBX_FAULT_KIND_COUNT]; /* index SBX_FAULT_NONE unused */
	unsigned latency_ms;                  /* added to every request in the window */
	unsigned late_reply_ms;               /* how late a late_reply comes (0: 30 000) */
	unsigned requests;                    /* window length in requests, 0 = unbounded */
	unsigned duration_ms;                 /* window length in time, 0 = unbounded */
	char prefix[128];                     /* only paths starting with this ("" = all) */
};

/* The state of the current window. */
struct sbx_faults {
	struct sbx_faults_spec spec;
	bool open;
	uint64_t opened_ms;                   /* monotonic ms when the window opened */
	unsigned seen;                        /* requests decided in this window */
	unsigned fired[SBX_FAULT_KIND_COUNT]; /* how many of each kind fired in this window */
	unsigned n5xx;                        /* rotates the 5xx status */
};

/* The verdict for one request. */
struct sbx_faults_decision {
	enum sbx_fault kind;
	unsigned latency_ms;
	unsigned status;  /* for SBX_FAULT_5XX and SBX_FAULT_429 */
	unsigned late_ms; /* for SBX_FAULT_LATE_REPLY */
};

/* Reads a spec from the admin JSON: {"error_5xx":N, "drop":N, "truncate":N, "malformed":N,
 * "rate_limit_429":N, "lost_reply":N, "late_reply":N, "late_reply_ms":N, "latency_ms":N,
 * "requests":N, "seconds":N, "duration_ms":N, "path_prefix":"..."}. 0, or EINVAL with a message in
 * *err (static string). */
int sbx_faults_parse(const cJSON *json, struct sbx_faults_spec *spec, const char **err);

/* Opens a window with spec at monotonic time now_ms (replaces any open window). */
void sbx_faults_open(struct sbx_faults *f, const struct sbx_faults_spec *spec, uint64_t now_ms);
/* Closes the window. */
void sbx_faults_clear(struct sbx_faults *f);
/* Decides the fate of one request to path at now_ms. Requests outside the window or outside
 * the prefix get SBX_FAULT_NONE with no latency and do not count. */
struct sbx_faults_decision sbx_faults_decide(struct sbx_faults *f, const char *path,
                                             uint64_t now_ms);
/* True when paths like this one are subject to faults at all (/v2/ and /oauth/). */
bool sbx_faults_applies(const char *path);
/* The kind's name as used in the admin JSON ("error_5xx", "drop", ...). */
const char *sbx_faults_name(enum sbx_fault kind);
/* The window as JSON for the admin API: {"open":..,"seen":..,"fired":{..},"spec":{..}};
 * caller deletes. */
cJSON *sbx_faults_json(const struct sbx_faults *f, uint64_t now_ms);

/* ---- faults_filter.c: the live part ---- */

struct sbx;

/* Installs the request filter and the /_sandbox/faults routes (called by the admin module). */
int sbx_faults_register(struct sbx *sbx);
/* The current window as JSON (see sbx_faults_json); caller deletes. */
cJSON *sbx_faults_counters_json(void);

#endif

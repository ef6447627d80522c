/*
 * sbxtest: what the sandbox auth/writes/webhooks/admin/faults integration tests share: a
 * spawned loftdial-sandbox on a loopback port, and a blocking libcurl client for it (the
 * tests are the client; the sandbox is a separate process, so blocking here is fine).
 */
#ifndef LOFTDIAL_SBXTEST_H
#define LOFTDIAL_SBXTEST_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "testlib.h"

#define SBXT_API_KEY "ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct sbxt {
	struct tl_proc proc;
	char base[128]; /* "http://127.0.0.1:PORT" */
};

struct sbxt_resp {
	long status;   /* 0 when no response arrived */
	int curl_code; /* CURLcode of the transfer */
	char *body;    /* NUL-terminated */
	size_t len;
	char headers[16384];
	size_t hlen;
};

/* Starts the sandbox with a small org plus extra arguments (NULL-terminated, may be NULL) and
 * waits for its ready line. 0 or an errno value. */
int sbxt_start(struct sbxt *s, const char *const *extra);
/* Stops it with SIGTERM and returns its exit code (-1 when it died by a signal). */
int sbxt_stop(struct sbxt *s);

/* One HTTP request; headers is NULL-terminated ("Name: value"), body may be NULL. Never
 * follows redirects. 0, or the curl code (the response is still filled as far as it got). */
int sbxt_http(struct sbxt_resp *r, const char *method, const char *url, const char *const *headers,
              const char *body);
void sbxt_resp_free(struct sbxt_resp *r);
/* A response header's value (case-insensitive name) copied into out, or NULL. */
const char *sbxt_header(const struct sbxt_resp *r, const char *name, char *out, size_t n);

/* A /v2/ (or any) request with "Authorization: Bearer token" (token NULL: none) and a JSON
 * body; returns the status, *out (optional) gets the parsed body (NULL when not JSON). */
long sbxt_api(struct sbxt *s, const char *token, const char *method, const char *path,
              const char *json, cJSON **out);
/* The same for the /_sandbox/ admin API (no token). */
long sbxt_admin(struct sbxt *s, const char *method, const char *path, const char *json,
                cJSON **out);

/* Gets an OAuth access token for user_id through the default client (consent form POST,
 * then the code exchange), as a script would. 0 or an errno value. */
int sbxt_oauth_token(struct sbxt *s, long user_id, char *access, size_t n);

/* Member helpers on parsed bodies: a number (or -1), a string (or ""), a nested object. */
double sbxt_num(const cJSON *o, const char *name);
const char *sbxt_str(const cJSON *o, const char *name);
/* obj["data"] */
cJSON *sbxt_data(const cJSON *o);
/* The first string of errors[field] in a 422 body, or "". */
const char *sbxt_error_of(const cJSON *o, const char *field);

#endif

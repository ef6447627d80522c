/*
 * sandbox_util: what the sandbox integration tests share: starting a real loftdial-sandbox
 * on a free loopback port and talking to it over real HTTP with libcurl (one easy handle per
 * sandbox, so connections are kept alive like a real client's).
 */
#ifndef LOFTDIAL_TEST_SANDBOX_UTIL_H
#define LOFTDIAL_TEST_SANDBOX_UTIL_H

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>

#include "testlib.h"

#define SBXT_KEY "ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct sbxt {
	struct tl_proc proc;
	char base[128]; /* "http://127.0.0.1:PORT" */
	CURL *curl;
};

struct sbxt_resp {
	long status;
	char *body;
	size_t len;
	char cost[32], remaining[32]; /* x-ratelimit-* ("" when absent) */
	char date[64];
	char retry_after[32]; /* Salesloft documents none; must stay "" */
	long new_conns;       /* connections opened for this request */
};

/* Collects the body. */
static inline size_t sbxt_body_cb(char *p, size_t sz, size_t n, void *arg)
{
	struct sbxt_resp *r = arg;
	char *nb = realloc(r->body, r->len + sz * n + 1);

	if (!nb)
		return 0;
	r->body = nb;
	memcpy(r->body + r->len, p, sz * n);
	r->len += sz * n;
	r->body[r->len] = '\0';
	return sz * n;
}

/* Copies the value of a header line into out when the name matches. */
static inline void sbxt_hdr_value(const char *line, size_t n, const char *name, char *out,
                                  size_t on)
{
	size_t nl = strlen(name);
	size_t i, j = 0;

	if (n <= nl + 1 || strncasecmp(line, name, nl) || line[nl] != ':')
		return;
	for (i = nl + 1; i < n && line[i] == ' '; i++)
		;
	for (; i < n && line[i] != '\r' && line[i] != '\n' && j + 1 < on; i++)
		out[j++] = line[i];
	out[j] = '\0';
}

/* Collects the headers the tests look at. */
static inline size_t sbxt_hdr_cb(char *p, size_t sz, size_t n, void *arg)
{
	struct sbxt_resp *r = arg;

	sbxt_hdr_value(p, sz * n, "x-ratelimit-endpoint-cost", r->cost, sizeof(r->cost));
	sbxt_hdr_value(p, sz * n, "x-ratelimit-remaining-minute", r->remaining,
	               sizeof(r->remaining));
	sbxt_hdr_value(p, sz * n, "date", r->date, sizeof(r->date));
	sbxt_hdr_value(p, sz * n, "retry-after", r->retry_after, sizeof(r->retry_after));
	return sz * n;
}

/* Starts a sandbox with extra arguments (NULL-terminated) and waits for its ready line. */
static inline int sbxt_start(struct sbxt *s, const char *const *extra)
{
	const char *bin = tl_env("LOFTDIAL_SANDBOX_BIN", "loftdial-sandbox");
	char *argv[40], line[256];
	size_t n = 0;
	int err;

	memset(s, 0, sizeof(*s));
	argv[n++] = (char *)bin;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	for (size_t i = 0; extra && extra[i] && n + 1 < 40; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	err = tl_spawn(&s->proc, argv, NULL, NULL);
	if (err)
		return err;
	err = tl_wait_line(&s->proc, "sandbox ready api=", 60000, line, sizeof(line));
	if (err) {
		fprintf(stderr, "sandbox did not get ready (%d): %s\n", err, s->proc.buf);
		return err;
	}
	if (sscanf(strstr(line, "api=") + 4, "%127s", s->base) != 1)
		return EINVAL;
	s->curl = curl_easy_init();
	return s->curl ? 0 : ENOMEM;
}

/* Stops the sandbox with SIGTERM; returns its wait status. */
static inline int sbxt_stop(struct sbxt *s)
{
	int st;

	if (s->curl)
		curl_easy_cleanup(s->curl);
	s->curl = NULL;
	st = tl_stop(&s->proc, SIGTERM, 10000);
	return st;
}

/* One request: method, path+query, bearer token (NULL for none, "" for the default key). */
static inline int sbxt_req(struct sbxt *s, const char *method, const char *pq, const char *token,
                           const char *body, struct sbxt_resp *r)
{
	struct curl_slist *h = NULL;
	char url[4096], auth[512];
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "%s%s", s->base, pq);
	curl_easy_reset(s->curl);
	curl_easy_setopt(s->curl, CURLOPT_URL, url);
	curl_easy_setopt(s->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, sbxt_body_cb);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(s->curl, CURLOPT_HEADERFUNCTION, sbxt_hdr_cb);
	curl_easy_setopt(s->curl, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, 30000L);
	if (token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", *token ? token : SBXT_KEY);
		h = curl_slist_append(h, auth);
	}
	if (body) {
		h = curl_slist_append(h, "Content-Type: application/json");
		h = curl_slist_append(h, "Expect:");
		curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, h);
	rc = curl_easy_perform(s->curl);
	curl_slist_free_all(h);
	if (rc != CURLE_OK) {
		fprintf(stderr, "curl %s: %s\n", url, curl_easy_strerror(rc));
		return EIO;
	}
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(s->curl, CURLINFO_NUM_CONNECTS, &r->new_conns);
	if (!r->body)
		r->body = calloc(1, 1);
	return 0;
}

/* GET with the default key. */
static inline int sbxt_get(struct sbxt *s, const char *pq, struct sbxt_resp *r)
{
	return sbxt_req(s, "GET", pq, "", NULL, r);
}

/* GET that must answer want; returns the parsed body (caller deletes) or NULL. */
static inline cJSON *sbxt_json(struct sbxt *s, const char *pq, long want)
{
	struct sbxt_resp r;
	cJSON *j;

	if (sbxt_get(s, pq, &r))
		return NULL;
	if (r.status != want) {
		fprintf(stderr, "GET %s: status %ld, want %ld: %.300s\n", pq, r.status, want,
		        r.body);
		free(r.body);
		return NULL;
	}
	j = cJSON_Parse(r.body);
	if (!j)
		fprintf(stderr, "GET %s: body is not JSON: %.300s\n", pq, r.body);
	free(r.body);
	return j;
}

/* The data array of a list response. */
static inline cJSON *sbxt_data(cJSON *j)
{
	return cJSON_GetObjectItemCaseSensitive(j, "data");
}

/* metadata.paging (NULL when absent). */
static inline cJSON *sbxt_paging(cJSON *j)
{
	return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "metadata"),
	                                        "paging");
}

/* A number member (or -1). */
static inline double sbxt_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* A string member (or NULL). */
static inline const char *sbxt_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The id inside an embedded ref member (or -1). */
static inline double sbxt_ref_id(const cJSON *o, const char *key)
{
	return sbxt_num(cJSON_GetObjectItemCaseSensitive(o, key), "id");
}

/* Replaces every occurrence of the base URL with "BASE" (in place), so two sandboxes on
 * different ports can be compared byte for byte. */
static inline void sbxt_unbase(char *body, const char *base)
{
	size_t bl = strlen(base);
	char *p = body, *o = body;

	while (*p) {
		if (!strncmp(p, base, bl)) {
			memcpy(o, "BASE", 4);
			o += 4;
			p += bl;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
}

#endif

/*
 * sbxtest: a spawned loftdial-sandbox and a blocking libcurl client for the sandbox's
 * auth/writes/webhooks/admin/faults integration tests.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#include <curl/curl.h>

#include "sbxtest.h"

int sbxt_start(struct sbxt *s, const char *const *extra)
{
	const char *bin = tl_env("LOFTDIAL_SANDBOX_BIN", "loftdial-sandbox");
	const char *argv[40];
	char line[512], *p;
	size_t n = 0, i;
	int err;

	memset(s, 0, sizeof(*s));
	argv[n++] = bin;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--people";
	argv[n++] = "60";
	argv[n++] = "--users";
	argv[n++] = "3";
	argv[n++] = "--rate-limit";
	argv[n++] = "0";
	for (i = 0; extra && extra[i] && n < sizeof(argv) / sizeof(argv[0]) - 1; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	err = tl_spawn(&s->proc, (char *const *)argv, NULL, NULL);
	if (err)
		return err;
	err = tl_wait_line(&s->proc, "sandbox ready api=", 60000, line, sizeof(line));
	if (err) {
		fprintf(stderr, "sandbox did not start (%d): %s\n", err, s->proc.buf);
		return err;
	}
	p = strstr(line, "api=") + 4;
	p[strcspn(p, " \r\n")] = '\0';
	snprintf(s->base, sizeof(s->base), "%s", p);
	return 0;
}

int sbxt_stop(struct sbxt *s)
{
	int st;

	/* Drain what it printed so far, so a full pipe never blocks its shutdown. */
	(void)tl_wait_line(&s->proc, "\x01never\x01", 0, NULL, 0);
	st = tl_stop(&s->proc, SIGTERM, 20000);
	if (st == -1 || !WIFEXITED(st)) {
		fprintf(stderr, "sandbox died: status %d\n%s\n", st, s->proc.buf);
		return -1;
	}
	if (WEXITSTATUS(st))
		fprintf(stderr, "sandbox exit %d\n%s\n", WEXITSTATUS(st), s->proc.buf);
	return WEXITSTATUS(st);
}

/* libcurl body sink. */
static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct sbxt_resp *r = userp;
	size_t n = size * nmemb;
	char *b = realloc(r->body, r->len + n + 1);

	if (!b)
		return 0;
	r->body = b;
	memcpy(r->body + r->len, ptr, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* libcurl header sink (keeps the last response's headers). */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct sbxt_resp *r = userp;
	size_t n = size * nmemb;

	if (n >= 5 && !strncmp(ptr, "HTTP/", 5))
		r->hlen = 0;
	if (r->hlen + n < sizeof(r->headers)) {
		memcpy(r->headers + r->hlen, ptr, n);
		r->hlen += n;
		r->headers[r->hlen] = '\0';
	}
	return n;
}

int sbxt_http(struct sbxt_resp *r, const char *method, const char *url, const char *const *headers,
              const char *body)
{
	struct curl_slist *hl = NULL;
	CURL *c = curl_easy_init();
	size_t i;

	memset(r, 0, sizeof(*r));
	r->body = calloc(1, 1);
	if (!c || !r->body)
		return CURLE_OUT_OF_MEMORY;
	for (i = 0; headers && headers[i]; i++)
		hl = curl_slist_append(hl, headers[i]);
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	/* A fresh connection per request: a dropped connection must never hit the next one. */
	curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	r->curl_code = (int)curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return r->curl_code;
}

void sbxt_resp_free(struct sbxt_resp *r)
{
	free(r->body);
	r->body = NULL;
}

const char *sbxt_header(const struct sbxt_resp *r, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);
	const char *p = r->headers;

	while (p && *p) {
		if (!strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1;
			size_t len;

			while (*v == ' ')
				v++;
			len = strcspn(v, "\r\n");
			snprintf(out, n, "%.*s", (int)len, v);
			return out;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

long sbxt_api(struct sbxt *s, const char *token, const char *method, const char *path,
              const char *json, cJSON **out)
{
	char url[1024], auth[512];
	const char *hdrs[3] = {NULL, NULL, NULL};
	struct sbxt_resp r;
	size_t n = 0;
	long st;

	snprintf(url, sizeof(url), "%s%s", s->base, path);
	if (token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		hdrs[n++] = auth;
	}
	if (json)
		hdrs[n++] = "Content-Type: application/json";
	sbxt_http(&r, method, url, hdrs, json);
	st = r.status;
	if (out)
		*out = cJSON_Parse(r.body);
	sbxt_resp_free(&r);
	return st;
}

long sbxt_admin(struct sbxt *s, const char *method, const char *path, const char *json, cJSON **out)
{
	return sbxt_api(s, NULL, method, path, json, out);
}

double sbxt_num(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

const char *sbxt_str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : "";
}

cJSON *sbxt_data(const cJSON *o)
{
	return cJSON_GetObjectItemCaseSensitive(o, "data");
}

const char *sbxt_error_of(const cJSON *o, const char *field)
{
	const cJSON *errs = cJSON_GetObjectItemCaseSensitive(o, "errors");
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(errs, field);
	const cJSON *first = cJSON_IsArray(arr) ? cJSON_GetArrayItem(arr, 0) : NULL;

	return cJSON_IsString(first) ? first->valuestring : "";
}

int sbxt_oauth_token(struct sbxt *s, long user_id, char *access, size_t n)
{
	const char *form_hdr[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	char url[256], form[512], loc[1024], body[512];
	const char *code;
	struct sbxt_resp r;
	cJSON *j;
	int err = 0;

	snprintf(url, sizeof(url), "%s/oauth/authorize", s->base);
	snprintf(form, sizeof(form),
	         "client_id=loftdial-sandbox-client&redirect_uri=http%%3A%%2F%%2F127.0.0.1%%3A9%%"
	         "2Fcb"
	         "&response_type=code&state=s&decision=approve&user_id=%ld",
	         user_id);
	sbxt_http(&r, "POST", url, form_hdr, form);
	if (r.status != 302 || !sbxt_header(&r, "Location", loc, sizeof(loc)) ||
	    !(code = strstr(loc, "code="))) {
		sbxt_resp_free(&r);
		return EPROTO;
	}
	sbxt_resp_free(&r);
	code += 5;
	snprintf(body, sizeof(body),
	         "grant_type=authorization_code&client_id=loftdial-sandbox-client&client_secret="
	         "loftdial-sandbox-secret&redirect_uri=http%%3A%%2F%%2F127.0.0.1%%3A9%%2Fcb&code=%."
	         "*s",
	         (int)strcspn(code, "&"), code);
	snprintf(url, sizeof(url), "%s/oauth/token", s->base);
	sbxt_http(&r, "POST", url, form_hdr, body);
	j = cJSON_Parse(r.body);
	if (r.status != 200 || !*sbxt_str(j, "access_token"))
		err = EPROTO;
	else
		snprintf(access, n, "%s", sbxt_str(j, "access_token"));
	cJSON_Delete(j);
	sbxt_resp_free(&r);
	return err;
}

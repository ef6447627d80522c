/*
 * Integration test of the sandbox's OAuth server and Bearer checks, over real HTTP against a
 * spawned loftdial-sandbox: the consent page (hostile values escaped), the browser's form
 * POST, the redirect with code/context/scope/state, the token exchange (JSON and form
 * bodies, HTTP Basic), /v2/me, single-use codes, refresh rotation and revocation, expiry
 * from --token-ttl and from the admin API, client/redirect options, API keys.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "sbxtest.h"

#define CID    "loftdial-sandbox-client"
#define SECRET "loftdial-sandbox-secret"
#define REDIR  "http://127.0.0.1:9/callback"
#define STATE  "st\"><script>alert(1)</script>&x=1"

/* Percent-encodes s into out. */
static void enc(char *out, size_t n, const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);

	snprintf(out, n, "%s", e ? e : "");
	curl_free(e);
}

/* Decodes one query parameter of a URL into out; false when absent. */
static bool query_param(const char *url, const char *name, char *out, size_t n)
{
	const char *q = strchr(url, '?');
	size_t nl = strlen(name);

	while (q && *q) {
		q++;
		if (!strncmp(q, name, nl) && q[nl] == '=') {
			const char *v = q + nl + 1;
			int len = (int)strcspn(v, "&");
			int outlen = 0;
			char *d = curl_easy_unescape(NULL, v, len, &outlen);

			snprintf(out, n, "%s", d ? d : "");
			curl_free(d);
			return true;
		}
		q = strchr(q, '&');
	}
	return false;
}

/* Undoes the page's HTML escaping of an attribute value. */
static void html_unescape(char *s)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
	char *r = s, *w = s;

	while (*r) {
		size_t i;
		bool hit = false;

		for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
			size_t l = strlen(ents[i].ent);

			if (!strncmp(r, ents[i].ent, l)) {
				*w++ = ents[i].c;
				r += l;
				hit = true;
				break;
			}
		}
		if (!hit)
			*w++ = *r++;
	}
	*w = '\0';
}

/* Acts like a browser on the consent page: collects its hidden inputs and posts them back
 * with the chosen decision. Returns the 302's Location in loc. */
static long submit_consent(struct sbxt *s, const char *page, const char *decision, char *loc,
                           size_t locn)
{
	char form[4096] = "", url[256], val[1024], ev[3072];
	const char *p = page;
	struct sbxt_resp r;
	const char *hdrs[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	long st;

	while ((p = strstr(p, "<input type=\"hidden\" name=\"")) != NULL) {
		const char *name = p + strlen("<input type=\"hidden\" name=\"");
		const char *nend = strchr(name, '"');
		const char *v = strstr(nend, "value=\"") + 7;
		const char *vend = strchr(v, '"');

		snprintf(val, sizeof(val), "%.*s", (int)(vend - v), v);
		html_unescape(val);
		enc(ev, sizeof(ev), val);
		snprintf(form + strlen(form), sizeof(form) - strlen(form), "%s%.*s=%s",
		         form[0] ? "&" : "", (int)(nend - name), name, ev);
		p = vend;
	}
	snprintf(form + strlen(form), sizeof(form) - strlen(form), "&decision=%s", decision);
	snprintf(url, sizeof(url), "%s/oauth/authorize", s->base);
	sbxt_http(&r, "POST", url, hdrs, form);
	st = r.status;
	if (!sbxt_header(&r, "Location", loc, locn))
		loc[0] = '\0';
	sbxt_resp_free(&r);
	return st;
}

/* Fetches the consent page for the given parameters. */
static long consent_page(struct sbxt *s, const char *client_id, const char *redirect,
                         const char *state, struct sbxt_resp *r)
{
	char url[2048], e1[256], e2[512], e3[512];

	enc(e1, sizeof(e1), client_id);
	enc(e2, sizeof(e2), redirect);
	enc(e3, sizeof(e3), state);
	snprintf(url, sizeof(url),
	         "%s/oauth/authorize?client_id=%s&redirect_uri=%s&response_type=code&state=%s"
	         "&scope=people%%3Aread%%20calls%%3Awrite",
	         s->base, e1, e2, e3);
	sbxt_http(r, "GET", url, NULL, NULL);
	return r->status;
}

/* Runs authorize → approve and returns the code. */
static void get_code(struct sbxt *s, const char *client_id, const char *redirect, char *code,
                     size_t n)
{
	struct sbxt_resp r;
	char loc[2048];

	assert_int_equal(consent_page(s, client_id, redirect, "s1", &r), 200);
	assert_int_equal(submit_consent(s, r.body, "approve", loc, sizeof(loc)), 302);
	sbxt_resp_free(&r);
	assert_true(query_param(loc, "code", code, n));
}

/* POSTs to /oauth/token with a JSON or form body; returns the status and the parsed body. */
static long token_call(struct sbxt *s, const char *body, bool json, cJSON **out)
{
	char url[256];
	const char *hdrs[] = {json ? "Content-Type: application/json"
	                           : "Content-Type: application/x-www-form-urlencoded",
	                      NULL};
	struct sbxt_resp r;
	long st;

	snprintf(url, sizeof(url), "%s/oauth/token", s->base);
	sbxt_http(&r, "POST", url, hdrs, body);
	st = r.status;
	*out = cJSON_Parse(r.body);
	sbxt_resp_free(&r);
	return st;
}

/* Exchanges a code (JSON body) for tokens. */
static long exchange(struct sbxt *s, const char *client_id, const char *secret, const char *code,
                     const char *redirect, cJSON **out)
{
	char body[1024];

	snprintf(body, sizeof(body),
	         "{\"grant_type\":\"authorization_code\",\"client_id\":\"%s\",\"client_secret\":"
	         "\"%s\",\"code\":\"%s\",\"redirect_uri\":\"%s\"}",
	         client_id, secret, code, redirect);
	return token_call(s, body, true, out);
}

static void test_full_flow(void **state)
{
	struct sbxt s;
	struct sbxt_resp r;
	char loc[2048], code[64], v[512], body[1024], access[128], refresh[128];
	cJSON *j = NULL, *me = NULL;

	assert_int_equal(sbxt_start(&s, NULL), 0);

	/* The consent page escapes every echoed value and never carries raw markup. */
	assert_int_equal(consent_page(&s, CID, REDIR, STATE, &r), 200);
	assert_non_null(sbxt_header(&r, "Content-Type", v, sizeof(v)));
	assert_non_null(strstr(v, "text/html"));
	assert_null(strstr(r.body, "<script>"));
	assert_non_null(
	        strstr(r.body, "st&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;x=1"));
	assert_non_null(strstr(r.body, "id=\"approve\""));

	/* Approve: 302 to the redirect with code, context, scope and the state echoed. */
	assert_int_equal(submit_consent(&s, r.body, "approve", loc, sizeof(loc)), 302);
	assert_int_equal(strncmp(loc, REDIR "?", strlen(REDIR) + 1), 0);
	assert_true(query_param(loc, "code", code, sizeof(code)));
	assert_int_equal(strlen(code), 32);
	assert_true(query_param(loc, "context", v, sizeof(v)));
	assert_true(v[0] != '\0');
	assert_true(query_param(loc, "scope", v, sizeof(v)));
	assert_string_equal(v, "people:read calls:write");
	assert_true(query_param(loc, "state", v, sizeof(v)));
	assert_string_equal(v, STATE);

	/* Deny: 302 with error=access_denied and the state. */
	assert_int_equal(submit_consent(&s, r.body, "deny", loc, sizeof(loc)), 302);
	assert_true(query_param(loc, "error", v, sizeof(v)));
	assert_string_equal(v, "access_denied");
	assert_false(query_param(loc, "code", v, sizeof(v)));
	assert_true(query_param(loc, "state", v, sizeof(v)));
	assert_string_equal(v, STATE);
	sbxt_resp_free(&r);

	/* Token exchange (JSON body). */
	assert_int_equal(exchange(&s, CID, SECRET, code, REDIR, &j), 200);
	assert_string_equal(sbxt_str(j, "token_type"), "bearer");
	assert_int_equal((int)sbxt_num(j, "expires_in"), 7200);
	assert_true(sbxt_num(j, "created_at") > 1600000000);
	assert_string_equal(sbxt_str(j, "scope"), "people:read calls:write");
	snprintf(access, sizeof(access), "%s", sbxt_str(j, "access_token"));
	snprintf(refresh, sizeof(refresh), "%s", sbxt_str(j, "refresh_token"));
	assert_int_equal(strlen(access), 64);
	assert_int_equal(strlen(refresh), 64);
	cJSON_Delete(j);

	/* The token works on /v2/me, as the admin user who consented. */
	assert_int_equal(sbxt_api(&s, access, "GET", "/v2/me", NULL, &me), 200);
	assert_int_equal((int)sbxt_num(sbxt_data(me), "id"), 1);
	cJSON_Delete(me);
	assert_int_equal(sbxt_api(&s, access, "GET", "/v2/me.json", NULL, NULL), 200);

	/* The code is single-use. */
	assert_int_equal(exchange(&s, CID, SECRET, code, REDIR, &j), 400);
	assert_string_equal(sbxt_str(j, "error"), "invalid_grant");
	assert_non_null(strstr(sbxt_str(j, "error_description"), "revoked"));
	cJSON_Delete(j);

	/* Refresh (form-encoded, as Airbyte sends it): new pair, old refresh revoked. */
	snprintf(body, sizeof(body),
	         "grant_type=refresh_token&client_id=%s&client_secret=%s&refresh_token=%s", CID,
	         SECRET, refresh);
	assert_int_equal(token_call(&s, body, false, &j), 200);
	assert_string_not_equal(sbxt_str(j, "refresh_token"), refresh);
	assert_string_not_equal(sbxt_str(j, "access_token"), access);
	assert_int_equal(sbxt_api(&s, sbxt_str(j, "access_token"), "GET", "/v2/me", NULL, NULL),
	                 200);
	/* The replaced access token is revoked with its refresh token (Doorkeeper's way). */
	assert_int_equal(sbxt_api(&s, access, "GET", "/v2/me", NULL, &me), 401);
	assert_true(sbxt_str(me, "error")[0] != '\0');
	cJSON_Delete(me);
	snprintf(access, sizeof(access), "%s", sbxt_str(j, "access_token"));
	cJSON_Delete(j);
	assert_int_equal(token_call(&s, body, false, &j), 400);
	assert_string_equal(sbxt_str(j, "error"), "invalid_grant");
	assert_true(sbxt_str(j, "error_description")[0] != '\0');
	cJSON_Delete(j);
	/* The reuse did not disturb the new access token. */
	assert_int_equal(sbxt_api(&s, access, "GET", "/v2/me", NULL, NULL), 200);

	/* Admin "token expiry now": the same token is now expired. */
	assert_int_equal(sbxt_admin(&s, "POST", "/_sandbox/tokens/expire", NULL, &j), 200);
	assert_true(sbxt_num(j, "expired") >= 1);
	cJSON_Delete(j);
	assert_int_equal(sbxt_api(&s, access, "GET", "/v2/me", NULL, &me), 401);
	assert_non_null(strstr(sbxt_str(me, "error"), "expired"));
	cJSON_Delete(me);

	assert_int_equal(sbxt_stop(&s), 0);
}

static void test_errors_and_keys(void **state)
{
	struct sbxt s;
	struct sbxt_resp r;
	char v[512], url[512], code[64];
	cJSON *j = NULL;
	const char *basic[] = {"Content-Type: application/x-www-form-urlencoded",
	                       "Authorization: Basic bG9mdGRpYWwtc2FuZGJveC1jbGllbnQ6bG9mdGRpYWwtc2"
	                       "FuZGJveC1zZWNyZXQ=",
	                       NULL};

	assert_int_equal(sbxt_start(&s, NULL), 0);
	/* Unknown client and foreign redirect: an error page, never a redirect. */
	assert_int_equal(consent_page(&s, "stranger", REDIR, "x", &r), 400);
	assert_null(sbxt_header(&r, "Location", v, sizeof(v)));
	assert_non_null(strstr(r.body, "id=\"error\""));
	sbxt_resp_free(&r);
	assert_int_equal(consent_page(&s, CID, "http://evil.example/cb", "x", &r), 400);
	assert_null(sbxt_header(&r, "Location", v, sizeof(v)));
	sbxt_resp_free(&r);
	/* A forged form POST is checked as strictly as the page. */
	snprintf(url, sizeof(url), "%s/oauth/authorize", s.base);
	sbxt_http(&r, "POST", url, basic,
	          "client_id=" CID "&redirect_uri=http%3A%2F%2Fevil.example%2F&response_type=code"
	          "&decision=approve");
	assert_int_equal(r.status, 400);
	assert_null(sbxt_header(&r, "Location", v, sizeof(v)));
	sbxt_resp_free(&r);

	/* A code must be exchanged with the redirect it was issued for. */
	get_code(&s, CID, REDIR, code, sizeof(code));
	assert_int_equal(exchange(&s, CID, SECRET, code, "http://127.0.0.1:9/other", &j), 400);
	assert_string_equal(sbxt_str(j, "error"), "invalid_grant");
	cJSON_Delete(j);
	get_code(&s, CID, REDIR, code, sizeof(code));
	assert_int_equal(exchange(&s, CID, "wrong-secret", code, REDIR, &j), 401);
	assert_string_equal(sbxt_str(j, "error"), "invalid_client");
	cJSON_Delete(j);
	assert_int_equal(token_call(&s, "{\"grant_type\":\"password\"}", true, &j), 400);
	assert_string_equal(sbxt_str(j, "error"), "unsupported_grant_type");
	cJSON_Delete(j);
	assert_int_equal(token_call(&s, "{not json", true, &j), 400);
	assert_string_equal(sbxt_str(j, "error"), "invalid_request");
	cJSON_Delete(j);

	/* Client credentials over HTTP Basic: an access token and no refresh token. */
	snprintf(url, sizeof(url), "%s/oauth/token", s.base);
	sbxt_http(&r, "POST", url, basic, "grant_type=client_credentials");
	assert_int_equal(r.status, 200);
	j = cJSON_Parse(r.body);
	assert_null(cJSON_GetObjectItem(j, "refresh_token"));
	assert_int_equal(sbxt_api(&s, sbxt_str(j, "access_token"), "GET", "/v2/me", NULL, NULL),
	                 200);
	cJSON_Delete(j);
	sbxt_resp_free(&r);

	/* Bearer errors: none, unknown, and the API key. */
	assert_int_equal(sbxt_api(&s, NULL, "GET", "/v2/me", NULL, &j), 401);
	assert_non_null(strstr(sbxt_str(j, "error"), "No Bearer Token"));
	cJSON_Delete(j);
	assert_int_equal(sbxt_api(&s, "0000", "GET", "/v2/me", NULL, &j), 401);
	assert_non_null(strstr(sbxt_str(j, "error"), "invalid"));
	cJSON_Delete(j);
	assert_int_equal(sbxt_api(&s, SBXT_API_KEY, "GET", "/v2/me", NULL, &j), 200);
	assert_int_equal((int)sbxt_num(sbxt_data(j), "id"), 1);
	cJSON_Delete(j);
	assert_int_equal(sbxt_stop(&s), 0);
}

static void test_options_and_ttl(void **state)
{
	const char *args[] = {"--token-ttl",
	                      "2",
	                      "--client-id",
	                      "my-app",
	                      "--client-secret",
	                      "s3cret",
	                      "--redirect-uri",
	                      "https://app.example/cb",
	                      "--api-key",
	                      "ak_custom",
	                      NULL};
	struct sbxt s;
	struct sbxt_resp r;
	char code[64], access[128];
	cJSON *j = NULL;
	unsigned long long deadline;
	long st = 0;

	assert_int_equal(sbxt_start(&s, args), 0);
	/* With --redirect-uri only that exact URI is accepted; loopback ones are not. */
	assert_int_equal(consent_page(&s, "my-app", REDIR, "x", &r), 400);
	sbxt_resp_free(&r);
	assert_int_equal(consent_page(&s, CID, "https://app.example/cb", "x", &r), 400);
	sbxt_resp_free(&r);
	get_code(&s, "my-app", "https://app.example/cb", code, sizeof(code));
	assert_int_equal(exchange(&s, "my-app", "s3cret", code, "https://app.example/cb", &j), 200);
	assert_int_equal((int)sbxt_num(j, "expires_in"), 2);
	snprintf(access, sizeof(access), "%s", sbxt_str(j, "access_token"));
	cJSON_Delete(j);
	/* The API key option replaces the default key. */
	assert_int_equal(sbxt_api(&s, "ak_custom", "GET", "/v2/me", NULL, NULL), 200);
	assert_int_equal(sbxt_api(&s, SBXT_API_KEY, "GET", "/v2/me", NULL, NULL), 401);
	/* The token expires on its own after --token-ttl: poll with a deadline. */
	deadline = tl_now_ms() + 15000;
	while (tl_now_ms() < deadline) {
		st = sbxt_api(&s, access, "GET", "/v2/me", NULL, &j);
		if (st == 401)
			break;
		cJSON_Delete(j);
		j = NULL;
		usleep(200 * 1000);
	}
	assert_int_equal(st, 401);
	assert_non_null(strstr(sbxt_str(j, "error"), "expired"));
	cJSON_Delete(j);
	assert_int_equal(sbxt_stop(&s), 0);
}

static void test_tokens_survive_restart(void **state)
{
	char dir[256], path[300], access[128], refresh[128], body[512];
	const char *args[] = {"--state", path, NULL};
	struct sbxt s;
	cJSON *j = NULL;
	char code[64];

	assert_int_equal(tl_tmpdir(dir, sizeof(dir), "sbx-oauth-state"), 0);
	snprintf(path, sizeof(path), "%s/org.db", dir);
	assert_int_equal(sbxt_start(&s, args), 0);
	get_code(&s, CID, REDIR, code, sizeof(code));
	assert_int_equal(exchange(&s, CID, SECRET, code, REDIR, &j), 200);
	snprintf(access, sizeof(access), "%s", sbxt_str(j, "access_token"));
	snprintf(refresh, sizeof(refresh), "%s", sbxt_str(j, "refresh_token"));
	cJSON_Delete(j);
	assert_int_equal(sbxt_stop(&s), 0);

	/* Same state file, new process: the access token and the refresh token still work. */
	assert_int_equal(sbxt_start(&s, args), 0);
	assert_int_equal(sbxt_api(&s, access, "GET", "/v2/me", NULL, NULL), 200);
	snprintf(body, sizeof(body),
	         "grant_type=refresh_token&client_id=%s&client_secret=%s&refresh_token=%s", CID,
	         SECRET, refresh);
	assert_int_equal(token_call(&s, body, false, &j), 200);
	cJSON_Delete(j);
	assert_int_equal(token_call(&s, body, false, &j), 400);
	cJSON_Delete(j);
	assert_int_equal(sbxt_stop(&s), 0);
	tl_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_full_flow),
	        cmocka_unit_test(test_errors_and_keys),
	        cmocka_unit_test(test_options_and_ttl),
	        cmocka_unit_test(test_tokens_survive_restart),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}

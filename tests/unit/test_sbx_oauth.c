/*
 * Unit tests for the sandbox's OAuth state (sbx_oauth): redirect URI rules on hostile input,
 * authorization checks, single-use codes, refresh-token rotation and revocation, access-token
 * expiry, the API key, and pruning over many refreshes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sbx_oauth.h"

#define S      1000000LL /* one second in microseconds */
#define T0     (1700000000LL * S)
#define REDIR  "http://127.0.0.1:8123/callback"
#define CID    SBX_OAUTH_DEFAULT_CLIENT_ID
#define SECRET SBX_OAUTH_DEFAULT_CLIENT_SECRET

static struct sbx_oauth *make(bool keep_old_access, const char *api_key)
{
	struct sbx_oauth_cfg cfg;
	struct sbx_oauth *o = NULL;

	sbx_oauth_cfg_default(&cfg);
	cfg.keep_old_access = keep_old_access;
	if (api_key)
		snprintf(cfg.api_key, sizeof(cfg.api_key), "%s", api_key);
	assert_int_equal(sbx_oauth_new(&o, &cfg), 0);
	return o;
}

/* Runs the code flow once and returns the grant. */
static void code_flow(struct sbx_oauth *o, int64_t now, struct sbx_oauth_grant *g)
{
	struct sbx_oauth_token_req rq = {
	        "authorization_code", CID, SECRET, NULL, REDIR, NULL, NULL};
	char code[SBX_OAUTH_CODE_LEN + 1];
	const char *e, *d;

	assert_int_equal(sbx_oauth_code_issue(o, REDIR, "people:read", 3, now, code, sizeof(code)),
	                 0);
	rq.code = code;
	assert_int_equal(sbx_oauth_token(o, &rq, now, g, &e, &d), 200);
}

static void test_random_hex(void **state)
{
	char a[65], b[65], small[8];
	size_t i;

	assert_int_equal(sbx_oauth_random_hex(NULL, 65, 32), EINVAL);
	assert_int_equal(sbx_oauth_random_hex(a, 65, 0), EINVAL);
	assert_int_equal(sbx_oauth_random_hex(small, sizeof(small), 4), EINVAL);
	assert_int_equal(sbx_oauth_random_hex(a, 65, 65), EINVAL);
	assert_int_equal(sbx_oauth_random_hex(a, sizeof(a), 32), 0);
	assert_int_equal(sbx_oauth_random_hex(b, sizeof(b), 32), 0);
	assert_int_equal(strlen(a), 64);
	for (i = 0; i < 64; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	assert_string_not_equal(a, b);
}

struct redirect_row {
	const char *fixed; /* configured redirect, "" for the loopback rule */
	const char *uri;
	bool ok;
};

static const struct redirect_row redirect_rows[] = {
        {"", NULL, false},
        {"", "", false},
        {"", "http://127.0.0.1/cb", true},
        {"", "http://127.0.0.1:8123/callback?x=1", true},
        {"", "http://localhost:9/", true},
        {"", "http://[::1]:65535/cb", true},
        {"", "http://127.0.0.1", true},
        {"", "http://127.0.0.1:", false},
        {"", "http://127.0.0.1:123456/", false},
        {"", "https://127.0.0.1/cb", false},
        {"", "http://127.0.0.1.evil.com/cb", false},
        {"", "http://127.0.0.1@evil.com/cb", false},
        {"", "http://localhostevil/", false},
        {"", "http://example.com/cb", false},
        {"", "http://127.0.0.1/cb#frag", false},
        {"", "http://127.0.0.1/cb\r\nSet-Cookie: x=1", false},
        {"", "http://127.0.0.1/c b", false},
        {"", "http://127.0.0.1/\"><script>", false},
        {"", "http://127.0.0.1/\xc3\xa9", false},
        {"", "javascript:alert(1)", false},
        {"https://app.example/cb", "https://app.example/cb", true},
        {"https://app.example/cb", "https://app.example/cb2", false},
        {"https://app.example/cb", "http://127.0.0.1/cb", false},
};

static void test_redirect_ok(void **state)
{
	struct sbx_oauth_cfg cfg;
	size_t i;

	assert_false(sbx_oauth_redirect_ok(NULL, "http://127.0.0.1/"));
	for (i = 0; i < sizeof(redirect_rows) / sizeof(redirect_rows[0]); i++) {
		sbx_oauth_cfg_default(&cfg);
		snprintf(cfg.redirect_uri, sizeof(cfg.redirect_uri), "%s", redirect_rows[i].fixed);
		if (sbx_oauth_redirect_ok(&cfg, redirect_rows[i].uri) != redirect_rows[i].ok)
			fail_msg("row %zu (%s): expected %d", i,
			         redirect_rows[i].uri ? redirect_rows[i].uri : "NULL",
			         redirect_rows[i].ok);
	}
}

static void test_check_authorize(void **state)
{
	struct sbx_oauth *o = make(false, NULL);
	const char *msg = NULL;

	assert_int_equal(sbx_oauth_check_authorize(NULL, CID, REDIR, "code", &msg), EINVAL);
	assert_int_equal(sbx_oauth_check_authorize(o, NULL, REDIR, "code", &msg), EINVAL);
	assert_non_null(msg);
	assert_int_equal(sbx_oauth_check_authorize(o, "other", REDIR, "code", &msg), EINVAL);
	assert_int_equal(sbx_oauth_check_authorize(o, CID, "http://evil.com/", "code", &msg),
	                 EINVAL);
	assert_int_equal(sbx_oauth_check_authorize(o, CID, REDIR, "token", &msg), EINVAL);
	assert_int_equal(sbx_oauth_check_authorize(o, CID, REDIR, NULL, &msg), EINVAL);
	assert_int_equal(sbx_oauth_check_authorize(o, CID, REDIR, "code", &msg), 0);
	assert_null(msg);
	assert_int_equal(sbx_oauth_check_authorize(o, CID, REDIR, "code", NULL), 0);
	sbx_oauth_free(o);
	sbx_oauth_free(NULL);
}

/* Each row: a token request after one code was issued for REDIR; the expected status and
 * error. The code is substituted for "CODE". */
struct token_row {
	const char *grant_type, *client_id, *secret, *code, *redirect;
	int64_t at; /* seconds after issue */
	int status;
	const char *error;
};

static const struct token_row token_rows[] = {
        {NULL, CID, SECRET, "CODE", REDIR, 0, 400, "invalid_request"},
        {"", CID, SECRET, "CODE", REDIR, 0, 400, "invalid_request"},
        {"password", CID, SECRET, "CODE", REDIR, 0, 400, "unsupported_grant_type"},
        {"authorization_code", NULL, SECRET, "CODE", REDIR, 0, 401, "invalid_client"},
        {"authorization_code", CID, NULL, "CODE", REDIR, 0, 401, "invalid_client"},
        {"authorization_code", CID, "wrong", "CODE", REDIR, 0, 401, "invalid_client"},
        {"authorization_code", CID "x", SECRET, "CODE", REDIR, 0, 401, "invalid_client"},
        {"authorization_code", CID, SECRET, NULL, REDIR, 0, 400, "invalid_request"},
        {"authorization_code", CID, SECRET, "CODE", NULL, 0, 400, "invalid_request"},
        {"authorization_code", CID, SECRET, "0000", REDIR, 0, 400, "invalid_grant"},
        {"authorization_code", CID, SECRET, "CODE", REDIR "x", 0, 400, "invalid_grant"},
        {"authorization_code", CID, SECRET, "CODE", REDIR, 600, 400, "invalid_grant"},
        {"authorization_code", CID, SECRET, "CODE", REDIR, 599, 200, NULL},
        {"authorization_code", CID, SECRET, "CODE", REDIR, 0, 200, NULL},
};

static void test_token_code_table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(token_rows) / sizeof(token_rows[0]); i++) {
		const struct token_row *r = &token_rows[i];
		struct sbx_oauth *o = make(false, NULL);
		struct sbx_oauth_token_req rq = {r->grant_type, r->client_id, r->secret, NULL,
		                                 r->redirect,   NULL,         NULL};
		struct sbx_oauth_grant g;
		char code[SBX_OAUTH_CODE_LEN + 1];
		const char *e = NULL, *d = NULL;
		int st;

		assert_int_equal(sbx_oauth_code_issue(o, REDIR, "", 3, T0, code, sizeof(code)), 0);
		assert_int_equal(strlen(code), SBX_OAUTH_CODE_LEN);
		rq.code = r->code && !strcmp(r->code, "CODE") ? code : r->code;
		st = sbx_oauth_token(o, &rq, T0 + r->at * S, &g, &e, &d);
		if (st != r->status)
			fail_msg("row %zu: status %d, expected %d", i, st, r->status);
		if (r->error) {
			assert_string_equal(e, r->error);
			assert_non_null(d);
		} else {
			assert_null(e);
			assert_int_equal(strlen(g.access_token), SBX_OAUTH_TOKEN_LEN);
			assert_int_equal(strlen(g.refresh_token), SBX_OAUTH_TOKEN_LEN);
			assert_string_equal(g.scope, "default");
			assert_int_equal(g.user_id, 3);
			assert_int_equal(g.expires_in, 7200);
			assert_int_equal(g.created_at, (T0 + r->at * S) / S);
		}
		sbx_oauth_free(o);
	}
}

static void test_code_single_use(void **state)
{
	struct sbx_oauth *o = make(false, NULL);
	struct sbx_oauth_token_req rq = {
	        "authorization_code", CID, SECRET, NULL, REDIR, NULL, NULL};
	struct sbx_oauth_grant g;
	char code[SBX_OAUTH_CODE_LEN + 1];
	const char *e, *d;
	int64_t user = 0;

	assert_int_equal(sbx_oauth_code_issue(NULL, REDIR, "", 1, T0, code, sizeof(code)), EINVAL);
	assert_int_equal(sbx_oauth_code_issue(o, REDIR, "", 1, T0, code, 8), EINVAL);
	assert_int_equal(sbx_oauth_code_issue(o, REDIR, "a b", 2, T0, code, sizeof(code)), 0);
	rq.code = code;
	assert_int_equal(sbx_oauth_token(o, &rq, T0, &g, &e, &d), 200);
	assert_string_equal(g.scope, "a b");
	assert_int_equal(sbx_oauth_check_bearer(o, g.access_token, T0, &user), 0);
	assert_int_equal(user, 2);
	/* The second exchange of the same code fails and leaves the first token alone. */
	assert_int_equal(sbx_oauth_token(o, &rq, T0, &g, &e, &d), 400);
	assert_string_equal(e, "invalid_grant");
	assert_non_null(strstr(d, "revoked"));
	/* A wrong redirect burns the code too. */
	assert_int_equal(sbx_oauth_code_issue(o, REDIR, "", 2, T0, code, sizeof(code)), 0);
	rq.redirect_uri = "http://127.0.0.1:8123/other";
	assert_int_equal(sbx_oauth_token(o, &rq, T0, &g, &e, &d), 400);
	rq.redirect_uri = REDIR;
	assert_int_equal(sbx_oauth_token(o, &rq, T0, &g, &e, &d), 400);
	sbx_oauth_free(o);
}

static void test_refresh_rotation(void **state)
{
	int modes[2] = {0, 1};
	size_t m;

	for (m = 0; m < 2; m++) {
		bool keep = modes[m];
		struct sbx_oauth *o = make(keep, NULL);
		struct sbx_oauth_token_req rq = {
		        "refresh_token", CID, SECRET, NULL, NULL, NULL, NULL};
		struct sbx_oauth_grant g1, g2, g3;
		const char *e, *d;
		int64_t user = 0;

		code_flow(o, T0, &g1);
		rq.refresh_token = g1.refresh_token;
		assert_int_equal(sbx_oauth_token(o, &rq, T0 + 10 * S, &g2, &e, &d), 200);
		assert_string_not_equal(g2.refresh_token, g1.refresh_token);
		assert_string_not_equal(g2.access_token, g1.access_token);
		assert_string_equal(g2.scope, "people:read");
		assert_int_equal(g2.user_id, 3);
		assert_int_equal(sbx_oauth_check_bearer(o, g2.access_token, T0 + 10 * S, &user), 0);
		assert_int_equal(sbx_oauth_check_bearer(o, g1.access_token, T0 + 10 * S, NULL),
		                 keep ? 0 : EACCES);
		/* The old refresh token is revoked: reuse → invalid_grant, and it does not
		 * disturb the new pair. */
		assert_int_equal(sbx_oauth_token(o, &rq, T0 + 11 * S, &g3, &e, &d), 400);
		assert_string_equal(e, "invalid_grant");
		assert_int_equal(sbx_oauth_check_bearer(o, g2.access_token, T0 + 11 * S, NULL), 0);
		/* The new refresh token works once more; a wrong secret never does. */
		rq.refresh_token = g2.refresh_token;
		rq.client_secret = "nope";
		assert_int_equal(sbx_oauth_token(o, &rq, T0 + 12 * S, &g3, &e, &d), 401);
		rq.client_secret = SECRET;
		assert_int_equal(sbx_oauth_token(o, &rq, T0 + 12 * S, &g3, &e, &d), 200);
		rq.refresh_token = NULL;
		assert_int_equal(sbx_oauth_token(o, &rq, T0 + 12 * S, &g3, &e, &d), 400);
		assert_string_equal(e, "invalid_request");
		sbx_oauth_free(o);
	}
}

static void test_bearer_and_expiry(void **state)
{
	struct sbx_oauth *o = make(false, "ak_secret");
	struct sbx_oauth_grant g;
	int64_t user = 0;
	unsigned codes, live, refresh;

	assert_int_equal(sbx_oauth_check_bearer(NULL, "x", T0, &user), EACCES);
	assert_int_equal(sbx_oauth_check_bearer(o, NULL, T0, &user), EACCES);
	assert_int_equal(sbx_oauth_check_bearer(o, "", T0, &user), EACCES);
	assert_int_equal(sbx_oauth_check_bearer(o, "ak_secre", T0, &user), EACCES);
	assert_int_equal(sbx_oauth_check_bearer(o, "ak_secret2", T0, &user), EACCES);
	assert_int_equal(sbx_oauth_check_bearer(o, "ak_secret", T0, &user), 0);
	assert_int_equal(user, 1);

	code_flow(o, T0, &g);
	assert_int_equal(sbx_oauth_check_bearer(o, g.access_token, T0 + 7199 * S, &user), 0);
	assert_int_equal(sbx_oauth_check_bearer(o, g.access_token, T0 + 7200 * S, &user),
	                 EKEYEXPIRED);
	/* A shorter TTL applies to tokens issued afterwards. */
	sbx_oauth_set_ttl(o, 2);
	code_flow(o, T0, &g);
	assert_int_equal(g.expires_in, 2);
	assert_int_equal(sbx_oauth_check_bearer(o, g.access_token, T0 + 1 * S, NULL), 0);
	assert_int_equal(sbx_oauth_check_bearer(o, g.access_token, T0 + 2 * S, NULL), EKEYEXPIRED);
	/* Expire-all ends every live access token but not refresh tokens or the API key. */
	sbx_oauth_set_ttl(o, 7200);
	code_flow(o, T0, &g);
	sbx_oauth_stats(o, T0, &codes, &live, &refresh);
	assert_int_equal(codes, 0);
	assert_int_equal(live, 3);
	assert_int_equal(refresh, 3);
	assert_int_equal(sbx_oauth_expire_all(o, T0 + S), 3);
	assert_int_equal(sbx_oauth_check_bearer(o, g.access_token, T0 + S, NULL), EKEYEXPIRED);
	assert_int_equal(sbx_oauth_check_bearer(o, "ak_secret", T0 + S, NULL), 0);
	sbx_oauth_stats(o, T0 + S, NULL, &live, &refresh);
	assert_int_equal(live, 0);
	assert_int_equal(refresh, 3);
	assert_int_equal(sbx_oauth_expire_all(NULL, T0), 0);
	sbx_oauth_free(o);
}

static void test_client_credentials(void **state)
{
	struct sbx_oauth *o = make(false, NULL);
	struct sbx_oauth_token_req rq = {"client_credentials", CID, SECRET, NULL, NULL, NULL, NULL};
	struct sbx_oauth_grant g;
	const char *e, *d;
	int64_t user = 0;

	assert_int_equal(sbx_oauth_token(o, &rq, T0, &g, &e, &d), 200);
	assert_string_equal(g.refresh_token, "");
	assert_int_equal(sbx_oauth_check_bearer(o, g.access_token, T0, &user), 0);
	assert_int_equal(user, 1);
	/* No API key configured: the default key string is not accepted either. */
	assert_int_equal(sbx_oauth_check_bearer(o, "", T0, &user), EACCES);
	/* An empty refresh token never matches a client-credentials grant. */
	rq.grant_type = "refresh_token";
	rq.refresh_token = "";
	assert_int_equal(sbx_oauth_token(o, &rq, T0, &g, &e, &d), 400);
	sbx_oauth_free(o);
}

static void test_many_refreshes_pruned(void **state)
{
	struct sbx_oauth *o = make(false, NULL);
	struct sbx_oauth_token_req rq = {"refresh_token", CID, SECRET, NULL, NULL, NULL, NULL};
	struct sbx_oauth_grant g, next;
	char first[SBX_OAUTH_TOKEN_LEN + 1];
	const char *e, *d;
	unsigned live, refresh, i;

	code_flow(o, T0, &g);
	snprintf(first, sizeof(first), "%s", g.refresh_token);
	for (i = 0; i < 2000; i++) {
		rq.refresh_token = g.refresh_token;
		assert_int_equal(sbx_oauth_token(o, &rq, T0 + i * S, &next, &e, &d), 200);
		g = next;
	}
	sbx_oauth_stats(o, T0 + i * S, NULL, &live, &refresh);
	assert_int_equal(live, 1);
	assert_int_equal(refresh, 1);
	rq.refresh_token = first;
	assert_int_equal(sbx_oauth_token(o, &rq, T0 + i * S, &next, &e, &d), 400);
	sbx_oauth_free(o);
}

/* Collects saved grants into a second table. */
static void copy_grant(const struct sbx_oauth_saved *g, void *arg)
{
	assert_int_equal(sbx_oauth_restore(arg, g), 0);
}

static void test_save_restore(void **state)
{
	struct sbx_oauth *a = make(false, NULL), *b = make(false, NULL);
	struct sbx_oauth_token_req rq = {"refresh_token", CID, SECRET, NULL, NULL, NULL, NULL};
	struct sbx_oauth_grant g1, g2, g3;
	struct sbx_oauth_saved bad = {"xyz", "", "s", 1, T0, false, false};
	const char *e, *d;
	unsigned live, refresh;
	int64_t user = 0;

	assert_int_equal(sbx_oauth_restore(b, &bad), EINVAL);
	assert_int_equal(sbx_oauth_restore(NULL, &bad), EINVAL);
	bad.access = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeF";
	assert_int_equal(sbx_oauth_restore(b, &bad), EINVAL);
	code_flow(a, T0, &g1);
	rq.refresh_token = g1.refresh_token;
	assert_int_equal(sbx_oauth_token(a, &rq, T0, &g2, &e, &d), 200);
	/* Only the usable grant is saved: the first one is dead on both counts. */
	sbx_oauth_foreach(a, T0, copy_grant, b);
	sbx_oauth_stats(b, T0, NULL, &live, &refresh);
	assert_int_equal(live, 1);
	assert_int_equal(refresh, 1);
	assert_int_equal(sbx_oauth_check_bearer(b, g2.access_token, T0, &user), 0);
	assert_int_equal(user, 3);
	assert_int_equal(sbx_oauth_check_bearer(b, g1.access_token, T0, NULL), EACCES);
	/* The restored refresh token rotates as before. */
	rq.refresh_token = g2.refresh_token;
	assert_int_equal(sbx_oauth_token(b, &rq, T0, &g3, &e, &d), 200);
	assert_int_equal(sbx_oauth_token(b, &rq, T0, &g3, &e, &d), 400);
	sbx_oauth_foreach(NULL, T0, copy_grant, b);
	sbx_oauth_free(a);
	sbx_oauth_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_random_hex),
	        cmocka_unit_test(test_redirect_ok),
	        cmocka_unit_test(test_check_authorize),
	        cmocka_unit_test(test_token_code_table),
	        cmocka_unit_test(test_code_single_use),
	        cmocka_unit_test(test_refresh_rotation),
	        cmocka_unit_test(test_bearer_and_expiry),
	        cmocka_unit_test(test_client_credentials),
	        cmocka_unit_test(test_many_refreshes_pruned),
	        cmocka_unit_test(test_save_restore),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

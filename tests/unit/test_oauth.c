/*
 * oauth: state, authorize URL, redirect parsing (listener and --paste input), token bodies
 * and token answers; plus the redirect URI parser of the loopback listener.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/oauth.h"
#include "loftdial/oauth_listen.h"

static void test_state(void **state)
{
	char a[OAUTH_STATE_LEN + 1], b[OAUTH_STATE_LEN + 1];
	size_t i;

	assert_int_equal(oauth_random_state(a, 5), EINVAL);
	assert_int_equal(oauth_random_state(a, sizeof(a)), 0);
	assert_int_equal(oauth_random_state(b, sizeof(b)), 0);
	assert_int_equal(strlen(a), OAUTH_STATE_LEN);
	for (i = 0; i < OAUTH_STATE_LEN; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	assert_string_not_equal(a, b);
	assert_true(oauth_state_ok(a, a));
	assert_false(oauth_state_ok(a, b));
	assert_false(oauth_state_ok(a, ""));
	assert_false(oauth_state_ok("", ""));
	assert_false(oauth_state_ok(a, NULL));
	b[5] = '\0';
	assert_false(oauth_state_ok(a, b));
}

static void test_authorize_url(void **state)
{
	char url[512];

	assert_int_equal(oauth_authorize_url(url, sizeof(url), "https://accounts.salesloft.com",
	                                     "cid", "http://127.0.0.1:8765/callback", "st8", NULL),
	                 0);
	assert_string_equal(url, "https://accounts.salesloft.com/oauth/authorize?client_id=cid&"
	                         "redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&"
	                         "response_type=code&state=st8");
	assert_int_equal(oauth_authorize_url(url, sizeof(url), "http://a", "c", "http://r", "s",
	                                     "people:read calls:write"),
	                 0);
	assert_non_null(strstr(url, "&scope=people%3Aread%20calls%3Awrite"));
	assert_int_equal(oauth_authorize_url(url, 10, "http://a", "c", "http://r", "s", NULL),
	                 E2BIG);
	assert_int_equal(oauth_authorize_url(url, sizeof(url), NULL, "c", "r", "s", NULL), EINVAL);
}

static void test_parse_callback(void **state)
{
	static const struct {
		const char *in;
		int err;
		const char *code, *state;
	} cases[] = {
	        {"", EINVAL, "", ""},
	        {"   \n", EINVAL, "", ""},
	        {"http://127.0.0.1:8765/callback?code=abc123&context=x&state=s1", 0, "abc123",
	         "s1"},
	        {"  http://127.0.0.1:8765/callback?code=a%2Fb&state=s%201  \r\n", 0, "a/b", "s 1"},
	        {"/callback?state=zz&code=c9", 0, "c9", "zz"},
	        {"code=only", 0, "only", ""},
	        {"0123abcdef", 0, "0123abcdef", ""}, /* the bare code */
	        {"http://127.0.0.1:8765/callback?error=access_denied&state=s", EACCES, "", ""},
	        {"http://127.0.0.1:8765/callback?state=s", EINVAL, "", ""},
	        {"http://127.0.0.1:8765/callback?code=&state=s", EINVAL, "", ""},
	        {"http://x/cb?code=%zz", EINVAL, "", ""},
	        {"two words", EINVAL, "", ""},
	};
	char code[64], st[64], msg[256];
	size_t i;

	assert_int_equal(
	        oauth_parse_callback(NULL, code, sizeof(code), st, sizeof(st), msg, sizeof(msg)),
	        EINVAL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = oauth_parse_callback(cases[i].in, code, sizeof(code), st, sizeof(st), msg,
		                               sizeof(msg));

		if (err != cases[i].err)
			fail_msg("case %zu: %d, want %d (%s)", i, err, cases[i].err, msg);
		if (!err) {
			assert_string_equal(code, cases[i].code);
			assert_string_equal(st, cases[i].state);
		} else {
			assert_string_equal(code, "");
			assert_true(strlen(msg) > 0);
		}
	}
	/* A hostile error description never reaches the message raw. */
	assert_int_equal(oauth_parse_callback("?error=x&error_description=%1B%5B2J", code,
	                                      sizeof(code), st, sizeof(st), msg, sizeof(msg)),
	                 EACCES);
	assert_null(strchr(msg, '\x1b'));
}

static void test_bodies(void **state)
{
	const struct oauth_client c = {"https://accounts.salesloft.com", "id 1", "s&cr=t", 0};
	char body[512];

	assert_int_equal(oauth_code_body(body, sizeof(body), &c, "c/d", "http://127.0.0.1:1/cb"),
	                 0);
	assert_string_equal(body,
	                    "grant_type=authorization_code&client_id=id%201&client_secret="
	                    "s%26cr%3Dt&code=c%2Fd&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fcb");
	assert_int_equal(oauth_refresh_body(body, sizeof(body), &c, "r+1"), 0);
	assert_string_equal(body, "grant_type=refresh_token&client_id=id%201&client_secret="
	                          "s%26cr%3Dt&refresh_token=r%2B1");
	assert_int_equal(oauth_refresh_body(body, 10, &c, "r"), E2BIG);
	assert_int_equal(oauth_refresh_body(body, sizeof(body), NULL, "r"), EINVAL);
}

static void test_token_parse(void **state)
{
	static const char ok[] =
	        "{\"access_token\":\"AT\",\"token_type\":\"bearer\",\"expires_in\":"
	        "7200,\"refresh_token\":\"RT\",\"scope\":\"default\",\"created_at\":"
	        "1700000000}";
	static const char grant[] = "{\"error\":\"invalid_grant\",\"error_description\":\"The "
	                            "provided authorization grant is invalid\"}";
	struct oauth_token t;
	char msg[256];

	assert_int_equal(oauth_token_parse(200, ok, strlen(ok), &t, msg, sizeof(msg)), 0);
	assert_string_equal(t.access_token, "AT");
	assert_string_equal(t.refresh_token, "RT");
	assert_int_equal(t.expires_in, 7200);
	assert_int_equal(t.created_at, 1700000000);
	assert_int_equal(oauth_token_parse(400, grant, strlen(grant), &t, msg, sizeof(msg)),
	                 EKEYREVOKED);
	assert_string_equal(msg, "connection expired: run loftdial connect");
	assert_int_equal(
	        oauth_token_parse(401, "{\"error\":\"invalid_client\"}", 26, &t, msg, sizeof(msg)),
	        EPROTO);
	assert_string_equal(msg, "invalid_client");
	assert_int_equal(oauth_token_parse(200, "{}", 2, &t, msg, sizeof(msg)), EBADMSG);
	assert_int_equal(oauth_token_parse(200, "not json", 8, &t, msg, sizeof(msg)), EBADMSG);
	assert_int_equal(
	        oauth_token_parse(200, "{\"access_token\":\"\"}", 19, &t, msg, sizeof(msg)),
	        EBADMSG);
	/* No refresh token and a negative lifetime are tolerated. */
	assert_int_equal(oauth_token_parse(200, "{\"access_token\":\"x\",\"expires_in\":-5}", 36,
	                                   &t, msg, sizeof(msg)),
	                 0);
	assert_string_equal(t.refresh_token, "");
	assert_int_equal(t.expires_in, 0);
	/* A lifetime the clock cannot add (a string reads as a number too) is cut to ten
	 * years; a creation time out of range is none. */
	{
		static const char huge[] = "{\"access_token\":\"x\",\"expires_in\":"
		                           "\"9223372036854775807\",\"created_at\":-7}";
		static const char big[] = "{\"access_token\":\"x\",\"expires_in\":1e15,"
		                          "\"created_at\":\"99999999999999999\"}";

		assert_int_equal(oauth_token_parse(200, huge, strlen(huge), &t, msg, sizeof(msg)),
		                 0);
		assert_int_equal(t.expires_in, OAUTH_EXPIRES_MAX);
		assert_int_equal(t.created_at, 0);
		assert_int_equal(oauth_token_parse(200, big, strlen(big), &t, msg, sizeof(msg)), 0);
		assert_int_equal(t.expires_in, OAUTH_EXPIRES_MAX);
		assert_int_equal(t.created_at, 0);
	}
}

static void test_redirect_parse(void **state)
{
	static const struct {
		const char *uri;
		int err;
		const char *host;
		unsigned port;
		const char *path;
	} cases[] = {
	        {"http://127.0.0.1:8765/callback", 0, "127.0.0.1", 8765, "/callback"},
	        {"http://localhost/cb?x=1", 0, "localhost", 80, "/cb"},
	        {"http://[::1]:9/", 0, "[::1]", 9, "/"},
	        {"http://127.0.0.1:8765", 0, "127.0.0.1", 8765, "/"},
	        {"https://127.0.0.1/cb", EINVAL, "", 0, ""},
	        {"http://example.com/cb", EINVAL, "", 0, ""},
	        {"http://127.0.0.1:0/cb", EINVAL, "", 0, ""},
	        {"http://127.0.0.1:99999/cb", EINVAL, "", 0, ""},
	        {"http://127.0.0.1:x/cb", EINVAL, "", 0, ""},
	        /* The port is digits as written: strtoul would take a sign or blanks. */
	        {"http://127.0.0.1:+80/cb", EINVAL, "", 0, ""},
	        {"http://127.0.0.1: 80/cb", EINVAL, "", 0, ""},
	        {"http://127.0.0.1:-18446744073709551615/cb", EINVAL, "", 0, ""},
	        {"http://127.0.0.1:/cb", EINVAL, "", 0, ""},
	        {"", EINVAL, "", 0, ""},
	};
	char host[64], path[64];
	uint16_t port;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = oauth_redirect_parse(cases[i].uri, host, sizeof(host), &port, path,
		                               sizeof(path));

		if (err != cases[i].err)
			fail_msg("case %zu (%s): %d", i, cases[i].uri, err);
		if (!err) {
			assert_string_equal(host, cases[i].host);
			assert_int_equal(port, cases[i].port);
			assert_string_equal(path, cases[i].path);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_state),          cmocka_unit_test(test_authorize_url),
	        cmocka_unit_test(test_parse_callback), cmocka_unit_test(test_bodies),
	        cmocka_unit_test(test_token_parse),    cmocka_unit_test(test_redirect_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

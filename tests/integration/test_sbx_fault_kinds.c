/*
 * Integration test of the sandbox's fault injection, each kind observed by a libcurl client
 * as a real program would see it: 5xx (JSON and HTML bodies), dropped connections, truncated
 * and malformed JSON, a 429 storm, added latency, exact shares, path scoping, windows by
 * request count, /oauth/ paths, and the admin API staying reachable throughout.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "sbxtest.h"

#define KEY SBXT_API_KEY

static struct sbxt S;

/* GET path with the API key; fills r (caller frees). */
static void get(const char *path, struct sbxt_resp *r)
{
	char url[512];
	const char *hdrs[] = {"Authorization: Bearer " KEY, NULL};

	snprintf(url, sizeof(url), "%s%s", S.base, path);
	sbxt_http(r, "GET", url, hdrs, NULL);
}

/* Opens a fault window; asserts the admin API accepted it. */
static void faults(const char *spec)
{
	assert_int_equal(sbxt_admin(&S, "POST", "/_sandbox/faults", spec, NULL), 200);
}

/* The status of GET path (0 when no response). */
static long status_of(const char *path)
{
	struct sbxt_resp r;
	long st;

	get(path, &r);
	st = r.status;
	sbxt_resp_free(&r);
	return st;
}

static int setup(void **state)
{
	return sbxt_start(&S, NULL);
}

static int teardown(void **state)
{
	return sbxt_stop(&S) == 0 ? 0 : -1;
}

static void test_bad_specs(void **state)
{
	cJSON *j = NULL;

	assert_int_equal(sbxt_admin(&S, "POST", "/_sandbox/faults", "{\"error_5xx\":", &j), 422);
	cJSON_Delete(j);
	assert_int_equal(sbxt_admin(&S, "POST", "/_sandbox/faults", "{\"eror_5xx\":5}", &j), 422);
	assert_non_null(strstr(sbxt_error_of(j, "faults"), "unknown key"));
	cJSON_Delete(j);
	assert_int_equal(
	        sbxt_admin(&S, "POST", "/_sandbox/faults", "{\"error_5xx\":70,\"drop\":40}", NULL),
	        422);
	assert_int_equal(status_of("/v2/me"), 200);
}

static void test_5xx(void **state)
{
	struct sbxt_resp r;
	char ct[128];
	cJSON *j = NULL;
	static const long want[] = {500, 502, 503, 504};
	size_t i;

	faults("{\"error_5xx\":100,\"requests\":4}");
	for (i = 0; i < 4; i++) {
		get("/v2/me", &r);
		assert_int_equal(r.curl_code, CURLE_OK);
		assert_int_equal(r.status, want[i]);
		assert_non_null(sbxt_header(&r, "Content-Type", ct, sizeof(ct)));
		if (want[i] == 502 || want[i] == 504) {
			assert_non_null(strstr(ct, "text/html"));
			assert_non_null(strstr(r.body, "<html>"));
		} else {
			j = cJSON_Parse(r.body);
			assert_true(sbxt_str(j, "error")[0] != '\0');
			cJSON_Delete(j);
		}
		sbxt_resp_free(&r);
	}
	/* The window was 4 requests long. */
	assert_int_equal(status_of("/v2/me"), 200);
	assert_int_equal(sbxt_admin(&S, "GET", "/_sandbox/faults", NULL, &j), 200);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "open")));
	assert_int_equal((int)sbxt_num(cJSON_GetObjectItem(j, "fired"), "error_5xx"), 4);
	cJSON_Delete(j);
}

static void test_drop(void **state)
{
	struct sbxt_resp r;
	cJSON *j = NULL;

	faults("{\"drop\":100,\"requests\":2}");
	get("/v2/people", &r);
	assert_int_equal(r.status, 0);
	assert_true(r.curl_code == CURLE_GOT_NOTHING || r.curl_code == CURLE_RECV_ERROR);
	sbxt_resp_free(&r);
	/* The admin API is never subject to faults. */
	assert_int_equal(sbxt_admin(&S, "GET", "/_sandbox/counters", NULL, &j), 200);
	cJSON_Delete(j);
	get("/v2/people", &r);
	assert_int_equal(r.status, 0);
	sbxt_resp_free(&r);
	assert_int_equal(status_of("/v2/people"), 200);
}

static void test_truncated_and_malformed(void **state)
{
	struct sbxt_resp r;
	char ct[128], cl[32];
	cJSON *j;

	faults("{\"truncate\":100,\"requests\":1}");
	get("/v2/people", &r);
	assert_int_equal(r.curl_code, CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_non_null(sbxt_header(&r, "Content-Length", cl, sizeof(cl)));
	assert_int_equal((size_t)atol(cl), r.len);
	assert_true(r.len > 10);
	assert_int_equal(r.body[0], '{');
	j = cJSON_Parse(r.body);
	assert_null(j);
	sbxt_resp_free(&r);

	faults("{\"malformed\":100,\"requests\":1}");
	get("/v2/people", &r);
	assert_int_equal(r.status, 200);
	assert_non_null(sbxt_header(&r, "Content-Type", ct, sizeof(ct)));
	assert_non_null(strstr(ct, "application/json"));
	j = cJSON_Parse(r.body);
	assert_null(j);
	sbxt_resp_free(&r);

	/* After the window, the same request parses. */
	get("/v2/people", &r);
	j = cJSON_Parse(r.body);
	assert_non_null(sbxt_data(j));
	cJSON_Delete(j);
	sbxt_resp_free(&r);
}

static void test_429_storm(void **state)
{
	struct sbxt_resp r;
	char v[64];
	cJSON *j = NULL;
	double before;
	int i;

	assert_int_equal(sbxt_admin(&S, "GET", "/_sandbox/counters", NULL, &j), 200);
	before = sbxt_num(j, "rate_limited");
	cJSON_Delete(j);
	faults("{\"rate_limit_429\":100,\"requests\":3}");
	for (i = 0; i < 3; i++) {
		get("/v2/accounts", &r);
		assert_int_equal(r.status, 429);
		assert_non_null(sbxt_header(&r, "x-ratelimit-remaining-minute", v, sizeof(v)));
		assert_string_equal(v, "0");
		sbxt_resp_free(&r);
	}
	assert_int_equal(status_of("/v2/accounts"), 200);
	assert_int_equal(sbxt_admin(&S, "GET", "/_sandbox/counters", NULL, &j), 200);
	assert_int_equal((int)(sbxt_num(j, "rate_limited") - before), 3);
	cJSON_Delete(j);
}

static void test_latency(void **state)
{
	unsigned long long t0;
	long st;

	/* Added latency is a lower bound the server enforces with a timer. */
	faults("{\"latency_ms\":300,\"requests\":1}");
	t0 = tl_now_ms();
	st = status_of("/v2/me");
	assert_int_equal(st, 200);
	assert_true(tl_now_ms() - t0 >= 300);

	faults("{\"latency_ms\":200,\"error_5xx\":100,\"requests\":1}");
	t0 = tl_now_ms();
	assert_int_equal(status_of("/v2/me"), 500);
	assert_true(tl_now_ms() - t0 >= 200);
}

static void test_share_scope_oauth(void **state)
{
	struct sbxt_resp r;
	char url[256];
	int i, failed = 0;

	faults("{\"error_5xx\":50,\"requests\":10}");
	for (i = 0; i < 10; i++)
		failed += status_of("/v2/me") >= 500;
	assert_int_equal(failed, 5);

	faults("{\"error_5xx\":100,\"path_prefix\":\"/v2/people\"}");
	assert_int_equal(status_of("/v2/me"), 200);
	assert_int_equal(status_of("/v2/people"), 500);
	assert_int_equal(status_of("/v2/people/164510001"), 502);
	assert_int_equal(sbxt_admin(&S, "DELETE", "/_sandbox/faults", NULL, NULL), 200);
	assert_int_equal(status_of("/v2/people"), 200);

	/* The OAuth endpoints are behind the same flaky front. */
	faults("{\"error_5xx\":100,\"requests\":1}");
	snprintf(url, sizeof(url), "%s/oauth/token", S.base);
	sbxt_http(&r, "POST", url, NULL, "grant_type=client_credentials");
	assert_int_equal(r.status, 500);
	sbxt_resp_free(&r);
	sbxt_http(&r, "POST", url, NULL, "grant_type=client_credentials");
	assert_int_equal(r.status, 401);
	sbxt_resp_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_bad_specs),
	        cmocka_unit_test(test_5xx),
	        cmocka_unit_test(test_drop),
	        cmocka_unit_test(test_truncated_and_malformed),
	        cmocka_unit_test(test_429_storm),
	        cmocka_unit_test(test_latency),
	        cmocka_unit_test(test_share_scope_oauth),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}

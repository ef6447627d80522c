/*
 * Unit tests for the sandbox's fault decisions (sbx_faults): the admin JSON parser on bad and
 * hostile input, exact shares, windows bounded by requests and by time, path scoping, and
 * the rotation of 5xx statuses.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sbx_faults.h"

struct parse_row {
	const char *json;
	int err;
};

static const struct parse_row parse_rows[] = {
        {"null", EINVAL},
        {"[]", EINVAL},
        {"\"x\"", EINVAL},
        {"{}", 0},
        {"{\"error_5xx\":100}", 0},
        {"{\"error_5xx\":101}", EINVAL},
        {"{\"error_5xx\":-1}", EINVAL},
        {"{\"error_5xx\":1.5}", EINVAL},
        {"{\"error_5xx\":\"10\"}", EINVAL},
        {"{\"error_5xx\":60,\"drop\":41}", EINVAL},
        {"{\"error_5xx\":60,\"drop\":40}", 0},
        {"{\"latency_ms\":60001}", EINVAL},
        {"{\"latency_ms\":250,\"requests\":10,\"seconds\":3}", 0},
        {"{\"seconds\":86401}", EINVAL},
        {"{\"duration_ms\":1e300}", EINVAL},
        {"{\"requests\":1e9}", EINVAL},
        {"{\"path_prefix\":5}", EINVAL},
        {"{\"path_prefix\":\"/v2/people\"}", 0},
        {"{\"path_prefix\":\"/v2/"
         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
         EINVAL},
        {"{\"eror_5xx\":10}", EINVAL},
        {"{\"rate_limit_429\":100,\"truncate\":0,\"malformed\":0}", 0},
        {"{\"lost_reply\":50,\"late_reply\":50,\"late_reply_ms\":600000}", 0},
        {"{\"lost_reply\":60,\"late_reply\":41}", EINVAL},
        {"{\"late_reply_ms\":600001}", EINVAL},
        {"{\"late_reply_ms\":-1}", EINVAL},
        {"{\"late_reply_ms\":\"30\"}", EINVAL},
};

static void test_parse(void **state)
{
	struct sbx_faults_spec spec;
	const char *err;
	size_t i;

	assert_int_equal(sbx_faults_parse(NULL, &spec, &err), EINVAL);
	assert_int_equal(sbx_faults_parse(NULL, NULL, NULL), EINVAL);
	for (i = 0; i < sizeof(parse_rows) / sizeof(parse_rows[0]); i++) {
		cJSON *j = cJSON_Parse(parse_rows[i].json);
		int r;

		err = NULL;
		r = sbx_faults_parse(j, &spec, &err);
		if (r != parse_rows[i].err)
			fail_msg("row %zu (%s): got %d", i, parse_rows[i].json, r);
		if (r)
			assert_non_null(err);
		cJSON_Delete(j);
	}
	{
		cJSON *j = cJSON_Parse("{\"drop\":25,\"latency_ms\":250,\"requests\":10,"
		                       "\"seconds\":3,\"path_prefix\":\"/v2/people\"}");

		assert_int_equal(sbx_faults_parse(j, &spec, NULL), 0);
		assert_int_equal(spec.share[SBX_FAULT_DROP], 25);
		assert_int_equal(spec.latency_ms, 250);
		assert_int_equal(spec.requests, 10);
		assert_int_equal(spec.duration_ms, 3000);
		assert_string_equal(spec.prefix, "/v2/people");
		cJSON_Delete(j);
	}
}

/* Counts each kind over n decisions of one window. */
static void run(struct sbx_faults *f, unsigned n, const char *path, unsigned counts[])
{
	unsigned i;

	memset(counts, 0, SBX_FAULT_KIND_COUNT * sizeof(counts[0]));
	for (i = 0; i < n; i++)
		counts[sbx_faults_decide(f, path, 1000).kind]++;
}

static void test_exact_shares(void **state)
{
	struct sbx_faults f;
	struct sbx_faults_spec spec;
	unsigned counts[SBX_FAULT_KIND_COUNT];

	memset(&spec, 0, sizeof(spec));
	spec.share[SBX_FAULT_5XX] = 30;
	spec.share[SBX_FAULT_DROP] = 20;
	spec.share[SBX_FAULT_TRUNCATE] = 10;
	spec.share[SBX_FAULT_MALFORMED] = 15;
	spec.share[SBX_FAULT_429] = 25;
	sbx_faults_open(&f, &spec, 1000);
	run(&f, 100, "/v2/people", counts);
	assert_int_equal(counts[SBX_FAULT_NONE], 0);
	assert_int_equal(counts[SBX_FAULT_5XX], 30);
	assert_int_equal(counts[SBX_FAULT_DROP], 20);
	assert_int_equal(counts[SBX_FAULT_TRUNCATE], 10);
	assert_int_equal(counts[SBX_FAULT_MALFORMED], 15);
	assert_int_equal(counts[SBX_FAULT_429], 25);

	memset(&spec, 0, sizeof(spec));
	spec.share[SBX_FAULT_5XX] = 25;
	sbx_faults_open(&f, &spec, 1000);
	run(&f, 8, "/oauth/token", counts);
	assert_int_equal(counts[SBX_FAULT_5XX], 2);
	assert_int_equal(counts[SBX_FAULT_NONE], 6);

	/* The kinds that strike at the reply share like the others; a late reply carries its
	 * delay (30 s unless the spec says). */
	memset(&spec, 0, sizeof(spec));
	spec.share[SBX_FAULT_LOST_REPLY] = 50;
	spec.share[SBX_FAULT_LATE_REPLY] = 50;
	sbx_faults_open(&f, &spec, 1000);
	run(&f, 10, "/v2/activities/calls", counts);
	assert_int_equal(counts[SBX_FAULT_LOST_REPLY], 5);
	assert_int_equal(counts[SBX_FAULT_LATE_REPLY], 5);
	spec.share[SBX_FAULT_LOST_REPLY] = 0;
	spec.share[SBX_FAULT_LATE_REPLY] = 100;
	sbx_faults_open(&f, &spec, 1000);
	assert_int_equal(sbx_faults_decide(&f, "/v2/tasks", 1000).late_ms, 30000);
	spec.late_reply_ms = 1500;
	sbx_faults_open(&f, &spec, 1000);
	assert_int_equal(sbx_faults_decide(&f, "/v2/tasks", 1000).late_ms, 1500);
}

static void test_window_requests_and_scope(void **state)
{
	struct sbx_faults f;
	struct sbx_faults_spec spec;
	struct sbx_faults_decision d;
	unsigned counts[SBX_FAULT_KIND_COUNT];

	memset(&f, 0, sizeof(f));
	d = sbx_faults_decide(&f, "/v2/people", 0);
	assert_int_equal(d.kind, SBX_FAULT_NONE);
	d = sbx_faults_decide(NULL, "/v2/people", 0);
	assert_int_equal(d.kind, SBX_FAULT_NONE);

	memset(&spec, 0, sizeof(spec));
	spec.share[SBX_FAULT_5XX] = 100;
	spec.latency_ms = 40;
	spec.requests = 5;
	sbx_faults_open(&f, &spec, 1000);
	/* Admin paths, unknown paths and NULL never count. */
	assert_int_equal(sbx_faults_decide(&f, "/_sandbox/faults", 1000).kind, SBX_FAULT_NONE);
	assert_int_equal(sbx_faults_decide(&f, "/", 1000).kind, SBX_FAULT_NONE);
	assert_int_equal(sbx_faults_decide(&f, NULL, 1000).kind, SBX_FAULT_NONE);
	d = sbx_faults_decide(&f, "/v2/people", 1000);
	assert_int_equal(d.kind, SBX_FAULT_5XX);
	assert_int_equal(d.status, 500);
	assert_int_equal(d.latency_ms, 40);
	assert_int_equal(sbx_faults_decide(&f, "/v2/me", 1000).status, 502);
	assert_int_equal(sbx_faults_decide(&f, "/v2/me", 1000).status, 503);
	assert_int_equal(sbx_faults_decide(&f, "/v2/me", 1000).status, 504);
	assert_int_equal(sbx_faults_decide(&f, "/v2/me", 1000).status, 500);
	d = sbx_faults_decide(&f, "/v2/me", 1000);
	assert_int_equal(d.kind, SBX_FAULT_NONE);
	assert_int_equal(d.latency_ms, 0);
	assert_false(f.open);
	assert_int_equal(f.fired[SBX_FAULT_5XX], 5);

	/* A prefix limits the window to matching paths; others do not use it up. */
	snprintf(spec.prefix, sizeof(spec.prefix), "/v2/people");
	spec.requests = 2;
	sbx_faults_open(&f, &spec, 1000);
	run(&f, 3, "/v2/accounts", counts);
	assert_int_equal(counts[SBX_FAULT_NONE], 3);
	run(&f, 3, "/v2/people/7", counts);
	assert_int_equal(counts[SBX_FAULT_5XX], 2);
	assert_int_equal(counts[SBX_FAULT_NONE], 1);

	/* Clearing ends the window at once. */
	spec.prefix[0] = '\0';
	spec.requests = 0;
	sbx_faults_open(&f, &spec, 1000);
	sbx_faults_clear(&f);
	assert_int_equal(sbx_faults_decide(&f, "/v2/me", 1000).kind, SBX_FAULT_NONE);
	sbx_faults_clear(NULL);
}

static void test_window_time(void **state)
{
	struct sbx_faults f;
	struct sbx_faults_spec spec;
	cJSON *j;

	memset(&spec, 0, sizeof(spec));
	spec.share[SBX_FAULT_429] = 100;
	spec.duration_ms = 2000;
	sbx_faults_open(&f, &spec, 10000);
	assert_int_equal(sbx_faults_decide(&f, "/v2/me", 10000).kind, SBX_FAULT_429);
	assert_int_equal(sbx_faults_decide(&f, "/v2/me", 11999).status, 429);
	j = sbx_faults_json(&f, 11999);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "open")));
	assert_int_equal(
	        cJSON_GetObjectItem(cJSON_GetObjectItem(j, "fired"), "rate_limit_429")->valueint,
	        2);
	cJSON_Delete(j);
	assert_int_equal(sbx_faults_decide(&f, "/v2/me", 12000).kind, SBX_FAULT_NONE);
	j = sbx_faults_json(&f, 12000);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "open")));
	cJSON_Delete(j);
}

static void test_names(void **state)
{
	assert_string_equal(sbx_faults_name(SBX_FAULT_5XX), "error_5xx");
	assert_string_equal(sbx_faults_name(SBX_FAULT_429), "rate_limit_429");
	assert_string_equal(sbx_faults_name(SBX_FAULT_LOST_REPLY), "lost_reply");
	assert_string_equal(sbx_faults_name(SBX_FAULT_LATE_REPLY), "late_reply");
	assert_string_equal(sbx_faults_name((enum sbx_fault)99), "none");
	assert_true(sbx_faults_applies("/oauth/token"));
	assert_false(sbx_faults_applies("/v2"));
	assert_false(sbx_faults_applies(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse),
	        cmocka_unit_test(test_exact_shares),
	        cmocka_unit_test(test_window_requests_and_scope),
	        cmocka_unit_test(test_window_time),
	        cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The sandbox's rate limit over real HTTP: a tiny budget (30 per minute) and a clock pinned to
 * the start of a minute, so the whole test runs inside one window. Checks the cost of every
 * deep-page band, the two x-ratelimit headers on every /v2/ reply, the 429 body when the
 * budget cannot cover a request's cost (nothing is charged then), that a 401 costs nothing,
 * and that paths outside /v2/ carry no rate-limit headers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sandbox_util.h"

static struct sbxt S;

static int group_setup(void **state)
{
	static const char *const args[] = {"--people", "300",   "--rate-limit",
	                                   "30",       "--now", "2025-03-10T14:00:00.000000-04:00",
	                                   NULL};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return sbxt_start(&S, args);
}

static int group_teardown(void **state)
{
	int st = sbxt_stop(&S);

	curl_global_cleanup();
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* One GET and its expected status, cost and remaining budget. */
static void step(const char *pq, const char *token, long status, const char *cost,
                 const char *remaining)
{
	struct sbxt_resp r;

	assert_int_equal(sbxt_req(&S, "GET", pq, token, NULL, &r), 0);
	if (r.status != status || strcmp(r.cost, cost) || strcmp(r.remaining, remaining))
		fprintf(stderr, "%s: %ld cost=%s remaining=%s body=%.200s\n", pq, r.status, r.cost,
		        r.remaining, r.body);
	assert_int_equal(r.status, status);
	assert_string_equal(r.cost, cost);
	assert_string_equal(r.remaining, remaining);
	if (status == 429)
		assert_string_equal(r.body, "{\"error\":\"Rate limit exceeded\"}");
	assert_string_equal(r.retry_after, ""); /* not documented by Salesloft, not sent */
	free(r.body);
}

/* The bands, a refusal that charges nothing, then spending the rest to zero. */
static void t_budget(void **state)
{
	step("/v2/people?per_page=1", "", 200, "1", "29");
	step("/v2/people?per_page=1&page=100", "", 200, "1", "28");
	step("/v2/people?per_page=1&page=101", "", 200, "3", "25");
	step("/v2/people?per_page=1&page=150", "", 200, "3", "22");
	step("/v2/people?per_page=1&page=151", "", 200, "8", "14");
	step("/v2/people?per_page=1&page=250", "", 200, "8", "6");
	step("/v2/people?per_page=1&page=251", "", 429, "10", "6");
	step("/v2/people?per_page=1&page=501", "", 429, "30", "6");
	/* No token: 401 before any charge. */
	step("/v2/people", NULL, 401, "0", "6");
	for (int i = 5; i >= 0; i--) {
		char rem[8];

		snprintf(rem, sizeof(rem), "%d", i);
		step("/v2/users", "", 200, "1", rem);
	}
	step("/v2/me", "", 429, "1", "0");
	step("/v2/people/164510000", "", 429, "1", "0");
}

/* Outside /v2/ there is no rate limit and no header. */
static void t_outside_v2(void **state)
{
	struct sbxt_resp r;

	assert_int_equal(sbxt_req(&S, "GET", "/not_the_api", NULL, NULL, &r), 0);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.cost, "");
	assert_string_equal(r.remaining, "");
	free(r.body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(t_budget),
	        cmocka_unit_test(t_outside_v2),
	};

	return cmocka_run_group_tests_name("sandbox_ratelimit", tests, group_setup, group_teardown);
}

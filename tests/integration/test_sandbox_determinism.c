/*
 * The generated org is deterministic: two sandboxes with the same seed, sizes and --now serve
 * the same bytes (once each one's base URL is masked), another seed serves other data, and a
 * --state file survives a restart on another port with its hrefs rewritten to the new port.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sandbox_util.h"

static const char *const paths[] = {
        "/v2/users",
        "/v2/people?per_page=100",
        "/v2/people?per_page=100&page=2&sort_by=id&sort_direction=ASC",
        "/v2/people?per_page=100&page=6",
        "/v2/accounts?per_page=100",
        "/v2/cadences?per_page=100",
        "/v2/steps?per_page=100",
        "/v2/cadence_memberships?per_page=100",
        "/v2/actions?per_page=100",
        "/v2/tasks?per_page=100",
        "/v2/activities/calls?per_page=100",
        "/v2/activities/emails?per_page=100",
        "/v2/notes?per_page=100",
        "/v2/call_dispositions",
        "/v2/call_sentiments",
};

#define NPATHS (sizeof(paths) / sizeof(paths[0]))

/* Fetches every path with the base URL masked. */
static void snapshot(struct sbxt *s, char **out)
{
	for (size_t i = 0; i < NPATHS; i++) {
		struct sbxt_resp r;

		assert_int_equal(sbxt_get(s, paths[i], &r), 0);
		assert_int_equal(r.status, 200);
		sbxt_unbase(r.body, s->base);
		out[i] = r.body;
	}
}

static void release(char **snap)
{
	for (size_t i = 0; i < NPATHS; i++)
		free(snap[i]);
}

/* Stops a sandbox; it must exit 0 on SIGTERM. */
static void stop_ok(struct sbxt *s)
{
	int st = sbxt_stop(s);

	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void t_same_seed_same_bytes(void **state)
{
	char dir[512], db[600];
	const char *a1[] = {"--seed",  "42",    "--people",
	                    "600",     "--now", "2025-06-02T09:30:00-04:00",
	                    "--state", db,      NULL};
	const char *a2[] = {"--seed", "42", "--people", "600", "--now", "2025-06-02T09:30:00-04:00",
	                    NULL};
	const char *a3[] = {"--seed", "43", "--people", "600", "--now", "2025-06-02T09:30:00-04:00",
	                    NULL};
	struct sbxt s1, s2, s3;
	char *x[NPATHS], *y[NPATHS], *z[NPATHS], *w[NPATHS];

	assert_int_equal(tl_tmpdir(dir, sizeof(dir), "sbx-determinism"), 0);
	snprintf(db, sizeof(db), "%s/org.db", dir);
	assert_int_equal(sbxt_start(&s1, a1), 0);
	assert_int_equal(sbxt_start(&s2, a2), 0);
	assert_int_equal(sbxt_start(&s3, a3), 0);
	assert_string_not_equal(s1.base, s2.base);
	snapshot(&s1, x);
	snapshot(&s2, y);
	snapshot(&s3, z);
	for (size_t i = 0; i < NPATHS; i++) {
		if (strcmp(x[i], y[i]))
			fprintf(stderr, "differs: %s\n", paths[i]);
		assert_string_equal(x[i], y[i]);
	}
	/* Another seed: other people. */
	assert_string_not_equal(x[1], z[1]);
	stop_ok(&s1);
	stop_ok(&s2);
	stop_ok(&s3);

	/* The state file, reopened on another port, serves the same org with new hrefs. */
	assert_int_equal(sbxt_start(&s1, a1), 0);
	{
		struct sbxt_resp r;
		char want[200];

		assert_int_equal(sbxt_get(&s1, "/v2/people/164510000", &r), 0);
		snprintf(want, sizeof(want), "\"_href\":\"%s/v2/users/", s1.base);
		assert_non_null(strstr(r.body, want));
		free(r.body);
	}
	snapshot(&s1, w);
	for (size_t i = 0; i < NPATHS; i++)
		assert_string_equal(x[i], w[i]);
	stop_ok(&s1);
	release(x);
	release(y);
	release(z);
	release(w);
	tl_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(t_same_seed_same_bytes),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("sandbox_determinism", tests, NULL, NULL);
}

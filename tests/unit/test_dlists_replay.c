/*
 * test_dlists_replay: the dial lists' index decoding Salesloft's answers, replayed without a
 * network (dlists_replay). Edge cases first: bad arguments, /v2/me without a guid, an error
 * answer, a body that is not JSON, wrong types and out-of-range numbers in the answers; then a
 * whole reading: the requests asked in order, counts with and without the paging counts,
 * cadences named from the answers (or "cadence N"), most due first, the ones with nothing due
 * left out. The same decoding runs against the sandbox in tests/integration/test_dlists.c.
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

#include "loftdial/dlists.h"

struct seen {
	unsigned calls;
	int err;
	long status;
	char msg[400];
};

static void done_h(int err, long status, const char *msg, void *arg)
{
	struct seen *s = arg;

	s->calls++;
	s->err = err;
	s->status = status;
	snprintf(s->msg, sizeof(s->msg), "%s", msg);
}

/* Answers the waiting request, which must start with want. */
static void answer(struct dlists *l, const char *want, int err, long status, const char *body)
{
	const char *path = dlists_replay_path(l);

	assert_non_null(path);
	print_message("  %s\n", path);
	assert_true(strncmp(path, want, strlen(want)) == 0);
	assert_int_equal(dlists_replay_take(l, err, status, body, strlen(body)), 0);
}

static const struct dlists_opts known = {1234, "guid-1", NULL, 1767225600};

static void test_args(void **state)
{
	struct dlists_opts none = {0};
	struct dlists *l = NULL;
	struct seen s = {0};

	(void)state;
	assert_int_equal(dlists_replay(NULL, &none, done_h, &s), EINVAL);
	assert_int_equal(dlists_replay(&l, NULL, done_h, &s), EINVAL);
	assert_int_equal(dlists_replay(&l, &none, NULL, &s), EINVAL);
	assert_int_equal(dlists_replay_take(NULL, 0, 200, "{}", 2), EINVAL);
	assert_null(dlists_replay_path(NULL));
	dlists_free(NULL);
}

static void test_me_without_guid(void **state)
{
	static const char *const bad[] = {
	        "{\"data\":{\"id\":5}}",
	        "{\"data\":{\"id\":5,\"guid\":\"\"}}",
	        "{\"data\":{\"id\":0,\"guid\":\"g\"}}",
	        "{\"data\":{\"id\":1e300,\"guid\":\"g\"}}",
	        "{\"data\":{\"id\":5,\"guid\":7}}",
	        "{\"data\":[1,2]}",
	        "{}",
	        "",
	};
	struct dlists_opts none = {0};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct dlists *l = NULL;
		struct seen s = {0};

		assert_int_equal(dlists_replay(&l, &none, done_h, &s), 0);
		answer(l, "/v2/me", 0, 200, bad[i]);
		assert_int_equal(s.calls, 1);
		assert_int_equal(s.err, EBADMSG);
		assert_true(dlists_done(l));
		assert_null(dlists_replay_path(l));
		assert_int_equal(dlists_count(l), 0);
		assert_int_equal(dlists_replay_take(l, 0, 200, "{}", 2), EINVAL);
		dlists_free(l);
	}
}

static void test_failures(void **state)
{
	struct dlists *l = NULL;
	struct seen s = {0};

	(void)state;
	/* An HTTP error ends the reading with the client's reason. */
	assert_int_equal(dlists_replay(&l, &known, done_h, &s), 0);
	answer(l, "/v2/steps?type=phone&has_due_actions=true", EPROTO, 503, "<html>down</html>");
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err, EPROTO);
	assert_int_equal(s.status, 503);
	assert_string_equal(dlists_reason(s.err, s.status), "Salesloft error");
	dlists_free(l);

	/* A body that is not JSON is a bad answer, as the client says it. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(dlists_replay(&l, &known, done_h, &s), 0);
	answer(l, "/v2/steps", 0, 200, "{\"data\":[");
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err, EBADMSG);
	assert_string_equal(dlists_reason(s.err, s.status), "bad answer from Salesloft");
	dlists_free(l);

	/* Freed in the middle: the handler never runs. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(dlists_replay(&l, &known, done_h, &s), 0);
	dlists_free(l);
	assert_int_equal(s.calls, 0);
}

/* Steps whose type or cadence is not what a phone step of a cadence is are not counted. */
static void test_odd_steps(void **state)
{
	static const char steps[] = "{\"data\":[{\"type\":\"phone\",\"cadence\":{\"id\":1e300}},"
	                            "{\"type\":\"phone\",\"cadence\":{\"id\":-3}},"
	                            "{\"type\":\"phone\",\"cadence\":{\"id\":2.5}},"
	                            "{\"type\":\"phone\",\"cadence\":7},"
	                            "{\"type\":[\"phone\"],\"cadence\":{\"id\":8}},"
	                            "{\"type\":\"email\",\"cadence\":{\"id\":9}},"
	                            "{\"cadence\":{\"id\":10}},"
	                            "{\"type\":\"phone\",\"cadence\":{\"id\":\"12\"}},"
	                            "\"a string\",null,"
	                            "{\"type\":\"phone\",\"cadence\":{\"id\":12}}],"
	                            "\"metadata\":{\"paging\":{\"next_page\":\"2\"}}}";
	struct dlists *l = NULL;
	struct seen s = {0};
	struct dlists_tasks t;

	(void)state;
	assert_int_equal(dlists_replay(&l, &known, done_h, &s), 0);
	answer(l, "/v2/steps", 0, 200, steps);
	/* next_page as a string is no next page; the one cadence is 12, twice. */
	answer(l, "/v2/actions?cadence_id=12&", 0, 200,
	       "{\"metadata\":{\"paging\":{\"total_count\":1e30}}}");
	answer(l, "/v2/cadences?ids%5B%5D=12&", 0, 200,
	       "{\"data\":[{\"id\":12,\"name\":5},{\"id\":\"x\",\"name\":\"no\"}]}");
	answer(l, "/v2/tasks?", 0, 200, "{\"metadata\":{\"paging\":{\"total_count\":-1}}}");
	/* A count that is not a number: paged through from the start instead. */
	answer(l, "/v2/tasks?", 0, 200, "{\"data\":{\"a\":1,\"b\":2}}");
	answer(l, "/v2/tasks?", 0, 200, "{\"metadata\":{\"paging\":{\"total_count\":2.9}}}");
	assert_null(dlists_replay_path(l));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err, 0);
	assert_int_equal(dlists_count(l), 1);
	assert_int_equal(dlists_cadence(l, 0)->id, 12);
	assert_int_equal(dlists_cadence(l, 0)->steps, 2);
	assert_int_equal(dlists_cadence(l, 0)->due, UINT32_MAX);
	assert_string_equal(dlists_cadence(l, 0)->name, "cadence 12");
	dlists_tasks(l, &t);
	assert_int_equal(t.overdue, 0); /* paged through: an object holds no records */
	assert_int_equal(t.today, 2);
	dlists_free(l);
}

static void test_whole_reading(void **state)
{
	struct dlists_opts none = {0};
	struct dlists *l = NULL;
	struct seen s = {0};
	struct dlists_tasks t;

	(void)state;
	none.now = 1767225600;
	assert_int_equal(dlists_replay(&l, &none, done_h, &s), 0);
	answer(l, "/v2/me", 0, 200, "{\"data\":{\"id\":77,\"guid\":\"a b&c\"}}");
	answer(l, "/v2/steps?type=phone&has_due_actions=true&per_page=100&page=1", 0, 200,
	       "{\"data\":[{\"type\":\"phone\",\"cadence\":{\"id\":10}},"
	       "{\"type\":\"phone\",\"cadence\":{\"id\":11}}],"
	       "\"metadata\":{\"paging\":{\"next_page\":2}}}");
	answer(l, "/v2/steps?type=phone&has_due_actions=true&per_page=100&page=2", 0, 200,
	       "{\"data\":[{\"type\":\"phone\",\"cadence\":{\"id\":12}},"
	       "{\"type\":\"phone\",\"cadence\":{\"id\":10}}]}");
	/* The rep's guid goes into the query encoded. */
	answer(l,
	       "/v2/actions?cadence_id=10&type=phone&due_on%5Blte%5D=2026-01-01T00%3A00%3A00Z&"
	       "user_guid=a%20b%26c&per_page=1&page=1&include_paging_counts=true",
	       0, 200, "{\"metadata\":{\"paging\":{\"total_count\":3}}}");
	/* No counts for cadence 11: paged through, 100 at a time. */
	answer(l, "/v2/actions?cadence_id=11&", 0, 200, "{\"data\":[{\"id\":1}]}");
	answer(l, "/v2/actions?cadence_id=11&", 0, 200,
	       "{\"data\":[{},{},{}],\"metadata\":{\"paging\":{\"next_page\":2}}}");
	answer(l, "/v2/actions?cadence_id=11&", 0, 200, "{\"data\":[{},{},{},{},{}]}");
	answer(l, "/v2/actions?cadence_id=12&", 0, 200,
	       "{\"metadata\":{\"paging\":{\"total_count\":0}}}");
	answer(l, "/v2/cadences?ids%5B%5D=10&ids%5B%5D=11&per_page=100", 0, 200,
	       "{\"data\":[{\"id\":11,\"name\":\"Q1 \\u001b[31mred\"}]}");
	answer(l,
	       "/v2/tasks?task_type=call&current_state=scheduled&user_id=77&"
	       "time_interval_filter=overdue",
	       0, 200, "{\"metadata\":{\"paging\":{\"total_count\":4}}}");
	answer(l,
	       "/v2/tasks?task_type=call&current_state=scheduled&user_id=77&"
	       "time_interval_filter=today",
	       0, 200, "{\"metadata\":{\"paging\":{\"total_count\":0}}}");
	assert_null(dlists_replay_path(l));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err, 0);
	assert_int_equal(dlists_requests(l), 11);
	assert_int_equal(dlists_user_id(l), 77);
	/* Cadence 12 has nothing due for the rep: left out. Most due first. */
	assert_int_equal(dlists_count(l), 2);
	assert_int_equal(dlists_cadence(l, 0)->id, 11);
	assert_int_equal(dlists_cadence(l, 0)->due, 8);
	assert_int_equal(dlists_cadence(l, 0)->steps, 1);
	/* Hostile text is kept as it came: drawing sanitises it. */
	assert_string_equal(dlists_cadence(l, 0)->name, "Q1 \x1b[31mred");
	assert_int_equal(dlists_cadence(l, 1)->id, 10);
	assert_int_equal(dlists_cadence(l, 1)->due, 3);
	assert_int_equal(dlists_cadence(l, 1)->steps, 2);
	assert_string_equal(dlists_cadence(l, 1)->name, "cadence 10");
	assert_null(dlists_cadence(l, 2));
	dlists_tasks(l, &t);
	assert_int_equal(t.overdue, 4);
	assert_int_equal(t.today, 0);
	dlists_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_args),          cmocka_unit_test(test_me_without_guid),
	        cmocka_unit_test(test_failures),      cmocka_unit_test(test_odd_steps),
	        cmocka_unit_test(test_whole_reading),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

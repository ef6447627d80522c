/*
 * Unit tests for the number an attempt keeps (dial_attempts.number): what the pool dials is
 * kept whole from the pool's record to the table and back, through the call log and the
 * parking of bad numbers: an E.164 number, a SIP URI of the longest size a dial list's line
 * may have, a line with an extension; a number that does not fit is refused, never cut.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/attempts.h"
#include "loftdial/calllog.h"
#include "loftdial/pool.h"
#include "storetest.h"

static int setup(void **state)
{
	return storetest_setup_memory(state);
}

/* The call log's number of the newest call. */
static int newest(const struct calllog *c, void *arg)
{
	snprintf(arg, ATTEMPTS_NUMBER_MAX + 1, "%s", c->number);
	return 1;
}

static void test_kept_whole(void **state)
{
	struct store *st = storetest_store(state);
	char uri[POOL_INPUT_MAX + 1], shown[ATTEMPTS_NUMBER_MAX + 1];
	static const char *const lines[] = {
	        "415.555.0134 x12", "+1 (415) 555-0134 extension 1234567890",
	        "sip:a-rather-long-user-name-for-a-conference-bridge@pbx.example.com:5060",
	        NULL, /* the longest SIP URI a line may be: filled below */
	};
	struct pool_attempt a;
	struct attempt rec, back;
	size_t i;
	int n;

	/* "sip:" + user + "@h" up to POOL_INPUT_MAX bytes. */
	memset(uri, 'u', sizeof(uri));
	memcpy(uri, "sip:", 4);
	memcpy(uri + POOL_INPUT_MAX - 2, "@h", 2);
	uri[POOL_INPUT_MAX] = '\0';
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const char *line = lines[i] ? lines[i] : uri;

		memset(&a, 0, sizeof(a));
		a.line = 1;
		snprintf(a.input, sizeof(a.input), "%s", line);
		a.t_start = 1000 + (int64_t)i;
		a.outcome = CALL_OUT_NO_ANSWER;
		snprintf(a.reason, sizeof(a.reason), "no answer");
		pool_attempt_row(&rec, "s1", &a);
		assert_string_equal(rec.number, line);
		assert_int_equal(attempts_insert(st, &rec), 0);
		assert_int_equal(attempts_get(st, rec.id, &back), 0);
		assert_string_equal(back.number, line);
		assert_int_equal(
		        storetest_int(st, "SELECT length(number) FROM dial_attempts WHERE id = ?1",
		                      rec.id),
		        (int64_t)strlen(line));
		shown[0] = '\0';
		assert_int_equal(calllog_list(st, NULL, newest, shown), 1);
		assert_string_equal(shown, line);
	}
	/* A number dialled as E.164 is kept as E.164. */
	memset(&a, 0, sizeof(a));
	snprintf(a.input, sizeof(a.input), "(415) 555-0199");
	snprintf(a.e164, sizeof(a.e164), "+14155550199");
	pool_attempt_row(&rec, "s1", &a);
	assert_string_equal(rec.number, "+14155550199");
	/* A long URI that kept failing is parked by the whole of it: the check finds its rows. */
	for (i = 0; i < 3; i++) {
		memset(&rec, 0, sizeof(rec));
		snprintf(rec.number, sizeof(rec.number), "%s", uri);
		rec.started_at_ms = 5000 + (int64_t)i;
		snprintf(rec.outcome, sizeof(rec.outcome), "invalid_number");
		assert_int_equal(attempts_insert(st, &rec), 0);
	}
	assert_int_equal(attempts_number_recent_bad(st, uri, 0, &n), 0);
	assert_int_equal(n, 3);
}

/* A number filling the field without its end is refused (EINVAL), not stored cut. */
static void test_refused_not_cut(void **state)
{
	struct store *st = storetest_store(state);
	struct attempt rec;

	memset(&rec, 0, sizeof(rec));
	memset(rec.number, '7', sizeof(rec.number));
	rec.started_at_ms = 1;
	assert_int_equal(attempts_insert(st, &rec), EINVAL);
	assert_int_equal(storetest_int(st, "SELECT count(*) FROM dial_attempts", 0), 0);
	rec.number[sizeof(rec.number) - 1] = '\0';
	assert_int_equal(attempts_insert(st, &rec), 0);
	assert_int_equal(storetest_int(st, "SELECT length(number) FROM dial_attempts", 0),
	                 ATTEMPTS_NUMBER_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_kept_whole, setup, storetest_teardown),
	        cmocka_unit_test_setup_teardown(test_refused_not_cut, setup, storetest_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_dsession_rules: the dial session's pure rules (dsession.h): the line count in force under
 * line control, the figures from the counts, and the team's required names at wrap-up; and
 * the accessors on a NULL session. The session itself runs against the sandbox and real
 * baresip in tests/integration/test_dsession.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/dsession.h"

static void test_lines_in_force(void **state)
{
	static const struct {
		unsigned rep, advised;
		bool control;
		unsigned want;
	} cases[] = {
	        {3, 0, true, 3},  /* no advice yet */
	        {3, 1, true, 1},  /* lowered */
	        {3, 5, true, 3},  /* advice above the rep's count never raises it */
	        {3, 1, false, 3}, /* control off */
	        {9, 9, true, 9},  {1, 1, true, 1}, {0, 0, false, 1}, /* never below one */
	        {0, 2, true, 1},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(
		        dsession_lines_in_force(cases[i].rep, cases[i].advised, cases[i].control),
		        cases[i].want);
}

static void test_figures(void **state)
{
	struct dsession_stats s;

	(void)state;
	memset(&s, 0, sizeof(s));
	dsession_figures(&s);
	assert_true(s.connect_rate == 0 && s.dials_per_hour == 0);
	/* 30 dials in half an hour: 60 an hour, 6 connects: 20%. */
	s.dials = 30;
	s.connects = 6;
	s.elapsed_ms = 1800000;
	dsession_figures(&s);
	assert_true(s.connect_rate > 0.1999 && s.connect_rate < 0.2001);
	assert_true(s.dials_per_hour > 59.99 && s.dials_per_hour < 60.01);
	/* Two dials in the first second are not 7,200 an hour: at least a minute is assumed. */
	s.dials = 2;
	s.connects = 0;
	s.elapsed_ms = 1000;
	dsession_figures(&s);
	assert_true(s.dials_per_hour > 119.99 && s.dials_per_hour < 120.01);
	assert_true(s.connect_rate == 0);
	/* Before the start (elapsed 0, negative never): the floor. */
	s.elapsed_ms = -5;
	dsession_figures(&s);
	assert_true(s.dials_per_hour > 119.99 && s.dials_per_hour < 120.01);
}

static void test_required(void **state)
{
	char why[128], tiny[8];

	(void)state;
	why[0] = '\0';
	assert_int_equal(dsession_required_check(false, false, NULL, NULL, why, sizeof(why)), 0);
	assert_int_equal(dsession_required_check(false, false, "", "", why, sizeof(why)), 0);
	assert_string_equal(why, "");
	assert_int_equal(dsession_required_check(true, false, "", "x", why, sizeof(why)), EINVAL);
	assert_non_null(strstr(why, "disposition"));
	assert_int_equal(dsession_required_check(true, false, NULL, NULL, why, sizeof(why)),
	                 EINVAL);
	assert_int_equal(dsession_required_check(true, false, "Booked", NULL, why, sizeof(why)), 0);
	assert_int_equal(dsession_required_check(false, true, "Booked", "", why, sizeof(why)),
	                 EINVAL);
	assert_non_null(strstr(why, "sentiment"));
	assert_int_equal(
	        dsession_required_check(true, true, "Booked", "Positive", why, sizeof(why)), 0);
	/* The reason is cut to the buffer, never overrun; no buffer at all is fine. */
	assert_int_equal(dsession_required_check(true, true, "", "", tiny, sizeof(tiny)), EINVAL);
	assert_true(strlen(tiny) < sizeof(tiny));
	assert_int_equal(dsession_required_check(true, true, "", "", NULL, 0), EINVAL);
}

/* Every accessor and control takes a NULL session. */
static void test_null_session(void **state)
{
	struct dsession_snapshot s;
	struct dsession_entry e;
	char why[64];

	(void)state;
	dsession_snapshot(NULL, &s);
	assert_int_equal(s.phase, DSESSION_LOADING);
	dsession_snapshot(NULL, NULL);
	assert_int_equal(dsession_changes(NULL), 0);
	assert_int_equal(dsession_entries(NULL, 0, &e, 1), 0);
	assert_int_equal(dsession_start(NULL), EINVAL);
	assert_int_equal(dsession_pause(NULL, true), EINVAL);
	assert_int_equal(dsession_set_lines(NULL, 1), EINVAL);
	assert_int_equal(dsession_set_mode(NULL, DSESSION_PREVIEW), EINVAL);
	assert_int_equal(dsession_dial_next(NULL), EINVAL);
	assert_int_equal(dsession_skip(NULL, 0), EINVAL);
	assert_int_equal(dsession_hangup(NULL), EINVAL);
	assert_int_equal(dsession_mute(NULL, true), EINVAL);
	assert_int_equal(dsession_hold(NULL, true), EINVAL);
	assert_int_equal(dsession_dtmf(NULL, "1"), EINVAL);
	assert_int_equal(dsession_redial(NULL), EINVAL);
	assert_int_equal(dsession_voicemail_drop(NULL), EINVAL);
	assert_int_equal(dsession_wrapup(NULL, "", "", "", DSESSION_NEXT, why, sizeof(why)),
	                 EINVAL);
	assert_int_equal(dsession_discard(NULL), EINVAL);
	dsession_stop(NULL);
	dsession_free(NULL);
	assert_string_equal(dsession_phase_name(DSESSION_LOADING), "loading");
	assert_string_equal(dsession_phase_name(DSESSION_FAILED), "failed");
	assert_string_equal(dsession_phase_name(DSESSION_PHASE_COUNT), "?");
	assert_string_equal(dsession_entry_state_name(DSESSION_ENTRY_WAITING), "waiting");
	assert_string_equal(dsession_entry_state_name((enum dsession_entry_state) - 1), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_lines_in_force),
	        cmocka_unit_test(test_figures),
	        cmocka_unit_test(test_required),
	        cmocka_unit_test(test_null_session),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

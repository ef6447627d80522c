/*
 * Unit tests for personcad: a person's memberships with the cadence's name and the step after
 * the last one done (from calls, emails and the person's last_completed_step), the first
 * step when none is done, disabled and deleted steps skipped, memberships off their cadence
 * without a step and after those on one, other people left out, the limit, a callback that
 * stops, and bad arguments.
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

#include "loftdial/personcad.h"
#include "loftdial/records.h"
#include "loftdial/store.h"
#include "storetest.h"

static void put_step(struct store *st, int64_t id, int64_t cadence, int number, bool disabled)
{
	char f[256];

	snprintf(f, sizeof(f),
	         "\"id\":%lld,\"cadence\":{\"id\":%lld},\"step_number\":%d,\"day\":%d,"
	         "\"display_name\":\"Day %d: Step %d - Phone\",\"name\":\"s%d\",\"type\":\"phone\","
	         "\"disabled\":%s",
	         (long long)id, (long long)cadence, number, number * 2, number * 2, number, number,
	         disabled ? "true" : "false");
	storetest_put_fields(st, STORE_STEPS, f);
}

static void put_member(struct store *st, int64_t id, int64_t person, int64_t cadence,
                       const char *state, bool on, const char *added)
{
	char f[320];

	snprintf(f, sizeof(f),
	         "\"id\":%lld,\"person\":{\"id\":%lld},\"cadence\":{\"id\":%lld},"
	         "\"current_state\":\"%s\",\"currently_on_cadence\":%s,\"added_at\":\"%s\"",
	         (long long)id, (long long)person, (long long)cadence, state, on ? "true" : "false",
	         added);
	storetest_put_fields(st, STORE_MEMBERSHIPS, f);
}

struct seen {
	int n, stop_after;
	struct personcad m[16];
};

static int collect(const struct personcad *m, void *arg)
{
	struct seen *s = arg;

	if (s->n < 16)
		s->m[s->n] = *m;
	s->n++;
	return s->stop_after && s->n >= s->stop_after ? 7 : 0;
}

/* Cadence 10 (steps 101..104, 102 disabled), cadence 20 (steps 201, 202), cadence 30 not
 * synced; person 7 is on 10 and 20 and was on 30; person 8 is on 10. */
static void fixture(struct store *st)
{
	storetest_put_fields(st, STORE_CADENCES, "\"id\":10,\"name\":\"Q4 Outbound\"");
	storetest_put_fields(st, STORE_CADENCES, "\"id\":20,\"name\":\"Inbound follow-up\"");
	put_step(st, 101, 10, 1, false);
	put_step(st, 102, 10, 2, true);
	put_step(st, 103, 10, 3, false);
	put_step(st, 104, 10, 4, false);
	put_step(st, 201, 20, 1, false);
	put_step(st, 202, 20, 2, false);
	put_member(st, 1, 7, 10, "active", true, "2026-01-02T00:00:00Z");
	put_member(st, 2, 7, 20, "scheduled", true, "2026-01-03T00:00:00Z");
	put_member(st, 3, 7, 30, "completed", false, "2026-01-04T00:00:00Z");
	put_member(st, 4, 8, 10, "active", true, "2026-01-02T00:00:00Z");
}

static void test_bad_arguments(void **state)
{
	struct store *st = storetest_store(state);
	struct seen s = {0};

	assert_int_equal(personcad_list(NULL, 1, 0, collect, &s), EINVAL);
	assert_int_equal(personcad_list(st, 1, 0, NULL, &s), EINVAL);
	assert_int_equal(personcad_list(st, 0, 0, collect, &s), EINVAL);
	assert_int_equal(personcad_list(st, -3, 0, collect, &s), EINVAL);
	assert_int_equal(personcad_list(st, 1, 0, collect, &s), 0);
	assert_int_equal(s.n, 0);
}

static void test_first_steps_when_nothing_done(void **state)
{
	struct store *st = storetest_store(state);
	struct seen s = {0};

	fixture(st);
	assert_int_equal(personcad_list(st, 7, 0, collect, &s), 0);
	assert_int_equal(s.n, 3);
	/* On a cadence first, newest added first; then the one it left. */
	assert_int_equal(s.m[0].membership_id, 2);
	assert_string_equal(s.m[0].cadence, "Inbound follow-up");
	assert_string_equal(s.m[0].state, "scheduled");
	assert_true(s.m[0].on_cadence);
	assert_int_equal(s.m[0].step_id, 201);
	assert_int_equal(s.m[0].step_number, 1);
	assert_string_equal(s.m[0].step_name, "Day 2: Step 1 - Phone");
	assert_string_equal(s.m[0].step_type, "phone");
	assert_int_equal(s.m[1].membership_id, 1);
	assert_int_equal(s.m[1].step_id, 101);
	assert_int_equal(s.m[2].membership_id, 3);
	assert_int_equal(s.m[2].cadence_id, 30);
	assert_string_equal(s.m[2].cadence, ""); /* not synced */
	assert_false(s.m[2].on_cadence);
	assert_int_equal(s.m[2].step_id, 0);
	assert_string_equal(s.m[2].step_name, "");
}

static void test_step_after_the_last_done(void **state)
{
	struct store *st = storetest_store(state);
	struct seen s = {0};

	fixture(st);
	/* A call on step 1 of cadence 10: step 2 is disabled, so step 3 is next. */
	storetest_put_fields(
	        st, STORE_CALLS,
	        "\"id\":500,\"called_person\":{\"id\":7},\"cadence\":{\"id\":10},\"step\":{\"id\":"
	        "101}");
	/* Another person's email on step 3 changes nothing for person 7. */
	storetest_put_fields(st, STORE_EMAILS,
	                     "\"id\":600,\"recipient\":{\"id\":8},\"cadence\":{\"id\":10},\"step\":"
	                     "{\"id\":103}");
	/* The person's record says step 1 of cadence 20 is done. */
	storetest_put_fields(st, STORE_PEOPLE,
	                     "\"id\":7,\"first_name\":\"Ada\",\"last_completed_step\":{\"id\":201},"
	                     "\"last_completed_step_cadence\":{\"id\":20}");
	assert_int_equal(personcad_list(st, 7, 0, collect, &s), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.m[0].step_id, 202);
	assert_int_equal(s.m[1].step_id, 103);
	assert_int_equal(s.m[1].step_number, 3);
	assert_string_equal(s.m[1].step_name, "Day 6: Step 3 - Phone");
	memset(&s, 0, sizeof(s));
	assert_int_equal(personcad_list(st, 8, 0, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.m[0].step_id, 104);
	/* Every step done: no current step. */
	storetest_put_fields(st, STORE_EMAILS,
	                     "\"id\":601,\"recipient\":{\"id\":8},\"cadence\":{\"id\":10},\"step\":"
	                     "{\"id\":104}");
	memset(&s, 0, sizeof(s));
	assert_int_equal(personcad_list(st, 8, 0, collect, &s), 0);
	assert_int_equal(s.m[0].step_id, 0);
}

static void test_limit_and_stop(void **state)
{
	struct store *st = storetest_store(state);
	struct seen s = {0};

	fixture(st);
	assert_int_equal(personcad_list(st, 7, 2, collect, &s), 0);
	assert_int_equal(s.n, 2);
	memset(&s, 0, sizeof(s));
	s.stop_after = 1;
	assert_int_equal(personcad_list(st, 7, 0, collect, &s), 7);
	assert_int_equal(s.n, 1);
}

static void test_hostile_names_kept_as_text(void **state)
{
	struct store *st = storetest_store(state);
	struct seen s = {0};

	storetest_put_fields(st, STORE_CADENCES,
	                     "\"id\":40,\"name\":\"\\u001b]0;owned\\u0007Evil\"");
	put_member(st, 9, 11, 40, "active", true, "2026-01-02T00:00:00Z");
	assert_int_equal(personcad_list(st, 11, 0, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.m[0].cadence, "\x1b]0;owned\aEvil");
	assert_int_equal(s.m[0].step_id, 0); /* no steps synced */
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, storetest_setup_memory, storetest_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_bad_arguments),
	        T(test_first_steps_when_nothing_done),
	        T(test_step_after_the_last_done),
	        T(test_limit_and_stop),
	        T(test_hostile_names_kept_as_text),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}

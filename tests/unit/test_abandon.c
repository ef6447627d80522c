/*
 * Unit tests for the abandonment meter (abandon.h): the share, the start from the prior,
 * control off, the per-rep and per-campaign limits, and closed-loop runs against a synthetic
 * pool whose drops per win grow with the line count, checking that the share ends under the
 * ceiling and the line count settles where the model says it should.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/abandon.h"

static void test_share(void **state)
{
	struct abandon_tally t = {0, 0};

	(void)state;
	assert_true(abandon_share(NULL) == 0.0);
	assert_true(abandon_share(&t) == 0.0);
	t.live = -5; /* nonsense in, nothing odd out */
	assert_true(abandon_share(&t) == 0.0);
	t.live = 100;
	t.dropped = 3;
	assert_true(fabs(abandon_share(&t) - 0.03) < 1e-12);
}

static void test_start_and_bounds(void **state)
{
	struct abandon_tally over = {100, 10}, clean = {5000, 0};
	struct abandon_meter m;
	struct abandon_cfg c;
	unsigned i;

	(void)state;
	abandon_cfg_default(&c, 3, 9);
	assert_true(fabs(c.ceiling - 0.03) < 1e-12);
	assert_int_equal(c.max_lines, 9);
	/* With no history the prior alone decides: a cautious start, not all nine. */
	abandon_init(&m, &c);
	assert_true(m.lines >= 2 && m.lines <= 6);
	/* Over the ceiling: the minimum at once. */
	assert_int_equal(abandon_update(&m, &over, NULL), 1);
	assert_true(fabs(m.share - 0.1) < 1e-12);
	/* A long clean record brings every line back. */
	abandon_init(&m, &c);
	for (i = 0; i < 50; i++) {
		clean.live += 20;
		abandon_update(&m, &clean, &clean);
	}
	assert_int_equal(m.lines, 9);
	/* Control off (ceiling 0): always the maximum, whatever the share. */
	abandon_cfg_default(&c, 0, 7);
	abandon_init(&m, &c);
	assert_int_equal(m.lines, 7);
	assert_int_equal(abandon_update(&m, &over, &over), 7);
	/* One line: nothing to lower. */
	abandon_cfg_default(&c, 3, 1);
	abandon_init(&m, &c);
	assert_int_equal(abandon_update(&m, &over, &over), 1);
	/* min above max is clamped; nonsense settings fall back. */
	abandon_cfg_default(&c, 3, 2);
	c.min_lines = 5;
	c.target = 7;
	c.horizon = 0;
	abandon_init(&m, &c);
	assert_int_equal(abandon_update(&m, &over, NULL), 5);
	/* No tallies at all: the prior decides. */
	abandon_cfg_default(&c, 3, 9);
	abandon_init(&m, &c);
	assert_true(abandon_update(&m, NULL, NULL) >= 1);
}

/* The rep's share and the campaign's are each held to the ceiling: the worse one rules. */
static void test_user_and_campaign(void **state)
{
	struct abandon_tally bad = {400, 16}, good = {4000, 20};
	struct abandon_meter a, b;
	struct abandon_cfg c;

	(void)state;
	abandon_cfg_default(&c, 3, 9);
	abandon_init(&a, &c);
	abandon_init(&b, &c);
	assert_int_equal(abandon_update(&a, &bad, &good), 1);
	assert_int_equal(abandon_update(&b, &good, &bad), 1);
	assert_true(fabs(a.share - 0.04) < 1e-12);
	abandon_init(&a, &c);
	assert_true(abandon_update(&a, &good, &good) > 1);
	assert_true(abandon_update(&a, &good, NULL) > 1);
}

/* A window that shrinks (old answers age out) neither crashes the learning nor teaches it. */
static void test_rolling_window(void **state)
{
	struct abandon_tally t = {1000, 20};
	struct abandon_meter m;
	struct abandon_cfg c;
	double exposure;

	(void)state;
	abandon_cfg_default(&c, 3, 9);
	abandon_init(&m, &c);
	abandon_update(&m, &t, &t);
	t.live += 10;
	abandon_update(&m, &t, &t);
	exposure = m.exposure;
	assert_true(exposure > 0);
	t.live = 900;
	t.dropped = 15;
	abandon_update(&m, &t, &t);
	assert_true(m.exposure == exposure);
	t.live = 901;
	abandon_update(&m, &t, &t);
	assert_true(m.exposure > exposure);
}

/* Closed loop: a pool where each win drops k x (lines - 1) other answers on average. */
static void test_closed_loop(void **state)
{
	static const struct {
		double k;        /* true drops per win per extra line */
		unsigned lo, hi; /* where the mean line count must settle */
	} cases[] = {
	        {0.0005, 9, 9}, /* drops are rare: every line */
	        {0.0057, 5, 7}, /* 10% pickup, 1 s window: about 5.8 */
	        {0.02, 2, 3},   /* about 2.4 */
	        {0.2, 1, 1},    /* even two lines would break the ceiling */
	};
	struct abandon_meter m;
	struct abandon_cfg c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct abandon_tally t = {0, 0};
		double owed = 0, sum = 0, worst = 0;
		unsigned n, wins = 20000, counted = 0;

		abandon_cfg_default(&c, 3, 9);
		abandon_init(&m, &c);
		for (n = 0; n < wins; n++) {
			owed += cases[i].k * (m.lines - 1);
			t.live++;
			while (owed >= 1) {
				owed -= 1;
				t.live++;
				t.dropped++;
			}
			abandon_update(&m, &t, &t);
			if (n >= wins / 2) {
				sum += m.lines;
				counted++;
				if (abandon_share(&t) > worst)
					worst = abandon_share(&t);
			}
		}
		if (worst > c.ceiling)
			fail_msg("k %.4f: share reached %.4f", cases[i].k, worst);
		if (sum / counted < cases[i].lo - 0.5 || sum / counted > cases[i].hi + 0.5)
			fail_msg("k %.4f: mean lines %.2f, want %u..%u", cases[i].k, sum / counted,
			         cases[i].lo, cases[i].hi);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_share),
	        cmocka_unit_test(test_start_and_bounds),
	        cmocka_unit_test(test_user_and_campaign),
	        cmocka_unit_test(test_rolling_window),
	        cmocka_unit_test(test_closed_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for the abandonment meter (abandon.h): the share, the start from the prior (its
 * opening count and weight at each ceiling),
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

/* The cold start (docs/dialing.md, "The prior"): k = 0.008 weighted as 40 wins at the count it
 * opens with: about 4.5 lines at a 3% ceiling, the same for any dial.lines above that; the
 * meter's own data outweighs it after 40 wins; a first drop brings the count down at once. */
static void test_prior(void **state)
{
	static const struct {
		unsigned ceiling, max;
		double open; /* 1 + (0.9 c / (1 - 0.9 c)) / 0.008, within 1..max */
	} opens[] = {
	        {3, 9, 4.4687}, {3, 5, 4.4687}, {3, 4, 4},      {3, 3, 3},
	        {1, 9, 2.1352}, {2, 9, 3.2912}, {5, 9, 6.8901}, {3, 1, 1},
	};
	struct abandon_meter m;
	struct abandon_cfg c;
	struct abandon_tally t = {0, 0}, none = {0, 0};
	double sum = 0;
	unsigned i, n5 = 0, n4 = 0;

	(void)state;
	abandon_cfg_default(&c, 3, 9);
	assert_true(fabs(c.k_prior - 0.008) < 1e-12);
	assert_true(fabs(c.prior_wins - 40) < 1e-12);
	for (i = 0; i < sizeof(opens) / sizeof(opens[0]); i++) {
		abandon_cfg_default(&c, opens[i].ceiling, opens[i].max);
		abandon_init(&m, &c);
		if (fabs(m.open - opens[i].open) > 1e-3)
			fail_msg("ceiling %u%%, %u lines: opens at %.4f, want %.4f",
			         opens[i].ceiling, opens[i].max, m.open, opens[i].open);
		/* Weighed at the opening count: 40 wins there. */
		assert_true(fabs(m.prior_exposure - 40 * (m.open > 2 ? m.open - 1 : 1)) < 1e-9);
		assert_true(fabs(m.k - 0.008) < 1e-12);
	}
	/* With no history the count is dithered around 4.47: fours and fives, mean 4.47; never
	 * nine, never one. */
	abandon_cfg_default(&c, 3, 9);
	abandon_init(&m, &c);
	for (i = 0; i < 100; i++) {
		unsigned n = abandon_update(&m, &none, &none);

		n4 += n == 4;
		n5 += n == 5;
		sum += n;
	}
	assert_int_equal(n4 + n5, 100);
	assert_true(fabs(sum / 100 - 4.4687) < 0.02);
	/* Half prior, half data after 40 clean wins at the opening count: k about 0.004 (with the
	 * old weighting, 40 wins at nine lines, it was still 0.0056). With 40 clean live answers in
	 * the window the share leaves room too: every line. */
	abandon_init(&m, &c);
	for (i = 0; i < 40; i++) {
		t.live++;
		m.lines = i % 2 ? 5 : 4; /* hold the opening count while it learns */
		abandon_update(&m, &t, &t);
	}
	print_message("after 40 clean wins: k %.5f, %.2f lines\n", m.k, m.want);
	assert_true(m.k > 0.0035 && m.k < 0.0045);
	assert_int_equal(m.lines, 9);
	/* A drop among the first live answers: down from 4-5 to 2 at once, whatever the prior. */
	abandon_init(&m, &c);
	t.live = 10;
	t.dropped = 0;
	abandon_update(&m, &t, &t);
	t.live = 12;
	t.dropped = 1;
	assert_true(abandon_update(&m, &t, &t) <= 2);
	/* A prior weight of 0 is data alone; nonsense priors fall back to the default k. */
	abandon_cfg_default(&c, 3, 9);
	c.prior_wins = 0;
	c.k_prior = -1;
	abandon_init(&m, &c);
	assert_true(fabs(m.open - 4.4687) < 1e-3);
	assert_true(m.prior_exposure == 0);
}

/* The measured model (docs/dialing.md, "The measured model"): once a win's drop window is
 * measured and five live answers seen, the prior's k is margin x answer rate x window instead
 * of the fixed 0.008, so a list whose cancels land in milliseconds gets every line and one with
 * a long screening window few; the meter's own drops still outweigh it. */
static void test_model(void **state)
{
	struct abandon_tally t = {0, 0};
	struct abandon_meter m;
	struct abandon_cfg c;
	unsigned i;

	(void)state;
	abandon_cfg_default(&c, 3, 9);
	assert_true(fabs(c.model_margin - 2) < 1e-12);
	assert_true(fabs(c.model_answers - 5) < 1e-12);
	/* Nothing measured: the fixed prior, even with legs seen ringing. */
	abandon_init(&m, &c);
	for (i = 0; i < 40; i++)
		abandon_observe_ring(&m, 25, i % 10 == 9);
	t.live = 4;
	abandon_update(&m, &t, &t);
	assert_true(m.k_model == 0);
	assert_true(m.lines >= 4 && m.lines <= 5);
	/* A window, but four answers are too few for a rate: still the fixed prior. */
	abandon_observe_window(&m, 0.02);
	abandon_update(&m, &t, &t);
	assert_true(m.k_model == 0 && fabs(m.k - 0.008) < 1e-12);
	/* The loopback: five people in 1,000 s of ringing, cancels land in 20 ms. k = 2 x 6 /
	 * 1000 x 0.02 = 0.00024: every line (the fixed prior: 4 or 5). */
	abandon_observe_ring(&m, 0, true); /* the fifth answered at once */
	t.live = 5;
	abandon_update(&m, &t, &t);
	assert_true(fabs(m.k_model - 0.00024) < 1e-9);
	assert_int_equal(m.lines, 9);
	/* A long window at a high pickup (25%, AMD screening 2 s): k = 2 x 6 / 400 x 2 = 0.06,
	 * down to 1-2 lines before any drop. */
	abandon_init(&m, &c);
	for (i = 0; i < 20; i++)
		abandon_observe_ring(&m, 20, i % 4 == 0);
	abandon_observe_window(&m, 2);
	abandon_update(&m, &t, &t);
	assert_true(fabs(m.k_model - 0.06) < 1e-9);
	assert_true(m.lines <= 2);
	/* The window is the mean of those measured. */
	abandon_observe_window(&m, 0);
	abandon_update(&m, &t, &t);
	assert_true(fabs(m.k_model - 0.03) < 1e-9);
	/* Nonsense is ignored: negative, NaN, absurdly long. */
	abandon_observe_ring(&m, -1, true);
	abandon_observe_ring(&m, NAN, true);
	abandon_observe_ring(&m, 1e9, true);
	abandon_observe_window(&m, -0.5);
	abandon_observe_window(&m, NAN);
	abandon_observe_window(&m, 1e6);
	abandon_observe_ring(NULL, 1, true);
	abandon_observe_window(NULL, 1);
	assert_true(m.ring_s == 400 && m.answers == 5 && m.windows == 2);
	/* A margin of 0 turns the model off: the fixed prior again. */
	c.model_margin = 0;
	abandon_init(&m, &c);
	for (i = 0; i < 5; i++)
		abandon_observe_ring(&m, 20, true);
	abandon_observe_window(&m, 0.02);
	abandon_update(&m, &t, &t);
	assert_true(m.k_model == 0 && fabs(m.k - 0.008) < 1e-12);
	/* Drops outweigh a model that says there are none: one in the first 20 wins at nine
	 * lines brings the count under nine. */
	abandon_cfg_default(&c, 3, 9);
	abandon_init(&m, &c);
	for (i = 0; i < 5; i++)
		abandon_observe_ring(&m, 40, true);
	abandon_observe_window(&m, 0.02);
	t.live = t.dropped = 0;
	for (i = 0; i < 20; i++) {
		t.live++;
		abandon_update(&m, &t, &t);
	}
	assert_int_equal(m.lines, 9);
	t.live += 2;
	t.dropped++;
	abandon_update(&m, &t, &t);
	print_message("model k %.5f, k %.5f after one drop: %.2f lines\n", m.k_model, m.k, m.want);
	assert_true(m.lines < 9);
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
		double model;    /* > 0: the measured model says this k from the start */
	} cases[] = {
	        {0.0005, 9, 9, 0}, /* drops are rare: every line */
	        {0.0057, 5, 7, 0}, /* 10% pickup, 1 s window: about 5.8 */
	        {0.02, 2, 3, 0},   /* about 2.4 */
	        {0.2, 1, 1, 0},    /* even two lines would break the ceiling */
	        /* A model that is wrong either way is outweighed by what the meter sees. */
	        {0.0057, 5, 7, 0.0001},
	        {0.0005, 9, 9, 0.05},
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
		if (cases[i].model > 0) {
			unsigned j;

			/* 2 x (5 + 1) / 1200 s x W = model */
			for (j = 0; j < 5; j++)
				abandon_observe_ring(&m, 240, true);
			abandon_observe_window(&m, cases[i].model * 100);
		}
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
	        cmocka_unit_test(test_share),          cmocka_unit_test(test_start_and_bounds),
	        cmocka_unit_test(test_prior),          cmocka_unit_test(test_user_and_campaign),
	        cmocka_unit_test(test_rolling_window), cmocka_unit_test(test_closed_loop),
	        cmocka_unit_test(test_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * pacing: the budget estimate and the admit/wait rules, driven with explicit times.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "loftdial/pacing.h"

#define T0 1699999980000ull /* a window boundary: divisible by 60000 */

static void test_init_clamps(void **state)
{
	struct pacing p;

	pacing_init(&p, 0, 0, 0, 1);
	assert_int_equal(p.limit, 600);
	assert_int_equal(p.share, 1);
	assert_int_equal(p.window_ms, 60000);
	pacing_init(&p, 100, 500, 1000, 1);
	assert_int_equal(p.share, 100);
}

static void test_unlimited_server_never_waits(void **state)
{
	struct pacing p;
	int i;

	pacing_init(&p, 600, 50, 60000, 1);
	for (i = 0; i < 5000; i++) {
		assert_int_equal(pacing_delay(&p, PACING_SYNC, T0 + (uint64_t)i), 0);
		pacing_sent(&p, T0 + (uint64_t)i);
		pacing_done(&p, T0 + (uint64_t)i, -1, -1, 200); /* no header: no limit */
	}
	assert_int_equal(pacing_sync_budget(&p, T0), UINT32_MAX);
}

static void test_sync_keeps_reserve_writes_do_not(void **state)
{
	struct pacing p;
	uint64_t now = T0 + 1000;

	pacing_init(&p, 600, 50, 60000, 1);
	pacing_sent(&p, now);
	pacing_done(&p, now, 301, 1, 200); /* 301 left: sync may take one more */
	assert_int_equal(pacing_delay(&p, PACING_SYNC, now), 0);
	pacing_sent(&p, now);
	pacing_done(&p, now, 300, 1, 200);
	/* At the reserve: sync waits for the next window, writes still go. */
	assert_true(pacing_delay(&p, PACING_SYNC, now) >= 59000);
	assert_true(pacing_delay(&p, PACING_SYNC, now) <= 59000 + 3000);
	assert_int_equal(pacing_delay(&p, PACING_WRITE, now), 0);
	assert_int_equal(pacing_delay(&p, PACING_USER, now), 0);
	assert_int_equal(pacing_sync_budget(&p, now), 0);
	/* Writes may spend down to zero, then they wait too. */
	pacing_done(&p, now, 0, 1, 200);
	assert_true(pacing_delay(&p, PACING_WRITE, now) > 0);
	/* A new window gives the budget back (optimistically, until a header says more). */
	assert_int_equal(pacing_delay(&p, PACING_SYNC, T0 + 60000), 0);
	assert_int_equal(pacing_sync_budget(&p, T0 + 60000), 300);
}

static void test_inflight_counts_against_estimate(void **state)
{
	struct pacing p;
	uint64_t now = T0 + 10;
	int i;

	pacing_init(&p, 10, 50, 60000, 1);
	pacing_sent(&p, now);
	pacing_done(&p, now, 9, 1, 200);
	/* Reserve is 5: with 9 left, 3 more may leave (9-1 >= 5 ... 6-1 >= 5). */
	for (i = 0; i < 4; i++) {
		if (pacing_delay(&p, PACING_SYNC, now))
			break;
		pacing_sent(&p, now);
	}
	assert_int_equal(i, 4);
	assert_true(pacing_delay(&p, PACING_SYNC, now) > 0);
}

static void test_limit_learned_upward(void **state)
{
	struct pacing p;

	pacing_init(&p, 600, 50, 60000, 1);
	pacing_sent(&p, T0);
	pacing_done(&p, T0, 1999, 1, 200);
	assert_int_equal(p.limit, 2000);
	pacing_done(&p, T0, 10, 1, 200); /* a lower figure never lowers the limit */
	assert_int_equal(p.limit, 2000);
}

/* The rate limit's share of an ETA: what fits now is free, the rest takes whole windows. */
static void test_sync_eta(void **state)
{
	struct pacing p;
	uint64_t now = T0 + 20000, wait;

	pacing_init(&p, 600, 50, 60000, 1);
	/* No header yet: no limit reported, nothing to wait for. */
	assert_int_equal(pacing_sync_eta(&p, now, 1000000), 0);
	pacing_sent(&p, now);
	pacing_done(&p, now, 310, 1, 200); /* sync may still send 10 in this window */
	assert_int_equal(pacing_sync_eta(&p, now, 0), 0);
	assert_int_equal(pacing_sync_eta(&p, now, 10), 0);
	/* 11 to 310: the 11th waits for the next window (40 s away), 300 a window after that. */
	assert_int_equal(pacing_sync_eta(&p, now, 11), 40000);
	assert_int_equal(pacing_sync_eta(&p, now, 310), 40000);
	assert_int_equal(pacing_sync_eta(&p, now, 311), 100000);
	assert_int_equal(pacing_sync_eta(&p, now, 910), 100000 + 60000);
	/* After a 429 the block's end starts the first window that counts. */
	wait = pacing_throttle(&p, now);
	assert_int_equal(pacing_sync_eta(&p, now, 1), wait);
	assert_int_equal(pacing_sync_eta(&p, now, 301), wait + 60000);
}

static void test_throttle_blocks_everything_until_next_window(void **state)
{
	struct pacing p;
	uint64_t now = T0 + 45000, wait;

	pacing_init(&p, 600, 50, 60000, 42);
	wait = pacing_throttle(&p, now);
	assert_true(wait >= 15000 && wait <= 15000 + 3000);
	assert_true(pacing_delay(&p, PACING_WRITE, now) == wait);
	assert_true(pacing_delay(&p, PACING_SYNC, now + 1000) == wait - 1000);
	assert_int_equal(pacing_delay(&p, PACING_WRITE, now + wait), 0);
	assert_int_equal(p.throttled, 1);
}

static void test_short_window(void **state)
{
	struct pacing p;
	uint64_t now = T0 + 1500, wait;

	pacing_init(&p, 600, 50, 2000, 3);
	wait = pacing_throttle(&p, now);
	assert_true(wait >= 500 && wait <= 500 + 100);
}

static void test_backoff(void **state)
{
	struct pacing p;
	unsigned a;

	pacing_init(&p, 600, 50, 60000, 7);
	for (a = 1; a <= 12; a++) {
		uint64_t full = 250ull << (a - 1 < 10 ? a - 1 : 10);
		uint64_t d = pacing_backoff(&p, a, 250, 15000);

		if (full > 15000)
			full = 15000;
		assert_true(d >= full / 2 && d <= full);
	}
	assert_int_equal(pacing_backoff(&p, 1, 0, 100), 0);
}

static void test_transport_failure_learns_nothing(void **state)
{
	struct pacing p;

	pacing_init(&p, 600, 50, 60000, 1);
	pacing_sent(&p, T0);
	pacing_done(&p, T0, 5, 1, 200);
	pacing_sent(&p, T0);
	pacing_done(&p, T0, -1, -1, 0);
	assert_true(p.limited);
	assert_int_equal(p.inflight, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_init_clamps),
	        cmocka_unit_test(test_unlimited_server_never_waits),
	        cmocka_unit_test(test_sync_keeps_reserve_writes_do_not),
	        cmocka_unit_test(test_inflight_counts_against_estimate),
	        cmocka_unit_test(test_limit_learned_upward),
	        cmocka_unit_test(test_throttle_blocks_everything_until_next_window),
	        cmocka_unit_test(test_short_window),
	        cmocka_unit_test(test_backoff),
	        cmocka_unit_test(test_sync_eta),
	        cmocka_unit_test(test_transport_failure_learns_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * storeretry and the busy timeout: a second connection to the same file (another loftdial
 * process) holds the write lock; with a short busy timeout the writer gets EBUSY at once
 * instead of freezing, and storeretry_run() tries again from the loop until the lock is
 * released (the write lands), until it gives up (EBUSY), or until it is cancelled.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <re.h>

#include "loftdial/loop.h"
#include "loftdial/outbox.h"
#include "loftdial/storeretry.h"
#include "storetest.h"

static struct store *other;
static int results[8];
static unsigned nresults, tries;
static struct tmr release_tmr, end_tmr;

static int setup(void **state)
{
	if (storetest_setup(state, "storeretry") || loop_init())
		return -1;
	tmr_init(&release_tmr);
	tmr_init(&end_tmr);
	nresults = tries = 0;
	return store_open(&other, ((struct storetest *)*state)->path) ? -1 : 0;
}

static int teardown(void **state)
{
	tmr_cancel(&release_tmr);
	tmr_cancel(&end_tmr);
	store_close(other);
	other = NULL;
	loop_close();
	return storetest_teardown(state);
}

/* The write: one item, in a transaction of its own (outbox_enqueue). */
static int enqueue(struct store *st, void *arg)
{
	tries++;
	return outbox_enqueue(st, "call", arg, "{}", NULL);
}

static void done(int err, void *arg)
{
	if (nresults < 8)
		results[nresults++] = err;
	loop_quit(0);
}

static void release(void *arg)
{
	assert_int_equal(store_commit(other), 0);
}

static void end_loop(void *arg)
{
	loop_quit(1);
}

/* Runs the loop until done or ms pass. */
static void run(unsigned ms)
{
	tmr_start(&end_tmr, ms, end_loop, NULL);
	(void)loop_run();
	tmr_cancel(&end_tmr);
}

static void test_busy_timeout(void **state)
{
	struct storetest *fx = *state;
	unsigned long long t0;

	assert_int_equal(store_busy_timeout(fx->st), STORE_BUSY_DEFAULT_MS);
	assert_int_equal(store_set_busy_timeout(fx->st, STORE_BUSY_MAX_MS + 1), EINVAL);
	assert_int_equal(store_set_busy_timeout(NULL, 10), EINVAL);
	assert_int_equal(store_busy_timeout(NULL), 0);
	assert_int_equal(store_set_busy_timeout(fx->st, 0), 0);
	assert_int_equal(store_busy_timeout(fx->st), 0);
	/* Another connection writes: this one is refused at once, not after five seconds. */
	assert_int_equal(store_begin(other), 0);
	t0 = loop_now_ms();
	assert_int_equal(store_begin(fx->st), EBUSY);
	assert_int_equal(outbox_enqueue(fx->st, "call", "task:1", "{}", NULL), EBUSY);
	printf("  a write refused by a busy database returned in %llu ms\n", loop_now_ms() - t0);
	/* Reading goes on beside the writer (WAL). */
	{
		struct outbox_counts c;

		assert_int_equal(outbox_counts(fx->st, &c), 0);
	}
	store_rollback(other);
	assert_int_equal(outbox_enqueue(fx->st, "call", "task:1", "{}", NULL), 0);
}

static void test_retry_lands(void **state)
{
	struct storetest *fx = *state;
	struct storeretry *r = NULL;
	struct outbox_item it;

	assert_int_equal(store_set_busy_timeout(fx->st, 0), 0);
	/* Not busy: the result comes back at once and done is not called. */
	assert_int_equal(storeretry_run(&r, fx->st, enqueue, done, "task:1", 1000), 0);
	assert_null(r);
	assert_int_equal(storeretry_run(&r, fx->st, enqueue, done, "task:1", 1000), EEXIST);
	assert_int_equal(nresults, 0);
	/* Busy: tried again from the loop until the other connection commits. */
	assert_int_equal(store_begin(other), 0);
	tries = 0;
	assert_int_equal(storeretry_run(&r, fx->st, enqueue, done, "task:2", 10000), EINPROGRESS);
	assert_non_null(r);
	tmr_start(&release_tmr, 150, release, NULL);
	run(10000);
	assert_int_equal(nresults, 1);
	assert_int_equal(results[0], 0);
	assert_null(r);
	assert_true(tries > 2);
	printf("  the write landed after %u tries\n", tries);
	assert_int_equal(outbox_get_by_key(fx->st, "task:2", &it), 0);
	outbox_item_clear(&it);
}

static void test_retry_gives_up_or_is_cancelled(void **state)
{
	struct storetest *fx = *state;
	struct storeretry *r = NULL;
	struct outbox_item it;

	assert_int_equal(store_set_busy_timeout(fx->st, 0), 0);
	assert_int_equal(store_begin(other), 0);
	assert_int_equal(storeretry_run(&r, fx->st, enqueue, done, "task:3", 100), EINPROGRESS);
	run(10000);
	assert_int_equal(nresults, 1);
	assert_int_equal(results[0], EBUSY);
	assert_null(r);
	/* Cancelled: done never runs, nothing is written even once the lock is free. */
	assert_int_equal(storeretry_run(&r, fx->st, enqueue, done, "task:4", 10000), EINPROGRESS);
	storeretry_cancel(r);
	assert_null(r);
	store_rollback(other);
	run(300);
	assert_int_equal(nresults, 1);
	assert_int_equal(outbox_get_by_key(fx->st, "task:4", &it), ENOENT);
	storeretry_cancel(NULL);
	assert_int_equal(storeretry_run(NULL, NULL, enqueue, done, NULL, 0), EINVAL);
	assert_int_equal(storeretry_run(NULL, fx->st, NULL, done, NULL, 0), EINVAL);
	assert_int_equal(storeretry_run(NULL, fx->st, enqueue, NULL, NULL, 0), EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_busy_timeout, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_retry_lands, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_retry_gives_up_or_is_cancelled, setup,
	                                        teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * outbox observation: the counts kept in memory per connection, the watchers told once a
 * change is committed (at once, at the end of a caller's transaction, after a rollback), and
 * changes by another connection to the same file seen by outbox_refresh().
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/outbox.h"
#include "storetest.h"

struct seen {
	unsigned calls;
	struct outbox_counts last;
};

static void on_change(const struct outbox_counts *c, void *arg)
{
	struct seen *s = arg;

	s->calls++;
	s->last = *c;
}

static int setup(void **state)
{
	return storetest_setup(state, "outbox_watch");
}

static void bad_args(void **state)
{
	struct storetest *fx = *state;
	struct outbox_counts c;
	struct seen s = {0};
	int i;

	assert_int_equal(outbox_watch(NULL, on_change, &s), EINVAL);
	assert_int_equal(outbox_watch(fx->st, NULL, &s), EINVAL);
	assert_int_equal(outbox_counts_cached(NULL, &c), EINVAL);
	assert_int_equal(outbox_counts_cached(fx->st, NULL), EINVAL);
	assert_int_equal(outbox_refresh(NULL), EINVAL);
	assert_int_equal(outbox_changes(NULL), 0);
	assert_int_equal(outbox_changes(fx->st), 0);
	outbox_unwatch(NULL, on_change, &s);
	outbox_unwatch(fx->st, on_change, &s);
	assert_int_equal(outbox_watch(fx->st, on_change, &s), 0);
	assert_int_equal(outbox_watch(fx->st, on_change, &s), EEXIST);
	for (i = 1; i < OUTBOX_WATCH_MAX; i++)
		assert_int_equal(outbox_watch(fx->st, on_change, (char *)&s + i), 0);
	assert_int_equal(outbox_watch(fx->st, on_change, (char *)&s + i), ENOSPC);
}

/* Each committed change is told once with counts that match the table. */
static void told_per_change(void **state)
{
	struct storetest *fx = *state;
	struct outbox_counts c, t;
	struct seen s = {0};
	int64_t a = 0, b = 0;

	assert_int_equal(outbox_enqueue(fx->st, "call", "task:1", "{}", &a), 0);
	/* Counted from the table the first time. */
	assert_int_equal(outbox_counts_cached(fx->st, &c), 0);
	assert_int_equal(c.queued, 1);
	assert_int_equal(outbox_watch(fx->st, on_change, &s), 0);
	assert_int_equal(outbox_enqueue(fx->st, "call", "task:2", "{}", &b), 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.last.queued, 2);
	assert_int_equal(outbox_mark_sending(fx->st, a), 0);
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.last.queued, 1);
	assert_int_equal(s.last.sending, 1);
	assert_int_equal(outbox_mark_sent(fx->st, a, 99, NULL), 0);
	assert_int_equal(outbox_mark_failed(fx->st, b, "422"), 0);
	assert_int_equal(s.calls, 4);
	assert_int_equal(s.last.sent, 1);
	assert_int_equal(s.last.failed, 1);
	assert_int_equal(s.last.queued, 0);
	/* A transition that does not apply changes nothing and tells nobody. */
	assert_int_equal(outbox_mark_sending(fx->st, a), EALREADY);
	assert_int_equal(outbox_mark_sent(fx->st, 12345, 0, NULL), ENOENT);
	assert_int_equal(outbox_enqueue(fx->st, "call", "task:1", "{}", NULL), EEXIST);
	assert_int_equal(s.calls, 4);
	assert_int_equal(outbox_requeue(fx->st, b), 0);
	assert_int_equal(s.calls, 5);
	assert_int_equal(outbox_changes(fx->st), 6); /* the first enqueue too */
	assert_int_equal(outbox_counts_cached(fx->st, &c), 0);
	assert_int_equal(outbox_counts(fx->st, &t), 0);
	assert_memory_equal(&c, &t, sizeof(c));
	assert_int_equal(c.queued, 1);
	outbox_unwatch(fx->st, on_change, &s);
	assert_int_equal(outbox_mark_sending(fx->st, b), 0);
	assert_int_equal(s.calls, 5);
	assert_int_equal(outbox_counts_cached(fx->st, &c), 0);
	assert_int_equal(c.sending, 1);
}

/* Inside a caller's transaction the watchers hear of the change when it ends: once at the
 * commit, and again after a rollback that undid one. */
static void told_at_transaction_end(void **state)
{
	struct storetest *fx = *state;
	struct outbox_counts c;
	struct seen s = {0};

	assert_int_equal(outbox_watch(fx->st, on_change, &s), 0);
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(outbox_enqueue(fx->st, "call", "task:1", "{}", NULL), 0);
	assert_int_equal(outbox_enqueue(fx->st, "call", "task:2", "{}", NULL), 0);
	assert_int_equal(s.calls, 0);
	assert_int_equal(store_commit(fx->st), 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.last.queued, 2);

	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(outbox_enqueue(fx->st, "call", "task:3", "{}", NULL), 0);
	/* Read inside the transaction: this connection sees its own work... */
	assert_int_equal(outbox_counts_cached(fx->st, &c), 0);
	assert_int_equal(c.queued, 3);
	store_rollback(fx->st);
	/* ...and the rollback takes it back, and says so. */
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.last.queued, 2);
	assert_int_equal(outbox_counts_cached(fx->st, &c), 0);
	assert_int_equal(c.queued, 2);

	/* A rolled-back savepoint inside a committed transaction. */
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(outbox_enqueue(fx->st, "call", "task:4", "{}", NULL), 0);
	store_rollback(fx->st);
	assert_int_equal(s.calls, 2);
	assert_int_equal(store_commit(fx->st), 0);
	assert_int_equal(s.calls, 3);
	assert_int_equal(s.last.queued, 2);

	/* A transaction without outbox work tells nobody. */
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(store_meta_set(fx->st, "k", "v"), 0);
	assert_int_equal(store_commit(fx->st), 0);
	assert_int_equal(s.calls, 3);
}

/* Another connection (another loftdial process) changes the same file. */
static void other_connection(void **state)
{
	struct storetest *fx = *state;
	struct store *other = NULL;
	struct outbox_counts c;
	struct seen s = {0};
	int64_t id = 0;

	assert_int_equal(store_open(&other, fx->path), 0);
	assert_int_equal(outbox_watch(fx->st, on_change, &s), 0);
	assert_int_equal(outbox_counts_cached(fx->st, &c), 0);
	assert_int_equal(c.queued, 0);
	/* Nothing changed: no call. */
	assert_int_equal(outbox_refresh(fx->st), 0);
	assert_int_equal(s.calls, 0);
	assert_int_equal(outbox_enqueue(other, "call", "task:1", "{}", &id), 0);
	/* The memory is not re-read by itself... */
	assert_int_equal(outbox_counts_cached(fx->st, &c), 0);
	assert_int_equal(c.queued, 0);
	/* ...outbox_refresh sees the other commit. */
	assert_int_equal(outbox_refresh(fx->st), 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.last.queued, 1);
	assert_int_equal(outbox_refresh(fx->st), 0);
	assert_int_equal(s.calls, 1);
	/* A commit elsewhere that leaves the counts as they were tells nobody. */
	assert_int_equal(store_meta_set(other, "k", "v"), 0);
	assert_int_equal(outbox_refresh(fx->st), 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(outbox_mark_failed(other, id, "gone"), 0);
	assert_int_equal(outbox_refresh(fx->st), 0);
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.last.queued, 0);
	assert_int_equal(s.last.failed, 1);
	store_close(other);
}

/* A watcher may remove itself while being told. */
static void unwatch_from_handler_h(const struct outbox_counts *c, void *arg)
{
	struct storetest *fx = arg;

	outbox_unwatch(fx->st, unwatch_from_handler_h, arg);
}

static void unwatch_from_handler(void **state)
{
	struct storetest *fx = *state;
	struct seen s = {0};

	assert_int_equal(outbox_watch(fx->st, unwatch_from_handler_h, fx), 0);
	assert_int_equal(outbox_watch(fx->st, on_change, &s), 0);
	assert_int_equal(outbox_enqueue(fx->st, "call", "task:1", "{}", NULL), 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(outbox_enqueue(fx->st, "call", "task:2", "{}", NULL), 0);
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.last.queued, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(bad_args, setup, storetest_teardown),
	        cmocka_unit_test_setup_teardown(told_per_change, setup, storetest_teardown),
	        cmocka_unit_test_setup_teardown(told_at_transaction_end, setup, storetest_teardown),
	        cmocka_unit_test_setup_teardown(other_connection, setup, storetest_teardown),
	        cmocka_unit_test_setup_teardown(unwatch_from_handler, setup, storetest_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

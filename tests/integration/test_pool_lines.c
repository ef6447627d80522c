/*
 * test_pool_lines: the dial pool's run-time controls against real baresip: the line count
 * lowered while three legs ring (no live leg is ended; new dials use only the lines left),
 * pause (the queue is held, legs go on) and resume, and the pre-dial hook (a refused line is
 * never dialled and makes no attempt).
 *
 * carol never answers (manual mode), so every leg rings until the pool's ring timeout.
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

#include "loftdial/text.h"
#include "phonetest.h"

static char root[600];
static struct pt_peer carol;
static struct pt_pool T;
static int refuse_tag, tags[8];
static unsigned hook_calls;

static int setup(void **state)
{
	struct pt_peer_opts o;

	(void)state;
	if (tl_tmpdir(root, sizeof(root), "pool-lines") || pt_loop_init())
		return -1;
	memset(&o, 0, sizeof(o));
	o.user = "carol";
	o.answermode = "manual";
	return pt_peer_start(&carol, root, "carol", &o);
}

static int teardown(void **state)
{
	(void)state;
	pt_peer_stop(&carol);
	pt_loop_close();
	tl_rmrf(root);
	return 0;
}

/* Refuses the line tagged &refuse_tag. */
static int pre_dial(void *user, const char *line, char *why, size_t whyn, void *arg)
{
	(void)line;
	(void)arg;
	hook_calls++;
	if (user == &refuse_tag) {
		text_copy(why, whyn, "refused by the test");
		return EPERM;
	}
	return 0;
}

static unsigned want_dialing;
static bool dialing_enough(void *arg)
{
	(void)arg;
	return pt_pool_count(&T, POOL_EV_DIALING, 0) >= want_dialing;
}

/* The index of the first note of kind ev for attempt, or -1. */
static int note_at(enum pool_ev ev, unsigned attempt)
{
	unsigned i;

	for (i = 0; i < T.nnotes; i++)
		if (T.notes[i].ev == ev && T.notes[i].attempt == attempt)
			return (int)i;
	return -1;
}

static void test_lines_pause_hook(void **state)
{
	struct pool_opts po;
	struct phone_opts ph;
	struct pool_snapshot s;
	char uri[128];
	unsigned i;
	int sb, cb;

	(void)state;
	assert_int_equal(pt_port_block(3, &sb, &cb), 0);
	pt_pool_defaults(&po, &ph, root, 3, sb, cb, NULL);
	po.ring_timeout_ms = 2500;
	po.stagger_ms = 50;
	po.pre_dial = pre_dial;
	assert_int_equal(pt_pool_start(&T, &po, &ph), 0);
	assert_int_equal(pool_set_lines(T.pool, 0), ERANGE);
	assert_int_equal(pool_set_lines(T.pool, 4), ERANGE);
	assert_int_equal(pool_set_lines(NULL, 1), EINVAL);
	assert_int_equal(pool_lines(T.pool), 3);
	assert_int_equal(pool_lines(NULL), 0);
	assert_true(pt_pool_wait_up(&T, 3, PT_WAIT_MS));
	pt_peer_uri(&carol, uri, sizeof(uri));

	/* The refused line first: the hook sees it, nothing is dialled, no attempt is made. */
	assert_int_equal(pool_add(T.pool, uri, &refuse_tag), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(pool_add(T.pool, uri, &tags[i]), 0);
	pool_start(T.pool);
	want_dialing = 3;
	assert_true(pt_run_until(dialing_enough, NULL, PT_WAIT_MS));
	pool_snapshot(T.pool, &s);
	assert_int_equal(s.attempts, 3);
	assert_int_equal(s.busy, 3);
	assert_true(hook_calls >= 4);
	for (i = 0; i < 3; i++)
		assert_ptr_equal(s.lines[i].a.user, &tags[i]);

	/* One line from now on: the three ringing legs go on. */
	assert_int_equal(pool_set_lines(T.pool, 1), 0);
	pool_snapshot(T.pool, &s);
	assert_int_equal(s.active_lines, 1);
	assert_int_equal(s.busy, 3);
	assert_int_equal(pt_pool_count(&T, POOL_EV_HANGUP, 0), 0);

	/* Paused: two more wait in the queue while the three ring out. */
	pool_pause(T.pool, true);
	assert_int_equal(pool_add(T.pool, uri, &tags[3]), 0);
	assert_int_equal(pool_add(T.pool, uri, &tags[4]), 0);
	assert_true(pt_pool_wait_ended(&T, 3, PT_WAIT_MS));
	for (i = 0; i < 3; i++) {
		assert_int_equal(T.ended[i].outcome, CALL_OUT_NO_ANSWER);
		assert_non_null(strstr(T.ended[i].reason, "no answer"));
	}
	pt_run_for(500); /* a paused pool would have dialled by now */
	pool_snapshot(T.pool, &s);
	assert_true(s.paused);
	assert_int_equal(s.busy, 0);
	assert_int_equal(s.queued, 2);
	assert_int_equal(pt_pool_count(&T, POOL_EV_DIALING, 0), 3);

	/* Resumed on one line: one leg at a time, on line 1. */
	pool_pause(T.pool, false);
	assert_true(pt_pool_wait_ended(&T, 5, PT_WAIT_MS));
	assert_int_equal(pt_pool_attempt(&T, 4)->line, 1);
	assert_int_equal(pt_pool_attempt(&T, 5)->line, 1);
	/* (attempt 4's record may wait for its INVITE's final response after the line is free,
	 * so its hangup, not its record, comes before the next dial) */
	assert_true(note_at(POOL_EV_HANGUP, 4) >= 0);
	assert_true(note_at(POOL_EV_DIALING, 5) > note_at(POOL_EV_HANGUP, 4));
	pool_snapshot(T.pool, &s);
	assert_false(s.paused);
	assert_int_equal(s.attempts, 5);
	pt_pool_finish(&T);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_lines_pause_hook),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

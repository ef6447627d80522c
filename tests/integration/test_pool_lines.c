/*
 * test_pool_lines: the dial pool's run-time controls against real baresip: the line count
 * lowered while three legs ring (no live leg is ended; new dials use only the lines left),
 * pause (the queue is held, legs go on) and resume, and the pre-dial hook (a refused line is
 * never dialled and makes no attempt); and the first round in line order when line 1's engine
 * starts last (baresip run through a script that holds line 1 back): person 1 goes to line 1,
 * and with a short first-round wait the round goes on without line 1 and says so.
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
#include <sys/stat.h>

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

/* Writes a baresip that starts line 1's engine delay_s late, into root; its path goes in out. */
static void slow_line1(char *out, size_t n, const char *delay_s)
{
	FILE *f;

	assert_int_equal(text_printf(out, n, "%s/slow-line1-baresip", root), 0);
	f = fopen(out, "w");
	assert_non_null(f);
	/* engine.c runs "baresip -s -f DIR" ($3 is DIR, which ends in engine/lineN). */
	fprintf(f,
	        "#!/bin/sh\ncase \"$3\" in */line1|*/line1/) sleep %s ;; esac\n"
	        "exec baresip \"$@\"\n",
	        delay_s);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(out, 0755), 0);
}

/* The index of the first warning note about the first round, or -1. */
static int round_warning(void)
{
	unsigned i;

	for (i = 0; i < T.nnotes; i++)
		if (T.notes[i].ev == POOL_EV_WARNING && strstr(T.notes[i].text, "first round"))
			return (int)i;
	return -1;
}

/* Starts a three-line pool whose line 1 comes up delay_s late, with three numbers queued. */
static void start_slow(const char *delay_s, unsigned first_round_ms)
{
	struct pool_opts po;
	struct phone_opts ph;
	char uri[128];
	static char prog[700];
	unsigned i;
	int sb, cb;

	slow_line1(prog, sizeof(prog), delay_s);
	assert_int_equal(pt_port_block(3, &sb, &cb), 0);
	pt_pool_defaults(&po, &ph, root, 3, sb, cb, NULL);
	ph.baresip = prog;
	po.ring_timeout_ms = 20000;
	po.stagger_ms = 50;
	po.first_round_ms = first_round_ms;
	assert_int_equal(pt_pool_start(&T, &po, &ph), 0);
	pt_peer_uri(&carol, uri, sizeof(uri));
	for (i = 0; i < 3; i++)
		assert_int_equal(pool_add(T.pool, uri, &tags[i]), 0);
}

/* Started before the engines are up, line 1's the last: the first round waits for it, so
 * person i goes to line i (without the wait line 2 took person 1). */
static void test_first_round_order(void **state)
{
	struct pool_snapshot s;
	unsigned i;

	(void)state;
	start_slow("1.5", 15000); /* a wait far longer than line 1 needs, even under load */
	pool_start(T.pool);
	want_dialing = 3;
	assert_true(pt_run_until(dialing_enough, NULL, PT_WAIT_MS));
	pool_snapshot(T.pool, &s);
	for (i = 0; i < 3; i++)
		assert_ptr_equal(s.lines[i].a.user, &tags[i]);
	assert_int_equal(round_warning(), -1);
	pt_pool_finish(&T);
}

static bool two_up(void *arg)
{
	(void)arg;
	return pool_line_up(T.pool, 2) && pool_line_up(T.pool, 3);
}

/* A first-round wait shorter than line 1's start: the round goes on with lines 2 and 3 and
 * says line 1 is not up; line 1 takes the next number once it is up. */
static void test_first_round_timeout(void **state)
{
	unsigned i;
	int w;

	(void)state;
	start_slow("3", 200);
	assert_true(pt_run_until(two_up, NULL, PT_WAIT_MS));
	assert_false(pool_line_up(T.pool, 1));
	pool_start(T.pool);
	want_dialing = 3;
	assert_true(pt_run_until(dialing_enough, NULL, PT_WAIT_MS));
	w = round_warning();
	assert_true(w >= 0);
	assert_non_null(strstr(T.notes[w].text, "on 2 of 3 lines: line 1 not up"));
	for (i = 1; i <= 3; i++)
		assert_true(note_at(POOL_EV_DIALING, i) > w);
	assert_int_equal(T.notes[note_at(POOL_EV_DIALING, 1)].line, 2);
	assert_int_equal(T.notes[note_at(POOL_EV_DIALING, 2)].line, 3);
	assert_int_equal(T.notes[note_at(POOL_EV_DIALING, 3)].line, 1);
	pt_pool_finish(&T);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_lines_pause_hook),
	        cmocka_unit_test(test_first_round_order),
	        cmocka_unit_test(test_first_round_timeout),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

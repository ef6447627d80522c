/*
 * test_pool_snapshot: the dial pool's snapshot accessor (pool_snapshot) against real baresip,
 * the seam a face draws the lines, the phases and the queue from.
 *
 * Two lines. Before pool_start the pool is READY; once the engines are up both lines are IDLE.
 * carol (manual answer) rings on one line while four lines wait: the queue's head is in the
 * snapshot in order. alice (auto answer, greeting, then hangs up) is added: her line goes
 * CONNECTED, carol's is hung up, and when alice ends the call the pool is in WRAP-UP
 * (auto_resume off). pool_stop() is STOPPING at once. Every snapshot is a copy: it stays the
 * same after the pool moves on. The change counter moves with every note and only then.
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

#include "phonetest.h"

static char root[600];
static struct pt_audio audio;
static struct pt_peer alice, carol;
static struct pt_pool T;
static struct pool_snapshot snap;

static int setup(void **state)
{
	struct pt_peer_opts o;
	static char greet[800];

	if (tl_tmpdir(root, sizeof(root), "pool-snapshot") || pt_loop_init() ||
	    pt_audio_make(&audio, root))
		return -1;
	snprintf(greet, sizeof(greet), "aufile,%s", audio.greet);
	memset(&o, 0, sizeof(o));
	o.answermode = "auto";
	o.ausrc = greet;
	o.user = "alice";
	if (pt_peer_start(&alice, root, "alice", &o))
		return -1;
	memset(&o, 0, sizeof(o));
	o.user = "carol";
	o.answermode = "manual";
	return pt_peer_start(&carol, root, "carol", &o);
}

static int teardown(void **state)
{
	pt_peer_stop(&alice);
	pt_peer_stop(&carol);
	pt_loop_close();
	tl_rmrf(root);
	return 0;
}

/* The line whose live attempt dials uri (0 = none) in snap. */
static unsigned line_of(const char *uri)
{
	unsigned i;

	for (i = 0; i < snap.nlines; i++)
		if (snap.lines[i].has_attempt && !strcmp(snap.lines[i].a.uri, uri))
			return i + 1;
	return 0;
}

static const char *want_uri;
static enum pool_line_phase want_phase;

static bool line_in_phase(void *arg)
{
	unsigned l;

	pool_snapshot(T.pool, &snap);
	l = line_of(want_uri);
	return l && snap.lines[l - 1].phase == want_phase;
}

static bool all_idle(void *arg)
{
	unsigned i;

	pool_snapshot(T.pool, &snap);
	for (i = 0; i < snap.nlines; i++)
		if (snap.lines[i].phase != POOL_LINE_IDLE || !snap.lines[i].up)
			return false;
	return snap.nlines > 0;
}

static bool pool_in_phase(void *arg)
{
	pool_snapshot(T.pool, &snap);
	return snap.phase == *(enum pool_phase *)arg;
}

static void test_names(void **state)
{
	assert_string_equal(pool_line_phase_name(POOL_LINE_DOWN), "down");
	assert_string_equal(pool_line_phase_name(POOL_LINE_HANGING_UP), "hanging up");
	assert_string_equal(pool_line_phase_name(POOL_LINE_PHASE_COUNT), "?");
	assert_string_equal(pool_phase_name(POOL_PHASE_READY), "ready");
	assert_string_equal(pool_phase_name(POOL_PHASE_STOPPED), "stopped");
	assert_string_equal(pool_phase_name((enum pool_phase) - 1), "?");
	pool_snapshot(NULL, &snap);
	assert_int_equal(snap.phase, POOL_PHASE_READY);
	assert_int_equal(snap.nlines, 0);
	pool_snapshot(NULL, NULL);
	assert_int_equal(pool_changes(NULL), 0);
}

static void test_phases_and_queue(void **state)
{
	/* Never dialled (not numbers), so they leave the queue at once when the loop runs. */
	static const char *const waiting[] = {"not a number", "12", "call me maybe", "x"};
	struct pool_opts po;
	struct phone_opts ph;
	struct pool_snapshot ringing;
	char carol_uri[128], alice_uri[128];
	enum pool_phase ph_want;
	unsigned i, cl, al;
	uint64_t changes;
	int sb, cb;

	assert_int_equal(pt_port_block(2, &sb, &cb), 0);
	pt_pool_defaults(&po, &ph, root, 2, sb, cb, NULL);
	po.ring_timeout_ms = 20000;
	po.auto_resume = false;
	assert_int_equal(pt_pool_start(&T, &po, &ph), 0);
	pool_snapshot(T.pool, &snap);
	assert_int_equal(snap.phase, POOL_PHASE_READY);
	assert_int_equal(snap.nlines, 2);
	assert_int_equal(snap.busy + snap.queued + snap.connected_line, 0);

	assert_true(pt_run_until(all_idle, NULL, PT_WAIT_MS));
	assert_int_equal(snap.lines[0].line, 1);
	assert_int_equal(snap.lines[1].line, 2);
	assert_false(snap.lines[0].has_attempt);

	/* carol rings; four more wait behind her, in order. */
	pt_peer_uri(&carol, carol_uri, sizeof(carol_uri));
	assert_int_equal(pool_add(T.pool, carol_uri, NULL), 0);
	pool_start(T.pool);
	want_uri = carol_uri;
	want_phase = POOL_LINE_RINGING;
	assert_true(pt_run_until(line_in_phase, NULL, PT_WAIT_MS));
	for (i = 0; i < 4; i++)
		assert_int_equal(pool_add(T.pool, waiting[i], NULL), 0);
	/* The other line is idle, so the pool is about to take the next number: snapshot
	 * before the loop runs again. */
	pool_snapshot(T.pool, &snap);
	assert_int_equal(snap.phase, POOL_PHASE_DIALING);
	assert_int_equal(snap.busy, 1);
	assert_int_equal(snap.queued, 4);
	assert_int_equal(snap.nnext, 4);
	for (i = 0; i < 4; i++)
		assert_string_equal(snap.next[i], waiting[i]);
	cl = line_of(carol_uri);
	assert_true(cl >= 1);
	assert_true(snap.lines[cl - 1].a.t_ring > 0);
	assert_int_equal(snap.attempts, 1);
	/* A copy: it does not follow the pool. */
	ringing = snap;
	changes = pool_changes(T.pool);
	assert_int_equal(changes, snap.changes);
	pool_snapshot(T.pool, &snap);
	assert_int_equal(snap.changes, changes);
	pt_run_for(50);

	/* The waiting lines were taken (and found unusable): alice answers on the free line. */
	{
		struct pool_snapshot s;

		pool_snapshot(T.pool, &s);
		assert_true(s.changes > changes);
	}
	pt_peer_uri(&alice, alice_uri, sizeof(alice_uri));
	assert_int_equal(pool_add(T.pool, alice_uri, NULL), 0);
	want_uri = alice_uri;
	want_phase = POOL_LINE_CONNECTED;
	assert_true(pt_run_until(line_in_phase, NULL, PT_WAIT_MS));
	al = line_of(alice_uri);
	assert_int_not_equal(al, cl);
	assert_int_equal(snap.connected_line, al);
	assert_true(snap.lines[al - 1].a.connected);
	assert_int_equal(snap.queued, 0);
	assert_int_equal(snap.nnext, 0);
	/* carol's leg was dropped when alice won. */
	assert_true(snap.lines[cl - 1].phase == POOL_LINE_HANGING_UP ||
	            snap.lines[cl - 1].phase == POOL_LINE_IDLE);
	assert_int_equal(ringing.queued, 4);
	assert_int_equal(ringing.lines[cl - 1].phase, POOL_LINE_RINGING);

	/* alice hangs up after her greeting: wrap-up, both lines idle. */
	ph_want = POOL_PHASE_WRAPUP;
	assert_true(pt_run_until(pool_in_phase, &ph_want, PT_WAIT_MS));
	assert_int_equal(snap.busy, 0);
	assert_int_equal(snap.attempts, 6);
	pool_stop(T.pool);
	pool_snapshot(T.pool, &snap);
	assert_int_equal(snap.phase, POOL_PHASE_STOPPING);
	pt_pool_finish(&T);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_names),
	        cmocka_unit_test(test_phases_and_queue),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

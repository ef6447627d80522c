/*
 * test_phone_pool9: nine lines, nine baresip engines, first answer wins.
 *
 * Nine numbers go out at once: eight to carol (a baresip callee in manual mode that never
 * answers) and one to alice (auto-answer). When alice answers, the other eight legs must be
 * cancelled at once; the time from her answer to the last of them ending is measured by the
 * pool and printed here (a figure, not a pass/fail condition). Then two callees that both
 * answer at once are dialled on two of the same lines: one is connected, the other is a
 * dropped live answer.
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

#include "loftdial/ctrl.h"
#include "phonetest.h"

static char root[600];
static struct pt_audio audio;
static struct pt_peer alice, carol, frank, gina;
static struct pt_pool T;

static int setup(void **state)
{
	struct pt_peer_opts o;
	struct pool_opts po;
	struct phone_opts ph;
	static char greet[800], longsrc[800];
	int sb, cb;

	if (tl_tmpdir(root, sizeof(root), "phone-pool9") || pt_loop_init() ||
	    pt_audio_make(&audio, root))
		return -1;
	snprintf(greet, sizeof(greet), "aufile,%s", audio.greet);
	snprintf(longsrc, sizeof(longsrc), "aufile,%s", audio.long_);
	memset(&o, 0, sizeof(o));
	o.answermode = "auto";
	o.ausrc = greet;
	o.user = "alice";
	if (pt_peer_start(&alice, root, "alice", &o))
		return -1;
	memset(&o, 0, sizeof(o));
	o.user = "carol";
	o.answermode = "manual";
	if (pt_peer_start(&carol, root, "carol", &o))
		return -1;
	/* frank and gina answer when the test says so: both in the same instant */
	o.ausrc = longsrc;
	o.local_timeout = 60;
	o.user = "frank";
	if (pt_peer_start(&frank, root, "frank", &o))
		return -1;
	o.user = "gina";
	if (pt_peer_start(&gina, root, "gina", &o))
		return -1;
	if (pt_port_block(9, &sb, &cb))
		return -1;
	pt_pool_defaults(&po, &ph, root, 9, sb, cb, audio.long_);
	po.ring_timeout_ms = 10000;
	po.stagger_ms = 0;
	po.talk_ms = 1500; /* the connected call of the second scenario ends by itself */
	if (pt_pool_start(&T, &po, &ph))
		return -1;
	return pt_pool_wait_up(&T, 9, PT_WAIT_MS) ? 0 : -1;
}

static int teardown(void **state)
{
	pt_pool_finish(&T);
	pt_peer_stop(&alice);
	pt_peer_stop(&carol);
	pt_peer_stop(&frank);
	pt_peer_stop(&gina);
	pt_loop_close();
	tl_rmrf(root);
	return 0;
}

struct cnt {
	unsigned *v;
	unsigned want;
};

static bool at_least(void *arg)
{
	struct cnt *c = arg;

	return *c->v >= c->want;
}

static void test_nine_lines_one_answers(void **state)
{
	char uri[128];
	const struct pt_note *drop;
	unsigned i, cancelled = 0, connected = 0;
	struct cnt c = {&carol.closed, 8};

	/* nine engines, one baresip process per line */
	for (i = 1; i <= 9; i++) {
		unsigned k;

		assert_true(engine_pid(phone_engine(pool_phone(T.pool), i)) > 0);
		for (k = 1; k < i; k++)
			assert_true(engine_pid(phone_engine(pool_phone(T.pool), i)) !=
			            engine_pid(phone_engine(pool_phone(T.pool), k)));
	}
	assert_int_equal(pt_children(), 9 + 4); /* and the four peers */
	pt_peer_uri(&carol, uri, sizeof(uri));
	for (i = 0; i < 8; i++)
		assert_int_equal(pool_add(T.pool, uri, NULL), 0);
	assert_int_equal(pool_add(T.pool, pt_peer_uri(&alice, uri, sizeof(uri)), NULL), 0);
	pool_start(T.pool);
	assert_true(pt_pool_wait_ended(&T, 9, PT_WAIT_MS));
	for (i = 0; i < 9; i++) {
		const struct pool_attempt *a = &T.ended[i];

		if (a->outcome == CALL_OUT_CONNECTED) {
			connected++;
			assert_true(strstr(a->uri, "alice") != NULL);
			assert_true(a->media);
		} else {
			assert_int_equal(a->outcome, CALL_OUT_CANCELLED);
			assert_string_equal(a->reason, "another line answered");
			assert_false(a->live_dropped);
			cancelled++;
		}
	}
	assert_int_equal(connected, 1);
	assert_int_equal(cancelled, 8);
	/* every line was used once */
	for (i = 1; i <= 9; i++) {
		unsigned k, n = 0;

		for (k = 0; k < 9; k++)
			n += T.ended[k].line == i;
		assert_int_equal(n, 1);
	}
	drop = pt_pool_last(&T, POOL_EV_DROP_TIME);
	assert_non_null(drop);
	assert_int_equal(drop->legs, 8);
	printf("FIGURE nine lines: alice's answer -> last of 8 cancels confirmed: %.2f ms "
	       "(hangups written after %.2f ms)\n",
	       drop->ms, drop->send_ms);
	/* carol saw all eight calls end (CANCEL reached her, or the INVITE never did) */
	(void)pt_run_until(at_least, &c, 3000);
	assert_true(carol.incoming == carol.closed);
}

static bool both_ringing(void *arg)
{
	unsigned want = *(unsigned *)arg;

	return frank.incoming == want && gina.incoming == want;
}

static void test_two_answer_together(void **state)
{
	static const struct ctrl_cmd accept = {"accept", NULL};
	char uri[128];
	unsigned round, i;

	/* Both callees must really answer for the scenario to happen: if our CANCEL reaches one
	 * of them before its own "accept" does (their two processes are scheduled apart), that
	 * callee never answered, and the round is set up again. */
	for (round = 1; round <= 3; round++) {
		unsigned base = T.nended, connected = 0, dropped = 0;
		unsigned e0 = frank.established + gina.established;

		assert_int_equal(pool_add(T.pool, pt_peer_uri(&frank, uri, sizeof(uri)), NULL), 0);
		assert_int_equal(pool_add(T.pool, pt_peer_uri(&gina, uri, sizeof(uri)), NULL), 0);
		assert_true(pt_run_until(both_ringing, &round, PT_WAIT_MS));
		/* two people pick up at the same moment */
		assert_int_equal(ctrl_send(frank.ctrl, &accept, 1, 3000, NULL, NULL), 0);
		assert_int_equal(ctrl_send(gina.ctrl, &accept, 1, 3000, NULL, NULL), 0);
		assert_true(pt_pool_wait_ended(&T, base + 2, PT_WAIT_MS));
		for (i = base; i < base + 2; i++) {
			const struct pool_attempt *a = &T.ended[i];

			if (a->outcome == CALL_OUT_CONNECTED && a->connected)
				connected++;
			if (a->live_dropped) {
				dropped++;
				assert_int_equal(a->outcome, CALL_OUT_CANCELLED);
				assert_true(a->t_answer > 0);
				assert_false(a->connected);
			}
		}
		assert_int_equal(connected, 1);
		printf("round %u: callees answered %u, dropped live answers %u\n", round,
		       frank.established + gina.established - e0, dropped);
		/* every answer that was not connected is counted as dropped */
		assert_int_equal(dropped, frank.established + gina.established - e0 - 1);
		if (dropped == 1)
			return;
	}
	fail_msg("the two callees never answered together in 3 rounds");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_nine_lines_one_answers),
	        cmocka_unit_test(test_two_answer_together),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * test_phone_pool9: nine lines, nine baresip engines, first answer wins.
 *
 * Nine numbers go out at once: eight to carol (a baresip callee in manual mode that never
 * answers) and one to alice (auto-answer). When alice answers, the other eight legs must be
 * cancelled at once; the time from her answer to the last of them ending is measured by the
 * pool and printed here (a figure, not a pass/fail condition). Two callees answering in the
 * same instant (one connected, the other a dropped live answer) are tested against the
 * sandbox's phones in test_phone_simphones.c, where the instant is controlled (ring=held and a
 * release): two baresip callees told to accept one after the other could not make that
 * deterministic, since our CANCEL could reach the second before its own accept did.
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

static int setup(void **state)
{
	struct pt_peer_opts o;
	struct pool_opts po;
	struct phone_opts ph;
	static char greet[800];
	int sb, cb;

	if (tl_tmpdir(root, sizeof(root), "phone-pool9") || pt_loop_init() ||
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
	if (pt_peer_start(&carol, root, "carol", &o))
		return -1;
	if (pt_port_block(9, &sb, &cb))
		return -1;
	pt_pool_defaults(&po, &ph, root, 9, sb, cb, audio.long_);
	po.ring_timeout_ms = 10000;
	po.stagger_ms = 0;
	po.talk_ms = 1500; /* alice's connected call ends by itself */
	if (pt_pool_start(&T, &po, &ph))
		return -1;
	return pt_pool_wait_up(&T, 9, PT_WAIT_MS) ? 0 : -1;
}

static int teardown(void **state)
{
	pt_pool_finish(&T);
	pt_peer_stop(&alice);
	pt_peer_stop(&carol);
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
	assert_int_equal(pt_children(), 9 + 2); /* and the two peers */
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
	(void)pt_run_until(at_least, &c, PT_WAIT_MS);
	assert_true(carol.incoming == carol.closed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_nine_lines_one_answers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

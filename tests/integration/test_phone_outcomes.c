/*
 * test_phone_outcomes: one line, real baresip everywhere, every outcome a single call can have.
 *
 * loftdial's pool spawns its own baresip (engine) and dials third-party baresip callees on
 * 127.0.0.1, each configured by this test: alice answers and plays a spoken greeting, then hangs
 * up at its end; bob is busy (contact.so, access=block); carol rings forever (manual mode), so
 * loftdial's own ring timeout cancels her; erin rejects through her own ctrl_tcp; a wrong user
 * gets 404; a closed TCP port refuses; a line of text is never dialled. dave (user
 * +14155550134, reached through the dial plan from "415.555.0134 x12") answers and stays: the
 * extension goes out as DTMF, hold and resume send re-INVITEs, the rep hangs up, and redial
 * dials him again. RTP must flow both ways on connected calls: loftdial sees the far end's audio
 * (media) and the callee sees the rep's (its CALL_RTPESTAB).
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
static struct pt_peer alice, bob, carol, erin, dave;
static struct pt_pool T;
static char dialplan[128];

static int setup(void **state)
{
	struct pt_peer_opts o;
	struct pool_opts po;
	struct phone_opts ph;
	int sb, cb;

	if (tl_tmpdir(root, sizeof(root), "phone-outcomes") || pt_loop_init() ||
	    pt_audio_make(&audio, root))
		return -1;
	memset(&o, 0, sizeof(o));
	o.user = "alice";
	o.answermode = "auto";
	{
		static char src[800];

		snprintf(src, sizeof(src), "aufile,%s", audio.greet);
		o.ausrc = src;
		if (pt_peer_start(&alice, root, "alice", &o))
			return -1;
		o.user = "bob";
		o.block = true;
		if (pt_peer_start(&bob, root, "bob", &o))
			return -1;
		snprintf(src, sizeof(src), "aufile,%s", audio.long_);
		o.block = false;
		o.user = "+14155550134";
		if (pt_peer_start(&dave, root, "dave", &o))
			return -1;
	}
	memset(&o, 0, sizeof(o));
	o.user = "carol";
	o.answermode = "manual";
	if (pt_peer_start(&carol, root, "carol", &o))
		return -1;
	o.user = "erin";
	o.local_timeout = 60;
	o.reject = true;
	if (pt_peer_start(&erin, root, "erin", &o))
		return -1;
	if (pt_port_block(1, &sb, &cb))
		return -1;
	pt_pool_defaults(&po, &ph, root, 1, sb, cb, audio.long_);
	snprintf(dialplan, sizeof(dialplan), "sip:{e164}@127.0.0.1:%d", dave.sip_port);
	po.dialplan = dialplan;
	po.ring_timeout_ms = 1500;
	po.ext_delay_ms = 300;
	if (pt_pool_start(&T, &po, &ph))
		return -1;
	return pt_pool_wait_up(&T, 1, PT_WAIT_MS) ? 0 : -1;
}

static int teardown(void **state)
{
	pt_pool_finish(&T);
	pt_peer_stop(&alice);
	pt_peer_stop(&bob);
	pt_peer_stop(&carol);
	pt_peer_stop(&erin);
	pt_peer_stop(&dave);
	/* no baresip left behind: every engine and peer was reaped */
	if (pt_children() != 0)
		fprintf(stderr, "children left: %d\n", pt_children());
	pt_loop_close();
	tl_rmrf(root);
	return 0;
}

/* Dials one line and waits for its record. */
static const struct pool_attempt *dial(const char *line)
{
	unsigned before = T.nended;

	assert_int_equal(pool_add(T.pool, line, NULL), 0);
	pool_start(T.pool);
	if (!pt_pool_wait_ended(&T, before + 1, PT_WAIT_MS))
		fail_msg("'%s' did not end in time", line);
	return &T.ended[T.nended - 1];
}

static void test_answered_rtp(void **state)
{
	char uri[128];
	const struct pool_attempt *a;
	unsigned rtp0 = alice.rtp;

	a = dial(pt_peer_uri(&alice, uri, sizeof(uri)));
	assert_int_equal(a->outcome, CALL_OUT_CONNECTED);
	assert_true(a->connected);
	assert_true(a->media);         /* alice's greeting reached us */
	assert_true(alice.rtp > rtp0); /* the rep's microphone reached alice */
	assert_string_equal(a->reason, "the far end hung up");
	assert_true(a->t_start > 0 && a->t_ring >= a->t_start && a->t_answer >= a->t_ring &&
	            a->t_end > a->t_answer);
	assert_false(a->live_dropped);
	assert_int_equal(pt_pool_count(&T, POOL_EV_CONNECTED, a->id), 1);
}

static void test_busy(void **state)
{
	char uri[128];
	const struct pool_attempt *a = dial(pt_peer_uri(&bob, uri, sizeof(uri)));

	assert_int_equal(a->outcome, CALL_OUT_BUSY);
	assert_int_equal(a->sip_code, 486);
	assert_string_equal(a->reason, "486 Busy Here");
	assert_int_equal(a->t_answer, 0);
}

static void test_no_answer(void **state)
{
	char uri[128];
	unsigned in0 = carol.incoming, closed0 = carol.closed;
	const struct pool_attempt *a = dial(pt_peer_uri(&carol, uri, sizeof(uri)));

	assert_int_equal(a->outcome, CALL_OUT_NO_ANSWER);
	assert_string_equal(a->reason, "no answer in 1.5 s");
	assert_int_equal(a->sip_code, 487); /* the far end's answer to our CANCEL */
	assert_true(a->t_ring > 0);
	/* loftdial's timer, not baresip's: it rang about the configured 1.5 s */
	assert_true(a->t_end - a->t_start >= 1400);
	assert_int_equal(carol.incoming, in0 + 1);
	pt_run_for(200);
	assert_int_equal(carol.closed, closed0 + 1); /* she saw the CANCEL */
}

static void test_rejected(void **state)
{
	char uri[128];
	const struct pool_attempt *a = dial(pt_peer_uri(&erin, uri, sizeof(uri)));

	assert_int_equal(a->outcome, CALL_OUT_REJECTED);
	assert_int_equal(a->sip_code, 486);
	assert_string_equal(a->reason, "486 Rejected");
}

static void test_invalid(void **state)
{
	char uri[128];
	const struct pool_attempt *a;

	/* a user alice's baresip does not have */
	snprintf(uri, sizeof(uri), "sip:nobody@127.0.0.1:%d", alice.sip_port);
	a = dial(uri);
	assert_int_equal(a->outcome, CALL_OUT_INVALID);
	assert_int_equal(a->sip_code, 404);
	/* never dialled: no line, the reason says why */
	a = dial("call me maybe");
	assert_int_equal(a->outcome, CALL_OUT_INVALID);
	assert_int_equal(a->line, 0);
	assert_string_equal(a->reason, "has letters (write vanity numbers as digits)");
	a = dial("123456789012345678901234567890");
	assert_int_equal(a->outcome, CALL_OUT_INVALID);
	assert_int_equal(a->line, 0);
	a = dial("sip:12 34@127.0.0.1");
	assert_int_equal(a->outcome, CALL_OUT_INVALID);
	assert_string_equal(a->reason, "not a valid SIP URI");
}

static void test_network(void **state)
{
	char uri[128];
	const struct pool_attempt *a;
	int port = tl_free_port();

	snprintf(uri, sizeof(uri), "sip:x@127.0.0.1:%d;transport=tcp", port);
	a = dial(uri);
	assert_int_equal(a->outcome, CALL_OUT_NETWORK);
	assert_string_equal(a->reason, "Connection refused");
}

struct cond {
	unsigned *counter;
	unsigned want;
};

static bool reached(void *arg)
{
	struct cond *c = arg;

	return *c->counter >= c->want;
}

static bool connected_note(void *arg)
{
	return pt_pool_count(&T, POOL_EV_CONNECTED, 0) >= *(unsigned *)arg;
}

static bool dtmf_has(void *arg)
{
	return strstr(dave.dtmf, arg) != NULL;
}

/* Extension DTMF, hold/resume, mute, rep hang-up and redial on a connected call. */
static void test_connected_controls(void **state)
{
	unsigned want = pt_pool_count(&T, POOL_EV_CONNECTED, 0) + 1, ended = T.nended;
	struct cond c;
	const struct pool_attempt *a;
	int lo, hi;

	assert_int_equal(pool_hangup(T.pool), ENOENT); /* nothing connected yet */
	assert_int_equal(pool_add(T.pool, "415.555.0134 x12", NULL), 0);
	assert_true(pt_run_until(connected_note, &want, PT_WAIT_MS));
	/* the extension goes out as RFC 4733 DTMF once connected */
	assert_true(pt_run_until(dtmf_has, "12", PT_WAIT_MS));
	assert_int_equal(pt_pool_count(&T, POOL_EV_DTMF, 0), 1);
	/* more digits from the rep */
	assert_int_equal(pool_dtmf(T.pool, "#"), 0);
	assert_int_equal(pool_dtmf(T.pool, "12x"), EINVAL);
	assert_true(pt_run_until(dtmf_has, "12#", PT_WAIT_MS));
	/* hold and resume are re-INVITEs dave sees */
	c.counter = &dave.remote_sdp;
	c.want = dave.remote_sdp + 1;
	assert_int_equal(pool_hold(T.pool, true), 0);
	assert_true(pt_run_until(reached, &c, PT_WAIT_MS));
	c.want++;
	assert_int_equal(pool_hold(T.pool, false), 0);
	assert_true(pt_run_until(reached, &c, PT_WAIT_MS));
	assert_int_equal(pool_mute(T.pool, true), 0);
	assert_int_equal(pool_mute(T.pool, false), 0);
	assert_true(dave.rtp > 0);
	/* The engine's RTP socket is in the suite's range (engine.rtp_ports, set through
	 * LOFTDIAL_RTP_PORTS): no peer of this test takes a port there. */
	if (sscanf(tl_env("LOFTDIAL_RTP_PORTS", ""), "%d-%d", &lo, &hi) == 2)
		assert_true(pt_child_udp_in(lo, hi));
	/* the rep hangs up */
	assert_int_equal(pool_hangup(T.pool), 0);
	assert_true(pt_pool_wait_ended(&T, ended + 1, PT_WAIT_MS));
	a = &T.ended[T.nended - 1];
	assert_int_equal(a->outcome, CALL_OUT_CONNECTED);
	assert_string_equal(a->reason, "hung up by the rep");
	assert_string_equal(a->e164, "+14155550134");
	assert_string_equal(a->ext, "12");
	/* redial: the same number again, connected again */
	want++;
	assert_int_equal(pool_redial(T.pool), 0);
	assert_true(pt_run_until(connected_note, &want, PT_WAIT_MS));
	assert_int_equal(pool_hangup(T.pool), 0);
	assert_true(pt_pool_wait_ended(&T, ended + 2, PT_WAIT_MS));
	assert_string_equal(T.ended[T.nended - 1].input, "415.555.0134 x12");
	assert_int_equal(T.ended[T.nended - 1].outcome, CALL_OUT_CONNECTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_answered_rtp),
	        cmocka_unit_test(test_busy),
	        cmocka_unit_test(test_no_answer),
	        cmocka_unit_test(test_rejected),
	        cmocka_unit_test(test_invalid),
	        cmocka_unit_test(test_network),
	        cmocka_unit_test(test_connected_controls),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

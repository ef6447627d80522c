/*
 * test_phone_simphones: the dial pool against loftdial-sandbox's simulated phones, which answer
 * with recorded human greetings and voicemail greetings over RTP. This is where answering-
 * machine detection runs on real audio: each line's engine records the far end (sndfile, one
 * process per line), the pool follows the growing file (wavtail) and feeds the analyser (amd).
 *
 * - dial.amd connect_unknown: a human (…0101) is connected at once and labelled human; a
 *   voicemail (…0102) is connected at once, labelled machine, then hung up (dial.machine
 *   hangup): outcome voicemail.
 * - dial.amd humans_only + dial.machine voicemail: the human is connected only once AMD says so;
 *   the voicemail is never connected and gets the recorded message, and the call ends when the
 *   message has played: outcome voicemail, "voicemail left".
 * - The other behaviours by number: busy (…03), rejected (…05, 603), invalid (…06, 404), early
 *   media then 480 (…07), a callee that hangs up (…08).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "phonetest.h"

static char root[600], dialplan[128], sbx_log[800];
static struct pt_audio audio;
static struct tl_proc sbx;
static int sip_port;

/* Waits until the sandbox log has a line containing needle. */
static bool log_has(void *arg)
{
	char buf[65536];
	FILE *f = fopen(sbx_log, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, arg) != NULL;
}

static int setup(void **state)
{
	const char *bin = getenv("LOFTDIAL_SANDBOX_BIN"), *build = getenv("LOFTDIAL_BUILD");
	char cmd[2000], rec[700];
	char *argv[] = {"sh", "-c", cmd, NULL};
	char *env[] = {rec, NULL};

	if (!bin || !build || tl_tmpdir(root, sizeof(root), "phone-simphones") || pt_loop_init() ||
	    pt_audio_make(&audio, root))
		return -1;
	sip_port = tl_free_port();
	snprintf(rec, sizeof(rec), "LOFTDIAL_RECORDINGS=%s/recordings", build);
	snprintf(sbx_log, sizeof(sbx_log), "%s/sandbox.log", root);
	snprintf(cmd, sizeof(cmd),
	         "exec '%s' --listen 127.0.0.1:0 --sip 127.0.0.1:%d --people 5 > '%s' 2>&1", bin,
	         sip_port, sbx_log);
	if (tl_spawn(&sbx, argv, env, NULL))
		return -1;
	if (!pt_run_until(log_has, "phones ready sip=", PT_WAIT_MS)) {
		fprintf(stderr, "the simulated phones did not start (see %s)\n", sbx_log);
		return -1;
	}
	snprintf(dialplan, sizeof(dialplan), "sip:{e164}@127.0.0.1:%d", sip_port);
	return 0;
}

static int teardown(void **state)
{
	if (sbx.pid > 0)
		tl_stop(&sbx, SIGTERM, 3000);
	pt_loop_close();
	tl_rmrf(root);
	return 0;
}

/* A pool with this AMD policy. */
static void start_pool(struct pt_pool *t, unsigned lines, enum pool_amd amd,
                       enum pool_machine machine, unsigned talk_ms, unsigned ring_ms)
{
	struct pool_opts po;
	struct phone_opts ph;
	int sb, cb;

	assert_int_equal(pt_port_block(lines, &sb, &cb), 0);
	pt_pool_defaults(&po, &ph, root, lines, sb, cb, audio.long_);
	po.dialplan = dialplan;
	po.amd = amd;
	po.machine = machine;
	po.voicemail_file = audio.short_;
	po.talk_ms = talk_ms;
	po.ring_timeout_ms = ring_ms;
	assert_int_equal(pt_pool_start(t, &po, &ph), 0);
	assert_true(pt_pool_wait_up(t, lines, PT_WAIT_MS));
}

static const struct pool_attempt *dial(struct pt_pool *t, const char *number)
{
	unsigned before = t->nended;

	assert_int_equal(pool_add(t->pool, number, NULL), 0);
	pool_start(t->pool);
	if (!pt_pool_wait_ended(t, before + 1, 30000))
		fail_msg("%s did not end", number);
	return &t->ended[t->nended - 1];
}

static void test_connect_unknown(void **state)
{
	static struct pt_pool T;
	const struct pool_attempt *a;

	start_pool(&T, 1, POOL_AMD_CONNECT_UNKNOWN, POOL_MACHINE_HANGUP, 3000, 4000);
	/* a person: connected at once, AMD says human while the rep talks */
	a = dial(&T, "+1 415 555 0101");
	assert_int_equal(a->outcome, CALL_OUT_CONNECTED);
	assert_true(a->connected);
	assert_true(a->media);
	assert_int_equal(a->amd, AMD_HUMAN);
	printf("FIGURE AMD human decided after %u ms of audio\n", a->amd_ms);
	/* a voicemail greeting: connected at once too, then AMD says machine: hung up */
	a = dial(&T, "415-555-0102");
	assert_int_equal(a->amd, AMD_MACHINE);
	assert_int_equal(a->outcome, CALL_OUT_VOICEMAIL);
	assert_string_equal(a->reason, "answering machine: hung up");
	printf("FIGURE AMD machine decided after %u ms of audio\n", a->amd_ms);
	/* the recordings are gone once the calls ended */
	assert_null(phone_recording(pool_phone(T.pool), 1));
	pt_pool_finish(&T);
}

static void test_humans_only_voicemail_drop(void **state)
{
	static struct pt_pool T;
	const struct pool_attempt *a;

	start_pool(&T, 1, POOL_AMD_HUMANS_ONLY, POOL_MACHINE_VOICEMAIL, 500, 4000);
	a = dial(&T, "+1 415 555 0101");
	assert_int_equal(a->amd, AMD_HUMAN);
	assert_true(a->connected); /* only after AMD said human */
	assert_int_equal(a->outcome, CALL_OUT_CONNECTED);
	a = dial(&T, "+1 415 555 0102");
	assert_int_equal(a->amd, AMD_MACHINE);
	assert_false(a->connected); /* the rep never heard it */
	assert_int_equal(a->outcome, CALL_OUT_VOICEMAIL);
	assert_string_equal(a->reason, "voicemail left");
	pt_pool_finish(&T);
}

/* Four numbers at once on four lines; none answers, so none cancels another. */
static void test_other_behaviours(void **state)
{
	static struct pt_pool T;
	static const struct {
		const char *number;
		enum call_outcome outcome;
		int code;
	} rows[] = {
	        {"+14155550103", CALL_OUT_BUSY, 486},
	        {"+14155550105", CALL_OUT_REJECTED, 603},
	        {"+14155550106", CALL_OUT_INVALID, 404},
	        {"+14155550107", CALL_OUT_NO_ANSWER,
	         480}, /* after an announcement in early media */
	};
	size_t i, k;

	start_pool(&T, 4, POOL_AMD_OFF, POOL_MACHINE_HANGUP, 0, 15000);
	for (i = 0; i < 4; i++)
		assert_int_equal(pool_add(T.pool, rows[i].number, NULL), 0);
	pool_start(T.pool);
	assert_true(pt_pool_wait_ended(&T, 4, 30000));
	for (i = 0; i < 4; i++) {
		for (k = 0; k < T.nended; k++) {
			const struct pool_attempt *a = &T.ended[k];

			if (strcmp(a->e164, rows[i].number))
				continue;
			if (a->outcome != rows[i].outcome || a->sip_code != rows[i].code)
				fail_msg("%s: %s %d (%s)", rows[i].number,
				         call_outcome_name(a->outcome), a->sip_code, a->reason);
			break;
		}
		assert_true(k < T.nended);
	}
	pt_pool_finish(&T);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_connect_unknown),
	        cmocka_unit_test(test_humans_only_voicemail_drop),
	        cmocka_unit_test(test_other_behaviours),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

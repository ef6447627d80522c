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
 * - A behaviour mix set through the admin API (PUT /_sandbox/phones/mix): by number, every call
 *   does what the sandbox said that number would do; by call, ten calls give exactly the
 *   shares asked for (the pickup rate), and the greetings played have the lengths asked for.
 * - Controlled answers: two held numbers (ring=held) released in one instant are both
 *   answered, so one is connected and the other is a dropped live answer, every time (this
 *   replaced a test that dialled two baresip callees and retried when our CANCEL overtook one
 *   of their answers); released 5 s apart, the second is cancelled before it answers.
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

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "phonesbx.h"
#include "phonetest.h"

static char root[600];
static struct pt_audio audio;
static struct psbx sbx;

static int setup(void **state)
{
	if (tl_tmpdir(root, sizeof(root), "phone-simphones") || pt_loop_init() ||
	    pt_audio_make(&audio, root))
		return -1;
	return psbx_start(&sbx, root, 5);
}

/* Calls the sandbox's admin API; returns the HTTP status, the body into out. */
static int admin(const char *method, const char *path, const char *body, char *out, size_t n)
{
	int status = psbx_admin(&sbx, method, path, body, out, n);

	assert_true(status >= 0);
	return status;
}

/* A counter of GET /_sandbox/phones ("answered", "held", ...). */
static unsigned phone_stat(const char *name)
{
	char body[4096];
	cJSON *j, *v;
	unsigned x;

	assert_int_equal(admin("GET", "/_sandbox/phones", NULL, body, sizeof(body)), 200);
	j = cJSON_Parse(body);
	v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "stats"), name);
	assert_true(cJSON_IsNumber(v));
	x = (unsigned)v->valuedouble;
	cJSON_Delete(j);
	return x;
}

static int teardown(void **state)
{
	psbx_stop(&sbx);
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
	po.dialplan = sbx.dialplan;
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

/* What the pool makes of each kind on one line with AMD off. */
static enum call_outcome outcome_of_kind(const char *kind)
{
	if (!strcmp(kind, "human") || !strcmp(kind, "voicemail"))
		return CALL_OUT_CONNECTED;
	if (!strcmp(kind, "busy"))
		return CALL_OUT_BUSY;
	if (!strcmp(kind, "no-answer"))
		return CALL_OUT_NO_ANSWER;
	if (!strcmp(kind, "invalid"))
		return CALL_OUT_INVALID;
	fail_msg("kind %s is not in the mix", kind);
	return CALL_OUT_FAILED;
}

#define MIX_KINDS                                                                                  \
	"\"kinds\":{\"human\":{\"share\":40,\"ring_ms\":[100,300],\"greeting_ms\":[300,600]},"     \
	"\"voicemail\":{\"share\":20,\"ring_ms\":200},\"busy\":{\"share\":20},"                    \
	"\"no-answer\":{\"share\":10},\"invalid\":{\"share\":10}}"

/* Bad mixes are refused and change nothing. */
static void test_mix_refused(void **state)
{
	static const char *const bad[] = {
	        "{\"kinds\":{}}",
	        "{\"kinds\":{\"robot\":{\"share\":1}}}",
	        "{\"kinds\":{\"human\":{\"share\":-1}}}",
	        "{\"kinds\":{\"no-answer\":{\"share\":1,\"ring_ms\":100}}}",
	        "{\"kinds\":{\"busy\":{\"share\":1,\"greeting_ms\":100}}}",
	        "{\"kinds\":{\"human\":{\"share\":1,\"ring_ms\":[5,1]}}}",
	        "{\"kinds\":{\"human\":{\"share\":1,\"ring_ms\":[1,2,3]}}}",
	        "{\"seed\":-1,\"kinds\":{\"human\":{\"share\":1}}}",
	        "{\"order\":\"random\",\"kinds\":{\"human\":{\"share\":1}}}",
	        "{\"colour\":1,\"kinds\":{\"human\":{\"share\":1}}}",
	        "{\"kinds\":{\"human\":{\"share\":1,\"\\u001b[2J\":1}}}",
	        "not json",
	        "[]",
	};
	char body[4096];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("%s\n", bad[i]);
		assert_int_equal(admin("PUT", "/_sandbox/phones/mix", bad[i], body, sizeof(body)),
		                 422);
		assert_non_null(strstr(body, "\"errors\""));
		assert_null(strchr(body, '\x1b'));
	}
	assert_int_equal(admin("GET", "/_sandbox/phones/mix", NULL, body, sizeof(body)), 200);
	assert_string_equal(body, "{\"mix\":null}");
	assert_int_equal(admin("POST", "/_sandbox/phones/release",
	                       "{\"numbers\":[\"+13035550999\"]}", body, sizeof(body)),
	                 409);
	assert_int_equal(admin("POST", "/_sandbox/phones/release", "{\"numbers\":[\"abc\"]}", body,
	                       sizeof(body)),
	                 422);
	assert_int_equal(
	        admin("POST", "/_sandbox/phones/release", "{\"gap_ms\":-5}", body, sizeof(body)),
	        422);
}

/* By number: each number does what GET /_sandbox/phones/:number said it would. */
static void test_mix_by_number(void **state)
{
	static struct pt_pool T;
	char body[4096], path[128], number[32];
	unsigned i, kinds_seen = 0, seen[CALL_OUT_FAILED + 1] = {0};

	assert_int_equal(admin("PUT", "/_sandbox/phones/mix",
	                       "{\"seed\":11,\"order\":\"number\"," MIX_KINDS "}", body,
	                       sizeof(body)),
	                 200);
	assert_non_null(strstr(body, "\"order\":\"number\""));
	start_pool(&T, 1, POOL_AMD_OFF, POOL_MACHINE_HANGUP, 300, 1000);
	for (i = 0; i < 10; i++) {
		const struct pool_attempt *a;
		enum call_outcome want;
		cJSON *j;
		const char *kind;

		snprintf(number, sizeof(number), "+1303555%04u", 120 + i);
		snprintf(path, sizeof(path), "/_sandbox/phones/%s", number);
		assert_int_equal(admin("GET", path, NULL, body, sizeof(body)), 200);
		j = cJSON_Parse(body);
		kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "kind"));
		assert_non_null(kind);
		want = outcome_of_kind(kind);
		if (!seen[want]++)
			kinds_seen++;
		a = dial(&T, number);
		print_message("%s: %s -> %s\n", number, kind, call_outcome_name(a->outcome));
		if (a->outcome != want)
			fail_msg("%s (%s): %s (%s)", number, kind, call_outcome_name(a->outcome),
			         a->reason);
		cJSON_Delete(j);
	}
	assert_true(kinds_seen >= 3);
	pt_pool_finish(&T);
	assert_int_equal(admin("DELETE", "/_sandbox/phones/mix", NULL, body, sizeof(body)), 200);
	assert_string_equal(body, "{\"mix\":null}");
}

/* By call: ten calls give exactly the shares asked for, 4 humans, 2 voicemails, 2 busy, 1 no
 * answer, 1 invalid, so six pick up; the human greetings played are short ones. */
static void test_mix_by_call(void **state)
{
	static struct pt_pool T;
	unsigned count[CALL_OUT_FAILED + 1] = {0}, i, answered0 = phone_stat("answered"), greet = 0;
	char body[4096], number[32], line[512];
	FILE *f;

	assert_int_equal(admin("PUT", "/_sandbox/phones/mix",
	                       "{\"seed\":3,\"order\":\"call\"," MIX_KINDS "}", body, sizeof(body)),
	                 200);
	start_pool(&T, 1, POOL_AMD_OFF, POOL_MACHINE_HANGUP, 300, 1000);
	for (i = 0; i < 10; i++) {
		const struct pool_attempt *a;

		snprintf(number, sizeof(number), "+1720555%04u", 140 + i);
		a = dial(&T, number);
		assert_true((unsigned)a->outcome <= CALL_OUT_FAILED);
		count[a->outcome]++;
	}
	pt_pool_finish(&T);
	assert_int_equal(count[CALL_OUT_CONNECTED], 6);
	assert_int_equal(count[CALL_OUT_BUSY], 2);
	assert_int_equal(count[CALL_OUT_NO_ANSWER], 1);
	assert_int_equal(count[CALL_OUT_INVALID], 1);
	assert_int_equal(phone_stat("answered") - answered0, 6);
	printf("FIGURE mix by call: 10 dials, pickup %u/10 (asked 60%%)\n",
	       count[CALL_OUT_CONNECTED]);
	/* The greeting lengths: every human clip played was picked near 300-600 ms. */
	f = fopen(sbx.log, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, "answered (human, greeting ");
		unsigned ms;

		if (!p || !strstr(line, "+1720555") || !strstr(line, " ms)"))
			continue;
		p = strrchr(line, ' ');
		while (p > line && p[-1] != ' ')
			p--;
		ms = (unsigned)atoi(p);
		print_message("%s", line);
		assert_true(ms > 0 && ms <= 700); /* the nearest clips to 300-600 ms */
		greet++;
	}
	fclose(f);
	assert_int_equal(greet, 4);
	assert_int_equal(admin("DELETE", "/_sandbox/phones/mix", NULL, body, sizeof(body)), 200);
}

/* Polls the phones until n calls are held. */
static bool held_is(void *arg)
{
	return phone_stat("held") == *(unsigned *)arg;
}

/* Two held numbers on two lines, released as the test says; waits until both have ended. */
static void held_pair(struct pt_pool *t, const char *a, const char *b, unsigned gap_ms)
{
	char body[512], req[256], path[128];
	unsigned two = 2;
	cJSON *j;

	snprintf(path, sizeof(path), "/_sandbox/phones/%s", a);
	assert_int_equal(admin("PUT", path, "human ring=held", body, sizeof(body)), 200);
	snprintf(path, sizeof(path), "/_sandbox/phones/%s", b);
	assert_int_equal(admin("PUT", path, "human ring=held", body, sizeof(body)), 200);
	assert_int_equal(pool_add(t->pool, a, NULL), 0);
	assert_int_equal(pool_add(t->pool, b, NULL), 0);
	pool_start(t->pool);
	/* Both ring, held: nothing can answer before the release. */
	assert_true(pt_run_until(held_is, &two, PT_WAIT_MS));
	snprintf(req, sizeof(req), "{\"numbers\":[\"%s\",\"%s\"],\"gap_ms\":%u}", a, b, gap_ms);
	assert_int_equal(admin("POST", "/_sandbox/phones/release", req, body, sizeof(body)), 200);
	j = cJSON_Parse(body);
	assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(j, "released")), 2);
	cJSON_Delete(j);
	assert_true(pt_pool_wait_ended(t, t->nended + 2, PT_WAIT_MS));
}

/* Two people pick up in the same instant: one is connected, the other is a dropped live answer,
 * every time, because both answers leave the phones before our CANCEL can reach them. */
static void test_answer_together(void **state)
{
	static struct pt_pool T;
	unsigned answered0 = phone_stat("answered"), i, connected = 0, dropped = 0;

	start_pool(&T, 2, POOL_AMD_OFF, POOL_MACHINE_HANGUP, 1000, 10000);
	held_pair(&T, "+13125550401", "+13125550402", 0);
	for (i = 0; i < 2; i++) {
		const struct pool_attempt *a = &T.ended[i];

		print_message("%s: %s (%s)%s\n", a->e164, call_outcome_name(a->outcome), a->reason,
		              a->live_dropped ? " live dropped" : "");
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
	assert_int_equal(dropped, 1);
	/* The phones answered both. */
	assert_int_equal(phone_stat("answered") - answered0, 2);
	pt_pool_finish(&T);
}

/* Released 5 s apart: the first is connected, the second is cancelled while it still rings,
 * so nobody is dropped. */
static void test_answer_apart(void **state)
{
	static struct pt_pool T;
	unsigned answered0 = phone_stat("answered"), cancelled0 = phone_stat("cancelled"), i;
	unsigned connected = 0, lost = 0;

	start_pool(&T, 2, POOL_AMD_OFF, POOL_MACHINE_HANGUP, 1000, 10000);
	held_pair(&T, "+13125550411", "+13125550412", 5000);
	for (i = 0; i < 2; i++) {
		const struct pool_attempt *a = &T.ended[i];

		assert_false(a->live_dropped);
		connected += a->outcome == CALL_OUT_CONNECTED;
		if (a->outcome == CALL_OUT_CANCELLED) {
			lost++;
			assert_string_equal(a->e164, "+13125550412");
			assert_int_equal(a->t_answer, 0);
		}
	}
	assert_int_equal(connected, 1);
	assert_int_equal(lost, 1);
	assert_int_equal(phone_stat("answered") - answered0, 1);
	assert_int_equal(phone_stat("cancelled") - cancelled0, 1);
	pt_pool_finish(&T);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_connect_unknown),
	        cmocka_unit_test(test_humans_only_voicemail_drop),
	        cmocka_unit_test(test_other_behaviours),
	        cmocka_unit_test(test_mix_refused),
	        cmocka_unit_test(test_mix_by_number),
	        cmocka_unit_test(test_mix_by_call),
	        cmocka_unit_test(test_answer_together),
	        cmocka_unit_test(test_answer_apart),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

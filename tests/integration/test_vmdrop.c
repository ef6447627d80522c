/*
 * test_vmdrop: voicemail drop and the identification message, checked on what the callee
 * actually got. The dial pool runs real baresip engines against loftdial-sandbox's simulated
 * phones, which keep every answered call's incoming audio on a timeline that starts at the
 * answer (GET /_sandbox/phones/calls, .../calls/:id/audio). The messages played are tone
 * signatures made here with sox, so the test can find them in what the phone heard:
 *
 * - dial.machine voicemail with AMD humans_only: the machine is never connected; the message
 *   starts only after the greeting's beep (1200 Hz here) has ended, and it arrives whole;
 *   the record says "voicemail left".
 * - AMD connect_unknown: the machine is connected at once, AMD says machine, the rep is freed
 *   (the pool dials on, no wrap-up) and the line leaves the message after the beep (1800 Hz).
 * - pool_voicemail_drop() with AMD off: the rep hands a connected machine over; the two-tone
 *   beep (850 then 1400 Hz) is waited for. With a "machine" that never beeps (a short
 *   greeting, then quiet), the message starts after the quiet instead.
 * - Two people answer in the same instant (held calls released together) on two lines with AMD
 *   humans_only: one is connected, the other hears the identification message within 2 s of
 *   answering and the record says it was played.
 * - The rep stops the pool while a person who answered is still screened: a live answer
 *   dropped, with the identification message, like the second answer above.
 */
#include <errno.h>
#include <math.h>
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
static char vm_wav[700], ident_wav[700];
static struct pt_audio audio;
static struct psbx sbx;

/* The signatures: the voicemail is 523 Hz then 784 Hz, the identification message 659 Hz then
 * 988 Hz, 400 ms each, then 1.2 s of a third tone (the "words"). */
#define SIG_MS 400

static int run_cmd(char *const argv[])
{
	char out[4096];

	return tl_run(argv, NULL, out, sizeof(out), 20000);
}

/* A message: two signature tones, then a longer third one; 8 kHz mono PCM16. */
static int make_message(const char *path, const char *f1, const char *f2, const char *f3)
{
	char *const argv[] = {"sox",        "-n",       "-r",   "8000",     "-c",
	                      "1",          "-b",       "16",   "-e",       "signed-integer",
	                      (char *)path, "synth",    "0.4",  "sine",     (char *)f1,
	                      "vol",        "0.5",      ":",    "synth",    "0.4",
	                      "sine",       (char *)f2, "vol",  "0.5",      ":",
	                      "synth",      "1.2",      "sine", (char *)f3, "vol",
	                      "0.5",        NULL};

	return run_cmd(argv);
}

static int setup(void **state)
{
	(void)state;
	if (tl_tmpdir(root, sizeof(root), "vmdrop") || pt_loop_init() ||
	    pt_audio_make(&audio, root))
		return -1;
	snprintf(vm_wav, sizeof(vm_wav), "%s/vm.wav", root);
	snprintf(ident_wav, sizeof(ident_wav), "%s/ident.wav", root);
	if (make_message(vm_wav, "523", "784", "600") ||
	    make_message(ident_wav, "659", "988", "600"))
		return -1;
	return psbx_start(&sbx, root, 5);
}

static int teardown(void **state)
{
	(void)state;
	psbx_stop(&sbx);
	pt_loop_close();
	tl_rmrf(root);
	return 0;
}

/* Calls the sandbox's admin API; returns the HTTP status, the body into out. */
static int admin(const char *method, const char *path, const char *body, char *out, size_t n)
{
	int status = psbx_admin(&sbx, method, path, body, out, n);

	assert_true(status >= 0);
	return status;
}

static void behaviour(const char *number, const char *spec)
{
	char path[128], body[512];

	snprintf(path, sizeof(path), "/_sandbox/phones/%s", number);
	assert_int_equal(admin("PUT", path, spec, body, sizeof(body)), 200);
}

/* What the phone heard on its last answered call to number. */
struct heard {
	unsigned id, greeting_ms;
	int16_t *pcm;
	size_t n;
};

static void heard_get(const char *number, struct heard *h)
{
	char path[160], body[16384], file[700], url[300], out[256];
	char *argv[] = {"curl", "-s", "-f", "-o", file, url, NULL};
	cJSON *j, *calls, *last;
	unsigned char hdr[44];
	FILE *f;
	long len;

	memset(h, 0, sizeof(*h));
	snprintf(path, sizeof(path), "/_sandbox/phones/calls?number=%s", number);
	assert_int_equal(admin("GET", path, NULL, body, sizeof(body)), 200);
	j = cJSON_Parse(body);
	calls = cJSON_GetObjectItemCaseSensitive(j, "calls");
	assert_true(cJSON_GetArraySize(calls) > 0);
	last = cJSON_GetArrayItem(calls, cJSON_GetArraySize(calls) - 1);
	h->id = (unsigned)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(last, "id"));
	h->greeting_ms = (unsigned)cJSON_GetNumberValue(
	        cJSON_GetObjectItemCaseSensitive(last, "greeting_ms"));
	cJSON_Delete(j);
	snprintf(file, sizeof(file), "%s/heard-%u.wav", root, h->id);
	snprintf(url, sizeof(url), "%s/_sandbox/phones/calls/%u/audio", sbx.api, h->id);
	assert_int_equal(tl_run(argv, NULL, out, sizeof(out), 10000), 0);
	f = fopen(file, "rb");
	assert_non_null(f);
	assert_int_equal(fread(hdr, 1, 44, f), 44);
	assert_memory_equal(hdr, "RIFF", 4);
	assert_int_equal(hdr[24] | hdr[25] << 8, 8000);
	fseek(f, 0, SEEK_END);
	len = ftell(f) - 44;
	fseek(f, 44, SEEK_SET);
	h->n = (size_t)len / 2;
	h->pcm = calloc(h->n + 1, sizeof(int16_t));
	assert_non_null(h->pcm);
	assert_int_equal(fread(h->pcm, 2, h->n, f), h->n);
	fclose(f);
}

/* The first 20 ms frame louder than -30 dBFS, in ms from the answer; -1 when none. */
static long onset_ms(const struct heard *h)
{
	long on = psbx_onset(h->pcm, h->n);

	return on < 0 ? -1 : on / 8;
}
/* The signature f1 then f2 starts at onset: each tone holds most of the energy of the middle
 * 300 ms of its 400 ms. */
static void assert_signature(const struct heard *h, long onset, double f1, double f2)
{
	size_t a = (size_t)(onset + 50) * 8, b = (size_t)(onset + SIG_MS + 50) * 8;
	double s1, s2;

	assert_true(b + 2400 <= h->n);
	s1 = psbx_tone_share(h->pcm + a, 2400, f1);
	s2 = psbx_tone_share(h->pcm + b, 2400, f2);
	print_message("signature %.0f Hz share %.2f, %.0f Hz share %.2f\n", f1, s1, f2, s2);
	assert_true(s1 > 0.8);
	assert_true(s2 > 0.8);
}

static void start_pool(struct pt_pool *t, unsigned lines, enum pool_amd amd,
                       enum pool_machine machine, bool ident)
{
	struct pool_opts po;
	struct phone_opts ph;
	int sb, cb;

	assert_int_equal(pt_port_block(lines, &sb, &cb), 0);
	/* The rep's headset is the silent dummy: whatever a phone hears came from the pool. */
	pt_pool_defaults(&po, &ph, root, lines, sb, cb, NULL);
	po.dialplan = sbx.dialplan;
	po.amd = amd;
	po.machine = machine;
	po.voicemail_file = vm_wav;
	po.ident_file = ident ? ident_wav : NULL;
	po.ring_timeout_ms = 10000;
	assert_int_equal(pt_pool_start(t, &po, &ph), 0);
	assert_true(pt_pool_wait_up(t, lines, PT_WAIT_MS));
}

static const struct pool_attempt *dial(struct pt_pool *t, const char *number)
{
	unsigned before = t->nended;

	assert_int_equal(pool_add(t->pool, number, NULL), 0);
	pool_start(t->pool);
	if (!pt_pool_wait_ended(t, before + 1, 40000))
		fail_msg("%s did not end", number);
	return &t->ended[t->nended - 1];
}

/* The voicemail note of an attempt, or NULL. */
static const char *vm_note(const struct pt_pool *t, unsigned attempt)
{
	unsigned i;

	for (i = 0; i < t->nnotes; i++)
		if (t->notes[i].ev == POOL_EV_VOICEMAIL && t->notes[i].attempt == attempt)
			return t->notes[i].text;
	return NULL;
}

/* The message reached the phone after the greeting and its beep, whole. */
static void assert_left_after_beep(const char *number, const struct pool_attempt *a,
                                   const struct pt_pool *t)
{
	struct heard h;
	long on;

	assert_int_equal(a->outcome, CALL_OUT_VOICEMAIL);
	assert_string_equal(a->reason, "voicemail left");
	assert_non_null(vm_note(t, a->id));
	heard_get(number, &h);
	on = onset_ms(&h);
	printf("FIGURE %s: greeting and beep end %u ms after the answer, message heard from %ld "
	       "ms (%ld ms after the beep): %s\n",
	       number, h.greeting_ms, on, on - (long)h.greeting_ms, vm_note(t, a->id));
	assert_true(on >= 0);
	assert_true(on >= (long)h.greeting_ms); /* never over the greeting or the beep */
	assert_signature(&h, on, 523, 784);
	/* The whole message (2 s) arrived. */
	assert_true(h.n >= (size_t)(on + 1900) * 8);
	free(h.pcm);
}

static void test_humans_only_after_beep(void **state)
{
	static struct pt_pool T;
	const struct pool_attempt *a;

	(void)state;
	behaviour("+14155550702", "voicemail ring=300 lead=200 voice=11"); /* 1200 Hz beep */
	start_pool(&T, 1, POOL_AMD_HUMANS_ONLY, POOL_MACHINE_VOICEMAIL, false);
	a = dial(&T, "+14155550702");
	assert_int_equal(a->amd, AMD_MACHINE);
	assert_false(a->connected);
	assert_non_null(strstr(vm_note(&T, a->id), "after the beep (1200 Hz"));
	assert_left_after_beep("+14155550702", a, &T);
	pt_pool_finish(&T);
}

static void test_connect_unknown_frees_rep(void **state)
{
	static struct pt_pool T;
	const struct pool_attempt *a;

	(void)state;
	behaviour("+14155550712", "voicemail ring=300 lead=200 voice=13"); /* 1800 Hz beep */
	start_pool(&T, 1, POOL_AMD_CONNECT_UNKNOWN, POOL_MACHINE_VOICEMAIL, false);
	a = dial(&T, "+14155550712");
	assert_int_equal(a->amd, AMD_MACHINE);
	assert_true(a->connected); /* the rep had it until AMD said machine */
	assert_non_null(strstr(vm_note(&T, a->id), "after the beep (1800 Hz"));
	assert_int_equal(pt_pool_count(&T, POOL_EV_WRAPUP, 0), 0);
	assert_left_after_beep("+14155550712", a, &T);
	pt_pool_finish(&T);
}

/* Runs the loop until a line is connected. */
static bool is_connected(void *arg)
{
	return pool_connected_line(((struct pt_pool *)arg)->pool) != 0;
}

static void test_rep_drop(void **state)
{
	static struct pt_pool T;
	const struct pool_attempt *a;

	(void)state;
	behaviour("+14155550722", "voicemail ring=300 lead=200 voice=15"); /* 850 then 1400 Hz */
	behaviour("+14155550732", "human ring=300 lead=200 voice=3");      /* no beep at all */
	start_pool(&T, 1, POOL_AMD_OFF, POOL_MACHINE_HANGUP, false);
	assert_int_equal(pool_voicemail_drop(T.pool), ENOENT); /* nothing connected */
	assert_int_equal(pool_add(T.pool, "+14155550722", NULL), 0);
	pool_start(T.pool);
	assert_true(pt_run_until(is_connected, &T, PT_WAIT_MS));
	pt_run_for(500); /* the rep hears the greeting start, then hands it over */
	assert_int_equal(pool_voicemail_drop(T.pool), 0);
	assert_int_equal(pool_connected_line(T.pool), 0); /* the rep is free at once */
	assert_int_equal(pool_voicemail_drop(T.pool), ENOENT);
	assert_true(pt_pool_wait_ended(&T, 1, 40000));
	a = &T.ended[0];
	assert_true(a->connected);
	assert_non_null(strstr(vm_note(&T, a->id), "after the beep (850 Hz"));
	assert_left_after_beep("+14155550722", a, &T);

	/* A greeting with no beep: the message starts after the quiet that follows it. */
	assert_int_equal(pool_add(T.pool, "+14155550732", NULL), 0);
	assert_true(pt_run_until(is_connected, &T, PT_WAIT_MS));
	assert_int_equal(pool_voicemail_drop(T.pool), 0);
	assert_true(pt_pool_wait_ended(&T, 2, 40000));
	a = &T.ended[1];
	assert_non_null(strstr(vm_note(&T, a->id), "after the greeting went quiet (no beep in"));
	assert_left_after_beep("+14155550732", a, &T);
	pt_pool_finish(&T);
}

/* Polls the phones until n calls are held. */
static bool held_is(void *arg)
{
	char body[4096];
	cJSON *j;
	unsigned held;

	assert_int_equal(admin("GET", "/_sandbox/phones", NULL, body, sizeof(body)), 200);
	j = cJSON_Parse(body);
	held = (unsigned)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetObjectItemCaseSensitive(j, "stats"), "held"));
	cJSON_Delete(j);
	return held == *(unsigned *)arg;
}

static void test_ident_on_double_answer(void **state)
{
	static struct pt_pool T;
	static const char *const nums[2] = {"+13125550751", "+13125550752"};
	char body[512], req[256];
	unsigned two = 2, i, connected = 0, dropped = 0;

	(void)state;
	/* AMD humans_only: both are answered and screened; the first person AMD recognises is
	 * connected, the other is dropped while still screened and hears the message. (With
	 * AMD off the second answer reaches baresip after our CANCEL, and baresip ends that call
	 * itself: nothing can be played to it; docs/dialing.md.) */
	behaviour(nums[0], "human ring=held lead=100 greet=300");
	behaviour(nums[1], "human ring=held lead=100 greet=1500");
	start_pool(&T, 2, POOL_AMD_HUMANS_ONLY, POOL_MACHINE_HANGUP, true);
	assert_int_equal(pool_add(T.pool, nums[0], NULL), 0);
	assert_int_equal(pool_add(T.pool, nums[1], NULL), 0);
	pool_start(T.pool);
	assert_true(pt_run_until(held_is, &two, PT_WAIT_MS));
	snprintf(req, sizeof(req), "{\"numbers\":[\"%s\",\"%s\"],\"gap_ms\":0}", nums[0], nums[1]);
	assert_int_equal(admin("POST", "/_sandbox/phones/release", req, body, sizeof(body)), 200);
	/* The dropped one ends by itself after its message; then the rep hangs up. */
	assert_true(pt_pool_wait_ended(&T, 1, PT_WAIT_MS));
	assert_int_equal(pool_hangup(T.pool), 0);
	assert_true(pt_pool_wait_ended(&T, 2, PT_WAIT_MS));
	for (i = 0; i < 2; i++) {
		const struct pool_attempt *a = &T.ended[i];
		struct heard h;
		long on;

		print_message("%s: %s (%s)%s%s\n", a->e164, call_outcome_name(a->outcome),
		              a->reason, a->live_dropped ? " live dropped" : "",
		              a->ident_played ? " ident played" : "");
		if (a->connected) {
			connected++;
			assert_false(a->ident_played);
			continue;
		}
		dropped++;
		assert_true(a->live_dropped);
		assert_true(a->ident_played);
		assert_string_equal(a->reason,
		                    "live answer dropped: identification message played");
		assert_int_equal(pt_pool_count(&T, POOL_EV_IDENT, a->id), 1);
		heard_get(a->e164, &h);
		on = onset_ms(&h);
		printf("FIGURE the second person to answer heard the identification message %ld ms "
		       "after answering\n",
		       on);
		assert_true(on >= 0 && on <= 2000);
		assert_signature(&h, on, 659, 988);
		free(h.pcm);
	}
	assert_int_equal(connected, 1);
	assert_int_equal(dropped, 1);
	pt_pool_finish(&T);
}

/* Runs the loop until line 1 screens an answer (AMD listening). */
static bool is_screening(void *arg)
{
	struct pool_snapshot *snap = calloc(1, sizeof(*snap));
	bool yes;

	assert_non_null(snap);
	pool_snapshot(((struct pt_pool *)arg)->pool, snap);
	yes = snap->lines[0].phase == POOL_LINE_SCREENING;
	free(snap);
	return yes;
}

/* The rep stops while a person who answered is still being screened (AMD humans_only): that
 * is a live answer dropped, so they hear the identification message and the record says so
 * (it was hung up on without a word, and not counted as dropped). */
static void test_ident_on_stop_while_screening(void **state)
{
	static struct pt_pool T;
	static const char num[] = "+13125550761";
	char body[512], req[256];
	const struct pool_attempt *a;
	unsigned one = 1;
	struct heard h;
	long on;

	(void)state;
	/* Three seconds of quiet before "hello": AMD listens that long before it can tell. */
	behaviour(num, "human ring=held lead=3000 greet=300");
	start_pool(&T, 1, POOL_AMD_HUMANS_ONLY, POOL_MACHINE_HANGUP, true);
	assert_int_equal(pool_add(T.pool, num, NULL), 0);
	pool_start(T.pool);
	assert_true(pt_run_until(held_is, &one, PT_WAIT_MS));
	snprintf(req, sizeof(req), "{\"numbers\":[\"%s\"],\"gap_ms\":0}", num);
	assert_int_equal(admin("POST", "/_sandbox/phones/release", req, body, sizeof(body)), 200);
	assert_true(pt_run_until(is_screening, &T, PT_WAIT_MS));
	pool_stop(T.pool);
	assert_true(pt_pool_wait_ended(&T, 1, PT_WAIT_MS));
	a = &T.ended[0];
	print_message("%s: %s (%s)%s%s\n", a->e164, call_outcome_name(a->outcome), a->reason,
	              a->live_dropped ? " live dropped" : "",
	              a->ident_played ? " ident played" : "");
	assert_false(a->connected);
	assert_true(a->live_dropped);
	assert_true(a->ident_played);
	assert_int_equal(a->outcome, CALL_OUT_CANCELLED);
	assert_string_equal(a->reason, "live answer dropped: identification message played");
	assert_int_equal(pt_pool_count(&T, POOL_EV_IDENT, a->id), 1);
	heard_get(num, &h);
	on = onset_ms(&h);
	printf("FIGURE a person screened when the rep stopped heard the identification message "
	       "%ld ms after answering\n",
	       on);
	assert_true(on >= 0 && on <= 3000);
	assert_signature(&h, on, 659, 988);
	free(h.pcm);
	pt_pool_finish(&T);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_humans_only_after_beep),
	        cmocka_unit_test(test_connect_unknown_frees_rep),
	        cmocka_unit_test(test_rep_drop),
	        cmocka_unit_test(test_ident_on_double_answer),
	        cmocka_unit_test(test_ident_on_stop_while_screening),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * test_ident_spoken: the identification message loftdial speaks itself. With no
 * dial.ident_file, only a name and a callback number (pool_opts.ident_name/ident_callback, as
 * dial.ident_name and dial.ident_callback give them), the dial pool renders the message with
 * espeak-ng on the loop before its first dial, and a person who answers while the rep is
 * taken hears it. Checked on what loftdial-sandbox's simulated phone received (real baresip
 * engines): two people answer in the same instant (held calls released together) on two lines
 * with AMD humans_only; one is connected, the other hears speech (not silence) within 2 s of
 * answering, for about the message's length, and the record says it was played.
 *
 * Also: a name that is not allowed fails pool_new with the key named, before any engine runs;
 * when espeak-ng cannot run, the pool warns with the reason and dials on without a message.
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
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "loftdial/identmsg.h"
#include "loftdial/text.h"
#include "loftdial/vmrec.h"
#include "phonetest.h"

#define NAME     "Dana Reyes"
#define CALLBACK "415 555 0123"

static char root[600], dialplan[128], sbx_log[800], api[128];
static struct tl_proc sbx;
static int sip_port;

/* Reads the sandbox log into buf. */
static void log_read(char *buf, size_t n)
{
	FILE *f = fopen(sbx_log, "r");
	size_t got = f ? fread(buf, 1, n - 1, f) : 0;

	if (f)
		fclose(f);
	buf[got] = '\0';
}

static bool log_has(void *arg)
{
	static char buf[65536];

	log_read(buf, sizeof(buf));
	return strstr(buf, arg) != NULL;
}

static int setup(void **state)
{
	const char *bin = getenv("LOFTDIAL_SANDBOX_BIN"), *build = getenv("LOFTDIAL_BUILD");
	char cmd[2000], rec[700], buf[65536];
	char *argv[] = {"sh", "-c", cmd, NULL};
	char *env[] = {rec, NULL};
	const char *p;

	(void)state;
	if (!bin || !build || tl_tmpdir(root, sizeof(root), "identsp") || pt_loop_init())
		return -1;
	sip_port = tl_free_port();
	snprintf(rec, sizeof(rec), "LOFTDIAL_RECORDINGS=%s/recordings", build);
	snprintf(sbx_log, sizeof(sbx_log), "%s/sandbox.log", root);
	snprintf(cmd, sizeof(cmd),
	         "exec '%s' --listen 127.0.0.1:0 --sip 127.0.0.1:%d --people 5 --verbose > '%s' "
	         "2>&1",
	         bin, sip_port, sbx_log);
	if (tl_spawn(&sbx, argv, env, NULL))
		return -1;
	if (!pt_run_until(log_has, "phones ready sip=", PT_WAIT_MS) ||
	    !pt_run_until(log_has, "sandbox ready api=", PT_WAIT_MS)) {
		fprintf(stderr, "the sandbox did not start (see %s)\n", sbx_log);
		return -1;
	}
	log_read(buf, sizeof(buf));
	p = strstr(buf, "sandbox ready api=");
	if (!p)
		return -1;
	text_copy(api, sizeof(api), p + strlen("sandbox ready api="));
	api[strcspn(api, "\r\n")] = '\0';
	snprintf(dialplan, sizeof(dialplan), "sip:{e164}@127.0.0.1:%d", sip_port);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (sbx.pid > 0)
		tl_stop(&sbx, SIGTERM, 3000);
	pt_loop_close();
	tl_rmrf(root);
	return 0;
}

/* Calls the sandbox's admin API with curl; returns the HTTP status, the body into out. */
static int admin(const char *method, const char *path, const char *body, char *out, size_t n)
{
	char url[256], *nl;
	char *argv[] = {
	        "curl",          "-s",         "-w", "\n%{http_code}", "-X", (char *)method, url,
	        "--data-binary", (char *)body, NULL};

	snprintf(url, sizeof(url), "%s%s", api, path);
	if (!body)
		argv[7] = NULL;
	assert_int_equal(tl_run(argv, NULL, out, n, 10000), 0);
	nl = strrchr(out, '\n');
	assert_non_null(nl);
	*nl = '\0';
	return atoi(nl + 1);
}

static void behaviour(const char *number, const char *spec)
{
	char path[128], body[512];

	snprintf(path, sizeof(path), "/_sandbox/phones/%s", number);
	assert_int_equal(admin("PUT", path, spec, body, sizeof(body)), 200);
}

/* The audio the phone received on its last answered call, from the answer on (8 kHz). */
static int16_t *heard_get(const char *number, size_t *n)
{
	char path[160], body[16384], file[700], url[300], out[256];
	char *argv[] = {"curl", "-s", "-f", "-o", file, url, NULL};
	cJSON *j, *calls, *last;
	unsigned char hdr[44];
	unsigned id;
	int16_t *pcm;
	FILE *f;
	long len;

	snprintf(path, sizeof(path), "/_sandbox/phones/calls?number=%s", number);
	assert_int_equal(admin("GET", path, NULL, body, sizeof(body)), 200);
	j = cJSON_Parse(body);
	calls = cJSON_GetObjectItemCaseSensitive(j, "calls");
	assert_true(cJSON_GetArraySize(calls) > 0);
	last = cJSON_GetArrayItem(calls, cJSON_GetArraySize(calls) - 1);
	id = (unsigned)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(last, "id"));
	cJSON_Delete(j);
	snprintf(file, sizeof(file), "%s/heard-%u.wav", root, id);
	snprintf(url, sizeof(url), "%s/_sandbox/phones/calls/%u/audio", api, id);
	assert_int_equal(tl_run(argv, NULL, out, sizeof(out), 10000), 0);
	f = fopen(file, "rb");
	assert_non_null(f);
	assert_int_equal(fread(hdr, 1, 44, f), 44);
	assert_memory_equal(hdr, "RIFF", 4);
	assert_int_equal(hdr[24] | hdr[25] << 8, 8000);
	fseek(f, 0, SEEK_END);
	len = ftell(f) - 44;
	fseek(f, 44, SEEK_SET);
	*n = (size_t)len / 2;
	pcm = calloc(*n + 1, sizeof(int16_t));
	assert_non_null(pcm);
	assert_int_equal(fread(pcm, 2, *n, f), *n);
	fclose(f);
	return pcm;
}

/* RMS of 20 ms frame i, in dBFS. */
static double frame_db(const int16_t *pcm, size_t i)
{
	double e = 0;
	size_t k;

	for (k = 0; k < 160; k++)
		e += (double)pcm[i * 160 + k] * pcm[i * 160 + k];
	return 10 * log10(e / 160 / (32768.0 * 32768.0) + 1e-12);
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

static void test_bad_name_refused(void **state)
{
	struct pool_opts po;
	struct phone_opts ph;
	struct pool *p = NULL;
	char why[256] = "";

	(void)state;
	pt_pool_defaults(&po, &ph, root, 2, 20000, 21000, NULL);
	po.ident_name = "Dana <prosody rate='x-slow'>";
	po.ident_callback = CALLBACK;
	assert_int_equal(pool_new(&p, &po, &ph, NULL, NULL, why, sizeof(why)), EINVAL);
	assert_null(p);
	print_message("%s\n", why);
	assert_non_null(strstr(why, "dial.ident_name: character 6 ('<', U+003C)"));
	po.ident_name = NAME;
	po.ident_callback = "";
	assert_int_equal(pool_new(&p, &po, &ph, NULL, NULL, why, sizeof(why)), EINVAL);
	assert_non_null(strstr(why, "dial.ident_callback is empty"));
}

static void test_spoken_on_double_answer(void **state)
{
	static struct pt_pool T;
	static const char *const nums[2] = {"+13125550761", "+13125550762"};
	char body[512], req[256], text[IDENTMSG_TEXT_MAX], why[256], file[IDENTMSG_PATH_MAX];
	unsigned two = 2, i, connected = 0, dropped = 0, msg_ms = 0;
	struct pool_opts po;
	struct phone_opts ph;
	int sb, cb;

	(void)state;
	/* Nothing rendered yet: the pool makes the message itself before its first dial. */
	assert_int_equal(identmsg_text(NAME, CALLBACK, text, sizeof(text), why, sizeof(why)), 0);
	assert_false(identmsg_cached(root, text, file, sizeof(file), NULL));

	behaviour(nums[0], "human ring=held lead=100 greet=300");
	behaviour(nums[1], "human ring=held lead=100 greet=1500");
	assert_int_equal(pt_port_block(2, &sb, &cb), 0);
	pt_pool_defaults(&po, &ph, root, 2, sb, cb, NULL);
	po.dialplan = dialplan;
	po.amd = POOL_AMD_HUMANS_ONLY;
	po.machine = POOL_MACHINE_HANGUP;
	po.ident_file = NULL;
	po.ident_name = NAME;
	po.ident_callback = CALLBACK;
	po.ident_dir = root;
	po.ring_timeout_ms = 10000;
	assert_int_equal(pt_pool_start(&T, &po, &ph), 0);
	assert_true(pt_pool_wait_up(&T, 2, PT_WAIT_MS));
	assert_int_equal(pool_add(T.pool, nums[0], NULL), 0);
	assert_int_equal(pool_add(T.pool, nums[1], NULL), 0);
	pool_start(T.pool);
	assert_true(pt_run_until(held_is, &two, PT_WAIT_MS));
	/* The message was there before anyone could answer, and nothing warned of its lack. */
	assert_true(identmsg_cached(root, text, file, sizeof(file), &msg_ms));
	assert_int_equal(pt_pool_count(&T, POOL_EV_WARNING, 0), 0);
	snprintf(req, sizeof(req), "{\"numbers\":[\"%s\",\"%s\"],\"gap_ms\":0}", nums[0], nums[1]);
	assert_int_equal(admin("POST", "/_sandbox/phones/release", req, body, sizeof(body)), 200);
	/* The dropped one ends by itself after its message (about 7.5 s); then the rep hangs up. */
	assert_true(pt_pool_wait_ended(&T, 1, PT_WAIT_MS + msg_ms));
	assert_int_equal(pool_hangup(T.pool), 0);
	assert_true(pt_pool_wait_ended(&T, 2, PT_WAIT_MS));
	for (i = 0; i < 2; i++) {
		const struct pool_attempt *a = &T.ended[i];
		size_t n, f, frames, loud = 0;
		long onset = -1;
		int16_t *pcm;

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
		pcm = heard_get(a->e164, &n);
		frames = n / 160;
		for (f = 0; f < frames; f++) {
			bool on = frame_db(pcm, f) > -40;

			if (on && onset < 0)
				onset = (long)f * 20;
			loud += on;
		}
		printf("FIGURE the second person to answer heard the spoken identification message "
		       "%ld ms after answering; %zu ms of speech above -40 dBFS in %zu ms heard "
		       "(the message is %u ms)\n",
		       onset, loud * 20, frames * 20, msg_ms);
		/* Speech, not silence, within 2 s of the answer... */
		assert_true(onset >= 0 && onset <= 2000);
		/* ... and the message itself, not a click: speech has pauses, so about half of
		 * the message's frames at least are loud, and the call lasted about its length. */
		assert_true(loud * 20 >= msg_ms / 3);
		assert_true(frames * 20 + 500 >= msg_ms);
		free(pcm);
	}
	assert_int_equal(connected, 1);
	assert_int_equal(dropped, 1);
	pt_pool_finish(&T);
}

/* Waits for a pool note of a kind. */
struct wait_note {
	struct pt_pool *t;
	enum pool_ev ev;
};

static bool has_note(void *arg)
{
	struct wait_note *w = arg;

	return pt_pool_count(w->t, w->ev, 0) > 0;
}

/* The program's full path from the directories of path, or NULL. */
static const char *find_in_path(const char *prog, const char *path, char *out, size_t n)
{
	char dirs[4096], *save = NULL, *d;

	snprintf(dirs, sizeof(dirs), "%s", path);
	for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, n, "%s/%s", d, prog);
		if (access(out, X_OK) == 0)
			return out;
	}
	return NULL;
}

/* espeak-ng cannot run: the pool says why there is no message, and dials on without it. */
static void test_cannot_speak_warns(void **state)
{
	static struct pt_pool T;
	char empty[700], saved[4096], prog[1024];
	const char *path = getenv("PATH");
	const struct pt_note *w;
	struct wait_note wn = {&T, POOL_EV_WARNING};
	struct pool_opts po;
	struct phone_opts ph;
	int sb, cb;

	(void)state;
	snprintf(saved, sizeof(saved), "%s", path ? path : "/usr/bin:/bin");
	snprintf(empty, sizeof(empty), "%s/nothing-here", root);
	assert_int_equal(mkdir(empty, 0700), 0);
	behaviour("+13125550771", "human ring=300 lead=100 greet=300");
	assert_int_equal(pt_port_block(2, &sb, &cb), 0);
	pt_pool_defaults(&po, &ph, root, 2, sb, cb, NULL);
	ph.baresip = find_in_path("baresip", saved, prog, sizeof(prog));
	assert_non_null(ph.baresip); /* by its path: the engines start with the PATH below */
	po.dialplan = dialplan;
	po.ident_name = NAME;
	po.ident_callback = "312 555 0100";
	po.ident_dir = root;
	/* The render's child is forked inside pool_new, with this PATH. */
	setenv("PATH", empty, 1);
	assert_int_equal(pt_pool_start(&T, &po, &ph), 0);
	setenv("PATH", saved, 1);
	assert_true(pt_pool_wait_up(&T, 2, PT_WAIT_MS));
	assert_int_equal(pool_add(T.pool, "+13125550771", NULL), 0);
	pool_start(T.pool);
	assert_true(pt_run_until(has_note, &wn, PT_WAIT_MS));
	w = pt_pool_last(&T, POOL_EV_WARNING);
	print_message("warning: %s\n", w->text);
	assert_non_null(strstr(w->text, "no identification message (cannot speak it: espeak-ng "
	                                "is not installed"));
	/* It dials on without the message. */
	wn.ev = POOL_EV_DIALING;
	assert_true(pt_run_until(has_note, &wn, PT_WAIT_MS));
	assert_int_equal(pt_pool_count(&T, POOL_EV_WARNING, 0), 1);
	pt_pool_finish(&T);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_bad_name_refused),
	        cmocka_unit_test(test_spoken_on_double_answer),
	        cmocka_unit_test(test_cannot_speak_warns),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

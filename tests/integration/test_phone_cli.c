/*
 * test_phone_cli: `loftdial dial`, the real program, end to end.
 *
 * A numbers file (SIP URIs, a number the dial plan routes, garbage, comments) is dialled on
 * three lines against baresip callees; the --json output is parsed line by line (every event
 * has attempt, number, event, time; every end has outcome and SIP code), the stagger between
 * starts is checked as a lower bound, the summary adds up, the attempts are in the database,
 * and no baresip outlives the run; a number given twice is dialled once (the once-per-run gate
 * refuses it right before its INVITE). The text output, SIGINT while a call rings (hang up, exit
 * 130), engine.mode connect against a baresip "the user runs", bad command lines, a numbers
 * file with hostile lines (none altered and dialled) and runs where no call could be placed
 * follow.
 *
 * The gates run on every number (docs/dialing.md): the clock is pinned (LOFTDIAL_TEST_NOW) to
 * noon in Los Angeles, the zone of the one phone number dialled, and the SIP URIs, which have
 * no zone, are judged in the rep's zone (dial.no_zone rep, Los Angeles), so the test passes at
 * any wall-clock hour.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "loftdial/attempts.h"
#include "loftdial/ctrl.h"
#include "loftdial/store.h"
#include "phonetest.h"

static char root[600], home[700], numbers[700];
static struct pt_audio audio;
static struct pt_peer alice, bob, carol, dave;
static int sip_base, ctrl_base;

/* 2026-01-14 20:00 UTC: noon in Los Angeles (PST). */
#define NOON_LA "1768420800"

/* Writes the config loftdial reads from LOFTDIAL_HOME; extra lines are appended. */
static void write_config(const char *extra)
{
	char path[800];
	FILE *f;

	snprintf(path, sizeof(path), "%s/config", home);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
	        "engine.local_ip 127.0.0.1\nengine.sip_port %d\nengine.ctrl_port %d\n"
	        "sip.dialplan sip:{e164}@127.0.0.1:%d\naudio.source aufile,%s\n"
	        "audio.player aubridge,noplay\ndial.amd off\ndial.stagger_ms 200\n"
	        "dial.no_zone rep\ndial.rep_zone America/Los_Angeles\nlog.level debug\n%s",
	        sip_base, ctrl_base, dave.sip_port, audio.long_, extra ? extra : "");
	fclose(f);
}

static void write_numbers(const char *text)
{
	FILE *f = fopen(numbers, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Runs loftdial dial with args; its whole stdout goes to out. Returns the exit code. */
static int run_dial(char *const extra_args[], char *out, size_t n, int sigint_on_ringing)
{
	char *argv[16];
	char homeenv[800];
	char *env[] = {homeenv, "LOFTDIAL_TEST_RING_TIMEOUT_MS=1000", "LOFTDIAL_TEST_NOW=" NOON_LA,
	               NULL};
	struct tl_proc p;
	size_t k = 0, i;
	int status;
	unsigned long long end = tl_now_ms() + 60000;

	snprintf(homeenv, sizeof(homeenv), "LOFTDIAL_HOME=%s", home);
	argv[k++] = (char *)tl_env("LOFTDIAL_BIN", "loftdial");
	argv[k++] = "dial";
	for (i = 0; extra_args[i] && k < 15; i++)
		argv[k++] = extra_args[i];
	argv[k] = NULL;
	assert_int_equal(tl_spawn(&p, argv, env, NULL), 0);
	out[0] = '\0';
	if (sigint_on_ringing) {
		char line[1024];

		assert_int_equal(tl_wait_line(&p, "ringing", 20000, line, sizeof(line)), 0);
		kill(p.pid, SIGINT);
	}
	/* collect every line until the output ends */
	for (;;) {
		char line[2048];
		int err = tl_wait_line(&p, "", 1000, line, sizeof(line));

		if (err == 0) {
			size_t len = strlen(out);

			snprintf(out + len, n - len, "%s\n", line);
			continue;
		}
		if (err == EPIPE || tl_now_ms() > end)
			break;
	}
	status = tl_stop(&p, 0, 20000);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Number of running baresip processes whose config folder is under our home. */
static int our_engines(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		char path[300], cmd[2048];
		FILE *f;
		size_t len, i;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		len = fread(cmd, 1, sizeof(cmd) - 1, f);
		fclose(f);
		for (i = 0; i < len; i++)
			if (!cmd[i])
				cmd[i] = ' ';
		cmd[len] = '\0';
		if (strstr(cmd, "baresip") && strstr(cmd, home))
			n++;
	}
	closedir(d);
	return n;
}

/* The JSON objects of the output, in order. */
static cJSON *parse_lines(const char *out, unsigned *count)
{
	cJSON *arr = cJSON_CreateArray();
	const char *p = out;

	*count = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		cJSON *o;

		/* stderr shares the pipe: its "loftdial dial: ..." lines are not events */
		if (!strncmp(p, "loftdial dial: ", 15)) {
			p += len + (nl ? 1 : 0);
			continue;
		}
		o = cJSON_ParseWithLength(p, len);
		if (!o)
			fail_msg("not JSON: %.*s", (int)len, p);
		cJSON_AddItemToArray(arr, o);
		(*count)++;
		p += len + (nl ? 1 : 0);
	}
	return arr;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* Milliseconds of an ISO time "....T12:34:56.789Z" within the day. */
static long day_ms(const char *iso)
{
	int h, m, s, ms;

	if (!iso || sscanf(strchr(iso, 'T') + 1, "%d:%d:%d.%dZ", &h, &m, &s, &ms) != 4)
		return -1;
	return ((h * 60L + m) * 60 + s) * 1000 + ms;
}

static int count_attempts(const struct attempt *a, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static void test_json_three_lines(void **state)
{
	static char out[256 * 1024];
	char *args[] = {"--numbers", numbers, "--lines", "3", "--json", NULL};
	char text[2048], u1[128], u2[128], u3[128];
	cJSON *arr, *o;
	unsigned n, ended = 0, dialing = 0, skipped = 0;
	long starts[8];
	int rc, stored = 0;
	struct store *st;
	char db[800];

	/* carol rings first and is cancelled when dave (the number) answers; carol again, the
	 * last line, is refused right before its INVITE: already dialled in this run */
	snprintf(text, sizeof(text),
	         "# a comment, then a blank line\n\n%s\n%s\n(415) 555-0134\nhello\n%s\n%s\n",
	         pt_peer_uri(&carol, u1, sizeof(u1)), pt_peer_uri(&bob, u2, sizeof(u2)),
	         pt_peer_uri(&alice, u3, sizeof(u3)), u1);
	write_numbers(text);
	write_config(NULL);
	rc = run_dial(args, out, sizeof(out), 0);
	assert_int_equal(rc, 4); /* "hello" never dialled, carol's second line skipped: partial */
	arr = parse_lines(out, &n);
	assert_true(n > 10);
	cJSON_ArrayForEach(o, arr)
	{
		const char *ev = str(o, "event");

		assert_non_null(ev);
		assert_non_null(str(o, "time"));
		if (!strcmp(ev, "summary"))
			continue;
		if (!strcmp(ev, "skipped")) {
			skipped++;
			assert_non_null(strstr(str(o, "number"), "carol"));
			assert_true(num(o, "file_line") == 8);
			assert_string_equal(str(o, "gate"), "dialled");
			assert_string_equal(str(o, "checked"), "before_invite");
			assert_non_null(strstr(str(o, "reason"), "already dialled"));
			continue;
		}
		if (!strcmp(ev, "dialing")) {
			assert_true(dialing < 8);
			starts[dialing++] = day_ms(str(o, "time"));
		}
		if (!strcmp(ev, "ended")) {
			const char *number = str(o, "number"), *outcome = str(o, "outcome");

			ended++;
			assert_true(num(o, "attempt") >= 1);
			assert_non_null(number);
			assert_non_null(outcome);
			assert_true(num(o, "sip_code") >= 0);
			if (strstr(number, "carol")) {
				assert_true(num(o, "attempt") == 1);
				assert_string_equal(outcome, "cancelled");
			} else if (strstr(number, "bob")) {
				assert_string_equal(outcome, "busy");
				assert_true(num(o, "sip_code") == 486);
			} else if (!strcmp(number, "+14155550134"))
				assert_string_equal(outcome, "connected");
			else if (!strcmp(number, "hello")) {
				assert_string_equal(outcome, "invalid_number");
				/* never dialled: its record still names its line, 0 */
				assert_non_null(cJSON_GetObjectItemCaseSensitive(o, "line"));
				assert_true(num(o, "line") == 0);
			} else if (strstr(number, "alice"))
				assert_string_equal(outcome, "connected");
			else
				fail_msg("unexpected number %s", number);
		}
	}
	assert_int_equal(ended, 5);
	assert_int_equal(dialing, 4); /* "hello" is never dialled, carol only once */
	assert_int_equal(skipped, 1);
	/* the stagger: the first three start at least 200 ms apart */
	assert_true(starts[1] - starts[0] >= 195);
	assert_true(starts[2] - starts[1] >= 195);
	o = cJSON_GetArrayItem(arr, (int)n - 1);
	assert_string_equal(str(o, "event"), "summary");
	assert_true(num(o, "attempts") == 5);
	assert_true(num(o, "never_dialled") == 1);
	assert_true(num(o, "refused") == 0);
	assert_true(num(o, "skipped") == 1);
	assert_true(num(cJSON_GetObjectItemCaseSensitive(o, "outcomes"), "connected") == 2);
	cJSON_Delete(arr);
	/* persisted */
	snprintf(db, sizeof(db), "%s/loftdial.db", home);
	assert_int_equal(store_open(&st, db), 0);
	assert_int_equal(attempts_list(st, 0, 0, count_attempts, &stored), 0);
	store_close(st);
	assert_int_equal(stored, 5);
	/* nothing left running */
	assert_int_equal(our_engines(), 0);
}

static void test_text_output(void **state)
{
	static char out[64 * 1024];
	char *args[] = {"--numbers", numbers, NULL};
	char uri[128], text[256];

	snprintf(text, sizeof(text), "%s\n", pt_peer_uri(&bob, uri, sizeof(uri)));
	write_numbers(text);
	write_config(NULL);
	assert_int_equal(run_dial(args, out, sizeof(out), 0), 0);
	assert_non_null(strstr(out, " dialing "));
	assert_non_null(strstr(out, "busy sip 486 (486 Busy Here)"));
	assert_non_null(strstr(out, "summary: 1 attempt(s): busy 1; live answers dropped 0"));
}

static void test_sigint_hangs_up(void **state)
{
	static char out[64 * 1024];
	char *args[] = {"--numbers", numbers, NULL};
	char uri[128], text[256];

	/* a long ring timeout: only the SIGINT can end this call */
	snprintf(text, sizeof(text), "%s\n%s\n", pt_peer_uri(&carol, uri, sizeof(uri)), uri);
	write_numbers(text);
	write_config(NULL);
	assert_int_equal(run_dial(args, out, sizeof(out), 1), 130);
	/* the 487 that confirmed the CANCEL is reported with the record */
	if (!strstr(out, "cancelled sip 487 (stopped)"))
		fail_msg("output:\n%s", out);
	assert_non_null(strstr(out, "summary: 1 attempt(s)")); /* the second was never dialled */
	assert_int_equal(our_engines(), 0);
}

static void test_connect_mode(void **state)
{
	static char out[64 * 1024];
	char *args[] = {"--numbers", numbers, "--json", NULL};
	struct pt_peer user;
	struct pt_peer_opts po;
	char uri[128], text[256], extra[256];

	/* the user's own baresip (with aubridge and ctrl_tcp loaded, as docs/telephony.md asks) */
	memset(&po, 0, sizeof(po));
	po.user = "rep";
	po.answermode = "manual";
	assert_int_equal(pt_peer_start(&user, root, "userbaresip", &po), 0);
	ctrl_close(user.ctrl); /* loftdial will be its ctrl_tcp client */
	user.ctrl = NULL;
	snprintf(text, sizeof(text), "%s\n", pt_peer_uri(&alice, uri, sizeof(uri)));
	write_numbers(text);
	snprintf(extra, sizeof(extra), "engine.mode connect\nengine.address 127.0.0.1:%d\n",
	         user.ctrl_port);
	write_config(extra);
	assert_int_equal(run_dial(args, out, sizeof(out), 0), 0);
	assert_non_null(strstr(out, "\"event\":\"connected\""));
	assert_non_null(strstr(out, "\"outcome\":\"connected\""));
	assert_non_null(strstr(out, "\"media\":true"));
	pt_peer_stop(&user);
}

/*
 * A numbers file with hostile lines: none of them is altered and then dialled. A 5 kB line
 * ending in alice's URI, a NUL after alice's URI, an escape sequence inside it, a BEL, invalid
 * UTF-8 and a URI too long for the dial plan are each refused with a reason naming the byte;
 * alice is never dialled. A 200-byte URI (over the old 128-byte copy) is dialled whole. The
 * run exits 4: some lines refused, a call placed.
 */
static void test_hostile_numbers_file(void **state)
{
	static char out[256 * 1024];
	static char text[16 * 1024];
	char *args[] = {"--numbers", numbers, "--json", NULL};
	char alice_uri[128], bob_uri[128], longuri[260], huge[300];
	size_t len = 0, i;
	cJSON *arr, *o;
	unsigned n, refused = 0, dialled_long = 0;
	FILE *f;

	pt_peer_uri(&alice, alice_uri, sizeof(alice_uri));
	pt_peer_uri(&bob, bob_uri, sizeof(bob_uri));
	/* bob's URI with a parameter padding it to 200 bytes: a valid URI the dial plan takes */
	snprintf(longuri, sizeof(longuri), "%s;x=", bob_uri);
	i = strlen(longuri);
	memset(longuri + i, 'a', 200 - i);
	longuri[200] = '\0';
	memset(huge, 'a', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	memset(text, 'z', 5000);
	len = 5000 - strlen(alice_uri);
	memcpy(text + len, alice_uri, strlen(alice_uri));
	len = 5000;
	len += (size_t)snprintf(text + len, sizeof(text) - len, "\n%s", alice_uri);
	text[len++] = '\0';
	len += (size_t)snprintf(text + len, sizeof(text) - len,
	                        "junk\nsip:al\x1b[1mice@127.0.0.1\n%s\x07\n%s\xff\nsip:%s@h\n%s\n",
	                        alice_uri, alice_uri, huge, longuri);
	f = fopen(numbers, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	write_config(NULL);
	assert_int_equal(run_dial(args, out, sizeof(out), 0), 4);
	arr = parse_lines(out, &n);
	cJSON_ArrayForEach(o, arr)
	{
		const char *ev = str(o, "event"), *reason = str(o, "reason");
		const char *number = str(o, "number");

		if (!strcmp(ev, "refused")) {
			assert_non_null(reason);
			assert_true(num(o, "file_line") >= 1);
			refused++;
			switch ((int)num(o, "file_line")) {
			case 1:
				assert_non_null(strstr(reason, "5000 bytes long"));
				break;
			case 2:
				assert_non_null(strstr(reason, "is a NUL"));
				break;
			case 3:
				assert_non_null(strstr(reason, "byte 7 is ESC"));
				break;
			case 4:
				assert_non_null(strstr(reason, "control character (0x07)"));
				break;
			case 5:
				assert_non_null(strstr(reason, "not valid UTF-8"));
				break;
			case 6:
				assert_non_null(strstr(reason, "bytes long"));
				break;
			default:
				fail_msg("line %d refused: %s", (int)num(o, "file_line"), reason);
			}
			continue;
		}
		/* alice is in every hostile line: no piece of them may be dialled */
		if (number && strstr(number, "alice"))
			fail_msg("dialled a piece of a refused line: %s (%s)", number, ev);
		if (!strcmp(ev, "dialing") && number && !strcmp(number, longuri))
			dialled_long++;
	}
	assert_int_equal(refused, 6);
	assert_int_equal(dialled_long, 1); /* the 200-byte URI, whole */
	o = cJSON_GetArrayItem(arr, (int)n - 1);
	assert_string_equal(str(o, "event"), "summary");
	assert_true(num(o, "refused") == 6);
	assert_true(num(o, "attempts") == 1);
	cJSON_Delete(arr);
	assert_int_equal(our_engines(), 0);
}

/* A file with nothing dialable starts no engine and exits 1; so does a file that is missing,
 * with nothing on stdout (no empty summary). A target nobody answers exits 1: no call could
 * be placed. */
static void test_nothing_placed(void **state)
{
	static char out[64 * 1024];
	char *args[] = {"--numbers", numbers, NULL};
	char *missing[] = {"--numbers", "/nonexistent/numbers.txt", NULL};

	write_config(NULL);
	write_numbers("# only a comment\n\x1b[31m\n");
	assert_int_equal(run_dial(args, out, sizeof(out), 0), 1);
	assert_null(strstr(out, "summary"));
	assert_non_null(strstr(out, "refused"));
	assert_int_equal(run_dial(missing, out, sizeof(out), 0), 1);
	assert_null(strstr(out, "summary"));
	assert_non_null(strstr(out, "cannot read the numbers file"));
	/* UDP port 9 on loopback: nobody there, the INVITE goes unanswered */
	write_numbers("sip:nobody@127.0.0.1:9\n");
	assert_int_equal(run_dial(args, out, sizeof(out), 0), 1);
	assert_non_null(strstr(out, "network"));
	assert_int_equal(our_engines(), 0);
}

static void test_bad_command_lines(void **state)
{
	static char out[16 * 1024];
	char *none[] = {NULL};
	char *lines10[] = {"--numbers", numbers, "--lines", "10", NULL};
	char *missing[] = {"--numbers", "/nonexistent/numbers.txt", NULL};
	char *plan[] = {"--numbers", numbers, NULL};

	write_config(NULL);
	write_numbers("+14155550134\n");
	assert_int_equal(run_dial(none, out, sizeof(out), 0), 2);
	assert_int_equal(run_dial(lines10, out, sizeof(out), 0), 2);
	assert_int_equal(run_dial(missing, out, sizeof(out), 0), 1);
	write_config("sip.dialplan sip:{e164} @nowhere\n");
	assert_int_equal(run_dial(plan, out, sizeof(out), 0), 1);
	assert_null(strstr(out, "summary")); /* no empty summary before the error */
	assert_int_equal(our_engines(), 0);
}

static int setup(void **state)
{
	struct pt_peer_opts o;
	static char greet[800];

	if (tl_tmpdir(root, sizeof(root), "phone-cli") || pt_loop_init() ||
	    pt_audio_make(&audio, root))
		return -1;
	snprintf(home, sizeof(home), "%s/home", root);
	snprintf(numbers, sizeof(numbers), "%s/numbers.txt", root);
	if (mkdir(home, 0700))
		return -1;
	snprintf(greet, sizeof(greet), "aufile,%s", audio.greet);
	memset(&o, 0, sizeof(o));
	o.answermode = "auto";
	o.ausrc = greet;
	o.user = "alice";
	if (pt_peer_start(&alice, root, "alice", &o))
		return -1;
	o.user = "+14155550134";
	if (pt_peer_start(&dave, root, "dave", &o))
		return -1;
	o.user = "bob";
	o.block = true;
	if (pt_peer_start(&bob, root, "bob", &o))
		return -1;
	memset(&o, 0, sizeof(o));
	o.user = "carol";
	o.answermode = "manual";
	if (pt_peer_start(&carol, root, "carol", &o))
		return -1;
	/* the peers run on their own; the test does not read their events while loftdial runs */
	ctrl_close(alice.ctrl);
	ctrl_close(dave.ctrl);
	ctrl_close(bob.ctrl);
	ctrl_close(carol.ctrl);
	alice.ctrl = dave.ctrl = bob.ctrl = carol.ctrl = NULL;
	return pt_port_block(3, &sip_base, &ctrl_base);
}

static int teardown(void **state)
{
	pt_peer_stop(&alice);
	pt_peer_stop(&bob);
	pt_peer_stop(&carol);
	pt_peer_stop(&dave);
	pt_loop_close();
	tl_rmrf(root);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_json_three_lines),
	        cmocka_unit_test(test_text_output),
	        cmocka_unit_test(test_sigint_hangs_up),
	        cmocka_unit_test(test_connect_mode),
	        cmocka_unit_test(test_bad_command_lines),
	        cmocka_unit_test(test_hostile_numbers_file),
	        cmocka_unit_test(test_nothing_placed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

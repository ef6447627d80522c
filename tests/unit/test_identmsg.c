/*
 * test_identmsg: the identification message made from the config (identmsg.h). Edge cases
 * first: nothing configured, one of the two missing, hostile names and numbers (markup,
 * espeak-ng's phoneme brackets, options, control characters, bidi controls, invalid UTF-8,
 * oversized); then the texts the filter builds, the cache path, and real renders through
 * espeak-ng and sox: the WAV is 8 kHz mono 16-bit of a plausible length, the same text is not
 * rendered again, a changed text gets a new file, and a render on the loop calls back once.
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
#include <unistd.h>

#include <cmocka.h>
#include <re.h>

#include "loftdial/identmsg.h"
#include "loftdial/loop.h"
#include "loftdial/vmrec.h"
#include "testlib.h"

static char dir[600];

static void test_nothing_or_half(void **state)
{
	char out[IDENTMSG_TEXT_MAX], why[256] = "";

	(void)state;
	assert_int_equal(identmsg_text(NULL, NULL, out, sizeof(out), why, sizeof(why)), ENOENT);
	assert_int_equal(identmsg_text("", "", out, sizeof(out), why, sizeof(why)), ENOENT);
	assert_int_equal(identmsg_text("Dana", "", out, sizeof(out), why, sizeof(why)), EINVAL);
	assert_non_null(strstr(why, "dial.ident_callback is empty"));
	assert_int_equal(identmsg_text(NULL, "4155550123", out, sizeof(out), why, sizeof(why)),
	                 EINVAL);
	assert_non_null(strstr(why, "dial.ident_name is empty"));
	assert_int_equal(identmsg_text("Dana", "415", NULL, 0, why, sizeof(why)), EINVAL);
}

/* Every one of these is refused with a reason that names the key; none is ever spoken. */
static void test_hostile(void **state)
{
	static const struct {
		const char *name, *cb, *key, *says;
	} bad[] = {
	        {"<speak>Dana</speak>", "4155550123", "dial.ident_name", "('<', U+003C)"},
	        {"Dana [[h@l'oU]]", "4155550123", "dial.ident_name", "('[', U+005B)"},
	        {"Dana & Co", "4155550123", "dial.ident_name", "('&', U+0026)"},
	        {"Dana\tReyes", "4155550123", "dial.ident_name", "(U+0009)"},
	        {"Dana\nReyes", "4155550123", "dial.ident_name", "(U+000A)"},
	        {"Dana\x1b[31m", "4155550123", "dial.ident_name", "(U+001B)"},
	        {"Dana\xc2\x85", "4155550123", "dial.ident_name", "(U+0085)"},
	        {"Dana\xe2\x80\xae", "4155550123", "dial.ident_name", "(U+202E)"},
	        {"Dana\xff", "4155550123", "dial.ident_name", "not valid UTF-8"},
	        {"Dana\xc0\xaf", "4155550123", "dial.ident_name", "not valid UTF-8"},
	        {"Dana;rm -rf", "4155550123", "dial.ident_name", "(';', U+003B)"},
	        {"$(reboot)", "4155550123", "dial.ident_name", "('$', U+0024)"},
	        {"12345", "4155550123", "dial.ident_name", "has no letters"},
	        {"- --", "4155550123", "dial.ident_name", "must start with a letter or a digit"},
	        {"--help", "4155550123", "dial.ident_name", "must start with a letter or a digit"},
	        {"'x", "4155550123", "dial.ident_name", "must start with a letter or a digit"},
	        {"1 2-3", "4155550123", "dial.ident_name", "has no letters"},
	        {"Abcdefghij Abcdefghij Abcdefghij Abcdefghij Abcdefghij Abcdefghij", "4155550123",
	         "dial.ident_name", "longer than 60 bytes"},
	        {"Dana", "415-555-0123 x9", "dial.ident_callback", "('x', U+0078)"},
	        {"Dana", "--help", "dial.ident_callback", "('h', U+0068)"},
	        {"Dana", "41+5550123", "dial.ident_callback", "('+', U+002B)"},
	        {"Dana", "4155550123\n", "dial.ident_callback", "(U+000A)"},
	        {"Dana",
	         "415\xe2\x80\x8b"
	         "5550123",
	         "dial.ident_callback", "(U+200B)"},
	        {"Dana", "12", "dial.ident_callback", "needs at least 3 digits"},
	        {"Dana", "1234567890123456", "dial.ident_callback", "more than 15 digits"},
	        {"Dana", "1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7", "dial.ident_callback",
	         "longer than 32 characters"},
	};
	char out[IDENTMSG_TEXT_MAX], why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		snprintf(out, sizeof(out), "unchanged");
		assert_int_equal(
		        identmsg_text(bad[i].name, bad[i].cb, out, sizeof(out), why, sizeof(why)),
		        EINVAL);
		print_message("%zu: %s\n", i, why);
		assert_string_equal(out, "");
		assert_non_null(strstr(why, bad[i].key));
		assert_non_null(strstr(why, bad[i].says));
		/* The reason itself is clean text: no control byte reaches a terminal. */
		for (size_t k = 0; why[k]; k++)
			assert_true((unsigned char)why[k] >= 0x20 && why[k] != 0x7f);
	}
}

static void test_texts(void **state)
{
	static const struct {
		const char *name, *cb, *text;
	} ok[] = {
	        {"Dana Reyes", "4155550123",
	         "This is Dana Reyes. Sorry we missed you. Please call us back at 4 1 5, 5 5 5, "
	         "0 1 2 3."},
	        {"  Dana   Reyes, Acme  ", "+14155550123",
	         "This is Dana Reyes, Acme. Sorry we missed you. Please call us back at plus 1, "
	         "4 1 5, 5 5 5, 0 1 2 3."},
	        {"O'Brien-Smith Co.", "+1 (415) 555-0123",
	         "This is O'Brien-Smith Co. Sorry we missed you. Please call us back at plus 1, "
	         "4 1 5, 5 5 5, 0 1 2 3."},
	        {"José Müller", "+44 20 7946 0958",
	         "This is José Müller. Sorry we missed you. Please call us back at plus 4 4, 2 0, "
	         "7 9 4 6, 0 9 5 8."},
	        {"3M Sales", "911",
	         "This is 3M Sales. Sorry we missed you. Please call us back at 9 1 1."},
	};
	char out[IDENTMSG_TEXT_MAX], why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		why[0] = '\0';
		assert_int_equal(
		        identmsg_text(ok[i].name, ok[i].cb, out, sizeof(out), why, sizeof(why)), 0);
		assert_string_equal(out, ok[i].text);
	}
	/* Too small an output is an error, never a cut message. */
	assert_int_equal(identmsg_text("Dana", "4155550123", out, 20, why, sizeof(why)), EINVAL);
}

static void test_path(void **state)
{
	char a[IDENTMSG_PATH_MAX], b[IDENTMSG_PATH_MAX], c[IDENTMSG_PATH_MAX];

	(void)state;
	assert_int_equal(identmsg_path(NULL, "x", a, sizeof(a)), EINVAL);
	assert_int_equal(identmsg_path("/d", "", a, sizeof(a)), EINVAL);
	assert_int_equal(identmsg_path("/d", "hello", a, 10), ENAMETOOLONG);
	assert_int_equal(identmsg_path("/d", "hello", a, sizeof(a)), 0);
	assert_int_equal(identmsg_path("/d", "hello", b, sizeof(b)), 0);
	assert_int_equal(identmsg_path("/d", "hello.", c, sizeof(c)), 0);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strncmp(a, "/d/ident/ident-", 15), 0);
	assert_int_equal(strlen(a), strlen("/d/ident/ident-") + 16 + 4);
}

/* Reads the WAV header's rate and channels, and checks the length. */
static void check_wav(const char *path, unsigned *ms)
{
	unsigned char h[44];
	char why[256];
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	assert_int_equal(fread(h, 1, 44, f), 44);
	fclose(f);
	assert_memory_equal(h, "RIFF", 4);
	assert_memory_equal(h + 8, "WAVE", 4);
	assert_int_equal(h[22] | h[23] << 8, 1);                                /* mono */
	assert_int_equal(h[24] | h[25] << 8 | h[26] << 16 | h[27] << 24, 8000); /* 8 kHz */
	assert_int_equal(h[34] | h[35] << 8, 16);                               /* 16-bit */
	assert_int_equal(vmrec_check(path, ms, why, sizeof(why)), 0);
	assert_true(*ms >= 1000 && *ms <= 10000);
}

/* A file of name in the messages' folder, with a few bytes in it. */
static void put_file(const char *name)
{
	char path[1200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/ident/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	fputs("x", f);
	fclose(f);
}

static bool has_file(const char *name)
{
	char path[1200];

	snprintf(path, sizeof(path), "%s/ident/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void rm_file(const char *name)
{
	char path[1200];

	snprintf(path, sizeof(path), "%s/ident/%s", dir, name);
	assert_int_equal(unlink(path), 0);
}

static void test_render_and_cache(void **state)
{
	char text[IDENTMSG_TEXT_MAX], text2[IDENTMSG_TEXT_MAX], why[512] = "";
	char p1[IDENTMSG_PATH_MAX], p2[IDENTMSG_PATH_MAX], p3[IDENTMSG_PATH_MAX];
	struct stat s1, s2;
	unsigned ms = 0, ms2 = 0;
	bool cached = true;
	int err;

	(void)state;
	assert_int_equal(
	        identmsg_text("Dana Reyes", "415 555 0123", text, sizeof(text), why, sizeof(why)),
	        0);
	assert_false(identmsg_cached(dir, text, p1, sizeof(p1), NULL));
	err = identmsg_render(dir, text, p1, sizeof(p1), &cached, &ms, why, sizeof(why));
	if (err)
		fail_msg("render: %s", why);
	assert_false(cached);
	check_wav(p1, &ms2);
	assert_int_equal(ms, ms2);
	printf("FIGURE rendered '%s' in %u ms of audio: %s\n", text, ms, p1);
	assert_true(identmsg_cached(dir, text, p2, sizeof(p2), &ms2));
	assert_string_equal(p1, p2);
	assert_int_equal(stat(p1, &s1), 0);

	/* The same text again: the same file, not rendered again. */
	err = identmsg_render(dir, text, p2, sizeof(p2), &cached, &ms2, why, sizeof(why));
	assert_int_equal(err, 0);
	assert_true(cached);
	assert_string_equal(p1, p2);
	assert_int_equal(ms, ms2);
	assert_int_equal(stat(p2, &s2), 0);
	assert_int_equal(s1.st_ino, s2.st_ino);
	assert_true(s1.st_mtim.tv_sec == s2.st_mtim.tv_sec &&
	            s1.st_mtim.tv_nsec == s2.st_mtim.tv_nsec);

	/* A changed number: a new file, and the old one, stale now, is removed; a render's
	 * temporary name and other files are left alone. */
	assert_int_equal(
	        identmsg_text("Dana Reyes", "415 555 0124", text2, sizeof(text2), why, sizeof(why)),
	        0);
	put_file("ident-0123456789abcdef.wav.77.part");
	put_file("ident-0123456789abcdef.wav.77.tts.wav");
	put_file("my-notes.txt");
	put_file("ident-0123456789abcdeg.wav"); /* not a hash: not a message */
	put_file("ident-0123456789abcdef.wav"); /* an older message of another text */
	err = identmsg_render(dir, text2, p3, sizeof(p3), &cached, &ms2, why, sizeof(why));
	if (err)
		fail_msg("render: %s", why);
	assert_false(cached);
	assert_string_not_equal(p1, p3);
	check_wav(p3, &ms2);
	assert_int_not_equal(access(p1, F_OK), 0);
	assert_false(has_file("ident-0123456789abcdef.wav"));
	assert_true(has_file("ident-0123456789abcdef.wav.77.part"));
	assert_true(has_file("ident-0123456789abcdef.wav.77.tts.wav"));
	assert_true(has_file("my-notes.txt"));
	assert_true(has_file("ident-0123456789abcdeg.wav"));
	rm_file("ident-0123456789abcdef.wav.77.part");
	rm_file("ident-0123456789abcdef.wav.77.tts.wav");
	rm_file("my-notes.txt");
	rm_file("ident-0123456789abcdeg.wav");

	/* A message a dialer holds is kept when another text is rendered, and removed by the
	 * next render once it is let go. A text whose file is there is not rendered: nothing
	 * is removed then. */
	{
		char text3[IDENTMSG_TEXT_MAX], p4[IDENTMSG_PATH_MAX], p5[IDENTMSG_PATH_MAX];
		int held = identmsg_hold(p3);

		assert_true(held >= 0);
		assert_int_equal(identmsg_hold("/nonexistent/ident-0.wav"), -ENOENT);
		assert_int_equal(identmsg_hold(""), -EINVAL);
		assert_int_equal(identmsg_text("Dana Reyes", "415 555 0125", text3, sizeof(text3),
		                               why, sizeof(why)),
		                 0);
		assert_int_equal(identmsg_render(dir, text3, p4, sizeof(p4), &cached, &ms2, why,
		                                 sizeof(why)),
		                 0);
		assert_int_equal(access(p3, F_OK), 0);
		close(held);
		/* The first text again (its file was removed above): rendered anew, and the two
		 * others go. */
		assert_int_equal(
		        identmsg_render(dir, text, p5, sizeof(p5), &cached, &ms2, why, sizeof(why)),
		        0);
		assert_false(cached);
		assert_string_equal(p5, p1);
		assert_int_not_equal(access(p3, F_OK), 0);
		assert_int_not_equal(access(p4, F_OK), 0);
	}

	/* A file that no longer plays is rendered again. */
	{
		FILE *f = fopen(p1, "wb");

		assert_non_null(f);
		fputs("not a wav", f);
		fclose(f);
	}
	assert_false(identmsg_cached(dir, text, p2, sizeof(p2), NULL));
	assert_int_equal(
	        identmsg_render(dir, text, p2, sizeof(p2), &cached, &ms2, why, sizeof(why)), 0);
	assert_false(cached);
	check_wav(p2, &ms2);
	/* No temporary files are left next to the messages. */
	{
		char cmd[800], out[256];
		char *argv[] = {"sh", "-c", cmd, NULL};

		snprintf(cmd, sizeof(cmd), "ls '%s/ident' | grep -c -v '^ident-[0-9a-f]*\\.wav$'",
		         dir);
		(void)tl_run(argv, NULL, out, sizeof(out), 5000);
		assert_int_equal(atoi(out), 0);
	}
}

struct done {
	int calls, err;
	char path[IDENTMSG_PATH_MAX], why[512];
};

static void on_done(int err, const char *path, const char *why, void *arg)
{
	struct done *d = arg;

	d->calls++;
	d->err = err;
	snprintf(d->path, sizeof(d->path), "%s", path);
	snprintf(d->why, sizeof(d->why), "%s", why);
	loop_quit(0);
}

static void give_up(void *arg)
{
	(void)arg;
	loop_quit(1);
}

/* Runs the loop until the render calls back (or 20 s pass, a failure). */
static void run_job(struct identmsg **j, const char *text, struct done *d)
{
	struct tmr t;
	char why[512] = "";

	memset(d, 0, sizeof(*d));
	tmr_init(&t);
	if (identmsg_start(j, dir, text, on_done, d, why, sizeof(why)))
		fail_msg("start: %s", why);
	assert_int_equal(d->calls, 0); /* never from inside identmsg_start */
	tmr_start(&t, 20000, give_up, NULL);
	assert_int_equal(loop_run(), 0);
	tmr_cancel(&t);
	identmsg_free(*j);
	*j = NULL;
	assert_int_equal(d->calls, 1);
}

static void test_on_the_loop(void **state)
{
	char text[IDENTMSG_TEXT_MAX], why[256], path[IDENTMSG_PATH_MAX];
	struct identmsg *j = NULL;
	struct done d;
	unsigned ms;

	(void)state;
	assert_int_equal(loop_init(), 0);
	assert_int_equal(identmsg_text("Loop Tester", "(312) 555-0199", text, sizeof(text), why,
	                               sizeof(why)),
	                 0);
	run_job(&j, text, &d);
	if (d.err)
		fail_msg("render on the loop: %s", d.why);
	assert_int_equal(identmsg_path(dir, text, path, sizeof(path)), 0);
	assert_string_equal(d.path, path);
	check_wav(d.path, &ms);
	/* Cached now: told from the loop as well. */
	run_job(&j, text, &d);
	assert_int_equal(d.err, 0);
	assert_string_equal(d.path, path);

	/* Freed while its child runs: killed and reaped, nothing left behind, no callback. */
	assert_int_equal(identmsg_text("Loop Tester", "(312) 555-0198", text, sizeof(text), why,
	                               sizeof(why)),
	                 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(identmsg_start(&j, dir, text, on_done, &d, why, sizeof(why)), 0);
	identmsg_free(j);
	assert_int_equal(d.calls, 0);
	assert_int_equal(identmsg_path(dir, text, path, sizeof(path)), 0);
	assert_int_not_equal(access(path, F_OK), 0);
	loop_close();
}

/* Without espeak-ng on PATH: a clear reason, no file. */
static void test_not_installed(void **state)
{
	char text[IDENTMSG_TEXT_MAX], why[512] = "", path[IDENTMSG_PATH_MAX];
	const char *old = getenv("PATH");
	char saved[4096];

	(void)state;
	snprintf(saved, sizeof(saved), "%s", old ? old : "/usr/bin:/bin");
	assert_int_equal(
	        identmsg_text("No Speech", "5550100", text, sizeof(text), why, sizeof(why)), 0);
	setenv("PATH", dir, 1);
	assert_int_equal(
	        identmsg_render(dir, text, path, sizeof(path), NULL, NULL, why, sizeof(why)),
	        ENOENT);
	setenv("PATH", saved, 1);
	assert_non_null(strstr(why, "espeak-ng is not installed"));
	assert_int_equal(identmsg_path(dir, text, path, sizeof(path)), 0);
	assert_int_not_equal(access(path, F_OK), 0);
}

static int setup(void **state)
{
	(void)state;
	return tl_tmpdir(dir, sizeof(dir), "identmsg");
}

static int teardown(void **state)
{
	(void)state;
	tl_rmrf(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_nothing_or_half),
	        cmocka_unit_test(test_hostile),
	        cmocka_unit_test(test_texts),
	        cmocka_unit_test(test_path),
	        cmocka_unit_test(test_render_and_cache),
	        cmocka_unit_test(test_on_the_loop),
	        cmocka_unit_test(test_not_installed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

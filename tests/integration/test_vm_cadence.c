/*
 * test_vm_cadence: a cadence's own voicemail, checked on what the machines actually got.
 * `loftdial voicemail record --cadence 1201 --from IN` converts a message (an 880 Hz tone,
 * given at 16 kHz stereo) into the data folder; the default, dial.voicemail_file, is a 523 Hz
 * tone. Against a real sandbox whose simulated phones all answer as voicemail, with real
 * baresip engines, dial.amd humans_only and dial.machine voicemail:
 *  - `loftdial dial --cadence 1201` says it plays the cadence's recording, and every machine
 *    it reached heard the 880 Hz message after its greeting and beep;
 *  - `loftdial dial --cadence 1200` (no recording of its own) says it plays the default, and
 *    every machine it reached heard the 523 Hz one.
 * The command's refusals come first: FILE with --cadence, a bad id, an existing recording
 * without --force.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "listdialtest.h"
#include "phonesbx.h"

#define OUT_MAX  (512 * 1024)
#define RUN_MS   240000
#define HZ_CAD   880.0
#define HZ_DEF   523.0
#define WINDOW_S 8000 /* one second of samples */

static struct ldt T;
static char out[OUT_MAX], def_wav[700], cad_src[700], dir[600];

static int setup(void **state)
{
	(void)state;
	if (tl_tmpdir(dir, sizeof(dir), "vmcadence"))
		return -1;
	snprintf(def_wav, sizeof(def_wav), "%s/default.wav", dir);
	snprintf(cad_src, sizeof(cad_src), "%s/cadence-src.wav", dir);
	if (ldt_tone(def_wav, "8000", "1", "523") || ldt_tone(cad_src, "16000", "2", "880"))
		return -1;
	return ldt_setup(&T, LDT_MIX_MACHINES(7));
}
static int teardown(void **state)
{
	(void)state;
	tl_rmrf(dir);
	return ldt_teardown(&T);
}
/* What a call of the simulated phones heard: the message's tone, found after the greeting.
 * Returns the share of hz in the second after the onset (plus 100 ms). */
static double heard_share(unsigned id, double greeting_ms, double hz)
{
	char url[300];
	struct sbxt_resp r;
	const int16_t *pcm;
	size_t n;
	long on;
	double share;

	snprintf(url, sizeof(url), "%s/_sandbox/phones/calls/%u/audio", T.sbx.base, id);
	memset(&r, 0, sizeof(r));
	assert_int_equal(sbxt_http(&r, "GET", url, NULL, NULL), 0);
	assert_int_equal(r.status, 200);
	assert_true(r.len > 44);
	assert_memory_equal(r.body, "RIFF", 4);
	/* The samples are 16-bit aligned in the body after the 44-byte header. */
	pcm = (const int16_t *)(const void *)(r.body + 44);
	n = (r.len - 44) / 2;
	on = psbx_onset(pcm, n);
	assert_true(on >= 0);
	/* Never over the greeting or its beep. */
	assert_true(on / 8 >= (long)greeting_ms);
	assert_true((size_t)on + 800 + WINDOW_S <= n);
	share = psbx_tone_share(pcm + on + 800, WINDOW_S, hz);
	print_message("call %u: greeting %.0f ms, message from %ld ms, %.0f Hz share %.2f\n", id,
	              greeting_ms, on / 8, hz, share);
	sbxt_resp_free(&r);
	return share;
}

/* Every call the phones answered after call id `after` heard hz: how many; *last gets the
 * highest id. */
static unsigned check_heard(unsigned after, double hz, unsigned *last)
{
	cJSON *calls = NULL, *c;
	unsigned n = 0;

	assert_int_equal(sbxt_admin(&T.sbx, "GET", "/_sandbox/phones/calls", NULL, &calls), 200);
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(calls, "calls"))
	{
		unsigned id = (unsigned)sbxt_num(c, "id");

		if (id <= after)
			continue;
		assert_true(heard_share(id, sbxt_num(c, "greeting_ms"), hz) > 0.8);
		if (id > *last)
			*last = id;
		n++;
	}
	cJSON_Delete(calls);
	return n;
}

/* A whole file in a malloc'd buffer. */
static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 44);
	rewind(f);
	buf = malloc((size_t)len);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return buf;
}

/* Runs a cadence: the voicemail event says which file (and source), every ended call left
 * it. Returns the calls ended. */
static unsigned run_cadence(struct st_home *h, const char *cadence, const char *source,
                            const char *file_end)
{
	char *line, *save = NULL;
	unsigned ended = 0, left = 0, told = 0;
	int rc;

	rc = st_loftdial(h, true, out, sizeof(out), RUN_MS, "dial", "--cadence", cadence, "--lines",
	                 "3", "--json", NULL);
	if (rc != 0)
		fprintf(stderr, "%s\n", out);
	assert_int_equal(rc, 0);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *o = line[0] == '{' ? cJSON_Parse(line) : NULL;
		const char *ev = sbxt_str(o, "event");

		if (!strcmp(ev, "voicemail_file")) {
			const char *f = sbxt_str(o, "file");
			size_t fl = strlen(f), el = strlen(file_end);

			told++;
			assert_string_equal(sbxt_str(o, "source"), source);
			assert_true(fl >= el && !strcmp(f + fl - el, file_end));
		} else if (!strcmp(ev, "ended")) {
			ended++;
			left += !strcmp(sbxt_str(o, "reason"), "voicemail left");
		}
		cJSON_Delete(o);
	}
	assert_int_equal(told, 1);
	assert_true(ended >= 1);
	assert_int_equal(left, ended);
	return ended;
}

static void test_cadence_message(void **state)
{
	struct st_home h;
	char cad_file[1024], *p, *before, *after;
	size_t nbefore, nafter;
	unsigned ended_a, ended_b, heard_a, heard_b, last = 0;
	int rc;

	(void)state;
	assert_int_equal(ldt_home_vm(&T, &h, def_wav), 0);

	/* Refusals: nothing written. */
	rc = st_loftdial(&h, false, out, sizeof(out), 20000, "voicemail", "record", "--cadence",
	                 "1201", def_wav, "--from", cad_src, NULL);
	assert_int_equal(rc, 2);
	rc = st_loftdial(&h, false, out, sizeof(out), 20000, "voicemail", "record", "--cadence",
	                 "12x", "--from", cad_src, NULL);
	assert_int_equal(rc, 2);

	/* The cadence's own message, converted into the data folder. */
	rc = st_loftdial(&h, false, out, sizeof(out), 20000, "voicemail", "record", "--cadence",
	                 "1201", "--from", cad_src, NULL);
	if (rc != 0)
		fprintf(stderr, "%s\n", out);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "dial sessions of cadence 1201 leave it on machines"));
	p = strstr(out, "wrote ");
	assert_non_null(p);
	snprintf(cad_file, sizeof(cad_file), "%s", p + 6);
	cad_file[strcspn(cad_file, " ")] = '\0';
	assert_non_null(strstr(cad_file, "/voicemail/cadence-1201.wav"));
	assert_int_equal(access(cad_file, R_OK), 0);
	/* Kept unless --force: the other tone is refused and the file stays as it was. */
	before = slurp(cad_file, &nbefore);
	rc = st_loftdial(&h, false, out, sizeof(out), 20000, "voicemail", "record", "--cadence",
	                 "1201", "--from", def_wav, NULL);
	assert_int_equal(rc, 1);
	after = slurp(cad_file, &nafter);
	assert_int_equal(nafter, nbefore);
	assert_memory_equal(after, before, nbefore);
	free(before);
	free(after);

	/* The cadence with a recording plays it. */
	ended_a = run_cadence(&h, "1201", "cadence", "/voicemail/cadence-1201.wav");
	heard_a = check_heard(0, HZ_CAD, &last);
	/* One without plays the default. */
	ended_b = run_cadence(&h, "1200", "default", "/default.wav");
	heard_b = check_heard(last, HZ_DEF, &last);
	printf("FIGURE cadence 1201 (own recording, 880 Hz): %u calls, %u heard it; cadence 1200 "
	       "(dial.voicemail_file, 523 Hz): %u calls, %u heard it\n",
	       ended_a, heard_a, ended_b, heard_b);
	assert_int_equal(heard_a, ended_a);
	assert_int_equal(heard_b, ended_b);
	st_home_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_cadence_message),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

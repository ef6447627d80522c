/*
 * test_vm_logged: voicemail drop end to end, headless. `loftdial dial --tasks` on 3 lines with
 * dial.amd humans_only and dial.machine voicemail against a real sandbox whose simulated phones
 * all answer as voicemail: every machine gets the recorded message after its beep (the phones'
 * heard audio starts after their greeting and beep), every attempt ends "voicemail left" in the
 * store, and every call is logged to the sandbox once with the team's voicemail disposition
 * ("Left Voicemail", chosen by default name).
 */
#include <errno.h>
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

#define OUT_MAX (512 * 1024)
#define RUN_MS  240000

static struct ldt T;
static char out[OUT_MAX], vm_wav[700], dir[600];

static int setup(void **state)
{
	(void)state;
	if (tl_tmpdir(dir, sizeof(dir), "vmlogged"))
		return -1;
	/* The message: 1.5 s of a 523 Hz tone. */
	snprintf(vm_wav, sizeof(vm_wav), "%s/vm.wav", dir);
	if (ldt_tone(vm_wav, "8000", "1", "523"))
		return -1;
	return ldt_setup(&T, LDT_MIX_MACHINES(5));
}
static int teardown(void **state)
{
	(void)state;
	tl_rmrf(dir);
	return ldt_teardown(&T);
}
/* The disposition of the sandbox's calls for a person (the only one), "" when none. */
static void call_of(int64_t person, char *dispo, size_t n, int *count)
{
	char path[200];
	cJSON *o = NULL, *c;

	*count = 0;
	dispo[0] = '\0';
	snprintf(path, sizeof(path), "/v2/activities/calls?person_id=%lld&per_page=100",
	         (long long)person);
	assert_int_equal(sbxt_api(&T.sbx, SBXT_API_KEY, "GET", path, NULL, &o), 200);
	cJSON_ArrayForEach(c, sbxt_data(o))
	{
		(*count)++;
		snprintf(dispo, n, "%s", sbxt_str(c, "disposition"));
	}
	cJSON_Delete(o);
}

static void test_tasks_leave_voicemails(void **state)
{
	struct st_home h;
	char *line, *save = NULL, dispo[64];
	unsigned ended = 0, left = 0, logged = 0, heard = 0;
	int rc, n;
	sqlite3 *db;
	cJSON *calls = NULL, *c;

	(void)state;
	assert_int_equal(ldt_home_vm(&T, &h, vm_wav), 0);
	rc = st_loftdial(&h, true, out, sizeof(out), RUN_MS, "dial", "--tasks", "--lines", "3",
	                 "--json", NULL);
	if (rc != 0)
		fprintf(stderr, "%s\n", out);
	assert_int_equal(rc, 0);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *o = line[0] == '{' ? cJSON_Parse(line) : NULL;
		const char *ev = sbxt_str(o, "event");

		if (!strcmp(ev, "ended")) {
			ended++;
			print_message("ended: %s (%s)\n", sbxt_str(o, "outcome"),
			              sbxt_str(o, "reason"));
			left += !strcmp(sbxt_str(o, "reason"), "voicemail left");
		} else if (!strcmp(ev, "record") && !strcmp(sbxt_str(o, "kind"), "voicemail")) {
			int64_t person = (int64_t)sbxt_num(o, "person_id");

			assert_string_equal(sbxt_str(o, "disposition"), "Left Voicemail");
			/* Logged once, with the team's voicemail disposition. */
			call_of(person, dispo, sizeof(dispo), &n);
			assert_int_equal(n, 1);
			assert_string_equal(dispo, "Left Voicemail");
			logged++;
		}
		cJSON_Delete(o);
	}
	printf("FIGURE %u calls, %u voicemails left, %u logged as Left Voicemail\n", ended, left,
	       logged);
	assert_true(ended >= 1);
	assert_int_equal(left, ended);
	assert_int_equal(logged, ended);
	db = st_db(&h);
	assert_non_null(db);
	assert_int_equal(st_int(db, "SELECT count(*) FROM dial_attempts WHERE outcome = "
	                            "'voicemail' AND reason = 'voicemail left'"),
	                 ended);
	sqlite3_close(db);
	/* What the machines heard: the message, starting after their greeting and beep. */
	assert_int_equal(sbxt_admin(&T.sbx, "GET", "/_sandbox/phones/calls", NULL, &calls), 200);
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(calls, "calls"))
	{
		double greet = sbxt_num(c, "greeting_ms"), audio = sbxt_num(c, "audio_ms");

		/* The 1.5 s message came after the greeting and its beep, nearly whole (its last
		 * packet may not leave before the call ends). test_vmdrop checks the onset. */
		print_message("greeting %.0f ms, heard until %.0f ms\n", greet, audio);
		assert_true(audio >= greet + 1400);
		heard++;
	}
	cJSON_Delete(calls);
	assert_true(heard >= (ended < 32 ? ended : 32));
	st_home_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_tasks_leave_voicemails),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

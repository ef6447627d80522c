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

#include "phonetest.h"
#include "synctest.h"

#define OUT_MAX (512 * 1024)
#define RUN_MS  240000

static struct sbxt sbx;
static int sip_base, ctrl_base, phones_port;
static char out[OUT_MAX], vm_wav[700], dir[600];

static int setup(void **state)
{
	char port[40], now[32], cmd[900];
	const char *extra[] = {"--people", "300", "--rate-limit", "0", "--sip", port, NULL};
	time_t t = time(NULL);

	(void)state;
	if (pt_port_block(4, &sip_base, &ctrl_base) || tl_tmpdir(dir, sizeof(dir), "vmlogged"))
		return -1;
	/* The message: 1.5 s of a 523 Hz tone. */
	snprintf(vm_wav, sizeof(vm_wav), "%s/vm.wav", dir);
	snprintf(cmd, sizeof(cmd),
	         "sox -n -r 8000 -c 1 -b 16 -e signed-integer '%s' synth 1.5 sine 523 vol 0.5",
	         vm_wav);
	if (system(cmd) != 0)
		return -1;
	phones_port = sip_base + 40;
	snprintf(port, sizeof(port), "127.0.0.1:%d", phones_port);
	if (sbxt_start(&sbx, extra))
		return -1;
	/* Every call reaches a machine with a shortish greeting (3.4-6 s, beep included). */
	if (sbxt_admin(&sbx, "PUT", "/_sandbox/phones/mix",
	               "{\"seed\":5,\"order\":\"call\",\"kinds\":{"
	               "\"voicemail\":{\"share\":1,\"ring_ms\":300,\"greeting_ms\":[3400,6000]}}}",
	               NULL) != 200)
		return st_setup_failed(&sbx);
	t -= t % 86400;
	snprintf(now, sizeof(now), "%lld", (long long)(t + 17 * 3600));
	setenv("LOFTDIAL_TEST_NOW", now, 1);
	setenv("LOFTDIAL_TEST_RING_TIMEOUT_MS", "2000", 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unsetenv("LOFTDIAL_TEST_NOW");
	unsetenv("LOFTDIAL_TEST_RING_TIMEOUT_MS");
	tl_rmrf(dir);
	return sbxt_stop(&sbx) == 0 ? 0 : -1;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static double jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
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
	assert_int_equal(sbxt_api(&sbx, SBXT_API_KEY, "GET", path, NULL, &o), 200);
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
	char cfg[2048], *line, *save = NULL, dispo[64];
	unsigned ended = 0, left = 0, logged = 0, heard = 0;
	int rc, n;
	sqlite3 *db;
	cJSON *calls = NULL, *c;

	(void)state;
	snprintf(cfg, sizeof(cfg),
	         "engine.local_ip 127.0.0.1\nengine.sip_port %d\nengine.ctrl_port %d\n"
	         "sip.dialplan sip:{e164}@127.0.0.1:%d\naudio.source aubridge,nosrc\n"
	         "audio.player aubridge,noplay\ndial.amd humans_only\ndial.machine voicemail\n"
	         "dial.voicemail_file %s\ndial.stagger_ms 100\ndial.no_zone rep\n"
	         "log.level debug\n",
	         sip_base, ctrl_base, phones_port, vm_wav);
	assert_int_equal(st_home_new(&h, &sbx, cfg), 0);
	rc = st_loftdial(&h, true, out, sizeof(out), RUN_MS, "dial", "--tasks", "--lines", "3",
	                 "--json", NULL);
	if (rc != 0)
		fprintf(stderr, "%s\n", out);
	assert_int_equal(rc, 0);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *o = line[0] == '{' ? cJSON_Parse(line) : NULL;
		const char *ev = jstr(o, "event");

		if (!strcmp(ev, "ended")) {
			ended++;
			print_message("ended: %s (%s)\n", jstr(o, "outcome"), jstr(o, "reason"));
			left += !strcmp(jstr(o, "reason"), "voicemail left");
		} else if (!strcmp(ev, "record") && !strcmp(jstr(o, "kind"), "voicemail")) {
			int64_t person = (int64_t)jnum(o, "person_id");

			assert_string_equal(jstr(o, "disposition"), "Left Voicemail");
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
	assert_int_equal(sbxt_admin(&sbx, "GET", "/_sandbox/phones/calls", NULL, &calls), 200);
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(calls, "calls"))
	{
		double greet = jnum(c, "greeting_ms"), audio = jnum(c, "audio_ms");

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

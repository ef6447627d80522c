/*
 * `loftdial report` from the outside: attempts written to a real store file (as the dialer
 * writes them: reps, campaigns, dropped live answers, identification messages, prospect zones
 * and local times, one never-dialled number, one attempt older than the window, a rep name
 * carrying an escape sequence), then the real program's --json and text output checked figure
 * by figure, its --days window, narrower configured hours, and bad usage.
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

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "loftdial/attempts.h"
#include "loftdial/records.h"
#include "loftdial/store.h"
#include "loftdial/text.h"
#include "testlib.h"

static char home[512], homeenv[600], out[65536];

/* Runs loftdial with args; returns its exit code, stdout in out. */
static int run(const char *a1, const char *a2, const char *a3, const char *a4)
{
	char *argv[] = {(char *)tl_env("LOFTDIAL_BIN", "loftdial"),
	                (char *)a1,
	                (char *)a2,
	                (char *)a3,
	                (char *)a4,
	                NULL};
	char *env[] = {homeenv, NULL};

	out[0] = '\0';
	return tl_run(argv, env, out, sizeof(out), 30000);
}

static void put(struct store *st, int64_t user, const char *campaign, const char *outcome,
                bool dropped, bool ident, const char *zone, int local_min, int line, int64_t age_s)
{
	struct attempt a;

	memset(&a, 0, sizeof(a));
	text_copy(a.session_id, sizeof(a.session_id), "s1");
	text_copy(a.number, sizeof(a.number), "+12125550100");
	text_copy(a.outcome, sizeof(a.outcome), outcome);
	text_copy(a.campaign, sizeof(a.campaign), campaign);
	text_copy(a.zone, sizeof(a.zone), zone);
	a.local_min = local_min;
	a.live_answer_dropped = dropped;
	a.ident_played = ident;
	a.user_id = user;
	a.line = line;
	a.started_at_ms = ((int64_t)time(NULL) - age_s) * 1000;
	assert_int_equal(attempts_insert(st, &a), 0);
}

static void user(struct store *st, int64_t id, const char *name)
{
	cJSON *u = cJSON_CreateObject();

	cJSON_AddNumberToObject(u, "id", (double)id);
	cJSON_AddStringToObject(u, "name", name);
	cJSON_AddStringToObject(u, "updated_at", "2026-01-01T00:00:00.000000-05:00");
	assert_int_equal(records_upsert(st, STORE_USERS, u, 0), 0);
	cJSON_Delete(u);
}

static int setup(void **state)
{
	char db[600];
	struct store *st;
	const int64_t day = 86400;

	(void)state;
	if (tl_tmpdir(home, sizeof(home), "ld-report"))
		return -1;
	snprintf(homeenv, sizeof(homeenv), "LOFTDIAL_HOME=%s", home);
	snprintf(db, sizeof(db), "%s/loftdial.db", home);
	if (store_open(&st, db))
		return -1;
	user(st, 7, "Rita Rep");
	user(st, 9, "Evil \x1b[2J\x1b]0;x\x07Rep");
	/* Rita on cadence:12: 5 dials, 3 live, 1 dropped (message played), one at 21:05. */
	put(st, 7, "cadence:12", "connected", false, false, "America/New_York", 9 * 60, 1, 3600);
	put(st, 7, "cadence:12", "connected", false, false, "America/New_York", 10 * 60, 1, 3600);
	put(st, 7, "cadence:12", "cancelled", true, true, "America/New_York", 10 * 60, 2, 3600);
	put(st, 7, "cadence:12", "no_answer", false, false, "America/New_York", 21 * 60 + 5, 3,
	    3600);
	put(st, 7, "cadence:12", "busy", false, false, "Asia/Kathmandu", 8 * 60, 4, 2 * day);
	/* ... a number never dialled, and an attempt older than 30 days. */
	put(st, 7, "cadence:12", "invalid_number", false, false, "", 0, 0, 3600);
	put(st, 7, "cadence:12", "connected", false, false, "Europe/Berlin", 12 * 60, 1, 40 * day);
	/* Evil on tasks: 2 dials, 1 live, with no zone known for one. */
	put(st, 9, "tasks", "connected", false, false, "", 0, 1, 3600);
	put(st, 9, "tasks", "voicemail", false, false, "Europe/Berlin", 16 * 60 + 59, 2, 3600);
	store_close(st);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tl_rmrf(home);
	return 0;
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(v))
		fail_msg("no number %s", k);
	return v->valuedouble;
}

static void test_json(void **state)
{
	cJSON *root, *rows, *r, *t;

	(void)state;
	assert_int_equal(run("report", "--json", NULL, NULL), 0);
	root = cJSON_Parse(out);
	assert_non_null(root);
	assert_int_equal((int)num(root, "days"), 30);
	assert_string_equal(cJSON_GetObjectItem(root, "calling_hours")->valuestring, "08:00-21:00");
	rows = cJSON_GetObjectItem(root, "rows");
	assert_int_equal(cJSON_GetArraySize(rows), 2);
	r = cJSON_GetArrayItem(rows, 0);
	assert_int_equal((int)num(r, "user_id"), 7);
	assert_string_equal(cJSON_GetObjectItem(r, "user")->valuestring, "Rita Rep");
	assert_string_equal(cJSON_GetObjectItem(r, "campaign")->valuestring, "cadence:12");
	assert_int_equal((int)num(r, "dials"), 5);
	assert_int_equal((int)num(r, "live_answers"), 3);
	assert_int_equal((int)num(r, "dropped"), 1);
	assert_true(num(r, "abandonment") > 0.333 && num(r, "abandonment") < 0.334);
	assert_int_equal((int)num(r, "ident_played"), 1);
	assert_int_equal((int)num(r, "outside_hours"), 1);
	assert_int_equal((int)num(r, "no_zone"), 0);
	r = cJSON_GetArrayItem(rows, 1);
	assert_int_equal((int)num(r, "user_id"), 9);
	assert_null(strchr(cJSON_GetObjectItem(r, "user")->valuestring, '\x1b'));
	assert_int_equal((int)num(r, "dials"), 2);
	assert_int_equal((int)num(r, "no_zone"), 1);
	assert_int_equal((int)num(r, "outside_hours"), 0);
	t = cJSON_GetObjectItem(root, "total");
	assert_int_equal((int)num(t, "dials"), 7);
	assert_int_equal((int)num(t, "live_answers"), 4);
	assert_int_equal((int)num(t, "dropped"), 1);
	assert_int_equal((int)num(t, "outside_hours"), 1);
	cJSON_Delete(root);

	/* One day back: the Kathmandu dial two days ago falls out. */
	assert_int_equal(run("report", "--days", "1", "--json"), 0);
	root = cJSON_Parse(out);
	assert_non_null(root);
	assert_int_equal((int)num(cJSON_GetObjectItem(root, "total"), "dials"), 6);
	cJSON_Delete(root);
	/* A long window takes in the 40-day-old call. */
	assert_int_equal(run("report", "--days", "60", "--json"), 0);
	root = cJSON_Parse(out);
	assert_non_null(root);
	assert_int_equal((int)num(cJSON_GetObjectItem(root, "total"), "dials"), 8);
	cJSON_Delete(root);
}

static void test_text_and_hours(void **state)
{
	char cfg[600];
	FILE *f;

	(void)state;
	assert_int_equal(run("report", NULL, NULL, NULL), 0);
	assert_non_null(strstr(out, "Rita Rep (7)"));
	assert_non_null(strstr(out, "33.33%!"));
	assert_non_null(strstr(out, "1 dials outside the calling hours (must be zero)"));
	assert_non_null(strstr(out, "1 dials with no time zone known"));
	assert_null(strchr(out, '\x1b'));
	assert_null(strchr(out, '\x07'));
	/* Narrower hours: the 16:59 Berlin dial and the 08:00 Kathmandu one are outside too. */
	snprintf(cfg, sizeof(cfg), "%s/config", home);
	f = fopen(cfg, "a");
	assert_non_null(f);
	fputs("\ndial.calling_hours 09:00-16:30\n", f);
	fclose(f);
	assert_int_equal(run("report", "--json", NULL, NULL), 0);
	assert_non_null(strstr(out, "\"calling_hours\":\"09:00-16:30\""));
	assert_non_null(strstr(out, "\"total\":{\"dials\":7,"));
	assert_non_null(strstr(out, "\"outside_hours\":3,\"no_zone\":1}}"));
	/* Hours the law does not allow are refused with a message. */
	f = fopen(cfg, "a");
	assert_non_null(f);
	fputs("dial.calling_hours 07:00-22:00\n", f);
	fclose(f);
	assert_int_equal(run("report", NULL, NULL, NULL), 1);
}

static void test_usage(void **state)
{
	(void)state;
	assert_int_equal(run("report", "--days", "0", NULL), 2);
	assert_int_equal(run("report", "--days", "x", NULL), 2);
	assert_int_equal(run("report", "--days", NULL, NULL), 2);
	assert_int_equal(run("report", "--frobnicate", NULL, NULL), 2);
	assert_int_equal(run("help", "report", NULL, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_json),
	        cmocka_unit_test(test_text_and_hours),
	        cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

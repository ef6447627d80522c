/*
 * test_dial_crash: a list session's call records survive the worst moments, end to end with
 * the real program, real baresip engines, the sandbox's simulated phones and the real sandbox
 * API:
 *  - `kill -9` of `loftdial dial` after a record was committed to the outbox and before its
 *    send completed: the sandbox's late_reply fault serves and stores the POST but holds its
 *    answer, and the test kills loftdial while the answer is held (the item is then `sending`
 *    in the store file). A `loftdial outbox flush` (after a --cadence --ask session) or a new
 *    `loftdial dial --cadence` run settles it;
 *  - a 10-minute sandbox outage, on the sender's shortened clock (LOFTDIAL_TEST_OUTBOX_BACKOFF_MS
 *    scales its waits by 1/20, so the outage lasts 30 s): every record written during it is
 *    queued, and a flush started during it sends them all once it is over.
 * Afterwards every outbox item is `sent` and the sandbox holds exactly one call per item (the
 * calls made since the test began match the items one to one), with each action or task
 * completed.
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
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "listdialtest.h"

#define OUT_MAX (512 * 1024)
#define RUN_MS  240000
/* The sender's waits on a clock 20 times faster: 2 s doubling to 5 min becomes 100 ms
 * doubling to 15 s, so a 10-minute outage takes 30 s. */
#define BACKOFF_SCALED "100,15000"
#define TIME_SCALE     20
#define OUTAGE_MS      (600000 / TIME_SCALE)

static struct ldt T;
static char out[OUT_MAX];

static const char mix_people[] = "{\"seed\":4,\"order\":\"call\",\"kinds\":{\"human\":{"
                                 "\"share\":1,\"ring_ms\":300,\"greeting_ms\":[300,800]}}}";
static const char mix_all[] = "{\"seed\":3,\"order\":\"call\",\"kinds\":{"
                              "\"human\":{\"share\":30,\"ring_ms\":300,\"greeting_ms\":[300,800]},"
                              "\"voicemail\":{\"share\":15,\"ring_ms\":300},"
                              "\"busy\":{\"share\":20},\"invalid\":{\"share\":15},"
                              "\"no-answer\":{\"share\":20}}}";

static int setup(void **state)
{
	(void)state;
	return ldt_setup(&T, NULL);
}

static int teardown(void **state)
{
	(void)state;
	unsetenv("LOFTDIAL_TEST_OUTBOX_BACKOFF_MS");
	return ldt_teardown(&T);
}

/* The sandbox's clock now (ISO 8601), the start of "calls made by this test". */
static void sandbox_now(char *iso, size_t n)
{
	cJSON *c = NULL;

	assert_int_equal(sbxt_admin(&T.sbx, "GET", "/_sandbox/counters", NULL, &c), 200);
	snprintf(iso, n, "%s", sbxt_str(c, "now"));
	cJSON_Delete(c);
	assert_true(iso[0] != '\0');
}

/* The calls the sandbox stored since t0 (a JSON array the caller frees). */
static cJSON *calls_since(const char *t0)
{
	char path[300], enc[100];
	cJSON *all = cJSON_CreateArray(), *o = NULL, *c;
	size_t i, k = 0;
	int page;

	/* The offset's '+' must not read as a space. */
	for (i = 0; t0[i] && k + 4 < sizeof(enc); i++) {
		if (t0[i] == '+') {
			memcpy(enc + k, "%2B", 3);
			k += 3;
		} else {
			enc[k++] = t0[i];
		}
	}
	enc[k] = '\0';
	for (page = 1; page < 50; page++) {
		bool more;

		snprintf(path, sizeof(path),
		         "/v2/activities/calls?per_page=100&page=%d&created_at%%5Bgte%%5D=%s", page,
		         enc);
		assert_int_equal(sbxt_api(&T.sbx, SBXT_API_KEY, "GET", path, NULL, &o), 200);
		cJSON_ArrayForEach(c, sbxt_data(o))
		        cJSON_AddItemToArray(all, cJSON_Duplicate(c, true));
		more = cJSON_IsNumber(cJSON_GetObjectItem(
		        cJSON_GetObjectItem(cJSON_GetObjectItem(o, "metadata"), "paging"),
		        "next_page"));
		cJSON_Delete(o);
		o = NULL;
		if (!more)
			break;
	}
	return all;
}

/* The number of outbox items in state (NULL: all). */
static int64_t items(sqlite3 *db, const char *state)
{
	char sql[160];

	if (!state)
		return st_int(db, "SELECT count(*) FROM outbox");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE state = '%s'", state);
	return st_int(db, sql);
}

/* Every outbox item is sent, and the calls the sandbox stored since t0 are exactly the items'
 * calls, one each: nothing lost, nothing logged twice. Each action is gone from the API
 * (completed) and each task completed. Returns the number of items. */
static unsigned check_exactly_once(struct st_home *h, const char *t0)
{
	sqlite3 *db = st_db(h);
	sqlite3_stmt *q = NULL;
	cJSON *calls = calls_since(t0), *c;
	unsigned n = 0, matched = 0;

	assert_non_null(db);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT id, state, remote_id, body FROM outbox", -1,
	                                    &q, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0), rid = sqlite3_column_int64(q, 2);
		const char *state = (const char *)sqlite3_column_text(q, 1);
		cJSON *body = cJSON_Parse((const char *)sqlite3_column_text(q, 3));
		int64_t person = (int64_t)sbxt_num(body, "person_id");
		int64_t action = (int64_t)sbxt_num(body, "action_id");
		int64_t task = (int64_t)sbxt_num(body, "task_id");
		unsigned seen = 0;
		char path[80];

		n++;
		if (strcmp(state, "sent"))
			fail_msg("outbox item %lld is %s, not sent", (long long)id, state);
		assert_true(rid > 0);
		cJSON_ArrayForEach(c, calls)
		{
			int64_t cid = (int64_t)sbxt_num(c, "id");
			int64_t who =
			        (int64_t)sbxt_num(cJSON_GetObjectItem(c, "called_person"), "id");

			if (cid == rid) {
				seen++;
				assert_int_equal(who, person);
			}
		}
		if (seen != 1)
			fail_msg("outbox item %lld: its call %lld is in the sandbox %u times",
			         (long long)id, (long long)rid, seen);
		matched++;
		if (action > 0) {
			snprintf(path, sizeof(path), "/v2/actions/%lld", (long long)action);
			assert_int_equal(sbxt_api(&T.sbx, SBXT_API_KEY, "GET", path, NULL, NULL),
			                 404);
		} else {
			cJSON *t = NULL;

			assert_true(task > 0);
			snprintf(path, sizeof(path), "/v2/tasks/%lld", (long long)task);
			assert_int_equal(sbxt_api(&T.sbx, SBXT_API_KEY, "GET", path, NULL, &t),
			                 200);
			assert_string_equal(sbxt_str(sbxt_data(t), "current_state"), "completed");
			cJSON_Delete(t);
		}
		cJSON_Delete(body);
	}
	sqlite3_finalize(q);
	/* No call without its item: a duplicate would be an extra call. */
	if (cJSON_GetArraySize(calls) != (int)matched)
		fail_msg("the sandbox stored %d calls since the test began for %u items",
		         cJSON_GetArraySize(calls), matched);
	cJSON_Delete(calls);
	sqlite3_close(db);
	return n;
}

/* A fault counter of the sandbox's window ("late_reply", ...). */
static long fired(const char *kind)
{
	cJSON *f = NULL;
	long v;

	assert_int_equal(sbxt_admin(&T.sbx, "GET", "/_sandbox/faults", NULL, &f), 200);
	v = (long)sbxt_num(cJSON_GetObjectItem(f, "fired"), kind);
	cJSON_Delete(f);
	return v;
}

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Holds the answer of the next call POST for 10 minutes: the call is stored, loftdial waits. */
static void hold_next_post_reply(void)
{
	assert_int_equal(sbxt_admin(&T.sbx, "POST", "/_sandbox/faults",
	                            "{\"late_reply\":100,\"late_reply_ms\":600000,\"requests\":1,"
	                            "\"path_prefix\":\"/v2/activities/calls\"}",
	                            NULL),
	                 200);
}

/* Waits for the held POST (the call stored, its answer held), checks the item is `sending`
 * in the store file, and kills loftdial with SIGKILL there. */
static void kill_in_window(struct st_home *h, struct tl_proc *p, int64_t item)
{
	unsigned long long end = tl_now_ms() + 30000;
	char sql[120];
	sqlite3 *db;
	int st;

	while (fired("late_reply") < 1 && tl_now_ms() < end)
		pause_ms(20);
	assert_int_equal(fired("late_reply"), 1);
	db = st_db(h);
	assert_non_null(db);
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM outbox WHERE id = %lld AND state = 'sending'",
	         (long long)item);
	/* Committed before the send, marked sending, the send not completed. */
	assert_int_equal(st_int(db, sql), 1);
	sqlite3_close(db);
	assert_int_equal(kill(p->pid, SIGKILL), 0);
	st = st_wait_exit(p, 10000);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	sbxt_admin(&T.sbx, "DELETE", "/_sandbox/faults", NULL, NULL);
}

/* --cadence --ask: the rep's wrap-up is given, the record committed, its POST stored by the
 * sandbox with the answer held; kill -9 there. `loftdial outbox flush` looks before posting
 * again: the call is found, not posted twice; the action is completed. */
static void test_kill9_after_wrapup_then_flush(void **state)
{
	struct st_home h;
	struct tl_proc p;
	char line[4096], t0[64];
	int in = -1, rc;
	int64_t item = 0, person = 0, action = 0;
	cJSON *calls;

	(void)state;
	assert_int_equal(sbxt_admin(&T.sbx, "PUT", "/_sandbox/phones/mix", mix_people, NULL), 200);
	assert_int_equal(ldt_home(&T, &h), 0);
	sandbox_now(t0, sizeof(t0));
	hold_next_post_reply();
	assert_int_equal(st_spawn(&h, true, &p, &in, "dial", "--cadence", "1201", "--lines", "1",
	                          "--json", "--talk", "1", "--ask", NULL),
	                 0);
	while (!item && tl_wait_line(&p, "", RUN_MS, line, sizeof(line)) == 0) {
		cJSON *o = line[0] == '{' ? cJSON_Parse(line) : NULL;
		const char *ev = sbxt_str(o, "event");

		if (!strcmp(ev, "ask")) {
			assert_true(write(in, "w Meeting Booked | Positive | before the crash\n",
			                  47) == 47);
		} else if (!strcmp(ev, "record") && sbxt_num(o, "outbox_id") > 0) {
			assert_string_equal(sbxt_str(o, "kind"), "connected");
			item = (int64_t)sbxt_num(o, "outbox_id");
			person = (int64_t)sbxt_num(o, "person_id");
			action = (int64_t)sbxt_num(o, "action_id");
		}
		cJSON_Delete(o);
	}
	assert_true(item > 0 && person > 0 && action > 0);
	kill_in_window(&h, &p, item);
	close(in);
	/* The call landed before the kill: once, from the held POST. */
	calls = calls_since(t0);
	assert_int_equal(cJSON_GetArraySize(calls), 1);
	cJSON_Delete(calls);

	rc = st_loftdial(&h, true, out, sizeof(out), 60000, "outbox", "flush", NULL);
	printf("%s", out);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "found in sending at start"));
	assert_null(strstr(out, "not in Salesloft"));
	assert_int_equal(check_exactly_once(&h, t0), 1);
	/* The rep's words reached Salesloft. */
	calls = calls_since(t0);
	assert_string_equal(sbxt_str(cJSON_GetArrayItem(calls, 0), "disposition"),
	                    "Meeting Booked");
	cJSON_Delete(calls);
	st_home_free(&h);
}

/* --cadence on 3 lines, the flags' disposition: the first record's POST is stored with its
 * answer held (records written meanwhile queue behind it); kill -9 there. A new `loftdial
 * dial --cadence` run looks at the item left `sending` before anything else, sends the queued ones,
 * and dials what is still due: every record in the sandbox once. */
static void test_kill9_then_new_run(void **state)
{
	struct st_home h;
	struct tl_proc p;
	char line[4096], t0[64];
	int in = -1, rc;
	int64_t item = 0, n;
	sqlite3 *db;

	(void)state;
	assert_int_equal(sbxt_admin(&T.sbx, "PUT", "/_sandbox/phones/mix", mix_all, NULL), 200);
	assert_int_equal(ldt_home(&T, &h), 0);
	sandbox_now(t0, sizeof(t0));
	hold_next_post_reply();
	assert_int_equal(st_spawn(&h, true, &p, &in, "dial", "--cadence", "1200", "--lines", "3",
	                          "--json", "--talk", "1", "--disposition", "connected",
	                          "--sentiment", "Positive", NULL),
	                 0);
	close(in);
	while (!item && tl_wait_line(&p, "\"event\":\"record\"", RUN_MS, line, sizeof(line)) == 0) {
		cJSON *o = cJSON_Parse(line);

		if (sbxt_num(o, "outbox_id") > 0)
			item = (int64_t)sbxt_num(o, "outbox_id");
		cJSON_Delete(o);
	}
	assert_true(item > 0);
	kill_in_window(&h, &p, item);
	db = st_db(&h);
	n = items(db, NULL);
	printf("FIGURE kill -9: %lld outbox item(s) at the kill: %lld sending, %lld queued\n",
	       (long long)n, (long long)items(db, "sending"), (long long)items(db, "queued"));
	assert_int_equal(items(db, "sending"), 1);
	sqlite3_close(db);

	rc = st_loftdial(&h, true, out, sizeof(out), RUN_MS, "dial", "--cadence", "1200", "--lines",
	                 "3", "--json", "--talk", "1", "--disposition", "connected", "--sentiment",
	                 "Positive", NULL);
	if (rc != 0)
		printf("%s", out);
	assert_true(rc == 0 || rc == 4);
	n = check_exactly_once(&h, t0);
	printf("FIGURE kill -9 then a new run: %lld record(s), each in the sandbox once\n",
	       (long long)n);
	assert_true(n >= 2);
	st_home_free(&h);
}

/* A 10-minute outage (every /v2/ request a 5xx or a dropped connection) on the sender's
 * shortened clock: a --tasks session runs through it (its records are committed, none
 * lands), a flush started during it keeps trying, and once the outage ends every record is
 * sent exactly once. */
static void test_outage_10_minutes(void **state)
{
	struct st_home h;
	struct tl_proc p, f;
	char line[4096], t0[64];
	int in = -1, st;
	unsigned long long opened, closed, done;
	int64_t written, n;
	long refused;
	double logged;
	sqlite3 *db;

	(void)state;
	setenv("LOFTDIAL_TEST_OUTBOX_BACKOFF_MS", BACKOFF_SCALED, 1);
	assert_int_equal(sbxt_admin(&T.sbx, "PUT", "/_sandbox/phones/mix", mix_all, NULL), 200);
	assert_int_equal(ldt_home(&T, &h), 0);
	sandbox_now(t0, sizeof(t0));
	logged = st_counter(&T.sbx, "calls_logged");
	assert_int_equal(st_spawn(&h, true, &p, &in, "dial", "--tasks", "--lines", "3", "--json",
	                          "--talk", "1", "--disposition", "connected", "--sentiment",
	                          "Positive", NULL),
	                 0);
	close(in);
	/* The list is read: the outage starts before the first call. */
	assert_int_equal(tl_wait_line(&p, "\"event\":\"entry\"", RUN_MS, line, sizeof(line)), 0);
	assert_int_equal(sbxt_admin(&T.sbx, "POST", "/_sandbox/faults",
	                            "{\"error_5xx\":75,\"drop\":25,\"path_prefix\":\"/v2/\"}",
	                            NULL),
	                 200);
	opened = tl_now_ms();
	st = st_wait_exit(&p, RUN_MS);
	assert_true(WIFEXITED(st));
	db = st_db(&h);
	written = items(db, NULL);
	/* Written during the outage, none landed: queued or sending. */
	assert_true(written >= 1);
	assert_int_equal(items(db, "sent"), 0);
	assert_int_equal(items(db, "failed"), 0);
	sqlite3_close(db);
	/* The admin API is outside the outage: no call was logged. */
	assert_true(st_counter(&T.sbx, "calls_logged") == logged);
	/* A flush started in the outage rides it out. */
	{
		char *argv[] = {(char *)tl_env("LOFTDIAL_BIN", "loftdial"),
		                "outbox",
		                "flush",
		                "--timeout",
		                "300",
		                NULL};
		char *env[] = {h.env_home, h.env_api, h.env_acc, h.env_key, NULL};

		assert_int_equal(tl_spawn(&f, argv, env, NULL), 0);
	}
	while (tl_now_ms() < opened + OUTAGE_MS) {
		/* Still trying, not given up. */
		assert_int_equal(waitpid(f.pid, &st, WNOHANG), 0);
		(void)tl_wait_line(&f, "\x01", 200, NULL, 0);
	}
	refused = fired("error_5xx") + fired("drop");
	assert_int_equal(sbxt_admin(&T.sbx, "DELETE", "/_sandbox/faults", NULL, NULL), 200);
	closed = tl_now_ms();
	st = st_wait_exit(&f, 120000);
	done = tl_now_ms();
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	n = check_exactly_once(&h, t0);
	assert_int_equal(n, written);
	printf("FIGURE outage: %.1f s (%.1f min on the sender's clock), %lld record(s) written "
	       "during it, %ld request(s) refused; all sent once %.1f s after it ended\n",
	       (double)(closed - opened) / 1000, (double)(closed - opened) * TIME_SCALE / 60000,
	       (long long)written, refused, (double)(done - closed) / 1000);
	unsetenv("LOFTDIAL_TEST_OUTBOX_BACKOFF_MS");
	st_home_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_kill9_after_wrapup_then_flush),
	        cmocka_unit_test(test_kill9_then_new_run),
	        cmocka_unit_test(test_outage_10_minutes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

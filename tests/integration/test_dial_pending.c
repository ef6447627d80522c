/*
 * test_dial_pending: a person whose call record still waits in the outbox is not dialled
 * again, end to end with the real program, real baresip engines, the sandbox's simulated
 * phones and the real sandbox API:
 *  1. the sandbox refuses every call POST (a 5xx on /v2/activities/calls, the rest of the API
 *     up); `loftdial dial --cadence` dials, writes a record that cannot land, and is killed
 *     with SIGKILL right after it said so: the record stays in the outbox;
 *  2. a second run of the same cadence, the sandbox still refusing: the person's action
 *     still looks due in Salesloft, but the entry is skipped with "a call is waiting in the
 *     outbox" in the printed list, and the person gets no second attempt (dial_attempts);
 *  3. the refusal ends and `loftdial outbox flush` sends every record once; a third run
 *     dials by the cadence's rules again: nobody is held back by the outbox, the logged
 *     action is not in the list any more, and the person is dialled when the cadence has a
 *     new phone action due for them.
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
#define CADENCE "1201"
#define BACKOFF "100,2000"
#define REASON  "a call is waiting in the outbox"
#define REFUSE  "{\"error_5xx\":100,\"path_prefix\":\"/v2/activities/calls\"}"

static struct ldt T;
static char out[OUT_MAX];

static const char mix_people[] = "{\"seed\":5,\"order\":\"call\",\"kinds\":{\"human\":{"
                                 "\"share\":1,\"ring_ms\":300,\"greeting_ms\":[300,800]}}}";

static int setup(void **state)
{
	(void)state;
	/* Today at 17:00 UTC, inside calling hours from London to the US west coast. */
	if (ldt_setup(&T, NULL))
		return -1;
	/* The sender's retries on a short clock, so a refused record comes round quickly. */
	setenv("LOFTDIAL_TEST_OUTBOX_BACKOFF_MS", BACKOFF, 1);
	return 0;
}
static int teardown(void **state)
{
	(void)state;
	unsetenv("LOFTDIAL_TEST_OUTBOX_BACKOFF_MS");
	return ldt_teardown(&T);
}
/* A home whose engines call the simulated phones. */
static void home(struct st_home *h)
{
	assert_int_equal(ldt_home(&T, h), 0);
}
static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static int64_t jid(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* A count from the store file of h. */
static int64_t count(struct st_home *h, const char *sql)
{
	sqlite3 *db = st_db(h);
	int64_t n;

	assert_non_null(db);
	n = st_int(db, sql);
	sqlite3_close(db);
	return n;
}

/* The person's attempts in the store (every run's). */
static int64_t attempts_of(struct st_home *h, int64_t person)
{
	char sql[120];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM dial_attempts WHERE person_id = %lld",
	         (long long)person);
	return count(h, sql);
}

/* Whether the outbox item waits (queued or sending). */
static bool item_waits(struct st_home *h, int64_t item)
{
	char sql[160];

	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM outbox WHERE id = %lld AND state IN ('queued','sending')",
	         (long long)item);
	return count(h, sql) == 1;
}

/* The sandbox's clock now (ISO 8601, its '+' escaped for a query). */
static void sandbox_now(char *iso, size_t n)
{
	cJSON *c = NULL;
	const char *t;
	size_t k = 0;

	assert_int_equal(sbxt_admin(&T.sbx, "GET", "/_sandbox/counters", NULL, &c), 200);
	for (t = jstr(c, "now"); *t && k + 4 < n; t++) {
		if (*t == '+') {
			memcpy(iso + k, "%2B", 3);
			k += 3;
		} else {
			iso[k++] = *t;
		}
	}
	iso[k] = '\0';
	cJSON_Delete(c);
	assert_true(k > 0);
}

/* The calls the sandbox stored for a person since t0. */
static long calls_of(int64_t person, const char *t0)
{
	char path[240];

	snprintf(path, sizeof(path), "/v2/activities/calls?person_id=%lld&created_at%%5Bgte%%5D=%s",
	         (long long)person, t0);
	return st_remote_count(&T.sbx, path);
}

static void test_pending_person_skipped_until_sent(void **state)
{
	struct st_home h;
	struct tl_proc p;
	char line[4096], needle[200], t0[100];
	const char *at;
	int in = -1, st, rc;
	int64_t item = 0, person = 0, action = 0;
	long refused;
	double logged;
	unsigned entries = 0, dialled = 0, records = 0, person_seen = 0, person_records = 0;

	(void)state;
	assert_int_equal(sbxt_admin(&T.sbx, "PUT", "/_sandbox/phones/mix", mix_people, NULL), 200);
	home(&h);
	sandbox_now(t0, sizeof(t0));
	logged = st_counter(&T.sbx, "calls_logged");

	/* 1. The sandbox refuses the call POSTs; the run is killed once a record is written. */
	assert_int_equal(sbxt_admin(&T.sbx, "POST", "/_sandbox/faults", REFUSE, NULL), 200);
	assert_int_equal(st_spawn(&h, true, &p, &in, "dial", "--cadence", CADENCE, "--lines", "1",
	                          "--json", "--talk", "1", "--disposition", "connected",
	                          "--sentiment", "Positive", NULL),
	                 0);
	close(in);
	while (!item && tl_wait_line(&p, "\"event\":\"record\"", RUN_MS, line, sizeof(line)) == 0) {
		cJSON *o = cJSON_Parse(line);

		if (jid(o, "outbox_id") > 0) {
			item = jid(o, "outbox_id");
			person = jid(o, "person_id");
			action = jid(o, "action_id");
		}
		cJSON_Delete(o);
	}
	assert_true(item > 0 && person > 0 && action > 0);
	assert_int_equal(kill(p.pid, SIGKILL), 0);
	st = st_wait_exit(&p, 10000);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_true(item_waits(&h, item));
	assert_true(st_counter(&T.sbx, "calls_logged") == logged);
	assert_int_equal(attempts_of(&h, person), 1);
	printf("FIGURE run 1 killed: person %lld, action %lld, outbox item %lld waiting\n",
	       (long long)person, (long long)action, (long long)item);

	/* 2. Still refused: the person is in the list, skipped for the outbox, not dialled. */
	rc = st_loftdial(&h, true, out, sizeof(out), RUN_MS, "dial", "--cadence", CADENCE,
	                 "--lines", "3", "--talk", "1", "--disposition", "connected", "--sentiment",
	                 "Positive", NULL);
	snprintf(needle, sizeof(needle), "action %lld, person %lld: skipped (outbox): " REASON,
	         (long long)action, (long long)person);
	at = strstr(out, needle);
	if (!at)
		printf("%s", out);
	assert_non_null(at);
	printf("FIGURE run 2 (sandbox refusing), its line: %.*s\n", (int)strcspn(at, "\n"), at);
	assert_true(rc == 0 || rc == 4);
	assert_int_equal(attempts_of(&h, person), 1);
	assert_true(st_counter(&T.sbx, "calls_logged") == logged);

	/* 3. The refusal ends; the outbox drains; a third run follows the cadence again. */
	refused = 0;
	{
		cJSON *f = NULL;

		assert_int_equal(sbxt_admin(&T.sbx, "GET", "/_sandbox/faults", NULL, &f), 200);
		refused = (long)jid(cJSON_GetObjectItem(f, "fired"), "error_5xx");
		cJSON_Delete(f);
	}
	assert_true(refused >= 1);
	assert_int_equal(sbxt_admin(&T.sbx, "DELETE", "/_sandbox/faults", NULL, NULL), 200);
	rc = st_loftdial(&h, true, out, sizeof(out), 120000, "outbox", "flush", NULL);
	if (rc != 0)
		printf("%s", out);
	assert_int_equal(rc, 0);
	assert_int_equal(count(&h, "SELECT count(*) FROM outbox WHERE state <> 'sent'"), 0);
	/* Logged once, from run 1. */
	assert_int_equal(calls_of(person, t0), 1);

	rc = st_loftdial(&h, true, out, sizeof(out), RUN_MS, "dial", "--cadence", CADENCE,
	                 "--lines", "3", "--json", "--talk", "1", "--disposition", "connected",
	                 "--sentiment", "Positive", NULL);
	if (rc != 0 && rc != 4)
		printf("%s", out);
	assert_true(rc == 0 || rc == 4);
	for (at = out; *at; at += strcspn(at, "\n"), at += *at == '\n') {
		size_t len = strcspn(at, "\n");
		cJSON *o;

		if (len >= sizeof(line) || at[0] != '{')
			continue;
		memcpy(line, at, len);
		line[len] = '\0';
		o = cJSON_Parse(line);
		if (!strcmp(jstr(o, "event"), "entry")) {
			entries++;
			/* Nothing waits in the outbox now. */
			assert_string_not_equal(jstr(o, "skip"), "outbox");
			/* The logged action is completed: it is not due any more. */
			assert_true(jid(o, "action_id") != action);
			if (!strcmp(jstr(o, "skip"), "dial"))
				dialled++;
			if (jid(o, "person_id") == person) {
				person_seen++;
				assert_string_equal(jstr(o, "skip"), "dial");
			}
		} else if (!strcmp(jstr(o, "event"), "record") && jid(o, "outbox_id") > 0) {
			records++;
			if (jid(o, "person_id") == person)
				person_records++;
		}
		cJSON_Delete(o);
	}
	/* The cadence decides: the person is dialled again exactly when a new phone action of
	 * theirs is due now. */
	assert_int_equal(person_records, person_seen);
	assert_int_equal(attempts_of(&h, person), 1 + person_seen);
	printf("FIGURE run 3 (outbox drained): %u entries, %u to dial, %u record(s); person %lld "
	       "in the list %u time(s); %ld call POST(s) refused during runs 1-2\n",
	       entries, dialled, records, (long long)person, person_seen, refused);
	st_home_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_pending_person_skipped_until_sent),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

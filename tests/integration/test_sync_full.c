/*
 * Full sync of a 10k-person sandbox org over real HTTP: every object's rows equal the
 * sandbox's in number, a sample of records equals the sandbox's field by field, and the
 * requests and cost are what the cursor strategy predicts (about one request per 100
 * records, every page at cost 1). Then status, export and an idle incremental run.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "synctest.h"

static const struct {
	const char *name;  /* API name and sandbox kind */
	const char *path;  /* /v2 list path */
	const char *table; /* store table */
	bool cursor;
} objs[] = {
        {"users", "/v2/users?visible_only=false", "sl_users", false},
        {"accounts", "/v2/accounts", "sl_accounts", true},
        {"people", "/v2/people", "sl_people", true},
        {"cadences", "/v2/cadences", "sl_cadences", true},
        {"cadence_memberships", "/v2/cadence_memberships", "sl_cadence_memberships", true},
        {"steps", "/v2/steps", "sl_steps", false},
        {"call_dispositions", "/v2/call_dispositions", "sl_call_dispositions", false},
        {"call_sentiments", "/v2/call_sentiments", "sl_call_sentiments", false},
        {"calls", "/v2/activities/calls", "sl_calls", true},
        {"emails", "/v2/activities/emails", "sl_emails", true},
};
#define NOBJ (sizeof(objs) / sizeof(objs[0]))

static struct sbxt sbx;
static struct st_home home;
static char out[ST_OUT_MAX];

static int setup(void **state)
{
	const char *extra[] = {"--people", "10000",  "--users", "12", "--rate-limit",
	                       "600",      "--seed", "7",       NULL};

	if (sbxt_start(&sbx, extra) || st_home_new(&home, &sbx, NULL))
		return st_setup_failed(&sbx);
	return 0;
}

static int teardown(void **state)
{
	st_home_free(&home);
	return sbxt_stop(&sbx) == 0 ? 0 : -1;
}

/* Compares up to 25 records spread over the table with the sandbox's, field by field. */
static void check_sample(sqlite3 *db, size_t k)
{
	char sql[256], path[256];
	sqlite3_stmt *stmt = NULL;
	int64_t n = 0, step, i = 0;
	int compared = 0;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", objs[k].table);
	n = st_int(db, sql);
	step = n > 25 ? n / 25 : 1;
	snprintf(sql, sizeof(sql), "SELECT id FROM %s ORDER BY id", objs[k].table);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(stmt, 0);
		cJSON *remote = NULL, *local;

		if (i++ % step)
			continue;
		snprintf(path, sizeof(path), "/_sandbox/records/%s/%lld", objs[k].name,
		         (long long)id);
		assert_int_equal(sbxt_admin(&sbx, "GET", path, NULL, &remote), 200);
		local = st_row_json(db, objs[k].table, id);
		assert_non_null(local);
		if (!cJSON_Compare(sbxt_data(remote), local, true)) {
			char *a = cJSON_PrintUnformatted(sbxt_data(remote));
			char *b = cJSON_PrintUnformatted(local);

			fail_msg("%s %lld differs:\nsandbox %s\nstore   %s", objs[k].name,
			         (long long)id, a, b);
		}
		cJSON_Delete(remote);
		cJSON_Delete(local);
		compared++;
	}
	sqlite3_finalize(stmt);
	assert_true(compared >= (n < 25 ? n : 25));
}

static void test_full_sync(void **state)
{
	double requests, cost, min_req = 0, max_req = 0;
	long remote[NOBJ], total = 0;
	sqlite3 *db;
	size_t k;
	int rc;

	rc = st_loftdial(&home, true, out, sizeof(out), 30000, "connect", NULL);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "Connected to Salesloft as"));
	assert_int_equal(sbxt_admin(&sbx, "POST", "/_sandbox/counters/reset", NULL, NULL), 200);

	rc = st_loftdial(&home, true, out, sizeof(out), 240000, "sync", NULL);
	fprintf(stderr, "%s", out);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "sync: ok"));
	requests = st_counter(&sbx, "v2_requests");
	cost = st_counter(&sbx, "cost_charged");

	db = st_db(&home);
	assert_non_null(db);
	for (k = 0; k < NOBJ; k++) {
		char sql[256];
		int64_t local;

		remote[k] = st_remote_count(&sbx, objs[k].path);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE is_deleted = 0",
		         objs[k].table);
		local = st_int(db, sql);
		fprintf(stderr, "%-20s sandbox %6ld  store %6lld\n", objs[k].name, remote[k],
		        (long long)local);
		assert_true(remote[k] > 0);
		assert_int_equal(local, remote[k]);
		total += remote[k];
		/* The cursor re-reads the boundary row(s) of each page and pays one more request
		 * to see the end; a relist pays exactly its pages. */
		min_req += ceil((double)remote[k] / 100);
		max_req +=
		        objs[k].cursor ? ceil((double)remote[k] / 90) + 3 : ceil(remote[k] / 100.0);
	}
	assert_int_equal(st_int(db, "SELECT count(*) FROM sl_people"), 10000);
	fprintf(stderr,
	        "requests %.0f (predicted %.0f..%.0f), cost %.0f, %ld records, %.1f "
	        "records per request\n",
	        requests, min_req, max_req, cost, total, (double)total / requests);
	assert_true(requests >= min_req && requests <= max_req);
	/* No page number ever went deep: every request cost exactly 1. */
	assert_true(cost == requests);
	for (k = 0; k < NOBJ; k++)
		check_sample(db, k);
	sqlite3_close(db);
}

static void test_status_export_and_idle_run(void **state)
{
	char *p;
	cJSON *j;
	int rc;

	rc = st_loftdial(&home, true, out, sizeof(out), 30000, "status", "--json", NULL);
	assert_int_equal(rc, 0);
	j = cJSON_Parse(out);
	assert_non_null(j);
	assert_true(cJSON_IsTrue(
	        cJSON_GetObjectItem(cJSON_GetObjectItem(j, "connection"), "connected")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "objects")), (int)NOBJ);
	cJSON_Delete(j);

	rc = st_loftdial(&home, false, out, sizeof(out), 30000, "export", "users", "--format",
	                 "csv", NULL);
	assert_int_equal(rc, 0);
	assert_true(!strncmp(out, "id,guid,name,first_name,last_name,email,", 40));
	rc = st_loftdial(&home, false, out, sizeof(out), 30000, "export", "mailboxes", "--format",
	                 "jsonl", NULL);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\"email_address\":"));

	/* Nothing changed: an incremental run reads about one page per cursor object. */
	assert_int_equal(sbxt_admin(&sbx, "POST", "/_sandbox/counters/reset", NULL, NULL), 200);
	rc = st_loftdial(&home, true, out, sizeof(out), 60000, "sync", "--no-sweep", NULL);
	assert_int_equal(rc, 0);
	p = strstr(out, "sync: ok");
	assert_non_null(p);
	fprintf(stderr, "idle incremental: %.0f requests\n", st_counter(&sbx, "v2_requests"));
	assert_true(st_counter(&sbx, "v2_requests") <= 6 + 4 * 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_full_sync),
	        cmocka_unit_test(test_status_export_and_idle_run),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

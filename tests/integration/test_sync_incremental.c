/*
 * Incremental sync against the sandbox: creates, updates and deletes made through the
 * sandbox admin API appear after the next sync; deletions are found by the ids[] sweep, by a
 * full pass (--full, and automatically every sync.full_every incrementals), never by a run
 * that could not see them; a write through `loftdial api` lands in the store at once.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "synctest.h"

static struct sbxt sbx;
static struct st_home home;
static char out[ST_OUT_MAX];

static int setup(void **state)
{
	const char *extra[] = {"--people", "600", "--rate-limit", "600", "--seed", "11", NULL};

	if (sbxt_start(&sbx, extra) ||
	    st_home_new(&home, &sbx, "sync.sweep_max 0\nsync.full_every 3\n"))
		return st_setup_failed(&sbx);
	if (st_loftdial(&home, true, out, sizeof(out), 30000, "connect", NULL) != 0)
		return st_setup_failed(&sbx);
	return 0;
}

static int teardown(void **state)
{
	st_home_free(&home);
	return sbxt_stop(&sbx) == 0 ? 0 : -1;
}

/* Hard-deletes a record through the admin API (200 with the record, or 204). */
static void admin_delete(const char *path)
{
	long st = sbxt_admin(&sbx, "DELETE", path, NULL, NULL);

	assert_true(st == 200 || st == 204);
}

/* Runs loftdial sync with optional extra arguments, expects exit 0. */
static void sync_ok(const char *a1, const char *a2)
{
	int rc = st_loftdial(&home, true, out, sizeof(out), 120000, "sync", a1, a2, NULL);

	if (rc != 0)
		fail_msg("sync exited %d:\n%s", rc, out);
}

/* is_deleted of one row (-1 when absent). */
static int64_t deleted_flag(const char *table, int64_t id)
{
	char sql[128];
	sqlite3 *db = st_db(&home);
	int64_t v;

	snprintf(sql, sizeof(sql), "SELECT is_deleted FROM %s WHERE id = %lld", table,
	         (long long)id);
	v = st_int(db, sql);
	sqlite3_close(db);
	return v;
}

/* A live person id from the store, the n-th by id. */
static int64_t person_id(int n)
{
	char sql[128];
	sqlite3 *db = st_db(&home);
	int64_t v;

	snprintf(sql, sizeof(sql),
	         "SELECT id FROM sl_people WHERE is_deleted = 0 ORDER BY id LIMIT 1 OFFSET %d", n);
	v = st_int(db, sql);
	sqlite3_close(db);
	return v;
}

static void test_creates_updates_deletes(void **state)
{
	cJSON *j = NULL, *row;
	char path[128];
	int64_t created, updated, deleted, acc;
	sqlite3 *db;

	sync_ok(NULL, NULL);
	updated = person_id(10);
	deleted = person_id(20);
	assert_true(updated > 0 && deleted > 0);
	assert_int_equal(sbxt_admin(&sbx, "POST", "/_sandbox/records/people",
	                            "{\"first_name\":\"Zed\",\"last_name\":\"Newcomer\","
	                            "\"email_address\":\"zed@new.example\"}",
	                            &j),
	                 200);
	created = (int64_t)sbxt_num(sbxt_data(j), "id");
	cJSON_Delete(j);
	assert_true(created > 0);
	snprintf(path, sizeof(path), "/_sandbox/records/people/%lld", (long long)updated);
	assert_int_equal(sbxt_admin(&sbx, "PUT", path, "{\"title\":\"Chief Tester\"}", NULL), 200);
	snprintf(path, sizeof(path), "/_sandbox/records/people/%lld", (long long)deleted);
	admin_delete(path);
	assert_int_equal(sbxt_admin(&sbx, "POST", "/_sandbox/records/accounts",
	                            "{\"name\":\"Brand New Co\",\"domain\":\"brandnew.example\"}",
	                            &j),
	                 200);
	acc = (int64_t)sbxt_num(sbxt_data(j), "id");
	cJSON_Delete(j);

	sync_ok(NULL, NULL);
	fprintf(stderr, "%s", out);
	db = st_db(&home);
	row = st_row_json(db, "sl_people", created);
	assert_non_null(row);
	assert_string_equal(sbxt_str(row, "last_name"), "Newcomer");
	cJSON_Delete(row);
	row = st_row_json(db, "sl_people", updated);
	assert_string_equal(sbxt_str(row, "title"), "Chief Tester");
	cJSON_Delete(row);
	row = st_row_json(db, "sl_accounts", acc);
	assert_non_null(row);
	cJSON_Delete(row);
	sqlite3_close(db);
	assert_int_equal(deleted_flag("sl_people", created), 0);
	/* Found by the ids[] sweep that follows an incremental run. */
	assert_int_equal(deleted_flag("sl_people", deleted), 1);
	assert_non_null(strstr(out, "(ids sweep)"));
}

static void test_deletion_needs_a_pass_that_sees_it(void **state)
{
	char path[128];
	int64_t gone = person_id(30);

	snprintf(path, sizeof(path), "/_sandbox/records/people/%lld", (long long)gone);
	admin_delete(path);
	/* An incremental run without the sweep cannot see a hard delete. */
	sync_ok("--no-sweep", "people");
	assert_int_equal(deleted_flag("sl_people", gone), 0);
	/* A full pass does, and only once it is complete. */
	sync_ok("--full", "people");
	assert_non_null(strstr(out, "people               full"));
	assert_int_equal(deleted_flag("sl_people", gone), 1);
}

static void test_full_every_n(void **state)
{
	char path[128];
	int64_t gone = person_id(40);
	int i;

	snprintf(path, sizeof(path), "/_sandbox/records/people/%lld", (long long)gone);
	admin_delete(path);
	/* sync.full_every 3: three incrementals, then the fourth run is a full pass. */
	for (i = 0; i < 3; i++) {
		sync_ok("--no-sweep", "people");
		assert_non_null(strstr(out, "people               incr"));
		assert_int_equal(deleted_flag("sl_people", gone), 0);
	}
	sync_ok("--no-sweep", "people");
	assert_non_null(strstr(out, "people               full"));
	assert_int_equal(deleted_flag("sl_people", gone), 1);
}

static void test_read_after_write(void **state)
{
	char body[256], name[64] = "";
	int64_t person = person_id(5), call_id;
	sqlite3 *db = st_db(&home);
	sqlite3_stmt *stmt = NULL;
	const char *p;
	cJSON *j;
	int rc;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM sl_call_dispositions LIMIT 1", -1,
	                                    &stmt, NULL),
	                 SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		snprintf(name, sizeof(name), "%s", sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	assert_true(name[0]);
	snprintf(body, sizeof(body),
	         "{\"person_id\":%lld,\"to\":\"+15125550100\",\"duration\":42,\"disposition\":"
	         "\"%s\"}",
	         (long long)person, name);
	rc = st_loftdial(&home, true, out, sizeof(out), 30000, "api", "POST",
	                 "/v2/activities/calls", "--data", body, "--compact", NULL);
	if (rc != 0)
		fail_msg("api POST exited %d: %s", rc, out);
	p = strstr(out, "{\"data\"");
	assert_non_null(p);
	j = cJSON_ParseWithOpts(p, NULL, false);
	call_id = (int64_t)sbxt_num(sbxt_data(j), "id");
	cJSON_Delete(j);
	assert_true(call_id > 0);
	/* No sync in between: the returned record is already stored. */
	assert_int_equal(deleted_flag("sl_calls", call_id), 0);
	/* Bad requests are reported with the API's message and exit 1. */
	rc = st_loftdial(&home, true, out, sizeof(out), 30000, "api", "GET",
	                 "/v2/people/999999999999", NULL);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(out, "HTTP 404"));
}

static void test_one_sync_at_a_time(void **state)
{
	struct tl_proc p;
	int rc, st;

	/* Slow pages keep the first run busy while a second one starts. */
	assert_int_equal(sbxt_admin(&sbx, "POST", "/_sandbox/faults",
	                            "{\"latency_ms\":300,\"requests\":20,\"path_prefix\":"
	                            "\"/v2/people\"}",
	                            NULL),
	                 200);
	assert_int_equal(st_spawn(&home, true, &p, NULL, "sync", "--full", "people", NULL), 0);
	/* The first run holds the lock from before its first request to its end. */
	assert_int_equal(tl_wait_line(&p, "\x01", 700, NULL, 0), ETIMEDOUT);
	rc = st_loftdial(&home, true, out, sizeof(out), 30000, "sync", "users", NULL);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(out, "another sync is running"));
	assert_int_equal(tl_wait_line(&p, "sync: ok", 60000, NULL, 0), 0);
	st = st_wait_exit(&p, 20000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	sbxt_admin(&sbx, "DELETE", "/_sandbox/faults", NULL, NULL);
	sync_ok("users", NULL);
}

static void test_terminal_progress(void **state)
{
	char cmd[1024], env_term[] = "TERM=xterm";
	char *argv[] = {"script", "-qec", cmd, "/dev/null", NULL};
	char *env[] = {home.env_home, home.env_api, home.env_acc, home.env_key, env_term, NULL};
	int rc;

	/* On a terminal (script(1) gives it one) the bars are drawn in place with escape
	 * sequences, above the budget line. */
	snprintf(cmd, sizeof(cmd), "%s sync", tl_env("LOFTDIAL_BIN", "loftdial"));
	rc = tl_run(argv, env, out, sizeof(out), 60000);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\033[2K"));
	assert_non_null(strstr(out, "rate limit:"));
	assert_non_null(strstr(out, "[########################]"));
	assert_non_null(strstr(out, "people "));
	assert_non_null(strstr(out, "sync: ok"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_creates_updates_deletes),
	        cmocka_unit_test(test_deletion_needs_a_pass_that_sees_it),
	        cmocka_unit_test(test_full_every_n),
	        cmocka_unit_test(test_read_after_write),
	        cmocka_unit_test(test_one_sync_at_a_time),
	        cmocka_unit_test(test_terminal_progress),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * The sync under faults, against one sandbox org and a reference store synced without any:
 *  - kill -9 at random moments (fixed seed) during several runs, then a run to the end: the
 *    store is identical to the reference;
 *  - windows of 5xx, dropped connections, truncated and malformed JSON, and 429s: the run
 *    finishes, or stops with a clear message and exit 4 and the next run completes; the store
 *    ends identical to the reference;
 *  - OAuth: the access token expiring mid-sync (proactive refresh and a forced expiry with
 *    401s) and the refresh token rotating: the run finishes, the new refresh token is saved
 *    and the old one is dead; a dead refresh token stops with "connection expired".
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "synctest.h"

static struct sbxt sbx;
static struct st_home ref;
static char out[ST_OUT_MAX];
static unsigned long long ref_ms; /* how long the uninterrupted reference sync took */

static int setup(void **state)
{
	const char *extra[] = {
	        "--people", "3000", "--rate-limit", "600", "--token-ttl", "4", "--seed", "5", NULL};

	if (sbxt_start(&sbx, extra) || st_home_new(&ref, &sbx, NULL))
		return st_setup_failed(&sbx);
	if (st_loftdial(&ref, true, out, sizeof(out), 30000, "connect", NULL) != 0)
		return st_setup_failed(&sbx);
	ref_ms = tl_now_ms();
	if (st_loftdial(&ref, true, out, sizeof(out), 120000, "sync", NULL) != 0) {
		fprintf(stderr, "reference sync failed:\n%s\n", out);
		return st_setup_failed(&sbx);
	}
	ref_ms = tl_now_ms() - ref_ms;
	return 0;
}

static int teardown(void **state)
{
	st_home_free(&ref);
	return sbxt_stop(&sbx) == 0 ? 0 : -1;
}

/* Gives the team its budget back: the tests run many syncs within one sandbox minute, and
 * the pacer (rightly) keeps half the budget free. */
static void budget_reset(void)
{
	assert_int_equal(sbxt_admin(&sbx, "POST", "/_sandbox/ratelimit/reset", NULL, NULL), 200);
}

/* A home connected with the API key, with extra config. */
static void key_home(struct st_home *h, const char *cfg)
{
	budget_reset();
	assert_int_equal(st_home_new(h, &sbx, cfg), 0);
	assert_int_equal(st_loftdial(h, true, out, sizeof(out), 30000, "connect", NULL), 0);
}

static void faults_open(const char *spec)
{
	assert_int_equal(sbxt_admin(&sbx, "POST", "/_sandbox/faults", spec, NULL), 200);
}

static void faults_close(void)
{
	long st = sbxt_admin(&sbx, "DELETE", "/_sandbox/faults", NULL, NULL);

	assert_true(st == 200 || st == 204);
}

static void test_kill9_then_resume(void **state)
{
	struct st_home h;
	unsigned seed = 20261123;
	int i, killed = 0, rc;

	key_home(&h, NULL);
	for (i = 0; i < 5; i++) {
		struct tl_proc p;
		/* Kill points are a share (5-60%) of a whole sync's time on this machine, so the
		 * first run is always cut off however fast or slow the machine is; later runs
		 * resume and may finish. */
		unsigned delay = (unsigned)(ref_ms * (5 + (unsigned)rand_r(&seed) % 56) / 100);
		unsigned long long end;
		int st = 0;
		bool exited = false;

		if (delay < 20)
			delay = 20;
		assert_int_equal(st_spawn(&h, true, &p, NULL, "sync", NULL), 0);
		end = tl_now_ms() + delay;
		while (tl_now_ms() < end) {
			if (waitpid(p.pid, &st, WNOHANG) == p.pid) {
				exited = true;
				break;
			}
			(void)tl_wait_line(&p, "\x01", 10, NULL, 0);
		}
		if (!exited) {
			kill(p.pid, SIGKILL);
			waitpid(p.pid, &st, 0);
			killed++;
		}
		p.pid = 0;
		close(p.out_fd);
		fprintf(stderr, "run %d: %s after %u ms\n", i, exited ? "finished" : "killed",
		        delay);
	}
	/* At least one run must really have been cut off for the test to mean anything. */
	assert_true(killed >= 1);
	budget_reset();
	rc = st_loftdial(&h, true, out, sizeof(out), 120000, "sync", NULL);
	if (rc != 0)
		fail_msg("resume exited %d:\n%s", rc, out);
	assert_true(st_same_store(&ref, &h));
	st_home_free(&h);
}

static void test_transient_faults(void **state)
{
	struct st_home h;
	double before = st_counter(&sbx, "requests");
	int rc;

	key_home(&h, NULL);
	faults_open("{\"error_5xx\":20,\"drop\":10,\"truncate\":5,\"malformed\":5,"
	            "\"requests\":60,\"path_prefix\":\"/v2/\"}");
	rc = st_loftdial(&h, true, out, sizeof(out), 120000, "sync", NULL);
	faults_close();
	fprintf(stderr, "%s", out);
	/* Retries absorb a window like this; if an object still gave up it says so. */
	assert_true(rc == 0 || rc == 4);
	if (rc == 4) {
		assert_non_null(strstr(out, "loftdial sync:"));
		assert_int_equal(st_loftdial(&h, true, out, sizeof(out), 120000, "sync", NULL), 0);
	}
	assert_true(st_counter(&sbx, "requests") > before);
	assert_true(st_same_store(&ref, &h));
	st_home_free(&h);
}

static void test_429_storm(void **state)
{
	struct st_home h;
	int rc;

	key_home(&h, NULL);
	faults_open("{\"rate_limit_429\":50,\"requests\":12,\"path_prefix\":\"/v2/\"}");
	rc = st_loftdial(&h, true, out, sizeof(out), 120000, "sync", NULL);
	faults_close();
	if (rc != 0)
		fail_msg("sync under 429s exited %d:\n%s", rc, out);
	/* The client counted the 429s it waited out. */
	assert_null(strstr(out, " 0 throttled"));
	assert_true(st_same_store(&ref, &h));
	st_home_free(&h);
}

static void test_persistent_faults_stop_then_resume(void **state)
{
	static const char *const specs[] = {
	        "{\"error_5xx\":100,\"requests\":400,\"path_prefix\":\"/v2/people\"}",
	        "{\"malformed\":100,\"requests\":400,\"path_prefix\":\"/v2/people\"}",
	        "{\"drop\":100,\"requests\":400,\"path_prefix\":\"/v2/people\"}",
	};
	static const char *const msgs[] = {"HTTP 50", "malformed JSON", "people:"};
	struct st_home h;
	size_t i;
	int rc;

	key_home(&h, "salesloft.retries 1\n");
	/* Half the data first, so the failures hit a resumable run. */
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		faults_open(specs[i]);
		rc = st_loftdial(&h, true, out, sizeof(out), 120000, "sync", NULL);
		faults_close();
		budget_reset();
		if (rc != 4)
			fail_msg("spec %zu: exit %d, want 4:\n%s", i, rc, out);
		assert_non_null(strstr(out, "loftdial sync: people:"));
		assert_non_null(strstr(out, msgs[i]));
		assert_non_null(strstr(out, "partial (rerun resumes)"));
	}
	assert_int_equal(st_loftdial(&h, true, out, sizeof(out), 30000, "status", NULL), 0);
	assert_non_null(strstr(out, "error: "));
	budget_reset();
	rc = st_loftdial(&h, true, out, sizeof(out), 120000, "sync", NULL);
	if (rc != 0)
		fail_msg("resume exited %d:\n%s", rc, out);
	assert_true(st_same_store(&ref, &h));
	st_home_free(&h);
}

/* The saved refresh token of a home. */
static void refresh_token(struct st_home *h, char *outp, size_t n)
{
	sqlite3 *db = st_db(h);
	sqlite3_stmt *stmt = NULL;

	outp[0] = '\0';
	sqlite3_prepare_v2(db, "SELECT refresh_token FROM tokens", -1, &stmt, NULL);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		snprintf(outp, n, "%s", sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

static void test_token_expiry_and_rotation(void **state)
{
	struct st_home h;
	struct tl_proc p;
	char cfg[512], before[256], after[256], body[512];
	struct sbxt_resp r;
	int st;

	budget_reset();
	st_oauth_config(cfg, sizeof(cfg), tl_free_port());
	assert_int_equal(st_home_new(&h, &sbx, cfg), 0);
	assert_int_equal(st_oauth_connect(&h, out, sizeof(out)), 0);
	refresh_token(&h, before, sizeof(before));
	assert_true(strlen(before) > 10);
	/* Slow requests stretch the run past the 4-second token lifetime (a proactive refresh
	 * halfway), and all tokens are expired by force once (401s, refresh, retry once). */
	faults_open("{\"latency_ms\":60,\"requests\":100000,\"path_prefix\":\"/v2/\"}");
	assert_int_equal(st_spawn(&h, false, &p, NULL, "sync", NULL), 0);
	assert_int_equal(tl_wait_line(&p, "call_sentiments", 60000, NULL, 0), 0);
	assert_int_equal(sbxt_admin(&sbx, "POST", "/_sandbox/tokens/expire", NULL, NULL), 200);
	assert_int_equal(tl_wait_line(&p, "sync: ", 120000, out, sizeof(out)), 0);
	st = st_wait_exit(&p, 20000);
	faults_close();
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) != 0)
		fail_msg("sync exited %d: %s", WEXITSTATUS(st), out);
	assert_true(st_same_store(&ref, &h));
	/* The refresh token rotated, the new one was saved, the old one is dead. */
	refresh_token(&h, after, sizeof(after));
	assert_string_not_equal(before, after);
	snprintf(body, sizeof(body),
	         "grant_type=refresh_token&client_id=loftdial-sandbox-client&client_secret="
	         "loftdial-sandbox-secret&refresh_token=%s",
	         before);
	{
		char url[256];
		const char *hdr[] = {"Content-Type: application/x-www-form-urlencoded", NULL};

		snprintf(url, sizeof(url), "%s/oauth/token", sbx.base);
		sbxt_http(&r, "POST", url, hdr, body);
		assert_int_equal(r.status, 400);
		assert_non_null(strstr(r.body, "invalid_grant"));
		sbxt_resp_free(&r);
	}
	st_home_free(&h);
}

static void test_dead_refresh_token(void **state)
{
	struct st_home h;
	char cfg[512], path[700];
	sqlite3 *db;
	int rc;

	budget_reset();
	st_oauth_config(cfg, sizeof(cfg), tl_free_port());
	assert_int_equal(st_home_new(&h, &sbx, cfg), 0);
	assert_int_equal(st_oauth_connect(&h, out, sizeof(out)), 0);
	/* Another client used the refresh token: ours is revoked and the access token old. */
	snprintf(path, sizeof(path), "%s/loftdial.db", h.dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "UPDATE tokens SET refresh_token = 'revoked0000', "
	                              "expires_at = 1",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	rc = st_loftdial(&h, false, out, sizeof(out), 60000, "sync", NULL);
	assert_int_equal(rc, 3);
	assert_non_null(strstr(out, "connection expired: run loftdial connect"));
	rc = st_loftdial(&h, false, out, sizeof(out), 60000, "api", "GET", "me.json", NULL);
	assert_int_equal(rc, 3);
	st_home_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_kill9_then_resume),
	        cmocka_unit_test(test_transient_faults),
	        cmocka_unit_test(test_429_storm),
	        cmocka_unit_test(test_persistent_faults_stop_then_resume),
	        cmocka_unit_test(test_token_expiry_and_rotation),
	        cmocka_unit_test(test_dead_refresh_token),
	};

	signal(SIGPIPE, SIG_IGN);
	/* tl_free_port() draws from rand(): without a seed of its own, parallel tests would all
	 * try the same ports in the same order. */
	srand((unsigned)getpid() ^ (unsigned)tl_now_ms());
	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * Webhooks end to end: `loftdial webhooks register` subscribes the sandbox to loftdial's
 * receiver (`loftdial webhooks serve`), and records changed through the sandbox admin API
 * arrive as signed deliveries that land in the store at once (updates, creations, deletes).
 * Unsigned, wrongly signed, oversized and non-POST requests are refused without touching
 * the store; a replayed update after a delete is accepted but harmless.
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

#include "loftdial/webhook_rx.h"
#include "synctest.h"

static struct sbxt sbx;
static struct st_home home;
static struct tl_proc serve;
static char out[ST_OUT_MAX], hook_url[128];
static int port;

static int setup(void **state)
{
	const char *extra[] = {"--people", "300", "--webhook-retry-ms", "200", "--seed", "3", NULL};
	char line[256];
	int attempt;

	if (sbxt_start(&sbx, extra) || st_home_new(&home, &sbx, "webhooks.max_body 4096\n"))
		return st_setup_failed(&sbx);
	if (st_loftdial(&home, true, out, sizeof(out), 30000, "connect", NULL) ||
	    st_loftdial(&home, true, out, sizeof(out), 60000, "sync", NULL))
		return st_setup_failed(&sbx);
	/* A port free a moment ago may be taken by now (tests run in parallel): try again. */
	for (attempt = 0; attempt < 3; attempt++) {
		port = tl_free_port();
		snprintf(line, sizeof(line), "127.0.0.1:%d", port);
		snprintf(hook_url, sizeof(hook_url), "http://127.0.0.1:%d/hooks", port);
		if (port < 0 || st_spawn(&home, true, &serve, NULL, "webhooks", "serve", "--listen",
		                         line, "--no-poll", NULL))
			continue;
		if (!tl_wait_line(&serve, "listening on", 20000, NULL, 0))
			return 0;
		tl_stop(&serve, SIGKILL, 5000);
	}
	return st_setup_failed(&sbx);
}

static int teardown(void **state)
{
	int st = tl_stop(&serve, SIGTERM, 20000);

	st_home_free(&home);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return sbxt_stop(&sbx) == 0 ? 0 : -1;
}

/* A text column of one row, polled until it equals want or the deadline passes. */
static bool wait_row(const char *sql, const char *want)
{
	unsigned long long end = tl_now_ms() + 15000;

	while (tl_now_ms() < end) {
		sqlite3 *db = st_db(&home);
		sqlite3_stmt *stmt = NULL;
		bool ok = false;

		if (db && sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
		    sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
			ok = !strcmp((const char *)sqlite3_column_text(stmt, 0), want);
		sqlite3_finalize(stmt);
		sqlite3_close(db);
		if (ok)
			return true;
		(void)tl_wait_line(&serve, "\x01", 50, NULL, 0);
	}
	return false;
}

static int64_t person(int n)
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

/* POSTs body to the receiver with the given headers; returns the status. */
static long post(const char *body, const char *event, const char *sig)
{
	const char *hdrs[4];
	char h1[128], h2[128];
	struct sbxt_resp r;
	size_t n = 0;
	long st;

	hdrs[n++] = "Content-Type: application/json";
	if (event) {
		snprintf(h1, sizeof(h1), "x-salesloft-event: %s", event);
		hdrs[n++] = h1;
	}
	if (sig) {
		snprintf(h2, sizeof(h2), "x-salesloft-signature: %s", sig);
		hdrs[n++] = h2;
	}
	hdrs[n] = NULL;
	sbxt_http(&r, "POST", hook_url, hdrs, body);
	st = r.status;
	sbxt_resp_free(&r);
	return st;
}

/* The callback token loftdial keeps, to sign deliveries like Salesloft does. */
static void token(char *outp, size_t n)
{
	sqlite3 *db = st_db(&home);
	sqlite3_stmt *stmt = NULL;

	outp[0] = '\0';
	sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'webhooks.callback_token'", -1,
	                   &stmt, NULL);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		snprintf(outp, n, "%s", sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

static void test_register_and_list(void **state)
{
	int rc;

	rc = st_loftdial(&home, true, out, sizeof(out), 30000, "webhooks", "register", "--url",
	                 hook_url, NULL);
	if (rc != 0)
		fail_msg("register exited %d: %s", rc, out);
	assert_non_null(strstr(out, "Registered 19 subscriptions"));
	/* Registering again keeps what exists. */
	rc = st_loftdial(&home, true, out, sizeof(out), 30000, "webhooks", "register", "--url",
	                 hook_url, NULL);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "(0 new, 19 kept)"));
	rc = st_loftdial(&home, true, out, sizeof(out), 30000, "webhooks", "list", NULL);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "person_deleted"));
	assert_non_null(strstr(out, "(loftdial)"));
}

static void test_signed_events_apply(void **state)
{
	char path[128], sql[256];
	int64_t upd = person(3), del = person(4), acc;
	cJSON *j = NULL;

	snprintf(path, sizeof(path), "/_sandbox/records/people/%lld", (long long)upd);
	assert_int_equal(sbxt_admin(&sbx, "PUT", path, "{\"title\":\"Webhooked\"}", NULL), 200);
	snprintf(sql, sizeof(sql), "SELECT title FROM sl_people WHERE id = %lld", (long long)upd);
	assert_true(wait_row(sql, "Webhooked"));

	snprintf(path, sizeof(path), "/_sandbox/records/people/%lld", (long long)del);
	assert_true(sbxt_admin(&sbx, "DELETE", path, NULL, NULL) / 100 == 2);
	snprintf(sql, sizeof(sql), "SELECT is_deleted || '' FROM sl_people WHERE id = %lld",
	         (long long)del);
	assert_true(wait_row(sql, "1"));

	assert_int_equal(sbxt_admin(&sbx, "POST", "/_sandbox/records/accounts",
	                            "{\"name\":\"Hooked Inc\",\"domain\":\"hooked.example\"}", &j),
	                 200);
	acc = (int64_t)sbxt_num(sbxt_data(j), "id");
	cJSON_Delete(j);
	snprintf(sql, sizeof(sql), "SELECT name FROM sl_accounts WHERE id = %lld", (long long)acc);
	assert_true(wait_row(sql, "Hooked Inc"));
}

static void test_bad_requests_rejected(void **state)
{
	char tok[256], sig[WEBHOOK_RX_SIG_HEX], body[256], big[6000], sql[256];
	int64_t victim = person(6);
	struct sbxt_resp r;

	token(tok, sizeof(tok));
	assert_true(strlen(tok) >= 32);
	snprintf(body, sizeof(body),
	         "{\"id\":%lld,\"title\":\"Evil\",\"updated_at\":\"2099-01-01T00:00:00.000000Z\"}",
	         (long long)victim);
	/* No signature, a wrong one, another token's, a malformed one: 401, store untouched. */
	assert_int_equal(post(body, "person_updated", NULL), 401);
	assert_int_equal(post(body, "person_updated", "0000000000000000000000000000000000000000"),
	                 401);
	assert_int_equal(webhook_rx_sign("not-the-token", body, strlen(body), sig, sizeof(sig)), 0);
	assert_int_equal(post(body, "person_updated", sig), 401);
	assert_int_equal(post(body, "person_updated", "zz"), 401);
	/* Signed with the right token but for a different body (tampered in transit). */
	assert_int_equal(webhook_rx_sign(tok, "{}", 2, sig, sizeof(sig)), 0);
	assert_int_equal(post(body, "person_updated", sig), 401);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM sl_people WHERE title = 'Evil'");
	{
		sqlite3 *db = st_db(&home);

		assert_int_equal(st_int(db, sql), 0);
		sqlite3_close(db);
	}
	/* Over webhooks.max_body (4096): 413 before the body is read. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[0] = '{';
	assert_int_equal(post(big, "person_updated", "0000000000000000000000000000000000000000"),
	                 413);
	/* Only POST. */
	sbxt_http(&r, "GET", hook_url, NULL, NULL);
	assert_int_equal(r.status, 405);
	sbxt_resp_free(&r);
	/* A signed body without the event header. */
	assert_int_equal(webhook_rx_sign(tok, body, strlen(body), sig, sizeof(sig)), 0);
	assert_int_equal(post(body, NULL, sig), 400);
}

static void test_replay_after_delete_is_harmless(void **state)
{
	char tok[256], sig[WEBHOOK_RX_SIG_HEX], path[128], sql[256], *old;
	int64_t id = person(8);
	cJSON *j = NULL;

	token(tok, sizeof(tok));
	/* An update as Salesloft delivered it earlier... */
	snprintf(path, sizeof(path), "/_sandbox/records/people/%lld", (long long)id);
	assert_int_equal(sbxt_admin(&sbx, "GET", path, NULL, &j), 200);
	old = cJSON_PrintUnformatted(sbxt_data(j));
	cJSON_Delete(j);
	/* ...then the person is deleted... */
	assert_true(sbxt_admin(&sbx, "DELETE", path, NULL, NULL) / 100 == 2);
	snprintf(sql, sizeof(sql), "SELECT is_deleted || '' FROM sl_people WHERE id = %lld",
	         (long long)id);
	assert_true(wait_row(sql, "1"));
	/* ...and the old update is replayed, validly signed: accepted, but it changes nothing. */
	assert_int_equal(webhook_rx_sign(tok, old, strlen(old), sig, sizeof(sig)), 0);
	assert_int_equal(post(old, "person_updated", sig), 200);
	assert_int_equal(post(old, "person_updated", sig), 200);
	assert_int_equal(tl_wait_line(&serve, "not newer than its deletion", 30000, NULL, 0), 0);
	assert_true(wait_row(sql, "1"));
	free(old);
}

static void test_unregister(void **state)
{
	int rc = st_loftdial(&home, true, out, sizeof(out), 30000, "webhooks", "unregister", NULL);

	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "Deleted 19 subscriptions"));
	rc = st_loftdial(&home, true, out, sizeof(out), 30000, "webhooks", "list", NULL);
	assert_int_equal(rc, 0);
	assert_null(strstr(out, "(loftdial)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_register_and_list),
	        cmocka_unit_test(test_signed_events_apply),
	        cmocka_unit_test(test_bad_requests_rejected),
	        cmocka_unit_test(test_replay_after_delete_is_harmless),
	        cmocka_unit_test(test_unregister),
	};

	signal(SIGPIPE, SIG_IGN);
	/* tl_free_port() draws from rand(): without a seed of its own, parallel tests would all
	 * try the same ports in the same order. */
	srand((unsigned)getpid() ^ (unsigned)tl_now_ms());
	return cmocka_run_group_tests(tests, setup, teardown);
}

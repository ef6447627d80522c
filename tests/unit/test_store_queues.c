/*
 * Unit tests for the store's queues and small tables: tokens (atomic save, rotation), the
 * outbox (dedupe, state machine, recovery of items left in `sending`), dial attempts
 * (abandonment rate, bad numbers) and webhook events (durable inbox, pending walk).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/attempts.h"
#include "loftdial/outbox.h"
#include "loftdial/store.h"
#include "loftdial/text.h"
#include "loftdial/tokens.h"
#include "loftdial/whevents.h"
#include "storetest.h"

static int setup(void **state)
{
	return storetest_setup(state, "ld-queues");
}

/* ---- tokens ---- */

static void fill_tokens(struct tokens *t, const char *access, const char *refresh)
{
	memset(t, 0, sizeof(*t));
	(void)text_copy(t->kind, sizeof(t->kind), "oauth");
	(void)text_copy(t->access_token, sizeof(t->access_token), access);
	(void)text_copy(t->refresh_token, sizeof(t->refresh_token), refresh);
	t->expires_at = 1700007200;
	(void)text_copy(t->scope, sizeof(t->scope), "default");
	t->user_id = 49067;
	(void)text_copy(t->user_guid, sizeof(t->user_guid), "0863ed13-7120-479b-8650-206a3679e2fb");
	(void)text_copy(t->user_email, sizeof(t->user_email), "somebody@withampersand.com");
	(void)text_copy(t->user_name, sizeof(t->user_name), "Int User");
	t->team_admin = true;
}

static void test_tokens_bad_input(void **state)
{
	struct storetest *fx = *state;
	struct tokens t;

	assert_int_equal(tokens_load(fx->st, &t), ENOENT);
	assert_int_equal(tokens_load(NULL, &t), EINVAL);
	assert_int_equal(tokens_save(fx->st, NULL), EINVAL);
	fill_tokens(&t, "", "r");
	assert_int_equal(tokens_save(fx->st, &t), EINVAL); /* empty access token */
	fill_tokens(&t, "a", "r");
	(void)text_copy(t.kind, sizeof(t.kind), "basic");
	assert_int_equal(tokens_save(fx->st, &t), EINVAL);
	fill_tokens(&t, "a", "r");
	memset(t.access_token, 'A', sizeof(t.access_token)); /* no NUL */
	assert_int_equal(tokens_save(fx->st, &t), EINVAL);
	assert_int_equal(tokens_load(fx->st, &t), ENOENT);
	assert_int_equal(tokens_clear(fx->st), 0); /* nothing saved: still fine */
}

static void test_tokens_roundtrip_and_rotation(void **state)
{
	struct storetest *fx = *state;
	struct tokens t, back;

	fill_tokens(&t, "access-1", "refresh-1");
	assert_int_equal(tokens_save(fx->st, &t), 0);
	assert_int_equal(tokens_load(fx->st, &back), 0);
	assert_string_equal(back.kind, "oauth");
	assert_string_equal(back.access_token, "access-1");
	assert_string_equal(back.refresh_token, "refresh-1");
	assert_int_equal(back.expires_at, 1700007200);
	assert_int_equal(back.user_id, 49067);
	assert_string_equal(back.user_guid, "0863ed13-7120-479b-8650-206a3679e2fb");
	assert_true(back.team_admin);
	assert_true(back.updated_at > 0);
	assert_string_equal(back.api_url, ""); /* fill_tokens binds nothing */

	/* The URLs the credentials belong to are kept with them. */
	(void)text_copy(t.api_url, sizeof(t.api_url), "http://127.0.0.1:8080");
	(void)text_copy(t.accounts_url, sizeof(t.accounts_url), "http://127.0.0.1:8081");
	assert_int_equal(tokens_save(fx->st, &t), 0);
	assert_int_equal(tokens_load(fx->st, &back), 0);
	assert_string_equal(back.api_url, "http://127.0.0.1:8080");
	assert_string_equal(back.accounts_url, "http://127.0.0.1:8081");

	/* A rotation replaces both tokens; the old refresh token is gone. */
	fill_tokens(&t, "access-2", "refresh-2");
	assert_int_equal(tokens_save(fx->st, &t), 0);
	storetest_reopen(fx);
	assert_int_equal(tokens_load(fx->st, &back), 0);
	assert_string_equal(back.access_token, "access-2");
	assert_string_equal(back.refresh_token, "refresh-2");

	/* A long token (JWT-sized) is kept whole. */
	memset(t.access_token, 'J', sizeof(t.access_token) - 1);
	t.access_token[sizeof(t.access_token) - 1] = '\0';
	assert_int_equal(tokens_save(fx->st, &t), 0);
	assert_int_equal(tokens_load(fx->st, &back), 0);
	assert_int_equal(strlen(back.access_token), sizeof(t.access_token) - 1);

	/* An API key has no refresh token and no expiry. */
	memset(&t, 0, sizeof(t));
	(void)text_copy(t.kind, sizeof(t.kind), "api_key");
	(void)text_copy(t.access_token, sizeof(t.access_token), "ak_live_'; DROP TABLE tokens;--");
	assert_int_equal(tokens_save(fx->st, &t), 0);
	assert_int_equal(tokens_load(fx->st, &back), 0);
	assert_string_equal(back.kind, "api_key");
	assert_string_equal(back.refresh_token, "");
	assert_int_equal(back.user_id, 0);

	assert_int_equal(tokens_clear(fx->st), 0);
	assert_int_equal(tokens_load(fx->st, &back), ENOENT);
}

/* Saving inside a caller's transaction that is then rolled back leaves the old tokens: the
 * access and refresh tokens only ever change together. */
static void test_tokens_atomic(void **state)
{
	struct storetest *fx = *state;
	struct tokens t, back;

	fill_tokens(&t, "access-1", "refresh-1");
	assert_int_equal(tokens_save(fx->st, &t), 0);
	assert_int_equal(store_begin(fx->st), 0);
	fill_tokens(&t, "access-2", "refresh-2");
	assert_int_equal(tokens_save(fx->st, &t), 0);
	assert_int_equal(store_tx_depth(fx->st), 1);
	store_rollback(fx->st);
	assert_int_equal(tokens_load(fx->st, &back), 0);
	assert_string_equal(back.access_token, "access-1");
	assert_string_equal(back.refresh_token, "refresh-1");

	/* A write that fails (read-only) changes nothing either. */
	assert_int_equal(
	        sqlite3_exec(store_sqlite(fx->st), "PRAGMA query_only = 1", NULL, NULL, NULL),
	        SQLITE_OK);
	assert_int_not_equal(tokens_save(fx->st, &t), 0);
	assert_int_equal(store_tx_depth(fx->st), 0);
	assert_int_equal(
	        sqlite3_exec(store_sqlite(fx->st), "PRAGMA query_only = 0", NULL, NULL, NULL),
	        SQLITE_OK);
	assert_int_equal(tokens_load(fx->st, &back), 0);
	assert_string_equal(back.refresh_token, "refresh-1");
}

/* ---- outbox ---- */

static void test_outbox_names(void **state)
{
	enum outbox_state s;
	unsigned i;

	for (i = 0; i <= OUTBOX_CONFLICT; i++) {
		assert_int_equal(outbox_state_parse(outbox_state_name((enum outbox_state)i), &s),
		                 0);
		assert_int_equal(s, i);
	}
	assert_string_equal(outbox_state_name((enum outbox_state)99), "?");
	assert_int_equal(outbox_state_parse("Queued", &s), EINVAL);
	assert_int_equal(outbox_state_parse(NULL, &s), EINVAL);
	outbox_item_clear(NULL);
}

static void test_outbox_enqueue_edges(void **state)
{
	struct storetest *fx = *state;
	char longkey[200];
	int64_t id = -1;

	assert_int_equal(outbox_enqueue(fx->st, NULL, "task:1", "{}", &id), EINVAL);
	assert_int_equal(id, 0);
	assert_int_equal(outbox_enqueue(fx->st, "", "task:1", "{}", &id), EINVAL);
	assert_int_equal(outbox_enqueue(fx->st, "call", "", "{}", &id), EINVAL);
	assert_int_equal(outbox_enqueue(fx->st, "call", NULL, "{}", &id), EINVAL);
	assert_int_equal(outbox_enqueue(fx->st, "call", "task:1", "", &id), EINVAL);
	assert_int_equal(outbox_enqueue(fx->st, "call", "task:1", NULL, &id), EINVAL);
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	assert_int_equal(outbox_enqueue(fx->st, "call", longkey, "{}", &id), EINVAL);
	assert_int_equal(outbox_enqueue(fx->st, "call", "'; DROP TABLE outbox;--",
	                                "{\"notes\":\"\\u001b[2J\"}", NULL),
	                 0);
	assert_int_equal(outbox_mark_sending(fx->st, 999), ENOENT);
	assert_int_equal(outbox_mark_sent(fx->st, 999, 1, NULL), ENOENT);
}

/* The same task or action can never be queued twice, whatever state the first one is in,
 * except after it failed for good (then the new body replaces it, same id). */
static void test_outbox_dedupe(void **state)
{
	struct storetest *fx = *state;
	struct outbox_item it;
	struct outbox_counts c;
	int64_t a, b;

	assert_int_equal(outbox_enqueue(fx->st, "call", "task:123", "{\"v\":1}", &a), 0);
	assert_true(a > 0);
	assert_int_equal(outbox_enqueue(fx->st, "call", "task:123", "{\"v\":2}", &b), EEXIST);
	assert_int_equal(b, a);
	assert_int_equal(outbox_mark_sending(fx->st, a), 0);
	assert_int_equal(outbox_enqueue(fx->st, "call", "task:123", "{\"v\":2}", &b), EEXIST);
	assert_int_equal(outbox_mark_sent(fx->st, a, 777, "{\"data\":{\"id\":777}}"), 0);
	assert_int_equal(outbox_enqueue(fx->st, "call", "task:123", "{\"v\":2}", &b), EEXIST);

	/* A different key is different work. */
	assert_int_equal(outbox_enqueue(fx->st, "call", "action:123", "{\"v\":3}", &b), 0);
	assert_int_not_equal(a, b);
	assert_int_equal(outbox_mark_conflict(fx->st, b, "422 already logged", "{}"), 0);
	assert_int_equal(outbox_enqueue(fx->st, "call", "action:123", "{\"v\":4}", NULL), EEXIST);

	/* Failed work can be queued again under its key. */
	assert_int_equal(outbox_enqueue(fx->st, "call", "uuid:abc", "{\"v\":5}", &a), 0);
	assert_int_equal(outbox_mark_sending(fx->st, a), 0);
	assert_int_equal(outbox_mark_failed(fx->st, a, "422 invalid disposition"), 0);
	assert_int_equal(outbox_enqueue(fx->st, "call", "uuid:abc", "{\"v\":6}", &b), 0);
	assert_int_equal(b, a);
	assert_int_equal(outbox_get(fx->st, a, &it), 0);
	assert_int_equal(it.state, OUTBOX_QUEUED);
	assert_int_equal(it.attempts, 0);
	assert_string_equal(it.body, "{\"v\":6}");
	assert_null(it.last_error);
	outbox_item_clear(&it);

	assert_int_equal(outbox_counts(fx->st, &c), 0);
	assert_int_equal(c.queued, 1);
	assert_int_equal(c.sent, 1);
	assert_int_equal(c.conflict, 1);
	assert_int_equal(c.failed, 0);
	assert_int_equal(c.sending, 0);
}

/* queued → sending → queued (retry) → sending → sent, and every illegal move refused. */
static void test_outbox_state_machine(void **state)
{
	struct storetest *fx = *state;
	struct outbox_item it;
	int64_t id, next;

	assert_int_equal(outbox_next_due(fx->st, 0, &it), ENOENT);
	assert_int_equal(outbox_next_at(fx->st, &next), ENOENT);
	assert_int_equal(outbox_enqueue(fx->st, "call", "action:9", "{\"to\":\"+1\"}", &id), 0);
	assert_int_equal(outbox_next_due(fx->st, INT64_MAX, &it), 0);
	assert_int_equal(it.id, id);
	assert_string_equal(it.kind, "call");
	assert_string_equal(it.dedupe_key, "action:9");
	assert_true(it.created_at > 0);
	outbox_item_clear(&it);
	assert_int_equal(outbox_mark_sending(fx->st, id), 0);
	assert_int_equal(outbox_mark_sending(fx->st, id), EALREADY);
	/* An item being sent is never handed out again. */
	assert_int_equal(outbox_next_due(fx->st, INT64_MAX, &it), ENOENT);
	assert_int_equal(outbox_requeue(fx->st, id), EALREADY); /* only failed items */
	assert_int_equal(outbox_mark_retry(fx->st, id, 5000, "503 try later"), 0);
	assert_int_equal(outbox_next_at(fx->st, &next), 0);
	assert_int_equal(next, 5000);
	assert_int_equal(outbox_next_due(fx->st, 4999, &it), ENOENT);
	assert_int_equal(outbox_next_due(fx->st, 5000, &it), 0);
	assert_string_equal(it.last_error, "503 try later");
	assert_int_equal(it.attempts, 1);
	outbox_item_clear(&it);
	assert_int_equal(outbox_mark_sending(fx->st, id), 0);
	assert_int_equal(outbox_mark_sent(fx->st, id, 42, "{\"data\":{\"id\":42}}"), 0);
	assert_int_equal(outbox_get(fx->st, id, &it), 0);
	assert_int_equal(it.state, OUTBOX_SENT);
	assert_int_equal(it.attempts, 2);
	assert_int_equal(it.remote_id, 42);
	assert_string_equal(it.response, "{\"data\":{\"id\":42}}");
	assert_null(it.last_error);
	outbox_item_clear(&it);
	/* Sent is final. */
	assert_int_equal(outbox_mark_sending(fx->st, id), EALREADY);
	assert_int_equal(outbox_mark_retry(fx->st, id, 0, "x"), EALREADY);
	assert_int_equal(outbox_mark_failed(fx->st, id, "x"), EALREADY);
	assert_int_equal(outbox_mark_conflict(fx->st, id, "x", NULL), EALREADY);
	assert_int_equal(outbox_mark_sent(fx->st, id, 1, NULL), EALREADY);

	/* Failed → requeue → queued, due now. */
	assert_int_equal(outbox_enqueue(fx->st, "note", "uuid:1", "{}", &id), 0);
	assert_int_equal(outbox_mark_failed(fx->st, id, "bad"), 0);
	assert_int_equal(outbox_next_due(fx->st, INT64_MAX, &it), ENOENT);
	assert_int_equal(outbox_requeue(fx->st, id), 0);
	assert_int_equal(outbox_get_by_key(fx->st, "uuid:1", &it), 0);
	assert_int_equal(it.state, OUTBOX_QUEUED);
	outbox_item_clear(&it);
	assert_int_equal(outbox_get_by_key(fx->st, "uuid:2", &it), ENOENT);

	/* Amend: a failed item gets its corrected body, its attempts reset, due now; a queued
	 * one keeps its attempts; sent, sending and absent items are refused. */
	assert_int_equal(outbox_amend(fx->st, id, NULL), EINVAL);
	assert_int_equal(outbox_amend(fx->st, id, ""), EINVAL);
	assert_int_equal(outbox_amend(fx->st, 999999, "{}"), ENOENT);
	assert_int_equal(outbox_mark_sending(fx->st, id), 0);
	assert_int_equal(outbox_amend(fx->st, id, "{\"a\":1}"), EALREADY);
	assert_int_equal(outbox_mark_failed(fx->st, id, "422 disposition"), 0);
	assert_int_equal(outbox_amend(fx->st, id, "{\"a\":2}"), 0);
	assert_int_equal(outbox_next_due(fx->st, INT64_MAX, &it), 0);
	assert_int_equal(it.id, id);
	assert_string_equal(it.body, "{\"a\":2}");
	assert_int_equal(it.attempts, 0);
	outbox_item_clear(&it);
	assert_int_equal(outbox_mark_sending(fx->st, id), 0);
	assert_int_equal(outbox_mark_retry(fx->st, id, INT64_MAX, "later"), 0);
	assert_int_equal(outbox_amend(fx->st, id, "{\"a\":3}"), 0);
	assert_int_equal(outbox_get(fx->st, id, &it), 0);
	assert_int_equal(it.attempts, 1);
	assert_true(it.next_at < INT64_MAX);
	assert_string_equal(it.body, "{\"a\":3}");
	outbox_item_clear(&it);
	assert_int_equal(outbox_mark_sending(fx->st, id), 0);
	assert_int_equal(outbox_mark_sent(fx->st, id, 7, NULL), 0);
	assert_int_equal(outbox_amend(fx->st, id, "{}"), EALREADY);
}

/* Oldest due first; ties broken by id. */
static void test_outbox_order(void **state)
{
	struct storetest *fx = *state;
	struct outbox_item it;
	int64_t a, b, c;

	assert_int_equal(outbox_enqueue(fx->st, "call", "k:a", "{}", &a), 0);
	assert_int_equal(outbox_enqueue(fx->st, "call", "k:b", "{}", &b), 0);
	assert_int_equal(outbox_enqueue(fx->st, "call", "k:c", "{}", &c), 0);
	assert_int_equal(outbox_mark_retry(fx->st, a, 300, NULL), 0);
	assert_int_equal(outbox_mark_retry(fx->st, b, 200, NULL), 0);
	assert_int_equal(outbox_mark_retry(fx->st, c, 200, NULL), 0);
	assert_int_equal(outbox_next_due(fx->st, 1000, &it), 0);
	assert_int_equal(it.id, b);
	outbox_item_clear(&it);
	assert_int_equal(outbox_mark_sending(fx->st, b), 0);
	assert_int_equal(outbox_next_due(fx->st, 1000, &it), 0);
	assert_int_equal(it.id, c);
	outbox_item_clear(&it);
}

struct collect {
	int n;
	int64_t ids[8];
	struct store *st;
};

static int collect_cb(const struct outbox_item *it, void *arg)
{
	struct collect *c = arg;

	if (c->n < 8)
		c->ids[c->n] = it->id;
	c->n++;
	return 0;
}

/* The recovery rule: after a crash, items left in `sending` are listed for reconciliation
 * and never handed out as due. */
static int reconcile_cb(const struct outbox_item *it, void *arg)
{
	struct collect *c = arg;

	c->n++;
	/* Pretend the remote has it: the callback writes to the store while listing. */
	return outbox_mark_sent(c->st, it->id, 555, NULL);
}

static void test_outbox_recovery(void **state)
{
	struct storetest *fx = *state;
	struct collect c = {0};
	struct outbox_item it;
	int64_t a, b;

	assert_int_equal(outbox_enqueue(fx->st, "call", "task:1", "{}", &a), 0);
	assert_int_equal(outbox_enqueue(fx->st, "call", "task:2", "{}", &b), 0);
	assert_int_equal(outbox_mark_sending(fx->st, a), 0);
	storetest_reopen(fx); /* the process died between the POST and mark_sent */
	assert_int_equal(outbox_stuck_sending(fx->st, collect_cb, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], a);
	assert_int_equal(outbox_next_due(fx->st, INT64_MAX, &it), 0);
	assert_int_equal(it.id, b);
	outbox_item_clear(&it);
	memset(&c, 0, sizeof(c));
	c.st = fx->st;
	assert_int_equal(outbox_stuck_sending(fx->st, reconcile_cb, &c), 0);
	assert_int_equal(c.n, 1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(outbox_stuck_sending(fx->st, collect_cb, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(outbox_list(fx->st, collect_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(outbox_list(fx->st, NULL, &c), EINVAL);
}

/* ---- attempts ---- */

static struct attempt mk(const char *number, int64_t t, const char *outcome, bool dropped)
{
	struct attempt a;

	memset(&a, 0, sizeof(a));
	(void)text_copy(a.session_id, sizeof(a.session_id), "s1");
	a.line = 1;
	(void)text_copy(a.number, sizeof(a.number), number);
	a.started_at_ms = t;
	(void)text_copy(a.outcome, sizeof(a.outcome), outcome);
	a.live_answer_dropped = dropped;
	return a;
}

static void test_attempts_validation(void **state)
{
	struct storetest *fx = *state;
	struct attempt a;

	assert_true(attempts_outcome_valid(""));
	assert_true(attempts_outcome_valid("voicemail"));
	assert_false(attempts_outcome_valid("Voicemail"));
	assert_false(attempts_outcome_valid(NULL));
	assert_false(attempts_outcome_valid("connected'; --"));
	a = mk("+15550100", 1, "exploded", false);
	assert_int_equal(attempts_insert(fx->st, &a), EINVAL);
	a = mk("", 1, "", false);
	assert_int_equal(attempts_insert(fx->st, &a), EINVAL);
	a = mk("+15550100", 1, "", false);
	a.id = 99;
	assert_int_equal(attempts_update(fx->st, &a), ENOENT);
	assert_int_equal(attempts_get(fx->st, 99, &a), ENOENT);
}

static void test_attempts_roundtrip(void **state)
{
	struct storetest *fx = *state;
	struct attempt a, b;

	a = mk("+15550100", 1000, "", false);
	a.person_id = 164510523;
	a.task_id = 0;
	a.action_id = 77;
	assert_int_equal(attempts_insert(fx->st, &a), 0);
	assert_true(a.id > 0);
	a.ringing_at_ms = 1500;
	a.answered_at_ms = 4000;
	a.ended_at_ms = 9000;
	a.sip_code = 200;
	(void)text_copy(a.reason, sizeof(a.reason), "OK \x1b[31m'; DROP TABLE dial_attempts;--");
	(void)text_copy(a.outcome, sizeof(a.outcome), "connected");
	(void)text_copy(a.amd, sizeof(a.amd), "human");
	assert_int_equal(attempts_update(fx->st, &a), 0);
	assert_int_equal(attempts_get(fx->st, a.id, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	/* 0 means NULL in the table. */
	{
		sqlite3_stmt *stmt;

		assert_int_equal(sqlite3_prepare_v2(store_sqlite(fx->st),
		                                    "SELECT task_id IS NULL FROM dial_attempts", -1,
		                                    &stmt, NULL),
		                 SQLITE_OK);
		assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(stmt, 0), 1);
		sqlite3_finalize(stmt);
	}
}

static void test_attempts_abandon_rate(void **state)
{
	static const struct {
		const char *outcome;
		bool dropped;
		int64_t t;
	} rows[] = {
	        {"connected", false, 100}, {"connected", false, 200}, {"connected", false, 300},
	        {"busy", false, 400},      {"voicemail", false, 500}, {"no_answer", false, 600},
	        {"cancelled", true, 700}, /* a live answer dropped: no agent free */
	        {"connected", false, 50}, /* before the window */
	        {"cancelled", true, 10},  /* before the window */
	};
	struct storetest *fx = *state;
	struct attempt a;
	int64_t live = -1;
	double rate = -1;
	unsigned i;

	assert_int_equal(attempts_abandon_rate(fx->st, 0, &rate, &live), 0);
	assert_true(rate == 0.0);
	assert_int_equal(live, 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		a = mk("+15550100", rows[i].t, rows[i].outcome, rows[i].dropped);
		assert_int_equal(attempts_insert(fx->st, &a), 0);
	}
	assert_int_equal(attempts_abandon_rate(fx->st, 100, &rate, &live), 0);
	assert_int_equal(live, 4);
	assert_true(rate > 0.2499 && rate < 0.2501);
	assert_int_equal(attempts_abandon_rate(fx->st, 0, &rate, NULL), 0);
	assert_true(rate > 0.3333 && rate < 0.3334);
	assert_int_equal(attempts_abandon_rate(fx->st, 701, NULL, &live), 0);
	assert_int_equal(live, 0);
}

/* Per rep and per campaign, and the compliance report grouped the same way. */
static void test_attempts_by_user_campaign(void **state)
{
	static const struct {
		int64_t user;
		const char *campaign, *outcome;
		bool dropped, ident;
		const char *zone;
		int local_min;
		int line;
	} rows[] = {
	        {7, "cadence:1", "connected", false, false, "America/New_York", 8 * 60, 1},
	        {7, "cadence:1", "cancelled", true, true, "America/New_York", 8 * 60, 2},
	        {7, "cadence:1", "no_answer", false, false, "America/New_York", 21 * 60, 3},
	        {7, "cadence:1", "busy", false, false, "America/New_York", 7 * 60 + 59, 4},
	        {7, "tasks", "connected", false, false, "", 0, 1},
	        {7, "tasks", "invalid_number", false, false, "", 0, 0}, /* never dialled */
	        {9, "cadence:1", "connected", false, false, "Europe/Berlin", 20 * 60 + 59, 1},
	        {9, "cadence:1", "cancelled", true, false, "Europe/Berlin", 12 * 60, 2},
	        {0, "", "connected", false, false, "", 0, 1},
	};
	struct storetest *fx = *state;
	struct attempt a, b;
	int64_t live, dropped;
	unsigned i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		a = mk("+15550100", 1000 + i, rows[i].outcome, rows[i].dropped);
		a.user_id = rows[i].user;
		(void)text_copy(a.campaign, sizeof(a.campaign), rows[i].campaign);
		a.ident_played = rows[i].ident;
		(void)text_copy(a.zone, sizeof(a.zone), rows[i].zone);
		a.local_min = rows[i].local_min;
		a.line = rows[i].line;
		assert_int_equal(attempts_insert(fx->st, &a), 0);
	}
	assert_int_equal(attempts_get(fx->st, 2, &b), 0);
	assert_int_equal(b.user_id, 7);
	assert_string_equal(b.campaign, "cadence:1");
	assert_true(b.ident_played);
	assert_string_equal(b.zone, "America/New_York");
	assert_int_equal(b.local_min, 480);
	/* No zone: local_min is NULL in the table, not midnight. */
	assert_int_equal(storetest_int(fx->st,
	                               "SELECT local_min IS NULL FROM dial_attempts "
	                               "WHERE id = ?1",
	                               5),
	                 1);

	assert_int_equal(attempts_abandon_counts(fx->st, 0, 7, NULL, &live, &dropped), 0);
	assert_int_equal(live, 3);
	assert_int_equal(dropped, 1);
	assert_int_equal(attempts_abandon_counts(fx->st, 0, 0, "cadence:1", &live, &dropped), 0);
	assert_int_equal(live, 4);
	assert_int_equal(dropped, 2);
	assert_int_equal(attempts_abandon_counts(fx->st, 0, 9, "cadence:1", &live, &dropped), 0);
	assert_int_equal(live, 2);
	assert_int_equal(dropped, 1);
	assert_int_equal(attempts_abandon_counts(fx->st, 0, 0, "", &live, &dropped), 0);
	assert_int_equal(live, 1);
	assert_int_equal(attempts_abandon_counts(fx->st, 0, 0, NULL, &live, &dropped), 0);
	assert_int_equal(live, 6);
	assert_int_equal(dropped, 2);
	assert_int_equal(attempts_abandon_counts(fx->st, 1005, 0, NULL, &live, &dropped), 0);
	assert_int_equal(live, 3);
	assert_int_equal(attempts_abandon_counts(NULL, 0, 0, NULL, &live, &dropped), EINVAL);
}

struct report_seen {
	struct attempts_report_row rows[8];
	unsigned n;
};

static int report_row(const struct attempts_report_row *r, void *arg)
{
	struct report_seen *seen = arg;

	if (seen->n < 8)
		seen->rows[seen->n++] = *r;
	return 0;
}

static void test_attempts_report(void **state)
{
	struct storetest *fx = *state;
	struct report_seen seen;

	test_attempts_by_user_campaign(state);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(attempts_report(fx->st, 0, 480, 1260, report_row, &seen), 0);
	assert_int_equal(seen.n, 4);
	/* (0, ""): one connected call, no zone. */
	assert_int_equal(seen.rows[0].user_id, 0);
	assert_int_equal(seen.rows[0].dials, 1);
	assert_int_equal(seen.rows[0].no_zone, 1);
	/* (7, cadence:1): 4 dials, 2 live, 1 dropped with the message, 21:00 and 07:59 outside. */
	assert_int_equal(seen.rows[1].user_id, 7);
	assert_string_equal(seen.rows[1].campaign, "cadence:1");
	assert_int_equal(seen.rows[1].dials, 4);
	assert_int_equal(seen.rows[1].live, 2);
	assert_int_equal(seen.rows[1].dropped, 1);
	assert_int_equal(seen.rows[1].ident_played, 1);
	assert_int_equal(seen.rows[1].outside_hours, 2);
	assert_int_equal(seen.rows[1].no_zone, 0);
	/* (7, tasks): the never-dialled number is not a dial. */
	assert_string_equal(seen.rows[2].campaign, "tasks");
	assert_int_equal(seen.rows[2].dials, 1);
	assert_int_equal(seen.rows[3].user_id, 9);
	assert_int_equal(seen.rows[3].outside_hours, 0);
	assert_int_equal(seen.rows[3].dropped, 1);
	/* Narrower hours find more. */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(attempts_report(fx->st, 0, 540, 1020, report_row, &seen), 0);
	assert_int_equal(seen.rows[1].outside_hours, 4);
	assert_int_equal(seen.rows[3].outside_hours, 1);
	assert_int_equal(attempts_report(fx->st, 0, 480, 1260, NULL, NULL), EINVAL);
}

static void test_attempts_recent_bad(void **state)
{
	static const struct {
		const char *number;
		const char *outcome;
		int64_t t;
	} rows[] = {
	        {"+15550100", "invalid_number", 100}, {"+15550100", "network", 200},
	        {"+15550100", "failed", 300},         {"+15550100", "busy", 400},
	        {"+15550100", "no_answer", 500},      {"+15550100", "invalid_number", 10},
	        {"+15550199", "invalid_number", 300}, {"+15550100", "", 600},
	};
	struct storetest *fx = *state;
	struct attempt a;
	unsigned i;
	int n = -1;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		a = mk(rows[i].number, rows[i].t, rows[i].outcome, false);
		assert_int_equal(attempts_insert(fx->st, &a), 0);
	}
	assert_int_equal(attempts_number_recent_bad(fx->st, "+15550100", 100, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(attempts_number_recent_bad(fx->st, "+15550100", 0, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(attempts_number_recent_bad(fx->st, "'; DROP TABLE x;--", 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(attempts_number_recent_bad(fx->st, NULL, 0, &n), EINVAL);
}

static int count_attempt(const struct attempt *a, void *arg)
{
	int *n = arg;

	(*n)++;
	return *n == 2 ? 7 : 0;
}

static void test_attempts_list(void **state)
{
	struct storetest *fx = *state;
	struct attempt a;
	int i, n = 0;

	for (i = 0; i < 3; i++) {
		a = mk("+15550100", 100 + i, "busy", false);
		assert_int_equal(attempts_insert(fx->st, &a), 0);
	}
	assert_int_equal(attempts_list(fx->st, 0, 0, count_attempt, &n), 7);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(attempts_list(fx->st, 102, 0, count_attempt, &n), 0);
	assert_int_equal(n, 1);
}

/* ---- webhook events ---- */

struct applied {
	struct store *st;
	int n;
	int64_t last;
	bool fail_first;
};

/* Applies each event (marks it), failing the first one when asked. */
static int apply_cb(const struct whevent *ev, void *arg)
{
	struct applied *ap = arg;

	assert_true(ev->id > ap->last);
	assert_true(ev->signature_ok);
	ap->last = ev->id;
	ap->n++;
	if (ap->fail_first && ap->n == 1)
		return whevents_mark_applied(ap->st, ev->id, "person 9 not found");
	return whevents_mark_applied(ap->st, ev->id, NULL);
}

static void test_whevents(void **state)
{
	static const char body[] = "{\"id\":1,\"subject\":\"Call \\\"Ann\\\"\"}";
	struct storetest *fx = *state;
	struct applied ap = {fx->st, 0, 0, true};
	int64_t a, b, c, d;
	unsigned pruned;

	assert_int_equal(whevents_put(fx->st, 1, "", true, "{}", 2, &a), EINVAL);
	assert_int_equal(whevents_put(fx->st, 1, "x", true, NULL, 0, &a), EINVAL);
	assert_int_equal(whevents_put(fx->st, 100, "task_updated", true, body, strlen(body), &a),
	                 0);
	assert_int_equal(whevents_put(fx->st, 101, "person_deleted", false, "{\"id\":2}", 8, &b),
	                 0);
	/* A body with a NUL inside and no terminator: stored as given, up to len. */
	assert_int_equal(whevents_put(fx->st, 102, "person_updated", true, "{\"id\":3}xxxx", 8, &c),
	                 0);
	assert_int_equal(
	        whevents_put(fx->st, 103, "'; DROP TABLE webhook_events;--", true, "{}", 2, &d), 0);
	storetest_reopen(fx); /* durable before the 2xx */
	ap.st = fx->st;
	assert_int_equal(whevents_pending(fx->st, apply_cb, &ap), 0);
	assert_int_equal(ap.n, 3); /* the bad signature is never offered */
	/* The failed one is still pending; the others are done. */
	memset(&ap, 0, sizeof(ap));
	ap.st = fx->st;
	assert_int_equal(whevents_pending(fx->st, apply_cb, &ap), 0);
	assert_int_equal(ap.n, 1);
	assert_int_equal(ap.last, a);
	memset(&ap, 0, sizeof(ap));
	ap.st = fx->st;
	assert_int_equal(whevents_pending(fx->st, apply_cb, &ap), 0);
	assert_int_equal(ap.n, 0);
	assert_int_equal(whevents_mark_applied(fx->st, 999, NULL), ENOENT);
	/* Pruning drops applied and bad-signature events received before the cut. */
	assert_int_equal(whevents_prune(fx->st, 102, &pruned), 0);
	assert_int_equal(pruned, 2);
	assert_int_equal(whevents_prune(fx->st, 1000, &pruned), 0);
	assert_int_equal(pruned, 2);
	(void)c;
	(void)d;
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, storetest_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_tokens_bad_input),
	        T(test_tokens_roundtrip_and_rotation),
	        T(test_tokens_atomic),
	        cmocka_unit_test(test_outbox_names),
	        T(test_outbox_enqueue_edges),
	        T(test_outbox_dedupe),
	        T(test_outbox_state_machine),
	        T(test_outbox_order),
	        T(test_outbox_recovery),
	        T(test_attempts_validation),
	        T(test_attempts_roundtrip),
	        T(test_attempts_abandon_rate),
	        T(test_attempts_by_user_campaign),
	        T(test_attempts_report),
	        T(test_attempts_recent_bad),
	        T(test_attempts_list),
	        T(test_whevents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * status: the status model read from a real store file: a fresh store, each token health,
 * the rate figures (saved, malformed, live), the outbox, the webhooks and the per-object rows.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/outbox.h"
#include "loftdial/records.h"
#include "loftdial/status.h"
#include "loftdial/syncsess.h"
#include "loftdial/syncstate.h"
#include "loftdial/tokens.h"
#include "loftdial/webhook_rx.h"
#include "loftdial/whevents.h"
#include "storetest.h"

#define NOW 1700000000

static int setup(void **state)
{
	return storetest_setup(state, "status");
}

/* Saves credentials of kind with the given expiry and refresh token. */
static void connect_as(struct store *st, const char *kind, int64_t expires_at, const char *refresh)
{
	struct tokens *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	strcpy(t->kind, kind);
	strcpy(t->access_token, "at_secret");
	strcpy(t->refresh_token, refresh);
	t->expires_at = expires_at;
	t->user_id = 7;
	strcpy(t->user_guid, "g-7");
	strcpy(t->user_email, "rita@team.example");
	strcpy(t->user_name, "Rita \x1b[31mRep");
	assert_int_equal(tokens_save(st, t), 0);
	free(t);
}

static struct status *read_status(struct store *st, const char *op)
{
	static struct status s;

	memset(&s, 0xa5, sizeof(s));
	assert_int_equal(status_read(st, op, NOW, &s), 0);
	return &s;
}

static void bad_args(void **state)
{
	struct storetest *fx = *state;
	struct status s;

	assert_int_equal(status_read(NULL, NULL, NOW, &s), EINVAL);
	assert_int_equal(status_read(fx->st, NULL, NOW, NULL), EINVAL);
	status_live(NULL, NULL);
	status_live(&s, NULL);
	assert_string_equal(status_token_name(STATUS_TOKEN_NONE), "none");
	assert_string_equal(status_token_name(STATUS_TOKEN_REVOKED), "revoked");
	assert_string_equal(status_token_name((enum status_token)99), "?");
	assert_string_equal(status_token_name((enum status_token) - 1), "?");
	assert_string_equal(status_calls_as_error(EPERM), "the connected user is not a team admin");
	assert_string_equal(status_calls_as_error(ENOENT), "no matching Salesloft user");
}

/* A store nothing has happened to: not connected, nothing seen, every object listed. */
static void fresh_store(void **state)
{
	struct storetest *fx = *state;
	struct status *s = read_status(fx->st, NULL);
	int i;

	assert_int_equal(s->read_at, NOW);
	assert_false(s->conn.connected);
	assert_int_equal(s->conn.token, STATUS_TOKEN_NONE);
	assert_string_equal(s->conn.kind, "");
	assert_string_equal(s->conn.auth_error, "");
	assert_int_equal(s->calls_as.err, ENOENT);
	assert_string_equal(s->calls_as.operator_email, "");
	assert_false(s->rate.seen);
	assert_true(s->outbox_ok);
	assert_int_equal(s->outbox.queued + s->outbox.failed + s->outbox.sent, 0);
	assert_int_equal(s->webhooks.subscriptions, 0);
	assert_false(s->webhooks.token_set);
	assert_int_equal(s->webhooks.pending_events, 0);
	for (i = 0; i < STORE_OBJ_COUNT; i++) {
		assert_int_equal(s->objs[i].obj, i);
		assert_string_equal(s->objs[i].name, store_obj_name((enum store_obj)i));
		assert_non_null(s->objs[i].strategy);
		assert_int_equal(s->objs[i].rows, 0);
		assert_int_equal(s->objs[i].deleted, 0);
		assert_string_equal(s->objs[i].ss.last_result, "");
		assert_int_equal(s->objs[i].ss.last_run, 0);
	}
	assert_string_equal(s->objs[STORE_PEOPLE].strategy, "cursor");
	assert_string_equal(s->objs[STORE_USERS].strategy, "relist");
}

/* Token health at NOW for each kind of credentials. */
static void token_health(void **state)
{
	static const struct {
		const char *kind;
		int64_t expires_at;
		const char *refresh;
		enum status_token want;
	} cases[] = {
	        {"api_key", 0, "", STATUS_TOKEN_OK},
	        {"oauth", NOW + 3600, "rt", STATUS_TOKEN_OK},
	        {"oauth", NOW + STATUS_REFRESH_MARGIN + 1, "", STATUS_TOKEN_OK},
	        {"oauth", NOW + STATUS_REFRESH_MARGIN, "rt", STATUS_TOKEN_REFRESH_DUE},
	        {"oauth", NOW - 10, "rt", STATUS_TOKEN_REFRESH_DUE},
	        {"oauth", NOW - 10, "", STATUS_TOKEN_EXPIRED},
	        {"oauth", NOW + 10, "", STATUS_TOKEN_EXPIRED},
	};
	struct storetest *fx = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct status *s;

		connect_as(fx->st, cases[i].kind, cases[i].expires_at, cases[i].refresh);
		s = read_status(fx->st, "");
		assert_true(s->conn.connected);
		assert_string_equal(s->conn.kind, cases[i].kind);
		assert_int_equal(s->conn.expires_at, cases[i].expires_at);
		assert_int_equal(s->conn.token, cases[i].want);
		assert_int_equal(s->conn.user_id, 7);
		assert_string_equal(s->conn.user_guid, "g-7");
		/* Verbatim: sanitizing is the face's job. */
		assert_string_equal(s->conn.user_name, "Rita \x1b[31mRep");
	}
}

/* The connected user logs the calls unless an operator is named. */
static void calls_as(void **state)
{
	struct storetest *fx = *state;
	struct status *s;
	cJSON *j = cJSON_Parse("{\"id\":7,\"guid\":\"g-7\",\"name\":\"Rita\",\"email\":"
	                       "\"rita@team.example\",\"active\":true,\"team_admin\":false}");

	assert_int_equal(records_upsert(fx->st, STORE_USERS, j, 0), 0);
	cJSON_Delete(j);
	connect_as(fx->st, "api_key", 0, "");
	s = read_status(fx->st, NULL);
	assert_int_equal(s->calls_as.err, 0);
	assert_string_equal(s->calls_as.user.guid, "g-7");
	s = read_status(fx->st, "nobody@team.example");
	assert_int_equal(s->calls_as.err, ENOENT);
	assert_string_equal(s->calls_as.operator_email, "nobody@team.example");
	assert_int_equal(s->objs[STORE_USERS].rows, 1);
}

static void rate(void **state)
{
	struct storetest *fx = *state;
	long rem = 0;
	unsigned lim = 0;
	int64_t at = 0;
	struct status *s;

	assert_int_equal(syncsess_load_rate(fx->st, &rem, &lim, &at), ENOENT);
	assert_int_equal(syncsess_load_rate(NULL, &rem, &lim, &at), EINVAL);
	assert_int_equal(store_meta_set(fx->st, SYNCSESS_RATE_KEY, "597 600 1699999999"), 0);
	s = read_status(fx->st, NULL);
	assert_true(s->rate.seen);
	assert_false(s->rate.live);
	assert_int_equal(s->rate.remaining, 597);
	assert_int_equal(s->rate.limit, 600);
	assert_int_equal(s->rate.seen_at, 1699999999);
	assert_int_equal(store_meta_set(fx->st, SYNCSESS_RATE_KEY, "597 lots"), 0);
	assert_int_equal(syncsess_load_rate(fx->st, &rem, &lim, &at), EBADMSG);
	s = read_status(fx->st, NULL);
	assert_false(s->rate.seen);
}

static void outbox_and_webhooks(void **state)
{
	struct storetest *fx = *state;
	struct status *s;
	int64_t id = 0;

	assert_int_equal(outbox_enqueue(fx->st, "call", "task:1", "{}", &id), 0);
	assert_int_equal(outbox_enqueue(fx->st, "call", "task:2", "{}", NULL), 0);
	assert_int_equal(outbox_mark_failed(fx->st, id, "422"), 0);
	assert_int_equal(store_meta_set(fx->st, WEBHOOK_RX_SUBS_KEY, "11,12,13"), 0);
	assert_int_equal(
	        store_meta_set(fx->st, WEBHOOK_RX_TOKEN_KEY, "0123456789abcdef0123456789abcdef"),
	        0);
	assert_int_equal(whevents_put(fx->st, NOW, "person_updated", true, "{}", 2, NULL), 0);
	s = read_status(fx->st, NULL);
	assert_int_equal(s->outbox.queued, 1);
	assert_int_equal(s->outbox.failed, 1);
	assert_int_equal(s->webhooks.subscriptions, 3);
	assert_true(s->webhooks.token_set);
	assert_int_equal(s->webhooks.pending_events, 1);
}

/* Rows, deleted rows and the sync state of one object. */
/* A connection counts as made elsewhere unless both saved URLs match (trailing '/' ignored);
 * one saved before loftdial recorded its URLs counts as elsewhere too. */
static void urls(void **state)
{
	struct storetest *fx = *state;
	struct tokens *t = calloc(1, sizeof(*t));
	struct status *s;

	assert_non_null(t);
	status_check_urls(NULL, "a", "b");
	s = read_status(fx->st, NULL);
	status_check_urls(s, "http://a", "http://b");
	assert_false(s->conn.elsewhere); /* not connected at all */
	connect_as(fx->st, "api_key", 0, "");
	s = read_status(fx->st, NULL);
	status_check_urls(s, "http://a", "http://b");
	assert_true(s->conn.elsewhere);
	assert_int_equal(tokens_load(fx->st, t), 0);
	strcpy(t->api_url, "http://a");
	strcpy(t->accounts_url, "http://b");
	assert_int_equal(tokens_save(fx->st, t), 0);
	s = read_status(fx->st, NULL);
	assert_string_equal(s->conn.api_url, "http://a");
	status_check_urls(s, "http://a/", "http://b");
	assert_false(s->conn.elsewhere);
	status_check_urls(s, "http://c", "http://b");
	assert_true(s->conn.elsewhere);
	status_check_urls(s, "http://a", "http://c");
	assert_true(s->conn.elsewhere);
	status_check_urls(s, NULL, NULL);
	assert_true(s->conn.elsewhere);
	explicit_bzero(t, sizeof(*t));
	free(t);
}

static void objects(void **state)
{
	struct storetest *fx = *state;
	struct syncstate ss = {.generation = 3, .last_run = NOW - 60, .records_seen = 2};
	struct status *s;
	int i;

	for (i = 1; i <= 3; i++) {
		char json[64];
		cJSON *j;

		snprintf(json, sizeof(json), "{\"id\":%d,\"updated_at\":\"2024-01-0%dT00:00:00Z\"}",
		         i, i);
		j = cJSON_Parse(json);
		assert_int_equal(records_upsert(fx->st, STORE_ACCOUNTS, j, 0), 0);
		cJSON_Delete(j);
	}
	assert_int_equal(records_delete(fx->st, STORE_ACCOUNTS, 2), 0);
	strcpy(ss.cursor, "2024-01-03T00:00:00Z");
	strcpy(ss.last_result, "error");
	strcpy(ss.last_error, "HTTP 500");
	assert_int_equal(syncstate_put(fx->st, STORE_ACCOUNTS, &ss), 0);
	s = read_status(fx->st, NULL);
	assert_int_equal(s->objs[STORE_ACCOUNTS].rows, 2);
	assert_int_equal(s->objs[STORE_ACCOUNTS].deleted, 1);
	assert_string_equal(s->objs[STORE_ACCOUNTS].ss.cursor, "2024-01-03T00:00:00Z");
	assert_string_equal(s->objs[STORE_ACCOUNTS].ss.last_result, "error");
	assert_string_equal(s->objs[STORE_ACCOUNTS].ss.last_error, "HTTP 500");
	assert_int_equal(s->objs[STORE_ACCOUNTS].ss.generation, 3);
	assert_int_equal(s->objs[STORE_PEOPLE].rows, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(bad_args, setup, storetest_teardown),
	        cmocka_unit_test_setup_teardown(fresh_store, setup, storetest_teardown),
	        cmocka_unit_test_setup_teardown(token_health, setup, storetest_teardown),
	        cmocka_unit_test_setup_teardown(calls_as, setup, storetest_teardown),
	        cmocka_unit_test_setup_teardown(rate, setup, storetest_teardown),
	        cmocka_unit_test_setup_teardown(outbox_and_webhooks, setup, storetest_teardown),
	        cmocka_unit_test_setup_teardown(objects, setup, storetest_teardown),
	        cmocka_unit_test_setup_teardown(urls, setup, storetest_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

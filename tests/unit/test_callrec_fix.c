/*
 * Unit tests for callrec_fix() and outbox_retry_now(), the functions the command line's
 * `outbox fix|retry` and the TUI's Outbox screen share: a failed record corrected with the
 * team's spelling and queued with its tries reset, "" removing a field and NULL leaving it,
 * a name the team lacks refused with a sentence and nothing written, records that are not
 * failed or queued call records refused, a body that is not an object, a missing item, bad
 * arguments; retry of a failed and of a waiting record, and of one in another state.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "loftdial/callrec.h"
#include "loftdial/outbox.h"
#include "loftdial/records.h"
#include "loftdial/store.h"

static int setup(void **state)
{
	struct store *st;

	if (store_open(&st, ":memory:"))
		return -1;
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	store_close(*state);
	return 0;
}

static void put_name(struct store *st, int64_t id, const char *name, bool sentiment)
{
	char js[256];
	cJSON *o;

	snprintf(js, sizeof(js),
	         "{\"id\":%lld,\"name\":\"%s\",\"created_at\":\"2026-01-01T00:00:00Z\","
	         "\"updated_at\":\"2026-01-01T00:00:00Z\"}",
	         (long long)id, name);
	o = cJSON_Parse(js);
	assert_non_null(o);
	assert_int_equal(
	        records_upsert(st, sentiment ? STORE_SENTIMENTS : STORE_DISPOSITIONS, o, 0), 0);
	cJSON_Delete(o);
}

/* A call record refused by Salesloft: failed after two tries. */
static int64_t refused(struct store *st, const char *key, const char *body)
{
	int64_t id;

	assert_int_equal(outbox_enqueue(st, "call", key, body, &id), 0);
	assert_int_equal(outbox_mark_sending(st, id), 0);
	assert_int_equal(outbox_mark_retry(st, id, 0, "HTTP 503"), 0);
	assert_int_equal(outbox_mark_sending(st, id), 0);
	assert_int_equal(
	        outbox_mark_failed(st, id, "HTTP 422: {\"disposition\":[\"can't be blank\"]}"), 0);
	return id;
}

/* The string member name of the item's body ("" when absent). */
static void body_field(struct store *st, int64_t id, const char *name, char *out, size_t n)
{
	struct outbox_item it;
	cJSON *b, *v;

	memset(&it, 0, sizeof(it));
	assert_int_equal(outbox_get(st, id, &it), 0);
	b = cJSON_Parse(it.body);
	assert_non_null(b);
	v = cJSON_GetObjectItemCaseSensitive(b, name);
	snprintf(out, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
	cJSON_Delete(b);
	outbox_item_clear(&it);
}

static void test_fix_failed_record(void **state)
{
	struct store *st = *state;
	struct callrec_fix f = {"meeting booked", "", NULL};
	struct outbox_item it;
	char why[200], v[200];
	int64_t id;

	put_name(st, 1, "Meeting Booked", false);
	put_name(st, 2, "Positive", true);
	id = refused(
	        st, "task:1",
	        "{\"person_id\":7,\"task_id\":1,\"sentiment\":\"Positive\",\"notes\":\"keep\"}");
	assert_int_equal(callrec_fix(st, id, &f, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	memset(&it, 0, sizeof(it));
	assert_int_equal(outbox_get(st, id, &it), 0);
	assert_int_equal(it.state, OUTBOX_QUEUED);
	assert_int_equal(it.attempts, 0);
	assert_true(it.next_at <= (int64_t)time(NULL));
	outbox_item_clear(&it);
	body_field(st, id, "disposition", v, sizeof(v));
	assert_string_equal(v, "Meeting Booked"); /* the team's spelling */
	body_field(st, id, "sentiment", v, sizeof(v));
	assert_string_equal(v, ""); /* "" removed it */
	body_field(st, id, "notes", v, sizeof(v));
	assert_string_equal(v, "keep"); /* NULL left it */
	/* A queued record can be corrected again. */
	f.disposition = NULL;
	f.notes = "новая заметка";
	assert_int_equal(callrec_fix(st, id, &f, NULL, 0), 0);
	body_field(st, id, "notes", v, sizeof(v));
	assert_string_equal(v, "новая заметка");
	body_field(st, id, "disposition", v, sizeof(v));
	assert_string_equal(v, "Meeting Booked");
}

static void test_fix_refusals(void **state)
{
	struct store *st = *state;
	struct callrec_fix f = {"No Such \x1b[31mName", NULL, NULL};
	struct outbox_item it;
	char why[300], v[200];
	int64_t id, note, sent;

	put_name(st, 1, "Connected", false);
	id = refused(st, "task:2", "{\"person_id\":7,\"disposition\":\"Wrong\"}");
	/* A name the team lacks: a sentence (sanitized), nothing written. */
	assert_int_equal(callrec_fix(st, id, &f, why, sizeof(why)), ENOENT);
	assert_non_null(strstr(why, "the team has no call disposition named"));
	assert_null(strchr(why, '\x1b'));
	body_field(st, id, "disposition", v, sizeof(v));
	assert_string_equal(v, "Wrong");
	memset(&it, 0, sizeof(it));
	assert_int_equal(outbox_get(st, id, &it), 0);
	assert_int_equal(it.state, OUTBOX_FAILED);
	outbox_item_clear(&it);
	f.disposition = "Connected";
	f.sentiment = "Nope";
	assert_int_equal(callrec_fix(st, id, &f, why, sizeof(why)), ENOENT);
	assert_non_null(strstr(why, "call sentiment named 'Nope'"));
	/* Not a call record; a sent one; a body that is not an object; no such item. */
	assert_int_equal(outbox_enqueue(st, "note", "note:1", "{}", &note), 0);
	f.sentiment = NULL;
	assert_int_equal(callrec_fix(st, note, &f, why, sizeof(why)), EALREADY);
	assert_int_equal(outbox_enqueue(st, "call", "task:3", "{}", &sent), 0);
	assert_int_equal(outbox_mark_sending(st, sent), 0);
	assert_int_equal(outbox_mark_sent(st, sent, 5, NULL), 0);
	assert_int_equal(callrec_fix(st, sent, &f, why, sizeof(why)), EALREADY);
	id = refused(st, "task:4", "[1, 2]");
	assert_int_equal(callrec_fix(st, id, &f, why, sizeof(why)), EBADMSG);
	assert_int_equal(callrec_fix(st, 999, &f, why, sizeof(why)), ENOENT);
	assert_string_equal(why, "no such item");
	assert_int_equal(callrec_fix(NULL, id, &f, why, sizeof(why)), EINVAL);
	assert_int_equal(callrec_fix(st, id, NULL, why, sizeof(why)), EINVAL);
}

static void test_retry_now(void **state)
{
	struct store *st = *state;
	struct outbox_item it;
	int64_t failed, waiting, sending;
	int64_t now = (int64_t)time(NULL);

	failed = refused(st, "task:1", "{\"person_id\":1}");
	assert_int_equal(outbox_retry_now(st, failed), 0);
	memset(&it, 0, sizeof(it));
	assert_int_equal(outbox_get(st, failed, &it), 0);
	assert_int_equal(it.state, OUTBOX_QUEUED);
	assert_int_equal(it.attempts, 0);
	assert_true(it.next_at >= now && it.next_at <= now + 5);
	assert_non_null(it.last_error); /* kept until the next try */
	outbox_item_clear(&it);
	/* A record waiting an hour for its retry: due now, its tries kept. */
	assert_int_equal(outbox_enqueue(st, "call", "task:2", "{\"person_id\":2}", &waiting), 0);
	assert_int_equal(outbox_mark_sending(st, waiting), 0);
	assert_int_equal(outbox_mark_retry(st, waiting, now + 3600, "HTTP 503"), 0);
	assert_int_equal(outbox_retry_now(st, waiting), 0);
	memset(&it, 0, sizeof(it));
	assert_int_equal(outbox_get(st, waiting, &it), 0);
	assert_int_equal(it.state, OUTBOX_QUEUED);
	assert_int_equal(it.attempts, 1);
	assert_true(it.next_at <= now + 5);
	outbox_item_clear(&it);
	/* On the wire: refused; missing: ENOENT. */
	assert_int_equal(outbox_enqueue(st, "call", "task:3", "{\"person_id\":3}", &sending), 0);
	assert_int_equal(outbox_mark_sending(st, sending), 0);
	assert_int_equal(outbox_retry_now(st, sending), EALREADY);
	assert_int_equal(outbox_retry_now(st, 12345), ENOENT);
	assert_int_equal(outbox_retry_now(NULL, failed), EINVAL);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	        T(test_fix_failed_record),
	        T(test_fix_refusals),
	        T(test_retry_now),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for calllog: attempts, logged records and synced calls in one list newest
 * first; a record on the attempt it wraps up (the latest one to that person before it, or to
 * that number for a record without a person) and never on two rows; a sent record and its
 * synced call shown once; the outcome and date filters; the limit; a callback that stops;
 * hostile and long fields kept as text; bad arguments; the change stamp.
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
#include <unistd.h>

#include <cmocka.h>

#include "loftdial/attempts.h"
#include "loftdial/calllog.h"
#include "loftdial/outbox.h"
#include "loftdial/records.h"
#include "loftdial/store.h"
#include "storetest.h"

/* An ended attempt started ago_s seconds ago; answered calls talk for talk_s. */
static int64_t put_attempt(struct store *st, int64_t person, const char *number, int ago_s,
                           const char *outcome, int talk_s)
{
	struct attempt a;
	int64_t now_ms = (int64_t)time(NULL) * 1000;

	memset(&a, 0, sizeof(a));
	snprintf(a.session_id, sizeof(a.session_id), "s1");
	a.line = 1;
	snprintf(a.number, sizeof(a.number), "%s", number);
	a.person_id = person;
	a.started_at_ms = now_ms - (int64_t)ago_s * 1000;
	if (talk_s) {
		a.answered_at_ms = a.started_at_ms + 5000;
		a.ended_at_ms = a.answered_at_ms + (int64_t)talk_s * 1000;
	} else if (outcome) {
		a.ended_at_ms = a.started_at_ms + 20000;
	}
	snprintf(a.outcome, sizeof(a.outcome), "%s", outcome ? outcome : "");
	assert_int_equal(attempts_insert(st, &a), 0);
	return a.id;
}

struct seen {
	int n, stop_after;
	struct calllog c[32];
};

static int collect(const struct calllog *c, void *arg)
{
	struct seen *s = arg;

	if (s->n < 32)
		s->c[s->n] = *c;
	s->n++;
	return s->stop_after && s->n >= s->stop_after ? 7 : 0;
}

static void test_bad_arguments(void **state)
{
	struct store *st = storetest_store(state);
	struct calllog_query q = {.outcome = "not-an-outcome"};
	struct seen s = {0};
	uint64_t stamp;

	assert_int_equal(calllog_list(NULL, NULL, collect, &s), EINVAL);
	assert_int_equal(calllog_list(st, NULL, NULL, &s), EINVAL);
	assert_int_equal(calllog_list(st, &q, collect, &s), EINVAL);
	assert_int_equal(calllog_list(st, NULL, collect, &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(calllog_stamp(NULL, &stamp), EINVAL);
	assert_int_equal(calllog_stamp(st, NULL), EINVAL);
}

static void test_sources_matched_newest_first(void **state)
{
	struct store *st = storetest_store(state);
	struct seen s = {0};
	int64_t busy, talk, nobody, item, item2, live;

	storetest_put_person(st, 7, "Ada", "Lovelace");
	storetest_put_call(st, 900, 7, "2020-01-02T10:00:00Z", "No Answer"); /* long ago, synced */
	busy = put_attempt(st, 7, "+14155550101", 600, "busy", 0);
	talk = put_attempt(st, 7, "+14155550101", 300, "connected", 61);
	nobody = put_attempt(st, 0, "+14155550199", 200, "no_answer", 0);
	/* The wrap-up of the connected call: made after it, so it goes on that attempt only. */
	assert_int_equal(outbox_enqueue(st, "call", "task:1",
	                                "{\"person_id\":7,\"to\":\"+14155550101\",\"duration\":"
	                                "61,\"disposition\":\"Connected\",\"sentiment\":"
	                                "\"Positive\",\"notes\":\"спросить про бюджет\"}",
	                                &item),
	                 0);
	/* A record without a person goes on the attempt to its number. */
	assert_int_equal(outbox_enqueue(st, "call", "call:s1:3",
	                                "{\"to\":\"+14155550199\",\"disposition\":\"No Answer\"}",
	                                &item2),
	                 0);
	/* Not a call record, and a body that is not JSON: left out. */
	assert_int_equal(outbox_enqueue(st, "note", "note:1", "{\"person_id\":7}", NULL), 0);
	assert_int_equal(outbox_enqueue(st, "call", "action:3", "not json {", NULL), 0);
	live = put_attempt(st, 8, "+14155550102", 5, NULL, 0);
	assert_int_equal(calllog_list(st, NULL, collect, &s), 0);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.c[0].attempt_id, live);
	assert_true(s.c[0].live);
	assert_string_equal(s.c[0].outcome, "");
	assert_string_equal(s.c[0].state, "");
	assert_int_equal(s.c[1].attempt_id, nobody);
	assert_int_equal(s.c[1].outbox_id, item2);
	assert_string_equal(s.c[1].disposition, "No Answer");
	assert_string_equal(s.c[1].person, "");
	assert_int_equal(s.c[2].attempt_id, talk);
	assert_int_equal(s.c[2].outbox_id, item);
	assert_string_equal(s.c[2].person, "Ada Lovelace");
	assert_string_equal(s.c[2].outcome, "connected");
	assert_int_equal(s.c[2].duration_s, 61);
	assert_string_equal(s.c[2].disposition, "Connected");
	assert_string_equal(s.c[2].sentiment, "Positive");
	assert_string_equal(s.c[2].notes, "спросить про бюджет");
	assert_string_equal(s.c[2].state, "queued");
	assert_false(s.c[2].live);
	assert_int_equal(s.c[3].attempt_id, busy);
	assert_int_equal(s.c[3].outbox_id, 0);
	assert_string_equal(s.c[3].state, "");
	assert_string_equal(s.c[3].outcome, "busy");
	assert_int_equal(s.c[4].call_id, 900);
	assert_int_equal(s.c[4].attempt_id, 0);
	assert_string_equal(s.c[4].state, "synced");
	assert_string_equal(s.c[4].person, "Ada Lovelace");
	assert_int_equal(s.c[4].duration_s, 42);
	assert_int_equal(s.c[4].at, 1577959200); /* 2020-01-02 10:00 UTC */
}

static void test_record_without_attempt_and_sent_once(void **state)
{
	struct store *st = storetest_store(state);
	struct seen s = {0};
	int64_t item;

	assert_int_equal(outbox_enqueue(st, "call", "task:5",
	                                "{\"person_id\":3,\"disposition\":\"Connected\","
	                                "\"notes\":\"call back Tuesday\"}",
	                                &item),
	                 0);
	assert_int_equal(outbox_mark_sending(st, item), 0);
	assert_int_equal(outbox_mark_sent(st, item, 4444, "{}"), 0);
	storetest_put_call(st, 4444, 3, "2026-01-05T10:00:00Z",
	                   "Connected"); /* the sync brings it back */
	/* An attempt to that person made after the record: not its wrap-up. */
	put_attempt(st, 3, "+14155550103", -30, "no_answer", 0);
	assert_int_equal(calllog_list(st, NULL, collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.c[0].outbox_id, 0);
	assert_string_equal(s.c[0].outcome, "no_answer");
	assert_int_equal(s.c[1].attempt_id, 0);
	assert_int_equal(s.c[1].outbox_id, item);
	assert_int_equal(s.c[1].call_id, 4444);
	assert_string_equal(s.c[1].state, "sent");
	assert_string_equal(s.c[1].notes, "call back Tuesday");
}

static void test_filters_limit_and_stop(void **state)
{
	struct store *st = storetest_store(state);
	struct calllog_query q = {0};
	struct seen s = {0};
	int64_t now = (int64_t)time(NULL);
	int i;

	for (i = 0; i < 6; i++)
		put_attempt(st, 0, "+14155550100", 100 + i * 86400, i % 2 ? "busy" : "voicemail",
		            0);
	q.outcome = "busy";
	assert_int_equal(calllog_list(st, &q, collect, &s), 0);
	assert_int_equal(s.n, 3);
	for (i = 0; i < 3; i++)
		assert_string_equal(s.c[i].outcome, "busy");
	/* The last two days only. */
	memset(&s, 0, sizeof(s));
	q.outcome = "";
	q.since = now - 2 * 86400;
	assert_int_equal(calllog_list(st, &q, collect, &s), 0);
	assert_int_equal(s.n, 2);
	/* A day in the past: [since, until). */
	memset(&s, 0, sizeof(s));
	q.since = now - 4 * 86400;
	q.until = now - 3 * 86400;
	assert_int_equal(calllog_list(st, &q, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_true(s.c[0].at >= q.since && s.c[0].at < q.until);
	memset(&s, 0, sizeof(s));
	memset(&q, 0, sizeof(q));
	q.limit = 4;
	assert_int_equal(calllog_list(st, &q, collect, &s), 0);
	assert_int_equal(s.n, 4);
	assert_true(s.c[0].at >= s.c[1].at && s.c[1].at >= s.c[2].at);
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	assert_int_equal(calllog_list(st, NULL, collect, &s), 7);
	assert_int_equal(s.n, 2);
}

static void test_hostile_and_long_fields(void **state)
{
	struct store *st = storetest_store(state);
	struct seen s = {0};
	char body[4096];
	size_t n;

	n = (size_t)snprintf(body, sizeof(body),
	                     "{\"person_id\":11,\"disposition\":\"\\u001b[31mred\","
	                     "\"notes\":\"");
	memset(body + n, 'x', 2000);
	n += 2000;
	snprintf(body + n, sizeof(body) - n, "\"}");
	assert_int_equal(outbox_enqueue(st, "call", "action:11", body, NULL), 0);
	assert_int_equal(calllog_list(st, NULL, collect, &s), 0);
	assert_int_equal(s.n, 1);
	/* Kept as text (the face sanitizes), cut to the buffer. */
	assert_string_equal(s.c[0].disposition, "\x1b[31mred");
	assert_int_equal(strlen(s.c[0].notes), CALLLOG_NOTES_MAX - 1);
}

/* The stamp moves on this connection's changes and on another connection's commits, and
 * stays put otherwise. */
static void test_stamp(void **state)
{
	char path[] = "/tmp/calllog-XXXXXX";
	struct store *a, *b;
	uint64_t s1, s2, s3;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(store_open(&a, path), 0);
	assert_int_equal(store_open(&b, path), 0);
	assert_int_equal(calllog_stamp(a, &s1), 0);
	assert_int_equal(calllog_stamp(a, &s2), 0);
	assert_true(s1 == s2);
	put_attempt(a, 0, "+14155550100", 10, "busy", 0);
	assert_int_equal(calllog_stamp(a, &s2), 0);
	assert_true(s2 != s1);
	assert_int_equal(outbox_enqueue(b, "call", "task:9", "{\"person_id\":1}", NULL), 0);
	assert_int_equal(calllog_stamp(a, &s3), 0);
	assert_true(s3 != s2);
	store_close(b);
	store_close(a);
	unlink(path);
	close(fd);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, storetest_setup_memory, storetest_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_bad_arguments),
	        T(test_sources_matched_newest_first),
	        T(test_record_without_attempt_and_sent_once),
	        T(test_filters_limit_and_stop),
	        T(test_hostile_and_long_fields),
	        T(test_stamp),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}

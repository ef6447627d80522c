/*
 * Unit tests for callhist: a person's calls from the synced table and the outbox's call
 * records, newest first, a sent record shown once (with its notes), bad bodies and other
 * people left out, the limit, a callback that stops, and bad arguments.
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

#include "loftdial/callhist.h"
#include "loftdial/outbox.h"
#include "loftdial/records.h"
#include "loftdial/store.h"
#include "storetest.h"

struct seen {
	int n, stop_after;
	struct callhist c[32];
};

static int collect(const struct callhist *c, void *arg)
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
	struct seen s = {0};

	assert_int_equal(callhist_person(NULL, 1, 0, collect, &s), EINVAL);
	assert_int_equal(callhist_person(st, 1, 0, NULL, &s), EINVAL);
	assert_int_equal(callhist_person(st, 0, 0, collect, &s), EINVAL);
	assert_int_equal(callhist_person(st, -5, 0, collect, &s), EINVAL);
	assert_int_equal(callhist_person(st, 1, 0, collect, &s), 0);
	assert_int_equal(s.n, 0);
}

static void test_both_sources_newest_first(void **state)
{
	struct store *st = storetest_store(state);
	struct seen s = {0};
	int64_t item;

	storetest_put_call(st, 900, 7, "2026-01-02T10:00:00Z", "No Answer");
	storetest_put_call(st, 901, 7, "2026-01-03T10:00:00-05:00", "Connected");
	storetest_put_call(st, 902, 8, "2026-01-04T10:00:00Z", "Busy"); /* someone else */
	/* A record loftdial queued: newer than every synced call (created now). */
	assert_int_equal(outbox_enqueue(st, "call", "action:1",
	                                "{\"person_id\":7,\"to\":\"+14155550101\",\"duration\":"
	                                "61,\"disposition\":\"Left Voicemail\",\"sentiment\":"
	                                "\"Neutral\",\"notes\":\"спросить про бюджет\"}",
	                                &item),
	                 0);
	/* Another person's record, a body that is not JSON, and another kind. */
	assert_int_equal(outbox_enqueue(st, "call", "action:2", "{\"person_id\":8}", NULL), 0);
	assert_int_equal(outbox_enqueue(st, "call", "action:3", "not json {", NULL), 0);
	assert_int_equal(outbox_enqueue(st, "note", "note:1", "{\"person_id\":7}", NULL), 0);
	assert_int_equal(callhist_person(st, 7, 0, collect, &s), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.c[0].outbox_id, item);
	assert_int_equal(s.c[0].call_id, 0);
	assert_string_equal(s.c[0].notes, "спросить про бюджет");
	assert_string_equal(s.c[0].disposition, "Left Voicemail");
	assert_string_equal(s.c[0].state, "queued");
	assert_int_equal(s.c[0].duration_s, 61);
	assert_int_equal(s.c[1].call_id, 901);
	assert_string_equal(s.c[1].disposition, "Connected");
	assert_string_equal(s.c[1].sentiment, "Positive");
	assert_int_equal(s.c[1].at, 1767452400); /* 2026-01-03 15:00 UTC */
	assert_string_equal(s.c[1].notes, "");
	assert_string_equal(s.c[1].state, "");
	assert_int_equal(s.c[2].call_id, 900);
	assert_int_equal(s.c[2].duration_s, 42);
	assert_string_equal(s.c[2].to, "+14155550101");
}

static void test_sent_record_shown_once(void **state)
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
	/* The next sync brings the same call back from Salesloft. */
	storetest_put_call(st, 4444, 3, "2026-01-05T10:00:00Z", "Connected");
	assert_int_equal(callhist_person(st, 3, 0, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.c[0].call_id, 4444);
	assert_int_equal(s.c[0].outbox_id, item);
	assert_string_equal(s.c[0].notes, "call back Tuesday");
	assert_string_equal(s.c[0].state, "sent");
}

static void test_limit_and_stop(void **state)
{
	struct store *st = storetest_store(state);
	struct seen s = {0};
	char when[40];
	int i;

	for (i = 0; i < 30; i++) {
		snprintf(when, sizeof(when), "2026-01-%02dT10:00:00Z", i + 1);
		storetest_put_call(st, 100 + i, 9, when, "No Answer");
	}
	assert_int_equal(callhist_person(st, 9, 5, collect, &s), 0);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.c[0].call_id, 129);
	assert_int_equal(s.c[4].call_id, 125);
	memset(&s, 0, sizeof(s));
	assert_int_equal(callhist_person(st, 9, 0, collect, &s), 0);
	assert_int_equal(s.n, 20); /* the default limit */
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	assert_int_equal(callhist_person(st, 9, 0, collect, &s), 7);
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
	assert_int_equal(callhist_person(st, 11, 0, collect, &s), 0);
	assert_int_equal(s.n, 1);
	/* Kept as text (the face sanitizes), cut to the buffer. */
	assert_string_equal(s.c[0].disposition, "\x1b[31mred");
	assert_int_equal(strlen(s.c[0].notes), CALLHIST_NOTES_MAX - 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, storetest_setup_memory, storetest_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_bad_arguments),           T(test_both_sources_newest_first),
	        T(test_sent_record_shown_once),  T(test_limit_and_stop),
	        T(test_hostile_and_long_fields),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}

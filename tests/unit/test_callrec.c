/*
 * test_callrec: ended attempts to call records. The outcome table (every pool outcome, live
 * drops, voicemail left or not), disposition names chosen by config or by default names with
 * a warning for each kind the team lacks, the team's spelling, the POST body (action xor
 * task, hostile notes kept as JSON text), and the outbox item on a real store file (kind,
 * dedupe keys, EEXIST for the same action twice).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "loftdial/callrec.h"
#include "loftdial/config.h"
#include "loftdial/diallist.h"
#include "loftdial/outbox.h"
#include "loftdial/records.h"
#include "loftdial/text.h"
#include "storetest.h"

static unsigned nwarn;
static char last_warn[512];

static void on_warn(const char *msg, void *arg)
{
	nwarn++;
	snprintf(last_warn, sizeof(last_warn), "%s", msg);
}

static void test_classify(void **state)
{
	static const struct {
		enum call_outcome out;
		bool dropped, connected;
		const char *reason;
		enum callrec_kind want;
	} rows[] = {
	        {CALL_OUT_NONE, false, false, "", CALLREC_NOT_LOGGED},
	        {CALL_OUT_CONNECTED, false, true, "", CALLREC_CONNECTED},
	        {CALL_OUT_CONNECTED, false, false, "", CALLREC_NOT_LOGGED},
	        {CALL_OUT_CONNECTED, true, false, "", CALLREC_DROPPED},
	        {CALL_OUT_CANCELLED, true, false, "", CALLREC_DROPPED},
	        {CALL_OUT_BUSY, false, false, "", CALLREC_BUSY},
	        {CALL_OUT_NO_ANSWER, false, false, "", CALLREC_NO_ANSWER},
	        {CALL_OUT_REJECTED, false, false, "", CALLREC_NO_ANSWER},
	        {CALL_OUT_INVALID, false, false, "", CALLREC_INVALID},
	        {CALL_OUT_NETWORK, false, false, "", CALLREC_NOT_LOGGED},
	        {CALL_OUT_VOICEMAIL, false, false, "voicemail left", CALLREC_VOICEMAIL},
	        {CALL_OUT_VOICEMAIL, false, false, "machine", CALLREC_NO_ANSWER},
	        {CALL_OUT_VOICEMAIL, false, false, NULL, CALLREC_NO_ANSWER},
	        {CALL_OUT_VOICEMAIL, false, true, "", CALLREC_CONNECTED},
	        /* the rep heard a machine and dropped the message: still a voicemail */
	        {CALL_OUT_VOICEMAIL, false, true, "voicemail left", CALLREC_VOICEMAIL},
	        {CALL_OUT_CANCELLED, false, false, "", CALLREC_NOT_LOGGED},
	        {CALL_OUT_FAILED, false, false, "", CALLREC_NOT_LOGGED},
	        {(enum call_outcome)99, false, false, "", CALLREC_NOT_LOGGED},
	};
	struct callrec_attempt a;
	size_t i;

	assert_int_equal(callrec_classify(NULL), CALLREC_NOT_LOGGED);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&a, 0, sizeof(a));
		a.outcome = rows[i].out;
		a.live_dropped = rows[i].dropped;
		a.connected = rows[i].connected;
		a.reason = rows[i].reason;
		assert_int_equal(callrec_classify(&a), rows[i].want);
	}
	memset(&a, 0, sizeof(a));
	assert_int_equal(callrec_duration(&a), 0);
	assert_int_equal(callrec_duration(NULL), 0);
	a.t_answer = 1000;
	a.t_end = 62600;
	assert_int_equal(callrec_duration(&a), 62);
	a.t_end = 500; /* an end before the answer is no duration */
	assert_int_equal(callrec_duration(&a), 0);
	assert_string_equal(callrec_kind_name(CALLREC_VOICEMAIL), "voicemail");
	assert_string_equal(callrec_kind_name((enum callrec_kind)42), "?");
}

static void test_resolve(void **state)
{
	static const char *const team[] = {"Connected", "no answer", "Left Voicemail", "Busy",
	                                   "Wrong Number"};
	struct callrec_dispos d;
	struct config *cfg;
	char why[256];

	assert_int_equal(config_new(&cfg), 0);
	/* Defaults matched by name, case ignored, in the team's spelling; no "dropped". */
	nwarn = 0;
	callrec_dispos_resolve(&d, cfg, team, 5, on_warn, NULL);
	assert_string_equal(d.name[CALLREC_BUSY], "Busy");
	assert_string_equal(d.name[CALLREC_NO_ANSWER], "no answer");
	assert_string_equal(d.name[CALLREC_INVALID], "Wrong Number");
	assert_string_equal(d.name[CALLREC_VOICEMAIL], "Left Voicemail");
	assert_string_equal(d.name[CALLREC_DROPPED], "");
	assert_int_equal(nwarn, 1);
	assert_non_null(strstr(last_warn, "outcome.dropped"));
	/* A configured name the team has wins over the defaults; one it lacks warns. */
	assert_int_equal(config_set(cfg, "outcome.dropped", "connected", why, sizeof(why)), 0);
	assert_int_equal(config_set(cfg, "outcome.busy", "Engaged", why, sizeof(why)), 0);
	nwarn = 0;
	callrec_dispos_resolve(&d, cfg, team, 5, on_warn, NULL);
	assert_string_equal(d.name[CALLREC_DROPPED], "Connected");
	assert_string_equal(d.name[CALLREC_BUSY], "");
	assert_int_equal(nwarn, 1);
	assert_non_null(strstr(last_warn, "'Engaged'"));
	/* No team at all: every kind warns; a NULL handler is fine. */
	nwarn = 0;
	callrec_dispos_resolve(&d, NULL, NULL, 0, on_warn, NULL);
	assert_int_equal(nwarn, CALLREC_AUTO_COUNT);
	callrec_dispos_resolve(&d, NULL, NULL, 0, NULL, NULL);
	config_free(cfg);
}

static void test_body(void **state)
{
	struct callrec r;
	char *json = NULL;
	cJSON *o;

	memset(&r, 0, sizeof(r));
	assert_int_equal(callrec_body(&r, &json), EINVAL); /* no person */
	r.person_id = 7;
	assert_int_equal(callrec_body(&r, &json), EINVAL); /* no number */
	r.to = "+15550100";
	r.action_id = 1;
	r.task_id = 2;
	assert_int_equal(callrec_body(&r, &json), EINVAL); /* both */
	assert_int_equal(callrec_body(NULL, &json), EINVAL);
	r.task_id = 0;
	r.duration_s = 42;
	r.disposition = "Busy";
	r.notes = "said \"call back\"\n\x1b[31m later";
	r.user_guid = "g-1";
	assert_int_equal(callrec_body(&r, &json), 0);
	o = cJSON_Parse(json);
	assert_non_null(o);
	assert_int_equal(cJSON_GetObjectItem(o, "person_id")->valuedouble, 7);
	assert_string_equal(cJSON_GetObjectItem(o, "to")->valuestring, "+15550100");
	assert_int_equal(cJSON_GetObjectItem(o, "duration")->valuedouble, 42);
	assert_string_equal(cJSON_GetObjectItem(o, "disposition")->valuestring, "Busy");
	assert_null(cJSON_GetObjectItem(o, "sentiment"));
	assert_string_equal(cJSON_GetObjectItem(o, "notes")->valuestring, r.notes);
	assert_string_equal(cJSON_GetObjectItem(o, "user_guid")->valuestring, "g-1");
	assert_int_equal(cJSON_GetObjectItem(o, "action_id")->valuedouble, 1);
	assert_null(cJSON_GetObjectItem(o, "task_id"));
	/* The escape and the newline are JSON escapes, not raw bytes. */
	assert_null(strchr(json, '\x1b'));
	assert_null(strchr(json, '\n'));
	cJSON_Delete(o);
	free(json);
}

static int setup(void **state)
{
	return storetest_setup(state, "ld-callrec");
}

static void put_dispo(struct store *st, int64_t id, const char *name, bool sentiment)
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

/* Collects names for test_store (stops after max when max > 0). */
struct collected {
	char names[8][CALLREC_NAME_MAX];
	size_t n, max;
};

static int collect(const char *name, void *arg)
{
	struct collected *c = arg;

	text_copy(c->names[c->n++], CALLREC_NAME_MAX, name);
	return c->max && c->n >= c->max ? 7 : 0;
}

static void test_store(void **state)
{
	struct storetest *fx = *state;
	struct callrec_dispos d;
	struct callrec r;
	struct outbox_item it;
	char name[CALLREC_NAME_MAX];
	int64_t id1 = 0, id2 = 0, id3 = 0, again = 0;

	struct collected col;

	/* Nothing synced yet: no names; ENOENT and a warning saying to sync. */
	memset(&col, 0, sizeof(col));
	assert_int_equal(callrec_team_names(fx->st, false, collect, &col), 0);
	assert_int_equal(col.n, 0);
	assert_int_equal(callrec_team_names(NULL, false, collect, &col), EINVAL);
	assert_int_equal(callrec_team_names(fx->st, false, NULL, &col), EINVAL);
	nwarn = 0;
	assert_int_equal(callrec_dispos_load(&d, fx->st, NULL, on_warn, NULL), ENOENT);
	assert_int_equal(nwarn, 1);
	assert_non_null(strstr(last_warn, "sync"));
	put_dispo(fx->st, 1, "No Answer", false);
	put_dispo(fx->st, 2, "Bad Number", false);
	put_dispo(fx->st, 3, "Meeting Booked", false);
	put_dispo(fx->st, 4, "Positive", true);
	nwarn = 0;
	assert_int_equal(callrec_dispos_load(&d, fx->st, NULL, on_warn, NULL), 0);
	assert_string_equal(d.name[CALLREC_NO_ANSWER], "No Answer");
	assert_string_equal(d.name[CALLREC_INVALID], "Bad Number");
	assert_int_equal(nwarn, 3); /* busy, voicemail, dropped */
	assert_int_equal(callrec_team_name(fx->st, false, "meeting BOOKED", name, sizeof(name)), 0);
	assert_string_equal(name, "Meeting Booked");
	assert_int_equal(callrec_team_name(fx->st, false, "Positive", name, sizeof(name)), ENOENT);
	assert_int_equal(callrec_team_name(fx->st, true, "positive", name, sizeof(name)), 0);
	assert_string_equal(name, "Positive");
	assert_int_equal(callrec_team_name(fx->st, true, "", name, sizeof(name)), ENOENT);
	/* Every name in id order, dispositions and sentiments apart; a callback stops the walk. */
	memset(&col, 0, sizeof(col));
	assert_int_equal(callrec_team_names(fx->st, false, collect, &col), 0);
	assert_int_equal(col.n, 3);
	assert_string_equal(col.names[0], "No Answer");
	assert_string_equal(col.names[2], "Meeting Booked");
	memset(&col, 0, sizeof(col));
	assert_int_equal(callrec_team_names(fx->st, true, collect, &col), 0);
	assert_int_equal(col.n, 1);
	assert_string_equal(col.names[0], "Positive");
	memset(&col, 0, sizeof(col));
	col.max = 2;
	assert_int_equal(callrec_team_names(fx->st, false, collect, &col), 7);
	assert_int_equal(col.n, 2);

	/* Keys: action, task, neither; the same action twice is refused. */
	memset(&r, 0, sizeof(r));
	r.person_id = 5;
	r.to = "+15550101";
	r.action_id = 900;
	assert_int_equal(callrec_enqueue(fx->st, &r, &id1), 0);
	assert_int_equal(callrec_enqueue(fx->st, &r, &again), EEXIST);
	assert_int_equal(again, id1);
	r.action_id = 0;
	r.task_id = 901;
	assert_int_equal(callrec_enqueue(fx->st, &r, &id2), 0);
	r.task_id = 0;
	r.session = "s1";
	r.attempt = 3;
	assert_int_equal(callrec_enqueue(fx->st, &r, &id3), 0);
	memset(&it, 0, sizeof(it));
	assert_int_equal(outbox_get(fx->st, id1, &it), 0);
	assert_string_equal(it.kind, "call");
	assert_string_equal(it.dedupe_key, "action:900");
	assert_int_equal(it.state, OUTBOX_QUEUED);
	assert_non_null(strstr(it.body, "\"action_id\":900"));
	outbox_item_clear(&it);
	assert_int_equal(outbox_get(fx->st, id2, &it), 0);
	assert_string_equal(it.dedupe_key, "task:901");
	assert_non_null(strstr(it.body, "\"task_id\":901"));
	assert_null(strstr(it.body, "action_id"));
	outbox_item_clear(&it);
	assert_int_equal(outbox_get(fx->st, id3, &it), 0);
	assert_string_equal(it.dedupe_key, "call:s1:3");
	outbox_item_clear(&it);
	/* An invalid record is not queued. */
	r.to = "";
	assert_int_equal(callrec_enqueue(fx->st, &r, NULL), EINVAL);
}

/* What waits in the outbox for a person: queued, sending and failed call items hold the person
 * back, sent and conflict ones do not, nor items of another kind or a body not JSON. */
static void test_waiting(void **state)
{
	struct storetest *fx = *state;
	struct callrec r;
	enum outbox_state os = OUTBOX_SENT;
	int64_t a = 0, b = 0, id = 0;
	char why[160];

	/* Edge cases first. */
	assert_int_equal(callrec_waiting(NULL, 5, &id, &os), EINVAL);
	assert_int_equal(callrec_waiting(fx->st, 0, &id, &os), EINVAL);
	assert_int_equal(callrec_waiting(fx->st, -3, NULL, NULL), EINVAL);
	assert_int_equal(callrec_waiting(fx->st, 5, &id, &os), ENOENT);
	assert_int_equal(diallist_outbox_check(fx->st, 5, why, sizeof(why)), ENOENT);
	/* Not a call, and a body that is not JSON: nobody is held back by them. */
	assert_int_equal(outbox_enqueue(fx->st, "note", "note:1", "{\"person_id\":5}", NULL), 0);
	assert_int_equal(outbox_enqueue(fx->st, "call", "odd:1", "person_id 5", NULL), 0);
	assert_int_equal(callrec_waiting(fx->st, 5, NULL, NULL), ENOENT);

	memset(&r, 0, sizeof(r));
	r.person_id = 5;
	r.to = "+15550101";
	r.action_id = 77;
	assert_int_equal(callrec_enqueue(fx->st, &r, &a), 0);
	r.person_id = 4503599627370497; /* 2^52 + 1: an id beyond 32 bits reads back exactly */
	r.action_id = 0;
	r.task_id = 78;
	assert_int_equal(callrec_enqueue(fx->st, &r, &b), 0);
	/* Queued. */
	assert_int_equal(callrec_waiting(fx->st, 5, &id, &os), 0);
	assert_int_equal(id, a);
	assert_int_equal(os, OUTBOX_QUEUED);
	assert_int_equal(diallist_outbox_check(fx->st, 5, why, sizeof(why)), 0);
	assert_string_equal(why, "a call is waiting in the outbox (item 3, queued)");
	assert_int_equal(callrec_waiting(fx->st, 4503599627370497, &id, NULL), 0);
	assert_int_equal(id, b);
	assert_int_equal(callrec_waiting(fx->st, 4503599627370496, NULL, NULL), ENOENT);
	assert_int_equal(callrec_waiting(fx->st, 6, NULL, NULL), ENOENT);
	/* Sending: its fate unknown. */
	assert_int_equal(outbox_mark_sending(fx->st, a), 0);
	assert_int_equal(callrec_waiting(fx->st, 5, NULL, &os), 0);
	assert_int_equal(os, OUTBOX_SENDING);
	/* Failed: kept for the rep, still a call not logged. */
	assert_int_equal(outbox_mark_failed(fx->st, a, "422"), 0);
	assert_int_equal(diallist_outbox_check(fx->st, 5, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "a call is waiting in the outbox (item 3, failed"));
	/* Sent or in conflict: landed, the person may be dialled. */
	assert_int_equal(outbox_requeue(fx->st, a), 0);
	assert_int_equal(outbox_mark_sent(fx->st, a, 991, NULL), 0);
	assert_int_equal(callrec_waiting(fx->st, 5, NULL, NULL), ENOENT);
	assert_int_equal(outbox_mark_conflict(fx->st, b, "used", NULL), 0);
	assert_int_equal(callrec_waiting(fx->st, 4503599627370497, NULL, NULL), ENOENT);
	/* A reason too long for its buffer is cut, not overrun. */
	r.person_id = 5;
	r.task_id = 79;
	assert_int_equal(callrec_enqueue(fx->st, &r, NULL), 0);
	memset(why, 'x', sizeof(why));
	assert_int_equal(diallist_outbox_check(fx->st, 5, why, 10), 0);
	assert_int_equal(strlen(why), 9);
	assert_int_equal(why[10], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_classify),
	        cmocka_unit_test(test_resolve),
	        cmocka_unit_test(test_body),
	        cmocka_unit_test_setup_teardown(test_store, setup, storetest_teardown),
	        cmocka_unit_test_setup_teardown(test_waiting, setup, storetest_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

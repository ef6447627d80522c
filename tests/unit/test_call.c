/*
 * Unit tests for call: SIP code parsing, the outcome table, and the fold of baresip's event
 * sequences (the ones seen in the reference runs) into states and timestamps.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/call.h"
#include "loftdial/ctrlmsg.h"

static void test_sip_code(void **state)
{
	static const struct {
		const char *param;
		int code;
		const char *phrase;
	} rows[] = {
	        {NULL, 0, ""},
	        {"", 0, ""},
	        {"48", 0, ""},
	        {"486", 486, ""},
	        {"486 Busy Here", 486, "Busy Here"},
	        {"486 Rejected", 486, "Rejected"},
	        {"404 Not Found", 404, "Not Found"},
	        {"603 Decline", 603, "Decline"},
	        {"099 Weird", 0, ""},
	        {"700 Too big", 0, ""},
	        {"4861 x", 0, ""},
	        {"486Busy", 0, ""},
	        {"Connection reset by user", 0, ""},
	        {"480 Temporarily \x1b[31mUnavailable", 480, "Temporarily Unavailable"},
	};
	char phrase[64];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int code = call_sip_code(rows[i].param, phrase, sizeof(phrase));

		if (code != rows[i].code || strcmp(phrase, rows[i].phrase))
			fail_msg("row %zu: %d '%s'", i, code, phrase);
	}
	assert_int_equal(call_sip_code("486 Busy", NULL, 0), 486);
}

static void test_outcome_codes(void **state)
{
	static const struct {
		int code;
		const char *phrase;
		enum call_outcome o;
	} rows[] = {
	        {486, "Busy Here", CALL_OUT_BUSY},
	        {600, "Busy Everywhere", CALL_OUT_BUSY},
	        {486, "Rejected", CALL_OUT_REJECTED},
	        {603, "Decline", CALL_OUT_REJECTED},
	        {403, "Forbidden", CALL_OUT_REJECTED},
	        {404, "Not Found", CALL_OUT_INVALID},
	        {484, "Address Incomplete", CALL_OUT_INVALID},
	        {604, "Does Not Exist Anywhere", CALL_OUT_INVALID},
	        {410, "Gone", CALL_OUT_INVALID},
	        {480, "Temporarily Unavailable", CALL_OUT_NO_ANSWER},
	        {408, "Request Timeout", CALL_OUT_NO_ANSWER},
	        {487, "Request Terminated", CALL_OUT_NO_ANSWER},
	        {503, "Service Unavailable", CALL_OUT_NETWORK},
	        {500, "Server Error", CALL_OUT_NETWORK},
	        {488, "Not Acceptable Here", CALL_OUT_NETWORK},
	        {401, "Unauthorized", CALL_OUT_NETWORK},
	        {302, "Moved", CALL_OUT_NETWORK},
	        {486, NULL, CALL_OUT_BUSY},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (call_outcome_code(rows[i].code, rows[i].phrase) != rows[i].o)
			fail_msg("row %zu: %d %s", i, rows[i].code, rows[i].phrase);
}

/* Builds an event message for a call id. */
static struct ctrlmsg ev(const char *type, const char *id, const char *param)
{
	struct ctrlmsg m;

	memset(&m, 0, sizeof(m));
	m.kind = CTRLMSG_EVENT;
	m.type = type;
	m.id = id;
	m.param = param;
	m.aor = "sip:loftdial@127.0.0.1";
	m.cls = m.direction = m.peeruri = m.data = m.token = "";
	return m;
}

struct seq {
	const char *name;
	const char *types[6];
	const char *close_param;
	enum call_state end;
	enum call_outcome outcome;
	int code;
};

static const struct seq seqs[] = {
        {"answered, far end hangs up",
         {"CALL_RINGING", "CALL_REMOTE_SDP", "CALL_ESTABLISHED", "CALL_RTPESTAB", "CALL_CLOSED"},
         "Connection reset by peer",
         CALL_CLOSED,
         CALL_OUT_CONNECTED,
         0},
        {"busy", {"CALL_RINGING", "CALL_CLOSED"}, "486 Busy Here", CALL_CLOSED, CALL_OUT_BUSY, 486},
        {"rejected",
         {"CALL_RINGING", "CALL_CLOSED"},
         "486 Rejected",
         CALL_CLOSED,
         CALL_OUT_REJECTED,
         486},
        {"unknown user", {"CALL_CLOSED"}, "404 Not Found", CALL_CLOSED, CALL_OUT_INVALID, 404},
        {"we cancelled",
         {"CALL_RINGING", "CALL_CLOSED"},
         "Connection reset by user",
         CALL_CLOSED,
         CALL_OUT_CANCELLED,
         0},
        {"udp timeout", {"CALL_CLOSED"}, "Connection timed out", CALL_CLOSED, CALL_OUT_NETWORK, 0},
        {"tcp refused", {"CALL_CLOSED"}, "Connection refused", CALL_CLOSED, CALL_OUT_NETWORK, 0},
        {"early media then 480",
         {"CALL_RINGING", "CALL_PROGRESS", "CALL_RTPESTAB", "CALL_CLOSED"},
         "480 Temporarily Unavailable",
         CALL_CLOSED,
         CALL_OUT_NO_ANSWER,
         480},
        {"still ringing", {"CALL_RINGING", "CALL_RTCP"}, NULL, CALL_RINGING, CALL_OUT_NONE, 0},
};

static void test_sequences(void **state)
{
	size_t i, k;

	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		const struct seq *s = &seqs[i];
		struct call c;
		uint64_t t = 1000;

		call_start(&c, "sip:loftdial@127.0.0.1", "sip:x@h", t);
		call_set_id(&c, "abc");
		assert_int_equal(c.state, CALL_DIALING);
		for (k = 0; k < 6 && s->types[k]; k++) {
			struct ctrlmsg m =
			        ev(s->types[k], "abc",
			           strcmp(s->types[k], "CALL_CLOSED") ? "" : s->close_param);

			assert_true(call_matches(&c, &m));
			(void)call_apply(&c, &m, ++t);
		}
		if (c.state != s->end)
			fail_msg("%s: state %s", s->name, call_state_name(c.state));
		if (s->end == CALL_CLOSED) {
			if (call_outcome(&c) != s->outcome)
				fail_msg("%s: outcome %s", s->name,
				         call_outcome_name(call_outcome(&c)));
			assert_int_equal(c.sip_code, s->code);
			assert_string_equal(c.reason, s->close_param);
			assert_true(c.t_end > c.t_dial);
		}
	}
}

/* Late, repeated or foreign events never move a call back or change a closed one. */
static void test_monotonic(void **state)
{
	struct call c;
	struct ctrlmsg m;

	call_start(&c, "", "sip:x@h", 10);
	call_set_id(&c, "id1");
	m = ev("CALL_ESTABLISHED", "id1", "");
	assert_int_equal(call_apply(&c, &m, 20), CALL_CH_ANSWERED);
	m = ev("CALL_RINGING", "id1", "");
	assert_int_equal(call_apply(&c, &m, 21), CALL_CH_NONE);
	assert_int_equal(c.state, CALL_ANSWERED);
	assert_int_equal(c.t_ring, 0);
	m = ev("CALL_ESTABLISHED", "id1", "");
	assert_int_equal(call_apply(&c, &m, 22), CALL_CH_NONE);
	assert_int_equal(c.t_answer, 20);
	m = ev("CALL_RTPESTAB", "id1", "audio");
	assert_int_equal(call_apply(&c, &m, 23), CALL_CH_RTP);
	assert_int_equal(call_apply(&c, &m, 24), CALL_CH_NONE);
	m = ev("CALL_CLOSED", "id1", "Connection reset by peer");
	assert_int_equal(call_apply(&c, &m, 30), CALL_CH_CLOSED);
	m = ev("CALL_CLOSED", "id1", "486 Busy Here");
	assert_int_equal(call_apply(&c, &m, 31), CALL_CH_NONE);
	assert_string_equal(c.reason, "Connection reset by peer");
	/* matching: id, and the UA when both sides know it */
	m = ev("CALL_RINGING", "id2", "");
	assert_false(call_matches(&c, &m));
	call_start(&c, "sip:a@h", "sip:x@h", 40);
	call_set_id(&c, "id1");
	m = ev("CALL_RINGING", "id1", "");
	m.aor = "sip:b@h";
	assert_false(call_matches(&c, &m));
	m.aor = "";
	assert_true(call_matches(&c, &m));
	/* an idle call ignores everything; no id never matches */
	memset(&c, 0, sizeof(c));
	assert_int_equal(call_apply(&c, &m, 50), CALL_CH_NONE);
	assert_false(call_matches(&c, &m));
	assert_false(call_matches(NULL, &m));
	assert_int_equal(call_outcome(NULL), CALL_OUT_NONE);
}

static void test_local_close(void **state)
{
	struct call c;

	call_start(&c, "", "sip:x@h", 10);
	call_close_local(&c, "engine failed: baresip killed by signal 9\x1b[2J", 99);
	assert_int_equal(c.state, CALL_CLOSED);
	assert_int_equal(c.t_end, 99);
	assert_string_equal(c.reason, "engine failed: baresip killed by signal 9");
	assert_int_equal(call_outcome(&c), CALL_OUT_NETWORK);
	call_close_local(&c, "again", 100);
	assert_int_equal(c.t_end, 99);
}

static void test_names(void **state)
{
	assert_string_equal(call_outcome_name(CALL_OUT_NONE), "");
	assert_string_equal(call_outcome_name(CALL_OUT_INVALID), "invalid_number");
	assert_string_equal(call_outcome_name(CALL_OUT_NETWORK), "network");
	assert_string_equal(call_outcome_name(CALL_OUT_FAILED), "failed");
	assert_string_equal(call_outcome_name((enum call_outcome)99), "");
	assert_string_equal(call_state_name(CALL_EARLY), "early");
	assert_string_equal(call_state_name((enum call_state)99), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sip_code),    cmocka_unit_test(test_outcome_codes),
	        cmocka_unit_test(test_sequences),   cmocka_unit_test(test_monotonic),
	        cmocka_unit_test(test_local_close), cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_names: the name tables indexed by enum values (events, states, outcomes, phases,
 * levels, objects). Each value is pinned to its name, so a value added in the middle of an
 * enum cannot shift the names of the others unnoticed (the tables use designated
 * initializers), and every value up to the last has a name of its own (no hole).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/call.h"
#include "loftdial/engine.h"
#include "loftdial/log.h"
#include "loftdial/outbox.h"
#include "loftdial/pool.h"
#include "loftdial/status.h"
#include "loftdial/store.h"

struct pin {
	int value;
	const char *name;
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Every pinned value has its name; the pins cover 0..last with no gap and no repeat. */
static void check(const char *what, const struct pin *pins, size_t n, const char *(*name)(int),
                  int last)
{
	size_t i, j;

	assert_int_equal(n, (size_t)last + 1);
	for (i = 0; i < n; i++) {
		const char *got = name(pins[i].value);

		if (pins[i].value != (int)i)
			fail_msg("%s: pin %zu is for value %d", what, i, pins[i].value);
		if (strcmp(got, pins[i].name))
			fail_msg("%s %d: got '%s', want '%s'", what, pins[i].value, got,
			         pins[i].name);
		for (j = 0; j < i; j++)
			if (!strcmp(pins[j].name, got) && *got)
				fail_msg("%s: '%s' names two values", what, got);
	}
}

static const char *pool_ev(int v)
{
	return pool_ev_name((enum pool_ev)v);
}
static const char *engine_st(int v)
{
	return engine_state_name((enum engine_state)v);
}
static const char *call_out(int v)
{
	return call_outcome_name((enum call_outcome)v);
}
static const char *call_st(int v)
{
	return call_state_name((enum call_state)v);
}
static const char *outbox_st(int v)
{
	return outbox_state_name((enum outbox_state)v);
}
static const char *line_ph(int v)
{
	return pool_line_phase_name((enum pool_line_phase)v);
}
static const char *pool_ph(int v)
{
	return pool_phase_name((enum pool_phase)v);
}
static const char *token(int v)
{
	return status_token_name((enum status_token)v);
}
static const char *obj(int v)
{
	return store_obj_name((enum store_obj)v);
}

static void test_pool_events(void **state)
{
	static const struct pin pins[] = {
	        {POOL_EV_DIALING, "dialing"},
	        {POOL_EV_RINGING, "ringing"},
	        {POOL_EV_EARLY, "early"},
	        {POOL_EV_ANSWERED, "answered"},
	        {POOL_EV_MEDIA, "media"},
	        {POOL_EV_CONNECTED, "connected"},
	        {POOL_EV_AMD, "amd"},
	        {POOL_EV_HANGUP, "hangup"},
	        {POOL_EV_DTMF, "dtmf"},
	        {POOL_EV_ENDED, "ended"},
	        {POOL_EV_DROP_TIME, "drop_time"},
	        {POOL_EV_LINE_DOWN, "line_down"},
	        {POOL_EV_LINE_UP, "line_up"},
	        {POOL_EV_WARNING, "warning"},
	        {POOL_EV_WRAPUP, "wrapup"},
	        {POOL_EV_IDLE, "idle"},
	        {POOL_EV_STOPPED, "stopped"},
	        {POOL_EV_VOICEMAIL, "voicemail"},
	        {POOL_EV_IDENT, "ident"},
	};

	check("pool_ev", pins, N(pins), pool_ev, POOL_EV_IDENT);
	assert_string_equal(pool_ev(POOL_EV_IDENT + 1), "?");
	assert_string_equal(pool_ev(-1), "?");
}

static void test_phases(void **state)
{
	static const struct pin lines[] = {
	        {POOL_LINE_DOWN, "down"},
	        {POOL_LINE_IDLE, "idle"},
	        {POOL_LINE_DIALING, "dialing"},
	        {POOL_LINE_RINGING, "ringing"},
	        {POOL_LINE_ANSWERED, "answered"},
	        {POOL_LINE_SCREENING, "screening"},
	        {POOL_LINE_CONNECTED, "connected"},
	        {POOL_LINE_VOICEMAIL, "voicemail"},
	        {POOL_LINE_HANGING_UP, "hanging up"},
	};
	static const struct pin pools[] = {
	        {POOL_PHASE_READY, "ready"},       {POOL_PHASE_DIALING, "dialing"},
	        {POOL_PHASE_WRAPUP, "wrap-up"},    {POOL_PHASE_IDLE, "idle"},
	        {POOL_PHASE_STOPPING, "stopping"}, {POOL_PHASE_STOPPED, "stopped"},
	};

	check("pool_line_phase", lines, N(lines), line_ph, POOL_LINE_PHASE_COUNT - 1);
	check("pool_phase", pools, N(pools), pool_ph, POOL_PHASE_COUNT - 1);
}

static void test_engine_and_call(void **state)
{
	static const struct pin engines[] = {
	        {ENGINE_STARTING, "starting"}, {ENGINE_UP, "up"},           {ENGINE_DOWN, "down"},
	        {ENGINE_STOPPING, "stopping"}, {ENGINE_STOPPED, "stopped"},
	};
	static const struct pin outcomes[] = {
	        {CALL_OUT_NONE, ""},
	        {CALL_OUT_CONNECTED, "connected"},
	        {CALL_OUT_BUSY, "busy"},
	        {CALL_OUT_NO_ANSWER, "no_answer"},
	        {CALL_OUT_REJECTED, "rejected"},
	        {CALL_OUT_INVALID, "invalid_number"},
	        {CALL_OUT_NETWORK, "network"},
	        {CALL_OUT_VOICEMAIL, "voicemail"},
	        {CALL_OUT_CANCELLED, "cancelled"},
	        {CALL_OUT_FAILED, "failed"},
	};
	static const struct pin calls[] = {
	        {CALL_IDLE, "idle"},   {CALL_DIALING, "dialing"},   {CALL_RINGING, "ringing"},
	        {CALL_EARLY, "early"}, {CALL_ANSWERED, "answered"}, {CALL_CLOSED, "closed"},
	};

	check("engine_state", engines, N(engines), engine_st, ENGINE_STOPPED);
	assert_string_equal(engine_st(ENGINE_STOPPED + 1), "?");
	check("call_outcome", outcomes, N(outcomes), call_out, CALL_OUT_FAILED);
	assert_string_equal(call_out(CALL_OUT_FAILED + 1), "");
	check("call_state", calls, N(calls), call_st, CALL_CLOSED);
}

static void test_store_and_status(void **state)
{
	static const struct pin states[] = {
	        {OUTBOX_QUEUED, "queued"}, {OUTBOX_SENDING, "sending"},   {OUTBOX_SENT, "sent"},
	        {OUTBOX_FAILED, "failed"}, {OUTBOX_CONFLICT, "conflict"},
	};
	static const struct pin objs[] = {
	        {STORE_USERS, "users"},
	        {STORE_ACCOUNTS, "accounts"},
	        {STORE_PEOPLE, "people"},
	        {STORE_CADENCES, "cadences"},
	        {STORE_MEMBERSHIPS, "cadence_memberships"},
	        {STORE_STEPS, "steps"},
	        {STORE_DISPOSITIONS, "call_dispositions"},
	        {STORE_SENTIMENTS, "call_sentiments"},
	        {STORE_CALLS, "calls"},
	        {STORE_EMAILS, "emails"},
	};
	static const struct pin tokens[] = {
	        {STATUS_TOKEN_NONE, "none"},
	        {STATUS_TOKEN_OK, "ok"},
	        {STATUS_TOKEN_REFRESH_DUE, "refresh due"},
	        {STATUS_TOKEN_EXPIRED, "expired"},
	        {STATUS_TOKEN_REVOKED, "revoked"},
	};

	check("outbox_state", states, N(states), outbox_st, OUTBOX_CONFLICT);
	check("store_obj", objs, N(objs), obj, STORE_OBJ_COUNT - 1);
	check("status_token", tokens, N(tokens), token, STATUS_TOKEN_REVOKED);
}

/* Levels round-trip through their names. */
static void test_log_levels(void **state)
{
	static const struct pin levels[] = {
	        {LOG_DEBUG, "debug"}, {LOG_INFO, "INFO"}, {LOG_WARN, "Warn"},
	        {LOG_ERROR, "error"}, {LOG_OFF, "off"},
	};
	enum log_level l;
	size_t i;

	for (i = 0; i < N(levels); i++) {
		assert_int_equal(log_level_parse(levels[i].name, &l), 0);
		assert_int_equal(l, levels[i].value);
	}
	assert_int_equal(log_level_parse("trace", &l), EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_pool_events),     cmocka_unit_test(test_phases),
	        cmocka_unit_test(test_engine_and_call), cmocka_unit_test(test_store_and_status),
	        cmocka_unit_test(test_log_levels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_diallist_replay: a dial list decoding Salesloft's answers replayed without a network
 * (diallist_replay), over a real store in memory and the real gates. Edge cases first: no
 * client is no load, a page of people with a record that has no id (the others still count,
 * the list is read), an action gone (404), a body that is not JSON; then a cadence's whole
 * reading: steps, actions, each action by id, the call instructions they name (one request),
 * people, in order.
 * The same decoding runs against the sandbox in tests/integration/test_dial_lists.c.
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

#include "loftdial/diallist.h"
#include "loftdial/gates.h"
#include "loftdial/store.h"
#include "loftdial/text.h"

struct fix {
	struct store *st;
	struct gates *g;
};

struct seen {
	unsigned calls;
	int err;
	char msg[300];
};

static void done_h(int err, const char *msg, void *arg)
{
	struct seen *s = arg;

	s->calls++;
	s->err = err;
	snprintf(s->msg, sizeof(s->msg), "%s", msg);
}

#define PERSON(ID, PHONE)                                                                          \
	"{\"id\":" #ID ",\"first_name\":\"P\",\"last_name\":\"L\",\"phone\":\"" PHONE "\","        \
	"\"locale\":\"US/Pacific\",\"do_not_contact\":false,\"updated_at\":"                       \
	"\"2025-12-01T00:00:00.000000Z\"}"

/* Answers the waiting request, which must start with want. */
static void answer(struct diallist *dl, const char *want, int err, long status, const char *body)
{
	const char *path = diallist_replay_path(dl);

	assert_non_null(path);
	print_message("  %s\n", path);
	if (strncmp(path, want, strlen(want)))
		fail_msg("asked %s, expected %s...", path, want);
	assert_int_equal(diallist_replay_take(dl, err, status, body, strlen(body)), 0);
}

static void opts(struct diallist_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->user_id = 1234;
	o->user_guid = "guid-1";
	o->now = 1767258000; /* 2026-01-01 09:00 UTC: 01:00 in US/Pacific */
}

static int setup(void **state)
{
	static struct fix f;
	struct gates_cfg gc;

	memset(&gc, 0, sizeof(gc));
	gc.close_min = 24 * 60;
	gc.no_zone = GATES_NOZONE_REP;
	text_copy(gc.rep_zone, sizeof(gc.rep_zone), "UTC");
	assert_int_equal(store_open(&f.st, ":memory:"), 0);
	assert_int_equal(gates_new(&f.g, &gc, f.st), 0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	gates_free(f->g);
	store_close(f->st);
	return 0;
}

static void test_args(void **state)
{
	struct fix *f = *state;
	struct diallist_opts o;
	struct diallist *dl = NULL;
	struct seen s = {0};

	opts(&o);
	o.cadence_id = 77;
	/* diallist_load needs a client; the replay needs the rest as load does. */
	assert_int_equal(diallist_load(&dl, NULL, f->st, f->g, &o, done_h, &s), EINVAL);
	assert_int_equal(diallist_replay(&dl, NULL, f->g, &o, done_h, &s), EINVAL);
	o.cadence_id = 0;
	assert_int_equal(diallist_replay(&dl, f->st, f->g, &o, done_h, &s), EINVAL);
	assert_int_equal(diallist_replay_take(NULL, 0, 200, "{}", 2), EINVAL);
	assert_null(diallist_replay_path(NULL));
}

/* A person record without an id (or not an object) is skipped: the list is still read, the
 * good records count, and the person the bad one stood for cannot be read. */
static void test_people_without_id(void **state)
{
	struct fix *f = *state;
	struct diallist_opts o;
	struct diallist *dl = NULL;
	struct seen s = {0};
	const struct diallist_entry *e;

	opts(&o);
	o.tasks = true;
	o.buckets = DIALLIST_OVERDUE;
	assert_int_equal(diallist_replay(&dl, f->st, f->g, &o, done_h, &s), 0);
	answer(dl, "/v2/tasks?task_type=call&current_state=scheduled&user_id=1234&", 0, 200,
	       "{\"data\":[{\"id\":500,\"person\":{\"id\":41}},{\"id\":501,\"person\":{\"id\":42}}]"
	       "}");
	answer(dl, "/v2/people?ids%5B%5D=41&ids%5B%5D=42&", 0, 200,
	       "{\"data\":[{\"first_name\":\"no id\"}," PERSON(41, "+14155550141") ",\"x\"]}");
	assert_null(diallist_replay_path(dl));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err, 0);
	assert_int_equal(diallist_count(dl), 2);
	e = diallist_entry(dl, 0);
	assert_int_equal(e->person_id, 41);
	assert_int_equal(e->skip, DIALLIST_DIAL);
	assert_string_equal(e->number, "+14155550141");
	e = diallist_entry(dl, 1);
	assert_int_equal(e->skip, DIALLIST_NO_PERSON);
	assert_non_null(strstr(e->reason, "person 42 could not be read"));
	diallist_free(dl);
}

static void test_not_json(void **state)
{
	struct fix *f = *state;
	struct diallist_opts o;
	struct diallist *dl = NULL;
	struct seen s = {0};

	opts(&o);
	o.cadence_id = 77;
	assert_int_equal(diallist_replay(&dl, f->st, f->g, &o, done_h, &s), 0);
	answer(dl, "/v2/steps?cadence_id=77&", 0, 200, "{\"data\":[");
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err, EBADMSG);
	assert_null(diallist_replay_path(dl));
	diallist_free(dl);
}

static void test_cadence(void **state)
{
	struct fix *f = *state;
	struct diallist_opts o;
	struct diallist *dl = NULL;
	struct seen s = {0};
	const struct diallist_entry *e;

	opts(&o);
	o.cadence_id = 77;
	assert_int_equal(diallist_replay(&dl, f->st, f->g, &o, done_h, &s), 0);
	answer(dl, "/v2/steps?cadence_id=77&has_due_actions=true&per_page=100&page=1", 0, 200,
	       "{\"data\":[{\"id\":9,\"type\":\"phone\"},{\"id\":10,\"type\":\"email\"}]}");
	answer(dl, "/v2/actions?step_id=9&type=phone&", 0, 200,
	       "{\"data\":[{\"id\":100,\"type\":\"phone\",\"person\":{\"id\":51}},"
	       "{\"id\":101,\"type\":\"phone\",\"person\":{\"id\":52}}]}");
	answer(dl, "/v2/actions/100", 0, 200,
	       "{\"data\":{\"id\":100,\"type\":\"phone\",\"status\":\"in_progress\","
	       "\"person\":{\"id\":51},\"due_on\":\"2025-12-31\","
	       "\"action_details\":{\"id\":300}}}");
	/* Gone: completed elsewhere. */
	answer(dl, "/v2/actions/101", EPROTO, 404, "{\"error\":\"Not Found\"}");
	/* The instructions the actions to dial name, in one request. */
	answer(dl, "/v2/action_details/call_instructions?ids%5B%5D=300&", 0, 200,
	       "{\"data\":[{\"id\":300,\"instructions\":\"Ask for Dana\"}]}");
	answer(dl, "/v2/people?ids%5B%5D=51&", 0, 200,
	       "{\"data\":[" PERSON(51, "+14155550151") "]}");
	assert_null(diallist_replay_path(dl));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err, 0);
	assert_int_equal(diallist_count(dl), 2);
	e = diallist_entry(dl, 0);
	assert_int_equal(e->action_id, 100);
	assert_int_equal(e->skip, DIALLIST_DIAL);
	assert_string_equal(e->instructions, "Ask for Dana");
	assert_string_equal(e->number, "+14155550151");
	e = diallist_entry(dl, 1);
	assert_int_equal(e->skip, DIALLIST_GONE);
	diallist_free(dl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_args),
	        cmocka_unit_test(test_people_without_id),
	        cmocka_unit_test(test_not_json),
	        cmocka_unit_test(test_cadence),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

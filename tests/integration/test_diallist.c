/*
 * test_diallist: dial lists (diallist.h) read live from a real sandbox on the real loop, in
 * this process: a cadence's due phone actions with the action id per entry, the people
 * fetched into an empty store in ids[] batches, a pending_activity action and an action
 * completed elsewhere while the list was read skipped with their reasons, the rep's call
 * tasks with the task id per entry, a task mirrored by an action of the same list dialled
 * once, the phone order, and the gates (do_not_contact) with their reason; each action's call
 * instructions, read through its action_details reference, 100 a request.
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

#include <cmocka.h>
#include <re.h>

#include "loftdial/config.h"
#include "loftdial/diallist.h"
#include "loftdial/gates.h"
#include "loftdial/loop.h"
#include "loftdial/syncsess.h"
#include "loftdial/text.h"
#include "sbxtest.h"

#define WAIT_MS 30000

static struct sbxt sbx;
static char dir[512], db[600];
static struct config *cfg;
static struct syncsess ss;
static struct gates *gates;
static char guid[64];
static int64_t cadence = 1200;

static struct diallist *dl;
static bool done;
static int done_err;
static char done_msg[300];
static int64_t complete_at; /* action to complete once the first entries are in (0: none) */
static int64_t completed;
static int64_t avoid_person; /* never the one completed */

/* Now as ISO-8601 UTC. */
static const char *now_iso(void)
{
	static char buf[40];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static void on_done(int err, const char *msg, void *arg)
{
	done = true;
	done_err = err;
	snprintf(done_msg, sizeof(done_msg), "%s", msg);
}

/* ---- running the loop until the list is read ---- */

static struct tmr wait_tmr;
static unsigned long long wait_end;

/* Logs a call against the last action read so far (never the first, whose GET by id may be
 * on its way), as another rep's dialer would: its GET by id (which comes after every list
 * page, and after the earlier actions' GETs) then answers 404. */
static void complete_one(void)
{
	const struct diallist_entry *e = NULL;
	char body[256];
	long st;
	size_t i;

	for (i = diallist_count(dl); i-- > 1 && !e;)
		if (diallist_entry(dl, i)->skip == DIALLIST_DIAL &&
		    diallist_entry(dl, i)->person_id != avoid_person)
			e = diallist_entry(dl, i);
	if (!e)
		return;

	text_printf(body, sizeof(body),
	            "{\"person_id\":%lld,\"action_id\":%lld,\"to\":\"+15550100\"}",
	            (long long)e->person_id, (long long)e->action_id);
	st = sbxt_api(&sbx, SBXT_API_KEY, "POST", "/v2/activities/calls", body, NULL);
	assert_int_equal(st, 200);
	completed = e->action_id;
	complete_at = 0;
}

static void waiter(void *arg)
{
	if (complete_at && diallist_count(dl) >= 2)
		complete_one();
	if (done || loop_now_ms() >= wait_end) {
		loop_quit(0);
		return;
	}
	tmr_start(&wait_tmr, 2, waiter, NULL);
}

static void load(const struct diallist_opts *o)
{
	done = false;
	done_err = -1;
	assert_int_equal(diallist_load(&dl, ss.api, ss.st, gates, o, on_done, NULL), 0);
	wait_end = loop_now_ms() + WAIT_MS;
	tmr_start(&wait_tmr, 0, waiter, NULL);
	loop_run();
	tmr_cancel(&wait_tmr);
	assert_true(done);
	if (done_err)
		fprintf(stderr, "list failed: %s\n", done_msg);
	assert_int_equal(done_err, 0);
}

static void opts(struct diallist_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->user_id = 1;
	o->user_guid = guid;
	o->person_max_age_s = 3600;
}

/* ---- fixture ---- */

static int setup(void **state)
{
	const char *extra[] = {"--people", "300", "--rate-limit", "0", NULL};
	char err[256], msg[256];
	struct gates_cfg gc;
	cJSON *me = NULL;

	if (sbxt_start(&sbx, extra))
		return -1;
	if (tl_tmpdir(dir, sizeof(dir), "diallist") || config_new(&cfg) || loop_init())
		goto fail;
	snprintf(db, sizeof(db), "%s/loftdial.db", dir);
	if (config_set(cfg, "salesloft.api_url", sbx.base, err, sizeof(err)) ||
	    config_set(cfg, "salesloft.accounts_url", sbx.base, err, sizeof(err)) ||
	    config_set(cfg, "salesloft.api_key", SBXT_API_KEY, err, sizeof(err)) ||
	    syncsess_open(&ss, db, cfg, true, msg, sizeof(msg)))
		goto fail;
	if (sbxt_api(&sbx, SBXT_API_KEY, "GET", "/v2/me", NULL, &me) != 200)
		goto fail;
	snprintf(guid, sizeof(guid), "%s", sbxt_str(sbxt_data(me), "guid"));
	cJSON_Delete(me);
	/* Round the clock, so the test does not depend on the hour it runs at; the hours gate
	 * has its own tests (test_gates). */
	gates_cfg_default(&gc);
	gc.open_min = 0;
	gc.close_min = 24 * 60;
	gc.no_zone = GATES_NOZONE_REP;
	if (gates_new(&gates, &gc, ss.st))
		goto fail;
	return 0;
fail:
	sbxt_stop(&sbx);
	return -1;
}

static int teardown(void **state)
{
	gates_free(gates);
	syncsess_close(&ss);
	loop_close();
	config_free(cfg);
	tl_rmrf(dir);
	return sbxt_stop(&sbx) == 0 ? 0 : -1;
}

static int free_list(void **state)
{
	diallist_free(dl);
	dl = NULL;
	return 0;
}

/* ---- tests ---- */

static void test_args_and_names(void **state)
{
	struct diallist_opts o;
	unsigned b = 0;

	opts(&o);
	assert_int_equal(diallist_load(&dl, ss.api, ss.st, gates, &o, on_done, NULL), EINVAL);
	o.tasks = true;
	o.user_guid = "";
	assert_int_equal(diallist_load(&dl, ss.api, ss.st, gates, &o, on_done, NULL), EINVAL);
	assert_int_equal(diallist_load(NULL, ss.api, ss.st, gates, &o, on_done, NULL), EINVAL);
	assert_int_equal(diallist_buckets_parse("overdue, today", &b), 0);
	assert_int_equal(b, DIALLIST_OVERDUE | DIALLIST_TODAY);
	assert_int_equal(diallist_buckets_parse("", &b), EINVAL);
	assert_int_equal(diallist_buckets_parse("yesterday", &b), EINVAL);
	assert_int_equal(diallist_order_parse("mobile,direct", &o), 0);
	assert_int_equal(o.norder, 2);
	assert_int_equal(o.order[0], DIALLIST_MOBILE);
	assert_int_equal(diallist_order_parse("home,home", &o), EINVAL);
	assert_int_equal(diallist_order_parse("fax", &o), EINVAL);
	assert_int_equal(diallist_order_parse("", &o), EINVAL);
	assert_string_equal(diallist_skip_name(DIALLIST_GONE), "gone");
	assert_string_equal(diallist_skip_name((enum diallist_skip)99), "?");
	assert_string_equal(diallist_phone_name(DIALLIST_HOME), "home");
	assert_int_equal(diallist_count(NULL), 0);
	assert_null(diallist_entry(NULL, 0));
	diallist_free(NULL);
}

/* The cadence's due phone actions: an action id per entry, each person fetched into the
 * (empty) store and joined, a pending_activity action and one completed elsewhere while the
 * list was read skipped with their reasons, a do_not_contact person refused by the gates. */
static void test_cadence(void **state)
{
	struct diallist_opts o;
	size_t i, dial = 0, gone = 0, pending = 0, dnc = 0;
	cJSON *list = NULL;
	char path[256];
	int64_t pend_id, dnc_person;

	/* Two of the cadence's due actions are changed first: one waits for another activity,
	 * the person of another is marked do-not-contact. */
	text_printf(path, sizeof(path),
	            "/v2/actions?cadence_id=%lld&type=phone&user_guid=%s&per_page=100"
	            "&due_on%%5Blte%%5D=%s",
	            (long long)cadence, guid, now_iso());
	assert_int_equal(sbxt_api(&sbx, SBXT_API_KEY, "GET", path, NULL, &list), 200);
	assert_true(cJSON_GetArraySize(sbxt_data(list)) >= 4);
	pend_id = (int64_t)sbxt_num(cJSON_GetArrayItem(sbxt_data(list), 0), "id");
	dnc_person = (int64_t)sbxt_num(
	        cJSON_GetObjectItem(cJSON_GetArrayItem(sbxt_data(list), 1), "person"), "id");
	cJSON_Delete(list);
	avoid_person = dnc_person;
	text_printf(path, sizeof(path), "/_sandbox/records/actions/%lld", (long long)pend_id);
	assert_int_equal(sbxt_admin(&sbx, "PATCH", path, "{\"status\":\"pending_activity\"}", NULL),
	                 200);
	text_printf(path, sizeof(path), "/_sandbox/records/people/%lld", (long long)dnc_person);
	assert_int_equal(sbxt_admin(&sbx, "PATCH", path, "{\"do_not_contact\":true}", NULL), 200);

	/* Each action fetched by id is held a while, so the test logs its call in between: the
	 * list pages are read, then the actions one by one. */
	assert_int_equal(sbxt_admin(&sbx, "POST", "/_sandbox/faults",
	                            "{\"latency_ms\":300,\"path_prefix\":\"/v2/actions/\"}", NULL),
	                 200);
	opts(&o);
	o.cadence_id = cadence;
	complete_at = 1;
	load(&o);
	assert_int_equal(sbxt_admin(&sbx, "DELETE", "/_sandbox/faults", NULL, NULL), 200);
	assert_int_equal(complete_at, 0);
	assert_true(diallist_count(dl) >= 4);
	for (i = 0; i < diallist_count(dl); i++) {
		const struct diallist_entry *e = diallist_entry(dl, i);

		assert_true(e->action_id > 0);
		assert_int_equal(e->task_id, 0);
		assert_int_equal(e->cadence_id, cadence);
		assert_true(e->mirror_task_id > 0); /* the action's task reference */
		if (e->action_id == completed) {
			assert_int_equal(e->skip, DIALLIST_GONE);
			assert_non_null(strstr(e->reason, "completed elsewhere"));
			gone++;
		} else if (e->action_id == pend_id) {
			assert_int_equal(e->skip, DIALLIST_PENDING);
			assert_non_null(strstr(e->reason, "pending"));
			pending++;
		} else if (e->person_id == dnc_person) {
			assert_int_equal(e->skip, DIALLIST_GATE);
			assert_int_equal(e->gate.why, GATES_DNC);
			assert_true(e->reason[0] != '\0');
			dnc++;
		} else if (e->skip == DIALLIST_DIAL) {
			/* Joined with the store: the person was fetched (the store was empty). */
			assert_int_equal(e->c.id, e->person_id);
			assert_true(e->c.display_name[0] || e->c.first_name[0]);
			assert_true(e->number[0] != '\0');
			dial++;
		} else {
			/* Anything else skipped says why. */
			assert_true(e->reason[0] != '\0');
		}
	}
	assert_int_equal(gone, 1);
	assert_int_equal(pending, 1);
	assert_int_equal(dnc, 1);
	assert_true(dial >= 1);
}

/* The rep's call tasks, overdue and today: a task id per entry, people joined. */
static void test_tasks(void **state)
{
	struct diallist_opts o;
	size_t i, dial = 0;

	opts(&o);
	o.tasks = true;
	load(&o);
	assert_true(diallist_count(dl) >= 2);
	for (i = 0; i < diallist_count(dl); i++) {
		const struct diallist_entry *e = diallist_entry(dl, i);

		assert_true(e->task_id > 0);
		assert_int_equal(e->action_id, 0);
		assert_true(e->subject[0] != '\0');
		if (e->skip == DIALLIST_DIAL) {
			assert_int_equal(e->c.id, e->person_id);
			dial++;
		} else {
			assert_true(e->reason[0] != '\0');
		}
	}
	assert_true(dial >= 1);
}

/* A cadence and the tasks in one list: a task mirrored by an action of the list is not
 * dialled again, and says which action covers it. */
static void test_mirrored_once(void **state)
{
	struct diallist_opts o;
	size_t i, j, mirrored = 0;

	opts(&o);
	o.cadence_id = cadence;
	o.tasks = true;
	load(&o);
	for (i = 0; i < diallist_count(dl); i++) {
		const struct diallist_entry *e = diallist_entry(dl, i);

		if (e->skip != DIALLIST_MIRRORED)
			continue;
		mirrored++;
		assert_true(e->task_id > 0);
		for (j = 0; j < diallist_count(dl); j++) {
			const struct diallist_entry *a = diallist_entry(dl, j);

			if (a->mirror_task_id == e->task_id) {
				assert_int_equal(a->skip, DIALLIST_DIAL);
				break;
			}
		}
		assert_true(j < diallist_count(dl));
		assert_non_null(strstr(e->reason, "mirrors action"));
	}
	assert_true(mirrored >= 1);
	/* No person is dialled twice. */
	for (i = 0; i < diallist_count(dl); i++)
		for (j = i + 1; j < diallist_count(dl); j++)
			if (diallist_entry(dl, i)->skip == DIALLIST_DIAL &&
			    diallist_entry(dl, j)->skip == DIALLIST_DIAL)
				assert_true(diallist_entry(dl, i)->person_id !=
				            diallist_entry(dl, j)->person_id);
}

/* The phone order: mobile first when asked, direct (with its extension) otherwise. */
static void test_phone_order(void **state)
{
	struct diallist_opts o;
	size_t i, mobile = 0;

	opts(&o);
	o.tasks = true;
	assert_int_equal(diallist_order_parse("mobile,home,direct", &o), 0);
	load(&o);
	for (i = 0; i < diallist_count(dl); i++) {
		const struct diallist_entry *e = diallist_entry(dl, i);

		if (e->skip != DIALLIST_DIAL)
			continue;
		if (e->c.mobile_phone[0]) {
			assert_int_equal(e->phone, DIALLIST_MOBILE);
			assert_string_equal(e->number, e->c.mobile_phone);
			assert_string_equal(e->ext, "");
			mobile++;
		} else if (e->c.home_phone[0]) {
			assert_int_equal(e->phone, DIALLIST_HOME);
		} else {
			assert_int_equal(e->phone, DIALLIST_DIRECT);
			assert_string_equal(e->ext, e->c.phone_extension);
		}
	}
	(void)mobile;
}

/* People stored recently are not fetched again; older than dial.person_max_age they are
 * (one ids[] request per 100 people). */
static void test_people_refetch(void **state)
{
	struct diallist_opts o;
	unsigned fresh, stale;

	opts(&o);
	o.tasks = true;
	load(&o); /* every person of the list is in the store after this */
	diallist_free(dl);
	dl = NULL;
	load(&o);
	fresh = diallist_requests(dl);
	diallist_free(dl);
	dl = NULL;
	o.person_max_age_s = 0;
	o.now = time(NULL) + 5; /* every stored person is now older than the list allows */
	load(&o);
	stale = diallist_requests(dl);
	/* The task pages are the same; the stale list adds the people request. */
	assert_int_equal(stale, fresh + 1);
}

/* The text of call instructions id as the sandbox serves it ("" for null). */
static void instr_of(int64_t id, char *out, size_t n)
{
	char path[128];
	cJSON *j = NULL;
	const cJSON *t;

	text_printf(path, sizeof(path), "/v2/action_details/call_instructions/%lld", (long long)id);
	assert_int_equal(sbxt_api(&sbx, SBXT_API_KEY, "GET", path, NULL, &j), 200);
	t = cJSON_GetObjectItem(sbxt_data(j), "instructions");
	text_copy(out, n, cJSON_IsString(t) ? t->valuestring : "");
	cJSON_Delete(j);
}

/* Every action to dial carries the call instructions its action_details reference names
 * (not the action's own id: one action is pointed at a record of another id), hostile text
 * kept as Salesloft sent it (drawing it clean is the screens' job); one request per action
 * and one for all the instructions. */
static void test_instructions(void **state)
{
	static const char hostile[] =
	        "Ask for Jo\x1b]0;pwn\x07\x1b[2J now\r\nline two \xe2\x80\xae end";
	const struct diallist_entry *a = NULL, *b = NULL;
	struct diallist_opts o;
	char path[256], body[512], want[DIALLIST_INSTR_MAX];
	int64_t a_action, b_action, b_instr;
	unsigned steps = 0, gets = 0, with = 0;
	cJSON *j = NULL, *esc;
	const cJSON *st;
	char *json;
	size_t i;

	opts(&o);
	o.cadence_id = cadence;
	load(&o); /* the people are stored after this */
	for (i = 0; i < diallist_count(dl) && !b; i++) {
		const struct diallist_entry *e = diallist_entry(dl, i);

		if (e->skip != DIALLIST_DIAL)
			continue;
		assert_true(e->instructions_id > 0);
		if (!a)
			a = e;
		else
			b = e;
	}
	assert_non_null(b);
	a_action = a->action_id;
	b_action = b->action_id;
	b_instr = b->instructions_id;
	diallist_free(dl);
	dl = NULL;

	/* A record of an id no action has, named by the first action; the second's own text. */
	esc = cJSON_CreateObject();
	cJSON_AddStringToObject(esc, "instructions", hostile);
	json = cJSON_PrintUnformatted(esc);
	assert_int_equal(sbxt_admin(&sbx, "PUT", "/_sandbox/call_instructions/990001", json, NULL),
	                 200);
	free(json);
	cJSON_Delete(esc);
	text_printf(path, sizeof(path), "/_sandbox/records/actions/%lld", (long long)a_action);
	assert_int_equal(
	        sbxt_admin(&sbx, "PATCH", path, "{\"action_details\":{\"id\":990001}}", NULL), 200);
	text_printf(path, sizeof(path), "/_sandbox/call_instructions/%lld", (long long)b_instr);
	text_printf(body, sizeof(body), "{\"instructions\":\"Second: ask about the Q3 budget.\"}");
	assert_int_equal(sbxt_admin(&sbx, "PUT", path, body, NULL), 200);

	load(&o);
	for (i = 0; i < diallist_count(dl); i++) {
		const struct diallist_entry *e = diallist_entry(dl, i);

		if (e->skip != DIALLIST_PENDING && e->skip != DIALLIST_NOT_PHONE)
			gets++; /* fetched by id */
		if (e->skip != DIALLIST_DIAL)
			continue;
		if (e->action_id == a_action) {
			assert_int_equal(e->instructions_id, 990001);
			assert_string_equal(e->instructions, hostile);
		} else if (e->action_id == b_action) {
			assert_string_equal(e->instructions, "Second: ask about the Q3 budget.");
		} else {
			instr_of(e->instructions_id, want, sizeof(want));
			assert_string_equal(e->instructions, want);
		}
		if (e->instructions[0])
			with++;
	}
	assert_true(with >= 2);
	/* The requests: the steps page, one actions page per phone step, one GET per action,
	 * one for every instruction (fewer than 100 here), no person (all stored). */
	text_printf(path, sizeof(path),
	            "/v2/steps?cadence_id=%lld&has_due_actions=true&per_page=100",
	            (long long)cadence);
	assert_int_equal(sbxt_api(&sbx, SBXT_API_KEY, "GET", path, NULL, &j), 200);
	cJSON_ArrayForEach(st, sbxt_data(j))
	{
		if (!strcmp(sbxt_str(st, "type"), "phone"))
			steps++;
	}
	cJSON_Delete(j);
	assert_int_equal(diallist_requests(dl), 1 + steps + gets + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_args_and_names),
	        cmocka_unit_test_teardown(test_cadence, free_list),
	        cmocka_unit_test_teardown(test_tasks, free_list),
	        cmocka_unit_test_teardown(test_mirrored_once, free_list),
	        cmocka_unit_test_teardown(test_phone_order, free_list),
	        cmocka_unit_test_teardown(test_people_refetch, free_list),
	        cmocka_unit_test_teardown(test_instructions, free_list),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

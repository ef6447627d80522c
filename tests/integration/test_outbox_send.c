/*
 * The outbox sender against the real sandbox, through `loftdial outbox`: calls queued in a
 * real store file are logged exactly once whatever happens on the way. Covered: an action and
 * a task logged and completed; a 5xx and a dropped connection on the POST (looked at, found not
 * landed, sent again once); replies lost after the call landed (an item left in `sending`
 * after its call reached Salesloft, for an action, a task and a call with neither: found, not
 * sent again), and the same through the sandbox's lost_reply and late_reply faults (the POST
 * stored, its answer lost or later than loftdial's timeout); a 422 "already been used"
 * (looked at, found); an outage of every request
 * (a flush gives up and keeps the item; the next one sends it once); a 422 for a disposition
 * the team does not have (kept with its errors map, retry, drop); a 422 for the disposition the
 * team requires (the record waits, is fixed with `outbox fix`, and is sent); list, and bad
 * usage.
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

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "loftdial/outbox.h"
#include "loftdial/records.h"
#include "loftdial/store.h"
#include "sbxtest.h"

#define KEY SBXT_API_KEY

static struct sbxt S;
static char home[512], db[600], homeenv[600], urlenv[300], keyenv[200], out[65536];

/* Runs loftdial outbox ARGS; returns the exit code, stdout (and stderr) in out. */
static int outbox(const char *a1, const char *a2)
{
	char *argv[] = {(char *)tl_env("LOFTDIAL_BIN", "loftdial"), "outbox", (char *)a1,
	                (char *)a2, NULL};
	char *env[] = {homeenv, urlenv, keyenv, NULL};

	int rc;

	out[0] = '\0';
	rc = tl_run(argv, env, out, sizeof(out), 60000);
	/* The program's own lines, for reading a failure. */
	printf("$ loftdial outbox %s %s -> %d\n%s", a1 ? a1 : "", a2 ? a2 : "", rc, out);
	return rc;
}

/* The id of the n-th record of a list query and of its reference ref. */
static void nth_of(const char *path, int n, const char *ref, long long *id, long long *ref_id)
{
	cJSON *j = NULL, *rec;

	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	rec = cJSON_GetArrayItem(sbxt_data(j), n);
	if (!rec)
		fail_msg("no record %d for %s", n, path);
	*id = (long long)sbxt_num(rec, "id");
	*ref_id = (long long)sbxt_num(cJSON_GetObjectItem(rec, ref), "id");
	cJSON_Delete(j);
}

/* How many calls the sandbox holds for a person (and, when action > 0, naming that action). */
static int calls_of(long long person, long long action)
{
	char path[160];
	cJSON *j = NULL, *c;
	int n = 0;

	snprintf(path, sizeof(path), "/v2/activities/calls?person_id=%lld&per_page=100", person);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	cJSON_ArrayForEach(c, sbxt_data(j))
	{
		if (action <= 0 ||
		    (long long)sbxt_num(cJSON_GetObjectItem(c, "action"), "id") == action)
			n++;
	}
	cJSON_Delete(j);
	return n;
}

/* Queues an item in the store file; with sending, leaves it as a run that died mid-send. */
static int64_t queue(const char *key, const char *body, bool sending)
{
	struct store *st;
	int64_t id = 0;

	assert_int_equal(store_open(&st, db), 0);
	assert_int_equal(outbox_enqueue(st, "call", key, body, &id), 0);
	if (sending)
		assert_int_equal(outbox_mark_sending(st, id), 0);
	store_close(st);
	return id;
}

/* An item's state and remote id. */
static enum outbox_state state_of(int64_t id, int64_t *remote, char *err, size_t n)
{
	struct outbox_item it;
	struct store *st;
	enum outbox_state s;

	memset(&it, 0, sizeof(it));
	assert_int_equal(store_open(&st, db), 0);
	assert_int_equal(outbox_get(st, id, &it), 0);
	s = it.state;
	if (remote)
		*remote = it.remote_id;
	if (err)
		snprintf(err, n, "%s", it.last_error ? it.last_error : "");
	outbox_item_clear(&it);
	store_close(st);
	return s;
}

static int setup(void **state)
{
	(void)state;
	if (sbxt_start(&S, NULL))
		return -1;
	if (tl_tmpdir(home, sizeof(home), "ld-outsend"))
		return -1;
	snprintf(db, sizeof(db), "%s/loftdial.db", home);
	snprintf(homeenv, sizeof(homeenv), "LOFTDIAL_HOME=%s", home);
	snprintf(urlenv, sizeof(urlenv), "LOFTDIAL_API_URL=%s", S.base);
	snprintf(keyenv, sizeof(keyenv), "LOFTDIAL_API_KEY=%s", KEY);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tl_rmrf(home);
	return sbxt_stop(&S) == 0 ? 0 : -1;
}

/* Plain sends: an action and a task, completed, each call in Salesloft once. */
static void test_send_action_and_task(void **state)
{
	long long action, aperson, task, tperson;
	char body[512], path[128];
	int64_t a, t, rid = 0;
	cJSON *j = NULL;

	(void)state;
	nth_of("/v2/actions?type=phone&per_page=10", 0, "person", &action, &aperson);
	nth_of("/v2/tasks?task_type=call&current_state=scheduled&per_page=10", 0, "person", &task,
	       &tperson);
	snprintf(body, sizeof(body),
	         "{\"person_id\":%lld,\"action_id\":%lld,\"to\":\"+14155550101\",\"duration\":42,"
	         "\"notes\":\"spoke\"}",
	         aperson, action);
	a = queue("action:a1", body, false);
	snprintf(body, sizeof(body),
	         "{\"person_id\":%lld,\"task_id\":%lld,\"to\":\"+14155550102\",\"duration\":7}",
	         tperson, task);
	t = queue("task:t1", body, false);
	assert_int_equal(outbox("flush", NULL), 0);
	assert_non_null(strstr(out, "sent, call"));
	assert_int_equal(state_of(a, &rid, NULL, 0), OUTBOX_SENT);
	assert_true(rid > 0);
	assert_int_equal(calls_of(aperson, action), 1);
	/* The returned call went into the store at once. */
	{
		struct store *st;
		bool live = false;

		assert_int_equal(store_open(&st, db), 0);
		assert_int_equal(records_is_live(st, STORE_CALLS, rid, &live), 0);
		assert_true(live);
		store_close(st);
	}
	assert_int_equal(state_of(t, &rid, NULL, 0), OUTBOX_SENT);
	snprintf(path, sizeof(path), "/v2/tasks/%lld", task);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	assert_string_equal(sbxt_str(sbxt_data(j), "current_state"), "completed");
	cJSON_Delete(j);
	/* A second flush has nothing to do. */
	assert_int_equal(outbox("flush", NULL), 0);
	assert_null(strstr(out, "sent, call"));
	assert_int_equal(calls_of(aperson, action), 1);
}

/* A 5xx and a dropped connection on the POST: looked at, not landed, sent again, once. */
static void test_faults_on_post(void **state)
{
	long long action, person;
	char body[512];
	int64_t id;
	const char *const faults[] = {
	        "{\"error_5xx\":100,\"requests\":1,\"path_prefix\":\"/v2/activities/calls\"}",
	        "{\"drop\":100,\"requests\":1,\"path_prefix\":\"/v2/activities/calls\"}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		char key[32];

		nth_of("/v2/actions?type=phone&per_page=10", 0, "person", &action, &person);
		snprintf(body, sizeof(body),
		         "{\"person_id\":%lld,\"action_id\":%lld,\"to\":\"+14155550103\"}", person,
		         action);
		snprintf(key, sizeof(key), "action:f%zu", i);
		id = queue(key, body, false);
		assert_int_equal(sbxt_admin(&S, "POST", "/_sandbox/faults", faults[i], NULL), 200);
		assert_int_equal(outbox("flush", NULL), 0);
		assert_non_null(strstr(out, "looking"));
		assert_non_null(strstr(out, "sent, call"));
		assert_int_equal(state_of(id, NULL, NULL, 0), OUTBOX_SENT);
		assert_int_equal(calls_of(person, action), 1);
		sbxt_admin(&S, "DELETE", "/_sandbox/faults", NULL, NULL);
	}
}

/* An outage (every /v2/ request a 5xx for a few seconds): a flush in it gives up with the
 * item kept; the next flush, once the outage is over, sends it exactly once. */
static void test_outage(void **state)
{
	long long action, person;
	char body[512];
	int64_t id;
	enum outbox_state s;
	unsigned long long deadline;
	cJSON *j = NULL;
	bool open = true;

	(void)state;
	nth_of("/v2/actions?type=phone&per_page=10", 0, "person", &action, &person);
	snprintf(body, sizeof(body),
	         "{\"person_id\":%lld,\"action_id\":%lld,\"to\":\"+14155550109\"}", person, action);
	id = queue("action:o1", body, false);
	assert_int_equal(sbxt_admin(&S, "POST", "/_sandbox/faults",
	                            "{\"error_5xx\":100,\"seconds\":4}", NULL),
	                 200);
	assert_int_equal(outbox("flush", "--timeout"), 2); /* --timeout needs a value */
	{
		char *argv[] = {(char *)tl_env("LOFTDIAL_BIN", "loftdial"),
		                "outbox",
		                "flush",
		                "--timeout",
		                "2",
		                NULL};
		char *env[] = {homeenv, urlenv, keyenv, NULL};

		assert_int_equal(tl_run(argv, env, out, sizeof(out), 60000), 4);
		printf("%s", out);
	}
	s = state_of(id, NULL, NULL, 0);
	assert_true(s == OUTBOX_SENDING || s == OUTBOX_QUEUED);
	/* Wait for the outage to end (poll with a deadline). */
	deadline = tl_now_ms() + 20000;
	while (open && tl_now_ms() < deadline) {
		assert_int_equal(sbxt_admin(&S, "GET", "/_sandbox/faults", NULL, &j), 200);
		open = cJSON_IsTrue(cJSON_GetObjectItem(j, "open"));
		cJSON_Delete(j);
		j = NULL;
		if (open)
			nanosleep(&(struct timespec){0, 100000000}, NULL);
	}
	assert_false(open);
	assert_int_equal(calls_of(person, action), 0); /* the 5xx came before the write */
	assert_int_equal(outbox("flush", NULL), 0);
	assert_int_equal(state_of(id, NULL, NULL, 0), OUTBOX_SENT);
	assert_int_equal(calls_of(person, action), 1);
}

/* A person none of the tests has called yet (people are many; tests use few). */
static long long fresh_person(int from)
{
	char path[96];
	long long id, ref;
	int i;

	for (i = from; i < from + 20; i++) {
		snprintf(path, sizeof(path), "/v2/people?per_page=%d", i + 1);
		nth_of(path, i, "owner", &id, &ref);
		if (calls_of(id, 0) == 0)
			return id;
	}
	fail_msg("no person without calls");
	return 0;
}

/* Replies lost after the call landed: an item left in `sending` is found, never re-posted. */
static void test_lost_replies(void **state)
{
	long long action, aperson, task, tperson, person;
	char body[512];
	int64_t a, t, n, rid = 0;
	int tbefore;
	cJSON *j = NULL;
	long long landed;

	(void)state;
	/* An action: the first attempt landed (posted here), the reply never came back. */
	nth_of("/v2/actions?type=phone&per_page=10", 0, "person", &action, &aperson);
	snprintf(body, sizeof(body),
	         "{\"person_id\":%lld,\"action_id\":%lld,\"to\":\"+14155550104\"}", aperson,
	         action);
	assert_int_equal(sbxt_api(&S, KEY, "POST", "/v2/activities/calls", body, &j), 200);
	landed = (long long)sbxt_num(sbxt_data(j), "id");
	cJSON_Delete(j);
	a = queue("action:l1", body, true);
	/* A task, the same way. */
	nth_of("/v2/tasks?task_type=call&current_state=scheduled&per_page=10", 0, "person", &task,
	       &tperson);
	snprintf(body, sizeof(body),
	         "{\"person_id\":%lld,\"task_id\":%lld,\"to\":\"+14155550105\"}", tperson, task);
	assert_int_equal(sbxt_api(&S, KEY, "POST", "/v2/activities/calls", body, NULL), 200);
	tbefore = calls_of(tperson, 0);
	t = queue("task:l2", body, true);
	/* Neither: a call to a number. */
	person = fresh_person(5);
	snprintf(body, sizeof(body), "{\"person_id\":%lld,\"to\":\"+14155550106\",\"duration\":3}",
	         person);
	assert_int_equal(sbxt_api(&S, KEY, "POST", "/v2/activities/calls", body, NULL), 200);
	n = queue("uuid-l3", body, true);

	assert_int_equal(outbox("flush", NULL), 0);
	assert_non_null(strstr(out, "found in sending at start"));
	assert_int_equal(state_of(a, &rid, NULL, 0), OUTBOX_SENT);
	assert_int_equal(rid, landed);
	assert_int_equal(calls_of(aperson, action), 1);
	assert_int_equal(state_of(t, NULL, NULL, 0), OUTBOX_SENT);
	assert_int_equal(calls_of(tperson, 0), tbefore);
	assert_int_equal(state_of(n, NULL, NULL, 0), OUTBOX_SENT);
	assert_int_equal(calls_of(person, 0), 1);

	/* The same call with neither, not landed this time: found missing, sent once. */
	person = fresh_person(30);
	snprintf(body, sizeof(body), "{\"person_id\":%lld,\"to\":\"+14155550108\"}", person);
	n = queue("uuid-l4", body, true);
	assert_int_equal(outbox("flush", NULL), 0);
	assert_non_null(strstr(out, "not in Salesloft"));
	assert_int_equal(state_of(n, NULL, NULL, 0), OUTBOX_SENT);
	assert_int_equal(calls_of(person, 0), 1);
}

/* The sandbox's own lost and late replies: the POST is served and stored, its answer never
 * arrives (lost) or arrives after loftdial's timeout (late): looked at, found, never posted
 * again; for an action, a task and a call with neither. */
static void test_lost_reply_faults(void **state)
{
	static const struct {
		const char *kind, *fault;
	} cases[] = {
	        {"action",
	         "{\"lost_reply\":100,\"requests\":1,\"path_prefix\":\"/v2/activities/calls\"}"},
	        {"task",
	         "{\"lost_reply\":100,\"requests\":1,\"path_prefix\":\"/v2/activities/calls\"}"},
	        {"none",
	         "{\"lost_reply\":100,\"requests\":1,\"path_prefix\":\"/v2/activities/calls\"}"},
	        {"task", "{\"late_reply\":100,\"late_reply_ms\":4000,\"requests\":1,"
	                 "\"path_prefix\":\"/v2/activities/calls\"}"},
	};
	char body[512], key[32], cfg[600];
	long long work, person;
	int64_t id;
	size_t i;
	int before;
	FILE *f;

	(void)state;
	snprintf(cfg, sizeof(cfg), "%s/config", home);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!strcmp(cases[i].kind, "action")) {
			nth_of("/v2/actions?type=phone&per_page=10", 0, "person", &work, &person);
			snprintf(body, sizeof(body),
			         "{\"person_id\":%lld,\"action_id\":%lld,\"to\":\"+14155550110\"}",
			         person, work);
		} else if (!strcmp(cases[i].kind, "task")) {
			nth_of("/v2/tasks?task_type=call&current_state=scheduled&per_page=10", 0,
			       "person", &work, &person);
			snprintf(body, sizeof(body),
			         "{\"person_id\":%lld,\"task_id\":%lld,\"to\":\"+14155550111\"}",
			         person, work);
		} else {
			person = fresh_person(55);
			snprintf(body, sizeof(body), "{\"person_id\":%lld,\"to\":\"+14155550112\"}",
			         person);
		}
		before = calls_of(person, 0);
		snprintf(key, sizeof(key), "lost:%zu", i);
		id = queue(key, body, false);
		/* A late reply only looks lost to a client that gives up first. */
		f = fopen(cfg, "w");
		assert_non_null(f);
		fputs(strstr(cases[i].fault, "late") ? "salesloft.timeout 1\n" : "", f);
		fclose(f);
		assert_int_equal(sbxt_admin(&S, "POST", "/_sandbox/faults", cases[i].fault, NULL),
		                 200);
		assert_int_equal(outbox("flush", NULL), 0);
		assert_non_null(strstr(out, "looking"));
		assert_null(strstr(out, "not in Salesloft"));
		assert_int_equal(state_of(id, NULL, NULL, 0), OUTBOX_SENT);
		assert_int_equal(calls_of(person, 0), before + 1);
		sbxt_admin(&S, "DELETE", "/_sandbox/faults", NULL, NULL);
	}
	remove(cfg);
}

/* A 422 "already been used": the earlier attempt landed; look, find, no duplicate. */
static void test_already_used(void **state)
{
	long long action, person;
	char body[512];
	int64_t id;

	(void)state;
	nth_of("/v2/actions?type=phone&per_page=10", 0, "person", &action, &person);
	snprintf(body, sizeof(body),
	         "{\"person_id\":%lld,\"action_id\":%lld,\"to\":\"+14155550107\"}", person, action);
	assert_int_equal(sbxt_api(&S, KEY, "POST", "/v2/activities/calls", body, NULL), 200);
	id = queue("action:u1", body, false);
	assert_int_equal(outbox("flush", NULL), 0);
	assert_non_null(strstr(out, "already used"));
	assert_int_equal(state_of(id, NULL, NULL, 0), OUTBOX_SENT);
	assert_int_equal(calls_of(person, action), 1);
}

/* Another 422 keeps the item with its errors map; retry and drop by hand. */
static void test_422_kept_retry_drop(void **state)
{
	long long task, person;
	char body[512], err[1024], ids[32];
	int64_t id;

	(void)state;
	nth_of("/v2/tasks?task_type=call&current_state=scheduled&per_page=10", 0, "person", &task,
	       &person);
	snprintf(body, sizeof(body),
	         "{\"person_id\":%lld,\"task_id\":%lld,\"disposition\":\"No Such Disposition\"}",
	         person, task);
	id = queue("task:bad", body, false);
	assert_int_equal(outbox("flush", NULL), 4);
	assert_non_null(strstr(out, "failed"));
	assert_int_equal(state_of(id, NULL, err, sizeof(err)), OUTBOX_FAILED);
	assert_non_null(strstr(err, "\"disposition\":["));
	assert_int_equal(outbox("list", NULL), 0);
	assert_non_null(strstr(out, "task:bad"));
	assert_non_null(strstr(out, "failed"));
	snprintf(ids, sizeof(ids), "%lld", (long long)id);
	assert_int_equal(outbox("retry", ids), 0);
	assert_int_equal(state_of(id, NULL, NULL, 0), OUTBOX_QUEUED);
	assert_int_equal(outbox("retry", ids), 0); /* queued: due now again */
	assert_int_equal(outbox("drop", ids), 0);  /* not a terminal: no question */
	assert_int_equal(outbox("retry", ids), 1); /* gone */
	/* Bad usage. */
	assert_int_equal(outbox("retry", "x"), 2);
	assert_int_equal(outbox("frobnicate", NULL), 2);
	assert_int_equal(outbox("drop", NULL), 2);
}

/* Runs loftdial with up to six arguments (NULL-terminated); the exit code, output in out. */
static int ld(const char *a1, const char *a2, const char *a3, const char *a4, const char *a5,
              const char *a6)
{
	char *argv[] = {(char *)tl_env("LOFTDIAL_BIN", "loftdial"),
	                (char *)a1,
	                (char *)a2,
	                (char *)a3,
	                (char *)a4,
	                (char *)a5,
	                (char *)a6,
	                NULL};
	char *env[] = {homeenv, urlenv, keyenv, NULL};
	int rc;

	out[0] = '\0';
	rc = tl_run(argv, env, out, sizeof(out), 60000);
	printf("$ loftdial %s %s %s %s -> %d\n%s", a1, a2 ? a2 : "", a3 ? a3 : "", a4 ? a4 : "", rc,
	       out);
	return rc;
}

/* The team requires a disposition: a record without one gets a 422 and waits (failed, its
 * errors map kept); `outbox fix` refuses a name the team lacks, takes the team's spelling of
 * one it has, and the next flush sends the record once, completing the task. */
static void test_422_required_fixed_and_sent(void **state)
{
	long long task, person;
	char body[512], err[1024], ids[32], path[96];
	int64_t id, rid = 0;
	int before;
	cJSON *j = NULL;

	(void)state;
	assert_int_equal(
	        sbxt_admin(&S, "POST", "/_sandbox/team", "{\"dispositions_required\":true}", NULL),
	        200);
	nth_of("/v2/tasks?task_type=call&current_state=scheduled&per_page=10", 1, "person", &task,
	       &person);
	before = calls_of(person, 0);
	snprintf(body, sizeof(body),
	         "{\"person_id\":%lld,\"task_id\":%lld,\"to\":\"+14155550113\",\"duration\":12,"
	         "\"notes\":\"left a message with the assistant\"}",
	         person, task);
	id = queue("task:required", body, false);
	assert_int_equal(outbox("flush", NULL), 4);
	assert_int_equal(state_of(id, NULL, err, sizeof(err)), OUTBOX_FAILED);
	assert_non_null(strstr(err, "\"disposition\":[\"can't be blank\"]"));
	assert_int_equal(calls_of(person, 0), before);
	/* The team's names, as a session or a sync stores them. */
	assert_int_equal(ld("sync", "call_dispositions", "call_sentiments", NULL, NULL, NULL), 0);
	snprintf(ids, sizeof(ids), "%lld", (long long)id);
	assert_int_equal(ld("outbox", "fix", ids, "--disposition", "No Such Name", NULL), 1);
	assert_non_null(strstr(out, "the team has no call disposition named 'No Such Name'"));
	assert_int_equal(state_of(id, NULL, NULL, 0), OUTBOX_FAILED);
	assert_int_equal(ld("outbox", "fix", ids, "--disposition", NULL, NULL), 2);
	assert_int_equal(ld("outbox", "fix", ids, "--disposition", "meeting booked", NULL), 0);
	assert_int_equal(state_of(id, NULL, NULL, 0), OUTBOX_QUEUED);
	assert_int_equal(outbox("flush", NULL), 0);
	assert_int_equal(state_of(id, &rid, NULL, 0), OUTBOX_SENT);
	assert_int_equal(calls_of(person, 0), before + 1);
	snprintf(path, sizeof(path), "/v2/activities/calls/%lld", (long long)rid);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	assert_string_equal(sbxt_str(sbxt_data(j), "disposition"), "Meeting Booked");
	cJSON_Delete(j);
	snprintf(path, sizeof(path), "/v2/tasks/%lld", task);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	assert_string_equal(sbxt_str(sbxt_data(j), "current_state"), "completed");
	cJSON_Delete(j);
	/* Sent: nothing more to fix. */
	assert_int_equal(ld("outbox", "fix", ids, "--notes", "late", NULL), 1);
	assert_int_equal(
	        sbxt_admin(&S, "POST", "/_sandbox/team", "{\"dispositions_required\":false}", NULL),
	        200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_send_action_and_task),
	        cmocka_unit_test(test_faults_on_post),
	        cmocka_unit_test(test_lost_replies),
	        cmocka_unit_test(test_already_used),
	        cmocka_unit_test(test_lost_reply_faults),
	        cmocka_unit_test(test_outage),
	        cmocka_unit_test(test_422_kept_retry_drop),
	        cmocka_unit_test(test_422_required_fixed_and_sent),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

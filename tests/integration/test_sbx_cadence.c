/*
 * Integration test of cadence progress and person deletion in the sandbox, over real HTTP
 * (reference §4.5, §4.7, §4.12, §7): actions carry the task that mirrors them; a call logged
 * against a phone action completes the action and its task and moves the membership on
 * (latest_action, current_state, the next step's action due after the steps' day gap, the
 * person's last_completed_step), or finishes it after the last step, with the usual webhooks;
 * a call or PUT on the mirroring task does the same; deleting a person marks its memberships
 * person_deleted and removes its actions and tasks.
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

#include "sbxtest.h"

#define KEY SBXT_API_KEY

/* The first clean people (seed 1): each active on cadence 1200 or 1201 with a phone action
 * on step 2 due now, owned by user 1. */
#define P0 164510000LL

static struct sbxt S;

static int setup(void **state)
{
	/* Webhooks go to a closed port: every delivery is recorded (and fails), which is all
	 * this test needs to see which events fired. */
	static const char *const events[] = {"cadence_membership_updated", "task_created",
	                                     "task_updated", "task_completed", "task_deleted"};
	int err = sbxt_start(&S, NULL);

	for (size_t i = 0; !err && i < sizeof(events) / sizeof(events[0]); i++) {
		char body[256];

		snprintf(body, sizeof(body),
		         "{\"callback_url\":\"http://127.0.0.1:9/hook\",\"callback_token\":\"t\","
		         "\"event_type\":\"%s\"}",
		         events[i]);
		if (sbxt_api(&S, KEY, "POST", "/v2/webhook_subscriptions", body, NULL) != 200)
			err = EPROTO;
	}
	return err;
}

static int teardown(void **state)
{
	return sbxt_stop(&S) == 0 ? 0 : -1;
}

/* GET path with 200 expected; the record under data (caller deletes *root). */
static cJSON *get_data(const char *path, cJSON **root)
{
	*root = NULL;
	if (sbxt_api(&S, KEY, "GET", path, NULL, root) != 200)
		fail_msg("GET %s did not answer 200", path);
	return sbxt_data(*root);
}

/* A reference's id. */
static long long ref(const cJSON *rec, const char *key)
{
	return (long long)sbxt_num(cJSON_GetObjectItem(rec, key), "id");
}

/* The person's membership of a cadence (as a new cJSON). */
static cJSON *membership(long long person, long long cadence)
{
	cJSON *root = NULL, *m;
	char path[160];

	snprintf(path, sizeof(path), "/v2/cadence_memberships?person_id=%lld&cadence_id=%lld",
	         person, cadence);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &root), 200);
	m = cJSON_DetachItemFromArray(sbxt_data(root), 0);
	cJSON_Delete(root);
	assert_non_null(m);
	return m;
}

/* The person's first in-progress action (as a new cJSON), or NULL. */
static cJSON *action_of(long long person)
{
	cJSON *root = NULL, *a;
	char path[128];

	snprintf(path, sizeof(path), "/v2/actions?person_id=%lld", person);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &root), 200);
	a = cJSON_DetachItemFromArray(sbxt_data(root), 0);
	cJSON_Delete(root);
	return a;
}

/* Logs a call against an action; returns the status. */
static long call_action(long long person, long long action)
{
	char body[200];

	snprintf(body, sizeof(body),
	         "{\"person_id\":%lld,\"action_id\":%lld,\"disposition\":\"Connected\"}", person,
	         action);
	return sbxt_api(&S, KEY, "POST", "/v2/activities/calls", body, NULL);
}

/* Whether the delivery log holds event for record id. */
static bool delivered(const char *event, long long id)
{
	cJSON *j = NULL, *d;
	bool found = false;

	assert_int_equal(sbxt_admin(&S, "GET", "/_sandbox/deliveries", NULL, &j), 200);
	cJSON_ArrayForEach(d, sbxt_data(j))
	{
		if (!strcmp(sbxt_str(d, "event_type"), event) &&
		    (long long)sbxt_num(d, "record_id") == id)
			found = true;
	}
	cJSON_Delete(j);
	return found;
}

static void t_action_carries_its_task(void **state)
{
	cJSON *a = action_of(P0), *root, *t, *list = NULL, *x;
	long long task;
	char path[128];
	bool listed = false;

	assert_non_null(a);
	task = ref(a, "task");
	assert_true(task > 0);
	snprintf(path, sizeof(path), "/v2/tasks/%lld", task);
	t = get_data(path, &root);
	assert_string_equal(sbxt_str(t, "current_state"), "scheduled");
	assert_string_equal(sbxt_str(t, "task_type"), "call");
	assert_string_equal(sbxt_str(t, "source"), "salesloft.cadence");
	assert_int_equal(ref(t, "person"), P0);
	assert_int_equal(ref(t, "user"), ref(a, "user"));
	assert_string_equal(sbxt_str(t, "due_at"), sbxt_str(a, "due_on"));
	cJSON_Delete(root);
	/* The task is in the tasks list like any other. */
	snprintf(path, sizeof(path), "/v2/tasks?person_id=%lld", P0);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &list), 200);
	cJSON_ArrayForEach(x, sbxt_data(list)) listed |= (long long)sbxt_num(x, "id") == task;
	assert_true(listed);
	cJSON_Delete(list);
	/* ... also when the list is narrowed to cadence tasks (the generated row must carry
	 * its source column like the JSON does). */
	listed = false;
	snprintf(path, sizeof(path), "/v2/tasks?person_id=%lld&source=salesloft.cadence", P0);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &list), 200);
	cJSON_ArrayForEach(x, sbxt_data(list)) listed |= (long long)sbxt_num(x, "id") == task;
	assert_true(listed);
	cJSON_Delete(list);
	cJSON_Delete(a);
}

static void t_call_moves_cadence_on(void **state)
{
	cJSON *a = action_of(P0), *m0, *m1, *root, *rec, *step0, *step1, *r2;
	long long action, task, cadence, step, next_action, next_task, mid;
	char path[160], due_on[64], clock[96];
	int next_gap = 0;

	assert_non_null(a);
	action = (long long)sbxt_num(a, "id");
	task = ref(a, "task");
	cadence = ref(a, "cadence");
	step = ref(a, "step");
	cJSON_Delete(a);
	m0 = membership(P0, cadence);
	mid = (long long)sbxt_num(m0, "id");
	assert_int_equal(ref(m0, "latest_action"), action);
	assert_string_equal(sbxt_str(m0, "current_state"), "active");

	assert_int_equal(call_action(P0, action), 200);

	/* The action is done and gone; the task that mirrored it is completed by user 1. */
	snprintf(path, sizeof(path), "/v2/actions/%lld", action);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, NULL), 404);
	snprintf(path, sizeof(path), "/v2/tasks/%lld", task);
	rec = get_data(path, &root);
	assert_string_equal(sbxt_str(rec, "current_state"), "completed");
	assert_int_equal(ref(rec, "completed_by"), 1);
	cJSON_Delete(root);

	/* The membership points at the next step's new action. */
	m1 = membership(P0, cadence);
	next_action = ref(m1, "latest_action");
	assert_true(next_action > 0 && next_action != action);
	assert_string_not_equal(sbxt_str(m1, "updated_at"), sbxt_str(m0, "updated_at"));
	assert_int_equal((int)sbxt_num(cJSON_GetObjectItem(m1, "counts"), "calls"),
	                 (int)sbxt_num(cJSON_GetObjectItem(m0, "counts"), "calls") + 1);
	snprintf(path, sizeof(path), "/v2/actions/%lld", next_action);
	rec = get_data(path, &r2);
	snprintf(path, sizeof(path), "/v2/steps/%lld", step);
	step0 = get_data(path, &root);
	snprintf(path, sizeof(path), "/v2/steps/%lld", ref(rec, "step"));
	{
		cJSON *root1;
		int gap;

		step1 = get_data(path, &root1);
		assert_int_equal(ref(step1, "cadence"), cadence);
		assert_int_equal((int)sbxt_num(step1, "step_number"),
		                 (int)sbxt_num(step0, "step_number") + 1);
		gap = (int)sbxt_num(step1, "day") - (int)sbxt_num(step0, "day");
		/* INVENTED timing: a later day → due that many days on, "scheduled"; the same
		 * day → due at once, "active". */
		if (gap > 0) {
			assert_true(cJSON_IsFalse(cJSON_GetObjectItem(rec, "due")));
			assert_string_equal(sbxt_str(m1, "current_state"), "scheduled");
		} else {
			assert_true(cJSON_IsTrue(cJSON_GetObjectItem(rec, "due")));
			assert_string_equal(sbxt_str(m1, "current_state"), "active");
		}
		assert_string_equal(sbxt_str(rec, "type"), sbxt_str(step1, "type"));
		cJSON_Delete(root1);
		next_gap = gap;
	}
	cJSON_Delete(root);
	assert_string_equal(sbxt_str(rec, "status"), "in_progress");
	assert_int_equal(ref(rec, "person"), P0);
	assert_int_equal(ref(rec, "cadence"), cadence);
	snprintf(due_on, sizeof(due_on), "%s", sbxt_str(rec, "due_on"));
	next_task = ref(rec, "task");
	cJSON_Delete(r2);
	/* Its mirroring task, scheduled for the same instant. */
	snprintf(path, sizeof(path), "/v2/tasks/%lld", next_task);
	rec = get_data(path, &root);
	assert_string_equal(sbxt_str(rec, "current_state"), "scheduled");
	assert_string_equal(sbxt_str(rec, "due_at"), due_on);
	assert_string_equal(sbxt_str(rec, "source"), "salesloft.cadence");
	cJSON_Delete(root);
	/* The person records the step done. */
	snprintf(path, sizeof(path), "/v2/people/%lld", P0);
	rec = get_data(path, &root);
	assert_int_equal(ref(rec, "last_completed_step"), step);
	assert_int_equal(ref(rec, "last_completed_step_cadence"), cadence);
	cJSON_Delete(root);

	/* The usual webhooks fired for each change. */
	assert_true(delivered("cadence_membership_updated", mid));
	assert_true(delivered("task_updated", task));
	assert_true(delivered("task_completed", task));
	assert_true(delivered("task_created", next_task));
	cJSON_Delete(m0);
	cJSON_Delete(m1);

	/* due follows the clock: once the gap has passed the new action is due. */
	snprintf(clock, sizeof(clock), "{\"advance_seconds\":%d}", next_gap * 86400 + 60);
	assert_int_equal(sbxt_admin(&S, "POST", "/_sandbox/clock", clock, NULL), 200);
	snprintf(path, sizeof(path), "/v2/actions/%lld", next_action);
	rec = get_data(path, &root);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(rec, "due")));
	assert_string_equal(sbxt_str(rec, "due_on"), due_on);
	cJSON_Delete(root);
	assert_int_equal(sbxt_admin(&S, "POST", "/_sandbox/clock", "{\"skew_seconds\":0}", NULL),
	                 200);
	rec = get_data(path, &root);
	assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItem(rec, "due")), next_gap <= 0);
	cJSON_Delete(root);
}

static void t_cadence_finishes(void **state)
{
	const long long person = P0 + 1;
	cJSON *a, *m, *root, *p, *c;
	long long cadence = 0;
	char path[160];
	int steps = 0;

	/* Work the person's actions one by one: phone actions by a call log, the others by
	 * completing the task that mirrors them, until the cadence is done. */
	while ((a = action_of(person)) != NULL) {
		long long id = (long long)sbxt_num(a, "id");

		cadence = ref(a, "cadence");
		assert_true(++steps <= 10);
		if (!strcmp(sbxt_str(a, "type"), "phone")) {
			assert_int_equal(call_action(person, id), 200);
		} else {
			snprintf(path, sizeof(path), "/v2/tasks/%lld", ref(a, "task"));
			assert_int_equal(sbxt_api(&S, KEY, "PUT", path,
			                          "{\"current_state\":\"completed\"}", NULL),
			                 200);
		}
		snprintf(path, sizeof(path), "/v2/actions/%lld", id);
		assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, NULL), 404);
		cJSON_Delete(a);
	}
	assert_true(steps >= 2);
	m = membership(person, cadence);
	assert_string_equal(sbxt_str(m, "current_state"), "completed");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(m, "currently_on_cadence")));
	cJSON_Delete(m);
	/* The cadence left the person's active cadences. */
	snprintf(path, sizeof(path), "/v2/people/%lld", person);
	p = get_data(path, &root);
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(p, "cadences"))
	{
		assert_true((long long)sbxt_num(c, "id") != cadence);
	}
	cJSON_Delete(root);
}

static void t_call_on_mirror_task(void **state)
{
	const long long person = P0 + 2;
	cJSON *a = action_of(person), *m;
	long long action, task;
	char body[200], path[128];

	assert_non_null(a);
	action = (long long)sbxt_num(a, "id");
	task = ref(a, "task");
	assert_string_equal(sbxt_str(a, "type"), "phone");
	m = membership(person, ref(a, "cadence"));
	cJSON_Delete(a);
	assert_int_equal(ref(m, "latest_action"), action);

	/* INVENTED: a call logged against the mirroring task completes the action as well. */
	snprintf(body, sizeof(body), "{\"person_id\":%lld,\"task_id\":%lld}", person, task);
	assert_int_equal(sbxt_api(&S, KEY, "POST", "/v2/activities/calls", body, NULL), 200);
	snprintf(path, sizeof(path), "/v2/actions/%lld", action);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, NULL), 404);
	{
		cJSON *m1 = membership(
		        person, (long long)sbxt_num(cJSON_GetObjectItem(m, "cadence"), "id"));

		assert_true(ref(m1, "latest_action") != action);
		cJSON_Delete(m1);
	}
	cJSON_Delete(m);
	/* And the action can no longer be logged: it was completed through its task. */
	snprintf(body, sizeof(body), "{\"person_id\":%lld,\"action_id\":%lld}", person, action);
	assert_int_equal(sbxt_api(&S, KEY, "POST", "/v2/activities/calls", body, NULL), 422);
}

static void t_person_deleted(void **state)
{
	const long long person = P0 + 3;
	cJSON *a = action_of(person), *j = NULL, *m, *root;
	long long action, task, mid, other_task = 0;
	char path[160];

	assert_non_null(a);
	action = (long long)sbxt_num(a, "id");
	task = ref(a, "task");
	m = membership(person, ref(a, "cadence"));
	mid = (long long)sbxt_num(m, "id");
	cJSON_Delete(m);
	cJSON_Delete(a);
	/* The person's own call task (every clean person has one). */
	snprintf(path, sizeof(path), "/v2/tasks?person_id=%lld", person);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	{
		cJSON *t;

		cJSON_ArrayForEach(t, sbxt_data(j)) if ((long long)sbxt_num(t, "id") != task)
		        other_task = (long long)sbxt_num(t, "id");
	}
	cJSON_Delete(j);
	assert_true(other_task > 0);

	snprintf(path, sizeof(path), "/_sandbox/records/people/%lld", person);
	assert_int_equal(sbxt_admin(&S, "DELETE", path, NULL, NULL), 200);

	/* Memberships stay, marked person_deleted. */
	snprintf(path, sizeof(path), "/v2/cadence_memberships?person_id=%lld", person);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	assert_true(cJSON_GetArraySize(sbxt_data(j)) >= 1);
	cJSON_ArrayForEach(m, sbxt_data(j))
	{
		assert_true(cJSON_IsTrue(cJSON_GetObjectItem(m, "person_deleted")));
	}
	cJSON_Delete(j);
	snprintf(path, sizeof(path), "/v2/cadence_memberships/%lld", mid);
	m = get_data(path, &root);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(m, "person_deleted")));
	cJSON_Delete(root);
	/* Actions and tasks are gone. */
	snprintf(path, sizeof(path), "/v2/actions?person_id=%lld", person);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 0);
	cJSON_Delete(j);
	snprintf(path, sizeof(path), "/v2/tasks?person_id=%lld", person);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 0);
	cJSON_Delete(j);
	snprintf(path, sizeof(path), "/_sandbox/records/actions/%lld", action);
	assert_int_equal(sbxt_admin(&S, "GET", path, NULL, NULL), 404);
	snprintf(path, sizeof(path), "/v2/tasks/%lld", task);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, NULL), 404);
	snprintf(path, sizeof(path), "/v2/tasks/%lld", other_task);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, NULL), 404);
	/* Webhooks: the membership update and each task's deletion. */
	assert_true(delivered("cadence_membership_updated", mid));
	assert_true(delivered("task_deleted", task));
	assert_true(delivered("task_deleted", other_task));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(t_action_carries_its_task),
	        cmocka_unit_test(t_call_moves_cadence_on),
	        cmocka_unit_test(t_cadence_finishes),
	        cmocka_unit_test(t_call_on_mirror_task),
	        cmocka_unit_test(t_person_deleted),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

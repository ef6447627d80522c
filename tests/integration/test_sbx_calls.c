/*
 * Integration test of the sandbox's write endpoints over real HTTP: POST /v2/activities/calls
 * with task_id and with action_id (JSON and form bodies), the once-only rule, action_id xor
 * task_id, unknown and required dispositions/sentiments, wrong kinds of work, the task and
 * action completed afterwards, the person touched, admin-only user_guid; PUT and POST
 * /v2/tasks; POST /v2/notes.
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
#include <curl/curl.h>

#include "sbxtest.h"

#define KEY SBXT_API_KEY

static struct sbxt S;

/* The first record of a list query: its id and the id of one of its references. */
static void first_of(const char *path, const char *ref, long long *id, long long *ref_id)
{
	cJSON *j = NULL, *rec;

	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	rec = cJSON_GetArrayItem(sbxt_data(j), 0);
	if (!rec)
		fail_msg("no record for %s", path);
	*id = (long long)sbxt_num(rec, "id");
	if (ref)
		*ref_id = (long long)sbxt_num(cJSON_GetObjectItem(rec, ref), "id");
	cJSON_Delete(j);
}

/* POSTs a call with a JSON body; returns the status and the parsed body in *out. */
static long post_call(const char *json, cJSON **out)
{
	return sbxt_api(&S, KEY, "POST", "/v2/activities/calls", json, out);
}

/* POSTs a call with a form-encoded body. */
static long post_call_form(const char *form, cJSON **out)
{
	char url[256];
	const char *hdrs[] = {"Authorization: Bearer " KEY,
	                      "Content-Type: application/x-www-form-urlencoded", NULL};
	struct sbxt_resp r;
	long st;

	snprintf(url, sizeof(url), "%s/v2/activities/calls", S.base);
	sbxt_http(&r, "POST", url, hdrs, form);
	st = r.status;
	*out = cJSON_Parse(r.body);
	sbxt_resp_free(&r);
	return st;
}

static int setup(void **state)
{
	return sbxt_start(&S, NULL);
}

static int teardown(void **state)
{
	return sbxt_stop(&S) == 0 ? 0 : -1;
}

static void test_call_with_task(void **state)
{
	long long task, person, call_id, note_id;
	char body[512], path[128];
	cJSON *j = NULL, *d, *t = NULL, *p0 = NULL, *p1 = NULL;
	double calls_before;

	first_of("/v2/tasks?task_type=call&current_state=scheduled&per_page=1", "person", &task,
	         &person);
	snprintf(path, sizeof(path), "/v2/people/%lld", person);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &p0), 200);
	calls_before = sbxt_num(cJSON_GetObjectItem(sbxt_data(p0), "counts"), "calls");

	snprintf(body, sizeof(body),
	         "{\"person_id\":%lld,\"task_id\":%lld,\"to\":\"+14155550101\",\"duration\":42,"
	         "\"disposition\":\"No Answer\",\"sentiment\":\"Positive\",\"notes\":\"Left a "
	         "voicemail <b>\"}",
	         person, task);
	assert_int_equal(post_call(body, &j), 200);
	d = sbxt_data(j);
	call_id = (long long)sbxt_num(d, "id");
	assert_true(call_id > 0);
	assert_string_equal(sbxt_str(d, "to"), "+14155550101");
	assert_int_equal((int)sbxt_num(d, "duration"), 42);
	assert_string_equal(sbxt_str(d, "disposition"), "No Answer");
	assert_string_equal(sbxt_str(d, "sentiment"), "Positive");
	assert_int_equal((long long)sbxt_num(cJSON_GetObjectItem(d, "called_person"), "id"),
	                 person);
	/* The Call record names its action, never a task (reference §4.10). */
	assert_null(cJSON_GetObjectItem(d, "task"));
	assert_int_equal((int)sbxt_num(cJSON_GetObjectItem(d, "user"), "id"), 1);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(d, "action")));
	assert_true(sbxt_str(d, "created_at")[0] != '\0');
	assert_true(sbxt_str(d, "updated_at")[0] != '\0');
	note_id = (long long)sbxt_num(cJSON_GetObjectItem(d, "note"), "id");
	cJSON_Delete(j);

	/* The call is readable, its note holds the notes, the task is completed. */
	snprintf(path, sizeof(path), "/v2/activities/calls/%lld", call_id);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, NULL), 200);
	snprintf(path, sizeof(path), "/v2/notes/%lld", note_id);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	assert_string_equal(sbxt_str(sbxt_data(j), "content"), "Left a voicemail <b>");
	assert_int_equal((long long)sbxt_num(cJSON_GetObjectItem(sbxt_data(j), "call"), "id"),
	                 call_id);
	cJSON_Delete(j);
	snprintf(path, sizeof(path), "/v2/tasks/%lld", task);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &t), 200);
	assert_string_equal(sbxt_str(sbxt_data(t), "current_state"), "completed");
	assert_true(sbxt_str(sbxt_data(t), "completed_at")[0] != '\0');
	assert_int_equal((int)sbxt_num(cJSON_GetObjectItem(sbxt_data(t), "completed_by"), "id"), 1);
	cJSON_Delete(t);
	/* The person now counts one more call and was last contacted by phone. */
	snprintf(path, sizeof(path), "/v2/people/%lld", person);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &p1), 200);
	assert_int_equal((int)sbxt_num(cJSON_GetObjectItem(sbxt_data(p1), "counts"), "calls"),
	                 (int)calls_before + 1);
	assert_string_equal(sbxt_str(sbxt_data(p1), "last_contacted_type"), "Call");
	assert_string_not_equal(sbxt_str(sbxt_data(p1), "updated_at"),
	                        sbxt_str(sbxt_data(p0), "updated_at"));
	cJSON_Delete(p0);
	cJSON_Delete(p1);

	/* The same task_id never succeeds twice. */
	assert_int_equal(post_call(body, &j), 422);
	assert_string_equal(sbxt_error_of(j, "task_id"), "has already been used");
	cJSON_Delete(j);

	/* Counted as a logged call. */
	assert_int_equal(sbxt_admin(&S, "GET", "/_sandbox/counters", NULL, &j), 200);
	assert_true(sbxt_num(j, "calls_logged") >= 1);
	cJSON_Delete(j);
}

static void test_call_with_action(void **state)
{
	long long action, person, cadence, step, dummy;
	char form[256], path[160];
	cJSON *j = NULL, *d, *a = NULL;

	first_of("/v2/actions?type=phone&per_page=1", "person", &action, &person);
	snprintf(path, sizeof(path), "/v2/actions/%lld", action);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &a), 200);
	cadence = (long long)sbxt_num(cJSON_GetObjectItem(sbxt_data(a), "cadence"), "id");
	step = (long long)sbxt_num(cJSON_GetObjectItem(sbxt_data(a), "step"), "id");
	cJSON_Delete(a);

	/* Form-encoded, as the reference's older docs show. */
	snprintf(form, sizeof(form),
	         "person_id=%lld&action_id=%lld&disposition=Connected&to=%%2B44", person, action);
	assert_int_equal(post_call_form(form, &j), 200);
	d = sbxt_data(j);
	assert_int_equal((long long)sbxt_num(cJSON_GetObjectItem(d, "action"), "id"), action);
	assert_int_equal((long long)sbxt_num(cJSON_GetObjectItem(d, "cadence"), "id"), cadence);
	assert_int_equal((long long)sbxt_num(cJSON_GetObjectItem(d, "step"), "id"), step);
	assert_string_equal(sbxt_str(d, "to"), "+44");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(d, "duration")));
	cJSON_Delete(j);

	/* The action left the due list (actions lists show in-progress work only). */
	snprintf(path, sizeof(path), "/v2/actions?ids[]=%lld", action);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 0);
	cJSON_Delete(j);

	/* Reuse is refused. */
	assert_int_equal(post_call_form(form, &j), 422);
	assert_string_equal(sbxt_error_of(j, "action_id"), "has already been used");
	cJSON_Delete(j);

	/* A non-phone action is refused. */
	first_of("/v2/actions?type=email&per_page=1", "person", &action, &person);
	snprintf(form, sizeof(form), "person_id=%lld&action_id=%lld", person, action);
	assert_int_equal(post_call_form(form, &j), 422);
	assert_string_equal(sbxt_error_of(j, "action_id"), "must be a phone action");
	cJSON_Delete(j);
	(void)dummy;
}

static void test_validation(void **state)
{
	long long task, person, action, aperson, etask, eperson;
	char body[512];
	cJSON *j = NULL;

	first_of("/v2/tasks?task_type=call&current_state=scheduled&per_page=1", "person", &task,
	         &person);
	first_of("/v2/actions?type=phone&per_page=1", "person", &action, &aperson);
	first_of("/v2/tasks?task_type=email&per_page=1", "person", &etask, &eperson);

	/* Both action_id and task_id. */
	snprintf(body, sizeof(body), "{\"person_id\":%lld,\"task_id\":%lld,\"action_id\":%lld}",
	         person, task, action);
	assert_int_equal(post_call(body, &j), 422);
	assert_true(sbxt_error_of(j, "base")[0] != '\0');
	cJSON_Delete(j);

	/* Unknown disposition and sentiment names, reported together. */
	snprintf(body, sizeof(body),
	         "{\"person_id\":%lld,\"task_id\":%lld,\"disposition\":\"Maybe\",\"sentiment\":"
	         "\"positive\"}",
	         person, task);
	assert_int_equal(post_call(body, &j), 422);
	assert_string_equal(sbxt_error_of(j, "disposition"), "is not included in the list");
	assert_string_equal(sbxt_error_of(j, "sentiment"), "is not included in the list");
	cJSON_Delete(j);

	/* Person missing, unknown, malformed. */
	assert_int_equal(post_call("{}", &j), 422);
	assert_string_equal(sbxt_error_of(j, "person_id"), "can't be blank");
	cJSON_Delete(j);
	assert_int_equal(post_call("{\"person_id\":999999999}", &j), 422);
	assert_string_equal(sbxt_error_of(j, "person_id"), "could not be found");
	cJSON_Delete(j);
	assert_int_equal(post_call("{\"person_id\":\"12x\",\"duration\":-5}", &j), 422);
	assert_string_equal(sbxt_error_of(j, "person_id"), "is invalid");
	assert_true(sbxt_error_of(j, "duration")[0] != '\0');
	cJSON_Delete(j);

	/* Wrong kind of task, task of another person, malformed JSON. */
	snprintf(body, sizeof(body), "{\"person_id\":%lld,\"task_id\":%lld}", eperson, etask);
	assert_int_equal(post_call(body, &j), 422);
	assert_string_equal(sbxt_error_of(j, "task_id"), "must be a call task");
	cJSON_Delete(j);
	snprintf(body, sizeof(body), "{\"person_id\":%lld,\"task_id\":%lld}", aperson, task);
	if (aperson != person) {
		assert_int_equal(post_call(body, &j), 422);
		assert_string_equal(sbxt_error_of(j, "task_id"), "does not belong to person_id");
		cJSON_Delete(j);
	}
	assert_int_equal(post_call("{\"person_id\":", &j), 400);
	cJSON_Delete(j);

	/* Nothing above was written: the task is still open. */
	snprintf(body, sizeof(body), "/v2/tasks/%lld", task);
	assert_int_equal(sbxt_api(&S, KEY, "GET", body, NULL, &j), 200);
	assert_string_equal(sbxt_str(sbxt_data(j), "current_state"), "scheduled");
	cJSON_Delete(j);
}

static void test_required_settings(void **state)
{
	long long task, person;
	char body[512];
	cJSON *j = NULL;

	first_of("/v2/tasks?task_type=call&current_state=scheduled&per_page=1", "person", &task,
	         &person);
	assert_int_equal(sbxt_admin(&S, "POST", "/_sandbox/team",
	                            "{\"require_disposition\":true,\"require_sentiment\":true}",
	                            &j),
	                 200);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "require_disposition")));
	cJSON_Delete(j);
	snprintf(body, sizeof(body), "{\"person_id\":%lld,\"task_id\":%lld}", person, task);
	assert_int_equal(post_call(body, &j), 422);
	assert_string_equal(sbxt_error_of(j, "disposition"), "can't be blank");
	assert_string_equal(sbxt_error_of(j, "sentiment"), "can't be blank");
	cJSON_Delete(j);
	/* Only the disposition required now. */
	assert_int_equal(
	        sbxt_admin(&S, "POST", "/_sandbox/team", "{\"require_sentiment\":false}", NULL),
	        200);
	assert_int_equal(post_call(body, &j), 422);
	assert_string_equal(sbxt_error_of(j, "disposition"), "can't be blank");
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "errors"), "sentiment"));
	cJSON_Delete(j);
	snprintf(body, sizeof(body),
	         "{\"person_id\":%lld,\"task_id\":%lld,\"disposition\":\"Connected\"}", person,
	         task);
	assert_int_equal(post_call(body, &j), 200);
	cJSON_Delete(j);
	assert_int_equal(
	        sbxt_admin(&S, "POST", "/_sandbox/team", "{\"require_disposition\":false}", NULL),
	        200);
	assert_int_equal(
	        sbxt_admin(&S, "POST", "/_sandbox/team", "{\"require_sentiment\":\"x\"}", NULL),
	        422);
}

static void test_user_guid_admin_only(void **state)
{
	char token[128], body[512];
	long long task, person;
	cJSON *j = NULL, *u3 = NULL;

	assert_int_equal(sbxt_api(&S, KEY, "GET", "/v2/users/3", NULL, &u3), 200);
	first_of("/v2/tasks?task_type=call&current_state=scheduled&per_page=1", "person", &task,
	         &person);
	/* User 2 is not an admin: logging for user 3 is forbidden. */
	assert_int_equal(sbxt_oauth_token(&S, 2, token, sizeof(token)), 0);
	snprintf(body, sizeof(body), "{\"person_id\":%lld,\"task_id\":%lld,\"user_guid\":\"%s\"}",
	         person, task, sbxt_str(sbxt_data(u3), "guid"));
	assert_int_equal(sbxt_api(&S, token, "POST", "/v2/activities/calls", body, &j), 403);
	cJSON_Delete(j);
	/* The admin (API key) may, and the call is the other user's. */
	assert_int_equal(post_call(body, &j), 200);
	assert_int_equal((int)sbxt_num(cJSON_GetObjectItem(sbxt_data(j), "user"), "id"), 3);
	cJSON_Delete(j);
	assert_int_equal(post_call("{\"person_id\":1,\"user_guid\":\"no-such-guid\"}", &j), 422);
	assert_string_equal(sbxt_error_of(j, "user_guid"), "could not be found");
	cJSON_Delete(j);
	cJSON_Delete(u3);
}

static void test_tasks_and_notes(void **state)
{
	long long task, person, new_task;
	char path[128], body[512];
	cJSON *j = NULL, *before = NULL;

	first_of("/v2/tasks?task_type=call&current_state=scheduled&per_page=1", "person", &task,
	         &person);
	snprintf(path, sizeof(path), "/v2/tasks/%lld", task);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &before), 200);
	/* Only "completed" is a state a PUT may set. */
	assert_int_equal(sbxt_api(&S, KEY, "PUT", path, "{\"current_state\":\"scheduled\"}", &j),
	                 422);
	assert_string_equal(sbxt_error_of(j, "current_state"), "is not included in the list");
	cJSON_Delete(j);
	assert_int_equal(sbxt_api(&S, KEY, "PUT", path, "{\"due_date\":\"tomorrow\"}", &j), 422);
	cJSON_Delete(j);
	assert_int_equal(sbxt_api(&S, KEY, "PUT", path,
	                          "{\"subject\":\"Call back\",\"description\":\"ask for Ana\","
	                          "\"due_date\":\"2030-01-02\",\"is_logged\":false}",
	                          &j),
	                 200);
	assert_string_equal(sbxt_str(sbxt_data(j), "subject"), "Call back");
	assert_string_equal(sbxt_str(sbxt_data(j), "due_date"), "2030-01-02");
	assert_string_equal(sbxt_str(sbxt_data(j), "current_state"), "scheduled");
	assert_string_not_equal(sbxt_str(sbxt_data(j), "updated_at"),
	                        sbxt_str(sbxt_data(before), "updated_at"));
	cJSON_Delete(j);
	cJSON_Delete(before);
	assert_int_equal(sbxt_api(&S, KEY, "PUT", path, "{\"current_state\":\"completed\"}", &j),
	                 200);
	assert_string_equal(sbxt_str(sbxt_data(j), "current_state"), "completed");
	cJSON_Delete(j);
	assert_int_equal(sbxt_api(&S, KEY, "PUT", "/v2/tasks/1", "{}", NULL), 404);

	/* A new call task can be created and then logged against. */
	snprintf(body, sizeof(body),
	         "{\"person_id\":%lld,\"task_type\":\"call\",\"subject\":\"New\",\"due_date\":"
	         "\"2030-05-06\"}",
	         person);
	assert_int_equal(sbxt_api(&S, KEY, "POST", "/v2/tasks", body, &j), 200);
	new_task = (long long)sbxt_num(sbxt_data(j), "id");
	assert_string_equal(sbxt_str(sbxt_data(j), "current_state"), "scheduled");
	assert_string_equal(sbxt_str(sbxt_data(j), "source"), "salesloft.api");
	cJSON_Delete(j);
	assert_int_equal(sbxt_api(&S, KEY, "POST", "/v2/tasks", "{\"task_type\":\"fax\"}", &j),
	                 422);
	assert_string_equal(sbxt_error_of(j, "task_type"), "is not included in the list");
	cJSON_Delete(j);
	snprintf(body, sizeof(body), "{\"person_id\":%lld,\"task_id\":%lld}", person, new_task);
	assert_int_equal(post_call(body, &j), 200);
	cJSON_Delete(j);

	/* Notes. */
	snprintf(body, sizeof(body),
	         "{\"content\":\"hello\",\"associated_with_type\":\"person\","
	         "\"associated_with_id\":%lld}",
	         person);
	assert_int_equal(sbxt_api(&S, KEY, "POST", "/v2/notes", body, &j), 200);
	assert_string_equal(sbxt_str(sbxt_data(j), "content"), "hello");
	cJSON_Delete(j);
	assert_int_equal(sbxt_api(&S, KEY, "POST", "/v2/notes",
	                          "{\"content\":\"\",\"associated_with_type\":\"lead\"}", &j),
	                 422);
	assert_string_equal(sbxt_error_of(j, "content"), "can't be blank");
	assert_string_equal(sbxt_error_of(j, "associated_with_type"),
	                    "is not included in the list");
	cJSON_Delete(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_call_with_task),
	        cmocka_unit_test(test_call_with_action),
	        cmocka_unit_test(test_validation),
	        cmocka_unit_test(test_required_settings),
	        cmocka_unit_test(test_user_guid_admin_only),
	        cmocka_unit_test(test_tasks_and_notes),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}

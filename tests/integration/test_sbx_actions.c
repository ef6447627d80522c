/*
 * Integration test of the sandbox's cadence actions over real HTTP, fact by fact from
 * reference §4.7 and §4.10: `due` is a boolean and `due_on` a date-time with an offset;
 * due_on[...] compares instants; actions and calls sort only on created_at/updated_at; the
 * multitouch_group_id filter; a completed action answers 404 and leaves the list;
 * pending_activity actions are listed with that status and a call log completes them; a phone
 * action's action_details reference leads to its call instructions (§4.7), served one by id and
 * as a list by ids, with texts the admin API sets (INVENTED) and 404 for what is none.
 */
#define _GNU_SOURCE
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

#include "sbxtest.h"

#define KEY SBXT_API_KEY

static struct sbxt S;

static int setup(void **state)
{
	/* Big enough that some generated phone actions are pending_activity. */
	static const char *const extra[] = {"--people", "800", "--seed", "5", NULL};

	return sbxt_start(&S, extra);
}

static int teardown(void **state)
{
	return sbxt_stop(&S) == 0 ? 0 : -1;
}

/* GETs path (200 expected) and returns the parsed body. */
static cJSON *get_ok(const char *path)
{
	cJSON *j = NULL;

	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	assert_non_null(j);
	return j;
}

/* True when s looks like "2025-06-02T09:30:00.000000-04:00": a date-time with an offset. */
static bool is_datetime_with_offset(const char *s)
{
	size_t n = strlen(s);

	return n >= 25 && s[10] == 'T' && (s[n - 6] == '+' || s[n - 6] == '-') && s[n - 3] == ':';
}

/* Replaces "+" by "%2B" so that an offset survives the query string. */
static void qesc(char *out, size_t n, const char *s)
{
	size_t k = 0;

	for (; *s && k + 4 < n; s++) {
		if (*s == '+') {
			memcpy(out + k, "%2B", 3);
			k += 3;
		} else {
			out[k++] = *s;
		}
	}
	out[k] = '\0';
}

/* Logs a call against an action (JSON body); returns the status. */
static long log_call(long long person, long long action, cJSON **out)
{
	char body[256];

	snprintf(body, sizeof(body),
	         "{\"person_id\":%lld,\"action_id\":%lld,\"disposition\":\"Connected\","
	         "\"duration\":12}",
	         person, action);
	return sbxt_api(&S, KEY, "POST", "/v2/activities/calls", body, out);
}

static void t_due_is_bool_due_on_is_datetime(void **state)
{
	cJSON *j = get_ok("/v2/actions?per_page=100"), *a;
	int due_now = 0, later = 0;

	assert_true(cJSON_GetArraySize(sbxt_data(j)) > 0);
	cJSON_ArrayForEach(a, sbxt_data(j))
	{
		const cJSON *due = cJSON_GetObjectItem(a, "due");

		assert_true(cJSON_IsBool(due));
		assert_true(is_datetime_with_offset(sbxt_str(a, "due_on")));
		if (cJSON_IsTrue(due))
			due_now++;
		else
			later++;
	}
	/* The generated org has both kinds on its first page. */
	assert_true(due_now > 0);
	assert_true(later > 0);
	cJSON_Delete(j);

	/* The due-now list of the official recipe holds only actions whose due is true. */
	{
		cJSON *m = NULL;
		char now[64], e[96], path[160];

		/* The sandbox's clock, from its counters. */
		assert_int_equal(sbxt_admin(&S, "GET", "/_sandbox/counters", NULL, &m), 200);
		snprintf(now, sizeof(now), "%s", sbxt_str(m, "now"));
		cJSON_Delete(m);
		qesc(e, sizeof(e), now);
		snprintf(path, sizeof(path), "/v2/actions?per_page=100&due_on[lte]=%s", e);
		j = get_ok(path);
		assert_true(cJSON_GetArraySize(sbxt_data(j)) > 0);
		cJSON_ArrayForEach(a, sbxt_data(j))
		{
			assert_true(cJSON_IsTrue(cJSON_GetObjectItem(a, "due")));
		}
		cJSON_Delete(j);
	}
}

static void t_due_on_compares_instants(void **state)
{
	cJSON *j = get_ok("/v2/actions?per_page=1"), *a;
	char due_on[64], shifted[64], e[96], path[256];
	long long id;
	int hh, mm;

	a = cJSON_GetArrayItem(sbxt_data(j), 0);
	assert_non_null(a);
	id = (long long)sbxt_num(a, "id");
	snprintf(due_on, sizeof(due_on), "%s", sbxt_str(a, "due_on"));
	cJSON_Delete(j);
	assert_true(is_datetime_with_offset(due_on));

	/* The same instant in UTC ("Z"): exactly equal bounds still find the action. */
	{
		size_t n = strlen(due_on);
		int sign = due_on[n - 6] == '-' ? -1 : 1;
		int y, mo, d, h, mi;
		double sec;
		struct tm tm = {0};
		time_t t;

		assert_int_equal(sscanf(due_on, "%d-%d-%dT%d:%d:%lf", &y, &mo, &d, &h, &mi, &sec),
		                 6);
		assert_int_equal(sscanf(due_on + n - 5, "%d:%d", &hh, &mm), 2);
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		t = timegm(&tm) - sign * (hh * 3600 + mm * 60);
		gmtime_r(&t, &tm);
		snprintf(shifted, sizeof(shifted), "%04d-%02d-%02dT%02d:%02d:%09.6fZ",
		         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, sec);
	}
	qesc(e, sizeof(e), shifted);
	snprintf(path, sizeof(path), "/v2/actions?ids=%lld&due_on[gte]=%s&due_on[lte]=%s", id, e,
	         e);
	j = get_ok(path);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 1);
	cJSON_Delete(j);
	/* One microsecond later as the lower bound excludes it; gt of the instant too. */
	snprintf(path, sizeof(path), "/v2/actions?ids=%lld&due_on[gt]=%s", id, e);
	j = get_ok(path);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 0);
	cJSON_Delete(j);
	/* The same instant with its own offset, lt: excluded; lte: included. */
	qesc(e, sizeof(e), due_on);
	snprintf(path, sizeof(path), "/v2/actions?ids=%lld&due_on[lt]=%s", id, e);
	j = get_ok(path);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 0);
	cJSON_Delete(j);
	snprintf(path, sizeof(path), "/v2/actions?ids=%lld&due_on[lte]=%s", id, e);
	j = get_ok(path);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 1);
	cJSON_Delete(j);
	/* Not a time: 422 on due_on. */
	assert_int_equal(sbxt_api(&S, KEY, "GET", "/v2/actions?due_on[lte]=soon", NULL, &j), 422);
	assert_string_not_equal(sbxt_error_of(j, "due_on"), "");
	cJSON_Delete(j);
}

static void t_sort_only_timestamps(void **state)
{
	static const struct {
		const char *path;
		long status;
	} cases[] = {
	        {"/v2/actions?sort_by=created_at", 200},
	        {"/v2/actions?sort_by=updated_at&sort_direction=ASC", 200},
	        {"/v2/actions?sort_by=id", 422},
	        {"/v2/actions?sort_by=due_on", 422},
	        {"/v2/actions?sort_by=due", 422},
	        {"/v2/activities/calls?sort_by=created_at", 200},
	        {"/v2/activities/calls?sort_by=updated_at", 200},
	        {"/v2/activities/calls?sort_by=id", 422},
	        {"/v2/activities/calls?sort_by=duration", 422},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *j = NULL;
		long st = sbxt_api(&S, KEY, "GET", cases[i].path, NULL, &j);

		if (st != cases[i].status)
			fail_msg("%s: %ld, expected %ld", cases[i].path, st, cases[i].status);
		if (st == 422)
			assert_string_equal(sbxt_error_of(j, "sort_by"),
			                    "is not a valid sort field");
		cJSON_Delete(j);
	}
}

static void t_multitouch_group_filter(void **state)
{
	cJSON *j = get_ok("/v2/actions?per_page=2"), *a;
	long long id;
	char path[160];

	a = cJSON_GetArrayItem(sbxt_data(j), 1);
	assert_non_null(a);
	id = (long long)sbxt_num(a, "id");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(a, "multitouch_group_id")));
	cJSON_Delete(j);

	/* No action is in group 424242 yet: the filter narrows to nothing. */
	j = get_ok("/v2/actions?multitouch_group_id=424242");
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 0);
	cJSON_Delete(j);

	snprintf(path, sizeof(path), "/_sandbox/records/actions/%lld", id);
	assert_int_equal(sbxt_admin(&S, "PATCH", path, "{\"multitouch_group_id\":424242}", NULL),
	                 200);
	j = get_ok("/v2/actions?multitouch_group_id[]=424242&multitouch_group_id[]=7");
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 1);
	assert_int_equal((long long)sbxt_num(cJSON_GetArrayItem(sbxt_data(j), 0), "id"), id);
	assert_int_equal(
	        (long long)sbxt_num(cJSON_GetArrayItem(sbxt_data(j), 0), "multitouch_group_id"),
	        424242);
	cJSON_Delete(j);
	assert_int_equal(sbxt_api(&S, KEY, "GET", "/v2/actions?multitouch_group_id=x", NULL, &j),
	                 422);
	cJSON_Delete(j);
}

static void t_completed_action_404(void **state)
{
	cJSON *j = get_ok("/v2/actions?type=phone&per_page=1"), *a;
	long long id, person;
	char path[128];

	a = cJSON_GetArrayItem(sbxt_data(j), 0);
	assert_non_null(a);
	id = (long long)sbxt_num(a, "id");
	person = (long long)sbxt_num(cJSON_GetObjectItem(a, "person"), "id");
	cJSON_Delete(j);
	snprintf(path, sizeof(path), "/v2/actions/%lld", id);
	cJSON_Delete(get_ok(path));

	assert_int_equal(log_call(person, id, &j), 200);
	cJSON_Delete(j);
	/* Completed: gone from GET (404 like a missing one) and from the list. */
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 404);
	assert_string_equal(sbxt_str(j, "error"), "Not Found");
	cJSON_Delete(j);
	snprintf(path, sizeof(path), "/v2/actions?ids=%lld", id);
	j = get_ok(path);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 0);
	cJSON_Delete(j);
}

static void t_pending_activity(void **state)
{
	long long id = 0, person = 0;
	char path[128];
	cJSON *j = NULL, *a;

	/* A generated phone action in pending_activity, listed with that status. */
	for (int page = 1; page <= 20 && !id; page++) {
		snprintf(path, sizeof(path), "/v2/actions?type=phone&per_page=100&page=%d", page);
		j = get_ok(path);
		cJSON_ArrayForEach(a, sbxt_data(j))
		{
			if (!id && !strcmp(sbxt_str(a, "status"), "pending_activity")) {
				id = (long long)sbxt_num(a, "id");
				person =
				        (long long)sbxt_num(cJSON_GetObjectItem(a, "person"), "id");
			}
		}
		cJSON_Delete(j);
	}
	if (!id)
		fail_msg("no pending_activity phone action in the org");
	snprintf(path, sizeof(path), "/v2/actions/%lld", id);
	j = get_ok(path);
	assert_string_equal(sbxt_str(sbxt_data(j), "status"), "pending_activity");
	cJSON_Delete(j);

	/* INVENTED: a call log completes a pending_activity phone action like an in-progress
	 * one; it then leaves the API. */
	assert_int_equal(log_call(person, id, &j), 200);
	assert_int_equal((long long)sbxt_num(cJSON_GetObjectItem(sbxt_data(j), "action"), "id"),
	                 id);
	cJSON_Delete(j);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, NULL), 404);
	assert_int_equal(log_call(person, id, &j), 422);
	assert_string_equal(sbxt_error_of(j, "action_id"), "has already been used");
	cJSON_Delete(j);
}

static void t_call_has_no_task(void **state)
{
	cJSON *j = get_ok("/v2/tasks?task_type=call&current_state=scheduled&per_page=1"), *t, *c;
	long long task, person, call;
	char body[256], path[128];

	t = cJSON_GetArrayItem(sbxt_data(j), 0);
	assert_non_null(t);
	task = (long long)sbxt_num(t, "id");
	person = (long long)sbxt_num(cJSON_GetObjectItem(t, "person"), "id");
	cJSON_Delete(j);
	snprintf(body, sizeof(body), "{\"person_id\":%lld,\"task_id\":%lld}", person, task);
	assert_int_equal(sbxt_api(&S, KEY, "POST", "/v2/activities/calls", body, &j), 200);
	c = sbxt_data(j);
	call = (long long)sbxt_num(c, "id");
	assert_null(cJSON_GetObjectItem(c, "task"));
	assert_non_null(cJSON_GetObjectItem(c, "action"));
	cJSON_Delete(j);
	snprintf(path, sizeof(path), "/v2/activities/calls/%lld", call);
	j = get_ok(path);
	assert_null(cJSON_GetObjectItem(sbxt_data(j), "task"));
	cJSON_Delete(j);
	/* The task is still usable only once, found through the task itself. */
	assert_int_equal(sbxt_api(&S, KEY, "POST", "/v2/activities/calls", body, &j), 422);
	assert_string_equal(sbxt_error_of(j, "task_id"), "has already been used");
	cJSON_Delete(j);
}

/* The call instructions: a phone action's action_details reference is served (its own id and
 * an `instructions` member, a string or null), alone and in a list by ids (unknown ids left
 * out); a non-phone action has none (404); a text set through the admin API is served as set,
 * also for an id no action has, which an action's reference can then name. */
static void t_call_instructions(void **state)
{
	cJSON *j = get_ok("/v2/actions?type=phone&per_page=3"),
	      *o = get_ok("/v2/actions?type=email&per_page=1");
	long long ids[3], other;
	char path[256], body[256];
	const cJSON *a, *in, *d;
	int n = 0;

	cJSON_ArrayForEach(a, sbxt_data(j))
	{
		const cJSON *ad = cJSON_GetObjectItem(a, "action_details");

		assert_true(cJSON_IsObject(ad));
		assert_non_null(
		        strstr(sbxt_str(ad, "_href"), "/v2/action_details/call_instructions/"));
		ids[n++] = (long long)sbxt_num(ad, "id");
	}
	assert_int_equal(n, 3);
	cJSON_Delete(j);
	snprintf(path, sizeof(path), "/v2/action_details/call_instructions/%lld", ids[0]);
	j = get_ok(path);
	d = sbxt_data(j);
	assert_int_equal((long long)sbxt_num(d, "id"), ids[0]);
	in = cJSON_GetObjectItem(d, "instructions");
	assert_true(cJSON_IsString(in) || cJSON_IsNull(in));
	assert_true(is_datetime_with_offset(sbxt_str(d, "created_at")));
	cJSON_Delete(j);

	/* The list by ids: the three, by id; an id nobody has is left out. */
	snprintf(path, sizeof(path),
	         "/v2/action_details/"
	         "call_instructions?ids[]=%lld&ids[]=%lld&ids[]=%lld&ids[]=7&per_page=100",
	         ids[0], ids[1], ids[2]);
	j = get_ok(path);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 3);
	cJSON_Delete(j);

	/* An email action has none. */
	other = (long long)sbxt_num(cJSON_GetArrayItem(sbxt_data(o), 0), "id");
	cJSON_Delete(o);
	assert_true(other > 0);
	snprintf(path, sizeof(path), "/v2/action_details/call_instructions/%lld", other);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, NULL), 404);

	/* The admin API sets a text, served as set; an id of its own, named by an action. */
	assert_int_equal(sbxt_admin(&S, "PUT", "/_sandbox/call_instructions/424242",
	                            "{\"instructions\":\"Ask for Jo\\u001b[2J\"}", NULL),
	                 200);
	j = get_ok("/v2/action_details/call_instructions/424242");
	assert_string_equal(sbxt_str(sbxt_data(j), "instructions"), "Ask for Jo\x1b[2J");
	cJSON_Delete(j);
	snprintf(body, sizeof(body), "{\"action_details\":{\"id\":424242}}");
	snprintf(path, sizeof(path), "/_sandbox/records/actions/%lld", ids[1]);
	assert_int_equal(sbxt_admin(&S, "PUT", path, body, NULL), 200);
	snprintf(path, sizeof(path), "/v2/actions/%lld", ids[1]);
	j = get_ok(path);
	assert_int_equal(
	        (long long)sbxt_num(cJSON_GetObjectItem(sbxt_data(j), "action_details"), "id"),
	        424242);
	cJSON_Delete(j);
	assert_int_equal(
	        sbxt_api(&S, KEY, "GET", "/v2/action_details/call_instructions?ids=x", NULL, NULL),
	        422);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(t_due_is_bool_due_on_is_datetime),
	        cmocka_unit_test(t_due_on_compares_instants),
	        cmocka_unit_test(t_sort_only_timestamps),
	        cmocka_unit_test(t_multitouch_group_filter),
	        cmocka_unit_test(t_completed_action_404),
	        cmocka_unit_test(t_pending_activity),
	        cmocka_unit_test(t_call_has_no_task),
	        cmocka_unit_test(t_call_instructions),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

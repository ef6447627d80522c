/*
 * Integration test of the sandbox's tasks against reference §4.8 over real HTTP: the
 * account_id, locale, source and idempotency_key filters; POST /v2/tasks with an
 * idempotency_key answering a repeat with the first task; PUT /v2/tasks/{id} honouring
 * is_logged; time_interval_filter buckets reckoned in the calling user's own time zone.
 * The sandbox clock is pinned (--now 2026-06-10T20:00:00Z: 16:00 in New York, already
 * 11 June in Kiritimati, UTC+14) so the buckets are known.
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

static struct sbxt S;

static int setup(void **state)
{
	static const char *const extra[] = {"--people", "400", "--now", "2026-06-10T20:00:00Z",
	                                    NULL};

	return sbxt_start(&S, extra);
}

static int teardown(void **state)
{
	return sbxt_stop(&S) == 0 ? 0 : -1;
}

/* GET path (a list); the parsed body stays with the caller. */
static cJSON *list(const char *path)
{
	cJSON *j = NULL;

	if (sbxt_api(&S, KEY, "GET", path, NULL, &j) != 200 || !cJSON_IsArray(sbxt_data(j)))
		fail_msg("GET %s failed", path);
	return j;
}

/* metadata.paging.total_count of a list asked with include_paging_counts. */
static int total_count(const cJSON *j)
{
	const cJSON *m = cJSON_GetObjectItem(j, "metadata");

	return (int)sbxt_num(cJSON_GetObjectItem(m, "paging"), "total_count");
}

/* The id of a reference member of a record, or -1. */
static long long ref_id(const cJSON *rec, const char *name)
{
	return (long long)sbxt_num(cJSON_GetObjectItem(rec, name), "id");
}

/* The person of a task, fetched. */
static cJSON *person_of(const cJSON *task)
{
	char path[96];
	cJSON *j = NULL;

	snprintf(path, sizeof(path), "/v2/people/%lld", ref_id(task, "person"));
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	return j;
}

/* True when the list holds a record with this id. */
static bool has_id(const cJSON *arr, long long id)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, arr)
	{
		if ((long long)sbxt_num(r, "id") == id)
			return true;
	}
	return false;
}

/* POSTs a task for person with the given due date and idempotency key (NULL: none);
 * returns its id. */
static long long post_task(long long person, const char *due, const char *key, const char *subject)
{
	char body[512];
	cJSON *j = NULL;
	long long id;

	snprintf(body, sizeof(body),
	         "{\"person_id\":%lld,\"task_type\":\"call\",\"subject\":\"%s\",\"due_date\":"
	         "\"%s\"%s%s%s}",
	         person, subject, due, key ? ",\"idempotency_key\":\"" : "", key ? key : "",
	         key ? "\"" : "");
	assert_int_equal(sbxt_api(&S, KEY, "POST", "/v2/tasks", body, &j), 200);
	id = (long long)sbxt_num(sbxt_data(j), "id");
	assert_true(id > 0);
	cJSON_Delete(j);
	return id;
}

/* account_id and locale go through the task's person; source is the task's own. */
static void test_filters(void **state)
{
	cJSON *all = list("/v2/tasks?per_page=100&include_paging_counts=true"), *t, *p, *j;
	long long account = -1, with_account = -1, with_locale = -1;
	char locale[64] = "", path[160];
	int total = total_count(all), n_api = 0, n_cad = 0;

	assert_true(total > 20);
	cJSON_ArrayForEach(t, sbxt_data(all))
	{
		if (account > 0 && locale[0])
			continue;
		p = person_of(t);
		if (account < 0 && ref_id(sbxt_data(p), "account") > 0) {
			account = ref_id(sbxt_data(p), "account");
			with_account = (long long)sbxt_num(t, "id");
		}
		if (!locale[0] && sbxt_str(sbxt_data(p), "locale")[0]) {
			snprintf(locale, sizeof(locale), "%s", sbxt_str(sbxt_data(p), "locale"));
			with_locale = (long long)sbxt_num(t, "id");
		}
		cJSON_Delete(p);
	}
	assert_true(account > 0 && locale[0]);

	/* account_id: only tasks whose person is at that account, and that one among them. */
	snprintf(path, sizeof(path),
	         "/v2/tasks?per_page=100&include_paging_counts=true&account_id=%lld", account);
	j = list(path);
	assert_true(has_id(sbxt_data(j), with_account));
	assert_true(total_count(j) < total);
	cJSON_ArrayForEach(t, sbxt_data(j))
	{
		p = person_of(t);
		assert_int_equal(ref_id(sbxt_data(p), "account"), account);
		cJSON_Delete(p);
	}
	cJSON_Delete(j);
	/* An account nobody is at: nothing; not a number: 422. */
	j = list("/v2/tasks?account_id=1");
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 0);
	cJSON_Delete(j);
	assert_int_equal(sbxt_api(&S, KEY, "GET", "/v2/tasks?account_id=x", NULL, NULL), 422);

	/* locale: the person's tz database name, exact (the '/' sent as %2F or not). */
	snprintf(path, sizeof(path), "/v2/tasks?per_page=100&include_paging_counts=true&locale=%s",
	         locale);
	j = list(path);
	assert_true(has_id(sbxt_data(j), with_locale));
	assert_true(total_count(j) < total);
	cJSON_ArrayForEach(t, sbxt_data(j))
	{
		p = person_of(t);
		assert_string_equal(sbxt_str(sbxt_data(p), "locale"), locale);
		cJSON_Delete(p);
	}
	cJSON_Delete(j);

	/* source: every task has one of the two the generator uses, so the two filtered
	 * counts add up to the whole. */
	j = list("/v2/tasks?per_page=100&source=salesloft.cadence&include_paging_counts=true");
	n_cad = total_count(j);
	cJSON_ArrayForEach(t, sbxt_data(j))
	        assert_string_equal(sbxt_str(t, "source"), "salesloft.cadence");
	cJSON_Delete(j);
	j = list("/v2/tasks?per_page=100&source[]=salesloft.api&source[]=salesloft.signal&"
	         "include_paging_counts=true");
	n_api = total_count(j);
	cJSON_ArrayForEach(t, sbxt_data(j))
	        assert_string_equal(sbxt_str(t, "source"), "salesloft.api");
	cJSON_Delete(j);
	assert_true(n_api > 0 && n_cad > 0);
	assert_int_equal(n_api + n_cad, total_count(all));
	cJSON_Delete(all);
}

/* POST with an idempotency_key: a repeat answers the first task and creates nothing; the
 * filter finds the task by its key. */
static void test_idempotency_key(void **state)
{
	cJSON *j, *first = list("/v2/tasks?per_page=1"), *d;
	long long person = ref_id(cJSON_GetArrayItem(sbxt_data(first), 0), "person");
	long long a, b, c, d1, d2;
	char path[160];
	int before, after;

	cJSON_Delete(first);
	snprintf(path, sizeof(path), "/v2/tasks?per_page=100&person_id=%lld", person);
	j = list(path);
	before = cJSON_GetArraySize(sbxt_data(j));
	cJSON_Delete(j);

	a = post_task(person, "2026-06-12", "dial-42/attempt-1", "first");
	b = post_task(person, "2026-06-30", "dial-42/attempt-1", "second");
	assert_int_equal(a, b);
	c = post_task(person, "2026-06-12", "dial-42/attempt-2", "third");
	assert_true(c != a);
	/* Without a key every POST creates. */
	d1 = post_task(person, "2026-06-12", NULL, "fourth");
	d2 = post_task(person, "2026-06-12", NULL, "fourth");
	assert_true(d1 != d2);

	j = list(path);
	after = cJSON_GetArraySize(sbxt_data(j));
	cJSON_Delete(j);
	assert_int_equal(after, before + 4);

	/* The repeat's answer is the first task, as it was stored. */
	snprintf(path, sizeof(path), "/v2/tasks/%lld", a);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	d = sbxt_data(j);
	assert_string_equal(sbxt_str(d, "subject"), "first");
	assert_string_equal(sbxt_str(d, "due_date"), "2026-06-12");
	cJSON_Delete(j);

	j = list("/v2/tasks?idempotency_key=dial-42%2Fattempt-1");
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 1);
	assert_true(has_id(sbxt_data(j), a));
	cJSON_Delete(j);
	j = list("/v2/tasks?idempotency_key[]=dial-42/attempt-1&idempotency_key[]=dial-42/"
	         "attempt-2&idempotency_key[]=never-used");
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 2);
	cJSON_Delete(j);
	j = list("/v2/tasks?idempotency_key=never-used");
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 0);
	cJSON_Delete(j);

	/* A key whose task was deleted since creates a new task (and finds that one). */
	snprintf(path, sizeof(path), "/_sandbox/records/tasks/%lld", c);
	assert_int_equal(sbxt_admin(&S, "DELETE", path, NULL, NULL), 200);
	d1 = post_task(person, "2026-06-13", "dial-42/attempt-2", "fifth");
	assert_true(d1 != c);
	j = list("/v2/tasks?idempotency_key=dial-42/attempt-2");
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 1);
	assert_true(has_id(sbxt_data(j), d1));
	cJSON_Delete(j);

	/* A key that is not a string is refused. */
	snprintf(path, sizeof(path),
	         "{\"person_id\":%lld,\"task_type\":\"call\",\"subject\":\"x\",\"due_date\":"
	         "\"2026-06-12\",\"idempotency_key\":7}",
	         person);
	assert_int_equal(sbxt_api(&S, KEY, "POST", "/v2/tasks", path, &j), 422);
	assert_string_equal(sbxt_error_of(j, "idempotency_key"), "must be a string");
	cJSON_Delete(j);
}

/* PUT is_logged=true completes the task (the work logged as done); false changes nothing. */
static void test_is_logged(void **state)
{
	cJSON *all = list("/v2/tasks?per_page=2&current_state=scheduled"), *j, *d;
	long long t1 = (long long)sbxt_num(cJSON_GetArrayItem(sbxt_data(all), 0), "id");
	long long t2 = (long long)sbxt_num(cJSON_GetArrayItem(sbxt_data(all), 1), "id");
	char path[96];

	cJSON_Delete(all);
	snprintf(path, sizeof(path), "/v2/tasks/%lld", t2);
	assert_int_equal(sbxt_api(&S, KEY, "PUT", path, "{\"is_logged\":false}", &j), 200);
	assert_string_equal(sbxt_str(sbxt_data(j), "current_state"), "scheduled");
	cJSON_Delete(j);
	assert_int_equal(sbxt_api(&S, KEY, "PUT", path, "{\"is_logged\":\"yes\"}", &j), 422);
	assert_string_equal(sbxt_error_of(j, "is_logged"), "must be true or false");
	cJSON_Delete(j);

	snprintf(path, sizeof(path), "/v2/tasks/%lld", t1);
	assert_int_equal(sbxt_api(&S, KEY, "PUT", path, "{\"is_logged\":true}", &j), 200);
	d = sbxt_data(j);
	assert_string_equal(sbxt_str(d, "current_state"), "completed");
	assert_true(sbxt_str(d, "completed_at")[0] != '\0');
	assert_int_equal(ref_id(d, "completed_by"), 1);
	cJSON_Delete(j);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	assert_string_equal(sbxt_str(sbxt_data(j), "current_state"), "completed");
	cJSON_Delete(j);
}

/* Sets user 1's time_zone through the admin API. */
static void set_user_zone(const char *zone)
{
	char body[128];

	snprintf(body, sizeof(body), "{\"time_zone\":\"%s\"}", zone);
	assert_int_equal(sbxt_admin(&S, "PUT", "/_sandbox/records/users/1", body, NULL), 200);
}

/* True when GET /v2/tasks?ids=id&time_interval_filter=bucket returns the task. */
static bool in_bucket(long long id, const char *bucket)
{
	char path[160];
	cJSON *j;
	bool in;

	snprintf(path, sizeof(path), "/v2/tasks?ids=%lld&time_interval_filter=%s", id, bucket);
	j = list(path);
	in = has_id(sbxt_data(j), id);
	cJSON_Delete(j);
	return in;
}

/* The buckets follow the caller's time_zone: at 2026-06-10T20:00Z it is 10 June in New
 * York and 11 June in Kiritimati. */
static void test_interval_in_callers_zone(void **state)
{
	cJSON *first = list("/v2/tasks?per_page=1");
	long long person = ref_id(cJSON_GetArrayItem(sbxt_data(first), 0), "person");
	long long d10, d11, d12;

	cJSON_Delete(first);
	d10 = post_task(person, "2026-06-10", NULL, "due 10 June");
	d11 = post_task(person, "2026-06-11", NULL, "due 11 June");
	d12 = post_task(person, "2026-06-12", NULL, "due 12 June");

	set_user_zone("Pacific/Kiritimati");
	assert_true(in_bucket(d11, "today"));
	assert_true(in_bucket(d10, "overdue"));
	assert_false(in_bucket(d10, "today"));
	assert_true(in_bucket(d12, "tomorrow"));
	assert_true(in_bucket(d11, "this_week")); /* Thursday 11 June: week of 8-14 June */

	set_user_zone("US/Eastern");
	assert_true(in_bucket(d10, "today"));
	assert_false(in_bucket(d10, "overdue"));
	assert_true(in_bucket(d11, "tomorrow"));

	/* Half-hour zones: 20:00Z is 01:30 on 11 June in Kolkata. */
	set_user_zone("Asia/Kolkata");
	assert_true(in_bucket(d11, "today"));

	/* A zone the tz database does not know: the team's zone (US/Eastern). */
	set_user_zone("Mars/Olympus_Mons");
	assert_true(in_bucket(d10, "today"));
	set_user_zone("../../etc/passwd");
	assert_true(in_bucket(d10, "today"));
	set_user_zone("US/Eastern");
}

/* With --state the keys live in the state file: a restarted sandbox still answers a repeat
 * with the first task. */
static void test_idempotency_key_survives_restart(void **state)
{
	char dir[256], db[300], body[256];
	const char *extra[] = {"--people", "60", "--state", db, NULL};
	struct sbxt s2;
	cJSON *j = NULL;
	long long first, again;

	assert_int_equal(tl_tmpdir(dir, sizeof(dir), "sbx-tasks"), 0);
	snprintf(db, sizeof(db), "%s/org.db", dir);
	snprintf(body, sizeof(body),
	         "{\"person_id\":%lld,\"task_type\":\"call\",\"subject\":\"x\",\"due_date\":"
	         "\"2026-06-12\",\"idempotency_key\":\"restart-1\"}",
	         164510000LL);
	assert_int_equal(sbxt_start(&s2, extra), 0);
	assert_int_equal(sbxt_api(&s2, KEY, "POST", "/v2/tasks", body, &j), 200);
	first = (long long)sbxt_num(sbxt_data(j), "id");
	cJSON_Delete(j);
	assert_int_equal(sbxt_stop(&s2), 0);
	assert_int_equal(sbxt_start(&s2, extra), 0);
	assert_int_equal(sbxt_api(&s2, KEY, "POST", "/v2/tasks", body, &j), 200);
	again = (long long)sbxt_num(sbxt_data(j), "id");
	cJSON_Delete(j);
	assert_int_equal(sbxt_stop(&s2), 0);
	assert_int_equal(again, first);
	tl_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_filters),
	        cmocka_unit_test(test_idempotency_key),
	        cmocka_unit_test(test_is_logged),
	        cmocka_unit_test(test_interval_in_callers_zone),
	        cmocka_unit_test(test_idempotency_key_survives_restart),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * The sandbox's read API over real HTTP: one loftdial-sandbox (seed 7, 1500 people, no rate
 * limit) is started on a free loopback port and every reference fact the read side follows is
 * checked against it: users without paging, paging and counts, per_page correction, sorting
 * with nulls, microsecond timestamp filters with offsets, ids, every dialer filter, 401/404/
 * 422 bodies, the x-ratelimit headers, the JSON shape of the fixtures, hostile records and
 * keep-alive.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <time.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sbx_core.h"
#include "sandbox_util.h"

#define PEOPLE    1500
#define FIRST_PID 164510000LL

static struct sbxt S;

/* Starts the sandbox for the whole group. */
static int group_setup(void **state)
{
	static const char *const args[] = {"--seed",       "7", "--people", "1500",
	                                   "--rate-limit", "0", NULL};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return sbxt_start(&S, args);
}

/* Stops it; SIGTERM must end it cleanly with status 0. */
static int group_teardown(void **state)
{
	int st = sbxt_stop(&S);

	curl_global_cleanup();
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "sandbox exit status %d\n", st);
		return -1;
	}
	return 0;
}

/* Parses a timestamp member into microseconds (fails the test when it is not one). */
static int64_t ts(const cJSON *o, const char *key)
{
	const char *s = sbxt_str(o, key);
	int64_t us = 0;

	assert_non_null(s);
	assert_int_equal(sbx_time_parse(s, &us, NULL), 0);
	return us;
}

/* The ready line names a real port on 127.0.0.1. */
static void t_ready(void **state)
{
	assert_int_equal(strncmp(S.base, "http://127.0.0.1:", 17), 0);
	assert_true(atoi(S.base + 17) > 0);
}

/* /v2/users: all users, no paging block without page; with page, paged. */
static void t_users_no_paging(void **state)
{
	cJSON *j = sbxt_json(&S, "/v2/users", 200), *u;
	const cJSON *sorting;

	assert_non_null(j);
	assert_null(sbxt_paging(j));
	sorting = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "metadata"),
	                                           "sorting");
	assert_string_equal(sbxt_str(sorting, "sort_by"), "id");
	assert_string_equal(sbxt_str(sorting, "sort_direction"), "DESC NULLS LAST");
	/* visible_only defaults to true (§4.1): deactivated user 4 is not listed. */
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 7);
	u = cJSON_GetArrayItem(sbxt_data(j), 6);
	assert_int_equal(sbxt_num(u, "id"), 1);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u, "team_admin")));
	assert_string_equal(sbxt_str(cJSON_GetObjectItemCaseSensitive(u, "role"), "id"), "Admin");
	assert_null(cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetObjectItemCaseSensitive(u, "phone_client"), "_href"));
	assert_non_null(sbxt_str(u, "guid"));
	assert_int_equal(strlen(sbxt_str(u, "guid")), 36);
	cJSON_Delete(j);

	j = sbxt_json(&S, "/v2/users?visible_only=false", 200);
	assert_non_null(j);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 8);
	assert_int_equal(sbxt_num(cJSON_GetArrayItem(sbxt_data(j), 4), "id"), 4);
	cJSON_Delete(j);
	j = sbxt_json(&S, "/v2/users?visible_only=maybe", 422);
	cJSON_Delete(j);

	j = sbxt_json(&S, "/v2/users?page=1&per_page=3&sort_by=name&sort_direction=ASC", 200);
	assert_non_null(j);
	assert_non_null(sbxt_paging(j));
	assert_int_equal(sbxt_num(sbxt_paging(j), "next_page"), 2);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 3);
	assert_true(strcmp(sbxt_str(cJSON_GetArrayItem(sbxt_data(j), 0), "name"),
	                   sbxt_str(cJSON_GetArrayItem(sbxt_data(j), 1), "name")) <= 0);
	cJSON_Delete(j);
}

/* /v2/me and /v2/me.json: the key's user, user 1. */
static void t_me(void **state)
{
	cJSON *a = sbxt_json(&S, "/v2/me", 200), *b = sbxt_json(&S, "/v2/me.json", 200);

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(sbxt_num(cJSON_GetObjectItemCaseSensitive(a, "data"), "id"), 1);
	assert_int_equal(sbxt_num(cJSON_GetObjectItemCaseSensitive(b, "data"), "id"), 1);
	cJSON_Delete(a);
	cJSON_Delete(b);
}

/* Paging: next_page/prev_page, counts, the last page, a page past the end. */
static void t_paging(void **state)
{
	cJSON *j = sbxt_json(&S, "/v2/people?per_page=100&include_paging_counts=true", 200), *p;

	assert_non_null(j);
	p = sbxt_paging(j);
	assert_int_equal(sbxt_num(p, "per_page"), 100);
	assert_int_equal(sbxt_num(p, "current_page"), 1);
	assert_int_equal(sbxt_num(p, "next_page"), 2);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(p, "prev_page")));
	assert_int_equal(sbxt_num(p, "total_count"), PEOPLE);
	assert_int_equal(sbxt_num(p, "total_pages"), 15);
	cJSON_Delete(j);

	j = sbxt_json(&S, "/v2/people?per_page=100&page=15", 200);
	p = sbxt_paging(j);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 100);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(p, "next_page")));
	assert_int_equal(sbxt_num(p, "prev_page"), 14);
	assert_null(cJSON_GetObjectItemCaseSensitive(p, "total_count"));
	cJSON_Delete(j);

	j = sbxt_json(&S, "/v2/people?per_page=100&page=16", 200);
	p = sbxt_paging(j);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 0);
	assert_true(cJSON_IsArray(sbxt_data(j)));
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(p, "next_page")));
	assert_int_equal(sbxt_num(p, "current_page"), 16);
	cJSON_Delete(j);
}

/* Out-of-range per_page/page are corrected and echoed, never an error. */
static void t_per_page_correction(void **state)
{
	static const struct {
		const char *q;
		int per_page, page, rows;
	} cases[] = {
	        {"", 25, 1, 25},
	        {"?per_page=0", 1, 1, 1},
	        {"?per_page=-5", 1, 1, 1},
	        {"?per_page=1000", 100, 1, 100},
	        {"?per_page=abc", 25, 1, 25},
	        {"?page=0&per_page=2", 2, 1, 2},
	        {"?page=-3&per_page=2", 2, 1, 2},
	        {"?page=x&per_page=2", 2, 1, 2},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char pq[128];
		cJSON *j;

		snprintf(pq, sizeof(pq), "/v2/people%s", cases[i].q);
		j = sbxt_json(&S, pq, 200);
		assert_non_null(j);
		assert_int_equal(sbxt_num(sbxt_paging(j), "per_page"), cases[i].per_page);
		assert_int_equal(sbxt_num(sbxt_paging(j), "current_page"), cases[i].page);
		assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), cases[i].rows);
		cJSON_Delete(j);
	}
}

/* ASC/DESC order on updated_at, and null placement on last_contacted_at. */
static void t_sort(void **state)
{
	cJSON *j, *d, *meta;
	int64_t prev;
	int n;

	j = sbxt_json(&S, "/v2/people?per_page=100&sort_by=updated_at&sort_direction=ASC", 200);
	d = sbxt_data(j);
	prev = INT64_MIN;
	cJSON_ArrayForEach(meta, d)
	{
		int64_t t = ts(meta, "updated_at");

		assert_true(t >= prev);
		prev = t;
	}
	meta = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "metadata"),
	                                        "sorting");
	assert_string_equal(sbxt_str(meta, "sort_direction"), "ASC NULLS FIRST");
	cJSON_Delete(j);

	j = sbxt_json(&S, "/v2/people?per_page=100&sort_by=updated_at&sort_direction=desc", 200);
	prev = INT64_MAX;
	cJSON_ArrayForEach(meta, sbxt_data(j))
	{
		int64_t t = ts(meta, "updated_at");

		assert_true(t <= prev);
		prev = t;
	}
	cJSON_Delete(j);

	/* ASC: nulls first. */
	j = sbxt_json(&S, "/v2/people?per_page=5&sort_by=last_contacted_at&sort_direction=ASC",
	              200);
	cJSON_ArrayForEach(meta, sbxt_data(j)) assert_true(
	        cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(meta, "last_contacted_at")));
	cJSON_Delete(j);
	/* DESC: values first, nulls last (on the last page). */
	j = sbxt_json(&S, "/v2/people?per_page=5&sort_by=last_contacted_at", 200);
	cJSON_ArrayForEach(meta, sbxt_data(j)) assert_non_null(sbxt_str(meta, "last_contacted_at"));
	cJSON_Delete(j);
	j = sbxt_json(&S, "/v2/people?per_page=100&page=15&sort_by=last_contacted_at", 200);
	n = cJSON_GetArraySize(sbxt_data(j));
	assert_true(n > 0);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetArrayItem(sbxt_data(j), n - 1), "last_contacted_at")));
	cJSON_Delete(j);

	/* Tasks sort by due_date by default; dispositions by name. */
	j = sbxt_json(&S, "/v2/tasks?per_page=1", 200);
	meta = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "metadata"),
	                                        "sorting");
	assert_string_equal(sbxt_str(meta, "sort_by"), "due_date");
	cJSON_Delete(j);
	j = sbxt_json(&S, "/v2/call_dispositions?sort_direction=ASC&per_page=100", 200);
	assert_string_equal(sbxt_str(cJSON_GetArrayItem(sbxt_data(j), 0), "name"), "Bad Number");
	cJSON_Delete(j);
}

/* Counts rows of a list query through include_paging_counts. */
static int count(const char *pq)
{
	char q[1024];
	cJSON *j;
	int n;

	snprintf(q, sizeof(q), "%s%sinclude_paging_counts=true&per_page=1", pq,
	         strchr(pq, '?') ? "&" : "?");
	j = sbxt_json(&S, q, 200);
	assert_non_null(j);
	n = (int)sbxt_num(sbxt_paging(j), "total_count");
	cJSON_Delete(j);
	return n;
}

/* Escapes a timestamp for a query string ('+' must be %2B). */
static void qesc(char *out, size_t n, const char *s)
{
	size_t o = 0;

	for (; *s && o + 4 < n; s++) {
		if (*s == '+') {
			memcpy(out + o, "%2B", 3);
			o += 3;
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
}

/* updated_at[gt|gte|lt|lte] at microsecond precision, in any offset; the bulk import whose
 * 137 people share one updated_at microsecond. */
static void t_updated_at_micro(void **state)
{
	char pq[512], t[64], e[96];
	cJSON *j;
	int64_t us;
	int eq, gt, gte, lt, lte, total = count("/v2/people");

	/* Person index 200 is the first of the frozen 137-person import. */
	j = sbxt_json(&S, "/v2/people/164510200", 200);
	assert_non_null(j);
	us = ts(cJSON_GetObjectItemCaseSensitive(j, "data"), "updated_at");
	cJSON_Delete(j);

	sbx_time_render(t, sizeof(t), us, 330); /* the same instant written as +05:30 */
	qesc(e, sizeof(e), t);
	snprintf(pq, sizeof(pq), "/v2/people?updated_at[gte]=%s&updated_at[lte]=%s", e, e);
	eq = count(pq);
	assert_true(eq >= 137);
	snprintf(pq, sizeof(pq), "/v2/people?updated_at[gt]=%s", e);
	gt = count(pq);
	snprintf(pq, sizeof(pq), "/v2/people?updated_at[gte]=%s", e);
	gte = count(pq);
	snprintf(pq, sizeof(pq), "/v2/people?updated_at[lt]=%s", e);
	lt = count(pq);
	snprintf(pq, sizeof(pq), "/v2/people?updated_at[lte]=%s", e);
	lte = count(pq);
	assert_int_equal(gte - gt, eq);
	assert_int_equal(lte - lt, eq);
	assert_int_equal(gt + lte, total);

	/* One microsecond earlier, in UTC with Z: [gt] now includes the whole group. */
	sbx_time_render(t, sizeof(t), us - 1, 0);
	t[26] = 'Z';
	t[27] = '\0';
	snprintf(pq, sizeof(pq), "/v2/people?updated_at[gt]=%s", t);
	assert_int_equal(count(pq), gte);
	/* One microsecond later, as -05:00: [lt] includes the group. */
	sbx_time_render(t, sizeof(t), us + 1, -300);
	snprintf(pq, sizeof(pq), "/v2/people?updated_at[lt]=%s", t);
	assert_int_equal(count(pq), lte);

	/* The first ASC page from [gte] starts exactly at that microsecond. */
	sbx_time_render(t, sizeof(t), us, -300);
	snprintf(pq, sizeof(pq),
	         "/v2/people?sort_by=updated_at&sort_direction=ASC&per_page=100&updated_at[gte]=%s",
	         t);
	j = sbxt_json(&S, pq, 200);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 100);
	assert_true(ts(cJSON_GetArrayItem(sbxt_data(j), 0), "updated_at") == us);
	assert_true(ts(cJSON_GetArrayItem(sbxt_data(j), 99), "updated_at") == us);
	cJSON_Delete(j);

	/* created_at filters work the same way. */
	snprintf(pq, sizeof(pq), "/v2/people?created_at[gte]=%s&created_at[lte]=%s", t, t);
	assert_true(count(pq) >= 137);
}

/* ids[]: existing ones come back, missing ones are omitted; comma lists too. */
static void t_ids(void **state)
{
	cJSON *j = sbxt_json(&S, "/v2/people?ids[]=164510003&ids[]=164510001&ids[]=999", 200);

	assert_non_null(j);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 2);
	cJSON_Delete(j);
	j = sbxt_json(&S, "/v2/people?ids=164510003,164510004,164510005", 200);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 3);
	cJSON_Delete(j);
	j = sbxt_json(&S, "/v2/people?ids[]=1&ids[]=2", 200);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 0);
	cJSON_Delete(j);
	j = sbxt_json(&S, "/v2/people?ids[]=abc", 422);
	assert_non_null(j);
	assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetObjectItemCaseSensitive(j, "errors"), "ids")));
	cJSON_Delete(j);
}

/* Every record of a list satisfies cond (rec is a cJSON * of the caller); the list is not
 * empty. */
#define ALL(pq, rec, cond)                                                                         \
	do {                                                                                       \
		cJSON *jj_ = sbxt_json(&S, pq, 200);                                               \
		assert_non_null(jj_);                                                              \
		assert_true(cJSON_GetArraySize(sbxt_data(jj_)) > 0);                               \
		cJSON_ArrayForEach(rec, sbxt_data(jj_))                                            \
		{                                                                                  \
			assert_true(cond);                                                         \
		}                                                                                  \
		cJSON_Delete(jj_);                                                                 \
	} while (0)

/* The filters the dialer uses, one by one. */
static void t_dialer_filters(void **state)
{
	char pq[512], now[64], today[16], guid[64];
	cJSON *j, *r;
	int64_t step = -1, nowus;
	struct sbxt_resp resp;

	/* The sandbox's "now", from its Date header (second precision is enough here). */
	assert_int_equal(sbxt_get(&S, "/v2/me", &resp), 0);
	free(resp.body);
	{
		struct tm tm = {0};
		char *e = strptime(resp.date, "%a, %d %b %Y %H:%M:%S GMT", &tm);

		assert_non_null(e);
		nowus = (int64_t)timegm(&tm) * 1000000 + 1999999;
	}
	sbx_time_render(now, sizeof(now), nowus, -300);
	sbx_date_render(today, sizeof(today), nowus);

	/* Steps. */
	ALL("/v2/steps?cadence_id=1200&per_page=100", r, sbxt_ref_id(r, "cadence") == 1200);
	ALL("/v2/steps?type=phone&per_page=100", r, !strcmp(sbxt_str(r, "type"), "phone"));
	{
		char e[96];
		int checked = 0;

		qesc(e, sizeof(e), now);
		/* has_due_actions=true: every such step has actions due now; =false: none. */
		j = sbxt_json(&S, "/v2/steps?type=phone&has_due_actions=true&per_page=100", 200);
		assert_true(cJSON_GetArraySize(sbxt_data(j)) > 0);
		cJSON_ArrayForEach(r, sbxt_data(j))
		{
			if (step < 0)
				step = (int64_t)sbxt_num(r, "id");
			if (checked++ >= 5)
				continue;
			snprintf(pq, sizeof(pq), "/v2/actions?step_id=%.0f&due_on[lte]=%s",
			         sbxt_num(r, "id"), e);
			assert_true(count(pq) > 0);
		}
		cJSON_Delete(j);
		checked = 0;
		assert_int_equal(count("/v2/steps?has_due_actions=true") +
		                         count("/v2/steps?has_due_actions=false"),
		                 count("/v2/steps"));
		j = sbxt_json(&S, "/v2/steps?has_due_actions=false&per_page=100", 200);
		cJSON_ArrayForEach(r, sbxt_data(j))
		{
			if (checked++ >= 5)
				break;
			snprintf(pq, sizeof(pq), "/v2/actions?step_id=%.0f&due_on[lte]=%s",
			         sbxt_num(r, "id"), e);
			assert_int_equal(count(pq), 0);
		}
		cJSON_Delete(j);
		snprintf(pq, sizeof(pq),
		         "/v2/actions?step_id=%lld&type=phone&due_on[lte]=%s&per_page=100",
		         (long long)step, e);
	}
	ALL(pq, r,
	    sbxt_ref_id(r, "step") == step && !strcmp(sbxt_str(r, "type"), "phone") &&
	            ts(r, "due_on") <= nowus && cJSON_IsTrue(cJSON_GetObjectItem(r, "due")) &&
	            !strcmp(sbxt_str(r, "status"), "in_progress"));
	/* A bare date in due_on[...] is an instant too (midnight UTC, invented). */
	{
		int64_t midnight = 0;

		assert_int_equal(sbx_time_parse(today, &midnight, NULL), 0);
		snprintf(pq, sizeof(pq), "/v2/actions?due_on[lte]=%s&per_page=100", today);
		ALL(pq, r, ts(r, "due_on") <= midnight);
	}

	/* Actions by person, cadence and user_guid. */
	ALL("/v2/actions?person_id=164510000", r, sbxt_ref_id(r, "person") == 164510000);
	ALL("/v2/actions?cadence_id=1200&per_page=100", r, sbxt_ref_id(r, "cadence") == 1200);
	j = sbxt_json(&S, "/v2/users/1", 200);
	snprintf(guid, sizeof(guid), "%s",
	         sbxt_str(cJSON_GetObjectItemCaseSensitive(j, "data"), "guid"));
	cJSON_Delete(j);
	snprintf(pq, sizeof(pq), "/v2/actions?user_guid=%s&per_page=100", guid);
	ALL(pq, r, sbxt_ref_id(r, "user") == 1);

	/* Call tasks: both spellings of the array filters give the same bytes. */
	{
		struct sbxt_resp a, b;

		assert_int_equal(
		        sbxt_get(&S,
		                 "/v2/tasks?task_type=call&current_state=scheduled&user_id=1"
		                 "&time_interval_filter=today",
		                 &a),
		        0);
		assert_int_equal(
		        sbxt_get(&S,
		                 "/v2/tasks?task_type[]=call&current_state[]=scheduled&user_id[]=1"
		                 "&time_interval_filter=today",
		                 &b),
		        0);
		assert_int_equal(a.status, 200);
		/* metadata.filtering echoes the names as sent, so compare data only. */
		assert_string_equal(strstr(a.body, "\"data\""), strstr(b.body, "\"data\""));
		free(a.body);
		free(b.body);
	}
	ALL("/v2/tasks?task_type=call&current_state=scheduled&user_id=1&time_interval_filter=today",
	    r,
	    !strcmp(sbxt_str(r, "due_date"), today) && sbxt_ref_id(r, "user") == 1 &&
	            !strcmp(sbxt_str(r, "task_type"), "call"));
	ALL("/v2/tasks?task_type=call&user_id=1&time_interval_filter=overdue&per_page=100", r,
	    strcmp(sbxt_str(r, "due_date"), today) < 0 &&
	            !strcmp(sbxt_str(r, "current_state"), "scheduled"));
	ALL("/v2/tasks?time_interval_filter=tomorrow&per_page=100", r,
	    strcmp(sbxt_str(r, "due_date"), today) > 0);
	ALL("/v2/tasks?time_interval_filter=this_week&per_page=100", r, sbxt_str(r, "due_date"));
	ALL("/v2/tasks?person_id=164510001", r, sbxt_ref_id(r, "person") == 164510001);
	ALL("/v2/tasks?current_state=completed&per_page=100", r,
	    !strcmp(sbxt_str(r, "current_state"), "completed") && sbxt_str(r, "completed_at"));
	j = sbxt_json(&S, "/v2/tasks?time_interval_filter=someday", 422);
	assert_non_null(j);
	cJSON_Delete(j);

	/* People. */
	ALL("/v2/people?do_not_contact=true&per_page=100", r,
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "do_not_contact")));
	ALL("/v2/people?owner_id=1&per_page=100", r, sbxt_ref_id(r, "owner") == 1);
	j = sbxt_json(&S, "/v2/people/164510000", 200);
	{
		double acct = sbxt_ref_id(cJSON_GetObjectItemCaseSensitive(j, "data"), "account");

		snprintf(pq, sizeof(pq), "/v2/people?account_id=%.0f&per_page=100", acct);
		ALL(pq, r, sbxt_ref_id(r, "account") == acct);
	}
	cJSON_Delete(j);
	/* email_addresses: exact and case-sensitive (matched through a hash index first), any
	 * number of values, unknown addresses simply absent. */
	{
		char e1[200], e2[200], q1[200], q2[200], up[200], eq[600];
		cJSON *p1 = sbxt_json(&S, "/v2/people/164510000", 200);
		cJSON *p2 = sbxt_json(&S, "/v2/people/164510003", 200);

		snprintf(e1, sizeof(e1), "%s",
		         sbxt_str(cJSON_GetObjectItemCaseSensitive(p1, "data"), "email_address"));
		snprintf(e2, sizeof(e2), "%s",
		         sbxt_str(cJSON_GetObjectItemCaseSensitive(p2, "data"), "email_address"));
		cJSON_Delete(p1);
		cJSON_Delete(p2);
		qesc(q1, sizeof(q1), e1);
		qesc(q2, sizeof(q2), e2);
		snprintf(eq, sizeof(eq),
		         "/v2/people?email_addresses[]=%s&email_addresses[]=nobody%%40example.com"
		         "&email_addresses[]=%s",
		         q1, q2);
		ALL(eq, r,
		    !strcmp(sbxt_str(r, "email_address"), e1) ||
		            !strcmp(sbxt_str(r, "email_address"), e2));
		assert_int_equal(count(eq), 2);
		for (size_t i = 0; i <= strlen(q1); i++)
			up[i] = (char)toupper((unsigned char)q1[i]);
		snprintf(eq, sizeof(eq), "/v2/people?email_addresses=%s", up);
		assert_int_equal(count(eq), 0);
	}
	j = sbxt_json(&S, "/v2/people?do_not_contact=maybe", 422);
	assert_non_null(j);
	cJSON_Delete(j);

	/* Memberships. */
	ALL("/v2/cadence_memberships?person_id=164510000", r,
	    sbxt_ref_id(r, "person") == 164510000);
	ALL("/v2/cadence_memberships?cadence_id=1201&per_page=100", r,
	    sbxt_ref_id(r, "cadence") == 1201);
	ALL("/v2/cadence_memberships?currently_on_cadence=false&per_page=100", r,
	    cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r, "currently_on_cadence")));

	/* Calls. */
	ALL("/v2/activities/calls?disposition=Busy&per_page=100", r,
	    !strcmp(sbxt_str(r, "disposition"), "Busy"));
	j = sbxt_json(&S, "/v2/activities/calls?disposition=busy", 200);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 0); /* exact, case-sensitive */
	cJSON_Delete(j);
	ALL("/v2/activities/calls?sentiment=Positive&per_page=100", r,
	    !strcmp(sbxt_str(r, "sentiment"), "Positive"));
	snprintf(pq, sizeof(pq), "/v2/activities/calls?user_guid=%s&per_page=100", guid);
	ALL(pq, r, sbxt_ref_id(r, "user") == 1);
	j = sbxt_json(&S, "/v2/activities/calls?per_page=1", 200);
	{
		double p = sbxt_ref_id(cJSON_GetArrayItem(sbxt_data(j), 0), "called_person");

		snprintf(pq, sizeof(pq), "/v2/activities/calls?person_id=%.0f", p);
		ALL(pq, r, sbxt_ref_id(r, "called_person") == p);
	}
	cJSON_Delete(j);

	/* Unknown filter names are ignored: same bytes as without. */
	{
		struct sbxt_resp a, b;

		assert_int_equal(sbxt_get(&S, "/v2/people?per_page=7&no_such_filter=1", &a), 0);
		assert_int_equal(sbxt_get(&S, "/v2/people?per_page=7", &b), 0);
		assert_string_equal(a.body, b.body);
		free(a.body);
		free(b.body);
	}
}

/* Accounts filters (archived, exact domain and name, owner) and deactivated users. */
static void t_accounts_users(void **state)
{
	char pq[512], dom[256], name[256];
	cJSON *j, *r, *first;
	CURL *esc = curl_easy_init();
	char *ed, *en;

	ALL("/v2/accounts?archived=true&per_page=100", r, sbxt_str(r, "archived_at") != NULL);
	ALL("/v2/accounts?archived=false&per_page=100", r,
	    cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "archived_at")));
	assert_int_equal(count("/v2/accounts?archived=true") + count("/v2/accounts?archived=false"),
	                 count("/v2/accounts"));
	ALL("/v2/accounts?owner_id=1&per_page=100", r, sbxt_ref_id(r, "owner") == 1);
	j = sbxt_json(&S, "/v2/accounts?per_page=100", 200);
	first = NULL;
	cJSON_ArrayForEach(r, sbxt_data(j))
	{
		if (!first && sbxt_str(r, "domain") && strchr(sbxt_str(r, "domain"), '/'))
			first = r;
	}
	assert_non_null(first);
	snprintf(dom, sizeof(dom), "%s", sbxt_str(first, "domain"));
	snprintf(name, sizeof(name), "%s", sbxt_str(first, "name"));
	cJSON_Delete(j);
	ed = curl_easy_escape(esc, dom, 0);
	en = curl_easy_escape(esc, name, 0);
	snprintf(pq, sizeof(pq), "/v2/accounts?domain=%s", ed);
	ALL(pq, r, !strcmp(sbxt_str(r, "domain"), dom));
	snprintf(pq, sizeof(pq), "/v2/accounts?name=%s&per_page=100", en);
	ALL(pq, r, !strcmp(sbxt_str(r, "name"), name));
	curl_free(ed);
	curl_free(en);
	curl_easy_cleanup(esc);

	/* User 4 is deactivated, not gone. */
	ALL("/v2/users?active=false&visible_only=false", r,
	    sbxt_num(r, "id") == 4 && cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r, "active")));
	assert_int_equal(count("/v2/users?page=1&active=true"), 7);
}

/* Memberships come in every current_state Salesloft documents (§4.5). */
static void t_membership_states(void **state)
{
	static const char *const states[] = {"processing",        "staged",     "active",
	                                     "scheduled",         "completed",  "removed",
	                                     "removed_no_action", "reassigned", "archived"};
	bool seen[sizeof(states) / sizeof(states[0])] = {0};
	char pq[128];

	for (int page = 1; page < 50; page++) {
		cJSON *j, *r;
		bool more;

		snprintf(pq, sizeof(pq), "/v2/cadence_memberships?per_page=100&page=%d", page);
		j = sbxt_json(&S, pq, 200);
		assert_non_null(j);
		cJSON_ArrayForEach(r, sbxt_data(j))
		{
			const char *st = sbxt_str(r, "current_state");

			for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
				seen[i] |= st && !strcmp(st, states[i]);
		}
		more = sbxt_num(sbxt_paging(j), "next_page") > 0;
		cJSON_Delete(j);
		if (!more)
			break;
	}
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (!seen[i])
			fail_msg("no membership in state %s", states[i]);
}

/* 404 bodies for missing records and unknown paths. */
static void t_404(void **state)
{
	static const char *const paths[] = {"/v2/people/1", "/v2/people/abc",
	                                    "/v2/activities/calls/5", "/v2/nothing_here",
	                                    "/v2/users/me"};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		cJSON *j = sbxt_json(&S, paths[i], 404);

		assert_non_null(j);
		assert_string_equal(sbxt_str(j, "error"), "Not Found");
		cJSON_Delete(j);
	}
}

/* 401: no token, another scheme, a wrong key. */
static void t_401(void **state)
{
	struct sbxt_resp r;

	assert_int_equal(sbxt_req(&S, "GET", "/v2/people", NULL, NULL, &r), 0);
	assert_int_equal(r.status, 401);
	assert_string_equal(r.body, "{\"error\":\"No Bearer Token attached to request, please see "
	                            "documentation at developers.salesloft.com\"}");
	assert_true(r.cost[0] && r.remaining[0]);
	free(r.body);
	assert_int_equal(sbxt_req(&S, "GET", "/v2/me", "ak_wrong", NULL, &r), 0);
	assert_int_equal(r.status, 401);
	free(r.body);
	/* A different scheme is no Bearer token at all. */
	{
		struct curl_slist *h = curl_slist_append(NULL, "Authorization: Basic eHl6OnB3");
		char url[256];
		long st = 0;

		snprintf(url, sizeof(url), "%s/v2/me", S.base);
		curl_easy_reset(S.curl);
		curl_easy_setopt(S.curl, CURLOPT_URL, url);
		curl_easy_setopt(S.curl, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(S.curl, CURLOPT_WRITEFUNCTION, sbxt_body_cb);
		memset(&r, 0, sizeof(r));
		curl_easy_setopt(S.curl, CURLOPT_WRITEDATA, &r);
		assert_int_equal(curl_easy_perform(S.curl), CURLE_OK);
		curl_easy_getinfo(S.curl, CURLINFO_RESPONSE_CODE, &st);
		assert_int_equal(st, 401);
		assert_non_null(strstr(r.body, "No Bearer Token"));
		curl_slist_free_all(h);
		free(r.body);
	}
}

/* 422: invalid sort, invalid direction, invalid timestamps (an unencoded '+' included). */
static void t_422(void **state)
{
	static const struct {
		const char *pq, *field;
	} cases[] = {
	        {"/v2/people?sort_by=bogus", "sort_by"},
	        {"/v2/users?sort_by=updated_at", "sort_by"},
	        {"/v2/people?sort_direction=sideways", "sort_direction"},
	        {"/v2/people?updated_at[gt]=yesterday", "updated_at"},
	        {"/v2/people?updated_at[gte]=2024-02-30T00:00:00Z", "updated_at"},
	        {"/v2/people?updated_at[gt]=2024-03-07T02:46:00.302715+05:00", "updated_at"},
	        {"/v2/people?created_at[lt]=2024-03-07T25:00:00Z", "created_at"},
	        {"/v2/tasks?user_id=me", "user_id"},
	        /* "%00" is not decoded (it would cut the C string: a valid time then junk). */
	        {"/v2/people?updated_at[gte]=2024-03-07T02:46:00Z%00junk", "updated_at"},
	        {"/v2/tasks?user_id=1%00", "user_id"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *j = sbxt_json(&S, cases[i].pq, 422), *errs, *f;

		assert_non_null(j);
		errs = cJSON_GetObjectItemCaseSensitive(j, "errors");
		f = cJSON_GetObjectItemCaseSensitive(errs, cases[i].field);
		assert_true(cJSON_IsArray(f));
		assert_true(cJSON_IsString(cJSON_GetArrayItem(f, 0)));
		cJSON_Delete(j);
	}
	/* Users have no updated_at filter: the name is unknown, so ignored. */
	{
		cJSON *j = sbxt_json(&S, "/v2/users?updated_at[gt]=garbage", 200);

		assert_non_null(j);
		cJSON_Delete(j);
	}
}

/* Every /v2/ reply carries both x-ratelimit headers (limit off: cost 1, 600 left). */
static void t_ratelimit_headers(void **state)
{
	static const char *const paths[] = {"/v2/people", "/v2/people/1", "/v2/people?sort_by=x",
	                                    "/v2/me.json", "/v2/nope"};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct sbxt_resp r;

		assert_int_equal(sbxt_get(&S, paths[i], &r), 0);
		assert_string_equal(r.cost, "1");
		assert_string_equal(r.remaining, "600");
		free(r.body);
	}
}

/* Checks that a string is a Salesloft timestamp: microseconds and a numeric, non-Z offset. */
static bool ts_shape(const char *s)
{
	int64_t us;
	int off = 99;

	return s && strlen(s) == 32 && s[19] == '.' && (s[26] == '-' || s[26] == '+') &&
	       !sbx_time_parse(s, &us, &off) && (off == -300 || off == -240);
}

/* Reads a fixture from the source tree. */
static cJSON *fixture(const char *name)
{
	char path[1024];
	FILE *f;
	static char buf[65536];
	size_t n;

	snprintf(path, sizeof(path), "%s/tests/data/fixtures/%s", tl_env("LOFTDIAL_SRC", "."),
	         name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return cJSON_Parse(buf);
}

/* Every key of the fixture's first record is present in rec, and null where the fixture's
 * value is an object or null only when ours may be null too. */
static void same_keys(const cJSON *fix, const cJSON *rec)
{
	const cJSON *k;

	cJSON_ArrayForEach(k, fix)
	{
		if (!cJSON_GetObjectItemCaseSensitive(rec, k->string)) {
			fprintf(stderr, "missing key %s\n", k->string);
			fail();
		}
	}
}

/* The JSON shape of the fixtures: keys, nulls present, offsets, refs on our base URL. */
static void t_shape(void **state)
{
	static const struct {
		const char *fixture, *pq;
	} cases[] = {
	        {"list-people.json", "/v2/people?per_page=100"},
	        {"list-accounts.json", "/v2/accounts?per_page=100"},
	        {"list-users.json", "/v2/users"},
	};
	char prefix[160];
	bool url_domain = false, null_domain = false;

	snprintf(prefix, sizeof(prefix), "%s/v2/", S.base);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *fix = fixture(cases[i].fixture), *j = sbxt_json(&S, cases[i].pq, 200), *r;
		const cJSON *f0;

		assert_non_null(fix);
		assert_non_null(j);
		f0 = cJSON_GetArrayItem(sbxt_data(fix), 0);
		cJSON_ArrayForEach(r, sbxt_data(j))
		{
			const cJSON *m;

			same_keys(f0, r);
			assert_true(ts_shape(sbxt_str(r, "created_at")));
			assert_true(ts_shape(sbxt_str(r, "updated_at")));
			cJSON_ArrayForEach(m, r)
			{
				const cJSON *href = cJSON_GetObjectItemCaseSensitive(m, "_href");

				if (cJSON_IsObject(m) && href) {
					assert_true(cJSON_IsString(href));
					assert_int_equal(
					        strncmp(href->valuestring, prefix, strlen(prefix)),
					        0);
					assert_true(cJSON_IsNumber(
					        cJSON_GetObjectItemCaseSensitive(m, "id")));
				}
			}
			if (i == 1) {
				const char *d = sbxt_str(r, "domain");

				url_domain |=
				        d && strstr(d, "://") && strchr(strstr(d, "://") + 3, '/');
				null_domain |= !d;
			}
		}
		cJSON_Delete(fix);
		cJSON_Delete(j);
	}
	assert_true(url_domain);
	assert_true(null_domain);
	/* Nulls are present, not absent. */
	{
		cJSON *j = sbxt_json(&S, "/v2/people/164510000", 200);
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "data");

		assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(d, "last_replied_at")));
		assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(d, "person_stage")));
		assert_true(
		        cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(d, "contact_restrictions")));
		cJSON_Delete(j);
	}
}

/* Hostile records are served intact (JSON-escaped), along with other scripts and 5 kB
 * strings; call ids cross 2^31. */
static void t_hostile(void **state)
{
	cJSON *j = sbxt_json(&S,
	                     "/v2/people?per_page=100&ids=164510010,164510011,164510012,164510013,"
	                     "164510014,164510015,164510016,164510017,164510018,164510019,"
	                     "164510020,164510021,164510022,164510023,164510024",
	                     200),
	      *r;
	bool title_seq = false, clear = false, sql = false, big = false, ctl = false;

	assert_non_null(j);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 15);
	cJSON_ArrayForEach(r, sbxt_data(j))
	{
		const char *f = sbxt_str(r, "first_name"), *l = sbxt_str(r, "last_name");

		title_seq |= f && !strcmp(f, "\x1b]0;pwn\x07");
		clear |= f && !strcmp(f, "\x1b[2J\x1b[H");
		sql |= l && strstr(l, "DROP TABLE people");
		big |= l && strlen(l) >= 5000;
		ctl |= f && !strcmp(f, "\x01\x02\x03\x7f");
	}
	assert_true(title_seq && clear && sql && big && ctl);
	cJSON_Delete(j);

	/* Many scripts across the first pages. */
	{
		struct sbxt_resp resp;
		static const char *const scripts[] = {"\xc3", "\xe4", "\xd8", "\xd7", "\xf0\x9f"};

		assert_int_equal(sbxt_get(&S,
		                          "/v2/people?per_page=100&sort_by=id&sort_direction=ASC",
		                          &resp),
		                 0);
		for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++)
			assert_non_null(strstr(resp.body, scripts[i]));
		assert_non_null(strstr(resp.body, "\\u001b"));
		free(resp.body);
	}
	j = sbxt_json(&S, "/v2/activities/calls?ids=2147483648", 200);
	assert_true(sbxt_num(cJSON_GetArrayItem(sbxt_data(j), 0), "id") > 2147483647.0);
	cJSON_Delete(j);
}

/* .json suffix: the same bytes; single GETs wrap the record in data. */
static void t_json_suffix_and_show(void **state)
{
	struct sbxt_resp a, b;
	cJSON *j;

	assert_int_equal(sbxt_get(&S, "/v2/people.json?per_page=3", &a), 0);
	assert_int_equal(sbxt_get(&S, "/v2/people?per_page=3", &b), 0);
	assert_int_equal(a.status, 200);
	assert_string_equal(a.body, b.body);
	free(a.body);
	free(b.body);
	j = sbxt_json(&S, "/v2/people/164510005.json", 200);
	assert_int_equal(sbxt_num(cJSON_GetObjectItemCaseSensitive(j, "data"), "id"), 164510005);
	cJSON_Delete(j);
	static const char *const lists[] = {"/v2/accounts",
	                                    "/v2/cadences",
	                                    "/v2/cadence_memberships",
	                                    "/v2/steps",
	                                    "/v2/actions",
	                                    "/v2/tasks",
	                                    "/v2/call_dispositions",
	                                    "/v2/call_sentiments",
	                                    "/v2/activities/calls",
	                                    "/v2/activities/emails",
	                                    "/v2/notes"};
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		char pq[128];
		cJSON *one;
		double id;

		snprintf(pq, sizeof(pq), "%s?per_page=1", lists[i]);
		j = sbxt_json(&S, pq, 200);
		assert_non_null(j);
		assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 1);
		id = sbxt_num(cJSON_GetArrayItem(sbxt_data(j), 0), "id");
		snprintf(pq, sizeof(pq), "%s/%.0f", lists[i], id);
		one = sbxt_json(&S, pq, 200);
		assert_non_null(one);
		assert_true(sbxt_num(cJSON_GetObjectItemCaseSensitive(one, "data"), "id") == id);
		cJSON_Delete(one);
		cJSON_Delete(j);
	}
}

/* Requests on one handle reuse one connection (keep-alive). */
static void t_keepalive(void **state)
{
	long opened = 0;

	for (int i = 0; i < 50; i++) {
		struct sbxt_resp r;

		assert_int_equal(sbxt_get(&S, i % 2 ? "/v2/people?per_page=100" : "/v2/me", &r), 0);
		assert_int_equal(r.status, 200);
		if (i > 0)
			opened += r.new_conns;
		free(r.body);
	}
	assert_int_equal(opened, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(t_ready),
	        cmocka_unit_test(t_users_no_paging),
	        cmocka_unit_test(t_me),
	        cmocka_unit_test(t_paging),
	        cmocka_unit_test(t_per_page_correction),
	        cmocka_unit_test(t_sort),
	        cmocka_unit_test(t_updated_at_micro),
	        cmocka_unit_test(t_ids),
	        cmocka_unit_test(t_dialer_filters),
	        cmocka_unit_test(t_accounts_users),
	        cmocka_unit_test(t_membership_states),
	        cmocka_unit_test(t_404),
	        cmocka_unit_test(t_401),
	        cmocka_unit_test(t_422),
	        cmocka_unit_test(t_ratelimit_headers),
	        cmocka_unit_test(t_shape),
	        cmocka_unit_test(t_hostile),
	        cmocka_unit_test(t_json_suffix_and_show),
	        cmocka_unit_test(t_keepalive),
	};

	return cmocka_run_group_tests_name("sandbox_api", tests, group_setup, group_teardown);
}

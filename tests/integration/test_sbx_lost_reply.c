/*
 * Integration test of the faults that strike after the work is done (docs/sandbox.md, Fault
 * injection): with lost_reply the sandbox serves a POST, stores what it wrote, then closes
 * the connection instead of replying; with late_reply it sends the reply only after a delay
 * longer than the client's timeout. The client sees an empty reply or a timeout, and must
 * find out whether its POST landed: here a retried call log answers "has already been used"
 * and a retried task with the same idempotency_key answers the task that was stored. A
 * patient client gets the late reply; a sandbox stopped with a late reply pending exits
 * cleanly.
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
#include <curl/curl.h>

#include "sbxtest.h"

#define KEY SBXT_API_KEY

static struct sbxt S;

static int setup(void **state)
{
	return sbxt_start(&S, NULL);
}

static int teardown(void **state)
{
	return sbxt_stop(&S) == 0 ? 0 : -1;
}

/* Monotonic seconds. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct body {
	char buf[8192];
	size_t len;
};

static size_t collect(char *p, size_t sz, size_t n, void *arg)
{
	struct body *b = arg;
	size_t k = sz * n;

	if (k > sizeof(b->buf) - 1 - b->len)
		k = sizeof(b->buf) - 1 - b->len;
	memcpy(b->buf + b->len, p, k);
	b->len += k;
	b->buf[b->len] = '\0';
	return sz * n;
}

/* POSTs a JSON body to path as a client with the given timeout would. Returns the curl
 * code; *status gets the HTTP status (0: none), *out the parsed body (may be NULL),
 * *secs the time the request took. */
static CURLcode post(const char *path, const char *json, long timeout_ms, long *status, cJSON **out,
                     double *secs)
{
	struct curl_slist *h = NULL;
	struct body b = {.len = 0};
	char url[256];
	CURL *c = curl_easy_init();
	double t0 = now_s();
	CURLcode rc;

	assert_non_null(c);
	snprintf(url, sizeof(url), "%s%s", S.base, path);
	h = curl_slist_append(h, "Authorization: Bearer " KEY);
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	rc = curl_easy_perform(c);
	*status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (out)
		*out = b.len ? cJSON_Parse(b.buf) : NULL;
	if (secs)
		*secs = now_s() - t0;
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return rc;
}

/* Opens a fault window; asserts the admin API accepted it. */
static void faults(const char *spec)
{
	assert_int_equal(sbxt_admin(&S, "POST", "/_sandbox/faults", spec, NULL), 200);
}

/* How many times a fault kind fired in the current window. */
static int fired(const char *kind)
{
	cJSON *j = NULL;
	int n;

	assert_int_equal(sbxt_admin(&S, "GET", "/_sandbox/faults", NULL, &j), 200);
	n = (int)sbxt_num(cJSON_GetObjectItem(j, "fired"), kind);
	cJSON_Delete(j);
	return n;
}

/* The number of calls logged so far (the admin counters). */
static int calls_logged(void)
{
	cJSON *j = NULL;
	int n;

	assert_int_equal(sbxt_admin(&S, "GET", "/_sandbox/counters", NULL, &j), 200);
	n = (int)sbxt_num(j, "calls_logged");
	cJSON_Delete(j);
	return n;
}

/* A call log whose reply is lost: it landed all the same, and the retry says so. */
static void test_lost_reply_call_landed(void **state)
{
	cJSON *j = NULL, *t;
	long long task, person;
	char body[256], path[96];
	long status;
	int before;

	assert_int_equal(sbxt_api(&S, KEY, "GET",
	                          "/v2/tasks?task_type=call&current_state=scheduled&per_page=1",
	                          NULL, &j),
	                 200);
	t = cJSON_GetArrayItem(sbxt_data(j), 0);
	assert_non_null(t);
	task = (long long)sbxt_num(t, "id");
	person = (long long)sbxt_num(cJSON_GetObjectItem(t, "person"), "id");
	cJSON_Delete(j);
	snprintf(body, sizeof(body),
	         "{\"person_id\":%lld,\"task_id\":%lld,\"to\":\"+14155550101\",\"duration\":5,"
	         "\"disposition\":\"No Answer\"}",
	         person, task);
	before = calls_logged();

	faults("{\"lost_reply\":100,\"requests\":1,\"path_prefix\":\"/v2/activities/calls\"}");
	assert_int_equal(post("/v2/activities/calls", body, 10000, &status, NULL, NULL),
	                 CURLE_GOT_NOTHING);
	assert_int_equal(status, 0);
	assert_int_equal(fired("lost_reply"), 1);

	/* It landed: the call is counted and the task completed. */
	assert_int_equal(calls_logged(), before + 1);
	snprintf(path, sizeof(path), "/v2/tasks/%lld", task);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	assert_string_equal(sbxt_str(sbxt_data(j), "current_state"), "completed");
	cJSON_Delete(j);

	/* The client's retry is refused, which is how it learns the first one landed. */
	assert_int_equal(post("/v2/activities/calls", body, 10000, &status, &j, NULL), CURLE_OK);
	assert_int_equal(status, 422);
	assert_string_equal(sbxt_error_of(j, "task_id"), "has already been used");
	cJSON_Delete(j);
	assert_int_equal(calls_logged(), before + 1);
}

/* A task created with a reply that comes after the client's timeout: it is stored, the
 * retry with the same key answers it, and a patient client gets the late reply. */
static void test_late_reply_task_landed(void **state)
{
	cJSON *j = NULL, *f = NULL;
	long long person, id;
	char body[256];
	long status;
	double secs;

	assert_int_equal(sbxt_api(&S, KEY, "GET", "/v2/people?per_page=1&sort_by=id", NULL, &j),
	                 200);
	person = (long long)sbxt_num(cJSON_GetArrayItem(sbxt_data(j), 0), "id");
	cJSON_Delete(j);
	snprintf(body, sizeof(body),
	         "{\"person_id\":%lld,\"task_type\":\"call\",\"subject\":\"Call back\","
	         "\"due_date\":\"2030-01-02\",\"idempotency_key\":\"late-1\"}",
	         person);

	faults("{\"late_reply\":100,\"late_reply_ms\":3000,\"requests\":1,\"path_prefix\":\"/v2/"
	       "tasks\"}");
	assert_int_equal(sbxt_admin(&S, "GET", "/_sandbox/faults", NULL, &f), 200);
	assert_int_equal((int)sbxt_num(cJSON_GetObjectItem(f, "spec"), "late_reply_ms"), 3000);
	cJSON_Delete(f);
	assert_int_equal(post("/v2/tasks", body, 300, &status, NULL, NULL),
	                 CURLE_OPERATION_TIMEDOUT);
	assert_int_equal(fired("late_reply"), 1);

	/* Stored before the reply was due. */
	assert_int_equal(sbxt_api(&S, KEY, "GET", "/v2/tasks?idempotency_key=late-1", NULL, &j),
	                 200);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 1);
	id = (long long)sbxt_num(cJSON_GetArrayItem(sbxt_data(j), 0), "id");
	cJSON_Delete(j);
	/* The retry with the same key is answered with that task, nothing new. */
	assert_int_equal(post("/v2/tasks", body, 10000, &status, &j, NULL), CURLE_OK);
	assert_int_equal(status, 200);
	assert_int_equal((long long)sbxt_num(sbxt_data(j), "id"), id);
	cJSON_Delete(j);

	/* A client that waits long enough gets the reply, late (never earlier than asked). */
	faults("{\"late_reply\":100,\"late_reply_ms\":700,\"requests\":1,\"path_prefix\":\"/v2/"
	       "tasks\"}");
	assert_int_equal(post("/v2/tasks", body, 20000, &status, &j, &secs), CURLE_OK);
	assert_int_equal(status, 200);
	assert_int_equal((long long)sbxt_num(sbxt_data(j), "id"), id);
	assert_true(secs >= 0.65);
	cJSON_Delete(j);
}

/* A reply still held back when the sandbox stops: the sandbox exits cleanly (teardown
 * checks the status; under ASan, nothing leaks). The admin API never suffers faults. */
static void test_pending_late_reply_at_exit(void **state)
{
	long status;

	faults("{\"late_reply\":100,\"late_reply_ms\":600000}");
	assert_int_equal(post("/v2/me", "{}", 300, &status, NULL, NULL), CURLE_OPERATION_TIMEDOUT);
	assert_int_equal(fired("late_reply"), 1);
	assert_int_equal(sbxt_admin(&S, "GET", "/_sandbox/counters", NULL, NULL), 200);
	/* Refused: out of range, and shares over 100. */
	assert_int_equal(
	        sbxt_admin(&S, "POST", "/_sandbox/faults", "{\"late_reply_ms\":600001}", NULL),
	        422);
	assert_int_equal(sbxt_admin(&S, "POST", "/_sandbox/faults",
	                            "{\"lost_reply\":60,\"late_reply\":50}", NULL),
	                 422);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_lost_reply_call_landed),
	        cmocka_unit_test(test_late_reply_task_landed),
	        cmocka_unit_test(test_pending_late_reply_at_exit),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}

/*
 * Integration test of the sandbox's webhook subscriptions and deliveries, and of the admin
 * record API that drives them: tiny HTTP receivers run on threads in this test, subscribe to
 * events, and check what arrives: the x-salesloft-event header, the HMAC-SHA1 signature
 * (recomputed here over the exact bytes), the bare record body; retries against a receiver
 * that fails twice, a receiver that always fails, and a refused connection. Admin creates,
 * updates (updated_at bumped) and deletes show up in the /v2/ lists.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <re.h>

#include "sbxtest.h"

#define KEY     SBXT_API_KEY
#define MAX_MSG 64

struct rx_msg {
	char event[64];
	char sig[64];
	char ctype[128];
	char *body;
	size_t len;
};

/* A one-thread HTTP receiver: answers `fail_first` requests with 500, then 200. */
struct receiver {
	int fd, port;
	pthread_t th;
	pthread_mutex_t mu;
	struct rx_msg msgs[MAX_MSG];
	size_t n;
	int fail_first; /* -1: fail every request */
	volatile int stop;
};

static struct sbxt S;

/* Copies a header's value from a raw header block. */
static void header_of(const char *hdrs, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);
	const char *p = hdrs;

	out[0] = '\0';
	while (p && *p) {
		if (!strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1;

			while (*v == ' ')
				v++;
			snprintf(out, n, "%.*s", (int)strcspn(v, "\r\n"), v);
			return;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
}

/* Reads one request from a connection, records it and answers. */
static void serve_one(struct receiver *rx, int c)
{
	char buf[65536];
	size_t len = 0, need = 0, hend = 0;
	struct rx_msg m;
	int status;

	memset(&m, 0, sizeof(m));
	for (;;) {
		struct pollfd pfd = {.fd = c, .events = POLLIN};
		ssize_t r;
		char *e;

		if (poll(&pfd, 1, 5000) <= 0)
			return;
		r = read(c, buf + len, sizeof(buf) - 1 - len);
		if (r <= 0)
			return;
		len += (size_t)r;
		buf[len] = '\0';
		if (!hend && (e = strstr(buf, "\r\n\r\n"))) {
			char cl[32];

			hend = (size_t)(e - buf) + 4;
			header_of(buf, "Content-Length", cl, sizeof(cl));
			need = hend + (size_t)atol(cl);
		}
		if (hend && len >= need)
			break;
		if (len >= sizeof(buf) - 1)
			return;
	}
	header_of(buf, "x-salesloft-event", m.event, sizeof(m.event));
	header_of(buf, "x-salesloft-signature", m.sig, sizeof(m.sig));
	header_of(buf, "Content-Type", m.ctype, sizeof(m.ctype));
	m.len = need - hend;
	m.body = malloc(m.len + 1);
	if (m.body) {
		memcpy(m.body, buf + hend, m.len);
		m.body[m.len] = '\0';
	}
	pthread_mutex_lock(&rx->mu);
	status = rx->fail_first < 0 || (int)rx->n < rx->fail_first ? 500 : 200;
	if (rx->n < MAX_MSG)
		rx->msgs[rx->n++] = m;
	else
		free(m.body);
	pthread_mutex_unlock(&rx->mu);
	snprintf(buf, sizeof(buf),
	         "HTTP/1.1 %d X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status);
	(void)!write(c, buf, strlen(buf));
}

static void *rx_main(void *arg)
{
	struct receiver *rx = arg;

	while (!rx->stop) {
		struct pollfd pfd = {.fd = rx->fd, .events = POLLIN};
		int c;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		c = accept(rx->fd, NULL, NULL);
		if (c < 0)
			continue;
		serve_one(rx, c);
		close(c);
	}
	return NULL;
}

static void rx_start(struct receiver *rx, int fail_first)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	memset(rx, 0, sizeof(*rx));
	rx->fail_first = fail_first;
	pthread_mutex_init(&rx->mu, NULL);
	rx->fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(rx->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(rx->fd, 16), 0);
	getsockname(rx->fd, (struct sockaddr *)&sa, &sl);
	rx->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&rx->th, NULL, rx_main, rx), 0);
}

static void rx_stop(struct receiver *rx)
{
	size_t i;

	rx->stop = 1;
	pthread_join(rx->th, NULL);
	close(rx->fd);
	for (i = 0; i < rx->n; i++)
		free(rx->msgs[i].body);
	pthread_mutex_destroy(&rx->mu);
}

/* How many requests the receiver has seen. */
static size_t rx_count(struct receiver *rx)
{
	size_t n;

	pthread_mutex_lock(&rx->mu);
	n = rx->n;
	pthread_mutex_unlock(&rx->mu);
	return n;
}

/* Waits (deadline, not a fixed sleep) until the receiver has seen at least n requests. */
static void rx_wait(struct receiver *rx, size_t n)
{
	unsigned long long end = tl_now_ms() + 15000;

	while (rx_count(rx) < n && tl_now_ms() < end)
		usleep(10 * 1000);
	if (rx_count(rx) < n)
		fail_msg("receiver got %zu requests, expected %zu", rx_count(rx), n);
}

/* Finds the first message with this event whose body names record id; NULL when none. */
static const struct rx_msg *rx_find(struct receiver *rx, const char *event, long long id)
{
	size_t i;

	for (i = 0; i < rx_count(rx); i++) {
		const struct rx_msg *m = &rx->msgs[i];
		cJSON *b;
		bool hit;

		if (strcmp(m->event, event))
			continue;
		b = cJSON_Parse(m->body);
		hit = (long long)sbxt_num(b, "id") == id;
		cJSON_Delete(b);
		if (hit)
			return m;
	}
	return NULL;
}

/* Waits until a message for event/id arrived. */
static const struct rx_msg *rx_wait_for(struct receiver *rx, const char *event, long long id)
{
	unsigned long long end = tl_now_ms() + 15000;
	const struct rx_msg *m;

	while (!(m = rx_find(rx, event, id)) && tl_now_ms() < end)
		usleep(10 * 1000);
	if (!m)
		fail_msg("no %s delivery for %lld", event, id);
	return m;
}

/* Checks the signature over the exact received bytes and the delivery headers. */
static void check_signed(const struct rx_msg *m, const char *token)
{
	uint8_t mac[20];
	char hex[41];
	size_t i;

	hmac_sha1((const uint8_t *)token, strlen(token), (const uint8_t *)m->body, m->len, mac,
	          sizeof(mac));
	for (i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	assert_string_equal(m->sig, hex);
	assert_non_null(strstr(m->ctype, "application/json"));
}

/* Subscribes url to event with token; returns the subscription id. */
static long long subscribe(int port, const char *event, const char *token)
{
	char body[512];
	cJSON *j = NULL;
	long long id;

	snprintf(body, sizeof(body),
	         "{\"callback_url\":\"http://127.0.0.1:%d/hook\",\"callback_token\":\"%s\","
	         "\"event_type\":\"%s\"}",
	         port, token, event);
	assert_int_equal(sbxt_api(&S, KEY, "POST", "/v2/webhook_subscriptions", body, &j), 200);
	id = (long long)sbxt_num(j, "id");
	assert_true(id > 0);
	assert_string_equal(sbxt_str(j, "event_type"), event);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "enabled")));
	cJSON_Delete(j);
	return id;
}

/* The delivery rows of one subscription from the admin API. */
static cJSON *deliveries_of(long long sub)
{
	cJSON *j = NULL, *out = cJSON_CreateArray(), *d;

	assert_int_equal(sbxt_admin(&S, "GET", "/_sandbox/deliveries", NULL, &j), 200);
	cJSON_ArrayForEach(d, sbxt_data(j))
	{
		if ((long long)sbxt_num(d, "subscription_id") == sub)
			cJSON_AddItemToArray(out, cJSON_Duplicate(d, true));
	}
	cJSON_Delete(j);
	return out;
}

/* Waits until the subscription's only delivery reached a final state. */
static cJSON *wait_final(long long sub)
{
	unsigned long long end = tl_now_ms() + 15000;

	while (tl_now_ms() < end) {
		cJSON *arr = deliveries_of(sub), *d = cJSON_GetArrayItem(arr, 0);

		if (d && (!strcmp(sbxt_str(d, "state"), "delivered") ||
		          !strcmp(sbxt_str(d, "state"), "failed"))) {
			cJSON *copy = cJSON_Duplicate(d, true);

			cJSON_Delete(arr);
			return copy;
		}
		cJSON_Delete(arr);
		usleep(20 * 1000);
	}
	fail_msg("delivery for subscription %lld never finished", sub);
	return NULL;
}

static int setup(void **state)
{
	const char *args[] = {"--webhook-retry-ms", "150", NULL};

	return sbxt_start(&S, args);
}

static int teardown(void **state)
{
	return sbxt_stop(&S) == 0 ? 0 : -1;
}

static void test_subscription_crud(void **state)
{
	cJSON *j = NULL;
	long long id;
	char path[96];

	assert_int_equal(sbxt_api(&S, KEY, "POST", "/v2/webhook_subscriptions", "{}", &j), 422);
	assert_string_equal(sbxt_error_of(j, "callback_url"), "can't be blank");
	assert_string_equal(sbxt_error_of(j, "callback_token"), "can't be blank");
	assert_string_equal(sbxt_error_of(j, "event_type"), "can't be blank");
	cJSON_Delete(j);
	assert_int_equal(sbxt_api(&S, KEY, "POST", "/v2/webhook_subscriptions",
	                          "{\"callback_url\":\"ftp://x\",\"callback_token\":\"t\","
	                          "\"event_type\":\"person.updated\"}",
	                          &j),
	                 422);
	assert_true(sbxt_error_of(j, "callback_url")[0] != '\0');
	assert_string_equal(sbxt_error_of(j, "event_type"), "is not included in the list");
	cJSON_Delete(j);
	assert_int_equal(sbxt_api(&S, NULL, "GET", "/v2/webhook_subscriptions", NULL, NULL), 401);

	id = subscribe(9, "meeting_booked", "t0");
	snprintf(path, sizeof(path), "/v2/webhook_subscriptions/%lld", id);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	assert_int_equal((long long)sbxt_num(j, "id"), id);
	assert_string_equal(sbxt_str(j, "callback_token"), "t0");
	assert_int_equal((long long)sbxt_num(j, "tenant_id"), 111855);
	assert_true(sbxt_str(j, "user_guid")[0] != '\0');
	cJSON_Delete(j);
	assert_int_equal(sbxt_api(&S, KEY, "PUT", path, "{\"enabled\":false}", &j), 200);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "enabled")));
	cJSON_Delete(j);
	assert_int_equal(sbxt_api(&S, KEY, "PUT", path, "{\"enabled\":\"maybe\"}", NULL), 422);
	assert_int_equal(
	        sbxt_api(&S, KEY, "GET", "/v2/webhook_subscriptions?enabled=false", NULL, &j), 200);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 1);
	cJSON_Delete(j);
	assert_int_equal(
	        sbxt_api(&S, KEY, "GET", "/v2/webhook_subscriptions?enabled=true", NULL, &j), 200);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 0);
	cJSON_Delete(j);
	assert_int_equal(sbxt_api(&S, KEY, "DELETE", path, NULL, NULL), 204);
	assert_int_equal(sbxt_api(&S, KEY, "DELETE", path, NULL, NULL), 204);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, NULL), 404);
}

static void test_admin_changes_delivered(void **state)
{
	struct receiver rx;
	const struct rx_msg *m;
	long long person, created, sub_upd;
	char path[128], body[512];
	cJSON *j = NULL, *before = NULL, *b;

	rx_start(&rx, 0);
	sub_upd = subscribe(rx.port, "person_updated", "tok-A");
	subscribe(rx.port, "person_created", "tok-A");
	subscribe(rx.port, "person_deleted", "tok-A");
	subscribe(rx.port, "task_updated", "tok-A");
	subscribe(rx.port, "task_completed", "tok-A");

	/* Update: merged, updated_at bumped, first in the updated_at list, delivered. */
	assert_int_equal(sbxt_api(&S, KEY, "GET",
	                          "/v2/people?per_page=1&sort_by=updated_at"
	                          "&sort_direction=ASC",
	                          NULL, &j),
	                 200);
	before = cJSON_Duplicate(cJSON_GetArrayItem(sbxt_data(j), 0), true);
	person = (long long)sbxt_num(before, "id");
	cJSON_Delete(j);
	snprintf(path, sizeof(path), "/_sandbox/records/people/%lld", person);
	assert_int_equal(sbxt_admin(&S, "PUT", path,
	                            "{\"title\":\"Chief \\\"Hostile\\\" <Officer>\",\"counts\":"
	                            "{\"calls\":7},\"updated_at\":\"2001-01-01\"}",
	                            &j),
	                 200);
	assert_string_equal(sbxt_str(sbxt_data(j), "title"), "Chief \"Hostile\" <Officer>");
	assert_string_not_equal(sbxt_str(sbxt_data(j), "updated_at"),
	                        sbxt_str(before, "updated_at"));
	assert_string_not_equal(sbxt_str(sbxt_data(j), "updated_at"), "2001-01-01");
	/* The deep merge kept the other counts. */
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(sbxt_data(j), "counts")),
	                 cJSON_GetArraySize(cJSON_GetObjectItem(before, "counts")));
	cJSON_Delete(j);
	assert_int_equal(
	        sbxt_api(&S, KEY, "GET", "/v2/people?per_page=1&sort_by=updated_at", NULL, &j),
	        200);
	assert_int_equal((long long)sbxt_num(cJSON_GetArrayItem(sbxt_data(j), 0), "id"), person);
	cJSON_Delete(j);
	m = rx_wait_for(&rx, "person_updated", person);
	check_signed(m, "tok-A");
	b = cJSON_Parse(m->body);
	assert_string_equal(sbxt_str(b, "title"), "Chief \"Hostile\" <Officer>");
	assert_null(cJSON_GetObjectItem(b, "data")); /* bare record, no envelope */
	cJSON_Delete(b);
	cJSON_Delete(before);

	/* Create: a full-shaped record (blank members null), listed, delivered. */
	assert_int_equal(sbxt_admin(&S, "POST", "/_sandbox/records/people",
	                            "{\"first_name\":\"Zoë\",\"last_name\":\"Ünal\","
	                            "\"email_address\":\"zoe@example.com\",\"owner\":{\"id\":2}}",
	                            &j),
	                 200);
	created = (long long)sbxt_num(sbxt_data(j), "id");
	assert_true(created > 0);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(sbxt_data(j), "phone")));
	assert_non_null(strstr(sbxt_str(cJSON_GetObjectItem(sbxt_data(j), "owner"), "_href"),
	                       "/v2/users/2"));
	cJSON_Delete(j);
	snprintf(path, sizeof(path), "/v2/people?ids[]=%lld", created);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	assert_int_equal(cJSON_GetArraySize(sbxt_data(j)), 1);
	assert_string_equal(sbxt_str(cJSON_GetArrayItem(sbxt_data(j), 0), "first_name"), "Zoë");
	cJSON_Delete(j);
	check_signed(rx_wait_for(&rx, "person_created", created), "tok-A");

	/* Delete: gone from the API, delivered with the last version. */
	snprintf(path, sizeof(path), "/_sandbox/records/people/%lld", created);
	assert_int_equal(sbxt_admin(&S, "DELETE", path, NULL, &j), 200);
	assert_string_equal(sbxt_str(sbxt_data(j), "email_address"), "zoe@example.com");
	cJSON_Delete(j);
	assert_int_equal(sbxt_admin(&S, "DELETE", path, NULL, NULL), 404);
	snprintf(path, sizeof(path), "/v2/people/%lld", created);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, NULL), 404);
	m = rx_wait_for(&rx, "person_deleted", created);
	check_signed(m, "tok-A");
	assert_non_null(strstr(m->body, "zoe@example.com"));

	/* A logged call completes its task: task_updated and task_completed. */
	{
		long long task, tperson;

		assert_int_equal(
		        sbxt_api(&S, KEY, "GET",
		                 "/v2/tasks?task_type=call&current_state=scheduled&per_page=1",
		                 NULL, &j),
		        200);
		task = (long long)sbxt_num(cJSON_GetArrayItem(sbxt_data(j), 0), "id");
		tperson = (long long)sbxt_num(
		        cJSON_GetObjectItem(cJSON_GetArrayItem(sbxt_data(j), 0), "person"), "id");
		cJSON_Delete(j);
		snprintf(body, sizeof(body), "{\"person_id\":%lld,\"task_id\":%lld}", tperson,
		         task);
		assert_int_equal(sbxt_api(&S, KEY, "POST", "/v2/activities/calls", body, NULL),
		                 200);
		check_signed(rx_wait_for(&rx, "task_completed", task), "tok-A");
		b = cJSON_Parse(rx_wait_for(&rx, "task_updated", task)->body);
		assert_string_equal(sbxt_str(b, "current_state"), "completed");
		cJSON_Delete(b);
	}

	/* A disabled subscription gets nothing (deliveries are queued synchronously, so the
	 * admin list is complete as soon as the change returns). */
	{
		cJSON *arr = deliveries_of(sub_upd);
		int n = cJSON_GetArraySize(arr);

		cJSON_Delete(arr);
		snprintf(path, sizeof(path), "/v2/webhook_subscriptions/%lld", sub_upd);
		assert_int_equal(sbxt_api(&S, KEY, "PUT", path, "{\"enabled\":false}", NULL), 200);
		snprintf(path, sizeof(path), "/_sandbox/records/people/%lld", person);
		assert_int_equal(sbxt_admin(&S, "PUT", path, "{\"title\":\"again\"}", NULL), 200);
		arr = deliveries_of(sub_upd);
		assert_int_equal(cJSON_GetArraySize(arr), n);
		cJSON_Delete(arr);
	}
	rx_stop(&rx);
}

static void test_retries_and_failures(void **state)
{
	struct receiver flaky, broken;
	long long account, cadence, sub_flaky, sub_broken, sub_refused;
	char path[128];
	cJSON *j = NULL, *d;
	size_t i;
	int dead_port;

	assert_int_equal(sbxt_admin(&S, "POST", "/_sandbox/counters/reset", NULL, NULL), 200);
	rx_start(&flaky, 2);
	rx_start(&broken, -1);
	dead_port = tl_free_port();
	sub_flaky = subscribe(flaky.port, "account_updated", "tok-B");
	sub_broken = subscribe(broken.port, "cadence_updated", "tok-C");
	sub_refused = subscribe(dead_port, "step_updated", "tok-D");

	/* Fails twice, then succeeds: three identical, signed attempts. */
	assert_int_equal(sbxt_api(&S, KEY, "GET", "/v2/accounts?per_page=1", NULL, &j), 200);
	account = (long long)sbxt_num(cJSON_GetArrayItem(sbxt_data(j), 0), "id");
	cJSON_Delete(j);
	snprintf(path, sizeof(path), "/_sandbox/records/accounts/%lld", account);
	assert_int_equal(sbxt_admin(&S, "PUT", path, "{\"name\":\"Flaky Corp\"}", NULL), 200);
	rx_wait(&flaky, 3);
	for (i = 0; i < 3; i++) {
		assert_string_equal(flaky.msgs[i].event, "account_updated");
		check_signed(&flaky.msgs[i], "tok-B");
		assert_string_equal(flaky.msgs[i].body, flaky.msgs[0].body);
	}
	d = wait_final(sub_flaky);
	assert_string_equal(sbxt_str(d, "state"), "delivered");
	assert_int_equal((int)sbxt_num(d, "attempts"), 3);
	assert_int_equal((int)sbxt_num(d, "last_http_status"), 200);
	cJSON_Delete(d);

	/* Always 500: the first try and 3 retries, then failed. */
	assert_int_equal(sbxt_api(&S, KEY, "GET", "/v2/cadences?per_page=1", NULL, &j), 200);
	cadence = (long long)sbxt_num(cJSON_GetArrayItem(sbxt_data(j), 0), "id");
	cJSON_Delete(j);
	snprintf(path, sizeof(path), "/_sandbox/records/cadences/%lld", cadence);
	assert_int_equal(sbxt_admin(&S, "PUT", path, "{\"name\":\"Broken cadence\"}", NULL), 200);
	d = wait_final(sub_broken);
	assert_string_equal(sbxt_str(d, "state"), "failed");
	assert_int_equal((int)sbxt_num(d, "attempts"), 4);
	assert_int_equal((int)sbxt_num(d, "last_http_status"), 500);
	cJSON_Delete(d);
	assert_int_equal(rx_count(&broken), 4);

	/* Connection refused counts as a failure too. */
	assert_int_equal(sbxt_api(&S, KEY, "GET", "/v2/steps?per_page=1", NULL, &j), 200);
	snprintf(path, sizeof(path), "/_sandbox/records/steps/%lld",
	         (long long)sbxt_num(cJSON_GetArrayItem(sbxt_data(j), 0), "id"));
	cJSON_Delete(j);
	assert_int_equal(sbxt_admin(&S, "PUT", path, "{\"name\":\"Refused\"}", NULL), 200);
	d = wait_final(sub_refused);
	assert_string_equal(sbxt_str(d, "state"), "failed");
	assert_int_equal((int)sbxt_num(d, "attempts"), 4);
	assert_int_equal((int)sbxt_num(d, "last_http_status"), 0);
	cJSON_Delete(d);

	assert_int_equal(sbxt_admin(&S, "GET", "/_sandbox/counters", NULL, &j), 200);
	assert_int_equal((int)sbxt_num(j, "deliveries_ok"), 1);
	assert_int_equal((int)sbxt_num(j, "deliveries_failed"), 2);
	assert_int_equal((int)sbxt_num(cJSON_GetObjectItem(j, "webhooks"), "retried"), 2 + 3 + 3);
	cJSON_Delete(j);
	rx_stop(&flaky);
	rx_stop(&broken);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_subscription_crud),
	        cmocka_unit_test(test_admin_changes_delivered),
	        cmocka_unit_test(test_retries_and_failures),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}

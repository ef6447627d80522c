/*
 * whapply and the webhook signature: event names, upsert/delete rules (a replay after a
 * delete is harmless), and HMAC-SHA1 verification, against an in-memory store.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/records.h"
#include "loftdial/store.h"
#include "loftdial/webhook_rx.h"
#include "loftdial/whapply.h"

static void test_event_names(void **state)
{
	static const struct {
		const char *name;
		int err;
		enum store_obj obj;
		bool del;
	} cases[] = {
	        {"person_updated", 0, STORE_PEOPLE, false},
	        {"person_deleted", 0, STORE_PEOPLE, true},
	        {"cadence_membership_created", 0, STORE_MEMBERSHIPS, false},
	        {"cadence_deleted", 0, STORE_CADENCES, true},
	        {"call_created", 0, STORE_CALLS, false},
	        {"email_updated", 0, STORE_EMAILS, false},
	        {"user_updated", 0, STORE_USERS, false},
	        {"call_data_record_created", ENOENT, 0, false},
	        {"task_updated", ENOENT, 0, false},
	        {"email_with_body_and_subject_updated", ENOENT, 0, false},
	        {"person_exploded", ENOENT, 0, false},
	        {"", EINVAL, 0, false},
	        {"Person_Updated", EINVAL, 0, false},
	        {"person_updated\x1b[2J", EINVAL, 0, false},
	};
	enum store_obj obj;
	bool del;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = whapply_event_obj(cases[i].name, &obj, &del);

		if (err != cases[i].err)
			fail_msg("case %zu (%s): %d", i, cases[i].name, err);
		if (!err) {
			assert_int_equal(obj, cases[i].obj);
			assert_int_equal(del, cases[i].del);
		}
	}
	/* Every subscribed event type maps to a stored object. */
	for (i = 0; whapply_event_types[i]; i++)
		assert_int_equal(whapply_event_obj(whapply_event_types[i], &obj, &del), 0);
}

static int apply(struct store *st, const char *ev, const char *body, bool *ignored)
{
	char msg[256];

	return whapply_event(st, ev, body, strlen(body), ignored, msg, sizeof(msg));
}

static void test_apply_rules(void **state)
{
	static const char v1[] = "{\"id\":5,\"first_name\":\"Ana\",\"updated_at\":"
	                         "\"2024-01-01T00:00:01.000000Z\"}";
	static const char v2[] = "{\"id\":5,\"first_name\":\"Bea\",\"updated_at\":"
	                         "\"2024-01-01T00:00:02.000000Z\"}";
	static const char v3[] = "{\"id\":5,\"first_name\":\"Cat\",\"updated_at\":"
	                         "\"2024-01-01T00:00:03.000000Z\"}";
	struct store *st;
	bool ignored, live;
	char *json;

	assert_int_equal(store_open(&st, ":memory:"), 0);
	assert_int_equal(apply(st, "person_created", v1, &ignored), 0);
	assert_false(ignored);
	assert_int_equal(apply(st, "person_updated", v2, &ignored), 0);
	assert_int_equal(records_get_json(st, STORE_PEOPLE, 5, &json), 0);
	assert_non_null(strstr(json, "Bea"));
	free(json);
	/* The deletion carries the last version; afterwards replays of v1 and v2 and the
	 * deletion itself change nothing. */
	assert_int_equal(apply(st, "person_deleted", v2, &ignored), 0);
	assert_int_equal(records_is_live(st, STORE_PEOPLE, 5, &live), 0);
	assert_false(live);
	assert_int_equal(apply(st, "person_updated", v2, &ignored), 0);
	assert_true(ignored);
	assert_int_equal(apply(st, "person_updated", v1, &ignored), 0);
	assert_true(ignored);
	assert_int_equal(apply(st, "person_deleted", v2, &ignored), 0);
	assert_int_equal(records_is_live(st, STORE_PEOPLE, 5, &live), 0);
	assert_false(live);
	/* A newer update after the deletion is news: the person is back. */
	assert_int_equal(apply(st, "person_updated", v3, &ignored), 0);
	assert_false(ignored);
	assert_int_equal(records_is_live(st, STORE_PEOPLE, 5, &live), 0);
	assert_true(live);
	/* Deleting what the store never had is harmless. */
	assert_int_equal(apply(st, "account_deleted", "{\"id\":77}", &ignored), 0);
	assert_true(ignored);
	/* Events about objects not kept are accepted and ignored. */
	assert_int_equal(apply(st, "task_updated", "{\"id\":1}", &ignored), 0);
	assert_true(ignored);
	/* Bodies that are not records. */
	assert_int_equal(apply(st, "person_updated", "", &ignored), EBADMSG);
	assert_int_equal(apply(st, "person_updated", "[]", &ignored), EBADMSG);
	assert_int_equal(apply(st, "person_updated", "{\"id\":\"x\"}", &ignored), EBADMSG);
	assert_int_equal(apply(st, "person_updated", "{\"data\":{\"id\":9}}", &ignored), 0);
	assert_int_equal(apply(st, "bad name!", "{\"id\":1}", &ignored), EINVAL);
	store_close(st);
}

static void test_signature(void **state)
{
	/* RFC 2202 test case 2: HMAC-SHA1("Jefe", "what do ya want for nothing?"). */
	static const char want[] = "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79";
	static const char body[] = "what do ya want for nothing?";
	char hex[WEBHOOK_RX_SIG_HEX], upper[WEBHOOK_RX_SIG_HEX];
	size_t i;

	assert_int_equal(webhook_rx_sign("Jefe", body, strlen(body), hex, sizeof(hex)), 0);
	assert_string_equal(hex, want);
	assert_true(webhook_rx_verify("Jefe", body, strlen(body), want));
	for (i = 0; i < 41; i++)
		upper[i] = (char)(want[i] >= 'a' && want[i] <= 'f' ? want[i] - 32 : want[i]);
	assert_true(webhook_rx_verify("Jefe", body, strlen(body), upper));
	assert_false(webhook_rx_verify("Jeff", body, strlen(body), want));
	assert_false(webhook_rx_verify("Jefe", body, strlen(body) - 1, want));
	assert_false(webhook_rx_verify("Jefe", body, strlen(body), ""));
	assert_false(webhook_rx_verify("Jefe", body, strlen(body), NULL));
	assert_false(webhook_rx_verify("", body, strlen(body), want));
	assert_false(webhook_rx_verify("Jefe", body, strlen(body),
	                               "effcdf6ae5eb2fa2d27416d5f184df9c259a7c7"));
	assert_false(webhook_rx_verify("Jefe", body, strlen(body),
	                               "zffcdf6ae5eb2fa2d27416d5f184df9c259a7c79"));
	assert_false(webhook_rx_verify("Jefe", body, strlen(body),
	                               "effcdf6ae5eb2fa2d27416d5f184df9c259a7c790"));
	assert_int_equal(webhook_rx_sign("k", NULL, 0, hex, sizeof(hex)), 0);
	assert_int_equal(webhook_rx_sign("k", "x", 1, hex, 10), EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_event_names),
	        cmocka_unit_test(test_apply_rules),
	        cmocka_unit_test(test_signature),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

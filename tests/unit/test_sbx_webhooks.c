/*
 * Unit tests for the pure half of the sandbox's webhooks: the HMAC-SHA1 signature (RFC 2202
 * vectors and a fixture body) and the map from record changes to Salesloft event names.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sbx_webhooks.h"

struct sig_row {
	const char *key;
	const char *data;
	const char *hex;
};

/* RFC 2202 section 3 (the printable-key cases) and an empty body. */
static const struct sig_row sig_rows[] = {
        {"Jefe", "what do ya want for nothing?", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
        {"key", "The quick brown fox jumps over the lazy dog",
         "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9"},
        {"", "", "fbdb1d1b18aa6c08324b7d64b71fb76370690e1d"},
};

static void test_sign(void **state)
{
	char hex[SBX_WEBHOOKS_SIG_HEX], small[40];
	size_t i;

	assert_int_equal(sbx_webhooks_sign(NULL, "x", 1, hex, sizeof(hex)), EINVAL);
	assert_int_equal(sbx_webhooks_sign("k", NULL, 1, hex, sizeof(hex)), EINVAL);
	assert_int_equal(sbx_webhooks_sign("k", "x", 1, NULL, sizeof(hex)), EINVAL);
	assert_int_equal(sbx_webhooks_sign("k", "x", 1, small, sizeof(small)), EINVAL);
	assert_int_equal(sbx_webhooks_sign("k", NULL, 0, hex, sizeof(hex)), 0);
	for (i = 0; i < sizeof(sig_rows) / sizeof(sig_rows[0]); i++) {
		assert_int_equal(sbx_webhooks_sign(sig_rows[i].key, sig_rows[i].data,
		                                   strlen(sig_rows[i].data), hex, sizeof(hex)),
		                 0);
		assert_string_equal(hex, sig_rows[i].hex);
	}
	/* RFC 2202 case 3: an 20-byte 0xaa key over 50 bytes of 0xdd (binary data, exact length).
	 */
	{
		char key[21], data[50];

		memset(key, 0xaa, 20);
		key[20] = '\0';
		memset(data, 0xdd, sizeof(data));
		assert_int_equal(sbx_webhooks_sign(key, data, sizeof(data), hex, sizeof(hex)), 0);
		assert_string_equal(hex, "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
	}
	/* The signature covers the exact bytes: one byte more changes it. */
	{
		char a[SBX_WEBHOOKS_SIG_HEX], b[SBX_WEBHOOKS_SIG_HEX];
		const char *body = "{\"id\":1}\n";

		assert_int_equal(sbx_webhooks_sign("tok", body, 8, a, sizeof(a)), 0);
		assert_int_equal(sbx_webhooks_sign("tok", body, 9, b, sizeof(b)), 0);
		assert_string_not_equal(a, b);
	}
}

struct event_row {
	enum sbx_kind kind;
	const char *change;
	bool just_completed;
	size_t n;
	const char *first, *second;
};

static const struct event_row event_rows[] = {
        {SBX_PEOPLE, "created", false, 1, "person_created", NULL},
        {SBX_PEOPLE, "updated", false, 1, "person_updated", NULL},
        {SBX_PEOPLE, "deleted", false, 1, "person_deleted", NULL},
        {SBX_ACCOUNTS, "deleted", false, 1, "account_deleted", NULL},
        {SBX_CADENCES, "updated", false, 1, "cadence_updated", NULL},
        {SBX_CADENCE_MEMBERSHIPS, "created", false, 1, "cadence_membership_created", NULL},
        {SBX_CADENCE_MEMBERSHIPS, "deleted", false, 0, NULL, NULL},
        {SBX_STEPS, "deleted", false, 1, "step_deleted", NULL},
        {SBX_TASKS, "created", false, 1, "task_created", NULL},
        {SBX_TASKS, "updated", false, 1, "task_updated", NULL},
        {SBX_TASKS, "updated", true, 2, "task_updated", "task_completed"},
        {SBX_TASKS, "created", true, 1, "task_created", NULL},
        {SBX_TASKS, "deleted", false, 1, "task_deleted", NULL},
        {SBX_CALLS, "created", false, 1, "call_created", NULL},
        {SBX_CALLS, "deleted", false, 0, NULL, NULL},
        {SBX_USERS, "updated", false, 1, "user_updated", NULL},
        {SBX_USERS, "deleted", false, 0, NULL, NULL},
        {SBX_NOTES, "deleted", false, 1, "note_deleted", NULL},
        {SBX_EMAILS, "created", false, 0, NULL, NULL},
        {SBX_EMAILS, "updated", false, 1, "email_updated", NULL},
        {SBX_ACTIONS, "updated", false, 0, NULL, NULL},
        {SBX_CALL_DISPOSITIONS, "created", false, 0, NULL, NULL},
        {SBX_WEBHOOK_SUBSCRIPTIONS, "created", false, 0, NULL, NULL},
        {SBX_PEOPLE, "archived", false, 0, NULL, NULL},
        {SBX_PEOPLE, "", false, 0, NULL, NULL},
        {SBX_KIND_COUNT, "created", false, 0, NULL, NULL},
};

static void test_events(void **state)
{
	const char *names[2];
	size_t i, n;

	assert_int_equal(sbx_webhooks_events(SBX_PEOPLE, NULL, false, names, 2), 0);
	assert_int_equal(sbx_webhooks_events(SBX_PEOPLE, "created", false, NULL, 2), 0);
	/* max bounds the output. */
	assert_int_equal(sbx_webhooks_events(SBX_TASKS, "updated", true, names, 1), 1);
	assert_string_equal(names[0], "task_updated");
	for (i = 0; i < sizeof(event_rows) / sizeof(event_rows[0]); i++) {
		const struct event_row *r = &event_rows[i];

		names[0] = names[1] = NULL;
		n = sbx_webhooks_events(r->kind, r->change, r->just_completed, names, 2);
		if (n != r->n)
			fail_msg("row %zu: %zu events, expected %zu", i, n, r->n);
		if (r->first)
			assert_string_equal(names[0], r->first);
		if (r->second)
			assert_string_equal(names[1], r->second);
		/* Everything produced is an event a subscription may name. */
		if (n)
			assert_true(sbx_webhooks_event_known(names[0]));
	}
}

static void test_known(void **state)
{
	assert_true(sbx_webhooks_event_known("cadence_membership_updated"));
	assert_true(sbx_webhooks_event_known("meeting_booked"));
	assert_true(sbx_webhooks_event_known("link_swap"));
	assert_false(sbx_webhooks_event_known(NULL));
	assert_false(sbx_webhooks_event_known(""));
	assert_false(sbx_webhooks_event_known("person.updated"));
	assert_false(sbx_webhooks_event_known("user_deleted"));
	assert_false(sbx_webhooks_event_known("call_deleted"));
	assert_false(sbx_webhooks_event_known("PERSON_CREATED"));
	assert_false(sbx_webhooks_event_known("person_created "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sign),
	        cmocka_unit_test(test_events),
	        cmocka_unit_test(test_known),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for dialplan: which SIP URIs may reach baresip, template checks and expansion,
 * and dial-list lines turned into targets (numbers and URIs alike).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/dialplan.h"

struct urow {
	const char *uri;
	bool ok;
};

static const struct urow urows[] = {
        /* edge cases */
        {"", false},
        {"sip:", false},
        {"sips:", false},
        {"sip:@127.0.0.1", false},
        {"sip:alice@", false},
        {"tel:+14155550134", false},
        {"http://example.com", false},
        {"sip :alice@h", false},
        {"sip:12 34@127.0.0.1", false},
        {"sip:+1 (555) 123-4567@127.0.0.1", false},
        {"sip:alice@127.0.0.1\r\nquit", false},
        {"sip:alice@127.0.0.1\x1b[2J", false},
        {"sip:alice@exa mple.com", false},
        {"sip:<alice@h>", false},
        {"sip:\"alice\"@h", false},
        {"sip:alice:secret@h", false}, /* no passwords in URIs */
        {"sip:a@b@c", false},
        {"sip:alice@h:0", false},
        {"sip:alice@h:65536", false},
        {"sip:alice@h:12345678", false},
        {"sip:alice@h:", false},
        {"sip:alice@-h", false},
        {"sip:alice@[::1", false},
        {"sip:alice@[]", false},
        {"sip:alice@h;x=\"q\"", false},
        {"sip:ali%2", false},
        {"sip:alicé@h", false},
        /* good ones */
        {"sip:alice@127.0.0.1:5070", true},
        {"SIP:alice@127.0.0.1", true},
        {"sips:bob@example.com", true},
        {"sip:example.com", true},
        {"sip:+14155550134@sip.carrier.example", true},
        {"sip:+14155550134@sip.carrier.example;user=phone", true},
        {"sip:x@127.0.0.1:5199;transport=tcp", true},
        {"sip:alice@[::1]:5060", true},
        {"sip:al%20ice@h", true},
        {"sip:a.b-c_d!~*'()&=+$,;?/@h", true},
        {"sip:alice@h?subject=call", true},
};

static void test_uri_table(void **state)
{
	char big[DIALPLAN_URI_MAX + 10];
	size_t i;

	for (i = 0; i < sizeof(urows) / sizeof(urows[0]); i++)
		if (dialplan_uri_ok(urows[i].uri) != urows[i].ok)
			fail_msg("row %zu '%s': want %s", i, urows[i].uri,
			         urows[i].ok ? "ok" : "refused");
	assert_false(dialplan_uri_ok(NULL));
	memcpy(big, "sip:", 4);
	memset(big + 4, 'a', sizeof(big) - 5);
	big[sizeof(big) - 1] = '\0';
	assert_false(dialplan_uri_ok(big));
}

static void test_check(void **state)
{
	char why[128];

	assert_int_equal(dialplan_check("sip:{e164}@127.0.0.1:5090", why, sizeof(why)), 0);
	assert_int_equal(
	        dialplan_check("sip:{digits}@carrier.example;user=phone", why, sizeof(why)), 0);
	assert_int_equal(dialplan_check(NULL, why, sizeof(why)), EINVAL);
	assert_int_equal(dialplan_check("", why, sizeof(why)), EINVAL);
	assert_string_equal(why, "sip.dialplan is empty");
	assert_int_equal(dialplan_check("sip:alice@h", why, sizeof(why)), EINVAL);
	assert_string_equal(why, "sip.dialplan has no {e164} or {digits}");
	assert_int_equal(dialplan_check("sip:{number}@h", why, sizeof(why)), EINVAL);
	assert_non_null(strstr(why, "unknown placeholder"));
	assert_int_equal(dialplan_check("tel:{e164}", why, sizeof(why)), EINVAL);
	assert_int_equal(dialplan_check("sip:{e164} @h", why, sizeof(why)), EINVAL);
	assert_int_equal(dialplan_check("sip:{e164", why, sizeof(why)), EINVAL);
}

struct trow {
	const char *line;
	const char *uri;  /* NULL: refused */
	const char *e164; /* or the start of the reason */
	const char *ext;
};

static const struct trow trows[] = {
        {"", NULL, "empty", ""},
        {"garbage", NULL, "has letters", ""},
        {"sip:12 34@127.0.0.1", NULL, "not a valid SIP URI", ""},
        {"sip:bob@127.0.0.1:5080", "sip:bob@127.0.0.1:5080", "", ""},
        {"  sip:bob@127.0.0.1:5080  \r", "sip:bob@127.0.0.1:5080", "", ""},
        {"(415) 555-0134", "sip:+14155550134@127.0.0.1:5090", "+14155550134", ""},
        {"415.555.0134 x12", "sip:+14155550134@127.0.0.1:5090", "+14155550134", "12"},
        {"+44 20 7946 0958", "sip:+442079460958@127.0.0.1:5090", "+442079460958", ""},
        {"123456789012345678901234567890", NULL, "too long", ""},
};

static void test_target_table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(trows) / sizeof(trows[0]); i++) {
		const struct trow *r = &trows[i];
		struct dial_target t;
		char why[128] = "";
		int err = dialplan_target(r->line, "US", "sip:{e164}@127.0.0.1:5090", &t, why,
		                          sizeof(why));

		if (r->uri) {
			if (err)
				fail_msg("row %zu '%s': refused: %s", i, r->line, why);
			assert_string_equal(t.uri, r->uri);
			assert_string_equal(t.e164, r->e164);
			assert_string_equal(t.ext, r->ext);
			assert_true(dialplan_uri_ok(t.uri));
		} else {
			assert_int_equal(err, EINVAL);
			if (strncmp(why, r->e164, strlen(r->e164)))
				fail_msg("row %zu '%s': reason '%s' want '%s'", i, r->line, why,
				         r->e164);
			assert_string_equal(t.uri, "");
		}
	}
}

static void test_expand(void **state)
{
	struct number n;
	char uri[32], why[128];

	assert_int_equal(numbers_normalise("+14155550134", "US", &n, NULL, 0), 0);
	assert_int_equal(dialplan_expand("sip:{digits}@h", &n, uri, sizeof(uri), why, sizeof(why)),
	                 0);
	assert_string_equal(uri, "sip:14155550134@h");
	assert_int_equal(
	        dialplan_expand("sip:{e164}@h;x={digits}", &n, uri, sizeof(uri), why, sizeof(why)),
	        EINVAL); /* longer than 31 */
	assert_non_null(strstr(why, "longer"));
	assert_int_equal(dialplan_expand(NULL, &n, uri, sizeof(uri), why, sizeof(why)), EINVAL);
	assert_int_equal(dialplan_expand("sip:{e164}@h", NULL, uri, sizeof(uri), why, sizeof(why)),
	                 EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_uri_table),
	        cmocka_unit_test(test_check),
	        cmocka_unit_test(test_target_table),
	        cmocka_unit_test(test_expand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

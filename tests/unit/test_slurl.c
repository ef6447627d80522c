/*
 * slurl: percent-encoding, query building and parameter lookup, edge cases first.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/slurl.h"

static void test_encode(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	        {"", ""},
	        {"abc-_.~XYZ09", "abc-_.~XYZ09"},
	        {"2024-03-07T04:26:14.444910-05:00", "2024-03-07T04%3A26%3A14.444910-05%3A00"},
	        {"2024-03-07T04:26:14.4+05:00", "2024-03-07T04%3A26%3A14.4%2B05%3A00"},
	        {"updated_at[gte]", "updated_at%5Bgte%5D"},
	        {"a b&c=d", "a%20b%26c%3Dd"},
	        {"\xc3\xa9", "%C3%A9"},
	        {"\x1b[31m", "%1B%5B31m"},
	};
	char out[128];
	size_t i;

	assert_int_equal(slurl_encode(NULL, 0, "x"), E2BIG);
	assert_int_equal(slurl_encode(out, 3, "abc"), E2BIG);
	assert_string_equal(out, "");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(slurl_encode(out, sizeof(out), cases[i].in), 0);
		assert_string_equal(out, cases[i].out);
	}
}

static void test_decode(void **state)
{
	char out[64];

	assert_int_equal(slurl_decode(out, sizeof(out), "a%20b+c", 7), 0);
	assert_string_equal(out, "a b c");
	assert_int_equal(slurl_decode(out, sizeof(out), "%2", 2), EINVAL);
	assert_int_equal(slurl_decode(out, sizeof(out), "%zz", 3), EINVAL);
	assert_int_equal(slurl_decode(out, sizeof(out), "%00", 3), EINVAL); /* no embedded NUL */
	assert_int_equal(slurl_decode(out, 3, "abcd", 4), E2BIG);
	assert_int_equal(slurl_decode(out, sizeof(out), "", 0), 0);
	assert_string_equal(out, "");
}

static void test_build(void **state)
{
	struct slurl u;
	char big[300];

	slurl_init(&u, "/v2/people");
	slurl_add(&u, "sort_by", "updated_at");
	slurl_addi(&u, "per_page", 100);
	slurl_add(&u, "updated_at[gte]", "2024-03-07T04:26:14.444910-05:00");
	assert_int_equal(slurl_err(&u), 0);
	assert_string_equal(slurl_str(&u), "/v2/people?sort_by=updated_at&per_page=100&"
	                                   "updated_at%5Bgte%5D=2024-03-07T04%3A26%3A14.444910-"
	                                   "05%3A00");
	slurl_reset(&u);
	/* A base with a query continues it with '&'. */
	slurl_init(&u, "/v2/x?a=1");
	slurl_add(&u, "b", NULL);
	assert_string_equal(slurl_str(&u), "/v2/x?a=1&b=");
	slurl_reset(&u);
	/* Long lists grow the buffer instead of truncating. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	slurl_init(&u, NULL);
	for (int i = 0; i < 100; i++)
		slurl_add(&u, "ids[]", big);
	assert_int_equal(slurl_err(&u), 0);
	assert_true(strlen(slurl_str(&u)) > 100 * 300);
	slurl_reset(&u);
}

static void test_param(void **state)
{
	char v[32];

	assert_int_equal(slurl_param(NULL, "a", v, sizeof(v)), EINVAL);
	assert_int_equal(slurl_param("", "a", v, sizeof(v)), ENOENT);
	assert_int_equal(
	        slurl_param("http://h/cb?code=abc&state=s%20t#frag", "state", v, sizeof(v)), 0);
	assert_string_equal(v, "s t");
	assert_int_equal(slurl_param("?code=abc&state=x#state=y", "code", v, sizeof(v)), 0);
	assert_string_equal(v, "abc");
	assert_int_equal(slurl_param("codex=1&code=2", "code", v, sizeof(v)), 0);
	assert_string_equal(v, "2");
	assert_int_equal(slurl_param("flag&x=1", "flag", v, sizeof(v)), 0);
	assert_string_equal(v, "");
	assert_int_equal(slurl_param("a=%41%42", "a", v, sizeof(v)), 0);
	assert_string_equal(v, "AB");
	assert_int_equal(slurl_param("a=%4", "a", v, sizeof(v)), EINVAL);
	assert_int_equal(slurl_param("a=0123456789", "a", v, 5), E2BIG);
	assert_int_equal(slurl_param("b=1", "a", v, sizeof(v)), ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_encode),
	        cmocka_unit_test(test_decode),
	        cmocka_unit_test(test_build),
	        cmocka_unit_test(test_param),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for numbers: one table of the shapes numbers come in (national, international,
 * with prefixes, extensions, separators of every kind) and of the garbage they come as, each
 * with the E.164 result or the start of the reason given.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/numbers.h"

struct row {
	const char *in;
	const char *country;
	const char *e164; /* NULL: refused */
	const char *ext;  /* or the start of the reason when refused */
};

static const struct row rows[] = {
        /* edge cases first */
        {NULL, "US", NULL, "no number"},
        {"", "US", NULL, "empty"},
        {"   ", "US", NULL, "empty"},
        {"+", "US", NULL, "no digits"},
        {"-- ()", "US", NULL, "no digits"},
        {"123456789012345678901234567890", "US", NULL, "too long: 30 digits"},
        {"+1234567890123456", "US", NULL, "too long: 16 digits"},
        {"12", "US", NULL, "too short"},
        {"5550134", "US", NULL, "the US numbers have 10 digits"},
        {"hello", "US", NULL, "has letters"},
        {"1-800-FLOWERS", "US", NULL, "has letters"},
        {"call me maybe", "US", NULL, "has letters"},
        {"415 555 0134 extra", "US", NULL, "has letters"},
        {"415\n555 0134", "US", NULL, "unexpected control character"},
        {"415\x1b[2J5550134", "US", NULL, "unexpected control character"},
        {"415_555_0134", "US", NULL, "unexpected character '_'"},
        {"415,555,0134", "US", NULL, "unexpected character ','"},
        {"415*555*0134", "US", NULL, "unexpected character '*'"},
        {"４１５５５５０１３４", "US", NULL, "unexpected non-ASCII"},
        {"415+5550134", "US", NULL, "'+' must come first"},
        {"++14155550134", "US", NULL, "'+' must come first"},
        {"415 555 0134 x", "US", NULL, "extension marker without digits"},
        {"415 555 0134 x12a", "US", NULL, "extension has characters"},
        {"415 555 0134 x12345678901", "US", NULL, "extension longer"},
        {"+999 1234 5678", "US", NULL, "unknown country code +999"},
        {"+0 1234 5678", "US", NULL, "unknown country code"},
        {"(015) 555-0134", "US", NULL, "not a North American number"},
        {"(415) 155-0134", "US", NULL, "not a North American number"},
        {"0207 946 0958", "XX", NULL, "no country code, and the default country"},
        {"0207 946 0958", NULL, NULL, "no country code, and the default country"},
        {"0207 946 0958", "USA", NULL, "no country code, and the default country"},
        /* North America */
        {"(415) 555-0134", "US", "+14155550134", ""},
        {"415-555-0134", "US", "+14155550134", ""},
        {"415.555.0134", "US", "+14155550134", ""},
        {"415 555 0134", "us", "+14155550134", ""},
        {"4155550134", "US", "+14155550134", ""},
        {"1 415 555 0134", "US", "+14155550134", ""},
        {"1-415-555-0134", "CA", "+14155550134", ""},
        {"+1 (415) 555-0134", "US", "+14155550134", ""},
        {"+1 415 555 0134", "GB", "+14155550134", ""},
        {"011 44 20 7946 0958", "US", "+442079460958", ""},
        {"  (415) 555-0134  ", "US", "+14155550134", ""},
        {"415/555-0134", "US", "+14155550134", ""},
        /* RFC 3966 URIs, as numbers copied from links arrive */
        {"tel:+14155550134", "US", "+14155550134", ""},
        {"TEL:+1-415-555-0134", "GB", "+14155550134", ""},
        {"tel:+14155550134;ext=12", "US", "+14155550134", "12"},
        {"tel:", "US", NULL, "empty"},
        {"tel:call-me", "US", NULL, "has letters"},
        {"415\xc2\xa0"
         "555\xe2\x80\x93"
         "0134",
         "US", "+14155550134", ""}, /* NBSP, en dash */
        /* extensions */
        {"415.555.0134 x12", "US", "+14155550134", "12"},
        {"415.555.0134x12", "US", "+14155550134", "12"},
        {"415 555 0134 X 12", "US", "+14155550134", "12"},
        {"415-555-0134 ext. 123", "US", "+14155550134", "123"},
        {"415-555-0134 ext 123", "US", "+14155550134", "123"},
        {"415-555-0134 Ext.123", "US", "+14155550134", "123"},
        {"415-555-0134 extension 4567", "US", "+14155550134", "4567"},
        {"+14155550134;ext=99", "US", "+14155550134", "99"},
        {"415 555 0134 #22", "US", "+14155550134", "22"},
        {"415 555 0134 ext: 7", "US", "+14155550134", "7"},
        /* international */
        {"+44 20 7946 0958", "US", "+442079460958", ""},
        {"+44 (0) 20 7946 0958", "US", "+442079460958", ""},
        {"+44 (0)20 7946 0958", "DE", "+442079460958", ""},
        {"00 44 20 7946 0958", "DE", "+442079460958", ""},
        {"00 49 30 1234567", "US", "+49301234567", ""},
        {"0049 30 1234567", "GB", "+49301234567", ""},
        {"+49 30 1234567", "US", "+49301234567", ""},
        {"+33 1 23 45 67 89", "US", "+33123456789", ""},
        {"+353 1 234 5678", "US", "+35312345678", ""},
        {"+852 2123 4567", "US", "+85221234567", ""},
        {"+61 2 9876 5432", "US", "+61298765432", ""},
        {"+91 98765 43210", "US", "+919876543210", ""},
        {"+7 495 123-45-67", "US", "+74951234567", ""},
        {"+1 242 555 0123", "US", "+12425550123", ""},
        {"+33 1 23 45 67", "US", NULL, "France numbers have 9 digits"},
        /* national in other countries (trunk prefix dropped) */
        {"020 7946 0958", "GB", "+442079460958", ""},
        {"030 1234567", "DE", "+49301234567", ""},
        {"01 23 45 67 89", "FR", "+33123456789", ""},
        {"06 12 34 56 78", "fr", "+33612345678", ""},
        {"06 1234 5678", "IT", "+390612345678", ""}, /* Italy keeps its 0 */
        {"912 345 678", "ES", "+34912345678", ""},
        {"(02) 9876 5432", "AU", "+61298765432", ""},
        {"0011 44 20 7946 0958", "AU", "+442079460958", ""},
        {"03-1234-5678", "JP", "+81312345678", ""},
        {"8 495 123 45 67", "RU", "+74951234567", ""},
        {"2123 4567", "HK", "+85221234567", ""},
};

static void test_table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct number n;
		char why[160];
		int err = numbers_normalise(r->in, r->country, &n, why, sizeof(why));

		if (r->e164) {
			if (err)
				fail_msg("row %zu '%s' (%s): refused: %s", i, r->in, r->country,
				         why);
			if (strcmp(n.e164, r->e164) || strcmp(n.ext, r->ext))
				fail_msg("row %zu '%s': got %s x%s, want %s x%s", i, r->in, n.e164,
				         n.ext, r->e164, r->ext);
			assert_string_equal(n.digits, n.e164 + 1);
			assert_true(n.cc > 0);
		} else {
			if (!err)
				fail_msg("row %zu '%s': accepted as %s, want refusal '%s'", i,
				         r->in ? r->in : "(null)", n.e164, r->ext);
			if (strncmp(why, r->ext, strlen(r->ext)))
				fail_msg("row %zu '%s': reason '%s', want '%s...'", i,
				         r->in ? r->in : "(null)", why, r->ext);
			assert_string_equal(n.e164, "");
		}
	}
}

static void test_args(void **state)
{
	char why[8];
	struct number n;

	assert_int_equal(numbers_normalise("4155550134", "US", NULL, why, sizeof(why)), EINVAL);
	/* a tiny reason buffer still terminates */
	assert_int_equal(numbers_normalise("hello", "US", &n, why, sizeof(why)), EINVAL);
	assert_true(strlen(why) < sizeof(why));
	assert_int_equal(numbers_normalise("hello", "US", &n, NULL, 0), EINVAL);
	assert_int_equal(numbers_normalise("0207 946 0958", "ZZ", &n, NULL, 0), ENOENT);
	assert_true(numbers_country_known("US"));
	assert_true(numbers_country_known("gb"));
	assert_false(numbers_country_known("ZZ"));
	assert_false(numbers_country_known(""));
	assert_false(numbers_country_known(NULL));
	assert_false(numbers_country_known("USA"));
}

/* Every output is a clean E.164 string whatever the input. */
static void test_output_shape(void **state)
{
	static const char *const inputs[] = {"+44 20 7946 0958", "(415) 555-0134 x9",
	                                     "00 49 30 1234567", "+14155550134;ext=1"};
	size_t i, k;

	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct number n;

		assert_int_equal(numbers_normalise(inputs[i], "US", &n, NULL, 0), 0);
		assert_int_equal(n.e164[0], '+');
		assert_true(strlen(n.e164) <= 16);
		for (k = 1; n.e164[k]; k++)
			assert_true(n.e164[k] >= '0' && n.e164[k] <= '9');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_args),
	        cmocka_unit_test(test_table),
	        cmocka_unit_test(test_output_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

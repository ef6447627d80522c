/*
 * Unit tests for twidth: display width and cutting by columns, with wide characters,
 * combining marks, emoji, joiners and hostile input.
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/text.h"
#include "loftdial/twidth.h"

static int setup(void **state)
{
	/* wcwidth() needs a UTF-8 locale for anything beyond ASCII. */
	return setlocale(LC_ALL, "C.UTF-8") ? 0 : -1;
}

struct wrow {
	const char *in;
	size_t width;
};

static const struct wrow widths[] = {
        {"", 0},
        {"abc", 3},
        {"Zoë", 3},
        {"Zoe\xcc\x88", 3},       /* e + combining diaeresis */
        {"\xcc\x88\xcc\x88x", 1}, /* marks with nothing under them are dropped */
        {"日本語", 6},            /* wide */
        {"a日b", 4},
        {"😀", 2},                        /* emoji */
        {"👩\xe2\x80\x8d💻", 4},           /* ZWJ dropped: two emoji of width 2 */
        {"\xe2\x9d\xa4\xef\xb8\x8f", 1}, /* heart + VS16: the selector is dropped */
        {"x\xff"
         "y",
         3},              /* an invalid byte counts as '?' */
        {"tab\there", 8}, /* a control counts as '?' */
        {"שלום", 4},
        {"e\xcc\x81\xcc\x82\xcc\x83\xcc\x84\xcc\x85\xcc\x86", 1}, /* a pile of marks */
};

static void test_width_table(void **state)
{
	size_t i;

	assert_int_equal(twidth_str(NULL), 0);
	for (i = 0; i < sizeof(widths) / sizeof(widths[0]); i++)
		if (twidth_str(widths[i].in) != widths[i].width)
			fail_msg("row %zu: width %zu want %zu", i, twidth_str(widths[i].in),
			         widths[i].width);
}

struct frow {
	const char *in;
	size_t cols;
	int flags;
	const char *out;
	size_t width;
};

static const struct frow fits[] = {
        {"hello", 10, 0, "hello", 5},
        {"hello", 5, 0, "hello", 5},
        {"hello", 4, 0, "hel…", 4},
        {"hello", 1, 0, "…", 1},
        {"hello", 0, 0, "", 0},
        {"hello", 7, TWIDTH_PAD, "hello  ", 5},
        {"hello", 4, TWIDTH_ASCII, "hel~", 4},
        /* A wide character that does not fit before the ellipsis is left out whole. */
        {"日本語", 4, 0, "日…", 3},
        {"日本語", 4, TWIDTH_PAD, "日… ", 3},
        {"日本語", 5, 0, "日本…", 5},
        {"日本語", 6, 0, "日本語", 6},
        {"ab日", 3, 0, "ab…", 3},
        /* Marks stay with their character, cut or kept together. */
        {"Zoe\xcc\x88y", 4, 0, "Zoe\xcc\x88y", 4},
        {"Zoe\xcc\x88yz", 4, 0, "Zoe\xcc\x88…", 4},
        {"\xcc\x88"
         "abc",
         3, 0, "abc", 3},
        {"😀😀😀", 5, 0, "😀😀…", 5},
        {"👩\xe2\x80\x8d💻", 4, 0, "👩💻", 4},
        {"x\x1by", 3, 0, "x?y", 3},
};

static void test_fit_table(void **state)
{
	char out[256];
	size_t i, w;

	for (i = 0; i < sizeof(fits) / sizeof(fits[0]); i++) {
		w = twidth_fit(out, sizeof(out), fits[i].in, fits[i].cols, fits[i].flags);
		if (strcmp(out, fits[i].out) || w != fits[i].width)
			fail_msg("row %zu: got '%s' (%zu) want '%s' (%zu)", i, out, w, fits[i].out,
			         fits[i].width);
		assert_true(twidth_str(out) <= fits[i].cols);
	}
}

static void test_fit_edges(void **state)
{
	char out[8], big[16];
	char *huge;
	size_t i, w;

	assert_int_equal(twidth_fit(NULL, 0, "x", 3, 0), 0);
	assert_int_equal(twidth_fit(out, sizeof(out), NULL, 3, 0), 0);
	assert_string_equal(out, "");
	/* dst too small for the text: whole characters only, still terminated. */
	w = twidth_fit(out, 5, "日本語", 10, 0);
	assert_true(w <= 2);
	assert_true(strlen(out) < 5);
	assert_true(text_is_clean(out));
	/* A 5 kB name: cut to the columns, whatever the buffer. */
	huge = malloc(5001);
	assert_non_null(huge);
	for (i = 0; i < 5000; i++)
		huge[i] = (char)('a' + i % 26);
	huge[5000] = '\0';
	w = twidth_fit(big, sizeof(big), huge, 10, 0);
	assert_int_equal(w, 10);
	assert_int_equal(twidth_str(big), 10);
	free(huge);
}

/* Hostile names through text_sanitize then twidth_fit: the result always fits its columns
 * and is clean, for every column count. */
static void test_hostile_pipeline(void **state)
{
	static const char *const names[] = {
	        "\x1b[2J\x1b]0;pwned\x07Mallory",
	        "\xe2\x80\xae"
	        "evil"
	        "\xe2\x80\xac"
	        " name",
	        "Z\xcc\x8d\xcc\x8e\xcc\x84\xcc\x85\xcc\x86\xcc\x87\xcc\x88\xcc\x89"
	        "algo",
	        "👨\xe2\x80\x8d👩\xe2\x80\x8d👧\xe2\x80\x8d👦 family",
	        "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7 flag",
	        "日本語の名前です",
	        "\xc2\x9b"
	        "31mred",
	        "\xef\xbf\xbe\xef\xbf\xbf nonchars",
	};
	char clean[512], out[512];
	size_t i, cols;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		text_sanitize(clean, sizeof(clean), names[i], false);
		for (cols = 0; cols < 20; cols++) {
			size_t w = twidth_fit(out, sizeof(out), clean, cols, TWIDTH_PAD);

			assert_true(w <= cols);
			assert_int_equal(twidth_str(out), cols);
			assert_true(text_is_clean(out));
		}
	}
}

/* twidth_next walks the clusters twidth_fit keeps: a character with its marks, a wide one,
 * a leading orphan mark joining the next character, trailing marks alone at width 0. */
static void test_next(void **state)
{
	size_t w = 9;

	(void)state;
	assert_int_equal(twidth_next(NULL, &w), 0);
	assert_int_equal(w, 0);
	assert_int_equal(twidth_next("", NULL), 0);
	assert_int_equal(twidth_next("ab", &w), 1);
	assert_int_equal(w, 1);
	assert_int_equal(twidth_next("e\xcc\x81x", &w), 3); /* e + combining acute */
	assert_int_equal(w, 1);
	assert_int_equal(twidth_next("日本", &w), 3);
	assert_int_equal(w, 2);
	assert_int_equal(twidth_next("\xcc\x81"
	                             "a",
	                             &w),
	                 3); /* an orphan mark joins 'a' */
	assert_int_equal(w, 1);
	assert_int_equal(twidth_next("\xcc\x81", &w), 2); /* only a mark: width 0 */
	assert_int_equal(w, 0);
	assert_int_equal(twidth_next("\xff"
	                             "a",
	                             &w),
	                 1); /* an invalid byte is one '?' */
	assert_int_equal(w, 1);
	assert_int_equal(twidth_next("\n", &w), 1);
	assert_int_equal(w, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_width_table), cmocka_unit_test(test_fit_table),
	        cmocka_unit_test(test_fit_edges),   cmocka_unit_test(test_hostile_pipeline),
	        cmocka_unit_test(test_next),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}

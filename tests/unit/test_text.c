/*
 * Unit tests for text: sanitising hostile strings and the bounded string helpers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/text.h"

struct row {
	const char *in;
	const char *out; /* UTF-8 mode */
	const char *out_ascii;
};

static const struct row rows[] = {
        {"", "", ""},
        {"plain", "plain", "plain"},
        {"Zoë Åström", "Zoë Åström", "Zo? ?str?m"},
        {"日本語", "日本語", "???"},
        {"emoji 😀", "emoji 😀", "emoji ?"},
        {"שלום", "שלום", "????"},
        {"\x1b[2Jclear", "clear", "clear"},
        {"a\x1b]0;pwned\x07"
         "b",
         "ab", "ab"},
        {"a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b", "alinkb", "alinkb"},
        {"a\x1bPdcs\x1b\\b", "ab", "ab"},
        {"tab\there\nnl", "tab here nl", "tab here nl"},
        {"bell\x07"
         "del\x7f",
         "bell?del?", "bell?del?"},
        {"c1\xc2\x9b"
         "31m",
         "c1?31m", "c1?31m"},
        {"bad\xff\xfeutf", "bad??utf", "bad??utf"},
        {"overlong\xc0\xaf", "overlong??", "overlong??"},
        {"surrogate\xed\xa0\x80", "surrogate???", "surrogate???"},
        {"trailing esc\x1b", "trailing esc", "trailing esc"},
        /* Bidi overrides, isolates and marks cannot reorder the columns drawn after them. */
        {"evil\xe2\x80\xaegnp.exe", "evil?gnp.exe", "evil?gnp.exe"},
        {"a\xe2\x80\xaa"
         "b\xe2\x80\xac"
         "c",
         "a?b?c", "a?b?c"},
        {"\xe2\x81\xa6x\xe2\x81\xa9", "?x?", "?x?"},
        {"lrm\xe2\x80\x8e"
         "rlm\xe2\x80\x8f"
         "alm\xd8\x9c",
         "lrm?rlm?alm?", "lrm?rlm?alm?"},
        {"line\xe2\x80\xa8para\xe2\x80\xa9", "line?para?", "line?para?"},
        {"zwj \xe2\x80\x8d ok", "zwj \xe2\x80\x8d ok", "zwj ? ok"},
        {"'; DROP TABLE people;--", "'; DROP TABLE people;--", "'; DROP TABLE people;--"},
};

static void test_sanitize_table(void **state)
{
	char out[256];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		text_sanitize(out, sizeof(out), rows[i].in, false);
		if (strcmp(out, rows[i].out))
			fail_msg("row %zu: got '%s' want '%s'", i, out, rows[i].out);
		assert_true(text_is_clean(out));
		text_sanitize(out, sizeof(out), rows[i].in, true);
		if (strcmp(out, rows[i].out_ascii))
			fail_msg("row %zu ascii: got '%s' want '%s'", i, out, rows[i].out_ascii);
	}
}

static void test_sanitize_edges(void **state)
{
	char out[8];
	char *big;

	assert_int_equal(text_sanitize(NULL, 0, "x", false), 0);
	assert_int_equal(text_sanitize(out, sizeof(out), NULL, false), 0);
	assert_string_equal(out, "");
	/* A multi-byte character never gets cut in half at the end of the buffer. */
	assert_int_equal(text_sanitize(out, 6, "abcd日", false), 4);
	assert_string_equal(out, "abcd");
	big = malloc(6000);
	assert_non_null(big);
	memset(big, 'x', 5999);
	big[5999] = '\0';
	assert_int_equal(text_sanitize(out, sizeof(out), big, false), 7);
	free(big);
}

static void test_is_clean(void **state)
{
	assert_true(text_is_clean(NULL));
	assert_true(text_is_clean(""));
	assert_true(text_is_clean("Zoë 日本"));
	assert_false(text_is_clean("a\x1b[0m"));
	assert_false(text_is_clean("a\n"));
	assert_false(text_is_clean("\xc2\x9b"));
	assert_false(text_is_clean("\xff"));
}

static void test_copy_printf(void **state)
{
	char b[4];

	assert_int_equal(text_copy(b, sizeof(b), "abc"), 0);
	assert_string_equal(b, "abc");
	assert_int_equal(text_copy(b, sizeof(b), "abcd"), E2BIG);
	assert_string_equal(b, "abc");
	assert_int_equal(text_copy(b, sizeof(b), NULL), 0);
	assert_string_equal(b, "");
	assert_int_equal(text_copy(NULL, 0, "x"), EINVAL);
	assert_int_equal(text_printf(b, sizeof(b), "%d", 12), 0);
	assert_int_equal(text_printf(b, sizeof(b), "%d", 12345), E2BIG);
	assert_string_equal(b, "123");
}

static void test_dupn_ct(void **state)
{
	char *d = text_dupn("hello", 3);

	assert_string_equal(d, "hel");
	free(d);
	d = text_dupn("", 0);
	assert_string_equal(d, "");
	free(d);
	assert_true(text_equal_ct("abc", "abc", 3));
	assert_false(text_equal_ct("abc", "abd", 3));
	assert_true(text_equal_ct("", "", 0));
}

/* text_word: blanks and tabs separate, runs of them count once, nothing is left past the end. */
static void test_word(void **state)
{
	char a[] = " \tcolor  title\tred ", b[] = "", c[] = " \t ", d[] = "one";
	char *p = a;

	assert_string_equal(text_word(&p), "color");
	assert_string_equal(text_word(&p), "title");
	assert_string_equal(text_word(&p), "red");
	assert_null(text_word(&p));
	assert_null(text_word(&p));
	p = b;
	assert_null(text_word(&p));
	p = c;
	assert_null(text_word(&p));
	p = d;
	assert_string_equal(text_word(&p), "one");
	assert_null(text_word(&p));
}

/* text_has_words: every word somewhere, any ASCII case, blanks around and between ignored. */
static void test_has_words(void **state)
{
	char long_word[300];

	assert_true(text_has_words("Acme Corp|Ada Lovelace", ""));
	assert_true(text_has_words("Acme Corp|Ada Lovelace", "   "));
	assert_true(text_has_words("Acme Corp|Ada Lovelace", "ada"));
	assert_true(text_has_words("Acme Corp|Ada Lovelace", "  LOVE  acme "));
	assert_false(text_has_words("Acme Corp|Ada Lovelace", "ada grace"));
	assert_false(text_has_words("", "x"));
	assert_true(text_has_words("Иван Петров", "Петров"));
	/* A word longer than 127 bytes is matched on its first 127. */
	memset(long_word, 'a', sizeof(long_word) - 1);
	long_word[sizeof(long_word) - 1] = '\0';
	assert_true(text_has_words(long_word + 100, long_word));
	assert_false(text_has_words("aaa", long_word));
}

/* text_sanitize_lines keeps line breaks (CR LF and CR become one newline); the rest is
 * text_sanitize's work. */
static void test_sanitize_lines(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(text_sanitize_lines(out, sizeof(out), "a\nb\r\nc\rd", false), 7);
	assert_string_equal(out, "a\nb\nc\nd");
	text_sanitize_lines(out, sizeof(out), "x\ty\x1b[31mz\x07\x1b]0;t\x07\n", false);
	assert_string_equal(out, "x yz?\n");
	text_sanitize_lines(out, sizeof(out),
	                    "\xe2\x80\xae"
	                    "r\xc2\x9b",
	                    false);
	assert_string_equal(out, "?r?");
	text_sanitize(out, sizeof(out), "a\r\nb", false);
	assert_string_equal(out, "a  b");
	assert_int_equal(text_sanitize_lines(out, 3, "ab\ncd", false), 2);
	assert_string_equal(out, "ab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sanitize_table), cmocka_unit_test(test_sanitize_edges),
	        cmocka_unit_test(test_is_clean),       cmocka_unit_test(test_copy_printf),
	        cmocka_unit_test(test_dupn_ct),        cmocka_unit_test(test_word),
	        cmocka_unit_test(test_sanitize_lines), cmocka_unit_test(test_has_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

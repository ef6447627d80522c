/*
 * Unit tests of the TUI's text field (src/ui/editline.c): edges, hostile input, clusters
 * (combining marks, wide characters), moves, deletes, the cap, paste and layout.
 */
#include <errno.h>
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <curses.h>

#include "editline.h"

#define ACUTE "\xcc\x81" /* U+0301 combining acute accent */

static int setup(void **state)
{
	(void)state;
	return setlocale(LC_ALL, "C.UTF-8") ? 0 : -1;
}

static struct editline *mk(size_t max, bool multiline)
{
	struct editline *e = NULL;

	assert_int_equal(editline_new(&e, max, multiline), 0);
	return e;
}

/* Types a UTF-8 string one code point at a time, as keys arrive. */
static void type(struct editline *e, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int cp, n, i;

		if (*p < 0x80) {
			cp = *p;
			n = 1;
		} else if (*p < 0xe0) {
			cp = *p & 0x1f;
			n = 2;
		} else if (*p < 0xf0) {
			cp = *p & 0x0f;
			n = 3;
		} else {
			cp = *p & 0x07;
			n = 4;
		}
		for (i = 1; i < n; i++)
			cp = (cp << 6) | (p[i] & 0x3f);
		editline_key(e, cp);
		p += n;
	}
}

static void test_edges(void **state)
{
	struct editline *e = NULL;

	(void)state;
	assert_int_equal(editline_new(&e, 0, true), EINVAL);
	assert_int_equal(editline_new(NULL, 10, true), EINVAL);
	editline_free(NULL);
	e = mk(16, true);
	assert_string_equal(editline_text(e), "");
	assert_int_equal(editline_insert(e, NULL, 3), EDITLINE_MOVED);
	assert_int_equal(editline_insert(e, "x", 0), EDITLINE_MOVED);
	/* Moves and deletes on an empty field do nothing and do not fail. */
	assert_int_equal(editline_cmd(e, EDITLINE_BACKSPACE), EDITLINE_MOVED);
	assert_int_equal(editline_cmd(e, EDITLINE_DELETE), EDITLINE_MOVED);
	assert_int_equal(editline_cmd(e, EDITLINE_LEFT), EDITLINE_MOVED);
	assert_int_equal(editline_cmd(e, EDITLINE_WORD_RIGHT), EDITLINE_MOVED);
	assert_int_equal(editline_cmd(e, EDITLINE_UP), EDITLINE_PASS);
	assert_int_equal(editline_cmd(e, EDITLINE_DOWN), EDITLINE_PASS);
	assert_int_equal(editline_cursor(e), 0);
	/* A NUL inside the bytes ends the text. */
	assert_int_equal(editline_insert(e, "ab\0cd", 5), EDITLINE_CHANGED);
	assert_string_equal(editline_text(e), "ab");
	editline_free(e);
}

/* Escape sequences, controls and bidi overrides, typed or inserted, are never stored. */
static void test_hostile(void **state)
{
	static const struct {
		const char *in, *out;
	} rows[] = {
	        {"\x1b[31mred\x1b[0m", "red"},
	        {"a\x1b]0;pwned\x07z", "az"},
	        {"b\x07"
	         "c",
	         "b?c"},
	        {"\xe2\x80\xae"
	         "evil",
	         "?evil"},
	        {"\xc2\x9b"
	         "31m",
	         "?31m"},
	        {"\xff\xfe", "??"},
	        {"tab\there", "tab here"},
	        {"cr\r\nlf", "cr\nlf"},
	        {ACUTE "orphan", "orphan"},
	        {"e" ACUTE ACUTE ACUTE ACUTE ACUTE ACUTE, "e" ACUTE ACUTE ACUTE ACUTE},
	        {"a\xe2\x80\x8d"
	         "b",
	         "ab"}, /* a zero-width joiner */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct editline *e = mk(64, true);

		editline_insert(e, rows[i].in, strlen(rows[i].in));
		assert_string_equal(editline_text(e), rows[i].out);
		assert_int_equal(editline_cursor(e), strlen(rows[i].out));
		editline_free(e);
	}
	{
		struct editline *e = mk(64, true);
		int k;

		/* Control keys are not text: the caller gets them. */
		for (k = 0; k < 0x20; k++)
			if (k != '\n' && k != 1 && k != 5 && k != 11 && k != 21 && k != 23)
				assert_int_equal(editline_key(e, k), EDITLINE_PASS);
		assert_int_equal(editline_key(e, 0x7f), EDITLINE_PASS);
		assert_int_equal(editline_key(e, 0x9b), EDITLINE_PASS);
		assert_int_equal(editline_key(e, 0xd800), EDITLINE_PASS);
		assert_int_equal(editline_key(e, KEYMAP_FN | KEY_F(2)), EDITLINE_PASS);
		assert_int_equal(editline_key(e, '\t'), EDITLINE_PASS);
		assert_string_equal(editline_text(e), "");
		editline_free(e);
	}
}

/* A character and its marks are one: typed mark by mark, moved over and deleted whole. */
static void test_clusters(void **state)
{
	struct editline *e = mk(64, true);

	(void)state;
	type(e, "ae" ACUTE "b");
	assert_string_equal(editline_text(e), "ae" ACUTE "b");
	editline_cmd(e, EDITLINE_LEFT);
	assert_int_equal(editline_cursor(e), 4);
	editline_cmd(e, EDITLINE_LEFT); /* over e and its accent at once */
	assert_int_equal(editline_cursor(e), 1);
	editline_cmd(e, EDITLINE_RIGHT);
	assert_int_equal(editline_cursor(e), 4);
	assert_int_equal(editline_cmd(e, EDITLINE_BACKSPACE), EDITLINE_CHANGED);
	assert_string_equal(editline_text(e), "ab");
	assert_int_equal(editline_cursor(e), 1);
	/* A mark typed after a character joins it; one typed at the start has nothing to sit
	 * on and is dropped. */
	type(e, "o" ACUTE);
	assert_string_equal(editline_text(e), "ao" ACUTE "b");
	editline_cmd(e, EDITLINE_HOME);
	assert_int_equal(editline_key(e, 0x301), EDITLINE_MOVED);
	assert_string_equal(editline_text(e), "ao" ACUTE "b");
	editline_cmd(e, EDITLINE_RIGHT);
	assert_int_equal(editline_cmd(e, EDITLINE_DELETE), EDITLINE_CHANGED);
	assert_string_equal(editline_text(e), "ab");
	editline_free(e);

	/* Wide characters: moved over whole, two columns each. */
	e = mk(64, true);
	type(e, "日本語");
	editline_cmd(e, EDITLINE_LEFT);
	assert_int_equal(editline_cursor(e), 6);
	editline_cmd(e, EDITLINE_BACKSPACE);
	assert_string_equal(editline_text(e), "日語");
	{
		size_t top, r, c;

		editline_layout(e, 40, 3, &top, &r, &c);
		assert_int_equal(r, 0);
		assert_int_equal(c, 2);
	}
	editline_free(e);
}

/* Arabic with its vowel marks: each letter and its marks one step, one column. */
static void test_arabic(void **state)
{
	/* "مَرْحَبًا" : letters with fatha, sukun, tanween. */
	const char *s = "\xd9\x85\xd9\x8e\xd8\xb1\xd9\x92\xd8\xad\xd9\x8e\xd8\xa8\xd9\x8b\xd8\xa7";
	struct editline *e = mk(64, true);
	size_t top, r, c;

	(void)state;
	type(e, s);
	assert_string_equal(editline_text(e), s);
	editline_layout(e, 40, 3, &top, &r, &c);
	assert_int_equal(c, 5);
	editline_cmd(e, EDITLINE_BACKSPACE); /* alef */
	editline_cmd(e, EDITLINE_BACKSPACE); /* beh and its tanween */
	assert_int_equal(editline_len(e), strlen(s) - 6);
	editline_free(e);
}

static void test_words_and_kills(void **state)
{
	struct editline *e = mk(64, true);

	(void)state;
	editline_set(e, "call back, wörld peace");
	editline_cmd(e, EDITLINE_WORD_LEFT);
	assert_int_equal(editline_cursor(e), strlen("call back, wörld "));
	editline_cmd(e, EDITLINE_WORD_LEFT);
	assert_int_equal(editline_cursor(e), strlen("call back, "));
	editline_cmd(e, EDITLINE_WORD_LEFT);
	assert_int_equal(editline_cursor(e), strlen("call "));
	editline_cmd(e, EDITLINE_WORD_RIGHT);
	assert_int_equal(editline_cursor(e), strlen("call back"));
	editline_cmd(e, EDITLINE_WORD_RIGHT);
	assert_int_equal(editline_cursor(e), strlen("call back, wörld"));
	editline_cmd(e, EDITLINE_KILL_WORD);
	assert_string_equal(editline_text(e), "call back,  peace");
	editline_cmd(e, EDITLINE_KILL_END);
	assert_string_equal(editline_text(e), "call back, ");
	editline_cmd(e, EDITLINE_LEFT);
	editline_cmd(e, EDITLINE_KILL_START);
	assert_string_equal(editline_text(e), " ");
	assert_int_equal(editline_cursor(e), 0);
	/* Home and End stay on the line; the kills too. */
	editline_set(e, "one\ntwo\nthree");
	editline_cmd(e, EDITLINE_UP);
	editline_cmd(e, EDITLINE_HOME);
	assert_int_equal(editline_cursor(e), 4);
	editline_cmd(e, EDITLINE_END);
	assert_int_equal(editline_cursor(e), 7);
	editline_cmd(e, EDITLINE_KILL_START);
	assert_string_equal(editline_text(e), "one\n\nthree");
	editline_cmd(e, EDITLINE_BACKSPACE); /* joins the lines */
	assert_string_equal(editline_text(e), "one\nthree");
	assert_int_equal(editline_key(e, 11), EDITLINE_CHANGED); /* C-k at a line's end */
	assert_string_equal(editline_text(e), "onethree");
	assert_int_equal(editline_key(e, 11), EDITLINE_CHANGED);
	assert_string_equal(editline_text(e), "one");
	assert_int_equal(editline_key(e, 11), EDITLINE_MOVED);
	editline_free(e);
}

/* The cap keeps whole characters and says so. */
static void test_cap(void **state)
{
	struct editline *e = mk(10, true);

	(void)state;
	assert_int_equal(editline_insert(e, "0123456789abc", 13), EDITLINE_FULL);
	assert_string_equal(editline_text(e), "0123456789");
	assert_int_equal(editline_key(e, 'x'), EDITLINE_FULL);
	assert_int_equal(editline_len(e), 10);
	editline_free(e);

	e = mk(5, true);
	assert_int_equal(editline_insert(e, "日本", 6), EDITLINE_FULL);
	assert_string_equal(editline_text(e), "日");
	assert_int_equal(editline_insert(e, "e" ACUTE, 3), EDITLINE_FULL); /* 3 bytes, 2 left */
	assert_string_equal(editline_text(e), "日");
	assert_int_equal(editline_insert(e, "ab", 2), EDITLINE_CHANGED);
	assert_int_equal(editline_max(e), 5);
	/* Inserting in the middle keeps what follows the cursor. */
	editline_set(e, "abc");
	editline_cmd(e, EDITLINE_HOME);
	assert_int_equal(editline_insert(e, "xyz", 3), EDITLINE_FULL);
	assert_string_equal(editline_text(e), "xyabc");
	assert_int_equal(editline_cursor(e), 2);
	editline_free(e);
}

/* Enter: a newline in a multi-line field, the caller's key in a one-line one (where a
 * pasted newline becomes a space). */
static void test_lines(void **state)
{
	struct editline *e = mk(32, true), *one = mk(32, false);

	(void)state;
	type(e, "hi");
	assert_int_equal(editline_key(e, '\n'), EDITLINE_CHANGED);
	type(e, "there");
	assert_string_equal(editline_text(e), "hi\nthere");
	assert_int_equal(editline_key(one, '\n'), EDITLINE_PASS);
	editline_insert(one, "a\nb", 3);
	assert_string_equal(editline_text(one), "a b");
	editline_free(e);
	editline_free(one);
}

/* A bracketed paste: everything between the markers is text, cleaned once at the end;
 * function keys inside are dropped; an oversized paste keeps what fits. */
static void test_paste(void **state)
{
	static const int keys[] = {'x',
	                           27,
	                           '[',
	                           '3',
	                           '1',
	                           'm',
	                           'y',
	                           '\r',
	                           'z',
	                           27,
	                           ']',
	                           '0',
	                           ';',
	                           't',
	                           7,
	                           'w',
	                           KEYMAP_FN | KEY_UP,
	                           '\n',
	                           0x65e5};
	struct editline *e = mk(64, true);
	size_t i;

	(void)state;
	assert_int_equal(editline_key(e, EDITLINE_PASTE_BEGIN), EDITLINE_MOVED);
	assert_true(editline_pasting(e));
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_int_equal(editline_key(e, keys[i]), EDITLINE_MOVED);
	assert_string_equal(editline_text(e), ""); /* nothing until the end marker */
	assert_int_equal(editline_key(e, EDITLINE_PASTE_END), EDITLINE_CHANGED);
	assert_false(editline_pasting(e));
	assert_string_equal(editline_text(e), "xy\nzw\n日");
	/* A stray end marker is harmless. */
	assert_int_equal(editline_key(e, EDITLINE_PASTE_END), EDITLINE_MOVED);
	editline_free(e);

	e = mk(8, true);
	editline_key(e, EDITLINE_PASTE_BEGIN);
	for (i = 0; i < 1000; i++)
		editline_key(e, 'a' + (int)(i % 26));
	assert_int_equal(editline_key(e, EDITLINE_PASTE_END), EDITLINE_FULL);
	assert_string_equal(editline_text(e), "abcdefgh");
	editline_free(e);
}

/* Layout: rows wrap one column before the edge at cluster boundaries; the cursor always has a
 * cell; Up and Down keep the column; the window scrolls to the cursor. */
static void test_layout(void **state)
{
	struct editline *e = mk(256, true);
	size_t n, top, r, c, len;
	const char *row;

	(void)state;
	editline_set(e, "abcdefgh");
	n = editline_layout(e, 6, 5, &top, &r, &c);
	assert_int_equal(n, 2);
	row = editline_row(e, 0, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(row, "abcde", 5);
	row = editline_row(e, 1, &len);
	assert_memory_equal(row, "fgh", 3);
	assert_int_equal(r, 1);
	assert_int_equal(c, 3);
	assert_null(editline_row(e, 2, &len));

	/* A wide character that would cross the edge starts the next row. */
	editline_set(e, "ab日本");
	n = editline_layout(e, 6, 5, &top, &r, &c);
	assert_int_equal(n, 2);
	editline_row(e, 0, &len);
	assert_int_equal(len, 5); /* "ab日" */
	assert_int_equal(c, 2);

	/* Up and Down through wrapped rows and lines. */
	editline_set(e, "abcdefgh\nxy");
	editline_layout(e, 6, 5, &top, &r, &c);
	assert_int_equal(r, 2);
	assert_int_equal(editline_cmd(e, EDITLINE_UP), EDITLINE_MOVED);
	assert_int_equal(editline_cursor(e), 7); /* "fg|h" */
	assert_int_equal(editline_cmd(e, EDITLINE_UP), EDITLINE_MOVED);
	assert_int_equal(editline_cursor(e), 2);
	assert_int_equal(editline_cmd(e, EDITLINE_UP), EDITLINE_PASS);
	assert_int_equal(editline_key(e, KEYMAP_FN | KEY_DOWN), EDITLINE_MOVED);
	assert_int_equal(editline_key(e, KEYMAP_FN | KEY_DOWN), EDITLINE_MOVED);
	assert_int_equal(editline_cursor(e), 11);
	assert_int_equal(editline_key(e, KEYMAP_FN | KEY_DOWN), EDITLINE_PASS);

	/* A window of two rows follows the cursor. */
	editline_set(e, "1\n2\n3\n4\n5");
	editline_layout(e, 10, 2, &top, &r, &c);
	assert_int_equal(top, 3);
	assert_int_equal(r, 4);
	editline_cmd(e, EDITLINE_UP);
	editline_cmd(e, EDITLINE_UP);
	editline_layout(e, 10, 2, &top, &r, &c);
	assert_int_equal(top, 2);
	editline_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_edges),           cmocka_unit_test(test_hostile),
	        cmocka_unit_test(test_clusters),        cmocka_unit_test(test_arabic),
	        cmocka_unit_test(test_words_and_kills), cmocka_unit_test(test_cap),
	        cmocka_unit_test(test_lines),           cmocka_unit_test(test_paste),
	        cmocka_unit_test(test_layout),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}

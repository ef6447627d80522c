#define _GNU_SOURCE /* fmemopen */
/*
 * Unit tests for dialfile: each line's bytes are checked as given, and a refused line names the
 * real problem by byte offset; long lines are refused whole (never split into pieces that get
 * dialled); blanks, comments, CRLF and a last line without a newline; the size cap.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/dialfile.h"

struct got {
	unsigned n;
	unsigned lineno[16];
	char text[16][300];
	char why[16][200];
};

static int collect(unsigned lineno, const char *text, const char *refused, void *arg)
{
	struct got *g = arg;

	if (g->n < 16) {
		g->lineno[g->n] = lineno;
		snprintf(g->text[g->n], sizeof(g->text[0]), "%s", text ? text : "");
		snprintf(g->why[g->n], sizeof(g->why[0]), "%s", refused ? refused : "");
	}
	g->n++;
	return 0;
}

/* Reads len bytes of text through dialfile_read. */
static int read_bytes(const char *text, size_t len, struct got *g)
{
	FILE *f = fmemopen((void *)text, len, "rb");
	int err;

	assert_non_null(f);
	memset(g, 0, sizeof(*g));
	err = dialfile_read(f, collect, g);
	fclose(f);
	return err;
}

struct row {
	const char *in;  /* one line, checked by dialfile_check */
	size_t len;      /* 0: strlen */
	const char *why; /* NULL: accepted; else a part of the reason */
};

static const struct row rows[] = {
        {"+1 415 555 0134", 0, NULL},
        {"sip:alice@127.0.0.1:5090", 0, NULL},
        {"Zoë 日本", 0, NULL},
        {"", 0, NULL},
        {"sip:al\x1b[1mice@h", 0, "byte 7 is ESC"},
        {"4155550134\x07", 0, "byte 11 is a control character (0x07)"},
        {"415\0"
         "5550134",
         11, "byte 4 is a NUL"},
        {"415\t555", 0, "byte 4 is a tab"},
        {"415\x7f", 0, "byte 4 is a control character (0x7f)"},
        {"415\xff", 0, "byte 4 (0xff) is not valid UTF-8"},
        {"\xc0\xaf", 0, "byte 1 (0xc0) is not valid UTF-8"},       /* overlong */
        {"ab\xed\xa0\x80", 0, "byte 3 (0xed) is not valid UTF-8"}, /* surrogate */
        {"ab\xe6\x97", 0, "byte 3 (0xe6) is not valid UTF-8"},     /* cut short */
        {"x\xc2\x9b"
         "1m",
         0, "byte 2 starts a C1 control character (U+009B)"},
};

static void test_check_table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char why[200] = "";
		size_t len = rows[i].len ? rows[i].len : strlen(rows[i].in);
		int err = dialfile_check(rows[i].in, len, why, sizeof(why));

		if (!rows[i].why && err)
			fail_msg("row %zu refused: %s", i, why);
		if (rows[i].why && (err != EINVAL || !strstr(why, rows[i].why)))
			fail_msg("row %zu: got '%s', expected '%s'", i, why, rows[i].why);
	}
}

static void test_length_limit(void **state)
{
	char line[DIALFILE_LINE_MAX + 2], why[200];

	memset(line, '1', sizeof(line));
	assert_int_equal(dialfile_check(line, DIALFILE_LINE_MAX, why, sizeof(why)), 0);
	assert_int_equal(dialfile_check(line, DIALFILE_LINE_MAX + 1, why, sizeof(why)), EINVAL);
	assert_non_null(strstr(why, "257 bytes long"));
}

static void test_read_layout(void **state)
{
	static const char text[] = "# comment\n\n   \n  +14155550134  \r\n\tsip:a@b\n"
	                           "  # indented comment\n4155550135";
	struct got g;

	assert_int_equal(read_bytes(text, sizeof(text) - 1, &g), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.lineno[0], 4);
	assert_string_equal(g.text[0], "+14155550134");
	assert_int_equal(g.lineno[1], 5);
	assert_string_equal(g.text[1], "sip:a@b");
	assert_int_equal(g.lineno[2], 7);
	assert_string_equal(g.text[2], "4155550135"); /* no final newline */
}

/* A 5 kB line ending in a good number is refused whole: no piece of it comes out. */
static void test_long_line_refused_whole(void **state)
{
	size_t big = 5000;
	char *text = malloc(big + 64);
	struct got g;

	assert_non_null(text);
	memset(text, 'x', big);
	memcpy(text + big - 12, "+14155550134", 12);
	memcpy(text + big, "\n+14155550199\n", 14);
	assert_int_equal(read_bytes(text, big + 14, &g), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.lineno[0], 1);
	assert_string_equal(g.text[0], "");
	assert_non_null(strstr(g.why[0], "5000 bytes long"));
	assert_int_equal(g.lineno[1], 2);
	assert_string_equal(g.text[1], "+14155550199");
	free(text);
}

/* Hostile bytes are refused with the offset in the file's line (leading blanks counted), and
 * a NUL does not cut the line into something dialable. */
static void test_read_hostile(void **state)
{
	static const char text[] = "  sip:alice@h\0junk\n4155550134\x07\nok\n";
	struct got g;

	assert_int_equal(read_bytes(text, sizeof(text) - 1, &g), 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.text[0], "");
	assert_non_null(strstr(g.why[0], "byte 14 is a NUL"));
	assert_string_equal(g.text[1], "");
	assert_non_null(strstr(g.why[1], "byte 11 is a control character (0x07)"));
	assert_string_equal(g.text[2], "ok");
}

static int stop_at_two(unsigned lineno, const char *text, const char *refused, void *arg)
{
	(void)text;
	(void)refused;
	(void)arg;
	return lineno == 2 ? ECANCELED : 0;
}

static void test_handler_stops_and_bad_args(void **state)
{
	static const char text[] = "1\n2\n3\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "rb");

	assert_int_equal(dialfile_read(f, stop_at_two, NULL), ECANCELED);
	assert_int_equal(dialfile_read(NULL, stop_at_two, NULL), EINVAL);
	assert_int_equal(dialfile_read(f, NULL, NULL), EINVAL);
	fclose(f);
}

static void test_size_cap(void **state)
{
	size_t n = DIALFILE_SIZE_MAX + 10, i;
	char *text = malloc(n);
	struct got g;

	assert_non_null(text);
	for (i = 0; i < n; i++)
		text[i] = (i % 12 == 11) ? '\n' : '5';
	assert_int_equal(read_bytes(text, n, &g), EFBIG);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_check_table),
	        cmocka_unit_test(test_length_limit),
	        cmocka_unit_test(test_read_layout),
	        cmocka_unit_test(test_long_line_refused_whole),
	        cmocka_unit_test(test_read_hostile),
	        cmocka_unit_test(test_handler_stops_and_bad_args),
	        cmocka_unit_test(test_size_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

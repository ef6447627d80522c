/*
 * Unit tests for theme: the element table, the built-in themes, the theme-file parser with
 * its file:line warnings, colour degradation, and the shipped themes/ files.
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

#include "loftdial/paths.h"
#include "loftdial/text.h"
#include "loftdial/theme.h"

struct warns {
	unsigned n;
	char msgs[16][256];
};

static void warn(const char *file, unsigned line, const char *msg, void *arg)
{
	struct warns *w = arg;

	assert_true(text_is_clean(msg));
	if (w->n < 16)
		text_printf(w->msgs[w->n], sizeof(w->msgs[0]), "%s:%u: %s", file, line, msg);
	w->n++;
}

static void test_names(void **state)
{
	assert_string_equal(theme_elem_name(THEME_DEFAULT), "default");
	assert_string_equal(theme_elem_name(THEME_LINE_RINGING), "line.ringing");
	assert_string_equal(theme_elem_name(THEME_SYNC_FAILED), "sync.failed");
	assert_string_equal(theme_elem_name(THEME_ELEM_COUNT), "?");
	assert_string_equal(theme_elem_name((enum theme_elem) - 1), "?");
}

static void test_parse_good(void **state)
{
	static const char text[] = "# comment\n"
	                           "\n"
	                           "color title black cyan bold\n"
	                           "  color\tselected  black color75 bold,reverse  # trailing\r\n"
	                           "color muted 244 default dim\n"
	                           "color ok default default normal";
	struct theme t;
	struct warns w = {0};

	theme_builtin(&t, false);
	assert_int_equal(theme_parse(&t, "x.theme", text, sizeof(text) - 1, warn, &w), 0);
	assert_int_equal(w.n, 0);
	assert_int_equal(t.style[THEME_TITLE].fg, 0);
	assert_int_equal(t.style[THEME_TITLE].bg, 6);
	assert_int_equal(t.style[THEME_TITLE].attrs, THEME_BOLD);
	assert_int_equal(t.style[THEME_SELECTED].bg, 75);
	assert_int_equal(t.style[THEME_SELECTED].attrs, THEME_BOLD | THEME_REVERSE);
	assert_int_equal(t.style[THEME_MUTED].fg, 244);
	assert_int_equal(t.style[THEME_MUTED].attrs, THEME_DIM);
	assert_int_equal(t.style[THEME_OK].fg, THEME_COLOR_DEFAULT);
	assert_int_equal(t.style[THEME_OK].attrs, 0);
}

static void test_parse_mistakes(void **state)
{
	static const char text[] = "color title dark blue\n"            /* 1 unknown colour */
	                           "color nosuch red blue\n"            /* 2 unknown element */
	                           "color error red\n"                  /* 3 too few words */
	                           "colour ok green default\n"          /* 4 unknown rule */
	                           "color ok green default blink\n"     /* 5 unknown attribute */
	                           "color ok 256 default\n"             /* 6 out of range */
	                           "color ok -1 default\n"              /* 7 negative */
	                           "color ok color1000 default\n"       /* 8 */
	                           "color \x1b]0;pwned\x07 red blue\n"  /* 9 hostile */
	                           "color header green default bold\n"; /* 10 good */
	struct theme t, def;
	struct warns w = {0};

	theme_builtin(&t, false);
	theme_builtin(&def, false);
	assert_int_equal(theme_parse(&t, "x.theme", text, sizeof(text) - 1, warn, &w), 9);
	assert_string_equal(w.msgs[0], "x.theme:1: unknown color 'dark'");
	assert_string_equal(w.msgs[1], "x.theme:2: unknown element 'nosuch'");
	assert_string_equal(w.msgs[2],
	                    "x.theme:3: expected: color <element> <fg> <bg> [attributes]");
	assert_string_equal(w.msgs[4], "x.theme:5: unknown attribute 'blink'");
	/* Broken lines leave the built-in values; the good line after them applies. */
	assert_memory_equal(&t.style[THEME_TITLE], &def.style[THEME_TITLE], sizeof(t.style[0]));
	assert_memory_equal(&t.style[THEME_OK], &def.style[THEME_OK], sizeof(t.style[0]));
	assert_int_equal(t.style[THEME_HEADER].fg, 2);
}

static void test_parse_hostile(void **state)
{
	struct theme t;
	struct warns w = {0};
	char *big = malloc(70000);
	char nul[] = "color ok red default\0 junk\ncolor ok blue default\n";

	assert_non_null(big);
	memset(big, 'x', 69999);
	big[69999] = '\0';
	theme_builtin(&t, false);
	assert_int_equal(theme_parse(&t, "big", big, 69999, warn, &w), 1);
	assert_int_equal(theme_parse(&t, "nul", nul, sizeof(nul) - 1, warn, &w), 1);
	assert_int_equal(t.style[THEME_OK].fg, 4);
	assert_int_equal(theme_parse(NULL, "x", "color ok red default", 20, NULL, NULL), 0);
	assert_int_equal(theme_parse(&t, "x", NULL, 20, NULL, NULL), 0);
	free(big);
}

static void test_degrade(void **state)
{
	assert_int_equal(theme_degrade(THEME_COLOR_DEFAULT, 8), THEME_COLOR_DEFAULT);
	assert_int_equal(theme_degrade(3, 8), 3);
	assert_int_equal(theme_degrade(200, 256), 200);
	assert_int_equal(theme_degrade(12, 16), 12);
	assert_int_equal(theme_degrade(12, 8), 4);  /* bright blue -> blue */
	assert_int_equal(theme_degrade(8, 8), 7);   /* grey stays visible on black */
	assert_int_equal(theme_degrade(196, 8), 1); /* red */
	assert_int_equal(theme_degrade(46, 8), 2);  /* green */
	assert_int_equal(theme_degrade(21, 8), 4);  /* blue */
	assert_int_equal(theme_degrade(226, 8), 3); /* yellow */
	assert_int_equal(theme_degrade(51, 8), 6);  /* cyan */
	assert_int_equal(theme_degrade(244, 8), 7); /* mid grey */
	assert_int_equal(theme_degrade(233, 8), 0); /* near black */
	assert_int_equal(theme_degrade(75, 8), 6);  /* sky blue */
	assert_int_equal(theme_degrade(300, 8), THEME_COLOR_DEFAULT);
	{
		short c;

		for (c = 0; c < 256; c++) {
			short d = theme_degrade(c, 8);

			assert_true(d >= 0 && d < 8);
		}
	}
}

static void test_builtin_mono(void **state)
{
	struct theme t;
	size_t i;

	theme_builtin(&t, true);
	for (i = 0; i < THEME_ELEM_COUNT; i++) {
		assert_int_equal(t.style[i].fg, THEME_COLOR_DEFAULT);
		assert_int_equal(t.style[i].bg, THEME_COLOR_DEFAULT);
	}
	/* The selection must stay visible without colour. */
	assert_true(t.style[THEME_SELECTED].attrs & THEME_REVERSE);
	theme_builtin(&t, false);
	theme_strip_colors(&t);
	assert_int_equal(t.style[THEME_TITLE].bg, THEME_COLOR_DEFAULT);
	assert_int_equal(t.style[THEME_TITLE].attrs, THEME_BOLD);
}

/* Every shipped theme loads without a warning and sets every element; default.theme is the
 * built-in table. */
static void test_shipped_themes(void **state)
{
	static const char *const names[] = {"default", "light", "high-contrast", "mono"};
	char path[PATHS_MAX];
	struct theme t, def;
	size_t i, e;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct warns w = {0};
		unsigned nw = 99;
		char text[8192];
		FILE *f;
		size_t n;

		assert_int_equal(paths_theme(names[i], path, sizeof(path)), 0);
		theme_builtin(&t, false);
		assert_int_equal(theme_load(&t, path, warn, &w, &nw), 0);
		if (nw)
			fail_msg("%s: %s", names[i], w.msgs[0]);
		f = fopen(path, "rb");
		assert_non_null(f);
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		text[n] = '\0';
		for (e = 0; e < THEME_ELEM_COUNT; e++) {
			char needle[64];

			text_printf(needle, sizeof(needle), "\ncolor %s ", theme_elem_name(e));
			if (!strstr(text, needle))
				fail_msg("%s does not set %s", names[i], theme_elem_name(e));
		}
	}
	assert_int_equal(paths_theme("default", path, sizeof(path)), 0);
	theme_builtin(&t, false);
	theme_builtin(&def, false);
	memset(&t, 0x55, sizeof(t));
	assert_int_equal(theme_load(&t, path, NULL, NULL, NULL), 0);
	for (e = 0; e < THEME_ELEM_COUNT; e++)
		if (memcmp(&t.style[e], &def.style[e], sizeof(t.style[e])))
			fail_msg("default.theme and the built-in table differ on %s",
			         theme_elem_name(e));
	assert_int_equal(paths_theme("nosuch", path, sizeof(path)), ENOENT);
	assert_int_equal(paths_theme("../etc/passwd", path, sizeof(path)), ENOENT);
	assert_int_equal(paths_theme(".hidden", path, sizeof(path)), EINVAL);
	assert_int_equal(paths_theme("a b", path, sizeof(path)), EINVAL);
	assert_int_equal(theme_load(&t, "/nonexistent.theme", NULL, NULL, NULL), ENOENT);
}

/* The shipped themes are the source tree's (LOFTDIAL_SRC, set by ctest). */
static int setup(void **state)
{
	const char *src = getenv("LOFTDIAL_SRC");

	return src && !setenv("LOFTDIAL_SHARE_DIR", src, 1) ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_names),          cmocka_unit_test(test_parse_good),
	        cmocka_unit_test(test_parse_mistakes), cmocka_unit_test(test_parse_hostile),
	        cmocka_unit_test(test_degrade),        cmocka_unit_test(test_builtin_mono),
	        cmocka_unit_test(test_shipped_themes),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}

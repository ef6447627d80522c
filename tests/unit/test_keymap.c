/*
 * Unit tests for keymap: key names, scopes, default and user bindings, the `bind` lines with
 * their file:line warnings, and hostile input.
 */
#include <curses.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/keymap.h"
#include "loftdial/text.h"

static const struct keymap_action global[] = {
        {1, "back", "q Esc", "Back"},
        {2, "down", "j Down", "Down"},
        {3, "up", "k Up", "Up"},
        {4, "help", "? F1", "Help"},
        {5, "page-down", "C-f PgDn", "Page down"},
};

static const struct keymap_action home[] = {
        {100, "sync", "s", "Sync"},
        {101, "refresh", "r", "Refresh"},
        {102, "takes-j", "", "Nothing by default"},
};

/* A keymap with the two scopes above. */
static struct keymap *make(void)
{
	struct keymap *km = NULL;

	assert_int_equal(keymap_new(&km), 0);
	assert_int_equal(keymap_add_scope(km, "global", global, 5), KEYMAP_GLOBAL);
	assert_int_equal(keymap_add_scope(km, "home", home, 3), 1);
	return km;
}

struct keyrow {
	const char *name;
	int key;
	const char *canon;
};

static const struct keyrow keys[] = {
        {"j", 'j', "j"},
        {"G", 'G', "G"},
        {"?", '?', "?"},
        {"C-f", 6, "C-f"},
        {"c-F", 6, "C-f"},
        {"^F", 6, "C-f"},
        {"Enter", '\n', "Enter"},
        {"<Enter>", '\n', "Enter"},
        {"C-m", '\n', "Enter"},
        {"return", '\n', "Enter"},
        {"Esc", 27, "Esc"},
        {"Tab", '\t', "Tab"},
        {"Space", ' ', "Space"},
        {"C-_", 31, "C-_"},
        {"C-\\", 28, "C-\\"},
        {"Up", KEYMAP_FN | KEY_UP, "Up"},
        {"pgdn", KEYMAP_FN | KEY_NPAGE, "PgDn"},
        {"F1", KEYMAP_FN | KEY_F(1), "F1"},
        {"F12", KEYMAP_FN | KEY_F(12), "F12"},
        {"Backspace", KEYMAP_FN | KEY_BACKSPACE, "Backspace"},
        {"C-h", KEYMAP_FN | KEY_BACKSPACE, "Backspace"},
        {"é", 0xe9, "é"},
        {"<", '<', "<"},
        {"<>", 0, NULL},
};

static void test_key_names(void **state)
{
	static const char *const bad[] = {"",       "jj",       "F0",   "F13",  "C-", "C-ab",
	                                  "Ctrl-x", "\x1b",     "\x7f", "\xff", "é!", "F1x",
	                                  " ",      "\xc2\x9b", "<>",   "C-1",  "C-@"};
	char name[KEYMAP_NAME_MAX];
	size_t i;
	int k;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!keys[i].canon)
			continue;
		if (keymap_key_parse(keys[i].name, &k) || k != keys[i].key)
			fail_msg("row %zu (%s): got %d want %d", i, keys[i].name, k, keys[i].key);
		keymap_key_name(k, name, sizeof(name));
		if (strcmp(name, keys[i].canon))
			fail_msg("row %zu: name '%s' want '%s'", i, name, keys[i].canon);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (keymap_key_parse(bad[i], &k) == 0)
			fail_msg("bad key %zu accepted as %d", i, k);
	assert_int_equal(keymap_key_parse(NULL, &k), EINVAL);
	keymap_key_name(0x7fffffff, name, sizeof(name));
	assert_true(text_is_clean(name));
	keymap_key_name(0x9b, name, sizeof(name)); /* C1 CSI never comes out raw */
	assert_true(text_is_clean(name));
	assert_int_equal(keymap_key_fold('\r'), '\n');
	assert_int_equal(keymap_key_fold(127), KEYMAP_FN | KEY_BACKSPACE);
}

static void test_defaults_and_lookup(void **state)
{
	struct keymap *km = make();
	const struct keymap_action *a;
	int owner = -1, found[4];

	a = keymap_lookup(km, 1, 's', &owner);
	assert_non_null(a);
	assert_int_equal(a->id, 100);
	assert_int_equal(owner, 1);
	a = keymap_lookup(km, 1, 'j', &owner); /* falls through to global */
	assert_non_null(a);
	assert_int_equal(a->id, 2);
	assert_int_equal(owner, KEYMAP_GLOBAL);
	assert_null(keymap_lookup(km, KEYMAP_GLOBAL, 's', NULL)); /* screen keys stay local */
	assert_null(keymap_lookup(km, 1, 'z', NULL));
	assert_null(keymap_lookup(km, 7, 'j', NULL));
	assert_null(keymap_lookup(km, 1, '\r', NULL)); /* CR folds to Enter: unbound here */
	assert_int_equal(keymap_keys_of(km, 1, KEYMAP_GLOBAL, 1, found, 4), 2);
	assert_int_equal(keymap_scope(km, "home"), 1);
	assert_int_equal(keymap_scope(km, "nope"), -1);
	assert_string_equal(keymap_scope_name(km, 1), "home");
	/* Scope names are unique and the table is bounded. */
	assert_int_equal(keymap_add_scope(km, "home", home, 3), -1);
	keymap_free(km);
}

static void test_add_scope_bad_default(void **state)
{
	static const struct keymap_action badacts[] = {{1, "x", "NoSuchKey", "x"}};
	struct keymap *km = make();

	assert_int_equal(keymap_add_scope(km, "bad", badacts, 1), -1);
	assert_int_equal(keymap_scope(km, "bad"), -1);
	keymap_free(km);
}

static void test_bind(void **state)
{
	struct keymap *km = make();
	const struct keymap_action *a;
	char err[256];
	int found[4];

	/* A screen binding shadows the global one on that screen only. */
	assert_int_equal(keymap_bind(km, "home", "j", "sync", err, sizeof(err)), 0);
	assert_int_equal(keymap_lookup(km, 1, 'j', NULL)->id, 100);
	assert_int_equal(keymap_lookup(km, KEYMAP_GLOBAL, 'j', NULL)->id, 2);
	/* Help shows j as sync and no longer as down on home. */
	assert_int_equal(keymap_keys_of(km, 1, KEYMAP_GLOBAL, 2, found, 4), 1);
	assert_int_equal(found[0], KEYMAP_FN | KEY_DOWN);
	/* A global action bound on a screen. */
	assert_int_equal(keymap_bind(km, "home", "J", "down", err, sizeof(err)), 0);
	a = keymap_lookup(km, 1, 'J', NULL);
	assert_non_null(a);
	assert_int_equal(a->id, 2);
	/* Unbinding. */
	assert_int_equal(keymap_bind(km, "home", "s", "none", err, sizeof(err)), 0);
	assert_null(keymap_lookup(km, 1, 's', NULL));
	assert_int_equal(keymap_bind(km, "global", "q", "none", err, sizeof(err)), 0);
	assert_null(keymap_lookup(km, 1, 'q', NULL));
	/* Mistakes. */
	assert_int_equal(keymap_bind(km, "nope", "j", "sync", err, sizeof(err)), EINVAL);
	assert_string_equal(err, "bind: unknown screen 'nope'");
	assert_int_equal(keymap_bind(km, "home", "Hyper-j", "sync", err, sizeof(err)), EINVAL);
	assert_string_equal(err, "bind: unknown key 'Hyper-j'");
	assert_int_equal(keymap_bind(km, "home", "j", "fly", err, sizeof(err)), EINVAL);
	assert_string_equal(err, "bind: no action 'fly' on screen home");
	/* A screen's action cannot be bound globally. */
	assert_int_equal(keymap_bind(km, "global", "z", "sync", err, sizeof(err)), EINVAL);
	/* Hostile text in a message is sanitized. */
	assert_int_equal(keymap_bind(km, "\x1b]0;x\x07", "j", "sync", err, sizeof(err)), EINVAL);
	assert_true(text_is_clean(err));
	assert_int_equal(keymap_bind(NULL, "home", "j", "sync", err, sizeof(err)), EINVAL);
	keymap_free(km);
}

struct warns {
	unsigned n;
	char last[512];
};

static void warn(const char *file, unsigned line, const char *msg, void *arg)
{
	struct warns *w = arg;

	w->n++;
	text_printf(w->last, sizeof(w->last), "%s:%u: %s", file, line, msg);
	assert_true(text_is_clean(msg));
}

static void test_parse(void **state)
{
	static const char text[] = "# comment\n"
	                           "sync.poll_interval 60\n"
	                           "bind home x sync\n"
	                           "bind home\n"
	                           "bind home y refresh extra\n"
	                           "bind home C-r refresh # trailing comment\r\n"
	                           "  bind   global   F2   help  \n"
	                           "bind home \x1b[31m sync\n"
	                           "binding home z sync\n"
	                           "bind home k nothing";
	struct keymap *km = make();
	struct warns w = {0};

	assert_int_equal(keymap_parse(km, "cfg", text, sizeof(text) - 1, warn, &w), 4);
	assert_int_equal(w.n, 4);
	assert_string_equal(w.last, "cfg:10: bind: no action 'nothing' on screen home");
	assert_int_equal(keymap_lookup(km, 1, 'x', NULL)->id, 100);
	assert_int_equal(keymap_lookup(km, 1, 18, NULL)->id, 101);
	assert_int_equal(keymap_lookup(km, 1, KEYMAP_FN | KEY_F(2), NULL)->id, 4);
	assert_null(keymap_lookup(km, 1, 'y', NULL));
	assert_null(keymap_lookup(km, 1, 'z', NULL));
	/* No NUL-terminated input needed; NULL handlers are fine. */
	assert_int_equal(keymap_parse(km, "cfg", "bind home q sync", 10, NULL, NULL), 1);
	assert_int_equal(keymap_parse(km, "cfg", NULL, 10, NULL, NULL), 0);
	keymap_free(km);
}

static void test_load_missing(void **state)
{
	struct keymap *km = make();

	assert_int_equal(keymap_load(km, "/nonexistent/loftdial/config", NULL, NULL), ENOENT);
	keymap_free(km);
}

static void test_many_bindings(void **state)
{
	struct keymap *km = make();
	char key[8], err[128];
	int i, rc = 0, fails = 0;

	/* The per-scope table is bounded: binding every character ends in ENOSPC, not growth. */
	for (i = 0x100; i < 0x100 + KEYMAP_BINDINGS_MAX + 10; i++) {
		key[0] = (char)(0xc0 | (i >> 6));
		key[1] = (char)(0x80 | (i & 0x3f));
		key[2] = '\0';
		rc = keymap_bind(km, "home", key, "sync", err, sizeof(err));
		if (rc)
			fails++;
	}
	assert_int_equal(rc, ENOSPC);
	assert_true(fails > 0);
	keymap_free(km);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_key_names),
	        cmocka_unit_test(test_defaults_and_lookup),
	        cmocka_unit_test(test_add_scope_bad_default),
	        cmocka_unit_test(test_bind),
	        cmocka_unit_test(test_parse),
	        cmocka_unit_test(test_load_missing),
	        cmocka_unit_test(test_many_bindings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for config: the line parser on good, malformed and hostile input, typed reads,
 * environment overrides, the example file, and that docs/configuration.md lists every key.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "loftdial/config.h"
#include "testlib.h"

struct warns {
	unsigned n;
	unsigned lines[32];
	char msgs[32][256];
};

static void collect(const char *file, unsigned line, const char *msg, void *arg)
{
	struct warns *w = arg;

	if (w->n < 32) {
		w->lines[w->n] = line;
		snprintf(w->msgs[w->n], sizeof(w->msgs[0]), "%s", msg);
	}
	w->n++;
}

static int parse(struct config *cfg, const char *text, struct warns *w)
{
	memset(w, 0, sizeof(*w));
	return config_parse(cfg, "test.conf", text, strlen(text), collect, w);
}

static void test_defaults(void **state)
{
	struct config *cfg;

	assert_int_equal(config_new(&cfg), 0);
	assert_string_equal(config_str(cfg, "salesloft.api_url"), "https://api.salesloft.com");
	assert_string_equal(config_str(cfg, "salesloft.accounts_url"),
	                    "https://accounts.salesloft.com");
	assert_int_equal(config_int(cfg, "dial.ring_timeout"), 25);
	assert_int_equal(config_int(cfg, "sync.budget_share"), 50);
	assert_true(config_bool(cfg, "sync.ids_sweep"));
	assert_false(config_is_set(cfg, "dial.lines"));
	/* Unknown keys read as empty, never crash. */
	assert_string_equal(config_str(cfg, "no.such.key"), "");
	assert_int_equal(config_int(cfg, "no.such.key"), 0);
	assert_string_equal(config_str(NULL, "dial.lines"), "1");
	config_free(cfg);
	config_free(NULL);
}

/* Each row: input text, expected number of warnings, first warned line, a key/value check. */
struct case_row {
	const char *text;
	unsigned nwarn;
	unsigned first_line;
	const char *key, *expect;
};

static const struct case_row cases[] = {
        {"", 0, 0, "dial.lines", "1"},
        {"\n\n# only comments\n   # indented comment\n", 0, 0, "dial.lines", "1"},
        {"dial.lines 4\n", 0, 0, "dial.lines", "4"},
        {"dial.lines\t9\r\n", 0, 0, "dial.lines", "9"},
        {"  dial.lines   3   # trailing comment\n", 0, 0, "dial.lines", "3"},
        {"sip.caller_id \"Acme # Sales\"\n", 0, 0, "sip.caller_id", "Acme # Sales"},
        {"dial.lines 10\n", 1, 1, "dial.lines", "1"},
        {"dial.lines 0\n", 1, 1, "dial.lines", "1"},
        {"dial.lines -3\n", 1, 1, "dial.lines", "1"},
        {"dial.lines 3x\n", 1, 1, "dial.lines", "1"},
        {"dial.lines 99999999999999999999999\n", 1, 1, "dial.lines", "1"},
        {"dial.ring_timeout 5\n", 1, 1, "dial.ring_timeout", "25"},
        {"sync.ids_sweep maybe\n", 1, 1, "sync.ids_sweep", "true"},
        {"sync.ids_sweep off\n", 0, 0, "sync.ids_sweep", "off"},
        {"engine.mode remote\n", 1, 1, "engine.mode", "spawn"},
        {"engine.mode connect\n", 0, 0, "engine.mode", "connect"},
        {"no.such.key 1\n", 1, 1, "dial.lines", "1"},
        {"dial.lines\n", 1, 1, "dial.lines", "1"},
        {"# ok\ndial.lines 2\nbogus\ndial.lines 5\n", 1, 3, "dial.lines", "5"},
        {"sip.caller_id \x1b]0;pwned\x07\n", 1, 1, "sip.caller_id", ""},
        {"sip.caller_id bad\x01value\n", 1, 1, "sip.caller_id", ""},
        {"sip.caller_id \xff\xfe\n", 1, 1, "sip.caller_id", ""},
        {"sip.caller_id Zoë Åström 日本\n", 0, 0, "sip.caller_id", "Zoë Åström 日本"},
        {"dial.lines 2", 0, 0, "dial.lines", "2"}, /* no final newline */
};

static void test_table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config *cfg;
		struct warns w;

		assert_int_equal(config_new(&cfg), 0);
		assert_int_equal(parse(cfg, cases[i].text, &w), 0);
		if (w.n != cases[i].nwarn)
			fail_msg("case %zu: %u warnings, expected %u (%s)", i, w.n, cases[i].nwarn,
			         w.n ? w.msgs[0] : "");
		if (cases[i].nwarn)
			assert_int_equal(w.lines[0], cases[i].first_line);
		assert_string_equal(config_str(cfg, cases[i].key), cases[i].expect);
		config_free(cfg);
	}
}

static void test_warning_text(void **state)
{
	struct config *cfg;
	struct warns w;

	assert_int_equal(config_new(&cfg), 0);
	parse(cfg, "dial.lines 12\nfoo bar\n", &w);
	assert_int_equal(w.n, 2);
	assert_non_null(strstr(w.msgs[0], "dial.lines"));
	assert_non_null(strstr(w.msgs[0], "1..9"));
	assert_non_null(strstr(w.msgs[1], "unknown key"));
	config_free(cfg);
}

static void test_hostile_sizes(void **state)
{
	struct config *cfg;
	struct warns w;
	size_t big = 100000;
	char *text = malloc(big + 32);

	assert_non_null(text);
	/* One line far over the line limit, then a good line: the good one still applies. */
	memcpy(text, "sip.caller_id ", 14);
	memset(text + 14, 'A', big);
	memcpy(text + 14 + big, "\ndial.lines 7\n", 15);
	assert_int_equal(config_new(&cfg), 0);
	parse(cfg, text, &w);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.lines[0], 1);
	assert_int_equal(config_int(cfg, "dial.lines"), 7);
	config_free(cfg);

	/* Embedded NUL bytes are refused per line, not per file. */
	assert_int_equal(config_new(&cfg), 0);
	memset(&w, 0, sizeof(w));
	{
		static const char nul_text[] = "dial.lines 3\nsip.aor a\0b\ndial.lines 4\n";

		config_parse(cfg, "t", nul_text, sizeof(nul_text) - 1, collect, &w);
	}
	assert_int_equal(w.n, 1);
	assert_int_equal(w.lines[0], 2);
	assert_int_equal(config_int(cfg, "dial.lines"), 4);
	config_free(cfg);
	free(text);
}

static void test_set_and_env(void **state)
{
	struct config *cfg;
	char err[256];

	assert_int_equal(config_new(&cfg), 0);
	assert_int_equal(config_set(cfg, "dial.lines", "9", err, sizeof(err)), 0);
	assert_int_equal(config_set(cfg, "dial.lines", "nine", err, sizeof(err)), EINVAL);
	assert_int_equal(config_int(cfg, "dial.lines"), 9);
	assert_int_equal(config_set(cfg, "x", "1", err, sizeof(err)), EINVAL);
	setenv("LOFTDIAL_API_URL", "http://127.0.0.1:9999", 1);
	setenv("LOFTDIAL_ACCOUNTS_URL", "http://127.0.0.1:9998", 1);
	config_apply_env(cfg);
	assert_string_equal(config_str(cfg, "salesloft.api_url"), "http://127.0.0.1:9999");
	assert_string_equal(config_str(cfg, "salesloft.accounts_url"), "http://127.0.0.1:9998");
	unsetenv("LOFTDIAL_API_URL");
	unsetenv("LOFTDIAL_ACCOUNTS_URL");
	config_free(cfg);
}

static void test_files(void **state)
{
	char dir[256], path[512];
	struct config *cfg;
	struct warns w;
	struct stat st;
	size_t n, i;
	const struct config_key *k = config_keys(&n);

	assert_int_equal(tl_tmpdir(dir, sizeof(dir), "cfgtest"), 0);
	snprintf(path, sizeof(path), "%s/config", dir);
	assert_int_equal(config_new(&cfg), 0);
	assert_int_equal(config_load(cfg, path, collect, &w), ENOENT);
	assert_int_equal(config_write_example(path), 0);
	assert_int_equal(config_write_example(path), EEXIST);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* The example is valid config: loading it gives no warnings and changes nothing. */
	memset(&w, 0, sizeof(w));
	assert_int_equal(config_load(cfg, path, collect, &w), 0);
	assert_int_equal(w.n, 0);
	for (i = 0; i < n; i++)
		assert_false(config_is_set(cfg, k[i].name));
	config_free(cfg);
	tl_rmrf(dir);
}

/* Every key in the table must be documented, so docs cannot fall behind the code. */
static void test_docs_cover_keys(void **state)
{
	char path[1024], *doc;
	size_t n, i, len;
	const struct config_key *k = config_keys(&n);
	FILE *f;

	snprintf(path, sizeof(path), "%s/docs/configuration.md", tl_env("LOFTDIAL_SRC", "."));
	f = fopen(path, "rb");
	assert_non_null(f);
	doc = malloc(1 << 20);
	assert_non_null(doc);
	len = fread(doc, 1, (1 << 20) - 1, f);
	doc[len] = '\0';
	fclose(f);
	for (i = 0; i < n; i++) {
		char needle[128];

		snprintf(needle, sizeof(needle), "`%s`", k[i].name);
		if (!strstr(doc, needle))
			fail_msg("docs/configuration.md does not document %s", k[i].name);
	}
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults),        cmocka_unit_test(test_table),
	        cmocka_unit_test(test_warning_text),    cmocka_unit_test(test_hostile_sizes),
	        cmocka_unit_test(test_set_and_env),     cmocka_unit_test(test_files),
	        cmocka_unit_test(test_docs_cover_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

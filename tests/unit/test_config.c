/*
 * Unit tests for config: the line parser on good, malformed and hostile input, typed reads,
 * environment overrides, the example file, keys not used yet, where values come from, editing
 * the file in place (config set), and that docs/configuration.md lists exactly the keys read.
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

/* engine.rtp_ports: empty (baresip's own range) or LO-HI inside 1024..65535, LO even, at least
 * 18 ports; anything else is refused with the reason and leaves the value as it was; the
 * environment sets it too. */
static void test_rtp_ports(void **state)
{
	static const struct {
		const char *value;
		int err;
		const char *why; /* a piece of the message */
	} rows[] = {
	        {"", 0, NULL},
	        {"61000-65534", 0, NULL},
	        {"10000-20000", 0, NULL},
	        {"1024-1041", 0, NULL}, /* exactly 18 ports */
	        {"1024-1040", EINVAL, "fewer than 18"},
	        {"61001-65534", EINVAL, "odd port"},
	        {"20000-10000", EINVAL, "not a range inside"},
	        {"20000-20000", EINVAL, "not a range inside"},
	        {"1000-2000", EINVAL, "not a range inside 1024..65535"},
	        {"61000-65536", EINVAL, "not a range inside"},
	        {"61000-99999999999999999999", EINVAL, "not a port range"},
	        {"61000", EINVAL, "not a port range"},
	        {"61000-", EINVAL, "not a port range"},
	        {"-61000", EINVAL, "not a port range"},
	        {"61000 - 62000", EINVAL, "not a port range"},
	        {"+61000-62000", EINVAL, "not a port range"},
	        {"61000-62000-63000", EINVAL, "not a port range"},
	        {"0x61000-62000", EINVAL, "not a port range"},
	        {"sixty-seventy", EINVAL, "not a port range"},
	};
	struct config *cfg;
	char err[256];
	size_t i;

	assert_int_equal(config_new(&cfg), 0);
	assert_string_equal(config_str(cfg, "engine.rtp_ports"), "");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		err[0] = '\0';
		assert_int_equal(
		        config_set(cfg, "engine.rtp_ports", "40000-40100", err, sizeof(err)), 0);
		if (config_set(cfg, "engine.rtp_ports", rows[i].value, err, sizeof(err)) !=
		    rows[i].err)
			fail_msg("'%s': not %s (%s)", rows[i].value,
			         rows[i].err ? "refused" : "taken", err);
		assert_string_equal(config_str(cfg, "engine.rtp_ports"),
		                    rows[i].err ? "40000-40100" : rows[i].value);
		if (rows[i].why && !strstr(err, rows[i].why))
			fail_msg("'%s': '%s' does not say '%s'", rows[i].value, err, rows[i].why);
	}
	setenv("LOFTDIAL_RTP_PORTS", "50000-50100", 1);
	config_apply_env(cfg);
	assert_string_equal(config_str(cfg, "engine.rtp_ports"), "50000-50100");
	assert_string_equal(config_origin(cfg, "engine.rtp_ports"),
	                    "environment LOFTDIAL_RTP_PORTS");
	unsetenv("LOFTDIAL_RTP_PORTS");
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

/* Reads docs/configuration.md into a heap string. */
static char *read_doc(void)
{
	char path[1024], *doc;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/docs/configuration.md", tl_env("LOFTDIAL_SRC", "."));
	f = fopen(path, "rb");
	assert_non_null(f);
	doc = malloc(1 << 20);
	assert_non_null(doc);
	len = fread(doc, 1, (1 << 20) - 1, f);
	doc[len] = '\0';
	fclose(f);
	return doc;
}

/* Every key loftdial reads is documented, and the docs' key tables name no other key (not an
 * unused one, not one that no longer exists), so docs and code cannot drift apart. */
static void test_docs_match_keys(void **state)
{
	size_t n, i;
	const struct config_key *k = config_keys(&n);
	char *doc = read_doc(), *p;

	for (i = 0; i < n; i++) {
		char needle[128];

		snprintf(needle, sizeof(needle), "| `%s` |", k[i].name);
		if (config_key_used(k[i].name) && !strstr(doc, needle))
			fail_msg("docs/configuration.md does not document %s", k[i].name);
		if (!config_key_used(k[i].name) && strstr(doc, needle))
			fail_msg("docs/configuration.md documents %s, which nothing reads yet",
			         k[i].name);
	}
	/* Each table row of the form "| `key` |" must name a key that is read. */
	for (p = strstr(doc, "\n| `"); p; p = strstr(p + 1, "\n| `")) {
		char name[128];
		size_t len = strcspn(p + 4, "`");

		if (len >= sizeof(name) || p[4 + len] != '`' || strncmp(p + 4 + len, "` |", 3))
			continue;
		memcpy(name, p + 4, len);
		name[len] = '\0';
		if (!strchr(name, '.') || strchr(name, ' ') || !strncmp(name, "LOFTDIAL_", 9))
			continue; /* the environment table */
		for (i = 0; i < n && strcmp(k[i].name, name); i++)
			;
		if (i == n)
			fail_msg("docs/configuration.md documents %s, which is no key", name);
		if (!config_key_used(name))
			fail_msg("docs/configuration.md documents %s, which nothing reads yet",
			         name);
	}
	free(doc);
}

/* A key declared for a feature not built yet is refused with "not used yet", stays at its
 * default, is left out of the example file, and config_key_used says so. */
static void test_unused_keys(void **state)
{
	char dir[256], path[512], err[256], *text;
	size_t nk, i, len;
	const struct config_key *k = config_keys(&nk);
	struct config *cfg;
	struct warns w;
	FILE *f;

	/* Whichever keys are still held back (the list shrinks as features land). */
	for (i = 0; i < nk; i++) {
		char line[128];

		if (config_key_used(k[i].name))
			continue;
		assert_int_equal(config_new(&cfg), 0);
		snprintf(line, sizeof(line), "dial.lines 2\n%s %s\n", k[i].name, k[i].def);
		parse(cfg, line, &w);
		assert_int_equal(w.n, 1);
		assert_int_equal(w.lines[0], 2);
		assert_non_null(strstr(w.msgs[0], k[i].name));
		assert_non_null(strstr(w.msgs[0], "not used yet"));
		assert_false(config_is_set(cfg, k[i].name));
		assert_int_equal(config_int(cfg, "dial.lines"), 2);
		assert_int_equal(config_set(cfg, k[i].name, k[i].def, err, sizeof(err)), EINVAL);
		assert_non_null(strstr(err, "not used yet"));
		config_free(cfg);
	}
	assert_true(config_key_used("dial.lines"));
	/* The example file offers no unused key. */
	assert_int_equal(tl_tmpdir(dir, sizeof(dir), "cfgunused"), 0);
	snprintf(path, sizeof(path), "%s/config", dir);
	assert_int_equal(config_write_example(path), 0);
	f = fopen(path, "rb");
	assert_non_null(f);
	text = calloc(1, 1 << 16);
	assert_non_null(text);
	len = fread(text, 1, (1 << 16) - 1, f);
	fclose(f);
	assert_true(len > 0);
	for (i = 0; i < nk; i++) {
		char needle[128];

		snprintf(needle, sizeof(needle), "\n#%s ", k[i].name);
		assert_int_equal(strstr(text, needle) != NULL, config_key_used(k[i].name));
	}
	free(text);
	tl_rmrf(dir);
}

/* config_origin names the file and line, the environment variable, or the default. */
static void test_origins(void **state)
{
	struct config *cfg;
	struct warns w;
	char err[64];

	assert_int_equal(config_new(&cfg), 0);
	assert_string_equal(config_origin(cfg, "dial.lines"), "default");
	parse(cfg, "# c\n\ndial.lines 3\nsip.aor sip:a@b\ndial.lines 4\ndial.lines 99\n", &w);
	assert_int_equal(w.n, 1);
	assert_string_equal(config_origin(cfg, "dial.lines"), "test.conf:5");
	assert_string_equal(config_origin(cfg, "sip.aor"), "test.conf:4");
	assert_string_equal(config_origin(cfg, "dial.stagger_ms"), "default");
	assert_string_equal(config_origin(cfg, "no.such.key"), "default");
	setenv("LOFTDIAL_LOG_LEVEL", "debug", 1);
	config_apply_env(cfg);
	unsetenv("LOFTDIAL_LOG_LEVEL");
	assert_string_equal(config_origin(cfg, "log.level"), "environment LOFTDIAL_LOG_LEVEL");
	assert_int_equal(config_set(cfg, "dial.lines", "6", err, sizeof(err)), 0);
	assert_string_equal(config_origin(cfg, "dial.lines"), "set");
	config_free(cfg);
}

/* config_file_set: rows of (file before, key, value, file after, line written). */
struct fset_row {
	const char *before; /* NULL: no file */
	const char *key, *value;
	const char *after;
	unsigned line;
};

static const struct fset_row fset_rows[] = {
        {NULL, "dial.lines", "3", "dial.lines 3\n", 1},
        {"", "dial.lines", "3", "dial.lines 3\n", 1},
        {"# top\n#dial.lines 1\n# end\n", "dial.lines", "4", "# top\ndial.lines 4\n# end\n", 2},
        {"# top\n# dial.lines 1\n", "dial.lines", "4", "# top\ndial.lines 4\n", 2},
        {"dial.lines 2  # two is plenty\n", "dial.lines", "5", "dial.lines 5  # two is plenty\n",
         1},
        {"dial.lines 2\n# keep\ndial.lines 3\n", "dial.lines", "7",
         "dial.lines 2\n# keep\ndial.lines 7\n", 3},
        {"dial.lines 2\n#dial.lines 9\n", "dial.lines", "7", "dial.lines 7\n#dial.lines 9\n", 1},
        {"#dial.lines_x 2\n", "dial.lines", "7", "#dial.lines_x 2\ndial.lines 7\n", 2},
        {"sip.aor sip:a@b", "dial.lines", "7", "sip.aor sip:a@b\ndial.lines 7\n", 2},
        {"# c\n", "sip.caller_id", "Acme # Sales", "# c\nsip.caller_id \"Acme # Sales\"\n", 2},
        {"", "sip.caller_id", " padded", "sip.caller_id \" padded\"\n", 1},
        {"", "sip.caller_id", "", "sip.caller_id \"\"\n", 1},
        {"  dial.lines\t2\r\n", "dial.lines", "8", "dial.lines 8\r\n", 1},
};

static void test_file_set(void **state)
{
	char dir[256], path[512], err[256], got[1024];
	struct config *cfg;
	struct warns w;
	struct stat st;
	unsigned line;
	size_t i, len;
	FILE *f;

	assert_int_equal(tl_tmpdir(dir, sizeof(dir), "cfgset"), 0);
	snprintf(path, sizeof(path), "%s/config", dir);
	for (i = 0; i < sizeof(fset_rows) / sizeof(fset_rows[0]); i++) {
		const struct fset_row *r = &fset_rows[i];

		unlink(path);
		if (r->before) {
			f = fopen(path, "wb");
			assert_non_null(f);
			fputs(r->before, f);
			fclose(f);
		}
		line = 0;
		if (config_file_set(path, r->key, r->value, &line, err, sizeof(err)))
			fail_msg("row %zu: %s", i, err);
		f = fopen(path, "rb");
		assert_non_null(f);
		len = fread(got, 1, sizeof(got) - 1, f);
		got[len] = '\0';
		fclose(f);
		if (strcmp(got, r->after))
			fail_msg("row %zu: file is\n%s\nexpected\n%s", i, got, r->after);
		assert_int_equal(line, r->line);
		/* What was written reads back as the value, from that line, without warnings. */
		assert_int_equal(config_new(&cfg), 0);
		memset(&w, 0, sizeof(w));
		assert_int_equal(config_load(cfg, path, collect, &w), 0);
		assert_int_equal(w.n, 0);
		assert_string_equal(config_str(cfg, r->key), r->value);
		config_free(cfg);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	/* Bad keys and values change nothing. */
	f = fopen(path, "wb");
	assert_non_null(f);
	fputs("dial.lines 2\n", f);
	fclose(f);
	assert_int_equal(config_file_set(path, "dial.lines", "12", &line, err, sizeof(err)),
	                 EINVAL);
	assert_non_null(strstr(err, "1..9"));
	assert_int_equal(config_file_set(path, "no.such", "1", &line, err, sizeof(err)), EINVAL);
	assert_int_equal(config_file_set(path, "sip.aor", "a\nb", &line, err, sizeof(err)), EINVAL);
	{
		size_t nk;
		const struct config_key *k = config_keys(&nk);

		for (i = 0; i < nk; i++)
			if (!config_key_used(k[i].name))
				assert_int_equal(config_file_set(path, k[i].name, k[i].def, &line,
				                                 err, sizeof(err)),
				                 EINVAL);
	}
	f = fopen(path, "rb");
	assert_non_null(f);
	len = fread(got, 1, sizeof(got) - 1, f);
	got[len] = '\0';
	fclose(f);
	assert_string_equal(got, "dial.lines 2\n");
	tl_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults),     cmocka_unit_test(test_table),
	        cmocka_unit_test(test_warning_text), cmocka_unit_test(test_hostile_sizes),
	        cmocka_unit_test(test_set_and_env),  cmocka_unit_test(test_files),
	        cmocka_unit_test(test_rtp_ports),    cmocka_unit_test(test_docs_match_keys),
	        cmocka_unit_test(test_unused_keys),  cmocka_unit_test(test_origins),
	        cmocka_unit_test(test_file_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

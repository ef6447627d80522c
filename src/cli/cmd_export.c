/*
 * `loftdial export OBJECT --format csv|jsonl [--raw] [--include-deleted]`: the common model
 * as files other tools read.
 *
 * Without --raw the rows come from the documented SQL views (docs/sync.md lists their
 * columns), so an export has exactly the shape a tool querying the database would see.
 * --raw writes each record's JSON as Salesloft sent it (JSON lines only), which is what the
 * tests compare. Output is data for programs and is written as stored; CSV quoting follows
 * RFC 4180. When stdout is a terminal, though, the text is hostile like any other stored
 * string: escape sequences and control characters are stripped before they reach it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "loftdial/cli.h"
#include "loftdial/records.h"
#include "loftdial/store.h"
#include "loftdial/text.h"

/* True when the output is a terminal, so stored text must be sanitised on its way out. */
static bool to_tty;

/* Writes s followed by end, sanitised first when the output is a terminal. */
static void put_text(FILE *f, const char *s, const char *end)
{
	size_t len = strlen(s);
	char *clean;

	if (!to_tty || text_is_clean(s)) {
		fputs(s, f);
		fputs(end, f);
		return;
	}
	clean = malloc(len + 1);
	if (clean) {
		text_sanitize(clean, len + 1, s, false);
		fputs(clean, f);
		free(clean);
	}
	fputs(end, f);
}

/* Exportable names → view (and the stored object for --raw). */
static const struct {
	const char *name, *alias;
	const char *sql;
	int obj; /* enum store_obj, -1 when derived */
} views[] = {
        {"contacts", "people", "SELECT * FROM contacts ORDER BY id", STORE_PEOPLE},
        {"accounts", NULL, "SELECT * FROM accounts ORDER BY id", STORE_ACCOUNTS},
        {"users", NULL, "SELECT * FROM users ORDER BY id", STORE_USERS},
        {"sequences", "cadences", "SELECT * FROM sequences ORDER BY id", STORE_CADENCES},
        {"sequence_states", "cadence_memberships", "SELECT * FROM sequence_states ORDER BY id",
         STORE_MEMBERSHIPS},
        {"sequence_steps", "steps", "SELECT * FROM sequence_steps ORDER BY id", STORE_STEPS},
        {"call_dispositions", NULL, "SELECT * FROM call_dispositions ORDER BY id",
         STORE_DISPOSITIONS},
        {"call_sentiments", NULL, "SELECT * FROM call_sentiments ORDER BY id", STORE_SENTIMENTS},
        {"calls", NULL, "SELECT * FROM calls ORDER BY id", STORE_CALLS},
        {"emails", NULL, "SELECT * FROM emails ORDER BY id", STORE_EMAILS},
        {"mailboxes", NULL, "SELECT * FROM mailboxes ORDER BY email_address", -1},
};

/* Writes s as a quoted CSV field, doubling quotes. */
static void csv_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Writes one CSV field, quoted when it must be. On a terminal a field with control
 * characters is sanitised first (its newlines become blanks), then quoted as usual. */
static void csv_field(FILE *f, const char *s)
{
	char *clean = NULL;

	if (!s)
		return;
	if (to_tty && !text_is_clean(s)) {
		size_t len = strlen(s);

		clean = malloc(len + 1);
		if (!clean)
			return;
		text_sanitize(clean, len + 1, s, false);
		s = clean;
	}
	if (!strpbrk(s, ",\"\r\n") && s[0] != ' ' && (!*s || s[strlen(s) - 1] != ' '))
		fputs(s, f);
	else
		csv_quoted(f, s);
	free(clean);
}

/* Writes the rows of sql as CSV or JSON lines. */
static int export_view(struct store *st, const char *sql, bool csv, FILE *f)
{
	sqlite3_stmt *stmt = NULL;
	int rc, i, ncol;

	rc = sqlite3_prepare_v2(store_sqlite(st), sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "export");
	ncol = sqlite3_column_count(stmt);
	if (csv) {
		for (i = 0; i < ncol; i++) {
			if (i)
				fputc(',', f);
			csv_field(f, sqlite3_column_name(stmt, i));
		}
		fputs("\r\n", f);
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		cJSON *row = csv ? NULL : cJSON_CreateObject();
		char *line;

		for (i = 0; i < ncol; i++) {
			int t = sqlite3_column_type(stmt, i);
			const char *name = sqlite3_column_name(stmt, i);
			const char *text = (const char *)sqlite3_column_text(stmt, i);

			if (csv) {
				if (i)
					fputc(',', f);
				csv_field(f, t == SQLITE_NULL ? NULL : text);
				continue;
			}
			if (!row)
				break;
			if (t == SQLITE_INTEGER)
				cJSON_AddNumberToObject(row, name,
				                        (double)sqlite3_column_int64(stmt, i));
			else if (t == SQLITE_FLOAT)
				cJSON_AddNumberToObject(row, name, sqlite3_column_double(stmt, i));
			else if (t == SQLITE_NULL)
				cJSON_AddNullToObject(row, name);
			else
				cJSON_AddStringToObject(row, name, text ? text : "");
		}
		if (csv) {
			fputs("\r\n", f);
			continue;
		}
		line = row ? cJSON_PrintUnformatted(row) : NULL;
		cJSON_Delete(row);
		if (!line) {
			sqlite3_finalize(stmt);
			return ENOMEM;
		}
		put_text(f, line, "\n");
		cJSON_free(line);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : store_errno(rc);
}

/* One raw record per line. */
static int raw_line(const char *json, void *arg)
{
	put_text(arg, json, "\n");
	return 0;
}

/* A bad command line: one line on what is wrong and what is valid, then the usage. The
 * argument is shown sanitised: it is whatever was typed. */
__attribute__((format(printf, 1, 2))) static int export_usage(const char *fmt, ...)
{
	char line[256], clean[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	text_sanitize(clean, sizeof(clean), line, false);
	fprintf(stderr, "loftdial export: %s\n", clean);
	return cli_usage(cli_find("export"));
}

int cmd_export(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *what = NULL, *format = NULL;
	bool raw = false, deleted = false;
	struct store *st = NULL;
	size_t i, v = sizeof(views) / sizeof(views[0]);
	int err, k;

	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--format") && k + 1 < argc)
			format = argv[++k];
		else if (!strncmp(argv[k], "--format=", 9))
			format = argv[k] + 9;
		else if (!strcmp(argv[k], "--raw"))
			raw = true;
		else if (!strcmp(argv[k], "--include-deleted"))
			deleted = true;
		else if (!what && argv[k][0] != '-')
			what = argv[k];
		else
			return export_usage(argv[k][0] == '-' ? "unknown option '%.64s'"
			                                      : "one OBJECT only; '%.64s' is extra",
			                    argv[k]);
	}
	if (!what)
		return export_usage("%s",
		                    "which OBJECT? (e.g. loftdial export people --format csv)");
	if (!format)
		return export_usage("%s", "--format is required: csv or jsonl");
	if (strcmp(format, "csv") && strcmp(format, "jsonl"))
		return export_usage("--format is csv or jsonl, not '%.32s'", format);
	for (i = 0; i < sizeof(views) / sizeof(views[0]); i++)
		if (!strcmp(what, views[i].name) ||
		    (views[i].alias && !strcmp(what, views[i].alias)))
			v = i;
	if (v == sizeof(views) / sizeof(views[0]))
		return export_usage("no object '%.64s'", what);
	if ((raw || deleted) && (strcmp(format, "jsonl") || views[v].obj < 0)) {
		fprintf(stderr,
		        "loftdial export: --raw and --include-deleted need --format jsonl and "
		        "a synced object\n");
		return CLI_USAGE;
	}
	to_tty = isatty(STDOUT_FILENO);
	err = store_open(&st, ctx->paths.db_file);
	if (err) {
		fprintf(stderr, "loftdial export: cannot open %s: %s\n", ctx->paths.db_file,
		        strerror(err));
		return CLI_FAIL;
	}
	if (raw || deleted)
		err = records_foreach(st, (enum store_obj)views[v].obj, deleted, raw_line, stdout);
	else
		err = export_view(st, views[v].sql, !strcmp(format, "csv"), stdout);
	store_close(st);
	if (fflush(stdout) || err) {
		fprintf(stderr, "loftdial export: %s\n", strerror(err ? err : EIO));
		return CLI_FAIL;
	}
	return CLI_OK;
}

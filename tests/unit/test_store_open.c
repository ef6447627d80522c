/*
 * Unit tests for store: opening (file modes, WAL, errors for unusable files), forward
 * migrations and the refusal of newer files, transactions and their nesting, the meta table,
 * object names, and that every column the records map extracts exists in the schema.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/store/store_int.h"
#include "loftdial/records.h"
#include "loftdial/store.h"
#include "loftdial/text.h"
#include "storetest.h"
#include "testlib.h"

/* A folder for the test's store file; the tests open it themselves. */
static int setup(void **state)
{
	return storetest_setup_dir(state, "ld-store");
}

/* Runs one query returning a single integer. */
static int64_t q_int(struct store *st, const char *sql)
{
	return storetest_int(st, sql, 0);
}

/* Upserts a small person. */
static int put_person(struct store *st, int64_t id, const char *name)
{
	char json[256];
	cJSON *rec;
	int err;

	(void)text_printf(json, sizeof(json),
	                  "{\"id\":%lld,\"updated_at\":\"2024-03-07T04:26:14.444910-05:00\","
	                  "\"first_name\":\"%s\",\"last_name\":\"Tester\"}",
	                  (long long)id, name);
	rec = cJSON_Parse(json);
	assert_non_null(rec);
	err = records_upsert(st, STORE_PEOPLE, rec, 0);
	cJSON_Delete(rec);
	return err;
}

static void test_obj_names(void **state)
{
	static const struct {
		const char *name;
		int err;
		enum store_obj obj;
	} rows[] = {
	        {NULL, EINVAL, 0},
	        {"", EINVAL, 0},
	        {"People", EINVAL, 0},
	        {"people ", EINVAL, 0},
	        {"'; DROP TABLE sl_people;--", EINVAL, 0},
	        {"people", 0, STORE_PEOPLE},
	        {"contacts", 0, STORE_PEOPLE},
	        {"users", 0, STORE_USERS},
	        {"accounts", 0, STORE_ACCOUNTS},
	        {"cadences", 0, STORE_CADENCES},
	        {"cadence_memberships", 0, STORE_MEMBERSHIPS},
	        {"steps", 0, STORE_STEPS},
	        {"call_dispositions", 0, STORE_DISPOSITIONS},
	        {"call_sentiments", 0, STORE_SENTIMENTS},
	        {"calls", 0, STORE_CALLS},
	        {"emails", 0, STORE_EMAILS},
	};
	enum store_obj o;
	unsigned i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		o = STORE_OBJ_COUNT;
		assert_int_equal(store_obj_parse(rows[i].name, &o), rows[i].err);
		if (!rows[i].err)
			assert_int_equal(o, rows[i].obj);
	}
	for (i = 0; i < STORE_OBJ_COUNT; i++) {
		assert_int_equal(store_obj_parse(store_obj_name((enum store_obj)i), &o), 0);
		assert_int_equal(o, i);
	}
	assert_string_equal(store_obj_name(STORE_OBJ_COUNT), "?");
	assert_string_equal(store_obj_name((enum store_obj) - 1), "?");
	assert_int_equal(store_obj_parse("people", NULL), EINVAL);
}

static void test_open_bad_args(void **state)
{
	struct store *st = (struct store *)1;

	assert_int_equal(store_open(NULL, "x.db"), EINVAL);
	assert_int_equal(store_open(&st, NULL), EINVAL);
	assert_int_equal(store_open(&st, ""), EINVAL);
	assert_null(st);
	store_close(NULL);
	assert_int_equal(store_begin(NULL), EINVAL);
	assert_int_equal(store_commit(NULL), EINVAL);
	store_rollback(NULL);
	assert_null(store_sqlite(NULL));
	assert_int_equal(store_schema_version(NULL), -1);
}

/* A new file is 0600 whatever the umask, WAL is on, foreign keys and the busy timeout set. */
static void test_open_creates_0600_wal(void **state)
{
	struct storetest *fx = *state;
	struct store *st;
	struct stat sb;
	char wal[700];
	mode_t old = umask(0);

	assert_int_equal(store_open(&st, fx->path), 0);
	umask(old);
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(q_int(st, "PRAGMA foreign_keys"), 1);
	assert_int_equal(put_person(st, 1, "Ann"), 0);
	/* The WAL file exists while the store is open, with the database's mode. */
	(void)text_printf(wal, sizeof(wal), "%s-wal", fx->path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	{
		sqlite3_stmt *stmt;

		assert_int_equal(sqlite3_prepare_v2(store_sqlite(st), "PRAGMA journal_mode", -1,
		                                    &stmt, NULL),
		                 SQLITE_OK);
		assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "wal");
		sqlite3_finalize(stmt);
	}
	assert_int_equal(q_int(st, "PRAGMA busy_timeout"), 5000);
	assert_string_equal(store_path(st), fx->path);
	store_close(st);

	/* An existing file with loose permissions is tightened. */
	assert_int_equal(chmod(fx->path, 0644), 0);
	assert_int_equal(store_open(&st, fx->path), 0);
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	store_close(st);
}

/* Whether another process sees a shared lock on the database file (SQLite's SHARED range),
 * asked from a child with a descriptor of its own. */
static bool shared_lock_seen(const char *path)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct flock fl = {.l_type = F_WRLCK,
		                   .l_whence = SEEK_SET,
		                   .l_start = 1073741826,
		                   .l_len = 510};
		int fd = open(path, O_RDONLY);

		if (fd < 0 || fcntl(fd, F_GETLK, &fl) != 0)
			_exit(2);
		_exit(fl.l_type == F_RDLCK ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_not_equal(WEXITSTATUS(status), 2);
	return WEXITSTATUS(status) == 0;
}

/* A second connection opened in the same process (the TUI has two) leaves the first one's
 * locks in place: were they dropped, another process closing its connection would take itself
 * for the last one and delete the WAL under both. */
static void test_second_open_keeps_locks(void **state)
{
	struct storetest *fx = *state;
	struct store *a, *b;
	struct stat sb;
	char wal[700];

	assert_int_equal(store_open(&a, fx->path), 0);
	assert_int_equal(put_person(a, 1, "Ann"), 0);
	assert_true(shared_lock_seen(fx->path));
	assert_int_equal(store_open(&b, fx->path), 0);
	assert_true(shared_lock_seen(fx->path));
	assert_int_equal(put_person(b, 2, "Bob"), 0);
	(void)text_printf(wal, sizeof(wal), "%s-wal", fx->path);
	assert_int_equal(stat(wal, &sb), 0);
	store_close(b);
	assert_true(shared_lock_seen(fx->path));
	assert_int_equal(q_int(a, "SELECT count(*) FROM sl_people"), 2);
	store_close(a);
}

static void test_open_memory(void **state)
{
	struct store *st;

	assert_int_equal(store_open(&st, ":memory:"), 0);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(put_person(st, 7, "Mem"), 0);
	store_close(st);
}

/* Files that cannot be a store give error values, never a crash. */
static void test_open_unusable(void **state)
{
	struct storetest *fx = *state;
	struct store *st = NULL;
	char path[700];
	FILE *f;

	/* A missing folder. */
	(void)text_printf(path, sizeof(path), "%s/nope/loftdial.db", fx->dir);
	assert_int_equal(store_open(&st, path), ENOENT);
	assert_null(st);
	/* A folder where the file should be. */
	assert_int_not_equal(store_open(&st, fx->dir), 0);
	assert_null(st);
	/* A file that is not a database. */
	(void)text_printf(path, sizeof(path), "%s/garbage.db", fx->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 400; i++)
		fputs("this is not an SQLite database at all\n", f);
	fclose(f);
	assert_int_equal(store_open(&st, path), EBADMSG);
	assert_null(st);
}

/* The read-only check itself, run as an unprivileged user (root ignores file modes). */
static int open_readonly_as_user(const char *path)
{
	struct store *st = NULL;
	int err = store_open(&st, path);

	store_close(st);
	return err;
}

static void test_open_readonly_file(void **state)
{
	struct storetest *fx = *state;
	struct store *st;
	pid_t pid;
	int status, err;

	assert_int_equal(store_open(&st, fx->path), 0);
	assert_int_equal(put_person(st, 1, "Ann"), 0);
	store_close(st);
	assert_int_equal(chmod(fx->path, 0444), 0);
	if (geteuid() != 0) {
		err = open_readonly_as_user(fx->path);
		assert_true(err == EACCES || err == EROFS);
		return;
	}
	/* As root, prove it as "nobody" in a child: the folder must be reachable. */
	assert_int_equal(chmod(fx->dir, 0755), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(99);
		err = open_readonly_as_user(fx->path);
		_exit(err == EACCES || err == EROFS ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Writes refused by the database (read-only connection, full disk) are error values, and the
 * store stays usable afterwards. */
static void test_write_failures(void **state)
{
	struct storetest *fx = *state;
	struct store *st;
	char *big;
	cJSON *rec;
	int64_t pages, n;
	int err, i;

	assert_int_equal(store_open(&st, fx->path), 0);
	assert_int_equal(put_person(st, 1, "Ann"), 0);

	/* Read-only: every write path says EROFS. */
	assert_int_equal(sqlite3_exec(store_sqlite(st), "PRAGMA query_only = 1", NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(put_person(st, 2, "Bob"), EROFS);
	assert_int_equal(store_meta_set(st, "k", "v"), EROFS);
	assert_int_equal(records_delete(st, STORE_PEOPLE, 1), EROFS);
	assert_int_equal(sqlite3_exec(store_sqlite(st), "PRAGMA query_only = 0", NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(put_person(st, 2, "Bob"), 0);

	/* Full disk: cap the file at its current size and write big records. */
	pages = q_int(st, "PRAGMA page_count");
	{
		char sql[64];

		(void)text_printf(sql, sizeof(sql), "PRAGMA max_page_count = %lld",
		                  (long long)pages + 2);
		assert_int_equal(sqlite3_exec(store_sqlite(st), sql, NULL, NULL, NULL), SQLITE_OK);
	}
	big = malloc(20000);
	assert_non_null(big);
	memset(big, 'x', 19999);
	big[19999] = '\0';
	assert_int_equal(store_begin(st), 0);
	err = 0;
	for (i = 0; i < 50 && !err; i++) {
		rec = cJSON_CreateObject();
		cJSON_AddNumberToObject(rec, "id", 1000 + i);
		cJSON_AddStringToObject(rec, "title", big);
		err = records_upsert(st, STORE_PEOPLE, rec, 0);
		cJSON_Delete(rec);
	}
	assert_int_equal(err, ENOSPC);
	store_rollback(st);
	assert_int_equal(store_tx_depth(st), 0);
	assert_int_equal(sqlite3_exec(store_sqlite(st), "PRAGMA max_page_count = 1073741823", NULL,
	                              NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(records_count(st, STORE_PEOPLE, true, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(put_person(st, 3, "Cy"), 0);
	free(big);
	store_close(st);
}

static void test_transactions_nest(void **state)
{
	struct storetest *fx = *state;
	struct store *st;
	int64_t n;

	assert_int_equal(store_open(&st, fx->path), 0);
	assert_int_equal(store_commit(st), EINVAL); /* nothing open */
	store_rollback(st);                         /* harmless */

	/* Outer commit keeps an inner committed level. */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(put_person(st, 1, "A"), 0);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_tx_depth(st), 2);
	assert_int_equal(put_person(st, 2, "B"), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_tx_depth(st), 0);
	assert_int_equal(records_count(st, STORE_PEOPLE, false, &n), 0);
	assert_int_equal(n, 2);

	/* An inner rollback undoes only the inner level. */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(put_person(st, 3, "C"), 0);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(put_person(st, 4, "D"), 0);
	store_rollback(st);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(records_count(st, STORE_PEOPLE, false, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(records_is_live(st, STORE_PEOPLE, 4, &(bool){true}), 0);

	/* An outer rollback undoes everything, inner commits included. */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(put_person(st, 5, "E"), 0);
	assert_int_equal(store_commit(st), 0);
	store_rollback(st);
	assert_int_equal(records_count(st, STORE_PEOPLE, false, &n), 0);
	assert_int_equal(n, 3);
	store_close(st);
}

/* A second connection cannot write while the first holds the write lock: EBUSY after the
 * busy timeout (shortened here so the test stays fast). */
static void test_busy(void **state)
{
	struct storetest *fx = *state;
	struct store *a, *b;

	assert_int_equal(store_open(&a, fx->path), 0);
	assert_int_equal(store_open(&b, fx->path), 0);
	sqlite3_busy_timeout(store_sqlite(b), 50);
	assert_int_equal(store_begin(a), 0);
	assert_int_equal(store_begin(b), EBUSY);
	assert_int_equal(store_tx_depth(b), 0);
	assert_int_equal(store_meta_set(b, "k", "v"), EBUSY);
	assert_int_equal(store_commit(a), 0);
	assert_int_equal(store_meta_set(b, "k", "v"), 0);
	store_close(b);
	/* Closing with a transaction open rolls it back rather than leaking it. */
	assert_int_equal(store_begin(a), 0);
	assert_int_equal(store_meta_set(a, "k", "lost"), 0);
	store_close(a);
	assert_int_equal(store_open(&a, fx->path), 0);
	{
		char v[16];

		assert_int_equal(store_meta_get(a, "k", v, sizeof(v)), 0);
		assert_string_equal(v, "v");
	}
	store_close(a);
}

static void test_meta(void **state)
{
	struct store *st;
	char v[8], big[6000];

	assert_int_equal(store_open(&st, ":memory:"), 0);
	assert_int_equal(store_meta_get(st, "missing", v, sizeof(v)), ENOENT);
	assert_string_equal(v, "");
	assert_int_equal(store_meta_set(st, "", "x"), EINVAL);
	assert_int_equal(store_meta_set(st, NULL, "x"), EINVAL);
	assert_int_equal(store_meta_get(st, "k", v, 0), EINVAL);
	assert_int_equal(store_meta_set(st, "k", "'; DROP TABLE meta;--"), 0);
	assert_int_equal(store_meta_get(st, "k", v, sizeof(v)), E2BIG);
	assert_string_equal(v, "'; DROP");
	assert_int_equal(store_meta_set(st, "k", "short"), 0);
	assert_int_equal(store_meta_get(st, "k", v, sizeof(v)), 0);
	assert_string_equal(v, "short");
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(store_meta_set(st, "big", big), 0);
	{
		char back[sizeof(big)];

		assert_int_equal(store_meta_get(st, "big", back, sizeof(back)), 0);
		assert_string_equal(back, big);
	}
	assert_int_equal(store_meta_set(st, "k", NULL), 0);
	assert_int_equal(store_meta_get(st, "k", v, sizeof(v)), ENOENT);
	store_close(st);
}

/* A test-only step 2 on top of the real list. */
static const char v2_sql[] = "ALTER TABLE sl_people ADD COLUMN nickname TEXT;"
                             "CREATE TABLE test_v2 (x INTEGER);"
                             "INSERT INTO test_v2 VALUES (42);"
                             "UPDATE sl_people SET nickname = 'n' || id;";
static const char bad_v2_sql[] = "CREATE TABLE partial_v2 (x INTEGER);"
                                 "ALTER TABLE no_such_table ADD COLUMN y TEXT;";

/* Builds the real steps plus one extra into steps; returns the count. */
static size_t steps_plus(struct store_migration *steps, size_t max, const char *sql)
{
	const struct store_migration *real;
	size_t n, i;

	real = store_schema_steps(&n);
	assert_true(n + 1 <= max);
	for (i = 0; i < n; i++)
		steps[i] = real[i];
	steps[n].version = real[n - 1].version + 1;
	steps[n].what = "test step";
	steps[n].sql = sql;
	return n + 1;
}

static void test_migrate_forward_keeps_data(void **state)
{
	struct storetest *fx = *state;
	struct store_migration steps[16];
	struct store *st;
	char *json = NULL;
	size_t n;
	int64_t count;

	/* A database at the current version with rows in it. */
	assert_int_equal(store_open(&st, fx->path), 0);
	assert_int_equal(put_person(st, 11, "Old"), 0);
	assert_int_equal(put_person(st, 12, "Older"), 0);
	assert_int_equal(store_meta_set(st, "keep", "me"), 0);
	store_close(st);

	/* A build that knows one more step upgrades it, data intact. */
	n = steps_plus(steps, 16, v2_sql);
	assert_int_equal(store_open_with(&st, fx->path, steps, n), 0);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION + 1);
	assert_int_equal(q_int(st, "SELECT x FROM test_v2"), 42);
	assert_int_equal(q_int(st, "SELECT count(*) FROM sl_people WHERE nickname = 'n11'"), 1);
	assert_int_equal(records_count(st, STORE_PEOPLE, false, &count), 0);
	assert_int_equal(count, 2);
	assert_int_equal(records_get_json(st, STORE_PEOPLE, 12, &json), 0);
	assert_non_null(strstr(json, "\"Older\""));
	free(json);
	store_close(st);
	/* Opening again with the same list migrates nothing. */
	assert_int_equal(store_open_with(&st, fx->path, steps, n), 0);
	assert_int_equal(q_int(st, "SELECT count(*) FROM test_v2"), 1);
	store_close(st);

	/* This build (one version behind) refuses the newer file and leaves it alone. */
	st = (struct store *)1;
	assert_int_equal(store_open(&st, fx->path), EPROTO);
	assert_null(st);
	assert_int_equal(store_open_with(&st, fx->path, steps, n), 0);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION + 1);
	store_close(st);
}

/* A failing step leaves the version and the data as they were (the step is atomic). */
static void test_migrate_failure_rolls_back(void **state)
{
	struct storetest *fx = *state;
	struct store_migration steps[16];
	struct store *st;
	size_t n;

	assert_int_equal(store_open(&st, fx->path), 0);
	assert_int_equal(put_person(st, 21, "Keep"), 0);
	store_close(st);
	n = steps_plus(steps, 16, bad_v2_sql);
	st = (struct store *)1;
	assert_int_not_equal(store_open_with(&st, fx->path, steps, n), 0);
	assert_null(st);
	assert_int_equal(store_open(&st, fx->path), 0);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(q_int(st, "SELECT count(*) FROM sqlite_master WHERE name = 'partial_v2'"),
	                 0);
	assert_int_equal(q_int(st, "SELECT count(*) FROM sl_people WHERE id = 21"), 1);
	store_close(st);
}

/* An old database built by hand (v1 SQL run by another program, rows inserted with plain
 * SQL) opens, migrates to the current version with its rows intact, and the triggers indexed
 * what the other program wrote. */
static void test_hand_built_v1(void **state)
{
	struct storetest *fx = *state;
	const struct store_migration *steps;
	struct store *st;
	sqlite3 *db;
	char *json = NULL;
	size_t n;

	steps = store_schema_steps(&n);
	assert_true(n >= 1);
	assert_int_equal(steps[0].version, 1);
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, steps[0].sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "PRAGMA user_version = 1;"
	                              "INSERT INTO sl_people (id, synced_at, raw, first_name, "
	                              "last_name, phone) VALUES (5, 0, '{\"id\":5}', 'Hand', "
	                              "'Made', '+1 (555) 010-9999');",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(&st, fx->path), 0);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(records_get_json(st, STORE_PEOPLE, 5, &json), 0);
	assert_string_equal(json, "{\"id\":5}");
	free(json);
	assert_int_equal(q_int(st, "SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH "
	                           "'\"5550109999\"'"),
	                 5);
	store_close(st);
}

/* Version 6: a database of version 5 whose people have extensions in their phone fields
 * opens with those people indexed by the number before the extension (the migration indexes
 * them again), the others as they were, and a phone written later is indexed the same way. */
static void test_v6_phone_extensions(void **state)
{
	struct storetest *fx = *state;
	const struct store_migration *steps;
	struct store *st;
	sqlite3 *db;
	size_t n;

	steps = store_schema_steps(&n);
	assert_true(n >= 6);
	assert_int_equal(steps[4].version, 5);
	assert_int_equal(store_open_with(&st, fx->path, steps, 5), 0);
	store_close(st);
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "INSERT INTO sl_people (id, synced_at, raw, phone, "
	                              "mobile_phone) VALUES (1, 0, '{}', '+1 415 555 0177 x12', "
	                              "NULL), (2, 0, '{}', NULL, '(415) 555-0188;ext=3'), "
	                              "(3, 0, '{}', '415-555-0199', NULL);",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(&st, fx->path), 0);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	assert_int_equal(q_int(st, "SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH "
	                           "'phones : \"5550177\"'"),
	                 1);
	assert_int_equal(q_int(st, "SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH "
	                           "'phones : \"4155550188\"'"),
	                 2);
	assert_int_equal(q_int(st, "SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH "
	                           "'phones : \"5550199\"'"),
	                 3);
	/* The phone as written stays a token: the extension can still be typed. */
	assert_int_equal(q_int(st, "SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH "
	                           "'phones : x12'"),
	                 1);
	assert_int_equal(q_int(st, "SELECT count(*) FROM contacts_fts"), 3);
	store_close(st);
}

/* Every column the records map extracts exists in its table (map and schema agree). */
static void test_schema_matches_map(void **state)
{
	struct store *st;
	const char *cols[32];
	size_t n, i;
	unsigned o;

	assert_int_equal(store_open(&st, ":memory:"), 0);
	for (o = 0; o < STORE_OBJ_COUNT; o++) {
		char table[64], sql[256];

		n = records_mapped_columns((enum store_obj)o, cols, 32);
		assert_true(n > 0);
		(void)text_printf(table, sizeof(table), "sl_%s", store_obj_name((enum store_obj)o));
		for (i = 0; i < n; i++) {
			(void)text_printf(
			        sql, sizeof(sql),
			        "SELECT count(*) FROM pragma_table_info('%s') WHERE name = "
			        "'%s'",
			        table, cols[i]);
			if (q_int(st, sql) != 1)
				fail_msg("%s.%s is mapped but missing", table, cols[i]);
		}
	}
	/* The views other tools read exist. */
	assert_int_equal(q_int(st, "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND "
	                           "name IN ('contacts','accounts','users','sequences',"
	                           "'sequence_states','sequence_steps','emails','mailboxes',"
	                           "'calls','call_dispositions','call_sentiments')"),
	                 11);
	store_close(st);
}

/* The statement cache hands back the same statement, reset, for the same SQL. */
static void test_stmt_cache(void **state)
{
	static const char sql[] = "SELECT ?1";
	struct store *st;
	sqlite3_stmt *a, *b;

	assert_int_equal(store_open(&st, ":memory:"), 0);
	assert_int_equal(store_stmt(st, sql, &a), 0);
	sqlite3_bind_int(a, 1, 5);
	assert_int_equal(sqlite3_step(a), SQLITE_ROW);
	assert_int_equal(store_stmt(st, sql, &b), 0);
	assert_ptr_equal(a, b);
	assert_int_equal(sqlite3_step(b), SQLITE_ROW);
	assert_int_equal(sqlite3_column_type(b, 0), SQLITE_NULL); /* bindings cleared */
	store_stmt_end(b);
	store_stmt_end(NULL);
	assert_int_equal(store_stmt(st, "SELEC nonsense", &a), EIO);
	assert_null(a);
	assert_int_equal(store_stmt(NULL, sql, &a), EINVAL);
	store_close(st);
}

static void test_errno_map(void **state)
{
	static const struct {
		int rc, err;
	} rows[] = {
	        {SQLITE_OK, 0},
	        {SQLITE_DONE, 0},
	        {SQLITE_ROW, 0},
	        {SQLITE_BUSY, EBUSY},
	        {SQLITE_BUSY_SNAPSHOT, EBUSY},
	        {SQLITE_LOCKED, EBUSY},
	        {SQLITE_FULL, ENOSPC},
	        {SQLITE_READONLY, EROFS},
	        {SQLITE_READONLY_DBMOVED, EROFS},
	        {SQLITE_CONSTRAINT_UNIQUE, EEXIST},
	        {SQLITE_NOMEM, ENOMEM},
	        {SQLITE_NOTADB, EBADMSG},
	        {SQLITE_CORRUPT, EBADMSG},
	        {SQLITE_CANTOPEN, EACCES},
	        {SQLITE_TOOBIG, E2BIG},
	        {SQLITE_IOERR_WRITE, EIO},
	        {SQLITE_ERROR, EIO},
	};
	unsigned i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(store_errno(rows[i].rc), rows[i].err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_obj_names),
	        cmocka_unit_test(test_open_bad_args),
	        cmocka_unit_test(test_errno_map),
	        cmocka_unit_test_setup_teardown(test_open_creates_0600_wal, setup,
	                                        storetest_teardown),
	        cmocka_unit_test_setup_teardown(test_second_open_keeps_locks, setup,
	                                        storetest_teardown),
	        cmocka_unit_test(test_open_memory),
	        cmocka_unit_test_setup_teardown(test_open_unusable, setup, storetest_teardown),
	        cmocka_unit_test_setup_teardown(test_open_readonly_file, setup, storetest_teardown),
	        cmocka_unit_test_setup_teardown(test_write_failures, setup, storetest_teardown),
	        cmocka_unit_test_setup_teardown(test_transactions_nest, setup, storetest_teardown),
	        cmocka_unit_test_setup_teardown(test_busy, setup, storetest_teardown),
	        cmocka_unit_test(test_meta),
	        cmocka_unit_test_setup_teardown(test_migrate_forward_keeps_data, setup,
	                                        storetest_teardown),
	        cmocka_unit_test_setup_teardown(test_migrate_failure_rolls_back, setup,
	                                        storetest_teardown),
	        cmocka_unit_test_setup_teardown(test_hand_built_v1, setup, storetest_teardown),
	        cmocka_unit_test_setup_teardown(test_v6_phone_extensions, setup,
	                                        storetest_teardown),
	        cmocka_unit_test(test_schema_matches_map),
	        cmocka_unit_test(test_stmt_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * store: opening the database file, migrating its schema, transactions, the prepared
 * statement cache, the meta table and the mapping of SQLite errors to errno values.
 *
 * The file is created by open(2) with mode 0600 before SQLite sees it, so the umask never
 * widens it (SQLite gives its -wal and -shm files the database's mode). Migrations are an
 * array of SQL scripts (schema.c); each runs in its own IMMEDIATE transaction together with
 * the PRAGMA user_version bump, and the version is read again under the lock so two processes
 * opening a new file at once do not both migrate it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "loftdial/log.h"
#include "loftdial/store.h"
#include "loftdial/text.h"
#include "store_int.h"

/* Cached statements: open addressing on the SQL text's address. */
#define STMT_SLOTS 512

struct stmt_slot {
	const char *sql;
	sqlite3_stmt *stmt;
};

struct store {
	sqlite3 *db;
	char *path;
	int depth; /* transaction nesting */
	int version;
	struct stmt_slot slots[STMT_SLOTS];
	struct outbox_mem *outbox_mem; /* outbox.c's counts and watchers, NULL until used */
	unsigned busy_ms;              /* how long a write waits for another's lock */
};

static const char *const obj_names[STORE_OBJ_COUNT] = {
        [STORE_USERS] = "users",
        [STORE_ACCOUNTS] = "accounts",
        [STORE_PEOPLE] = "people",
        [STORE_CADENCES] = "cadences",
        [STORE_MEMBERSHIPS] = "cadence_memberships",
        [STORE_STEPS] = "steps",
        [STORE_DISPOSITIONS] = "call_dispositions",
        [STORE_SENTIMENTS] = "call_sentiments",
        [STORE_CALLS] = "calls",
        [STORE_EMAILS] = "emails",
};

/* The API name of an object. */
const char *store_obj_name(enum store_obj obj)
{
	if ((unsigned)obj >= STORE_OBJ_COUNT)
		return "?";
	return obj_names[obj];
}

/* Parses an API name into an object; "contacts" is an alias of people. */
int store_obj_parse(const char *name, enum store_obj *out)
{
	unsigned i;

	if (!name || !out)
		return EINVAL;
	for (i = 0; i < STORE_OBJ_COUNT; i++) {
		if (strcmp(name, obj_names[i]) == 0) {
			*out = (enum store_obj)i;
			return 0;
		}
	}
	if (strcmp(name, "contacts") == 0) {
		*out = STORE_PEOPLE;
		return 0;
	}
	return EINVAL;
}

/* Maps an SQLite (extended) result code to an errno value. */
int store_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return EBUSY;
	case SQLITE_FULL:
		return ENOSPC;
	case SQLITE_READONLY:
		return EROFS;
	case SQLITE_CONSTRAINT:
		return EEXIST;
	case SQLITE_NOMEM:
		return ENOMEM;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return EBADMSG;
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return EACCES;
	case SQLITE_TOOBIG:
		return E2BIG;
	case SQLITE_MISUSE:
	case SQLITE_RANGE:
		return EINVAL;
	default:
		return EIO;
	}
}

/* Logs the connection's last error for what, and returns the errno value for rc. */
int store_fail(struct store *st, int rc, const char *what)
{
	const char *msg = st && st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);

	log_warn("store", "%s: %s (sqlite %d)", what ? what : "sqlite", msg, rc);
	return store_errno(rc) ? store_errno(rc) : EIO;
}

/* Wall-clock unix seconds. */
int64_t store_now(void)
{
	return (int64_t)time(NULL);
}

/* Binds text or NULL. */
int store_bind_text(sqlite3_stmt *stmt, int idx, const char *s)
{
	if (!s)
		return sqlite3_bind_null(stmt, idx);
	return sqlite3_bind_text(stmt, idx, s, -1, SQLITE_TRANSIENT);
}

/* Binds an integer, with 0 meaning NULL. */
int store_bind_int_or_null(sqlite3_stmt *stmt, int idx, int64_t v)
{
	if (v == 0)
		return sqlite3_bind_null(stmt, idx);
	return sqlite3_bind_int64(stmt, idx, v);
}

/* Copies a text column into a fixed buffer. */
void store_col_copy(sqlite3_stmt *stmt, int col, char *out, size_t n)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);

	if (n == 0)
		return;
	(void)text_copy(out, n, s ? (const char *)s : "");
}

/* Duplicates a text column to the heap. */
char *store_col_dup(sqlite3_stmt *stmt, int col, int *err)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);
	int len = sqlite3_column_bytes(stmt, col);
	char *d;

	if (!s)
		return NULL;
	d = text_dupn((const char *)s, (size_t)len);
	if (!d && err)
		*err = ENOMEM;
	return d;
}

/* Hash slot of an SQL text's address. */
static size_t slot_of(const char *sql)
{
	uintptr_t h = (uintptr_t)sql;

	h ^= h >> 17;
	h *= (uintptr_t)0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 7) % STMT_SLOTS;
}

/* Returns the cached statement for sql, preparing it the first time. */
int store_stmt(struct store *st, const char *sql, sqlite3_stmt **out)
{
	size_t i, n;
	int rc;

	if (!st || !sql || !out)
		return EINVAL;
	*out = NULL;
	i = slot_of(sql);
	for (n = 0; n < STMT_SLOTS; n++, i = (i + 1) % STMT_SLOTS) {
		struct stmt_slot *s = &st->slots[i];

		if (s->sql == sql) {
			sqlite3_reset(s->stmt);
			sqlite3_clear_bindings(s->stmt);
			*out = s->stmt;
			return 0;
		}
		if (!s->sql) {
			rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
			                        &s->stmt, NULL);
			if (rc != SQLITE_OK) {
				sqlite3_finalize(s->stmt);
				s->stmt = NULL;
				return store_fail(st, rc, "prepare");
			}
			s->sql = sql;
			*out = s->stmt;
			return 0;
		}
	}
	log_error("store", "statement cache full (%d)", STMT_SLOTS);
	return ENOMEM;
}

/* Resets a cached statement so it holds no read transaction open. */
void store_stmt_end(sqlite3_stmt *stmt)
{
	if (!stmt)
		return;
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

/* Steps a statement that should finish without rows. */
int store_step_done(struct store *st, sqlite3_stmt *stmt, const char *what)
{
	int rc = sqlite3_step(stmt);

	return rc == SQLITE_DONE ? 0 : store_fail(st, rc, what);
}

/* Steps a statement to its first row; ENOENT when there is none. */
int store_step_row(struct store *st, sqlite3_stmt *stmt, const char *what)
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? ENOENT : store_fail(st, rc, what);
}

/* Runs one cached statement that returns no rows. */
static int run(struct store *st, const char *sql)
{
	sqlite3_stmt *stmt;
	int err, rc;

	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	rc = sqlite3_step(stmt);
	err = rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_fail(st, rc, sql);
	store_stmt_end(stmt);
	return err;
}

/* Starts a transaction, or a savepoint inside one. */
int store_begin(struct store *st)
{
	int err;

	if (!st)
		return EINVAL;
	/* SQLite may have rolled back by itself (e.g. on SQLITE_FULL); resynchronise. */
	if (st->depth > 0 && sqlite3_get_autocommit(st->db))
		st->depth = 0;
	err = run(st, st->depth == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT ld_nest");
	if (!err)
		st->depth++;
	return err;
}

/* Commits the innermost level; the outermost commit makes the work durable. */
int store_commit(struct store *st)
{
	int err;

	if (!st || st->depth == 0)
		return EINVAL;
	if (sqlite3_get_autocommit(st->db)) {
		/* The transaction is already gone (SQLite rolled it back after an error). */
		st->depth = 0;
		log_warn("store", "commit: the transaction was rolled back by an earlier error");
		outbox_mem_tx_end(st, true, true);
		return ECANCELED;
	}
	if (st->depth > 1) {
		err = run(st, "RELEASE ld_nest");
		if (!err)
			st->depth--;
		return err;
	}
	err = run(st, "COMMIT");
	if (err) {
		/* Never leave a half-open transaction behind a failed commit. */
		(void)run(st, "ROLLBACK");
	}
	st->depth = 0;
	outbox_mem_tx_end(st, err != 0, true);
	return err;
}

/* Rolls back the innermost level. */
void store_rollback(struct store *st)
{
	if (!st || st->depth == 0)
		return;
	if (sqlite3_get_autocommit(st->db)) {
		st->depth = 0;
		outbox_mem_tx_end(st, true, true);
		return;
	}
	if (st->depth > 1) {
		(void)run(st, "ROLLBACK TO ld_nest");
		(void)run(st, "RELEASE ld_nest");
		st->depth--;
		outbox_mem_tx_end(st, true, false);
		return;
	}
	(void)run(st, "ROLLBACK");
	st->depth = 0;
	outbox_mem_tx_end(st, true, true);
}

int store_set_busy_timeout(struct store *st, unsigned ms)
{
	if (!st || ms > STORE_BUSY_MAX_MS)
		return EINVAL;
	if (sqlite3_busy_timeout(st->db, (int)ms) != SQLITE_OK)
		return EIO;
	st->busy_ms = ms;
	return 0;
}

unsigned store_busy_timeout(const struct store *st)
{
	return st ? st->busy_ms : 0;
}

/* The outbox's in-memory slot of this connection. */
struct outbox_mem **store_outbox_mem(struct store *st)
{
	return st ? &st->outbox_mem : NULL;
}

/* How deeply transactions are nested. */
int store_tx_depth(const struct store *st)
{
	return st ? st->depth : 0;
}

/* The raw connection. */
sqlite3 *store_sqlite(struct store *st)
{
	return st ? st->db : NULL;
}

/* The path the store was opened with. */
const char *store_path(const struct store *st)
{
	return st ? st->path : NULL;
}

/* This connection's PRAGMA data_version. */
int store_data_version(struct store *st, int64_t *v)
{
	static const char sql[] = "PRAGMA data_version";
	sqlite3_stmt *stmt = NULL;
	int err;

	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	err = store_step_row(st, stmt, "data_version");
	if (!err)
		*v = sqlite3_column_int64(stmt, 0);
	store_stmt_end(stmt);
	return err;
}

/* Another connection's commits and this one's own changes, summed. */
int store_stamp(struct store *st, uint64_t *stamp)
{
	int64_t v;
	int err;

	if (!st || !stamp)
		return EINVAL;
	err = store_data_version(st, &v);
	if (!err)
		*stamp = (uint64_t)v + store_changes(st);
	return err;
}

/* This connection's own row changes. */
uint64_t store_changes(struct store *st)
{
	return st ? (uint64_t)sqlite3_total_changes64(st->db) : 0;
}

/* Reads PRAGMA user_version. */
static int read_version(struct store *st, int *version)
{
	sqlite3_stmt *stmt;
	int err, rc;

	err = store_stmt(st, "PRAGMA user_version", &stmt);
	if (err)
		return err;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*version = sqlite3_column_int(stmt, 0);
		err = 0;
	} else {
		err = store_fail(st, rc, "read schema version");
	}
	store_stmt_end(stmt);
	return err;
}

/* The open file's schema version, -1 on error. */
int store_schema_version(struct store *st)
{
	int v = 0;

	if (!st || read_version(st, &v))
		return -1;
	return v;
}

/* Applies one migration step in its own transaction, unless another process already did. */
static int migrate_step(struct store *st, const struct store_migration *m)
{
	char pragma[48];
	char *errmsg = NULL;
	int err, rc, v = 0;

	err = store_begin(st);
	if (err)
		return err;
	err = read_version(st, &v);
	if (err)
		goto out;
	if (v >= m->version)
		goto out; /* someone else migrated while we waited for the lock */
	if (v != m->version - 1) {
		log_error("store", "%s: schema version %d cannot take migration to %d", st->path, v,
		          m->version);
		err = EPROTO;
		goto out;
	}
	/* Migration scripts are constant DDL from schema.c: nothing to bind. */
	rc = sqlite3_exec(st->db, m->sql, NULL, NULL, &errmsg);
	if (rc != SQLITE_OK) {
		log_error("store", "%s: migration to v%d (%s) failed: %s", st->path, m->version,
		          m->what, errmsg ? errmsg : sqlite3_errstr(rc));
		err = store_errno(rc) ? store_errno(rc) : EIO;
		goto out;
	}
	(void)text_printf(pragma, sizeof(pragma), "PRAGMA user_version = %d", m->version);
	rc = sqlite3_exec(st->db, pragma, NULL, NULL, &errmsg);
	if (rc != SQLITE_OK) {
		err = store_fail(st, rc, "set schema version");
		goto out;
	}
out:
	sqlite3_free(errmsg);
	if (err) {
		store_rollback(st);
		return err;
	}
	err = store_commit(st);
	if (!err && v < m->version)
		log_info("store", "%s: migrated to schema v%d (%s)", st->path, m->version, m->what);
	return err;
}

/* Brings the schema up to the last step, or refuses a newer file. */
static int migrate(struct store *st, const struct store_migration *steps, size_t nsteps)
{
	int target = nsteps ? steps[nsteps - 1].version : 0;
	size_t i;
	int err, v = 0;

	err = read_version(st, &v);
	if (err)
		return err;
	if (v > target) {
		log_error("store",
		          "%s was written by a newer loftdial (schema v%d, this build knows v%d); "
		          "upgrade loftdial or use another data folder",
		          st->path, v, target);
		return EPROTO;
	}
	for (i = 0; i < nsteps; i++) {
		if (steps[i].version <= v)
			continue;
		err = migrate_step(st, &steps[i]);
		if (err)
			return err;
	}
	st->version = target;
	return 0;
}

/* Creates the file 0600 before SQLite opens it; tightens an existing one. An existing file is
 * only looked at by its path: opening and closing it here would drop every POSIX lock this
 * process holds on it (close(2) releases them all), including the shared lock a connection
 * already open in this process keeps in WAL mode; another process closing its own connection
 * would then take itself for the last one and delete the WAL under ours. */
static int prepare_file(const char *path)
{
	struct stat sb;
	int fd, err = 0;

	if (stat(path, &sb) != 0) {
		err = errno;
		if (err != ENOENT) {
			log_error("store", "%s: cannot open for writing: %s", path, strerror(err));
			return err;
		}
		/* A new file: nobody holds a lock on it yet. */
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		err = errno;
		if (err != EEXIST || stat(path, &sb) != 0) {
			err = err == EEXIST ? errno : err;
			log_error("store", "%s: cannot open for writing: %s", path, strerror(err));
			return err;
		}
		err = 0; /* made by another process meanwhile */
	}
	if (!S_ISREG(sb.st_mode)) {
		log_error("store", "%s: not a regular file", path);
		return EINVAL;
	}
	if (access(path, R_OK | W_OK) != 0) {
		err = errno;
		log_error("store", "%s: cannot open for writing: %s", path, strerror(err));
		return err;
	}
	if ((sb.st_mode & 0777) != 0600 && sb.st_uid == geteuid()) {
		/* The file holds credentials: nobody else gets to read it. */
		if (chmod(path, 0600) != 0)
			log_warn("store", "%s: cannot set mode 0600: %s", path, strerror(errno));
	}
	return err;
}

/* Runs a PRAGMA that returns no interesting rows (or one we ignore). */
static int pragma(struct store *st, const char *sql)
{
	char *errmsg = NULL;
	int rc;

	rc = sqlite3_exec(st->db, sql, NULL, NULL, &errmsg);
	if (rc != SQLITE_OK) {
		log_error("store", "%s: %s: %s", st->path, sql,
		          errmsg ? errmsg : sqlite3_errstr(rc));
		sqlite3_free(errmsg);
		return store_errno(rc) ? store_errno(rc) : EIO;
	}
	return 0;
}

/* Switches the file to WAL and checks that it took. */
static int set_wal(struct store *st, bool memory)
{
	sqlite3_stmt *stmt = NULL;
	const unsigned char *mode;
	int err = 0, rc;

	rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		err = store_fail(st, rc, "set WAL mode");
		goto out;
	}
	mode = sqlite3_column_text(stmt, 0);
	if (!memory && (!mode || strcmp((const char *)mode, "wal") != 0)) {
		log_error("store", "%s: cannot switch to WAL mode (got %s)", st->path,
		          mode ? (const char *)mode : "nothing");
		err = EIO;
	}
out:
	sqlite3_finalize(stmt);
	return err;
}

/* Opens the file and migrates it with the given steps. */
int store_open_with(struct store **sp, const char *path, const struct store_migration *steps,
                    size_t nsteps)
{
	struct store *st;
	bool memory;
	int err, rc;

	if (!sp)
		return EINVAL;
	*sp = NULL;
	if (!path || !*path)
		return EINVAL;
	memory = strcmp(path, ":memory:") == 0;
	if (!memory) {
		err = prepare_file(path);
		if (err)
			return err;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return ENOMEM;
	st->path = text_dupn(path, strlen(path));
	if (!st->path) {
		err = ENOMEM;
		goto out;
	}
	rc = sqlite3_open_v2(path, &st->db,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
	                             SQLITE_OPEN_EXRESCODE,
	                     NULL);
	if (rc != SQLITE_OK) {
		err = store_fail(st, rc, path);
		goto out;
	}
	if (sqlite3_db_readonly(st->db, "main") == 1) {
		log_error("store", "%s: the database is read-only", path);
		err = EROFS;
		goto out;
	}
	st->busy_ms = STORE_BUSY_DEFAULT_MS;
	sqlite3_busy_timeout(st->db, (int)st->busy_ms);
	err = set_wal(st, memory);
	if (!err)
		err = pragma(st, "PRAGMA foreign_keys = ON");
	if (!err)
		err = pragma(st, "PRAGMA synchronous = FULL");
	if (!err)
		err = pragma(st, "PRAGMA cache_size = -16000");
	if (!err)
		err = migrate(st, steps, nsteps);
out:
	if (err) {
		store_close(st);
		return err;
	}
	*sp = st;
	return 0;
}

/* Opens the file and migrates it with the real steps. */
int store_open(struct store **sp, const char *path)
{
	const struct store_migration *steps;
	size_t n;

	steps = store_schema_steps(&n);
	return store_open_with(sp, path, steps, n);
}

/* Finalizes everything and closes the connection. */
void store_close(struct store *st)
{
	size_t i;

	if (!st)
		return;
	if (st->depth > 0) {
		log_warn("store", "closing with a transaction open: rolled back");
		st->depth = 1;
		store_rollback(st);
	}
	outbox_mem_free(st->outbox_mem);
	for (i = 0; i < STMT_SLOTS; i++)
		sqlite3_finalize(st->slots[i].stmt);
	if (st->db) {
		if (st->version > 0)
			(void)sqlite3_exec(st->db, "PRAGMA optimize", NULL, NULL, NULL);
		sqlite3_close(st->db);
	}
	free(st->path);
	free(st);
}

/* Reads one meta value. */
int store_meta_get(struct store *st, const char *key, char *out, size_t n)
{
	static const char sql[] = "SELECT value FROM meta WHERE key = ?1";
	sqlite3_stmt *stmt;
	int err;

	if (!st || !key || !out || n == 0)
		return EINVAL;
	out[0] = '\0';
	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	err = store_step_row(st, stmt, "meta get");
	if (!err) {
		const unsigned char *v = sqlite3_column_text(stmt, 0);

		err = text_copy(out, n, v ? (const char *)v : ""); /* E2BIG when cut */
	}
	store_stmt_end(stmt);
	return err;
}

/* Writes (or with value NULL deletes) one meta value. */
int store_meta_set(struct store *st, const char *key, const char *value)
{
	static const char set_sql[] = "INSERT INTO meta(key, value) VALUES(?1, ?2) "
	                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value";
	static const char del_sql[] = "DELETE FROM meta WHERE key = ?1";
	sqlite3_stmt *stmt;
	int err;

	if (!st || !key || !*key)
		return EINVAL;
	err = store_stmt(st, value ? set_sql : del_sql, &stmt);
	if (err)
		return err;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	if (value)
		sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
	err = store_step_done(st, stmt, "meta set");
	store_stmt_end(stmt);
	return err;
}

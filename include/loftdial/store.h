/*
 * store: loftdial's local SQLite database (one file, WAL mode) and its connection.
 *
 * The store holds the synced Salesloft objects (records.h), the per-object sync state
 * (syncstate.h), the credentials (tokens.h), the write-back queue (outbox.h), the dial
 * attempts (attempts.h), received webhook events (whevents.h) and the contact search index
 * (contacts.h). This module opens the file (created 0600), applies the forward migrations
 * keyed on PRAGMA user_version, refuses a file written by a newer loftdial, and owns the
 * transaction helpers, the small key/value meta table and the prepared statement cache every
 * other store module uses. docs/schema.md describes every table and view.
 *
 * A store is used from one thread (the loop's). Several processes may open the same file at
 * once (the TUI and `loftdial sync`): WAL lets readers run beside the one writer, and a busy
 * writer is waited for up to five seconds before EBUSY is returned. That wait blocks the
 * loop, so a face that must answer within a frame (the TUI) sets a short busy timeout with
 * store_set_busy_timeout() and retries its writes from a timer (storeretry.h).
 */
#ifndef LOFTDIAL_STORE_H
#define LOFTDIAL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

struct store;

/* The schema version this build writes (PRAGMA user_version after store_open). */
#define STORE_SCHEMA_VERSION 6

/* The Salesloft objects kept in the store, one table each (sl_<name>). */
enum store_obj {
	STORE_USERS,
	STORE_ACCOUNTS,
	STORE_PEOPLE,
	STORE_CADENCES,
	STORE_MEMBERSHIPS,
	STORE_STEPS,
	STORE_DISPOSITIONS,
	STORE_SENTIMENTS,
	STORE_CALLS,
	STORE_EMAILS,
	STORE_OBJ_COUNT
};

/* The API name of an object ("users", "accounts", "people", "cadences",
 * "cadence_memberships", "steps", "call_dispositions", "call_sentiments", "calls",
 * "emails"), or "?" for a value out of range. */
const char *store_obj_name(enum store_obj obj);
/* Parses an API name (also "contacts" for people); EINVAL when unknown or NULL. */
int store_obj_parse(const char *name, enum store_obj *out);

/* Opens or creates the database at path (":memory:" works too). A new file is created with
 * mode 0600 whatever the umask, and an existing one is tightened to 0600. Sets WAL mode, a
 * 5 s busy timeout and foreign keys, then migrates the schema forward. Errors: EPROTO when
 * the file was written by a newer loftdial (schema version above STORE_SCHEMA_VERSION),
 * EBADMSG when it is not a database or is corrupt, EROFS when it cannot be written, EACCES,
 * ENOENT (missing folder), ENOSPC, EIO. The reason is also logged. */
int store_open(struct store **sp, const char *path);
/* Finalizes the cached statements and closes the connection; NULL is fine. */
void store_close(struct store *st);

#define STORE_BUSY_DEFAULT_MS 5000  /* store_open's busy timeout */
#define STORE_BUSY_MAX_MS     60000 /* the longest store_set_busy_timeout takes */
/* How long a statement waits for another connection's write lock before EBUSY (0: fails at
 * once). EINVAL above STORE_BUSY_MAX_MS. */
int store_set_busy_timeout(struct store *st, unsigned ms);
unsigned store_busy_timeout(const struct store *st);

/* Transactions. The outermost store_begin() starts an IMMEDIATE transaction (the write lock
 * is taken at once, so a busy database fails here rather than half-way); nested calls make
 * savepoints, so a module that wraps its own work in begin/commit can be called inside a
 * caller's transaction. store_rollback() undoes the innermost level only; the caller must
 * still end the outer levels. Returns 0 or an errno value (EBUSY when the lock could not be
 * had within the busy timeout). */
int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);
/* Current nesting depth (0 = no transaction open). */
int store_tx_depth(const struct store *st);

/* The raw connection, for modules with their own queries. Use store_stmt() to prepare. */
sqlite3 *store_sqlite(struct store *st);
/* The schema version of the open file (PRAGMA user_version). */
int store_schema_version(struct store *st);
/* The path the store was opened with. */
const char *store_path(const struct store *st);

/* The change stamp: a value that moves whenever the file may have changed under this
 * connection, the sum of PRAGMA data_version (another connection committed) and the rows this
 * connection changed (store_changes()); both only grow. Equal stamps mean nothing changed. 0 or
 * an errno value. */
int store_stamp(struct store *st, uint64_t *stamp);
/* The rows this connection inserted, updated or deleted since it opened (triggers included):
 * the part of store_stamp() a caller's own writes make, so it can leave them out. 0 for NULL. */
uint64_t store_changes(struct store *st);

/* A cached prepared statement for sql, which must have static storage duration (the cache
 * is keyed by its address). The statement comes back reset with its bindings cleared; call
 * store_stmt_end() when done so no read transaction stays open. Do not fetch a statement
 * again while still stepping through it. */
int store_stmt(struct store *st, const char *sql, sqlite3_stmt **out);
/* Resets a statement from store_stmt() and clears its bindings; NULL is fine. */
void store_stmt_end(sqlite3_stmt *stmt);

/* Maps an SQLite result code to an errno value (0 for SQLITE_OK/ROW/DONE): BUSY/LOCKED →
 * EBUSY, FULL → ENOSPC, READONLY → EROFS, CONSTRAINT → EEXIST, NOMEM → ENOMEM, NOTADB/
 * CORRUPT → EBADMSG, CANTOPEN → EACCES, PERM/AUTH → EACCES, TOOBIG → E2BIG, others → EIO. */
int store_errno(int sqlite_rc);
/* Logs the connection's last error message under what and returns store_errno(rc). */
int store_fail(struct store *st, int rc, const char *what);

/* Small key/value table for settings the program keeps for itself (webhook callback token,
 * subscription ids, the connected org's name, ...). store_meta_get: ENOENT when absent,
 * E2BIG when the value does not fit in n (out is still terminated). store_meta_set with a
 * NULL value deletes the key. */
int store_meta_get(struct store *st, const char *key, char *out, size_t n);
int store_meta_set(struct store *st, const char *key, const char *value);

#endif

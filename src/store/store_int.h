/*
 * store_int: what the store modules share among themselves and nothing else includes
 * (except the store's own unit tests): the migration list and an open that takes a
 * different one, the clock, and small binding/column helpers.
 */
#ifndef LOFTDIAL_STORE_INT_H
#define LOFTDIAL_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loftdial/store.h"

/* One forward migration: running sql on a database at version - 1 brings it to version. */
struct store_migration {
	int version;
	const char *what; /* one line for the log */
	const char *sql;
};

/* The real migration list (schema.c), in order; its last version is STORE_SCHEMA_VERSION. */
const struct store_migration *store_schema_steps(size_t *n);

/* INSERT ... SELECT that fills contacts_fts from sl_people with the current triggers'
 * expressions (schema.c). */
extern const char store_fts_reindex_sql[];
/* The same for contacts_names (schema version 4). */
extern const char store_names_reindex_sql[];

/* store_open() with another migration list (tests build old and future databases with it). */
int store_open_with(struct store **sp, const char *path, const struct store_migration *steps,
                    size_t nsteps);

/* Steps a statement that returns no rows: 0, or the errno value store_fail() gives under
 * what. The caller still ends the statement; sqlite3_changes() and the last insert rowid stay
 * readable until then. */
int store_step_done(struct store *st, sqlite3_stmt *stmt, const char *what);
/* Steps a statement to its first row: 0 with the row ready to read, ENOENT when there is none,
 * or the errno value store_fail() gives under what. */
int store_step_row(struct store *st, sqlite3_stmt *stmt, const char *what);
/* This connection's PRAGMA data_version into *v: it moves when another connection commits
 * (store_stamp() adds this connection's own changes). 0 or an errno value. */
int store_data_version(struct store *st, int64_t *v);

/* Unix seconds and milliseconds (wall clock). */
int64_t store_now(void);

/* Binds text, or NULL when s is NULL. */
int store_bind_text(sqlite3_stmt *stmt, int idx, const char *s);
/* Binds an integer, or NULL when v is 0 (for optional ids and times). */
int store_bind_int_or_null(sqlite3_stmt *stmt, int idx, int64_t v);
/* Copies text column col into out (n bytes, "" for NULL); truncation is silent. */
void store_col_copy(sqlite3_stmt *stmt, int col, char *out, size_t n);
/* A malloc'd copy of text column col, or NULL for NULL (ENOMEM sets *err). */
char *store_col_dup(sqlite3_stmt *stmt, int col, int *err);

/* The outbox's in-memory counts and watchers for one connection (outbox.c), kept in the
 * store so they live and die with it: the slot, the free at store_close, and the hook the
 * transaction functions call when a level ends (rolled_back: its changes are undone;
 * outermost: no transaction is open any more, so pending changes can be told). */
struct outbox_mem;
struct outbox_mem **store_outbox_mem(struct store *st);
void outbox_mem_free(struct outbox_mem *m);
void outbox_mem_tx_end(struct store *st, bool rolled_back, bool outermost);

/* Up to max column names extracted for obj (records.c's map); returns how many. */
size_t records_mapped_columns(enum store_obj obj, const char **cols, size_t max);

#endif

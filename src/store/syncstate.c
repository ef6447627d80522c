/*
 * syncstate: the per-object sync bookkeeping row (table sync_state), read and written whole.
 */
#include <errno.h>
#include <string.h>

#include "loftdial/syncstate.h"
#include "loftdial/text.h"
#include "store_int.h"

/* Reads an object's sync state (zeros when never synced). */
int syncstate_get(struct store *st, enum store_obj obj, struct syncstate *out)
{
	static const char sql[] =
	        "SELECT cursor, generation, full_gen, full_cursor, incrementals, last_run, "
	        "last_full, last_result, last_error, records_seen, page, sweep_after_id "
	        "FROM sync_state WHERE object = ?1";
	sqlite3_stmt *stmt;
	int err;

	if (!st || !out || (unsigned)obj >= STORE_OBJ_COUNT)
		return EINVAL;
	memset(out, 0, sizeof(*out));
	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	sqlite3_bind_text(stmt, 1, store_obj_name(obj), -1, SQLITE_STATIC);
	err = store_step_row(st, stmt, "syncstate get");
	if (err == ENOENT) {
		err = 0; /* never synced: zeros */
	} else if (!err) {
		store_col_copy(stmt, 0, out->cursor, sizeof(out->cursor));
		out->generation = sqlite3_column_int64(stmt, 1);
		out->full_gen = sqlite3_column_int64(stmt, 2);
		store_col_copy(stmt, 3, out->full_cursor, sizeof(out->full_cursor));
		out->incrementals = sqlite3_column_int64(stmt, 4);
		out->last_run = sqlite3_column_int64(stmt, 5);
		out->last_full = sqlite3_column_int64(stmt, 6);
		store_col_copy(stmt, 7, out->last_result, sizeof(out->last_result));
		store_col_copy(stmt, 8, out->last_error, sizeof(out->last_error));
		out->records_seen = sqlite3_column_int64(stmt, 9);
		out->page = sqlite3_column_int(stmt, 10);
		out->sweep_after_id = sqlite3_column_int64(stmt, 11);
	}
	store_stmt_end(stmt);
	return err;
}

/* Binds a fixed-size string field, which may lack its NUL if a caller filled it badly. */
static void bind_field(sqlite3_stmt *stmt, int idx, const char *s, size_t n)
{
	sqlite3_bind_text(stmt, idx, s, (int)strnlen(s, n), SQLITE_STATIC);
}

/* Writes an object's sync state whole. */
int syncstate_put(struct store *st, enum store_obj obj, const struct syncstate *s)
{
	static const char sql[] =
	        "INSERT OR REPLACE INTO sync_state (object, cursor, generation, full_gen, "
	        "full_cursor, incrementals, last_run, last_full, last_result, last_error, "
	        "records_seen, page, sweep_after_id) "
	        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
	sqlite3_stmt *stmt;
	int err;

	if (!st || !s || (unsigned)obj >= STORE_OBJ_COUNT)
		return EINVAL;
	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	sqlite3_bind_text(stmt, 1, store_obj_name(obj), -1, SQLITE_STATIC);
	bind_field(stmt, 2, s->cursor, sizeof(s->cursor));
	sqlite3_bind_int64(stmt, 3, s->generation);
	sqlite3_bind_int64(stmt, 4, s->full_gen);
	bind_field(stmt, 5, s->full_cursor, sizeof(s->full_cursor));
	sqlite3_bind_int64(stmt, 6, s->incrementals);
	sqlite3_bind_int64(stmt, 7, s->last_run);
	sqlite3_bind_int64(stmt, 8, s->last_full);
	bind_field(stmt, 9, s->last_result, sizeof(s->last_result));
	bind_field(stmt, 10, s->last_error, sizeof(s->last_error));
	sqlite3_bind_int64(stmt, 11, s->records_seen);
	sqlite3_bind_int(stmt, 12, s->page);
	sqlite3_bind_int64(stmt, 13, s->sweep_after_id);
	err = store_step_done(st, stmt, "syncstate put");
	store_stmt_end(stmt);
	return err;
}

/* Forgets an object's sync state. */
int syncstate_reset(struct store *st, enum store_obj obj)
{
	static const char sql[] = "DELETE FROM sync_state WHERE object = ?1";
	sqlite3_stmt *stmt;
	int err;

	if (!st || (unsigned)obj >= STORE_OBJ_COUNT)
		return EINVAL;
	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	sqlite3_bind_text(stmt, 1, store_obj_name(obj), -1, SQLITE_STATIC);
	err = store_step_done(st, stmt, "syncstate reset");
	store_stmt_end(stmt);
	return err;
}

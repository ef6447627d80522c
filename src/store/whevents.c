/*
 * whevents: the durable inbox of webhook deliveries. The receiver stores a body before it
 * answers, and the sync applies pending events (from this table, in arrival order) and marks
 * them; an interrupted application is simply found pending again.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/text.h"
#include "loftdial/whevents.h"
#include "store_int.h"

/* Stores one delivery durably. */
int whevents_put(struct store *st, int64_t received_at, const char *event_type, bool signature_ok,
                 const char *body, size_t len, int64_t *id)
{
	static const char sql[] = "INSERT INTO webhook_events (received_at, event_type, "
	                          "signature_ok, body) VALUES (?1, ?2, ?3, ?4)";
	struct whevent probe;
	sqlite3_stmt *stmt;
	int err;

	if (id)
		*id = 0;
	if (!st || !event_type || !*event_type || !body)
		return EINVAL;
	if (strlen(event_type) >= sizeof(probe.event_type))
		return EINVAL;
	if (len > INT_MAX)
		return E2BIG;
	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	sqlite3_bind_int64(stmt, 1, received_at);
	sqlite3_bind_text(stmt, 2, event_type, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, signature_ok ? 1 : 0);
	sqlite3_bind_text(stmt, 4, body, (int)len, SQLITE_STATIC);
	err = store_step_done(st, stmt, "webhook event put");
	if (!err && id)
		*id = sqlite3_last_insert_rowid(store_sqlite(st));
	store_stmt_end(stmt);
	return err;
}

/* Records how applying an event went. */
int whevents_mark_applied(struct store *st, int64_t id, const char *error)
{
	static const char ok_sql[] =
	        "UPDATE webhook_events SET applied_at = ?2, error = NULL WHERE id = ?1";
	static const char err_sql[] = "UPDATE webhook_events SET error = ?2 WHERE id = ?1";
	sqlite3_stmt *stmt;
	int err;

	if (!st)
		return EINVAL;
	err = store_stmt(st, error ? err_sql : ok_sql, &stmt);
	if (err)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	if (error)
		sqlite3_bind_text(stmt, 2, error, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(stmt, 2, store_now());
	err = store_step_done(st, stmt, "webhook event mark");
	if (!err && sqlite3_changes(store_sqlite(st)) == 0)
		err = ENOENT;
	store_stmt_end(stmt);
	return err;
}

/* Walks the events still to apply, in arrival order. */
int whevents_pending(struct store *st, whevents_each_h *cb, void *arg)
{
	static const char sql[] =
	        "SELECT id, received_at, event_type, signature_ok, body, applied_at, error "
	        "FROM webhook_events WHERE applied_at IS NULL AND signature_ok = 1 AND id > ?1 "
	        "ORDER BY id LIMIT 1";
	struct whevent ev;
	sqlite3_stmt *stmt;
	int64_t last = 0;
	char *body, *error;
	int err = 0;

	if (!st || !cb)
		return EINVAL;
	/* One event per query, so no statement is open while the callback marks the event (or
	 * writes anything else); an event left pending is not offered twice in one walk. */
	for (;;) {
		err = store_stmt(st, sql, &stmt);
		if (err)
			return err;
		sqlite3_bind_int64(stmt, 1, last);
		err = store_step_row(st, stmt, "webhook events pending");
		if (err) {
			store_stmt_end(stmt);
			return err == ENOENT ? 0 : err;
		}
		memset(&ev, 0, sizeof(ev));
		ev.id = sqlite3_column_int64(stmt, 0);
		ev.received_at = sqlite3_column_int64(stmt, 1);
		store_col_copy(stmt, 2, ev.event_type, sizeof(ev.event_type));
		ev.signature_ok = sqlite3_column_int(stmt, 3) != 0;
		ev.applied_at = sqlite3_column_int64(stmt, 5);
		body = store_col_dup(stmt, 4, &err);
		error = store_col_dup(stmt, 6, &err);
		store_stmt_end(stmt);
		last = ev.id;
		ev.body = body ? body : "";
		ev.error = error;
		if (!err)
			err = cb(&ev, arg);
		free(body);
		free(error);
		if (err)
			return err;
	}
}

/* Drops old events that need nothing more. */
int whevents_prune(struct store *st, int64_t before, unsigned *n)
{
	static const char sql[] = "DELETE FROM webhook_events WHERE received_at < ?1 AND "
	                          "(applied_at IS NOT NULL OR signature_ok = 0)";
	sqlite3_stmt *stmt;
	int err;

	if (n)
		*n = 0;
	if (!st)
		return EINVAL;
	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	sqlite3_bind_int64(stmt, 1, before);
	err = store_step_done(st, stmt, "webhook events prune");
	if (!err && n)
		*n = (unsigned)sqlite3_changes(store_sqlite(st));
	store_stmt_end(stmt);
	return err;
}

/*
 * callhist: a person's calls for the dial session's card, read from the synced calls and the
 * outbox's call records in one prepared statement (callhist.h).
 *
 * The outbox body is the POST /v2/activities/calls request loftdial built (callrec.c), so its
 * fields are read with json_extract; an item whose body is not valid JSON is left out rather
 * than failing the list. A synced call whose id an outbox item holds as its remote id is the
 * same call and is left to the outbox side, which has the notes.
 */
#include <errno.h>
#include <string.h>

#include "loftdial/callhist.h"

#include "store_int.h"

#define CALLHIST_DEFAULT_LIMIT 20

/* Columns: call id, outbox id, unix seconds, to, duration, disposition, sentiment, notes,
 * outbox state. */
static const char callhist_sql[] =
        "SELECT id, 0, coalesce(unixepoch(created_at), updated_us / 1000000, 0), to_number, "
        "duration, disposition, sentiment, NULL, '' FROM sl_calls "
        "WHERE person_id = ?1 AND is_deleted = 0 AND id NOT IN (SELECT remote_id FROM outbox "
        "WHERE kind = 'call' AND remote_id IS NOT NULL) "
        "UNION ALL "
        "SELECT coalesce(remote_id, 0), id, created_at, json_extract(body, '$.to'), "
        "json_extract(body, '$.duration'), json_extract(body, '$.disposition'), "
        "json_extract(body, '$.sentiment'), json_extract(body, '$.notes'), state FROM outbox "
        "WHERE kind = 'call' AND json_valid(body) AND json_extract(body, '$.person_id') = ?1 "
        "ORDER BY 3 DESC, 2 DESC, 1 DESC LIMIT ?2";

/* One row into c. */
static void read_row(sqlite3_stmt *stmt, struct callhist *c)
{
	memset(c, 0, sizeof(*c));
	c->call_id = sqlite3_column_int64(stmt, 0);
	c->outbox_id = sqlite3_column_int64(stmt, 1);
	c->at = sqlite3_column_int64(stmt, 2);
	store_col_copy(stmt, 3, c->to, sizeof(c->to));
	c->duration_s = sqlite3_column_int64(stmt, 4);
	store_col_copy(stmt, 5, c->disposition, sizeof(c->disposition));
	store_col_copy(stmt, 6, c->sentiment, sizeof(c->sentiment));
	store_col_copy(stmt, 7, c->notes, sizeof(c->notes));
	store_col_copy(stmt, 8, c->state, sizeof(c->state));
}

int callhist_person(struct store *st, int64_t person_id, unsigned limit, callhist_each_h *cb,
                    void *arg)
{
	sqlite3_stmt *stmt = NULL;
	struct callhist c;
	int err = 0, rc;

	if (!st || !cb || person_id <= 0)
		return EINVAL;
	/* A statement of its own, so the callback may use the store. */
	rc = sqlite3_prepare_v2(store_sqlite(st), callhist_sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "call history");
	sqlite3_bind_int64(stmt, 1, person_id);
	sqlite3_bind_int64(stmt, 2, limit ? limit : CALLHIST_DEFAULT_LIMIT);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		read_row(stmt, &c);
		err = cb(&c, arg);
		if (err)
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = store_fail(st, rc, "call history");
out:
	sqlite3_finalize(stmt);
	return err;
}

/*
 * calllog: the Calls screen's history from the dial attempts, the outbox's call records and
 * the synced calls in one prepared statement (calllog.h).
 *
 * The outbox body is the POST /v2/activities/calls request loftdial built (callrec.c), so its
 * fields are read with json_extract; a record whose body is not valid JSON is left out rather
 * than failing the list. Each record is matched to its attempt once (the latest attempt to the
 * same person, or number, that started before the record was made), so a record never shows
 * on two rows.
 */
#include <errno.h>
#include <string.h>

#include "loftdial/attempts.h"
#include "loftdial/calllog.h"

#include "store_int.h"

#define CALLLOG_DEFAULT_LIMIT 500

/* Columns: attempt id, outbox id, call id, person id, unix seconds, number, outcome, live,
 * duration, disposition, sentiment, notes, state, the person's name. */
static const char calllog_sql[] =
        "WITH rec AS (SELECT o.id, o.remote_id, o.created_at, o.state, o.body, "
        "coalesce(json_extract(o.body, '$.person_id'), 0) AS pid, "
        "json_extract(o.body, '$.to') AS num FROM outbox o "
        "WHERE o.kind = 'call' AND json_valid(o.body)), "
        "recm AS (SELECT rec.*, (SELECT a.id FROM dial_attempts a "
        "WHERE a.started_at_ms < (rec.created_at + 1) * 1000 AND "
        "((rec.pid > 0 AND a.person_id = rec.pid) OR (rec.pid <= 0 AND a.number = rec.num)) "
        "ORDER BY a.started_at_ms DESC, a.id DESC LIMIT 1) AS aid FROM rec), "
        "calls AS ("
        /* Every attempt, with the record that wraps it up. */
        "SELECT a.id AS aid, coalesce(r.id, 0) AS oid, coalesce(r.remote_id, 0) AS cid, "
        "coalesce(a.person_id, 0) AS pid, a.started_at_ms / 1000 AS at, a.number AS num, "
        "coalesce(a.outcome, '') AS outcome, a.outcome IS NULL AS live, "
        "CASE WHEN a.answered_at_ms > 0 AND a.ended_at_ms > a.answered_at_ms "
        "THEN (a.ended_at_ms - a.answered_at_ms) / 1000 "
        "ELSE coalesce(json_extract(r.body, '$.duration'), 0) END AS dur, "
        "json_extract(r.body, '$.disposition') AS dispo, "
        "json_extract(r.body, '$.sentiment') AS senti, json_extract(r.body, '$.notes') AS notes, "
        "coalesce(r.state, '') AS state "
        "FROM dial_attempts a LEFT JOIN recm r ON r.aid = a.id "
        "UNION ALL "
        /* Records with no attempt in this store. */
        "SELECT 0, r.id, coalesce(r.remote_id, 0), r.pid, r.created_at, r.num, '', 0, "
        "coalesce(json_extract(r.body, '$.duration'), 0), json_extract(r.body, '$.disposition'), "
        "json_extract(r.body, '$.sentiment'), json_extract(r.body, '$.notes'), r.state "
        "FROM recm r WHERE r.aid IS NULL "
        "UNION ALL "
        /* Calls only Salesloft had. */
        "SELECT 0, 0, c.id, coalesce(c.person_id, 0), "
        "coalesce(unixepoch(c.created_at), c.updated_us / 1000000, 0), c.to_number, '', 0, "
        "coalesce(c.duration, 0), c.disposition, c.sentiment, NULL, 'synced' FROM sl_calls c "
        "WHERE c.is_deleted = 0 AND c.id NOT IN (SELECT remote_id FROM outbox "
        "WHERE kind = 'call' AND remote_id IS NOT NULL)) "
        "SELECT calls.aid, calls.oid, calls.cid, calls.pid, calls.at, calls.num, calls.outcome, "
        "calls.live, calls.dur, calls.dispo, calls.senti, calls.notes, calls.state, "
        "(SELECT coalesce(nullif(p.display_name, ''), trim(coalesce(p.first_name, '') || ' ' "
        "|| coalesce(p.last_name, ''))) FROM sl_people p WHERE p.id = calls.pid) "
        "FROM calls WHERE (?1 = 0 OR calls.at >= ?1) AND (?2 = 0 OR calls.at < ?2) "
        "AND (?3 = '' OR calls.outcome = ?3) "
        "ORDER BY calls.at DESC, calls.aid DESC, calls.oid DESC, calls.cid DESC LIMIT ?4";

/* One row into c. */
static void read_row(sqlite3_stmt *stmt, struct calllog *c)
{
	memset(c, 0, sizeof(*c));
	c->attempt_id = sqlite3_column_int64(stmt, 0);
	c->outbox_id = sqlite3_column_int64(stmt, 1);
	c->call_id = sqlite3_column_int64(stmt, 2);
	c->person_id = sqlite3_column_int64(stmt, 3);
	c->at = sqlite3_column_int64(stmt, 4);
	store_col_copy(stmt, 5, c->number, sizeof(c->number));
	store_col_copy(stmt, 6, c->outcome, sizeof(c->outcome));
	c->live = sqlite3_column_int(stmt, 7) != 0;
	c->duration_s = sqlite3_column_int64(stmt, 8);
	store_col_copy(stmt, 9, c->disposition, sizeof(c->disposition));
	store_col_copy(stmt, 10, c->sentiment, sizeof(c->sentiment));
	store_col_copy(stmt, 11, c->notes, sizeof(c->notes));
	store_col_copy(stmt, 12, c->state, sizeof(c->state));
	store_col_copy(stmt, 13, c->person, sizeof(c->person));
}

int calllog_list(struct store *st, const struct calllog_query *q, calllog_each_h *cb, void *arg)
{
	static const struct calllog_query all = {0};
	sqlite3_stmt *stmt = NULL;
	struct calllog c;
	int err = 0, rc;

	if (!q)
		q = &all;
	if (!st || !cb || (q->outcome && q->outcome[0] && !attempts_outcome_valid(q->outcome)))
		return EINVAL;
	/* A statement of its own, so the callback may use the store. */
	rc = sqlite3_prepare_v2(store_sqlite(st), calllog_sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "call log");
	sqlite3_bind_int64(stmt, 1, q->since);
	sqlite3_bind_int64(stmt, 2, q->until);
	sqlite3_bind_text(stmt, 3, q->outcome ? q->outcome : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, q->limit ? q->limit : CALLLOG_DEFAULT_LIMIT);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		read_row(stmt, &c);
		err = cb(&c, arg);
		if (err)
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = store_fail(st, rc, "call log");
out:
	sqlite3_finalize(stmt);
	return err;
}

int calllog_stamp(struct store *st, uint64_t *stamp)
{
	/* The history joins attempts, the outbox and synced calls: any change may move it. */
	return store_stamp(st, stamp);
}

/*
 * attempts: recording dial attempts and the two figures the dialer reads back, the rolling
 * abandonment rate and a number's recent bad outcomes.
 */
#include <errno.h>
#include <string.h>

#include "loftdial/attempts.h"
#include "loftdial/text.h"
#include "store_int.h"

/* The columns read_attempt() expects, in order. */
#define ATTEMPT_COLS                                                                               \
	"id, session_id, line, number, person_id, task_id, action_id, started_at_ms, "             \
	"ringing_at_ms, answered_at_ms, ended_at_ms, sip_code, reason, outcome, "                  \
	"live_answer_dropped, amd, user_id, campaign, ident_played, zone, local_min"

static const char *const outcomes[] = {
        "connected", "busy",      "no_answer", "rejected", "invalid_number",
        "network",   "voicemail", "cancelled", "failed",
};

/* Is s an outcome the table accepts ("" = in progress)? */
bool attempts_outcome_valid(const char *s)
{
	size_t i;

	if (!s)
		return false;
	if (!*s)
		return true;
	for (i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
		if (strcmp(s, outcomes[i]) == 0)
			return true;
	return false;
}

/* Binds a fixed-size string field as text, or NULL when it is empty. */
static void bind_field(sqlite3_stmt *stmt, int idx, const char *s, size_t n)
{
	size_t len = strnlen(s, n);

	if (len == 0)
		sqlite3_bind_null(stmt, idx);
	else
		sqlite3_bind_text(stmt, idx, s, (int)len, SQLITE_STATIC);
}

/* Binds every field but the id (parameters 2..21). */
static void bind_attempt(sqlite3_stmt *stmt, const struct attempt *a)
{
	bind_field(stmt, 2, a->session_id, sizeof(a->session_id));
	sqlite3_bind_int(stmt, 3, a->line);
	bind_field(stmt, 4, a->number, sizeof(a->number));
	store_bind_int_or_null(stmt, 5, a->person_id);
	store_bind_int_or_null(stmt, 6, a->task_id);
	store_bind_int_or_null(stmt, 7, a->action_id);
	sqlite3_bind_int64(stmt, 8, a->started_at_ms);
	store_bind_int_or_null(stmt, 9, a->ringing_at_ms);
	store_bind_int_or_null(stmt, 10, a->answered_at_ms);
	store_bind_int_or_null(stmt, 11, a->ended_at_ms);
	store_bind_int_or_null(stmt, 12, a->sip_code);
	bind_field(stmt, 13, a->reason, sizeof(a->reason));
	bind_field(stmt, 14, a->outcome, sizeof(a->outcome));
	sqlite3_bind_int(stmt, 15, a->live_answer_dropped ? 1 : 0);
	bind_field(stmt, 16, a->amd, sizeof(a->amd));
	store_bind_int_or_null(stmt, 17, a->user_id);
	bind_field(stmt, 18, a->campaign, sizeof(a->campaign));
	sqlite3_bind_int(stmt, 19, a->ident_played ? 1 : 0);
	bind_field(stmt, 20, a->zone, sizeof(a->zone));
	if (a->zone[0])
		sqlite3_bind_int(stmt, 21, a->local_min);
	else
		sqlite3_bind_null(stmt, 21);
}

/* Checks what the table would refuse, so the caller gets EINVAL rather than EEXIST. */
static bool attempt_ok(const struct attempt *a)
{
	if (!memchr(a->outcome, '\0', sizeof(a->outcome)) || !attempts_outcome_valid(a->outcome))
		return false;
	/* A number without its end (no NUL inside the field) was cut somewhere: refused. */
	return strnlen(a->number, sizeof(a->number)) > 0 &&
	       memchr(a->number, '\0', sizeof(a->number));
}

/* Records a new attempt and hands back its id. */
int attempts_insert(struct store *st, struct attempt *a)
{
	static const char sql[] =
	        "INSERT INTO dial_attempts (" ATTEMPT_COLS ") VALUES (NULL, ?2, ?3, ?4, ?5, ?6, "
	        "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)";
	sqlite3_stmt *stmt;
	int err;

	if (!st || !a)
		return EINVAL;
	if (!attempt_ok(a))
		return EINVAL;
	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	bind_attempt(stmt, a);
	err = store_step_done(st, stmt, "attempts insert");
	if (!err)
		a->id = sqlite3_last_insert_rowid(store_sqlite(st));
	store_stmt_end(stmt);
	return err;
}

/* Rewrites an attempt as it rings, is answered and ends. */
int attempts_update(struct store *st, const struct attempt *a)
{
	static const char sql[] =
	        "UPDATE dial_attempts SET session_id = ?2, line = ?3, number = ?4, person_id = ?5, "
	        "task_id = ?6, action_id = ?7, started_at_ms = ?8, ringing_at_ms = ?9, "
	        "answered_at_ms = ?10, ended_at_ms = ?11, sip_code = ?12, reason = ?13, "
	        "outcome = ?14, live_answer_dropped = ?15, amd = ?16, user_id = ?17, "
	        "campaign = ?18, ident_played = ?19, zone = ?20, local_min = ?21 WHERE id = ?1";
	sqlite3_stmt *stmt;
	int err;

	if (!st || !a)
		return EINVAL;
	if (!attempt_ok(a))
		return EINVAL;
	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	sqlite3_bind_int64(stmt, 1, a->id);
	bind_attempt(stmt, a);
	err = store_step_done(st, stmt, "attempts update");
	if (!err && sqlite3_changes(store_sqlite(st)) == 0)
		err = ENOENT;
	store_stmt_end(stmt);
	return err;
}

/* Fills a from a row selected with ATTEMPT_COLS. */
static void read_attempt(sqlite3_stmt *stmt, struct attempt *a)
{
	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(stmt, 0);
	store_col_copy(stmt, 1, a->session_id, sizeof(a->session_id));
	a->line = sqlite3_column_int(stmt, 2);
	store_col_copy(stmt, 3, a->number, sizeof(a->number));
	a->person_id = sqlite3_column_int64(stmt, 4);
	a->task_id = sqlite3_column_int64(stmt, 5);
	a->action_id = sqlite3_column_int64(stmt, 6);
	a->started_at_ms = sqlite3_column_int64(stmt, 7);
	a->ringing_at_ms = sqlite3_column_int64(stmt, 8);
	a->answered_at_ms = sqlite3_column_int64(stmt, 9);
	a->ended_at_ms = sqlite3_column_int64(stmt, 10);
	a->sip_code = sqlite3_column_int(stmt, 11);
	store_col_copy(stmt, 12, a->reason, sizeof(a->reason));
	store_col_copy(stmt, 13, a->outcome, sizeof(a->outcome));
	a->live_answer_dropped = sqlite3_column_int(stmt, 14) != 0;
	store_col_copy(stmt, 15, a->amd, sizeof(a->amd));
	a->user_id = sqlite3_column_int64(stmt, 16);
	store_col_copy(stmt, 17, a->campaign, sizeof(a->campaign));
	a->ident_played = sqlite3_column_int(stmt, 18) != 0;
	store_col_copy(stmt, 19, a->zone, sizeof(a->zone));
	a->local_min = sqlite3_column_int(stmt, 20);
}

/* Reads one attempt back. */
int attempts_get(struct store *st, int64_t id, struct attempt *out)
{
	static const char sql[] = "SELECT " ATTEMPT_COLS " FROM dial_attempts WHERE id = ?1";
	sqlite3_stmt *stmt;
	int err;

	if (!st || !out)
		return EINVAL;
	memset(out, 0, sizeof(*out));
	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	err = store_step_row(st, stmt, "attempts get");
	if (!err)
		read_attempt(stmt, out);
	store_stmt_end(stmt);
	return err;
}

/* Dropped live answers over live answers since since_ms. */
int attempts_abandon_rate(struct store *st, int64_t since_ms, double *rate, int64_t *live_answers)
{
	static const char sql[] =
	        "SELECT count(*), coalesce(sum(live_answer_dropped), 0) FROM dial_attempts "
	        "WHERE started_at_ms >= ?1 AND (outcome = 'connected' OR live_answer_dropped = 1)";
	sqlite3_stmt *stmt;
	int64_t live = 0, dropped = 0;
	int err, rc;

	if (rate)
		*rate = 0;
	if (live_answers)
		*live_answers = 0;
	if (!st)
		return EINVAL;
	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	sqlite3_bind_int64(stmt, 1, since_ms);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		live = sqlite3_column_int64(stmt, 0);
		dropped = sqlite3_column_int64(stmt, 1);
	} else {
		err = store_fail(st, rc, "attempts abandon rate");
	}
	store_stmt_end(stmt);
	if (err)
		return err;
	if (rate)
		*rate = live > 0 ? (double)dropped / (double)live : 0.0;
	if (live_answers)
		*live_answers = live;
	return 0;
}

/* Live and dropped live answers for one rep and/or campaign. */
int attempts_abandon_counts(struct store *st, int64_t since_ms, int64_t user_id,
                            const char *campaign, int64_t *live, int64_t *dropped)
{
	static const char sql[] =
	        "SELECT count(*), coalesce(sum(live_answer_dropped), 0) FROM dial_attempts "
	        "WHERE started_at_ms >= ?1 AND (outcome = 'connected' OR live_answer_dropped = 1) "
	        "AND (?2 = 0 OR user_id = ?2) AND (?3 IS NULL OR coalesce(campaign, '') = ?3)";
	sqlite3_stmt *stmt;
	int err, rc;

	if (live)
		*live = 0;
	if (dropped)
		*dropped = 0;
	if (!st)
		return EINVAL;
	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	sqlite3_bind_int64(stmt, 1, since_ms);
	sqlite3_bind_int64(stmt, 2, user_id > 0 ? user_id : 0);
	if (campaign)
		sqlite3_bind_text(stmt, 3, campaign, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 3);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		if (live)
			*live = sqlite3_column_int64(stmt, 0);
		if (dropped)
			*dropped = sqlite3_column_int64(stmt, 1);
	} else {
		err = store_fail(st, rc, "attempts abandon counts");
	}
	store_stmt_end(stmt);
	return err;
}

/* The compliance report, one row per rep and campaign. */
int attempts_report(struct store *st, int64_t since_ms, unsigned open_min, unsigned close_min,
                    attempts_report_h *cb, void *arg)
{
	static const char sql[] =
	        "SELECT coalesce(user_id, 0) AS u, coalesce(campaign, '') AS c, count(*), "
	        "coalesce(sum(outcome = 'connected' OR live_answer_dropped = 1), 0), "
	        "coalesce(sum(live_answer_dropped), 0), coalesce(sum(ident_played), 0), "
	        "coalesce(sum(local_min IS NOT NULL AND (local_min < ?2 OR local_min >= ?3)), 0), "
	        "coalesce(sum(local_min IS NULL), 0) "
	        "FROM dial_attempts WHERE started_at_ms >= ?1 AND line > 0 "
	        "GROUP BY u, c ORDER BY u, c";
	struct attempts_report_row r;
	sqlite3_stmt *stmt = NULL;
	int err = 0, rc;

	if (!st || !cb)
		return EINVAL;
	/* A statement of its own, so the callback may use the store. */
	rc = sqlite3_prepare_v2(store_sqlite(st), sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "attempts report");
	sqlite3_bind_int64(stmt, 1, since_ms);
	sqlite3_bind_int(stmt, 2, (int)open_min);
	sqlite3_bind_int(stmt, 3, (int)close_min);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.user_id = sqlite3_column_int64(stmt, 0);
		store_col_copy(stmt, 1, r.campaign, sizeof(r.campaign));
		r.dials = sqlite3_column_int64(stmt, 2);
		r.live = sqlite3_column_int64(stmt, 3);
		r.dropped = sqlite3_column_int64(stmt, 4);
		r.ident_played = sqlite3_column_int64(stmt, 5);
		r.outside_hours = sqlite3_column_int64(stmt, 6);
		r.no_zone = sqlite3_column_int64(stmt, 7);
		err = cb(&r, arg);
		if (err)
			break;
	}
	if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = store_fail(st, rc, "attempts report");
	sqlite3_finalize(stmt);
	return err;
}

/* Counts a number's bad-number outcomes since since_ms. */
int attempts_number_recent_bad(struct store *st, const char *number, int64_t since_ms, int *count)
{
	static const char sql[] =
	        "SELECT count(*) FROM dial_attempts WHERE number = ?1 AND started_at_ms >= ?2 "
	        "AND outcome IN ('invalid_number', 'network', 'failed')";
	sqlite3_stmt *stmt;
	int err, rc;

	if (count)
		*count = 0;
	if (!st || !number || !count)
		return EINVAL;
	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	sqlite3_bind_text(stmt, 1, number, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, since_ms);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int(stmt, 0);
	else
		err = store_fail(st, rc, "attempts recent bad");
	store_stmt_end(stmt);
	return err;
}

/* Walks recent attempts, newest first. */
int attempts_list(struct store *st, int64_t since_ms, unsigned limit, attempts_each_h *cb,
                  void *arg)
{
	static const char sql[] = "SELECT " ATTEMPT_COLS " FROM dial_attempts WHERE "
	                          "started_at_ms >= ?1 ORDER BY started_at_ms DESC, id DESC "
	                          "LIMIT ?2";
	struct attempt a;
	sqlite3_stmt *stmt = NULL;
	int err = 0, rc;

	if (!st || !cb)
		return EINVAL;
	/* A statement of its own, so the callback may use the store. */
	rc = sqlite3_prepare_v2(store_sqlite(st), sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "attempts list");
	sqlite3_bind_int64(stmt, 1, since_ms);
	sqlite3_bind_int64(stmt, 2, limit ? (int64_t)limit : -1);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		read_attempt(stmt, &a);
		err = cb(&a, arg);
		if (err)
			break;
	}
	if (!err && rc != SQLITE_DONE)
		err = store_fail(st, rc, "attempts list");
	sqlite3_finalize(stmt);
	return err;
}

/*
 * personcad: a person's cadence memberships and the step each stands at, in one prepared
 * statement over the synced tables (personcad.h).
 *
 * The step done last in a cadence is the highest step_number among the steps the store has
 * seen the person do there: the person's last_completed_step (when its cadence is this one)
 * and the step of each live synced call and email of the person in this cadence. The current
 * step is the first enabled, live step of the cadence after it. A membership off its cadence
 * (completed, removed, ...) has no current step.
 */
#include <errno.h>
#include <string.h>

#include "loftdial/personcad.h"

#include "store_int.h"

#define PERSONCAD_DEFAULT_LIMIT 10

/* The highest step_number done by ?1 in m's cadence (NULL when none). */
#define DONE_SQL                                                                                   \
	"(SELECT max(d.step_number) FROM sl_steps d WHERE d.cadence_id = m.cadence_id AND "        \
	"d.id IN (SELECT step_id FROM sl_calls WHERE person_id = ?1 AND cadence_id = "             \
	"m.cadence_id AND is_deleted = 0 UNION SELECT step_id FROM sl_emails WHERE person_id = "   \
	"?1 AND cadence_id = m.cadence_id AND is_deleted = 0 UNION SELECT "                        \
	"json_extract(raw, '$.last_completed_step.id') FROM sl_people WHERE id = ?1 AND "          \
	"json_extract(raw, '$.last_completed_step_cadence.id') = m.cadence_id))"

/* Columns: membership, cadence id, cadence name, state, on cadence, step id, step number,
 * day, step name, step type. */
static const char personcad_sql[] =
        "SELECT m.id, m.cadence_id, c.name, m.current_state, m.currently_on_cadence, s.id, "
        "s.step_number, s.day, coalesce(nullif(s.display_name, ''), s.name), s.type "
        "FROM sl_cadence_memberships m "
        "LEFT JOIN sl_cadences c ON c.id = m.cadence_id AND c.is_deleted = 0 "
        "LEFT JOIN sl_steps s ON m.currently_on_cadence <> 0 AND s.id = (SELECT n.id FROM "
        "sl_steps n WHERE n.cadence_id = m.cadence_id AND n.is_deleted = 0 AND "
        "coalesce(n.disabled, 0) = 0 AND n.step_number > coalesce(" DONE_SQL ", -1) "
        "ORDER BY n.step_number, n.id LIMIT 1) "
        "WHERE m.person_id = ?1 AND m.is_deleted = 0 "
        "ORDER BY m.currently_on_cadence <> 0 DESC, m.added_at DESC, m.id DESC LIMIT ?2";

/* One row into m. */
static void read_row(sqlite3_stmt *stmt, struct personcad *m)
{
	memset(m, 0, sizeof(*m));
	m->membership_id = sqlite3_column_int64(stmt, 0);
	m->cadence_id = sqlite3_column_int64(stmt, 1);
	store_col_copy(stmt, 2, m->cadence, sizeof(m->cadence));
	store_col_copy(stmt, 3, m->state, sizeof(m->state));
	m->on_cadence = sqlite3_column_int(stmt, 4) != 0;
	m->step_id = sqlite3_column_int64(stmt, 5);
	m->step_number = sqlite3_column_int(stmt, 6);
	m->step_day = sqlite3_column_int(stmt, 7);
	store_col_copy(stmt, 8, m->step_name, sizeof(m->step_name));
	store_col_copy(stmt, 9, m->step_type, sizeof(m->step_type));
}

int personcad_list(struct store *st, int64_t person_id, unsigned limit, personcad_each_h *cb,
                   void *arg)
{
	sqlite3_stmt *stmt = NULL;
	struct personcad m;
	int err = 0, rc;

	if (!st || !cb || person_id <= 0)
		return EINVAL;
	/* A statement of its own, so the callback may use the store. */
	rc = sqlite3_prepare_v2(store_sqlite(st), personcad_sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "cadences of a person");
	sqlite3_bind_int64(stmt, 1, person_id);
	sqlite3_bind_int64(stmt, 2, limit ? limit : PERSONCAD_DEFAULT_LIMIT);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		read_row(stmt, &m);
		err = cb(&m, arg);
		if (err)
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = store_fail(st, rc, "cadences of a person");
out:
	sqlite3_finalize(stmt);
	return err;
}

/*
 * db: the sandbox's record store in SQLite, one table per resource kind.
 *
 * Every row keeps the record's body next to its id, created/updated microseconds and the few
 * columns that list filters and sorts need. The body is either the record's JSON text (what
 * the API serves, byte for byte) or, for a record the generator made and nobody changed
 * since, the index of the person whose generation renders it again (sbx_gen_render): a
 * million generated people then cost their list columns, not gigabytes of JSON. A virtual
 * column "json" (the SQL function sbx_json) gives the JSON of either kind of row to plain SQL.
 * Those columns are described once per kind (struct sbx_kind_desc) with the JSON path they
 * come from, so a record put from cJSON by any module is re-indexed the same way the
 * generator indexes it. Deletes are hard deletes, as in Salesloft.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "loftdial/log.h"
#include "sbx_core.h"
#include "sbx_tz.h"

/* The layout of the tables; a state file in another layout is refused. */
#define LAYOUT "7"

#define I  SBX_COL_INT
#define B  SBX_COL_BOOL
#define T  SBX_COL_TEXT
#define TM SBX_COL_TIME

/* The usual values of the columns that keep them as an index (struct sbx_col's dict). A
 * value missing here is kept as text, so these lists only need to cover the common ones.
 * Their order is part of the layout: change it only with LAYOUT. */
static const char *const d_task_type[] = {"call", "email", "general", NULL};
static const char *const d_task_state[] = {"scheduled", "completed", NULL};
static const char *const d_task_source[] = {"salesloft.cadence", "salesloft.api", NULL};
static const char *const d_memb_state[] = {
        "active",  "scheduled",         "staged",     "processing", "completed",
        "removed", "removed_no_action", "reassigned", "archived",   NULL};
static const char *const d_action_type[] = {"phone", "email", "other", NULL};
static const char *const d_action_status[] = {"in_progress", "pending_activity", NULL};
static const char *const d_disposition[] = {"Connected",
                                            "No Answer",
                                            "Left Voicemail",
                                            "Busy",
                                            "Bad Number",
                                            "Not Interested",
                                            "Meeting Booked",
                                            "Gatekeeper",
                                            "Wrong Number",
                                            "Call Back Later",
                                            NULL};
static const char *const d_sentiment[] = {"Positive",   "Neutral",        "Negative",
                                          "Interested", "Not Interested", NULL};
static const char *const d_email_status[] = {"sent", "failed", NULL};
static const char *const d_locale[] = {
        "US/Eastern",        "America/New_York",    "US/Central",        "America/Chicago",
        "US/Mountain",       "US/Arizona",          "US/Pacific",        "America/Los_Angeles",
        "US/Alaska",         "US/Hawaii",           "America/St_Johns",  "Canada/Newfoundland",
        "America/Sao_Paulo", "America/Mexico_City", "Europe/London",     "Europe/Dublin",
        "Europe/Berlin",     "Europe/Paris",        "Europe/Madrid",     "Europe/Stockholm",
        "Europe/Warsaw",     "Europe/Helsinki",     "Europe/Istanbul",   "Asia/Jerusalem",
        "Asia/Dubai",        "Asia/Kolkata",        "Asia/Calcutta",     "Asia/Kathmandu",
        "Asia/Bangkok",      "Asia/Ho_Chi_Minh",    "Asia/Shanghai",     "Asia/Tokyo",
        "Asia/Seoul",        "Australia/Adelaide",  "Australia/Sydney",  "Pacific/Auckland",
        "Pacific/Chatham",   "Pacific/Kiritimati",  "Pacific/Pago_Pago", NULL};

/* Kinds, in enum order: table, path, singular, timestamps, first generated id, columns. */
static const struct sbx_kind_desc kinds[SBX_KIND_COUNT] = {
        [SBX_USERS] = {"users",
                       "users",
                       "user",
                       true,
                       1,
                       {{"guid", "guid", T, true},
                        {"email", "email", T, false},
                        {"name", "name", T, false},
                        {"active", "active", B, false},
                        {"group_id", "group.id", I, false},
                        {"role", "role.id", T, false},
                        {"team_admin", "team_admin", B, false}}},
        [SBX_PEOPLE] = {"people",
                        "people",
                        "person",
                        true,
                        164510000,
                        {{"account_id", "account.id", I, true},
                         {"owner_id", "owner.id", I, true},
                         {"do_not_contact", "do_not_contact", B, false},
                         {"last_contacted_us", "last_contacted_at", TM, false},
                         {"display_name", "display_name", T, false},
                         {"call_count", "counts.calls", I, false},
                         {"email_address", "email_address", T, true, false, true},
                         {"locale", "locale", T, false, false, false, d_locale}}},
        [SBX_ACCOUNTS] = {"accounts",
                          "accounts",
                          "account",
                          true,
                          48370000,
                          {{"name", "name", T, true},
                           {"domain", "domain", T, true},
                           {"owner_id", "owner.id", I, false},
                           {"archived_us", "archived_at", TM, false}}},
        [SBX_CADENCES] = {"cadences",
                          "cadences",
                          "cadence",
                          true,
                          1200,
                          {{"name", "name", T, false},
                           {"owner_id", "owner.id", I, false},
                           {"archived_us", "archived_at", TM, false},
                           {"team_cadence", "team_cadence", B, false},
                           {"shared", "shared", B, false}}},
        [SBX_CADENCE_MEMBERSHIPS] = {"cadence_memberships",
                                     "cadence_memberships",
                                     "cadence_membership",
                                     true,
                                     880000000,
                                     {{"person_id", "person.id", I, true},
                                      {"cadence_id", "cadence.id", I, true},
                                      {"user_id", "user.id", I, false},
                                      {"currently_on_cadence", "currently_on_cadence", B, false},
                                      {"current_state", "current_state", T, false, false, false,
                                       d_memb_state},
                                      {"added_us", "added_at", TM, false}}},
        [SBX_STEPS] = {"steps",
                       "steps",
                       "step",
                       true,
                       20000,
                       {{"cadence_id", "cadence.id", I, true},
                        {"type", "type", T, false},
                        {"step_number", "step_number", I, false}}},
        [SBX_ACTIONS] = {"actions",
                         "actions",
                         "action",
                         true,
                         1500000000,
                         {{"step_id", "step.id", I, true},
                          {"cadence_id", "cadence.id", I, true},
                          {"person_id", "person.id", I, true},
                          {"user_id", "user.id", I, false},
                          {"type", "type", T, false, false, false, d_action_type},
                          {"status", "status", T, false, false, false, d_action_status},
                          {"due_us", "due_on", TM, false},
                          {"multitouch_group_id", "multitouch_group_id", I, true, true}}},
        [SBX_TASKS] = {"tasks",
                       "tasks",
                       "task",
                       true,
                       693870000,
                       {{"user_id", "user.id", I, true},
                        {"person_id", "person.id", I, true},
                        {"task_type", "task_type", T, false, false, false, d_task_type},
                        {"current_state", "current_state", T, false, false, false, d_task_state},
                        {"due_date", "due_date", T, false},
                        {"due_us", "due_at", TM, false},
                        {"completed_us", "completed_at", TM, false},
                        {"source", "source", T, false, false, false, d_task_source}}},
        [SBX_CALL_DISPOSITIONS] = {"call_dispositions",
                                   "call_dispositions",
                                   "call_disposition",
                                   true,
                                   3100,
                                   {{"name", "name", T, true}}},
        [SBX_CALL_SENTIMENTS] = {"call_sentiments",
                                 "call_sentiments",
                                 "call_sentiment",
                                 true,
                                 4100,
                                 {{"name", "name", T, true}}},
        /* Call ids start just under 2^31 so that some cross it: clients must not keep ids in
         * 32-bit ints. */
        [SBX_CALLS] = {"calls",
                       "activities/calls",
                       "call",
                       true,
                       2147483400,
                       {{"person_id", "called_person.id", I, true},
                        {"user_id", "user.id", I, false},
                        {"disposition", "disposition", T, false, false, false, d_disposition},
                        {"sentiment", "sentiment", T, false, false, false, d_sentiment},
                        {"action_id", "action.id", I, true, true}}},
        [SBX_EMAILS] = {"emails",
                        "activities/emails",
                        "email",
                        true,
                        910000000,
                        {{"person_id", "recipient.id", I, true},
                         {"user_id", "user.id", I, false},
                         {"cadence_id", "cadence.id", I, false},
                         {"step_id", "step.id", I, false},
                         {"status", "status", T, false, false, false, d_email_status},
                         {"bounced", "bounced", B, false},
                         {"sent_us", "sent_at", TM, false}}},
        [SBX_NOTES] = {"notes",
                       "notes",
                       "note",
                       true,
                       52000000,
                       {{"associated_type", "associated_type", T, false},
                        {"associated_id", "associated_with.id", I, true},
                        {"call_id", "call.id", I, true, true},
                        {"user_id", "user.id", I, false}}},
        [SBX_WEBHOOK_SUBSCRIPTIONS] = {"webhook_subscriptions",
                                       "webhook_subscriptions",
                                       "webhook_subscription",
                                       false,
                                       7000,
                                       {{"event_type", "event_type", T, true},
                                        {"enabled", "enabled", B, false},
                                        {"callback_url", "callback_url", T, false},
                                        {"user_guid", "user_guid", T, false}}},
};

/* The descriptor of a kind (NULL for an invalid one). */
const struct sbx_kind_desc *sbx_kind_desc(enum sbx_kind kind)
{
	return (unsigned)kind < SBX_KIND_COUNT ? &kinds[kind] : NULL;
}

/* The table name of a kind. */
const char *sbx_kind_name(enum sbx_kind kind)
{
	return (unsigned)kind < SBX_KIND_COUNT ? kinds[kind].name : "";
}

/* The path of a kind under /v2/. */
const char *sbx_kind_path(enum sbx_kind kind)
{
	return (unsigned)kind < SBX_KIND_COUNT ? kinds[kind].path : "";
}

/* The singular of a kind, as webhook event names use it. */
const char *sbx_kind_singular(enum sbx_kind kind)
{
	return (unsigned)kind < SBX_KIND_COUNT ? kinds[kind].singular : "";
}

/* Finds a kind by table name or path. */
int sbx_kind_parse(const char *name, enum sbx_kind *kind)
{
	if (!name || !kind)
		return EINVAL;
	for (int k = 0; k < SBX_KIND_COUNT; k++) {
		if (!strcmp(name, kinds[k].name) || !strcmp(name, kinds[k].path)) {
			*kind = (enum sbx_kind)k;
			return 0;
		}
	}
	return ENOENT;
}

/* The number of columns a kind declares. */
static size_t ncols(const struct sbx_kind_desc *d)
{
	size_t n = 0;

	while (n < SBX_MAX_COLS && d->cols[n].name)
		n++;
	return n;
}

/* Runs one statement without results. */
int sbx_db_exec(struct sbx *sbx, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(sbx->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		log_error("sandbox", "sql: %s: %s", msg ? msg : "?", sql);
		sqlite3_free(msg);
		return EIO;
	}
	return 0;
}

/* Prepares a statement, logging failures. */
static int prepare(struct sbx *sbx, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(sbx->db, sql, -1, st, NULL) != SQLITE_OK) {
		log_error("sandbox", "prepare: %s: %s", sqlite3_errmsg(sbx->db), sql);
		return EIO;
	}
	return 0;
}

/* sbx_json(kind, id, body): the JSON text of a row for plain SQL (the virtual column
 * "json"): the body when it is text, else the generated record rendered again. */
static void sql_json(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct sbx *sbx = sqlite3_user_data(ctx);
	int kind = sqlite3_value_int(argv[0]);
	struct sbuf b = {0};
	int err;

	(void)argc;
	/* SQLite computes virtual columns for every INSERT and UPDATE too, where the value is
	 * thrown away: do not render a record for nothing. */
	if (sbx->priv->storing) {
		sqlite3_result_null(ctx);
		return;
	}
	if (sqlite3_value_type(argv[2]) != SQLITE_INTEGER) {
		sqlite3_result_value(ctx, argv[2]);
		return;
	}
	err = sbx_gen_render(sbx, (enum sbx_kind)kind, sqlite3_value_int64(argv[1]),
	                     sqlite3_value_int64(argv[2]), &b);
	if (err || b.err || b.len > INT32_MAX) {
		sbuf_free(&b);
		sqlite3_result_null(ctx);
		return;
	}
	/* The buffer's memory passes to SQLite, which frees it with free(). */
	sqlite3_result_text(ctx, b.p ? b.p : "", (int)b.len, b.p ? free : SQLITE_STATIC);
}

/* The index of s in a column's dict, or -1 (no dict, NULL, or a text not in it). */
static int dict_find(const char *const *dict, const char *s)
{
	for (int i = 0; dict && s && dict[i]; i++)
		if (!strcmp(dict[i], s))
			return i;
	return -1;
}

/* sbx_dict(kind * SBX_MAX_COLS + column, stored): the text of a dict column (its virtual
 * column): the dict's entry for a stored index, anything else as it is. */
static void sql_dict(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int kc = sqlite3_value_int(argv[0]);
	const char *const *dict = kc >= 0 && kc < SBX_KIND_COUNT * SBX_MAX_COLS
	                                  ? kinds[kc / SBX_MAX_COLS].cols[kc % SBX_MAX_COLS].dict
	                                  : NULL;
	struct sbx *sbx = sqlite3_user_data(ctx);
	int64_t i = sqlite3_value_int64(argv[1]), n = 0;

	(void)argc;
	/* As for sbx_json: SQLite works the column out on every INSERT and throws it away. */
	if (sbx->priv->storing) {
		sqlite3_result_null(ctx);
		return;
	}
	while (dict && n <= i && dict[n])
		n++;
	if (sqlite3_value_type(argv[1]) == SQLITE_INTEGER && i >= 0 && i < n)
		sqlite3_result_text(ctx, dict[i], -1, SQLITE_STATIC);
	else
		sqlite3_result_value(ctx, argv[1]);
}

/* The FNV-1a hash of a text (see sbx_core.h). */
int64_t sbx_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return (int64_t)h;
}

/* sbx_hash(text): NULL for NULL, else the text's hash. */
static void sql_hash(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL || !s)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_int64(ctx, sbx_hash(s));
}

/* True when the store has a table of that name. */
static bool has_table(struct sbx *sbx, const char *name)
{
	sqlite3_stmt *st = NULL;
	bool found = false;

	if (prepare(sbx, "SELECT 1 FROM sqlite_schema WHERE type='table' AND name=?", &st))
		return false;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* Decides what the store holds: an org in this layout (0, not fresh), nothing yet (0, fresh;
 * the remains of a generation that did not finish are dropped), or an org in another layout
 * (EPROTO). */
static int check_layout(struct sbx *sbx, bool *fresh)
{
	char gen[160], layout[16];
	struct sbuf sql = {0};
	int err = 0;

	*fresh = !has_table(sbx, "meta") || sbx_db_meta_get(sbx, "generator", gen, sizeof(gen));
	if (!*fresh) {
		if (sbx_db_meta_get(sbx, "layout", layout, sizeof(layout)) ||
		    strcmp(layout, LAYOUT)) {
			log_error("sandbox",
			          "%s was written by an older loftdial-sandbox (another table "
			          "layout); remove it and start again",
			          sbx->opts.state);
			return EPROTO;
		}
		return 0;
	}
	/* A generation that was cut short (the generator meta comes last) left partial tables
	 * in a state file: start over. */
	for (int k = 0; k < SBX_KIND_COUNT && !err; k++) {
		sbuf_reset(&sql);
		sbuf_printf(&sql, "DROP TABLE IF EXISTS %s", kinds[k].name);
		err = sql.err ? sql.err : sbx_db_exec(sbx, sbuf_cstr(&sql));
	}
	if (!err)
		err = sbx_db_exec(sbx, "DROP TABLE IF EXISTS sbx_gen_people;"
		                       "DROP TABLE IF EXISTS sbx_call_tasks;"
		                       "DROP TABLE IF EXISTS task_idempotency_keys");
	sbuf_free(&sql);
	return err;
}

/* Opens the store and creates the tables (secondary indexes come later, after a bulk load). */
int sbx_db_open(struct sbx *sbx, bool *fresh)
{
	const char *path = sbx->opts.state[0] ? sbx->opts.state : ":memory:";
	struct sbuf sql = {0};
	int err = 0;

	/* Memory statistics cost a mutex per allocation, and a big org makes millions. Too late
	 * (SQLITE_MISUSE) when something already initialised SQLite: harmless. */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/* One thread uses the connection (the loop's): no per-call mutex. */
	if (sqlite3_open_v2(path, &sbx->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		log_error("sandbox", "cannot open %s: %s", path,
		          sbx->db ? sqlite3_errmsg(sbx->db) : "out of memory");
		err = EIO;
		goto out;
	}
	if (sqlite3_create_function(sbx->db, "sbx_json", 3,
	                            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, sbx,
	                            sql_json, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(sbx->db, "sbx_dict", 2,
	                            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, sbx,
	                            sql_dict, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(sbx->db, "sbx_hash", 1,
	                            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
	                            sql_hash, NULL, NULL) != SQLITE_OK) {
		err = EIO;
		goto out;
	}
	/* Sorting for the index builds happens in memory, with a bounded cache for a state
	 * file (its pages live in the OS's file cache, not in our memory). */
	err = sbx_db_exec(sbx, "PRAGMA temp_store=MEMORY; PRAGMA threads=2;"
	                       "PRAGMA cache_size=-262144; PRAGMA synchronous=OFF");
	if (!err)
		err = check_layout(sbx, fresh);
	if (err)
		goto out;
	/* While the org is loaded nothing is journaled: a failed generation is started over
	 * (see check_layout), so there is nothing to roll back to. sbx_db_loaded() turns the
	 * journal back on. Big pages: fewer, larger allocations. Ignored for an existing file. */
	if (*fresh)
		err = sbx_db_exec(sbx, "PRAGMA page_size=16384; PRAGMA journal_mode=OFF");
	else
		err = sbx_db_loaded(sbx);
	if (!err)
		err = sbx_db_exec(sbx, "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, "
		                       "value TEXT)");
	/* Which call completed which task: the Call record names its action but no task
	 * (reference §4.10), yet a task_id is usable once, so writes.c keeps the link here. */
	if (!err)
		err = sbx_db_exec(sbx, "CREATE TABLE IF NOT EXISTS sbx_call_tasks(task_id INTEGER "
		                       "PRIMARY KEY, call_id INTEGER NOT NULL)");
	for (int k = 0; k < SBX_KIND_COUNT && !err; k++) {
		const struct sbx_kind_desc *d = &kinds[k];
		size_t n = ncols(d);

		sbuf_reset(&sql);
		sbuf_printf(
		        &sql,
		        "CREATE TABLE IF NOT EXISTS %s(id INTEGER PRIMARY KEY, created_us "
		        "INTEGER, updated_us INTEGER, body NOT NULL, json TEXT GENERATED ALWAYS "
		        "AS (sbx_json(%d, id, body)) VIRTUAL",
		        d->name, k);
		for (size_t c = 0; c < n; c++) {
			if (d->cols[c].dict)
				sbuf_printf(
				        &sql,
				        ", %s_v, %s TEXT GENERATED ALWAYS AS (sbx_dict(%d, %s_v)) "
				        "VIRTUAL",
				        d->cols[c].name, d->cols[c].name, k * SBX_MAX_COLS + (int)c,
				        d->cols[c].name);
			else
				sbuf_printf(&sql, ", %s %s", d->cols[c].name,
				            d->cols[c].type == SBX_COL_TEXT ? "TEXT" : "INTEGER");
		}
		sbuf_puts(&sql, ")");
		err = sql.err ? sql.err : sbx_db_exec(sbx, sbuf_cstr(&sql));
	}
	/* POST /v2/tasks remembers its idempotency keys here (writes.c); the key is not part of
	 * the task record, so it has no column there. */
	if (!err)
		err = sbx_db_exec(sbx, "CREATE TABLE IF NOT EXISTS task_idempotency_keys(key TEXT "
		                       "PRIMARY KEY, task_id INTEGER NOT NULL)");
	if (!err && *fresh)
		err = sbx_db_meta_set(sbx, "layout", LAYOUT);
out:
	sbuf_free(&sql);
	return err;
}

/* The journal for serving: WAL for a state file (a crash loses at most the last writes),
 * in memory for an in-memory store (a failed statement can still roll back). */
int sbx_db_loaded(struct sbx *sbx)
{
	return sbx_db_exec(sbx, sbx->opts.state[0] ? "PRAGMA journal_mode=WAL"
	                                           : "PRAGMA journal_mode=MEMORY");
}

/* Creates the indexes that list queries use (idempotent), after the bulk load: building an
 * index from sorted keys is cheaper than keeping it up row by row. The sort runs in chunks of
 * the cache size (PMAs), which at a few tens of megabytes stay far friendlier to the CPU
 * caches than one huge in-memory merge sort. Ties in a sort are broken by id, which every
 * index already ends with (the rowid), so the time indexes name one column. */
int sbx_db_create_indexes(struct sbx *sbx)
{
	struct sbuf sql = {0};
	int err = sbx_db_exec(sbx, "PRAGMA cache_size=2000");

	for (int k = 0; k < SBX_KIND_COUNT && !err; k++) {
		const struct sbx_kind_desc *d = &kinds[k];
		size_t n = ncols(d);

		sbuf_reset(&sql);
		sbuf_printf(&sql,
		            "CREATE INDEX IF NOT EXISTS %s_upd ON %s(updated_us);"
		            "CREATE INDEX IF NOT EXISTS %s_cre ON %s(created_us);",
		            d->name, d->name, d->name, d->name);
		for (size_t c = 0; c < n; c++) {
			if (!d->cols[c].index)
				continue;
			sbuf_printf(&sql,
			            d->cols[c].hashed
			                    ? "CREATE INDEX IF NOT EXISTS %s_%s ON %s(sbx_hash(%s))"
			                    : "CREATE INDEX IF NOT EXISTS %s_%s ON %s(%s)",
			            d->name, d->cols[c].name, d->name, d->cols[c].name);
			if (d->cols[c].sparse)
				sbuf_printf(&sql, " WHERE %s IS NOT NULL", d->cols[c].name);
			sbuf_puts(&sql, ";");
		}
		err = sql.err ? sql.err : sbx_db_exec(sbx, sbuf_cstr(&sql));
	}
	sbuf_free(&sql);
	/* Sampled statistics: enough for the planner, and fast on a million rows. */
	if (!err)
		err = sbx_db_exec(sbx, "PRAGMA analysis_limit=1000; ANALYZE");
	return err ? err : sbx_db_exec(sbx, "PRAGMA cache_size=-262144");
}

/* Finalizes cached statements and closes the store. */
void sbx_db_close(struct sbx *sbx)
{
	for (int k = 0; k < SBX_KIND_COUNT; k++) {
		sqlite3_finalize(sbx->priv->ins[k]);
		sqlite3_finalize(sbx->priv->body[k]);
		sbx->priv->ins[k] = sbx->priv->body[k] = NULL;
	}
	sqlite3_close(sbx->db);
	sbx->db = NULL;
}

/* INSERT OR REPLACE of one row through a cached statement. */
int sbx_db_insert(struct sbx *sbx, enum sbx_kind kind, int64_t id, int64_t created_us,
                  int64_t updated_us, const char *json, size_t len, int64_t person,
                  const struct sbx_val *vals)
{
	const struct sbx_kind_desc *d = sbx_kind_desc(kind);
	sqlite3_stmt **st;
	size_t n;
	int rc;

	if (!d)
		return EINVAL;
	n = ncols(d);
	st = &sbx->priv->ins[kind];
	if (!*st) {
		struct sbuf sql = {0};
		int err;

		sbuf_printf(&sql, "INSERT OR REPLACE INTO %s VALUES(?,?,?,?", d->name);
		for (size_t c = 0; c < n; c++)
			sbuf_puts(&sql, ",?");
		sbuf_puts(&sql, ")");
		err = sql.err ? sql.err : prepare(sbx, sbuf_cstr(&sql), st);
		sbuf_free(&sql);
		if (err)
			return err;
	}
	sqlite3_bind_int64(*st, 1, id);
	if (created_us == SBX_NONE)
		sqlite3_bind_null(*st, 2);
	else
		sqlite3_bind_int64(*st, 2, created_us);
	if (updated_us == SBX_NONE)
		sqlite3_bind_null(*st, 3);
	else
		sqlite3_bind_int64(*st, 3, updated_us);
	if (json)
		sqlite3_bind_text(*st, 4, json, (int)len, SQLITE_STATIC);
	else
		sqlite3_bind_int64(*st, 4, person);
	for (size_t c = 0; c < n; c++) {
		int i = (int)c + 5, di = -1;

		if (!vals[c].null && d->cols[c].type == SBX_COL_TEXT)
			di = dict_find(d->cols[c].dict, vals[c].s);
		if (vals[c].null)
			sqlite3_bind_null(*st, i);
		else if (di >= 0)
			sqlite3_bind_int(*st, i, di);
		else if (d->cols[c].type == SBX_COL_TEXT)
			sqlite3_bind_text(*st, i, vals[c].s ? vals[c].s : "", -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(*st, i, vals[c].i);
	}
	sbx->priv->storing = true;
	rc = sqlite3_step(*st);
	sbx->priv->storing = false;
	sqlite3_reset(*st);
	if (rc != SQLITE_DONE) {
		log_error("sandbox", "insert %s: %s", d->name, sqlite3_errmsg(sbx->db));
		return EIO;
	}
	return 0;
}

/* The number of rows of a kind. */
int64_t sbx_db_count(struct sbx *sbx, enum sbx_kind kind)
{
	sqlite3_stmt *st = NULL;
	char sql[128];
	int64_t n = 0;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", sbx_kind_name(kind));
	if (prepare(sbx, sql, &st))
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Reads a meta value; ENOENT when absent. */
int sbx_db_meta_get(struct sbx *sbx, const char *key, char *out, size_t n)
{
	sqlite3_stmt *st = NULL;
	int err = ENOENT;

	if (prepare(sbx, "SELECT value FROM meta WHERE key=?", &st))
		return EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);

		snprintf(out, n, "%s", v ? v : "");
		err = 0;
	}
	sqlite3_finalize(st);
	return err;
}

/* Writes a meta value. */
int sbx_db_meta_set(struct sbx *sbx, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (prepare(sbx, "INSERT OR REPLACE INTO meta VALUES(?,?)", &st))
		return EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : EIO;
}

/* Rewrites "_href" prefixes after the base URL changed (a state file reused on another
 * port). The pattern includes "/v2/" so that one port is never a prefix of another. Only text
 * bodies hold URLs: generated records are rendered with the current base URL. */
int sbx_db_rebase(struct sbx *sbx, const char *from, const char *to)
{
	char a[160], b[160], sql[200];
	int err = 0;

	snprintf(a, sizeof(a), "\"_href\":\"%s/v2/", from);
	snprintf(b, sizeof(b), "\"_href\":\"%s/v2/", to);
	for (int k = 0; k < SBX_KIND_COUNT && !err; k++) {
		sqlite3_stmt *st = NULL;

		snprintf(sql, sizeof(sql),
		         "UPDATE %s SET body=replace(body, ?1, ?2) WHERE typeof(body)='text' AND "
		         "instr(body, ?1)",
		         kinds[k].name);
		if (prepare(sbx, sql, &st))
			return EIO;
		sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
		sbx->priv->storing = true;
		if (sqlite3_step(st) != SQLITE_DONE)
			err = EIO;
		sbx->priv->storing = false;
		sqlite3_finalize(st);
	}
	return err;
}

/* The first occurrence of key (n bytes) in text (len bytes), or NULL. */
static const char *find(const char *text, size_t len, const char *key, size_t n)
{
	for (size_t i = 0; n && i + n <= len; i++)
		if (text[i] == key[0] && !memcmp(text + i, key, n))
			return text + i;
	return NULL;
}

/* Appends a stored action's text with its "due" member worked out now: due says whether the
 * action is due at this moment (§4.7), so a stored true/false would go stale as the clock
 * moves. The text is the store's own (sbx_record_put prints it), so the members are found
 * by their literal spelling; anything unexpected is appended as it is. */
static void action_append(struct sbx *sbx, const char *text, size_t len, struct sbuf *out)
{
	static const char due_key[] = "\"due\":", on_key[] = "\"due_on\":\"";
	static const char done[] = "\"status\":\"completed\"";
	const char *due = find(text, len, due_key, sizeof(due_key) - 1);
	const char *on = find(text, len, on_key, sizeof(on_key) - 1);
	const char *val, *end;
	char when[48];
	int64_t us;
	size_t k;

	/* A completed action is not due any more, whatever its due_on says. */
	if (!due || !on || find(text, len, done, sizeof(done) - 1)) {
		sbuf_putn(out, text, len);
		return;
	}
	val = due + sizeof(due_key) - 1;
	end = len - (size_t)(val - text) >= 5 && !memcmp(val, "false", 5)  ? val + 5
	      : len - (size_t)(val - text) >= 4 && !memcmp(val, "true", 4) ? val + 4
	                                                                   : NULL;
	on += sizeof(on_key) - 1;
	for (k = 0; k + 1 < sizeof(when) && on + k < text + len && on[k] != '"'; k++)
		when[k] = on[k];
	when[k] = '\0';
	if (!end || sbx_time_parse(when, &us, NULL)) {
		sbuf_putn(out, text, len);
		return;
	}
	sbuf_putn(out, text, (size_t)(val - text));
	sbuf_puts(out, us <= sbx_now_us(sbx) ? "true" : "false");
	sbuf_putn(out, end, len - (size_t)(end - text));
}

/* Appends a row's JSON: its text body, or its generated record rendered again. */
int sbx_db_body_append(struct sbx *sbx, enum sbx_kind kind, int64_t id, sqlite3_stmt *st, int col,
                       struct sbuf *out)
{
	const char *text;
	size_t len;

	if (sqlite3_column_type(st, col) == SQLITE_INTEGER)
		return sbx_gen_render(sbx, kind, id, sqlite3_column_int64(st, col), out);
	text = (const char *)sqlite3_column_text(st, col);
	len = (size_t)sqlite3_column_bytes(st, col);
	if (kind == SBX_ACTIONS && text)
		action_append(sbx, text, len, out);
	else
		sbuf_putn(out, text, len);
	return out->err;
}

/* The stored JSON of one record. */
int sbx_record_get_text(struct sbx *sbx, enum sbx_kind kind, int64_t id, char **out, size_t *len)
{
	sqlite3_stmt **st;
	struct sbuf b = {0};
	int err = ENOENT;

	if (!sbx || !out || !sbx_kind_desc(kind))
		return EINVAL;
	st = &sbx->priv->body[kind];
	if (!*st) {
		char sql[128];

		snprintf(sql, sizeof(sql), "SELECT body FROM %s WHERE id=?", sbx_kind_name(kind));
		if (prepare(sbx, sql, st))
			return EIO;
	}
	sqlite3_bind_int64(*st, 1, id);
	if (sqlite3_step(*st) == SQLITE_ROW) {
		err = sbx_db_body_append(sbx, kind, id, *st, 0, &b);
		sbuf_cstr(&b);
		if (!err)
			err = b.err;
	}
	sqlite3_reset(*st);
	if (err) {
		sbuf_free(&b);
		return err;
	}
	*out = b.p;
	if (len)
		*len = b.len;
	return 0;
}

/* The stored record as cJSON. */
int sbx_record_get(struct sbx *sbx, enum sbx_kind kind, int64_t id, cJSON **out)
{
	char *text = NULL;
	int err;

	if (!out)
		return EINVAL;
	err = sbx_record_get_text(sbx, kind, id, &text, NULL);
	if (err)
		return err;
	*out = cJSON_Parse(text);
	free(text);
	return *out ? 0 : EIO;
}

/* Follows a dotted path ("owner.id") in a record. */
static const cJSON *json_path(const cJSON *rec, const char *path)
{
	char part[64];
	const cJSON *cur = rec;

	while (cur && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(part))
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		cur = cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, part) : NULL;
		path += n + (dot ? 1 : 0);
	}
	return cur;
}

/* Extracts the indexed column values of a record. */
static void extract(const struct sbx_kind_desc *d, const cJSON *rec, struct sbx_val *vals)
{
	for (size_t c = 0; c < ncols(d); c++) {
		const cJSON *v = json_path(rec, d->cols[c].path);

		memset(&vals[c], 0, sizeof(vals[c]));
		vals[c].null = true;
		switch (d->cols[c].type) {
		case SBX_COL_INT:
			if (cJSON_IsNumber(v)) {
				vals[c].i = (int64_t)v->valuedouble;
				vals[c].null = false;
			}
			break;
		case SBX_COL_BOOL:
			if (cJSON_IsBool(v) || cJSON_IsNumber(v)) {
				vals[c].i = cJSON_IsTrue(v) ||
				            (cJSON_IsNumber(v) && v->valuedouble != 0);
				vals[c].null = false;
			}
			break;
		case SBX_COL_TEXT:
			if (cJSON_IsString(v)) {
				vals[c].s = v->valuestring;
				vals[c].null = false;
			}
			break;
		case SBX_COL_TIME:
			if (cJSON_IsString(v) && !sbx_time_parse(v->valuestring, &vals[c].i, NULL))
				vals[c].null = false;
			break;
		}
	}
}

/* True when a record of that kind and id exists. */
static bool exists(struct sbx *sbx, enum sbx_kind kind, int64_t id)
{
	sqlite3_stmt *st = NULL;
	char sql[128];
	bool found = false;

	snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE id=?", sbx_kind_name(kind));
	if (prepare(sbx, sql, &st))
		return false;
	sqlite3_bind_int64(st, 1, id);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* The next free id of a kind. */
static int64_t next_id(struct sbx *sbx, enum sbx_kind kind)
{
	sqlite3_stmt *st = NULL;
	char sql[128];
	int64_t id = kinds[kind].first_id;

	snprintf(sql, sizeof(sql), "SELECT max(id) FROM %s", sbx_kind_name(kind));
	if (prepare(sbx, sql, &st))
		return id;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		id = sqlite3_column_int64(st, 0) + 1;
	sqlite3_finalize(st);
	return id;
}

/* Sets member key of obj to a new value, keeping its position when it exists. */
static void set_member(cJSON *obj, const char *key, cJSON *val)
{
	if (!val)
		return;
	if (cJSON_GetObjectItemCaseSensitive(obj, key))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, val);
	else
		cJSON_AddItemToObject(obj, key, val);
}

/* Inserts or updates a record from cJSON (see sbx.h). */
/* People and users: locale_utc_offset follows the zone that their locale (people) or
 * time_zone (users) names, at the moment the record is written, daylight saving time
 * included. A person whose locale is null has no offset either; a name the tz database does
 * not know leaves the offset as it was. */
static void zone_offset_refresh(enum sbx_kind kind, cJSON *rec, int64_t now)
{
	const char *key = kind == SBX_PEOPLE ? "locale" : kind == SBX_USERS ? "time_zone" : NULL;
	const cJSON *name;
	const struct sbx_tz *z;

	if (!key || !cJSON_GetObjectItemCaseSensitive(rec, "locale_utc_offset"))
		return;
	name = cJSON_GetObjectItemCaseSensitive(rec, key);
	if (kind == SBX_PEOPLE && (!name || cJSON_IsNull(name)))
		set_member(rec, "locale_utc_offset", cJSON_CreateNull());
	else if (cJSON_IsString(name) && (z = sbx_tz_get(name->valuestring)) != NULL)
		set_member(rec, "locale_utc_offset", cJSON_CreateNumber(sbx_tz_offset(z, now)));
}

int sbx_record_put(struct sbx *sbx, enum sbx_kind kind, cJSON *rec, int64_t *idp)
{
	const struct sbx_kind_desc *d = sbx_kind_desc(kind);
	struct sbx_val vals[SBX_MAX_COLS];
	const cJSON *jid;
	int64_t id, now, created_us = SBX_NONE, updated_us = SBX_NONE;
	bool update = false;
	char *text = NULL;
	int err;

	if (!sbx || !d || !cJSON_IsObject(rec))
		return EINVAL;
	now = sbx_now_us(sbx);
	jid = cJSON_GetObjectItemCaseSensitive(rec, "id");
	if (cJSON_IsNumber(jid) && jid->valuedouble >= 1) {
		id = (int64_t)jid->valuedouble;
		update = exists(sbx, kind, id);
	} else {
		id = next_id(sbx, kind);
		cJSON_DeleteItemFromObjectCaseSensitive(rec, "id");
		/* The id comes first in every Salesloft record. */
		cJSON *n = cJSON_CreateNumber((double)id);

		if (!n)
			return ENOMEM;
		n->string = strdup("id");
		if (!n->string || !cJSON_InsertItemInArray(rec, 0, n)) {
			cJSON_Delete(n);
			return ENOMEM;
		}
	}
	if (d->timestamps) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(rec, "created_at");
		char t[40];

		if (cJSON_IsString(c) && !sbx_time_parse(c->valuestring, &created_us, NULL)) {
			/* keep the record's own creation time */
		} else {
			created_us = now;
			sbx_time_render(t, sizeof(t), now, sbx_team_offset(now));
			set_member(rec, "created_at", cJSON_CreateString(t));
		}
		updated_us = now;
		sbx_time_render(t, sizeof(t), now, sbx_team_offset(now));
		set_member(rec, "updated_at", cJSON_CreateString(t));
	}
	zone_offset_refresh(kind, rec, now);
	text = cJSON_PrintUnformatted(rec);
	if (!text)
		return ENOMEM;
	extract(d, rec, vals);
	err = sbx_db_insert(sbx, kind, id, created_us, updated_us, text, strlen(text), -1, vals);
	if (err)
		goto out;
	if (idp)
		*idp = id;
	if (kind == SBX_CALLS && !update)
		sbx->counters.calls_logged++;
	sbx_changed(sbx, kind, id, update ? "updated" : "created", text, strlen(text));
out:
	free(text);
	return err;
}

/* Hard-deletes a record and tells the change hooks. */
int sbx_record_delete(struct sbx *sbx, enum sbx_kind kind, int64_t id)
{
	sqlite3_stmt *st = NULL;
	char sql[128], *text = NULL;
	size_t len = 0;
	int err;

	err = sbx_record_get_text(sbx, kind, id, &text, &len);
	if (err)
		return err;
	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE id=?", sbx_kind_name(kind));
	err = prepare(sbx, sql, &st);
	if (!err) {
		sqlite3_bind_int64(st, 1, id);
		err = sqlite3_step(st) == SQLITE_DONE ? 0 : EIO;
		sqlite3_finalize(st);
	}
	if (!err)
		sbx_changed(sbx, kind, id, "deleted", text, len);
	free(text);
	return err;
}

/* Finds a record by an indexed column. */
int sbx_record_find(struct sbx *sbx, enum sbx_kind kind, const char *column, const char *value,
                    int64_t *idp)
{
	const struct sbx_kind_desc *d = sbx_kind_desc(kind);
	sqlite3_stmt *st = NULL;
	char sql[160];
	int err = ENOENT;
	size_t c;

	if (!sbx || !d || !column || !value || !idp)
		return EINVAL;
	for (c = 0; c < ncols(d); c++) {
		if (!strcmp(d->cols[c].name, column))
			break;
	}
	if (c == ncols(d))
		return EINVAL;
	if (d->cols[c].hashed)
		snprintf(sql, sizeof(sql),
		         "SELECT id FROM %s WHERE %s=? AND sbx_hash(%s)=?2 ORDER BY id LIMIT 1",
		         d->name, column, column);
	else
		snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE %s=? ORDER BY id LIMIT 1",
		         d->name, column);
	if (prepare(sbx, sql, &st))
		return EIO;
	if (d->cols[c].hashed)
		sqlite3_bind_int64(st, 2, sbx_hash(value));
	if (d->cols[c].type == SBX_COL_TEXT) {
		sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
	} else if (d->cols[c].type == SBX_COL_BOOL) {
		sqlite3_bind_int(st, 1, !strcmp(value, "true") || !strcmp(value, "1"));
	} else {
		sqlite3_bind_int64(st, 1, strtoll(value, NULL, 10));
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		*idp = sqlite3_column_int64(st, 0);
		err = 0;
	}
	sqlite3_finalize(st);
	return err;
}

/* Adds an embedded reference member to a cJSON object. */
int sbx_ref_add(struct sbx *sbx, cJSON *obj, const char *key, enum sbx_kind kind, int64_t id)
{
	cJSON *ref;
	char href[256];

	if (!sbx || !obj || !key || !sbx_kind_desc(kind))
		return EINVAL;
	if (id <= 0) {
		set_member(obj, key, cJSON_CreateNull());
		return 0;
	}
	ref = cJSON_CreateObject();
	if (!ref)
		return ENOMEM;
	snprintf(href, sizeof(href), "%s/v2/%s/%lld", sbx->base_url, sbx_kind_path(kind),
	         (long long)id);
	cJSON_AddStringToObject(ref, "_href", href);
	cJSON_AddNumberToObject(ref, "id", (double)id);
	set_member(obj, key, ref);
	return 0;
}

/*
 * records: storing synced Salesloft objects. One table-driven column map per object says
 * which JSON field (or embedded reference's field) lands in which column with which type; the
 * SQL for every object is built once from those maps and kept as cached statements, so an
 * upsert is one bound INSERT ... ON CONFLICT DO UPDATE with no per-row schema work.
 *
 * The maps must agree with the tables of schema.c; a unit test checks every mapped column
 * exists. Extraction is defensive: a missing, null or wrongly typed field becomes NULL.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/log.h"
#include "loftdial/records.h"
#include "loftdial/text.h"
#include "store_int.h"

enum col_kind {
	COL_TEXT, /* JSON string → TEXT */
	COL_INT,  /* integral number or decimal string → INTEGER */
	COL_BOOL, /* true/false → 0/1 */
	COL_JSON, /* any non-null value → its compact JSON text */
};

/* One extracted column: rec[key] (or rec[key][sub] for an embedded reference). */
struct col_map {
	const char *column;
	const char *key;
	const char *sub; /* NULL for a top-level field */
	enum col_kind kind;
};

#define MAX_COLS 20

struct obj_def {
	const char *table;
	const struct col_map *cols;
	size_t ncols;
};

static const struct col_map users_cols[] = {
        {"guid", "guid", NULL, COL_TEXT},
        {"name", "name", NULL, COL_TEXT},
        {"first_name", "first_name", NULL, COL_TEXT},
        {"last_name", "last_name", NULL, COL_TEXT},
        {"email", "email", NULL, COL_TEXT},
        {"active", "active", NULL, COL_BOOL},
        {"time_zone", "time_zone", NULL, COL_TEXT},
        {"locale_utc_offset", "locale_utc_offset", NULL, COL_INT},
        {"team_admin", "team_admin", NULL, COL_BOOL},
        {"sending_email_address", "sending_email_address", NULL, COL_TEXT},
        {"role", "role", "id", COL_TEXT}, /* role.id is a string ("Admin") */
        {"team_id", "team", "id", COL_INT},
        {"group_id", "group", "id", COL_INT},
};

static const struct col_map accounts_cols[] = {
        {"name", "name", NULL, COL_TEXT},
        {"domain", "domain", NULL, COL_TEXT},
        {"phone", "phone", NULL, COL_TEXT},
        {"website", "website", NULL, COL_TEXT},
        {"owner_id", "owner", "id", COL_INT},
        {"archived_at", "archived_at", NULL, COL_TEXT},
        {"do_not_contact", "do_not_contact", NULL, COL_BOOL},
        {"locale", "locale", NULL, COL_TEXT},
};

static const struct col_map people_cols[] = {
        {"first_name", "first_name", NULL, COL_TEXT},
        {"last_name", "last_name", NULL, COL_TEXT},
        {"display_name", "display_name", NULL, COL_TEXT},
        {"email", "email_address", NULL, COL_TEXT},
        {"title", "title", NULL, COL_TEXT},
        {"company", "person_company_name", NULL, COL_TEXT},
        {"phone", "phone", NULL, COL_TEXT},
        {"phone_extension", "phone_extension", NULL, COL_TEXT},
        {"mobile_phone", "mobile_phone", NULL, COL_TEXT},
        {"home_phone", "home_phone", NULL, COL_TEXT},
        {"locale", "locale", NULL, COL_TEXT},
        {"locale_utc_offset", "locale_utc_offset", NULL, COL_INT},
        {"do_not_contact", "do_not_contact", NULL, COL_BOOL},
        {"contact_restrictions", "contact_restrictions", NULL, COL_JSON},
        {"owner_id", "owner", "id", COL_INT},
        {"account_id", "account", "id", COL_INT},
};

static const struct col_map cadences_cols[] = {
        {"name", "name", NULL, COL_TEXT},
        {"owner_id", "owner", "id", COL_INT},
        {"archived_at", "archived_at", NULL, COL_TEXT},
        {"team_cadence", "team_cadence", NULL, COL_BOOL},
        {"shared", "shared", NULL, COL_BOOL},
        {"draft", "draft", NULL, COL_BOOL},
        {"cadence_function", "cadence_function", NULL, COL_TEXT},
};

static const struct col_map memberships_cols[] = {
        {"person_id", "person", "id", COL_INT},
        {"cadence_id", "cadence", "id", COL_INT},
        {"user_id", "user", "id", COL_INT},
        {"current_state", "current_state", NULL, COL_TEXT},
        {"currently_on_cadence", "currently_on_cadence", NULL, COL_BOOL},
        {"person_deleted", "person_deleted", NULL, COL_BOOL},
        {"added_at", "added_at", NULL, COL_TEXT},
};

static const struct col_map steps_cols[] = {
        {"cadence_id", "cadence", "id", COL_INT},         {"day", "day", NULL, COL_INT},
        {"step_number", "step_number", NULL, COL_INT},    {"name", "name", NULL, COL_TEXT},
        {"display_name", "display_name", NULL, COL_TEXT}, {"type", "type", NULL, COL_TEXT},
        {"disabled", "disabled", NULL, COL_BOOL},
};

static const struct col_map named_cols[] = {
        {"name", "name", NULL, COL_TEXT},
};

static const struct col_map calls_cols[] = {
        {"to_number", "to", NULL, COL_TEXT},
        {"duration", "duration", NULL, COL_INT},
        {"disposition", "disposition", NULL, COL_TEXT},
        {"sentiment", "sentiment", NULL, COL_TEXT},
        {"person_id", "called_person", "id", COL_INT},
        {"user_id", "user", "id", COL_INT},
        {"action_id", "action", "id", COL_INT},
        {"cadence_id", "cadence", "id", COL_INT},
        {"step_id", "step", "id", COL_INT},
};

static const struct col_map emails_cols[] = {
        {"status", "status", NULL, COL_TEXT},
        {"sent_at", "sent_at", NULL, COL_TEXT},
        {"person_id", "recipient", "id", COL_INT},
        {"cadence_id", "cadence", "id", COL_INT},
        {"step_id", "step", "id", COL_INT},
        {"user_id", "user", "id", COL_INT},
        {"recipient_email_address", "recipient_email_address", NULL, COL_TEXT},
        {"bounced", "bounced", NULL, COL_BOOL},
};

#define COLS(a) a, sizeof(a) / sizeof(a[0])

static const struct obj_def defs[STORE_OBJ_COUNT] = {
        [STORE_USERS] = {"sl_users", COLS(users_cols)},
        [STORE_ACCOUNTS] = {"sl_accounts", COLS(accounts_cols)},
        [STORE_PEOPLE] = {"sl_people", COLS(people_cols)},
        [STORE_CADENCES] = {"sl_cadences", COLS(cadences_cols)},
        [STORE_MEMBERSHIPS] = {"sl_cadence_memberships", COLS(memberships_cols)},
        [STORE_STEPS] = {"sl_steps", COLS(steps_cols)},
        [STORE_DISPOSITIONS] = {"sl_call_dispositions", COLS(named_cols)},
        [STORE_SENTIMENTS] = {"sl_call_sentiments", COLS(named_cols)},
        [STORE_CALLS] = {"sl_calls", COLS(calls_cols)},
        [STORE_EMAILS] = {"sl_emails", COLS(emails_cols)},
};

/* The SQL of one object, built once from its map (static: the statement cache keys on it). */
struct obj_sql {
	char upsert[4096];
	char touch[160];
	char del[160];
	char sweep[192];
	char count_live[192];
	char count_all[128];
	char get[128];
	char live[192];
	char is_live[128];
	char max_updated[192];
	char foreach_live[160];
	char foreach_all[160];
};

static struct obj_sql sqls[STORE_OBJ_COUNT];
static bool sqls_built;

/* The number of common leading parameters in the upsert (id .. raw). */
#define COMMON_PARAMS 7

/* Appends s to a fixed buffer, remembering whether it ever overflowed. */
static void cat(char *buf, size_t n, bool *overflow, const char *s)
{
	size_t len = strlen(buf);

	if (text_copy(buf + len, n - len, s) != 0)
		*overflow = true;
}

/* Builds the upsert for one object. */
static int build_upsert(const struct obj_def *d, char *buf, size_t n)
{
	bool over = false;
	char p[24];
	size_t i;

	if (d->ncols > MAX_COLS)
		return E2BIG;
	buf[0] = '\0';
	cat(buf, n, &over, "INSERT INTO ");
	cat(buf, n, &over, d->table);
	cat(buf, n, &over,
	    " (id, created_at, updated_at, updated_us, seen_generation, "
	    "synced_at, raw");
	for (i = 0; i < d->ncols; i++) {
		cat(buf, n, &over, ", ");
		cat(buf, n, &over, d->cols[i].column);
	}
	cat(buf, n, &over, ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7");
	for (i = 0; i < d->ncols; i++) {
		(void)text_printf(p, sizeof(p), ", ?%zu", i + 1 + COMMON_PARAMS);
		cat(buf, n, &over, p);
	}
	cat(buf, n, &over,
	    ") ON CONFLICT(id) DO UPDATE SET created_at = excluded.created_at, "
	    "updated_at = excluded.updated_at, updated_us = excluded.updated_us, "
	    "is_deleted = 0, deleted_at = NULL, "
	    "seen_generation = max(seen_generation, excluded.seen_generation), "
	    "synced_at = excluded.synced_at, raw = excluded.raw");
	for (i = 0; i < d->ncols; i++) {
		cat(buf, n, &over, ", ");
		cat(buf, n, &over, d->cols[i].column);
		cat(buf, n, &over, " = excluded.");
		cat(buf, n, &over, d->cols[i].column);
	}
	/* An older version of the record (a late webhook) never overwrites a newer one. */
	cat(buf, n, &over, " WHERE excluded.updated_us IS NULL OR ");
	cat(buf, n, &over, d->table);
	cat(buf, n, &over, ".updated_us IS NULL OR excluded.updated_us >= ");
	cat(buf, n, &over, d->table);
	cat(buf, n, &over, ".updated_us");
	return over ? E2BIG : 0;
}

/* Builds every object's SQL once. */
static int build_sql(void)
{
	unsigned o;
	int err = 0;

	if (sqls_built)
		return 0;
	for (o = 0; o < STORE_OBJ_COUNT && !err; o++) {
		const char *t = defs[o].table;
		struct obj_sql *s = &sqls[o];

		err = build_upsert(&defs[o], s->upsert, sizeof(s->upsert));
		err = err ? err
		          : text_printf(s->touch, sizeof(s->touch),
		                        "UPDATE %s SET seen_generation = max(seen_generation, ?2) "
		                        "WHERE id = ?1",
		                        t);
		err = err ? err
		          : text_printf(s->del, sizeof(s->del),
		                        "UPDATE %s SET is_deleted = 1, deleted_at = "
		                        "coalesce(deleted_at, ?2) WHERE id = ?1",
		                        t);
		err = err ? err
		          : text_printf(s->sweep, sizeof(s->sweep),
		                        "UPDATE %s SET is_deleted = 1, deleted_at = ?2 "
		                        "WHERE is_deleted = 0 AND seen_generation < ?1",
		                        t);
		err = err ? err
		          : text_printf(s->count_live, sizeof(s->count_live),
		                        /* Both counts read indexes only (schema v5). */
		                        "SELECT (SELECT count(*) FROM %s) - "
		                        "(SELECT count(*) FROM %s WHERE is_deleted <> 0)",
		                        t, t);
		err = err ? err
		          : text_printf(s->count_all, sizeof(s->count_all),
		                        "SELECT count(*) FROM %s", t);
		err = err ? err
		          : text_printf(s->get, sizeof(s->get), "SELECT raw FROM %s WHERE id = ?1",
		                        t);
		err = err ? err
		          : text_printf(s->live, sizeof(s->live),
		                        "SELECT id FROM %s WHERE id > ?1 AND is_deleted = 0 "
		                        "ORDER BY id LIMIT ?2",
		                        t);
		err = err ? err
		          : text_printf(s->is_live, sizeof(s->is_live),
		                        "SELECT is_deleted FROM %s WHERE id = ?1", t);
		err = err ? err
		          : text_printf(s->max_updated, sizeof(s->max_updated),
		                        "SELECT updated_at FROM %s WHERE updated_us IS NOT NULL "
		                        "ORDER BY updated_us DESC, id DESC LIMIT 1",
		                        t);
		err = err ? err
		          : text_printf(s->foreach_live, sizeof(s->foreach_live),
		                        "SELECT raw FROM %s WHERE is_deleted = 0 ORDER BY id", t);
		err = err ? err
		          : text_printf(s->foreach_all, sizeof(s->foreach_all),
		                        "SELECT raw FROM %s ORDER BY id", t);
	}
	if (err) {
		log_error("store", "records: SQL buffer too small");
		return err;
	}
	sqls_built = true;
	return 0;
}

/* The SQL set of obj, or NULL for a bad object. */
static const struct obj_sql *obj_sql(enum store_obj obj)
{
	if ((unsigned)obj >= STORE_OBJ_COUNT || build_sql())
		return NULL;
	return &sqls[obj];
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Reads exactly n digits at *p into *v and advances. */
static bool digits(const char **p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return true;
}

/* Parses Salesloft's ISO-8601 timestamps to UTC microseconds. */
int records_parse_time(const char *s, int64_t *us_out)
{
	static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	int64_t frac = 0, t;
	int nfrac = 0;
	const char *p = s;

	if (!s || !us_out)
		return EINVAL;
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d))
		return EINVAL;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return EINVAL;
	p++;
	if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
	    !digits(&p, 2, &sec))
		return EINVAL;
	if (*p == '.' || *p == ',') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (nfrac < 6) {
				frac = frac * 10 + (*p - '0');
				nfrac++;
			} else if (nfrac++ > 12) {
				return EINVAL;
			}
			p++;
		}
		if (nfrac == 0)
			return EINVAL;
		for (; nfrac < 6; nfrac++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (!digits(&p, 2, &oh))
			return EINVAL;
		if (*p == ':')
			p++;
		if (!digits(&p, 2, &om))
			return EINVAL;
		if (oh > 23 || om > 59)
			return EINVAL;
	} else {
		return EINVAL;
	}
	if (*p != '\0')
		return EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
		return EINVAL;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return EINVAL;
	t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= (int64_t)sign * (oh * 3600 + om * 60);
	*us_out = t * 1000000 + frac;
	return 0;
}

/* The integer in a JSON value: an integral number, or a string of decimal digits. */
static bool json_int(const cJSON *v, int64_t *out)
{
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (!isfinite(d) || d != floor(d) || fabs(d) > 9007199254740992.0)
			return false;
		*out = (int64_t)d;
		return true;
	}
	if (cJSON_IsString(v) && v->valuestring) {
		const char *s = v->valuestring;
		int64_t n = 0;
		bool neg = *s == '-';

		if (neg)
			s++;
		if (!*s || strlen(s) > 18)
			return false;
		for (; *s; s++) {
			if (*s < '0' || *s > '9')
				return false;
			n = n * 10 + (*s - '0');
		}
		*out = neg ? -n : n;
		return true;
	}
	return false;
}

/* Binds rec's text field key (verbatim) or NULL. */
static int bind_json_text(sqlite3_stmt *stmt, int idx, const cJSON *rec, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);

	if (cJSON_IsString(v) && v->valuestring)
		return sqlite3_bind_text(stmt, idx, v->valuestring, -1, SQLITE_STATIC);
	return sqlite3_bind_null(stmt, idx);
}

/* Binds one mapped column from rec. jsonbuf receives a printed value to free later. */
static int bind_col(sqlite3_stmt *stmt, int idx, const cJSON *rec, const struct col_map *c,
                    char **jsonbuf)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, c->key);
	int64_t n;

	if (c->sub)
		v = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, c->sub) : NULL;
	if (!v || cJSON_IsNull(v))
		return sqlite3_bind_null(stmt, idx);
	switch (c->kind) {
	case COL_TEXT:
		if (cJSON_IsString(v) && v->valuestring)
			return sqlite3_bind_text(stmt, idx, v->valuestring, -1, SQLITE_STATIC);
		if (c->sub && json_int(v, &n)) /* an embedded id kept as text (role.id) */
			return sqlite3_bind_int64(stmt, idx, n);
		break;
	case COL_INT:
		if (json_int(v, &n))
			return sqlite3_bind_int64(stmt, idx, n);
		break;
	case COL_BOOL:
		if (cJSON_IsBool(v))
			return sqlite3_bind_int(stmt, idx, cJSON_IsTrue(v) ? 1 : 0);
		break;
	case COL_JSON:
		*jsonbuf = cJSON_PrintUnformatted(v);
		if (!*jsonbuf)
			return SQLITE_NOMEM;
		return sqlite3_bind_text(stmt, idx, *jsonbuf, -1, SQLITE_STATIC);
	}
	return sqlite3_bind_null(stmt, idx);
}

/* Inserts or updates one synced record. */
int records_upsert(struct store *st, enum store_obj obj, const cJSON *rec, int64_t generation)
{
	const struct obj_sql *s = obj_sql(obj);
	const struct obj_def *d;
	char *jsonbufs[MAX_COLS] = {NULL};
	char *raw = NULL;
	sqlite3_stmt *stmt = NULL;
	const cJSON *upd;
	int64_t id, us;
	size_t i;
	int err, rc = SQLITE_OK;

	if (!st || !s || !cJSON_IsObject(rec))
		return EINVAL;
	if (!json_int(cJSON_GetObjectItemCaseSensitive(rec, "id"), &id) || id <= 0)
		return EINVAL;
	d = &defs[obj];
	raw = cJSON_PrintUnformatted(rec);
	if (!raw)
		return ENOMEM;
	err = store_stmt(st, s->upsert, &stmt);
	if (err)
		goto out;
	rc = sqlite3_bind_int64(stmt, 1, id);
	if (rc == SQLITE_OK)
		rc = bind_json_text(stmt, 2, rec, "created_at");
	upd = cJSON_GetObjectItemCaseSensitive(rec, "updated_at");
	if (rc == SQLITE_OK)
		rc = bind_json_text(stmt, 3, rec, "updated_at");
	if (rc == SQLITE_OK) {
		if (cJSON_IsString(upd) && records_parse_time(upd->valuestring, &us) == 0)
			rc = sqlite3_bind_int64(stmt, 4, us);
		else
			rc = sqlite3_bind_null(stmt, 4);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(stmt, 5, generation > 0 ? generation : 0);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(stmt, 6, store_now());
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(stmt, 7, raw, -1, SQLITE_STATIC);
	for (i = 0; i < d->ncols && rc == SQLITE_OK; i++)
		rc = bind_col(stmt, (int)(i + 1 + COMMON_PARAMS), rec, &d->cols[i], &jsonbufs[i]);
	if (rc != SQLITE_OK) {
		err = store_fail(st, rc, "records bind");
		goto out;
	}
	err = store_step_done(st, stmt, "records upsert");
	if (err)
		goto out;
	store_stmt_end(stmt);
	stmt = NULL;
	if (sqlite3_changes(store_sqlite(st)) == 0 && generation > 0) {
		/* A stale record was not written, but the full pass still saw the row. */
		err = store_stmt(st, s->touch, &stmt);
		if (err)
			goto out;
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_int64(stmt, 2, generation);
		err = store_step_done(st, stmt, "records touch");
	}
out:
	store_stmt_end(stmt);
	for (i = 0; i < MAX_COLS; i++)
		cJSON_free(jsonbufs[i]);
	cJSON_free(raw);
	return err;
}

/* Runs an UPDATE on one object binding (a, b) and reports the rows changed. */
static int update2(struct store *st, const char *sql, int64_t a, int64_t b, int *changed,
                   const char *what)
{
	sqlite3_stmt *stmt;
	int err;

	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	sqlite3_bind_int64(stmt, 1, a);
	sqlite3_bind_int64(stmt, 2, b);
	err = store_step_done(st, stmt, what);
	if (!err)
		*changed = sqlite3_changes(store_sqlite(st));
	store_stmt_end(stmt);
	return err;
}

/* Soft-deletes one row. */
int records_delete(struct store *st, enum store_obj obj, int64_t id)
{
	const struct obj_sql *s = obj_sql(obj);
	int err, changed = 0;

	if (!st || !s)
		return EINVAL;
	err = update2(st, s->del, id, store_now(), &changed, "records delete");
	if (!err && changed == 0)
		err = ENOENT;
	return err;
}

/* Marks deleted the rows a complete full pass did not see. */
int records_sweep_unseen(struct store *st, enum store_obj obj, int64_t generation, unsigned *marked)
{
	const struct obj_sql *s = obj_sql(obj);
	int err, changed = 0;

	if (marked)
		*marked = 0;
	if (!st || !s || generation <= 0)
		return EINVAL;
	err = update2(st, s->sweep, generation, store_now(), &changed, "records sweep");
	if (!err && marked)
		*marked = (unsigned)changed;
	return err;
}

/* Runs a one-row, one-integer query. ENOENT when there is no row. */
static int query_int(struct store *st, const char *sql, int64_t arg, bool has_arg, int64_t *out,
                     const char *what)
{
	sqlite3_stmt *stmt;
	int err;

	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	if (has_arg)
		sqlite3_bind_int64(stmt, 1, arg);
	err = store_step_row(st, stmt, what);
	if (!err)
		*out = sqlite3_column_int64(stmt, 0);
	store_stmt_end(stmt);
	return err;
}

/* Counts rows. */
int records_count(struct store *st, enum store_obj obj, bool include_deleted, int64_t *n)
{
	const struct obj_sql *s = obj_sql(obj);

	if (!st || !s || !n)
		return EINVAL;
	*n = 0;
	return query_int(st, include_deleted ? s->count_all : s->count_live, 0, false, n,
	                 "records count");
}

/* Is the row there and not deleted? */
int records_is_live(struct store *st, enum store_obj obj, int64_t id, bool *live)
{
	const struct obj_sql *s = obj_sql(obj);
	int64_t deleted = 1;
	int err;

	if (!st || !s || !live)
		return EINVAL;
	*live = false;
	err = query_int(st, s->is_live, id, true, &deleted, "records is_live");
	if (err == ENOENT)
		return 0;
	if (!err)
		*live = deleted == 0;
	return err;
}

/* The stored raw JSON of one row. */
int records_get_json(struct store *st, enum store_obj obj, int64_t id, char **json_out)
{
	const struct obj_sql *s = obj_sql(obj);
	sqlite3_stmt *stmt;
	int err;

	if (!st || !s || !json_out)
		return EINVAL;
	*json_out = NULL;
	err = store_stmt(st, s->get, &stmt);
	if (err)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	err = store_step_row(st, stmt, "records get");
	if (!err) {
		*json_out = store_col_dup(stmt, 0, &err);
		if (!*json_out && !err)
			err = ENOENT;
	}
	store_stmt_end(stmt);
	return err;
}

/* A page of live ids for the ids[] deletion sweep. */
int records_live_ids(struct store *st, enum store_obj obj, int64_t after_id, int64_t *ids,
                     size_t max, size_t *n)
{
	const struct obj_sql *s = obj_sql(obj);
	sqlite3_stmt *stmt;
	int err, rc;

	if (!n)
		return EINVAL;
	*n = 0;
	if (!st || !s || (!ids && max > 0))
		return EINVAL;
	if (max == 0)
		return 0;
	err = store_stmt(st, s->live, &stmt);
	if (err)
		return err;
	sqlite3_bind_int64(stmt, 1, after_id);
	sqlite3_bind_int64(stmt, 2, max > INT32_MAX ? INT32_MAX : (int64_t)max);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && *n < max)
		ids[(*n)++] = sqlite3_column_int64(stmt, 0);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = store_fail(st, rc, "records live ids");
	store_stmt_end(stmt);
	return err;
}

/* Walks the rows' raw JSON in id order (export). */
int records_foreach(struct store *st, enum store_obj obj, bool include_deleted, records_each_h *cb,
                    void *arg)
{
	const struct obj_sql *s = obj_sql(obj);
	sqlite3_stmt *stmt = NULL;
	int err = 0, rc;

	if (!st || !s || !cb)
		return EINVAL;
	/* A statement of its own, so the callback may use the cached ones. */
	rc = sqlite3_prepare_v2(store_sqlite(st),
	                        include_deleted ? s->foreach_all : s->foreach_live, -1, &stmt,
	                        NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "records foreach");
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const unsigned char *json = sqlite3_column_text(stmt, 0);

		err = cb(json ? (const char *)json : "null", arg);
		if (err)
			break;
	}
	if (!err && rc != SQLITE_DONE)
		err = store_fail(st, rc, "records foreach");
	sqlite3_finalize(stmt);
	return err;
}

/* The latest updated_at text, for rebuilding a lost cursor. */
int records_max_updated_at(struct store *st, enum store_obj obj, char *out, size_t n)
{
	const struct obj_sql *s = obj_sql(obj);
	sqlite3_stmt *stmt;
	int err;

	if (!st || !s || !out || n == 0)
		return EINVAL;
	out[0] = '\0';
	err = store_stmt(st, s->max_updated, &stmt);
	if (err)
		return err;
	err = store_step_row(st, stmt, "records max updated_at");
	if (err == ENOENT) {
		err = 0; /* nothing synced yet: "" */
	} else if (!err) {
		const unsigned char *v = sqlite3_column_text(stmt, 0);

		err = text_copy(out, n, v ? (const char *)v : "");
	}
	store_stmt_end(stmt);
	return err;
}

/* The column names mapped for obj (for the schema test). */
size_t records_mapped_columns(enum store_obj obj, const char **cols, size_t max)
{
	size_t i;

	if ((unsigned)obj >= STORE_OBJ_COUNT)
		return 0;
	for (i = 0; i < defs[obj].ncols && i < max; i++)
		cols[i] = defs[obj].cols[i].column;
	return i;
}

/*
 * lists: the read side of the API: every list endpoint, the single-record GETs and /v2/me.
 *
 * One generic engine serves all resources; what differs per resource (which filters, which
 * sort keys, the default sort, whether paging is optional) is a table. A request is turned
 * into one prepared statement over the resource's table with bound values only, the page is
 * fetched one row beyond per_page to know whether a next page exists, and the response is the
 * metadata followed by the stored record JSON concatenated as is.
 *
 * Salesloft's documented rules (reference §2): page from 1, per_page 1-100 (default 25),
 * out-of-range values silently corrected and echoed, a page past the end is an empty data
 * array, include_paging_counts adds total_pages and total_count, sort_direction ASC puts
 * nulls first and DESC nulls last, an invalid sort or filter value is a 422 with "errors",
 * an unknown filter name is ignored, ids that do not exist are simply not returned, /v2/users
 * is paged only when page is given.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "loftdial/log.h"
#include "sbx_core.h"
#include "sbx_tz.h"

/* How a filter's values are read and compared. */
enum ftype {
	F_INT,      /* col IN (ints) */
	F_TEXT,     /* col IN (texts), exact and case-sensitive */
	F_HASHED,   /* F_TEXT on a column indexed through sbx_hash() (db.c "hashed") */
	F_BOOL,     /* col = 0/1 */
	F_GUID,     /* col (a user id) IN (users whose guid is one of the values) */
	F_RANGE,    /* param[gt|gte|lt|lte] on a microsecond column */
	F_ARCHIVED, /* col IS NULL (false) or IS NOT NULL (true) */
	F_HAS_DUE,  /* steps: has_due_actions */
	F_INTERVAL, /* tasks: time_interval_filter */
	F_VISIBLE,  /* users: visible_only, true when absent: only active users (§4.1) */
};

struct filter {
	const char *param;
	const char *col;
	enum ftype type;
	/* For a filter on another table: the start of the subquery the comparison goes in,
	 * e.g. the person's account for a task. */
	const char *via;
};

/* Tasks carry neither their person's account nor their locale nor their idempotency key:
 * those filters go through the person, or the table POST /v2/tasks keeps its keys in. */
#define VIA_PERSON "person_id IN (SELECT id FROM people WHERE 1"
#define VIA_KEYS   "id IN (SELECT task_id FROM task_idempotency_keys WHERE 1"

struct sortkey {
	const char *param;
	const char *col;
};

struct list_spec {
	enum sbx_kind kind;
	const char *default_sort;
	bool paging_optional; /* users: without page, everything and no paging block */
	const char *fixed_where;
	struct sortkey sorts[8];
	struct filter filters[14];
};

#define IDS                                                                                        \
	{                                                                                          \
		"ids", "id", F_INT                                                                 \
	}
#define UPD                                                                                        \
	{                                                                                          \
		"updated_at", "updated_us", F_RANGE                                                \
	}
#define CRE                                                                                        \
	{                                                                                          \
		"created_at", "created_us", F_RANGE                                                \
	}
#define S_UPD                                                                                      \
	{                                                                                          \
		"updated_at", "updated_us"                                                         \
	}
#define S_CRE                                                                                      \
	{                                                                                          \
		"created_at", "created_us"                                                         \
	}
#define S_ID                                                                                       \
	{                                                                                          \
		"id", "id"                                                                         \
	}

static const struct list_spec specs[] = {
        {SBX_USERS,
         "id",
         true,
         NULL,
         {S_ID, {"email", "email"}, {"name", "name"}, {"group", "group_id"}, {"role", "role"}},
         {IDS,
          {"guid", "guid", F_TEXT},
          {"active", "active", F_BOOL},
          {"visible_only", "active", F_VISIBLE},
          {"group_id", "group_id", F_INT},
          {"role_id", "role", F_TEXT}}},
        {SBX_PEOPLE,
         "updated_at",
         false,
         NULL,
         {S_UPD,
          S_CRE,
          S_ID,
          {"last_contacted_at", "last_contacted_us"},
          {"name", "display_name"},
          {"call_count", "call_count"}},
         {IDS,
          UPD,
          CRE,
          {"do_not_contact", "do_not_contact", F_BOOL},
          {"account_id", "account_id", F_INT},
          {"owner_id", "owner_id", F_INT},
          {"email_addresses", "email_address", F_HASHED},
          {"last_contacted", "last_contacted_us", F_RANGE}}},
        {SBX_ACCOUNTS,
         "updated_at",
         false,
         NULL,
         {S_UPD, S_CRE, S_ID, {"name", "name"}},
         {IDS,
          UPD,
          CRE,
          {"domain", "domain", F_TEXT},
          {"name", "name", F_TEXT},
          {"owner_id", "owner_id", F_INT},
          {"archived", "archived_us", F_ARCHIVED}}},
        {SBX_CADENCES,
         "updated_at",
         false,
         NULL,
         {S_UPD, S_CRE, S_ID, {"name", "name"}},
         {IDS,
          UPD,
          CRE,
          {"team_cadence", "team_cadence", F_BOOL},
          {"shared", "shared", F_BOOL},
          {"name", "name", F_TEXT},
          {"archived", "archived_us", F_ARCHIVED}}},
        {SBX_CADENCE_MEMBERSHIPS,
         "updated_at",
         false,
         NULL,
         {S_UPD, S_CRE, S_ID, {"added_at", "added_us"}},
         {IDS,
          UPD,
          CRE,
          {"person_id", "person_id", F_INT},
          {"cadence_id", "cadence_id", F_INT},
          {"currently_on_cadence", "currently_on_cadence", F_BOOL}}},
        {SBX_STEPS,
         "updated_at",
         false,
         NULL,
         {S_UPD, S_CRE, S_ID},
         {IDS,
          UPD,
          CRE,
          {"cadence_id", "cadence_id", F_INT},
          {"type", "type", F_TEXT},
          {"has_due_actions", NULL, F_HAS_DUE}}},
        {SBX_ACTIONS,
         "updated_at",
         false,
         "status IN ('in_progress','pending_activity')",
         {S_UPD, S_CRE},
         {IDS,
          UPD,
          CRE,
          {"step_id", "step_id", F_INT},
          {"type", "type", F_TEXT},
          {"due_on", "due_us", F_RANGE},
          {"person_id", "person_id", F_INT},
          {"cadence_id", "cadence_id", F_INT},
          {"multitouch_group_id", "multitouch_group_id", F_INT},
          {"user_guid", "user_id", F_GUID}}},
        {SBX_TASKS,
         "due_date",
         false,
         NULL,
         {{"due_date", "due_date"}, {"due_at", "due_us"}, S_UPD, S_CRE, S_ID},
         {IDS,
          UPD,
          CRE,
          {"task_type", "task_type", F_TEXT},
          {"current_state", "current_state", F_TEXT},
          {"user_id", "user_id", F_INT},
          {"person_id", "person_id", F_INT},
          {"account_id", "account_id", F_INT, VIA_PERSON},
          {"locale", "locale", F_TEXT, VIA_PERSON},
          {"source", "source", F_TEXT},
          {"idempotency_key", "key", F_TEXT, VIA_KEYS},
          {"time_interval_filter", NULL, F_INTERVAL}}},
        {SBX_CALL_DISPOSITIONS, "name", false, NULL, {{"name", "name"}, S_UPD, S_ID}, {IDS}},
        {SBX_CALL_SENTIMENTS,
         "name",
         false,
         NULL,
         {{"name", "name"}, S_UPD, S_ID},
         {IDS, {"name", "name", F_TEXT}}},
        {SBX_CALLS,
         "updated_at",
         false,
         NULL,
         {S_UPD, S_CRE},
         {IDS,
          UPD,
          CRE,
          {"person_id", "person_id", F_INT},
          {"user_guid", "user_id", F_GUID},
          {"disposition", "disposition", F_TEXT},
          {"sentiment", "sentiment", F_TEXT}}},
        {SBX_EMAILS,
         "updated_at",
         false,
         NULL,
         {S_UPD, S_CRE, S_ID, {"sent_at", "sent_us"}},
         {IDS,
          UPD,
          {"sent_at", "sent_us", F_RANGE},
          {"person_id", "person_id", F_INT},
          {"cadence_id", "cadence_id", F_INT},
          {"step_id", "step_id", F_INT},
          {"status", "status", F_TEXT},
          {"bounced", "bounced", F_BOOL},
          {"user_id", "user_id", F_INT}}},
        {SBX_NOTES,
         "updated_at",
         false,
         NULL,
         {S_UPD, S_CRE, S_ID},
         {IDS,
          UPD,
          {"associated_with_type", "associated_type", F_TEXT},
          {"associated_with_id", "associated_id", F_INT}}},
        {SBX_WEBHOOK_SUBSCRIPTIONS, "id", false, NULL, {S_ID}, {{"enabled", "enabled", F_BOOL}}},
};

/* A value bound to the statement. */
struct bindv {
	bool text;
	int64_t i;
	const char *s;
};

#define MAX_BINDS 256
#define PAGE_KEEP (16u * 1024 * 1024)
#define MAX_VALS  100

/* A list query under construction. */
struct query {
	struct sbx_req *req;
	struct sbx *sbx;
	const struct list_spec *spec;
	struct sbuf where;   /* " AND ..." clauses */
	struct sbuf filters; /* metadata.filtering members */
	struct bindv binds[MAX_BINDS];
	size_t nbinds;
	char datebuf[4][16]; /* dates computed for time_interval_filter */
	char *scratch[8];    /* split copies of comma lists */
	const char *bad_field, *bad_msg;
};

/* Adds a bound value. */
static void bind_int(struct query *q, int64_t v)
{
	if (q->nbinds < MAX_BINDS)
		q->binds[q->nbinds++] = (struct bindv){.i = v};
}

/* Adds a bound text (the string must outlive the query). */
static void bind_text(struct query *q, const char *s)
{
	if (q->nbinds < MAX_BINDS)
		q->binds[q->nbinds++] = (struct bindv){.text = true, .s = s};
}

/* Records the first invalid value (answered with 422). */
static void bad(struct query *q, const char *field, const char *msg)
{
	if (!q->bad_field) {
		q->bad_field = field;
		q->bad_msg = msg;
	}
}

/* Echoes a recognised filter in metadata.filtering. */
static void echo(struct query *q, const char *key, const char *const *vals, size_t n)
{
	if (q->filters.len)
		sbuf_putc(&q->filters, ',');
	sbuf_json_str(&q->filters, key);
	sbuf_putc(&q->filters, ':');
	if (n == 1) {
		sbuf_json_str(&q->filters, vals[0]);
		return;
	}
	sbuf_putc(&q->filters, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			sbuf_putc(&q->filters, ',');
		sbuf_json_str(&q->filters, vals[i]);
	}
	sbuf_putc(&q->filters, ']');
}

/* Keeps a string until the query is done (split copies of comma lists). */
static char *keep(struct query *q, char *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < sizeof(q->scratch) / sizeof(q->scratch[0]); i++) {
		if (!q->scratch[i]) {
			q->scratch[i] = s;
			return s;
		}
	}
	free(s);
	return NULL;
}

/* Collects the values of param and param[] (repeated or not), at most MAX_VALS. With
 * split, "1,2,3" counts as three values (integer filters only: names may hold commas). */
static size_t values(struct query *q, const char *param, const char **out, bool split)
{
	const char *raw[MAX_VALS];
	char key[64];
	size_t n, m = 0;

	n = sbx_req_params(q->req, param, raw, MAX_VALS);
	if (n > MAX_VALS)
		n = MAX_VALS;
	snprintf(key, sizeof(key), "%s[]", param);
	n += sbx_req_params(q->req, key, raw + n, MAX_VALS - n);
	if (n > MAX_VALS)
		n = MAX_VALS;
	for (size_t i = 0; i < n && m < MAX_VALS; i++) {
		char *copy, *save = NULL, *tok;

		if (!split || !strchr(raw[i], ',')) {
			out[m++] = raw[i];
			continue;
		}
		copy = keep(q, strdup(raw[i]));
		if (!copy) {
			bad(q, param, "has too many lists");
			continue;
		}
		for (tok = strtok_r(copy, ",", &save); tok && m < MAX_VALS;
		     tok = strtok_r(NULL, ",", &save))
			out[m++] = tok;
	}
	return m;
}

/* Parses a whole decimal integer. */
static bool parse_int(const char *s, int64_t *v)
{
	char *end;

	if (!s || !*s)
		return false;
	*v = strtoll(s, &end, 10);
	return !*end;
}

/* Parses true/false (also 1/0, as Rails does). */
static bool parse_bool(const char *s, int64_t *v)
{
	if (!strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "t")) {
		*v = 1;
		return true;
	}
	if (!strcmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "f")) {
		*v = 0;
		return true;
	}
	return false;
}

/* col IN (?, ...) for int/text/guid filters; a hashed text column is first narrowed through
 * its hash index (sbx_hash(col) IN (...)), then compared exactly. */
static void filter_in(struct query *q, const struct filter *f, const char **v, size_t n)
{
	if (f->type == F_HASHED) {
		sbuf_printf(&q->where, " AND sbx_hash(%s) IN (", f->col);
		for (size_t i = 0; i < n; i++) {
			sbuf_puts(&q->where, i ? ",?" : "?");
			bind_int(q, sbx_hash(v[i]));
		}
		sbuf_puts(&q->where, ")");
	}
	sbuf_printf(&q->where, " AND %s IN (", f->col);
	if (f->type == F_GUID)
		sbuf_puts(&q->where, "SELECT id FROM users WHERE guid IN (");
	for (size_t i = 0; i < n; i++) {
		int64_t x = 0;

		sbuf_puts(&q->where, i ? ",?" : "?");
		if (f->type == F_INT) {
			if (!parse_int(v[i], &x))
				bad(q, f->param, "must be an integer");
			bind_int(q, x);
		} else {
			bind_text(q, v[i]);
		}
	}
	sbuf_puts(&q->where, f->type == F_GUID ? "))" : ")");
}

/* param[gt|gte|lt|lte] (and param=exact) on a microsecond column. */
static void filter_range(struct query *q, const char *param, const char *col)
{
	static const struct {
		const char *op, *sql;
	} ops[] = {{"gt", ">"}, {"gte", ">="}, {"lt", "<"}, {"lte", "<="}};
	char key[64];

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		const char *v;
		int64_t us;

		snprintf(key, sizeof(key), "%s[%s]", param, ops[i].op);
		v = sbx_req_param(q->req, key);
		if (!v)
			continue;
		echo(q, key, &v, 1);
		if (sbx_time_parse(v, &us, NULL)) {
			bad(q, param, "is not a valid ISO-8601 time");
			continue;
		}
		sbuf_printf(&q->where, " AND %s %s ?", col, ops[i].sql);
		bind_int(q, us);
	}
}

/* The UTC offset (minutes) that "today" is reckoned in for the caller: its user's own
 * time_zone when that is a zone the tz database knows, else the team's (US/Eastern). */
static int caller_offset(struct query *q, int64_t now)
{
	cJSON *user = NULL;
	const cJSON *tz;
	const struct sbx_tz *z = NULL;

	if (!sbx_record_get(q->sbx, SBX_USERS, sbx_req_user(q->req), &user)) {
		tz = cJSON_GetObjectItemCaseSensitive(user, "time_zone");
		if (cJSON_IsString(tz))
			z = sbx_tz_get(tz->valuestring);
	}
	cJSON_Delete(user);
	return z ? sbx_tz_offset(z, now) : sbx_team_offset(now);
}

/* Writes the date of day number days as "YYYY-MM-DD". */
static void day_render(char *buf, size_t n, int64_t days)
{
	int y, m, d;

	sbx_civil_from_days(days, &y, &m, &d);
	snprintf(buf, n, "%04d-%02d-%02d", y, m, d);
}

/* tasks time_interval_filter, relative to the sandbox clock in the caller's zone (see
 * caller_offset). "overdue" means due before today and not completed; the week runs Monday
 * to Sunday. */
static void filter_interval(struct query *q, const char *v)
{
	int64_t now = sbx_now_us(q->sbx), day = 86400000000LL, local, days;
	int wd;

	local = now + (int64_t)caller_offset(q, now) * 60000000LL;
	days = local / day - (local % day < 0);
	wd = (int)(((days % 7) + 7 + 3) % 7); /* 0 = Monday (1970-01-01 was a Thursday) */
	day_render(q->datebuf[0], sizeof(q->datebuf[0]), days);
	if (!strcmp(v, "today")) {
		sbuf_puts(&q->where, " AND due_date = ?");
		bind_text(q, q->datebuf[0]);
	} else if (!strcmp(v, "overdue")) {
		sbuf_puts(&q->where, " AND due_date < ? AND current_state <> 'completed'");
		bind_text(q, q->datebuf[0]);
	} else if (!strcmp(v, "tomorrow")) {
		day_render(q->datebuf[1], sizeof(q->datebuf[1]), days + 1);
		sbuf_puts(&q->where, " AND due_date = ?");
		bind_text(q, q->datebuf[1]);
	} else if (!strcmp(v, "this_week") || !strcmp(v, "next_week")) {
		int64_t first = days - wd + (v[0] == 'n' ? 7 : 0);

		day_render(q->datebuf[2], sizeof(q->datebuf[2]), first);
		day_render(q->datebuf[3], sizeof(q->datebuf[3]), first + 6);
		sbuf_puts(&q->where, " AND due_date BETWEEN ? AND ?");
		bind_text(q, q->datebuf[2]);
		bind_text(q, q->datebuf[3]);
	} else {
		bad(q, "time_interval_filter", "is not included in the list");
	}
}

/* Applies every filter of the spec that the request uses. */
static void apply_filters(struct query *q)
{
	const struct list_spec *sp = q->spec;

	for (size_t i = 0; i < sizeof(sp->filters) / sizeof(sp->filters[0]); i++) {
		const struct filter *f = &sp->filters[i];
		const char *v[MAX_VALS];
		size_t n;
		int64_t b;

		if (!f->param)
			break;
		if (f->type == F_RANGE) {
			filter_range(q, f->param, f->col);
			continue;
		}
		n = values(q, f->param, v, f->type == F_INT);
		if (f->type == F_VISIBLE) {
			/* Salesloft hides deactivated users unless visible_only=false, so a
			 * client that forgets the parameter sees them vanish as if deleted. */
			b = 1;
			if (n && !parse_bool(v[0], &b)) {
				bad(q, f->param, "must be true or false");
				continue;
			}
			if (n)
				echo(q, f->param, v, n);
			if (b)
				sbuf_printf(&q->where, " AND %s = 1", f->col);
			continue;
		}
		if (!n)
			continue;
		echo(q, f->param, v, n);
		switch (f->type) {
		case F_INT:
		case F_TEXT:
		case F_HASHED:
		case F_GUID:
			if (f->via)
				sbuf_printf(&q->where, " AND %s", f->via);
			filter_in(q, f, v, n);
			if (f->via)
				sbuf_putc(&q->where, ')');
			break;
		case F_BOOL:
			if (!parse_bool(v[0], &b)) {
				bad(q, f->param, "must be true or false");
				break;
			}
			sbuf_printf(&q->where, " AND %s = ?", f->col);
			bind_int(q, b);
			break;
		case F_ARCHIVED:
			if (!parse_bool(v[0], &b)) {
				bad(q, f->param, "must be true or false");
				break;
			}
			sbuf_printf(&q->where, " AND %s IS %s", f->col, b ? "NOT NULL" : "NULL");
			break;
		case F_HAS_DUE:
			if (!parse_bool(v[0], &b)) {
				bad(q, f->param, "must be true or false");
				break;
			}
			sbuf_printf(&q->where,
			            " AND %sEXISTS (SELECT 1 FROM actions a WHERE a.step_id = "
			            "steps.id AND a.status IN ('in_progress','pending_activity') "
			            "AND a.due_us <= ?)",
			            b ? "" : "NOT ");
			bind_int(q, sbx_now_us(q->sbx));
			break;
		case F_INTERVAL:
			filter_interval(q, v[0]);
			break;
		default:
			break;
		}
	}
}

/* True when the authenticated user is a team admin. */
static bool is_admin(struct sbx *sbx, int64_t user)
{
	sqlite3_stmt *st = NULL;
	bool admin = false;

	if (sqlite3_prepare_v2(sbx->db, "SELECT team_admin FROM users WHERE id=?", -1, &st, NULL) !=
	    SQLITE_OK)
		return false;
	sqlite3_bind_int64(st, 1, user);
	if (sqlite3_step(st) == SQLITE_ROW)
		admin = sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	return admin;
}

/* Binds the collected values. */
static void bind_all(const struct query *q, sqlite3_stmt *st, int first)
{
	for (size_t i = 0; i < q->nbinds; i++) {
		if (q->binds[i].text)
			sqlite3_bind_text(st, first + (int)i, q->binds[i].s, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, first + (int)i, q->binds[i].i);
	}
}

/* Reads a paging number: absent or not a number gives def; then clamped to [lo, hi]. */
static long paging_num(const char *s, long def, long lo, long hi)
{
	char *end;
	long v;

	if (!s || !*s)
		return def;
	v = strtol(s, &end, 10);
	if (*end)
		return def;
	return v < lo ? lo : v > hi ? hi : v;
}

/* Keeps the page buffers' capacity for the next request unless a page was huge. */
static void page_buffers_trim(struct sbx *sbx)
{
	if (sbx->priv->page_out->cap > PAGE_KEEP)
		sbuf_free(sbx->priv->page_out);
	if (sbx->priv->page_data->cap > PAGE_KEEP)
		sbuf_free(sbx->priv->page_data);
}

/* Serves one list request. */
static void list_handler(struct sbx_req *req, void *arg)
{
	const struct list_spec *sp = arg;
	struct sbx *sbx = sbx_req_sbx(req);
	const char *table = sbx_kind_name(sp->kind);
	const char *sort_by = sbx_req_param(req, "sort_by");
	const char *dir = sbx_req_param(req, "sort_direction");
	const char *sort_col = NULL;
	const char *page_s = sbx_req_param(req, "page");
	bool paged = !sp->paging_optional || page_s, more = false;
	bool counts = false, desc = true;
	long per_page, page;
	int64_t total = -1;
	struct query q = {.req = req, .sbx = sbx, .spec = sp};
	struct sbuf sql = {0}, *out, *data;
	sqlite3_stmt *st = NULL;
	size_t rows = 0;
	const char *v;
	int err = 0;

	if (!sort_by || !*sort_by)
		sort_by = sp->default_sort;
	for (size_t i = 0; i < sizeof(sp->sorts) / sizeof(sp->sorts[0]) && sp->sorts[i].param;
	     i++) {
		if (!strcmp(sp->sorts[i].param, sort_by))
			sort_col = sp->sorts[i].col;
	}
	if (!sort_col) {
		sbx_reply_errors(req, "sort_by", "is not a valid sort field");
		goto out;
	}
	if (dir && *dir) {
		if (!strcasecmp(dir, "asc")) {
			desc = false;
		} else if (strcasecmp(dir, "desc")) {
			sbx_reply_errors(req, "sort_direction", "must be ASC or DESC");
			goto out;
		}
	}
	per_page = paging_num(sbx_req_param(req, "per_page"), 25, 1, 100);
	page = paging_num(page_s, 1, 1, 1L << 40);
	v = sbx_req_param(req, "include_paging_counts");
	counts = v && (!strcmp(v, "true") || !strcmp(v, "1"));

	if (sp->fixed_where)
		sbuf_printf(&q.where, " AND %s", sp->fixed_where);
	if (sp->kind == SBX_ACTIONS && !is_admin(sbx, sbx_req_user(req))) {
		/* Non-admins see only their own actions. */
		sbuf_puts(&q.where, " AND user_id = ?");
		bind_int(&q, sbx_req_user(req));
	}
	apply_filters(&q);
	if (q.where.err || q.filters.err || sql.err) {
		sbx_reply_error(req, 500, "out of memory");
		goto out;
	}
	if (q.bad_field) {
		sbx_reply_errors(req, q.bad_field, q.bad_msg);
		goto out;
	}
	if (q.nbinds >= MAX_BINDS) {
		sbx_reply_errors(req, "base", "too many filter values");
		goto out;
	}

	out = sbx->priv->page_out;
	data = sbx->priv->page_data;
	sbuf_reset(out);
	sbuf_reset(data);
	if (paged && counts) {
		sbuf_printf(&sql, "SELECT count(*) FROM %s WHERE 1%s", table, sbuf_cstr(&q.where));
		if (sqlite3_prepare_v2(sbx->db, sbuf_cstr(&sql), -1, &st, NULL) == SQLITE_OK) {
			bind_all(&q, st, 1);
			if (sqlite3_step(st) == SQLITE_ROW)
				total = sqlite3_column_int64(st, 0);
		}
		sqlite3_finalize(st);
		st = NULL;
		v = sbx_req_param(req, "limit_paging_counts");
		if (total > 10000 && v && !strcmp(v, "true"))
			total = 10000;
	}
	sbuf_reset(&sql);
	if (paged) {
		/* The page's ids come from the index alone (no table row is read for the rows
		 * OFFSET skips); only the page's own rows are then read for their JSON. */
		sbuf_printf(
		        &sql,
		        "SELECT id, body FROM %s WHERE id IN (SELECT id FROM %s WHERE 1%s ORDER BY "
		        "%s %s, id %s LIMIT ? OFFSET ?) ORDER BY %s %s, id %s",
		        table, table, sbuf_cstr(&q.where), sort_col, desc ? "DESC" : "ASC",
		        desc ? "DESC" : "ASC", sort_col, desc ? "DESC" : "ASC",
		        desc ? "DESC" : "ASC");
	} else {
		sbuf_printf(&sql, "SELECT id, body FROM %s WHERE 1%s ORDER BY %s %s, id %s", table,
		            sbuf_cstr(&q.where), sort_col, desc ? "DESC" : "ASC",
		            desc ? "DESC" : "ASC");
	}
	if (sql.err || sqlite3_prepare_v2(sbx->db, sbuf_cstr(&sql), -1, &st, NULL) != SQLITE_OK) {
		log_error("sandbox", "list %s: %s", table, sqlite3_errmsg(sbx->db));
		sbx_reply_error(req, 500, "query failed");
		goto out;
	}
	bind_all(&q, st, 1);
	if (paged) {
		int64_t offset = (int64_t)(page - 1) * per_page;

		sqlite3_bind_int64(st, (int)q.nbinds + 1, per_page + 1);
		sqlite3_bind_int64(st, (int)q.nbinds + 2, offset);
	}

	sbuf_puts(out, "{\"metadata\":{\"filtering\":{");
	sbuf_putn(out, q.filters.p ? q.filters.p : "", q.filters.len);
	sbuf_puts(out, "},");
	/* Rows first, so that next_page is known; the paging block is spliced in after. */

	while (sqlite3_step(st) == SQLITE_ROW) {
		if (paged && rows == (size_t)per_page) {
			more = true;
			break;
		}
		if (rows)
			sbuf_putc(data, ',');
		err = sbx_db_body_append(sbx, sp->kind, sqlite3_column_int64(st, 0), st, 1, data);
		if (err) {
			log_error("sandbox", "list %s: record %lld: %s", table,
			          (long long)sqlite3_column_int64(st, 0), strerror(err));
			break;
		}
		rows++;
	}
	if (paged) {
		sbuf_printf(out, "\"paging\":{\"per_page\":%ld,\"current_page\":%ld,", per_page,
		            page);
		if (more)
			sbuf_printf(out, "\"next_page\":%ld,", page + 1);
		else
			sbuf_puts(out, "\"next_page\":null,");
		if (page > 1)
			sbuf_printf(out, "\"prev_page\":%ld", page - 1);
		else
			sbuf_puts(out, "\"prev_page\":null");
		if (total >= 0)
			sbuf_printf(out, ",\"total_pages\":%lld,\"total_count\":%lld",
			            (long long)((total + per_page - 1) / per_page),
			            (long long)total);
		sbuf_puts(out, "},");
	}
	sbuf_puts(out, "\"sorting\":{\"sort_by\":");
	sbuf_json_str(out, sort_by);
	sbuf_puts(out, desc ? ",\"sort_direction\":\"DESC NULLS LAST\"}},\"data\":["
	                    : ",\"sort_direction\":\"ASC NULLS FIRST\"}},\"data\":[");
	sbuf_putn(out, data->p ? data->p : "", data->len);
	sbuf_puts(out, "]}");
	if (err)
		sbx_reply_error(req, 500, "a record could not be rendered");
	else if (out->err || data->err)
		sbx_reply_error(req, 500, "out of memory");
	else
		sbx_reply_json(req, 200, out->p, out->len);
out:
	sqlite3_finalize(st);
	for (size_t i = 0; i < sizeof(q.scratch) / sizeof(q.scratch[0]); i++)
		free(q.scratch[i]);
	sbuf_free(&sql);
	sbuf_free(&q.where);
	sbuf_free(&q.filters);
	page_buffers_trim(sbx);
}

/* Frees the page buffers when the sandbox closes. */
static void page_buffers_free(struct sbx *sbx, void *arg)
{
	sbuf_free(sbx->priv->page_out);
	sbuf_free(sbx->priv->page_data);
	free(sbx->priv->page_out);
	free(sbx->priv->page_data);
	sbx->priv->page_out = sbx->priv->page_data = NULL;
}

/* Replies {"data": <stored record>} or 404. */
static void reply_record(struct sbx_req *req, enum sbx_kind kind, int64_t id)
{
	struct sbx *sbx = sbx_req_sbx(req);
	char *json = NULL;
	size_t len = 0;
	struct sbuf out = {0};

	if (sbx_record_get_text(sbx, kind, id, &json, &len)) {
		sbx_reply_error(req, 404, "Not Found");
		return;
	}
	sbuf_puts(&out, "{\"data\":");
	sbuf_putn(&out, json, len);
	sbuf_putc(&out, '}');
	if (out.err)
		sbx_reply_error(req, 500, "out of memory");
	else
		sbx_reply_json(req, 200, out.p, out.len);
	sbuf_free(&out);
	free(json);
}

/* True when the record passes its list's fixed condition (actions: still in progress). */
static bool shown(struct sbx *sbx, const struct list_spec *sp, int64_t id)
{
	sqlite3_stmt *st = NULL;
	char sql[256];
	bool found = false;

	if (!sp->fixed_where)
		return true;
	snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE id=? AND %s", sbx_kind_name(sp->kind),
	         sp->fixed_where);
	if (sqlite3_prepare_v2(sbx->db, sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_int64(st, 1, id);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* GET /v2/<resource>/{id}. An action that is no longer in progress answers 404 like a
 * missing one (§4.7). */
static void show_handler(struct sbx_req *req, void *arg)
{
	const struct list_spec *sp = arg;
	int64_t id;

	if (!parse_int(sbx_req_arg(req, "id"), &id) || id < 1 || !shown(sbx_req_sbx(req), sp, id)) {
		sbx_reply_error(req, 404, "Not Found");
		return;
	}
	reply_record(req, sp->kind, id);
}

/* GET /v2/me: the authenticated user. */
static void me_handler(struct sbx_req *req, void *arg)
{
	reply_record(req, SBX_USERS, sbx_req_user(req));
}

/* GET /v2/team: the team's settings (§4.15b). Only the members the reference names are
 * served, with the team's id and times. */
static void team_handler(struct sbx_req *req, void *arg)
{
	struct sbx *sbx = sbx_req_sbx(req);
	struct sbuf out = {0};
	struct jw w;

	(void)arg;
	jw_init(&w, &out, sbx->base_url);
	jw_open(&w, NULL);
	jw_open(&w, "data");
	jw_int(&w, "id", sbx->team.id);
	jw_str(&w, "name", "loftdial sandbox");
	jw_time(&w, "created_at", sbx->team.created_us);
	jw_time(&w, "updated_at", sbx->team.updated_us);
	jw_bool(&w, "dispositions_required", sbx->team.require_disposition);
	jw_bool(&w, "sentiments_required", sbx->team.require_sentiment);
	jw_close(&w);
	jw_close(&w);
	if (out.err)
		sbx_reply_error(req, 500, "out of memory");
	else
		sbx_reply_json(req, 200, out.p, out.len);
	sbuf_free(&out);
}

/* Registers the list, show, me and team routes, and the call instructions (instr.c). */
int sbx_lists_register(struct sbx *sbx)
{
	char path[96];
	int err = 0;

	sbx->priv->page_out = calloc(1, sizeof(struct sbuf));
	sbx->priv->page_data = calloc(1, sizeof(struct sbuf));
	if (!sbx->priv->page_out || !sbx->priv->page_data)
		err = ENOMEM;
	if (!err)
		err = sbx_on_close(sbx, page_buffers_free, NULL);

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]) && !err; i++) {
		const char *p = sbx_kind_path(specs[i].kind);

		snprintf(path, sizeof(path), "/v2/%s", p);
		err = sbx_route(sbx, "GET", path, list_handler, (void *)&specs[i]);
		snprintf(path, sizeof(path), "/v2/%s/:id", p);
		if (!err)
			err = sbx_route(sbx, "GET", path, show_handler, (void *)&specs[i]);
	}
	if (!err)
		err = sbx_route(sbx, "GET", "/v2/team", team_handler, NULL);
	if (!err)
		err = sbx_instr_register(sbx);
	return err ? err : sbx_route(sbx, "GET", "/v2/me", me_handler, NULL);
}

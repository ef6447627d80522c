/*
 * contacts: reading a person the way the dialer shows them, and plain-text contact search
 * over the contacts_fts index (which triggers on sl_people keep current, see schema.c).
 *
 * The user's words never reach FTS5 as syntax: each word with something searchable in it
 * becomes a double-quoted string (inner quotes doubled) with a prefix star, and the words are
 * ANDed. So '"', '*', "NEAR(", "AND", "-x" and "col:x" are all just text.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "loftdial/contacts.h"
#include "loftdial/text.h"
#include "store_int.h"

/* The columns read_contact() expects; p = sl_people, a = sl_accounts. */
#define CONTACT_COLS                                                                               \
	"p.id, p.first_name, p.last_name, p.display_name, coalesce(p.company, a.name), p.title, "  \
	"p.email, p.phone, p.phone_extension, p.mobile_phone, p.home_phone, p.locale, "            \
	"p.locale_utc_offset, p.do_not_contact, p.contact_restrictions, p.account_id, "            \
	"p.owner_id, p.is_deleted, json_extract(p.raw, '$.tags'), a.locale"
#define CONTACT_FROM                                                                               \
	" FROM sl_people p LEFT JOIN sl_accounts a ON a.id = p.account_id AND a.is_deleted = 0 "

/* True when a JSON array text contains the string "call". */
static bool restricts_call(const char *json)
{
	const cJSON *v;
	cJSON *arr;
	bool found = false;

	if (!json || !*json)
		return false;
	arr = cJSON_Parse(json);
	cJSON_ArrayForEach(v, arr)
	{
		if (cJSON_IsString(v) && v->valuestring && strcmp(v->valuestring, "call") == 0)
			found = true;
	}
	cJSON_Delete(arr);
	return found;
}

/* Fills c from a row selected with CONTACT_COLS. */
static void read_contact(sqlite3_stmt *stmt, struct contact *c)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(stmt, 0);
	store_col_copy(stmt, 1, c->first_name, sizeof(c->first_name));
	store_col_copy(stmt, 2, c->last_name, sizeof(c->last_name));
	store_col_copy(stmt, 3, c->display_name, sizeof(c->display_name));
	store_col_copy(stmt, 4, c->company, sizeof(c->company));
	store_col_copy(stmt, 5, c->title, sizeof(c->title));
	store_col_copy(stmt, 6, c->email, sizeof(c->email));
	store_col_copy(stmt, 7, c->phone, sizeof(c->phone));
	store_col_copy(stmt, 8, c->phone_extension, sizeof(c->phone_extension));
	store_col_copy(stmt, 9, c->mobile_phone, sizeof(c->mobile_phone));
	store_col_copy(stmt, 10, c->home_phone, sizeof(c->home_phone));
	store_col_copy(stmt, 11, c->locale, sizeof(c->locale));
	c->has_utc_offset = sqlite3_column_type(stmt, 12) == SQLITE_INTEGER;
	c->utc_offset_min = sqlite3_column_int(stmt, 12);
	c->do_not_contact = sqlite3_column_int(stmt, 13) != 0;
	/* Decide no_call from the whole text, before it is truncated into the struct. */
	c->no_call = restricts_call((const char *)sqlite3_column_text(stmt, 14));
	store_col_copy(stmt, 14, c->contact_restrictions, sizeof(c->contact_restrictions));
	c->account_id = sqlite3_column_int64(stmt, 15);
	c->owner_id = sqlite3_column_int64(stmt, 16);
	c->deleted = sqlite3_column_int(stmt, 17) != 0;
	store_col_copy(stmt, 18, c->tags, sizeof(c->tags));
	store_col_copy(stmt, 19, c->account_locale, sizeof(c->account_locale));
}

/* Reads one person the way the dialer shows them. */
int contacts_get(struct store *st, int64_t id, struct contact *out)
{
	static const char sql[] = "SELECT " CONTACT_COLS CONTACT_FROM "WHERE p.id = ?1";
	sqlite3_stmt *stmt;
	int err;

	if (!st || !out)
		return EINVAL;
	memset(out, 0, sizeof(*out));
	err = store_stmt(st, sql, &stmt);
	if (err)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	err = store_step_row(st, stmt, "contacts get");
	if (!err)
		read_contact(stmt, out);
	store_stmt_end(stmt);
	return err;
}

/* True for a byte that can be part of a searchable token (letters, digits, UTF-8). */
static bool searchable(unsigned char c)
{
	return c >= 0x80 || isalnum(c);
}

/* True for the bytes that separate the user's words. */
static bool separator(unsigned char c)
{
	return c <= ' ' || c == 0x7f;
}

/* Appends one byte when it fits; len counts every byte asked for, so a first call can
 * measure what a second one needs. */
static void emit(char *out, size_t n, size_t *len, char c)
{
	if (*len + 1 < n)
		out[*len] = c;
	(*len)++;
}

/* Appends the word [w, e) as an FTS5 string, inner quotes doubled. */
static void emit_string(char *out, size_t n, size_t *len, const unsigned char *w,
                        const unsigned char *e)
{
	emit(out, n, len, '"');
	for (; w < e; w++) {
		if (*w == '"')
			emit(out, n, len, '"');
		emit(out, n, len, (char)*w);
	}
	emit(out, n, len, '"');
}

/* Appends a literal. */
static void emit_lit(char *out, size_t n, size_t *len, const char *s)
{
	for (; *s; s++)
		emit(out, n, len, *s);
}

/* Builds the MATCH expression into out (n bytes, may be 0) and returns the bytes it needs
 * without the NUL; *words counts the searchable words. */
static size_t fts_build(const char *query, char *out, size_t n, int *words)
{
	const unsigned char *p = (const unsigned char *)query;
	size_t len = 0;

	*words = 0;
	while (*p) {
		const unsigned char *w, *e;
		bool useful = false;

		while (*p && separator(*p))
			p++;
		if (!*p)
			break;
		for (w = p; *p && !separator(*p); p++)
			useful = useful || searchable(*p);
		e = p;
		if (!useful)
			continue;
		/* ("word" OR "word"*): the prefix finds Annabel for "ann", the exact term ranks
		 * Ann above her. */
		emit_lit(out, n, &len, *words ? " AND (" : "(");
		emit_string(out, n, &len, w, e);
		emit_lit(out, n, &len, " OR ");
		emit_string(out, n, &len, w, e);
		emit_lit(out, n, &len, "*)");
		(*words)++;
	}
	if (n > 0)
		out[len < n ? len : n - 1] = '\0';
	return len;
}

/* Turns plain text into a MATCH expression nothing in it can subvert. */
int contacts_fts_query(const char *query, char *out, size_t n)
{
	int words;
	size_t need;

	if (!query || !out || n == 0)
		return EINVAL;
	need = fts_build(query, out, n, &words);
	if (words == 0) {
		out[0] = '\0';
		return ENOENT;
	}
	if (need >= n) {
		out[0] = '\0';
		return E2BIG;
	}
	return 0;
}

/* Finds live contacts for what the user typed, best first. */
int contacts_search(struct store *st, const char *query, size_t limit, contacts_each_h *cb,
                    void *arg)
{
	static const char sql[] =
	        "SELECT " CONTACT_COLS CONTACT_FROM
	        "JOIN (SELECT rowid AS hit, bm25(contacts_fts, 10.0, 4.0, 2.0, 3.0, 5.0) AS score "
	        "FROM contacts_fts WHERE contacts_fts MATCH ?1 ORDER BY score LIMIT ?2) f "
	        "ON p.id = f.hit WHERE p.is_deleted = 0 ORDER BY f.score, p.id";
	struct contact *hits = NULL, *more;
	sqlite3_stmt *stmt = NULL;
	size_t nhits = 0, cap = 0, i, qn;
	char *match = NULL;
	int err = 0, rc = SQLITE_DONE, words;

	if (!st || !query || !cb)
		return EINVAL;
	if (limit == 0)
		return 0;
	qn = fts_build(query, NULL, 0, &words) + 1;
	if (words == 0)
		return 0;
	match = malloc(qn);
	if (!match)
		return ENOMEM;
	(void)fts_build(query, match, qn, &words);
	err = store_stmt(st, sql, &stmt);
	if (err)
		goto out;
	sqlite3_bind_text(stmt, 1, match, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
	while (nhits < limit && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (nhits == cap) {
			cap = cap ? cap * 2 : 16;
			more = realloc(hits, cap * sizeof(*hits));
			if (!more) {
				err = ENOMEM;
				goto out;
			}
			hits = more;
		}
		read_contact(stmt, &hits[nhits++]);
	}
	if (nhits < limit && rc != SQLITE_DONE)
		err = store_fail(st, rc, "contacts search");
	/* Done with the statement before calling back, so the callback may use the store. */
	store_stmt_end(stmt);
	stmt = NULL;
	for (i = 0; i < nhits && !err; i++)
		err = cb(&hits[i], arg);
out:
	store_stmt_end(stmt);
	free(hits);
	free(match);
	return err;
}

/* Rebuilds the search index from sl_people. */
int contacts_reindex(struct store *st)
{
	static const char *const steps[] = {"DELETE FROM contacts_fts", store_fts_reindex_sql};
	sqlite3_stmt *stmt;
	size_t i;
	int err;

	if (!st)
		return EINVAL;
	err = store_begin(st);
	if (err)
		return err;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]) && !err; i++) {
		err = store_stmt(st, steps[i], &stmt);
		if (err)
			break;
		err = store_step_done(st, stmt, "contacts reindex");
		store_stmt_end(stmt);
	}
	if (err) {
		store_rollback(st);
		return err;
	}
	return store_commit(st);
}

/*
 * contacts: reading a person the way the dialer shows them, and plain-text contact search
 * over the contacts_fts index (which triggers on sl_people keep current, see schema.c).
 *
 * The user's words never reach FTS5 as syntax: each word with something searchable in it
 * becomes a double-quoted string (inner quotes doubled), maybe with a prefix star, and the
 * words are ANDed. So '"', '*', "NEAR(",
 * "AND", "-x" and "col:x" are all just text.
 *
 * Search never scores every match: a word shared by a tenth of a million people would cost
 * tens of milliseconds per keystroke. It runs a few tiers from best to loosest, each a
 * LIMIT-first walk of an index in rowid order (contacts_names for names, contacts_fts for
 * every column), and stops once the page is full.
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

/* How a word becomes an FTS5 phrase: ("w" OR "w"*) for contacts_fts_query(), or "w" (a whole
 * word) or "w"* (a prefix) for the search's tiers. */
enum fts_form {
	FTS_EITHER,
	FTS_EXACT,
	FTS_PREFIX,
};

/* Builds the MATCH expression in the given form into out (n bytes, may be 0) and returns the
 * bytes it needs without the NUL; *words counts the searchable words. */
static size_t fts_build(const char *query, enum fts_form form, char *out, size_t n, int *words)
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
		if (*words)
			emit_lit(out, n, &len, " AND ");
		if (form == FTS_EITHER) {
			/* ("word" OR "word"*): the prefix finds Annabel for "ann". */
			emit_lit(out, n, &len, "(");
			emit_string(out, n, &len, w, e);
			emit_lit(out, n, &len, " OR ");
			emit_string(out, n, &len, w, e);
			emit_lit(out, n, &len, "*)");
		} else {
			emit_string(out, n, &len, w, e);
			if (form == FTS_PREFIX)
				emit_lit(out, n, &len, "*");
		}
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
	need = fts_build(query, FTS_EITHER, out, n, &words);
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

/* The hits gathered so far: contacts in the order found, and their ids sorted, so a later
 * tier skips the people an earlier one already found. */
struct found {
	struct contact *hits;
	int64_t *ids;
	size_t n, cap;
};

/* True when id was already found; otherwise *at is where it goes in the sorted ids. */
static bool found_has(const struct found *f, int64_t id, size_t *at)
{
	size_t lo = 0, hi = f->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->ids[mid] == id)
			return true;
		if (f->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return false;
}

/* Keeps the row stmt is on unless its person was already found. */
static int found_add(struct found *f, sqlite3_stmt *stmt)
{
	int64_t id = sqlite3_column_int64(stmt, 0);
	size_t at;

	if (found_has(f, id, &at))
		return 0;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct contact *hits = realloc(f->hits, cap * sizeof(*hits));
		int64_t *ids;

		if (!hits)
			return ENOMEM;
		f->hits = hits;
		ids = realloc(f->ids, cap * sizeof(*ids));
		if (!ids)
			return ENOMEM;
		f->ids = ids;
		f->cap = cap;
	}
	memmove(&f->ids[at + 1], &f->ids[at], (f->n - at) * sizeof(*f->ids));
	f->ids[at] = id;
	read_contact(stmt, &f->hits[f->n++]);
	return 0;
}

/* The people of one tier: up to ?2 matching ?1 in contacts_names or contacts_fts. The FTS
 * query has no ORDER BY, so FTS5 walks its doclists in rowid order and stops at the LIMIT: a
 * word a tenth of a million people share costs a page of rows, not 100000 scores. */
#define TIER_SQL(table)                                                                            \
	"SELECT " CONTACT_COLS " FROM (SELECT rowid AS hit FROM " table " WHERE " table            \
	" MATCH ?1 LIMIT ?2) f JOIN sl_people p ON p.id = f.hit "                                  \
	"LEFT JOIN sl_accounts a ON a.id = p.account_id AND a.is_deleted = 0 "                     \
	"WHERE p.is_deleted = 0 ORDER BY p.id"

/* One tier of the search: the index it reads and how words are written. */
struct tier {
	const char *sql;
	enum fts_form form;
};

/* Adds up to limit people matching one tier, in id order. */
static int search_tier(struct store *st, const struct tier *t, const char *match, size_t limit,
                       struct found *f)
{
	sqlite3_stmt *stmt;
	int err, rc;

	err = store_stmt(st, t->sql, &stmt);
	if (err)
		return err;
	sqlite3_bind_text(stmt, 1, match, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
	while (f->n < limit && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		err = found_add(f, stmt);
		if (err)
			goto out;
	}
	if (f->n < limit && rc != SQLITE_DONE)
		err = store_fail(st, rc, "contacts search");
out:
	store_stmt_end(stmt);
	return err;
}

/* Finds live contacts for what the user typed, best first. */
int contacts_search(struct store *st, const char *query, size_t limit, contacts_each_h *cb,
                    void *arg)
{
	/* Best first, by tiers: every word a whole name word, then a whole word anywhere, then
	 * name prefixes, then prefixes anywhere. Within a tier people come in id order. */
	static const struct tier tiers[] = {
	        {TIER_SQL("contacts_names"), FTS_EXACT},
	        {TIER_SQL("contacts_fts"), FTS_EXACT},
	        {TIER_SQL("contacts_names"), FTS_PREFIX},
	        {TIER_SQL("contacts_fts"), FTS_PREFIX},
	};
	struct found f = {0};
	size_t i, qn;
	char *match = NULL;
	int err = 0, words;

	if (!st || !query || !cb)
		return EINVAL;
	if (limit == 0)
		return 0;
	/* The prefix form is the longest. */
	qn = fts_build(query, FTS_PREFIX, NULL, 0, &words) + 1;
	if (words == 0)
		return 0;
	match = malloc(qn);
	if (!match)
		return ENOMEM;
	for (i = 0; i < sizeof(tiers) / sizeof(tiers[0]) && f.n < limit && !err; i++) {
		(void)fts_build(query, tiers[i].form, match, qn, &words);
		err = search_tier(st, &tiers[i], match, limit, &f);
	}
	/* Done with every statement before calling back, so the callback may use the store. */
	for (i = 0; i < f.n && !err; i++)
		err = cb(&f.hits[i], arg);
	free(f.hits);
	free(f.ids);
	free(match);
	return err;
}

/* Rebuilds the search index from sl_people. */
int contacts_reindex(struct store *st)
{
	static const char *const steps[] = {"DELETE FROM contacts_fts", store_fts_reindex_sql,
	                                    "DELETE FROM contacts_names", store_names_reindex_sql};
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

/* Finds live contacts with a phone whose digits end in the last seven of digits. */
int contacts_by_phone(struct store *st, const char *digits, size_t limit, contacts_each_h *cb,
                      void *arg)
{
	static const struct tier tier = {TIER_SQL("contacts_fts"), FTS_EXACT};
	struct found f = {0};
	char match[40];
	size_t len, i;
	int err;

	if (!st || !digits || !cb)
		return EINVAL;
	len = strlen(digits);
	if (len < 7 || len > 15 || strspn(digits, "0123456789") != len)
		return 0;
	if (limit == 0)
		return 0;
	/* The index keeps the last seven digits of every phone, its extension left out, as a
	 * token of the phones column, so this finds the number however it was written
	 * ("(415) 555-0134", "+1 415...", "... x12"; schema version 6). */
	text_printf(match, sizeof(match), "phones : \"%s\"", digits + len - 7);
	err = search_tier(st, &tier, match, limit, &f);
	/* Done with every statement before calling back, so the callback may use the store. */
	for (i = 0; i < f.n && !err; i++)
		err = cb(&f.hits[i], arg);
	free(f.hits);
	free(f.ids);
	return err;
}

/*
 * Unit tests for contacts: the FTS5 index kept by triggers (insert, update, delete, soft
 * delete, account renames), plain-text queries that no hostile input can turn into FTS
 * syntax or an error, and contacts_get's fields for the dialer.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/contacts.h"
#include "loftdial/records.h"
#include "loftdial/store.h"
#include "loftdial/text.h"

static int setup(void **state)
{
	struct store *st;

	if (store_open(&st, ":memory:"))
		return -1;
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	store_close(*state);
	return 0;
}

static void put(struct store *st, enum store_obj obj, const char *json)
{
	cJSON *rec = cJSON_Parse(json);

	if (!rec)
		fail_msg("bad test JSON: %s", json);
	assert_int_equal(records_upsert(st, obj, rec, 0), 0);
	cJSON_Delete(rec);
}

struct hits {
	int n;
	int64_t ids[16];
	struct store *st;
	int stop_after;
};

static int hit_cb(const struct contact *c, void *arg)
{
	struct hits *h = arg;
	struct contact again;

	/* The callback may use the store. */
	if (h->st)
		assert_int_equal(contacts_get(h->st, c->id, &again), 0);
	if (h->n < 16)
		h->ids[h->n] = c->id;
	h->n++;
	if (h->stop_after && h->n == h->stop_after)
		return 99;
	return 0;
}

/* Runs a search and returns the number of hits (first id in *first). */
static int search(struct store *st, const char *q, int64_t *first)
{
	struct hits h = {0};
	int err = contacts_search(st, q, 50, hit_cb, &h);

	if (err)
		fail_msg("search '%s' failed: %d", q, err);
	if (first)
		*first = h.n ? h.ids[0] : 0;
	return h.n;
}

static void seed(struct store *st)
{
	put(st, STORE_ACCOUNTS,
	    "{\"id\":500,\"name\":\"Globex Corporation\",\"locale\":\"Europe/Berlin\"}");
	put(st, STORE_PEOPLE,
	    "{\"id\":1,\"first_name\":\"Ann\",\"last_name\":\"Smith\",\"display_name\":\"Ann "
	    "Smith\",\"email_address\":\"ann.smith@initech.example\",\"title\":\"VP Sales\","
	    "\"person_company_name\":\"Initech\",\"phone\":\"+1 (555) 123-4567\","
	    "\"mobile_phone\":\"+44 7700 900123\",\"locale\":\"US/Eastern\","
	    "\"locale_utc_offset\":-300,\"do_not_contact\":false,"
	    "\"contact_restrictions\":[\"email\"],\"account\":{\"id\":500},"
	    "\"owner\":{\"id\":51550},\"tags\":[\"VIP\",\"Wrong Number\"]}");
	put(st, STORE_PEOPLE,
	    "{\"id\":2,\"first_name\":\"José\",\"last_name\":\"Müller\",\"email_address\":"
	    "\"jose@globex.example\",\"title\":\"Head of Procurement\","
	    "\"person_company_name\":null,\"account\":{\"id\":500},\"do_not_contact\":true,"
	    "\"contact_restrictions\":[\"call\",\"email\"],\"home_phone\":\"030 1234567\"}");
	put(st, STORE_PEOPLE,
	    "{\"id\":3,\"first_name\":\"Annabel\",\"last_name\":\"Lee\",\"title\":\"CTO\","
	    "\"person_company_name\":\"Smithereens Ltd\"}");
	put(st, STORE_PEOPLE,
	    "{\"id\":4,\"first_name\":\"\\\"Quote\\\"\",\"last_name\":\"NEAR(x y)\","
	    "\"title\":\"'; DROP TABLE contacts_fts;--\",\"person_company_name\":\"*star*\"}");
}

static void test_fts_query(void **state)
{
	static const struct {
		const char *in;
		int err;
		const char *out;
	} rows[] = {
	        {"", ENOENT, ""},
	        {"   \t\n", ENOENT, ""},
	        {"\"", ENOENT, ""},
	        {"* ( ) : ^ - +", ENOENT, ""},
	        {"ann", 0, "(\"ann\" OR \"ann\"*)"},
	        {"  ann   smith ", 0, "(\"ann\" OR \"ann\"*) AND (\"smith\" OR \"smith\"*)"},
	        {"a\"b", 0, "(\"a\"\"b\" OR \"a\"\"b\"*)"},
	        {"\"ann\"", 0, "(\"\"\"ann\"\"\" OR \"\"\"ann\"\"\"*)"},
	        {"NEAR(a", 0, "(\"NEAR(a\" OR \"NEAR(a\"*)"},
	        {"AND NOT", 0, "(\"AND\" OR \"AND\"*) AND (\"NOT\" OR \"NOT\"*)"},
	        {"name:ann", 0, "(\"name:ann\" OR \"name:ann\"*)"},
	        {"josé", 0, "(\"josé\" OR \"josé\"*)"},
	        {"\x1b[2J", 0, "(\"[2J\" OR \"[2J\"*)"}, /* control characters separate words */
	};
	char out[128], tiny[12];
	unsigned i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int err = contacts_fts_query(rows[i].in, out, sizeof(out));

		if (err != rows[i].err)
			fail_msg("row %u: got %d want %d", i, err, rows[i].err);
		if (!err && strcmp(out, rows[i].out) != 0)
			fail_msg("row %u: got [%s] want [%s]", i, out, rows[i].out);
	}
	assert_int_equal(contacts_fts_query(NULL, out, sizeof(out)), EINVAL);
	assert_int_equal(contacts_fts_query("x", out, 0), EINVAL);
	assert_int_equal(contacts_fts_query("abcdef", tiny, sizeof(tiny)), E2BIG);
	assert_int_equal(contacts_fts_query("\"\"\"\"", tiny, sizeof(tiny)), ENOENT);
	assert_int_equal(contacts_fts_query("a\"\"", tiny, sizeof(tiny)), E2BIG);
	/* ("x" OR "x"*) is 13 bytes: it fits in 14 and not in 13. */
	assert_int_equal(contacts_fts_query("x", out, 14), 0);
	assert_int_equal(strlen(out), 13);
	assert_int_equal(contacts_fts_query("x", out, 13), E2BIG);
}

/* What a user types finds the right people: names, prefixes, company (own or the
 * account's), title, email, phone digits in any format, accents folded. */
static void test_search_finds(void **state)
{
	static const struct {
		const char *q;
		int n;
		int64_t first;
	} rows[] = {
	        {"ann smith", 2, 1}, /* also Annabel of Smithereens, ranked lower */
	        {"Ann", 2, 1},       /* Ann and Annabel (prefix) */
	        {"ANNABEL", 1, 3},
	        {"smith", 2, 0}, /* Ann Smith, Smithereens Ltd */
	        {"initech", 1, 1},
	        {"globex", 1, 2}, /* José has no own company: the account's name is indexed */
	        {"procurement", 1, 2},
	        {"jose muller", 1, 2}, /* accents folded */
	        {"josé müller", 1, 2},
	        {"ann.smith@initech.example", 1, 1},
	        {"5551234567", 1, 1},
	        {"555123", 1, 1},
	        {"1234567", 2, 0}, /* last 7 digits of Ann's phone and José's home phone */
	        {"+1 555", 1, 1},
	        {"7700900123", 1, 1},
	        {"zebra", 0, 0},
	        {"ann zebra", 0, 0},
	        {"\"Quote\"", 1, 4},
	        {"NEAR(x", 1, 4},
	        {"*star*", 1, 4},
	        {"DROP TABLE", 1, 4},
	};
	struct store *st = *state;
	int64_t first;
	unsigned i;
	int n;

	seed(st);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		n = search(st, rows[i].q, &first);
		if (n != rows[i].n)
			fail_msg("row %u '%s': %d hits, want %d", i, rows[i].q, n, rows[i].n);
		if (rows[i].first && first != rows[i].first)
			fail_msg("row %u '%s': first %lld, want %lld", i, rows[i].q,
			         (long long)first, (long long)rows[i].first);
	}
}

/* No input makes the search fail. */
static void test_search_hostile(void **state)
{
	static const char *const qs[] = {
	        "",
	        "\"",
	        "\"\"",
	        "'",
	        "*",
	        "**",
	        "NEAR(",
	        "NEAR(a b)",
	        "a NEAR b",
	        "AND",
	        "OR",
	        "NOT",
	        "(",
	        ")",
	        "()",
	        "{name}: x",
	        "name:ann",
	        "-ann",
	        "^ann",
	        "+ann",
	        "a OR b",
	        "a AND NOT b",
	        "\\",
	        "%",
	        "\x01\x02\x03",
	        "\x1b[31m",
	        "\xff\xfe",
	        "\xc3",
	        "😀",
	        "日本",
	        "a\"b\"c",
	        "\"unterminated",
	        "x*y",
	        "col : \"",
	        "; DROP TABLE sl_people;--",
	};
	struct store *st = *state;
	char *big;
	unsigned i;

	seed(st);
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
		(void)search(st, qs[i], NULL);
	big = malloc(5001);
	assert_non_null(big);
	for (i = 0; i < 5000; i++)
		big[i] = "a\" *(NEAR"[i % 10];
	big[5000] = '\0';
	(void)search(st, big, NULL);
	free(big);
	/* Still all there. */
	assert_int_equal(search(st, "ann", NULL), 2);
}

/* Runs a search with a limit and writes the ids found, in order, as "a b c" into out. */
static void search_ids(struct store *st, const char *q, size_t limit, char *out, size_t n)
{
	struct hits h = {0};
	size_t len = 0;
	int i;

	if (contacts_search(st, q, limit, hit_cb, &h))
		fail_msg("search '%s' failed", q);
	out[0] = '\0';
	for (i = 0; i < h.n && i < 16; i++) {
		(void)text_printf(out + len, n - len, "%s%lld", i ? " " : "", (long long)h.ids[i]);
		len += strlen(out + len);
	}
}

/* Best first without scoring every match: whole name words, then whole words anywhere, then
 * name prefixes, then prefixes anywhere; id order within a tier; each person once; the limit
 * takes the best. Ids run against the tiers so id order alone cannot pass. */
static void test_search_tiers(void **state)
{
	static const struct {
		const char *q;
		size_t limit;
		const char *ids;
	} rows[] = {
	        {"ann", 50, "23 22 21 20"}, {"ann", 2, "23 22"},       {"ann", 1, "23"},
	        {"ANN ARBOR", 50, "22"},    {"ann arb", 50, "22"},     {"annu", 50, "20"},
	        {"annual plan", 50, "20"},  {"ann bob", 50, "20"},     /* Bob (name) with "Annual"
	                                                                  (title) */
	        {"annette", 50, "22"},      {"annabel ann", 50, "21"}, /* both words hit the same
	                                                                  name word */
	        {"ann zed", 50, ""},
	};
	struct store *st = *state;
	char got[256];
	unsigned i;

	put(st, STORE_PEOPLE,
	    "{\"id\":20,\"first_name\":\"Bob\",\"last_name\":\"Stone\",\"title\":\"Annual "
	    "planner\"}");
	put(st, STORE_PEOPLE, "{\"id\":21,\"first_name\":\"Annabel\",\"last_name\":\"Lee\"}");
	put(st, STORE_PEOPLE,
	    "{\"id\":22,\"first_name\":\"Annette\",\"last_name\":\"Roe\","
	    "\"person_company_name\":\"Ann Arbor Labs\"}");
	put(st, STORE_PEOPLE, "{\"id\":23,\"first_name\":\"Ann\",\"last_name\":\"Kay\"}");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		search_ids(st, rows[i].q, rows[i].limit, got, sizeof(got));
		if (strcmp(got, rows[i].ids) != 0)
			fail_msg("row %u '%s' limit %zu: got '%s', want '%s'", i, rows[i].q,
			         rows[i].limit, got, rows[i].ids);
	}
}

/* Hostile and non-Latin queries find exactly the people whose text they are: FTS5 syntax,
 * quotes, a column filter typed by the user, scripts other than Latin, a query cut at a NUL,
 * a very long query. */
static void test_search_hostile_finds(void **state)
{
	static const struct {
		const char *q;
		const char *ids;
	} rows[] = {
	        {"name : \"x\"", "31"}, /* the user's "name :" is text, not a column filter */
	        {"name", "31 30"},      /* 31's name has "name"; 30's e-mail is name@... */
	        {"AND OR NOT", "32"},
	        {"and", "32"},
	        {"near(", "32"},
	        {"{company}:", ""}, /* nothing searchable but "company", which nobody has */
	        {"\"\"x\"\"", "31"},
	        {"'x'", "31"},
	        {"Ольга", "33"},
	        {"ольг", "33"}, /* case folded, prefix */
	        {"山田", "34"},
	        {"محمد", "35"},
	        {"Σωκράτης", "36"},
	        {"σωκράτης", "36"}, /* case folded */
	        {"σωκ", "36"},
	        {"😀", ""},
	        {"x\x1b[2Jname", ""}, /* the escape separates words: "x" AND "[2Jname" */
	};
	struct store *st = *state;
	char got[256], *big;
	char nul[] = "Ольга\0name";
	unsigned i;

	put(st, STORE_PEOPLE,
	    "{\"id\":30,\"first_name\":\"Pat\",\"email_address\":\"name@example.com\"}");
	put(st, STORE_PEOPLE, "{\"id\":31,\"first_name\":\"name : \\\"x\\\"\"}");
	put(st, STORE_PEOPLE, "{\"id\":32,\"first_name\":\"AND\",\"last_name\":\"OR NOT NEAR(\"}");
	put(st, STORE_PEOPLE, "{\"id\":33,\"first_name\":\"Ольга\",\"last_name\":\"Иванова\"}");
	put(st, STORE_PEOPLE, "{\"id\":34,\"first_name\":\"山田\",\"last_name\":\"太郎\"}");
	put(st, STORE_PEOPLE, "{\"id\":35,\"first_name\":\"محمد\",\"last_name\":\"علي\"}");
	put(st, STORE_PEOPLE, "{\"id\":36,\"first_name\":\"Σωκράτης\"}");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		search_ids(st, rows[i].q, 50, got, sizeof(got));
		if (strcmp(got, rows[i].ids) != 0)
			fail_msg("row %u '%s': got '%s', want '%s'", i, rows[i].q, got,
			         rows[i].ids);
	}
	/* A C string ends at its NUL: what follows is not searched. */
	search_ids(st, nul, 50, got, sizeof(got));
	assert_string_equal(got, "33");
	/* 100 kB of words: every one must match, none does, and nothing fails. */
	big = malloc(100001);
	assert_non_null(big);
	for (i = 0; i < 100000; i++)
		big[i] = "ann \"*( "[i % 8];
	big[100000] = '\0';
	search_ids(st, big, 50, got, sizeof(got));
	assert_string_equal(got, "");
	memset(big, 'a', 100000);
	search_ids(st, big, 50, got, sizeof(got));
	assert_string_equal(got, "");
	free(big);
}

/* The triggers follow every change: rename, delete, soft delete, undelete, account rename. */
static void test_index_follows_changes(void **state)
{
	struct store *st = *state;
	int64_t first;

	seed(st);
	put(st, STORE_PEOPLE,
	    "{\"id\":1,\"first_name\":\"Anne\",\"last_name\":\"Jones\","
	    "\"person_company_name\":\"Initech\"}");
	assert_int_equal(search(st, "smith", &first), 1);
	assert_int_equal(first, 3);
	assert_int_equal(search(st, "jones", &first), 1);
	assert_int_equal(first, 1);

	assert_int_equal(records_delete(st, STORE_PEOPLE, 1), 0);
	assert_int_equal(search(st, "jones", NULL), 0);
	put(st, STORE_PEOPLE, "{\"id\":1,\"first_name\":\"Anne\",\"last_name\":\"Jones\"}");
	assert_int_equal(search(st, "jones", NULL), 1);

	/* Renaming the account reindexes the people who show its name. */
	put(st, STORE_ACCOUNTS, "{\"id\":500,\"name\":\"Umbrella\"}");
	assert_int_equal(search(st, "corporation", NULL), 0);
	assert_int_equal(search(st, "umbrella", &first), 1);
	assert_int_equal(first, 2);
	/* People synced before their account get its name when it arrives. */
	put(st, STORE_PEOPLE, "{\"id\":9,\"first_name\":\"Early\",\"account\":{\"id\":600}}");
	assert_int_equal(search(st, "hooli", NULL), 0);
	put(st, STORE_ACCOUNTS, "{\"id\":600,\"name\":\"Hooli\"}");
	assert_int_equal(search(st, "hooli", &first), 1);
	assert_int_equal(first, 9);

	/* A deleted account's name is no longer the company of its people. */
	assert_int_equal(records_delete(st, STORE_ACCOUNTS, 600), 0);
	assert_int_equal(search(st, "hooli", NULL), 0);
	assert_int_equal(search(st, "early", &first), 1);
	put(st, STORE_ACCOUNTS, "{\"id\":600,\"name\":\"Hooli\"}");
	assert_int_equal(search(st, "hooli", NULL), 1);

	/* A hard delete (by another tool) removes the entry too. */
	assert_int_equal(sqlite3_exec(store_sqlite(st), "DELETE FROM sl_people WHERE id = 9", NULL,
	                              NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(search(st, "hooli", NULL), 0);

	/* The sweep's soft delete also leaves the index. */
	assert_int_equal(records_sweep_unseen(st, STORE_PEOPLE, 1, NULL), 0);
	assert_int_equal(search(st, "ann", NULL), 0);

	/* Rebuilding from scratch gives the same answers. */
	put(st, STORE_PEOPLE, "{\"id\":1,\"first_name\":\"Anne\",\"last_name\":\"Jones\"}");
	assert_int_equal(sqlite3_exec(store_sqlite(st),
	                              "DELETE FROM contacts_fts; DELETE FROM contacts_names", NULL,
	                              NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(search(st, "jones", NULL), 0);
	assert_int_equal(contacts_reindex(st), 0);
	assert_int_equal(search(st, "jones", NULL), 1);
	assert_int_equal(search(st, "umbrella", NULL), 0); /* José was swept */
}

static void test_search_limit_and_stop(void **state)
{
	struct store *st = *state;
	struct hits h = {0};
	char json[128];
	int i;

	assert_int_equal(store_begin(st), 0);
	for (i = 1; i <= 30; i++) {
		(void)text_printf(json, sizeof(json),
		                  "{\"id\":%d,\"first_name\":\"Sam\",\"last_name\":\"N%d\"}", i, i);
		put(st, STORE_PEOPLE, json);
	}
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(contacts_search(st, "sam", 10, hit_cb, &h), 0);
	assert_int_equal(h.n, 10);
	memset(&h, 0, sizeof(h));
	assert_int_equal(contacts_search(st, "sam", 0, hit_cb, &h), 0);
	assert_int_equal(h.n, 0);
	h.st = st;
	h.stop_after = 3;
	assert_int_equal(contacts_search(st, "sam", 100, hit_cb, &h), 99);
	assert_int_equal(h.n, 3);
	assert_int_equal(contacts_search(st, NULL, 10, hit_cb, &h), EINVAL);
	assert_int_equal(contacts_search(st, "sam", 10, NULL, &h), EINVAL);
}

static void test_get(void **state)
{
	struct store *st = *state;
	struct contact c;
	char json[8000], *big;

	seed(st);
	assert_int_equal(contacts_get(st, 1, &c), 0);
	assert_int_equal(c.id, 1);
	assert_string_equal(c.first_name, "Ann");
	assert_string_equal(c.display_name, "Ann Smith");
	assert_string_equal(c.company, "Initech");
	assert_string_equal(c.title, "VP Sales");
	assert_string_equal(c.email, "ann.smith@initech.example");
	assert_string_equal(c.phone, "+1 (555) 123-4567");
	assert_string_equal(c.mobile_phone, "+44 7700 900123");
	assert_string_equal(c.home_phone, "");
	assert_string_equal(c.locale, "US/Eastern");
	assert_true(c.has_utc_offset);
	assert_int_equal(c.utc_offset_min, -300);
	assert_false(c.do_not_contact);
	assert_string_equal(c.contact_restrictions, "[\"email\"]");
	assert_false(c.no_call);
	assert_int_equal(c.account_id, 500);
	assert_int_equal(c.owner_id, 51550);
	assert_false(c.deleted);
	assert_string_equal(c.tags, "[\"VIP\",\"Wrong Number\"]");
	assert_string_equal(c.account_locale, "Europe/Berlin");

	assert_int_equal(contacts_get(st, 2, &c), 0);
	assert_string_equal(c.tags, "");
	assert_string_equal(c.company, "Globex Corporation"); /* from the account */
	assert_true(c.do_not_contact);
	assert_true(c.no_call);
	assert_false(c.has_utc_offset);

	assert_int_equal(contacts_get(st, 12345, &c), ENOENT);
	assert_int_equal(records_delete(st, STORE_PEOPLE, 3), 0);
	assert_int_equal(contacts_get(st, 3, &c), 0);
	assert_true(c.deleted);

	/* A 5 kB name is cut to the buffer, never overflowing it. */
	big = malloc(5001);
	assert_non_null(big);
	memset(big, 'n', 5000);
	big[5000] = '\0';
	(void)text_printf(json, sizeof(json),
	                  "{\"id\":7,\"first_name\":\"%s\",\"contact_restrictions\":\"call\"}",
	                  big);
	put(st, STORE_PEOPLE, json);
	assert_int_equal(contacts_get(st, 7, &c), 0);
	assert_int_equal(strlen(c.first_name), sizeof(c.first_name) - 1);
	/* A restrictions value that is not an array is not a call restriction. */
	assert_false(c.no_call);
	free(big);
}

/* contacts_by_phone: hostile and short digits find nobody; a number is found however each of
 * the person's phones was written (by its last seven digits; the caller confirms), with an
 * extension after it too; deleted people are not found; the limit and a callback's stop
 * hold; contacts_reindex() keeps the extension out as the triggers do. */
static void test_by_phone(void **state)
{
	struct store *st = *state;
	static const struct {
		const char *digits;
		int hits;
	} cases[] = {
	        {"", 0},
	        {"123456", 0},           /* fewer than seven digits */
	        {"1234567890123456", 0}, /* more than fifteen */
	        {"14155550134\"", 0},    /* not digits only */
	        {"4155550134*", 0},
	        {"14155550134", 2}, /* Ann's phone, Bob's mobile */
	        {"4155550134", 2},
	        {"12125550134", 2},  /* the same last seven: candidates, not matches */
	        {"442079460958", 1}, /* Cy's home phone written nationally */
	        {"14155559999", 0},
	        /* An extension in the phone field, as reps type it into Salesloft: the number
	         * before it is found, whatever the marker. */
	        {"14155550177", 1}, /* "+1 415 555 0177 x12" */
	        {"4155550188", 1},  /* "(415) 555-0188 ext. 12" */
	        {"14155550199", 1}, /* "+1-415-555-0199;ext=12" */
	        {"14155550166", 1}, /* "415.555.0166 Ext 7" */
	        {"14155550155", 1}, /* "4155550155#34" */
	        {"14155550144", 1}, /* "+14155550144,,12" (dial pauses) */
	        {"14155550133", 1}, /* "tel:+14155550133;ext=9" */
	        {"4155550012", 0},  /* the extension's digits are no number of their own */
	};
	struct hits h;
	size_t i;
	int pass;

	put(st, STORE_PEOPLE, "{\"id\":1,\"first_name\":\"Ann\",\"phone\":\"(415) 555-0134\"}");
	put(st, STORE_PEOPLE,
	    "{\"id\":2,\"first_name\":\"Bob\",\"mobile_phone\":\"+1 415.555.0134\"}");
	put(st, STORE_PEOPLE, "{\"id\":3,\"first_name\":\"Cy\",\"home_phone\":\"020 7946 0958\"}");
	put(st, STORE_PEOPLE, "{\"id\":4,\"first_name\":\"Di\",\"phone\":\"+14155550134\"}");
	assert_int_equal(records_delete(st, STORE_PEOPLE, 4), 0);
	put(st, STORE_PEOPLE, "{\"id\":5,\"first_name\":\"Ed\",\"phone\":\"+1 415 555 0177 x12\"}");
	put(st, STORE_PEOPLE,
	    "{\"id\":6,\"first_name\":\"Flo\",\"mobile_phone\":\"(415) 555-0188 ext. 12\"}");
	put(st, STORE_PEOPLE,
	    "{\"id\":7,\"first_name\":\"Gus\",\"home_phone\":\"+1-415-555-0199;ext=12\"}");
	put(st, STORE_PEOPLE, "{\"id\":8,\"first_name\":\"Hal\",\"phone\":\"415.555.0166 Ext 7\"}");
	put(st, STORE_PEOPLE, "{\"id\":9,\"first_name\":\"Ida\",\"phone\":\"4155550155#34\"}");
	put(st, STORE_PEOPLE, "{\"id\":10,\"first_name\":\"Jo\",\"phone\":\"+14155550144,,12\"}");
	put(st, STORE_PEOPLE,
	    "{\"id\":11,\"first_name\":\"Kai\",\"phone\":\"tel:+14155550133;ext=9\"}");
	assert_int_equal(contacts_by_phone(NULL, "14155550134", 5, hit_cb, &h), EINVAL);
	assert_int_equal(contacts_by_phone(st, NULL, 5, hit_cb, &h), EINVAL);
	assert_int_equal(contacts_by_phone(st, "14155550134", 5, NULL, &h), EINVAL);
	for (pass = 0; pass < 2; pass++) {
		/* The second pass reads the index contacts_reindex() built. */
		if (pass == 1)
			assert_int_equal(contacts_reindex(st), 0);
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			memset(&h, 0, sizeof(h));
			h.st = st;
			assert_int_equal(contacts_by_phone(st, cases[i].digits, 5, hit_cb, &h), 0);
			if (h.n != cases[i].hits)
				fail_msg("pass %d, '%s': %d hits, want %d", pass, cases[i].digits,
				         h.n, cases[i].hits);
		}
	}
	memset(&h, 0, sizeof(h));
	assert_int_equal(contacts_by_phone(st, "14155550134", 1, hit_cb, &h), 0);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.ids[0], 1);
	memset(&h, 0, sizeof(h));
	h.stop_after = 1;
	assert_int_equal(contacts_by_phone(st, "14155550134", 5, hit_cb, &h), 99);
	assert_int_equal(h.n, 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fts_query),
	        T(test_search_finds),
	        T(test_search_hostile),
	        T(test_index_follows_changes),
	        T(test_search_limit_and_stop),
	        T(test_get),
	        T(test_search_tiers),
	        T(test_search_hostile_finds),
	        T(test_by_phone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for records and syncstate: real Salesloft payloads (tests/data/fixtures), null
 * and wrongly typed fields, string and missing ids, hostile and oversized strings, timestamp
 * parsing, stale updates, soft deletes, the generation sweep, the ids[] walk, the cursor and
 * the page's rows committed (or rolled back) together, and the views other tools read.
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

#include "loftdial/records.h"
#include "loftdial/store.h"
#include "loftdial/syncstate.h"
#include "loftdial/text.h"
#include "storetest.h"
#include "testlib.h"

static int setup(void **state)
{
	return storetest_setup(state, "ld-records");
}

/* Reads a fixture from the source tree's tests/data/fixtures. */
static cJSON *fixture(const char *name)
{
	char path[1024];
	char *buf;
	FILE *f;
	long len;
	cJSON *j;

	(void)text_printf(path, sizeof(path), "%s/tests/data/fixtures/%s",
	                  tl_env("LOFTDIAL_SRC", "."), name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	j = cJSON_Parse(buf);
	free(buf);
	assert_non_null(j);
	return j;
}

/* Upserts every record of a list response's data array; returns how many. */
static int upsert_page(struct store *st, enum store_obj obj, const cJSON *page, int64_t gen)
{
	const cJSON *rec;
	int n = 0;

	cJSON_ArrayForEach(rec, cJSON_GetObjectItem(page, "data"))
	{
		assert_int_equal(records_upsert(st, obj, rec, gen), 0);
		n++;
	}
	return n;
}

/* Upserts a record given as JSON text. */
static int put(struct store *st, enum store_obj obj, const char *json, int64_t gen)
{
	cJSON *rec = cJSON_Parse(json);
	int err;

	if (!rec)
		fail_msg("bad test JSON: %s", json);
	err = records_upsert(st, obj, rec, gen);
	cJSON_Delete(rec);
	return err;
}

/* A column of one row as text ("<null>" for NULL) into out. */
static const char *col(struct store *st, const char *sql, int64_t id, char *out, size_t n)
{
	sqlite3_stmt *stmt;

	assert_int_equal(sqlite3_prepare_v2(store_sqlite(st), sql, -1, &stmt, NULL), SQLITE_OK);
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) != SQLITE_ROW)
		(void)text_copy(out, n, "<no row>");
	else if (sqlite3_column_type(stmt, 0) == SQLITE_NULL)
		(void)text_copy(out, n, "<null>");
	else
		(void)text_copy(out, n, (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	return out;
}

static void test_parse_time(void **state)
{
	static const struct {
		const char *in;
		int err;
		int64_t us;
	} rows[] = {
	        {NULL, EINVAL, 0},
	        {"", EINVAL, 0},
	        {"garbage", EINVAL, 0},
	        {"2024-03-07", EINVAL, 0},
	        {"2024-03-07T04:26:14", EINVAL, 0}, /* no zone: ambiguous, refused */
	        {"2024-13-07T04:26:14Z", EINVAL, 0},
	        {"2024-02-30T04:26:14Z", EINVAL, 0},
	        {"2023-02-29T00:00:00Z", EINVAL, 0},
	        {"2024-03-07T24:00:00Z", EINVAL, 0},
	        {"2024-03-07T04:26:14.Z", EINVAL, 0},
	        {"2024-03-07T04:26:14Zjunk", EINVAL, 0},
	        {"2024-03-07T04:26:14+2400", EINVAL, 0},
	        {"2024-03-07T04:26:14.1234567890123456789Z", EINVAL, 0},
	        {"1970-01-01T00:00:00Z", 0, 0},
	        {"1970-01-01T00:00:00.000001Z", 0, 1},
	        {"1969-12-31T23:59:59Z", 0, -1000000},
	        {"2024-02-29T00:00:00Z", 0, 1709164800000000LL},
	        {"2024-03-07T04:26:14.444910-05:00", 0, 1709803574444910LL},
	        {"2024-03-07T09:26:14.444910Z", 0, 1709803574444910LL},
	        {"2024-03-07T09:26:14.444910+00:00", 0, 1709803574444910LL},
	        {"2024-03-07 14:56:14.444910+0530", 0, 1709803574444910LL},
	        {"2024-03-07T09:26:14.4449Z", 0, 1709803574444900LL},
	        {"2024-03-07T09:26:14.444910999Z", 0, 1709803574444910LL}, /* beyond µs dropped */
	        {"2024-03-07T09:26:14Z", 0, 1709803574000000LL},
	};
	unsigned i;
	int64_t us;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		us = -42;
		if (records_parse_time(rows[i].in, &us) != rows[i].err)
			fail_msg("row %u (%s): wrong result", i, rows[i].in ? rows[i].in : "NULL");
		if (!rows[i].err && us != rows[i].us)
			fail_msg("row %u (%s): got %lld want %lld", i, rows[i].in, (long long)us,
			         (long long)rows[i].us);
	}
}

/* Real captured people, users and accounts land with their columns extracted and their
 * timestamps verbatim; the raw JSON comes back equal. */
static void test_fixtures(void **state)
{
	struct storetest *fx = *state;
	struct store *st = fx->st;
	cJSON *people = fixture("list-people.json"), *users = fixture("list-users.json");
	cJSON *accounts = fixture("list-accounts.json"), *back;
	char v[256], *json = NULL;
	int64_t n;

	assert_int_equal(upsert_page(st, STORE_PEOPLE, people, 0), 2);
	assert_int_equal(upsert_page(st, STORE_USERS, users, 0), 1);
	assert_int_equal(upsert_page(st, STORE_ACCOUNTS, accounts, 0), 3);
	assert_int_equal(records_count(st, STORE_PEOPLE, false, &n), 0);
	assert_int_equal(n, 2);

	assert_string_equal(
	        col(st, "SELECT updated_at FROM sl_people WHERE id = ?1", 164510523, v, sizeof(v)),
	        "2024-03-07T04:26:14.444910-05:00");
	assert_int_equal(
	        storetest_int(st, "SELECT updated_us FROM sl_people WHERE id = ?1", 164510523),
	        1709803574444910LL);
	assert_string_equal(
	        col(st, "SELECT created_at FROM sl_people WHERE id = ?1", 164510523, v, sizeof(v)),
	        "2024-03-07T02:46:00.302715-05:00");
	assert_string_equal(
	        col(st, "SELECT email FROM sl_people WHERE id = ?1", 164510523, v, sizeof(v)),
	        "losbourn29@paypal.com");
	assert_string_equal(col(st, "SELECT display_name FROM sl_people WHERE id = ?1", 164510523,
	                        v, sizeof(v)),
	                    "Lynnelle new");
	assert_int_equal(
	        storetest_int(st, "SELECT owner_id FROM sl_people WHERE id = ?1", 164510523),
	        51550);
	assert_string_equal(
	        col(st, "SELECT account_id FROM sl_people WHERE id = ?1", 164510523, v, sizeof(v)),
	        "<null>");
	assert_string_equal(
	        col(st, "SELECT phone FROM sl_people WHERE id = ?1", 164510523, v, sizeof(v)),
	        "<null>");
	assert_string_equal(col(st, "SELECT contact_restrictions FROM sl_people WHERE id = ?1",
	                        164510523, v, sizeof(v)),
	                    "[]");
	assert_int_equal(
	        storetest_int(st, "SELECT do_not_contact FROM sl_people WHERE id = ?1", 164510523),
	        0);
	assert_int_equal(
	        storetest_int(st, "SELECT is_deleted FROM sl_people WHERE id = ?1", 164510523), 0);

	/* Users: role.id is a string, phone_client has no _href. */
	assert_string_equal(col(st, "SELECT role FROM sl_users WHERE id = ?1", 49067, v, sizeof(v)),
	                    "Admin");
	assert_int_equal(storetest_int(st, "SELECT team_id FROM sl_users WHERE id = ?1", 49067),
	                 111855);
	assert_string_equal(col(st, "SELECT guid FROM sl_users WHERE id = ?1", 49067, v, sizeof(v)),
	                    "0863ed13-7120-479b-8650-206a3679e2fb");
	assert_int_equal(storetest_int(st, "SELECT team_admin FROM sl_users WHERE id = ?1", 49067),
	                 1);
	assert_int_equal(
	        storetest_int(st, "SELECT locale_utc_offset FROM sl_users WHERE id = ?1", 49067),
	        -240);
	assert_string_equal(
	        col(st, "SELECT group_id FROM sl_users WHERE id = ?1", 49067, v, sizeof(v)),
	        "<null>");

	/* Accounts: a domain that is a whole URL is kept as it is. */
	assert_string_equal(
	        col(st, "SELECT domain FROM sl_accounts WHERE id = ?1", 48371814, v, sizeof(v)),
	        "https://www.reebok.eu/en-gb/");
	assert_int_equal(
	        storetest_int(st, "SELECT owner_id FROM sl_accounts WHERE id = ?1", 48371814),
	        49067);

	/* The raw JSON is the record as received. */
	assert_int_equal(records_get_json(st, STORE_USERS, 49067, &json), 0);
	back = cJSON_Parse(json);
	assert_true(cJSON_Compare(back, cJSON_GetArrayItem(cJSON_GetObjectItem(users, "data"), 0),
	                          true));
	cJSON_Delete(back);
	free(json);

	/* Upserting the same page again changes nothing. */
	assert_int_equal(upsert_page(st, STORE_PEOPLE, people, 0), 2);
	assert_int_equal(records_count(st, STORE_PEOPLE, true, &n), 0);
	assert_int_equal(n, 2);
	cJSON_Delete(people);
	cJSON_Delete(users);
	cJSON_Delete(accounts);
}

/* Ids: integers and digit strings are accepted; everything else is EINVAL. */
static void test_ids(void **state)
{
	static const struct {
		const char *json;
		int err;
		int64_t id;
	} rows[] = {
	        {"{}", EINVAL, 0},
	        {"{\"id\":null}", EINVAL, 0},
	        {"{\"id\":0}", EINVAL, 0},
	        {"{\"id\":-5}", EINVAL, 0},
	        {"{\"id\":1.5}", EINVAL, 0},
	        {"{\"id\":1e300}", EINVAL, 0},
	        {"{\"id\":true}", EINVAL, 0},
	        {"{\"id\":\"\"}", EINVAL, 0},
	        {"{\"id\":\"abc\"}", EINVAL, 0},
	        {"{\"id\":\"12a\"}", EINVAL, 0},
	        {"{\"id\":\" 12\"}", EINVAL, 0},
	        {"{\"id\":\"99999999999999999999\"}", EINVAL, 0},
	        {"{\"id\":[1]}", EINVAL, 0},
	        {"{\"id\":{\"id\":1}}", EINVAL, 0},
	        {"{\"ID\":1}", EINVAL, 0},
	        {"[1,2,3]", EINVAL, 0},
	        {"\"id\"", EINVAL, 0},
	        {"{\"id\":1}", 0, 1},
	        {"{\"id\":\"123\"}", 0, 123},
	        {"{\"id\":9007199254740992}", 0, 9007199254740992LL},
	        {"{\"id\":164510523.0}", 0, 164510523},
	};
	struct storetest *fx = *state;
	unsigned i;
	bool live;

	assert_int_equal(records_upsert(fx->st, STORE_PEOPLE, NULL, 0), EINVAL);
	assert_int_equal(records_upsert(NULL, STORE_PEOPLE, NULL, 0), EINVAL);
	{
		cJSON *rec = cJSON_Parse("{\"id\":1}");

		assert_int_equal(records_upsert(fx->st, STORE_OBJ_COUNT, rec, 0), EINVAL);
		assert_int_equal(records_upsert(fx->st, (enum store_obj) - 1, rec, 0), EINVAL);
		cJSON_Delete(rec);
	}
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int err = put(fx->st, STORE_ACCOUNTS, rows[i].json, 0);

		if (err != rows[i].err)
			fail_msg("row %u (%s): got %d want %d", i, rows[i].json, err, rows[i].err);
		if (!err) {
			assert_int_equal(records_is_live(fx->st, STORE_ACCOUNTS, rows[i].id, &live),
			                 0);
			assert_true(live);
		}
	}
}

/* Null, missing and wrongly typed fields become NULL; embedded ids may be strings. */
static void test_null_and_wrong_types(void **state)
{
	static const struct {
		const char *sql;
		const char *want;
	} rows[] = {
	        {"SELECT first_name FROM sl_people WHERE id = ?1", "<null>"},
	        {"SELECT last_name FROM sl_people WHERE id = ?1", "<null>"},
	        {"SELECT title FROM sl_people WHERE id = ?1", "<null>"},
	        {"SELECT owner_id FROM sl_people WHERE id = ?1", "<null>"},
	        {"SELECT account_id FROM sl_people WHERE id = ?1", "77"},
	        {"SELECT do_not_contact FROM sl_people WHERE id = ?1", "<null>"},
	        {"SELECT locale_utc_offset FROM sl_people WHERE id = ?1", "<null>"},
	        {"SELECT contact_restrictions FROM sl_people WHERE id = ?1", "{\"call\":true}"},
	        {"SELECT phone FROM sl_people WHERE id = ?1", "<null>"},
	        {"SELECT mobile_phone FROM sl_people WHERE id = ?1", "<null>"},
	        {"SELECT updated_at FROM sl_people WHERE id = ?1", "<null>"},
	        {"SELECT updated_us FROM sl_people WHERE id = ?1", "<null>"},
	        {"SELECT created_at FROM sl_people WHERE id = ?1", "<null>"},
	        {"SELECT email FROM sl_people WHERE id = ?1", "<null>"},
	};
	struct storetest *fx = *state;
	char v[256];
	unsigned i;

	assert_int_equal(put(fx->st, STORE_PEOPLE,
	                     "{\"id\":1,\"first_name\":null,\"last_name\":123,\"title\":[\"x\"],"
	                     "\"owner\":\"51550\",\"account\":{\"id\":\"77\",\"_href\":null},"
	                     "\"do_not_contact\":\"yes\",\"locale_utc_offset\":1.5,"
	                     "\"contact_restrictions\":{\"call\":true},\"phone\":5551234,"
	                     "\"mobile_phone\":{},\"updated_at\":17,\"created_at\":null,"
	                     "\"email_address\":false}",
	                     0),
	                 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		col(fx->st, rows[i].sql, 1, v, sizeof(v));
		if (strcmp(v, rows[i].want) != 0)
			fail_msg("row %u (%s): got %s want %s", i, rows[i].sql, v, rows[i].want);
	}
	/* An unparseable updated_at is kept verbatim, but has no ordering value. */
	assert_int_equal(put(fx->st, STORE_PEOPLE,
	                     "{\"id\":2,\"updated_at\":\"yesterday-ish\",\"owner\":{\"id\":null}}",
	                     0),
	                 0);
	assert_string_equal(
	        col(fx->st, "SELECT updated_at FROM sl_people WHERE id = ?1", 2, v, sizeof(v)),
	        "yesterday-ish");
	assert_string_equal(
	        col(fx->st, "SELECT updated_us FROM sl_people WHERE id = ?1", 2, v, sizeof(v)),
	        "<null>");
}

/* Hostile text goes in and comes out byte for byte, and nothing in it is SQL. */
static void test_hostile_strings(void **state)
{
	static const char *const names[] = {
	        "'; DROP TABLE sl_people;--",
	        "Robert'); DELETE FROM meta; --",
	        "\"quoted\" \\backslash\\",
	        "\x1b[2J\x1b]0;pwned\x07",
	        "\xc3\x28 invalid utf-8 \xff\xfe",
	        "emoji 😀 日本語 שלום",
	        "%s%n%x",
	        "NEAR(a b) OR * AND -x",
	        "tab\tnew\nline\r",
	};
	struct storetest *fx = *state;
	char json[1024], v[256];
	unsigned i;
	cJSON *rec;
	int64_t n;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		rec = cJSON_CreateObject();
		cJSON_AddNumberToObject(rec, "id", 100 + i);
		cJSON_AddStringToObject(rec, "first_name", names[i]);
		cJSON_AddStringToObject(rec, "updated_at", names[i]);
		assert_int_equal(records_upsert(fx->st, STORE_PEOPLE, rec, 0), 0);
		cJSON_Delete(rec);
		col(fx->st, "SELECT first_name FROM sl_people WHERE id = ?1", 100 + i, v,
		    sizeof(v));
		assert_string_equal(v, names[i]);
	}
	/* An escaped NUL inside a JSON string must not crash anything. */
	(void)text_copy(json, sizeof(json), "{\"id\":200,\"first_name\":\"a\\u0000b\"}");
	assert_int_equal(put(fx->st, STORE_PEOPLE, json, 0), 0);
	assert_int_equal(records_count(fx->st, STORE_PEOPLE, false, &n), 0);
	assert_int_equal(n, (int64_t)(sizeof(names) / sizeof(names[0])) + 1);
	assert_int_equal(storetest_int(fx->st, "SELECT count(*) FROM meta", 0), 0);
}

/* 5 kB strings and a record with thousands of fields are stored whole. */
static void test_oversized(void **state)
{
	struct storetest *fx = *state;
	char *big, key[32], *json = NULL;
	cJSON *rec;
	int i;

	big = malloc(5121);
	assert_non_null(big);
	for (i = 0; i < 5120; i++)
		big[i] = (char)('a' + i % 26);
	big[5120] = '\0';
	rec = cJSON_CreateObject();
	cJSON_AddNumberToObject(rec, "id", 9);
	cJSON_AddStringToObject(rec, "first_name", big);
	cJSON_AddStringToObject(rec, "title", big);
	cJSON_AddStringToObject(rec, "phone", big);
	for (i = 0; i < 2000; i++) {
		(void)text_printf(key, sizeof(key), "custom_%d", i);
		cJSON_AddStringToObject(rec, key, "v");
	}
	assert_int_equal(records_upsert(fx->st, STORE_PEOPLE, rec, 0), 0);
	assert_int_equal(
	        storetest_int(fx->st, "SELECT length(first_name) FROM sl_people WHERE id = ?1", 9),
	        5120);
	assert_int_equal(records_get_json(fx->st, STORE_PEOPLE, 9, &json), 0);
	assert_non_null(strstr(json, "custom_1999"));
	free(json);
	cJSON_Delete(rec);
	free(big);
}

/* A stale version (older updated_at) never overwrites a newer one, but is still "seen". */
static void test_stale_update(void **state)
{
	struct storetest *fx = *state;
	char v[128];

	assert_int_equal(put(fx->st, STORE_PEOPLE,
	                     "{\"id\":1,\"first_name\":\"New\","
	                     "\"updated_at\":\"2024-03-07T04:26:14.444910-05:00\"}",
	                     1),
	                 0);
	/* Later text, earlier instant (08:00Z < 09:26Z): stale. */
	assert_int_equal(put(fx->st, STORE_PEOPLE,
	                     "{\"id\":1,\"first_name\":\"Old\","
	                     "\"updated_at\":\"2024-03-07T08:00:00.000000Z\"}",
	                     2),
	                 0);
	assert_string_equal(
	        col(fx->st, "SELECT first_name FROM sl_people WHERE id = ?1", 1, v, sizeof(v)),
	        "New");
	assert_int_equal(
	        storetest_int(fx->st, "SELECT seen_generation FROM sl_people WHERE id = ?1", 1), 2);
	/* The same instant written another way counts as current. */
	assert_int_equal(put(fx->st, STORE_PEOPLE,
	                     "{\"id\":1,\"first_name\":\"Same\","
	                     "\"updated_at\":\"2024-03-07T09:26:14.444910Z\"}",
	                     0),
	                 0);
	assert_string_equal(
	        col(fx->st, "SELECT first_name FROM sl_people WHERE id = ?1", 1, v, sizeof(v)),
	        "Same");
	assert_int_equal(
	        storetest_int(fx->st, "SELECT seen_generation FROM sl_people WHERE id = ?1", 1), 2);
	/* A record without a parseable time always overwrites. */
	assert_int_equal(put(fx->st, STORE_PEOPLE, "{\"id\":1,\"first_name\":\"NoTime\"}", 0), 0);
	assert_string_equal(
	        col(fx->st, "SELECT first_name FROM sl_people WHERE id = ?1", 1, v, sizeof(v)),
	        "NoTime");
}

static void test_soft_delete(void **state)
{
	struct storetest *fx = *state;
	char *json = NULL;
	int64_t n;
	bool live = true;

	assert_int_equal(put(fx->st, STORE_CADENCES, "{\"id\":3,\"name\":\"Q3\"}", 0), 0);
	assert_int_equal(records_delete(fx->st, STORE_CADENCES, 3), 0);
	assert_int_equal(records_delete(fx->st, STORE_CADENCES, 3), 0); /* idempotent */
	assert_int_equal(records_delete(fx->st, STORE_CADENCES, 4), ENOENT);
	assert_int_equal(records_delete(fx->st, STORE_OBJ_COUNT, 3), EINVAL);
	assert_int_equal(records_is_live(fx->st, STORE_CADENCES, 3, &live), 0);
	assert_false(live);
	assert_int_equal(records_count(fx->st, STORE_CADENCES, false, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(records_count(fx->st, STORE_CADENCES, true, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(records_get_json(fx->st, STORE_CADENCES, 3, &json), 0);
	free(json);
	assert_int_equal(records_get_json(fx->st, STORE_CADENCES, 4, &json), ENOENT);
	assert_null(json);
	assert_int_equal(storetest_int(fx->st, "SELECT count(*) FROM sequences", 0), 0);
	/* Seen again: live again. */
	assert_int_equal(put(fx->st, STORE_CADENCES, "{\"id\":3,\"name\":\"Q3\"}", 0), 0);
	assert_int_equal(records_is_live(fx->st, STORE_CADENCES, 3, &live), 0);
	assert_true(live);
	assert_int_equal(storetest_int(fx->st,
	                               "SELECT deleted_at IS NULL FROM sl_cadences WHERE id = ?1",
	                               3),
	                 1);
}

/* Only a complete pass's generation marks unseen rows; lower generations never win. */
static void test_generation_sweep(void **state)
{
	struct storetest *fx = *state;
	int64_t ids[8];
	size_t n;
	unsigned marked = 99;
	char json[64];
	int64_t i;

	for (i = 1; i <= 5; i++) {
		(void)text_printf(json, sizeof(json), "{\"id\":%lld}", (long long)i);
		assert_int_equal(put(fx->st, STORE_ACCOUNTS, json, 1), 0);
	}
	/* Full pass 2 sees 1, 2 and 4; an incremental (generation 0) touches 1 in between. */
	assert_int_equal(put(fx->st, STORE_ACCOUNTS, "{\"id\":1}", 2), 0);
	assert_int_equal(put(fx->st, STORE_ACCOUNTS, "{\"id\":2}", 2), 0);
	assert_int_equal(put(fx->st, STORE_ACCOUNTS, "{\"id\":1}", 0), 0);
	assert_int_equal(put(fx->st, STORE_ACCOUNTS, "{\"id\":4}", 2), 0);
	assert_int_equal(records_sweep_unseen(fx->st, STORE_ACCOUNTS, 2, &marked), 0);
	assert_int_equal(marked, 2);
	assert_int_equal(records_live_ids(fx->st, STORE_ACCOUNTS, 0, ids, 8, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 2);
	assert_int_equal(ids[2], 4);
	/* Sweeping again finds nothing new; bad arguments are refused. */
	assert_int_equal(records_sweep_unseen(fx->st, STORE_ACCOUNTS, 2, &marked), 0);
	assert_int_equal(marked, 0);
	assert_int_equal(records_sweep_unseen(fx->st, STORE_ACCOUNTS, 0, &marked), EINVAL);
	assert_int_equal(records_sweep_unseen(fx->st, STORE_OBJ_COUNT, 2, NULL), EINVAL);
	/* Other objects are untouched by a sweep of accounts. */
	assert_int_equal(put(fx->st, STORE_PEOPLE, "{\"id\":1}", 0), 0);
	assert_int_equal(records_sweep_unseen(fx->st, STORE_ACCOUNTS, 3, NULL), 0);
	assert_int_equal(records_is_live(fx->st, STORE_PEOPLE, 1, &(bool){false}), 0);
	assert_int_equal(storetest_int(fx->st, "SELECT is_deleted FROM sl_people WHERE id = 1", 0),
	                 0);
}

static void test_live_ids_paging(void **state)
{
	struct storetest *fx = *state;
	int64_t ids[100], after = 0, total = 0, expect = 1;
	char json[64];
	size_t n, i;
	int64_t k;

	assert_int_equal(store_begin(fx->st), 0);
	for (k = 1; k <= 250; k++) {
		(void)text_printf(json, sizeof(json), "{\"id\":%lld}", (long long)k);
		assert_int_equal(put(fx->st, STORE_PEOPLE, json, 0), 0);
	}
	assert_int_equal(records_delete(fx->st, STORE_PEOPLE, 100), 0);
	assert_int_equal(store_commit(fx->st), 0);
	do {
		assert_int_equal(records_live_ids(fx->st, STORE_PEOPLE, after, ids, 100, &n), 0);
		for (i = 0; i < n; i++) {
			if (expect == 100)
				expect++;
			assert_int_equal(ids[i], expect);
			expect++;
		}
		total += (int64_t)n;
		if (n)
			after = ids[n - 1];
	} while (n > 0);
	assert_int_equal(total, 249);
	assert_int_equal(records_live_ids(fx->st, STORE_PEOPLE, 0, ids, 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(records_live_ids(fx->st, STORE_PEOPLE, 0, NULL, 5, &n), EINVAL);
}

struct walk {
	struct store *st;
	int seen;
	int stop_at;
};

/* Counts rows, reads through the store meanwhile, and stops when asked. */
static int walk_cb(const char *json, void *arg)
{
	struct walk *w = arg;
	char *again = NULL;
	cJSON *j = cJSON_Parse(json);

	assert_non_null(j);
	assert_int_equal(records_get_json(w->st, STORE_CALLS,
	                                  (int64_t)cJSON_GetObjectItem(j, "id")->valuedouble,
	                                  &again),
	                 0);
	free(again);
	cJSON_Delete(j);
	if (++w->seen == w->stop_at)
		return 1234;
	return 0;
}

static void test_foreach(void **state)
{
	struct storetest *fx = *state;
	struct walk w = {fx->st, 0, 0};

	assert_int_equal(put(fx->st, STORE_CALLS, "{\"id\":1,\"to\":\"+15550100\"}", 0), 0);
	assert_int_equal(put(fx->st, STORE_CALLS, "{\"id\":2,\"to\":\"+15550101\"}", 0), 0);
	assert_int_equal(put(fx->st, STORE_CALLS, "{\"id\":3,\"to\":\"+15550102\"}", 0), 0);
	assert_int_equal(records_delete(fx->st, STORE_CALLS, 2), 0);
	assert_int_equal(records_foreach(fx->st, STORE_CALLS, false, walk_cb, &w), 0);
	assert_int_equal(w.seen, 2);
	w.seen = 0;
	assert_int_equal(records_foreach(fx->st, STORE_CALLS, true, walk_cb, &w), 0);
	assert_int_equal(w.seen, 3);
	w.seen = 0;
	w.stop_at = 2;
	assert_int_equal(records_foreach(fx->st, STORE_CALLS, true, walk_cb, &w), 1234);
	assert_int_equal(w.seen, 2);
	assert_int_equal(records_foreach(fx->st, STORE_CALLS, true, NULL, &w), EINVAL);
}

/* Other objects' maps: embedded ids and typed fields land in their columns. */
static void test_other_objects(void **state)
{
	static const struct {
		enum store_obj obj;
		const char *json;
		const char *sql;
		const char *want;
	} rows[] = {
	        {STORE_MEMBERSHIPS,
	         "{\"id\":1,\"person\":{\"id\":10},\"cadence\":{\"id\":20},\"user\":{\"id\":30},"
	         "\"current_state\":\"active\",\"currently_on_cadence\":true,"
	         "\"person_deleted\":false}",
	         "SELECT person_id || ',' || cadence_id || ',' || user_id || ',' || current_state "
	         "|| ',' || currently_on_cadence || ',' || person_deleted FROM "
	         "sl_cadence_memberships WHERE id = ?1",
	         "10,20,30,active,1,0"},
	        {STORE_STEPS,
	         "{\"id\":1,\"cadence\":{\"id\":20},\"day\":1,\"step_number\":2,\"type\":\"phone\","
	         "\"display_name\":\"Day 1: Step 2 - Phone\",\"disabled\":false}",
	         "SELECT cadence_id || ',' || day || ',' || step_number || ',' || type || ',' || "
	         "display_name || ',' || disabled FROM sl_steps WHERE id = ?1",
	         "20,1,2,phone,Day 1: Step 2 - Phone,0"},
	        {STORE_DISPOSITIONS, "{\"id\":1,\"name\":\"Connected\"}",
	         "SELECT name FROM sl_call_dispositions WHERE id = ?1", "Connected"},
	        {STORE_SENTIMENTS, "{\"id\":1,\"name\":\"Positive\"}",
	         "SELECT name FROM sl_call_sentiments WHERE id = ?1", "Positive"},
	        {STORE_CALLS,
	         "{\"id\":1,\"to\":\"+15550100\",\"duration\":42,\"disposition\":\"Connected\","
	         "\"sentiment\":null,\"called_person\":{\"id\":10},\"user\":{\"id\":30},"
	         "\"action\":{\"id\":5},\"cadence\":{\"id\":20},\"step\":{\"id\":6}}",
	         "SELECT to_number || ',' || duration || ',' || disposition || ',' || "
	         "coalesce(sentiment, '-') || ',' || person_id || ',' || user_id || ',' || "
	         "action_id || ',' || cadence_id || ',' || step_id FROM sl_calls WHERE id = ?1",
	         "+15550100,42,Connected,-,10,30,5,20,6"},
	        {STORE_EMAILS,
	         "{\"id\":1,\"status\":\"sent\",\"sent_at\":\"2024-01-01T00:00:00.000000Z\","
	         "\"recipient\":{\"id\":10},\"recipient_email_address\":\"a@b.c\","
	         "\"bounced\":true,\"user\":{\"id\":30}}",
	         "SELECT status || ',' || sent_at || ',' || person_id || ',' || "
	         "recipient_email_address || ',' || bounced || ',' || user_id FROM sl_emails "
	         "WHERE id = ?1",
	         "sent,2024-01-01T00:00:00.000000Z,10,a@b.c,1,30"},
	        {STORE_CADENCES,
	         "{\"id\":1,\"name\":\"Outbound\",\"owner\":{\"id\":30},\"team_cadence\":true,"
	         "\"shared\":false,\"draft\":false,\"archived_at\":null}",
	         "SELECT name || ',' || owner_id || ',' || team_cadence || ',' || shared || ',' "
	         "|| draft || ',' || coalesce(archived_at, '-') FROM sl_cadences WHERE id = ?1",
	         "Outbound,30,1,0,0,-"},
	};
	struct storetest *fx = *state;
	char v[256];
	unsigned i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(put(fx->st, rows[i].obj, rows[i].json, 0), 0);
		col(fx->st, rows[i].sql, 1, v, sizeof(v));
		if (strcmp(v, rows[i].want) != 0)
			fail_msg("row %u: got %s want %s", i, v, rows[i].want);
	}
}

/* The page's rows and the cursor commit together, or not at all (also when the process
 * dies: closing without a commit is what a kill looks like to the file). */
static void test_cursor_and_rows_atomic(void **state)
{
	struct storetest *fx = *state;
	struct syncstate ss;
	int64_t n;

	memset(&ss, 0, sizeof(ss));
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(put(fx->st, STORE_PEOPLE,
	                     "{\"id\":1,\"updated_at\":\"2024-03-07T04:26:14.444910-05:00\"}", 0),
	                 0);
	(void)text_copy(ss.cursor, sizeof(ss.cursor), "2024-03-07T04:26:14.444910-05:00");
	assert_int_equal(syncstate_put(fx->st, STORE_PEOPLE, &ss), 0);
	store_rollback(fx->st);
	assert_int_equal(records_count(fx->st, STORE_PEOPLE, true, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(syncstate_get(fx->st, STORE_PEOPLE, &ss), 0);
	assert_string_equal(ss.cursor, "");

	/* Killed mid-page: the file has neither. */
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(put(fx->st, STORE_PEOPLE, "{\"id\":2}", 0), 0);
	(void)text_copy(ss.cursor, sizeof(ss.cursor), "2024-03-08T00:00:00.000000Z");
	assert_int_equal(syncstate_put(fx->st, STORE_PEOPLE, &ss), 0);
	storetest_reopen(fx);
	assert_int_equal(records_count(fx->st, STORE_PEOPLE, true, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(syncstate_get(fx->st, STORE_PEOPLE, &ss), 0);
	assert_string_equal(ss.cursor, "");

	/* Committed: both, and they survive a reopen. */
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(put(fx->st, STORE_PEOPLE, "{\"id\":3}", 0), 0);
	(void)text_copy(ss.cursor, sizeof(ss.cursor), "2024-03-09T00:00:00.123456-05:00");
	assert_int_equal(syncstate_put(fx->st, STORE_PEOPLE, &ss), 0);
	assert_int_equal(store_commit(fx->st), 0);
	storetest_reopen(fx);
	assert_int_equal(records_count(fx->st, STORE_PEOPLE, true, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(syncstate_get(fx->st, STORE_PEOPLE, &ss), 0);
	assert_string_equal(ss.cursor, "2024-03-09T00:00:00.123456-05:00");
}

static void test_syncstate(void **state)
{
	struct storetest *fx = *state;
	struct syncstate a, b;
	unsigned o;

	assert_int_equal(syncstate_get(fx->st, STORE_OBJ_COUNT, &a), EINVAL);
	assert_int_equal(syncstate_get(fx->st, STORE_USERS, NULL), EINVAL);
	assert_int_equal(syncstate_put(fx->st, STORE_USERS, NULL), EINVAL);
	/* Defaults for every object. */
	for (o = 0; o < STORE_OBJ_COUNT; o++) {
		memset(&a, 0x5a, sizeof(a));
		assert_int_equal(syncstate_get(fx->st, (enum store_obj)o, &a), 0);
		assert_string_equal(a.cursor, "");
		assert_int_equal(a.generation, 0);
		assert_int_equal(a.full_gen, 0);
		assert_int_equal(a.page, 0);
		assert_string_equal(a.last_error, "");
	}
	memset(&a, 0, sizeof(a));
	(void)text_copy(a.cursor, sizeof(a.cursor), "2024-03-07T04:26:14.444910-05:00");
	a.generation = 7;
	a.full_gen = 8;
	(void)text_copy(a.full_cursor, sizeof(a.full_cursor), "2024-01-01T00:00:00.000001Z");
	a.incrementals = 12;
	a.last_run = 1700000000;
	a.last_full = 1690000000;
	(void)text_copy(a.last_result, sizeof(a.last_result), "error");
	(void)text_copy(a.last_error, sizeof(a.last_error), "429 '; DROP TABLE sync_state;--");
	a.records_seen = 100000;
	a.page = 3;
	a.sweep_after_id = 164510523;
	assert_int_equal(syncstate_put(fx->st, STORE_PEOPLE, &a), 0);
	assert_int_equal(syncstate_get(fx->st, STORE_PEOPLE, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	/* A field filled to the brim without its NUL is stored cut, not read past. */
	memset(a.cursor, 'x', sizeof(a.cursor));
	assert_int_equal(syncstate_put(fx->st, STORE_PEOPLE, &a), 0);
	assert_int_equal(syncstate_get(fx->st, STORE_PEOPLE, &b), 0);
	assert_int_equal(strlen(b.cursor), sizeof(b.cursor) - 1);
	/* Other objects are independent; reset forgets one. */
	assert_int_equal(syncstate_get(fx->st, STORE_ACCOUNTS, &b), 0);
	assert_int_equal(b.generation, 0);
	assert_int_equal(syncstate_reset(fx->st, STORE_PEOPLE), 0);
	assert_int_equal(syncstate_get(fx->st, STORE_PEOPLE, &b), 0);
	assert_int_equal(b.generation, 0);
}

/* The cursor can be rebuilt from the rows: the latest instant, not the largest text. */
static void test_max_updated_at(void **state)
{
	struct storetest *fx = *state;
	char v[64], tiny[8];

	assert_int_equal(records_max_updated_at(fx->st, STORE_PEOPLE, v, sizeof(v)), 0);
	assert_string_equal(v, "");
	assert_int_equal(put(fx->st, STORE_PEOPLE,
	                     "{\"id\":1,\"updated_at\":\"2024-03-07T04:26:14.444910-05:00\"}", 0),
	                 0);
	assert_int_equal(put(fx->st, STORE_PEOPLE,
	                     "{\"id\":2,\"updated_at\":\"2024-03-07T08:00:00.000000Z\"}", 0),
	                 0);
	assert_int_equal(put(fx->st, STORE_PEOPLE, "{\"id\":3,\"updated_at\":\"not a time\"}", 0),
	                 0);
	assert_int_equal(records_max_updated_at(fx->st, STORE_PEOPLE, v, sizeof(v)), 0);
	assert_string_equal(v, "2024-03-07T04:26:14.444910-05:00");
	assert_int_equal(records_max_updated_at(fx->st, STORE_PEOPLE, tiny, sizeof(tiny)), E2BIG);
}

/* The views show live rows with their documented names; mailboxes are derived from users. */
static void test_views(void **state)
{
	struct storetest *fx = *state;
	char v[256];

	assert_int_equal(put(fx->st, STORE_ACCOUNTS, "{\"id\":5,\"name\":\"Acme\"}", 0), 0);
	assert_int_equal(put(fx->st, STORE_PEOPLE,
	                     "{\"id\":1,\"first_name\":\"Ann\",\"account\":{\"id\":5},"
	                     "\"person_company_name\":null}",
	                     0),
	                 0);
	assert_int_equal(put(fx->st, STORE_PEOPLE,
	                     "{\"id\":2,\"first_name\":\"Bo\",\"account\":{\"id\":5},"
	                     "\"person_company_name\":\"Own Co\"}",
	                     0),
	                 0);
	assert_int_equal(put(fx->st, STORE_PEOPLE, "{\"id\":3,\"first_name\":\"Gone\"}", 0), 0);
	assert_int_equal(records_delete(fx->st, STORE_PEOPLE, 3), 0);
	assert_string_equal(
	        col(fx->st, "SELECT company FROM contacts WHERE id = ?1", 1, v, sizeof(v)), "Acme");
	assert_string_equal(
	        col(fx->st, "SELECT company FROM contacts WHERE id = ?1", 2, v, sizeof(v)),
	        "Own Co");
	assert_int_equal(storetest_int(fx->st, "SELECT count(*) FROM contacts", 0), 2);

	assert_int_equal(put(fx->st, STORE_USERS,
	                     "{\"id\":1,\"email\":\"Ann@Example.com\","
	                     "\"sending_email_address\":\"ann@example.com\"}",
	                     0),
	                 0);
	assert_int_equal(put(fx->st, STORE_USERS,
	                     "{\"id\":2,\"email\":\"bo@example.com\","
	                     "\"sending_email_address\":\"sales@example.com\"}",
	                     0),
	                 0);
	assert_int_equal(put(fx->st, STORE_USERS, "{\"id\":3,\"email\":null}", 0), 0);
	assert_int_equal(storetest_int(fx->st, "SELECT count(*) FROM mailboxes", 0), 3);
	assert_int_equal(storetest_int(fx->st,
	                               "SELECT user_id FROM mailboxes WHERE email_address = "
	                               "'sales@example.com'",
	                               0),
	                 2);
	assert_int_equal(
	        storetest_int(fx->st,
	                      "SELECT is_sending_address FROM mailboxes WHERE email_address = "
	                      "'bo@example.com'",
	                      0),
	        0);
	assert_int_equal(put(fx->st, STORE_MEMBERSHIPS,
	                     "{\"id\":1,\"person\":{\"id\":1},\"cadence\":{\"id\":2},"
	                     "\"current_state\":\"active\"}",
	                     0),
	                 0);
	assert_int_equal(
	        storetest_int(fx->st, "SELECT sequence_id FROM sequence_states WHERE id = ?1", 1),
	        2);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, storetest_teardown)
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse_time),
	        T(test_ids),
	        T(test_null_and_wrong_types),
	        T(test_hostile_strings),
	        T(test_oversized),
	        T(test_fixtures),
	        T(test_stale_update),
	        T(test_soft_delete),
	        T(test_generation_sweep),
	        T(test_live_ids_paging),
	        T(test_foreach),
	        T(test_other_objects),
	        T(test_cursor_and_rows_atomic),
	        T(test_syncstate),
	        T(test_max_updated_at),
	        T(test_views),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

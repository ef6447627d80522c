/*
 * storetest: the store tests' shared fixture (see storetest.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "loftdial/records.h"
#include "loftdial/text.h"
#include "storetest.h"
#include "testlib.h"

/* Makes the fixture and its folder. */
int storetest_setup_dir(void **state, const char *prefix)
{
	struct storetest *fx = calloc(1, sizeof(*fx));

	if (!fx || tl_tmpdir(fx->dir, sizeof(fx->dir), prefix)) {
		free(fx);
		return -1;
	}
	(void)text_printf(fx->path, sizeof(fx->path), "%s/loftdial.db", fx->dir);
	*state = fx;
	return 0;
}

/* Makes the fixture and opens a store in its folder. */
int storetest_setup(void **state, const char *prefix)
{
	struct storetest *fx;

	if (storetest_setup_dir(state, prefix))
		return -1;
	fx = *state;
	if (store_open(&fx->st, fx->path)) {
		(void)storetest_teardown(state);
		return -1;
	}
	return 0;
}

/* Makes the fixture with a store in memory. */
int storetest_setup_memory(void **state)
{
	struct storetest *fx = calloc(1, sizeof(*fx));

	if (!fx || store_open(&fx->st, ":memory:")) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

/* The fixture's store. */
struct store *storetest_store(void **state)
{
	return ((struct storetest *)*state)->st;
}

/* Closes, removes and frees what setup made. */
int storetest_teardown(void **state)
{
	struct storetest *fx = *state;

	store_close(fx->st);
	if (fx->dir[0])
		tl_rmrf(fx->dir);
	free(fx);
	return 0;
}

/* Closes and reopens the store. */
void storetest_reopen(struct storetest *fx)
{
	store_close(fx->st);
	assert_int_equal(store_open(&fx->st, fx->path), 0);
}

/* Reads one integer with plain SQL (not through the store's own statements). */
int64_t storetest_int(struct store *st, const char *sql, int64_t id)
{
	sqlite3_stmt *stmt;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(store_sqlite(st), sql, -1, &stmt, NULL), SQLITE_OK);
	if (sqlite3_bind_parameter_count(stmt) > 0)
		sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

/* Parses and upserts one record. */
void storetest_put(struct store *st, enum store_obj obj, const char *json)
{
	cJSON *rec = cJSON_Parse(json);

	if (!rec)
		fail_msg("bad test JSON: %s", json);
	assert_int_equal(records_upsert(st, obj, rec, 0), 0);
	cJSON_Delete(rec);
}

/* Wraps fields in an object with fixed timestamps and upserts it. */
void storetest_put_fields(struct store *st, enum store_obj obj, const char *fields)
{
	char json[1024];

	assert_true(text_printf(json, sizeof(json),
	                        "{\"created_at\":\"2026-01-01T00:00:00Z\",\"updated_at\":"
	                        "\"2026-01-01T00:00:00Z\",%s}",
	                        fields) == 0);
	storetest_put(st, obj, json);
}

/* A person with a name. */
void storetest_put_person(struct store *st, int64_t id, const char *first, const char *last)
{
	char json[512];

	assert_true(text_printf(json, sizeof(json),
	                        "{\"id\":%lld,\"updated_at\":\"2026-01-01T00:00:00Z\","
	                        "\"first_name\":\"%s\",\"last_name\":\"%s\"}",
	                        (long long)id, first, last) == 0);
	storetest_put(st, STORE_PEOPLE, json);
}

/* A call to a person. */
void storetest_put_call(struct store *st, int64_t id, int64_t person, const char *created,
                        const char *disposition)
{
	char json[512];

	assert_true(text_printf(json, sizeof(json),
	                        "{\"id\":%lld,\"created_at\":\"%s\",\"updated_at\":\"%s\","
	                        "\"to\":\"+14155550101\",\"duration\":42,\"disposition\":"
	                        "\"%s\",\"sentiment\":\"Positive\",\"called_person\":{\"id\":"
	                        "%lld}}",
	                        (long long)id, created, created, disposition,
	                        (long long)person) == 0);
	storetest_put(st, STORE_CALLS, json);
}

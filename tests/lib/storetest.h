/*
 * storetest: what the store's tests share: a store file in a fresh temporary folder or a store
 * in memory (as cmocka setup and teardown), a restart of it, the synced rows the tests build
 * (people, calls, any record from JSON), and reading one integer back with plain SQL.
 */
#ifndef LOFTDIAL_STORETEST_H
#define LOFTDIAL_STORETEST_H

#include <stdint.h>

#include "loftdial/store.h"

struct storetest {
	char dir[512];
	char path[600];   /* dir/loftdial.db */
	struct store *st; /* open after storetest_setup() and storetest_setup_memory(), NULL
	                   * after storetest_setup_dir() */
};

/* cmocka setup: a new folder named after prefix and a store opened in it; *state is the
 * struct storetest. -1 when either fails. */
int storetest_setup(void **state, const char *prefix);
/* cmocka setup: the folder only (the test opens the file itself). */
int storetest_setup_dir(void **state, const char *prefix);
/* cmocka setup: a store in memory (no folder: dir and path stay empty), for tests that never
 * reopen it. */
int storetest_setup_memory(void **state);
/* The open store of a fixture made by one of the setups above. */
struct store *storetest_store(void **state);
/* cmocka teardown: closes the store if open, removes the folder, frees the fixture. */
int storetest_teardown(void **state);
/* Closes and reopens the store (what a restart looks like); the open must succeed. */
void storetest_reopen(struct storetest *fx);
/* Upserts one synced record of obj from JSON text; the JSON must parse and the upsert succeed. */
void storetest_put(struct store *st, enum store_obj obj, const char *json);
/* The same with the timestamps added (created_at and updated_at 2026-01-01): fields is the
 * rest of the object's members, without braces. */
void storetest_put_fields(struct store *st, enum store_obj obj, const char *fields);
/* A synced person with a first and last name. */
void storetest_put_person(struct store *st, int64_t id, const char *first, const char *last);
/* A synced call of 42 s to +14155550101 (sentiment Positive) made at created (ISO 8601) to
 * person. */
void storetest_put_call(struct store *st, int64_t id, int64_t person, const char *created,
                        const char *disposition);
/* The first column of sql's first row as an integer, -1 when there is no row; ?1 is bound to
 * id when sql has a parameter. */
int64_t storetest_int(struct store *st, const char *sql, int64_t id);

#endif

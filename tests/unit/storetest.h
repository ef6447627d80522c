/*
 * storetest: what the store's unit tests share: a store file in a fresh temporary folder (as
 * cmocka setup and teardown), a restart of it, and reading one integer back with plain SQL.
 */
#ifndef LOFTDIAL_STORETEST_H
#define LOFTDIAL_STORETEST_H

#include <stdint.h>

#include "loftdial/store.h"

struct storetest {
	char dir[512];
	char path[600];   /* dir/loftdial.db */
	struct store *st; /* open after storetest_setup(), NULL after storetest_setup_dir() */
};

/* cmocka setup: a new folder named after prefix and a store opened in it; *state is the
 * struct storetest. -1 when either fails. */
int storetest_setup(void **state, const char *prefix);
/* cmocka setup: the folder only (the test opens the file itself). */
int storetest_setup_dir(void **state, const char *prefix);
/* cmocka teardown: closes the store if open, removes the folder, frees the fixture. */
int storetest_teardown(void **state);
/* Closes and reopens the store (what a restart looks like); the open must succeed. */
void storetest_reopen(struct storetest *fx);
/* The first column of sql's first row as an integer, -1 when there is no row; ?1 is bound to
 * id when sql has a parameter. */
int64_t storetest_int(struct store *st, const char *sql, int64_t id);

#endif

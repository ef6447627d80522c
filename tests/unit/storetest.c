/*
 * storetest: the store unit tests' shared fixture (see storetest.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

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

/* Closes, removes and frees what setup made. */
int storetest_teardown(void **state)
{
	struct storetest *fx = *state;

	store_close(fx->st);
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

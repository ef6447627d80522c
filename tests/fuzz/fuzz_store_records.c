/*
 * Fuzz target for the store's handling of outside input: a JSON record from the API or a
 * webhook body (records_upsert into every object's table, then read back), the timestamp
 * parser, and the contact search query (contacts_fts_query + contacts_search). One
 * in-memory store lives across inputs and is emptied now and then.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "loftdial/contacts.h"
#include "loftdial/records.h"
#include "loftdial/store.h"

static struct store *st;
static unsigned runs;

static void close_store(void)
{
	store_close(st);
	st = NULL;
}

static int ignore_hit(const struct contact *c, void *arg)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *json = NULL, q[512];
	enum store_obj obj;
	cJSON *rec;
	int64_t us, n;
	const cJSON *id;

	if (!st) {
		if (store_open(&st, ":memory:"))
			abort();
		atexit(close_store);
	}
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	(void)records_parse_time(text, &us);
	(void)contacts_fts_query(text, q, sizeof(q));
	/* A real FTS5 query is costly under ASan: every 16th input is enough to prove that
	 * whatever contacts_fts_query builds is accepted (it never errors on syntax). */
	if (runs % 16 == 0 && contacts_search(st, text, 5, ignore_hit, NULL) == EIO)
		abort();

	obj = (enum store_obj)(size ? data[0] % STORE_OBJ_COUNT : 0);
	rec = cJSON_ParseWithLength(text, size);
	if (rec) {
		if (records_upsert(st, obj, rec, 1) == 0) {
			id = cJSON_GetObjectItemCaseSensitive(rec, "id");
			if (cJSON_IsNumber(id) &&
			    records_get_json(st, obj, (int64_t)id->valuedouble, &json) == 0)
				free(json);
			(void)records_delete(st, obj, 1);
		}
		/* The same record as a person too, so every input reaches the FTS triggers. */
		(void)records_upsert(st, STORE_PEOPLE, rec, 2);
		cJSON_Delete(rec);
	}
	(void)records_count(st, obj, true, &n);
	if (++runs % 500 == 0) {
		(void)records_sweep_unseen(st, STORE_PEOPLE, 3, NULL);
		(void)sqlite3_exec(store_sqlite(st),
		                   "DELETE FROM sl_people; DELETE FROM sl_accounts; DELETE FROM "
		                   "sl_users;",
		                   NULL, NULL, NULL);
	}
	free(text);
	return 0;
}

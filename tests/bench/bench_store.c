/*
 * bench_store: how fast the store takes a sync's people, and how fast contact search answers.
 * Upserts N synthetic people (default 100000) shaped like real Salesloft records, in pages of
 * 100 per transaction as the sync does, then re-upserts them all (an update pass), sweeps, and
 * runs a few searches. Prints figures; never fails on speed.
 * Usage: bench_store [N] [folder]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "loftdial/contacts.h"
#include "loftdial/records.h"
#include "loftdial/store.h"
#include "loftdial/text.h"
#include "testlib.h"

static const char *const first[] = {"Ann",  "José",  "Zoë",   "Mohammed", "Li",
                                    "Olga", "Ngozi", "Søren", "Priya",    "Juan"};
static const char *const last[] = {"Smith",   "Müller", "O'Brien",  "García", "Nakamura",
                                   "Ivanova", "Okafor", "Kowalski", "Dubois", "Rossi"};

/* A synthetic person shaped like /v2/people records. */
static cJSON *person(long i, int pass)
{
	char buf[128];
	cJSON *p = cJSON_CreateObject(), *o;

	cJSON_AddNumberToObject(p, "id", (double)(100000000 + i));
	cJSON_AddStringToObject(p, "created_at", "2024-03-07T02:46:00.302715-05:00");
	(void)text_printf(buf, sizeof(buf), "2024-%02d-%02dT%02d:%02d:%02d.%06ld-05:00", 3 + pass,
	                  1 + (int)(i / 86400 % 28), (int)(i / 3600 % 24), (int)(i / 60 % 60),
	                  (int)(i % 60), i % 1000000);
	cJSON_AddStringToObject(p, "updated_at", buf);
	cJSON_AddStringToObject(p, "first_name", first[i % 10]);
	(void)text_printf(buf, sizeof(buf), "%s%ld", last[(i / 10) % 10], i);
	cJSON_AddStringToObject(p, "last_name", buf);
	(void)text_printf(buf, sizeof(buf), "%s %s%ld", first[i % 10], last[(i / 10) % 10], i);
	cJSON_AddStringToObject(p, "display_name", buf);
	(void)text_printf(buf, sizeof(buf), "person%ld@example%ld.com", i, i % 997);
	cJSON_AddStringToObject(p, "email_address", buf);
	cJSON_AddStringToObject(p, "title", i % 3 ? "Head of Sales" : "VP Procurement");
	(void)text_printf(buf, sizeof(buf), "Company %ld", i % 5000);
	cJSON_AddStringToObject(p, "person_company_name", buf);
	(void)text_printf(buf, sizeof(buf), "+1 (555) %03ld-%04ld", i / 10000 % 1000, i % 10000);
	cJSON_AddStringToObject(p, "phone", buf);
	cJSON_AddNullToObject(p, "mobile_phone");
	cJSON_AddNullToObject(p, "home_phone");
	cJSON_AddStringToObject(p, "locale", "US/Eastern");
	cJSON_AddNumberToObject(p, "locale_utc_offset", -300);
	cJSON_AddBoolToObject(p, "do_not_contact", i % 50 == 0);
	cJSON_AddItemToObject(p, "contact_restrictions", cJSON_CreateArray());
	cJSON_AddItemToObject(p, "custom_fields", cJSON_CreateObject());
	o = cJSON_AddObjectToObject(p, "owner");
	cJSON_AddStringToObject(o, "_href", "https://api.salesloft.com/v2/users/51550");
	cJSON_AddNumberToObject(o, "id", 51550);
	o = cJSON_AddObjectToObject(p, "account");
	cJSON_AddNumberToObject(o, "id", (double)(i % 5000 + 1));
	return p;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Upserts n people in pages of 100, one transaction each; returns the seconds taken. */
static double load(struct store *st, long n, int pass, int64_t gen)
{
	cJSON *page[100];
	double t0, spent = 0;
	long i, j, k;

	for (i = 0; i < n; i += 100) {
		k = n - i < 100 ? n - i : 100;
		for (j = 0; j < k; j++)
			page[j] = person(i + j, pass);
		t0 = now_s();
		if (store_begin(st))
			exit(1);
		for (j = 0; j < k; j++)
			if (records_upsert(st, STORE_PEOPLE, page[j], gen))
				exit(1);
		if (store_commit(st))
			exit(1);
		spent += now_s() - t0;
		for (j = 0; j < k; j++)
			cJSON_Delete(page[j]);
	}
	return spent;
}

static int count_hit(const struct contact *c, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const queries[] = {"ann",        "smith12",        "müller", "555001",
	                                      "company 42", "vp procurement", "zzz"};
	long n = argc > 1 ? atol(argv[1]) : 100000;
	char dir[512], path[600];
	struct store *st;
	double t, t0;
	unsigned marked = 0, q;
	int64_t count = 0;
	int hits, r;

	if (argc > 2)
		(void)text_copy(dir, sizeof(dir), argv[2]);
	else if (tl_tmpdir(dir, sizeof(dir), "ld-bench-store"))
		return 1;
	(void)text_printf(path, sizeof(path), "%s/bench.db", dir);
	remove(path);
	if (store_open(&st, path)) {
		fprintf(stderr, "cannot open %s\n", path);
		return 1;
	}
	/* Knobs to see where the time goes: BENCH_NO_FTS=1 drops the search triggers,
	 * BENCH_SYNC=NORMAL relaxes fsync (the store itself always runs FULL). */
	if (getenv("BENCH_NO_FTS"))
		sqlite3_exec(
		        store_sqlite(st),
		        "DROP TRIGGER sl_people_fts_insert; DROP TRIGGER sl_people_fts_update;",
		        NULL, NULL, NULL);
	if (getenv("BENCH_SYNC") && strcmp(getenv("BENCH_SYNC"), "NORMAL") == 0)
		sqlite3_exec(store_sqlite(st), "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	t = load(st, n, 0, 1);
	printf("insert: %ld people in %.2f s = %.0f upserts/s (pages of 100, FTS triggers on)\n", n,
	       t, (double)n / t);
	t = load(st, n, 1, 2);
	printf("update: %ld people in %.2f s = %.0f upserts/s\n", n, t, (double)n / t);
	t0 = now_s();
	if (store_begin(st) || records_sweep_unseen(st, STORE_PEOPLE, 2, &marked) ||
	    store_commit(st))
		return 1;
	printf("sweep:  %.3f s (%u marked)\n", now_s() - t0, marked);
	records_count(st, STORE_PEOPLE, false, &count);
	for (q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
		t0 = now_s();
		for (r = 0; r < 20; r++) {
			hits = 0;
			if (contacts_search(st, queries[q], 50, count_hit, &hits))
				return 1;
		}
		printf("search '%s': %d hits, %.2f ms per query\n", queries[q], hits,
		       (now_s() - t0) * 1000 / 20);
	}
	store_close(st);
	printf("live people: %lld\n", (long long)count);
	if (argc <= 2)
		tl_rmrf(dir);
	return 0;
}

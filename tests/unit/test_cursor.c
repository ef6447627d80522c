/*
 * cursor: the poller's next position for tables of pages, including the same-microsecond
 * cluster fallback and timestamps written with different offsets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/cursor.h"

/* Builds a page of n records whose updated_at are first (n-1 times) then last. */
static void make_page(struct sldecode_page *pg, int n, const char *first, const char *last,
                      long per_page)
{
	char *buf = malloc((size_t)n * 96 + 128), *p;
	int i;

	p = buf;
	p += sprintf(p, "{\"metadata\":{\"paging\":{\"per_page\":%ld}},\"data\":[", per_page);
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s{\"id\":%d,\"updated_at\":\"%s\"}", i ? "," : "", i + 1,
		             i == n - 1 ? last : first);
	sprintf(p, "]}");
	assert_int_equal(sldecode_page(buf, strlen(buf), pg), 0);
	free(buf);
}

static const char *query(const struct cursor_pos *pos)
{
	static char out[512];
	struct slurl u;

	slurl_init(&u, "");
	cursor_query(&u, pos);
	snprintf(out, sizeof(out), "%s", slurl_str(&u));
	slurl_reset(&u);
	return out;
}

static void test_queries(void **state)
{
	struct cursor_pos pos = {"", 0};

	assert_string_equal(query(&pos), "?sort_by=updated_at&sort_direction=ASC&per_page=100");
	strcpy(pos.cursor, "2024-01-01T00:00:00.000001-05:00");
	assert_string_equal(query(&pos),
	                    "?sort_by=updated_at&sort_direction=ASC&per_page=100&"
	                    "updated_at%5Bgte%5D=2024-01-01T00%3A00%3A00.000001-05%3A00");
	pos.page = 3;
	assert_string_equal(query(&pos),
	                    "?sort_by=updated_at&sort_direction=ASC&per_page=100&"
	                    "updated_at%5Bgte%5D=2024-01-01T00%3A00%3A00.000001-05%3A00&"
	                    "updated_at%5Blte%5D=2024-01-01T00%3A00%3A00.000001-05%3A00&page=3");
	pos.page = -1;
	assert_string_equal(query(&pos),
	                    "?sort_by=updated_at&sort_direction=ASC&per_page=100&"
	                    "updated_at%5Bgt%5D=2024-01-01T00%3A00%3A00.000001-05%3A00");
}

static void test_advance_table(void **state)
{
	static const char A[] = "2024-01-01T10:00:00.000001Z";
	static const char A_OFS[] = "2024-01-01T05:00:00.000001-05:00"; /* the same instant */
	static const char B[] = "2024-01-01T10:00:00.000002Z";
	static const struct {
		const char *start;
		int start_page;
		int n;
		const char *first, *last;
		enum cursor_next want;
		const char *cursor;
		int page;
	} cases[] = {
	        /* empty first run, empty later run */
	        {"", 0, 0, A, A, CURSOR_DONE, "", 0},
	        {B, 0, 0, A, A, CURSOR_DONE, B, 0},
	        /* a short page ends the run at its last record */
	        {"", 0, 5, A, B, CURSOR_DONE, B, 0},
	        /* a full page moves the cursor to its last record */
	        {"", 0, 100, A, B, CURSOR_MORE, B, 0},
	        /* a full page of one instant starts the page-number fallback at page 2 */
	        {A, 0, 100, A, A, CURSOR_MORE, A, 2},
	        {"", 0, 100, A, A_OFS, CURSOR_MORE, A_OFS, 2},
	        /* inside the fallback: full pages continue, a short one ends it (page -1) */
	        {A, 2, 100, A, A, CURSOR_MORE, A, 3},
	        {A, 7, 37, A, A, CURSOR_MORE, A, -1},
	        {A, 7, 0, A, A, CURSOR_MORE, A, -1},
	        /* after the fallback (gt), normal again */
	        {A, -1, 100, B, B, CURSOR_MORE, B, 2},
	        {A, -1, 3, B, B, CURSOR_DONE, B, 0},
	        {A, -1, 0, B, B, CURSOR_DONE, A, -1},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cursor_pos pos;
		struct sldecode_page pg;
		enum cursor_next nx;
		char msg[128];

		snprintf(pos.cursor, sizeof(pos.cursor), "%s", cases[i].start);
		pos.page = cases[i].start_page;
		make_page(&pg, cases[i].n, cases[i].first, cases[i].last, 100);
		nx = cursor_advance(&pos, &pg, 100, msg, sizeof(msg));
		sldecode_page_free(&pg);
		if (nx != cases[i].want || strcmp(pos.cursor, cases[i].cursor) ||
		    pos.page != cases[i].page)
			fail_msg("case %zu: next %d cursor %s page %d", i, nx, pos.cursor,
			         pos.page);
	}
}

static void test_bad_pages(void **state)
{
	struct cursor_pos pos = {"", 0};
	struct sldecode_page pg;
	char msg[128];

	/* No updated_at: the cursor cannot move. */
	assert_int_equal(sldecode_page("{\"data\":[{\"id\":1}]}", 19, &pg), 0);
	assert_int_equal(cursor_advance(&pos, &pg, 100, msg, sizeof(msg)), CURSOR_BAD);
	assert_true(strlen(msg) > 0);
	sldecode_page_free(&pg);
	/* Descending order. */
	make_page(&pg, 3, "2024-01-02T00:00:00Z", "2024-01-01T00:00:00Z", 100);
	assert_int_equal(cursor_advance(&pos, &pg, 100, msg, sizeof(msg)), CURSOR_BAD);
	sldecode_page_free(&pg);
	/* A timestamp that is not one. */
	make_page(&pg, 2, "yesterday", "today", 100);
	assert_int_equal(cursor_advance(&pos, &pg, 100, msg, sizeof(msg)), CURSOR_BAD);
	assert_string_equal(pos.cursor, "");
	sldecode_page_free(&pg);
	assert_int_equal(cursor_advance(NULL, &pg, 100, msg, sizeof(msg)), CURSOR_BAD);
}

static void test_server_page_size_wins(void **state)
{
	struct cursor_pos pos = {"", 0};
	struct sldecode_page pg;
	char msg[128];

	/* The server capped per_page at 25: a page of 25 is full, not the end. */
	make_page(&pg, 25, "2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", 25);
	assert_int_equal(cursor_advance(&pos, &pg, 100, msg, sizeof(msg)), CURSOR_MORE);
	sldecode_page_free(&pg);
}

/* Simulates a server over a sorted list with clusters and checks that the poller reads
 * every record exactly through the fallback and terminates. */
static void test_simulated_server(void **state)
{
	enum { N = 1000 };
	static int ts[N];
	static bool seen[N];
	struct cursor_pos pos = {"", 0};
	int i, requests = 0, k;

	/* Timestamps: mostly distinct, with a cluster of 250 and one of exactly 100. */
	for (i = 0, k = 0; i < N; i++) {
		if (i >= 300 && i < 550)
			ts[i] = 10000;
		else if (i >= 700 && i < 800)
			ts[i] = 20000;
		else
			ts[i] = ++k + (i >= 550 ? 10000 : 0) + (i >= 800 ? 10000 : 0);
	}
	for (;;) {
		char buf[32768], *p = buf, msg[128];
		struct sldecode_page pg;
		int lo = 0, hi = N, c = 0, skip = 0, cur = 0;
		enum cursor_next nx;

		assert_true(++requests < 100);
		if (pos.cursor[0])
			cur = atoi(pos.cursor + 20); /* "2024-01-01T00:00:00." + micros */
		p += sprintf(p, "{\"data\":[");
		if (pos.page > 1)
			skip = (pos.page - 1) * 100;
		for (i = lo; i < hi && c < 100; i++) {
			bool in = !pos.cursor[0] || (pos.page > 1   ? ts[i] == cur
			                             : pos.page < 0 ? ts[i] > cur
			                                            : ts[i] >= cur);

			if (!in)
				continue;
			if (skip) {
				skip--;
				continue;
			}
			seen[i] = true;
			p += sprintf(p,
			             "%s{\"id\":%d,\"updated_at\":\"2024-01-01T00:00:00.%06dZ\"}",
			             c ? "," : "", i + 1, ts[i]);
			c++;
		}
		sprintf(p, "]}");
		assert_int_equal(sldecode_page(buf, strlen(buf), &pg), 0);
		nx = cursor_advance(&pos, &pg, 100, msg, sizeof(msg));
		sldecode_page_free(&pg);
		assert_int_not_equal(nx, CURSOR_BAD);
		if (nx == CURSOR_DONE)
			break;
	}
	for (i = 0; i < N; i++)
		if (!seen[i])
			fail_msg("record %d (ts %d) never read", i, ts[i]);
	/* About one request per 100 records plus the fallback pages. */
	assert_true(requests <= N / 100 + 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_queries),
	        cmocka_unit_test(test_advance_table),
	        cmocka_unit_test(test_bad_pages),
	        cmocka_unit_test(test_server_page_size_wins),
	        cmocka_unit_test(test_simulated_server),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

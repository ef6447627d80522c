/*
 * Integration test of the sandbox's time zones against reference §4.2 over real HTTP:
 * people's and accounts' locales are tz database names (old link names such as US/Eastern
 * among them), a person's and a user's locale_utc_offset is the offset of that zone at the
 * record's updated_at, daylight saving time included (checked against the same tz
 * database through src/sandbox/tz.c); the zones that are not whole hours are there; people
 * without a locale whose account or phone tells the zone, and people with no clue at all;
 * a write recomputes the offset. The clock is pinned in June (--now), so US/Eastern records
 * written lately are at -240 and those from the winter at -300.
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

#include "sbx_core.h"
#include "sbx_tz.h"
#include "sbxtest.h"

#define KEY      SBXT_API_KEY
#define PEOPLE   400
#define P0       164510000LL /* the first person's id */
#define MAXPAGES 8

static struct sbxt S;
static cJSON *pages[MAXPAGES]; /* every person, in pages of 100 */
static size_t npages;

static int setup(void **state)
{
	static const char *const extra[] = {"--people", "400", "--now", "2026-06-10T20:00:00Z",
	                                    NULL};
	char path[96];

	if (sbxt_start(&S, extra))
		return -1;
	for (npages = 0; npages * 100 < PEOPLE && npages < MAXPAGES; npages++) {
		snprintf(path, sizeof(path), "/v2/people?per_page=100&sort_by=id&page=%zu",
		         npages + 1);
		if (sbxt_api(&S, KEY, "GET", path, NULL, &pages[npages]) != 200)
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	for (size_t i = 0; i < npages; i++)
		cJSON_Delete(pages[i]);
	sbx_tz_cache_clear();
	return sbxt_stop(&S) == 0 ? 0 : -1;
}

/* The offset the tz database gives zone at the record's updated_at; fails the test when
 * the zone is unknown. */
static int expected_offset(const char *zone, const cJSON *rec)
{
	const struct sbx_tz *z = sbx_tz_get(zone);
	int64_t us;

	if (!z)
		fail_msg("\"%s\" is not a tz database name", zone);
	assert_int_equal(sbx_time_parse(sbxt_str(rec, "updated_at"), &us, NULL), 0);
	return sbx_tz_offset(z, us);
}

/* A person by id, from the pages. */
static const cJSON *person(long long id)
{
	for (size_t i = 0; i < npages; i++) {
		const cJSON *p;

		cJSON_ArrayForEach(p, sbxt_data(pages[i]))
		{
			if ((long long)sbxt_num(p, "id") == id)
				return p;
		}
	}
	fail_msg("person %lld not listed", id);
	return NULL;
}

/* True when a member is JSON null (or absent). */
static bool is_null(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItem(o, name);

	return !v || cJSON_IsNull(v);
}

/* Every locale is a zone, and every offset is that zone's at the record's time: New York's
 * people show both -300 and -240. */
static void test_people_offsets_follow_dst(void **state)
{
	int east_summer = 0, east_winter = 0, link_names = 0, with = 0, without = 0;

	for (size_t i = 0; i < npages; i++) {
		const cJSON *p;

		cJSON_ArrayForEach(p, sbxt_data(pages[i]))
		{
			const char *loc = sbxt_str(p, "locale");
			int off;

			if (is_null(p, "locale")) {
				assert_true(is_null(p, "locale_utc_offset"));
				without++;
				continue;
			}
			with++;
			off = (int)sbxt_num(p, "locale_utc_offset");
			if (off != expected_offset(loc, p))
				fail_msg("person %.0f %s updated %s: offset %d, the tz database "
				         "says %d",
				         sbxt_num(p, "id"), loc, sbxt_str(p, "updated_at"), off,
				         expected_offset(loc, p));
			if (!strcmp(loc, "US/Eastern") || !strcmp(loc, "America/New_York")) {
				east_summer += off == -240;
				east_winter += off == -300;
			}
			link_names += !strncmp(loc, "US/", 3);
		}
	}
	assert_int_equal(with + without, PEOPLE);
	assert_true(east_summer > 0 && east_winter > 0);
	assert_true(link_names > 0);
	assert_true(without > 0);
}

/* The zones whose offsets are not whole hours, pinned on people 25-28. */
static void test_half_hour_zones(void **state)
{
	static const struct {
		const char *zone;
		int winter, summer; /* the two offsets the zone has (equal: no DST) */
	} want[] = {
	        {"America/St_Johns", -210, -150},
	        {"Asia/Kolkata", 330, 330},
	        {"Asia/Kathmandu", 345, 345},
	        {"Pacific/Chatham", 825, 765}, /* southern summer is January */
	};

	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		const cJSON *p = person(P0 + 25 + (long long)k);
		int off = (int)sbxt_num(p, "locale_utc_offset");

		assert_string_equal(sbxt_str(p, "locale"), want[k].zone);
		assert_true(off == want[k].winter || off == want[k].summer);
		assert_int_equal(off, expected_offset(want[k].zone, p));
	}
}

/* People without a locale: one whose account tells the zone, one whose phone does, one
 * with no clue at all (pinned on people 29-31), and more of each kind in the org. */
static void test_people_without_locale(void **state)
{
	const cJSON *acct = person(P0 + 29), *ph = person(P0 + 30), *none = person(P0 + 31);
	char path[96];
	cJSON *j = NULL;
	int by_account = 0, by_phone = 0, clueless = 0;

	/* The account clue: the person's account has a locale that is a zone. */
	assert_true(is_null(acct, "locale") && is_null(acct, "locale_utc_offset"));
	assert_true(is_null(acct, "city") && is_null(acct, "mobile_phone"));
	snprintf(path, sizeof(path), "/v2/accounts/%.0f",
	         sbxt_num(cJSON_GetObjectItem(acct, "account"), "id"));
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	assert_non_null(sbx_tz_get(sbxt_str(sbxt_data(j), "locale")));
	cJSON_Delete(j);

	/* The phone clue: no account, a number with Nepal's country code. */
	assert_true(is_null(ph, "locale") && is_null(ph, "account") && is_null(ph, "city"));
	assert_true(!strncmp(sbxt_str(ph, "phone"), "+977 ", 5));
	assert_true(is_null(ph, "mobile_phone") && is_null(ph, "home_phone"));

	/* No clue: no locale, account, place, or number that tells anything. */
	assert_true(is_null(none, "locale") && is_null(none, "account"));
	assert_true(is_null(none, "city") && is_null(none, "state") && is_null(none, "country"));
	assert_true(is_null(none, "mobile_phone") && is_null(none, "home_phone"));
	assert_true(is_null(none, "phone") || !strchr(sbxt_str(none, "phone"), '+') ||
	            !strcmp(sbxt_str(none, "phone"), "+"));

	for (size_t i = 0; i < npages; i++) {
		const cJSON *p;

		cJSON_ArrayForEach(p, sbxt_data(pages[i]))
		{
			const char *phone = sbxt_str(p, "phone");

			if (!is_null(p, "locale"))
				continue;
			if (!is_null(p, "account"))
				by_account++;
			else if (phone[0] == '+' && phone[1])
				by_phone++;
			else
				clueless++;
		}
	}
	assert_true(by_account >= 1 && by_phone >= 1 && clueless >= 1);
}

/* Accounts: locales are zones or null. Users: offsets follow their time_zone. */
static void test_accounts_and_users(void **state)
{
	cJSON *j = NULL;
	const cJSON *a, *u;
	int with = 0, without = 0;

	assert_int_equal(sbxt_api(&S, KEY, "GET", "/v2/accounts?per_page=100", NULL, &j), 200);
	cJSON_ArrayForEach(a, sbxt_data(j))
	{
		if (is_null(a, "locale")) {
			without++;
			continue;
		}
		with++;
		if (!sbx_tz_get(sbxt_str(a, "locale")))
			fail_msg("account locale \"%s\" is not a zone", sbxt_str(a, "locale"));
	}
	cJSON_Delete(j);
	assert_true(with > 0 && without > 0);

	assert_int_equal(sbxt_api(&S, KEY, "GET", "/v2/users", NULL, &j), 200);
	cJSON_ArrayForEach(u, sbxt_data(j))
	        assert_int_equal((int)sbxt_num(u, "locale_utc_offset"),
	                         expected_offset(sbxt_str(u, "time_zone"), u));
	cJSON_Delete(j);
}

/* A written person's offset is its zone's at the time of the write. */
static void test_write_recomputes_offset(void **state)
{
	char path[96];
	cJSON *j = NULL;

	snprintf(path, sizeof(path), "/_sandbox/records/people/%lld", P0 + 40);
	assert_int_equal(sbxt_admin(&S, "PUT", path, "{\"locale\":\"Pacific/Chatham\"}", &j), 200);
	cJSON_Delete(j);
	snprintf(path, sizeof(path), "/v2/people/%lld", P0 + 40);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	assert_string_equal(sbxt_str(sbxt_data(j), "locale"), "Pacific/Chatham");
	assert_int_equal((int)sbxt_num(sbxt_data(j), "locale_utc_offset"), 765); /* June */
	cJSON_Delete(j);

	snprintf(path, sizeof(path), "/_sandbox/records/people/%lld", P0 + 40);
	assert_int_equal(sbxt_admin(&S, "PUT", path, "{\"locale\":\"US/Eastern\"}", NULL), 200);
	snprintf(path, sizeof(path), "/v2/people/%lld", P0 + 40);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	assert_int_equal((int)sbxt_num(sbxt_data(j), "locale_utc_offset"), -240);
	cJSON_Delete(j);

	snprintf(path, sizeof(path), "/_sandbox/records/people/%lld", P0 + 40);
	assert_int_equal(sbxt_admin(&S, "PUT", path, "{\"locale\":null}", NULL), 200);
	snprintf(path, sizeof(path), "/v2/people/%lld", P0 + 40);
	assert_int_equal(sbxt_api(&S, KEY, "GET", path, NULL, &j), 200);
	assert_true(is_null(sbxt_data(j), "locale_utc_offset"));
	cJSON_Delete(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_people_offsets_follow_dst),
	        cmocka_unit_test(test_half_hour_zones),
	        cmocka_unit_test(test_people_without_locale),
	        cmocka_unit_test(test_accounts_and_users),
	        cmocka_unit_test(test_write_recomputes_offset),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

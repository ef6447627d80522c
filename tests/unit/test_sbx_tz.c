/*
 * Unit tests for the sandbox's time zones (sbx_tz): zone-name checks against paths and
 * hostile names, offsets of the system's zones around daylight-saving changes and in the
 * half-hour and 45-minute zones, the POSIX rule beyond the last transition, rule strings
 * good and bad, TZif data cut short at every length, and the cache.
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

#include "sbx_tz.h"

/* Seconds since the epoch of a UTC civil time (tests only: no time zone involved). */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	int64_t yy = y - (mo <= 2), era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;

	return days * 86400 + h * 3600 + mi * 60 + s;
}

#define US(t) ((t)*1000000LL)

struct name_row {
	const char *name;
	bool ok;
};

static const struct name_row name_rows[] = {
        {"US/Eastern", true},
        {"America/Argentina/Buenos_Aires", true},
        {"Etc/GMT+5", true},
        {"Etc/GMT-14", true},
        {"UTC", true},
        {"", false},
        {"/", false},
        {"/etc/passwd", false},
        {"../etc/passwd", false},
        {"US/../../etc/passwd", false},
        {"US//Eastern", false},
        {"US/Eastern/", false},
        {".hidden", false},
        {"-rf", false},
        {"US/East ern", false},
        {"US/Eastern\n", false},
        {"US\\Eastern", false},
        {"Zoë/Zone", false},
        {"A234567890123456789012345678901234567890123456789012345678901234", false},
        {"A23456789012345678901234567890123456789012345678901234567890123", true},
};

static void test_names(void **state)
{
	assert_false(sbx_tz_name_ok(NULL));
	for (size_t i = 0; i < sizeof(name_rows) / sizeof(name_rows[0]); i++) {
		if (sbx_tz_name_ok(name_rows[i].name) != name_rows[i].ok)
			fail_msg("name %zu \"%s\": expected %d", i, name_rows[i].name,
			         name_rows[i].ok);
	}
	/* A name that is not a zone, or is refused, is never a zone. */
	assert_null(sbx_tz_get("../etc/passwd"));
	assert_null(sbx_tz_get("Mars/Olympus_Mons"));
	assert_null(sbx_tz_get("zone1970"));
	assert_null(sbx_tz_get(NULL));
	sbx_tz_cache_clear();
}

struct off_row {
	const char *zone;
	int y, mo, d, h, mi, s; /* UTC */
	int minutes;
};

static const struct off_row off_rows[] = {
        /* US/Eastern (a link name) around the 2026 changes: 8 March 07:00Z, 1 Nov 06:00Z. */
        {"US/Eastern", 2026, 1, 15, 12, 0, 0, -300},
        {"US/Eastern", 2026, 3, 8, 6, 59, 59, -300},
        {"US/Eastern", 2026, 3, 8, 7, 0, 0, -240},
        {"US/Eastern", 2026, 11, 1, 5, 59, 59, -240},
        {"US/Eastern", 2026, 11, 1, 6, 0, 0, -300},
        {"America/New_York", 2024, 4, 15, 12, 0, 0, -240},
        /* Beyond the transitions in the file: the footer's rule. */
        {"US/Eastern", 2100, 7, 1, 0, 0, 0, -240},
        {"US/Eastern", 2100, 12, 1, 0, 0, 0, -300},
        {"US/Pacific", 2026, 7, 1, 0, 0, 0, -420},
        {"US/Arizona", 2026, 7, 1, 0, 0, 0, -420},
        {"America/St_Johns", 2026, 1, 15, 0, 0, 0, -210},
        {"America/St_Johns", 2026, 7, 15, 0, 0, 0, -150},
        {"Asia/Kolkata", 2026, 7, 15, 0, 0, 0, 330},
        {"Asia/Kathmandu", 2026, 1, 15, 0, 0, 0, 345},
        /* Chatham: +12:45 in its winter, +13:45 in its summer (southern hemisphere). */
        {"Pacific/Chatham", 2026, 7, 15, 0, 0, 0, 765},
        {"Pacific/Chatham", 2026, 1, 15, 0, 0, 0, 825},
        {"Pacific/Chatham", 2090, 1, 15, 0, 0, 0, 825},
        {"Pacific/Chatham", 2090, 7, 15, 0, 0, 0, 765},
        {"Australia/Sydney", 2026, 1, 15, 0, 0, 0, 660},
        {"Australia/Sydney", 2026, 7, 15, 0, 0, 0, 600},
        {"Europe/London", 2026, 7, 15, 0, 0, 0, 60},
        {"Europe/London", 2026, 12, 15, 0, 0, 0, 0},
        {"Pacific/Kiritimati", 2026, 12, 15, 0, 0, 0, 840},
        {"Pacific/Pago_Pago", 2026, 12, 15, 0, 0, 0, -660},
        {"UTC", 2026, 12, 15, 0, 0, 0, 0},
        /* Before 1970 and before any transition (local mean time, whole minutes). */
        {"US/Eastern", 1960, 7, 1, 0, 0, 0, -240},
        {"Asia/Kolkata", 1800, 1, 1, 0, 0, 0, 353},
};

static void test_offsets(void **state)
{
	for (size_t i = 0; i < sizeof(off_rows) / sizeof(off_rows[0]); i++) {
		const struct off_row *r = &off_rows[i];
		const struct sbx_tz *z = sbx_tz_get(r->zone);
		int got;

		if (!z)
			fail_msg("zone %s is not installed (tzdata)", r->zone);
		got = sbx_tz_offset(z, US(utc(r->y, r->mo, r->d, r->h, r->mi, r->s)));
		if (got != r->minutes)
			fail_msg("row %zu %s %04d-%02d-%02d: %d, expected %d", i, r->zone, r->y,
			         r->mo, r->d, got, r->minutes);
	}
	/* Cached: the same zone object every time; a link and its target are both found. */
	assert_ptr_equal(sbx_tz_get("US/Eastern"), sbx_tz_get("US/Eastern"));
	assert_int_equal(sbx_tz_offset(NULL, 0), 0);
	sbx_tz_cache_clear();
}

struct rule_row {
	const char *rule;
	int err;
	int jan, jul; /* offsets on 15 January and 15 July 2030, minutes */
};

static const struct rule_row rule_rows[] = {
        {"EST5EDT,M3.2.0,M11.1.0", 0, -300, -240},
        {"EST5EDT", 0, -300, -240},
        {"<+0545>-5:45", 0, 345, 345},
        {"<-03>3", 0, -180, -180},
        {"NST3:30NDT,M3.2.0,M11.1.0", 0, -210, -150},
        {"<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45", 0, 825, 765},
        {"AEST-10AEDT,M10.1.0,M4.1.0/3", 0, 660, 600},
        {"GMT0BST,M3.5.0/1,M10.5.0", 0, 0, 60},
        {"XXX3YYY,J60/-1,300/26", 0, -180, -120},
        {"EST5EDT,0/0,J365/25", 0, -240, -240},
        {"", EINVAL, 0, 0},
        {"E5", EINVAL, 0, 0},
        {"EST", EINVAL, 0, 0},
        {"EST25", EINVAL, 0, 0},
        {"EST5EDT,M13.1.0,M11.1.0", EINVAL, 0, 0},
        {"EST5EDT,M3.6.0,M11.1.0", EINVAL, 0, 0},
        {"EST5EDT,M3.2.7,M11.1.0", EINVAL, 0, 0},
        {"EST5EDT,M3.2.0", EINVAL, 0, 0},
        {"EST5EDT,M3.2.0/200,M11.1.0", EINVAL, 0, 0},
        {"EST5:60", EINVAL, 0, 0},
        {"<+05", EINVAL, 0, 0},
        {"EST5EDT,J0,J365", EINVAL, 0, 0},
        {"EST5 trailing", EINVAL, 0, 0},
};

static void test_rules(void **state)
{
	struct sbx_tz *z = NULL;

	assert_int_equal(sbx_tz_parse_rule(NULL, &z), EINVAL);
	for (size_t i = 0; i < sizeof(rule_rows) / sizeof(rule_rows[0]); i++) {
		const struct rule_row *r = &rule_rows[i];
		int err = sbx_tz_parse_rule(r->rule, &z);

		if (err != r->err)
			fail_msg("rule %zu \"%s\": %d, expected %d", i, r->rule, err, r->err);
		if (err)
			continue;
		if (sbx_tz_offset(z, US(utc(2030, 1, 15, 0, 0, 0))) != r->jan ||
		    sbx_tz_offset(z, US(utc(2030, 7, 15, 0, 0, 0))) != r->jul)
			fail_msg("rule %zu \"%s\": %d/%d, expected %d/%d", i, r->rule,
			         sbx_tz_offset(z, US(utc(2030, 1, 15, 0, 0, 0))),
			         sbx_tz_offset(z, US(utc(2030, 7, 15, 0, 0, 0))), r->jan, r->jul);
		sbx_tz_free(z);
		z = NULL;
	}
	/* The change instants of a rule: 2030-03-10 07:00Z and 2030-11-03 06:00Z. */
	assert_int_equal(sbx_tz_parse_rule("EST5EDT,M3.2.0,M11.1.0", &z), 0);
	assert_int_equal(sbx_tz_offset(z, US(utc(2030, 3, 10, 6, 59, 59))), -300);
	assert_int_equal(sbx_tz_offset(z, US(utc(2030, 3, 10, 7, 0, 0))), -240);
	assert_int_equal(sbx_tz_offset(z, US(utc(2030, 11, 3, 5, 59, 59))), -240);
	assert_int_equal(sbx_tz_offset(z, US(utc(2030, 11, 3, 6, 0, 0))), -300);
	sbx_tz_free(z);
	sbx_tz_free(NULL);
}

/* Reads a whole file of the system's zoneinfo. */
static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = malloc(1 << 16);

	assert_non_null(f);
	assert_non_null(buf);
	*n = fread(buf, 1, 1 << 16, f);
	fclose(f);
	return buf;
}

static void test_tzif_cut_short(void **state)
{
	size_t n;
	unsigned char *buf = slurp("/usr/share/zoneinfo/America/New_York", &n);
	struct sbx_tz *z = NULL;

	assert_int_equal(sbx_tz_parse(NULL, 0, &z), EINVAL);
	assert_int_equal(sbx_tz_parse(buf, n, NULL), EINVAL);
	assert_int_equal(sbx_tz_parse(buf, n, &z), 0);
	assert_int_equal(sbx_tz_offset(z, US(utc(2026, 7, 1, 0, 0, 0))), -240);
	sbx_tz_free(z);
	/* Every shorter prefix either fails cleanly or (once only the footer is cut) parses
	 * without the rule; nothing reads past the end (ASan watches). */
	for (size_t k = 0; k < n; k++) {
		unsigned char *cut = malloc(k ? k : 1);

		assert_non_null(cut);
		memcpy(cut, buf, k);
		z = NULL;
		if (sbx_tz_parse(cut, k, &z) == 0) {
			assert_true(k > 1000);
			(void)sbx_tz_offset(z, US(utc(2026, 7, 1, 0, 0, 0)));
			sbx_tz_free(z);
		}
		free(cut);
	}
	/* Not TZif; a header whose counts point past the end. */
	memcpy(buf, "TZiX", 4);
	assert_int_equal(sbx_tz_parse(buf, n, &z), EINVAL);
	memcpy(buf, "TZif", 4);
	buf[35] = 0xff;
	assert_int_equal(sbx_tz_parse(buf, n, &z), EINVAL);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_names),
	        cmocka_unit_test(test_offsets),
	        cmocka_unit_test(test_rules),
	        cmocka_unit_test(test_tzif_cut_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

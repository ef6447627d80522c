/*
 * Unit tests for the gates (gates.h) and what they stand on: zone names (tzone.h), the
 * number-to-zone table (phonetz.h), the calling-hours and tag settings, the person checks with
 * a frozen clock across zones (US and EU daylight-saving change days, Kathmandu +5:45, Chatham
 * +12:45/+13:45, St. John's -3:30/-2:30, people with no zone), and the parked-number and
 * once-per-session checks over a real SQLite store.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "loftdial/attempts.h"
#include "loftdial/config.h"
#include "loftdial/gates.h"
#include "loftdial/phonetz.h"
#include "loftdial/text.h"
#include "loftdial/tzone.h"
#include "storetest.h"

/* A UTC instant from its calendar fields. */
static time_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return timegm(&tm);
}

/* ---- zone names ---- */

static void test_tzone_names(void **state)
{
	static const struct {
		const char *name;
		bool known;
	} cases[] = {
	        {NULL, false},
	        {"", false},
	        {"America/New_York", true},
	        {"US/Eastern", true}, /* the old link name Salesloft sends */
	        {"US/Pacific", true},
	        {"Asia/Kathmandu", true},
	        {"Pacific/Chatham", true},
	        {"America/St_Johns", true},
	        {"UTC", true},
	        {"US", false},                  /* a folder */
	        {"zone1970.tab", false},        /* a file, not a zone */
	        {"Mars/Olympus", false},        /* unknown */
	        {"../../../etc/passwd", false}, /* hostile */
	        {"/etc/localtime", false},
	        {"America/New_York\n", false},
	        {"America//New_York", false},
	        {"Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (tzone_known(cases[i].name) != cases[i].known)
			fail_msg("tzone_known(%s) should be %d",
			         cases[i].name ? cases[i].name : "NULL", cases[i].known);
}

static void test_tzone_local(void **state)
{
	struct tm a, b;
	time_t t = utc(2026, 7, 15, 11, 30);
	const char *before = getenv("TZ");

	(void)state;
	assert_int_equal(tzone_local("US/Eastern", t, &a), 0);
	assert_int_equal(tzone_local("America/New_York", t, &b), 0);
	assert_int_equal(a.tm_hour, 7);
	assert_int_equal(a.tm_min, 30);
	assert_int_equal(a.tm_gmtoff, -4 * 3600);
	assert_int_equal(b.tm_gmtoff, a.tm_gmtoff);
	assert_int_equal(tzone_local("Mars/Olympus", t, &a), ENOENT);
	assert_int_equal(tzone_local(NULL, t, &a), EINVAL);
	/* The caller's TZ is put back (or left unset). */
	if (before)
		assert_string_equal(getenv("TZ"), before);
	else
		assert_null(getenv("TZ"));
	assert_int_equal(tzone_fixed(345, utc(2026, 6, 15, 2, 15), &a), 0);
	assert_int_equal(a.tm_hour * 60 + a.tm_min, 8 * 60);
	assert_int_equal(tzone_fixed(-17 * 60, t, &a), EINVAL);
}

/* ---- numbers to zones ---- */

static void test_phonetz(void **state)
{
	char z[PHONETZ_MAX][PHONETZ_NAME_MAX];
	const char *prefix, *zones;
	size_t i, n, rows;

	(void)state;
	/* Every zone the table names exists here. */
	rows = phonetz_table(&prefix, &zones, 0);
	assert_true(rows > 600);
	for (i = 0; i < rows; i++) {
		char buf[PHONETZ_MAX * PHONETZ_NAME_MAX + 8], *tok, *save;

		phonetz_table(&prefix, &zones, i);
		text_copy(buf, sizeof(buf), zones);
		for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			if (!tzone_known(tok))
				fail_msg("phonetz row %s: zone %s unknown", prefix, tok);
	}
	assert_int_equal(phonetz_zones("+12125550100", z, PHONETZ_MAX), 1);
	assert_string_equal(z[0], "America/New_York");
	assert_int_equal(phonetz_zones("14155550100", z, PHONETZ_MAX), 1);
	assert_string_equal(z[0], "America/Los_Angeles");
	assert_int_equal(phonetz_zones("+97714000000", z, PHONETZ_MAX), 1);
	assert_true(tzone_known(z[0]));
	n = phonetz_zones("+18505550100", z, PHONETZ_MAX); /* Florida panhandle: two zones */
	assert_int_equal(n, 2);
	assert_int_equal(phonetz_zones("+18505550100", z, 1), 1);           /* max honoured */
	assert_int_equal(phonetz_zones("+79161234567", z, PHONETZ_MAX), 0); /* Russia: many */
	assert_int_equal(phonetz_zones("+1", z, PHONETZ_MAX), 0);
	assert_int_equal(phonetz_zones("", z, PHONETZ_MAX), 0);
	assert_int_equal(phonetz_zones(NULL, z, PHONETZ_MAX), 0);
	assert_int_equal(phonetz_zones("+1 212 555", z, PHONETZ_MAX), 0);
	assert_int_equal(phonetz_zones("+1212x", z, PHONETZ_MAX), 0);
}

/* ---- settings ---- */

static void test_hours_parse(void **state)
{
	static const struct {
		const char *s;
		int err;
		unsigned o, c;
	} cases[] = {
	        {NULL, EINVAL, 0, 0},           {"", EINVAL, 0, 0},
	        {"08:00-21:00", 0, 480, 1260},  {" 09:00 - 17:30 ", 0, 540, 1050},
	        {"00:00-24:00", 0, 0, 1440},    {"9:00-17:00", EINVAL, 0, 0},
	        {"21:00-08:00", EINVAL, 0, 0}, /* overnight is not calling hours */
	        {"09:00-09:00", EINVAL, 0, 0},  {"25:00-26:00", EINVAL, 0, 0},
	        {"08:60-21:00", EINVAL, 0, 0},  {"24:01-24:02", EINVAL, 0, 0},
	        {"08:00-21:00x", EINVAL, 0, 0}, {"08:00", EINVAL, 0, 0},
	        {"08:00-", EINVAL, 0, 0},
	};
	unsigned o, c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		o = c = 99999;
		if (gates_hours_parse(cases[i].s, &o, &c) != cases[i].err)
			fail_msg("case %zu (%s): wrong result", i,
			         cases[i].s ? cases[i].s : "NULL");
		if (!cases[i].err && (o != cases[i].o || c != cases[i].c))
			fail_msg("case %zu: %u-%u", i, o, c);
	}
}

static void test_cfg_from_config(void **state)
{
	static const struct {
		const char *key, *value;
		int err;
	} cases[] = {
	        {NULL, NULL, 0},
	        {"dial.calling_hours", "09:00-17:30", 0},
	        {"dial.calling_hours", "07:30-21:00", EINVAL}, /* wider than the law */
	        {"dial.calling_hours", "08:00-21:30", EINVAL},
	        {"dial.calling_hours", "nine to five", EINVAL},
	        {"dial.rep_zone", "Europe/Paris", 0},
	        {"dial.rep_zone", "Europe/Atlantis", EINVAL},
	        {"dial.skip_tags", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", EINVAL},
	};
	struct gates_cfg gc;
	struct config *cfg;
	char why[200], err[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(config_new(&cfg), 0);
		if (cases[i].key)
			assert_int_equal(
			        config_set(cfg, cases[i].key, cases[i].value, err, sizeof(err)), 0);
		why[0] = '\0';
		if (gates_cfg_from_config(&gc, cfg, why, sizeof(why)) != cases[i].err)
			fail_msg("case %zu (%s %s): wrong result (%s)", i, cases[i].key,
			         cases[i].value, why);
		if (cases[i].err)
			assert_true(why[0] != '\0');
		config_free(cfg);
	}
	/* The defaults, then every key read. */
	assert_int_equal(config_new(&cfg), 0);
	assert_int_equal(config_set(cfg, "dial.skip_tags", " Meeting Scheduled ,, Wrong Number",
	                            err, sizeof(err)),
	                 0);
	assert_int_equal(config_set(cfg, "dial.no_zone", "rep", err, sizeof(err)), 0);
	assert_int_equal(config_set(cfg, "dial.park_after", "5", err, sizeof(err)), 0);
	assert_int_equal(config_set(cfg, "dial.park_days", "7", err, sizeof(err)), 0);
	assert_int_equal(config_set(cfg, "dial.redial", "yes", err, sizeof(err)), 0);
	assert_int_equal(gates_cfg_from_config(&gc, cfg, why, sizeof(why)), 0);
	assert_int_equal(gc.open_min, 480);
	assert_int_equal(gc.close_min, 1260);
	assert_int_equal(gc.ntags, 2);
	assert_string_equal(gc.skip_tags[0], "Meeting Scheduled");
	assert_string_equal(gc.skip_tags[1], "Wrong Number");
	assert_int_equal(gc.no_zone, GATES_NOZONE_REP);
	assert_int_equal(gc.park_after, 5);
	assert_int_equal(gc.park_days, 7);
	assert_true(gc.redial);
	config_free(cfg);
}

/* ---- the person checks with a frozen clock ---- */

struct pcase {
	const char *what;
	const char *locale;
	bool has_off;
	int off;
	const char *account;
	const char *number;
	time_t now;
	enum gates_why why;
	enum gates_zsrc src;
	int local_min; /* -1: not checked */
};

#define NY "+12125550100"

static void run_cases(const struct gates_cfg *gc, const struct pcase *c, size_t n)
{
	struct gates_verdict v;
	size_t i;

	for (i = 0; i < n; i++) {
		struct gates_subject s = {
		        .locale = c[i].locale,
		        .has_utc_offset = c[i].has_off,
		        .utc_offset_min = c[i].off,
		        .account_locale = c[i].account,
		        .number = c[i].number,
		};

		gates_check_person(gc, &s, c[i].now, &v);
		if (v.why != c[i].why || v.zsrc != c[i].src ||
		    (c[i].local_min >= 0 && v.local_min != c[i].local_min))
			fail_msg(
			        "%s: got %s/%s at %02d:%02d (%s; zone %s), want %s/%s at %02d:%02d",
			        c[i].what, gates_why_name(v.why), gates_zsrc_name(v.zsrc),
			        v.local_min / 60, v.local_min % 60, v.text, v.zone,
			        gates_why_name(c[i].why), gates_zsrc_name(c[i].src),
			        c[i].local_min / 60, c[i].local_min % 60);
		if (v.why != GATES_OK && !v.text[0])
			fail_msg("%s: a refusal without a reason", c[i].what);
	}
}

static void test_hours_across_zones(void **state)
{
	const struct pcase cases[] = {
	        /* US spring forward, Sunday 8 March 2026 (EST -5 -> EDT -4). */
	        {"NY day before DST", "America/New_York", false, 0, NULL, NY,
	         utc(2026, 3, 7, 12, 30), GATES_HOURS, GATES_ZONE_PERSON, 7 * 60 + 30},
	        {"NY DST day", "America/New_York", false, 0, NULL, NY, utc(2026, 3, 8, 12, 30),
	         GATES_OK, GATES_ZONE_PERSON, 8 * 60 + 30},
	        /* US fall back, Sunday 1 November 2026, under the old link name. */
	        {"US/Eastern day before", "US/Eastern", false, 0, NULL, NY,
	         utc(2026, 10, 31, 12, 30), GATES_OK, GATES_ZONE_PERSON, 8 * 60 + 30},
	        {"US/Eastern fall back", "US/Eastern", false, 0, NULL, NY, utc(2026, 11, 1, 12, 30),
	         GATES_HOURS, GATES_ZONE_PERSON, 7 * 60 + 30},
	        {"US/Pacific evening", "US/Pacific", false, 0, NULL, NY, utc(2026, 11, 2, 4, 59),
	         GATES_OK, GATES_ZONE_PERSON, 20 * 60 + 59},
	        {"US/Pacific 21:00", "US/Pacific", false, 0, NULL, NY, utc(2026, 11, 2, 5, 0),
	         GATES_HOURS, GATES_ZONE_PERSON, 21 * 60},
	        /* EU spring forward, Sunday 29 March 2026 (CET +1 -> CEST +2). */
	        {"Berlin day before", "Europe/Berlin", false, 0, NULL, NY, utc(2026, 3, 28, 6, 30),
	         GATES_HOURS, GATES_ZONE_PERSON, 7 * 60 + 30},
	        {"Berlin DST day", "Europe/Berlin", false, 0, NULL, NY, utc(2026, 3, 29, 6, 30),
	         GATES_OK, GATES_ZONE_PERSON, 8 * 60 + 30},
	        /* EU fall back, Sunday 25 October 2026. */
	        {"Berlin day before fall", "Europe/Berlin", false, 0, NULL, NY,
	         utc(2026, 10, 24, 19, 30), GATES_HOURS, GATES_ZONE_PERSON, 21 * 60 + 30},
	        {"Berlin fall back", "Europe/Berlin", false, 0, NULL, NY, utc(2026, 10, 25, 19, 30),
	         GATES_OK, GATES_ZONE_PERSON, 20 * 60 + 30},
	        /* Kathmandu, +5:45 all year. */
	        {"Kathmandu 07:59", "Asia/Kathmandu", false, 0, NULL, NY, utc(2026, 6, 15, 2, 14),
	         GATES_HOURS, GATES_ZONE_PERSON, 7 * 60 + 59},
	        {"Kathmandu 08:00", "Asia/Kathmandu", false, 0, NULL, NY, utc(2026, 6, 15, 2, 15),
	         GATES_OK, GATES_ZONE_PERSON, 8 * 60},
	        /* Chatham, +12:45 in its winter, +13:45 in its summer. */
	        {"Chatham winter 20:00", "Pacific/Chatham", false, 0, NULL, NY,
	         utc(2026, 6, 15, 7, 15), GATES_OK, GATES_ZONE_PERSON, 20 * 60},
	        {"Chatham winter 21:00", "Pacific/Chatham", false, 0, NULL, NY,
	         utc(2026, 6, 15, 8, 15), GATES_HOURS, GATES_ZONE_PERSON, 21 * 60},
	        {"Chatham summer 21:00", "Pacific/Chatham", false, 0, NULL, NY,
	         utc(2026, 1, 15, 7, 15), GATES_HOURS, GATES_ZONE_PERSON, 21 * 60},
	        {"Chatham summer 20:59", "Pacific/Chatham", false, 0, NULL, NY,
	         utc(2026, 1, 15, 7, 14), GATES_OK, GATES_ZONE_PERSON, 20 * 60 + 59},
	        /* St. John's, -3:30 standard, -2:30 summer. */
	        {"St Johns 08:00", "America/St_Johns", false, 0, NULL, NY, utc(2026, 1, 15, 11, 30),
	         GATES_OK, GATES_ZONE_PERSON, 8 * 60},
	        {"St Johns 07:59", "America/St_Johns", false, 0, NULL, NY, utc(2026, 1, 15, 11, 29),
	         GATES_HOURS, GATES_ZONE_PERSON, 7 * 60 + 59},
	        {"St Johns summer", "America/St_Johns", false, 0, NULL, NY,
	         utc(2026, 7, 15, 11, 30), GATES_OK, GATES_ZONE_PERSON, 9 * 60},
	        /* No zone name: the offset, then the account, then the number, then the policy. */
	        {"offset +5:45", NULL, true, 345, NULL, NY, utc(2026, 6, 15, 2, 15), GATES_OK,
	         GATES_ZONE_OFFSET, 8 * 60},
	        {"offset -3:30", "", true, -210, NULL, NY, utc(2026, 1, 15, 11, 29), GATES_HOURS,
	         GATES_ZONE_OFFSET, 7 * 60 + 59},
	        {"unknown name, offset", "Mars/Olympus", true, -300, NULL, NY,
	         utc(2026, 3, 7, 12, 30), GATES_HOURS, GATES_ZONE_OFFSET, 7 * 60 + 30},
	        {"bad offset, account", NULL, true, 5000, "Europe/London", NY,
	         utc(2026, 7, 15, 11, 30), GATES_OK, GATES_ZONE_ACCOUNT, 12 * 60 + 30},
	        {"account", NULL, false, 0, "Europe/London", NY, utc(2026, 7, 15, 11, 30), GATES_OK,
	         GATES_ZONE_ACCOUNT, 12 * 60 + 30},
	        {"number NY", NULL, false, 0, NULL, NY, utc(2026, 7, 15, 11, 30), GATES_HOURS,
	         GATES_ZONE_NUMBER, 7 * 60 + 30},
	        {"hostile name, number", "../../../etc/passwd", false, 0, "US/Nowhere",
	         "+442079460958", utc(2026, 7, 15, 11, 30), GATES_OK, GATES_ZONE_NUMBER,
	         12 * 60 + 30},
	        {"number Kathmandu", NULL, false, 0, NULL, "+97714000000", utc(2026, 6, 15, 2, 15),
	         GATES_OK, GATES_ZONE_NUMBER, 8 * 60},
	        /* An area code on a zone line must be in hours on both sides. */
	        {"850 both in", NULL, false, 0, NULL, "+18505550100", utc(2026, 7, 16, 0, 30),
	         GATES_OK, GATES_ZONE_NUMBER, -1},
	        {"850 NY out", NULL, false, 0, NULL, "+18505550100", utc(2026, 7, 16, 1, 30),
	         GATES_HOURS, GATES_ZONE_NUMBER, 21 * 60 + 30},
	        {"850 Chicago out", NULL, false, 0, NULL, "+18505550100", utc(2026, 7, 15, 12, 30),
	         GATES_HOURS, GATES_ZONE_NUMBER, 7 * 60 + 30},
	        {"no zone at all", NULL, false, 0, NULL, "+79161234567", utc(2026, 7, 15, 11, 30),
	         GATES_NO_ZONE, GATES_ZONE_NONE, -1},
	};

	struct gates_cfg gc;

	(void)state;
	gates_cfg_default(&gc);
	run_cases(&gc, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_hours_policy_and_narrow(void **state)
{
	const struct pcase rep[] = {
	        {"rep zone in", NULL, false, 0, NULL, "+79161234567", utc(2026, 7, 15, 11, 30),
	         GATES_OK, GATES_ZONE_REP, 14 * 60 + 30},
	        {"rep zone out", NULL, false, 0, NULL, "+79161234567", utc(2026, 7, 15, 19, 30),
	         GATES_HOURS, GATES_ZONE_REP, 22 * 60 + 30},
	        {"person zone wins", "America/New_York", false, 0, NULL, "+79161234567",
	         utc(2026, 7, 15, 19, 30), GATES_OK, GATES_ZONE_PERSON, 15 * 60 + 30},
	};
	const struct pcase narrow[] = {
	        {"08:30 before 09:00", "America/New_York", false, 0, NULL, NY,
	         utc(2026, 3, 8, 12, 30), GATES_HOURS, GATES_ZONE_PERSON, 8 * 60 + 30},
	        {"17:29", "America/New_York", false, 0, NULL, NY, utc(2026, 7, 15, 21, 29),
	         GATES_OK, GATES_ZONE_PERSON, 17 * 60 + 29},
	        {"17:30", "America/New_York", false, 0, NULL, NY, utc(2026, 7, 15, 21, 30),
	         GATES_HOURS, GATES_ZONE_PERSON, 17 * 60 + 30},
	};
	struct gates_cfg gc;

	(void)state;
	gates_cfg_default(&gc);
	gc.no_zone = GATES_NOZONE_REP;
	text_copy(gc.rep_zone, sizeof(gc.rep_zone), "Europe/Moscow");
	run_cases(&gc, rep, sizeof(rep) / sizeof(rep[0]));
	gates_cfg_default(&gc);
	assert_int_equal(gates_hours_parse("09:00-17:30", &gc.open_min, &gc.close_min), 0);
	run_cases(&gc, narrow, sizeof(narrow) / sizeof(narrow[0]));
}

static void test_contactability(void **state)
{
	static const struct {
		const char *what;
		bool dnc;
		const char *restrictions, *tags, *number;
		enum gates_why why;
	} cases[] = {
	        {"plain", false, NULL, NULL, NY, GATES_OK},
	        {"dnc", true, NULL, NULL, NY, GATES_DNC},
	        {"dnc beats all", true, "[\"call\"]", "[\"Wrong Number\"]", NULL, GATES_DNC},
	        {"restricted", false, "[\"email\",\"call\"]", NULL, NY, GATES_RESTRICTED},
	        {"email only", false, "[\"email\",\"message\"]", NULL, NY, GATES_OK},
	        {"empty restrictions", false, "[]", "[]", NY, GATES_OK},
	        {"callback is not call", false, "[\"callback\"]", NULL, NY, GATES_OK},
	        {"cut-short restrictions", false, "[\"email\",\"call\",\"mes", NULL, NY,
	         GATES_RESTRICTED},
	        {"tag", false, NULL, "[\"VIP\",\"meeting scheduled\"]", NY, GATES_TAG},
	        {"tag case", false, NULL, "[\"WRONG NUMBER\"]", NY, GATES_TAG},
	        {"tag part", false, NULL, "[\"Wrong\",\"Number\"]", NY, GATES_OK},
	        {"cut-short tags", false, NULL, "[\"x\",\"Wrong Number\",\"y", NY, GATES_TAG},
	        {"hostile tags", false, NULL, "[\"\\u001b[2J\",{\"a\":1},7]", NY, GATES_OK},
	        {"no number", false, NULL, NULL, "", GATES_NO_NUMBER},
	        {"null number", false, NULL, NULL, NULL, GATES_NO_NUMBER},
	};
	struct gates_verdict v;
	struct gates_cfg gc;
	size_t i;

	(void)state;
	gates_cfg_default(&gc);
	assert_int_equal(gates_tags_parse(&gc, "Meeting Scheduled,Wrong Number"), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gates_subject s = {
		        .do_not_contact = cases[i].dnc,
		        .contact_restrictions = cases[i].restrictions,
		        .tags = cases[i].tags,
		        .locale = "America/New_York",
		        .number = cases[i].number,
		};

		gates_check_person(&gc, &s, utc(2026, 7, 15, 16, 0), &v);
		if (v.why != cases[i].why)
			fail_msg("%s: got %s (%s)", cases[i].what, gates_why_name(v.why), v.text);
		if (v.why != GATES_OK && !v.text[0])
			fail_msg("%s: no reason", cases[i].what);
	}
	gates_check_person(&gc, NULL, 0, &v);
	assert_int_not_equal(v.why, GATES_OK);
}

/* ---- parked numbers and the session, over a real store ---- */

static int setup_store(void **state)
{
	return storetest_setup(state, "ld-gates");
}

static void add_attempt(struct store *st, const char *number, time_t t, const char *outcome)
{
	struct attempt a;

	memset(&a, 0, sizeof(a));
	text_copy(a.number, sizeof(a.number), number);
	text_copy(a.outcome, sizeof(a.outcome), outcome);
	text_copy(a.session_id, sizeof(a.session_id), "s1");
	a.line = 1;
	a.started_at_ms = (int64_t)t * 1000;
	assert_int_equal(attempts_insert(st, &a), 0);
}

static void test_parked_and_session(void **state)
{
	struct storetest *fx = *state;
	time_t now = utc(2026, 7, 15, 16, 0);
	const time_t day = 86400;
	struct gates_subject s = {.locale = "America/New_York"};
	struct gates_verdict v;
	struct gates_cfg gc;
	struct gates *g;

	gates_cfg_default(&gc);
	assert_int_equal(gates_new(&g, &gc, fx->st), 0);
	/* Two bad outcomes lately, one long ago, good ones in between: not parked yet. */
	add_attempt(fx->st, "+12125550101", now - 2 * day, "invalid_number");
	add_attempt(fx->st, "+12125550101", now - 29 * day, "failed");
	add_attempt(fx->st, "+12125550101", now - 31 * day, "invalid_number");
	add_attempt(fx->st, "+12125550101", now - day, "busy");
	add_attempt(fx->st, "+12125550101", now - day, "no_answer");
	s.number = "+12125550101";
	assert_int_equal(gates_check(g, &s, now, &v), 0);
	assert_int_equal(v.why, GATES_OK);
	/* A third in the window parks it, and says why. */
	add_attempt(fx->st, "+12125550101", now - 3600, "network");
	assert_int_equal(gates_check(g, &s, now, &v), 0);
	assert_int_equal(v.why, GATES_PARKED);
	assert_non_null(strstr(v.text, "3 failed or invalid outcomes in 30 days"));
	/* Another number is not touched. */
	s.number = "+12125550102";
	assert_int_equal(gates_check(g, &s, now, &v), 0);
	assert_int_equal(v.why, GATES_OK);
	/* Once per session. */
	assert_int_equal(gates_dialled(g, "+12125550102"), 0);
	assert_int_equal(gates_dialled(g, "+12125550102"), 0);
	assert_int_equal(gates_check(g, &s, now, &v), 0);
	assert_int_equal(v.why, GATES_DIALLED);
	/* Person gates come first. */
	s.do_not_contact = true;
	assert_int_equal(gates_check(g, &s, now, &v), 0);
	assert_int_equal(v.why, GATES_DNC);
	assert_int_equal(gates_dialled(g, ""), EINVAL);
	assert_int_equal(gates_check(NULL, &s, now, &v), EINVAL);
	gates_free(g);

	/* Redial allowed, parking off. */
	gc.redial = true;
	gc.park_after = 0;
	assert_int_equal(gates_new(&g, &gc, fx->st), 0);
	s.do_not_contact = false;
	assert_int_equal(gates_dialled(g, "+12125550101"), 0);
	s.number = "+12125550101";
	assert_int_equal(gates_check(g, &s, now, &v), 0);
	assert_int_equal(v.why, GATES_OK);
	gates_free(g);

	/* A shorter window forgets the older failures. */
	gates_cfg_default(&gc);
	gc.park_days = 1;
	assert_int_equal(gates_new(&g, &gc, fx->st), 0);
	assert_int_equal(gates_check(g, &s, now, &v), 0);
	assert_int_equal(v.why, GATES_OK);
	gates_free(g);
	gates_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_tzone_names),
	        cmocka_unit_test(test_tzone_local),
	        cmocka_unit_test(test_phonetz),
	        cmocka_unit_test(test_hours_parse),
	        cmocka_unit_test(test_cfg_from_config),
	        cmocka_unit_test(test_hours_across_zones),
	        cmocka_unit_test(test_hours_policy_and_narrow),
	        cmocka_unit_test(test_contactability),
	        cmocka_unit_test_setup_teardown(test_parked_and_session, setup_store,
	                                        storetest_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_dial_numbers: the gates of `loftdial dial --numbers FILE`, the real program through real
 * baresip engines against a spawned sandbox's simulated phones, on a pinned clock
 * (LOFTDIAL_TEST_NOW) so every case holds at any wall-clock hour.
 *
 * A number outside calling hours in its own zone (from its digits) is refused before any
 * INVITE: the run says why, and the simulated phones saw no call for it, while a number inside
 * hours is dialled. When every number is refused, no engine starts. Numbers the store knows
 * (a person marked do-not-contact, one whose restrictions forbid calls, one whose own zone is
 * outside hours whatever the area code says) and a parked number are refused with the gate
 * named. A number in hours when the file is read but not by the time a line frees up is
 * refused right before its INVITE, and so is a person marked do-not-contact by another process
 * while the run waits. A SIP URI is judged by the +number in its user part, and
 * without one has no zone. The rep's redial goes past the once-per-run gate.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "loftdial/attempts.h"
#include "loftdial/records.h"
#include "loftdial/store.h"
#include "listdialtest.h"
#include "storetest.h"

#define OUT_MAX (256 * 1024)
#define RUN_MS  120000

/* 2026-01-14 17:00 UTC: 09:00 in Los Angeles, 17:00 in London, 02:00 (the 15th) in Tokyo. */
#define AT_1700Z "1768410000"
/* 2026-01-14 07:00 UTC: 23:00 (the 13th) in Los Angeles, 02:00 in New York. */
#define AT_0700Z "1768374000"
/* 2026-01-15 04:59:57 UTC: 20:59:57 in Los Angeles (3 s before its hours close), 18:59:57 in
 * Honolulu. */
#define LA_CLOSING "1768453197"

static struct ldt T;
static char out[OUT_MAX];

static int setup(void **state)
{
	(void)state;
	if (ldt_setup(&T, NULL))
		return -1;
	/* Each test pins its own clock; the ring timeout leaves the last seconds before an hour
	 * closes to a number that waits for its line (test_recheck_before_invite). */
	setenv("LOFTDIAL_TEST_RING_TIMEOUT_MS", "3000", 1);
	return 0;
}
static int teardown(void **state)
{
	(void)state;
	return ldt_teardown(&T);
}
/* Makes a home whose engines call the simulated phones (dial.no_zone left at its default),
 * and its numbers file. */
static void home(struct st_home *h, const char *numbers, char *file, size_t n)
{
	FILE *f;

	assert_int_equal(ldt_home_with(&T, h, ""), 0);
	snprintf(file, n, "%s/numbers.txt", h->dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs(numbers, f);
	fclose(f);
}
/* INVITEs the simulated phones received so far (every number). */
static int phone_invites(void)
{
	cJSON *o = NULL;
	int n;

	assert_int_equal(sbxt_admin(&T.sbx, "GET", "/_sandbox/phones", NULL, &o), 200);
	n = (int)sbxt_num(cJSON_GetObjectItemCaseSensitive(o, "stats"), "invites");
	cJSON_Delete(o);
	assert_true(n >= 0);
	return n;
}

/* Answered calls the simulated phones kept for number (each skipped number here ends in 01,
 * a person who answers: had it been dialled, its call would be listed). */
static int phone_calls(const char *number)
{
	char path[200];
	cJSON *o = NULL;
	int n;

	snprintf(path, sizeof(path), "/_sandbox/phones/calls?number=%s", number);
	assert_int_equal(sbxt_admin(&T.sbx, "GET", path, NULL, &o), 200);
	n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "calls"));
	cJSON_Delete(o);
	return n;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* The JSON event of the output with this event name and number (NULL when none); the caller
 * frees it. */
static cJSON *event_for(const char *ev, const char *number)
{
	const char *p = out;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		cJSON *o = p[0] == '{' ? cJSON_ParseWithLength(p, len) : NULL;

		if (o && !strcmp(jstr(o, "event"), ev) && !strcmp(jstr(o, "number"), number))
			return o;
		cJSON_Delete(o);
		p += len + (nl ? 1 : 0);
	}
	return NULL;
}

/* Checks the skipped event of number: its gate, when it was checked; no INVITE reached the
 * phones (a +number: its answered calls; every test also counts all INVITEs). */
static void assert_skipped(const char *number, const char *gate, const char *checked)
{
	cJSON *o = event_for("skipped", number), *d;

	if (!o)
		fail_msg("%s not skipped; output:\n%s", number, out);
	assert_string_equal(jstr(o, "gate"), gate);
	assert_string_equal(jstr(o, "checked"), checked);
	assert_true(jstr(o, "reason")[0] != '\0');
	cJSON_Delete(o);
	d = event_for("dialing", number);
	assert_null(d);
	if (number[0] == '+')
		assert_int_equal(phone_calls(number), 0);
}

/* Checks that number was dialled and ended with outcome, and that the phones had its call
 * when it was answered. */
static void assert_dialled(const char *number, const char *outcome)
{
	cJSON *o = event_for("ended", number);

	if (!o)
		fail_msg("%s not dialled; output:\n%s", number, out);
	assert_string_equal(jstr(o, "outcome"), outcome);
	cJSON_Delete(o);
	assert_null(event_for("skipped", number));
	if (number[0] == '+' && !strcmp(outcome, "connected"))
		assert_true(phone_calls(number) >= 1);
}

/* Calling hours in the number's own zone: at 17:00 UTC Los Angeles (09:00) is dialled, Tokyo
 * (02:00) is refused when the file is read, and its phone never rings. The dialled attempt is
 * saved with the zone it was judged in and its local time. */
static void test_hours_by_zone(void **state)
{
	struct st_home h;
	char file[700];
	sqlite3 *db;
	int rc, invites = phone_invites();

	home(&h, "+1 415 555 0101\n+81 3 5555 0101\n", file, sizeof(file));
	setenv("LOFTDIAL_TEST_NOW", AT_1700Z, 1);
	rc = st_loftdial(&h, false, out, sizeof(out), RUN_MS, "dial", "--numbers", file, "--lines",
	                 "1", "--talk", "1", "--json", NULL);
	if (rc != 4)
		fail_msg("exit %d; output:\n%s", rc, out);
	assert_skipped("+81355550101", "hours", "when_read");
	assert_dialled("+14155550101", "connected");
	assert_int_equal(phone_invites() - invites, 1);
	assert_non_null(strstr(out, "\"zone\":\"Asia/Tokyo\""));
	assert_non_null(strstr(out, "\"skipped\":1"));
	db = st_db(&h);
	assert_non_null(db);
	assert_int_equal(st_int(db, "SELECT count(*) FROM dial_attempts WHERE number = "
	                            "'+14155550101' AND zone = 'America/Los_Angeles' AND "
	                            "local_min = 540"),
	                 1);
	assert_int_equal(st_int(db, "SELECT count(*) FROM dial_attempts"), 1);
	sqlite3_close(db);
	st_home_free(&h);
}

/* Every number outside hours: nothing is dialled, no engine starts, no summary, exit 1; the
 * text output names each number and why. */
static void test_all_outside_hours(void **state)
{
	struct st_home h;
	char file[700];
	int rc, invites = phone_invites();

	home(&h, "+1 415 555 0201\n# New York\n+1 212 555 0201\n", file, sizeof(file));
	setenv("LOFTDIAL_TEST_NOW", AT_0700Z, 1);
	rc = st_loftdial(&h, false, out, sizeof(out), RUN_MS, "dial", "--numbers", file, NULL);
	if (rc != 1)
		fail_msg("exit %d; output:\n%s", rc, out);
	assert_non_null(strstr(out, "line 1 +14155550201: outside calling hours: 23:00"));
	assert_non_null(strstr(out, "line 3 +12125550201: outside calling hours: 02:00"));
	assert_non_null(strstr(out, "the gates refused every number"));
	assert_null(strstr(out, " dialing "));
	assert_null(strstr(out, "summary"));
	assert_int_equal(phone_calls("+14155550201"), 0);
	assert_int_equal(phone_calls("+12125550201"), 0);
	assert_int_equal(phone_invites(), invites);
	st_home_free(&h);
}

/* The home's store, opened on a connection of the test's own (the run has its own). */
static struct store *home_store(const struct st_home *h)
{
	char path[700];
	struct store *st = NULL;

	snprintf(path, sizeof(path), "%s/loftdial.db", h->dir);
	assert_int_equal(store_open(&st, path), 0);
	return st;
}

/* What the store knows about a number: a do-not-contact person (written as Salesloft has it,
 * not in E.164), a person whose restrictions forbid calls (by their mobile), a person in Tokyo
 * with a Los Angeles number, a number parked after three invalid outcomes, and a
 * do-not-contact person whose phone field carries an extension are each refused with their
 * gate; a number the store does not know is dialled in its own zone. */
static void test_store_gates(void **state)
{
	struct st_home h;
	char file[700];
	struct store *st;
	struct attempt a;
	int i, rc, invites = phone_invites();

	home(&h,
	     "+14155550301\n+14155550401\n+14155550501\n+14155550601\n+14155550701\n"
	     "+14155550801\n",
	     file, sizeof(file));
	st = home_store(&h);
	storetest_put(st, STORE_PEOPLE,
	              "{\"id\":9001,\"first_name\":\"Dee\",\"phone\":\"(415) 555-0301\","
	              "\"do_not_contact\":true,\"locale\":\"US/Pacific\"}");
	storetest_put(st, STORE_PEOPLE,
	              "{\"id\":9002,\"first_name\":\"Ray\",\"mobile_phone\":\"415.555.0401\","
	              "\"contact_restrictions\":[\"call\"],\"locale\":\"US/Pacific\"}");
	storetest_put(st, STORE_PEOPLE,
	              "{\"id\":9003,\"first_name\":\"Yu\",\"phone\":\"+1 415 555 0501\","
	              "\"locale\":\"Asia/Tokyo\"}");
	/* An extension typed into the phone field does not hide the number from the gates. */
	storetest_put(st, STORE_PEOPLE,
	              "{\"id\":9005,\"first_name\":\"Eve\",\"phone\":\"+1 415 555 0801 ext. 12\","
	              "\"do_not_contact\":true,\"locale\":\"US/Pacific\"}");
	/* Someone else whose number only shares the last seven digits: not the same number. */
	storetest_put(st, STORE_PEOPLE,
	              "{\"id\":9004,\"first_name\":\"Al\",\"phone\":\"+1 212 555 0701\","
	              "\"do_not_contact\":true}");
	for (i = 0; i < 3; i++) {
		memset(&a, 0, sizeof(a));
		snprintf(a.session_id, sizeof(a.session_id), "earlier");
		snprintf(a.number, sizeof(a.number), "+14155550601");
		a.started_at_ms = a.ended_at_ms = (int64_t)time(NULL) * 1000 - 3600000;
		snprintf(a.outcome, sizeof(a.outcome), "invalid_number");
		assert_int_equal(attempts_insert(st, &a), 0);
	}
	store_close(st);
	setenv("LOFTDIAL_TEST_NOW", AT_1700Z, 1);
	rc = st_loftdial(&h, false, out, sizeof(out), RUN_MS, "dial", "--numbers", file, "--talk",
	                 "1", "--json", NULL);
	if (rc != 4)
		fail_msg("exit %d; output:\n%s", rc, out);
	assert_skipped("+14155550301", "dnc", "when_read");
	assert_skipped("+14155550401", "restricted", "when_read");
	assert_skipped("+14155550501", "hours", "when_read");
	assert_skipped("+14155550601", "parked", "when_read");
	assert_skipped("+14155550801", "dnc", "when_read");
	assert_dialled("+14155550701", "connected");
	assert_int_equal(phone_invites() - invites, 1);
	assert_non_null(strstr(out, "\"person_id\":9001"));
	assert_non_null(strstr(out, "\"zone\":\"Asia/Tokyo\",\"person_id\":9003"));
	st_home_free(&h);
}

/* The clock moves between the queue and the INVITE: on one line, Honolulu rings out first (3 s
 * to the ring timeout) while Los Angeles, in hours when the file was read at 20:59:57, waits;
 * when the line frees up its hours have closed, and it is refused right before its INVITE. */
static void test_recheck_before_invite(void **state)
{
	struct st_home h;
	char file[700];
	int rc, invites = phone_invites();

	home(&h, "+1 808 555 0804\n+1 415 555 0801\n", file, sizeof(file));
	setenv("LOFTDIAL_TEST_NOW", LA_CLOSING, 1);
	rc = st_loftdial(&h, false, out, sizeof(out), RUN_MS, "dial", "--numbers", file, "--lines",
	                 "1", "--json", NULL);
	if (rc != 4)
		fail_msg("exit %d; output:\n%s", rc, out);
	assert_dialled("+18085550804", "no_answer");
	assert_skipped("+14155550801", "hours", "before_invite");
	assert_int_equal(phone_invites() - invites, 1);
	assert_non_null(strstr(out, "outside calling hours: 21:0"));
	st_home_free(&h);
}

/* Appends the run's output line to out (for event_for) and returns it parsed (NULL when it is
 * not JSON); the caller frees it. */
static cJSON *keep_line(const char *line)
{
	size_t len = strlen(out);

	snprintf(out + len, sizeof(out) - len, "%s\n", line);
	return line[0] == '{' ? cJSON_Parse(line) : NULL;
}

/* Whether the home's log has a line containing needle. */
static bool log_has(const struct st_home *h, const char *needle)
{
	char path[700], line[2048];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/loftdial.log", h->dir);
	f = fopen(path, "r");
	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/* The persons read with the file are reused before the INVITE only while the store is
 * unchanged: a person another process marks do-not-contact while the run waits is refused
 * right before the INVITE. On one line, Ada's call is held connected until the test has
 * marked Bo through its own connection (as loftdial sync or the TUI would), then hung up;
 * Bo's number is refused with the dnc gate and never rings. */
static void test_dnc_mid_run(void **state)
{
	struct st_home h;
	struct tl_proc p;
	struct store *st;
	char file[700], line[4096];
	int in = -1, status, invites = phone_invites();
	bool done = false, marked = false;

	home(&h, "+14155551101\n+14155551201\n", file, sizeof(file));
	st = home_store(&h);
	storetest_put(st, STORE_PEOPLE,
	              "{\"id\":9101,\"first_name\":\"Ada\",\"phone\":\"(415) 555-1101\","
	              "\"locale\":\"US/Pacific\"}");
	storetest_put(st, STORE_PEOPLE,
	              "{\"id\":9102,\"first_name\":\"Bo\",\"phone\":\"(415) 555-1201\","
	              "\"locale\":\"US/Pacific\"}");
	store_close(st);
	setenv("LOFTDIAL_TEST_NOW", AT_1700Z, 1);
	out[0] = '\0';
	assert_int_equal(st_spawn(&h, false, &p, &in, "dial", "--numbers", file, "--lines", "1",
	                          "--json", NULL),
	                 0);
	while (!done && tl_wait_line(&p, "", RUN_MS, line, sizeof(line)) == 0) {
		cJSON *o = keep_line(line);
		const char *ev = jstr(o, "event");

		if (!strcmp(ev, "connected")) {
			if (!marked) {
				st = home_store(&h);
				storetest_put(st, STORE_PEOPLE,
				              "{\"id\":9102,\"first_name\":\"Bo\",\"phone\":"
				              "\"(415) 555-1201\",\"locale\":\"US/Pacific\","
				              "\"do_not_contact\":true}");
				store_close(st);
				marked = true;
			}
			assert_true(write(in, "h\n", 2) == 2);
		}
		done = !strcmp(ev, "summary");
		cJSON_Delete(o);
	}
	close(in);
	status = st_wait_exit(&p, 30000);
	if (!done || !WIFEXITED(status) || WEXITSTATUS(status) != 4)
		fail_msg("status %d; output:\n%s", status, out);
	assert_dialled("+14155551101", "connected");
	assert_skipped("+14155551201", "dnc", "before_invite");
	assert_non_null(strstr(out, "\"person_id\":9102"));
	assert_int_equal(phone_invites() - invites, 1);
	/* Ada's persons were reused before her INVITE (nothing had changed); Bo's read again. */
	assert_true(log_has(&h, "line 1: its persons reused"));
	assert_false(log_has(&h, "line 2: its persons reused"));
	st_home_free(&h);
}

/* SIP URIs: one whose user part is a +number has that number's zone (Los Angeles in hours:
 * dialled; Tokyo: refused), one with a name has no zone and, with dial.no_zone skip (the
 * default), is refused saying how to judge it in the rep's zone. */
static void test_sip_uris(void **state)
{
	struct st_home h;
	char file[700], text[600];
	int rc, invites = phone_invites();

	snprintf(text, sizeof(text),
	         "sip:+14155550901@127.0.0.1:%d\nsip:+81355550901@127.0.0.1:%d;user=phone\n"
	         "sip:alice@127.0.0.1:%d\n",
	         T.phones_port, T.phones_port, T.phones_port);
	home(&h, text, file, sizeof(file));
	setenv("LOFTDIAL_TEST_NOW", AT_1700Z, 1);
	rc = st_loftdial(&h, false, out, sizeof(out), RUN_MS, "dial", "--numbers", file, "--talk",
	                 "1", "--json", NULL);
	if (rc != 4)
		fail_msg("exit %d; output:\n%s", rc, out);
	snprintf(text, sizeof(text), "sip:+14155550901@127.0.0.1:%d", T.phones_port);
	assert_dialled(text, "connected");
	assert_int_equal(phone_calls("+14155550901"), 1);
	assert_skipped("+81355550901", "hours", "when_read");
	snprintf(text, sizeof(text), "sip:alice@127.0.0.1:%d", T.phones_port);
	assert_skipped(text, "no_zone", "when_read");
	assert_non_null(strstr(out, "dial.no_zone rep judges it in the rep's zone"));
	assert_int_equal(phone_invites() - invites, 1);
	st_home_free(&h);
}

/* The rep's redial (r on stdin) dials the last ended number again past the once-per-run gate:
 * the busy number is dialled a second time once the connected call is hung up (h). */
static void test_redial(void **state)
{
	struct st_home h;
	struct tl_proc p;
	char file[700], line[4096];
	unsigned busy = 0, connected = 0, skipped = 0;
	int in = -1, st, invites = phone_invites();
	bool done = false;

	home(&h, "+14155551003\n+14155551001\n", file, sizeof(file));
	setenv("LOFTDIAL_TEST_NOW", AT_1700Z, 1);
	assert_int_equal(st_spawn(&h, false, &p, &in, "dial", "--numbers", file, "--lines", "1",
	                          "--json", NULL),
	                 0);
	while (tl_wait_line(&p, "", RUN_MS, line, sizeof(line)) == 0) {
		cJSON *o = line[0] == '{' ? cJSON_Parse(line) : NULL;
		const char *ev = jstr(o, "event");

		if (!strcmp(ev, "connected"))
			assert_true(write(in, "r\nh\n", 4) == 4);
		else if (!strcmp(ev, "ended"))
			busy += !strcmp(jstr(o, "number"), "+14155551003") &&
			        !strcmp(jstr(o, "outcome"), "busy");
		else if (!strcmp(ev, "skipped"))
			skipped++;
		connected += !strcmp(ev, "ended") && !strcmp(jstr(o, "outcome"), "connected");
		done = !strcmp(ev, "summary");
		cJSON_Delete(o);
		if (done)
			break;
	}
	close(in);
	st = st_wait_exit(&p, 30000);
	assert_true(done);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(connected, 1);
	assert_int_equal(busy, 2);
	assert_int_equal(skipped, 0);
	assert_int_equal(phone_invites() - invites, 3);
	st_home_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_hours_by_zone), cmocka_unit_test(test_all_outside_hours),
	        cmocka_unit_test(test_store_gates),   cmocka_unit_test(test_recheck_before_invite),
	        cmocka_unit_test(test_dnc_mid_run),   cmocka_unit_test(test_sip_uris),
	        cmocka_unit_test(test_redial),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

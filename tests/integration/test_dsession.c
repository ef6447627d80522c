/*
 * test_dsession: the headless dial session controller (dsession.h) in this process, on the
 * real loop, against a spawned loftdial-sandbox (API and simulated phones) and real baresip
 * engines: the list read and shown before dialling, a connected call waiting for the rep's
 * wrap-up with nothing dialled meanwhile, the team's required disposition (GET /v2/team)
 * refused before anything is written, a name the team lacks refused, log-and-pause and
 * resume, skipping a waiting entry, the figures, and a stop that ends every attempt; preview
 * mode; one person by id; the list read again after a logged cadence action (the next step's
 * action becomes an entry); the gates again right before the INVITE (calling hours ending
 * between the list and the dial); line control from the store's 30-day share.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <re.h>

#include "loftdial/attempts.h"
#include "loftdial/config.h"
#include "loftdial/dsession.h"
#include "loftdial/loop.h"
#include "loftdial/outbox.h"
#include "loftdial/outsend.h"
#include "loftdial/syncsess.h"
#include "phonetest.h"
#include "sbxtest.h"
#include "synctest.h"

#define WAIT_MS 60000

static struct sbxt sbx;
static int sip_base, ctrl_base, phones_port;
static char dir[512], db[600];
static struct config *cfg;
static struct syncsess ss;
static time_t test_now;

/* What the session told. */
static struct {
	unsigned ready, failed, wrapups, records, stopped, done, skipped, dialing, warnings;
	unsigned connected_records;
	char failed_why[300];
} seen;

static struct outsend *sender; /* kicked with every record, as a face does */

static void on_note(const struct dsession_note *n, void *arg)
{
	(void)arg;
	switch (n->ev) {
	case DSESSION_EV_READY:
		seen.ready++;
		break;
	case DSESSION_EV_FAILED:
		seen.failed++;
		snprintf(seen.failed_why, sizeof(seen.failed_why), "%s", n->text);
		break;
	case DSESSION_EV_WRAPUP:
		seen.wrapups++;
		break;
	case DSESSION_EV_RECORD:
		seen.records++;
		seen.connected_records += n->rec && n->rec->kind == CALLREC_CONNECTED;
		if (sender && n->rec && n->rec->outbox_id)
			outsend_kick(sender);
		break;
	case DSESSION_EV_STOPPED:
		seen.stopped++;
		break;
	case DSESSION_EV_DONE:
		seen.done++;
		break;
	case DSESSION_EV_SKIPPED:
		seen.skipped++;
		break;
	case DSESSION_EV_WARNING:
		seen.warnings++;
		fprintf(stderr, "warning: %s\n", n->text);
		break;
	case DSESSION_EV_CHANGED:
		if (n->pool && n->pool->ev == POOL_EV_DIALING)
			seen.dialing++;
		break;
	}
}

static int setup(void **state)
{
	char port[40], v[200], msg[256], err[256];
	const char *extra[] = {"--people", "300", "--rate-limit", "0", "--sip", port, NULL};
	time_t t = time(NULL);

	(void)state;
	/* Lines 1-3 use sip_base+10..30; the simulated phones take the fourth slot. */
	if (pt_port_block(4, &sip_base, &ctrl_base))
		return -1;
	phones_port = sip_base + 40;
	snprintf(port, sizeof(port), "127.0.0.1:%d", phones_port);
	if (sbxt_start(&sbx, extra))
		return -1;
	if (tl_tmpdir(dir, sizeof(dir), "dsession") || config_new(&cfg) || pt_loop_init())
		goto fail;
	snprintf(db, sizeof(db), "%s/loftdial.db", dir);
	if (config_set(cfg, "salesloft.api_url", sbx.base, err, sizeof(err)) ||
	    config_set(cfg, "salesloft.accounts_url", sbx.base, err, sizeof(err)) ||
	    config_set(cfg, "salesloft.api_key", SBXT_API_KEY, err, sizeof(err)))
		goto fail;
	snprintf(v, sizeof(v), "%d", sip_base);
	if (config_set(cfg, "engine.sip_port", v, err, sizeof(err)))
		goto fail;
	snprintf(v, sizeof(v), "%d", ctrl_base);
	if (config_set(cfg, "engine.ctrl_port", v, err, sizeof(err)))
		goto fail;
	snprintf(v, sizeof(v), "sip:{e164}@127.0.0.1:%d", phones_port);
	if (config_set(cfg, "sip.dialplan", v, err, sizeof(err)) ||
	    config_set(cfg, "engine.local_ip", "127.0.0.1", err, sizeof(err)) ||
	    config_set(cfg, "audio.source", "aubridge,nosrc", err, sizeof(err)) ||
	    config_set(cfg, "audio.player", "aubridge,noplay", err, sizeof(err)) ||
	    config_set(cfg, "dial.amd", "off", err, sizeof(err)) ||
	    config_set(cfg, "dial.stagger_ms", "100", err, sizeof(err)) ||
	    config_set(cfg, "dial.no_zone", "rep", err, sizeof(err)) ||
	    config_set(cfg, "dial.lines", "3", err, sizeof(err)) ||
	    syncsess_open(&ss, db, cfg, true, msg, sizeof(msg))) {
		fprintf(stderr, "setup: %s %s\n", err, msg);
		goto fail;
	}
	/* The list's and the gates' clock: today at 17:00 UTC, inside calling hours from
	 * London to the US west coast, whenever the test runs. */
	t -= t % 86400;
	test_now = t + 17 * 3600;
	setenv("LOFTDIAL_TEST_RING_TIMEOUT_MS", "2000", 1);
	return 0;
fail:
	return st_setup_failed(&sbx);
}

static int teardown(void **state)
{
	(void)state;
	unsetenv("LOFTDIAL_TEST_RING_TIMEOUT_MS");
	syncsess_close(&ss);
	pt_loop_close();
	config_free(cfg);
	tl_rmrf(dir);
	return sbxt_stop(&sbx) == 0 ? 0 : -1;
}

/* ---- waiting ---- */

static struct dsession *cur;

static bool is_ready(void *arg)
{
	(void)arg;
	return seen.ready || seen.failed;
}

static unsigned want_wrapups;
static bool wrapup_due(void *arg)
{
	(void)arg;
	return seen.wrapups >= want_wrapups || seen.failed || seen.done;
}

static bool wrapups_reached(void *arg)
{
	(void)arg;
	return seen.wrapups >= want_wrapups || seen.failed;
}

static bool is_stopped(void *arg)
{
	(void)arg;
	return seen.stopped > 0;
}

static bool pool_quiet(void *arg)
{
	struct dsession_snapshot s;

	(void)arg;
	dsession_snapshot(cur, &s);
	return s.pool.busy == 0;
}

static void opts(struct dsession_opts *o, int64_t cadence, unsigned lines)
{
	memset(o, 0, sizeof(*o));
	o->target.cadence_id = cadence;
	o->lines = lines;
	o->ask = true;
	o->talk_s = 1;
	o->data_dir = dir;
	o->now = test_now;
}

static void mix_all_human(void)
{
	assert_int_equal(sbxt_admin(&sbx, "PUT", "/_sandbox/phones/mix",
	                            "{\"seed\":4,\"order\":\"call\",\"kinds\":{\"human\":{"
	                            "\"share\":1,\"ring_ms\":300,\"greeting_ms\":[300,800]}}}",
	                            NULL),
	                 200);
}

/* ---- tests ---- */

static void test_bad_args(void **state)
{
	struct dsession_opts o;
	struct dsession *d = NULL;
	struct dsession_snapshot s;
	char why[256];

	(void)state;
	opts(&o, 0, 1);
	assert_int_equal(dsession_new(&d, ss.api, ss.st, cfg, &o, on_note, NULL, why, sizeof(why)),
	                 EINVAL);
	assert_true(why[0] != '\0');
	o.target.cadence_id = 1200;
	o.target.person_id = 5;
	assert_int_equal(dsession_new(&d, ss.api, ss.st, cfg, &o, on_note, NULL, why, sizeof(why)),
	                 EINVAL);
	assert_null(d);
	dsession_snapshot(NULL, &s);
	assert_int_equal(s.phase, DSESSION_LOADING);
	assert_int_equal(dsession_changes(NULL), 0);
	assert_int_equal(dsession_entries(NULL, 0, NULL, 0), 0);
	assert_int_equal(dsession_start(NULL), EINVAL);
	dsession_free(NULL);
	assert_string_equal(dsession_phase_name(DSESSION_WRAPUP), "wrap-up");
	assert_string_equal(dsession_phase_name((enum dsession_phase)99), "?");
	assert_string_equal(dsession_entry_state_name(DSESSION_ENTRY_SKIPPED), "skipped");
}

/* A cadence on 2 lines, everyone answers: each connected call waits for the rep; the team's
 * required disposition and an unknown name are refused with nothing written; log-and-pause
 * holds the dialling, resume goes on; a skipped entry is never dialled; stop ends it all. */
static void test_wrapup_flow(void **state)
{
	struct dsession_opts o;
	struct dsession_snapshot s;
	struct dsession_entry *ents;
	struct outbox_counts oc0, oc1;
	char why[256];
	size_t n, i, skip_i = (size_t)-1;
	unsigned attempts_at_wrapup, dialing_at_pause;
	int64_t live = 0, dropped = 0;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	mix_all_human();
	assert_int_equal(
	        sbxt_admin(&sbx, "POST", "/_sandbox/team",
	                   "{\"dispositions_required\":true,\"sentiments_required\":false}", NULL),
	        200);
	opts(&o, 1201, 2);
	assert_int_equal(
	        dsession_new(&cur, ss.api, ss.st, cfg, &o, on_note, NULL, why, sizeof(why)), 0);
	dsession_snapshot(cur, &s);
	assert_int_equal(s.phase, DSESSION_LOADING);
	assert_int_equal(dsession_start(cur), EAGAIN);
	assert_true(pt_run_until(is_ready, NULL, WAIT_MS));
	if (seen.failed)
		fprintf(stderr, "failed: %s\n", seen.failed_why);
	assert_int_equal(seen.failed, 0);
	dsession_snapshot(cur, &s);
	assert_int_equal(s.phase, DSESSION_READY);
	assert_true(s.nentries >= 3);
	assert_string_equal(s.target.label, "cadence 1201");
	assert_int_equal(s.lines_rep, 2);
	assert_int_equal(s.lines_max, 3);
	assert_true(s.has_next);
	assert_true(s.user_guid[0] != '\0');
	ents = calloc(s.nentries, sizeof(*ents));
	assert_non_null(ents);
	n = dsession_entries(cur, 0, ents, s.nentries);
	assert_int_equal(n, s.nentries);
	/* The last waiting entry is skipped by the rep before dialling starts. */
	for (i = 0; i < n; i++)
		if (ents[i].state == DSESSION_ENTRY_WAITING)
			skip_i = i;
	assert_true(skip_i != (size_t)-1 && skip_i != s.next_entry);
	assert_int_equal(dsession_skip(cur, skip_i), 0);
	assert_int_equal(dsession_skip(cur, skip_i), EALREADY);
	assert_int_equal(dsession_skip(cur, n + 5), ERANGE);
	assert_int_equal(dsession_wrapup(cur, "x", "", "", DSESSION_NEXT, why, sizeof(why)),
	                 EALREADY);
	outbox_counts(ss.st, &oc0);

	/* The first connected call ends (talk 1 s) and waits for the rep. */
	assert_int_equal(dsession_start(cur), 0);
	assert_int_equal(dsession_start(cur), EALREADY);
	want_wrapups = 1;
	assert_true(pt_run_until(wrapup_due, NULL, WAIT_MS));
	assert_int_equal(seen.wrapups, 1);
	dsession_snapshot(cur, &s);
	assert_int_equal(s.phase, DSESSION_WRAPUP);
	assert_true(s.wrapup.waiting);
	assert_true(s.wrapup.a.connected);
	assert_null(s.wrapup.a.user);
	assert_true(s.team_known);
	assert_true(s.dispositions_required);
	assert_false(s.sentiments_required);
	/* Nothing is dialled under a rep who is still typing. */
	assert_true(pt_run_until(pool_quiet, NULL, WAIT_MS));
	dsession_snapshot(cur, &s);
	attempts_at_wrapup = s.pool.attempts;
	pt_run_for(1500);
	dsession_snapshot(cur, &s);
	assert_int_equal(s.pool.attempts, attempts_at_wrapup);
	assert_int_equal(s.phase, DSESSION_WRAPUP);

	/* No line is connected during the wrap-up: there is nothing to leave a voicemail on. */
	assert_int_equal(dsession_voicemail_drop(cur), ENOENT);

	/* Required and unknown names are refused; nothing is written. */
	assert_int_equal(dsession_wrapup(cur, "", "Positive", "n", DSESSION_NEXT, why, sizeof(why)),
	                 EINVAL);
	assert_non_null(strstr(why, "requires a disposition"));
	assert_int_equal(dsession_wrapup(cur, "Nope", "", "n", DSESSION_NEXT, why, sizeof(why)),
	                 ENOENT);
	assert_non_null(strstr(why, "Nope"));
	outbox_counts(ss.st, &oc1);
	assert_int_equal(oc1.queued + oc1.sending + oc1.sent + oc1.failed,
	                 oc0.queued + oc0.sending + oc0.sent + oc0.failed);

	/* Log and pause: the record is written, nothing new is dialled. */
	assert_int_equal(dsession_wrapup(cur, "meeting booked", "Positive", "спасибо, talk Tuesday",
	                                 DSESSION_PAUSE, why, sizeof(why)),
	                 0);
	assert_int_equal(seen.connected_records, 1);
	dsession_snapshot(cur, &s);
	assert_int_equal(s.phase, DSESSION_PAUSED);
	assert_false(s.wrapup.waiting);
	assert_true(s.pool.paused);
	dialing_at_pause = seen.dialing;
	pt_run_for(1000);
	assert_int_equal(seen.dialing, dialing_at_pause);

	/* Resume: the next call connects and waits; log and dial on. */
	assert_int_equal(dsession_pause(cur, false), 0);
	want_wrapups = 2;
	assert_true(pt_run_until(wrapup_due, NULL, WAIT_MS));
	assert_int_equal(seen.wrapups, 2);
	assert_true(seen.dialing > dialing_at_pause);
	assert_int_equal(
	        dsession_wrapup(cur, "Meeting Booked", "", "", DSESSION_NEXT, why, sizeof(why)), 0);
	assert_int_equal(seen.connected_records, 2);

	/* The figures. */
	dsession_snapshot(cur, &s);
	assert_true(s.stats.dials >= 2);
	assert_true(s.stats.connects >= 2);
	assert_true(s.stats.connect_rate > 0 && s.stats.connect_rate <= 1.0);
	assert_true(s.stats.dials_per_hour > 0);
	assert_true(s.stats.talk_ms >= 1000);
	assert_true(s.stats.elapsed_ms > 0);
	assert_true(s.stats.abandon_ceiling > 0.029 && s.stats.abandon_ceiling < 0.031);
	assert_true(s.stats.records >= 2);
	printf("FIGURE dsession: %u dials, %u connects, %.0f dials/h, talk %lld ms, "
	       "live %u dropped %u, share %.3f, lines %u/%u\n",
	       s.stats.dials, s.stats.connects, s.stats.dials_per_hour, (long long)s.stats.talk_ms,
	       s.stats.live, s.stats.dropped, s.stats.abandon_share, s.lines_active, s.lines_rep);

	/* Stop: every attempt ends, the engines stop. */
	dsession_stop(cur);
	assert_true(pt_run_until(is_stopped, NULL, WAIT_MS));
	dsession_snapshot(cur, &s);
	assert_int_equal(s.phase, DSESSION_STOPPED);
	assert_int_equal(s.pool.busy, 0);
	n = dsession_entries(cur, 0, ents, s.nentries);
	assert_int_equal(ents[skip_i].state, DSESSION_ENTRY_SKIPPED);
	assert_string_equal(ents[skip_i].reason, "skipped by rep");
	assert_int_equal(ents[skip_i].attempts, 0);
	for (i = 0; i < n; i++)
		assert_int_not_equal(ents[i].state, DSESSION_ENTRY_DIALING);
	/* The attempts are in the store with the rep and the campaign. */
	assert_int_equal(attempts_abandon_counts(ss.st, 0, 0, "cadence:1201", &live, &dropped), 0);
	assert_true(live >= 2);
	/* The sandbox is the one child left: every engine is gone. */
	assert_int_equal(pt_children(), 1);
	free(ents);
	dsession_free(cur);
	cur = NULL;
	assert_int_equal(
	        sbxt_admin(&sbx, "POST", "/_sandbox/team",
	                   "{\"dispositions_required\":false,\"sentiments_required\":false}", NULL),
	        200);
}

/* Preview on the call tasks: nothing is dialled until the rep asks; one call at a time; a
 * skipped entry is passed over; the next entry is what the snapshot shows. */
static void test_preview(void **state)
{
	struct dsession_opts o;
	struct dsession_snapshot s;
	struct dsession_entry e;
	char why[256];
	size_t first, skipped;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	mix_all_human();
	opts(&o, 0, 2);
	o.target.tasks = true;
	o.mode = DSESSION_PREVIEW;
	o.autostart = true;
	assert_int_equal(
	        dsession_new(&cur, ss.api, ss.st, cfg, &o, on_note, NULL, why, sizeof(why)), 0);
	assert_true(pt_run_until(is_ready, NULL, WAIT_MS));
	assert_int_equal(seen.failed, 0);
	dsession_snapshot(cur, &s);
	assert_int_equal(s.phase, DSESSION_DIALING);
	assert_int_equal(s.mode, DSESSION_PREVIEW);
	assert_string_equal(s.target.label, "call tasks");
	assert_true(s.has_next);
	first = s.next_entry;
	/* Nothing is dialled on its own in preview. */
	pt_run_for(1000);
	assert_int_equal(seen.dialing, 0);
	assert_int_equal(dsession_dial_next(cur), 0);
	assert_int_equal(dsession_dial_next(cur), EBUSY);
	want_wrapups = 1;
	assert_true(pt_run_until(wrapup_due, NULL, WAIT_MS));
	assert_int_equal(seen.wrapups, 1);
	assert_int_equal(seen.dialing, 1);
	dsession_snapshot(cur, &s);
	assert_int_equal(s.wrapup.entry, first);
	assert_int_equal(dsession_dial_next(cur), EBUSY);
	assert_int_equal(
	        dsession_wrapup(cur, "Meeting Booked", "", "", DSESSION_NEXT, why, sizeof(why)), 0);
	assert_true(pt_run_until(pool_quiet, NULL, WAIT_MS));
	/* The rep skips what the preview shows; the one after is next. */
	dsession_snapshot(cur, &s);
	assert_true(s.has_next);
	skipped = s.next_entry;
	assert_true(skipped != first);
	assert_int_equal(dsession_skip(cur, skipped), 0);
	dsession_snapshot(cur, &s);
	assert_true(!s.has_next || s.next_entry != skipped);
	assert_int_equal(dsession_entries(cur, skipped, &e, 1), 1);
	assert_int_equal(e.state, DSESSION_ENTRY_SKIPPED);
	assert_int_equal(dsession_entries(cur, first, &e, 1), 1);
	assert_int_equal(e.state, DSESSION_ENTRY_DONE);
	assert_int_equal(e.kind, CALLREC_CONNECTED);
	assert_string_equal(e.disposition, "Meeting Booked");
	assert_true(e.outbox_id > 0);
	assert_int_equal(e.attempts, 1);
	/* Back to parallel: dialling goes on by itself. */
	assert_int_equal(dsession_set_mode(cur, DSESSION_PARALLEL), 0);
	assert_int_equal(dsession_dial_next(cur), EINVAL);
	want_wrapups = 2;
	assert_true(pt_run_until(wrapup_due, NULL, WAIT_MS));
	assert_int_equal(seen.wrapups, 2);
	dsession_stop(cur);
	assert_true(pt_run_until(is_stopped, NULL, WAIT_MS));
	/* Stopped with a call waiting: it was logged on the way out. */
	assert_int_equal(seen.connected_records, 2);
	dsession_free(cur);
	cur = NULL;
}

/* Line control: the campaign's 30-day share is over the ceiling, so the session starts on one
 * line whatever the rep asks, and says so. */
static void test_line_control(void **state)
{
	struct dsession_opts o;
	struct dsession_snapshot s;
	struct attempt a;
	char why[256];
	int64_t now_ms = (int64_t)time(NULL) * 1000;
	unsigned i;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	for (i = 0; i < 20; i++) {
		memset(&a, 0, sizeof(a));
		snprintf(a.session_id, sizeof(a.session_id), "earlier");
		snprintf(a.number, sizeof(a.number), "+1415555%04u", i);
		snprintf(a.campaign, sizeof(a.campaign), "cadence:1200");
		a.line = 1;
		a.started_at_ms = now_ms - 86400000LL;
		a.answered_at_ms = a.started_at_ms + 5000;
		a.ended_at_ms = a.started_at_ms + 9000;
		a.live_answer_dropped = i < 4;
		snprintf(a.outcome, sizeof(a.outcome), "%s", i < 4 ? "cancelled" : "connected");
		assert_int_equal(attempts_insert(ss.st, &a), 0);
	}
	opts(&o, 1200, 3);
	assert_int_equal(
	        dsession_new(&cur, ss.api, ss.st, cfg, &o, on_note, NULL, why, sizeof(why)), 0);
	assert_true(pt_run_until(is_ready, NULL, WAIT_MS));
	assert_int_equal(seen.failed, 0);
	dsession_snapshot(cur, &s);
	printf("FIGURE line control: share %.3f, ceiling %.3f, lines %u of the rep's %u\n",
	       s.stats.abandon_share, s.stats.abandon_ceiling, s.lines_active, s.lines_rep);
	assert_true(s.stats.abandon_share > 0.19 && s.stats.abandon_share < 0.21);
	assert_int_equal(s.lines_rep, 3);
	assert_int_equal(s.lines_active, 1);
	assert_true(s.lines_lowered);
	assert_int_equal(s.pool.active_lines, 1);
	assert_int_equal(dsession_set_lines(cur, 2), 0);
	assert_int_equal(dsession_set_lines(cur, 4), ERANGE);
	assert_int_equal(dsession_set_lines(cur, 0), ERANGE);
	dsession_snapshot(cur, &s);
	assert_int_equal(s.lines_rep, 2);
	assert_int_equal(s.lines_active, 1);
	dsession_stop(cur);
	assert_true(pt_run_until(is_stopped, NULL, WAIT_MS));
	dsession_snapshot(cur, &s);
	assert_int_equal(s.phase, DSESSION_STOPPED);
	assert_int_equal(s.stats.dials, 0);
	dsession_free(cur);
	cur = NULL;
}

static unsigned want_done = 1;
static bool is_done(void *arg)
{
	(void)arg;
	return seen.done >= want_done || seen.failed > 0;
}

/* A person of the sandbox who may be called at the test's clock, or 0. */
static int64_t callable_person(void)
{
	cJSON *o = NULL, *p;
	int64_t id = 0;

	assert_int_equal(sbxt_api(&sbx, SBXT_API_KEY, "GET", "/v2/people?per_page=100", NULL, &o),
	                 200);
	cJSON_ArrayForEach(p, sbxt_data(o))
	{
		const char *loc = sbxt_str(p, "locale");
		const cJSON *dnc = cJSON_GetObjectItem(p, "do_not_contact");
		const cJSON *r = cJSON_GetObjectItem(p, "contact_restrictions");

		if (!sbxt_str(p, "phone")[0] || cJSON_IsTrue(dnc) ||
		    (cJSON_IsArray(r) && cJSON_GetArraySize(r) > 0))
			continue;
		/* 17:00 UTC is inside the hours from London to Chicago. */
		if (strcmp(loc, "US/Eastern") && strcmp(loc, "US/Central") &&
		    strcmp(loc, "America/New_York") && strcmp(loc, "America/Chicago") &&
		    strcmp(loc, "Europe/London"))
			continue;
		id = (int64_t)sbxt_num(p, "id");
		break;
	}
	cJSON_Delete(o);
	return id;
}

/* One person by id: a one-entry list with neither action nor task, logged under the session's
 * own key. */
static void test_person(void **state)
{
	struct dsession_opts o;
	struct dsession_snapshot s;
	struct dsession_entry e;
	struct outbox_item it;
	char why[256];
	int64_t person = callable_person();

	(void)state;
	assert_true(person > 0);
	memset(&seen, 0, sizeof(seen));
	mix_all_human();
	opts(&o, 0, 1);
	o.target.person_id = person;
	o.autostart = true;
	assert_int_equal(
	        dsession_new(&cur, ss.api, ss.st, cfg, &o, on_note, NULL, why, sizeof(why)), 0);
	assert_true(pt_run_until(is_ready, NULL, WAIT_MS));
	if (seen.failed)
		fprintf(stderr, "failed: %s\n", seen.failed_why);
	assert_int_equal(seen.failed, 0);
	dsession_snapshot(cur, &s);
	assert_int_equal(s.nentries, 1);
	assert_int_equal(dsession_entries(cur, 0, &e, 1), 1);
	assert_int_equal(e.e.person_id, person);
	assert_int_equal(e.e.action_id, 0);
	assert_int_equal(e.e.task_id, 0);
	assert_true(e.e.number[0] != '\0');
	if (e.state != DSESSION_ENTRY_WAITING && e.state != DSESSION_ENTRY_DIALING)
		fprintf(stderr, "person %lld: %s: %s\n", (long long)person,
		        dsession_entry_state_name(e.state), e.reason);
	assert_true(e.state == DSESSION_ENTRY_WAITING || e.state == DSESSION_ENTRY_DIALING);
	want_wrapups = 1;
	assert_true(pt_run_until(wrapup_due, NULL, WAIT_MS));
	assert_int_equal(seen.wrapups, 1);
	assert_int_equal(dsession_wrapup(cur, "Meeting Booked", "Positive", "one person",
	                                 DSESSION_NEXT, why, sizeof(why)),
	                 0);
	assert_true(pt_run_until(is_done, NULL, WAIT_MS));
	assert_int_equal(seen.done, 1);
	dsession_snapshot(cur, &s);
	assert_int_equal(s.phase, DSESSION_DONE);
	assert_int_equal(dsession_entries(cur, 0, &e, 1), 1);
	assert_int_equal(e.state, DSESSION_ENTRY_DONE);
	assert_true(e.outbox_id > 0);
	memset(&it, 0, sizeof(it));
	assert_int_equal(outbox_get(ss.st, e.outbox_id, &it), 0);
	assert_int_equal(strncmp(it.dedupe_key, "call:dial-", 10), 0);
	assert_null(strstr(it.body, "action_id"));
	assert_null(strstr(it.body, "task_id"));
	outbox_item_clear(&it);
	/* Redial: the rep dials the same number again (the once-a-session gate lets it through),
	 * and the second call is a record of its own. */
	assert_int_equal(dsession_redial(cur), 0);
	want_wrapups = 2;
	assert_true(pt_run_until(wrapups_reached, NULL, WAIT_MS));
	assert_int_equal(seen.wrapups, 2);
	assert_int_equal(dsession_wrapup(cur, "Meeting Booked", "Positive", "again", DSESSION_NEXT,
	                                 why, sizeof(why)),
	                 0);
	want_done = 2;
	assert_true(pt_run_until(is_done, NULL, WAIT_MS));
	want_done = 1;
	assert_int_equal(seen.done, 2);
	assert_int_equal(dsession_entries(cur, 0, &e, 1), 1);
	assert_int_equal(e.attempts, 2);
	assert_int_equal(e.state, DSESSION_ENTRY_DONE);
	assert_int_equal(seen.connected_records, 2);
	dsession_stop(cur);
	assert_true(pt_run_until(is_stopped, NULL, WAIT_MS));
	dsession_free(cur);
	cur = NULL;
}

static size_t want_entries;
static bool entries_grew(void *arg)
{
	struct dsession_snapshot s;

	(void)arg;
	dsession_snapshot(cur, &s);
	return s.nentries >= want_entries || seen.failed;
}

/* After a cadence action is logged (and its record sent), the person is read again: the next
 * step's action, due by the session's clock, becomes a new entry. The clock is three days on,
 * so the next phone step (two days later in the sandbox's cadence 1201) is due. */
static void test_refresh(void **state)
{
	struct dsession_opts o;
	struct dsession_snapshot s;
	struct dsession_entry *ents;
	struct outsend *os = NULL;
	char why[256], err[256];
	size_t i, n0, first = (size_t)-1;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	mix_all_human();
	/* The new entry is the same person's number: let the session dial it again. */
	assert_int_equal(config_set(cfg, "dial.redial", "true", err, sizeof(err)), 0);
	assert_int_equal(outsend_new(&os, NULL, ss.api, ss.st, NULL, NULL), 0);
	assert_int_equal(outsend_start(os, false), 0);
	sender = os;
	opts(&o, 1201, 1);
	o.now = test_now + 3 * 86400;
	o.ask = false;
	o.disposition = "Meeting Booked";
	o.mode = DSESSION_PREVIEW;
	o.autostart = true;
	assert_int_equal(
	        dsession_new(&cur, ss.api, ss.st, cfg, &o, on_note, NULL, why, sizeof(why)), 0);
	assert_true(pt_run_until(is_ready, NULL, WAIT_MS));
	assert_int_equal(seen.failed, 0);
	dsession_snapshot(cur, &s);
	n0 = s.nentries;
	ents = calloc(n0, sizeof(*ents));
	assert_non_null(ents);
	assert_int_equal(dsession_entries(cur, 0, ents, n0), n0);
	/* Dial a waiting entry on the cadence's first phone step (its next phone step follows);
	 * the ones before it are skipped. */
	for (i = 0; i < n0 && first == (size_t)-1; i++)
		if (ents[i].state == DSESSION_ENTRY_WAITING && ents[i].e.step_id == 20009)
			first = i;
	assert_true(first != (size_t)-1);
	for (i = 0; i < first; i++)
		if (ents[i].state == DSESSION_ENTRY_WAITING)
			assert_int_equal(dsession_skip(cur, i), 0);
	dsession_snapshot(cur, &s);
	assert_int_equal(s.next_entry, first);
	assert_int_equal(dsession_dial_next(cur), 0);
	want_entries = n0 + 1;
	assert_true(pt_run_until(entries_grew, NULL, WAIT_MS));
	dsession_snapshot(cur, &s);
	assert_int_equal(s.nentries, n0 + 1);
	free(ents);
	ents = calloc(s.nentries, sizeof(*ents));
	assert_non_null(ents);
	assert_int_equal(dsession_entries(cur, 0, ents, s.nentries), s.nentries);
	assert_int_equal(ents[first].state, DSESSION_ENTRY_DONE);
	assert_int_equal(ents[first].kind, CALLREC_CONNECTED);
	assert_int_equal(ents[n0].e.person_id, ents[first].e.person_id);
	assert_int_equal(ents[n0].e.step_id, 20010);
	assert_true(ents[n0].e.action_id > 0 && ents[n0].e.action_id != ents[first].e.action_id);
	assert_int_equal(ents[n0].state, DSESSION_ENTRY_WAITING);
	printf("FIGURE refresh: action %lld logged, next action %lld is entry %zu\n",
	       (long long)ents[first].e.action_id, (long long)ents[n0].e.action_id, n0 + 1);
	dsession_stop(cur);
	assert_true(pt_run_until(is_stopped, NULL, WAIT_MS));
	dsession_free(cur);
	cur = NULL;
	free(ents);
	sender = NULL;
	outsend_free(os);
	assert_int_equal(config_set(cfg, "dial.redial", "false", err, sizeof(err)), 0);
}

static bool was_skipped(void *arg)
{
	(void)arg;
	return seen.skipped > 0 || seen.dialing > 0;
}

/* The gates run again right before the INVITE: a prospect whose calling hours end between the
 * list and the dial is skipped with the reason, and nothing is dialled. The session's clock
 * starts 6 s before 21:00 in the prospect's zone and runs on. */
static void test_gate_before_invite(void **state)
{
	struct dsession_opts o;
	struct dsession_entry e;
	char why[256];
	int64_t person = callable_person();
	unsigned long long t0;
	int local_min;

	(void)state;
	assert_true(person > 0);
	/* The prospect's local time at the test's clock, from the gates' own verdict. */
	memset(&seen, 0, sizeof(seen));
	opts(&o, 0, 1);
	o.target.person_id = person;
	assert_int_equal(
	        dsession_new(&cur, ss.api, ss.st, cfg, &o, on_note, NULL, why, sizeof(why)), 0);
	assert_true(pt_run_until(is_ready, NULL, WAIT_MS));
	assert_int_equal(seen.failed, 0);
	assert_int_equal(dsession_entries(cur, 0, &e, 1), 1);
	assert_int_equal(e.state, DSESSION_ENTRY_WAITING);
	local_min = e.e.gate.local_min;
	assert_true(local_min >= 8 * 60 && local_min < 21 * 60);
	dsession_stop(cur);
	assert_true(pt_run_until(is_stopped, NULL, WAIT_MS));
	dsession_free(cur);

	memset(&seen, 0, sizeof(seen));
	o.now = test_now + (time_t)(21 * 60 - local_min) * 60 - 6;
	o.mode = DSESSION_PREVIEW;
	o.autostart = true;
	t0 = tl_now_ms();
	assert_int_equal(
	        dsession_new(&cur, ss.api, ss.st, cfg, &o, on_note, NULL, why, sizeof(why)), 0);
	assert_true(pt_run_until(is_ready, NULL, WAIT_MS));
	assert_int_equal(dsession_entries(cur, 0, &e, 1), 1);
	if (tl_now_ms() - t0 >= 6000) {
		/* A machine this slow read the list after 21:00: the list's own gate said so. */
		printf("FIGURE gate: the list took %llu ms; skipped when read\n", tl_now_ms() - t0);
		assert_int_equal(e.state, DSESSION_ENTRY_SKIPPED);
	} else {
		/* In hours when read; the rep dials once the hour has passed. */
		assert_int_equal(e.state, DSESSION_ENTRY_WAITING);
		pt_run_for((unsigned)(7000 - (tl_now_ms() - t0)));
		assert_int_equal(dsession_dial_next(cur), 0);
		assert_true(pt_run_until(was_skipped, NULL, WAIT_MS));
		assert_int_equal(seen.skipped, 1);
		assert_int_equal(seen.dialing, 0);
		assert_int_equal(dsession_entries(cur, 0, &e, 1), 1);
		assert_int_equal(e.state, DSESSION_ENTRY_SKIPPED);
		assert_int_equal(e.attempts, 0);
	}
	assert_non_null(strstr(e.reason, "outside calling hours"));
	assert_int_equal(e.e.skip, DIALLIST_GATE);
	dsession_stop(cur);
	assert_true(pt_run_until(is_stopped, NULL, WAIT_MS));
	dsession_free(cur);
	cur = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_bad_args),     cmocka_unit_test(test_wrapup_flow),
	        cmocka_unit_test(test_preview),      cmocka_unit_test(test_person),
	        cmocka_unit_test(test_refresh),      cmocka_unit_test(test_gate_before_invite),
	        cmocka_unit_test(test_line_control),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * bench_campaign_live (bench_campaign part b): a real campaign on 9 lines. The headless dial
 * session (dsession.h) dials the rep's call tasks read live from a spawned loftdial-sandbox,
 * through real baresip engines, against the sandbox's simulated phones dealt a set pickup
 * mix (PUT /_sandbox/phones/mix, by call: people at the pickup share, 4% busy, 4% invalid
 * numbers, the rest ringing out). Each campaign stops after N dials (at least 300); every
 * ended call is logged to the sandbox as in a real session. For each pickup share it runs the
 * same list twice on a fresh sandbox and store: line control off (dial.abandon_limit 0) and
 * on (3%), and prints dials per hour, connects, live answers, dropped live answers, the
 * abandonment share and the mean line count.
 *
 * The clock is shortened where a test may shorten it: the ring timeout is
 * LOFTDIAL_TEST_RING_TIMEOUT_MS (3 s by default here; normal config refuses anything under
 * 15 s), people answer 0.5-2.5 s after the INVITE and the rep talks 1 s (--talk), so dials per
 * hour are far above what a real campaign makes; the ratio between off and on is the figure to
 * compare with part (a).
 *
 * Usage: bench_campaign_live [--dials N] [--pickup PERCENT]... [--people N] [--ring-ms MS]
 *                            [--amd off|humans_only]
 * (run from the build folder, or set LOFTDIAL_SANDBOX_BIN; baresip must be installed)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <re.h>

#include "loftdial/config.h"
#include "loftdial/dsession.h"
#include "loftdial/loop.h"
#include "loftdial/syncsess.h"
#include "phonetest.h"
#include "sbxtest.h"

#define PICKUPS_MAX 4

struct run_cfg {
	unsigned dials, people, ring_ms, pickup;
	bool control;
	const char *amd;
};

struct run_res {
	bool ok;
	unsigned dials, connects, live, dropped, records, min_lines;
	double seconds, mean_lines, window_ms, k;
	char why[300];
};

/* The state of the running campaign, for the loop's callbacks. */
static struct {
	struct dsession *d;
	const struct run_cfg *c;
	bool stopping, stopped, failed;
	char why[300];
	struct tmr sample;
	double lines_sum;
	unsigned samples, min_lines;
} cur;

static void on_note(const struct dsession_note *n, void *arg)
{
	struct dsession_snapshot s;

	(void)arg;
	switch (n->ev) {
	case DSESSION_EV_FAILED:
		cur.failed = true;
		snprintf(cur.why, sizeof(cur.why), "%s", n->text);
		break;
	case DSESSION_EV_STOPPED:
		cur.stopped = true;
		break;
	case DSESSION_EV_DONE:
		if (!cur.stopping) {
			cur.stopping = true;
			snprintf(cur.why, sizeof(cur.why), "the list ran out");
			dsession_stop(cur.d);
		}
		break;
	case DSESSION_EV_CHANGED:
		if (cur.stopping || !n->pool || n->pool->ev != POOL_EV_ENDED)
			break;
		dsession_snapshot(cur.d, &s);
		if (s.stats.dials >= cur.c->dials) {
			cur.stopping = true;
			dsession_stop(cur.d);
		}
		break;
	default:
		break;
	}
}

/* Samples the line count in force every 250 ms while dialling. */
static void sample(void *arg)
{
	struct dsession_snapshot s;

	(void)arg;
	dsession_snapshot(cur.d, &s);
	if (s.phase == DSESSION_DIALING || s.phase == DSESSION_WRAPUP) {
		cur.lines_sum += s.lines_active;
		cur.samples++;
		if (s.lines_active < cur.min_lines)
			cur.min_lines = s.lines_active;
	}
	tmr_start(&cur.sample, 250, sample, NULL);
}

static bool finished(void *arg)
{
	(void)arg;
	return cur.stopped || cur.failed;
}

static int set(struct config *cfg, const char *k, const char *v)
{
	char err[256];

	if (config_set(cfg, k, v, err, sizeof(err))) {
		fprintf(stderr, "config %s: %s\n", k, err);
		return -1;
	}
	return 0;
}

/* One campaign on a fresh sandbox and store. */
static void run(const struct run_cfg *c, struct run_res *r)
{
	struct sbxt sbx;
	struct config *cfg = NULL;
	struct syncsess ss;
	struct dsession_opts o;
	struct dsession_snapshot s;
	char port[40], v[300], mix[600], dir[512] = "", db[600], msg[256], why[256] = "",
	                                 people[16];
	const char *extra[] = {"--people", people, "--rate-limit", "0", "--sip", port, NULL};
	int sip_base, ctrl_base, phones_port;
	time_t t = time(NULL);
	unsigned rest;

	memset(r, 0, sizeof(*r));
	memset(&ss, 0, sizeof(ss));
	memset(&cur, 0, sizeof(cur));
	cur.c = c;
	cur.min_lines = 9;
	snprintf(people, sizeof(people), "%u", c->people);
	/* Nine lines use sip_base+10..91 (a block of 9 is the most pt_port_block hands out since
	 * it reserves what it returns: asking for 10 failed every run); the simulated phones take
	 * a port reserved the same way. */
	phones_port = tl_free_port();
	if (pt_port_block(9, &sip_base, &ctrl_base) || phones_port <= 0) {
		snprintf(r->why, sizeof(r->why), "no free ports");
		return;
	}
	snprintf(port, sizeof(port), "127.0.0.1:%d", phones_port);
	if (sbxt_start(&sbx, extra)) {
		snprintf(r->why, sizeof(r->why), "the sandbox did not start");
		return;
	}
	rest = 100 - c->pickup - 8;
	snprintf(mix, sizeof(mix),
	         "{\"seed\":%u,\"order\":\"call\",\"kinds\":{"
	         "\"human\":{\"share\":%u,\"ring_ms\":[500,2500],\"greeting_ms\":[300,1200]},"
	         "\"busy\":{\"share\":4},\"invalid\":{\"share\":4},\"no-answer\":{\"share\":%u}}}",
	         c->pickup, c->pickup, rest);
	if (sbxt_admin(&sbx, "PUT", "/_sandbox/phones/mix", mix, NULL) != 200) {
		snprintf(r->why, sizeof(r->why), "the mix was refused");
		goto out;
	}
	if (tl_tmpdir(dir, sizeof(dir), "campaign") || config_new(&cfg))
		goto out;
	snprintf(db, sizeof(db), "%s/loftdial.db", dir);
	snprintf(v, sizeof(v), "sip:{e164}@127.0.0.1:%d", phones_port);
	if (set(cfg, "salesloft.api_url", sbx.base) ||
	    set(cfg, "salesloft.accounts_url", sbx.base) ||
	    set(cfg, "salesloft.api_key", SBXT_API_KEY) || set(cfg, "sip.dialplan", v) ||
	    set(cfg, "engine.local_ip", "127.0.0.1") ||
	    set(cfg, "audio.source", "aubridge,nosrc") ||
	    set(cfg, "audio.player", "aubridge,noplay") || set(cfg, "dial.amd", c->amd) ||
	    set(cfg, "dial.stagger_ms", "150") || set(cfg, "dial.no_zone", "rep") ||
	    set(cfg, "dial.lines", "9") || set(cfg, "dial.abandon_limit", c->control ? "3" : "0") ||
	    set(cfg, "dial.task_buckets", "overdue,today,tomorrow,this_week,next_week"))
		goto out;
	snprintf(v, sizeof(v), "%d", sip_base);
	if (set(cfg, "engine.sip_port", v))
		goto out;
	snprintf(v, sizeof(v), "%d", ctrl_base);
	if (set(cfg, "engine.ctrl_port", v))
		goto out;
	if (syncsess_open(&ss, db, cfg, true, msg, sizeof(msg))) {
		snprintf(r->why, sizeof(r->why), "store: %s", msg);
		goto out;
	}
	/* Inside calling hours from London to the US west coast, whenever the bench runs. */
	t -= t % 86400;
	memset(&o, 0, sizeof(o));
	o.target.tasks = true;
	o.lines = 9;
	o.disposition = "connected";
	o.sentiment = "Positive";
	o.talk_s = 1;
	o.data_dir = dir;
	o.now = t + 17 * 3600;
	o.autostart = true;
	if (dsession_new(&cur.d, ss.api, ss.st, cfg, &o, on_note, NULL, why, sizeof(why))) {
		snprintf(r->why, sizeof(r->why), "dsession: %s", why);
		goto out;
	}
	tmr_init(&cur.sample);
	tmr_start(&cur.sample, 250, sample, NULL);
	/* A campaign of 300 dials takes minutes; an hour is a hang. */
	pt_run_until(finished, NULL, 3600 * 1000);
	tmr_cancel(&cur.sample);
	dsession_snapshot(cur.d, &s);
	if (cur.failed) {
		snprintf(r->why, sizeof(r->why), "%s", cur.why);
	} else {
		r->ok = true;
		r->dials = s.stats.dials;
		r->connects = s.stats.connects;
		r->live = s.stats.live;
		r->dropped = s.stats.dropped;
		r->records = s.stats.records;
		r->seconds = (double)s.stats.elapsed_ms / 1000;
		r->mean_lines = cur.samples ? cur.lines_sum / cur.samples : 9;
		r->min_lines = cur.min_lines;
		r->window_ms = s.stats.drop_window_ms;
		r->k = s.stats.abandon_k;
		if (cur.why[0])
			snprintf(r->why, sizeof(r->why), "%s", cur.why);
	}
	dsession_free(cur.d);
	cur.d = NULL;
out:
	syncsess_close(&ss);
	config_free(cfg);
	if (dir[0])
		tl_rmrf(dir);
	sbxt_stop(&sbx);
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_campaign_live [--dials N>=300] [--pickup PERCENT]... "
	                "[--people N] [--ring-ms MS] [--amd off|humans_only]\n");
	exit(2);
}

static unsigned num(const char *s, unsigned lo, unsigned hi)
{
	char *end;
	unsigned long v = strtoul(s ? s : "", &end, 10);

	if (!s || *end || v < lo || v > hi)
		usage();
	return (unsigned)v;
}

int main(int argc, char **argv)
{
	unsigned pickups[PICKUPS_MAX] = {10, 25}, npick = 0, i;
	struct run_cfg c = {.dials = 300, .people = 8000, .ring_ms = 3000, .amd = "off"};
	char ring[16];
	int k;

	for (k = 1; k < argc; k++) {
		const char *v = k + 1 < argc ? argv[k + 1] : NULL;

		if (!strcmp(argv[k], "--dials"))
			c.dials = num(v, 300, 100000);
		else if (!strcmp(argv[k], "--pickup") && npick < PICKUPS_MAX)
			pickups[npick++] = num(v, 1, 90);
		else if (!strcmp(argv[k], "--people"))
			c.people = num(v, 300, 100000);
		else if (!strcmp(argv[k], "--ring-ms"))
			c.ring_ms = num(v, 1000, 60000);
		else if (!strcmp(argv[k], "--amd") && v &&
		         (!strcmp(v, "off") || !strcmp(v, "humans_only")))
			c.amd = v;
		else
			usage();
		k++;
	}
	if (!npick)
		npick = 2;
	if (!getenv("LOFTDIAL_SANDBOX_BIN"))
		setenv("LOFTDIAL_SANDBOX_BIN", LD_SANDBOX_BIN, 1);
	snprintf(ring, sizeof(ring), "%u", c.ring_ms);
	/* Test-only: rings shorter than the 15 s floor of dial.ring_timeout. */
	setenv("LOFTDIAL_TEST_RING_TIMEOUT_MS", ring, 1);
	signal(SIGPIPE, SIG_IGN);
	if (pt_loop_init()) {
		fprintf(stderr, "bench_campaign_live: no event loop\n");
		return 1;
	}
	printf("bench_campaign (b): a real campaign of %u dials on 9 lines per run: the rep's call "
	       "tasks from the sandbox (%u people), real baresip, the simulated phones\n",
	       c.dials, c.people);
	printf("mix by call: people at the pickup share (answer 0.5-2.5 s after the INVITE), 4%% "
	       "busy, 4%% invalid, the rest ring out at %.1f s; talk 1 s; dial.amd %s; ceiling "
	       "3%%\n\n",
	       c.ring_ms / 1000.0, c.amd);
	printf("window: the mean drop window measured at the wins (the winner's answer to the last "
	       "other leg's end); k: drops per win per extra line the meter steered by at the "
	       "end\n");
	printf("%-7s %-8s | %6s %8s %8s %6s %6s %8s %6s %5s %5s | %7s %7s | %s\n", "pickup",
	       "control", "dials", "seconds", "dials/h", "conn", "live", "dropped", "share",
	       "lines", "min", "window", "k", "note");
	for (i = 0; i < npick; i++) {
		struct run_res off, on;
		int ctl;

		c.pickup = pickups[i];
		for (ctl = 0; ctl < 2; ctl++) {
			struct run_res *r = ctl ? &on : &off;

			c.control = ctl;
			run(&c, r);
			if (!r->ok) {
				printf("%5u%%  %-8s | failed: %s\n", c.pickup, ctl ? "on" : "off",
				       r->why);
				fflush(stdout);
				continue;
			}
			printf("%5u%%  %-8s | %6u %8.1f %8.0f %6u %6u %8u %5.2f%% %5.2f %5u | "
			       "%7.1f %7.5f | %s\n",
			       c.pickup, ctl ? "on" : "off", r->dials, r->seconds,
			       r->seconds > 0 ? r->dials * 3600.0 / r->seconds : 0, r->connects,
			       r->live, r->dropped, r->live ? 100.0 * r->dropped / r->live : 0,
			       r->mean_lines, r->min_lines, r->window_ms, r->k, r->why);
			fflush(stdout);
		}
		if (off.ok && on.ok && off.seconds > 0 && on.seconds > 0)
			printf("%5u%%  on/off   | dials/h %.0f%% of control off; abandonment %s "
			       "3%%\n",
			       c.pickup,
			       100.0 * (on.dials / on.seconds) / (off.dials / off.seconds),
			       (on.live ? 100.0 * on.dropped / on.live : 0) <= 3 ? "within"
			                                                         : "over");
	}
	pt_loop_close();
	return 0;
}

/*
 * bench_campaign (a): the abandonment meter (abandon.h) in a discrete-event simulation of a
 * dial pool on a virtual clock. Prints dials per hour against the 1,200/h ceiling of nine lines
 * and the abandonment share, with and without automatic line control, for each pickup rate
 * and drop window. Targets: abandonment <= 3% with control on, at >= 80% of the dials per
 * hour of the same pool with control off.
 *
 * The model follows src/dialer/pool.c. Free lines start dials one stagger apart; a dial fails
 * fast (busy, invalid) with probability fast_fail, is answered by a person with probability
 * pickup at a uniform time answer_min..answer_max after the INVITE, or rings to the ring
 * timeout; a line waits `gap` before its next dial. The first answer wins and gets the rep for
 * talk + wrap-up time while no line dials; every other ringing leg is cancelled, and a leg whose
 * person picks up within `window` seconds of the winning answer (before the cancel reaches
 * it) is a dropped live answer. With control on, the meter sees the rolling tallies after
 * every live answer and lines above its count stop taking new dials; it is told each leg's ring
 * time and each win's drop window, as dsession tells it from the pool. Each row also runs with
 * ten more seeds (mean and lowest ratio, highest share). Then the frontier: the pool with
 * control off at every fixed line count, the best any choice of line count can do.
 *
 * Usage: bench_campaign [--dials N] [--seed S] [--lines N] [--window SECONDS] [--talk MIN MAX]
 *                       [--seeds N] [--frontier-dials N] [--model-margin M] [--cold DIALS]
 *                       [--runs N] [--k-prior K] [--prior-wins W]
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/abandon.h"

#define LINES_MAX 9
#define NEVER     1e300

struct sim_cfg {
	unsigned lines;
	double pickup, window, ring_timeout, gap, stagger, fast_fail;
	double answer_min, answer_max, talk_min, talk_max, wrap;
	unsigned ceiling_pct;
	bool control;
	unsigned long dials;
	uint64_t seed;
	double k_prior, prior_wins; /* > 0: instead of abandon_cfg_default's */
	double model_margin;        /* >= 0: instead of abandon_cfg_default's (0: no model) */
};

struct sim_res {
	unsigned long dials, live, dropped;
	double hours, line_hours; /* line_hours: lines allowed x time, for the mean */
	unsigned min_lines;
	unsigned first_lines; /* the meter's count before any live answer */
};

struct line {
	bool ringing;
	double ready;  /* idle: may dial from then on */
	double start;  /* ringing: when the INVITE went */
	double answer; /* ringing: when the person picks up, NEVER if not */
	double end;    /* ringing: when the leg ends unanswered */
};

/* xorshift64*: fast, reproducible. */
static double uniform(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (double)((*s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static double between(uint64_t *s, double a, double b)
{
	return a + (b - a) * uniform(s);
}

/* The latest of three times: when a free line may start its next dial. */
static double start_at(double ready, double rep, double stagger)
{
	double t = ready > rep ? ready : rep;

	return t > stagger ? t : stagger;
}

static void simulate(const struct sim_cfg *c, struct sim_res *r)
{
	struct line ln[LINES_MAX];
	struct abandon_meter m;
	struct abandon_cfg ac;
	struct abandon_tally t = {0, 0};
	uint64_t rng = c->seed ? c->seed : 1;
	double now = 0, rep_free = 0, last_start = -NEVER, last_t = 0;
	unsigned allowed = c->lines, i;

	memset(r, 0, sizeof(*r));
	memset(ln, 0, sizeof(ln));
	abandon_cfg_default(&ac, c->ceiling_pct, c->lines);
	if (c->k_prior > 0)
		ac.k_prior = c->k_prior;
	if (c->prior_wins > 0)
		ac.prior_wins = c->prior_wins;
	if (c->model_margin >= 0)
		ac.model_margin = c->model_margin;
	abandon_init(&m, &ac);
	if (c->control)
		allowed = m.lines;
	r->first_lines = allowed;
	r->min_lines = allowed;
	while (r->dials < c->dials) {
		double next = NEVER;
		int who = -1;
		bool rep_busy = rep_free > now, cancelled;
		struct line *l;

		/* The next event: a leg answering or ending, or a free line starting a dial. */
		for (i = 0; i < c->lines; i++) {
			double e;

			if (ln[i].ringing)
				e = ln[i].answer < ln[i].end ? ln[i].answer : ln[i].end;
			else if (i < allowed)
				e = start_at(ln[i].ready, rep_busy ? rep_free : now,
				             last_start + c->stagger);
			else
				continue;
			if (e < next) {
				next = e;
				who = (int)i;
			}
		}
		if (who < 0)
			break;
		r->line_hours += allowed * (next - last_t) / 3600.0;
		last_t = now = next;
		l = &ln[who];

		if (!l->ringing) {
			double u = uniform(&rng);

			l->ringing = true;
			l->start = now;
			l->answer = NEVER;
			r->dials++;
			last_start = now;
			if (u < c->fast_fail) {
				l->end = now + between(&rng, 1, 4);
			} else {
				l->end = now + c->ring_timeout;
				if (uniform(&rng) < c->pickup)
					l->answer =
					        now + between(&rng, c->answer_min, c->answer_max);
			}
			continue;
		}
		l->ringing = false;
		if (l->answer > l->end) {
			l->ready = now + c->gap;
			abandon_observe_ring(&m, now - l->start, false);
			continue;
		}
		/* A person answered: this leg wins, the others are cancelled. What the meter sees
		 * of each leg is what dsession tells it from the pool: how long it rang and whether
		 * a person answered, and the drop window of the win. */
		t.live++;
		abandon_observe_ring(&m, now - l->start, true);
		rep_free = now + between(&rng, c->talk_min, c->talk_max) + c->wrap;
		l->ready = rep_free;
		cancelled = false;
		for (i = 0; i < c->lines; i++) {
			double gone = now + c->window;

			if (!ln[i].ringing)
				continue;
			ln[i].ringing = false;
			ln[i].ready = rep_free;
			cancelled = true;
			if (ln[i].answer <= gone) {
				t.live++;
				t.dropped++;
				abandon_observe_ring(&m, ln[i].answer - ln[i].start, true);
			} else {
				abandon_observe_ring(
				        &m, (ln[i].end < gone ? ln[i].end : gone) - ln[i].start,
				        false);
			}
		}
		if (cancelled)
			abandon_observe_window(&m, c->window);
		if (c->control) {
			/* One rep on one campaign: the two tallies are the same. */
			allowed = abandon_update(&m, &t, &t);
			if (allowed < r->min_lines)
				r->min_lines = allowed;
		}
	}
	r->hours = now / 3600.0;
	r->live = (unsigned long)t.live;
	r->dropped = (unsigned long)t.dropped;
}

/* The cold start: many short campaigns (a fresh install's first days), each from no history,
 * per pickup and window: the control-on pool's dials per hour against control off (mean over
 * the seeds), its pooled abandonment share, how many campaigns ended over the ceiling, and the
 * line count the meter opens with. */
static void cold_start(struct sim_cfg c, const double *windows, size_t nwin, unsigned seeds)
{
	static const double pickups[] = {0.10, 0.25};
	size_t pi, wi;

	printf("\ncold start: %u campaigns of %lu dials each, from no history (prior k %.4f, "
	       "weight %.0f wins)\n",
	       seeds, c.dials, c.k_prior, c.prior_wins);
	printf("%-7s %-7s | %9s %9s %6s | %8s %9s %6s\n", "pickup", "window", "off d/h", "on d/h",
	       "ratio", "abandon", "over 3%", "opens");
	for (pi = 0; pi < sizeof(pickups) / sizeof(pickups[0]); pi++) {
		for (wi = 0; wi < nwin; wi++) {
			double off_rate = 0, on_rate = 0;
			unsigned long live = 0, dropped = 0;
			unsigned over = 0, first = 0, k;

			c.pickup = pickups[pi];
			c.window = windows[wi];
			for (k = 0; k < seeds; k++) {
				struct sim_res off, on;

				c.seed = 1000 + k * 7919ULL;
				c.control = false;
				simulate(&c, &off);
				c.control = true;
				simulate(&c, &on);
				off_rate += off.dials / off.hours;
				on_rate += on.dials / on.hours;
				live += on.live;
				dropped += on.dropped;
				over += on.live && 100.0 * on.dropped / on.live > c.ceiling_pct;
				first = on.first_lines;
			}
			printf("%5.0f%%  %5.2fs | %9.0f %9.0f %5.0f%% | %7.2f%% %5u/%-3u | %6u\n",
			       c.pickup * 100, c.window, off_rate / seeds, on_rate / seeds,
			       100 * on_rate / off_rate, live ? 100.0 * dropped / live : 0, over,
			       seeds, first);
		}
	}
}

/* The frontier: the same pool with control off at each fixed line count 1..lines, per pickup
 * and window, over `dials` dials each (ten times the runs' by default, so a share is good to
 * about a tenth of a point): dials per hour as a share of the full pool's (the reference of
 * the targets), connected calls per hour (the rep's work, the same for every window) and the
 * abandonment share. A policy that only chooses a line count mixes these rows, so the most it
 * can reach under the ceiling is on the line between the two rows around it: printed last. */
static void frontier(struct sim_cfg c, const double *windows, size_t nwin)
{
	static const double pickups[] = {0.10, 0.25};
	struct sim_res r;
	double ref[4], rate[4][LINES_MAX + 1], share[4][LINES_MAX + 1];
	unsigned n, full = c.lines;
	size_t pi, wi;

	c.control = false;
	for (pi = 0; pi < sizeof(pickups) / sizeof(pickups[0]); pi++) {
		c.pickup = pickups[pi];
		printf("\nfrontier at %.0f%% pickup, %lu dials per row, control off at a "
		       "fixed line count: dials/h (%% of %u lines), connects/h, abandonment "
		       "per window\n",
		       c.pickup * 100, c.dials, full);
		printf("%5s %7s", "lines", "conn/h");
		for (wi = 0; wi < nwin; wi++)
			printf(" | %5.2fs: d/h   %%    share", windows[wi]);
		printf("\n");
		for (wi = 0; wi < nwin; wi++) {
			c.window = windows[wi];
			c.lines = full;
			simulate(&c, &r);
			ref[wi] = r.dials / r.hours;
		}
		for (n = 1; n <= full; n++) {
			for (wi = 0; wi < nwin; wi++) {
				c.window = windows[wi];
				c.lines = n;
				simulate(&c, &r);
				if (!wi)
					printf("%5u %7.1f", n, (r.live - r.dropped) / r.hours);
				rate[wi][n] = r.dials / r.hours / ref[wi];
				share[wi][n] = r.live ? 100.0 * r.dropped / r.live : 0;
				printf(" | %12.0f %4.0f%% %6.2f%%", r.dials / r.hours,
				       100 * rate[wi][n], share[wi][n]);
			}
			printf("\n");
		}
		printf("%13s", "best <= 3%");
		for (wi = 0; wi < nwin; wi++) {
			double best = 0, lines = 1;

			for (n = 1; n <= full; n++) {
				if (share[wi][n] <= c.ceiling_pct) {
					best = rate[wi][n];
					lines = n;
				} else if (n > 1 && share[wi][n - 1] <= c.ceiling_pct) {
					double f = (c.ceiling_pct - share[wi][n - 1]) /
					           (share[wi][n] - share[wi][n - 1]);

					best = rate[wi][n - 1] +
					       f * (rate[wi][n] - rate[wi][n - 1]);
					lines = n - 1 + f;
				}
			}
			printf(" | %5.2f lines: %4.0f%%     ", lines, 100 * best);
		}
		printf("\n");
	}
}

/* Reads the value after a flag, or exits with the usage. */
static const char *arg_of(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "usage: bench_campaign [--dials N] [--seed S] [--lines N] "
		                "[--window SECONDS] [--talk MIN MAX] [--cold DIALS] [--runs N] "
		                "[--k-prior K] [--prior-wins W] [--model-margin M] [--seeds N] "
		                "[--frontier-dials N]\n");
		exit(2);
	}
	return argv[++*i];
}

int main(int argc, char **argv)
{
	static const double pickups[] = {0.10, 0.25};
	double windows[4] = {0.25, 0.5, 1.0, 2.0};
	size_t nwin = 4, pi, wi;
	struct sim_cfg c = {
	        .lines = 9,
	        .ring_timeout = 25,
	        .gap = 2,
	        .stagger = 0.15,
	        .fast_fail = 0.08,
	        .answer_min = 4,
	        .answer_max = 20,
	        .talk_min = 20,
	        .talk_max = 100,
	        .wrap = 5,
	        .ceiling_pct = 3,
	        .dials = 100000,
	        .seed = 20261206,
	        .model_margin = -1,
	};
	bool all_met = true;
	unsigned long cold = 0, fdials = 0;
	unsigned runs = 100, seeds = 10;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dials")) {
			c.dials = strtoul(arg_of(argc, argv, &i), NULL, 10);
		} else if (!strcmp(argv[i], "--seed")) {
			c.seed = strtoull(arg_of(argc, argv, &i), NULL, 10);
		} else if (!strcmp(argv[i], "--lines")) {
			c.lines = (unsigned)strtoul(arg_of(argc, argv, &i), NULL, 10);
			if (c.lines < 1 || c.lines > LINES_MAX)
				arg_of(0, argv, &i);
		} else if (!strcmp(argv[i], "--window")) {
			windows[0] = strtod(arg_of(argc, argv, &i), NULL);
			nwin = 1;
		} else if (!strcmp(argv[i], "--cold")) {
			cold = strtoul(arg_of(argc, argv, &i), NULL, 10);
		} else if (!strcmp(argv[i], "--runs")) {
			runs = (unsigned)strtoul(arg_of(argc, argv, &i), NULL, 10);
			if (runs < 1)
				arg_of(0, argv, &i);
		} else if (!strcmp(argv[i], "--k-prior")) {
			c.k_prior = strtod(arg_of(argc, argv, &i), NULL);
		} else if (!strcmp(argv[i], "--model-margin")) {
			c.model_margin = strtod(arg_of(argc, argv, &i), NULL);
		} else if (!strcmp(argv[i], "--seeds")) {
			seeds = (unsigned)strtoul(arg_of(argc, argv, &i), NULL, 10);
			if (seeds < 1)
				arg_of(0, argv, &i);
		} else if (!strcmp(argv[i], "--frontier-dials")) {
			fdials = strtoul(arg_of(argc, argv, &i), NULL, 10);
		} else if (!strcmp(argv[i], "--prior-wins")) {
			c.prior_wins = strtod(arg_of(argc, argv, &i), NULL);
		} else if (!strcmp(argv[i], "--talk")) {
			c.talk_min = strtod(arg_of(argc, argv, &i), NULL);
			c.talk_max = strtod(arg_of(argc, argv, &i), NULL);
		} else {
			arg_of(0, argv, &i);
		}
	}
	if (cold) {
		struct abandon_cfg ac;

		abandon_cfg_default(&ac, c.ceiling_pct, c.lines);
		if (c.k_prior <= 0)
			c.k_prior = ac.k_prior;
		if (c.prior_wins <= 0)
			c.prior_wins = ac.prior_wins;
		c.dials = cold;
		cold_start(c, windows, nwin, runs);
		return 0;
	}
	printf("bench_campaign (a): %lu dials per run on %u lines, virtual clock\n", c.dials,
	       c.lines);
	printf("model: ring timeout %.0f s, gap %.0f s, stagger %.2f s, fast failures %.0f%%, "
	       "answers %.0f-%.0f s after the INVITE, talk %.0f-%.0f s + wrap-up %.0f s, "
	       "ceiling %u%%\n",
	       c.ring_timeout, c.gap, c.stagger, c.fast_fail * 100, c.answer_min, c.answer_max,
	       c.talk_min, c.talk_max, c.wrap, c.ceiling_pct);
	printf("ceiling without connects: %u x 3600 / (%.0f + %.0f) = %.0f dials/h\n\n", c.lines,
	       c.ring_timeout, c.gap, c.lines * 3600.0 / (c.ring_timeout + c.gap));
	printf("seed %llu for the figures; the last columns: the control-on ratio over %u seeds "
	       "from it (mean, lowest) and the highest share among them\n\n",
	       (unsigned long long)c.seed, seeds);
	printf("%-7s %-7s | %-22s | %-34s | %-6s | %-21s | %s\n", "pickup", "window", "control off",
	       "control on", "ratio", "over the seeds", "targets");
	printf("%-7s %-7s | %9s %12s | %9s %12s %5s %5s | %-6s | %6s %6s %7s |\n", "", "",
	       "dials/h", "abandon", "dials/h", "abandon", "mean", "min", "", "mean", "low",
	       "share");
	for (pi = 0; pi < sizeof(pickups) / sizeof(pickups[0]); pi++) {
		for (wi = 0; wi < nwin; wi++) {
			struct sim_res off, on, off_k, on_k;
			struct sim_cfg ck;
			double ratio, soff, son, rsum = 0, rlow = 1e9, shigh = 0;
			unsigned k;
			bool met;

			c.pickup = pickups[pi];
			c.window = windows[wi];
			c.control = false;
			simulate(&c, &off);
			c.control = true;
			simulate(&c, &on);
			soff = off.live ? 100.0 * off.dropped / off.live : 0;
			son = on.live ? 100.0 * on.dropped / on.live : 0;
			ratio = (on.dials / on.hours) / (off.dials / off.hours);
			/* The same run with other seeds: one run's share is good to about 0.2
			 * points, its ratio to a few percent. */
			ck = c;
			for (k = 0; k < seeds; k++) {
				double rk, sk;

				ck.seed = c.seed + k;
				ck.control = false;
				simulate(&ck, &off_k);
				ck.control = true;
				simulate(&ck, &on_k);
				rk = (on_k.dials / on_k.hours) / (off_k.dials / off_k.hours);
				sk = on_k.live ? 100.0 * on_k.dropped / on_k.live : 0;
				rsum += rk;
				rlow = rk < rlow ? rk : rlow;
				shigh = sk > shigh ? sk : shigh;
			}
			met = shigh <= c.ceiling_pct && rsum / seeds >= 0.8;
			all_met = all_met && met;
			printf("%5.0f%%  %5.2fs | %9.0f %5.2f%% %5lu | %9.0f %5.2f%% %5lu "
			       "%5.2f %5u | %5.0f%% | %5.0f%% %5.0f%% %6.2f%% | %s\n",
			       c.pickup * 100, c.window, off.dials / off.hours, soff, off.dropped,
			       on.dials / on.hours, son, on.dropped, on.line_hours / on.hours,
			       on.min_lines, ratio * 100, 100 * rsum / seeds, 100 * rlow, shigh,
			       met ? "met" : "NOT met");
		}
	}
	c.dials = fdials ? fdials : c.dials * 10;
	frontier(c, windows, nwin);
	printf("\nall targets met (every seed's share <= %u%%, mean ratio >= 80%%): %s\n",
	       c.ceiling_pct, all_met ? "yes" : "no");
	return 0;
}

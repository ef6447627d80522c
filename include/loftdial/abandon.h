/*
 * abandon: the abandonment meter and the number of lines it allows. Pure code: no I/O, no
 * clock; the caller feeds it the rolling 30-day tallies (attempts_abandon_counts()) after each
 * live answer and applies the line count it returns.
 *
 * The share is dropped live answers / live answers (a dropped live answer counts in both),
 * kept per rep and per campaign; each must stay under the ceiling. The meter steers by a
 * model: a win (a connected live answer) drops on average k x (lines - 1) other live answers,
 * the people who picked up on the other lines before the cancel reached them. k is learnt from
 * what the meter sees (drops per win per extra line), starting from a prior.
 *
 * The prior (the cold start: a fresh install, a new rep or campaign, no tallies) is k = 0.008,
 * about a 25% pickup with a 0.5 s drop window, or 10% with about 1.2 s: a middle list, neither
 * the best case nor the worst. With the default 3% ceiling it opens at 1 + (0.027 / 0.973) /
 * 0.008 = 4.47 lines (dithered 4 and 5), whatever dial.lines is above that: not nine lines into
 * a pickup rate nobody knows, not one line either. The prior weighs as 40 wins at that opening
 * count (exposure 40 x 3.47), so after 40 wins of the meter's own the estimate is half data;
 * the first drops bring the count down at once whatever the prior (the share term below), so
 * the weight only sets how fast the count climbs on a clean record. For each tally it
 * works out how many drops per win the next live answers (`horizon`, or `horizon_share` of those
 * in the window when that is more) may bring so that the share
 * ends at `target` x ceiling, and turns that into a line count: as the share nears the ceiling
 * the count goes down, as it falls the count goes back up, and over the ceiling it is the
 * minimum. A fractional count is dithered between its two neighbours across decisions, so the
 * mean line count can sit between whole numbers.
 *
 * The measured model: drops are too rare to learn k from quickly, but what makes them is
 * measured on every call. The caller reports each leg's ring time and whether a person answered
 * (abandon_observe_ring) and each win's drop window, from the winner's answer to the last other
 * leg's end (abandon_observe_window). Once a window is measured and model_answers live answers
 * seen, the prior's k is model_margin x (answers + 1) / ring seconds x mean window instead of
 * k_prior, with the same weight: a list whose cancels land in milliseconds gets every line at the
 * first decision, one screened for seconds at a high pickup few lines before its first drop.
 */
#ifndef LOFTDIAL_ABANDON_H
#define LOFTDIAL_ABANDON_H

#include <stdbool.h>
#include <stdint.h>

struct abandon_cfg {
	double ceiling;       /* the legal limit, as a share (0.03); 0 = no control */
	double target;        /* the fraction of the ceiling aimed at (0.9) */
	unsigned min_lines;   /* never below (1) */
	unsigned max_lines;   /* never above: dial.lines */
	double horizon;       /* live answers over which the share is steered, at least (50) */
	double horizon_share; /* or this share of the live answers in the window (0.5) */
	double k_prior;       /* drops per win per extra line assumed before data (0.008) */
	double prior_wins;    /* the prior's weight, in wins at the opening count (40) */
	double model_margin;  /* the measured model's k is multiplied by this (2); 0 = unused */
	double model_answers; /* live answers seen before the model is trusted (5) */
};

struct abandon_tally {
	int64_t live;    /* live answers (connected or dropped) */
	int64_t dropped; /* of which dropped */
};

struct abandon_meter {
	struct abandon_cfg cfg;
	unsigned lines;        /* the count in force */
	double exposure;       /* sum over the wins seen of (lines - 1) */
	double drops;          /* drops seen */
	double k;              /* the current estimate of drops per win per extra line */
	double want;           /* the (fractional) line count of the last decision */
	double acc;            /* dithering remainder */
	double share;          /* the worse raw share at the last decision */
	double open;           /* the fractional count the prior opens with (no history) */
	double prior_exposure; /* the prior's weight: prior_wins x (open - 1), at least prior_wins
	                        */
	double ring_s;         /* seconds legs rang before an answer or their end (observed) */
	double answers;        /* live answers among those legs */
	double window_s;       /* sum of the drop windows measured at wins */
	double windows;        /* how many were measured */
	double k_model;        /* margin x answer rate x mean window; 0 = not measured yet */
	bool based;            /* base_* hold the last tally seen */
	int64_t base_live, base_dropped;
};

/* The defaults for a ceiling in percent (dial.abandon_limit) and a maximum line count. */
void abandon_cfg_default(struct abandon_cfg *c, unsigned ceiling_pct, unsigned max_lines);
/* dropped / live; 0 when there were no live answers or t is NULL. */
double abandon_share(const struct abandon_tally *t);
/* Starts at the line count the prior allows with no history (m->open, dithered). */
void abandon_init(struct abandon_meter *m, const struct abandon_cfg *c);
/* A leg stopped ringing after ring_s seconds: answered by a person (live) or not (rang out,
 * failed, cancelled, a machine). Teaches the answer rate per ringing second. */
void abandon_observe_ring(struct abandon_meter *m, double ring_s, bool live);
/* A win's drop window: seconds from the winner's answer to the end of the last other leg that
 * was ringing (screening, the cancels' trip). */
void abandon_observe_window(struct abandon_meter *m, double seconds);
/* Learns from the tallies' change since the last call and returns the line count to use from
 * now on. Either tally may be NULL; the per-rep and per-campaign limits both apply. */
unsigned abandon_update(struct abandon_meter *m, const struct abandon_tally *user,
                        const struct abandon_tally *campaign);

#endif

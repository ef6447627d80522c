/*
 * abandon: the abandonment meter (see abandon.h for the model). Everything here is arithmetic
 * on the tallies the caller passes, so the bench and the unit tests drive it on a virtual
 * clock exactly as the dialer does with the store's figures.
 */
#include <math.h>
#include <string.h>

#include "loftdial/abandon.h"

void abandon_cfg_default(struct abandon_cfg *c, unsigned ceiling_pct, unsigned max_lines)
{
	memset(c, 0, sizeof(*c));
	c->ceiling = ceiling_pct / 100.0;
	c->target = 0.9;
	c->min_lines = 1;
	c->max_lines = max_lines ? max_lines : 1;
	c->horizon = 50;
	c->horizon_share = 0.5;
	c->k_prior = 0.008;
	c->prior_wins = 40;
	c->model_margin = 2;
	c->model_answers = 5;
}

double abandon_share(const struct abandon_tally *t)
{
	if (!t || t->live <= 0)
		return 0.0;
	return (double)t->dropped / (double)t->live;
}

/* The measured model of drops per win per extra line: a person answers a ringing leg at rate
 * answers / ring_s per second, and a leg rings on for the drop window after a win, so an extra
 * line brings about rate x window drops per win; times the margin, since people answer in a
 * bunch (a leg's answer is more likely at the ring times a win happens at than on average).
 * One answer more than seen keeps the rate from reading zero. 0 until a window was measured
 * and model_answers live answers seen: a rate from one or two answers is anything (with one
 * answer in three legs' first seconds it read 0.3 a second and took three lines to one). */
static double model_k(const struct abandon_meter *m)
{
	if (m->cfg.model_margin <= 0 || m->windows <= 0 || m->ring_s <= 0 ||
	    m->answers < m->cfg.model_answers)
		return 0;
	return m->cfg.model_margin * (m->answers + 1) / m->ring_s * (m->window_s / m->windows);
}

/* Drops per win per extra line: what was seen, pulled toward the prior while it is little. The
 * prior is the measured model once a drop window was measured, else k_prior; it counts as
 * prior_wins wins at the count k_prior opens with (prior_exposure), not at max_lines: weighed
 * at nine lines it was worth about 90 wins at the 4.5 lines actually dialled, and a short
 * campaign never got past it. */
static double estimate_k(struct abandon_meter *m)
{
	double e0 = m->prior_exposure, k0;
	double k;

	m->k_model = model_k(m);
	k0 = m->k_model > 0 ? m->k_model : m->cfg.k_prior;
	k = (m->drops + k0 * e0) / (m->exposure + e0);

	return k > 1e-6 ? k : 1e-6;
}

/* The drops per win that keep tally t heading for the target share over the horizon. */
static double allowed_x(const struct abandon_cfg *c, const struct abandon_tally *t)
{
	double tau = c->target * c->ceiling, h = c->horizon;
	double live = t->live > 0 ? (double)t->live : 0;
	double dropped = t->dropped > 0 ? (double)t->dropped : 0;
	double x;

	/* Steer over a share of what the window holds, so one drop more or less in a large
	 * window nudges the count instead of swinging it. */
	if (h < live * c->horizon_share)
		h = live * c->horizon_share;
	/* (dropped + h x) / (live + h (1 + x)) = tau, solved for x. */
	x = (tau * (live + h) - dropped) / (h * (1 - tau));
	return x > 0 ? x : 0;
}

/* Learns from the change in the tally since the last call (wins and their drops). */
static void learn(struct abandon_meter *m, const struct abandon_tally *t)
{
	int64_t dl, dd;

	if (m->based) {
		dl = t->live - m->base_live;
		dd = t->dropped - m->base_dropped;
		/* Answers leaving the rolling window make the deltas meaningless: just rebase. */
		if (dl >= 0 && dd >= 0 && dd <= dl) {
			m->exposure += (double)(dl - dd) * (m->lines - 1);
			m->drops += (double)dd;
		}
	}
	m->based = true;
	m->base_live = t->live;
	m->base_dropped = t->dropped;
}

/* Turns a fractional count into whole lines, carrying the remainder to later decisions. */
static unsigned dither(struct abandon_meter *m, double want)
{
	const struct abandon_cfg *c = &m->cfg;
	unsigned n;

	if (want <= c->min_lines) {
		m->acc = 0;
		return c->min_lines;
	}
	if (want >= c->max_lines) {
		m->acc = 0;
		return c->max_lines;
	}
	n = (unsigned)floor(want);
	m->acc += want - n;
	if (m->acc >= 1) {
		m->acc -= 1;
		n++;
	}
	return n;
}

void abandon_init(struct abandon_meter *m, const struct abandon_cfg *c)
{
	struct abandon_tally none = {0, 0};

	memset(m, 0, sizeof(*m));
	m->cfg = *c;
	if (m->cfg.min_lines < 1)
		m->cfg.min_lines = 1;
	if (m->cfg.max_lines < m->cfg.min_lines)
		m->cfg.max_lines = m->cfg.min_lines;
	if (m->cfg.horizon < 1)
		m->cfg.horizon = 1;
	if (m->cfg.target <= 0 || m->cfg.target > 1)
		m->cfg.target = 0.9;
	if (m->cfg.k_prior <= 0)
		m->cfg.k_prior = 0.008;
	if (m->cfg.prior_wins < 0)
		m->cfg.prior_wins = 0;
	if (!(m->cfg.model_margin > 0))
		m->cfg.model_margin = 0;
	if (!(m->cfg.model_answers >= 0))
		m->cfg.model_answers = 0;
	m->lines = m->cfg.max_lines;
	/* The prior's opening count, within the bounds; its weight is counted at that count. */
	m->open = 1 + allowed_x(&m->cfg, &none) / m->cfg.k_prior;
	if (m->open > m->cfg.max_lines)
		m->open = m->cfg.max_lines;
	if (m->open < m->cfg.min_lines)
		m->open = m->cfg.min_lines;
	m->prior_exposure = m->cfg.prior_wins * (m->open > 2 ? m->open - 1 : 1);
	m->k = estimate_k(m);
	if (m->cfg.ceiling > 0) {
		m->want = 1 + allowed_x(&m->cfg, &none) / m->k;
		m->lines = dither(m, m->want);
	}
}

void abandon_observe_ring(struct abandon_meter *m, double ring_s, bool live)
{
	if (!m || !(ring_s >= 0) || ring_s > 86400)
		return;
	m->ring_s += ring_s;
	m->answers += live;
}

void abandon_observe_window(struct abandon_meter *m, double seconds)
{
	if (!m || !(seconds >= 0) || seconds > 3600)
		return;
	m->window_s += seconds;
	m->windows++;
}

unsigned abandon_update(struct abandon_meter *m, const struct abandon_tally *user,
                        const struct abandon_tally *campaign)
{
	const struct abandon_cfg *c = &m->cfg;
	const struct abandon_tally *ref = campaign ? campaign : user;
	double x = -1, su = abandon_share(user), sc = abandon_share(campaign);

	m->share = su > sc ? su : sc;
	if (c->ceiling <= 0) {
		m->lines = c->max_lines;
		return m->lines;
	}
	if (ref)
		learn(m, ref);
	m->k = estimate_k(m);
	if (user)
		x = allowed_x(c, user);
	if (campaign) {
		double xc = allowed_x(c, campaign);

		x = x < 0 || xc < x ? xc : x;
	}
	if (x < 0)
		x = allowed_x(c, &(struct abandon_tally){0, 0});
	m->want = 1 + x / m->k;
	m->lines = dither(m, m->want);
	return m->lines;
}

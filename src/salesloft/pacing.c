/*
 * pacing: the rate-limit estimate and the admit/wait decision for each priority class.
 *
 * The estimate is simple on purpose: the last x-ratelimit-remaining-minute minus the requests
 * still in flight (each counted at cost 1, what a cursor page costs). When the wall-clock
 * window rolls over the estimate optimistically returns to the full limit; the first response
 * of the new window corrects it, and the number of requests in flight bounds the error. The
 * window is assumed to be the wall-clock minute (Salesloft does not say; see docs/sync.md).
 */
#include <stdint.h>

#include "loftdial/pacing.h"

#define DEFAULT_LIMIT  600u
#define DEFAULT_WINDOW 60000u
#define JITTER_MAX_MS  3000u

/* xorshift64*: jitter only, not security. */
static uint64_t next_rand(struct pacing *p)
{
	uint64_t x = p->rng ? p->rng : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	p->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

void pacing_init(struct pacing *p, unsigned limit, unsigned share, unsigned window_ms,
                 uint64_t seed)
{
	*p = (struct pacing){0};
	p->limit = limit ? limit : DEFAULT_LIMIT;
	p->share = share < 1 ? 1 : share > 100 ? 100 : share;
	p->window_ms = window_ms ? window_ms : DEFAULT_WINDOW;
	p->window = -1;
	p->rng = seed ? seed : 0x2545f4914f6cdd1dull;
	p->last_remaining = -1;
	p->limited = false;
}

/* Moves the estimate into the window containing now_ms. */
static void roll(struct pacing *p, uint64_t now_ms)
{
	int64_t w = (int64_t)(now_ms / p->window_ms);

	if (w == p->window)
		return;
	p->window = w;
	p->remaining = (int64_t)p->limit - (int64_t)p->inflight;
}

/* The part of the limit background sync must leave free. */
static int64_t reserve(const struct pacing *p)
{
	return ((int64_t)p->limit * (100 - p->share) + 99) / 100;
}

uint64_t pacing_to_next_window(const struct pacing *p, uint64_t now_ms)
{
	return p->window_ms - now_ms % p->window_ms;
}

/* A small random delay so clients that waited for the same boundary do not all fire at once. */
static uint64_t jitter(struct pacing *p)
{
	uint64_t max = p->window_ms / 20 < JITTER_MAX_MS ? p->window_ms / 20 : JITTER_MAX_MS;

	return max ? next_rand(p) % (max + 1) : 0;
}

uint64_t pacing_delay(struct pacing *p, enum pacing_prio prio, uint64_t now_ms)
{
	int64_t floor_left;

	if (now_ms < p->blocked_until)
		return p->blocked_until - now_ms;
	roll(p, now_ms);
	if (!p->limited)
		return 0;
	floor_left = prio == PACING_SYNC ? reserve(p) : 0;
	if (p->remaining - 1 >= floor_left)
		return 0;
	return pacing_to_next_window(p, now_ms) + jitter(p);
}

void pacing_sent(struct pacing *p, uint64_t now_ms)
{
	roll(p, now_ms);
	p->inflight++;
	p->requests++;
	p->remaining--;
}

void pacing_done(struct pacing *p, uint64_t now_ms, long remaining, long cost, long status)
{
	roll(p, now_ms);
	if (p->inflight)
		p->inflight--;
	if (cost > 0)
		p->cost += (uint64_t)cost;
	if (status == 0)
		return; /* no response: nothing learned, the request was not charged (probably) */
	if (remaining < 0) {
		p->limited = false;
		return;
	}
	p->limited = true;
	p->last_remaining = remaining;
	if ((uint64_t)remaining + (cost > 0 ? (uint64_t)cost : 0) > p->limit)
		p->limit = (unsigned)((uint64_t)remaining + (cost > 0 ? (uint64_t)cost : 0));
	p->remaining = (int64_t)remaining - (int64_t)p->inflight;
}

uint64_t pacing_throttle(struct pacing *p, uint64_t now_ms)
{
	uint64_t wait = pacing_to_next_window(p, now_ms) + jitter(p);

	p->throttled++;
	p->limited = true;
	roll(p, now_ms);
	p->remaining = 0;
	if (now_ms + wait > p->blocked_until)
		p->blocked_until = now_ms + wait;
	return p->blocked_until - now_ms;
}

unsigned pacing_sync_budget(const struct pacing *p, uint64_t now_ms)
{
	int64_t left;

	if (!p->limited)
		return UINT32_MAX;
	if (now_ms < p->blocked_until)
		return 0;
	if ((int64_t)(now_ms / p->window_ms) != p->window)
		left = (int64_t)p->limit - reserve(p);
	else
		left = p->remaining - reserve(p);
	return left > 0 ? (unsigned)left : 0;
}

uint64_t pacing_sync_eta(const struct pacing *p, uint64_t now_ms, uint64_t requests)
{
	unsigned now_left = pacing_sync_budget(p, now_ms);
	int64_t per = (int64_t)p->limit - reserve(p);
	uint64_t windows, first;

	if (now_left == UINT32_MAX || requests <= now_left)
		return 0;
	requests -= now_left;
	if (per < 1)
		per = 1;
	windows = (requests + (uint64_t)per - 1) / (uint64_t)per;
	/* After a 429 the block ends inside the next window, which then counts as the first. */
	first = now_ms < p->blocked_until ? p->blocked_until - now_ms
	                                  : pacing_to_next_window(p, now_ms);
	return first + (windows - 1) * p->window_ms;
}

uint64_t pacing_backoff(struct pacing *p, unsigned attempt, uint64_t base_ms, uint64_t cap_ms)
{
	uint64_t d = base_ms;
	unsigned i;

	for (i = 1; i < attempt && d < cap_ms; i++)
		d *= 2;
	if (d > cap_ms)
		d = cap_ms;
	/* Full range 50-100%: spreads retries of clients that failed together. */
	return d / 2 + (d / 2 ? next_rand(p) % (d / 2 + 1) : 0);
}

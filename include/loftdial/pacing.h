/*
 * pacing: how fast loftdial may spend the team's Salesloft rate limit.
 *
 * Salesloft charges every request a cost (1 for ordinary pages) against a budget per team and
 * minute (600 by default) that every integration of the team shares, and reports what is left
 * in x-ratelimit-remaining-minute. The pacer keeps an estimate of what is left in the current
 * wall-clock window from those headers and the requests still in flight, and answers one
 * question: may a request of this priority leave now, or how long must it wait?
 *
 * Priorities: writes (call logs) and the user's own requests may spend the budget down to
 * zero; background sync only down to a reserve of (100 - share)% of the limit, so the dialer
 * and other integrations always find budget left. A 429 blocks everything until the next
 * window plus jitter. Responses without the header (a server with no limit) switch pacing off
 * until a header is seen again. Pure logic: times come in as arguments, so tests drive it.
 */
#ifndef LOFTDIAL_PACING_H
#define LOFTDIAL_PACING_H

#include <stdbool.h>
#include <stdint.h>

enum pacing_prio {
	PACING_WRITE = 0, /* call logs and other writes: first, may use the whole budget */
	PACING_USER,      /* what the user asked for now (loftdial api, connect) */
	PACING_SYNC,      /* background sync: keeps the reserve free */
	PACING_PRIO_COUNT
};

struct pacing {
	unsigned limit;         /* team budget per window (learned upward from headers) */
	unsigned share;         /* percent of limit background sync may use (1..100) */
	unsigned window_ms;     /* the rate-limit window, 60000 for Salesloft */
	int64_t window;         /* index of the window the estimate belongs to */
	int64_t remaining;      /* estimated budget left in that window */
	bool limited;           /* the last response carried x-ratelimit-remaining-minute */
	unsigned inflight;      /* requests sent and not yet answered */
	uint64_t blocked_until; /* wall ms before which nothing is sent (after a 429) */
	uint64_t rng;
	/* figures for status and benchmarks */
	uint64_t requests, cost, throttled;
	long last_remaining; /* last header value, -1 before any */
};

/* Sets up a pacer; share is clamped to 1..100, limit 0 means 600, window_ms 0 means 60000. */
void pacing_init(struct pacing *p, unsigned limit, unsigned share, unsigned window_ms,
                 uint64_t seed);
/* Milliseconds a request of class prio must wait from wall time now_ms (0: send now). */
uint64_t pacing_delay(struct pacing *p, enum pacing_prio prio, uint64_t now_ms);
/* A request was sent at now_ms (counted against the estimate as cost 1 until answered). */
void pacing_sent(struct pacing *p, uint64_t now_ms);
/* A response (or a transport failure: remaining = cost = -1, status 0) arrived at now_ms.
 * remaining and cost are the header values, -1 when absent. */
void pacing_done(struct pacing *p, uint64_t now_ms, long remaining, long cost, long status);
/* A 429 arrived: blocks every class until the next window plus jitter; returns the wait. */
uint64_t pacing_throttle(struct pacing *p, uint64_t now_ms);
/* Budget the estimate says background sync may still use in this window (0 when it must
 * wait; UINT32_MAX when the server reports no limit). */
unsigned pacing_sync_budget(const struct pacing *p, uint64_t now_ms);
/* Milliseconds before background sync can have sent `requests` more requests at cost 1, given
 * what this window still allows it and what each later window will (limit less the reserve):
 * 0 when they fit now or the server reports no limit. The rate limit's share of an ETA. */
uint64_t pacing_sync_eta(const struct pacing *p, uint64_t now_ms, uint64_t requests);
/* Exponential backoff with jitter for retry number attempt (1, 2, ...): about
 * base * 2^(attempt-1), capped at cap, then scaled by a random 50-100%. */
uint64_t pacing_backoff(struct pacing *p, unsigned attempt, uint64_t base_ms, uint64_t cap_ms);
/* Milliseconds from now_ms to the start of the next window. */
uint64_t pacing_to_next_window(const struct pacing *p, uint64_t now_ms);

#endif

/*
 * ratelimit: Salesloft's cost-based, per-team rate limit.
 *
 * Every /v2/ request costs 1, or more on deep pages (page 101-150: 3, 151-250: 8, 251-500:
 * 10, 501+: 30), charged against one budget per team per minute (600 by default). The window
 * is the clock's minute (floor(now / 60 s)) — Salesloft does not document whether its window
 * is fixed or sliding; clients observed computing "seconds to the next minute" from the Date
 * header, so a fixed wall-clock minute is what the sandbox does. A request whose cost exceeds
 * what is left is refused with 429 and charges nothing.
 */
#include <errno.h>
#include <stdint.h>

#include "sbx_core.h"

/* Cost of a request for a given page number. */
unsigned sbx_ratelimit_cost(long page)
{
	if (page <= 100)
		return 1;
	if (page <= 150)
		return 3;
	if (page <= 250)
		return 8;
	if (page <= 500)
		return 10;
	return 30;
}

/* Starts a new budget when the minute changed. */
static void roll(struct sbx *sbx)
{
	int64_t now = sbx_now_us(sbx);
	int64_t minute = now / 60000000LL - (now % 60000000LL < 0);

	if (minute != sbx->priv->rl_minute) {
		sbx->priv->rl_minute = minute;
		sbx->priv->rl_spent = 0;
	}
}

/* Budget left this minute. */
unsigned sbx_ratelimit_remaining(struct sbx *sbx)
{
	if (!sbx || !sbx->opts.rate_limit)
		return UINT32_MAX;
	roll(sbx);
	return sbx->priv->rl_spent >= sbx->opts.rate_limit
	               ? 0
	               : sbx->opts.rate_limit - sbx->priv->rl_spent;
}

/* Charges a request, or refuses it when the budget cannot cover its cost. */
int sbx_ratelimit_charge(struct sbx *sbx, unsigned cost, unsigned *remaining)
{
	unsigned left = sbx_ratelimit_remaining(sbx);

	if (!sbx->opts.rate_limit) {
		*remaining = UINT32_MAX;
		sbx->counters.cost_charged += cost;
		return 0;
	}
	if (cost > left) {
		*remaining = left;
		return EAGAIN;
	}
	sbx->priv->rl_spent += cost;
	sbx->counters.cost_charged += cost;
	*remaining = left - cost;
	return 0;
}

/* Gives the whole budget back. */
void sbx_ratelimit_reset(struct sbx *sbx)
{
	if (sbx)
		sbx->priv->rl_spent = 0;
}

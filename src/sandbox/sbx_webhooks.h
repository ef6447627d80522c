/*
 * sbx_webhooks: webhook subscriptions and signed deliveries in loftdial-sandbox
 * (reference/salesloft-api.md §5).
 *
 * Routes: GET/POST /v2/webhook_subscriptions, GET/PUT/DELETE /v2/webhook_subscriptions/{id}.
 * Every record change the core reports (sbx_on_change) that maps to a Salesloft event name
 * is POSTed, as the bare record JSON, to each enabled subscription for that event, with
 * headers x-salesloft-event and x-salesloft-signature (lowercase hex HMAC-SHA1 of the exact
 * body, keyed by the subscription's callback_token). A failed delivery (no response, or a
 * non-2xx status) is retried 3 more times, retry_ms apart (15 s like Salesloft; the sandbox's
 * --webhook-retry-ms shortens it for tests), then counted as failed. Deliveries run through
 * httpc on the one loop and never block the server.
 */
#ifndef LOFTDIAL_SBX_WEBHOOKS_H
#define LOFTDIAL_SBX_WEBHOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbx.h"

#define SBX_WEBHOOKS_ATTEMPTS        4     /* the first try and 3 retries */
#define SBX_WEBHOOKS_RETRY_MS        15000 /* Salesloft's interval */
#define SBX_WEBHOOKS_SIG_HEX         41    /* 40 hex digits and the NUL */
#define SBX_WEBHOOKS_DEFAULT_TIMEOUT 10000 /* ms per attempt (UNCONFIRMED for Salesloft) */

/* Delivery counters, merged into the admin counters. */
struct sbx_webhooks_stats {
	uint64_t events;    /* change events that matched at least one subscription */
	uint64_t attempts;  /* POSTs sent, retries included */
	uint64_t delivered; /* deliveries that got a 2xx (on any attempt) */
	uint64_t retried;   /* attempts that failed and were scheduled again */
	uint64_t failed;    /* deliveries that failed all attempts */
	uint64_t in_flight; /* deliveries not finished yet */
};

/* Writes the lowercase hex HMAC-SHA1 of body keyed by key into hex (at least
 * SBX_WEBHOOKS_SIG_HEX bytes). 0 or EINVAL. */
int sbx_webhooks_sign(const char *key, const char *body, size_t len, char *hex, size_t n);

/* The Salesloft event names a change produces (0, 1 or 2 of them, written to names[]):
 * e.g. (SBX_PEOPLE, "created") → "person_created". Only events in the reference's list are
 * produced (no user_deleted, cadence_membership_deleted, call_deleted). A task update that
 * completes the task (just_completed) gives task_updated and then task_completed. */
size_t sbx_webhooks_events(enum sbx_kind kind, const char *change, bool just_completed,
                           const char **names, size_t max);

/* True when name is an event type a subscription may be created for (the reference's list,
 * including events this sandbox never fires, such as meeting_booked). */
bool sbx_webhooks_event_known(const char *name);

/* Sets the retry interval (ms) and the per-attempt timeout (ms, 0 = default). */
void sbx_webhooks_set_timing(unsigned retry_ms, unsigned timeout_ms);
/* The delivery counters so far. */
void sbx_webhooks_get_stats(struct sbx_webhooks_stats *st);
/* Recent deliveries as JSON for the admin API: [{"subscription_id","event_type","record_id",
 * "attempts","status","last_http_status","state":"delivered|retrying|failed|sending"}, ...],
 * newest last, at most the last 256; caller deletes. */
cJSON *sbx_webhooks_recent_json(void);
/* Zeroes the counters and forgets the recent deliveries (admin counter reset). */
void sbx_webhooks_reset_stats(void);

#endif

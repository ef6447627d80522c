/*
 * whevents: webhook deliveries, stored durably before the receiver answers 2xx
 * (table webhook_events).
 *
 * Salesloft retries a delivery only a few times, so the receiver writes the body first and
 * applies it afterwards; an event whose application failed or was interrupted is still there
 * (applied_at NULL) and is applied again at the next start. Bodies with a bad signature are
 * kept for diagnosis but never applied.
 */
#ifndef LOFTDIAL_WHEVENTS_H
#define LOFTDIAL_WHEVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loftdial/store.h"

struct whevent {
	int64_t id;
	int64_t received_at; /* unix seconds */
	char event_type[64]; /* from x-salesloft-event, e.g. "person_updated" */
	bool signature_ok;
	const char *body;   /* as received (only valid during the callback) */
	int64_t applied_at; /* unix seconds, 0 = not applied yet */
	const char *error;  /* why applying failed, NULL when it did not */
};

/* Stores one delivery; body is len bytes (need not be NUL-terminated). id may be NULL.
 * EINVAL for an empty event_type or a NULL body. */
int whevents_put(struct store *st, int64_t received_at, const char *event_type, bool signature_ok,
                 const char *body, size_t len, int64_t *id);
/* Records the result of applying event id: error NULL = applied (applied_at = now), otherwise
 * the error is kept and the event stays pending. ENOENT when absent. */
int whevents_mark_applied(struct store *st, int64_t id, const char *error);

/* Calls cb, in arrival order, for each event with a good signature that is not applied yet.
 * A non-zero return stops and is returned. The callback may use the store (mark it applied). */
typedef int(whevents_each_h)(const struct whevent *ev, void *arg);
int whevents_pending(struct store *st, whevents_each_h *cb, void *arg);

/* Deletes applied (and bad-signature) events received before before; n may be NULL. */
int whevents_prune(struct store *st, int64_t before, unsigned *n);

#endif

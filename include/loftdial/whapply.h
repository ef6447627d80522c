/*
 * whapply: applying one Salesloft webhook event to the store.
 *
 * A delivery body is the bare record (no envelope) and the event name comes from the
 * x-salesloft-event header. `<object>_deleted` soft-deletes the row at once; `_created` and
 * `_updated` upsert the record, except that a deleted row is never brought back by an event
 * no newer than the deletion (a replayed or late update after a delete is harmless). Events
 * for objects the store does not keep (task_*, note_*, meeting_*, ...) are accepted and
 * ignored. Webhooks are lossy; the poller reconciles whatever they miss.
 */
#ifndef LOFTDIAL_WHAPPLY_H
#define LOFTDIAL_WHAPPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "loftdial/store.h"

/* The event types `loftdial webhooks register` subscribes to, NULL-terminated. */
extern const char *const whapply_event_types[];

/* The stored object an event type concerns and whether it is a deletion; ENOENT for event
 * types about objects the store does not keep, EINVAL for a malformed name. */
int whapply_event_obj(const char *event_type, enum store_obj *obj, bool *is_delete);

/* Applies one event. 0 when applied (or deliberately ignored: *ignored says so, msg why),
 * EBADMSG when the body is not a record with an id, or a store errno. msg gets one line. */
int whapply_event(struct store *st, const char *event_type, const char *body, size_t len,
                  bool *ignored, char *msg, size_t n);

#endif

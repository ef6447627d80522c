/*
 * callhist: the calls a person has had, newest first, as the dial session's card shows them.
 *
 * Two sources in the store make one list: the calls synced from Salesloft (sl_calls: when,
 * the number, duration, disposition, sentiment; Salesloft keeps a call's note as a separate
 * object, so a synced call carries no note text), and the calls loftdial itself logged
 * through the outbox (kind "call": the same fields and the rep's notes, whatever the item's
 * state). A synced call that an outbox item created (its remote id) is shown once, as the
 * outbox item, so the notes stay with it.
 */
#ifndef LOFTDIAL_CALLHIST_H
#define LOFTDIAL_CALLHIST_H

#include <stdint.h>

#include "loftdial/store.h"

#define CALLHIST_NOTES_MAX 512

/* One call. Strings are "" when unknown, cut to their buffer, and hostile (sanitize before
 * drawing). */
struct callhist {
	int64_t call_id;   /* Salesloft's id (0 while an outbox item is not sent) */
	int64_t outbox_id; /* 0 for a call that only the sync knows */
	int64_t at;        /* unix seconds (the outbox item's creation, the call's update) */
	char to[64];
	int64_t duration_s;
	char disposition[128];
	char sentiment[128];
	char notes[CALLHIST_NOTES_MAX];
	char state[16]; /* the outbox item's state ("queued", "sent", ...), "" for synced */
};

/* Calls cb for up to limit (0: 20) calls of person_id, newest first. A non-zero return from
 * cb stops the walk and is returned. EINVAL for a NULL store or callback or an id <= 0. The
 * callback may use the store. */
typedef int(callhist_each_h)(const struct callhist *c, void *arg);
int callhist_person(struct store *st, int64_t person_id, unsigned limit, callhist_each_h *cb,
                    void *arg);

#endif

/*
 * personcad: the cadences a person is on (or was on), and the step each stands at, as the
 * contact card shows them, read from the synced memberships, cadences, steps, calls, emails
 * and the person's record.
 *
 * Salesloft has no "current step" field: the step due is reached through the membership's
 * latest action, which loftdial does not sync. The store knows the steps the person has done
 * in a cadence (the person's last_completed_step, and the step of each synced call and email
 * of that cadence), so the current step is the first enabled step after the last one done,
 * or the cadence's first enabled step when none is done yet.
 */
#ifndef LOFTDIAL_PERSONCAD_H
#define LOFTDIAL_PERSONCAD_H

#include <stdbool.h>
#include <stdint.h>

#include "loftdial/store.h"

/* One membership. Strings are "" when unknown, cut to their buffer, and hostile (sanitize
 * before drawing). */
struct personcad {
	int64_t membership_id;
	int64_t cadence_id;
	char cadence[256];   /* the cadence's name, "" when the cadence is not synced */
	char state[32];      /* current_state: "active", "scheduled", "completed", ... */
	bool on_cadence;     /* currently_on_cadence */
	int64_t step_id;     /* the current step, 0 when unknown or off the cadence */
	int step_number;     /* its step_number (1-based in Salesloft), 0 when unknown */
	int step_day;        /* its day, 0 when unknown */
	char step_name[256]; /* its display_name ("Day 3: Step 2 - Phone"), else its name */
	char step_type[32];  /* "phone", "email", "other", ... */
};

/* Calls cb for up to limit (0: 10) live memberships of person_id: those on a cadence first,
 * then the newest added first. A non-zero return from cb stops the walk and is returned.
 * EINVAL for a NULL store or callback or an id <= 0. The callback may use the store. */
typedef int(personcad_each_h)(const struct personcad *m, void *arg);
int personcad_list(struct store *st, int64_t person_id, unsigned limit, personcad_each_h *cb,
                   void *arg);

#endif

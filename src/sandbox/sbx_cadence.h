/*
 * sbx_cadence: what cadence work does when something happens to it, in the sandbox: a call
 * logged against a phone action completes the action and its mirroring task and moves the
 * person's cadence membership on to the next step (or finishes it); deleting a person marks
 * the person's memberships person_deleted and removes the person's actions and tasks
 * (reference §4.5, §4.7, §4.12, §7; the timing rules are invented, see docs/sandbox.md).
 * Every change goes through sbx_record_put/sbx_record_delete, so webhooks see each one.
 */
#ifndef LOFTDIAL_SBX_CADENCE_H
#define LOFTDIAL_SBX_CADENCE_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "sbx.h"

/* Hooks the person-deletion cleanup onto the store's change hooks (called by
 * sbx_writes_register). 0 or an errno value. */
int sbx_cadence_register(struct sbx *sbx);

/* Completes action (a record as stored, changed in place) as done by user: its status
 * becomes completed, the task that mirrors it is completed, and the person's membership of
 * the action's cadence moves on. The person's last_completed_step (and its active cadences)
 * change in person when given, which the caller then stores; otherwise the person is loaded
 * and stored here. 0 or an errno value (the action's own write). */
int sbx_cadence_action_done(struct sbx *sbx, cJSON *action, int64_t user, cJSON *person);

/* The in-progress action that task mirrors, as a new cJSON (caller deletes), or NULL. */
cJSON *sbx_cadence_action_of_task(struct sbx *sbx, const cJSON *task);

#endif

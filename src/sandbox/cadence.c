/*
 * cadence: how cadence work moves in the sandbox (see sbx_cadence.h).
 *
 * A phone action completed by a call log is done: its status becomes completed (it leaves
 * the API, §4.7), the task that mirrors it is completed, and the person's membership of the
 * cadence moves on. The next step's action is created with its mirroring task, due after the
 * days between the two steps' "day" numbers (the same day: due at once), and the membership
 * points its latest_action at it and reads "active" when that action is due now or
 * "scheduled" when it is due later; after the last step the membership is "completed" and
 * no longer on the cadence. The person records the step as last_completed_step. These
 * timing and state rules are invented (the reference names the fields, not the rules).
 *
 * A deleted person's memberships stay, marked person_deleted (§4.5, §7), while the person's
 * actions and tasks are removed. All of it goes through the record store, so the webhooks of
 * every change fire (cadence_membership_updated, task_created/updated/completed/deleted).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "loftdial/log.h"
#include "sbx_cadence.h"
#include "sbx_core.h"
#include "sbx_writes.h"

#define DAY_US 86400000000LL

/* Sets a member, replacing any old value in its place. */
static void set_item(cJSON *o, const char *key, cJSON *v)
{
	if (!v)
		return;
	if (cJSON_GetObjectItemCaseSensitive(o, key))
		cJSON_ReplaceItemInObjectCaseSensitive(o, key, v);
	else
		cJSON_AddItemToObject(o, key, v);
}

/* A time member rendered in the team's zone. */
static void set_time(cJSON *o, const char *key, int64_t us)
{
	char t[40];

	sbx_time_render(t, sizeof(t), us, sbx_team_offset(us));
	set_item(o, key, cJSON_CreateString(t));
}

/* The first id a query with up to two integer parameters gives, or 0. */
static int64_t query_id(struct sbx *sbx, const char *sql, int64_t a, int64_t b)
{
	sqlite3_stmt *st = NULL;
	int64_t id = 0;

	if (sqlite3_prepare_v2(sbx->db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) > 1)
		sqlite3_bind_int64(st, 2, b);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

/* The ids of a kind's records that belong to a person (its indexed person_id column), so
 * that they can be changed after the statement is done. Caller frees *ids. */
static int person_ids(struct sbx *sbx, enum sbx_kind kind, int64_t person, int64_t **ids, size_t *n)
{
	sqlite3_stmt *st = NULL;
	char sql[128];
	size_t cap = 0;
	int err = 0;

	*ids = NULL;
	*n = 0;
	snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE person_id=? ORDER BY id",
	         sbx_kind_name(kind));
	if (sqlite3_prepare_v2(sbx->db, sql, -1, &st, NULL) != SQLITE_OK)
		return EIO;
	sqlite3_bind_int64(st, 1, person);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			int64_t *p = realloc(*ids, ncap * sizeof(**ids));

			if (!p) {
				err = ENOMEM;
				break;
			}
			*ids = p;
			cap = ncap;
		}
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return err;
}

/* Completes a scheduled task (the mirror of a completed action) as done by user. */
static void task_complete(struct sbx *sbx, int64_t id, int64_t user, int64_t now)
{
	cJSON *task = NULL;
	const char *state;

	if (!id || sbx_record_get(sbx, SBX_TASKS, id, &task))
		return;
	state = sbx_writes_get_str(task, "current_state");
	if (!state || strcmp(state, "completed")) {
		set_item(task, "current_state", cJSON_CreateString("completed"));
		set_time(task, "completed_at", now);
		sbx_ref_add(sbx, task, "completed_by", SBX_USERS, user);
		if (sbx_record_put(sbx, SBX_TASKS, task, NULL))
			log_warn("sandbox", "cadence: could not complete task %lld", (long long)id);
	}
	cJSON_Delete(task);
}

/* The task type that mirrors an action type. */
static const char *task_type_of(const char *action_type)
{
	if (action_type && !strcmp(action_type, "phone"))
		return "call";
	if (action_type && !strcmp(action_type, "email"))
		return "email";
	return "general";
}

/* Creates the scheduled task that mirrors a new action of step on person for user; its id,
 * or 0 when it could not be stored. Shaped like the generated mirroring tasks. */
static int64_t mirror_task_create(struct sbx *sbx, const cJSON *step, int64_t person, int64_t user,
                                  int64_t due)
{
	cJSON *t = cJSON_CreateObject(), *score;
	const char *name = sbx_writes_get_str(step, "display_name");
	char date[16];
	int64_t id = 0;

	if (!t)
		return 0;
	sbx_date_render(date, sizeof(date), due);
	cJSON_AddNullToObject(t, "description");
	cJSON_AddStringToObject(t, "due_date", date);
	set_time(t, "due_at", due);
	cJSON_AddStringToObject(t, "subject", name ? name : "Cadence step");
	cJSON_AddStringToObject(t, "current_state", "scheduled");
	cJSON_AddStringToObject(t, "task_type", task_type_of(sbx_writes_get_str(step, "type")));
	cJSON_AddNullToObject(t, "remind_at");
	cJSON_AddNullToObject(t, "expires_after");
	cJSON_AddNullToObject(t, "completed_at");
	cJSON_AddObjectToObject(t, "custom_attributes");
	score = cJSON_AddObjectToObject(t, "score");
	if (score) {
		cJSON_AddStringToObject(score, "score", "0.0");
		cJSON_AddStringToObject(score, "prioritizer_uuid", "salesloft.prioritizers/rhythm");
		cJSON_AddObjectToObject(score, "factors");
	}
	cJSON_AddArrayToObject(t, "object_references");
	cJSON_AddStringToObject(t, "source", "salesloft.cadence");
	cJSON_AddNullToObject(t, "multitouch_group_id");
	sbx_ref_add(sbx, t, "person", SBX_PEOPLE, person);
	sbx_ref_add(sbx, t, "user", SBX_USERS, user);
	sbx_ref_add(sbx, t, "created_by_user", SBX_USERS, user);
	cJSON_AddNullToObject(t, "completed_by");
	if (sbx_record_put(sbx, SBX_TASKS, t, &id))
		id = 0;
	cJSON_Delete(t);
	return id;
}

/* Creates the action of step for the membership's person and user, due at due, with its
 * mirroring task; its id, or 0. */
static int64_t action_create(struct sbx *sbx, const cJSON *step, int64_t step_id,
                             const cJSON *membership, int64_t due, int64_t now)
{
	int64_t person = sbx_writes_ref_id(membership, "person");
	int64_t user = sbx_writes_ref_id(membership, "user");
	int64_t cadence = sbx_writes_ref_id(membership, "cadence");
	const char *type = sbx_writes_get_str(step, "type");
	int64_t task = mirror_task_create(sbx, step, person, user, due);
	int64_t id = query_id(sbx, "SELECT max(id) + 1 FROM actions", 0, 0);
	cJSON *a = cJSON_CreateObject();

	if (!a || !id) {
		cJSON_Delete(a);
		return 0;
	}
	cJSON_AddNumberToObject(a, "id", (double)id);
	cJSON_AddStringToObject(a, "type", type ? type : "other");
	cJSON_AddBoolToObject(a, "due", due <= now);
	set_time(a, "due_on", due);
	cJSON_AddStringToObject(a, "status", "in_progress");
	cJSON_AddNullToObject(a, "multitouch_group_id");
	if (!type || strcmp(type, "phone")) {
		cJSON_AddNullToObject(a, "action_details");
	} else {
		char href[256];
		cJSON *ref = cJSON_CreateObject();

		/* The call instructions live under /v2/action_details/call_instructions/{id}. */
		snprintf(href, sizeof(href), "%s/v2/action_details/call_instructions/%lld",
		         sbx->base_url, (long long)id);
		cJSON_AddStringToObject(ref, "_href", href);
		cJSON_AddNumberToObject(ref, "id", (double)id);
		set_item(a, "action_details", ref);
	}
	sbx_ref_add(sbx, a, "person", SBX_PEOPLE, person);
	sbx_ref_add(sbx, a, "user", SBX_USERS, user);
	sbx_ref_add(sbx, a, "cadence", SBX_CADENCES, cadence);
	sbx_ref_add(sbx, a, "step", SBX_STEPS, step_id);
	sbx_ref_add(sbx, a, "task", SBX_TASKS, task);
	if (sbx_record_put(sbx, SBX_ACTIONS, a, &id))
		id = 0;
	cJSON_Delete(a);
	return id;
}

/* Moves the membership of the action's person and cadence past the action's step. Returns
 * whether the membership finished (no step left). */
static bool membership_move_on(struct sbx *sbx, const cJSON *action, int64_t now)
{
	int64_t person = sbx_writes_ref_id(action, "person");
	int64_t cadence = sbx_writes_ref_id(action, "cadence");
	int64_t step_id = sbx_writes_ref_id(action, "step"), next_id = 0;
	cJSON *m = NULL, *step = NULL, *next = NULL, *counts;
	bool finished = false;
	int64_t mid;

	mid = query_id(sbx,
	               "SELECT id FROM cadence_memberships WHERE person_id=? AND cadence_id=? "
	               "ORDER BY id DESC LIMIT 1",
	               person, cadence);
	if (!mid || sbx_record_get(sbx, SBX_CADENCE_MEMBERSHIPS, mid, &m))
		goto out;
	if (!sbx_record_get(sbx, SBX_STEPS, step_id, &step)) {
		const cJSON *num = cJSON_GetObjectItemCaseSensitive(step, "step_number");

		if (cJSON_IsNumber(num))
			next_id = query_id(
			        sbx,
			        "SELECT id FROM steps WHERE cadence_id=? AND step_number>? "
			        "ORDER BY step_number, id LIMIT 1",
			        cadence, (int64_t)num->valuedouble);
	}
	if (next_id && !sbx_record_get(sbx, SBX_STEPS, next_id, &next)) {
		const cJSON *d0 = cJSON_GetObjectItemCaseSensitive(step, "day");
		const cJSON *d1 = cJSON_GetObjectItemCaseSensitive(next, "day");
		int64_t days = cJSON_IsNumber(d0) && cJSON_IsNumber(d1)
		                       ? (int64_t)d1->valuedouble - (int64_t)d0->valuedouble
		                       : 0;
		int64_t due = now + (days > 0 ? days : 0) * DAY_US;
		int64_t aid = action_create(sbx, next, next_id, m, due, now);

		sbx_ref_add(sbx, m, "latest_action", SBX_ACTIONS, aid);
		set_item(m, "current_state",
		         cJSON_CreateString(due <= now ? "active" : "scheduled"));
		set_item(m, "currently_on_cadence", cJSON_CreateBool(true));
	} else {
		finished = true;
		set_item(m, "current_state", cJSON_CreateString("completed"));
		set_item(m, "currently_on_cadence", cJSON_CreateBool(false));
	}
	counts = cJSON_GetObjectItemCaseSensitive(m, "counts");
	if (cJSON_IsObject(counts)) {
		const cJSON *calls = cJSON_GetObjectItemCaseSensitive(counts, "calls");

		set_item(counts, "calls",
		         cJSON_CreateNumber(cJSON_IsNumber(calls) ? calls->valuedouble + 1 : 1));
	}
	if (sbx_record_put(sbx, SBX_CADENCE_MEMBERSHIPS, m, NULL))
		log_warn("sandbox", "cadence: could not move membership %lld on", (long long)mid);
out:
	cJSON_Delete(m);
	cJSON_Delete(step);
	cJSON_Delete(next);
	return finished;
}

/* The person's record of the step done: last_completed_step and its cadence, and the
 * cadence leaves the person's active cadences once the membership finished. */
static void person_step_done(struct sbx *sbx, cJSON *person, const cJSON *action, bool finished)
{
	int64_t cadence = sbx_writes_ref_id(action, "cadence");
	cJSON *list = cJSON_GetObjectItemCaseSensitive(person, "cadences");

	sbx_ref_add(sbx, person, "last_completed_step_cadence", SBX_CADENCES, cadence);
	sbx_ref_add(sbx, person, "last_completed_step", SBX_STEPS,
	            sbx_writes_ref_id(action, "step"));
	if (finished && cJSON_IsArray(list)) {
		for (int i = cJSON_GetArraySize(list) - 1; i >= 0; i--) {
			const cJSON *id =
			        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, i), "id");

			if (cJSON_IsNumber(id) && (int64_t)id->valuedouble == cadence)
				cJSON_DeleteItemFromArray(list, i);
		}
	}
}

/* Completes an action and moves its cadence on (see sbx_cadence.h). */
int sbx_cadence_action_done(struct sbx *sbx, cJSON *action, int64_t user, cJSON *person)
{
	int64_t now = sbx_now_us(sbx);
	cJSON *own = NULL;
	bool finished;
	int err;

	if (!sbx || !action)
		return EINVAL;
	set_item(action, "status", cJSON_CreateString("completed"));
	set_item(action, "due", cJSON_CreateBool(false));
	err = sbx_record_put(sbx, SBX_ACTIONS, action, NULL);
	if (err)
		return err;
	task_complete(sbx, sbx_writes_ref_id(action, "task"), user, now);
	finished = membership_move_on(sbx, action, now);
	if (!person &&
	    !sbx_record_get(sbx, SBX_PEOPLE, sbx_writes_ref_id(action, "person"), &own)) {
		person_step_done(sbx, own, action, finished);
		if (sbx_record_put(sbx, SBX_PEOPLE, own, NULL))
			log_warn("sandbox", "cadence: could not update the person");
		cJSON_Delete(own);
	} else if (person) {
		person_step_done(sbx, person, action, finished);
	}
	return 0;
}

/* The in-progress action whose task reference is this task (see sbx_cadence.h). */
cJSON *sbx_cadence_action_of_task(struct sbx *sbx, const cJSON *task)
{
	int64_t person = sbx_writes_ref_id(task, "person"), *ids = NULL, tid;
	const cJSON *jid = cJSON_GetObjectItemCaseSensitive(task, "id");
	cJSON *found = NULL;
	size_t n = 0;

	if (!sbx || !cJSON_IsNumber(jid) || !person)
		return NULL;
	tid = (int64_t)jid->valuedouble;
	/* A person has a few actions: read them rather than index every action's task. */
	if (person_ids(sbx, SBX_ACTIONS, person, &ids, &n))
		n = 0;
	for (size_t i = 0; i < n && !found; i++) {
		cJSON *a = NULL;
		const char *status;

		if (sbx_record_get(sbx, SBX_ACTIONS, ids[i], &a))
			continue;
		status = sbx_writes_get_str(a, "status");
		if (sbx_writes_ref_id(a, "task") == tid && status &&
		    (!strcmp(status, "in_progress") || !strcmp(status, "pending_activity")))
			found = a;
		else
			cJSON_Delete(a);
	}
	free(ids);
	return found;
}

/* A person was deleted: memberships stay, marked person_deleted; actions and tasks go. */
static void on_change(struct sbx *sbx, enum sbx_kind kind, int64_t id, const char *event,
                      const char *json, size_t len, void *arg)
{
	static const enum sbx_kind removed[] = {SBX_ACTIONS, SBX_TASKS};
	int64_t *ids = NULL;
	size_t n = 0;

	(void)json;
	(void)len;
	(void)arg;
	if (kind != SBX_PEOPLE || strcmp(event, "deleted"))
		return;
	if (!person_ids(sbx, SBX_CADENCE_MEMBERSHIPS, id, &ids, &n)) {
		for (size_t i = 0; i < n; i++) {
			cJSON *m = NULL;

			if (sbx_record_get(sbx, SBX_CADENCE_MEMBERSHIPS, ids[i], &m))
				continue;
			set_item(m, "person_deleted", cJSON_CreateBool(true));
			if (sbx_record_put(sbx, SBX_CADENCE_MEMBERSHIPS, m, NULL))
				log_warn("sandbox", "cadence: could not mark membership %lld",
				         (long long)ids[i]);
			cJSON_Delete(m);
		}
	}
	free(ids);
	for (size_t k = 0; k < sizeof(removed) / sizeof(removed[0]); k++) {
		ids = NULL;
		n = 0;
		if (!person_ids(sbx, removed[k], id, &ids, &n)) {
			for (size_t i = 0; i < n; i++)
				(void)sbx_record_delete(sbx, removed[k], ids[i]);
		}
		free(ids);
	}
}

/* Hooks the person-deletion cleanup onto the store. */
int sbx_cadence_register(struct sbx *sbx)
{
	return sbx_on_change(sbx, on_change, NULL);
}

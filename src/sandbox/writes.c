/*
 * writes: the Salesloft write endpoints of the sandbox: logging calls, updating and creating
 * tasks, creating notes (reference/salesloft-api.md §4.8, §4.10, §4.12, §4.13).
 *
 * Validation collects every problem into one Rails-style 422 errors map, as Salesloft does,
 * before anything is written; a successful call log then writes the call (and its note),
 * completes the task or the action, and updates the person, each through sbx_record_put so
 * the change hooks (webhooks) see every step.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "loftdial/log.h"
#include "sbx_writes.h"
#include "loftdial/text.h"
#include "sbx_cadence.h"

/* Every field POST /v2/activities/calls reads (for form-encoded bodies). */
static const char *const call_fields[] = {"person_id", "to",    "duration",  "disposition",
                                          "sentiment", "notes", "user_guid", "action_id",
                                          "task_id",   NULL};
static const char *const task_fields[] = {
        "current_state", "description", "due_date", "remind_at", "subject",         "is_logged",
        "person_id",     "task_type",   "user_id",  "user_guid", "idempotency_key", NULL};
static const char *const note_fields[] = {
        "content", "associated_with_type", "associated_with_id", "call_id",
        "subject", "skip_crm_sync",        "user_guid",          NULL};

/* The work a call may complete (an action or a task) and the shape it must have. The body
 * field is also the calls table's indexed column for the reference. */
struct work_kind {
	const char *field; /* "action_id" or "task_id" */
	enum sbx_kind kind;
	const char *type_key, *type, *type_msg;             /* what kind of work it must be */
	const char *state_key, *state, *state2, *state_msg; /* and the state it must be in */
};

static const struct work_kind action_work = {
        .field = "action_id",
        .kind = SBX_ACTIONS,
        .type_key = "type",
        .type = "phone",
        .type_msg = "must be a phone action",
        .state_key = "status",
        .state = "in_progress",
        /* INVENTED: pending_activity means the step's activity has begun (a call placed)
         * and waits for its log, so a call log completes it like an in-progress one. */
        .state2 = "pending_activity",
        .state_msg = "is not in progress",
};
static const struct work_kind task_work = {
        .field = "task_id",
        .kind = SBX_TASKS,
        .type_key = "task_type",
        .type = "call",
        .type_msg = "must be a call task",
        .state_key = "current_state",
        .state = "scheduled",
        .state_msg = "is not scheduled",
};

/* True when a stored call already completed this action or task: ids are usable once. The
 * calls table indexes the action reference (column "action_id"); the Call record has no task
 * reference (§4.10), so the tasks calls completed are kept in the table sbx_call_tasks. */
static bool already_used(struct sbx *sbx, const char *column, int64_t id)
{
	sqlite3_stmt *st = NULL;
	char value[32];
	int64_t call;
	bool used;

	if (strcmp(column, "task_id")) {
		snprintf(value, sizeof(value), "%lld", (long long)id);
		return sbx_record_find(sbx, SBX_CALLS, column, value, &call) == 0;
	}
	if (sqlite3_prepare_v2(sbx->db, "SELECT 1 FROM sbx_call_tasks WHERE task_id=?", -1, &st,
	                       NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_int64(st, 1, id);
	used = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return used;
}

/* Remembers that call completed task (see already_used). */
static int task_used(struct sbx *sbx, int64_t task, int64_t call)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(sbx->db, "INSERT OR REPLACE INTO sbx_call_tasks VALUES(?,?)", -1,
	                       &st, NULL) != SQLITE_OK)
		return EIO;
	sqlite3_bind_int64(st, 1, task);
	sqlite3_bind_int64(st, 2, call);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : EIO;
}

/* The next id a kind would get, so that two records can refer to each other from birth. */
static int64_t next_id(struct sbx *sbx, enum sbx_kind kind)
{
	sqlite3_stmt *st = NULL;
	char sql[96];
	int64_t id = 1;

	snprintf(sql, sizeof(sql), "SELECT max(id) FROM %s", sbx_kind_name(kind));
	if (sqlite3_prepare_v2(sbx->db, sql, -1, &st, NULL) != SQLITE_OK)
		return id;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		id = sqlite3_column_int64(st, 0) + 1;
	sqlite3_finalize(st);
	return id;
}

/* True when the user record is a team admin. */
static bool is_admin(const cJSON *user)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(user, "team_admin"));
}

/* Resolves who a write acts for: the caller, or user_guid (admins only for others). Returns
 * the user id, 0 after it replied (403) or recorded a 422 error. */
static int64_t acting_user(struct sbx_req *req, const cJSON *body, cJSON *errors, bool *replied)
{
	struct sbx *sbx = sbx_req_sbx(req);
	const char *guid = sbx_writes_get_str(body, "user_guid");
	int64_t caller = sbx_req_user(req), id = 0;
	cJSON *me = NULL;

	*replied = false;
	if (!guid || !*guid)
		return caller;
	if (sbx_record_find(sbx, SBX_USERS, "guid", guid, &id)) {
		sbx_writes_error(errors, "user_guid", "could not be found");
		return 0;
	}
	if (id == caller)
		return id;
	if (sbx_record_get(sbx, SBX_USERS, caller, &me) || !is_admin(me)) {
		cJSON_Delete(me);
		sbx_reply_error(req, 403, "Only team admins may act for another user");
		*replied = true;
		return 0;
	}
	cJSON_Delete(me);
	return id;
}

/* Checks a disposition or sentiment name against the team's list. */
static void check_name(struct sbx *sbx, const cJSON *body, const char *field, enum sbx_kind kind,
                       bool required, cJSON *errors)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, field);
	int64_t id;

	if (!v || cJSON_IsNull(v) || (cJSON_IsString(v) && !*v->valuestring)) {
		if (required)
			sbx_writes_error(errors, field, "can't be blank");
		return;
	}
	if (!cJSON_IsString(v)) {
		sbx_writes_error(errors, field, "must be a string");
		return;
	}
	if (sbx_record_find(sbx, kind, "name", v->valuestring, &id))
		sbx_writes_error(errors, field, "is not included in the list");
}

/* Loads the record an id field names, recording a 422 error when it is bad or missing. */
static cJSON *load_ref(struct sbx *sbx, const cJSON *body, const char *field, enum sbx_kind kind,
                       bool required, int64_t *idp, cJSON *errors)
{
	cJSON *rec = NULL;
	int err = sbx_writes_get_id(body, field, idp);

	if (err == ENOENT) {
		*idp = 0;
		if (required)
			sbx_writes_error(errors, field, "can't be blank");
		return NULL;
	}
	if (err) {
		sbx_writes_error(errors, field, "is invalid");
		*idp = 0;
		return NULL;
	}
	if (sbx_record_get(sbx, kind, *idp, &rec)) {
		sbx_writes_error(errors, field, "could not be found");
		return NULL;
	}
	return rec;
}

/* A string member of a record, or "". */
static const char *str_of(const cJSON *rec, const char *key)
{
	const char *s = sbx_writes_get_str(rec, key);

	return s ? s : "";
}

/* Adds name: string or null. */
static void add_str_or_null(cJSON *o, const char *name, const char *s)
{
	if (s && *s)
		cJSON_AddStringToObject(o, name, s);
	else
		cJSON_AddNullToObject(o, name);
}

/* Marks a call task completed by user (through the store, so task_updated/completed fire). */
static int complete_task(struct sbx *sbx, cJSON *task, int64_t user)
{
	char now[40];

	sbx_writes_now(sbx, now, sizeof(now));
	cJSON_ReplaceItemInObjectCaseSensitive(task, "current_state",
	                                       cJSON_CreateString("completed"));
	if (cJSON_GetObjectItemCaseSensitive(task, "completed_at"))
		cJSON_ReplaceItemInObjectCaseSensitive(task, "completed_at",
		                                       cJSON_CreateString(now));
	else
		cJSON_AddStringToObject(task, "completed_at", now);
	sbx_ref_add(sbx, task, "completed_by", SBX_USERS, user);
	return sbx_record_put(sbx, SBX_TASKS, task, NULL);
}

/* Sets a member, replacing any old value. */
static void set_item(cJSON *o, const char *key, cJSON *v)
{
	if (!v)
		return;
	if (cJSON_GetObjectItemCaseSensitive(o, key))
		cJSON_ReplaceItemInObjectCaseSensitive(o, key, v);
	else
		cJSON_AddItemToObject(o, key, v);
}

/* After a call: the person's call count, last contact and who made it. */
static void touch_person(struct sbx *sbx, cJSON *person, int64_t user)
{
	cJSON *counts = cJSON_GetObjectItemCaseSensitive(person, "counts");
	cJSON *calls =
	        cJSON_IsObject(counts) ? cJSON_GetObjectItemCaseSensitive(counts, "calls") : NULL;
	char now[40];

	sbx_writes_now(sbx, now, sizeof(now));
	if (cJSON_IsObject(counts))
		set_item(counts, "calls",
		         cJSON_CreateNumber(cJSON_IsNumber(calls) ? calls->valuedouble + 1 : 1));
	set_item(person, "last_contacted_at", cJSON_CreateString(now));
	set_item(person, "last_contacted_type", cJSON_CreateString("Call"));
	sbx_ref_add(sbx, person, "last_contacted_by", SBX_USERS, user);
	if (sbx_record_put(sbx, SBX_PEOPLE, person, NULL))
		log_warn("sandbox", "writes: could not update person after a call");
}

/* Loads the action or task w names and checks it is unused, of the right kind, in the right
 * state and the person's; records a 422 error otherwise (the record, if any, is returned
 * either way for the caller to free). */
static cJSON *check_one(struct sbx *sbx, const cJSON *body, const struct work_kind *w,
                        int64_t person_id, int64_t *idp, cJSON *errors)
{
	cJSON *rec;

	if (!sbx_writes_get_id(body, w->field, idp) && already_used(sbx, w->field, *idp)) {
		sbx_writes_error(errors, w->field, "has already been used");
		return NULL;
	}
	rec = load_ref(sbx, body, w->field, w->kind, false, idp, errors);
	if (!rec)
		return NULL;
	if (strcmp(str_of(rec, w->type_key), w->type))
		sbx_writes_error(errors, w->field, w->type_msg);
	else if (strcmp(str_of(rec, w->state_key), w->state) &&
	         (!w->state2 || strcmp(str_of(rec, w->state_key), w->state2)))
		sbx_writes_error(errors, w->field, w->state_msg);
	else if (person_id && sbx_writes_ref_id(rec, "person") != person_id)
		sbx_writes_error(errors, w->field, "does not belong to person_id");
	return rec;
}

/* Validates the action or task a call completes (at most one of them). */
static void check_work(struct sbx *sbx, const cJSON *body, int64_t person_id, cJSON **action,
                       int64_t *action_id, cJSON **task, int64_t *task_id, cJSON *errors)
{
	bool has_action = sbx_writes_get_id(body, "action_id", action_id) != ENOENT;
	bool has_task = sbx_writes_get_id(body, "task_id", task_id) != ENOENT;

	*action = *task = NULL;
	*action_id = *task_id = 0;
	if (has_action && has_task)
		sbx_writes_error(errors, "base", "action_id and task_id cannot both be given");
	else if (has_action)
		*action = check_one(sbx, body, &action_work, person_id, action_id, errors);
	else if (has_task)
		*task = check_one(sbx, body, &task_work, person_id, task_id, errors);
}

/* POST /v2/activities/calls. */
static void call_create(struct sbx_req *req, void *arg)
{
	struct sbx *sbx = sbx_req_sbx(req);
	cJSON *body, *errors = cJSON_CreateObject(), *person = NULL, *action = NULL, *task = NULL;
	cJSON *call = NULL, *note = NULL;
	int64_t person_id = 0, action_id = 0, task_id = 0, duration = 0, user, note_id = 0, id = 0;
	const char *to, *notes;
	bool bad = false, replied = false;
	int err, dur_err;

	body = sbx_writes_body(req, call_fields, &bad);
	if (!body || !errors) {
		sbx_reply_error(req, bad ? 400 : 500,
		                bad ? "The body is not a JSON object" : "out of memory");
		goto out;
	}
	user = acting_user(req, body, errors, &replied);
	if (replied)
		goto out;
	person = load_ref(sbx, body, "person_id", SBX_PEOPLE, true, &person_id, errors);
	check_name(sbx, body, "disposition", SBX_CALL_DISPOSITIONS, sbx->team.require_disposition,
	           errors);
	check_name(sbx, body, "sentiment", SBX_CALL_SENTIMENTS, sbx->team.require_sentiment,
	           errors);
	dur_err = sbx_writes_get_uint(body, "duration", &duration);
	if (dur_err == EINVAL)
		sbx_writes_error(errors, "duration", "must be a non-negative integer");
	to = sbx_writes_get_str(body, "to");
	if (cJSON_GetObjectItemCaseSensitive(body, "to") && !to &&
	    !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(body, "to")))
		sbx_writes_error(errors, "to", "must be a string");
	notes = sbx_writes_get_str(body, "notes");
	check_work(sbx, body, person ? person_id : 0, &action, &action_id, &task, &task_id, errors);
	if (cJSON_GetArraySize(errors) > 0) {
		sbx_writes_reply_errors(req, errors);
		goto out;
	}

	/* Everything is valid: write the call, its note, then complete the work. */
	call = cJSON_CreateObject();
	if (!call) {
		sbx_reply_error(req, 500, "out of memory");
		goto out;
	}
	add_str_or_null(call, "to", to);
	if (dur_err == ENOENT)
		cJSON_AddNullToObject(call, "duration");
	else
		cJSON_AddNumberToObject(call, "duration", (double)duration);
	add_str_or_null(call, "disposition", sbx_writes_get_str(body, "disposition"));
	add_str_or_null(call, "sentiment", sbx_writes_get_str(body, "sentiment"));
	cJSON_AddArrayToObject(call, "recordings");
	sbx_ref_add(sbx, call, "user", SBX_USERS, user);
	sbx_ref_add(sbx, call, "action", SBX_ACTIONS, action_id);
	sbx_ref_add(sbx, call, "called_person", SBX_PEOPLE, person_id);
	cJSON_AddNullToObject(call, "crm_activity");
	if (notes && *notes)
		note_id = next_id(sbx, SBX_NOTES);
	sbx_ref_add(sbx, call, "note", SBX_NOTES, note_id);
	sbx_ref_add(sbx, call, "cadence", SBX_CADENCES, sbx_writes_ref_id(action, "cadence"));
	sbx_ref_add(sbx, call, "step", SBX_STEPS, sbx_writes_ref_id(action, "step"));
	err = sbx_record_put(sbx, SBX_CALLS, call, &id);
	if (!err && task)
		err = task_used(sbx, task_id, id);
	if (err) {
		sbx_reply_error(req, 500, "could not store the call");
		goto out;
	}
	if (note_id) {
		note = cJSON_CreateObject();
		if (note) {
			cJSON_AddNumberToObject(note, "id", (double)note_id);
			cJSON_AddStringToObject(note, "content", notes);
			cJSON_AddStringToObject(note, "associated_type", "person");
			sbx_ref_add(sbx, note, "associated_with", SBX_PEOPLE, person_id);
			sbx_ref_add(sbx, note, "call", SBX_CALLS, id);
			sbx_ref_add(sbx, note, "user", SBX_USERS, user);
			if (sbx_record_put(sbx, SBX_NOTES, note, NULL))
				log_warn("sandbox", "writes: could not store the call's note");
		}
	}
	if (task && complete_task(sbx, task, user))
		log_warn("sandbox", "writes: could not complete task %lld", (long long)task_id);
	/* A task that mirrors a cadence action completes the action too (INVENTED), so the
	 * two never disagree; the action moves the person's cadence on. */
	if (task && !action)
		action = sbx_cadence_action_of_task(sbx, task);
	if (action && sbx_cadence_action_done(sbx, action, user, person))
		log_warn("sandbox", "writes: could not complete action %lld", (long long)action_id);
	touch_person(sbx, person, user);
	sbx_writes_reply_data(req, 200, call);
out:
	cJSON_Delete(body);
	cJSON_Delete(errors);
	cJSON_Delete(person);
	cJSON_Delete(action);
	cJSON_Delete(task);
	cJSON_Delete(call);
	cJSON_Delete(note);
}

/* True when s is a calendar date "YYYY-MM-DD". */
static bool is_date(const char *s)
{
	int64_t us;

	return s && strlen(s) == 10 && s[4] == '-' && s[7] == '-' && !sbx_time_parse(s, &us, NULL);
}

/* Applies the PUT/POST task fields shared by update and create; records 422 errors. */
static void task_fields_apply(struct sbx *sbx, const cJSON *body, cJSON *task, cJSON *errors)
{
	const cJSON *v;

	if ((v = cJSON_GetObjectItemCaseSensitive(body, "subject"))) {
		if (!cJSON_IsString(v) || !*v->valuestring)
			sbx_writes_error(errors, "subject", "can't be blank");
		else
			set_item(task, "subject", cJSON_CreateString(v->valuestring));
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(body, "description"))) {
		if (cJSON_IsNull(v))
			set_item(task, "description", cJSON_CreateNull());
		else if (!cJSON_IsString(v))
			sbx_writes_error(errors, "description", "must be a string");
		else
			set_item(task, "description", cJSON_CreateString(v->valuestring));
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(body, "due_date"))) {
		if (!cJSON_IsString(v) || !is_date(v->valuestring))
			sbx_writes_error(errors, "due_date", "is not a date (YYYY-MM-DD)");
		else
			set_item(task, "due_date", cJSON_CreateString(v->valuestring));
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(body, "remind_at"))) {
		int64_t us;
		int off;

		if (cJSON_IsNull(v) || (cJSON_IsString(v) && !*v->valuestring)) {
			set_item(task, "remind_at", cJSON_CreateNull());
		} else if (!cJSON_IsString(v) || sbx_time_parse(v->valuestring, &us, &off)) {
			sbx_writes_error(errors, "remind_at", "is not a time (ISO-8601)");
		} else {
			char t[40];

			sbx_time_render(t, sizeof(t), us, sbx_team_offset(us));
			set_item(task, "remind_at", cJSON_CreateString(t));
		}
	}
	(void)sbx;
}

/* PUT /v2/tasks/{id}. */
static void task_update(struct sbx_req *req, void *arg)
{
	struct sbx *sbx = sbx_req_sbx(req);
	cJSON *body, *errors = cJSON_CreateObject(), *task = NULL;
	const char *state;
	bool bad = false, logged = false;
	int64_t id;

	body = sbx_writes_body(req, task_fields, &bad);
	if (!body || !errors) {
		sbx_reply_error(req, bad ? 400 : 500,
		                bad ? "The body is not a JSON object" : "out of memory");
		goto out;
	}
	if (!sbx_writes_path_id(req, &id))
		goto out;
	if (sbx_record_get(sbx, SBX_TASKS, id, &task)) {
		sbx_reply_error(req, 404, "Not Found");
		goto out;
	}
	task_fields_apply(sbx, body, task, errors);
	if (sbx_writes_get_bool(body, "is_logged", &logged) == EINVAL)
		sbx_writes_error(errors, "is_logged", "must be true or false");
	state = sbx_writes_get_str(body, "current_state");
	if (cJSON_GetObjectItemCaseSensitive(body, "current_state") &&
	    (!state || strcmp(state, "completed")))
		sbx_writes_error(errors, "current_state", "is not included in the list");
	if (cJSON_GetArraySize(errors) > 0) {
		sbx_writes_reply_errors(req, errors);
		goto out;
	}
	/* is_logged ("only log the task", §4.8) completes the task as current_state=completed
	 * does: the work is recorded as done without anything else happening. */
	if ((state || logged) && strcmp(str_of(task, "current_state"), "completed")) {
		cJSON *action;

		if (complete_task(sbx, task, sbx_req_user(req))) {
			sbx_reply_error(req, 500, "could not store the task");
			goto out;
		}
		/* Completing the task that mirrors a cadence action completes the action. */
		action = sbx_cadence_action_of_task(sbx, task);
		if (action && sbx_cadence_action_done(sbx, action, sbx_req_user(req), NULL))
			log_warn("sandbox", "writes: could not complete the task's action");
		cJSON_Delete(action);
	} else if (sbx_record_put(sbx, SBX_TASKS, task, NULL)) {
		sbx_reply_error(req, 500, "could not store the task");
		goto out;
	}
	sbx_writes_reply_data(req, 200, task);
out:
	cJSON_Delete(body);
	cJSON_Delete(errors);
	cJSON_Delete(task);
}

/* The task an idempotency key created, or 0. */
static int64_t task_by_key(struct sbx *sbx, const char *key)
{
	sqlite3_stmt *st = NULL;
	int64_t id = 0;

	if (sqlite3_prepare_v2(sbx->db, "SELECT task_id FROM task_idempotency_keys WHERE key=?", -1,
	                       &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

/* Remembers which task a key created (a key whose task was deleted since is reused). */
static int key_remember(struct sbx *sbx, const char *key, int64_t task)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(sbx->db,
	                       "INSERT OR REPLACE INTO task_idempotency_keys(key, task_id) "
	                       "VALUES(?,?)",
	                       -1, &st, NULL) != SQLITE_OK)
		return EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, task);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : EIO;
}

/* POST /v2/tasks: a new scheduled task, shaped like fixtures/create-task-response.json. With
 * an idempotency_key already used (team-wide), the task it created is answered instead. */
static void task_create(struct sbx_req *req, void *arg)
{
	static const char *const types[] = {"call", "email", "general", NULL};
	struct sbx *sbx = sbx_req_sbx(req);
	cJSON *body, *errors = cJSON_CreateObject(), *person = NULL, *task = NULL, *score;
	const cJSON *key;
	int64_t person_id = 0, user = 0, uid = 0, first = 0;
	const char *type;
	bool bad = false, replied = false, type_ok = false;
	size_t i;

	body = sbx_writes_body(req, task_fields, &bad);
	if (!body || !errors) {
		sbx_reply_error(req, bad ? 400 : 500,
		                bad ? "The body is not a JSON object" : "out of memory");
		goto out;
	}
	user = acting_user(req, body, errors, &replied);
	if (replied)
		goto out;
	key = cJSON_GetObjectItemCaseSensitive(body, "idempotency_key");
	if (key && !cJSON_IsNull(key) && !cJSON_IsString(key))
		sbx_writes_error(errors, "idempotency_key", "must be a string");
	if (cJSON_IsString(key) && *key->valuestring &&
	    (first = task_by_key(sbx, key->valuestring)) != 0 &&
	    !sbx_record_get(sbx, SBX_TASKS, first, &task)) {
		/* A repeat: the task the key first created, whatever else this body says. */
		sbx_writes_reply_data(req, 200, task);
		goto out;
	}
	if (sbx_writes_get_id(body, "user_id", &uid) == 0) {
		cJSON *u = NULL;

		if (sbx_record_get(sbx, SBX_USERS, uid, &u))
			sbx_writes_error(errors, "user_id", "could not be found");
		else
			user = uid;
		cJSON_Delete(u);
	}
	person = load_ref(sbx, body, "person_id", SBX_PEOPLE, true, &person_id, errors);
	type = sbx_writes_get_str(body, "task_type");
	for (i = 0; type && types[i]; i++)
		type_ok |= !strcmp(type, types[i]);
	if (!type_ok)
		sbx_writes_error(errors, "task_type", "is not included in the list");
	if (!sbx_writes_get_str(body, "subject"))
		sbx_writes_error(errors, "subject", "can't be blank");
	if (!sbx_writes_get_str(body, "due_date"))
		sbx_writes_error(errors, "due_date", "can't be blank");
	task = cJSON_CreateObject();
	if (!task) {
		sbx_reply_error(req, 500, "out of memory");
		goto out;
	}
	cJSON_AddNullToObject(task, "description");
	cJSON_AddNullToObject(task, "due_date");
	cJSON_AddNullToObject(task, "due_at");
	cJSON_AddNullToObject(task, "subject");
	cJSON_AddStringToObject(task, "current_state", "scheduled");
	cJSON_AddStringToObject(task, "task_type", type_ok ? type : "general");
	cJSON_AddNullToObject(task, "remind_at");
	cJSON_AddNullToObject(task, "expires_after");
	cJSON_AddNullToObject(task, "completed_at");
	cJSON_AddObjectToObject(task, "custom_attributes");
	score = cJSON_AddObjectToObject(task, "score");
	if (score) {
		cJSON_AddStringToObject(score, "score", "0.0");
		cJSON_AddStringToObject(score, "prioritizer_uuid", "salesloft.prioritizers/rhythm");
		cJSON_AddObjectToObject(score, "factors");
	}
	cJSON_AddArrayToObject(task, "object_references");
	cJSON_AddStringToObject(task, "source", "salesloft.api");
	cJSON_AddNullToObject(task, "multitouch_group_id");
	task_fields_apply(sbx, body, task, errors);
	if (cJSON_GetArraySize(errors) > 0) {
		sbx_writes_reply_errors(req, errors);
		goto out;
	}
	sbx_ref_add(sbx, task, "person", SBX_PEOPLE, person_id);
	sbx_ref_add(sbx, task, "user", SBX_USERS, user);
	sbx_ref_add(sbx, task, "created_by_user", SBX_USERS, sbx_req_user(req));
	cJSON_AddNullToObject(task, "completed_by");
	if (sbx_record_put(sbx, SBX_TASKS, task, &first)) {
		sbx_reply_error(req, 500, "could not store the task");
		goto out;
	}
	if (cJSON_IsString(key) && *key->valuestring && key_remember(sbx, key->valuestring, first))
		log_warn("sandbox", "writes: could not remember task %lld's idempotency key",
		         (long long)first);
	sbx_writes_reply_data(req, 200, task);
out:
	cJSON_Delete(body);
	cJSON_Delete(errors);
	cJSON_Delete(person);
	cJSON_Delete(task);
}

/* POST /v2/notes. */
static void note_create(struct sbx_req *req, void *arg)
{
	struct sbx *sbx = sbx_req_sbx(req);
	cJSON *body, *errors = cJSON_CreateObject(), *target = NULL, *call = NULL, *note = NULL;
	int64_t target_id = 0, call_id = 0, user, other;
	const char *type, *content;
	enum sbx_kind kind = SBX_PEOPLE;
	bool bad = false, replied = false;

	body = sbx_writes_body(req, note_fields, &bad);
	if (!body || !errors) {
		sbx_reply_error(req, bad ? 400 : 500,
		                bad ? "The body is not a JSON object" : "out of memory");
		goto out;
	}
	user = acting_user(req, body, errors, &replied);
	if (replied)
		goto out;
	content = sbx_writes_get_str(body, "content");
	if (!content || !*content)
		sbx_writes_error(errors, "content", "can't be blank");
	type = sbx_writes_get_str(body, "associated_with_type");
	if (type && !strcmp(type, "account"))
		kind = SBX_ACCOUNTS;
	else if (!type || strcmp(type, "person"))
		sbx_writes_error(errors, "associated_with_type", "is not included in the list");
	target = load_ref(sbx, body, "associated_with_id", kind, true, &target_id, errors);
	call = load_ref(sbx, body, "call_id", SBX_CALLS, false, &call_id, errors);
	if (call) {
		char buf[32];

		/* A call may carry only one note. */
		snprintf(buf, sizeof(buf), "%lld", (long long)call_id);
		if (!sbx_record_find(sbx, SBX_NOTES, "call_id", buf, &other))
			sbx_writes_error(errors, "call_id", "has already been taken");
	}
	if (cJSON_GetArraySize(errors) > 0) {
		sbx_writes_reply_errors(req, errors);
		goto out;
	}
	note = cJSON_CreateObject();
	if (!note) {
		sbx_reply_error(req, 500, "out of memory");
		goto out;
	}
	cJSON_AddStringToObject(note, "content", content);
	cJSON_AddStringToObject(note, "associated_type",
	                        kind == SBX_ACCOUNTS ? "account" : "person");
	sbx_ref_add(sbx, note, "associated_with", kind, target_id);
	sbx_ref_add(sbx, note, "call", SBX_CALLS, call_id);
	sbx_ref_add(sbx, note, "user", SBX_USERS, user);
	if (sbx_record_put(sbx, SBX_NOTES, note, NULL)) {
		sbx_reply_error(req, 500, "could not store the note");
		goto out;
	}
	sbx_writes_reply_data(req, 200, note);
out:
	cJSON_Delete(body);
	cJSON_Delete(errors);
	cJSON_Delete(target);
	cJSON_Delete(call);
	cJSON_Delete(note);
}

/* Adds the write routes (calls, tasks, notes). */
int sbx_writes_register(struct sbx *sbx)
{
	int err = 0;

	err |= sbx_route(sbx, "POST", "/v2/activities/calls", call_create, NULL);
	err |= sbx_route(sbx, "PUT", "/v2/tasks/:id", task_update, NULL);
	err |= sbx_route(sbx, "POST", "/v2/tasks", task_create, NULL);
	err |= sbx_route(sbx, "POST", "/v2/notes", note_create, NULL);
	err |= sbx_cadence_register(sbx);
	return err ? ENOMEM : 0;
}

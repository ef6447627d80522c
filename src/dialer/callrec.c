/*
 * callrec: an ended attempt becomes a call record in the outbox (see callrec.h). The mapping
 * from outcomes to the team's disposition names is pure; reading the team's names and
 * enqueuing the record are the only store work.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "loftdial/callrec.h"
#include "loftdial/config.h"
#include "loftdial/outbox.h"
#include "loftdial/text.h"

#define TEAM_MAX     256
#define DEFAULTS_MAX 4

static const char *const kind_names[] = {"busy",    "no_answer", "invalid",   "voicemail",
                                         "dropped", "connected", "not_logged"};

/* The config key of each non-person outcome. */
static const char *const kind_keys[CALLREC_AUTO_COUNT] = {"outcome.busy", "outcome.no_answer",
                                                          "outcome.invalid", "outcome.voicemail",
                                                          "outcome.dropped"};

/* Names matched when the key is empty, most common first. */
static const char *const defaults[CALLREC_AUTO_COUNT][DEFAULTS_MAX] = {
        {"Busy", "Line Busy", NULL},
        {"No Answer", "No Answer - No Voicemail", "Not Answered", NULL},
        {"Bad Number", "Wrong Number", "Invalid Number", NULL},
        {"Left Voicemail", "Voicemail Left", "Voicemail", NULL},
        {"Dropped", "Abandoned", "Hung Up", NULL},
};

const char *callrec_kind_name(enum callrec_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "?";
}

enum callrec_kind callrec_classify(const struct callrec_attempt *a)
{
	if (!a)
		return CALLREC_NOT_LOGGED;
	if (a->live_dropped)
		return CALLREC_DROPPED;
	switch (a->outcome) {
	case CALL_OUT_CONNECTED:
		return a->connected ? CALLREC_CONNECTED : CALLREC_NOT_LOGGED;
	case CALL_OUT_BUSY:
		return CALLREC_BUSY;
	case CALL_OUT_NO_ANSWER:
	case CALL_OUT_REJECTED:
		return CALLREC_NO_ANSWER;
	case CALL_OUT_INVALID:
		return CALLREC_INVALID;
	case CALL_OUT_VOICEMAIL:
		/* A message left is a voicemail even when the rep heard the machine first and
		 * dropped the message (pool_voicemail_drop); a machine that got no message is
		 * the rep's to log if the rep had it, else not answered. */
		if (a->reason && !strcmp(a->reason, "voicemail left"))
			return CALLREC_VOICEMAIL;
		return a->connected ? CALLREC_CONNECTED : CALLREC_NO_ANSWER;
	default:
		return CALLREC_NOT_LOGGED;
	}
}

unsigned callrec_duration(const struct callrec_attempt *a)
{
	if (!a || !a->t_answer || a->t_end <= a->t_answer)
		return 0;
	return (unsigned)((a->t_end - a->t_answer + 500) / 1000);
}

/* The team's spelling of name (case ignored) among team, or NULL. */
static const char *team_has(const char *const *team, size_t nteam, const char *name)
{
	size_t i;

	for (i = 0; i < nteam; i++)
		if (team[i] && !strcasecmp(team[i], name))
			return team[i];
	return NULL;
}

void callrec_dispos_resolve(struct callrec_dispos *d, const struct config *cfg,
                            const char *const *team, size_t nteam, callrec_warn_h *warn, void *arg)
{
	char msg[512];
	unsigned k, i;

	memset(d, 0, sizeof(*d));
	for (k = 0; k < CALLREC_AUTO_COUNT; k++) {
		const char *want = cfg ? config_str(cfg, kind_keys[k]) : "";
		const char *got = NULL;

		if (want && want[0]) {
			got = team_has(team, nteam, want);
			if (!got && warn) {
				text_printf(
				        msg, sizeof(msg),
				        "%s is '%s' but the team has no disposition of that name; "
				        "%s calls are logged without a disposition (set %s to one "
				        "of the team's dispositions)",
				        kind_keys[k], want, kind_names[k], kind_keys[k]);
				warn(msg, arg);
			}
		} else {
			for (i = 0; i < DEFAULTS_MAX && defaults[k][i] && !got; i++)
				got = team_has(team, nteam, defaults[k][i]);
			if (!got && warn) {
				text_printf(
				        msg, sizeof(msg),
				        "the team has no disposition named like '%s'; %s calls are "
				        "logged without a disposition (set %s to one of the team's "
				        "dispositions)",
				        defaults[k][0], kind_names[k], kind_keys[k]);
				warn(msg, arg);
			}
		}
		if (got)
			text_copy(d->name[k], sizeof(d->name[k]), got);
	}
}

int callrec_dispos_load(struct callrec_dispos *d, struct store *st, const struct config *cfg,
                        callrec_warn_h *warn, void *arg)
{
	char *names[TEAM_MAX];
	size_t n = 0, i;
	sqlite3_stmt *s = NULL;
	int err, rc;

	memset(d, 0, sizeof(*d));
	err = store_stmt(st,
	                 "SELECT name FROM sl_call_dispositions WHERE is_deleted = 0 "
	                 "AND name IS NOT NULL ORDER BY id",
	                 &s);
	if (err)
		return err;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < TEAM_MAX) {
		const unsigned char *t = sqlite3_column_text(s, 0);

		names[n] = strdup(t ? (const char *)t : "");
		if (!names[n]) {
			err = ENOMEM;
			break;
		}
		n++;
	}
	store_stmt_end(s);
	if (!err && n == 0) {
		if (warn)
			warn("no call dispositions are stored (run loftdial sync): calls are "
			     "logged "
			     "without a disposition",
			     arg);
		err = ENOENT;
	}
	if (!err)
		callrec_dispos_resolve(d, cfg, (const char *const *)names, n, warn, arg);
	for (i = 0; i < n; i++)
		free(names[i]);
	return err;
}

int callrec_team_name(struct store *st, bool sentiments, const char *name, char *out, size_t n)
{
	sqlite3_stmt *s = NULL;
	int err;

	if (!name || !name[0])
		return ENOENT;
	err = store_stmt(st,
	                 sentiments ? "SELECT name FROM sl_call_sentiments WHERE is_deleted = 0 "
	                              "AND name = ?1 COLLATE NOCASE ORDER BY id LIMIT 1"
	                            : "SELECT name FROM sl_call_dispositions WHERE is_deleted = 0 "
	                              "AND name = ?1 COLLATE NOCASE ORDER BY id LIMIT 1",
	                 &s);
	if (err)
		return err;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	err = ENOENT;
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);

		text_copy(out, n, t ? (const char *)t : "");
		err = 0;
	}
	store_stmt_end(s);
	return err;
}

int callrec_team_names(struct store *st, bool sentiments, callrec_name_h *cb, void *arg)
{
	sqlite3_stmt *s = NULL;
	int err, rc;

	if (!st || !cb)
		return EINVAL;
	err = store_stmt(st,
	                 sentiments ? "SELECT name FROM sl_call_sentiments WHERE is_deleted = 0 "
	                              "AND name IS NOT NULL AND name <> '' ORDER BY id"
	                            : "SELECT name FROM sl_call_dispositions WHERE is_deleted = 0 "
	                              "AND name IS NOT NULL AND name <> '' ORDER BY id",
	                 &s);
	if (err)
		return err;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);

		err = cb(t ? (const char *)t : "", arg);
		if (err)
			break;
	}
	if (!err && rc != SQLITE_DONE)
		err = EIO;
	store_stmt_end(s);
	return err;
}

int callrec_body(const struct callrec *r, char **json)
{
	cJSON *o;
	char *s;

	if (!r || !json || r->person_id <= 0 || (r->action_id && r->task_id) || !r->to || !r->to[0])
		return EINVAL;
	o = cJSON_CreateObject();
	if (!o)
		return ENOMEM;
	cJSON_AddNumberToObject(o, "person_id", (double)r->person_id);
	cJSON_AddStringToObject(o, "to", r->to);
	cJSON_AddNumberToObject(o, "duration", r->duration_s);
	if (r->disposition && r->disposition[0])
		cJSON_AddStringToObject(o, "disposition", r->disposition);
	if (r->sentiment && r->sentiment[0])
		cJSON_AddStringToObject(o, "sentiment", r->sentiment);
	if (r->notes && r->notes[0])
		cJSON_AddStringToObject(o, "notes", r->notes);
	if (r->user_guid && r->user_guid[0])
		cJSON_AddStringToObject(o, "user_guid", r->user_guid);
	if (r->action_id)
		cJSON_AddNumberToObject(o, "action_id", (double)r->action_id);
	if (r->task_id)
		cJSON_AddNumberToObject(o, "task_id", (double)r->task_id);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s)
		return ENOMEM;
	*json = s;
	return 0;
}

int callrec_enqueue(struct store *st, const struct callrec *r, int64_t *id)
{
	char key[128], *body = NULL;
	int err = callrec_body(r, &body);

	if (err)
		return err;
	if (r->action_id)
		err = text_printf(key, sizeof(key), "action:%lld", (long long)r->action_id);
	else if (r->task_id)
		err = text_printf(key, sizeof(key), "task:%lld", (long long)r->task_id);
	else
		err = text_printf(key, sizeof(key), "call:%s:%u", r->session ? r->session : "",
		                  r->attempt);
	if (!err)
		err = outbox_enqueue(st, "call", key, body, id);
	free(body);
	return err;
}

int callrec_waiting(struct store *st, int64_t person_id, int64_t *id, enum outbox_state *state)
{
	sqlite3_stmt *s = NULL;
	int err, rc;

	if (!st || person_id <= 0)
		return EINVAL;
	/* The person is read from the body callrec_body() wrote: the outbox keeps no column for
	 * it, and the items not yet sent are few, so the state index narrows the scan. */
	err = store_stmt(st,
	                 "SELECT id, state FROM outbox WHERE kind = 'call' "
	                 "AND state IN ('queued','sending','failed') "
	                 "AND json_valid(body) AND json_extract(body, '$.person_id') = ?1 "
	                 "ORDER BY id LIMIT 1",
	                 &s);
	if (err)
		return err;
	sqlite3_bind_int64(s, 1, person_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 1);
		enum outbox_state os = OUTBOX_QUEUED;

		if (id)
			*id = sqlite3_column_int64(s, 0);
		if (t)
			outbox_state_parse((const char *)t, &os);
		if (state)
			*state = os;
		err = 0;
	} else {
		err = rc == SQLITE_DONE ? ENOENT : EIO;
	}
	store_stmt_end(s);
	return err;
}

int callrec_waiting_people(struct store *st, size_t max, int64_t **ids, size_t *n)
{
	sqlite3_stmt *s = NULL;
	int64_t *v = NULL;
	size_t k = 0, cap = 0;
	int err, rc;

	if (!ids || !n)
		return EINVAL;
	*ids = NULL;
	*n = 0;
	if (!st)
		return EINVAL;
	err = store_stmt(st,
	                 "SELECT DISTINCT CAST(json_extract(body, '$.person_id') AS INTEGER) AS p "
	                 "FROM outbox WHERE kind = 'call' "
	                 "AND state IN ('queued','sending','failed') AND json_valid(body) "
	                 "AND p > 0 ORDER BY p LIMIT ?1",
	                 &s);
	if (err)
		return err;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)max);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (k == cap) {
			size_t nc = cap ? cap * 2 : 16;
			int64_t *nv = realloc(v, nc * sizeof(*nv));

			if (!nv) {
				err = ENOMEM;
				goto out;
			}
			v = nv;
			cap = nc;
		}
		v[k++] = sqlite3_column_int64(s, 0);
	}
	if (rc != SQLITE_DONE)
		err = EIO;
out:
	store_stmt_end(s);
	if (err) {
		free(v);
		return err;
	}
	*ids = v;
	*n = k;
	return 0;
}

/* Sets one field of a call body: the value, or nothing for "". */
static int body_set(cJSON *body, const char *field, const char *value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(body, field);
	if (!value[0])
		return 0;
	return cJSON_AddStringToObject(body, field, value) ? 0 : ENOMEM;
}

/* One name of the correction set in body with the team's spelling ("" removes it). */
static int fix_name(struct store *st, cJSON *body, bool sentiment, const char *name, char *why,
                    size_t whyn)
{
	char spelled[CALLREC_NAME_MAX], shown[120];
	const char *field = sentiment ? "sentiment" : "disposition";

	if (!name)
		return 0;
	if (!name[0])
		return body_set(body, field, "");
	if (callrec_team_name(st, sentiment, name, spelled, sizeof(spelled))) {
		text_sanitize(shown, sizeof(shown), name, false);
		if (why)
			text_printf(why, whyn,
			            "the team has no call %s named '%s' (names come from loftdial "
			            "sync call_dispositions call_sentiments)",
			            field, shown);
		return ENOENT;
	}
	return body_set(body, field, spelled);
}

int callrec_fix(struct store *st, int64_t id, const struct callrec_fix *f, char *why, size_t whyn)
{
	struct outbox_item it;
	cJSON *body = NULL;
	char *text = NULL;
	int err;

	if (why && whyn)
		why[0] = '\0';
	if (!st || !f)
		return EINVAL;
	memset(&it, 0, sizeof(it));
	err = outbox_get(st, id, &it);
	if (err) {
		if (err == ENOENT && why)
			text_printf(why, whyn, "no such item");
		return err;
	}
	if (strcmp(it.kind, "call") || (it.state != OUTBOX_FAILED && it.state != OUTBOX_QUEUED)) {
		err = EALREADY;
		goto out;
	}
	body = cJSON_Parse(it.body ? it.body : "");
	if (!cJSON_IsObject(body)) {
		err = EBADMSG;
		goto out;
	}
	err = fix_name(st, body, false, f->disposition, why, whyn);
	if (!err)
		err = fix_name(st, body, true, f->sentiment, why, whyn);
	if (!err && f->notes)
		err = body_set(body, "notes", f->notes);
	if (err)
		goto out;
	text = cJSON_PrintUnformatted(body);
	err = text ? outbox_amend(st, id, text) : ENOMEM;
out:
	cJSON_free(text);
	cJSON_Delete(body);
	outbox_item_clear(&it);
	return err;
}

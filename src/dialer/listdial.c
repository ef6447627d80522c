/*
 * listdial: one dial session over a Salesloft list (see listdial.h). It owns the order of the
 * start (the rep, the team's dispositions and sentiments, the list) and turns ended attempts
 * into outbox records; the pool, the printing and the asking belong to the face.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "loftdial/config.h"
#include "loftdial/gates.h"
#include "loftdial/listdial.h"
#include "loftdial/log.h"
#include "loftdial/records.h"
#include "loftdial/slapi.h"
#include "loftdial/sldecode.h"
#include "loftdial/text.h"
#include "loftdial/usermap.h"

enum step { ST_ME, ST_DISPOS, ST_SENTIS, ST_LIST, ST_READY, ST_FAILED };

struct listdial {
	struct slapi *api;
	struct store *st;
	const struct config *cfg;
	struct listdial_opts o;
	char dispo[CALLREC_NAME_MAX], senti[CALLREC_NAME_MAX];
	char *notes;
	char session[64];
	listdial_h *h;
	void *arg;
	struct gates *gates;
	struct diallist_opts lo;
	struct diallist *list;
	struct slapi_op *op;
	enum step step;
	char guid[64];
	int64_t user_id;
	struct callrec_dispos names;
	bool waiting;
	struct pool_attempt wait_a; /* the connected call awaiting its wrap-up */
	struct listdial_stats stats;
	struct diallist *more; /* listdial_refresh's list being read */
	int64_t more_person;
	time_t t_start; /* when the session started, for a test clock that runs on */
};

static void tell(struct listdial *l, const struct listdial_note *n)
{
	if (l->h)
		l->h(n, l->arg);
}

static void warn(struct listdial *l, const char *text)
{
	struct listdial_note n;

	memset(&n, 0, sizeof(n));
	n.ev = LISTDIAL_WARNING;
	n.text = text;
	tell(l, &n);
}

static void on_warn(const char *msg, void *arg)
{
	warn(arg, msg);
}

static void fail(struct listdial *l, int err, const char *text)
{
	struct listdial_note n;

	l->step = ST_FAILED;
	memset(&n, 0, sizeof(n));
	n.ev = LISTDIAL_FAILED;
	n.err = err;
	n.text = text;
	tell(l, &n);
}

static void on_list(int err, const char *msg, void *arg);
static void on_resp(int err, const struct slapi_resp *r, void *arg);

/* The GET of the current start step. */
static void send_step(struct listdial *l)
{
	struct slapi_call c;
	int err;

	memset(&c, 0, sizeof(c));
	c.path = l->step == ST_ME       ? "/v2/me"
	         : l->step == ST_DISPOS ? "/v2/call_dispositions?per_page=100"
	                                : "/v2/call_sentiments?per_page=100";
	c.prio = PACING_USER;
	c.no_store = true;
	err = slapi_send(l->api, &c, on_resp, l, &l->op);
	if (err)
		fail(l, err, "cannot send a request to Salesloft");
}

/* Checks a rep-given name against the team's and keeps the team's spelling. */
static int team_name(struct listdial *l, bool sentiment, const char *name, char *out, size_t n,
                     char *why, size_t whyn)
{
	if (!name || !name[0]) {
		out[0] = '\0';
		return 0;
	}
	if (callrec_team_name(l->st, sentiment, name, out, n) == 0)
		return 0;
	text_printf(why, whyn, "the team has no %s named '%s'",
	            sentiment ? "call sentiment" : "call disposition", name);
	return ENOENT;
}

/* Starts reading the list once the rep and the team's names are known. */
static void start_list(struct listdial *l)
{
	char why[256];
	int err;

	callrec_dispos_load(&l->names, l->st, l->cfg, on_warn, l);
	if (!l->o.ask &&
	    (team_name(l, false, l->o.disposition, l->dispo, sizeof(l->dispo), why, sizeof(why)) ||
	     team_name(l, true, l->o.sentiment, l->senti, sizeof(l->senti), why, sizeof(why)))) {
		fail(l, ENOENT, why);
		return;
	}
	l->lo.user_id = l->user_id;
	l->lo.user_guid = l->guid;
	l->step = ST_LIST;
	err = diallist_load(&l->list, l->api, l->st, l->gates, &l->lo, on_list, l);
	if (err)
		fail(l, err, "cannot read the dial list");
}

/* Stores a page of dispositions or sentiments. */
static int store_names(struct listdial *l, enum store_obj obj, const cJSON *data)
{
	const cJSON *it;
	int err = store_begin(l->st);

	if (err)
		return err;
	cJSON_ArrayForEach(it, data)
	{
		err = records_upsert(l->st, obj, it, 0);
		if (err)
			break;
	}
	if (err) {
		store_rollback(l->st);
		return err;
	}
	return store_commit(l->st);
}

static void on_resp(int err, const struct slapi_resp *r, void *arg)
{
	struct listdial *l = arg;
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(r->json, "data");
	char msg[300];

	l->op = NULL;
	if (err) {
		text_printf(msg, sizeof(msg), "reading %s: %s",
		            l->step == ST_ME ? "the connected user" : "the team's call names",
		            r->msg && r->msg[0] ? r->msg : strerror(err));
		fail(l, err, msg);
		return;
	}
	switch (l->step) {
	case ST_ME: {
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(data, "guid");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(data, "id");

		if (!cJSON_IsString(g) || sldecode_id(id, &l->user_id)) {
			fail(l, EBADMSG, "/v2/me has no guid and id");
			return;
		}
		text_copy(l->guid, sizeof(l->guid), g->valuestring);
		l->step = ST_DISPOS;
		break;
	}
	case ST_DISPOS:
	case ST_SENTIS:
		err = store_names(l, l->step == ST_DISPOS ? STORE_DISPOSITIONS : STORE_SENTIMENTS,
		                  data);
		if (err) {
			fail(l, err, "cannot store the team's call names");
			return;
		}
		if (l->step == ST_SENTIS) {
			start_list(l);
			return;
		}
		l->step = ST_SENTIS;
		break;
	default:
		return;
	}
	send_step(l);
}

static void on_list(int err, const char *msg, void *arg)
{
	struct listdial *l = arg;
	struct listdial_note n;
	size_t i;

	if (err) {
		fail(l, err, msg);
		return;
	}
	l->step = ST_READY;
	l->stats.entries = (unsigned)diallist_count(l->list);
	for (i = 0; i < diallist_count(l->list); i++)
		if (diallist_entry(l->list, i)->skip == DIALLIST_DIAL)
			l->stats.dialable++;
		else
			l->stats.skipped++;
	memset(&n, 0, sizeof(n));
	n.ev = LISTDIAL_READY;
	tell(l, &n);
}

int listdial_new(struct listdial **lp, struct slapi *api, struct store *st,
                 const struct config *cfg, const struct listdial_opts *o, listdial_h *h, void *arg,
                 char *why, size_t whyn)
{
	struct listdial *l;
	struct gates_cfg gc;
	const char *op_email;
	int err;

	if (!lp || !api || !st || !cfg || !o ||
	    (o->person_id > 0 ? o->cadence_id > 0 || o->tasks : o->cadence_id <= 0 && !o->tasks)) {
		text_printf(why, whyn, "a cadence id, the tasks or one person are needed");
		return EINVAL;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return ENOMEM;
	l->api = api;
	l->st = st;
	l->cfg = cfg;
	l->o = *o;
	l->h = h;
	l->arg = arg;
	text_copy(l->session, sizeof(l->session), o->session ? o->session : "");
	l->o.session = l->session;
	l->notes = strdup(o->notes ? o->notes : "");
	if (!l->notes) {
		free(l);
		return ENOMEM;
	}
	l->o.notes = l->notes;
	memset(&l->lo, 0, sizeof(l->lo));
	l->lo.cadence_id = o->cadence_id;
	l->lo.tasks = o->tasks;
	l->lo.person_id = o->person_id;
	l->lo.now = o->now;
	l->t_start = time(NULL);
	err = diallist_opts_from_config(&l->lo, cfg, why, whyn);
	if (!err && o->buckets)
		l->lo.buckets = o->buckets;
	if (!err)
		err = gates_cfg_from_config(&gc, cfg, why, whyn);
	if (!err)
		err = gates_new(&l->gates, &gc, st);
	if (err) {
		listdial_free(l);
		return err;
	}
	*lp = l;
	op_email = config_str(cfg, "salesloft.operator_email");
	if (op_email && op_email[0]) {
		struct usermap_user who;

		err = usermap_call_user(st, op_email, &who);
		if (err) {
			text_printf(why, whyn,
			            err == EPERM ? "calls for salesloft.operator_email need a team "
			                           "admin's connection"
			                         : "salesloft.operator_email is not a synced user "
			                           "(run loftdial sync users)");
			listdial_free(l);
			*lp = NULL;
			return err;
		}
		text_copy(l->guid, sizeof(l->guid), who.guid);
		l->user_id = who.id;
		l->step = ST_DISPOS;
	} else {
		l->step = ST_ME;
	}
	send_step(l);
	return 0;
}

void listdial_free(struct listdial *l)
{
	if (!l)
		return;
	slapi_cancel(l->op);
	diallist_free(l->more);
	diallist_free(l->list);
	gates_free(l->gates);
	free(l->notes);
	free(l);
}

const struct diallist *listdial_list(const struct listdial *l)
{
	return l && l->step == ST_READY ? l->list : NULL;
}

const char *listdial_user_guid(const struct listdial *l)
{
	return l && l->step == ST_READY ? l->guid : "";
}

int64_t listdial_user_id(const struct listdial *l)
{
	return l && l->step == ST_READY ? l->user_id : 0;
}

struct gates *listdial_gates(const struct listdial *l)
{
	return l ? l->gates : NULL;
}

/* Writes the record of an ended attempt and tells the face. */
static void record(struct listdial *l, const struct pool_attempt *a, enum callrec_kind kind,
                   const char *dispo, const char *senti, const char *notes)
{
	const struct diallist_entry *e = a->user;
	struct listdial_note n;
	struct callrec r;
	struct callrec_attempt ca;
	char text[200] = "";
	int64_t id = 0;
	int err;

	memset(&ca, 0, sizeof(ca));
	ca.t_answer = a->t_answer;
	ca.t_end = a->t_end;
	memset(&r, 0, sizeof(r));
	r.person_id = e->person_id;
	r.action_id = e->action_id;
	r.task_id = e->action_id ? 0 : e->task_id;
	r.to = a->e164[0] ? a->e164 : e->number;
	r.duration_s = callrec_duration(&ca);
	r.disposition = dispo;
	r.sentiment = senti;
	r.notes = notes;
	r.user_guid = l->guid;
	r.session = l->session;
	r.attempt = a->id;
	err = callrec_enqueue(l->st, &r, &id);
	if (err == EEXIST) {
		text_printf(text, sizeof(text), "already in the outbox (item %lld)", (long long)id);
		l->stats.records++;
	} else if (err) {
		text_printf(text, sizeof(text), "the record could not be written: %s",
		            strerror(err));
		log_error("listdial", "attempt %u: %s", a->id, text);
		l->stats.record_errors++;
		id = 0;
	} else {
		l->stats.records++;
	}
	memset(&n, 0, sizeof(n));
	n.ev = LISTDIAL_RECORD;
	n.err = err;
	n.e = e;
	n.a = a;
	n.kind = kind;
	n.disposition = dispo ? dispo : "";
	n.outbox_id = id;
	n.text = text;
	tell(l, &n);
}

void listdial_ended(struct listdial *l, const struct pool_attempt *a)
{
	struct callrec_attempt ca;
	enum callrec_kind kind;
	struct listdial_note n;

	if (!l || !a || !a->user)
		return;
	memset(&ca, 0, sizeof(ca));
	ca.outcome = a->outcome;
	ca.live_dropped = a->live_dropped;
	ca.connected = a->connected;
	ca.reason = a->reason;
	ca.t_answer = a->t_answer;
	ca.t_end = a->t_end;
	kind = callrec_classify(&ca);
	memset(&n, 0, sizeof(n));
	if (kind == CALLREC_NOT_LOGGED) {
		char text[160];

		text_printf(text, sizeof(text), "not logged (%s): the entry stays due",
		            call_outcome_name(a->outcome)[0] ? call_outcome_name(a->outcome)
		                                             : "no outcome");
		l->stats.not_logged++;
		n.ev = LISTDIAL_RECORD;
		n.e = a->user;
		n.a = a;
		n.kind = kind;
		n.disposition = "";
		n.text = text;
		tell(l, &n);
		return;
	}
	if (kind != CALLREC_CONNECTED) {
		record(l, a, kind, l->names.name[kind], NULL, NULL);
		return;
	}
	if (!l->o.ask) {
		record(l, a, kind, l->dispo, l->senti, l->notes);
		return;
	}
	l->waiting = true;
	l->wait_a = *a;
	n.ev = LISTDIAL_ASK;
	n.e = a->user;
	n.a = &l->wait_a;
	n.text = "";
	tell(l, &n);
}

bool listdial_waiting(const struct listdial *l)
{
	return l && l->waiting;
}

int listdial_wrapup(struct listdial *l, const char *disposition, const char *sentiment,
                    const char *notes, char *why, size_t whyn)
{
	char d[CALLREC_NAME_MAX], s[CALLREC_NAME_MAX];

	if (!l || !l->waiting) {
		text_printf(why, whyn, "no call waits for a wrap-up");
		return EALREADY;
	}
	if (team_name(l, false, disposition, d, sizeof(d), why, whyn) ||
	    team_name(l, true, sentiment, s, sizeof(s), why, whyn))
		return ENOENT;
	l->waiting = false;
	record(l, &l->wait_a, CALLREC_CONNECTED, d, s, notes);
	return 0;
}

/* The person's actions are read again: the face takes what is new. */
static void on_more(int err, const char *msg, void *arg)
{
	struct listdial *l = arg;
	struct diallist *dl = l->more;
	struct listdial_note n;

	memset(&n, 0, sizeof(n));
	n.ev = LISTDIAL_MORE;
	n.err = err;
	n.text = err ? msg : "";
	n.list = err ? NULL : dl;
	n.person_id = l->more_person;
	tell(l, &n);
	/* The face may have freed nothing of ours; the list is done with now. */
	if (l->more == dl) {
		l->more = NULL;
		diallist_free(dl);
	}
}

int listdial_refresh(struct listdial *l, int64_t person_id)
{
	struct diallist_opts o;
	int err;

	if (!l || l->step != ST_READY || l->o.cadence_id <= 0 || person_id <= 0)
		return EINVAL;
	if (l->more)
		return EBUSY;
	o = l->lo;
	o.tasks = false;
	o.person_id = person_id;
	/* The session's clock has moved on since the list was read. */
	o.now = l->o.now ? l->o.now + (time(NULL) - l->t_start) : 0;
	l->more_person = person_id;
	err = diallist_load(&l->more, l->api, l->st, l->gates, &o, on_more, l);
	if (err)
		l->more = NULL;
	return err;
}

int listdial_discard(struct listdial *l)
{
	if (!l || !l->waiting)
		return EALREADY;
	l->waiting = false;
	l->stats.not_logged++;
	return 0;
}

void listdial_stats(const struct listdial *l, struct listdial_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (l)
		*out = l->stats;
}

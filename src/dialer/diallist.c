/*
 * diallist: reads a dial session's list live from Salesloft, joins it with the store and runs
 * the gates over it (see diallist.h for the recipe).
 *
 * The reading is one small state machine with one request in flight: the cadence's steps,
 * each phone step's due actions, each action again by id, the call instructions the actions
 * name (100 a request), then the task buckets, then the people the store lacks. Lists are a rep's
 * day of work (tens to a few hundred entries), so one request at a time keeps the rate budget for
 * the outbox and sync.
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
#include "loftdial/diallist.h"
#include "loftdial/log.h"
#include "loftdial/loop.h"
#include "loftdial/records.h"
#include "loftdial/sldecode.h"
#include "loftdial/slapi.h"
#include "loftdial/slurl.h"
#include "loftdial/text.h"

#define PER_PAGE    100
#define IDS_MAX     100
#define STEPS_MAX   1000
#define ENTRY_MAX   20000
#define PAGES_MAX   200
#define AGE_DEFAULT 3600

enum phase { PH_STEPS, PH_ACTIONS, PH_ACTION_GET, PH_INSTR, PH_TASKS, PH_PEOPLE, PH_DONE };

struct diallist {
	struct slapi *api;
	struct store *st;
	struct gates *g;
	struct diallist_opts o;
	char guid[64];
	char now_iso[40];
	diallist_done_h *h;
	void *arg;
	struct slapi_op *op;
	enum phase ph;
	unsigned page;
	int64_t steps[STEPS_MAX];
	size_t nsteps, si;
	struct diallist_entry *e;
	size_t n, cap;
	size_t ai;       /* action being fetched (PH_ACTION_GET) */
	size_t ii;       /* first entry whose instructions are not asked for yet (PH_INSTR) */
	unsigned bucket; /* bit of the task bucket being read */
	int64_t *fetch;  /* people to fetch */
	size_t nfetch, fi;
	unsigned requests;
	struct loop_job start_job; /* a person list starts from the loop */
	char *replay; /* a replay's request waiting for its answer (diallist_replay: no client) */
};

static const char *const bucket_names[] = {"overdue", "today", "tomorrow", "this_week",
                                           "next_week"};
static const char *const phone_names[] = {"direct", "mobile", "home"};

static void next(struct diallist *dl);
static void after_actions(struct diallist *dl);

const char *diallist_skip_name(enum diallist_skip s)
{
	static const char *const names[] = {"dial",      "pending",  "not-phone",
	                                    "gone",      "mirrored", "duplicate",
	                                    "no-person", "gate",     "outbox"};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

int diallist_outbox_check(struct store *st, int64_t person_id, char *reason, size_t n)
{
	enum outbox_state state = OUTBOX_QUEUED;
	int64_t id = 0;
	int err = callrec_waiting(st, person_id, &id, &state);

	if (err)
		return err;
	if (state == OUTBOX_FAILED)
		text_printf(
		        reason, n,
		        "a call is waiting in the outbox (item %lld, failed: fix or drop it with "
		        "loftdial outbox)",
		        (long long)id);
	else
		text_printf(reason, n, "a call is waiting in the outbox (item %lld, %s)",
		            (long long)id, outbox_state_name(state));
	return 0;
}

const char *diallist_phone_name(enum diallist_phone p)
{
	return (unsigned)p < DIALLIST_PHONE_COUNT ? phone_names[p] : "?";
}

/* Calls fn for each comma-separated word of s (blanks trimmed); stops at a non-zero return. */
static int each_word(const char *s, int (*fn)(const char *w, void *arg), void *arg)
{
	char w[64];
	const char *p = s;
	int err;

	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len >= sizeof(w))
			return EINVAL;
		memcpy(w, p, len);
		w[len] = '\0';
		err = fn(w, arg);
		if (err)
			return err;
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

/* One bucket name into the bits. */
static int bucket_word(const char *w, void *arg)
{
	unsigned *bits = arg, i;

	for (i = 0; i < sizeof(bucket_names) / sizeof(bucket_names[0]); i++)
		if (!strcmp(w, bucket_names[i])) {
			*bits |= 1u << i;
			return 0;
		}
	return EINVAL;
}

int diallist_buckets_parse(const char *s, unsigned *bits)
{
	unsigned b = 0;

	if (!s || !bits || each_word(s, bucket_word, &b) || !b)
		return EINVAL;
	*bits = b;
	return 0;
}

/* One phone name appended to the order. */
static int order_word(const char *w, void *arg)
{
	struct diallist_opts *o = arg;
	unsigned i, j;

	for (i = 0; i < DIALLIST_PHONE_COUNT; i++) {
		if (strcmp(w, phone_names[i]))
			continue;
		for (j = 0; j < o->norder; j++)
			if (o->order[j] == (enum diallist_phone)i)
				return EINVAL;
		o->order[o->norder++] = (enum diallist_phone)i;
		return 0;
	}
	return EINVAL;
}

int diallist_order_parse(const char *s, struct diallist_opts *o)
{
	struct diallist_opts t;

	if (!s || !o)
		return EINVAL;
	memset(&t, 0, sizeof(t));
	if (each_word(s, order_word, &t) || !t.norder)
		return EINVAL;
	memcpy(o->order, t.order, sizeof(o->order));
	o->norder = t.norder;
	return 0;
}

int diallist_opts_from_config(struct diallist_opts *o, const struct config *cfg, char *why,
                              size_t whyn)
{
	const char *b = config_str(cfg, "dial.task_buckets");
	const char *ord = config_str(cfg, "dial.phone_order");

	if (diallist_buckets_parse(b, &o->buckets)) {
		text_printf(why, whyn,
		            "dial.task_buckets: '%s' is not a list of overdue, today, tomorrow, "
		            "this_week, next_week",
		            b);
		return EINVAL;
	}
	if (diallist_order_parse(ord, o)) {
		text_printf(
		        why, whyn,
		        "dial.phone_order: '%s' is not a list of direct, mobile, home (each once)",
		        ord);
		return EINVAL;
	}
	o->person_max_age_s = (unsigned)config_int(cfg, "dial.person_max_age");
	return 0;
}

/* ---- small JSON readers ---- */

/* obj[name].id (a reference), or 0. An id outside 1..2^53 is no id (a cast of 1e300 to an
 * integer is undefined). */
static int64_t ref_id(const cJSON *obj, const char *name)
{
	int64_t id = 0;

	return cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(obj, name)) &&
	                       sldecode_ref_id(obj, name, &id) == 0
	               ? id
	               : 0;
}

/* obj[name] as an id, or 0. */
static int64_t num(const cJSON *obj, const char *name)
{
	int64_t id = 0;

	return sldecode_id(cJSON_GetObjectItemCaseSensitive(obj, name), &id) == 0 ? id : 0;
}

static const char *str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* True when the page says another follows. */
static bool has_next(const cJSON *json)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(json, "metadata");
	const cJSON *pg = cJSON_GetObjectItemCaseSensitive(meta, "paging");
	const cJSON *nx = cJSON_GetObjectItemCaseSensitive(pg, "next_page");

	return cJSON_IsNumber(nx);
}

/* ---- the list ---- */

static struct diallist_entry *entry_add(struct diallist *dl)
{
	if (dl->n == dl->cap) {
		size_t cap = dl->cap ? dl->cap * 2 : 32;
		struct diallist_entry *e;

		if (cap > ENTRY_MAX)
			return NULL;
		e = realloc(dl->e, cap * sizeof(*e));
		if (!e)
			return NULL;
		dl->e = e;
		dl->cap = cap;
	}
	memset(&dl->e[dl->n], 0, sizeof(dl->e[0]));
	return &dl->e[dl->n++];
}

/* Ends the reading: the handler runs once. */
static void finish(struct diallist *dl, int err, const char *msg)
{
	dl->ph = PH_DONE;
	dl->op = NULL;
	if (dl->h)
		dl->h(err, msg ? msg : "", dl->arg);
}

static void on_resp(int err, const struct slapi_resp *r, void *arg);

/* Sends one GET of the state machine. */
static void get(struct diallist *dl, const char *path)
{
	struct slapi_call c;
	int err;

	memset(&c, 0, sizeof(c));
	c.path = path;
	c.prio = PACING_USER;
	c.no_store = true;
	dl->requests++;
	if (!dl->api) {
		/* A replay: the request waits for diallist_replay_take(). */
		free(dl->replay);
		dl->replay = strdup(path);
		if (!dl->replay)
			finish(dl, ENOMEM, "cannot send a request to Salesloft");
		return;
	}
	err = slapi_send(dl->api, &c, on_resp, dl, &dl->op);
	if (err)
		finish(dl, err, "cannot send a request to Salesloft");
}

/* Sends the URL built in u (or fails the list when it could not be built). */
static void get_url(struct diallist *dl, struct slurl *u)
{
	if (slurl_err(u))
		finish(dl, slurl_err(u), "cannot build a request URL");
	else
		get(dl, slurl_str(u));
	slurl_reset(u);
}

/* A page of steps: keep the phone ones. */
static int take_steps(struct diallist *dl, const cJSON *data)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, data)
	{
		const char *type = str(s, "type");

		if (strcmp(type, "phone")) {
			log_info("diallist",
			         "cadence %lld: step %lld is %s, not phone: not dialled",
			         (long long)dl->o.cadence_id, (long long)num(s, "id"),
			         type[0] ? "another type" : "untyped");
			continue;
		}
		if (dl->nsteps == STEPS_MAX)
			return E2BIG;
		dl->steps[dl->nsteps++] = num(s, "id");
	}
	return 0;
}

void diallist_decode_action(struct diallist_entry *e, const cJSON *a)
{
	const char *status = str(a, "status"), *type = str(a, "type");

	e->action_id = num(a, "id");
	e->person_id = ref_id(a, "person");
	e->mirror_task_id = ref_id(a, "task");
	e->cadence_id = ref_id(a, "cadence");
	e->step_id = ref_id(a, "step");
	e->instructions_id = ref_id(a, "action_details");
	text_copy(e->due, sizeof(e->due), str(a, "due_on"));
	e->skip = DIALLIST_DIAL;
	e->reason[0] = '\0';
	if (strcmp(type, "phone")) {
		e->skip = DIALLIST_NOT_PHONE;
		text_printf(e->reason, sizeof(e->reason), "action %lld is not a phone action",
		            (long long)e->action_id);
	} else if (!strcmp(status, "pending_activity")) {
		e->skip = DIALLIST_PENDING;
		text_printf(e->reason, sizeof(e->reason), "action %lld is pending another activity",
		            (long long)e->action_id);
	}
}

/* A page of actions: one entry each. */
static int take_actions(struct diallist *dl, const cJSON *data)
{
	const cJSON *a;

	cJSON_ArrayForEach(a, data)
	{
		struct diallist_entry *e = entry_add(dl);

		if (!e)
			return ENOMEM;
		diallist_decode_action(e, a);
	}
	return 0;
}

/* A page of tasks: one entry each (a task already listed is not listed twice). */
static int take_tasks(struct diallist *dl, const cJSON *data)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, data)
	{
		int64_t id = num(t, "id");
		struct diallist_entry *e;
		size_t i;
		bool seen = false;

		for (i = 0; i < dl->n && !seen; i++)
			seen = dl->e[i].task_id == id;
		if (seen || id <= 0)
			continue;
		e = entry_add(dl);
		if (!e)
			return ENOMEM;
		diallist_decode_task(e, t);
	}
	return 0;
}

int diallist_decode_task(struct diallist_entry *e, const cJSON *t)
{
	memset(e, 0, sizeof(*e));
	e->task_id = num(t, "id");
	e->person_id = ref_id(t, "person");
	text_copy(e->due, sizeof(e->due),
	          str(t, "due_at")[0] ? str(t, "due_at") : str(t, "due_date"));
	text_copy(e->subject, sizeof(e->subject), str(t, "subject"));
	return e->task_id > 0 ? 0 : EINVAL;
}

/* Stores a page of people (one transaction). */
static int take_people(struct diallist *dl, const cJSON *data)
{
	const cJSON *p;
	int err = store_begin(dl->st);

	if (err)
		return err;
	cJSON_ArrayForEach(p, data)
	{
		err = records_upsert(dl->st, STORE_PEOPLE, p, 0);
		if (err == EINVAL) {
			/* A record that is no object with an id stores nothing: the rest of the
			 * page still counts, and a person it should have been reads as one that
			 * could not be read. Only the store failing ends the list. */
			log_warn("diallist", "a person record without a usable id was skipped");
			err = 0;
			continue;
		}
		if (err)
			break;
	}
	if (err) {
		store_rollback(dl->st);
		return err;
	}
	return store_commit(dl->st);
}

/* When the store last wrote person id (unix seconds); 0 when absent. */
static int64_t person_synced(struct store *st, int64_t id)
{
	sqlite3_stmt *s = NULL;
	int64_t t = 0;

	if (store_stmt(st, "SELECT synced_at FROM sl_people WHERE id = ? AND is_deleted = 0", &s))
		return 0;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		t = sqlite3_column_int64(s, 0);
	store_stmt_end(s);
	return t;
}

/* Lists the people the store lacks or holds for too long. */
static int plan_people(struct diallist *dl)
{
	size_t i, j;
	int64_t now = (int64_t)dl->o.now;

	dl->fetch = calloc(dl->n ? dl->n : 1, sizeof(*dl->fetch));
	if (!dl->fetch)
		return ENOMEM;
	for (i = 0; i < dl->n; i++) {
		int64_t id = dl->e[i].person_id, at;
		bool dup = false;

		if (id <= 0 || dl->e[i].skip != DIALLIST_DIAL)
			continue;
		for (j = 0; j < dl->nfetch && !dup; j++)
			dup = dl->fetch[j] == id;
		if (dup)
			continue;
		at = person_synced(dl->st, id);
		if (at == 0 || now - at > (int64_t)dl->o.person_max_age_s)
			dl->fetch[dl->nfetch++] = id;
	}
	return 0;
}

/* Calls to the person in the store: how many and the latest's created_at. */
static void last_calls(struct store *st, struct diallist_entry *e)
{
	sqlite3_stmt *s = NULL;

	if (store_stmt(st,
	               "SELECT count(*), (SELECT created_at FROM sl_calls WHERE person_id = ?1 "
	               "AND is_deleted = 0 ORDER BY updated_us DESC LIMIT 1) FROM sl_calls "
	               "WHERE person_id = ?1 AND is_deleted = 0",
	               &s))
		return;
	sqlite3_bind_int64(s, 1, e->person_id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 1);

		e->calls = sqlite3_column_int64(s, 0);
		text_copy(e->last_call, sizeof(e->last_call), t ? (const char *)t : "");
	}
	store_stmt_end(s);
}

/* The first phone in the configured order. */
static void pick_phone(const struct diallist *dl, struct diallist_entry *e)
{
	unsigned i;

	for (i = 0; i < dl->o.norder; i++) {
		const char *n = dl->o.order[i] == DIALLIST_DIRECT   ? e->c.phone
		                : dl->o.order[i] == DIALLIST_MOBILE ? e->c.mobile_phone
		                                                    : e->c.home_phone;

		if (!n[0])
			continue;
		e->phone = dl->o.order[i];
		text_copy(e->number, sizeof(e->number), n);
		if (e->phone == DIALLIST_DIRECT)
			text_copy(e->ext, sizeof(e->ext), e->c.phone_extension);
		return;
	}
}

/* Is a task of the list mirrored by an action of it? */
static int64_t mirrored_by(const struct diallist *dl, int64_t task_id)
{
	size_t i;

	for (i = 0; i < dl->n; i++)
		if (dl->e[i].action_id && dl->e[i].mirror_task_id == task_id &&
		    dl->e[i].skip == DIALLIST_DIAL)
			return dl->e[i].action_id;
	return 0;
}

/* Joins every entry with the store, picks its number and runs the gates. */
static int join(struct diallist *dl)
{
	size_t i, j;

	for (i = 0; i < dl->n; i++) {
		struct diallist_entry *e = &dl->e[i];
		struct gates_subject s;
		int64_t by;
		int err;

		if (e->skip != DIALLIST_DIAL)
			continue;
		if (e->task_id && (by = mirrored_by(dl, e->task_id)) != 0) {
			e->skip = DIALLIST_MIRRORED;
			text_printf(e->reason, sizeof(e->reason),
			            "task %lld mirrors action %lld, dialled through the action",
			            (long long)e->task_id, (long long)by);
			continue;
		}
		err = e->person_id > 0 ? contacts_get(dl->st, e->person_id, &e->c) : ENOENT;
		if (err || e->c.deleted) {
			if (err && err != ENOENT)
				return err;
			e->skip = DIALLIST_NO_PERSON;
			text_printf(e->reason, sizeof(e->reason), "person %lld %s",
			            (long long)e->person_id,
			            err ? "could not be read from Salesloft" : "is deleted");
			continue;
		}
		for (j = 0; j < i; j++)
			if (dl->e[j].skip == DIALLIST_DIAL && dl->e[j].person_id == e->person_id)
				break;
		if (j < i) {
			e->skip = DIALLIST_DUPLICATE;
			text_printf(e->reason, sizeof(e->reason),
			            "person %lld is already in the list (entry %zu)",
			            (long long)e->person_id, j + 1);
			continue;
		}
		last_calls(dl->st, e);
		pick_phone(dl, e);
		/* A call of an earlier run not yet logged (killed, Salesloft down): its action or
		 * task still looks due, but the person was called for it already. */
		err = diallist_outbox_check(dl->st, e->person_id, e->reason, sizeof(e->reason));
		if (!err) {
			e->skip = DIALLIST_OUTBOX;
			continue;
		}
		if (err != ENOENT)
			return err;
		gates_subject_from_contact(&s, &e->c, e->number);
		err = gates_check(dl->g, &s, dl->o.now, &e->gate);
		if (err)
			return err;
		if (e->gate.why != GATES_OK) {
			e->skip = DIALLIST_GATE;
			text_copy(e->reason, sizeof(e->reason), e->gate.text);
		}
	}
	return 0;
}

/* Starts the task buckets, or the people when there are none. */
static void start_tasks(struct diallist *dl)
{
	dl->ph = PH_TASKS;
	dl->bucket = 0;
	dl->page = 1;
	next(dl);
}

/* After the actions and their instructions: the task buckets, or the people. */
static void after_actions(struct diallist *dl)
{
	int err;

	if (dl->o.tasks) {
		start_tasks(dl);
		return;
	}
	dl->ph = PH_PEOPLE;
	dl->fi = 0;
	err = plan_people(dl);
	if (err) {
		finish(dl, err, "cannot read the store");
		return;
	}
	next(dl);
}

/* A page of call instructions: their text into every entry whose action names them. */
static void take_instructions(struct diallist *dl, const cJSON *data)
{
	const cJSON *rec;

	cJSON_ArrayForEach(rec, data)
	{
		int64_t id = num(rec, "id");
		size_t i;

		if (id <= 0)
			continue;
		for (i = 0; i < dl->n; i++)
			if (dl->e[i].instructions_id == id)
				text_copy(dl->e[i].instructions, sizeof(dl->e[i].instructions),
				          str(rec, "instructions"));
	}
}

/* Issues the next request for the current phase, moving on when a phase is over. */
static void next(struct diallist *dl)
{
	struct slurl u;
	int err;

	switch (dl->ph) {
	case PH_STEPS:
		slurl_init(&u, "/v2/steps");
		slurl_addi(&u, "cadence_id", dl->o.cadence_id);
		slurl_add(&u, "has_due_actions", "true");
		slurl_addi(&u, "per_page", PER_PAGE);
		slurl_addi(&u, "page", dl->page);
		get_url(dl, &u);
		return;
	case PH_ACTIONS:
		if (dl->si == dl->nsteps) {
			dl->ph = PH_ACTION_GET;
			dl->ai = 0;
			next(dl);
			return;
		}
		slurl_init(&u, "/v2/actions");
		if (dl->o.person_id > 0) {
			/* A person's actions in the cadence, whatever their step. */
			slurl_addi(&u, "person_id", dl->o.person_id);
			slurl_addi(&u, "cadence_id", dl->o.cadence_id);
		} else {
			slurl_addi(&u, "step_id", dl->steps[dl->si]);
		}
		slurl_add(&u, "type", "phone");
		slurl_add(&u, "due_on[lte]", dl->now_iso);
		slurl_add(&u, "user_guid", dl->guid);
		slurl_addi(&u, "per_page", PER_PAGE);
		slurl_addi(&u, "page", dl->page);
		get_url(dl, &u);
		return;
	case PH_ACTION_GET:
		while (dl->ai < dl->n &&
		       (!dl->e[dl->ai].action_id || dl->e[dl->ai].skip != DIALLIST_DIAL))
			dl->ai++;
		if (dl->ai == dl->n) {
			dl->ph = PH_INSTR;
			dl->ii = 0;
			next(dl);
			return;
		}
		{
			char path[96];

			text_printf(path, sizeof(path), "/v2/actions/%lld",
			            (long long)dl->e[dl->ai].action_id);
			get(dl, path);
		}
		return;
	case PH_INSTR: {
		int64_t ids[IDS_MAX];
		size_t k = 0, i;

		/* The instructions of the actions still to dial, 100 ids a request; an id two
		 * actions share is asked for once. */
		for (; dl->ii < dl->n && k < IDS_MAX; dl->ii++) {
			const struct diallist_entry *e = &dl->e[dl->ii];

			if (!e->action_id || e->skip != DIALLIST_DIAL || e->instructions_id <= 0)
				continue;
			for (i = 0; i < k && ids[i] != e->instructions_id; i++)
				;
			if (i == k)
				ids[k++] = e->instructions_id;
		}
		if (k == 0) {
			after_actions(dl);
			return;
		}
		slurl_init(&u, "/v2/action_details/call_instructions");
		for (i = 0; i < k; i++)
			slurl_addi(&u, "ids[]", ids[i]);
		slurl_addi(&u, "per_page", PER_PAGE);
		get_url(dl, &u);
		return;
	}
	case PH_TASKS:
		while (dl->bucket < 5 && !(dl->o.buckets & (1u << dl->bucket)))
			dl->bucket++;
		if (dl->bucket == 5) {
			dl->ph = PH_PEOPLE;
			dl->fi = 0;
			err = plan_people(dl);
			if (err) {
				finish(dl, err, "cannot read the store");
				return;
			}
			next(dl);
			return;
		}
		slurl_init(&u, "/v2/tasks");
		slurl_add(&u, "task_type", "call");
		slurl_add(&u, "current_state", "scheduled");
		slurl_addi(&u, "user_id", dl->o.user_id);
		slurl_add(&u, "time_interval_filter", bucket_names[dl->bucket]);
		slurl_addi(&u, "per_page", PER_PAGE);
		slurl_addi(&u, "page", dl->page);
		get_url(dl, &u);
		return;
	case PH_PEOPLE:
		if (dl->fi >= dl->nfetch) {
			err = join(dl);
			finish(dl, err, err ? "cannot read the store" : "");
			return;
		}
		{
			size_t i;

			slurl_init(&u, "/v2/people");
			for (i = dl->fi; i < dl->nfetch && i < dl->fi + IDS_MAX; i++)
				slurl_addi(&u, "ids[]", dl->fetch[i]);
			slurl_addi(&u, "per_page", PER_PAGE);
			dl->fi = i;
			get_url(dl, &u);
		}
		return;
	case PH_DONE:
		return;
	}
}

/* A person list's first step, from the loop. */
static void start_people(void *arg)
{
	next(arg);
}

/* One answer of the state machine. */
static void on_resp(int err, const struct slapi_resp *r, void *arg)
{
	struct diallist *dl = arg;
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(r->json, "data");
	char msg[300];
	bool more;

	dl->op = NULL;
	/* A 404 of an action fetched by id: it was completed elsewhere. */
	if (err == EPROTO && r->status == 404 && dl->ph == PH_ACTION_GET) {
		struct diallist_entry *e = &dl->e[dl->ai];

		e->skip = DIALLIST_GONE;
		text_printf(e->reason, sizeof(e->reason),
		            "action %lld is no longer in progress (completed elsewhere)",
		            (long long)e->action_id);
		dl->ai++;
		next(dl);
		return;
	}
	/* A server without call instructions: the list goes on without them. */
	if (err == EPROTO && r->status == 404 && dl->ph == PH_INSTR) {
		log_warn("diallist", "no call instructions: %s answered 404",
		         "/v2/action_details/call_instructions");
		after_actions(dl);
		return;
	}
	if (err) {
		text_printf(msg, sizeof(msg), "reading the dial list: %s",
		            r->msg && r->msg[0] ? r->msg : strerror(err));
		finish(dl, err, msg);
		return;
	}
	more = has_next(r->json) && dl->page < PAGES_MAX;
	switch (dl->ph) {
	case PH_STEPS:
		err = take_steps(dl, data);
		if (!err && more) {
			dl->page++;
		} else {
			dl->ph = PH_ACTIONS;
			dl->si = 0;
			dl->page = 1;
		}
		break;
	case PH_ACTIONS:
		err = take_actions(dl, data);
		if (!err && more) {
			dl->page++;
		} else {
			dl->si++;
			dl->page = 1;
		}
		break;
	case PH_ACTION_GET:
		diallist_decode_action(&dl->e[dl->ai], data);
		dl->ai++;
		break;
	case PH_INSTR:
		take_instructions(dl, data);
		break;
	case PH_TASKS:
		err = take_tasks(dl, data);
		if (!err && more) {
			dl->page++;
		} else {
			dl->bucket++;
			dl->page = 1;
		}
		break;
	case PH_PEOPLE:
		err = take_people(dl, data);
		break;
	case PH_DONE:
		return;
	}
	if (err) {
		finish(dl, err, "cannot keep the dial list");
		return;
	}
	next(dl);
}

/* Starts a reading from a client, or a replay when api is NULL. */
static int start(struct diallist **dlp, struct slapi *api, struct store *st, struct gates *g,
                 const struct diallist_opts *o, diallist_done_h *h, void *arg)
{
	struct diallist *dl;
	struct tm tm;
	time_t now;

	if (!dlp || !st || !g || !o || !h || !o->user_guid || !o->user_guid[0] ||
	    (o->cadence_id <= 0 && !o->tasks && o->person_id <= 0) ||
	    (o->person_id > 0 && o->tasks))
		return EINVAL;
	dl = calloc(1, sizeof(*dl));
	if (!dl)
		return ENOMEM;
	dl->api = api;
	dl->st = st;
	dl->g = g;
	dl->o = *o;
	dl->o.user_guid = NULL;
	text_copy(dl->guid, sizeof(dl->guid), o->user_guid);
	if (!dl->o.buckets)
		dl->o.buckets = DIALLIST_OVERDUE | DIALLIST_TODAY;
	if (!dl->o.norder) {
		dl->o.order[0] = DIALLIST_DIRECT;
		dl->o.order[1] = DIALLIST_MOBILE;
		dl->o.order[2] = DIALLIST_HOME;
		dl->o.norder = 3;
	}
	if (!dl->o.now)
		dl->o.now = time(NULL);
	now = dl->o.now;
	gmtime_r(&now, &tm);
	strftime(dl->now_iso, sizeof(dl->now_iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	dl->h = h;
	dl->arg = arg;
	dl->page = 1;
	loop_job_init(&dl->start_job);
	*dlp = dl;
	if (o->person_id > 0 && o->cadence_id > 0) {
		/* One pass of the actions phase, by person instead of by step. */
		dl->nsteps = 1;
		dl->si = 0;
		dl->ph = PH_ACTIONS;
		next(dl);
	} else if (o->person_id > 0) {
		struct diallist_entry *e = entry_add(dl);

		if (!e) {
			diallist_free(dl);
			*dlp = NULL;
			return ENOMEM;
		}
		e->person_id = o->person_id;
		dl->ph = PH_PEOPLE;
		dl->fi = 0;
		if (plan_people(dl)) {
			diallist_free(dl);
			*dlp = NULL;
			return ENOMEM;
		}
		/* The done handler runs from the loop, never inside this call (a replay has
		 * no loop: it asks at once). */
		if (api)
			loop_defer(&dl->start_job, start_people, dl);
		else
			next(dl);
	} else if (o->cadence_id > 0) {
		dl->ph = PH_STEPS;
		next(dl);
	} else {
		start_tasks(dl);
	}
	return 0;
}

int diallist_load(struct diallist **dlp, struct slapi *api, struct store *st, struct gates *g,
                  const struct diallist_opts *o, diallist_done_h *h, void *arg)
{
	return api ? start(dlp, api, st, g, o, h, arg) : EINVAL;
}

int diallist_replay(struct diallist **dlp, struct store *st, struct gates *g,
                    const struct diallist_opts *o, diallist_done_h *h, void *arg)
{
	return start(dlp, NULL, st, g, o, h, arg);
}

const char *diallist_replay_path(const struct diallist *dl)
{
	return dl && dl->ph != PH_DONE ? dl->replay : NULL;
}

int diallist_replay_take(struct diallist *dl, int err, long status, const char *body, size_t len)
{
	struct slapi_resp r;
	cJSON *json;

	if (!dl || dl->api || !diallist_replay_path(dl))
		return EINVAL;
	json = body && len ? cJSON_ParseWithLength(body, len) : NULL;
	memset(&r, 0, sizeof(r));
	r.status = status;
	r.body = body ? body : "";
	r.body_len = body ? len : 0;
	r.json = json;
	r.cost = r.remaining = -1;
	r.attempts = 1;
	/* As the client answers: a body that is there but not JSON is a bad answer. */
	if (!err && len && !json)
		err = EBADMSG;
	r.msg = err ? "a replayed failure" : "";
	free(dl->replay);
	dl->replay = NULL;
	on_resp(err, &r, dl);
	cJSON_Delete(json);
	return 0;
}

void diallist_free(struct diallist *dl)
{
	if (!dl)
		return;
	slapi_cancel(dl->op);
	loop_defer_cancel(&dl->start_job);
	free(dl->replay);
	free(dl->e);
	free(dl->fetch);
	free(dl);
}

size_t diallist_count(const struct diallist *dl)
{
	return dl ? dl->n : 0;
}

const struct diallist_entry *diallist_entry(const struct diallist *dl, size_t i)
{
	return dl && i < dl->n ? &dl->e[i] : NULL;
}

unsigned diallist_requests(const struct diallist *dl)
{
	return dl ? dl->requests : 0;
}

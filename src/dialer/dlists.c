/*
 * dlists: reads the index of a rep's dial lists live from Salesloft (see dlists.h for the
 * requests and why they are these).
 *
 * One small state machine with one request in flight: who the rep is (only when the store
 * cannot say), the phone steps with due actions (which cadences have work), a count of the
 * rep's due phone actions per cadence, the names the store lacks, then a count per task
 * bucket. Counting asks for one record with the paging counts; a server that answers without
 * them is paged through 100 at a time instead. The index is a screenful of figures, so one
 * request at a time keeps the rate budget for the outbox and sync. When the outbox holds call
 * records not yet logged, each count with work is followed by the same count for those
 * people, so what a session would skip is shown as waiting rather than due.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "loftdial/callrec.h"
#include "loftdial/dlists.h"
#include "loftdial/log.h"
#include "loftdial/loop.h"
#include "loftdial/records.h"
#include "loftdial/slapi.h"
#include "loftdial/sldecode.h"
#include "loftdial/slurl.h"
#include "loftdial/text.h"
#include "loftdial/usermap.h"

#define PER_PAGE     100
#define IDS_MAX      100
#define PAGES_MAX    200
#define CADENCES_MAX 5000
#define NBUCKETS     2
#define WAIT_MAX     5000 /* people waiting in the outbox the counts look at */

enum phase { PH_ME, PH_STEPS, PH_COUNT, PH_NAMES, PH_TASKS, PH_DONE };

struct dlists {
	struct slapi *api;
	struct store *st;
	dlists_done_h *h;
	void *arg;
	struct slapi_op *op;
	struct loop_job fail_job; /* a request that could not even be queued */
	int fail_err;
	enum phase ph;
	bool ok; /* the reading ended well */
	int64_t user_id;
	char guid[64];
	char now_iso[40];
	unsigned page;
	unsigned per_page; /* of the counting request: 1 with counts, PER_PAGE without */
	unsigned acc;      /* records counted so far when paging through */
	struct dlists_cadence *c;
	size_t n, cap;
	size_t ci;       /* cadence being counted, or first without a name (PH_NAMES) */
	unsigned bucket; /* task bucket being counted */
	unsigned buckets[NBUCKETS];
	unsigned bwait[NBUCKETS];
	int64_t *wait; /* people with a call waiting in the outbox (ascending) */
	size_t nwait;
	bool wcount;   /* counting the current cadence's or bucket's work for those people */
	size_t wchunk; /* which 100 of them */
	unsigned requests;
	char *replay; /* a replay's request waiting for its answer (dlists_replay: no client) */
};

static const char *const bucket_names[NBUCKETS] = {"overdue", "today"};

static void next(struct dlists *l);

const char *dlists_reason(int err, long status)
{
	switch (err) {
	case 0:
		return "";
	case EKEYREVOKED:
		return "connection expired";
	case EACCES:
		return status == 401 ? "refused by Salesloft (401)" : "not connected";
	case EAGAIN:
		return "rate limited (429)";
	case EPROTO:
		return status == 429   ? "rate limited (429)"
		       : status == 401 ? "refused by Salesloft (401)"
		       : status == 403 ? "not allowed (403)"
		       : status >= 500 ? "Salesloft error"
		                       : "request refused";
	case EBADMSG:
		return "bad answer from Salesloft";
	case ETIMEDOUT:
	case ECONNREFUSED:
	case ECONNRESET:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EIO:
		return "network";
	default:
		return "failed";
	}
}

/* ---- small JSON readers ---- */

/* obj[name] as an id (sldecode_id: never a cast of an out-of-range double), or 0. */
static int64_t num(const cJSON *obj, const char *name)
{
	int64_t id = 0;

	return sldecode_id(cJSON_GetObjectItemCaseSensitive(obj, name), &id) ? 0 : id;
}

/* obj[name].id (a reference), or 0. */
static int64_t ref_id(const cJSON *obj, const char *name)
{
	return num(cJSON_GetObjectItemCaseSensitive(obj, name), "id");
}

static const cJSON *paging(const cJSON *json)
{
	return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(json, "metadata"),
	                                        "paging");
}

static bool has_next(const cJSON *json)
{
	return cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(paging(json), "next_page"));
}

/* ---- the index ---- */

/* Ends the reading: the handler runs once. */
static void finish(struct dlists *l, int err, long status, const char *msg)
{
	l->ph = PH_DONE;
	l->ok = err == 0;
	l->op = NULL;
	if (err)
		log_warn("dlists", "%s", msg);
	else
		log_info("dlists",
		         "%zu cadences with due calls, %u overdue and %u today tasks, %zu people "
		         "waiting in the outbox (%u requests)",
		         l->n, l->buckets[0], l->buckets[1], l->nwait, l->requests);
	if (l->h)
		l->h(err, status, msg ? msg : "", l->arg);
}

static void fail_deferred(void *arg)
{
	struct dlists *l = arg;

	finish(l, l->fail_err, 0, "cannot send a request to Salesloft");
}

static void on_resp(int err, const struct slapi_resp *r, void *arg);

/* Sends the URL built in u; a request that cannot be queued fails the index from the loop. */
static void get_url(struct dlists *l, struct slurl *u)
{
	struct slapi_call c;
	int err = slurl_err(u);

	memset(&c, 0, sizeof(c));
	c.path = slurl_str(u);
	c.prio = PACING_USER;
	c.no_store = true;
	if (!l->api) {
		/* A replay: the request waits for dlists_replay_take(). */
		free(l->replay);
		l->replay = err ? NULL : strdup(c.path);
		slurl_reset(u);
		l->requests++;
		if (!l->replay)
			finish(l, err ? err : ENOMEM, 0, "cannot send a request to Salesloft");
		return;
	}
	if (!err) {
		l->requests++;
		err = slapi_send(l->api, &c, on_resp, l, &l->op);
	}
	slurl_reset(u);
	if (err) {
		l->op = NULL;
		l->fail_err = err;
		loop_defer(&l->fail_job, fail_deferred, l);
	}
}

/* The cadence with that id, added when new; NULL when full. */
static struct dlists_cadence *cadence_of(struct dlists *l, int64_t id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->c[i].id == id)
			return &l->c[i];
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct dlists_cadence *c;

		if (cap > CADENCES_MAX)
			return NULL;
		c = realloc(l->c, cap * sizeof(*c));
		if (!c)
			return NULL;
		l->c = c;
		l->cap = cap;
	}
	memset(&l->c[l->n], 0, sizeof(l->c[0]));
	l->c[l->n].id = id;
	return &l->c[l->n++];
}

/* A page of steps: their cadences have work. */
static int take_steps(struct dlists *l, const cJSON *data)
{
	const cJSON *s;

	if (!cJSON_IsArray(data))
		return 0; /* an object's members are no steps */
	cJSON_ArrayForEach(s, data)
	{
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(s, "type");
		int64_t cid = ref_id(s, "cadence");
		struct dlists_cadence *c;

		if (!cJSON_IsString(type) || strcmp(type->valuestring, "phone") || cid <= 0)
			continue;
		c = cadence_of(l, cid);
		if (!c)
			return E2BIG;
		c->steps++;
	}
	return 0;
}

/* Drops the cadences where the rep has nothing due, and moves the waiting work out of the
 * due counts. */
static void drop_empty(struct dlists *l)
{
	size_t i, j = 0;

	for (i = 0; i < l->n; i++) {
		struct dlists_cadence *c = &l->c[i];

		if (c->waiting > c->due)
			c->waiting = c->due;
		c->due -= c->waiting;
		if (c->due || c->waiting)
			l->c[j++] = *c;
	}
	l->n = j;
}

/* Adds the chunk of waiting people being counted to a counting request. */
static void add_waiting(struct dlists *l, struct slurl *u)
{
	size_t i;

	for (i = l->wchunk * IDS_MAX; i < l->nwait && i < (l->wchunk + 1) * IDS_MAX; i++)
		slurl_addi(u, "person_id[]", l->wait[i]);
}

/* A count is over: the next is the same work's count for the waiting people (when there are
 * some and it has work), their next 100, or the next cadence or bucket. Returns true when the
 * next cadence or bucket is due. */
static bool count_done(struct dlists *l, unsigned total, unsigned *due, unsigned *waiting)
{
	if (!l->wcount) {
		*due = total;
		if (!total || !l->nwait)
			return true;
		l->wcount = true;
		l->wchunk = 0;
		return false;
	}
	*waiting += total;
	l->wchunk++;
	if (l->wchunk * IDS_MAX < l->nwait)
		return false;
	l->wcount = false;
	return true;
}

/* Fills the names the store has; returns whether some are still missing. */
static bool names_from_store(struct dlists *l)
{
	bool missing = false;
	size_t i;

	for (i = 0; i < l->n; i++) {
		char *json = NULL;
		cJSON *rec;

		if (l->c[i].name[0])
			continue;
		if (!l->st || records_get_json(l->st, STORE_CADENCES, l->c[i].id, &json)) {
			missing = true;
			continue;
		}
		rec = cJSON_Parse(json);
		free(json);
		{
			const cJSON *nm = cJSON_GetObjectItemCaseSensitive(rec, "name");

			if (cJSON_IsString(nm) && nm->valuestring[0])
				text_copy(l->c[i].name, sizeof(l->c[i].name), nm->valuestring);
			else
				missing = true;
		}
		cJSON_Delete(rec);
	}
	return missing;
}

/* A page of cadences read by id: their names. */
static void take_names(struct dlists *l, const cJSON *data)
{
	const cJSON *rec;

	if (!cJSON_IsArray(data))
		return;
	cJSON_ArrayForEach(rec, data)
	{
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(rec, "name");
		int64_t id = num(rec, "id");
		size_t i;

		if (!cJSON_IsString(nm))
			continue;
		for (i = 0; i < l->n; i++)
			if (l->c[i].id == id)
				text_copy(l->c[i].name, sizeof(l->c[i].name), nm->valuestring);
	}
}

static int by_due(const void *a, const void *b)
{
	const struct dlists_cadence *x = a, *y = b;
	int d;

	if (x->due != y->due)
		return x->due > y->due ? -1 : 1;
	d = strcmp(x->name, y->name);
	if (d)
		return d;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Starts a count (the first request asks for one record and the counts). */
static void count_start(struct dlists *l)
{
	l->page = 1;
	l->per_page = 1;
	l->acc = 0;
}

/* Adds the paging to a counting request and sends it. */
static void count_send(struct dlists *l, struct slurl *u)
{
	slurl_addi(u, "per_page", l->per_page);
	slurl_addi(u, "page", l->page);
	if (l->per_page == 1)
		slurl_add(u, "include_paging_counts", "true");
	get_url(l, u);
}

/* A counting answer: 1 with *total set when the count is known, 0 when another page is
 * needed. */
static int count_take(struct dlists *l, const cJSON *json, unsigned *total)
{
	const cJSON *tc = cJSON_GetObjectItemCaseSensitive(paging(json), "total_count");
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(json, "data");

	if (l->per_page == 1) {
		if (cJSON_IsNumber(tc) && tc->valuedouble >= 0) {
			*total = tc->valuedouble > (double)UINT32_MAX ? UINT32_MAX
			                                              : (unsigned)tc->valuedouble;
			return 1;
		}
		/* No counts: page through, 100 at a time, from the start. */
		l->per_page = PER_PAGE;
		l->page = 1;
		l->acc = 0;
		return 0;
	}
	/* Only an array holds records: cJSON would count an object's members too. */
	if (cJSON_IsArray(data))
		l->acc += (unsigned)cJSON_GetArraySize(data);
	if (has_next(json) && l->page < PAGES_MAX) {
		l->page++;
		return 0;
	}
	*total = l->acc;
	return 1;
}

/* Issues the next request of the current phase, moving on when a phase is over. */
static void next(struct dlists *l)
{
	struct slurl u;

	switch (l->ph) {
	case PH_ME:
		slurl_init(&u, "/v2/me");
		get_url(l, &u);
		return;
	case PH_STEPS:
		slurl_init(&u, "/v2/steps");
		slurl_add(&u, "type", "phone");
		slurl_add(&u, "has_due_actions", "true");
		slurl_addi(&u, "per_page", PER_PAGE);
		slurl_addi(&u, "page", l->page);
		get_url(l, &u);
		return;
	case PH_COUNT:
		if (l->ci == l->n) {
			drop_empty(l);
			l->ph = PH_NAMES;
			l->ci = 0;
			if (!names_from_store(l))
				l->ci = l->n;
			next(l);
			return;
		}
		slurl_init(&u, "/v2/actions");
		slurl_addi(&u, "cadence_id", l->c[l->ci].id);
		slurl_add(&u, "type", "phone");
		slurl_add(&u, "due_on[lte]", l->now_iso);
		slurl_add(&u, "user_guid", l->guid);
		if (l->wcount)
			add_waiting(l, &u);
		count_send(l, &u);
		return;
	case PH_NAMES: {
		unsigned k = 0;

		while (l->ci < l->n && l->c[l->ci].name[0])
			l->ci++;
		if (l->ci == l->n) {
			l->ph = PH_TASKS;
			l->bucket = 0;
			count_start(l);
			next(l);
			return;
		}
		slurl_init(&u, "/v2/cadences");
		for (; l->ci < l->n && k < IDS_MAX; l->ci++)
			if (!l->c[l->ci].name[0]) {
				slurl_addi(&u, "ids[]", l->c[l->ci].id);
				k++;
			}
		slurl_addi(&u, "per_page", PER_PAGE);
		get_url(l, &u);
		return;
	}
	case PH_TASKS:
		if (l->bucket == NBUCKETS) {
			unsigned b;

			for (b = 0; b < NBUCKETS; b++) {
				if (l->bwait[b] > l->buckets[b])
					l->bwait[b] = l->buckets[b];
				l->buckets[b] -= l->bwait[b];
			}
			if (l->n > 1)
				qsort(l->c, l->n, sizeof(l->c[0]), by_due);
			finish(l, 0, 200, "");
			return;
		}
		slurl_init(&u, "/v2/tasks");
		slurl_add(&u, "task_type", "call");
		slurl_add(&u, "current_state", "scheduled");
		slurl_addi(&u, "user_id", l->user_id);
		slurl_add(&u, "time_interval_filter", bucket_names[l->bucket]);
		if (l->wcount)
			add_waiting(l, &u);
		count_send(l, &u);
		return;
	case PH_DONE:
		return;
	}
}

/* One answer of the state machine. */
static void on_resp(int err, const struct slapi_resp *r, void *arg)
{
	struct dlists *l = arg;
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(r->json, "data");
	unsigned total;
	char msg[400];

	l->op = NULL;
	if (err) {
		text_printf(msg, sizeof(msg), "reading the dial lists: %s",
		            r->msg && r->msg[0] ? r->msg : strerror(err));
		finish(l, err, r->status, msg);
		return;
	}
	switch (l->ph) {
	case PH_ME: {
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(data, "guid");

		if (!cJSON_IsString(g) || !g->valuestring[0] || num(data, "id") <= 0) {
			finish(l, EBADMSG, r->status, "/v2/me has no guid and id");
			return;
		}
		text_copy(l->guid, sizeof(l->guid), g->valuestring);
		l->user_id = num(data, "id");
		l->ph = PH_STEPS;
		l->page = 1;
		break;
	}
	case PH_STEPS:
		err = take_steps(l, data);
		if (err) {
			finish(l, err, r->status, "too many cadences with due steps");
			return;
		}
		if (has_next(r->json) && l->page < PAGES_MAX) {
			l->page++;
		} else {
			l->ph = PH_COUNT;
			l->ci = 0;
			count_start(l);
		}
		break;
	case PH_COUNT:
		if (count_take(l, r->json, &total)) {
			struct dlists_cadence *c = &l->c[l->ci];

			if (count_done(l, total, &c->due, &c->waiting))
				l->ci++;
			count_start(l);
		}
		break;
	case PH_NAMES:
		take_names(l, data);
		if (l->ci == l->n) {
			size_t i;

			/* A cadence Salesloft would not name still gets a row. */
			for (i = 0; i < l->n; i++)
				if (!l->c[i].name[0])
					text_printf(l->c[i].name, sizeof(l->c[i].name),
					            "cadence %lld", (long long)l->c[i].id);
		}
		break;
	case PH_TASKS:
		if (count_take(l, r->json, &total)) {
			if (count_done(l, total, &l->buckets[l->bucket], &l->bwait[l->bucket]))
				l->bucket++;
			count_start(l);
		}
		break;
	case PH_DONE:
		return;
	}
	next(l);
}

/* A new index reading, not started yet. */
static struct dlists *dlists_alloc(struct slapi *api, struct store *st, const struct dlists_opts *o,
                                   dlists_done_h *h, void *arg)
{
	struct dlists *l = calloc(1, sizeof(*l));
	struct tm tm;
	time_t now;

	if (!l)
		return NULL;
	l->api = api;
	l->st = st;
	l->h = h;
	l->arg = arg;
	loop_job_init(&l->fail_job);
	now = o->now ? o->now : time(NULL);
	gmtime_r(&now, &tm);
	strftime(l->now_iso, sizeof(l->now_iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (o->user_guid && o->user_guid[0] && o->user_id > 0) {
		text_copy(l->guid, sizeof(l->guid), o->user_guid);
		l->user_id = o->user_id;
	}
	return l;
}

int dlists_load(struct dlists **lp, struct slapi *api, struct store *st,
                const struct dlists_opts *o, dlists_done_h *h, void *arg, char *why, size_t whyn)
{
	struct dlists *l;

	if (why && whyn)
		why[0] = '\0';
	if (!lp || !api || !o || !h)
		return EINVAL;
	l = dlists_alloc(api, st, o, h, arg);
	if (!l)
		return ENOMEM;
	if (!l->guid[0] && st) {
		struct usermap_user who;
		int err = usermap_call_user(st, o->operator_email, &who);

		if (!err && who.guid[0] && who.id > 0) {
			text_copy(l->guid, sizeof(l->guid), who.guid);
			l->user_id = who.id;
		} else if (err == EPERM ||
		           (err == ENOENT && o->operator_email && o->operator_email[0])) {
			text_printf(why, whyn, "%s",
			            err == EPERM ? "calls for salesloft.operator_email need a team "
			                           "admin's connection"
			                         : "salesloft.operator_email is not a synced user "
			                           "(run loftdial sync users)");
			free(l);
			return err;
		}
	}
	/* The people dialling would skip; a store that cannot say leaves the counts as they
	 * are (a warning in the log). */
	if (st) {
		int werr = callrec_waiting_people(st, WAIT_MAX, &l->wait, &l->nwait);

		if (werr)
			log_warn("dlists", "cannot read the outbox: %s", strerror(werr));
	}
	*lp = l;
	l->ph = l->guid[0] ? PH_STEPS : PH_ME;
	l->page = 1;
	next(l);
	return 0;
}

int dlists_replay(struct dlists **lp, const struct dlists_opts *o, dlists_done_h *h, void *arg)
{
	struct dlists *l;

	if (!lp || !o || !h)
		return EINVAL;
	l = dlists_alloc(NULL, NULL, o, h, arg);
	if (!l)
		return ENOMEM;
	*lp = l;
	l->ph = l->guid[0] ? PH_STEPS : PH_ME;
	l->page = 1;
	next(l);
	return 0;
}

const char *dlists_replay_path(const struct dlists *l)
{
	return l && l->ph != PH_DONE ? l->replay : NULL;
}

int dlists_replay_take(struct dlists *l, int err, long status, const char *body, size_t len)
{
	struct slapi_resp r;
	cJSON *json;

	if (!l || l->api || !dlists_replay_path(l))
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
	free(l->replay);
	l->replay = NULL;
	on_resp(err, &r, l);
	cJSON_Delete(json);
	return 0;
}

void dlists_free(struct dlists *l)
{
	if (!l)
		return;
	slapi_cancel(l->op);
	loop_defer_cancel(&l->fail_job);
	free(l->replay);
	free(l->c);
	free(l->wait);
	free(l);
}

size_t dlists_count(const struct dlists *l)
{
	return l && l->ok ? l->n : 0;
}

const struct dlists_cadence *dlists_cadence(const struct dlists *l, size_t i)
{
	return l && l->ok && i < l->n ? &l->c[i] : NULL;
}

void dlists_tasks(const struct dlists *l, struct dlists_tasks *out)
{
	memset(out, 0, sizeof(*out));
	if (!l || !l->ok)
		return;
	out->overdue = l->buckets[0];
	out->today = l->buckets[1];
	out->overdue_waiting = l->bwait[0];
	out->today_waiting = l->bwait[1];
}

int64_t dlists_user_id(const struct dlists *l)
{
	return l ? l->user_id : 0;
}

unsigned dlists_requests(const struct dlists *l)
{
	return l ? l->requests : 0;
}

bool dlists_done(const struct dlists *l)
{
	return l && l->ph == PH_DONE;
}

/*
 * outsend: the outbox sender (see outsend.h for the rules). One item is worked at a time:
 * POST, then, when its fate is unknown, the looks, each an API request whose handler moves
 * the item on. The outbox table is the state: an item whose fate is unknown stays `sending`
 * there until a look settles it, so a crash at any point leaves it to be looked at again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <re.h>

#include "loftdial/log.h"
#include "loftdial/outbox.h"
#include "loftdial/outsend.h"
#include "loftdial/storeretry.h"
#include "loftdial/records.h"
#include "loftdial/sldecode.h"
#include "loftdial/text.h"

#define CALLS_PATH "/v2/activities/calls"

enum phase { PH_NONE, PH_POST, PH_ACTION, PH_TASK, PH_CALLS, PH_SETTLE };

/* How long an item's outcome is tried again while another process holds the write lock. */
#define SETTLE_GIVE_UP_MS 60000

/* An item's outcome waiting to be written (another process held the database's write lock):
 * what to mark, and the note to give once it is written. */
struct settle {
	enum outsend_ev ev; /* SENT, FAILED, CONFLICT or RETRY */
	int64_t remote_id;
	int64_t next_at;
	char *response;
	char *why;
};

struct outsend {
	struct outsend_cfg cfg;
	struct slapi *api;
	struct store *st;
	outsend_h *h;
	void *arg;
	bool started, stopped;
	struct tmr tmr;
	/* the item being worked */
	enum phase phase;
	struct outbox_item it;
	struct outsend_ref ref;
	bool landed;    /* the action or task says the call landed */
	unsigned looks; /* failed looks in a row (backoff) */
	struct slapi_op *op;
	struct settle pend;       /* the outcome being written (PH_SETTLE) */
	struct storeretry *retry; /* its write, while the database is locked */
	/* items found in `sending` at start, looked at before anything is posted */
	int64_t *stuck;
	size_t nstuck;
	uint64_t rng;
};

static void next_soon(struct outsend *o, uint64_t ms);

const char *outsend_ev_name(enum outsend_ev ev)
{
	static const char *const names[] = {
	        "sending", "sent", "looking", "retry", "failed", "conflict", "idle", "stopped",
	};

	return (unsigned)ev < sizeof(names) / sizeof(names[0]) ? names[ev] : "?";
}

static void tell(struct outsend *o, enum outsend_ev ev, int64_t remote_id, const char *text)
{
	struct outsend_note n;

	if (!o->h)
		return;
	memset(&n, 0, sizeof(n));
	n.ev = ev;
	n.id = ev == OUTSEND_IDLE || ev == OUTSEND_STOPPED ? 0 : o->it.id;
	n.key = n.id ? o->it.dedupe_key : "";
	n.remote_id = remote_id;
	n.text = text ? text : "";
	o->h(&n, o->arg);
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* Retry delay for the nth try: doubling from backoff_ms to the cap, 50-100% jitter. */
static uint64_t backoff(struct outsend *o, unsigned n)
{
	uint64_t d = o->cfg.backoff_ms;
	unsigned i;

	for (i = 1; i < n && d < o->cfg.backoff_cap_ms; i++)
		d *= 2;
	if (d > o->cfg.backoff_cap_ms)
		d = o->cfg.backoff_cap_ms;
	o->rng = o->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return d / 2 + (o->rng >> 33) % (d / 2 + 1);
}

/* A JSON number that is an id (1..2^53), or 0: a cast of 1e300 to an integer is undefined. */
static int64_t id_of(const cJSON *v)
{
	int64_t id = 0;

	return cJSON_IsNumber(v) && sldecode_id(v, &id) == 0 ? id : 0;
}

int outsend_ref_parse(const char *body, struct outsend_ref *r)
{
	cJSON *j = cJSON_Parse(body ? body : "");
	const cJSON *v;
	int err = 0;

	memset(r, 0, sizeof(*r));
	if (!cJSON_IsObject(j)) {
		err = EINVAL;
		goto out;
	}
	r->person_id = id_of(cJSON_GetObjectItemCaseSensitive(j, "person_id"));
	if (!r->person_id) {
		err = EINVAL;
		goto out;
	}
	r->action_id = id_of(cJSON_GetObjectItemCaseSensitive(j, "action_id"));
	r->task_id = id_of(cJSON_GetObjectItemCaseSensitive(j, "task_id"));
	v = cJSON_GetObjectItemCaseSensitive(j, "to");
	if (cJSON_IsString(v))
		text_copy(r->to, sizeof(r->to), v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(j, "user_guid");
	if (cJSON_IsString(v))
		text_copy(r->user_guid, sizeof(r->user_guid), v->valuestring);
out:
	cJSON_Delete(j);
	return err;
}

/* Done with the current item: forget it and go on. */
static void item_done(struct outsend *o, uint64_t next_ms)
{
	outbox_item_clear(&o->it);
	o->phase = PH_NONE;
	o->landed = false;
	o->looks = 0;
	next_soon(o, next_ms);
}

/* Writes the pending outcome (one statement: a failed attempt leaves nothing behind). */
static int settle_work(struct store *st, void *arg)
{
	struct outsend *o = arg;
	const struct settle *p = &o->pend;

	switch (p->ev) {
	case OUTSEND_SENT:
		return outbox_mark_sent(st, o->it.id, p->remote_id, p->response);
	case OUTSEND_FAILED:
		return outbox_mark_failed(st, o->it.id, p->why);
	case OUTSEND_CONFLICT:
		return outbox_mark_conflict(st, o->it.id, p->why, NULL);
	default:
		return outbox_mark_retry(st, o->it.id, p->next_at, p->why);
	}
}

static void settle_clear(struct settle *p)
{
	free(p->response);
	free(p->why);
	memset(p, 0, sizeof(*p));
}

/* The outcome is written (or could not be: the item then stays as it was, `sending` after a
 * POST, and is looked at by the next run): tell, and go on. */
static void settled(struct outsend *o, int err)
{
	struct settle p = o->pend;

	memset(&o->pend, 0, sizeof(o->pend));
	if (err)
		log_warn("outbox", "item %lld: cannot mark %s: %s", (long long)o->it.id,
		         outsend_ev_name(p.ev), strerror(err));
	o->phase = PH_NONE;
	tell(o, p.ev, p.remote_id, p.why ? p.why : "");
	settle_clear(&p);
	item_done(o, 0);
}

static void settle_done(int err, void *arg)
{
	settled(arg, err);
}

/* Records the current item's outcome. When another process holds the write lock (EBUSY,
 * quickly with a short busy timeout such as the TUI's), the write is tried again from a timer
 * and nothing else is done meanwhile, so no outcome is lost and no frame waits. */
static void settle(struct outsend *o, enum outsend_ev ev, int64_t remote_id, const char *response,
                   const char *why, uint64_t delay_ms)
{
	int err;

	o->pend.ev = ev;
	o->pend.remote_id = remote_id;
	/* The queue keeps whole seconds: round up, so a retry never comes sooner than its wait. */
	o->pend.next_at = now_s() + (int64_t)((delay_ms + 999) / 1000);
	o->pend.response = response ? strdup(response) : NULL;
	o->pend.why = strdup(why ? why : "");
	o->phase = PH_SETTLE;
	err = storeretry_run(&o->retry, o->st, settle_work, settle_done, o, SETTLE_GIVE_UP_MS);
	if (err != EINPROGRESS)
		settled(o, err);
}

/* The item is back in the queue (never reached Salesloft, or did not land). */
static void requeue(struct outsend *o, uint64_t delay_ms, const char *why)
{
	settle(o, OUTSEND_RETRY, 0, NULL, why, delay_ms);
}

static void failed(struct outsend *o, const char *why)
{
	settle(o, OUTSEND_FAILED, 0, NULL, why, 0);
}

static void sent(struct outsend *o, int64_t remote_id, const char *response)
{
	settle(o, OUTSEND_SENT, remote_id, response, "", 0);
}

static void conflict(struct outsend *o, const char *why)
{
	settle(o, OUTSEND_CONFLICT, 0, NULL, why, 0);
}

/* The connection is gone: the item goes back to the queue and nothing more is sent. */
static void stop(struct outsend *o, const char *why)
{
	if (o->it.id)
		outbox_mark_retry(o->st, o->it.id, now_s(), why);
	outbox_item_clear(&o->it);
	o->phase = PH_NONE;
	o->stopped = true;
	tell(o, OUTSEND_STOPPED, 0, why);
}

static void look(struct outsend *o, const char *why);

/* A look could not be made (server down, timeout): the item stays `sending`; try again. */
static void look_later(struct outsend *o, const char *why)
{
	uint64_t d = backoff(o, ++o->looks);

	log_info("outbox", "item %lld: look failed (%s); again in %llu ms", (long long)o->it.id,
	         why, (unsigned long long)d);
	o->phase = PH_NONE;
	o->op = NULL;
	/* The item stays loaded: next() sees it and looks again. */
	next_soon(o, d);
}

bool outsend_already_used(const cJSON *json)
{
	const cJSON *errs = cJSON_GetObjectItemCaseSensitive(json, "errors"), *f, *m;
	const char *fields[] = {"action_id", "task_id"};
	size_t i;

	for (i = 0; i < 2; i++) {
		f = cJSON_GetObjectItemCaseSensitive(errs, fields[i]);
		cJSON_ArrayForEach(m, f)
		{
			if (cJSON_IsString(m) && strstr(m->valuestring, "already been used"))
				return true;
		}
	}
	return false;
}

/* Keeps a 422's errors map (compact JSON) as the failure text. */
static void errors_text(const struct slapi_resp *r, char *out, size_t n)
{
	const cJSON *errs = cJSON_GetObjectItemCaseSensitive(r->json, "errors");
	char *s = errs ? cJSON_PrintUnformatted(errs) : NULL;

	text_printf(out, n, "HTTP %ld: %s", r->status, s ? s : (r->msg ? r->msg : ""));
	cJSON_free(s);
}

/* The answer to the POST. */
static void post_done(int err, const struct slapi_resp *r, void *arg)
{
	struct outsend *o = arg;
	char text[1024];
	const cJSON *data, *id;

	o->op = NULL;
	if (!err) {
		data = cJSON_GetObjectItemCaseSensitive(r->json, "data");
		id = cJSON_GetObjectItemCaseSensitive(data, "id");
		sent(o, id_of(id), r->body);
		return;
	}
	text_printf(text, sizeof(text), "%s", r->msg ? r->msg : strerror(err));
	if (err == EKEYREVOKED || err == EACCES) {
		stop(o, text);
		return;
	}
	if (err == EAGAIN || err == ECONNREFUSED || err == EHOSTUNREACH || r->status == 429) {
		requeue(o, backoff(o, (unsigned)o->it.attempts), text);
		return;
	}
	if (r->status == 422) {
		if (outsend_already_used(r->json)) {
			look(o, "422: the action or task was already used");
			return;
		}
		errors_text(r, text, sizeof(text));
		failed(o, text);
		return;
	}
	if (r->status >= 400 && r->status < 500) {
		failed(o, text);
		return;
	}
	/* 5xx, a timeout, a dropped connection, a malformed answer: it may have landed. */
	look(o, text);
}

/* Sends the current item's POST. */
static void post(struct outsend *o)
{
	struct slapi_call c = {
	        .method = "POST",
	        .path = CALLS_PATH,
	        .body = o->it.body,
	        .body_len = strlen(o->it.body),
	        .prio = PACING_WRITE,
	};
	int err;

	err = outbox_mark_sending(o->st, o->it.id);
	if (err) {
		log_warn("outbox", "item %lld: cannot mark sending: %s", (long long)o->it.id,
		         strerror(err));
		item_done(o, 1000);
		return;
	}
	o->it.attempts++;
	o->phase = PH_POST;
	tell(o, OUTSEND_SENDING, 0, "");
	err = slapi_send(o->api, &c, post_done, o, &o->op);
	if (err) {
		/* Never left: back to the queue. */
		o->op = NULL;
		requeue(o, backoff(o, (unsigned)o->it.attempts), strerror(err));
	}
}

int64_t outsend_find_call(const cJSON *list, const struct outsend_ref *ref, int64_t since_us)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, list)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "id");
		const cJSON *action = cJSON_GetObjectItemCaseSensitive(c, "action");
		const cJSON *aid = cJSON_GetObjectItemCaseSensitive(action, "id");
		const cJSON *to = cJSON_GetObjectItemCaseSensitive(c, "to");
		const cJSON *created = cJSON_GetObjectItemCaseSensitive(c, "created_at");
		const cJSON *user = cJSON_GetObjectItemCaseSensitive(c, "user");
		const cJSON *guid = cJSON_GetObjectItemCaseSensitive(user, "guid");
		int64_t us, cid = id_of(id);

		if (!cid)
			continue;
		if (ref->action_id) {
			if (id_of(aid) == ref->action_id)
				return cid;
			continue;
		}
		/* No action: the same number, made since the item was. */
		if (!cJSON_IsString(to) || strcmp(to->valuestring, ref->to))
			continue;
		if (!cJSON_IsString(created) || records_parse_time(created->valuestring, &us) ||
		    us < since_us)
			continue;
		if (ref->user_guid[0] && cJSON_IsString(guid) &&
		    strcmp(guid->valuestring, ref->user_guid))
			continue;
		return cid;
	}
	return 0;
}

/* The answer to the person's calls. */
static void calls_done(int err, const struct slapi_resp *r, void *arg)
{
	struct outsend *o = arg;
	int64_t rid;

	o->op = NULL;
	if (err) {
		look_later(o, r->msg ? r->msg : strerror(err));
		return;
	}
	rid = outsend_find_call(cJSON_GetObjectItemCaseSensitive(r->json, "data"), &o->ref,
	                        (o->it.created_at - (int64_t)o->cfg.window_s) * 1000000);
	if (rid) {
		sent(o, rid, NULL);
		return;
	}
	if (o->landed)
		conflict(o, o->ref.action_id ? "the action was completed without a call of ours"
		                             : "the task was completed without a call of ours");
	else
		requeue(o, backoff(o, (unsigned)o->it.attempts), "not in Salesloft: sending again");
}

/* Lists the person's newest calls. */
static void look_calls(struct outsend *o)
{
	struct slapi_call c = {.method = "GET", .prio = PACING_WRITE};
	char path[160];

	text_printf(path, sizeof(path),
	            CALLS_PATH
	            "?person_id=%lld&sort_by=created_at&sort_direction=DESC&per_page=100",
	            (long long)o->ref.person_id);
	c.path = path;
	o->phase = PH_CALLS;
	if (slapi_send(o->api, &c, calls_done, o, &o->op))
		look_later(o, "cannot send");
}

/* The answer to GET /v2/actions/{id} or /v2/tasks/{id}. */
static void work_done(int err, const struct slapi_resp *r, void *arg)
{
	struct outsend *o = arg;
	const cJSON *data, *v;

	o->op = NULL;
	if (err && r->status == 404) {
		/* Gone from the lists: an action is completed (ours or someone else's). */
		if (o->phase == PH_TASK) {
			conflict(o, "the task no longer exists");
			return;
		}
		o->landed = true;
		look_calls(o);
		return;
	}
	if (err) {
		look_later(o, r->msg ? r->msg : strerror(err));
		return;
	}
	data = cJSON_GetObjectItemCaseSensitive(r->json, "data");
	if (o->phase == PH_ACTION) {
		v = cJSON_GetObjectItemCaseSensitive(data, "status");
		o->landed = cJSON_IsString(v) && !strcmp(v->valuestring, "completed");
	} else {
		v = cJSON_GetObjectItemCaseSensitive(data, "current_state");
		o->landed = cJSON_IsString(v) && !strcmp(v->valuestring, "completed");
	}
	if (o->landed)
		look_calls(o);
	else
		requeue(o, backoff(o, (unsigned)o->it.attempts), "not in Salesloft: sending again");
}

/* Starts looking for the current item before anything is posted again. */
static void look(struct outsend *o, const char *why)
{
	struct slapi_call c = {.method = "GET", .prio = PACING_WRITE};
	char path[96];

	if (why)
		tell(o, OUTSEND_LOOKING, 0, why);
	o->landed = false;
	if (outsend_ref_parse(o->it.body, &o->ref)) {
		failed(o, "the body is not a call (no person_id): cannot check Salesloft");
		return;
	}
	if (o->ref.action_id) {
		text_printf(path, sizeof(path), "/v2/actions/%lld", (long long)o->ref.action_id);
		o->phase = PH_ACTION;
	} else if (o->ref.task_id) {
		text_printf(path, sizeof(path), "/v2/tasks/%lld", (long long)o->ref.task_id);
		o->phase = PH_TASK;
	} else {
		look_calls(o);
		return;
	}
	c.path = path;
	if (slapi_send(o->api, &c, work_done, o, &o->op))
		look_later(o, "cannot send");
}

/* Picks the next thing to do. */
static void next(void *arg)
{
	struct outsend *o = arg;
	int64_t at;
	int err;

	if (!o->started || o->stopped || o->phase != PH_NONE)
		return;
	if (o->it.id) {
		/* A look that failed earlier: the item is still `sending`. */
		look(o, NULL);
		return;
	}
	while (o->nstuck) {
		int64_t id = o->stuck[--o->nstuck];

		if (outbox_get(o->st, id, &o->it) || o->it.state != OUTBOX_SENDING) {
			outbox_item_clear(&o->it);
			continue;
		}
		if (strcmp(o->it.kind, "call")) {
			outbox_item_clear(&o->it);
			continue;
		}
		look(o, "found in sending at start (the last run stopped mid-send)");
		return;
	}
	err = outbox_next_due(o->st, now_s(), &o->it);
	if (err == 0 && strcmp(o->it.kind, "call")) {
		/* Not ours to send: leave it queued, later. */
		outbox_item_clear(&o->it);
		err = ENOENT;
	}
	if (err) {
		if (err != ENOENT)
			log_warn("outbox", "cannot read the outbox: %s", strerror(err));
		tell(o, OUTSEND_IDLE, 0, "");
		if (!o->stopped && outbox_next_at(o->st, &at) == 0)
			next_soon(o, at > now_s() ? (uint64_t)(at - now_s()) * 1000 : 1000);
		return;
	}
	if (o->cfg.max_attempts && o->it.attempts >= (int)o->cfg.max_attempts) {
		char why[96];

		text_printf(why, sizeof(why), "gave up after %d attempts", o->it.attempts);
		failed(o, why);
		return;
	}
	post(o);
}

static void next_soon(struct outsend *o, uint64_t ms)
{
	tmr_start(&o->tmr, ms, next, o);
}

/* flush: a queued item waiting for its retry time is due now. */
static int due_now(const struct outbox_item *it, void *arg)
{
	struct store *st = arg;

	if (it->state == OUTBOX_QUEUED && it->next_at > now_s() && !strcmp(it->kind, "call"))
		return outbox_mark_retry(st, it->id, now_s(), it->last_error);
	return 0;
}

/* Collects the ids of items left in `sending`. */
static int stuck_item(const struct outbox_item *it, void *arg)
{
	struct outsend *o = arg;
	int64_t *grown = realloc(o->stuck, (o->nstuck + 1) * sizeof(*grown));

	if (!grown)
		return ENOMEM;
	o->stuck = grown;
	o->stuck[o->nstuck++] = it->id;
	return 0;
}

/* Test-only: LOFTDIAL_TEST_OUTBOX_BACKOFF_MS="FIRST,CAP" runs the sender's waits on a shorter
 * clock, so a test can ride out a long outage in seconds (docs/dialing.md). Anything but two
 * whole numbers with 10 <= FIRST <= CAP <= 300000 is ignored. */
static void test_backoff(struct outsend_cfg *c)
{
	const char *v = getenv("LOFTDIAL_TEST_OUTBOX_BACKOFF_MS");
	unsigned long first, cap;
	char *end;

	if (!v || !v[0])
		return;
	first = strtoul(v, &end, 10);
	if (*end != ',')
		return;
	cap = strtoul(end + 1, &end, 10);
	if (*end || first < 10 || first > cap || cap > 300000)
		return;
	c->backoff_ms = (unsigned)first;
	c->backoff_cap_ms = (unsigned)cap;
}

int outsend_new(struct outsend **op, const struct outsend_cfg *cfg, struct slapi *api,
                struct store *st, outsend_h *h, void *arg)
{
	struct outsend *o;

	if (!op || !api || !st)
		return EINVAL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return ENOMEM;
	if (cfg)
		o->cfg = *cfg;
	test_backoff(&o->cfg);
	if (!o->cfg.backoff_ms)
		o->cfg.backoff_ms = 2000;
	if (!o->cfg.backoff_cap_ms)
		o->cfg.backoff_cap_ms = 300000;
	if (!o->cfg.max_attempts)
		o->cfg.max_attempts = 20;
	if (!o->cfg.window_s)
		o->cfg.window_s = 300;
	o->api = api;
	o->st = st;
	o->h = h;
	o->arg = arg;
	o->rng = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)o;
	tmr_init(&o->tmr);
	*op = o;
	return 0;
}

void outsend_free(struct outsend *o)
{
	if (!o)
		return;
	tmr_cancel(&o->tmr);
	slapi_cancel(o->op);
	storeretry_cancel(o->retry);
	settle_clear(&o->pend);
	outbox_item_clear(&o->it);
	free(o->stuck);
	free(o);
}

int outsend_start(struct outsend *o, bool flush)
{
	int err;

	if (!o)
		return EINVAL;
	if (o->started)
		return 0;
	err = outbox_stuck_sending(o->st, stuck_item, o);
	if (!err && flush)
		err = outbox_list(o->st, due_now, o->st);
	if (err)
		return err;
	o->started = true;
	next_soon(o, 0);
	return 0;
}

void outsend_kick(struct outsend *o)
{
	if (o && o->started && !o->stopped && o->phase == PH_NONE && !o->it.id)
		next_soon(o, 0);
}

bool outsend_idle(const struct outsend *o)
{
	return !o || (o->phase == PH_NONE && !o->it.id);
}

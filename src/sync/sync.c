/*
 * sync: the per-object tasks of a sync run and their transactions.
 *
 * Each selected object is a task with at most one request in flight: list pages (cursor or
 * page numbers), then, for incremental cursor runs, the ids[] sweep. Every answer is applied
 * in one store transaction together with the task's syncstate, so what is committed is
 * always a consistent "rows up to here + where to continue" pair. A page or sweep answer that
 * meets another process's write lock (EBUSY) is kept and written again from a loop timer
 * (storeretry.h), so the loop never waits on the lock and the run does not fail for it. A
 * task that fails stops with its message in syncstate.last_error; the others go on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <re.h>

#include "loftdial/cursor.h"
#include "loftdial/log.h"
#include "loftdial/loop.h"
#include "loftdial/records.h"
#include "loftdial/sldecode.h"
#include "loftdial/storeretry.h"
#include "loftdial/slurl.h"
#include "loftdial/sync.h"
#include "loftdial/syncstate.h"
#include "loftdial/text.h"

#define SWEEP_BATCH 100
/* How long a page waits for another process's write lock, retried from the loop. */
#define BUSY_GIVE_UP_MS 120000

enum strategy { STRAT_CURSOR, STRAT_RELIST };

static const struct objdef {
	enum store_obj obj;
	const char *path;
	enum strategy strategy;
} objdefs[STORE_OBJ_COUNT] = {
        /* visible_only=false: deactivated users stay listed (active=false), so their
         * calls keep a user instead of the user looking deleted. */
        [STORE_USERS] = {STORE_USERS, "/v2/users?visible_only=false", STRAT_RELIST},
        [STORE_ACCOUNTS] = {STORE_ACCOUNTS, "/v2/accounts", STRAT_CURSOR},
        [STORE_PEOPLE] = {STORE_PEOPLE, "/v2/people", STRAT_CURSOR},
        [STORE_CADENCES] = {STORE_CADENCES, "/v2/cadences", STRAT_CURSOR},
        [STORE_MEMBERSHIPS] = {STORE_MEMBERSHIPS, "/v2/cadence_memberships", STRAT_CURSOR},
        [STORE_STEPS] = {STORE_STEPS, "/v2/steps", STRAT_RELIST},
        [STORE_DISPOSITIONS] = {STORE_DISPOSITIONS, "/v2/call_dispositions", STRAT_RELIST},
        [STORE_SENTIMENTS] = {STORE_SENTIMENTS, "/v2/call_sentiments", STRAT_RELIST},
        [STORE_CALLS] = {STORE_CALLS, "/v2/activities/calls", STRAT_CURSOR},
        [STORE_EMAILS] = {STORE_EMAILS, "/v2/activities/emails", STRAT_CURSOR},
};

enum stage { STAGE_LIST, STAGE_SWEEP, STAGE_END };

struct task {
	struct sync *s;
	const struct objdef *def;
	struct sync_obj_progress *pr;
	struct syncstate state; /* mirrors the committed row */
	struct cursor_pos pos;
	int64_t gen; /* generation stamped by this run's full pass, 0 for incrementals */
	int relist_page;
	enum stage stage;
	bool first;
	int64_t batch[SWEEP_BATCH];
	size_t nbatch;
	struct slapi_op *op;
	/* A page received and waiting to be stored (the database may be locked by another
	 * process: the write is retried from the loop, the page kept until then). */
	struct sldecode_page held;
	bool holding, held_done;
	struct cursor_pos held_next;
	unsigned held_marked;
	/* A sweep answer waiting to be stored the same way: which ids of the batch Salesloft
	 * still has (NULL when none is held). */
	bool *sweep_seen;
	struct storeretry *retry;
};

struct sync {
	struct slapi *api;
	struct store *st;
	struct sync_opts o;
	struct task tasks[STORE_OBJ_COUNT];
	struct sync_obj_progress prog[STORE_OBJ_COUNT];
	size_t ntasks;
	size_t running;
	int auth_err;
	bool failed, done, stopped;
	struct loop_job job; /* the start and the done handler, after the current handler */
	sync_progress_h *ph;
	sync_done_h *dh;
	void *arg;
};

static void task_next(struct task *t);

const char *sync_strategy_name(enum store_obj obj)
{
	if ((unsigned)obj >= STORE_OBJ_COUNT)
		return "?";
	return objdefs[obj].strategy == STRAT_CURSOR ? "cursor" : "relist";
}

const char *sync_obj_path(enum store_obj obj)
{
	return (unsigned)obj < STORE_OBJ_COUNT ? objdefs[obj].path : NULL;
}

/* Copies a hostile message into the progress record and the state. */
static void set_error(struct task *t, const char *msg)
{
	text_sanitize(t->pr->error, sizeof(t->pr->error), msg ? msg : "failed", false);
	text_copy(t->state.last_error, sizeof(t->state.last_error), t->pr->error);
}

static void notify(struct sync *s)
{
	if (s->ph && !s->stopped)
		s->ph(s->arg);
}

/* Runs the done handler from the loop once every task has ended. */
static void done_tmr(void *arg)
{
	struct sync *s = arg;
	int rc = s->auth_err ? s->auth_err : s->failed ? EPROTO : 0;

	if (s->stopped || s->done)
		return;
	s->done = true;
	if (s->dh)
		s->dh(rc, s->arg);
}

/* Writes the task's state alone (outside a page), for results and errors. */
static void save_state(struct task *t)
{
	struct store *st = t->s->st;
	int err = store_begin(st);

	if (!err) {
		err = syncstate_put(st, t->def->obj, &t->state);
		if (err)
			store_rollback(st);
		else
			err = store_commit(st);
	}
	if (err)
		log_warn("sync", "%s: cannot save the sync state: %s", t->pr->name, strerror(err));
}

/* Ends a task with a phase; the run ends when the last task does. */
static void task_end(struct task *t, enum sync_phase phase, int err)
{
	struct sync *s = t->s;

	if (t->stage == STAGE_END)
		return;
	t->stage = STAGE_END;
	t->op = NULL;
	t->pr->phase = phase;
	t->pr->finished_ms = loop_now_ms();
	t->state.last_run = (int64_t)time(NULL);
	if (phase == SYNC_OK) {
		text_copy(t->state.last_result, sizeof(t->state.last_result), "ok");
		t->state.last_error[0] = '\0';
		log_info("sync", "%s: done, %llu records in %llu requests, %u deleted", t->pr->name,
		         (unsigned long long)t->pr->records, (unsigned long long)t->pr->requests,
		         t->pr->deleted);
	} else {
		text_copy(t->state.last_result, sizeof(t->state.last_result),
		          phase == SYNC_STOPPED ? "interrupted" : "error");
		if (phase == SYNC_FAILED) {
			s->failed = true;
			log_error("sync", "%s: stopped: %s", t->pr->name, t->pr->error);
		}
		if (err == EKEYREVOKED || err == EACCES)
			s->auth_err = err;
	}
	save_state(t);
	if (s->running)
		s->running--;
	notify(s);
	if (!s->running && !s->stopped)
		loop_defer(&s->job, done_tmr, s);
}

/* Fails the task with a message. */
static void task_fail(struct task *t, int err, const char *msg)
{
	set_error(t, msg);
	task_end(t, SYNC_FAILED, err);
}

static void on_page(int err, const struct slapi_resp *resp, void *arg);
static void on_sweep(int err, const struct slapi_resp *resp, void *arg);

/* Sends the request built in u for the task. */
static void task_send(struct task *t, struct slurl *u, slapi_done_h *h)
{
	struct slapi_call c = {.method = "GET", .prio = PACING_SYNC};
	int err = slurl_err(u);

	c.path = slurl_str(u);
	if (!err)
		err = slapi_send(t->s->api, &c, h, t, &t->op);
	slurl_reset(u);
	if (err) {
		char msg[128];

		snprintf(msg, sizeof(msg), "cannot queue a request: %s", strerror(err));
		task_fail(t, err, msg);
		return;
	}
	t->pr->requests++;
}

/* Asks for the next list page. */
static void request_page(struct task *t)
{
	struct slurl u;

	slurl_init(&u, t->def->path);
	if (t->def->strategy == STRAT_RELIST) {
		slurl_addi(&u, "per_page", CURSOR_PER_PAGE);
		slurl_addi(&u, "page", t->relist_page);
	} else {
		cursor_query(&u, &t->pos);
	}
	/* Counts on the first page only give the progress bar its total at a cost of 1. */
	if (t->first)
		slurl_add(&u, "include_paging_counts", "true");
	task_send(t, &u, on_page);
}

/* Records the page position (pos, or the relist page) into the state ns. */
static void keep_position(const struct task *t, struct syncstate *ns, const struct cursor_pos *pos,
                          int relist_page)
{
	if (t->def->strategy == STRAT_RELIST) {
		ns->page = relist_page;
	} else if (t->gen) {
		text_copy(ns->full_cursor, sizeof(ns->full_cursor), pos->cursor);
		ns->page = pos->page;
	} else {
		text_copy(ns->cursor, sizeof(ns->cursor), pos->cursor);
		ns->page = pos->page;
	}
}

/* A full pass read everything: unseen rows are deleted and the generation is complete. */
static int finish_full(const struct task *t, struct syncstate *ns, const struct cursor_pos *pos,
                       unsigned *marked)
{
	int err = records_sweep_unseen(t->s->st, t->def->obj, t->gen, marked);

	if (err)
		return err;
	ns->generation = t->gen;
	ns->full_gen = 0;
	ns->full_cursor[0] = '\0';
	ns->incrementals = 0;
	ns->last_full = (int64_t)time(NULL);
	if (t->def->strategy == STRAT_CURSOR) {
		text_copy(ns->cursor, sizeof(ns->cursor), pos->cursor);
		ns->page = pos->page;
	} else {
		ns->page = 0;
	}
	return 0;
}

/* Lets go of the page or the sweep answer held for storing. */
static void release_held(struct task *t)
{
	if (t->holding)
		sldecode_page_free(&t->held);
	t->holding = false;
	free(t->sweep_seen);
	t->sweep_seen = NULL;
}

/* One attempt at storing the held page, its position and the state in one transaction.
 * Works on copies, so a failed attempt (EBUSY: tried again later) changes nothing. */
static int page_write(struct store *st, void *arg)
{
	struct task *t = arg;
	struct syncstate ns = t->state;
	struct cursor_pos np = t->held_next;
	int relist = t->relist_page;
	unsigned marked = 0;
	const cJSON *rec;
	int err;

	err = store_begin(st);
	if (err)
		return err;
	cJSON_ArrayForEach(rec, t->held.data)
	{
		err = records_upsert(st, t->def->obj, rec, t->gen);
		if (err)
			break;
	}
	if (!err) {
		if (t->def->strategy == STRAT_RELIST && !t->held_done)
			relist++;
		ns.full_gen = t->gen;
		ns.records_seen += (int64_t)t->held.count;
		keep_position(t, &ns, &np, relist);
		if (t->held_done && t->gen)
			err = finish_full(t, &ns, &np, &marked);
		else if (t->held_done)
			ns.incrementals++;
	}
	if (!err)
		err = syncstate_put(st, t->def->obj, &ns);
	if (!err)
		err = store_commit(st);
	if (err) {
		store_rollback(st);
		return err;
	}
	t->state = ns;
	t->pos = np;
	t->relist_page = relist;
	t->held_marked = marked;
	return 0;
}

/* The held page is stored (or could not be): count it and go on. */
static void page_written(int err, void *arg)
{
	struct task *t = arg;
	uint64_t count = t->holding ? (uint64_t)t->held.count : 0;
	bool done = t->held_done;
	char msg[300];

	release_held(t);
	if (err) {
		snprintf(msg, sizeof(msg), "cannot store a page: %s%s", strerror(err),
		         err == EBUSY ? " (another process kept the database locked); try again"
		                      : "");
		task_fail(t, err, msg);
		return;
	}
	t->pr->records += count;
	t->pr->deleted += t->held_marked;
	if (done && t->def->strategy == STRAT_CURSOR && !t->gen && t->s->o.ids_sweep) {
		t->stage = STAGE_SWEEP;
		t->pr->phase = SYNC_SWEEPING;
	} else if (done) {
		task_end(t, SYNC_OK, 0);
		return;
	}
	notify(t->s);
	task_next(t);
}

/* Logs a page that could not be used, with enough context to find it again. */
static void log_bad_page(const struct task *t, const struct slapi_resp *resp, const char *why)
{
	char head[121], clean[160];
	size_t k = resp->body_len < 120 ? resp->body_len : 120;

	memcpy(head, resp->body, k);
	head[k] = '\0';
	text_sanitize(clean, sizeof(clean), head, false);
	log_error("sync",
	          "%s: unusable page (cursor \"%s\", page %d, HTTP %ld, %zu bytes): %s; "
	          "body starts \"%s\"",
	          t->pr->name, t->pos.cursor,
	          t->def->strategy == STRAT_RELIST ? t->relist_page : t->pos.page, resp->status,
	          resp->body_len, why, clean);
}

static void on_page(int err, const struct slapi_resp *resp, void *arg)
{
	struct task *t = arg;
	struct sldecode_page pg;
	struct cursor_pos next = t->pos;
	enum cursor_next nx = CURSOR_MORE;
	char msg[300];
	bool done;

	t->op = NULL;
	if (err) {
		task_fail(t, err, resp->msg ? resp->msg : strerror(err));
		return;
	}
	err = sldecode_page(resp->body, resp->body_len, &pg);
	if (err) {
		log_bad_page(t, resp, "not a list of records");
		snprintf(msg, sizeof(msg), "malformed page from %s: %s (logged)", t->def->path,
		         err == EBADMSG ? "not a list of records with ids" : strerror(err));
		task_fail(t, EBADMSG, msg);
		return;
	}
	if (t->first && pg.total_count >= 0)
		t->pr->total = pg.total_count;
	t->first = false;
	if (t->def->strategy == STRAT_RELIST) {
		done = pg.count < CURSOR_PER_PAGE || !pg.has_paging || !pg.next_page;
	} else {
		nx = cursor_advance(&next, &pg, CURSOR_PER_PAGE, msg, sizeof(msg));
		if (nx == CURSOR_BAD) {
			log_bad_page(t, resp, msg);
			task_fail(t, EBADMSG, msg);
			sldecode_page_free(&pg);
			return;
		}
		done = nx == CURSOR_DONE;
	}
	/* The page is kept until it is stored: another process may hold the write lock. */
	t->held = pg;
	t->holding = true;
	t->held_next = next;
	t->held_done = done;
	t->held_marked = 0;
	err = storeretry_run(&t->retry, t->s->st, page_write, page_written, t, BUSY_GIVE_UP_MS);
	if (err != EINPROGRESS)
		page_written(err, t);
}

/* Asks for the next batch of local ids, or ends the sweep. */
static void request_sweep(struct task *t)
{
	struct slurl u;
	size_t i;
	int err;

	if (t->s->o.sweep_max && t->pr->swept >= t->s->o.sweep_max) {
		task_end(t, SYNC_OK, 0);
		return;
	}
	err = records_live_ids(t->s->st, t->def->obj, t->state.sweep_after_id, t->batch,
	                       SWEEP_BATCH, &t->nbatch);
	if (err) {
		task_fail(t, err, "cannot read local ids for the deletion sweep");
		return;
	}
	if (!t->nbatch) {
		/* The sweep went round the whole table: start from the beginning next time. */
		t->state.sweep_after_id = 0;
		task_end(t, SYNC_OK, 0);
		return;
	}
	slurl_init(&u, t->def->path);
	slurl_addi(&u, "per_page", SWEEP_BATCH);
	for (i = 0; i < t->nbatch; i++)
		slurl_addi(&u, "ids[]", (long long)t->batch[i]);
	task_send(t, &u, on_sweep);
}

/* True when id is in the sorted batch. */
static bool in_batch(const struct task *t, int64_t id)
{
	size_t lo = 0, hi = t->nbatch;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (t->batch[mid] == id)
			return true;
		if (t->batch[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* One attempt at storing the held sweep answer: the ids of the batch Salesloft no longer
 * has are marked deleted and the sweep's position kept, in one transaction. Works on a copy
 * of the state, so a failed attempt (EBUSY: tried again later) changes nothing. */
static int sweep_write(struct store *st, void *arg)
{
	struct task *t = arg;
	struct syncstate ns = t->state;
	unsigned marked = 0;
	size_t i;
	int err;

	err = store_begin(st);
	if (err)
		return err;
	for (i = 0; !err && i < t->nbatch; i++) {
		if (t->sweep_seen[i])
			continue;
		err = records_delete(st, t->def->obj, t->batch[i]);
		if (err == ENOENT)
			err = 0;
		else if (!err)
			marked++;
	}
	if (!err) {
		ns.sweep_after_id = t->batch[t->nbatch - 1];
		err = syncstate_put(st, t->def->obj, &ns);
	}
	if (!err)
		err = store_commit(st);
	if (err) {
		store_rollback(st);
		return err;
	}
	t->state = ns;
	t->held_marked = marked;
	return 0;
}

/* The held sweep answer is stored (or could not be): count it and ask for the next batch. */
static void sweep_written(int err, void *arg)
{
	struct task *t = arg;
	unsigned marked = t->held_marked;
	char msg[300];

	release_held(t);
	t->held_marked = 0;
	if (err) {
		snprintf(msg, sizeof(msg), "cannot store the sweep result: %s%s", strerror(err),
		         err == EBUSY ? " (another process kept the database locked); try again"
		                      : "");
		task_fail(t, err, msg);
		return;
	}
	if (marked)
		log_info("sync", "%s: ids sweep found %u deleted", t->pr->name, marked);
	t->pr->swept += t->nbatch;
	t->pr->deleted += marked;
	notify(t->s);
	task_next(t);
}

static void on_sweep(int err, const struct slapi_resp *resp, void *arg)
{
	struct task *t = arg;
	struct store *st = t->s->st;
	struct sldecode_page pg;
	bool *seen = NULL;
	const cJSON *rec;
	size_t i;

	t->op = NULL;
	if (err) {
		task_fail(t, err, resp->msg ? resp->msg : strerror(err));
		return;
	}
	err = sldecode_page(resp->body, resp->body_len, &pg);
	if (err) {
		log_bad_page(t, resp, "sweep answer is not a list of records");
		task_fail(t, EBADMSG, "malformed answer to the ids[] sweep (logged)");
		return;
	}
	seen = calloc(t->nbatch, sizeof(*seen));
	if (!seen) {
		sldecode_page_free(&pg);
		task_fail(t, ENOMEM, "out of memory");
		return;
	}
	cJSON_ArrayForEach(rec, pg.data)
	{
		int64_t id = 0;

		(void)sldecode_id(cJSON_GetObjectItemCaseSensitive(rec, "id"), &id);
		/* A record we did not ask for means the server ignored ids[]: deleting on that
		 * answer would wipe the table, so stop instead. */
		if (!in_batch(t, id)) {
			sldecode_page_free(&pg);
			free(seen);
			task_fail(t, EPROTO,
			          "the server ignored the ids[] filter; the deletion sweep "
			          "is off until a full pass");
			return;
		}
		for (i = 0; i < t->nbatch; i++)
			if (t->batch[i] == id)
				seen[i] = true;
	}
	sldecode_page_free(&pg);
	/* The answer is kept until it is stored: another process may hold the write lock. */
	t->sweep_seen = seen;
	err = storeretry_run(&t->retry, st, sweep_write, sweep_written, t, BUSY_GIVE_UP_MS);
	if (err != EINPROGRESS)
		sweep_written(err, t);
}

static void task_next(struct task *t)
{
	if (t->s->stopped)
		return;
	if (t->stage == STAGE_LIST)
		request_page(t);
	else if (t->stage == STAGE_SWEEP)
		request_sweep(t);
}

/* Reads the object's state and decides what this run does. */
static int task_init(struct sync *s, struct task *t, enum store_obj obj)
{
	const struct sync_opts *o = &s->o;
	bool full;
	int err;

	t->s = s;
	t->def = &objdefs[obj];
	t->pr = &s->prog[s->ntasks];
	t->pr->obj = obj;
	t->pr->name = store_obj_name(obj);
	t->pr->strategy = sync_strategy_name(obj);
	t->pr->total = -1;
	t->pr->phase = SYNC_PENDING;
	t->first = true;
	err = syncstate_get(s->st, obj, &t->state);
	if (err)
		return err;
	t->state.records_seen = 0;
	if (t->def->strategy == STRAT_RELIST) {
		/* Every relist is a full pass; resume a page run interrupted at page > 1. */
		bool resume = t->state.full_gen > 0 && t->state.page > 1;

		t->gen = resume ? t->state.full_gen : t->state.generation + 1;
		t->relist_page = resume ? t->state.page : 1;
		full = true;
	} else {
		full = o->full || t->state.full_gen > 0 || t->state.generation == 0 ||
		       (o->full_every && t->state.incrementals >= (int64_t)o->full_every);
		if (t->state.full_gen > 0) {
			/* A full pass was interrupted: continue it where it got to. */
			t->gen = t->state.full_gen;
			text_copy(t->pos.cursor, sizeof(t->pos.cursor), t->state.full_cursor);
			t->pos.page = t->state.page;
		} else if (full) {
			t->gen = t->state.generation + 1;
			t->pos.cursor[0] = '\0';
			t->pos.page = 0;
		} else {
			t->gen = 0;
			text_copy(t->pos.cursor, sizeof(t->pos.cursor), t->state.cursor);
			t->pos.page = t->state.page;
		}
	}
	t->pr->full = full;
	t->stage = STAGE_LIST;
	s->ntasks++;
	return 0;
}

/* Starts every task from the loop. */
static void start_tmr(void *arg)
{
	struct sync *s = arg;
	size_t i;

	for (i = 0; i < s->ntasks && !s->stopped; i++) {
		struct task *t = &s->tasks[i];

		t->pr->phase = SYNC_LISTING;
		t->pr->started_ms = loop_now_ms();
		log_info("sync", "%s: %s %s pass from \"%s\"%s", t->pr->name, t->pr->strategy,
		         t->pr->full ? "full" : "incremental", t->pos.cursor,
		         t->gen ? "" : " (then ids sweep)");
		task_next(t);
	}
	notify(s);
}

int sync_start(struct sync **sp, struct slapi *api, struct store *st, const struct sync_opts *o,
               sync_progress_h *ph, sync_done_h *dh, void *arg)
{
	struct sync *s;
	bool any = false;
	size_t i;
	int err;

	if (!sp || !api || !st || !o)
		return EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	s->api = api;
	s->st = st;
	s->o = *o;
	s->ph = ph;
	s->dh = dh;
	s->arg = arg;
	loop_job_init(&s->job);
	for (i = 0; i < STORE_OBJ_COUNT; i++)
		any = any || o->objs[i];
	for (i = 0; i < STORE_OBJ_COUNT; i++) {
		if (any && !o->objs[i])
			continue;
		err = task_init(s, &s->tasks[s->ntasks], (enum store_obj)i);
		if (err) {
			log_error("sync", "%s: cannot read the sync state: %s",
			          store_obj_name((enum store_obj)i), strerror(err));
			free(s);
			return err;
		}
	}
	s->running = s->ntasks;
	loop_defer(&s->job, start_tmr, s);
	*sp = s;
	return 0;
}

const struct sync_obj_progress *sync_progress(const struct sync *s, size_t *n)
{
	if (n)
		*n = s ? s->ntasks : 0;
	return s ? s->prog : NULL;
}

void sync_stop(struct sync *s)
{
	size_t i;

	if (!s || s->stopped)
		return;
	s->stopped = true;
	loop_defer_cancel(&s->job);
	for (i = 0; i < s->ntasks; i++) {
		struct task *t = &s->tasks[i];

		if (t->op) {
			slapi_cancel(t->op);
			t->op = NULL;
		}
		storeretry_cancel(t->retry);
		release_held(t);
		if (t->stage != STAGE_END) {
			set_error(t, "interrupted; the next run resumes");
			task_end(t, SYNC_STOPPED, 0);
		}
	}
}

void sync_free(struct sync *s)
{
	if (!s)
		return;
	sync_stop(s);
	loop_defer_cancel(&s->job);
	free(s);
}

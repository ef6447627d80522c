/*
 * dsession: one dial session (see dsession.h). It owns the session's entries and their states,
 * the feeding of the pool (one entry per free line, never more), the last gate check before
 * each INVITE, the wrap-up of a connected call, the abandonment line control and the figures.
 * The list, the records and the outbox belong to listdial; the legs to the pool.
 *
 * Entries are copied out of the list once it is read, each in its own allocation, so the
 * pointer the pool carries as an attempt's tag stays valid however the session grows. Work
 * that follows a pool note (feeding, the done check) runs from a deferred job, never inside
 * the pool's own handlers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <re.h>

#include "loftdial/abandon.h"
#include "loftdial/attempts.h"
#include "loftdial/config.h"
#include "loftdial/dsession.h"
#include "loftdial/gates.h"
#include "loftdial/log.h"
#include "loftdial/loop.h"
#include "loftdial/outbox.h"
#include "loftdial/phone.h"
#include "loftdial/slapi.h"
#include "loftdial/text.h"

#define ABANDON_WINDOW_MS (30LL * 24 * 3600 * 1000)
/* Dials per hour are not extrapolated from less than a minute. */
#define RATE_FLOOR_MS 60000
/* After a cadence action's record is sent, the person's actions are read again (Salesloft
 * creates the next step's); a record not sent within the wait is not followed up. */
#define REFRESH_MAX     32
#define REFRESH_WAIT_MS 20000
#define REFRESH_TICK_MS 250

/* A logged action whose person is to be read again once its record is sent. */
struct refresh {
	int64_t outbox_id, person_id;
	uint64_t t; /* loop ms when the record was written */
	bool sent;
};

/* One entry; e comes first so the pool's tag (&e) is also the entry. */
struct dent {
	struct diallist_entry e;
	size_t index;
	enum dsession_entry_state state;
	char reason[256];
	unsigned line, attempts, attempt;
	enum call_outcome outcome;
	enum callrec_kind kind;
	char dispo[CALLREC_NAME_MAX];
	int64_t outbox_id;
	bool inpool;    /* queued in the pool, not yet taken by a line */
	bool redial_ok; /* the rep asked to dial it again */
	bool told;      /* a late skip was told */
	bool outbox;    /* skipped late because a call for the person waits in the outbox */
};

struct dsession {
	struct slapi *api;
	struct store *st;
	const struct config *cfg;
	struct dsession_opts o;
	char *dispo, *senti, *notes, *data_dir;
	dsession_h *h;
	void *arg;
	struct listdial *ld;
	struct pool *pool;
	struct dent **ents;
	size_t n, cap;
	bool ready, started, paused, stopping, stopped, failed, done, done_told;
	bool waiting; /* a connected call awaits the rep */
	size_t wentry;
	struct pool_attempt wa;
	struct dent *last_ended;
	unsigned lines_rep, lines_max, lines_active;
	struct abandon_meter meter;
	int64_t screen_ms; /* the last winner's answer to its connection (AMD screening) */
	bool control;
	double share;
	struct dsession_stats st_;
	uint64_t t0;        /* loop ms at dsession_start */
	uint64_t t_end;     /* loop ms at the stop (0: running) */
	uint64_t mono_base; /* loop ms at dsession_new, for the gates' clock */
	int64_t talk_done_ms;
	struct slapi_op *team_op;
	bool team_known, d_req, s_req;
	struct loop_job feed_job;
	struct refresh ref[REFRESH_MAX];
	unsigned nref;
	bool refreshing; /* listdial_refresh in flight */
	struct tmr ref_tmr;
	char session[64], campaign[64];
	char vm_file[DSESSION_VM_FILE_MAX]; /* the voicemail message in force ("" none) */
	enum vmfile_source vm_source;
	char why[256];
	uint64_t changes;
};

static struct dent *dent_of(void *user)
{
	return user;
}

static void tell(struct dsession *d, struct dsession_note *n)
{
	d->changes++;
	if (!n->text)
		n->text = "";
	if (d->h)
		d->h(n, d->arg);
}

static void tell_ev(struct dsession *d, enum dsession_ev ev, int err, const char *text)
{
	struct dsession_note n;

	memset(&n, 0, sizeof(n));
	n.ev = ev;
	n.err = err;
	n.text = text;
	tell(d, &n);
}

static void feed(void *arg);

static void feed_soon(struct dsession *d)
{
	loop_defer(&d->feed_job, feed, d);
}

/* The gates' clock: the session's start clock (o.now, for tests) running on. */
static time_t gate_now(const struct dsession *d)
{
	if (!d->o.now)
		return time(NULL);
	return d->o.now + (time_t)((loop_now_ms() - d->mono_base) / 1000);
}

static int64_t unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- line control ---- */

unsigned dsession_lines_in_force(unsigned rep, unsigned advised, bool control)
{
	unsigned n = rep;

	if (control && advised && advised < n)
		n = advised;
	return n ? n : 1;
}

/* Applies the rep's count and line control's advice to the pool. */
static void lines_apply(struct dsession *d)
{
	unsigned n = dsession_lines_in_force(d->lines_rep, d->meter.lines, d->control);

	if (n != d->lines_active)
		log_info("dsession", "lines in force: %u (rep %u, line control %u)", n,
		         d->lines_rep, d->meter.lines);
	d->lines_active = n;
	pool_set_lines(d->pool, n);
}

/* Feeds the rolling 30-day tallies (the store holds this session's attempts too) to the
 * meter and applies what it advises. */
static void abandon_feed(struct dsession *d)
{
	struct abandon_tally u, c;
	int64_t since = unix_ms() - ABANDON_WINDOW_MS;
	int64_t uid = listdial_user_id(d->ld);
	int err;

	memset(&u, 0, sizeof(u));
	memset(&c, 0, sizeof(c));
	err = uid ? attempts_abandon_counts(d->st, since, uid, NULL, &u.live, &u.dropped) : 0;
	if (!err)
		err = attempts_abandon_counts(d->st, since, 0, d->campaign, &c.live, &c.dropped);
	if (err) {
		log_warn("dsession", "abandonment figures unreadable: %s", strerror(err));
		return;
	}
	d->share = abandon_share(&u) > abandon_share(&c) ? abandon_share(&u) : abandon_share(&c);
	if (!d->control)
		return;
	abandon_update(&d->meter, uid ? &u : NULL, &c);
	lines_apply(d);
}

/* ---- entries ---- */

static int ents_add(struct dsession *d, const struct diallist_entry *e)
{
	struct dent *x;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct dent **nv = realloc(d->ents, cap * sizeof(*nv));

		if (!nv)
			return ENOMEM;
		d->ents = nv;
		d->cap = cap;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return ENOMEM;
	x->e = *e;
	x->index = d->n;
	x->kind = CALLREC_NOT_LOGGED;
	if (e->skip == DIALLIST_DIAL) {
		x->state = DSESSION_ENTRY_WAITING;
	} else {
		x->state = DSESSION_ENTRY_SKIPPED;
		text_copy(x->reason, sizeof(x->reason), e->reason);
	}
	d->ents[d->n++] = x;
	return 0;
}

/* The next entry a line may take, or NULL. */
static struct dent *next_waiting(const struct dsession *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->ents[i]->state == DSESSION_ENTRY_WAITING && !d->ents[i]->inpool)
			return d->ents[i];
	return NULL;
}

static bool any_waiting(const struct dsession *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->ents[i]->state == DSESSION_ENTRY_WAITING)
			return true;
	return false;
}

/* Queues an entry in the pool (with its extension). */
static int enqueue(struct dsession *d, struct dent *x)
{
	char line[128];
	int err;

	if (x->e.ext[0])
		err = text_printf(line, sizeof(line), "%s x%s", x->e.number, x->e.ext);
	else
		err = text_copy(line, sizeof(line), x->e.number);
	if (!err)
		err = pool_add(d->pool, line, &x->e);
	if (err) {
		x->state = DSESSION_ENTRY_SKIPPED;
		text_printf(x->reason, sizeof(x->reason), "the number cannot be dialled (%s)",
		            strerror(err));
		return err;
	}
	x->inpool = true;
	return 0;
}

/* Dialling may go on: started, not paused, nothing awaits the rep, not stopping. */
static bool may_dial(const struct dsession *d)
{
	return d->ready && d->started && !d->paused && !d->waiting && !d->stopping && !d->failed;
}

/* Tells the face about entries skipped after the list was read. */
static void tell_late_skips(struct dsession *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		struct dent *x = d->ents[i];
		struct dsession_note n;

		if (x->state != DSESSION_ENTRY_SKIPPED || x->told || x->e.skip != DIALLIST_DIAL)
			continue;
		x->told = true;
		x->e.skip = x->outbox ? DIALLIST_OUTBOX : DIALLIST_GATE;
		text_copy(x->e.reason, sizeof(x->e.reason), x->reason);
		memset(&n, 0, sizeof(n));
		n.ev = DSESSION_EV_SKIPPED;
		n.entry = i;
		n.text = x->reason;
		tell(d, &n);
	}
}

/* After every change: late skips told, the pool fed, the end noticed. */
static void feed(void *arg)
{
	struct dsession *d = arg;
	bool done;

	tell_late_skips(d);
	if (may_dial(d) && d->o.mode == DSESSION_PARALLEL) {
		struct dent *x;

		while (pool_busy(d->pool) + pool_queued(d->pool) < pool_lines(d->pool) &&
		       (x = next_waiting(d)) != NULL)
			enqueue(d, x);
		tell_late_skips(d);
	}
	done = d->ready && d->started && !d->stopping && !d->waiting && !any_waiting(d) &&
	       !pool_busy(d->pool) && !pool_queued(d->pool) && !d->nref && !d->refreshing;
	if (done != d->done) {
		d->done = done;
		d->changes++;
		if (done && !d->done_told) {
			d->done_told = true;
			tell_ev(d, DSESSION_EV_DONE, 0, "");
		}
	}
	if (!done)
		d->done_told = false;
}

/* The pool's last word before an INVITE: the entry is still wanted and the gates (the clock
 * has moved since the list was read) still let it through. */
static int pre_dial(void *user, const char *line, char *why, size_t whyn, void *arg)
{
	struct dsession *d = arg;
	struct dent *x = dent_of(user);
	struct gates_subject s;
	struct gates_verdict v;
	int err;

	(void)line;
	x->inpool = false;
	feed_soon(d);
	if (x->state != DSESSION_ENTRY_WAITING) {
		text_copy(why, whyn, x->reason[0] ? x->reason : "no longer wanted");
		return ECANCELED;
	}
	if (d->paused || d->stopping) {
		/* Held back, not skipped: it waits for the next turn. */
		text_copy(why, whyn, "the session is paused");
		return EAGAIN;
	}
	/* A call for the person written to the outbox since the list was read (another loftdial
	 * on the same data folder): not again before it lands. The session's own records for
	 * this entry do not hold back a redial or a next attempt the rep asked for. */
	if (!x->attempts && !x->redial_ok) {
		err = diallist_outbox_check(d->st, x->e.person_id, x->reason, sizeof(x->reason));
		if (!err) {
			x->state = DSESSION_ENTRY_SKIPPED;
			x->outbox = true;
			text_copy(why, whyn, x->reason);
			return EPERM;
		}
		x->reason[0] = '\0';
		if (err != ENOENT) {
			x->state = DSESSION_ENTRY_SKIPPED;
			text_printf(x->reason, sizeof(x->reason),
			            "the outbox could not be checked: %s", strerror(err));
			text_copy(why, whyn, x->reason);
			return err;
		}
	}
	gates_subject_from_contact(&s, &x->e.c, x->e.number);
	err = gates_check(listdial_gates(d->ld), &s, gate_now(d), &v);
	if (err) {
		x->state = DSESSION_ENTRY_SKIPPED;
		text_printf(x->reason, sizeof(x->reason), "the gates could not be checked: %s",
		            strerror(err));
		text_copy(why, whyn, x->reason);
		return err;
	}
	x->e.gate = v;
	if (v.why != GATES_OK && !(v.why == GATES_DIALLED && x->redial_ok)) {
		x->state = DSESSION_ENTRY_SKIPPED;
		text_copy(x->reason, sizeof(x->reason), v.text);
		text_copy(why, whyn, v.text);
		return EPERM;
	}
	gates_dialled(listdial_gates(d->ld), x->e.number);
	x->redial_ok = false;
	x->state = DSESSION_ENTRY_DIALING;
	x->attempts++;
	return 0;
}

/* ---- attempts ---- */

/* Saves an ended attempt with the person, the rep, the campaign and the zone dialled in. */
static void save_attempt(struct dsession *d, const struct dent *x, const struct pool_attempt *a)
{
	struct attempt rec;
	int err;

	pool_attempt_row(&rec, d->session, a);
	rec.person_id = x->e.person_id;
	rec.action_id = x->e.action_id;
	rec.task_id = x->e.action_id ? 0 : x->e.task_id;
	rec.user_id = listdial_user_id(d->ld);
	text_copy(rec.campaign, sizeof(rec.campaign), d->campaign);
	if (x->e.gate.zone[0]) {
		text_copy(rec.zone, sizeof(rec.zone), x->e.gate.zone);
		rec.local_min = x->e.gate.local_min;
	}
	err = attempts_insert(d->st, &rec);
	if (err)
		log_warn("dsession", "could not save attempt %u: %s", a->id, strerror(err));
}

static void attempt_ended(struct dsession *d, const struct pool_attempt *a)
{
	struct dent *x = dent_of(a->user);

	x->state = DSESSION_ENTRY_DONE;
	x->line = 0;
	x->attempt = a->id;
	x->outcome = a->outcome;
	d->last_ended = x;
	if (a->connected) {
		d->st_.connects++;
		if (a->t_answer && a->t_end > a->t_answer)
			d->talk_done_ms += a->t_end - a->t_answer;
	}
	if (a->connected || a->live_dropped)
		d->st_.live++;
	if (a->live_dropped)
		d->st_.dropped++;
	/* What the leg teaches the meter's model: how long it rang before a person answered (or
	 * a machine, or its end), and whether it was a person. */
	if (a->t_start > 0) {
		int64_t until = a->t_answer ? a->t_answer : a->t_end;

		if (until >= a->t_start)
			abandon_observe_ring(&d->meter, (double)(until - a->t_start) / 1000.0,
			                     a->connected || a->live_dropped);
	}
	save_attempt(d, x, a);
	if (a->connected || a->live_dropped)
		abandon_feed(d);
}

/* ---- notes ---- */

static void on_pool(const struct pool_note *pn, void *arg)
{
	struct dsession *d = arg;
	struct dsession_note n;

	switch (pn->ev) {
	case POOL_EV_CONNECTED:
		/* With humans_only the other legs rang on while the winner was screened. */
		d->screen_ms = pn->a && pn->a->t_answer ? unix_ms() - pn->a->t_answer : 0;
		if (d->screen_ms < 0)
			d->screen_ms = 0;
		break;
	case POOL_EV_DROP_TIME:
		/* The drop window of this win: from the winner's answer to the last other leg's
		 * end. */
		abandon_observe_window(&d->meter, ((double)d->screen_ms + pn->ms) / 1000.0);
		break;
	case POOL_EV_DIALING:
		/* A dial counts when its INVITE goes out, not when it ends: the figure moves
		 * with the lanes. */
		d->st_.dials++;
		if (pn->a && pn->a->user)
			dent_of(pn->a->user)->line = pn->line;
		break;
	case POOL_EV_ENDED:
		if (pn->a && pn->a->user)
			attempt_ended(d, pn->a);
		break;
	case POOL_EV_STOPPED:
		d->stopped = true;
		if (!d->t_end)
			d->t_end = loop_now_ms();
		break;
	default:
		break;
	}
	memset(&n, 0, sizeof(n));
	n.ev = DSESSION_EV_CHANGED;
	n.pool = pn;
	n.text = pn->text;
	if (pn->a && pn->a->user)
		n.entry = dent_of(pn->a->user)->index;
	n.a = pn->a;
	tell(d, &n);
	switch (pn->ev) {
	case POOL_EV_ENDED:
		/* The record (or the ask) after the face has seen the end. */
		if (pn->a && pn->a->user)
			listdial_ended(d->ld, pn->a);
		break;
	case POOL_EV_WRAPUP:
		if (!listdial_waiting(d->ld))
			pool_resume(d->pool);
		break;
	case POOL_EV_STOPPED:
		tell_ev(d, DSESSION_EV_STOPPED, 0, "");
		return;
	default:
		break;
	}
	feed_soon(d);
}

/* The list is read: the entries are copied and line control starts from the store. */
static void list_ready(struct dsession *d)
{
	const struct diallist *dl = listdial_list(d->ld);
	struct abandon_cfg ac;
	size_t i;
	int err = 0;

	for (i = 0; i < diallist_count(dl) && !err; i++)
		err = ents_add(d, diallist_entry(dl, i));
	if (err) {
		d->failed = true;
		text_copy(d->why, sizeof(d->why), "out of memory copying the list");
		tell_ev(d, DSESSION_EV_FAILED, err, d->why);
		return;
	}
	d->ready = true;
	abandon_cfg_default(&ac, (unsigned)config_int(d->cfg, "dial.abandon_limit"), d->lines_max);
	abandon_init(&d->meter, &ac);
	d->control = ac.ceiling > 0;
	d->st_.abandon_ceiling = ac.ceiling;
	abandon_feed(d);
	tell_ev(d, DSESSION_EV_READY, 0, "");
	if (d->o.autostart && !d->stopping)
		dsession_start(d);
}

/* ---- the list read again after a logged action ---- */

static void ref_tick(void *arg);

static void ref_drop(struct dsession *d, unsigned i)
{
	d->ref[i] = d->ref[--d->nref];
}

/* Follows the records sent, then reads one sent record's person again at a time. */
static void ref_tick(void *arg)
{
	struct dsession *d = arg;
	uint64_t now = loop_now_ms();
	unsigned i = 0;

	while (i < d->nref && !d->stopping) {
		struct refresh *r = &d->ref[i];
		struct outbox_item it;

		memset(&it, 0, sizeof(it));
		if (!r->sent && outbox_get(d->st, r->outbox_id, &it) == 0)
			r->sent = it.state == OUTBOX_SENT;
		if (!r->sent && (it.state == OUTBOX_FAILED || it.state == OUTBOX_CONFLICT ||
		                 now - r->t > REFRESH_WAIT_MS)) {
			log_info("dsession", "person %lld not read again: record %lld not sent",
			         (long long)r->person_id, (long long)r->outbox_id);
			outbox_item_clear(&it);
			ref_drop(d, i);
			continue;
		}
		outbox_item_clear(&it);
		if (r->sent && !d->refreshing) {
			int err = listdial_refresh(d->ld, r->person_id);

			if (err == EBUSY) {
				i++;
				continue;
			}
			d->refreshing = !err;
			if (err)
				log_warn("dsession", "person %lld not read again: %s",
				         (long long)r->person_id, strerror(err));
			ref_drop(d, i);
			continue;
		}
		i++;
	}
	if (d->stopping)
		d->nref = 0;
	if (d->nref)
		tmr_start(&d->ref_tmr, REFRESH_TICK_MS, ref_tick, d);
	feed_soon(d);
}

/* A cadence action was logged: its person is read again once the record is sent. */
static void ref_add(struct dsession *d, const struct dent *x, int64_t outbox_id)
{
	struct refresh *r;

	if (d->o.target.cadence_id <= 0 || !x->e.action_id || !outbox_id || d->stopping)
		return;
	if (d->nref == REFRESH_MAX) {
		log_warn("dsession", "too many records waiting; person %lld not read again",
		         (long long)x->e.person_id);
		return;
	}
	r = &d->ref[d->nref++];
	r->outbox_id = outbox_id;
	r->person_id = x->e.person_id;
	r->t = loop_now_ms();
	r->sent = false;
	if (!tmr_isrunning(&d->ref_tmr))
		tmr_start(&d->ref_tmr, REFRESH_TICK_MS, ref_tick, d);
}

/* The person's actions due now: the ones the session has not seen become entries. */
static void ref_more(struct dsession *d, const struct listdial_note *ln)
{
	unsigned added = 0;
	size_t i, j;
	char text[160];

	d->refreshing = false;
	if (ln->err || !ln->list || d->stopping) {
		if (ln->err)
			log_warn("dsession", "person %lld not read again: %s",
			         (long long)ln->person_id, ln->text ? ln->text : "");
		feed_soon(d);
		return;
	}
	for (i = 0; i < diallist_count(ln->list); i++) {
		const struct diallist_entry *e = diallist_entry(ln->list, i);
		bool known = false;

		for (j = 0; j < d->n && !known; j++)
			known = e->action_id && d->ents[j]->e.action_id == e->action_id;
		if (known || !e->action_id || ents_add(d, e))
			continue;
		added++;
	}
	if (added) {
		text_printf(text, sizeof(text),
		            "%u new entr%s for person %lld (the cadence moved on)", added,
		            added == 1 ? "y" : "ies", (long long)ln->person_id);
		log_info("dsession", "%s", text);
		tell_ev(d, DSESSION_EV_CHANGED, 0, text);
	}
	if (d->nref && !tmr_isrunning(&d->ref_tmr))
		tmr_start(&d->ref_tmr, 0, ref_tick, d);
	feed_soon(d);
}

/* Wrap-up of a connected call while stopping: logged with what was given up front. */
static void wrapup_on_stop(struct dsession *d)
{
	char why[256];

	if (listdial_wrapup(d->ld, d->dispo, d->senti, d->notes, why, sizeof(why)) &&
	    listdial_wrapup(d->ld, "", "", d->notes, why, sizeof(why)))
		log_warn("dsession", "the last call could not be logged: %s", why);
	d->waiting = false;
}

static void on_list(const struct listdial_note *ln, void *arg)
{
	struct dsession *d = arg;
	struct dsession_note n;
	struct dent *x;

	switch (ln->ev) {
	case LISTDIAL_READY:
		list_ready(d);
		break;
	case LISTDIAL_FAILED:
		d->failed = true;
		text_copy(d->why, sizeof(d->why), ln->text ? ln->text : "the list failed");
		tell_ev(d, DSESSION_EV_FAILED, ln->err, d->why);
		break;
	case LISTDIAL_WARNING:
		tell_ev(d, DSESSION_EV_WARNING, 0, ln->text);
		break;
	case LISTDIAL_RECORD:
		x = (struct dent *)(uintptr_t)ln->e;
		if (ln->kind == CALLREC_NOT_LOGGED)
			d->st_.not_logged++;
		else if (ln->outbox_id)
			d->st_.records++;
		else
			d->st_.record_errors++;
		x->kind = ln->kind;
		x->outbox_id = ln->outbox_id;
		if (ln->kind != CALLREC_NOT_LOGGED && !ln->err)
			ref_add(d, x, ln->outbox_id);
		text_copy(x->dispo, sizeof(x->dispo), ln->disposition ? ln->disposition : "");
		memset(&n, 0, sizeof(n));
		n.ev = DSESSION_EV_RECORD;
		n.rec = ln;
		n.entry = x->index;
		n.a = ln->a;
		n.text = ln->text;
		tell(d, &n);
		break;
	case LISTDIAL_ASK:
		x = (struct dent *)(uintptr_t)ln->e;
		d->waiting = true;
		d->wentry = x->index;
		d->wa = *ln->a;
		if (d->stopping) {
			wrapup_on_stop(d);
			break;
		}
		memset(&n, 0, sizeof(n));
		n.ev = DSESSION_EV_WRAPUP;
		n.entry = x->index;
		n.a = &d->wa;
		tell(d, &n);
		break;
	case LISTDIAL_MORE:
		ref_more(d, ln);
		break;
	}
}

/* GET /v2/team: whether the team requires a disposition or a sentiment on every call. */
static void on_team(int err, const struct slapi_resp *r, void *arg)
{
	struct dsession *d = arg;
	const cJSON *data = r ? cJSON_GetObjectItemCaseSensitive(r->json, "data") : NULL;
	char msg[300];

	d->team_op = NULL;
	if (err || !cJSON_IsObject(data)) {
		text_printf(msg, sizeof(msg),
		            "the team's settings could not be read (%s): a required disposition "
		            "or sentiment shows only when a record is refused",
		            err && r && r->msg && r->msg[0] ? r->msg : "no team in the reply");
		tell_ev(d, DSESSION_EV_WARNING, err, msg);
		return;
	}
	d->team_known = true;
	d->d_req = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(data, "dispositions_required"));
	d->s_req = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(data, "sentiments_required"));
	tell_ev(d, DSESSION_EV_CHANGED, 0, "");
}

/* ---- life ---- */

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

int dsession_new(struct dsession **dp, struct slapi *api, struct store *st,
                 const struct config *cfg, const struct dsession_opts *o, dsession_h *h, void *arg,
                 char *why, size_t whyn)
{
	struct dsession *d = NULL;
	struct listdial_opts lo;
	struct pool_opts po;
	struct phone_opts ph;
	struct slapi_call c;
	const struct dsession_target *t;
	unsigned targets;
	int err;

	if (why && whyn)
		why[0] = '\0';
	if (!dp || !api || !st || !cfg || !o) {
		text_copy(why, whyn, "a session needs the API, the store and the config");
		return EINVAL;
	}
	t = &o->target;
	targets = (t->cadence_id > 0) + (t->tasks ? 1 : 0);
	if (t->person_id > 0 ? targets != 0 : targets == 0) {
		text_copy(why, whyn,
		          "a session dials a cadence, the call tasks (or both), or one person");
		return EINVAL;
	}
	if (o->lines > PHONE_LINES_MAX || o->mode > DSESSION_PREVIEW) {
		text_printf(why, whyn, "lines go from 1 to %d", PHONE_LINES_MAX);
		return EINVAL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return ENOMEM;
	d->api = api;
	d->st = st;
	d->cfg = cfg;
	d->o = *o;
	d->h = h;
	d->arg = arg;
	loop_job_init(&d->feed_job);
	tmr_init(&d->ref_tmr);
	d->mono_base = loop_now_ms();
	d->dispo = dup_or_empty(o->disposition);
	d->senti = dup_or_empty(o->sentiment);
	d->notes = dup_or_empty(o->notes);
	d->data_dir = dup_or_empty(o->data_dir);
	if (!d->dispo || !d->senti || !d->notes || !d->data_dir) {
		err = ENOMEM;
		goto out;
	}
	d->o.disposition = d->dispo;
	d->o.sentiment = d->senti;
	d->o.notes = d->notes;
	d->o.data_dir = d->data_dir;
	if (!d->o.target.label[0]) {
		if (t->person_id > 0)
			text_printf(d->o.target.label, sizeof(d->o.target.label), "person %lld",
			            (long long)t->person_id);
		else if (t->cadence_id > 0)
			text_printf(d->o.target.label, sizeof(d->o.target.label), "cadence %lld%s",
			            (long long)t->cadence_id, t->tasks ? " and call tasks" : "");
		else
			text_copy(d->o.target.label, sizeof(d->o.target.label), "call tasks");
	}
	if (t->person_id > 0)
		text_copy(d->campaign, sizeof(d->campaign), "person");
	else if (t->cadence_id > 0)
		text_printf(d->campaign, sizeof(d->campaign), "cadence:%lld",
		            (long long)t->cadence_id);
	else
		text_copy(d->campaign, sizeof(d->campaign), "tasks");
	text_printf(d->session, sizeof(d->session), "dial-%lld-%d", (long long)unix_ms(),
	            (int)getpid());
	d->lines_rep = o->lines ? o->lines : (unsigned)config_int(cfg, "dial.lines");
	if (d->lines_rep < 1 || d->lines_rep > PHONE_LINES_MAX)
		d->lines_rep = 1;
	d->lines_max = (unsigned)config_int(cfg, "dial.lines");
	if (d->lines_max < d->lines_rep)
		d->lines_max = d->lines_rep;
	if (d->lines_max > PHONE_LINES_MAX)
		d->lines_max = PHONE_LINES_MAX;

	pool_opts_from_config(&po, cfg, o->talk_s);
	/* A cadence's own recording, else dial.voicemail_file: chosen once, for the session. */
	d->vm_source = vmfile_choose(d->data_dir, t->cadence_id, po.voicemail_file, d->vm_file,
	                             sizeof(d->vm_file));
	po.voicemail_file = d->vm_file;
	if (d->vm_source != VMFILE_NONE)
		log_info("dsession", "voicemail message: %s (%s)", d->vm_file,
		         vmfile_source_name(d->vm_source));
	/* The session decides when dialling goes on after a connected call. */
	po.auto_resume = false;
	po.pre_dial = pre_dial;
	po.pre_dial_arg = d;
	phone_opts_from_config(&ph, cfg, d->data_dir, d->lines_max);
	err = pool_new(&d->pool, &po, &ph, on_pool, d, why, whyn);
	if (err)
		goto out;
	d->lines_active = d->lines_max;
	lines_apply(d);

	memset(&lo, 0, sizeof(lo));
	lo.cadence_id = t->cadence_id;
	lo.tasks = t->tasks;
	lo.person_id = t->person_id;
	lo.buckets = t->buckets;
	lo.disposition = d->dispo;
	lo.sentiment = d->senti;
	lo.notes = d->notes;
	lo.ask = o->ask;
	lo.session = d->session;
	lo.now = o->now;
	err = listdial_new(&d->ld, api, st, cfg, &lo, on_list, d, why, whyn);
	if (err)
		goto out;

	memset(&c, 0, sizeof(c));
	c.path = "/v2/team";
	c.prio = PACING_USER;
	c.no_store = true;
	if (slapi_send(api, &c, on_team, d, &d->team_op))
		log_warn("dsession", "cannot ask for the team's settings");
	*dp = d;
	return 0;
out:
	dsession_free(d);
	return err;
}

void dsession_free(struct dsession *d)
{
	size_t i;

	if (!d)
		return;
	loop_defer_cancel(&d->feed_job);
	tmr_cancel(&d->ref_tmr);
	slapi_cancel(d->team_op);
	listdial_free(d->ld);
	pool_free(d->pool);
	for (i = 0; i < d->n; i++)
		free(d->ents[i]);
	free(d->ents);
	free(d->dispo);
	free(d->senti);
	free(d->notes);
	free(d->data_dir);
	free(d);
}

int dsession_start(struct dsession *d)
{
	if (!d)
		return EINVAL;
	if (d->stopping || d->failed)
		return EALREADY;
	if (!d->ready)
		return EAGAIN;
	if (d->started)
		return EALREADY;
	d->started = true;
	d->t0 = loop_now_ms();
	pool_start(d->pool);
	d->changes++;
	feed_soon(d);
	return 0;
}

int dsession_pause(struct dsession *d, bool on)
{
	if (!d)
		return EINVAL;
	if (d->stopping || d->failed)
		return EALREADY;
	d->paused = on;
	pool_pause(d->pool, on);
	d->changes++;
	feed_soon(d);
	return 0;
}

void dsession_stop(struct dsession *d)
{
	if (!d || d->stopping)
		return;
	d->stopping = true;
	d->changes++;
	tmr_cancel(&d->ref_tmr);
	d->nref = 0;
	if (d->waiting)
		wrapup_on_stop(d);
	pool_stop(d->pool);
}

int dsession_set_lines(struct dsession *d, unsigned n)
{
	if (!d)
		return EINVAL;
	if (n < 1 || n > d->lines_max)
		return ERANGE;
	d->lines_rep = n;
	lines_apply(d);
	d->changes++;
	feed_soon(d);
	return 0;
}

int dsession_set_mode(struct dsession *d, enum dsession_mode m)
{
	if (!d || (m != DSESSION_PARALLEL && m != DSESSION_PREVIEW))
		return EINVAL;
	d->o.mode = m;
	d->changes++;
	feed_soon(d);
	return 0;
}

int dsession_dial_next(struct dsession *d)
{
	struct dent *x;

	if (!d || d->o.mode != DSESSION_PREVIEW)
		return EINVAL;
	if (!d->ready || !d->started || d->stopping || d->failed)
		return EAGAIN;
	if (d->waiting || pool_busy(d->pool) || pool_queued(d->pool))
		return EBUSY;
	x = next_waiting(d);
	if (!x)
		return ENOENT;
	if (d->paused) {
		d->paused = false;
		pool_pause(d->pool, false);
	}
	enqueue(d, x);
	d->changes++;
	feed_soon(d);
	return 0;
}

int dsession_skip(struct dsession *d, size_t i)
{
	struct dent *x;

	if (!d)
		return EINVAL;
	if (i >= d->n)
		return ERANGE;
	x = d->ents[i];
	if (x->state != DSESSION_ENTRY_WAITING)
		return EALREADY;
	x->state = DSESSION_ENTRY_SKIPPED;
	x->e.skip = DIALLIST_GATE;
	x->told = true;
	text_copy(x->reason, sizeof(x->reason), "skipped by rep");
	text_copy(x->e.reason, sizeof(x->e.reason), x->reason);
	d->changes++;
	feed_soon(d);
	return 0;
}

int dsession_hangup(struct dsession *d)
{
	return d ? pool_hangup(d->pool) : EINVAL;
}

int dsession_mute(struct dsession *d, bool on)
{
	return d ? pool_mute(d->pool, on) : EINVAL;
}

int dsession_hold(struct dsession *d, bool on)
{
	return d ? pool_hold(d->pool, on) : EINVAL;
}

int dsession_dtmf(struct dsession *d, const char *digits)
{
	return d ? pool_dtmf(d->pool, digits) : EINVAL;
}

int dsession_redial(struct dsession *d)
{
	struct dent *x;
	int err;

	if (!d)
		return EINVAL;
	x = d->last_ended;
	if (!x || d->stopping)
		return ENOENT;
	if (x->state == DSESSION_ENTRY_DIALING || x->inpool)
		return EALREADY;
	x->state = DSESSION_ENTRY_WAITING;
	x->redial_ok = true;
	x->reason[0] = '\0';
	err = pool_redial(d->pool);
	if (err)
		return err;
	x->inpool = true;
	d->changes++;
	return 0;
}

int dsession_voicemail_drop(struct dsession *d)
{
	/* The pool frees the rep at once and ends the record as a voicemail left, which listdial
	 * logs without a wrap-up; the session has nothing more to do here. */
	return d ? pool_voicemail_drop(d->pool) : EINVAL;
}

int dsession_wrapup(struct dsession *d, const char *disposition, const char *sentiment,
                    const char *notes, enum dsession_after after, char *why, size_t whyn)
{
	int err;

	if (why && whyn)
		why[0] = '\0';
	if (!d)
		return EINVAL;
	if (!d->waiting) {
		text_copy(why, whyn, "no call waits for a wrap-up");
		return EALREADY;
	}
	if (d->team_known) {
		err = dsession_required_check(d->d_req, d->s_req, disposition, sentiment, why,
		                              whyn);
		if (err)
			return err;
	}
	err = listdial_wrapup(d->ld, disposition, sentiment, notes, why, whyn);
	if (err)
		return err;
	d->waiting = false;
	if (after == DSESSION_PAUSE) {
		d->paused = true;
		pool_pause(d->pool, true);
	}
	pool_resume(d->pool);
	d->changes++;
	feed_soon(d);
	return 0;
}

int dsession_discard(struct dsession *d)
{
	struct dent *x;

	if (!d)
		return EINVAL;
	if (!d->waiting || listdial_discard(d->ld))
		return EALREADY;
	d->waiting = false;
	x = d->ents[d->wentry];
	x->kind = CALLREC_NOT_LOGGED;
	d->st_.not_logged++;
	pool_resume(d->pool);
	d->changes++;
	feed_soon(d);
	return 0;
}

/* ---- reading ---- */

uint64_t dsession_changes(const struct dsession *d)
{
	return d ? d->changes + pool_changes(d->pool) : 0;
}

static enum dsession_phase phase_of(const struct dsession *d)
{
	if (d->failed)
		return d->stopped ? DSESSION_STOPPED : DSESSION_FAILED;
	if (d->stopped)
		return DSESSION_STOPPED;
	if (d->stopping)
		return DSESSION_STOPPING;
	if (!d->ready)
		return DSESSION_LOADING;
	if (!d->started)
		return DSESSION_READY;
	if (d->waiting)
		return DSESSION_WRAPUP;
	if (d->done)
		return DSESSION_DONE;
	if (d->paused)
		return DSESSION_PAUSED;
	return DSESSION_DIALING;
}

static void stats_of(const struct dsession *d, const struct pool_snapshot *ps,
                     struct dsession_stats *s)
{
	uint64_t now = d->t_end ? d->t_end : loop_now_ms();
	size_t i;

	*s = d->st_;
	for (i = 0; i < d->n; i++) {
		switch (d->ents[i]->state) {
		case DSESSION_ENTRY_WAITING:
		case DSESSION_ENTRY_DIALING:
			s->waiting++;
			break;
		case DSESSION_ENTRY_DONE:
			s->done++;
			break;
		case DSESSION_ENTRY_SKIPPED:
			s->skipped++;
			break;
		default:
			break;
		}
	}
	s->entries = (unsigned)d->n;
	s->elapsed_ms = d->started ? (int64_t)(now - d->t0) : 0;
	dsession_figures(s);
	s->talk_ms = d->talk_done_ms;
	if (ps->connected_line && ps->lines[ps->connected_line - 1].has_attempt) {
		const struct pool_attempt *a = &ps->lines[ps->connected_line - 1].a;

		if (a->t_answer)
			s->talk_ms += unix_ms() - a->t_answer;
	}
	s->abandon_share = d->share;
	s->drop_window_ms = d->meter.windows > 0 ? 1000 * d->meter.window_s / d->meter.windows : 0;
	s->abandon_k = d->meter.k;
	s->lines = d->lines_active;
}

void dsession_figures(struct dsession_stats *s)
{
	int64_t ms = s->elapsed_ms > RATE_FLOOR_MS ? s->elapsed_ms : RATE_FLOOR_MS;

	s->connect_rate = s->dials ? (double)s->connects / s->dials : 0;
	s->dials_per_hour = s->dials ? s->dials * 3600000.0 / (double)ms : 0;
}

int dsession_required_check(bool disposition_required, bool sentiment_required,
                            const char *disposition, const char *sentiment, char *why, size_t whyn)
{
	if (disposition_required && (!disposition || !disposition[0])) {
		text_copy(why, whyn, "the team requires a disposition on every call");
		return EINVAL;
	}
	if (sentiment_required && (!sentiment || !sentiment[0])) {
		text_copy(why, whyn, "the team requires a sentiment on every call");
		return EINVAL;
	}
	return 0;
}

void dsession_snapshot(const struct dsession *d, struct dsession_snapshot *out)
{
	struct dent *x;
	unsigned line;

	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	if (!d)
		return;
	out->phase = phase_of(d);
	out->mode = d->o.mode;
	out->target = d->o.target;
	text_copy(out->why, sizeof(out->why), d->failed ? d->why : "");
	out->changes = dsession_changes(d);
	pool_snapshot(d->pool, &out->pool);
	stats_of(d, &out->pool, &out->stats);
	out->lines_rep = d->lines_rep;
	text_copy(out->voicemail_file, sizeof(out->voicemail_file), d->vm_file);
	out->voicemail_source = d->vm_source;
	out->lines_active = d->lines_active;
	out->lines_max = d->lines_max;
	out->lines_lowered = d->lines_active < d->lines_rep;
	out->nentries = d->n;
	line = out->pool.connected_line;
	if (line && out->pool.lines[line - 1].has_attempt && out->pool.lines[line - 1].a.user) {
		out->has_connected = true;
		out->connected_entry = dent_of(out->pool.lines[line - 1].a.user)->index;
	}
	x = next_waiting(d);
	if (x) {
		out->has_next = true;
		out->next_entry = x->index;
	}
	if (d->waiting) {
		out->wrapup.waiting = true;
		out->wrapup.entry = d->wentry;
		out->wrapup.a = d->wa;
		out->wrapup.a.user = NULL;
		text_copy(out->wrapup.disposition, sizeof(out->wrapup.disposition), d->dispo);
		text_copy(out->wrapup.sentiment, sizeof(out->wrapup.sentiment), d->senti);
	}
	out->team_known = d->team_known;
	out->dispositions_required = d->d_req;
	out->sentiments_required = d->s_req;
	text_copy(out->user_guid, sizeof(out->user_guid), listdial_user_guid(d->ld));
}

size_t dsession_entries(const struct dsession *d, size_t from, struct dsession_entry *out, size_t n)
{
	size_t k = 0;

	if (!d || !out)
		return 0;
	for (; from < d->n && k < n; from++, k++) {
		const struct dent *x = d->ents[from];
		struct dsession_entry *o = &out[k];

		memset(o, 0, sizeof(*o));
		o->index = x->index;
		o->state = x->state;
		o->e = x->e;
		text_copy(o->reason, sizeof(o->reason), x->reason);
		o->line = x->state == DSESSION_ENTRY_DIALING ? x->line : 0;
		o->attempts = x->attempts;
		o->attempt = x->attempt;
		o->outcome = x->outcome;
		o->kind = x->kind;
		text_copy(o->disposition, sizeof(o->disposition), x->dispo);
		o->outbox_id = x->outbox_id;
	}
	return k;
}

const char *dsession_phase_name(enum dsession_phase ph)
{
	static const char *const names[] = {
	        [DSESSION_LOADING] = "loading",   [DSESSION_READY] = "ready",
	        [DSESSION_DIALING] = "dialing",   [DSESSION_PAUSED] = "paused",
	        [DSESSION_WRAPUP] = "wrap-up",    [DSESSION_DONE] = "done",
	        [DSESSION_STOPPING] = "stopping", [DSESSION_STOPPED] = "stopped",
	        [DSESSION_FAILED] = "failed",
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == DSESSION_PHASE_COUNT,
	               "a phase without a name");

	return (unsigned)ph < DSESSION_PHASE_COUNT && names[ph] ? names[ph] : "?";
}

const char *dsession_entry_state_name(enum dsession_entry_state s)
{
	static const char *const names[] = {
	        [DSESSION_ENTRY_WAITING] = "waiting",
	        [DSESSION_ENTRY_DIALING] = "dialing",
	        [DSESSION_ENTRY_DONE] = "done",
	        [DSESSION_ENTRY_SKIPPED] = "skipped",
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == DSESSION_ENTRY_STATE_COUNT,
	               "a state without a name");

	return (unsigned)s < DSESSION_ENTRY_STATE_COUNT && names[s] ? names[s] : "?";
}

/*
 * syncsvc: the periodic incremental sync on the loop's timer, one run at a time under the
 * sync lock, and the optional webhook receiver beside it. Shared by `loftdial webhooks serve`
 * and the TUI, so both keep the copy current the same way.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>

#include "loftdial/config.h"
#include "loftdial/log.h"
#include "loftdial/loop.h"
#include "loftdial/syncsess.h"
#include "loftdial/syncsvc.h"
#include "loftdial/webhook_rx.h"

struct syncsvc {
	struct slapi *api;
	struct store *st;
	struct syncsvc_opts o;
	char data_dir[1024];
	char listen[256];
	syncsvc_h *h;
	void *arg;
	struct webhook_rx *rx;
	struct sync *sync; /* the run in flight, NULL when idle */
	bool run_full;
	int lock; /* the sync lock while a run is going, -1 otherwise */
	struct tmr poll;
	struct syncsvc_stats stats;
};

static void poll_due(void *arg);

void syncsvc_opts_from_config(struct syncsvc_opts *o, const struct config *cfg,
                              const char *data_dir)
{
	memset(o, 0, sizeof(*o));
	o->data_dir = data_dir;
	o->poll_ms = (unsigned)config_int(cfg, "sync.poll_interval") * 1000u;
	o->run.full_every = (unsigned)config_int(cfg, "sync.full_every");
	o->run.ids_sweep = config_bool(cfg, "sync.ids_sweep");
	o->run.sweep_max = (unsigned)config_int(cfg, "sync.sweep_max");
	o->max_body = (size_t)config_int(cfg, "webhooks.max_body");
}

static void tell(struct syncsvc *s, enum syncsvc_ev ev, int rc)
{
	struct syncsvc_note n;

	memset(&n, 0, sizeof(n));
	n.ev = ev;
	n.rc = rc;
	n.full = s->run_full;
	n.records = ev == SYNCSVC_RUN_DONE ? s->stats.last_records : 0;
	n.event_type = "";
	n.text = "";
	if (s->h)
		s->h(&n, s->arg);
}

/* Arms the next poll poll_ms from now (nothing when polls are off). */
static void arm_poll(struct syncsvc *s)
{
	tmr_cancel(&s->poll);
	s->stats.next_poll_ms = 0;
	if (!s->o.poll_ms)
		return;
	tmr_start(&s->poll, s->o.poll_ms, poll_due, s);
	s->stats.next_poll_ms = loop_now_ms() + s->o.poll_ms;
}

/* Ends the run: frees it, gives the lock back, remembers the rate figures. */
static void run_release(struct syncsvc *s)
{
	struct syncsess ss = {.st = s->st, .api = s->api};

	sync_free(s->sync);
	s->sync = NULL;
	syncsess_unlock(s->lock);
	s->lock = -1;
	syncsess_save_rate(&ss);
}

static void run_progress(void *arg)
{
	tell(arg, SYNCSVC_PROGRESS, 0);
}

static void run_done(int rc, void *arg)
{
	struct syncsvc *s = arg;
	const struct sync_obj_progress *p;
	uint64_t records = 0;
	size_t n, i;

	p = sync_progress(s->sync, &n);
	for (i = 0; i < n; i++)
		records += p[i].records;
	s->stats.last_rc = rc;
	s->stats.last_records = records;
	s->stats.last_end_ms = loop_now_ms();
	if (rc)
		s->stats.failed++;
	run_release(s);
	arm_poll(s);
	tell(s, SYNCSVC_RUN_DONE, rc);
}

/* Starts a run under the lock; nothing is left held on failure. */
static int run_start(struct syncsvc *s, bool full)
{
	struct sync_opts o = s->o.run;
	int err;

	if (s->sync)
		return EALREADY;
	if (!slapi_connected(s->api))
		return EACCES;
	err = syncsess_lock(s->data_dir, &s->lock);
	if (err) {
		s->lock = -1;
		return err;
	}
	o.full = full;
	err = sync_start(&s->sync, s->api, s->st, &o, run_progress, run_done, s);
	if (err) {
		s->sync = NULL;
		syncsess_unlock(s->lock);
		s->lock = -1;
		return err;
	}
	tmr_cancel(&s->poll);
	s->stats.next_poll_ms = 0;
	s->stats.runs++;
	s->run_full = full;
	tell(s, SYNCSVC_RUN_START, 0);
	return 0;
}

/* A poll's turn: run, or say why not and wait for the next turn. */
static void poll_due(void *arg)
{
	struct syncsvc *s = arg;
	int err;

	s->stats.next_poll_ms = 0;
	err = run_start(s, false);
	if (!err)
		return;
	if (err != EBUSY && err != EACCES)
		log_warn("sync", "the periodic sync could not start: %s", strerror(err));
	s->stats.skipped++;
	arm_poll(s);
	tell(s, SYNCSVC_SKIPPED, err);
}

static void on_webhook(const char *event_type, int status, const char *msg, void *arg)
{
	struct syncsvc *s = arg;
	struct syncsvc_note n;

	memset(&n, 0, sizeof(n));
	n.ev = SYNCSVC_WEBHOOK;
	n.event_type = event_type ? event_type : "";
	n.status = status;
	n.text = msg ? msg : "";
	if (s->h)
		s->h(&n, s->arg);
}

int syncsvc_new(struct syncsvc **sp, struct slapi *api, struct store *st,
                const struct syncsvc_opts *o, syncsvc_h *h, void *arg)
{
	struct syncsvc *s;
	int err;

	if (!sp || !api || !st || !o || !o->data_dir)
		return EINVAL;
	*sp = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	s->api = api;
	s->st = st;
	s->o = *o;
	s->h = h;
	s->arg = arg;
	s->lock = -1;
	tmr_init(&s->poll);
	if (strlen(o->data_dir) >= sizeof(s->data_dir) ||
	    (o->listen && strlen(o->listen) >= sizeof(s->listen))) {
		err = ENAMETOOLONG;
		goto out;
	}
	memcpy(s->data_dir, o->data_dir, strlen(o->data_dir) + 1);
	s->o.data_dir = s->data_dir;
	if (o->listen) {
		memcpy(s->listen, o->listen, strlen(o->listen) + 1);
		s->o.listen = s->listen;
		/* Events a previous run stored but did not apply go first, in arrival order. */
		err = webhook_rx_apply_pending(st, &s->stats.applied_start);
		if (err)
			log_warn("webhooks", "applying stored events: %s", strerror(err));
		err = webhook_rx_listen(&s->rx, st, s->listen, o->max_body, on_webhook, s);
		if (err)
			goto out;
	}
	arm_poll(s);
	*sp = s;
	return 0;
out:
	syncsvc_free(s);
	return err;
}

void syncsvc_free(struct syncsvc *s)
{
	if (!s)
		return;
	tmr_cancel(&s->poll);
	if (s->sync) {
		sync_stop(s->sync);
		run_release(s);
	}
	webhook_rx_close(s->rx);
	free(s);
}

int syncsvc_run_now(struct syncsvc *s, bool full)
{
	return s ? run_start(s, full) : EINVAL;
}

void syncsvc_stop_run(struct syncsvc *s)
{
	if (!s || !s->sync)
		return;
	sync_stop(s->sync);
	run_release(s);
	arm_poll(s);
}

const struct sync *syncsvc_sync(const struct syncsvc *s)
{
	return s ? s->sync : NULL;
}

bool syncsvc_running(const struct syncsvc *s)
{
	return s && s->sync;
}

void syncsvc_stats(const struct syncsvc *s, struct syncsvc_stats *out)
{
	if (!out)
		return;
	if (!s) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = s->stats;
}

struct webhook_rx *syncsvc_rx(const struct syncsvc *s)
{
	return s ? s->rx : NULL;
}

uint16_t syncsvc_port(const struct syncsvc *s)
{
	return s && s->rx ? webhook_rx_port(s->rx) : 0;
}

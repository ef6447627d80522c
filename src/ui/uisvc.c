/*
 * uisvc: the TUI's shared Salesloft session (see uisvc.h): the API client and its store
 * connection (syncsess), the sync service polling on sync.poll_interval (and serving webhooks
 * with ui.webhooks), the outbox sender draining the outbox, the outbox poll for other
 * processes' commits, and the watchers that hear of them.
 *
 * It belongs to the screen manager, so it outlives every screen: closing Home (or any other
 * screen) never stops a sync or drops the client another screen uses. The session starts
 * when the TUI starts, when loftdial is connected; a screen can ask again later
 * (ui_session_start) once the user has connected from a shell.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>

#include "loftdial/log.h"
#include "loftdial/outbox.h"
#include "loftdial/syncsess.h"

#include "screen.h"
#include "uisvc.h"

struct watcher {
	ui_session_h *h;
	void *arg;
};

struct uisvc {
	struct ui *ui;
	struct syncsess ss;   /* the client and its store connection; zero while down */
	struct syncsvc *svc;  /* NULL while down */
	struct outsend *send; /* NULL while down or while another process sends */
	int send_lock;        /* the outbox lock while send runs, else -1 */
	bool send_busy;       /* another process held the outbox lock when last tried */
	int64_t held_id;      /* the record the status line said was held back, or 0 */
	struct tmr outbox_tmr;
	bool watching; /* on_outbox is an outbox watcher of ui_store */
	struct watcher watch[UI_SESSION_WATCH_MAX];
};

/* Tells every watcher; a slot emptied during the walk is skipped. */
static void tell(struct uisvc *s, const struct ui_session_note *n)
{
	size_t i;

	for (i = 0; i < UI_SESSION_WATCH_MAX; i++)
		if (s->watch[i].h)
			s->watch[i].h(s->ui, n, s->watch[i].arg);
}

/* The sync service's notes go to the watchers as they are. */
static void on_sync(const struct syncsvc_note *n, void *arg)
{
	struct uisvc *s = arg;
	struct ui_session_note note = {.ev = UI_SESSION_SYNC, .sync = n};

	tell(s, &note);
	ui_dirty(s->ui);
}

/* The sender's notes go to the watchers as they are. A record that did not reach Salesloft
 * (its fate unknown, or back in the queue) is said on the status line once, so the rep knows
 * the call is kept and the session goes on; its landing is said too. */
static void on_send(const struct outsend_note *n, void *arg)
{
	struct uisvc *s = arg;
	struct ui_session_note note = {.ev = UI_SESSION_SEND, .send = n};

	if (n->ev == OUTSEND_STOPPED) {
		ui_status(s->ui, THEME_ERROR, "outbox: nothing more is sent: %s", n->text);
	} else if ((n->ev == OUTSEND_LOOKING || n->ev == OUTSEND_RETRY) && !s->held_id) {
		s->held_id = n->id;
		ui_status(s->ui, THEME_WARNING,
		          "Salesloft did not take a call log: it waits in the outbox and is sent "
		          "again until it lands (%s)",
		          n->text);
	} else if ((n->ev == OUTSEND_SENT || n->ev == OUTSEND_CONFLICT) && n->id == s->held_id) {
		s->held_id = 0;
		ui_status(s->ui, THEME_OK, "outbox: the call log held back reached Salesloft");
	} else if (n->ev == OUTSEND_FAILED && n->id == s->held_id) {
		s->held_id = 0;
	}
	tell(s, &note);
	ui_dirty(s->ui);
}

/* The outbox changed (here, or another process's commit found by the poll): the sender
 * looks for due work (a timer: watchers never write to the outbox themselves). */
static void on_outbox(const struct outbox_counts *c, void *arg)
{
	struct uisvc *s = arg;

	if (c->queued)
		outsend_kick(s->send);
}

/* Starts the outbox sender once the session runs, when no other loftdial (a dial, `outbox
 * flush`, another TUI) is sending: one sender per data folder. Tried again from the outbox
 * poll while another process holds the lock. */
static void start_sender(struct uisvc *s)
{
	struct ui *ui = s->ui;
	int err;

	if (s->send || !s->svc || !ui_store(ui))
		return;
	err = syncsess_flock(ui_paths(ui)->data_dir, SYNCSESS_OUTBOX_LOCK, &s->send_lock);
	if (err) {
		s->send_lock = -1;
		if (!s->send_busy)
			log_info("ui", "the outbox is sent by another loftdial for now (%s)",
			         strerror(err));
		s->send_busy = true;
		return;
	}
	s->send_busy = false;
	/* The sender writes the outbox through the TUI's own connection, whose watchers (Home,
	 * the Outbox screen) hear of every change at once. */
	err = outsend_new(&s->send, NULL, s->ss.api, ui_store(ui), on_send, s);
	if (!err)
		err = outsend_start(s->send, false);
	if (err) {
		outsend_free(s->send);
		s->send = NULL;
		syncsess_unlock(s->send_lock);
		s->send_lock = -1;
		/* Sync goes on; the outbox waits for `loftdial outbox flush`. */
		ui_status(ui, THEME_ERROR, "the outbox sender cannot start: %s", strerror(err));
		return;
	}
	log_info("ui", "sending the outbox");
}

/* Looks for outbox commits by other processes (the watchers hear of them), and for the
 * outbox lock another process held. */
static void outbox_poll(void *arg)
{
	struct uisvc *s = arg;

	start_sender(s);
	(void)outbox_refresh(ui_store(s->ui));
	tmr_start(&s->outbox_tmr, UI_OUTBOX_POLL_MS, outbox_poll, s);
}

struct slapi *ui_api(struct ui *ui)
{
	struct uisvc *s = ui_svc(ui);

	return s && s->svc ? s->ss.api : NULL;
}

struct store *ui_session_store(struct ui *ui)
{
	struct uisvc *s = ui_svc(ui);

	return s && s->svc ? s->ss.st : NULL;
}

struct syncsvc *ui_sync(struct ui *ui)
{
	struct uisvc *s = ui_svc(ui);

	return s ? s->svc : NULL;
}

struct outsend *ui_outsend(struct ui *ui)
{
	struct uisvc *s = ui_svc(ui);

	return s ? s->send : NULL;
}

void ui_outbox_kick(struct ui *ui)
{
	struct uisvc *s = ui_svc(ui);

	if (s)
		outsend_kick(s->send);
}

/* Starts the sync service: serving webhooks when ui.webhooks is set, without when the
 * address cannot be had (the status line says why). */
static int start_sync(struct uisvc *s)
{
	struct ui *ui = s->ui;
	const struct config *cfg = ui_config(ui);
	struct syncsvc_opts o;
	int err;

	syncsvc_opts_from_config(&o, cfg, ui_paths(ui)->data_dir);
	if (config_bool(cfg, "ui.webhooks"))
		o.listen = config_str(cfg, "webhooks.listen");
	err = syncsvc_new(&s->svc, s->ss.api, s->ss.st, &o, on_sync, s);
	if (err && o.listen) {
		ui_status(ui, THEME_WARNING, "webhooks: cannot listen on %s: %s; syncing by polls",
		          o.listen, strerror(err));
		o.listen = NULL;
		err = syncsvc_new(&s->svc, s->ss.api, s->ss.st, &o, on_sync, s);
	}
	if (err) {
		s->svc = NULL;
		ui_status(ui, THEME_ERROR, "the sync service cannot start: %s", strerror(err));
		return err;
	}
	if (o.listen)
		log_info("ui", "serving webhooks on %s (port %u)", o.listen, syncsvc_port(s->svc));
	log_info("ui", "Salesloft session started (sync polls every %u s)", o.poll_ms / 1000);
	return 0;
}

int ui_session_start(struct ui *ui)
{
	struct uisvc *s = ui_svc(ui);
	const struct config *cfg = ui_config(ui);
	struct ui_session_note note = {.ev = UI_SESSION_UP};
	char msg[512];
	int err;

	if (!s)
		return ENOMEM;
	if (s->svc)
		return 0;
	err = syncsess_open(&s->ss, ui_paths(ui)->db_file, cfg, true, msg, sizeof(msg));
	if (err) {
		memset(&s->ss, 0, sizeof(s->ss));
		ui_status(ui, THEME_ERROR, "Salesloft: %s", msg);
		return err;
	}
	if (!slapi_connected(s->ss.api)) {
		err = EACCES;
		goto out;
	}
	(void)store_set_busy_timeout(s->ss.st, UI_BUSY_MS);
	err = start_sync(s);
	if (err)
		goto out;
	start_sender(s);
	tell(s, &note);
	ui_dirty(ui);
	return 0;
out:
	syncsess_close(&s->ss);
	memset(&s->ss, 0, sizeof(s->ss));
	return err;
}

int ui_session_watch(struct ui *ui, ui_session_h *h, void *arg)
{
	struct uisvc *s = ui_svc(ui);
	size_t i, free_slot = UI_SESSION_WATCH_MAX;

	if (!s || !h)
		return EINVAL;
	for (i = 0; i < UI_SESSION_WATCH_MAX; i++) {
		if (s->watch[i].h == h && s->watch[i].arg == arg)
			return EEXIST;
		if (!s->watch[i].h && free_slot == UI_SESSION_WATCH_MAX)
			free_slot = i;
	}
	if (free_slot == UI_SESSION_WATCH_MAX)
		return ENOSPC;
	s->watch[free_slot].h = h;
	s->watch[free_slot].arg = arg;
	return 0;
}

void ui_session_unwatch(struct ui *ui, ui_session_h *h, void *arg)
{
	struct uisvc *s = ui_svc(ui);
	size_t i;

	if (!s)
		return;
	for (i = 0; i < UI_SESSION_WATCH_MAX; i++)
		if (s->watch[i].h == h && s->watch[i].arg == arg)
			s->watch[i].h = NULL;
}

int uisvc_new(struct uisvc **sp, struct ui *ui)
{
	struct uisvc *s = calloc(1, sizeof(*s));

	if (!s)
		return ENOMEM;
	s->ui = ui;
	s->send_lock = -1;
	tmr_init(&s->outbox_tmr);
	if (ui_store(ui) && !outbox_watch(ui_store(ui), on_outbox, s)) {
		struct outbox_counts c;

		/* Counted now, so the first poll that finds another process's commit compares
		 * with these and tells the watchers (a first count tells nobody). */
		(void)outbox_counts_cached(ui_store(ui), &c);
		s->watching = true;
		tmr_start(&s->outbox_tmr, UI_OUTBOX_POLL_MS, outbox_poll, s);
	}
	*sp = s;
	return 0;
}

void uisvc_free(struct uisvc *s)
{
	if (!s)
		return;
	tmr_cancel(&s->outbox_tmr);
	if (s->watching)
		outbox_unwatch(ui_store(s->ui), on_outbox, s);
	outsend_free(s->send);
	syncsess_unlock(s->send_lock);
	if (s->svc) {
		syncsvc_free(s->svc);
		syncsess_close(&s->ss);
	}
	free(s);
}

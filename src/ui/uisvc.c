/*
 * uisvc: the TUI's shared Salesloft session (see uisvc.h): the API client and its store
 * connection (syncsess), the sync service polling on sync.poll_interval, and the watchers
 * that hear of them.
 *
 * It belongs to the screen manager, so it outlives every screen: closing Home (or any other
 * screen) never stops a sync or drops the client another screen uses. The session starts
 * when the TUI starts, when loftdial is connected; a screen can ask again later
 * (ui_session_start) once the user has connected from a shell.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/log.h"
#include "loftdial/syncsess.h"

#include "screen.h"
#include "uisvc.h"

struct watcher {
	ui_session_h *h;
	void *arg;
};

struct uisvc {
	struct ui *ui;
	struct syncsess ss;  /* the client and its store connection; zero while down */
	struct syncsvc *svc; /* NULL while down */
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

int ui_session_start(struct ui *ui)
{
	struct uisvc *s = ui_svc(ui);
	const struct config *cfg = ui_config(ui);
	struct ui_session_note note = {.ev = UI_SESSION_UP};
	struct syncsvc_opts o;
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
	syncsvc_opts_from_config(&o, cfg, ui_paths(ui)->data_dir);
	err = syncsvc_new(&s->svc, s->ss.api, s->ss.st, &o, on_sync, s);
	if (err) {
		s->svc = NULL;
		ui_status(ui, THEME_ERROR, "the sync service cannot start: %s", strerror(err));
		goto out;
	}
	log_info("ui", "Salesloft session started (sync polls every %u s)", o.poll_ms / 1000);
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
	*sp = s;
	return 0;
}

void uisvc_free(struct uisvc *s)
{
	if (!s)
		return;
	if (s->svc) {
		syncsvc_free(s->svc);
		syncsess_close(&s->ss);
	}
	free(s);
}

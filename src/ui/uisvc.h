/*
 * uisvc: the TUI's shared Salesloft session. Private to src/ui.
 *
 * One API client (with the store connection it writes through) and the sync service on it
 * live as long as the TUI, owned by the screen manager, not by a screen: any screen asks for
 * the client with ui_api() (Home for the live rate figures, the lists screen, the dial
 * session) and hears what the session does through one list of watchers (ui_session_watch):
 * the session coming up, and every note of the sync service. Nothing here draws; watchers
 * note what changed and call ui_dirty().
 */
#ifndef LOFTDIAL_UI_UISVC_H
#define LOFTDIAL_UI_UISVC_H

#include <stdbool.h>

#include "loftdial/slapi.h"
#include "loftdial/store.h"
#include "loftdial/syncsvc.h"

struct ui;
struct uisvc;

/* What the session tells its watchers. */
enum ui_session_ev {
	UI_SESSION_UP,   /* the client is connected and the sync service runs */
	UI_SESSION_SYNC, /* a note of the sync service (sync) */
};

struct ui_session_note {
	enum ui_session_ev ev;
	const struct syncsvc_note *sync; /* UI_SESSION_SYNC, NULL otherwise */
};

typedef void(ui_session_h)(struct ui *ui, const struct ui_session_note *n, void *arg);

#define UI_SESSION_WATCH_MAX 8

/* The API client: NULL while loftdial is not connected (or the session could not start). */
struct slapi *ui_api(struct ui *ui);
/* The store connection the client and the sync write through (NULL while not connected). */
struct store *ui_session_store(struct ui *ui);
/* The sync service (NULL while not connected). */
struct syncsvc *ui_sync(struct ui *ui);
/* Starts the session when it is not running (at start-up, and again after `loftdial
 * connect` in a shell): 0 when it runs, EACCES when loftdial is not connected, or an errno
 * value (the status line says what failed). */
int ui_session_start(struct ui *ui);
/* Adds a watcher: EINVAL for NULL, EEXIST when (h, arg) is there, ENOSPC beyond
 * UI_SESSION_WATCH_MAX. A watcher may unwatch itself (or another) from its handler. */
int ui_session_watch(struct ui *ui, ui_session_h *h, void *arg);
/* Removes a watcher (nothing when absent); call it from the screen's close. */
void ui_session_unwatch(struct ui *ui, ui_session_h *h, void *arg);

/* For the screen manager: the session's state, made (not started) once the loop exists and
 * freed before it closes. */
int uisvc_new(struct uisvc **sp, struct ui *ui);
void uisvc_free(struct uisvc *s);
/* The manager's session (ui.c). */
struct uisvc *ui_svc(struct ui *ui);

#endif

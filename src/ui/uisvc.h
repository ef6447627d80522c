/*
 * uisvc: the TUI's shared Salesloft session. Private to src/ui.
 *
 * One API client (with the store connection it writes through), the sync service on it
 * (polls, and webhooks when ui.webhooks is set) and the outbox sender (outsend.h, the same
 * one `loftdial outbox flush` runs, at write priority: ahead of sync in the rate budget)
 * live as long as the TUI, owned by the screen manager, not by a screen: any screen asks for
 * the client with ui_api() (Home for the live rate figures, the lists screen, the dial
 * session) and hears what the session does through one list of watchers (ui_session_watch):
 * the session coming up, every note of the sync service and of the sender. Nothing here
 * draws; watchers note what changed and call ui_dirty().
 *
 * The TUI's store connections wait at most UI_BUSY_MS for another process's write lock (a
 * frame never freezes for the default 5 s); writes that meet the lock are tried again from a
 * timer (storeretry.h). The outbox is watched on the TUI's own connection (ui_store), and
 * other processes' commits are looked for every UI_OUTBOX_POLL_MS, so a record the command
 * line queues is sent while the TUI runs.
 */
#ifndef LOFTDIAL_UI_UISVC_H
#define LOFTDIAL_UI_UISVC_H

#include <stdbool.h>

#include "loftdial/outsend.h"
#include "loftdial/slapi.h"
#include "loftdial/store.h"
#include "loftdial/syncsvc.h"

struct ui;
struct uisvc;

/* What the session tells its watchers. */
enum ui_session_ev {
	UI_SESSION_UP,   /* the client is connected and the sync service runs */
	UI_SESSION_SYNC, /* a note of the sync service (sync) */
	UI_SESSION_SEND, /* a note of the outbox sender (send) */
};

struct ui_session_note {
	enum ui_session_ev ev;
	const struct syncsvc_note *sync; /* UI_SESSION_SYNC, NULL otherwise */
	const struct outsend_note *send; /* UI_SESSION_SEND, NULL otherwise */
};

/* How long the TUI's store connections wait for another process's write lock. */
#define UI_BUSY_MS 20
/* How often the outbox looks for other processes' commits (one PRAGMA when none). */
#define UI_OUTBOX_POLL_MS 5000

typedef void(ui_session_h)(struct ui *ui, const struct ui_session_note *n, void *arg);

#define UI_SESSION_WATCH_MAX 8

/* The API client: NULL while loftdial is not connected (or the session could not start). */
struct slapi *ui_api(struct ui *ui);
/* The store connection the client and the sync write through (NULL while not connected). */
struct store *ui_session_store(struct ui *ui);
/* The sync service (NULL while not connected). */
struct syncsvc *ui_sync(struct ui *ui);
/* The outbox sender (NULL while not connected). */
struct outsend *ui_outsend(struct ui *ui);
/* Tells the sender that an item became due (a retry, an edit): it looks now. */
void ui_outbox_kick(struct ui *ui);
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

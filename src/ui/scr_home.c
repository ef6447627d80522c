/*
 * The Home screen, the sync console: the connection, the rate budget, the outbox, webhooks,
 * engines, the sync service, and one row per synced object with its rows, last run and
 * result, or a live progress bar while a sync runs.
 *
 * What it shows is a snapshot from the status model (status.h; never SQL here), taken when
 * the screen opens, when r is pressed and when a sync ends, never per frame. The outbox
 * counts follow the outbox's own change callback (outbox_watch); the session (uisvc.h) asks
 * the outbox to look for other processes' commits. The sync service belongs to the TUI's shared
 * Salesloft session (uisvc.h), which polls incrementally every sync.poll_interval; Home runs
 * s/S through it (the same lock as `loftdial sync`) and watches its notes, which only update
 * the status line and mark the frame dirty.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <re.h>

#include "loftdial/log.h"
#include "loftdial/loop.h"
#include "loftdial/outbox.h"
#include "loftdial/status.h"
#include "loftdial/sync.h"
#include "loftdial/syncsvc.h"
#include "loftdial/syncstate.h"
#include "loftdial/text.h"

#include "screen.h"
#include "uisvc.h"

enum home_action {
	HOME_SYNC = UI_ACT_SCREEN,
	HOME_SYNC_FULL,
	HOME_STOP,
	HOME_REFRESH,
	HOME_CONNECT,
};

static const struct keymap_action home_actions[] = {
        {HOME_SYNC, "sync", "s", "Sync now (incremental: what changed since the last run)"},
        {HOME_SYNC_FULL, "sync-full", "S", "Full sync (re-read everything, mark deletions)"},
        {HOME_STOP, "sync-stop", "x", "Stop the running sync (the next run resumes)"},
        {HOME_REFRESH, "refresh", "r", "Read the figures again from the database"},
        {HOME_CONNECT, "connect", "c", "How to connect to Salesloft"},
};

#define LABEL_W 12

struct home {
	struct ui *ui;
	struct status *snap;
	bool db; /* the store could be opened */
	bool watching, session;
};

/* The outbox changed (this process or, through outbox_refresh, another): new counts. */
static void on_outbox(const struct outbox_counts *c, void *arg)
{
	struct home *h = arg;

	h->snap->outbox = *c;
	h->snap->outbox_ok = true;
	ui_dirty(h->ui);
}

static void home_read(struct home *h)
{
	struct store *st = ui_store(h->ui);

	memset(h->snap, 0, sizeof(*h->snap));
	h->db = st != NULL;
	if (st) {
		const struct config *cfg = ui_config(h->ui);

		(void)status_read(st, config_str(cfg, "salesloft.operator_email"),
		                  (int64_t)time(NULL), h->snap);
		/* A connection saved for other URLs is never used here (slapi refuses to send its
		 * token), so Home must not call it connected, as `loftdial status` does not. */
		status_check_urls(h->snap, config_str(cfg, "salesloft.api_url"),
		                  config_str(cfg, "salesloft.accounts_url"));
	}
}

/* UTC time as "2026-12-06 08:00", or "never". */
static void fmt_time(char *out, size_t n, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!t || !gmtime_r(&tt, &tm)) {
		text_copy(out, n, "never");
		return;
	}
	strftime(out, n, "%Y-%m-%d %H:%M", &tm);
}

/* What the session tells: runs starting and ending, progress, skipped polls. */
static void on_session(struct ui *ui, const struct ui_session_note *note, void *arg)
{
	struct home *h = arg;
	const struct syncsvc_note *n = note->sync;

	if (note->ev == UI_SESSION_UP) {
		home_read(h);
		return;
	}
	if (note->ev != UI_SESSION_SYNC || !n)
		return;
	switch (n->ev) {
	case SYNCSVC_RUN_START:
		ui_status(ui, THEME_SYNC_RUNNING, "%s sync started",
		          n->full ? "full" : "incremental");
		break;
	case SYNCSVC_PROGRESS:
		break;
	case SYNCSVC_RUN_DONE:
		if (n->rc == 0)
			ui_status(ui, THEME_OK, "sync done: %llu records",
			          (unsigned long long)n->records);
		else if (n->rc == EKEYREVOKED || n->rc == EACCES)
			ui_status(ui, THEME_ERROR, "sync stopped: %s",
			          ui_api(ui) && *slapi_auth_error(ui_api(ui))
			                  ? slapi_auth_error(ui_api(ui))
			                  : "not connected: run loftdial connect");
		else
			ui_status(ui, THEME_WARNING,
			          "sync partial: some objects failed (see their rows; s resumes)");
		home_read(h);
		break;
	case SYNCSVC_SKIPPED:
		ui_status(ui, THEME_MUTED, "sync poll skipped: %s",
		          n->rc == EBUSY    ? "another loftdial is syncing"
		          : n->rc == EACCES ? "not connected"
		                            : strerror(n->rc));
		break;
	case SYNCSVC_WEBHOOK:
		break;
	}
	ui_dirty(ui);
}

/* s and S: a run now through the service. */
static int run_now(struct home *h, bool full)
{
	int err = ui_session_start(h->ui);

	if (err == EACCES) {
		ui_status(h->ui, THEME_ERROR, "not connected: run loftdial connect");
		return UI_REDRAW;
	}
	if (err)
		return UI_REDRAW;
	err = syncsvc_run_now(ui_sync(h->ui), full);
	if (err == EALREADY)
		ui_status(h->ui, THEME_WARNING, "a sync is already running (x stops it)");
	else if (err == EBUSY)
		ui_status(h->ui, THEME_WARNING,
		          "another sync is running (loftdial sync or webhooks "
		          "serve); try again when it ends");
	else if (err)
		ui_status(h->ui, THEME_ERROR, "sync cannot start: %s", strerror(err));
	else
		log_info("ui", "sync started from the TUI (%s)", full ? "full" : "incremental");
	return UI_REDRAW;
}

static int home_open(struct ui *ui, void **state)
{
	struct home *h = calloc(1, sizeof(*h));

	if (!h)
		return ENOMEM;
	h->snap = calloc(1, sizeof(*h->snap));
	if (!h->snap) {
		free(h);
		return ENOMEM;
	}
	h->ui = ui;
	home_read(h);
	if (ui_store(ui) && !outbox_watch(ui_store(ui), on_outbox, h))
		h->watching = true;
	h->session = !ui_session_watch(ui, on_session, h);
	*state = h;
	return 0;
}

static int home_key(struct ui *ui, void *state, int action)
{
	struct home *h = state;

	switch (action) {
	case HOME_SYNC:
		return run_now(h, false);
	case HOME_SYNC_FULL:
		return run_now(h, true);
	case HOME_STOP:
		if (!ui_sync(ui) || !syncsvc_running(ui_sync(ui))) {
			ui_status(ui, THEME_MUTED, "no sync is running");
			return UI_REDRAW;
		}
		syncsvc_stop_run(ui_sync(ui));
		home_read(h);
		ui_status(ui, THEME_WARNING, "sync stopped; s resumes where it stopped");
		return UI_REDRAW;
	case HOME_REFRESH:
		/* After `loftdial connect` in a shell, r also brings the session up. */
		(void)ui_session_start(ui);
		home_read(h);
		return UI_REDRAW;
	case HOME_CONNECT:
		ui_status(ui, THEME_WARNING,
		          "connect from a shell: loftdial connect (--paste over SSH), then r here");
		return UI_REDRAW;
	default:
		return UI_NONE;
	}
}

/* A label in the header colour, then the value. */
static void label(struct ui *ui, WINDOW *w, int y, const char *text)
{
	wattron(w, ui_attr(ui, THEME_HEADER));
	ui_text(ui, w, y, 1, LABEL_W - 1, text, false);
	wattroff(w, ui_attr(ui, THEME_HEADER));
}

/* The top block: connection, token, calls-as, rate, outbox, webhooks, engines. Returns
 * the rows used. */
static int draw_summary(struct home *h, WINDOW *w, int cols)
{
	struct ui *ui = h->ui;
	struct status *s = h->snap;
	const struct status_conn *c = &s->conn;
	int x = LABEL_W + 1, vw = cols - x - 1, y = 0;
	enum theme_elem e;
	char when[40];

	if (ui_api(ui))
		status_live(s, ui_api(ui));
	label(ui, w, y, "Connection");
	if (!h->db) {
		wattron(w, ui_attr(ui, THEME_ERROR));
		ui_textf(ui, w, y, x, vw, false, "database unavailable: %s", ui_paths(ui)->db_file);
		wattroff(w, ui_attr(ui, THEME_ERROR));
	} else if (!c->connected) {
		wattron(w, ui_attr(ui, THEME_WARNING));
		ui_text(ui, w, y, x, vw, "not connected: run loftdial connect", false);
		wattroff(w, ui_attr(ui, THEME_WARNING));
	} else if (c->elsewhere) {
		wattron(w, ui_attr(ui, THEME_WARNING));
		ui_textf(ui, w, y, x, vw, false,
		         "not connected here: saved for %s; run loftdial connect (see status)",
		         c->api_url[0] ? c->api_url : "another API");
		wattroff(w, ui_attr(ui, THEME_WARNING));
	} else {
		ui_textf(ui, w, y, x, vw, false, "%s as %s <%s> (user %lld%s)", c->kind,
		         c->user_name[0] ? c->user_name : "?",
		         c->user_email[0] ? c->user_email : "?", (long long)c->user_id,
		         c->team_admin ? ", team admin" : "");
	}
	y++;
	label(ui, w, y, "Token");
	e = c->token == STATUS_TOKEN_OK            ? THEME_OK
	    : c->token == STATUS_TOKEN_REFRESH_DUE ? THEME_WARNING
	    : c->token == STATUS_TOKEN_NONE        ? THEME_MUTED
	                                           : THEME_ERROR;
	wattron(w, ui_attr(ui, e));
	if (c->auth_error[0]) {
		ui_textf(ui, w, y, x, vw, false, "%s: %s", status_token_name(c->token),
		         c->auth_error);
	} else if (c->connected && c->expires_at > 0) {
		fmt_time(when, sizeof(when), c->expires_at);
		ui_textf(ui, w, y, x, vw, false, "%s, expires %s UTC", status_token_name(c->token),
		         when);
	} else {
		ui_text(ui, w, y, x, vw, c->connected ? "ok, does not expire" : "-", false);
	}
	wattroff(w, ui_attr(ui, e));
	y++;
	label(ui, w, y, "Calls as");
	if (!c->connected) {
		ui_text(ui, w, y, x, vw, "-", false);
	} else if (s->calls_as.err) {
		wattron(w, ui_attr(ui, THEME_WARNING));
		ui_textf(ui, w, y, x, vw, false, "cannot log calls: %s",
		         status_calls_as_error(s->calls_as.err));
		wattroff(w, ui_attr(ui, THEME_WARNING));
	} else {
		ui_textf(ui, w, y, x, vw, false, "%s", s->calls_as.user.name);
	}
	y++;
	label(ui, w, y, "Rate");
	if (s->rate.seen && s->rate.limit > 0) {
		fmt_time(when, sizeof(when), s->rate.seen_at);
		ui_gauge(ui, w, y, x, 22, (double)s->rate.remaining, (double)s->rate.limit,
		         THEME_OK);
		ui_textf(ui, w, y, x + 23, vw - 23, false, "%ld of %u left (%s %s UTC)",
		         s->rate.remaining, s->rate.limit, s->rate.live ? "now," : "seen", when);
	} else {
		ui_text(ui, w, y, x, vw, "not seen yet (it shows after the first sync)", false);
	}
	y++;
	label(ui, w, y, "Outbox");
	if (s->outbox_ok) {
		attr_t a = ui_attr(ui, s->outbox.failed || s->outbox.conflict ? THEME_WARNING
		                                                              : THEME_DEFAULT);

		wattron(w, a);
		ui_textf(ui, w, y, x, vw, false,
		         "%lld pending, %lld sending, %lld failed, %lld conflict, %lld sent",
		         (long long)s->outbox.queued, (long long)s->outbox.sending,
		         (long long)s->outbox.failed, (long long)s->outbox.conflict,
		         (long long)s->outbox.sent);
		wattroff(w, a);
	} else {
		ui_text(ui, w, y, x, vw, "-", false);
	}
	y++;
	label(ui, w, y, "Webhooks");
	ui_textf(ui, w, y, x, vw, false, "%u subscriptions, %u events pending",
	         s->webhooks.subscriptions, s->webhooks.pending_events);
	y++;
	label(ui, w, y, "Sync");
	if (!ui_sync(ui)) {
		wattron(w, ui_attr(ui, THEME_MUTED));
		ui_text(ui, w, y, x, vw, "no polls until connected", false);
		wattroff(w, ui_attr(ui, THEME_MUTED));
	} else if (syncsvc_running(ui_sync(ui))) {
		wattron(w, ui_attr(ui, THEME_SYNC_RUNNING));
		ui_text(ui, w, y, x, vw, "running (x stops it)", false);
		wattroff(w, ui_attr(ui, THEME_SYNC_RUNNING));
	} else {
		struct syncsvc_stats st;
		uint64_t now = loop_now_ms();

		syncsvc_stats(ui_sync(ui), &st);
		if (st.next_poll_ms > now) {
			fmt_time(when, sizeof(when),
			         (int64_t)time(NULL) +
			                 (int64_t)((st.next_poll_ms - now + 999) / 1000));
			ui_textf(ui, w, y, x, vw, false, "every %lld s, next poll %s UTC",
			         (long long)config_int(ui_config(ui), "sync.poll_interval"), when);
		} else {
			ui_textf(ui, w, y, x, vw, false, "every %lld s",
			         (long long)config_int(ui_config(ui), "sync.poll_interval"));
		}
	}
	y++;
	label(ui, w, y, "Engines");
	wattron(w, ui_attr(ui, THEME_MUTED));
	ui_text(ui, w, y, x, vw, "none running (lines start with the dial session)", false);
	wattroff(w, ui_attr(ui, THEME_MUTED));
	return y + 1;
}

/* The phase of a running object as a word. */
static const char *phase_word(enum sync_phase p)
{
	static const char *const names[] = {
	        [SYNC_PENDING] = "waiting",   [SYNC_LISTING] = "listing",
	        [SYNC_SWEEPING] = "sweeping", [SYNC_OK] = "done",
	        [SYNC_FAILED] = "failed",     [SYNC_STOPPED] = "stopped",
	};

	return (unsigned)p < sizeof(names) / sizeof(names[0]) && names[p] ? names[p] : "?";
}

/* One object's live progress, after its name and row count. */
static void draw_progress(struct ui *ui, WINDOW *w, int y, int x, int width,
                          const struct sync_obj_progress *p)
{
	uint64_t now = loop_now_ms(), end = p->finished_ms ? p->finished_ms : now;
	double secs =
	        p->started_ms && end > p->started_ms ? (double)(end - p->started_ms) / 1000 : 0;
	double rate = secs > 0.05 ? (double)p->records / secs : 0;
	enum theme_elem e = p->phase == SYNC_FAILED    ? THEME_SYNC_FAILED
	                    : p->phase == SYNC_OK      ? THEME_SYNC_DONE
	                    : p->phase == SYNC_STOPPED ? THEME_WARNING
	                                               : THEME_SYNC_RUNNING;
	/* A narrow bar at 80 columns leaves room for the figures and the ETA. */
	int gw = width >= 60 ? 18 : 10;
	char eta[32] = "";

	if (p->total > 0)
		ui_gauge(ui, w, y, x, gw, (double)p->records, (double)p->total, e);
	else
		ui_gauge(ui, w, y, x, gw, p->phase == SYNC_OK ? 1 : 0, 1, e);
	if (p->phase == SYNC_LISTING && p->total > 0 && rate > 0 &&
	    (uint64_t)p->total > p->records) {
		unsigned long long s =
		        (unsigned long long)((double)((uint64_t)p->total - p->records) / rate);

		text_printf(eta, sizeof(eta), " ETA %llu:%02llu", s / 60, s % 60);
	}
	wattron(w, ui_attr(ui, e));
	if (p->phase == SYNC_FAILED || p->phase == SYNC_STOPPED)
		ui_textf(ui, w, y, x + gw + 1, width - gw - 1, false, "%s %s", phase_word(p->phase),
		         p->error);
	else if (p->total >= 0)
		ui_textf(ui, w, y, x + gw + 1, width - gw - 1, false, "%llu/%lld %.0f/s %s%s",
		         (unsigned long long)p->records, (long long)p->total, rate,
		         phase_word(p->phase), eta);
	else
		ui_textf(ui, w, y, x + gw + 1, width - gw - 1, false, "%llu %.0f/s %s",
		         (unsigned long long)p->records, rate, phase_word(p->phase));
	wattroff(w, ui_attr(ui, e));
}

static void home_draw(struct ui *ui, void *state, WINDOW *w, int rows, int cols)
{
	struct home *h = state;
	const struct status *s = h->snap;
	bool running = ui_sync(ui) && syncsvc_running(ui_sync(ui));
	const struct sync_obj_progress *prog = NULL;
	size_t nprog = 0, k;
	int y, i, rest;

	y = draw_summary(h, w, cols) + 1;
	if (running)
		prog = sync_progress(syncsvc_sync(ui_sync(ui)), &nprog);
	rest = cols - 1 - 20 - 10 - 9 - 2;
	wattron(w, ui_attr(ui, THEME_HEADER));
	ui_textf(ui, w, y, 1, cols - 1, false, "%-20s %9s %8s  %s", "Object", "Rows", "Deleted",
	         running ? "Progress" : "Last run (UTC)    Result");
	wattroff(w, ui_attr(ui, THEME_HEADER));
	y++;
	for (i = 0; i < STORE_OBJ_COUNT && y < rows; i++, y++) {
		const struct syncstate *ss = &s->objs[i].ss;
		const struct sync_obj_progress *p = NULL;
		char when[40];

		for (k = 0; k < nprog; k++)
			if ((int)prog[k].obj == i)
				p = &prog[k];
		ui_textf(ui, w, y, 1, 40, false, "%-20s %9lld %8lld",
		         store_obj_name((enum store_obj)i), (long long)s->objs[i].rows,
		         (long long)s->objs[i].deleted);
		if (p) {
			draw_progress(ui, w, y, 42, rest, p);
			continue;
		}
		fmt_time(when, sizeof(when), ss->last_run);
		ui_text(ui, w, y, 42, 18, when, false);
		if (ss->last_result[0]) {
			bool ok = !strcmp(ss->last_result, "ok");

			wattron(w, ui_attr(ui, ok ? THEME_SYNC_DONE : THEME_SYNC_FAILED));
			ui_textf(ui, w, y, 61, cols - 62, false, "%s%s%s%s", ss->last_result,
			         ss->full_gen > 0 ? " (full pass in progress)" : "",
			         ss->last_error[0] ? ": " : "", ss->last_error);
			wattroff(w, ui_attr(ui, ok ? THEME_SYNC_DONE : THEME_SYNC_FAILED));
		} else {
			wattron(w, ui_attr(ui, THEME_MUTED));
			ui_text(ui, w, y, 61, cols - 62, "-", false);
			wattroff(w, ui_attr(ui, THEME_MUTED));
		}
	}
	/* The screen's keys, from the keymap, on the last row. */
	if (rows > y) {
		char line[256] = "", kn[KEYMAP_NAME_MAX];
		size_t len = 0, n;
		int scope = keymap_scope(ui_keymap(ui), "home"), key;

		for (n = 0; n < sizeof(home_actions) / sizeof(home_actions[0]); n++) {
			if (!keymap_keys_of(ui_keymap(ui), scope, scope, home_actions[n].id, &key,
			                    1))
				continue;
			keymap_key_name(key, kn, sizeof(kn));
			text_printf(line + len, sizeof(line) - len, "%s%s %s", len ? "  " : "", kn,
			            home_actions[n].name);
			len = strlen(line);
		}
		wattron(w, ui_attr(ui, THEME_MUTED));
		ui_text(ui, w, rows - 1, 1, cols - 1, line, false);
		wattroff(w, ui_attr(ui, THEME_MUTED));
	}
}

static void home_close(struct ui *ui, void *state)
{
	struct home *h = state;

	if (h->watching)
		outbox_unwatch(ui_store(ui), on_outbox, h);
	if (h->session)
		ui_session_unwatch(ui, on_session, h);
	free(h->snap);
	free(h);
}

const struct screen_ops screen_home = {
        .name = "home",
        .title = "Home",
        .keys = "1 H",
        .actions = home_actions,
        .nactions = sizeof(home_actions) / sizeof(home_actions[0]),
        .about = "The sync console: who loftdial is connected as, the token's health and "
                 "expiry, who calls are logged as, the rate "
                 "budget (the gauge is what is left this minute), the outbox of calls and "
                 "notes waiting to reach Salesloft, webhooks, and one row per synced object "
                 "with its live rows, deleted rows, last run and result. While a sync runs, "
                 "each object shows a progress bar with its rate and ETA.",
        .open = home_open,
        .key = home_key,
        .draw = home_draw,
        .close = home_close,
};

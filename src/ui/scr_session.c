/*
 * The dial session screen: one list (a cadence's due phone actions, the rep's call tasks, or
 * one person) dialled on up to nine lines, or one at a time with a preview, with the queue,
 * one lane per line, the card of the person on the line and the session's figures.
 *
 * The session itself is dsession.h, headless: this file only presents it and passes the
 * rep's keys on. It never polls: the session's handler marks the frame dirty, and the draw
 * pass copies the session's state (dsession_snapshot, dsession_entries) only when the change
 * counter moved since the last copy. What a lane shows after its call ended (cancelled, busy,
 * no answer) comes from the pool's ENDED note as it happens. A 1 s timer runs only while a
 * call is live, so the elapsed times tick and an idle session stays idle. The card reads the
 * person's last calls from the store (callhist.h) when the person on it changes, not per
 * frame. When a connected call ends, the disposition picker opens at once (picker.h, pushed
 * with ui_react since the session's note is no key handler; w opens it again); its result is
 * the session's wrap-up. Every string from Salesloft or the store is drawn through ui_text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <re.h>

#include "loftdial/callhist.h"
#include "loftdial/dsession.h"
#include "loftdial/log.h"
#include "loftdial/loop.h"
#include "loftdial/text.h"
#include "loftdial/twidth.h"
#include "loftdial/tzone.h"

#include "screen.h"
#include "picker.h"
#include "sessview.h"
#include "uisvc.h"

enum session_action {
	SESS_START = UI_ACT_SCREEN,
	SESS_LINES_UP,
	SESS_LINES_DOWN,
	SESS_MODE,
	SESS_DIAL_NEXT,
	SESS_SKIP,
	SESS_HANGUP,
	SESS_MUTE,
	SESS_HOLD,
	SESS_REDIAL,
	SESS_VOICEMAIL,
	SESS_CARD,
	SESS_WRAPUP,
	SESS_DTMF_0,
	SESS_DTMF_LAST = SESS_DTMF_0 + 11, /* 0-9, then * and # */
};

static const struct keymap_action session_actions[] = {
        {SESS_START, "start-pause", "Space", "Start dialling; pause; go on after a pause"},
        {SESS_LINES_UP, "lines-more", "+ =", "One line more (up to 9)"},
        {SESS_LINES_DOWN, "lines-fewer", "-", "One line fewer (a call live on it goes on)"},
        {SESS_MODE, "mode", "p", "Parallel lines, or one at a time with a preview"},
        {SESS_DIAL_NEXT, "dial-next", "d", "Preview: dial the prospect shown"},
        {SESS_SKIP, "skip", "s", "Skip the selected prospect (preview: the one shown)"},
        {SESS_HANGUP, "hangup", "x", "Hang up the connected call"},
        {SESS_MUTE, "mute", "m", "Mute or unmute your microphone"},
        {SESS_HOLD, "hold", "h", "Put the connected call on hold, or resume it"},
        {SESS_REDIAL, "redial", "r", "Dial the last number again"},
        {SESS_VOICEMAIL, "voicemail-drop", "v",
         "Leave the recorded voicemail on the connected line and move on"},
        {SESS_CARD, "card", "c", "The whole card of the person on the line (or selected)"},
        {SESS_WRAPUP, "disposition", "w", "Open the disposition picker for the call waiting"},
        {SESS_DTMF_0 + 0, "dtmf-0", "0", "Send the digit 0 on the connected call"},
        {SESS_DTMF_0 + 1, "dtmf-1", "1", "Send the digit 1 on the connected call"},
        {SESS_DTMF_0 + 2, "dtmf-2", "2", "Send the digit 2 on the connected call"},
        {SESS_DTMF_0 + 3, "dtmf-3", "3", "Send the digit 3 on the connected call"},
        {SESS_DTMF_0 + 4, "dtmf-4", "4", "Send the digit 4 on the connected call"},
        {SESS_DTMF_0 + 5, "dtmf-5", "5", "Send the digit 5 on the connected call"},
        {SESS_DTMF_0 + 6, "dtmf-6", "6", "Send the digit 6 on the connected call"},
        {SESS_DTMF_0 + 7, "dtmf-7", "7", "Send the digit 7 on the connected call"},
        {SESS_DTMF_0 + 8, "dtmf-8", "8", "Send the digit 8 on the connected call"},
        {SESS_DTMF_0 + 9, "dtmf-9", "9", "Send the digit 9 on the connected call"},
        {SESS_DTMF_0 + 10, "dtmf-star", "*", "Send * on the connected call"},
        {SESS_DTMF_0 + 11, "dtmf-hash", "#", "Send # on the connected call"},
};
#define NACTIONS (sizeof(session_actions) / sizeof(session_actions[0]))

/* How often the elapsed times tick while a call is live. */
#define TICK_MS 1000

/* The session and its API client. It outlives the screen: closed with calls live, the
 * screen hands it to the manager (ui_linger), which keeps the loop running until every line
 * is hung up and the engines are stopped. */
struct core {
	struct ui *ui;
	struct session *s; /* NULL once the screen closed */
	struct dsession *d;
	bool stopped;   /* DSESSION_EV_STOPPED came */
	bool lingering; /* handed to the manager */
	struct loop_job free_job;
};

struct session {
	struct ui *ui;
	struct core *core; /* NULL without a target */
	struct dsession *d;
	struct sessview v; /* what is drawn: the copied state, the rows, the lanes' last calls */
	uint64_t copied;   /* dsession_changes() when v was filled */
	bool stale;        /* copy everything again at the next draw */
	bool ticked;       /* copy the figures again (the talk time runs on) */
	struct tmr tick;
	bool confirm_end; /* q or Q with a call live: the same key again ends the session */
	int confirm_action;
};

/* The session's clock for what is shown (local times): LOFTDIAL_TEST_NOW when set (tests pin
 * it so the golden screens hold), else the real one. */
static time_t session_now(void)
{
	const char *t = getenv("LOFTDIAL_TEST_NOW");

	return t && *t ? (time_t)strtoll(t, NULL, 10) : time(NULL);
}

/* Copies the session's state into the view when it changed. */
static void sync_view(struct session *s)
{
	uint64_t ch;

	if (!s->d)
		return;
	ch = dsession_changes(s->d);
	if (s->stale || ch != s->copied) {
		sessview_fill(&s->v, s->d);
		s->copied = ch;
	} else if (s->ticked) {
		sessview_fill_figures(&s->v, s->d);
	}
	s->stale = s->ticked = false;
}

/* The 1 s tick: the elapsed times and the talk time move on; it goes on only while the last
 * frame had a call live. */
static void on_tick(void *arg)
{
	struct session *s = arg;

	if (!sessview_live(&s->v))
		return;
	s->ticked = true;
	tmr_start(&s->tick, TICK_MS, on_tick, s);
	ui_dirty(s->ui);
}

/* A leg changed: a call may have become live (the tick stops itself when none is). */
static void tick_start(struct session *s)
{
	if (!tmr_isrunning(&s->tick))
		tmr_start(&s->tick, TICK_MS, on_tick, s);
}

/* Frees the core (after the handler that told it to returned). */
static void core_free(void *arg)
{
	struct core *c = arg;

	loop_defer_cancel(&c->free_job);
	dsession_free(c->d);
	free(c);
}

/* The deferred end of a lingering core: the manager told, then freed. */
static void core_done(void *arg)
{
	struct core *c = arg;

	ui_linger_done(c->ui, c);
	core_free(c);
}

static void on_screen_note(struct session *s, const struct dsession_note *n);

/* The picker's answer for the call awaiting its wrap-up: logged (then on or paused), or
 * discarded. A refusal (a name the team lacks, a required field) keeps the picker open with
 * the reason. The core outlives the screen, so it is the picker's argument. */
static int on_picked(struct ui *ui, const struct picker_result *r, void *arg, char *why,
                     size_t whyn)
{
	struct core *c = arg;

	(void)ui;
	if (!c->d || c->stopped)
		return 0;
	switch (r->action) {
	case PICKER_LOG_NEXT:
	case PICKER_LOG_PAUSE:
		return dsession_wrapup(
		        c->d, r->disposition[0] ? r->disposition : NULL,
		        r->sentiment[0] ? r->sentiment : NULL, r->notes[0] ? r->notes : NULL,
		        r->action == PICKER_LOG_NEXT ? DSESSION_NEXT : DSESSION_PAUSE, why, whyn);
	case PICKER_DISCARD:
		return dsession_discard(c->d);
	case PICKER_CLOSED:
		break;
	}
	return 0;
}

/* Opens the disposition picker on the call awaiting its wrap-up. */
static int open_picker(struct session *s)
{
	const struct dsession_snapshot *sn = s->v.snap;
	const struct dsession_wrapup_snap *wu = &sn->wrapup;
	struct picker_req *req;
	int err;

	if (!s->d || !wu->waiting)
		return UI_NONE;
	req = calloc(1, sizeof(*req));
	if (!req)
		return UI_NONE;
	if (wu->entry < s->v.nrows)
		text_copy(req->who, sizeof(req->who), s->v.rows[wu->entry].name);
	text_copy(req->number, sizeof(req->number), wu->a.e164[0] ? wu->a.e164 : wu->a.input);
	if (wu->a.t_answer && wu->a.t_end > wu->a.t_answer)
		req->duration_s = (unsigned)((wu->a.t_end - wu->a.t_answer) / 1000);
	req->kind = CALLREC_CONNECTED;
	text_copy(req->disposition, sizeof(req->disposition), wu->disposition);
	text_copy(req->sentiment, sizeof(req->sentiment), wu->sentiment);
	req->disposition_required = sn->dispositions_required;
	req->sentiment_required = sn->sentiments_required;
	req->done = on_picked;
	req->arg = s->core;
	err = picker_open(s->ui, req);
	free(req);
	if (err) {
		ui_status(s->ui, THEME_ERROR, "the picker cannot open: %s", strerror(err));
		return UI_REDRAW;
	}
	return UI_PUSH;
}

/* What the session tells: passed to the screen while it is open; once it closed, only the
 * end matters. */
static void on_dsession(const struct dsession_note *n, void *arg)
{
	struct core *c = arg;

	if (n->ev == DSESSION_EV_STOPPED) {
		c->stopped = true;
		if (c->lingering)
			loop_defer(&c->free_job, core_done, c);
	}
	if (c->s)
		on_screen_note(c->s, n);
}

/* A session note for the open screen: redraw, a wrap-up awaited, records, warnings. */
static void on_screen_note(struct session *s, const struct dsession_note *n)
{
	struct ui *ui = s->ui;

	switch (n->ev) {
	case DSESSION_EV_READY:
		s->stale = true;
		sync_view(s);
		ui_status(ui, THEME_OK, "%u to dial, %u skipped: %s", s->v.snap->stats.waiting,
		          s->v.snap->stats.skipped,
		          s->v.snap->phase == DSESSION_DIALING ? "dialling" : "Space starts");
		break;
	case DSESSION_EV_FAILED:
		ui_status(ui, THEME_ERROR, "the session cannot go on: %s", n->text);
		break;
	case DSESSION_EV_CHANGED:
		/* Copied at the next draw, once per loop turn however many legs changed. */
		if (n->pool)
			sessview_pool_note(&s->v, n->pool);
		if (n->pool && n->pool->a)
			tick_start(s);
		break;
	case DSESSION_EV_WRAPUP:
		/* The picker opens at once, on a fresh copy of the session (the wrap-up's call),
		 * through the manager since this is no key handler; w opens it again if the rep
		 * closes it. */
		s->stale = true;
		sync_view(s);
		if (open_picker(s) == UI_PUSH)
			ui_react(ui, UI_PUSH);
		else
			ui_status(ui, THEME_WARNING,
			          "the call ended: w opens the disposition picker");
		break;
	case DSESSION_EV_RECORD:
		if (n->rec && n->rec->kind == CALLREC_CONNECTED)
			ui_status(ui, n->rec->outbox_id ? THEME_OK : THEME_WARNING, "%s%s%s",
			          n->rec->outbox_id ? "logged" : "not logged",
			          n->rec->disposition[0] ? ": " : "", n->rec->disposition);
		else if (n->rec && n->rec->err)
			ui_status(ui, THEME_WARNING, "a call was not logged: %s", n->rec->text);
		break;
	case DSESSION_EV_WARNING:
		ui_status(ui, THEME_WARNING, "%s", n->text);
		break;
	case DSESSION_EV_SKIPPED:
		break;
	case DSESSION_EV_DONE:
		ui_status(ui, THEME_OK, "the list is done: q ends the session");
		break;
	case DSESSION_EV_STOPPED:
		ui_status(ui, THEME_OK, "session ended: every line is hung up");
		break;
	}
	ui_dirty(ui);
}

/* Starts the session on the target: the API client first (the list is read live). */
static int start_session(struct session *s, const struct dsession_target *t)
{
	const struct config *cfg = ui_config(s->ui);
	struct dsession_opts o;
	struct core *c;
	char why[512];
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return ENOMEM;
	c->ui = s->ui;
	c->s = s;
	loop_job_init(&c->free_job);
	/* The TUI's one Salesloft session: its client and the store connection it writes
	 * through (the rate budget is shared with the sync). */
	(void)ui_session_start(s->ui);
	if (!ui_api(s->ui) || !slapi_connected(ui_api(s->ui))) {
		ui_status(s->ui, THEME_ERROR, "not connected: run loftdial connect");
		err = EACCES;
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.target = *t;
	o.mode = DSESSION_PARALLEL;
	o.ask = true;
	o.data_dir = ui_paths(s->ui)->data_dir;
	if (getenv("LOFTDIAL_TEST_NOW"))
		o.now = session_now();
	err = dsession_new(&c->d, ui_api(s->ui), ui_session_store(s->ui), cfg, &o, on_dsession, c,
	                   why, sizeof(why));
	if (err) {
		c->d = NULL;
		ui_status(s->ui, THEME_ERROR, "the session cannot start: %s", why);
		goto out;
	}
	log_info("ui", "dial session opened on %s", t->label[0] ? t->label : "a list");
	s->core = c;
	s->d = c->d;
	s->stale = true;
out:
	if (err)
		core_free(c);
	return err;
}

static int session_open(struct ui *ui, void **state)
{
	struct session *s = calloc(1, sizeof(*s));
	size_t alen = 0;
	const struct dsession_target *t = ui_open_arg(ui, &alen);
	int err;

	if (!s)
		return ENOMEM;
	s->ui = ui;
	tmr_init(&s->tick);
	err = sessview_init(&s->v, ui_store(ui));
	if (err) {
		free(s);
		return err;
	}
	s->v.now = session_now();
	if (t && alen == sizeof(*t))
		(void)start_session(s, t);
	*state = s;
	return 0;
}

static void session_resize(struct ui *ui, void *state, int rows, int cols)
{
	struct session *s = state;

	sessview_resize(&s->v, rows, cols);
}

/* A control's answer on the status line: "what" worked, or why not. */
static int said(struct session *s, int err, const char *what)
{
	if (!err)
		ui_status(s->ui, THEME_OK, "%s", what);
	else if (err == ENOENT)
		ui_status(s->ui, THEME_MUTED, "%s: no call is connected", what);
	else
		ui_status(s->ui, THEME_WARNING, "%s: %s", what, strerror(err));
	s->stale = true;
	return UI_REDRAW;
}

/* q (back) and Q (quit): with a call live the first press asks; the same key again lets
 * the manager close the screen, whose close hangs every line up. */
static int end_key(struct session *s, int action)
{
	if (!s->d || !sessview_live(&s->v) || (s->confirm_end && s->confirm_action == action))
		return UI_NONE;
	s->confirm_end = true;
	s->confirm_action = action;
	ui_status(s->ui, THEME_WARNING,
	          "a call is live: %s again hangs up and %s, any other key "
	          "goes on",
	          action == UI_ACT_QUIT ? "Q" : "q",
	          action == UI_ACT_QUIT ? "quits" : "ends the session");
	return UI_REDRAW;
}

static int session_key(struct ui *ui, void *state, int action)
{
	struct session *s = state;
	const struct dsession_snapshot *sn;
	char digit[2];
	int err;

	sync_view(s);
	sn = s->v.snap;
	if (action == UI_ACT_BACK && s->v.card) {
		s->v.card = false;
		return UI_REDRAW;
	}
	if (action == UI_ACT_BACK || action == UI_ACT_QUIT)
		return end_key(s, action);
	s->confirm_end = false;
	if (action == UI_ACT_SELECT || action == SESS_CARD) {
		if (!sessview_card_open(&s->v, s->d, action == UI_ACT_SELECT))
			ui_status(ui, THEME_MUTED, "nobody to show");
		return UI_REDRAW;
	}
	if (!s->d) {
		if (action >= UI_ACT_SCREEN) {
			ui_status(ui, THEME_MUTED, "no session: pick a list on the Lists screen");
			return UI_REDRAW;
		}
		return ui_list_key(&s->v.list, action, s->v.queue_rows);
	}
	switch (action) {
	case SESS_START:
		if (sn->phase == DSESSION_READY)
			return said(s, dsession_start(s->d), "dialling");
		if (sn->phase == DSESSION_LOADING) {
			ui_status(ui, THEME_MUTED, "the list is still being read");
			return UI_REDRAW;
		}
		if (sn->phase == DSESSION_PAUSED)
			return said(s, dsession_pause(s->d, false), "dialling again");
		return said(s, dsession_pause(s->d, true),
		            "paused: calls live go on, nothing new is dialled");
	case SESS_LINES_UP:
	case SESS_LINES_DOWN: {
		unsigned n = sn->lines_rep + (action == SESS_LINES_UP ? 1 : 0);
		char what[64];

		if (action == SESS_LINES_DOWN)
			n = sn->lines_rep > 1 ? sn->lines_rep - 1 : 1;
		err = dsession_set_lines(s->d, n);
		if (err == ERANGE) {
			ui_status(ui, THEME_MUTED, "lines: 1 to %u", sn->lines_max);
			return UI_REDRAW;
		}
		text_printf(what, sizeof(what), "%u line%s", n, n == 1 ? "" : "s");
		return said(s, err, what);
	}
	case SESS_MODE:
		return said(s,
		            dsession_set_mode(s->d, sn->mode == DSESSION_PARALLEL
		                                            ? DSESSION_PREVIEW
		                                            : DSESSION_PARALLEL),
		            sn->mode == DSESSION_PARALLEL ? "preview: one at a time, d dials"
		                                          : "parallel lines");
	case SESS_DIAL_NEXT:
		err = dsession_dial_next(s->d);
		if (err == EINVAL) {
			ui_status(ui, THEME_MUTED, "parallel mode dials by itself (p: preview)");
			return UI_REDRAW;
		}
		if (err == EBUSY) {
			ui_status(ui, THEME_MUTED,
			          "a line is busy or a call waits for its wrap-up");
			return UI_REDRAW;
		}
		if (err == ENOENT) {
			ui_status(ui, THEME_MUTED, "nobody is left to dial");
			return UI_REDRAW;
		}
		return said(s, err, "dialling");
	case SESS_SKIP: {
		size_t i;

		if (!sessview_skip_target(&s->v, &i)) {
			ui_status(ui, THEME_MUTED, "nobody selected to skip");
			return UI_REDRAW;
		}
		err = dsession_skip(s->d, i);
		if (err == EALREADY) {
			ui_status(ui, THEME_MUTED, "only a prospect still waiting can be skipped");
			return UI_REDRAW;
		}
		return said(s, err, "skipped");
	}
	case SESS_HANGUP:
		return said(s, dsession_hangup(s->d), "hung up");
	case SESS_MUTE:
		err = dsession_mute(s->d, !s->v.muted);
		if (!err)
			s->v.muted = !s->v.muted;
		return said(s, err, s->v.muted ? "muted" : "unmuted");
	case SESS_HOLD:
		err = dsession_hold(s->d, !s->v.held);
		if (!err)
			s->v.held = !s->v.held;
		return said(s, err, s->v.held ? "on hold" : "resumed");
	case SESS_REDIAL:
		err = dsession_redial(s->d);
		if (err == ENOENT) {
			ui_status(ui, THEME_MUTED, "no call has ended yet to redial");
			return UI_REDRAW;
		}
		return said(s, err, "redialling the last number");
	case SESS_VOICEMAIL:
		err = dsession_voicemail_drop(s->d);
		if (err == ENOTSUP) {
			ui_status(ui, THEME_WARNING,
			          "voicemail drop is not available (no recording?)");
			return UI_REDRAW;
		}
		return said(s, err, "leaving the voicemail");
	case SESS_WRAPUP:
		if (!sn->wrapup.waiting) {
			ui_status(ui, THEME_MUTED, "no call waits for its wrap-up");
			return UI_REDRAW;
		}
		return open_picker(s);
	default:
		break;
	}
	if (action >= SESS_DTMF_0 && action <= SESS_DTMF_LAST) {
		digit[0] = "0123456789*#"[action - SESS_DTMF_0];
		digit[1] = '\0';
		err = dsession_dtmf(s->d, digit);
		if (err == ENOENT) {
			ui_status(ui, THEME_MUTED, "%s: digits go to a connected call only", digit);
			return UI_REDRAW;
		}
		return said(s, err, digit);
	}
	err = ui_list_key(&s->v.list, action, s->v.queue_rows);
	if (err != UI_NONE)
		sessview_refocus(&s->v, s->d);
	return err;
}

/* `/` on a screen without a session: "cadence ID", "tasks [BUCKETS]" or "person ID" opens
 * that list (the Lists screen is the usual way in). */
static int session_search(struct ui *ui, void *state, const char *text)
{
	struct session *s = state;
	struct dsession_target t;
	char buf[256], *p = buf, *kind, *arg;
	long long id = 0;

	if (s->d) {
		ui_status(ui, THEME_WARNING, "a session is open here: q ends it first");
		return UI_REDRAW;
	}
	memset(&t, 0, sizeof(t));
	text_copy(buf, sizeof(buf), text);
	kind = text_word(&p);
	arg = text_word(&p);
	if (arg && (!strcmp(kind, "cadence") || !strcmp(kind, "person"))) {
		char *end;

		id = strtoll(arg, &end, 10);
		if (*end || id <= 0)
			id = 0;
	}
	if (kind && !strcmp(kind, "cadence") && id > 0 && !text_word(&p)) {
		t.cadence_id = id;
		sessview_record_name(ui_store(ui), STORE_CADENCES, id, t.label, sizeof(t.label));
		if (!t.label[0])
			text_printf(t.label, sizeof(t.label), "cadence %lld", id);
	} else if (kind && !strcmp(kind, "person") && id > 0 && !text_word(&p)) {
		t.person_id = id;
		text_printf(t.label, sizeof(t.label), "person %lld", id);
	} else if (kind && !strcmp(kind, "tasks") && !text_word(&p) &&
	           (!arg || !diallist_buckets_parse(arg, &t.buckets))) {
		t.tasks = true;
		text_printf(t.label, sizeof(t.label), "call tasks%s%s", arg ? " " : "",
		            arg ? arg : "");
	} else {
		ui_status(ui, THEME_WARNING,
		          "dial what? / cadence ID, / tasks [overdue,today,...] or / person ID");
		return UI_REDRAW;
	}
	(void)start_session(s, &t);
	return UI_REDRAW;
}

/* The hint row: the main keys as the keymap has them now. */
static void hint(struct ui *ui, char *out, size_t n)
{
	static const struct {
		int id, id2; /* id2: a second action shown with the same label */
		const char *label;
	} shown[] = {
	        {SESS_START, 0, "start"},   {SESS_LINES_UP, SESS_LINES_DOWN, "lines"},
	        {SESS_MODE, 0, "mode"},     {SESS_SKIP, 0, "skip"},
	        {SESS_HANGUP, 0, "hangup"}, {SESS_MUTE, 0, "mute"},
	        {SESS_HOLD, 0, "hold"},     {SESS_WRAPUP, 0, "log"},
	};
	struct keymap *km = ui_keymap(ui);
	int scope = keymap_scope(km, "session"), key;
	char kn[KEYMAP_NAME_MAX], kn2[KEYMAP_NAME_MAX];
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		if (!keymap_keys_of(km, scope, scope, shown[i].id, &key, 1))
			continue;
		keymap_key_name(key, kn, sizeof(kn));
		kn2[0] = '\0';
		if (shown[i].id2 && keymap_keys_of(km, scope, scope, shown[i].id2, &key, 1))
			keymap_key_name(key, kn2, sizeof(kn2));
		if (text_printf(out + len, n - len, "%s%s%s%s %s", len ? "  " : "", kn,
		                kn2[0] ? "/" : "", kn2, shown[i].label))
			break;
		len = strlen(out);
	}
}

static void session_draw(struct ui *ui, void *state, WINDOW *w, int rows, int cols)
{
	struct session *s = state;
	char keys[256];

	sync_view(s);
	s->v.now = session_now();
	hint(ui, keys, sizeof(keys));
	sessview_draw(ui, &s->v, w, rows, cols, keys);
}

static void session_close(struct ui *ui, void *state)
{
	struct session *s = state;
	struct core *c = s->core;

	tmr_cancel(&s->tick);
	if (c) {
		/* A session not yet stopped is stopped now and left to the manager, which runs
		 * the loop on until every line is hung up and the engines are gone. */
		c->s = NULL;
		if (!c->stopped)
			dsession_stop(c->d);
		if (!c->stopped && !ui_linger(ui, c, core_free)) {
			c->lingering = true;
			log_info("ui", "dial session ending: hanging up");
		} else {
			core_free(c);
		}
	}
	sessview_free(&s->v);
	free(s);
}

const struct screen_ops screen_session = {
        .name = "session",
        .title = "Session",
        .keys = "",
        .actions = session_actions,
        .nactions = NACTIONS,
        .about = "A dial session on one list (a cadence's due calls, your call tasks): the "
                 "queue with each prospect's local time, number and whether the gates let "
                 "them be dialled (skipped ones stay, greyed, with the reason); one lane per "
                 "line with its state, time, who and the outcome as it happens; the card of "
                 "the person on the line (account, phones, the step or task and its "
                 "instructions, the last calls with their notes); and the session's figures "
                 "(dials, connects, rate, dials per hour, talk time, the 30-day abandonment "
                 "share against its ceiling). Parallel mode dials up to nine lines at once "
                 "and the first person who answers gets you; preview mode shows the next "
                 "card and dials on d. When a connected call ends, the disposition picker "
                 "opens. Digits send DTMF while a call is connected. q with a call live asks "
                 "first.",
        .open = session_open,
        .key = session_key,
        .draw = session_draw,
        .resize = session_resize,
        .search = session_search,
        .close = session_close,
};

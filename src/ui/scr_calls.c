/*
 * The Calls screen: the call history the store keeps (calllog.h: the dial attempts, the calls
 * loftdial logged through the outbox and the calls synced from Salesloft), newest first, one
 * row per call with when, who, the number, the attempt's outcome, the disposition and
 * sentiment, the talk time and whether (and how far) it was logged.
 *
 * Filters: o cycles the outcome (every call, or the attempts with one outcome), t cycles the
 * period (all, today, 7 days, 30 days), both asked of the store; / narrows the rows as the rep
 * types (every word must appear in the row's text, date and time included, any ASCII case);
 * x clears them all; q or Esc clears the typed filter before it closes the screen. Enter opens
 * the contact card of the row's person (the Contacts screen's card).
 *
 * The history is read again only when it may have changed: calllog_stamp() (one PRAGMA) is
 * looked at once a second while the screen is open, and the rows are read when it moved, when
 * a filter changed, and when the sender or the sync says it finished something. Every field
 * is hostile text and is drawn through ui_text().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <re.h>

#include "loftdial/calllog.h"
#include "loftdial/loop.h"
#include "loftdial/text.h"

#include "screen.h"
#include "uisvc.h"

#define CALLS_MAX      500  /* rows read from the store */
#define CALLS_CHECK_MS 1000 /* how often the change stamp is looked at */

enum calls_action {
	CALLS_OUTCOME = UI_ACT_SCREEN,
	CALLS_PERIOD,
	CALLS_CLEAR,
};

static const struct keymap_action calls_actions[] = {
        {CALLS_OUTCOME, "outcome", "o", "Show the next outcome only (all, connected, busy, ...)"},
        {CALLS_PERIOD, "period", "t", "Show the next period (all, today, 7 days, 30 days)"},
        {CALLS_CLEAR, "clear-filters", "x", "Clear the outcome, period and text filters"},
};

/* The outcome filter's steps ("" = every call). */
static const char *const outcomes[] = {
        "",         "connected",      "voicemail", "no_answer", "busy",
        "rejected", "invalid_number", "network",   "failed",    "cancelled",
};
#define NOUTCOMES (sizeof(outcomes) / sizeof(outcomes[0]))

/* The period filter's steps: days back from today's local midnight (0 = all; 1 = today). */
static const int periods[] = {0, 1, 7, 30};
#define NPERIODS (sizeof(periods) / sizeof(periods[0]))

struct calls {
	struct ui *ui;
	struct calllog *rows;
	size_t nrows;
	size_t *view; /* the rows the text filter lets through (indices into rows) */
	struct ui_list list;
	char filter[128];
	size_t outcome, period;
	uint64_t stamp;
	bool have_stamp, watching;
	struct tmr check_tmr;
	struct loop_job reload_job;
	int rows_shown;
	char err[160]; /* why the last reading failed, "" when it did not */
};

/* The outcome as the rep reads it. */
static const char *outcome_label(const char *o, bool live)
{
	static const struct {
		const char *name, *label;
	} labels[] = {
	        {"connected", "connected"}, {"voicemail", "voicemail"},
	        {"no_answer", "no answer"}, {"busy", "busy"},
	        {"rejected", "rejected"},   {"invalid_number", "invalid"},
	        {"network", "network"},     {"failed", "failed"},
	        {"cancelled", "cancelled"},
	};
	size_t i;

	if (live)
		return "live";
	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (!strcmp(o, labels[i].name))
			return labels[i].label;
	return o[0] ? o : "-";
}

/* The record's state as the rep reads it: "" (an attempt nothing was logged for) is "-". */
static const char *state_label(const struct calllog *c)
{
	return c->state[0] ? c->state : "-";
}

/* When, in the rep's local time: "YYYY-MM-DD HH:MM" or, narrow, "MM-DD HH:MM". */
static void when_text(int64_t at, bool wide, char *out, size_t n)
{
	time_t t = (time_t)at;
	struct tm tm;

	out[0] = '\0';
	if (at > 0 && localtime_r(&t, &tm))
		strftime(out, n, wide ? "%Y-%m-%d %H:%M" : "%m-%d %H:%M", &tm);
}

/* True when word appears in s, ASCII letters in any case. */
/* True when every blank-separated word of the filter appears in the row's text. */
static bool matches(const struct calllog *c, const char *filter)
{
	char hay[1400], when[32];

	when_text(c->at, true, when, sizeof(when));
	text_printf(hay, sizeof(hay), "%s|%s|%s|%s|%s|%s|%s|%s", when, c->person, c->number,
	            outcome_label(c->outcome, c->live), c->disposition, c->sentiment, c->state,
	            c->notes);
	return text_has_words(hay, filter);
}

/* Rebuilds the filtered view, keeping the selected call when it is still shown. */
static void refilter(struct calls *s, const struct calllog *keep)
{
	size_t i, n = 0;

	s->list.sel = 0;
	for (i = 0; i < s->nrows; i++) {
		const struct calllog *c = &s->rows[i];

		if (!matches(c, s->filter))
			continue;
		if (keep && c->attempt_id == keep->attempt_id && c->outbox_id == keep->outbox_id &&
		    c->call_id == keep->call_id)
			s->list.sel = n;
		s->view[n++] = i;
	}
	s->list.count = n;
	if (s->list.top > s->list.sel)
		s->list.top = s->list.sel;
	ui_list_fit(&s->list, s->rows_shown);
}

static int add_row(const struct calllog *c, void *arg)
{
	struct calls *s = arg;

	if (s->nrows >= CALLS_MAX)
		return 1;
	s->rows[s->nrows++] = *c;
	return 0;
}

/* Local midnight days - 1 days ago (days 1: today's). */
static int64_t days_back(int days)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday -= days - 1;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

/* Reads the history again with the store-side filters, keeping the selected call. */
static void reload(struct calls *s)
{
	struct store *st = ui_store(s->ui);
	struct calllog_query q = {.outcome = outcomes[s->outcome], .limit = CALLS_MAX};
	struct calllog keep;
	bool have_keep = false;
	int err;

	if (s->list.sel < s->list.count) {
		keep = s->rows[s->view[s->list.sel]];
		have_keep = true;
	}
	s->nrows = 0;
	s->err[0] = '\0';
	if (periods[s->period])
		q.since = days_back(periods[s->period]);
	if (!st) {
		text_copy(s->err, sizeof(s->err), "the database could not be opened (see the log)");
	} else {
		err = calllog_list(st, &q, add_row, s);
		if (err && err != 1)
			text_printf(s->err, sizeof(s->err),
			            "the call history could not be read: %s", strerror(err));
	}
	refilter(s, have_keep ? &keep : NULL);
	ui_dirty(s->ui);
}

static void reload_job(void *arg)
{
	reload(arg);
}

/* Once a second: read again only when something was committed since the last reading. */
static void check(void *arg)
{
	struct calls *s = arg;
	uint64_t stamp;

	if (ui_store(s->ui) && calllog_stamp(ui_store(s->ui), &stamp) == 0 &&
	    (!s->have_stamp || stamp != s->stamp)) {
		s->stamp = stamp;
		s->have_stamp = true;
		reload(s);
	}
	tmr_start(&s->check_tmr, CALLS_CHECK_MS, check, s);
}

/* The sender sent or gave up on a record, a sync finished: read again in this turn. */
static void on_session(struct ui *ui, const struct ui_session_note *n, void *arg)
{
	struct calls *s = arg;

	(void)ui;
	if ((n->ev == UI_SESSION_SEND && n->send && n->send->ev != OUTSEND_SENDING &&
	     n->send->ev != OUTSEND_IDLE) ||
	    (n->ev == UI_SESSION_SYNC && n->sync && n->sync->ev == SYNCSVC_RUN_DONE))
		loop_defer(&s->reload_job, reload_job, s);
}

static int calls_open(struct ui *ui, void **state)
{
	struct calls *s = calloc(1, sizeof(*s));

	if (!s)
		return ENOMEM;
	s->rows = calloc(CALLS_MAX, sizeof(*s->rows));
	s->view = calloc(CALLS_MAX, sizeof(*s->view));
	if (!s->rows || !s->view) {
		free(s->rows);
		free(s->view);
		free(s);
		return ENOMEM;
	}
	s->ui = ui;
	s->rows_shown = 1;
	tmr_init(&s->check_tmr);
	loop_job_init(&s->reload_job);
	s->watching = ui_session_watch(ui, on_session, s) == 0;
	check(s); /* the first reading, and the timer */
	*state = s;
	return 0;
}

static void calls_resize(struct ui *ui, void *state, int rows, int cols)
{
	struct calls *s = state;

	(void)ui;
	(void)cols;
	s->rows_shown = rows > 3 ? rows - 3 : 1;
	ui_list_fit(&s->list, s->rows_shown);
}

/* Enter: the card of the selected call's person. */
static int open_card(struct ui *ui, struct calls *s)
{
	const struct calllog *c;
	int err;

	if (s->list.sel >= s->list.count)
		return UI_NONE;
	c = &s->rows[s->view[s->list.sel]];
	if (c->person_id <= 0) {
		ui_status(ui, THEME_WARNING, "no person is known for the call to %s",
		          c->number[0] ? c->number : "an unknown number");
		return UI_REDRAW;
	}
	err = ui_push_arg(ui, "contacts", &c->person_id, sizeof(c->person_id));
	if (err == 0)
		return UI_PUSH;
	ui_status(ui, THEME_ERROR, "the contact card cannot open: %s", strerror(err));
	return UI_REDRAW;
}

static int calls_key(struct ui *ui, void *state, int action)
{
	struct calls *s = state;

	switch (action) {
	case CALLS_OUTCOME:
		s->outcome = (s->outcome + 1) % NOUTCOMES;
		reload(s);
		return UI_REDRAW;
	case CALLS_PERIOD:
		s->period = (s->period + 1) % NPERIODS;
		reload(s);
		return UI_REDRAW;
	case CALLS_CLEAR:
		s->outcome = s->period = 0;
		s->filter[0] = '\0';
		reload(s);
		return UI_REDRAW;
	case UI_ACT_BACK:
		if (!s->filter[0])
			return UI_NONE;
		s->filter[0] = '\0';
		refilter(s, NULL);
		return UI_REDRAW;
	case UI_ACT_SELECT:
		return open_card(ui, s);
	default:
		return ui_list_key(&s->list, action, s->rows_shown);
	}
}

/* The / prompt's text, as typed and on Enter. */
static int calls_filter(struct ui *ui, void *state, const char *text)
{
	struct calls *s = state;

	(void)ui;
	text_copy(s->filter, sizeof(s->filter), text);
	refilter(s, NULL);
	return UI_REDRAW;
}

/* The first key bound to a screen action, as the help names it ("?" when none is). */
static void key_of(struct ui *ui, int id, char *out, size_t n)
{
	int scope = keymap_scope(ui_keymap(ui), "calls"), key;

	if (keymap_keys_of(ui_keymap(ui), scope, scope, id, &key, 1))
		keymap_key_name(key, out, n);
	else
		text_copy(out, n, "-");
}

/* Column widths at a width: when, person, number, outcome, disposition, sentiment (0 when
 * narrow), talk time, logged state. */
static void columns(int cols, int w[8])
{
	int rest;

	w[0] = cols >= 100 ? 16 : 11;
	w[2] = cols >= 100 ? 16 : 13;
	w[3] = 9;
	w[6] = 5;
	w[7] = 8;
	rest = cols - 2 - w[0] - w[2] - w[3] - w[6] - w[7] - 7; /* margins, gaps */
	if (cols >= 100) {
		rest -= 1;
		w[1] = rest * 4 / 10;
		w[4] = rest * 3 / 10;
		w[5] = rest - w[1] - w[4];
	} else {
		w[1] = rest * 55 / 100;
		w[4] = rest - w[1];
		w[5] = 0;
	}
}

static void calls_draw(struct ui *ui, void *state, WINDOW *w, int rows, int cols)
{
	static const char *const heads[8] = {"When",        "Person",    "Number", "Outcome",
	                                     "Disposition", "Sentiment", "Talk",   "Logged"};
	struct calls *s = state;
	char ko[KEYMAP_NAME_MAX], kt[KEYMAP_NAME_MAX], period[16];
	int cw[8], y, x, k;
	size_t i;

	key_of(ui, CALLS_OUTCOME, ko, sizeof(ko));
	key_of(ui, CALLS_PERIOD, kt, sizeof(kt));
	if (periods[s->period] == 1)
		text_copy(period, sizeof(period), "today");
	else if (periods[s->period])
		text_printf(period, sizeof(period), "%d days", periods[s->period]);
	else
		text_copy(period, sizeof(period), "all");
	if (s->err[0]) {
		wattron(w, ui_attr(ui, THEME_ERROR));
		ui_text(ui, w, 0, 1, cols - 2, s->err, false);
		wattroff(w, ui_attr(ui, THEME_ERROR));
	} else {
		ui_textf(ui, w, 0, 1, cols - 2, false,
		         "%zu%s calls   %s outcome: %s   %s period: %s%s%s%s", s->list.count,
		         s->nrows >= CALLS_MAX ? "+" : "", ko,
		         outcomes[s->outcome][0] ? outcome_label(outcomes[s->outcome], false)
		                                 : "all",
		         kt, period, s->filter[0] ? "   filter: '" : "", s->filter,
		         s->filter[0] ? "'" : "");
	}
	columns(cols, cw);
	wattron(w, ui_attr(ui, THEME_HEADER));
	for (x = 1, k = 0; k < 8; k++) {
		if (!cw[k])
			continue;
		ui_text(ui, w, 1, x, cw[k], heads[k], true);
		x += cw[k] + 1;
	}
	wattroff(w, ui_attr(ui, THEME_HEADER));
	if (s->list.count == 0 && !s->err[0]) {
		wattron(w, ui_attr(ui, THEME_MUTED));
		ui_text(ui, w, 2, 1, cols - 2,
		        s->nrows || s->filter[0] || s->outcome || s->period
		                ? "No call matches the filters (x clears them)."
		                : "No calls yet: dial from Lists, or sync the calls (s on Home).",
		        false);
		wattroff(w, ui_attr(ui, THEME_MUTED));
	}
	for (y = 2, i = s->list.top; i < s->list.count && y < rows; i++, y++) {
		const struct calllog *c = &s->rows[s->view[i]];
		bool sel = i == s->list.sel;
		enum theme_elem e = sel                                ? THEME_SELECTED
		                    : !strcmp(c->state, "failed")      ? THEME_ERROR
		                    : c->live                          ? THEME_OK
		                    : !strcmp(c->outcome, "cancelled") ? THEME_MUTED
		                                                       : THEME_DEFAULT;
		char when[32], talk[16];
		const char *cell[8];
		attr_t a = ui_attr(ui, e);

		when_text(c->at, cw[0] > 11, when, sizeof(when));
		if (c->duration_s > 0)
			text_printf(talk, sizeof(talk), "%lld:%02lld",
			            (long long)(c->duration_s / 60),
			            (long long)(c->duration_s % 60));
		else
			text_copy(talk, sizeof(talk), "-");
		cell[0] = when;
		cell[1] = c->person[0] ? c->person : "-";
		cell[2] = c->number[0] ? c->number : "-";
		cell[3] = outcome_label(c->outcome, c->live);
		cell[4] = c->disposition[0] ? c->disposition : "-";
		cell[5] = c->sentiment[0] ? c->sentiment : "-";
		cell[6] = talk;
		cell[7] = state_label(c);
		wattron(w, a);
		/* The whole row first, so the gaps between columns carry the row's colours. */
		ui_text(ui, w, y, 0, cols, "", true);
		for (x = 1, k = 0; k < 8; k++) {
			if (!cw[k])
				continue;
			ui_text(ui, w, y, x, cw[k], cell[k], true);
			x += cw[k] + 1;
		}
		wattroff(w, a);
	}
}

static void calls_close(struct ui *ui, void *state)
{
	struct calls *s = state;

	tmr_cancel(&s->check_tmr);
	loop_defer_cancel(&s->reload_job);
	if (s->watching)
		ui_session_unwatch(ui, on_session, s);
	free(s->rows);
	free(s->view);
	free(s);
}

const struct screen_ops screen_calls = {
        .name = "calls",
        .title = "Calls",
        .keys = "3 A",
        .actions = calls_actions,
        .nactions = sizeof(calls_actions) / sizeof(calls_actions[0]),
        .about = "The call history in the local store, newest first: the calls loftdial dialled "
                 "(with their outcome), what was logged for them (disposition, sentiment, talk "
                 "time, and the record's state: queued, sending, sent, failed) and the calls "
                 "synced from Salesloft (synced). o shows one outcome at a time, t one period "
                 "(today, 7 days, 30 days), / narrows the rows to those with every word typed "
                 "(a name, a number, a disposition, a date such as 2026-12-06), x clears the "
                 "filters. Enter opens the card of the call's person. The list follows new calls "
                 "as they are made, logged and sent.",
        .open = calls_open,
        .key = calls_key,
        .draw = calls_draw,
        .resize = calls_resize,
        .search = calls_filter,
        .input = calls_filter,
        .close = calls_close,
};

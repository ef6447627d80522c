/*
 * The Lists screen: what the rep can dial now, read live from Salesloft through the list
 * index (dlists.h): the rep's call tasks (overdue, due today) and every cadence with phone
 * actions due for the rep, with their counts. Enter starts a dial session on the selected
 * list. People whose call record still waits in the outbox are not dialled, so their work is
 * counted apart: a Waiting column and a line over the table say how much, when there is any.
 *
 * The index is read when the screen opens, when it is on top again (back from a dial session
 * or any screen opened over it: what is due may have changed meanwhile) and on `r`, on the
 * loop, while a spinner turns
 * (a timer that runs only while the reading does, so an idle screen never wakes up); the
 * screen keeps answering keys. A reading that fails says why on the screen (not connected, a
 * refused key, a 429 with the wait, the network) and keeps the last good view under it. `/`
 * filters the rows as the rep types (every word must appear in the row's name, any case);
 * q or Esc clears a filter before it closes the screen.
 *
 * The Salesloft client is the TUI's shared one (ui_api(), uisvc.h); closing the screen
 * cancels a reading in flight.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <re.h>

#include "loftdial/config.h"
#include "loftdial/diallist.h"
#include "loftdial/dlists.h"
#include "loftdial/dsession.h"
#include "loftdial/log.h"
#include "loftdial/loop.h"
#include "loftdial/slapi.h"
#include "loftdial/text.h"

#include "screen.h"
#include "uisvc.h"

#define SPIN_MS 120

enum {
	LISTS_REFRESH = UI_ACT_SCREEN,
};

static const struct keymap_action lists_actions[] = {
        {LISTS_REFRESH, "refresh", "r", "Read the lists again from Salesloft"},
};

/* What a row of the table is. */
enum row_kind { ROW_OVERDUE, ROW_TODAY, ROW_CADENCE };

struct row {
	enum row_kind kind;
	int64_t cadence_id;
	char label[256];
	unsigned due, waiting, steps;
};

struct lists {
	struct ui *ui;
	struct dlists *dl; /* the reading in flight, NULL when none */
	struct tmr spin_tmr;
	struct loop_job resume_job; /* the reading asked for by resume, run from the loop */
	unsigned spin;
	/* The last good view. */
	struct row *rows;
	size_t nrows;
	bool have;
	time_t at;        /* when it was read */
	unsigned waiting; /* work of people waiting in the outbox, every row together */
	/* The rows the filter lets through (indices into rows). */
	size_t *view;
	struct ui_list list;
	char filter[128];
	char err[512]; /* why the last reading failed ("" when it did not) */
	int rows_shown;
};

/* True when word appears in s, ASCII letters in any case (other bytes exactly). */

/* Rebuilds the filtered view, keeping the selected row when it is still shown. */
static void refilter(struct lists *s)
{
	size_t i, n = 0, keep = SIZE_MAX;

	if (s->list.sel < s->list.count)
		keep = s->view[s->list.sel];
	for (i = 0; i < s->nrows; i++)
		if (text_has_words(s->rows[i].label, s->filter))
			s->view[n++] = i;
	s->list.count = n;
	s->list.sel = 0;
	for (i = 0; i < n; i++)
		if (s->view[i] == keep)
			s->list.sel = i;
	if (s->list.top > s->list.sel)
		s->list.top = s->list.sel;
	ui_list_fit(&s->list, s->rows_shown);
}

/* Takes a good reading as the new view. */
static int take_index(struct lists *s)
{
	size_t n = dlists_count(s->dl) + 2, i;
	struct row *rows = calloc(n, sizeof(*rows));
	size_t *view = calloc(n, sizeof(*view));
	struct dlists_tasks t;

	if (!rows || !view) {
		free(rows);
		free(view);
		return ENOMEM;
	}
	dlists_tasks(s->dl, &t);
	rows[0].kind = ROW_OVERDUE;
	rows[0].due = t.overdue;
	rows[0].waiting = t.overdue_waiting;
	rows[1].waiting = t.today_waiting;
	text_copy(rows[0].label, sizeof(rows[0].label), "Call tasks: overdue");
	rows[1].kind = ROW_TODAY;
	rows[1].due = t.today;
	text_copy(rows[1].label, sizeof(rows[1].label), "Call tasks: due today");
	for (i = 2; i < n; i++) {
		const struct dlists_cadence *c = dlists_cadence(s->dl, i - 2);

		rows[i].kind = ROW_CADENCE;
		rows[i].cadence_id = c->id;
		rows[i].due = c->due;
		rows[i].waiting = c->waiting;
		rows[i].steps = c->steps;
		text_copy(rows[i].label, sizeof(rows[i].label), c->name);
	}
	free(s->rows);
	free(s->view);
	s->rows = rows;
	s->view = view;
	s->nrows = n;
	s->waiting = 0;
	for (i = 0; i < n; i++)
		s->waiting += rows[i].waiting;
	s->have = true;
	s->at = time(NULL);
	s->list.count = 0;
	refilter(s);
	return 0;
}

static void spin_stop(struct lists *s)
{
	tmr_cancel(&s->spin_tmr);
}

/* The reading is over: the new view, or the reason over the last good one. */
static void on_index(int err, long status, const char *msg, void *arg)
{
	struct lists *s = arg;
	unsigned cadences = 0, due = 0;
	size_t i;

	spin_stop(s);
	if (!err)
		err = take_index(s);
	if (err) {
		struct slapi_stats st;
		const char *why = dlists_reason(err, status);

		slapi_stats(ui_api(s->ui), &st);
		if (!strcmp(why, "rate limited (429)"))
			text_printf(s->err, sizeof(s->err),
			            "rate limited by Salesloft (429): try again in %llu s (r)",
			            (unsigned long long)((st.blocked_ms ? st.blocked_ms : 60000) +
			                                 999) /
			                    1000);
		else if (err == EKEYREVOKED || (err == EACCES && status != 401))
			text_printf(s->err, sizeof(s->err), "%s: %s", why,
			            *slapi_auth_error(ui_api(s->ui))
			                    ? slapi_auth_error(ui_api(s->ui))
			                    : "run loftdial connect");
		else if (!strcmp(why, "network") && *slapi_unreachable(ui_api(s->ui)))
			text_printf(s->err, sizeof(s->err), "network: %s",
			            slapi_unreachable(ui_api(s->ui)));
		else
			text_printf(s->err, sizeof(s->err), "%s: %s", why, msg);
		ui_status(s->ui, THEME_ERROR, "lists not read: %s", why);
	} else {
		s->err[0] = '\0';
		for (i = 0; i < s->nrows; i++)
			if (s->rows[i].kind == ROW_CADENCE) {
				cadences++;
				due += s->rows[i].due;
			}
		if (s->waiting)
			ui_status(s->ui, THEME_OK,
			          "%u cadences with %u calls due, %u waiting in the outbox",
			          cadences, due, s->waiting);
		else
			ui_status(s->ui, THEME_OK, "%u cadences with %u calls due", cadences, due);
	}
	dlists_free(s->dl);
	s->dl = NULL;
	ui_dirty(s->ui);
}

/* Turns the spinner while the reading runs (and shows a 429's wait as it counts down). */
static void spin(void *arg)
{
	struct lists *s = arg;

	s->spin++;
	ui_dirty(s->ui);
	tmr_start(&s->spin_tmr, SPIN_MS, spin, s);
}

/* Starts a reading (r, and when the screen opens). */
static int read_lists(struct lists *s)
{
	struct dlists_opts o;
	struct slapi *api;
	char why[300];
	int err;

	if (s->dl)
		return UI_NONE; /* already reading */
	/* The session starts with the TUI when connected; after `loftdial connect` in a shell,
	 * r starts it here. */
	if (!ui_api(s->ui) && ui_session_start(s->ui) == EACCES) {
		text_copy(s->err, sizeof(s->err),
		          "not connected: run loftdial connect in a shell, then r here");
		return UI_REDRAW;
	}
	api = ui_api(s->ui);
	if (!api || !slapi_connected(api)) {
		text_printf(s->err, sizeof(s->err), "not connected: %s",
		            api ? slapi_why_not_connected(api)
		                : "the Salesloft session did not start");
		return UI_REDRAW;
	}
	memset(&o, 0, sizeof(o));
	o.operator_email = config_str(ui_config(s->ui), "salesloft.operator_email");
	err = dlists_load(&s->dl, api, ui_session_store(s->ui), &o, on_index, s, why, sizeof(why));
	if (err) {
		s->dl = NULL;
		text_printf(s->err, sizeof(s->err), "%s", why[0] ? why : strerror(err));
		return UI_REDRAW;
	}
	s->spin = 0;
	tmr_start(&s->spin_tmr, SPIN_MS, spin, s);
	return UI_REDRAW;
}

static int lists_open(struct ui *ui, void **state)
{
	struct lists *s = calloc(1, sizeof(*s));

	if (!s)
		return ENOMEM;
	s->ui = ui;
	s->rows_shown = 1;
	tmr_init(&s->spin_tmr);
	loop_job_init(&s->resume_job);
	*state = s;
	(void)read_lists(s);
	return 0;
}

/* The reading resume asked for, run from the loop's deferred queue. */
static void resume_read(void *arg)
{
	struct lists *s = arg;

	if (read_lists(s) != UI_NONE)
		ui_dirty(s->ui);
}

/* On top again: what is due may have changed under the screens above (a dial session logged
 * calls), so the lists are read again unless a reading is already running. */
static void lists_resume(struct ui *ui, void *state)
{
	struct lists *s = state;

	(void)ui;
	loop_defer(&s->resume_job, resume_read, s);
}

static void lists_resize(struct ui *ui, void *state, int rows, int cols)
{
	struct lists *s = state;

	(void)ui;
	(void)cols;
	s->rows_shown = rows > 4 ? rows - 4 : 1;
	ui_list_fit(&s->list, s->rows_shown);
}

/* Enter: hands the selected list to the dial session. */
static int start_session(struct lists *s)
{
	struct dsession_target t;
	const struct row *r;
	int err;

	if (s->list.sel >= s->list.count)
		return UI_NONE;
	r = &s->rows[s->view[s->list.sel]];
	memset(&t, 0, sizeof(t));
	t.cadence_id = r->cadence_id;
	t.tasks = r->kind != ROW_CADENCE;
	t.buckets = r->kind == ROW_OVERDUE ? DIALLIST_OVERDUE
	            : r->kind == ROW_TODAY ? DIALLIST_TODAY
	                                   : 0u;
	text_copy(t.label, sizeof(t.label), r->label);
	if (!r->due) {
		ui_status(s->ui, THEME_WARNING, "nothing is due in %s", t.label);
		return UI_REDRAW;
	}
	err = ui_push_arg(s->ui, "session", &t, sizeof(t));
	if (err == 0)
		return UI_PUSH;
	ui_status(s->ui, THEME_ERROR, "the dial session cannot open: %s", strerror(err));
	return UI_REDRAW;
}

static int lists_key(struct ui *ui, void *state, int action)
{
	struct lists *s = state;

	(void)ui;
	switch (action) {
	case LISTS_REFRESH:
		return read_lists(s) | UI_REDRAW;
	case UI_ACT_SELECT:
		return start_session(s);
	case UI_ACT_BACK:
		if (s->filter[0]) {
			s->filter[0] = '\0';
			refilter(s);
			return UI_REDRAW;
		}
		return UI_NONE;
	default:
		return ui_list_key(&s->list, action, s->rows_shown);
	}
}

/* The / prompt: filters the rows after every keystroke. */
static int lists_filter(struct ui *ui, void *state, const char *text)
{
	struct lists *s = state;

	(void)ui;
	text_copy(s->filter, sizeof(s->filter), text);
	refilter(s);
	return UI_REDRAW;
}

/* The line over the table: reading, the failure, or what the view is. */
static void draw_head(struct ui *ui, struct lists *s, WINDOW *w, int cols)
{
	static const char spinner[] = "|/-\\";
	char at[16] = "";
	struct tm tm;

	if (s->have && localtime_r(&s->at, &tm))
		strftime(at, sizeof(at), "%H:%M:%S", &tm);
	if (s->dl) {
		struct slapi_stats st;

		slapi_stats(ui_api(s->ui), &st);
		wattron(w, ui_attr(ui, st.blocked_ms ? THEME_WARNING : THEME_SYNC_RUNNING));
		if (st.blocked_ms)
			ui_textf(ui, w, 0, 1, cols - 2, false,
			         "%c rate limited by Salesloft (429): next try in %llu s",
			         spinner[s->spin % 4],
			         (unsigned long long)(st.blocked_ms + 999) / 1000);
		else
			ui_textf(ui, w, 0, 1, cols - 2, false,
			         "%c reading the lists from Salesloft (%u requests)",
			         spinner[s->spin % 4], dlists_requests(s->dl));
		wattroff(w, ui_attr(ui, st.blocked_ms ? THEME_WARNING : THEME_SYNC_RUNNING));
	} else if (s->err[0]) {
		wattron(w, ui_attr(ui, THEME_ERROR));
		ui_textf(ui, w, 0, 1, cols - 2, false, "%s", s->err);
		wattroff(w, ui_attr(ui, THEME_ERROR));
	} else if (s->have && s->waiting) {
		ui_textf(ui, w, 0, 1, cols - 2, false,
		         "Due now, read at %s; %u more waiting in the outbox (not dialled)", at,
		         s->waiting);
	} else if (s->have) {
		ui_textf(ui, w, 0, 1, cols - 2, false, "Due now, read at %s", at);
	}
	if (s->have && (s->dl || s->err[0])) {
		wattron(w, ui_attr(ui, THEME_MUTED));
		ui_textf(ui, w, 1, 1, cols - 2, false, "showing the lists read at %s", at);
		wattroff(w, ui_attr(ui, THEME_MUTED));
	}
	if (s->filter[0])
		ui_textf(ui, w, 2, 1, cols - 2, false, "%zu of %zu lists match '%s'", s->list.count,
		         s->nrows, s->filter);
}

static void lists_draw(struct ui *ui, void *state, WINDOW *w, int rows, int cols)
{
	struct lists *s = state;
	/* The Waiting column is there only while some work waits in the outbox. */
	int ww = s->waiting ? 8 : 0, name_w = cols - 2 - 2 * 7 - ww, y;
	size_t i;

	draw_head(ui, s, w, cols);
	if (!s->have) {
		if (!s->dl && !s->err[0])
			ui_text(ui, w, 2, 1, cols - 2, "r reads the lists from Salesloft.", false);
		return;
	}
	wattron(w, ui_attr(ui, THEME_HEADER));
	ui_text(ui, w, 3, 1, name_w, "List", true);
	ui_text(ui, w, 3, 1 + name_w + 1, 6, "   Due", true);
	if (ww)
		ui_text(ui, w, 3, 1 + name_w + 8, 7, "Waiting", true);
	ui_text(ui, w, 3, 1 + name_w + 8 + ww, 5, "Steps", true);
	wattroff(w, ui_attr(ui, THEME_HEADER));
	for (y = 4, i = s->list.top; i < s->list.count && y < rows; i++, y++) {
		const struct row *r = &s->rows[s->view[i]];
		bool sel = i == s->list.sel;
		attr_t a = ui_attr(ui, sel ? THEME_SELECTED : r->due ? THEME_DEFAULT : THEME_MUTED);

		wattron(w, a);
		ui_text(ui, w, y, 0, cols, "", true);
		ui_text(ui, w, y, 1, name_w, r->label, true);
		ui_textf(ui, w, y, 1 + name_w + 1, 6, true, "%6u", r->due);
		if (ww && r->waiting)
			ui_textf(ui, w, y, 1 + name_w + 8, 7, true, "%7u", r->waiting);
		if (r->kind == ROW_CADENCE)
			ui_textf(ui, w, y, 1 + name_w + 8 + ww, 5, true, "%5u", r->steps);
		wattroff(w, a);
	}
	if (s->list.count == 0 && y < rows)
		ui_text(ui, w, y, 1, cols - 2, "No list matches the filter (q clears it).", false);
}

static void lists_close(struct ui *ui, void *state)
{
	struct lists *s = state;

	(void)ui;
	spin_stop(s);
	loop_defer_cancel(&s->resume_job);
	dlists_free(s->dl);
	free(s->rows);
	free(s->view);
	free(s);
}

const struct screen_ops screen_lists = {
        .name = "lists",
        .title = "Lists",
        .keys = "6 D",
        .actions = lists_actions,
        .nactions = sizeof(lists_actions) / sizeof(lists_actions[0]),
        .about = "What you can dial now, read live from Salesloft: your call tasks (overdue, "
                 "due today) and every cadence with phone steps due for you, with how many "
                 "calls are due, read again whenever the screen comes back on top (after a dial "
                 "session). r reads them again; / filters as you type (q clears the "
                 "filter); Enter starts a dial session on the selected list. When a reading "
                 "fails the reason shows above the last lists read.",
        .open = lists_open,
        .key = lists_key,
        .draw = lists_draw,
        .resize = lists_resize,
        .resume = lists_resume,
        .search = lists_filter,
        .input = lists_filter,
        .close = lists_close,
};

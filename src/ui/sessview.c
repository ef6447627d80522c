/*
 * sessview: the dial session screen's copy of the session and its layout (sessview.h).
 *
 * Layout, top to bottom: the list's name with the mode, line count and phase; the figures;
 * one lane per line; then the queue, or at 24 rows the card of the person on the line (while
 * a call is connected, waits for its wrap-up, or the preview shows the next one). From 34
 * rows (36 lines, e.g. 120x40) the queue stays and the card has a band of its own below it
 * (the selected prospect's when nobody is on the line), from 100 columns with the notes
 * beside the details. The last row names the screen's keys. Columns are cut by display width
 * (ui_text), so hostile names, titles and notes never move the columns after them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "loftdial/records.h"
#include "loftdial/text.h"
#include "loftdial/twidth.h"
#include "loftdial/tzone.h"

#include "sessview.h"

#define CHUNK        32  /* entries copied per dsession_entries call */
#define TALL_ROWS    34  /* from here the card has a band of its own below the queue */
#define CARD_ROWS    14  /* that band's height */
#define SPLIT_COLS   100 /* from here the card's notes sit beside its details */
#define LANE_STATE_W 16  /* the longest state, "connected, muted", whole */
#define NUMBER_W     15

int sessview_init(struct sessview *v, struct store *st)
{
	memset(v, 0, sizeof(*v));
	v->st = st;
	v->snap = calloc(1, sizeof(*v->snap));
	v->chunk = calloc(CHUNK, sizeof(*v->chunk));
	v->cardent = calloc(1, sizeof(*v->cardent));
	if (!v->snap || !v->chunk || !v->cardent) {
		sessview_free(v);
		return ENOMEM;
	}
	dsession_snapshot(NULL, v->snap);
	v->queue_rows = 1;
	return 0;
}

void sessview_free(struct sessview *v)
{
	free(v->snap);
	free(v->rows);
	free(v->chunk);
	free(v->cardent);
	memset(v, 0, sizeof(*v));
}

/* The name to show: display_name, else first and last. */
static void name_of(const struct contact *c, char *out, size_t n)
{
	if (c->display_name[0])
		text_copy(out, n, c->display_name);
	else
		text_printf(out, n, "%s%s%s", c->first_name, c->first_name[0] ? " " : "",
		            c->last_name);
}

/* One entry into its compact row. */
static void row_of(const struct dsession_entry *e, struct sessrow *r)
{
	const struct contact *c = &e->e.c;

	memset(r, 0, sizeof(*r));
	r->state = e->state;
	r->person_id = e->e.person_id;
	name_of(c, r->name, sizeof(r->name));
	if (!r->name[0])
		text_printf(r->name, sizeof(r->name), "person %lld", (long long)e->e.person_id);
	text_copy(r->company, sizeof(r->company), c->company);
	text_copy(r->title, sizeof(r->title), c->title);
	text_copy(r->number, sizeof(r->number), e->e.number);
	text_copy(r->locale, sizeof(r->locale), c->locale);
	text_copy(r->account_locale, sizeof(r->account_locale), c->account_locale);
	r->has_offset = c->has_utc_offset;
	r->offset_min = c->utc_offset_min;
	text_copy(r->reason, sizeof(r->reason), e->reason[0] ? e->reason : e->e.reason);
	r->line = e->line;
	r->attempt = e->attempt;
	r->outcome = e->outcome;
	text_copy(r->disposition, sizeof(r->disposition), e->disposition);
}

/* Reads the card person's last calls (only when the person changed). */
static int add_call(const struct callhist *c, void *arg)
{
	struct sessview *v = arg;

	if (v->nhist >= SESSVIEW_CALLS)
		return 1;
	v->hist[v->nhist++] = *c;
	return 0;
}

/* A string field of a stored record's JSON ("" when absent). */
static void json_field(struct store *st, enum store_obj obj, int64_t id, const char *key, char *out,
                       size_t n)
{
	char *json = NULL;
	cJSON *o, *f;

	out[0] = '\0';
	if (!st || id <= 0 || records_get_json(st, obj, id, &json))
		return;
	o = cJSON_Parse(json);
	f = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
	if (cJSON_IsString(f))
		text_copy(out, n, f->valuestring);
	cJSON_Delete(o);
	free(json);
}

void sessview_record_name(struct store *st, enum store_obj obj, int64_t id, char *out, size_t n)
{
	json_field(st, obj, id, "name", out, n);
}

/* The card's work line: the cadence and step of an action (names from the store), or the
 * task's subject; with when it is due. */
static void work_of(struct store *st, const struct diallist_entry *e, char *out, size_t n)
{
	char cad[256], step[256], due[40] = "";
	int64_t us;

	if (e->due[0] && !records_parse_time(e->due, &us)) {
		time_t t = (time_t)(us / 1000000);
		struct tm tm;

		if (gmtime_r(&t, &tm))
			strftime(due, sizeof(due), "%Y-%m-%d %H:%M UTC", &tm);
	}
	if (e->action_id) {
		json_field(st, STORE_CADENCES, e->cadence_id, "name", cad, sizeof(cad));
		json_field(st, STORE_STEPS, e->step_id, "display_name", step, sizeof(step));
		if (!step[0])
			json_field(st, STORE_STEPS, e->step_id, "name", step, sizeof(step));
		text_printf(out, n, "%s%s%s%s%s", cad[0] ? cad : "cadence", step[0] ? ": " : "",
		            step, due[0] ? ", due " : "", due);
	} else {
		text_printf(out, n, "%s%s%s", e->subject[0] ? e->subject : "call task",
		            due[0] ? ", due " : "", due);
	}
}

static void load_card(struct sessview *v, const struct dsession *d, size_t i, bool force)
{
	int64_t person;

	if (dsession_entries(d, i, v->cardent, 1) != 1) {
		v->has_cardent = false;
		return;
	}
	v->has_cardent = true;
	person = v->cardent->e.person_id;
	if (person == v->hist_person && !force)
		return;
	v->hist_person = person;
	v->hist_records = v->snap->stats.records;
	v->nhist = 0;
	work_of(v->st, &v->cardent->e, v->work, sizeof(v->work));
	if (v->st && person > 0)
		(void)callhist_person(v->st, person, SESSVIEW_CALLS, add_call, v);
}

/* Room for the queue and the card at once. */
static bool tall(const struct sessview *v)
{
	return v->height >= TALL_ROWS;
}

/* The entry the card panel shows: the person on the line, the call awaiting its wrap-up,
 * the one the preview shows next; when the screen is tall enough, else the selected row. */
static bool focus_of(const struct sessview *v, size_t *i)
{
	const struct dsession_snapshot *sn = v->snap;

	if (sn->has_connected) {
		*i = sn->connected_entry;
		return true;
	}
	if (sn->wrapup.waiting) {
		*i = sn->wrapup.entry;
		return true;
	}
	if (sn->mode == DSESSION_PREVIEW && sn->has_next) {
		*i = sn->next_entry;
		return true;
	}
	if (tall(v) && v->list.count > 0) {
		*i = v->list.sel;
		return true;
	}
	return false;
}

/* The lanes shown: the rep's line count (preview: one), and any line beyond it that still has
 * a call. */
static unsigned lanes_shown(const struct dsession_snapshot *sn)
{
	unsigned n = sn->mode == DSESSION_PREVIEW ? 1 : sn->lines_rep, i;

	if (n < 1)
		n = 1;
	for (i = n; i < sn->pool.nlines && i < PHONE_LINES_MAX; i++)
		if (sn->pool.lines[i].has_attempt)
			n = i + 1;
	return n;
}

/* The rows above the queue: the head, the figures, a gap, the lanes' header and lanes, a
 * gap; a failed session's reason too. */
static int queue_top(const struct sessview *v)
{
	return 2 + (v->snap->phase == DSESSION_FAILED && v->snap->why[0]) + 1 + 1 +
	       (int)lanes_shown(v->snap) + 1;
}

/* How many queue rows fit (the header and the keys' row taken off). */
static void layout(struct sessview *v)
{
	int n = v->height - queue_top(v) - 2 - (tall(v) ? CARD_ROWS + 1 : 0);

	v->queue_rows = n > 1 ? n : 1;
	ui_list_fit(&v->list, v->queue_rows);
}

/* Works out whose card shows and reads it when that changed (or when reload). */
static void refocus(struct sessview *v, const struct dsession *d, bool reload)
{
	v->has_focus = focus_of(v, &v->focus);
	if (v->card && v->card_sel && v->list.count)
		load_card(v, d, v->list.sel, reload);
	else if (v->has_focus)
		load_card(v, d, v->focus, reload);
}

void sessview_fill_figures(struct sessview *v, const struct dsession *d)
{
	if (d && v->filled)
		dsession_snapshot(d, v->snap);
}

void sessview_fill(struct sessview *v, const struct dsession *d)
{
	size_t n, i, got;

	if (!d)
		return;
	dsession_snapshot(d, v->snap);
	v->filled = true;
	n = v->snap->nentries;
	if (n > v->cap) {
		struct sessrow *r = realloc(v->rows, n * sizeof(*r));

		if (!r)
			n = v->cap; /* keep what fits; the next change tries again */
		else {
			v->rows = r;
			v->cap = n;
		}
	}
	for (i = 0; i < n; i += got) {
		size_t k;

		got = dsession_entries(d, i, v->chunk, n - i < CHUNK ? n - i : CHUNK);
		if (got == 0)
			break;
		for (k = 0; k < got; k++)
			row_of(&v->chunk[k], &v->rows[i + k]);
	}
	v->nrows = i < n ? i : n;
	v->list.count = v->nrows;
	/* A lane whose call ended before a frame showed it dialling: the entry knows it now. */
	for (i = 1; i <= PHONE_LINES_MAX; i++) {
		struct sesslane *l = &v->last[i];
		size_t k;

		for (k = 0; l->attempt && !l->who[0] && k < v->nrows; k++)
			if (v->rows[k].attempt == l->attempt)
				text_copy(l->who, sizeof(l->who), v->rows[k].name);
	}
	/* A new connected call starts unmuted and off hold. */
	if (v->snap->pool.connected_line) {
		const struct pool_line_snap *ls =
		        &v->snap->pool.lines[v->snap->pool.connected_line - 1];

		if (ls->has_attempt && ls->a.id != v->conn_attempt) {
			v->conn_attempt = ls->a.id;
			v->muted = v->held = false;
		}
	}
	layout(v);
	/* A record written since the card was read may be one of its person's calls. */
	refocus(v, d, v->snap->stats.records != v->hist_records);
}

void sessview_refocus(struct sessview *v, const struct dsession *d)
{
	if (d)
		refocus(v, d, false);
}

void sessview_pool_note(struct sessview *v, const struct pool_note *n)
{
	const struct pool_attempt *a = n->a;
	struct sesslane *l;
	size_t i;

	if (n->ev != POOL_EV_ENDED || !a || a->line < 1 || a->line > PHONE_LINES_MAX)
		return;
	l = &v->last[a->line];
	memset(l, 0, sizeof(*l));
	l->attempt = a->id;
	l->outcome = a->outcome;
	l->live_dropped = a->live_dropped;
	text_copy(l->reason, sizeof(l->reason), a->reason);
	text_copy(l->number, sizeof(l->number), a->e164[0] ? a->e164 : a->input);
	/* The rows are from before this end: the entry still dials on that line. */
	for (i = 0; i < v->nrows; i++) {
		const struct sessrow *r = &v->rows[i];

		if ((r->state == DSESSION_ENTRY_DIALING && r->line == a->line) ||
		    (r->attempt && r->attempt == a->id)) {
			text_copy(l->who, sizeof(l->who), r->name);
			break;
		}
	}
}

void sessview_resize(struct sessview *v, int rows, int cols)
{
	v->height = rows;
	v->width = cols;
	layout(v);
}

bool sessview_live(const struct sessview *v)
{
	return v->filled && v->snap->pool.busy > 0;
}

bool sessview_card_open(struct sessview *v, const struct dsession *d, bool sel)
{
	size_t i;

	if (!d)
		return false;
	if (!sel && v->has_focus)
		i = v->focus;
	else if (v->list.count)
		i = v->list.sel;
	else
		return false;
	v->card_sel = sel || !v->has_focus;
	load_card(v, d, i, true);
	v->card = v->has_cardent;
	return v->card;
}

bool sessview_skip_target(const struct sessview *v, size_t *i)
{
	if (v->snap->mode == DSESSION_PREVIEW && v->snap->has_next) {
		*i = v->snap->next_entry;
		return true;
	}
	if (!v->list.count)
		return false;
	*i = v->list.sel;
	return true;
}

/* ---- drawing ---- */

/* Minutes and seconds since t0 (unix ms), "" when not started. */
static void elapsed(char *out, size_t n, int64_t t0)
{
	struct timespec ts;
	int64_t now, s;

	out[0] = '\0';
	if (t0 <= 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	s = now > t0 ? (now - t0) / 1000 : 0;
	if (s >= 3600)
		text_printf(out, n, "%lld:%02lld:%02lld", (long long)(s / 3600),
		            (long long)(s / 60 % 60), (long long)(s % 60));
	else
		text_printf(out, n, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
}

/* A row's local time as "HH:MM", "" when no zone is known. */
static void local_time(const struct sessrow *r, time_t now, char *out, size_t n)
{
	struct tm tm;

	out[0] = '\0';
	if ((r->locale[0] && !tzone_local(r->locale, now, &tm)) ||
	    (r->has_offset && !tzone_fixed(r->offset_min, now, &tm)) ||
	    (r->account_locale[0] && !tzone_local(r->account_locale, now, &tm)))
		strftime(out, n, "%H:%M", &tm);
}

/* Text in an element's colours. */
static void put(const struct ui *ui, WINDOW *w, int y, int x, int cols, enum theme_elem e,
                const char *s)
{
	wattron(w, ui_attr(ui, e));
	ui_text(ui, w, y, x, cols, s, false);
	wattroff(w, ui_attr(ui, e));
}

/* The first row: the list, the mode and lines, the phase; the counts on the right. */
static int draw_head(const struct ui *ui, const struct sessview *v, WINDOW *w, int cols)
{
	const struct dsession_snapshot *sn = v->snap;
	char right[160], lines[64];
	enum theme_elem e;
	int rw, x;

	if (sn->mode == DSESSION_PREVIEW)
		text_copy(lines, sizeof(lines), "preview");
	else
		text_printf(lines, sizeof(lines), "%u line%s", sn->lines_active,
		            sn->lines_active == 1 ? "" : "s");
	text_printf(right, sizeof(right), "%u waiting  %u done  %u skipped", sn->stats.waiting,
	            sn->stats.done, sn->stats.skipped);
	rw = (int)twidth_str(right);
	/* The list's name (from Salesloft: hostile) takes at most half the row. */
	wattron(w, ui_attr(ui, THEME_HEADER));
	x = 1 + ui_text(ui, w, 0, 1, cols / 2 - 1,
	                sn->target.label[0] ? sn->target.label : "Dial list", false);
	wattroff(w, ui_attr(ui, THEME_HEADER));
	e = sn->phase == DSESSION_FAILED    ? THEME_ERROR
	    : sn->phase == DSESSION_WRAPUP  ? THEME_WARNING
	    : sn->phase == DSESSION_PAUSED  ? THEME_WARNING
	    : sn->phase == DSESSION_DIALING ? THEME_OK
	                                    : THEME_DEFAULT;
	wattron(w, ui_attr(ui, e));
	ui_textf(ui, w, 0, x, cols - x - rw - 2, false, "  %s  %s", lines,
	         dsession_phase_name(sn->phase));
	wattroff(w, ui_attr(ui, e));
	if (rw < cols - 2)
		ui_text(ui, w, 0, cols - rw - 1, rw, right, false);
	return 1;
}

/* The voicemail message the session leaves on machines (chosen once when it started): the
 * path, drawn clean and cut from the left so its file name stays in sight, and where it comes
 * from. Nothing when there is none. */
static void draw_voicemail(const struct ui *ui, const struct sessview *v, WINDOW *w, int y,
                           int cols)
{
	const struct dsession_snapshot *sn = v->snap;
	const char *from = sn->voicemail_source == VMFILE_CADENCE ? "  (the cadence's own)"
	                                                          : "  (dial.voicemail_file)";
	char clean[DSESSION_VM_FILE_MAX], shown[DSESSION_VM_FILE_MAX + 8];
	const char *p = clean;
	int room = cols - 2 - 10 - (int)strlen(from);
	size_t pw;

	if (sn->voicemail_source == VMFILE_NONE || !sn->voicemail_file[0])
		return;
	text_sanitize(clean, sizeof(clean), sn->voicemail_file, false);
	pw = twidth_str(clean);
	if (room < 8) {
		/* Too narrow for the source: the path has the row. */
		from = "";
		room = cols - 2 - 10;
	}
	if (room < 6)
		return;
	if (pw > (size_t)room) {
		/* Drop whole characters from the front until the rest and "..." fit (plain dots:
		 * the same on a terminal without UTF-8). */
		while (*p && pw > (size_t)room - 3) {
			size_t cw = 0, b = twidth_next(p, &cw);

			if (!b)
				break;
			p += b;
			pw -= cw < pw ? cw : pw;
		}
		text_printf(shown, sizeof(shown), "...%s", p);
	} else {
		text_copy(shown, sizeof(shown), clean);
	}
	put(ui, w, y, 1, 10, THEME_MUTED, "Voicemail");
	ui_textf(ui, w, y, 11, cols - 12, false, "%s%s", shown, from);
}

/* The figures: dials, connects and rate, dials per hour, talk time, abandonment against its
 * ceiling, the lines in force. */
static void draw_stats(const struct ui *ui, const struct sessview *v, WINDOW *w, int y, int cols)
{
	const struct dsession_snapshot *sn = v->snap;
	const struct dsession_stats *st = &sn->stats;
	char ab[64], lines[96], talk[32];
	long long ts = (long long)(st->talk_ms / 1000);
	bool over = st->abandon_ceiling > 0 && st->abandon_share > st->abandon_ceiling;

	text_printf(talk, sizeof(talk), "%lld:%02lld", ts / 60, ts % 60);
	if (st->abandon_ceiling > 0)
		text_printf(ab, sizeof(ab), "%.1f%% of %.0f%%", st->abandon_share * 100,
		            st->abandon_ceiling * 100);
	else
		text_printf(ab, sizeof(ab), "%.1f%%", st->abandon_share * 100);
	if (sn->lines_lowered)
		text_printf(lines, sizeof(lines), "%u (lowered from %u: abandonment)",
		            sn->lines_active, sn->lines_rep);
	else
		text_printf(lines, sizeof(lines), "%u", sn->lines_active);
	/* Over the ceiling, or lines held down by line control: the whole line says so. */
	if (over || sn->lines_lowered)
		wattron(w, ui_attr(ui, THEME_WARNING));
	ui_textf(ui, w, y, 1, cols - 2, false,
	         "Dials %u  Connects %u (%.0f%%)  %.0f/h  Talk %s  Abandon %s  Lines %s", st->dials,
	         st->connects, st->connect_rate * 100, st->dials_per_hour, talk, ab, lines);
	if (over || sn->lines_lowered)
		wattroff(w, ui_attr(ui, THEME_WARNING));
}

/* The name of what a line is doing, in the words of the screen. */
static const char *lane_state(const struct sessview *v, const struct pool_line_snap *ls,
                              enum theme_elem *e)
{
	const struct dsession_snapshot *sn = v->snap;

	*e = THEME_MUTED;
	if (sn->wrapup.waiting && sn->wrapup.a.line == ls->line && !ls->has_attempt) {
		*e = THEME_WARNING;
		return "wrap-up";
	}
	switch (ls->phase) {
	case POOL_LINE_DOWN:
		*e = THEME_MUTED;
		return "starting";
	case POOL_LINE_IDLE:
		return "idle";
	case POOL_LINE_DIALING:
		*e = THEME_LINE_RINGING;
		return "dialing";
	case POOL_LINE_RINGING:
		*e = THEME_LINE_RINGING;
		return ls->a.media ? "early media" : "ringing";
	case POOL_LINE_ANSWERED:
		*e = THEME_LINE_CONNECTED;
		return "answered";
	case POOL_LINE_SCREENING:
		*e = THEME_LINE_CONNECTED;
		return "AMD listening";
	case POOL_LINE_CONNECTED:
		*e = THEME_LINE_CONNECTED;
		return v->held ? "on hold" : v->muted ? "connected, muted" : "connected";
	case POOL_LINE_VOICEMAIL:
		*e = THEME_LINE_CONNECTED;
		return "voicemail drop";
	case POOL_LINE_HANGING_UP:
		*e = THEME_LINE_DROPPED;
		return "hanging up";
	default:
		return "?";
	}
}

/* The name on a live line: the entry dialling on it. */
static const char *who_on(const struct sessview *v, unsigned line, unsigned attempt)
{
	size_t i;

	for (i = 0; i < v->nrows; i++)
		if (v->rows[i].state == DSESSION_ENTRY_DIALING &&
		    (v->rows[i].line == line || (attempt && v->rows[i].attempt == attempt)))
			return v->rows[i].name;
	return "";
}

/* Column widths of a lane: who, number, outcome (state and time are fixed). */
static void lane_cols(int cols, int *who, int *num, int *out)
{
	int rest = cols - 2 - 3 - LANE_STATE_W - 1 - 7 - 1;

	*num = NUMBER_W;
	rest -= *num + 1;
	*who = rest * 45 / 100;
	if (*who < 8)
		*who = 8;
	*out = rest - *who - 1;
	if (*out < 4)
		*out = 4;
}

/* The live attempt's outcome so far. */
static void live_outcome(const struct pool_attempt *a, char *out, size_t n)
{
	out[0] = '\0';
	if (a->amd != AMD_PENDING)
		text_printf(out, n, "%s", amd_result_name(a->amd));
	else if (a->reason[0])
		text_copy(out, n, a->reason);
}

/* One lane: line, state, time, who, number, outcome. */
static void draw_lane(const struct ui *ui, const struct sessview *v, WINDOW *w, int y, int x,
                      int cols, const struct pool_line_snap *ls, bool beyond)
{
	int ww, nw, ow, cx;
	enum theme_elem e;
	const char *state = lane_state(v, ls, &e);
	char t[16], outcome[200];
	const struct sesslane *l = &v->last[ls->line <= PHONE_LINES_MAX ? ls->line : 0];

	lane_cols(cols, &ww, &nw, &ow);
	ui_textf(ui, w, y, x + 1, 3, false, "L%u", ls->line);
	cx = x + 4;
	if (beyond && !ls->has_attempt) {
		put(ui, w, y, cx, cols - 5, THEME_MUTED, "off (fewer lines in force)");
		return;
	}
	wattron(w, ui_attr(ui, e));
	ui_text(ui, w, y, cx, LANE_STATE_W, state, false);
	wattroff(w, ui_attr(ui, e));
	cx += LANE_STATE_W + 1;
	if (ls->has_attempt) {
		const struct pool_attempt *a = &ls->a;

		elapsed(t, sizeof(t), a->t_answer ? a->t_answer : a->t_start);
		ui_text(ui, w, y, cx, 7, t, false);
		cx += 8;
		ui_text(ui, w, y, cx, ww, who_on(v, ls->line, a->id), false);
		cx += ww + 1;
		ui_text(ui, w, y, cx, nw, a->e164[0] ? a->e164 : a->input, false);
		cx += nw + 1;
		live_outcome(a, outcome, sizeof(outcome));
		put(ui, w, y, cx, ow, e, outcome);
		return;
	}
	if (!l->attempt)
		return;
	/* The lane's last call, as it ended. */
	cx += 8;
	wattron(w, ui_attr(ui, THEME_MUTED));
	ui_text(ui, w, y, cx, ww, l->who, false);
	ui_text(ui, w, y, cx + ww + 1, nw, l->number, false);
	wattroff(w, ui_attr(ui, THEME_MUTED));
	if (l->live_dropped)
		text_printf(outcome, sizeof(outcome), "dropped live answer");
	else
		text_printf(outcome, sizeof(outcome), "%s%s%s", call_outcome_name(l->outcome),
		            l->reason[0] ? ": " : "", l->reason);
	put(ui, w, y, cx + ww + 1 + nw + 1, ow,
	    l->outcome == CALL_OUT_CONNECTED ? THEME_LINE_CONNECTED
	    : l->live_dropped || l->outcome == CALL_OUT_CANCELLED || l->outcome == CALL_OUT_FAILED
	            ? THEME_LINE_DROPPED
	            : THEME_MUTED,
	    outcome);
}

static int draw_lanes(const struct ui *ui, const struct sessview *v, WINDOW *w, int y, int x,
                      int cols, int maxrows)
{
	const struct dsession_snapshot *sn = v->snap;
	unsigned n = lanes_shown(sn), i;
	int ww, nw, ow, rows = 0;

	lane_cols(cols, &ww, &nw, &ow);
	wattron(w, ui_attr(ui, THEME_HEADER));
	ui_textf(ui, w, y, x + 1, cols - 2, false, "%-3s%-*s %-7s %-*s %-*s %s", "Ln", LANE_STATE_W,
	         "State", "Time", ww, "Who", nw, "Number", "Outcome");
	wattroff(w, ui_attr(ui, THEME_HEADER));
	rows++;
	for (i = 0; i < n && rows < maxrows; i++, rows++) {
		struct pool_line_snap blank;
		const struct pool_line_snap *ls = &sn->pool.lines[i];

		if (i >= sn->pool.nlines) {
			memset(&blank, 0, sizeof(blank));
			blank.line = i + 1;
			blank.phase = POOL_LINE_DOWN;
			ls = &blank;
		}
		draw_lane(ui, v, w, y + rows, x, cols, ls,
		          sn->mode == DSESSION_PARALLEL && i >= sn->lines_active);
	}
	return rows;
}

/* Column widths of the queue: name, company, title (0 when too narrow), local, number,
 * verdict. */
static void queue_cols(int cols, int c[6])
{
	int rest = cols - 3 - 1;

	c[3] = 5;
	c[4] = NUMBER_W;
	rest -= c[3] + c[4] + 5;
	if (rest >= 48) {
		c[0] = rest * 28 / 100;
		c[1] = rest * 22 / 100;
		c[2] = rest * 20 / 100;
	} else {
		/* Too narrow for the title: the card has it. */
		c[0] = rest * 34 / 100;
		c[1] = rest * 26 / 100;
		c[2] = 0;
		rest += 1;
	}
	c[5] = rest - c[0] - c[1] - c[2];
}

/* The verdict column of a row, and its colour. */
static void verdict(const struct sessrow *r, char *out, size_t n, enum theme_elem *e)
{
	switch (r->state) {
	case DSESSION_ENTRY_WAITING:
		*e = THEME_OK;
		text_copy(out, n, "ready");
		break;
	case DSESSION_ENTRY_DIALING:
		*e = THEME_LINE_RINGING;
		text_printf(out, n, "on line %u", r->line);
		break;
	case DSESSION_ENTRY_DONE:
		*e = r->outcome == CALL_OUT_CONNECTED ? THEME_LINE_CONNECTED : THEME_DEFAULT;
		text_printf(out, n, "%s%s%s", call_outcome_name(r->outcome),
		            r->disposition[0] ? ", " : "", r->disposition);
		break;
	default:
		*e = THEME_MUTED;
		text_printf(out, n, "skipped: %s", r->reason[0] ? r->reason : "by the rep");
		break;
	}
}

static void draw_queue(const struct ui *ui, const struct sessview *v, WINDOW *w, int y, int x,
                       int cols, int rows)
{
	int c[6], cx, k;
	size_t i;

	queue_cols(cols, c);
	wattron(w, ui_attr(ui, THEME_HEADER));
	cx = x + 3;
	ui_text(ui, w, y, cx, c[0], "Name", true);
	cx += c[0] + 1;
	ui_text(ui, w, y, cx, c[1], "Company", true);
	cx += c[1] + 1;
	if (c[2]) {
		ui_text(ui, w, y, cx, c[2], "Title", true);
		cx += c[2] + 1;
	}
	ui_text(ui, w, y, cx, c[3], "Local", true);
	cx += c[3] + 1;
	ui_text(ui, w, y, cx, c[4], "Number", true);
	cx += c[4] + 1;
	ui_text(ui, w, y, cx, c[5], "Status", true);
	wattroff(w, ui_attr(ui, THEME_HEADER));
	if (v->nrows == 0) {
		put(ui, w, y + 1, x + 1, cols - 2, THEME_MUTED,
		    v->snap->phase == DSESSION_LOADING ? "reading the list from Salesloft..."
		                                       : "nobody in this list");
		return;
	}
	for (k = 1, i = v->list.top; i < v->nrows && k < rows; i++, k++) {
		const struct sessrow *r = &v->rows[i];
		bool sel = i == v->list.sel;
		bool next = v->snap->mode == DSESSION_PREVIEW && v->snap->has_next &&
		            v->snap->next_entry == i;
		enum theme_elem ve;
		attr_t a = ui_attr(ui, sel                                  ? THEME_SELECTED
		                       : r->state == DSESSION_ENTRY_SKIPPED ? THEME_MUTED
		                                                            : THEME_DEFAULT);
		char lt[16], vt[256];

		local_time(r, v->now, lt, sizeof(lt));
		verdict(r, vt, sizeof(vt), &ve);
		wattron(w, a);
		ui_text(ui, w, y + k, x, cols, "", true);
		ui_text(ui, w, y + k, x + 1, 2, next ? ">" : "", false);
		cx = x + 3;
		ui_text(ui, w, y + k, cx, c[0], r->name, true);
		cx += c[0] + 1;
		ui_text(ui, w, y + k, cx, c[1], r->company, true);
		cx += c[1] + 1;
		if (c[2]) {
			ui_text(ui, w, y + k, cx, c[2], r->title, true);
			cx += c[2] + 1;
		}
		ui_text(ui, w, y + k, cx, c[3], lt, true);
		cx += c[3] + 1;
		ui_text(ui, w, y + k, cx, c[4], r->number, true);
		cx += c[4] + 1;
		wattroff(w, a);
		if (sel || r->state == DSESSION_ENTRY_SKIPPED) {
			wattron(w, a);
			ui_text(ui, w, y + k, cx, c[5], vt, true);
			wattroff(w, a);
		} else {
			put(ui, w, y + k, cx, c[5], ve, vt);
		}
	}
}

/* Draws text wrapped on blanks into at most maxrows rows of cols columns; returns the rows
 * used. */
static int wrap(const struct ui *ui, WINDOW *w, int y, int x, int cols, int maxrows,
                const char *text)
{
	char clean[2048], line[2048], word[512];
	const char *p;
	size_t len = 0, lw = 0;
	int rows = 0;

	if (maxrows <= 0 || cols <= 0)
		return 0;
	text_sanitize(clean, sizeof(clean), text, false);
	line[0] = '\0';
	for (p = clean; *p && rows < maxrows;) {
		size_t wl = strcspn(p, " "), ww;

		if (wl >= sizeof(word))
			wl = sizeof(word) - 1;
		memcpy(word, p, wl);
		word[wl] = '\0';
		p += wl;
		while (*p == ' ')
			p++;
		if (!wl)
			continue;
		ww = twidth_str(word);
		if (len && lw + 1 + ww > (size_t)cols) {
			ui_text(ui, w, y + rows++, x, cols, line, false);
			len = lw = 0;
			line[0] = '\0';
			if (rows >= maxrows)
				return rows;
		}
		if (text_printf(line + len, sizeof(line) - len, "%s%s", len ? " " : "", word))
			break;
		len = strlen(line);
		lw += (lw ? 1 : 0) + ww;
	}
	if (len && rows < maxrows)
		ui_text(ui, w, y + rows++, x, cols, line, false);
	return rows;
}

/* The card's details: name, title, account, phones, the number dialled, local time, the step
 * or task, restrictions. Returns the rows used. */
static int draw_details(const struct ui *ui, const struct sessview *v, WINDOW *w, int y, int x,
                        int rows, int cols)
{
	const struct dsession_entry *de = v->cardent;
	const struct diallist_entry *e = &de->e;
	const struct contact *c = &e->c;
	struct sessrow r;
	char name[300], lt[16], buf[600];
	int lw = 11, vw = cols - lw, y0 = y, end = y + rows;

	row_of(de, &r);
	name_of(c, name, sizeof(name));
	wattron(w, ui_attr(ui, THEME_HEADER));
	ui_text(ui, w, y++, x, cols, name[0] ? name : r.name, false);
	wattroff(w, ui_attr(ui, THEME_HEADER));
#define ROW(label, ...)                                                                            \
	do {                                                                                       \
		if (y < end) {                                                                     \
			put(ui, w, y, x, lw - 1, THEME_MUTED, label);                              \
			ui_textf(ui, w, y, x + lw, vw, false, __VA_ARGS__);                        \
			y++;                                                                       \
		}                                                                                  \
	} while (0)
	ROW("Title", "%s", c->title[0] ? c->title : "-");
	ROW("Account", "%s", c->company[0] ? c->company : "-");
	text_printf(buf, sizeof(buf), "%s%s%s%s%s%s%s", c->phone[0] ? c->phone : "-",
	            c->phone_extension[0] ? " ext " : "", c->phone_extension,
	            c->mobile_phone[0] ? ", mobile " : "", c->mobile_phone,
	            c->home_phone[0] ? ", home " : "", c->home_phone);
	ROW("Phones", "%s", buf);
	ROW("Dialling", "%s (%s)", e->number[0] ? e->number : "-", diallist_phone_name(e->phone));
	local_time(&r, v->now, lt, sizeof(lt));
	ROW("Local time", "%s%s%s%s", lt[0] ? lt : "unknown", lt[0] ? " (" : "",
	    lt[0] ? (c->locale[0] ? c->locale : c->account_locale) : "", lt[0] ? ")" : "");
	if (e->action_id || e->task_id)
		ROW(e->action_id ? "Step" : "Task", "%s", v->work);
#undef ROW
	if ((c->do_not_contact || c->no_call) && y < end)
		put(ui, w, y++, x, cols, THEME_ERROR,
		    c->do_not_contact ? "do not contact" : "restricted: no calls");
	return y - y0;
}

/* The card's notes: the call instructions, then the last calls with their notes. */
static void draw_notes(const struct ui *ui, const struct sessview *v, WINDOW *w, int y, int x,
                       int rows, int cols)
{
	const struct diallist_entry *e = &v->cardent->e;
	int end = y + rows;
	unsigned i;

	if (e->instructions[0] && y + 1 < end) {
		put(ui, w, y++, x, cols, THEME_MUTED, "Instructions");
		y += wrap(ui, w, y, x + 1, cols - 1, (end - y) / 2 > 1 ? (end - y) / 2 : 1,
		          e->instructions);
	}
	if (y >= end)
		return;
	put(ui, w, y++, x, cols, THEME_MUTED, v->nhist ? "Last calls" : "No calls in the store");
	for (i = 0; i < v->nhist && y < end; i++) {
		const struct callhist *h = &v->hist[i];
		bool pending = h->state[0] && strcmp(h->state, "sent");
		time_t at = (time_t)h->at;
		struct tm tm;
		char when[32] = "";

		if (at && gmtime_r(&at, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		ui_textf(ui, w, y++, x + 1, cols - 1, false, "%s  %s%s%s  %lld:%02lld%s%s", when,
		         h->disposition[0] ? h->disposition : "no disposition",
		         h->sentiment[0] ? ", " : "", h->sentiment, (long long)(h->duration_s / 60),
		         (long long)(h->duration_s % 60), pending ? "  " : "",
		         pending ? h->state : "");
		if (h->notes[0] && y < end)
			y += wrap(ui, w, y, x + 3, cols - 3, end - y > 2 ? 2 : end - y, h->notes);
	}
}

/* The card of the entry in v->cardent in a box at (y, x) of rows x cols: from 100 columns the
 * notes have a column of their own beside the details. */
static void draw_card(const struct ui *ui, const struct sessview *v, WINDOW *w, int y, int x,
                      int rows, int cols)
{
	int used;

	if (!v->has_cardent || rows < 2)
		return;
	if (cols >= SPLIT_COLS) {
		int lw = cols * 45 / 100;

		draw_details(ui, v, w, y, x, rows, lw);
		draw_notes(ui, v, w, y, x + lw + 2, rows, cols - lw - 2);
		return;
	}
	used = draw_details(ui, v, w, y, x, rows, cols);
	draw_notes(ui, v, w, y + used, x, rows - used, cols);
}

void sessview_draw(const struct ui *ui, const struct sessview *v, WINDOW *w, int rows, int cols,
                   const char *keys)
{
	const struct dsession_snapshot *sn = v->snap;
	int y, bottom = rows - 1;

	if (!v->filled) {
		ui_text(ui, w, 1, 1, cols - 2, "No list to dial.", false);
		put(ui, w, 2, 1, cols - 2, THEME_MUTED,
		    "Pick a cadence or your call tasks on the Lists screen, or type / and "
		    "cadence ID, tasks or person ID.");
		return;
	}
	if (v->card) {
		draw_card(ui, v, w, 0, 1, rows - 1, cols - 2);
		put(ui, w, rows - 1, 1, cols - 2, THEME_MUTED, "q or Esc goes back to the session");
		return;
	}
	y = draw_head(ui, v, w, cols);
	draw_stats(ui, v, w, y++, cols);
	if (sn->phase == DSESSION_FAILED && sn->why[0]) {
		wattron(w, ui_attr(ui, THEME_ERROR));
		ui_text(ui, w, y++, 1, cols - 2, sn->why, false);
		wattroff(w, ui_attr(ui, THEME_ERROR));
	}
	draw_voicemail(ui, v, w, y++, cols);
	y += draw_lanes(ui, v, w, y, 0, cols, bottom - y - 2) + 1;
	if (tall(v)) {
		/* The queue, then the card of the person on the line (or the selected one) in a
		 * band of its own. */
		int band = bottom - CARD_ROWS;

		draw_queue(ui, v, w, y, 0, cols, band - 1 - y);
		mvwhline(w, band - 1, 1, ACS_HLINE, cols - 2);
		if (v->has_focus)
			draw_card(ui, v, w, band, 1, CARD_ROWS, cols - 2);
	} else if (v->has_focus && v->has_cardent) {
		draw_card(ui, v, w, y, 1, bottom - y, cols - 2);
	} else {
		draw_queue(ui, v, w, y, 0, cols, bottom - y);
	}
	put(ui, w, rows - 1, 1, cols - 2, THEME_MUTED, keys);
}

/*
 * The disposition picker (picker.h): the call being logged, the team's dispositions and
 * sentiments from the store, each on one key, and a notes editor (editline.h).
 *
 * Three fields take turns (Tab): in the disposition and sentiment lists the keys of the
 * action "pick" (1-9, then letters; the keymap's, so `bind` lines change them) choose an entry
 * and move on; in the notes every printable key is text. The screen's keypress op sees keys
 * before the keymap for the notes (and the discard question) and lets the rest through, so
 * the actions (log and next, log and pause, discard) work from every field on keys that are
 * not text. The picker never closes with a field the team requires empty; discarding asks
 * first. Names come from Salesloft and are drawn through ui_text(); the store is read when the
 * screen opens, never per frame.
 */
#define _GNU_SOURCE /* strcasecmp */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "loftdial/attempts.h"
#include "loftdial/contacts.h"
#include "loftdial/loop.h"
#include "loftdial/outbox.h"
#include "loftdial/slapi.h"
#include "loftdial/text.h"

#include "editline.h"
#include "picker.h"
#include "screen.h"
#include "term.h"
#include "uisvc.h"

/* The keys that pick entries (action "pick"), in order: 1-9, then the lowercase letters not
 * bound everywhere (g j k n q). `bind picker` lines add or remove keys. */
#define PICK_KEYS     "1 2 3 4 5 6 7 8 9 a b c d e f h i l m o p r s t u v w x y z"
#define PICK_KEYS_MAX 64
#define NAMES_MAX     200                      /* entries kept per list */
#define LOOKBACK_MS   (7 * 24 * 3600 * 1000LL) /* how far back :picker looks for a call */
#define PASTE_GAP_MS  1000 /* a paste without its end marker ends after this without keys */

enum {
	PICK_LOG_NEXT = UI_ACT_SCREEN,
	PICK_LOG_PAUSE,
	PICK_DISCARD,
	PICK_FIELD_NEXT,
	PICK_FIELD_PREV,
	PICK_CHOOSE,
	PICK_KEY,
};

static const struct keymap_action picker_actions[] = {
        {PICK_LOG_NEXT, "log-next", "Enter C-n",
         "Log the call and dial the next (in the notes, Enter is a line break: use C-n)"},
        {PICK_LOG_PAUSE, "log-pause", "C-p", "Log the call and pause dialling"},
        {PICK_DISCARD, "discard", "C-x", "Discard the call: nothing is logged (asks first)"},
        {PICK_FIELD_NEXT, "next-field", "Tab", "Next field: dispositions, sentiments, notes"},
        {PICK_FIELD_PREV, "prev-field", "BackTab", "Previous field"},
        {PICK_CHOOSE, "choose", "Space", "Choose the highlighted entry of the list"},
        {PICK_KEY, "pick", PICK_KEYS,
         "Choose the entry shown on that key (again: clear it) and go to the next field"},
};

enum field { F_DISPO, F_SENT, F_NOTES };

struct names {
	char (*v)[CALLREC_NAME_MAX];
	size_t n;
	int chosen; /* index, -1 none */
	struct ui_list list;
};

/* The call :picker offers when opened without a request. */
struct orphan {
	int64_t person_id, action_id, task_id;
	char number[ATTEMPTS_NUMBER_MAX + 1];
};

struct picker {
	struct ui *ui;
	struct picker_req req;
	bool standalone; /* opened by :picker: logs to the outbox itself */
	struct orphan call;
	struct slapi_op *team_op; /* standalone: GET /v2/team for the team's rules */
	struct names d, s;
	enum field focus;
	struct editline *notes;
	int keys[PICK_KEYS_MAX]; /* the keys of "pick" in force, in order */
	size_t nkeys;
	int word_left, word_right;   /* the terminal's C-Left and C-Right codes (0: none) */
	bool confirm;                /* "discard? y/n" is asked */
	unsigned long long paste_at; /* the last key of a paste into the notes (loop_now_ms) */
	bool finished;
	char error[512];
	int list_rows;
};

/* ---- the request ---- */

int picker_open(struct ui *ui, const struct picker_req *req)
{
	return ui_push_arg(ui, "picker", req, sizeof(*req));
}

/* Adds one of the team's names to a list. */
static int add_name(const char *name, void *arg)
{
	struct names *l = arg;

	if (l->n >= NAMES_MAX || !name[0])
		return 0;
	text_copy(l->v[l->n++], CALLREC_NAME_MAX, name);
	return 0;
}

/* Reads one list from the store; the chosen entry is the one named pre (case ignored). */
static int load_names(struct store *st, bool sentiments, struct names *l, const char *pre)
{
	size_t i;
	int err;

	l->v = calloc(NAMES_MAX, sizeof(*l->v));
	if (!l->v)
		return ENOMEM;
	l->chosen = -1;
	err = st ? callrec_team_names(st, sentiments, add_name, l) : 0;
	if (err)
		return err;
	l->list.count = l->n;
	for (i = 0; pre[0] && i < l->n; i++)
		if (!strcasecmp(l->v[i], pre)) {
			l->chosen = (int)i;
			l->list.sel = i;
		}
	return 0;
}

/* The walk of :picker over the stored attempts. */
struct orphan_walk {
	struct picker *p;
	struct store *st;
};

/* For :picker: the last connected call with a person and an action or task that has nothing
 * in the outbox. Newest first: the first one found stops the walk. */
static int find_orphan(const struct attempt *a, void *arg)
{
	struct orphan_walk *wk = arg;
	struct picker *p = wk->p;
	struct outbox_item it;
	char key[64];
	int err;

	if (strcmp(a->outcome, "connected") || a->person_id <= 0 || (!a->action_id && !a->task_id))
		return 0;
	text_printf(key, sizeof(key), a->action_id ? "action:%lld" : "task:%lld",
	            (long long)(a->action_id ? a->action_id : a->task_id));
	memset(&it, 0, sizeof(it));
	err = outbox_get_by_key(wk->st, key, &it);
	if (!err) {
		outbox_item_clear(&it);
		return 0;
	}
	if (err != ENOENT)
		return err;
	p->call.person_id = a->person_id;
	p->call.action_id = a->action_id;
	/* A record names an action or a task, not both; the action wins, as in the session. */
	p->call.task_id = a->action_id ? 0 : a->task_id;
	text_copy(p->call.number, sizeof(p->call.number), a->number);
	p->req.duration_s = a->answered_at_ms && a->ended_at_ms > a->answered_at_ms
	                            ? (unsigned)((a->ended_at_ms - a->answered_at_ms) / 1000)
	                            : 0;
	return -1; /* found: stop */
}

/* The request :picker makes for itself; an error (with a status line) when no call waits. */
static int load_orphan(struct ui *ui, struct picker *p)
{
	struct orphan_walk wk = {.p = p, .st = ui_store(ui)};
	struct contact c;
	int err;

	if (!wk.st) {
		ui_status(ui, THEME_ERROR,
		          "the picker needs the database, which could not be opened");
		return ENOENT;
	}
	err = attempts_list(wk.st, (int64_t)time(NULL) * 1000 - LOOKBACK_MS, 500, find_orphan, &wk);
	if (err != -1) {
		if (err)
			ui_status(ui, THEME_ERROR, "cannot read the calls: %s", strerror(err));
		else
			ui_status(ui, THEME_OK,
			          "no call to log: every connected call of the last 7 days with an "
			          "action or a task has a record");
		return err ? err : ENOENT;
	}
	p->standalone = true;
	p->req.kind = CALLREC_CONNECTED;
	text_copy(p->req.number, sizeof(p->req.number), p->call.number);
	memset(&c, 0, sizeof(c));
	if (!contacts_get(wk.st, p->call.person_id, &c)) {
		if (c.display_name[0])
			text_copy(p->req.who, sizeof(p->req.who), c.display_name);
		else
			text_printf(p->req.who, sizeof(p->req.who), "%s%s%s", c.first_name,
			            c.first_name[0] ? " " : "", c.last_name);
	}
	if (!p->req.who[0])
		text_printf(p->req.who, sizeof(p->req.who), "person %lld",
		            (long long)p->call.person_id);
	text_copy(p->req.error, sizeof(p->req.error),
	          "This call ended without a record (its session closed first): log it now.");
	return 0;
}

/* GET /v2/team answered (standalone): whether the team requires a disposition or a
 * sentiment. */
static void on_team(int err, const struct slapi_resp *r, void *arg)
{
	struct picker *p = arg;
	const cJSON *data = r ? cJSON_GetObjectItemCaseSensitive(r->json, "data") : NULL;

	p->team_op = NULL;
	if (err || !cJSON_IsObject(data)) {
		text_printf(p->error, sizeof(p->error),
		            "The team's rules could not be read (%s): a required field shows when "
		            "Salesloft refuses the record.",
		            err && r && r->msg && r->msg[0] ? r->msg : "no team in the reply");
	} else {
		p->req.disposition_required = cJSON_IsTrue(
		        cJSON_GetObjectItemCaseSensitive(data, "dispositions_required"));
		p->req.sentiment_required =
		        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(data, "sentiments_required"));
	}
	ui_dirty(p->ui);
}

/* Standalone: asks Salesloft for the team's rules (the session knows them already). */
static void ask_team(struct ui *ui, struct picker *p)
{
	struct slapi *api = ui_api(ui);
	struct slapi_call c;

	if (!api) {
		text_copy(p->error, sizeof(p->error),
		          "Not connected: the team's rules are not known; the record waits in the "
		          "outbox.");
		return;
	}
	memset(&c, 0, sizeof(c));
	c.path = "/v2/team";
	c.prio = PACING_USER;
	c.no_store = true;
	if (slapi_send(api, &c, on_team, p, &p->team_op))
		text_copy(p->error, sizeof(p->error), "Cannot ask for the team's rules.");
}

/* ---- choosing ---- */

static struct names *list_of(struct picker *p, enum field f)
{
	return f == F_DISPO ? &p->d : f == F_SENT ? &p->s : NULL;
}

/* The field after (or before) f, skipping an empty sentiment list. */
static enum field step(const struct picker *p, enum field f, int dir)
{
	do
		f = (enum field)(((int)f + 3 + dir) % 3);
	while (f == F_SENT && p->s.n == 0);
	return f;
}

/* Picks entry i of the focused list (again: unpicks it) and moves to the next field. */
static int choose(struct picker *p, size_t i)
{
	struct names *l = list_of(p, p->focus);

	if (!l || i >= l->n)
		return UI_NONE;
	l->chosen = l->chosen == (int)i ? -1 : (int)i;
	l->list.sel = i;
	p->error[0] = '\0';
	if (l->chosen >= 0)
		p->focus = step(p, p->focus, 1);
	return UI_REDRAW;
}

/* Logs through the request's handler, or (standalone) into the outbox. */
static int deliver(struct ui *ui, struct picker *p, enum picker_action action)
{
	struct picker_result r = {
	        .action = action,
	        .disposition = p->d.chosen >= 0 ? p->d.v[p->d.chosen] : "",
	        .sentiment = p->s.chosen >= 0 ? p->s.v[p->s.chosen] : "",
	        .notes = editline_text(p->notes),
	};
	char why[256] = "";
	int err;

	if (p->standalone) {
		struct callrec rec = {
		        .person_id = p->call.person_id,
		        .action_id = p->call.action_id,
		        .task_id = p->call.task_id,
		        .to = p->call.number,
		        .duration_s = p->req.duration_s,
		        .disposition = r.disposition,
		        .sentiment = r.sentiment,
		        .notes = r.notes,
		};
		int64_t id = 0;

		if (action == PICKER_DISCARD) {
			ui_status(ui, THEME_OK, "nothing logged for the call to %s", p->req.who);
			return 0;
		}
		err = callrec_enqueue(ui_store(ui), &rec, &id);
		if (err == EEXIST) {
			ui_status(ui, THEME_WARNING,
			          "the call to %s was already logged (outbox #%lld)", p->req.who,
			          (long long)id);
			return 0;
		}
		if (err) {
			text_printf(p->error, sizeof(p->error), "cannot log the call: %s",
			            strerror(err));
			return err;
		}
		ui_status(ui, THEME_OK, "logged the call to %s: outbox #%lld", p->req.who,
		          (long long)id);
		return 0;
	}
	if (!p->req.done)
		return 0;
	err = p->req.done(ui, &r, p->req.arg, why, sizeof(why));
	if (err)
		text_printf(p->error, sizeof(p->error), "%s",
		            why[0] ? why : "the call could not be logged");
	return err;
}

/* Log (and next or pause): refused while a required field is empty. */
static int finish(struct ui *ui, struct picker *p, enum picker_action action)
{
	if (action != PICKER_DISCARD && p->team_op) {
		text_copy(p->error, sizeof(p->error),
		          "Reading the team's rules from Salesloft: log again in a moment.");
		return UI_REDRAW;
	}
	if (action != PICKER_DISCARD) {
		if (p->req.disposition_required && p->d.chosen < 0) {
			text_copy(p->error, sizeof(p->error),
			          p->d.n ? "The team requires a disposition: choose one first."
			                 : "The team requires a disposition, and none is stored: "
			                   "sync (s on Home), or discard.");
			p->focus = F_DISPO;
			return UI_REDRAW;
		}
		if (p->req.sentiment_required && p->s.chosen < 0) {
			text_copy(p->error, sizeof(p->error),
			          p->s.n ? "The team requires a sentiment: choose one first."
			                 : "The team requires a sentiment, and none is stored: "
			                   "sync (s on Home), or discard.");
			p->focus = p->s.n ? F_SENT : F_DISPO;
			return UI_REDRAW;
		}
	}
	if (deliver(ui, p, action))
		return UI_REDRAW;
	p->finished = true;
	return UI_POP | UI_PUSH;
}

/* ---- the ops ---- */

static int picker_open_op(struct ui *ui, void **state)
{
	const struct picker_req *req;
	struct keymap *km = ui_keymap(ui);
	struct picker *p = calloc(1, sizeof(*p));
	int scope = keymap_scope(km, "picker"), err;
	size_t len;

	if (!p)
		return ENOMEM;
	req = ui_open_arg(ui, &len);
	if (req && len == sizeof(*req)) {
		p->req = *req;
		err = 0;
	} else {
		err = load_orphan(ui, p);
	}
	if (!err)
		err = editline_new(&p->notes, CALLREC_NOTES_MAX - 1, true);
	if (!err)
		err = load_names(ui_store(ui), false, &p->d, p->req.disposition);
	if (!err)
		err = load_names(ui_store(ui), true, &p->s, p->req.sentiment);
	if (err) {
		editline_free(p->notes);
		free(p->d.v);
		free(p->s.v);
		free(p);
		return err;
	}
	text_copy(p->error, sizeof(p->error), p->req.error);
	if (editline_set(p->notes, p->req.notes) == EDITLINE_FULL && !p->error[0])
		text_copy(p->error, sizeof(p->error), "The notes were cut to fit.");
	if (p->req.disposition[0] && p->d.chosen < 0)
		text_printf(p->error, sizeof(p->error),
		            "'%s' is not one of the team's dispositions: choose one.",
		            p->req.disposition);
	p->nkeys = keymap_keys_of(km, scope, scope, PICK_KEY, p->keys, PICK_KEYS_MAX);
	p->focus = p->d.chosen >= 0 ? step(p, F_DISPO, 1) : F_DISPO;
	p->ui = ui;
	if (p->standalone)
		ask_team(ui, p);
	p->word_left = term_key_code("kLFT5");
	p->word_right = term_key_code("kRIT5");
	p->list_rows = 1;
	*state = p;
	return 0;
}

/* Keys before the keymap: the answer to the discard question, and text for the notes. */
static int picker_keypress(struct ui *ui, void *state, int key)
{
	struct picker *p = state;
	int r;

	if (p->confirm) {
		p->confirm = false;
		if (key == 'y' || key == 'Y')
			return finish(ui, p, PICKER_DISCARD);
		return UI_REDRAW; /* anything else keeps the call */
	}
	if (p->focus == F_NOTES) {
		/* A paste comes in one burst: one whose end marker was lost ends at a pause, so
		 * the keys after it are keys again. */
		if (editline_pasting(p->notes) && loop_now_ms() - p->paste_at > PASTE_GAP_MS)
			(void)editline_key(p->notes, EDITLINE_PASTE_END);
		p->paste_at = loop_now_ms();
		if (key && key == p->word_left)
			r = editline_cmd(p->notes, EDITLINE_WORD_LEFT);
		else if (key && key == p->word_right)
			r = editline_cmd(p->notes, EDITLINE_WORD_RIGHT);
		else
			r = editline_key(p->notes, key);
		if (r == EDITLINE_PASS)
			return UI_PASS;
		if (r == EDITLINE_FULL)
			text_printf(p->error, sizeof(p->error),
			            "The notes are full (%zu bytes at most): what did not fit was "
			            "not added.",
			            editline_max(p->notes));
		else if (r == EDITLINE_CHANGED && !strncmp(p->error, "The notes are full", 18))
			p->error[0] = '\0';
		return UI_REDRAW;
	}
	return UI_PASS;
}

static int picker_key(struct ui *ui, void *state, int action)
{
	struct picker *p = state;
	struct names *l = list_of(p, p->focus);

	switch (action) {
	case UI_ACT_BACK:
		if (p->focus == F_NOTES) {
			p->focus = F_DISPO;
			return UI_REDRAW;
		}
		p->confirm = true;
		return UI_REDRAW;
	case PICK_LOG_NEXT:
		return finish(ui, p, PICKER_LOG_NEXT);
	case PICK_LOG_PAUSE:
		return finish(ui, p, PICKER_LOG_PAUSE);
	case PICK_DISCARD:
		p->confirm = true;
		return UI_REDRAW;
	case PICK_FIELD_NEXT:
	case PICK_FIELD_PREV:
		p->focus = step(p, p->focus, action == PICK_FIELD_NEXT ? 1 : -1);
		return UI_REDRAW;
	case PICK_CHOOSE:
		return l ? choose(p, l->list.sel) : UI_NONE;
	case PICK_KEY: {
		int key = ui_action_key(ui);
		size_t i;

		for (i = 0; key && i < p->nkeys; i++)
			if (p->keys[i] == key)
				return l ? choose(p, i) : UI_NONE;
		return UI_NONE;
	}
	case UI_ACT_UP:
		if (p->focus == F_NOTES) { /* the editor's first row: up to the lists */
			p->focus = step(p, F_NOTES, -1);
			return UI_REDRAW;
		}
		break;
	default:
		break;
	}
	return l ? ui_list_key(&l->list, action, p->list_rows) : UI_NONE;
}

/* Where things go in a body of rows x cols. */
struct geom {
	int list_y, list_h, notes_y, notes_h, hint_y, half;
};

static void geometry(const struct picker *p, int rows, int cols, struct geom *g)
{
	int longest = (int)(p->d.n > p->s.n ? p->d.n : p->s.n), avail;

	/* Header, message, headings; then lists, the notes label, the notes, the hints. */
	g->list_y = 3;
	avail = rows - g->list_y - 2;
	g->list_h = longest < 1 ? 1 : longest;
	if (g->list_h > avail - 4)
		g->list_h = avail - 4;
	if (g->list_h < 1)
		g->list_h = 1;
	g->notes_y = g->list_y + g->list_h + 1;
	g->notes_h = rows - 1 - g->notes_y;
	if (g->notes_h < 1)
		g->notes_h = 1;
	g->hint_y = rows - 1;
	g->half = cols / 2;
}

static void picker_resize(struct ui *ui, void *state, int rows, int cols)
{
	struct picker *p = state;
	struct geom g;

	geometry(p, rows, cols, &g);
	p->list_rows = g.list_h;
	ui_list_fit(&p->d.list, g.list_h);
	ui_list_fit(&p->s.list, g.list_h);
}

/* A heading, highlighted when its field has the focus. */
static void heading(struct ui *ui, WINDOW *w, int y, int x, int cols, bool focused,
                    const char *text)
{
	attr_t a = ui_attr(ui, focused ? THEME_SELECTED : THEME_HEADER);

	wattron(w, a);
	ui_text(ui, w, y, x, cols, text, false);
	wattroff(w, a);
}

/* One list: its entries with their keys, the chosen one marked. */
static void draw_list(struct ui *ui, const struct picker *p, const struct names *l, bool focused,
                      WINDOW *w, int y, int x, int cols, int rows, const char *empty)
{
	size_t i;
	int r;

	if (l->n == 0) {
		wattron(w, ui_attr(ui, THEME_MUTED));
		ui_text(ui, w, y, x, cols, empty, false);
		wattroff(w, ui_attr(ui, THEME_MUTED));
		return;
	}
	for (r = 0, i = l->list.top; i < l->n && r < rows; i++, r++) {
		bool chosen = (int)i == l->chosen, hl = focused && i == l->list.sel;
		char key[KEYMAP_NAME_MAX] = "";
		attr_t a = ui_attr(ui, hl ? THEME_SELECTED : chosen ? THEME_OK : THEME_DEFAULT);

		if (i < p->nkeys)
			keymap_key_name(p->keys[i], key, sizeof(key));
		wattron(w, a);
		ui_text(ui, w, y + r, x, cols, "", true);
		ui_textf(ui, w, y + r, x, 5, false, "%s%s", chosen ? ">" : " ", key);
		ui_text(ui, w, y + r, x + 5, cols - 5, l->v[i], false);
		wattroff(w, a);
	}
}

static void picker_draw(struct ui *ui, void *state, WINDOW *w, int rows, int cols)
{
	struct picker *p = state;
	const struct picker_req *q = &p->req;
	char kind[32], line[256];
	size_t top, crow, ccol, i, len;
	struct geom g;
	const char *k;
	int x2;

	geometry(p, rows, cols, &g);
	text_copy(kind, sizeof(kind), callrec_kind_name(q->kind));
	for (i = 0; kind[i]; i++)
		if (kind[i] == '_')
			kind[i] = ' ';
	wattron(w, ui_attr(ui, THEME_HEADER));
	ui_textf(ui, w, 0, 1, cols - 2, false, "%s  %s  %u:%02u  %s", q->who[0] ? q->who : "-",
	         q->number[0] ? q->number : "-", q->duration_s / 60, q->duration_s % 60, kind);
	wattroff(w, ui_attr(ui, THEME_HEADER));
	if (p->confirm) {
		wattron(w, ui_attr(ui, THEME_WARNING));
		ui_text(ui, w, 1, 1, cols - 2,
		        q->edit ? "Leave without saving? The record stays as it was. y leaves, any "
		                  "other key stays."
		                : "Discard this call? Nothing is logged. y discards, any other key "
		                  "keeps it.",
		        false);
		wattroff(w, ui_attr(ui, THEME_WARNING));
	} else if (p->error[0]) {
		wattron(w, ui_attr(ui, THEME_ERROR));
		ui_text(ui, w, 1, 1, cols - 2, p->error, false);
		wattroff(w, ui_attr(ui, THEME_ERROR));
	}
	x2 = g.half + 1;
	text_printf(line, sizeof(line), "Disposition%s",
	            q->disposition_required ? " (required)" : "");
	heading(ui, w, 2, 1, g.half - 2, p->focus == F_DISPO, line);
	text_printf(line, sizeof(line), "Sentiment%s", q->sentiment_required ? " (required)" : "");
	heading(ui, w, 2, x2, cols - x2 - 1, p->focus == F_SENT, line);
	draw_list(ui, p, &p->d, p->focus == F_DISPO, w, g.list_y, 1, g.half - 2, g.list_h,
	          "No dispositions are stored: sync first (s on Home).");
	draw_list(ui, p, &p->s, p->focus == F_SENT, w, g.list_y, x2, cols - x2 - 1, g.list_h,
	          p->s.n ? "" : "The team has no sentiments.");
	text_printf(line, sizeof(line), "Notes  %zu/%zu bytes", editline_len(p->notes),
	            editline_max(p->notes));
	heading(ui, w, g.notes_y - 1, 1, cols - 2, p->focus == F_NOTES, line);
	editline_layout(p->notes, (size_t)(cols - 4), (size_t)g.notes_h, &top, &crow, &ccol);
	for (i = 0; i < (size_t)g.notes_h; i++) {
		const char *row = editline_row(p->notes, top + i, &len);
		char buf[CALLREC_NOTES_MAX];

		wattron(w, ui_attr(ui, THEME_MUTED));
		mvwaddch(w, g.notes_y + (int)i, 1, '|');
		wattroff(w, ui_attr(ui, THEME_MUTED));
		if (!row)
			continue;
		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, row, len);
		buf[len] = '\0';
		ui_text(ui, w, g.notes_y + (int)i, 3, cols - 4, buf, false);
	}
	if (p->focus == F_NOTES && !p->confirm && crow >= top && crow < top + (size_t)g.notes_h)
		ui_cursor(ui, w, g.notes_y + (int)(crow - top), 3 + (int)ccol);
	wattron(w, ui_attr(ui, THEME_MUTED));
	if (q->edit)
		k = p->focus == F_NOTES ? "C-n save   C-x cancel   Tab field   Esc lists"
		                        : "Enter save   C-x cancel   Tab next field   ? keys";
	else if (p->standalone)
		k = p->focus == F_NOTES ? "C-n log   C-x discard   Tab next field   Esc lists"
		                        : "Enter log   C-x discard   Tab next field   ? keys";
	else
		k = p->focus == F_NOTES
		            ? "C-n log, next   C-p log, pause   C-x discard   Tab field   Esc lists"
		            : "Enter log, next   C-p log, pause   C-x discard   Tab field   ? keys";
	ui_text(ui, w, g.hint_y, 1, cols - 2, k, false);
	wattroff(w, ui_attr(ui, THEME_MUTED));
}

static void picker_close(struct ui *ui, void *state)
{
	struct picker *p = state;

	if (!p->finished && !p->standalone && p->req.done) {
		struct picker_result r = {.action = PICKER_CLOSED,
		                          .disposition = "",
		                          .sentiment = "",
		                          .notes = editline_text(p->notes)};
		char why[16];

		(void)p->req.done(ui, &r, p->req.arg, why, sizeof(why));
	}
	slapi_cancel(p->team_op);
	editline_free(p->notes);
	free(p->d.v);
	free(p->s.v);
	free(p);
}

const struct screen_ops screen_picker = {
        .name = "picker",
        .title = "Disposition",
        .keys = "",
        .actions = picker_actions,
        .nactions = sizeof(picker_actions) / sizeof(picker_actions[0]),
        .about = "Log the call that ended: a disposition and a sentiment of the team's (their "
                 "keys, 1-9 then letters, pick one and move on; Space picks the highlighted "
                 "one; the same key again clears it), and notes (Tab goes there; Enter is a "
                 "line break, arrows, Home/End, C-Left/C-Right by word, C-w/C-u/C-k delete, "
                 "paste works). Enter (C-n in the notes) logs and dials the next, C-p logs and "
                 "pauses, C-x or Esc discards after asking. A disposition or sentiment the team "
                 "requires must be chosen first. Opened by the dial session when a call ends; "
                 ":picker offers the last connected call that has no record.",
        .open = picker_open_op,
        .key = picker_key,
        .keypress = picker_keypress,
        .draw = picker_draw,
        .resize = picker_resize,
        .close = picker_close,
};

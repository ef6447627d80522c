/*
 * ui: the screen manager. It owns the terminal (through term.c), the stack of screens, the
 * title bar, the status line with its `:` and `/` prompt, the keymap and the theme.
 *
 * Input arrives through the loop's stdin watch; each key is looked up in the keymap (the top
 * screen's scope, then global) and becomes an action. Global actions (back, help, theme,
 * opening a screen) are carried out here; the others go to the top screen's key op. Either
 * way the handler only changes state and returns a reaction; the reaction is applied (push,
 * pop, quit) and the frame is marked dirty, and the loop's render hook draws everything once
 * per turn: the title, the top screen's body, the status line, then one doupdate().
 */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <re.h>

#include "loftdial/log.h"
#include "loftdial/loop.h"
#include "loftdial/text.h"
#include "loftdial/twidth.h"
#include "loftdial/ui.h"

#include "editline.h"
#include "screen.h"
#include "term.h"
#include "uisvc.h"

#define UI_MIN_COLS     80
#define UI_MIN_ROWS     24
#define UI_STACK_MAX    8
#define UI_MSG_MAX      512
#define UI_PROMPT_MAX   256
#define UI_TEXT_MAX     4096
#define UI_PASTE_GAP_MS 1000 /* a paste's keys come in one burst */
#define UI_LINGER_MAX   4
/* The longest the TUI waits, once asked to end, for work its screens left running (a dial
 * session hanging up its lines) before it ends anyway. */
#define UI_LINGER_MS 8000

#define UI_SCREEN_PTR(n) &screen_##n,
static const struct screen_ops *const screens[] = {UI_SCREENS(UI_SCREEN_PTR)};
#undef UI_SCREEN_PTR
#define NSCREENS (sizeof(screens) / sizeof(screens[0]))

/* The global actions; the screen openers are appended at start-up (one per screen). */
static const struct keymap_action fixed_acts[] = {
        {UI_ACT_BACK, "back", "q Esc", "Back to the previous screen (quits on the first)"},
        {UI_ACT_QUIT, "quit", "Q", "Quit loftdial"},
        {UI_ACT_HELP, "help", "? F1", "Show the keys of this screen"},
        {UI_ACT_COMMAND, "command", ":", "Command prompt (Tab completes)"},
        {UI_ACT_SEARCH, "search", "/", "Search this screen"},
        {UI_ACT_SEARCH_NEXT, "search-next", "n", "Next match of the last search"},
        {UI_ACT_UP, "up", "k Up", "Move up"},
        {UI_ACT_DOWN, "down", "j Down", "Move down"},
        {UI_ACT_PAGE_UP, "page-up", "C-b PgUp", "One page up"},
        {UI_ACT_PAGE_DOWN, "page-down", "C-f PgDn", "One page down"},
        {UI_ACT_TOP, "top", "g Home", "Go to the first row"},
        {UI_ACT_BOTTOM, "bottom", "G End", "Go to the last row"},
        {UI_ACT_SELECT, "select", "Enter", "Open the selected row"},
        {UI_ACT_REDRAW, "redraw", "C-l", "Redraw the whole screen"},
        {UI_ACT_THEME, "theme-next", "T", "Switch to the next theme"},
};
#define NFIXED (sizeof(fixed_acts) / sizeof(fixed_acts[0]))

/* The themes T cycles through, in order. */
static const char *const theme_cycle[] = {"default", "light", "high-contrast", "mono"};
#define NCYCLE (sizeof(theme_cycle) / sizeof(theme_cycle[0]))

/* Work a closed screen left to finish (ui_linger). */
struct ui_linger_item {
	void *obj;
	void (*freeh)(void *obj);
};

struct frame {
	const struct screen_ops *ops;
	void *state;
	int scope;
	void *arg; /* the copy ui_push_arg() made, owned by the frame */
	size_t arg_len;
	unsigned long serial; /* the order frames were opened in (resume_uncovered) */
};

struct ui {
	const struct paths *paths;
	const struct config *cfg;
	struct store *st;
	struct uisvc *svc; /* the shared Salesloft session (uisvc.c) */
	struct keymap *km;
	struct keymap_action global_acts[NFIXED + NSCREENS];
	char open_names[NSCREENS][KEYMAP_NAME_MAX];
	char open_help[NSCREENS][64];
	int scope_of[NSCREENS];
	void *kept[NSCREENS]; /* each screen's ui_keep() slot */

	struct theme theme;
	char theme_name[64];
	attr_t attr[THEME_ELEM_COUNT];
	bool color, utf8;
	bool running; /* the loop exists: loop_dirty() may be called */

	struct frame stack[UI_STACK_MAX];
	int depth;
	const struct screen_ops *pending_push;
	void *pending_arg; /* ui_push_arg()'s copy until the push is carried out */
	size_t pending_len;
	bool pending_has_arg;
	struct frame *opening; /* the frame whose open() runs now */
	int later;             /* ui_react()'s bits, applied by later_job */
	struct loop_job later_job;

	WINDOW *title, *body, *status;
	int rows, cols;
	bool small;

	char msg[UI_MSG_MAX];
	enum theme_elem msg_elem;
	unsigned msg_seq;            /* bumped by every ui_status() */
	unsigned long frame_serial;  /* the last frame serial given (struct frame) */
	bool pasting;                /* inside a paste no screen took: its keys are dropped */
	unsigned long long paste_at; /* when its last key came (loop_now_ms) */
	int action_key;              /* the key that runs the current action, 0 from the prompt */
	WINDOW *cursor_w;            /* ui_cursor() of this frame, or NULL */
	int cursor_y, cursor_x;
	int prompt;                /* 0, ':' or '/' */
	char input[UI_PROMPT_MAX]; /* what is typed at the prompt (UTF-8) */
	char last_search[UI_PROMPT_MAX];
	unsigned tab_index; /* how many Tabs in a row, to cycle through matches */
	char tab_stem[UI_PROMPT_MAX];
	int code;
	const struct screen_ops *then_open; /* opened when the start's sync ends (ui_start) */

	struct ui_linger_item linger[UI_LINGER_MAX];
	unsigned nlinger;
	bool quitting; /* every screen is closed; the loop ends once nothing lingers */
	struct tmr linger_tmr;
};

/* ---- services for screens ---- */

const struct paths *ui_paths(const struct ui *ui)
{
	return ui->paths;
}

const struct config *ui_config(const struct ui *ui)
{
	return ui->cfg;
}

struct store *ui_store(struct ui *ui)
{
	return ui->st;
}

struct uisvc *ui_svc(struct ui *ui)
{
	return ui->svc;
}

struct keymap *ui_keymap(struct ui *ui)
{
	return ui->km;
}

const struct screen_ops *ui_scope_screen(const struct ui *ui, int scope)
{
	size_t i;

	for (i = 0; i < NSCREENS; i++)
		if (ui->scope_of[i] == scope)
			return screens[i];
	return NULL;
}

attr_t ui_attr(const struct ui *ui, enum theme_elem e)
{
	return (unsigned)e < THEME_ELEM_COUNT ? ui->attr[e] : A_NORMAL;
}

int ui_text(const struct ui *ui, WINDOW *w, int y, int x, int cols, const char *s, bool pad)
{
	char *clean, *out;
	size_t outsz, used;

	if (!w || cols <= 0)
		return 0;
	if (cols > 1000)
		cols = 1000;
	outsz = (size_t)cols * 4 * (TWIDTH_MAX_MARKS + 1) + 8;
	clean = malloc(UI_TEXT_MAX);
	out = malloc(outsz);
	if (!clean || !out) {
		free(clean);
		free(out);
		return 0;
	}
	text_sanitize(clean, UI_TEXT_MAX, s ? s : "", !ui->utf8);
	used = twidth_fit(out, outsz, clean, (size_t)cols,
	                  (pad ? TWIDTH_PAD : 0) | (ui->utf8 ? 0 : TWIDTH_ASCII));
	mvwaddstr(w, y, x, out);
	free(clean);
	free(out);
	return (int)used;
}

int ui_textf(const struct ui *ui, WINDOW *w, int y, int x, int cols, bool pad, const char *fmt, ...)
{
	char buf[UI_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return ui_text(ui, w, y, x, cols, buf, pad);
}

void ui_gauge(const struct ui *ui, WINDOW *w, int y, int x, int cols, double part, double whole,
              enum theme_elem fill)
{
	int inner = cols - 2, n = 0, i;

	if (cols < 3)
		return;
	if (whole > 0 && part > 0)
		n = (int)(part / whole * inner + 0.5);
	if (n > inner)
		n = inner;
	mvwaddch(w, y, x, '[');
	wattron(w, ui_attr(ui, fill));
	for (i = 0; i < n; i++)
		waddch(w, '#');
	wattroff(w, ui_attr(ui, fill));
	wattron(w, ui_attr(ui, THEME_MUTED));
	for (; i < inner; i++)
		waddch(w, '-');
	wattroff(w, ui_attr(ui, THEME_MUTED));
	waddch(w, ']');
}

void ui_status(struct ui *ui, enum theme_elem e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ui->msg, sizeof(ui->msg), fmt, ap);
	va_end(ap);
	ui->msg_elem = e;
	ui->msg_seq++;
	if (e == THEME_ERROR || e == THEME_WARNING)
		log_warn("ui", "%s", ui->msg);
	if (ui->running)
		loop_dirty();
}

int ui_action_key(const struct ui *ui)
{
	return ui->action_key;
}

void ui_cursor(struct ui *ui, WINDOW *w, int y, int x)
{
	ui->cursor_w = w;
	ui->cursor_y = y;
	ui->cursor_x = x;
}

/* Finds a screen by name; NULL when there is none. */
static const struct screen_ops *find_screen(const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; i < NSCREENS; i++) {
		if (!strcmp(screens[i]->name, name)) {
			if (idx)
				*idx = i;
			return screens[i];
		}
	}
	return NULL;
}

/* Forgets a pushed argument that was not used. */
static void drop_pending_arg(struct ui *ui)
{
	free(ui->pending_arg);
	ui->pending_arg = NULL;
	ui->pending_len = 0;
	ui->pending_has_arg = false;
}

void ui_push(struct ui *ui, const char *name)
{
	drop_pending_arg(ui);
	ui->pending_push = find_screen(name, NULL);
}

int ui_push_arg(struct ui *ui, const char *name, const void *arg, size_t len)
{
	const struct screen_ops *ops = find_screen(name, NULL);
	void *copy;

	drop_pending_arg(ui);
	ui->pending_push = NULL;
	if (!ops)
		return EINVAL;
	/* One byte more, so an empty argument is still a pointer and text may rely on a NUL. */
	copy = calloc(1, len + 1);
	if (!copy)
		return ENOMEM;
	if (len)
		memcpy(copy, arg, len);
	ui->pending_push = ops;
	ui->pending_arg = copy;
	ui->pending_len = len;
	ui->pending_has_arg = true;
	return 0;
}

void **ui_keep(struct ui *ui, const struct screen_ops *ops)
{
	size_t i;

	for (i = 0; ui && i < NSCREENS; i++)
		if (screens[i] == ops)
			return &ui->kept[i];
	return NULL;
}

/* Frees what the screens kept across their openings (the TUI is ending). */
static void forget_kept(struct ui *ui)
{
	size_t i;

	for (i = 0; i < NSCREENS; i++) {
		if (ui->kept[i] && screens[i]->forget)
			screens[i]->forget(ui->kept[i]);
		ui->kept[i] = NULL;
	}
}

const void *ui_open_arg(struct ui *ui, size_t *len)
{
	const struct frame *f = ui->opening;

	if (!f && ui->depth > 0)
		f = &ui->stack[ui->depth - 1];
	if (len)
		*len = f && f->arg ? f->arg_len : 0;
	return f ? f->arg : NULL;
}

/* ui_react()'s job: the reactions asked for outside a key handler, applied together. */
static void react_later(void *arg);

void ui_react(struct ui *ui, int r)
{
	if (!ui->running || ui->quitting || r <= 0)
		return;
	ui->later |= r;
	loop_defer(&ui->later_job, react_later, ui);
}

void ui_dirty(struct ui *ui)
{
	if (ui->running)
		loop_dirty();
}

int ui_linger(struct ui *ui, void *obj, void (*freeh)(void *obj))
{
	if (!obj || !freeh)
		return EINVAL;
	if (ui->nlinger >= UI_LINGER_MAX)
		return ENOSPC;
	ui->linger[ui->nlinger].obj = obj;
	ui->linger[ui->nlinger].freeh = freeh;
	ui->nlinger++;
	return 0;
}

void ui_linger_done(struct ui *ui, void *obj)
{
	unsigned i;

	for (i = 0; i < ui->nlinger; i++) {
		if (ui->linger[i].obj == obj) {
			ui->linger[i] = ui->linger[--ui->nlinger];
			break;
		}
	}
	if (ui->quitting && ui->nlinger == 0) {
		tmr_cancel(&ui->linger_tmr);
		loop_quit(ui->code);
	}
}

/* Frees what still lingers (the deadline passed, or the loop ended). */
static void linger_free_all(struct ui *ui)
{
	while (ui->nlinger > 0) {
		struct ui_linger_item l = ui->linger[--ui->nlinger];

		l.freeh(l.obj);
	}
}

int ui_list_key(struct ui_list *l, int action, int rows)
{
	size_t page = rows > 1 ? (size_t)rows - 1 : 1;

	if (l->count == 0)
		return UI_NONE;
	switch (action) {
	case UI_ACT_UP:
		if (l->sel > 0)
			l->sel--;
		break;
	case UI_ACT_DOWN:
		if (l->sel + 1 < l->count)
			l->sel++;
		break;
	case UI_ACT_PAGE_UP:
		l->sel = l->sel > page ? l->sel - page : 0;
		break;
	case UI_ACT_PAGE_DOWN:
		l->sel = l->sel + page < l->count ? l->sel + page : l->count - 1;
		break;
	case UI_ACT_TOP:
		l->sel = 0;
		break;
	case UI_ACT_BOTTOM:
		l->sel = l->count - 1;
		break;
	default:
		return UI_NONE;
	}
	l->follow = l->sel + 1 == l->count;
	ui_list_fit(l, rows);
	return UI_REDRAW;
}

void ui_list_fit(struct ui_list *l, int rows)
{
	size_t r = rows > 0 ? (size_t)rows : 1;

	if (l->count == 0) {
		l->sel = l->top = 0;
		return;
	}
	if (l->follow || l->sel >= l->count)
		l->sel = l->count - 1;
	if (l->sel < l->top)
		l->top = l->sel;
	if (l->sel >= l->top + r)
		l->top = l->sel - r + 1;
	if (l->top + r > l->count)
		l->top = l->count > r ? l->count - r : 0;
}

/* ---- themes ---- */

struct theme_warnings {
	unsigned n;
	char first[UI_MSG_MAX];
};

/* Collects theme warnings: all go to the log, the first to the status line. */
static void theme_warn(const char *file, unsigned line, const char *msg, void *arg)
{
	struct theme_warnings *w = arg;

	log_warn("ui", "%s:%u: %s", file, line, msg);
	if (w->n++ == 0)
		text_printf(w->first, sizeof(w->first), "%s:%u: %s", file, line, msg);
}

/* Turns the theme table into curses attributes (colour pairs 1..N). */
static void apply_theme(struct ui *ui)
{
	size_t i;

	for (i = 0; i < THEME_ELEM_COUNT; i++) {
		const struct theme_style *s = &ui->theme.style[i];
		attr_t a = A_NORMAL;

		if (ui->color) {
			short fg = theme_degrade(s->fg, COLORS), bg = theme_degrade(s->bg, COLORS);

			init_pair((short)(i + 1), fg, bg);
			a |= COLOR_PAIR((int)i + 1);
		}
		if (s->attrs & THEME_BOLD)
			a |= A_BOLD;
		if (s->attrs & THEME_REVERSE)
			a |= A_REVERSE;
		if (s->attrs & THEME_UNDERLINE)
			a |= A_UNDERLINE;
		if (s->attrs & THEME_DIM)
			a |= A_DIM;
		ui->attr[i] = a;
	}
}

struct ui *ui_draw_only(bool color)
{
	struct ui *ui = calloc(1, sizeof(*ui));

	if (!ui)
		return NULL;
	ui->color = color;
	ui->utf8 = true;
	theme_builtin(&ui->theme, !color);
	text_copy(ui->theme_name, sizeof(ui->theme_name), "default");
	apply_theme(ui);
	return ui;
}

void ui_draw_only_free(struct ui *ui)
{
	free(ui);
}

/* Loads a theme by name (or path). Without colour every theme is drawn as mono. Problems
 * are status-line warnings; the built-in values stand in for what could not be read. */
static void load_theme(struct ui *ui, const char *name)
{
	struct theme_warnings w = {0};
	char path[PATHS_MAX];
	int err;

	if (!ui->color)
		name = "mono";
	theme_builtin(&ui->theme, !ui->color);
	text_copy(ui->theme_name, sizeof(ui->theme_name), name);
	err = paths_theme(name, path, sizeof(path));
	if (!err)
		err = theme_load(&ui->theme, path, theme_warn, &w, NULL);
	if (!ui->color)
		theme_strip_colors(&ui->theme);
	if (err && strcmp(name, "default") && strcmp(name, "mono"))
		ui_status(ui, THEME_WARNING, "theme '%s': %s; using the built-in default", name,
		          err == ENOENT   ? "not found"
		          : err == EINVAL ? "not a theme name"
		                          : strerror(err));
	else if (w.n > 1)
		ui_status(ui, THEME_WARNING, "%s (and %u more warnings in the log)", w.first,
		          w.n - 1);
	else if (w.n == 1)
		ui_status(ui, THEME_WARNING, "%s", w.first);
	apply_theme(ui);
}

/* ---- layout and drawing ---- */

/* Builds the three windows for the current size (or notes that it is too small). */
static void layout(struct ui *ui)
{
	int i;

	if (ui->title)
		delwin(ui->title);
	if (ui->body)
		delwin(ui->body);
	if (ui->status)
		delwin(ui->status);
	ui->title = ui->body = ui->status = NULL;
	ui->rows = LINES;
	ui->cols = COLS;
	ui->small = LINES < UI_MIN_ROWS || COLS < UI_MIN_COLS;
	if (ui->small)
		return;
	ui->title = newwin(1, COLS, 0, 0);
	ui->body = newwin(LINES - 2, COLS, 1, 0);
	ui->status = newwin(1, COLS, LINES - 1, 0);
	if (!ui->title || !ui->body || !ui->status) {
		ui->small = true;
		return;
	}
	wbkgdset(ui->title, ' ' | ui_attr(ui, THEME_TITLE));
	wbkgdset(ui->body, ' ' | ui_attr(ui, THEME_DEFAULT));
	wbkgdset(ui->status, ' ' | ui_attr(ui, THEME_STATUS));
	for (i = 0; i < ui->depth; i++)
		if (ui->stack[i].ops->resize)
			ui->stack[i].ops->resize(ui, ui->stack[i].state, LINES - 2, COLS);
}

/* The title bar's right part, the keys that open the screens and help, in one of three forms
 * from widest to narrowest: two spaces between entries, one space, one space without the
 * entry of the screen shown (the left part names it). */
static void title_keys(struct ui *ui, const struct frame *top, int form, char *out, size_t n)
{
	char kn[KEYMAP_NAME_MAX];
	const char *gap = form == 0 ? "  " : " ";
	size_t i, len = 0;
	int keys[1];

	text_copy(out, n, " ");
	len = strlen(out);
	for (i = 0; i < NSCREENS; i++) {
		const struct keymap_action *a = &ui->global_acts[NFIXED + i];

		if (form == 2 && screens[i] == top->ops)
			continue;
		if (keymap_keys_of(ui->km, top->scope, KEYMAP_GLOBAL, a->id, keys, 1) == 0)
			continue;
		keymap_key_name(keys[0], kn, sizeof(kn));
		if (text_printf(out + len, n - len, "%s %s%s", kn, screens[i]->title, gap))
			break;
		len = strlen(out);
	}
	if (keymap_keys_of(ui->km, top->scope, KEYMAP_GLOBAL, UI_ACT_HELP, keys, 1)) {
		keymap_key_name(keys[0], kn, sizeof(kn));
		text_printf(out + len, n - len, "%s Help ", kn);
	}
}

/* The title bar: where we are on the left, how to get elsewhere on the right. The widest form
 * of the keys that fits beside the longest screen title is used on every screen, so the bar
 * does not change its spacing from screen to screen; when even the narrowest does not fit, the
 * left part drops "loftdial |", then the keys are cut with an ellipsis. Never wraps. */
static void draw_title(struct ui *ui)
{
	const struct frame *top = &ui->stack[ui->depth - 1];
	char right[512], left[128];
	int form, lw, rw, widest = 0;
	size_t i;

	for (i = 0; i < NSCREENS; i++) {
		text_printf(left, sizeof(left), " loftdial | %s", screens[i]->title);
		if ((int)twidth_str(left) > widest)
			widest = (int)twidth_str(left);
	}
	werase(ui->title);
	text_printf(left, sizeof(left), " loftdial | %s", top->ops->title);
	for (form = 0; form < 3; form++) {
		title_keys(ui, top, form, right, sizeof(right));
		if (widest + (int)twidth_str(right) <= ui->cols ||
		    (form == 2 && (int)twidth_str(left) + (int)twidth_str(right) <= ui->cols))
			break;
	}
	if (form == 3)
		text_printf(left, sizeof(left), " %s", top->ops->title);
	lw = (int)twidth_str(left);
	rw = (int)twidth_str(right);
	if (rw > ui->cols - lw)
		rw = ui->cols - lw > 0 ? ui->cols - lw : 0;
	ui_text(ui, ui->title, 0, 0, ui->cols - rw, left, true);
	if (rw > 0)
		ui_text(ui, ui->title, 0, ui->cols - rw, rw, right, true);
	wnoutrefresh(ui->title);
}

/* The status line: the prompt while typing, else the last message, else a hint. */
static void draw_status(struct ui *ui)
{
	werase(ui->status);
	if (ui->prompt) {
		char line[UI_PROMPT_MAX + 4];
		size_t w;

		text_printf(line, sizeof(line), "%c%s", ui->prompt, ui->input);
		/* Keep the end of a long input in view. */
		w = twidth_str(line);
		if (w + 1 > (size_t)ui->cols) {
			const char *p = line;

			while (*p && twidth_str(p) + 1 > (size_t)ui->cols)
				p++;
			while ((*p & 0xc0) == 0x80)
				p++;
			ui_text(ui, ui->status, 0, 0, ui->cols, p, true);
		} else {
			ui_text(ui, ui->status, 0, 0, ui->cols, line, true);
		}
		curs_set(1);
		wmove(ui->status, 0, (int)(w < (size_t)ui->cols ? w : (size_t)ui->cols - 1));
	} else if (ui->msg[0]) {
		wattron(ui->status, ui_attr(ui, ui->msg_elem));
		ui_text(ui, ui->status, 0, 0, ui->cols, ui->msg, true);
		wattroff(ui->status, ui_attr(ui, ui->msg_elem));
	} else {
		char kn[KEYMAP_NAME_MAX] = "?", kc[KEYMAP_NAME_MAX] = ":";
		int k;

		if (keymap_keys_of(ui->km, ui->stack[ui->depth - 1].scope, KEYMAP_GLOBAL,
		                   UI_ACT_HELP, &k, 1))
			keymap_key_name(k, kn, sizeof(kn));
		if (keymap_keys_of(ui->km, ui->stack[ui->depth - 1].scope, KEYMAP_GLOBAL,
		                   UI_ACT_COMMAND, &k, 1))
			keymap_key_name(k, kc, sizeof(kc));
		ui_textf(ui, ui->status, 0, 0, ui->cols, true, " %s keys  %s commands  theme %s",
		         kn, kc, ui->theme_name);
	}
	wnoutrefresh(ui->status);
}

/* The render pass: runs once per loop turn in which something changed. */
static void render(void *arg)
{
	struct ui *ui = arg;
	const struct frame *top;

	if (!term_active() || ui->depth == 0)
		return;
	if (LINES != ui->rows || COLS != ui->cols)
		layout(ui);
	curs_set(0);
	if (ui->small) {
		char line[128];

		werase(stdscr);
		text_printf(line, sizeof(line), "loftdial needs at least %dx%d", UI_MIN_COLS,
		            UI_MIN_ROWS);
		mvwaddnstr(stdscr, LINES / 2 - 1, 0, line, COLS);
		text_printf(line, sizeof(line), "this window is %dx%d", COLS, LINES);
		mvwaddnstr(stdscr, LINES / 2, 0, line, COLS);
		mvwaddnstr(stdscr, LINES / 2 + 1, 0, "q quits", COLS);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	top = &ui->stack[ui->depth - 1];
	draw_title(ui);
	werase(ui->body);
	ui->cursor_w = NULL;
	top->ops->draw(ui, top->state, ui->body, LINES - 2, COLS);
	wnoutrefresh(ui->body);
	draw_status(ui);
	/* A text field's caret, unless the prompt has the cursor. */
	if (ui->cursor_w && !ui->prompt) {
		wmove(ui->cursor_w, ui->cursor_y, ui->cursor_x);
		wnoutrefresh(ui->cursor_w);
		curs_set(1);
	}
	doupdate();
}

/* ---- the stack ---- */

/* Scope index of a screen. */
static int scope_of(const struct ui *ui, const struct screen_ops *ops)
{
	size_t i;

	for (i = 0; i < NSCREENS; i++)
		if (screens[i] == ops)
			return ui->scope_of[i];
	return KEYMAP_GLOBAL;
}

static void close_top(struct ui *ui)
{
	struct frame *f = &ui->stack[--ui->depth];

	if (f->ops->close)
		f->ops->close(ui, f->state);
	free(f->arg);
	memset(f, 0, sizeof(*f));
}

/* Opens ops on top; when it is already on the stack, goes back to it instead, unless it
 * comes with an argument (ui_push_arg): then it and what is above it close and it opens anew.
 * The pending argument is taken over by the frame, or freed. */
static int push_screen(struct ui *ui, const struct screen_ops *ops)
{
	bool has_arg = ui->pending_has_arg;
	struct frame *f;
	unsigned seq;
	int i, err;

	for (i = 0; i < ui->depth; i++) {
		if (ui->stack[i].ops == ops) {
			while (ui->depth > i + (has_arg ? 0 : 1))
				close_top(ui);
			break;
		}
	}
	if (i < ui->depth && !has_arg)
		return 0;
	if (ui->depth >= UI_STACK_MAX) {
		drop_pending_arg(ui);
		ui_status(ui, THEME_WARNING, "too many screens open: q goes back");
		return ENOSPC;
	}
	f = &ui->stack[ui->depth];
	f->ops = ops;
	f->scope = scope_of(ui, ops);
	f->state = NULL;
	f->arg = ui->pending_arg;
	f->arg_len = ui->pending_len;
	f->serial = ++ui->frame_serial;
	ui->pending_arg = NULL;
	ui->pending_len = 0;
	ui->pending_has_arg = false;
	ui->opening = f;
	seq = ui->msg_seq;
	err = ops->open ? ops->open(ui, &f->state) : 0;
	ui->opening = NULL;
	if (err) {
		/* A screen that said why it cannot open keeps its own words. */
		if (ui->msg_seq == seq)
			ui_status(ui, THEME_ERROR, "cannot open %s: %s", ops->title, strerror(err));
		free(f->arg);
		memset(f, 0, sizeof(*f));
		return err;
	}
	ui->depth++;
	if (ops->resize && !ui->small)
		ops->resize(ui, f->state, LINES - 2, COLS);
	return 0;
}

/* The linger deadline: end now, whatever is still hanging up. */
static void linger_timeout(void *arg)
{
	struct ui *ui = arg;

	log_warn("ui", "%u screen task(s) still ending after %d ms: leaving anyway", ui->nlinger,
	         UI_LINGER_MS);
	loop_quit(ui->code);
}

/* Ends the TUI: every screen is closed now; the loop ends at once, or when what the screens
 * left running (ui_linger) is done, or at the deadline. */
static void begin_quit(struct ui *ui, int code)
{
	if (ui->quitting) {
		loop_quit(ui->code);
		return;
	}
	ui->quitting = true;
	ui->code = code;
	/* Timestamped, so a slow quit can be read from the log: this line, "TUI ended" (the
	 * terminal given back) and "TUI closed" (the session and the store closed). */
	log_info("ui", "leaving the TUI (%d)", code);
	while (ui->depth > 0)
		close_top(ui);
	if (ui->nlinger == 0) {
		loop_quit(code);
		return;
	}
	log_info("ui", "waiting for %u screen task(s) to end", ui->nlinger);
	tmr_start(&ui->linger_tmr, UI_LINGER_MS, linger_timeout, ui);
}

/* The serial of the top frame, 0 when none. */
static unsigned long top_serial(const struct ui *ui)
{
	return ui->depth > 0 ? ui->stack[ui->depth - 1].serial : 0;
}

/* After the stack changed: when the top is a screen that was open before (below the old top)
 * rather than one opened now, it is told it is on top again. */
static void resume_uncovered(struct ui *ui, unsigned long old_top, unsigned long last_opened)
{
	struct frame *top;

	if (ui->quitting || ui->depth == 0)
		return;
	top = &ui->stack[ui->depth - 1];
	if (top->serial == old_top || top->serial > last_opened || !top->ops->resume)
		return;
	top->ops->resume(ui, top->state);
}

/* Carries out what a handler returned. */
static void react(struct ui *ui, int r)
{
	unsigned long old_top = top_serial(ui), last_opened = ui->frame_serial;

	if (r & UI_QUIT) {
		begin_quit(ui, 0);
		return;
	}
	if (r & UI_POP) {
		close_top(ui);
		if (ui->depth == 0) {
			begin_quit(ui, 0);
			return;
		}
	}
	if ((r & UI_PUSH) && ui->pending_push) {
		const struct screen_ops *ops = ui->pending_push;

		ui->pending_push = NULL;
		(void)push_screen(ui, ops);
	}
	resume_uncovered(ui, old_top, last_opened);
	if (r & UI_RELAYOUT) {
		ui->rows = ui->cols = -1;
		clearok(curscr, TRUE);
	}
	if (r)
		loop_dirty();
}

static void react_later(void *arg)
{
	struct ui *ui = arg;
	int r = ui->later;

	ui->later = 0;
	/* A push asked for when the TUI was already ending is dropped with its argument. */
	if (ui->quitting || ui->depth == 0) {
		drop_pending_arg(ui);
		ui->pending_push = NULL;
		return;
	}
	react(ui, r);
}

/* ---- actions, the prompt and commands ---- */

/* Opens help on the keys of the top screen: its keymap scope is help's argument. */
static int open_help(struct ui *ui)
{
	const struct frame *top = &ui->stack[ui->depth - 1];
	int err;

	if (top->ops == &screen_help)
		return UI_NONE;
	err = ui_push_arg(ui, screen_help.name, &top->scope, sizeof(top->scope));
	if (err) {
		ui_status(ui, THEME_ERROR, "cannot open help: %s", strerror(err));
		return UI_REDRAW;
	}
	return UI_PUSH;
}

/* Runs an action of scope owner on the top screen. */
static int run_action(struct ui *ui, int owner, int id)
{
	struct frame *top = &ui->stack[ui->depth - 1];
	size_t i;

	if (owner != KEYMAP_GLOBAL)
		return top->ops->key ? top->ops->key(ui, top->state, id) : UI_NONE;
	if (id >= UI_ACT_OPEN && id < UI_ACT_OPEN + (int)NSCREENS) {
		if (screens[id - UI_ACT_OPEN] == &screen_help)
			return open_help(ui);
		drop_pending_arg(ui);
		ui->pending_push = screens[id - UI_ACT_OPEN];
		return UI_PUSH;
	}
	switch (id) {
	case UI_ACT_BACK:
		/* A screen may close a sub-view of its own first. */
		if (top->ops->key && top->ops->key(ui, top->state, id) != UI_NONE)
			return UI_REDRAW;
		return UI_POP;
	case UI_ACT_QUIT:
		/* A screen with something live (a call) may ask first. */
		if (top->ops->key && top->ops->key(ui, top->state, id) != UI_NONE)
			return UI_REDRAW;
		return UI_QUIT;
	case UI_ACT_HELP:
		return open_help(ui);
	case UI_ACT_COMMAND:
	case UI_ACT_SEARCH:
		if (id == UI_ACT_SEARCH && !top->ops->search) {
			ui_status(ui, THEME_WARNING, "%s has nothing to search", top->ops->title);
			return UI_REDRAW;
		}
		ui->prompt = id == UI_ACT_COMMAND ? ':' : '/';
		ui->input[0] = '\0';
		ui->tab_index = 0;
		return UI_REDRAW;
	case UI_ACT_SEARCH_NEXT:
		if (!top->ops->search || !ui->last_search[0])
			return UI_NONE;
		return top->ops->search(ui, top->state, ui->last_search);
	case UI_ACT_REDRAW:
		return UI_RELAYOUT;
	case UI_ACT_THEME:
		for (i = 0; i < NCYCLE; i++)
			if (!strcmp(theme_cycle[i], ui->theme_name))
				break;
		load_theme(ui, theme_cycle[(i + 1) % NCYCLE]);
		if (!ui->msg[0] || ui->msg_elem != THEME_WARNING)
			ui_status(ui, THEME_OK, "theme %s", ui->theme_name);
		return UI_RELAYOUT;
	default:
		return top->ops->key ? top->ops->key(ui, top->state, id) : UI_NONE;
	}
}

/* The words the : prompt knows, for completion: commands, screens and action names. */
static size_t command_words(struct ui *ui, const char **out, size_t max)
{
	static const char *const cmds[] = {"quit", "theme", "bind"};
	int scope = ui->stack[ui->depth - 1].scope;
	const struct keymap_action *a;
	size_t n = 0, i, na;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]) && n < max; i++)
		out[n++] = cmds[i];
	for (i = 0; i < NSCREENS && n < max; i++)
		out[n++] = screens[i]->name;
	a = keymap_actions(ui->km, scope, &na);
	for (i = 0; scope != KEYMAP_GLOBAL && i < na && n < max; i++)
		out[n++] = a[i].name;
	a = keymap_actions(ui->km, KEYMAP_GLOBAL, &na);
	for (i = 0; i < na && n < max; i++)
		if (strncmp(a[i].name, "open-", 5))
			out[n++] = a[i].name;
	return n;
}

/* Tab at the : prompt: completes the command (or the theme name after `theme `); repeated
 * Tabs cycle through the matches. */
static void complete(struct ui *ui)
{
	const char *words[128], *match[128];
	char prefix[UI_PROMPT_MAX] = "";
	const char *stem;
	size_t nw, nm = 0, i;

	if (ui->tab_index == 0)
		text_copy(ui->tab_stem, sizeof(ui->tab_stem), ui->input);
	stem = ui->tab_stem;
	if (!strncmp(stem, "theme ", 6)) {
		for (i = 0; i < NCYCLE; i++)
			words[i] = theme_cycle[i];
		nw = NCYCLE;
		text_copy(prefix, sizeof(prefix), "theme ");
		stem += 6;
	} else if (strchr(stem, ' ')) {
		return;
	} else {
		nw = command_words(ui, words, 128);
	}
	for (i = 0; i < nw; i++)
		if (!strncmp(words[i], stem, strlen(stem)))
			match[nm++] = words[i];
	if (nm == 0) {
		ui_status(ui, THEME_WARNING, "no command starts with '%s'", stem);
		return;
	}
	text_printf(ui->input, sizeof(ui->input), "%s%s", prefix, match[ui->tab_index % nm]);
	ui->tab_index++;
	if (nm > 1) {
		char list[UI_MSG_MAX] = "";
		size_t len = 0;

		for (i = 0; i < nm && len + 1 < sizeof(list); i++) {
			text_printf(list + len, sizeof(list) - len, "%s%s", i ? " " : "", match[i]);
			len = strlen(list);
		}
		text_copy(ui->msg, sizeof(ui->msg), list);
		ui->msg_elem = THEME_MUTED;
	}
}

/* Runs what was typed at the : prompt. */
static int run_command(struct ui *ui, char *line)
{
	int scope = ui->stack[ui->depth - 1].scope;
	const struct keymap_action *a;
	char *cmd, *arg, err[256];
	size_t na, i;
	int k;

	while (*line == ' ')
		line++;
	cmd = line;
	arg = strchr(line, ' ');
	if (arg) {
		*arg++ = '\0';
		while (*arg == ' ')
			arg++;
	}
	if (!*cmd)
		return UI_REDRAW;
	if (!strcmp(cmd, "q") || !strcmp(cmd, "quit"))
		return UI_QUIT;
	if (!strcmp(cmd, "theme")) {
		if (!arg || !*arg) {
			ui_status(ui, THEME_OK,
			          "theme %s (themes: default light high-contrast mono)",
			          ui->theme_name);
			return UI_REDRAW;
		}
		ui->msg[0] = '\0';
		load_theme(ui, arg);
		if (!ui->msg[0])
			ui_status(ui, THEME_OK, "theme %s", ui->theme_name);
		return UI_RELAYOUT;
	}
	if (!strcmp(cmd, "bind")) {
		char *sc = arg ? strtok(arg, " ") : NULL, *key = strtok(NULL, " "),
		     *act = strtok(NULL, " ");

		if (!sc || !key || !act) {
			ui_status(ui, THEME_WARNING, "usage: bind <screen> <key> <action>");
		} else if (keymap_bind(ui->km, sc, key, act, err, sizeof(err))) {
			ui_status(ui, THEME_WARNING, "%s", err);
		} else {
			ui_status(ui, THEME_OK, "bound %s on %s to %s (until loftdial quits)", key,
			          sc, act);
		}
		return UI_REDRAW;
	}
	if (find_screen(cmd, NULL) == &screen_help)
		return open_help(ui);
	if (find_screen(cmd, NULL)) {
		ui_push(ui, cmd);
		return UI_PUSH;
	}
	for (k = 0; k < 2; k++) {
		int sc = k == 0 ? scope : KEYMAP_GLOBAL;

		a = keymap_actions(ui->km, sc, &na);
		for (i = 0; i < na; i++)
			if (!strcmp(a[i].name, cmd))
				return run_action(ui, sc, a[i].id);
	}
	ui_status(ui, THEME_WARNING, "unknown command '%s' (Tab lists them)", cmd);
	return UI_REDRAW;
}

/* Appends a code point to the prompt input as UTF-8. */
static void input_add(struct ui *ui, int cp)
{
	char u[5] = {0};
	size_t len = strlen(ui->input);

	if (cp < 0x80) {
		u[0] = (char)cp;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
	}
	if (len + strlen(u) < sizeof(ui->input))
		memcpy(ui->input + len, u, strlen(u) + 1);
}

/* A key while the prompt is open. */
static int prompt_key(struct ui *ui, int key)
{
	struct frame *top = &ui->stack[ui->depth - 1];
	size_t len = strlen(ui->input);
	char line[UI_PROMPT_MAX];
	int kind = ui->prompt;

	if (key != '\t')
		ui->tab_index = 0;
	if (key == 27 || key == 3 || key == 7) { /* Esc, C-c, C-g */
		ui->prompt = 0;
		return UI_REDRAW;
	}
	if (key == (KEYMAP_FN | KEY_BACKSPACE)) {
		if (len == 0) {
			ui->prompt = 0;
			return UI_REDRAW;
		}
		while (len > 0 && (ui->input[len - 1] & 0xc0) == 0x80)
			len--;
		ui->input[len > 0 ? len - 1 : 0] = '\0';
		if (kind == '/' && top->ops->input)
			return top->ops->input(ui, top->state, ui->input) | UI_REDRAW;
		return UI_REDRAW;
	}
	if (key == 21) { /* C-u */
		ui->input[0] = '\0';
		if (kind == '/' && top->ops->input)
			return top->ops->input(ui, top->state, ui->input) | UI_REDRAW;
		return UI_REDRAW;
	}
	if (key == '\t' && kind == ':') {
		complete(ui);
		return UI_REDRAW;
	}
	if (key == '\n') {
		ui->prompt = 0;
		ui->msg[0] = '\0';
		text_copy(line, sizeof(line), ui->input);
		if (kind == ':')
			return run_command(ui, line) | UI_REDRAW;
		if (!line[0])
			return UI_REDRAW;
		text_copy(ui->last_search, sizeof(ui->last_search), line);
		return top->ops->search(ui, top->state, line) | UI_REDRAW;
	}
	if (key >= ' ' && key < KEYMAP_FN && key != 127 && !(key >= 0x80 && key < 0xa0))
		input_add(ui, key);
	if (kind == '/' && top->ops->input)
		return top->ops->input(ui, top->state, ui->input) | UI_REDRAW;
	return UI_REDRAW;
}

/* One key from the terminal. */
static void on_key(struct ui *ui, int key)
{
	const struct keymap_action *a;
	const struct frame *top;
	int owner = 0, r;

	key = keymap_key_fold(key);
	if (key == (KEYMAP_FN | KEY_RESIZE))
		return; /* resizes arrive through SIGWINCH */
	ui->action_key = 0;
	if (ui->prompt) {
		react(ui, prompt_key(ui, key));
		return;
	}
	if (ui->small) {
		/* Only leaving works until the window is big enough. */
		a = keymap_lookup(ui->km, ui->stack[ui->depth - 1].scope, key, &owner);
		if (a && owner == KEYMAP_GLOBAL && (a->id == UI_ACT_BACK || a->id == UI_ACT_QUIT))
			react(ui, UI_QUIT);
		return;
	}
	if (ui->msg[0]) {
		ui->msg[0] = '\0';
		loop_dirty();
	}
	top = &ui->stack[ui->depth - 1];
	if (!ui->pasting && top->ops->keypress) {
		r = top->ops->keypress(ui, top->state, key);
		if (r != UI_PASS) {
			react(ui, r);
			return;
		}
	}
	/* A paste no text field took: its keys are not commands. A paste arrives in one burst,
	 * so one whose end marker never came ends after a second without keys. */
	if (key == EDITLINE_PASTE_BEGIN || key == EDITLINE_PASTE_END) {
		ui->pasting = key == EDITLINE_PASTE_BEGIN;
		ui->paste_at = loop_now_ms();
		if (!ui->pasting)
			ui_status(ui, THEME_MUTED, "paste ignored: %s has no text field here",
			          top->ops->title);
		return;
	}
	if (ui->pasting && loop_now_ms() - ui->paste_at > UI_PASTE_GAP_MS)
		ui->pasting = false;
	if (ui->pasting) {
		ui->paste_at = loop_now_ms();
		return;
	}
	a = keymap_lookup(ui->km, top->scope, key, &owner);
	if (!a) {
		char kn[KEYMAP_NAME_MAX];

		keymap_key_name(key, kn, sizeof(kn));
		ui_status(ui, THEME_MUTED, "%s: no action on this screen (? lists the keys)", kn);
		return;
	}
	ui->action_key = key;
	r = run_action(ui, owner, a->id);
	ui->action_key = 0;
	react(ui, r);
}

/* stdin is readable: take every key that is waiting. */
static void on_stdin(void *arg)
{
	struct ui *ui = arg;
	wint_t wc;
	int rc, n = 0;

	while (ui->depth > 0 && !loop_quitting() && (rc = wget_wch(stdscr, &wc)) != ERR) {
		on_key(ui, rc == KEY_CODE_YES ? (int)(KEYMAP_FN | (int)wc) : (int)wc);
		if (++n > 4096)
			break; /* a paste storm: come back next turn */
	}
}

/* SIGWINCH (from the loop, in normal context): resize now, relayout in this turn. */
static void on_winch(void *arg)
{
	struct ui *ui = arg;

	term_resize();
	ui->rows = ui->cols = -1;
	loop_dirty();
}

/* SIGINT, SIGTERM, SIGHUP: leave through the normal path, which restores the terminal. */
static void on_signal(int sig, void *arg)
{
	struct ui *ui = arg;

	log_info("ui", "signal %d: leaving the TUI", sig);
	begin_quit(ui, 128 + sig);
}

/* `bind` mistakes in the config: logged, the first shown on the status line. */
static void bind_warn(const char *file, unsigned line, const char *msg, void *arg)
{
	theme_warn(file, line, msg, arg);
}

/* Builds the keymap: global actions, one opener per screen, each screen's actions, then
 * the user's bind lines. */
static int build_keymap(struct ui *ui)
{
	struct theme_warnings w = {0};
	size_t i;
	int err;

	err = keymap_new(&ui->km);
	if (err)
		return err;
	memcpy(ui->global_acts, fixed_acts, sizeof(fixed_acts));
	for (i = 0; i < NSCREENS; i++) {
		struct keymap_action *a = &ui->global_acts[NFIXED + i];

		text_printf(ui->open_names[i], sizeof(ui->open_names[i]), "open-%s",
		            screens[i]->name);
		text_printf(ui->open_help[i], sizeof(ui->open_help[i]), "Open the %s screen",
		            screens[i]->title);
		a->id = UI_ACT_OPEN + (int)i;
		a->name = ui->open_names[i];
		a->keys = screens[i]->keys;
		a->help = ui->open_help[i];
	}
	if (keymap_add_scope(ui->km, "global", ui->global_acts, NFIXED + NSCREENS) != KEYMAP_GLOBAL)
		return EINVAL;
	for (i = 0; i < NSCREENS; i++) {
		ui->scope_of[i] = keymap_add_scope(ui->km, screens[i]->name, screens[i]->actions,
		                                   screens[i]->nactions);
		if (ui->scope_of[i] < 0)
			return EINVAL;
	}
	err = keymap_load(ui->km, ui->paths->config_file, bind_warn, &w);
	if (err && err != ENOENT)
		log_warn("ui", "cannot read %s: %s", ui->paths->config_file, strerror(err));
	if (w.n > 1)
		ui_status(ui, THEME_WARNING, "%s (and %u more warnings in the log)", w.first,
		          w.n - 1);
	else if (w.n == 1)
		ui_status(ui, THEME_WARNING, "%s", w.first);
	return 0;
}

/* The start's sync ended: the screen it asked for opens (loftdial demo lands on Lists). */
static void start_watch(struct ui *ui, const struct ui_session_note *n, void *arg)
{
	const struct screen_ops *ops = ui->then_open;

	(void)arg;
	if (n->ev != UI_SESSION_SYNC || !n->sync || n->sync->ev != SYNCSVC_RUN_DONE)
		return;
	ui_session_unwatch(ui, start_watch, NULL);
	ui->then_open = NULL;
	if (ops && ui->depth > 0 && push_screen(ui, ops) == 0)
		loop_dirty();
}

/* Carries out the start: a sync now, then (or at once when none can run) the screen. */
static void start(struct ui *ui, const struct ui_start *st)
{
	ui->then_open = st->then_open ? find_screen(st->then_open, NULL) : NULL;
	if (st->sync_now && ui_sync(ui)) {
		if (ui->then_open && ui_session_watch(ui, start_watch, NULL))
			ui->then_open = NULL;
		if (syncsvc_run_now(ui_sync(ui), false) == 0) {
			log_info("ui", "sync started at start-up");
			return;
		}
		ui_session_unwatch(ui, start_watch, NULL);
	}
	if (ui->then_open)
		(void)push_screen(ui, ui->then_open);
	ui->then_open = NULL;
}

int ui_main(const struct paths *paths, const struct config *cfg)
{
	return ui_main_with(paths, cfg, NULL);
}

/* A monotonic clock in milliseconds, for the closing times logged. */
static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int ui_main_with(const struct paths *paths, const struct config *cfg, const struct ui_start *st)
{
	struct ui *ui = calloc(1, sizeof(*ui));
	char msg[256];
	double t0, t1;
	int err, code = 1;

	if (!ui) {
		fprintf(stderr, "loftdial: out of memory\n");
		return 1;
	}
	ui->paths = paths;
	ui->cfg = cfg;
	setlocale(LC_ALL, "");
	ui->utf8 = term_utf8();
	log_set_stderr(LOG_OFF);
	err = build_keymap(ui);
	if (err) {
		fprintf(stderr, "loftdial: cannot build the key map: %s\n", strerror(err));
		goto out;
	}
	err = store_open(&ui->st, paths->db_file);
	if (err) {
		log_warn("ui", "cannot open %s: %s", paths->db_file, strerror(err));
		ui_status(ui, THEME_ERROR, "cannot open the database %s: %s", paths->db_file,
		          strerror(err));
		ui->st = NULL;
	} else {
		/* A frame never waits 5 s for another process's write lock (uisvc.h). */
		(void)store_set_busy_timeout(ui->st, UI_BUSY_MS);
	}
	err = loop_init();
	if (err) {
		fprintf(stderr, "loftdial: cannot start the event loop: %s\n", strerror(err));
		goto out;
	}
	ui->running = true;
	tmr_init(&ui->linger_tmr);
	err = uisvc_new(&ui->svc, ui);
	if (err) {
		fprintf(stderr, "loftdial: cannot start the Salesloft session: %s\n",
		        strerror(err));
		goto out;
	}
	/* The loop's signal handlers are in place first, so curses keeps its hands off
	 * SIGWINCH and every signal arrives through the loop. */
	err = term_open(msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "loftdial: cannot start the terminal UI: %s\n", msg);
		goto out;
	}
	ui->color = term_has_color();
	if (ui->color) {
		start_color();
		if (use_default_colors() == ERR)
			log_info("ui", "the terminal has no default colours; using white on black");
	}
	load_theme(ui, config_str(cfg, "ui.theme"));
	ui->rows = ui->cols = -1;
	/* The session first, so Home's first frame already shows the sync service. */
	(void)ui_session_start(ui);
	err = push_screen(ui, &screen_home);
	if (err) {
		term_close();
		fprintf(stderr, "loftdial: cannot open the home screen: %s\n", strerror(err));
		goto out;
	}
	if (st)
		start(ui, st);
	loop_set_render(render, ui);
	loop_on_signal(on_signal, ui);
	err = loop_watch_stdin(on_stdin, ui);
	err = err ? err : loop_watch_winch(on_winch, ui);
	if (err) {
		term_close();
		fprintf(stderr, "loftdial: cannot watch the terminal: %s\n", strerror(err));
		goto out;
	}
	log_info("ui", "TUI started (%dx%d, %s, theme %s)", COLS, LINES,
	         ui->color ? "colour" : "no colour", ui->theme_name);
	loop_dirty();
	code = loop_run();
	if (ui->code)
		code = ui->code;
	while (ui->depth > 0)
		close_top(ui);
	tmr_cancel(&ui->linger_tmr);
	linger_free_all(ui);
	loop_set_render(NULL, NULL);
	loop_watch_stdin(NULL, NULL);
	loop_watch_winch(NULL, NULL);
	loop_on_signal(NULL, NULL);
	if (ui->title)
		delwin(ui->title);
	if (ui->body)
		delwin(ui->body);
	if (ui->status)
		delwin(ui->status);
	term_close();
	log_info("ui", "TUI ended (%d)", code);
out:
	while (ui->depth > 0)
		close_top(ui);
	drop_pending_arg(ui);
	loop_defer_cancel(&ui->later_job);
	if (ui->running)
		tmr_cancel(&ui->linger_tmr);
	linger_free_all(ui);
	forget_kept(ui);
	term_close();
	t0 = mono_ms();
	uisvc_free(ui->svc);
	loop_close();
	t1 = mono_ms();
	store_close(ui->st);
	log_info("ui", "TUI closed (the Salesloft session in %.0f ms, the store in %.0f ms)",
	         t1 - t0, mono_ms() - t1);
	keymap_free(ui->km);
	free(ui);
	return code;
}

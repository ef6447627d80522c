/*
 * screen: what a screen of the TUI implements, and the services the screen manager (ui.c)
 * offers it. Private to src/ui.
 *
 * A screen is one file, src/ui/scr_<name>.c, exporting one `const struct screen_ops`, listed
 * once in UI_SCREENS below. The manager never looks inside a screen: it calls the ops. Key
 * handlers change the screen's state and return what to do (redraw, push, pop, quit); only
 * draw() writes to the terminal, and only from the manager's one render pass per loop turn.
 * Work that finishes later (a timer, a sync progress callback) calls ui_dirty(), or
 * ui_react() for a reaction such as a push.
 */
#ifndef LOFTDIAL_UI_SCREEN_H
#define LOFTDIAL_UI_SCREEN_H

#include <stdbool.h>
#include <stddef.h>

#include <curses.h>

#include "loftdial/config.h"
#include "loftdial/keymap.h"
#include "loftdial/paths.h"
#include "loftdial/store.h"
#include "loftdial/theme.h"

/* What a key handler asks the manager to do (bits). */
enum ui_react {
	UI_NONE = 0,
	UI_REDRAW = 1,   /* the screen changed: draw it again */
	UI_RELAYOUT = 2, /* rebuild every window (sizes or theme changed), then draw */
	UI_POP = 4,      /* close this screen and show the one below (quits on the last) */
	UI_PUSH = 8,     /* open the screen named with ui_push() */
	UI_QUIT = 16,    /* leave the TUI */
};
/* A keypress op's "not mine": the key goes on to the keymap. */
#define UI_PASS (-1)

/* The global actions (scope "global"); a screen's own actions use ids >= UI_ACT_SCREEN. */
enum ui_action {
	UI_ACT_BACK = 1,
	UI_ACT_QUIT,
	UI_ACT_HELP,
	UI_ACT_COMMAND,
	UI_ACT_SEARCH,
	UI_ACT_SEARCH_NEXT,
	UI_ACT_UP,
	UI_ACT_DOWN,
	UI_ACT_PAGE_UP,
	UI_ACT_PAGE_DOWN,
	UI_ACT_TOP,
	UI_ACT_BOTTOM,
	UI_ACT_SELECT,
	UI_ACT_REDRAW,
	UI_ACT_THEME,
	UI_ACT_OPEN = 50,    /* UI_ACT_OPEN + i opens the i-th screen of UI_SCREENS */
	UI_ACT_SCREEN = 100, /* first id free for a screen's own actions */
};

struct ui;

struct screen_ops {
	const char *name;  /* "home": keymap scope, `bind home ...`, `:home` */
	const char *title; /* in the title bar */
	const char *keys;  /* default keys that open it from any screen ("1"), "" for none */
	const struct keymap_action *actions; /* the screen's own actions (ids >= UI_ACT_SCREEN) */
	size_t nactions;
	/* One paragraph for the help screen: what this screen shows. */
	const char *about;
	/* Creates the screen's state; 0 or an errno value (the screen is not opened). */
	int (*open)(struct ui *ui, void **state);
	/* Runs an action (a global navigation one such as UI_ACT_DOWN, or the screen's own);
	 * returns enum ui_react bits. Never draws. UI_ACT_BACK is offered here first: a screen
	 * with a sub-view (a card over a list) returns UI_REDRAW to close it, UI_NONE lets the
	 * manager close the screen. UI_ACT_QUIT too: a screen with something live (a call) may
	 * ask first and return UI_REDRAW; UI_NONE lets the TUI end. */
	int (*key)(struct ui *ui, void *state, int action);
	/* Every key before the keymap sees it (optional; for text fields): returns enum ui_react
	 * bits when the screen took it, UI_PASS to let the keymap look it up. key is the
	 * keymap's int (a code point, or KEYMAP_FN | a curses KEY_*). */
	int (*keypress)(struct ui *ui, void *state, int key);
	/* Draws the body into w (rows x cols, already erased). */
	void (*draw)(struct ui *ui, void *state, WINDOW *w, int rows, int cols);
	/* The body changed size (optional). */
	void (*resize)(struct ui *ui, void *state, int rows, int cols);
	/* Text typed at the / prompt, on Enter (optional: screens without it say search is not
	 * offered). */
	int (*search)(struct ui *ui, void *state, const char *text);
	/* The / prompt's text after every keystroke, for search as you type (optional). */
	int (*input)(struct ui *ui, void *state, const char *text);
	/* The screen is on top again: the screens opened over it have closed (optional; not
	 * called on open nor while the TUI ends). For a view that can go stale meanwhile (a dial
	 * session changed what is due): it may start work, deferred and never blocking, and calls
	 * ui_dirty() when the frame changes. */
	void (*resume)(struct ui *ui, void *state);
	/* Frees the state (optional when open allocates nothing). */
	void (*close)(struct ui *ui, void *state);
	/* Frees what the screen kept across its openings in its ui_keep() slot, when the TUI
	 * ends (optional: needed by a screen that keeps something). */
	void (*forget)(void *kept);
};

/* Every screen, in the order of the title bar. Adding a screen: write src/ui/scr_NAME.c
 * with `const struct screen_ops screen_NAME`, add X(NAME) here (docs/ui.md). */
#define UI_SCREENS(X)                                                                              \
	X(home) X(contacts) X(calls) X(outbox) X(log) X(lists) X(picker) X(help) X(session)

#define UI_SCREEN_DECL(n) extern const struct screen_ops screen_##n;
UI_SCREENS(UI_SCREEN_DECL)
#undef UI_SCREEN_DECL

/* Services for screens. */
const struct paths *ui_paths(const struct ui *ui);
const struct config *ui_config(const struct ui *ui);
/* The TUI's store connection (NULL when the database could not be opened). */
struct store *ui_store(struct ui *ui);
struct keymap *ui_keymap(struct ui *ui);
const struct screen_ops *ui_scope_screen(const struct ui *ui, int scope);

/* The curses attribute of a theme element. */
attr_t ui_attr(const struct ui *ui, enum theme_elem e);
/* Draws hostile text at (y, x) in at most cols columns: sanitized (escape sequences and
 * controls never reach the terminal), cut by display width with an ellipsis, padded with
 * spaces to cols when pad. Returns the columns used. */
int ui_text(const struct ui *ui, WINDOW *w, int y, int x, int cols, const char *s, bool pad);
/* Prints a formatted line through ui_text. */
int ui_textf(const struct ui *ui, WINDOW *w, int y, int x, int cols, bool pad, const char *fmt, ...)
        __attribute__((format(printf, 7, 8)));
/* Shows the terminal's cursor at (y, x) of the body window w in this frame (a text field's
 * caret, where input methods put their window); call it from draw. Hidden otherwise. */
void ui_cursor(struct ui *ui, WINDOW *w, int y, int x);
/* A bar of width cols showing part/whole: "[#####-----]". */
void ui_gauge(const struct ui *ui, WINDOW *w, int y, int x, int cols, double part, double whole,
              enum theme_elem fill);

/* The slot where screen ops keeps what outlives one opening of it (what was read, to go on
 * from there next time): NULL until the screen stores a pointer there; the manager hands it
 * to ops->forget() when the TUI ends. NULL for a screen that is not in UI_SCREENS. */
void **ui_keep(struct ui *ui, const struct screen_ops *ops);

/* A message on the status line (sanitized), in the element's colours, until the next key. */
void ui_status(struct ui *ui, enum theme_elem e, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* The key that runs the action being handled (for an action on many keys, such as picking
 * the entry on that key); 0 when it came from the : prompt. */
int ui_action_key(const struct ui *ui);
/* Asks for the screen with that name to be opened (return UI_PUSH from the key handler). */
void ui_push(struct ui *ui, const char *name);
/* Asks for the screen with that name to be opened with an argument (return UI_PUSH from the
 * key handler): len bytes at arg are copied now, so the caller's buffer may go away. The
 * screen's open() reads the copy with ui_open_arg(); it stays valid until that screen closes.
 * A screen pushed with an argument always opens anew: when it is already on the stack, it
 * and the screens above it close first. Returns 0, EINVAL (no such screen) or ENOMEM (then
 * nothing is pushed). */
int ui_push_arg(struct ui *ui, const char *name, const void *arg, size_t len);
/* The argument of the screen being opened (inside open()) or else of the top screen; NULL
 * with *len 0 when it was pushed without one. len may be NULL. */
const void *ui_open_arg(struct ui *ui, size_t *len);
/* Asks, outside a key handler (a session's note, a timer), for what a key handler would
 * return (enum ui_react bits: UI_PUSH after ui_push()/ui_push_arg()/picker_open(), UI_POP,
 * ...): applied once, after the current handler and the jobs queued before it (loop_defer's
 * queue), before the render pass. Reactions asked for in the same turn are applied together;
 * the last screen asked for with ui_push*() is the one pushed. Nothing once the TUI is
 * ending. */
void ui_react(struct ui *ui, int r);
/* Something changed outside a key handler (timer, network): redraw in this loop turn. */
void ui_dirty(struct ui *ui);
/* Work a screen leaves running when it closes (a dial session hanging up its lines): the TUI,
 * asked to end (q on the last screen, Q, SIGINT, SIGTERM, SIGHUP), closes every screen, then
 * runs the loop on until each such work calls ui_linger_done() (the owner has freed it), or
 * for at most a few seconds; freeh(obj) frees what is left then. ENOSPC when too many are
 * waiting (free it at once), EINVAL for NULL. */
int ui_linger(struct ui *ui, void *obj, void (*freeh)(void *obj));
void ui_linger_done(struct ui *ui, void *obj);

/* A ui that only draws: the built-in theme (in colour when color, after start_color()), UTF-8,
 * no screens, store or loop; for programs that time a screen's layout alone (tests/bench).
 * NULL when out of memory; free with ui_draw_only_free(). */
struct ui *ui_draw_only(bool color);
void ui_draw_only_free(struct ui *ui);

/* A scrolling list position, for screens that show rows: the first row shown and the
 * selected one. */
struct ui_list {
	size_t count, top, sel;
	bool follow; /* keep the last row selected as rows are added (the log) */
};
/* Moves the list for a navigation action given the visible rows; returns UI_REDRAW when it
 * was one, UI_NONE otherwise. */
int ui_list_key(struct ui_list *l, int action, int rows);
/* Keeps sel inside count and on screen after a change of count or rows. */
void ui_list_fit(struct ui_list *l, int rows);

#endif

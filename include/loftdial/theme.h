/*
 * theme: the colours and attributes of the TUI's elements, read from themes/NAME.theme.
 *
 * A theme file has one rule per line, `color <element> <fg> <bg> [attr...]` (`#` starts a
 * comment). Colours are default, black, red, green, yellow, blue, magenta, cyan, white, or a
 * number 0-255 (also written color75); attributes are bold, reverse, underline, dim and
 * normal. Element names come from one table (THEME_ELEMENTS) and each has a built-in default,
 * so a missing or broken line leaves that element as the built-in theme has it: a mistake is
 * a `file:line: message` warning, never an abort. The parser is pure (text in, table out) so
 * it is unit tested and fuzzed; the TUI maps the table onto curses colour pairs.
 */
#ifndef LOFTDIAL_THEME_H
#define LOFTDIAL_THEME_H

#include <stdbool.h>
#include <stddef.h>

/* Every element, with its name in theme files. A new element goes here, into both built-in
 * tables in theme.c, and into every themes/ file. */
#define THEME_ELEMENTS(X)                                                                          \
	X(DEFAULT, "default")                                                                      \
	X(TITLE, "title")                                                                          \
	X(STATUS, "status")                                                                        \
	X(SELECTED, "selected")                                                                    \
	X(HEADER, "header")                                                                        \
	X(MUTED, "muted")                                                                          \
	X(OK, "ok")                                                                                \
	X(WARNING, "warning")                                                                      \
	X(ERROR, "error")                                                                          \
	X(LINE_RINGING, "line.ringing")                                                            \
	X(LINE_CONNECTED, "line.connected")                                                        \
	X(LINE_DROPPED, "line.dropped")                                                            \
	X(SYNC_RUNNING, "sync.running")                                                            \
	X(SYNC_DONE, "sync.done")                                                                  \
	X(SYNC_FAILED, "sync.failed")

#define THEME_ENUM(id, name) THEME_##id,
enum theme_elem { THEME_ELEMENTS(THEME_ENUM) THEME_ELEM_COUNT };
#undef THEME_ENUM

#define THEME_COLOR_DEFAULT (-1) /* the terminal's own foreground or background */

enum theme_attr {
	THEME_BOLD = 1,
	THEME_REVERSE = 2,
	THEME_UNDERLINE = 4,
	THEME_DIM = 8,
};

struct theme_style {
	short fg, bg;   /* THEME_COLOR_DEFAULT or 0..255 */
	unsigned attrs; /* enum theme_attr bits */
};

struct theme {
	struct theme_style style[THEME_ELEM_COUNT];
};

typedef void(theme_warn_h)(const char *file, unsigned line, const char *msg, void *arg);

/* The name of an element as written in theme files ("line.ringing"). */
const char *theme_elem_name(enum theme_elem e);
/* Fills t with the built-in dark theme, or the built-in mono theme (no colours: attributes
 * only) when mono is true. */
void theme_builtin(struct theme *t, bool mono);
/* Applies the rules in text on top of t (start from theme_builtin). Returns the number of
 * warnings; each went through warnh (may be NULL) as name:line: message. */
unsigned theme_parse(struct theme *t, const char *name, const char *text, size_t len,
                     theme_warn_h *warnh, void *arg);
/* The same for a file (at most 64 KiB): 0, ENOENT, EFBIG or another errno value (t unchanged
 * on error). *warnings (may be NULL) gets the warning count. */
int theme_load(struct theme *t, const char *path, theme_warn_h *warnh, void *arg,
               unsigned *warnings);
/* The colour to use on a terminal with ncolors colours: 0-255 unchanged with 256, 0-15 with
 * 16, else the nearest of the 8 basic colours (greys to black or white by lightness). */
short theme_degrade(short color, int ncolors);
/* Drops every colour (both to THEME_COLOR_DEFAULT), keeping the attributes. */
void theme_strip_colors(struct theme *t);

#endif

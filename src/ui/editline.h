/*
 * editline: a text editor widget for one field of the TUI (the notes of a call). Private to
 * src/ui.
 *
 * The text is UTF-8 kept the way the screen shows it: whatever is typed or pasted goes
 * through text_sanitize_lines() (escape sequences dropped, controls and bidi overrides made
 * '?') and then twidth's clusters (at most TWIDTH_MAX_MARKS marks on a character, marks with
 * nothing under them, joiners and variation selectors dropped), so what is logged is what the
 * rep saw. The cursor is a byte offset that always sits between clusters: moving and deleting
 * go by what the screen shows as one character, never inside a character or between a
 * character and its marks. A multi-line field keeps line breaks (Enter inserts one); a
 * one-line field turns them into spaces. The text has a cap in bytes; an insertion that does
 * not fit keeps the whole characters that do and says so (EDITLINE_FULL).
 *
 * Laying out is by display width (twidth.h): lines wrap at cluster boundaries, one column
 * before the edge so the cursor always has a cell. Keys are the keymap's ints (a code point,
 * or KEYMAP_FN | a curses KEY_*). Bracketed paste arrives as EDITLINE_PASTE_BEGIN and
 * EDITLINE_PASTE_END keys around the pasted keys, which are collected raw and inserted in one
 * go (so a pasted Esc or newline is text, never a command). Pure: no curses calls.
 */
#ifndef LOFTDIAL_UI_EDITLINE_H
#define LOFTDIAL_UI_EDITLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "loftdial/keymap.h"

/* The keys the terminal layer defines for the bracketed-paste markers (ESC [200~, ESC [201~):
 * above every curses KEY_* code, inside the keymap's function-key space. */
#define EDITLINE_PASTE_BEGIN (KEYMAP_FN | 0xff0)
#define EDITLINE_PASTE_END   (KEYMAP_FN | 0xff1)

/* What editline_key() did. */
enum editline_res {
	EDITLINE_PASS = 0, /* not an editing key: the caller's to handle */
	EDITLINE_MOVED,    /* the cursor moved (or nothing changed, but the key was taken) */
	EDITLINE_CHANGED,  /* the text changed */
	EDITLINE_FULL,     /* the text is at its cap: not all of an insertion was kept */
};

/* Moves and edits that have no single key of their own everywhere (the caller maps its
 * terminal's codes for them, such as C-Left). */
enum editline_cmd {
	EDITLINE_LEFT,
	EDITLINE_RIGHT,
	EDITLINE_WORD_LEFT,
	EDITLINE_WORD_RIGHT,
	EDITLINE_HOME, /* start of the line */
	EDITLINE_END,  /* end of the line */
	EDITLINE_UP,   /* one row up in the last layout; EDITLINE_PASS on the first row */
	EDITLINE_DOWN, /* one row down; EDITLINE_PASS on the last row */
	EDITLINE_BACKSPACE,
	EDITLINE_DELETE,
	EDITLINE_KILL_WORD,  /* the word before the cursor */
	EDITLINE_KILL_START, /* from the start of the line to the cursor */
	EDITLINE_KILL_END,   /* from the cursor to the end of the line */
};

struct editline;

/* A new empty field holding at most max bytes of text (> 0); multiline keeps line breaks.
 * 0 or ENOMEM/EINVAL. */
int editline_new(struct editline **ep, size_t max, bool multiline);
void editline_free(struct editline *e);

/* Inserts len bytes of text (typed or pasted, any bytes) at the cursor, cleaned as above;
 * the cursor ends after it. EDITLINE_CHANGED, EDITLINE_FULL when some of it did not fit, or
 * EDITLINE_MOVED when it was empty after cleaning. */
int editline_insert(struct editline *e, const char *text, size_t len);
/* Replaces the whole text (cursor at its end). */
int editline_set(struct editline *e, const char *text);
/* Runs one command. */
int editline_cmd(struct editline *e, enum editline_cmd c);
/* One key: printable characters (and Enter) insert, the editing keys move or delete (Left,
 * Right, Home, End, Up, Down, Backspace, Delete, C-a, C-e, C-w, C-u, C-k), the paste markers
 * collect; EDITLINE_PASS for anything else. Between the paste markers every key is taken. */
int editline_key(struct editline *e, int key);

/* The text (clean UTF-8, NUL-terminated), its length in bytes, the cap, the cursor. */
const char *editline_text(const struct editline *e);
size_t editline_len(const struct editline *e);
size_t editline_max(const struct editline *e);
size_t editline_cursor(const struct editline *e);
/* True between the paste markers. */
bool editline_pasting(const struct editline *e);

/* Lays the text out cols columns wide (>= 3, so a wide character and the cursor fit) and
 * keeps the cursor's row within a window of rows rows (scrolling as needed). Returns the number of
 * visual rows; *top gets the first row to show, *crow and *ccol the cursor's row (absolute) and
 * column. */
size_t editline_layout(struct editline *e, size_t cols, size_t rows, size_t *top, size_t *crow,
                       size_t *ccol);
/* The bytes of visual row i of the last layout (not terminated: len bytes). NULL past the
 * end. */
const char *editline_row(const struct editline *e, size_t i, size_t *len);

#endif

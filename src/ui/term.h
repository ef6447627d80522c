/*
 * term: taking the terminal for the TUI and giving it back exactly as it was, on every path
 * out (a normal end, a start-up failure, exit(), and a fatal signal). Private to src/ui.
 */
#ifndef LOFTDIAL_UI_TERM_H
#define LOFTDIAL_UI_TERM_H

#include <stdbool.h>
#include <stddef.h>

/* Saves the terminal modes, starts curses (cbreak, no echo, keypad, instant ESC, hidden
 * cursor, bracketed paste: its markers arrive as EDITLINE_PASTE_BEGIN/END) and arms the crash
 * handlers. On failure msg says why and the terminal is untouched. */
int term_open(char *msg, size_t n);
/* Ends curses and restores the saved modes; safe to call twice or without term_open. */
void term_close(void);
/* True between term_open and term_close. */
bool term_active(void);
/* Reads the window size from the terminal and resizes curses to it (after SIGWINCH). */
void term_resize(void);
/* True when the terminal can show colour and NO_COLOR is not set. */
bool term_has_color(void);
/* The key code (KEYMAP_FN | a curses code) the terminal sends for a terminfo key capability
 * such as "kLFT5" (C-Left), or 0 when it has none. */
int term_key_code(const char *cap);
/* True when the locale's character set is UTF-8 (otherwise text is drawn as ASCII). */
bool term_utf8(void);

#endif

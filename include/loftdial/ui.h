/*
 * ui: the terminal UI that `loftdial` opens when it is run with no subcommand.
 *
 * One ncurses program on the process's one event loop (loop.h): a stack of screens (Home,
 * Log, Help, ...), a title bar, a status line with a `:` command prompt, key bindings from
 * the keymap (with the user's `bind` lines) and colours from a theme file (`ui.theme`).
 * The terminal is given back as it was found on every way out: q, SIGTERM, SIGHUP, SIGINT, a
 * crash (SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL) and a failure at start-up.
 */
#ifndef LOFTDIAL_UI_H
#define LOFTDIAL_UI_H

#include <stdbool.h>

#include "loftdial/config.h"
#include "loftdial/paths.h"

/* Runs the TUI until the user quits; returns the process exit code (0, 1 when the terminal
 * could not be set up, 128 + signal when a signal ended it). Needs a terminal on stdin and
 * stdout; the log must already be open (messages never go to the terminal). */
int ui_main(const struct paths *paths, const struct config *cfg);

/* How the TUI starts (loftdial demo): a sync at once on Home, and a screen opened when that
 * first sync ends (whatever its result). */
struct ui_start {
	bool sync_now;
	const char *then_open; /* a screen name ("lists"), NULL to stay on Home */
};

/* ui_main with a start (NULL: as ui_main). */
int ui_main_with(const struct paths *paths, const struct config *cfg, const struct ui_start *start);

#endif

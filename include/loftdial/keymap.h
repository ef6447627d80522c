/*
 * keymap: which key runs which action on which screen.
 *
 * Actions are declared by the code that carries them out (the screen manager for the global
 * ones, each screen for its own), each with a name, its default keys and one line of help.
 * The keymap collects them into scopes ("global" plus one per screen), binds the defaults,
 * then applies the user's `bind <scope> <key> <action>` lines from the config file. A key is
 * looked up in the current screen's scope first, then in "global". The help screen is printed
 * from the same tables, so it cannot drift from what the keys do.
 *
 * Keys are ints: a Unicode code point for a character (control keys are 1..31), or
 * KEYMAP_FN | an ncurses KEY_* code for a function key. This module is pure (no terminal);
 * it only uses the KEY_* numbers from <curses.h>.
 */
#ifndef LOFTDIAL_KEYMAP_H
#define LOFTDIAL_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

#define KEYMAP_FN           0x1000000 /* above every Unicode code point */
#define KEYMAP_NAME_MAX     32        /* longest key or action name */
#define KEYMAP_SCOPE_MAX    16        /* scopes (global + screens) */
#define KEYMAP_GLOBAL       0         /* scope index of "global" */
#define KEYMAP_LINE_MAX     1024      /* longer config lines are skipped by the config parser */
#define KEYMAP_BINDINGS_MAX 512       /* per scope */

/* One action a scope offers. */
struct keymap_action {
	int id;           /* the owner's number for it */
	const char *name; /* as written in bind lines: "sync-now" */
	const char *keys; /* default keys, names separated by spaces ("j Down"), may be "" */
	const char *help; /* one line for the help screen */
};

struct keymap;

typedef void(keymap_warn_h)(const char *file, unsigned line, const char *msg, void *arg);

int keymap_new(struct keymap **kmp);
void keymap_free(struct keymap *km);

/* Adds a scope with its actions (kept by pointer: static tables) and binds their default
 * keys. The first scope added is "global". Returns the scope index, or -1 when the table is
 * full, the name is taken, or a default key name is invalid (a programming error). */
int keymap_add_scope(struct keymap *km, const char *name, const struct keymap_action *acts,
                     size_t n);
/* The scope index of a name, or -1. */
int keymap_scope(const struct keymap *km, const char *name);
const char *keymap_scope_name(const struct keymap *km, int scope);
/* The actions of a scope (for help and completion). */
const struct keymap_action *keymap_actions(const struct keymap *km, int scope, size_t *n);

/* Binds key (a key name) in scope to action (an action of that scope or a global one;
 * "none" unbinds the key). EINVAL with a message in err (may be NULL) for an unknown scope,
 * key or action; ENOSPC when the scope is full. */
int keymap_bind(struct keymap *km, const char *scope, const char *key, const char *action,
                char *err, size_t errsz);

/* Applies the `bind` lines of a config text (every other line is ignored: config.c reads
 * them). Mistakes are reported as file:line warnings through warnh and skipped. Returns the
 * number of warnings. */
unsigned keymap_parse(struct keymap *km, const char *name, const char *text, size_t len,
                      keymap_warn_h *warnh, void *arg);
/* The same for a file; ENOENT when it does not exist (nothing changes). */
int keymap_load(struct keymap *km, const char *path, keymap_warn_h *warnh, void *arg);

/* The action a key runs in scope (its own bindings first, then global), or NULL;
 * *owner (may be NULL) gets the scope the action belongs to. */
const struct keymap_action *keymap_lookup(const struct keymap *km, int scope, int key, int *owner);
/* The keys bound to an action (of scope owner) as seen from scope, for help: up to max. */
size_t keymap_keys_of(const struct keymap *km, int scope, int owner, int action_id, int *keys,
                      size_t max);

/* Parses a key name: "j", "G", "?", "é", "C-f" or "^F", "Enter", "Esc", "Tab", "Space",
 * "Backspace", "Up", "Down", "Left", "Right", "PgUp", "PgDn", "Home", "End", "Insert",
 * "Delete", "F1".."F12" (named keys are case-insensitive, <Enter> is accepted). */
int keymap_key_parse(const char *name, int *key);
/* The canonical name of a key ("C-f", "Enter", "j"); "?" codes print as "#NNN". */
void keymap_key_name(int key, char *out, size_t n);
/* Folds the codes terminals send for the same key (CR and KEY_ENTER to Enter, DEL and ^H to
 * Backspace) so bindings see one key. */
int keymap_key_fold(int key);

#endif

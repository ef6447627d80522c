/*
 * identmsg: the identification message loftdial makes itself from the config (dial.ident_name
 * and dial.ident_callback) when the rep has recorded none (dial.ident_file). A person who
 * answers while the rep is on another line hears it (pool.h): "This is NAME. Sorry we missed
 * you. Please call us back at 4 1 5, 5 5 5, 0 1 2 3."
 *
 * The name and the number pass a strict filter first (letters, digits and a little
 * punctuation; digits and separators), so config text can never become markup, phoneme input
 * or options of the speech engine. The text is spoken offline by espeak-ng (text on its stdin,
 * argv without a shell, no markup mode) and converted by sox into the one format the engine
 * plays (vmrec.h). The file sits under the data folder, named by a hash of the text and the
 * voice, so the same text is rendered once and a changed text gets a new file.
 *
 * Rendering runs child processes: identmsg_render() waits for them (a command-line step or
 * before the loop runs), identmsg_start() runs them on the loop and calls back when the last
 * one has ended (SIGCHLD through loop_watch_child), so no handler ever waits.
 */
#ifndef LOFTDIAL_IDENTMSG_H
#define LOFTDIAL_IDENTMSG_H

#include <stdbool.h>
#include <stddef.h>

#define IDENTMSG_NAME_MAX     60  /* bytes of dial.ident_name */
#define IDENTMSG_CALLBACK_MAX 32  /* bytes of dial.ident_callback as written */
#define IDENTMSG_DIGITS_MIN   3   /* digits in the callback number */
#define IDENTMSG_DIGITS_MAX   15  /* the longest E.164 number */
#define IDENTMSG_TEXT_MAX     256 /* the whole spoken text */
#define IDENTMSG_PATH_MAX     1024

/* Builds the spoken text from the name and the callback number into out. 0; ENOENT when both
 * are empty (no message configured); EINVAL with why (naming the key and the first offending
 * character as U+XXXX, never the raw byte) when one is missing, too long, or holds anything
 * but what the filter lets through. */
int identmsg_text(const char *name, const char *callback, char *out, size_t n, char *why,
                  size_t whyn);

/* The file the text renders to: DIR/ident/ident-<hash>.wav. 0 or ENAMETOOLONG/EINVAL. */
int identmsg_path(const char *dir, const char *text, char *out, size_t n);

/* True when the text's file is already rendered and plays (vmrec_check); its path goes to
 * out and its length to *ms (may be NULL). */
bool identmsg_cached(const char *dir, const char *text, char *out, size_t n, unsigned *ms);

/* Renders the text into its file and waits for it (a cached file is used as it is: *cached
 * says which). out gets the path, *ms the length. 0, or an errno value with why: ENOENT when
 * espeak-ng or sox is not installed, EIO when one fails, EPROTO when the result does not
 * check. A new file removes the folder's other messages (not one held: identmsg_hold), as a
 * render on the loop does. Never from a loop handler. */
int identmsg_render(const char *dir, const char *text, char *out, size_t n, bool *cached,
                    unsigned *ms, char *why, size_t whyn);

/* Keeps the message at path from being removed as stale while a dialer may play it: an open
 * descriptor with a shared lock (close it when done). The descriptor, or -ENOENT when the file
 * is gone, -EBUSY when it is being removed right now (render it again), another -errno. */
int identmsg_hold(const char *path);

/* ---- rendering on the loop ---- */

struct identmsg;

/* The render has ended: err 0 and the file's path, or err with why. path and why belong to
 * the render: copy them before identmsg_free. */
typedef void(identmsg_h)(int err, const char *path, const char *why, void *arg);

/* Starts rendering the text on the loop; h is called once, from the loop, never from inside
 * this call (a cached file is told from a deferred job). 0, or an errno value with why. */
int identmsg_start(struct identmsg **jp, const char *dir, const char *text, identmsg_h *h,
                   void *arg, char *why, size_t whyn);
/* Stops a render still running (its child is killed and reaped) and frees it; h is not
 * called. NULL is fine. */
void identmsg_free(struct identmsg *j);

#endif

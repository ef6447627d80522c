/*
 * loop: the process's one event loop, libre's re_main, and the glue every module shares.
 *
 * Every fd and timer in loftdial registers with libre (fd_listen, tmr_start). This module
 * adds what libre does not do by itself: stdin readiness, SIGWINCH through a self-pipe, a
 * clean exit on SIGINT/SIGTERM, and a render hook that runs at most once per loop turn after
 * the handlers of that turn have marked what changed.
 *
 * Deferred work and the render pass run from one ordered queue: work a handler defers
 * (loop_defer) runs after that handler returns, first asked first run, and the render pass
 * runs only once the queue is empty, so a frame never shows the state halfway through a chain
 * of events (a note that defers a pump that dials the next number is drawn once, at its end).
 */
#ifndef LOFTDIAL_LOOP_H
#define LOFTDIAL_LOOP_H

#include <stdbool.h>

typedef void(loop_h)(void *arg);
typedef void(loop_signal_h)(int sig, void *arg);

/* libre_init, curl_global_init, the self-pipe. Call once, before anything else registers.
 * Also routes libre's debug output into the log (loop_route_libre_debug). */
int loop_init(void);
/* Sends every libre debug message to the log (log_msg, module "libre") instead of stderr. */
void loop_route_libre_debug(void);
/* Undoes loop_init; safe to call when loop_init failed or was not called. */
void loop_close(void);

/* Runs re_main until loop_quit(); returns the code given to loop_quit. */
int loop_run(void);
/* Makes loop_run return code after the current handler. */
void loop_quit(int code);
/* True once loop_quit has been called (for long handlers that check). */
int loop_quitting(void);

/* Calls h whenever fd 0 is readable (NULL h stops watching). */
int loop_watch_stdin(loop_h *h, void *arg);
/* Calls h (in normal context, from the loop) after every SIGWINCH. */
int loop_watch_winch(loop_h *h, void *arg);
/* Replaces the default SIGINT/SIGTERM behaviour (loop_quit(128 + sig)). */
void loop_on_signal(loop_signal_h *h, void *arg);

/* Calls h (from the loop) after SIGCHLD; up to 8 subscribers, each must reap its own
 * children with waitpid(pid, ..., WNOHANG). */
int loop_watch_child(loop_h *h, void *arg);
void loop_unwatch_child(loop_h *h, void *arg);

/* The render hook: loop_dirty() schedules h to run once, after the handlers of this turn and
 * after every job deferred by them (and by those jobs) has run. A loop_dirty() from inside
 * the render pass asks for another pass on the next turn. */
void loop_set_render(loop_h *h, void *arg);
void loop_dirty(void);

/* A deferred job, embedded in its owner (no allocation); zero it or loop_job_init() it. */
struct loop_job {
	struct loop_job *next;
	loop_h *h;
	void *arg;
	bool queued;
};

void loop_job_init(struct loop_job *j);
/* Queues j to run h(arg) from the loop, after the current handler, behind the jobs already
 * queued. A job already queued keeps its place (h and arg are updated). */
void loop_defer(struct loop_job *j, loop_h *h, void *arg);
/* Takes j out of the queue (nothing when it is not queued); call it before freeing j. */
void loop_defer_cancel(struct loop_job *j);
/* True while j waits in the queue. */
bool loop_deferred(const struct loop_job *j);

/* Monotonic milliseconds, for timing and deadlines. */
unsigned long long loop_now_ms(void);

#endif

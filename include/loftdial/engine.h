/*
 * engine: one baresip that loftdial talks to, kept alive.
 *
 * In spawn mode the engine is a child process: `baresip -f DIR` started by fork/exec, known by
 * its PID, stdin /dev/null, stdout and stderr read line by line into loftdial's log. In connect
 * mode it is a baresip the user runs elsewhere (say on the laptop with the headset, through an
 * SSH tunnel) and only its ctrl_tcp address is known. Either way the engine connects to
 * ctrl_tcp before anything is dialled and keeps that one connection (baresip drops events while
 * no client is connected, and a second client kicks the first).
 *
 * The supervisor: a child that exits, a connection that breaks, a health check or any command
 * left unanswered (a hung engine) all count as a failure. The owner hears `down` with a reason
 * (and must close every attempt it had on this engine), the child is killed by PID and reaped,
 * and after a backoff the engine is started (or reconnected) again; `up` follows. Shutdown is
 * `quit`, then SIGTERM (twice: baresip exits at once on the second), then SIGKILL, each by PID.
 * Nothing here blocks the loop, engine_free() included.
 */
#ifndef LOFTDIAL_ENGINE_H
#define LOFTDIAL_ENGINE_H

#include <stdbool.h>
#include <sys/types.h>

#include "loftdial/ctrl.h"

struct engine;
struct ctrlmsg;

enum engine_mode { ENGINE_SPAWN, ENGINE_CONNECT };

enum engine_state {
	ENGINE_STARTING, /* spawned (or connecting), ctrl_tcp not connected yet */
	ENGINE_UP,       /* connected: commands may be sent */
	ENGINE_DOWN,     /* failed; waiting for the child to be reaped and the backoff */
	ENGINE_STOPPING, /* quit → SIGTERM → SIGKILL in progress */
	ENGINE_STOPPED,
};

struct engine_opts {
	enum engine_mode mode;
	const char *name;      /* for logs and reasons: "line 3" */
	const char *program;   /* spawn: "baresip" (searched in PATH) or a path */
	const char *dir;       /* spawn: the -f folder (engineconf wrote it) */
	const char *ctrl_addr; /* "127.0.0.1:4461" */
	/* Timings in ms; 0 picks the default shown. */
	unsigned start_ms;       /* spawn → connected, else a failure (8000) */
	unsigned ping_ms;        /* health check period (2000) */
	unsigned cmd_ms;         /* any command's response (5000); a miss means hung */
	unsigned quit_ms;        /* after quit, before SIGTERM (1500) */
	unsigned term_ms;        /* after each SIGTERM, before the next step (1000) */
	unsigned backoff_min_ms; /* first restart delay (200), doubling */
	unsigned backoff_max_ms; /* (10000) */
};

struct engine_handlers {
	void (*up)(struct engine *e, void *arg);
	/* The engine failed; reason says how ("baresip killed by signal 9", "no answer to a
	 * health check in 5000 ms"). It will be restarted unless stopping. */
	void (*down)(struct engine *e, const char *reason, void *arg);
	void (*event)(struct engine *e, const struct ctrlmsg *ev, void *arg);
	/* One line of baresip's output (spawn mode), sanitised; may be NULL. */
	void (*log_line)(struct engine *e, const char *line, void *arg);
	/* engine_stop() finished: the child is reaped / the connection closed. */
	void (*stopped)(struct engine *e, void *arg);
};

/* Creates the engine and starts it (spawn, then connect). Handlers run from the loop only. */
int engine_start(struct engine **ep, const struct engine_opts *o, const struct engine_handlers *h,
                 void *arg);

/* Sends a batch (see ctrl_send) when the engine is UP; ENOTCONN otherwise. A response that
 * does not come within cmd_ms fails the engine (h first gets ETIMEDOUT). h never runs after a
 * `down`, nor after engine_forget(e, arg). */
int engine_send(struct engine *e, const struct ctrl_cmd *cmds, size_t n, ctrl_resp_h *h, void *arg);
/* Drops the pending handlers whose argument is arg. */
void engine_forget(struct engine *e, void *arg);

/* Declares the engine failed (e.g. it did not confirm a hangup): down, kill, restart. */
void engine_fail(struct engine *e, const char *reason);

/* Stops for good: quit → SIGTERM → SIGTERM → SIGKILL; `stopped` runs when done. */
void engine_stop(struct engine *e);
/* Frees the engine without waiting: a child still running gets SIGTERM now and SIGKILL after
 * twice term_ms if it has not exited, and is reaped from the loop (SIGCHLD, or the orphan
 * timer). Children not reaped when the process exits are killed and reaped then, waiting at
 * most a second. Prefer engine_stop() and `stopped` for an orderly end. NULL is fine. */
void engine_free(struct engine *e);
/* Children of freed engines not reaped yet. */
unsigned engine_orphans(void);
/* Kills (SIGKILL) the children of freed engines and waits for them at most wait_ms, blocking:
 * for after the loop, before exiting. 0 when none is left, ETIMEDOUT otherwise (they are then
 * forgotten). */
int engine_reap_orphans(unsigned wait_ms);

enum engine_state engine_state(const struct engine *e);
pid_t engine_pid(const struct engine *e);         /* 0 when no child runs */
unsigned engine_restarts(const struct engine *e); /* failures recovered from */
const char *engine_name(const struct engine *e);
const char *engine_state_name(enum engine_state s);

#endif

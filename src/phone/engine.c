/*
 * engine: spawning, connecting, health checks, restarts and shutdown of one baresip.
 *
 * Every engine is a small state machine driven by three things: its timer (connect retries,
 * health checks, restart backoff, shutdown steps), its ctrl connection (up, events, broken)
 * and the death of its child, which the loop reports as SIGCHLD. loop.h has few SIGCHLD
 * subscriber slots, so this file subscribes once for all engines and reaps each engine's own
 * PID with waitpid(pid, WNOHANG): never another process's, never blocking.
 *
 * A child is never restarted before the previous one is reaped, so its ports are free again.
 * engine_free() never waits for a child: the child is handed to the orphan list (SIGTERM now,
 * SIGKILL after a bound, reaped by SIGCHLD or the orphan timer), and whatever is left when the
 * process exits is killed and reaped, bounded, by an atexit handler.
 * Commands are wrapped (struct esend) so that a missing response fails the engine as hung,
 * and so their handlers can be dropped when the connection is torn down.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <re.h>

#include "loftdial/ctrlmsg.h"
#include "loftdial/engine.h"
#include "loftdial/log.h"
#include "loftdial/loop.h"
#include "loftdial/text.h"

#define LINE_MAX_LEN     1024
#define CONNECT_RETRY_MS 50

struct esend {
	struct le le;
	struct engine *e;
	ctrl_resp_h *h;
	void *arg;
	bool ping;
};

struct engine {
	struct le le; /* in the list of all engines (for SIGCHLD) */
	struct engine_opts o;
	char name[64], program[1024], dir[1024], ctrl_addr[128];
	struct engine_handlers h;
	void *arg;
	enum engine_state state;
	pid_t pid;
	int log_fd;
	char logbuf[LINE_MAX_LEN];
	size_t loglen;
	struct ctrl *ctrl;
	struct list sends;
	struct tmr tmr;      /* connect retry, restart backoff, shutdown steps */
	struct loop_job job; /* a stop that needed no waiting, reported after the call */
	struct tmr ping_tmr;
	uint64_t started_at, up_at;
	unsigned backoff_ms;
	unsigned restarts;
	unsigned stop_step;
	bool ping_out;
	int lost_err;
};

/* A child whose engine was freed: killed in steps and reaped from the loop. */
struct orphan {
	struct le le;
	pid_t pid;
	char name[64];
	uint64_t kill_at; /* loop_now_ms() when SIGKILL follows the SIGTERM */
	uint64_t give_up; /* after SIGKILL: when to stop looking (a process stuck in the kernel) */
	bool killed;
};

#define ORPHAN_POLL_MS   50
#define ORPHAN_KILL_WAIT 5000 /* after SIGKILL, how long the reaper keeps looking */
#define ORPHAN_EXIT_WAIT 1000 /* at exit, how long to wait for the killed orphans */

static struct list engines = LIST_INIT;
static struct list orphans = LIST_INIT;
static struct tmr orphan_tmr;
static bool child_watch, exit_reaper;

static void start(struct engine *e);
static void fail(struct engine *e, const char *reason);
static void connect_retry(void *arg);

const char *engine_state_name(enum engine_state s)
{
	/* Indexed by value, so a new state cannot shift the names of the others. */
	static const char *const names[] = {
	        [ENGINE_STARTING] = "starting", [ENGINE_UP] = "up",
	        [ENGINE_DOWN] = "down",         [ENGINE_STOPPING] = "stopping",
	        [ENGINE_STOPPED] = "stopped",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) && names[s] ? names[s] : "?";
}

/* Default for a zero timing. */
static unsigned ms(unsigned v, unsigned def)
{
	return v ? v : def;
}

/* Finds program in PATH (or takes a path as is); 0 or ENOENT. */
static int resolve_program(const char *prog, char *out, size_t n)
{
	const char *path = getenv("PATH");
	char buf[1024];

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0 ? text_copy(out, n, prog) : errno;
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t len = strcspn(path, ":");

		if (len && !text_printf(buf, sizeof(buf), "%.*s/%s", (int)len, path, prog) &&
		    access(buf, X_OK) == 0)
			return text_copy(out, n, buf);
		path += len;
		if (*path == ':')
			path++;
	}
	return ENOENT;
}

/* Frees the command wrappers (their handlers never run). */
static void drop_sends(struct engine *e)
{
	struct le *le;

	while ((le = list_head(&e->sends)) != NULL) {
		struct esend *s = le->data;

		list_unlink(&s->le);
		if (e->ctrl)
			ctrl_forget(e->ctrl, s);
		free(s);
	}
}

/* Closes the ctrl connection and stops the health checks. */
static void disconnect(struct engine *e)
{
	tmr_cancel(&e->ping_tmr);
	drop_sends(e);
	ctrl_close(e->ctrl);
	e->ctrl = NULL;
	e->ping_out = false;
}

/* Stops reading the child's output (after reading what is left). */
static void close_log(struct engine *e)
{
	if (e->log_fd < 0)
		return;
	fd_close(e->log_fd);
	close(e->log_fd);
	e->log_fd = -1;
	e->loglen = 0;
}

/* Handles one line of baresip's output. */
static void log_line(struct engine *e, char *line)
{
	char clean[LINE_MAX_LEN];
	size_t len = strlen(line);

	if (len && line[len - 1] == '\r')
		line[len - 1] = '\0'; /* SIP trace lines end in CRLF */
	/* Digest answers are derived from the SIP password: never in the log. */
	if (!strncasecmp(line, "Authorization:", 14) ||
	    !strncasecmp(line, "Proxy-Authorization:", 20))
		return;
	text_sanitize(clean, sizeof(clean), line, true);
	if (!*clean)
		return;
	log_debug("baresip", "[%s] %s", e->name, clean);
	if (e->h.log_line)
		e->h.log_line(e, clean, e->arg);
}

/* Reads the child's stdout/stderr and splits it into lines. */
static void log_readable(int flags, void *arg)
{
	struct engine *e = arg;
	char buf[4096];
	ssize_t n, i;

	for (;;) {
		n = read(e->log_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n' || e->loglen == sizeof(e->logbuf) - 1) {
				e->logbuf[e->loglen] = '\0';
				log_line(e, e->logbuf);
				e->loglen = 0;
				if (e->log_fd < 0)
					return;
				if (buf[i] == '\n')
					continue;
			}
			e->logbuf[e->loglen++] = buf[i];
		}
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
		close_log(e);
}

/* The child side of fork: never returns. Only async-signal-safe calls. */
static void exec_child(const struct engine *e, int out_fd, pid_t parent)
{
	static const char msg[] = "loftdial: cannot run baresip\n";
	/* -s: the SIP trace is how loftdial sees a 200 OK that crossed its CANCEL (phone.c). */
	char *const argv[] = {"baresip", "-s", "-f", (char *)e->dir, NULL};
	sigset_t none;
	int devnull, sig;

	setpgid(0, 0); /* the terminal's ^C is loftdial's to handle, not the engine's */
	prctl(PR_SET_PDEATHSIG, SIGTERM); /* loftdial gone: the engine goes too */
	if (getppid() != parent)
		_exit(1);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	devnull = open("/dev/null", O_RDONLY);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		_exit(126);
	close_range(3, ~0U, 0);
	if (chdir(e->dir) < 0)
		_exit(126);
	execv(e->program, argv);
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nothing left to tell */
	}
	_exit(127);
}

/* Forks and execs baresip; 0 or an errno value. */
static int spawn(struct engine *e)
{
	int fds[2];
	pid_t pid, parent = getpid();
	int err;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return errno;
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (pid == 0)
		exec_child(e, fds[1], parent);
	close(fds[1]);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	e->pid = pid;
	e->log_fd = fds[0];
	e->loglen = 0;
	err = fd_listen(e->log_fd, FD_READ, log_readable, e);
	if (err) {
		close_log(e);
		return err;
	}
	log_info("engine", "%s: started baresip, pid %d, config %s", e->name, (int)pid, e->dir);
	return 0;
}

/* Describes a wait status. */
static void describe_exit(int status, char *out, size_t n)
{
	if (WIFEXITED(status))
		text_printf(out, n, "baresip exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		text_printf(out, n, "baresip killed by signal %d (%s)", WTERMSIG(status),
		            strsignal(WTERMSIG(status)));
	else
		text_printf(out, n, "baresip ended (status %d)", status);
}

static void ping_due(void *arg);

/* A response (or timeout) for a wrapped command. */
static void send_done(int err, const struct ctrl_result *res, size_t n, void *arg)
{
	struct esend *s = arg;
	struct engine *e = s->e;
	ctrl_resp_h *h = s->h;
	void *harg = s->arg;
	bool ping = s->ping;

	list_unlink(&s->le);
	free(s);
	if (ping && !err) {
		e->ping_out = false;
		tmr_start(&e->ping_tmr, ms(e->o.ping_ms, 2000), ping_due, e);
	}
	if (h)
		h(err, res, n, harg);
	if (err == ETIMEDOUT && e->state == ENGINE_UP) {
		char why[128];

		text_printf(why, sizeof(why), "no answer to %s in %u ms (engine hung?)",
		            ping ? "a health check" : "a command", ms(e->o.cmd_ms, 5000));
		fail(e, why);
	}
}

/* Sends a wrapped batch. */
static int send_batch(struct engine *e, const struct ctrl_cmd *cmds, size_t n, ctrl_resp_h *h,
                      void *arg, bool ping)
{
	struct esend *s;
	int err;

	if (!e || e->state != ENGINE_UP || !e->ctrl)
		return ENOTCONN;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	s->e = e;
	s->h = h;
	s->arg = arg;
	s->ping = ping;
	err = ctrl_send(e->ctrl, cmds, n, ms(e->o.cmd_ms, 5000), send_done, s);
	if (err) {
		free(s);
		return err;
	}
	list_append(&e->sends, &s->le, s);
	return 0;
}

/* Sends the periodic health check. */
static void ping_due(void *arg)
{
	struct engine *e = arg;
	static const struct ctrl_cmd ping = {"reginfo", NULL};

	if (e->state != ENGINE_UP || e->ping_out)
		return;
	e->ping_out = true;
	if (send_batch(e, &ping, 1, NULL, NULL, true))
		e->ping_out = false;
}

/* The ctrl connection broke and the child did not exit (or is not ours): fail. */
static void lost_due(void *arg)
{
	struct engine *e = arg;
	char why[160];

	if (e->state != ENGINE_UP)
		return;
	text_printf(why, sizeof(why), "ctrl_tcp connection lost (%s)", strerror(e->lost_err));
	fail(e, why);
}

/* ctrl connection state: up, or broken. */
static void ctrl_state(int err, void *arg)
{
	struct engine *e = arg;
	char why[160];

	if (err) {
		if (e->state == ENGINE_STARTING) {
			/* Not listening yet: try again until the start deadline. */
			disconnect(e);
			if (loop_now_ms() - e->started_at < ms(e->o.start_ms, 8000)) {
				tmr_start(&e->tmr, CONNECT_RETRY_MS, connect_retry, e);
				return;
			}
			text_printf(why, sizeof(why),
			            "ctrl_tcp at %s did not accept a connection in "
			            "%u ms (%s)",
			            e->ctrl_addr, ms(e->o.start_ms, 8000), strerror(err));
			fail(e, why);
			return;
		}
		if (e->state == ENGINE_UP) {
			/* A dead child closes its socket a moment before it can be reaped: give the
			 * SIGCHLD a moment, so the reason names the exit rather than the symptom.
			 */
			disconnect(e);
			e->lost_err = err;
			tmr_start(&e->tmr, e->pid > 0 ? 150 : 0, lost_due, e);
		}
		return;
	}
	if (e->state != ENGINE_STARTING)
		return;
	e->state = ENGINE_UP;
	e->up_at = loop_now_ms();
	tmr_cancel(&e->tmr);
	loop_defer_cancel(&e->job);
	log_info("engine", "%s: up (ctrl_tcp %s)", e->name, e->ctrl_addr);
	tmr_start(&e->ping_tmr, ms(e->o.ping_ms, 2000), ping_due, e);
	if (e->h.up)
		e->h.up(e, e->arg);
}

/* Passes an event on while the engine is up. */
static void ctrl_event(const struct ctrlmsg *ev, void *arg)
{
	struct engine *e = arg;

	if (e->state == ENGINE_UP && e->h.event)
		e->h.event(e, ev, e->arg);
}

/* Tries to connect to ctrl_tcp (the first time, after spawning). */
static void try_connect(struct engine *e)
{
	int err;

	disconnect(e);
	err = ctrl_connect(&e->ctrl, e->ctrl_addr, 1000, ctrl_state, ctrl_event, e);
	if (err)
		fail(e, "cannot create the ctrl_tcp connection");
}

/* Starts (or restarts) the engine: spawn if needed, then connect. Also the retry timer. */
static void start(struct engine *e)
{
	if (e->state == ENGINE_STOPPING || e->state == ENGINE_STOPPED)
		return;
	if (e->state != ENGINE_STARTING) {
		int err;

		e->state = ENGINE_STARTING;
		e->started_at = loop_now_ms();
		if (e->o.mode == ENGINE_SPAWN) {
			err = spawn(e);
			if (err) {
				char why[160];

				text_printf(why, sizeof(why), "cannot start %s: %s", e->program,
				            strerror(err));
				fail(e, why);
				return;
			}
		}
	}
	try_connect(e);
}

/* Retry timer while baresip starts up and does not listen yet. */
static void connect_retry(void *arg)
{
	start(arg);
}

/* Restart timer: waits for the old child to be reaped, then starts again. */
static void restart_due(void *arg)
{
	struct engine *e = arg;

	if (e->state != ENGINE_DOWN)
		return;
	if (e->pid > 0) {
		/* Not reaped yet (SIGCHLD still on its way): look again shortly. */
		tmr_start(&e->tmr, 50, restart_due, e);
		return;
	}
	e->restarts++;
	log_info("engine", "%s: restarting (restart %u)", e->name, e->restarts);
	start(e);
}

/* The engine failed: tell the owner, kill what is left, schedule a restart. */
static void fail(struct engine *e, const char *reason)
{
	enum engine_state was = e->state;

	if (was == ENGINE_DOWN || was == ENGINE_STOPPING || was == ENGINE_STOPPED)
		return;
	log_warn("engine", "%s: failed: %s", e->name, reason);
	e->state = ENGINE_DOWN;
	disconnect(e);
	if (e->pid > 0)
		kill(e->pid, SIGKILL);
	/* Back off, more each time it fails soon after coming up. */
	if (e->up_at && loop_now_ms() - e->up_at > 30000)
		e->backoff_ms = 0;
	e->backoff_ms = e->backoff_ms ? e->backoff_ms * 2 : ms(e->o.backoff_min_ms, 200);
	if (e->backoff_ms > ms(e->o.backoff_max_ms, 10000))
		e->backoff_ms = ms(e->o.backoff_max_ms, 10000);
	e->up_at = 0;
	tmr_start(&e->tmr, e->backoff_ms, restart_due, e);
	if (e->h.down)
		e->h.down(e, reason, e->arg);
}

void engine_fail(struct engine *e, const char *reason)
{
	if (e)
		fail(e, reason ? reason : "failed");
}

/* Shutdown finished. */
static void stopped(struct engine *e)
{
	if (e->state == ENGINE_STOPPED)
		return;
	e->state = ENGINE_STOPPED;
	tmr_cancel(&e->tmr);
	loop_defer_cancel(&e->job);
	disconnect(e);
	log_info("engine", "%s: stopped", e->name);
	if (e->h.stopped)
		e->h.stopped(e, e->arg);
}

/* Reaps this engine's child if it has exited. */
static void reap(struct engine *e)
{
	int status;
	pid_t r;
	char why[160];

	if (e->pid <= 0)
		return;
	r = waitpid(e->pid, &status, WNOHANG);
	if (r != e->pid)
		return;
	e->pid = 0;
	describe_exit(status, why, sizeof(why));
	log_info("engine", "%s: %s", e->name, why);
	/* Whatever it still wrote is in the pipe: read it before closing. */
	if (e->log_fd >= 0)
		log_readable(FD_READ, e);
	close_log(e);
	if (e->state == ENGINE_STOPPING)
		stopped(e);
	else
		fail(e, why);
}

/* Reaps the orphans that have exited, by their own PIDs; true when one was reaped. */
static bool reap_orphans(void)
{
	struct le *le = list_head(&orphans);
	bool any = false;

	while (le) {
		struct orphan *o = le->data;
		int status = 0;
		pid_t r;

		le = le->next;
		r = waitpid(o->pid, &status, WNOHANG);
		/* ECHILD: not ours any more (reaped elsewhere); nothing left to wait for. */
		if (r == o->pid || (r < 0 && errno == ECHILD)) {
			char why[160];

			if (r == o->pid)
				describe_exit(status, why, sizeof(why));
			else
				text_copy(why, sizeof(why), "gone");
			log_info("engine", "%s (freed): %s", o->name, why);
			list_unlink(&o->le);
			free(o);
			any = true;
		}
	}
	return any;
}

static void child_unwatch_if_idle(void);

/* SIGCHLD: every engine looks for its own child, and the orphans for theirs. */
static void on_child(void *arg)
{
	struct le *le = list_head(&engines);

	while (le) {
		struct engine *e = le->data;

		le = le->next;
		reap(e);
	}
	if (reap_orphans())
		child_unwatch_if_idle();
}

/* The shutdown ladder: quit sent at step 0; then SIGTERM, SIGTERM, SIGKILL. */
static void stop_step(void *arg)
{
	struct engine *e = arg;

	if (e->state != ENGINE_STOPPING)
		return;
	if (e->pid <= 0) {
		stopped(e);
		return;
	}
	e->stop_step++;
	if (e->stop_step <= 2) {
		log_info("engine", "%s: sending SIGTERM to pid %d", e->name, (int)e->pid);
		kill(e->pid, SIGTERM);
		tmr_start(&e->tmr, ms(e->o.term_ms, 1000), stop_step, e);
	} else {
		log_warn("engine", "%s: sending SIGKILL to pid %d", e->name, (int)e->pid);
		kill(e->pid, SIGKILL);
		/* the SIGCHLD reaps it; look again in case it was already gone */
		tmr_start(&e->tmr, 200, stop_step, e);
	}
}

/* Reports a stop that needed no waiting, from the loop. */
static void stopped_later(void *arg)
{
	stopped(arg);
}

void engine_stop(struct engine *e)
{
	static const struct ctrl_cmd quit = {"quit", NULL};

	if (!e || e->state == ENGINE_STOPPING || e->state == ENGINE_STOPPED)
		return;
	tmr_cancel(&e->tmr);
	loop_defer_cancel(&e->job);
	tmr_cancel(&e->ping_tmr);
	if (e->state == ENGINE_UP && e->o.mode == ENGINE_SPAWN && e->ctrl)
		(void)ctrl_send(e->ctrl, &quit, 1, ms(e->o.quit_ms, 1500), NULL, NULL);
	e->state = ENGINE_STOPPING;
	e->stop_step = 0;
	if (e->o.mode == ENGINE_CONNECT || e->pid <= 0) {
		disconnect(e);
		loop_defer(&e->job, stopped_later, e);
		return;
	}
	tmr_start(&e->tmr, ms(e->o.quit_ms, 1500), stop_step, e);
}

int engine_start(struct engine **ep, const struct engine_opts *o, const struct engine_handlers *h,
                 void *arg)
{
	struct engine *e;
	int err;

	if (!ep || !o || !o->ctrl_addr || (o->mode == ENGINE_SPAWN && (!o->dir || !o->program)))
		return EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return ENOMEM;
	e->o = *o;
	e->log_fd = -1;
	text_copy(e->name, sizeof(e->name), o->name ? o->name : "engine");
	text_copy(e->ctrl_addr, sizeof(e->ctrl_addr), o->ctrl_addr);
	if (o->mode == ENGINE_SPAWN) {
		text_copy(e->dir, sizeof(e->dir), o->dir);
		err = resolve_program(o->program, e->program, sizeof(e->program));
		if (err) {
			log_error("engine", "%s: cannot find %s: %s", e->name, o->program,
			          strerror(err));
			free(e);
			return err;
		}
	}
	e->o.name = e->name;
	e->o.program = e->program;
	e->o.dir = e->dir;
	e->o.ctrl_addr = e->ctrl_addr;
	if (h)
		e->h = *h;
	e->arg = arg;
	e->state = ENGINE_STOPPED; /* start() moves it to STARTING */
	list_init(&e->sends);
	tmr_init(&e->tmr);
	loop_job_init(&e->job);
	tmr_init(&e->ping_tmr);
	if (!child_watch) {
		err = loop_watch_child(on_child, NULL);
		if (err) {
			free(e);
			return err;
		}
		child_watch = true;
	}
	list_append(&engines, &e->le, e);
	e->state = ENGINE_DOWN;
	start(e);
	*ep = e;
	return 0;
}

int engine_send(struct engine *e, const struct ctrl_cmd *cmds, size_t n, ctrl_resp_h *h, void *arg)
{
	return send_batch(e, cmds, n, h, arg, false);
}

void engine_forget(struct engine *e, void *arg)
{
	struct le *le;

	if (!e)
		return;
	le = list_head(&e->sends);
	while (le) {
		struct esend *s = le->data;

		le = le->next;
		if (s->arg == arg && !s->ping) {
			list_unlink(&s->le);
			if (e->ctrl)
				ctrl_forget(e->ctrl, s);
			free(s);
		}
	}
}

/* Drops the SIGCHLD subscription once no engine and no orphan needs it. */
static void child_unwatch_if_idle(void)
{
	if (list_isempty(&engines) && list_isempty(&orphans) && child_watch) {
		loop_unwatch_child(on_child, NULL);
		child_watch = false;
	}
}

/* The orphan timer: reaps, escalates to SIGKILL at the bound, gives up on the unreapable. */
static void orphan_tick(void *arg)
{
	uint64_t now = loop_now_ms();
	struct le *le;

	(void)reap_orphans();
	for (le = list_head(&orphans); le;) {
		struct orphan *o = le->data;

		le = le->next;
		if (!o->killed && now >= o->kill_at) {
			log_warn("engine", "%s (freed): still running; sending SIGKILL to pid %d",
			         o->name, (int)o->pid);
			kill(o->pid, SIGKILL);
			o->killed = true;
			o->give_up = now + ORPHAN_KILL_WAIT;
		} else if (o->killed && now >= o->give_up) {
			log_error("engine", "%s (freed): pid %d did not die after SIGKILL; left",
			          o->name, (int)o->pid);
			list_unlink(&o->le);
			free(o);
		}
	}
	if (!list_isempty(&orphans))
		tmr_start(&orphan_tmr, ORPHAN_POLL_MS, orphan_tick, NULL);
	child_unwatch_if_idle();
}

/* At exit: what was freed but not reaped is killed now and waited for, bounded. */
static void reap_at_exit(void)
{
	(void)engine_reap_orphans(ORPHAN_EXIT_WAIT);
}

/* Hands a freed engine's child to the orphan list: SIGTERM now (baresip unregisters and
 * exits), SIGKILL after kill_ms if it has not. */
static void orphan_add(struct engine *e, unsigned kill_ms)
{
	struct orphan *o = calloc(1, sizeof(*o));

	kill(e->pid, SIGTERM);
	if (!o) {
		/* No memory to follow it: make sure it dies; init reaps it after we exit. */
		kill(e->pid, SIGKILL);
		return;
	}
	o->pid = e->pid;
	text_copy(o->name, sizeof(o->name), e->name);
	o->kill_at = loop_now_ms() + kill_ms;
	list_append(&orphans, &o->le, o);
	if (!exit_reaper && !atexit(reap_at_exit))
		exit_reaper = true;
	if (!tmr_isrunning(&orphan_tmr))
		tmr_start(&orphan_tmr, ORPHAN_POLL_MS, orphan_tick, NULL);
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	tmr_cancel(&e->tmr);
	loop_defer_cancel(&e->job);
	disconnect(e);
	if (e->pid > 0) {
		orphan_add(e, 2 * ms(e->o.term_ms, 1000));
		e->pid = 0;
	}
	close_log(e);
	list_unlink(&e->le);
	child_unwatch_if_idle();
	free(e);
}

unsigned engine_orphans(void)
{
	return list_count(&orphans);
}

int engine_reap_orphans(unsigned wait_ms)
{
	struct timespec pause = {0, 10 * 1000 * 1000};
	unsigned waited = 0;
	struct le *le;

	if (list_isempty(&orphans))
		return 0;
	tmr_cancel(&orphan_tmr);
	for (le = list_head(&orphans); le; le = le->next) {
		struct orphan *o = le->data;

		if (!o->killed)
			kill(o->pid, SIGKILL);
		o->killed = true;
	}
	while (!list_isempty(&orphans)) {
		(void)reap_orphans();
		if (list_isempty(&orphans) || waited >= wait_ms)
			break;
		nanosleep(&pause, NULL);
		waited += 10;
	}
	if (list_isempty(&orphans))
		return 0;
	/* Unreapable (stuck in the kernel): forget them; init takes them after we exit. */
	while ((le = list_head(&orphans)) != NULL) {
		struct orphan *o = le->data;

		log_error("engine", "%s (freed): pid %d did not die after SIGKILL; left", o->name,
		          (int)o->pid);
		list_unlink(le);
		free(o);
	}
	return ETIMEDOUT;
}

enum engine_state engine_state(const struct engine *e)
{
	return e ? e->state : ENGINE_STOPPED;
}

pid_t engine_pid(const struct engine *e)
{
	return e ? e->pid : 0;
}

unsigned engine_restarts(const struct engine *e)
{
	return e ? e->restarts : 0;
}

const char *engine_name(const struct engine *e)
{
	return e ? e->name : "";
}

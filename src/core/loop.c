/*
 * loop: libre's re_main plus the signal self-pipe, stdin watching and the render pass.
 *
 * Signals are caught by a tiny async-safe handler that writes the signal number into a pipe;
 * the loop reads the pipe like any other fd, so every reaction to a signal (quit, relayout,
 * reaping a child) happens in normal context. libre's own diagnostics ("tcp: sock_bind: ...")
 * go to loftdial's log, never to the terminal, where they would tear a full-screen interface.
 *
 * Deferred jobs and the render pass share one zero-delay libre timer, the turn: it runs the
 * queued jobs in order (jobs they queue run in the same turn, behind them), and only when the
 * queue is empty the render hook, once, if anything called loop_dirty(). A chain longer than
 * TURN_JOBS_MAX yields to the fds and goes on at the next turn, still before any frame.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <re.h>
#define DEBUG_MODULE "loop"
#define DEBUG_LEVEL  0
#include <re_dbg.h>

#include "loftdial/httpc.h"
#include "loftdial/log.h"
#include "loftdial/loop.h"

#define CHILD_SUBS    8
#define TURN_JOBS_MAX 1024

struct child_sub {
	loop_h *h;
	void *arg;
};

static struct {
	bool inited;
	bool quitting;
	int code;
	int sigpipe[2];
	loop_h *stdinh, *winchh, *renderh;
	void *stdin_arg, *winch_arg, *render_arg;
	loop_signal_h *sigh;
	void *sig_arg;
	struct child_sub child[CHILD_SUBS];
	struct tmr turn_tmr;
	struct loop_job *qhead, *qtail; /* deferred jobs, in order */
	bool dirty;                     /* the render pass is wanted */
	bool in_turn;                   /* the turn runs: it looks at the queue when done */
} L = {.sigpipe = {-1, -1}};

/* The only code that runs in signal context: write the number, keep errno. */
static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	if (write(L.sigpipe[1], &b, 1) < 0) {
		/* The pipe is full: the loop is far behind and will see earlier bytes. */
	}
	errno = saved;
}

/* Dispatches the signals queued in the self-pipe. */
static void sigpipe_readable(int flags, void *arg)
{
	unsigned char buf[64];
	ssize_t n, i;
	size_t k;

	while ((n = read(L.sigpipe[0], buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			int sig = buf[i];

			if (sig == SIGWINCH) {
				if (L.winchh)
					L.winchh(L.winch_arg);
			} else if (sig == SIGCHLD) {
				for (k = 0; k < CHILD_SUBS; k++)
					if (L.child[k].h)
						L.child[k].h(L.child[k].arg);
			} else if (L.sigh) {
				L.sigh(sig, L.sig_arg);
			} else {
				log_info("loop", "signal %d: stopping", sig);
				loop_quit(128 + sig);
			}
		}
	}
}

/* libre's debug output: one log line per message, at the matching level, without colour. */
static void dbg_to_log(int level, const char *p, size_t len, void *arg)
{
	enum log_level lvl = level <= DBG_ERR       ? LOG_ERROR
	                     : level == DBG_WARNING ? LOG_WARN
	                     : level <= DBG_INFO    ? LOG_INFO
	                                            : LOG_DEBUG;

	(void)arg;
	while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	if (len)
		log_msg(lvl, "libre", "%.*s", (int)(len > 4096 ? 4096 : len), p);
}

void loop_route_libre_debug(void)
{
	/* No colour codes and no timestamps of libre's own: the log has both. */
	dbg_init(DBG_INFO, DBG_NONE);
	dbg_handler_set(dbg_to_log, NULL);
}

static int catch_signal(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	return sigaction(sig, &sa, NULL) ? errno : 0;
}

int loop_init(void)
{
	int err;

	if (L.inited)
		return 0;
	loop_route_libre_debug();
	err = libre_init();
	if (err)
		return err;
	if (pipe2(L.sigpipe, O_CLOEXEC | O_NONBLOCK)) {
		err = errno;
		goto out;
	}
	err = fd_listen(L.sigpipe[0], FD_READ, sigpipe_readable, NULL);
	if (err)
		goto out;
	err = catch_signal(SIGINT);
	err = err ? err : catch_signal(SIGTERM);
	err = err ? err : catch_signal(SIGHUP);
	err = err ? err : catch_signal(SIGWINCH);
	err = err ? err : catch_signal(SIGCHLD);
	if (err)
		goto out;
	signal(SIGPIPE, SIG_IGN); /* a peer closing a socket is an error value, not a death */
	tmr_init(&L.turn_tmr);
	L.qhead = L.qtail = NULL;
	L.dirty = L.in_turn = false;
	err = httpc_init();
	if (err)
		goto out;
	L.inited = true;
	L.quitting = false;
	L.code = 0;
	return 0;
out:
	L.inited = true;
	loop_close();
	return err;
}

void loop_close(void)
{
	if (!L.inited)
		return;
	httpc_close();
	tmr_cancel(&L.turn_tmr);
	while (L.qhead) {
		struct loop_job *j = L.qhead;

		L.qhead = j->next;
		j->next = NULL;
		j->queued = false;
	}
	L.qtail = NULL;
	L.dirty = L.in_turn = false;
	if (L.sigpipe[0] >= 0) {
		fd_close(L.sigpipe[0]);
		close(L.sigpipe[0]);
		close(L.sigpipe[1]);
	}
	if (L.stdinh)
		fd_close(0);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGWINCH, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	L.sigpipe[0] = L.sigpipe[1] = -1;
	L.stdinh = L.winchh = L.renderh = NULL;
	L.sigh = NULL;
	memset(L.child, 0, sizeof(L.child));
	L.inited = false;
	libre_close();
}

int loop_run(void)
{
	int err;

	L.quitting = false;
	L.code = 0;
	/* No libre signal handler: ours is installed and routes through the self-pipe. */
	err = re_main(NULL);
	if (err && !L.quitting)
		log_error("loop", "re_main: %s", strerror(err));
	return L.code;
}

void loop_quit(int code)
{
	if (!L.quitting)
		L.code = code;
	L.quitting = true;
	re_cancel();
}

int loop_quitting(void)
{
	return L.quitting;
}

static void stdin_readable(int flags, void *arg)
{
	if (L.stdinh)
		L.stdinh(L.stdin_arg);
}

int loop_watch_stdin(loop_h *h, void *arg)
{
	if (!h) {
		if (L.stdinh)
			fd_close(0);
		L.stdinh = NULL;
		return 0;
	}
	L.stdinh = h;
	L.stdin_arg = arg;
	return fd_listen(0, FD_READ, stdin_readable, NULL);
}

int loop_watch_winch(loop_h *h, void *arg)
{
	L.winchh = h;
	L.winch_arg = arg;
	return 0;
}

void loop_on_signal(loop_signal_h *h, void *arg)
{
	L.sigh = h;
	L.sig_arg = arg;
}

int loop_watch_child(loop_h *h, void *arg)
{
	size_t i;

	for (i = 0; i < CHILD_SUBS; i++) {
		if (!L.child[i].h) {
			L.child[i].h = h;
			L.child[i].arg = arg;
			return 0;
		}
	}
	return ENOSPC;
}

void loop_unwatch_child(loop_h *h, void *arg)
{
	size_t i;

	for (i = 0; i < CHILD_SUBS; i++)
		if (L.child[i].h == h && L.child[i].arg == arg)
			L.child[i].h = NULL;
}

static void turn(void *arg);

/* Makes sure a turn is coming. */
static void arm_turn(void)
{
	if (!tmr_isrunning(&L.turn_tmr))
		tmr_start(&L.turn_tmr, 0, turn, NULL);
}

/* One turn: the queued jobs in order, then (queue empty) the render pass. */
static void turn(void *arg)
{
	unsigned n = 0;

	L.in_turn = true;
	while (L.qhead && n++ < TURN_JOBS_MAX) {
		struct loop_job *j = L.qhead;

		L.qhead = j->next;
		if (!L.qhead)
			L.qtail = NULL;
		j->next = NULL;
		j->queued = false;
		j->h(j->arg);
	}
	/* A chain longer than the bound lets the fds and timers in and goes on next turn, with
	 * no frame before its end. */
	if (!L.qhead && L.dirty) {
		L.dirty = false;
		if (L.renderh)
			L.renderh(L.render_arg);
	}
	L.in_turn = false;
	/* Work or a redraw asked for by the render pass itself waits for the next turn. */
	if (L.qhead || L.dirty)
		arm_turn();
}

void loop_set_render(loop_h *h, void *arg)
{
	L.renderh = h;
	L.render_arg = arg;
}

void loop_dirty(void)
{
	/* Already wanted: this turn's render will include the change. */
	L.dirty = true;
	if (!L.in_turn)
		arm_turn();
}

void loop_job_init(struct loop_job *j)
{
	if (j)
		memset(j, 0, sizeof(*j));
}

void loop_defer(struct loop_job *j, loop_h *h, void *arg)
{
	if (!j || !h)
		return;
	j->h = h;
	j->arg = arg;
	if (j->queued)
		return;
	j->queued = true;
	j->next = NULL;
	if (L.qtail)
		L.qtail->next = j;
	else
		L.qhead = j;
	L.qtail = j;
	if (!L.in_turn)
		arm_turn();
}

void loop_defer_cancel(struct loop_job *j)
{
	struct loop_job **pp, *prev = NULL;

	if (!j || !j->queued)
		return;
	for (pp = &L.qhead; *pp; prev = *pp, pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			if (L.qtail == j)
				L.qtail = prev;
			break;
		}
	}
	j->next = NULL;
	j->queued = false;
}

bool loop_deferred(const struct loop_job *j)
{
	return j && j->queued;
}

unsigned long long loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

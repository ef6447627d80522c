/*
 * Tests for the loop glue: the render hook runs once per turn, signals arrive in normal
 * context, children are reported, and libcurl's multi-socket API runs many HTTP transfers at
 * once against a real HTTP server on loopback while a timer keeps firing.
 *
 * The server is libre's own HTTP server in the same loop; it answers each request after a
 * delay, so the transfers can only finish in about one delay if they truly run concurrently.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <re.h>

#include "loftdial/httpc.h"
#include "loftdial/loop.h"

#define NREQ     24
#define DELAY_MS 300
#define TICK_MS  20

struct pending {
	struct http_conn *conn;
	struct tmr tmr;
	int kind; /* 0 normal, 1 big body, 2 never answer */
};

static struct {
	struct http_sock *sock;
	uint16_t port;
	struct pending pend[64];
	unsigned npend;
	unsigned done, ok;
	unsigned long long t0, first_done, last_done;
	struct tmr tick;
	unsigned long long last_tick, max_gap;
	unsigned ticks;
	int last_err[8];
	char header_seen[64];
} S;

static void reply_late(void *arg)
{
	struct pending *p = arg;

	if (p->kind == 1) {
		char *big = malloc(70000);
		memset(big, 'x', 69999);
		big[69999] = '\0';
		http_reply(p->conn, 200, "OK",
		           "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s", strlen(big),
		           big);
		free(big);
	} else {
		http_reply(p->conn, 200, "OK",
		           "Content-Type: application/json\r\n"
		           "x-ratelimit-remaining-minute: 599\r\n"
		           "Content-Length: 11\r\n\r\n{\"ok\":true}");
	}
	p->conn = mem_deref(p->conn);
}

static void on_request(struct http_conn *conn, const struct http_msg *msg, void *arg)
{
	struct pending *p;

	if (S.npend >= 64) {
		http_ereply(conn, 503, "Busy");
		return;
	}
	p = &S.pend[S.npend++];
	p->conn = mem_ref(conn);
	p->kind = 0;
	if (!pl_strcmp(&msg->path, "/big"))
		p->kind = 1;
	if (!pl_strcmp(&msg->path, "/hang")) {
		p->kind = 2;
		return; /* keep the connection open and never answer */
	}
	tmr_init(&p->tmr);
	tmr_start(&p->tmr, DELAY_MS, reply_late, p);
}

static void tick(void *arg)
{
	unsigned long long now = loop_now_ms();

	if (S.last_tick && now - S.last_tick > S.max_gap)
		S.max_gap = now - S.last_tick;
	S.last_tick = now;
	S.ticks++;
	tmr_start(&S.tick, TICK_MS, tick, NULL);
}

static void start_server(void)
{
	struct sa sa;

	assert_int_equal(sa_set_str(&sa, "127.0.0.1", 0), 0);
	assert_int_equal(http_listen(&S.sock, &sa, on_request, NULL), 0);
	assert_int_equal(tcp_sock_local_get(http_sock_tcp(S.sock), &sa), 0);
	S.port = sa_port(&sa);
}

static void stop_server(void)
{
	unsigned i;

	for (i = 0; i < S.npend; i++) {
		tmr_cancel(&S.pend[i].tmr);
		S.pend[i].conn = mem_deref(S.pend[i].conn);
	}
	S.sock = mem_deref(S.sock);
	tmr_cancel(&S.tick);
}

static void on_done(int err, const struct httpc_resp *resp, void *arg)
{
	unsigned long long now = loop_now_ms();
	const char *h;

	if (!S.first_done)
		S.first_done = now;
	S.last_done = now;
	if (!err && resp->status == 200 && !strcmp(resp->body, "{\"ok\":true}"))
		S.ok++;
	h = httpc_resp_header(resp, "X-RateLimit-Remaining-Minute");
	if (h)
		snprintf(S.header_seen, sizeof(S.header_seen), "%s", h);
	if (++S.done == NREQ)
		loop_quit(0);
}

static void test_concurrent_http(void **state)
{
	char url[128];
	unsigned i;

	memset(&S, 0, sizeof(S));
	assert_int_equal(loop_init(), 0);
	start_server();
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", S.port);
	tmr_init(&S.tick);
	tmr_start(&S.tick, TICK_MS, tick, NULL);
	S.t0 = loop_now_ms();
	for (i = 0; i < NREQ; i++) {
		struct httpc_opts o = {.url = url, .timeout_ms = 10000};
		assert_int_equal(httpc_send(&o, on_done, NULL, NULL), 0);
	}
	assert_int_equal(httpc_active(), NREQ);
	assert_int_equal(loop_run(), 0);
	assert_int_equal(S.ok, NREQ);
	assert_int_equal(httpc_active(), 0);
	assert_string_equal(S.header_seen, "599");
	/* Sequential transfers would take NREQ * DELAY_MS = 7.2 s; concurrent ones about one
	 * delay. The bound is loose (a loaded CI box) but far below the sequential time. */
	printf("# %u transfers in %llu ms, %u timer ticks, max tick gap %llu ms\n", NREQ,
	       S.last_done - S.t0, S.ticks, S.max_gap);
	assert_true(S.last_done - S.t0 < (NREQ * DELAY_MS) / 3);
	/* The timer kept firing while the transfers ran: the loop was never blocked. */
	assert_true(S.ticks >= (DELAY_MS / TICK_MS) / 3);
	assert_true(S.max_gap < DELAY_MS);
	stop_server();
	loop_close();
}

static void on_err(int err, const struct httpc_resp *resp, void *arg)
{
	int *slot = arg;

	*slot = err ? err : (int)-resp->status;
	if (++S.done == 3)
		loop_quit(0);
}

static void test_http_errors(void **state)
{
	char url[128], big[128], hang[128];
	struct httpc_opts o = {0};
	struct httpc_req *req;
	int port;

	memset(&S, 0, sizeof(S));
	assert_int_equal(loop_init(), 0);
	start_server();
	/* Connection refused: a port nobody listens on (the server's port + 1 right after
	 * closing a probe socket is not guaranteed free, so use port 1, which needs root to
	 * bind and is never served here). */
	port = 1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	o.url = url;
	assert_int_equal(httpc_send(&o, on_err, &S.last_err[0], NULL), 0);
	snprintf(big, sizeof(big), "http://127.0.0.1:%u/big", S.port);
	o.url = big;
	o.max_body = 1000;
	assert_int_equal(httpc_send(&o, on_err, &S.last_err[1], NULL), 0);
	snprintf(hang, sizeof(hang), "http://127.0.0.1:%u/hang", S.port);
	o.url = hang;
	o.max_body = 0;
	o.timeout_ms = 400;
	assert_int_equal(httpc_send(&o, on_err, &S.last_err[2], NULL), 0);
	/* A cancelled request never calls its handler. */
	o.url = hang;
	assert_int_equal(httpc_send(&o, on_err, &S.last_err[3], &req), 0);
	httpc_cancel(req);
	assert_int_equal(loop_run(), 0);
	assert_int_equal(S.last_err[0], ECONNREFUSED);
	assert_int_equal(S.last_err[1], EFBIG);
	assert_int_equal(S.last_err[2], ETIMEDOUT);
	assert_int_equal(S.last_err[3], 0);
	o.url = NULL;
	assert_int_equal(httpc_send(&o, on_err, NULL, NULL), EINVAL);
	stop_server();
	loop_close();
}

static unsigned renders, winches, children;
static pid_t child_pid;

static void render(void *arg)
{
	renders++;
}

static void on_winch(void *arg)
{
	winches++;
}

static void on_child(void *arg)
{
	int status;

	if (child_pid > 0 && waitpid(child_pid, &status, WNOHANG) == child_pid) {
		children++;
		child_pid = 0;
	}
}

static void poke(void *arg)
{
	int i;

	/* Many changes in one turn make one render. */
	for (i = 0; i < 10; i++)
		loop_dirty();
	raise(SIGWINCH);
	child_pid = fork();
	if (child_pid == 0)
		_exit(0);
}

static void finish(void *arg)
{
	raise(SIGTERM);
}

static void test_signals_render_child(void **state)
{
	struct tmr t1, t2;

	assert_int_equal(loop_init(), 0);
	loop_set_render(render, NULL);
	loop_watch_winch(on_winch, NULL);
	assert_int_equal(loop_watch_child(on_child, NULL), 0);
	tmr_init(&t1);
	tmr_init(&t2);
	tmr_start(&t1, 10, poke, NULL);
	tmr_start(&t2, 500, finish, NULL);
	/* SIGTERM ends the loop with 128 + 15, like a shell reports it. */
	assert_int_equal(loop_run(), 128 + SIGTERM);
	assert_int_equal(renders, 1);
	assert_int_equal(winches, 1);
	assert_int_equal(children, 1);
	tmr_cancel(&t1);
	tmr_cancel(&t2);
	loop_unwatch_child(on_child, NULL);
	loop_close();
	/* After loop_close, init works again (CLI commands may run the loop twice). */
	assert_int_equal(loop_init(), 0);
	loop_close();
	loop_close();
}

/* ---- the ordered queue: deferred jobs, then one render ---- */

static char order[64];
static size_t norder;
static unsigned stage, seen_stage, qrenders, chain_left, polls_between;
static struct loop_job ja, jb, jc, jself;
static struct tmr qt;

static void mark(char c)
{
	if (norder < sizeof(order) - 1)
		order[norder++] = c;
	order[norder] = '\0';
}

static void qrender(void *arg)
{
	qrenders++;
	seen_stage = stage;
	mark('R');
}

static void job_a(void *arg)
{
	mark('a');
}
static void job_b(void *arg)
{
	mark('b');
}
static void job_c(void *arg)
{
	mark('c');
}
static void job_a_cancels_c(void *arg)
{
	mark('a');
	loop_defer_cancel(&jc);
}

static void quit_soon(void *arg)
{
	loop_quit(0);
}

/* Runs the loop until the queue and the render are done (a 50 ms timer ends it). */
static void spin(void)
{
	struct tmr end;

	tmr_init(&end);
	tmr_start(&end, 50, quit_soon, NULL);
	(void)loop_run();
	tmr_cancel(&end);
}

static void step2(void *arg)
{
	stage = 3;
	mark('2');
}

static void step1(void *arg)
{
	stage = 2;
	mark('1');
	loop_dirty();
	loop_defer(&jb, step2, NULL);
}

/* An event (here a timer, as a socket read would be) changes state, asks for a frame and
 * defers the rest of its work, which defers more: the frame comes once, after the chain. */
static void event(void *arg)
{
	stage = 1;
	mark('e');
	loop_dirty();
	loop_defer(&ja, step1, NULL);
}

static void render_dirties(void *arg)
{
	qrenders++;
	mark('R');
	/* A render that asks for another one gets it on the next turn, not recursively. */
	if (qrenders == 1)
		loop_dirty();
}

static void self_chain(void *arg)
{
	stage++;
	if (--chain_left)
		loop_defer(&jself, self_chain, NULL);
}

static void poll_between(void *arg)
{
	polls_between++;
	tmr_start(&qt, 0, poll_between, NULL);
	if (polls_between > 1000)
		tmr_cancel(&qt);
}

static void reset(void)
{
	norder = 0;
	order[0] = '\0';
	stage = seen_stage = qrenders = 0;
	loop_job_init(&ja);
	loop_job_init(&jb);
	loop_job_init(&jc);
	loop_job_init(&jself);
}

static void test_ordered_queue(void **state)
{
	assert_int_equal(loop_init(), 0);
	tmr_init(&qt);
	loop_set_render(qrender, NULL);

	/* A chain of deferred work is drawn once, at its end. */
	reset();
	tmr_start(&qt, 1, event, NULL);
	spin();
	assert_string_equal(order, "e12R");
	assert_int_equal(qrenders, 1);
	assert_int_equal(seen_stage, 3);

	/* First asked, first run; a job asked again keeps its place; a cancelled one never
	 * runs; nothing dirty, no render. */
	reset();
	loop_defer(&ja, job_a, NULL);
	loop_defer(&jb, job_b, NULL);
	loop_defer(&jc, job_c, NULL);
	loop_defer(&ja, job_a, NULL);
	assert_true(loop_deferred(&ja));
	loop_defer_cancel(&jb);
	loop_defer_cancel(&jb);
	assert_false(loop_deferred(&jb));
	spin();
	assert_string_equal(order, "ac");
	assert_false(loop_deferred(&ja));

	/* A job can cancel one queued behind it; the last one cancelled keeps the tail right. */
	reset();
	loop_defer(&ja, job_a_cancels_c, NULL);
	loop_defer(&jc, job_c, NULL);
	spin();
	loop_defer(&jb, job_b, NULL);
	loop_dirty();
	spin();
	assert_string_equal(order, "abR");

	/* A render that dirties again is followed by one more, on the next turn. */
	reset();
	loop_set_render(render_dirties, NULL);
	loop_dirty();
	spin();
	assert_string_equal(order, "RR");
	loop_set_render(qrender, NULL);

	/* A chain longer than one turn's share lets timers in between, and still draws once,
	 * at its end. */
	reset();
	polls_between = 0;
	chain_left = 3000;
	loop_dirty();
	loop_defer(&jself, self_chain, NULL);
	tmr_start(&qt, 0, poll_between, NULL);
	spin();
	tmr_cancel(&qt);
	assert_int_equal(stage, 3000);
	assert_int_equal(qrenders, 1);
	assert_int_equal(seen_stage, 3000);
	assert_true(polls_between > 0);

	/* Closing the loop empties the queue. */
	reset();
	loop_defer(&ja, job_a, NULL);
	loop_close();
	assert_false(loop_deferred(&ja));
	loop_defer_cancel(&ja);
	loop_defer(NULL, job_a, NULL);
	loop_defer_cancel(NULL);
	assert_false(loop_deferred(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_concurrent_http),
	        cmocka_unit_test(test_http_errors),
	        cmocka_unit_test(test_signals_render_child),
	        cmocka_unit_test(test_ordered_queue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_phone_engine: the engine supervisor against real baresip processes.
 *
 * An engine is started with short timings; its child is then SIGKILLed (a dead engine) and
 * SIGSTOPped (a hung one: the health check goes unanswered); both times loftdial reports the
 * engine down with a reason, kills what is left by PID, and starts a new process that comes up.
 * Shutdown is checked twice: a healthy engine exits on `quit`; a frozen one is walked down the
 * whole ladder (quit, SIGTERM, SIGTERM, SIGKILL) and reaped. In connect mode the engine is a
 * baresip "the user runs": losing it is reported and the engine reconnects when it is back.
 * Finally the dial pool: baresip is SIGKILLed in the middle of a connected call; the attempt
 * is closed with the reason, the line comes back, and the next dial connects.
 * Freeing an engine whose baresip still runs never waits for it: a healthy one exits on the
 * SIGTERM and is reaped from the loop; a frozen one is still there when engine_free returns,
 * gets SIGKILL at the bound and is reaped; one freed just before exiting is killed and reaped
 * by engine_reap_orphans.
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
#include <sys/stat.h>

#include <cmocka.h>

#include "loftdial/engine.h"
#include "loftdial/engineconf.h"
#include "loftdial/loop.h"
#include "phonetest.h"

static char root[600];
static struct pt_audio audio;

struct watch {
	unsigned up, down, stopped;
	char reason[200];
};

static void w_up(struct engine *e, void *arg)
{
	((struct watch *)arg)->up++;
}

static void w_down(struct engine *e, const char *reason, void *arg)
{
	struct watch *w = arg;

	w->down++;
	snprintf(w->reason, sizeof(w->reason), "%s", reason);
	printf("  down: %s\n", reason);
}

static void w_stopped(struct engine *e, void *arg)
{
	((struct watch *)arg)->stopped++;
}

static const struct engine_handlers wh = {w_up, w_down, NULL, NULL, w_stopped};

struct want {
	struct watch *w;
	unsigned up, down, stopped;
};

static bool reached(void *arg)
{
	struct want *x = arg;

	return x->w->up >= x->up && x->w->down >= x->down && x->w->stopped >= x->stopped;
}

/* Writes a minimal engine folder and returns its ctrl address. */
static void engine_dir(const char *name, char *dir, size_t n, char *ctrl, size_t cn)
{
	char sip[64];
	struct engineconf c;
	int sp = tl_free_port(), cp = tl_free_port();

	snprintf(dir, n, "%s/%s", root, name);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(sip, sizeof(sip), "127.0.0.1:%d", sp);
	snprintf(ctrl, cn, "127.0.0.1:%d", cp);
	memset(&c, 0, sizeof(c));
	c.sip_listen = sip;
	c.net_interface = "127.0.0.1";
	c.ctrl_listen = ctrl;
	c.rtp_timeout = 10;
	c.rep_source = "aubridge,nosrc";
	c.rep_player = "aubridge,noplay";
	c.account = "<sip:loftdial@127.0.0.1>;regint=0\n";
	assert_int_equal(engineconf_write(dir, &c), 0);
}

static struct engine_opts fast(const char *dir, const char *ctrl)
{
	struct engine_opts o;

	memset(&o, 0, sizeof(o));
	o.mode = ENGINE_SPAWN;
	o.name = "test";
	o.program = "baresip";
	o.dir = dir;
	o.ctrl_addr = ctrl;
	o.ping_ms = 200;
	o.cmd_ms = 1500; /* generous: a busy machine must not look like a hung engine */
	o.quit_ms = 400;
	o.term_ms = 300;
	o.backoff_min_ms = 100;
	return o;
}

static void test_killed_and_hung(void **state)
{
	char dir[700], ctrl[64];
	struct watch w;
	struct want x;
	struct engine *e;
	struct engine_opts o;
	pid_t p1, p2;

	memset(&w, 0, sizeof(w));
	engine_dir("e1", dir, sizeof(dir), ctrl, sizeof(ctrl));
	o = fast(dir, ctrl);
	assert_int_equal(engine_start(&e, &o, &wh, &w), 0);
	x = (struct want){&w, 1, 0, 0};
	assert_true(pt_run_until(reached, &x, PT_WAIT_MS));
	assert_int_equal(engine_state(e), ENGINE_UP);
	p1 = engine_pid(e);
	assert_true(p1 > 0);

	/* dead: SIGKILL by someone else */
	assert_int_equal(kill(p1, SIGKILL), 0);
	x = (struct want){&w, 2, 1, 0};
	assert_true(pt_run_until(reached, &x, PT_WAIT_MS));
	assert_true(strstr(w.reason, "killed by signal 9") != NULL ||
	            strstr(w.reason, "connection lost") != NULL);
	p2 = engine_pid(e);
	assert_true(p2 > 0 && p2 != p1);
	assert_int_equal(kill(p1, 0), -1); /* the old one was reaped */
	assert_int_equal(engine_restarts(e), 1);

	/* hung: alive but not answering */
	assert_int_equal(kill(p2, SIGSTOP), 0);
	x = (struct want){&w, 3, 2, 0};
	assert_true(pt_run_until(reached, &x, PT_WAIT_MS));
	assert_non_null(strstr(w.reason, "no answer to a health check"));
	assert_true(engine_pid(e) != p2);
	assert_int_equal(kill(p2, 0), -1); /* killed by PID and reaped */
	assert_int_equal(engine_state(e), ENGINE_UP);

	/* a healthy engine stops on quit */
	p1 = engine_pid(e);
	engine_stop(e);
	x = (struct want){&w, 3, 2, 1};
	assert_true(pt_run_until(reached, &x, PT_WAIT_MS));
	assert_int_equal(engine_state(e), ENGINE_STOPPED);
	assert_int_equal(engine_pid(e), 0);
	assert_int_equal(kill(p1, 0), -1);
	engine_free(e);
}

/* A frozen engine: quit goes unanswered, SIGTERM cannot be handled, SIGKILL ends it. */
static void test_shutdown_ladder(void **state)
{
	char dir[700], ctrl[64];
	struct watch w;
	struct want x;
	struct engine *e;
	struct engine_opts o;
	unsigned long long t0;
	pid_t pid;

	memset(&w, 0, sizeof(w));
	engine_dir("e2", dir, sizeof(dir), ctrl, sizeof(ctrl));
	o = fast(dir, ctrl);
	o.ping_ms = 60000; /* no health check during the test */
	assert_int_equal(engine_start(&e, &o, &wh, &w), 0);
	x = (struct want){&w, 1, 0, 0};
	assert_true(pt_run_until(reached, &x, PT_WAIT_MS));
	pid = engine_pid(e);
	assert_int_equal(kill(pid, SIGSTOP), 0);
	t0 = tl_now_ms();
	engine_stop(e);
	x = (struct want){&w, 1, 0, 1};
	assert_true(pt_run_until(reached, &x, PT_WAIT_MS));
	/* it went down the whole ladder: quit, SIGTERM, SIGTERM, then SIGKILL */
	assert_true(tl_now_ms() - t0 >= o.quit_ms + 2 * o.term_ms);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(w.down, 0);
	engine_free(e);
}

/* connect mode: a baresip the user runs; loftdial only connects (and reconnects). */
static void test_connect_mode(void **state)
{
	struct pt_peer user;
	struct pt_peer_opts po;
	struct watch w;
	struct want x;
	struct engine *e;
	struct engine_opts o;
	char addr[64];

	memset(&po, 0, sizeof(po));
	po.user = "rep";
	po.answermode = "manual";
	assert_int_equal(pt_peer_start(&user, root, "userbaresip", &po), 0);
	/* (the test's own ctrl client gives way: ctrl_tcp takes one client at a time) */
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", user.ctrl_port);
	memset(&w, 0, sizeof(w));
	memset(&o, 0, sizeof(o));
	o.mode = ENGINE_CONNECT;
	o.name = "remote";
	o.ctrl_addr = addr;
	o.ping_ms = 200;
	o.cmd_ms = 1500;
	o.backoff_min_ms = 100;
	o.start_ms = 500;
	assert_int_equal(engine_start(&e, &o, &wh, &w), 0);
	x = (struct want){&w, 1, 0, 0};
	assert_true(pt_run_until(reached, &x, PT_WAIT_MS));
	assert_int_equal(engine_pid(e), 0); /* not ours to run */
	/* the user's baresip goes away: reported, then retried */
	pt_peer_stop(&user);
	x = (struct want){&w, 1, 1, 0};
	assert_true(pt_run_until(reached, &x, PT_WAIT_MS));
	assert_true(engine_state(e) != ENGINE_UP);
	engine_stop(e);
	x = (struct want){&w, 1, 1, 1};
	assert_true(pt_run_until(reached, &x, PT_WAIT_MS));
	engine_free(e);
}

static bool no_orphans(void *arg)
{
	return engine_orphans() == 0;
}

/* Starts an engine with short timings and waits until it is up; its pid in *pid. */
static struct engine *started(const char *name, struct watch *w, pid_t *pid)
{
	char dir[700], ctrl[64];
	struct engine_opts o;
	struct engine *e;
	struct want x;

	memset(w, 0, sizeof(*w));
	engine_dir(name, dir, sizeof(dir), ctrl, sizeof(ctrl));
	o = fast(dir, ctrl);
	o.ping_ms = 60000;
	assert_int_equal(engine_start(&e, &o, &wh, w), 0);
	x = (struct want){w, 1, 0, 0};
	assert_true(pt_run_until(reached, &x, PT_WAIT_MS));
	*pid = engine_pid(e);
	assert_true(*pid > 0);
	return e;
}

static void test_free_does_not_wait(void **state)
{
	struct watch w;
	struct engine *e;
	unsigned long long t0;
	pid_t pid;

	/* A healthy engine: SIGTERM, it exits by itself, the loop reaps it. */
	e = started("f1", &w, &pid);
	engine_free(e);
	assert_int_equal(engine_orphans(), 1);
	assert_true(pt_run_until(no_orphans, NULL, PT_WAIT_MS));
	assert_int_equal(kill(pid, 0), -1); /* gone, and not a zombie: reaped */
	assert_int_equal(errno, ESRCH);

	/* A frozen engine cannot act on SIGTERM: engine_free returns with the child still
	 * there (it did not wait), and the bound brings SIGKILL, then the reap. */
	e = started("f2", &w, &pid);
	assert_int_equal(kill(pid, SIGSTOP), 0);
	t0 = tl_now_ms();
	engine_free(e);
	printf("  engine_free of a frozen engine returned in %llu ms\n", tl_now_ms() - t0);
	assert_int_equal(kill(pid, 0), 0);
	assert_int_equal(engine_orphans(), 1);
	assert_true(pt_run_until(no_orphans, NULL, PT_WAIT_MS));
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);

	/* Freed right before the process ends (no loop turn left): killed and reaped, bounded. */
	e = started("f3", &w, &pid);
	assert_int_equal(kill(pid, SIGSTOP), 0);
	engine_free(e);
	assert_int_equal(engine_reap_orphans(5000), 0);
	assert_int_equal(engine_orphans(), 0);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(engine_reap_orphans(0), 0);
}

static bool connected_n(void *arg)
{
	struct pt_pool *t = ((void **)arg)[0];
	unsigned want = *(unsigned *)((void **)arg)[1];

	return pt_pool_count(t, POOL_EV_CONNECTED, 0) >= want;
}

static bool line_up_n(void *arg)
{
	struct pt_pool *t = ((void **)arg)[0];
	unsigned want = *(unsigned *)((void **)arg)[1];

	return t->line_up >= want;
}

/* The pool: SIGKILL in the middle of a call. */
static void test_pool_engine_killed_mid_call(void **state)
{
	static struct pt_pool T;
	struct pt_peer dave;
	struct pt_peer_opts po;
	struct pool_opts o;
	struct phone_opts ph;
	char uri[128], src[800];
	unsigned want = 1;
	void *args[2] = {&T, &want};
	const struct pool_attempt *a;
	int sb, cb;
	pid_t pid;

	snprintf(src, sizeof(src), "aufile,%s", audio.long_);
	memset(&po, 0, sizeof(po));
	po.user = "dave";
	po.answermode = "auto";
	po.ausrc = src;
	assert_int_equal(pt_peer_start(&dave, root, "dave", &po), 0);
	assert_int_equal(pt_port_block(1, &sb, &cb), 0);
	pt_pool_defaults(&o, &ph, root, 1, sb, cb, audio.long_);
	assert_int_equal(pt_pool_start(&T, &o, &ph), 0);
	assert_true(pt_pool_wait_up(&T, 1, PT_WAIT_MS));
	assert_int_equal(pool_add(T.pool, pt_peer_uri(&dave, uri, sizeof(uri)), NULL), 0);
	pool_start(T.pool);
	assert_true(pt_run_until(connected_n, args, PT_WAIT_MS));
	pid = engine_pid(phone_engine(pool_phone(T.pool), 1));
	assert_true(pid > 0);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_true(pt_pool_wait_ended(&T, 1, PT_WAIT_MS));
	a = &T.ended[0];
	/* the attempt is closed with a clear reason; it had been connected */
	assert_int_equal(a->outcome, CALL_OUT_CONNECTED);
	assert_non_null(strstr(a->reason, "engine failed"));
	assert_int_equal(T.line_down, 1);
	assert_non_null(pt_pool_last(&T, POOL_EV_LINE_DOWN));
	/* the rep is told (LINE_DOWN), the engine restarts (LINE_UP), the next dial works */
	want = 2;
	assert_true(pt_run_until(line_up_n, args, PT_WAIT_MS));
	assert_true(engine_pid(phone_engine(pool_phone(T.pool), 1)) != pid);
	assert_int_equal(pool_add(T.pool, pt_peer_uri(&dave, uri, sizeof(uri)), NULL), 0);
	assert_true(pt_run_until(connected_n, args, PT_WAIT_MS));
	assert_int_equal(pool_hangup(T.pool), 0);
	assert_true(pt_pool_wait_ended(&T, 2, PT_WAIT_MS));
	assert_int_equal(T.ended[1].outcome, CALL_OUT_CONNECTED);
	assert_string_equal(T.ended[1].reason, "hung up by the rep");
	pt_pool_finish(&T);
	pt_peer_stop(&dave);
}

static int setup(void **state)
{
	if (tl_tmpdir(root, sizeof(root), "phone-engine") || pt_loop_init() ||
	    pt_audio_make(&audio, root))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	int left = pt_children();

	pt_loop_close();
	tl_rmrf(root);
	if (left != 0) {
		fprintf(stderr, "%d child process(es) left behind\n", left);
		return -1;
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_killed_and_hung),
	        cmocka_unit_test(test_shutdown_ladder),
	        cmocka_unit_test(test_connect_mode),
	        cmocka_unit_test(test_pool_engine_killed_mid_call),
	        cmocka_unit_test(test_free_does_not_wait),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

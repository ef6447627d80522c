/*
 * test_sync_service: the sync service (syncsvc.h) on the real loop against a real sandbox,
 * in this process: periodic incremental polls on the timer with their notes in order, a run
 * asked for by hand, one run at a time (EALREADY in this process, EBUSY and a skipped poll
 * while another holder has the sync lock), stopping a run, not connected, pages written again
 * from the loop while another process holds the database's write lock (a short busy timeout,
 * as the TUI sets), the ids[] sweep's answer likewise while a second process holds the lock,
 * and the webhook receiver beside it (stored events applied at start,
 * deliveries answered on the same loop).
 */
#include <errno.h>
#include <setjmp.h>
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

#include "loftdial/config.h"
#include "loftdial/httpc.h"
#include "loftdial/loop.h"
#include "loftdial/records.h"
#include "loftdial/sync.h"
#include "loftdial/syncsess.h"
#include "loftdial/syncsvc.h"
#include "loftdial/whevents.h"
#include "sbxtest.h"

#define WAIT_MS 30000
#define NOTES   4096

static struct sbxt sbx;
static char dir[512], db[600];
static struct config *cfg;
static struct syncsess ss;
static struct syncsvc *svc;

static enum syncsvc_ev notes[NOTES];
static struct syncsvc_note last_done, last_skip, last_hook;
static unsigned nnotes, ndone, nskip, nhook;

static void on_note(const struct syncsvc_note *n, void *arg)
{
	if (nnotes < NOTES)
		notes[nnotes++] = n->ev;
	if (n->ev == SYNCSVC_RUN_DONE) {
		last_done = *n;
		ndone++;
	} else if (n->ev == SYNCSVC_SKIPPED) {
		last_skip = *n;
		nskip++;
	} else if (n->ev == SYNCSVC_WEBHOOK) {
		last_hook = *n;
		last_hook.event_type = last_hook.text = NULL; /* valid only during the call */
		nhook++;
	}
}

/* ---- running the loop until something holds ---- */

static bool (*wait_pred)(void *);
static void *wait_arg;
static unsigned long long wait_end;
static struct tmr wait_tmr;

static void waiter(void *arg)
{
	if ((wait_pred && wait_pred(wait_arg)) || loop_now_ms() >= wait_end) {
		loop_quit(0);
		return;
	}
	tmr_start(&wait_tmr, 5, waiter, NULL);
}

static bool run_until(bool (*pred)(void *), void *arg, unsigned ms)
{
	wait_pred = pred;
	wait_arg = arg;
	wait_end = loop_now_ms() + ms;
	tmr_start(&wait_tmr, 0, waiter, NULL);
	loop_run();
	tmr_cancel(&wait_tmr);
	return pred(arg);
}

static bool done_at_least(void *arg)
{
	return ndone >= *(unsigned *)arg;
}

static bool skipped_at_least(void *arg)
{
	return nskip >= *(unsigned *)arg;
}

static bool not_running(void *arg)
{
	return !syncsvc_running(svc);
}

/* ---- fixture ---- */

static int setup(void **state)
{
	const char *extra[] = {"--people", "300", NULL};
	char err[256], msg[256];

	if (sbxt_start(&sbx, extra))
		return -1;
	if (tl_tmpdir(dir, sizeof(dir), "sync-service") || config_new(&cfg) || loop_init())
		goto fail;
	snprintf(db, sizeof(db), "%s/loftdial.db", dir);
	if (config_set(cfg, "salesloft.api_url", sbx.base, err, sizeof(err)) ||
	    config_set(cfg, "salesloft.accounts_url", sbx.base, err, sizeof(err)) ||
	    config_set(cfg, "salesloft.api_key", SBXT_API_KEY, err, sizeof(err)) ||
	    config_set(cfg, "salesloft.rate_window", "2", err, sizeof(err)) ||
	    syncsess_open(&ss, db, cfg, true, msg, sizeof(msg)))
		goto fail;
	return 0;
fail:
	sbxt_stop(&sbx);
	return -1;
}

static int teardown(void **state)
{
	syncsess_close(&ss);
	loop_close();
	config_free(cfg);
	tl_rmrf(dir);
	return sbxt_stop(&sbx) == 0 ? 0 : -1;
}

static void opts(struct syncsvc_opts *o, unsigned poll_ms)
{
	syncsvc_opts_from_config(o, cfg, dir);
	o->poll_ms = poll_ms;
}

static void reset_notes(void)
{
	nnotes = ndone = nskip = nhook = 0;
}

/* ---- tests ---- */

static void test_opts_and_args(void **state)
{
	struct syncsvc_opts o;
	struct syncsvc_stats st;

	syncsvc_opts_from_config(&o, cfg, dir);
	assert_int_equal(o.poll_ms, 60000); /* sync.poll_interval's default, in ms */
	assert_true(o.run.ids_sweep);
	assert_int_equal(o.run.full_every, 24);
	assert_null(o.listen);
	assert_int_equal(syncsvc_new(NULL, ss.api, ss.st, &o, NULL, NULL), EINVAL);
	assert_int_equal(syncsvc_new(&svc, NULL, ss.st, &o, NULL, NULL), EINVAL);
	o.data_dir = NULL;
	assert_int_equal(syncsvc_new(&svc, ss.api, ss.st, &o, NULL, NULL), EINVAL);
	assert_int_equal(syncsvc_run_now(NULL, false), EINVAL);
	assert_false(syncsvc_running(NULL));
	assert_null(syncsvc_sync(NULL));
	assert_int_equal(syncsvc_port(NULL), 0);
	syncsvc_stats(NULL, &st);
	assert_int_equal(st.runs, 0);
	syncsvc_stop_run(NULL);
	syncsvc_free(NULL);
}

/* Polls come by themselves, one after the other, each with start, progress and done. */
static void test_polls(void **state)
{
	struct syncsvc_opts o;
	struct syncsvc_stats st;
	unsigned want = 2, i, starts = 0, progress = 0;
	int64_t people = 0;

	reset_notes();
	opts(&o, 200);
	assert_int_equal(syncsvc_new(&svc, ss.api, ss.st, &o, on_note, NULL), 0);
	syncsvc_stats(svc, &st);
	assert_true(st.next_poll_ms > 0);
	assert_false(syncsvc_running(svc));
	assert_true(run_until(done_at_least, &want, WAIT_MS));
	assert_int_equal(last_done.rc, 0);
	/* The first poll was a full pass (nothing stored yet); the second found little new. */
	assert_true(records_count(ss.st, STORE_PEOPLE, false, &people) == 0 && people == 300);
	assert_true(last_done.records < 300);
	syncsvc_stats(svc, &st);
	assert_int_equal(st.runs, 2);
	assert_int_equal(st.failed, 0);
	assert_true(st.last_end_ms > 0);
	assert_true(st.next_poll_ms >= st.last_end_ms);
	/* Notes in order: each run starts, progresses, ends; none overlaps another. */
	for (i = 0; i < nnotes; i++) {
		if (notes[i] == SYNCSVC_RUN_START) {
			assert_int_equal(starts, 0);
			starts = 1;
		} else if (notes[i] == SYNCSVC_PROGRESS) {
			assert_int_equal(starts, 1);
			progress++;
		} else if (notes[i] == SYNCSVC_RUN_DONE) {
			assert_int_equal(starts, 1);
			starts = 0;
		}
	}
	assert_true(progress > 0);
	/* The rate figures were saved for status. */
	{
		long rem = -1;
		unsigned lim = 0;
		int64_t at = 0;

		assert_int_equal(syncsess_load_rate(ss.st, &rem, &lim, &at), 0);
		assert_true(lim > 0);
	}
	syncsvc_free(svc);
	svc = NULL;
}

/* One run at a time, in this process and across processes (the lock). */
static void test_single_flight(void **state)
{
	struct syncsvc_opts o;
	struct syncsvc_stats st;
	unsigned want;
	int fd = -1;

	reset_notes();
	opts(&o, 0);
	assert_int_equal(syncsvc_new(&svc, ss.api, ss.st, &o, on_note, NULL), 0);
	syncsvc_stats(svc, &st);
	assert_int_equal(st.next_poll_ms, 0); /* polls off */
	assert_int_equal(syncsvc_run_now(svc, true), 0);
	assert_true(syncsvc_running(svc));
	assert_non_null(syncsvc_sync(svc));
	assert_int_equal(syncsvc_run_now(svc, false), EALREADY);
	/* The lock is held by the run: a `loftdial sync` now would be refused. */
	assert_int_equal(syncsess_lock(dir, &fd), EBUSY);
	want = 1;
	assert_true(run_until(done_at_least, &want, WAIT_MS));
	assert_true(last_done.full);
	assert_int_equal(last_done.rc, 0);
	assert_true(last_done.records >= 300);
	assert_null(syncsvc_sync(svc));

	/* Another holder of the lock: a run by hand is refused, and polls skip their turn. */
	assert_int_equal(syncsess_lock(dir, &fd), 0);
	assert_int_equal(syncsvc_run_now(svc, false), EBUSY);
	syncsvc_free(svc);
	opts(&o, 100);
	assert_int_equal(syncsvc_new(&svc, ss.api, ss.st, &o, on_note, NULL), 0);
	want = 2;
	assert_true(run_until(skipped_at_least, &want, WAIT_MS));
	assert_int_equal(last_skip.rc, EBUSY);
	assert_int_equal(ndone, 1);
	syncsvc_stats(svc, &st);
	assert_int_equal(st.skipped, 2);
	assert_int_equal(st.runs, 0);
	syncsess_unlock(fd);
	want = 2;
	assert_true(run_until(done_at_least, &want, WAIT_MS));
	assert_int_equal(last_done.rc, 0);
	syncsvc_free(svc);
	svc = NULL;
}

/* A run stopped half-way gives the lock back at once; freeing mid-run is clean too. */
static void test_stop(void **state)
{
	struct syncsvc_opts o;
	int fd = -1;

	reset_notes();
	opts(&o, 0);
	assert_int_equal(syncsvc_new(&svc, ss.api, ss.st, &o, on_note, NULL), 0);
	assert_int_equal(syncsvc_run_now(svc, true), 0);
	syncsvc_stop_run(svc);
	assert_false(syncsvc_running(svc));
	assert_int_equal(syncsess_lock(dir, &fd), 0);
	syncsess_unlock(fd);
	assert_true(run_until(not_running, NULL, 100));
	assert_int_equal(ndone, 0);
	assert_int_equal(syncsvc_run_now(svc, true), 0);
	syncsvc_free(svc);
	svc = NULL;
	assert_int_equal(syncsess_lock(dir, &fd), 0);
	syncsess_unlock(fd);
}

/* Without credentials a run is refused and polls skip with EACCES. */
static void test_not_connected(void **state)
{
	struct syncsess bare;
	struct config *c = NULL;
	struct syncsvc_opts o;
	char msg[256], err[256], path[700];
	unsigned want = 1;

	reset_notes();
	snprintf(path, sizeof(path), "%s/bare.db", dir);
	assert_int_equal(config_new(&c), 0);
	assert_int_equal(config_set(c, "salesloft.api_url", sbx.base, err, sizeof(err)), 0);
	assert_int_equal(syncsess_open(&bare, path, c, true, msg, sizeof(msg)), 0);
	opts(&o, 50);
	assert_int_equal(syncsvc_new(&svc, bare.api, bare.st, &o, on_note, NULL), 0);
	assert_int_equal(syncsvc_run_now(svc, false), EACCES);
	assert_true(run_until(skipped_at_least, &want, WAIT_MS));
	assert_int_equal(last_skip.rc, EACCES);
	syncsvc_free(svc);
	svc = NULL;
	syncsess_close(&bare);
	config_free(c);
}

/* ---- another process holds the write lock ---- */

static struct store *other;

static void release_other(void *arg)
{
	assert_int_equal(store_commit(other), 0);
}

/* With a short busy timeout (the TUI's), pages that meet another process's write lock are
 * kept and written again from the loop once it is free: the run ends well. */
static void test_busy_database(void **state)
{
	struct syncsvc_opts o;
	struct tmr rel;
	unsigned want = 1;
	int64_t rows = 0;

	reset_notes();
	assert_int_equal(store_open(&other, db), 0);
	assert_int_equal(store_set_busy_timeout(ss.st, 20), 0);
	opts(&o, 0);
	assert_int_equal(syncsvc_new(&svc, ss.api, ss.st, &o, on_note, NULL), 0);
	assert_int_equal(store_begin(other), 0);
	assert_int_equal(syncsvc_run_now(svc, true), 0);
	tmr_init(&rel);
	tmr_start(&rel, 1500, release_other, NULL);
	assert_true(run_until(done_at_least, &want, WAIT_MS));
	tmr_cancel(&rel);
	assert_int_equal(last_done.rc, 0);
	assert_true(last_done.records >= 300);
	assert_int_equal(records_count(ss.st, STORE_PEOPLE, false, &rows), 0);
	assert_int_equal(rows, 300);
	syncsvc_free(svc);
	svc = NULL;
	store_close(other);
	other = NULL;
	assert_int_equal(store_set_busy_timeout(ss.st, STORE_BUSY_DEFAULT_MS), 0);
}

/* ---- the ids[] sweep meets another process's write lock ---- */

static int to_child[2] = {-1, -1}, from_child[2] = {-1, -1};
static bool sweep_locked, sweep_done;
static int sweep_rc = -1;
static unsigned ticks_locked;
static struct sync *sweep_run;
static struct tmr tick_tmr;

/* The second process: takes the write lock when told ('L', answers 'l'), commits when told
 * ('C'), then exits. */
static void lock_holder(const char *path)
{
	struct store *o = NULL;
	char c = 0;
	int rc = 1;

	/* Only the parent writes to_child and reads from_child: with those ends closed here, a
	 * parent that dies leaves this process a read that ends instead of one that waits. */
	close(to_child[1]);
	close(from_child[0]);
	if (read(to_child[0], &c, 1) != 1 || c != 'L')
		_exit(2);
	if (store_open(&o, path) || store_begin(o) ||
	    store_meta_set(o, "test.sweep_lock", "held") != 0)
		_exit(3);
	if (write(from_child[1], "l", 1) != 1)
		_exit(4);
	if (read(to_child[0], &c, 1) == 1 && c == 'C' && store_commit(o) == 0)
		rc = 0;
	store_close(o);
	_exit(rc);
}

static void tick(void *arg)
{
	if (sweep_locked)
		ticks_locked++;
	tmr_start(&tick_tmr, 10, tick, NULL);
}

static void release_child(void *arg)
{
	sweep_locked = false;
	assert_int_equal(write(to_child[1], "C", 1), 1);
}

/* Once people reach the sweep, the second process takes the write lock (before the first
 * batch's answer can be written) and keeps it for 1.5 s. */
static void sweep_progress(void *arg)
{
	struct tmr *rel = arg;
	const struct sync_obj_progress *p;
	size_t n;
	char c = 0;

	p = sync_progress(sweep_run, &n);
	if (sweep_locked || ticks_locked || n != 1 || p[0].phase != SYNC_SWEEPING)
		return;
	assert_int_equal(write(to_child[1], "L", 1), 1);
	assert_int_equal(read(from_child[0], &c, 1), 1);
	assert_int_equal(c, 'l');
	sweep_locked = true;
	tmr_start(rel, 1500, release_child, NULL);
}

static void sweep_finished(int rc, void *arg)
{
	sweep_rc = rc;
	sweep_done = true;
}

static bool sweep_ended(void *arg)
{
	return sweep_done;
}

/* Two people deleted in Salesloft; an incremental run's ids[] sweep finds them while a second
 * process holds the write lock: the answer is kept and written once the lock is free (the
 * loop turning meanwhile), the run ends well and both are marked deleted. Without the retry
 * the sweep failed with EBUSY. */
static void test_busy_sweep(void **state)
{
	struct sync_opts o = {.ids_sweep = true};
	const struct sync_obj_progress *p;
	int64_t ids[200], gone[2];
	size_t got = 0, n;
	static struct tmr rel; /* static: a failed assert leaves this frame, not the timer */
	char path[128];
	pid_t pid;
	int status = 0, i;

	assert_int_equal(records_live_ids(ss.st, STORE_PEOPLE, 0, ids, 200, &got), 0);
	assert_true(got >= 160);
	gone[0] = ids[5];
	gone[1] = ids[150]; /* in the second batch */
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/_sandbox/records/people/%lld", (long long)gone[i]);
		long st = sbxt_admin(&sbx, "DELETE", path, NULL, NULL);
		assert_true(st == 200 || st == 204);
	}
	assert_int_equal(pipe(to_child), 0);
	assert_int_equal(pipe(from_child), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		lock_holder(db);
	close(to_child[0]);
	close(from_child[1]);
	assert_int_equal(store_set_busy_timeout(ss.st, 20), 0);
	o.objs[STORE_PEOPLE] = true;
	tmr_init(&rel);
	tmr_init(&tick_tmr);
	tmr_start(&tick_tmr, 10, tick, NULL);
	assert_int_equal(
	        sync_start(&sweep_run, ss.api, ss.st, &o, sweep_progress, sweep_finished, &rel), 0);
	assert_true(run_until(sweep_ended, NULL, WAIT_MS));
	tmr_cancel(&rel);
	tmr_cancel(&tick_tmr);
	p = sync_progress(sweep_run, &n);
	assert_int_equal(n, 1);
	assert_false(p[0].full);
	assert_string_equal(p[0].error, "");
	assert_int_equal(sweep_rc, 0);
	assert_int_equal(p[0].deleted, 2);
	assert_true(p[0].swept >= got);
	/* The lock was held, and the loop kept turning under it. */
	assert_true(ticks_locked >= 3);
	sync_free(sweep_run);
	sweep_run = NULL;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(to_child[1]);
	close(from_child[0]);
	for (i = 0; i < 2; i++) {
		struct store *chk = ss.st;
		int64_t live[2] = {0};
		size_t k = 0;

		/* A deleted person is no longer among the live ids. */
		assert_int_equal(records_live_ids(chk, STORE_PEOPLE, gone[i] - 1, live, 1, &k), 0);
		assert_true(k == 0 || live[0] != gone[i]);
	}
	assert_int_equal(store_set_busy_timeout(ss.st, STORE_BUSY_DEFAULT_MS), 0);
}

/* ---- webhooks beside the polls ---- */

static long hook_status;

static void hook_done(int err, const struct httpc_resp *resp, void *arg)
{
	hook_status = err ? -1 : resp->status;
}

static bool hook_answered(void *arg)
{
	return hook_status != 0 && nhook > 0;
}

static void test_webhooks(void **state)
{
	static const struct httpc_header hdr[] = {{"x-salesloft-event", "person_updated"},
	                                          {"Content-Type", "application/json"}};
	struct syncsvc_opts o;
	struct syncsvc_stats st;
	struct httpc_opts h;
	char url[128];
	const char *body = "{\"id\":1}";

	reset_notes();
	/* An event stored by an earlier run and never applied (its type is not one loftdial
	 * applies, so applying it is marking it done). */
	assert_int_equal(whevents_put(ss.st, 1, "bogus_event", true, "{}", 2, NULL), 0);
	opts(&o, 0);
	o.listen = "127.0.0.1:0";
	assert_int_equal(syncsvc_new(&svc, ss.api, ss.st, &o, on_note, NULL), 0);
	syncsvc_stats(svc, &st);
	assert_int_equal(st.applied_start, 1);
	assert_non_null(syncsvc_rx(svc));
	assert_true(syncsvc_port(svc) > 0);
	/* Unsigned: refused on the same loop, and the face hears of it. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/hooks", syncsvc_port(svc));
	memset(&h, 0, sizeof(h));
	h.method = "POST";
	h.url = url;
	h.headers = hdr;
	h.nheaders = 2;
	h.body = body;
	h.body_len = strlen(body);
	hook_status = 0;
	assert_int_equal(httpc_send(&h, hook_done, NULL, NULL), 0);
	assert_true(run_until(hook_answered, NULL, WAIT_MS));
	assert_int_equal(hook_status, 401);
	assert_int_equal(last_hook.status, 401);
	assert_int_equal(last_hook.ev, SYNCSVC_WEBHOOK);
	syncsvc_free(svc);
	/* The address is free again once freed. */
	svc = NULL;
	/* A port already taken fails the whole start. */
	{
		struct syncsvc *a = NULL, *b = NULL;
		char addr[64];

		o.listen = "127.0.0.1:0";
		assert_int_equal(syncsvc_new(&a, ss.api, ss.st, &o, NULL, NULL), 0);
		snprintf(addr, sizeof(addr), "127.0.0.1:%u", syncsvc_port(a));
		o.listen = addr;
		assert_int_not_equal(syncsvc_new(&b, ss.api, ss.st, &o, NULL, NULL), 0);
		assert_null(b);
		syncsvc_free(a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_opts_and_args), cmocka_unit_test(test_polls),
	        cmocka_unit_test(test_single_flight), cmocka_unit_test(test_stop),
	        cmocka_unit_test(test_not_connected), cmocka_unit_test(test_busy_database),
	        cmocka_unit_test(test_busy_sweep),    cmocka_unit_test(test_webhooks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * `loftdial sync [--full] [--no-sweep] [OBJECT...]`: one headless sync run with progress.
 *
 * On a terminal each object gets a live progress bar (records, rate, ETA when the total is
 * known) under a line with the rate budget; otherwise one plain line per object as it ends.
 * The exit code says what happened (docs/cli.md): 0 all done, 4 some object stopped (rerun
 * resumes), 3 the connection is missing or expired, 130 interrupted, 1 could not start.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <re.h>

#include "loftdial/cli.h"
#include "loftdial/cursor.h"
#include "loftdial/log.h"
#include "loftdial/loop.h"
#include "loftdial/slapi.h"
#include "loftdial/sync.h"
#include "loftdial/syncsess.h"
#include "loftdial/text.h"
#include "loftdial/twidth.h"

#define RENDER_MS 100
#define BAR_W     24

struct syncrun {
	struct syncsess ss;
	struct sync *sync;
	bool tty, drawn, quiet;
	size_t lines;
	unsigned cols; /* the terminal's width: no line drawn is wider than cols - 1 */
	bool ended[STORE_OBJ_COUNT];
	struct tmr tmr;
	uint64_t started_ms;
	int rc;
};

/* Formats a duration in seconds as m:ss or h:mm:ss. */
static void fmt_dur(char *out, size_t n, uint64_t s)
{
	if (s >= 3600)
		snprintf(out, n, "%llu:%02llu:%02llu", (unsigned long long)(s / 3600),
		         (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
	else
		snprintf(out, n, "%llu:%02llu", (unsigned long long)(s / 60),
		         (unsigned long long)(s % 60));
}

static const char *phase_name(enum sync_phase p)
{
	switch (p) {
	case SYNC_PENDING:
		return "waiting";
	case SYNC_LISTING:
		return "listing";
	case SYNC_SWEEPING:
		return "sweeping";
	case SYNC_OK:
		return "done";
	case SYNC_FAILED:
		return "FAILED";
	case SYNC_STOPPED:
		return "stopped";
	}
	return "?";
}

/* One object's line (no newline); wait_s: seconds sync requests are held back by the rate
 * limit (shown on the objects still listing, counting down). */
static void obj_line(const struct sync_obj_progress *p, uint64_t now, unsigned wait_s,
                     struct slapi *api, char *out, size_t n)
{
	uint64_t end = p->finished_ms ? p->finished_ms : now;
	double secs =
	        p->started_ms && end > p->started_ms ? (double)(end - p->started_ms) / 1000 : 0;
	double rate = secs > 0.05 ? (double)p->records / secs : 0;
	char bar[BAR_W + 1], eta[32] = "", extra[360] = "";
	int filled = 0, i;

	uint64_t shown = p->records, reread = 0;

	/* Pages read again (a cursor resumed, a record moved) count past the total: the count
	 * stops at the total and the rest is said apart, never 2069/2000. */
	if (p->total >= 0 && shown > (uint64_t)p->total) {
		reread = shown - (uint64_t)p->total;
		shown = (uint64_t)p->total;
	}
	if (p->total > 0) {
		filled = (int)((double)shown * BAR_W / (double)p->total);
		if (filled > BAR_W)
			filled = BAR_W;
	} else if (p->phase == SYNC_OK) {
		filled = BAR_W;
	}
	for (i = 0; i < BAR_W; i++)
		bar[i] = i < filled ? '#' : '-';
	bar[BAR_W] = '\0';
	if (p->phase == SYNC_LISTING && p->total > 0 && rate > 0 &&
	    (uint64_t)p->total > p->records) {
		uint64_t left = (uint64_t)p->total - p->records;
		uint64_t by_rate = (uint64_t)((double)left / rate);
		/* The rate so far says nothing of a budget not yet spent: the pages still to read
		 * may need later rate-limit windows, so the ETA is never below what they take. */
		uint64_t by_budget =
		        slapi_sync_eta_ms(api, (left + CURSOR_PER_PAGE - 1) / CURSOR_PER_PAGE) /
		        1000;
		char d[24];

		fmt_dur(d, sizeof(d), by_rate > by_budget ? by_rate : by_budget);
		snprintf(eta, sizeof(eta), " ETA %s", d);
	}
	if (p->phase == SYNC_FAILED || p->phase == SYNC_STOPPED)
		snprintf(extra, sizeof(extra), "  %s", p->error);
	else if (p->deleted || p->swept)
		snprintf(extra, sizeof(extra), "  %u deleted%s", p->deleted,
		         p->swept ? " (ids sweep)" : "");
	else if (reread)
		snprintf(extra, sizeof(extra), "  %llu re-read", (unsigned long long)reread);
	if (wait_s && p->phase == SYNC_LISTING) {
		size_t len = strlen(extra);

		snprintf(extra + len, sizeof(extra) - len, "  waiting for rate limit, %us", wait_s);
	}
	if (p->total >= 0)
		snprintf(out, n, "%-20s %-4s [%s] %8llu/%-8lld %7.0f/s %-8s%s%s", p->name,
		         p->full ? "full" : "incr", bar, (unsigned long long)shown,
		         (long long)p->total, rate, phase_name(p->phase), eta, extra);
	else
		snprintf(out, n, "%-20s %-4s [%s] %8llu          %7.0f/s %-8s%s", p->name,
		         p->full ? "full" : "incr", bar, (unsigned long long)p->records, rate,
		         phase_name(p->phase), extra);
}

/* The budget line. */
static void budget_line(struct syncrun *r, char *out, size_t n)
{
	struct slapi_stats st;

	slapi_stats(r->ss.api, &st);
	if (st.sync_wait_ms >= 1000) {
		/* First on the line, so it shows however narrow the terminal: a wait is not a hang.
		 */
		snprintf(out, n,
		         "waiting for rate limit, %llus; %llu requests, cost %llu, %llu throttled",
		         (unsigned long long)((st.sync_wait_ms + 999) / 1000),
		         (unsigned long long)st.requests, (unsigned long long)st.cost,
		         (unsigned long long)st.throttled);
		return;
	}
	if (!st.limited)
		snprintf(out, n, "rate limit: none reported; %llu requests, cost %llu",
		         (unsigned long long)st.requests, (unsigned long long)st.cost);
	else
		snprintf(out, n,
		         "rate limit: %ld left this minute (limit %u), sync may use %u; "
		         "%llu requests, cost %llu, %llu throttled",
		         st.last_remaining, st.limit, st.sync_budget,
		         (unsigned long long)st.requests, (unsigned long long)st.cost,
		         (unsigned long long)st.throttled);
}

/* The terminal's width in columns (80 when it cannot be asked). */
static unsigned term_cols(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

/* Prints one line of the frame cut to the terminal's width (minus one column, so it never
 * wraps and the next redraw finds every line where it left it). */
static void frame_line(const struct syncrun *r, const char *line)
{
	char fit[2048], clean[1024];

	text_sanitize(clean, sizeof(clean), line, false);
	twidth_fit(fit, sizeof(fit), clean, r->cols > 1 ? r->cols - 1 : 1, 0);
	printf("\r\033[2K%s\n", fit);
}

/* Redraws the bars in place (terminal) or prints finished objects (plain). */
static void render(struct syncrun *r)
{
	const struct sync_obj_progress *p;
	uint64_t now = loop_now_ms();
	struct slapi_stats st;
	unsigned wait_s;
	char line[640];
	size_t n, i;

	if (r->quiet || !r->sync)
		return;
	slapi_stats(r->ss.api, &st);
	wait_s = (unsigned)((st.sync_wait_ms + 999) / 1000);
	p = sync_progress(r->sync, &n);
	if (!r->tty) {
		for (i = 0; i < n; i++) {
			bool end = p[i].phase == SYNC_OK || p[i].phase == SYNC_FAILED ||
			           p[i].phase == SYNC_STOPPED;

			if (!end || r->ended[i])
				continue;
			r->ended[i] = true;
			obj_line(&p[i], now, wait_s, r->ss.api, line, sizeof(line));
			printf("%s\n", line);
		}
		fflush(stdout);
		return;
	}
	if (r->drawn)
		printf("\033[%zuA", r->lines);
	budget_line(r, line, sizeof(line));
	frame_line(r, line);
	for (i = 0; i < n; i++) {
		obj_line(&p[i], now, wait_s, r->ss.api, line, sizeof(line));
		frame_line(r, line);
	}
	r->lines = n + 1;
	r->drawn = true;
	fflush(stdout);
}

static void render_tmr(void *arg)
{
	struct syncrun *r = arg;

	render(r);
	tmr_start(&r->tmr, RENDER_MS, render_tmr, r);
}

/* SIGWINCH: lay the frame out again at the new width, from a clean slate below its top. */
static void on_winch(void *arg)
{
	struct syncrun *r = arg;

	r->cols = term_cols();
	if (r->drawn) {
		printf("\033[%zuA\r\033[J", r->lines);
		r->drawn = false;
	}
	render(r);
}

static void on_progress(void *arg)
{
	struct syncrun *r = arg;

	/* The terminal redraws on its timer; plain output reports ends at once, except when the
	 * API cannot be reached: then the summary says so once for every object. */
	if (!r->tty && !*slapi_unreachable(r->ss.api))
		render(r);
}

static void on_done(int rc, void *arg)
{
	struct syncrun *r = arg;

	r->rc = rc == 0 ? CLI_OK : (rc == EKEYREVOKED || rc == EACCES) ? CLI_AUTH : CLI_PARTIAL;
	if (rc && *slapi_unreachable(r->ss.api))
		r->rc = CLI_FAIL; /* nothing was reached: not a partial run */
	loop_quit(r->rc);
}

static void on_signal(int sig, void *arg)
{
	struct syncrun *r = arg;

	log_info("sync", "signal %d: stopping; committed pages are kept", sig);
	sync_stop(r->sync);
	loop_quit(CLI_INTERRUPT);
}

/* Prints the summary and the failures after the run. */
static void summary(struct syncrun *r, int code)
{
	const struct sync_obj_progress *p = sync_progress(r->sync, NULL);
	uint64_t records = 0, deleted = 0;
	char line[512], fit[512];
	struct slapi_stats st;
	const char *what;
	double secs;
	size_t n, i;

	(void)sync_progress(r->sync, &n);
	slapi_stats(r->ss.api, &st);
	for (i = 0; i < n; i++) {
		records += p[i].records;
		deleted += p[i].deleted;
	}
	if (r->tty && !r->quiet && !*slapi_unreachable(r->ss.api))
		render(r);
	if (code == CLI_FAIL && *slapi_unreachable(r->ss.api)) {
		/* One line: every object failed the same way, and nothing was synced. A frame
		 * already drawn is wiped, so the line is all that is left on the screen. */
		if (r->tty && r->drawn) {
			printf("\033[%zuA\r\033[J", r->lines);
			fflush(stdout);
		}
		fprintf(stderr, "loftdial sync: %s\n", slapi_unreachable(r->ss.api));
		return;
	}
	for (i = 0; i < n; i++)
		if (p[i].phase == SYNC_FAILED)
			fprintf(stderr, "loftdial sync: %s: %s\n", p[i].name, p[i].error);
	if (code == CLI_AUTH)
		fprintf(stderr, "loftdial sync: %s\n",
		        *slapi_auth_error(r->ss.api) ? slapi_auth_error(r->ss.api)
		                                     : "not connected: run loftdial connect");
	if (r->quiet)
		return;
	what = code == CLI_OK          ? "ok"
	       : code == CLI_INTERRUPT ? "interrupted (rerun resumes)"
	       : code == CLI_AUTH      ? "stopped: connection"
	                               : "partial (rerun resumes)";
	secs = (double)(loop_now_ms() - r->started_ms) / 1000;
	(void)text_printf(line, sizeof(line),
	                  "sync: %s: %zu objects, %llu records, %llu deleted, %llu requests, cost "
	                  "%llu, %.1f s",
	                  what, n, (unsigned long long)records, (unsigned long long)deleted,
	                  (unsigned long long)st.requests, (unsigned long long)st.cost, secs);
	/* On a narrow terminal the line keeps what matters, on one line (a wrapped line would
	 * break the frame above it): the outcome, the records, the requests and the time. */
	if (r->tty && r->cols > 1 && strlen(line) > r->cols - 1) {
		(void)text_printf(fit, sizeof(fit), "sync: %s: %llu records, %llu requests, %.1f s",
		                  what, (unsigned long long)records,
		                  (unsigned long long)st.requests, secs);
		twidth_fit(line, sizeof(line), fit, r->cols - 1, 0);
	}
	printf("%s\n", line);
}

int cmd_sync(struct cli_ctx *ctx, int argc, char **argv)
{
	struct sync_opts o = {0};
	struct syncrun r = {0};
	char msg[512];
	int i, err, code = CLI_FAIL, lock = -1;

	for (i = 1; i < argc; i++) {
		enum store_obj obj;

		if (!strcmp(argv[i], "--full")) {
			o.full = true;
		} else if (!strcmp(argv[i], "--no-sweep")) {
			o.ids_sweep = false;
		} else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
			r.quiet = true;
		} else if (!strcmp(argv[i], "mailboxes")) {
			/* Mailboxes are derived from users' sending addresses. */
			o.objs[STORE_USERS] = true;
		} else if (argv[i][0] != '-' && !store_obj_parse(argv[i], &obj)) {
			o.objs[obj] = true;
		} else {
			fprintf(stderr, "loftdial sync: unknown option or object '%s'\n", argv[i]);
			return cli_usage(cli_find("sync"));
		}
	}
	o.full_every = (unsigned)config_int(ctx->cfg, "sync.full_every");
	o.sweep_max = (unsigned)config_int(ctx->cfg, "sync.sweep_max");
	o.ids_sweep = config_bool(ctx->cfg, "sync.ids_sweep");
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--no-sweep"))
			o.ids_sweep = false;
	r.tty = isatty(STDOUT_FILENO) && getenv("TERM") && strcmp(getenv("TERM"), "dumb");
	err = loop_init();
	if (err) {
		fprintf(stderr, "loftdial sync: cannot start the event loop: %s\n", strerror(err));
		return CLI_FAIL;
	}
	err = syncsess_lock(ctx->paths.data_dir, &lock);
	if (err) {
		fprintf(stderr, "loftdial sync: %s\n",
		        err == EBUSY ? "another sync is running (loftdial sync or webhooks serve); "
		                       "try again when it ends"
		                     : strerror(err));
		goto out;
	}
	err = syncsess_open(&r.ss, ctx->paths.db_file, ctx->cfg, true, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "loftdial sync: %s\n", msg);
		goto out;
	}
	if (!slapi_connected(r.ss.api)) {
		fprintf(stderr, "loftdial sync: %s\n", slapi_why_not_connected(r.ss.api));
		code = CLI_AUTH;
		goto out;
	}
	err = sync_start(&r.sync, r.ss.api, r.ss.st, &o, on_progress, on_done, &r);
	if (err) {
		fprintf(stderr, "loftdial sync: cannot start: %s\n", strerror(err));
		goto out;
	}
	loop_on_signal(on_signal, &r);
	r.started_ms = loop_now_ms();
	tmr_init(&r.tmr);
	if (r.tty && !r.quiet) {
		r.cols = term_cols();
		loop_watch_winch(on_winch, &r);
		tmr_start(&r.tmr, 0, render_tmr, &r);
	}
	code = loop_run();
	tmr_cancel(&r.tmr);
	loop_watch_winch(NULL, NULL);
	summary(&r, code);
	syncsess_save_rate(&r.ss);
out:
	sync_free(r.sync);
	syncsess_close(&r.ss);
	syncsess_unlock(lock);
	loop_close();
	return code;
}

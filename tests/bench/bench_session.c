/*
 * bench_session: how fast the dial session screen draws while nine lines change at once.
 *
 * The real layout code (sessview_draw, src/ui/sessview.c) draws into a real ncurses screen
 * (newterm) on a pseudo-terminal of 80x24 and of 120x40, whose output a child process reads
 * and throws away, as a terminal emulator would read it. The view holds a parallel session of
 * 9 lines and a list of 200 people; it is filled by hand (no dial session, no baresip), so what
 * is timed is the screen alone:
 *   (1) frame time: every frame all nine lanes move to their next phase (dialing, ringing,
 *       early media, answered, AMD listening, connected, hanging up, idle), the figures and
 *       the queue rows change, then the body is erased, drawn and sent (wnoutrefresh +
 *       doupdate);
 *   (2) notification to screen: from a lane's pool note (an ended call, POOL_EV_ENDED, as
 *       the session screen receives it) through the screen's work on it (sessview_pool_note
 *       and the copy of the session's state) to the end of the doupdate() of the frame that
 *       shows it. Not measured: baresip's SIP event reaching the pool and the loop turn to the
 *       render pass (the TUI renders in the turn the change came in).
 *   (3) end to end (session_e2e.c): the real loftdial TUI on an 80x24 pseudo-terminal, its
 *       baresip engines and the sandbox's simulated phones; from a phone's 200 OK (the phones'
 *       own clock) to the read after which the screen this process keeps from the TUI's
 *       bytes shows the lane connected, and from that answer to the CANCEL reaching each
 *       other phone still ringing, at 1 line and at 9 lines.
 * Prints mean, p50, p99 and max in ms with the targets (frame <= 16 ms, event to screen
 * <= 50 ms), and p50, p95, p99 and max for (3); never fails on speed.
 * Usage: bench_session [FRAMES [ANSWERS [PEOPLE]]]: FRAMES per size for (1) and (2) (default
 * 5000; 0 skips them), ANSWERS per line count for (3) (default 100; 0 skips it), PEOPLE in the
 * sandbox's org (default 2000).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "loftdial/text.h"

#include "screen.h"
#include "session_e2e.h"
#include "sessview.h"

#define LINES_N 9
#define PEOPLE  200

static const char *const names[] = {"James Smith",   "María García", "Søren Kowalski",
                                    "Ольга Иванова", "山田 太郎",    "Ngozi Okafor",
                                    "Chloé Dubois",  "Priya Patel",  "Mohammed Al-Sayed"};
static const char *const companies[] = {"Acme Corporation", "Globex", "Initech GmbH",
                                        "Umbrella Logistics", "Stark Industries"};
static const char *const zones[] = {"US/Eastern", "US/Pacific", "Europe/Berlin", "Asia/Tokyo", ""};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Prints mean, p50, p99 and max of n samples (sorted in place) against a target. */
static void report(const char *what, double *s, size_t n, double target)
{
	double sum = 0;
	size_t i;

	if (n == 0)
		return;
	qsort(s, n, sizeof(*s), cmp_double);
	for (i = 0; i < n; i++)
		sum += s[i];
	printf("  %-34s n=%zu  mean %.3f  p50 %.3f  p99 %.3f  max %.3f ms  (target <= %.0f ms: "
	       "%s)\n",
	       what, n, sum / (double)n, s[n / 2], s[(size_t)((double)(n - 1) * 0.99)], s[n - 1],
	       target, s[(size_t)((double)(n - 1) * 0.99)] <= target ? "met at p99" : "MISSED");
}

/* The view of a running 9-line parallel session with PEOPLE people in the list. */
static int fill_view(struct sessview *v)
{
	struct dsession_snapshot *sn = v->snap;
	size_t i;

	v->rows = calloc(PEOPLE, sizeof(*v->rows));
	if (!v->rows)
		return ENOMEM;
	v->cap = v->nrows = PEOPLE;
	for (i = 0; i < PEOPLE; i++) {
		struct sessrow *r = &v->rows[i];

		r->state = DSESSION_ENTRY_WAITING;
		r->person_id = (int64_t)i + 1;
		text_printf(r->name, sizeof(r->name), "%s %zu", names[i % 9], i);
		text_copy(r->company, sizeof(r->company), companies[i % 5]);
		text_copy(r->title, sizeof(r->title), i % 2 ? "Head of Sales" : "VP Procurement");
		text_printf(r->number, sizeof(r->number), "+1415555%04zu", i);
		text_copy(r->locale, sizeof(r->locale), zones[i % 5]);
		r->has_offset = !zones[i % 5][0];
		r->offset_min = -300;
	}
	v->list.count = PEOPLE;
	v->filled = true;
	v->now = time(NULL);
	sn->phase = DSESSION_DIALING;
	sn->mode = DSESSION_PARALLEL;
	text_copy(sn->target.label, sizeof(sn->target.label), "Q4 Outbound: Enterprise (cadence)");
	sn->lines_rep = sn->lines_active = sn->lines_max = LINES_N;
	sn->nentries = PEOPLE;
	sn->pool.nlines = LINES_N;
	sn->stats.abandon_ceiling = 0.03;
	for (i = 0; i < LINES_N; i++) {
		sn->pool.lines[i].line = (unsigned)i + 1;
		sn->pool.lines[i].up = true;
		sn->pool.lines[i].phase = POOL_LINE_IDLE;
	}
	/* The card (shown in its own band at 120x40): a person with instructions and calls. */
	v->has_cardent = v->has_focus = true;
	v->focus = 0;
	text_copy(v->cardent->e.c.display_name, sizeof(v->cardent->e.c.display_name), names[0]);
	text_copy(v->cardent->e.c.title, sizeof(v->cardent->e.c.title), "Head of Sales");
	text_copy(v->cardent->e.c.company, sizeof(v->cardent->e.c.company), companies[0]);
	text_copy(v->cardent->e.c.phone, sizeof(v->cardent->e.c.phone), "+14155550000");
	text_copy(v->cardent->e.c.locale, sizeof(v->cardent->e.c.locale), "US/Eastern");
	text_copy(v->cardent->e.number, sizeof(v->cardent->e.number), "+14155550000");
	text_copy(v->cardent->e.instructions, sizeof(v->cardent->e.instructions),
	          "Ask for the procurement lead; they renew in March and compare three vendors. "
	          "Mention the pilot results from the last quarter.");
	v->nhist = SESSVIEW_CALLS;
	for (i = 0; i < SESSVIEW_CALLS; i++) {
		v->hist[i].at = (int64_t)v->now - (int64_t)i * 86400;
		v->hist[i].duration_s = 60 + (int64_t)i * 7;
		text_copy(v->hist[i].disposition, sizeof(v->hist[i].disposition), "Connected");
		text_copy(v->hist[i].notes, sizeof(v->hist[i].notes),
		          "Spoke about the renewal; wants a follow-up with pricing next week.");
		text_copy(v->hist[i].state, sizeof(v->hist[i].state), "sent");
	}
	return 0;
}

static const enum pool_line_phase cycle[] = {
        POOL_LINE_DIALING,   POOL_LINE_RINGING,   POOL_LINE_RINGING,    POOL_LINE_ANSWERED,
        POOL_LINE_SCREENING, POOL_LINE_CONNECTED, POOL_LINE_HANGING_UP, POOL_LINE_IDLE};
#define NCYCLE (sizeof(cycle) / sizeof(cycle[0]))

/* Frame f: every lane moves to its next phase, with the entry on it; the figures move. */
static void step(struct sessview *v, unsigned long f, unsigned *next_attempt)
{
	struct dsession_snapshot *sn = v->snap;
	unsigned i;
	int64_t now = (int64_t)time(NULL) * 1000;

	sn->pool.busy = 0;
	sn->pool.connected_line = 0;
	for (i = 0; i < LINES_N; i++) {
		struct pool_line_snap *ls = &sn->pool.lines[i];
		enum pool_line_phase ph = cycle[(f + i) % NCYCLE];
		size_t row = ((f + i) / NCYCLE * LINES_N + i) % PEOPLE;

		if (ph == POOL_LINE_DIALING) {
			memset(&ls->a, 0, sizeof(ls->a));
			ls->a.id = ++*next_attempt;
			ls->a.line = i + 1;
			ls->a.t_start = now - 3000;
			text_copy(ls->a.e164, sizeof(ls->a.e164), v->rows[row].number);
			v->rows[row].state = DSESSION_ENTRY_DIALING;
			v->rows[row].line = i + 1;
			v->rows[row].attempt = ls->a.id;
		}
		ls->phase = ph;
		ls->has_attempt = ph != POOL_LINE_IDLE;
		ls->a.media = ph == POOL_LINE_RINGING && f % 2;
		ls->a.amd = ph >= POOL_LINE_CONNECTED ? AMD_HUMAN : AMD_PENDING;
		if (ph >= POOL_LINE_ANSWERED && !ls->a.t_answer)
			ls->a.t_answer = now - 1000;
		if (ph == POOL_LINE_CONNECTED && !sn->pool.connected_line)
			sn->pool.connected_line = i + 1;
		if (ls->has_attempt)
			sn->pool.busy++;
		if (ph == POOL_LINE_IDLE) {
			v->rows[row].state = DSESSION_ENTRY_DONE;
			v->rows[row].outcome = f % 3 ? CALL_OUT_NO_ANSWER : CALL_OUT_CONNECTED;
		}
	}
	sn->stats.dials = *next_attempt;
	sn->stats.connects = *next_attempt / 4;
	sn->stats.connect_rate = 0.25;
	sn->stats.dials_per_hour = 300 + (double)(f % 50);
	sn->stats.talk_ms = (int64_t)f * 40;
	sn->stats.done = (unsigned)(f % PEOPLE);
	sn->stats.waiting = PEOPLE - sn->stats.done;
	sn->stats.abandon_share = (double)(f % 40) / 1000;
	sn->changes++;
	v->list.sel = f % PEOPLE;
	ui_list_fit(&v->list, v->queue_rows);
}

/* Whether a row of w holds s. */
static bool shows(WINDOW *w, int rows, const char *s)
{
	char line[512];
	int y;

	for (y = 0; y < rows; y++)
		if (mvwinnstr(w, y, 0, line, (int)sizeof(line) - 1) > 0 && strstr(line, s))
			return true;
	return false;
}

/* One frame as the TUI's render pass makes it: erase the body, draw, send. */
static void frame(const struct ui *ui, const struct sessview *v, WINDOW *body, int rows, int cols)
{
	werase(body);
	sessview_draw(ui, v, body, rows, cols,
	              "s stop  p pause  + - lines  w wrap-up  c card  ? help");
	wnoutrefresh(body);
	doupdate();
}

static int run_size(int cols, int rows, unsigned long frames)
{
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
	int master, slave, err = 0;
	pid_t drain;
	FILE *out = NULL, *in = NULL;
	SCREEN *scr = NULL;
	WINDOW *body = NULL;
	struct ui *ui = NULL;
	struct sessview v;
	double *fs = NULL, *es = NULL;
	unsigned long f;
	unsigned next_attempt = 0;
	size_t ne = 0;
	struct dsession_snapshot *copy = NULL;

	if (sessview_init(&v, NULL))
		return ENOMEM;
	if (openpty(&master, &slave, NULL, NULL, &ws)) {
		err = errno;
		sessview_free(&v);
		return err;
	}
	/* The terminal's side: read everything the screen sends and drop it. */
	drain = fork();
	if (drain == 0) {
		char buf[65536];

		close(slave);
		while (read(master, buf, sizeof(buf)) > 0)
			;
		_exit(0);
	}
	close(master);
	out = fdopen(dup(slave), "w");
	in = fdopen(slave, "r");
	fs = calloc(frames, sizeof(*fs));
	es = calloc(frames, sizeof(*es));
	copy = calloc(1, sizeof(*copy));
	if (drain < 0 || !out || !in || !fs || !es || !copy || fill_view(&v)) {
		err = ENOMEM;
		goto out;
	}
	scr = newterm("xterm-256color", out, in);
	if (!scr) {
		err = ENOTTY;
		goto out;
	}
	start_color();
	use_default_colors();
	ui = ui_draw_only(has_colors());
	body = newwin(rows - 2, cols, 1, 0);
	if (!ui || !body) {
		err = ENOMEM;
		goto out;
	}
	sessview_resize(&v, rows - 2, cols);
	/* A frame that did not draw the nine lanes would time nothing worth knowing. */
	step(&v, 0, &next_attempt);
	frame(ui, &v, body, rows - 2, cols);
	if (!shows(body, rows - 2, "L9 ") || !shows(body, rows - 2, "connected")) {
		fprintf(stderr, "bench_session: the %dx%d frame does not show the nine lanes\n",
		        cols, rows);
		err = EPROTO;
		goto out;
	}
	for (f = 0; f < frames; f++) {
		double t0;

		step(&v, f, &next_attempt);
		t0 = now_ms();
		frame(ui, &v, body, rows - 2, cols);
		fs[f] = now_ms() - t0;
	}
	/* (2): every 9th frame a lane's call ends; the notification is handled as the session
	 * screen handles it (the lane keeps its outcome, the session's state is copied), then
	 * the frame showing it is drawn and sent. */
	for (f = 0; f < frames; f++) {
		struct pool_line_snap *ls;
		struct pool_attempt a;
		struct pool_note n = {.ev = POOL_EV_ENDED};
		double t0;

		step(&v, f, &next_attempt);
		if (f % LINES_N) {
			frame(ui, &v, body, rows - 2, cols);
			continue;
		}
		ls = &v.snap->pool.lines[f / LINES_N % LINES_N];
		a = ls->a;
		a.outcome = CALL_OUT_BUSY;
		text_copy(a.reason, sizeof(a.reason), "486 Busy Here");
		n.a = &a;
		n.line = a.line;
		t0 = now_ms();
		sessview_pool_note(&v, &n);
		*copy = *v.snap; /* dsession_snapshot's copy */
		*v.snap = *copy;
		ls->phase = POOL_LINE_IDLE;
		ls->has_attempt = false;
		frame(ui, &v, body, rows - 2, cols);
		es[ne++] = now_ms() - t0;
	}
	printf("%dx%d, 9 lanes changing phase every frame, %zu people in the queue:\n", cols, rows,
	       (size_t)PEOPLE);
	report("frame (erase, draw, doupdate)", fs, frames, 16);
	report("pool note to end of doupdate", es, ne, 50);
out:
	if (body)
		delwin(body);
	if (scr) {
		endwin();
		delscreen(scr);
	}
	ui_draw_only_free(ui);
	if (out)
		fclose(out);
	if (in)
		fclose(in);
	else
		close(slave);
	if (drain > 0)
		waitpid(drain, NULL, 0);
	free(fs);
	free(es);
	free(copy);
	sessview_free(&v);
	return err;
}

int main(int argc, char **argv)
{
	unsigned long frames = argc > 1 ? strtoul(argv[1], NULL, 10) : 5000;
	struct se2e_opts o = {.answers = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 100,
	                      .people = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 2000,
	                      .lines = {1, 9},
	                      .nlines = 2,
	                      .cols = 80,
	                      .rows = 24,
	                      .verbose = getenv("BENCH_VERBOSE") != NULL};
	struct se2e_part parts[SE2E_PARTS_MAX];
	int err = 0;

	setlocale(LC_ALL, "C.UTF-8");
	signal(SIGPIPE, SIG_IGN);
	setenv("LOFTDIAL_BIN", LD_LOFTDIAL_BIN, 0);
	setenv("LOFTDIAL_SANDBOX_BIN", LD_SANDBOX_BIN, 0);
	if (frames) {
		printf("bench_session: the session screen's layout (sessview_draw) on a "
		       "pseudo-terminal; event to screen is measured from the pool note "
		       "(POOL_EV_ENDED) reaching the screen, not from baresip's SIP event\n");
		err = run_size(80, 24, frames);
		if (!err)
			err = run_size(120, 40, frames);
	}
	if (!err && o.answers) {
		printf("bench_session: end to end, the real TUI, baresip and the sandbox's phones "
		       "(%u people); from the phone's 200 OK to the frame read from the TUI's "
		       "terminal that shows the lane connected (target <= 50 ms)\n",
		       o.people);
		fflush(stdout);
		err = se2e_run(&o, parts);
		for (size_t i = 0; !err && i < o.nlines; i++)
			se2e_print(&parts[i], o.cols, o.rows);
	}
	if (err)
		fprintf(stderr, "bench_session: %s\n", strerror(err));
	return err ? 1 : 0;
}

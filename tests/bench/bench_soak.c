/*
 * bench_soak: the TUI left open under steady activity, watched for anything that grows.
 *
 * The real loftdial (no arguments) runs on a pseudo-terminal of 120x40 against a spawned
 * loftdial-sandbox, connected with OAuth and a short access-token lifetime (the duration / 20,
 * at least 10 s, so the token is refreshed every few minutes in the hour and dozens of times in
 * every run: each refresh registers two more log secrets, far past the 16 of old). The TUI runs
 * the sync service (sync.poll_interval 5 s) and serves webhooks (ui.webhooks, subscribed with
 * `loftdial webhooks register`). Every 2 s the sandbox changes a person (the change reaches the
 * TUI as a webhook delivery and again through the next poll). At each sample it reads:
 *   - RSS (VmRSS) and open fds of the loftdial process (/proc);
 *   - the frame time: from a screen key written to the terminal (Log, then Home, in turn) to
 *     the first byte of the frame that answers it, and to its last byte (50 ms quiet after);
 *   - the access and refresh tokens in the database (every one ever seen is kept).
 * At the end the TUI quits with Q and loftdial.log is searched for every token seen: a token in
 * clear is a redaction failure. The quit is timed (Q to the process's end, with the CPU time it
 * used and the load average, and its steps from the log); one still running after 5 s is shown
 * with its threads' backtraces. Prints one line per sample and a verdict on each figure
 * (flat or not: the last third of the samples against the first third after a warm-up); exits 0
 * unless the run itself could not be done or Q did not end loftdial within 60 s (speed is
 * never asserted). Usage:
 * bench_soak [MINUTES] (default 60; 2 for a short run). LOFTDIAL_BIN and LOFTDIAL_SANDBOX_BIN
 * name the programs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "synctest.h"

#define MAX_SAMPLES 400
#define MAX_TOKENS  4096
#define ACTIVITY_MS 2000
#define QUIET_MS    50
/* A quit slower than QUIT_SLOW_S is reported with where loftdial waits; one not done in
 * QUIT_LIMIT_S is killed and fails the run. */
#define QUIT_SLOW_S  5
#define QUIT_LIMIT_S 60

struct sample {
	double t_s;
	long rss_kb;
	int fds;
	char key; /* the screen key timed: '5' Log, '1' Home */
	double frame_first_ms, frame_end_ms;
	int tokens;
};

static struct sample samples[MAX_SAMPLES];
static int nsamples;
static char *tokens[MAX_TOKENS];
static int ntokens;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* VmRSS of pid in kB, -1 when unreadable. */
static long rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Open fds of pid, -1 when unreadable. */
static int fd_count(pid_t pid)
{
	char path[64];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Reads what the terminal has for up to ms; returns the bytes read (the screen is thrown
 * away, as a terminal that is not looked at would). */
static size_t drain(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char buf[65536];
	size_t total = 0;
	ssize_t r;

	while (poll(&p, 1, ms) > 0) {
		r = read(fd, buf, sizeof(buf));
		if (r <= 0)
			break;
		total += (size_t)r;
		ms = 0;
	}
	return total;
}

/* Writes key and times the frame that answers it: to its first byte and to its last (the
 * output then quiet for QUIET_MS). -1 when nothing came within 5 s. */
static void frame_time(int fd, char key, double *first, double *end)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char buf[65536];
	double t0, last = 0;
	ssize_t r;

	(void)drain(fd, 0);
	*first = *end = -1;
	t0 = now_ms();
	if (write(fd, &key, 1) != 1)
		return;
	while (now_ms() - t0 < 5000) {
		int wait = *first < 0 ? 100 : QUIET_MS;

		if (poll(&p, 1, wait) <= 0) {
			if (*first >= 0)
				break;
			continue;
		}
		r = read(fd, buf, sizeof(buf));
		if (r <= 0)
			break;
		last = now_ms();
		if (*first < 0)
			*first = last - t0;
	}
	if (*first >= 0)
		*end = last - t0;
}

/* The 1, 5 and 15 minute load averages, to read a slow figure against. */
static const char *loadavg(void)
{
	static char buf[64];
	FILE *f = fopen("/proc/loadavg", "r");

	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* CPU time (user + system) pid has used so far, in ms; -1 when unreadable. */
static double cpu_ms(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The fields after the command name, which is in parentheses and may hold spaces. */
	p = strrchr(buf, ')');
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) * 1e3 / (double)sysconf(_SC_CLK_TCK);
}

/* The milliseconds of the day of a log line's timestamp (2026-11-23T05:03:53.123Z ...). */
static double log_ms(const char *line)
{
	int h, m, sec, ms;

	if (sscanf(line, "%*4d-%*2d-%*2dT%2d:%2d:%2d.%3dZ", &h, &m, &sec, &ms) != 4)
		return -1;
	return ((h * 60.0 + m) * 60.0 + sec) * 1e3 + ms;
}

/* Prints the steps of the quit as loftdial logged them: Q seen ("leaving the TUI"), the
 * terminal given back ("TUI ended"), the session and the store closed ("TUI closed"). */
static void quit_steps(const char *logpath)
{
	static const char *const marks[] = {"ui: leaving the TUI", "ui: TUI ended",
	                                    "ui: TUI closed"};
	double at[3] = {-1, -1, -1};
	char line[1024], closed[1024] = "";
	FILE *f = fopen(logpath, "r");
	size_t i;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		for (i = 0; i < 3; i++)
			if (strstr(line, marks[i])) {
				const char *paren = strchr(line, '(');

				at[i] = log_ms(line);
				if (i == 2 && paren)
					snprintf(closed, sizeof(closed), "%s", paren);
			}
	fclose(f);
	closed[strcspn(closed, "\n")] = '\0';
	if (at[0] < 0 || at[1] < 0 || at[2] < 0) {
		printf("  quit steps: not in the log\n");
		return;
	}
	printf("  quit steps (log): Q seen to terminal back %.0f ms, to closed %.0f ms %s\n",
	       at[1] - at[0], at[2] - at[0], closed);
}

/* Prints where a slow-quitting loftdial waits: every thread's backtrace (gdb in batch mode,
 * when installed) and its wait channel, so a slow quit names its cause. */
static void where_is(pid_t pid)
{
	char cmd[256], path[64], wchan[128] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(wchan, sizeof(wchan), f))
			wchan[0] = '\0';
		fclose(f);
	}
	printf("bench_soak: loftdial still running %d s after Q (wchan %s); its threads:\n",
	       QUIT_SLOW_S, wchan);
	fflush(stdout);
	snprintf(cmd, sizeof(cmd),
	         "gdb -p %d -batch -nx -ex 'thread apply all bt' </dev/null 2>&1 | "
	         "grep -E '^(#|Thread)'",
	         (int)pid);
	if (system(cmd) != 0)
		printf("  (no backtrace: gdb missing or not permitted)\n");
	fflush(stdout);
}

/* Keeps every access and refresh token the database has held. */
static void collect_tokens(struct st_home *h)
{
	sqlite3 *db = st_db(h);
	sqlite3_stmt *stmt = NULL;
	int col, i;

	if (!db)
		return;
	if (sqlite3_prepare_v2(db, "SELECT access_token, refresh_token FROM tokens", -1, &stmt,
	                       NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW) {
		for (col = 0; col < 2; col++) {
			const char *t = (const char *)sqlite3_column_text(stmt, col);
			bool known = false;

			if (!t || strlen(t) < 8)
				continue;
			for (i = 0; i < ntokens && !known; i++)
				known = !strcmp(tokens[i], t);
			if (!known && ntokens < MAX_TOKENS)
				tokens[ntokens++] = strdup(t);
		}
	}
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

/* How many of the tokens seen appear in clear in the log. */
static int leaked_tokens(const char *logpath, long *log_bytes)
{
	char *text = NULL;
	size_t len = 0;
	int i, leaks = 0;
	FILE *f = fopen(logpath, "r");

	*log_bytes = -1;
	if (!f)
		return -1;
	if (getdelim(&text, &len, '\0', f) < 0) {
		fclose(f);
		free(text);
		return -1;
	}
	fclose(f);
	*log_bytes = (long)strlen(text);
	for (i = 0; i < ntokens; i++)
		if (tokens[i] && strstr(text, tokens[i]))
			leaks++;
	free(text);
	return leaks;
}

/* The sandbox changes person number k (of the first ones synced): a title that reaches the
 * TUI as a webhook delivery and through the next poll. */
static void activity(struct sbxt *sbx, const int64_t *people, int npeople, unsigned k)
{
	char path[128], body[128];

	if (npeople <= 0)
		return;
	snprintf(path, sizeof(path), "/_sandbox/records/people/%lld",
	         (long long)people[k % (unsigned)npeople]);
	snprintf(body, sizeof(body), "{\"title\":\"Soak title %u\"}", k);
	(void)sbxt_admin(sbx, "PUT", path, body, NULL);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of a figure over samples [from, to). */
static double median(int from, int to, double (*get)(const struct sample *))
{
	double v[MAX_SAMPLES];
	int n = 0, i;

	for (i = from; i < to; i++)
		if (get(&samples[i]) >= 0)
			v[n++] = get(&samples[i]);
	if (!n)
		return -1;
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return v[n / 2];
}

static double get_rss(const struct sample *s)
{
	return (double)s->rss_kb;
}

static double get_fds(const struct sample *s)
{
	return (double)s->fds;
}

static double get_home_first(const struct sample *s)
{
	return s->key == '1' ? s->frame_first_ms : -1;
}

static double get_home_end(const struct sample *s)
{
	return s->key == '1' ? s->frame_end_ms : -1;
}

static double get_log_first(const struct sample *s)
{
	return s->key == '5' ? s->frame_first_ms : -1;
}

static double get_log_end(const struct sample *s)
{
	return s->key == '5' ? s->frame_end_ms : -1;
}

/* Prints the figure's early and late medians and whether it stayed flat (late within
 * slack_pct percent plus slack_abs of early). */
static bool verdict(const char *what, const char *unit, double (*get)(const struct sample *),
                    double slack_pct, double slack_abs)
{
	int warm = nsamples / 6, third = (nsamples - warm) / 3;
	double early = median(warm, warm + third, get);
	double late = median(nsamples - third, nsamples, get);
	bool flat = early >= 0 && late >= 0 && late <= early * (1 + slack_pct / 100) + slack_abs;

	printf("  %-20s early %9.1f %-3s late %9.1f %-3s %s\n", what, early, unit, late, unit,
	       flat ? "flat" : "GROWS");
	return flat;
}

int main(int argc, char **argv)
{
	const char *bin = tl_env("LOFTDIAL_BIN", LD_LOFTDIAL_BIN);
	double minutes = argc > 1 ? atof(argv[1]) : 60;
	double run_ms, t0, next_sample, next_act, every_ms;
	struct winsize ws = {.ws_row = 40, .ws_col = 120};
	char ttl[32], cfg[1024], oauth[512], hook_url[128], out[ST_OUT_MAX], logpath[700];
	const char *extra[] = {"--people",           "2000", "--token-ttl", ttl,
	                       "--webhook-retry-ms", "1000", NULL};
	int64_t people[64];
	int npeople = 0, fd, status = 0, leaks, hook_port;
	double quit_s = -1, cpu_before = -1, quit_cpu_ms = -1;
	struct rusage ru;
	unsigned k = 0;
	struct st_home h;
	struct sbxt sbx;
	long log_bytes;
	sqlite3 *db;
	pid_t pid;
	bool ok = true;

	if (minutes <= 0 || minutes > 24 * 60) {
		fprintf(stderr, "usage: bench_soak [MINUTES] (default 60)\n");
		return 2;
	}
	setenv("LOFTDIAL_BIN", bin, 0);
	setenv("LOFTDIAL_SANDBOX_BIN", LD_SANDBOX_BIN, 0);
	run_ms = minutes * 60000;
	snprintf(ttl, sizeof(ttl), "%d", (int)(run_ms / 20000) < 10 ? 10 : (int)(run_ms / 20000));
	if (sbxt_start(&sbx, extra))
		return 1;
	hook_port = tl_free_port();
	st_oauth_config(oauth, sizeof(oauth), tl_free_port());
	snprintf(cfg, sizeof(cfg),
	         "%ssync.poll_interval 5\nui.webhooks true\nwebhooks.listen 127.0.0.1:%d\n", oauth,
	         hook_port);
	snprintf(hook_url, sizeof(hook_url), "http://127.0.0.1:%d/hooks", hook_port);
	if (st_home_new(&h, &sbx, cfg) || st_oauth_connect(&h, out, sizeof(out))) {
		fprintf(stderr, "bench_soak: cannot connect: %s\n", out);
		goto fail;
	}
	if (st_loftdial(&h, false, out, sizeof(out), 120000, "sync", "--quiet", NULL) != 0 ||
	    st_loftdial(&h, false, out, sizeof(out), 30000, "webhooks", "register", "--url",
	                hook_url, NULL) != 0) {
		fprintf(stderr, "bench_soak: first sync or webhooks register failed: %s\n", out);
		goto fail;
	}
	db = st_db(&h);
	if (db) {
		sqlite3_stmt *stmt = NULL;

		if (sqlite3_prepare_v2(db,
		                       "SELECT id FROM sl_people WHERE is_deleted = 0 "
		                       "ORDER BY id LIMIT 64",
		                       -1, &stmt, NULL) == SQLITE_OK)
			while (npeople < 64 && sqlite3_step(stmt) == SQLITE_ROW)
				people[npeople++] = sqlite3_column_int64(stmt, 0);
		sqlite3_finalize(stmt);
		sqlite3_close(db);
	}
	collect_tokens(&h);
	snprintf(logpath, sizeof(logpath), "%s/loftdial.log", h.dir);
	printf("bench_soak: %.1f min, token TTL %s s, sync.poll_interval 5 s, a change every %d s "
	       "(webhook + poll), 120x40\n",
	       minutes, ttl, ACTIVITY_MS / 1000);
	fflush(stdout);

	pid = forkpty(&fd, NULL, NULL, &ws);
	if (pid < 0)
		goto fail;
	if (pid == 0) {
		putenv(h.env_home);
		putenv(h.env_api);
		putenv(h.env_acc);
		setenv("HOME", h.dir, 1);
		setenv("TERM", "xterm-256color", 1);
		setenv("LANG", "C.UTF-8", 1);
		setenv("LC_ALL", "C.UTF-8", 1);
		setenv("TZ", "UTC", 1);
		unsetenv("NO_COLOR");
		unsetenv("LOFTDIAL_API_KEY");
		execl(bin, bin, (char *)NULL);
		_exit(127);
	}
	(void)drain(fd, 3000); /* the first frame and the first sync */
	every_ms = run_ms / 40 < 3000 ? 3000 : run_ms / 40;
	t0 = now_ms();
	next_sample = t0;
	next_act = t0;
	printf("  %7s %9s %4s %6s %11s %11s %7s\n", "t (s)", "RSS (kB)", "fds", "screen",
	       "frame 1st", "frame end", "tokens");
	while (now_ms() - t0 < run_ms && waitpid(pid, &status, WNOHANG) == 0) {
		double now = now_ms();

		if (now >= next_act) {
			activity(&sbx, people, npeople, k++);
			next_act += ACTIVITY_MS;
		}
		if (now >= next_sample && nsamples < MAX_SAMPLES) {
			struct sample *s = &samples[nsamples++];

			s->t_s = (now - t0) / 1000;
			s->rss_kb = rss_kb(pid);
			s->fds = fd_count(pid);
			s->key = nsamples % 2 ? '5' : '1';
			frame_time(fd, s->key, &s->frame_first_ms, &s->frame_end_ms);
			collect_tokens(&h);
			s->tokens = ntokens;
			printf("  %7.0f %9ld %4d %6s %8.1f ms %8.1f ms %7d\n", s->t_s, s->rss_kb,
			       s->fds, s->key == '5' ? "Log" : "Home", s->frame_first_ms,
			       s->frame_end_ms, s->tokens);
			fflush(stdout);
			next_sample += every_ms;
		}
		(void)drain(fd, 50);
	}
	if (waitpid(pid, &status, WNOHANG) != 0) {
		fprintf(stderr, "bench_soak: loftdial ended by itself (status %d)\n", status);
		ok = false;
	} else {
		bool dumped = false;
		double tq;

		cpu_before = cpu_ms(pid);
		tq = now_ms();
		if (write(fd, "Q", 1) != 1)
			ok = false;
		while ((quit_s = (now_ms() - tq) / 1000) < QUIT_LIMIT_S &&
		       wait4(pid, &status, WNOHANG, &ru) == 0) {
			(void)drain(fd, 50);
			if (!dumped && quit_s >= QUIT_SLOW_S) {
				where_is(pid);
				dumped = true;
			}
		}
		if (quit_s >= QUIT_LIMIT_S) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			quit_s = -1;
			ok = false;
		} else if (cpu_before >= 0) {
			quit_cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
			              (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3 -
			              cpu_before;
		}
	}
	close(fd);
	collect_tokens(&h);
	leaks = leaked_tokens(logpath, &log_bytes);
	printf("verdict (%d samples; early = after the first sixth, late = the last third):\n",
	       nsamples);
	verdict("RSS", "kB", get_rss, 10, 2048);
	verdict("open fds", "", get_fds, 0, 2);
	verdict("Home: to first byte", "ms", get_home_first, 50, 5);
	verdict("Home: to last byte", "ms", get_home_end, 50, 5);
	verdict("Log: to first byte", "ms", get_log_first, 50, 5);
	verdict("Log: to last byte", "ms", get_log_end, 50, 5);
	printf("  tokens seen %d (about %d refreshes, each token a log secret), log %ld bytes: "
	       "%s\n",
	       ntokens, ntokens / 2 - 1, log_bytes,
	       leaks == 0  ? "no token in clear"
	       : leaks < 0 ? "log unreadable"
	                   : "TOKENS IN CLEAR");
	if (leaks > 0)
		printf("  %d of %d tokens appear in clear in %s\n", leaks, ntokens, logpath);
	if (quit_s >= 0) {
		printf("  quit: %.2f s from Q to exit (status %d)%s, %.0f ms of CPU, load average "
		       "%s\n",
		       quit_s, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		       quit_s >= QUIT_SLOW_S ? " SLOW" : "", quit_cpu_ms, loadavg());
		quit_steps(logpath);
	} else
		printf("  quit: NOT within %d s of Q (killed), load average %s\n", QUIT_LIMIT_S,
		       loadavg());
	printf("  sandbox: %u changes, webhook deliveries %.0f ok %.0f failed, /v2 requests %.0f\n",
	       k, st_counter(&sbx, "deliveries_ok"), st_counter(&sbx, "deliveries_failed"),
	       st_counter(&sbx, "v2_requests"));
	st_home_free(&h);
	sbxt_stop(&sbx);
	return ok ? 0 : 1;
fail:
	st_home_free(&h);
	sbxt_stop(&sbx);
	return 1;
}

/*
 * bench_sandbox: how fast loftdial-sandbox serves and builds its org.
 *
 * 1. Serving: a sandbox with a 20 000-person org (rate limit off) answers 100-person pages of
 *    /v2/people over keep-alive connections for a few seconds, first on one connection, then
 *    on four at once (libcurl multi). Prints pages/s and MB/s. Target: at least 1000 pages/s on
 *    loopback.
 * 2. Building: for each size in GEN_PEOPLE (default 100 000 then 1 000 000, one after the
 *    other, never two at once), the time from start to the ready line (generation and
 *    indexes), the sandbox's CPU time and its peak memory (VmHWM), then a few seconds of
 *    pages from that org. Target: 1 000 000 people well under a minute (aim: 20 s, under
 *    1 GB). With "state" as the fourth argument each size is also built into a --state file
 *    (disk-backed), whose size is printed, and reopened from it.
 * Usage: bench_sandbox [SERVE_PEOPLE=20000] [SECONDS=3] [GEN_PEOPLE=100000,1000000] [state]
 *        (GEN_PEOPLE 0 skips part 2). Needs $LOFTDIAL_SANDBOX_BIN or loftdial-sandbox on PATH.
 */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

#define KEY  "ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define MAXC 8

struct conn {
	CURL *e;
	unsigned page;
	size_t bytes;
	char url[256];
};

/* Monotonic seconds. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Counts body bytes without keeping them. */
static size_t sink(char *p, size_t sz, size_t n, void *arg)
{
	((struct conn *)arg)->bytes += sz * n;
	return sz * n;
}

/* Starts a sandbox (state: a --state file, or NULL) and reads its base URL from the ready
 * line; secs gets the time to it. */
static int start(struct tl_proc *p, const char *people, const char *state, char *base, size_t n,
                 double *secs)
{
	const char *bin = tl_env("LOFTDIAL_SANDBOX_BIN", "loftdial-sandbox");
	char *argv[] = {(char *)bin,
	                "--listen",
	                "127.0.0.1:0",
	                "--people",
	                (char *)people,
	                "--rate-limit",
	                "0",
	                state ? "--state" : NULL,
	                (char *)state,
	                NULL};
	char line[256];
	double t0 = now_s();
	int err = tl_spawn(p, argv, NULL, NULL);

	if (!err)
		err = tl_wait_line(p, "sandbox ready api=", 600000, line, sizeof(line));
	if (err)
		return err;
	*secs = now_s() - t0;
	snprintf(base, n, "%s", strstr(line, "api=") + 4);
	base[strcspn(base, " \r\n")] = '\0';
	return 0;
}

/* Points a connection at its next page (pages 1..100 in turn). */
static void next_url(struct conn *c, const char *base)
{
	c->page = c->page % 100 + 1;
	snprintf(c->url, sizeof(c->url), "%s/v2/people?per_page=100&page=%u", base, c->page);
	curl_easy_setopt(c->e, CURLOPT_URL, c->url);
}

/* Fetches pages on nconn keep-alive connections for secs seconds; prints the rate. */
static int serve(const char *base, int nconn, double secs)
{
	struct conn c[MAXC] = {0};
	struct curl_slist *h = curl_slist_append(NULL, "Authorization: Bearer " KEY);
	CURLM *m = curl_multi_init();
	unsigned long pages = 0, failed = 0;
	size_t bytes = 0;
	double t0 = now_s(), el;
	int running = 0;

	for (int i = 0; i < nconn; i++) {
		c[i].e = curl_easy_init();
		c[i].page = (unsigned)i * 25;
		curl_easy_setopt(c[i].e, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c[i].e, CURLOPT_WRITEFUNCTION, sink);
		curl_easy_setopt(c[i].e, CURLOPT_WRITEDATA, &c[i]);
		curl_easy_setopt(c[i].e, CURLOPT_PRIVATE, &c[i]);
		next_url(&c[i], base);
		curl_multi_add_handle(m, c[i].e);
	}
	while (now_s() - t0 < secs) {
		CURLMsg *msg;
		int left;

		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			struct conn *cc;
			long st = 0;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&cc);
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &st);
			if (msg->data.result == CURLE_OK && st == 200)
				pages++;
			else
				failed++;
			curl_multi_remove_handle(m, cc->e);
			next_url(cc, base);
			curl_multi_add_handle(m, cc->e);
		}
		curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	el = now_s() - t0;
	for (int i = 0; i < nconn; i++) {
		long conns = 0;

		curl_easy_getinfo(c[i].e, CURLINFO_NUM_CONNECTS, &conns);
		bytes += c[i].bytes;
		curl_multi_remove_handle(m, c[i].e);
		curl_easy_cleanup(c[i].e);
	}
	curl_multi_cleanup(m);
	curl_slist_free_all(h);
	printf("serve: %d keep-alive connection%s: %lu pages in %.2f s = %.0f pages/s, %.1f MB/s, "
	       "%lu failed (target >= 1000 pages/s)\n",
	       nconn, nconn > 1 ? "s" : "", pages, el, pages / el, bytes / el / 1e6, failed);
	return failed ? 1 : 0;
}

/* Peak resident memory of a child, from /proc (kB), or 0. */
static long peak_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			kb = atol(line + 6);
	fclose(f);
	return kb;
}

/* CPU seconds (user + system) a child has used so far, from /proc, or 0. */
static double cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold spaces */
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* The load average over the last minute (the machine is shared), or -1. */
static double load1(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

/* Builds one org (in memory, or into state), prints the figures, serves from it a while. */
static int build(const char *people, const char *state, double secs)
{
	struct tl_proc p;
	char base[128];
	double t, load = load1();
	int rc;

	if (start(&p, people, state, base, sizeof(base), &t)) {
		fprintf(stderr, "bench_sandbox: %s-person sandbox did not start\n", people);
		return 1;
	}
	printf("generate: %s people%s ready in %.2f s (CPU %.2f s), peak memory %.0f MB, load "
	       "%.1f (target for 1000000: well under 60 s; aim 20 s, < 1 GB)\n",
	       people, state ? " into --state" : "", t, cpu_s(p.pid), peak_kb(p.pid) / 1024.0,
	       load);
	rc = serve(base, 1, secs);
	tl_stop(&p, SIGTERM, 30000);
	if (state) {
		struct stat sb;

		if (stat(state, &sb) == 0)
			printf("generate: state file %.0f MB\n", sb.st_size / 1048576.0);
		if (start(&p, people, state, base, sizeof(base), &t)) {
			fprintf(stderr, "bench_sandbox: reopening %s failed\n", state);
			return 1;
		}
		printf("generate: %s people reopened from --state in %.2f s, peak memory %.0f MB\n",
		       people, t, peak_kb(p.pid) / 1024.0);
		rc |= serve(base, 1, secs);
		tl_stop(&p, SIGTERM, 30000);
	}
	return rc;
}

int main(int argc, char **argv)
{
	const char *serve_people = argc > 1 ? argv[1] : "20000";
	double secs = argc > 2 ? atof(argv[2]) : 3.0, t;
	const char *gen_people = argc > 3 ? argv[3] : "100000,1000000";
	bool with_state = argc > 4 && !strcmp(argv[4], "state");
	struct tl_proc p;
	char base[128], sizes[256], dir[512] = "", *save = NULL;
	int rc = 0;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (start(&p, serve_people, NULL, base, sizeof(base), &t)) {
		fprintf(stderr, "bench_sandbox: sandbox did not start\n");
		return 1;
	}
	printf("serve: org of %s people ready in %.2f s at %s\n", serve_people, t, base);
	rc |= serve(base, 1, secs);
	rc |= serve(base, 4, secs);
	tl_stop(&p, SIGTERM, 10000);

	if (with_state && tl_tmpdir(dir, sizeof(dir), "bench-sandbox")) {
		fprintf(stderr, "bench_sandbox: no temporary directory\n");
		return 1;
	}
	snprintf(sizes, sizeof(sizes), "%s", gen_people);
	for (char *n = strtok_r(sizes, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
		char state[600];

		if (!strcmp(n, "0"))
			continue;
		rc |= build(n, NULL, secs);
		if (with_state) {
			snprintf(state, sizeof(state), "%s/org-%s.db", dir, n);
			rc |= build(n, state, secs);
		}
	}
	if (dir[0])
		tl_rmrf(dir);
	curl_global_cleanup();
	return rc;
}

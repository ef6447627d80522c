/*
 * bench_sandbox: how fast loftdial-sandbox serves and builds its org.
 *
 * 1. Serving: a sandbox with a 20 000-person org (rate limit off) answers 100-person pages of
 *    /v2/people over keep-alive connections for a few seconds, first on one connection, then
 *    on four at once (libcurl multi). Prints pages/s and MB/s. Target: at least 1000 pages/s on
 *    loopback.
 * 2. Building: the time from start to the ready line for a 1 000 000-person org (generation,
 *    indexes), plus the process's peak memory. Target: well under a minute.
 * Usage: bench_sandbox [SERVE_PEOPLE=20000] [SECONDS=3] [GEN_PEOPLE=1000000]
 *        (GEN_PEOPLE 0 skips part 2). Needs $LOFTDIAL_SANDBOX_BIN or loftdial-sandbox on PATH.
 */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* Starts a sandbox and reads its base URL from the ready line. */
static int start(struct tl_proc *p, const char *people, char *base, size_t n, double *secs)
{
	const char *bin = tl_env("LOFTDIAL_SANDBOX_BIN", "loftdial-sandbox");
	char *argv[] = {(char *)bin,    "--listen",     "127.0.0.1:0", "--people",
	                (char *)people, "--rate-limit", "0",           NULL};
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

int main(int argc, char **argv)
{
	const char *serve_people = argc > 1 ? argv[1] : "20000";
	double secs = argc > 2 ? atof(argv[2]) : 3.0, t;
	const char *gen_people = argc > 3 ? argv[3] : "1000000";
	struct tl_proc p;
	char base[128];
	int rc = 0;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (start(&p, serve_people, base, sizeof(base), &t)) {
		fprintf(stderr, "bench_sandbox: sandbox did not start\n");
		return 1;
	}
	printf("serve: org of %s people ready in %.2f s at %s\n", serve_people, t, base);
	rc |= serve(base, 1, secs);
	rc |= serve(base, 4, secs);
	tl_stop(&p, SIGTERM, 10000);

	if (strcmp(gen_people, "0")) {
		if (start(&p, gen_people, base, sizeof(base), &t)) {
			fprintf(stderr, "bench_sandbox: %s-person sandbox did not start\n",
			        gen_people);
			return 1;
		}
		printf("generate: %s people ready in %.2f s, peak memory %.0f MB (target: well "
		       "under 60 s)\n",
		       gen_people, t, peak_kb(p.pid) / 1024.0);
		rc |= serve(base, 1, secs);
		tl_stop(&p, SIGTERM, 30000);
	}
	curl_global_cleanup();
	return rc;
}

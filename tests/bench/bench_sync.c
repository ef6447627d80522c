/*
 * bench_sync: the whole sync path at scale, as a user runs it: loftdial-sandbox with N people
 * and no rate limit, `loftdial connect --api-key`, then one full `loftdial sync`, timed.
 * Prints records/s, the peak RSS of the loftdial process (from wait4), and the requests and
 * cost the sandbox counted. Run with several N to see that peak RSS stays flat in N: the sync
 * holds one page per object at a time, never the org.
 *
 * usage: bench_sync [PEOPLE...]   (default: 100000)
 * env:   LOFTDIAL_BIN, LOFTDIAL_SANDBOX_BIN (as under ctest), BENCH_RATE_LIMIT (default 0)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "testlib.h"

#define KEY "ak_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static size_t collect(char *p, size_t sz, size_t n, void *arg)
{
	char **buf = arg;
	size_t old = *buf ? strlen(*buf) : 0;
	char *nb = realloc(*buf, old + sz * n + 1);

	if (!nb)
		return 0;
	memcpy(nb + old, p, sz * n);
	nb[old + sz * n] = '\0';
	*buf = nb;
	return sz * n;
}

/* One admin request; returns the parsed body. */
static cJSON *admin(const char *base, const char *method, const char *path)
{
	char url[256], *body = NULL;
	CURL *c = curl_easy_init();
	cJSON *j;

	snprintf(url, sizeof(url), "%s%s", base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (!strcmp(method, "POST"))
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_perform(c);
	curl_easy_cleanup(c);
	j = body ? cJSON_Parse(body) : NULL;
	free(body);
	return j;
}

/* Runs loftdial with args in home; returns the exit code, *rss_kb the peak RSS. */
static double cpu_s; /* CPU seconds (user + system) of the last loftdial run */

static int run(const char *home, const char *base, char *const args[], long *rss_kb, double *secs,
               char *out, size_t n)
{
	char env_home[600], env_api[200], env_acc[200], env_key[200];
	struct rusage ru;
	int fds[2], st;
	unsigned long long t0 = tl_now_ms();
	size_t len = 0;
	pid_t pid;

	snprintf(env_home, sizeof(env_home), "LOFTDIAL_HOME=%s", home);
	snprintf(env_api, sizeof(env_api), "LOFTDIAL_API_URL=%s", base);
	snprintf(env_acc, sizeof(env_acc), "LOFTDIAL_ACCOUNTS_URL=%s", base);
	snprintf(env_key, sizeof(env_key), "LOFTDIAL_API_KEY=%s", KEY);
	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		putenv(env_home);
		putenv(env_api);
		putenv(env_acc);
		putenv(env_key);
		putenv("TERM=dumb");
		execv(tl_env("LOFTDIAL_BIN", "loftdial"), args);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		ssize_t r = read(fds[0], out + len, n - 1 - len);

		if (r <= 0)
			break;
		len += (size_t)r;
		if (len >= n - 1)
			len = 0; /* keep the tail only */
	}
	out[len] = '\0';
	close(fds[0]);
	wait4(pid, &st, 0, &ru);
	*rss_kb = ru.ru_maxrss;
	cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	        (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	*secs = (double)(tl_now_ms() - t0) / 1000;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int bench(unsigned people)
{
	char arg_people[32], home[512], cfg[700], line[512], base[128], out[65536], *p;
	const char *rl = tl_env("BENCH_RATE_LIMIT", "0");
	char *sbx_argv[] = {(char *)tl_env("LOFTDIAL_SANDBOX_BIN", "loftdial-sandbox"),
	                    "--listen",
	                    "127.0.0.1:0",
	                    "--people",
	                    arg_people,
	                    "--users",
	                    "25",
	                    "--rate-limit",
	                    (char *)rl,
	                    NULL};
	char *connect_argv[] = {"loftdial", "connect", NULL};
	char *sync_argv[] = {"loftdial", "sync", NULL};
	unsigned long long t0;
	struct tl_proc sbx;
	double secs, gen_s, requests = 0, cost = 0;
	long rss, records = 0;
	cJSON *c;
	FILE *f;
	int rc;

	snprintf(arg_people, sizeof(arg_people), "%u", people);
	t0 = tl_now_ms();
	if (tl_spawn(&sbx, sbx_argv, NULL, NULL) ||
	    tl_wait_line(&sbx, "sandbox ready api=", 1800000, line, sizeof(line))) {
		fprintf(stderr, "the sandbox did not start\n");
		return 1;
	}
	gen_s = (double)(tl_now_ms() - t0) / 1000;
	p = strstr(line, "api=") + 4;
	p[strcspn(p, " \r\n")] = '\0';
	snprintf(base, sizeof(base), "%s", p);
	tl_tmpdir(home, sizeof(home), "bench-sync");
	snprintf(cfg, sizeof(cfg), "%s/config", home);
	f = fopen(cfg, "w");
	if (f) {
		fputs("log.level warn\n", f);
		fclose(f);
	}
	rc = run(home, base, connect_argv, &rss, &secs, out, sizeof(out));
	if (rc) {
		fprintf(stderr, "connect failed (%d): %s\n", rc, out);
		return 1;
	}
	cJSON_Delete(admin(base, "POST", "/_sandbox/counters/reset"));
	rc = run(home, base, sync_argv, &rss, &secs, out, sizeof(out));
	c = admin(base, "GET", "/_sandbox/counters");
	if (c) {
		requests = cJSON_GetNumberValue(cJSON_GetObjectItem(c, "v2_requests"));
		cost = cJSON_GetNumberValue(cJSON_GetObjectItem(c, "cost_charged"));
	}
	cJSON_Delete(c);
	p = strstr(out, "sync: ");
	if (p && (p = strstr(p, "objects, ")))
		records = atol(p + 9);
	printf("people %7u  rate limit %-4s  sync %s in %6.1f s: %7ld records, %7.0f records/s, "
	       "peak RSS %6.1f MiB, %5.0f requests, cost %5.0f (%.1f records/request), loftdial "
	       "CPU %.1f s  [sandbox built in %.0f s]\n",
	       people, rl, rc ? "FAILED" : "ok", secs, records, records / secs, (double)rss / 1024,
	       requests, cost, requests > 0 ? records / requests : 0, cpu_s, gen_s);
	if (rc)
		fprintf(stderr, "%s\n", out);
	fflush(stdout);
	tl_stop(&sbx, SIGTERM, 60000);
	tl_rmrf(home);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	int i, fails = 0;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (argc < 2)
		return bench(100000);
	for (i = 1; i < argc; i++)
		fails += bench((unsigned)strtoul(argv[i], NULL, 10));
	return fails ? 1 : 0;
}

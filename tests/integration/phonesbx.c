/*
 * phonesbx: the sandbox with its simulated phones for the pool tests (see phonesbx.h).
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/text.h"
#include "phonesbx.h"
#include "phonetest.h"

/* The text after key in the log's first line holding it, up to the end of its word. */
static bool log_value(const struct psbx *s, const char *key, char *out, size_t n)
{
	char line[1024];
	FILE *f = fopen(s->log, "r");
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, key);

		if (p) {
			p += strlen(key);
			found = text_printf(out, n, "%.*s", (int)strcspn(p, " \r\n"), p) == 0;
		}
	}
	fclose(f);
	return found;
}

bool psbx_log_has(const struct psbx *s, const char *needle)
{
	char line[1024];
	FILE *f = fopen(s->log, "r");
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/* The ready line of the API comes after the phones' one: then both are there. */
static bool ready(void *arg)
{
	return psbx_log_has(arg, "sandbox ready api=");
}

int psbx_start(struct psbx *s, const char *dir, unsigned people)
{
	const char *bin = getenv("LOFTDIAL_SANDBOX_BIN"), *build = getenv("LOFTDIAL_BUILD");
	char cmd[2000], rec[700], sip[64];
	char *argv[] = {"sh", "-c", cmd, NULL};
	char *env[] = {rec, NULL};
	const char *colon;

	memset(s, 0, sizeof(*s));
	if (!bin || !build)
		return -1;
	snprintf(rec, sizeof(rec), "LOFTDIAL_RECORDINGS=%s/recordings", build);
	snprintf(s->log, sizeof(s->log), "%s/sandbox.log", dir);
	snprintf(cmd, sizeof(cmd),
	         "exec '%s' --listen 127.0.0.1:0 --sip 127.0.0.1:0 --people %u --verbose > '%s' "
	         "2>&1",
	         bin, people, s->log);
	if (tl_spawn(&s->proc, argv, env, NULL))
		return -1;
	if (!pt_run_until(ready, s, 60000) ||
	    !log_value(s, "phones ready sip=", sip, sizeof(sip)) ||
	    !log_value(s, "sandbox ready api=", s->api, sizeof(s->api))) {
		fprintf(stderr, "the sandbox or its phones did not start (see %s)\n", s->log);
		return -1;
	}
	colon = strrchr(sip, ':');
	s->sip_port = colon ? atoi(colon + 1) : 0;
	if (s->sip_port <= 0)
		return -1;
	snprintf(s->dialplan, sizeof(s->dialplan), "sip:{e164}@%s", sip);
	return 0;
}

void psbx_stop(struct psbx *s)
{
	if (s->proc.pid > 0)
		tl_stop(&s->proc, SIGTERM, 3000);
}

int psbx_admin(const struct psbx *s, const char *method, const char *path, const char *body,
               char *out, size_t n)
{
	char url[256], *nl;
	char *argv[] = {
	        "curl",          "-s",         "-w", "\n%{http_code}", "-X", (char *)method, url,
	        "--data-binary", (char *)body, NULL};

	snprintf(url, sizeof(url), "%s%s", s->api, path);
	if (!body)
		argv[7] = NULL;
	if (tl_run(argv, NULL, out, n, 10000) != 0)
		return -1;
	nl = strrchr(out, '\n');
	if (!nl)
		return -1;
	*nl = '\0';
	return atoi(nl + 1);
}

double psbx_tone_share(const int16_t *pcm, size_t n, double hz)
{
	double w = 2 * M_PI * hz / 8000, c = 2 * cos(w), s1 = 0, s2 = 0, total = 0, power;
	size_t i;

	for (i = 0; i < n; i++) {
		double s0 = pcm[i] + c * s1 - s2;

		s2 = s1;
		s1 = s0;
		total += (double)pcm[i] * pcm[i];
	}
	power = s1 * s1 + s2 * s2 - c * s1 * s2;
	return total > 0 ? 2 * power / (total * n) : 0;
}

long psbx_onset(const int16_t *pcm, size_t n)
{
	size_t i, k;

	for (i = 0; i + 160 <= n; i += 160) {
		double e = 0;

		for (k = 0; k < 160; k++)
			e += (double)pcm[i + k] * pcm[i + k];
		if (sqrt(e / 160) > 32768 * 0.0316)
			return (long)i;
	}
	return -1;
}

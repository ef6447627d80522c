/*
 * listdialtest: the sandbox, ports, clock and home of the list-dial tests (see listdialtest.h).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "listdialtest.h"
#include "phonetest.h"

/* A wav of the recordings the build made: the rep's microphone. 0 or -1. */
static int find_wav(char *path, size_t n)
{
	char dir[600];
	DIR *d;
	struct dirent *de;
	int rc = -1;

	snprintf(dir, sizeof(dir), "%s/recordings/human", tl_env("LOFTDIAL_BUILD", "."));
	d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".wav")) {
			/* A path that does not fit is a failure, not a cut name. */
			int w = snprintf(path, n, "%s/%s", dir, de->d_name);

			rc = w >= 0 && (size_t)w < n ? 0 : -1;
			break;
		}
	closedir(d);
	return rc;
}

int ldt_setup(struct ldt *t, const char *mix)
{
	char port[40], now[32];
	const char *extra[] = {"--people", "300", "--rate-limit", "0", "--sip", port, NULL};
	time_t now_s = time(NULL);

	memset(t, 0, sizeof(*t));
	/* Lines 1-3 use sip_base+10..30; the simulated phones take the fourth slot. */
	if (pt_port_block(4, &t->sip_base, &t->ctrl_base))
		return -1;
	t->phones_port = t->sip_base + 40;
	snprintf(port, sizeof(port), "127.0.0.1:%d", t->phones_port);
	if (sbxt_start(&t->sbx, extra))
		return -1;
	if (mix && sbxt_admin(&t->sbx, "PUT", "/_sandbox/phones/mix", mix, NULL) != 200)
		return st_setup_failed(&t->sbx);
	now_s -= now_s % 86400;
	snprintf(now, sizeof(now), "%lld", (long long)(now_s + 17 * 3600));
	setenv("LOFTDIAL_TEST_NOW", now, 1);
	setenv("LOFTDIAL_TEST_RING_TIMEOUT_MS", "2000", 1);
	return 0;
}

int ldt_teardown(struct ldt *t)
{
	unsetenv("LOFTDIAL_TEST_NOW");
	unsetenv("LOFTDIAL_TEST_RING_TIMEOUT_MS");
	return sbxt_stop(&t->sbx) == 0 ? 0 : -1;
}

int ldt_home_with(const struct ldt *t, struct st_home *h, const char *lines)
{
	char cfg[2048], wav[700];

	if (find_wav(wav, sizeof(wav)))
		return -1;
	snprintf(cfg, sizeof(cfg),
	         "engine.local_ip 127.0.0.1\nengine.sip_port %d\nengine.ctrl_port %d\n"
	         "sip.dialplan sip:{e164}@127.0.0.1:%d\naudio.source aufile,%s\n"
	         "audio.player aubridge,noplay\ndial.amd off\ndial.stagger_ms 100\n"
	         "%slog.level debug\n",
	         t->sip_base, t->ctrl_base, t->phones_port, wav, lines);
	return st_home_new(h, &t->sbx, cfg) ? -1 : 0;
}

int ldt_home(const struct ldt *t, struct st_home *h)
{
	return ldt_home_with(t, h, "dial.no_zone rep\n");
}
int ldt_home_vm(const struct ldt *t, struct st_home *h, const char *voicemail_file)
{
	char cfg[2048];

	snprintf(cfg, sizeof(cfg),
	         "engine.local_ip 127.0.0.1\nengine.sip_port %d\nengine.ctrl_port %d\n"
	         "sip.dialplan sip:{e164}@127.0.0.1:%d\naudio.source aubridge,nosrc\n"
	         "audio.player aubridge,noplay\ndial.amd humans_only\ndial.machine voicemail\n"
	         "dial.voicemail_file %s\ndial.stagger_ms 100\ndial.no_zone rep\n"
	         "log.level debug\n",
	         t->sip_base, t->ctrl_base, t->phones_port, voicemail_file);
	return st_home_new(h, &t->sbx, cfg) ? -1 : 0;
}

int ldt_tone(const char *path, const char *rate, const char *channels, const char *hz)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd),
	         "sox -n -r %s -c %s -b 16 -e signed-integer '%s' synth 1.5 sine %s vol 0.5", rate,
	         channels, path, hz);
	return system(cmd) == 0 ? 0 : -1;
}

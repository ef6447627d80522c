/*
 * test_simphones_calls: the simulated phones answering REAL baresip callers over loopback SIP/RTP.
 *
 * loftdial-sandbox runs with --sip on a free port; three baresip 1.0.0 callers (configured as
 * in reference/baresip.md §13, driven over ctrl_tcp by a small client in this file) dial the
 * test numbers of docs/simphones.md. Caller X dials every non-audio behaviour at once plus 20
 * concurrent human calls; callers H and V each dial one call with sndfile recording on (one
 * call per process, so the -dec.wav files cannot collide), and the recording is followed live
 * with wavtail and classified with AMD: human and machine, as the numbers promise. The admin
 * API is used to override a number ("late ring=3s") and to read the counters and the calls'
 * timeline (each step on CLOCK_MONOTONIC, and how each call ended). At the end the
 * sandbox must exit 0 on SIGTERM (under ASan that also means no leak).
 * Every wait polls with a deadline; no check depends on how fast the machine is, except lower
 * bounds that the phones guarantee (a late answer is never early).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "loftdial/amd.h"
#include "loftdial/text.h"
#include "loftdial/wavtail.h"
#include "testlib.h"

#define EVENTS_MAX 1024
#define CONCURRENT 20
#define WAIT_MS    15000

struct event {
	char type[32];
	char peer[128];
	char param[128];
	char id[64];
	unsigned long long t;
	bool used;
};

/* A baresip caller: the process, its ctrl_tcp connection and the events it sent. */
struct caller {
	const char *name;
	struct tl_proc proc;
	char dir[600];
	char recdir[700];
	int sip_port, ctrl_port;
	int fd;
	char in[65536];
	size_t inlen;
	struct event ev[EVENTS_MAX];
	size_t nev;
	unsigned tok;
};

static char tmp[512];
static char sbx_log[700];
static char api[128];
static int sip_port;
static struct tl_proc sbx;
static struct caller callers[3] = {{.name = "x"}, {.name = "h"}, {.name = "v"}};
static struct caller *const cx = &callers[0], *const ch = &callers[1], *const cv = &callers[2];

/* Writes a whole file. */
static void file_put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Polls a log file until it holds needle; the matching line goes to out (optional). */
static int file_wait(const char *path, const char *needle, int timeout_ms, char *out, size_t n)
{
	unsigned long long end = tl_now_ms() + (unsigned long long)timeout_ms;
	char line[1024];

	do {
		FILE *f = fopen(path, "r");

		while (f && fgets(line, sizeof(line), f)) {
			if (strstr(line, needle)) {
				if (out)
					text_copy(out, n, line);
				fclose(f);
				return 0;
			}
		}
		if (f)
			fclose(f);
		usleep(20000);
	} while (tl_now_ms() < end);
	return ETIMEDOUT;
}

/* A free port distinct from every port handed out before (and port+1 free too). */
static int port_fresh(void)
{
	static int used[16];
	static size_t nused;
	int p, tries;
	size_t i;

	for (tries = 0; tries < 50; tries++) {
		bool clash = false;

		p = tl_free_port();
		assert_true(p > 0);
		for (i = 0; i < nused; i++)
			if (abs(used[i] - p) < 2)
				clash = true;
		if (!clash)
			break;
	}
	assert_true(nused < 16);
	used[nused++] = p;
	return p;
}

/* Writes a caller's config (reference/baresip.md §13) and starts baresip on it. */
static void caller_start(struct caller *c, bool record)
{
	char config[4096], path[800], cmd[2000];
	char *argv[] = {"sh", "-c", cmd, NULL};

	c->sip_port = port_fresh();
	c->ctrl_port = port_fresh();
	c->fd = -1;
	assert_int_equal(text_printf(c->dir, sizeof(c->dir), "%s/caller-%s", tmp, c->name), 0);
	assert_int_equal(text_printf(c->recdir, sizeof(c->recdir), "%s/rec", c->dir), 0);
	assert_int_equal(mkdir(c->dir, 0700), 0);
	assert_int_equal(mkdir(c->recdir, 0700), 0);
	assert_int_equal(text_printf(config, sizeof(config),
	                             "poll_method\t\tepoll\n"
	                             "sip_listen\t\t127.0.0.1:%d\n"
	                             "net_interface\t\t127.0.0.1\n"
	                             "call_local_timeout\t120\n"
	                             "call_max_calls\t\t64\n"
	                             "audio_path\t\t/usr/share/baresip\n"
	                             "audio_player\t\taubridge,noplay\n"
	                             "audio_source\t\taubridge,nosrc\n"
	                             "audio_alert\t\taubridge,noplay\n"
	                             "ausrc_srate\t\t48000\n"
	                             "ausrc_channels\t\t2\n"
	                             "audio_buffer\t\t20-160\n"
	                             "jitter_buffer_delay\t5-10\n"
	                             "rtcp_mux\t\tno\n"
	                             "rtp_timeout\t\t20\n"
	                             "module_path\t\t/usr/lib/baresip/modules\n"
	                             "module\t\t\tg711.so\n"
	                             "module\t\t\taubridge.so\n"
	                             "module_tmp\t\taccount.so\n"
	                             "module_app\t\tmenu.so\n"
	                             "module_app\t\tctrl_tcp.so\n"
	                             "ctrl_tcp_listen\t\t127.0.0.1:%d\n"
	                             "menu_bell\t\tno\n"
	                             "ringback_disabled\tyes\n"
	                             "statmode_default\toff\n"
	                             "%s%s%s",
	                             c->sip_port, c->ctrl_port,
	                             record ? "module\t\t\tsndfile.so\nsnd_path\t\t" : "",
	                             record ? c->recdir : "", record ? "\n" : ""),
	                 0);
	snprintf(path, sizeof(path), "%s/config", c->dir);
	file_put(path, config);
	snprintf(path, sizeof(path), "%s/accounts", c->dir);
	file_put(path, "<sip:dialer@127.0.0.1>;regint=0\n");
	snprintf(path, sizeof(path), "%s/contacts", c->dir);
	file_put(path, "");
	assert_int_equal(text_printf(cmd, sizeof(cmd),
	                             "cd '%s' && exec baresip -f '%s' > '%s/log' 2>&1", c->dir,
	                             c->dir, c->dir),
	                 0);
	assert_int_equal(tl_spawn(&c->proc, argv, NULL, NULL), 0);
}

/* Waits for baresip to be ready and connects to its ctrl_tcp. */
static void caller_connect(struct caller *c)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	char path[800];

	snprintf(path, sizeof(path), "%s/log", c->dir);
	assert_int_equal(file_wait(path, "baresip is ready", WAIT_MS, NULL, 0), 0);
	sin.sin_port = htons((uint16_t)c->ctrl_port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
}

/* Sends commands as netstrings in ONE write, so baresip runs them back to back. Each pair is
 * command, params (params may be NULL). */
static void ctl_send(struct caller *c, const char *cmd1, const char *p1, const char *cmd2,
                     const char *p2)
{
	char out[2048];
	size_t len = 0;
	int i;

	for (i = 0; i < 2; i++) {
		const char *cmd = i ? cmd2 : cmd1, *prm = i ? p2 : p1;
		cJSON *o;
		char *js;

		if (!cmd)
			break;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "command", cmd);
		if (prm)
			cJSON_AddStringToObject(o, "params", prm);
		snprintf(out + len, sizeof(out) - len, "t%u", ++c->tok);
		cJSON_AddStringToObject(o, "token", out + len);
		js = cJSON_PrintUnformatted(o);
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%zu:%s,", strlen(js), js);
		free(js);
		cJSON_Delete(o);
	}
	assert_int_equal(write(c->fd, out, len), (ssize_t)len);
}

/* Copies a JSON string member into dst (empty when absent). */
static void json_str(const cJSON *o, const char *name, char *dst, size_t n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	text_copy(dst, n, cJSON_IsString(v) ? v->valuestring : "");
}

/* Parses the complete netstring frames in c->in and keeps the events. */
static void ctl_parse(struct caller *c)
{
	for (;;) {
		char *colon = memchr(c->in, ':', c->inlen), *end;
		unsigned long n = strtoul(c->in, &end, 10);
		size_t frame;
		cJSON *o;

		if (!colon || end != colon)
			break;
		frame = (size_t)(colon - c->in) + 1 + n + 1;
		if (c->inlen < frame)
			break;
		assert_int_equal(c->in[frame - 1], ',');
		o = cJSON_ParseWithLength(colon + 1, n);
		if (o && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "event"))) {
			struct event *e = &c->ev[c->nev];

			assert_true(c->nev < EVENTS_MAX);
			json_str(o, "type", e->type, sizeof(e->type));
			json_str(o, "peeruri", e->peer, sizeof(e->peer));
			json_str(o, "param", e->param, sizeof(e->param));
			json_str(o, "id", e->id, sizeof(e->id));
			e->t = tl_now_ms();
			e->used = false;
			if (strcmp(e->type, "CALL_RTCP"))
				c->nev++;
		}
		cJSON_Delete(o);
		memmove(c->in, c->in + frame, c->inlen - frame);
		c->inlen -= frame;
	}
}

/* Reads whatever the callers sent, waiting at most ms. */
static void pump(int ms)
{
	struct pollfd pfd[3];
	int i;

	for (i = 0; i < 3; i++) {
		pfd[i].fd = callers[i].fd;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	if (poll(pfd, 3, ms) <= 0)
		return;
	for (i = 0; i < 3; i++) {
		struct caller *c = &callers[i];
		ssize_t got;

		if (!(pfd[i].revents & POLLIN))
			continue;
		got = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen - 1);
		if (got > 0) {
			c->inlen += (size_t)got;
			ctl_parse(c);
		}
	}
}

/* The first event of this type for a call to number ("+14155550103"), or NULL. */
static struct event *event_find(struct caller *c, const char *number, const char *type)
{
	char peer[64];
	size_t i;

	snprintf(peer, sizeof(peer), "sip:%s@", number);
	for (i = 0; i < c->nev; i++)
		if (!strcmp(c->ev[i].type, type) && !strncmp(c->ev[i].peer, peer, strlen(peer)))
			return &c->ev[i];
	return NULL;
}

/* Waits for an event; fails the test (with the events so far) on timeout. */
static struct event *event_wait(struct caller *c, const char *number, const char *type)
{
	unsigned long long end = tl_now_ms() + WAIT_MS;
	struct event *e;

	while (!(e = event_find(c, number, type)) && tl_now_ms() < end)
		pump(20);
	if (!e) {
		size_t i;

		for (i = 0; i < c->nev; i++)
			print_message("  %s %s %s\n", c->ev[i].type, c->ev[i].peer, c->ev[i].param);
		fail_msg("caller %s: no %s for %s", c->name, type, number);
	}
	return e;
}

/* Dials a number on the phones. */
static void dial(struct caller *c, const char *number)
{
	char uri[128];

	snprintf(uri, sizeof(uri), "sip:%s@127.0.0.1:%d", number, sip_port);
	ctl_send(c, "dial", uri, NULL, NULL);
}

/* Hangs up the call to number (callfind + hangup in one write). */
static void hangup(struct caller *c, const char *number)
{
	struct event *e = event_find(c, number, "CALL_RINGING");

	if (!e)
		e = event_find(c, number, "CALL_ESTABLISHED");
	assert_non_null(e);
	assert_true(e->id[0]);
	ctl_send(c, "callfind", e->id, "hangup", NULL);
}

/* Checks a call's final reason (the param of CALL_CLOSED). */
static void expect_closed(struct caller *c, const char *number, const char *reason)
{
	struct event *e = event_wait(c, number, "CALL_CLOSED");

	print_message("%-16s closed: %s\n", number, e->param);
	assert_string_equal(e->param, reason);
}

/* True when the call never got to this event. */
static bool never(struct caller *c, const char *number, const char *type)
{
	return event_find(c, number, type) == NULL;
}

/* Runs curl against the sandbox's admin API; returns the body. */
static void admin(const char *method, const char *path, const char *body, char *out, size_t n)
{
	char url[256];
	char *argv[] = {"curl",          "-s",         "-X", (char *)method, url,
	                "--data-binary", (char *)body, NULL};

	snprintf(url, sizeof(url), "%s%s", api, path);
	if (!body)
		argv[5] = NULL;
	assert_int_equal(tl_run(argv, NULL, out, n, 10000), 0);
}

/* The call to number in a timeline body (the last one), or NULL. */
static const cJSON *timeline_call(const cJSON *o, const char *number)
{
	const cJSON *c, *found = NULL;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(o, "calls"))
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, "number");

		if (cJSON_IsString(n) && !strcmp(n->valuestring, number))
			found = c;
	}
	return found;
}

static double num_of(const cJSON *c, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, name);

	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

static const char *str_of(const cJSON *c, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, name);

	assert_true(cJSON_IsString(v));
	return v->valuestring;
}

/* GET /_sandbox/phones/timeline: each call's steps on CLOCK_MONOTONIC, in order, with how it
 * ended: the cancelled no-answer, a human the caller hung up, the phone that hung up itself,
 * the busy reply after ringing; ?after= past the last call gives none; a bad after is 422. */
static void check_timeline(void)
{
	static char body[65536];
	struct timespec now;
	const cJSON *c;
	cJSON *o;
	double now_us, last = 0;
	char path[64];

	clock_gettime(CLOCK_MONOTONIC, &now);
	now_us = (double)now.tv_sec * 1e6 + (double)now.tv_nsec / 1e3;
	admin("GET", "/_sandbox/phones/timeline", NULL, body, sizeof(body));
	o = cJSON_Parse(body);
	assert_non_null(o);
	assert_string_equal(str_of(o, "clock"), "CLOCK_MONOTONIC");

	c = timeline_call(o, "+14155550104");
	assert_non_null(c);
	assert_string_equal(str_of(c, "state"), "ended");
	assert_string_equal(str_of(c, "end"), "cancel");
	assert_true(num_of(c, "answer_us") == 0);
	assert_true(num_of(c, "invite_us") > 0 && num_of(c, "end_us") > num_of(c, "invite_us"));
	assert_true(num_of(c, "end_us") <= now_us);

	c = timeline_call(o, "+12125550001");
	assert_non_null(c);
	assert_string_equal(str_of(c, "end"), "bye-received");
	assert_true(num_of(c, "answer_us") > num_of(c, "invite_us"));
	assert_true(num_of(c, "end_us") > num_of(c, "answer_us"));

	c = timeline_call(o, "+14155550108");
	assert_non_null(c);
	assert_string_equal(str_of(c, "end"), "bye-sent");
	assert_true(num_of(c, "end_us") > num_of(c, "answer_us") && num_of(c, "answer_us") > 0);

	c = timeline_call(o, "+14155550110");
	assert_non_null(c);
	assert_string_equal(str_of(c, "end"), "reply");
	assert_int_equal((int)num_of(c, "code"), 486);

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(o, "calls"))
	{
		assert_true(num_of(c, "id") > last);
		last = num_of(c, "id");
	}
	cJSON_Delete(o);
	snprintf(path, sizeof(path), "/_sandbox/phones/timeline?after=%.0f", last);
	admin("GET", path, NULL, body, sizeof(body));
	assert_non_null(strstr(body, "\"calls\":[]"));
	admin("GET", "/_sandbox/phones/timeline?after=x", NULL, body, sizeof(body));
	assert_non_null(strstr(body, "\"after\""));
}

/* The path of the -dec.wav recording in dir, waiting until it exists. */
static void recording_path(const char *dir, char *out, size_t n)
{
	unsigned long long end = tl_now_ms() + WAIT_MS;

	do {
		DIR *d = opendir(dir);
		struct dirent *de;

		while (d && (de = readdir(d))) {
			size_t len = strlen(de->d_name);

			if (len > 8 && !strcmp(de->d_name + len - 8, "-dec.wav")) {
				assert_int_equal(text_printf(out, n, "%s/%s", dir, de->d_name), 0);
				closedir(d);
				return;
			}
		}
		if (d)
			closedir(d);
		pump(20);
	} while (tl_now_ms() < end);
	fail_msg("no recording in %s", dir);
}

/* Follows a live recording with wavtail until AMD decides; returns the verdict and the
 * loudest 20 ms frame (dBFS) heard. */
static enum amd_result classify(const char *path, double *peak_db, unsigned *ms)
{
	unsigned long long end = tl_now_ms() + WAIT_MS;
	struct wavtail *wt = NULL;
	struct amd *amd = amd_new(NULL);
	int16_t buf[160];
	size_t got, fill = 0;
	double acc = 0.0;
	enum amd_result r = AMD_PENDING;

	*peak_db = -120.0;
	assert_non_null(amd);
	assert_int_equal(wavtail_open(&wt, path), 0);
	while (r == AMD_PENDING && tl_now_ms() < end) {
		size_t i;

		assert_int_equal(wavtail_read(wt, buf, sizeof(buf) / sizeof(buf[0]), &got), 0);
		if (!got) {
			pump(20);
			continue;
		}
		assert_int_equal(wavtail_srate(wt), 8000);
		for (i = 0; i < got; i++) {
			acc += (double)buf[i] * buf[i];
			if (++fill == 160) {
				double db = 10.0 * log10(acc / 160 / (32768.0 * 32768.0) + 1e-12);

				if (db > *peak_db)
					*peak_db = db;
				acc = 0.0;
				fill = 0;
			}
		}
		r = amd_feed(amd, buf, got);
	}
	*ms = amd_decision_ms(amd);
	print_message("%s: %s (%s) at %u ms, loudest frame %.1f dBFS\n", path, amd_result_name(r),
	              amd_reason(amd), *ms, *peak_db);
	wavtail_close(wt);
	amd_free(amd);
	return r;
}

static int setup(void **state)
{
	const char *bin = getenv("LOFTDIAL_SANDBOX_BIN"), *build = getenv("LOFTDIAL_BUILD");
	char cmd[2000], line[256], rec[600];
	char *argv[] = {"sh", "-c", cmd, NULL};
	char *env[] = {rec, NULL};
	size_t i;

	(void)state;
	if (!bin || !build)
		return -1;
	if (tl_tmpdir(tmp, sizeof(tmp), "simphones"))
		return -1;
	sip_port = port_fresh();
	snprintf(rec, sizeof(rec), "LOFTDIAL_RECORDINGS=%s/recordings", build);
	snprintf(sbx_log, sizeof(sbx_log), "%s/sandbox.log", tmp);
	snprintf(cmd, sizeof(cmd),
	         "exec '%s' --listen 127.0.0.1:0 --sip 127.0.0.1:%d --people 20 --verbose > '%s' "
	         "2>&1",
	         bin, sip_port, sbx_log);
	if (tl_spawn(&sbx, argv, env, NULL))
		return -1;
	for (i = 0; i < 3; i++)
		caller_start(&callers[i], i > 0);
	if (file_wait(sbx_log, "phones ready sip=", WAIT_MS, line, sizeof(line)) ||
	    !strstr(line, "audio=recorded"))
		return -1;
	if (file_wait(sbx_log, "sandbox ready api=", WAIT_MS, line, sizeof(line)))
		return -1;
	text_copy(api, sizeof(api), strstr(line, "api=") + 4);
	api[strcspn(api, "\r\n")] = '\0';
	for (i = 0; i < 3; i++)
		caller_connect(&callers[i]);
	return 0;
}

static int teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		if (callers[i].fd >= 0)
			close(callers[i].fd);
		if (callers[i].proc.pid > 0)
			tl_stop(&callers[i].proc, SIGTERM, 3000);
	}
	if (sbx.pid > 0)
		tl_stop(&sbx, SIGKILL, 1000);
	if (!getenv("LOFTDIAL_KEEP"))
		tl_rmrf(tmp);
	return 0;
}

/* Every behaviour once, 20 humans at once, AMD on live recordings, the admin API. */
static void test_calls(void **state)
{
	static const char *const quick[][2] = {
	        {"+14155550103", "486 Busy Here"},
	        {"+14155550106", "404 Not Found"},
	        {"+14155550111", "484 Address Incomplete"},
	        {"alice", "404 Not Found"},
	};
	char body[4096], number[32], rec_h[800], rec_v[800];
	struct event *est;
	unsigned long long late_dialled;
	double peak;
	unsigned ms;
	int status;
	size_t i;

	(void)state;
	/* The admin API: the default of a test number, and an override for a fast late answer. */
	admin("GET", "/_sandbox/phones/+14155550109", NULL, body, sizeof(body));
	assert_non_null(strstr(body, "\"behaviour\":\"late ring=22000"));
	admin("PUT", "/_sandbox/phones/+14155559999", "{\"behaviour\":\"late ring=3s\"}", body,
	      sizeof(body));
	assert_non_null(strstr(body, "\"override\":true"));
	admin("PUT", "/_sandbox/phones/+14155559998", "robot", body, sizeof(body));
	assert_non_null(strstr(body, "errors"));

	/* Recorded calls first: they take the longest to decide. */
	dial(ch, "+14155550101");
	dial(cv, "+14155550102");
	/* Everything else on caller X, all at once. */
	for (i = 0; i < sizeof(quick) / sizeof(quick[0]); i++)
		dial(cx, quick[i][0]);
	dial(cx, "+14155550104"); /* no answer: we cancel */
	dial(cx, "+14155550105"); /* 603 after ringing */
	dial(cx, "+14155550110"); /* 486 after ringing */
	dial(cx, "+14155550107"); /* early media, then 480 */
	dial(cx, "+14155550108"); /* answers, then BYE */
	late_dialled = tl_now_ms();
	dial(cx, "+14155559999"); /* late (overridden to 3 s) */
	for (i = 0; i < CONCURRENT; i++) {
		snprintf(number, sizeof(number), "+1212555%02zu01", i);
		dial(cx, number);
	}

	/* Human and voicemail: the live recordings are speech, and AMD tells them apart. */
	event_wait(ch, "+14155550101", "CALL_RINGING");
	event_wait(ch, "+14155550101", "CALL_ESTABLISHED");
	event_wait(cv, "+14155550102", "CALL_ESTABLISHED");
	recording_path(ch->recdir, rec_h, sizeof(rec_h));
	recording_path(cv->recdir, rec_v, sizeof(rec_v));
	assert_int_equal(classify(rec_h, &peak, &ms), AMD_HUMAN);
	assert_true(peak > -40.0);
	assert_int_equal(classify(rec_v, &peak, &ms), AMD_MACHINE);
	assert_true(peak > -40.0);
	hangup(ch, "+14155550101");
	hangup(cv, "+14155550102");
	expect_closed(ch, "+14155550101", "Connection reset by user");
	expect_closed(cv, "+14155550102", "Connection reset by user");

	/* Final answers without a call. */
	for (i = 0; i < sizeof(quick) / sizeof(quick[0]); i++) {
		expect_closed(cx, quick[i][0], quick[i][1]);
		assert_true(never(cx, quick[i][0], "CALL_ESTABLISHED"));
	}
	/* Rejections after ringing. */
	expect_closed(cx, "+14155550105", "603 Decline");
	assert_non_null(event_find(cx, "+14155550105", "CALL_RINGING"));
	expect_closed(cx, "+14155550110", "486 Busy Here");
	assert_non_null(event_find(cx, "+14155550110", "CALL_RINGING"));

	/* Twenty humans at once: all answered, with audio. */
	for (i = 0; i < CONCURRENT; i++) {
		snprintf(number, sizeof(number), "+1212555%02zu01", i);
		event_wait(cx, number, "CALL_ESTABLISHED");
		event_wait(cx, number, "CALL_RTPESTAB");
	}
	/* The no-answer phone is still ringing; cancelling it is clean. */
	assert_non_null(event_find(cx, "+14155550104", "CALL_RINGING"));
	assert_true(never(cx, "+14155550104", "CALL_CLOSED"));
	hangup(cx, "+14155550104");
	expect_closed(cx, "+14155550104", "Connection reset by user");

	/* The phone that hangs up by itself. */
	event_wait(cx, "+14155550108", "CALL_ESTABLISHED");
	expect_closed(cx, "+14155550108", "Connection reset by peer");

	/* Early media: progress with audio, then the failure code. */
	event_wait(cx, "+14155550107", "CALL_PROGRESS");
	event_wait(cx, "+14155550107", "CALL_RTPESTAB");
	expect_closed(cx, "+14155550107", "480 Temporarily Unavailable");
	assert_true(never(cx, "+14155550107", "CALL_ESTABLISHED"));

	/* The late answer comes, and never before its ring time: the phone starts ringing only
	 * after we dialled, so this lower bound holds however slow the machine is. */
	event_wait(cx, "+14155559999", "CALL_RINGING");
	est = event_wait(cx, "+14155559999", "CALL_ESTABLISHED");
	assert_true(est->t - late_dialled >= 3000);
	hangup(cx, "+14155559999");
	expect_closed(cx, "+14155559999", "Connection reset by user");

	/* Hang up the twenty. */
	for (i = 0; i < CONCURRENT; i++) {
		snprintf(number, sizeof(number), "+1212555%02zu01", i);
		hangup(cx, number);
		pump(5);
	}
	for (i = 0; i < CONCURRENT; i++) {
		snprintf(number, sizeof(number), "+1212555%02zu01", i);
		expect_closed(cx, number, "Connection reset by user");
	}

	/* The phones saw it all and hold no call any more. */
	{
		unsigned long long end = tl_now_ms() + WAIT_MS;

		do {
			admin("GET", "/_sandbox/phones", NULL, body, sizeof(body));
			if (strstr(body, "\"active\":0"))
				break;
			pump(50);
		} while (tl_now_ms() < end);
		print_message("%s\n", body);
		assert_non_null(strstr(body, "\"active\":0"));
		assert_non_null(strstr(body, "\"invites\":32"));
		assert_non_null(strstr(body, "\"bye_received\":23"));
		assert_non_null(strstr(body, "\"cancelled\":1"));
		assert_non_null(strstr(body, "\"overrides\":1"));
	}
	check_timeline();

	/* Shutting down with calls up: BYE for the answered one, 503 for the ringing one, and a
	 * clean exit: status 0 (under ASan: no leak, no error). */
	dial(cx, "+14155550201");
	dial(cx, "+14155550204");
	event_wait(cx, "+14155550201", "CALL_ESTABLISHED");
	event_wait(cx, "+14155550204", "CALL_RINGING");
	status = tl_stop(&sbx, SIGTERM, 10000);
	expect_closed(cx, "+14155550201", "Connection reset by peer");
	expect_closed(cx, "+14155550204", "503 Service Unavailable");
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		char *argv[] = {"tail", "-n", "40", sbx_log, NULL};

		tl_run(argv, NULL, body, sizeof(body), 2000);
		print_message("%s\n", body);
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_calls),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}

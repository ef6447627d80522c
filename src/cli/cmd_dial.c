/*
 * `loftdial dial --numbers FILE [--lines N] [--json] [--talk SECS]`: the dial pool without
 * the TUI, for scripts and for a rep who wants no screen.
 *
 * Each line of FILE is a phone number (normalised to E.164 in phone.default_country) or a full
 * sip:/sips: URI; blank lines and lines starting with '#' are skipped. Every pool event is
 * printed as one line (with --json, one JSON object per line: attempt, number, event, time,
 * outcome, SIP code, ...), then a summary. Attempts are saved to the store as they end. While
 * a call is connected, commands can be typed on stdin: h (hang up), m / u (mute / unmute),
 * hold, resume, d DIGITS (DTMF), r (redial the last number), q (stop).
 *
 * The exit code: 0 when every number was tried, 1 when the engines could not start or the
 * options are unusable, 2 for a bad command line, 130 when interrupted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <re.h>

#include "loftdial/attempts.h"
#include "loftdial/cli.h"
#include "loftdial/log.h"
#include "loftdial/loop.h"
#include "loftdial/pool.h"
#include "loftdial/store.h"
#include "loftdial/text.h"

#define NUMBERS_FILE_MAX  (16 * 1024 * 1024)
#define START_DEADLINE_MS 20000

struct dialrun {
	struct pool *pool;
	struct store *st;
	bool json;
	bool any_up;
	bool interrupted;
	int rc;
	char session[64];
	unsigned count[CALL_OUT_FAILED + 1];
	unsigned attempts, dropped, drops_measured;
	double drop_max_ms, drop_sum_ms;
	struct tmr start_tmr;
	char inbuf[256];
	size_t inlen;
};

/* ISO 8601 UTC with milliseconds. */
static void iso_time(int64_t ms, char *out, size_t n)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	size_t len;

	gmtime_r(&s, &tm);
	/* strftime bounds the date part, which keeps gcc's -Wformat-truncation quiet at -O2. */
	len = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
	if (len == 0) {
		if (n)
			out[0] = '\0';
		return;
	}
	snprintf(out + len, n - len, ".%03dZ", (int)(ms % 1000));
}

/* Wall clock in unix milliseconds. */
static int64_t now_unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "human", "machine", "unknown", or "" when AMD did not run or decide. */
static const char *amd_name(enum amd_result r)
{
	return r == AMD_PENDING ? "" : amd_result_name(r);
}

/* The number to show for an attempt: its E.164 form, else the URI, else what was given. */
static const char *shown_number(const struct pool_attempt *a)
{
	return a->e164[0] ? a->e164 : (a->uri[0] ? a->uri : a->input);
}

/* Saves an ended attempt (best effort: a dial run does not fail on the database). */
static void persist(struct dialrun *r, const struct pool_attempt *a)
{
	struct attempt rec;
	int err;

	if (!r->st)
		return;
	memset(&rec, 0, sizeof(rec));
	text_copy(rec.session_id, sizeof(rec.session_id), r->session);
	rec.line = (int)a->line;
	text_copy(rec.number, sizeof(rec.number), a->e164[0] ? a->e164 : a->input);
	if (!rec.number[0])
		text_copy(rec.number, sizeof(rec.number), "?");
	rec.started_at_ms = a->t_start;
	rec.ringing_at_ms = a->t_ring;
	rec.answered_at_ms = a->t_answer;
	rec.ended_at_ms = a->t_end;
	rec.sip_code = a->sip_code;
	text_copy(rec.reason, sizeof(rec.reason), a->reason);
	text_copy(rec.outcome, sizeof(rec.outcome), call_outcome_name(a->outcome));
	rec.live_answer_dropped = a->live_dropped;
	text_copy(rec.amd, sizeof(rec.amd), amd_name(a->amd));
	err = attempts_insert(r->st, &rec);
	if (err)
		log_warn("dial", "could not save attempt %u: %s", a->id, strerror(err));
}

/* Prints one event as a JSON object on one line. */
static void print_json(const struct pool_note *n)
{
	const struct pool_attempt *a = n->a;
	char ts[40];
	cJSON *o = cJSON_CreateObject();
	char *s;

	if (!o)
		return;
	iso_time(now_unix_ms(), ts, sizeof(ts));
	if (a) {
		cJSON_AddNumberToObject(o, "attempt", a->id);
		cJSON_AddStringToObject(o, "number", shown_number(a));
		cJSON_AddStringToObject(o, "input", a->input);
	}
	if (n->line)
		cJSON_AddNumberToObject(o, "line", n->line);
	cJSON_AddStringToObject(o, "event", pool_ev_name(n->ev));
	cJSON_AddStringToObject(o, "time", ts);
	if (n->ev == POOL_EV_ENDED && a) {
		cJSON_AddStringToObject(o, "outcome", call_outcome_name(a->outcome));
		cJSON_AddNumberToObject(o, "sip_code", a->sip_code);
		cJSON_AddStringToObject(o, "reason", a->reason);
		cJSON_AddBoolToObject(o, "live_dropped", a->live_dropped);
		cJSON_AddBoolToObject(o, "media", a->media);
		cJSON_AddStringToObject(o, "amd", amd_name(a->amd));
		if (a->uri[0])
			cJSON_AddStringToObject(o, "uri", a->uri);
		iso_time(a->t_start, ts, sizeof(ts));
		cJSON_AddStringToObject(o, "start", ts);
		if (a->t_ring) {
			iso_time(a->t_ring, ts, sizeof(ts));
			cJSON_AddStringToObject(o, "ring", ts);
		}
		if (a->t_answer) {
			iso_time(a->t_answer, ts, sizeof(ts));
			cJSON_AddStringToObject(o, "answer", ts);
		}
		iso_time(a->t_end, ts, sizeof(ts));
		cJSON_AddStringToObject(o, "end", ts);
	} else if (n->ev == POOL_EV_AMD && a) {
		cJSON_AddStringToObject(o, "amd", amd_name(a->amd));
		cJSON_AddNumberToObject(o, "amd_ms", a->amd_ms);
	}
	if (n->ev == POOL_EV_DROP_TIME) {
		cJSON_AddNumberToObject(o, "legs", n->legs);
		cJSON_AddNumberToObject(o, "ms", n->ms);
		cJSON_AddNumberToObject(o, "send_ms", n->send_ms);
	}
	if (n->text && *n->text)
		cJSON_AddStringToObject(o, "text", n->text);
	s = cJSON_PrintUnformatted(o);
	if (s) {
		/* cJSON escapes control characters, so the line is safe for any terminal. */
		printf("%s\n", s);
		free(s);
	}
	cJSON_Delete(o);
}

/* Prints one event as text. */
static void print_text(const struct pool_note *n)
{
	const struct pool_attempt *a = n->a;
	char ts[40], num[80], text[200], detail[256] = "";

	iso_time(now_unix_ms(), ts, sizeof(ts));
	text_sanitize(text, sizeof(text), n->text ? n->text : "", false);
	if (n->ev == POOL_EV_DROP_TIME) {
		printf("%s line %u won: %u other leg(s) dropped %.2f ms after its answer (last "
		       "hangup written after %.2f ms)\n",
		       ts + 11, n->line, n->legs, n->ms, n->send_ms);
		return;
	}
	if (!a) {
		if (n->line)
			printf("%s    L%u %-10s %s\n", ts + 11, n->line, pool_ev_name(n->ev), text);
		else
			printf("%s        %-10s %s\n", ts + 11, pool_ev_name(n->ev), text);
		return;
	}
	text_sanitize(num, sizeof(num), shown_number(a), false);
	if (n->ev == POOL_EV_ENDED) {
		char reason[140];

		text_sanitize(reason, sizeof(reason), a->reason, false);
		if (a->sip_code)
			text_printf(detail, sizeof(detail), "%s sip %d%s%s%s%s",
			            call_outcome_name(a->outcome), a->sip_code,
			            reason[0] ? " (" : "", reason, reason[0] ? ")" : "",
			            a->live_dropped ? " live-dropped" : "");
		else
			text_printf(detail, sizeof(detail), "%s%s%s%s%s",
			            call_outcome_name(a->outcome), reason[0] ? " (" : "", reason,
			            reason[0] ? ")" : "", a->live_dropped ? " live-dropped" : "");
	} else if (n->ev == POOL_EV_AMD) {
		text_printf(detail, sizeof(detail), "%s after %u ms (%s)", amd_name(a->amd),
		            a->amd_ms, text);
	} else if (n->ev == POOL_EV_DIALING) {
		char uri[DIALPLAN_URI_MAX + 1];

		text_sanitize(uri, sizeof(uri), a->uri, false);
		text_printf(detail, sizeof(detail), "%s", uri);
	} else {
		text_printf(detail, sizeof(detail), "%s", text);
	}
	if (n->line)
		printf("%s #%-3u L%u %-10s %-16s %s\n", ts + 11, a->id, n->line,
		       pool_ev_name(n->ev), num, detail);
	else
		printf("%s #%-3u -  %-10s %-16s %s\n", ts + 11, a->id, pool_ev_name(n->ev), num,
		       detail);
}

/* Every pool note: print it, count it, save ended attempts, stop when done. */
static void on_pool(const struct pool_note *n, void *arg)
{
	struct dialrun *r = arg;

	if (r->json)
		print_json(n);
	else
		print_text(n);
	fflush(stdout);
	switch (n->ev) {
	case POOL_EV_LINE_UP:
		r->any_up = true;
		break;
	case POOL_EV_ENDED:
		r->attempts++;
		if (n->a->outcome <= CALL_OUT_FAILED)
			r->count[n->a->outcome]++;
		r->dropped += n->a->live_dropped;
		persist(r, n->a);
		break;
	case POOL_EV_DROP_TIME:
		r->drops_measured++;
		r->drop_sum_ms += n->ms;
		if (n->ms > r->drop_max_ms)
			r->drop_max_ms = n->ms;
		break;
	case POOL_EV_WRAPUP:
		pool_resume(r->pool);
		break;
	case POOL_EV_IDLE:
		pool_stop(r->pool);
		break;
	case POOL_EV_STOPPED:
		loop_quit(r->rc);
		break;
	default:
		break;
	}
}

/* No engine came up in time: give up. */
static void start_deadline(void *arg)
{
	struct dialrun *r = arg;

	if (r->any_up)
		return;
	fprintf(stderr,
	        "loftdial: no phone line came up in %d s; see the log (baresip "
	        "installed? ports engine.sip_port/engine.ctrl_port free?)\n",
	        START_DEADLINE_MS / 1000);
	r->rc = CLI_FAIL;
	pool_stop(r->pool);
}

/* SIGINT/SIGTERM: hang up and stop; a second one quits at once. */
static void on_signal(int sig, void *arg)
{
	struct dialrun *r = arg;

	if (r->interrupted) {
		loop_quit(CLI_INTERRUPT);
		return;
	}
	r->interrupted = true;
	r->rc = CLI_INTERRUPT;
	fprintf(stderr, "loftdial: stopping (hanging up)...\n");
	pool_stop(r->pool);
}

/* Runs one line typed on stdin. */
static void command(struct dialrun *r, char *line)
{
	int err = 0;

	while (*line == ' ')
		line++;
	if (!strcmp(line, "h"))
		err = pool_hangup(r->pool);
	else if (!strcmp(line, "m"))
		err = pool_mute(r->pool, true);
	else if (!strcmp(line, "u"))
		err = pool_mute(r->pool, false);
	else if (!strcmp(line, "hold"))
		err = pool_hold(r->pool, true);
	else if (!strcmp(line, "resume"))
		err = pool_hold(r->pool, false);
	else if (!strncmp(line, "d ", 2))
		err = pool_dtmf(r->pool, line + 2);
	else if (!strcmp(line, "r"))
		err = pool_redial(r->pool);
	else if (!strcmp(line, "q"))
		pool_stop(r->pool);
	else if (*line)
		fprintf(stderr, "commands: h, m, u, hold, resume, d DIGITS, r, q\n");
	if (err)
		fprintf(stderr, "loftdial: %s: %s\n", line,
		        err == ENOENT ? "no connected call" : strerror(err));
}

/* Reads typed commands, one per line. */
static void stdin_readable(void *arg)
{
	struct dialrun *r = arg;
	char buf[256];
	ssize_t n = read(0, buf, sizeof(buf));
	ssize_t i;

	if (n <= 0) {
		loop_watch_stdin(NULL, NULL);
		return;
	}
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n' || r->inlen == sizeof(r->inbuf) - 1) {
			r->inbuf[r->inlen] = '\0';
			command(r, r->inbuf);
			r->inlen = 0;
		} else if (buf[i] != '\r') {
			r->inbuf[r->inlen++] = buf[i];
		}
	}
}

/* True when stdin is something epoll can watch (a terminal, a pipe, a socket); /dev/null and
 * regular files are not, and carry no commands anyway. */
static bool stdin_watchable(void)
{
	struct stat st;

	if (isatty(0))
		return true;
	return fstat(0, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

/* Reads FILE's dial lines into the pool; the count, or -1 with a message. */
static int load_numbers(struct pool *pool, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char line[1024];
	int count = 0;
	long total = 0;

	if (!f) {
		fprintf(stderr, "loftdial: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		char *p = line;

		total += (long)len;
		if (total > NUMBERS_FILE_MAX) {
			fprintf(stderr, "loftdial: %s is larger than 16 MiB\n", path);
			count = -1;
			break;
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		if (pool_add(pool, p, NULL)) {
			count = -1;
			break;
		}
		count++;
	}
	if (f != stdin)
		fclose(f);
	return count;
}

/* The pool and phone options from the config (and the command line). */
static void options(struct cli_ctx *ctx, unsigned lines, unsigned talk_s, struct pool_opts *po,
                    struct phone_opts *ph)
{
	const struct config *c = ctx->cfg;
	const char *amd = config_str(c, "dial.amd"), *mach = config_str(c, "dial.machine");
	const char *test_ring = getenv("LOFTDIAL_TEST_RING_TIMEOUT_MS");

	memset(po, 0, sizeof(*po));
	po->ring_timeout_ms = (unsigned)config_int(c, "dial.ring_timeout") * 1000;
	/* Test-only: the tests ring out in a second instead of 15 (docs/telephony.md). */
	if (test_ring && atoi(test_ring) >= 100)
		po->ring_timeout_ms = (unsigned)atoi(test_ring);
	po->stagger_ms = (unsigned)config_int(c, "dial.stagger_ms");
	po->talk_ms = talk_s * 1000;
	po->amd = !strcmp(amd, "off")           ? POOL_AMD_OFF
	          : !strcmp(amd, "humans_only") ? POOL_AMD_HUMANS_ONLY
	                                        : POOL_AMD_CONNECT_UNKNOWN;
	po->machine = !strcmp(mach, "voicemail") ? POOL_MACHINE_VOICEMAIL
	              : !strcmp(mach, "connect") ? POOL_MACHINE_CONNECT
	                                         : POOL_MACHINE_HANGUP;
	po->voicemail_file = config_str(c, "dial.voicemail_file");
	po->country = config_str(c, "phone.default_country");
	po->dialplan = config_str(c, "sip.dialplan");
	po->auto_resume = true;

	memset(ph, 0, sizeof(*ph));
	ph->mode = strcmp(config_str(c, "engine.mode"), "connect") ? PHONE_SPAWN : PHONE_CONNECT;
	ph->lines = lines;
	ph->baresip = config_str(c, "engine.baresip");
	ph->dir = ctx->paths.data_dir;
	ph->local_ip = config_str(c, "engine.local_ip");
	ph->sip_port = (unsigned)config_int(c, "engine.sip_port");
	ph->ctrl_port = (unsigned)config_int(c, "engine.ctrl_port");
	ph->connect_addr = config_str(c, "engine.address");
	ph->rtp_timeout = (unsigned)config_int(c, "engine.rtp_timeout");
	ph->account.aor = config_str(c, "sip.aor");
	ph->account.registrar = config_str(c, "sip.registrar");
	ph->account.outbound = config_str(c, "sip.outbound");
	ph->account.auth_user = config_str(c, "sip.auth_user");
	ph->account.auth_pass = config_str(c, "sip.auth_pass");
	ph->account.caller_id = config_str(c, "sip.caller_id");
	ph->account.transport = config_str(c, "sip.transport");
	ph->rep_source = config_str(c, "audio.source");
	ph->rep_player = config_str(c, "audio.player");
}

/* Prints the summary line (or object). */
static void summary(const struct dialrun *r)
{
	unsigned o;

	if (r->json) {
		cJSON *j = cJSON_CreateObject(), *outs = cJSON_CreateObject();
		char *s;

		if (!j || !outs) {
			cJSON_Delete(j);
			cJSON_Delete(outs);
			return;
		}
		char ts[40];

		iso_time(now_unix_ms(), ts, sizeof(ts));
		cJSON_AddStringToObject(j, "event", "summary");
		cJSON_AddStringToObject(j, "time", ts);
		cJSON_AddNumberToObject(j, "attempts", r->attempts);
		for (o = CALL_OUT_CONNECTED; o <= CALL_OUT_FAILED; o++)
			cJSON_AddNumberToObject(outs, call_outcome_name(o), r->count[o]);
		cJSON_AddItemToObject(j, "outcomes", outs);
		cJSON_AddNumberToObject(j, "live_dropped", r->dropped);
		cJSON_AddNumberToObject(j, "drops_measured", r->drops_measured);
		cJSON_AddNumberToObject(j, "drop_max_ms", r->drop_max_ms);
		s = cJSON_PrintUnformatted(j);
		if (s)
			printf("%s\n", s);
		free(s);
		cJSON_Delete(j);
		return;
	}
	printf("summary: %u attempt(s):", r->attempts);
	for (o = CALL_OUT_CONNECTED; o <= CALL_OUT_FAILED; o++)
		if (r->count[o])
			printf(" %s %u", call_outcome_name(o), r->count[o]);
	printf("; live answers dropped %u", r->dropped);
	if (r->drops_measured)
		printf("; drop time max %.2f ms, mean %.2f ms", r->drop_max_ms,
		       r->drop_sum_ms / r->drops_measured);
	printf("\n");
}

int cmd_dial(struct cli_ctx *ctx, int argc, char **argv)
{
	struct dialrun r;
	struct pool_opts po;
	struct phone_opts ph;
	const char *numbers = NULL;
	unsigned lines = (unsigned)config_int(ctx->cfg, "dial.lines"), talk = 0;
	char why[256] = "";
	int i, n, err;

	memset(&r, 0, sizeof(r));
	tmr_init(&r.start_tmr);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--numbers") && i + 1 < argc) {
			numbers = argv[++i];
		} else if (!strcmp(argv[i], "--lines") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);

			if (*end || v < 1 || v > PHONE_LINES_MAX) {
				fprintf(stderr, "loftdial: --lines takes 1 to %d\n",
				        PHONE_LINES_MAX);
				return CLI_USAGE;
			}
			lines = (unsigned)v;
		} else if (!strcmp(argv[i], "--talk") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);

			if (*end || v < 1 || v > 86400) {
				fprintf(stderr, "loftdial: --talk takes seconds (1 to 86400)\n");
				return CLI_USAGE;
			}
			talk = (unsigned)v;
		} else if (!strcmp(argv[i], "--json")) {
			r.json = true;
		} else if (!strcmp(argv[i], "--cadence") || !strcmp(argv[i], "--tasks")) {
			fprintf(stderr, "loftdial: %s is not available yet; use --numbers FILE\n",
			        argv[i]);
			return CLI_USAGE;
		} else {
			return cli_usage(cli_find("dial"));
		}
	}
	if (!numbers)
		return cli_usage(cli_find("dial"));
	options(ctx, lines, talk, &po, &ph);
	snprintf(r.session, sizeof(r.session), "dial-%lld-%d", (long long)now_unix_ms(),
	         (int)getpid());
	err = loop_init();
	if (err) {
		fprintf(stderr, "loftdial: cannot start the event loop: %s\n", strerror(err));
		return CLI_FAIL;
	}
	err = pool_new(&r.pool, &po, &ph, on_pool, &r, why, sizeof(why));
	if (err) {
		fprintf(stderr, "loftdial: cannot dial: %s\n", why[0] ? why : strerror(err));
		loop_close();
		return CLI_FAIL;
	}
	n = load_numbers(r.pool, numbers);
	if (n < 0) {
		r.rc = CLI_FAIL;
		pool_stop(r.pool);
	} else {
		if (store_open(&r.st, ctx->paths.db_file))
			fprintf(stderr,
			        "loftdial: the database cannot be opened; attempts will not "
			        "be saved (see the log)\n");
		log_info("dial", "session %s: %d number(s) on %u line(s)", r.session, n, lines);
		pool_start(r.pool);
		if (strcmp(numbers, "-") && stdin_watchable())
			loop_watch_stdin(stdin_readable, &r);
		tmr_start(&r.start_tmr, START_DEADLINE_MS, start_deadline, &r);
	}
	loop_on_signal(on_signal, &r);
	err = loop_run();
	tmr_cancel(&r.start_tmr);
	loop_watch_stdin(NULL, NULL);
	summary(&r);
	pool_free(r.pool);
	store_close(r.st);
	loop_close();
	return err ? err : r.rc;
}

/*
 * `loftdial dial --numbers FILE [--lines N] [--json] [--talk SECS]`: the dial pool without
 * the TUI, for scripts and for a rep who wants no screen.
 *
 * Each line of FILE is a phone number (normalised to E.164 in phone.default_country) or a full
 * sip:/sips: URI; blank lines and lines starting with '#' are skipped (dialfile.h). The whole
 * file is read and checked before any engine starts: a line that is too long, has control
 * characters or invalid UTF-8 is refused with the reason and dialled from in no way. The
 * numbers run (numdial.h) checks the gates for every number as it is read and again right
 * before its INVITE; a refused number is printed as skipped and never dialled. Every
 * pool event is printed as one line (with --json, one JSON object per line: attempt, number,
 * event, time, outcome, SIP code, ...), then a summary. Attempts are saved to the store as
 * they end. While a call is connected, commands can be typed on stdin: h (hang up), m / u
 * (mute / unmute), hold, resume, d DIGITS (DTMF), r (redial the last number), q (stop).
 *
 * `loftdial dial --cadence ID | --tasks [...]` dials a list read live from Salesloft: a face over
 * the dial session (dsession.h), which reads the list, feeds the pool, checks the gates before
 * each INVITE and writes every ended call's record to the outbox, and the outbox sender
 * (outsend.h), which posts them while the session runs. This file prints the entries, the
 * pool's events and the records, and takes the rep's commands and wrap-up (w on stdin with
 * --ask).
 *
 * The exit code (docs/cli.md): 0 when every line was dialled, 4 when some line was refused or
 * never dialled (an unusable number) but a call was placed, 1 when no call could be placed
 * (the file cannot be read or holds nothing to dial, the engines or options are unusable,
 * every attempt ended network or failed), 2 for a bad command line, 130 when interrupted.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <re.h>

#include "loftdial/cli.h"
#include "loftdial/dialfile.h"
#include "loftdial/dsession.h"
#include "loftdial/gates.h"
#include "loftdial/numdial.h"
#include "loftdial/outsend.h"
#include "loftdial/syncsess.h"
#include "loftdial/log.h"
#include "loftdial/outbox.h"
#include "loftdial/loop.h"
#include "loftdial/pool.h"
#include "loftdial/store.h"
#include "loftdial/text.h"

#define START_DEADLINE_MS 20000

/* The numbers file as it is read: each checked line goes to the run (and its gates). */
struct dial_list {
	struct numdial *nd;
	unsigned n;       /* lines the reader let through */
	unsigned refused; /* lines refused by the reader */
	bool json;
};

struct dialrun {
	struct pool *pool;
	struct numdial *nd; /* a numbers file: the gates, the pool, the attempts saved */
	struct store *st;
	bool json;
	bool any_up;
	bool interrupted;
	int rc;
	unsigned count[CALL_OUT_FAILED + 1];
	unsigned attempts, dropped, drops_measured;
	unsigned refused; /* lines of the file refused before dialling */
	unsigned skipped; /* numbers the gates refused (when read or before the INVITE) */
	unsigned never;   /* attempts never dialled (unusable numbers, the dial refused) */
	unsigned placed;  /* attempts that reached the far end (not network, not failed) */
	double drop_max_ms, drop_sum_ms;
	struct tmr start_tmr;
	char inbuf[4096];
	size_t inlen;
	/* A Salesloft list (--cadence, --tasks): the session, its sender, the drain at the end. */
	struct dsession *ds;
	struct outsend *os;
	int send_lock; /* SYNCSESS_OUTBOX_LOCK while this run sends the outbox, else -1 */
	struct tmr drain_tmr;
	int64_t drain_end;
	bool list_failed;
	bool stopped; /* the session said STOPPED */
};

/* ISO 8601 UTC with milliseconds. */
/* Prints one JSON event line and frees the object. cJSON escapes control characters, so the
 * line is safe for any terminal. */
static void print_json_line(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	if (s)
		printf("%s\n", s);
	free(s);
	cJSON_Delete(o);
}

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

/* Prints one event as a JSON object on one line. */
static void print_json(const struct pool_note *n)
{
	const struct pool_attempt *a = n->a;
	char ts[40];
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return;
	iso_time(now_unix_ms(), ts, sizeof(ts));
	if (a) {
		cJSON_AddNumberToObject(o, "attempt", a->id);
		cJSON_AddStringToObject(o, "number", shown_number(a));
		cJSON_AddStringToObject(o, "input", a->input);
	}
	/* An ended record always names its line: 0 when it was never dialled. */
	if (n->line || (n->ev == POOL_EV_ENDED && a))
		cJSON_AddNumberToObject(o, "line", n->ev == POOL_EV_ENDED && a ? a->line : n->line);
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
	print_json_line(o);
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

/* Waits (up to 15 s) for the sender to post what the session wrote, then quits; what is left
 * stays in the outbox for the next run or `loftdial outbox flush`. */
static void drain_tick(void *arg)
{
	struct dialrun *r = arg;

	if (outsend_idle(r->os) || now_unix_ms() >= r->drain_end) {
		loop_quit(r->rc);
		return;
	}
	tmr_start(&r->drain_tmr, 100, drain_tick, r);
}

static void drain_start(struct dialrun *r)
{
	r->drain_end = now_unix_ms() + 15000;
	tmr_start(&r->drain_tmr, 0, drain_tick, r);
}

/* Prints a pool note and counts it for the summary. */
static void pool_note_seen(struct dialrun *r, const struct pool_note *n)
{
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
		if (!n->a->line)
			r->never++;
		else if (n->a->outcome != CALL_OUT_NETWORK && n->a->outcome != CALL_OUT_FAILED)
			r->placed++;
		r->dropped += n->a->live_dropped;
		break;
	case POOL_EV_DROP_TIME:
		r->drops_measured++;
		r->drop_sum_ms += n->ms;
		if (n->ms > r->drop_max_ms)
			r->drop_max_ms = n->ms;
		break;
	default:
		break;
	}
}

/* Prints a number the gates refused (it is not dialled), as its own event. */
static void print_gate_skip(bool json, const struct numdial_skip *sk)
{
	char ts[40], number[DIALPLAN_URI_MAX + 1], reason[300], zone[200];

	iso_time(now_unix_ms(), ts, sizeof(ts));
	text_sanitize(number, sizeof(number), sk->number[0] ? sk->number : sk->input, false);
	text_sanitize(reason, sizeof(reason), sk->reason, false);
	text_sanitize(zone, sizeof(zone), sk->zone, false);
	if (json) {
		cJSON *o = cJSON_CreateObject();

		if (!o)
			return;
		cJSON_AddStringToObject(o, "event", "skipped");
		cJSON_AddStringToObject(o, "time", ts);
		cJSON_AddNumberToObject(o, "file_line", sk->file_line);
		cJSON_AddStringToObject(o, "number", number);
		cJSON_AddStringToObject(o, "input", sk->input);
		cJSON_AddStringToObject(o, "gate", gates_why_name(sk->why));
		cJSON_AddStringToObject(o, "reason", reason);
		if (zone[0])
			cJSON_AddStringToObject(o, "zone", zone);
		if (sk->person_id)
			cJSON_AddNumberToObject(o, "person_id", (double)sk->person_id);
		cJSON_AddStringToObject(o, "checked", sk->at_dial ? "before_invite" : "when_read");
		print_json_line(o);
	} else {
		printf("%s        %-10s line %u %s: %s; not dialled\n", ts + 11, "skipped",
		       sk->file_line, number, reason);
	}
	fflush(stdout);
}

/* Every note of a numbers run: print it, count it, stop when done. */
static void on_numdial(const struct numdial_note *n, void *arg)
{
	struct dialrun *r = arg;

	if (n->ev == NUMDIAL_EV_SKIPPED) {
		r->skipped++;
		print_gate_skip(r->json, n->skip);
		return;
	}
	pool_note_seen(r, n->pool);
	switch (n->pool->ev) {
	case POOL_EV_IDLE:
		numdial_stop(r->nd);
		break;
	case POOL_EV_STOPPED:
		loop_quit(r->rc);
		break;
	default:
		break;
	}
}

/* Stops the run: the session's (hangs up, records, engines) or the numbers run's. */
static void run_stop(struct dialrun *r)
{
	if (r->ds)
		dsession_stop(r->ds);
	else
		numdial_stop(r->nd);
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
	run_stop(r);
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
	run_stop(r);
}

/* "w DISPOSITION | SENTIMENT | NOTES": the rep's wrap-up of a connected list call; then the
 * pool goes on. */
static void wrapup(struct dialrun *r, char *text)
{
	char *part[3] = {"", "", ""}, *p = text, why[256];
	unsigned i;
	int err;

	for (i = 0; i < 3 && p; i++) {
		char *bar = i < 2 ? strchr(p, '|') : NULL;
		char *end;

		if (bar)
			*bar = '\0';
		while (*p == ' ')
			p++;
		end = p + strlen(p);
		while (end > p && end[-1] == ' ')
			*--end = '\0';
		part[i] = p;
		p = bar ? bar + 1 : NULL;
	}
	err = dsession_wrapup(r->ds, part[0], part[1], part[2], DSESSION_NEXT, why, sizeof(why));
	if (err) {
		char shown[300];

		text_sanitize(shown, sizeof(shown), why, false);
		fprintf(stderr, "loftdial dial: %s\n", shown);
	}
}

/* Runs one line typed on stdin. */
static void command(struct dialrun *r, char *line)
{
	int err = 0;

	while (*line == ' ')
		line++;
	if (!strcmp(line, "h"))
		err = r->ds ? dsession_hangup(r->ds) : pool_hangup(r->pool);
	else if (!strcmp(line, "m") || !strcmp(line, "u"))
		err = r->ds ? dsession_mute(r->ds, line[0] == 'm')
		            : pool_mute(r->pool, line[0] == 'm');
	else if (!strcmp(line, "hold") || !strcmp(line, "resume"))
		err = r->ds ? dsession_hold(r->ds, line[0] == 'h')
		            : pool_hold(r->pool, line[0] == 'h');
	else if (!strncmp(line, "d ", 2))
		err = r->ds ? dsession_dtmf(r->ds, line + 2) : pool_dtmf(r->pool, line + 2);
	else if (!strcmp(line, "r"))
		err = r->ds ? dsession_redial(r->ds) : numdial_redial(r->nd);
	else if (!strcmp(line, "q"))
		run_stop(r);
	else if (r->ds && (!strcmp(line, "w") || !strncmp(line, "w ", 2)))
		wrapup(r, line[1] ? line + 2 : "");
	else if (*line)
		fprintf(stderr, "commands: h, m, u, hold, resume, d DIGITS, r, q%s\n",
		        r->ds ? ", w DISPOSITION | SENTIMENT | NOTES" : "");
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

/* Prints a refused line of the numbers file (text or JSON), as its own event. */
static void print_refused(bool json, unsigned lineno, const char *why)
{
	char ts[40];

	iso_time(now_unix_ms(), ts, sizeof(ts));
	if (json) {
		cJSON *o = cJSON_CreateObject();

		if (!o)
			return;
		cJSON_AddStringToObject(o, "event", "refused");
		cJSON_AddStringToObject(o, "time", ts);
		cJSON_AddNumberToObject(o, "file_line", lineno);
		cJSON_AddStringToObject(o, "reason", why);
		print_json_line(o);
	} else {
		printf("%s        %-10s line %u: %s; not dialled\n", ts + 11, "refused", lineno,
		       why);
	}
	fflush(stdout);
}

/* dialfile_read's handler: gives a dialable line to the run (which checks its gates),
 * reports a refused one. */
static int take_line(unsigned lineno, const char *text, const char *refused, void *arg)
{
	struct dial_list *l = arg;
	int err;

	if (refused) {
		l->refused++;
		print_refused(l->json, lineno, refused);
		return 0;
	}
	err = numdial_add(l->nd, text, lineno);
	if (!err)
		l->n++;
	return err;
}

/* Reads and checks the whole numbers file; 0, or an errno value after a message. */
static int load_numbers(struct dial_list *l, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	int err;

	if (!f) {
		err = errno;
		fprintf(stderr, "loftdial dial: cannot read the numbers file %s: %s\n", path,
		        strerror(err));
		return err;
	}
	err = dialfile_read(f, take_line, l);
	if (f != stdin)
		fclose(f);
	if (err == EFBIG)
		fprintf(stderr, "loftdial dial: %s is larger than %d MiB\n", path,
		        DIALFILE_SIZE_MAX / (1024 * 1024));
	else if (err)
		fprintf(stderr, "loftdial dial: cannot read %s: %s\n", path, strerror(err));
	return err;
}

/* Prints the summary line (or object). */
static void summary(const struct dialrun *r)
{
	unsigned o;

	if (r->json) {
		cJSON *j = cJSON_CreateObject(), *outs = cJSON_CreateObject();

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
		cJSON_AddNumberToObject(j, "refused", r->refused);
		cJSON_AddNumberToObject(j, "skipped", r->skipped);
		cJSON_AddNumberToObject(j, "never_dialled", r->never);
		cJSON_AddNumberToObject(j, "placed", r->placed);
		for (o = CALL_OUT_CONNECTED; o <= CALL_OUT_FAILED; o++)
			cJSON_AddNumberToObject(outs, call_outcome_name(o), r->count[o]);
		cJSON_AddItemToObject(j, "outcomes", outs);
		cJSON_AddNumberToObject(j, "live_dropped", r->dropped);
		cJSON_AddNumberToObject(j, "drops_measured", r->drops_measured);
		cJSON_AddNumberToObject(j, "drop_max_ms", r->drop_max_ms);
		print_json_line(j);
		return;
	}
	printf("summary: %u attempt(s):", r->attempts);
	if (r->refused)
		printf(" refused %u line(s) of the file;", r->refused);
	if (r->skipped)
		printf(" skipped %u number(s) by the gates;", r->skipped);
	for (o = CALL_OUT_CONNECTED; o <= CALL_OUT_FAILED; o++)
		if (r->count[o])
			printf(" %s %u", call_outcome_name(o), r->count[o]);
	printf("; live answers dropped %u", r->dropped);
	if (r->drops_measured)
		printf("; drop time max %.2f ms, mean %.2f ms", r->drop_max_ms,
		       r->drop_sum_ms / r->drops_measured);
	printf("\n");
}

/* The exit code of a run that got to dial (docs/cli.md), with a line saying why it is not 0. */
static int outcome_code(const struct dialrun *r)
{
	if (r->rc)
		return r->rc; /* interrupted, or no engine came up (already said) */
	if (!r->placed) {
		fprintf(stderr,
		        "loftdial dial: no call could be placed (%u attempt(s): network %u, failed "
		        "%u, never dialled %u); see the outcomes above and the log\n",
		        r->attempts, r->count[CALL_OUT_NETWORK], r->count[CALL_OUT_FAILED],
		        r->never);
		return CLI_FAIL;
	}
	if (r->refused || r->never || r->skipped) {
		fprintf(stderr,
		        "loftdial dial: %u line(s) of the file refused, %u number(s) skipped by "
		        "the "
		        "gates and %u number(s) never dialled; the others were dialled\n",
		        r->refused, r->skipped, r->never);
		return CLI_PARTIAL;
	}
	return CLI_OK;
}

/* ---- Salesloft lists: --cadence ID, --tasks ---- */

/* Prints one list entry: who, which action or task, the number, or why it is skipped; the
 * call instructions of an action to dial (drawn clean: Salesloft text is hostile). */
static void print_entry(const struct dialrun *r, size_t i, const struct diallist_entry *e)
{
	char name[200], num[80], reason[300], instr[DIALLIST_INSTR_MAX];

	text_sanitize(name, sizeof(name),
	              e->c.display_name[0] ? e->c.display_name : e->c.first_name, false);
	text_sanitize(num, sizeof(num), e->number, false);
	text_sanitize(reason, sizeof(reason), e->reason, false);
	if (r->json) {
		cJSON *o = cJSON_CreateObject();

		if (!o)
			return;
		cJSON_AddStringToObject(o, "event", "entry");
		cJSON_AddNumberToObject(o, "entry", (double)(i + 1));
		cJSON_AddNumberToObject(o, "person_id", (double)e->person_id);
		if (e->action_id)
			cJSON_AddNumberToObject(o, "action_id", (double)e->action_id);
		if (e->task_id)
			cJSON_AddNumberToObject(o, "task_id", (double)e->task_id);
		cJSON_AddStringToObject(o, "name", name);
		cJSON_AddStringToObject(o, "number", num);
		cJSON_AddStringToObject(o, "phone", diallist_phone_name(e->phone));
		cJSON_AddStringToObject(o, "skip", diallist_skip_name(e->skip));
		if (e->reason[0])
			cJSON_AddStringToObject(o, "reason", reason);
		if (e->instructions[0]) {
			/* The lines are kept: JSON escapes the newlines. */
			text_sanitize_lines(instr, sizeof(instr), e->instructions, false);
			cJSON_AddStringToObject(o, "instructions", instr);
		}
		print_json_line(o);
		return;
	}
	if (e->skip == DIALLIST_DIAL) {
		printf("entry %zu: %s %lld, person %lld %s, %s %s%s%s\n", i + 1,
		       e->action_id ? "action" : "task",
		       (long long)(e->action_id ? e->action_id : e->task_id),
		       (long long)e->person_id, name, diallist_phone_name(e->phone), num,
		       e->ext[0] ? " ext " : "", e->ext[0] ? e->ext : "");
		text_sanitize(instr, sizeof(instr), e->instructions, false);
		if (instr[0])
			printf("  instructions: %s\n", instr);
	} else
		printf("entry %zu: %s %lld, person %lld: skipped (%s): %s\n", i + 1,
		       e->action_id ? "action" : "task",
		       (long long)(e->action_id ? e->action_id : e->task_id),
		       (long long)e->person_id, diallist_skip_name(e->skip), reason);
}

/* Prints the voicemail message in force: the cadence's own recording or dial.voicemail_file. */
static void print_voicemail(const struct dialrun *r, const struct dsession_snapshot *snap)
{
	char file[600];

	if (snap->voicemail_source == VMFILE_NONE)
		return;
	text_sanitize(file, sizeof(file), snap->voicemail_file, false);
	if (r->json) {
		cJSON *o = cJSON_CreateObject();

		if (!o)
			return;
		cJSON_AddStringToObject(o, "event", "voicemail_file");
		cJSON_AddStringToObject(o, "file", file);
		cJSON_AddStringToObject(o, "source", vmfile_source_name(snap->voicemail_source));
		print_json_line(o);
		return;
	}
	if (snap->voicemail_source == VMFILE_CADENCE)
		printf("voicemail: %s (cadence %lld's own recording)\n", file,
		       (long long)snap->target.cadence_id);
	else
		printf("voicemail: %s (dial.voicemail_file)\n", file);
}

/* Prints a record written (or not) for an ended attempt. */
static void print_record(const struct dialrun *r, const struct listdial_note *n)
{
	char text[300], dispo[200];

	text_sanitize(text, sizeof(text), n->text, false);
	text_sanitize(dispo, sizeof(dispo), n->disposition, false);
	if (r->json) {
		cJSON *o = cJSON_CreateObject();

		if (!o)
			return;
		cJSON_AddStringToObject(o, "event", "record");
		cJSON_AddNumberToObject(o, "attempt", n->a ? n->a->id : 0);
		cJSON_AddNumberToObject(o, "person_id", (double)n->e->person_id);
		if (n->e->action_id)
			cJSON_AddNumberToObject(o, "action_id", (double)n->e->action_id);
		else if (n->e->task_id)
			cJSON_AddNumberToObject(o, "task_id", (double)n->e->task_id);
		cJSON_AddStringToObject(o, "kind", callrec_kind_name(n->kind));
		cJSON_AddStringToObject(o, "disposition", dispo);
		cJSON_AddNumberToObject(o, "outbox_id", (double)n->outbox_id);
		if (text[0])
			cJSON_AddStringToObject(o, "text", text);
		print_json_line(o);
		return;
	}
	if (n->outbox_id)
		printf("record: attempt #%u %s, disposition '%s', outbox item %lld%s%s\n",
		       n->a ? n->a->id : 0, callrec_kind_name(n->kind), dispo,
		       (long long)n->outbox_id, text[0] ? ": " : "", text);
	else
		printf("record: attempt #%u %s\n", n->a ? n->a->id : 0, text);
}

/* Prints an entry skipped after the list was read (the gates right before its INVITE). */
static void print_skip(const struct dialrun *r, size_t i, const char *why)
{
	char reason[300];

	text_sanitize(reason, sizeof(reason), why, false);
	if (r->json) {
		cJSON *o = cJSON_CreateObject();

		if (!o)
			return;
		cJSON_AddStringToObject(o, "event", "skipped");
		cJSON_AddNumberToObject(o, "entry", (double)(i + 1));
		cJSON_AddStringToObject(o, "reason", reason);
		print_json_line(o);
		return;
	}
	printf("entry %zu: skipped before dialling: %s\n", i + 1, reason);
}

/* The session's notes: the pool's events, the records, the wrap-ups, the end. */
static void on_session(const struct dsession_note *n, void *arg)
{
	struct dialrun *r = arg;
	char text[600];

	text_sanitize(text, sizeof(text), n->text ? n->text : "", false);
	switch (n->ev) {
	case DSESSION_EV_READY:
		loop_quit(0);
		break;
	case DSESSION_EV_FAILED:
		fprintf(stderr, "loftdial dial: %s\n", text);
		r->list_failed = true;
		r->rc = n->err == EKEYREVOKED || n->err == EACCES ? CLI_AUTH : CLI_FAIL;
		/* Before READY the loop only waits for the list; after, the session stops. */
		loop_quit(0);
		break;
	case DSESSION_EV_WARNING:
		fprintf(stderr, "loftdial dial: warning: %s\n", text);
		break;
	case DSESSION_EV_CHANGED:
		if (n->pool)
			pool_note_seen(r, n->pool);
		break;
	case DSESSION_EV_RECORD:
		print_record(r, n->rec);
		if (n->rec->outbox_id && r->os)
			outsend_kick(r->os);
		break;
	case DSESSION_EV_WRAPUP:
		if (r->json)
			printf("{\"event\":\"ask\",\"attempt\":%u}\n", n->a ? n->a->id : 0);
		else
			printf("wrap-up of attempt #%u: type w DISPOSITION | SENTIMENT | NOTES\n",
			       n->a ? n->a->id : 0);
		break;
	case DSESSION_EV_SKIPPED:
		print_skip(r, n->entry, n->text);
		break;
	case DSESSION_EV_DONE:
		dsession_stop(r->ds);
		break;
	case DSESSION_EV_STOPPED:
		r->stopped = true;
		if (r->os)
			drain_start(r);
		else
			loop_quit(r->rc);
		break;
	}
	fflush(stdout);
}

/* The outbox sender's failures worth a line (sent records are counted in the summary). */
static void on_send(const struct outsend_note *n, void *arg)
{
	char text[300];

	if (n->ev != OUTSEND_FAILED && n->ev != OUTSEND_STOPPED)
		return;
	text_sanitize(text, sizeof(text), n->text ? n->text : "", false);
	fprintf(stderr, "loftdial dial: outbox item %lld: %s (kept; see loftdial outbox list)\n",
	        (long long)n->id, text);
}

/* list_open: nothing to dial now (a clean end). */
#define LIST_EMPTY (-1)

/* What --cadence/--tasks add to the run. */
struct list_args {
	int64_t cadence;
	bool tasks, ask;
	const char *disposition, *sentiment, *notes;
};

/* Opens the session (the engines start while the list is read), prints the list. 0 to dial,
 * else the exit code. */
static int list_open(struct cli_ctx *ctx, struct dialrun *r, struct syncsess *ss,
                     const struct list_args *la, unsigned lines, unsigned talk)
{
	struct dsession_opts o;
	struct dsession_snapshot *snap = NULL;
	struct dsession_entry *e = NULL;
	char why[300] = "", msg[300] = "";
	size_t i;
	int err, code = 0;

	err = syncsess_open(ss, ctx->paths.db_file, ctx->cfg, true, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "loftdial dial: %s\n", msg);
		return CLI_FAIL;
	}
	if (!slapi_connected(ss->api)) {
		fprintf(stderr, "loftdial dial: %s\n", slapi_why_not_connected(ss->api));
		return CLI_AUTH;
	}
	r->st = ss->st;
	memset(&o, 0, sizeof(o));
	o.target.cadence_id = la->cadence;
	o.target.tasks = la->tasks;
	o.lines = lines;
	o.ask = la->ask;
	o.disposition = la->disposition;
	o.sentiment = la->sentiment;
	o.notes = la->notes;
	o.talk_s = talk;
	o.data_dir = ctx->paths.data_dir;
	/* Test-only: the clock the list and the gates start from (unix seconds), so a test can
	 * dial a list inside calling hours whenever it runs (docs/dialing.md). */
	if (getenv("LOFTDIAL_TEST_NOW"))
		o.now = (time_t)strtoll(getenv("LOFTDIAL_TEST_NOW"), NULL, 10);
	err = dsession_new(&r->ds, ss->api, ss->st, ctx->cfg, &o, on_session, r, why, sizeof(why));
	if (err) {
		fprintf(stderr, "loftdial dial: %s\n", why[0] ? why : strerror(err));
		return CLI_FAIL;
	}
	loop_on_signal(on_signal, r);
	loop_run();
	if (r->list_failed || r->interrupted)
		return r->rc ? r->rc : CLI_INTERRUPT;
	snap = calloc(1, sizeof(*snap));
	e = calloc(1, sizeof(*e));
	if (!snap || !e) {
		fprintf(stderr, "loftdial dial: out of memory\n");
		code = CLI_FAIL;
		goto out;
	}
	dsession_snapshot(r->ds, snap);
	for (i = 0; i < snap->nentries && dsession_entries(r->ds, i, e, 1) == 1; i++)
		print_entry(r, i, &e->e);
	log_info("dial", "list of %u entries, %u to dial, %u skipped", snap->stats.entries,
	         snap->stats.waiting, snap->stats.skipped);
	if (!r->json)
		printf("list: %u entr%s, %u to dial, %u skipped\n", snap->stats.entries,
		       snap->stats.entries == 1 ? "y" : "ies", snap->stats.waiting,
		       snap->stats.skipped);
	print_voicemail(r, snap);
	fflush(stdout);
	if (!snap->stats.waiting) {
		fprintf(stderr, "loftdial dial: nothing to dial in this list now\n");
		code = LIST_EMPTY;
		goto out;
	}
	/* One sender per data folder: a TUI or `loftdial outbox flush` already sending would find
	 * this run's record in `sending` and could post it a second time. */
	err = syncsess_flock(ctx->paths.data_dir, SYNCSESS_OUTBOX_LOCK, &r->send_lock);
	if (err) {
		r->send_lock = -1;
		fprintf(stderr, "loftdial dial: %s; it sends the records this run writes\n",
		        err == EBUSY
		                ? "another loftdial (the TUI, outbox flush) is sending the outbox"
		                : "the outbox lock cannot be taken");
		goto out;
	}
	err = outsend_new(&r->os, NULL, ss->api, ss->st, on_send, r);
	if (!err)
		err = outsend_start(r->os, false);
	if (err)
		fprintf(stderr,
		        "loftdial dial: the outbox sender cannot start (%s); records stay in the "
		        "outbox for loftdial outbox flush\n",
		        strerror(err));
out:
	free(snap);
	free(e);
	return code;
}

/* A bad option: one line on what is wrong, then the usage. */
__attribute__((format(printf, 1, 2))) static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "loftdial dial: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return cli_usage(cli_find("dial"));
}

/* `dial --cadence ID | --tasks`: the session starts the engines while the list is read; then
 * the list is dialled and every ended attempt becomes an outbox record, posted by the sender
 * as the session goes. */
static int dial_list(struct cli_ctx *ctx, struct dialrun *r, const struct list_args *la,
                     struct syncsess *ss, unsigned lines, unsigned talk)
{
	struct dsession_snapshot *snap = NULL;
	struct outbox_counts oc;
	int err, code;

	err = loop_init();
	if (err) {
		fprintf(stderr, "loftdial dial: cannot start the event loop: %s\n", strerror(err));
		return CLI_FAIL;
	}
	code = list_open(ctx, r, ss, la, lines, talk);
	if (code) {
		/* Nothing to dial, or the list could not be read: stop the engines first. */
		if (r->ds && !r->stopped) {
			dsession_stop(r->ds);
			loop_run();
		}
		code = code == LIST_EMPTY ? CLI_OK : code;
		goto out;
	}
	dsession_start(r->ds);
	if (stdin_watchable())
		loop_watch_stdin(stdin_readable, r);
	tmr_start(&r->start_tmr, START_DEADLINE_MS, start_deadline, r);
	loop_on_signal(on_signal, r);
	err = loop_run();
	tmr_cancel(&r->start_tmr);
	tmr_cancel(&r->drain_tmr);
	loop_watch_stdin(NULL, NULL);
	summary(r);
	snap = calloc(1, sizeof(*snap));
	if (!snap) {
		code = CLI_FAIL;
		goto out;
	}
	dsession_snapshot(r->ds, snap);
	memset(&oc, 0, sizeof(oc));
	outbox_counts(ss->st, &oc);
	if (r->json)
		printf("{\"event\":\"records\",\"written\":%u,\"not_logged\":%u,\"errors\":%u,"
		       "\"outbox_queued\":%lld,\"outbox_sent\":%lld,\"outbox_failed\":%lld}\n",
		       snap->stats.records, snap->stats.not_logged, snap->stats.record_errors,
		       (long long)oc.queued, (long long)oc.sent, (long long)oc.failed);
	else
		printf("records: %u written to the outbox, %u attempt(s) not logged, %u error(s); "
		       "outbox: %lld queued, %lld sent, %lld failed\n",
		       snap->stats.records, snap->stats.not_logged, snap->stats.record_errors,
		       (long long)oc.queued, (long long)oc.sent, (long long)oc.failed);
	code = err ? err : outcome_code(r);
	if (!code && snap->stats.record_errors)
		code = CLI_PARTIAL;
out:
	free(snap);
	outsend_free(r->os);
	syncsess_unlock(r->send_lock);
	r->send_lock = -1;
	dsession_free(r->ds);
	r->ds = NULL;
	syncsess_close(ss);
	r->st = NULL;
	loop_close();
	return code;
}

/* `dial --numbers FILE`: the whole file is read and every line checked (its bytes, then the
 * gates) before any engine starts, so a missing file or nothing to dial now ends the run
 * first; the gates run again right before each INVITE (numdial.h). */
static int dial_numbers(struct cli_ctx *ctx, struct dialrun *r, const char *numbers, unsigned lines,
                        unsigned talk)
{
	struct dial_list list;
	struct numdial_opts no;
	char why[256] = "";
	int err, code = CLI_FAIL;

	memset(&list, 0, sizeof(list));
	err = loop_init();
	if (err) {
		fprintf(stderr, "loftdial dial: cannot start the event loop: %s\n", strerror(err));
		return CLI_FAIL;
	}
	/* The store says who must not be called and which numbers are parked: no store, no
	 * dialling. */
	err = store_open(&r->st, ctx->paths.db_file);
	if (err) {
		fprintf(stderr,
		        "loftdial dial: the database cannot be opened (%s), so do-not-contact and "
		        "parked numbers cannot be checked; nothing dialled (see the log)\n",
		        strerror(err));
		r->st = NULL;
		goto out;
	}
	memset(&no, 0, sizeof(no));
	no.lines = lines;
	no.talk_s = talk;
	no.data_dir = ctx->paths.data_dir;
	/* Test-only: the clock the gates start from (unix seconds), so a test can dial inside
	 * calling hours whenever it runs (docs/dialing.md). */
	if (getenv("LOFTDIAL_TEST_NOW"))
		no.now = (time_t)strtoll(getenv("LOFTDIAL_TEST_NOW"), NULL, 10);
	err = numdial_new(&r->nd, r->st, ctx->cfg, &no, on_numdial, r, why, sizeof(why));
	if (err) {
		fprintf(stderr, "loftdial dial: cannot dial: %s\n", why[0] ? why : strerror(err));
		goto out;
	}
	list.nd = r->nd;
	list.json = r->json;
	if (load_numbers(&list, numbers))
		goto out;
	r->refused = list.refused;
	if (!list.n) {
		fprintf(stderr, "loftdial dial: nothing to dial in %s (%u line(s) refused)\n",
		        numbers, list.refused);
		goto out;
	}
	if (!numdial_waiting(r->nd)) {
		fprintf(stderr,
		        "loftdial dial: nothing to dial in %s now: the gates refused every number "
		        "(see above)\n",
		        numbers);
		goto out;
	}
	err = numdial_start(r->nd, why, sizeof(why));
	if (err) {
		fprintf(stderr, "loftdial dial: cannot dial: %s\n", why[0] ? why : strerror(err));
		goto out;
	}
	r->pool = numdial_pool(r->nd);
	log_info("dial", "%u line(s) to dial, %u refused by the reader, on %u phone line(s)",
	         list.n, list.refused, lines);
	if (strcmp(numbers, "-") && stdin_watchable())
		loop_watch_stdin(stdin_readable, r);
	tmr_start(&r->start_tmr, START_DEADLINE_MS, start_deadline, r);
	loop_on_signal(on_signal, r);
	err = loop_run();
	tmr_cancel(&r->start_tmr);
	loop_watch_stdin(NULL, NULL);
	summary(r);
	code = err ? err : outcome_code(r);
out:
	numdial_free(r->nd);
	r->nd = NULL;
	r->pool = NULL;
	store_close(r->st);
	r->st = NULL;
	loop_close();
	return code;
}

int cmd_dial(struct cli_ctx *ctx, int argc, char **argv)
{
	struct dialrun r;
	const char *numbers = NULL;
	struct list_args la;
	struct syncsess ss;
	bool list_mode;
	unsigned lines = (unsigned)config_int(ctx->cfg, "dial.lines"), talk = 0;
	int k;

	memset(&r, 0, sizeof(r));
	r.send_lock = -1;
	memset(&la, 0, sizeof(la));
	memset(&ss, 0, sizeof(ss));
	tmr_init(&r.start_tmr);
	tmr_init(&r.drain_tmr);
	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--numbers") && k + 1 < argc) {
			numbers = argv[++k];
		} else if (!strcmp(argv[k], "--lines") && k + 1 < argc) {
			char *end;
			long v = strtol(argv[++k], &end, 10);

			if (*end || v < 1 || v > PHONE_LINES_MAX)
				return bad_usage("--lines takes 1 to 9, not '%.32s'", argv[k]);
			lines = (unsigned)v;
		} else if (!strcmp(argv[k], "--talk") && k + 1 < argc) {
			char *end;
			long v = strtol(argv[++k], &end, 10);

			if (*end || v < 1 || v > 86400)
				return bad_usage("--talk takes seconds, 1 to 86400, not '%.32s'",
				                 argv[k]);
			talk = (unsigned)v;
		} else if (!strcmp(argv[k], "--json")) {
			r.json = true;
		} else if (!strcmp(argv[k], "--cadence") && k + 1 < argc) {
			char *end;
			long long v = strtoll(argv[++k], &end, 10);

			if (*end || v < 1)
				return bad_usage("--cadence takes a cadence id, not '%.32s'",
				                 argv[k]);
			la.cadence = (int64_t)v;
		} else if (!strcmp(argv[k], "--tasks")) {
			la.tasks = true;
		} else if (!strcmp(argv[k], "--ask")) {
			la.ask = true;
		} else if (!strcmp(argv[k], "--disposition") && k + 1 < argc) {
			la.disposition = argv[++k];
		} else if (!strcmp(argv[k], "--sentiment") && k + 1 < argc) {
			la.sentiment = argv[++k];
		} else if (!strcmp(argv[k], "--notes") && k + 1 < argc) {
			la.notes = argv[++k];
		} else if (!strcmp(argv[k], "--numbers") || !strcmp(argv[k], "--lines") ||
		           !strcmp(argv[k], "--talk") || !strcmp(argv[k], "--cadence") ||
		           !strcmp(argv[k], "--disposition") || !strcmp(argv[k], "--sentiment") ||
		           !strcmp(argv[k], "--notes")) {
			return bad_usage("%s needs a value", argv[k]);
		} else {
			char shown[64];

			text_sanitize(shown, sizeof(shown), argv[k], false);
			return bad_usage("unknown option '%s'", shown);
		}
	}
	list_mode = la.cadence || la.tasks;
	if (numbers && list_mode)
		return bad_usage("%s", "--numbers FILE does not go with --cadence or --tasks");
	if (!numbers && !list_mode)
		return bad_usage("%s", "--numbers FILE, --cadence ID or --tasks is required");
	if (!list_mode && (la.ask || la.disposition || la.sentiment || la.notes))
		return bad_usage("%s", "--ask, --disposition, --sentiment and --notes go with "
		                       "--cadence or --tasks");
	if (la.ask && (la.disposition || la.sentiment || la.notes))
		return bad_usage("%s",
		                 "--ask does not go with --disposition, --sentiment or --notes");
	if (la.ask && !stdin_watchable())
		return bad_usage("%s", "--ask needs stdin to be a terminal or a pipe for the w "
		                       "commands");
	if (list_mode)
		return dial_list(ctx, &r, &la, &ss, lines, talk);
	return dial_numbers(ctx, &r, numbers, lines, talk);
}

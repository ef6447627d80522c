/*
 * pool: legs, the queue, first-answer-wins, timers and attempt records.
 *
 * Each line carries at most one leg. A leg's life: DIALING (ring timer running) → maybe
 * ringing → answered → (screened by AMD) → won or dropped → CLOSED by baresip, which is the
 * only thing that ends a leg (or its engine failing). loftdial never ends a leg on its own
 * say-so: after sending a hangup it waits for CALL_CLOSED, and a hangup not confirmed in time
 * fails the engine, whose LINE_DOWN then ends the leg. So the record's end time and the drop
 * time are what baresip did, not what we asked for.
 *
 * Work that follows a state change (starting the next dial) runs from a zero-delay timer, so
 * no handler re-enters the phone from inside one of its own notes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <re.h>

#include "loftdial/log.h"
#include "loftdial/engine.h"
#include "loftdial/identmsg.h"
#include "loftdial/loop.h"
#include "loftdial/pool.h"
#include "loftdial/text.h"
#include "loftdial/wavtail.h"

#define AMD_POLL_MS    40
#define AMD_CHUNK      4000
#define VM_WAIT_MS     30000 /* the longest wait for a beep (pool_opts.vm_wait_ms 0) */
#define IDENT_MAX_MS   60000 /* an identification message still playing by then is cut */
#define FIRST_ROUND_MS 5000  /* pool_opts.first_round_ms 0 */

enum hangup_why {
	WHY_NONE = 0,
	WHY_RING_TIMEOUT,
	WHY_LOST,    /* another leg won */
	WHY_DROPPED, /* answered while another leg had won */
	WHY_STOP,
	WHY_MACHINE,
	WHY_UNKNOWN, /* humans_only and AMD could not tell */
	WHY_TALK,
	WHY_USER,
};

/* An ended leg whose record waits for its INVITE's final response (see leg_end). */
struct limbo {
	struct le le;
	struct pool *p;
	struct pool_attempt *a;
	unsigned line;
	struct tmr tmr;
};

struct qitem {
	struct le le;
	char text[POOL_INPUT_MAX + 1];
	void *user;
};

struct leg {
	unsigned n;
	struct pool *p;
	struct pool_attempt *a;
	struct tmr ring_tmr, confirm_tmr, ext_tmr, talk_tmr;
	enum hangup_why why;
	bool hangup_sent;
	bool screening; /* answered, waiting for AMD (humans_only) */
	bool amd_on;
	bool voicemail;  /* leaving the recorded voicemail (waiting for the beep, or playing) */
	bool vm_wait;    /* ... still listening for the beep */
	bool vm_playing; /* ... the message is playing */
	bool ident;      /* a dropped live answer hears the identification message */
	bool cancel_counted;
	struct amd *amd;
	struct amd_beep *beep; /* the beep listener of a voicemail drop */
	struct wavtail *wt;
	uint64_t amd_t0, vm_t0;
};

struct pool {
	struct pool_opts o;
	char vm_file[1024], ident_file[1024], country[8], dialplan[DIALPLAN_URI_MAX + 1];
	/* The spoken identification message while it renders (no dial starts meanwhile, so no
	 * one who answers meets silence), and why there is none when it could not be made. */
	struct identmsg *ident_job;
	int ident_fd; /* the spoken message held while the pool may play it, -1 none */
	char ident_why[256];
	struct phone *phone;
	pool_h *h;
	void *arg;
	unsigned nlines;
	unsigned active; /* lines new dials may use (pool_set_lines) */
	bool paused;     /* pool_pause: no new dial starts */
	struct leg legs[PHONE_LINES_MAX];
	struct list queue;
	unsigned queued;
	struct list limbo;
	unsigned next_id;
	unsigned winner; /* line, 0 = none */
	char last_input[POOL_INPUT_MAX + 1];
	void *last_user;
	bool started, stopping, stopped, wrapup, idle_told, phone_stopping;
	uint64_t last_start;
	struct tmr pump_tmr, amd_tmr; /* pump_tmr: the stagger between starts */
	/* The first round: no dial until every line in use is up (or failed to start) or
	 * round_tmr runs out, so people go to lines in line order and the lines ring together. */
	struct tmr round_tmr;
	bool round_ready, round_waited, round_over;
	unsigned round_failed;    /* bit i: line i+1 went down before the first round */
	struct loop_job pump_job; /* pump() after the current handler */
	/* drop-time measurement */
	uint64_t win_us, last_send_us;
	unsigned cancels_pending, cancels_total;
	uint64_t changes; /* notes sent (pool_changes) */
};

static void pump_soon(struct pool *p);
static void leg_hangup(struct leg *g, enum hangup_why why);
static const char *why_text(enum hangup_why why);
static void amd_poll(void *arg);

const char *pool_ev_name(enum pool_ev ev)
{
	/* Indexed by value, so a new event cannot shift the names of the others. */
	static const char *const names[] = {
	        [POOL_EV_DIALING] = "dialing",
	        [POOL_EV_RINGING] = "ringing",
	        [POOL_EV_EARLY] = "early",
	        [POOL_EV_ANSWERED] = "answered",
	        [POOL_EV_MEDIA] = "media",
	        [POOL_EV_CONNECTED] = "connected",
	        [POOL_EV_AMD] = "amd",
	        [POOL_EV_HANGUP] = "hangup",
	        [POOL_EV_DTMF] = "dtmf",
	        [POOL_EV_ENDED] = "ended",
	        [POOL_EV_DROP_TIME] = "drop_time",
	        [POOL_EV_LINE_DOWN] = "line_down",
	        [POOL_EV_LINE_UP] = "line_up",
	        [POOL_EV_WARNING] = "warning",
	        [POOL_EV_WRAPUP] = "wrapup",
	        [POOL_EV_IDLE] = "idle",
	        [POOL_EV_STOPPED] = "stopped",
	        [POOL_EV_VOICEMAIL] = "voicemail",
	        [POOL_EV_IDENT] = "ident",
	};

	return (unsigned)ev < sizeof(names) / sizeof(names[0]) && names[ev] ? names[ev] : "?";
}

/* Wall clock in unix ms (for records). */
static int64_t unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Monotonic microseconds (for the drop time). */
static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void tell(struct pool *p, enum pool_ev ev, const struct pool_attempt *a, unsigned line,
                 const char *text)
{
	struct pool_note n;

	memset(&n, 0, sizeof(n));
	n.ev = ev;
	n.a = a;
	n.line = line;
	n.text = text ? text : "";
	p->changes++;
	if (p->h)
		p->h(&n, p->arg);
}

/* The leg of a line (1..N), or NULL. */
static struct leg *leg_of(struct pool *p, unsigned line)
{
	if (line < 1 || line > p->nlines)
		return NULL;
	return &p->legs[line - 1];
}

/* Stops a leg's AMD (and a voicemail's beep listener): nothing reads its recording after. */
static void amd_stop(struct leg *g)
{
	wavtail_close(g->wt);
	g->wt = NULL;
	amd_free(g->amd);
	g->amd = NULL;
	g->amd_on = false;
	amd_beep_free(g->beep);
	g->beep = NULL;
}

/* Starts AMD on an answered leg (needs the far end's recording). */
static void amd_start(struct leg *g)
{
	struct pool *p = g->p;

	if (g->amd_on)
		return;
	g->amd_on = true;
	g->amd_t0 = loop_now_ms();
	if (!tmr_isrunning(&p->amd_tmr))
		tmr_start(&p->amd_tmr, AMD_POLL_MS, amd_poll, p);
}

/* Whether this pool can run AMD at all (it needs recordings). */
static bool amd_possible(const struct pool *p)
{
	return p->o.amd != POOL_AMD_OFF;
}

static void win(struct leg *g);

/* The beep (or the quiet) has come: the message plays now; its end ends the call. */
static void vm_play(struct leg *g, const char *how)
{
	struct pool *p = g->p;

	g->vm_wait = false;
	amd_stop(g);
	if (!p->vm_file[0] || phone_play(p->phone, g->n, p->vm_file)) {
		tell(p, POOL_EV_WARNING, g->a, g->n, "cannot play the voicemail file");
		leg_hangup(g, WHY_MACHINE);
		return;
	}
	g->vm_playing = true;
	tell(p, POOL_EV_VOICEMAIL, g->a, g->n, how);
}

/* Starts leaving the voicemail on a leg. A rep who had the line is freed first (the headset
 * goes back to the dummy and dialling goes on, with no wrap-up: the record needs nothing from
 * the rep). Then the line listens to the far end's recording from its start for the beep, so
 * a beep that already sounded counts too. */
static void vm_begin(struct leg *g)
{
	struct pool *p = g->p;

	if (p->winner == g->n) {
		if (phone_rep_audio(p->phone, g->n, false))
			tell(p, POOL_EV_WARNING, g->a, g->n,
			     "could not take the headset off the line");
		tmr_cancel(&g->ext_tmr);
		tmr_cancel(&g->talk_tmr);
		p->winner = 0;
		pump_soon(p);
	}
	amd_stop(g);
	g->screening = false;
	g->voicemail = true;
	if (!phone_recording(p->phone, g->n)) {
		vm_play(g, "at once (no recording to hear the beep)");
		return;
	}
	g->vm_wait = true;
	g->vm_t0 = loop_now_ms();
	if (!tmr_isrunning(&p->amd_tmr))
		tmr_start(&p->amd_tmr, AMD_POLL_MS, amd_poll, p);
}

/* Feeds a waiting voicemail's beep listener with the new audio; plays the message once the
 * beep is over, the greeting has gone quiet, or the wait is too long. True while it waits. */
static bool vm_poll(struct leg *g, int16_t *buf, size_t max)
{
	struct pool *p = g->p;
	enum amd_beep_state st = AMD_BEEP_NONE;
	unsigned wait = p->o.vm_wait_ms ? p->o.vm_wait_ms : VM_WAIT_MS;
	char how[96];
	size_t n = 0;
	int err = 0;

	if (!g->wt) {
		const char *path = phone_recording(p->phone, g->n);

		if (path && wavtail_open(&g->wt, path))
			g->wt = NULL;
	}
	while (g->wt) {
		err = wavtail_read(g->wt, buf, max, &n);
		if (err)
			break;
		if (n && !g->beep && wavtail_srate(g->wt)) {
			struct amd_cfg cfg;

			amd_cfg_default(&cfg);
			cfg.srate = wavtail_srate(g->wt);
			g->beep = amd_beep_new(&cfg);
			if (!g->beep) {
				err = ENOMEM;
				break;
			}
		}
		if (n)
			st = amd_beep_feed(g->beep, buf, n);
		if (n < max || st == AMD_BEEP_OVER || st == AMD_BEEP_SILENT)
			break;
	}
	if (err) {
		log_warn("pool", "line %u: beep listener: %s", g->n, strerror(err));
		text_printf(how, sizeof(how), "at once (cannot listen for the beep: %s)",
		            strerror(err));
	} else if (st == AMD_BEEP_OVER) {
		text_printf(how, sizeof(how), "after the beep (%u Hz, %u ms)", amd_beep_hz(g->beep),
		            amd_beep_end_ms(g->beep) - amd_beep_start_ms(g->beep));
	} else if (st == AMD_BEEP_SILENT) {
		text_printf(how, sizeof(how), "after the greeting went quiet (no beep in %.1f s)",
		            amd_beep_end_ms(g->beep) / 1000.0);
	} else if (loop_now_ms() - g->vm_t0 > wait) {
		text_printf(how, sizeof(how), "after %u s without a beep", wait / 1000);
	} else {
		return true;
	}
	vm_play(g, how);
	return false;
}

/* The identification message has run too long: end the call anyway. */
static void ident_over(void *arg)
{
	struct leg *g = arg;

	if (g->a)
		leg_hangup(g, g->why ? g->why : WHY_DROPPED);
}

/* Ends a live answer the rep cannot take. With an identification message, the person hears
 * who called and how to call back, and the message's end ends the call; without one (or when
 * it cannot play) they are hung up on at once. */
static void drop_live(struct leg *g, enum hangup_why why)
{
	struct pool *p = g->p;

	g->a->live_dropped = true;
	if (g->hangup_sent || g->ident)
		return;
	if (p->ident_file[0] && phone_play(p->phone, g->n, p->ident_file) == 0) {
		g->ident = true;
		g->why = why;
		g->screening = false;
		g->a->ident_played = true;
		tmr_cancel(&g->ring_tmr);
		amd_stop(g);
		tmr_start(&g->talk_tmr, IDENT_MAX_MS, ident_over, g);
		tell(p, POOL_EV_IDENT, g->a, g->n, why_text(why));
		return;
	}
	leg_hangup(g, why);
}

/* Acts on the machine verdict. */
static void machine_policy(struct leg *g)
{
	struct pool *p = g->p;

	switch (p->o.machine) {
	case POOL_MACHINE_HANGUP:
		leg_hangup(g, WHY_MACHINE);
		break;
	case POOL_MACHINE_VOICEMAIL:
		vm_begin(g);
		break;
	case POOL_MACHINE_CONNECT:
		if (g->screening) {
			g->screening = false;
			if (!p->winner && !p->stopping && !p->wrapup)
				win(g);
			else
				leg_hangup(g, WHY_MACHINE);
		}
		break;
	}
}

/* AMD decided for a leg. */
static void amd_verdict(struct leg *g, enum amd_result r, unsigned ms, const char *reason)
{
	struct pool *p = g->p;
	bool screening = g->screening;

	g->a->amd = r;
	g->a->amd_ms = ms;
	amd_stop(g);
	tell(p, POOL_EV_AMD, g->a, g->n, reason);
	if (r == AMD_MACHINE) {
		machine_policy(g);
		return;
	}
	if (!screening)
		return; /* already connected: a person or unknown stays with the rep */
	g->screening = false;
	if (r == AMD_HUMAN && !p->winner && !p->stopping && !p->wrapup) {
		win(g);
		return;
	}
	/* humans_only: unknown is not connected; a person who answered is dropped. */
	drop_live(g, r == AMD_HUMAN ? WHY_DROPPED : WHY_UNKNOWN);
}

/* Feeds new audio to every leg's analyser. */
static void amd_poll(void *arg)
{
	struct pool *p = arg;
	int16_t buf[AMD_CHUNK];
	bool again = false;
	unsigned i;

	for (i = 0; i < p->nlines; i++) {
		struct leg *g = &p->legs[i];
		enum amd_result r = AMD_PENDING;
		size_t n = 0;
		int err;

		if (g->vm_wait && g->a) {
			again |= vm_poll(g, buf, AMD_CHUNK);
			continue;
		}
		if (!g->amd_on || !g->a)
			continue;
		if (!g->wt) {
			const char *path = phone_recording(p->phone, g->n);

			if (path && wavtail_open(&g->wt, path))
				g->wt = NULL;
		}
		if (g->wt) {
			do {
				err = wavtail_read(g->wt, buf, AMD_CHUNK, &n);
				if (err) {
					log_warn("pool", "line %u: recording unreadable: %s", g->n,
					         strerror(err));
					break;
				}
				if (n && !g->amd && wavtail_srate(g->wt)) {
					struct amd_cfg cfg;

					amd_cfg_default(&cfg);
					cfg.srate = wavtail_srate(g->wt);
					g->amd = amd_new(&cfg);
				}
				if (n && g->amd)
					r = amd_feed(g->amd, buf, n);
			} while (!err && n == AMD_CHUNK && r == AMD_PENDING);
			if (err) {
				amd_verdict(g, AMD_UNKNOWN, g->amd ? amd_fed_ms(g->amd) : 0,
				            "recording unreadable");
				continue;
			}
		}
		if (r == AMD_PENDING &&
		    loop_now_ms() - g->amd_t0 > (p->o.amd_max_ms ? p->o.amd_max_ms : 6000)) {
			r = g->amd ? amd_finish(g->amd) : AMD_UNKNOWN;
			if (r == AMD_PENDING)
				r = AMD_UNKNOWN;
			amd_verdict(g, r, g->amd ? amd_decision_ms(g->amd) : 0,
			            g->amd ? amd_reason(g->amd) : "no audio");
			continue;
		}
		if (r != AMD_PENDING) {
			amd_verdict(g, r, amd_decision_ms(g->amd), amd_reason(g->amd));
			continue;
		}
		again = true;
	}
	if (again)
		tmr_start(&p->amd_tmr, AMD_POLL_MS, amd_poll, p);
}

/* A hangup that baresip did not confirm: the engine is not doing its job. */
static void confirm_timeout(void *arg)
{
	struct leg *g = arg;

	if (!g->a)
		return;
	log_warn("pool", "line %u: hangup not confirmed", g->n);
	phone_fail_line(g->p->phone, g->n, "it did not confirm a hangup");
}

static const char *why_text(enum hangup_why why)
{
	switch (why) {
	case WHY_RING_TIMEOUT:
		return "ring timeout";
	case WHY_LOST:
		return "another line answered";
	case WHY_DROPPED:
		return "answered after another line won: live answer dropped";
	case WHY_STOP:
		return "stopped";
	case WHY_MACHINE:
		return "answering machine";
	case WHY_UNKNOWN:
		return "AMD could not tell (humans_only)";
	case WHY_TALK:
		return "talk time over";
	case WHY_USER:
		return "hung up by the rep";
	default:
		return "";
	}
}

/* Hangs a leg up (CANCEL or BYE) for a reason, once. */
static void leg_hangup(struct leg *g, enum hangup_why why)
{
	struct pool *p = g->p;

	if (!g->a || g->hangup_sent)
		return;
	g->hangup_sent = true;
	g->why = why;
	tmr_cancel(&g->ring_tmr);
	tell(p, POOL_EV_HANGUP, g->a, g->n, why_text(why));
	if (phone_hangup(p->phone, g->n) == 0)
		tmr_start(&g->confirm_tmr, p->o.hangup_confirm_ms ? p->o.hangup_confirm_ms : 5000,
		          confirm_timeout, g);
}

/* The ring timeout: cancel a leg that was not answered. */
static void ring_timeout(void *arg)
{
	struct leg *g = arg;

	if (g->a && !g->a->t_answer)
		leg_hangup(g, WHY_RING_TIMEOUT);
}

/* Sends the number's extension as DTMF on the connected call. */
static void ext_due(void *arg)
{
	struct leg *g = arg;

	if (!g->a || !g->a->ext[0] || g->p->winner != g->n)
		return;
	if (phone_dtmf(g->p->phone, g->n, g->a->ext) == 0)
		tell(g->p, POOL_EV_DTMF, g->a, g->n, g->a->ext);
}

/* The --talk limit: hang the connected call up. */
static void talk_over(void *arg)
{
	struct leg *g = arg;

	if (g->a)
		leg_hangup(g, WHY_TALK);
}

/* The leg wins: every other leg is dropped at once, then the rep gets the headset. */
static void win(struct leg *g)
{
	struct pool *p = g->p;
	unsigned i;

	p->winner = g->n;
	p->win_us = mono_us();
	p->cancels_pending = p->cancels_total = 0;
	for (i = 0; i < p->nlines; i++) {
		struct leg *o = &p->legs[i];

		if (o == g || !o->a || o->ident || o->voicemail)
			continue;
		if (o->a->t_answer) {
			/* A person (maybe) answered there too: they get the identification message,
			 * which is not a leg being cancelled. */
			drop_live(o, WHY_DROPPED);
			if (o->ident)
				continue;
		}
		o->cancel_counted = true;
		p->cancels_pending++;
		p->cancels_total++;
		leg_hangup(o, o->a->t_answer ? WHY_DROPPED : WHY_LOST);
	}
	p->last_send_us = mono_us();
	g->a->connected = true;
	if (phone_rep_audio(p->phone, g->n, true))
		tell(p, POOL_EV_WARNING, g->a, g->n, "could not switch to the headset");
	tell(p, POOL_EV_CONNECTED, g->a, g->n, "");
	if (g->a->ext[0])
		tmr_start(&g->ext_tmr, p->o.ext_delay_ms ? p->o.ext_delay_ms : 2000, ext_due, g);
	if (p->o.talk_ms)
		tmr_start(&g->talk_tmr, p->o.talk_ms, talk_over, g);
	if (amd_possible(p) && p->o.amd == POOL_AMD_CONNECT_UNKNOWN && !g->a->amd)
		amd_start(g);
}

/* Answer on a leg. */
static void answered(struct leg *g)
{
	struct pool *p = g->p;

	g->a->t_answer = unix_ms();
	tell(p, POOL_EV_ANSWERED, g->a, g->n, "");
	if (g->hangup_sent || (p->winner && p->winner != g->n) || p->stopping || p->wrapup) {
		/* A person may be there, and we are dropping them: that is abandonment. They hear
		 * the identification message when there is one (not after our CANCEL or BYE:
		 * that call is already going). */
		drop_live(g, WHY_DROPPED);
		return;
	}
	tmr_cancel(&g->ring_tmr);
	if (amd_possible(p) && p->o.amd == POOL_AMD_HUMANS_ONLY) {
		g->screening = true;
		amd_start(g);
		return;
	}
	win(g);
}

/* Final outcome and reason of a leg whose call has closed. */
static void settle(struct leg *g, const struct call *c)
{
	struct pool_attempt *a = g->a;
	struct pool *p = g->p;
	char secs[16];

	if (p->o.ring_timeout_ms % 1000)
		text_printf(secs, sizeof(secs), "%.1f", p->o.ring_timeout_ms / 1000.0);
	else
		text_printf(secs, sizeof(secs), "%u", p->o.ring_timeout_ms / 1000);

	a->sip_code = c ? c->sip_code : 0;
	text_copy(a->reason, sizeof(a->reason), c && c->reason[0] ? c->reason : "");
	if (a->live_dropped) {
		a->outcome = CALL_OUT_CANCELLED;
		if (g->ident && c && !strcmp(c->reason, "end of file"))
			text_copy(a->reason, sizeof(a->reason),
			          "live answer dropped: identification message played");
		else if (g->ident && !g->hangup_sent)
			text_copy(a->reason, sizeof(a->reason),
			          "live answer dropped: the far end hung up during the "
			          "identification message");
		else if (g->why == WHY_UNKNOWN)
			text_copy(a->reason, sizeof(a->reason), why_text(WHY_UNKNOWN));
		else if (g->why == WHY_STOP)
			text_copy(a->reason, sizeof(a->reason),
			          "the dialler stopped while screening: live answer dropped");
		else if (g->why == WHY_DROPPED || g->why == WHY_LOST || p->winner)
			text_copy(a->reason, sizeof(a->reason), why_text(WHY_DROPPED));
		else
			text_copy(a->reason, sizeof(a->reason),
			          "answered as we hung up: live answer dropped");
	} else if (g->voicemail || (a->amd == AMD_MACHINE && (a->t_answer || a->connected))) {
		a->outcome = CALL_OUT_VOICEMAIL;
		if (g->voicemail && c && !strcmp(c->reason, "end of file"))
			text_copy(a->reason, sizeof(a->reason), "voicemail left");
		else if (g->voicemail && !g->why)
			text_copy(a->reason, sizeof(a->reason),
			          g->vm_playing
			                  ? "voicemail not left: the far end hung up during "
			                    "the message"
			                  : "voicemail not left: the far end hung up before the "
			                    "message");
		else if (g->voicemail && g->why != WHY_MACHINE)
			text_printf(a->reason, sizeof(a->reason), "voicemail not left: %s",
			            why_text(g->why));
		else if (g->why == WHY_MACHINE)
			text_copy(a->reason, sizeof(a->reason), "answering machine: hung up");
	} else if (a->connected || a->t_answer) {
		a->outcome = CALL_OUT_CONNECTED;
		if (g->why)
			text_copy(a->reason, sizeof(a->reason), why_text(g->why));
		else if (c && !strcmp(c->reason, "Connection reset by peer"))
			text_copy(a->reason, sizeof(a->reason), "the far end hung up");
	} else if (g->why == WHY_LOST || g->why == WHY_STOP || g->why == WHY_USER) {
		a->outcome = CALL_OUT_CANCELLED;
		text_copy(a->reason, sizeof(a->reason), why_text(g->why));
	} else if (g->why == WHY_RING_TIMEOUT) {
		if (a->t_ring) {
			a->outcome = CALL_OUT_NO_ANSWER;
			text_printf(a->reason, sizeof(a->reason), "no answer in %s s", secs);
		} else {
			a->outcome = CALL_OUT_NETWORK;
			text_printf(a->reason, sizeof(a->reason), "no response in %s s", secs);
		}
	} else if (c && c->sip_code == 0 && !strncmp(c->reason, "engine failed", 13)) {
		a->outcome = CALL_OUT_FAILED;
	} else {
		a->outcome = c ? call_outcome(c) : CALL_OUT_FAILED;
	}
}

/* Publishes a finished record and forgets it. */
static void publish(struct pool *p, struct pool_attempt *a, unsigned line)
{
	text_copy(p->last_input, sizeof(p->last_input), a->input);
	p->last_user = a->user;
	tell(p, POOL_EV_ENDED, a, line, "");
	free(a);
}

/* Completes a record with its INVITE's final response, which arrived after we hung it up:
 * the code is the record's (the 487 that confirmed our CANCEL, say), and a 2xx marks a live
 * answer we dropped. */
static void late_answer(struct pool_attempt *a, int code)
{
	if (code >= 300 && !a->sip_code)
		a->sip_code = code;
	if (code < 200 || code >= 300)
		return;
	/* The far end answered while our CANCEL was on its way: someone picked up and we
	 * dropped them. baresip acknowledged and hung up by itself; no event said so. */
	a->live_dropped = true;
	a->t_answer = unix_ms();
	a->outcome = CALL_OUT_CANCELLED;
	text_copy(a->reason, sizeof(a->reason), "answered as we hung up: live answer dropped");
	log_info("pool", "attempt %u: a 200 OK crossed our CANCEL", a->id);
}

/* The final response of a hung-up leg's INVITE is known (or we stop waiting: code 0). */
static void limbo_done(struct limbo *lb, int code)
{
	struct pool *p = lb->p;

	tmr_cancel(&lb->tmr);
	list_unlink(&lb->le);
	late_answer(lb->a, code);
	publish(p, lb->a, lb->line);
	free(lb);
	pump_soon(p);
}

/* No final response came for a hung-up leg: its record is final as it is. */
static void limbo_timeout(void *arg)
{
	limbo_done(arg, 0);
}

/* The leg's call has ended: finish the record and free the line. */
static void leg_end(struct leg *g, const struct call *c)
{
	struct pool *p = g->p;
	struct pool_attempt *a = g->a;
	bool was_winner = p->winner == g->n;
	bool hung_up_unanswered;

	if (!a)
		return;
	tmr_cancel(&g->ring_tmr);
	tmr_cancel(&g->confirm_tmr);
	tmr_cancel(&g->ext_tmr);
	tmr_cancel(&g->talk_tmr);
	amd_stop(g);
	a->t_end = unix_ms();
	settle(g, c);
	if (g->cancel_counted) {
		g->cancel_counted = false;
		if (p->cancels_pending && --p->cancels_pending == 0) {
			struct pool_note n;

			memset(&n, 0, sizeof(n));
			n.ev = POOL_EV_DROP_TIME;
			n.line = p->winner;
			n.text = "";
			n.ms = (double)(mono_us() - p->win_us) / 1000.0;
			n.send_ms = (double)(p->last_send_us - p->win_us) / 1000.0;
			n.legs = p->cancels_total;
			p->changes++;
			if (p->h)
				p->h(&n, p->arg);
		}
	}
	if (c && c->id[0])
		text_copy(a->call_id, sizeof(a->call_id), c->id);
	g->a = NULL;
	/* (a line whose engine died has no trace left to read) */
	hung_up_unanswered = g->hangup_sent && !a->t_answer && a->call_id[0] &&
	                     phone_traced(p->phone) && phone_line_up(p->phone, g->n);
	g->hangup_sent = g->screening = g->voicemail = g->vm_wait = g->vm_playing = g->ident =
	        false;
	g->why = WHY_NONE;
	if (hung_up_unanswered) {
		/* We cancelled it: did the far end answer as the CANCEL crossed? The line is free
		 * at once; only the record waits for the INVITE's final response. */
		int code = phone_invite_final(p->phone, g->n, a->call_id);
		struct limbo *lb = code ? NULL : calloc(1, sizeof(*lb));

		if (lb) {
			lb->p = p;
			lb->a = a;
			lb->line = g->n;
			tmr_init(&lb->tmr);
			list_append(&p->limbo, &lb->le, lb);
			tmr_start(&lb->tmr, p->o.cancel_wait_ms ? p->o.cancel_wait_ms : 2000,
			          limbo_timeout, lb);
		} else {
			late_answer(a, code);
			publish(p, a, g->n);
		}
	} else {
		publish(p, a, g->n);
	}
	if (was_winner) {
		p->winner = 0;
		if (!p->o.auto_resume && !p->stopping) {
			p->wrapup = true;
			tell(p, POOL_EV_WRAPUP, NULL, g->n, "");
		}
	}
	pump_soon(p);
}

/* The phone's notes. */
static void phone_note(const struct phone_note *n, void *arg)
{
	struct pool *p = arg;
	struct leg *g = leg_of(p, n->line);

	if (n->ev == PHONE_EV_STOPPED) {
		p->stopped = true;
		tell(p, POOL_EV_STOPPED, NULL, 0, "");
		return;
	}
	if (!g)
		return;
	switch (n->ev) {
	case PHONE_EV_LINE_UP:
		tell(p, POOL_EV_LINE_UP, NULL, g->n, "");
		pump_soon(p);
		break;
	case PHONE_EV_LINE_DOWN:
		/* A line that fails before the first round is not waited for. */
		if (!p->round_ready) {
			p->round_failed |= 1u << (g->n - 1);
			pump_soon(p);
		}
		tell(p, POOL_EV_LINE_DOWN, g->a, g->n, n->text);
		if (g->a)
			leg_end(g, n->call);
		break;
	case PHONE_EV_RINGING:
	case PHONE_EV_EARLY:
		if (!g->a)
			break;
		if (!g->a->t_ring)
			g->a->t_ring = unix_ms();
		tell(p, n->ev == PHONE_EV_RINGING ? POOL_EV_RINGING : POOL_EV_EARLY, g->a, g->n,
		     "");
		break;
	case PHONE_EV_ANSWERED:
		if (g->a)
			answered(g);
		break;
	case PHONE_EV_RTP:
		if (g->a && !g->a->media) {
			g->a->media = true;
			tell(p, POOL_EV_MEDIA, g->a, g->n, "");
		}
		break;
	case PHONE_EV_CLOSED:
		leg_end(g, n->call);
		break;
	case PHONE_EV_WARNING:
		tell(p, POOL_EV_WARNING, g->a, g->n, n->text);
		break;
	case PHONE_EV_INVITE_FINAL: {
		struct le *le;

		for (le = list_head(&p->limbo); le; le = le->next) {
			struct limbo *lb = le->data;

			if (lb->line == g->n && !strcmp(lb->a->call_id, n->id)) {
				limbo_done(lb, n->code);
				break;
			}
		}
		break;
	}
	case PHONE_EV_RECORDING:
	case PHONE_EV_STOPPED:
		break;
	}
}

/* Finishes an attempt that was never dialled. */
static void unusable(struct pool *p, struct pool_attempt *a, enum call_outcome o, const char *why)
{
	a->t_end = a->t_start;
	a->outcome = o;
	text_copy(a->reason, sizeof(a->reason), why);
	publish(p, a, 0);
}

/* Takes the next queue item and dials it on line g; false when nothing was dialled. */
static bool dial_next(struct pool *p, struct leg *g)
{
	struct qitem *q = list_ledata(list_head(&p->queue));
	struct pool_attempt *a;
	struct dial_target t;
	char why[128] = "";
	int err;

	if (!q)
		return false;
	list_unlink(&q->le);
	p->queued--;
	if (p->o.pre_dial && p->o.pre_dial(q->user, q->text, why, sizeof(why), p->o.pre_dial_arg)) {
		/* Refused at the last moment (a gate the clock closed, a skip): not dialled. */
		log_info("pool", "not dialled: %s", why[0] ? why : "refused before the INVITE");
		free(q);
		return false;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		free(q);
		return false;
	}
	a->id = ++p->next_id;
	a->user = q->user;
	a->amd = AMD_PENDING;
	a->t_start = unix_ms();
	text_copy(a->input, sizeof(a->input), q->text); /* checked whole by pool_add */
	free(q);
	if (dialplan_target(a->input, p->country, p->dialplan, &t, why, sizeof(why))) {
		/* Never dialled: an unusable number says why. */
		unusable(p, a, CALL_OUT_INVALID, why);
		return false;
	}
	text_copy(a->uri, sizeof(a->uri), t.uri);
	text_copy(a->e164, sizeof(a->e164), t.e164);
	text_copy(a->ext, sizeof(a->ext), t.ext);
	a->line = g->n;
	err = phone_dial(p->phone, g->n, a->uri);
	if (err) {
		text_printf(why, sizeof(why), "could not dial: %s", strerror(err));
		a->line = g->n;
		unusable(p, a, CALL_OUT_FAILED, why);
		return false;
	}
	g->a = a;
	g->why = WHY_NONE;
	g->hangup_sent = false;
	tell(p, POOL_EV_DIALING, a, g->n, "");
	tmr_start(&g->ring_tmr, p->o.ring_timeout_ms, ring_timeout, g);
	p->last_start = loop_now_ms();
	return true;
}

/* The first round's wait ran out: it goes on with the lines that are up. */
static void round_timeout(void *arg)
{
	struct pool *p = arg;

	p->round_over = true;
	pump_soon(p);
}

/* Whether the first round may start: every line new dials may use is up or failed to start,
 * or the wait (started here, the first time there is something to dial) ran out. Without it
 * the first number would go to whichever engine came up first. Says once which lines the
 * first round goes without. */
static bool first_round_ready(struct pool *p)
{
	char late[64] = "", msg[160];
	unsigned i, up = 0, waiting = 0;
	size_t n = 0;

	if (p->round_ready)
		return true;
	for (i = 0; i < p->active; i++) {
		if (phone_line_up(p->phone, i + 1)) {
			up++;
			continue;
		}
		if (!(p->round_failed & (1u << i)))
			waiting++;
		if (!text_printf(late + n, sizeof(late) - n, "%s%u", n ? ", " : "", i + 1))
			n += strlen(late + n);
	}
	if (waiting && !p->round_over) {
		if (!p->round_waited) {
			p->round_waited = true;
			tmr_start(&p->round_tmr,
			          p->o.first_round_ms ? p->o.first_round_ms : FIRST_ROUND_MS,
			          round_timeout, p);
		}
		return false;
	}
	p->round_ready = true;
	tmr_cancel(&p->round_tmr);
	if (up < p->active) {
		text_printf(msg, sizeof(msg),
		            "the first round starts on %u of %u lines: line%s %s not up", up,
		            p->active, p->active - up > 1 ? "s" : "", late);
		log_warn("pool", "%s", msg);
		tell(p, POOL_EV_WARNING, NULL, 0, msg);
	}
	return true;
}

/* Starts dials while lines are free, one per stagger, the lowest free line first. */
static void pump(void *arg)
{
	struct pool *p = arg;
	unsigned i, busy = 0;

	if (!p->started || p->stopped)
		return;
	for (i = 0; i < p->nlines; i++)
		busy += p->legs[i].a != NULL;
	if (p->stopping) {
		if (busy == 0 && list_isempty(&p->limbo) && !p->phone_stopping) {
			p->phone_stopping = true;
			phone_stop(p->phone);
		}
		return;
	}
	if (p->winner || p->wrapup || p->paused || p->ident_job)
		return;
	if (p->queued && !first_round_ready(p))
		return; /* a LINE_UP, a LINE_DOWN or round_tmr pumps again */
	while (p->queued) {
		struct leg *g = NULL;
		uint64_t now = loop_now_ms();

		if (p->last_start && now - p->last_start < p->o.stagger_ms) {
			tmr_start(&p->pump_tmr, p->o.stagger_ms - (now - p->last_start), pump, p);
			return;
		}
		for (i = 0; i < p->active && !g; i++)
			if (!p->legs[i].a && phone_line_idle(p->phone, i + 1))
				g = &p->legs[i];
		if (!g)
			return; /* a LINE_UP or an ENDED pumps again */
		if (dial_next(p, g)) {
			busy++;
			p->idle_told = false;
			if (p->o.stagger_ms) {
				pump_soon(p);
				return;
			}
		}
		if (p->winner)
			return;
	}
	if (busy == 0 && list_isempty(&p->limbo) && !p->idle_told) {
		p->idle_told = true;
		tell(p, POOL_EV_IDLE, NULL, 0, "");
	}
}

/* Runs pump() from the loop, once, after the current handler (a stagger wait pumps when it
 * ends). Deferred through the loop's queue, so a frame shows the pool after the pump. */
static void pump_soon(struct pool *p)
{
	if (!tmr_isrunning(&p->pump_tmr))
		loop_defer(&p->pump_job, pump, p);
}

/* Says, once the pool has started with more than one line, that a dropped live answer will
 * get no identification message, and why. */
static void ident_missing(struct pool *p)
{
	char msg[512];

	if (p->nlines < 2 || p->ident_file[0] || p->ident_job)
		return;
	if (p->ident_why[0])
		text_printf(msg, sizeof(msg),
		            "no identification message (%s): a person who answers while the rep is "
		            "on another line is hung up on without a word",
		            p->ident_why);
	else
		text_copy(msg, sizeof(msg),
		          "no identification message (dial.ident_file, or dial.ident_name and "
		          "dial.ident_callback): a person who answers while the rep is on another "
		          "line is hung up on without a word");
	log_warn("pool", "%s", msg);
	tell(p, POOL_EV_WARNING, NULL, 0, msg);
}

/* The spoken identification message is ready (or could not be made): dialling may start. */
static void ident_ready(int err, const char *path, const char *why, void *arg)
{
	struct pool *p = arg;

	/* path and why live in the job: kept before it is freed. */
	if (err)
		text_printf(p->ident_why, sizeof(p->ident_why), "cannot speak it: %s", why);
	else
		text_copy(p->ident_file, sizeof(p->ident_file), path);
	if (!err && (p->ident_fd = identmsg_hold(p->ident_file)) < 0) {
		/* Removed as stale by another loftdial in the moment since it was made. */
		err = -p->ident_fd;
		text_printf(p->ident_why, sizeof(p->ident_why), "cannot speak it: %s: %s",
		            p->ident_file, strerror(err));
		p->ident_file[0] = '\0';
	}
	identmsg_free(p->ident_job);
	p->ident_job = NULL;
	if (!err)
		log_info("pool", "identification message: %s", p->ident_file);
	else if (p->started)
		ident_missing(p);
	if (p->started)
		pump_soon(p);
}

/* Without a recorded identification message, the one spoken from the name and callback
 * number: the cached file at once, or a render on the loop that holds the first dial. */
static void ident_prepare(struct pool *p, const char *text, const char *dir)
{
	char why[256] = "";
	int err;

	if (!text[0])
		return;
	if (!dir || !*dir) {
		text_copy(p->ident_why, sizeof(p->ident_why), "cannot speak it: no data folder");
		return;
	}
	/* Held from here, so a render of another text elsewhere does not remove it. */
	if (identmsg_cached(dir, text, p->ident_file, sizeof(p->ident_file), NULL) &&
	    (p->ident_fd = identmsg_hold(p->ident_file)) >= 0) {
		log_info("pool", "identification message: %s (already made)", p->ident_file);
		return;
	}
	p->ident_file[0] = '\0';
	err = identmsg_start(&p->ident_job, dir, text, ident_ready, p, why, sizeof(why));
	if (err)
		text_printf(p->ident_why, sizeof(p->ident_why), "cannot speak it: %s",
		            why[0] ? why : strerror(err));
}

int pool_new(struct pool **pp, const struct pool_opts *o, const struct phone_opts *po, pool_h *h,
             void *arg, char *why, size_t whyn)
{
	char ident_text[IDENTMSG_TEXT_MAX] = "";
	struct pool *p;
	unsigned i;
	int err;

	if (!pp || !o || !po)
		return EINVAL;
	if (o->ring_timeout_ms < 1000) {
		text_printf(why, whyn, "the ring timeout must be at least 1 s");
		return EINVAL;
	}
	if (!o->country || !numbers_country_known(o->country)) {
		text_printf(why, whyn,
		            "phone.default_country '%.8s' is not a country loftdial knows",
		            o->country ? o->country : "");
		return EINVAL;
	}
	err = dialplan_check(o->dialplan, why, whyn);
	if (err)
		return err;
	if (o->amd != POOL_AMD_OFF && o->machine == POOL_MACHINE_VOICEMAIL &&
	    (!o->voicemail_file || !*o->voicemail_file)) {
		text_printf(why, whyn,
		            "dial.machine is voicemail but dial.voicemail_file is empty");
		return EINVAL;
	}
	if (!o->ident_file || !*o->ident_file) {
		/* A name or number that cannot be spoken is a config mistake to fix now, not a
		 * silence discovered when someone answers. */
		err = identmsg_text(o->ident_name, o->ident_callback, ident_text,
		                    sizeof(ident_text), why, whyn);
		if (err && err != ENOENT)
			return err;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return ENOMEM;
	p->ident_fd = -1;
	p->o = *o;
	p->h = h;
	p->arg = arg;
	text_copy(p->vm_file, sizeof(p->vm_file), o->voicemail_file ? o->voicemail_file : "");
	text_copy(p->ident_file, sizeof(p->ident_file), o->ident_file ? o->ident_file : "");
	text_copy(p->country, sizeof(p->country), o->country);
	text_copy(p->dialplan, sizeof(p->dialplan), o->dialplan);
	p->o.voicemail_file = p->vm_file;
	p->o.ident_file = p->ident_file;
	p->o.country = p->country;
	p->o.dialplan = p->dialplan;
	p->o.ident_name = p->o.ident_callback = p->o.ident_dir = NULL; /* not kept: cfg's strings */
	p->nlines = po->lines;
	p->active = po->lines;
	list_init(&p->queue);
	list_init(&p->limbo);
	tmr_init(&p->pump_tmr);
	tmr_init(&p->round_tmr);
	loop_job_init(&p->pump_job);
	tmr_init(&p->amd_tmr);
	for (i = 0; i < PHONE_LINES_MAX; i++) {
		struct leg *g = &p->legs[i];

		g->n = i + 1;
		g->p = p;
		tmr_init(&g->ring_tmr);
		tmr_init(&g->confirm_tmr);
		tmr_init(&g->ext_tmr);
		tmr_init(&g->talk_tmr);
	}
	if (po->mode == PHONE_CONNECT && p->o.amd != POOL_AMD_OFF) {
		/* One process: no per-line recordings, so no AMD (docs/telephony.md). */
		log_info("pool", "engine.mode connect: answering-machine detection is off");
		p->o.amd = POOL_AMD_OFF;
	}
	{
		struct phone_opts popts = *po;

		/* The far end is recorded for AMD, and to hear the beep of a voicemail drop. */
		popts.record = p->o.amd != POOL_AMD_OFF || p->vm_file[0];
		err = phone_start(&p->phone, &popts, phone_note, p, why, whyn);
	}
	if (err) {
		free(p);
		return err;
	}
	ident_prepare(p, ident_text, o->ident_dir ? o->ident_dir : po->dir);
	*pp = p;
	return 0;
}

int pool_add(struct pool *p, const char *line, void *user)
{
	struct qitem *q;

	if (!p || !line)
		return EINVAL;
	/* Checked before anything is kept: a line is dialled as given or not at all. */
	if (strlen(line) > POOL_INPUT_MAX)
		return E2BIG;
	if (!text_is_clean(line))
		return EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return ENOMEM;
	text_copy(q->text, sizeof(q->text), line);
	q->user = user;
	list_append(&p->queue, &q->le, q);
	p->queued++;
	p->idle_told = false;
	if (p->started)
		pump_soon(p);
	return 0;
}

void pool_start(struct pool *p)
{
	if (!p || p->started)
		return;
	p->started = true;
	ident_missing(p);
	pump_soon(p);
}

void pool_resume(struct pool *p)
{
	if (!p || !p->wrapup)
		return;
	p->wrapup = false;
	pump_soon(p);
}

void pool_pause(struct pool *p, bool on)
{
	if (!p || p->paused == on)
		return;
	p->paused = on;
	p->changes++;
	if (!on && p->started)
		pump_soon(p);
}

int pool_set_lines(struct pool *p, unsigned n)
{
	if (!p)
		return EINVAL;
	if (n < 1 || n > p->nlines)
		return ERANGE;
	if (n == p->active)
		return 0;
	p->active = n;
	p->changes++;
	if (p->started)
		pump_soon(p);
	return 0;
}

unsigned pool_lines(const struct pool *p)
{
	return p ? p->active : 0;
}

void pool_stop(struct pool *p)
{
	struct le *le;
	unsigned i;

	if (!p || p->stopping)
		return;
	p->stopping = true;
	p->started = true;
	while ((le = list_head(&p->queue)) != NULL) {
		list_unlink(le);
		free(le->data);
	}
	p->queued = 0;
	for (i = 0; i < p->nlines; i++) {
		struct leg *g = &p->legs[i];

		if (!g->a)
			continue;
		/* Someone answered and was still being screened (never the rep's): stopping
		 * drops a live answer, who hears the identification message like any other. */
		if (g->a->t_answer && !g->a->connected && !g->voicemail)
			drop_live(g, WHY_STOP);
		else
			leg_hangup(g, WHY_STOP);
	}
	pump_soon(p);
}

void pool_free(struct pool *p)
{
	struct le *le;
	unsigned i;

	if (!p)
		return;
	tmr_cancel(&p->pump_tmr);
	tmr_cancel(&p->round_tmr);
	loop_defer_cancel(&p->pump_job);
	tmr_cancel(&p->amd_tmr);
	for (i = 0; i < PHONE_LINES_MAX; i++) {
		struct leg *g = &p->legs[i];

		tmr_cancel(&g->ring_tmr);
		tmr_cancel(&g->confirm_tmr);
		tmr_cancel(&g->ext_tmr);
		tmr_cancel(&g->talk_tmr);
		amd_stop(g);
		free(g->a);
	}
	while ((le = list_head(&p->queue)) != NULL) {
		list_unlink(le);
		free(le->data);
	}
	while ((le = list_head(&p->limbo)) != NULL) {
		struct limbo *lb = le->data;

		tmr_cancel(&lb->tmr);
		list_unlink(le);
		free(lb->a);
		free(lb);
	}
	identmsg_free(p->ident_job);
	if (p->ident_fd >= 0)
		close(p->ident_fd);
	phone_free(p->phone);
	free(p);
}

/* The connected leg, or NULL. */
static struct leg *connected(struct pool *p)
{
	struct leg *g = p ? leg_of(p, p->winner) : NULL;

	return g && g->a ? g : NULL;
}

int pool_hangup(struct pool *p)
{
	struct leg *g = connected(p);

	if (!g)
		return ENOENT;
	leg_hangup(g, WHY_USER);
	return 0;
}

int pool_dtmf(struct pool *p, const char *digits)
{
	struct leg *g = connected(p);
	int err;

	if (!g)
		return ENOENT;
	err = phone_dtmf(p->phone, g->n, digits);
	if (!err)
		tell(p, POOL_EV_DTMF, g->a, g->n, digits);
	return err;
}

int pool_mute(struct pool *p, bool on)
{
	struct leg *g = connected(p);

	return g ? phone_mute(p->phone, g->n, on) : ENOENT;
}

int pool_hold(struct pool *p, bool on)
{
	struct leg *g = connected(p);

	return g ? phone_hold(p->phone, g->n, on) : ENOENT;
}

int pool_voicemail_drop(struct pool *p)
{
	struct leg *g = connected(p);

	if (!p)
		return EINVAL;
	if (!g || g->hangup_sent)
		return ENOENT;
	if (!p->vm_file[0])
		return EINVAL;
	vm_begin(g);
	return 0;
}

int pool_redial(struct pool *p)
{
	struct qitem *q;

	if (!p || !p->last_input[0])
		return ENOENT;
	q = calloc(1, sizeof(*q));
	if (!q)
		return ENOMEM;
	text_copy(q->text, sizeof(q->text), p->last_input);
	q->user = p->last_user;
	list_prepend(&p->queue, &q->le, q);
	p->queued++;
	p->idle_told = false;
	if (p->started)
		pump_soon(p);
	return 0;
}

struct phone *pool_phone(const struct pool *p)
{
	return p ? p->phone : NULL;
}

unsigned pool_busy(const struct pool *p)
{
	unsigned i, n = 0;

	for (i = 0; p && i < p->nlines; i++)
		n += p->legs[i].a != NULL;
	return n;
}

unsigned pool_queued(const struct pool *p)
{
	return p ? p->queued : 0;
}

const struct pool_attempt *pool_line_attempt(const struct pool *p, unsigned line)
{
	if (!p || line < 1 || line > p->nlines)
		return NULL;
	return p->legs[line - 1].a;
}

bool pool_line_up(const struct pool *p, unsigned line)
{
	return p && phone_line_up(p->phone, line);
}

unsigned pool_connected_line(const struct pool *p)
{
	return p ? p->winner : 0;
}

/* ---- snapshot: the state a face draws, copied out ---- */

static const char *const line_phase_names[] = {
        [POOL_LINE_DOWN] = "down",
        [POOL_LINE_IDLE] = "idle",
        [POOL_LINE_DIALING] = "dialing",
        [POOL_LINE_RINGING] = "ringing",
        [POOL_LINE_ANSWERED] = "answered",
        [POOL_LINE_SCREENING] = "screening",
        [POOL_LINE_CONNECTED] = "connected",
        [POOL_LINE_VOICEMAIL] = "voicemail",
        [POOL_LINE_HANGING_UP] = "hanging up",
};

static const char *const phase_names[] = {
        [POOL_PHASE_READY] = "ready",       [POOL_PHASE_DIALING] = "dialing",
        [POOL_PHASE_WRAPUP] = "wrap-up",    [POOL_PHASE_IDLE] = "idle",
        [POOL_PHASE_STOPPING] = "stopping", [POOL_PHASE_STOPPED] = "stopped",
};

_Static_assert(sizeof(line_phase_names) / sizeof(line_phase_names[0]) == POOL_LINE_PHASE_COUNT,
               "a line phase without a name");
_Static_assert(sizeof(phase_names) / sizeof(phase_names[0]) == POOL_PHASE_COUNT,
               "a pool phase without a name");

const char *pool_line_phase_name(enum pool_line_phase ph)
{
	return (unsigned)ph < POOL_LINE_PHASE_COUNT && line_phase_names[ph] ? line_phase_names[ph]
	                                                                    : "?";
}

const char *pool_phase_name(enum pool_phase ph)
{
	return (unsigned)ph < POOL_PHASE_COUNT && phase_names[ph] ? phase_names[ph] : "?";
}

uint64_t pool_changes(const struct pool *p)
{
	return p ? p->changes : 0;
}

/* A line's phase from its leg: the furthest step the call has reached. */
static enum pool_line_phase line_phase(const struct leg *g, bool up)
{
	const struct pool_attempt *a = g->a;

	if (!a)
		return up ? POOL_LINE_IDLE : POOL_LINE_DOWN;
	if (g->hangup_sent || g->ident)
		return POOL_LINE_HANGING_UP;
	if (g->voicemail)
		return POOL_LINE_VOICEMAIL;
	if (a->connected)
		return POOL_LINE_CONNECTED;
	if (g->screening)
		return POOL_LINE_SCREENING;
	if (a->t_answer)
		return POOL_LINE_ANSWERED;
	if (a->t_ring)
		return POOL_LINE_RINGING;
	return POOL_LINE_DIALING;
}

static enum pool_phase pool_phase_of(const struct pool *p)
{
	if (p->stopped)
		return POOL_PHASE_STOPPED;
	if (p->stopping)
		return POOL_PHASE_STOPPING;
	if (!p->started)
		return POOL_PHASE_READY;
	if (p->wrapup)
		return POOL_PHASE_WRAPUP;
	if (pool_busy(p) || p->queued)
		return POOL_PHASE_DIALING;
	return POOL_PHASE_IDLE;
}

void pool_snapshot(const struct pool *p, struct pool_snapshot *out)
{
	struct le *le;
	unsigned i;

	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	if (!p)
		return;
	out->phase = pool_phase_of(p);
	out->nlines = p->nlines;
	out->busy = pool_busy(p);
	out->queued = p->queued;
	out->connected_line = p->winner;
	out->attempts = p->next_id;
	out->changes = p->changes;
	out->active_lines = p->active;
	out->paused = p->paused;
	for (i = 0; i < p->nlines; i++) {
		const struct leg *g = &p->legs[i];
		struct pool_line_snap *l = &out->lines[i];
		struct engine *e = phone_engine(p->phone, i + 1);

		l->line = i + 1;
		l->up = phone_line_up(p->phone, i + 1);
		l->phase = line_phase(g, l->up);
		l->restarts = e ? engine_restarts(e) : 0;
		if (g->a) {
			l->has_attempt = true;
			l->a = *g->a;
		}
	}
	for (le = list_head(&p->queue); le && out->nnext < POOL_SNAP_QUEUE; le = le->next) {
		const struct qitem *q = le->data;

		text_copy(out->next[out->nnext++], sizeof(out->next[0]), q->text);
	}
}

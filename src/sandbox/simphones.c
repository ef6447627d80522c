/*
 * simphones: the SIP side of the simulated phones: one libre SIP stack listening on UDP and
 * TCP, a session socket that takes every INVITE, and one struct call per live call that plays
 * its number's behaviour on libre timers.
 *
 * A call goes: INVITE -> (immediate final reply, no call kept) for invalid numbers and
 * instant busy; otherwise 180 Ringing, then after ring_ms either 200 OK with SDP and RTP
 * (human, voicemail, hangup, late), a final error (busy, reject), 183 with SDP and an
 * announcement followed by a final error (early), or nothing until the caller cancels (no
 * answer). Media is 20 ms G.711 frames (PCMU or PCMA, whichever the offer lists first) paced
 * by a timer against the loop's clock, so a late timer sends the frames it owes instead of
 * drifting. After the recording, low comfort noise keeps RTP flowing like an open line.
 *
 * A held call (ring=held) rings without a timer until simphones_release() runs its step; a
 * release with no gap runs every step in the one loop turn, so the answers all leave before
 * any CANCEL that one of them provokes can be read.
 *
 * Calls end by CANCEL or BYE from the caller, by the behaviour (BYE, a final error), by the
 * per-call cap, or by simphones_close(). Every path ends in call_destroy(), which frees the
 * call at once; libre keeps the SIP session alive on its own while a BYE is in flight.
 *
 * Each call's steps (INVITE, release, answer, end) are also noted with CLOCK_MONOTONIC
 * microseconds in a ring of the last SIMPHONES_TIMELINE_MAX calls (simphones_timeline()), so a
 * benchmark in another process can time what follows an answer against the phones' own clock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <re.h>
#include <rem.h>

#include "loftdial/log.h"
#include "loftdial/paths.h"
#include "simphones.h"
#include "simphones_heard.h"
#include "loftdial/text.h"

#define MOD           "simphones"
#define FRAME_MS      20
#define FRAME_SAMPLES 160
#define CALLS_MAX     256
#define OVERRIDES_MAX 10000
#define CATCHUP_MAX   10 /* frames sent at once after a stalled loop */
#define NOISE_PEAK    12 /* comfort noise, about -70 dBFS */
#define EARLY_TAIL_MS 300
#define MAX_CALL_MS   600000u
/* RTP above 40000: the test suites give their servers ports below the kernel's ephemeral
 * range (tests/lib/testlib.h), and a call's RTP taken there could land on a port a test chose
 * and has not bound yet. */
#define RTP_PORT_MIN 40000
#define RTP_PORT_MAX 59999

struct override {
	struct le le;
	char key[33];
	struct simphone_behaviour b;
};

struct simphones {
	struct sip *sip;
	struct sipsess_sock *sock;
	struct list calls;
	struct list overrides;
	struct simphones_audio *audio;
	bool synthetic;
	struct sa laddr; /* bound SIP address */
	unsigned max_call_ms;
	unsigned next_id;
	bool has_mix;
	struct simphones_mix mix;   /* the default for numbers without an override */
	struct simphones_deal deal; /* its state in call order */
	struct simphones_stats st;
	struct heard_log *heard; /* what answered calls heard (simphones_heard_*) */
	/* The calls' steps, call id N at [(N - 1) % SIMPHONES_TIMELINE_MAX]. */
	struct simphones_timing timeline[SIMPHONES_TIMELINE_MAX];
};

enum call_state { CALL_RINGING, CALL_EARLY, CALL_ANSWERED };

struct call {
	struct le le;
	struct simphones *sp;
	unsigned id;
	char number[64]; /* sanitised, for logs */
	char raw[64];    /* as dialled, for simphones_release() */
	struct simphone_behaviour b;
	enum call_state state;
	bool held; /* ringing until released */
	struct sipsess *sess;
	struct sdp_session *sdp;
	struct sdp_media *sdpm;
	struct rtp_sock *rtp;
	struct tmr tmr_step; /* the behaviour's next step */
	struct tmr tmr_rtp;  /* frame pacing */
	struct tmr tmr_cap;  /* the hard cap on the call's length */
	/* Media. */
	bool media;
	uint8_t pt; /* 0 PCMU, 8 PCMA */
	int te_pt;  /* the telephone-event payload type agreed, -1 none */
	struct sa raddr;
	uint64_t t0;   /* loop ms when media started */
	uint64_t sent; /* frames sent */
	uint32_t ts0;  /* first RTP timestamp */
	const struct simphones_clip *clip;
	size_t clip_pos;
	size_t lead_left; /* samples of quiet before the clip */
	bool clip_done;
	uint32_t noise;      /* comfort-noise generator state */
	struct heard *heard; /* the caller's audio, kept once answered */
};

static void call_destroy(struct call *call);

/* Wall clock in unix ms (what the heard log reports). */
static int64_t unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* CLOCK_MONOTONIC in microseconds (what the timeline reports). */
static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A call's timeline record, or NULL when newer calls have taken its slot (a long call). */
static struct simphones_timing *timing_of(const struct call *call)
{
	struct simphones_timing *t;

	if (!call->id)
		return NULL;
	t = &call->sp->timeline[(call->id - 1) % SIMPHONES_TIMELINE_MAX];
	return t->id == call->id ? t : NULL;
}

/* Notes how a call ended, once: the first cause seen is the one kept. */
static void timing_end(const struct call *call, enum simphones_end end, uint16_t code)
{
	struct simphones_timing *t = timing_of(call);

	if (!t || t->end != SIMPHONES_END_NONE)
		return;
	t->end = end;
	t->code = code;
	t->end_us = mono_us();
}

/* "ip:port" of an address, for logs (log_msg has no %J). */
static const char *sa_str(const struct sa *sa, char *buf, size_t n)
{
	if (re_snprintf(buf, n, "%J", sa) < 0)
		text_copy(buf, n, "?");
	return buf;
}

/* Frees a call's resources; the SIP session sends BYE by itself when it was answered. */
static void call_destructor(void *arg)
{
	struct call *call = arg;

	tmr_cancel(&call->tmr_step);
	tmr_cancel(&call->tmr_rtp);
	tmr_cancel(&call->tmr_cap);
	list_unlink(&call->le);
	/* A call freed without a cause (a failed accept) is noted as a final reply. */
	timing_end(call, SIMPHONES_END_REPLY, 500);
	heard_end(call->sp->heard, call->heard, unix_ms());
	mem_deref(call->sess);
	mem_deref(call->rtp);
	mem_deref(call->sdp);
}

/* Unlinks and frees a call. */
static void call_destroy(struct call *call)
{
	list_unlink(&call->le);
	call->sp->st.active = list_count(&call->sp->calls);
	mem_deref(call);
}

/* Sends a final error for a call not yet answered, and ends it. */
static void call_reject(struct call *call, uint16_t code)
{
	int err = sipsess_reject(call->sess, code, simphones_reason(code), NULL);

	timing_end(call, SIMPHONES_END_REPLY, code);

	if (err)
		log_warn(MOD, "call %u to %s: sending %u failed: %s", call->id, call->number, code,
		         strerror(err));
	else
		log_info(MOD, "call %u to %s: %u %s", call->id, call->number, code,
		         simphones_reason(code));
	call->sp->st.rejected++;
	call_destroy(call);
}

/* Ends an answered call from our side (BYE). */
static void call_bye(struct call *call, const char *why)
{
	timing_end(call, SIMPHONES_END_BYE_OUT, 0);
	log_info(MOD, "call %u to %s: hanging up (%s)", call->id, call->number, why);
	call->sp->st.bye_sent++;
	call_destroy(call);
}

/* The next sample to send: the lead-in quiet, the clip, then comfort noise. */
static int16_t next_sample(struct call *call)
{
	if (call->lead_left) {
		call->lead_left--;
	} else if (call->clip && call->clip_pos < call->clip->n) {
		return call->clip->pcm[call->clip_pos++];
	} else {
		call->clip_done = true;
	}
	call->noise = call->noise * 1664525u + 1013904223u;
	return (int16_t)((int)(call->noise >> 24) % (2 * NOISE_PEAK + 1) - NOISE_PEAK);
}

/* Encodes and sends one 20 ms frame. */
static int frame_send(struct call *call)
{
	struct mbuf *mb = mbuf_alloc(RTP_HEADER_SIZE + FRAME_SAMPLES);
	unsigned i;
	int err;

	if (!mb)
		return ENOMEM;
	mb->pos = mb->end = RTP_HEADER_SIZE;
	for (i = 0; i < FRAME_SAMPLES; i++) {
		int16_t s = next_sample(call);

		mb->buf[mb->end++] = call->pt == 8 ? g711_pcm2alaw(s) : g711_pcm2ulaw(s);
	}
	err = rtp_send(call->rtp, &call->raddr, false, call->sent == 0, call->pt,
	               call->ts0 + (uint32_t)(call->sent * FRAME_SAMPLES), mb);
	mem_deref(mb);
	call->sent++;
	call->sp->st.rtp_packets++;
	return err;
}

/* The early-media announcement is over: fail the call with the behaviour's code. */
static void early_done_h(void *arg)
{
	struct call *call = arg;

	call_reject(call, call->b.code ? call->b.code : 480);
}

/* Sends the frames that are due and schedules the next tick. */
static void rtp_tick_h(void *arg)
{
	struct call *call = arg;
	uint64_t now = tmr_jiffies(), due = (now - call->t0) / FRAME_MS + 1;
	unsigned n = 0;

	if (due > call->sent + CATCHUP_MAX)
		call->sent = due - CATCHUP_MAX; /* the loop stalled: skip, keep timestamps right */
	while (call->sent < due && n++ < CATCHUP_MAX) {
		int err = frame_send(call);

		if (err && err != EAGAIN)
			log_debug(MOD, "call %u: rtp send: %s", call->id, strerror(err));
	}
	if (call->clip_done && call->state == CALL_EARLY && !tmr_isrunning(&call->tmr_step))
		tmr_start(&call->tmr_step, EARLY_TAIL_MS, early_done_h, call);
	tmr_start(&call->tmr_rtp, call->t0 + call->sent * FRAME_MS - now, rtp_tick_h, call);
}

/* Starts sending a clip of a class, after lead_ms of quiet. */
static void media_start(struct call *call, enum simphones_class cls, unsigned lead_ms)
{
	if (call->b.greet_ms && cls != SIMPHONES_ANNOUNCE)
		call->clip = simphones_audio_clip_near(call->sp->audio, cls, call->b.greet_ms,
		                                       call->b.voice);
	else
		call->clip = simphones_audio_clip(call->sp->audio, cls, call->b.voice);
	call->clip_pos = 0;
	call->clip_done = false;
	call->lead_left = (size_t)lead_ms * 8;
	if (call->media)
		return;
	call->media = true;
	call->t0 = tmr_jiffies();
	call->sent = 0;
	call->ts0 = rand_u32();
	call->noise = call->id * 2654435761u;
	rtp_tick_h(call);
}

/* Reads the remote SDP offer: address and the first G.711 format we share. */
static int offer_apply(struct call *call, const struct sip_msg *msg)
{
	const struct sdp_format *fmt = NULL;
	struct le *le;
	int err;

	if (!mbuf_get_left(msg->mb))
		return EPROTO;
	err = sdp_decode(call->sdp, msg->mb, true);
	if (err)
		return err;
	/* The first G.711 format of the offer that we share (telephone-event is no audio). */
	for (le = list_head(sdp_media_format_lst(call->sdpm, false)); le; le = le->next) {
		const struct sdp_format *f = le->data;

		if (f->sup && (!strcasecmp(f->name, "PCMU") || !strcasecmp(f->name, "PCMA"))) {
			fmt = f;
			break;
		}
	}
	if (!fmt || !sa_isset(sdp_media_raddr(call->sdpm), SA_ALL))
		return ENOENT;
	call->pt = (uint8_t)fmt->pt;
	fmt = sdp_media_rformat(call->sdpm, "telephone-event");
	call->te_pt = fmt ? fmt->pt : -1;
	call->raddr = *sdp_media_raddr(call->sdpm);
	return 0;
}

/* A re-INVITE (hold, resume): take the new offer and answer it. */
static int offer_h(struct mbuf **descp, const struct sip_msg *msg, void *arg)
{
	struct call *call = arg;
	int err = offer_apply(call, msg);
	enum sdp_dir dir;

	if (err)
		return err;
	/* A caller that only sends (a=sendonly), or neither sends nor receives, has put us on
	 * hold. libre keeps the remote direction from our side: its sendonly is our recvonly. */
	dir = sdp_media_rdir(call->sdpm);
	heard_hold(call->heard, dir == SDP_RECVONLY || dir == SDP_INACTIVE);
	log_info(MOD, "call %u to %s: re-INVITE (%s)", call->id, call->number,
	         dir == SDP_RECVONLY || dir == SDP_INACTIVE ? "on hold" : "resumed");
	return sdp_encode(descp, call->sdp, false);
}

/* An SDP answer in an ACK (we never offer first, so nothing to do). */
static int answer_h(const struct sip_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return 0;
}

/* The caller acknowledged our 200 OK. */
static void estab_h(const struct sip_msg *msg, void *arg)
{
	struct call *call = arg;

	(void)msg;
	log_debug(MOD, "call %u to %s: established", call->id, call->number);
}

/* The caller cancelled or hung up, or the session failed (no ACK, ...). */
static void close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct call *call = arg;

	(void)msg;
	timing_end(call, call->state == CALL_ANSWERED ? SIMPHONES_END_BYE_IN : SIMPHONES_END_CANCEL,
	           0);
	if (call->state == CALL_ANSWERED)
		call->sp->st.bye_received++;
	else
		call->sp->st.cancelled++;
	log_info(MOD, "call %u to %s: closed by the caller (%s)", call->id, call->number,
	         err ? strerror(err) : "BYE");
	call_destroy(call);
}

/* The timer that ends an answered call: HANGUP's own time, or max_ms. */
static void bye_step_h(void *arg);

/* Time to take the call off the hook. */
static void answer_step_h(void *arg)
{
	struct call *call = arg;
	struct mbuf *desc = NULL;
	struct simphones_timing *t;
	int64_t t_answer = 0;
	int err;

	err = sdp_encode(&desc, call->sdp, false);
	/* The answer's time is taken before the 200 OK goes: a process paused right after the
	 * send would otherwise note a time after the caller had already acted on it. */
	if (!err) {
		t_answer = mono_us();
		err = sipsess_answer(call->sess, 200, "OK", desc, NULL);
	}
	mem_deref(desc);
	if (err) {
		log_warn(MOD, "call %u to %s: answer failed: %s", call->id, call->number,
		         strerror(err));
		call_reject(call, 500);
		return;
	}
	t = timing_of(call);
	if (t)
		t->answer_us = t_answer;
	call->state = CALL_ANSWERED;
	call->sp->st.answered++;
	media_start(call, call->b.kind == SIMPHONE_VOICEMAIL ? SIMPHONES_MACHINE : SIMPHONES_HUMAN,
	            call->b.lead_ms);
	/* From now on the caller's audio is kept, sample 0 being this answer. */
	call->heard =
	        heard_start(call->sp->heard, call->id, call->number, call->b.kind,
	                    call->b.lead_ms + (call->clip ? (unsigned)(call->clip->n / 8) : 0),
	                    unix_ms(), tmr_jiffies());
	/* The clip and its length: tests check the greeting lengths a mix asked for. */
	log_info(MOD, "call %u to %s: answered (%s, greeting %s %zu ms)", call->id, call->number,
	         simphones_kind_name(call->b.kind), call->clip ? call->clip->name : "-",
	         call->clip ? call->clip->n / 8 : 0);
	if (call->b.kind == SIMPHONE_HANGUP)
		tmr_start(&call->tmr_step, call->b.hangup_ms, bye_step_h, call);
	else if (call->b.max_ms)
		tmr_start(&call->tmr_step, call->b.max_ms, bye_step_h, call);
}

/* Ringing is over for a busy or rejecting phone. */
static void reject_step_h(void *arg)
{
	struct call *call = arg;

	call_reject(call, call->b.code ? call->b.code : 486);
}

/* Ringing is over for an early-media failure: 183 with SDP and the announcement. */
static void early_step_h(void *arg)
{
	struct call *call = arg;
	struct mbuf *desc = NULL;
	int err;

	err = sdp_encode(&desc, call->sdp, false);
	if (!err)
		err = sipsess_progress(call->sess, 183, "Session Progress", desc, NULL);
	mem_deref(desc);
	if (err) {
		call_reject(call, call->b.code ? call->b.code : 480);
		return;
	}
	call->state = CALL_EARLY;
	log_info(MOD, "call %u to %s: early media", call->id, call->number);
	media_start(call, SIMPHONES_ANNOUNCE, 0);
}

/* The behaviour's own hang-up time (HANGUP, or max_ms of an answered call). */
static void bye_step_h(void *arg)
{
	call_bye(arg, "behaviour");
}

/* The hard cap: nobody rings or talks forever. */
static void cap_h(void *arg)
{
	struct call *call = arg;

	if (call->state == CALL_ANSWERED)
		call_bye(call, "call too long");
	else
		call_reject(call, 480);
}

/* True when the behaviour sends audio (and so needs the caller's SDP). */
static bool kind_has_media(enum simphone_kind k)
{
	return k == SIMPHONE_HUMAN || k == SIMPHONE_VOICEMAIL || k == SIMPHONE_EARLY ||
	       k == SIMPHONE_HANGUP || k == SIMPHONE_LATE;
}

/* RTP from the caller: kept in the heard log once the call is answered. */
static void on_rtp(const struct sa *src, const struct rtp_header *hdr, struct mbuf *mb, void *arg)
{
	struct call *call = arg;

	(void)src;
	if (call->heard && hdr && call->te_pt >= 0 && hdr->pt == call->te_pt)
		heard_dtmf(call->heard, hdr->ts, mbuf_buf(mb), mbuf_get_left(mb));
	else if (call->heard && hdr)
		heard_rtp(call->heard, hdr->pt, hdr->ssrc, hdr->ts, mbuf_buf(mb), mbuf_get_left(mb),
		          tmr_jiffies());
}

/* RTCP from the caller: ignored. */
static void on_rtcp(const struct sa *src, struct rtcp_msg *msg, void *arg)
{
	(void)src;
	(void)msg;
	(void)arg;
}

/* Sets up RTP and SDP for a call and reads the offer. */
static int media_alloc(struct call *call, const struct sip_msg *msg)
{
	struct sa ip = call->sp->laddr;
	int err;

	sa_set_port(&ip, 0);
	err = rtp_listen(&call->rtp, IPPROTO_UDP, &ip, RTP_PORT_MIN, RTP_PORT_MAX, true, on_rtp,
	                 on_rtcp, call);
	if (err)
		return err;
	err = sdp_session_alloc(&call->sdp, &ip);
	if (!err)
		err = sdp_media_add(&call->sdpm, call->sdp, "audio", sa_port(rtp_local(call->rtp)),
		                    "RTP/AVP");
	if (!err)
		err = sdp_format_add(NULL, call->sdpm, false, "0", "PCMU", 8000, 1, NULL, NULL,
		                     NULL, false, NULL);
	if (!err)
		err = sdp_format_add(NULL, call->sdpm, false, "8", "PCMA", 8000, 1, NULL, NULL,
		                     NULL, false, NULL);
	/* DTMF as RFC 4733 events, so a caller's keys reach the phone (baresip's sndcode). */
	if (!err)
		err = sdp_format_add(NULL, call->sdpm, false, "101", "telephone-event", 8000, 1,
		                     NULL, NULL, NULL, false, "0-15");
	if (!err)
		err = sdp_media_set_lattr(call->sdpm, true, "ptime", "%u", FRAME_MS);
	if (!err)
		err = offer_apply(call, msg);
	return err;
}

/* The number dialled: the request URI's user part, without parameters. */
static void number_of(const struct sip_msg *msg, char *raw, size_t n)
{
	struct pl user = msg->uri.user;
	const char *semi = pl_strchr(&user, ';');

	if (semi)
		user.l = (size_t)(semi - user.p);
	if (pl_strcpy(&user, raw, n))
		raw[0] = '\0';
}

/* The step that ends ringing for a kind (NULL: it rings until cancelled). */
static tmr_h *ring_step(enum simphone_kind kind)
{
	switch (kind) {
	case SIMPHONE_HUMAN:
	case SIMPHONE_VOICEMAIL:
	case SIMPHONE_HANGUP:
	case SIMPHONE_LATE:
		return answer_step_h;
	case SIMPHONE_BUSY:
	case SIMPHONE_REJECT:
	case SIMPHONE_INVALID:
		return reject_step_h;
	case SIMPHONE_EARLY:
		return early_step_h;
	default:
		return NULL;
	}
}

/* Starts ringing and schedules the behaviour's next step. */
static void call_schedule(struct call *call)
{
	const struct simphone_behaviour *b = &call->b;
	tmr_h *step = ring_step(b->kind);

	if (step && b->held)
		call->held = true; /* simphones_release() takes the step */
	else if (step)
		tmr_start(&call->tmr_step, b->ring_ms, step, call);
	else if (b->kind == SIMPHONE_NO_ANSWER && b->max_ms)
		tmr_start(&call->tmr_step, b->max_ms, cap_h, call);
	tmr_start(&call->tmr_cap, call->sp->max_call_ms, cap_h, call);
}

/* The behaviour of a new call: its override, else the mix (dealt in call order or by
 * number), else the number's default. */
static void behaviour_for_call(struct simphones *sp, const char *number,
                               struct simphone_behaviour *b)
{
	bool over = false;

	if (!simphones_get_behaviour(sp, number, b, &over) && over)
		return;
	if (sp->has_mix && sp->mix.by_call && !simphones_mix_deal(&sp->mix, &sp->deal, number, b))
		return;
	if (simphones_get_behaviour(sp, number, b, NULL))
		simphones_behaviour_of("", b);
}

/* A new INVITE. */
static void conn_h(const struct sip_msg *msg, void *arg)
{
	struct simphones *sp = arg;
	struct simphone_behaviour b;
	struct call *call = NULL;
	char raw[64], shown[64], spec[160], from[64];
	uint16_t code = 0;
	int64_t t_invite = mono_us();
	struct simphones_timing *t;
	int err;

	sp->st.invites++;
	number_of(msg, raw, sizeof(raw));
	text_sanitize(shown, sizeof(shown), raw, true);
	behaviour_for_call(sp, raw, &b);
	if (simphones_behaviour_print(spec, sizeof(spec), &b))
		spec[0] = '\0';
	log_info(MOD, "INVITE for %s from %s: %s", shown, sa_str(&msg->src, from, sizeof(from)),
	         spec);

	/* Invalid numbers and instant busy: a final reply, no call to keep. */
	if (b.kind == SIMPHONE_INVALID || (b.kind == SIMPHONE_BUSY && !b.ring_ms && !b.held)) {
		code = b.code ? b.code : 404;
		goto reply;
	}
	if (list_count(&sp->calls) >= CALLS_MAX) {
		code = 503;
		goto reply;
	}
	call = mem_zalloc(sizeof(*call), call_destructor);
	if (!call) {
		code = 500;
		goto reply;
	}
	call->sp = sp;
	call->id = ++sp->next_id;
	call->te_pt = -1;
	call->b = b;
	call->state = CALL_RINGING;
	text_copy(call->number, sizeof(call->number), shown);
	text_copy(call->raw, sizeof(call->raw), raw);
	t = &sp->timeline[(call->id - 1) % SIMPHONES_TIMELINE_MAX];
	memset(t, 0, sizeof(*t));
	t->id = call->id;
	text_copy(t->number, sizeof(t->number), shown);
	t->kind = b.kind;
	t->held = b.held;
	t->invite_us = t_invite;
	tmr_init(&call->tmr_step);
	tmr_init(&call->tmr_rtp);
	tmr_init(&call->tmr_cap);
	if (kind_has_media(b.kind)) {
		err = media_alloc(call, msg);
		if (err) {
			log_info(MOD, "call %u to %s: no usable SDP offer (%s)", call->id, shown,
			         strerror(err));
			code = 488;
			goto reply;
		}
	}
	err = sipsess_accept(&call->sess, sp->sock, msg, 180, "Ringing", "phone", "application/sdp",
	                     NULL, NULL, NULL, false, offer_h, answer_h, estab_h, NULL, NULL,
	                     close_h, call, NULL);
	if (err) {
		log_warn(MOD, "call %u to %s: accept failed: %s", call->id, shown, strerror(err));
		code = 500;
		goto reply;
	}
	list_append(&sp->calls, &call->le, call);
	sp->st.active = list_count(&sp->calls);
	call_schedule(call);
	return;

reply:
	if (call)
		timing_end(call, SIMPHONES_END_REPLY, code);
	mem_deref(call);
	sp->st.rejected++;
	(void)sip_treply(NULL, sp->sip, msg, code, simphones_reason(code));
	log_info(MOD, "INVITE for %s: %u %s", shown, code, simphones_reason(code));
}

/* Logs the first line of every SIP message (opts.trace). */
static void trace_h(bool tx, enum sip_transp tp, const struct sa *src, const struct sa *dst,
                    const uint8_t *pkt, size_t len, void *arg)
{
	char raw[128], line[128], a[64], b[64];
	size_t n = 0;

	(void)arg;
	(void)tp;
	while (n < len && n + 1 < sizeof(raw) && pkt[n] != '\r' && pkt[n] != '\n') {
		raw[n] = (char)pkt[n];
		n++;
	}
	raw[n] = '\0';
	text_sanitize(line, sizeof(line), raw, true);
	log_debug(MOD, "%s %s -> %s: %s", tx ? "sent" : "received", sa_str(src, a, sizeof(a)),
	          sa_str(dst, b, sizeof(b)), line);
}

/* Called when a graceful sip_close finishes (we always force). */
static void on_sip_exit(void *arg)
{
	(void)arg;
}

/* Opens the phones. */
int simphones_open(struct simphones **spp, const struct simphones_opts *o)
{
	struct simphones *sp;
	char recdir[PATHS_MAX];
	const char *dir;
	char addr[64];
	struct sa udp;
	int err;

	if (!spp || !o || !o->listen)
		return EINVAL;
	sp = mem_zalloc(sizeof(*sp), NULL);
	if (!sp)
		return ENOMEM;
	*spp = NULL;
	sp->max_call_ms = o->max_call_ms ? o->max_call_ms : MAX_CALL_MS;
	err = heard_log_new(&sp->heard);
	if (err)
		goto out;
	err = sa_decode(&sp->laddr, o->listen, strlen(o->listen));
	if (err)
		goto out;

	dir = o->recordings;
	if (!dir || !*dir) {
		err = paths_share("recordings", recdir, sizeof(recdir));
		if (err)
			goto out;
		dir = recdir;
	}
	err = simphones_audio_load(&sp->audio, dir, &sp->synthetic);
	if (err) {
		log_error(MOD, "recordings in %s: %s", dir ? dir : "(none)", strerror(err));
		goto out;
	}
	if (sp->synthetic)
		log_warn(MOD, "recordings not found in %s: the phones play synthetic sounds",
		         dir ? dir : "(no folder)");

	err = sip_alloc(&sp->sip, NULL, 32, 32, 32, "loftdial-simphones/" LOFTDIAL_VERSION,
	                on_sip_exit, sp);
	if (err)
		goto out;
	err = sip_transp_add(sp->sip, SIP_TRANSP_UDP, &sp->laddr);
	if (err)
		goto out;
	/* With port 0 the UDP socket picked one; TCP takes the same port. */
	err = sip_transp_laddr(sp->sip, &udp, SIP_TRANSP_UDP, NULL);
	if (err)
		goto out;
	sp->laddr = udp;
	if (sip_transp_add(sp->sip, SIP_TRANSP_TCP, &sp->laddr))
		log_warn(MOD, "no TCP on %s (UDP only)", sa_str(&sp->laddr, addr, sizeof(addr)));
	if (o->trace)
		sip_set_trace_handler(sp->sip, trace_h);
	err = sipsess_listen(&sp->sock, sp->sip, 64, conn_h, sp);
	if (err)
		goto out;
	log_info(MOD, "listening on sip:%s (%s audio)", sa_str(&sp->laddr, addr, sizeof(addr)),
	         sp->synthetic ? "synthetic" : "recorded");
out:
	if (err)
		simphones_close(sp);
	else
		*spp = sp;
	return err;
}

/* Ends every call and frees everything. */
void simphones_close(struct simphones *sp)
{
	struct le *le;

	if (!sp)
		return;
	while ((le = list_head(&sp->calls))) {
		struct call *call = le->data;

		if (call->state == CALL_ANSWERED)
			call_bye(call, "shutting down");
		else
			call_reject(call, 503);
	}
	/* Forcing the close ends the BYEs in flight, which frees their sessions. */
	sip_close(sp->sip, true);
	sp->sock = mem_deref(sp->sock);
	sp->sip = mem_deref(sp->sip);
	list_flush(&sp->overrides);
	simphones_audio_free(sp->audio);
	heard_log_free(sp->heard);
	mem_deref(sp);
}

/* Unlinks an override from the list as it is freed. */
static void override_destructor_unlink(void *arg)
{
	struct override *ov = arg;

	list_unlink(&ov->le);
}

/* Finds the override of a digit key. */
static struct override *override_find(const struct simphones *sp, const char *key)
{
	struct le *le;

	for (le = list_head(&sp->overrides); le; le = le->next) {
		struct override *ov = le->data;

		if (!strcmp(ov->key, key))
			return ov;
	}
	return NULL;
}

/* Sets or clears an override. */
int simphones_set_behaviour(struct simphones *sp, const char *number, const char *spec)
{
	struct simphone_behaviour b;
	struct override *ov;
	char key[33];

	if (!sp || !number || simphones_number_key(key, sizeof(key), number) || !key[0])
		return EINVAL;
	ov = override_find(sp, key);
	if (!spec || !*spec || !strcmp(spec, "default")) {
		mem_deref(ov);
		sp->st.overrides = list_count(&sp->overrides);
		return 0;
	}
	if (simphones_behaviour_parse(spec, &b))
		return EINVAL;
	if (!ov) {
		if (list_count(&sp->overrides) >= OVERRIDES_MAX)
			return ENOSPC;
		ov = mem_zalloc(sizeof(*ov), override_destructor_unlink);
		if (!ov)
			return ENOMEM;
		text_copy(ov->key, sizeof(ov->key), key);
		list_append(&sp->overrides, &ov->le, ov);
	}
	ov->b = b;
	sp->st.overrides = list_count(&sp->overrides);
	return 0;
}

/* The behaviour a new call to number gets. */
int simphones_get_behaviour(const struct simphones *sp, const char *number,
                            struct simphone_behaviour *out, bool *overridden)
{
	const struct override *ov = NULL;
	char key[33];

	if (!sp || !number || !out)
		return EINVAL;
	if (!simphones_number_key(key, sizeof(key), number) && key[0])
		ov = override_find(sp, key);
	if (overridden)
		*overridden = ov != NULL;
	if (ov) {
		*out = ov->b;
		return 0;
	}
	if (sp->has_mix && sp->mix.by_call) {
		struct simphones_deal next = sp->deal; /* what the next call would be dealt */

		return simphones_mix_deal(&sp->mix, &next, number, out);
	}
	if (sp->has_mix)
		return simphones_mix_of(&sp->mix, number, out);
	return simphones_behaviour_of(number, out);
}

/* Drops every override. */
void simphones_clear_behaviours(struct simphones *sp)
{
	if (!sp)
		return;
	list_flush(&sp->overrides);
	sp->st.overrides = 0;
}

/* Sets or clears the mix. */
int simphones_set_mix(struct simphones *sp, const struct simphones_mix *m)
{
	if (!sp)
		return EINVAL;
	if (m && simphones_mix_check(m, NULL))
		return EINVAL;
	sp->has_mix = m != NULL;
	if (m)
		sp->mix = *m;
	memset(&sp->deal, 0, sizeof(sp->deal));
	return 0;
}

/* The current mix. */
bool simphones_get_mix(const struct simphones *sp, struct simphones_mix *m)
{
	if (!sp || !sp->has_mix)
		return false;
	if (m)
		*m = sp->mix;
	return true;
}

/* Held calls to a number's key (all held calls for an empty key), oldest first, into v. */
static size_t held_calls(struct simphones *sp, const char *key, struct call **v, size_t cap)
{
	size_t n = 0;
	struct le *le;

	for (le = list_head(&sp->calls); le && n < cap; le = le->next) {
		struct call *call = le->data;
		char k[33];

		if (!call->held)
			continue;
		if (key[0] && (simphones_number_key(k, sizeof(k), call->raw) || strcmp(k, key)))
			continue;
		v[n++] = call;
	}
	return n;
}

/* Takes a held call's step now. */
static void release_now(struct call *call)
{
	tmr_h *step = ring_step(call->b.kind);
	struct simphones_timing *t = timing_of(call);

	if (t)
		t->release_us = mono_us();
	call->held = false;
	if (step)
		step(call);
}

/* A delayed release is due. */
static void release_due_h(void *arg)
{
	release_now(arg);
}

/* Releases held calls. */
int simphones_release(struct simphones *sp, const char *const *numbers, size_t n, unsigned gap_ms,
                      unsigned *released, size_t *missing)
{
	struct call *v[CALLS_MAX];
	unsigned due[CALLS_MAX];
	size_t count = 0, i;
	char key[33], prev[33];

	if (released)
		*released = 0;
	if (!sp || (n && !numbers) || gap_ms > 3600000u)
		return EINVAL;
	for (i = 0; i < n; i++)
		if (!numbers[i] || simphones_number_key(key, sizeof(key), numbers[i]) || !key[0])
			return EINVAL;
	if (!n) {
		count = held_calls(sp, "", v, CALLS_MAX);
		for (i = 0; i < count; i++)
			due[i] = 0;
	}
	/* Collect first: nothing is released unless every number has a held call. A number
	 * listed twice counts once, at its first place. */
	for (i = 0; i < n; i++) {
		size_t got, j;

		(void)simphones_number_key(key, sizeof(key), numbers[i]); /* checked above */
		for (j = 0; j < i; j++)
			if (!simphones_number_key(prev, sizeof(prev), numbers[j]) &&
			    !strcmp(prev, key))
				break;
		if (j < i)
			continue;
		got = held_calls(sp, key, v + count, CALLS_MAX - count);
		if (!got) {
			if (missing)
				*missing = i;
			return ENOENT;
		}
		for (j = count; j < count + got; j++)
			due[j] = (unsigned)i * gap_ms;
		count += got;
	}
	if (!count) {
		if (missing)
			*missing = 0;
		return ENOENT;
	}
	/* Unhold them all before any step runs: a step may end its call (a rejection), and
	 * the pointers collected above must all still be live when they are used. */
	for (i = 0; i < count; i++) {
		v[i]->held = false;
		if (due[i])
			tmr_start(&v[i]->tmr_step, due[i], release_due_h, v[i]);
	}
	for (i = 0; i < count; i++) {
		if (!due[i])
			release_now(v[i]);
	}
	if (released)
		*released = (unsigned)count;
	log_info(MOD, "released %zu held call%s (gap %u ms)", count, count == 1 ? "" : "s", gap_ms);
	return 0;
}

/* Counters. */
void simphones_stats(const struct simphones *sp, struct simphones_stats *st)
{
	if (!st)
		return;
	if (!sp) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = sp->st;
	st->active = list_count(&sp->calls);
	st->held = 0;
	for (struct le *le = list_head(&sp->calls); le; le = le->next)
		st->held += ((struct call *)le->data)->held;
	st->overrides = list_count(&sp->overrides);
}

/* The bound SIP port. */
uint16_t simphones_port(const struct simphones *sp)
{
	return sp ? sa_port(&sp->laddr) : 0;
}

/* Synthetic audio in use? */
bool simphones_synthetic(const struct simphones *sp)
{
	return sp && sp->synthetic;
}

size_t simphones_heard_count(const struct simphones *sp)
{
	return sp ? heard_count(sp->heard) : 0;
}

int simphones_heard_info(const struct simphones *sp, size_t i, struct simphones_heard_info *out)
{
	return sp ? heard_info(sp->heard, i, out) : EINVAL;
}

int simphones_heard_wav(const struct simphones *sp, unsigned id, uint8_t **wav, size_t *len)
{
	return sp ? heard_wav(sp->heard, id, wav, len) : EINVAL;
}

size_t simphones_timeline(const struct simphones *sp, unsigned after_id,
                          struct simphones_timing *out, size_t cap)
{
	unsigned first, id;
	size_t n = 0;

	if (!sp || !out)
		return 0;
	/* The ring holds ids next_id - MAX + 1 .. next_id. */
	first = sp->next_id > SIMPHONES_TIMELINE_MAX ? sp->next_id - SIMPHONES_TIMELINE_MAX + 1 : 1;
	if (first <= after_id)
		first = after_id + 1;
	for (id = first; id <= sp->next_id && n < cap; id++) {
		const struct simphones_timing *t = &sp->timeline[(id - 1) % SIMPHONES_TIMELINE_MAX];

		if (t->id == id)
			out[n++] = *t;
	}
	return n;
}

const char *simphones_end_name(enum simphones_end end)
{
	switch (end) {
	case SIMPHONES_END_CANCEL:
		return "cancel";
	case SIMPHONES_END_BYE_IN:
		return "bye-received";
	case SIMPHONES_END_BYE_OUT:
		return "bye-sent";
	case SIMPHONES_END_REPLY:
		return "reply";
	case SIMPHONES_END_NONE:
		break;
	}
	return "";
}

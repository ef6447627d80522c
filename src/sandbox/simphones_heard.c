/*
 * simphones_heard: what the simulated phones heard. Every answered call keeps the caller's
 * audio (its G.711 RTP payloads), placed on a timeline whose sample 0 is the moment the phone
 * answered, so a test can ask both "did the callee get the message?" and "when did it start,
 * against the greeting and the beep?". The log keeps the last HEARD_KEEP ended calls (and every
 * live one); each call keeps at most HEARD_MAX_MS of audio.
 *
 * Placement: the first packet of a stream is put where it arrived (loop ms since the answer);
 * later packets follow their RTP timestamps from there, so arrival jitter does not smear the
 * audio. A new SSRC, or a timestamp that strays more than HEARD_REANCHOR samples from the
 * arrival time (a source switched by the caller), anchors the stream again. Gaps are G.711
 * silence. Other payload types are not audio and are skipped, but DTMF (RFC 4733
 * telephone-events, the payload type the answer offered) is kept as the digits pressed, and a
 * re-INVITE's direction as the call's hold state, so a test can see what the caller's keys did.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>
#include <rem.h>

#include "loftdial/text.h"
#include "simphones_heard.h"

#define HEARD_KEEP     32     /* ended calls kept */
#define HEARD_MAX_MS   120000 /* audio kept per call */
#define HEARD_RATE     8000
#define HEARD_REANCHOR 1600 /* 200 ms */

struct heard {
	struct le le;
	struct simphones_heard_info info;
	uint64_t t_answer; /* loop ms */
	uint8_t pt;        /* 0 PCMU, 8 PCMA: the codec of the bytes kept */
	uint8_t *buf;      /* G.711 bytes, one per sample */
	size_t n, cap;
	bool anchored;
	uint32_t ssrc, ts0;
	size_t pos0;
	bool ev_seen;   /* a telephone-event came; ev_ts is its timestamp */
	uint32_t ev_ts; /* one key press: every packet of an event has its start's timestamp */
};

struct heard_log {
	struct list calls; /* oldest first */
	unsigned ended;
};

int heard_log_new(struct heard_log **lp)
{
	struct heard_log *l;

	if (!lp)
		return EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return ENOMEM;
	list_init(&l->calls);
	*lp = l;
	return 0;
}

static void heard_free(struct heard *h)
{
	list_unlink(&h->le);
	free(h->buf);
	free(h);
}

void heard_log_free(struct heard_log *l)
{
	struct le *le;

	if (!l)
		return;
	while ((le = list_head(&l->calls)) != NULL)
		heard_free(le->data);
	free(l);
}

/* Drops the oldest ended calls beyond HEARD_KEEP. */
static void heard_trim(struct heard_log *l)
{
	struct le *le = list_head(&l->calls);

	while (l->ended > HEARD_KEEP && le) {
		struct heard *h = le->data;

		le = le->next;
		if (h->info.live)
			continue;
		heard_free(h);
		l->ended--;
	}
}

struct heard *heard_start(struct heard_log *l, unsigned id, const char *number,
                          enum simphone_kind kind, unsigned greeting_ms, int64_t unix_ms,
                          uint64_t loop_ms)
{
	struct heard *h;

	if (!l)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->info.id = id;
	text_copy(h->info.number, sizeof(h->info.number), number ? number : "");
	h->info.kind = kind;
	h->info.greeting_ms = greeting_ms;
	h->info.answered_unix_ms = unix_ms;
	h->info.live = true;
	h->t_answer = loop_ms;
	list_append(&l->calls, &h->le, h);
	return h;
}

/* Makes room for n samples (G.711 silence in what is new); false when over the cap. */
static bool heard_grow(struct heard *h, size_t n)
{
	uint8_t silence = h->pt == 8 ? 0xd5 : 0xff;
	size_t cap;
	uint8_t *b;

	if (n > (size_t)HEARD_MAX_MS * (HEARD_RATE / 1000))
		return false;
	if (n > h->cap) {
		cap = h->cap ? h->cap : HEARD_RATE;
		while (cap < n)
			cap *= 2;
		b = realloc(h->buf, cap);
		if (!b)
			return false;
		h->buf = b;
		h->cap = cap;
	}
	if (n > h->n) {
		memset(h->buf + h->n, silence, n - h->n);
		h->n = n;
	}
	return true;
}

void heard_rtp(struct heard *h, uint8_t pt, uint32_t ssrc, uint32_t ts, const uint8_t *payload,
               size_t len, uint64_t loop_ms)
{
	size_t arrival, pos;

	if (!h || !payload || !len || (pt != 0 && pt != 8))
		return;
	if (!h->n)
		h->pt = pt;
	else if (pt != h->pt)
		return; /* one codec per call: a switch mid-call would need re-encoding */
	arrival = loop_ms > h->t_answer ? (size_t)(loop_ms - h->t_answer) * (HEARD_RATE / 1000) : 0;
	/* The packet's samples end at its arrival: it starts len samples earlier. */
	arrival = arrival > len ? arrival - len : 0;
	pos = h->pos0 + (uint32_t)(ts - h->ts0);
	if (!h->anchored || ssrc != h->ssrc ||
	    (pos > arrival ? pos - arrival : arrival - pos) > HEARD_REANCHOR) {
		h->anchored = true;
		h->ssrc = ssrc;
		h->ts0 = ts;
		h->pos0 = arrival;
		pos = arrival;
	}
	if (!heard_grow(h, pos + len))
		return;
	memcpy(h->buf + pos, payload, len);
	h->info.audio_ms = (unsigned)(h->n / (HEARD_RATE / 1000));
	h->info.packets++;
}

void heard_dtmf(struct heard *h, uint32_t ts, const uint8_t *payload, size_t len)
{
	static const char keys[] = "0123456789*#ABCD";
	size_t n;

	/* Event codes above 15 are tones and line events, not keys. */
	if (!h || !payload || len < 4 || payload[0] > 15)
		return;
	if (h->ev_seen && ts == h->ev_ts)
		return;
	h->ev_seen = true;
	h->ev_ts = ts;
	n = strlen(h->info.dtmf);
	if (n < SIMPHONES_DTMF_MAX) {
		h->info.dtmf[n] = keys[payload[0]];
		h->info.dtmf[n + 1] = '\0';
	}
}

void heard_hold(struct heard *h, bool on)
{
	if (!h)
		return;
	if (on && !h->info.on_hold)
		h->info.holds++;
	h->info.on_hold = on;
}

void heard_end(struct heard_log *l, struct heard *h, int64_t unix_ms)
{
	if (!l || !h || !h->info.live)
		return;
	h->info.live = false;
	h->info.ended_unix_ms = unix_ms;
	l->ended++;
	heard_trim(l);
}

size_t heard_count(const struct heard_log *l)
{
	return l ? list_count(&l->calls) : 0;
}

int heard_info(const struct heard_log *l, size_t i, struct simphones_heard_info *out)
{
	struct le *le;

	if (!l || !out)
		return EINVAL;
	for (le = list_head(&l->calls); le && i; le = le->next)
		i--;
	if (!le)
		return ENOENT;
	*out = ((const struct heard *)le->data)->info;
	return 0;
}

/* Writes a little-endian integer of n bytes. */
static uint8_t *put_le(uint8_t *p, uint32_t v, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

int heard_wav(const struct heard_log *l, unsigned id, uint8_t **wav, size_t *len)
{
	const struct heard *h = NULL;
	struct le *le;
	uint8_t *w, *p;
	size_t i, data;

	if (!l || !wav || !len)
		return EINVAL;
	for (le = list_head(&l->calls); le && !h; le = le->next)
		if (((const struct heard *)le->data)->info.id == id)
			h = le->data;
	if (!h)
		return ENOENT;
	data = h->n * 2;
	w = malloc(44 + data);
	if (!w)
		return ENOMEM;
	p = w;
	memcpy(p, "RIFF", 4);
	p = put_le(p + 4, (uint32_t)(36 + data), 4);
	memcpy(p, "WAVEfmt ", 8);
	p = put_le(p + 8, 16, 4);
	p = put_le(p, 1, 2); /* PCM */
	p = put_le(p, 1, 2); /* mono */
	p = put_le(p, HEARD_RATE, 4);
	p = put_le(p, HEARD_RATE * 2, 4);
	p = put_le(p, 2, 2);
	p = put_le(p, 16, 2);
	memcpy(p, "data", 4);
	p = put_le(p + 4, (uint32_t)data, 4);
	for (i = 0; i < h->n; i++) {
		int16_t s = h->pt == 8 ? g711_alaw2pcm(h->buf[i]) : g711_ulaw2pcm(h->buf[i]);

		p = put_le(p, (uint16_t)s, 2);
	}
	*wav = w;
	*len = 44 + data;
	return 0;
}

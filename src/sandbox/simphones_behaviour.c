/*
 * simphones_behaviour: what a simulated phone number does when called, as pure functions.
 *
 * A number's behaviour comes from its digits alone. The last two digits 01..11 select fixed
 * behaviours that tests rely on (the table below and in docs/simphones.md); every other number
 * is hashed (FNV-1a over its digits) into a realistic mix of outcomes, with ring times, voices
 * and delays taken from further bits of the same hash. The admin API may override a number
 * with a spec string ("reject code=603 ring=4s"), parsed and printed here as well.
 *
 * A mix (set through the admin API for a campaign) replaces that default: shares of kinds and
 * ranges of ring time and greeting length, either hashed from a seed and the number (the same
 * number always does the same thing) or dealt in call order with exact shares.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "simphones.h"
#include "loftdial/text.h"

#define NUMBER_DIGITS_MAX 32
#define SPEC_MAX          256
#define DURATION_MAX_MS   3600000u /* an hour */
#define VOICE_MAX         1000000u

/* Which keys a kind uses; the others stay 0 so parse(print(b)) gives b back. */
enum {
	K_RING = 1 << 0,
	K_LEAD = 1 << 1,
	K_VOICE = 1 << 2,
	K_MAX = 1 << 3,
	K_CODE = 1 << 4,
	K_AFTER = 1 << 5,
	K_GREET = 1 << 6,
};

struct kind_info {
	const char *name;
	unsigned keys;
	struct simphone_behaviour defaults; /* what a bare kind name means */
};

static const struct kind_info kinds[SIMPHONE_KIND_COUNT] = {
        [SIMPHONE_HUMAN] = {"human",
                            K_RING | K_LEAD | K_VOICE | K_MAX | K_GREET,
                            {SIMPHONE_HUMAN, .ring_ms = 1000, .lead_ms = 300, .max_ms = 300000}},
        [SIMPHONE_VOICEMAIL] = {"voicemail",
                                K_RING | K_LEAD | K_VOICE | K_MAX | K_GREET,
                                {SIMPHONE_VOICEMAIL, .ring_ms = 1500, .lead_ms = 200,
                                 .max_ms = 60000}},
        [SIMPHONE_BUSY] = {"busy", K_RING | K_CODE, {SIMPHONE_BUSY, .code = 486}},
        [SIMPHONE_NO_ANSWER] = {"no-answer", K_MAX, {SIMPHONE_NO_ANSWER}},
        [SIMPHONE_REJECT] = {"reject",
                             K_RING | K_CODE,
                             {SIMPHONE_REJECT, .ring_ms = 2000, .code = 603}},
        [SIMPHONE_INVALID] = {"invalid", K_CODE, {SIMPHONE_INVALID, .code = 404}},
        [SIMPHONE_EARLY] = {"early",
                            K_RING | K_CODE | K_VOICE,
                            {SIMPHONE_EARLY, .ring_ms = 500, .code = 480}},
        [SIMPHONE_HANGUP] = {"hangup",
                             K_RING | K_LEAD | K_VOICE | K_AFTER | K_GREET,
                             {SIMPHONE_HANGUP, .ring_ms = 1000, .lead_ms = 300, .hangup_ms = 3000}},
        [SIMPHONE_LATE] = {"late",
                           K_RING | K_LEAD | K_VOICE | K_MAX | K_GREET,
                           {SIMPHONE_LATE, .ring_ms = 22000, .lead_ms = 300, .max_ms = 300000}},
};

/* The fixed test numbers: last two digits -> spec. Index 0 is unused. */
static const char *const reserved[] = {
        NULL,
        "human",                   /* 01 */
        "voicemail",               /* 02 */
        "busy",                    /* 03 */
        "no-answer",               /* 04 */
        "reject",                  /* 05: 603 Decline after 2 s of ringing */
        "invalid",                 /* 06: 404 Not Found */
        "early",                   /* 07: announcement, then 480 */
        "hangup",                  /* 08: answers, BYE after 3 s */
        "late",                    /* 09: rings 22 s, then a human */
        "reject code=486 ring=3s", /* 10: declined on a mobile */
        "invalid code=484",        /* 11: Address Incomplete */
};

/* Kind names. */
const char *simphones_kind_name(enum simphone_kind kind)
{
	return (unsigned)kind < SIMPHONE_KIND_COUNT ? kinds[kind].name : "?";
}

/* Reason phrases for the codes simphones sends. */
const char *simphones_reason(uint16_t code)
{
	switch (code) {
	case 180:
		return "Ringing";
	case 183:
		return "Session Progress";
	case 200:
		return "OK";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 408:
		return "Request Timeout";
	case 410:
		return "Gone";
	case 480:
		return "Temporarily Unavailable";
	case 484:
		return "Address Incomplete";
	case 486:
		return "Busy Here";
	case 487:
		return "Request Terminated";
	case 488:
		return "Not Acceptable Here";
	case 500:
		return "Server Internal Error";
	case 503:
		return "Service Unavailable";
	case 600:
		return "Busy Everywhere";
	case 603:
		return "Decline";
	case 604:
		return "Does Not Exist Anywhere";
	default:
		return code >= 600 ? "Global Failure" : code >= 500 ? "Server Error" : "Rejected";
	}
}

/* The digits of a number. */
int simphones_number_key(char *buf, size_t n, const char *number)
{
	size_t len = 0;
	const char *p;

	if (!buf || !n || !number)
		return EINVAL;
	for (p = number; *p; p++) {
		if (!isdigit((unsigned char)*p))
			continue;
		if (len + 1 >= n || len == NUMBER_DIGITS_MAX) {
			buf[len] = '\0';
			return E2BIG;
		}
		buf[len++] = *p;
	}
	buf[len] = '\0';
	return 0;
}

/* FNV-1a, 32 bits. */
static uint32_t fnv1a(const char *s, uint32_t h)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/* A value in lo..hi (inclusive) from some hash bits. */
static unsigned pick(uint32_t bits, unsigned lo, unsigned hi)
{
	return lo + bits % (hi - lo + 1);
}

/* Fills the realistic behaviour of a number that is not a test number. */
static void hashed(const char *digits, struct simphone_behaviour *b)
{
	uint32_t h = fnv1a(digits, 2166136261u);
	uint32_t p = fnv1a(digits, h ^ 0x9e3779b9u); /* more bits for the parameters */
	unsigned bucket = h % 100;
	enum simphone_kind kind;

	if (bucket < 35)
		kind = SIMPHONE_HUMAN;
	else if (bucket < 60)
		kind = SIMPHONE_VOICEMAIL;
	else if (bucket < 72)
		kind = SIMPHONE_NO_ANSWER;
	else if (bucket < 79)
		kind = SIMPHONE_BUSY;
	else if (bucket < 84)
		kind = SIMPHONE_REJECT;
	else if (bucket < 89)
		kind = SIMPHONE_INVALID;
	else if (bucket < 92)
		kind = SIMPHONE_EARLY;
	else if (bucket < 96)
		kind = SIMPHONE_HANGUP;
	else
		kind = SIMPHONE_LATE;

	*b = kinds[kind].defaults;
	if (kinds[kind].keys & K_VOICE)
		b->voice = (p >> 20) % 1024;
	if (kinds[kind].keys & K_LEAD)
		b->lead_ms = pick(p >> 4, 200, 700);
	switch (kind) {
	case SIMPHONE_HUMAN:
	case SIMPHONE_HANGUP:
		b->ring_ms = pick(p >> 8, 2000, 9000);
		if (kind == SIMPHONE_HANGUP)
			b->hangup_ms = pick(p >> 12, 1500, 6000);
		break;
	case SIMPHONE_VOICEMAIL:
		b->ring_ms = pick(p >> 8, 8000, 18000);
		break;
	case SIMPHONE_LATE:
		b->ring_ms = pick(p >> 8, 20000, 30000);
		break;
	case SIMPHONE_REJECT:
		b->ring_ms = pick(p >> 8, 3000, 12000);
		b->code = p & 1 ? 486 : 603;
		break;
	case SIMPHONE_INVALID:
		b->code = p & 1 ? 484 : 404;
		break;
	case SIMPHONE_EARLY:
		b->ring_ms = pick(p >> 8, 500, 2000);
		break;
	default:
		break;
	}
}

/* The behaviour of a number without override. */
int simphones_behaviour_of(const char *number, struct simphone_behaviour *out)
{
	char digits[NUMBER_DIGITS_MAX + 1];
	size_t len;
	unsigned tail;
	int err;

	if (!number || !out)
		return EINVAL;
	err = simphones_number_key(digits, sizeof(digits), number);
	len = strlen(digits);
	if (err || len < 3) {
		*out = kinds[SIMPHONE_INVALID].defaults;
		return 0;
	}
	tail = (unsigned)(digits[len - 2] - '0') * 10 + (unsigned)(digits[len - 1] - '0');
	if (tail && tail < sizeof(reserved) / sizeof(reserved[0])) {
		err = simphones_behaviour_parse(reserved[tail], out);
		if (err)
			return err;
		/* The test numbers still differ in voice, so two test humans sound different. */
		if (kinds[out->kind].keys & K_VOICE)
			out->voice = (fnv1a(digits, 2166136261u) >> 8) % 1024;
		return 0;
	}
	hashed(digits, out);
	return 0;
}

/* Parses a duration: digits, optionally followed by "ms" or "s". */
static int duration_parse(const char *v, unsigned *ms)
{
	char *end;
	unsigned long x;

	if (!isdigit((unsigned char)*v))
		return EINVAL;
	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno || x > DURATION_MAX_MS)
		return EINVAL;
	if (!strcmp(end, "s"))
		x *= 1000;
	else if (*end && strcmp(end, "ms"))
		return EINVAL;
	if (x > DURATION_MAX_MS)
		return EINVAL;
	*ms = (unsigned)x;
	return 0;
}

/* Parses a plain unsigned number no larger than max. */
static int uint_parse(const char *v, unsigned long max, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)*v))
		return EINVAL;
	errno = 0;
	*out = strtoul(v, &end, 10);
	return errno || *end || *out > max ? EINVAL : 0;
}

/* Applies one key=value word to b. */
static int key_apply(struct simphone_behaviour *b, const char *key, const char *val)
{
	unsigned keys = kinds[b->kind].keys;
	unsigned long x;

	if (!strcmp(key, "ring") && keys & K_RING && !strcmp(val, "held")) {
		b->held = true;
		b->ring_ms = 0;
		return 0;
	}
	if (!strcmp(key, "ring") && keys & K_RING) {
		b->held = false;
		return duration_parse(val, &b->ring_ms);
	}
	if (!strcmp(key, "greet") && keys & K_GREET)
		return duration_parse(val, &b->greet_ms);
	if (!strcmp(key, "lead") && keys & K_LEAD)
		return duration_parse(val, &b->lead_ms);
	if (!strcmp(key, "max") && keys & K_MAX)
		return duration_parse(val, &b->max_ms);
	if (!strcmp(key, "after") && keys & K_AFTER)
		return duration_parse(val, &b->hangup_ms);
	if (!strcmp(key, "voice") && keys & K_VOICE) {
		if (uint_parse(val, VOICE_MAX, &x))
			return EINVAL;
		b->voice = (unsigned)x;
		return 0;
	}
	if (!strcmp(key, "code") && keys & K_CODE) {
		if (uint_parse(val, 699, &x) || x < 400)
			return EINVAL;
		b->code = (uint16_t)x;
		return 0;
	}
	return EINVAL;
}

/* Parses a spec such as "reject code=603 ring=4s". */
int simphones_behaviour_parse(const char *spec, struct simphone_behaviour *out)
{
	char buf[SPEC_MAX + 1], *word, *save = NULL;
	struct simphone_behaviour b;
	unsigned k;
	bool have_kind = false;

	if (!spec || !out || text_copy(buf, sizeof(buf), spec))
		return EINVAL;
	for (word = strtok_r(buf, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
		char *eq;

		if (!have_kind) {
			for (k = 0; k < SIMPHONE_KIND_COUNT; k++)
				if (!strcmp(word, kinds[k].name))
					break;
			if (k == SIMPHONE_KIND_COUNT)
				return EINVAL;
			b = kinds[k].defaults;
			have_kind = true;
			continue;
		}
		eq = strchr(word, '=');
		if (!eq || eq == word || !eq[1])
			return EINVAL;
		*eq = '\0';
		if (key_apply(&b, word, eq + 1))
			return EINVAL;
	}
	if (!have_kind)
		return EINVAL;
	*out = b;
	return 0;
}

/* Renders a behaviour as a spec. */
int simphones_behaviour_print(char *buf, size_t n, const struct simphone_behaviour *b)
{
	unsigned keys;
	size_t len;
	int err;

	if (!buf || !n || !b || (unsigned)b->kind >= SIMPHONE_KIND_COUNT)
		return EINVAL;
	keys = kinds[b->kind].keys;
	err = text_copy(buf, n, kinds[b->kind].name);
#define ADD(flag, fmt, val)                                                                        \
	do {                                                                                       \
		if (!err && keys & (flag)) {                                                       \
			len = strlen(buf);                                                         \
			err = text_printf(buf + len, n - len, fmt, val);                           \
		}                                                                                  \
	} while (0)
	if (b->held)
		ADD(K_RING, " ring=%s", "held");
	else
		ADD(K_RING, " ring=%u", b->ring_ms);
	ADD(K_LEAD, " lead=%u", b->lead_ms);
	ADD(K_VOICE, " voice=%u", b->voice);
	ADD(K_AFTER, " after=%u", b->hangup_ms);
	ADD(K_MAX, " max=%u", b->max_ms);
	ADD(K_CODE, " code=%u", (unsigned)b->code);
	/* Only when set, so the specs of behaviours without it read as they always did. */
	if (b->greet_ms)
		ADD(K_GREET, " greet=%u", b->greet_ms);
#undef ADD
	return err;
}

/* ---- mixes ---- */

/* Kinds whose greeting length a mix may set: the ones that answer and speak. */
#define K_MIX_GREET K_GREET

/* Checks a mix. */
int simphones_mix_check(const struct simphones_mix *m, const char **why)
{
	const char *w = NULL;
	double sum = 0;
	unsigned k;

	if (!m) {
		w = "no mix";
		goto out;
	}
	for (k = 0; k < SIMPHONE_KIND_COUNT && !w; k++) {
		const struct simphones_mix_kind *mk = &m->kinds[k];

		if (!isfinite(mk->share) || mk->share < 0 || mk->share > 1e9)
			w = "share must be a number from 0 to 1e9";
		else if (mk->has_ring && (!(kinds[k].keys & K_RING) || mk->ring_lo > mk->ring_hi ||
		                          mk->ring_hi > DURATION_MAX_MS))
			w = "ring_ms must be 0 to 3600000 ms, low before high, for a kind that "
			    "rings";
		else if (mk->has_greet &&
		         (!(kinds[k].keys & K_MIX_GREET) || mk->greet_lo > mk->greet_hi ||
		          mk->greet_hi > DURATION_MAX_MS))
			w = "greeting_ms must be 0 to 3600000 ms, low before high, for a kind that "
			    "answers";
		sum += mk->share;
	}
	if (!w && !(sum > 0))
		w = "the shares must add up to more than 0";
out:
	if (why)
		*why = w;
	return w ? EINVAL : 0;
}

/* A value in lo..hi from hash bits, 64-bit safe for wide ranges. */
static unsigned pick_range(uint32_t bits, unsigned lo, unsigned hi)
{
	return lo + (unsigned)((uint64_t)bits % ((uint64_t)hi - lo + 1));
}

/* A 32-bit mix of a value (the murmur3 finaliser), for independent draws from one hash. */
static uint32_t mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* The fixed or too-short cases a mix leaves alone; true when *out is filled. */
static bool mix_exempt(const struct simphones_mix *m, const char *digits,
                       struct simphone_behaviour *out)
{
	size_t len = strlen(digits);
	unsigned tail;

	if (len < 3) {
		*out = kinds[SIMPHONE_INVALID].defaults;
		return true;
	}
	tail = (unsigned)(digits[len - 2] - '0') * 10 + (unsigned)(digits[len - 1] - '0');
	if (m->keep_test_numbers && tail && tail < sizeof(reserved) / sizeof(reserved[0]))
		return simphones_behaviour_of(digits, out) == 0;
	return false;
}

/* Fills a behaviour of a kind with the mix's ranges; h gives the draws. */
static void mix_fill(const struct simphones_mix *m, enum simphone_kind kind, uint32_t h,
                     struct simphone_behaviour *b)
{
	const struct simphones_mix_kind *mk = &m->kinds[kind];
	uint32_t r1 = mix32(h ^ 0x68e31da4u), r2 = mix32(h ^ 0xb5297a4du),
	         r3 = mix32(h ^ 0x1b56c4e9u);

	*b = kinds[kind].defaults;
	if (kinds[kind].keys & K_VOICE)
		b->voice = r3 % 1024;
	if (mk->has_ring)
		b->ring_ms = pick_range(r1, mk->ring_lo, mk->ring_hi);
	if (mk->has_greet)
		b->greet_ms = pick_range(r2, mk->greet_lo, mk->greet_hi);
	/* A greeting of 0 ms would read as "the voice's own": the shortest clip is meant. */
	if (mk->has_greet && !b->greet_ms)
		b->greet_ms = 1;
}

/* The kind whose cumulative share holds the draw u in [0, 1). */
static enum simphone_kind mix_kind_at(const struct simphones_mix *m, double u)
{
	double sum = 0, acc = 0;
	unsigned k, last = 0;

	for (k = 0; k < SIMPHONE_KIND_COUNT; k++)
		sum += m->kinds[k].share;
	for (k = 0; k < SIMPHONE_KIND_COUNT; k++) {
		if (m->kinds[k].share <= 0)
			continue;
		last = k;
		acc += m->kinds[k].share;
		if (u * sum < acc)
			return (enum simphone_kind)k;
	}
	return (enum simphone_kind)last;
}

/* A number's behaviour under a mix, by number. */
int simphones_mix_of(const struct simphones_mix *m, const char *number,
                     struct simphone_behaviour *out)
{
	char digits[NUMBER_DIGITS_MAX + 1];
	uint32_t h;

	if (!m || !number || !out || simphones_mix_check(m, NULL))
		return EINVAL;
	if (simphones_number_key(digits, sizeof(digits), number))
		digits[0] = '\0'; /* too long: invalid, as without a mix */
	if (mix_exempt(m, digits, out))
		return 0;
	h = fnv1a(digits, 2166136261u ^ mix32(m->seed));
	mix_fill(m, mix_kind_at(m, (double)mix32(h) / 4294967296.0), h, out);
	return 0;
}

/* The next call's behaviour under a mix, by call. */
int simphones_mix_deal(const struct simphones_mix *m, struct simphones_deal *d, const char *number,
                       struct simphone_behaviour *out)
{
	char digits[NUMBER_DIGITS_MAX + 1];
	double sum = 0;
	unsigned k, best = SIMPHONE_KIND_COUNT;
	uint32_t h;

	if (!m || !d || !number || !out || simphones_mix_check(m, NULL))
		return EINVAL;
	if (simphones_number_key(digits, sizeof(digits), number))
		digits[0] = '\0';
	if (mix_exempt(m, digits, out))
		return 0;
	/* Smooth weighted round robin: every kind earns its share each call, the richest
	 * is dealt and pays the whole sum back, so no kind is ever a full call ahead of or
	 * behind its share. Ties go to the kind listed first. */
	for (k = 0; k < SIMPHONE_KIND_COUNT; k++) {
		if (m->kinds[k].share <= 0)
			continue;
		sum += m->kinds[k].share;
		d->credit[k] += m->kinds[k].share;
		if (best == SIMPHONE_KIND_COUNT || d->credit[k] > d->credit[best])
			best = k;
	}
	d->credit[best] -= sum;
	h = fnv1a(digits, 2166136261u ^ mix32(m->seed) ^ mix32((uint32_t)d->n * 2654435761u));
	d->n++;
	mix_fill(m, (enum simphone_kind)best, h, out);
	return 0;
}

/*
 * test_amd: the answering-machine analyser on synthetic audio, table-driven. Speech is
 * imitated by a harmonic complex (a 130 Hz voice with ten harmonics) under a syllable-rate
 * envelope, so every case is exact and needs no file. Edge cases first: NULL, empty, bad
 * configurations, odd chunk sizes, DC offset, clipping.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/amd.h"

#define SR      8000
#define MAX_LEN (SR * 8)

/* One stretch of a synthetic call. */
enum seg_kind { SEG_END = 0, SEG_SILENCE, SEG_SPEECH, SEG_TONE, SEG_NOISE, SEG_VOWEL };

struct seg {
	enum seg_kind kind;
	unsigned ms;
	double level; /* peak amplitude, 0..1 of full scale */
	double hz;    /* tone frequency; SEG_VOWEL: the voice's pitch */
	double hz2;   /* a second tone sounding with the first (dual-tone beeps), 0 = none */
};

/* A synthetic call: segments, then a DC offset, background noise and gain (clipped). */
struct call {
	const char *name;
	struct seg segs[20];
	double dc;    /* added offset, in full-scale units */
	double noise; /* background noise peak, full-scale units */
	double gain;  /* 0 = 1 */
	enum amd_result want;
	const char *reason;       /* expected amd_reason(), NULL = any */
	unsigned min_ms, max_ms;  /* decision window, inclusive */
	unsigned greeting_max_ms; /* config override when non-zero */
};

static int16_t pcm[MAX_LEN];

/* A deterministic pseudo-random value in -1..1. */
static double noise_next(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return ((double)(*s >> 8) / (double)(1u << 24)) * 2.0 - 1.0;
}

/* Renders a call into pcm; returns the number of samples. */
static size_t render(const struct call *c)
{
	size_t n = 0, i;
	uint32_t seed = 12345;
	const struct seg *s;

	for (s = c->segs; s->kind != SEG_END; s++) {
		size_t len = (size_t)s->ms * SR / 1000;

		for (i = 0; i < len && n < MAX_LEN; i++, n++) {
			double t = (double)i / SR, v = 0.0, env;
			int k;

			switch (s->kind) {
			case SEG_SPEECH:
				/* Syllables at 5 Hz, never quite silent inside a word. */
				env = 0.55 + 0.45 * sin(2.0 * M_PI * 5.0 * t - M_PI / 2);
				for (k = 1; k <= 10; k++)
					v += sin(2.0 * M_PI * 130.0 * k * t) / k;
				v *= s->level * env / 1.6;
				break;
			case SEG_TONE:
				v = s->level * sin(2.0 * M_PI * s->hz * t);
				if (s->hz2 > 0)
					v = (v + s->level * sin(2.0 * M_PI * s->hz2 * t)) / 2;
				break;
			case SEG_VOWEL:
				/* A held, perfectly steady vowel: harmonics of hz shaped by two
				 * formants (700 and 1150 Hz, "ah"), the hardest speech for a beep
				 * detector: no glide, most energy in two or three harmonics. */
				for (k = 1; k * s->hz < 3500; k++) {
					double f = k * s->hz,
					       a1 = 1.0 / (1.0 + pow((f - 700) / 90, 2)),
					       a2 = 0.5 / (1.0 + pow((f - 1150) / 100, 2));

					v += (a1 + a2 + 0.02) * sin(2.0 * M_PI * f * t);
				}
				v *= s->level / 1.5;
				break;
			case SEG_NOISE:
				v = s->level * noise_next(&seed);
				break;
			default:
				break;
			}
			pcm[n] = (int16_t)(v * 32767.0);
		}
	}
	for (i = 0; i < n; i++) {
		double v = pcm[i] / 32767.0 + c->dc + c->noise * noise_next(&seed);

		v *= c->gain > 0.0 ? c->gain : 1.0;
		if (v > 1.0)
			v = 1.0;
		if (v < -1.0)
			v = -1.0;
		pcm[i] = v <= -1.0 ? INT16_MIN : (int16_t)(v * 32767.0);
	}
	return n;
}

#define SIL(ms)                                                                                    \
	{                                                                                          \
		SEG_SILENCE, ms, 0, 0                                                              \
	}
#define SPEECH(ms)                                                                                 \
	{                                                                                          \
		SEG_SPEECH, ms, 0.5, 0                                                             \
	}
#define QUIET(ms)                                                                                  \
	{                                                                                          \
		SEG_SPEECH, ms, 0.03, 0                                                            \
	}
#define TONE(ms, hz)                                                                               \
	{                                                                                          \
		SEG_TONE, ms, 0.5, hz                                                              \
	}
#define DUAL(ms, hz, hz2)                                                                          \
	{                                                                                          \
		SEG_TONE, ms, 0.5, hz, hz2                                                         \
	}
#define VOWEL(ms, hz)                                                                              \
	{                                                                                          \
		SEG_VOWEL, ms, 0.5, hz, 0                                                          \
	}
#define NOISE(ms, lvl)                                                                             \
	{                                                                                          \
		SEG_NOISE, ms, lvl, 0                                                              \
	}

static const struct call calls[] = {
        /* No speech at all. */
        {"digital silence",
         {SIL(6000)},
         .want = AMD_UNKNOWN,
         .reason = "no speech",
         .min_ms = 2500,
         .max_ms = 2500},
        {"quiet line noise",
         {NOISE(6000, 0.002)},
         .want = AMD_UNKNOWN,
         .reason = "no speech",
         .min_ms = 2500,
         .max_ms = 2500},
        {"silence with DC offset",
         {SIL(6000)},
         .dc = 0.3,
         .want = AMD_UNKNOWN,
         .reason = "no speech",
         .min_ms = 2500,
         .max_ms = 2500},
        {"click is not a word",
         {SIL(500), TONE(20, 300), SIL(5000)},
         .want = AMD_UNKNOWN,
         .reason = "no speech"},
        /* Humans: a short greeting, then they wait. */
        {"hello then silence",
         {SIL(300), SPEECH(600), SIL(4000)},
         .want = AMD_HUMAN,
         .reason = "short greeting",
         .min_ms = 1300,
         .max_ms = 1500},
        {"greeting at once",
         {SPEECH(800), SIL(4000)},
         .want = AMD_HUMAN,
         .reason = "short greeting",
         .min_ms = 1200,
         .max_ms = 1400},
        {"two words",
         {SIL(200), SPEECH(400), SIL(150), SPEECH(500), SIL(4000)},
         .want = AMD_HUMAN,
         .reason = "short greeting",
         .min_ms = 1650,
         .max_ms = 1850},
        {"hello twice",
         {SIL(300), SPEECH(500), SIL(1200), SPEECH(500), SIL(3000)},
         .want = AMD_HUMAN,
         .reason = "short greeting",
         .min_ms = 1200,
         .max_ms = 1400},
        {"human with DC offset",
         {SIL(300), SPEECH(600), SIL(4000)},
         .dc = 0.25,
         .want = AMD_HUMAN,
         .reason = "short greeting",
         .min_ms = 1300,
         .max_ms = 1500},
        {"human clipped hard",
         {SIL(300), SPEECH(600), SIL(4000)},
         .gain = 20.0,
         .want = AMD_HUMAN,
         .reason = "short greeting",
         .min_ms = 1300,
         .max_ms = 1500},
        {"human over line noise",
         {SIL(300), SPEECH(600), SIL(4000)},
         .noise = 0.003,
         .want = AMD_HUMAN,
         .reason = "short greeting",
         .min_ms = 1300,
         .max_ms = 1500},
        {"quiet talker",
         {SIL(300), QUIET(600), SIL(4000)},
         .want = AMD_HUMAN,
         .reason = "short greeting"},
        /* Machines: long greetings, many words, beeps. */
        {"long speech",
         {SIL(300), SPEECH(6000)},
         .want = AMD_MACHINE,
         .reason = "long greeting",
         .min_ms = 2000,
         .max_ms = 2200},
        {"long speech with pauses",
         {SIL(200), SPEECH(700), SIL(250), SPEECH(700), SIL(300), SPEECH(2000)},
         .want = AMD_MACHINE,
         .reason = "long greeting",
         .min_ms = 1900,
         .max_ms = 2300},
        {"long speech clipped",
         {SIL(300), SPEECH(6000)},
         .gain = 30.0,
         .want = AMD_MACHINE,
         .reason = "long greeting"},
        {"many short words",
         {SIL(200), SPEECH(150), SIL(150), SPEECH(150), SIL(150), SPEECH(150), SIL(150),
          SPEECH(150), SIL(150), SPEECH(150), SIL(150), SPEECH(150), SIL(150), SPEECH(150),
          SIL(2000)},
         .want = AMD_MACHINE,
         .reason = "many words",
         .greeting_max_ms = 3000},
        {"beep at 1 kHz",
         {SIL(500), TONE(500, 1000), SIL(3000)},
         .want = AMD_MACHINE,
         .reason = "beep",
         .min_ms = 600,
         .max_ms = 700},
        {"beep at 960 Hz",
         {SIL(500), TONE(500, 960), SIL(3000)},
         .want = AMD_MACHINE,
         .reason = "beep"},
        {"beep at 1070 Hz",
         {SIL(500), TONE(500, 1070), SIL(3000)},
         .want = AMD_MACHINE,
         .reason = "beep"},
        {"beep over noise",
         {SIL(500), TONE(500, 1000), SIL(3000)},
         .noise = 0.01,
         .want = AMD_MACHINE,
         .reason = "beep"},
        {"short greeting then beep",
         {SIL(300), SPEECH(700), SIL(200), TONE(600, 1000)},
         .want = AMD_MACHINE,
         .reason = "beep"},
        /* Beeps across the range real voicemail systems use, single, in sequence and dual. */
        {"beep at 400 Hz",
         {SIL(500), TONE(500, 400), SIL(3000)},
         .want = AMD_MACHINE,
         .reason = "beep"},
        {"beep at 700 Hz",
         {SIL(500), TONE(300, 700), SIL(3000)},
         .want = AMD_MACHINE,
         .reason = "beep"},
        {"beep at 850 Hz",
         {SIL(500), TONE(300, 850), SIL(3000)},
         .want = AMD_MACHINE,
         .reason = "beep"},
        {"beep at 1400 Hz",
         {SIL(500), TONE(300, 1400), SIL(3000)},
         .want = AMD_MACHINE,
         .reason = "beep"},
        {"beep at 1990 Hz",
         {SIL(500), TONE(300, 1990), SIL(3000)},
         .want = AMD_MACHINE,
         .reason = "beep"},
        {"two-tone beep in sequence",
         {SIL(500), TONE(80, 700), TONE(80, 1000), SIL(3000)},
         .want = AMD_MACHINE,
         .reason = "beep",
         .min_ms = 600,
         .max_ms = 640},
        {"dual-tone beep",
         {SIL(500), DUAL(300, 1000, 1400), SIL(3000)},
         .want = AMD_MACHINE,
         .reason = "beep"},
        /* Tones outside the range, too short, or stepping about are not beeps. */
        {"250 Hz tone",
         {SIL(500), TONE(500, 250), SIL(3000)},
         .want = AMD_HUMAN,
         .reason = "short greeting"},
        {"2600 Hz tone",
         {SIL(500), TONE(500, 2600), SIL(3000)},
         .want = AMD_HUMAN,
         .reason = "short greeting"},
        {"80 ms tone",
         {SIL(500), TONE(80, 1000), SIL(3000)},
         .want = AMD_HUMAN,
         .reason = "short greeting"},
        {"a melody of 40 ms notes",
         {SIL(500), TONE(40, 700), TONE(40, 1000), TONE(40, 1400), TONE(40, 1000), TONE(40, 700),
          SIL(3000)},
         .want = AMD_HUMAN,
         .reason = "short greeting"},
        /* Held vowels at steady pitches (a low man's to a high woman's) are not beeps. */
        {"held vowel at 110 Hz",
         {SIL(300), VOWEL(700, 110), SIL(3000)},
         .want = AMD_HUMAN,
         .reason = "short greeting"},
        {"held vowel at 220 Hz",
         {SIL(300), VOWEL(700, 220), SIL(3000)},
         .want = AMD_HUMAN,
         .reason = "short greeting"},
        {"held vowel at 350 Hz",
         {SIL(300), VOWEL(700, 350), SIL(3000)},
         .want = AMD_HUMAN,
         .reason = "short greeting"},
        /* Still talking when the time is up, having started late. */
        {"late long speech",
         {SIL(2400), SPEECH(3000)},
         .want = AMD_UNKNOWN,
         .reason = "undecided",
         .min_ms = 4000,
         .max_ms = 4000,
         .greeting_max_ms = 3000},
};

/* The table row with this name. */
static const struct call *call_named(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (!strcmp(calls[i].name, name))
			return &calls[i];
	fail_msg("no call named %s", name);
	return NULL;
}

/* Feeds a call in one piece and checks the verdict. */
static void test_calls(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		const struct call *c = &calls[i];
		struct amd_cfg cfg;
		struct amd *amd;
		size_t n = render(c);
		enum amd_result r;

		amd_cfg_default(&cfg);
		if (c->greeting_max_ms)
			cfg.greeting_max_ms = c->greeting_max_ms;
		amd = amd_new(&cfg);
		assert_non_null(amd);
		r = amd_feed(amd, pcm, n);
		if (r == AMD_PENDING)
			r = amd_finish(amd);
		print_message("%-26s -> %-7s %-15s at %u ms\n", c->name, amd_result_name(r),
		              amd_reason(amd), amd_decision_ms(amd));
		assert_string_equal(amd_result_name(r), amd_result_name(c->want));
		if (c->reason)
			assert_string_equal(amd_reason(amd), c->reason);
		if (c->max_ms) {
			assert_in_range(amd_decision_ms(amd), c->min_ms, c->max_ms);
		}
		amd_free(amd);
	}
}

/* Any chunking of the same audio gives the same verdict at the same time. */
static void test_chunk_sizes(void **state)
{
	static const size_t sizes[] = {1, 2, 7, 79, 80, 81, 159, 160, 161, 4001};
	size_t n = render(call_named("hello then silence")), s;

	(void)state;
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct amd *amd = amd_new(NULL);
		size_t off = 0;

		assert_non_null(amd);
		while (off < n && amd_result(amd) == AMD_PENDING) {
			size_t k = n - off < sizes[s] ? n - off : sizes[s];

			amd_feed(amd, pcm + off, k);
			off += k;
		}
		assert_int_equal(amd_result(amd), AMD_HUMAN);
		assert_int_equal(amd_decision_ms(amd), 1400);
		amd_free(amd);
	}
}

/* NULL analyser, NULL samples, empty feeds, finish, and results that never change. */
static void test_edges(void **state)
{
	struct amd *amd;
	size_t n;

	(void)state;
	assert_int_equal(amd_feed(NULL, pcm, 10), AMD_UNKNOWN);
	assert_int_equal(amd_finish(NULL), AMD_UNKNOWN);
	assert_int_equal(amd_result(NULL), AMD_UNKNOWN);
	assert_int_equal(amd_decision_ms(NULL), 0);
	assert_int_equal(amd_fed_ms(NULL), 0);
	assert_string_equal(amd_reason(NULL), "");
	amd_free(NULL);
	amd_cfg_default(NULL);

	amd = amd_new(NULL);
	assert_non_null(amd);
	assert_int_equal(amd_feed(amd, NULL, 0), AMD_PENDING);
	assert_int_equal(amd_feed(amd, NULL, 500), AMD_PENDING);
	assert_int_equal(amd_feed(amd, pcm, 0), AMD_PENDING);
	assert_int_equal(amd_fed_ms(amd), 0);
	assert_string_equal(amd_reason(amd), "");
	/* Ending before any audio: unknown at 0 ms. */
	assert_int_equal(amd_finish(amd), AMD_UNKNOWN);
	assert_string_equal(amd_reason(amd), "no speech");
	assert_int_equal(amd_decision_ms(amd), 0);
	amd_free(amd);

	/* A decision is final: more audio, even a beep, changes nothing. */
	amd = amd_new(NULL);
	n = render(call_named("hello then silence"));
	assert_int_equal(amd_feed(amd, pcm, n), AMD_HUMAN);
	n = render(call_named("beep at 1 kHz"));
	assert_int_equal(amd_feed(amd, pcm, n), AMD_HUMAN);
	assert_int_equal(amd_finish(amd), AMD_HUMAN);
	assert_int_equal(amd_decision_ms(amd), 1400);
	amd_free(amd);

	/* Ending in the middle of a greeting. */
	amd = amd_new(NULL);
	n = render(call_named("hello then silence"));
	assert_int_equal(amd_feed(amd, pcm, 800 * SR / 1000), AMD_PENDING);
	assert_int_equal(amd_fed_ms(amd), 800);
	assert_int_equal(amd_finish(amd), AMD_UNKNOWN);
	assert_string_equal(amd_reason(amd), "audio ended");
	assert_int_equal(amd_decision_ms(amd), 800);
	amd_free(amd);
}

/* Configurations the analyser cannot use are refused. */
static void test_bad_config(void **state)
{
	struct amd_cfg cfg;
	struct amd *amd;

	(void)state;
	amd_cfg_default(&cfg);
	cfg.srate = 0;
	assert_null(amd_new(&cfg));
	cfg.srate = 100000;
	assert_null(amd_new(&cfg));
	cfg.srate = 8010; /* not a whole number of samples per 20 ms */
	assert_null(amd_new(&cfg));
	cfg.srate = 8000;
	cfg.max_decision_ms = 0;
	assert_null(amd_new(&cfg));

	/* 16 kHz works too, with the same timings. */
	amd_cfg_default(&cfg);
	cfg.srate = 16000;
	amd = amd_new(&cfg);
	assert_non_null(amd);
	memset(pcm, 0, sizeof(pcm));
	assert_int_equal(amd_feed(amd, pcm, 16000 * 3), AMD_UNKNOWN);
	assert_int_equal(amd_decision_ms(amd), 2500);
	amd_free(amd);

	/* Beep detection off: a beep is then only a short sound. */
	amd_cfg_default(&cfg);
	cfg.beep_max_hz = 0;
	amd = amd_new(&cfg);
	assert_int_equal(amd_feed(amd, pcm, render(call_named("beep at 1 kHz"))), AMD_HUMAN);
	amd_free(amd);
}

/* Extreme sample values never overflow (full-scale square wave, INT16_MIN). */
static void test_full_scale(void **state)
{
	struct amd *amd = amd_new(NULL);
	size_t i;

	(void)state;
	for (i = 0; i < MAX_LEN; i++)
		pcm[i] = (i / 20) % 2 ? INT16_MAX : INT16_MIN;
	assert_int_equal(amd_feed(amd, pcm, MAX_LEN), AMD_MACHINE);
	assert_string_equal(amd_reason(amd), "long greeting");
	assert_string_equal(amd_result_name(AMD_PENDING), "pending");
	assert_string_equal(amd_result_name((enum amd_result)42), "?");
	amd_free(amd);
}

/* The beep alone: after a long greeting, the listener says when the beep starts and ends and
 * its pitch, whatever the chunk size; speech and vowels alone never sound like one. */
static void test_beep_listener(void **state)
{
	static const struct {
		struct call c;
		enum amd_beep_state want;
		unsigned hz, start_ms, end_ms; /* 0 = not checked */
	} rows[] = {
	        {{"greeting, pause, 850 Hz beep",
	          {SIL(300), SPEECH(3000), SIL(400), TONE(500, 850), SIL(2000)}},
	         AMD_BEEP_OVER,
	         850,
	         3700,
	         4200},
	        {{"1400 Hz beep at once", {TONE(300, 1400), SIL(500)}},
	         AMD_BEEP_OVER,
	         1400,
	         0,
	         300},
	        {{"two-tone", {SIL(200), TONE(100, 700), TONE(100, 1000), SIL(500)}},
	         AMD_BEEP_OVER,
	         700,
	         200,
	         400},
	        {{"dual tone", {SIL(200), DUAL(400, 1000, 1400), SIL(500)}},
	         AMD_BEEP_OVER,
	         1000,
	         200,
	         600},
	        {{"beep still sounding", {SIL(200), TONE(2000, 1000)}}, AMD_BEEP_ON, 1000, 200, 0},
	        {{"speech only", {SIL(300), SPEECH(5000), SIL(500)}}, AMD_BEEP_NONE},
	        {{"vowels only",
	          {VOWEL(600, 110), SIL(100), VOWEL(600, 220), SIL(100), VOWEL(600, 350)}},
	         AMD_BEEP_NONE},
	        {{"quiet tone (-50 dBFS)", {SIL(200), {SEG_TONE, 500, 0.004, 1000}, SIL(500)}},
	         AMD_BEEP_NONE},
	        /* No beep ever: after beep_silence_ms of quiet the wait is over all the same. */
	        {{"greeting, then silence", {SIL(300), SPEECH(2000), SIL(3000)}},
	         AMD_BEEP_SILENT,
	         0,
	         0,
	         4800},
	        {{"silence only", {SIL(3000)}}, AMD_BEEP_SILENT, 0, 0, 2500},
	        {{"a long pause, then the beep",
	          {SPEECH(1000), SIL(2000), TONE(400, 1000), SIL(300)}},
	         AMD_BEEP_OVER,
	         1000,
	         3000,
	         3400},
	};
	static const size_t chunks[] = {1, 159, 160, 161, 4000};
	struct amd_cfg cfg;
	size_t r, ci;

	(void)state;
	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		size_t n = render(&rows[r].c);

		for (ci = 0; ci < sizeof(chunks) / sizeof(chunks[0]); ci++) {
			struct amd_beep *b = amd_beep_new(NULL);
			enum amd_beep_state st = AMD_BEEP_NONE;
			size_t off;

			assert_non_null(b);
			for (off = 0; off < n; off += chunks[ci]) {
				size_t k = n - off < chunks[ci] ? n - off : chunks[ci];

				st = amd_beep_feed(b, pcm + off, k);
			}
			print_message("%-30s chunk %4zu: state %d, %u Hz, %u..%u ms\n",
			              rows[r].c.name, chunks[ci], st, amd_beep_hz(b),
			              amd_beep_start_ms(b), amd_beep_end_ms(b));
			assert_int_equal(st, rows[r].want);
			if (rows[r].hz)
				assert_in_range(amd_beep_hz(b), rows[r].hz - 10, rows[r].hz + 10);
			if (rows[r].want != AMD_BEEP_NONE)
				assert_in_range(amd_beep_start_ms(b), rows[r].start_ms,
				                rows[r].start_ms + 20);
			if (rows[r].want >= AMD_BEEP_OVER)
				assert_in_range(amd_beep_end_ms(b), rows[r].end_ms,
				                rows[r].end_ms + 20);
			else
				assert_int_equal(amd_beep_end_ms(b), 0);
			if (rows[r].want == AMD_BEEP_SILENT)
				assert_int_equal(amd_beep_hz(b), 0);
			/* OVER and SILENT are final: more audio changes nothing. */
			if (st >= AMD_BEEP_OVER) {
				assert_int_equal(amd_beep_feed(b, pcm, n), st);
				assert_in_range(amd_beep_end_ms(b), rows[r].end_ms,
				                rows[r].end_ms + 20);
			}
			amd_beep_free(b);
		}
	}
	/* beep_silence_ms 0: the wait never ends without a beep. */
	amd_cfg_default(&cfg);
	cfg.beep_silence_ms = 0;
	{
		struct amd_beep *b = amd_beep_new(&cfg);

		memset(pcm, 0, sizeof(pcm));
		assert_int_equal(amd_beep_feed(b, pcm, MAX_LEN), AMD_BEEP_NONE);
		amd_beep_free(b);
	}
	/* Bad settings, NULLs. */
	amd_cfg_default(&cfg);
	cfg.beep_max_hz = 0;
	assert_null(amd_beep_new(&cfg));
	amd_cfg_default(&cfg);
	cfg.beep_min_hz = 2100;
	assert_null(amd_beep_new(&cfg));
	amd_cfg_default(&cfg);
	cfg.beep_max_hz = 3950;
	assert_null(amd_beep_new(&cfg)); /* above what 8 kHz can carry */
	amd_cfg_default(&cfg);
	cfg.srate = 8001;
	assert_null(amd_beep_new(&cfg));
	amd_beep_free(NULL);
	assert_int_equal(amd_beep_feed(NULL, pcm, 10), AMD_BEEP_NONE);
	assert_int_equal(amd_beep_hz(NULL), 0);
	assert_int_equal(amd_beep_start_ms(NULL), 0);
	assert_int_equal(amd_beep_end_ms(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_edges),      cmocka_unit_test(test_bad_config),
	        cmocka_unit_test(test_full_scale), cmocka_unit_test(test_chunk_sizes),
	        cmocka_unit_test(test_calls),      cmocka_unit_test(test_beep_listener),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

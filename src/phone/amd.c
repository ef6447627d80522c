/*
 * amd: answering-machine detection, a pure streaming analyser over 16-bit PCM.
 *
 * Audio is cut into 20 ms frames. For each frame a DC blocker removes any offset, the level
 * (dBFS) is compared with an adaptive noise floor to call the frame voiced or not, and a bank
 * of Goertzel filters every 25 Hz from beep_min_hz to beep_max_hz measures how much of the
 * frame's energy sits in one pure tone (or two at once). Voiced frames group into words (runs of at
 * least min_word_ms, with gaps shorter than word_gap_ms bridged), words into the greeting, and the
 * greeting's shape decides:
 *
 *   a beep held for beep_min_ms                     -> MACHINE ("beep")
 *   the greeting lasts more than greeting_max_ms     -> MACHINE ("long greeting")
 *   more than max_words words in the greeting        -> MACHINE ("many words")
 *   after_greeting_silence_ms of quiet after it      -> HUMAN   ("short greeting")
 *   no word at all within initial_silence_ms         -> UNKNOWN ("no speech")
 *   nothing decided by max_decision_ms               -> UNKNOWN ("undecided")
 *
 * The noise floor falls quickly to quieter frames and rises slowly (a few dB per second) while
 * frames stay loud, so steady line noise stops counting as speech after a while but a greeting
 * does not raise the floor enough to hide its own end.
 *
 * The beep tracker (struct beep_core) is shared with the stand-alone beep listener
 * (amd_beep_*), which a line uses after the machine verdict to wait for the beep.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/amd.h"

#define FRAME_PER_S     50 /* 20 ms frames */
#define BEEP_STEP_HZ    25 /* half the 50 Hz resolution of a 20 ms frame */
#define BEEP_PROBES_MAX 128
#define DUAL_APART      4    /* probes (100 Hz) between the two tones of a dual-tone beep */
#define DUAL_MIN_SHARE  0.25 /* each tone of a dual-tone beep holds this share at least */
#define STEP_MIN_MS     40   /* a two-tone beep's first tone lasts this long at least */
#define STEP_GAP_FRAMES 2    /* unclean frames forgiven where a two-tone beep steps */
#define VOICE_MAX_HZ    500  /* the highest voice pitch whose harmonics might pass as two tones */
#define HOLD_HZ         8.0  /* a held tone moves less than this from frame to frame */
#define FLOOR_INIT_DB   -60.0
#define LEVEL_MIN_DB    -96.0
#define FLOOR_RISE_DB   0.1 /* per voiced frame: 5 dB/s */
#define FLOOR_FALL_K    0.3 /* share of the gap closed per quieter frame */
#define FLOOR_TRACK_K   0.05
#define DC_POLE         0.995

/* The beep tracker: Goertzel probes and the run of tonal frames. */
struct beep_core {
	unsigned nprobes, lo_hz, frame_len;
	double coef[BEEP_PROBES_MAX];
	double purity;      /* beep_purity_pct as a share */
	unsigned need;      /* frames a beep must hold */
	unsigned step_min;  /* frames of a first tone before a step to a second one */
	unsigned run;       /* consecutive tonal frames */
	unsigned run_start; /* frame where the run began */
	unsigned last;      /* the run's last tonal frame */
	unsigned missed;    /* unclean frames the run has forgiven (at most STEP_GAP_FRAMES) */
	unsigned srate;
	double min_hz, max_hz; /* the range, half a step wider on each side */
	double tone_a, tone_b; /* Hz of the current tone (b: the second of a dual, or 0) */
	double first;          /* Hz of the run's first tone (its pitch) */
	bool stepped;          /* the run stepped once to another tone */
};

struct amd {
	struct amd_cfg cfg;
	unsigned frame_len; /* samples per frame */
	double *frame;      /* current frame, DC-blocked */
	unsigned fill;      /* samples in frame */
	double dc_x1, dc_y1;
	bool dc_primed; /* dc_x1 holds a real sample */
	struct beep_core beep;
	bool beep_on; /* beep detection configured */

	uint64_t samples; /* samples fed (only counted while pending) */
	unsigned frames;  /* frames analysed */
	double floor_db;

	/* Word and greeting tracking, all in frames. */
	unsigned run_start;   /* first frame of the current voiced run */
	unsigned run_len;     /* voiced frames in the current run, gaps included */
	unsigned gap;         /* unvoiced frames since the last voiced one */
	bool in_run;          /* a voiced run is open (maybe not yet a word) */
	bool run_is_word;     /* the open run reached min_word_ms */
	unsigned words;       /* words confirmed so far */
	bool greeting;        /* the first word has been heard */
	unsigned greet_start; /* frame where the greeting's first word began */
	unsigned greet_end;   /* frame after the greeting's last voiced frame */

	enum amd_result result;
	unsigned decision_ms;
	const char *reason;
};

/* The defaults documented in amd.h. */
void amd_cfg_default(struct amd_cfg *cfg)
{
	if (!cfg)
		return;
	*cfg = (struct amd_cfg){
	        .srate = 8000,
	        .initial_silence_ms = 2500,
	        .greeting_max_ms = 1800,
	        .after_greeting_silence_ms = 500,
	        .min_word_ms = 60,
	        .word_gap_ms = 80,
	        .max_words = 6,
	        .max_decision_ms = 4000,
	        .min_speech_dbfs = -45,
	        .speech_snr_db = 9,
	        .beep_min_hz = 400,
	        .beep_max_hz = 2000,
	        .beep_min_ms = 120,
	        .beep_purity_pct = 90,
	        .beep_silence_ms = 2500,
	};
}

static bool beep_core_init(struct beep_core *bc, const struct amd_cfg *cfg);

/* Frames needed to cover ms of audio (at least one). */
static unsigned ms_frames(unsigned ms)
{
	unsigned f = (ms * FRAME_PER_S + 999) / 1000;

	return f ? f : 1;
}

/* Allocates an analyser with cfg (or the defaults). */
struct amd *amd_new(const struct amd_cfg *cfg)
{
	struct amd *amd;

	amd = calloc(1, sizeof(*amd));
	if (!amd)
		return NULL;
	if (cfg)
		amd->cfg = *cfg;
	else
		amd_cfg_default(&amd->cfg);
	if (amd->cfg.srate < 4000 || amd->cfg.srate > 48000 || amd->cfg.srate % FRAME_PER_S ||
	    !amd->cfg.max_decision_ms) {
		free(amd);
		return NULL;
	}
	amd->frame_len = amd->cfg.srate / FRAME_PER_S;
	amd->frame = calloc(amd->frame_len, sizeof(*amd->frame));
	if (!amd->frame) {
		free(amd);
		return NULL;
	}
	amd->beep_on = beep_core_init(&amd->beep, &amd->cfg);
	amd->floor_db = FLOOR_INIT_DB;
	amd->reason = "";
	return amd;
}

/* Frees the analyser. */
void amd_free(struct amd *amd)
{
	if (!amd)
		return;
	free(amd->frame);
	free(amd);
}

/* Milliseconds of audio in the first `frames` frames. */
static unsigned frames_ms(unsigned frames)
{
	return frames * (1000 / FRAME_PER_S);
}

/* Records the final decision at the end of the current frame. */
static void decide(struct amd *amd, enum amd_result r, const char *reason)
{
	amd->result = r;
	amd->reason = reason;
	amd->decision_ms = frames_ms(amd->frames);
}

/* Sets the probes up; false when beep detection is off or the range is unusable. */
static bool beep_core_init(struct beep_core *bc, const struct amd_cfg *cfg)
{
	unsigned i;

	memset(bc, 0, sizeof(*bc));
	if (!cfg->beep_max_hz || cfg->beep_min_hz < 100 || cfg->beep_min_hz > cfg->beep_max_hz ||
	    cfg->beep_max_hz + 100 > cfg->srate / 2 ||
	    (cfg->beep_max_hz - cfg->beep_min_hz) / BEEP_STEP_HZ + 3 > BEEP_PROBES_MAX)
		return false;
	/* One probe more on each side, so tones at the ends of the range can be refined too. */
	bc->lo_hz = cfg->beep_min_hz - BEEP_STEP_HZ;
	bc->nprobes = (cfg->beep_max_hz - cfg->beep_min_hz) / BEEP_STEP_HZ + 3;
	bc->min_hz = cfg->beep_min_hz - BEEP_STEP_HZ / 2.0;
	bc->max_hz = cfg->beep_max_hz + BEEP_STEP_HZ / 2.0;
	bc->frame_len = cfg->srate / FRAME_PER_S;
	bc->srate = cfg->srate;
	for (i = 0; i < bc->nprobes; i++)
		bc->coef[i] = 2.0 * cos(2.0 * M_PI * (bc->lo_hz + i * BEEP_STEP_HZ) / cfg->srate);
	bc->purity = cfg->beep_purity_pct / 100.0;
	bc->need = ms_frames(cfg->beep_min_ms);
	bc->step_min = ms_frames(STEP_MIN_MS);
	return true;
}

/* True when two probes' tones could be harmonics k and k + 1 of one voice (pitch up to
 * VOICE_MAX_HZ): the lower is then a whole multiple of their distance. */
static bool neighbour_harmonics(const struct beep_core *bc, int p, int q)
{
	double lo = bc->lo_hz + (double)(p < q ? p : q) * BEEP_STEP_HZ;
	double d = abs(p - q) * (double)BEEP_STEP_HZ, k;

	if (d > VOICE_MAX_HZ)
		return false;
	k = lo / d;
	return fabs(k - floor(k + 0.5)) * d <= BEEP_STEP_HZ;
}

/* Goertzel power of frame at coefficient c: (A N / 2)^2 for a tone of amplitude A there. */
static double goertzel(const double *frame, unsigned n, double c)
{
	double q1 = 0.0, q2 = 0.0;
	unsigned k;

	for (k = 0; k < n; k++) {
		double q0 = c * q1 - q2 + frame[k];

		q2 = q1;
		q1 = q0;
	}
	return q1 * q1 + q2 * q2 - c * q1 * q2;
}

/* The frequency of the tone near probe p, refined between the probes (a parabola through the
 * magnitudes of p and its neighbours), and its power measured there. */
static double tone_at(const struct beep_core *bc, const double *frame, const double *power, int p,
                      unsigned srate, double *power_out)
{
	double hz = bc->lo_hz + (double)p * BEEP_STEP_HZ;

	if (p > 0 && p + 1 < (int)bc->nprobes) {
		double l = sqrt(power[p - 1]), m = sqrt(power[p]), r = sqrt(power[p + 1]);
		double den = l - 2.0 * m + r;

		if (den < 0.0)
			hz += 0.5 * (l - r) / den * BEEP_STEP_HZ;
	}
	*power_out = goertzel(frame, bc->frame_len, 2.0 * cos(2.0 * M_PI * hz / srate));
	if (*power_out < power[p])
		*power_out = power[p];
	return hz;
}

/* The tone(s) of a frame: *a the strongest tone's frequency, *b a second tone's when the frame
 * is a dual tone (else 0). True when the frame is tonal enough for a beep. */
static bool frame_tonal(const struct beep_core *bc, const double *frame, double energy,
                        unsigned srate, double *a, double *b)
{
	double power[BEEP_PROBES_MAX], best = 0.0, second = 0.0, norm, pa, pb;
	int ia = -1, ib = -1;
	unsigned i;

	*a = *b = 0.0;
	if (energy <= 0.0)
		return false;
	for (i = 0; i < bc->nprobes; i++) {
		power[i] = goertzel(frame, bc->frame_len, bc->coef[i]);
		if (power[i] > best) {
			best = power[i];
			ia = (int)i;
		}
	}
	if (ia < 0)
		return false;
	for (i = 0; i < bc->nprobes; i++) {
		if (abs((int)i - ia) >= DUAL_APART && power[i] > second) {
			second = power[i];
			ib = (int)i;
		}
	}
	/* energy is the frame's mean square. A pure tone of amplitude A gives power (A N / 2)^2
	 * at its frequency and a mean square of A^2 / 2, so this share is 1 for it and well
	 * below for speech or noise. */
	norm = 2.0 / ((double)bc->frame_len * bc->frame_len * energy);
	if (best * norm < DUAL_MIN_SHARE)
		return false;
	*a = tone_at(bc, frame, power, ia, srate, &pa);
	if (*a < bc->min_hz || *a > bc->max_hz) {
		*a = 0.0;
		return false;
	}
	if (pa * norm >= bc->purity)
		return true;
	/* Two tones at once (a dual-tone beep): together pure, each a real part of it, and not
	 * two neighbouring harmonics of one voice (a held vowel can put most of its energy in
	 * the two harmonics around its first formant). */
	if (ib >= 0 && second * norm >= DUAL_MIN_SHARE && !neighbour_harmonics(bc, ia, ib)) {
		*b = tone_at(bc, frame, power, ib, srate, &pb);
		if (*b >= bc->min_hz && *b <= bc->max_hz && (pa + pb) * norm >= bc->purity)
			return true;
	}
	*a = *b = 0.0;
	return false;
}

/* True when a tone at hz continues the current one: a beep holds its pitch. */
static bool tone_holds(const struct beep_core *bc, double hz)
{
	return (bc->tone_a > 0 && fabs(hz - bc->tone_a) <= HOLD_HZ) ||
	       (bc->tone_b > 0 && fabs(hz - bc->tone_b) <= HOLD_HZ);
}

/* Tracks the beep over frame f; returns true while a tone has held for beep_min_ms. */
static bool beep_core_frame(struct beep_core *bc, const double *frame, double energy, bool loud,
                            unsigned f)
{
	double a, b;

	if (!loud || !frame_tonal(bc, frame, energy, bc->srate, &a, &b)) {
		/* Where a two-tone beep steps, a frame or two hold a little of both tones (and
		 * the fades between them) and are pure in neither: up to STEP_GAP_FRAMES such
		 * frames in a run are forgiven, and the run goes on only if the next clean
		 * frame holds the tone or makes that one step. */
		if (bc->run >= bc->step_min && bc->missed < STEP_GAP_FRAMES) {
			bc->missed++;
			return false;
		}
		bc->run = 0;
		bc->missed = 0;
		bc->tone_a = bc->tone_b = 0.0;
		return false;
	}
	/* Speech harmonics drift and glide from frame to frame; a two-tone beep steps once,
	 * cleanly, from one held tone to another. */
	if (bc->run && !tone_holds(bc, a) && !(b > 0 && tone_holds(bc, b))) {
		if (!bc->stepped && bc->run >= bc->step_min)
			bc->stepped = true;
		else
			bc->run = 0;
	}
	if (!bc->run) {
		bc->run_start = f;
		bc->stepped = false;
		bc->missed = 0;
		bc->first = b > 0 && b < a ? b : a;
	}
	bc->tone_a = a;
	bc->tone_b = b;
	bc->last = f;
	bc->run++;
	return bc->run >= bc->need;
}

/* Tracks the beep; returns true once a stable tone has lasted beep_min_ms. */
static bool beep_update(struct amd *amd, double energy, bool loud)
{
	if (!amd->beep_on)
		return false;
	return beep_core_frame(&amd->beep, amd->frame, energy, loud, amd->frames);
}

/* Moves the noise floor toward this frame's level (fast down, slow up). */
static void floor_update(struct amd *amd, double level, bool voiced)
{
	if (level < amd->floor_db)
		amd->floor_db += FLOOR_FALL_K * (level - amd->floor_db);
	else if (!voiced)
		amd->floor_db += FLOOR_TRACK_K * (level - amd->floor_db);
	else if (amd->floor_db + FLOOR_RISE_DB < level)
		amd->floor_db += FLOOR_RISE_DB;
}

/* Updates words and the greeting with one frame's voicing (frame index f). */
static void words_update(struct amd *amd, unsigned f, bool voiced)
{
	if (voiced) {
		if (!amd->in_run) {
			amd->in_run = true;
			amd->run_is_word = false;
			amd->run_start = f;
			amd->run_len = 0;
		}
		amd->run_len += amd->gap + 1;
		amd->gap = 0;
		if (!amd->run_is_word && amd->run_len >= ms_frames(amd->cfg.min_word_ms)) {
			amd->run_is_word = true;
			amd->words++;
			if (!amd->greeting) {
				amd->greeting = true;
				amd->greet_start = amd->run_start;
			}
		}
		if (amd->run_is_word)
			amd->greet_end = f + 1;
		return;
	}
	if (!amd->in_run)
		return;
	amd->gap++;
	if (amd->gap >= ms_frames(amd->cfg.word_gap_ms)) {
		/* The run is over: a word if it was long enough, a click otherwise. */
		amd->in_run = false;
		amd->gap = 0;
	}
}

/* Applies the decision rules after frame f. */
static void rules(struct amd *amd, unsigned f, bool beep)
{
	unsigned now = f + 1;

	if (beep) {
		decide(amd, AMD_MACHINE, "beep");
		return;
	}
	if (amd->greeting) {
		if (amd->greet_end - amd->greet_start > ms_frames(amd->cfg.greeting_max_ms)) {
			decide(amd, AMD_MACHINE, "long greeting");
			return;
		}
		if (amd->words > amd->cfg.max_words) {
			decide(amd, AMD_MACHINE, "many words");
			return;
		}
		if (!amd->in_run &&
		    now - amd->greet_end >= ms_frames(amd->cfg.after_greeting_silence_ms)) {
			decide(amd, AMD_HUMAN, "short greeting");
			return;
		}
	} else if (now >= ms_frames(amd->cfg.initial_silence_ms)) {
		decide(amd, AMD_UNKNOWN, "no speech");
		return;
	}
	if (now >= ms_frames(amd->cfg.max_decision_ms))
		decide(amd, AMD_UNKNOWN, "undecided");
}

/* Analyses the complete frame in amd->frame. */
static void frame_done(struct amd *amd)
{
	double energy = 0.0, level, thr;
	unsigned k, f = amd->frames;
	bool voiced, beep;

	for (k = 0; k < amd->frame_len; k++)
		energy += amd->frame[k] * amd->frame[k];
	energy /= amd->frame_len;
	level = energy > 0.0 ? 10.0 * log10(energy / (32768.0 * 32768.0)) : LEVEL_MIN_DB;
	if (level < LEVEL_MIN_DB)
		level = LEVEL_MIN_DB;

	thr = amd->floor_db + amd->cfg.speech_snr_db;
	if (thr < amd->cfg.min_speech_dbfs)
		thr = amd->cfg.min_speech_dbfs;
	voiced = level > thr;
	beep = beep_update(amd, energy, voiced);
	floor_update(amd, level, voiced);
	words_update(amd, f, voiced);
	amd->frames++;
	rules(amd, f, beep);
}

/* Feeds samples; see amd.h. */
enum amd_result amd_feed(struct amd *amd, const int16_t *samples, size_t n)
{
	size_t i;

	if (!amd)
		return AMD_UNKNOWN;
	if (!samples)
		return amd->result;
	for (i = 0; i < n && amd->result == AMD_PENDING; i++) {
		/* y[n] = x[n] - x[n-1] + p y[n-1]: removes DC without touching speech. */
		double x = samples[i], y;

		/* Starting from the first sample (not from 0) keeps a constant offset from
		 * looking like a click at the start of the call. */
		if (!amd->dc_primed) {
			amd->dc_x1 = x;
			amd->dc_primed = true;
		}
		y = x - amd->dc_x1 + DC_POLE * amd->dc_y1;

		amd->dc_x1 = x;
		amd->dc_y1 = y;
		amd->frame[amd->fill++] = y;
		amd->samples++;
		if (amd->fill == amd->frame_len) {
			amd->fill = 0;
			frame_done(amd);
		}
	}
	return amd->result;
}

/* Ends the audio: a pending analyser decides UNKNOWN. */
enum amd_result amd_finish(struct amd *amd)
{
	if (!amd)
		return AMD_UNKNOWN;
	if (amd->result == AMD_PENDING) {
		decide(amd, AMD_UNKNOWN, amd->greeting ? "audio ended" : "no speech");
		amd->decision_ms = amd_fed_ms(amd);
	}
	return amd->result;
}

/* The result so far. */
enum amd_result amd_result(const struct amd *amd)
{
	return amd ? amd->result : AMD_UNKNOWN;
}

/* Decision time in ms of audio. */
unsigned amd_decision_ms(const struct amd *amd)
{
	return amd ? amd->decision_ms : 0;
}

/* Audio fed so far in ms. */
unsigned amd_fed_ms(const struct amd *amd)
{
	return amd ? (unsigned)(amd->samples * 1000 / amd->cfg.srate) : 0;
}

/* Why the analyser decided. */
const char *amd_reason(const struct amd *amd)
{
	return amd ? amd->reason : "";
}

/* Names for logs and reports. */
const char *amd_result_name(enum amd_result r)
{
	switch (r) {
	case AMD_PENDING:
		return "pending";
	case AMD_HUMAN:
		return "human";
	case AMD_MACHINE:
		return "machine";
	case AMD_UNKNOWN:
		return "unknown";
	}
	return "?";
}

/* ---- the beep alone ---- */

struct amd_beep {
	struct beep_core bc;
	double *frame;
	unsigned fill, frames;
	double dc_x1, dc_y1;
	bool dc_primed;
	double min_energy;     /* min_speech_dbfs as a mean square */
	unsigned silence_need; /* frames of quiet that end the wait (0: never) */
	unsigned quiet;        /* quiet frames in a row */
	enum amd_beep_state state;
	unsigned start_ms, end_ms, hz;
};

/* A beep listener. */
struct amd_beep *amd_beep_new(const struct amd_cfg *cfg)
{
	struct amd_cfg c;
	struct amd_beep *b;

	if (cfg)
		c = *cfg;
	else
		amd_cfg_default(&c);
	if (c.srate < 4000 || c.srate > 48000 || c.srate % FRAME_PER_S)
		return NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->frame = calloc(c.srate / FRAME_PER_S, sizeof(*b->frame));
	if (!b->frame || !beep_core_init(&b->bc, &c)) {
		amd_beep_free(b);
		return NULL;
	}
	b->min_energy = 32768.0 * 32768.0 * pow(10.0, c.min_speech_dbfs / 10.0);
	b->silence_need = c.beep_silence_ms ? ms_frames(c.beep_silence_ms) : 0;
	return b;
}

/* Frees a beep listener. */
void amd_beep_free(struct amd_beep *b)
{
	if (!b)
		return;
	free(b->frame);
	free(b);
}

/* One complete frame. */
static void beep_frame_done(struct amd_beep *b)
{
	double energy = 0.0;
	unsigned k, f = b->frames++;
	bool held, loud;

	for (k = 0; k < b->bc.frame_len; k++)
		energy += b->frame[k] * b->frame[k];
	energy /= b->bc.frame_len;
	loud = energy >= b->min_energy;
	held = beep_core_frame(&b->bc, b->frame, energy, loud, f);
	b->quiet = loud ? 0 : b->quiet + 1;
	if (b->state == AMD_BEEP_NONE && b->silence_need && b->quiet >= b->silence_need) {
		b->state = AMD_BEEP_SILENT;
		b->end_ms = frames_ms(f + 1);
	} else if (b->state == AMD_BEEP_NONE && held) {
		b->state = AMD_BEEP_ON;
		b->start_ms = frames_ms(b->bc.run_start);
		b->hz = (unsigned)(b->bc.first + 0.5);
	} else if (b->state == AMD_BEEP_ON && !b->bc.run) {
		b->state = AMD_BEEP_OVER;
		b->end_ms = frames_ms(b->bc.last + 1);
	}
}

/* Feeds samples to a beep listener. */
enum amd_beep_state amd_beep_feed(struct amd_beep *b, const int16_t *samples, size_t n)
{
	size_t i;

	if (!b)
		return AMD_BEEP_NONE;
	for (i = 0; samples && i < n && b->state < AMD_BEEP_OVER; i++) {
		double x = samples[i], y;

		if (!b->dc_primed) {
			b->dc_x1 = x;
			b->dc_primed = true;
		}
		y = x - b->dc_x1 + DC_POLE * b->dc_y1;
		b->dc_x1 = x;
		b->dc_y1 = y;
		b->frame[b->fill++] = y;
		if (b->fill == b->bc.frame_len) {
			b->fill = 0;
			beep_frame_done(b);
		}
	}
	return b->state;
}

/* When the beep started. */
unsigned amd_beep_start_ms(const struct amd_beep *b)
{
	return b && (b->state == AMD_BEEP_ON || b->state == AMD_BEEP_OVER) ? b->start_ms : 0;
}

/* When the beep ended (or the wait for it). */
unsigned amd_beep_end_ms(const struct amd_beep *b)
{
	return b && b->state >= AMD_BEEP_OVER ? b->end_ms : 0;
}

/* The beep's pitch. */
unsigned amd_beep_hz(const struct amd_beep *b)
{
	return b && (b->state == AMD_BEEP_ON || b->state == AMD_BEEP_OVER) ? b->hz : 0;
}

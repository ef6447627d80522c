/*
 * amd: answering-machine detection, a pure streaming analyser over 16-bit PCM.
 *
 * Audio is cut into 20 ms frames. For each frame a DC blocker removes any offset, the level
 * (dBFS) is compared with an adaptive noise floor to call the frame voiced or not, and a bank
 * of Goertzel filters around beep_hz measures how much of the frame's energy sits in one pure
 * tone. Voiced frames group into words (runs of at least min_word_ms, with gaps shorter than
 * word_gap_ms bridged), words into the greeting, and the greeting's shape decides:
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
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "loftdial/amd.h"

#define FRAME_PER_S   50 /* 20 ms frames */
#define BEEP_PROBES   9  /* beep_hz - 100 Hz .. beep_hz + 100 Hz in 25 Hz steps */
#define BEEP_STEP_HZ  25
#define FLOOR_INIT_DB -60.0
#define LEVEL_MIN_DB  -96.0
#define FLOOR_RISE_DB 0.1 /* per voiced frame: 5 dB/s */
#define FLOOR_FALL_K  0.3 /* share of the gap closed per quieter frame */
#define FLOOR_TRACK_K 0.05
#define DC_POLE       0.995

struct amd {
	struct amd_cfg cfg;
	unsigned frame_len; /* samples per frame */
	double *frame;      /* current frame, DC-blocked */
	unsigned fill;      /* samples in frame */
	double dc_x1, dc_y1;
	bool dc_primed; /* dc_x1 holds a real sample */
	double beep_coef[BEEP_PROBES];

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

	unsigned beep_frames; /* consecutive tonal frames */
	int beep_probe;       /* probe index of the current tone, -1 none */

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
	        .beep_hz = 1000,
	        .beep_min_ms = 120,
	        .beep_purity_pct = 75,
	};
}

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
	unsigned i;

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
	for (i = 0; i < BEEP_PROBES; i++) {
		double f = (double)amd->cfg.beep_hz +
		           ((int)i - BEEP_PROBES / 2) * (double)BEEP_STEP_HZ;

		amd->beep_coef[i] = 2.0 * cos(2.0 * M_PI * f / amd->cfg.srate);
	}
	amd->floor_db = FLOOR_INIT_DB;
	amd->beep_probe = -1;
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

/* Share (0..1) of the frame's energy held by the strongest probe tone; *probe gets its index. */
static double frame_tone(const struct amd *amd, double energy, int *probe)
{
	double best = 0.0;
	unsigned i, k;

	*probe = -1;
	if (!amd->cfg.beep_hz || energy <= 0.0)
		return 0.0;
	for (i = 0; i < BEEP_PROBES; i++) {
		double q1 = 0.0, q2 = 0.0, c = amd->beep_coef[i], power;

		for (k = 0; k < amd->frame_len; k++) {
			double q0 = c * q1 - q2 + amd->frame[k];

			q2 = q1;
			q1 = q0;
		}
		power = q1 * q1 + q2 * q2 - c * q1 * q2;
		if (power > best) {
			best = power;
			*probe = (int)i;
		}
	}
	/* energy is the frame's mean square. A pure tone of amplitude A centred on a probe gives
	 * power = (A N / 2)^2 and a mean square of A^2 / 2, so this ratio is 1 for it and small
	 * for speech or noise. */
	return 2.0 * best / ((double)amd->frame_len * amd->frame_len * energy);
}

/* Tracks the beep; returns true once a stable tone has lasted beep_min_ms. */
static bool beep_update(struct amd *amd, double energy, bool loud)
{
	int probe;
	double purity = frame_tone(amd, energy, &probe);

	if (!loud || purity * 100.0 < amd->cfg.beep_purity_pct) {
		amd->beep_frames = 0;
		amd->beep_probe = -1;
		return false;
	}
	/* A beep holds its pitch; speech harmonics glide across probes. */
	if (amd->beep_frames && abs(probe - amd->beep_probe) > 1)
		amd->beep_frames = 0;
	amd->beep_probe = probe;
	amd->beep_frames++;
	return amd->beep_frames >= ms_frames(amd->cfg.beep_min_ms);
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

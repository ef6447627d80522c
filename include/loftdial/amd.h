/*
 * amd: answering-machine detection on the first seconds of an answered call.
 *
 * A pure streaming analyser: the caller feeds 16-bit mono PCM (8 kHz by default) in chunks of
 * any size, as the audio arrives, and gets AMD_PENDING until the analyser has decided. The
 * decision is final: later audio is ignored and amd_feed() keeps returning it. Nothing here
 * does I/O or keeps global state; the clock is the audio itself, so the same samples always
 * give the same answer at the same "decision time" (milliseconds of audio fed).
 *
 * The method is the classic one (an energy detector with an adaptive noise floor, then rules
 * on the greeting's shape) plus a Goertzel beep detector over 400 Hz-2 kHz; docs/amd.md has
 * the details and the measured accuracy.
 *
 * The beep detector also runs alone (amd_beep_new), for a line that already knows it reached a
 * machine and waits for the beep before it speaks (voicemail drop).
 */
#ifndef LOFTDIAL_AMD_H
#define LOFTDIAL_AMD_H

#include <stddef.h>
#include <stdint.h>

enum amd_result {
	AMD_PENDING = 0, /* not decided yet: feed more audio */
	AMD_HUMAN,       /* a short greeting followed by silence */
	AMD_MACHINE,     /* a long greeting, many words, or a beep */
	AMD_UNKNOWN,     /* no speech, or still undecided at max_decision_ms */
};

/* Tunables. amd_cfg_default() fills the defaults given here; every duration is in ms of audio
 * and every level in dBFS (0 = a full-scale sine's RMS is about -3 dBFS). */
struct amd_cfg {
	unsigned srate;                     /* samples per second; default 8000 */
	unsigned initial_silence_ms;        /* no speech by then: UNKNOWN; default 2500 */
	unsigned greeting_max_ms;           /* a greeting longer than this: MACHINE; 1800 */
	unsigned after_greeting_silence_ms; /* silence that ends a short greeting: HUMAN; 500 */
	unsigned min_word_ms;               /* voiced runs shorter than this are clicks; 60 */
	unsigned word_gap_ms;               /* shorter gaps do not split a word; 80 */
	unsigned max_words;                 /* more words in the greeting: MACHINE; 6 */
	unsigned max_decision_ms;           /* give up (UNKNOWN) after this much audio; 4000 */
	int min_speech_dbfs;                /* never speech below this frame level; -45 */
	int speech_snr_db;                  /* speech is this far above the noise floor; 9 */
	unsigned beep_min_hz;               /* lowest beep tone looked for; 400 */
	unsigned beep_max_hz;               /* highest beep tone looked for (0 disables); 2000 */
	unsigned beep_min_ms;               /* a tone held this long is a beep; 120 */
	unsigned beep_purity_pct;           /* share of the frame's energy in the tone (or in two
	                                     * tones at once, for dual-tone beeps); 90 */
	unsigned beep_silence_ms;           /* amd_beep: this much quiet and no beep means none
	                                     * is coming (0 = wait forever); 2500 */
};

struct amd;

/* Fills cfg with the defaults above. */
void amd_cfg_default(struct amd_cfg *cfg);

/* A new analyser (cfg NULL = defaults). NULL when out of memory or cfg is unusable (srate
 * outside 4000..48000 or not a multiple of 50, or a zero max_decision_ms). */
struct amd *amd_new(const struct amd_cfg *cfg);
/* Frees the analyser (NULL is fine). */
void amd_free(struct amd *amd);

/* Feeds n samples (samples may be NULL when n is 0) and returns the result so far. Once
 * decided, the result never changes and further audio is ignored. NULL amd: AMD_UNKNOWN. */
enum amd_result amd_feed(struct amd *amd, const int16_t *samples, size_t n);
/* Declares the end of the audio (the call ended): a pending analyser decides UNKNOWN now. */
enum amd_result amd_finish(struct amd *amd);

/* The result so far (AMD_PENDING before a decision). */
enum amd_result amd_result(const struct amd *amd);
/* Milliseconds of audio at which the decision was taken (0 while pending). */
unsigned amd_decision_ms(const struct amd *amd);
/* Milliseconds of audio fed so far. */
unsigned amd_fed_ms(const struct amd *amd);
/* A short, static, human-readable reason for the decision ("beep", "long greeting", ...),
 * or "" while pending. */
const char *amd_reason(const struct amd *amd);

/* "pending", "human", "machine", "unknown". */
const char *amd_result_name(enum amd_result r);

/* ---- the beep alone ---- */

enum amd_beep_state {
	AMD_BEEP_NONE = 0, /* no beep yet */
	AMD_BEEP_ON,       /* a beep is sounding (held at least beep_min_ms) */
	AMD_BEEP_OVER,     /* the beep has ended: the machine is recording now */
	AMD_BEEP_SILENT,   /* no beep, but beep_silence_ms of quiet: the machine records anyway */
};

struct amd_beep;

/* A beep listener with cfg's srate and beep_* settings (NULL = defaults). A frame counts when
 * it is louder than min_speech_dbfs and at least beep_purity_pct of its energy sits in one tone
 * between beep_min_hz and beep_max_hz (or in two tones at once); the tone must hold its pitch
 * (it may step once to another tone: two-tone beeps) for beep_min_ms. NULL when out of memory
 * or cfg is unusable (as amd_new, or beep detection off). */
struct amd_beep *amd_beep_new(const struct amd_cfg *cfg);
void amd_beep_free(struct amd_beep *b);
/* Feeds n samples; returns the state so far. OVER and SILENT are final (later audio is
 * ignored). SILENT comes after beep_silence_ms without a loud frame (from the start, or from
 * the greeting's last sound) and without a beep: machines that never beep record anyway. */
enum amd_beep_state amd_beep_feed(struct amd_beep *b, const int16_t *samples, size_t n);
/* When the beep started and ended, in ms of audio fed (0 until known; SILENT: end is when the
 * listener gave up), and its pitch in Hz (the first tone of a two-tone beep, the lower of a
 * dual tone; 0 until ON). */
unsigned amd_beep_start_ms(const struct amd_beep *b);
unsigned amd_beep_end_ms(const struct amd_beep *b);
unsigned amd_beep_hz(const struct amd_beep *b);

#endif

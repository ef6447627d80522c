/*
 * vmrec: the recorded messages loftdial plays (a voicemail left after the beep, the
 * identification message a dropped live answer hears), in the one format the engine plays:
 * a WAV of 16-bit PCM, mono, 8 kHz (baresip's aufile source opens it as the G.711 call's own
 * rate). A message is made either by converting any audio file with sox, or by recording the
 * rep's headset through baresip: a line of the phone (with the far end recorded, as for AMD)
 * calls a second, local baresip that answers with the headset as its source, so what the
 * line records is the rep's voice as a call carries it.
 */
#ifndef LOFTDIAL_VMREC_H
#define LOFTDIAL_VMREC_H

#include <stddef.h>
#include <stdint.h>

#include "loftdial/phone.h"

#define VMREC_RATE   8000
#define VMREC_MAX_MS 120000 /* the longest message recorded (2 minutes) */

/* Checks that path is a message the engine can play: RIFF/WAVE, PCM 16-bit, mono, 8 kHz, with
 * at least 100 ms of audio. *ms (may be NULL) gets its length. 0, or an errno value with what
 * is wrong in why: ENOENT (cannot open), EPROTO (not that format), ENODATA (too short). */
int vmrec_check(const char *path, unsigned *ms, char *why, size_t whyn);

/* Converts in (any file sox reads) to the engine's format at out, through out.part renamed
 * into place, so out is never half written. Runs sox and waits for it (a command-line step,
 * never from a loop handler). 0; ENOENT with "sox is not installed ..." when sox is missing;
 * EIO with sox's own message when it fails; EPROTO when its output does not check. */
int vmrec_convert(const char *in, const char *out, char *why, size_t whyn);

/* Writes n samples as the engine's WAV at path (through path.part). 0 or an errno value. */
int vmrec_write_wav(const char *path, const int16_t *pcm, size_t n);

/* ---- recording the rep's headset through baresip (runs on the loop) ---- */

struct vmrec;

struct vmrec_opts {
	struct phone_opts phone; /* spawn mode; lines, record and the rep's audio are set here */
	const char *source;      /* the headset's baresip source ("alsa,default") */
	unsigned max_ms;         /* stop by itself after this much audio (0: VMREC_MAX_MS) */
};

enum vmrec_ev {
	VMREC_EV_RECORDING, /* the call to the headset is up: speak now */
	VMREC_EV_DONE,      /* finished: err 0 and the samples, or err with why */
};

typedef void(vmrec_h)(enum vmrec_ev ev, int err, const char *why, void *arg);

/* Starts the two engines and the call; h hears RECORDING, then DONE exactly once. EINVAL
 * with why for unusable options (connect mode, no source, a source baresip's config cannot
 * carry). */
int vmrec_start(struct vmrec **rp, const struct vmrec_opts *o, vmrec_h *h, void *arg, char *why,
                size_t whyn);
/* Ends the recording: the call is hung up and DONE follows (also before RECORDING: DONE with
 * ECANCELED). */
void vmrec_stop(struct vmrec *r);
/* The audio recorded so far (valid until vmrec_free). */
const int16_t *vmrec_samples(const struct vmrec *r, size_t *n);
/* Frees everything; engines still running are killed and reaped (engine_free). NULL is fine. */
void vmrec_free(struct vmrec *r);

#endif

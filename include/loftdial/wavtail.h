/*
 * wavtail: reads the samples of a WAV file that another process is still writing.
 *
 * baresip's sndfile module records each call's received audio to a "-dec.wav" file (PCM16,
 * mono, 44-byte header) and appends to it while the call runs. wavtail follows such a file
 * like `tail -f`: the file may not exist yet, its header may be incomplete, its last sample
 * may be half-written; each read returns only the whole samples that are new since the last
 * one. If the file is replaced (another inode at the path) or shrinks, that is an error: the
 * audio it returned so far no longer matches what is on disk.
 *
 * Reads are plain pread() calls on a local regular file, cheap enough to run from a libre
 * timer on the one loop; wavtail itself starts no timer.
 */
#ifndef LOFTDIAL_WAVTAIL_H
#define LOFTDIAL_WAVTAIL_H

#include <stddef.h>
#include <stdint.h>

struct wavtail;

/* Starts following path (the file need not exist yet). 0, EINVAL (NULL or empty path, or too
 * long), or ENOMEM. */
int wavtail_open(struct wavtail **wtp, const char *path);
/* Stops following and closes the file (NULL is fine). */
void wavtail_close(struct wavtail *wt);

/* Reads up to max new samples into buf; *n gets how many (0 when nothing new, when the file
 * does not exist yet, or when its header is not complete yet). Returns 0, or:
 *   EPROTO  the header is not a RIFF/WAVE with 16-bit mono PCM (or a chunk is malformed)
 *   ESTALE  the file was replaced by another one, or became shorter than what was read
 *   EINVAL  NULL arguments
 *   other   an errno from open/fstat/pread
 * After an error every later read fails the same way. */
int wavtail_read(struct wavtail *wt, int16_t *buf, size_t max, size_t *n);

/* The sample rate from the header (0 until the header has been read). */
unsigned wavtail_srate(const struct wavtail *wt);
/* Samples returned so far. */
uint64_t wavtail_samples(const struct wavtail *wt);
/* True once the file exists and its header was accepted. */
int wavtail_ready(const struct wavtail *wt);

#endif

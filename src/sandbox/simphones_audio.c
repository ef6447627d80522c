/*
 * simphones_audio: the sounds the simulated phones play, loaded once at start.
 *
 * Three classes of clips, each a folder of 8 kHz mono PCM16 WAV files made by
 * scripts/make-recordings.sh: human greetings, voicemail greetings (with their beep), and
 * network announcements. Files are taken in name order so a voice index always names the
 * same clip. When a folder is missing or empty, a synthetic stand-in takes its place (a
 * harmonic "voice" under a syllable envelope, a 1 kHz beep, the special information tone), so
 * the phones still behave, and AMD still sees speech-like energy, without espeak-ng.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simphones.h"
#include "loftdial/text.h"

#define SRATE          8000
#define CLIPS_MAX      256
#define CLIP_MAX_BYTES (8000 * 2 * 120) /* two minutes */

struct simphones_audio {
	struct simphones_clip *clips[SIMPHONES_NCLASS];
	size_t count[SIMPHONES_NCLASS];
};

static const char *const class_dirs[SIMPHONES_NCLASS] = {"human", "machine", "announce"};

/* Little-endian readers. */
static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Reads exactly n bytes or fails with EPROTO. */
static int read_exact(FILE *f, void *buf, size_t n)
{
	return fread(buf, 1, n, f) == n ? 0 : EPROTO;
}

/* Reads a whole 8 kHz mono PCM16 WAV file. */
int simphones_wav_read(const char *path, struct simphones_clip *clip)
{
	uint8_t hdr[12], ck[8], fmt[16];
	bool have_fmt = false;
	FILE *f;
	int err = 0;

	if (!path || !clip)
		return EINVAL;
	memset(clip, 0, sizeof(*clip));
	f = fopen(path, "rb");
	if (!f)
		return errno;
	err = read_exact(f, hdr, sizeof(hdr));
	if (err || memcmp(hdr, "RIFF", 4) || memcmp(hdr + 8, "WAVE", 4)) {
		err = EPROTO;
		goto out;
	}
	for (;;) {
		uint32_t size;

		err = read_exact(f, ck, sizeof(ck));
		if (err)
			goto out;
		size = le32(ck + 4);
		if (!memcmp(ck, "fmt ", 4)) {
			if (size < 16 || read_exact(f, fmt, sizeof(fmt))) {
				err = EPROTO;
				goto out;
			}
			if (le16(fmt) != 1 || le16(fmt + 2) != 1 || le32(fmt + 4) != SRATE ||
			    le16(fmt + 14) != 16) {
				err = EPROTO;
				goto out;
			}
			have_fmt = true;
			size -= 16;
		} else if (!memcmp(ck, "data", 4)) {
			break;
		}
		if (fseek(f, (long)size + (long)(size & 1), SEEK_CUR)) {
			err = EPROTO;
			goto out;
		}
	}
	if (!have_fmt || le32(ck + 4) > CLIP_MAX_BYTES) {
		err = EPROTO;
		goto out;
	}
	clip->n = le32(ck + 4) / 2;
	clip->pcm = calloc(clip->n ? clip->n : 1, sizeof(*clip->pcm));
	if (!clip->pcm) {
		err = ENOMEM;
		goto out;
	}
	/* A file cut short keeps what it has. */
	clip->n = fread(clip->pcm, sizeof(*clip->pcm), clip->n, f);
	for (size_t i = 0; i < clip->n; i++) {
		uint8_t *b = (uint8_t *)&clip->pcm[i];

		clip->pcm[i] = (int16_t)le16(b);
	}
	if (!clip->n)
		err = EPROTO;
out:
	fclose(f);
	if (err) {
		free(clip->pcm);
		memset(clip, 0, sizeof(*clip));
	}
	return err;
}

/* qsort comparator for file names. */
static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every .wav of dir/sub into *clips (sorted by name); *count may end up 0. */
static int class_load(const char *dir, const char *sub, struct simphones_clip **clips,
                      size_t *count)
{
	char path[1024], *names[CLIPS_MAX];
	size_t n = 0, i;
	struct dirent *de;
	DIR *d;
	int err = 0;

	*clips = NULL;
	*count = 0;
	if (text_printf(path, sizeof(path), "%s/%s", dir, sub))
		return ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)) && n < CLIPS_MAX) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".wav") || de->d_name[0] == '.')
			continue;
		names[n] = text_dupn(de->d_name, len);
		if (!names[n]) {
			err = ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (!err && n) {
		qsort(names, n, sizeof(names[0]), name_cmp);
		*clips = calloc(n, sizeof(**clips));
		if (!*clips)
			err = ENOMEM;
	}
	for (i = 0; !err && i < n; i++) {
		if (text_printf(path, sizeof(path), "%s/%s/%s", dir, sub, names[i])) {
			err = ENAMETOOLONG;
			break;
		}
		err = simphones_wav_read(path, &(*clips)[i]);
		if (!err)
			text_copy((*clips)[i].name, sizeof((*clips)[i].name), names[i]);
		*count = i + (err ? 0 : 1);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	return err;
}

/* Appends a synthetic voice: ms of a 10-harmonic complex at f0 under a 5 Hz syllable
 * envelope, at the given peak level (0..1). */
static size_t synth_voice(int16_t *pcm, size_t at, unsigned ms, double f0, double level)
{
	size_t len = (size_t)ms * SRATE / 1000, i;
	int k;

	for (i = 0; i < len; i++) {
		double t = (double)i / SRATE, v = 0.0;
		double env = 0.55 + 0.45 * sin(2.0 * M_PI * 5.0 * t - M_PI / 2);

		for (k = 1; k <= 10; k++)
			v += sin(2.0 * M_PI * f0 * k * t) / k;
		pcm[at + i] = (int16_t)(v * env * level / 1.6 * 32767.0);
	}
	return at + len;
}

/* Appends a sine tone. */
static size_t synth_tone(int16_t *pcm, size_t at, unsigned ms, double hz, double level)
{
	size_t len = (size_t)ms * SRATE / 1000, i;

	for (i = 0; i < len; i++)
		pcm[at + i] = (int16_t)(level * 32767.0 * sin(2.0 * M_PI * hz * i / SRATE));
	return at + len;
}

/* Appends silence (the buffer is zeroed already). */
static size_t synth_gap(size_t at, unsigned ms)
{
	return at + (size_t)ms * SRATE / 1000;
}

/* Makes the one synthetic clip of a class. */
static int synth_class(enum simphones_class cls, struct simphones_clip **clips, size_t *count)
{
	struct simphones_clip *c = calloc(1, sizeof(*c));
	size_t at = 0;
	int w;

	if (!c)
		return ENOMEM;
	c->pcm = calloc(SRATE * 8, sizeof(*c->pcm)); /* the longest clip below is < 8 s */
	if (!c->pcm) {
		free(c);
		return ENOMEM;
	}
	switch (cls) {
	case SIMPHONES_HUMAN: /* "Hel-lo?" */
		at = synth_voice(c->pcm, at, 250, 140.0, 0.5);
		at = synth_gap(at, 60);
		at = synth_voice(c->pcm, at, 350, 170.0, 0.5);
		break;
	case SIMPHONES_MACHINE: /* twelve words, a pause, the beep */
		for (w = 0; w < 12; w++) {
			at = synth_voice(c->pcm, at, 300 + 40 * (w % 3), 120.0 + 5 * (w % 4), 0.45);
			at = synth_gap(at, w % 4 == 3 ? 250 : 60);
		}
		at = synth_gap(at, 300);
		at = synth_tone(c->pcm, at, 500, 1000.0, 0.5);
		break;
	default: /* the special information tone, then "words" */
		at = synth_tone(c->pcm, at, 330, 913.8, 0.3);
		at = synth_tone(c->pcm, at, 330, 1370.6, 0.3);
		at = synth_tone(c->pcm, at, 330, 1776.7, 0.3);
		at = synth_gap(at, 300);
		for (w = 0; w < 6; w++) {
			at = synth_voice(c->pcm, at, 320, 150.0, 0.45);
			at = synth_gap(at, 80);
		}
		break;
	}
	c->n = at;
	text_copy(c->name, sizeof(c->name), "synthetic");
	*clips = c;
	*count = 1;
	return 0;
}

/* Loads the three classes, with stand-ins for the missing ones. */
int simphones_audio_load(struct simphones_audio **ap, const char *dir, bool *synthetic)
{
	struct simphones_audio *a;
	int cls, err = 0;
	bool synth = false;

	if (!ap)
		return EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return ENOMEM;
	for (cls = 0; cls < SIMPHONES_NCLASS && !err; cls++) {
		if (dir && *dir)
			err = class_load(dir, class_dirs[cls], &a->clips[cls], &a->count[cls]);
		if (!err && !a->count[cls]) {
			free(a->clips[cls]);
			a->clips[cls] = NULL;
			err = synth_class((enum simphones_class)cls, &a->clips[cls],
			                  &a->count[cls]);
			synth = true;
		}
	}
	if (err) {
		simphones_audio_free(a);
		return err;
	}
	if (synthetic)
		*synthetic = synth;
	*ap = a;
	return 0;
}

/* Frees every clip. */
void simphones_audio_free(struct simphones_audio *a)
{
	size_t cls, i;

	if (!a)
		return;
	for (cls = 0; cls < SIMPHONES_NCLASS; cls++) {
		for (i = 0; a->clips[cls] && i < a->count[cls]; i++)
			free(a->clips[cls][i].pcm);
		free(a->clips[cls]);
	}
	free(a);
}

/* The clip for a voice index. */
const struct simphones_clip *simphones_audio_clip(const struct simphones_audio *a,
                                                  enum simphones_class cls, unsigned voice)
{
	if (!a || (unsigned)cls >= SIMPHONES_NCLASS || !a->count[cls])
		return NULL;
	return &a->clips[cls][voice % a->count[cls]];
}

/* The clip nearest in length to ms; among equals, the first from the voice's own index on. */
const struct simphones_clip *simphones_audio_clip_near(const struct simphones_audio *a,
                                                       enum simphones_class cls, unsigned ms,
                                                       unsigned voice)
{
	const struct simphones_clip *best = NULL;
	uint64_t want = (uint64_t)ms * (SRATE / 1000), best_d = 0;
	size_t i, n;

	if (!a || (unsigned)cls >= SIMPHONES_NCLASS || !a->count[cls])
		return NULL;
	n = a->count[cls];
	for (i = 0; i < n; i++) {
		const struct simphones_clip *c = &a->clips[cls][(voice + i) % n];
		uint64_t d = c->n > want ? c->n - want : want - c->n;

		if (!best || d < best_d) {
			best = c;
			best_d = d;
		}
	}
	return best;
}

/* How many clips a class holds. */
size_t simphones_audio_count(const struct simphones_audio *a, enum simphones_class cls)
{
	return a && (unsigned)cls < SIMPHONES_NCLASS ? a->count[cls] : 0;
}

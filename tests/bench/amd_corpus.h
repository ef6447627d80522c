/*
 * amd_corpus: runs the AMD analyser over the recorded corpus (scripts/make-recordings.sh).
 * Shared, header-only, by tests/bench/bench_amd.c (figures) and tests/unit/test_amd_corpus.c
 * (the accuracy floor under ctest). The corpus folder is argv[1], else $LOFTDIAL_RECORDINGS,
 * else $LOFTDIAL_BUILD/recordings; its corpus/labels.tsv lists "file<TAB>label" and
 * optionally "<TAB>voice<TAB>beep<TAB>beep_ms<TAB>beep_end_ms<TAB>text" (beep: its tones, e.g.
 * "1000", "700>1000" one after the other, "1000+1400" together, or "-" for none).
 *
 * Each file is run twice: through the analyser until it decides (the verdict), and whole
 * through the beep listener (amd_beep), which must hear every labelled beep where it is and
 * nothing anywhere else.
 */
#ifndef LOFTDIAL_AMD_CORPUS_H
#define LOFTDIAL_AMD_CORPUS_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/amd.h"
#include "loftdial/text.h"
#include "loftdial/wavtail.h"

#define AMD_CORPUS_MAX 512

struct amd_corpus_item {
	char file[128];
	enum amd_result label;  /* AMD_HUMAN or AMD_MACHINE */
	enum amd_result result; /* what the analyser said */
	unsigned decision_ms;
	const char *reason;
	/* The labelled beep (beep_hz 0: none) and what the beep listener heard. */
	char beep[24];
	unsigned beep_hz, beep_ms, beep_end_ms;
	enum amd_beep_state heard;
	unsigned heard_hz, heard_ms, heard_end_ms;
	unsigned listened_ms; /* audio the beep listener was fed */
};

struct amd_corpus {
	char dir[512];
	size_t n;
	struct amd_corpus_item items[AMD_CORPUS_MAX];
};

/* Where the recordings are (see the file comment). */
static inline int amd_corpus_dir(char *out, size_t n, const char *arg)
{
	const char *env = getenv("LOFTDIAL_RECORDINGS"), *build = getenv("LOFTDIAL_BUILD");

	if (arg && *arg)
		return text_copy(out, n, arg);
	if (env && *env)
		return text_copy(out, n, env);
	if (build && *build)
		return text_printf(out, n, "%s/recordings", build);
	return ENOENT;
}

/* Runs one WAV file through a fresh analyser until it decides (or the file ends). */
static inline int amd_corpus_run_file(const char *path, const struct amd_cfg *cfg,
                                      struct amd_corpus_item *it)
{
	struct wavtail *wt = NULL;
	struct amd *amd = amd_new(cfg);
	int16_t buf[400]; /* 50 ms, an odd size on purpose: frames straddle reads */
	size_t got = 0;
	int err;

	if (!amd)
		return ENOMEM;
	err = wavtail_open(&wt, path);
	while (!err) {
		err = wavtail_read(wt, buf, sizeof(buf) / sizeof(buf[0]) - 3, &got);
		if (err || !got)
			break;
		if (amd_feed(amd, buf, got) != AMD_PENDING)
			break;
	}
	if (!err && !wavtail_ready(wt))
		err = ENOENT;
	if (!err && wavtail_srate(wt) != 8000)
		err = EPROTO;
	it->result = amd_finish(amd);
	it->decision_ms = amd_decision_ms(amd);
	it->reason = amd_reason(amd);
	wavtail_close(wt);
	amd_free(amd);
	return err;
}

/* Runs one whole WAV file through a beep listener. */
static inline int amd_corpus_beep_file(const char *path, const struct amd_cfg *cfg,
                                       struct amd_corpus_item *it)
{
	struct wavtail *wt = NULL;
	struct amd_beep *b = amd_beep_new(cfg);
	int16_t buf[400];
	size_t got = 0;
	int err;

	it->heard = AMD_BEEP_NONE;
	if (!b)
		return cfg && !cfg->beep_max_hz ? 0 : ENOMEM;
	err = wavtail_open(&wt, path);
	while (!err) {
		err = wavtail_read(wt, buf, sizeof(buf) / sizeof(buf[0]) - 3, &got);
		if (err || !got)
			break;
		it->listened_ms += (unsigned)(got * 1000 / 8000);
		if (amd_beep_feed(b, buf, got) >= AMD_BEEP_OVER)
			break;
	}
	it->heard = amd_beep_feed(b, NULL, 0);
	it->heard_hz = amd_beep_hz(b);
	it->heard_ms = amd_beep_start_ms(b);
	it->heard_end_ms = amd_beep_end_ms(b);
	wavtail_close(wt);
	amd_beep_free(b);
	return err;
}

/* True when the listener heard a beep. */
static inline bool amd_corpus_heard(const struct amd_corpus_item *it)
{
	return it->heard == AMD_BEEP_ON || it->heard == AMD_BEEP_OVER;
}

/* True when the listener heard the labelled beep where it is (onset within 60 ms, the first
 * tone within 15 Hz, and once over, its end within 60 ms of the labelled end: a voicemail drop
 * speaks then, so a two-tone beep must not end at its step), or heard none and there is none. */
static inline bool amd_corpus_beep_ok(const struct amd_corpus_item *it)
{
	if (!it->beep_hz)
		return !amd_corpus_heard(it);
	if (it->heard == AMD_BEEP_OVER && it->beep_end_ms &&
	    (it->heard_end_ms + 60 < it->beep_end_ms || it->heard_end_ms > it->beep_end_ms + 60))
		return false;
	return amd_corpus_heard(it) && it->heard_ms + 20 >= it->beep_ms &&
	       it->heard_ms <= it->beep_ms + 60 && it->heard_hz + 15 >= it->beep_hz &&
	       it->heard_hz <= it->beep_hz + 15;
}

/* Splits off the next tab-separated field of *s (NULL when there is none). */
static inline char *amd_corpus_field(char **s)
{
	char *f = *s, *tab;

	if (!f)
		return NULL;
	tab = strchr(f, '\t');
	if (tab) {
		*tab = '\0';
		*s = tab + 1;
	} else {
		*s = NULL;
	}
	return f;
}

/* Loads the labels and runs every file; 0 or an errno value (message on stderr). */
static inline int amd_corpus_run(struct amd_corpus *c, const struct amd_cfg *cfg)
{
	char path[1024], line[1024];
	FILE *f;
	int err = 0;

	c->n = 0;
	if (text_printf(path, sizeof(path), "%s/corpus/labels.tsv", c->dir))
		return ENAMETOOLONG;
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "amd_corpus: cannot open %s\n", path);
		return ENOENT;
	}
	while (fgets(line, sizeof(line), f)) {
		struct amd_corpus_item *it;
		char *rest = line, *file, *label, *beep, *at, *end;

		/* The line's end goes first, so a last field (the label, when a file has only two
		 * columns) never keeps its newline. */
		line[strcspn(line, "\r\n")] = '\0';
		if (!strchr(line, '\t') || !strncmp(line, "file\t", 5))
			continue;
		if (c->n == AMD_CORPUS_MAX) {
			err = E2BIG;
			break;
		}
		it = &c->items[c->n];
		memset(it, 0, sizeof(*it));
		file = amd_corpus_field(&rest);
		label = amd_corpus_field(&rest);
		(void)amd_corpus_field(&rest); /* voice */
		beep = amd_corpus_field(&rest);
		at = amd_corpus_field(&rest);
		end = amd_corpus_field(&rest);
		if (text_copy(it->file, sizeof(it->file), file)) {
			err = ENAMETOOLONG;
			break;
		}
		it->label = !strcmp(label, "machine") ? AMD_MACHINE : AMD_HUMAN;
		if (beep && strcmp(beep, "-")) {
			(void)text_copy(it->beep, sizeof(it->beep), beep);
			it->beep_hz = (unsigned)strtoul(beep, NULL, 10);
			it->beep_ms = at ? (unsigned)strtoul(at, NULL, 10) : 0;
			it->beep_end_ms = end ? (unsigned)strtoul(end, NULL, 10) : 0;
			/* Two at once: the listener names the lower. */
			if (strchr(beep, '+') &&
			    strtoul(strchr(beep, '+') + 1, NULL, 10) < it->beep_hz)
				it->beep_hz = (unsigned)strtoul(strchr(beep, '+') + 1, NULL, 10);
		}
		if (text_printf(path, sizeof(path), "%s/corpus/%s", c->dir, it->file)) {
			err = ENAMETOOLONG;
			break;
		}
		err = amd_corpus_run_file(path, cfg, it);
		if (!err)
			err = amd_corpus_beep_file(path, cfg, it);
		if (err) {
			fprintf(stderr, "amd_corpus: %s: %s\n", path, strerror(err));
			break;
		}
		c->n++;
	}
	fclose(f);
	return err;
}

/* Correct answers among items labelled `label` (AMD_PENDING = all); *total gets the count. */
static inline size_t amd_corpus_correct(const struct amd_corpus *c, enum amd_result label,
                                        size_t *total)
{
	size_t i, ok = 0, n = 0;

	for (i = 0; i < c->n; i++) {
		if (label != AMD_PENDING && c->items[i].label != label)
			continue;
		n++;
		ok += c->items[i].result == c->items[i].label;
	}
	*total = n;
	return ok;
}

/* Beep listener results: *labelled = calls with a beep, *heard = those heard where they are,
 * *false_alarms = calls without a beep where one was heard anyway, *early = calls whose beep
 * was heard before it began (a vowel or a tone in the greeting). */
static inline void amd_corpus_beeps(const struct amd_corpus *c, size_t *labelled, size_t *heard,
                                    size_t *false_alarms, size_t *early)
{
	size_t i;

	*labelled = *heard = *false_alarms = *early = 0;
	for (i = 0; i < c->n; i++) {
		const struct amd_corpus_item *it = &c->items[i];

		if (!it->beep_hz) {
			*false_alarms += amd_corpus_heard(it);
			continue;
		}
		(*labelled)++;
		*heard += amd_corpus_beep_ok(it);
		*early += amd_corpus_heard(it) && it->heard_ms + 20 < it->beep_ms;
	}
}

/* qsort comparator for unsigned values. */
static inline int amd_corpus_cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* Median decision time (ms) of correctly classified items with this label, 0 if none. */
static inline unsigned amd_corpus_median_ms(const struct amd_corpus *c, enum amd_result label)
{
	unsigned v[AMD_CORPUS_MAX];
	size_t i, n = 0;

	for (i = 0; i < c->n; i++)
		if (c->items[i].label == label && c->items[i].result == label)
			v[n++] = c->items[i].decision_ms;
	if (!n)
		return 0;
	qsort(v, n, sizeof(v[0]), amd_corpus_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif

/*
 * amd_corpus: runs the AMD analyser over the recorded corpus (scripts/make-recordings.sh).
 * Shared, header-only, by tests/bench/bench_amd.c (figures) and tests/unit/test_amd_corpus.c
 * (the accuracy floor under ctest). The corpus folder is argv[1], else $LOFTDIAL_RECORDINGS,
 * else $LOFTDIAL_BUILD/recordings; its corpus/labels.tsv lists "file<TAB>label<TAB>...".
 */
#ifndef LOFTDIAL_AMD_CORPUS_H
#define LOFTDIAL_AMD_CORPUS_H

#include <errno.h>
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
		char *tab = strchr(line, '\t'), *label, *end;

		if (!tab || !strncmp(line, "file\t", 5))
			continue;
		if (c->n == AMD_CORPUS_MAX) {
			err = E2BIG;
			break;
		}
		it = &c->items[c->n];
		memset(it, 0, sizeof(*it));
		*tab = '\0';
		label = tab + 1;
		end = strchr(label, '\t');
		if (end)
			*end = '\0';
		if (text_copy(it->file, sizeof(it->file), line)) {
			err = ENAMETOOLONG;
			break;
		}
		it->label = !strcmp(label, "machine") ? AMD_MACHINE : AMD_HUMAN;
		if (text_printf(path, sizeof(path), "%s/corpus/%s", c->dir, it->file)) {
			err = ENAMETOOLONG;
			break;
		}
		err = amd_corpus_run_file(path, cfg, it);
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

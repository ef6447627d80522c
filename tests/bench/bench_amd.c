/*
 * bench_amd: the answering-machine detector over the whole recorded corpus. Prints every
 * call's verdict, then the accuracy (overall and per class), the median decision time of
 * correctly classified humans and machines, the beep listener's hits (each labelled beep heard
 * where it is) and false alarms, and how fast the analyser runs. Targets: at least 90%
 * correct, at most 1500 ms median for humans, every beep heard, no false beep.
 * Usage: bench_amd [--sweep] [RECORDINGS_DIR]
 *   (default folder $LOFTDIAL_RECORDINGS or $LOFTDIAL_BUILD/recordings)
 *   --sweep also prints accuracy and human median over a grid of greeting_max_ms x
 *   after_greeting_silence_ms, the two settings that trade accuracy for speed.
 */
#include <stdbool.h>
#include <time.h>

#include "amd_corpus.h"

/* Monotonic seconds. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The p-th percentile (0..100) of decision times of correct answers with this label. */
static unsigned percentile_ms(const struct amd_corpus *c, enum amd_result label, unsigned p)
{
	unsigned v[AMD_CORPUS_MAX];
	size_t i, n = 0;

	for (i = 0; i < c->n; i++)
		if (c->items[i].label == label && c->items[i].result == label)
			v[n++] = c->items[i].decision_ms;
	if (!n)
		return 0;
	qsort(v, n, sizeof(v[0]), amd_corpus_cmp);
	return v[(n - 1) * p / 100];
}

/* Accuracy and human median over a grid of the two main settings. */
static int sweep(struct amd_corpus *c)
{
	static const unsigned greet[] = {1200, 1500, 1800, 2100};
	static const unsigned after[] = {400, 500, 600, 700, 800};
	size_t g, a, total, ok;
	struct amd_cfg cfg;

	printf("\nsweep: accuracy %% / human median ms\ngreeting_max \\ after_silence");
	for (a = 0; a < sizeof(after) / sizeof(after[0]); a++)
		printf("%14u", after[a]);
	printf("\n");
	for (g = 0; g < sizeof(greet) / sizeof(greet[0]); g++) {
		printf("%28u", greet[g]);
		for (a = 0; a < sizeof(after) / sizeof(after[0]); a++) {
			amd_cfg_default(&cfg);
			cfg.greeting_max_ms = greet[g];
			cfg.after_greeting_silence_ms = after[a];
			if (amd_corpus_run(c, &cfg))
				return 1;
			ok = amd_corpus_correct(c, AMD_PENDING, &total);
			printf("%8.1f/%5u", 100.0 * ok / total, amd_corpus_median_ms(c, AMD_HUMAN));
		}
		printf("\n");
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct amd_corpus c;
	size_t i, total, ok, hn, hok, mn, mok;
	double t0, secs, audio_s = 0.0, beep_s = 0.0;
	bool do_sweep = argc > 1 && !strcmp(argv[1], "--sweep");
	int err;

	if (do_sweep) {
		argc--;
		argv++;
	}
	if (amd_corpus_dir(c.dir, sizeof(c.dir), argc > 1 ? argv[1] : NULL)) {
		fprintf(stderr,
		        "bench_amd: no recordings folder (argument, LOFTDIAL_RECORDINGS)\n");
		return 2;
	}
	t0 = now_s();
	err = amd_corpus_run(&c, NULL);
	secs = now_s() - t0;
	if (err || !c.n) {
		fprintf(stderr, "bench_amd: corpus in %s: %s\n", c.dir,
		        err ? strerror(err) : "empty");
		return 1;
	}

	printf("%-22s %-8s %-8s %7s  %-16s %-10s %7s %-14s\n", "file", "label", "result", "ms",
	       "reason", "beep", "at ms", "heard");
	for (i = 0; i < c.n; i++) {
		const struct amd_corpus_item *it = &c.items[i];
		char heard[32] = "-";

		audio_s += it->decision_ms / 1000.0;
		beep_s += it->listened_ms / 1000.0;
		if (amd_corpus_heard(it))
			snprintf(heard, sizeof(heard), "%u Hz %u ms", it->heard_hz, it->heard_ms);
		else if (it->heard == AMD_BEEP_SILENT)
			snprintf(heard, sizeof(heard), "silent %u ms", it->heard_end_ms);
		printf("%-22s %-8s %-8s %7u  %-16s %-10s %7u %-14s%s%s\n", it->file,
		       amd_result_name(it->label), amd_result_name(it->result), it->decision_ms,
		       it->reason, it->beep[0] ? it->beep : "-", it->beep_ms, heard,
		       it->result == it->label ? "" : "   <-- wrong",
		       amd_corpus_beep_ok(it) ? "" : "   <-- beep");
	}
	ok = amd_corpus_correct(&c, AMD_PENDING, &total);
	hok = amd_corpus_correct(&c, AMD_HUMAN, &hn);
	mok = amd_corpus_correct(&c, AMD_MACHINE, &mn);
	printf("\ncorpus: %zu calls (%zu human, %zu machine) in %s\n", total, hn, mn, c.dir);
	printf("accuracy: %.1f%% (%zu/%zu)   human %.1f%% (%zu/%zu)   machine %.1f%% (%zu/%zu)\n",
	       100.0 * ok / total, ok, total, hn ? 100.0 * hok / hn : 0.0, hok, hn,
	       mn ? 100.0 * mok / mn : 0.0, mok, mn);
	printf("decision time, correct answers only: human median %u ms (p90 %u ms), machine "
	       "median %u ms (p90 %u ms)\n",
	       amd_corpus_median_ms(&c, AMD_HUMAN), percentile_ms(&c, AMD_HUMAN, 90),
	       amd_corpus_median_ms(&c, AMD_MACHINE), percentile_ms(&c, AMD_MACHINE, 90));
	{
		size_t labelled, heard, false_alarms, early;

		amd_corpus_beeps(&c, &labelled, &heard, &false_alarms, &early);
		printf("beeps: heard %zu/%zu where they are (onset and end within 60 ms, pitch "
		       "within 15 "
		       "Hz); "
		       "false alarms %zu in %zu calls without a beep; heard early %zu\n",
		       heard, labelled, false_alarms, c.n - labelled, early);
	}
	printf("speed: %.1f s of audio to the verdicts and %.1f s to the beep listener analysed in "
	       "%.3f s (%.0fx real time, file reads included)\n",
	       audio_s, beep_s, secs, secs > 0 ? (audio_s + beep_s) / secs : 0.0);
	printf("targets: accuracy >= 90%% %s, human median <= 1500 ms %s\n",
	       ok * 10 >= total * 9 ? "met" : "MISSED",
	       amd_corpus_median_ms(&c, AMD_HUMAN) <= 1500 ? "met" : "MISSED");
	return do_sweep ? sweep(&c) : 0;
}

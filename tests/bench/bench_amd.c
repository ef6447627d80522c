/*
 * bench_amd: the answering-machine detector over the whole recorded corpus. Prints every
 * call's verdict, then the accuracy (overall and per class), the median decision time of
 * correctly classified humans and machines, and how fast the analyser runs. Targets: at least
 * 90% correct, at most 1500 ms median for humans.
 * Usage: bench_amd [RECORDINGS_DIR]  (default $LOFTDIAL_RECORDINGS or $LOFTDIAL_BUILD/recordings)
 */
#include <time.h>

#include "amd_corpus.h"

/* Monotonic seconds. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static struct amd_corpus c;
	size_t i, total, ok, hn, hok, mn, mok;
	double t0, secs, audio_s = 0.0;
	int err;

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

	printf("%-22s %-8s %-8s %7s  %s\n", "file", "label", "result", "ms", "reason");
	for (i = 0; i < c.n; i++) {
		const struct amd_corpus_item *it = &c.items[i];

		audio_s += it->decision_ms / 1000.0;
		printf("%-22s %-8s %-8s %7u  %s%s\n", it->file, amd_result_name(it->label),
		       amd_result_name(it->result), it->decision_ms, it->reason,
		       it->result == it->label ? "" : "   <-- wrong");
	}
	ok = amd_corpus_correct(&c, AMD_PENDING, &total);
	hok = amd_corpus_correct(&c, AMD_HUMAN, &hn);
	mok = amd_corpus_correct(&c, AMD_MACHINE, &mn);
	printf("\ncorpus: %zu calls (%zu human, %zu machine) in %s\n", total, hn, mn, c.dir);
	printf("accuracy: %.1f%% (%zu/%zu)   human %.1f%% (%zu/%zu)   machine %.1f%% (%zu/%zu)\n",
	       100.0 * ok / total, ok, total, hn ? 100.0 * hok / hn : 0.0, hok, hn,
	       mn ? 100.0 * mok / mn : 0.0, mok, mn);
	printf("median decision: human %u ms, machine %u ms (correct answers only)\n",
	       amd_corpus_median_ms(&c, AMD_HUMAN), amd_corpus_median_ms(&c, AMD_MACHINE));
	printf("speed: %.1f s of audio analysed in %.3f s (%.0fx real time, file reads included)\n",
	       audio_s, secs, secs > 0 ? audio_s / secs : 0.0);
	printf("targets: accuracy >= 90%% %s, human median <= 1500 ms %s\n",
	       ok * 10 >= total * 9 ? "met" : "MISSED",
	       amd_corpus_median_ms(&c, AMD_HUMAN) <= 1500 ? "met" : "MISSED");
	return 0;
}

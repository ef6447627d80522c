/*
 * test_amd_corpus: the answering-machine detector must classify at least 90% of the recorded
 * corpus correctly (and at least 80% of each class), and the beep listener must hear every
 * labelled beep (single tones from 440 Hz to 2 kHz, two in a row, two at once) where it is,
 * and no beep in any human greeting or voicemail greeting before its beep. The figures are
 * deterministic: they count answers over fixed files, they do not time anything.
 * tests/bench/bench_amd prints details. A labels file with only two columns is read too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "amd_corpus.h"
#include "testlib.h"

static struct amd_corpus corpus;

/* The whole corpus with the default configuration. */
static void test_corpus_accuracy(void **state)
{
	size_t total, ok, hn, hok, mn, mok, i;

	(void)state;
	assert_int_equal(amd_corpus_dir(corpus.dir, sizeof(corpus.dir), NULL), 0);
	assert_int_equal(amd_corpus_run(&corpus, NULL), 0);
	ok = amd_corpus_correct(&corpus, AMD_PENDING, &total);
	hok = amd_corpus_correct(&corpus, AMD_HUMAN, &hn);
	mok = amd_corpus_correct(&corpus, AMD_MACHINE, &mn);
	for (i = 0; i < corpus.n; i++)
		if (corpus.items[i].result != corpus.items[i].label)
			print_message("wrong: %s is %s, said %s (%s at %u ms)\n",
			              corpus.items[i].file, amd_result_name(corpus.items[i].label),
			              amd_result_name(corpus.items[i].result),
			              corpus.items[i].reason, corpus.items[i].decision_ms);
	print_message("accuracy %zu/%zu, human %zu/%zu, machine %zu/%zu, human median %u ms\n", ok,
	              total, hok, hn, mok, mn, amd_corpus_median_ms(&corpus, AMD_HUMAN));
	{
		size_t labelled, heard, false_alarms, early, k;

		amd_corpus_beeps(&corpus, &labelled, &heard, &false_alarms, &early);
		for (k = 0; k < corpus.n; k++)
			if (!amd_corpus_beep_ok(&corpus.items[k]))
				print_message("beep: %s has %s at %u ms, heard %u Hz at %u ms\n",
				              corpus.items[k].file,
				              corpus.items[k].beep[0] ? corpus.items[k].beep
				                                      : "none",
				              corpus.items[k].beep_ms, corpus.items[k].heard_hz,
				              corpus.items[k].heard_ms);
		print_message("beeps heard %zu/%zu, false alarms %zu, early %zu\n", heard, labelled,
		              false_alarms, early);
		assert_true(labelled >= 40);
		assert_int_equal(heard, labelled);
		assert_int_equal(false_alarms, 0);
		assert_int_equal(early, 0);
	}
	assert_true(total >= 40);
	assert_true(hn >= 20 && mn >= 20);
	assert_true(ok * 10 >= total * 9);
	assert_true(hok * 10 >= hn * 8);
	assert_true(mok * 10 >= mn * 8);
}

/* A labels file with two columns (file, label): the label is read without its newline, so a
 * machine is a machine. */
static void test_two_columns(void **state)
{
	static struct amd_corpus c;
	char dir[512], path[1024], from[1024], src[512];
	FILE *f;

	(void)state;
	assert_int_equal(amd_corpus_dir(src, sizeof(src), NULL), 0);
	assert_int_equal(tl_tmpdir(dir, sizeof(dir), "amd-corpus"), 0);
	snprintf(path, sizeof(path), "%s/corpus", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(from, sizeof(from), "%s/corpus/m01-clean.wav", src);
	snprintf(path, sizeof(path), "%s/corpus/m01-clean.wav", dir);
	assert_int_equal(symlink(from, path), 0);
	snprintf(path, sizeof(path), "%s/corpus/labels.tsv", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("file\tlabel\nm01-clean.wav\tmachine\r\n", f);
	fclose(f);
	snprintf(c.dir, sizeof(c.dir), "%s", dir);
	assert_int_equal(amd_corpus_run(&c, NULL), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.items[0].label, AMD_MACHINE);
	assert_int_equal(c.items[0].result, AMD_MACHINE);
	assert_int_equal(c.items[0].beep_hz, 0); /* no beep column: nothing to check */
	tl_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_corpus_accuracy),
	        cmocka_unit_test(test_two_columns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

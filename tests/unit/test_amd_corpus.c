/*
 * test_amd_corpus: the answering-machine detector must classify at least 90% of the recorded
 * corpus correctly (and at least 80% of each class). The figure is deterministic: it counts
 * answers over fixed files, it does not time anything. tests/bench/bench_amd prints details.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "amd_corpus.h"

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
	assert_true(total >= 40);
	assert_true(hn >= 20 && mn >= 20);
	assert_true(ok * 10 >= total * 9);
	assert_true(hok * 10 >= hn * 8);
	assert_true(mok * 10 >= mn * 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_corpus_accuracy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

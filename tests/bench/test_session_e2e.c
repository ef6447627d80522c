/*
 * test_session_e2e: a short run of bench_session's end-to-end part (session_e2e.c): two answers
 * at 1 line and at 9 lines with the real TUI, baresip and the sandbox's phones. It checks only
 * that sane figures came out (every answer timed, every other ringing phone cancelled, times
 * positive and below a minute), never how fast: the figures are bench_session's (docs/ui.md).
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "session_e2e.h"

#define ANSWERS 2

static void fig_sane(const struct se2e_fig *f, size_t n)
{
	assert_int_equal(f->n, n);
	assert_true(f->p50 > 0 && f->p50 <= f->p95 && f->p95 <= f->p99 && f->p99 <= f->max);
	assert_true(f->max < 60000);
}

static void test_figures(void **state)
{
	struct se2e_opts o = {.answers = ANSWERS,
	                      .people = 300,
	                      .lines = {1, 9},
	                      .nlines = 2,
	                      .cols = 80,
	                      .rows = 24,
	                      .verbose = true};
	struct se2e_part parts[SE2E_PARTS_MAX];

	(void)state;
	assert_int_equal(se2e_run(&o, parts), 0);
	se2e_print(&parts[0], o.cols, o.rows);
	se2e_print(&parts[1], o.cols, o.rows);
	assert_int_equal(parts[0].answers, ANSWERS);
	fig_sane(&parts[0].frame, ANSWERS);
	assert_int_equal(parts[1].answers, ANSWERS);
	fig_sane(&parts[1].frame, ANSWERS);
	/* Eight other phones rang in each timed round, and each got its CANCEL. */
	assert_int_equal(parts[1].lost, 0);
	fig_sane(&parts[1].cancel, 8 * ANSWERS);
	fig_sane(&parts[1].cancel_last, ANSWERS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_figures)};

	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}

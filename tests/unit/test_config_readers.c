/*
 * Every config key loftdial offers is read by some code, and every key it holds back as "not
 * used yet" is read by none. The check is textual: a key is read when its name appears as a
 * string literal ("dial.lines") in a .c file under src/ other than the key table itself
 * (src/core/config.c) and the sandbox (a separate program). When a change starts reading a
 * held-back key, this test names the line to delete from unused_keys[] in src/core/config.c.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/config.h"
#include "testlib.h"

#define MAX_FILES 512

static char *texts[MAX_FILES];
static char names[MAX_FILES][512];
static size_t ntexts;

/* Collects every .c file under src/ but the key table and the sandbox. */
static int collect(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	size_t len = strlen(path);
	size_t got;
	FILE *f;

	(void)sb;
	(void)ftw;
	if (type != FTW_F || len < 2 || strcmp(path + len - 2, ".c"))
		return 0;
	if (strstr(path, "/src/core/config.c") || strstr(path, "/src/sandbox/"))
		return 0;
	if (ntexts == MAX_FILES)
		return ENOSPC;
	f = fopen(path, "rb");
	if (!f)
		return errno;
	texts[ntexts] = calloc(1, 1 << 20);
	/* A file that fills the buffer would be searched cut short: refuse it instead. */
	got = texts[ntexts] ? fread(texts[ntexts], 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	if (!texts[ntexts])
		return ENOMEM;
	if (got == (1 << 20) - 1)
		return EFBIG;
	snprintf(names[ntexts], sizeof(names[0]), "%s", path);
	ntexts++;
	return 0;
}

/* The first file that names key as a string literal, or NULL. */
static const char *reader(const char *key)
{
	char needle[160];
	size_t i;

	snprintf(needle, sizeof(needle), "\"%s\"", key);
	for (i = 0; i < ntexts; i++)
		if (strstr(texts[i], needle))
			return names[i];
	return NULL;
}

static void test_keys_have_readers(void **state)
{
	char dir[1024];
	size_t n, i;
	const struct config_key *k = config_keys(&n);

	snprintf(dir, sizeof(dir), "%s/src", tl_env("LOFTDIAL_SRC", "."));
	assert_int_equal(nftw(dir, collect, 16, FTW_PHYS), 0);
	assert_true(ntexts > 20); /* the walk found the sources */
	for (i = 0; i < n; i++) {
		const char *who = reader(k[i].name);

		if (config_key_used(k[i].name) && !who)
			fail_msg("%s is offered (config keys, docs) but no code reads it: mark it "
			         "not used yet in unused_keys[] in src/core/config.c",
			         k[i].name);
		if (!config_key_used(k[i].name) && who)
			fail_msg("%s is read by %s but still marked not used yet: delete its line "
			         "from unused_keys[] in src/core/config.c and document it",
			         k[i].name, who);
	}
	for (i = 0; i < ntexts; i++)
		free(texts[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_keys_have_readers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for paths: LOFTDIAL_HOME, XDG variables, HOME fallback, folder modes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "loftdial/paths.h"
#include "testlib.h"

static void test_home(void **state)
{
	char dir[256], sub[512];
	struct paths p;
	struct stat st;

	assert_int_equal(tl_tmpdir(dir, sizeof(dir), "pathtest"), 0);
	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	setenv("LOFTDIAL_HOME", sub, 1);
	assert_int_equal(paths_init(&p), 0);
	assert_string_equal(p.config_dir, sub);
	assert_string_equal(p.data_dir, sub);
	assert_non_null(strstr(p.db_file, "/a/b/loftdial.db"));
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	unsetenv("LOFTDIAL_HOME");

	setenv("XDG_CONFIG_HOME", dir, 1);
	setenv("XDG_DATA_HOME", sub, 1);
	assert_int_equal(paths_init(&p), 0);
	snprintf(sub, sizeof(sub), "%s/loftdial", dir);
	assert_string_equal(p.config_dir, sub);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_DATA_HOME");

	/* Relative XDG values are ignored, as the XDG spec says; HOME is the fallback. */
	setenv("XDG_CONFIG_HOME", "relative", 1);
	setenv("HOME", dir, 1);
	assert_int_equal(paths_init(&p), 0);
	snprintf(sub, sizeof(sub), "%s/.config/loftdial", dir);
	assert_string_equal(p.config_dir, sub);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("HOME");
	assert_int_equal(paths_init(&p), ENOENT);
	tl_rmrf(dir);
}

static void test_too_long(void **state)
{
	char big[PATHS_MAX + 10];
	struct paths p;

	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	setenv("LOFTDIAL_HOME", big, 1);
	assert_int_equal(paths_init(&p), ENAMETOOLONG);
	unsetenv("LOFTDIAL_HOME");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_home),
	        cmocka_unit_test(test_too_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

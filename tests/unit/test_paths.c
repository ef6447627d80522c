/*
 * Unit tests for paths: LOFTDIAL_HOME, XDG variables, HOME fallback, folder modes, and the
 * share folder (variables first, then relative to the program: a copy of this test program
 * in a fake install tree reports what it finds when run as `test_paths --share NAME`).
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
#include <unistd.h>

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

/* The variables win, each for its own folder, and are taken as given. */
static void test_share_env(void **state)
{
	char out[PATHS_MAX], big[PATHS_MAX + 10];

	unsetenv("LOFTDIAL_RECORDINGS");
	setenv("LOFTDIAL_SHARE_DIR", "/opt/ld", 1);
	assert_int_equal(paths_share("themes", out, sizeof(out)), 0);
	assert_string_equal(out, "/opt/ld/themes");
	assert_int_equal(paths_share("recordings", out, sizeof(out)), 0);
	assert_string_equal(out, "/opt/ld/recordings");
	setenv("LOFTDIAL_RECORDINGS", "/rec", 1);
	assert_int_equal(paths_share("recordings", out, sizeof(out)), 0);
	assert_string_equal(out, "/rec");
	assert_int_equal(paths_share("themes", out, sizeof(out)), 0);
	assert_string_equal(out, "/opt/ld/themes");
	unsetenv("LOFTDIAL_RECORDINGS");

	assert_int_equal(paths_share("", out, sizeof(out)), EINVAL);
	assert_int_equal(paths_share(NULL, out, sizeof(out)), EINVAL);
	assert_int_equal(paths_share("themes", out, 0), EINVAL);
	assert_int_equal(paths_share("themes", out, 10), ENAMETOOLONG);
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	setenv("LOFTDIAL_SHARE_DIR", big, 1);
	assert_int_equal(paths_share("themes", out, sizeof(out)), ENAMETOOLONG);
	unsetenv("LOFTDIAL_SHARE_DIR");

	/* Nothing beside this test program: the installed location compiled in. */
	assert_int_equal(paths_share("themes", out, sizeof(out)), 0);
	assert_int_equal(out[0], '/');
	assert_non_null(strstr(out, "/share/loftdial/themes"));
}

/* Runs dir/bin/test_paths --share name and returns what it printed in out. */
static void run_copy(const char *dir, const char *name, char *out, size_t n)
{
	char prog[600];
	char *argv[] = {prog, "--share", (char *)name, NULL};
	size_t len;

	snprintf(prog, sizeof(prog), "%s/bin/test_paths", dir);
	assert_int_equal(tl_run(argv, NULL, out, n, 30000), 0);
	len = strlen(out);
	if (len && out[len - 1] == '\n')
		out[len - 1] = '\0';
}

/* A copy of this program in DIR/bin finds DIR/share/loftdial/NAME, else DIR/bin/NAME (the
 * build tree's layout), else falls back to the compiled-in folder. */
static void test_share_relative(void **state)
{
	char dir[256], self[PATHS_MAX], path[600], want[700], out[PATHS_MAX];
	char *cp[] = {"cp", self, path, NULL};
	ssize_t len;

	unsetenv("LOFTDIAL_SHARE_DIR");
	unsetenv("LOFTDIAL_RECORDINGS");
	assert_int_equal(tl_tmpdir(dir, sizeof(dir), "sharetest"), 0);
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(len > 0);
	self[len] = '\0';
	snprintf(path, sizeof(path), "%s/bin", dir);
	assert_int_equal(paths_mkdirs(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/bin/test_paths", dir);
	assert_int_equal(tl_run(cp, NULL, NULL, 0, 30000), 0);

	run_copy(dir, "recordings", out, sizeof(out));
	assert_non_null(strstr(out, "/share/loftdial/recordings"));
	assert_null(strstr(out, dir));

	snprintf(path, sizeof(path), "%s/bin/recordings", dir);
	assert_int_equal(paths_mkdirs(path, 0755), 0);
	run_copy(dir, "recordings", out, sizeof(out));
	assert_string_equal(out, path);

	snprintf(path, sizeof(path), "%s/share/loftdial/recordings", dir);
	assert_int_equal(paths_mkdirs(path, 0755), 0);
	run_copy(dir, "recordings", out, sizeof(out));
	snprintf(want, sizeof(want), "%s/bin/../share/loftdial/recordings", dir);
	assert_string_equal(out, want);
	tl_rmrf(dir);
}

int main(int argc, char **argv)
{
	char out[PATHS_MAX];

	/* The helper mode test_share_relative runs in a copy of this program. */
	if (argc == 3 && strcmp(argv[1], "--share") == 0) {
		if (paths_share(argv[2], out, sizeof(out)))
			return 1;
		printf("%s\n", out);
		return 0;
	}
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_home),
	        cmocka_unit_test(test_too_long),
	        cmocka_unit_test(test_share_env),
	        cmocka_unit_test(test_share_relative),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

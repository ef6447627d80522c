/*
 * test_vmfile: the choice of a session's voicemail message (vmfile.h) on a real folder: the
 * cadence's own recording when it is a readable regular file, else dial.voicemail_file, else
 * none; the path of a cadence's recording and the folder that holds them. Edge cases first.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "loftdial/vmfile.h"
#include "testlib.h"

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "RIFF", 4), 4);
	close(fd);
}

static void test_path(void **state)
{
	char out[64], tiny[8];

	(void)state;
	assert_int_equal(vmfile_cadence_path(NULL, 1, out, sizeof(out)), EINVAL);
	assert_int_equal(vmfile_cadence_path("", 1, out, sizeof(out)), EINVAL);
	assert_int_equal(vmfile_cadence_path("/d", 0, out, sizeof(out)), EINVAL);
	assert_int_equal(vmfile_cadence_path("/d", -5, out, sizeof(out)), EINVAL);
	assert_int_equal(vmfile_cadence_path("/d", 1, NULL, 10), EINVAL);
	assert_int_equal(vmfile_cadence_path("/d", 1, tiny, sizeof(tiny)), ENAMETOOLONG);
	assert_string_equal(tiny, "");
	assert_int_equal(vmfile_cadence_path("/d", 1201, out, sizeof(out)), 0);
	assert_string_equal(out, "/d/voicemail/cadence-1201.wav");
	assert_int_equal(vmfile_cadence_path("/d", INT64_C(9007199254740993), out, sizeof(out)), 0);
	assert_string_equal(out, "/d/voicemail/cadence-9007199254740993.wav");
	assert_string_equal(vmfile_source_name(VMFILE_NONE), "none");
	assert_string_equal(vmfile_source_name(VMFILE_DEFAULT), "default");
	assert_string_equal(vmfile_source_name(VMFILE_CADENCE), "cadence");
	assert_string_equal(vmfile_source_name((enum vmfile_source)9), "?");
}

static void test_choose(void **state)
{
	char root[600], path[1024], out[1024], small[16], blocker[700];

	(void)state;
	assert_int_equal(tl_tmpdir(root, sizeof(root), "vmfile"), 0);
	/* Nothing at all. */
	assert_int_equal(vmfile_choose(root, 5, NULL, out, sizeof(out)), VMFILE_NONE);
	assert_string_equal(out, "");
	assert_int_equal(vmfile_choose(root, 5, "", out, sizeof(out)), VMFILE_NONE);
	assert_int_equal(vmfile_choose(root, 5, "/x/def.wav", NULL, 0), VMFILE_NONE);
	/* The default, whatever the cadence, while the cadence has no recording. */
	assert_int_equal(vmfile_choose(root, 5, "/x/def.wav", out, sizeof(out)), VMFILE_DEFAULT);
	assert_string_equal(out, "/x/def.wav");
	assert_int_equal(vmfile_choose(root, 0, "/x/def.wav", out, sizeof(out)), VMFILE_DEFAULT);
	assert_int_equal(vmfile_choose(NULL, 5, "/x/def.wav", out, sizeof(out)), VMFILE_DEFAULT);
	/* A default too long for out is not cut into another name. */
	assert_int_equal(vmfile_choose(root, 5, "/x/a-long-default.wav", small, sizeof(small)),
	                 VMFILE_NONE);
	assert_string_equal(small, "");

	/* The folder: made once, found again; a file in its place is refused. */
	snprintf(blocker, sizeof(blocker), "%s/other", root);
	assert_int_equal(mkdir(blocker, 0700), 0);
	snprintf(path, sizeof(path), "%s/other/voicemail", root);
	touch(path);
	assert_int_equal(vmfile_dir_make(blocker), ENOTDIR);
	assert_int_equal(vmfile_dir_make(NULL), EINVAL);
	assert_int_equal(vmfile_dir_make(root), 0);
	assert_int_equal(vmfile_dir_make(root), 0);

	/* A folder where the recording should be is not a recording. */
	assert_int_equal(vmfile_cadence_path(root, 5, path, sizeof(path)), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(vmfile_choose(root, 5, "/x/def.wav", out, sizeof(out)), VMFILE_DEFAULT);
	assert_int_equal(rmdir(path), 0);
	/* The cadence's recording wins for that cadence only. */
	touch(path);
	assert_int_equal(vmfile_choose(root, 5, "/x/def.wav", out, sizeof(out)), VMFILE_CADENCE);
	assert_string_equal(out, path);
	assert_int_equal(vmfile_choose(root, 5, NULL, out, sizeof(out)), VMFILE_CADENCE);
	assert_int_equal(vmfile_choose(root, 6, "/x/def.wav", out, sizeof(out)), VMFILE_DEFAULT);
	assert_int_equal(vmfile_choose(root, 0, "/x/def.wav", out, sizeof(out)), VMFILE_DEFAULT);
	/* A path too long for out falls back to the default. */
	assert_int_equal(vmfile_choose(root, 5, "/d.wav", small, sizeof(small)), VMFILE_DEFAULT);
	assert_string_equal(small, "/d.wav");
	/* Unreadable (when the test does not run as root, which reads anything). */
	if (geteuid() != 0) {
		assert_int_equal(chmod(path, 0), 0);
		assert_int_equal(vmfile_choose(root, 5, "/x/def.wav", out, sizeof(out)),
		                 VMFILE_DEFAULT);
	}
	assert_int_equal(tl_rmrf(root), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_path),
	        cmocka_unit_test(test_choose),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

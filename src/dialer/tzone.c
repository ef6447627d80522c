/*
 * tzone: local time in a named zone through the C library. glibc reads the zone's rules when
 * TZ changes, so each lookup sets TZ to the zone's file, converts, and puts the caller's TZ
 * back. loftdial runs one thread, so nothing else reads TZ in between.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loftdial/text.h"
#include "loftdial/tzone.h"

#define TZDIR_DEFAULT "/usr/share/zoneinfo"

/* True for a name that can only name a file inside the zoneinfo folder. */
static bool name_ok(const char *name)
{
	size_t i, n;

	if (!name)
		return false;
	n = strlen(name);
	if (n == 0 || n >= TZONE_NAME_MAX || name[0] == '/' || name[0] == '.' ||
	    strstr(name, "..") || strstr(name, "//"))
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '+' || c == '-' || c == '/'))
			return false;
	}
	return true;
}

/* The zoneinfo file of a checked name. */
static int zone_path(const char *name, char *path, size_t n)
{
	const char *dir = getenv("TZDIR");

	if (!dir || !*dir)
		dir = TZDIR_DEFAULT;
	return text_printf(path, n, "%s/%s", dir, name);
}

bool tzone_known(const char *name)
{
	char path[512], magic[4];
	bool ok = false;
	int fd;

	if (!name_ok(name) || zone_path(name, path, sizeof(path)))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	/* A TZif file, not a folder (US/) or a stray text file (zone1970.tab). */
	if (read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) && !memcmp(magic, "TZif", 4))
		ok = true;
	close(fd);
	return ok;
}

int tzone_local(const char *name, time_t t, struct tm *out)
{
	char spec[TZONE_NAME_MAX + 2], *saved = NULL;
	const char *old;
	int err = 0;

	if (!name || !out)
		return EINVAL;
	if (!tzone_known(name))
		return ENOENT;
	old = getenv("TZ");
	if (old) {
		saved = strdup(old);
		if (!saved)
			return ENOMEM;
	}
	/* ':' asks for the file by name, never for a POSIX rule string. */
	text_printf(spec, sizeof(spec), ":%s", name);
	if (setenv("TZ", spec, 1)) {
		err = errno;
		goto out;
	}
	tzset();
	if (!localtime_r(&t, out))
		err = EOVERFLOW;
	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
out:
	free(saved);
	return err;
}

int tzone_fixed(int offset_min, time_t t, struct tm *out)
{
	time_t local;

	if (!out || offset_min < -16 * 60 || offset_min > 16 * 60)
		return EINVAL;
	local = t + (time_t)offset_min * 60;
	if (!gmtime_r(&local, out))
		return EOVERFLOW;
	out->tm_gmtoff = (long)offset_min * 60;
	out->tm_isdst = 0;
	return 0;
}

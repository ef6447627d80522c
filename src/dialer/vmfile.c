/*
 * vmfile: the voicemail recording a dial session plays: a cadence's own, under the data
 * folder, or the configured default (see vmfile.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loftdial/text.h"
#include "loftdial/vmfile.h"

const char *vmfile_source_name(enum vmfile_source s)
{
	static const char *const names[] = {"none", "default", "cadence"};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

int vmfile_cadence_path(const char *data_dir, int64_t cadence_id, char *out, size_t n)
{
	int err;

	if (!data_dir || !*data_dir || cadence_id <= 0 || !out || !n)
		return EINVAL;
	err = text_printf(out, n, "%s/" VMFILE_DIR "/cadence-%lld.wav", data_dir,
	                  (long long)cadence_id);
	if (err)
		out[0] = '\0';
	return err ? ENAMETOOLONG : 0;
}

int vmfile_dir_make(const char *data_dir)
{
	char dir[1024];
	struct stat st;

	if (!data_dir || !*data_dir)
		return EINVAL;
	if (text_printf(dir, sizeof(dir), "%s/" VMFILE_DIR, data_dir))
		return ENAMETOOLONG;
	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return errno;
	/* Something by that name is there already: only a folder will do. */
	if (stat(dir, &st) != 0)
		return errno;
	return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

enum vmfile_source vmfile_choose(const char *data_dir, int64_t cadence_id, const char *def,
                                 char *out, size_t n)
{
	struct stat st;

	if (!out || !n)
		return VMFILE_NONE;
	out[0] = '\0';
	if (cadence_id > 0 && vmfile_cadence_path(data_dir, cadence_id, out, n) == 0 &&
	    stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, R_OK) == 0)
		return VMFILE_CADENCE;
	out[0] = '\0';
	/* A default cut short would name another file: better none than the wrong message. */
	if (def && *def && text_copy(out, n, def) == 0)
		return VMFILE_DEFAULT;
	out[0] = '\0';
	return VMFILE_NONE;
}

/*
 * paths: resolving and creating loftdial's configuration and data folders.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "loftdial/paths.h"
#include "loftdial/text.h"

int paths_mkdirs(const char *dir, unsigned mode)
{
	char buf[PATHS_MAX];
	char *p;

	if (text_copy(buf, sizeof(buf), dir))
		return ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return errno;
	return 0;
}

/* Picks $var/loftdial, else $HOME/fallback/loftdial. */
static int xdg_dir(char *out, size_t n, const char *var, const char *fallback)
{
	const char *v = getenv(var);
	const char *home;

	if (v && v[0] == '/')
		return text_printf(out, n, "%s/loftdial", v);
	home = getenv("HOME");
	if (!home || !home[0])
		return ENOENT;
	return text_printf(out, n, "%s/%s/loftdial", home, fallback);
}

int paths_init(struct paths *p)
{
	const char *home = getenv("LOFTDIAL_HOME");
	int err;

	memset(p, 0, sizeof(*p));
	if (home && home[0]) {
		err = text_copy(p->config_dir, sizeof(p->config_dir), home);
		err = err ? err : text_copy(p->data_dir, sizeof(p->data_dir), home);
	} else {
		err = xdg_dir(p->config_dir, sizeof(p->config_dir), "XDG_CONFIG_HOME", ".config");
		err = err ? err
		          : xdg_dir(p->data_dir, sizeof(p->data_dir), "XDG_DATA_HOME",
		                    ".local/share");
	}
	if (err)
		return err == E2BIG ? ENAMETOOLONG : err;
	if (text_printf(p->config_file, sizeof(p->config_file), "%s/config", p->config_dir) ||
	    text_printf(p->db_file, sizeof(p->db_file), "%s/loftdial.db", p->data_dir) ||
	    text_printf(p->log_file, sizeof(p->log_file), "%s/loftdial.log", p->data_dir))
		return ENAMETOOLONG;
	err = paths_mkdirs(p->config_dir, 0700);
	return err ? err : paths_mkdirs(p->data_dir, 0700);
}

int paths_data(const struct paths *p, const char *name, char *out, size_t n)
{
	return text_printf(out, n, "%s/%s", p->data_dir, name) ? ENAMETOOLONG : 0;
}

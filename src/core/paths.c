/*
 * paths: resolving and creating loftdial's configuration and data folders, and finding the
 * read-only data shipped with the programs (themes, recordings) wherever they were installed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The share folder relative to the programs' bin folder, and its absolute installed path;
 * both come from the build's install prefix (cmake/install.cmake). */
#ifndef LOFTDIAL_SHARE_REL
#define LOFTDIAL_SHARE_REL "../share/loftdial"
#endif
#ifndef LOFTDIAL_SHARE_ABS
#define LOFTDIAL_SHARE_ABS "/usr/local/share/loftdial"
#endif

/* Variables that name one shipped folder alone (older than LOFTDIAL_SHARE_DIR; tests use
 * them to point a program at a build tree's copy). */
static const struct {
	const char *name;
	const char *env;
} share_env[] = {
        {"recordings", "LOFTDIAL_RECORDINGS"},
};

/* Whether path names an existing directory. */
static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Writes the folder holding the running program into out; an empty string when unknown. */
static void exe_dir(char *out, size_t n)
{
	ssize_t len;
	char *slash;

	out[0] = '\0';
	len = readlink("/proc/self/exe", out, n - 1);
	if (len <= 0 || (size_t)len >= n - 1) {
		out[0] = '\0';
		return;
	}
	out[len] = '\0';
	slash = strrchr(out, '/');
	if (!slash) {
		out[0] = '\0';
		return;
	}
	*slash = '\0';
}

int paths_share(const char *name, char *out, size_t n)
{
	char exe[PATHS_MAX];
	const char *v;
	size_t i;

	if (!name || !*name || !out || !n)
		return EINVAL;
	for (i = 0; i < sizeof(share_env) / sizeof(share_env[0]); i++) {
		v = strcmp(share_env[i].name, name) == 0 ? getenv(share_env[i].env) : NULL;
		if (v && *v)
			return text_copy(out, n, v) ? ENAMETOOLONG : 0;
	}
	v = getenv("LOFTDIAL_SHARE_DIR");
	if (v && *v)
		return text_printf(out, n, "%s/%s", v, name) ? ENAMETOOLONG : 0;

	/* An installed or unpacked copy: PREFIX/bin/loftdial next to PREFIX/share/loftdial. */
	exe_dir(exe, sizeof(exe));
	if (exe[0]) {
		if (!text_printf(out, n, "%s/%s/%s", exe, LOFTDIAL_SHARE_REL, name) && is_dir(out))
			return 0;
		/* The build tree keeps themes/ and recordings/ beside the programs. */
		if (!text_printf(out, n, "%s/%s", exe, name) && is_dir(out))
			return 0;
	}
	return text_printf(out, n, "%s/%s", LOFTDIAL_SHARE_ABS, name) ? ENAMETOOLONG : 0;
}

/* True for a theme name that cannot leave the themes folder. */
static bool theme_name_ok(const char *name)
{
	const char *p;

	if (!name[0] || name[0] == '.' || strlen(name) > 64)
		return false;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_'))
			return false;
	return true;
}

int paths_theme(const char *name, char *out, size_t n)
{
	char dir[PATHS_MAX];
	int err;

	if (!name || !out || n == 0)
		return EINVAL;
	if (strchr(name, '/')) {
		if (text_copy(out, n, name))
			return ENAMETOOLONG;
		return access(out, R_OK) ? ENOENT : 0;
	}
	if (!theme_name_ok(name))
		return EINVAL;
	err = paths_share("themes", dir, sizeof(dir));
	if (err)
		return err;
	if (text_printf(out, n, "%s/%s.theme", dir, name))
		return ENAMETOOLONG;
	return access(out, R_OK) ? ENOENT : 0;
}

/*
 * paths: where loftdial keeps its configuration and its data.
 *
 * LOFTDIAL_HOME=DIR puts both in DIR (tests and scripts rely on this). Otherwise the config
 * lives in $XDG_CONFIG_HOME/loftdial (default ~/.config/loftdial) and the data (database,
 * log, engine folders) in $XDG_DATA_HOME/loftdial (default ~/.local/share/loftdial).
 * Folders are created 0700.
 *
 * Read-only data that ships with loftdial (themes, the simulated phones' recordings) lives in
 * a share folder: $LOFTDIAL_SHARE_DIR if set, else share/loftdial next to the running
 * program's bin folder (so an installed or unpacked copy finds its own), else the build
 * tree (the program's own folder holds themes/ and recordings/), else the folder compiled in
 * for the configured install prefix.
 */
#ifndef LOFTDIAL_PATHS_H
#define LOFTDIAL_PATHS_H

#include <stddef.h>

#define PATHS_MAX 1024

struct paths {
	char config_dir[PATHS_MAX];
	char data_dir[PATHS_MAX];
	char config_file[PATHS_MAX]; /* config_dir/config */
	char db_file[PATHS_MAX];     /* data_dir/loftdial.db */
	char log_file[PATHS_MAX];    /* data_dir/loftdial.log */
};

/* Resolves the folders from the environment and creates them. */
int paths_init(struct paths *p);
/* Joins data_dir and a relative name into out. */
int paths_data(const struct paths *p, const char *name, char *out, size_t n);
/* Finds the folder of shipped read-only data NAME ("themes", "recordings"): a variable
 * naming that folder alone (LOFTDIAL_RECORDINGS for recordings), else the share folder
 * described above. Writes the path even when no candidate exists (the installed location),
 * so the caller's error names where it looked. 0, EINVAL (empty name), ENAMETOOLONG. */
int paths_share(const char *name, char *out, size_t n);
/* Finds the theme file for name: a name with a '/' is a path used as is; otherwise
 * NAME.theme (letters, digits, '.', '-', '_'; not starting with '.') in the shipped themes
 * folder (paths_share("themes")). 0 with the path in out, ENOENT when there is no such file,
 * EINVAL for a bad name. */
int paths_theme(const char *name, char *out, size_t n);
/* mkdir -p with the given mode for every missing component. */
int paths_mkdirs(const char *dir, unsigned mode);

#endif

/*
 * config: loftdial's settings, read from a small line-oriented file.
 *
 * Each line is `key value` (the value runs to the end of the line, surrounding blanks
 * trimmed, optionally in double quotes); `#` starts a comment. Every key is declared once in
 * the table in config.c with its type, default, range and one line of documentation, and
 * docs/configuration.md lists them all (a unit test keeps the two in step). A mistake is a
 * `file:line: message` warning and the line is skipped; loading never aborts.
 *
 * A key may be declared before the code that reads it exists; until then it is "not used
 * yet": not listed, not documented, and refused with a warning when a file sets it.
 */
#ifndef LOFTDIAL_CONFIG_H
#define LOFTDIAL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;

/* CONFIG_PORTS: empty, or a UDP port range "LO-HI" for RTP, inside the row's min..max, LO
 * even (RTP takes an even port and RTCP the next) and at least CONFIG_PORTS_SPAN ports. */
enum config_type { CONFIG_STR, CONFIG_INT, CONFIG_BOOL, CONFIG_ENUM, CONFIG_PORTS };

/* The fewest ports a CONFIG_PORTS range holds: two (RTP, RTCP) for each of nine lines. */
#define CONFIG_PORTS_SPAN 18

/* One row of the key table, exposed for documentation and `loftdial config`. */
struct config_key {
	const char *name;
	enum config_type type;
	const char *def;     /* default, as text */
	int64_t min, max;    /* CONFIG_INT and CONFIG_PORTS only */
	const char *choices; /* CONFIG_ENUM only: "a|b|c" */
	bool secret;         /* never printed or logged in full */
	const char *doc;
};

typedef void(config_warn_h)(const char *file, unsigned line, const char *msg, void *arg);

/* A new config holding every default. */
int config_new(struct config **cfgp);
void config_free(struct config *cfg);

/* Reads a config file. Returns ENOENT if it does not exist (cfg unchanged), other errno
 * values for I/O errors; bad lines are reported through warnh (may be NULL) and skipped. */
int config_load(struct config *cfg, const char *path, config_warn_h *warnh, void *arg);
/* The same for text already in memory; name is used in warnings. */
int config_parse(struct config *cfg, const char *name, const char *text, size_t len,
                 config_warn_h *warnh, void *arg);
/* Sets one key; EINVAL with a message in err for an unknown or unused key or a bad value. */
int config_set(struct config *cfg, const char *key, const char *value, char *err, size_t errsz);
/* Checks a value for a key without storing it (the same checks and messages as config_set). */
int config_check(const char *key, const char *value, char *err, size_t errsz);
/* Applies environment overrides (LOFTDIAL_API_URL, LOFTDIAL_ACCOUNTS_URL, LOFTDIAL_API_KEY,
 * LOFTDIAL_LOG_LEVEL). */
void config_apply_env(struct config *cfg);

/* Typed reads; asking for an undeclared key is a programming error and returns ""/0/false. */
const char *config_str(const struct config *cfg, const char *key);
int64_t config_int(const struct config *cfg, const char *key);
bool config_bool(const struct config *cfg, const char *key);
/* True when the key was set by the file, the environment or config_set (not a default). */
bool config_is_set(const struct config *cfg, const char *key);
/* Where a key's value came from: "default", "FILE:LINE", "environment NAME" or "set". */
const char *config_origin(const struct config *cfg, const char *key);

/* The key table, for docs and listing; it includes unused keys (see config_key_used). */
const struct config_key *config_keys(size_t *count);
/* False for a declared key that nothing reads yet: it is neither listed nor accepted. */
bool config_key_used(const char *name);

/* Sets key to value in the config file at path, in place: the last line setting the key is
 * rewritten (keeping its trailing comment), else the commented example line `#key ...`, else
 * a line is appended; every other line stays as it was. The file is replaced atomically and
 * kept 0600; it is created when missing. *lineno gets the line written. EINVAL with a message
 * in err for a bad key or value; errno values for I/O errors. */
int config_file_set(const char *path, const char *key, const char *value, unsigned *lineno,
                    char *err, size_t errsz);

/* Writes a commented example config (every key, commented out, with its default) to path,
 * created 0600, unless the file exists. Returns 0 or EEXIST. */
int config_write_example(const char *path);

#endif

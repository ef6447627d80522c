/*
 * log: loftdial's one log, written to a file in the data folder.
 *
 * The log never writes to the terminal while the TUI owns it; command-line runs may mirror
 * warnings to stderr. Every line is scrubbed of secrets (bearer tokens, OAuth tokens, client
 * secrets, SIP passwords) before it is written, so callers may log requests and responses
 * without thinking about what they carry.
 */
#ifndef LOFTDIAL_LOG_H
#define LOFTDIAL_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

/* Opens (appends to) the log file, created 0600. Before it is called, logs go nowhere
 * except what log_set_stderr() allows. */
int log_open(const char *path, enum log_level min);
void log_close(void);
void log_set_level(enum log_level min);
/* Mirrors lines at or above the level to stderr (LOG_OFF to stop, e.g. when the TUI starts). */
void log_set_stderr(enum log_level min);
int log_level_parse(const char *s, enum log_level *out);

void log_msg(enum log_level lvl, const char *mod, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void log_vmsg(enum log_level lvl, const char *mod, const char *fmt, va_list ap);

#define log_debug(mod, ...) log_msg(LOG_DEBUG, mod, __VA_ARGS__)
#define log_info(mod, ...)  log_msg(LOG_INFO, mod, __VA_ARGS__)
#define log_warn(mod, ...)  log_msg(LOG_WARN, mod, __VA_ARGS__)
#define log_error(mod, ...) log_msg(LOG_ERROR, mod, __VA_ARGS__)

/* Rewrites secrets in s in place: the value after "Bearer ", "access_token", "refresh_token",
 * "client_secret", "password", "auth_pass", "callback_token", "api_key" keeps its first four
 * characters and the rest becomes "…". Returns s. */
char *log_redact(char *s);

/* Registers an extra literal secret (e.g. an API key read from config, each token a refresh
 * brings) to scrub from every line: it keeps its first four characters, the rest becomes
 * "...". Secrets shorter than six characters are ignored; there is no limit on how many are
 * kept (a long-running process adds two at every token refresh), and the cost of scrubbing a
 * line does not grow with their number. */
void log_add_secret(const char *secret);
/* How many distinct secrets are registered. */
size_t log_secret_count(void);

#endif

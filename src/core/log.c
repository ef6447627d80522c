/*
 * log: the process log file, with levels and secret scrubbing.
 *
 * Lines look like `2026-11-23T05:03:53.123Z WARN sync: message`. Secrets are scrubbed on the
 * formatted line, so no caller can leak one by formatting a request into a message.
 */
#define _GNU_SOURCE /* strcasestr */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "loftdial/log.h"
#include "loftdial/text.h"

#define LOG_LINE_MAX 4096
#define LOG_SECRETS  16

static FILE *log_fp;
static enum log_level log_min = LOG_INFO;
static enum log_level log_err_min = LOG_OFF;
static char *log_secrets[LOG_SECRETS];

static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR", "OFF"};

int log_open(const char *path, enum log_level min)
{
	int fd;

	log_close();
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	log_fp = fdopen(fd, "a");
	if (!log_fp) {
		int err = errno;
		close(fd);
		return err;
	}
	setvbuf(log_fp, NULL, _IOLBF, 0);
	log_min = min;
	return 0;
}

void log_close(void)
{
	if (log_fp)
		fclose(log_fp);
	log_fp = NULL;
}

void log_set_level(enum log_level min)
{
	log_min = min;
}

void log_set_stderr(enum log_level min)
{
	log_err_min = min;
}

int log_level_parse(const char *s, enum log_level *out)
{
	size_t i;

	for (i = 0; s && i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (!strcasecmp(s, level_names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return EINVAL;
}

void log_add_secret(const char *secret)
{
	size_t i;

	if (!secret || strlen(secret) < 6)
		return; /* too short to scrub without mangling ordinary words */
	for (i = 0; i < LOG_SECRETS; i++) {
		if (log_secrets[i] && !strcmp(log_secrets[i], secret))
			return;
		if (!log_secrets[i]) {
			log_secrets[i] = strdup(secret);
			return;
		}
	}
}

/* Replaces the value that starts at v (ending at a delimiter) with its first 4 chars + "…". */
static void mask_value(char *v)
{
	size_t len = strcspn(v, " \t\r\n\"'&,;}]");
	size_t keep = len > 4 ? 4 : len;

	if (len <= keep)
		return;
	/* "..." is three bytes, so the line never grows. */
	if (len - keep >= 3) {
		memcpy(v + keep, "...", 3);
		memmove(v + keep + 3, v + len, strlen(v + len) + 1);
	}
}

char *log_redact(char *s)
{
	static const char *const keys[] = {"bearer ",        "access_token", "refresh_token",
	                                   "client_secret",  "password",     "auth_pass",
	                                   "callback_token", "api_key",      "code="};
	size_t k, i;

	if (!s)
		return s;
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		size_t klen = strlen(keys[k]);
		char *p = s;

		while ((p = strcasestr(p, keys[k])) != NULL) {
			char *v = p + klen;

			/* Skip the separators between a key and its value: `":"`, `=`, blanks. */
			while (*v == '"' || *v == ':' || *v == '=' || *v == ' ' || *v == '\'')
				v++;
			mask_value(v);
			p = v;
		}
	}
	for (i = 0; i < LOG_SECRETS && log_secrets[i]; i++) {
		size_t slen = strlen(log_secrets[i]);
		char *p = s;

		while ((p = strstr(p, log_secrets[i])) != NULL) {
			memcpy(p + 4, "...", 3);
			memmove(p + 7, p + slen, strlen(p + slen) + 1);
			p += 7;
		}
	}
	return s;
}

void log_vmsg(enum log_level lvl, const char *mod, const char *fmt, va_list ap)
{
	char raw[LOG_LINE_MAX], clean[LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;

	if (lvl >= LOG_OFF || ((!log_fp || lvl < log_min) && lvl < log_err_min))
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	log_redact(raw);
	/* Messages quote network text; keep the log one line per entry and escape-free. */
	text_sanitize(clean, sizeof(clean), raw, false);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	if (log_fp && lvl >= log_min)
		fprintf(log_fp, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: %s\n",
		        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		        tm.tm_sec, ts.tv_nsec / 1000000, level_names[lvl], mod ? mod : "-", clean);
	if (lvl >= log_err_min)
		fprintf(stderr, "loftdial: %s: %s\n", mod ? mod : "-", clean);
}

void log_msg(enum log_level lvl, const char *mod, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, mod, fmt, ap);
	va_end(ap);
}

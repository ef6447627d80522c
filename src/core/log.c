/*
 * log: the process log file, with levels and secret scrubbing.
 *
 * Lines look like `2026-11-23T05:03:53.123Z WARN sync: message`. Secrets are scrubbed on the
 * formatted line, so no caller can leak one by formatting a request into a message.
 *
 * Registered secrets have no limit: a process that runs for days registers two more at every
 * token refresh, and an old token must stay scrubbed as long as anything might still print it.
 * They are kept sorted by their first four bytes, so a line is scanned once whatever their
 * number: at each position one binary search finds the candidates that start there.
 */
#define _GNU_SOURCE /* strcasestr */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "loftdial/log.h"
#include "loftdial/text.h"

#define LOG_LINE_MAX   4096
#define SECRET_MIN_LEN 6 /* shorter ones would mangle ordinary words */

struct secret {
	uint32_t key; /* the first four bytes, for the sorted lookup */
	size_t len;
	char *s;
};

static FILE *log_fp;
static enum log_level log_min = LOG_INFO;
static enum log_level log_err_min = LOG_OFF;
static struct secret *secrets; /* sorted by key */
static size_t nsecrets, secrets_cap;

/* Indexed by level (log_level_parse walks it in order: keep it dense). */
static const char *const level_names[] = {
        [LOG_DEBUG] = "DEBUG", [LOG_INFO] = "INFO", [LOG_WARN] = "WARN",
        [LOG_ERROR] = "ERROR", [LOG_OFF] = "OFF",
};

_Static_assert(sizeof(level_names) / sizeof(level_names[0]) == LOG_OFF + 1,
               "a log level without a name");

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

/* The lookup key of the four bytes at p. */
static uint32_t key_at(const char *p)
{
	uint32_t k;

	memcpy(&k, p, sizeof(k));
	return k;
}

/* Index of the first secret whose key is not below k. */
static size_t lower_bound(uint32_t k)
{
	size_t lo = 0, hi = nsecrets;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (secrets[mid].key < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void log_add_secret(const char *secret)
{
	size_t len, at, i;
	uint32_t k;
	char *copy;

	if (!secret || (len = strlen(secret)) < SECRET_MIN_LEN)
		return;
	k = key_at(secret);
	at = lower_bound(k);
	for (i = at; i < nsecrets && secrets[i].key == k; i++)
		if (secrets[i].len == len && !memcmp(secrets[i].s, secret, len))
			return;
	if (nsecrets == secrets_cap) {
		size_t cap = secrets_cap ? 2 * secrets_cap : 16;
		struct secret *grown = realloc(secrets, cap * sizeof(*grown));

		if (!grown)
			return; /* the patterns in log_redact still catch the usual forms */
		secrets = grown;
		secrets_cap = cap;
	}
	copy = strdup(secret);
	if (!copy)
		return;
	memmove(&secrets[at + 1], &secrets[at], (nsecrets - at) * sizeof(secrets[0]));
	secrets[at] = (struct secret){.key = k, .len = len, .s = copy};
	nsecrets++;
}

size_t log_secret_count(void)
{
	return nsecrets;
}

/* The longest registered secret that starts at p (n bytes left), or NULL. */
static const struct secret *secret_at(const char *p, size_t n)
{
	const struct secret *best = NULL;
	uint32_t k;
	size_t i;

	if (n < SECRET_MIN_LEN)
		return NULL;
	k = key_at(p);
	for (i = lower_bound(k); i < nsecrets && secrets[i].key == k; i++)
		if (secrets[i].len <= n && !memcmp(secrets[i].s, p, secrets[i].len) &&
		    (!best || secrets[i].len > best->len))
			best = &secrets[i];
	return best;
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
	size_t k, i, n;

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
	if (!nsecrets)
		return s;
	/* Each registered secret keeps its first four characters; the rest becomes "...". */
	n = strlen(s);
	for (i = 0; i < n;) {
		const struct secret *sec = secret_at(s + i, n - i);

		if (!sec) {
			i++;
			continue;
		}
		memcpy(s + i + 4, "...", 3);
		memmove(s + i + 7, s + i + sec->len, n - i - sec->len + 1);
		n -= sec->len - 7;
		i += 7;
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

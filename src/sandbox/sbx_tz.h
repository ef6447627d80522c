/*
 * sbx_tz: time zones of the tz database (the system's /usr/share/zoneinfo, or $TZDIR) by
 * name, for the sandbox's people, accounts, users and the task time_interval_filter.
 *
 * Salesloft's `locale` values are tz database names, old link names such as US/Eastern
 * included (reference §4.2), and `locale_utc_offset` follows daylight saving time, so a fixed
 * table of offsets is not enough. A zone is read once from its TZif file (RFC 8536) and kept
 * for the life of the process; the offset at an instant comes from its transitions, and
 * beyond the last one from the file's POSIX TZ rule. The C library's localtime cannot serve
 * here: it knows one zone at a time (TZ), and switching it costs a file read.
 */
#ifndef LOFTDIAL_SBX_TZ_H
#define LOFTDIAL_SBX_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sbx_tz;

/* True when name is shaped like a tz database name ("US/Eastern", "Etc/GMT+5", "UTC"):
 * letters, digits, '_', '-', '+' and '/' between parts, no empty or dot-led part, at most
 * 63 bytes. Anything else (a path, "../x") is never looked up on disk. */
bool sbx_tz_name_ok(const char *name);

/* The zone of that name, read on first use and cached; NULL when the name is not shaped
 * like a zone name or no readable TZif file has it. */
const struct sbx_tz *sbx_tz_get(const char *name);

/* The UTC offset in minutes (east positive) of the zone at instant us (microseconds since
 * the Unix epoch). */
int sbx_tz_offset(const struct sbx_tz *z, int64_t us);

/* Parses TZif data (a whole file) into a zone; 0, EINVAL for data that is not TZif or is
 * cut short, ENOMEM. Exposed for the unit and fuzz tests. */
int sbx_tz_parse(const unsigned char *data, size_t n, struct sbx_tz **out);
/* Parses a POSIX TZ rule string ("EST5EDT,M3.2.0,M11.1.0") into a zone with no
 * transitions; 0 or EINVAL. */
int sbx_tz_parse_rule(const char *rule, struct sbx_tz **out);
void sbx_tz_free(struct sbx_tz *z);

/* Frees every cached zone (at exit, so leak checkers stay quiet). */
void sbx_tz_cache_clear(void);

#endif

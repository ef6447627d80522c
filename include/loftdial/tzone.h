/*
 * tzone: time zones by tz database name ("America/New_York", "US/Eastern", "Asia/Kathmandu"):
 * whether this machine knows a name, and the local time and UTC offset of an instant there.
 *
 * The rules come from the system's zoneinfo files (TZDIR, else /usr/share/zoneinfo), read by
 * the C library, so daylight saving and half-hour or 45-minute zones follow the installed
 * tzdata. The old link names Salesloft uses (US/Eastern, US/Pacific) are files there as well
 * (Debian's tzdata-legacy where the distribution split them off; scripts/deps.sh installs it).
 */
#ifndef LOFTDIAL_TZONE_H
#define LOFTDIAL_TZONE_H

#include <stdbool.h>
#include <time.h>

#define TZONE_NAME_MAX 64

/* True when name is a well-formed zone name with a zoneinfo file here. Names with "..", a
 * leading '/', or characters outside [A-Za-z0-9_+-/] are refused without touching the disk. */
bool tzone_known(const char *name);

/* The local time of t in zone name (out->tm_gmtoff holds the offset in seconds). ENOENT when
 * the zone is not known here, EINVAL for NULL arguments. The process's TZ is restored. */
int tzone_local(const char *name, time_t t, struct tm *out);

/* The local time of t at a fixed offset from UTC (minutes east, -16h..+16h). EINVAL when the
 * offset is out of range. */
int tzone_fixed(int offset_min, time_t t, struct tm *out);

#endif

/*
 * phonetz: the time zones a phone number may be in, judged from its digits alone (country
 * calling code; area code in the North American Numbering Plan). Used only when nothing
 * better (the person's zone, their offset, their account's zone) is known. Pure code.
 */
#ifndef LOFTDIAL_PHONETZ_H
#define LOFTDIAL_PHONETZ_H

#include <stddef.h>

#define PHONETZ_NAME_MAX 40
#define PHONETZ_MAX      4 /* zones one prefix may list */

/* Fills zones with up to max zone names for an E.164 number ("+12125550100" or digits only)
 * and returns how many; 0 when the number is malformed or its prefix says nothing sure (a
 * country spanning many zones, an unknown area code). */
size_t phonetz_zones(const char *e164, char zones[][PHONETZ_NAME_MAX], size_t max);

/* Row i of the table (for tests): sets *prefix and *zones (space-separated) and returns the
 * number of rows, or 0 when i is past the end. */
size_t phonetz_table(const char **prefix, const char **zones, size_t i);

#endif

/*
 * numbers: turns a phone number as people write it into E.164, or says why it cannot.
 *
 * Input comes from CRM records and files: "(415) 555-0134", "+44 20 7946 0958",
 * "00 49 30 1234567", "415.555.0134 x12". A number without a country code is read in the
 * default country (its trunk prefix dropped, its international prefix understood); an
 * extension ("x123", "ext. 123", ";ext=123") is kept apart, to be sent as DTMF once the call
 * is connected. An RFC 3966 "tel:" prefix is read past. Anything else (letters, stray characters,
 * impossible lengths, unknown country codes) is refused with a short reason in plain words. Pure
 * code: no I/O, no allocation.
 */
#ifndef LOFTDIAL_NUMBERS_H
#define LOFTDIAL_NUMBERS_H

#include <stdbool.h>
#include <stddef.h>

#define NUMBERS_E164_MAX 16 /* "+" and at most 15 digits */
#define NUMBERS_EXT_MAX  10 /* digits of an extension */
#define NUMBERS_IN_MAX   128

struct number {
	char e164[NUMBERS_E164_MAX + 1]; /* "+14155550134" */
	char digits[NUMBERS_E164_MAX];   /* "14155550134" */
	char ext[NUMBERS_EXT_MAX + 1];   /* "12", or "" */
	char national[NUMBERS_E164_MAX]; /* national significant number, "4155550134" */
	unsigned cc;                     /* country calling code, 1 */
};

/* True when iso (two letters, any case) is a country numbers knows how to read. */
bool numbers_country_known(const char *iso);

/* Normalises text read in default_country (ISO 3166 alpha-2). 0 and *out filled, or EINVAL
 * with a reason in why (e.g. "has letters", "too long: 30 digits (E.164 allows 15)"), or
 * ENOENT when default_country is not known and the number has no country code. */
int numbers_normalise(const char *text, const char *default_country, struct number *out, char *why,
                      size_t whyn);

#endif

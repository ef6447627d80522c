/*
 * slurl: the small URL chores the Salesloft client does by hand: percent-encoding query
 * values, building a path with its query string, and reading parameters back out of a query
 * (the OAuth redirect, pasted URLs, webhook request paths).
 *
 * Query strings are built into a growing heap buffer so a long ids[] list never truncates
 * silently; every function reports E2BIG/ENOMEM instead.
 */
#ifndef LOFTDIAL_SLURL_H
#define LOFTDIAL_SLURL_H

#include <stdbool.h>
#include <stddef.h>

/* A URL (or path) being built: base, then "?k=v&k=v". */
struct slurl {
	char *buf;
	size_t len, cap;
	bool has_query; /* a '?' has been written */
	int err;        /* first error; later appends do nothing */
};

/* Starts a URL with base (copied verbatim; it may already carry a query string). */
void slurl_init(struct slurl *u, const char *base);
/* Appends "&name=value" (or "?name=value"), percent-encoding both. */
void slurl_add(struct slurl *u, const char *name, const char *value);
/* Appends an integer parameter. */
void slurl_addi(struct slurl *u, const char *name, long long value);
/* The URL so far (never NULL; "" after an allocation failure), and the first error. */
const char *slurl_str(const struct slurl *u);
int slurl_err(const struct slurl *u);
/* Frees the buffer. */
void slurl_reset(struct slurl *u);

/* Percent-encodes s into out (RFC 3986 unreserved characters kept). 0 or E2BIG. */
int slurl_encode(char *out, size_t n, const char *s);
/* Decodes %XX and '+' (as a space) from len bytes of s into out. 0, E2BIG, or EINVAL for a bad
 * escape or an encoded NUL. */
int slurl_decode(char *out, size_t n, const char *s, size_t len);

/* Finds parameter name in a query string ("a=1&b=2", a leading '?' is skipped; everything up
 * to and including the first '?' is skipped when the text holds one, and a '#fragment' is
 * ignored) and decodes its value into out. 0, ENOENT, E2BIG or EINVAL. */
int slurl_param(const char *query, const char *name, char *out, size_t n);

#endif

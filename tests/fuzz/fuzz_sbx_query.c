/*
 * Fuzz target: the sandbox's query-string and form-body decoder (sbx_pairs_parse and
 * sbx_url_decode in server.c), which reads every filter a client sends. Besides not crashing
 * or leaking, the decoded pairs must hold no NUL byte and no more bytes than the input, a
 * text with a NUL byte must be refused, and decoding must be the exact inverse of a strict
 * encoding: encoding the decoded pairs again and decoding that gives the same pairs (so
 * nothing is decoded twice, "%2B" stays a plus and '+' stays a space).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sbx_core.h"

/* Appends s percent-encoded strictly (unreserved characters as they are, a space as '+'). */
static char *encode(char *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			*o++ = (char)*p;
		} else if (*p == ' ') {
			*o++ = '+';
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	return o;
}

/* Pairs that hold the same names and values in the same order. */
static int same(const struct sbx_pairs *a, const struct sbx_pairs *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->a[i].k, b->a[i].k) || strcmp(a->a[i].v, b->a[i].v))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbx_pairs p = {0}, q = {0};
	size_t segments = 1, bytes = 0, enc_cap = 1;
	char *enc = NULL, *o, *copy;
	int err;

	for (size_t i = 0; i < size; i++)
		segments += data[i] == '&';
	err = sbx_pairs_parse(&p, (const char *)data, size);
	if (memchr(data, '\0', size)) {
		if (err != EINVAL)
			abort();
		goto out;
	}
	if (err)
		goto out; /* ENOMEM */
	if (p.n > segments)
		abort();
	for (size_t i = 0; i < p.n; i++) {
		bytes += strlen(p.a[i].k) + strlen(p.a[i].v);
		enc_cap += 3 * (strlen(p.a[i].k) + strlen(p.a[i].v)) + 2;
	}
	if (bytes > size)
		abort();

	/* Encode strictly, decode again: the same pairs. An empty name and value ("=") is a
	 * pair of its own, so every pair is written with its '='. */
	enc = malloc(enc_cap);
	if (!enc)
		goto out;
	o = enc;
	for (size_t i = 0; i < p.n; i++) {
		if (i)
			*o++ = '&';
		o = encode(o, p.a[i].k);
		*o++ = '=';
		o = encode(o, p.a[i].v);
	}
	if (sbx_pairs_parse(&q, enc, (size_t)(o - enc)) == 0 && !same(&p, &q))
		abort();

	/* In-place decoding never grows and never makes a NUL. */
	copy = malloc(size + 1);
	if (copy) {
		size_t n;

		memcpy(copy, data, size);
		n = sbx_url_decode(copy, size);
		if (n > size || memchr(copy, '\0', n))
			abort();
		free(copy);
	}
out:
	free(enc);
	sbx_pairs_free(&p);
	sbx_pairs_free(&q);
	return 0;
}

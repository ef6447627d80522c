/*
 * netstring: the decoder's buffer and the frame grammar.
 *
 * Received bytes are appended to one buffer; frames are parsed from a read offset, and the
 * consumed prefix is dropped lazily (when the buffer would have to grow), so draining many
 * small frames from one read costs no copying. A frame's payload is returned in place, with
 * the ',' terminator replaced by a NUL for the caller's convenience.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/netstring.h"

#define NETSTRING_SLACK (64 * 1024)

struct netstring_dec {
	char *buf;
	size_t off; /* start of unread bytes */
	size_t len; /* end of received bytes */
	size_t cap;
	size_t max; /* largest payload accepted */
	int err;    /* sticky error (EBADMSG, EMSGSIZE) */
};

int netstring_dec_new(struct netstring_dec **decp, size_t max)
{
	struct netstring_dec *dec;

	if (!decp || max == 0 || max > 999999999)
		return EINVAL;
	dec = calloc(1, sizeof(*dec));
	if (!dec)
		return ENOMEM;
	dec->max = max;
	*decp = dec;
	return 0;
}

void netstring_dec_free(struct netstring_dec *dec)
{
	if (!dec)
		return;
	free(dec->buf);
	free(dec);
}

size_t netstring_dec_pending(const struct netstring_dec *dec)
{
	return dec ? dec->len - dec->off : 0;
}

int netstring_dec_feed(struct netstring_dec *dec, const void *data, size_t n)
{
	size_t pending, need;

	if (!dec || (!data && n))
		return EINVAL;
	if (dec->err)
		return dec->err;
	if (n == 0)
		return 0;
	pending = dec->len - dec->off;
	/* One maximal frame (digits, ':', payload, ',') plus one read's worth of the next. */
	if (n > dec->max + NETSTRING_MAX_DIGITS + 2 + NETSTRING_SLACK - pending)
		return EMSGSIZE;
	if (dec->off > 0) {
		memmove(dec->buf, dec->buf + dec->off, pending);
		dec->len = pending;
		dec->off = 0;
	}
	need = pending + n + 1; /* room for the NUL put after a payload */
	if (need > dec->cap) {
		size_t cap = dec->cap ? dec->cap : 1024;
		char *nb;

		while (cap < need)
			cap *= 2;
		nb = realloc(dec->buf, cap);
		if (!nb)
			return ENOMEM;
		dec->buf = nb;
		dec->cap = cap;
	}
	memcpy(dec->buf + dec->len, data, n);
	dec->len += n;
	return 0;
}

/* Marks the stream broken and returns the error. */
static int fail(struct netstring_dec *dec, int err)
{
	dec->err = err;
	return err;
}

int netstring_dec_next(struct netstring_dec *dec, const char **payload, size_t *len)
{
	const char *p;
	size_t avail, i, flen = 0;

	if (!dec || !payload || !len)
		return EINVAL;
	if (dec->err)
		return dec->err;
	p = dec->buf + dec->off;
	avail = dec->len - dec->off;
	for (i = 0; i < avail && p[i] != ':'; i++) {
		if (p[i] < '0' || p[i] > '9')
			return fail(dec, EBADMSG);
		if (i == NETSTRING_MAX_DIGITS)
			return fail(dec, EBADMSG);
		/* "0:," is the empty frame; "012:" is not a netstring. */
		if (i == 1 && p[0] == '0')
			return fail(dec, EBADMSG);
		flen = flen * 10 + (size_t)(p[i] - '0');
	}
	if (i == avail) {
		/* Still reading the length: reject at once what can never become valid. */
		if (i > NETSTRING_MAX_DIGITS)
			return fail(dec, EBADMSG);
		if (i > 0 && flen > dec->max)
			return fail(dec, EMSGSIZE);
		return EAGAIN;
	}
	if (i == 0)
		return fail(dec, EBADMSG);
	if (flen > dec->max)
		return fail(dec, EMSGSIZE);
	/* i digits, ':', flen payload bytes, ',' */
	if (avail < i + 1 + flen + 1)
		return EAGAIN;
	if (p[i + 1 + flen] != ',')
		return fail(dec, EBADMSG);
	dec->buf[dec->off + i + 1 + flen] = '\0';
	*payload = dec->buf + dec->off + i + 1;
	*len = flen;
	dec->off += i + 1 + flen + 1;
	if (dec->off == dec->len)
		dec->off = dec->len = 0;
	return 0;
}

/* Number of decimal digits of n (at least 1). */
static size_t digits(size_t n)
{
	size_t d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

size_t netstring_frame_len(size_t len)
{
	return digits(len) + 1 + len + 1;
}

int netstring_encode(char *dst, size_t n, const char *payload, size_t len, size_t *outlen)
{
	size_t d = digits(len), i, v = len;

	if (!dst || (!payload && len))
		return EINVAL;
	if (d > NETSTRING_MAX_DIGITS)
		return EMSGSIZE;
	if (n < d + 1 + len + 1)
		return E2BIG;
	for (i = d; i > 0; i--) {
		dst[i - 1] = (char)('0' + v % 10);
		v /= 10;
	}
	dst[d] = ':';
	if (len)
		memcpy(dst + d + 1, payload, len);
	dst[d + 1 + len] = ',';
	if (outlen)
		*outlen = d + 1 + len + 1;
	return 0;
}

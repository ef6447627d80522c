/*
 * slurl: percent-encoding, query building and query parsing for the Salesloft client.
 *
 * Salesloft's filters use bracketed names (updated_at[gte], ids[]); the brackets are encoded
 * like any other reserved character, which Rails-style servers (and the sandbox) decode
 * before matching. Values such as cursors ("2024-03-07T04:26:14.444910-05:00") must have
 * their '+' and ':' encoded or the offset would come back as a space.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/slurl.h"

/* RFC 3986 unreserved: the only bytes written as themselves. */
static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* Makes room for extra more bytes plus the NUL. */
static bool grow(struct slurl *u, size_t extra)
{
	size_t cap;
	char *b;

	if (u->err)
		return false;
	if (u->len + extra + 1 <= u->cap)
		return true;
	cap = u->cap ? u->cap : 256;
	while (cap < u->len + extra + 1)
		cap *= 2;
	b = realloc(u->buf, cap);
	if (!b) {
		u->err = ENOMEM;
		return false;
	}
	u->buf = b;
	u->cap = cap;
	return true;
}

/* Appends len raw bytes. */
static void put(struct slurl *u, const char *s, size_t len)
{
	if (!grow(u, len))
		return;
	memcpy(u->buf + u->len, s, len);
	u->len += len;
	u->buf[u->len] = '\0';
}

/* Appends s percent-encoded. */
static void put_enc(struct slurl *u, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char e[3];

		if (unreserved(c)) {
			put(u, (const char *)&c, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[c >> 4];
		e[2] = hex[c & 15];
		put(u, e, 3);
	}
}

void slurl_init(struct slurl *u, const char *base)
{
	memset(u, 0, sizeof(*u));
	put(u, base ? base : "", base ? strlen(base) : 0);
	if (!u->buf)
		(void)grow(u, 0);
	if (u->buf)
		u->buf[u->len] = '\0';
	u->has_query = base && strchr(base, '?');
}

void slurl_add(struct slurl *u, const char *name, const char *value)
{
	put(u, u->has_query ? "&" : "?", 1);
	u->has_query = true;
	put_enc(u, name);
	put(u, "=", 1);
	put_enc(u, value ? value : "");
}

void slurl_addi(struct slurl *u, const char *name, long long value)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", value);
	slurl_add(u, name, num);
}

const char *slurl_str(const struct slurl *u)
{
	return (u->buf && !u->err) ? u->buf : "";
}

int slurl_err(const struct slurl *u)
{
	return u->err;
}

void slurl_reset(struct slurl *u)
{
	free(u->buf);
	memset(u, 0, sizeof(*u));
}

int slurl_encode(char *out, size_t n, const char *s)
{
	struct slurl u;
	int err;

	if (!out || !n)
		return E2BIG;
	memset(&u, 0, sizeof(u));
	put_enc(&u, s ? s : "");
	err = u.err;
	if (!err && u.len + 1 > n)
		err = E2BIG;
	if (!err)
		memcpy(out, u.buf ? u.buf : "", u.len + 1);
	else
		out[0] = '\0';
	free(u.buf);
	return err;
}

/* Value of one hex digit, or -1. */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int slurl_decode(char *out, size_t n, const char *s, size_t len)
{
	size_t i, o = 0;

	if (!out || !n)
		return E2BIG;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi, lo;

			if (i + 2 >= len) {
				out[0] = '\0';
				return EINVAL;
			}
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				out[0] = '\0';
				return EINVAL;
			}
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (o + 1 >= n) {
			out[o] = '\0';
			return E2BIG;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

int slurl_param(const char *query, const char *name, char *out, size_t n)
{
	const char *p, *end, *q;
	size_t nlen;

	if (!query || !name || !out || !n)
		return EINVAL;
	out[0] = '\0';
	q = strchr(query, '?');
	p = q ? q + 1 : query;
	end = strchr(p, '#');
	if (!end)
		end = p + strlen(p);
	nlen = strlen(name);
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *seg_end = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(seg_end - p));
		const char *kend = eq ? eq : seg_end;
		char key[128];

		if (!slurl_decode(key, sizeof(key), p, (size_t)(kend - p)) && strlen(key) == nlen &&
		    !memcmp(key, name, nlen)) {
			if (!eq)
				return 0;
			return slurl_decode(out, n, eq + 1, (size_t)(seg_end - eq - 1));
		}
		p = seg_end + 1;
	}
	return ENOENT;
}

/*
 * twidth: display-column measuring and cutting of UTF-8 text (see twidth.h).
 *
 * Text is walked as clusters: one spacing character and the zero-width marks that follow it.
 * A cluster is the unit that is kept or cut, so a mark never lands on the wrong character and
 * a wide character is never split across the edge of a column.
 */
#define _GNU_SOURCE /* wcwidth() */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include "loftdial/twidth.h"

#define ELLIPSIS       "\xe2\x80\xa6"
#define ELLIPSIS_ASCII "~"

/* One decoded cluster: its bytes in the source, its width and its normalised bytes. */
struct cluster {
	char bytes[4 * (TWIDTH_MAX_MARKS + 1)];
	size_t len;   /* normalised bytes in bytes[] */
	size_t width; /* columns */
	size_t used;  /* source bytes consumed */
};

/* Decodes one UTF-8 character at s; returns its length, or 0 (and *cp = '?') when invalid. */
static size_t decode(const unsigned char *s, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len, i;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
	} else {
		*cp = '?';
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = '?';
			return 0;
		}
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) || v > 0x10ffff ||
	    (v >= 0xd800 && v <= 0xdfff)) {
		*cp = '?';
		return 0;
	}
	*cp = v;
	return len;
}

/* Code points dropped outright: the zero-width joiner and the variation selectors, whose
 * effect on width differs from one terminal to the next. */
static bool dropped(uint32_t cp)
{
	return cp == 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef);
}

/* Width of one code point: -1 for a zero-width mark, 1 or 2 for a spacing character (0 means
 * the caller draws '?' instead, width 1). */
static int cp_width(uint32_t cp)
{
	int w;

	if (cp < 0x20 || cp == 0x7f)
		return 0;
	if (cp < 0x7f)
		return 1;
	w = wcwidth((wchar_t)cp);
	if (w < 0)
		return 0;
	if (w == 0)
		return -1;
	return w > 2 ? 2 : w;
}

/* Reads the next cluster at s (which is not at its end); leading marks are skipped. Returns
 * false at the end of the string. */
static bool next_cluster(const unsigned char *s, struct cluster *c)
{
	size_t pos = 0, marks = 0;
	uint32_t cp;
	size_t len;
	int w;

	c->len = c->width = c->used = 0;
	/* Find a spacing character, dropping marks that have nothing to sit on. */
	for (;;) {
		if (!s[pos]) {
			c->used = pos;
			return false;
		}
		len = decode(s + pos, &cp);
		if (len == 0) {
			pos++;
			break; /* an invalid byte is drawn as '?' */
		}
		w = cp_width(cp);
		if (dropped(cp) || w < 0) {
			pos += len;
			continue;
		}
		if (w == 0) {
			pos += len;
			cp = '?';
			break;
		}
		pos += len;
		break;
	}
	if (cp == '?' || cp < 0x80) {
		c->bytes[0] = (char)cp;
		c->len = 1;
		c->width = 1;
	} else {
		memcpy(c->bytes, s + pos - len, len);
		c->len = len;
		c->width = (size_t)cp_width(cp);
	}
	/* Attach the marks that follow, up to the limit. */
	while (s[pos]) {
		len = decode(s + pos, &cp);
		if (len == 0)
			break;
		if (dropped(cp)) {
			pos += len;
			continue;
		}
		if (cp_width(cp) != -1)
			break;
		if (marks < TWIDTH_MAX_MARKS && c->len + len <= sizeof(c->bytes)) {
			memcpy(c->bytes + c->len, s + pos, len);
			c->len += len;
			marks++;
		}
		pos += len;
	}
	c->used = pos;
	return true;
}

size_t twidth_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct cluster c;
	size_t w = 0;

	if (!p)
		return 0;
	while (next_cluster(p, &c)) {
		w += c.width;
		p += c.used;
	}
	return w;
}

size_t twidth_next(const char *s, size_t *width)
{
	struct cluster c;

	if (width)
		*width = 0;
	if (!s || !*s)
		return 0;
	if (!next_cluster((const unsigned char *)s, &c))
		return c.used;
	if (width)
		*width = c.width;
	return c.used;
}

size_t twidth_fit(char *dst, size_t n, const char *s, size_t cols, int flags)
{
	const char *ell = (flags & TWIDTH_ASCII) ? ELLIPSIS_ASCII : ELLIPSIS;
	size_t ell_len = strlen(ell);
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t o = 0, w = 0, total = twidth_str(s), written;
	bool cut = total > cols;
	/* Room kept for the ellipsis: one column and its bytes. */
	size_t room_cols = cut ? (cols ? cols - 1 : 0) : cols;
	struct cluster c;

	if (!dst || n == 0)
		return 0;
	while (next_cluster(p, &c)) {
		if (w + c.width > room_cols)
			break;
		if (o + c.len + (cut ? ell_len : 0) + 1 > n) {
			cut = true;
			break;
		}
		memcpy(dst + o, c.bytes, c.len);
		o += c.len;
		w += c.width;
		p += c.used;
	}
	if (cut && cols > 0 && w < cols && o + ell_len + 1 <= n) {
		memcpy(dst + o, ell, ell_len);
		o += ell_len;
		w++;
	}
	written = w;
	if (flags & TWIDTH_PAD)
		while (w < cols && o + 2 <= n) {
			dst[o++] = ' ';
			w++;
		}
	dst[o] = '\0';
	return written;
}

/*
 * text: sanitising hostile strings for the terminal and the log, and small bounded string
 * helpers that replace strcpy/sprintf throughout the code base.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "loftdial/text.h"

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is invalid. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and code points past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* True for C1 controls (U+0080..U+009F), which some terminals obey like ESC sequences. */
static int is_c1(const unsigned char *s, size_t len)
{
	return len == 2 && s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f;
}

/* True for the bidirectional formatting controls (U+061C, U+200E/F, U+202A..U+202E,
 * U+2066..U+2069) and the line/paragraph separators U+2028/U+2029: a name carrying them could
 * reorder or break the columns drawn after it. */
static int is_layout_control(const unsigned char *s, size_t len)
{
	if (len == 2)
		return s[0] == 0xd8 && s[1] == 0x9c;
	if (len != 3 || s[0] != 0xe2)
		return 0;
	if (s[1] == 0x80)
		return s[2] == 0x8e || s[2] == 0x8f || (s[2] >= 0xa8 && s[2] <= 0xae);
	return s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9;
}

/* Skips an escape sequence starting at s[0] == ESC; returns how many bytes it spans. */
static size_t esc_len(const unsigned char *s)
{
	size_t i = 1;

	if (s[i] == '[') { /* CSI: parameters and intermediates, then one final byte */
		for (i = 2; s[i] && (s[i] < 0x40 || s[i] > 0x7e); i++)
			;
		return s[i] ? i + 1 : i;
	}
	if (s[i] == ']' || s[i] == 'P' || s[i] == '_' || s[i] == '^') {
		/* OSC, DCS, APC, PM: run to BEL or ST (ESC \). */
		for (i = 2; s[i]; i++) {
			if (s[i] == 0x07)
				return i + 1;
			if (s[i] == 0x1b && s[i + 1] == '\\')
				return i + 2;
		}
		return i;
	}
	return s[i] ? 2 : 1;
}

/* text_sanitize() and text_sanitize_lines(): lines says whether line breaks stay. */
static size_t sanitize(char *dst, size_t n, const char *src, bool ascii, bool lines)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	if (!dst || n == 0)
		return 0;
	if (!src) {
		dst[0] = '\0';
		return 0;
	}
	while (*s && o + 1 < n) {
		size_t len;

		if (*s == 0x1b) {
			s += esc_len(s);
			continue;
		}
		if (lines && (*s == '\n' || *s == '\r')) {
			dst[o++] = '\n';
			s += s[0] == '\r' && s[1] == '\n' ? 2 : 1;
			continue;
		}
		if (*s < 0x20 || *s == 0x7f) {
			/* Tabs and newlines become spaces so one record stays on one line. */
			dst[o++] = (*s == '\t' || *s == '\n' || *s == '\r') ? ' ' : '?';
			s++;
			continue;
		}
		len = utf8_len(s);
		if (len == 0 || is_c1(s, len) || is_layout_control(s, len)) {
			dst[o++] = '?';
			s += len ? len : 1;
			continue;
		}
		if (len > 1 && ascii) {
			dst[o++] = '?';
			s += len;
			continue;
		}
		if (o + len >= n)
			break; /* never cut a character in half */
		memcpy(dst + o, s, len);
		o += len;
		s += len;
	}
	dst[o] = '\0';
	return o;
}

size_t text_sanitize(char *dst, size_t n, const char *src, bool ascii)
{
	return sanitize(dst, n, src, ascii, false);
}

size_t text_sanitize_lines(char *dst, size_t n, const char *src, bool ascii)
{
	return sanitize(dst, n, src, ascii, true);
}

bool text_is_clean(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	if (!s)
		return true;
	while (*s) {
		size_t len;

		if (*s < 0x20 || *s == 0x7f)
			return false;
		len = utf8_len(s);
		if (len == 0 || is_c1(s, len) || is_layout_control(s, len))
			return false;
		s += len;
	}
	return true;
}

int text_copy(char *dst, size_t n, const char *src)
{
	size_t len;

	if (!dst || n == 0)
		return EINVAL;
	if (!src)
		src = "";
	len = strlen(src);
	if (len >= n) {
		memcpy(dst, src, n - 1);
		dst[n - 1] = '\0';
		return E2BIG;
	}
	memcpy(dst, src, len + 1);
	return 0;
}

int text_printf(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (!dst || n == 0)
		return EINVAL;
	va_start(ap, fmt);
	r = vsnprintf(dst, n, fmt, ap);
	va_end(ap);
	if (r < 0)
		return EINVAL;
	return (size_t)r >= n ? E2BIG : 0;
}

char *text_dupn(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (!d)
		return NULL;
	if (len)
		memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

/* True when word (n bytes) occurs in s, ignoring ASCII case. */
static bool has_word(const char *s, const char *word, size_t n)
{
	for (; *s; s++)
		if (!strncasecmp(s, word, n))
			return true;
	return !n;
}

bool text_has_words(const char *hay, const char *filter)
{
	const char *p = filter;

	while (*p) {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (!n)
			break;
		if (!has_word(hay, p, n < 127 ? n : 127))
			return false;
		p += n;
	}
	return true;
}

bool text_equal_ct(const void *a, const void *b, size_t len)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char diff = 0;
	size_t i;

	for (i = 0; i < len; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

char *text_word(char **p)
{
	char *s = *p, *w;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s) {
		*p = s;
		return NULL;
	}
	w = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return w;
}

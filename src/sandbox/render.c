/*
 * render: how the sandbox writes JSON and time, fast.
 *
 * List pages are served by concatenating stored record JSON, and a million records are
 * rendered at startup, so rendering goes through a plain growable buffer and a tiny streaming
 * JSON writer instead of building cJSON trees. Timestamps are rendered like Salesloft's:
 * ISO-8601 with microseconds and the team's UTC offset (US/Eastern, so -05:00 or -04:00 by
 * date), never "Z". The parser accepts what clients send in filters: dates, date-times with up
 * to nine fraction digits, "Z" or numeric offsets.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbx_core.h"

/* Makes room for n more bytes (plus a NUL); sets err on failure. */
static bool sbuf_grow(struct sbuf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->err)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->err = ENOMEM;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

/* Empties the buffer, keeping its memory. */
void sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	b->err = 0;
}

/* Releases the buffer's memory. */
void sbuf_free(struct sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Appends n bytes. */
void sbuf_putn(struct sbuf *b, const char *s, size_t n)
{
	if (!n || !sbuf_grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* Appends a C string. */
void sbuf_puts(struct sbuf *b, const char *s)
{
	sbuf_putn(b, s, strlen(s));
}

/* Appends one byte. */
void sbuf_putc(struct sbuf *b, char c)
{
	if (!sbuf_grow(b, 1))
		return;
	b->p[b->len++] = c;
}

/* Appends formatted text. */
void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sbuf_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Appends a decimal integer (the hot path of rendering ids). */
void sbuf_int(struct sbuf *b, int64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	sbuf_putn(b, tmp + i, sizeof(tmp) - i);
}

/* Nonzero when one of the 8 bytes in v needs escaping in JSON: a control character
 * (< 0x20), a quote or a backslash (the usual word-at-a-time tests for a byte below a value
 * and for a zero byte after xor). */
static uint64_t needs_escape(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t q = v ^ (ones * '"'), bs = v ^ (ones * '\\');

	return (((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((bs - ones) & ~bs)) & highs;
}

/* Writes one byte of a JSON string at o, escaped when it must be; returns the end. */
static char *put_json_char(char *o, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	if (c >= 0x20 && c != '"' && c != '\\') {
		*o++ = (char)c;
		return o;
	}
	*o++ = '\\';
	switch (c) {
	case '"':
	case '\\':
		*o++ = (char)c;
		break;
	case '\n':
		*o++ = 'n';
		break;
	case '\r':
		*o++ = 'r';
		break;
	case '\t':
		*o++ = 't';
		break;
	default:
		memcpy(o, "u00", 3);
		o[3] = hex[c >> 4];
		o[4] = hex[c & 15];
		o += 5;
		break;
	}
	return o;
}

/* Writes the n bytes at s as a JSON string literal at o, which has room for 6 * n + 2 bytes:
 * quotes, backslashes and control characters escaped, the rest (UTF-8 included) copied as is.
 * Returns the end. Eight bytes at a time while none needs escaping: this is the hot path of
 * rendering records. */
static char *put_json_str(char *o, const char *s, size_t n)
{
	size_t i = 0;

	*o++ = '"';
	while (i + 8 <= n) {
		uint64_t v;

		memcpy(&v, s + i, 8);
		if (!needs_escape(v)) {
			memcpy(o, &v, 8);
			o += 8;
			i += 8;
			continue;
		}
		for (size_t end = i + 8; i < end; i++)
			o = put_json_char(o, (unsigned char)s[i]);
	}
	for (; i < n; i++)
		o = put_json_char(o, (unsigned char)s[i]);
	*o++ = '"';
	return o;
}

/* Appends s as a JSON string (NULL writes null). */
void sbuf_json_str(struct sbuf *b, const char *s)
{
	size_t n;

	if (!s) {
		sbuf_putn(b, "null", 4);
		return;
	}
	n = strlen(s);
	if (!sbuf_grow(b, n * 6 + 2))
		return;
	b->len = (size_t)(put_json_str(b->p + b->len, s, n) - b->p);
}

/* Terminates the buffer for use as a C string. */
const char *sbuf_cstr(struct sbuf *b)
{
	if (!sbuf_grow(b, 0))
		return "";
	b->p[b->len] = '\0';
	return b->p;
}

/* Starts a writer on b; base is the URL prefix of refs. */
void jw_init(struct jw *w, struct sbuf *b, const char *base)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
	w->base = base;
	w->first[0] = true;
}

/* What jw_key learnt about a literal key: its length, and whether it needs no escaping. */
struct key_memo {
	const char *key;
	size_t len;
	bool plain;
};

/* Direct-mapped by the key's address; a collision only costs working a key out again. */
static struct key_memo key_memo[256];

/* Writes the separator and the key of the next member or element. */
static void jw_key(struct jw *w, const char *key)
{
	size_t n = 0;
	char *o;

	if (key && w->literal_keys) {
		struct key_memo *m = &key_memo[((uintptr_t)key >> 3) % 256];

		if (m->key != key) {
			m->key = key;
			m->len = strlen(key);
			m->plain = true;
			for (size_t i = 0; i < m->len; i++) {
				unsigned char c = (unsigned char)key[i];

				if (c < 0x20 || c == '"' || c == '\\')
					m->plain = false;
			}
		}
		if (m->plain) {
			if (!sbuf_grow(w->b, m->len + 4))
				return;
			o = w->b->p + w->b->len;
			if (!w->first[w->depth])
				*o++ = ',';
			w->first[w->depth] = false;
			*o++ = '"';
			memcpy(o, key, m->len);
			o += m->len;
			*o++ = '"';
			*o++ = ':';
			w->b->len = (size_t)(o - w->b->p);
			return;
		}
	}
	n = key ? strlen(key) : 0;
	if (!sbuf_grow(w->b, n * 6 + 4))
		return;
	o = w->b->p + w->b->len;
	if (!w->first[w->depth])
		*o++ = ',';
	w->first[w->depth] = false;
	if (key) {
		o = put_json_str(o, key, n);
		*o++ = ':';
	}
	w->b->len = (size_t)(o - w->b->p);
}

/* Opens an object member (or element). */
void jw_open(struct jw *w, const char *key)
{
	if (w->off)
		return;
	jw_key(w, key);
	sbuf_putc(w->b, '{');
	if (w->depth + 1 < (int)(sizeof(w->first) / sizeof(w->first[0])))
		w->depth++;
	w->first[w->depth] = true;
}

/* Closes the innermost object. */
void jw_close(struct jw *w)
{
	if (w->off)
		return;
	sbuf_putc(w->b, '}');
	if (w->depth > 0)
		w->depth--;
}

/* Opens an array member. */
void jw_aopen(struct jw *w, const char *key)
{
	if (w->off)
		return;
	jw_key(w, key);
	sbuf_putc(w->b, '[');
	if (w->depth + 1 < (int)(sizeof(w->first) / sizeof(w->first[0])))
		w->depth++;
	w->first[w->depth] = true;
}

/* Closes the innermost array. */
void jw_aclose(struct jw *w)
{
	if (w->off)
		return;
	sbuf_putc(w->b, ']');
	if (w->depth > 0)
		w->depth--;
}

/* A string member; NULL becomes null. */
void jw_str(struct jw *w, const char *key, const char *s)
{
	if (w->off)
		return;
	jw_key(w, key);
	sbuf_json_str(w->b, s);
}

/* An integer member; SBX_NONE becomes null. */
void jw_int(struct jw *w, const char *key, int64_t v)
{
	if (w->off)
		return;
	jw_key(w, key);
	if (v == SBX_NONE)
		sbuf_putn(w->b, "null", 4);
	else
		sbuf_int(w->b, v);
}

/* A boolean member. */
void jw_bool(struct jw *w, const char *key, bool v)
{
	if (w->off)
		return;
	jw_key(w, key);
	sbuf_puts(w->b, v ? "true" : "false");
}

/* A null member. */
void jw_null(struct jw *w, const char *key)
{
	if (w->off)
		return;
	jw_key(w, key);
	sbuf_putn(w->b, "null", 4);
}

/* A member whose value is already JSON text. */
void jw_raw(struct jw *w, const char *key, const char *json)
{
	if (w->off)
		return;
	jw_key(w, key);
	sbuf_puts(w->b, json);
}

/* A timestamp member in the team's zone. */
void jw_time(struct jw *w, const char *key, int64_t us)
{
	char *o;

	if (w->off)
		return;
	jw_key(w, key);
	if (us == SBX_NONE) {
		sbuf_putn(w->b, "null", 4);
		return;
	}
	if (!sbuf_grow(w->b, 40))
		return;
	o = w->b->p + w->b->len;
	*o = '"';
	if (sbx_time_render(o + 1, 34, us, sbx_team_offset(us)) != 0) {
		sbuf_putn(w->b, "null", 4); /* outside years 0-9999 */
		return;
	}
	o += 1 + strlen(o + 1);
	*o++ = '"';
	w->b->len = (size_t)(o - w->b->p);
}

/* An embedded reference {"_href","id"} like Salesloft's. */
void jw_ref(struct jw *w, const char *key, const char *path, int64_t id)
{
	const char *base;
	size_t bl, pl;
	char num[24], *o;
	size_t nl = 0;
	uint64_t u;

	if (w->off)
		return;
	jw_key(w, key);
	if (id <= 0 || id == SBX_NONE) {
		sbuf_putn(w->b, "null", 4);
		return;
	}
	base = w->base ? w->base : "";
	bl = strlen(base);
	pl = strlen(path);
	for (u = (uint64_t)id; u; u /= 10)
		num[sizeof(num) - ++nl] = (char)('0' + u % 10);
	if (!sbuf_grow(w->b, bl + pl + 2 * nl + 32))
		return;
	o = w->b->p + w->b->len;
	memcpy(o, "{\"_href\":\"", 10);
	o += 10;
	memcpy(o, base, bl);
	o += bl;
	memcpy(o, "/v2/", 4);
	o += 4;
	memcpy(o, path, pl);
	o += pl;
	*o++ = '/';
	memcpy(o, num + sizeof(num) - nl, nl);
	o += nl;
	memcpy(o, "\",\"id\":", 7);
	o += 7;
	memcpy(o, num + sizeof(num) - nl, nl);
	o += nl;
	*o++ = '}';
	w->b->len = (size_t)(o - w->b->p);
}

/* Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date. */
int64_t sbx_days_from_civil(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

/* The inverse of sbx_days_from_civil. */
void sbx_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Floor division for negative times. */
static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* US rules since 2007: DST from the second Sunday of March, 2:00 local standard time (07:00
 * UTC), to the first Sunday of November, 2:00 local daylight time (06:00 UTC). The bounds of
 * the last year asked about are kept: records cluster in a few years, and every rendered
 * timestamp asks. */
int sbx_team_offset(int64_t us)
{
	static int64_t year_lo = 1, year_hi = 0, dst_lo, dst_hi; /* seconds; empty at first */
	int64_t t = floordiv(us, 1000000);

	if (t < year_lo || t >= year_hi) {
		int64_t days = floordiv(us, 86400000000LL), start, end;
		int y, m, d, wd;

		sbx_civil_from_days(days, &y, &m, &d);
		/* 1 March, then forward to the second Sunday (1970-01-01 was a Thursday: wd 4). */
		start = sbx_days_from_civil(y, 3, 1);
		wd = (int)(((start % 7) + 7 + 4) % 7);
		start += (7 - wd) % 7 + 7;
		end = sbx_days_from_civil(y, 11, 1);
		wd = (int)(((end % 7) + 7 + 4) % 7);
		end += (7 - wd) % 7;
		year_lo = sbx_days_from_civil(y, 1, 1) * 86400;
		year_hi = sbx_days_from_civil(y + 1, 1, 1) * 86400;
		dst_lo = start * 86400 + 7 * 3600;
		dst_hi = end * 86400 + 6 * 3600;
	}
	return t >= dst_lo && t < dst_hi ? -240 : -300;
}

/* Writes v as exactly n decimal digits. */
static char *put_digits(char *p, int64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

/* Renders us as local time at offset_min with microseconds and the numeric offset. Written
 * by hand rather than with snprintf: the generator renders millions of these. */
int sbx_time_render(char *buf, size_t n, int64_t us, int offset_min)
{
	int64_t local = us + (int64_t)offset_min * 60000000LL;
	int64_t days = floordiv(local, 86400000000LL);
	int64_t rem = local - days * 86400000000LL;
	int y, m, d, off = offset_min < 0 ? -offset_min : offset_min;
	char *p = buf;

	sbx_civil_from_days(days, &y, &m, &d);
	if (n < 33 || y < 0 || y > 9999 || off >= 100 * 60)
		return E2BIG;
	p = put_digits(p, y, 4);
	*p++ = '-';
	p = put_digits(p, m, 2);
	*p++ = '-';
	p = put_digits(p, d, 2);
	*p++ = 'T';
	p = put_digits(p, rem / 3600000000LL, 2);
	*p++ = ':';
	p = put_digits(p, rem / 60000000LL % 60, 2);
	*p++ = ':';
	p = put_digits(p, rem / 1000000 % 60, 2);
	*p++ = '.';
	p = put_digits(p, rem % 1000000, 6);
	*p++ = offset_min < 0 ? '-' : '+';
	p = put_digits(p, off / 60, 2);
	*p++ = ':';
	p = put_digits(p, off % 60, 2);
	*p = '\0';
	return 0;
}

/* The team-zone date of an instant. */
void sbx_date_render(char *buf, size_t n, int64_t us)
{
	int64_t local = us + (int64_t)sbx_team_offset(us) * 60000000LL;
	int y, m, d;

	sbx_civil_from_days(floordiv(local, 86400000000LL), &y, &m, &d);
	snprintf(buf, n, "%04d-%02d-%02d", y, m, d);
}

/* Reads exactly n digits. */
static bool digits(const char **s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return false;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*out = v;
	return true;
}

/* Parses an ISO-8601 date or date-time (see sbx.h). */
int sbx_time_parse(const char *s, int64_t *us, int *offset_min)
{
	int y, mo, d, h = 0, mi = 0, se = 0, frac = 0, off = 0, oh, om = 0;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap;

	if (!s || !us)
		return EINVAL;
	if (!digits(&s, 4, &y) || *s++ != '-' || !digits(&s, 2, &mo) || *s++ != '-' ||
	    !digits(&s, 2, &d))
		return EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return EINVAL;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		return EINVAL;
	if (*s == 'T' || *s == 't') {
		s++;
		if (!digits(&s, 2, &h) || *s++ != ':' || !digits(&s, 2, &mi))
			return EINVAL;
		if (*s == ':') {
			s++;
			if (!digits(&s, 2, &se))
				return EINVAL;
			if (*s == '.' || *s == ',') {
				int nd = 0;

				s++;
				while (*s >= '0' && *s <= '9') {
					if (nd < 6)
						frac = frac * 10 + (*s - '0');
					nd++;
					s++;
				}
				if (nd == 0 || nd > 9)
					return EINVAL;
				for (; nd < 6; nd++)
					frac *= 10;
			}
		}
		if (h > 23 || mi > 59 || se > 60)
			return EINVAL;
		if (*s == 'Z' || *s == 'z') {
			s++;
		} else if (*s == '+' || *s == '-') {
			int sign = *s++ == '-' ? -1 : 1;

			if (!digits(&s, 2, &oh))
				return EINVAL;
			if (*s == ':')
				s++;
			if (*s && !digits(&s, 2, &om))
				return EINVAL;
			if (oh > 23 || om > 59)
				return EINVAL;
			off = sign * (oh * 60 + om);
		}
	}
	if (*s)
		return EINVAL;
	*us = ((sbx_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se) - off * 60LL) *
	              1000000LL +
	      frac;
	if (offset_min)
		*offset_min = off;
	return 0;
}

/*
 * dialfile: the dial-list reader. Bytes come in blocks; a line is collected up to
 * DIALFILE_LINE_MAX bytes and only counted past that, so a long line is refused whole (with its
 * real length) instead of being cut into pieces that would each be dialled.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/dialfile.h"
#include "loftdial/text.h"

/* Length of the UTF-8 sequence starting at s (at most n bytes), or 0 when it is invalid
 * (overlong forms, surrogates and code points past U+10FFFF included). *cp gets the code
 * point. */
static size_t utf8_len(const unsigned char *s, size_t n, unsigned *cp)
{
	size_t len, i;
	unsigned c = s[0], min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* dialfile_check for bytes that start base bytes into the file's line (blanks trimmed before
 * them), so the offsets named are the file's. */
static int check_at(const char *s, size_t len, size_t base, char *why, size_t whyn)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	if (len > DIALFILE_LINE_MAX) {
		text_printf(why, whyn, "the line is %zu bytes long; at most %d are taken", len,
		            DIALFILE_LINE_MAX);
		return EINVAL;
	}
	while (i < len) {
		unsigned cp = 0;
		size_t n = utf8_len(u + i, len - i, &cp);

		if (!n) {
			text_printf(why, whyn, "byte %zu (0x%02x) is not valid UTF-8", base + i + 1,
			            u[i]);
			return EINVAL;
		}
		if (cp == 0) {
			text_printf(why, whyn, "byte %zu is a NUL", base + i + 1);
			return EINVAL;
		}
		if (cp == 0x1b) {
			text_printf(why, whyn,
			            "byte %zu is ESC (0x1b), the start of an escape sequence",
			            base + i + 1);
			return EINVAL;
		}
		if (cp == '\t') {
			text_printf(why, whyn, "byte %zu is a tab inside the line", base + i + 1);
			return EINVAL;
		}
		if (cp < 0x20 || cp == 0x7f) {
			text_printf(why, whyn, "byte %zu is a control character (0x%02x)",
			            base + i + 1, cp);
			return EINVAL;
		}
		if (cp >= 0x80 && cp <= 0x9f) {
			text_printf(why, whyn, "byte %zu starts a C1 control character (U+%04X)",
			            base + i + 1, cp);
			return EINVAL;
		}
		i += n;
	}
	return 0;
}

int dialfile_check(const char *s, size_t len, char *why, size_t whyn)
{
	return check_at(s, len, 0, why, whyn);
}

/* What is known of the line being read. */
struct rd {
	char buf[DIALFILE_LINE_MAX + 64]; /* room for blanks around a line of the longest size */
	size_t len;                       /* bytes kept in buf */
	size_t total;                     /* the line's real length so far */
	unsigned lineno;
};

/* A whole line has been read: trims it, skips blanks and comments, checks the rest. */
static int line_done(struct rd *r, dialfile_line_h *h, void *arg)
{
	char why[160];
	size_t start = 0, end = r->len, total = r->total;
	int err;

	r->lineno++;
	/* A CRLF file's CR and blanks around the line are layout, not part of the number. */
	if (total == end) {
		while (end > start && (r->buf[end - 1] == '\r' || r->buf[end - 1] == ' ' ||
		                       r->buf[end - 1] == '\t'))
			end--;
	}
	while (start < end && (r->buf[start] == ' ' || r->buf[start] == '\t'))
		start++;
	if (total == r->len && (start == end || r->buf[start] == '#'))
		goto out;
	if (total > r->len) {
		/* Longer than the buffer: refused whole, whatever it holds. */
		text_printf(why, sizeof(why), "the line is %zu bytes long; at most %d are taken",
		            total, DIALFILE_LINE_MAX);
		err = h(r->lineno, NULL, why, arg);
		goto done;
	}
	if (check_at(r->buf + start, end - start, start, why, sizeof(why))) {
		err = h(r->lineno, NULL, why, arg);
		goto done;
	}
	r->buf[end] = '\0';
	err = h(r->lineno, r->buf + start, NULL, arg);
done:
	r->len = r->total = 0;
	return err;
out:
	r->len = r->total = 0;
	return 0;
}

int dialfile_read(FILE *f, dialfile_line_h *h, void *arg)
{
	struct rd *r;
	char block[8192];
	size_t size = 0;
	int err = 0;

	if (!f || !h)
		return EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	for (;;) {
		size_t n = fread(block, 1, sizeof(block), f), i;

		if (n == 0) {
			if (ferror(f))
				err = EIO;
			break;
		}
		size += n;
		if (size > DIALFILE_SIZE_MAX) {
			err = EFBIG;
			goto out;
		}
		for (i = 0; i < n; i++) {
			if (block[i] == '\n') {
				err = line_done(r, h, arg);
				if (err)
					goto out;
				continue;
			}
			if (r->len < sizeof(r->buf) - 1)
				r->buf[r->len++] = block[i];
			r->total++;
		}
	}
	if (!err && r->total)
		err = line_done(r, h, arg); /* a last line without a newline */
out:
	free(r);
	return err;
}

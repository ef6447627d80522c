/*
 * Fuzz target: the filter that turns dial.ident_name and dial.ident_callback (config text)
 * into the sentence espeak-ng speaks (identmsg_text). Whatever the two values hold, the call
 * must not crash and must either refuse them (EINVAL or ENOENT, an empty output, a reason in
 * plain printable ASCII that never echoes the input) or give the one sentence the filter
 * allows: valid UTF-8, no control character, no markup, phoneme or escape syntax (only
 * letters, digits, spaces and . , ' - in the name; digits, spaces, "plus" and commas in the
 * number), no newline, and the same sentence whatever the output's size or nothing at all.
 *
 * Input: NAME '\0' CALLBACK; without a '\0', the whole input is tried as the name (with a good
 * number) and as the number (with a good name).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/identmsg.h"

#define HEAD "This is "
#define MID  " Sorry we missed you. Please call us back at "

/* The length of the valid UTF-8 sequence at s (at most n bytes) and its code point; 0 when
 * it is not valid. */
static size_t utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* The letters the filter promises: Latin, Greek and Cyrillic, no symbols among them. */
static bool letter(uint32_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	if (c >= 0xc0 && c <= 0x24f)
		return c != 0xd7 && c != 0xf7;
	return (c >= 0x386 && c <= 0x3ce && c != 0x387) || (c >= 0x400 && c <= 0x481) ||
	       (c >= 0x48a && c <= 0x4ff);
}

/* The name part: starts with a letter or a digit, holds a letter, single spaces inside. */
static void name_ok(const unsigned char *s, size_t n)
{
	bool any_letter = false;
	size_t i = 0, len;
	uint32_t c;

	if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
		abort();
	while (i < n) {
		len = utf8_len(s + i, n - i, &c);
		if (!len)
			abort();
		if (c == ' ' && s[i + 1] == ' ')
			abort();
		if (i == 0 && !letter(c) && !(c >= '0' && c <= '9'))
			abort();
		any_letter = any_letter || letter(c);
		if (!letter(c) && !(c >= '0' && c <= '9') && !(c < 0x80 && strchr(" .,'-", (int)c)))
			abort();
		i += len;
	}
	if (!any_letter)
		abort();
}

/* The number part: "plus " at most once at the start, then digits separated by " " or ", ". */
static void number_ok(const char *s, size_t n)
{
	size_t i = 0, digits = 0;

	if (n >= 5 && !memcmp(s, "plus ", 5))
		i = 5;
	for (; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			digits++;
			if (i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9')
				abort(); /* digits are spoken one by one */
		} else if (!(s[i] == ' ' || (s[i] == ',' && i + 1 < n && s[i + 1] == ' '))) {
			abort();
		}
	}
	if (digits < IDENTMSG_DIGITS_MIN || digits > IDENTMSG_DIGITS_MAX || s[0] == ' ' ||
	    s[n - 1] < '0' || s[n - 1] > '9')
		abort();
}

static void why_ok(const char *why, size_t whyn)
{
	size_t i;

	if (!memchr(why, '\0', whyn))
		abort();
	for (i = 0; why[i]; i++)
		if ((unsigned char)why[i] < 0x20 || (unsigned char)why[i] >= 0x7f)
			abort(); /* the reason says U+XXXX, never the raw byte */
}

/* One pair of values through the filter, at full size and at a size chosen by the input. */
static void one(const char *name, const char *cb, size_t small)
{
	char out[IDENTMSG_TEXT_MAX], out2[IDENTMSG_TEXT_MAX], why[256], path[IDENTMSG_PATH_MAX];
	const char *mid, *num;
	size_t len, nlen;
	int err, err2;

	memset(why, 'x', sizeof(why));
	why[0] = '\0';
	memset(out, 'x', sizeof(out));
	err = identmsg_text(name, cb, out, sizeof(out), why, sizeof(why));
	why_ok(why, sizeof(why));
	if (err != 0 && err != EINVAL && err != ENOENT)
		abort();
	if (err) {
		if (out[0])
			abort(); /* never half a message */
		return;
	}
	len = strnlen(out, sizeof(out));
	if (len == sizeof(out) || strncmp(out, HEAD, strlen(HEAD)) || out[len - 1] != '.')
		abort();
	/* The last MID: a name may spell it too, the number never does. */
	for (mid = strstr(out, MID); mid && strstr(mid + 1, MID);)
		mid = strstr(mid + 1, MID);
	if (!mid || mid == out + strlen(HEAD) || mid[-1] != '.')
		abort();
	/* The name as spoken and its full stop (the one the sentence adds, or its own). */
	nlen = (size_t)(mid - out) - strlen(HEAD);
	name_ok((const unsigned char *)out + strlen(HEAD), nlen);
	num = mid + strlen(MID);
	number_ok(num, (size_t)(out + len - 1 - num));
	if (identmsg_path("/tmp/fuzz", out, path, sizeof(path)) || strchr(path, '\n'))
		abort();
	/* A smaller output gives the same sentence or nothing. */
	memset(out2, 'x', sizeof(out2));
	err2 = identmsg_text(name, cb, out2, small, why, sizeof(why));
	why_ok(why, sizeof(why));
	if (err2 == 0 ? strcmp(out, out2) != 0 : (err2 != EINVAL || out2[0]))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	const char *sep;
	size_t small;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	small = size ? 1 + data[0] % IDENTMSG_TEXT_MAX : 1;
	sep = memchr(buf, '\0', size);
	if (sep) {
		one(buf, sep + 1, small);
	} else {
		one(buf, "+1 (415) 555-0123", small);
		one("Dana Reyes", buf, small);
	}
	free(buf);
	return 0;
}

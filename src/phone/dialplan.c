/*
 * dialplan: template expansion and the SIP URI check.
 *
 * The URI check is a small grammar, not a full RFC 3261 parser: scheme, optional userinfo
 * (RFC 3261 user characters and %-escapes, an optional ":password" is refused), a host (a
 * domain name, an IPv4 address or a bracketed IPv6 address), an optional port, then
 * ;parameters and an optional ?headers part made of URI characters. It is deliberately
 * stricter than baresip: what passes can be written into a ctrl_tcp command and a SIP
 * Request-URI without any quoting.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "loftdial/dialplan.h"
#include "loftdial/text.h"

/* RFC 3261 unreserved characters. */
static bool unreserved(char c)
{
	return isalnum((unsigned char)c) || strchr("-_.!~*'()", c) != NULL;
}

/* True when s[0..2] is a %-escape. */
static bool escaped(const char *s)
{
	return s[0] == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2]);
}

/* Checks a host[:port] at p; returns the position after it or NULL. */
static const char *host_port(const char *p)
{
	const char *start = p;

	if (*p == '[') {
		p++;
		while (isxdigit((unsigned char)*p) || *p == ':' || *p == '.')
			p++;
		if (*p != ']' || p == start + 1)
			return NULL;
		p++;
	} else {
		while (isalnum((unsigned char)*p) || *p == '-' || *p == '.')
			p++;
		if (p == start || *start == '-' || *start == '.')
			return NULL;
	}
	if (*p == ':') {
		unsigned long port = 0;
		const char *d = ++p;

		while (isdigit((unsigned char)*p) && p - d < 6)
			port = port * 10 + (unsigned long)(*p++ - '0');
		if (p == d || port == 0 || port > 65535)
			return NULL;
	}
	return p;
}

bool dialplan_uri_ok(const char *uri)
{
	const char *p, *at, *end;
	size_t len;

	if (!uri)
		return false;
	len = strlen(uri);
	if (len == 0 || len > DIALPLAN_URI_MAX)
		return false;
	if (strncasecmp(uri, "sip:", 4) == 0)
		p = uri + 4;
	else if (strncasecmp(uri, "sips:", 5) == 0)
		p = uri + 5;
	else
		return false;
	/* The userinfo ends at the last '@' before any ';' or '?'. */
	end = p + strcspn(p, ";?");
	at = NULL;
	{
		const char *q;

		for (q = p; q < end; q++)
			if (*q == '@')
				at = q;
	}
	if (at) {
		if (at == p)
			return false;
		while (p < at) {
			if (unreserved(*p) || strchr("&=+$,;?/", *p))
				p++;
			else if (escaped(p))
				p += 3;
			else
				return false; /* includes ':' (a password) and a second '@' */
		}
		p = at + 1;
	}
	p = host_port(p);
	if (!p)
		return false;
	/* ;params and ?headers */
	while (*p) {
		if (unreserved(*p) || strchr(";=&+$,/:?[]@", *p))
			p++;
		else if (escaped(p))
			p += 3;
		else
			return false;
	}
	return true;
}

/* Expands {e164} and {digits} of tmpl into out; EINVAL for another {...}. */
static int expand(const char *tmpl, const char *e164, const char *digits, char *out, size_t n,
                  bool *used, char *why, size_t whyn)
{
	size_t o = 0;
	const char *p = tmpl;

	*used = false;
	while (*p) {
		const char *sub = NULL;
		size_t skip = 1;

		if (*p == '{') {
			if (strncmp(p, "{e164}", 6) == 0) {
				sub = e164;
				skip = 6;
			} else if (strncmp(p, "{digits}", 8) == 0) {
				sub = digits;
				skip = 8;
			} else {
				text_printf(why, whyn,
				            "sip.dialplan: unknown placeholder (use {e164} or "
				            "{digits})");
				return EINVAL;
			}
			*used = true;
		}
		if (sub) {
			size_t sl = strlen(sub);

			if (o + sl >= n)
				goto toolong;
			memcpy(out + o, sub, sl);
			o += sl;
		} else {
			if (o + 1 >= n)
				goto toolong;
			out[o++] = *p;
		}
		p += skip;
	}
	out[o] = '\0';
	return 0;
toolong:
	text_printf(why, whyn, "sip.dialplan: the URI would be longer than %d characters",
	            DIALPLAN_URI_MAX);
	return EINVAL;
}

int dialplan_expand(const char *tmpl, const struct number *num, char *uri, size_t n, char *why,
                    size_t whyn)
{
	bool used;
	int err;

	if (!tmpl || !num || !uri || n == 0)
		return EINVAL;
	err = expand(tmpl, num->e164, num->digits, uri, n, &used, why, whyn);
	if (err)
		return err;
	if (!used) {
		text_printf(why, whyn, "sip.dialplan has no {e164} or {digits}");
		return EINVAL;
	}
	if (!dialplan_uri_ok(uri)) {
		text_printf(why, whyn, "sip.dialplan does not make a valid sip: URI");
		return EINVAL;
	}
	return 0;
}

int dialplan_check(const char *tmpl, char *why, size_t whyn)
{
	struct number sample;
	char uri[DIALPLAN_URI_MAX + 1];

	memset(&sample, 0, sizeof(sample));
	text_copy(sample.e164, sizeof(sample.e164), "+14155550134");
	text_copy(sample.digits, sizeof(sample.digits), "14155550134");
	if (!tmpl || !*tmpl) {
		text_printf(why, whyn, "sip.dialplan is empty");
		return EINVAL;
	}
	return dialplan_expand(tmpl, &sample, uri, sizeof(uri), why, whyn);
}

int dialplan_target(const char *line, const char *country, const char *tmpl, struct dial_target *t,
                    char *why, size_t whyn)
{
	struct number num;
	int err;

	if (!line || !t)
		return EINVAL;
	memset(t, 0, sizeof(*t));
	while (*line == ' ' || *line == '\t')
		line++;
	if (strncasecmp(line, "sip:", 4) == 0 || strncasecmp(line, "sips:", 5) == 0) {
		char buf[DIALPLAN_URI_MAX + 2];
		size_t len;

		if (text_copy(buf, sizeof(buf), line)) {
			text_printf(why, whyn, "SIP URI longer than %d characters",
			            DIALPLAN_URI_MAX);
			return EINVAL;
		}
		len = strlen(buf);
		while (len && (buf[len - 1] == ' ' || buf[len - 1] == '\t' ||
		               buf[len - 1] == '\r' || buf[len - 1] == '\n'))
			buf[--len] = '\0';
		if (!dialplan_uri_ok(buf)) {
			text_printf(why, whyn, "not a valid SIP URI");
			return EINVAL;
		}
		text_copy(t->uri, sizeof(t->uri), buf);
		t->is_uri = true;
		return 0;
	}
	err = numbers_normalise(line, country, &num, why, whyn);
	if (err)
		return EINVAL;
	err = dialplan_expand(tmpl, &num, t->uri, sizeof(t->uri), why, whyn);
	if (err)
		return err;
	text_copy(t->e164, sizeof(t->e164), num.e164);
	text_copy(t->ext, sizeof(t->ext), num.ext);
	return 0;
}

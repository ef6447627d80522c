/*
 * dialplan: what loftdial actually asks baresip to dial.
 *
 * A line of a dial list is either a phone number, normalised to E.164 (see numbers.h) and put
 * into the configured template (sip.dialplan, e.g. "sip:{e164}@sip.carrier.example"), or a
 * full sip:/sips: URI, which is passed through only if it is syntactically a SIP URI. baresip
 * does not sanitise what it is given (a space becomes part of the Request-URI), so nothing with
 * a blank, a control character, quotes or angle brackets ever leaves this module.
 */
#ifndef LOFTDIAL_DIALPLAN_H
#define LOFTDIAL_DIALPLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "loftdial/numbers.h"

#define DIALPLAN_URI_MAX 256

struct dial_target {
	char uri[DIALPLAN_URI_MAX + 1];  /* what is dialled */
	char e164[NUMBERS_E164_MAX + 1]; /* "" for a URI line */
	char ext[NUMBERS_EXT_MAX + 1];   /* DTMF to send after connect, "" for none */
	bool is_uri;                     /* the line was a SIP URI */
};

/* True when uri is a sip: or sips: URI loftdial may hand to baresip: a host, an optional
 * port and user part, URI parameters, only RFC 3261 URI characters, at most DIALPLAN_URI_MAX. */
bool dialplan_uri_ok(const char *uri);

/* Checks a template: it must contain {e164} or {digits}, no other {...}, and expand (for a
 * sample number) to an acceptable URI. 0 or EINVAL with a reason. */
int dialplan_check(const char *tmpl, char *why, size_t whyn);

/* Expands the template for a normalised number. 0, or EINVAL with a reason. */
int dialplan_expand(const char *tmpl, const struct number *num, char *uri, size_t n, char *why,
                    size_t whyn);

/* Turns one dial-list line into a target: a SIP URI (checked) or a number (normalised in
 * country, then expanded). 0, or EINVAL with the reason the line cannot be dialled. */
int dialplan_target(const char *line, const char *country, const char *tmpl, struct dial_target *t,
                    char *why, size_t whyn);

#endif

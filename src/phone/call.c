/*
 * call: the event → state fold and the outcome tables.
 *
 * States only move forward (DIALING → RINGING → EARLY → ANSWERED → CLOSED, skipping is fine),
 * so a late or repeated event never takes a call back. The outcome table maps final SIP codes
 * to what they mean for a rep, with one refinement learnt from baresip: it rejects a call with
 * "486 Rejected", which by code alone would read as busy, so for 486 the phrase decides.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "loftdial/call.h"
#include "loftdial/ctrlmsg.h"
#include "loftdial/text.h"

void call_start(struct call *c, const char *aor, const char *uri, uint64_t now)
{
	memset(c, 0, sizeof(*c));
	text_copy(c->aor, sizeof(c->aor), aor ? aor : "");
	text_copy(c->uri, sizeof(c->uri), uri ? uri : "");
	c->state = CALL_DIALING;
	c->t_dial = now;
}

void call_set_id(struct call *c, const char *id)
{
	text_copy(c->id, sizeof(c->id), id ? id : "");
}

bool call_matches(const struct call *c, const struct ctrlmsg *ev)
{
	if (!c || !ev || !c->id[0] || strcmp(c->id, ev->id) != 0)
		return false;
	return !c->aor[0] || !ev->aor[0] || strcmp(c->aor, ev->aor) == 0;
}

/* Moves the state forward only. */
static bool advance(struct call *c, enum call_state to)
{
	if (c->state >= to || c->state == CALL_IDLE)
		return false;
	c->state = to;
	return true;
}

int call_sip_code(const char *param, char *phrase, size_t n)
{
	int code;

	if (phrase && n)
		phrase[0] = '\0';
	if (!param || !isdigit((unsigned char)param[0]) || !isdigit((unsigned char)param[1]) ||
	    !isdigit((unsigned char)param[2]) || (param[3] != ' ' && param[3] != '\0'))
		return 0;
	code = (param[0] - '0') * 100 + (param[1] - '0') * 10 + (param[2] - '0');
	if (code < 100 || code > 699)
		return 0;
	if (phrase && n)
		text_sanitize(phrase, n, param[3] ? param + 4 : "", true);
	return code;
}

enum call_change call_apply(struct call *c, const struct ctrlmsg *ev, uint64_t now)
{
	const char *t;

	if (!c || !ev || c->state == CALL_IDLE || c->state == CALL_CLOSED)
		return CALL_CH_NONE;
	t = ev->type;
	if (!strcmp(t, "CALL_RINGING")) {
		if (!advance(c, CALL_RINGING))
			return CALL_CH_NONE;
		c->t_ring = now;
		return CALL_CH_RINGING;
	}
	if (!strcmp(t, "CALL_PROGRESS")) {
		if (!advance(c, CALL_EARLY))
			return CALL_CH_NONE;
		if (!c->t_ring)
			c->t_ring = now;
		return CALL_CH_EARLY;
	}
	if (!strcmp(t, "CALL_ESTABLISHED")) {
		if (!advance(c, CALL_ANSWERED))
			return CALL_CH_NONE;
		c->t_answer = now;
		return CALL_CH_ANSWERED;
	}
	if (!strcmp(t, "CALL_RTPESTAB")) {
		if (c->rtp)
			return CALL_CH_NONE;
		c->rtp = true;
		c->t_rtp = now;
		return CALL_CH_RTP;
	}
	if (!strcmp(t, "CALL_CLOSED")) {
		char phrase[CALL_REASON_MAX];

		c->state = CALL_CLOSED;
		c->t_end = now;
		c->sip_code = call_sip_code(ev->param, phrase, sizeof(phrase));
		text_sanitize(c->reason, sizeof(c->reason), ev->param, true);
		return CALL_CH_CLOSED;
	}
	return CALL_CH_NONE;
}

void call_close_local(struct call *c, const char *reason, uint64_t now)
{
	if (!c || c->state == CALL_IDLE || c->state == CALL_CLOSED)
		return;
	c->state = CALL_CLOSED;
	c->t_end = now;
	text_sanitize(c->reason, sizeof(c->reason), reason ? reason : "", true);
}

/* True when the phrase contains needle, ignoring case. */
static bool phrase_has(const char *phrase, const char *needle)
{
	size_t n = strlen(needle);

	for (; phrase && *phrase; phrase++)
		if (strncasecmp(phrase, needle, n) == 0)
			return true;
	return false;
}

enum call_outcome call_outcome_code(int code, const char *phrase)
{
	switch (code) {
	case 486:
	case 600:
		/* baresip rejects with "486 Rejected"; a carrier's decline may read alike. */
		if (phrase_has(phrase, "reject") || phrase_has(phrase, "declin"))
			return CALL_OUT_REJECTED;
		return CALL_OUT_BUSY;
	case 403:
	case 603:
		return CALL_OUT_REJECTED;
	case 404:
	case 410:
	case 416:
	case 484:
	case 485:
	case 604:
		return CALL_OUT_INVALID;
	case 408:
	case 480:
	case 487:
		return CALL_OUT_NO_ANSWER;
	default:
		return CALL_OUT_NETWORK;
	}
}

enum call_outcome call_outcome(const struct call *c)
{
	char phrase[CALL_REASON_MAX];

	if (!c || c->state == CALL_IDLE)
		return CALL_OUT_NONE;
	if (c->t_answer)
		return CALL_OUT_CONNECTED;
	if (c->sip_code) {
		(void)call_sip_code(c->reason, phrase, sizeof(phrase));
		return call_outcome_code(c->sip_code, phrase);
	}
	if (!strcmp(c->reason, "Connection reset by user"))
		return CALL_OUT_CANCELLED;
	/* errno texts: timed out, refused, unreachable, rtp stream error ... */
	return CALL_OUT_NETWORK;
}

const char *call_outcome_name(enum call_outcome o)
{
	/* Indexed by value, so a new outcome cannot shift the names of the others (the names
	 * are stored in attempts.outcome). */
	static const char *const names[] = {
	        [CALL_OUT_NONE] = "",
	        [CALL_OUT_CONNECTED] = "connected",
	        [CALL_OUT_BUSY] = "busy",
	        [CALL_OUT_NO_ANSWER] = "no_answer",
	        [CALL_OUT_REJECTED] = "rejected",
	        [CALL_OUT_INVALID] = "invalid_number",
	        [CALL_OUT_NETWORK] = "network",
	        [CALL_OUT_VOICEMAIL] = "voicemail",
	        [CALL_OUT_CANCELLED] = "cancelled",
	        [CALL_OUT_FAILED] = "failed",
	};

	if ((unsigned)o >= sizeof(names) / sizeof(names[0]) || !names[o])
		return "";
	return names[o];
}

const char *call_state_name(enum call_state s)
{
	static const char *const names[] = {
	        [CALL_IDLE] = "idle",   [CALL_DIALING] = "dialing",   [CALL_RINGING] = "ringing",
	        [CALL_EARLY] = "early", [CALL_ANSWERED] = "answered", [CALL_CLOSED] = "closed",
	};

	if ((unsigned)s >= sizeof(names) / sizeof(names[0]) || !names[s])
		return "";
	return names[s];
}

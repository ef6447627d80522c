/*
 * call: one outgoing call as loftdial understands it, built from baresip's events.
 *
 * baresip reports a call as a stream of events (CALL_RINGING, CALL_PROGRESS,
 * CALL_ESTABLISHED, CALL_RTPESTAB, CALL_CLOSED ...) tagged with the SIP Call-ID and the UA's
 * address of record. A struct call folds that stream into a state, the moments each stage was
 * reached, the final SIP code and reason; call_outcome() turns a call that ended into what a
 * rep cares about (busy, no answer, rejected, invalid number ...). Pure: the clock is passed in.
 */
#ifndef LOFTDIAL_CALL_H
#define LOFTDIAL_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ctrlmsg;

#define CALL_ID_MAX     96
#define CALL_URI_MAX    256
#define CALL_REASON_MAX 96

enum call_state {
	CALL_IDLE = 0, /* no call */
	CALL_DIALING,  /* dial sent, nothing back from the far end yet */
	CALL_RINGING,  /* 180 without media */
	CALL_EARLY,    /* 18x with SDP: early media (announcements, ringback) */
	CALL_ANSWERED, /* 200 OK */
	CALL_CLOSED,
};

/* What an ended attempt means to a rep. The names match the store's attempt outcomes. */
enum call_outcome {
	CALL_OUT_NONE = 0,
	CALL_OUT_CONNECTED,
	CALL_OUT_BUSY,
	CALL_OUT_NO_ANSWER,
	CALL_OUT_REJECTED,
	CALL_OUT_INVALID,   /* invalid number: unusable, or 404/484/604 */
	CALL_OUT_NETWORK,   /* network failure: 5xx, timeouts, refused, RTP timeout */
	CALL_OUT_VOICEMAIL, /* a machine answered */
	CALL_OUT_CANCELLED, /* cancelled by us */
	CALL_OUT_FAILED,    /* a local failure: the engine died or refused the dial */
};

/* What an event changed, so the caller knows what to react to. */
enum call_change {
	CALL_CH_NONE = 0,
	CALL_CH_RINGING,
	CALL_CH_EARLY,
	CALL_CH_ANSWERED,
	CALL_CH_RTP,
	CALL_CH_CLOSED,
};

struct call {
	char id[CALL_ID_MAX];   /* SIP Call-ID, "" until known */
	char aor[CALL_URI_MAX]; /* the UA that placed it */
	char uri[CALL_URI_MAX]; /* what was dialled */
	enum call_state state;
	uint64_t t_dial, t_ring, t_answer, t_rtp, t_end; /* caller's clock, 0 = not reached */
	int sip_code;                 /* final failure code from CALL_CLOSED, 0 = none */
	char reason[CALL_REASON_MAX]; /* CALL_CLOSED param, sanitised */
	bool rtp;                     /* the far end's RTP arrived */
};

/* Starts a new call on c (forgetting the previous one): state DIALING at now. */
void call_start(struct call *c, const char *aor, const char *uri, uint64_t now);
/* Sets the Call-ID once it is known (from callstat). */
void call_set_id(struct call *c, const char *id);

/* True when the event is about this call: same Call-ID, and same UA when both are known. */
bool call_matches(const struct call *c, const struct ctrlmsg *ev);

/* Applies one event of this call; returns what changed (CALL_CH_NONE for events that change
 * nothing, duplicates, or anything after CLOSED). */
enum call_change call_apply(struct call *c, const struct ctrlmsg *ev, uint64_t now);
/* Closes the call locally (the engine died, or never confirmed): CLOSED with reason. */
void call_close_local(struct call *c, const char *reason, uint64_t now);

/* The SIP status code at the start of a CALL_CLOSED param ("486 Busy Here" → 486), 0 when it
 * does not start with a 3-digit code in 100..699. phrase (optional) gets the rest. */
int call_sip_code(const char *param, char *phrase, size_t n);

/* The outcome of a call that ended on its own (not cancelled by us): CONNECTED when it was
 * answered, else from the SIP code or the local reason. */
enum call_outcome call_outcome(const struct call *c);

/* Outcome from a final SIP code and reason phrase, for calls that were never answered. */
enum call_outcome call_outcome_code(int code, const char *phrase);

/* "connected", "busy", "no_answer", "rejected", "invalid_number", "network", "voicemail",
 * "cancelled", "failed", "" for NONE. */
const char *call_outcome_name(enum call_outcome o);
/* "idle", "dialing", "ringing", "early", "answered", "closed". */
const char *call_state_name(enum call_state s);

#endif

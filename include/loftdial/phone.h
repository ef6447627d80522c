/*
 * phone: N dial lines on top of baresip engines, one call per line at a time.
 *
 * Two layouts (docs/telephony.md says why):
 *   spawn   one baresip process per line (its own folder, SIP port sip_port + 10*line, ctrl_tcp
 *           port ctrl_port + line, sndfile folder). Recordings cannot collide, a line's
 *           commands cannot touch another line's call, and a crash takes down one line.
 *   connect one baresip the user runs (engine.address); lines are calls of its current UA,
 *           each known by its Call-ID and addressed with "callfind <id>" in the same write as
 *           the command. No recordings (so no AMD).
 *
 * Every call starts on baresip's silent dummy (aubridge); phone_rep_audio() moves one line to
 * the rep's headset and back. Events are folded into struct call (call.h) per line and handed
 * to the owner as phone notes; a failed engine closes the calls of its lines (LINE_DOWN with
 * the reason) and comes back by itself (LINE_UP).
 */
#ifndef LOFTDIAL_PHONE_H
#define LOFTDIAL_PHONE_H

#include <stdbool.h>
#include <stddef.h>

#include "loftdial/call.h"
#include "loftdial/engine.h"
#include "loftdial/engineconf.h"

#define PHONE_LINES_MAX 9

struct phone;

enum phone_mode { PHONE_SPAWN, PHONE_CONNECT };

struct phone_opts {
	enum phone_mode mode;
	unsigned lines;           /* 1..PHONE_LINES_MAX */
	const char *baresip;      /* spawn: the program */
	const char *dir;          /* spawn: engine folders go in DIR/engine/lineN */
	const char *local_ip;     /* spawn: SIP binds here (also net_interface); "" = all */
	unsigned sip_port;        /* spawn: line N listens on sip_port + 10*N */
	unsigned ctrl_port;       /* spawn: line N's ctrl_tcp is 127.0.0.1:ctrl_port + N */
	const char *connect_addr; /* connect: the user's baresip ctrl_tcp */
	unsigned rtp_timeout;     /* seconds */
	const char *rtp_ports;    /* "LO-HI" the engines take RTP from; NULL or "": baresip's own */
	struct sip_account account;
	const char *rep_source; /* the rep's headset, "alsa,default" */
	const char *rep_player;
	bool record;                    /* spawn: sndfile recordings of the far end (for AMD) */
	const struct engine_opts *tune; /* optional engine timings (tests) */
};

enum phone_ev {
	PHONE_EV_LINE_UP,   /* the line's engine is up: it may dial */
	PHONE_EV_LINE_DOWN, /* the engine failed: the line's call (if any) is closed; text why */
	PHONE_EV_RINGING,
	PHONE_EV_EARLY, /* early media */
	PHONE_EV_ANSWERED,
	PHONE_EV_RTP,          /* the far end's audio arrives */
	PHONE_EV_CLOSED,       /* call->reason, call->sip_code */
	PHONE_EV_RECORDING,    /* text: the path of the far end's audio, growing */
	PHONE_EV_WARNING,      /* text: something the rep should know (the headset did not open) */
	PHONE_EV_INVITE_FINAL, /* id, code: the final response to a call's INVITE (SIP trace),
	                        * also after loftdial hung the call up: a 2xx then means the far
	                        * end answered as the CANCEL crossed it */
	PHONE_EV_STOPPED,      /* phone_stop() finished */
};

struct phone_note {
	enum phone_ev ev;
	unsigned line;           /* 1..N, 0 for STOPPED */
	const struct call *call; /* the line's call, NULL when none */
	const char *text;        /* "" when none */
	const char *id;          /* INVITE_FINAL: the Call-ID */
	int code;                /* INVITE_FINAL: the status code */
};

typedef void(phone_h)(const struct phone_note *n, void *arg);

struct config;

/* The options from the config (engine.*, sip.*, audio.*) for lines lines, engine folders under
 * data_dir. Strings point into cfg and data_dir. */
void phone_opts_from_config(struct phone_opts *o, const struct config *cfg, const char *data_dir,
                            unsigned lines);

/* Checks the options (account syntax included), writes engine folders and starts the
 * engines. EINVAL with a reason in why. */
int phone_start(struct phone **pp, const struct phone_opts *o, phone_h *h, void *arg, char *why,
                size_t whyn);

/* True when the line's engine is up and the line has no call. */
bool phone_line_idle(const struct phone *p, unsigned line);
/* True when the line's engine is up. */
bool phone_line_up(const struct phone *p, unsigned line);
unsigned phone_lines(const struct phone *p);

/* Dials uri (already checked by dialplan) on an idle line. EBUSY, ENOTCONN, EINVAL. */
int phone_dial(struct phone *p, unsigned line, const char *uri);
/* Hangs up the line's call (CANCEL while it rings, BYE once answered). ENOENT when none. */
int phone_hangup(struct phone *p, unsigned line);
/* Moves the line's call to the rep's headset (on) or back to the silent dummy (off). */
int phone_rep_audio(struct phone *p, unsigned line, bool on);
/* Plays a WAV (8 kHz mono) to the far end instead of the headset; the call ends at its end. */
int phone_play(struct phone *p, unsigned line, const char *wav);
/* Sends DTMF digits (0-9 * # A-D, at most 32) as RFC 4733 events. */
int phone_dtmf(struct phone *p, unsigned line, const char *digits);
int phone_mute(struct phone *p, unsigned line, bool on);
int phone_hold(struct phone *p, unsigned line, bool on);
/* The final response code seen for the INVITE of call id on the line (recent calls only), or
 * 0 when none was seen (yet). Spawn mode only: it reads the engine's SIP trace. */
int phone_invite_final(const struct phone *p, unsigned line, const char *id);
/* True when the engines' SIP traces are read (spawn mode), so phone_invite_final works. */
bool phone_traced(const struct phone *p);
/* The growing recording of the line's current call, or NULL (spawn mode with record). */
const char *phone_recording(struct phone *p, unsigned line);
/* Declares the line's engine failed (it stopped answering for the line): restart it. */
void phone_fail_line(struct phone *p, unsigned line, const char *reason);
/* The line's engine (for status and tests). */
struct engine *phone_engine(const struct phone *p, unsigned line);

/* Stops every engine; a PHONE_EV_STOPPED note follows. */
void phone_stop(struct phone *p);
/* Frees (engines still running are killed and reaped). NULL is fine. */
void phone_free(struct phone *p);

#endif

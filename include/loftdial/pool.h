/*
 * pool: the dial pool, N lines (1 to 9) dialling a queue of numbers, first answer wins.
 *
 * Numbers (or SIP URIs) are queued; free lines take them in order, one start every stagger_ms,
 * the lowest free line first. The first round waits until every line new dials may use is up
 * (or has failed to start), at most first_round_ms, so the first number goes to line 1 and all
 * lines ring together however slowly the engines start; after that wait it goes on with the
 * lines that are up and says which are not (POOL_EV_WARNING).
 * A line that rings longer than the ring timeout is hung up by loftdial (CANCEL). The first
 * answer that is (or may be) a person wins: every other leg is cancelled or hung up at once,
 * the time from that answer to the last leg's confirmed end is measured, and only then does
 * the winner get the rep's headset. An answer on another leg before its drop reached it is
 * recorded as a dropped live answer. Answering-machine detection (amd.h) listens to the far
 * end's recording: by policy humans and unknowns are connected at once (the machine verdict
 * then decides what happens to the call) or only humans are. A machine is hung up on, left a
 * recorded voicemail, or connected.
 *
 * Voicemail drop: a line that leaves the message listens to the far end for the beep
 * (amd_beep, 400 Hz-2 kHz), or for the quiet after a greeting that has none, and only then
 * plays the message; the message's end hangs the call up and the record says "voicemail left".
 * The rep is never kept for it: a connected line handed to the voicemail frees the rep at once.
 * A person who answers while the rep is taken (a dropped live answer) hears the identification
 * message (ident_file) at once, then the call ends; without one they are hung up on.
 *
 * Every attempt produces a record (struct pool_attempt) and a stream of notes for the caller
 * (the `loftdial dial` command, the TUI) to print and persist; the pool itself keeps nothing
 * after an attempt ends.
 */
#ifndef LOFTDIAL_POOL_H
#define LOFTDIAL_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loftdial/amd.h"
#include "loftdial/call.h"
#include "loftdial/dialplan.h"
#include "loftdial/phone.h"

struct pool;
struct attempt;
struct config;
struct store;

/* The longest dial-list line the pool takes (a SIP URI of the longest size the dial plan
 * accepts); longer lines are refused, never cut. */
#define POOL_INPUT_MAX DIALPLAN_URI_MAX

enum pool_amd { POOL_AMD_OFF, POOL_AMD_CONNECT_UNKNOWN, POOL_AMD_HUMANS_ONLY };
enum pool_machine { POOL_MACHINE_HANGUP, POOL_MACHINE_VOICEMAIL, POOL_MACHINE_CONNECT };

struct pool_opts {
	unsigned ring_timeout_ms;   /* loftdial cancels a leg ringing this long */
	unsigned stagger_ms;        /* between starts */
	unsigned first_round_ms;    /* the first round waits this long at most for every line
	                             * to be up (0: 5000) */
	unsigned ext_delay_ms;      /* extension DTMF this long after connect (0: 2000) */
	unsigned hangup_confirm_ms; /* unconfirmed hangup fails the line (0: 5000) */
	unsigned amd_max_ms;        /* AMD gives up (unknown) this long after answer (0: 6000) */
	unsigned talk_ms;           /* hang up a connected call after this; 0 = never */
	unsigned cancel_wait_ms;    /* after hanging up an unanswered leg, wait this long for its
	                             * INVITE's final response (a 200 that crossed the CANCEL is a
	                             * live answer dropped) before the record is final (0: 2000) */
	enum pool_amd amd;
	enum pool_machine machine;
	const char *voicemail_file; /* for POOL_MACHINE_VOICEMAIL and pool_voicemail_drop() */
	const char *ident_file;     /* played to a dropped live answer; NULL or "" = none */
	/* Without ident_file: the identification message is spoken from these (identmsg.h),
	 * rendered before the first dial into ident_dir (NULL: the phone's dir). A bad name or
	 * number fails pool_new with the reason. */
	const char *ident_name, *ident_callback, *ident_dir;
	unsigned vm_wait_ms;  /* the longest wait for the beep before the message plays
	                       * anyway (0: 30000) */
	const char *country;  /* default country for numbers */
	const char *dialplan; /* sip.dialplan template */
	bool auto_resume;     /* go on dialling once a connected call ends */
	/* Called when a line takes a queued line, right before its INVITE (user is pool_add's
	 * tag): non-zero skips it (nothing is dialled and no attempt is made; why is logged and
	 * the caller keeps its own account of the skip). NULL: every line is dialled. */
	int (*pre_dial)(void *user, const char *line, char *why, size_t whyn, void *arg);
	void *pre_dial_arg;
};

struct pool_attempt {
	unsigned id;   /* 1, 2, ... in the order attempts were taken from the queue */
	unsigned line; /* 1..9; 0 when it was never dialled (unusable number) */
	char input[POOL_INPUT_MAX + 1]; /* the dial-list line, exactly as queued */
	char e164[NUMBERS_E164_MAX + 1];
	char uri[DIALPLAN_URI_MAX + 1];
	char ext[NUMBERS_EXT_MAX + 1];
	char call_id[CALL_ID_MAX];                /* SIP Call-ID, "" when never sent */
	int64_t t_start, t_ring, t_answer, t_end; /* unix ms, 0 = not reached */
	int sip_code;                             /* final SIP code, 0 = none */
	char reason[128];
	enum call_outcome outcome; /* NONE while in progress */
	bool live_dropped;         /* a live answer had to be dropped */
	bool ident_played;         /* the dropped live answer got the identification message */
	bool connected;            /* got the rep's headset */
	bool media;                /* the far end's RTP arrived */
	enum amd_result amd;       /* AMD_PENDING = not run / not decided */
	unsigned amd_ms;           /* audio it took to decide */
	void *user;                /* pool_add's tag */
};

enum pool_ev {
	POOL_EV_DIALING,   /* INVITE sent */
	POOL_EV_RINGING,   /* 180 (or 183) */
	POOL_EV_EARLY,     /* early media */
	POOL_EV_ANSWERED,  /* 200 OK */
	POOL_EV_MEDIA,     /* the far end's RTP flows */
	POOL_EV_CONNECTED, /* this leg won: it has the rep's headset */
	POOL_EV_AMD,       /* a->amd decided */
	POOL_EV_HANGUP,    /* loftdial hangs this leg up; text says why */
	POOL_EV_DTMF,      /* text: digits sent */
	POOL_EV_ENDED,     /* the record is final */
	POOL_EV_DROP_TIME, /* ms: the winner's answer → the last other leg ended; legs */
	POOL_EV_LINE_DOWN, /* line's engine failed; text why */
	POOL_EV_LINE_UP,
	POOL_EV_WARNING,   /* text */
	POOL_EV_WRAPUP,    /* the connected call ended; pool_resume() goes on */
	POOL_EV_IDLE,      /* the queue is empty and no leg is busy */
	POOL_EV_STOPPED,   /* pool_stop() finished: every engine is stopped */
	POOL_EV_VOICEMAIL, /* the recorded message starts on this line; text says after what
	                    * ("after the beep (1000 Hz, 500 ms)", "after the greeting went quiet
	                    * (no beep in 3.1 s)", "at once (no recording to hear the beep)") */
	POOL_EV_IDENT,     /* a dropped live answer gets the identification message */
};

struct pool_note {
	enum pool_ev ev;
	const struct pool_attempt *a; /* NULL for line and pool events */
	unsigned line;
	const char *text; /* "" when none */
	double ms;        /* DROP_TIME */
	double send_ms;   /* DROP_TIME: answer → the last hangup command written */
	unsigned legs;    /* DROP_TIME: legs dropped */
};

typedef void(pool_h)(const struct pool_note *n, void *arg);

/* Starts the phone (engines) and the pool. EINVAL with a reason for bad options (dial plan,
 * country, account...). */
int pool_new(struct pool **pp, const struct pool_opts *o, const struct phone_opts *po, pool_h *h,
             void *arg, char *why, size_t whyn);
/* Stops dialling, hangs every leg up, then stops the engines: POOL_EV_STOPPED follows. A person
 * still being screened (AMD humans_only) is a live answer dropped: they hear the identification
 * message first, when there is one, and the record says so. */
void pool_stop(struct pool *p);
/* Frees the pool and its phone (engines still running are killed). NULL is fine. */
void pool_free(struct pool *p);

/* Queues a dial-list line (number or SIP URI); user is handed back in the record. The line is
 * checked before anything is kept: E2BIG when it is longer than POOL_INPUT_MAX, EINVAL when it
 * has control characters or invalid UTF-8; then nothing is queued. A queued line is dialled as
 * it is, never cut or cleaned. */
int pool_add(struct pool *p, const char *line, void *user);
/* Starts dialling (lines start as their engines come up). */
void pool_start(struct pool *p);
/* Ends the wrap-up after a connected call (when auto_resume is off). */
void pool_resume(struct pool *p);
/* Holds (true) or lets go the queue: while paused no new dial starts; legs go on. */
void pool_pause(struct pool *p, bool on);
/* The lines new dials may use, 1 to the lines started (ERANGE otherwise). Fewer lines never
 * end a live leg: a leg on a line now unused runs to its end, and the line then stays idle. */
int pool_set_lines(struct pool *p, unsigned n);
/* The lines new dials may use now. */
unsigned pool_lines(const struct pool *p);

/* The connected call: hang up, DTMF, mute, hold/resume. ENOENT when there is none. */
int pool_hangup(struct pool *p);
int pool_dtmf(struct pool *p, const char *digits);
int pool_mute(struct pool *p, bool on);
int pool_hold(struct pool *p, bool on);
/* Voicemail drop by the rep: the connected line reached a machine, so leave it the recorded
 * message (voicemail_file) and let the rep go on. The rep is freed at once (the headset leaves
 * the line, the pool dials again with no wrap-up: the record needs nothing from the rep);
 * the line itself listens for the beep (or the quiet after the greeting; with no recording to
 * listen to, as in engine.mode connect, the message starts at once), plays the message
 * (POOL_EV_VOICEMAIL), and hangs up at its end. Its record ends CALL_OUT_VOICEMAIL with reason
 * "voicemail left" (callrec logs the voicemail disposition), or "voicemail not left: ..." when
 * the far end hung up first. 0; ENOENT when no line is connected (or it is being hung up);
 * EINVAL when no voicemail_file is set. */
int pool_voicemail_drop(struct pool *p);
/* Puts the last ended attempt's number back at the front of the queue. ENOENT when none. */
int pool_redial(struct pool *p);

/* The phone underneath (status, tests). */
struct phone *pool_phone(const struct pool *p);
/* For drawing the lines: the attempt live on a line (NULL when idle), whether the line's
 * engine is up, and which line has the rep (0 = none). */
const struct pool_attempt *pool_line_attempt(const struct pool *p, unsigned line);
bool pool_line_up(const struct pool *p, unsigned line);
unsigned pool_connected_line(const struct pool *p);
/* Legs busy now, and numbers waiting. */
unsigned pool_busy(const struct pool *p);
unsigned pool_queued(const struct pool *p);

/* What a line is doing, for drawing it. */
enum pool_line_phase {
	POOL_LINE_DOWN,       /* its engine is not up (starting, restarting, stopped) */
	POOL_LINE_IDLE,       /* up, no call */
	POOL_LINE_DIALING,    /* INVITE sent, no ringing yet */
	POOL_LINE_RINGING,    /* 180/183 seen */
	POOL_LINE_ANSWERED,   /* answered, not (yet) the rep's */
	POOL_LINE_SCREENING,  /* answered, AMD listening before connecting (humans_only) */
	POOL_LINE_CONNECTED,  /* the rep's headset is on this call */
	POOL_LINE_VOICEMAIL,  /* leaving the voicemail: waiting for the beep, then the message */
	POOL_LINE_HANGING_UP, /* loftdial hung up, waiting for baresip to confirm (or a dropped
	                       * live answer hears the identification message before the end) */
	POOL_LINE_PHASE_COUNT
};

/* What the pool as a whole is doing. */
enum pool_phase {
	POOL_PHASE_READY,    /* created, pool_start() not called yet */
	POOL_PHASE_DIALING,  /* legs busy or numbers waiting */
	POOL_PHASE_WRAPUP,   /* a connected call ended; pool_resume() goes on */
	POOL_PHASE_IDLE,     /* started, nothing queued, no leg busy */
	POOL_PHASE_STOPPING, /* pool_stop() in progress */
	POOL_PHASE_STOPPED,  /* every engine stopped */
	POOL_PHASE_COUNT
};

#define POOL_SNAP_QUEUE 8 /* queued numbers copied into a snapshot (the next ones up) */

struct pool_line_snap {
	unsigned line; /* 1..nlines */
	enum pool_line_phase phase;
	bool up;               /* its engine is up */
	bool has_attempt;      /* a is the live attempt (phases DIALING..HANGING_UP) */
	struct pool_attempt a; /* a copy; a.user is the caller's tag, not owned */
	unsigned restarts;     /* engine failures recovered from */
};

/* Everything a face needs to draw the pool, copied so it stays valid after the call. */
struct pool_snapshot {
	enum pool_phase phase;
	unsigned nlines;
	unsigned busy;           /* legs with a call */
	unsigned queued;         /* numbers waiting */
	unsigned connected_line; /* 0 = none */
	unsigned attempts;       /* attempts taken from the queue so far */
	uint64_t changes;        /* bumped with every note the pool sends */
	struct pool_line_snap lines[PHONE_LINES_MAX];
	unsigned nnext;                                 /* entries in next (<= queued) */
	char next[POOL_SNAP_QUEUE][POOL_INPUT_MAX + 1]; /* the queue's head, in order */
	unsigned active_lines; /* lines new dials may use (pool_set_lines) */
	bool paused;           /* pool_pause holds the queue */
};

/* Fills out with the pool's state now (a zeroed, READY snapshot for NULL p). */
void pool_snapshot(const struct pool *p, struct pool_snapshot *out);
/* How many notes the pool has sent: compare with the value drawn to know whether to redraw. */
uint64_t pool_changes(const struct pool *p);
/* "down", "idle", "dialing", "ringing", "answered", "screening", "connected", "voicemail",
 * "hanging up"; and "ready", "dialing", "wrap-up", "idle", "stopping", "stopped" ("?" out of
 * range). */
const char *pool_line_phase_name(enum pool_line_phase ph);
const char *pool_phase_name(enum pool_phase ph);

const char *pool_ev_name(enum pool_ev ev);

/* The pool's options from the config (dial.*, phone.default_country, sip.dialplan), with the
 * test-only LOFTDIAL_TEST_RING_TIMEOUT_MS; talk_s from the command line (0: never). Strings
 * point into cfg. */
void pool_opts_from_config(struct pool_opts *o, const struct config *cfg, unsigned talk_s);
/* Saves an ended attempt as a dial_attempts row of the session (attempts.h). */
int pool_attempt_save(struct store *st, const char *session, const struct pool_attempt *a);
/* Fills the dial_attempts row of an ended attempt (what pool_attempt_save inserts), for a
 * caller that adds the person, the rep and the campaign before inserting it. */
void pool_attempt_row(struct attempt *rec, const char *session, const struct pool_attempt *a);

#endif

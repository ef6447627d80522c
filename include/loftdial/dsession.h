/*
 * dsession: one dial session, headless: the core that `loftdial dial --cadence/--tasks` and the
 * TUI's session screen both drive, so neither keeps dialling state of its own.
 *
 * A session has a target (a cadence's due phone actions, the rep's call tasks, or one person
 * from the store), reads its list through listdial.h (the rep, the team's names, the gates),
 * starts the engines and the dial pool (pool.h) from the config (the voicemail message is the
 * cadence's own recording when it has one, vmfile.h), and feeds the pool one entry
 * at a time as lines free up, so the line count, the mode, a pause and a skip take effect at
 * once. The gates run again right before each INVITE (the clock moves while a list is dialled;
 * a number is not dialled twice in a session). Every ended attempt is saved (dial_attempts,
 * with the rep and the campaign) and becomes an outbox record through listdial; a connected
 * call waits for the rep's wrap-up (dsession_wrapup) and nothing new is dialled meanwhile.
 * Once a cadence action's record is sent (the face runs the outbox sender and kicks it on
 * DSESSION_EV_RECORD), the person's due actions are read again: the next step's action, when
 * due now, becomes a new entry.
 *
 * The face reads the state through one handler (events), a change counter and copying
 * accessors (dsession_snapshot, dsession_entries): it draws without polling the store and
 * without holding pointers into the session. Controls return 0 or an errno value; none of
 * them blocks, and all run on the loop.
 */
#ifndef LOFTDIAL_DSESSION_H
#define LOFTDIAL_DSESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "loftdial/callrec.h"
#include "loftdial/diallist.h"
#include "loftdial/listdial.h"
#include "loftdial/pool.h"
#include "loftdial/vmfile.h"

struct config;
struct slapi;
struct store;
struct dsession;

/* What is dialled: a cadence, the tasks, or both as one list; or one person alone. */
struct dsession_target {
	int64_t cadence_id; /* > 0: the cadence's due phone actions */
	bool tasks;         /* the rep's call tasks */
	unsigned buckets;   /* DIALLIST_* bits for the tasks (0: dial.task_buckets) */
	int64_t person_id; /* > 0: one person from the store, logged with neither action nor task */
	char label[128];   /* what the face calls it ("" = made from the target) */
};

/* Parallel: up to the line count at once, first answer wins. Preview: one at a time, the next
 * entry is shown first and dialled by dsession_dial_next(). */
enum dsession_mode { DSESSION_PARALLEL, DSESSION_PREVIEW };

/* What follows a wrap-up: dial on, or pause. */
enum dsession_after { DSESSION_NEXT, DSESSION_PAUSE };

struct dsession_opts {
	struct dsession_target target;
	unsigned
	        lines; /* lines at the start, 1-9 (0: dial.lines); engines for dial.lines or this */
	enum dsession_mode mode;
	/* Connected calls: with ask, each waits for dsession_wrapup(); otherwise these names
	 * (NULL = none) are logged at once and dialling goes on. */
	bool ask;
	const char *disposition, *sentiment, *notes;
	unsigned talk_s;      /* hang up a connected call after this (0: never; tests, scripts) */
	const char *data_dir; /* the engines' folders (paths.data_dir) */
	time_t now;           /* the list's and the gates' clock at the start (0: the real one);
	                       * it runs on from there */
	bool autostart;       /* dial as soon as the list is read (no dsession_start needed) */
};

enum dsession_phase {
	DSESSION_LOADING,  /* reading the list; the engines are starting */
	DSESSION_READY,    /* the list is read; dsession_start() dials */
	DSESSION_DIALING,  /* dialling (in preview: waiting for dsession_dial_next between calls) */
	DSESSION_PAUSED,   /* nothing new is dialled; calls live go on */
	DSESSION_WRAPUP,   /* a connected call ended: dsession_wrapup() or _discard() awaited */
	DSESSION_DONE,     /* nothing left to dial and no line busy */
	DSESSION_STOPPING, /* dsession_stop(): hanging up, stopping the engines */
	DSESSION_STOPPED,  /* every attempt ended, engines stopped */
	DSESSION_FAILED,   /* the list could not be read (why says); the engines still run:
	                    * dsession_stop() ends them */
	DSESSION_PHASE_COUNT
};

enum dsession_entry_state {
	DSESSION_ENTRY_WAITING, /* may be dialled, not yet */
	DSESSION_ENTRY_DIALING, /* a line has it */
	DSESSION_ENTRY_DONE,    /* dialled: outcome says how it ended */
	DSESSION_ENTRY_SKIPPED, /* not dialled: reason says why (gates, the rep, ...) */
	DSESSION_ENTRY_STATE_COUNT
};

/* One entry of the list, copied out. */
struct dsession_entry {
	size_t index;
	enum dsession_entry_state state;
	struct diallist_entry e;   /* person, action or task, contact, number, gate verdict */
	char reason[256];          /* SKIPPED: why, in words */
	unsigned line;             /* DIALING: its line */
	unsigned attempts;         /* times dialled in this session */
	unsigned attempt;          /* the last attempt's id (0: none) */
	enum call_outcome outcome; /* DONE: the last attempt's outcome */
	enum callrec_kind kind;    /* DONE: what was logged (CALLREC_NOT_LOGGED: nothing yet) */
	char disposition[CALLREC_NAME_MAX]; /* DONE: the disposition logged ("" none) */
	int64_t outbox_id;                  /* DONE: its outbox item (0: none) */
};

struct dsession_stats {
	unsigned entries, waiting, skipped, done;
	unsigned dials;      /* INVITEs sent (counted as each goes out) */
	unsigned connects;   /* attempts the rep talked on */
	double connect_rate; /* connects / dials (0 with no dials) */
	double dials_per_hour;
	int64_t talk_ms;     /* connected time, the live call included */
	int64_t elapsed_ms;  /* since dsession_start */
	unsigned records;    /* written to the outbox */
	unsigned not_logged; /* attempts with nothing to log (the entry stays due) */
	unsigned record_errors;
	unsigned live, dropped; /* this session's live answers and dropped live answers */
	double abandon_share;   /* the rolling 30-day share, the worse of the rep's and the
	                         * campaign's (store and session) */
	double abandon_ceiling; /* dial.abandon_limit as a share; 0 = no line control */
	double drop_window_ms;  /* the mean drop window measured at this session's wins, 0 = none */
	double abandon_k;       /* drops per win per extra line the meter steers by */
	unsigned lines;         /* lines in force */
};

/* The connected call that ended and waits for the rep. */
struct dsession_wrapup_snap {
	bool waiting;
	size_t entry;
	struct pool_attempt a;              /* its attempt (a.user is not for use) */
	char disposition[CALLREC_NAME_MAX]; /* pre-filled: the names given up front, "" none */
	char sentiment[CALLREC_NAME_MAX];
};

#define DSESSION_VM_FILE_MAX 1024

struct dsession_snapshot {
	enum dsession_phase phase;
	enum dsession_mode mode;
	struct dsession_target target;
	char why[256]; /* FAILED: why; else "" */
	uint64_t changes;
	struct pool_snapshot pool;
	struct dsession_stats stats;
	/* The voicemail message machines get (vmfile.h): the cadence's own recording or
	 * dial.voicemail_file; "" and VMFILE_NONE when there is none. */
	char voicemail_file[DSESSION_VM_FILE_MAX];
	enum vmfile_source voicemail_source;
	unsigned lines_rep;    /* the line count the rep set */
	unsigned lines_active; /* in force (line control may have lowered it) */
	unsigned lines_max;    /* engines running: the most lines the session can have */
	bool lines_lowered;    /* line control holds the count below the rep's */
	size_t nentries;
	bool has_connected; /* connected_entry is on the connected line */
	size_t connected_entry;
	bool has_next; /* next_entry is the next to dial (what preview shows) */
	size_t next_entry;
	struct dsession_wrapup_snap wrapup;
	bool team_known; /* /v2/team was read (else the flags below are false) */
	bool dispositions_required, sentiments_required;
	char user_guid[64]; /* the rep ("" before READY) */
};

enum dsession_ev {
	DSESSION_EV_READY,   /* the list is read: entries may be drawn, dsession_start() dials */
	DSESSION_EV_FAILED,  /* text: why; err */
	DSESSION_EV_CHANGED, /* something to redraw (pool: the pool's note when it caused it) */
	DSESSION_EV_WRAPUP,  /* a connected call ended; the rep's wrap-up is awaited */
	DSESSION_EV_RECORD,  /* an ended attempt's record (rec: listdial's note) */
	DSESSION_EV_WARNING, /* text */
	DSESSION_EV_STOPPED, /* every attempt ended, the engines stopped */
	DSESSION_EV_DONE,    /* nothing left to dial and no line busy (headless faces stop) */
	DSESSION_EV_SKIPPED, /* an entry was skipped after the list was read (the gates right
	                      * before its INVITE, ...): entry, text = why */
};

struct dsession_note {
	enum dsession_ev ev;
	int err;
	const char *text;                /* "" when none */
	const struct pool_note *pool;    /* CHANGED: the pool note behind it, or NULL */
	const struct listdial_note *rec; /* RECORD */
	size_t entry; /* RECORD, WRAPUP, SKIPPED, CHANGED with an attempt: the entry's index */
	const struct pool_attempt *a; /* RECORD, WRAPUP: the attempt */
};

typedef void(dsession_h)(const struct dsession_note *n, void *arg);

/* Starts the engines and reads the list. api, st and cfg must outlive the session; the loop
 * must be running (loop_init). EINVAL with why for a bad target or options, or what the pool
 * refuses; later failures come as DSESSION_EV_FAILED. */
int dsession_new(struct dsession **dp, struct slapi *api, struct store *st,
                 const struct config *cfg, const struct dsession_opts *o, dsession_h *h, void *arg,
                 char *why, size_t whyn);
/* Frees the session at any time (live calls are killed with their engines; prefer
 * dsession_stop and DSESSION_EV_STOPPED). NULL is fine. */
void dsession_free(struct dsession *d);

/* Starts dialling once READY: EAGAIN while LOADING, EALREADY when started. */
int dsession_start(struct dsession *d);
/* Pauses (true) or resumes dialling; calls live go on. EALREADY when stopped. */
int dsession_pause(struct dsession *d, bool on);
/* Stops: hangs every line up, writes every attempt's record, stops the engines;
 * DSESSION_EV_STOPPED follows. */
void dsession_stop(struct dsession *d);

/* The rep's line count, 1 to lines_max (ERANGE otherwise); fewer lines never end a live call. */
int dsession_set_lines(struct dsession *d, unsigned n);
/* Parallel or preview. */
int dsession_set_mode(struct dsession *d, enum dsession_mode m);
/* Preview: dials the next entry. ENOENT when none waits, EBUSY while a line is busy or a
 * wrap-up is awaited, EINVAL in parallel mode. */
int dsession_dial_next(struct dsession *d);
/* Skips a waiting entry ("skipped by rep"). ERANGE for no such entry, EALREADY when it is not
 * waiting. */
int dsession_skip(struct dsession *d, size_t i);

/* The connected call (pass-through to pool.h): ENOENT when there is none. */
int dsession_hangup(struct dsession *d);
int dsession_mute(struct dsession *d, bool on);
int dsession_hold(struct dsession *d, bool on);
int dsession_dtmf(struct dsession *d, const char *digits);
/* Dials the last ended attempt's number again (the "dialled once" gate allows it). */
int dsession_redial(struct dsession *d);
/* Drops the recorded voicemail on the connected line (pool_voicemail_drop): the rep is freed
 * at once and the call is logged as a voicemail left. ENOENT when no line is connected,
 * EINVAL when no voicemail file is set. */
int dsession_voicemail_drop(struct dsession *d);

/* The rep's wrap-up of the waiting call: logs it, then dials on or pauses. EALREADY when
 * nothing waits; ENOENT with why for a name the team lacks; EINVAL with why when the team
 * requires a disposition or a sentiment that is missing. Nothing is written on error. */
int dsession_wrapup(struct dsession *d, const char *disposition, const char *sentiment,
                    const char *notes, enum dsession_after after, char *why, size_t whyn);
/* Drops the waiting call's record (nothing is logged; the entry stays due in Salesloft) and
 * dials on. EALREADY when nothing waits. */
int dsession_discard(struct dsession *d);

/* Bumped with every change a face may draw. */
uint64_t dsession_changes(const struct dsession *d);
/* Copies the session's state now (a zeroed LOADING snapshot for NULL d). */
void dsession_snapshot(const struct dsession *d, struct dsession_snapshot *out);
/* Copies entries from..from+n-1 into out; how many were copied. */
size_t dsession_entries(const struct dsession *d, size_t from, struct dsession_entry *out,
                        size_t n);

/* ---- pure helpers (no session, no I/O): the session's rules, for its tests and faces ---- */

/* The line count in force: the rep's, or line control's advice when control is on and it is
 * lower (0 = no advice yet); never below 1. */
unsigned dsession_lines_in_force(unsigned rep, unsigned advised, bool control);
/* Fills s->connect_rate (connects / dials) and s->dials_per_hour (dials over elapsed_ms, taken
 * as at least a minute) from the counts in s. */
void dsession_figures(struct dsession_stats *s);
/* Whether a wrap-up carries what the team requires: 0, or EINVAL with why. */
int dsession_required_check(bool disposition_required, bool sentiment_required,
                            const char *disposition, const char *sentiment, char *why, size_t whyn);

/* "loading", "ready", "dialing", "paused", "wrap-up", "done", "stopping", "stopped",
 * "failed"; "waiting", "dialing", "done", "skipped" ("?" out of range). */
const char *dsession_phase_name(enum dsession_phase ph);
const char *dsession_entry_state_name(enum dsession_entry_state s);

#endif

/*
 * sessview: what the dial session screen draws, and how. Private to src/ui.
 *
 * The view holds a copy of the session's state (dsession_snapshot), one compact row per entry
 * of the list, what each lane's last call ended as (from the pool's notes, as it happens), and
 * the card's person with their last calls from the store. sessview_fill() copies it all from
 * the session; the draw functions only read the view, so a frame never calls into the session
 * or the store. scr_session.c owns the session and the keys; this file owns the layout: the
 * header, the figures, the lanes, the queue and the card, at 80x24 and wider.
 */
#ifndef LOFTDIAL_UI_SESSVIEW_H
#define LOFTDIAL_UI_SESSVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <curses.h>

#include "loftdial/callhist.h"
#include "loftdial/dsession.h"

#include "screen.h"

#define SESSVIEW_CALLS 8 /* last calls kept for the card */

/* One entry of the list as the queue shows it. */
struct sessrow {
	enum dsession_entry_state state;
	int64_t person_id;
	char name[128], company[128], title[128];
	char number[64];
	char locale[64], account_locale[64]; /* for the local time */
	bool has_offset;
	int offset_min;
	char reason[160]; /* SKIPPED: why */
	unsigned line;    /* DIALING: its line */
	unsigned attempt; /* the last attempt's id */
	enum call_outcome outcome;
	char disposition[64];
};

/* What a lane's last call ended as, kept until the lane dials again. */
struct sesslane {
	unsigned attempt; /* 0: nothing yet */
	enum call_outcome outcome;
	bool live_dropped;
	char reason[128];
	char who[128];
	char number[POOL_INPUT_MAX + 1]; /* E.164, else the line as queued */
};

struct sessview {
	struct store *st;
	struct dsession_snapshot *snap;
	struct sessrow *rows;
	size_t nrows, cap;
	struct dsession_entry *chunk; /* copying buffer for dsession_entries */
	struct ui_list list;          /* the queue's selection */
	int queue_rows;               /* queue rows on screen */
	struct sesslane last[PHONE_LINES_MAX + 1];
	/* The card: the entry shown, and the person's last calls. */
	bool card;      /* the whole-body card is open (c, Enter) */
	bool card_sel;  /* it shows the selected row, not the person on the line */
	bool has_focus; /* focus is the entry of the card panel */
	size_t focus;
	struct dsession_entry *cardent;
	bool has_cardent;
	char work[512]; /* the cadence and step, or the task, with when it is due */
	struct callhist hist[SESSVIEW_CALLS];
	unsigned nhist;
	int64_t hist_person;
	unsigned hist_records; /* the session's record count when hist was read */
	/* The connected call's mute and hold, as the rep set them (reset with a new call). */
	bool muted, held;
	unsigned conn_attempt;
	time_t now;        /* the clock for local times */
	int height, width; /* the body's size */
	bool filled;       /* a session's state has been copied at least once */
};

int sessview_init(struct sessview *v, struct store *st);
void sessview_free(struct sessview *v);
/* Copies the session's state (d may be NULL: nothing to copy). */
void sessview_fill(struct sessview *v, const struct dsession *d);
/* The selection moved: the card follows it (when the screen shows the selected one). */
void sessview_refocus(struct sessview *v, const struct dsession *d);
/* Copies the figures only (the talk time runs on while nothing else changes). */
void sessview_fill_figures(struct sessview *v, const struct dsession *d);
/* A pool note, as it happens: an ended attempt's outcome stays on its lane. */
void sessview_pool_note(struct sessview *v, const struct pool_note *n);
/* The body size changed. */
void sessview_resize(struct sessview *v, int rows, int cols);
/* True while a call is live (a leg dialling, ringing or connected). */
bool sessview_live(const struct sessview *v);
/* Opens the whole-body card: of the selected row (sel) or the person on the line, else the
 * selected row. Returns whether there is anything to show. */
bool sessview_card_open(struct sessview *v, const struct dsession *d, bool sel);
/* The entry s skips: the one the preview shows, else the selected row. */
bool sessview_skip_target(const struct sessview *v, size_t *i);
/* The "name" of a stored record (a cadence), "" when the store has none. */
void sessview_record_name(struct store *st, enum store_obj obj, int64_t id, char *out, size_t n);
/* Draws the screen; keys is the hint line (the screen's keys from the keymap). */
void sessview_draw(const struct ui *ui, const struct sessview *v, WINDOW *w, int rows, int cols,
                   const char *keys);

#endif

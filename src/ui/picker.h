/*
 * picker: the disposition picker, the screen a rep logs a call with (src/ui/scr_picker.c).
 * Private to src/ui.
 *
 * A screen that has a call to log (the dial session when a connected call ends) fills a
 * struct picker_req and opens the picker with picker_open(), then returns UI_PUSH from a key
 * handler or, from anywhere else (a session's note), calls ui_react(ui, UI_PUSH). The picker shows
 * the call, the team's dispositions and sentiments from the store (each on one key) and a notes
 * editor. When the rep chooses, it calls req.done with what was chosen; done returns 0 and the
 * picker closes, or an errno value and a sentence (a refusal from Salesloft's rules, a name the
 * team lacks) that the picker shows while it stays open, so nothing typed is lost. The picker
 * itself refuses to log without a disposition or a sentiment the request says the team requires.
 *
 * Opened without a request (`:picker`), it offers the last connected call in the store that
 * has no record yet (a wrap-up interrupted by a crash or a closed session) and logs it to the
 * outbox itself.
 */
#ifndef LOFTDIAL_UI_PICKER_H
#define LOFTDIAL_UI_PICKER_H

#include <stdbool.h>
#include <stddef.h>

#include "loftdial/attempts.h"
#include "loftdial/callrec.h"

struct ui;

/* What the rep chose. */
enum picker_action {
	PICKER_LOG_NEXT,  /* log the call and dial on */
	PICKER_LOG_PAUSE, /* log the call and pause dialling */
	PICKER_DISCARD,   /* log nothing (the rep confirmed) */
	PICKER_CLOSED,    /* the picker closed without a choice (the TUI quit, a screen opened
	                   * from it closed it); done's return is ignored */
};

struct picker_result {
	enum picker_action action;
	const char *disposition; /* the team's spelling, "" = none */
	const char *sentiment;   /* "" = none */
	const char *notes;       /* clean UTF-8 (newlines kept), "" = none */
};

/* Called once per choice. 0: the picker closes. Otherwise an errno value with a sentence in why
 * (whyn bytes): the picker stays open and shows it. May call picker_open() or ui_push() again
 * only after returning 0. */
typedef int(picker_done_h)(struct ui *ui, const struct picker_result *r, void *arg, char *why,
                           size_t whyn);

/* The call to log; copied by picker_open(). */
struct picker_req {
	char who[256];                        /* the person's name ("" unknown) */
	char number[ATTEMPTS_NUMBER_MAX + 1]; /* the number dialled (attempts.h) */
	unsigned duration_s;                  /* talk time */
	enum callrec_kind kind; /* CALLREC_CONNECTED, or a non-person outcome the rep opened */
	char disposition[CALLREC_NAME_MAX]; /* pre-filled ("" none) */
	char sentiment[CALLREC_NAME_MAX];
	char notes[CALLREC_NOTES_MAX];
	bool disposition_required, sentiment_required; /* the team's rules */
	char error[256]; /* shown when the picker opens ("" none): a previous refusal */
	bool edit;       /* correcting a record already in the outbox (the Outbox screen): the keys
	                  * save and cancel instead of logging and discarding */
	picker_done_h *done;
	void *arg; /* for done; must stay valid while the picker is open */
};

/* Asks the manager to open the picker on req (the caller returns UI_PUSH, or calls
 * ui_react(ui, UI_PUSH) outside a key handler). 0, or ENOMEM. */
int picker_open(struct ui *ui, const struct picker_req *req);

#endif

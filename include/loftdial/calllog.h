/*
 * calllog: the call history the Calls screen shows, newest first, from the three places the
 * store keeps calls: the dial attempts (table dial_attempts: every leg the dialer placed,
 * with its outcome), the calls loftdial logged through the outbox (kind "call": the
 * disposition, sentiment and notes the rep gave, and the record's state) and the calls synced
 * from Salesloft (sl_calls: calls logged elsewhere).
 *
 * A logged record belongs to the attempt it wraps up: the latest attempt to the same person
 * (or, for a record without a person, to the same number) that started before the record was
 * made; that attempt's row then carries the record's fields. A record with no such attempt
 * is a row of its own, and so is a synced call, unless an outbox record created it (its remote
 * id), which shows it already.
 *
 * calllog_stamp() is the change seam: a value that moves when any connection committed to the
 * file (PRAGMA data_version) or this connection changed rows, so a face re-reads the history
 * only when it may have changed, never on every frame.
 */
#ifndef LOFTDIAL_CALLLOG_H
#define LOFTDIAL_CALLLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "loftdial/attempts.h"
#include "loftdial/store.h"

#define CALLLOG_NOTES_MAX 512

/* One call. Strings are "" when unknown, cut to their buffer, and hostile (sanitize before
 * drawing). */
struct calllog {
	int64_t attempt_id; /* the dial attempt, 0 for a call the dialer did not place here */
	int64_t outbox_id;  /* the logged record, 0 when none */
	int64_t call_id;    /* Salesloft's id (0 while a record is not sent) */
	int64_t person_id;  /* 0 when unknown */
	int64_t at;         /* unix seconds: the attempt's start, else the record's creation */
	char person[128];   /* the person's name from the synced people */
	char number[ATTEMPTS_NUMBER_MAX + 1]; /* the attempt's (attempts.h), or the call's */
	char outcome[24];   /* the attempt's outcome (attempts.h), "" for no attempt or one live */
	bool live;          /* an attempt with no outcome yet */
	int64_t duration_s; /* talk time: answered to ended, else the record's duration */
	char disposition[128];
	char sentiment[128];
	char notes[CALLLOG_NOTES_MAX];
	char state[16]; /* the record's state ("queued", "sent", "failed", ...), "synced" for a
	                 * call only Salesloft had, "" for an attempt nothing was logged for */
};

/* Which calls: since and until are unix seconds (0: no bound; until excluded); outcome is ""
 * for every call or one of the attempts' outcomes (then only attempts with it); limit 0 means
 * 500. */
struct calllog_query {
	int64_t since, until;
	const char *outcome;
	unsigned limit;
};

/* Calls cb for each call matching q (NULL: every call), newest first. A non-zero return
 * from cb stops the walk and is returned. EINVAL for a NULL store or callback or an outcome
 * that is not one of the attempts'. The callback may use the store. */
typedef int(calllog_each_h)(const struct calllog *c, void *arg);
int calllog_list(struct store *st, const struct calllog_query *q, calllog_each_h *cb, void *arg);

/* The change stamp (see above) into *stamp: 0 or an errno value. Equal stamps mean nothing
 * was committed to the file since. */
int calllog_stamp(struct store *st, uint64_t *stamp);

#endif

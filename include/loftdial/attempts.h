/*
 * attempts: every dial attempt the dialer makes (table dial_attempts).
 *
 * One row per leg: the number, the line, when it started, rang, was answered and ended (unix
 * milliseconds, 0 = not reached), the final SIP code and reason, the outcome, whether a live
 * answer had to be dropped (no agent free: the abandonment that regulators count) and what
 * answering-machine detection said. The dialer reads back the rolling abandonment rate and
 * how often a number failed lately (to park bad numbers).
 */
#ifndef LOFTDIAL_ATTEMPTS_H
#define LOFTDIAL_ATTEMPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "loftdial/store.h"

/* Valid outcome texts (outcome "" means the attempt is still in progress). */
#define ATTEMPT_OUTCOMES                                                                           \
	"connected|busy|no_answer|rejected|invalid_number|network|voicemail|cancelled|failed"

/* The longest number an attempt keeps: what the dialer dials is an E.164 number, or a dial
 * list's line as it was (a SIP URI of up to DIALPLAN_URI_MAX, POOL_INPUT_MAX), kept whole so
 * a record and the parking of bad numbers match the number exactly (poolcfg.c checks the
 * sizes agree). */
#define ATTEMPTS_NUMBER_MAX 256

struct attempt {
	int64_t id;          /* set by attempts_insert() */
	char session_id[64]; /* the dial session this leg belongs to */
	int line;            /* 1..9 */
	/* E.164 as dialled, else the line as queued (a SIP URI) */
	char number[ATTEMPTS_NUMBER_MAX + 1];
	int64_t person_id;     /* 0 = none (NULL in the table) */
	int64_t task_id;       /* 0 = none */
	int64_t action_id;     /* 0 = none */
	int64_t started_at_ms; /* INVITE sent */
	int64_t ringing_at_ms; /* 180/183 seen, 0 = never */
	int64_t answered_at_ms;
	int64_t ended_at_ms;
	int sip_code;     /* final SIP status, 0 = none */
	char reason[128]; /* SIP reason phrase or local reason */
	char outcome[24]; /* one of ATTEMPT_OUTCOMES, or "" while in progress */
	bool live_answer_dropped;
	char amd[24];      /* "human", "machine", "unknown", "" = not run */
	int64_t user_id;   /* the rep's Salesloft user id, 0 = unknown */
	char campaign[64]; /* what the abandonment share is counted per ("cadence:12"), "" */
	bool ident_played; /* the identification message was played to a dropped live answer */
	char zone[200];    /* the prospect's zone(s) when dialled (gates.h), "" = unknown */
	int local_min;     /* the prospect's local minute of day at start; only with a zone */
};

/* True when s is "" or one of ATTEMPT_OUTCOMES. */
bool attempts_outcome_valid(const char *s);

/* Inserts a (usually just started) attempt and sets a->id. EINVAL for a bad outcome or an
 * empty number or one that fills a->number without its end (never stored cut). */
int attempts_insert(struct store *st, struct attempt *a);
/* Rewrites every field of the attempt a->id. ENOENT when absent, EINVAL for a bad outcome. */
int attempts_update(struct store *st, const struct attempt *a);
/* Reads one attempt; ENOENT when absent. */
int attempts_get(struct store *st, int64_t id, struct attempt *out);

/* Abandonment over attempts started at or after since_ms: *live_answers = attempts answered
 * by a person (outcome connected, or a dropped live answer); *rate = dropped live answers /
 * live answers (0 when there were none). Either pointer may be NULL. */
int attempts_abandon_rate(struct store *st, int64_t since_ms, double *rate, int64_t *live_answers);

/* Live answers and dropped live answers since since_ms, for one rep (user_id > 0) and/or one
 * campaign (campaign non-NULL), or all of them (0 / NULL). */
int attempts_abandon_counts(struct store *st, int64_t since_ms, int64_t user_id,
                            const char *campaign, int64_t *live, int64_t *dropped);

/* One row of the compliance report: the attempts of one rep on one campaign. */
struct attempts_report_row {
	int64_t user_id; /* 0 = unknown */
	char campaign[64];
	int64_t dials, live, dropped, ident_played;
	int64_t outside_hours; /* dialled at a local time outside [open_min, close_min) */
	int64_t no_zone;       /* dialled with no zone known (hours not provable) */
};
typedef int(attempts_report_h)(const struct attempts_report_row *r, void *arg);
/* Calls cb per (user, campaign) over attempts started at or after since_ms, ordered by user
 * and campaign; hours are judged against [open_min, close_min) minutes of local day. */
int attempts_report(struct store *st, int64_t since_ms, unsigned open_min, unsigned close_min,
                    attempts_report_h *cb, void *arg);

/* How many attempts to number since since_ms ended in a bad-number outcome (invalid_number,
 * network or failed), for parking numbers that keep failing. */
int attempts_number_recent_bad(struct store *st, const char *number, int64_t since_ms, int *count);

/* Calls cb for the attempts started at or after since_ms, newest first, at most limit (0 = no
 * limit). A non-zero return from cb stops and is returned. */
typedef int(attempts_each_h)(const struct attempt *a, void *arg);
int attempts_list(struct store *st, int64_t since_ms, unsigned limit, attempts_each_h *cb,
                  void *arg);

#endif

/*
 * numdial: a plain list of numbers dialled through the same gates as a Salesloft list, the core
 * of `loftdial dial --numbers FILE`.
 *
 * Each number (a line of the file: a phone number or a sip:/sips: URI) is checked when it is
 * added and again right before its INVITE, through the pool's pre_dial hook, because the clock
 * moves while the list is dialled. The gates are gates.h's: the calling hours in the number's
 * zone (the zone of the person the store knows with that number, else the zones its country
 * and area code say (phonetz.h), else dial.no_zone: skip, or the rep's zone; a SIP URI is
 * the +number its user part spells, and without one has no number and so no zone of its own),
 * do-not-contact, contact restrictions and skip tags of a person the store has with that number,
 * the number parked after repeated bad outcomes, and once per run (dial.redial, or the rep's
 * redial, allows another). A line that cannot be read as a number at all passes through to the
 * pool, which records it as never dialled (invalid). A refused number is never dialled: the face is
 * told why (NUMDIAL_EV_SKIPPED).
 *
 * Every ended attempt is saved in the store (dial_attempts) with the person, the zone and the
 * local minute it was dialled at, so `loftdial report` can show the calls kept within hours.
 */
#ifndef LOFTDIAL_NUMDIAL_H
#define LOFTDIAL_NUMDIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "loftdial/gates.h"
#include "loftdial/pool.h"

struct config;
struct store;
struct numdial;

struct numdial_opts {
	unsigned lines;       /* phone lines, 1-9 (0: dial.lines) */
	unsigned talk_s;      /* hang up a connected call after this (0: never) */
	const char *data_dir; /* the engines' folders (paths.data_dir) */
	time_t now;           /* the gates' clock at the start (0: the real one); it runs on */
};

/* A number the gates refused; it is not dialled. */
struct numdial_skip {
	unsigned file_line; /* the line of the file (numdial_add's) */
	const char *input;  /* the line as given */
	const char *number; /* its E.164 form, else the URI */
	enum gates_why why; /* which gate */
	const char *reason; /* in words */
	const char *zone;   /* the zone(s) the hours were judged in, "" none */
	int64_t person_id;  /* the person the store has with that number, 0 none */
	bool at_dial;       /* refused right before its INVITE (else when added) */
};

enum numdial_ev {
	NUMDIAL_EV_POOL,    /* a pool note (pool) */
	NUMDIAL_EV_SKIPPED, /* a number refused by the gates (skip) */
};

struct numdial_note {
	enum numdial_ev ev;
	const struct pool_note *pool;
	const struct numdial_skip *skip;
};

typedef void(numdial_h)(const struct numdial_note *n, void *arg);

/* A run over the store (persons, parked numbers, the attempts saved) and the config. Nothing
 * starts yet. EINVAL with why for bad gate settings (dial.calling_hours, dial.rep_zone...). */
int numdial_new(struct numdial **np, struct store *st, const struct config *cfg,
                const struct numdial_opts *o, numdial_h *h, void *arg, char *why, size_t whyn);
/* Frees the run and its pool (engines still running are killed). NULL is fine. */
void numdial_free(struct numdial *nd);

/* Adds one line of the file and checks the gates at once: a refusal is told
 * (NUMDIAL_EV_SKIPPED) and the number is not dialled. 0, or ENOMEM / an errno of the store. */
int numdial_add(struct numdial *nd, const char *line, unsigned file_line);
/* Numbers added and waiting for their INVITE (neither dialled nor refused yet). */
unsigned numdial_waiting(const struct numdial *nd);
/* Numbers refused by the gates so far (when added or before their INVITE). */
unsigned numdial_skipped(const struct numdial *nd);

/* Starts the engines and dials what waits (the loop must be running). EINVAL with why when
 * the pool cannot start; EALREADY when started. */
int numdial_start(struct numdial *nd, char *why, size_t whyn);
/* Stops dialling and hangs up; POOL_EV_STOPPED follows (nothing happens when never started). */
void numdial_stop(struct numdial *nd);
/* The pool while started (for the controls: hang up, mute, hold, DTMF), else NULL. */
struct pool *numdial_pool(const struct numdial *nd);
/* Dials the last ended number again: the once-per-run gate lets it through, the others do
 * not. ENOENT when nothing ended yet. */
int numdial_redial(struct numdial *nd);

/* Sets the gates' clock to now (unix seconds), running on from here: a face on a virtual
 * clock, and tests that move the clock between the queue and the INVITE. */
void numdial_set_clock(struct numdial *nd, time_t now);
/* The gates' clock now. */
time_t numdial_now(const struct numdial *nd);

#endif

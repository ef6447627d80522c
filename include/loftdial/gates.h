/*
 * gates: whether a person may be called on a number now, checked before every INVITE.
 *
 * In order: do_not_contact; contact_restrictions containing "call"; a tag the team set to
 * skip (dial.skip_tags); the calling hours in the prospect's own zone (dial.calling_hours,
 * default 08:00-21:00); the number parked after repeated bad outcomes (dial.park_after in
 * dial.park_days); the number already dialled in this session (unless dial.redial). Every
 * refusal carries a reason in words, so the list, the TUI and the record can say why.
 *
 * The zone is the person's `locale` (a tz database name), else their `locale_utc_offset`,
 * else their account's `locale`, else every zone the phone number may be in (phonetz.h; all
 * of them must be in hours), else dial.no_zone: skip, or use the rep's zone (dial.rep_zone,
 * empty = this machine's zone). gates_check_person() is pure apart from reading zoneinfo;
 * gates_check() adds the parked-number and per-session checks, which need the store.
 */
#ifndef LOFTDIAL_GATES_H
#define LOFTDIAL_GATES_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "loftdial/config.h"
#include "loftdial/contacts.h"
#include "loftdial/store.h"
#include "loftdial/tzone.h"

#define GATES_TAGS_MAX 16
#define GATES_TAG_LEN  64

/* Default hours, in minutes after local midnight: the TSR's 8 am - 9 pm. */
#define GATES_OPEN_MIN  (8 * 60)
#define GATES_CLOSE_MIN (21 * 60)

enum gates_nozone { GATES_NOZONE_SKIP, GATES_NOZONE_REP };

struct gates_cfg {
	unsigned open_min, close_min; /* may call from open (inclusive) to close (exclusive) */
	char skip_tags[GATES_TAGS_MAX][GATES_TAG_LEN];
	unsigned ntags;
	enum gates_nozone no_zone;
	char rep_zone[TZONE_NAME_MAX]; /* "" = this machine's local zone */
	unsigned park_after;           /* bad outcomes that park a number; 0 = never */
	unsigned park_days;            /* the window they are counted in */
	bool redial;                   /* the same number may be dialled twice in a session */
};

enum gates_why {
	GATES_OK = 0,
	GATES_DNC,        /* do_not_contact */
	GATES_RESTRICTED, /* contact_restrictions has "call" */
	GATES_TAG,        /* a skip tag */
	GATES_HOURS,      /* outside calling hours in the prospect's zone */
	GATES_NO_ZONE,    /* no zone known and dial.no_zone is skip */
	GATES_NO_NUMBER,  /* nothing to dial */
	GATES_PARKED,     /* the number failed too often lately */
	GATES_DIALLED,    /* already dialled in this session */
};

/* Where the zone used for the hours came from. */
enum gates_zsrc {
	GATES_ZONE_NONE = 0,
	GATES_ZONE_PERSON,  /* the person's locale */
	GATES_ZONE_OFFSET,  /* the person's locale_utc_offset */
	GATES_ZONE_ACCOUNT, /* the account's locale */
	GATES_ZONE_NUMBER,  /* the phone number's country/area code */
	GATES_ZONE_REP,     /* dial.no_zone rep */
};

/* What the gates look at. Any pointer may be NULL (= empty). Text is hostile: it is only
 * compared, never printed raw (the reason quotes at most a sanitised tag). */
struct gates_subject {
	bool do_not_contact;
	const char *contact_restrictions; /* JSON array text, e.g. ["call","email"] */
	const char *tags;                 /* JSON array text of tag names */
	const char *locale;               /* the person's tz name */
	bool has_utc_offset;
	int utc_offset_min;
	const char *account_locale; /* the account's tz name */
	const char *number;         /* E.164 to dial */
};

struct gates_verdict {
	enum gates_why why; /* GATES_OK: may dial */
	enum gates_zsrc zsrc;
	char zone[200]; /* the zone(s) used, "UTC-03:30" for an offset, "" none */
	int local_min;  /* local time of day in the (first) zone, minutes; -1 unknown */
	char text[200]; /* the reason in words ("" when OK) */
};

/* Points s at a stored contact's fields (c must outlive s) and the number to dial. */
void gates_subject_from_contact(struct gates_subject *s, const struct contact *c,
                                const char *number);

/* The defaults: 08:00-21:00, no tags, skip without a zone, park after 3 in 30 days. */
void gates_cfg_default(struct gates_cfg *gc);
/* Reads dial.calling_hours, dial.skip_tags, dial.no_zone, dial.rep_zone, dial.park_after,
 * dial.park_days and dial.redial. EINVAL with a reason for hours that do not parse or reach
 * outside 08:00-21:00, or a rep zone this machine does not know. */
int gates_cfg_from_config(struct gates_cfg *gc, const struct config *cfg, char *why, size_t whyn);
/* Parses "HH:MM-HH:MM" (open before close, both within 00:00-24:00). */
int gates_hours_parse(const char *s, unsigned *open_min, unsigned *close_min);
/* Splits a comma-separated tag list into gc->skip_tags (blanks trimmed). E2BIG for too many
 * or too long tags. */
int gates_tags_parse(struct gates_cfg *gc, const char *list);

/* DNC, restrictions, tags, number present, hours at time now. */
void gates_check_person(const struct gates_cfg *gc, const struct gates_subject *s, time_t now,
                        struct gates_verdict *v);

/* A dial session's gates: the configuration, the store for parked numbers, and the numbers
 * dialled so far. */
struct gates;
int gates_new(struct gates **gp, const struct gates_cfg *gc, struct store *st);
void gates_free(struct gates *g);
/* Every gate. 0 with v filled (v->why says yes or no), or an errno from the store. */
int gates_check(struct gates *g, const struct gates_subject *s, time_t now,
                struct gates_verdict *v);
/* Notes that number was dialled in this session. */
int gates_dialled(struct gates *g, const char *number);

/* A short name for a reason ("dnc", "restricted", "tag", "hours", ...). */
const char *gates_why_name(enum gates_why why);
const char *gates_zsrc_name(enum gates_zsrc src);

#endif

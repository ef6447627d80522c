/*
 * contacts: what the dialer shows about a person, and the contact search.
 *
 * Search runs over an FTS5 index (table contacts_fts) of names, company, title, email and
 * phones. Triggers on sl_people keep it current, so every path that writes people (sync,
 * webhooks, read-after-write) maintains it without calling anything here. The user's query
 * is plain text: each word is matched as a whole word or a prefix, every word must match, and no
 * character of the query is treated as FTS syntax.
 */
#ifndef LOFTDIAL_CONTACTS_H
#define LOFTDIAL_CONTACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loftdial/store.h"

/* One contact as the dialer shows it. Strings are "" when the field is NULL, truncated to
 * the buffer, and hostile: sanitize before drawing (text_sanitize). */
struct contact {
	int64_t id;
	char first_name[128];
	char last_name[128];
	char display_name[256];
	char company[256]; /* person_company_name, or the account's name when that is empty */
	char title[256];
	char email[320];
	char phone[64];
	char phone_extension[32];
	char mobile_phone[64];
	char home_phone[64];
	char locale[64];     /* e.g. "US/Eastern", "" when unknown */
	bool has_utc_offset; /* locale_utc_offset known */
	int utc_offset_min;  /* locale_utc_offset in minutes */
	bool do_not_contact;
	char contact_restrictions[256]; /* JSON array text, e.g. ["call","email"], "" = none */
	bool no_call;                   /* contact_restrictions contains "call" */
	int64_t account_id;             /* 0 = none */
	int64_t owner_id;               /* 0 = none */
	bool deleted;
	char tags[1024];         /* JSON array text of tag names (may be cut short), "" = none */
	char account_locale[64]; /* the account's tz name, "" when unknown */
};

/* Reads one person (deleted ones too, with deleted set); ENOENT when absent. */
int contacts_get(struct store *st, int64_t id, struct contact *out);

/* Calls cb for up to limit live contacts matching query, best match first: every word a whole
 * name word, then whole words anywhere, then name prefixes, then prefixes anywhere, id order
 * within each (docs/schema.md); the cost follows limit, not the number of matches. An empty or
 * all-punctuation query matches nothing (0, no calls). Hostile input ('"', '*', "NEAR(",
 * "AND", control characters) is searched for as text and never errors. A non-zero return
 * from cb stops the search and is returned. The callback may use the store. */
typedef int(contacts_each_h)(const struct contact *c, void *arg);
int contacts_search(struct store *st, const char *query, size_t limit, contacts_each_h *cb,
                    void *arg);

/* Builds the FTS5 MATCH expression for a plain-text query into out: each word w becomes
 * ("w" OR "w"*) with inner quotes doubled, and the groups are ANDed. Returns ENOENT when the query
 * has no searchable word, E2BIG when out is too small. Exposed for tests and for tools that query
 * contacts_fts themselves. */
int contacts_fts_query(const char *query, char *out, size_t n);

/* Calls cb for up to limit live contacts (id order) with a phone (phone, mobile, home) whose
 * digits before any extension ("x12", "ext. 12", ";ext=12", "#12", ",12") end in the last
 * seven of digits (7 to 15 ASCII digits; anything else finds nobody and returns 0). A candidate,
 * not a match: the caller reads each phone as a number to confirm it (numbers.h). A non-zero return
 * from cb stops and is returned; cb may use the store. */
int contacts_by_phone(struct store *st, const char *digits, size_t limit, contacts_each_h *cb,
                      void *arg);

/* Rebuilds contacts_fts from sl_people (repair; normally the triggers keep it current). */
int contacts_reindex(struct store *st);

#endif

/*
 * cursor: the updated_at cursor poller's arithmetic, kept apart from I/O so it can be tested
 * with tables of pages.
 *
 * A position is the cursor text (a record's updated_at, verbatim) and a mode in `page`:
 *   page 0   next request: updated_at[gte]=cursor (the boundary rows are read again; the
 *            upsert by id makes that harmless)
 *   page N>1 same-timestamp fallback: more than one page of records share the cursor's exact
 *            microsecond, so the cursor cannot move; page through exactly that instant with
 *            updated_at[gte]=T&updated_at[lte]=T&page=N
 *   page -1  that instant is done: updated_at[gt]=cursor, then back to page 0
 * Without the fallback a cluster of more than per_page records with one updated_at would
 * return the same page forever.
 */
#ifndef LOFTDIAL_CURSOR_H
#define LOFTDIAL_CURSOR_H

#include <stddef.h>

#include "loftdial/sldecode.h"
#include "loftdial/slurl.h"
#include "loftdial/syncstate.h"

#define CURSOR_PER_PAGE 100

struct cursor_pos {
	char cursor[SYNCSTATE_TEXT]; /* "" = from the beginning */
	int page;
};

enum cursor_next {
	CURSOR_MORE, /* ask again with the new position */
	CURSOR_DONE, /* caught up: the position is where the next run starts */
	CURSOR_BAD   /* the page cannot be used (msg says why); the position is unchanged */
};

/* Appends sort, per_page and the cursor filter for pos to a list URL. */
void cursor_query(struct slurl *u, const struct cursor_pos *pos);

/* Computes the position after page pg answered the query for *pos, and whether more pages
 * follow. per_page is what was asked (the page's echoed per_page wins when present). */
enum cursor_next cursor_advance(struct cursor_pos *pos, const struct sldecode_page *pg,
                                int per_page, char *msg, size_t n);

#endif

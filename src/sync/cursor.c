/*
 * cursor: the next position of an updated_at cursor poller, given the page just read.
 *
 * Timestamps are compared as instants (records_parse_time), not as text: one instant may be
 * written with different UTC offsets by different records, and "the whole page is one
 * instant" must still be recognised. The cursor itself stays the server's text, verbatim.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "loftdial/cursor.h"
#include "loftdial/records.h"
#include "loftdial/text.h"

void cursor_query(struct slurl *u, const struct cursor_pos *pos)
{
	slurl_add(u, "sort_by", "updated_at");
	slurl_add(u, "sort_direction", "ASC");
	slurl_addi(u, "per_page", CURSOR_PER_PAGE);
	if (!pos->cursor[0])
		return;
	if (pos->page > 1) {
		slurl_add(u, "updated_at[gte]", pos->cursor);
		slurl_add(u, "updated_at[lte]", pos->cursor);
		slurl_addi(u, "page", pos->page);
	} else if (pos->page < 0) {
		slurl_add(u, "updated_at[gt]", pos->cursor);
	} else {
		slurl_add(u, "updated_at[gte]", pos->cursor);
	}
}

/* Sets the cursor text; false when it does not fit. */
static bool set_cursor(struct cursor_pos *pos, const char *ts)
{
	return !text_copy(pos->cursor, sizeof(pos->cursor), ts);
}

enum cursor_next cursor_advance(struct cursor_pos *pos, const struct sldecode_page *pg,
                                int per_page, char *msg, size_t n)
{
	int64_t first_us, last_us;
	int full;

	if (!pos || !pg || !msg || !n)
		return CURSOR_BAD;
	msg[0] = '\0';
	full = pg->per_page > 0 ? (int)pg->per_page : per_page;
	if (pos->page > 1) {
		/* Paging through one instant: done when a page comes back short. */
		if (pg->count < full) {
			pos->page = -1;
			return CURSOR_MORE;
		}
		pos->page++;
		return CURSOR_MORE;
	}
	if (pg->count == 0)
		return CURSOR_DONE;
	if (!pg->first_updated_at || !pg->last_updated_at ||
	    records_parse_time(pg->first_updated_at, &first_us) ||
	    records_parse_time(pg->last_updated_at, &last_us)) {
		snprintf(msg, n, "a record has no usable updated_at; the cursor cannot move");
		return CURSOR_BAD;
	}
	if (last_us < first_us) {
		snprintf(msg, n, "the page is not sorted by updated_at ascending");
		return CURSOR_BAD;
	}
	if (strlen(pg->last_updated_at) >= sizeof(pos->cursor)) {
		snprintf(msg, n, "an updated_at value is too long to keep as the cursor");
		return CURSOR_BAD;
	}
	if (pg->count >= full && first_us == last_us) {
		/* A whole page of one instant: page through it, then continue after it. */
		set_cursor(pos, pg->last_updated_at);
		pos->page = 2;
		return CURSOR_MORE;
	}
	set_cursor(pos, pg->last_updated_at);
	pos->page = 0;
	/* Only a short page ends the run: next_page is not trusted on cursor queries, so an
	 * exactly full last page costs one more (empty) request rather than a risk of loss. */
	if (pg->count < full)
		return CURSOR_DONE;
	return CURSOR_MORE;
}

/*
 * editline: the TUI's text field (see editline.h). It owns the text, the cursor, the layout
 * of the text into rows of display columns, and the collection of a bracketed paste.
 *
 * The text is always in its shown form (sanitized, clusters normalised by twidth), so every
 * cluster boundary found by walking it with twidth_next() is one the screen agrees with, and
 * an edit at a boundary never makes two clusters one: a line never starts with a mark. Texts
 * are a few kilobytes, so moves that need the previous boundary walk the line from its start.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "loftdial/text.h"
#include "loftdial/twidth.h"

#include "editline.h"

struct editline {
	char *buf; /* max + 1 bytes */
	size_t len, cur, max;
	bool multiline;
	/* The last layout: row i is buf[row_off[i]] for row_len[i] bytes. */
	size_t *row_off, *row_len;
	size_t nrows, rows_cap, lcols, top;
	/* A bracketed paste being collected. */
	bool pasting, paste_over;
	char *paste;
	size_t plen, pcap;
};

int editline_new(struct editline **ep, size_t max, bool multiline)
{
	struct editline *e;

	if (!ep || max == 0 || max > (1u << 24))
		return EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return ENOMEM;
	e->buf = calloc(1, max + 1);
	/* A paste may carry escape sequences and marks that cleaning drops: room for more. */
	e->pcap = max * 4 + 64;
	e->paste = malloc(e->pcap);
	if (!e->buf || !e->paste) {
		editline_free(e);
		return ENOMEM;
	}
	e->max = max;
	e->multiline = multiline;
	*ep = e;
	return 0;
}

void editline_free(struct editline *e)
{
	if (!e)
		return;
	free(e->buf);
	free(e->paste);
	free(e->row_off);
	free(e->row_len);
	free(e);
}

const char *editline_text(const struct editline *e)
{
	return e->buf;
}

size_t editline_len(const struct editline *e)
{
	return e->len;
}

size_t editline_max(const struct editline *e)
{
	return e->max;
}

size_t editline_cursor(const struct editline *e)
{
	return e->cur;
}

bool editline_pasting(const struct editline *e)
{
	return e->pasting;
}

/* ---- clusters ---- */

/* Bytes of the cluster at s (a newline is one of its own, width 0); *w its columns. */
static size_t clus(const char *s, size_t *w)
{
	size_t n;

	if (*s == '\n') {
		if (w)
			*w = 0;
		return 1;
	}
	n = twidth_next(s, w);
	return n ? n : 1;
}

/* Start of the line that holds pos. */
static size_t line_start(const struct editline *e, size_t pos)
{
	while (pos > 0 && e->buf[pos - 1] != '\n')
		pos--;
	return pos;
}

/* End of the line that holds pos (its newline or the end of the text). */
static size_t line_end(const struct editline *e, size_t pos)
{
	while (pos < e->len && e->buf[pos] != '\n')
		pos++;
	return pos;
}

static size_t next_boundary(const struct editline *e, size_t pos)
{
	if (pos >= e->len)
		return e->len;
	pos += clus(e->buf + pos, NULL);
	return pos > e->len ? e->len : pos;
}

static size_t prev_boundary(const struct editline *e, size_t pos)
{
	size_t p, last;

	if (pos == 0)
		return 0;
	if (e->buf[pos - 1] == '\n')
		return pos - 1;
	p = last = line_start(e, pos);
	while (p < pos) {
		last = p;
		p += clus(e->buf + p, NULL);
	}
	return last;
}

/* Blanks and ASCII punctuation separate words; every other character is part of one. */
static bool is_sep(const struct editline *e, size_t pos)
{
	unsigned char c = (unsigned char)e->buf[pos];

	if (c >= 0x80)
		return false;
	return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	         c == '_');
}

static size_t word_right(const struct editline *e, size_t pos)
{
	while (pos < e->len && is_sep(e, pos))
		pos = next_boundary(e, pos);
	while (pos < e->len && !is_sep(e, pos))
		pos = next_boundary(e, pos);
	return pos;
}

static size_t word_left(const struct editline *e, size_t pos)
{
	while (pos > 0 && is_sep(e, prev_boundary(e, pos)))
		pos = prev_boundary(e, pos);
	while (pos > 0 && !is_sep(e, prev_boundary(e, pos)))
		pos = prev_boundary(e, pos);
	return pos;
}

/* Removes bytes [a, b) and leaves the cursor at a. */
static int cut(struct editline *e, size_t a, size_t b)
{
	if (b <= a)
		return EDITLINE_MOVED;
	memmove(e->buf + a, e->buf + b, e->len - b + 1);
	e->len -= b - a;
	e->cur = a;
	return EDITLINE_CHANGED;
}

/* ---- inserting ---- */

/* The shown form of src (sanitized text, NUL-terminated): each line through twidth_fit, which
 * keeps whole clusters and normalises them. A new string (never longer than src), or NULL. */
static char *normalise(const char *src, size_t *outlen)
{
	size_t n = strlen(src) + 1, o = 0;
	char *dst = malloc(n), *line = malloc(n);
	const char *p = src;

	if (!dst || !line) {
		free(dst);
		free(line);
		return NULL;
	}
	for (;;) {
		size_t l = strcspn(p, "\n");

		memcpy(line, p, l);
		line[l] = '\0';
		twidth_fit(dst + o, n - o, line, SIZE_MAX, 0);
		o += strlen(dst + o);
		if (!p[l])
			break;
		dst[o++] = '\n';
		p += l + 1;
	}
	dst[o] = '\0';
	free(line);
	*outlen = o;
	return dst;
}

int editline_insert(struct editline *e, const char *text, size_t len)
{
	char *raw = NULL, *clean = NULL, *joined = NULL, *shown = NULL;
	size_t clen, jlen, slen, keep, p, tail = e->len - e->cur;
	int res = EDITLINE_CHANGED;

	if (!text || len == 0)
		return EDITLINE_MOVED;
	raw = text_dupn(text, len);
	clean = malloc(len + 1);
	if (!raw || !clean) {
		res = EDITLINE_FULL;
		goto out;
	}
	clen = text_sanitize_lines(clean, len + 1, raw, false);
	if (!e->multiline)
		for (p = 0; p < clen; p++)
			if (clean[p] == '\n')
				clean[p] = ' ';
	/* The text before the cursor and the new text are normalised together, so a mark typed
	 * after a character joins it; the text after the cursor starts a cluster and stays. */
	jlen = e->cur + clen;
	joined = malloc(jlen + 1);
	if (!joined) {
		res = EDITLINE_FULL;
		goto out;
	}
	memcpy(joined, e->buf, e->cur);
	memcpy(joined + e->cur, clean, clen + 1);
	shown = normalise(joined, &slen);
	if (!shown) {
		res = EDITLINE_FULL;
		goto out;
	}
	keep = slen;
	if (slen + tail > e->max) {
		/* Keep the whole clusters that fit. */
		size_t limit = e->max - tail;

		keep = 0;
		for (p = 0; p < slen;) {
			size_t n = clus(shown + p, NULL);

			if (p + n > limit)
				break;
			p += n;
			keep = p;
		}
		res = EDITLINE_FULL;
	}
	if (keep == e->cur && !memcmp(shown, e->buf, keep) && res != EDITLINE_FULL) {
		res = EDITLINE_MOVED; /* nothing was left to insert */
		goto out;
	}
	memmove(e->buf + keep, e->buf + e->cur, tail + 1);
	memcpy(e->buf, shown, keep);
	e->len = keep + tail;
	e->cur = keep;
out:
	free(raw);
	free(clean);
	free(joined);
	free(shown);
	return res;
}

int editline_set(struct editline *e, const char *text)
{
	e->buf[0] = '\0';
	e->len = e->cur = e->top = 0;
	return editline_insert(e, text ? text : "", text ? strlen(text) : 0);
}

/* ---- layout ---- */

/* Starts visual row number e->nrows at off. */
static int add_row(struct editline *e, size_t off)
{
	if (e->nrows == e->rows_cap) {
		size_t cap = e->rows_cap ? e->rows_cap * 2 : 16;
		size_t *o = realloc(e->row_off, cap * sizeof(*o)), *l;

		if (!o)
			return ENOMEM;
		e->row_off = o;
		l = realloc(e->row_len, cap * sizeof(*l));
		if (!l)
			return ENOMEM;
		e->row_len = l;
		e->rows_cap = cap;
	}
	e->row_off[e->nrows] = off;
	e->row_len[e->nrows] = 0;
	e->nrows++;
	return 0;
}

/* Lays the text out cols wide into the row table; the cursor's row and column. */
static void relayout(struct editline *e, size_t cols, size_t *crow, size_t *ccol)
{
	size_t wrap = cols > 3 ? cols - 1 : 2, p = 0, col = 0, cr = 0, cc = 0, w, n;

	e->nrows = 0;
	e->lcols = cols;
	if (add_row(e, 0))
		goto done;
	while (p < e->len) {
		if (e->buf[p] == '\n') {
			if (p == e->cur) {
				cr = e->nrows - 1;
				cc = col;
			}
			e->row_len[e->nrows - 1] = p - e->row_off[e->nrows - 1];
			p++;
			if (add_row(e, p))
				goto done;
			col = 0;
			continue;
		}
		n = clus(e->buf + p, &w);
		if (col > 0 && col + w > wrap) {
			e->row_len[e->nrows - 1] = p - e->row_off[e->nrows - 1];
			if (add_row(e, p))
				goto done;
			col = 0;
		}
		if (p == e->cur) {
			cr = e->nrows - 1;
			cc = col;
		}
		col += w;
		p += n;
	}
	if (e->cur >= e->len) {
		cr = e->nrows - 1;
		cc = col;
	}
	e->row_len[e->nrows - 1] = e->len - e->row_off[e->nrows - 1];
done:
	*crow = cr;
	*ccol = cc;
}

size_t editline_layout(struct editline *e, size_t cols, size_t rows, size_t *top, size_t *crow,
                       size_t *ccol)
{
	size_t cr, cc;

	relayout(e, cols, &cr, &cc);
	if (rows == 0)
		rows = 1;
	if (cr < e->top)
		e->top = cr;
	if (cr >= e->top + rows)
		e->top = cr - rows + 1;
	if (e->top + rows > e->nrows)
		e->top = e->nrows > rows ? e->nrows - rows : 0;
	if (top)
		*top = e->top;
	if (crow)
		*crow = cr;
	if (ccol)
		*ccol = cc;
	return e->nrows;
}

const char *editline_row(const struct editline *e, size_t i, size_t *len)
{
	if (i >= e->nrows) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = e->row_len[i];
	return e->buf + e->row_off[i];
}

/* Moves to the column col (or the nearest boundary before it) of visual row r. */
static void goto_row(struct editline *e, size_t r, size_t col)
{
	size_t p = e->row_off[r], end = p + e->row_len[r], c = 0, w, n;

	while (p < end) {
		n = clus(e->buf + p, &w);
		if (c + w > col)
			break;
		c += w;
		p += n;
	}
	e->cur = p;
}

/* ---- commands and keys ---- */

int editline_cmd(struct editline *e, enum editline_cmd c)
{
	size_t cr, cc;

	switch (c) {
	case EDITLINE_LEFT:
		e->cur = prev_boundary(e, e->cur);
		return EDITLINE_MOVED;
	case EDITLINE_RIGHT:
		e->cur = next_boundary(e, e->cur);
		return EDITLINE_MOVED;
	case EDITLINE_WORD_LEFT:
		e->cur = word_left(e, e->cur);
		return EDITLINE_MOVED;
	case EDITLINE_WORD_RIGHT:
		e->cur = word_right(e, e->cur);
		return EDITLINE_MOVED;
	case EDITLINE_HOME:
		e->cur = line_start(e, e->cur);
		return EDITLINE_MOVED;
	case EDITLINE_END:
		e->cur = line_end(e, e->cur);
		return EDITLINE_MOVED;
	case EDITLINE_UP:
	case EDITLINE_DOWN:
		relayout(e, e->lcols ? e->lcols : 80, &cr, &cc);
		if (c == EDITLINE_UP ? cr == 0 : cr + 1 >= e->nrows)
			return EDITLINE_PASS;
		goto_row(e, c == EDITLINE_UP ? cr - 1 : cr + 1, cc);
		return EDITLINE_MOVED;
	case EDITLINE_BACKSPACE:
		return cut(e, prev_boundary(e, e->cur), e->cur);
	case EDITLINE_DELETE:
		return cut(e, e->cur, next_boundary(e, e->cur));
	case EDITLINE_KILL_WORD:
		return cut(e, word_left(e, e->cur), e->cur);
	case EDITLINE_KILL_START:
		return cut(e, line_start(e, e->cur), e->cur);
	case EDITLINE_KILL_END:
		/* At the end of a line, the line break goes: the next line joins this one. */
		if (line_end(e, e->cur) == e->cur && e->cur < e->len)
			return cut(e, e->cur, e->cur + 1);
		return cut(e, e->cur, line_end(e, e->cur));
	}
	return EDITLINE_PASS;
}

/* Encodes a code point as UTF-8 into u (5 bytes); returns its length. */
static size_t utf8_put(char *u, int cp)
{
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	u[n] = '\0';
	return n;
}

/* A key between the paste markers: kept raw (cleaned when the paste ends). */
static int paste_key(struct editline *e, int key)
{
	char u[5];
	size_t n;
	int r;

	if (key == EDITLINE_PASTE_END) {
		e->pasting = false;
		r = editline_insert(e, e->paste, e->plen);
		if (e->paste_over)
			r = EDITLINE_FULL;
		e->plen = 0;
		e->paste_over = false;
		return r;
	}
	if (key < 0 || key >= KEYMAP_FN || key > 0x10ffff)
		return EDITLINE_MOVED; /* a function key's code in a paste: not text */
	n = utf8_put(u, key);
	if (e->plen + n > e->pcap) {
		e->paste_over = true;
		return EDITLINE_MOVED;
	}
	memcpy(e->paste + e->plen, u, n);
	e->plen += n;
	return EDITLINE_MOVED;
}

int editline_key(struct editline *e, int key)
{
	char u[5];

	if (e->pasting)
		return paste_key(e, key);
	switch (key) {
	case EDITLINE_PASTE_BEGIN:
		e->pasting = true;
		e->plen = 0;
		e->paste_over = false;
		return EDITLINE_MOVED;
	case EDITLINE_PASTE_END:
		return EDITLINE_MOVED;
	case '\n':
		return e->multiline ? editline_insert(e, "\n", 1) : EDITLINE_PASS;
	case KEYMAP_FN | KEY_LEFT:
		return editline_cmd(e, EDITLINE_LEFT);
	case KEYMAP_FN | KEY_RIGHT:
		return editline_cmd(e, EDITLINE_RIGHT);
	case KEYMAP_FN | KEY_UP:
		return editline_cmd(e, EDITLINE_UP);
	case KEYMAP_FN | KEY_DOWN:
		return editline_cmd(e, EDITLINE_DOWN);
	case KEYMAP_FN | KEY_HOME:
	case 1: /* C-a */
		return editline_cmd(e, EDITLINE_HOME);
	case KEYMAP_FN | KEY_END:
	case 5: /* C-e */
		return editline_cmd(e, EDITLINE_END);
	case KEYMAP_FN | KEY_BACKSPACE:
		return editline_cmd(e, EDITLINE_BACKSPACE);
	case KEYMAP_FN | KEY_DC:
		return editline_cmd(e, EDITLINE_DELETE);
	case 23: /* C-w */
		return editline_cmd(e, EDITLINE_KILL_WORD);
	case 21: /* C-u */
		return editline_cmd(e, EDITLINE_KILL_START);
	case 11: /* C-k */
		return editline_cmd(e, EDITLINE_KILL_END);
	default:
		break;
	}
	if (key < 0x20 || key == 0x7f || (key >= 0x80 && key < 0xa0) || key > 0x10ffff ||
	    (key >= 0xd800 && key <= 0xdfff))
		return EDITLINE_PASS;
	return editline_insert(e, u, utf8_put(u, key));
}

/*
 * twidth: laying out UTF-8 text by display columns.
 *
 * A terminal cell grid counts columns, not bytes or characters: CJK and most emoji take two,
 * combining marks take none and stay on the character before them. These functions measure
 * and cut text by columns (wcwidth(), so the locale must be a UTF-8 one for non-ASCII text),
 * never inside a character or between a character and its marks, and end cut text with an
 * ellipsis. They are safe on any input, but only text that went through text_sanitize()
 * (text.h) is fit for a terminal: these functions replace what they cannot measure with '?'
 * and do not parse escape sequences.
 */
#ifndef LOFTDIAL_TWIDTH_H
#define LOFTDIAL_TWIDTH_H

#include <stddef.h>

/* Combining marks kept on one character; the rest are dropped (ncurses keeps five code
 * points per cell, and a pile of marks is an attack, not a name). */
#define TWIDTH_MAX_MARKS 4

enum twidth_flags {
	TWIDTH_PAD = 1,   /* pad the result with spaces to exactly cols columns */
	TWIDTH_ASCII = 2, /* the ellipsis is '~' (for terminals without UTF-8) */
};

/* Display width of s in columns, as twidth_fit() would lay it out; NULL is 0. */
size_t twidth_str(const char *s);

/* The next cluster of s (one character and its marks, as twidth_fit() keeps them): returns
 * the bytes it spans in s (0 at the end) and its columns in *width (may be NULL). Marks with
 * nothing before them belong to the cluster that follows; trailing ones make a cluster of
 * width 0. For editors that move by what the screen shows. */
size_t twidth_next(const char *s, size_t *width);

/* Copies into dst (size n, always terminated when n > 0) the part of s that fits in cols
 * columns; text wider than cols is cut at a character boundary and ends with an ellipsis
 * ("…", one column). Unmeasurable code points (controls, unassigned) become '?'; marks with
 * no character before them, zero-width joiners and variation selectors are dropped (terminals
 * disagree about their width). Returns the columns written (without padding: the text's own
 * width). When dst is too small, fewer columns are written, still never a cut character. */
size_t twidth_fit(char *dst, size_t n, const char *s, size_t cols, int flags);

#endif

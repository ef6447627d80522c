/*
 * text: safe handling of strings that come from the network or the store.
 *
 * Names, titles and notes are hostile until proven otherwise: they may carry terminal escape
 * sequences, control characters, invalid UTF-8 or megabytes of text. text_sanitize() turns
 * any of them into something that can be written to a terminal or a log line as is.
 */
#ifndef LOFTDIAL_TEXT_H
#define LOFTDIAL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Copies src into dst (size n, always NUL-terminated when n > 0) keeping valid, printable
 * UTF-8. ESC sequences are dropped whole; other C0/C1 controls, DEL, the bidi formatting
 * controls (U+061C, U+200E/F, U+202A..E, U+2066..9) and U+2028/9 become '?'; tab and newline
 * become a space; invalid bytes become '?', and so does every non-ASCII character when ascii
 * is true. Never cuts a character. Returns the number of bytes written without the NUL. */
size_t text_sanitize(char *dst, size_t n, const char *src, bool ascii);

/* The same for text that keeps its lines (notes): a newline, CR LF or a lone CR becomes one
 * '\n' instead of a space; everything else is as text_sanitize() does it. */
size_t text_sanitize_lines(char *dst, size_t n, const char *src, bool ascii);

/* True when s has no C0/C1 control characters, ESC or bidi/line-separator controls and is
 * valid UTF-8. */
bool text_is_clean(const char *s);

/* strlcpy-like copy: returns 0, or E2BIG when src did not fit (dst is still terminated). */
int text_copy(char *dst, size_t n, const char *src);

/* Formatting into a fixed buffer: returns 0 or E2BIG on truncation (dst still terminated). */
int text_printf(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Duplicates at most len bytes of s into a new NUL-terminated heap string (free()). */
char *text_dupn(const char *s, size_t len);
/* Splits the next blank- or tab-separated word off *p in place (the blank after it becomes a
 * NUL, *p moves past it); NULL when only blanks are left. For line-oriented config files. */
char *text_word(char **p);

/* True when every blank-separated word of filter occurs somewhere in hay, ignoring ASCII case
 * (an empty filter matches everything). The filter-as-you-type rule of the TUI's lists; words
 * are cut at 127 bytes. */
bool text_has_words(const char *hay, const char *filter);

/* Constant-time comparison of two byte strings of the same length. */
bool text_equal_ct(const void *a, const void *b, size_t len);

#endif

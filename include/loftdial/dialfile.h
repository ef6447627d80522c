/*
 * dialfile: reads a dial list (`loftdial dial --numbers FILE`) and checks each line's bytes as
 * they are in the file.
 *
 * One phone number or sip:/sips: URI per line; blank lines and lines starting with '#' are
 * skipped; blanks around a line and a CRLF's CR are not part of it. Nothing else is changed:
 * a line that is too long, holds a NUL, a control character (tab, BEL, ESC...) or bytes that
 * are not UTF-8 is refused whole with a reason naming the byte, and nothing is dialled from it.
 * A line is never split, cut, cleaned or joined, so what is dialled is what the file says.
 */
#ifndef LOFTDIAL_DIALFILE_H
#define LOFTDIAL_DIALFILE_H

#include <stddef.h>
#include <stdio.h>

#include "loftdial/dialplan.h"

/* The longest line taken: the longest SIP URI the dial plan accepts. */
#define DIALFILE_LINE_MAX DIALPLAN_URI_MAX
/* The largest file read. */
#define DIALFILE_SIZE_MAX (16 * 1024 * 1024)

/* Checks len bytes as given: 0, or EINVAL with a reason in why that names the first bad byte
 * by its 1-based offset ("byte 12 is a control character (0x07)"). */
int dialfile_check(const char *s, size_t len, char *why, size_t whyn);

/* One line to dial (refused == NULL) or one refused (text == NULL, refused says why). lineno
 * counts from 1. A nonzero return stops the reading and is returned by dialfile_read. */
typedef int(dialfile_line_h)(unsigned lineno, const char *text, const char *refused, void *arg);

/* Reads f to its end and calls h for every line that is neither blank nor a comment. Returns
 * 0, EFBIG past DIALFILE_SIZE_MAX (lines before it were handed over), an errno value for a
 * read error, or h's nonzero return. Memory stays bounded whatever the line lengths. */
int dialfile_read(FILE *f, dialfile_line_h *h, void *arg);

#endif

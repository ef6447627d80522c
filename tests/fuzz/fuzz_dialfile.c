/*
 * Fuzz target: a numbers file for `loftdial dial --numbers` is outside input. Whatever it
 * holds, reading it must not crash, every line handed over is either dialable text that
 * passes dialfile_check (no control character, valid UTF-8, not too long) or a refusal with a
 * reason, line numbers only grow, and dialfile_check agrees with itself on the raw bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/dialfile.h"

static int on_line(unsigned lineno, const char *text, const char *refused, void *arg)
{
	unsigned *last = arg;
	char why[200];

	if (lineno <= *last || (text == NULL) == (refused == NULL))
		abort();
	*last = lineno;
	if (refused) {
		if (!refused[0])
			abort();
		return 0;
	}
	if (!text[0] || strlen(text) > DIALFILE_LINE_MAX || text[0] == '#')
		abort();
	if (dialfile_check(text, strlen(text), why, sizeof(why)))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[200];
	unsigned last = 0;
	FILE *f;

	if (dialfile_check((const char *)data, size, why, sizeof(why)) && !why[0])
		abort();
	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	if (dialfile_read(f, on_line, &last))
		abort();
	fclose(f);
	return 0;
}

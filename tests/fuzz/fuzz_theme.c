/*
 * Fuzz target: the theme parser takes any bytes, never writes outside the element table,
 * keeps every colour in range, and its warnings are clean text.
 */
#include <stdint.h>
#include <stdlib.h>

#include "loftdial/text.h"
#include "loftdial/theme.h"

static void warn(const char *file, unsigned line, const char *msg, void *arg)
{
	if (!text_is_clean(msg))
		abort();
	(*(unsigned *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct theme t;
	unsigned n = 0, got;
	size_t i;

	theme_builtin(&t, false);
	got = theme_parse(&t, "fuzz", (const char *)data, size, warn, &n);
	if (got != n)
		abort();
	for (i = 0; i < THEME_ELEM_COUNT; i++) {
		const struct theme_style *s = &t.style[i];

		if (s->fg < -1 || s->fg > 255 || s->bg < -1 || s->bg > 255 || s->attrs > 15)
			abort();
		if (theme_degrade(s->fg, 8) > 7 || theme_degrade(s->bg, 8) > 7)
			abort();
	}
	return 0;
}

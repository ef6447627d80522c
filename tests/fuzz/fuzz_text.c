/*
 * Fuzz target: text_sanitize must always produce terminated, clean output within bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *src = malloc(size + 1), out[512];
	size_t n;

	if (!src)
		return 0;
	memcpy(src, data, size);
	src[size] = '\0';
	n = text_sanitize(out, sizeof(out), src, false);
	if (n >= sizeof(out) || out[n] != '\0' || !text_is_clean(out))
		abort();
	n = text_sanitize(out, 7, src, true);
	if (n >= 7 || !text_is_clean(out))
		abort();
	free(src);
	return 0;
}

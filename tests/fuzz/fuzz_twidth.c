/*
 * Fuzz target: text laid out for a terminal. Any bytes through text_sanitize() then
 * twidth_fit() come out clean, never wider than the columns asked for (exactly that wide when
 * padded), never cut inside a character, and within the buffer.
 */
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/text.h"
#include "loftdial/twidth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	char *src, clean[1024], out[256];
	size_t cols, w;

	if (!inited) {
		setlocale(LC_ALL, "C.UTF-8");
		inited = 1;
	}
	if (size == 0)
		return 0;
	cols = data[0] % 64;
	src = malloc(size);
	if (!src)
		return 0;
	memcpy(src, data + 1, size - 1);
	src[size - 1] = '\0';
	text_sanitize(clean, sizeof(clean), src, false);
	w = twidth_fit(out, sizeof(out), clean, cols, TWIDTH_PAD);
	if (w > cols || twidth_str(out) != cols || !text_is_clean(out) ||
	    strlen(out) >= sizeof(out))
		abort();
	/* A tiny buffer: still terminated, clean, no wider than asked. */
	w = twidth_fit(out, 7, clean, cols, 0);
	if (w > cols || strlen(out) >= 7 || !text_is_clean(out) || twidth_str(out) != w)
		abort();
	/* Raw input (not sanitized) never crashes and stays within bounds. */
	w = twidth_fit(out, sizeof(out), src, cols, 0);
	if (w > cols || strlen(out) >= sizeof(out))
		abort();
	free(src);
	return 0;
}

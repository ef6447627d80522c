/*
 * Fuzz target: the sandbox's ISO-8601 parser (it reads every timestamp filter a client
 * sends). Whatever it accepts must render and parse back to the same instant and offset.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sbx_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), buf[64];
	int64_t us, back;
	int off, off2;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (sbx_time_parse(s, &us, &off) == 0 && us > -62135596800000000LL + 86400000000LL &&
	    us < 253402300799999999LL - 86400000000LL) {
		if (sbx_time_render(buf, sizeof(buf), us, off) != 0)
			abort();
		if (sbx_time_parse(buf, &back, &off2) != 0 || back != us || off2 != off)
			abort();
		sbx_date_render(buf, sizeof(buf), us);
		if (strlen(buf) != 10)
			abort();
	}
	free(s);
	return 0;
}

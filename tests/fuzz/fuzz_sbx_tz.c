/*
 * Fuzz target: the sandbox's TZif and POSIX TZ rule readers (zone data from the system, and
 * zone names from clients that pick which file is read). Whatever parses must give an
 * offset within 26 hours of UTC at any instant.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sbx_tz.h"

/* Offsets at a spread of instants, from 1800 to 2200. */
static void probe(const struct sbx_tz *z)
{
	static const int64_t at[] = {-5364662400LL, -1,           0,           1700000000LL,
	                             1800000000LL,  4102444800LL, 7258118400LL};

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		int off = sbx_tz_offset(z, at[i] * 1000000LL);

		if (off < -1560 || off > 1560)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbx_tz *z = NULL;
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	if (sbx_tz_parse(data, size, &z) == 0) {
		probe(z);
		sbx_tz_free(z);
	}
	memcpy(s, data, size);
	s[size] = '\0';
	z = NULL;
	if (sbx_tz_parse_rule(s, &z) == 0) {
		probe(z);
		sbx_tz_free(z);
	}
	(void)sbx_tz_name_ok(s);
	free(s);
	return 0;
}

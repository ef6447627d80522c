/*
 * Fuzz target: behaviour specs (the admin API's PUT body) and dialled numbers (the SIP request
 * URI's user part) are outside input. Whatever they hold, parsing must not crash, a spec that
 * parses must print and parse back to the same behaviour, and every number must map to a valid
 * behaviour that round-trips too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "simphones.h"

/* print(b) parses back to b, or aborts. */
static void round_trip(const struct simphone_behaviour *b)
{
	struct simphone_behaviour back;
	char spec[200];

	if ((unsigned)b->kind >= SIMPHONE_KIND_COUNT)
		abort();
	if (simphones_behaviour_print(spec, sizeof(spec), b))
		abort();
	if (simphones_behaviour_parse(spec, &back) || memcmp(b, &back, sizeof(back)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct simphone_behaviour b;
	char *s = malloc(size + 1), key[40];

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (!simphones_behaviour_parse(s, &b))
		round_trip(&b);
	if (simphones_behaviour_of(s, &b))
		abort();
	round_trip(&b);
	if (!simphones_number_key(key, sizeof(key), s) && strspn(key, "0123456789") != strlen(key))
		abort();
	free(s);
	return 0;
}

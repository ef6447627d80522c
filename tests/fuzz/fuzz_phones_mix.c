/*
 * Fuzz target: the body of PUT /_sandbox/phones/mix is outside input. Whatever it holds,
 * parsing must not crash; a mix that parses passes simphones_mix_check, reads back from its
 * own JSON (what GET shows) to the same mix, and gives every number, by number and by call, a
 * behaviour of a known kind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "simphones.h"

static void check_numbers(const struct simphones_mix *m)
{
	static const char *const numbers[] = {"+14155550101", "+442079460958", "12", "", "+1"};
	struct simphones_deal d;
	struct simphone_behaviour b;
	size_t i;

	memset(&d, 0, sizeof(d));
	for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		if (simphones_mix_of(m, numbers[i], &b) == 0 &&
		    (unsigned)b.kind >= SIMPHONE_KIND_COUNT)
			abort();
		if (simphones_mix_deal(m, &d, numbers[i], &b) == 0 &&
		    (unsigned)b.kind >= SIMPHONE_KIND_COUNT)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *j = cJSON_ParseWithLength((const char *)data, size), *shown;
	struct simphones_mix m, back;
	const char *field = NULL, *why = NULL;
	unsigned k;

	if (simphones_mix_parse(j, &m, &field, &why)) {
		/* A refusal names the key and the problem. */
		if (!field || !why)
			abort();
		cJSON_Delete(j);
		return 0;
	}
	if (simphones_mix_check(&m, NULL))
		abort();
	shown = simphones_mix_json(&m);
	if (!shown)
		abort();
	if (simphones_mix_parse(shown, &back, &field, &why))
		abort();
	if (back.seed != m.seed || back.by_call != m.by_call ||
	    back.keep_test_numbers != m.keep_test_numbers)
		abort();
	for (k = 0; k < SIMPHONE_KIND_COUNT; k++) {
		const struct simphones_mix_kind *a = &m.kinds[k], *b = &back.kinds[k];

		/* Shares print through cJSON's "%.15g" or "%.17g", which read back exactly. */
		if (a->share != b->share || a->has_ring != b->has_ring ||
		    a->has_greet != b->has_greet ||
		    (a->has_ring && (a->ring_lo != b->ring_lo || a->ring_hi != b->ring_hi)) ||
		    (a->has_greet && (a->greet_lo != b->greet_lo || a->greet_hi != b->greet_hi)))
			abort();
	}
	check_numbers(&m);
	cJSON_Delete(shown);
	cJSON_Delete(j);
	return 0;
}

/*
 * Fuzz target: number normalisation and dial-list targets on arbitrary text. Whatever is
 * accepted must be a clean E.164 number or a URI dialplan_uri_ok accepts; whatever is refused
 * must come with a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/dialplan.h"
#include "loftdial/numbers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), why[160];
	struct number n;
	struct dial_target t;
	size_t i;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (numbers_normalise(s, "US", &n, why, sizeof(why)) == 0) {
		if (n.e164[0] != '+' || strlen(n.e164) > 16 || strlen(n.e164) < 8)
			abort();
		for (i = 1; n.e164[i]; i++)
			if (n.e164[i] < '0' || n.e164[i] > '9')
				abort();
	} else if (!why[0]) {
		abort();
	}
	if (dialplan_target(s, "GB", "sip:{e164}@127.0.0.1:5090", &t, why, sizeof(why)) == 0) {
		if (!dialplan_uri_ok(t.uri) || strpbrk(t.uri, " \t\r\n\"<>"))
			abort();
	} else if (!why[0]) {
		abort();
	}
	free(s);
	return 0;
}

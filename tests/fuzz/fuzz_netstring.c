/*
 * Fuzz target: the netstring decoder fed arbitrary bytes in arbitrary chunks must never read
 * out of bounds, must return payloads within the limit, and must stop at the first error.
 * The first input byte picks the chunk size, so mutations explore splits too.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/netstring.h"

#define MAX_PAYLOAD 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netstring_dec *d;
	size_t step, pos;
	int err = 0;

	if (size == 0 || netstring_dec_new(&d, MAX_PAYLOAD))
		return 0;
	step = 1 + data[0] % 64;
	data++;
	size--;
	for (pos = 0; pos < size && (!err || err == EAGAIN); pos += step) {
		size_t n = size - pos < step ? size - pos : step;
		const char *p;
		size_t len;

		err = netstring_dec_feed(d, data + pos, n);
		if (err)
			break;
		while ((err = netstring_dec_next(d, &p, &len)) == 0) {
			if (len > MAX_PAYLOAD || p[len] != '\0')
				abort();
		}
		if (err != EAGAIN && err != EBADMSG && err != EMSGSIZE)
			abort();
	}
	if (err && err != EAGAIN) {
		const char *p;
		size_t len;

		/* errors stick */
		if (netstring_dec_next(d, &p, &len) != err)
			abort();
	}
	netstring_dec_free(d);
	return 0;
}

/*
 * Fuzz target: the config parser must never crash, leak or read out of bounds, and every
 * value it accepts must read back as valid typed data.
 */
#include <stdint.h>
#include <stdlib.h>

#include "loftdial/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg;

	if (config_new(&cfg))
		return 0;
	config_parse(cfg, "fuzz", (const char *)data, size, NULL, NULL);
	(void)config_int(cfg, "dial.lines");
	(void)config_str(cfg, "sip.caller_id");
	if (config_int(cfg, "dial.lines") < 1 || config_int(cfg, "dial.lines") > 9)
		abort(); /* a range check was bypassed */
	config_free(cfg);
	return 0;
}

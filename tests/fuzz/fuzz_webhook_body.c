/*
 * Fuzz target: the webhook body path. The first byte picks an event type, the rest is the
 * body: the signature check must reject it unless signed, and applying it to a store (as the
 * receiver does after a good signature) must never crash whatever the body holds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/store.h"
#include "loftdial/webhook_rx.h"
#include "loftdial/whapply.h"

static struct store *st;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const events[] = {"person_updated",  "person_deleted",
	                                     "account_created", "cadence_membership_updated",
	                                     "call_created",    "email_updated",
	                                     "task_updated",    "user_updated",
	                                     "nonsense!",       ""};
	const char *ev, *body;
	char sig[WEBHOOK_RX_SIG_HEX], msg[256];
	size_t len;
	bool ignored;

	if (!size)
		return 0;
	if (!st && store_open(&st, ":memory:"))
		abort();
	ev = events[data[0] % (sizeof(events) / sizeof(events[0]))];
	body = (const char *)data + 1;
	len = size - 1;
	if (webhook_rx_verify("token", body, len, "0000000000000000000000000000000000000000"))
		abort(); /* (an HMAC of all zeros would be a 2^-160 event) */
	if (webhook_rx_sign("token", body, len, sig, sizeof(sig)) ||
	    !webhook_rx_verify("token", body, len, sig))
		abort();
	(void)whapply_event(st, ev, body, len, &ignored, msg, sizeof(msg));
	if (strlen(msg) >= sizeof(msg))
		abort();
	return 0;
}

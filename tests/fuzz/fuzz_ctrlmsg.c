/*
 * Fuzz target: ctrlmsg_parse on arbitrary bytes (what a broken or hostile ctrl_tcp peer could
 * send in a frame) must never crash, and a message it accepts must have every string member
 * set (possibly empty) and of the kind it claims.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/call.h"
#include "loftdial/ctrlmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctrlmsg m;
	struct call c;

	if (ctrlmsg_parse(&m, (const char *)data, size))
		return 0;
	if (!m.data || !m.token || !m.type || !m.cls || !m.aor || !m.direction || !m.peeruri ||
	    !m.id || !m.param)
		abort();
	if (m.kind == CTRLMSG_EVENT && !*m.type)
		abort();
	/* whatever the event, folding it into a call stays within bounds */
	call_start(&c, "sip:a@h", "sip:b@h", 1);
	call_set_id(&c, m.id);
	(void)call_apply(&c, &m, 2);
	(void)call_outcome(&c);
	if (strlen(c.reason) >= sizeof(c.reason))
		abort();
	ctrlmsg_free(&m);
	return 0;
}

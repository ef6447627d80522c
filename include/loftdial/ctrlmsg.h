/*
 * ctrlmsg: the JSON inside baresip's ctrl_tcp frames, both ways.
 *
 * Commands go out as {"command":..., "params":..., "token":...} with every value a JSON
 * string (baresip 1.0.0 crashes on a number) and never a control character; what comes back is
 * either a response {"response":true,"ok":bool,"data":...,"token":...} or an event
 * {"event":true,"type":...,"id":...,"param":...}. Parsing is strict about the shape and
 * lenient about extra members; every string it returns is still hostile (sanitise it before
 * printing).
 */
#ifndef LOFTDIAL_CTRLMSG_H
#define LOFTDIAL_CTRLMSG_H

#include <stdbool.h>
#include <stddef.h>

struct mbuf;

/* baresip joins command and params into a 1024-byte buffer; stay well inside it. */
#define CTRLMSG_MAX_CMDLINE 900

enum ctrlmsg_kind { CTRLMSG_RESPONSE, CTRLMSG_EVENT };

struct ctrlmsg {
	enum ctrlmsg_kind kind;
	/* response */
	bool ok;
	const char *data;  /* "" when absent */
	const char *token; /* "" when absent */
	/* event ("" when absent) */
	const char *type;
	const char *cls;
	const char *aor;
	const char *direction;
	const char *peeruri;
	const char *id;
	const char *param;
	void *json; /* owns the strings above */
};

/* Parses one frame's payload. EBADMSG when it is not a JSON object that is a response or an
 * event with string members where strings belong; ENOMEM. */
int ctrlmsg_parse(struct ctrlmsg *m, const char *payload, size_t len);
/* Frees what ctrlmsg_parse allocated (safe on a zeroed or freed message). */
void ctrlmsg_free(struct ctrlmsg *m);

/* True when s may be sent as a command, params or token: no control characters or DEL, valid
 * UTF-8, and short enough. */
bool ctrlmsg_text_ok(const char *s);

/* Appends one framed command to mb. params may be NULL (no params member). EINVAL when a value
 * fails ctrlmsg_text_ok or command and params together exceed CTRLMSG_MAX_CMDLINE. */
int ctrlmsg_command(struct mbuf *mb, const char *command, const char *params, const char *token);

#endif

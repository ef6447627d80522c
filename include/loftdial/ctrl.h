/*
 * ctrl: a client of baresip's ctrl_tcp, on the one loop.
 *
 * One non-blocking TCP connection, registered with libre (fd_listen), framed with netstrings.
 * Commands are sent in batches: every command of a batch goes out in ONE write, which baresip
 * runs back to back with no SIP message handled in between (that is how "callfind X" +
 * "hangup" becomes atomic). Each command carries its own token; the batch's handler runs once,
 * when every response has arrived or when the batch's timeout fires (baresip sends no response
 * at all to a command it cannot parse, so every batch has a timeout). Events are handed over as
 * they arrive. A connection that breaks (EOF, a malformed frame, a write error) is reported once
 * through the close handler; after that, and after ctrl_close(), no handler runs again.
 */
#ifndef LOFTDIAL_CTRL_H
#define LOFTDIAL_CTRL_H

#include <stdbool.h>
#include <stddef.h>

struct ctrl;
struct ctrlmsg;

/* Largest frame accepted from baresip (its help text is a few kB). */
#define CTRL_FRAME_MAX (256 * 1024)
/* Most commands in one batch. */
#define CTRL_BATCH_MAX 16

struct ctrl_cmd {
	const char *cmd;
	const char *params; /* NULL: none */
};

struct ctrl_result {
	bool answered; /* a response arrived */
	bool ok;
	const char *data; /* the command's text output, "" when none */
};

/* err: 0 when every response arrived, ETIMEDOUT when some did not (their answered is false). */
typedef void(ctrl_resp_h)(int err, const struct ctrl_result *res, size_t n, void *arg);
typedef void(ctrl_event_h)(const struct ctrlmsg *ev, void *arg);
/* err 0: connected. Otherwise the connection failed or broke (ECONNREFUSED, ETIMEDOUT,
 * ECONNRESET for EOF, EBADMSG for a malformed frame, ...); the ctrl is dead, close it. */
typedef void(ctrl_state_h)(int err, void *arg);

/* Connects to addr ("127.0.0.1:4444", "[::1]:4444"; an IP address, no name lookup). stateh
 * runs once with 0 when connected, and once more with an error if the connection ends; a
 * failed connect reports its error as the first call. connect_ms bounds the connect. */
int ctrl_connect(struct ctrl **cp, const char *addr, unsigned connect_ms, ctrl_state_h *stateh,
                 ctrl_event_h *evh, void *arg);

/* Sends n commands in one write. h (may be NULL) runs once; timeout_ms bounds the wait. EINVAL
 * for a command failing ctrlmsg_text_ok, ENOTCONN before the connection is up or after it
 * broke. */
int ctrl_send(struct ctrl *c, const struct ctrl_cmd *cmds, size_t n, unsigned timeout_ms,
              ctrl_resp_h *h, void *arg);

/* Forgets the pending batches whose handler argument is arg (their handlers never run). */
void ctrl_forget(struct ctrl *c, void *arg);

/* Closes the connection; no handler runs after this. Safe from inside a handler; NULL fine. */
void ctrl_close(struct ctrl *c);

/* True once connected and not broken. */
bool ctrl_is_up(const struct ctrl *c);
/* Batches waiting for responses. */
unsigned ctrl_pending(const struct ctrl *c);

#endif

/*
 * httpc: HTTP client transfers driven by the loop, through libcurl's multi-socket API.
 *
 * libcurl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION → fd_listen) and when to
 * wake it (CURLMOPT_TIMERFUNCTION → tmr_start), so any number of transfers run at once on the
 * one thread without ever blocking a handler. Each finished transfer calls its handler once
 * with the status, the response headers and the body (bounded in size).
 */
#ifndef LOFTDIAL_HTTPC_H
#define LOFTDIAL_HTTPC_H

#include <stddef.h>

struct httpc_req;

struct httpc_header {
	const char *name;
	const char *value;
};

struct httpc_opts {
	const char *method;                 /* "GET" when NULL */
	const char *url;                    /* required */
	const struct httpc_header *headers; /* optional */
	size_t nheaders;
	const char *body; /* optional request body */
	size_t body_len;
	long timeout_ms;         /* whole transfer; 30000 when 0 */
	long connect_timeout_ms; /* 10000 when 0 */
	size_t max_body;         /* response cap; 64 MiB when 0 (then EFBIG) */
};

struct httpc_resp {
	long status;      /* HTTP status, 0 when no response arrived */
	const char *body; /* NUL-terminated, may be "" */
	size_t body_len;
	double total_s;     /* transfer time */
	const char *errmsg; /* libcurl's message when err != 0 */
	const void *priv;   /* for httpc_resp_header */
};

/* err is 0 when a response (any status) arrived, else ETIMEDOUT, ECONNREFUSED, ECONNRESET,
 * EFBIG (body over max_body), ECANCELED is never reported (cancelled requests are silent),
 * or EIO for other transport failures. resp is valid only during the call. */
typedef void(httpc_done_h)(int err, const struct httpc_resp *resp, void *arg);

int httpc_init(void);
void httpc_close(void);

/* Starts a transfer. *reqp (optional) may be used to cancel it until the handler runs. */
int httpc_send(const struct httpc_opts *o, httpc_done_h *h, void *arg, struct httpc_req **reqp);
/* Cancels a transfer whose handler has not run; its handler will never run. */
void httpc_cancel(struct httpc_req *req);
/* Case-insensitive lookup of a response header of the request being completed; valid only
 * inside the done handler. */
const char *httpc_resp_header(const struct httpc_resp *resp, const char *name);
/* Number of transfers in flight. */
unsigned httpc_active(void);

#endif

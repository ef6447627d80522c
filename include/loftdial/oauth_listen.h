/*
 * oauth_listen: the loopback listener `loftdial connect` waits on for the OAuth redirect.
 *
 * It binds the host and port of the configured redirect URI (a loopback address), answers
 * GET <path>?code=..&state=.. with a small page, and hands the code over only when the state
 * matches the one loftdial generated (constant-time compare). A redirect with a wrong or
 * missing state is answered 400 and reported, and the wait goes on: a stray or forged
 * request cannot end the flow or plant a code.
 */
#ifndef LOFTDIAL_OAUTH_LISTEN_H
#define LOFTDIAL_OAUTH_LISTEN_H

#include <stddef.h>
#include <stdint.h>

struct oauth_listen;

/* err 0: code holds the authorization code; EACCES: the user refused (msg says how). Called
 * once. */
typedef void(oauth_listen_h)(int err, const char *code, const char *msg, void *arg);
/* A request was refused (wrong state, wrong path); msg is printable. */
typedef void(oauth_listen_warn_h)(const char *msg, void *arg);

/* Splits a redirect URI: it must be http:// on 127.0.0.1, localhost or [::1], with a port
 * (default 80) and a path (default "/"). EINVAL otherwise. */
int oauth_redirect_parse(const char *uri, char *host, size_t host_n, uint16_t *port, char *path,
                         size_t path_n);

int oauth_listen_start(struct oauth_listen **lp, const char *redirect_uri, const char *state,
                       oauth_listen_h *h, oauth_listen_warn_h *wh, void *arg);
/* Stops listening; NULL is fine. */
void oauth_listen_stop(struct oauth_listen *l);

#endif

/*
 * oauth: the client side of Salesloft's OAuth 2.0 authorization-code flow.
 *
 * The pieces are small and separate so each can be tested alone: a random state, the
 * authorize URL, reading the redirect back (from the loopback listener, or from whatever the
 * user pastes: the whole redirected URL, its query, or the bare code), the token request
 * bodies, and parsing the token answer. The two token requests (code exchange and refresh)
 * run on the loop through httpc; they are not paced, since the accounts server is not part
 * of the API's rate limit.
 */
#ifndef LOFTDIAL_OAUTH_H
#define LOFTDIAL_OAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OAUTH_TOKEN_MAX 4096
#define OAUTH_STATE_LEN 32 /* hex characters */

/* The longest expiry taken from a token answer (ten years, seconds): a larger one is cut to
 * it, so now + expires_in can never overflow. */
#define OAUTH_EXPIRES_MAX 315360000

/* A token answer. expires_in is 0 when the server did not say, at most OAUTH_EXPIRES_MAX;
 * created_at is 0 when absent or not a time in 0..2^53. */
struct oauth_token {
	char access_token[OAUTH_TOKEN_MAX];
	char refresh_token[OAUTH_TOKEN_MAX]; /* "" when none was issued */
	char token_type[32];
	char scope[512];
	int64_t expires_in; /* seconds */
	int64_t created_at; /* unix seconds, 0 when absent */
};

/* Where to reach the accounts server and who we are. */
struct oauth_client {
	const char *accounts_url; /* "https://accounts.salesloft.com" */
	const char *client_id;
	const char *client_secret;
	long timeout_ms; /* 0: 30 s */
};

struct oauth_req;

/* err: 0 (tok filled), EKEYREVOKED (invalid_grant: the refresh token or code is dead: the
 * user must connect again), EPROTO (another OAuth error; msg says which), EBADMSG (not a token
 * answer), or a transport errno (ETIMEDOUT, ECONNREFUSED, ...). msg is a printable line. */
typedef void(oauth_token_h)(int err, const struct oauth_token *tok, const char *msg, void *arg);

/* Writes OAUTH_STATE_LEN random hex characters (from getrandom) into out. */
int oauth_random_state(char *out, size_t n);

/* Builds the authorize URL: <accounts_url>/oauth/authorize?client_id=..&redirect_uri=..
 * &response_type=code&state=..[&scope=..]. scope may be NULL or "". */
int oauth_authorize_url(char *out, size_t n, const char *accounts_url, const char *client_id,
                        const char *redirect_uri, const char *state, const char *scope);

/* Reads the redirect: input may be the full URL, a path with a query, the query alone, or
 * the bare code. 0 with code (state "" when the input had none), EACCES when the redirect
 * carries an error (access_denied, ...; msg says it), EINVAL when nothing usable is there. */
int oauth_parse_callback(const char *input, char *code, size_t code_n, char *state, size_t state_n,
                         char *msg, size_t msg_n);

/* True when the state received matches the one sent (constant-time). */
bool oauth_state_ok(const char *sent, const char *received);

/* Form bodies for POST /oauth/token (application/x-www-form-urlencoded). */
int oauth_code_body(char *out, size_t n, const struct oauth_client *c, const char *code,
                    const char *redirect_uri);
int oauth_refresh_body(char *out, size_t n, const struct oauth_client *c,
                       const char *refresh_token);

/* Parses a token answer with its HTTP status. 0, EKEYREVOKED, EPROTO or EBADMSG as for
 * oauth_token_h, with msg filled. */
int oauth_token_parse(long status, const char *body, size_t len, struct oauth_token *out, char *msg,
                      size_t msg_n);

/* Starts the code exchange / a refresh on the loop. h is called exactly once unless the
 * request is cancelled. *reqp (optional) may be passed to oauth_cancel until then. */
int oauth_exchange(const struct oauth_client *c, const char *code, const char *redirect_uri,
                   oauth_token_h *h, void *arg, struct oauth_req **reqp);
int oauth_refresh(const struct oauth_client *c, const char *refresh_token, oauth_token_h *h,
                  void *arg, struct oauth_req **reqp);
/* Cancels a token request whose handler has not run; the handler never runs. */
void oauth_cancel(struct oauth_req *req);

#endif

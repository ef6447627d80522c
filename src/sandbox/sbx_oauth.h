/*
 * sbx_oauth: the sandbox's OAuth 2.0 authorization server state: the registered client,
 * authorization codes, access and refresh tokens, and the API key.
 *
 * Behaviour follows reference/salesloft-api.md §1 and, where Salesloft is silent, Doorkeeper
 * (the Rails OAuth provider whose token response, with created_at, and whose invalid_grant
 * description Salesloft's match):
 *  - codes are single-use, bound to the redirect_uri and expire after code_ttl_s (600 s);
 *  - access tokens expire after token_ttl_s (7200 s);
 *  - every refresh returns a new refresh token and revokes the old one; reusing it gives
 *    400 invalid_grant; by default the refresh also revokes the access token it replaces
 *    (Doorkeeper's behaviour; UNCONFIRMED for Salesloft), keep_old_access keeps it alive
 *    until its own expiry;
 *  - client_credentials grants (private apps) give an access token and no refresh token.
 * Tokens are 64 hex characters from getrandom(); codes are 32 hex characters. With --state
 * the usable grants are saved in the state file (table sbx_oauth_grants) after every token
 * request and at exit, so a restarted sandbox still honours them.
 *
 * This part is pure state (time is passed in), so it is unit-tested without a server; the
 * HTTP endpoints are in oauth_http.c.
 */
#ifndef LOFTDIAL_SBX_OAUTH_H
#define LOFTDIAL_SBX_OAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SBX_OAUTH_TOKEN_LEN 64 /* hex characters of an access or refresh token */
#define SBX_OAUTH_CODE_LEN  32 /* hex characters of an authorization code */

/* The defaults used when the sandbox is started without --client-id etc. */
#define SBX_OAUTH_DEFAULT_CLIENT_ID     "loftdial-sandbox-client"
#define SBX_OAUTH_DEFAULT_CLIENT_SECRET "loftdial-sandbox-secret"

struct sbx_oauth;

struct sbx_oauth_cfg {
	char client_id[128];
	char client_secret[128];
	char redirect_uri[512]; /* "" = any http:// loopback URI (127.0.0.1, localhost, [::1]) */
	char api_key[160];      /* "" = no API key */
	int64_t admin_user;     /* the user API keys, client credentials and consent act as */
	unsigned token_ttl_s;   /* access-token lifetime, 7200 */
	unsigned code_ttl_s;    /* authorization-code lifetime, 600 */
	bool keep_old_access;   /* a refresh leaves the replaced access token alive */
};

/* A token response's contents. */
struct sbx_oauth_grant {
	char access_token[SBX_OAUTH_TOKEN_LEN + 1];
	char refresh_token[SBX_OAUTH_TOKEN_LEN + 1]; /* "" for client_credentials */
	char scope[256];
	int64_t user_id;
	unsigned expires_in; /* seconds */
	int64_t created_at;  /* Unix seconds */
};

/* The fields of a POST /oauth/token request (NULL when absent). */
struct sbx_oauth_token_req {
	const char *grant_type;
	const char *client_id;
	const char *client_secret;
	const char *code;
	const char *redirect_uri;
	const char *refresh_token;
	const char *scope;
};

/* Fills cfg with the defaults (client id/secret above, no fixed redirect, ttl 7200/600,
 * admin user 1, no API key). */
void sbx_oauth_cfg_default(struct sbx_oauth_cfg *cfg);

int sbx_oauth_new(struct sbx_oauth **op, const struct sbx_oauth_cfg *cfg);
void sbx_oauth_free(struct sbx_oauth *o);
const struct sbx_oauth_cfg *sbx_oauth_config(const struct sbx_oauth *o);
/* Changes the access-token lifetime for tokens issued from now on. */
void sbx_oauth_set_ttl(struct sbx_oauth *o, unsigned token_ttl_s);

/* Writes nbytes random bytes from getrandom() as lowercase hex into out (2 * nbytes + 1
 * bytes). 0, EINVAL, or the getrandom errno. */
int sbx_oauth_random_hex(char *out, size_t n, size_t nbytes);

/* True when uri is an acceptable redirect: equal to cfg->redirect_uri when one is set, else
 * an http:// URI on a loopback host without a fragment. */
bool sbx_oauth_redirect_ok(const struct sbx_oauth_cfg *cfg, const char *uri);
/* Checks an authorization request; 0, or EINVAL with a message for the error page. */
int sbx_oauth_check_authorize(const struct sbx_oauth *o, const char *client_id,
                              const char *redirect_uri, const char *response_type,
                              const char **msg);
/* Issues a single-use code for user_id bound to redirect_uri and scope. */
int sbx_oauth_code_issue(struct sbx_oauth *o, const char *redirect_uri, const char *scope,
                         int64_t user_id, int64_t now_us, char *code, size_t n);

/* Runs the token endpoint. Returns the HTTP status: 200 with *out filled, or 400/401 with
 * *error ("invalid_request", "invalid_client", "invalid_grant", "unsupported_grant_type")
 * and *desc set to static strings. */
int sbx_oauth_token(struct sbx_oauth *o, const struct sbx_oauth_token_req *rq, int64_t now_us,
                    struct sbx_oauth_grant *out, const char **error, const char **desc);

/* Checks a Bearer token (OAuth access token or the API key): 0 with *user_id, EACCES for an
 * unknown or revoked token, EKEYEXPIRED for an expired one. */
int sbx_oauth_check_bearer(const struct sbx_oauth *o, const char *token, int64_t now_us,
                           int64_t *user_id);
/* Makes every access token issued so far expire at now_us (admin "token expiry now"). */
unsigned sbx_oauth_expire_all(struct sbx_oauth *o, int64_t now_us);
/* Counts of live codes and grants (for the admin API and tests). */
void sbx_oauth_stats(const struct sbx_oauth *o, int64_t now_us, unsigned *codes,
                     unsigned *access_live, unsigned *refresh_live);

/* A grant as saved to and restored from the sandbox's state file. */
struct sbx_oauth_saved {
	const char *access, *refresh, *scope; /* refresh "" for client credentials */
	int64_t user;
	int64_t access_expires_us;
	bool access_revoked, refresh_revoked;
};

typedef void(sbx_oauth_grant_h)(const struct sbx_oauth_saved *g, void *arg);

/* Calls h for every grant that can still be used at now_us (a live access token or an
 * unrevoked refresh token). */
void sbx_oauth_foreach(const struct sbx_oauth *o, int64_t now_us, sbx_oauth_grant_h *h, void *arg);
/* Adds a saved grant back (tokens must be 64 hex characters). 0, EINVAL or ENOMEM. */
int sbx_oauth_restore(struct sbx_oauth *o, const struct sbx_oauth_saved *g);

/* ---- oauth_http.c: the endpoints (registered by sbx_auth_register, see sbx.h) ---- */

struct sbx;
struct mbuf;

/* The OAuth state of the running sandbox (for the admin API), or NULL. */
struct sbx_oauth *sbx_oauth_of(const struct sbx *sbx);
/* Appends s with & < > " ' as entities and other control characters (but tab and newline)
 * dropped: safe inside HTML text and double-quoted attributes. */
int sbx_oauth_html_escape(struct mbuf *mb, const char *s);
/* Appends s percent-encoded (everything but RFC 3986 unreserved characters). */
int sbx_oauth_url_encode(struct mbuf *mb, const char *s);
/* Appends redirect_uri plus npairs name/value pairs (pairs[2i], pairs[2i+1]) as query
 * parameters, after '?' or '&' as the URI needs; pairs with a NULL value are left out. */
int sbx_oauth_redirect_build(struct mbuf *mb, const char *redirect_uri, const char *const *pairs,
                             size_t npairs);

#endif

/*
 * oauth: the sandbox's OAuth state: one registered client, single-use authorization codes,
 * access/refresh token pairs with rotation, and the API key.
 *
 * Everything here is plain state with the time passed in, so the rules (single use, expiry,
 * rotation, revocation) are unit-tested directly. The tables are small arrays searched
 * linearly with constant-time comparisons; dead entries are pruned as new ones arrive, so a
 * long benchmark that refreshes thousands of times does not grow without bound.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "sbx_oauth.h"
#include "loftdial/text.h"

#define US_PER_S 1000000LL

/* The descriptions Doorkeeper (and, per the reference, Salesloft) sends. */
#define DESC_GRANT                                                                                 \
	"The provided authorization grant is invalid, expired, revoked, does not match the "       \
	"redirection URI used in the authorization request, or was issued to another client."
#define DESC_CLIENT                                                                                \
	"Client authentication failed due to unknown client, no client authentication "            \
	"included, or unsupported authentication method."
#define DESC_GRANT_TYPE "The authorization grant type is not supported by the authorization server."
#define DESC_REQUEST                                                                               \
	"The request is missing a required parameter, includes an unsupported parameter value, "   \
	"or is otherwise malformed."

struct code {
	char value[SBX_OAUTH_CODE_LEN + 1];
	char redirect[512];
	char scope[256];
	int64_t user;
	int64_t expires_us;
	bool used;
};

/* One token response: an access token and (except for client credentials) its refresh. */
struct grant {
	char access[SBX_OAUTH_TOKEN_LEN + 1];
	char refresh[SBX_OAUTH_TOKEN_LEN + 1];
	char scope[256];
	int64_t user;
	int64_t access_expires_us;
	bool access_revoked;
	bool refresh_revoked;
};

struct sbx_oauth {
	struct sbx_oauth_cfg cfg;
	struct code *codes;
	size_t ncodes, capcodes;
	struct grant *grants;
	size_t ngrants, capgrants;
};

/* Fills cfg with the built-in client, lifetimes and admin user. */
void sbx_oauth_cfg_default(struct sbx_oauth_cfg *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	text_copy(cfg->client_id, sizeof(cfg->client_id), SBX_OAUTH_DEFAULT_CLIENT_ID);
	text_copy(cfg->client_secret, sizeof(cfg->client_secret), SBX_OAUTH_DEFAULT_CLIENT_SECRET);
	cfg->admin_user = 1;
	cfg->token_ttl_s = 7200;
	cfg->code_ttl_s = 600;
}

/* Creates the OAuth state for one registered client. */
int sbx_oauth_new(struct sbx_oauth **op, const struct sbx_oauth_cfg *cfg)
{
	struct sbx_oauth *o;

	if (!op || !cfg)
		return EINVAL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return ENOMEM;
	o->cfg = *cfg;
	*op = o;
	return 0;
}

/* Frees the OAuth state, wiping the secrets it held. */
void sbx_oauth_free(struct sbx_oauth *o)
{
	if (!o)
		return;
	/* Tokens are secrets: leave nothing readable in freed memory. */
	if (o->codes)
		memset(o->codes, 0, o->capcodes * sizeof(*o->codes));
	if (o->grants)
		memset(o->grants, 0, o->capgrants * sizeof(*o->grants));
	free(o->codes);
	free(o->grants);
	free(o);
}

/* The configuration the state was made with. */
const struct sbx_oauth_cfg *sbx_oauth_config(const struct sbx_oauth *o)
{
	return o ? &o->cfg : NULL;
}

/* Changes the lifetime of access tokens issued from now on. */
void sbx_oauth_set_ttl(struct sbx_oauth *o, unsigned token_ttl_s)
{
	if (o)
		o->cfg.token_ttl_s = token_ttl_s;
}

/* Writes CSPRNG bytes as lowercase hex (tokens and codes). */
int sbx_oauth_random_hex(char *out, size_t n, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t got = 0, i;

	if (!out || nbytes == 0 || nbytes > sizeof(raw) || n < 2 * nbytes + 1)
		return EINVAL;
	while (got < nbytes) {
		ssize_t r = getrandom(raw + got, nbytes - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		got += (size_t)r;
	}
	for (i = 0; i < nbytes; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[2 * nbytes] = '\0';
	memset(raw, 0, sizeof(raw));
	return 0;
}

/* Constant-time equality of a secret with a candidate of any length. */
static bool secret_equal(const char *secret, const char *candidate)
{
	size_t len = strlen(secret);

	if (!candidate || !*secret || strlen(candidate) != len)
		return false;
	return text_equal_ct(secret, candidate, len);
}

/* True for characters that may never reach a Location header or a query we build. */
static bool unsafe_uri_char(unsigned char c)
{
	return c <= 0x20 || c == 0x7f || c >= 0x80 || c == '"' || c == '<' || c == '>' ||
	       c == '\\' || c == '`' || c == '#';
}

/* Tells whether a redirect URI is allowed (exact, or loopback http). */
bool sbx_oauth_redirect_ok(const struct sbx_oauth_cfg *cfg, const char *uri)
{
	static const char *const hosts[] = {"127.0.0.1", "localhost", "[::1]"};
	const char *p;
	size_t i;

	if (!cfg || !uri || !*uri || strlen(uri) >= sizeof(cfg->redirect_uri))
		return false;
	for (p = uri; *p; p++) {
		if (unsafe_uri_char((unsigned char)*p))
			return false;
	}
	if (cfg->redirect_uri[0])
		return !strcmp(uri, cfg->redirect_uri);
	if (strncmp(uri, "http://", 7))
		return false;
	p = uri + 7;
	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		size_t len = strlen(hosts[i]);

		if (strncmp(p, hosts[i], len))
			continue;
		p += len;
		if (*p == ':') {
			const char *digits = ++p;

			while (*p >= '0' && *p <= '9')
				p++;
			if (p == digits || p - digits > 5)
				return false;
		}
		return *p == '\0' || *p == '/' || *p == '?';
	}
	return false;
}

/* Validates the client, redirect and response type of an authorize request. */
int sbx_oauth_check_authorize(const struct sbx_oauth *o, const char *client_id,
                              const char *redirect_uri, const char *response_type, const char **msg)
{
	static const char *dummy;

	if (!msg)
		msg = &dummy;
	if (!o)
		return EINVAL;
	if (!client_id || !secret_equal(o->cfg.client_id, client_id)) {
		*msg = "Client authentication failed due to unknown client.";
		return EINVAL;
	}
	if (!redirect_uri || !sbx_oauth_redirect_ok(&o->cfg, redirect_uri)) {
		*msg = "The redirect uri included is not valid.";
		return EINVAL;
	}
	if (!response_type || strcmp(response_type, "code")) {
		*msg = "The authorization server does not support this response type.";
		return EINVAL;
	}
	*msg = NULL;
	return 0;
}

/* Drops codes that can never be used again. */
static void prune_codes(struct sbx_oauth *o, int64_t now_us)
{
	size_t i, j = 0;

	for (i = 0; i < o->ncodes; i++) {
		if (o->codes[i].used || o->codes[i].expires_us <= now_us)
			continue;
		if (i != j)
			o->codes[j] = o->codes[i];
		j++;
	}
	o->ncodes = j;
}

/* Drops grants whose access token and refresh token are both dead. */
static void prune_grants(struct sbx_oauth *o, int64_t now_us)
{
	size_t i, j = 0;

	for (i = 0; i < o->ngrants; i++) {
		const struct grant *g = &o->grants[i];
		bool access_dead = g->access_revoked || g->access_expires_us <= now_us;
		bool refresh_dead = g->refresh_revoked || !g->refresh[0];

		if (access_dead && refresh_dead)
			continue;
		if (i != j)
			o->grants[j] = o->grants[i];
		j++;
	}
	o->ngrants = j;
}

/* Makes room for one more element in a growing array. */
static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * size);
	if (!p)
		return ENOMEM;
	memset((char *)p + *cap * size, 0, (ncap - *cap) * size);
	*arr = p;
	*cap = ncap;
	return 0;
}

/* Issues a single-use authorization code. */
int sbx_oauth_code_issue(struct sbx_oauth *o, const char *redirect_uri, const char *scope,
                         int64_t user_id, int64_t now_us, char *code, size_t n)
{
	struct code *c;
	int err;

	if (!o || !redirect_uri || !code || n < SBX_OAUTH_CODE_LEN + 1)
		return EINVAL;
	prune_codes(o, now_us);
	err = grow((void **)&o->codes, &o->capcodes, o->ncodes, sizeof(*o->codes));
	if (err)
		return err;
	c = &o->codes[o->ncodes];
	memset(c, 0, sizeof(*c));
	err = sbx_oauth_random_hex(c->value, sizeof(c->value), SBX_OAUTH_CODE_LEN / 2);
	if (err)
		return err;
	if (text_copy(c->redirect, sizeof(c->redirect), redirect_uri) ||
	    text_copy(c->scope, sizeof(c->scope), scope && *scope ? scope : "default"))
		return E2BIG;
	c->user = user_id;
	c->expires_us = now_us + (int64_t)o->cfg.code_ttl_s * US_PER_S;
	o->ncodes++;
	return text_copy(code, n, c->value);
}

/* Adds a new grant for user and scope and fills the response. */
static int grant_issue(struct sbx_oauth *o, int64_t user, const char *scope, bool with_refresh,
                       int64_t now_us, struct sbx_oauth_grant *out)
{
	struct grant *g;
	int err;

	prune_grants(o, now_us);
	err = grow((void **)&o->grants, &o->capgrants, o->ngrants, sizeof(*o->grants));
	if (err)
		return err;
	g = &o->grants[o->ngrants];
	memset(g, 0, sizeof(*g));
	err = sbx_oauth_random_hex(g->access, sizeof(g->access), SBX_OAUTH_TOKEN_LEN / 2);
	if (!err && with_refresh)
		err = sbx_oauth_random_hex(g->refresh, sizeof(g->refresh), SBX_OAUTH_TOKEN_LEN / 2);
	if (err)
		return err;
	text_copy(g->scope, sizeof(g->scope), scope && *scope ? scope : "default");
	g->user = user;
	g->access_expires_us = now_us + (int64_t)o->cfg.token_ttl_s * US_PER_S;
	o->ngrants++;

	memset(out, 0, sizeof(*out));
	text_copy(out->access_token, sizeof(out->access_token), g->access);
	text_copy(out->refresh_token, sizeof(out->refresh_token), g->refresh);
	text_copy(out->scope, sizeof(out->scope), g->scope);
	out->user_id = user;
	out->expires_in = o->cfg.token_ttl_s;
	out->created_at = now_us / US_PER_S;
	return 0;
}

/* Sets the error outputs and returns the status that goes with the error. */
static int fail(const char **error, const char **desc, const char *e, const char *d)
{
	*error = e;
	*desc = d;
	return !strcmp(e, "invalid_client") ? 401 : 400;
}

/* The token endpoint: checks the client and the grant, issues or refuses. */
int sbx_oauth_token(struct sbx_oauth *o, const struct sbx_oauth_token_req *rq, int64_t now_us,
                    struct sbx_oauth_grant *out, const char **error, const char **desc)
{
	static const char *dummy_e, *dummy_d;
	size_t i;

	if (!error)
		error = &dummy_e;
	if (!desc)
		desc = &dummy_d;
	*error = *desc = NULL;
	if (!o || !rq || !out)
		return fail(error, desc, "invalid_request", DESC_REQUEST);
	if (!rq->grant_type || !*rq->grant_type)
		return fail(error, desc, "invalid_request", DESC_REQUEST);
	if (strcmp(rq->grant_type, "authorization_code") &&
	    strcmp(rq->grant_type, "refresh_token") && strcmp(rq->grant_type, "client_credentials"))
		return fail(error, desc, "unsupported_grant_type", DESC_GRANT_TYPE);
	if (!secret_equal(o->cfg.client_id, rq->client_id) ||
	    !secret_equal(o->cfg.client_secret, rq->client_secret))
		return fail(error, desc, "invalid_client", DESC_CLIENT);

	if (!strcmp(rq->grant_type, "client_credentials")) {
		if (grant_issue(o, o->cfg.admin_user, rq->scope, false, now_us, out))
			return fail(error, desc, "server_error", "The token could not be issued.");
		return 200;
	}

	if (!strcmp(rq->grant_type, "authorization_code")) {
		if (!rq->code || !*rq->code || !rq->redirect_uri || !*rq->redirect_uri)
			return fail(error, desc, "invalid_request", DESC_REQUEST);
		for (i = 0; i < o->ncodes; i++) {
			struct code *c = &o->codes[i];

			if (!secret_equal(c->value, rq->code))
				continue;
			/* A code is spent by any attempt that names it, as in Doorkeeper: a
			 * wrong redirect_uri still burns it. */
			if (c->used || c->expires_us <= now_us ||
			    strcmp(c->redirect, rq->redirect_uri)) {
				c->used = true;
				break;
			}
			c->used = true;
			if (grant_issue(o, c->user, c->scope, true, now_us, out))
				return fail(error, desc, "server_error",
				            "The token could not be issued.");
			return 200;
		}
		return fail(error, desc, "invalid_grant", DESC_GRANT);
	}

	/* grant_type=refresh_token */
	if (!rq->refresh_token || !*rq->refresh_token)
		return fail(error, desc, "invalid_request", DESC_REQUEST);
	for (i = 0; i < o->ngrants; i++) {
		struct grant *g = &o->grants[i];
		char scope[sizeof(g->scope)];
		int64_t user;

		if (!g->refresh[0] || !secret_equal(g->refresh, rq->refresh_token))
			continue;
		if (g->refresh_revoked)
			break;
		g->refresh_revoked = true;
		if (!o->cfg.keep_old_access)
			g->access_revoked = true;
		/* grant_issue may move the array: copy what we need first. */
		user = g->user;
		text_copy(scope, sizeof(scope), g->scope);
		if (grant_issue(o, user, scope, true, now_us, out))
			return fail(error, desc, "server_error", "The token could not be issued.");
		return 200;
	}
	return fail(error, desc, "invalid_grant", DESC_GRANT);
}

/* Maps a Bearer token (OAuth or API key) to its user. */
int sbx_oauth_check_bearer(const struct sbx_oauth *o, const char *token, int64_t now_us,
                           int64_t *user_id)
{
	size_t i;

	if (!o || !token || !*token)
		return EACCES;
	if (o->cfg.api_key[0] && secret_equal(o->cfg.api_key, token)) {
		if (user_id)
			*user_id = o->cfg.admin_user;
		return 0;
	}
	for (i = 0; i < o->ngrants; i++) {
		const struct grant *g = &o->grants[i];

		if (!secret_equal(g->access, token))
			continue;
		if (g->access_revoked)
			return EACCES;
		if (g->access_expires_us <= now_us)
			return EKEYEXPIRED;
		if (user_id)
			*user_id = g->user;
		return 0;
	}
	return EACCES;
}

/* Ends every live access token now (admin "token expiry now"). */
unsigned sbx_oauth_expire_all(struct sbx_oauth *o, int64_t now_us)
{
	unsigned n = 0;
	size_t i;

	if (!o)
		return 0;
	for (i = 0; i < o->ngrants; i++) {
		struct grant *g = &o->grants[i];

		if (!g->access_revoked && g->access_expires_us > now_us) {
			g->access_expires_us = now_us;
			n++;
		}
	}
	return n;
}

/* Counts live codes, access tokens and refresh tokens. */
void sbx_oauth_stats(const struct sbx_oauth *o, int64_t now_us, unsigned *codes,
                     unsigned *access_live, unsigned *refresh_live)
{
	unsigned c = 0, a = 0, r = 0;
	size_t i;

	for (i = 0; o && i < o->ncodes; i++)
		c += !o->codes[i].used && o->codes[i].expires_us > now_us;
	for (i = 0; o && i < o->ngrants; i++) {
		a += !o->grants[i].access_revoked && o->grants[i].access_expires_us > now_us;
		r += o->grants[i].refresh[0] && !o->grants[i].refresh_revoked;
	}
	if (codes)
		*codes = c;
	if (access_live)
		*access_live = a;
	if (refresh_live)
		*refresh_live = r;
}

/* Visits every grant that can still be used (for the state file). */
void sbx_oauth_foreach(const struct sbx_oauth *o, int64_t now_us, sbx_oauth_grant_h *h, void *arg)
{
	size_t i;

	for (i = 0; o && h && i < o->ngrants; i++) {
		const struct grant *g = &o->grants[i];
		struct sbx_oauth_saved sv;

		if ((g->access_revoked || g->access_expires_us <= now_us) &&
		    (g->refresh_revoked || !g->refresh[0]))
			continue;
		sv.access = g->access;
		sv.refresh = g->refresh;
		sv.scope = g->scope;
		sv.user = g->user;
		sv.access_expires_us = g->access_expires_us;
		sv.access_revoked = g->access_revoked;
		sv.refresh_revoked = g->refresh_revoked;
		h(&sv, arg);
	}
}

/* True for exactly SBX_OAUTH_TOKEN_LEN lowercase hex characters. */
static bool is_token(const char *s)
{
	size_t i;

	for (i = 0; s && i < SBX_OAUTH_TOKEN_LEN; i++) {
		if (!strchr("0123456789abcdef", s[i]) || !s[i])
			return false;
	}
	return s && s[SBX_OAUTH_TOKEN_LEN] == '\0';
}

/* Adds back a grant read from the state file. */
int sbx_oauth_restore(struct sbx_oauth *o, const struct sbx_oauth_saved *sv)
{
	struct grant *g;
	int err;

	if (!o || !sv || !is_token(sv->access) || !sv->refresh ||
	    (sv->refresh[0] && !is_token(sv->refresh)))
		return EINVAL;
	err = grow((void **)&o->grants, &o->capgrants, o->ngrants, sizeof(*o->grants));
	if (err)
		return err;
	g = &o->grants[o->ngrants];
	memset(g, 0, sizeof(*g));
	text_copy(g->access, sizeof(g->access), sv->access);
	text_copy(g->refresh, sizeof(g->refresh), sv->refresh);
	text_copy(g->scope, sizeof(g->scope), sv->scope ? sv->scope : "default");
	g->user = sv->user;
	g->access_expires_us = sv->access_expires_us;
	g->access_revoked = sv->access_revoked;
	g->refresh_revoked = sv->refresh_revoked;
	o->ngrants++;
	return 0;
}

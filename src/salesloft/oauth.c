/*
 * oauth: authorize URL, redirect parsing and the token endpoint (code exchange, refresh).
 *
 * Token requests are sent form-encoded, as RFC 6749 specifies and as working Salesloft
 * clients send refreshes (the four fields client_id, client_secret, grant_type,
 * refresh_token). The answer is JSON either way; an OAuth error is {"error",
 * "error_description"}, and invalid_grant is singled out because it is the one error that
 * means the user has to connect again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <cjson/cJSON.h>

#include "loftdial/httpc.h"
#include "loftdial/log.h"
#include "loftdial/oauth.h"
#include "loftdial/sldecode.h"
#include "loftdial/slurl.h"
#include "loftdial/text.h"

#define BODY_MAX 16384

struct oauth_req {
	struct httpc_req *http;
	oauth_token_h *h;
	void *arg;
};

int oauth_random_state(char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[OAUTH_STATE_LEN / 2];
	size_t got = 0, i;

	if (!out || n < OAUTH_STATE_LEN + 1)
		return EINVAL;
	while (got < sizeof(raw)) {
		ssize_t r = getrandom(raw + got, sizeof(raw) - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		got += (size_t)r;
	}
	for (i = 0; i < sizeof(raw); i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[OAUTH_STATE_LEN] = '\0';
	return 0;
}

/* Copies the finished URL into out. */
static int finish(struct slurl *u, char *out, size_t n)
{
	int err = slurl_err(u);

	if (!err)
		err = text_copy(out, n, slurl_str(u));
	slurl_reset(u);
	return err;
}

int oauth_authorize_url(char *out, size_t n, const char *accounts_url, const char *client_id,
                        const char *redirect_uri, const char *state, const char *scope)
{
	char base[1024];
	struct slurl u;

	if (!out || !accounts_url || !client_id || !redirect_uri || !state)
		return EINVAL;
	if (text_printf(base, sizeof(base), "%s/oauth/authorize", accounts_url))
		return E2BIG;
	slurl_init(&u, base);
	slurl_add(&u, "client_id", client_id);
	slurl_add(&u, "redirect_uri", redirect_uri);
	slurl_add(&u, "response_type", "code");
	slurl_add(&u, "state", state);
	if (scope && *scope)
		slurl_add(&u, "scope", scope);
	return finish(&u, out, n);
}

/* True when s looks like a bare code: no separators a URL or query would have. */
static bool bare_code(const char *s)
{
	return *s && !strpbrk(s, "?&=/: \t");
}

int oauth_parse_callback(const char *input, char *code, size_t code_n, char *state, size_t state_n,
                         char *msg, size_t msg_n)
{
	char buf[4096], err[256], desc[512];
	size_t len;
	const char *s;
	int rc;

	if (!input || !code || !state || !msg || !code_n || !state_n || !msg_n)
		return EINVAL;
	code[0] = state[0] = msg[0] = '\0';
	/* Pasted text often carries blanks or a newline around it. */
	while (*input == ' ' || *input == '\t' || *input == '\n' || *input == '\r')
		input++;
	len = strcspn(input, "\r\n");
	while (len && (input[len - 1] == ' ' || input[len - 1] == '\t'))
		len--;
	if (!len || len >= sizeof(buf)) {
		text_copy(msg, msg_n, len ? "the pasted text is too long" : "nothing was pasted");
		return EINVAL;
	}
	memcpy(buf, input, len);
	buf[len] = '\0';
	s = buf;
	if (bare_code(s)) {
		if (text_copy(code, code_n, s))
			return EINVAL;
		return 0;
	}
	if (!slurl_param(s, "error", err, sizeof(err))) {
		if (slurl_param(s, "error_description", desc, sizeof(desc)))
			desc[0] = '\0';
		char raw[800];

		snprintf(raw, sizeof(raw), "authorization refused: %s%s%s", err, *desc ? ": " : "",
		         desc);
		text_sanitize(msg, msg_n, raw, false);
		return EACCES;
	}
	rc = slurl_param(s, "code", code, code_n);
	if (rc || !*code) {
		code[0] = '\0';
		text_copy(msg, msg_n, "no code= in what was pasted");
		return EINVAL;
	}
	if (slurl_param(s, "state", state, state_n))
		state[0] = '\0';
	return 0;
}

bool oauth_state_ok(const char *sent, const char *received)
{
	size_t n;

	if (!sent || !received || !*sent)
		return false;
	n = strlen(sent);
	if (strlen(received) != n)
		return false;
	return text_equal_ct(sent, received, n);
}

int oauth_code_body(char *out, size_t n, const struct oauth_client *c, const char *code,
                    const char *redirect_uri)
{
	struct slurl u;
	int err;

	if (!out || !c || !code || !redirect_uri)
		return EINVAL;
	slurl_init(&u, "?");
	slurl_add(&u, "grant_type", "authorization_code");
	slurl_add(&u, "client_id", c->client_id ? c->client_id : "");
	slurl_add(&u, "client_secret", c->client_secret ? c->client_secret : "");
	slurl_add(&u, "code", code);
	slurl_add(&u, "redirect_uri", redirect_uri);
	err = slurl_err(&u);
	if (!err) /* the builder starts from "?" and writes "&k=v" pairs: skip "?&" */
		err = text_copy(out, n, slurl_str(&u) + 2);
	slurl_reset(&u);
	return err;
}

int oauth_refresh_body(char *out, size_t n, const struct oauth_client *c, const char *refresh_token)
{
	struct slurl u;
	int err;

	if (!out || !c || !refresh_token)
		return EINVAL;
	slurl_init(&u, "?");
	slurl_add(&u, "grant_type", "refresh_token");
	slurl_add(&u, "client_id", c->client_id ? c->client_id : "");
	slurl_add(&u, "client_secret", c->client_secret ? c->client_secret : "");
	slurl_add(&u, "refresh_token", refresh_token);
	err = slurl_err(&u);
	if (!err)
		err = text_copy(out, n, slurl_str(&u) + 2);
	slurl_reset(&u);
	return err;
}

int oauth_token_parse(long status, const char *body, size_t len, struct oauth_token *out, char *msg,
                      size_t msg_n)
{
	const char *at, *rt, *tt, *sc;
	cJSON *root = NULL;
	int err = 0;

	if (!out || !msg || !msg_n)
		return EINVAL;
	memset(out, 0, sizeof(*out));
	msg[0] = '\0';
	if (status < 200 || status > 299) {
		if (sldecode_is_invalid_grant(body, len)) {
			text_copy(msg, msg_n, "connection expired: run loftdial connect");
			return EKEYREVOKED;
		}
		sldecode_error(body, len, msg, msg_n);
		return EPROTO;
	}
	root = body && len && len < BODY_MAX ? cJSON_ParseWithLength(body, len) : NULL;
	at = sldecode_str(root, "access_token");
	if (!at || !*at) {
		text_copy(msg, msg_n, "the token answer has no access_token");
		err = EBADMSG;
		goto out;
	}
	rt = sldecode_str(root, "refresh_token");
	tt = sldecode_str(root, "token_type");
	sc = sldecode_str(root, "scope");
	if (text_copy(out->access_token, sizeof(out->access_token), at) ||
	    text_copy(out->refresh_token, sizeof(out->refresh_token), rt ? rt : "")) {
		text_copy(msg, msg_n, "the token answer has an oversized token");
		err = EBADMSG;
		goto out;
	}
	text_copy(out->token_type, sizeof(out->token_type), tt ? tt : "bearer");
	text_copy(out->scope, sizeof(out->scope), sc ? sc : "");
	/* A string such as "9223372036854775807" reads as a number too: bound it, since the
	 * client adds it to the clock (slapi_set_tokens). */
	out->expires_in = sldecode_int(root, "expires_in", 0);
	if (out->expires_in < 0)
		out->expires_in = 0;
	if (out->expires_in > OAUTH_EXPIRES_MAX)
		out->expires_in = OAUTH_EXPIRES_MAX;
	out->created_at = sldecode_int(root, "created_at", 0);
	if (out->created_at < 0 || out->created_at > 9007199254740992LL)
		out->created_at = 0;
out:
	cJSON_Delete(root);
	if (err)
		memset(out, 0, sizeof(*out));
	return err;
}

/* The token endpoint answered (or failed): parse and hand over. */
static void token_done(int err, const struct httpc_resp *resp, void *arg)
{
	struct oauth_req *r = arg;
	struct oauth_token *tok = calloc(1, sizeof(*tok));
	char msg[512];

	if (!tok) {
		r->h(ENOMEM, NULL, "out of memory", r->arg);
		free(r);
		return;
	}
	if (err) {
		snprintf(msg, sizeof(msg), "token request failed: %s",
		         resp && resp->errmsg ? resp->errmsg : strerror(err));
		log_warn("oauth", "%s", msg);
		r->h(err, NULL, msg, r->arg);
	} else {
		err = oauth_token_parse(resp->status, resp->body, resp->body_len, tok, msg,
		                        sizeof(msg));
		if (err)
			log_warn("oauth", "token endpoint: HTTP %ld: %s", resp->status, msg);
		r->h(err, err ? NULL : tok, msg, r->arg);
	}
	explicit_bzero(tok, sizeof(*tok));
	free(tok);
	free(r);
}

/* POSTs a form body to <accounts_url>/oauth/token. */
static int token_post(const struct oauth_client *c, const char *body, oauth_token_h *h, void *arg,
                      struct oauth_req **reqp)
{
	static const struct httpc_header hdrs[] = {
	        {"Content-Type", "application/x-www-form-urlencoded"},
	        {"Accept", "application/json"},
	};
	struct httpc_opts o = {0};
	struct oauth_req *r;
	char url[1024];
	int err;

	if (!c->accounts_url || text_printf(url, sizeof(url), "%s/oauth/token", c->accounts_url))
		return EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	r->h = h;
	r->arg = arg;
	o.method = "POST";
	o.url = url;
	o.headers = hdrs;
	o.nheaders = sizeof(hdrs) / sizeof(hdrs[0]);
	o.body = body;
	o.body_len = strlen(body);
	o.timeout_ms = c->timeout_ms ? c->timeout_ms : 30000;
	o.max_body = BODY_MAX;
	err = httpc_send(&o, token_done, r, &r->http);
	if (err) {
		free(r);
		return err;
	}
	if (reqp)
		*reqp = r;
	return 0;
}

int oauth_exchange(const struct oauth_client *c, const char *code, const char *redirect_uri,
                   oauth_token_h *h, void *arg, struct oauth_req **reqp)
{
	char body[BODY_MAX];
	int err;

	if (!c || !h)
		return EINVAL;
	err = oauth_code_body(body, sizeof(body), c, code, redirect_uri);
	if (!err)
		err = token_post(c, body, h, arg, reqp);
	explicit_bzero(body, sizeof(body));
	return err;
}

int oauth_refresh(const struct oauth_client *c, const char *refresh_token, oauth_token_h *h,
                  void *arg, struct oauth_req **reqp)
{
	char body[BODY_MAX];
	int err;

	if (!c || !h || !refresh_token || !*refresh_token)
		return EINVAL;
	err = oauth_refresh_body(body, sizeof(body), c, refresh_token);
	if (!err)
		err = token_post(c, body, h, arg, reqp);
	explicit_bzero(body, sizeof(body));
	return err;
}

void oauth_cancel(struct oauth_req *req)
{
	if (!req)
		return;
	httpc_cancel(req->http);
	free(req);
}

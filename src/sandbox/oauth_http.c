/*
 * oauth_http: the sandbox's OAuth endpoints and its Bearer-token check.
 *
 *  GET  /oauth/authorize  the consent page (every echoed value HTML-escaped); an unknown
 *                         client_id or a redirect_uri that is not allowed gives an error page
 *                         and never a redirect
 *  POST /oauth/authorize  the consent form's answer: 302 to redirect_uri with code, context,
 *                         scope and state (approve), or error=access_denied and state (deny)
 *  POST /oauth/token      authorization_code, refresh_token and client_credentials grants;
 *                         JSON or form-encoded bodies (both appear in Salesloft's docs and in
 *                         working clients), client credentials in the body or HTTP Basic
 *
 * Salesloft serves these at accounts.salesloft.com; the sandbox serves them on its one port,
 * so a client points both its API URL and its accounts URL at the sandbox. The state behind
 * them (codes, tokens, rotation) is oauth.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <re.h>
#include <sqlite3.h>

#include "loftdial/log.h"
#include "sbx.h"
#include "sbx_oauth.h"
#include "loftdial/text.h"

static struct {
	struct sbx *sbx;
	struct sbx_oauth *oauth;
} O;

static void persist(void);

/* The running sandbox's OAuth state, for the admin API. */
struct sbx_oauth *sbx_oauth_of(const struct sbx *sbx)
{
	return sbx && sbx == O.sbx ? O.oauth : NULL;
}

/* Appends text escaped for HTML text and double-quoted attributes. */
int sbx_oauth_html_escape(struct mbuf *mb, const char *s)
{
	int err = 0;

	if (!mb)
		return EINVAL;
	for (; s && *s && !err; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&':
			err = mbuf_write_str(mb, "&amp;");
			break;
		case '<':
			err = mbuf_write_str(mb, "&lt;");
			break;
		case '>':
			err = mbuf_write_str(mb, "&gt;");
			break;
		case '"':
			err = mbuf_write_str(mb, "&quot;");
			break;
		case '\'':
			err = mbuf_write_str(mb, "&#39;");
			break;
		default:
			/* Other control characters have no business in a page; drop them. */
			if (c < 0x20 && c != '\t' && c != '\n')
				break;
			if (c == 0x7f)
				break;
			err = mbuf_write_u8(mb, c);
		}
	}
	return err;
}

/* Appends text percent-encoded for a query string. */
int sbx_oauth_url_encode(struct mbuf *mb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int err = 0;

	if (!mb)
		return EINVAL;
	for (; s && *s && !err; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~')
			err = mbuf_write_u8(mb, c);
		else
			err = mbuf_printf(mb, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	return err;
}

/* Appends a redirect URI with query parameters added. */
int sbx_oauth_redirect_build(struct mbuf *mb, const char *redirect_uri, const char *const *pairs,
                             size_t npairs)
{
	char sep = strchr(redirect_uri ? redirect_uri : "", '?') ? '&' : '?';
	int err;
	size_t i;

	if (!mb || !redirect_uri || (npairs && !pairs))
		return EINVAL;
	err = mbuf_write_str(mb, redirect_uri);
	for (i = 0; i < npairs && !err; i++) {
		const char *name = pairs[2 * i], *value = pairs[2 * i + 1];

		if (!name || !value)
			continue;
		err = mbuf_printf(mb, "%c", sep);
		err |= sbx_oauth_url_encode(mb, name);
		err |= mbuf_write_str(mb, "=");
		err |= sbx_oauth_url_encode(mb, value);
		sep = '&';
	}
	return err;
}

/* A request field from the form body, the JSON body, or the query, in that order. */
static const char *field(struct sbx_req *req, const cJSON *json, const char *name)
{
	const char *v = NULL;

	if (json) {
		const cJSON *item = cJSON_GetObjectItemCaseSensitive(json, name);

		if (cJSON_IsString(item))
			return item->valuestring;
		return NULL;
	}
	v = sbx_req_form(req, name);
	if (!v)
		v = sbx_req_param(req, name);
	return v;
}

/* True when the request carries a JSON body. */
static bool is_json(struct sbx_req *req)
{
	const char *ct = sbx_req_header(req, "Content-Type");

	return ct && strstr(ct, "json");
}

/* Sends an mbuf's contents as the reply body. */
static void reply_mbuf(struct sbx_req *req, uint16_t status, const char *ctype, struct mbuf *mb)
{
	if (!mb) {
		sbx_reply_error(req, 500, "out of memory");
		return;
	}
	sbx_reply(req, status, ctype, (const char *)mb->buf, mb->end);
}

/* The page skeleton's head, with an escaped title. */
static int page_open(struct mbuf *mb, const char *title)
{
	int err = mbuf_write_str(mb, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	                             "charset=\"utf-8\"><title>");

	err |= sbx_oauth_html_escape(mb, title);
	err |= mbuf_write_str(mb, "</title></head>\n<body>\n<h1>");
	err |= sbx_oauth_html_escape(mb, title);
	err |= mbuf_write_str(mb, "</h1>\n");
	return err;
}

/* An error page: the message escaped, no redirect. */
static void error_page(struct sbx_req *req, uint16_t status, const char *msg)
{
	struct mbuf *mb = mbuf_alloc(1024);
	int err;

	if (!mb) {
		sbx_reply_error(req, 500, "out of memory");
		return;
	}
	err = page_open(mb, "Authorization error");
	err |= mbuf_write_str(mb, "<p id=\"error\">");
	err |= sbx_oauth_html_escape(mb, msg);
	err |= mbuf_write_str(mb, "</p>\n<p>This is the loftdial sandbox, not Salesloft.</p>\n"
	                          "</body></html>\n");
	if (err)
		sbx_reply_error(req, 500, "out of memory");
	else
		reply_mbuf(req, status, "text/html; charset=utf-8", mb);
	mem_deref(mb);
}

/* Writes a hidden form input with an escaped value (nothing when value is NULL). */
static int hidden(struct mbuf *mb, const char *name, const char *value)
{
	int err;

	if (!value)
		return 0;
	err = mbuf_printf(mb, "<input type=\"hidden\" name=\"%s\" value=\"", name);
	err |= sbx_oauth_html_escape(mb, value);
	err |= mbuf_write_str(mb, "\">\n");
	return err;
}

/* The user a consent acts as: ?user_id= (a sandbox extension) or the admin. 0 when unknown. */
static int64_t consent_user(struct sbx_req *req, char *name, size_t n)
{
	const char *uid = field(req, NULL, "user_id");
	int64_t user = sbx_oauth_config(O.oauth)->admin_user;
	cJSON *rec = NULL;

	if (uid && *uid) {
		char *end;
		long long v = strtoll(uid, &end, 10);

		if (*end || v <= 0)
			return 0;
		user = v;
	}
	if (sbx_record_get(O.sbx, SBX_USERS, user, &rec))
		return 0;
	{
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(rec, "name");

		text_copy(name, n, cJSON_IsString(nm) ? nm->valuestring : "");
	}
	cJSON_Delete(rec);
	return user;
}

/* GET /oauth/authorize: the consent page. */
static void authorize_page(struct sbx_req *req, void *arg)
{
	const char *client_id = field(req, NULL, "client_id");
	const char *redirect = field(req, NULL, "redirect_uri");
	const char *rtype = field(req, NULL, "response_type");
	const char *state = field(req, NULL, "state");
	const char *scope = field(req, NULL, "scope");
	const char *uid = field(req, NULL, "user_id");
	const char *msg = NULL;
	char name[256];
	struct mbuf *mb;
	int64_t user;
	int err;

	if (sbx_oauth_check_authorize(O.oauth, client_id, redirect, rtype, &msg)) {
		error_page(req, 400, msg);
		return;
	}
	user = consent_user(req, name, sizeof(name));
	if (!user) {
		error_page(req, 400, "The user_id does not name a user of this team.");
		return;
	}
	mb = mbuf_alloc(4096);
	if (!mb) {
		sbx_reply_error(req, 500, "out of memory");
		return;
	}
	err = page_open(mb, "Authorize application");
	err |= mbuf_write_str(mb, "<p>The application <strong id=\"client\">");
	err |= sbx_oauth_html_escape(mb, client_id);
	err |= mbuf_write_str(mb, "</strong> asks for access to your Salesloft account as <strong "
	                          "id=\"user\">");
	err |= sbx_oauth_html_escape(mb, name);
	err |= mbuf_write_str(mb, "</strong>.</p>\n<p>Scopes: <code id=\"scope\">");
	err |= sbx_oauth_html_escape(mb, scope && *scope ? scope : "default");
	err |= mbuf_write_str(mb,
	                      "</code></p>\n<p>You will be sent back to <code id=\"redirect\">");
	err |= sbx_oauth_html_escape(mb, redirect);
	err |= mbuf_write_str(mb,
	                      "</code></p>\n<form method=\"post\" action=\"/oauth/authorize\">\n");
	err |= hidden(mb, "client_id", client_id);
	err |= hidden(mb, "redirect_uri", redirect);
	err |= hidden(mb, "response_type", rtype);
	err |= hidden(mb, "state", state);
	err |= hidden(mb, "scope", scope);
	err |= hidden(mb, "user_id", uid);
	err |= mbuf_write_str(mb, "<button type=\"submit\" name=\"decision\" value=\"approve\" "
	                          "id=\"approve\">Approve</button>\n<button type=\"submit\" "
	                          "name=\"decision\" value=\"deny\" id=\"deny\">Deny</button>\n"
	                          "</form>\n<p>This is the loftdial sandbox, not Salesloft.</p>\n"
	                          "</body></html>\n");
	if (err)
		sbx_reply_error(req, 500, "out of memory");
	else
		reply_mbuf(req, 200, "text/html; charset=utf-8", mb);
	mem_deref(mb);
}

/* Replies 302 to a Location built from the redirect URI and query pairs. */
static void redirect_to(struct sbx_req *req, const char *uri, const char *const *pairs,
                        size_t npairs)
{
	struct mbuf *mb = mbuf_alloc(512);
	char *loc = NULL;

	if (!mb || sbx_oauth_redirect_build(mb, uri, pairs, npairs) ||
	    !(loc = text_dupn((const char *)mb->buf, mb->end))) {
		sbx_reply_error(req, 500, "out of memory");
		goto out;
	}
	if (sbx_reply_header(req, "Location", loc)) {
		error_page(req, 400, "The redirect uri included is not valid.");
		goto out;
	}
	sbx_reply_header(req, "Cache-Control", "no-store");
	sbx_reply(req, 302, "text/html; charset=utf-8", "", 0);
out:
	free(loc);
	mem_deref(mb);
}

/* POST /oauth/authorize: the consent form's answer. */
static void authorize_decide(struct sbx_req *req, void *arg)
{
	const char *client_id = field(req, NULL, "client_id");
	const char *redirect = field(req, NULL, "redirect_uri");
	const char *rtype = field(req, NULL, "response_type");
	const char *state = field(req, NULL, "state");
	const char *scope = field(req, NULL, "scope");
	const char *decision = field(req, NULL, "decision");
	const char *msg = NULL;
	char name[256], code[SBX_OAUTH_CODE_LEN + 1], context[64];
	int64_t user;

	/* The hidden fields came back from the browser: check them all again. */
	if (sbx_oauth_check_authorize(O.oauth, client_id, redirect, rtype, &msg)) {
		error_page(req, 400, msg);
		return;
	}
	if (decision && !strcmp(decision, "deny")) {
		const char *pairs[] = {"error",
		                       "access_denied",
		                       "error_description",
		                       "The resource owner or authorization server denied the "
		                       "request.",
		                       "state",
		                       state};

		redirect_to(req, redirect, pairs, 3);
		return;
	}
	user = consent_user(req, name, sizeof(name));
	if (!user) {
		error_page(req, 400, "The user_id does not name a user of this team.");
		return;
	}
	if (sbx_oauth_code_issue(O.oauth, redirect, scope, user, sbx_now_us(O.sbx), code,
	                         sizeof(code))) {
		sbx_reply_error(req, 500, "could not issue a code");
		return;
	}
	/* Salesloft's redirect carries an opaque "context"; the sandbox names the team. */
	snprintf(context, sizeof(context), "team:%lld", (long long)O.sbx->team.id);
	{
		const char *pairs[] = {"code",  code,    "context",
		                       context, "scope", scope && *scope ? scope : "default",
		                       "state", state};

		redirect_to(req, redirect, pairs, 4);
	}
}

/* Reads HTTP Basic client credentials (client_credentials flow, D-cc). */
static bool basic_auth(struct sbx_req *req, char *id, size_t idn, char *secret, size_t sn)
{
	const char *h = sbx_req_header(req, "Authorization");
	uint8_t raw[512];
	size_t len = sizeof(raw) - 1;
	char *colon;

	if (!h || strncasecmp(h, "Basic ", 6))
		return false;
	h += 6;
	while (*h == ' ')
		h++;
	if (base64_decode(h, strlen(h), raw, &len))
		return false;
	raw[len] = '\0';
	colon = strchr((char *)raw, ':');
	if (!colon)
		return false;
	*colon = '\0';
	if (text_copy(id, idn, (char *)raw) || text_copy(secret, sn, colon + 1))
		return false;
	memset(raw, 0, sizeof(raw));
	return true;
}

/* POST /oauth/token. */
static void token(struct sbx_req *req, void *arg)
{
	struct sbx_oauth_token_req rq;
	struct sbx_oauth_grant g;
	const char *error = NULL, *desc = NULL;
	char bid[160], bsecret[160];
	cJSON *json = NULL, *out = NULL;
	int status;

	if (is_json(req)) {
		size_t len;
		const char *body = sbx_req_body(req, &len);

		json = cJSON_ParseWithLength(body, len);
		if (!cJSON_IsObject(json)) {
			cJSON_Delete(json);
			json = NULL;
			out = cJSON_CreateObject();
			cJSON_AddStringToObject(out, "error", "invalid_request");
			cJSON_AddStringToObject(out, "error_description",
			                        "The request body is not a JSON object.");
			sbx_reply_cjson(req, 400, out);
			cJSON_Delete(out);
			return;
		}
	}
	memset(&rq, 0, sizeof(rq));
	rq.grant_type = field(req, json, "grant_type");
	rq.client_id = field(req, json, "client_id");
	rq.client_secret = field(req, json, "client_secret");
	rq.code = field(req, json, "code");
	rq.redirect_uri = field(req, json, "redirect_uri");
	rq.refresh_token = field(req, json, "refresh_token");
	rq.scope = field(req, json, "scope");
	if (!rq.client_id && basic_auth(req, bid, sizeof(bid), bsecret, sizeof(bsecret))) {
		rq.client_id = bid;
		rq.client_secret = bsecret;
	}
	status = sbx_oauth_token(O.oauth, &rq, sbx_now_us(O.sbx), &g, &error, &desc);
	out = cJSON_CreateObject();
	if (!out) {
		sbx_reply_error(req, 500, "out of memory");
		goto out;
	}
	if (status == 200) {
		cJSON_AddStringToObject(out, "access_token", g.access_token);
		cJSON_AddStringToObject(out, "token_type", "bearer");
		cJSON_AddNumberToObject(out, "expires_in", g.expires_in);
		if (g.refresh_token[0])
			cJSON_AddStringToObject(out, "refresh_token", g.refresh_token);
		cJSON_AddStringToObject(out, "scope", g.scope);
		cJSON_AddNumberToObject(out, "created_at", (double)g.created_at);
		log_info("sandbox", "oauth: %s grant for user %lld", rq.grant_type,
		         (long long)g.user_id);
		persist();
	} else {
		cJSON_AddStringToObject(out, "error", error);
		cJSON_AddStringToObject(out, "error_description", desc);
		if (status == 401)
			sbx_reply_header(req, "WWW-Authenticate", "Basic realm=\"Salesloft\"");
	}
	sbx_reply_header(req, "Cache-Control", "no-store");
	sbx_reply_header(req, "Pragma", "no-cache");
	sbx_reply_cjson(req, (uint16_t)status, out);
out:
	memset(&g, 0, sizeof(g));
	memset(bsecret, 0, sizeof(bsecret));
	cJSON_Delete(out);
	cJSON_Delete(json);
}

/* ---- persistence in the state file (--state only) ---- */

/* Runs SQL without results; false (logged) on failure. */
static bool exec_sql(const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(O.sbx->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return true;
	log_warn("sandbox", "oauth state: %s", msg ? msg : "?");
	sqlite3_free(msg);
	return false;
}

/* Inserts one grant through the prepared statement in arg. */
static void save_one(const struct sbx_oauth_saved *g, void *arg)
{
	sqlite3_stmt *st = arg;

	sqlite3_bind_text(st, 1, g->access, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, g->refresh, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, g->scope, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, g->user);
	sqlite3_bind_int64(st, 5, g->access_expires_us);
	sqlite3_bind_int(st, 6, g->access_revoked);
	sqlite3_bind_int(st, 7, g->refresh_revoked);
	if (sqlite3_step(st) != SQLITE_DONE)
		log_warn("sandbox", "oauth state: %s", sqlite3_errmsg(O.sbx->db));
	sqlite3_reset(st);
}

/* Saves the usable grants, replacing what was saved before. */
static void persist(void)
{
	sqlite3_stmt *st = NULL;

	if (!O.sbx || !O.sbx->db || !O.sbx->opts.state[0])
		return;
	if (!exec_sql("BEGIN"))
		return;
	if (exec_sql("DELETE FROM sbx_oauth_grants") &&
	    sqlite3_prepare_v2(O.sbx->db,
	                       "INSERT OR REPLACE INTO sbx_oauth_grants VALUES(?,?,?,?,?,?,?)", -1,
	                       &st, NULL) == SQLITE_OK)
		sbx_oauth_foreach(O.oauth, sbx_now_us(O.sbx), save_one, st);
	sqlite3_finalize(st);
	exec_sql("COMMIT");
}

/* Loads the grants a previous run saved. */
static void restore(void)
{
	sqlite3_stmt *st = NULL;
	unsigned n = 0;

	if (!O.sbx->opts.state[0])
		return;
	if (!exec_sql("CREATE TABLE IF NOT EXISTS sbx_oauth_grants(access TEXT PRIMARY KEY, "
	              "refresh TEXT, scope TEXT, user_id INTEGER, access_expires_us INTEGER, "
	              "access_revoked INTEGER, refresh_revoked INTEGER)"))
		return;
	if (sqlite3_prepare_v2(O.sbx->db, "SELECT * FROM sbx_oauth_grants", -1, &st, NULL) !=
	    SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct sbx_oauth_saved sv;

		sv.access = (const char *)sqlite3_column_text(st, 0);
		sv.refresh = (const char *)sqlite3_column_text(st, 1);
		sv.scope = (const char *)sqlite3_column_text(st, 2);
		sv.user = sqlite3_column_int64(st, 3);
		sv.access_expires_us = sqlite3_column_int64(st, 4);
		sv.access_revoked = sqlite3_column_int(st, 5) != 0;
		sv.refresh_revoked = sqlite3_column_int(st, 6) != 0;
		n += sbx_oauth_restore(O.oauth, &sv) == 0;
	}
	sqlite3_finalize(st);
	if (n)
		log_info("sandbox", "oauth: %u grants restored from the state file", n);
}

/* The Bearer check the core calls for every /v2/ request. */
static int check_bearer(struct sbx *sbx, const char *tok, int64_t *user_id, const char **msg,
                        void *arg)
{
	int err = sbx_oauth_check_bearer(O.oauth, tok, sbx_now_us(sbx), user_id);

	if (err == EKEYEXPIRED)
		*msg = "The access token expired";
	else if (err)
		*msg = "The access token is invalid";
	return err;
}

/* Frees the OAuth state when the sandbox closes. */
static void on_close(struct sbx *sbx, void *arg)
{
	sbx->auth_check = NULL;
	persist();
	sbx_oauth_free(O.oauth);
	memset(&O, 0, sizeof(O));
}

/* Creates the OAuth state, restores saved grants, adds the routes and the Bearer hook. */
int sbx_auth_register(struct sbx *sbx)
{
	struct sbx_oauth_cfg cfg;
	int err;

	if (!sbx || O.sbx)
		return EINVAL;
	sbx_oauth_cfg_default(&cfg);
	text_copy(cfg.api_key, sizeof(cfg.api_key), sbx->opts.api_key);
	if (sbx->opts.client_id[0])
		text_copy(cfg.client_id, sizeof(cfg.client_id), sbx->opts.client_id);
	if (sbx->opts.client_secret[0])
		text_copy(cfg.client_secret, sizeof(cfg.client_secret), sbx->opts.client_secret);
	text_copy(cfg.redirect_uri, sizeof(cfg.redirect_uri), sbx->opts.redirect_uri);
	if (sbx->opts.token_ttl)
		cfg.token_ttl_s = sbx->opts.token_ttl;
	cfg.keep_old_access = sbx->opts.refresh_keeps_access;
	err = sbx_oauth_new(&O.oauth, &cfg);
	if (err)
		return err;
	O.sbx = sbx;
	restore();
	err = sbx_route(sbx, "GET", "/oauth/authorize", authorize_page, NULL);
	err |= sbx_route(sbx, "POST", "/oauth/authorize", authorize_decide, NULL);
	err |= sbx_route(sbx, "POST", "/oauth/token", token, NULL);
	err |= sbx_on_close(sbx, on_close, NULL);
	if (err)
		return ENOMEM;
	sbx->auth_check = check_bearer;
	sbx->auth_arg = NULL;
	return 0;
}

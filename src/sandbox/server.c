/*
 * server: the sandbox's HTTP front: libre's http_listen, the router, the request view, the
 * replies, and the /v2/ pipeline (Bearer check → rate limit → route) that makes every
 * Salesloft path behave alike.
 *
 * libre 1.1.0's server (src/http/server.c) buffers a whole request, body included, before it
 * calls us, caps a connection's receive buffer at 512 KiB (a bigger request closes the
 * connection), keeps connections open between requests (idle timeout 10 min; 10 s before the
 * first request) and has no connection limit. It never answers "Expect: 100-continue", so a
 * client that sends that header waits for its own timeout (1 s in libcurl) before sending the
 * body. Replies are written whole with tcp_send; libre queues what the socket does not take
 * at once, up to a per-connection queue size we raise so big pages and pipelined requests fit.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <re.h>

#include "loftdial/log.h"
#include "sbx_core.h"
#include "loftdial/text.h"

#define MAX_REPLY_HEADERS 16
#define MAX_ARGS          4
#define TXQ_MAX           (64u * 1024 * 1024)
#define TXMB_KEEP         (16u * 1024 * 1024)

struct sbx_req {
	struct sbx *sbx;
	struct http_conn *conn; /* referenced while the request lives */
	char method[8];
	char *path;
	struct sbx_pairs params, headers, form, args, rhdrs;
	char *body;
	size_t body_len;
	bool form_parsed;
	bool v2;
	bool replied, held;
	bool dispatching;   /* inside dispatch(): the pipeline frees the request */
	size_t next_filter; /* where sbx_req_resume continues */
	int64_t user;
	const char *token; /* points into headers */
	unsigned cost, remaining;
	bool rl_headers;
	/* Fault injection: the reply is lost (lose, late_ms 0) or sent late_ms late, from
	 * late_mb on late_tmr; late_next links the late replies (sbx_priv.late). */
	bool lose;
	unsigned late_ms;
	struct mbuf *late_mb;
	struct tmr late_tmr;
	struct sbx_req *late_next;
};

/* Appends a pair (both strings copied). */
static int pairs_add(struct sbx_pairs *s, const char *k, size_t kl, const char *v, size_t vl)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct sbx_pair *a = realloc(s->a, cap * sizeof(*a));

		if (!a)
			return ENOMEM;
		s->a = a;
		s->cap = cap;
	}
	s->a[s->n].k = text_dupn(k, kl);
	s->a[s->n].v = text_dupn(v, vl);
	if (!s->a[s->n].k || !s->a[s->n].v) {
		free(s->a[s->n].k);
		free(s->a[s->n].v);
		return ENOMEM;
	}
	s->n++;
	return 0;
}

/* Frees all pairs. */
void sbx_pairs_free(struct sbx_pairs *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->a[i].k);
		free(s->a[i].v);
	}
	free(s->a);
	memset(s, 0, sizeof(*s));
}

/* The value of a hex digit, or -1. */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes application/x-www-form-urlencoded text in place: '+' is a space and "%XY" the
 * byte XY. A broken escape ("%zz", a lone '%') stays as it is, and so does "%00": a decoded
 * NUL would silently cut the C string every consumer reads, so that "page=2%00junk" would
 * pass as page 2; kept literal, such a value fails validation or matches nothing. Returns the
 * new length (never more than n). */
size_t sbx_url_decode(char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '+') {
			s[o++] = ' ';
		} else if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
		           (lo = hexval(s[i + 2])) >= 0 && (hi | lo) != 0) {
			s[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			s[o++] = s[i];
		}
	}
	return o;
}

/* Splits "a=1&b=2" (n bytes) into decoded pairs appended to out (see sbx_core.h). */
int sbx_pairs_parse(struct sbx_pairs *out, const char *s, size_t n)
{
	size_t i = 0;
	int err = 0;

	if (!out || (!s && n))
		return EINVAL;
	if (n && memchr(s, '\0', n))
		return EINVAL; /* not a URL; and C strings could not hold it */
	while (i < n && !err) {
		const char *amp = memchr(s + i, '&', n - i);
		size_t j = amp ? (size_t)(amp - s) : n, eq;

		for (eq = i; eq < j && s[eq] != '='; eq++)
			;
		if (j > i) {
			char *k = text_dupn(s + i, eq - i);
			char *v = text_dupn(eq < j ? s + eq + 1 : "", eq < j ? j - eq - 1 : 0);

			if (!k || !v)
				err = ENOMEM;
			else
				err = pairs_add(out, k, sbx_url_decode(k, eq - i), v,
				                sbx_url_decode(v, eq < j ? j - eq - 1 : 0));
			free(k);
			free(v);
		}
		i = j + 1;
	}
	return err;
}

/* Frees a request and drops its connection reference. */
static void req_free(struct sbx_req *req)
{
	if (!req)
		return;
	sbx_pairs_free(&req->params);
	sbx_pairs_free(&req->headers);
	sbx_pairs_free(&req->form);
	sbx_pairs_free(&req->args);
	sbx_pairs_free(&req->rhdrs);
	free(req->path);
	free(req->body);
	mem_deref(req->conn);
	free(req);
}

/* ---- the request view ---- */

/* The sandbox a request belongs to. */
struct sbx *sbx_req_sbx(const struct sbx_req *req)
{
	return req ? req->sbx : NULL;
}

/* The request method. */
const char *sbx_req_method(const struct sbx_req *req)
{
	return req ? req->method : "";
}

/* The path without query and ".json". */
const char *sbx_req_path(const struct sbx_req *req)
{
	return req ? req->path : "";
}

/* Looks a name up in pairs. */
static const char *pairs_get(const struct sbx_pairs *s, const char *name, bool nocase)
{
	for (size_t i = 0; i < s->n; i++) {
		if (nocase ? !strcasecmp(s->a[i].k, name) : !strcmp(s->a[i].k, name))
			return s->a[i].v;
	}
	return NULL;
}

/* A ":name" segment of the matched route. */
const char *sbx_req_arg(const struct sbx_req *req, const char *name)
{
	return req && name ? pairs_get(&req->args, name, false) : NULL;
}

/* The first query parameter of that name. */
const char *sbx_req_param(const struct sbx_req *req, const char *name)
{
	return req && name ? pairs_get(&req->params, name, false) : NULL;
}

/* All values of a query parameter. */
size_t sbx_req_params(const struct sbx_req *req, const char *name, const char **vals, size_t max)
{
	size_t n = 0;

	if (!req || !name)
		return 0;
	for (size_t i = 0; i < req->params.n; i++) {
		if (strcmp(req->params.a[i].k, name))
			continue;
		if (vals && n < max)
			vals[n] = req->params.a[i].v;
		n++;
	}
	return n;
}

/* A request header, case-insensitively. */
const char *sbx_req_header(const struct sbx_req *req, const char *name)
{
	return req && name ? pairs_get(&req->headers, name, true) : NULL;
}

/* The raw body. */
const char *sbx_req_body(const struct sbx_req *req, size_t *len)
{
	if (len)
		*len = req ? req->body_len : 0;
	return req && req->body ? req->body : "";
}

/* A field of a form-encoded body (parsed on first use). */
const char *sbx_req_form(const struct sbx_req *req, const char *name)
{
	struct sbx_req *r = (struct sbx_req *)req;

	if (!req || !name)
		return NULL;
	if (!r->form_parsed) {
		r->form_parsed = true;
		/* A body that is not form text (a NUL in it) has no fields at all. */
		if (r->body_len && sbx_pairs_parse(&r->form, r->body, r->body_len))
			sbx_pairs_free(&r->form);
	}
	return pairs_get(&r->form, name, false);
}

/* The authenticated user. */
int64_t sbx_req_user(const struct sbx_req *req)
{
	return req ? req->user : 0;
}

/* The Bearer token. */
const char *sbx_req_token(const struct sbx_req *req)
{
	return req ? req->token : NULL;
}

/* Keeps the request for a later reply. */
void sbx_req_hold(struct sbx_req *req)
{
	if (req)
		req->held = true;
}

/* Marks the reply to be lost or sent late (fault injection). */
void sbx_req_lose_reply(struct sbx_req *req, unsigned late_ms)
{
	if (!req)
		return;
	req->lose = true;
	req->late_ms = late_ms;
}

/* Unlinks a late reply from the sandbox's list. */
static void late_unlink(struct sbx_req *req)
{
	struct sbx_req **pp = &req->sbx->priv->late;

	while (*pp && *pp != req)
		pp = &(*pp)->late_next;
	if (*pp)
		*pp = req->late_next;
	req->late_next = NULL;
}

/* A late reply's time has come: sent if the client is still there, then released. */
static void late_send(void *arg)
{
	struct sbx_req *req = arg;
	struct tcp_conn *tc = http_conn_tcp(req->conn);

	late_unlink(req);
	if (tc) {
		tcp_conn_txqsz_set(tc, TXQ_MAX);
		(void)tcp_send(tc, req->late_mb);
	}
	req->late_mb = mem_deref(req->late_mb);
	req_free(req);
}

/* Closes the connection without answering. */
void sbx_req_drop(struct sbx_req *req)
{
	if (!req || req->replied)
		return;
	req->replied = true;
	http_conn_close(req->conn);
	if (!req->dispatching)
		req_free(req);
}

/* The page number a list request asks for (>= 1). */
long sbx_req_page(const struct sbx_req *req)
{
	const char *p = sbx_req_param(req, "page");
	char *end;
	long v;

	if (!p || !*p)
		return 1;
	v = strtol(p, &end, 10);
	return (*end || v < 1) ? 1 : v;
}

/* Records the rate-limit figures the reply headers will carry. */
void sbx_req_set_ratelimit(struct sbx_req *req, unsigned cost, unsigned remaining)
{
	req->cost = cost;
	req->remaining = remaining;
	req->rl_headers = true;
}

/* ---- replies ---- */

/* Adds a header to the coming reply. */
int sbx_reply_header(struct sbx_req *req, const char *name, const char *value)
{
	if (!req || !name || !value)
		return EINVAL;
	if (req->rhdrs.n >= MAX_REPLY_HEADERS)
		return ENOSPC;
	if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
		return EINVAL;
	return pairs_add(&req->rhdrs, name, strlen(name), value, strlen(value));
}

/* The reason phrase of a status. */
static const char *reason(uint16_t status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 302:
		return "Found";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 422:
		return "Unprocessable Entity";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "Status";
	}
}

/* Sends any reply and releases the request when it was held. */
int sbx_reply(struct sbx_req *req, uint16_t status, const char *content_type, const char *body,
              size_t len)
{
	static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mn[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tcp_conn *tc;
	struct mbuf *mb;
	struct tm tm;
	time_t t;
	bool late;
	int err;

	if (!req || req->replied)
		return EALREADY;
	if (req->lose && !req->late_ms) {
		/* The request was served; its reply never leaves (fault injection). */
		sbx_req_drop(req);
		return 0;
	}
	late = req->lose;
	req->replied = true;
	tc = http_conn_tcp(req->conn);
	if (!tc) {
		err = ENOTCONN;
		goto out;
	}
	/* One reply buffer, reused: its capacity stays, so big pages cost no page faults. A
	 * late reply has its own, kept until it is sent. */
	if (!late && !req->sbx->priv->txmb)
		req->sbx->priv->txmb = mbuf_alloc(len + 512);
	mb = late ? mbuf_alloc(len + 512) : req->sbx->priv->txmb;
	if (!mb) {
		err = ENOMEM;
		goto out;
	}
	mbuf_rewind(mb);
	t = (time_t)(sbx_now_us(req->sbx) / 1000000);
	gmtime_r(&t, &tm);
	err = mbuf_printf(mb,
	                  "HTTP/1.1 %u %s\r\nDate: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n"
	                  "Content-Length: %zu\r\n",
	                  status, reason(status), wd[tm.tm_wday], tm.tm_mday, mn[tm.tm_mon],
	                  tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, len);
	if (content_type)
		err |= mbuf_printf(mb, "Content-Type: %s\r\n", content_type);
	if (req->rl_headers)
		err |= mbuf_printf(mb,
		                   "x-ratelimit-endpoint-cost: %u\r\n"
		                   "x-ratelimit-remaining-minute: %u\r\n",
		                   req->cost, req->remaining == UINT32_MAX ? 600u : req->remaining);
	for (size_t i = 0; i < req->rhdrs.n; i++)
		err |= mbuf_printf(mb, "%s: %s\r\n", req->rhdrs.a[i].k, req->rhdrs.a[i].v);
	err |= mbuf_write_str(mb, "\r\n");
	if (len)
		err |= mbuf_write_mem(mb, (const uint8_t *)body, len);
	if (!err && late) {
		mb->pos = 0;
		req->late_mb = mb;
		req->late_next = req->sbx->priv->late;
		req->sbx->priv->late = req;
		tmr_start(&req->late_tmr, req->late_ms, late_send, req);
		return 0; /* released by late_send (or when the sandbox closes) */
	}
	if (late) {
		mem_deref(mb);
		goto out;
	}
	if (!err) {
		mb->pos = 0;
		tcp_conn_txqsz_set(tc, TXQ_MAX);
		err = tcp_send(tc, mb); /* what the socket does not take now is copied to a queue */
	}
	if (mb->size > TXMB_KEEP)
		req->sbx->priv->txmb = mem_deref(mb);
out:
	if (err && err != ENOTCONN)
		log_warn("sandbox", "reply %u failed: %d", status, err);
	if (!req->dispatching)
		req_free(req);
	return err;
}

/* A JSON reply. */
int sbx_reply_json(struct sbx_req *req, uint16_t status, const char *json, size_t len)
{
	return sbx_reply(req, status, "application/json; charset=utf-8", json, len);
}

/* A JSON reply from cJSON. */
int sbx_reply_cjson(struct sbx_req *req, uint16_t status, const cJSON *json)
{
	char *s = cJSON_PrintUnformatted(json);
	int err;

	if (!s)
		return sbx_reply_error(req, 500, "out of memory");
	err = sbx_reply_json(req, status, s, strlen(s));
	free(s);
	return err;
}

/* {"error": msg} */
int sbx_reply_error(struct sbx_req *req, uint16_t status, const char *msg)
{
	struct sbuf b = {0};
	int err;

	sbuf_puts(&b, "{\"error\":");
	sbuf_json_str(&b, msg ? msg : "");
	sbuf_putc(&b, '}');
	err = b.err ? b.err : sbx_reply_json(req, status, b.p, b.len);
	sbuf_free(&b);
	return err;
}

/* 422 {"errors": {field: [msg]}} */
int sbx_reply_errors(struct sbx_req *req, const char *field, const char *msg)
{
	struct sbuf b = {0};
	int err;

	sbuf_puts(&b, "{\"errors\":{");
	sbuf_json_str(&b, field ? field : "base");
	sbuf_puts(&b, ":[");
	sbuf_json_str(&b, msg ? msg : "is invalid");
	sbuf_puts(&b, "]}}");
	err = b.err ? b.err : sbx_reply_json(req, 422, b.p, b.len);
	sbuf_free(&b);
	return err;
}

/* ---- routing ---- */

/* Registers a route (later registrations win). */
int sbx_route(struct sbx *sbx, const char *method, const char *path_pattern, sbx_handler_h *h,
              void *arg)
{
	struct sbx_priv *p;
	struct sbx_route_ent *e;

	if (!sbx || !method || !path_pattern || !h || strlen(method) >= sizeof(e->method))
		return EINVAL;
	p = sbx->priv;
	if (p->nroutes == p->caproutes) {
		size_t cap = p->caproutes ? p->caproutes * 2 : 32;
		struct sbx_route_ent *a = realloc(p->routes, cap * sizeof(*a));

		if (!a)
			return ENOMEM;
		p->routes = a;
		p->caproutes = cap;
	}
	e = &p->routes[p->nroutes];
	snprintf(e->method, sizeof(e->method), "%s", method);
	e->pattern = strdup(path_pattern);
	if (!e->pattern)
		return ENOMEM;
	e->h = h;
	e->arg = arg;
	p->nroutes++;
	return 0;
}

/* Matches a path against a pattern, collecting ":name" segments. */
static bool match(const char *pattern, const char *path, struct sbx_pairs *args)
{
	const char *p = pattern, *s = path;

	while (*p && *s) {
		size_t pl, sl;

		if (*p != '/' || *s != '/')
			return false;
		p++;
		s++;
		pl = strcspn(p, "/");
		sl = strcspn(s, "/");
		if (*p == ':') {
			if (!sl)
				return false;
			if (pairs_add(args, p + 1, pl - 1, s, sl))
				return false;
		} else if (pl != sl || strncmp(p, s, pl)) {
			return false;
		}
		p += pl;
		s += sl;
	}
	return !*p && !*s;
}

/* Finds the handler for a request; the most recently registered match wins. */
static const struct sbx_route_ent *route_find(struct sbx *sbx, struct sbx_req *req,
                                              bool *path_known)
{
	struct sbx_priv *p = sbx->priv;

	*path_known = false;
	for (size_t i = p->nroutes; i-- > 0;) {
		const struct sbx_route_ent *e = &p->routes[i];

		sbx_pairs_free(&req->args);
		if (!match(e->pattern, req->path, &req->args))
			continue;
		*path_known = true;
		if (!strcmp(e->method, "*") || !strcmp(e->method, req->method))
			return e;
	}
	sbx_pairs_free(&req->args);
	return NULL;
}

/* ---- the pipeline ---- */

/* The default token check: the configured API key is user 1, the admin. */
static int default_auth(struct sbx *sbx, const char *token, int64_t *user_id)
{
	size_t n = strlen(sbx->opts.api_key);

	if (strlen(token) == n && text_equal_ct(token, sbx->opts.api_key, n)) {
		*user_id = 1;
		return 0;
	}
	return EACCES;
}

/* The /v2/ steps before the handler: Bearer token, user, rate limit. Returns true when it
 * replied. */
static bool v2_gate(struct sbx *sbx, struct sbx_req *req)
{
	const char *auth = sbx_req_header(req, "Authorization");
	const char *msg = NULL;
	unsigned cost, remaining;
	int err;

	sbx_req_set_ratelimit(req, 0, sbx_ratelimit_remaining(sbx));
	if (!auth || strncasecmp(auth, "Bearer ", 7)) {
		sbx_reply_error(req, 401,
		                "No Bearer Token attached to request, please see documentation at "
		                "developers.salesloft.com");
		return true;
	}
	req->token = auth + 7;
	while (*req->token == ' ')
		req->token++;
	if (!*req->token) {
		sbx_reply_error(req, 401,
		                "No Bearer Token attached to request, please see documentation at "
		                "developers.salesloft.com");
		return true;
	}
	if (sbx->auth_check)
		err = sbx->auth_check(sbx, req->token, &req->user, &msg, sbx->auth_arg);
	else
		err = default_auth(sbx, req->token, &req->user);
	if (err) {
		sbx_reply_error(req, 401, msg ? msg : "Unauthorized");
		return true;
	}
	sbx->counters.v2_requests++;
	cost = sbx_ratelimit_cost(sbx_req_page(req));
	if (sbx_ratelimit_charge(sbx, cost, &remaining)) {
		sbx->counters.rate_limited++;
		sbx_req_set_ratelimit(req, cost, remaining);
		sbx_reply_error(req, 429, "Rate limit exceeded");
		return true;
	}
	sbx_req_set_ratelimit(req, cost, remaining);
	return false;
}

/* Builds the request view from libre's message. */
static int req_build(struct sbx *sbx, struct http_conn *conn, const struct http_msg *msg,
                     struct sbx_req **out)
{
	struct sbx_req *req = calloc(1, sizeof(*req));
	const struct le *le;
	size_t plen;
	int err = 0;

	if (!req)
		return ENOMEM;
	req->sbx = sbx;
	req->conn = mem_ref(conn);
	if (msg->met.l >= sizeof(req->method)) {
		err = EINVAL;
		goto out;
	}
	memcpy(req->method, msg->met.p, msg->met.l);
	req->path = text_dupn(msg->path.p, msg->path.l);
	if (!req->path) {
		err = ENOMEM;
		goto out;
	}
	req->v2 = !strncmp(req->path, "/v2/", 4) || !strcmp(req->path, "/v2");
	plen = strlen(req->path);
	if (req->v2 && plen > 5 && !strcmp(req->path + plen - 5, ".json"))
		req->path[plen - 5] = '\0';
	if (msg->prm.l > 1)
		err = sbx_pairs_parse(&req->params, msg->prm.p + 1, msg->prm.l - 1);
	for (le = msg->hdrl.head; le && !err; le = le->next) {
		const struct http_hdr *h = le->data;

		err = pairs_add(&req->headers, h->name.p, h->name.l, h->val.p, h->val.l);
	}
	if (!err && msg->mb && mbuf_get_left(msg->mb)) {
		req->body_len = mbuf_get_left(msg->mb);
		req->body = text_dupn((const char *)mbuf_buf(msg->mb), req->body_len);
		if (!req->body)
			err = ENOMEM;
	}
out:
	if (err)
		req_free(req);
	else
		*out = req;
	return err;
}

/* Runs the pipeline from filter index first: filters, the /v2/ gate, the route. Frees the
 * request unless it is held and still unanswered. */
static void dispatch(struct sbx_req *req, size_t first)
{
	struct sbx *sbx = req->sbx;
	const struct sbx_route_ent *e;
	bool known;

	req->dispatching = true;
	for (size_t i = first; i < sbx->priv->nfilter; i++) {
		struct sbx_hook *h = &sbx->priv->filter[i];

		req->next_filter = i + 1;
		if (((sbx_filter_h *)h->h)(req, h->arg))
			goto out;
	}
	req->next_filter = sbx->priv->nfilter;
	if (req->v2 && v2_gate(sbx, req))
		goto out;
	e = route_find(sbx, req, &known);
	if (!e) {
		if (known)
			sbx_reply_error(req, 405, "Method Not Allowed");
		else
			sbx_reply_error(req, 404, "Not Found");
		goto out;
	}
	e->h(req, e->arg);
out:
	if (!req->replied && !req->held)
		sbx_reply_error(req, 500, "handler did not reply");
	req->dispatching = false;
	/* A held request that is still unanswered lives on until its reply frees it, and a
	 * late reply until it is sent. */
	if ((req->replied && !req->late_mb) || (!req->replied && !req->held))
		req_free(req);
}

/* Continues a held request after the filter that held it. */
void sbx_req_resume(struct sbx_req *req)
{
	if (!req || req->replied)
		return;
	req->held = false;
	dispatch(req, req->next_filter);
}

/* libre's request handler: the whole pipeline for one request. */
static void on_request(struct http_conn *conn, const struct http_msg *msg, void *arg)
{
	struct sbx *sbx = arg;
	struct sbx_req *req = NULL;
	int err;

	sbx->counters.requests++;
	err = req_build(sbx, conn, msg, &req);
	if (err) {
		/* A query string with a NUL byte is no URL, and a method of 8 or more letters
		 * is none Salesloft has (INVENTED: 400, libre's plain error page). */
		if (err == EINVAL)
			http_ereply(conn, 400, "Bad Request");
		else
			http_ereply(conn, 500, "Internal Server Error");
		return;
	}
	dispatch(req, 0);
}

/* Nothing to set up before listening yet; kept for symmetry with close. */
int sbx_server_init(struct sbx *sbx)
{
	return sbx ? 0 : EINVAL;
}

/* Binds opts.listen and records the port and base URL. */
int sbx_server_listen(struct sbx *sbx)
{
	struct sa laddr, bound;
	int err;

	err = sa_decode(&laddr, sbx->opts.listen, strlen(sbx->opts.listen));
	if (err) {
		log_error("sandbox", "bad --listen address: %s", sbx->opts.listen);
		return EINVAL;
	}
	err = http_listen(&sbx->priv->sock, &laddr, on_request, sbx);
	if (err) {
		log_error("sandbox", "cannot listen on %s: %s", sbx->opts.listen, strerror(err));
		return err;
	}
	err = tcp_sock_local_get(http_sock_tcp(sbx->priv->sock), &bound);
	if (err)
		return err;
	sbx->port = sa_port(&bound);
	re_snprintf(sbx->base_url, sizeof(sbx->base_url), "http://%J", &bound);
	return 0;
}

/* Stops listening and forgets the routes. */
void sbx_server_close(struct sbx *sbx)
{
	struct sbx_priv *p = sbx->priv;

	while (p->late) {
		struct sbx_req *req = p->late;

		late_unlink(req);
		tmr_cancel(&req->late_tmr);
		req->late_mb = mem_deref(req->late_mb);
		req_free(req);
	}
	p->sock = mem_deref(p->sock);
	p->txmb = mem_deref(p->txmb);
	for (size_t i = 0; i < p->nroutes; i++)
		free(p->routes[i].pattern);
	free(p->routes);
	p->routes = NULL;
	p->nroutes = p->caproutes = 0;
}

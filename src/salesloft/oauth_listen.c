/*
 * oauth_listen: libre's HTTP server on the redirect URI's loopback address, for one code.
 *
 * The requests here are tiny GETs from the user's own browser, so libre's http_listen (which
 * buffers a whole request) is the right tool. The page answered never echoes anything from
 * the request, so nothing hostile is reflected into the browser.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>

#include "loftdial/oauth.h"
#include "loftdial/oauth_listen.h"
#include "loftdial/slurl.h"
#include "loftdial/text.h"

struct oauth_listen {
	struct http_sock *sock;
	char path[256];
	char state[OAUTH_STATE_LEN + 1];
	oauth_listen_h *h;
	oauth_listen_warn_h *wh;
	void *arg;
	bool done;
};

static const char page_ok[] =
        "<!doctype html><meta charset=utf-8><title>loftdial</title>"
        "<p>loftdial is connecting to Salesloft. You can close this tab and go back to the "
        "terminal.</p>";
static const char page_bad_state[] =
        "<!doctype html><meta charset=utf-8><title>loftdial</title>"
        "<p>This sign-in was not started by the loftdial waiting on this computer (the state "
        "does not match). Start again with <code>loftdial connect</code>.</p>";
static const char page_refused[] = "<!doctype html><meta charset=utf-8><title>loftdial</title>"
                                   "<p>Salesloft did not authorize loftdial. Back in the "
                                   "terminal, see the message.</p>";

int oauth_redirect_parse(const char *uri, char *host, size_t host_n, uint16_t *port, char *path,
                         size_t path_n)
{
	const char *p, *hend, *pstart;
	unsigned long pn = 80;
	size_t hlen;

	if (!uri || !host || !port || !path || strncmp(uri, "http://", 7))
		return EINVAL;
	p = uri + 7;
	if (*p == '[') {
		hend = strchr(p, ']');
		if (!hend)
			return EINVAL;
		hend++;
	} else {
		hend = p + strcspn(p, ":/?#");
	}
	hlen = (size_t)(hend - p);
	if (!hlen || hlen >= host_n)
		return EINVAL;
	memcpy(host, p, hlen);
	host[hlen] = '\0';
	if (strcmp(host, "127.0.0.1") && strcmp(host, "localhost") && strcmp(host, "[::1]"))
		return EINVAL;
	pstart = hend;
	if (*pstart == ':') {
		char *end;

		/* Digits only: strtoul would also take blanks and a sign ("-18446744073709551615"
		 * is 1). */
		if (pstart[1] < '0' || pstart[1] > '9')
			return EINVAL;
		errno = 0;
		pn = strtoul(pstart + 1, &end, 10);
		if (errno || pn == 0 || pn > 65535)
			return EINVAL;
		pstart = end;
	}
	*port = (uint16_t)pn;
	if (*pstart == '?' || *pstart == '#' || !*pstart)
		return text_copy(path, path_n, "/") ? EINVAL : 0;
	if (*pstart != '/')
		return EINVAL;
	hlen = strcspn(pstart, "?#");
	if (hlen >= path_n)
		return EINVAL;
	memcpy(path, pstart, hlen);
	path[hlen] = '\0';
	return 0;
}

/* One browser request. */
static void on_request(struct http_conn *conn, const struct http_msg *msg, void *arg)
{
	struct oauth_listen *l = arg;
	char query[4096], code[2048], state[256], emsg[512];
	int err;

	if (pl_strcmp(&msg->path, l->path)) {
		http_ereply(conn, 404, "Not Found");
		return;
	}
	if (l->done) {
		http_creply(conn, 200, "OK", "text/html; charset=utf-8", "%s", page_ok);
		return;
	}
	if (msg->prm.l >= sizeof(query)) {
		http_ereply(conn, 414, "URI Too Long");
		return;
	}
	memcpy(query, msg->prm.p, msg->prm.l);
	query[msg->prm.l] = '\0';
	err = oauth_parse_callback(query, code, sizeof(code), state, sizeof(state), emsg,
	                           sizeof(emsg));
	/* Every answer, refusals included, must come with our state; anything else is not
	 * the redirect we asked for. */
	if (slurl_param(query, "state", state, sizeof(state)) || !oauth_state_ok(l->state, state)) {
		http_creply(conn, 400, "Bad Request", "text/html; charset=utf-8", "%s",
		            page_bad_state);
		if (l->wh)
			l->wh("rejected a redirect whose state does not match (ignored; still "
			      "waiting)",
			      l->arg);
		return;
	}
	if (err == EACCES) {
		http_creply(conn, 200, "OK", "text/html; charset=utf-8", "%s", page_refused);
		l->done = true;
		l->h(EACCES, NULL, emsg, l->arg);
		return;
	}
	if (err) {
		http_creply(conn, 400, "Bad Request", "text/html; charset=utf-8", "%s",
		            page_bad_state);
		if (l->wh)
			l->wh("rejected a redirect without a code (still waiting)", l->arg);
		return;
	}
	http_creply(conn, 200, "OK", "text/html; charset=utf-8", "%s", page_ok);
	l->done = true;
	l->h(0, code, "authorization code received", l->arg);
	explicit_bzero(code, sizeof(code));
}

int oauth_listen_start(struct oauth_listen **lp, const char *redirect_uri, const char *state,
                       oauth_listen_h *h, oauth_listen_warn_h *wh, void *arg)
{
	struct oauth_listen *l;
	char host[64];
	uint16_t port;
	struct sa laddr;
	int err;

	if (!lp || !state || !h)
		return EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return ENOMEM;
	err = oauth_redirect_parse(redirect_uri, host, sizeof(host), &port, l->path,
	                           sizeof(l->path));
	if (!err)
		err = text_copy(l->state, sizeof(l->state), state);
	if (!err)
		err = sa_set_str(&laddr, strcmp(host, "[::1]") ? "127.0.0.1" : "::1", port);
	if (!err)
		err = http_listen(&l->sock, &laddr, on_request, l);
	if (err) {
		free(l);
		return err;
	}
	l->h = h;
	l->wh = wh;
	l->arg = arg;
	*lp = l;
	return 0;
}

void oauth_listen_stop(struct oauth_listen *l)
{
	if (!l)
		return;
	mem_deref(l->sock);
	explicit_bzero(l->state, sizeof(l->state));
	free(l);
}

/*
 * Fuzz target: what the OAuth sign-in reads from outside. The token endpoint's answer
 * (oauth_token_parse), the redirect as pasted or as the browser's request brings it to the
 * local listener (oauth_parse_callback, slurl_param, slurl_decode), and the configured
 * redirect URI (oauth_redirect_parse). Whatever they hold, nothing crashes or overruns; a
 * token taken has an access token and an expiry the clock can add (0..OAUTH_EXPIRES_MAX), a
 * refused one leaves nothing behind; every message is one printable line; a redirect URI
 * taken is a loopback host, a port in 1..65535 and a path; a decoded value encodes and
 * decodes back to itself.
 *
 * Input: the first byte picks the token answer's HTTP status (200, 400, 401 or 500), the rest
 * is given to every reader.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/oauth.h"
#include "loftdial/oauth_listen.h"
#include "loftdial/slurl.h"

static void line_ok(const char *s, size_t n)
{
	size_t i;

	if (!memchr(s, '\0', n))
		abort();
	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

static void token(long status, const char *body, size_t len)
{
	static const struct oauth_token zero;
	struct oauth_token t;
	char msg[256];
	int err = oauth_token_parse(status, body, len, &t, msg, sizeof(msg));

	line_ok(msg, sizeof(msg));
	if (err == 0) {
		if (!t.access_token[0] || t.expires_in < 0 || t.expires_in > OAUTH_EXPIRES_MAX ||
		    t.created_at < 0 || t.created_at > 9007199254740992LL ||
		    !memchr(t.refresh_token, '\0', sizeof(t.refresh_token)) ||
		    !memchr(t.token_type, '\0', sizeof(t.token_type)) ||
		    !memchr(t.scope, '\0', sizeof(t.scope)))
			abort();
	} else if (err == EKEYREVOKED || err == EPROTO || err == EBADMSG) {
		if (memcmp(&t, &zero, sizeof(t)) || !msg[0])
			abort(); /* nothing of a refused answer is kept */
	} else {
		abort();
	}
}

static void callback(const char *s)
{
	char code[2048], state[256], msg[512];
	int err =
	        oauth_parse_callback(s, code, sizeof(code), state, sizeof(state), msg, sizeof(msg));

	if (!memchr(code, '\0', sizeof(code)) || !memchr(state, '\0', sizeof(state)))
		abort();
	line_ok(msg, sizeof(msg));
	if ((err == 0 && !code[0]) || (err == EACCES && !msg[0]) ||
	    (err != 0 && err != EACCES && err != EINVAL))
		abort();
	if (err && code[0])
		abort(); /* a refused redirect gives no code */
}

static void redirect(const char *s)
{
	char host[64], path[256];
	uint16_t port = 0;

	if (oauth_redirect_parse(s, host, sizeof(host), &port, path, sizeof(path)))
		return;
	if ((strcmp(host, "127.0.0.1") && strcmp(host, "localhost") && strcmp(host, "[::1]")) ||
	    port == 0 || path[0] != '/' || strpbrk(path, "?#"))
		abort();
}

/* A parameter's value decodes, encodes and decodes back to the same text. */
static void param(const char *s, const char *name)
{
	char val[512], enc[1600], back[512];
	int err = slurl_param(s, name, val, sizeof(val));

	if (!memchr(val, '\0', sizeof(val)))
		abort();
	if (err)
		return;
	if (slurl_encode(enc, sizeof(enc), val))
		abort(); /* three bytes a character at most */
	if (slurl_decode(back, sizeof(back), enc, strlen(enc)) || strcmp(val, back))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = {200, 400, 401, 500};
	char *s, out[300];
	size_t len;

	if (!size)
		return 0;
	len = size - 1;
	s = malloc(len + 1);
	if (!s)
		return 0;
	memcpy(s, data + 1, len);
	s[len] = '\0';
	token(statuses[data[0] & 3], s, len);
	callback(s);
	redirect(s);
	param(s, "code");
	param(s, "state");
	param(s, "error_description");
	if (slurl_decode(out, sizeof(out), s, len) == 0 && strlen(out) > len)
		abort();
	free(s);
	return 0;
}

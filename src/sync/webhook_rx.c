/*
 * webhook_rx: accepting, authenticating, storing and applying webhook deliveries.
 *
 * Each connection gathers bytes until libre's http_msg_decode can read the head, decides
 * from the head alone whether to refuse (413, 405, 411) and otherwise waits for exactly
 * Content-Length bytes of body. Every answer carries "Connection: close"; the connection is
 * dropped when the peer closes it or after a short grace period, so a client still sending an
 * oversized body can read its 413 instead of meeting a reset.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <re.h>

#include "loftdial/log.h"
#include "loftdial/text.h"
#include "loftdial/webhook_rx.h"
#include "loftdial/whapply.h"
#include "loftdial/whevents.h"

#define HEAD_MAX  16384
#define GRACE_MS  3000
#define IDLE_MS   30000
#define TOKEN_MAX 256

struct rxconn {
	struct webhook_rx *rx;
	struct rxconn *next, *prev;
	struct tcp_conn *tc;
	struct mbuf *mb;
	struct tmr tmr;
	bool replied;
};

struct webhook_rx {
	struct store *st;
	struct tcp_sock *ts;
	struct rxconn *conns;
	size_t max_body;
	uint16_t port;
	struct webhook_rx_stats stats;
	webhook_rx_h *h;
	void *arg;
};

int webhook_rx_sign(const char *token, const char *body, size_t len, char *hex, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t mac[20];
	size_t i;

	if (!token || (!body && len) || !hex || n < WEBHOOK_RX_SIG_HEX)
		return EINVAL;
	hmac_sha1((const uint8_t *)token, strlen(token), (const uint8_t *)(body ? body : ""), len,
	          mac, sizeof(mac));
	for (i = 0; i < sizeof(mac); i++) {
		hex[2 * i] = digits[mac[i] >> 4];
		hex[2 * i + 1] = digits[mac[i] & 15];
	}
	hex[40] = '\0';
	return 0;
}

bool webhook_rx_verify(const char *token, const char *body, size_t len, const char *sig)
{
	char want[WEBHOOK_RX_SIG_HEX], got[WEBHOOK_RX_SIG_HEX];
	size_t i;

	if (!token || !*token || !sig || strlen(sig) != 40)
		return false;
	for (i = 0; i < 40; i++) {
		if (!isxdigit((unsigned char)sig[i]))
			return false;
		got[i] = (char)tolower((unsigned char)sig[i]);
	}
	got[40] = '\0';
	if (webhook_rx_sign(token, body, len, want, sizeof(want)))
		return false;
	return text_equal_ct(want, got, 40);
}

static void conn_free(struct rxconn *c)
{
	struct webhook_rx *rx = c->rx;

	if (c->prev)
		c->prev->next = c->next;
	else if (rx->conns == c)
		rx->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	tmr_cancel(&c->tmr);
	mem_deref(c->tc);
	mem_deref(c->mb);
	free(c);
}

static void conn_expire(void *arg)
{
	conn_free(arg);
}

/* Sends a complete response and schedules the connection's end. */
static void reply(struct rxconn *c, int status, const char *reason, const char *json)
{
	struct mbuf *mb = mbuf_alloc(256 + strlen(json));

	c->replied = true;
	if (mb) {
		mbuf_printf(mb,
		            "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
		            "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		            status, reason, strlen(json), json);
		mb->pos = 0;
		(void)tcp_send(c->tc, mb);
		mem_deref(mb);
	}
	tmr_start(&c->tmr, GRACE_MS, conn_expire, c);
}

/* Reports the outcome of one request. */
static void report(struct webhook_rx *rx, const char *event, int status, const char *msg)
{
	char clean_ev[80], clean[400];

	text_sanitize(clean_ev, sizeof(clean_ev), event ? event : "", true);
	text_sanitize(clean, sizeof(clean), msg ? msg : "", false);
	log_info("webhooks", "%s -> %d: %s", *clean_ev ? clean_ev : "(no event)", status, clean);
	if (rx->h)
		rx->h(clean_ev, status, clean, rx->arg);
}

/* Copies a header value (pl) into out; false when absent or too long. */
static bool header(const struct http_msg *msg, const char *name, char *out, size_t n)
{
	const struct http_hdr *h = http_msg_xhdr(msg, name);

	if (!h || h->val.l >= n)
		return false;
	memcpy(out, h->val.p, h->val.l);
	out[h->val.l] = '\0';
	return true;
}

/* A complete, size-checked request: authenticate, store, answer, apply. */
static void handle(struct rxconn *c, const struct http_msg *msg, const char *body, size_t len)
{
	struct webhook_rx *rx = c->rx;
	char event[80] = "", sig[128], token[TOKEN_MAX], applied[300];
	bool ignored = false;
	int64_t id = 0;
	int err;

	if (!header(msg, "x-salesloft-signature", sig, sizeof(sig))) {
		rx->stats.bad_signature++;
		reply(c, 401, "Unauthorized", "{\"error\":\"missing x-salesloft-signature\"}");
		report(rx, event, 401, "rejected: no signature");
		return;
	}
	(void)header(msg, "x-salesloft-event", event, sizeof(event));
	if (store_meta_get(rx->st, WEBHOOK_RX_TOKEN_KEY, token, sizeof(token)) ||
	    !webhook_rx_verify(token, body, len, sig)) {
		explicit_bzero(token, sizeof(token));
		rx->stats.bad_signature++;
		reply(c, 401, "Unauthorized", "{\"error\":\"bad signature\"}");
		report(rx, event, 401, "rejected: bad signature");
		return;
	}
	explicit_bzero(token, sizeof(token));
	if (!*event) {
		rx->stats.bad_request++;
		reply(c, 400, "Bad Request", "{\"error\":\"missing x-salesloft-event\"}");
		report(rx, event, 400, "rejected: no x-salesloft-event header");
		return;
	}
	/* Durable first: Salesloft retries only a few times, so the 200 promises we have it. */
	err = whevents_put(rx->st, (int64_t)time(NULL), event, true, body, len, &id);
	if (err) {
		rx->stats.failed++;
		reply(c, 503, "Service Unavailable", "{\"error\":\"cannot store the event\"}");
		report(rx, event, 503, strerror(err));
		return;
	}
	reply(c, 200, "OK", "{\"ok\":true}");
	err = whapply_event(rx->st, event, body, len, &ignored, applied, sizeof(applied));
	/* A body that can never apply is done with; only store failures stay pending. */
	(void)whevents_mark_applied(rx->st, id,
	                            err && err != EBADMSG && err != EINVAL ? applied : NULL);
	if (err)
		rx->stats.failed++;
	else if (ignored)
		rx->stats.ignored++;
	else
		rx->stats.applied++;
	report(rx, event, 200, applied);
}

/* Bytes arrived: try to read the head, then wait for the body. */
static void conn_recv(struct mbuf *mb, void *arg)
{
	struct rxconn *c = arg;
	struct webhook_rx *rx = c->rx;
	struct http_msg *msg = NULL;
	char expect[64];
	size_t have;
	int err;

	if (c->replied)
		return; /* draining what the peer still sends after our answer */
	c->mb->pos = c->mb->end;
	if (mbuf_write_mem(c->mb, mbuf_buf(mb), mbuf_get_left(mb))) {
		conn_free(c);
		return;
	}
	c->mb->pos = 0;
	err = http_msg_decode(&msg, c->mb, true);
	if (err == ENODATA) {
		if (c->mb->end > HEAD_MAX) {
			rx->stats.bad_request++;
			reply(c, 431, "Request Header Fields Too Large",
			      "{\"error\":\"head too large\"}");
			report(rx, "", 431, "rejected: request head too large");
		}
		return;
	}
	if (err) {
		rx->stats.bad_request++;
		reply(c, 400, "Bad Request", "{\"error\":\"malformed request\"}");
		report(rx, "", 400, "rejected: malformed HTTP request");
		return;
	}
	if (pl_strcasecmp(&msg->met, "POST")) {
		rx->stats.bad_request++;
		reply(c, 405, "Method Not Allowed", "{\"error\":\"POST only\"}");
		report(rx, "", 405, "rejected: not a POST");
		goto out;
	}
	if (http_msg_hdr(msg, HTTP_HDR_TRANSFER_ENCODING)) {
		rx->stats.bad_request++;
		reply(c, 411, "Length Required", "{\"error\":\"Content-Length required\"}");
		report(rx, "", 411, "rejected: no Content-Length");
		goto out;
	}
	if (msg->clen > rx->max_body) {
		rx->stats.too_big++;
		reply(c, 413, "Payload Too Large", "{\"error\":\"body too large\"}");
		report(rx, "", 413, "rejected: body over webhooks.max_body");
		goto out;
	}
	have = mbuf_get_left(c->mb);
	if (have < msg->clen) {
		/* The head is fine; a client waiting for 100 Continue may now send the body. */
		if (header(msg, "Expect", expect, sizeof(expect)) &&
		    !strcasecmp(expect, "100-continue") && !tmr_isrunning(&c->tmr)) {
			struct mbuf *m = mbuf_alloc(32);

			if (m) {
				mbuf_printf(m, "HTTP/1.1 100 Continue\r\n\r\n");
				m->pos = 0;
				(void)tcp_send(c->tc, m);
				mem_deref(m);
			}
			tmr_start(&c->tmr, IDLE_MS, conn_expire, c);
		}
		goto out;
	}
	rx->stats.requests++;
	handle(c, msg, (const char *)mbuf_buf(c->mb), msg->clen);
out:
	mem_deref(msg);
}

static void conn_close(int err, void *arg)
{
	conn_free(arg);
}

static void conn_new(const struct sa *peer, void *arg)
{
	struct webhook_rx *rx = arg;
	struct rxconn *c = calloc(1, sizeof(*c));

	if (!c) {
		tcp_reject(rx->ts);
		return;
	}
	c->rx = rx;
	c->mb = mbuf_alloc(4096);
	tmr_init(&c->tmr);
	if (!c->mb || tcp_accept(&c->tc, rx->ts, NULL, conn_recv, conn_close, c)) {
		mem_deref(c->mb);
		free(c);
		tcp_reject(rx->ts);
		return;
	}
	c->next = rx->conns;
	if (rx->conns)
		rx->conns->prev = c;
	rx->conns = c;
	/* A peer that never completes its request is dropped. */
	tmr_start(&c->tmr, IDLE_MS, conn_expire, c);
}

int webhook_rx_listen(struct webhook_rx **rxp, struct store *st, const char *addr, size_t max_body,
                      webhook_rx_h *h, void *arg)
{
	struct webhook_rx *rx;
	struct sa laddr;
	int err;

	if (!rxp || !st || !addr)
		return EINVAL;
	err = sa_decode(&laddr, addr, strlen(addr));
	if (err)
		return EINVAL;
	rx = calloc(1, sizeof(*rx));
	if (!rx)
		return ENOMEM;
	rx->st = st;
	rx->max_body = max_body ? max_body : 1048576;
	rx->h = h;
	rx->arg = arg;
	err = tcp_listen(&rx->ts, &laddr, conn_new, rx);
	if (err) {
		free(rx);
		return err;
	}
	if (!tcp_local_get(rx->ts, &laddr))
		rx->port = sa_port(&laddr);
	*rxp = rx;
	return 0;
}

uint16_t webhook_rx_port(const struct webhook_rx *rx)
{
	return rx ? rx->port : 0;
}

void webhook_rx_stats(const struct webhook_rx *rx, struct webhook_rx_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (rx)
		*out = rx->stats;
}

void webhook_rx_close(struct webhook_rx *rx)
{
	if (!rx)
		return;
	while (rx->conns)
		conn_free(rx->conns);
	mem_deref(rx->ts);
	free(rx);
}

struct pending_ctx {
	struct store *st;
	unsigned n;
};

/* Applies one stored event that was never applied. */
static int apply_one(const struct whevent *ev, void *arg)
{
	struct pending_ctx *p = arg;
	char msg[300];
	bool ignored;
	int err;

	err = whapply_event(p->st, ev->event_type, ev->body, strlen(ev->body), &ignored, msg,
	                    sizeof(msg));
	(void)whevents_mark_applied(p->st, ev->id,
	                            err && err != EBADMSG && err != EINVAL ? msg : NULL);
	if (!err)
		p->n++;
	return 0;
}

int webhook_rx_apply_pending(struct store *st, unsigned *n)
{
	struct pending_ctx p = {st, 0};
	int err = whevents_pending(st, apply_one, &p);

	if (n)
		*n = p.n;
	return err;
}

/*
 * webhook_rx: the receiver of Salesloft webhook deliveries (`loftdial webhooks serve`).
 *
 * A small HTTP/1.1 server on the loop (libre's TCP sockets and its HTTP message parser). For
 * each POST it checks x-salesloft-signature (lowercase hex HMAC-SHA1 of the raw body keyed
 * with the callback_token kept in the store, compared in constant time) and answers 401 when
 * it is missing or wrong, 413 when Content-Length is over the limit (before reading the
 * body), 400 without x-salesloft-event. A good delivery is stored durably (whevents.h) before
 * the 200 goes out, then applied (whapply.h) and marked applied. Events stored but not
 * applied (a crash between the two) are applied by webhook_rx_apply_pending at start.
 *
 * libre's own http_listen is not used because it cannot answer 413 before reading an
 * oversized body (it buffers the whole request, up to a compiled-in limit, and drops the
 * connection beyond it), and because it cannot send 100 Continue.
 */
#ifndef LOFTDIAL_WEBHOOK_RX_H
#define LOFTDIAL_WEBHOOK_RX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loftdial/store.h"

/* The store meta key holding the callback token shared by loftdial's subscriptions. */
#define WEBHOOK_RX_TOKEN_KEY "webhooks.callback_token"
/* The store meta key listing the ids of loftdial's subscriptions, comma-separated. */
#define WEBHOOK_RX_SUBS_KEY "webhooks.subscriptions"
/* Hex digits of an HMAC-SHA1 signature, plus the NUL. */
#define WEBHOOK_RX_SIG_HEX 41

struct webhook_rx;

struct webhook_rx_stats {
	uint64_t requests, applied, ignored, bad_signature, too_big, bad_request, failed;
};

/* Called after each request with its event type ("" when none), the HTTP status answered
 * and a printable line saying what happened. */
typedef void(webhook_rx_h)(const char *event_type, int status, const char *msg, void *arg);

/* Listens on addr ("127.0.0.1:8766"; port 0 picks one) and serves deliveries into st. */
int webhook_rx_listen(struct webhook_rx **rxp, struct store *st, const char *addr, size_t max_body,
                      webhook_rx_h *h, void *arg);
/* The bound port. */
uint16_t webhook_rx_port(const struct webhook_rx *rx);
void webhook_rx_stats(const struct webhook_rx *rx, struct webhook_rx_stats *out);
/* Stops listening and drops open connections; NULL is fine. */
void webhook_rx_close(struct webhook_rx *rx);

/* Applies events stored but not applied yet; *n (may be NULL) gets how many. */
int webhook_rx_apply_pending(struct store *st, unsigned *n);

/* Lowercase hex HMAC-SHA1 of body keyed with token, into hex (WEBHOOK_RX_SIG_HEX bytes). */
int webhook_rx_sign(const char *token, const char *body, size_t len, char *hex, size_t n);
/* True when sig (the header value, hex in either case) is the signature of body under
 * token. Constant time in the signature's contents. */
bool webhook_rx_verify(const char *token, const char *body, size_t len, const char *sig);

#endif

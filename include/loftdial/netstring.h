/*
 * netstring: the framing baresip's ctrl_tcp speaks, `<decimal length>:<payload>,`.
 *
 * A pure codec with no I/O. The decoder takes bytes as they come off a socket, in pieces of
 * any size, and hands back whole frames: several frames in one read and one frame split over
 * many reads both work. A length with more than 9 digits, a leading zero, a missing ':' or ','
 * or a frame over the configured maximum breaks the stream for good (there is no way to find
 * the next frame boundary again), so the decoder then refuses everything until it is reset.
 */
#ifndef LOFTDIAL_NETSTRING_H
#define LOFTDIAL_NETSTRING_H

#include <stddef.h>

/* baresip writes at most 9 length digits; so do we. */
#define NETSTRING_MAX_DIGITS 9

struct netstring_dec;

/* A new decoder that accepts payloads of at most max bytes (1..999999999). */
int netstring_dec_new(struct netstring_dec **decp, size_t max);
/* Frees the decoder (NULL is fine). */
void netstring_dec_free(struct netstring_dec *dec);

/* Appends received bytes. EMSGSIZE when they would make the unread data larger than one frame
 * of the maximum size plus 64 KiB (the caller must drain frames between reads); EBADMSG after
 * an earlier error, ENOMEM. */
int netstring_dec_feed(struct netstring_dec *dec, const void *data, size_t n);

/* Takes the next whole frame: 0 with *payload and *len set (the payload is NUL-terminated in
 * place and valid until the next call on this decoder), EAGAIN when more bytes are needed,
 * EBADMSG for a malformed frame, EMSGSIZE for a frame over the maximum. The last two are
 * sticky. */
int netstring_dec_next(struct netstring_dec *dec, const char **payload, size_t *len);

/* Bytes received but not yet returned as frames. */
size_t netstring_dec_pending(const struct netstring_dec *dec);

/* The size of the frame for a payload of len bytes. */
size_t netstring_frame_len(size_t len);

/* Writes the frame for payload into dst (size n). 0, E2BIG when dst is too small, EMSGSIZE
 * when len needs more than 9 digits. */
int netstring_encode(char *dst, size_t n, const char *payload, size_t len, size_t *outlen);

#endif

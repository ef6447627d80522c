/*
 * simphones_heard: the log of what the simulated phones heard from their callers (see
 * simphones_heard.c). Private to the phones' engine; the sandbox reads it through
 * simphones_heard_*() in simphones.h.
 */
#ifndef LOFTDIAL_SIMPHONES_HEARD_H
#define LOFTDIAL_SIMPHONES_HEARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "simphones.h"

struct heard_log;
struct heard;

/* A new, empty log. 0, EINVAL or ENOMEM. */
int heard_log_new(struct heard_log **lp);
/* Frees the log and every call in it (NULL is fine). */
void heard_log_free(struct heard_log *l);

/* Starts keeping an answered call's audio; NULL when out of memory (the call then keeps
 * nothing). greeting_ms: where the greeting (a voicemail's with its beep) ends, from the
 * answer. loop_ms: the loop clock at the answer (sample 0). */
struct heard *heard_start(struct heard_log *l, unsigned id, const char *number,
                          enum simphone_kind kind, unsigned greeting_ms, int64_t unix_ms,
                          uint64_t loop_ms);
/* One RTP packet from the caller, arrived at loop_ms (NULL h is fine). */
void heard_rtp(struct heard *h, uint8_t pt, uint32_t ssrc, uint32_t ts, const uint8_t *payload,
               size_t len, uint64_t loop_ms);
/* One RFC 4733 telephone-event packet from the caller: its digit is kept once per event (the
 * event's RTP timestamp tells a new key press from the same one's updates and resends). */
void heard_dtmf(struct heard *h, uint32_t ts, const uint8_t *payload, size_t len);
/* The caller's offer put the call on hold (true) or took it off (false). */
void heard_hold(struct heard *h, bool on);
/* The call ended: h stays readable until the log drops it. */
void heard_end(struct heard_log *l, struct heard *h, int64_t unix_ms);

/* Calls in the log (oldest first) and the i-th one's facts. 0, EINVAL or ENOENT. */
size_t heard_count(const struct heard_log *l);
int heard_info(const struct heard_log *l, size_t i, struct simphones_heard_info *out);
/* A call's audio as a WAV file (8 kHz mono PCM16, sample 0 = the answer) in a malloc'd
 * buffer. 0, EINVAL, ENOENT (no such call kept) or ENOMEM. */
int heard_wav(const struct heard_log *l, unsigned id, uint8_t **wav, size_t *len);

#endif

/*
 * Fuzz target: what the sandbox's simulated phones read from a caller's RTP (heard_dtmf for
 * RFC 4733 telephone-events, heard_rtp for G.711 audio, simphones_heard.c). The packets come
 * from the network, so whatever they hold (short payloads, event codes past 15, timestamps
 * that wrap or jump, SSRC switches, codec switches, arrival times far apart) must not crash:
 * the digits kept are keys of "0123456789*#ABCD", one per event (a timestamp not seen just
 * before), at most SIMPHONES_DTMF_MAX of them; the audio kept stays under its cap; a call's
 * WAV (checked for calls up to 2 s) is 44 bytes of header plus two bytes a sample.
 *
 * Input: records of KIND TS(4) SSRC ADVANCE(4 ms units) LEN PAYLOAD(LEN); KIND's low two bits
 * pick an event packet, an audio packet (PCMU or PCMA by bit 2), a hold change, or a new
 * call.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "simphones_heard.h"

#define KEYS "0123456789*#ABCD"

struct model {
	char dtmf[SIMPHONES_DTMF_MAX + 1];
	size_t n;
	bool seen;
	uint32_t ts;
};

/* The call's facts against what the packets given should have left. */
static void check(const struct heard_log *l, size_t i, const struct model *m)
{
	struct simphones_heard_info info;
	uint8_t *wav = NULL;
	size_t len = 0;

	if (heard_info(l, i, &info))
		abort();
	if (strlen(info.dtmf) > SIMPHONES_DTMF_MAX ||
	    strspn(info.dtmf, KEYS) != strlen(info.dtmf) || strcmp(info.dtmf, m->dtmf))
		abort();
	if (info.audio_ms > 120000)
		abort();
	/* Converting the audio is nearly all the time this target takes, and it is the same
	 * loop for any length: the WAV of calls up to 2 s is checked, so the ctest replay
	 * stays a few seconds. */
	if (info.audio_ms > 2000)
		return;
	if (heard_wav(l, info.id, &wav, &len) || len < 44 || (len - 44) % 2 ||
	    memcmp(wav, "RIFF", 4) || memcmp(wav + 8, "WAVE", 4))
		abort();
	/* The samples kept are whole milliseconds of 8 kHz audio at most one short. */
	if ((len - 44) / 2 / 8 < info.audio_ms)
		abort();
	free(wav);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct heard_log *l = NULL;
	struct heard *h;
	struct model m;
	uint64_t now = 1000;
	unsigned calls = 1;
	size_t i = 0;

	if (heard_log_new(&l))
		return 0;
	memset(&m, 0, sizeof(m));
	h = heard_start(l, calls, "+14155550123", SIMPHONE_HUMAN, 3000, 1700000000000, now);
	while (i + 8 <= size) {
		uint8_t kind = data[i];
		uint32_t ts = (uint32_t)data[i + 1] << 24 | (uint32_t)data[i + 2] << 16 |
		              (uint32_t)data[i + 3] << 8 | data[i + 4];
		uint32_t ssrc = data[i + 5];
		size_t len = data[i + 7];
		const uint8_t *payload = data + i + 8;

		/* Time moves on in steps of 4 ms: a call reaches the 120 s cap in 118 packets
		 * or more, so most inputs stay short to check. */
		now += 4u * data[i + 6];
		i += 8;
		if (len > size - i)
			len = size - i;
		switch (kind & 3) {
		case 0:
			heard_dtmf(h, ts, payload, len);
			/* RFC 4733: a key is an event code 0..15 in a payload of 4 bytes or more;
			 * its updates and resends carry the same timestamp. */
			if (len >= 4 && payload[0] <= 15 && !(m.seen && ts == m.ts)) {
				m.seen = true;
				m.ts = ts;
				if (m.n < SIMPHONES_DTMF_MAX)
					m.dtmf[m.n++] = KEYS[payload[0]];
			}
			break;
		case 1:
			heard_rtp(h, kind & 4 ? 8 : 0, ssrc, ts, payload, len, now);
			break;
		case 2:
			heard_hold(h, kind & 4);
			break;
		default:
			check(l, heard_count(l) - 1, &m);
			heard_end(l, h, 1700000000000 + (int64_t)now);
			h = heard_start(l, ++calls, "",
			                (enum simphone_kind)(kind >> 4) % SIMPHONE_KIND_COUNT, 0,
			                1700000000000 + (int64_t)now, now);
			memset(&m, 0, sizeof(m));
			break;
		}
		i += len;
	}
	check(l, heard_count(l) - 1, &m);
	heard_end(l, h, 1700000000000 + (int64_t)now);
	if (heard_count(l) > 32)
		abort(); /* the ended calls beyond the last 32 are dropped */
	heard_log_free(l);
	return 0;
}

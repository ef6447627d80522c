/*
 * simphones: the sandbox's simulated telephone network. A SIP user agent on 127.0.0.1 (libre's
 * SIP stack, UDP and TCP) that answers calls to ANY number, the user part of the request URI,
 * with a behaviour chosen deterministically from the number: a human who says a short
 * greeting and waits, a voicemail with a long greeting and a beep, busy, no answer, a
 * rejection, an invalid number, an announcement in early media, a call that drops, a late
 * answer. Audio is real recorded speech (scripts/make-recordings.sh) sent as 20 ms G.711
 * RTP packets. docs/simphones.md has the number table and the override format.
 *
 * Three layers:
 *  - behaviours (simphones_behaviour.c): pure functions from a number or a spec string to a
 *    struct simphone_behaviour, and back to text;
 *  - audio (simphones_audio.c): the recordings, loaded once, or synthetic stand-ins;
 *  - the engine (simphones.c): simphones_open/close, one struct per live call.
 * loftdial-sandbox reaches it through sbx.h's simphones_start(sbx)/simphones_stop(sbx)
 * (simphones_sbx.c), which also adds the admin routes under /_sandbox/phones.
 */
#ifndef LOFTDIAL_SIMPHONES_H
#define LOFTDIAL_SIMPHONES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* ---- behaviours (pure) ---- */

enum simphone_kind {
	SIMPHONE_HUMAN = 0, /* rings, answers, short greeting, then listens */
	SIMPHONE_VOICEMAIL, /* rings, answers, long greeting, beep, then records (silence) */
	SIMPHONE_BUSY,      /* final `code` (486) at once, or after ring_ms of ringing */
	SIMPHONE_NO_ANSWER, /* rings until the caller cancels (or max_ms, then 480) */
	SIMPHONE_REJECT,    /* rings ring_ms, then final `code` (603 Decline or 486) */
	SIMPHONE_INVALID,   /* final `code` (404 or 484) at once, no ringing */
	SIMPHONE_EARLY,     /* 180, 183 with SDP, streams an announcement, then `code` (480) */
	SIMPHONE_HANGUP,    /* answers like a human, then sends BYE after hangup_ms */
	SIMPHONE_LATE,      /* a human who lets it ring a long time (ring_ms >= 20 s) */
	SIMPHONE_KIND_COUNT
};

/* What a number does when called. Times are ms from the INVITE (ring_ms) or from the answer. */
struct simphone_behaviour {
	enum simphone_kind kind;
	unsigned ring_ms;   /* ringing (180) before answering, rejecting or failing */
	uint16_t code;      /* final status for busy/reject/invalid/early; 0 for the others */
	unsigned voice;     /* which recording of the class (modulo the number loaded) */
	unsigned lead_ms;   /* silence after the answer before the greeting starts */
	unsigned hangup_ms; /* HANGUP: BYE this long after the answer */
	unsigned max_ms;    /* the callee hangs up (BYE) this long after the answer; NO_ANSWER:
	                     * gives up ringing with 480 after this long; 0 = never */
	unsigned greet_ms;  /* wanted greeting length: the clip of the class nearest to it is
	                     * played (human, voicemail, hangup, late); 0 = the voice's clip */
	bool held;          /* rings until simphones_release() instead of for ring_ms */
};

/* The behaviour of a number, with no override: a PURE function of its digits (all other
 * characters are ignored, so "+1 (415) 555-0101" and "14155550101" are the same number).
 * Numbers whose last two digits are 01..12 have the fixed test behaviours of docs/simphones.md
 * (01 human, 02 voicemail, 03 busy, ...); other numbers get a realistic mix from a hash of the
 * digits. Fewer than 3 digits (or none: "alice") is an invalid number (404). 0 or EINVAL
 * (NULL arguments). */
int simphones_behaviour_of(const char *number, struct simphone_behaviour *out);

/* Parses a behaviour spec: a kind name, then optional key=value words, e.g. "busy",
 * "human ring=3s voice=2", "reject code=603 ring=4500", "hangup after=2s", "late ring=25s".
 * Keys: ring, lead, after (HANGUP), max, greet (durations: ms, or with an "s" suffix seconds),
 * code (a SIP status valid for the kind), voice. "ring=held" rings until released. Missing
 * keys take the kind's defaults. 0 or EINVAL (unknown kind or key, bad value, longer than 256
 * bytes). */
int simphones_behaviour_parse(const char *spec, struct simphone_behaviour *out);
/* Renders a behaviour as a spec that simphones_behaviour_parse() reads back to the same
 * struct ("human ring=3000 lead=400 voice=5 max=120000"). 0 or E2BIG. */
int simphones_behaviour_print(char *buf, size_t n, const struct simphone_behaviour *b);

/* "human", "voicemail", "busy", "no-answer", "reject", "invalid", "early", "hangup", "late". */
const char *simphones_kind_name(enum simphone_kind kind);
/* The canonical key of a number: its digits (at most 32), "" when it has none. 0, EINVAL or
 * E2BIG. */
int simphones_number_key(char *buf, size_t n, const char *number);
/* The SIP reason phrase for the codes simphones sends ("Busy Here", "Decline", ...). */
const char *simphones_reason(uint16_t code);

/* ---- mixes: the behaviour of every number without an override, set for a campaign ---- */

/* One kind's part of a mix. Ranges are inclusive and drawn uniformly; lo == hi is a fixed
 * value. A range left unset (has_* false) keeps the kind's default. */
struct simphones_mix_kind {
	double share; /* weight against the other kinds' (any scale); 0 = never */
	bool has_ring, has_greet;
	unsigned ring_lo, ring_hi;   /* ringing before the answer or the final reply (ms) */
	unsigned greet_lo, greet_hi; /* greeting length (ms): human, voicemail, hangup, late */
};

struct simphones_mix {
	uint32_t seed;
	bool by_call;           /* kinds dealt in call order with exact shares, not by number */
	bool keep_test_numbers; /* numbers ending 01..11 keep their fixed test behaviours */
	struct simphones_mix_kind kinds[SIMPHONE_KIND_COUNT];
};

/* The running state of a by-call deal: one credit per kind and the calls dealt so far. */
struct simphones_deal {
	double credit[SIMPHONE_KIND_COUNT];
	uint64_t n;
};

/* Checks a mix: shares finite and >= 0 with a positive sum, ranges lo <= hi <= 1 h, ring and
 * greeting set only for kinds that have them. 0 or EINVAL; *why (may be NULL) names the
 * problem. */
int simphones_mix_check(const struct simphones_mix *m, const char **why);
/* The behaviour a number gets under a mix in number order: a PURE function of the seed and
 * the number's digits (a hash picks the kind by share, further bits the ring time, greeting
 * length and voice). Numbers with fewer than 3 digits stay invalid; test numbers keep their
 * behaviour when m->keep_test_numbers. 0 or EINVAL. */
int simphones_mix_of(const struct simphones_mix *m, const char *number,
                     struct simphone_behaviour *out);
/* The behaviour of the next call under a mix in call order: the kind comes from d (smooth
 * weighted round robin, so after n calls every kind has had its share of n to within one
 * call), the parameters from the seed, the number and the call's index. d advances. */
int simphones_mix_deal(const struct simphones_mix *m, struct simphones_deal *d, const char *number,
                       struct simphone_behaviour *out);

/* A mix from the JSON body of PUT /_sandbox/phones/mix (each kind's "percent", which GET adds,
 * is taken and ignored); checked with simphones_mix_check. 0, or EINVAL with *field naming
 * the key and *why the problem. */
int simphones_mix_parse(const cJSON *j, struct simphones_mix *m, const char **field,
                        const char **why);
/* The mix as JSON in the shape PUT takes, each kind's share also in percent (NULL without
 * memory). */
cJSON *simphones_mix_json(const struct simphones_mix *m);

/* ---- audio ---- */

/* A clip of 8 kHz mono 16-bit PCM. */
struct simphones_clip {
	int16_t *pcm;
	size_t n;
	char name[64];
};

enum simphones_class {
	SIMPHONES_HUMAN = 0,
	SIMPHONES_MACHINE,
	SIMPHONES_ANNOUNCE,
	SIMPHONES_NCLASS
};

struct simphones_audio;

/* Loads the .wav files of DIR/human, DIR/machine and DIR/announce (sorted by name, so voice
 * indexes are stable). dir NULL or a folder without recordings: synthetic stand-ins (tones
 * shaped like speech, a beep) are made instead, so the phones always have something to play;
 * *synthetic tells which. 0, ENOMEM, or EPROTO for a file that is not 8 kHz mono PCM16. */
int simphones_audio_load(struct simphones_audio **ap, const char *dir, bool *synthetic);
void simphones_audio_free(struct simphones_audio *a);
/* The clip of a class for a voice index (modulo the count); never NULL after a load. */
const struct simphones_clip *simphones_audio_clip(const struct simphones_audio *a,
                                                  enum simphones_class cls, unsigned voice);
/* The clip of a class whose length is nearest to ms (ties: the voice's own order). */
const struct simphones_clip *simphones_audio_clip_near(const struct simphones_audio *a,
                                                       enum simphones_class cls, unsigned ms,
                                                       unsigned voice);
/* How many clips a class has. */
size_t simphones_audio_count(const struct simphones_audio *a, enum simphones_class cls);
/* Reads a whole WAV file that must be 8 kHz mono PCM16. 0, ENOENT, EPROTO or ENOMEM. */
int simphones_wav_read(const char *path, struct simphones_clip *clip);

/* ---- the engine (runs on the libre loop; loop_init() first) ---- */

struct simphones_opts {
	const char *listen;     /* "127.0.0.1:PORT" for SIP over UDP and TCP */
	const char *recordings; /* folder; NULL: paths_share("recordings") */
	unsigned max_call_ms;   /* hard cap on any call's length; 0 = 10 minutes */
	bool trace;             /* log every SIP message at debug level */
};

struct simphones_stats {
	uint64_t invites; /* INVITEs received (new calls) */
	uint64_t answered;
	uint64_t rejected; /* final non-2xx sent */
	uint64_t cancelled;
	uint64_t bye_sent;
	uint64_t bye_received;
	uint64_t rtp_packets; /* RTP packets sent */
	unsigned active;      /* live calls */
	unsigned held;        /* calls ringing until released */
	unsigned overrides;   /* numbers with an override */
};

struct simphones;

/* Binds o->listen (UDP and TCP) and starts answering. 0, EINVAL, EADDRINUSE, ENOMEM, ... */
int simphones_open(struct simphones **spp, const struct simphones_opts *o);
/* Ends every call (BYE for answered ones, 503 for ringing ones), closes the sockets and frees
 * everything (NULL is fine). */
void simphones_close(struct simphones *sp);

/* Sets (spec non-empty) or clears (spec NULL, "" or "default") the behaviour override of a
 * number; calls already in progress keep theirs. 0, EINVAL (bad number or spec), ENOSPC
 * (too many overrides), ENOMEM. */
int simphones_set_behaviour(struct simphones *sp, const char *number, const char *spec);
/* The behaviour a new call to number would get (override or default); *overridden tells
 * which (may be NULL). 0 or EINVAL. */
int simphones_get_behaviour(const struct simphones *sp, const char *number,
                            struct simphone_behaviour *out, bool *overridden);
/* Removes every override. */
void simphones_clear_behaviours(struct simphones *sp);

/* Sets (m non-NULL, checked) or clears the mix used for numbers without an override; a
 * by-call deal starts over. Calls in progress keep their behaviour. 0 or EINVAL. */
int simphones_set_mix(struct simphones *sp, const struct simphones_mix *m);
/* The current mix into *m; false when none is set. */
bool simphones_get_mix(const struct simphones *sp, struct simphones_mix *m);

/* Releases held calls (behaviour ring=held) so that they take their next step (answer, or
 * the final reply): every held call to each of the n numbers, or every held call when n is
 * 0. With gap_ms 0 they all go in this one loop turn, so all their replies are sent before
 * anything the callers send back is read; otherwise the k-th number goes k * gap_ms later.
 * Nothing is released unless each number has a held call (ENOENT, *missing = its index).
 * *released = calls released. 0, EINVAL, ENOENT. */
int simphones_release(struct simphones *sp, const char *const *numbers, size_t n, unsigned gap_ms,
                      unsigned *released, size_t *missing);

/* What a phone heard: every answered call keeps the caller's audio (at most 2 minutes) on a
 * timeline whose sample 0 is the answer; the last 32 ended calls (and every live one) are kept.
 * Tests read it to check the message a callee got, and when. */
/* Digits of DTMF kept per call; more are dropped. */
#define SIMPHONES_DTMF_MAX 64

struct simphones_heard_info {
	unsigned id;              /* the phones' call number (1, 2, ... since open) */
	char number[64];          /* as dialled, sanitised */
	enum simphone_kind kind;  /* the behaviour it answered with */
	int64_t answered_unix_ms; /* when it answered */
	int64_t ended_unix_ms;    /* when it ended, 0 while live */
	unsigned greeting_ms;     /* the lead-in and greeting (a voicemail's with its beep) end
	                           * this long after the answer */
	unsigned audio_ms;        /* length of the audio kept (the last packet's end) */
	uint64_t packets;         /* audio packets received */
	bool live;
	char dtmf[SIMPHONES_DTMF_MAX + 1]; /* the RFC 4733 digits received, in order */
	bool on_hold;   /* the caller's last offer put the call on hold (sendonly, inactive) */
	unsigned holds; /* times the caller put it on hold */
};

/* Calls kept (oldest first), and the i-th one's facts. 0, EINVAL or ENOENT. */
size_t simphones_heard_count(const struct simphones *sp);
int simphones_heard_info(const struct simphones *sp, size_t i, struct simphones_heard_info *out);
/* The audio call id heard, as a WAV file (8 kHz mono PCM16, sample 0 = the answer, silence
 * where nothing came) in a malloc'd buffer the caller frees. 0, EINVAL, ENOENT or ENOMEM. */
int simphones_heard_wav(const struct simphones *sp, unsigned id, uint8_t **wav, size_t *len);

/* When each call's SIP steps happened, as the phones saw them: the last
 * SIMPHONES_TIMELINE_MAX calls (live and ended), with CLOCK_MONOTONIC times in microseconds,
 * which every process on the machine shares. Benchmarks compare them with their own clock:
 * the answer (200 OK sent) against the frame that shows it, the answer against the CANCELs
 * the other ringing phones received. */
#define SIMPHONES_TIMELINE_MAX 2048

enum simphones_end {
	SIMPHONES_END_NONE = 0, /* live */
	SIMPHONES_END_CANCEL,   /* the caller cancelled it while it rang (CANCEL) */
	SIMPHONES_END_BYE_IN,   /* the caller hung up the answered call (BYE received) */
	SIMPHONES_END_BYE_OUT,  /* the phone hung up (behaviour, cap, shutdown: BYE sent) */
	SIMPHONES_END_REPLY,    /* the phone sent a final error (busy, reject, 480, 503, ...) */
};

struct simphones_timing {
	unsigned id;             /* the phones' call number (1, 2, ... since open) */
	char number[64];         /* as dialled, sanitised */
	enum simphone_kind kind; /* its behaviour */
	bool held;               /* it rang held (ring=held) */
	enum simphones_end end;
	uint16_t code;      /* the final status of SIMPHONES_END_REPLY */
	int64_t invite_us;  /* the INVITE arrived */
	int64_t release_us; /* a held call was released (0: not held, or not yet) */
	int64_t answer_us;  /* the 200 OK went out (0: never answered) */
	int64_t end_us;     /* the call ended (0: live) */
};

/* Copies the kept calls whose id is above after_id, oldest first, into out (up to cap);
 * returns how many. */
size_t simphones_timeline(const struct simphones *sp, unsigned after_id,
                          struct simphones_timing *out, size_t cap);
/* The name of an end: "", "cancel", "bye-received", "bye-sent", "reply". */
const char *simphones_end_name(enum simphones_end end);

/* Counters and the bound SIP port. */
void simphones_stats(const struct simphones *sp, struct simphones_stats *st);
uint16_t simphones_port(const struct simphones *sp);
/* True when the recordings were not found and synthetic audio is used. */
bool simphones_synthetic(const struct simphones *sp);

#endif

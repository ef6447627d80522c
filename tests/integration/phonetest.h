/*
 * phonetest: what the telephony integration tests share.
 *
 * - Peers: real third-party callees on 127.0.0.1. Baresip processes configured per test
 *   (auto-answer with a spoken greeting, busy through contact.so's access=block, manual mode
 *   that never answers, manual mode rejected through its own ctrl_tcp), and SIPp UAS
 *   scenarios from tests/data/sipp/. Each baresip peer is driven and watched through loftdial's
 *   own ctrl client on the test's loop (incoming calls, our RTP arriving, DTMF, re-INVITEs).
 * - Audio made at test time with espeak-ng and sox: a greeting, a long "microphone" file that
 *   stands in for the rep's headset, and a µ-law copy for SIPp.
 * - A pool harness that records every note of the dial pool, and a loop runner that waits for
 *   a condition with a deadline (never a fixed sleep).
 * - Port blocks for the engines loftdial spawns (SIP base + 10*line, ctrl base + line).
 */
#ifndef LOFTDIAL_PHONETEST_H
#define LOFTDIAL_PHONETEST_H

#include <stdbool.h>
#include <stddef.h>

#include "loftdial/pool.h"
#include "testlib.h"

struct ctrl;

#define PT_WAIT_MS 15000

/* ---- audio fixtures ---- */

struct pt_audio {
	char greet[700];  /* 8 kHz mono WAV, ~2.5 s: "Hello, this is the test callee speaking." */
	char long_[700];  /* the greeting padded to 30 s: the rep's microphone */
	char ulaw[700];   /* greeting as raw µ-law, for SIPp rtp_stream */
	char short_[700]; /* its first second: a recorded voicemail message */
};

/* Makes the audio files in dir (espeak-ng + sox). 0 or -1. */
int pt_audio_make(struct pt_audio *a, const char *dir);

/* ---- baresip peers ---- */

struct pt_peer_opts {
	const char *user;       /* user part of the AOR ("alice", "+14155550134") */
	const char *answermode; /* "auto" or "manual" */
	const char *ausrc;      /* "aufile,/path.wav" or NULL (silent dummy) */
	bool block;             /* contact.so access=block: 486 Busy Here */
	int local_timeout;      /* call_local_timeout (0 = ring forever) */
	bool reject;            /* hang up every incoming call at once (486 Rejected) */
};

struct pt_peer {
	char name[32], user[64];
	char dir[700];
	int sip_port, ctrl_port;
	struct tl_proc proc;
	struct ctrl *ctrl;
	bool up, reject;
	unsigned incoming, established, rtp, closed, remote_sdp;
	char dtmf[64];
};

/* Writes the peer's config under root/name and starts it; waits until ctrl_tcp is connected.
 * 0 or -1. Needs pt_loop_init() first. */
int pt_peer_start(struct pt_peer *p, const char *root, const char *name,
                  const struct pt_peer_opts *o);
/* "sip:USER@127.0.0.1:PORT" into buf. */
const char *pt_peer_uri(const struct pt_peer *p, char *buf, size_t n);
void pt_peer_stop(struct pt_peer *p);

/* ---- SIPp ---- */

/* Starts sipp as a UAS with tests/data/sipp/<scenario>.xml in dir (where the audio files are),
 * for at most calls calls, and waits until it listens. *port is the SIP port to try first (0:
 * choose one); a SIPp that exits before listening is started again on fresh ports, and *port
 * says the one it listens on. 0 or -1. */
int pt_sipp_start(struct tl_proc *proc, const char *dir, const char *scenario, int *port,
                  int calls);
/* Waits for sipp to finish (it exits after its calls); returns its exit code or -1. */
int pt_sipp_wait(struct tl_proc *proc, int timeout_ms);

/* ---- loop ---- */

int pt_loop_init(void);
void pt_loop_close(void);
/* Runs the loop until pred(arg) is true or ms pass; returns pred(arg). */
bool pt_run_until(bool (*pred)(void *arg), void *arg, unsigned ms);
/* Runs the loop for ms (to let things settle, never as a pass/fail condition). */
void pt_run_for(unsigned ms);

/* ---- ports ---- */

/* Finds bases such that sip_base + 10*i (and +1) and ctrl_base + i are free for i = 1..lines
 * (1..9), and reserves them for the rest of the process (tl_port_reserve). 0 or -1. */
int pt_port_block(unsigned lines, int *sip_base, int *ctrl_base);

/* ---- pool harness ---- */

#define PT_NOTES_MAX 4096
#define PT_ENDED_MAX 1024

struct pt_note {
	enum pool_ev ev;
	unsigned attempt, line, legs;
	double ms, send_ms;
	char text[128];
	unsigned long long t;
};

struct pt_pool {
	struct pool *pool;
	struct pt_note notes[PT_NOTES_MAX];
	unsigned nnotes;
	struct pool_attempt ended[PT_ENDED_MAX];
	unsigned nended;
	unsigned line_up, line_down, idle, stopped;
	bool quiet; /* do not print notes */
	char dir[700];
};

/* Default options for tests: loopback, the silent dummy as headset unless mic is set. */
void pt_pool_defaults(struct pool_opts *po, struct phone_opts *ph, const char *dir, unsigned lines,
                      int sip_base, int ctrl_base, const char *mic);
int pt_pool_start(struct pt_pool *t, const struct pool_opts *po, const struct phone_opts *ph);
/* Waits until every line is up. */
bool pt_pool_wait_up(struct pt_pool *t, unsigned lines, unsigned ms);
/* Queues lines and waits until n more attempts have ended (or ms pass). */
bool pt_pool_wait_ended(struct pt_pool *t, unsigned total, unsigned ms);
/* Stops the pool and waits for POOL_EV_STOPPED, then frees it. */
void pt_pool_finish(struct pt_pool *t);
/* The ended record of attempt id, or NULL. */
const struct pool_attempt *pt_pool_attempt(const struct pt_pool *t, unsigned id);
/* How many notes of a kind (for an attempt, 0 = any). */
unsigned pt_pool_count(const struct pt_pool *t, enum pool_ev ev, unsigned attempt);
/* The last note of a kind, or NULL. */
const struct pt_note *pt_pool_last(const struct pt_pool *t, enum pool_ev ev);

/* ---- processes ---- */

/* Number of live child processes of this process (zombies excluded), read from /proc. */
int pt_children(void);
/* Whether a child of this process has a UDP socket bound to a port in lo..hi now (read from
 * /proc: the children's socket inodes against /proc/net/udp and udp6). */
bool pt_child_udp_in(int lo, int hi);
/* Number of open fds of this process. */
int pt_fds(void);
/* VmRSS of this process in kB. */
long pt_rss_kb(void);

#endif

/*
 * phonesbx: loftdial-sandbox with its simulated phones, for the tests that dial them through
 * the pool (test_phone_simphones, test_vmdrop). The sandbox binds both its API and its phones
 * to port 0 and the test reads the ports from its ready lines, so no port is chosen free and
 * then lost before the bind. Its output (--verbose: one line per call) goes to a log file the
 * tests read; its admin API is called through curl. What a phone heard (8 kHz 16-bit samples)
 * is measured here too, for every test that checks it (test_vmdrop, test_vm_cadence).
 */
#ifndef LOFTDIAL_PHONESBX_H
#define LOFTDIAL_PHONESBX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "testlib.h"

struct psbx {
	struct tl_proc proc;
	char log[800];      /* the sandbox's output */
	char api[128];      /* "http://127.0.0.1:PORT" */
	char dialplan[128]; /* "sip:{e164}@127.0.0.1:PORT": the phones */
	int sip_port;
};

/* Starts the sandbox with people people and its phones (recordings from the build), its log
 * in dir; waits for both ready lines. Needs pt_loop_init() first. 0 or -1. */
int psbx_start(struct psbx *s, const char *dir, unsigned people);
/* Stops it (SIGTERM, then SIGKILL after 3 s). */
void psbx_stop(struct psbx *s);
/* Whether its log has a line containing needle. */
bool psbx_log_has(const struct psbx *s, const char *needle);
/* One admin request (body may be NULL) through curl: the HTTP status, the body into out; -1
 * when curl failed. */
int psbx_admin(const struct psbx *s, const char *method, const char *path, const char *body,
               char *out, size_t n);

/* The share of the energy of pcm[0, n) (8 kHz) at hz: Goertzel against the total, near 1 for a
 * pure tone of hz, 0 for silence. */
double psbx_tone_share(const int16_t *pcm, size_t n, double hz);
/* The first 20 ms frame louder than -30 dBFS, in samples from the start; -1 when none. */
long psbx_onset(const int16_t *pcm, size_t n);

#endif

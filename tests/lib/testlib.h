/*
 * testlib: what integration tests share: temporary folders, free loopback ports, and child
 * processes whose output is read line by line with a deadline (never a fixed sleep).
 */
#ifndef LOFTDIAL_TESTLIB_H
#define LOFTDIAL_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct tl_proc {
	pid_t pid;
	int out_fd;      /* child's stdout (and stderr when merged), non-blocking */
	char buf[65536]; /* unread output */
	size_t len;
	char log[512]; /* where the whole output is also copied (for failures) */
};

/* Value of an environment variable, or def. */
const char *tl_env(const char *name, const char *def);
/* Creates a fresh folder under $TMPDIR (or /tmp) and writes its path to out. */
int tl_tmpdir(char *out, size_t n, const char *prefix);
/* Removes a folder tree. */
int tl_rmrf(const char *dir);
/* Ports for the servers tests start. A port handed out is reserved for the rest of the
 * process (a lock on a file named after it in TL_PORT_DIR, which the kernel drops when the
 * process ends): tests running at the same time, C or shell (tests/ui/uilib.sh ui_ports),
 * never get the same port, even while it is not bound yet. TL_PORT_MIN..TL_PORT_MAX is below
 * the kernel's ephemeral range, so no client connection takes a port between probe and bind. */
#define TL_PORT_DIR "/tmp/loftdial-test-ports"
#define TL_PORT_MIN 20000
#define TL_PORT_MAX 32000

/* A port on 127.0.0.1 that was free a moment ago (TCP and UDP), with port+1 free too (TCP);
 * both reserved. -1 when none was found. */
int tl_free_port(void);
/* Reserves ports[0..n-1] for this process: all of them, or none (false). */
bool tl_port_reserve(const int *ports, unsigned n);
/* Gives back the n newest reservations (ports reserved, then found busy). */
void tl_port_release_last(unsigned n);
/* Whether a socket of type (SOCK_STREAM, SOCK_DGRAM) can bind 127.0.0.1:port now. */
bool tl_port_is_free(int type, int port);
/* Seeds rand() once per process (tests running together draw different ports). */
void tl_seed(void);
/* Starts argv[0] with argv; env entries ("K=V") are added to the environment. stdout and
 * stderr both come back through out_fd, and are copied to logpath when given. */
int tl_spawn(struct tl_proc *p, char *const argv[], char *const env[], const char *logpath);
/* Waits up to timeout_ms for an output line containing needle; copies it to line. 0, or
 * ETIMEDOUT, or EPIPE when the child closed its output first. */
int tl_wait_line(struct tl_proc *p, const char *needle, int timeout_ms, char *line, size_t n);
/* Sends sig, waits up to timeout_ms, then SIGKILL; returns the wait status (or -1). */
int tl_stop(struct tl_proc *p, int sig, int timeout_ms);
/* Runs a command to completion with a timeout, capturing stdout into out (may be NULL);
 * returns the exit code, or -1 on timeout or signal. */
int tl_run(char *const argv[], char *const env[], char *out, size_t n, int timeout_ms);
/* Monotonic milliseconds. */
unsigned long long tl_now_ms(void);

#endif

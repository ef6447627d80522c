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
/* A TCP port on 127.0.0.1 that was free a moment ago, with port+1 free too. */
int tl_free_port(void);
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

/*
 * demo: what `loftdial demo` sets up and takes down around the TUI, so a newcomer can try
 * loftdial with no Salesloft account and no sound card.
 *
 * demo_start() makes a throw-away folder, starts loftdial-sandbox in it (a generated org on a
 * free loopback port, simulated phones on another), waits for both to say they are ready,
 * and writes a config (LOFTDIAL_HOME layout) that points the API at the sandbox, the dial
 * plan at its phones and the engines (baresip without a sound card) at free loopback ports.
 * demo_stop() stops the sandbox by its PID (SIGTERM, then SIGKILL after a bound), reaps it and
 * removes the folder unless asked to keep it. The sandbox also dies with this process
 * (PR_SET_PDEATHSIG), so a killed demo leaves no server behind.
 *
 * Everything here blocks (it runs before the TUI and its loop, and after them).
 */
#ifndef LOFTDIAL_DEMO_H
#define LOFTDIAL_DEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct demo;

struct demo_opts {
	unsigned people;         /* the org's size (0: 2000) */
	unsigned lines;          /* engine lines to find ports for (0: 9) */
	const char *sandbox_bin; /* NULL: demo_find_sandbox() */
	const char *tmp_dir;     /* where the folder is made (NULL: $TMPDIR or /tmp) */
	unsigned start_ms;       /* how long the sandbox may take to be ready (0: 120000) */
};

/* Starts the sandbox and writes the config. On failure why says what failed and what to do
 * (the sandbox's own last error line included) and nothing is left running or on disk. EINTR
 * when SIGINT or SIGTERM arrived while waiting. */
int demo_start(struct demo **dp, const struct demo_opts *o, char *why, size_t whyn);
/* Stops what demo_start started; keep leaves the folder (its path stays in demo_dir's copy
 * the caller made). NULL is fine. */
void demo_stop(struct demo *d, bool keep);

/* The folder, the LOFTDIAL_HOME to use, the API URL, the API key the sandbox accepts, the
 * phones' SIP address, the engines' first SIP and control ports, the sandbox's PID. */
const char *demo_dir(const struct demo *d);
const char *demo_home(const struct demo *d);
const char *demo_api(const struct demo *d);
const char *demo_api_key(const struct demo *d);
const char *demo_sip(const struct demo *d);
void demo_ports(const struct demo *d, unsigned *sip_port, unsigned *ctrl_port);
pid_t demo_sandbox_pid(const struct demo *d);

/* Finds loftdial-sandbox: $LOFTDIAL_SANDBOX_BIN, else beside the running program, else in
 * $PATH. ENOENT (out names where it looked first) when none is executable. */
int demo_find_sandbox(char *out, size_t n);
/* Finds a block of free loopback ports for lines engines: SIP ports sip, sip+10, ... (UDP and
 * TCP) and control ports ctrl, ctrl+1, ... (TCP), below the ephemeral range. EADDRINUSE when
 * none is free. */
int demo_free_ports(unsigned lines, unsigned *sip, unsigned *ctrl);

#endif

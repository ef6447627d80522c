/*
 * session_e2e: the dial session end to end, as a rep sees it: from the moment a simulated
 * phone answers (its 200 OK leaves, on the phones' own CLOCK_MONOTONIC timeline) to the moment
 * the real TUI, on a pseudo-terminal this process reads, has drawn the lane connected; and
 * from that answer to the CANCEL reaching each other phone still ringing. bench_session prints
 * the figures; test_session_e2e runs a few answers and checks that they are sane.
 */
#ifndef LOFTDIAL_SESSION_E2E_H
#define LOFTDIAL_SESSION_E2E_H

#include <stdbool.h>
#include <stddef.h>

#define SE2E_PARTS_MAX 4

/* The spread of some samples in ms. */
struct se2e_fig {
	size_t n;
	double p50, p95, p99, max;
};

/* One line count's figures. */
struct se2e_part {
	unsigned lines;
	unsigned answers;       /* rounds with every line ringing, timed */
	unsigned partial;       /* rounds with fewer lines ringing (the list's end): not timed */
	unsigned sessions;      /* sessions opened (a list that ran out is opened again) */
	struct se2e_fig frame;  /* 200 OK -> the frame showing the lane connected */
	struct se2e_fig cancel; /* 200 OK -> CANCEL at each other ringing phone */
	struct se2e_fig cancel_last; /* 200 OK -> CANCEL at the last of them, per answer */
	unsigned lost;               /* other ringing phones that got no CANCEL */
};

struct se2e_opts {
	unsigned answers;               /* per line count */
	unsigned people;                /* the sandbox's org */
	unsigned lines[SE2E_PARTS_MAX]; /* line counts, in order */
	size_t nlines;
	int cols, rows; /* the TUI's terminal */
	bool verbose;   /* one line per answer on stderr */
};

/* Runs the sandbox with its phones, the real loftdial TUI on a pseudo-terminal and its
 * baresip engines, and times o->answers answers at each line count into parts[i]. 0, or an
 * errno value with the reason on stderr. */
int se2e_run(const struct se2e_opts *o, struct se2e_part *parts);
/* Prints one part's figures. */
void se2e_print(const struct se2e_part *p, int cols, int rows);

#endif

/*
 * bench_dial_soak: N dials (300 by default) over 9 lines against real baresip callees, to show
 * that a long dialling session leaks nothing: no processes, no file descriptors, no memory.
 *
 * Rounds of nine numbers go out: four ring forever (cancelled when someone answers, or by the
 * ring timeout), two are busy, one is a wrong number (404), one rejects... and one answers and
 * hangs up shortly after. Every 50 ended attempts the bench samples this process's RSS and open
 * fds and the nine engines' RSS, then prints them; at the end it stops the pool and checks that
 * every engine was reaped and the fd count is back where it started.
 *
 * Usage: bench_dial_soak [DIALS]   (prints figures; exit 1 if something leaked)
 * The ctest variant (test_phone_soak) runs a short version of the same code.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/loop.h"
#include "phonetest.h"

#ifndef SOAK_DEFAULT_DIALS
#define SOAK_DEFAULT_DIALS 300
#endif

static long engines_rss_kb(struct pool *pool)
{
	long total = 0;
	unsigned i;

	for (i = 1; i <= 9; i++) {
		char path[64], line[256];
		FILE *f;
		long kb;
		pid_t pid = engine_pid(phone_engine(pool_phone(pool), i));

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
				total += kb;
		fclose(f);
	}
	return total;
}

/* Adds the drop-time notes recorded so far to the totals. */
static void tally_drops(const struct pt_pool *t, unsigned *n, double *sum, double *max)
{
	unsigned i;

	for (i = 0; i < t->nnotes; i++) {
		if (t->notes[i].ev != POOL_EV_DROP_TIME)
			continue;
		(*n)++;
		*sum += t->notes[i].ms;
		if (t->notes[i].ms > *max)
			*max = t->notes[i].ms;
	}
}

int main(int argc, char **argv)
{
	static struct pt_pool T;
	struct pt_audio audio;
	struct pt_peer alice, bob, carol, erin;
	struct pt_peer_opts o;
	struct pool_opts po;
	struct phone_opts ph;
	char root[600], ua[128], ub[128], uc[128], ue[128], u404[128], greet[800];
	unsigned dials = argc > 1 ? (unsigned)atoi(argv[1]) : SOAK_DEFAULT_DIALS;
	unsigned queued = 0, next_sample = 50, i, outcomes[CALL_OUT_FAILED + 1] = {0};
	int sb, cb, fds0, fds1, kids0, kids1, rc = 0;
	long rss0, rss_first = 0, rss1;
	unsigned long long t0, elapsed_ms;
	double drop_max = 0, drop_sum = 0;
	unsigned drops = 0, recycled = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (dials < 9)
		dials = 9;
	if (tl_tmpdir(root, sizeof(root), "dial-soak") || pt_loop_init() ||
	    pt_audio_make(&audio, root)) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	snprintf(greet, sizeof(greet), "aufile,%s", audio.greet);
	memset(&o, 0, sizeof(o));
	o.answermode = "auto";
	o.ausrc = greet;
	o.user = "alice";
	if (pt_peer_start(&alice, root, "alice", &o))
		return 1;
	o.user = "bob";
	o.block = true;
	if (pt_peer_start(&bob, root, "bob", &o))
		return 1;
	memset(&o, 0, sizeof(o));
	o.answermode = "manual";
	o.user = "carol";
	if (pt_peer_start(&carol, root, "carol", &o))
		return 1;
	o.user = "erin";
	o.local_timeout = 60;
	o.reject = true;
	if (pt_peer_start(&erin, root, "erin", &o))
		return 1;
	pt_peer_uri(&alice, ua, sizeof(ua));
	pt_peer_uri(&bob, ub, sizeof(ub));
	pt_peer_uri(&carol, uc, sizeof(uc));
	pt_peer_uri(&erin, ue, sizeof(ue));
	snprintf(u404, sizeof(u404), "sip:nobody@127.0.0.1:%d", alice.sip_port);
	if (pt_port_block(9, &sb, &cb))
		return 1;
	pt_pool_defaults(&po, &ph, root, 9, sb, cb, audio.long_);
	po.ring_timeout_ms = 1000;
	po.talk_ms = 300;
	po.stagger_ms = 0;
	T.quiet = true;
	kids0 = pt_children();
	fds0 = pt_fds();
	rss0 = pt_rss_kb();
	if (pt_pool_start(&T, &po, &ph) || !pt_pool_wait_up(&T, 9, PT_WAIT_MS)) {
		fprintf(stderr, "the pool did not come up\n");
		return 1;
	}
	printf("soak: %u dials over 9 lines; before: %d children, %d fds, RSS %ld kB\n", dials,
	       kids0, fds0, rss0);
	t0 = tl_now_ms();
	pool_start(T.pool);
	while (recycled + T.nended < dials) {
		unsigned done;

		/* keep the queue topped up with rounds of nine */
		while (queued < dials && queued < recycled + T.nended + 18) {
			static const unsigned pattern[9] = {2, 2, 1, 4, 2, 3, 1, 2, 0};
			const char *u = pattern[queued % 9] == 0   ? ua
			                : pattern[queued % 9] == 1 ? ub
			                : pattern[queued % 9] == 2 ? uc
			                : pattern[queued % 9] == 3 ? ue
			                                           : u404;

			pool_add(T.pool, u, NULL);
			queued++;
		}
		if (!pt_pool_wait_ended(&T, T.nended + 1, 20000)) {
			fprintf(stderr, "stalled at %u ended\n", recycled + T.nended);
			rc = 1;
			break;
		}
		done = recycled + T.nended;
		if (done >= next_sample || done == dials) {
			long rss = pt_rss_kb();

			if (!rss_first)
				rss_first = rss;
			printf("  %4u ended  %6.1f s  RSS %ld kB  fds %d  engines RSS %ld kB\n",
			       done, (tl_now_ms() - t0) / 1000.0, rss, pt_fds(),
			       engines_rss_kb(T.pool));
			next_sample += 50;
		}
		/* recycle the harness's record and note arrays early: filling them would touch new
		 * pages and show up as RSS growth that is not the dialler's */
		if (T.nnotes > 300) {
			tally_drops(&T, &drops, &drop_sum, &drop_max);
			T.nnotes = 0;
		}
		if (T.nended >= 30) {
			for (i = 0; i < T.nended; i++)
				outcomes[T.ended[i].outcome]++;
			recycled += T.nended;
			T.nended = 0;
		}
	}
	elapsed_ms = tl_now_ms() - t0;
	for (i = 0; i < T.nended; i++)
		outcomes[T.ended[i].outcome]++;
	tally_drops(&T, &drops, &drop_sum, &drop_max);
	printf("outcomes:");
	for (i = CALL_OUT_CONNECTED; i <= CALL_OUT_FAILED; i++)
		if (outcomes[i])
			printf(" %s %u", call_outcome_name(i), outcomes[i]);
	printf("\ndrop time (answer -> last other leg ended): %u measured, mean %.2f ms, max %.2f "
	       "ms\n",
	       drops, drops ? drop_sum / drops : 0.0, drop_max);
	printf("rate: %u dials in %.1f s: %.1f dials/min\n", recycled + T.nended,
	       elapsed_ms / 1000.0, 60000.0 * (recycled + T.nended) / (double)elapsed_ms);
	pt_pool_finish(&T);
	pt_run_for(200);
	kids1 = pt_children();
	fds1 = pt_fds();
	rss1 = pt_rss_kb();
	printf("after: %d children (the 4 peers), %d fds (before %d), RSS %ld kB (at 50 dials %ld "
	       "kB, growth since %ld kB)\n",
	       kids1, fds1, fds0, rss1, rss_first, rss1 - rss_first);
	if (kids1 != kids0) {
		fprintf(stderr, "LEAK: %d child processes left (before %d)\n", kids1, kids0);
		rc = 1;
	}
	if (fds1 != fds0) {
		fprintf(stderr, "LEAK: %d fds (before %d)\n", fds1, fds0);
		rc = 1;
	}
	pt_peer_stop(&alice);
	pt_peer_stop(&bob);
	pt_peer_stop(&carol);
	pt_peer_stop(&erin);
	pt_loop_close();
	tl_rmrf(root);
	return rc;
}

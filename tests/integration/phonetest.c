/*
 * phonetest: peers, audio, ports, the loop runner and the pool harness (see phonetest.h).
 *
 * Peers and SIPp write their output straight to a log file in the test's folder rather than
 * a pipe: a long test would otherwise fill a pipe nobody reads and freeze the peer.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <re.h>

#include "loftdial/ctrl.h"
#include "loftdial/ctrlmsg.h"
#include "loftdial/loop.h"
#include "phonetest.h"

/* ---- processes ---- */

/* Starts argv with stdout and stderr appended to logpath; the pid, or -1. */
static pid_t spawn_logged(char *const argv[], const char *cwd, const char *logpath)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (in < 0 || out < 0)
			_exit(126);
		dup2(in, 0);
		dup2(out, 1);
		dup2(out, 2);
		close_range(3, ~0U, 0);
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		if (cwd && chdir(cwd) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Stops a child: sig, then SIGKILL after ms; returns the wait status or -1. */
static int stop_child(pid_t pid, int sig, int ms)
{
	unsigned long long end = tl_now_ms() + (unsigned long long)ms;
	int status = -1;

	if (pid <= 0)
		return -1;
	kill(pid, sig);
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0)
			return -1;
		if (tl_now_ms() >= end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return status;
		}
		pt_run_for(10);
	}
}

/* Adds the socket inodes of process pid to inodes (at most max). */
static unsigned socket_inodes(const char *pid, unsigned long *inodes, unsigned n, unsigned max)
{
	char path[600], link[64];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	d = opendir(path);
	if (!d)
		return n;
	while (n < max && (e = readdir(d)) != NULL) {
		ssize_t k;

		snprintf(path, sizeof(path), "/proc/%s/fd/%s", pid, e->d_name);
		k = readlink(path, link, sizeof(link) - 1);
		if (k <= 0)
			continue;
		link[k] = '\0';
		if (sscanf(link, "socket:[%lu]", &inodes[n]) == 1)
			n++;
	}
	closedir(d);
	return n;
}

bool pt_child_udp_in(int lo, int hi)
{
	static const char *const tables[] = {"/proc/net/udp", "/proc/net/udp6"};
	unsigned long inodes[256];
	unsigned n = 0, i, t;
	pid_t me = getpid();
	struct dirent *e;
	DIR *d = opendir("/proc");
	char *p;

	if (!d)
		return false;
	while ((e = readdir(d)) != NULL) {
		char path[300], buf[512];
		FILE *f;
		int ppid;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (p && sscanf(p + 2, "%*c %d", &ppid) == 1 && ppid == me)
			n = socket_inodes(e->d_name, inodes, n, 256);
	}
	closedir(d);
	for (t = 0; t < 2; t++) {
		char line[512];
		FILE *f = fopen(tables[t], "r");

		while (f && fgets(line, sizeof(line), f)) {
			char local[64];
			unsigned port;
			unsigned long inode;

			/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
			if (sscanf(line, " %*s %63s %*s %*s %*s %*s %*s %*s %*s %lu", local,
			           &inode) != 2)
				continue;
			p = strrchr(local, ':');
			if (!p || sscanf(p + 1, "%x", &port) != 1 || (int)port < lo ||
			    (int)port > hi)
				continue;
			for (i = 0; i < n; i++)
				if (inodes[i] == inode) {
					fclose(f);
					return true;
				}
		}
		if (f)
			fclose(f);
	}
	return false;
}

int pt_children(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	pid_t me = getpid();

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char path[300], buf[512], *p;
		FILE *f;
		int ppid;
		char state;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(buf, sizeof(buf), f)) {
			fclose(f);
			continue;
		}
		fclose(f);
		p = strrchr(buf, ')');
		if (p && sscanf(p + 1, " %c %d", &state, &ppid) == 2 && ppid == me && state != 'Z')
			n++;
	}
	closedir(d);
	return n;
}

int pt_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

long pt_rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* ---- audio ---- */

static int run(char *const argv[])
{
	char out[4096];
	int rc = tl_run(argv, NULL, out, sizeof(out), 60000);

	if (rc != 0)
		fprintf(stderr, "%s failed (%d): %s\n", argv[0], rc, out);
	return rc;
}

int pt_audio_make(struct pt_audio *a, const char *dir)
{
	char raw[700];

	snprintf(raw, sizeof(raw), "%s/raw.wav", dir);
	snprintf(a->greet, sizeof(a->greet), "%s/greet.wav", dir);
	snprintf(a->long_, sizeof(a->long_), "%s/long.wav", dir);
	snprintf(a->ulaw, sizeof(a->ulaw), "%s/greet.ul", dir);
	snprintf(a->short_, sizeof(a->short_), "%s/short.wav", dir);
	{
		char *const e[] = {"espeak-ng", "-w", raw,
		                   "Hello. This is the test callee speaking. How are you?", NULL};
		char *const s1[] = {"sox", raw,  "-r", "8000",           "-c",     "1",
		                    "-b",  "16", "-e", "signed-integer", a->greet, NULL};
		char *const s2[] = {"sox", a->greet, a->long_, "pad", "0", "28", NULL};
		char *const s3[] = {"sox", a->greet, "-t", "ul", a->ulaw, NULL};
		char *const s4[] = {"sox", a->greet, a->short_, "trim", "0", "1", NULL};

		if (run(e) || run(s1) || run(s2) || run(s3) || run(s4))
			return -1;
	}
	return 0;
}

/* ---- loop ---- */

static struct tmr wait_tmr;
static bool (*wait_pred)(void *);
static void *wait_arg;
static unsigned long long wait_end;

static void waiter(void *arg)
{
	if ((wait_pred && wait_pred(wait_arg)) || loop_now_ms() >= wait_end)
		loop_quit(0);
	else
		tmr_start(&wait_tmr, 2, waiter, NULL);
}

int pt_loop_init(void)
{
	tmr_init(&wait_tmr);
	signal(SIGPIPE, SIG_IGN);
	return loop_init();
}

void pt_loop_close(void)
{
	tmr_cancel(&wait_tmr);
	loop_close();
}

bool pt_run_until(bool (*pred)(void *arg), void *arg, unsigned ms)
{
	wait_pred = pred;
	wait_arg = arg;
	wait_end = loop_now_ms() + ms;
	tmr_start(&wait_tmr, 0, waiter, NULL);
	loop_run();
	tmr_cancel(&wait_tmr);
	wait_pred = NULL;
	return pred ? pred(arg) : false;
}

void pt_run_for(unsigned ms)
{
	wait_pred = NULL;
	wait_end = loop_now_ms() + ms;
	tmr_start(&wait_tmr, 0, waiter, NULL);
	loop_run();
	tmr_cancel(&wait_tmr);
}

/* ---- ports ---- */

static bool port_free(int type, int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), one = 1, r;

	if (fd < 0)
		return false;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((unsigned short)port);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return r == 0;
}

int pt_port_block(unsigned lines, int *sip_base, int *ctrl_base)
{
	int tries;

	if (lines < 1 || lines > 9)
		return -1;
	tl_seed();
	for (tries = 0; tries < 400; tries++) {
		int sb = 10000 + 100 * (rand() % 80), cb = 19000 + 10 * (rand() % 90);
		int ports[27];
		bool ok = true;
		unsigned i, n = 0;

		for (i = 1; i <= lines; i++) {
			ports[n++] = sb + 10 * (int)i;
			ports[n++] = sb + 10 * (int)i + 1;
			ports[n++] = cb + (int)i;
		}
		/* Reserved before the probe: a block another test holds (its engines perhaps
		 * between two runs, the ports unbound) is never handed out twice. */
		if (!tl_port_reserve(ports, n))
			continue;
		for (i = 1; i <= lines && ok; i++) {
			int sp = sb + 10 * (int)i;

			ok = port_free(SOCK_DGRAM, sp) && port_free(SOCK_STREAM, sp) &&
			     port_free(SOCK_STREAM, sp + 1) && port_free(SOCK_STREAM, cb + (int)i);
		}
		/* Every port of the block is already held (tl_port_reserve above), so two tests
		 * probing at the same instant never both take it: the probe only weeds out ports
		 * something outside the tests has bound. */
		if (ok) {
			*sip_base = sb;
			*ctrl_base = cb;
			return 0;
		}
		tl_port_release_last(n);
	}
	return -1;
}

/* ---- baresip peers ---- */

static void peer_event(const struct ctrlmsg *ev, void *arg)
{
	struct pt_peer *p = arg;

	if (!strcmp(ev->type, "CALL_INCOMING")) {
		p->incoming++;
		if (p->reject && ctrlmsg_text_ok(ev->id)) {
			struct ctrl_cmd cmds[2] = {{"callfind", ev->id}, {"hangup", NULL}};

			(void)ctrl_send(p->ctrl, cmds, 2, 3000, NULL, NULL);
		}
	} else if (!strcmp(ev->type, "CALL_ESTABLISHED")) {
		p->established++;
	} else if (!strcmp(ev->type, "CALL_RTPESTAB")) {
		p->rtp++;
	} else if (!strcmp(ev->type, "CALL_CLOSED")) {
		p->closed++;
	} else if (!strcmp(ev->type, "CALL_REMOTE_SDP") && !strcmp(ev->param, "offer")) {
		p->remote_sdp++;
	} else if (!strcmp(ev->type, "CALL_DTMF_START")) {
		size_t len = strlen(p->dtmf);

		if (len + 2 < sizeof(p->dtmf) && strlen(ev->param) == 1) {
			p->dtmf[len] = ev->param[0];
			p->dtmf[len + 1] = '\0';
		}
	}
}

static void peer_state(int err, void *arg)
{
	struct pt_peer *p = arg;

	p->up = err == 0;
}

static bool peer_up(void *arg)
{
	return ((struct pt_peer *)arg)->up;
}

int pt_peer_start(struct pt_peer *p, const char *root, const char *name,
                  const struct pt_peer_opts *o)
{
	char path[800], log[800], addr[64];
	FILE *f;
	unsigned long long end;
	int i;

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->user, sizeof(p->user), "%s", o->user);
	snprintf(p->dir, sizeof(p->dir), "%s/%s", root, name);
	p->reject = o->reject;
	p->sip_port = tl_free_port();
	p->ctrl_port = tl_free_port();
	if (p->sip_port < 0 || p->ctrl_port < 0 || p->ctrl_port == p->sip_port ||
	    p->ctrl_port == p->sip_port + 1)
		return -1;
	if (mkdir(p->dir, 0700) < 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/config", p->dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f,
	        "poll_method\tepoll\nsip_listen\t127.0.0.1:%d\nnet_interface\t127.0.0.1\n"
	        "call_local_timeout\t%d\ncall_max_calls\t16\naudio_path\t/usr/share/baresip\n"
	        "audio_player\taubridge,noplay\naudio_source\t%s\naudio_alert\taubridge,noplay\n"
	        "audio_buffer\t20-160\njitter_buffer_delay\t5-10\nrtcp_mux\tno\nrtp_timeout\t10\n"
	        /* RTP above the ports tests hand out (tests/lib/testlib.h), so a peer's call
	         * never takes a port a test chose and has not bound yet. */
	        "rtp_ports\t40000-49150\n"
	        "module_path\t/usr/lib/baresip/modules\nmodule\tg711.so\nmodule\taubridge.so\n"
	        "module\taufile.so\nmodule_tmp\taccount.so\nmodule_app\tmenu.so\n%s"
	        "module_app\tctrl_tcp.so\nctrl_tcp_listen\t127.0.0.1:%d\nmenu_bell\tno\n"
	        "ringback_disabled\tyes\nstatmode_default\toff\n",
	        p->sip_port, o->local_timeout, o->ausrc ? o->ausrc : "aubridge,nosrc",
	        o->block ? "module_app\tcontact.so\n" : "", p->ctrl_port);
	fclose(f);
	snprintf(path, sizeof(path), "%s/accounts", p->dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "<sip:%s@127.0.0.1:%d>;regint=0;answermode=%s\n", o->user, p->sip_port,
	        o->answermode);
	fclose(f);
	snprintf(path, sizeof(path), "%s/contacts", p->dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	if (o->block)
		fprintf(f, "\"everyone\" <sip:*@*>;access=block\n");
	fclose(f);
	snprintf(log, sizeof(log), "%s/%s.log", root, name);
	{
		char *const argv[] = {"baresip", "-f", p->dir, NULL};

		p->proc.pid = spawn_logged(argv, p->dir, log);
		p->proc.out_fd = -1;
	}
	if (p->proc.pid < 0)
		return -1;
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", p->ctrl_port);
	end = tl_now_ms() + 10000;
	for (i = 0; !p->up && tl_now_ms() < end; i++) {
		ctrl_close(p->ctrl);
		p->ctrl = NULL;
		if (ctrl_connect(&p->ctrl, addr, 1000, peer_state, peer_event, p))
			return -1;
		if (!pt_run_until(peer_up, p, 300)) {
			ctrl_close(p->ctrl);
			p->ctrl = NULL;
			pt_run_for(50);
		}
	}
	if (!p->up)
		fprintf(stderr, "peer %s did not come up (see %s)\n", name, log);
	return p->up ? 0 : -1;
}

const char *pt_peer_uri(const struct pt_peer *p, char *buf, size_t n)
{
	snprintf(buf, n, "sip:%s@127.0.0.1:%d", p->user, p->sip_port);
	return buf;
}

void pt_peer_stop(struct pt_peer *p)
{
	ctrl_close(p->ctrl);
	p->ctrl = NULL;
	p->up = false;
	if (p->proc.pid > 0) {
		int st = stop_child(p->proc.pid, SIGTERM, 1500);

		if (st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
			fprintf(stderr, "peer %s needed SIGKILL\n", p->name);
		p->proc.pid = 0;
	}
}

/* ---- SIPp ---- */

/* True while something holds UDP port on 127.0.0.1 (bind answers EADDRINUSE). */
static bool udp_port_taken(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	bool taken;

	if (fd < 0)
		return false;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	taken = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == EADDRINUSE;
	close(fd);
	return taken;
}

/* One SIPp start on the given ports: 1 listening, 0 exited before listening (a port was
 * taken between the probe and SIPp's bind), -1 could not start. */
static int sipp_try(struct tl_proc *proc, const char *dir, const char *scenario, int port,
                    int calls)
{
	char xml[800], ports[16], mcalls[16], log[800], mport[16], out[800];
	unsigned long long end;
	int status;

	snprintf(xml, sizeof(xml), "%s/tests/data/sipp/%s.xml", tl_env("LOFTDIAL_SRC", "."),
	         scenario);
	snprintf(ports, sizeof(ports), "%d", port);
	snprintf(mcalls, sizeof(mcalls), "%d", calls);
	snprintf(mport, sizeof(mport), "%d", tl_free_port());
	snprintf(log, sizeof(log), "%s/sipp-%s-%d.log", dir, scenario, port);
	snprintf(out, sizeof(out), "%s/sipp-%s-%d.out", dir, scenario, port);
	{
		char *const argv[] = {"sipp",
		                      "-sf",
		                      xml,
		                      "-i",
		                      "127.0.0.1",
		                      "-p",
		                      ports,
		                      "-mi",
		                      "127.0.0.1",
		                      "-mp",
		                      mport,
		                      "-m",
		                      mcalls,
		                      "-nostdin",
		                      "-timeout",
		                      "60s",
		                      "-timeout_error",
		                      "-trace_err",
		                      "-error_file",
		                      log,
		                      NULL};

		memset(proc, 0, sizeof(*proc));
		proc->out_fd = -1;
		proc->pid = spawn_logged(argv, dir, out);
	}
	if (proc->pid < 0)
		return -1;
	/* Ready means its SIP port is bound; an early exit means a port race lost (SIPp exits 254
	 * when it cannot bind), which the caller answers with fresh ports. Under load SIPp can take
	 * well over a second to start, so the deadline is generous. */
	end = tl_now_ms() + 10000;
	while (tl_now_ms() < end) {
		if (waitpid(proc->pid, &status, WNOHANG) == proc->pid) {
			fprintf(stderr, "sipp %s on port %d exited %d before listening (see %s)\n",
			        scenario, port, WIFEXITED(status) ? WEXITSTATUS(status) : -1, out);
			proc->pid = 0;
			return 0;
		}
		if (udp_port_taken(port)) {
			/* The media port is bound right after the SIP port. */
			pt_run_for(100);
			if (waitpid(proc->pid, &status, WNOHANG) == proc->pid) {
				proc->pid = 0;
				return 0;
			}
			return 1;
		}
		pt_run_for(20);
	}
	stop_child(proc->pid, SIGKILL, 500);
	proc->pid = 0;
	return -1;
}

int pt_sipp_start(struct tl_proc *proc, const char *dir, const char *scenario, int *port, int calls)
{
	int i, r;

	for (i = 0; i < 5; i++) {
		if (i > 0 || *port <= 0)
			*port = tl_free_port();
		if (*port <= 0)
			return -1;
		r = sipp_try(proc, dir, scenario, *port, calls);
		if (r != 0)
			return r > 0 ? 0 : -1;
	}
	return -1;
}

int pt_sipp_wait(struct tl_proc *proc, int timeout_ms)
{
	unsigned long long end = tl_now_ms() + (unsigned long long)timeout_ms;
	int status;

	while (proc->pid > 0) {
		pid_t r = waitpid(proc->pid, &status, WNOHANG);

		if (r == proc->pid) {
			proc->pid = 0;
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		}
		if (tl_now_ms() >= end) {
			stop_child(proc->pid, SIGKILL, 500);
			proc->pid = 0;
			return -1;
		}
		pt_run_for(20);
	}
	return -1;
}

/* ---- pool harness ---- */

static void on_note(const struct pool_note *n, void *arg)
{
	struct pt_pool *t = arg;
	struct pt_note *r;

	if (t->nnotes < PT_NOTES_MAX) {
		r = &t->notes[t->nnotes++];
		memset(r, 0, sizeof(*r));
		r->ev = n->ev;
		r->attempt = n->a ? n->a->id : 0;
		r->line = n->line;
		r->ms = n->ms;
		r->send_ms = n->send_ms;
		r->legs = n->legs;
		r->t = tl_now_ms();
		snprintf(r->text, sizeof(r->text), "%s", n->text ? n->text : "");
	}
	switch (n->ev) {
	case POOL_EV_ENDED:
		if (t->nended < PT_ENDED_MAX)
			t->ended[t->nended++] = *n->a;
		break;
	case POOL_EV_LINE_UP:
		t->line_up++;
		break;
	case POOL_EV_LINE_DOWN:
		t->line_down++;
		break;
	case POOL_EV_IDLE:
		t->idle++;
		break;
	case POOL_EV_STOPPED:
		t->stopped++;
		break;
	default:
		break;
	}
	if (!t->quiet) {
		if (n->ev == POOL_EV_ENDED)
			printf("  #%u L%u ended: %s (%s) sip %d%s%s amd=%s\n", n->a->id, n->line,
			       call_outcome_name(n->a->outcome), n->a->reason, n->a->sip_code,
			       n->a->live_dropped ? " LIVE-DROPPED" : "",
			       n->a->media ? " media" : "",
			       n->a->amd == AMD_PENDING ? "-" : amd_result_name(n->a->amd));
		else if (n->ev == POOL_EV_DROP_TIME)
			printf("  drop time: line %u won, %u legs ended %.2f ms after its answer "
			       "(hangups written after %.2f ms)\n",
			       n->line, n->legs, n->ms, n->send_ms);
		else
			printf("  #%u L%u %s %s\n", n->a ? n->a->id : 0, n->line,
			       pool_ev_name(n->ev), n->text ? n->text : "");
		fflush(stdout);
	}
}

void pt_pool_defaults(struct pool_opts *po, struct phone_opts *ph, const char *dir, unsigned lines,
                      int sip_base, int ctrl_base, const char *mic)
{
	static char micset[800];

	memset(po, 0, sizeof(*po));
	po->ring_timeout_ms = 1500;
	po->stagger_ms = 0;
	po->hangup_confirm_ms = 5000;
	po->amd = POOL_AMD_OFF;
	po->machine = POOL_MACHINE_HANGUP;
	po->country = "US";
	po->dialplan = "sip:{e164}@127.0.0.1:5090";
	po->auto_resume = true;
	memset(ph, 0, sizeof(*ph));
	ph->mode = PHONE_SPAWN;
	ph->lines = lines;
	ph->baresip = "baresip";
	ph->dir = dir;
	ph->local_ip = "127.0.0.1";
	ph->sip_port = (unsigned)sip_base;
	ph->ctrl_port = (unsigned)ctrl_base;
	ph->rtp_timeout = 10;
	/* The suite's RTP range (tests/CMakeLists.txt), clear of every port tests hand out. */
	ph->rtp_ports = tl_env("LOFTDIAL_RTP_PORTS", "");
	ph->account.aor = "sip:loftdial@127.0.0.1";
	ph->account.transport = "udp";
	if (mic) {
		snprintf(micset, sizeof(micset), "aufile,%s", mic);
		ph->rep_source = micset;
	} else {
		ph->rep_source = "aubridge,nosrc";
	}
	ph->rep_player = "aubridge,noplay";
}

int pt_pool_start(struct pt_pool *t, const struct pool_opts *po, const struct phone_opts *ph)
{
	char why[256] = "";
	int err;

	t->nnotes = t->nended = t->line_up = t->line_down = t->idle = t->stopped = 0;
	err = pool_new(&t->pool, po, ph, on_note, t, why, sizeof(why));
	if (err)
		fprintf(stderr, "pool_new: %s (%s)\n", strerror(err), why);
	return err;
}

struct upwait {
	struct pt_pool *t;
	unsigned n;
};

static bool all_up(void *arg)
{
	struct upwait *w = arg;
	unsigned i;

	for (i = 1; i <= w->n; i++)
		if (!phone_line_up(pool_phone(w->t->pool), i))
			return false;
	return true;
}

bool pt_pool_wait_up(struct pt_pool *t, unsigned lines, unsigned ms)
{
	struct upwait w = {t, lines};

	return pt_run_until(all_up, &w, ms);
}

struct endwait {
	struct pt_pool *t;
	unsigned total;
};

static bool ended_enough(void *arg)
{
	struct endwait *w = arg;

	return w->t->nended >= w->total;
}

bool pt_pool_wait_ended(struct pt_pool *t, unsigned total, unsigned ms)
{
	struct endwait w = {t, total};

	return pt_run_until(ended_enough, &w, ms);
}

static bool pool_stopped(void *arg)
{
	return ((struct pt_pool *)arg)->stopped > 0;
}

void pt_pool_finish(struct pt_pool *t)
{
	if (!t->pool)
		return;
	pool_stop(t->pool);
	if (!pt_run_until(pool_stopped, t, 15000))
		fprintf(stderr, "pool did not stop in 15 s\n");
	pool_free(t->pool);
	t->pool = NULL;
}

const struct pool_attempt *pt_pool_attempt(const struct pt_pool *t, unsigned id)
{
	unsigned i;

	for (i = 0; i < t->nended; i++)
		if (t->ended[i].id == id)
			return &t->ended[i];
	return NULL;
}

unsigned pt_pool_count(const struct pt_pool *t, enum pool_ev ev, unsigned attempt)
{
	unsigned i, n = 0;

	for (i = 0; i < t->nnotes; i++)
		if (t->notes[i].ev == ev && (!attempt || t->notes[i].attempt == attempt))
			n++;
	return n;
}

const struct pt_note *pt_pool_last(const struct pt_pool *t, enum pool_ev ev)
{
	unsigned i;

	for (i = t->nnotes; i > 0; i--)
		if (t->notes[i - 1].ev == ev)
			return &t->notes[i - 1];
	return NULL;
}

/*
 * demo: the throw-away world `loftdial demo` runs in: a temporary folder, loftdial-sandbox
 * (API and simulated phones) started in it, and a config pointing loftdial at them (see
 * demo.h).
 *
 * The sandbox's stdout and stderr go to files in the folder; its ready lines ("phones ready
 * sip=..." then "sandbox ready api=...") are read from the file until they appear, the child
 * dies, the deadline passes or SIGINT/SIGTERM arrives. It is started in a process group of its
 * own (a Ctrl-C at the terminal is for loftdial, which then stops it) and dies with loftdial
 * through PR_SET_PDEATHSIG. Stopping is by its PID only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "loftdial/demo.h"
#include "loftdial/log.h"
#include "loftdial/text.h"

#define STOP_MS     5000  /* SIGTERM to SIGKILL */
#define POLL_MS     50    /* how often the ready lines are looked for */
#define PORT_LOW    21000 /* engine port blocks are looked for from here */
#define PORT_HIGH   32000 /* below Linux's ephemeral range (32768..) */
#define PORT_STEP   200
#define LINES_MAX   9
#define DEFAULT_PPL 2000

struct demo {
	char dir[PATH_MAX];
	char home[PATH_MAX];
	char out[PATH_MAX], err[PATH_MAX];
	char api[256], sip[128];
	char key[80];
	unsigned sip_port, ctrl_port;
	pid_t pid;
};

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ULL +
	       (unsigned long long)ts.tv_nsec / 1000000ULL;
}

static bool executable(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

int demo_find_sandbox(char *out, size_t n)
{
	const char *env = getenv("LOFTDIAL_SANDBOX_BIN"), *path = getenv("PATH");
	char self[PATH_MAX], first[PATH_MAX] = "";
	ssize_t len;

	if (env && env[0]) {
		if (executable(env))
			return text_copy(out, n, env) ? ENAMETOOLONG : 0;
		text_copy(first, sizeof(first), env);
	}
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len > 0) {
		char *slash;

		self[len] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			slash[1] = '\0';
			if (text_printf(out, n, "%sloftdial-sandbox", self))
				return ENAMETOOLONG;
			if (executable(out))
				return 0;
			if (!first[0])
				text_copy(first, sizeof(first), out);
		}
	}
	while (path && *path) {
		size_t k = strcspn(path, ":");

		if (k && k < PATH_MAX - 32 &&
		    !text_printf(out, n, "%.*s/loftdial-sandbox", (int)k, path) && executable(out))
			return 0;
		path += k;
		if (*path == ':')
			path++;
	}
	text_copy(out, n, first[0] ? first : "loftdial-sandbox");
	return ENOENT;
}

/* True when a socket of type can be bound to 127.0.0.1:port now. */
static bool port_free(int type, unsigned port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), one = 1;
	bool ok;

	if (fd < 0)
		return false;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (type == SOCK_STREAM)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

int demo_free_ports(unsigned lines, unsigned *sip, unsigned *ctrl)
{
	unsigned tries, span = PORT_HIGH - PORT_LOW, start;

	if (!sip || !ctrl)
		return EINVAL;
	if (lines == 0 || lines > LINES_MAX)
		lines = LINES_MAX;
	/* A random first block, so demos and tests started together do not all pick the same. */
	start = (unsigned)(getpid() * 7919u + (unsigned)time(NULL)) % (span / PORT_STEP);
	for (tries = 0; tries < span / PORT_STEP; tries++) {
		unsigned base = PORT_LOW + ((start + tries) % (span / PORT_STEP)) * PORT_STEP, i;
		bool ok = true;

		/* SIP: base + 10 i (UDP and TCP); control: base + 100 + i (TCP). */
		for (i = 0; i < lines && ok; i++)
			ok = port_free(SOCK_DGRAM, base + 10 * i) &&
			     port_free(SOCK_STREAM, base + 10 * i) &&
			     port_free(SOCK_STREAM, base + 100 + i);
		if (ok) {
			*sip = base;
			*ctrl = base + 100;
			return 0;
		}
	}
	return EADDRINUSE;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A random API key for this demo's sandbox ("ak_" and 64 hex digits). */
static void make_key(char *out, size_t n)
{
	unsigned char b[32];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	size_t i, len = 3;

	if (fd < 0 || read(fd, b, sizeof(b)) != (ssize_t)sizeof(b)) {
		unsigned long long x = now_ms() ^ ((unsigned long long)getpid() << 32);

		for (i = 0; i < sizeof(b); i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			b[i] = (unsigned char)(x >> 56);
		}
	}
	if (fd >= 0)
		close(fd);
	text_copy(out, n, "ak_");
	for (i = 0; i < sizeof(b) && len + 2 < n; i++, len += 2)
		snprintf(out + len, n - len, "%02x", b[i]);
}

/* The value after prefix on a line of file, up to the first blank; "" when absent. */
static void ready_value(const char *file, const char *prefix, char *out, size_t n)
{
	char line[1024];
	FILE *f = fopen(file, "r");

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, prefix, strlen(prefix))) {
			char *v = line + strlen(prefix);

			v[strcspn(v, " \r\n")] = '\0';
			text_copy(out, n, v);
			break;
		}
	}
	fclose(f);
}

/* The last non-empty line of file (the sandbox's own error), or "". */
static void last_line(const char *file, char *out, size_t n)
{
	char line[512];
	FILE *f = fopen(file, "r");

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0])
			text_copy(out, n, line);
	}
	fclose(f);
}

/* Starts the sandbox with its output in the folder. */
static int spawn(struct demo *d, const char *bin, unsigned people)
{
	char ppl[16];
	pid_t parent = getpid(), pid;

	snprintf(ppl, sizeof(ppl), "%u", people);
	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		int out = open(d->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int err = open(d->err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		/* Its own process group: a Ctrl-C at the terminal is loftdial's to handle. */
		(void)setpgid(0, 0);
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		if (out < 0 || err < 0 || null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 ||
		    dup2(err, 2) < 0)
			_exit(127);
		execl(bin, bin, "--listen", "127.0.0.1:0", "--sip", "127.0.0.1:0", "--people", ppl,
		      "--api-key", d->key, (char *)NULL);
		dprintf(2, "cannot run %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	d->pid = pid;
	return 0;
}

/* Stops the sandbox: SIGTERM, SIGKILL after STOP_MS, reaped either way. */
static void stop_sandbox(struct demo *d)
{
	unsigned long long end;
	int st;

	if (d->pid <= 0)
		return;
	(void)kill(d->pid, SIGTERM);
	end = now_ms() + STOP_MS;
	while (waitpid(d->pid, &st, WNOHANG) == 0) {
		if (now_ms() >= end) {
			log_warn("demo", "the sandbox (pid %ld) did not stop on SIGTERM: killed",
			         (long)d->pid);
			(void)kill(d->pid, SIGKILL);
			(void)waitpid(d->pid, &st, 0);
			break;
		}
		sleep_ms(20);
	}
	log_info("demo", "sandbox (pid %ld) stopped", (long)d->pid);
	d->pid = 0;
}

/* Waits for both ready lines: 0, or why not. */
static int wait_ready(struct demo *d, unsigned ms, char *why, size_t whyn)
{
	unsigned long long end = now_ms() + ms;
	int st;

	for (;;) {
		char last[300];

		ready_value(d->out, "sandbox ready api=", d->api, sizeof(d->api));
		if (d->api[0]) {
			ready_value(d->out, "phones ready sip=", d->sip, sizeof(d->sip));
			if (!d->sip[0]) {
				text_printf(why, whyn,
				            "loftdial-sandbox started without its simulated phones "
				            "(see %s)",
				            d->err);
				return EIO;
			}
			return 0;
		}
		if (interrupted) {
			text_printf(why, whyn, "interrupted while the sandbox was starting");
			return EINTR;
		}
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			d->pid = 0;
			last_line(d->err, last, sizeof(last));
			text_printf(why, whyn, "loftdial-sandbox did not start (%s %d)%s%s",
			            WIFEXITED(st) ? "exit" : "signal",
			            WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
			            last[0] ? ": " : "", last);
			return EIO;
		}
		if (now_ms() >= end) {
			text_printf(why, whyn, "loftdial-sandbox was not ready within %u s",
			            ms / 1000);
			return ETIMEDOUT;
		}
		sleep_ms(POLL_MS);
	}
}

/* The config: the sandbox for both Salesloft hosts, its phones for the dial plan, the
 * engines on the ports found, no sound card. */
static int write_config(struct demo *d)
{
	char path[PATH_MAX + 16];
	FILE *f;
	int err = 0;

	if (text_printf(path, sizeof(path), "%s/config", d->home))
		return ENAMETOOLONG;
	f = fopen(path, "w");
	if (!f)
		return errno;
	fprintf(f,
	        "# Written by loftdial demo: everything points at the sandbox on 127.0.0.1.\n"
	        "salesloft.api_url %s\n"
	        "salesloft.accounts_url %s\n"
	        "sip.dialplan sip:{e164}@%s\n"
	        "# No sound card: the engines keep baresip's silent devices.\n"
	        "audio.source aubridge,nosrc\n"
	        "audio.player aubridge,noplay\n"
	        "# The phones are on loopback: the engines bind there too (with no address\n"
	        "# given, baresip may pick one that cannot reach 127.0.0.1, or none at all).\n"
	        "engine.local_ip 127.0.0.1\n"
	        "engine.sip_port %u\n"
	        "engine.ctrl_port %u\n"
	        "# A dial session starts on three parallel lines (- and + change it, 1 to 3).\n"
	        "dial.lines 3\n",
	        d->api, d->api, d->sip, d->sip_port, d->ctrl_port);
	if (ferror(f))
		err = EIO;
	if (fclose(f) && !err)
		err = errno;
	return err;
}

int demo_start(struct demo **dp, const struct demo_opts *o, char *why, size_t whyn)
{
	struct sigaction sa, old_int, old_term;
	const char *tmp = o && o->tmp_dir ? o->tmp_dir : getenv("TMPDIR");
	char bin[PATH_MAX];
	struct demo *d;
	int err;

	if (why && whyn)
		why[0] = '\0';
	if (!dp || !o)
		return EINVAL;
	*dp = NULL;
	if (o->sandbox_bin && o->sandbox_bin[0]) {
		text_copy(bin, sizeof(bin), o->sandbox_bin);
		if (!executable(bin)) {
			text_printf(why, whyn, "%s is not an executable loftdial-sandbox", bin);
			return ENOENT;
		}
	} else if (demo_find_sandbox(bin, sizeof(bin))) {
		text_printf(
		        why, whyn,
		        "loftdial-sandbox was not found (looked beside loftdial, %s, and in PATH); "
		        "build it (cmake --build --preset release) or install loftdial",
		        bin);
		return ENOENT;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return ENOMEM;
	if (text_printf(d->dir, sizeof(d->dir), "%s/loftdial-demo.XXXXXX",
	                tmp && tmp[0] ? tmp : "/tmp") ||
	    !mkdtemp(d->dir)) {
		err = errno ? errno : ENAMETOOLONG;
		text_printf(why, whyn, "cannot make a temporary folder in %s: %s",
		            tmp && tmp[0] ? tmp : "/tmp", strerror(err));
		free(d);
		return err;
	}
	text_printf(d->home, sizeof(d->home), "%s/home", d->dir);
	text_printf(d->out, sizeof(d->out), "%s/sandbox.out", d->dir);
	text_printf(d->err, sizeof(d->err), "%s/sandbox.err", d->dir);
	if (mkdir(d->home, 0700)) {
		err = errno;
		text_printf(why, whyn, "cannot make %s: %s", d->home, strerror(err));
		goto fail;
	}
	err = demo_free_ports(o->lines, &d->sip_port, &d->ctrl_port);
	if (err) {
		text_printf(why, whyn,
		            "no free loopback ports for the engines between %u and %u (every block "
		            "is busy)",
		            PORT_LOW, PORT_HIGH);
		goto fail;
	}
	make_key(d->key, sizeof(d->key));
	log_add_secret(d->key);
	interrupted = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	err = spawn(d, bin, o->people ? o->people : DEFAULT_PPL);
	if (err)
		text_printf(why, whyn, "cannot start %s: %s", bin, strerror(err));
	else
		err = wait_ready(d, o->start_ms ? o->start_ms : 120000, why, whyn);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (!err) {
		err = write_config(d);
		if (err)
			text_printf(why, whyn, "cannot write the demo's config in %s: %s", d->home,
			            strerror(err));
	}
	if (err)
		goto fail;
	log_info("demo", "sandbox pid %ld api %s phones %s engines sip %u ctrl %u in %s",
	         (long)d->pid, d->api, d->sip, d->sip_port, d->ctrl_port, d->dir);
	*dp = d;
	return 0;
fail:
	demo_stop(d, false);
	return err;
}

void demo_stop(struct demo *d, bool keep)
{
	if (!d)
		return;
	stop_sandbox(d);
	if (!keep && d->dir[0])
		(void)nftw(d->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(d);
}

const char *demo_dir(const struct demo *d)
{
	return d ? d->dir : "";
}

const char *demo_home(const struct demo *d)
{
	return d ? d->home : "";
}

const char *demo_api(const struct demo *d)
{
	return d ? d->api : "";
}

const char *demo_api_key(const struct demo *d)
{
	return d ? d->key : "";
}

const char *demo_sip(const struct demo *d)
{
	return d ? d->sip : "";
}

void demo_ports(const struct demo *d, unsigned *sip_port, unsigned *ctrl_port)
{
	if (sip_port)
		*sip_port = d ? d->sip_port : 0;
	if (ctrl_port)
		*ctrl_port = d ? d->ctrl_port : 0;
}

pid_t demo_sandbox_pid(const struct demo *d)
{
	return d ? d->pid : 0;
}

/*
 * testlib: helpers for integration tests (processes, ports, folders, deadlines).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

unsigned long long tl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

const char *tl_env(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

int tl_tmpdir(char *out, size_t n, const char *prefix)
{
	int r = snprintf(out, n, "%s/%s.XXXXXX", tl_env("TMPDIR", "/tmp"), prefix);

	if (r < 0 || (size_t)r >= n)
		return ENAMETOOLONG;
	return mkdtemp(out) ? 0 : errno;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

int tl_rmrf(const char *dir)
{
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) ? errno : 0;
}

/* Binds an ephemeral TCP port on loopback and returns it (the socket is closed). */
static int bind_port(int type, int port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, type, 0), r;

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((unsigned short)port);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (r == 0)
		r = getsockname(fd, (struct sockaddr *)&sa, &len);
	close(fd);
	return r ? -1 : ntohs(sa.sin_port);
}

/* The reservations this process holds: one locked file per port, kept open until it ends. */
#define RESERVED_MAX 512
static int reserved_fd[RESERVED_MAX];
static unsigned nreserved;

/* Locks the file named after port in TL_PORT_DIR; true when this process now holds it (or
 * already did). The kernel drops a flock when its holder ends, however it ends, so nothing is
 * ever left reserved by a test that crashed. */
static bool reserve_one(int port)
{
	char path[64];
	int fd;

	if (nreserved >= RESERVED_MAX)
		return false;
	if (mkdir(TL_PORT_DIR, 0777) < 0 && errno != EEXIST)
		return false;
	/* Other users' tests share the folder: let them lock the files too. */
	(void)chmod(TL_PORT_DIR, 01777);
	snprintf(path, sizeof(path), "%s/%d", TL_PORT_DIR, port);
	fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return false;
	}
	reserved_fd[nreserved++] = fd;
	return true;
}

/* Gives back the newest reservations down to count left. */
static void release_to(unsigned left)
{
	while (nreserved > left)
		close(reserved_fd[--nreserved]);
}

bool tl_port_reserve(const int *ports, unsigned n)
{
	unsigned i, before = nreserved;

	for (i = 0; i < n; i++)
		if (!reserve_one(ports[i]))
			break;
	if (i == n)
		return true;
	/* All or nothing: give back what this call took. */
	release_to(before);
	return false;
}

void tl_port_release_last(unsigned n)
{
	release_to(n <= nreserved ? nreserved - n : 0);
}

bool tl_port_is_free(int type, int port)
{
	return bind_port(type, port) == port;
}

void tl_seed(void)
{
	static bool seeded;

	/* Tests run in parallel: without a per-process seed they would all try the same
	 * ports in the same order. */
	if (!seeded) {
		srand((unsigned)getpid() ^ (unsigned)tl_now_ms());
		seeded = true;
	}
}

int tl_free_port(void)
{
	int i;

	tl_seed();
	for (i = 0; i < 400; i++) {
		/* Below the kernel's ephemeral range (32768 and up), so no client's connection
		 * takes the port between this probe and the bind. */
		int port = TL_PORT_MIN +
		           (int)((unsigned)rand() % ((TL_PORT_MAX - TL_PORT_MIN) / 2)) * 2;
		int both[2] = {port, port + 1};

		/* Reserved first, then probed: a port another test holds is never probed. */
		if (!tl_port_reserve(both, 2))
			continue;
		if (tl_port_is_free(SOCK_STREAM, port) && tl_port_is_free(SOCK_DGRAM, port) &&
		    tl_port_is_free(SOCK_STREAM, port + 1))
			return port;
		tl_port_release_last(2);
	}
	return -1;
}

int tl_spawn(struct tl_proc *p, char *const argv[], char *const env[], const char *logpath)
{
	int fds[2];
	pid_t pid;

	memset(p, 0, sizeof(*p));
	if (logpath)
		snprintf(p->log, sizeof(p->log), "%s", logpath);
	if (pipe2(fds, O_CLOEXEC))
		return errno;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return errno;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		size_t i;

		dup2(devnull, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		setpgid(0, 0);
		for (i = 0; env && env[i]; i++)
			putenv(env[i]);
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	p->pid = pid;
	p->out_fd = fds[0];
	return 0;
}

/* Appends what the child wrote to the buffer (and the log file); EPIPE at EOF. */
static int pump(struct tl_proc *p, int timeout_ms)
{
	struct pollfd pfd = {.fd = p->out_fd, .events = POLLIN};
	char tmp[8192];
	ssize_t n;

	if (p->out_fd < 0)
		return EPIPE;
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	n = read(p->out_fd, tmp, sizeof(tmp));
	if (n == 0) {
		close(p->out_fd);
		p->out_fd = -1;
		return EPIPE;
	}
	if (n < 0)
		return errno == EAGAIN ? 0 : errno;
	if (p->log[0]) {
		FILE *f = fopen(p->log, "a");
		if (f) {
			fwrite(tmp, 1, (size_t)n, f);
			fclose(f);
		}
	}
	if (p->len + (size_t)n >= sizeof(p->buf)) {
		/* Keep the newest output; old lines were already checked. */
		size_t drop = p->len + (size_t)n - sizeof(p->buf) + 1;
		memmove(p->buf, p->buf + drop, p->len - drop);
		p->len -= drop;
	}
	memcpy(p->buf + p->len, tmp, (size_t)n);
	p->len += (size_t)n;
	p->buf[p->len] = '\0';
	return 0;
}

int tl_wait_line(struct tl_proc *p, const char *needle, int timeout_ms, char *line, size_t n)
{
	unsigned long long end = tl_now_ms() + (unsigned long long)timeout_ms;
	int err = 0;

	for (;;) {
		char *nl;

		/* Consume complete lines, looking for the needle. */
		while ((nl = memchr(p->buf, '\n', p->len)) != NULL) {
			size_t llen = (size_t)(nl - p->buf);
			int hit;

			*nl = '\0';
			hit = strstr(p->buf, needle) != NULL;
			if (hit && line && n)
				snprintf(line, n, "%s", p->buf);
			memmove(p->buf, nl + 1, p->len - llen - 1);
			p->len -= llen + 1;
			p->buf[p->len] = '\0';
			if (hit)
				return 0;
		}
		if (err)
			return err;
		if (tl_now_ms() >= end)
			return ETIMEDOUT;
		err = pump(p, 50);
	}
}

int tl_stop(struct tl_proc *p, int sig, int timeout_ms)
{
	unsigned long long end = tl_now_ms() + (unsigned long long)timeout_ms;
	int status;

	if (p->pid <= 0)
		return -1;
	kill(p->pid, sig);
	for (;;) {
		pid_t r = waitpid(p->pid, &status, WNOHANG);

		if (r == p->pid)
			break;
		if (tl_now_ms() >= end) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &status, 0);
			break;
		}
		(void)pump(p, 20);
	}
	while (pump(p, 0) == 0 && p->out_fd >= 0 && p->len < sizeof(p->buf) - 1) {
		struct pollfd pfd = {.fd = p->out_fd, .events = POLLIN};
		if (poll(&pfd, 1, 0) <= 0)
			break;
	}
	if (p->out_fd >= 0)
		close(p->out_fd);
	p->out_fd = -1;
	p->pid = 0;
	return status;
}

int tl_run(char *const argv[], char *const env[], char *out, size_t n, int timeout_ms)
{
	struct tl_proc p;
	unsigned long long end = tl_now_ms() + (unsigned long long)timeout_ms;
	int status, err;

	err = tl_spawn(&p, argv, env, NULL);
	if (err)
		return -1;
	while (p.out_fd >= 0 && tl_now_ms() < end)
		(void)pump(&p, 50);
	if (out && n)
		snprintf(out, n, "%s", p.buf);
	if (p.out_fd >= 0) {
		tl_stop(&p, SIGKILL, 1000);
		return -1;
	}
	waitpid(p.pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

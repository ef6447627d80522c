/*
 * test_demo: what `loftdial demo` sets up and takes down (demo.h), with the real
 * loftdial-sandbox: a block of free engine ports that really is free and skips a busy one;
 * the sandbox found through LOFTDIAL_SANDBOX_BIN and a clear ENOENT when it is not there; a
 * started demo with both ready lines read, a config pointing at them, the sandbox answering
 * with the demo's own key; demo_stop ending the sandbox by its PID and removing the folder (or
 * keeping it); a sandbox that exits at once reported with nothing left behind.
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "loftdial/demo.h"
#include "sbxtest.h"

static char tmp[512];

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static bool alive(pid_t pid)
{
	return pid > 0 && kill(pid, 0) == 0;
}

/* Binds a socket of type to 127.0.0.1:port; the fd, or -1. */
static int bind_port(int type, unsigned port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, type, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void test_free_ports(void **state)
{
	unsigned sip = 0, ctrl = 0, sip2 = 0, ctrl2 = 0, i;
	int fd;

	(void)state;
	assert_int_equal(demo_free_ports(3, NULL, &ctrl), EINVAL);
	assert_int_equal(demo_free_ports(9, &sip, &ctrl), 0);
	assert_true(sip >= 1024 && sip + 80 < 32768 && ctrl == sip + 100);
	for (i = 0; i < 9; i++) {
		int u = bind_port(SOCK_DGRAM, sip + 10 * i), t = bind_port(SOCK_STREAM, ctrl + i);

		assert_true(u >= 0 && t >= 0);
		close(u);
		close(t);
	}
	/* A busy control port in that block: the block is not offered again while it is. */
	fd = bind_port(SOCK_STREAM, ctrl + 2);
	assert_true(fd >= 0);
	for (i = 0; i < 40; i++) {
		assert_int_equal(demo_free_ports(9, &sip2, &ctrl2), 0);
		assert_int_not_equal(sip2, sip);
	}
	close(fd);
}

static void test_find_sandbox(void **state)
{
	const char *env = getenv("LOFTDIAL_SANDBOX_BIN"), *path = getenv("PATH");
	char out[1024], keep[1024], keep_path[4096];

	(void)state;
	assert_non_null(env);
	snprintf(keep, sizeof(keep), "%s", env);
	snprintf(keep_path, sizeof(keep_path), "%s", path ? path : "/usr/bin:/bin");
	assert_int_equal(demo_find_sandbox(out, sizeof(out)), 0);
	assert_string_equal(out, keep);
	/* Not there, nor beside this test, nor in PATH: ENOENT naming where it looked first. */
	setenv("LOFTDIAL_SANDBOX_BIN", "/nonexistent/loftdial-sandbox", 1);
	setenv("PATH", "/nonexistent", 1);
	assert_int_equal(demo_find_sandbox(out, sizeof(out)), ENOENT);
	assert_string_equal(out, "/nonexistent/loftdial-sandbox");
	setenv("LOFTDIAL_SANDBOX_BIN", keep, 1);
	setenv("PATH", keep_path, 1);
}

static void test_start_and_stop(void **state)
{
	struct demo_opts o;
	struct demo *d = NULL;
	char why[600], dir[1024], conf[1200], line[256], url[300];
	unsigned sip, ctrl;
	FILE *f;
	bool api = false, plan = false, ports = false, loopback = false;
	struct sbxt s;
	pid_t pid;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.people = 50;
	o.tmp_dir = tmp;
	assert_int_equal(demo_start(&d, &o, why, sizeof(why)), 0);
	snprintf(dir, sizeof(dir), "%s", demo_dir(d));
	pid = demo_sandbox_pid(d);
	assert_true(alive(pid));
	assert_true(!strncmp(dir, tmp, strlen(tmp)));
	assert_true(!strncmp(demo_api(d), "http://127.0.0.1:", 17));
	assert_true(!strncmp(demo_sip(d), "127.0.0.1:", 10));
	assert_true(!strncmp(demo_api_key(d), "ak_", 3) && strlen(demo_api_key(d)) == 67);
	demo_ports(d, &sip, &ctrl);
	snprintf(conf, sizeof(conf), "%s/config", demo_home(d));
	f = fopen(conf, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char want[300];

		snprintf(want, sizeof(want), "salesloft.api_url %s\n", demo_api(d));
		api |= !strcmp(line, want);
		snprintf(want, sizeof(want), "sip.dialplan sip:{e164}@%s\n", demo_sip(d));
		plan |= !strcmp(line, want);
		snprintf(want, sizeof(want), "engine.ctrl_port %u\n", ctrl);
		ports |= !strcmp(line, want);
		/* Loopback engines: the demo dials with no network at all. */
		loopback |= !strcmp(line, "engine.local_ip 127.0.0.1\n");
	}
	fclose(f);
	assert_true(api && plan && ports && loopback);
	/* The sandbox answers with the demo's key, and only with it. */
	memset(&s, 0, sizeof(s));
	snprintf(s.base, sizeof(s.base), "%s", demo_api(d));
	assert_int_equal(sbxt_api(&s, demo_api_key(d), "GET", "/v2/me", NULL, NULL), 200);
	assert_int_equal(sbxt_api(&s, SBXT_API_KEY, "GET", "/v2/me", NULL, NULL), 401);
	snprintf(url, sizeof(url), "%s", demo_api(d));
	demo_stop(d, false);
	assert_false(alive(pid));
	assert_false(exists(dir));

	/* --keep: the sandbox stops, the folder stays. */
	assert_int_equal(demo_start(&d, &o, why, sizeof(why)), 0);
	snprintf(dir, sizeof(dir), "%s", demo_dir(d));
	pid = demo_sandbox_pid(d);
	demo_stop(d, true);
	assert_false(alive(pid));
	snprintf(conf, sizeof(conf), "%s/home/config", dir);
	assert_true(exists(conf));
	assert_int_equal(tl_rmrf(dir), 0);
	demo_stop(NULL, false);
}

static void test_sandbox_fails(void **state)
{
	struct demo_opts o;
	struct demo *d = (struct demo *)1;
	char why[600];
	struct stat st;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.tmp_dir = tmp;
	o.sandbox_bin = "/bin/false";
	assert_int_equal(demo_start(&d, &o, why, sizeof(why)), EIO);
	assert_null(d);
	assert_non_null(strstr(why, "did not start (exit 1)"));
	o.sandbox_bin = "/nonexistent/sandbox";
	assert_int_equal(demo_start(&d, &o, why, sizeof(why)), ENOENT);
	assert_non_null(strstr(why, "/nonexistent/sandbox"));
	/* Nothing left in the folder the demos were made in. */
	assert_int_equal(rmdir(tmp), 0);
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(stat(tmp, &st), 0);
	assert_int_equal(demo_start(NULL, &o, why, sizeof(why)), EINVAL);
}

static int setup(void **state)
{
	(void)state;
	return tl_tmpdir(tmp, sizeof(tmp), "demo") ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	return tl_rmrf(tmp) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_free_ports),
	        cmocka_unit_test(test_find_sandbox),
	        cmocka_unit_test(test_start_and_stop),
	        cmocka_unit_test(test_sandbox_fails),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

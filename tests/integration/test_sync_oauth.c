/*
 * `loftdial connect` end to end against the sandbox's OAuth server, driven like a user's
 * browser would be: the authorize page, the consent, the redirect to loftdial's loopback
 * listener, the code exchange and /v2/me. A redirect with a wrong state is rejected (400)
 * without ending the wait; --paste accepts the redirected address (and rejects one from
 * another attempt); a refusal ends with exit 3; an API key is checked before it is saved.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "synctest.h"

static struct sbxt sbx;
static char out[ST_OUT_MAX];
static int port;

static int setup(void **state)
{
	return sbxt_start(&sbx, NULL) ? -1 : 0;
}

static int teardown(void **state)
{
	return sbxt_stop(&sbx) == 0 ? 0 : -1;
}

/* A fresh home configured for OAuth with a free redirect port. */
static void oauth_home(struct st_home *h)
{
	char cfg[512];

	port = tl_free_port();
	assert_true(port > 0);
	st_oauth_config(cfg, sizeof(cfg), port);
	assert_int_equal(st_home_new(h, &sbx, cfg), 0);
}

/* Waits for the child to exit and returns its exit code. */
static int exit_code(struct tl_proc *p)
{
	unsigned long long end = tl_now_ms() + 30000;
	int st;

	while (tl_now_ms() < end) {
		if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
			p->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		}
		(void)tl_wait_line(p, "\x01", 50, NULL, 0);
	}
	return -1;
}

static void test_loopback_flow(void **state)
{
	struct st_home h;
	struct tl_proc p;
	struct sbxt_resp r;
	char url[4096], loc[4096], bad[256], line[1024];
	cJSON *j;

	oauth_home(&h);
	assert_int_equal(st_spawn(&h, false, &p, NULL, "connect", NULL), 0);
	assert_int_equal(st_wait_authorize_url(&p, url, sizeof(url)), 0);
	assert_non_null(strstr(url, "client_id=loftdial-sandbox-client"));
	assert_non_null(strstr(url, "&state="));
	assert_int_equal(tl_wait_line(&p, "Waiting for the browser", 10000, NULL, 0), 0);

	/* A forged redirect with another state: refused, and loftdial keeps waiting. */
	snprintf(bad, sizeof(bad), "http://127.0.0.1:%d/callback?code=forged&state=0123", port);
	sbxt_http(&r, "GET", bad, NULL, NULL);
	assert_int_equal(r.status, 400);
	sbxt_resp_free(&r);
	assert_int_equal(tl_wait_line(&p, "state does not match", 10000, NULL, 0), 0);

	/* The browser: the authorize page, the consent, then the redirect to loftdial. */
	sbxt_http(&r, "GET", url, NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "approve"));
	sbxt_resp_free(&r);
	assert_int_equal(st_consent(url, "approve", loc, sizeof(loc)), 0);
	assert_non_null(strstr(loc, "code="));
	sbxt_http(&r, "GET", loc, NULL, NULL);
	assert_int_equal(r.status, 200);
	sbxt_resp_free(&r);
	assert_int_equal(tl_wait_line(&p, "Connected to Salesloft as", 30000, line, sizeof(line)),
	                 0);
	assert_non_null(strstr(line, "with OAuth"));
	assert_int_equal(exit_code(&p), 0);

	/* The saved tokens work for the other commands. */
	assert_int_equal(st_loftdial(&h, false, out, sizeof(out), 30000, "api", "GET", "me.json",
	                             "--compact", NULL),
	                 0);
	assert_non_null(strstr(out, "\"guid\""));
	assert_int_equal(st_loftdial(&h, false, out, sizeof(out), 30000, "status", "--json", NULL),
	                 0);
	j = cJSON_Parse(out);
	assert_string_equal(sbxt_str(cJSON_GetObjectItem(j, "connection"), "kind"), "oauth");
	cJSON_Delete(j);
	st_home_free(&h);
}

static void test_paste_flow(void **state)
{
	struct st_home h;
	struct tl_proc p;
	char url[4096], loc[4096], line[4200], *s;
	int in = -1;

	oauth_home(&h);
	assert_int_equal(st_spawn(&h, false, &p, &in, "connect", "--paste", NULL), 0);
	assert_int_equal(st_wait_authorize_url(&p, url, sizeof(url)), 0);
	assert_int_equal(st_consent(url, "approve", loc, sizeof(loc)), 0);
	/* The same address with another attempt's state is rejected; the wait goes on. */
	snprintf(line, sizeof(line), "%s", loc);
	s = strstr(line, "state=");
	assert_non_null(s);
	s[6] = s[6] == 'a' ? 'b' : 'a';
	strcat(line, "\n");
	assert_true(write(in, line, strlen(line)) == (ssize_t)strlen(line));
	assert_int_equal(tl_wait_line(&p, "state mismatch", 10000, NULL, 0), 0);
	/* Garbage is not fatal either. */
	assert_true(write(in, "what?\n", 6) == 6);
	assert_int_equal(tl_wait_line(&p, "paste the whole address", 10000, NULL, 0), 0);
	snprintf(line, sizeof(line), "  %s  \n", loc);
	assert_true(write(in, line, strlen(line)) == (ssize_t)strlen(line));
	assert_int_equal(tl_wait_line(&p, "Connected to Salesloft as", 30000, NULL, 0), 0);
	close(in);
	assert_int_equal(exit_code(&p), 0);
	st_home_free(&h);
}

static void test_bare_code_and_refusal(void **state)
{
	struct st_home h;
	struct tl_proc p;
	struct sbxt_resp r;
	char url[4096], loc[4096], line[512], *code;
	int in = -1;

	oauth_home(&h);
	/* --paste with just the code. */
	assert_int_equal(st_spawn(&h, false, &p, &in, "connect", "--paste", NULL), 0);
	assert_int_equal(st_wait_authorize_url(&p, url, sizeof(url)), 0);
	assert_int_equal(st_consent(url, "approve", loc, sizeof(loc)), 0);
	code = strstr(loc, "code=");
	assert_non_null(code);
	snprintf(line, sizeof(line), "%.*s\n", (int)strcspn(code + 5, "&"), code + 5);
	assert_true(write(in, line, strlen(line)) == (ssize_t)strlen(line));
	assert_int_equal(tl_wait_line(&p, "Connected to Salesloft as", 30000, NULL, 0), 0);
	close(in);
	assert_int_equal(exit_code(&p), 0);

	/* The user says no: the redirect carries error=access_denied; exit 3. */
	assert_int_equal(st_spawn(&h, false, &p, NULL, "connect", NULL), 0);
	assert_int_equal(st_wait_authorize_url(&p, url, sizeof(url)), 0);
	assert_int_equal(tl_wait_line(&p, "Waiting for the browser", 10000, NULL, 0), 0);
	assert_int_equal(st_consent(url, "deny", loc, sizeof(loc)), 0);
	assert_non_null(strstr(loc, "error=access_denied"));
	sbxt_http(&r, "GET", loc, NULL, NULL);
	assert_int_equal(r.status, 200);
	sbxt_resp_free(&r);
	assert_int_equal(tl_wait_line(&p, "authorization refused", 10000, NULL, 0), 0);
	assert_int_equal(exit_code(&p), 3);
	st_home_free(&h);
}

static void test_api_key(void **state)
{
	struct st_home h;
	int rc;

	assert_int_equal(st_home_new(&h, &sbx, NULL), 0);
	/* A wrong key is refused and nothing is saved. */
	rc = st_loftdial(&h, false, out, sizeof(out), 30000, "connect", "--api-key", "ak_wrong",
	                 NULL);
	assert_int_equal(rc, 3);
	rc = st_loftdial(&h, false, out, sizeof(out), 30000, "sync", NULL);
	assert_int_equal(rc, 3);
	assert_non_null(strstr(out, "not connected"));
	rc = st_loftdial(&h, false, out, sizeof(out), 30000, "connect", "--api-key", SBXT_API_KEY,
	                 NULL);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "with an API key"));
	/* The key never reaches the log in full. */
	{
		char path[700], buf[65536];
		FILE *f;
		size_t n;

		snprintf(path, sizeof(path), "%s/loftdial.log", h.dir);
		f = fopen(path, "r");
		assert_non_null(f);
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
		assert_null(strstr(buf, SBXT_API_KEY + 8));
	}
	st_home_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_loopback_flow),
	        cmocka_unit_test(test_paste_flow),
	        cmocka_unit_test(test_bare_code_and_refusal),
	        cmocka_unit_test(test_api_key),
	};

	signal(SIGPIPE, SIG_IGN);
	/* tl_free_port() draws from rand(): without a seed of its own, parallel tests would all
	 * try the same ports in the same order. */
	srand((unsigned)getpid() ^ (unsigned)tl_now_ms());
	return cmocka_run_group_tests(tests, setup, teardown);
}

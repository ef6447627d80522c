/*
 * Unit tests for log: levels, the file mode, and that secrets never reach the file in full.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "loftdial/log.h"
#include "testlib.h"

static void test_redact_table(void **state)
{
	static const char *const rows[][2] = {
	        {"Authorization: Bearer abcdef123456", "Authorization: Bearer abcd..."},
	        {"{\"access_token\":\"tok_1234567890\",\"x\":1}",
	         "{\"access_token\":\"tok_...\",\"x\":1}"},
	        {"refresh_token=rt_secretvalue&grant_type=refresh_token",
	         "refresh_token=rt_s...&grant_type=refresh_token"},
	        {"client_secret: s3cr3tvalue", "client_secret: s3cr..."},
	        {"auth_pass=hunter22;x", "auth_pass=hunt...;x"},
	        {"nothing secret here", "nothing secret here"},
	        {"access_token=ab", "access_token=ab"},
	        {"", ""},
	};
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", rows[i][0]);
		log_redact(buf);
		if (strcmp(buf, rows[i][1]))
			fail_msg("row %zu: got '%s' want '%s'", i, buf, rows[i][1]);
	}
	assert_null(log_redact(NULL));
}

static void test_file(void **state)
{
	char dir[256], path[512], text[4096];
	struct stat st;
	enum log_level lvl;
	FILE *f;
	size_t n;

	assert_int_equal(tl_tmpdir(dir, sizeof(dir), "logtest"), 0);
	snprintf(path, sizeof(path), "%s/loftdial.log", dir);
	assert_int_equal(log_open(path, LOG_INFO), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	log_add_secret("ak_0123456789abcdef");
	log_debug("t", "hidden debug line");
	log_info("t", "using key ak_0123456789abcdef now");
	log_warn("t", "name with \x1b[2J escape");
	log_error("t", "Bearer zzzzzzzzzzzz failed");
	log_close();
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	assert_null(strstr(text, "hidden debug"));
	assert_null(strstr(text, "0123456789abcdef"));
	assert_non_null(strstr(text, "ak_0..."));
	assert_null(strstr(text, "\x1b"));
	assert_non_null(strstr(text, "WARN t: name with  escape"));
	assert_null(strstr(text, "zzzzzzzzzzzz"));
	assert_int_equal(log_level_parse("warn", &lvl), 0);
	assert_int_equal(lvl, LOG_WARN);
	assert_int_equal(log_level_parse("loud", &lvl), EINVAL);
	assert_int_equal(log_open("/nonexistent/dir/x.log", LOG_INFO), ENOENT);
	tl_rmrf(dir);
}

/* A process that runs for days registers two secrets at every token refresh: the 40th (and
 * the first, and every one between) is still scrubbed, found by its exact bytes only. */
static void test_many_secrets(void **state)
{
	char secret[64], line[512], want[512];
	size_t before = log_secret_count();
	int i;

	for (i = 1; i <= 40; i++) {
		/* Tokens that share their first four bytes, as a provider's tokens do. */
		snprintf(secret, sizeof(secret), "tok_%02d_%s", i, i % 2 ? "access" : "refresh");
		log_add_secret(secret);
		log_add_secret(secret); /* a duplicate counts once */
	}
	assert_int_equal(log_secret_count(), before + 40);
	for (i = 1; i <= 40; i++) {
		snprintf(secret, sizeof(secret), "tok_%02d_%s", i, i % 2 ? "access" : "refresh");
		snprintf(line, sizeof(line), "GET /x?t=%s&again=%s.", secret, secret);
		snprintf(want, sizeof(want), "GET /x?t=tok_...&again=tok_....");
		log_redact(line);
		if (strcmp(line, want))
			fail_msg("secret %d: got '%s'", i, line);
	}
	/* Not a registered secret: left alone, even when it shares a prefix with many. */
	snprintf(line, sizeof(line), "tok_99_access tok_0 tok_");
	log_redact(line);
	assert_string_equal(line, "tok_99_access tok_0 tok_");
	/* The longest secret at a position wins over a shorter one it starts with. */
	log_add_secret("tok_01_accessory");
	snprintf(line, sizeof(line), "x tok_01_accessory y tok_01_access z");
	log_redact(line);
	assert_string_equal(line, "x tok_... y tok_... z");
	/* Too short to register. */
	log_add_secret("abcde");
	assert_int_equal(log_secret_count(), before + 41);
	log_add_secret(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_redact_table),
	        cmocka_unit_test(test_file),
	        cmocka_unit_test(test_many_secrets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for engineconf: the accounts line for every account shape, the values baresip's
 * account syntax cannot carry, and the files written (content, no stdio, modes 0600).
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

#include "loftdial/engineconf.h"
#include "testlib.h"

static struct sip_account acct(void)
{
	struct sip_account a = {"sip:rep@sip.example.com", "", "", "", "", "", "udp"};

	return a;
}

static void test_account_shapes(void **state)
{
	struct sip_account a = acct();
	char out[ENGINECONF_ACCOUNT_MAX], why[160];

	assert_int_equal(engineconf_account(out, sizeof(out), &a, false, why, sizeof(why)), 0);
	assert_string_equal(out, "<sip:rep@sip.example.com>;regint=0;audio_source=aubridge,nosrc;"
	                         "audio_player=aubridge,noplay;answermode=manual;call_transfer=no;"
	                         "mwi=no\n");
	a.registrar = "sip:registrar.example.com";
	a.auth_user = "rep";
	a.auth_pass = "s3cr3t!";
	a.caller_id = "Acme Sales";
	a.transport = "tcp";
	assert_int_equal(engineconf_account(out, sizeof(out), &a, true, why, sizeof(why)), 0);
	assert_string_equal(out,
	                    "\"Acme Sales\" <sip:rep@sip.example.com;transport=tcp>;regint=600;"
	                    "outbound=sip:registrar.example.com;auth_user=rep;auth_pass=s3cr3t!;"
	                    "audio_source=aubridge,nosrc;audio_player=aubridge,noplay;"
	                    "answermode=manual;call_transfer=no;mwi=no\n");
	/* only the registering engine registers; an explicit outbound proxy is kept */
	a.outbound = "sip:proxy.example.com:5070";
	assert_int_equal(engineconf_account(out, sizeof(out), &a, false, why, sizeof(why)), 0);
	assert_non_null(strstr(out, ";regint=0;outbound=sip:proxy.example.com:5070;"));
	a.transport = "tls";
	assert_int_equal(engineconf_account(out, sizeof(out), &a, false, why, sizeof(why)), 0);
	assert_non_null(strstr(out, ";transport=tls>"));
}

struct bad {
	const char *field;
	const char *value;
	const char *reason;
};

static const struct bad bads[] = {
        {"aor", "rep@example.com", "sip.aor"},
        {"aor", "sip:example.com", "sip.aor"},
        {"aor", "sip:rep@example.com;transport=tcp", "sip.aor"},
        {"aor", "sip:rep@exa mple.com", "sip.aor"},
        {"registrar", "registrar.example.com", "sip.registrar"},
        {"outbound", "sip:proxy;lr", "sip.outbound"},
        {"auth_user", "rep user", "sip.auth_user"},
        {"auth_pass", "pa;ss", "sip.auth_pass"},
        {"auth_pass", "pa ss", "sip.auth_pass"},
        {"auth_pass", "pa\"ss", "sip.auth_pass"},
        {"auth_pass", "pa\nss", "sip.auth_pass"},
        {"auth_pass", "pa>ss", "sip.auth_pass"},
        {"caller_id", "Acme \"Sales\"", "sip.caller_id"},
        {"caller_id", "Acme <x>", "sip.caller_id"},
        {"caller_id", "Acme\x1b[2J", "sip.caller_id"},
        {"caller_id", "An extremely long display name that goes on and on beyond sixty-four",
         "sip.caller_id"},
        {"transport", "sctp", "sip.transport"},
};

static void test_account_refusals(void **state)
{
	char out[ENGINECONF_ACCOUNT_MAX], why[160];
	size_t i;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct sip_account a = acct();

		if (!strcmp(bads[i].field, "aor"))
			a.aor = bads[i].value;
		else if (!strcmp(bads[i].field, "registrar"))
			a.registrar = bads[i].value;
		else if (!strcmp(bads[i].field, "outbound"))
			a.outbound = bads[i].value;
		else if (!strcmp(bads[i].field, "auth_user"))
			a.auth_user = bads[i].value;
		else if (!strcmp(bads[i].field, "auth_pass"))
			a.auth_pass = bads[i].value;
		else if (!strcmp(bads[i].field, "caller_id"))
			a.caller_id = bads[i].value;
		else
			a.transport = bads[i].value;
		why[0] = '\0';
		if (engineconf_account(out, sizeof(out), &a, false, why, sizeof(why)) != EINVAL)
			fail_msg("row %zu (%s) accepted", i, bads[i].field);
		if (strncmp(why, bads[i].reason, strlen(bads[i].reason)))
			fail_msg("row %zu: reason '%s'", i, why);
		/* the password itself is never part of a reason */
		if (!strcmp(bads[i].field, "auth_pass"))
			assert_null(strstr(why, bads[i].value));
	}
	assert_int_equal(engineconf_account(out, sizeof(out), NULL, false, why, sizeof(why)),
	                 EINVAL);
	{
		struct sip_account a = acct();

		assert_int_equal(engineconf_account(out, 40, &a, false, why, sizeof(why)), EINVAL);
	}
}

/* Reads a whole small file into buf; returns its mode. */
static unsigned slurp(const char *dir, const char *name, char *buf, size_t n)
{
	char path[1024];
	struct stat st;
	FILE *f;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	len = fread(buf, 1, n - 1, f);
	buf[len] = '\0';
	fclose(f);
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 0777;
}

static void test_write(void **state)
{
	char dir[512], buf[8192], tmp[600];
	struct engineconf c;

	assert_int_equal(tl_tmpdir(dir, sizeof(dir), "engineconf"), 0);
	memset(&c, 0, sizeof(c));
	c.sip_listen = "127.0.0.1:5270";
	c.net_interface = "127.0.0.1";
	c.ctrl_listen = "127.0.0.1:4461";
	c.rtp_timeout = 10;
	c.snd_path = "/tmp/rec";
	c.rep_source = "alsa,default";
	c.rep_player = "alsa,plughw:1";
	c.account = "<sip:rep@h>;regint=0;auth_pass=hunter2\n";
	assert_int_equal(engineconf_write(dir, &c), 0);
	assert_int_equal(slurp(dir, "config", buf, sizeof(buf)), 0600);
	assert_non_null(strstr(buf, "sip_listen\t\t127.0.0.1:5270\n"));
	assert_non_null(strstr(buf, "net_interface\t\t127.0.0.1\n"));
	assert_non_null(strstr(buf, "ctrl_tcp_listen\t\t127.0.0.1:4461\n"));
	assert_non_null(strstr(buf, "rtp_timeout\t\t10\n"));
	assert_non_null(strstr(buf, "audio_source\t\taubridge,nosrc\n"));
	assert_non_null(strstr(buf, "audio_player\t\taubridge,noplay\n"));
	assert_non_null(strstr(buf, "module\t\t\tsndfile.so\nsnd_path\t\t/tmp/rec\n"));
	assert_non_null(strstr(buf, "module\t\t\talsa.so\n"));
	assert_null(strstr(strstr(buf, "alsa.so") + 1, "alsa.so")); /* loaded once */
	assert_null(strstr(buf, "stdio.so"));
	assert_null(strstr(buf, "hunter2"));
	assert_int_equal(slurp(dir, "accounts", buf, sizeof(buf)), 0600);
	assert_string_equal(buf, c.account);
	assert_int_equal(slurp(dir, "contacts", buf, sizeof(buf)), 0600);
	assert_string_equal(buf, "");
	/* no recording, no interface */
	c.snd_path = "";
	c.net_interface = "";
	c.rep_source = "aufile,/x.wav";
	c.rep_player = "aubridge,noplay";
	assert_int_equal(engineconf_write(dir, &c), 0);
	(void)slurp(dir, "config", buf, sizeof(buf));
	assert_null(strstr(buf, "sndfile"));
	assert_null(strstr(buf, "net_interface"));
	assert_null(strstr(buf, "module\t\t\taufile.so\nmodule\t\t\taufile.so"));
	/* No range: baresip's own; a range is written as baresip's rtp_ports; a range the
	 * config key would refuse is refused here too. */
	assert_null(strstr(buf, "rtp_ports"));
	c.rtp_ports = "61000-65534";
	assert_int_equal(engineconf_write(dir, &c), 0);
	(void)slurp(dir, "config", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nrtp_ports\t\t61000-65534\n"));
	c.rtp_ports = "61001-65534";
	assert_int_equal(engineconf_write(dir, &c), EINVAL);
	c.rtp_ports = "61000-65534\nmodule stdio.so";
	assert_int_equal(engineconf_write(dir, &c), EINVAL);
	c.rtp_ports = NULL;
	/* values that would break the file */
	c.sip_listen = "127.0.0.1:5270\nmodule stdio.so";
	assert_int_equal(engineconf_write(dir, &c), EINVAL);
	c.sip_listen = "127.0.0.1:5270";
	c.account = "<sip:a@h>\n<sip:b@h>\n";
	assert_int_equal(engineconf_write(dir, &c), EINVAL);
	assert_int_equal(engineconf_write(NULL, &c), EINVAL);
	snprintf(tmp, sizeof(tmp), "%s/missing", dir);
	c.account = "<sip:a@h>\n";
	assert_int_equal(engineconf_write(tmp, &c), ENOENT);
	tl_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_account_shapes),
	        cmocka_unit_test(test_account_refusals),
	        cmocka_unit_test(test_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

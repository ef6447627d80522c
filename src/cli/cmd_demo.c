/*
 * `loftdial demo`: the TUI against a world of its own, for trying loftdial with no Salesloft
 * account and no sound card.
 *
 * The demo module (demo.h) makes a temporary folder, starts loftdial-sandbox in it and writes
 * a config pointing loftdial at it; this command then works in that folder as LOFTDIAL_HOME
 * (setup, log and database there, never in the user's own), connects with the sandbox's API
 * key as `loftdial connect --api-key` would, and opens the TUI on Home with a sync running
 * at once; when the sync ends the Lists screen opens. Quitting the TUI (or a signal that ends
 * it) stops the sandbox by its PID and removes the folder unless --keep.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loftdial/cli.h"
#include "loftdial/demo.h"
#include "loftdial/log.h"
#include "loftdial/text.h"
#include "loftdial/ui.h"

#define PEOPLE_MIN 10
#define PEOPLE_MAX 1000000

/* Variables that would point the demo's loftdial elsewhere than its sandbox. */
static const char *const foreign_env[] = {"LOFTDIAL_API_URL", "LOFTDIAL_ACCOUNTS_URL",
                                          "LOFTDIAL_API_KEY", "XDG_CONFIG_HOME", "XDG_DATA_HOME"};

/* A bad option: what was wrong (the argument cleaned of controls), then the usage. */
static int bad_usage(const char *what, const char *arg)
{
	char clean[64];

	text_sanitize(clean, sizeof(clean), arg, false);
	fprintf(stderr, "loftdial demo: %s '%s'\n", what, clean);
	return cli_usage(cli_find("demo"));
}

int cmd_demo(struct cli_ctx *ctx, int argc, char **argv)
{
	struct demo_opts o;
	struct demo *d = NULL;
	struct cli_ctx dc;
	struct ui_start st = {.sync_now = true, .then_open = "lists"};
	char why[600], dir[1100], key[96];
	char *connect_argv[4];
	bool keep = false;
	pid_t pid;
	int i, code = CLI_FAIL, err;
	size_t k;

	(void)ctx;
	memset(&o, 0, sizeof(o));
	o.people = 2000;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--keep")) {
			keep = true;
		} else if (!strcmp(argv[i], "--people") && i + 1 < argc) {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(argv[++i], &end, 10);
			if (errno || *end || end == argv[i] || v < PEOPLE_MIN || v > PEOPLE_MAX)
				return bad_usage("--people takes 10 to 1000000, not", argv[i]);
			o.people = (unsigned)v;
		} else {
			return bad_usage("no option", argv[i]);
		}
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr,
		        "loftdial demo: the demo opens the terminal UI, and %s is not a "
		        "terminal; scripts/demo.sh --script walks through the demo without one\n",
		        !isatty(STDIN_FILENO) ? "standard input" : "standard output");
		return CLI_FAIL;
	}

	printf("Starting loftdial-sandbox: a generated org of %u people and simulated phones on "
	       "127.0.0.1...\n",
	       o.people);
	fflush(stdout);
	err = demo_start(&d, &o, why, sizeof(why));
	if (err) {
		fprintf(stderr, "loftdial demo: %s\n", why);
		return err == EINTR ? CLI_INTERRUPT : CLI_FAIL;
	}
	text_copy(dir, sizeof(dir), demo_dir(d));
	text_copy(key, sizeof(key), demo_api_key(d));
	pid = demo_sandbox_pid(d);
	printf("Sandbox ready (pid %ld): API %s, phones %s; folder %s\n", (long)pid, demo_api(d),
	       demo_sip(d), dir);

	/* From here on loftdial works in the demo's folder only. */
	for (k = 0; k < sizeof(foreign_env) / sizeof(foreign_env[0]); k++)
		unsetenv(foreign_env[k]);
	if (setenv("LOFTDIAL_HOME", demo_home(d), 1)) {
		fprintf(stderr, "loftdial demo: cannot set LOFTDIAL_HOME: %s\n", strerror(errno));
		goto out;
	}
	memset(&dc, 0, sizeof(dc));
	dc.prog = ctx->prog;
	if (cli_setup(&dc))
		goto out;
	log_info("cli", "start: demo (sandbox pid %ld, %u people)", (long)pid, o.people);

	connect_argv[0] = "connect";
	connect_argv[1] = "--api-key";
	connect_argv[2] = key;
	connect_argv[3] = NULL;
	code = cmd_connect(&dc, 3, connect_argv);
	if (code != CLI_OK) {
		fprintf(stderr, "loftdial demo: could not connect to the sandbox (see %s)\n",
		        dc.paths.log_file);
		goto out_log;
	}
	printf("Opening the terminal UI: Home syncs the org, then the Lists screen opens.\n"
	       "Pick a list with Enter; q goes back and quits (the sandbox stops with it).\n");
	fflush(stdout);
	code = ui_main_with(&dc.paths, dc.cfg, &st);
	log_info("cli", "exit: demo -> %d", code);
out_log:
	log_close();
	config_free(dc.cfg);
out:
	demo_stop(d, keep);
	if (keep)
		printf("Demo stopped (sandbox pid %ld). Its folder is kept: %s "
		       "(LOFTDIAL_HOME=%s/home "
		       "loftdial status)\n",
		       (long)pid, dir, dir);
	else
		printf("Demo stopped: the sandbox (pid %ld) is stopped and %s is removed.\n",
		       (long)pid, dir);
	explicit_bzero(key, sizeof(key));
	return code;
}

/*
 * cli: loftdial's command line. Global options, the subcommand table, and the setup every
 * subcommand shares (folders, config with warnings, log file).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "loftdial/cli.h"
#include "loftdial/log.h"
#include "loftdial/text.h"
#include "loftdial/ui.h"

static const struct cli_cmd cmds[] = {
        {"config", cmd_config, "show and change loftdial's settings and where its files are",
         "usage: loftdial config [paths|keys [--not-used]|show|set KEY [--] VALUE]\n"
         "  paths  the config file, database and log locations\n"
         "  keys   every config key with its default and meaning; --not-used: the\n"
         "         keys declared for features not built yet (setting one warns)\n"
         "  show   the effective value of every key and where it came from (secrets\n"
         "         masked), and whether a connection is saved\n"
         "  set    change KEY to VALUE in the config file in place, keeping comments;\n"
         "         put -- before a VALUE that starts with - (set sip.auth_pass -- -x):\n"
         "         -h or --help before -- shows this instead of setting anything\n"},
        {"connect", cmd_connect, "connect to Salesloft (OAuth in a browser, or an API key)",
         "usage: loftdial connect [--paste] [--no-browser] [--api-key KEY]\n"
         "  OAuth: prints the authorize URL and waits for the redirect on\n"
         "  salesloft.redirect_uri (client id and secret come from the config).\n"
         "  --paste       over SSH: paste the redirected address (or the code) instead\n"
         "  --no-browser  do not run salesloft.browser\n"
         "  --api-key KEY connect with an API key (also LOFTDIAL_API_KEY)\n"
         "  Shows the connected user (GET /v2/me). Exit: 0 ok, 3 refused, 1 failed.\n"},
        {"sync", cmd_sync, "sync the Salesloft org into the local database",
         "usage: loftdial sync [--full] [--no-sweep] [--quiet] [OBJECT...]\n"
         "  OBJECT: users accounts people (contacts) cadences cadence_memberships steps\n"
         "  call_dispositions call_sentiments calls emails mailboxes; default all.\n"
         "  --full      a full pass: re-read everything and mark unseen rows deleted\n"
         "  --no-sweep  skip the ids[] deletion sweep after incremental runs\n"
         "  Exit: 0 ok, 4 some object stopped (rerun resumes), 3 not connected or\n"
         "  connection expired, 130 interrupted, 1 could not start or reach the API.\n"},
        {"status", cmd_status, "connection, per-object sync state, rate budget, outbox",
         "usage: loftdial status [--json]\n"},
        {"api", cmd_api, "authenticated passthrough to any Salesloft endpoint",
         "usage: loftdial api METHOD PATH [--data JSON] [--compact]\n"
         "  e.g. loftdial api GET /v2/me.json; PATH may omit /v2/.\n"
         "  The body goes to stdout, the status to stderr. Exit: 0 for 2xx, 1 otherwise,\n"
         "  3 not connected.\n"},
        {"export", cmd_export, "write a synced object as CSV or JSON lines",
         "usage: loftdial export OBJECT --format csv|jsonl [--raw] [--include-deleted]\n"
         "  OBJECT: contacts (people) accounts users sequences (cadences)\n"
         "  sequence_states (cadence_memberships) sequence_steps (steps)\n"
         "  call_dispositions call_sentiments calls emails mailboxes\n"
         "  Rows have the columns of the SQL views (docs/schema.md, Views); --raw writes each\n"
         "  record's JSON as Salesloft sent it; --include-deleted adds deleted ones.\n"},
        {"webhooks", cmd_webhooks, "register, list, remove and serve Salesloft webhooks",
         "usage: loftdial webhooks register --url PUBLIC_URL\n"
         "       loftdial webhooks list\n"
         "       loftdial webhooks unregister [--all]\n"
         "       loftdial webhooks serve [--listen ADDR] [--no-poll]\n"
         "  serve checks x-salesloft-signature, stores each event before answering,\n"
         "  applies it, and runs an incremental sync every sync.poll_interval seconds.\n"},
        {"lists", cmd_lists, "what can be dialled now: due call tasks and cadences, with counts",
         "usage: loftdial lists [--json]\n"
         "  Read live from Salesloft, as the TUI's Lists screen shows them: your call\n"
         "  tasks overdue and due today, and every cadence with phone actions due for\n"
         "  you (salesloft.operator_email when set), each with how many are due. People\n"
         "  whose call record still waits in the outbox are not dialled, so their work\n"
         "  is counted as waiting in the outbox instead of due.\n"
         "  --json  one object: tasks {overdue, today: {due, waiting}}, cadences [{id,\n"
         "          name, due, waiting, steps}]\n"
         "  Exit: 0 ok, 3 not connected or refused, 1 failed, 130 interrupted.\n"},
        {"dial", cmd_dial, "dial a list of numbers, a cadence or call tasks on 1-9 lines (no TUI)",
         "usage: loftdial dial --numbers FILE [--lines N] [--json] [--talk SECS]\n"
         "       loftdial dial --cadence ID | --tasks [--lines N] [--json] [--talk SECS]\n"
         "                     [--disposition NAME] [--sentiment NAME] [--notes TEXT] | [--ask]\n"
         "  FILE: one phone number or sip: URI per line ('-' for stdin; # comments).\n"
         "  --cadence ID  the cadence's phone actions due now for you; --tasks your call\n"
         "                tasks (dial.task_buckets); both make one list. Skipped entries say\n"
         "                why. Every ended call goes to the outbox and is posted.\n"
         "  --disposition, --sentiment, --notes  the record of each connected call;\n"
         "  --ask         instead, each connected call waits for: w DISPOSITION | SENTIMENT | "
         "NOTES\n"
         "  --lines N   lines dialled at once, 1-9 (default dial.lines)\n"
         "  --json      one JSON object per event line, then a summary object\n"
         "  --talk SECS hang a connected call up after SECS (default: the far end ends it)\n"
         "  While connected, type on stdin: h hang up, m/u mute/unmute, hold, resume,\n"
         "  d DIGITS (DTMF), r redial, q stop. A line that is too long or has control\n"
         "  characters or invalid UTF-8 is refused (the reason names the byte), never cut.\n"
         "  Every number passes the gates when read and again right before its INVITE:\n"
         "  calling hours in its zone (the store's person with that number, else its area\n"
         "  or country code, else dial.no_zone), do-not-contact, parked numbers, once per\n"
         "  run. A refused number is printed as skipped, with why, and never dialled.\n"
         "  Exit: 0 every line dialled, 4 some line refused, skipped or never dialled, 1 no\n"
         "  call could be placed (or nothing to dial), 2 bad options, 130 interrupted.\n"},
        {"outbox", cmd_outbox, "list, send, retry or drop the call records waiting to be logged",
         "usage: loftdial outbox [list]\n"
         "       loftdial outbox flush [--timeout SECS]\n"
         "       loftdial outbox retry ID | drop ID\n"
         "       loftdial outbox fix ID [--disposition NAME] [--sentiment NAME] [--notes T]\n"
         "  list   every item: state, key, attempts, next try, remote id, last error\n"
         "  flush  send what is queued (waiting retries too), after looking at items a\n"
         "         stopped run left in sending; ends when nothing is left to send, or after\n"
         "         SECS (default 120). Exit: 0 all sent, 4 some left queued or failed, 3 not\n"
         "         connected, 1 could not start.\n"
         "  retry  make a failed or waiting item due now\n"
         "  fix    correct a failed or queued call record (names checked against the\n"
         "         team's; \"\" removes a field) and make it due now\n"
         "  drop   delete an item for good (asks first on a terminal; not one in sending)\n"},
        {"demo", cmd_demo, "try loftdial on a sandbox org with simulated phones (no account)",
         "usage: loftdial demo [--people N] [--keep]\n"
         "  Starts loftdial-sandbox (a generated org and simulated phones on free\n"
         "  loopback ports) in a temporary folder, connects to it, and opens the TUI:\n"
         "  Home syncs the org, then the Lists screen shows what can be dialled. No\n"
         "  Salesloft account and no sound card are needed. Quitting stops the sandbox\n"
         "  and removes the folder.\n"
         "  --people N  the org's size (default 2000, 10 to 1000000)\n"
         "  --keep      keep the folder (config, database, log) and print where it is\n"
         "  Needs a terminal (scripts/demo.sh --script walks through without one).\n"
         "  Exit: 0 ok, 1 the sandbox or the TUI could not start, 2 bad options.\n",
         true},
        {"report", cmd_report, "dials, live answers, abandonment and hours per rep and campaign",
         "usage: loftdial report [--days N] [--json]\n"
         "  Over the last N days (default 30, at most 3650), per rep and campaign: dials,\n"
         "  live answers, dropped live answers, abandonment share (! over 3%),\n"
         "  identification messages played, dials outside dial.calling_hours in the\n"
         "  prospect's zone (must be zero), dials with no zone known.\n"
         "  Exit: 0 ok, 1 the store or the config could not be read, 2 bad usage.\n"},
        {"voicemail", cmd_voicemail, "record the voicemail or identification message lines play",
         "usage: loftdial voicemail record FILE|--cadence ID [--from IN] [--ident]\n"
         "                                [--seconds N] [--force]\n"
         "  Writes FILE in the format the engine plays (8 kHz mono 16-bit WAV).\n"
         "  --cadence ID the cadence's own voicemail instead of FILE (DATA/voicemail/\n"
         "               cadence-ID.wav): its dial sessions play it, not\n"
         "               dial.voicemail_file\n"
         "  --from IN    convert IN (any audio sox reads) instead of recording (needs sox)\n"
         "  without it   record the headset (audio.source) through baresip: speak after\n"
         "               'recording', then Enter or Ctrl-C; at most N seconds (default 60,\n"
         "               1-120)\n"
         "  --ident      an identification message (dial.ident_file) rather than a\n"
         "               voicemail (dial.voicemail_file): says which key to set\n"
         "  --force      replace FILE if it exists\n"
         "  Exit: 0 written, 1 failed (nothing written), 2 bad usage, 130 interrupted\n"
         "  before the recording started.\n"
         "usage: loftdial voicemail ident [--play]\n"
         "  Speaks the identification message from dial.ident_name and\n"
         "  dial.ident_callback (espeak-ng, offline) into the data folder, as a dial\n"
         "  session does when dial.ident_file is empty; prints its text, path and\n"
         "  length. Made once per text: the same text reuses the file.\n"
         "  --play       also play it here (sox's play, the default audio output)\n"
         "  Exit: 0 made (or already made), 1 not configured, refused or failed, 2 bad\n"
         "  usage.\n"},
};

static const size_t ncmds = sizeof(cmds) / sizeof(cmds[0]);

const struct cli_cmd *cli_find(const char *name)
{
	size_t i;

	for (i = 0; i < ncmds; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

int cli_usage(const struct cli_cmd *cmd)
{
	fputs(cmd->usage, stderr);
	return CLI_USAGE;
}

/* Prints the overview: what loftdial is and the subcommands that exist. */
static void print_help(FILE *f)
{
	size_t i;

	fprintf(f,
	        "loftdial %s: terminal dialer and sync console for Salesloft\n\n"
	        "usage: loftdial [--help] [--version] [<command> [options]]\n"
	        "With no command, on a terminal, loftdial opens its terminal UI.\n\n"
	        "commands:\n",
	        LOFTDIAL_VERSION);
	for (i = 0; i < ncmds; i++)
		fprintf(f, "  %-12s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\nloftdial help <command> shows a command's options.\n"
	           "Files: LOFTDIAL_HOME=DIR keeps config and data in DIR "
	           "(else XDG_CONFIG_HOME / XDG_DATA_HOME).\n");
}

/* Prints a config warning as file:line: message on stderr and into the log. */
static void warn_config(const char *file, unsigned line, const char *msg, void *arg)
{
	fprintf(stderr, "%s:%u: %s\n", file, line, msg);
	log_warn("config", "%s:%u: %s", file, line, msg);
}

/* Resolves folders, writes the example config on first run, loads config, opens the log. */
int cli_setup(struct cli_ctx *ctx)
{
	enum log_level lvl = LOG_INFO;
	int err;

	err = paths_init(&ctx->paths);
	if (err) {
		fprintf(stderr, "loftdial: cannot create the config or data folder: %s\n",
		        strerror(err));
		return err;
	}
	err = config_new(&ctx->cfg);
	if (err)
		return err;
	(void)config_write_example(ctx->paths.config_file);
	err = config_load(ctx->cfg, ctx->paths.config_file, warn_config, NULL);
	if (err && err != ENOENT)
		fprintf(stderr, "loftdial: cannot read %s: %s (using defaults)\n",
		        ctx->paths.config_file, strerror(err));
	config_apply_env(ctx->cfg);
	(void)log_level_parse(config_str(ctx->cfg, "log.level"), &lvl);
	err = log_open(ctx->paths.log_file, lvl);
	if (err)
		fprintf(stderr, "loftdial: cannot open log %s: %s\n", ctx->paths.log_file,
		        strerror(err));
	log_add_secret(config_str(ctx->cfg, "salesloft.client_secret"));
	log_add_secret(config_str(ctx->cfg, "salesloft.api_key"));
	log_add_secret(config_str(ctx->cfg, "sip.auth_pass"));
	return 0;
}

/* An unknown command or option: one line naming it and the valid commands, then the
 * overview on stderr. */
static void unknown_command(const char *what)
{
	char clean[64], list[512] = "";
	size_t i, len = 0;

	text_sanitize(clean, sizeof(clean), what, false);
	for (i = 0; i < ncmds && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
		                        cmds[i].name);
	if (what[0] == '-')
		fprintf(stderr, "loftdial: no option '%s'; the options are --help and --version\n",
		        clean);
	else
		fprintf(stderr, "loftdial: no command '%s'; the commands are %s\n", clean, list);
	print_help(stderr);
}

int cli_main(int argc, char **argv)
{
	const struct cli_cmd *cmd;
	struct cli_ctx ctx;
	int i, rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.prog = argv[0];
	if (argc < 2) {
		/* On a terminal, no command opens the TUI; elsewhere there is nothing to show. */
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
			print_help(stderr);
			return CLI_USAGE;
		}
		if (cli_setup(&ctx)) {
			config_free(ctx.cfg);
			return CLI_FAIL;
		}
		log_info("cli", "start: tui");
		rc = ui_main(&ctx.paths, ctx.cfg);
		log_info("cli", "exit: tui -> %d", rc);
		log_close();
		config_free(ctx.cfg);
		return rc;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2) {
			cmd = cli_find(argv[2]);
			if (!cmd) {
				unknown_command(argv[2]);
				return CLI_USAGE;
			}
			fputs(cmd->usage, stdout);
			return CLI_OK;
		}
		print_help(stdout);
		return CLI_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("loftdial %s\n", LOFTDIAL_VERSION);
		return CLI_OK;
	}
	cmd = cli_find(argv[1]);
	if (!cmd) {
		unknown_command(argv[1]);
		return CLI_USAGE;
	}
	/* --help anywhere asks for the command's usage, up to a "--": what follows it is data
	 * (`config set KEY -- --help` sets the value "--help"). */
	for (i = 2; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(cmd->usage, stdout);
			return CLI_OK;
		}
	}
	/* A command with a folder of its own sets itself up there. */
	if (cmd->own_setup)
		return cmd->fn(&ctx, argc - 1, argv + 1);
	if (cli_setup(&ctx)) {
		config_free(ctx.cfg);
		return CLI_FAIL;
	}
	log_info("cli", "start: %s", cmd->name);
	rc = cmd->fn(&ctx, argc - 1, argv + 1);
	log_info("cli", "exit: %s -> %d", cmd->name, rc);
	log_close();
	config_free(ctx.cfg);
	return rc;
}

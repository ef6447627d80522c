/*
 * cli: the command line: global options, the subcommand table and each subcommand's entry.
 *
 * Every subcommand lives in its own file, src/cli/cmd_<name>.c, and is listed once in the
 * table in src/cli/cli.c; `loftdial help` prints that table, so help lists exactly what exists.
 */
#ifndef LOFTDIAL_CLI_H
#define LOFTDIAL_CLI_H

#include <stdbool.h>

#include "loftdial/config.h"
#include "loftdial/paths.h"

/* What every subcommand gets: resolved folders, the loaded config, the log opened. */
struct cli_ctx {
	struct paths paths;
	struct config *cfg;
	const char *prog;
};

/* Exit codes shared by the subcommands (documented in docs/cli.md). */
enum cli_exit {
	CLI_OK = 0,
	CLI_FAIL = 1,       /* the work failed; the message says why */
	CLI_USAGE = 2,      /* bad command line */
	CLI_AUTH = 3,       /* not connected, or the connection expired: run loftdial connect */
	CLI_PARTIAL = 4,    /* finished with some objects or records failing; rerun resumes */
	CLI_INTERRUPT = 130 /* stopped by SIGINT/SIGTERM; rerun resumes */
};

typedef int(cli_cmd_fn)(struct cli_ctx *ctx, int argc, char **argv);

struct cli_cmd {
	const char *name;
	cli_cmd_fn *fn;
	const char *summary; /* one line for `loftdial help` */
	const char *usage;   /* full text for `loftdial help NAME` / `NAME --help` */
	bool own_setup;      /* runs cli_setup itself (demo: in a folder of its own) */
};

/* Parses argv, runs the subcommand, returns the process exit code. */
int cli_main(int argc, char **argv);
/* Prints a subcommand's usage to stderr and returns CLI_USAGE. */
int cli_usage(const struct cli_cmd *cmd);
/* Finds a subcommand by name. */
const struct cli_cmd *cli_find(const char *name);
/* What every subcommand gets before it runs: folders resolved and made (LOFTDIAL_HOME), the
 * example config written on first run, the config loaded with its warnings, the log opened.
 * 0 or an errno value (said on stderr); ctx->cfg is the caller's to free. */
int cli_setup(struct cli_ctx *ctx);

/* Subcommands (one file each). */
int cmd_config(struct cli_ctx *ctx, int argc, char **argv);
/* Salesloft connection and sync (src/cli/cmd_{connect,sync,status,api,export,webhooks}.c). */
int cmd_connect(struct cli_ctx *ctx, int argc, char **argv);
int cmd_sync(struct cli_ctx *ctx, int argc, char **argv);
int cmd_status(struct cli_ctx *ctx, int argc, char **argv);
int cmd_api(struct cli_ctx *ctx, int argc, char **argv);
int cmd_export(struct cli_ctx *ctx, int argc, char **argv);
int cmd_webhooks(struct cli_ctx *ctx, int argc, char **argv);
/* What can be dialled now, with counts (src/cli/cmd_lists.c). */
int cmd_lists(struct cli_ctx *ctx, int argc, char **argv);
/* The dial pool without the TUI (src/cli/cmd_dial.c). */
int cmd_dial(struct cli_ctx *ctx, int argc, char **argv);
/* The write-back queue by hand (src/cli/cmd_outbox.c). */
int cmd_outbox(struct cli_ctx *ctx, int argc, char **argv);
/* The compliance record over the dial attempts (src/cli/cmd_report.c). */
int cmd_report(struct cli_ctx *ctx, int argc, char **argv);
/* Recorded messages: the voicemail and the identification message (src/cli/cmd_voicemail.c). */
int cmd_voicemail(struct cli_ctx *ctx, int argc, char **argv);
/* The TUI against a sandbox of its own (src/cli/cmd_demo.c). */
int cmd_demo(struct cli_ctx *ctx, int argc, char **argv);

#endif

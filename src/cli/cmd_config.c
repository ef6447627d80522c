/*
 * `loftdial config`: shows where the files are and what every setting is.
 */
#include <stdio.h>
#include <string.h>

#include "loftdial/cli.h"

int cmd_config(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "paths";
	const struct config_key *k;
	size_t n, i;

	if (!strcmp(what, "paths")) {
		printf("config  %s\ndata    %s\ndb      %s\nlog     %s\n", ctx->paths.config_file,
		       ctx->paths.data_dir, ctx->paths.db_file, ctx->paths.log_file);
		return CLI_OK;
	}
	k = config_keys(&n);
	if (!strcmp(what, "keys")) {
		for (i = 0; i < n; i++)
			printf("%-26s %-32s %s\n", k[i].name, k[i].secret ? "(secret)" : k[i].def,
			       k[i].doc);
		return CLI_OK;
	}
	if (!strcmp(what, "show")) {
		for (i = 0; i < n; i++) {
			const char *v = config_str(ctx->cfg, k[i].name);

			printf("%-26s %s%s\n", k[i].name,
			       k[i].secret ? (*v ? "(set, hidden)" : "(unset)") : v,
			       config_is_set(ctx->cfg, k[i].name) ? "" : "  (default)");
		}
		return CLI_OK;
	}
	return cli_usage(cli_find("config"));
}

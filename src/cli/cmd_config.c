/*
 * `loftdial config`: where the files are, the keys loftdial reads, the effective value of each
 * with where it came from, and `config set` to change one in the file without touching the
 * rest of it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "loftdial/cli.h"
#include "loftdial/paths.h"
#include "loftdial/store.h"
#include "loftdial/text.h"
#include "loftdial/tokens.h"

/* Prints whether credentials are saved in the database, never the credentials themselves. */
static void show_saved(const struct cli_ctx *ctx)
{
	struct store *st = NULL;
	struct tokens *t = NULL;
	struct stat sb;
	char who[700], where[600], when[32] = "?";
	struct tm tm;
	time_t at;

	/* A missing database means nothing is saved; config must not create one. */
	if (stat(ctx->paths.db_file, &sb)) {
		printf("%-26s %s\n", "saved connection", "none (loftdial connect saves one)");
		return;
	}
	t = calloc(1, sizeof(*t));
	if (!t || store_open(&st, ctx->paths.db_file)) {
		printf("%-26s %s\n", "saved connection", "unknown (cannot open the database)");
		goto out;
	}
	if (tokens_load(st, t)) {
		printf("%-26s %s\n", "saved connection", "none (loftdial connect saves one)");
		goto out;
	}
	at = (time_t)t->updated_at;
	if (gmtime_r(&at, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	text_sanitize(who, sizeof(who), *t->user_email ? t->user_email : "unknown user", false);
	text_sanitize(where, sizeof(where), *t->api_url ? t->api_url : "an unrecorded API", false);
	printf("%-26s %s for %s at %s, saved %s (%s)\n", "saved connection",
	       !strcmp(t->kind, "api_key") ? "an API key" : "OAuth tokens", who, where, when,
	       ctx->paths.db_file);
out:
	if (t)
		explicit_bzero(t, sizeof(*t));
	free(t);
	store_close(st);
}

/* `config show`: every key loftdial reads, its value and where that value came from. */
static int show(const struct cli_ctx *ctx)
{
	const struct config_key *k;
	char clean[128];
	size_t n, i;

	k = config_keys(&n);
	for (i = 0; i < n; i++) {
		const char *v;

		if (!config_key_used(k[i].name))
			continue;
		v = config_str(ctx->cfg, k[i].name);
		if (k[i].secret)
			v = *v ? "(set, hidden)" : "(unset)";
		text_sanitize(clean, sizeof(clean), v, false);
		printf("%-26s %-32s %s\n", k[i].name, clean, config_origin(ctx->cfg, k[i].name));
	}
	show_saved(ctx);
	return CLI_OK;
}

/* `config set KEY [--] VALUE`: checks the value, then rewrites that one line of the file. */
static int set(const struct cli_ctx *ctx, const char *key, const char *value)
{
	const struct config_key *k;
	char msg[256] = "", shown[128];
	unsigned line = 0;
	size_t n, i;
	int err;

	err = config_file_set(ctx->paths.config_file, key, value, &line, msg, sizeof(msg));
	if (err == EINVAL && *msg) {
		text_sanitize(shown, sizeof(shown), msg, false);
		fprintf(stderr, "loftdial config set: %s (loftdial config keys lists the keys)\n",
		        shown);
		return CLI_USAGE;
	}
	if (err) {
		fprintf(stderr, "loftdial config set: cannot write %s: %s\n",
		        ctx->paths.config_file, *msg ? msg : strerror(err));
		return CLI_FAIL;
	}
	k = config_keys(&n);
	for (i = 0; i < n && strcmp(k[i].name, key); i++)
		;
	text_sanitize(shown, sizeof(shown), value, false);
	printf("%s:%u: %s %s\n", ctx->paths.config_file, line, key,
	       i < n && k[i].secret ? "(hidden)" : shown);
	return CLI_OK;
}

int cmd_config(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "paths";
	const struct config_key *k;
	size_t n, i;

	if (!strcmp(what, "paths") && argc <= 2) {
		char themes[PATHS_MAX];

		printf("config  %s\ndata    %s\ndb      %s\nlog     %s\n", ctx->paths.config_file,
		       ctx->paths.data_dir, ctx->paths.db_file, ctx->paths.log_file);
		/* Where the shipped themes were found: what to check when a theme is missing. */
		if (!paths_share("themes", themes, sizeof(themes)))
			printf("themes  %s\n", themes);
		return CLI_OK;
	}
	if (!strcmp(what, "keys") && (argc <= 2 || (argc == 3 && !strcmp(argv[2], "--not-used")))) {
		bool used = argc <= 2;

		k = config_keys(&n);
		for (i = 0; i < n; i++)
			if (config_key_used(k[i].name) == used)
				printf("%-26s %-32s %s\n", k[i].name,
				       k[i].secret ? "(secret)" : k[i].def, k[i].doc);
		return CLI_OK;
	}
	if (!strcmp(what, "show") && argc <= 2)
		return show(ctx);
	if (!strcmp(what, "set")) {
		const char *pos[3];
		bool dashes = false;
		int np = 0, a;

		/* The first "--" ends the options: every word after it is KEY or VALUE as written,
		 * so a value may start with '-'. */
		for (a = 2; a < argc; a++) {
			if (!dashes && !strcmp(argv[a], "--")) {
				dashes = true;
				continue;
			}
			if (np < 3)
				pos[np] = argv[a];
			np++;
		}
		if (np == 2)
			return set(ctx, pos[0], pos[1]);
		fprintf(stderr, "loftdial config set: needs a key and a value (-- before a value "
		                "that starts with -)\n");
	} else if (argc > 2 &&
	           (!strcmp(what, "paths") || !strcmp(what, "keys") || !strcmp(what, "show")))
		fprintf(stderr, "loftdial config %s: takes no arguments\n", what);
	else
		fprintf(stderr, "loftdial config: no subcommand '%.64s' (paths, keys, show, set)\n",
		        what);
	return cli_usage(cli_find("config"));
}

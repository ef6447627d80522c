/*
 * `loftdial connect [--paste] [--api-key KEY] [--no-browser]`: connects loftdial to a
 * Salesloft user and shows who that is.
 *
 * OAuth (the default): a random state, the authorize URL printed (and opened when
 * salesloft.browser names a program), then the code comes back either to the loopback
 * listener on salesloft.redirect_uri or, with --paste (over SSH, where the browser cannot
 * reach this machine), from the redirected URL or the bare code pasted on stdin. The code is
 * exchanged, the tokens are saved, and GET /v2/me confirms the user. With --api-key KEY (or
 * LOFTDIAL_API_KEY) the key is checked against /v2/me and saved instead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <re.h>

#include "loftdial/cli.h"
#include "loftdial/log.h"
#include "loftdial/loop.h"
#include "loftdial/oauth.h"
#include "loftdial/oauth_listen.h"
#include "loftdial/records.h"
#include "loftdial/sldecode.h"
#include "loftdial/syncsess.h"
#include "loftdial/text.h"
#include "loftdial/tokens.h"

extern char **environ;

#define WAIT_MAX_MS (10u * 60 * 1000) /* an authorization code's lifetime */

struct connrun {
	struct cli_ctx *ctx;
	struct syncsess ss;
	struct oauth_listen *lis;
	struct oauth_req *req;
	struct oauth_client client;
	const char *redirect;
	char state[OAUTH_STATE_LEN + 1];
	const char *key; /* --api-key / LOFTDIAL_API_KEY, NULL for OAuth */
	bool paste, api_key, busy;
	char line[8192];
	size_t linelen;
	pid_t browser;
	struct tmr tmr;
	int code;
};

static void finish(struct connrun *c, int code)
{
	c->code = code;
	loop_quit(code);
}

/* GET /v2/me answered: keep who we are with the tokens and show it. */
static void on_me(int err, const struct slapi_resp *resp, void *arg)
{
	struct connrun *c = arg;
	struct tokens *t = NULL;
	const cJSON *rec;
	cJSON *root = NULL;
	const char *name, *email, *guid;
	char sname[256], semail[320], sguid[64];
	int64_t id = 0;

	if (err) {
		fprintf(stderr, "loftdial connect: /v2/me failed: %s\n",
		        resp->msg ? resp->msg : strerror(err));
		finish(c, err == EKEYREVOKED || err == EACCES ? CLI_AUTH : CLI_FAIL);
		return;
	}
	if (sldecode_record(resp->body, resp->body_len, &root, &rec)) {
		fprintf(stderr, "loftdial connect: /v2/me answered something that is not a user\n");
		finish(c, CLI_FAIL);
		return;
	}
	(void)sldecode_id(cJSON_GetObjectItemCaseSensitive(rec, "id"), &id);
	name = sldecode_str(rec, "name");
	email = sldecode_str(rec, "email");
	guid = sldecode_str(rec, "guid");
	t = calloc(1, sizeof(*t));
	if (t && c->key) {
		/* The key worked: only now does it replace what was saved before. */
		text_copy(t->kind, sizeof(t->kind), "api_key");
		text_copy(t->access_token, sizeof(t->access_token), c->key);
		slapi_bind_tokens(c->ss.api, t);
	} else if (!t || tokens_load(c->ss.st, t)) {
		fprintf(stderr, "loftdial connect: the tokens were not saved\n");
		finish(c, CLI_FAIL);
		goto out;
	}
	t->user_id = id;
	text_copy(t->user_guid, sizeof(t->user_guid), guid ? guid : "");
	text_copy(t->user_email, sizeof(t->user_email), email ? email : "");
	text_copy(t->user_name, sizeof(t->user_name), name ? name : "");
	t->team_admin = sldecode_bool(rec, "team_admin");
	err = tokens_save(c->ss.st, t);
	if (!err)
		err = records_upsert(c->ss.st, STORE_USERS, rec, 0);
	if (err) {
		fprintf(stderr, "loftdial connect: cannot save the connection: %s\n",
		        strerror(err));
		finish(c, CLI_FAIL);
		goto out;
	}
	text_sanitize(sname, sizeof(sname), name ? name : "?", false);
	text_sanitize(semail, sizeof(semail), email ? email : "?", false);
	text_sanitize(sguid, sizeof(sguid), guid ? guid : "?", true);
	printf("Connected to Salesloft as %s <%s> (user %lld, guid %s%s) with %s.\n", sname, semail,
	       (long long)id, sguid, t->team_admin ? ", team admin" : "",
	       c->api_key ? "an API key" : "OAuth");
	finish(c, CLI_OK);
out:
	if (t)
		explicit_bzero(t, sizeof(*t));
	free(t);
	cJSON_Delete(root);
}

/* Asks /v2/me who the credentials belong to. */
static void ask_me(struct connrun *c)
{
	struct slapi_call call = {.method = "GET", .path = "/v2/me.json", .prio = PACING_USER};
	int err = slapi_send(c->ss.api, &call, on_me, c, NULL);

	if (err) {
		fprintf(stderr, "loftdial connect: %s\n", strerror(err));
		finish(c, CLI_FAIL);
	}
}

/* The code exchange answered. */
static void on_token(int err, const struct oauth_token *tok, const char *msg, void *arg)
{
	struct connrun *c = arg;

	c->req = NULL;
	if (err) {
		fprintf(stderr, "loftdial connect: the code exchange failed: %s\n", msg);
		finish(c, CLI_AUTH);
		return;
	}
	err = slapi_set_tokens(c->ss.api, "oauth", tok);
	if (err) {
		fprintf(stderr, "loftdial connect: cannot save the tokens: %s\n", strerror(err));
		finish(c, CLI_FAIL);
		return;
	}
	ask_me(c);
}

/* We have a code: exchange it (once). */
static void got_code(struct connrun *c, const char *code)
{
	int err;

	if (c->busy)
		return;
	c->busy = true;
	printf("Authorization received; exchanging the code...\n");
	fflush(stdout);
	err = oauth_exchange(&c->client, code, c->redirect, on_token, c, &c->req);
	if (err) {
		fprintf(stderr, "loftdial connect: cannot reach the token endpoint: %s\n",
		        strerror(err));
		finish(c, CLI_FAIL);
	}
}

static void on_redirect(int err, const char *code, const char *msg, void *arg)
{
	struct connrun *c = arg;

	if (err) {
		fprintf(stderr, "loftdial connect: %s\n", msg);
		finish(c, CLI_AUTH);
		return;
	}
	got_code(c, code);
}

static void on_redirect_warn(const char *msg, void *arg)
{
	fprintf(stderr, "loftdial connect: %s\n", msg);
}

/* One pasted line: a URL, a query or a bare code. */
static void pasted(struct connrun *c, const char *line)
{
	char code[2048], state[256], msg[512];
	int err;

	err = oauth_parse_callback(line, code, sizeof(code), state, sizeof(state), msg,
	                           sizeof(msg));
	if (err == EACCES) {
		fprintf(stderr, "loftdial connect: %s\n", msg);
		finish(c, CLI_AUTH);
		return;
	}
	if (err) {
		fprintf(stderr, "loftdial connect: %s; paste the whole address or the code:\n",
		        msg);
		return;
	}
	/* A pasted URL must carry this attempt's state; a bare code has none to check. */
	if (*state && !oauth_state_ok(c->state, state)) {
		fprintf(stderr, "loftdial connect: rejected: that address belongs to another "
		                "connect attempt (state mismatch); paste the one from this "
		                "attempt:\n");
		return;
	}
	got_code(c, code);
	explicit_bzero(code, sizeof(code));
}

static void on_stdin(void *arg)
{
	struct connrun *c = arg;
	char buf[1024];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	ssize_t i;

	if (n <= 0) {
		loop_watch_stdin(NULL, NULL);
		if (!c->busy) {
			fprintf(stderr, "loftdial connect: nothing was pasted\n");
			finish(c, CLI_AUTH);
		}
		return;
	}
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			c->line[c->linelen] = '\0';
			if (c->linelen && !c->busy)
				pasted(c, c->line);
			explicit_bzero(c->line, sizeof(c->line));
			c->linelen = 0;
		} else if (c->linelen + 1 < sizeof(c->line)) {
			c->line[c->linelen++] = buf[i];
		}
	}
}

static void on_timeout(void *arg)
{
	struct connrun *c = arg;

	if (c->busy)
		return;
	fprintf(stderr, "loftdial connect: no authorization within 10 minutes; run it again\n");
	finish(c, CLI_AUTH);
}

/* Reaps the browser launcher without blocking. */
static void on_child(void *arg)
{
	struct connrun *c = arg;

	if (c->browser > 0 && waitpid(c->browser, NULL, WNOHANG) == c->browser)
		c->browser = 0;
}

/* Starts salesloft.browser with the URL as its last argument (through sh, no quoting
 * needed: the URL is passed as a positional parameter, never parsed by the shell). */
static void open_browser(struct connrun *c, const char *cmd, const char *url)
{
	char script[1100];
	char *argv[] = {"sh", "-c", script, "sh", (char *)url, NULL};
	int err;

	if (text_printf(script, sizeof(script), "%s \"$1\" >/dev/null 2>&1", cmd))
		return;
	loop_watch_child(on_child, c);
	err = posix_spawn(&c->browser, "/bin/sh", NULL, NULL, argv, environ);
	if (err)
		fprintf(stderr, "loftdial connect: cannot start %s: %s\n", cmd, strerror(err));
}

/* OAuth: print the URL and wait for the code. */
static int start_oauth(struct connrun *c, bool no_browser)
{
	const struct config *cfg = c->ctx->cfg;
	const char *browser = config_str(cfg, "salesloft.browser");
	char url[4096];
	int err;

	c->client.accounts_url = config_str(cfg, "salesloft.accounts_url");
	c->client.client_id = config_str(cfg, "salesloft.client_id");
	c->client.client_secret = config_str(cfg, "salesloft.client_secret");
	c->client.timeout_ms = (long)config_int(cfg, "salesloft.timeout") * 1000;
	c->redirect = config_str(cfg, "salesloft.redirect_uri");
	if (!*c->client.client_id || !*c->client.client_secret) {
		fprintf(stderr,
		        "loftdial connect: set salesloft.client_id and salesloft.client_secret in "
		        "%s (docs/salesloft-setup.md says how), or use --api-key\n",
		        c->ctx->paths.config_file);
		return CLI_USAGE;
	}
	err = oauth_random_state(c->state, sizeof(c->state));
	if (!err)
		err = oauth_authorize_url(url, sizeof(url), c->client.accounts_url,
		                          c->client.client_id, c->redirect, c->state,
		                          config_str(cfg, "salesloft.scope"));
	if (err) {
		fprintf(stderr, "loftdial connect: cannot build the authorize URL: %s\n",
		        strerror(err));
		return CLI_FAIL;
	}
	if (!c->paste) {
		err = oauth_listen_start(&c->lis, c->redirect, c->state, on_redirect,
		                         on_redirect_warn, c);
		if (err) {
			fprintf(stderr,
			        "loftdial connect: cannot listen on %s (%s); over SSH or with the "
			        "port taken, use loftdial connect --paste\n",
			        c->redirect, strerror(err));
			return CLI_FAIL;
		}
	}
	printf("Open this address in a browser and allow loftdial:\n\n  %s\n\n", url);
	if (c->paste)
		printf("Then paste the address the browser was sent to (it starts with %s), or "
		       "just the code, and press Enter:\n",
		       c->redirect);
	else
		printf("Waiting for the browser to come back to %s ...\n(Over SSH the browser "
		       "cannot reach this machine: use loftdial connect --paste.)\n",
		       c->redirect);
	fflush(stdout);
	if (c->paste && loop_watch_stdin(on_stdin, c)) {
		fprintf(stderr, "loftdial connect: cannot read stdin\n");
		return CLI_FAIL;
	}
	if (*browser && !no_browser)
		open_browser(c, browser, url);
	tmr_start(&c->tmr, WAIT_MAX_MS, on_timeout, c);
	return CLI_OK;
}

int cmd_connect(struct cli_ctx *ctx, int argc, char **argv)
{
	struct connrun c = {.ctx = ctx, .code = CLI_FAIL};
	const char *key = NULL;
	bool no_browser = false;
	struct slapi_cfg scfg;
	char msg[512];
	int i, err, code = CLI_FAIL;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--paste"))
			c.paste = true;
		else if (!strcmp(argv[i], "--no-browser"))
			no_browser = true;
		else if (!strcmp(argv[i], "--api-key") && i + 1 < argc)
			key = argv[++i];
		else
			return cli_usage(cli_find("connect"));
	}
	if (!key && *config_str(ctx->cfg, "salesloft.api_key"))
		key = config_str(ctx->cfg, "salesloft.api_key");
	c.api_key = key != NULL;
	if (key)
		log_add_secret(key);
	tmr_init(&c.tmr);
	err = loop_init();
	if (err) {
		fprintf(stderr, "loftdial connect: cannot start the event loop: %s\n",
		        strerror(err));
		return CLI_FAIL;
	}
	err = syncsess_open(&c.ss, ctx->paths.db_file, ctx->cfg, false, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "loftdial connect: %s\n", msg);
		goto out;
	}
	slapi_cfg_from_config(&scfg, ctx->cfg);
	/* A key is tried through /v2/me first and saved only when it works. */
	scfg.api_key = key;
	c.key = key;
	err = slapi_new(&c.ss.api, &scfg, c.ss.st);
	if (err) {
		fprintf(stderr, "loftdial connect: %s\n", strerror(err));
		goto out;
	}
	if (c.api_key) {
		ask_me(&c);
	} else {
		code = start_oauth(&c, no_browser);
		if (code != CLI_OK)
			goto out;
	}
	code = loop_run();
	if (code >= 128)
		code = CLI_INTERRUPT;
out:
	tmr_cancel(&c.tmr);
	loop_watch_stdin(NULL, NULL);
	oauth_cancel(c.req);
	oauth_listen_stop(c.lis);
	if (c.browser > 0)
		loop_unwatch_child(on_child, &c);
	syncsess_close(&c.ss);
	loop_close();
	explicit_bzero(c.state, sizeof(c.state));
	return code;
}

/*
 * `loftdial api METHOD PATH [--data JSON]`: an authenticated passthrough to any Salesloft
 * endpoint, for what the common model does not cover.
 *
 * The request goes through the same client as everything else (token refresh, pacing at the
 * user's priority, retries for idempotent methods), and a successful write lands in the store
 * at once like any other. The answer's body goes to stdout: JSON is printed by cJSON, which
 * escapes every control character, so hostile text cannot reach the terminal raw; anything
 * else is sanitized. The status line goes to stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "loftdial/cli.h"
#include "loftdial/loop.h"
#include "loftdial/syncsess.h"
#include "loftdial/text.h"

struct apirun {
	int code;
	bool compact;
};

static void on_answer(int err, const struct slapi_resp *resp, void *arg)
{
	struct apirun *a = arg;

	if (resp->json) {
		char *out =
		        a->compact ? cJSON_PrintUnformatted(resp->json) : cJSON_Print(resp->json);

		if (out)
			printf("%s\n", out);
		free(out);
	} else if (resp->body_len) {
		size_t n = resp->body_len * 3 + 1;
		char *clean = malloc(n);

		if (clean) {
			text_sanitize(clean, n, resp->body, false);
			printf("%s\n", clean);
		}
		free(clean);
	}
	if (resp->status)
		fprintf(stderr, "HTTP %ld (cost %ld, remaining %ld)\n", resp->status, resp->cost,
		        resp->remaining);
	if (err)
		fprintf(stderr, "loftdial api: %s\n", resp->msg ? resp->msg : strerror(err));
	a->code = !err ? CLI_OK : (err == EKEYREVOKED || err == EACCES) ? CLI_AUTH : CLI_FAIL;
	loop_quit(a->code);
}

int cmd_api(struct cli_ctx *ctx, int argc, char **argv)
{
	struct slapi_call c = {.prio = PACING_USER};
	struct apirun a = {.code = CLI_FAIL};
	struct syncsess ss = {0};
	const char *method = NULL, *path = NULL, *data = NULL;
	char full[4096], msg[512];
	int i, err, code = CLI_FAIL;

	for (i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "--data") || !strcmp(argv[i], "-d")) && i + 1 < argc)
			data = argv[++i];
		else if (!strcmp(argv[i], "--compact"))
			a.compact = true;
		else if (!method)
			method = argv[i];
		else if (!path)
			path = argv[i];
		else
			return cli_usage(cli_find("api"));
	}
	if (!method || !path)
		return cli_usage(cli_find("api"));
	if (strcasecmp(method, "GET") && strcasecmp(method, "POST") && strcasecmp(method, "PUT") &&
	    strcasecmp(method, "PATCH") && strcasecmp(method, "DELETE")) {
		fprintf(stderr, "loftdial api: METHOD is GET, POST, PUT, PATCH or DELETE\n");
		return CLI_USAGE;
	}
	/* "people", "v2/people" and "/v2/people" all mean the same endpoint. */
	if (!strncmp(path, "/v2/", 4))
		err = text_copy(full, sizeof(full), path);
	else if (!strncmp(path, "v2/", 3))
		err = text_printf(full, sizeof(full), "/%s", path);
	else
		err = text_printf(full, sizeof(full), "/v2/%s", path[0] == '/' ? path + 1 : path);
	if (err) {
		fprintf(stderr, "loftdial api: PATH is too long\n");
		return CLI_USAGE;
	}
	if (data) {
		cJSON *check = cJSON_Parse(data);

		if (!check) {
			fprintf(stderr, "loftdial api: --data is not valid JSON\n");
			return CLI_USAGE;
		}
		cJSON_Delete(check);
	}
	err = loop_init();
	if (err) {
		fprintf(stderr, "loftdial api: cannot start the event loop: %s\n", strerror(err));
		return CLI_FAIL;
	}
	err = syncsess_open(&ss, ctx->paths.db_file, ctx->cfg, true, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "loftdial api: %s\n", msg);
		goto out;
	}
	if (!slapi_connected(ss.api)) {
		fprintf(stderr, "loftdial api: %s\n", slapi_why_not_connected(ss.api));
		code = CLI_AUTH;
		goto out;
	}
	for (i = 0; method[i] && i < 7; i++)
		msg[i] = (char)(method[i] >= 'a' && method[i] <= 'z' ? method[i] - 32 : method[i]);
	msg[i] = '\0';
	c.method = msg;
	c.path = full;
	c.body = data;
	c.body_len = data ? strlen(data) : 0;
	err = slapi_send(ss.api, &c, on_answer, &a, NULL);
	if (err) {
		fprintf(stderr, "loftdial api: %s\n", strerror(err));
		goto out;
	}
	code = loop_run();
	if (code >= 128)
		code = CLI_INTERRUPT;
	syncsess_save_rate(&ss);
out:
	syncsess_close(&ss);
	loop_close();
	return code;
}

/*
 * `loftdial status [--json]`: what loftdial knows, read from the store without touching the
 * network: the connection and user, each object's rows, cursor, last run and result, the rate
 * budget seen last, the outbox and the webhooks. The model is status_read()'s (status.h), the
 * same the TUI's home screen draws; this file only prints it as text or JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "loftdial/cli.h"
#include "loftdial/status.h"
#include "loftdial/store.h"
#include "loftdial/text.h"

/* UTC time text for a unix time, "never" for 0. */
static void fmt_time(char *out, size_t n, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!t || !gmtime_r(&tt, &tm)) {
		text_copy(out, n, "never");
		return;
	}
	strftime(out, n, "%Y-%m-%d %H:%M:%SZ", &tm);
}

/* What to do about a connection saved for other URLs, one sentence (text and JSON). */
static void elsewhere_msg(char *out, size_t n, const struct status *s, const char *api_url,
                          const char *accounts_url)
{
	char a[520], b[520], c[520], d[520];

	if (!*s->conn.api_url) {
		text_copy(out, n,
		          "the saved connection does not record which Salesloft it was made with "
		          "(saved by an older loftdial): run loftdial connect again");
		return;
	}
	text_sanitize(a, sizeof(a), s->conn.api_url, true);
	text_sanitize(b, sizeof(b), s->conn.accounts_url, true);
	text_sanitize(c, sizeof(c), api_url, true);
	text_sanitize(d, sizeof(d), accounts_url, true);
	text_printf(out, n,
	            "the saved connection belongs to %s (accounts %s), but loftdial is set to %s "
	            "(accounts %s), so it is not used. Set salesloft.api_url and "
	            "salesloft.accounts_url (or LOFTDIAL_API_URL and LOFTDIAL_ACCOUNTS_URL) back, "
	            "or run loftdial connect to connect to this one",
	            a, b, c, d);
}

/* The model as the JSON object `status --json` prints (keys are a stable interface). A
 * connection saved for other URLs is "connected": false with "saved_elsewhere": true. */
static cJSON *to_json(const struct status *s, const char *elsewhere)
{
	cJSON *root = cJSON_CreateObject(), *objs, *o;
	int i;

	if (!root)
		return NULL;
	o = cJSON_AddObjectToObject(root, "connection");
	cJSON_AddBoolToObject(o, "connected", s->conn.connected && !s->conn.elsewhere);
	if (s->conn.connected && s->conn.elsewhere) {
		cJSON_AddBoolToObject(o, "saved_elsewhere", true);
		cJSON_AddStringToObject(o, "api_url", s->conn.api_url);
		cJSON_AddStringToObject(o, "accounts_url", s->conn.accounts_url);
		cJSON_AddStringToObject(o, "error", elsewhere);
	}
	if (s->conn.connected) {
		cJSON_AddStringToObject(o, "kind", s->conn.kind);
		cJSON_AddNumberToObject(o, "user_id", (double)s->conn.user_id);
		cJSON_AddStringToObject(o, "user_guid", s->conn.user_guid);
		cJSON_AddStringToObject(o, "user_name", s->conn.user_name);
		cJSON_AddStringToObject(o, "user_email", s->conn.user_email);
		cJSON_AddBoolToObject(o, "team_admin", s->conn.team_admin);
		cJSON_AddNumberToObject(o, "expires_at", (double)s->conn.expires_at);
	}
	if (s->rate.seen) {
		o = cJSON_AddObjectToObject(root, "rate");
		cJSON_AddNumberToObject(o, "remaining_minute", (double)s->rate.remaining);
		cJSON_AddNumberToObject(o, "limit", (double)s->rate.limit);
		cJSON_AddNumberToObject(o, "seen_at", (double)s->rate.seen_at);
	}
	if (s->outbox_ok) {
		o = cJSON_AddObjectToObject(root, "outbox");
		cJSON_AddNumberToObject(o, "queued", (double)s->outbox.queued);
		cJSON_AddNumberToObject(o, "sending", (double)s->outbox.sending);
		cJSON_AddNumberToObject(o, "sent", (double)s->outbox.sent);
		cJSON_AddNumberToObject(o, "failed", (double)s->outbox.failed);
		cJSON_AddNumberToObject(o, "conflict", (double)s->outbox.conflict);
	}
	o = cJSON_AddObjectToObject(root, "calls_logged_as");
	cJSON_AddStringToObject(o, "operator_email", s->calls_as.operator_email);
	if (!s->calls_as.err) {
		cJSON_AddNumberToObject(o, "user_id", (double)s->calls_as.user.id);
		cJSON_AddStringToObject(o, "user_guid", s->calls_as.user.guid);
		cJSON_AddStringToObject(o, "user_name", s->calls_as.user.name);
	} else {
		cJSON_AddStringToObject(o, "error", status_calls_as_error(s->calls_as.err));
	}
	o = cJSON_AddObjectToObject(root, "webhooks");
	cJSON_AddNumberToObject(o, "subscriptions", s->webhooks.subscriptions);
	cJSON_AddBoolToObject(o, "token_set", s->webhooks.token_set);
	cJSON_AddNumberToObject(o, "pending_events", s->webhooks.pending_events);
	objs = cJSON_AddArrayToObject(root, "objects");
	for (i = 0; i < STORE_OBJ_COUNT; i++) {
		const struct status_obj *so = &s->objs[i];

		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", so->name);
		cJSON_AddStringToObject(o, "strategy", so->strategy);
		cJSON_AddNumberToObject(o, "rows", (double)so->rows);
		cJSON_AddNumberToObject(o, "deleted", (double)so->deleted);
		cJSON_AddStringToObject(o, "cursor", so->ss.cursor);
		cJSON_AddNumberToObject(o, "cursor_page", so->ss.page);
		cJSON_AddNumberToObject(o, "generation", (double)so->ss.generation);
		cJSON_AddBoolToObject(o, "full_pass_in_progress", so->ss.full_gen > 0);
		cJSON_AddNumberToObject(o, "incrementals_since_full", (double)so->ss.incrementals);
		cJSON_AddNumberToObject(o, "last_run", (double)so->ss.last_run);
		cJSON_AddNumberToObject(o, "last_full", (double)so->ss.last_full);
		cJSON_AddStringToObject(o, "last_result", so->ss.last_result);
		cJSON_AddStringToObject(o, "last_error", so->ss.last_error);
		cJSON_AddNumberToObject(o, "records_last_run", (double)so->ss.records_seen);
		cJSON_AddItemToArray(objs, o);
	}
	return root;
}

/* The model as text, every string from the store sanitized. */
static void print_text(const struct status *s, const char *elsewhere)
{
	char buf[128];
	int i;

	if (!s->conn.connected) {
		printf("connection  not connected: run loftdial connect\n");
	} else if (s->conn.elsewhere) {
		printf("connection  not connected here: %s\n", elsewhere);
	} else {
		char name[256], email[320];

		text_sanitize(name, sizeof(name), s->conn.user_name, false);
		text_sanitize(email, sizeof(email), s->conn.user_email, false);
		printf("connection  %s as %s <%s> (user %lld%s)", s->conn.kind, *name ? name : "?",
		       *email ? email : "?", (long long)s->conn.user_id,
		       s->conn.team_admin ? ", team admin" : "");
		if (s->conn.expires_at > 0) {
			fmt_time(buf, sizeof(buf), s->conn.expires_at);
			printf("; token expires %s", buf);
		}
		printf("\n");
	}
	if (s->conn.connected) {
		const char *e = s->calls_as.err ? status_calls_as_error(s->calls_as.err) : NULL;
		char name[256], guid[80];

		text_sanitize(name, sizeof(name), e ? e : s->calls_as.user.name, false);
		text_sanitize(guid, sizeof(guid), e ? "" : s->calls_as.user.guid, true);
		printf("calls as    %s%s%s%s%s\n", e ? "cannot log calls: " : "", name,
		       e ? "" : " (user_guid ", e ? "" : guid, e ? "" : ")");
	}
	if (s->rate.seen) {
		fmt_time(buf, sizeof(buf), s->rate.seen_at);
		printf("rate        %ld of %u left in the minute, seen %s\n", s->rate.remaining,
		       s->rate.limit, buf);
	} else {
		printf("rate        not seen yet\n");
	}
	printf("outbox      %lld queued, %lld sending, %lld sent, %lld failed, %lld conflict\n",
	       (long long)s->outbox.queued, (long long)s->outbox.sending, (long long)s->outbox.sent,
	       (long long)s->outbox.failed, (long long)s->outbox.conflict);
	printf("webhooks    %u subscriptions, %u events pending\n", s->webhooks.subscriptions,
	       s->webhooks.pending_events);
	printf("\n%-20s %-8s %8s %8s  %-34s %-21s %s\n", "object", "strategy", "rows", "deleted",
	       "cursor", "last run", "result");
	for (i = 0; i < STORE_OBJ_COUNT; i++) {
		const struct status_obj *so = &s->objs[i];
		char cursor[80], err_clean[200], when[40];

		text_sanitize(cursor, sizeof(cursor), so->ss.cursor, true);
		text_sanitize(err_clean, sizeof(err_clean), so->ss.last_error, false);
		fmt_time(when, sizeof(when), so->ss.last_run);
		printf("%-20s %-8s %8lld %8lld  %-34s %-21s %s%s%s%s\n", so->name, so->strategy,
		       (long long)so->rows, (long long)so->deleted, *cursor ? cursor : "-", when,
		       *so->ss.last_result ? so->ss.last_result : "-",
		       so->ss.full_gen > 0 ? " (full pass in progress)" : "",
		       *err_clean ? ": " : "", err_clean);
	}
	printf("mailboxes   derived from users' sending addresses (SQL view mailboxes)\n");
}

int cmd_status(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store *st = NULL;
	struct status *s = NULL;
	cJSON *root = NULL;
	const char *api_url = config_str(ctx->cfg, "salesloft.api_url");
	const char *accounts_url = config_str(ctx->cfg, "salesloft.accounts_url");
	char elsewhere[2600] = "";
	bool json = false;
	int i, err, code = CLI_FAIL;
	char *out;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else
			return cli_usage(cli_find("status"));
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto out;
	err = store_open(&st, ctx->paths.db_file);
	if (err) {
		fprintf(stderr, "loftdial status: cannot open %s: %s\n", ctx->paths.db_file,
		        strerror(err));
		goto out;
	}
	err = status_read(st, config_str(ctx->cfg, "salesloft.operator_email"), (int64_t)time(NULL),
	                  s);
	if (err) {
		fprintf(stderr, "loftdial status: %s\n", strerror(err));
		goto out;
	}
	status_check_urls(s, api_url, accounts_url);
	if (s->conn.elsewhere)
		elsewhere_msg(elsewhere, sizeof(elsewhere), s, api_url ? api_url : "",
		              accounts_url ? accounts_url : "");
	if (!json) {
		print_text(s, elsewhere);
		code = CLI_OK;
		goto out;
	}
	root = to_json(s, elsewhere);
	out = root ? cJSON_Print(root) : NULL;
	if (!out) {
		fprintf(stderr, "loftdial status: %s\n", strerror(ENOMEM));
		goto out;
	}
	printf("%s\n", out);
	cJSON_free(out);
	code = CLI_OK;
out:
	cJSON_Delete(root);
	free(s);
	store_close(st);
	return code;
}

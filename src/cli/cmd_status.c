/*
 * `loftdial status [--json]`: what loftdial knows, read from the store without touching the
 * network: the connection and user, each object's rows, cursor, last run and result, the rate
 * budget seen last, the outbox and the webhooks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "loftdial/cli.h"
#include "loftdial/outbox.h"
#include "loftdial/records.h"
#include "loftdial/store.h"
#include "loftdial/sync.h"
#include "loftdial/syncstate.h"
#include "loftdial/text.h"
#include "loftdial/tokens.h"
#include "loftdial/usermap.h"
#include "loftdial/webhook_rx.h"
#include "loftdial/whevents.h"

/* Counts pending webhook events. */
static int count_event(const struct whevent *ev, void *arg)
{
	(*(unsigned *)arg)++;
	return 0;
}

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

/* Number of comma-separated ids in the registered subscriptions list. */
static unsigned count_subs(const char *list)
{
	unsigned n = 0;

	for (; *list; list++)
		if (*list != ',' && (list[1] == ',' || !list[1]))
			n++;
	return n;
}

int cmd_status(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store *st = NULL;
	struct tokens *t = calloc(1, sizeof(*t));
	struct outbox_counts oc = {0};
	cJSON *root = cJSON_CreateObject(), *objs, *o;
	char rate[64] = "", subs[4096] = "", buf[128], tok[8];
	unsigned pending = 0;
	bool json = false, connected;
	long remaining = -1;
	unsigned limit = 0;
	long long rate_at = 0;
	int i, err, code = CLI_FAIL;
	char *out;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else {
			free(t);
			cJSON_Delete(root);
			return cli_usage(cli_find("status"));
		}
	}
	if (!t || !root)
		goto out;
	err = store_open(&st, ctx->paths.db_file);
	if (err) {
		fprintf(stderr, "loftdial status: cannot open %s: %s\n", ctx->paths.db_file,
		        strerror(err));
		goto out;
	}
	connected = !tokens_load(st, t);
	o = cJSON_AddObjectToObject(root, "connection");
	cJSON_AddBoolToObject(o, "connected", connected);
	if (connected) {
		cJSON_AddStringToObject(o, "kind", t->kind);
		cJSON_AddNumberToObject(o, "user_id", (double)t->user_id);
		cJSON_AddStringToObject(o, "user_guid", t->user_guid);
		cJSON_AddStringToObject(o, "user_name", t->user_name);
		cJSON_AddStringToObject(o, "user_email", t->user_email);
		cJSON_AddBoolToObject(o, "team_admin", t->team_admin);
		cJSON_AddNumberToObject(o, "expires_at", (double)t->expires_at);
	}
	if (!store_meta_get(st, "sync.rate", rate, sizeof(rate)) &&
	    sscanf(rate, "%ld %u %lld", &remaining, &limit, &rate_at) == 3) {
		o = cJSON_AddObjectToObject(root, "rate");
		cJSON_AddNumberToObject(o, "remaining_minute", (double)remaining);
		cJSON_AddNumberToObject(o, "limit", (double)limit);
		cJSON_AddNumberToObject(o, "seen_at", (double)rate_at);
	}
	if (!outbox_counts(st, &oc)) {
		o = cJSON_AddObjectToObject(root, "outbox");
		cJSON_AddNumberToObject(o, "queued", (double)oc.queued);
		cJSON_AddNumberToObject(o, "sending", (double)oc.sending);
		cJSON_AddNumberToObject(o, "sent", (double)oc.sent);
		cJSON_AddNumberToObject(o, "failed", (double)oc.failed);
		cJSON_AddNumberToObject(o, "conflict", (double)oc.conflict);
	}
	{
		/* Who calls made here are logged as (the operator, or the connected user). */
		const char *op_email = config_str(ctx->cfg, "salesloft.operator_email");
		struct usermap_user u;

		err = usermap_call_user(st, op_email, &u);
		o = cJSON_AddObjectToObject(root, "calls_logged_as");
		cJSON_AddStringToObject(o, "operator_email", op_email);
		if (!err) {
			cJSON_AddNumberToObject(o, "user_id", (double)u.id);
			cJSON_AddStringToObject(o, "user_guid", u.guid);
			cJSON_AddStringToObject(o, "user_name", u.name);
		} else {
			cJSON_AddStringToObject(o, "error",
			                        err == EPERM
			                                ? "the connected user is not a team admin"
			                        : err == ENOENT ? "no matching Salesloft user"
			                                        : strerror(err));
		}
	}
	(void)store_meta_get(st, "webhooks.subscriptions", subs, sizeof(subs));
	(void)whevents_pending(st, count_event, &pending);
	o = cJSON_AddObjectToObject(root, "webhooks");
	cJSON_AddNumberToObject(o, "subscriptions", count_subs(subs));
	err = store_meta_get(st, WEBHOOK_RX_TOKEN_KEY, tok, sizeof(tok));
	explicit_bzero(tok, sizeof(tok));
	cJSON_AddBoolToObject(o, "token_set", err == 0 || err == E2BIG);
	cJSON_AddNumberToObject(o, "pending_events", pending);
	objs = cJSON_AddArrayToObject(root, "objects");
	for (i = 0; i < STORE_OBJ_COUNT; i++) {
		struct syncstate ss;
		int64_t live = 0, all = 0;

		if (syncstate_get(st, (enum store_obj)i, &ss))
			memset(&ss, 0, sizeof(ss));
		(void)records_count(st, (enum store_obj)i, false, &live);
		(void)records_count(st, (enum store_obj)i, true, &all);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", store_obj_name((enum store_obj)i));
		cJSON_AddStringToObject(o, "strategy", sync_strategy_name((enum store_obj)i));
		cJSON_AddNumberToObject(o, "rows", (double)live);
		cJSON_AddNumberToObject(o, "deleted", (double)(all - live));
		cJSON_AddStringToObject(o, "cursor", ss.cursor);
		cJSON_AddNumberToObject(o, "cursor_page", ss.page);
		cJSON_AddNumberToObject(o, "generation", (double)ss.generation);
		cJSON_AddBoolToObject(o, "full_pass_in_progress", ss.full_gen > 0);
		cJSON_AddNumberToObject(o, "incrementals_since_full", (double)ss.incrementals);
		cJSON_AddNumberToObject(o, "last_run", (double)ss.last_run);
		cJSON_AddNumberToObject(o, "last_full", (double)ss.last_full);
		cJSON_AddStringToObject(o, "last_result", ss.last_result);
		cJSON_AddStringToObject(o, "last_error", ss.last_error);
		cJSON_AddNumberToObject(o, "records_last_run", (double)ss.records_seen);
		cJSON_AddItemToArray(objs, o);
	}
	if (json) {
		out = cJSON_Print(root);
		if (out)
			printf("%s\n", out);
		cJSON_free(out);
		code = CLI_OK;
		goto out;
	}
	o = cJSON_GetObjectItem(root, "connection");
	if (!connected) {
		printf("connection  not connected: run loftdial connect\n");
	} else {
		char name[256], email[320];
		const cJSON *c = o;

		text_sanitize(name, sizeof(name),
		              cJSON_GetStringValue(cJSON_GetObjectItem(c, "user_name")), false);
		text_sanitize(email, sizeof(email),
		              cJSON_GetStringValue(cJSON_GetObjectItem(c, "user_email")), false);
		printf("connection  %s as %s <%s> (user %.0f%s)",
		       cJSON_GetStringValue(cJSON_GetObjectItem(c, "kind")), *name ? name : "?",
		       *email ? email : "?",
		       cJSON_GetNumberValue(cJSON_GetObjectItem(c, "user_id")),
		       cJSON_IsTrue(cJSON_GetObjectItem(c, "team_admin")) ? ", team admin" : "");
		if (cJSON_GetNumberValue(cJSON_GetObjectItem(c, "expires_at")) > 0) {
			fmt_time(buf, sizeof(buf),
			         (int64_t)cJSON_GetNumberValue(
			                 cJSON_GetObjectItem(c, "expires_at")));
			printf("; token expires %s", buf);
		}
		printf("\n");
	}
	{
		const cJSON *c = cJSON_GetObjectItem(root, "calls_logged_as");
		const char *e = cJSON_GetStringValue(cJSON_GetObjectItem(c, "error"));
		char name[256], guid[80];

		text_sanitize(name, sizeof(name),
		              e ? e : cJSON_GetStringValue(cJSON_GetObjectItem(c, "user_name")),
		              false);
		text_sanitize(guid, sizeof(guid),
		              e ? "" : cJSON_GetStringValue(cJSON_GetObjectItem(c, "user_guid")),
		              true);
		if (connected)
			printf("calls as    %s%s%s%s%s\n", e ? "cannot log calls: " : "", name,
			       e ? "" : " (user_guid ", e ? "" : guid, e ? "" : ")");
	}
	if (remaining >= 0) {
		fmt_time(buf, sizeof(buf), rate_at);
		printf("rate        %ld of %u left in the minute, seen %s\n", remaining, limit,
		       buf);
	} else {
		printf("rate        not seen yet\n");
	}
	printf("outbox      %lld queued, %lld sending, %lld sent, %lld failed, %lld conflict\n",
	       (long long)oc.queued, (long long)oc.sending, (long long)oc.sent,
	       (long long)oc.failed, (long long)oc.conflict);
	printf("webhooks    %u subscriptions, %u events pending\n", count_subs(subs), pending);
	printf("\n%-20s %-8s %8s %8s  %-34s %-21s %s\n", "object", "strategy", "rows", "deleted",
	       "cursor", "last run", "result");
	cJSON_ArrayForEach(o, objs)
	{
		char cursor[80], err_clean[200], when[40];
		const char *res = cJSON_GetStringValue(cJSON_GetObjectItem(o, "last_result"));
		const char *e = cJSON_GetStringValue(cJSON_GetObjectItem(o, "last_error"));

		text_sanitize(cursor, sizeof(cursor),
		              cJSON_GetStringValue(cJSON_GetObjectItem(o, "cursor")), true);
		text_sanitize(err_clean, sizeof(err_clean), e ? e : "", false);
		fmt_time(when, sizeof(when),
		         (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "last_run")));
		printf("%-20s %-8s %8.0f %8.0f  %-34s %-21s %s%s%s%s\n",
		       cJSON_GetStringValue(cJSON_GetObjectItem(o, "name")),
		       cJSON_GetStringValue(cJSON_GetObjectItem(o, "strategy")),
		       cJSON_GetNumberValue(cJSON_GetObjectItem(o, "rows")),
		       cJSON_GetNumberValue(cJSON_GetObjectItem(o, "deleted")),
		       *cursor ? cursor : "-", when, res && *res ? res : "-",
		       cJSON_IsTrue(cJSON_GetObjectItem(o, "full_pass_in_progress"))
		               ? " (full pass in progress)"
		               : "",
		       *err_clean ? ": " : "", err_clean);
	}
	printf("mailboxes   derived from users' sending addresses (SQL view mailboxes)\n");
	code = CLI_OK;
out:
	if (t)
		explicit_bzero(t, sizeof(*t));
	free(t);
	cJSON_Delete(root);
	store_close(st);
	return code;
}

/*
 * `loftdial webhooks register --url URL | list | unregister [--all] | serve [--listen ADDR]
 * [--no-poll]`: Salesloft webhook subscriptions and the receiver.
 *
 * register creates one subscription per event type loftdial applies (whapply.h), all with
 * one random callback_token kept in the store (meta webhooks.callback_token), and remembers
 * their ids; subscriptions that already exist for the same URL, event and token are kept.
 * serve runs the sync service (syncsvc.h, the same the TUI runs): the receiver and, because
 * webhooks are lossy, an incremental sync every sync.poll_interval seconds in the same loop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <re.h>

#include "loftdial/cli.h"
#include "loftdial/log.h"
#include "loftdial/loop.h"
#include "loftdial/sldecode.h"
#include "loftdial/sync.h"
#include "loftdial/syncsess.h"
#include "loftdial/syncsvc.h"
#include "loftdial/text.h"
#include "loftdial/webhook_rx.h"
#include "loftdial/whapply.h"

#define URL_KEY           "webhooks.url"
#define IDS_MAX           4000
#define MAX_SUBS          256
#define WEBHOOK_TOKEN_MAX 256

enum whmode { WH_REGISTER, WH_LIST, WH_UNREGISTER };

struct whrun {
	struct cli_ctx *ctx;
	struct syncsess ss;
	enum whmode mode;
	bool all;
	const char *url;
	char token[WEBHOOK_TOKEN_MAX];
	size_t next_event; /* register: index into whapply_event_types */
	bool have[64];     /* register: event types already subscribed */
	int64_t ids[MAX_SUBS];
	size_t nids, next_id;
	unsigned created, kept, deleted;
	int code;
	struct syncsvc *svc; /* serve */
};

static void step(struct whrun *w);

/* Writes the remembered subscription ids. */
static int save_ids(struct whrun *w)
{
	char list[IDS_MAX] = "";
	size_t i, o = 0;

	for (i = 0; i < w->nids; i++) {
		int n = snprintf(list + o, sizeof(list) - o, "%s%lld", i ? "," : "",
		                 (long long)w->ids[i]);

		if (n < 0 || (size_t)n >= sizeof(list) - o)
			return E2BIG;
		o += (size_t)n;
	}
	return store_meta_set(w->ss.st, WEBHOOK_RX_SUBS_KEY, w->nids ? list : NULL);
}

/* Reads the remembered subscription ids. */
static void load_ids(struct whrun *w)
{
	char list[IDS_MAX];
	char *p, *end;

	w->nids = 0;
	if (store_meta_get(w->ss.st, WEBHOOK_RX_SUBS_KEY, list, sizeof(list)))
		return;
	for (p = list; *p && w->nids < MAX_SUBS; p = *end ? end + 1 : end) {
		long long id = strtoll(p, &end, 10);

		if (end == p)
			break;
		if (id > 0)
			w->ids[w->nids++] = id;
	}
}

static bool have_id(const struct whrun *w, int64_t id)
{
	size_t i;

	for (i = 0; i < w->nids; i++)
		if (w->ids[i] == id)
			return true;
	return false;
}

static void fail(struct whrun *w, int err, const char *what, const char *msg)
{
	fprintf(stderr, "loftdial webhooks: %s: %s\n", what, msg ? msg : strerror(err));
	w->code = err == EKEYREVOKED || err == EACCES ? CLI_AUTH : CLI_FAIL;
	loop_quit(w->code);
}

/* Index of an event type in whapply_event_types, or -1. */
static int event_index(const char *type)
{
	int i;

	for (i = 0; type && whapply_event_types[i]; i++)
		if (!strcmp(whapply_event_types[i], type))
			return i;
	return -1;
}

/* The subscription list answered. */
static void on_list(int err, const struct slapi_resp *resp, void *arg)
{
	struct whrun *w = arg;
	struct sldecode_page pg;
	const cJSON *rec;

	if (err) {
		fail(w, err, "listing subscriptions", resp->msg);
		return;
	}
	if (sldecode_page(resp->body, resp->body_len, &pg)) {
		fail(w, EBADMSG, "listing subscriptions", "the answer is not a list");
		return;
	}
	if (w->mode == WH_LIST)
		printf("%-10s %-28s %-7s %s\n", "id", "event_type", "enabled", "callback_url");
	cJSON_ArrayForEach(rec, pg.data)
	{
		const char *type = sldecode_str(rec, "event_type");
		const char *url = sldecode_str(rec, "callback_url");
		const char *tok = sldecode_str(rec, "callback_token");
		bool ours_tok = tok && *w->token && strlen(tok) == strlen(w->token) &&
		                text_equal_ct(tok, w->token, strlen(tok));
		int64_t id = 0;
		char ct[64], cu[512];
		int k;

		(void)sldecode_id(cJSON_GetObjectItemCaseSensitive(rec, "id"), &id);
		switch (w->mode) {
		case WH_LIST:
			text_sanitize(ct, sizeof(ct), type ? type : "?", true);
			text_sanitize(cu, sizeof(cu), url ? url : "?", true);
			printf("%-10lld %-28s %-7s %s%s\n", (long long)id, ct,
			       sldecode_bool(rec, "enabled") ? "yes" : "no", cu,
			       have_id(w, id) || ours_tok ? "  (loftdial)" : "");
			break;
		case WH_REGISTER:
			k = event_index(type);
			if (k >= 0 && url && ours_tok && !strcmp(url, w->url) && !w->have[k] &&
			    w->nids < MAX_SUBS) {
				w->have[k] = true;
				w->kept++;
				if (!have_id(w, id))
					w->ids[w->nids++] = id;
			}
			break;
		case WH_UNREGISTER:
			if ((w->all || ours_tok) && !have_id(w, id) && w->nids < MAX_SUBS)
				w->ids[w->nids++] = id;
			break;
		}
	}
	sldecode_page_free(&pg);
	if (w->mode == WH_LIST) {
		w->code = CLI_OK;
		loop_quit(CLI_OK);
		return;
	}
	step(w);
}

/* One subscription was created. */
static void on_created(int err, const struct slapi_resp *resp, void *arg)
{
	struct whrun *w = arg;
	const cJSON *rec;
	cJSON *root = NULL;
	int64_t id = 0;

	if (err) {
		fail(w, err, whapply_event_types[w->next_event], resp->msg);
		return;
	}
	/* Salesloft may answer the record bare or under "data"; both are read. */
	if (!sldecode_record(resp->body, resp->body_len, &root, &rec))
		(void)sldecode_id(cJSON_GetObjectItemCaseSensitive(rec, "id"), &id);
	cJSON_Delete(root);
	if (id > 0 && w->nids < MAX_SUBS)
		w->ids[w->nids++] = id;
	w->created++;
	w->next_event++;
	if (save_ids(w)) {
		fail(w, EIO, "saving subscription ids", NULL);
		return;
	}
	step(w);
}

/* One subscription was deleted (404: already gone). */
static void on_deleted(int err, const struct slapi_resp *resp, void *arg)
{
	struct whrun *w = arg;

	if (err && resp->status != 404) {
		fail(w, err, "deleting a subscription", resp->msg);
		return;
	}
	if (!err)
		w->deleted++;
	w->next_id++;
	step(w);
}

/* Does the next request of register/unregister, or finishes. */
static void step(struct whrun *w)
{
	struct slapi_call c = {.prio = PACING_USER, .no_store = true};
	char path[128];
	int err;

	if (w->mode == WH_REGISTER) {
		while (whapply_event_types[w->next_event] && w->have[w->next_event])
			w->next_event++;
		if (!whapply_event_types[w->next_event]) {
			(void)save_ids(w);
			(void)store_meta_set(w->ss.st, URL_KEY, w->url);
			printf("Registered %u subscriptions for %s (%u new, %u kept).\n",
			       w->created + w->kept, w->url, w->created, w->kept);
			w->code = CLI_OK;
			loop_quit(CLI_OK);
			return;
		}
		{
			cJSON *body = cJSON_CreateObject();
			char *json;

			cJSON_AddStringToObject(body, "callback_url", w->url);
			cJSON_AddStringToObject(body, "callback_token", w->token);
			cJSON_AddStringToObject(body, "event_type",
			                        whapply_event_types[w->next_event]);
			json = cJSON_PrintUnformatted(body);
			cJSON_Delete(body);
			if (!json) {
				fail(w, ENOMEM, "register", NULL);
				return;
			}
			c.method = "POST";
			c.path = "/v2/webhook_subscriptions";
			c.body = json;
			c.body_len = strlen(json);
			err = slapi_send(w->ss.api, &c, on_created, w, NULL);
			explicit_bzero(json, strlen(json));
			cJSON_free(json);
		}
	} else {
		if (w->next_id >= w->nids) {
			w->nids = 0;
			(void)save_ids(w);
			(void)store_meta_set(w->ss.st, URL_KEY, NULL);
			(void)store_meta_set(w->ss.st, WEBHOOK_RX_TOKEN_KEY, NULL);
			printf("Deleted %u subscriptions.\n", w->deleted);
			w->code = CLI_OK;
			loop_quit(CLI_OK);
			return;
		}
		snprintf(path, sizeof(path), "/v2/webhook_subscriptions/%lld",
		         (long long)w->ids[w->next_id]);
		c.method = "DELETE";
		c.path = path;
		err = slapi_send(w->ss.api, &c, on_deleted, w, NULL);
	}
	if (err)
		fail(w, err, "sending a request", NULL);
}

/* A new random callback token (64 hex characters). */
static int new_token(char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[32];
	size_t i;

	if (n < 2 * sizeof(raw) + 1 || getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return EIO;
	for (i = 0; i < sizeof(raw); i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[2 * sizeof(raw)] = '\0';
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

/* ---- serve: the sync service (syncsvc.h) with the receiver, printing what it does ---- */

static void on_svc(const struct syncsvc_note *n, void *arg)
{
	switch (n->ev) {
	case SYNCSVC_WEBHOOK:
		printf("%-28s %d  %s\n", *n->event_type ? n->event_type : "-", n->status, n->text);
		break;
	case SYNCSVC_RUN_DONE:
		printf("reconcile poll: %s, %llu records\n",
		       n->rc ? "some objects failed (see the log)" : "ok",
		       (unsigned long long)n->records);
		break;
	default:
		return;
	}
	fflush(stdout);
}

static void on_signal(int sig, void *arg)
{
	struct whrun *w = arg;

	syncsvc_stop_run(w->svc);
	loop_quit(CLI_OK);
}

static int serve(struct whrun *w, const char *listen, bool poll)
{
	struct syncsvc_opts o;
	struct syncsvc_stats stats;
	int err;

	syncsvc_opts_from_config(&o, w->ctx->cfg, w->ctx->paths.data_dir);
	o.listen = listen;
	if (!poll)
		o.poll_ms = 0;
	err = syncsvc_new(&w->svc, w->ss.api, w->ss.st, &o, on_svc, w);
	if (err) {
		fprintf(stderr, "loftdial webhooks: cannot listen on %s: %s\n", listen,
		        strerror(err));
		return CLI_FAIL;
	}
	syncsvc_stats(w->svc, &stats);
	if (stats.applied_start)
		printf("applied %u stored events left from the last run\n", stats.applied_start);
	printf("listening on %s (port %u)%s\n", listen, syncsvc_port(w->svc),
	       poll && slapi_connected(w->ss.api) ? "; reconciling with an incremental sync every "
	                                            "sync.poll_interval seconds"
	                                          : "");
	fflush(stdout);
	loop_on_signal(on_signal, w);
	(void)loop_run();
	syncsvc_free(w->svc);
	w->svc = NULL;
	return CLI_OK;
}

int cmd_webhooks(struct cli_ctx *ctx, int argc, char **argv)
{
	struct whrun w = {.ctx = ctx, .code = CLI_FAIL};
	const char *sub = argc > 1 ? argv[1] : NULL, *listen = NULL;
	bool do_serve = false, poll = true;
	struct slapi_call c = {
	        .method = "GET", .path = "/v2/webhook_subscriptions", .prio = PACING_USER};
	char msg[512];
	int i, err, code = CLI_FAIL;

	if (!sub)
		return cli_usage(cli_find("webhooks"));
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--url") && i + 1 < argc)
			w.url = argv[++i];
		else if (!strcmp(argv[i], "--listen") && i + 1 < argc)
			listen = argv[++i];
		else if (!strcmp(argv[i], "--all"))
			w.all = true;
		else if (!strcmp(argv[i], "--no-poll"))
			poll = false;
		else
			return cli_usage(cli_find("webhooks"));
	}
	if (!strcmp(sub, "register")) {
		w.mode = WH_REGISTER;
		if (!w.url || (strncmp(w.url, "https://", 8) && strncmp(w.url, "http://", 7))) {
			fprintf(stderr,
			        "loftdial webhooks register: --url https://... is required\n");
			return CLI_USAGE;
		}
	} else if (!strcmp(sub, "list")) {
		w.mode = WH_LIST;
	} else if (!strcmp(sub, "unregister")) {
		w.mode = WH_UNREGISTER;
	} else if (!strcmp(sub, "serve")) {
		do_serve = true;
		if (!listen)
			listen = config_str(ctx->cfg, "webhooks.listen");
	} else {
		return cli_usage(cli_find("webhooks"));
	}
	err = loop_init();
	if (err) {
		fprintf(stderr, "loftdial webhooks: cannot start the event loop: %s\n",
		        strerror(err));
		return CLI_FAIL;
	}
	err = syncsess_open(&w.ss, ctx->paths.db_file, ctx->cfg, true, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "loftdial webhooks: %s\n", msg);
		goto out;
	}
	if (do_serve) {
		code = serve(&w, listen, poll);
		goto out;
	}
	if (!slapi_connected(w.ss.api)) {
		fprintf(stderr, "loftdial webhooks: %s\n", slapi_why_not_connected(w.ss.api));
		code = CLI_AUTH;
		goto out;
	}
	load_ids(&w);
	err = store_meta_get(w.ss.st, WEBHOOK_RX_TOKEN_KEY, w.token, sizeof(w.token));
	if (err && w.mode == WH_REGISTER) {
		/* Saved before any subscription exists, so the first delivery can be checked. */
		err = new_token(w.token, sizeof(w.token));
		if (!err)
			err = store_meta_set(w.ss.st, WEBHOOK_RX_TOKEN_KEY, w.token);
		if (err) {
			fprintf(stderr, "loftdial webhooks: cannot make a callback token: %s\n",
			        strerror(err));
			goto out;
		}
	} else if (err) {
		w.token[0] = '\0';
	}
	if (w.mode == WH_REGISTER)
		w.nids = 0; /* rebuilt from what the server still has */
	err = slapi_send(w.ss.api, &c, on_list, &w, NULL);
	if (err) {
		fprintf(stderr, "loftdial webhooks: %s\n", strerror(err));
		goto out;
	}
	code = loop_run();
	if (code >= 128)
		code = CLI_INTERRUPT;
	syncsess_save_rate(&w.ss);
out:
	explicit_bzero(w.token, sizeof(w.token));
	syncsess_close(&w.ss);
	loop_close();
	return code;
}

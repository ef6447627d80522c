/*
 * `loftdial lists [--json]`: what the rep can dial now, read live from Salesloft through the
 * list index (dlists.h), the same figures the TUI's Lists screen shows: the call tasks
 * overdue and due today, and every cadence with phone actions due for the rep. A person whose
 * call record still waits in the outbox is not dialled, so their work is shown as waiting in
 * the outbox, not as due. Names come from Salesloft and are drawn clean.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "loftdial/cli.h"
#include "loftdial/config.h"
#include "loftdial/dlists.h"
#include "loftdial/loop.h"
#include "loftdial/syncsess.h"
#include "loftdial/text.h"

struct listsrun {
	struct dlists *dl;
	int err;
	long status;
	char msg[400];
};

static void on_index(int err, long status, const char *msg, void *arg)
{
	struct listsrun *r = arg;

	r->err = err;
	r->status = status;
	text_copy(r->msg, sizeof(r->msg), msg);
	loop_quit(0);
}

/* "12 due, 2 waiting in the outbox" (the second part only when some wait). */
static void figures(char *out, size_t n, unsigned due, unsigned waiting)
{
	if (waiting)
		text_printf(out, n, "%u due, %u waiting in the outbox", due, waiting);
	else
		text_printf(out, n, "%u due", due);
}

static void print_text(const struct dlists *dl)
{
	struct dlists_tasks t;
	unsigned due = 0, waiting = 0;
	char f[80], name[300];
	size_t i;

	dlists_tasks(dl, &t);
	figures(f, sizeof(f), t.overdue, t.overdue_waiting);
	printf("call tasks overdue: %s\n", f);
	figures(f, sizeof(f), t.today, t.today_waiting);
	printf("call tasks due today: %s\n", f);
	due = t.overdue + t.today;
	waiting = t.overdue_waiting + t.today_waiting;
	for (i = 0; i < dlists_count(dl); i++) {
		const struct dlists_cadence *c = dlists_cadence(dl, i);

		text_sanitize(name, sizeof(name), c->name, false);
		figures(f, sizeof(f), c->due, c->waiting);
		printf("cadence %lld %s: %s (%u phone step%s)\n", (long long)c->id, name, f,
		       c->steps, c->steps == 1 ? "" : "s");
		due += c->due;
		waiting += c->waiting;
	}
	figures(f, sizeof(f), due, waiting);
	printf("total: %s%s\n", f,
	       waiting ? " (not dialled until their call records are sent: loftdial outbox)" : "");
}

/* {"due","waiting"} into o under name. */
static void add_counts(cJSON *o, const char *name, unsigned due, unsigned waiting)
{
	cJSON *b = cJSON_AddObjectToObject(o, name);

	if (!b)
		return;
	cJSON_AddNumberToObject(b, "due", due);
	cJSON_AddNumberToObject(b, "waiting", waiting);
}

static int print_json(const struct dlists *dl)
{
	cJSON *o = cJSON_CreateObject(), *tasks, *cads;
	struct dlists_tasks t;
	char name[300], *s;
	size_t i;

	if (!o)
		return ENOMEM;
	dlists_tasks(dl, &t);
	tasks = cJSON_AddObjectToObject(o, "tasks");
	if (tasks) {
		add_counts(tasks, "overdue", t.overdue, t.overdue_waiting);
		add_counts(tasks, "today", t.today, t.today_waiting);
	}
	cads = cJSON_AddArrayToObject(o, "cadences");
	for (i = 0; cads && i < dlists_count(dl); i++) {
		const struct dlists_cadence *c = dlists_cadence(dl, i);
		cJSON *e = cJSON_CreateObject();

		if (!e || !cJSON_AddItemToArray(cads, e)) {
			cJSON_Delete(e);
			break;
		}
		text_sanitize(name, sizeof(name), c->name, false);
		cJSON_AddNumberToObject(e, "id", (double)c->id);
		cJSON_AddStringToObject(e, "name", name);
		cJSON_AddNumberToObject(e, "due", c->due);
		cJSON_AddNumberToObject(e, "waiting", c->waiting);
		cJSON_AddNumberToObject(e, "steps", c->steps);
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s)
		return ENOMEM;
	printf("%s\n", s);
	cJSON_free(s);
	return 0;
}

int cmd_lists(struct cli_ctx *ctx, int argc, char **argv)
{
	struct listsrun r = {.err = -1};
	struct syncsess ss = {0};
	struct dlists_opts o;
	bool json = false;
	char msg[512], why[300];
	int i, err, code = CLI_FAIL;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else
			return cli_usage(cli_find("lists"));
	}
	err = loop_init();
	if (err) {
		fprintf(stderr, "loftdial lists: cannot start the event loop: %s\n", strerror(err));
		return CLI_FAIL;
	}
	err = syncsess_open(&ss, ctx->paths.db_file, ctx->cfg, true, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "loftdial lists: %s\n", msg);
		goto out;
	}
	if (!slapi_connected(ss.api)) {
		fprintf(stderr, "loftdial lists: %s\n", slapi_why_not_connected(ss.api));
		code = CLI_AUTH;
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.operator_email = config_str(ctx->cfg, "salesloft.operator_email");
	err = dlists_load(&r.dl, ss.api, ss.st, &o, on_index, &r, why, sizeof(why));
	if (err) {
		fprintf(stderr, "loftdial lists: %s\n", why[0] ? why : strerror(err));
		goto out;
	}
	err = loop_run();
	if (err >= 128 || r.err < 0) {
		code = CLI_INTERRUPT;
		goto out;
	}
	syncsess_save_rate(&ss);
	if (r.err) {
		text_sanitize(msg, sizeof(msg), r.msg, false);
		fprintf(stderr, "loftdial lists: %s: %s\n", dlists_reason(r.err, r.status), msg);
		code = r.err == EKEYREVOKED || r.err == EACCES || r.status == 401 ? CLI_AUTH
		                                                                  : CLI_FAIL;
		goto out;
	}
	code = (json ? print_json(r.dl) : (print_text(r.dl), 0)) ? CLI_FAIL : CLI_OK;
out:
	dlists_free(r.dl);
	syncsess_close(&ss);
	loop_close();
	return code;
}

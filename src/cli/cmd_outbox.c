/*
 * `loftdial outbox list|flush|retry ID|fix ID|drop ID`: the write-back queue by hand.
 *
 * list prints every item; flush sends what is queued (waiting retries included) through the
 * outbox sender (outsend.h), looking first at items a stopped run left in `sending`, and
 * returns when nothing is left queued or sending, or when the time limit is reached; retry makes a
 * failed or waiting item due now; fix corrects a call record's disposition, sentiment or notes
 * (a 422 kept it) and queues it; drop deletes an item for good, after a question when stdin is a
 * terminal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <re.h>

#include "loftdial/callrec.h"
#include "loftdial/cli.h"
#include "loftdial/loop.h"
#include "loftdial/outbox.h"
#include "loftdial/outsend.h"
#include "loftdial/syncsess.h"
#include "loftdial/text.h"

#define FLUSH_TIMEOUT_S 120

/* Prints one item on one line; stored text is sanitised. */
static int list_item(const struct outbox_item *it, void *arg)
{
	char key[sizeof(it->dedupe_key)], err[160], next[32];
	time_t t = (time_t)it->next_at;
	struct tm tm;

	(void)arg;
	text_sanitize(key, sizeof(key), it->dedupe_key, false);
	text_sanitize(err, sizeof(err), it->last_error ? it->last_error : "", false);
	gmtime_r(&t, &tm);
	strftime(next, sizeof(next), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%6lld %-8s %-6.6s %-24.24s %3d %-20s %10lld %s\n", (long long)it->id,
	       outbox_state_name(it->state), it->kind, key, it->attempts,
	       it->state == OUTBOX_QUEUED ? next : "-", (long long)it->remote_id, err);
	return 0;
}

static int do_list(struct store *st)
{
	printf("%6s %-8s %-6s %-24s %3s %-20s %10s %s\n", "id", "state", "kind", "key", "try",
	       "next try", "remote id", "last error");
	return outbox_list(st, list_item, NULL);
}

/* Reads an item id argument. */
static int parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 1)
		return EINVAL;
	*id = v;
	return 0;
}

/* Corrects a call record kept by a 422 (callrec_fix: the same as the Outbox screen's edit). */
static int do_fix(struct store *st, int64_t id, const struct callrec_fix *f)
{
	char why[300];
	int err = callrec_fix(st, id, f, why, sizeof(why));

	if (err == ENOENT && why[0] && strcmp(why, "no such item")) {
		fprintf(stderr, "loftdial outbox fix: %s\n", why);
		return ECANCELED;
	}
	return err;
}

static int do_drop(struct store *st, int64_t id)
{
	struct outbox_item it;
	char key[sizeof(it.dedupe_key)], answer[16];
	int err;

	memset(&it, 0, sizeof(it));
	err = outbox_get(st, id, &it);
	if (err)
		return err;
	text_sanitize(key, sizeof(key), it.dedupe_key, false);
	if (isatty(STDIN_FILENO)) {
		printf("drop outbox item %lld (%s %s, %s)? It will never be sent. [y/N] ",
		       (long long)id, it.kind, key, outbox_state_name(it.state));
		fflush(stdout);
		if (!fgets(answer, sizeof(answer), stdin) ||
		    (answer[0] != 'y' && answer[0] != 'Y')) {
			outbox_item_clear(&it);
			printf("kept\n");
			return ECANCELED;
		}
	}
	outbox_item_clear(&it);
	return outbox_drop(st, id);
}

struct flushrun {
	struct outsend *os;
	struct store *st;
	struct tmr deadline;
	unsigned sent, failed, conflicts, retries;
	int code;
};

/* Prints what the sender does, one line each. */
static void on_note(const struct outsend_note *n, void *arg)
{
	struct flushrun *r = arg;
	struct outbox_counts c;
	char key[128], text[600];

	text_sanitize(key, sizeof(key), n->key, false);
	text_sanitize(text, sizeof(text), n->text, false);
	switch (n->ev) {
	case OUTSEND_SENDING:
		return;
	case OUTSEND_SENT:
		r->sent++;
		printf("item %lld (%s): sent, call %lld\n", (long long)n->id, key,
		       (long long)n->remote_id);
		break;
	case OUTSEND_IDLE:
		/* Nothing due now: done, unless an item waits for its retry (the sender's timer
		 * brings it back; the time limit bounds the wait). */
		if (outbox_counts(r->st, &c) || (!c.queued && !c.sending))
			loop_quit(CLI_OK);
		return;
	case OUTSEND_STOPPED:
		printf("stopped: %s\n", text);
		r->code = CLI_AUTH;
		loop_quit(CLI_AUTH);
		return;
	case OUTSEND_FAILED:
		r->failed++;
		printf("item %lld (%s): failed: %s\n", (long long)n->id, key, text);
		break;
	case OUTSEND_CONFLICT:
		r->conflicts++;
		printf("item %lld (%s): conflict: %s\n", (long long)n->id, key, text);
		break;
	case OUTSEND_RETRY:
		r->retries++;
		printf("item %lld (%s): %s: %s\n", (long long)n->id, key, outsend_ev_name(n->ev),
		       text);
		break;
	default:
		printf("item %lld (%s): %s: %s\n", (long long)n->id, key, outsend_ev_name(n->ev),
		       text);
		break;
	}
	fflush(stdout);
}

static void flush_deadline(void *arg)
{
	(void)arg;
	printf("time limit reached: what is left stays in the outbox\n");
	loop_quit(CLI_PARTIAL);
}

static int do_flush(struct cli_ctx *ctx, unsigned timeout_s)
{
	struct flushrun r;
	struct syncsess ss;
	struct outbox_counts c;
	char msg[512];
	int err, code = CLI_FAIL, lock = -1;

	memset(&r, 0, sizeof(r));
	memset(&ss, 0, sizeof(ss));
	err = loop_init();
	if (err) {
		fprintf(stderr, "loftdial outbox: cannot start the event loop: %s\n",
		        strerror(err));
		return CLI_FAIL;
	}
	err = syncsess_open(&ss, ctx->paths.db_file, ctx->cfg, true, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "loftdial outbox: %s\n", msg);
		goto out;
	}
	if (!slapi_connected(ss.api)) {
		fprintf(stderr, "loftdial outbox: %s\n", slapi_why_not_connected(ss.api));
		code = CLI_AUTH;
		goto out;
	}
	/* One sender per data folder (a TUI or a dial may be sending already). */
	err = syncsess_flock(ctx->paths.data_dir, SYNCSESS_OUTBOX_LOCK, &lock);
	if (err) {
		fprintf(stderr, "loftdial outbox: %s\n",
		        err == EBUSY ? "another loftdial (the TUI) is sending the outbox; it sends "
		                       "what is queued (see loftdial outbox list)"
		                     : strerror(err));
		code = err == EBUSY ? CLI_PARTIAL : CLI_FAIL;
		goto out;
	}
	r.st = ss.st;
	err = outsend_new(&r.os, NULL, ss.api, ss.st, on_note, &r);
	if (!err)
		err = outsend_start(r.os, true);
	if (err) {
		fprintf(stderr, "loftdial outbox: cannot start the sender: %s\n", strerror(err));
		goto out;
	}
	tmr_init(&r.deadline);
	tmr_start(&r.deadline, (uint64_t)timeout_s * 1000, flush_deadline, &r);
	code = loop_run();
	tmr_cancel(&r.deadline);
	if (code == CLI_OK && outbox_counts(ss.st, &c) == 0) {
		printf("outbox: %lld sent, %lld queued, %lld sending, %lld failed, %lld conflict\n",
		       (long long)c.sent, (long long)c.queued, (long long)c.sending,
		       (long long)c.failed, (long long)c.conflict);
		if (c.queued || c.sending || c.failed)
			code = CLI_PARTIAL;
	}
out:
	outsend_free(r.os);
	syncsess_unlock(lock);
	syncsess_close(&ss);
	loop_close();
	return code;
}

int cmd_outbox(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store *st = NULL;
	const char *what = argc > 1 ? argv[1] : "list";
	unsigned timeout_s = FLUSH_TIMEOUT_S;
	struct callrec_fix fix = {NULL, NULL, NULL};
	int64_t id = 0;
	int err, k;

	if (!strcmp(what, "flush")) {
		for (k = 2; k < argc; k++) {
			char *end;
			long v;

			if (strcmp(argv[k], "--timeout") || k + 1 >= argc)
				return cli_usage(cli_find("outbox"));
			v = strtol(argv[++k], &end, 10);
			if (*end || v < 1 || v > 86400)
				return cli_usage(cli_find("outbox"));
			timeout_s = (unsigned)v;
		}
		return do_flush(ctx, timeout_s);
	}
	if (!strcmp(what, "list")) {
		if (argc > 2)
			return cli_usage(cli_find("outbox"));
	} else if (!strcmp(what, "retry") || !strcmp(what, "drop")) {
		if (argc != 3 || parse_id(argv[2], &id))
			return cli_usage(cli_find("outbox"));
	} else if (!strcmp(what, "fix")) {
		if (argc < 5 || parse_id(argv[2], &id))
			return cli_usage(cli_find("outbox"));
		for (k = 3; k < argc; k++) {
			const char **slot = !strcmp(argv[k], "--disposition") ? &fix.disposition
			                    : !strcmp(argv[k], "--sentiment") ? &fix.sentiment
			                    : !strcmp(argv[k], "--notes")     ? &fix.notes
			                                                      : NULL;

			if (!slot || k + 1 >= argc || *slot)
				return cli_usage(cli_find("outbox"));
			*slot = argv[++k];
		}
	} else {
		return cli_usage(cli_find("outbox"));
	}
	err = store_open(&st, ctx->paths.db_file);
	if (err) {
		fprintf(stderr, "loftdial outbox: cannot open %s: %s\n", ctx->paths.db_file,
		        strerror(err));
		return CLI_FAIL;
	}
	if (!strcmp(what, "list"))
		err = do_list(st);
	else if (!strcmp(what, "retry"))
		err = outbox_retry_now(st, id);
	else if (!strcmp(what, "fix"))
		err = do_fix(st, id, &fix);
	else
		err = do_drop(st, id);
	store_close(st);
	if (err == ECANCELED)
		return !strcmp(what, "fix") ? CLI_FAIL : CLI_OK;
	if (err) {
		fprintf(stderr, "loftdial outbox %s: %s\n", what,
		        err == ENOENT ? "no such item"
		        : err == EALREADY
		                ? "not possible in the item's state (see loftdial outbox "
		                  "list; an item in sending is settled by flush; fix takes "
		                  "a failed or queued call record)"
		        : err == EBADMSG ? "the item's body is not a JSON object"
		                         : strerror(err));
		return CLI_FAIL;
	}
	if (strcmp(what, "list"))
		printf("item %lld: %s\n", (long long)id,
		       !strcmp(what, "retry") ? "due now"
		       : !strcmp(what, "fix")
		               ? "corrected, due now (loftdial outbox flush sends it)"
		               : "dropped");
	return CLI_OK;
}

/*
 * Fuzz target: Salesloft's answers as a dial list decodes them (src/dialer/diallist.c, driven
 * through diallist_replay: the real state machine, a real store in memory and the real gates,
 * without a network). Steps, action pages, each action fetched by id, the call instructions
 * the actions name (action details, one request per 100), task pages and people pages are outside
 * input: whatever they hold (wrong types, missing fields, huge or fractional numbers, deep nesting,
 * errors, 404s, bodies that are not JSON), the reading must not crash, must end once with one
 * printable message, and every entry it keeps has ids that are 0 or valid, text that ends inside
 * its buffers, a skip that is one of the list's kinds, and a number when it is to be dialled; every
 * request it makes is a /v2/ path of URL characters.
 *
 * Input: a mode byte (low two bits: a cadence's actions, the rep's tasks (bits 2-6 pick the
 * buckets), one person, one person's actions in a cadence), then answers separated by a form
 * feed; an answer "#NNN BODY" carries HTTP status NNN (an error unless 2xx), otherwise 200.
 * Once the input's answers are spent, every request gets "{}".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/diallist.h"
#include "loftdial/gates.h"
#include "loftdial/store.h"
#include "loftdial/text.h"

#define ID_MAX   999999999999999999LL /* sldecode_id: 2^53 as a number, 18 digits as a string */
#define REOPEN   500                  /* inputs per store: people written pile up otherwise */
#define TAKE_MAX (3 * 20000 + 1000)   /* answers past the input's: 2-3 per entry at most */

struct seen {
	unsigned calls;
	int err;
};

static void done_h(int err, const char *msg, void *arg)
{
	struct seen *s = arg;
	size_t i;

	s->calls++;
	s->err = err;
	for (i = 0; msg[i]; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			abort();
}

static void path_ok(const char *p)
{
	size_t i;

	if (strncmp(p, "/v2/", 4))
		abort();
	for (i = 0; p[i]; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f || p[i] == '"' ||
		    p[i] == '#' || p[i] == '<' || p[i] == '>' || p[i] == '\\')
			abort();
}

static void id_ok(int64_t id)
{
	if (id < 0 || id > ID_MAX)
		abort();
}

static void text_ok(const char *s, size_t n)
{
	if (!memchr(s, '\0', n))
		abort();
}

static void entry_ok(const struct diallist_entry *e, bool read)
{
	id_ok(e->person_id);
	id_ok(e->action_id);
	id_ok(e->task_id);
	id_ok(e->mirror_task_id);
	id_ok(e->cadence_id);
	id_ok(e->step_id);
	text_ok(e->due, sizeof(e->due));
	text_ok(e->subject, sizeof(e->subject));
	text_ok(e->instructions, sizeof(e->instructions));
	text_ok(e->number, sizeof(e->number));
	text_ok(e->ext, sizeof(e->ext));
	text_ok(e->last_call, sizeof(e->last_call));
	text_ok(e->reason, sizeof(e->reason));
	if ((unsigned)e->skip > DIALLIST_OUTBOX || (unsigned)e->phone >= DIALLIST_PHONE_COUNT)
		abort();
	/* A list read to its end: an entry to dial has a number and no reason not to, a
	 * skipped one says why. */
	if (read && e->skip == DIALLIST_DIAL && (!e->number[0] || e->reason[0]))
		abort();
	if (read && e->skip != DIALLIST_DIAL && !e->reason[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct store *st;
	static struct gates *g;
	static unsigned runs;
	struct gates_cfg gc;
	struct diallist_opts o;
	struct diallist *dl = NULL;
	struct seen s = {0, 0};
	const char *p = (const char *)data + (size ? 1 : 0), *end = (const char *)data + size;
	size_t takes = 0, i;
	uint8_t mode = size ? data[0] : 0;

	if (st && runs++ % REOPEN == 0) {
		gates_free(g);
		store_close(st);
		st = NULL;
		g = NULL;
	}
	if (!st) {
		memset(&gc, 0, sizeof(gc));
		gc.open_min = 0;
		gc.close_min = 24 * 60;
		gc.no_zone = GATES_NOZONE_REP;
		text_copy(gc.rep_zone, sizeof(gc.rep_zone), "UTC");
		if (store_open(&st, ":memory:") || gates_new(&g, &gc, st))
			abort();
	}
	memset(&o, 0, sizeof(o));
	o.user_id = 1234;
	o.user_guid = "4a7c1e2f-0000-4000-8000-00000000beef";
	o.now = 1767258000; /* 2026-01-01 09:00 UTC */
	switch (mode & 3) {
	case 0:
		o.cadence_id = 77;
		break;
	case 1:
		o.tasks = true;
		o.buckets = (mode >> 2) & 31;
		break;
	case 2:
		o.person_id = 5;
		break;
	default:
		o.person_id = 5;
		o.cadence_id = 77;
		break;
	}
	if (diallist_replay(&dl, st, g, &o, done_h, &s))
		abort();
	while (diallist_replay_path(dl)) {
		const char *body = "{}", *ff;
		size_t len = 2;
		long status = 200;
		int err = 0;

		path_ok(diallist_replay_path(dl));
		if (p < end) {
			ff = memchr(p, '\f', (size_t)(end - p));
			body = p;
			len = (size_t)((ff ? ff : end) - p);
			p = ff ? ff + 1 : end;
			if (len >= 4 && body[0] == '#') {
				status = (body[1] - '0') * 100 + (body[2] - '0') * 10 +
				         (body[3] - '0');
				body += 4;
				len -= 4;
				if (status < 200 || status > 299)
					err = EPROTO;
			}
		}
		if (diallist_replay_take(dl, err, status, body, len))
			abort();
		if (++takes > size + TAKE_MAX)
			abort(); /* a reading that never ends */
	}
	if (s.calls != 1 || diallist_replay_take(dl, 0, 200, "{}", 2) != EINVAL)
		abort();
	for (i = 0; i < diallist_count(dl); i++)
		entry_ok(diallist_entry(dl, i), s.err == 0);
	diallist_free(dl);
	return 0;
}

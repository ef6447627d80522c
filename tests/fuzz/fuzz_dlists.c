/*
 * Fuzz target: Salesloft's answers as the dial lists' index decodes them (src/dialer/dlists.c,
 * driven through dlists_replay: the real state machine without a network). /v2/me, pages of
 * phone steps, counting answers of actions and tasks (with the paging counts, or paged
 * through), and cadences read by id are outside input: whatever they hold (wrong types,
 * missing fields, huge or fractional numbers, deep nesting, errors, bodies that are not
 * JSON), the reading must not crash, must end (once, with one printable message) when the
 * answers stop saying there is more, and a reading that ends well gives cadences with valid
 * and distinct ids, a name each, something due, most due first; every request it makes is a
 * /v2/ path with nothing but URL characters in it.
 *
 * Input: answers separated by a form feed; an answer "#NNN BODY" carries HTTP status NNN (an
 * error unless 2xx), otherwise 200. The first byte (no part of the answers) says by its low bit
 * whether the rep is known (no /v2/me). Once the input's answers are spent, every request gets
 * "{}".
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/dlists.h"

#define ID_MAX 999999999999999999LL /* sldecode_id: 2^53 as a number, 18 digits as a string */

struct seen {
	unsigned calls;
	int err;
};

static void done_h(int err, long status, const char *msg, void *arg)
{
	struct seen *s = arg;
	size_t i;

	(void)status;
	s->calls++;
	s->err = err;
	for (i = 0; msg[i]; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			abort();
}

/* A request path: "/v2/..." with printable URL characters only (values are encoded). */
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

static void result_ok(const struct dlists *l)
{
	struct dlists_tasks t;
	size_t n = dlists_count(l), i, k;

	if (n > 5000)
		abort();
	for (i = 0; i < n; i++) {
		const struct dlists_cadence *c = dlists_cadence(l, i);

		if (!c || c->id < 1 || c->id > ID_MAX || !memchr(c->name, '\0', sizeof(c->name)) ||
		    !c->name[0] || c->due == 0)
			abort();
		if (i && dlists_cadence(l, i - 1)->due < c->due)
			abort();
		for (k = 0; k < i; k++)
			if (dlists_cadence(l, k)->id == c->id)
				abort();
	}
	if (dlists_cadence(l, n))
		abort();
	dlists_tasks(l, &t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dlists_opts o = {0};
	struct dlists *l = NULL;
	struct seen s = {0, 0};
	const char *p = (const char *)data, *end = p + size;
	size_t takes = 0;

	o.now = 1767225600; /* 2026-01-01 */
	if (size && data[0] & 1) {
		o.user_id = 1234;
		o.user_guid = "4a7c1e2f-0000-4000-8000-00000000beef";
	}
	if (size)
		p++; /* the flag is no part of the answers */
	if (dlists_replay(&l, &o, done_h, &s))
		return 0;
	while (dlists_replay_path(l)) {
		const char *body = "{}", *ff;
		size_t len = 2;
		long status = 200;
		int err = 0;

		path_ok(dlists_replay_path(l));
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
		if (dlists_replay_take(l, err, status, body, len))
			abort();
		/* Past the input's answers a reading asks at most two per cadence (5000 at most)
		 * and a few more: one that goes on is one that never ends. */
		if (++takes > size + 1 + 20000)
			abort();
		if (err)
			(void)dlists_reason(err, status);
	}
	if (s.calls != 1 || !dlists_done(l) || dlists_replay_take(l, 0, 200, "{}", 2) != EINVAL)
		abort();
	if (s.err == 0)
		result_ok(l);
	else if (dlists_count(l))
		abort();
	dlists_free(l);
	return 0;
}

/*
 * storeretry: writes that met EBUSY, tried again from a libre timer with backoff, so the loop
 * never sits in SQLite's busy handler.
 */
#include <errno.h>
#include <stdlib.h>

#include <re.h>

#include "loftdial/log.h"
#include "loftdial/loop.h"
#include "loftdial/storeretry.h"

#define FIRST_MS 10
#define MAX_MS   250

struct storeretry {
	struct storeretry **owner; /* the caller's pointer, cleared before done */
	struct store *st;
	storeretry_work_h *work;
	storeretry_done_h *done;
	void *arg;
	struct tmr tmr;
	unsigned delay_ms;
	unsigned long long give_up_at; /* loop_now_ms() */
	unsigned tries;
};

/* Ends the retry: frees it first, so done may start another on the same owner. */
static void finish(struct storeretry *r, int err)
{
	storeretry_done_h *done = r->done;
	void *arg = r->arg;

	if (r->owner)
		*r->owner = NULL;
	tmr_cancel(&r->tmr);
	free(r);
	done(err, arg);
}

static void again(void *arg)
{
	struct storeretry *r = arg;
	int err;

	r->tries++;
	err = r->work(r->st, r->arg);
	if (err != EBUSY) {
		if (!err)
			log_debug("store", "a write went through after %u retries", r->tries);
		finish(r, err);
		return;
	}
	if (loop_now_ms() >= r->give_up_at) {
		log_warn("store",
		         "the database stayed locked by another process; gave up after "
		         "%u tries",
		         r->tries + 1);
		finish(r, EBUSY);
		return;
	}
	r->delay_ms = r->delay_ms * 2 > MAX_MS ? MAX_MS : r->delay_ms * 2;
	tmr_start(&r->tmr, r->delay_ms, again, r);
}

int storeretry_run(struct storeretry **rp, struct store *st, storeretry_work_h *work,
                   storeretry_done_h *done, void *arg, unsigned give_up_ms)
{
	struct storeretry *r;
	int err;

	if (rp)
		*rp = NULL;
	if (!st || !work || !done)
		return EINVAL;
	err = work(st, arg);
	if (err != EBUSY)
		return err;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	r->owner = rp;
	r->st = st;
	r->work = work;
	r->done = done;
	r->arg = arg;
	r->delay_ms = FIRST_MS;
	r->give_up_at = loop_now_ms() + give_up_ms;
	tmr_init(&r->tmr);
	tmr_start(&r->tmr, r->delay_ms, again, r);
	if (rp)
		*rp = r;
	return EINPROGRESS;
}

void storeretry_cancel(struct storeretry *r)
{
	if (!r)
		return;
	if (r->owner)
		*r->owner = NULL;
	tmr_cancel(&r->tmr);
	free(r);
}

/*
 * Fuzz target: Salesloft's replies as a dial list and the outbox sender decode them (the API is
 * outside input). Whatever a reply holds, decoding must not crash, every id read is 0 (none) or
 * in 1..2^53 (never a cast of 1e300 or NaN), every text field ends inside its buffer, an
 * action's skip is one of the list's kinds, and a call found is one of the list's ids.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "loftdial/diallist.h"
#include "loftdial/outsend.h"

#define ID_MAX 9007199254740992LL

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

static void entry_ok(const struct diallist_entry *e)
{
	id_ok(e->person_id);
	id_ok(e->action_id);
	id_ok(e->task_id);
	id_ok(e->mirror_task_id);
	id_ok(e->cadence_id);
	id_ok(e->step_id);
	text_ok(e->due, sizeof(e->due));
	text_ok(e->subject, sizeof(e->subject));
	text_ok(e->reason, sizeof(e->reason));
	if ((unsigned)e->skip > DIALLIST_GATE)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size + 1);
	cJSON *j;
	const cJSON *list, *it;
	struct outsend_ref ref;
	struct diallist_entry *e = malloc(sizeof(*e));
	int64_t found;

	if (!body || !e) {
		free(body);
		free(e);
		return 0;
	}
	memcpy(body, data, size);
	body[size] = '\0';
	j = cJSON_Parse(body);
	list = cJSON_IsArray(j) ? j : cJSON_GetObjectItemCaseSensitive(j, "data");
	cJSON_ArrayForEach(it, list)
	{
		memset(e, 0, sizeof(*e));
		diallist_decode_action(e, it);
		entry_ok(e);
		if (diallist_decode_task(e, it) == 0 && e->task_id < 1)
			abort();
		entry_ok(e);
	}
	/* The body of an outbox item, then this reply as the calls list to search. */
	if (outsend_ref_parse(body, &ref) == 0 && ref.person_id < 1)
		abort();
	id_ok(ref.person_id);
	id_ok(ref.action_id);
	id_ok(ref.task_id);
	text_ok(ref.to, sizeof(ref.to));
	text_ok(ref.user_guid, sizeof(ref.user_guid));
	(void)outsend_already_used(j);
	found = outsend_find_call(list, &ref, 0);
	id_ok(found);
	ref.action_id = 0;
	found = outsend_find_call(list, &ref, INT64_MIN / 2);
	id_ok(found);
	cJSON_Delete(j);
	free(body);
	free(e);
	return 0;
}

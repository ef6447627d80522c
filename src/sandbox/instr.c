/*
 * instr: the call instructions of phone actions, `GET /v2/action_details/call_instructions`
 * (a list by `ids`) and `GET /v2/action_details/call_instructions/{id}` (§4.7: the record's
 * `instructions` text), and the admin route that sets one, `PUT /_sandbox/call_instructions/ID`.
 *
 * A phone action carries an `action_details` reference to its call instructions; the sandbox
 * gives that record the action's own id (INVENTED: the reference says nothing of the ids). The
 * records are not stored: one is made up when asked, from the action (its times) and its step
 * (which of a few texts, hostile ones among them, or none). A text set through the admin route
 * replaces that one, or makes a record of its own for an id no action has, so tests choose what
 * a client must show and can point an action's reference elsewhere (PUT
 * /_sandbox/records/actions/ID). The texts set are kept in memory only, never in a --state file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sbx_core.h"
#include "sbx_writes.h"

#define IDS_MAX  100
#define SETS_MAX 10000

/* A text set through the admin route (instructions NULL: the record says null). */
struct instr_set {
	int64_t id;
	char *instructions;
	int64_t at_us;
};

struct instr {
	struct instr_set *set;
	size_t n, cap;
};

/* What a phone step's instructions say (INVENTED), chosen by the step's id: plain ones, none
 * (null), an empty one, several lines, a long one, other scripts, and one that tries to take
 * over the terminal, as a careless or hostile cadence author could write. */
static const char *const texts[] = {
        "Open with the webinar they attended; ask who owns the renewal and when it is due.",
        NULL,
        "Opener: thank them for the demo request.\nIf a gatekeeper answers: ask for the best "
        "time to call back.\nClose: book 30 minutes this week.",
        "Read the notes first\x1b]0;pwned\x07\x1b[2J then call\r\n\x1b[31mred\x1b[0m "
        "\xe2\x80\xae reversed \xc2\x9b"
        "1m end",
        "Confirm the budget, the timeline and the decision maker. Confirm the budget, the "
        "timeline and the decision maker. Confirm the budget, the timeline and the decision "
        "maker. Confirm the budget, the timeline and the decision maker. Confirm the budget, "
        "the timeline and the decision maker. Confirm the budget, the timeline and the "
        "decision maker. Confirm the budget, the timeline and the decision maker. Confirm the "
        "budget, the timeline and the decision maker. Then ask for a referral.",
        "Спросите про бюджет. 予算について聞いてください。 اسأل عن الميزانية.",
        "",
        "Leave a voicemail on the second try only; mention the case study.",
};

static struct instr_set *set_find(struct instr *in, int64_t id)
{
	for (size_t i = 0; i < in->n; i++)
		if (in->set[i].id == id)
			return &in->set[i];
	return NULL;
}

/* Renders the record with that id into w; ENOENT when there is none. */
static int render(struct sbx *sbx, struct instr *in, struct jw *w, const char *key, int64_t id)
{
	const struct instr_set *s = set_find(in, id);
	const char *type, *created = NULL, *updated = NULL;
	cJSON *a = NULL;
	int64_t step;

	if (id < 1)
		return ENOENT;
	if (!sbx_record_get(sbx, SBX_ACTIONS, id, &a)) {
		type = sbx_writes_get_str(a, "type");
		if (!type || strcmp(type, "phone")) {
			cJSON_Delete(a);
			a = NULL;
		}
	}
	if (!a && !s)
		return ENOENT;
	jw_open(w, key);
	jw_int(w, "id", id);
	if (s) {
		jw_str(w, "instructions", s->instructions);
		jw_time(w, "created_at", s->at_us);
		jw_time(w, "updated_at", s->at_us);
	} else {
		step = sbx_writes_ref_id(a, "step");
		jw_str(w, "instructions",
		       texts[(uint64_t)(step > 0 ? step : 0) % (sizeof(texts) / sizeof(texts[0]))]);
		created = sbx_writes_get_str(a, "created_at");
		updated = sbx_writes_get_str(a, "updated_at");
		jw_str(w, "created_at", created);
		jw_str(w, "updated_at", updated);
	}
	jw_close(w);
	cJSON_Delete(a);
	return 0;
}

static bool parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 1)
		return false;
	*id = v;
	return true;
}

/* GET /v2/action_details/call_instructions/{id}. */
static void show(struct sbx_req *req, void *arg)
{
	struct sbx *sbx = sbx_req_sbx(req);
	struct sbuf out = {0};
	struct jw w;
	int64_t id = 0;

	jw_init(&w, &out, sbx->base_url);
	jw_open(&w, NULL);
	if (!parse_id(sbx_req_arg(req, "id"), &id) || render(sbx, arg, &w, "data", id)) {
		sbx_reply_error(req, 404, "Not Found");
		goto out;
	}
	jw_close(&w);
	if (out.err)
		sbx_reply_error(req, 500, "out of memory");
	else
		sbx_reply_json(req, 200, out.p, out.len);
out:
	sbuf_free(&out);
}

static int by_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Collects the ids of `ids`, `ids[]` (repeated or comma-separated) into out, sorted without
 * repeats; EINVAL for a value that is not an id, E2BIG for more than IDS_MAX. */
static int ids_of(struct sbx_req *req, int64_t *out, size_t *n)
{
	static const char *const names[] = {"ids", "ids[]"};
	const char *raw[IDS_MAX + 1];
	size_t k = 0, m, i, j;

	for (i = 0; i < 2; i++) {
		m = sbx_req_params(req, names[i], raw, IDS_MAX + 1);
		if (m > IDS_MAX)
			return E2BIG;
		for (j = 0; j < m; j++) {
			const char *p = raw[j];

			while (*p) {
				char one[24];
				size_t len = strcspn(p, ",");

				if (len == 0 || len >= sizeof(one))
					return EINVAL;
				memcpy(one, p, len);
				one[len] = '\0';
				if (k == IDS_MAX)
					return E2BIG;
				if (!parse_id(one, &out[k++]))
					return EINVAL;
				p += len;
				if (*p == ',' && !*++p)
					return EINVAL;
			}
		}
	}
	qsort(out, k, sizeof(out[0]), by_id);
	for (i = j = 0; i < k; i++)
		if (!j || out[j - 1] != out[i])
			out[j++] = out[i];
	*n = j;
	return 0;
}

/* Whether a record with that id exists. */
static bool exists(struct sbx *sbx, struct instr *in, int64_t id)
{
	const char *type;
	cJSON *a = NULL;
	bool yes;

	if (set_find(in, id))
		return true;
	if (sbx_record_get(sbx, SBX_ACTIONS, id, &a))
		return false;
	type = sbx_writes_get_str(a, "type");
	yes = type && !strcmp(type, "phone");
	cJSON_Delete(a);
	return yes;
}

/* GET /v2/action_details/call_instructions: the records of `ids` that exist, by id, paged as
 * every list is (per_page 1-100, default 25). Without ids: an empty page (INVENTED: the
 * sandbox lists no instructions on their own; a client asks for the ones its actions name). */
static void list(struct sbx_req *req, void *arg)
{
	struct sbx *sbx = sbx_req_sbx(req);
	int64_t ids[IDS_MAX];
	size_t n = 0, i, k = 0, first, last;
	long per_page = 25, page = 1;
	const char *v;
	struct sbuf out = {0};
	struct jw w;
	int err = ids_of(req, ids, &n);

	if (err) {
		sbx_reply_errors(req, "ids",
		                 err == E2BIG ? "must be at most 100 values" : "must be integers");
		return;
	}
	v = sbx_req_param(req, "per_page");
	if (v && *v) {
		per_page = strtol(v, NULL, 10);
		per_page = per_page < 1 ? 1 : per_page > 100 ? 100 : per_page;
	}
	v = sbx_req_param(req, "page");
	if (v && *v) {
		page = strtol(v, NULL, 10);
		page = page < 1 ? 1 : page > 1000000 ? 1000000 : page;
	}
	for (i = 0; i < n; i++)
		if (exists(sbx, arg, ids[i]))
			ids[k++] = ids[i];
	first = (size_t)(page - 1) * (size_t)per_page;
	last = first + (size_t)per_page;
	sbuf_printf(&out,
	            "{\"metadata\":{\"filtering\":{},\"paging\":{\"per_page\":%ld,"
	            "\"current_page\":%ld,",
	            per_page, page);
	if (k > last)
		sbuf_printf(&out, "\"next_page\":%ld,", page + 1);
	else
		sbuf_puts(&out, "\"next_page\":null,");
	if (page > 1)
		sbuf_printf(&out, "\"prev_page\":%ld},", page - 1);
	else
		sbuf_puts(&out, "\"prev_page\":null},");
	sbuf_puts(&out, "\"sorting\":{\"sort_by\":\"id\",\"sort_direction\":\"ASC\"}},\"data\":");
	jw_init(&w, &out, sbx->base_url);
	jw_aopen(&w, NULL);
	for (i = first; i < k && i < last; i++)
		render(sbx, arg, &w, NULL, ids[i]);
	jw_aclose(&w);
	sbuf_putc(&out, '}');
	if (out.err)
		sbx_reply_error(req, 500, "out of memory");
	else
		sbx_reply_json(req, 200, out.p, out.len);
	sbuf_free(&out);
}

/* PUT /_sandbox/call_instructions/ID {"instructions": TEXT or null}: sets the record's text
 * (sandbox-only). */
static void admin_set(struct sbx_req *req, void *arg)
{
	struct instr *in = arg;
	struct sbx *sbx = sbx_req_sbx(req);
	size_t len = 0;
	const char *body = sbx_req_body(req, &len);
	cJSON *j = cJSON_ParseWithLength(body, len);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "instructions");
	struct instr_set *s;
	char *copy = NULL;
	int64_t id = 0;

	if (!parse_id(sbx_req_arg(req, "id"), &id)) {
		sbx_reply_error(req, 404, "Not Found");
		goto out;
	}
	if (!cJSON_IsObject(j) || !(cJSON_IsString(t) || cJSON_IsNull(t))) {
		sbx_reply_error(req, 400, "The body must be {\"instructions\": a string or null}");
		goto out;
	}
	if (cJSON_IsString(t) && !(copy = strdup(t->valuestring))) {
		sbx_reply_error(req, 500, "out of memory");
		goto out;
	}
	s = set_find(in, id);
	if (!s) {
		if (in->n == in->cap) {
			size_t cap = in->cap ? in->cap * 2 : 16;
			struct instr_set *ns =
			        cap > SETS_MAX ? NULL : realloc(in->set, cap * sizeof(*ns));

			if (!ns) {
				free(copy);
				sbx_reply_error(req, 500, "too many call instructions set");
				goto out;
			}
			in->set = ns;
			in->cap = cap;
		}
		s = &in->set[in->n++];
		s->id = id;
		s->instructions = NULL;
	}
	free(s->instructions);
	s->instructions = copy;
	s->at_us = sbx_now_us(sbx);
	show(req, in);
out:
	cJSON_Delete(j);
}

static void instr_free(struct sbx *sbx, void *arg)
{
	struct instr *in = arg;

	(void)sbx;
	for (size_t i = 0; i < in->n; i++)
		free(in->set[i].instructions);
	free(in->set);
	free(in);
}

int sbx_instr_register(struct sbx *sbx)
{
	struct instr *in = calloc(1, sizeof(*in));
	int err;

	if (!in)
		return ENOMEM;
	err = sbx_on_close(sbx, instr_free, in);
	if (err) {
		free(in);
		return err;
	}
	err = sbx_route(sbx, "GET", "/v2/action_details/call_instructions", list, in);
	err |= sbx_route(sbx, "GET", "/v2/action_details/call_instructions/:id", show, in);
	err |= sbx_route(sbx, "PUT", "/_sandbox/call_instructions/:id", admin_set, in);
	return err ? ENOMEM : 0;
}

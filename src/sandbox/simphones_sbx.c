/*
 * simphones_sbx: plugs the simulated phones into loftdial-sandbox. main.c calls
 * simphones_start(sbx) when --sip was given and simphones_stop(sbx) before sbx_close; both
 * are declared in sbx.h and replace main.c's weak defaults.
 *
 * It also serves the phones' admin routes (no token, loopback only, like all of /_sandbox/):
 *   GET    /_sandbox/phones           address, audio, counters, overrides, the kinds
 *   GET    /_sandbox/phones/:number   the behaviour a call to the number gets now
 *   PUT    /_sandbox/phones/:number   override it: body {"behaviour":"busy"} or plain "busy"
 *   DELETE /_sandbox/phones/:number   back to the number's default behaviour
 *   DELETE /_sandbox/phones           drop every override
 *   GET    /_sandbox/phones/mix       the mix for numbers without an override (or null)
 *   PUT    /_sandbox/phones/mix       set it: shares, ring and greeting ranges, seed, order
 *   DELETE /_sandbox/phones/mix       back to the numbers' own behaviours
 *   POST   /_sandbox/phones/release   held calls (ring=held) take their step, together
 *   GET    /_sandbox/phones/calls     the answered calls kept, with what each heard
 *   GET    /_sandbox/phones/calls/:id/audio   the caller's audio a call got, as a WAV
 *   GET    /_sandbox/phones/timeline  every kept call's steps on CLOCK_MONOTONIC (benchmarks)
 * The literal routes are registered after /:number, so they win over it. The sandbox runs one
 * phone network, so its handle is kept in this file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/log.h"
#include "sbx.h"
#include "simphones.h"
#include "loftdial/text.h"

#define SPEC_MAX    256
#define RELEASE_MAX 256 /* numbers in one release */

static struct simphones *phones; /* the sandbox's one phone network */

/* Decodes %XX escapes of a path segment (a "+" stays a plus: this is a path, not a query). */
static int path_decode(char *dst, size_t n, const char *src)
{
	size_t len = 0;

	for (; *src; src++) {
		char c = *src;

		if (c == '%' && isxdigit((unsigned char)src[1]) &&
		    isxdigit((unsigned char)src[2])) {
			char hex[3] = {src[1], src[2], '\0'};

			c = (char)strtol(hex, NULL, 16);
			src += 2;
		}
		if (len + 1 >= n)
			return E2BIG;
		dst[len++] = c;
	}
	dst[len] = '\0';
	return 0;
}

/* {"number": digits, "behaviour": spec, "kind": name, "override": bool} for a number. */
static cJSON *number_json(const char *number)
{
	struct simphone_behaviour b;
	char key[40], spec[SPEC_MAX];
	bool over = false;
	cJSON *o;

	if (simphones_number_key(key, sizeof(key), number) ||
	    simphones_get_behaviour(phones, number, &b, &over) ||
	    simphones_behaviour_print(spec, sizeof(spec), &b))
		return NULL;
	o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "number", key);
	cJSON_AddStringToObject(o, "behaviour", spec);
	cJSON_AddStringToObject(o, "kind", simphones_kind_name(b.kind));
	cJSON_AddBoolToObject(o, "override", over);
	return o;
}

/* The :number argument, decoded; 0 or a reply already sent. */
static int number_arg(struct sbx_req *req, char *out, size_t n)
{
	const char *arg = sbx_req_arg(req, "number");
	char key[40];

	if (!phones) {
		sbx_reply_error(req, 503, "the simulated phones are not running");
		return ENODEV;
	}
	if (!arg || path_decode(out, n, arg) || simphones_number_key(key, sizeof(key), out) ||
	    !key[0]) {
		sbx_reply_errors(req, "number", "must hold 1 to 32 digits");
		return EINVAL;
	}
	return 0;
}

/* Replies with number_json. */
static void reply_number(struct sbx_req *req, const char *number)
{
	cJSON *o = number_json(number);

	if (!o) {
		sbx_reply_error(req, 500, "out of memory");
		return;
	}
	sbx_reply_cjson(req, 200, o);
	cJSON_Delete(o);
}

/* GET /_sandbox/phones/:number */
static void phone_show(struct sbx_req *req, void *arg)
{
	char number[128];

	(void)arg;
	if (!number_arg(req, number, sizeof(number)))
		reply_number(req, number);
}

/* The spec in a PUT body: {"behaviour": "..."} or the bare text. */
static int body_spec(struct sbx_req *req, char *spec, size_t n)
{
	size_t len, i = 0;
	const char *body = sbx_req_body(req, &len);
	int err = EINVAL;

	while (i < len && isspace((unsigned char)body[i]))
		i++;
	if (i < len && body[i] == '{') {
		cJSON *j = cJSON_ParseWithLength(body, len);
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "behaviour");

		if (cJSON_IsString(v))
			err = text_copy(spec, n, v->valuestring) ? EINVAL : 0;
		cJSON_Delete(j);
		return err;
	}
	while (len > i && isspace((unsigned char)body[len - 1]))
		len--;
	if (len - i >= n)
		return EINVAL;
	memcpy(spec, body + i, len - i);
	spec[len - i] = '\0';
	return 0;
}

/* PUT (or POST) /_sandbox/phones/:number */
static void phone_set(struct sbx_req *req, void *arg)
{
	char number[128], spec[SPEC_MAX + 1], shown[64];
	int err;

	(void)arg;
	if (number_arg(req, number, sizeof(number)))
		return;
	if (body_spec(req, spec, sizeof(spec)) || !spec[0]) {
		sbx_reply_errors(req, "behaviour", "is missing or too long");
		return;
	}
	err = simphones_set_behaviour(phones, number, spec);
	if (err == ENOSPC) {
		sbx_reply_error(req, 507, "too many overrides");
		return;
	}
	if (err) {
		sbx_reply_errors(req, "behaviour",
		                 "is not a valid behaviour (see docs/simphones.md): kind "
		                 "[ring=MS] [lead=MS] [voice=N] [after=MS] [max=MS] [code=NNN]");
		return;
	}
	text_sanitize(shown, sizeof(shown), number, true);
	log_info("simphones", "override for %s", shown);
	reply_number(req, number);
}

/* DELETE /_sandbox/phones/:number */
static void phone_reset(struct sbx_req *req, void *arg)
{
	char number[128];

	(void)arg;
	if (number_arg(req, number, sizeof(number)))
		return;
	simphones_set_behaviour(phones, number, NULL);
	reply_number(req, number);
}

/* DELETE /_sandbox/phones */
static void phones_reset(struct sbx_req *req, void *arg)
{
	(void)arg;
	simphones_clear_behaviours(phones);
	sbx_reply_json(req, 200, "{\"overrides\":0}", 15);
}

/* GET /_sandbox/phones */
static void phones_show(struct sbx_req *req, void *arg)
{
	struct simphones_stats st;
	cJSON *o, *stats, *kinds;
	char addr[64];
	unsigned k;

	(void)arg;
	if (!phones) {
		sbx_reply_error(req, 503, "the simulated phones are not running");
		return;
	}
	simphones_stats(phones, &st);
	o = cJSON_CreateObject();
	stats = cJSON_AddObjectToObject(o, "stats");
	kinds = cJSON_AddArrayToObject(o, "kinds");
	if (!o || !stats || !kinds) {
		cJSON_Delete(o);
		sbx_reply_error(req, 500, "out of memory");
		return;
	}
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", simphones_port(phones));
	cJSON_AddStringToObject(o, "sip", addr);
	cJSON_AddStringToObject(o, "audio", simphones_synthetic(phones) ? "synthetic" : "recorded");
	cJSON_AddNumberToObject(stats, "invites", (double)st.invites);
	cJSON_AddNumberToObject(stats, "answered", (double)st.answered);
	cJSON_AddNumberToObject(stats, "rejected", (double)st.rejected);
	cJSON_AddNumberToObject(stats, "cancelled", (double)st.cancelled);
	cJSON_AddNumberToObject(stats, "bye_sent", (double)st.bye_sent);
	cJSON_AddNumberToObject(stats, "bye_received", (double)st.bye_received);
	cJSON_AddNumberToObject(stats, "rtp_packets", (double)st.rtp_packets);
	cJSON_AddNumberToObject(stats, "active", st.active);
	cJSON_AddNumberToObject(stats, "held", st.held);
	cJSON_AddBoolToObject(o, "mix", simphones_get_mix(phones, NULL));
	cJSON_AddNumberToObject(o, "overrides", st.overrides);
	for (k = 0; k < SIMPHONE_KIND_COUNT; k++)
		cJSON_AddItemToArray(
		        kinds, cJSON_CreateString(simphones_kind_name((enum simphone_kind)k)));
	sbx_reply_cjson(req, 200, o);
	cJSON_Delete(o);
}

/* A [lo, hi] pair or a single number (lo == hi) of whole milliseconds. */
static int range_parse(const cJSON *v, unsigned *lo, unsigned *hi)
{
	const cJSON *a, *b;

	if (cJSON_IsArray(v) && cJSON_GetArraySize(v) == 2) {
		a = cJSON_GetArrayItem(v, 0);
		b = cJSON_GetArrayItem(v, 1);
	} else {
		a = b = v;
	}
	if (!cJSON_IsNumber(a) || !cJSON_IsNumber(b) || !(a->valuedouble >= 0) ||
	    !(a->valuedouble <= 3600000) || !(b->valuedouble >= 0) ||
	    !(b->valuedouble <= 3600000) || a->valuedouble != (double)(unsigned)a->valuedouble ||
	    b->valuedouble != (double)(unsigned)b->valuedouble || a->valuedouble > b->valuedouble)
		return EINVAL;
	*lo = (unsigned)a->valuedouble;
	*hi = (unsigned)b->valuedouble;
	return 0;
}

/* One kind's object of a mix; field names the key that is wrong. */
static int mix_kind_parse(const cJSON *o, struct simphones_mix_kind *mk, const char **field)
{
	const cJSON *it;

	if (!cJSON_IsObject(o)) {
		*field = "kinds";
		return EINVAL;
	}
	cJSON_ArrayForEach(it, o)
	{
		*field = it->string;
		if (!strcmp(it->string, "share")) {
			if (!cJSON_IsNumber(it))
				return EINVAL;
			mk->share = it->valuedouble;
		} else if (!strcmp(it->string, "ring_ms")) {
			if (range_parse(it, &mk->ring_lo, &mk->ring_hi))
				return EINVAL;
			mk->has_ring = true;
		} else if (!strcmp(it->string, "greeting_ms")) {
			if (range_parse(it, &mk->greet_lo, &mk->greet_hi))
				return EINVAL;
			mk->has_greet = true;
		} else if (!strcmp(it->string, "percent")) {
			/* What GET adds (worked out from the shares): a mix read back is taken. */
			if (!cJSON_IsNumber(it))
				return EINVAL;
		} else {
			return EINVAL;
		}
	}
	return 0;
}

int simphones_mix_parse(const cJSON *j, struct simphones_mix *m, const char **field,
                        const char **why)
{
	const cJSON *it;

	memset(m, 0, sizeof(*m));
	*why = "is not valid";
	if (!cJSON_IsObject(j)) {
		*field = "mix";
		*why = "must be a JSON object";
		return EINVAL;
	}
	cJSON_ArrayForEach(it, j)
	{
		*field = it->string;
		if (!strcmp(it->string, "seed")) {
			if (!cJSON_IsNumber(it) || !(it->valuedouble >= 0) ||
			    !(it->valuedouble <= 4294967295.0) ||
			    it->valuedouble != (double)(uint32_t)it->valuedouble) {
				*why = "must be a whole number from 0 to 4294967295";
				return EINVAL;
			}
			m->seed = (uint32_t)it->valuedouble;
		} else if (!strcmp(it->string, "order")) {
			if (!cJSON_IsString(it) || (strcmp(it->valuestring, "number") &&
			                            strcmp(it->valuestring, "call"))) {
				*why = "must be \"number\" or \"call\"";
				return EINVAL;
			}
			m->by_call = !strcmp(it->valuestring, "call");
		} else if (!strcmp(it->string, "keep_test_numbers")) {
			if (!cJSON_IsBool(it)) {
				*why = "must be true or false";
				return EINVAL;
			}
			m->keep_test_numbers = cJSON_IsTrue(it);
		} else if (!strcmp(it->string, "kinds")) {
			const cJSON *k;

			if (!cJSON_IsObject(it)) {
				*why = "must be an object of kinds";
				return EINVAL;
			}
			cJSON_ArrayForEach(k, it)
			{
				unsigned i;

				for (i = 0; i < SIMPHONE_KIND_COUNT; i++)
					if (!strcmp(k->string,
					            simphones_kind_name((enum simphone_kind)i)))
						break;
				*field = k->string;
				if (i == SIMPHONE_KIND_COUNT) {
					*why = "is not a kind (see GET /_sandbox/phones)";
					return EINVAL;
				}
				if (mix_kind_parse(k, &m->kinds[i], field)) {
					*why = "must be share (a number), ring_ms or greeting_ms "
					       "([low, "
					       "high] or one value, whole ms up to 3600000)";
					return EINVAL;
				}
			}
		} else {
			*why = "is not a mix key (seed, order, keep_test_numbers, kinds)";
			return EINVAL;
		}
	}
	*field = "kinds";
	return simphones_mix_check(m, why);
}

/* A range as [lo, hi]. */
static void range_add(cJSON *o, const char *name, unsigned lo, unsigned hi)
{
	cJSON *a = cJSON_AddArrayToObject(o, name);

	cJSON_AddItemToArray(a, cJSON_CreateNumber(lo));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(hi));
}

cJSON *simphones_mix_json(const struct simphones_mix *m)
{
	cJSON *o = cJSON_CreateObject(), *kinds;
	double sum = 0;
	unsigned k;

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "seed", m->seed);
	cJSON_AddStringToObject(o, "order", m->by_call ? "call" : "number");
	cJSON_AddBoolToObject(o, "keep_test_numbers", m->keep_test_numbers);
	kinds = cJSON_AddObjectToObject(o, "kinds");
	for (k = 0; k < SIMPHONE_KIND_COUNT; k++)
		sum += m->kinds[k].share;
	for (k = 0; k < SIMPHONE_KIND_COUNT; k++) {
		const struct simphones_mix_kind *mk = &m->kinds[k];
		cJSON *ko;

		if (mk->share <= 0 && !mk->has_ring && !mk->has_greet)
			continue;
		ko = cJSON_AddObjectToObject(kinds, simphones_kind_name((enum simphone_kind)k));
		cJSON_AddNumberToObject(ko, "share", mk->share);
		cJSON_AddNumberToObject(ko, "percent", sum > 0 ? 100.0 * mk->share / sum : 0);
		if (mk->has_ring)
			range_add(ko, "ring_ms", mk->ring_lo, mk->ring_hi);
		if (mk->has_greet)
			range_add(ko, "greeting_ms", mk->greet_lo, mk->greet_hi);
	}
	return o;
}

/* Replies {"mix": ...} with the current mix or null. */
static void reply_mix(struct sbx_req *req)
{
	struct simphones_mix m;
	cJSON *o = cJSON_CreateObject();

	if (o && simphones_get_mix(phones, &m))
		cJSON_AddItemToObject(o, "mix", simphones_mix_json(&m));
	else if (o)
		cJSON_AddNullToObject(o, "mix");
	if (!o) {
		sbx_reply_error(req, 500, "out of memory");
		return;
	}
	sbx_reply_cjson(req, 200, o);
	cJSON_Delete(o);
}

/* True (and a 503 sent) when the phones are not running. */
static bool phones_down(struct sbx_req *req)
{
	if (phones)
		return false;
	sbx_reply_error(req, 503, "the simulated phones are not running");
	return true;
}

/* GET /_sandbox/phones/mix */
static void mix_show(struct sbx_req *req, void *arg)
{
	(void)arg;
	if (!phones_down(req))
		reply_mix(req);
}

/* PUT /_sandbox/phones/mix */
static void mix_set(struct sbx_req *req, void *arg)
{
	struct simphones_mix m;
	const char *field = "mix", *why = "is not valid JSON";
	size_t len;
	const char *body;
	cJSON *j;
	char name[80];

	(void)arg;
	if (phones_down(req))
		return;
	body = sbx_req_body(req, &len);
	j = cJSON_ParseWithLength(body, len);
	if (!j || simphones_mix_parse(j, &m, &field, &why) || simphones_set_mix(phones, &m)) {
		/* The field is a key of the request: shown, but never raw. */
		text_sanitize(name, sizeof(name), field ? field : "mix", true);
		cJSON_Delete(j);
		sbx_reply_errors(req, name, why ? why : "is not valid");
		return;
	}
	cJSON_Delete(j);
	log_info("simphones", "mix set (seed %u, by %s)", m.seed, m.by_call ? "call" : "number");
	reply_mix(req);
}

/* DELETE /_sandbox/phones/mix */
static void mix_reset(struct sbx_req *req, void *arg)
{
	(void)arg;
	if (phones_down(req))
		return;
	simphones_set_mix(phones, NULL);
	reply_mix(req);
}

/* POST /_sandbox/phones/release {"numbers": [...], "gap_ms": N} (no numbers: every held call) */
static void phones_release(struct sbx_req *req, void *arg)
{
	const char *numbers[RELEASE_MAX];
	char shown[64], msg[128];
	const cJSON *nums, *gap, *it;
	unsigned released = 0, gap_ms = 0;
	size_t len, n = 0, missing = 0;
	const char *body;
	cJSON *j = NULL, *o;
	int err;

	(void)arg;
	if (phones_down(req))
		return;
	body = sbx_req_body(req, &len);
	if (len) {
		j = cJSON_ParseWithLength(body, len);
		if (!cJSON_IsObject(j)) {
			cJSON_Delete(j);
			sbx_reply_errors(req, "release", "must be a JSON object");
			return;
		}
	}
	nums = cJSON_GetObjectItemCaseSensitive(j, "numbers");
	gap = cJSON_GetObjectItemCaseSensitive(j, "gap_ms");
	if (gap &&
	    (!cJSON_IsNumber(gap) || !(gap->valuedouble >= 0) || !(gap->valuedouble <= 3600000) ||
	     gap->valuedouble != (double)(unsigned)gap->valuedouble)) {
		cJSON_Delete(j);
		sbx_reply_errors(req, "gap_ms", "must be whole milliseconds from 0 to 3600000");
		return;
	}
	gap_ms = gap ? (unsigned)gap->valuedouble : 0;
	if (nums && (!cJSON_IsArray(nums) || cJSON_GetArraySize(nums) > RELEASE_MAX)) {
		cJSON_Delete(j);
		sbx_reply_errors(req, "numbers", "must be an array of at most 256 numbers");
		return;
	}
	cJSON_ArrayForEach(it, nums)
	{
		if (!cJSON_IsString(it)) {
			cJSON_Delete(j);
			sbx_reply_errors(req, "numbers", "must hold strings");
			return;
		}
		numbers[n++] = it->valuestring;
	}
	err = simphones_release(phones, numbers, n, gap_ms, &released, &missing);
	if (err == ENOENT) {
		text_sanitize(shown, sizeof(shown), n ? numbers[missing] : "", true);
		snprintf(msg, sizeof(msg), "no held call ringing%s%s: nothing released",
		         n ? " for " : "", shown);
		cJSON_Delete(j);
		sbx_reply_error(req, 409, msg);
		return;
	}
	cJSON_Delete(j);
	if (err) {
		sbx_reply_errors(req, "numbers", "must hold 1 to 32 digits each");
		return;
	}
	o = cJSON_CreateObject();
	if (!o) {
		sbx_reply_error(req, 500, "out of memory");
		return;
	}
	cJSON_AddNumberToObject(o, "released", released);
	cJSON_AddNumberToObject(o, "gap_ms", gap_ms);
	sbx_reply_cjson(req, 200, o);
	cJSON_Delete(o);
}

/* GET /_sandbox/phones/calls[?number=N]: the answered calls kept, oldest first. */
static void calls_show(struct sbx_req *req, void *arg)
{
	const char *want = sbx_req_param(req, "number");
	char key[40] = "", k2[40];
	cJSON *o, *arr;
	size_t i, n;

	(void)arg;
	if (phones_down(req))
		return;
	if (want && simphones_number_key(key, sizeof(key), want)) {
		sbx_reply_errors(req, "number", "is not a phone number");
		return;
	}
	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "calls");
	if (!o || !arr) {
		cJSON_Delete(o);
		sbx_reply_error(req, 500, "out of memory");
		return;
	}
	n = simphones_heard_count(phones);
	for (i = 0; i < n; i++) {
		struct simphones_heard_info h;
		cJSON *c;

		if (simphones_heard_info(phones, i, &h))
			continue;
		if (want && (simphones_number_key(k2, sizeof(k2), h.number) || strcmp(k2, key)))
			continue;
		c = cJSON_CreateObject();
		if (!c)
			break;
		cJSON_AddNumberToObject(c, "id", h.id);
		cJSON_AddStringToObject(c, "number", h.number);
		cJSON_AddStringToObject(c, "kind", simphones_kind_name(h.kind));
		cJSON_AddNumberToObject(c, "answered_at_ms", (double)h.answered_unix_ms);
		cJSON_AddNumberToObject(c, "ended_at_ms", (double)h.ended_unix_ms);
		cJSON_AddNumberToObject(c, "greeting_ms", h.greeting_ms);
		cJSON_AddNumberToObject(c, "audio_ms", h.audio_ms);
		cJSON_AddNumberToObject(c, "packets", (double)h.packets);
		cJSON_AddBoolToObject(c, "live", h.live);
		cJSON_AddStringToObject(c, "dtmf", h.dtmf);
		cJSON_AddBoolToObject(c, "on_hold", h.on_hold);
		cJSON_AddNumberToObject(c, "holds", h.holds);
		cJSON_AddItemToArray(arr, c);
	}
	sbx_reply_cjson(req, 200, o);
	cJSON_Delete(o);
}

/* GET /_sandbox/phones/calls/:id/audio: what the caller sent, as a WAV (sample 0 = answer). */
static void call_audio(struct sbx_req *req, void *arg)
{
	const char *ids = sbx_req_arg(req, "id");
	uint8_t *wav = NULL;
	unsigned long id;
	size_t len = 0;
	char *end;
	int err;

	(void)arg;
	if (phones_down(req))
		return;
	id = ids ? strtoul(ids, &end, 10) : 0;
	if (!ids || !*ids || *end || id == 0 || id > 0xffffffffUL) {
		sbx_reply_errors(req, "id", "is not a call id");
		return;
	}
	err = simphones_heard_wav(phones, (unsigned)id, &wav, &len);
	if (err == ENOENT) {
		sbx_reply_error(req, 404, "no such call kept (only answered calls, the last 32)");
		return;
	}
	if (err) {
		sbx_reply_error(req, 500, strerror(err));
		return;
	}
	sbx_reply(req, 200, "audio/wav", (const char *)wav, len);
	free(wav);
}

/* GET /_sandbox/phones/timeline[?after=ID]: the kept calls' steps in CLOCK_MONOTONIC
 * microseconds (0: not happened), oldest first, with their state now. */
static void timeline_show(struct sbx_req *req, void *arg)
{
	const char *after = sbx_req_param(req, "after");
	struct simphones_timing *v = NULL;
	unsigned long after_id = 0;
	cJSON *o = NULL, *arr;
	size_t i, n;
	char *end;

	(void)arg;
	if (phones_down(req))
		return;
	if (after) {
		after_id = strtoul(after, &end, 10);
		if (!*after || *end || after_id > 0xffffffffUL) {
			sbx_reply_errors(req, "after", "is not a call id");
			return;
		}
	}
	v = calloc(SIMPHONES_TIMELINE_MAX, sizeof(*v));
	o = cJSON_CreateObject();
	arr = o ? cJSON_AddArrayToObject(o, "calls") : NULL;
	if (!v || !arr || !cJSON_AddStringToObject(o, "clock", "CLOCK_MONOTONIC")) {
		sbx_reply_error(req, 500, "out of memory");
		goto out;
	}
	n = simphones_timeline(phones, (unsigned)after_id, v, SIMPHONES_TIMELINE_MAX);
	for (i = 0; i < n; i++) {
		const struct simphones_timing *t = &v[i];
		const char *state = t->end_us                   ? "ended"
		                    : t->answer_us              ? "answered"
		                    : t->held && !t->release_us ? "held"
		                                                : "ringing";
		cJSON *c = cJSON_CreateObject();

		if (!c)
			break;
		cJSON_AddNumberToObject(c, "id", t->id);
		cJSON_AddStringToObject(c, "number", t->number);
		cJSON_AddStringToObject(c, "kind", simphones_kind_name(t->kind));
		cJSON_AddStringToObject(c, "state", state);
		cJSON_AddNumberToObject(c, "invite_us", (double)t->invite_us);
		cJSON_AddNumberToObject(c, "release_us", (double)t->release_us);
		cJSON_AddNumberToObject(c, "answer_us", (double)t->answer_us);
		cJSON_AddNumberToObject(c, "end_us", (double)t->end_us);
		cJSON_AddStringToObject(c, "end", simphones_end_name(t->end));
		cJSON_AddNumberToObject(c, "code", t->code);
		cJSON_AddItemToArray(arr, c);
	}
	sbx_reply_cjson(req, 200, o);
out:
	cJSON_Delete(o);
	free(v);
}

/* Starts the phones on opts.sip and adds the admin routes. */
int simphones_start(struct sbx *sbx)
{
	struct simphones_opts o = {0};
	const char *colon;
	int err;

	if (!sbx || !sbx->opts.sip[0])
		return EINVAL;
	if (phones)
		return EALREADY;
	o.listen = sbx->opts.sip;
	o.trace = getenv("LOFTDIAL_SIP_TRACE") != NULL;
	err = simphones_open(&phones, &o);
	if (err) {
		fprintf(stderr, "loftdial-sandbox: phones on %s: %s\n", sbx->opts.sip,
		        strerror(err));
		return err;
	}
	err |= sbx_route(sbx, "GET", "/_sandbox/phones", phones_show, NULL);
	err |= sbx_route(sbx, "DELETE", "/_sandbox/phones", phones_reset, NULL);
	err |= sbx_route(sbx, "GET", "/_sandbox/phones/:number", phone_show, NULL);
	err |= sbx_route(sbx, "PUT", "/_sandbox/phones/:number", phone_set, NULL);
	err |= sbx_route(sbx, "POST", "/_sandbox/phones/:number", phone_set, NULL);
	err |= sbx_route(sbx, "DELETE", "/_sandbox/phones/:number", phone_reset, NULL);
	err |= sbx_route(sbx, "GET", "/_sandbox/phones/mix", mix_show, NULL);
	err |= sbx_route(sbx, "PUT", "/_sandbox/phones/mix", mix_set, NULL);
	err |= sbx_route(sbx, "DELETE", "/_sandbox/phones/mix", mix_reset, NULL);
	err |= sbx_route(sbx, "POST", "/_sandbox/phones/release", phones_release, NULL);
	err |= sbx_route(sbx, "GET", "/_sandbox/phones/calls", calls_show, NULL);
	err |= sbx_route(sbx, "GET", "/_sandbox/phones/calls/:id/audio", call_audio, NULL);
	err |= sbx_route(sbx, "GET", "/_sandbox/phones/timeline", timeline_show, NULL);
	if (err) {
		simphones_close(phones);
		phones = NULL;
		return ENOMEM;
	}
	/* Tests and the demo read the bound port here when --sip asked for port 0. */
	colon = strrchr(sbx->opts.sip, ':');
	printf("phones ready sip=%.*s:%u audio=%s\n", colon ? (int)(colon - sbx->opts.sip) : 0,
	       sbx->opts.sip, simphones_port(phones),
	       simphones_synthetic(phones) ? "synthetic" : "recorded");
	fflush(stdout);
	return 0;
}

/* Ends every call and closes the phones. */
void simphones_stop(struct sbx *sbx)
{
	(void)sbx;
	simphones_close(phones);
	phones = NULL;
}

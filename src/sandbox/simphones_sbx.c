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
 * The sandbox runs one phone network, so its handle is kept in this file.
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

#define SPEC_MAX 256

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
	cJSON_AddNumberToObject(o, "overrides", st.overrides);
	for (k = 0; k < SIMPHONE_KIND_COUNT; k++)
		cJSON_AddItemToArray(
		        kinds, cJSON_CreateString(simphones_kind_name((enum simphone_kind)k)));
	sbx_reply_cjson(req, 200, o);
	cJSON_Delete(o);
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

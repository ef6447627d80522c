/*
 * Fuzz target: the SIP account line loftdial writes into each baresip's accounts file
 * (engineconf_account) from the sip.* config keys, which are the rep's text. Whatever the
 * keys hold, the call must not crash and must either refuse them with a printable reason or
 * write exactly one line: no control character, no second line, one <AOR> whose URI is as
 * given, and every parameter after it one of the fixed names (a value can add neither a
 * parameter nor a header nor a new account).
 *
 * Input: up to seven values separated by '\n' or NUL: aor, registrar, outbound, auth_user,
 * auth_pass, caller_id, transport; missing ones are NULL. The first byte's low bit says
 * whether this engine registers.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/engineconf.h"

static const char *const params[] = {"transport",     "regint",       "outbound",     "auth_user",
                                     "auth_pass",     "audio_source", "audio_player", "answermode",
                                     "call_transfer", "mwi"};

static bool known_param(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		if (strlen(params[i]) == len && !memcmp(p, params[i], len))
			return true;
	return false;
}

static void line_ok(const char *out, const struct sip_account *a)
{
	size_t len = strlen(out), i;
	const char *lt, *gt, *p;

	if (!len || out[len - 1] != '\n' || memchr(out, '\n', len - 1))
		abort();
	for (i = 0; i + 1 < len; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			abort();
	/* The display name, if any, is one quoted string with nothing else before the '<'. */
	lt = strchr(out, '<');
	if (!lt || (lt != out && (out[0] != '"' || lt[-1] != ' ' || lt[-2] != '"')))
		abort();
	if (lt != out && memchr(out + 1, '"', (size_t)(lt - out - 3)))
		abort();
	gt = strchr(lt, '>');
	if (!gt || strncmp(lt + 1, a->aor, strlen(a->aor)) ||
	    memchr(lt + 1, '<', (size_t)(gt - lt)))
		abort();
	/* After the '>': ;name=value pairs with known names only. */
	p = gt + 1;
	while (*p == ';') {
		const char *eq = strchr(p, '=');
		const char *end = p + 1 + strcspn(p + 1, ";\n");

		if (!eq || eq > end || !known_param(p + 1, (size_t)(eq - p - 1)))
			abort();
		p = end;
	}
	if (*p != '\n')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *v[7] = {NULL};
	char out[2048], why[256];
	struct sip_account a;
	size_t i, k = 0;
	bool reg;

	if (!size)
		return 0;
	reg = data[0] & 1;
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	v[k++] = buf;
	for (i = 0; i + 1 < size && k < 7; i++) {
		if (buf[i] == '\n' || buf[i] == '\0') {
			buf[i] = '\0';
			v[k++] = buf + i + 1;
		}
	}
	a.aor = v[0];
	a.registrar = v[1];
	a.outbound = v[2];
	a.auth_user = v[3];
	a.auth_pass = v[4];
	a.caller_id = v[5];
	a.transport = v[6];
	why[0] = '\0';
	if (engineconf_account(out, sizeof(out), &a, reg, why, sizeof(why)) == 0) {
		line_ok(out, &a);
	} else {
		for (i = 0; why[i]; i++)
			if ((unsigned char)why[i] < 0x20 || why[i] == 0x7f)
				abort();
	}
	free(buf);
	return 0;
}

/*
 * ctrlmsg: building command frames and reading responses and events, with cJSON.
 *
 * Every value we send is created with cJSON_CreateString, so it is always a JSON string
 * whatever it holds; text with control characters is refused before it gets that far, because
 * baresip runs params as a command line. Incoming members that should be strings but are not
 * make the whole message malformed rather than being guessed at.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <re.h>

#include "loftdial/ctrlmsg.h"
#include "loftdial/netstring.h"
#include "loftdial/text.h"

/* A string member, "" when absent; EBADMSG through *bad when present but not a string. */
static const char *member(const cJSON *o, const char *name, bool *bad)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!v)
		return "";
	if (!cJSON_IsString(v) || !v->valuestring) {
		*bad = true;
		return "";
	}
	return v->valuestring;
}

int ctrlmsg_parse(struct ctrlmsg *m, const char *payload, size_t len)
{
	const cJSON *ev, *resp, *ok;
	cJSON *root;
	bool bad = false;

	if (!m || (!payload && len))
		return EINVAL;
	memset(m, 0, sizeof(*m));
	/* JSON text never holds a raw NUL; one would cut a string short behind our back. */
	if (len && memchr(payload, '\0', len))
		return EBADMSG;
	root = cJSON_ParseWithLength(payload ? payload : "", len);
	if (!root)
		return EBADMSG;
	if (!cJSON_IsObject(root))
		goto bad;
	ev = cJSON_GetObjectItemCaseSensitive(root, "event");
	resp = cJSON_GetObjectItemCaseSensitive(root, "response");
	if (cJSON_IsTrue(resp)) {
		m->kind = CTRLMSG_RESPONSE;
		ok = cJSON_GetObjectItemCaseSensitive(root, "ok");
		if (!cJSON_IsBool(ok))
			goto bad;
		m->ok = cJSON_IsTrue(ok);
		m->data = member(root, "data", &bad);
		m->token = member(root, "token", &bad);
	} else if (cJSON_IsTrue(ev)) {
		m->kind = CTRLMSG_EVENT;
		m->type = member(root, "type", &bad);
		if (!*m->type)
			goto bad;
	} else {
		goto bad;
	}
	if (m->kind == CTRLMSG_RESPONSE) {
		m->type = m->cls = m->aor = m->direction = m->peeruri = m->id = m->param = "";
	} else {
		m->data = m->token = "";
		m->cls = member(root, "class", &bad);
		m->aor = member(root, "accountaor", &bad);
		m->direction = member(root, "direction", &bad);
		m->peeruri = member(root, "peeruri", &bad);
		m->id = member(root, "id", &bad);
		m->param = member(root, "param", &bad);
	}
	if (bad)
		goto bad;
	m->json = root;
	return 0;
bad:
	cJSON_Delete(root);
	memset(m, 0, sizeof(*m));
	return EBADMSG;
}

void ctrlmsg_free(struct ctrlmsg *m)
{
	if (!m)
		return;
	cJSON_Delete(m->json);
	memset(m, 0, sizeof(*m));
}

bool ctrlmsg_text_ok(const char *s)
{
	const unsigned char *p;

	if (!s || strlen(s) > CTRLMSG_MAX_CMDLINE)
		return false;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return text_is_clean(s);
}

int ctrlmsg_command(struct mbuf *mb, const char *command, const char *params, const char *token)
{
	cJSON *o = NULL;
	char *json = NULL;
	size_t jlen, flen, start;
	int err = 0;

	if (!mb || !command || !*command || !ctrlmsg_text_ok(command) ||
	    (params && !ctrlmsg_text_ok(params)) || (token && !ctrlmsg_text_ok(token)))
		return EINVAL;
	if (strlen(command) + 1 + (params ? strlen(params) : 0) > CTRLMSG_MAX_CMDLINE)
		return EINVAL;
	o = cJSON_CreateObject();
	if (!o)
		return ENOMEM;
	if (!cJSON_AddItemToObject(o, "command", cJSON_CreateString(command)) ||
	    (params && !cJSON_AddItemToObject(o, "params", cJSON_CreateString(params))) ||
	    (token && !cJSON_AddItemToObject(o, "token", cJSON_CreateString(token)))) {
		err = ENOMEM;
		goto out;
	}
	json = cJSON_PrintUnformatted(o);
	if (!json) {
		err = ENOMEM;
		goto out;
	}
	jlen = strlen(json);
	flen = netstring_frame_len(jlen);
	start = mb->end;
	if (mb->size < start + flen) {
		err = mbuf_resize(mb, start + flen);
		if (err)
			goto out;
	}
	err = netstring_encode((char *)mb->buf + start, mb->size - start, json, jlen, &flen);
	if (err)
		goto out;
	mb->end = start + flen;
	mb->pos = mb->end;
out:
	free(json);
	cJSON_Delete(o);
	return err;
}

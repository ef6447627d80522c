/*
 * keymap: scopes of actions, key bindings, the key-name syntax and the `bind` config lines.
 *
 * Each scope keeps a small array of (key, owner scope, action) bindings; a new binding of a
 * key in a scope replaces the old one. Lookups walk the current scope, then global: the
 * arrays are short (tens of entries), so a linear walk per key press costs nothing.
 */
#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "loftdial/keymap.h"
#include "loftdial/text.h"

struct binding {
	int key;
	int owner;  /* scope whose action table holds the action */
	size_t act; /* index into that table */
};

struct scope {
	char name[KEYMAP_NAME_MAX];
	const struct keymap_action *acts;
	size_t nacts;
	struct binding *b;
	size_t nb, cap;
};

struct keymap {
	struct scope sc[KEYMAP_SCOPE_MAX];
	int nsc;
};

/* Named keys: name and code, the first name of a code is its canonical one. */
static const struct {
	const char *name;
	int key;
} named[] = {
        {"Enter", '\n'},
        {"Return", '\n'},
        {"Esc", 27},
        {"Escape", 27},
        {"Tab", '\t'},
        {"BackTab", KEYMAP_FN | KEY_BTAB},
        {"Space", ' '},
        {"Backspace", KEYMAP_FN | KEY_BACKSPACE},
        {"Up", KEYMAP_FN | KEY_UP},
        {"Down", KEYMAP_FN | KEY_DOWN},
        {"Left", KEYMAP_FN | KEY_LEFT},
        {"Right", KEYMAP_FN | KEY_RIGHT},
        {"PgUp", KEYMAP_FN | KEY_PPAGE},
        {"PageUp", KEYMAP_FN | KEY_PPAGE},
        {"PgDn", KEYMAP_FN | KEY_NPAGE},
        {"PageDown", KEYMAP_FN | KEY_NPAGE},
        {"Home", KEYMAP_FN | KEY_HOME},
        {"End", KEYMAP_FN | KEY_END},
        {"Insert", KEYMAP_FN | KEY_IC},
        {"Delete", KEYMAP_FN | KEY_DC},
};

#define NNAMED (sizeof(named) / sizeof(named[0]))

int keymap_key_fold(int key)
{
	if (key == '\r' || key == (KEYMAP_FN | KEY_ENTER))
		return '\n';
	if (key == 127 || key == 8)
		return KEYMAP_FN | KEY_BACKSPACE;
	return key;
}

/* Decodes one UTF-8 character that must be all of s; returns the code point or -1. */
static int one_char(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int cp, len, i;

	if (p[0] < 0x80)
		return p[0] && !p[1] ? p[0] : -1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return -1;
	}
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (p[len] || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return -1;
	return cp;
}

int keymap_key_parse(const char *name, int *key)
{
	char buf[KEYMAP_NAME_MAX];
	size_t len, i;
	int cp;

	if (!name || !key)
		return EINVAL;
	len = strlen(name);
	if (len == 0 || len >= sizeof(buf))
		return EINVAL;
	/* <Enter> is accepted for Enter (tig and vim write keys that way). */
	if (len > 2 && name[0] == '<' && name[len - 1] == '>') {
		memcpy(buf, name + 1, len - 2);
		buf[len - 2] = '\0';
	} else {
		memcpy(buf, name, len + 1);
	}
	cp = one_char(buf);
	if (cp > ' ' && cp != 127) {
		*key = cp;
		return 0;
	}
	if ((buf[0] == '^' && buf[1] && !buf[2]) ||
	    ((buf[0] == 'C' || buf[0] == 'c') && buf[1] == '-' && buf[2] && !buf[3])) {
		char c = buf[buf[0] == '^' ? 1 : 2];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c <= '@' || c > '_')
			return EINVAL;
		*key = keymap_key_fold(c - '@');
		return 0;
	}
	for (i = 0; i < NNAMED; i++) {
		if (!strcasecmp(buf, named[i].name)) {
			*key = named[i].key;
			return 0;
		}
	}
	if ((buf[0] == 'F' || buf[0] == 'f') && buf[1] >= '1' && buf[1] <= '9') {
		int n = buf[1] - '0';

		if (buf[2] >= '0' && buf[2] <= '9' && !buf[3])
			n = n * 10 + (buf[2] - '0');
		else if (buf[2])
			return EINVAL;
		if (n < 1 || n > 12)
			return EINVAL;
		*key = KEYMAP_FN | KEY_F(n);
		return 0;
	}
	return EINVAL;
}

void keymap_key_name(int key, char *out, size_t n)
{
	size_t i;

	if (!out || n == 0)
		return;
	for (i = 0; i < NNAMED; i++) {
		if (named[i].key == key) {
			text_copy(out, n, named[i].name);
			return;
		}
	}
	if (key >= (KEYMAP_FN | KEY_F(1)) && key <= (KEYMAP_FN | KEY_F(12))) {
		text_printf(out, n, "F%d", key - (KEYMAP_FN | KEY_F0));
		return;
	}
	if (key > 0 && key < 32) {
		/* C-a..C-z in lower case; C-\ C-] C-^ C-_ as they are. */
		text_printf(out, n, "C-%c", (char)(key <= 26 ? key + '`' : key + '@'));
		return;
	}
	if (key > ' ' && key < 127) {
		text_printf(out, n, "%c", (char)key);
		return;
	}
	if (key >= 0xa0 && key <= 0x10ffff && !(key >= 0xd800 && key <= 0xdfff)) {
		char u[5] = {0};

		if (key < 0x800) {
			u[0] = (char)(0xc0 | (key >> 6));
			u[1] = (char)(0x80 | (key & 0x3f));
		} else if (key < 0x10000) {
			u[0] = (char)(0xe0 | (key >> 12));
			u[1] = (char)(0x80 | ((key >> 6) & 0x3f));
			u[2] = (char)(0x80 | (key & 0x3f));
		} else {
			u[0] = (char)(0xf0 | (key >> 18));
			u[1] = (char)(0x80 | ((key >> 12) & 0x3f));
			u[2] = (char)(0x80 | ((key >> 6) & 0x3f));
			u[3] = (char)(0x80 | (key & 0x3f));
		}
		text_copy(out, n, u);
		return;
	}
	text_printf(out, n, "#%d", key);
}

int keymap_new(struct keymap **kmp)
{
	if (!kmp)
		return EINVAL;
	*kmp = calloc(1, sizeof(**kmp));
	return *kmp ? 0 : ENOMEM;
}

void keymap_free(struct keymap *km)
{
	int i;

	if (!km)
		return;
	for (i = 0; i < km->nsc; i++)
		free(km->sc[i].b);
	free(km);
}

int keymap_scope(const struct keymap *km, const char *name)
{
	int i;

	if (!km || !name)
		return -1;
	for (i = 0; i < km->nsc; i++)
		if (!strcmp(km->sc[i].name, name))
			return i;
	return -1;
}

const char *keymap_scope_name(const struct keymap *km, int scope)
{
	return km && scope >= 0 && scope < km->nsc ? km->sc[scope].name : "";
}

const struct keymap_action *keymap_actions(const struct keymap *km, int scope, size_t *n)
{
	if (!km || scope < 0 || scope >= km->nsc) {
		if (n)
			*n = 0;
		return NULL;
	}
	if (n)
		*n = km->sc[scope].nacts;
	return km->sc[scope].acts;
}

/* Sets (owner, act) for key in scope s, replacing an older binding; act == SIZE_MAX
 * removes it. */
static int set_binding(struct scope *s, int key, int owner, size_t act)
{
	size_t i;

	for (i = 0; i < s->nb; i++) {
		if (s->b[i].key != key)
			continue;
		if (act == SIZE_MAX) {
			s->b[i] = s->b[--s->nb];
		} else {
			s->b[i].owner = owner;
			s->b[i].act = act;
		}
		return 0;
	}
	if (act == SIZE_MAX)
		return 0;
	if (s->nb == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct binding *b;

		if (cap > KEYMAP_BINDINGS_MAX)
			cap = KEYMAP_BINDINGS_MAX;
		if (s->nb >= cap)
			return ENOSPC;
		b = realloc(s->b, cap * sizeof(*b));
		if (!b)
			return ENOMEM;
		s->b = b;
		s->cap = cap;
	}
	s->b[s->nb].key = key;
	s->b[s->nb].owner = owner;
	s->b[s->nb].act = act;
	s->nb++;
	return 0;
}

int keymap_add_scope(struct keymap *km, const char *name, const struct keymap_action *acts,
                     size_t n)
{
	struct scope *s;
	size_t i;
	int idx;

	if (!km || !name || km->nsc >= KEYMAP_SCOPE_MAX || keymap_scope(km, name) >= 0 ||
	    strlen(name) >= KEYMAP_NAME_MAX)
		return -1;
	idx = km->nsc;
	s = &km->sc[idx];
	memset(s, 0, sizeof(*s));
	text_copy(s->name, sizeof(s->name), name);
	s->acts = acts;
	s->nacts = n;
	km->nsc++;
	for (i = 0; i < n; i++) {
		const char *p = acts[i].keys ? acts[i].keys : "";

		while (*p) {
			char kn[KEYMAP_NAME_MAX];
			size_t len = strcspn(p, " ");
			int key;

			if (len == 0) {
				p++;
				continue;
			}
			if (len >= sizeof(kn))
				goto bad;
			memcpy(kn, p, len);
			kn[len] = '\0';
			if (keymap_key_parse(kn, &key) || set_binding(s, key, idx, i))
				goto bad;
			p += len;
		}
	}
	return idx;
bad:
	free(s->b);
	memset(s, 0, sizeof(*s));
	km->nsc--;
	return -1;
}

/* Finds an action by name in scope, then in global: 0 with owner and index, or ENOENT. */
static int find_action(const struct keymap *km, int scope, const char *name, int *owner,
                       size_t *act)
{
	int sc[2] = {scope, KEYMAP_GLOBAL};
	int k;
	size_t i;

	for (k = 0; k < 2; k++) {
		const struct scope *s = &km->sc[sc[k]];

		for (i = 0; i < s->nacts; i++) {
			if (!strcmp(s->acts[i].name, name)) {
				*owner = sc[k];
				*act = i;
				return 0;
			}
		}
	}
	return ENOENT;
}

int keymap_bind(struct keymap *km, const char *scope, const char *key, const char *action,
                char *err, size_t errsz)
{
	char clean[64];
	int sc, k, owner = 0, e;
	size_t act = SIZE_MAX;

	if (!km || !scope || !key || !action || km->nsc == 0)
		return EINVAL;
	sc = keymap_scope(km, scope);
	if (sc < 0) {
		text_sanitize(clean, sizeof(clean), scope, true);
		if (err)
			text_printf(err, errsz, "bind: unknown screen '%s'", clean);
		return EINVAL;
	}
	if (keymap_key_parse(key, &k)) {
		text_sanitize(clean, sizeof(clean), key, true);
		if (err)
			text_printf(err, errsz, "bind: unknown key '%s'", clean);
		return EINVAL;
	}
	if (strcmp(action, "none") && find_action(km, sc, action, &owner, &act)) {
		text_sanitize(clean, sizeof(clean), action, true);
		if (err)
			text_printf(err, errsz, "bind: no action '%s' on screen %s", clean, scope);
		return EINVAL;
	}
	e = set_binding(&km->sc[sc], k, owner, act);
	if (e && err)
		text_printf(err, errsz, "bind: %s",
		            e == ENOSPC ? "too many bindings" : strerror(e));
	return e;
}

unsigned keymap_parse(struct keymap *km, const char *name, const char *text, size_t len,
                      keymap_warn_h *warnh, void *arg)
{
	char line[KEYMAP_LINE_MAX], msg[256];
	unsigned lineno = 0, warnings = 0;
	size_t pos = 0;

	if (!km || !text)
		return 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *p, *w, *scope, *key, *action, *hash;

		lineno++;
		if (llen >= sizeof(line) || memchr(text + pos, '\0', llen)) {
			pos += llen + (nl ? 1 : 0);
			continue; /* config.c already warns about such lines */
		}
		memcpy(line, text + pos, llen);
		line[llen] = '\0';
		pos += llen + (nl ? 1 : 0);
		if (llen && line[llen - 1] == '\r')
			line[llen - 1] = '\0';
		p = line;
		w = text_word(&p);
		if (!w || strcmp(w, "bind"))
			continue;
		/* A trailing comment, as in the rest of the config. */
		hash = strstr(p, " #");
		if (hash)
			*hash = '\0';
		scope = text_word(&p);
		key = text_word(&p);
		action = text_word(&p);
		msg[0] = '\0';
		if (!scope || !key || !action)
			text_copy(msg, sizeof(msg), "bind: expected bind <screen> <key> <action>");
		else if (text_word(&p))
			text_copy(msg, sizeof(msg), "bind: extra words after the action");
		else
			(void)keymap_bind(km, scope, key, action, msg, sizeof(msg));
		if (msg[0]) {
			warnings++;
			if (warnh)
				warnh(name, lineno, msg, arg);
		}
	}
	return warnings;
}

int keymap_load(struct keymap *km, const char *path, keymap_warn_h *warnh, void *arg)
{
	FILE *f;
	char *buf;
	size_t n;
	int err = 0;

	if (!km || !path)
		return EINVAL;
	f = fopen(path, "rb");
	if (!f)
		return errno;
	buf = malloc(1024 * 1024);
	if (!buf) {
		fclose(f);
		return ENOMEM;
	}
	n = fread(buf, 1, 1024 * 1024, f);
	if (ferror(f))
		err = EIO;
	else
		(void)keymap_parse(km, path, buf, n, warnh, arg);
	free(buf);
	fclose(f);
	return err;
}

const struct keymap_action *keymap_lookup(const struct keymap *km, int scope, int key, int *owner)
{
	int sc[2] = {scope, KEYMAP_GLOBAL};
	int k;
	size_t i;

	if (!km || scope < 0 || scope >= km->nsc)
		return NULL;
	key = keymap_key_fold(key);
	for (k = 0; k < 2; k++) {
		const struct scope *s = &km->sc[sc[k]];

		for (i = 0; i < s->nb; i++) {
			if (s->b[i].key != key)
				continue;
			if (owner)
				*owner = s->b[i].owner;
			return &km->sc[s->b[i].owner].acts[s->b[i].act];
		}
		if (scope == KEYMAP_GLOBAL)
			break;
	}
	return NULL;
}

size_t keymap_keys_of(const struct keymap *km, int scope, int owner, int action_id, int *keys,
                      size_t max)
{
	int sc[2] = {scope, KEYMAP_GLOBAL};
	size_t n = 0, i;
	int k;

	if (!km || scope < 0 || scope >= km->nsc || owner < 0 || owner >= km->nsc)
		return 0;
	for (k = 0; k < (scope == KEYMAP_GLOBAL ? 1 : 2); k++) {
		const struct scope *s = &km->sc[sc[k]];

		for (i = 0; i < s->nb && n < max; i++) {
			const struct binding *b = &s->b[i];
			const struct keymap_action *a = &km->sc[b->owner].acts[b->act];
			int shadowed = 0;

			if (b->owner != owner || a->id != action_id)
				continue;
			/* A global binding hidden by the screen's own binding of the key. */
			if (k == 1 && keymap_lookup(km, scope, b->key, NULL) != a)
				shadowed = 1;
			if (!shadowed)
				keys[n++] = b->key;
		}
	}
	return n;
}

/*
 * Fuzz target: `bind` lines and key names from any bytes: the keymap never crashes, never
 * grows past its bound, its warnings and key names are clean text, and every key that
 * parses prints as a name that parses back to the same key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/keymap.h"
#include "loftdial/text.h"

static const struct keymap_action global[] = {
        {1, "back", "q Esc", "Back"},
        {2, "down", "j Down", "Down"},
};
static const struct keymap_action home[] = {
        {100, "sync", "s", "Sync"},
};

static void warn(const char *file, unsigned line, const char *msg, void *arg)
{
	if (!text_is_clean(msg))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keymap *km = NULL;
	char name[64], back[KEYMAP_NAME_MAX];
	int key, again, k;

	if (keymap_new(&km))
		return 0;
	if (keymap_add_scope(km, "global", global, 2) != 0 ||
	    keymap_add_scope(km, "home", home, 1) != 1)
		abort();
	(void)keymap_parse(km, "fuzz", (const char *)data, size, warn, NULL);
	for (k = 0; k < 256; k++)
		(void)keymap_lookup(km, 1, k, NULL);
	/* The first bytes as a key name. */
	if (size < sizeof(name)) {
		memcpy(name, data, size);
		name[size] = '\0';
		if (keymap_key_parse(name, &key) == 0) {
			keymap_key_name(key, back, sizeof(back));
			if (!text_is_clean(back) || keymap_key_parse(back, &again) || again != key)
				abort();
		}
	}
	keymap_free(km);
	return 0;
}

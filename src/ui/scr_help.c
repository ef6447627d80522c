/*
 * The help screen: every key of the screen it was opened from, printed from the keymap (so
 * it shows the user's own bindings and cannot drift from what the keys do), after a
 * paragraph on what that screen shows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/text.h"
#include "loftdial/twidth.h"

#include "screen.h"

#define HELP_LINES_MAX 256
#define HELP_LINE      512

struct help {
	char (*lines)[HELP_LINE];
	unsigned char *kind; /* 0 text, 1 heading */
	struct ui_list list;
	int rows, cols;
	int scope; /* the keymap scope described: the argument help was opened with */
};

/* Adds a line of the given kind. */
static void add(struct help *h, int kind, const char *text)
{
	if (h->list.count >= HELP_LINES_MAX)
		return;
	text_copy(h->lines[h->list.count], HELP_LINE, text);
	h->kind[h->list.count++] = (unsigned char)kind;
}

/* Adds a paragraph, wrapped at width columns on blanks. */
static void add_wrapped(struct help *h, const char *text, size_t width)
{
	char line[HELP_LINE] = "";
	const char *p = text;

	while (*p) {
		char word[HELP_LINE];
		size_t len = strcspn(p, " "), cur = strlen(line);

		if (len >= sizeof(word))
			len = sizeof(word) - 1;
		memcpy(word, p, len);
		word[len] = '\0';
		p += len;
		while (*p == ' ')
			p++;
		if (cur && twidth_str(line) + 1 + twidth_str(word) > width) {
			add(h, 0, line);
			line[0] = '\0';
			cur = 0;
		}
		text_printf(line + cur, sizeof(line) - cur, "%s%s", cur ? " " : "", word);
	}
	if (line[0])
		add(h, 0, line);
}

/* One section: the actions of scope owner as reachable from scope. */
static void add_actions(struct help *h, struct ui *ui, int scope, int owner)
{
	struct keymap *km = ui_keymap(ui);
	const struct keymap_action *a;
	size_t n, i, k, nk;
	int keys[8];

	a = keymap_actions(km, owner, &n);
	for (i = 0; i < n; i++) {
		char names[128] = "", kn[KEYMAP_NAME_MAX], line[HELP_LINE];
		size_t len = 0;

		nk = keymap_keys_of(km, scope, owner, a[i].id, keys, 8);
		for (k = 0; k < nk; k++) {
			keymap_key_name(keys[k], kn, sizeof(kn));
			text_printf(names + len, sizeof(names) - len, "%s%s", k ? " " : "", kn);
			len = strlen(names);
		}
		text_printf(line, sizeof(line), "  %-16s %-16s %s", nk ? names : "(unbound)",
		            a[i].name, a[i].help);
		add(h, 0, line);
	}
}

/* Builds the text for a body width. */
static void build(struct help *h, struct ui *ui, int cols)
{
	int scope = h->scope;
	const struct screen_ops *s = ui_scope_screen(ui, scope);
	char line[HELP_LINE];

	h->list.count = 0;
	h->list.top = 0;
	if (s) {
		text_printf(line, sizeof(line), "%s screen", s->title);
		add(h, 1, line);
		if (s->about)
			add_wrapped(h, s->about, cols > 4 ? (size_t)cols - 2 : 2);
		add(h, 0, "");
		if (s->nactions) {
			text_printf(line, sizeof(line), "Keys on %s", s->title);
			add(h, 1, line);
			add_actions(h, ui, scope, scope);
			add(h, 0, "");
		}
	}
	add(h, 1, "Keys everywhere");
	add_actions(h, ui, scope, KEYMAP_GLOBAL);
	add(h, 0, "");
	add_wrapped(h,
	            "Change a key with a line `bind <screen> <key> <action>` in the config file "
	            "(screen: global or a screen name; key: j, G, C-f, Enter, F5, ...; action: "
	            "a name above, or none). docs/ui.md has the details.",
	            cols > 4 ? (size_t)cols - 2 : 2);
}

/* The argument is the keymap scope of the screen help was asked from (an int); without one
 * help shows the keys that work everywhere. */
static int help_open(struct ui *ui, void **state)
{
	struct help *h = calloc(1, sizeof(*h));
	const void *arg;
	size_t len;

	if (!h)
		return ENOMEM;
	h->lines = calloc(HELP_LINES_MAX, sizeof(*h->lines));
	h->kind = calloc(HELP_LINES_MAX, 1);
	if (!h->lines || !h->kind) {
		free(h->lines);
		free(h->kind);
		free(h);
		return ENOMEM;
	}
	h->scope = KEYMAP_GLOBAL;
	arg = ui_open_arg(ui, &len);
	if (arg && len == sizeof(h->scope))
		memcpy(&h->scope, arg, sizeof(h->scope));
	*state = h;
	return 0;
}

static void help_resize(struct ui *ui, void *state, int rows, int cols)
{
	struct help *h = state;

	h->rows = rows;
	h->cols = cols;
	build(h, ui, cols);
}

static int help_key(struct ui *ui, void *state, int action)
{
	struct help *h = state;
	size_t rows = h->rows > 1 ? (size_t)h->rows : 1;
	size_t max = h->list.count > rows ? h->list.count - rows : 0, top = h->list.top;

	/* Help has no selection: the keys scroll the text. */
	switch (action) {
	case UI_ACT_UP:
		top = top ? top - 1 : 0;
		break;
	case UI_ACT_DOWN:
		top = top < max ? top + 1 : max;
		break;
	case UI_ACT_PAGE_UP:
		top = top > rows ? top - rows : 0;
		break;
	case UI_ACT_PAGE_DOWN:
		top = top + rows < max ? top + rows : max;
		break;
	case UI_ACT_TOP:
		top = 0;
		break;
	case UI_ACT_BOTTOM:
		top = max;
		break;
	default:
		return UI_NONE;
	}
	if (top == h->list.top)
		return UI_NONE;
	h->list.top = top;
	return UI_REDRAW;
}

static int help_search(struct ui *ui, void *state, const char *text)
{
	struct help *h = state;
	size_t i, n = h->list.count;

	for (i = 1; i <= n; i++) {
		size_t k = (h->list.top + i) % n;

		if (strstr(h->lines[k], text)) {
			h->list.top = k;
			return UI_REDRAW;
		}
	}
	ui_status(ui, THEME_WARNING, "not found: %s", text);
	return UI_REDRAW;
}

static void help_draw(struct ui *ui, void *state, WINDOW *w, int rows, int cols)
{
	struct help *h = state;
	int y;

	for (y = 0; y < rows && h->list.top + (size_t)y < h->list.count; y++) {
		size_t i = h->list.top + (size_t)y;
		attr_t a = ui_attr(ui, h->kind[i] ? THEME_HEADER : THEME_DEFAULT);

		wattron(w, a);
		ui_text(ui, w, y, 1, cols - 1, h->lines[i], false);
		wattroff(w, a);
	}
}

static void help_close(struct ui *ui, void *state)
{
	struct help *h = state;

	free(h->lines);
	free(h->kind);
	free(h);
}

const struct screen_ops screen_help = {
        .name = "help",
        .title = "Help",
        .keys = "",
        .about = "The keys of the screen you came from, then the keys that work everywhere.",
        .open = help_open,
        .key = help_key,
        .draw = help_draw,
        .resize = help_resize,
        .search = help_search,
        .close = help_close,
};

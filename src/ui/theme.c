/*
 * theme: the element table, the two built-in themes, the theme-file parser and colour
 * degradation (see theme.h for the format).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/text.h"
#include "loftdial/theme.h"

#define THEME_FILE_MAX (64 * 1024)
#define THEME_LINE_MAX 512

#define THEME_NAME(id, name) [THEME_##id] = name,
static const char *const elem_names[THEME_ELEM_COUNT] = {THEME_ELEMENTS(THEME_NAME)};
#undef THEME_NAME

#define D THEME_COLOR_DEFAULT
/* The dark default, the same values as themes/default.theme (used when that file is missing
 * and for every element a theme file leaves out or gets wrong). */
static const struct theme_style dark[THEME_ELEM_COUNT] = {
        [THEME_DEFAULT] = {D, D, 0},
        [THEME_TITLE] = {7, 4, THEME_BOLD},
        [THEME_STATUS] = {0, 6, 0},
        [THEME_SELECTED] = {0, 3, THEME_BOLD},
        [THEME_HEADER] = {6, D, THEME_BOLD},
        [THEME_MUTED] = {8, D, 0},
        [THEME_OK] = {2, D, 0},
        [THEME_WARNING] = {3, D, THEME_BOLD},
        [THEME_ERROR] = {1, D, THEME_BOLD},
        [THEME_LINE_RINGING] = {3, D, 0},
        [THEME_LINE_CONNECTED] = {2, D, THEME_BOLD},
        [THEME_LINE_DROPPED] = {1, D, 0},
        [THEME_SYNC_RUNNING] = {6, D, 0},
        [THEME_SYNC_DONE] = {2, D, 0},
        [THEME_SYNC_FAILED] = {1, D, THEME_BOLD},
};

/* Attributes only, for NO_COLOR and terminals without colour. */
static const struct theme_style mono[THEME_ELEM_COUNT] = {
        [THEME_DEFAULT] = {D, D, 0},
        [THEME_TITLE] = {D, D, THEME_REVERSE | THEME_BOLD},
        [THEME_STATUS] = {D, D, THEME_REVERSE},
        [THEME_SELECTED] = {D, D, THEME_REVERSE | THEME_BOLD},
        [THEME_HEADER] = {D, D, THEME_BOLD | THEME_UNDERLINE},
        [THEME_MUTED] = {D, D, THEME_DIM},
        [THEME_OK] = {D, D, 0},
        [THEME_WARNING] = {D, D, THEME_BOLD},
        [THEME_ERROR] = {D, D, THEME_BOLD},
        [THEME_LINE_RINGING] = {D, D, THEME_BOLD},
        [THEME_LINE_CONNECTED] = {D, D, THEME_BOLD | THEME_UNDERLINE},
        [THEME_LINE_DROPPED] = {D, D, THEME_DIM},
        [THEME_SYNC_RUNNING] = {D, D, THEME_BOLD},
        [THEME_SYNC_DONE] = {D, D, 0},
        [THEME_SYNC_FAILED] = {D, D, THEME_BOLD | THEME_REVERSE},
};
#undef D

static const char *const color_names[] = {"black", "red",     "green", "yellow",
                                          "blue",  "magenta", "cyan",  "white"};

static const struct {
	const char *name;
	unsigned bit;
} attr_names[] = {
        {"bold", THEME_BOLD},
        {"reverse", THEME_REVERSE},
        {"underline", THEME_UNDERLINE},
        {"dim", THEME_DIM},
        {"normal", 0},
};

const char *theme_elem_name(enum theme_elem e)
{
	return (unsigned)e < THEME_ELEM_COUNT ? elem_names[e] : "?";
}

void theme_builtin(struct theme *t, bool use_mono)
{
	if (t)
		memcpy(t->style, use_mono ? mono : dark, sizeof(t->style));
}

void theme_strip_colors(struct theme *t)
{
	size_t i;

	for (i = 0; t && i < THEME_ELEM_COUNT; i++)
		t->style[i].fg = t->style[i].bg = THEME_COLOR_DEFAULT;
}

/* Parses a colour word: 0 with *c, or EINVAL. */
static int parse_color(const char *w, short *c)
{
	const char *num = w;
	size_t i;
	long v = 0;

	if (!strcmp(w, "default")) {
		*c = THEME_COLOR_DEFAULT;
		return 0;
	}
	for (i = 0; i < 8; i++) {
		if (!strcmp(w, color_names[i])) {
			*c = (short)i;
			return 0;
		}
	}
	if (!strncmp(w, "color", 5))
		num = w + 5;
	if (!*num || strlen(num) > 3)
		return EINVAL;
	for (; *num; num++) {
		if (*num < '0' || *num > '9')
			return EINVAL;
		v = v * 10 + (*num - '0');
	}
	if (v > 255)
		return EINVAL;
	*c = (short)v;
	return 0;
}

/* Handles one line; on a mistake writes msg and returns EINVAL (the line changes nothing). */
static int parse_line(struct theme *t, char *line, char *msg, size_t msgsz)
{
	char *p = line, *w, *elem, *fg, *bg, clean[48];
	struct theme_style st;
	size_t i;
	int e = -1;

	w = text_word(&p);
	if (!w || w[0] == '#')
		return 0;
	if (strcmp(w, "color")) {
		text_sanitize(clean, sizeof(clean), w, true);
		text_printf(msg, msgsz, "unknown rule '%s' (expected: color <element> <fg> <bg>)",
		            clean);
		return EINVAL;
	}
	elem = text_word(&p);
	fg = text_word(&p);
	bg = text_word(&p);
	if (!elem || !fg || !bg) {
		text_copy(msg, msgsz, "expected: color <element> <fg> <bg> [attributes]");
		return EINVAL;
	}
	for (i = 0; i < THEME_ELEM_COUNT; i++)
		if (!strcmp(elem, elem_names[i]))
			e = (int)i;
	if (e < 0) {
		text_sanitize(clean, sizeof(clean), elem, true);
		text_printf(msg, msgsz, "unknown element '%s'", clean);
		return EINVAL;
	}
	memset(&st, 0, sizeof(st));
	if (parse_color(fg, &st.fg) || parse_color(bg, &st.bg)) {
		text_sanitize(clean, sizeof(clean), parse_color(fg, &st.fg) ? fg : bg, true);
		text_printf(msg, msgsz, "unknown color '%s'", clean);
		return EINVAL;
	}
	while ((w = text_word(&p)) != NULL) {
		char *a = w;

		if (w[0] == '#')
			break;
		/* Attributes may also be written bold,reverse. */
		while (a && *a) {
			char *comma = strchr(a, ',');
			bool found = false;

			if (comma)
				*comma = '\0';
			for (i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]); i++) {
				if (!strcmp(a, attr_names[i].name)) {
					st.attrs |= attr_names[i].bit;
					found = true;
				}
			}
			if (!found) {
				text_sanitize(clean, sizeof(clean), a, true);
				text_printf(msg, msgsz, "unknown attribute '%s'", clean);
				return EINVAL;
			}
			a = comma ? comma + 1 : NULL;
		}
	}
	t->style[e] = st;
	return 0;
}

unsigned theme_parse(struct theme *t, const char *name, const char *text, size_t len,
                     theme_warn_h *warnh, void *arg)
{
	char line[THEME_LINE_MAX], msg[160];
	unsigned lineno = 0, warnings = 0;
	size_t pos = 0;

	if (!t || !text)
		return 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - (text + pos)) : len - pos;

		lineno++;
		msg[0] = '\0';
		if (llen >= sizeof(line)) {
			text_copy(msg, sizeof(msg), "line too long, ignored");
		} else if (memchr(text + pos, '\0', llen)) {
			text_copy(msg, sizeof(msg), "line contains a NUL byte, ignored");
		} else {
			memcpy(line, text + pos, llen);
			line[llen] = '\0';
			if (llen && line[llen - 1] == '\r')
				line[llen - 1] = '\0';
			(void)parse_line(t, line, msg, sizeof(msg));
		}
		if (msg[0]) {
			warnings++;
			if (warnh)
				warnh(name, lineno, msg, arg);
		}
		pos += llen + (nl ? 1 : 0);
	}
	return warnings;
}

int theme_load(struct theme *t, const char *path, theme_warn_h *warnh, void *arg,
               unsigned *warnings)
{
	FILE *f;
	char *buf;
	size_t n;
	int err = 0;
	unsigned w;

	if (warnings)
		*warnings = 0;
	if (!t || !path)
		return EINVAL;
	f = fopen(path, "rb");
	if (!f)
		return errno;
	buf = malloc(THEME_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return ENOMEM;
	}
	n = fread(buf, 1, THEME_FILE_MAX + 1, f);
	if (ferror(f)) {
		err = EIO;
	} else if (n > THEME_FILE_MAX) {
		err = EFBIG;
	} else {
		w = theme_parse(t, path, buf, n, warnh, arg);
		if (warnings)
			*warnings = w;
	}
	free(buf);
	fclose(f);
	return err;
}

/* RGB of the xterm 256-colour palette entry c (16..255). */
static void rgb_of(short c, int *r, int *g, int *b)
{
	static const int level[6] = {0, 95, 135, 175, 215, 255};

	if (c >= 232) {
		*r = *g = *b = 8 + 10 * (c - 232);
		return;
	}
	c = (short)(c - 16);
	*r = level[c / 36];
	*g = level[(c / 6) % 6];
	*b = level[c % 6];
}

short theme_degrade(short color, int ncolors)
{
	int r, g, b, hi, lo;

	if (color < 0 || color > 255)
		return THEME_COLOR_DEFAULT;
	if (ncolors >= 256 || color < 8)
		return color;
	if (color < 16) {
		if (ncolors >= 16)
			return color;
		/* Bright grey (8) would become black, invisible on dark terminals: white. */
		return color == 8 ? 7 : (short)(color - 8);
	}
	rgb_of(color, &r, &g, &b);
	hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
	lo = r < g ? (r < b ? r : b) : (g < b ? g : b);
	if (hi - lo < 40) /* a grey */
		return hi >= 96 ? 7 : 0;
	/* Each channel that is close to the brightest one is on. */
	return (short)((r * 2 >= hi + lo && r >= 96 ? 1 : 0) |
	               (g * 2 >= hi + lo && g >= 96 ? 2 : 0) |
	               (b * 2 >= hi + lo && b >= 96 ? 4 : 0));
}

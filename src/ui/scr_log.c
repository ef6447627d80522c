/*
 * The log screen: the tail of loftdial's own log file, following it as it grows.
 *
 * The file is watched with inotify through the loop (no polling): when it grows, the new
 * lines are read from where the last read stopped; when it shrinks (rotated or truncated),
 * the tail is read again. Only the last LOG_KEEP lines are kept. Lines are drawn through
 * ui_text(), so whatever ended up in the log cannot reach the terminal raw.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <re.h>

#include "loftdial/text.h"

#include "screen.h"

#define LOG_KEEP 2000
#define LOG_TAIL (256 * 1024) /* bytes read back on open */
#define LOG_LINE 1024

struct logscr {
	struct ui *ui;
	char (*lines)[LOG_LINE]; /* ring of LOG_KEEP lines */
	size_t first;            /* ring index of the oldest line */
	struct ui_list list;
	long long offset; /* bytes of the file read so far */
	char partial[LOG_LINE];
	int ifd;
	int rows;
};

/* Line i (0 = oldest kept). */
static const char *line_at(const struct logscr *l, size_t i)
{
	return l->lines[(l->first + i) % LOG_KEEP];
}

/* Adds one complete line to the ring. */
static void push_line(struct logscr *l, const char *s)
{
	if (l->list.count < LOG_KEEP) {
		text_copy(l->lines[(l->first + l->list.count) % LOG_KEEP], LOG_LINE, s);
		l->list.count++;
	} else {
		text_copy(l->lines[l->first], LOG_LINE, s);
		l->first = (l->first + 1) % LOG_KEEP;
		if (l->list.sel > 0 && !l->list.follow)
			l->list.sel--;
	}
}

/* Splits a chunk of the file into lines, keeping an unfinished last line for later. */
static void add_bytes(struct logscr *l, const char *buf, size_t n)
{
	size_t i, plen = strlen(l->partial);

	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			l->partial[plen] = '\0';
			push_line(l, l->partial);
			plen = 0;
			l->partial[0] = '\0';
		} else if (plen + 1 < sizeof(l->partial)) {
			l->partial[plen++] = buf[i] ? buf[i] : '?';
		}
	}
	l->partial[plen] = '\0';
}

/* Reads what was added to the file since the last read (or its tail, the first time or
 * after it shrank). */
static void read_more(struct logscr *l)
{
	const char *path = ui_paths(l->ui)->log_file;
	char buf[16384];
	struct stat sb;
	FILE *f;
	size_t n;

	if (stat(path, &sb))
		return;
	if ((long long)sb.st_size < l->offset) {
		l->list.count = l->first = 0;
		l->partial[0] = '\0';
		l->offset = 0;
	}
	f = fopen(path, "rb");
	if (!f)
		return;
	if (l->offset == 0 && sb.st_size > LOG_TAIL) {
		/* Start at the first whole line of the tail. */
		l->offset = (long long)sb.st_size - LOG_TAIL;
		if (fseeko(f, (off_t)l->offset, SEEK_SET) == 0) {
			int c;

			while ((c = fgetc(f)) != EOF && c != '\n')
				l->offset++;
			l->offset++;
		}
	}
	if (fseeko(f, (off_t)l->offset, SEEK_SET) == 0) {
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
			add_bytes(l, buf, n);
			l->offset += (long long)n;
		}
	}
	fclose(f);
	ui_list_fit(&l->list, l->rows);
}

/* inotify says the file changed. */
static void on_change(int flags, void *arg)
{
	struct logscr *l = arg;
	char ev[4096];

	while (read(l->ifd, ev, sizeof(ev)) > 0)
		;
	read_more(l);
	ui_dirty(l->ui);
}

static int logscr_open(struct ui *ui, void **state)
{
	struct logscr *l = calloc(1, sizeof(*l));

	if (!l)
		return ENOMEM;
	l->lines = calloc(LOG_KEEP, sizeof(*l->lines));
	if (!l->lines) {
		free(l);
		return ENOMEM;
	}
	l->ui = ui;
	l->list.follow = true;
	l->rows = 1;
	l->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (l->ifd >= 0 && (inotify_add_watch(l->ifd, ui_paths(ui)->log_file, IN_MODIFY) < 0 ||
	                    fd_listen(l->ifd, FD_READ, on_change, l))) {
		close(l->ifd);
		l->ifd = -1;
	}
	if (l->ifd < 0)
		ui_status(ui, THEME_WARNING, "cannot watch %s: it will not follow",
		          ui_paths(ui)->log_file);
	read_more(l);
	*state = l;
	return 0;
}

static void logscr_resize(struct ui *ui, void *state, int rows, int cols)
{
	struct logscr *l = state;

	l->rows = rows;
	ui_list_fit(&l->list, rows);
}

static int logscr_key(struct ui *ui, void *state, int action)
{
	struct logscr *l = state;

	return ui_list_key(&l->list, action, l->rows);
}

static int logscr_search(struct ui *ui, void *state, const char *text)
{
	struct logscr *l = state;
	size_t i, n = l->list.count;

	/* Backwards from the selected line: the newest match first. */
	for (i = 1; i <= n; i++) {
		size_t k = (l->list.sel + n - i) % n;

		if (strstr(line_at(l, k), text)) {
			l->list.sel = k;
			l->list.follow = false;
			ui_list_fit(&l->list, l->rows);
			return UI_REDRAW;
		}
	}
	ui_status(ui, THEME_WARNING, "not found: %s", text);
	return UI_REDRAW;
}

/* The colour of a log line from its level word. */
static enum theme_elem line_elem(const char *s)
{
	const char *sp = strchr(s, ' ');

	if (!sp)
		return THEME_DEFAULT;
	if (!strncmp(sp + 1, "ERROR ", 6))
		return THEME_ERROR;
	if (!strncmp(sp + 1, "WARN ", 5))
		return THEME_WARNING;
	if (!strncmp(sp + 1, "DEBUG ", 6))
		return THEME_MUTED;
	return THEME_DEFAULT;
}

static void logscr_draw(struct ui *ui, void *state, WINDOW *w, int rows, int cols)
{
	struct logscr *l = state;
	int y;

	if (l->list.count == 0) {
		ui_textf(ui, w, 0, 1, cols - 1, false, "The log %s is empty.",
		         ui_paths(ui)->log_file);
		return;
	}
	for (y = 0; y < rows && l->list.top + (size_t)y < l->list.count; y++) {
		size_t i = l->list.top + (size_t)y;
		attr_t a =
		        ui_attr(ui, i == l->list.sel && !l->list.follow ? THEME_SELECTED
		                                                        : line_elem(line_at(l, i)));

		wattron(w, a);
		ui_text(ui, w, y, 0, cols, line_at(l, i), i == l->list.sel && !l->list.follow);
		wattroff(w, a);
	}
}

static void logscr_close(struct ui *ui, void *state)
{
	struct logscr *l = state;

	if (l->ifd >= 0) {
		fd_close(l->ifd);
		close(l->ifd);
	}
	free(l->lines);
	free(l);
}

const struct screen_ops screen_log = {
        .name = "log",
        .title = "Log",
        .keys = "5 L",
        .about = "The end of loftdial's own log file, following it as it grows (G or End "
                 "goes back to following). Warnings and errors are coloured.",
        .open = logscr_open,
        .key = logscr_key,
        .draw = logscr_draw,
        .resize = logscr_resize,
        .search = logscr_search,
        .close = logscr_close,
};

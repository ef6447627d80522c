/*
 * The log screen: the tail of loftdial's own log file, following it as it grows.
 *
 * The file is watched with inotify through the loop (no polling): when it grows, the new
 * lines are read from where the last read stopped. The lines read and that offset outlive the
 * screen (its ui_keep() slot), so opening it again reads only what was appended meanwhile,
 * not the tail again. When the file shrank (truncated) or is another file (rotated: another
 * inode at the path), or more than LOG_TAIL bytes came meanwhile, the tail is read afresh.
 * Only the last LOG_KEEP lines are kept. Lines are drawn through ui_text(), so whatever
 * ended up in the log cannot reach the terminal raw.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <re.h>

#include "loftdial/log.h"
#include "loftdial/text.h"

#include "screen.h"

#define LOG_KEEP 2000
#define LOG_TAIL (256 * 1024) /* bytes read back when starting afresh */
#define LOG_LINE 1024

/* What the screen keeps between its openings: the lines read and where reading stopped. */
struct logkeep {
	char (*lines)[LOG_LINE]; /* ring of LOG_KEEP lines */
	size_t first;            /* ring index of the oldest line */
	size_t count;
	long long offset; /* bytes of the file read so far */
	dev_t dev;        /* the file read (a rotation puts another one at the path) */
	ino_t ino;
	char partial[LOG_LINE];
};

struct logscr {
	struct ui *ui;
	struct logkeep *k;
	struct ui_list list;
	int ifd;
	int rows;
};

/* Line i (0 = oldest kept). */
static const char *line_at(const struct logscr *l, size_t i)
{
	return l->k->lines[(l->k->first + i) % LOG_KEEP];
}

/* Adds one complete line to the ring. */
static void push_line(struct logscr *l, const char *s)
{
	struct logkeep *k = l->k;

	if (k->count < LOG_KEEP) {
		text_copy(k->lines[(k->first + k->count) % LOG_KEEP], LOG_LINE, s);
		k->count++;
	} else {
		text_copy(k->lines[k->first], LOG_LINE, s);
		k->first = (k->first + 1) % LOG_KEEP;
		if (l->list.sel > 0 && !l->list.follow)
			l->list.sel--;
	}
}

/* Splits a chunk of the file into lines, keeping an unfinished last line for later. */
static void add_bytes(struct logscr *l, const char *buf, size_t n)
{
	char *partial = l->k->partial;
	size_t i, plen = strlen(partial);

	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			partial[plen] = '\0';
			push_line(l, partial);
			plen = 0;
			partial[0] = '\0';
		} else if (plen + 1 < LOG_LINE) {
			partial[plen++] = buf[i] ? buf[i] : '?';
		}
	}
	partial[plen] = '\0';
}

/* Forgets every line: the next read starts at the tail. */
static void start_afresh(struct logscr *l)
{
	l->k->count = l->k->first = 0;
	l->k->partial[0] = '\0';
	l->k->offset = 0;
	l->list.count = l->list.top = l->list.sel = 0;
}

/* Reads what was added to the file since the last read (or its tail, the first time, after
 * it shrank or was replaced, or when more than LOG_TAIL bytes came); returns the bytes read. */
static long long read_more(struct logscr *l)
{
	struct logkeep *k = l->k;
	char buf[16384];
	struct stat sb;
	long long got = 0;
	FILE *f;
	size_t n;

	f = fopen(ui_paths(l->ui)->log_file, "rb");
	if (!f)
		return 0;
	if (fstat(fileno(f), &sb)) {
		fclose(f);
		return 0;
	}
	if (k->offset > 0 &&
	    (sb.st_dev != k->dev || sb.st_ino != k->ino || (long long)sb.st_size < k->offset ||
	     (long long)sb.st_size - k->offset > LOG_TAIL))
		start_afresh(l);
	k->dev = sb.st_dev;
	k->ino = sb.st_ino;
	if (k->offset == 0 && sb.st_size > LOG_TAIL) {
		/* Start at the first whole line of the tail. */
		k->offset = (long long)sb.st_size - LOG_TAIL;
		if (fseeko(f, (off_t)k->offset, SEEK_SET) == 0) {
			int c;

			while ((c = fgetc(f)) != EOF && c != '\n')
				k->offset++;
			k->offset++;
		}
	}
	if (fseeko(f, (off_t)k->offset, SEEK_SET) == 0) {
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
			add_bytes(l, buf, n);
			k->offset += (long long)n;
			got += (long long)n;
		}
	}
	fclose(f);
	l->list.count = k->count;
	ui_list_fit(&l->list, l->rows);
	return got;
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

/* The kept lines, made on the first opening. */
static struct logkeep *kept(struct ui *ui)
{
	void **slot = ui_keep(ui, &screen_log);
	struct logkeep *k;

	if (!slot)
		return NULL;
	if (*slot)
		return *slot;
	k = calloc(1, sizeof(*k));
	if (k)
		k->lines = calloc(LOG_KEEP, sizeof(*k->lines));
	if (!k || !k->lines) {
		free(k);
		return NULL;
	}
	*slot = k;
	return k;
}

static int logscr_open(struct ui *ui, void **state)
{
	struct logscr *l = calloc(1, sizeof(*l));
	long long got;

	if (!l)
		return ENOMEM;
	l->k = kept(ui);
	if (!l->k) {
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
	/* At debug level, what the opening cost (a test checks an opening again reads only what
	 * is new). Not per reading: the line would itself be a change to read. */
	got = read_more(l);
	log_debug("ui", "log screen: read %lld bytes on opening, up to %lld", got, l->k->offset);
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
	free(l);
}

static void logscr_forget(void *kept_lines)
{
	struct logkeep *k = kept_lines;

	free(k->lines);
	free(k);
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
        .forget = logscr_forget,
};

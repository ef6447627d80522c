/*
 * session_e2e: times the dial session from the SIP answer at the phone to the frame on the
 * rep's terminal (see session_e2e.h).
 *
 * Both ends are read from outside loftdial, on CLOCK_MONOTONIC, which every process on the
 * machine shares: the sandbox's simulated phones note when each 200 OK left and when each
 * CANCEL arrived (GET /_sandbox/phones/timeline), and this process reads the TUI's
 * pseudo-terminal, keeps a shadow of the screen from the bytes (the sequences ncurses sends to
 * an xterm-256color terminal) and notes the time of the read after which the lane's row says
 * "connected" with the number released. Every number of the org rings held (ring=held) until
 * the bench releases one, so each answer comes when every line of the round is ringing; the
 * release request runs on a thread while this one keeps reading, so nothing delays the read.
 *
 * A round: wait until every line rings, release one number, time the frame, read the other
 * phones' CANCELs, hang up (x), discard the call in the picker (C-x y), which dials the next
 * round. Nothing is logged, so every person stays due: the rep's call tasks are the list, and
 * when a session has dialled them all (a number is dialled once per session) the bench opens
 * the list again in a new session.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <sqlite3.h>

#include "session_e2e.h"
#include "synctest.h"

#define VT_ROWS_MAX 60
#define VT_COLS_MAX 200
#define ROUND_MAX   9
#define HELD_SPEC   "{\"behaviour\":\"human ring=held\"}"

/* ---- a shadow of the terminal ---- */

struct vt {
	int rows, cols, y, x, top, bot, sy, sx;
	bool wrapnext;
	uint32_t last; /* the last character put (REP) */
	uint32_t cell[VT_ROWS_MAX][VT_COLS_MAX];
	int state; /* 0 ground, 1 ESC, 2 CSI, 3 OSC, 4 OSC after ESC, 5 charset byte */
	char par[64];
	size_t npar;
	uint32_t cp;
	int u8left;
};

static void vt_clear_cells(struct vt *v, int y, int x0, int x1)
{
	for (int x = x0; x < x1 && x < v->cols; x++)
		v->cell[y][x] = ' ';
}

static void vt_init(struct vt *v, int rows, int cols)
{
	memset(v, 0, sizeof(*v));
	v->rows = rows;
	v->cols = cols;
	v->bot = rows - 1;
	for (int y = 0; y < rows; y++)
		vt_clear_cells(v, y, 0, cols);
}

/* Scrolls rows top..bot up (n > 0) or down (n < 0) by |n|. */
static void vt_scroll(struct vt *v, int top, int bot, int n)
{
	int h = bot - top + 1;

	if (n > h)
		n = h;
	if (n < -h)
		n = -h;
	if (n > 0) {
		memmove(&v->cell[top], &v->cell[top + n], sizeof(v->cell[0]) * (size_t)(h - n));
		for (int y = bot - n + 1; y <= bot; y++)
			vt_clear_cells(v, y, 0, v->cols);
	} else if (n < 0) {
		memmove(&v->cell[top - n], &v->cell[top], sizeof(v->cell[0]) * (size_t)(h + n));
		for (int y = top; y < top - n; y++)
			vt_clear_cells(v, y, 0, v->cols);
	}
}

static void vt_linefeed(struct vt *v)
{
	if (v->y == v->bot)
		vt_scroll(v, v->top, v->bot, 1);
	else if (v->y < v->rows - 1)
		v->y++;
}

static void vt_put(struct vt *v, uint32_t c)
{
	int w = wcwidth((wchar_t)c);

	if (w == 0)
		return;
	if (w < 0)
		w = 1;
	if (v->wrapnext) {
		v->x = 0;
		vt_linefeed(v);
		v->wrapnext = false;
	}
	if (v->x + w > v->cols) {
		v->x = 0;
		vt_linefeed(v);
	}
	v->cell[v->y][v->x] = c;
	if (w == 2)
		v->cell[v->y][v->x + 1] = ' ';
	v->last = c;
	v->x += w;
	if (v->x >= v->cols) {
		v->x = v->cols - 1;
		v->wrapnext = true;
	}
}

static int par_n(const struct vt *v, int i, int def)
{
	const char *p = v->par;
	int k = 0;

	while (*p && (*p < '0' || *p > '9') && *p != ';')
		p++; /* a private marker */
	for (; k < i && *p; p++)
		if (*p == ';')
			k++;
	if (k < i || !isdigit((unsigned char)*p))
		return def;
	return atoi(p) ? atoi(p) : def;
}

static int clamp(int a, int lo, int hi)
{
	return a < lo ? lo : a > hi ? hi : a;
}

/* One CSI sequence (its final byte f; parameters in v->par). */
static void vt_csi(struct vt *v, char f)
{
	int n = par_n(v, 0, 1), y, x;

	if (v->par[0] == '?' || v->par[0] == '>' || v->par[0] == '=')
		return; /* private modes and queries: nothing on the screen */
	v->wrapnext = false;
	switch (f) {
	case 'A':
		v->y = clamp(v->y - n, 0, v->rows - 1);
		break;
	case 'B':
	case 'e':
		v->y = clamp(v->y + n, 0, v->rows - 1);
		break;
	case 'C':
	case 'a':
		v->x = clamp(v->x + n, 0, v->cols - 1);
		break;
	case 'D':
		v->x = clamp(v->x - n, 0, v->cols - 1);
		break;
	case 'E':
		v->y = clamp(v->y + n, 0, v->rows - 1);
		v->x = 0;
		break;
	case 'F':
		v->y = clamp(v->y - n, 0, v->rows - 1);
		v->x = 0;
		break;
	case 'G':
	case '`':
		v->x = clamp(n - 1, 0, v->cols - 1);
		break;
	case 'd':
		v->y = clamp(n - 1, 0, v->rows - 1);
		break;
	case 'H':
	case 'f':
		v->y = clamp(par_n(v, 0, 1) - 1, 0, v->rows - 1);
		v->x = clamp(par_n(v, 1, 1) - 1, 0, v->cols - 1);
		break;
	case 'J':
		n = par_n(v, 0, 0);
		if (n == 0) {
			vt_clear_cells(v, v->y, v->x, v->cols);
			for (y = v->y + 1; y < v->rows; y++)
				vt_clear_cells(v, y, 0, v->cols);
		} else if (n == 1) {
			for (y = 0; y < v->y; y++)
				vt_clear_cells(v, y, 0, v->cols);
			vt_clear_cells(v, v->y, 0, v->x + 1);
		} else {
			for (y = 0; y < v->rows; y++)
				vt_clear_cells(v, y, 0, v->cols);
		}
		break;
	case 'K':
		n = par_n(v, 0, 0);
		if (n == 0)
			vt_clear_cells(v, v->y, v->x, v->cols);
		else if (n == 1)
			vt_clear_cells(v, v->y, 0, v->x + 1);
		else
			vt_clear_cells(v, v->y, 0, v->cols);
		break;
	case 'X':
		vt_clear_cells(v, v->y, v->x, v->x + n);
		break;
	case '@':
		n = clamp(n, 0, v->cols - v->x);
		memmove(&v->cell[v->y][v->x + n], &v->cell[v->y][v->x],
		        sizeof(uint32_t) * (size_t)(v->cols - v->x - n));
		vt_clear_cells(v, v->y, v->x, v->x + n);
		break;
	case 'P':
		n = clamp(n, 0, v->cols - v->x);
		memmove(&v->cell[v->y][v->x], &v->cell[v->y][v->x + n],
		        sizeof(uint32_t) * (size_t)(v->cols - v->x - n));
		vt_clear_cells(v, v->y, v->cols - n, v->cols);
		break;
	case 'L':
		if (v->y >= v->top && v->y <= v->bot)
			vt_scroll(v, v->y, v->bot, -n);
		break;
	case 'M':
		if (v->y >= v->top && v->y <= v->bot)
			vt_scroll(v, v->y, v->bot, n);
		break;
	case 'S':
		vt_scroll(v, v->top, v->bot, n);
		break;
	case 'T':
		vt_scroll(v, v->top, v->bot, -n);
		break;
	case 'r':
		v->top = clamp(par_n(v, 0, 1) - 1, 0, v->rows - 1);
		v->bot = clamp(par_n(v, 1, v->rows) - 1, v->top, v->rows - 1);
		v->y = v->x = 0;
		break;
	case 'b':
		for (x = 0; x < n && x < v->cols; x++)
			vt_put(v, v->last);
		break;
	case 's':
		v->sy = v->y;
		v->sx = v->x;
		break;
	case 'u':
		v->y = v->sy;
		v->x = v->sx;
		break;
	default: /* m (colours), h/l, n, t, c...: nothing on the screen */
		break;
	}
}

/* Feeds bytes the program wrote. */
static void vt_feed(struct vt *v, const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		switch (v->state) {
		case 1: /* after ESC */
			v->state = 0;
			if (c == '[') {
				v->state = 2;
				v->npar = 0;
				v->par[0] = '\0';
			} else if (c == ']') {
				v->state = 3;
			} else if (c == '(' || c == ')' || c == '*' || c == '+') {
				v->state = 5;
			} else if (c == '7') {
				v->sy = v->y;
				v->sx = v->x;
			} else if (c == '8') {
				v->y = v->sy;
				v->x = v->sx;
			} else if (c == 'M') {
				if (v->y == v->top)
					vt_scroll(v, v->top, v->bot, -1);
				else if (v->y > 0)
					v->y--;
			} else if (c == 'D') {
				vt_linefeed(v);
			} else if (c == 'E') {
				v->x = 0;
				vt_linefeed(v);
			} else if (c == 'c') {
				vt_init(v, v->rows, v->cols);
			}
			continue;
		case 2: /* CSI */
			if (c >= 0x40 && c <= 0x7e) {
				v->state = 0;
				vt_csi(v, (char)c);
			} else if (v->npar + 1 < sizeof(v->par)) {
				v->par[v->npar++] = (char)c;
				v->par[v->npar] = '\0';
			}
			continue;
		case 3: /* OSC until BEL or ESC \ */
			if (c == 7)
				v->state = 0;
			else if (c == 0x1b)
				v->state = 4;
			continue;
		case 4:
			v->state = c == '\\' ? 0 : 3;
			continue;
		case 5: /* the charset's name */
			v->state = 0;
			continue;
		default:
			break;
		}
		if (v->u8left && (c & 0xc0) == 0x80) {
			v->cp = (v->cp << 6) | (c & 0x3f);
			if (--v->u8left == 0)
				vt_put(v, v->cp);
			continue;
		}
		v->u8left = 0;
		if (c == 0x1b) {
			v->state = 1;
		} else if (c == '\r') {
			v->x = 0;
			v->wrapnext = false;
		} else if (c == '\n' || c == '\v' || c == '\f') {
			vt_linefeed(v);
			v->wrapnext = false;
		} else if (c == '\b') {
			if (v->x > 0)
				v->x--;
			v->wrapnext = false;
		} else if (c == '\t') {
			v->x = clamp((v->x / 8 + 1) * 8, 0, v->cols - 1);
		} else if (c < 0x20 || c == 0x7f) {
			/* BEL, SO, SI: nothing on the screen */
		} else if (c < 0x80) {
			vt_put(v, c);
		} else if ((c & 0xe0) == 0xc0) {
			v->cp = c & 0x1f;
			v->u8left = 1;
		} else if ((c & 0xf0) == 0xe0) {
			v->cp = c & 0x0f;
			v->u8left = 2;
		} else if ((c & 0xf8) == 0xf0) {
			v->cp = c & 0x07;
			v->u8left = 3;
		}
	}
}

/* Row y as ASCII (anything else is '?'). */
static void vt_row(const struct vt *v, int y, char *out)
{
	int x;

	for (x = 0; x < v->cols; x++) {
		uint32_t c = v->cell[y][x];

		out[x] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[x] = '\0';
}

static bool vt_has(const struct vt *v, const char *needle)
{
	char row[VT_COLS_MAX + 1];

	for (int y = 0; y < v->rows; y++) {
		vt_row(v, y, row);
		if (strstr(row, needle))
			return true;
	}
	return false;
}

/* Whether a lane's row ("L<n> connected ...") shows the call to number connected. */
static bool vt_lane_connected(const struct vt *v, const char *number)
{
	char row[VT_COLS_MAX + 1];

	for (int y = 0; y < v->rows; y++) {
		const char *p;

		vt_row(v, y, row);
		if (number && !strstr(row, number))
			continue;
		for (p = row; (p = strstr(p, " connected")) != NULL; p++)
			if (p - row >= 2 && p[-2] == 'L' && isdigit((unsigned char)p[-1]))
				return true;
	}
	return false;
}

/* ---- the run ---- */

struct ctx {
	struct sbxt sbx;
	struct st_home h;
	int sip_base, ctrl_base;
	char phones[64]; /* "127.0.0.1:PORT" */
	int fd;          /* the TUI's pseudo-terminal */
	pid_t pid;
	struct vt vt;
	bool verbose;
};

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Reads the terminal until pred holds or ms pass; *at (may be NULL) gets the time of the read
 * after which it held. true when it held. */
static bool pump(struct ctx *c, int ms, bool (*pred)(const struct vt *, const char *),
                 const char *arg, int64_t *at)
{
	int64_t end = mono_us() + (int64_t)ms * 1000;
	unsigned char buf[65536];

	if (pred && pred(&c->vt, arg)) {
		if (at)
			*at = mono_us();
		return true;
	}
	for (;;) {
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int64_t left = end - mono_us();
		ssize_t n;

		if (left <= 0)
			return false;
		if (poll(&p, 1, (int)(left / 1000) + 1) <= 0)
			continue;
		n = read(c->fd, buf, sizeof(buf));
		if (n <= 0)
			return false;
		vt_feed(&c->vt, buf, (size_t)n);
		if (pred && pred(&c->vt, arg)) {
			if (at)
				*at = mono_us();
			return true;
		}
	}
}

static bool keys(struct ctx *c, const char *s)
{
	size_t n = strlen(s);

	return write(c->fd, s, n) == (ssize_t)n;
}

/* Waits for text on the screen; says so on stderr when it never comes. */
static bool wait_text(struct ctx *c, const char *text, int ms)
{
	if (pump(c, ms, vt_has, text, NULL))
		return true;
	fprintf(stderr, "session_e2e: the screen never showed \"%s\"; it shows:\n", text);
	for (int y = 0; y < c->vt.rows; y++) {
		char row[VT_COLS_MAX + 1];

		vt_row(&c->vt, y, row);
		fprintf(stderr, "  |%s|\n", row);
	}
	return false;
}

/* Engine ports for nine lines: SIP base+10*i (and +1), control base+i, reserved. */
static int port_block(int *sip_base, int *ctrl_base)
{
	tl_seed();
	for (int tries = 0; tries < 400; tries++) {
		int sb = 10000 + 100 * (rand() % 80), cb = 19000 + 10 * (rand() % 90);
		int ports[27];
		unsigned n = 0;
		bool ok = true;

		for (int i = 1; i <= 9; i++) {
			ports[n++] = sb + 10 * i;
			ports[n++] = sb + 10 * i + 1;
			ports[n++] = cb + i;
		}
		if (!tl_port_reserve(ports, n))
			continue;
		for (int i = 1; i <= 9 && ok; i++)
			ok = tl_port_is_free(SOCK_DGRAM, sb + 10 * i) &&
			     tl_port_is_free(SOCK_STREAM, sb + 10 * i) &&
			     tl_port_is_free(SOCK_STREAM, sb + 10 * i + 1) &&
			     tl_port_is_free(SOCK_STREAM, cb + i);
		if (ok) {
			*sip_base = sb;
			*ctrl_base = cb;
			return 0;
		}
		tl_port_release_last(n);
	}
	return EADDRINUSE;
}

/* The sandbox with its phones, every port picked by the kernel. */
static int sandbox_start(struct ctx *c, unsigned people)
{
	char npeople[16], line[512], *p;
	const char *argv[] = {tl_env("LOFTDIAL_SANDBOX_BIN", "loftdial-sandbox"),
	                      "--listen",
	                      "127.0.0.1:0",
	                      "--people",
	                      npeople,
	                      "--users",
	                      "1",
	                      "--rate-limit",
	                      "0",
	                      "--sip",
	                      "127.0.0.1:0",
	                      NULL};
	int err;

	snprintf(npeople, sizeof(npeople), "%u", people);
	err = tl_spawn(&c->sbx.proc, (char *const *)argv, NULL, NULL);
	if (!err)
		err = tl_wait_line(&c->sbx.proc, "phones ready sip=", 60000, line, sizeof(line));
	if (!err) {
		p = strstr(line, "sip=") + 4;
		p[strcspn(p, " \r\n")] = '\0';
		snprintf(c->phones, sizeof(c->phones), "%s", p);
		err = tl_wait_line(&c->sbx.proc, "sandbox ready api=", 60000, line, sizeof(line));
	}
	if (err) {
		fprintf(stderr, "session_e2e: the sandbox did not start (%s)\n", strerror(err));
		return err;
	}
	p = strstr(line, "api=") + 4;
	p[strcspn(p, " \r\n")] = '\0';
	snprintf(c->sbx.base, sizeof(c->sbx.base), "%s", p);
	return 0;
}

/* Every number of every person in the store rings until released. */
static int hold_every_number(struct ctx *c)
{
	sqlite3 *db = st_db(&c->h);
	sqlite3_stmt *stmt = NULL;
	int err = 0;

	if (!db || sqlite3_prepare_v2(db,
	                              "SELECT phone FROM sl_people UNION SELECT mobile_phone FROM "
	                              "sl_people UNION SELECT home_phone FROM sl_people",
	                              -1, &stmt, NULL) != SQLITE_OK) {
		err = EIO;
		goto out;
	}
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const unsigned char *num = sqlite3_column_text(stmt, 0);
		char digits[40], path[80];
		size_t n = 0;

		for (; num && *num && n + 1 < sizeof(digits); num++)
			if (isdigit(*num))
				digits[n++] = (char)*num;
		digits[n] = '\0';
		if (n < 3)
			continue;
		/* A national number (10 digits) is dialled with the default country's code, 1. */
		for (int k = n == 10 ? 0 : 1; k < 2; k++) {
			snprintf(path, sizeof(path), "/_sandbox/phones/+%s%s", k ? "" : "1",
			         digits);
			if (sbxt_admin(&c->sbx, "PUT", path, HELD_SPEC, NULL) != 200) {
				fprintf(stderr, "session_e2e: could not hold %s\n", path);
				err = EIO;
				goto out;
			}
		}
	}
out:
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return err;
}

/* The TUI on a pseudo-terminal of cols x rows. */
static int tui_start(struct ctx *c, int cols, int rows)
{
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
	const char *bin = tl_env("LOFTDIAL_BIN", "loftdial");

	vt_init(&c->vt, rows, cols);
	c->pid = forkpty(&c->fd, NULL, NULL, &ws);
	if (c->pid < 0)
		return errno;
	if (c->pid == 0) {
		putenv(c->h.env_home);
		putenv(c->h.env_api);
		putenv(c->h.env_acc);
		setenv("HOME", c->h.dir, 1);
		setenv("TERM", "xterm-256color", 1);
		setenv("LANG", "C.UTF-8", 1);
		setenv("LC_ALL", "C.UTF-8", 1);
		setenv("TZ", "UTC", 1);
		unsetenv("NO_COLOR");
		unsetenv("LOFTDIAL_API_KEY");
		execl(bin, bin, (char *)NULL);
		_exit(127);
	}
	return wait_text(c, "loftdial | Home", 30000) ? 0 : ETIMEDOUT;
}

/* Quits the TUI (Q, twice when a call is live) and reaps it. */
static void tui_stop(struct ctx *c)
{
	int status;

	if (c->pid <= 0)
		return;
	(void)keys(c, "Q");
	if (pump(c, 2000, vt_has, "again", NULL))
		(void)keys(c, "Q");
	for (int i = 0; i < 200 && waitpid(c->pid, &status, WNOHANG) == 0; i++)
		(void)pump(c, 50, NULL, NULL, NULL);
	if (waitpid(c->pid, &status, WNOHANG) == 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, &status, 0);
	}
	close(c->fd);
	c->pid = 0;
}

/* Opens a session on the rep's call tasks and starts it. */
static bool session_open(struct ctx *c)
{
	(void)keys(c, ":session\r");
	if (!wait_text(c, "No list to dial", 10000))
		return false;
	(void)keys(c, "/tasks\r");
	if (!wait_text(c, "Space starts", 30000))
		return false;
	return keys(c, " ");
}

/* Ends the session (q, twice when a call is live) back to Home. */
static bool session_end(struct ctx *c)
{
	(void)keys(c, "q");
	if (pump(c, 1000, vt_has, "q again", NULL))
		(void)keys(c, "q");
	return wait_text(c, "loftdial | Home", 20000);
}

/* One phone call as the timeline shows it. */
struct tcall {
	unsigned id;
	char number[64], state[16], end[16];
	double answer_us, end_us, invite_us;
};

/* The phones' calls after id (the first cap of them); *maxid (may be NULL) is raised to the
 * highest id of all. -1 when the request failed. */
static int timeline(struct ctx *c, unsigned after, struct tcall *v, int cap, unsigned *maxid)
{
	char path[64];
	cJSON *o = NULL, *arr, *e;
	int n = 0;

	snprintf(path, sizeof(path), "/_sandbox/phones/timeline?after=%u", after);
	if (sbxt_admin(&c->sbx, "GET", path, NULL, &o) != 200 || !o) {
		cJSON_Delete(o);
		return -1;
	}
	arr = cJSON_GetObjectItemCaseSensitive(o, "calls");
	cJSON_ArrayForEach(e, arr)
	{
		struct tcall *t;

		if (maxid && sbxt_num(e, "id") > *maxid)
			*maxid = (unsigned)sbxt_num(e, "id");
		if (n >= cap)
			continue;
		t = &v[n++];
		t->id = (unsigned)sbxt_num(e, "id");
		snprintf(t->number, sizeof(t->number), "%s", sbxt_str(e, "number"));
		snprintf(t->state, sizeof(t->state), "%s", sbxt_str(e, "state"));
		snprintf(t->end, sizeof(t->end), "%s", sbxt_str(e, "end"));
		t->invite_us = sbxt_num(e, "invite_us");
		t->answer_us = sbxt_num(e, "answer_us");
		t->end_us = sbxt_num(e, "end_us");
	}
	cJSON_Delete(o);
	return n;
}

/* The release request, on its own thread while the main one reads the terminal. */
struct release {
	struct sbxt *sbx;
	char body[160];
	long status;
};

static void *release_thread(void *arg)
{
	struct release *r = arg;

	r->status = sbxt_admin(r->sbx, "POST", "/_sandbox/phones/release", r->body, NULL);
	return NULL;
}

/* Samples, grown as needed. */
struct samples {
	double *v;
	size_t n, cap;
};

static void add(struct samples *s, double x)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		double *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = x;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The nearest-rank percentile of sorted samples. */
static double pct(const double *v, size_t n, double p)
{
	size_t k = (size_t)(p / 100.0 * (double)n + 0.999999);

	return v[k == 0 ? 0 : k > n ? n - 1 : k - 1];
}

static void figure(struct samples *s, struct se2e_fig *f)
{
	memset(f, 0, sizeof(*f));
	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_double);
	f->n = s->n;
	f->p50 = pct(s->v, s->n, 50);
	f->p95 = pct(s->v, s->n, 95);
	f->p99 = pct(s->v, s->n, 99);
	f->max = s->v[s->n - 1];
}

/* The calls ringing held after id (the round's), and the highest id seen. */
static int held_after(struct ctx *c, unsigned after, struct tcall *v, int cap, unsigned *maxid)
{
	struct tcall all[64];
	int n = timeline(c, after, all, 64, maxid), k = 0;

	for (int i = 0; i < n; i++) {
		if (!strcmp(all[i].state, "held") && k < cap)
			v[k++] = all[i];
	}
	return n < 0 ? -1 : k;
}

/* One line count: answers rounds. */
static int part(struct ctx *c, const struct se2e_opts *o, unsigned lines, struct se2e_part *res)
{
	struct samples fr = {0}, ca = {0}, cl = {0};
	char num[8];
	unsigned last = 0;
	int err = 0, guard = 0;

	memset(res, 0, sizeof(*res));
	res->lines = lines;
	snprintf(num, sizeof(num), "%u", lines);
	if (st_loftdial(&c->h, false, NULL, 0, 20000, "config", "set", "dial.lines", num, NULL)) {
		fprintf(stderr, "session_e2e: config set dial.lines %u failed\n", lines);
		return EIO;
	}
	(void)held_after(c, 0, NULL, 0, &last); /* calls before this part */
	err = tui_start(c, o->cols, o->rows);
	if (err)
		goto out;
	if (!session_open(c)) {
		err = ETIMEDOUT;
		goto out;
	}
	res->sessions = 1;
	while (res->answers < o->answers) {
		struct tcall ring[ROUND_MAX], after[64];
		struct release rel = {.sbx = &c->sbx};
		unsigned maxid = last;
		int64_t t_frame = 0, quiet_since = mono_us(), end;
		int nheld = 0, prev = -1, n;
		double answer_us = 0, last_cancel = 0;
		pthread_t th;
		bool full, shown;

		if (++guard > (int)o->answers * 4 + 20) {
			fprintf(stderr, "session_e2e: too many rounds without an answer\n");
			err = ETIMEDOUT;
			goto out;
		}
		/* Every line ringing, or the list's end. */
		end = mono_us() + 30000000;
		for (;;) {
			nheld = held_after(c, last, ring, ROUND_MAX, &maxid);
			if (nheld < 0) {
				err = EIO;
				goto out;
			}
			if (nheld != prev)
				quiet_since = mono_us();
			prev = nheld;
			if (nheld >= (int)lines)
				break;
			if (nheld == 0 && vt_has(&c->vt, "the list is done"))
				break;
			/* Fewer lines ring at a list's end; nothing rings once it is all dialled.
			 */
			if (mono_us() - quiet_since > (nheld ? 3000000 : 10000000))
				break;
			if (mono_us() > end) {
				(void)wait_text(c, "(every line ringing)", 0);
				err = ETIMEDOUT;
				goto out;
			}
			(void)pump(c, 20, NULL, NULL, NULL);
		}
		if (nheld == 0) {
			/* The session has dialled its list: every person is still due in a new one.
			 */
			if (!session_end(c) || !session_open(c)) {
				err = ETIMEDOUT;
				goto out;
			}
			res->sessions++;
			last = maxid;
			continue;
		}
		full = nheld >= (int)lines;
		snprintf(rel.body, sizeof(rel.body), "{\"numbers\":[\"%s\"],\"gap_ms\":0}",
		         ring[0].number);
		if (pthread_create(&th, NULL, release_thread, &rel)) {
			err = EAGAIN;
			goto out;
		}
		shown = pump(c, 15000, vt_lane_connected, ring[0].number, &t_frame);
		pthread_join(th, NULL);
		if (rel.status != 200 || !shown) {
			fprintf(stderr, "session_e2e: release of %s: HTTP %ld; %s\n",
			        ring[0].number, rel.status,
			        shown ? "connected" : "never shown connected");
			if (!shown)
				(void)wait_text(c, "(the lane connected)", 0);
			err = ETIMEDOUT;
			goto out;
		}
		/* The other phones of the round: each got its CANCEL (or the deadline passes). */
		end = mono_us() + 15000000;
		do {
			bool live = false;

			n = timeline(c, last, after, 64, &maxid);
			for (int i = 0; i < n; i++)
				live |= strcmp(after[i].state, "ended") &&
				        strcmp(after[i].number, ring[0].number);
			if (!live)
				break;
			(void)pump(c, 20, NULL, NULL, NULL);
		} while (mono_us() < end);
		for (int i = 0; i < n; i++)
			if (after[i].id == ring[0].id)
				answer_us = after[i].answer_us;
		if (answer_us <= 0) {
			fprintf(stderr, "session_e2e: no answer time for %s\n", ring[0].number);
			err = EPROTO;
			goto out;
		}
		if (full) {
			res->answers++;
			add(&fr, ((double)t_frame - answer_us) / 1000.0);
		} else {
			res->partial++;
		}
		for (int i = 0; i < n; i++) {
			bool rang = false;

			if (after[i].id == ring[0].id)
				continue;
			for (int k = 0; k < nheld; k++)
				rang |= after[i].id == ring[k].id;
			if (!rang)
				continue;
			if (!strcmp(after[i].end, "cancel") && after[i].end_us >= answer_us) {
				double ms = (after[i].end_us - answer_us) / 1000.0;

				if (full)
					add(&ca, ms);
				if (ms > last_cancel)
					last_cancel = ms;
			} else if (full) {
				res->lost++;
			}
		}
		if (full && nheld > 1)
			add(&cl, last_cancel);
		if (o->verbose)
			fprintf(stderr,
			        "  %u line(s): %s answered, frame after %.3f ms, %d others, last "
			        "CANCEL after %.3f ms%s\n",
			        lines, ring[0].number, ((double)t_frame - answer_us) / 1000.0,
			        nheld - 1, last_cancel,
			        full ? "" : " (not every line rang: not timed)");
		if (o->verbose)
			for (int i = 0; i < n; i++) {
				bool rang = false;

				for (int k = 0; k < nheld; k++)
					rang |= after[i].id == ring[k].id;
				if (!rang)
					fprintf(stderr, "    not held: %s %s %s\n", after[i].number,
					        after[i].state, after[i].end);
			}
		/* Hang up, then discard the call in the picker (the list keeps the person, so it
		 * never runs out), which dials the next round. */
		last = maxid;
		(void)keys(c, "x");
		if (!wait_text(c, "loftdial | Disposition", 15000)) {
			err = ETIMEDOUT;
			goto out;
		}
		(void)keys(c, "\x18");
		if (!wait_text(c, "Discard this call?", 15000)) {
			err = ETIMEDOUT;
			goto out;
		}
		(void)keys(c, "y");
		if (!wait_text(c, "loftdial | Session", 15000)) {
			err = ETIMEDOUT;
			goto out;
		}
	}
	(void)session_end(c);
out:
	tui_stop(c);
	figure(&fr, &res->frame);
	figure(&ca, &res->cancel);
	figure(&cl, &res->cancel_last);
	free(fr.v);
	free(ca.v);
	free(cl.v);
	return err;
}

int se2e_run(const struct se2e_opts *o, struct se2e_part *parts)
{
	struct ctx *c = calloc(1, sizeof(*c));
	char cfg[1024], out[4096], now[32];
	time_t now_s = time(NULL);
	int err;
	size_t i;

	if (!c)
		return ENOMEM;
	if (!o || !parts || o->nlines > SE2E_PARTS_MAX || o->cols > VT_COLS_MAX ||
	    o->rows > VT_ROWS_MAX) {
		free(c);
		return EINVAL;
	}
	c->verbose = o->verbose;
	signal(SIGPIPE, SIG_IGN);
	/* The gates' clock at 17:00 UTC today: inside calling hours from London to the US west
	 * coast whenever the bench runs. */
	now_s -= now_s % 86400;
	snprintf(now, sizeof(now), "%lld", (long long)(now_s + 17 * 3600));
	setenv("LOFTDIAL_TEST_NOW", now, 1);
	err = port_block(&c->sip_base, &c->ctrl_base);
	if (err) {
		fprintf(stderr, "session_e2e: no free engine ports\n");
		goto out_free;
	}
	err = sandbox_start(c, o->people);
	if (err)
		goto out_free;
	snprintf(cfg, sizeof(cfg),
	         "engine.local_ip 127.0.0.1\nengine.sip_port %d\nengine.ctrl_port %d\n"
	         "sip.dialplan sip:{e164}@%s\naudio.source aubridge,nosrc\n"
	         "audio.player aubridge,noplay\ndial.amd off\ndial.stagger_ms 20\n"
	         "dial.no_zone rep\ndial.abandon_limit 0\nlog.level info\n",
	         c->sip_base, c->ctrl_base, c->phones);
	err = st_home_new(&c->h, &c->sbx, cfg);
	if (err)
		goto out;
	if (st_loftdial(&c->h, false, out, sizeof(out), 30000, "connect", "--api-key", SBXT_API_KEY,
	                NULL) ||
	    st_loftdial(&c->h, false, out, sizeof(out), 120000, "sync", "--quiet", NULL)) {
		fprintf(stderr, "session_e2e: connect or sync failed: %s\n", out);
		err = EIO;
		goto out;
	}
	err = hold_every_number(c);
	for (i = 0; !err && i < o->nlines; i++)
		err = part(c, o, o->lines[i], &parts[i]);
out:
	st_home_free(&c->h);
	if (sbxt_stop(&c->sbx) && !err)
		err = EIO;
out_free:
	unsetenv("LOFTDIAL_TEST_NOW");
	free(c);
	return err;
}

static void print_fig(const char *what, const struct se2e_fig *f)
{
	if (!f->n) {
		printf("  %-44s n=0\n", what);
		return;
	}
	printf("  %-44s n=%-4zu p50 %7.3f  p95 %7.3f  p99 %7.3f  max %7.3f ms\n", what, f->n,
	       f->p50, f->p95, f->p99, f->max);
}

void se2e_print(const struct se2e_part *p, int cols, int rows)
{
	printf("%u line%s, %dx%d, %u answers (%u session%s%s):\n", p->lines,
	       p->lines == 1 ? "" : "s", cols, rows, p->answers, p->sessions,
	       p->sessions == 1 ? "" : "s",
	       p->partial ? ", rounds with fewer lines ringing not timed" : "");
	print_fig("200 OK at the phone -> frame shows connected", &p->frame);
	if (p->lines > 1) {
		print_fig("200 OK -> CANCEL at each other phone", &p->cancel);
		print_fig("200 OK -> CANCEL at the last other phone", &p->cancel_last);
		if (p->lost)
			printf("  other ringing phones that got no CANCEL: %u\n", p->lost);
	}
}

/*
 * term: the terminal's modes before and after the TUI.
 *
 * The modes (termios) are saved before curses starts, and the byte string that undoes what
 * curses did to the screen (leave the alternate screen, show the cursor, reset attributes,
 * leave keypad mode) is worked out from terminfo at start-up. A fatal signal cannot call
 * endwin() (it is not async-signal-safe), so its handler writes that string and restores the
 * saved modes with write() and tcsetattr(), which are, then re-raises the signal with its
 * default action so the crash still dumps core and reports the same status. exit() paths go
 * through an atexit handler that calls endwin().
 */
#include <errno.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <curses.h>
#include <term.h>

#include "loftdial/text.h"

#include "editline.h"
#include "term.h"

/* Bracketed paste on and off (xterm's mode 2004; terminals without it ignore the request). */
#define PASTE_ON  "\033[?2004h"
#define PASTE_OFF "\033[?2004l"

#define ESC_DELAY_MS 25

static const int fatal_sigs[] = {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL};
#define NFATAL (sizeof(fatal_sigs) / sizeof(fatal_sigs[0]))

static struct {
	volatile sig_atomic_t active;
	bool have_modes, atexit_set;
	struct termios modes;
	SCREEN *scr;
	char reset[256]; /* undoes curses' screen state, written by the crash handler */
	size_t reset_len;
	struct sigaction old[NFATAL];
} T;

/* Appends a terminfo string capability to the reset string (when the terminal has it). */
static void add_cap(const char *cap)
{
	char *s = tigetstr((char *)cap);
	size_t len;

	if (!s || s == (char *)-1)
		return;
	len = strlen(s);
	if (T.reset_len + len >= sizeof(T.reset))
		return;
	memcpy(T.reset + T.reset_len, s, len);
	T.reset_len += len;
}

/* The crash handler: put the terminal back, then die of the same signal. */
static void on_fatal(int sig)
{
	if (T.active) {
		T.active = 0;
		if (write(STDOUT_FILENO, T.reset, T.reset_len) < 0) {
			/* Nothing more can be done from here. */
		}
		if (T.have_modes)
			(void)tcsetattr(STDIN_FILENO, TCSANOW, &T.modes);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* exit() while curses still owns the terminal (a library calling exit, a test harness). */
static void on_exit_restore(void)
{
	term_close();
}

bool term_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
}

int term_open(char *msg, size_t n)
{
	const char *termname = getenv("TERM");
	struct sigaction sa;
	size_t i;

	if (T.active)
		return 0;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		text_copy(msg, n, "the TUI needs a terminal on stdin and stdout");
		return ENOTTY;
	}
	if (tcgetattr(STDIN_FILENO, &T.modes) == 0)
		T.have_modes = true;
	/* ncurses reads ESCDELAY at start-up; set_escdelay() below is the authority. */
	T.scr = newterm(NULL, stdout, stdin);
	if (!T.scr) {
		char clean[64];

		text_sanitize(clean, sizeof(clean), termname ? termname : "(unset)", true);
		text_printf(msg, n, "the terminal type TERM=%s is unknown to this system", clean);
		return ENOTSUP;
	}
	set_term(T.scr);
	if (!tigetstr("cup") || tigetstr("cup") == (char *)-1) {
		char clean[64];

		endwin();
		delscreen(T.scr);
		T.scr = NULL;
		if (T.have_modes)
			(void)tcsetattr(STDIN_FILENO, TCSANOW, &T.modes);
		text_sanitize(clean, sizeof(clean), termname ? termname : "(unset)", true);
		text_printf(msg, n,
		            "TERM=%s cannot move the cursor; use a full terminal or the "
		            "subcommands (loftdial --help)",
		            clean);
		return ENOTSUP;
	}
	T.reset_len = 0;
	add_cap("rmcup");
	add_cap("cnorm");
	add_cap("sgr0");
	add_cap("rmkx");
	if (T.reset_len + strlen(PASTE_OFF) < sizeof(T.reset)) {
		memcpy(T.reset + T.reset_len, PASTE_OFF, strlen(PASTE_OFF));
		T.reset_len += strlen(PASTE_OFF);
	}
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(ESC_DELAY_MS);
	curs_set(0);
	/* A paste arrives between two markers, so a text field takes it as text (editline.h). */
	define_key("\033[200~", EDITLINE_PASTE_BEGIN & ~KEYMAP_FN);
	define_key("\033[201~", EDITLINE_PASTE_END & ~KEYMAP_FN);
	putp(PASTE_ON);
	fflush(stdout);
	T.active = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	for (i = 0; i < NFATAL; i++)
		(void)sigaction(fatal_sigs[i], &sa, &T.old[i]);
	if (!T.atexit_set && atexit(on_exit_restore) == 0)
		T.atexit_set = true;
	return 0;
}

void term_close(void)
{
	size_t i;

	if (!T.active)
		return;
	T.active = 0;
	for (i = 0; i < NFATAL; i++)
		(void)sigaction(fatal_sigs[i], &T.old[i], NULL);
	curs_set(1);
	putp(PASTE_OFF);
	fflush(stdout);
	endwin();
	if (T.scr) {
		delscreen(T.scr);
		T.scr = NULL;
	}
	if (T.have_modes)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &T.modes);
}

int term_key_code(const char *cap)
{
	char *s = tigetstr((char *)cap);
	int k;

	if (!s || s == (char *)-1)
		return 0;
	k = key_defined(s);
	return k > 0 ? KEYMAP_FN | k : 0;
}

bool term_active(void)
{
	return T.active;
}

void term_resize(void)
{
	struct winsize ws;

	if (!T.active)
		return;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
}

bool term_has_color(void)
{
	const char *nc = getenv("NO_COLOR");

	if (nc && nc[0])
		return false;
	return T.active && has_colors();
}

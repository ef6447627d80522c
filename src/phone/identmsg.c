/*
 * identmsg: the identification message made from the config (identmsg.h): the filter that
 * turns dial.ident_name and dial.ident_callback into the spoken text, the cached file named by
 * the text's hash, and the two child processes that render it (espeak-ng speaks the text at
 * its own rate, sox converts that into the engine's 8 kHz mono 16-bit WAV).
 *
 * Only the message in force is kept: when a new text has been rendered, the other
 * ident-<hash>.wav files of the folder are removed, except one a running dialer holds
 * (identmsg_hold: a shared flock for as long as it may play the file; the removal takes an
 * exclusive one without waiting and leaves a held file alone).
 *
 * The children get only argv (no shell) and the text on stdin, written into the pipe before
 * the fork (the text is far below PIPE_BUF, so the write never waits). espeak-ng runs without
 * -m, so nothing in the text is read as SSML, and the filter keeps out the brackets of its
 * phoneme input; a name cannot start an option because it never reaches argv.
 */
#define _GNU_SOURCE /* pipe2 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <re.h>

#include "loftdial/identmsg.h"
#include "loftdial/log.h"
#include "loftdial/loop.h"
#include "loftdial/text.h"
#include "loftdial/vmrec.h"

/* The voice and its speed are part of the hash: changing them renders the file again. */
#define VOICE      "en-us"
#define SPEED      "175"
#define HASH_TAG   "identmsg v1 " VOICE " " SPEED "\n"
#define ERR_MAX    400
#define STEP_MS    30000 /* a child still running by then is killed */
#define TEXT_FMT   "This is %s%s Sorry we missed you. Please call us back at %s."
#define SPOKEN_MAX 128 /* the callback number as spoken ("plus 1, 4 1 5, ...") */

/* ---- the filter ---- */

/* Decodes one UTF-8 sequence at s; its length, or 0 when it is not valid UTF-8. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not characters. */
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Letters of the Latin, Greek and Cyrillic scripts; no symbols, no format characters. */
static bool name_letter(uint32_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	if (c >= 0xc0 && c <= 0x24f)
		return c != 0xd7 && c != 0xf7;
	return (c >= 0x386 && c <= 0x3ce && c != 0x387) || (c >= 0x400 && c <= 0x481) ||
	       (c >= 0x48a && c <= 0x4ff);
}

/* Says what is wrong with character number pos (1-based) of key's value, never raw. */
static void bad_char(char *why, size_t whyn, const char *key, size_t pos, uint32_t c,
                     const char *allowed)
{
	if (c >= 0x21 && c < 0x7f)
		text_printf(why, whyn,
		            "%s: character %zu ('%c', U+%04" PRIX32 ") is not allowed (%s)", key,
		            pos, (char)c, c, allowed);
	else
		text_printf(why, whyn, "%s: character %zu (U+%04" PRIX32 ") is not allowed (%s)",
		            key, pos, c, allowed);
}

/* The name as spoken: runs of spaces made one, none at the ends. */
static int name_filter(const char *name, char *out, size_t n, char *why, size_t whyn)
{
	static const char key[] = "dial.ident_name";
	static const char allowed[] = "letters, digits, spaces and . , ' - only";
	const unsigned char *s = (const unsigned char *)name;
	size_t pos = 0, o = 0, len;
	bool letter = false, space = false;
	uint32_t c;

	if (strlen(name) > IDENTMSG_NAME_MAX) {
		text_printf(why, whyn, "%s is longer than %d bytes", key, IDENTMSG_NAME_MAX);
		return EINVAL;
	}
	while (*s) {
		len = utf8_next(s, &c);
		pos++;
		if (!len) {
			text_printf(why, whyn, "%s: character %zu is not valid UTF-8", key, pos);
			return EINVAL;
		}
		if (c == ' ') {
			space = o > 0;
			s++;
			continue;
		}
		if (!name_letter(c) && !(c >= '0' && c <= '9') &&
		    !(c < 0x80 && strchr(".,'-", (int)c))) {
			bad_char(why, whyn, key, pos, c, allowed);
			return EINVAL;
		}
		if (o == 0 && !name_letter(c) && !(c >= '0' && c <= '9')) {
			text_printf(why, whyn, "%s must start with a letter or a digit", key);
			return EINVAL;
		}
		letter = letter || name_letter(c);
		if (o + (space ? 1 : 0) + len >= n)
			return ENAMETOOLONG;
		if (space)
			out[o++] = ' ';
		space = false;
		memcpy(out + o, s, len);
		o += len;
		s += len;
	}
	/* The sentence ends with one full stop: no "Acme,." nor "Co..". */
	while (o > 0 && strchr(",-'", out[o - 1]))
		o--;
	out[o] = '\0';
	if (!letter) {
		text_printf(why, whyn, "%s has no letters: it should be the caller's name", key);
		return EINVAL;
	}
	return 0;
}

/* The callback number spoken digit by digit: "plus 1, 4 1 5, 5 5 5, 0 1 2 3". Groups follow
 * the separators as written; a number written without any, in the North American plan's
 * length, is grouped 1, 3, 3, 4. */
static int callback_filter(const char *cb, char *out, size_t n, char *why, size_t whyn)
{
	static const char key[] = "dial.ident_callback";
	static const char allowed[] = "digits, a leading +, spaces and - . ( ) only";
	char digits[IDENTMSG_DIGITS_MAX + 1];
	bool brk[IDENTMSG_DIGITS_MAX + 1] = {false}, plus = false, seps = false, gap = false;
	size_t nd = 0, i, o = 0, pos;

	if (strlen(cb) > IDENTMSG_CALLBACK_MAX) {
		text_printf(why, whyn, "%s is longer than %d characters", key,
		            IDENTMSG_CALLBACK_MAX);
		return EINVAL;
	}
	for (pos = 0; cb[pos]; pos++) {
		unsigned char c = (unsigned char)cb[pos];

		if (c >= '0' && c <= '9') {
			if (nd == IDENTMSG_DIGITS_MAX) {
				text_printf(why, whyn, "%s has more than %d digits", key,
				            IDENTMSG_DIGITS_MAX);
				return EINVAL;
			}
			brk[nd] = gap && nd > 0;
			digits[nd++] = (char)c;
			gap = false;
		} else if (c == '+' && nd == 0 && !plus && !gap) {
			plus = true;
		} else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') {
			gap = true;
			seps = seps || nd > 0;
		} else {
			uint32_t cp = c;

			if (c >= 0x80 && !utf8_next((const unsigned char *)cb + pos, &cp))
				cp = c;
			bad_char(why, whyn, key, pos + 1, cp, allowed);
			return EINVAL;
		}
	}
	if (nd < IDENTMSG_DIGITS_MIN) {
		text_printf(why, whyn, "%s needs at least %d digits", key, IDENTMSG_DIGITS_MIN);
		return EINVAL;
	}
	if (!seps && (nd == 10 || (nd == 11 && digits[0] == '1'))) {
		size_t first = nd - 10;

		if (first)
			brk[1] = true;
		brk[first + 3] = brk[first + 6] = true;
	}
	if (plus) {
		if (n < 6)
			return ENAMETOOLONG;
		memcpy(out, "plus ", 5);
		o = 5;
	}
	for (i = 0; i < nd; i++) {
		const char *sep = i == 0 ? "" : brk[i] ? ", " : " ";

		if (o + strlen(sep) + 2 > n)
			return ENAMETOOLONG;
		memcpy(out + o, sep, strlen(sep));
		o += strlen(sep);
		out[o++] = digits[i];
	}
	out[o] = '\0';
	return 0;
}

int identmsg_text(const char *name, const char *callback, char *out, size_t n, char *why,
                  size_t whyn)
{
	char nm[IDENTMSG_NAME_MAX + 8], spoken[SPOKEN_MAX];
	int err;

	if (!out || !n)
		return EINVAL;
	out[0] = '\0';
	name = name ? name : "";
	callback = callback ? callback : "";
	if (!*name && !*callback)
		return ENOENT;
	if (!*name || !*callback) {
		text_printf(why, whyn,
		            "%s is set but %s is empty: the identification message needs the "
		            "caller's name and a callback number",
		            *name ? "dial.ident_name" : "dial.ident_callback",
		            *name ? "dial.ident_callback" : "dial.ident_name");
		return EINVAL;
	}
	err = name_filter(name, nm, sizeof(nm), why, whyn);
	if (!err)
		err = callback_filter(callback, spoken, sizeof(spoken), why, whyn);
	if (!err && text_printf(out, n, TEXT_FMT, nm, nm[strlen(nm) - 1] == '.' ? "" : ".", spoken))
		err = ENAMETOOLONG;
	if (err == ENAMETOOLONG)
		text_printf(why, whyn, "the identification message is too long");
	if (err)
		out[0] = '\0'; /* never half a message */
	return err ? EINVAL : 0;
}

/* ---- the cached file ---- */

/* FNV-1a, 64 bits: enough to tell texts apart in a folder of a few files. */
static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

int identmsg_path(const char *dir, const char *text, char *out, size_t n)
{
	uint64_t h;

	if (!dir || !*dir || !text || !*text || !out)
		return EINVAL;
	h = fnv1a(fnv1a(0xcbf29ce484222325ULL, HASH_TAG), text);
	return text_printf(out, n, "%s/ident/ident-%016" PRIx64 ".wav", dir, h) ? ENAMETOOLONG : 0;
}

bool identmsg_cached(const char *dir, const char *text, char *out, size_t n, unsigned *ms)
{
	char why[256];

	if (identmsg_path(dir, text, out, n))
		return false;
	return vmrec_check(out, ms, why, sizeof(why)) == 0;
}

/* Makes DIR and DIR/ident. */
static int make_dirs(const char *dir, char *why, size_t whyn)
{
	char sub[IDENTMSG_PATH_MAX];
	int err;

	if (text_printf(sub, sizeof(sub), "%s/ident", dir))
		return ENAMETOOLONG;
	if ((mkdir(dir, 0700) && errno != EEXIST) || (mkdir(sub, 0700) && errno != EEXIST)) {
		err = errno;
		text_printf(why, whyn, "cannot make %s: %s", sub, strerror(err));
		return err;
	}
	return 0;
}

/* ---- the two children ---- */

struct render {
	char text[IDENTMSG_TEXT_MAX];
	char path[IDENTMSG_PATH_MAX], tts[IDENTMSG_PATH_MAX + 32], part[IDENTMSG_PATH_MAX + 32];
};

static int render_init(struct render *r, const char *dir, const char *text, char *why, size_t whyn)
{
	int err;

	memset(r, 0, sizeof(*r));
	if (!text || !*text || strlen(text) >= sizeof(r->text) || strchr(text, '\n')) {
		text_printf(why, whyn, "no text to speak");
		return EINVAL;
	}
	text_copy(r->text, sizeof(r->text), text);
	err = identmsg_path(dir, text, r->path, sizeof(r->path));
	if (!err && (text_printf(r->tts, sizeof(r->tts), "%s.%d.tts.wav", r->path, (int)getpid()) ||
	             text_printf(r->part, sizeof(r->part), "%s.%d.part", r->path, (int)getpid())))
		err = ENAMETOOLONG;
	if (err) {
		text_printf(why, whyn, "the data folder's path is too long");
		return err;
	}
	return make_dirs(dir, why, whyn);
}

/* The argv of step 0 (espeak-ng) or 1 (sox); points into r. */
static void step_argv(struct render *r, unsigned step, char **argv)
{
	/* espeak-ng -v VOICE -s SPEED -b 1 --stdin -w TTS: the text comes on stdin as UTF-8
	 * (-b 1), read whole (--stdin), and there is no -m, so no markup is interpreted. */
	char *const speak[] = {"espeak-ng", "-v",      VOICE, "-s",   SPEED, "-b",
	                       "1",         "--stdin", "-w",  r->tts, NULL};
	/* sox -q -V1 TTS --comment "" -r 8000 -c 1 -b 16 -e signed-integer -t wav PART: as
	 * vmrec_convert does it, so the file is what the engine plays. */
	char *const conv[] = {"sox",  "-q",  "-V1",   r->tts, "--comment", "",   "-r",
	                      "8000", "-c",  "1",     "-b",   "16",        "-e", "signed-integer",
	                      "-t",   "wav", r->part, NULL};
	const size_t nspeak = sizeof(speak) / sizeof(speak[0]);
	const size_t nconv = sizeof(conv) / sizeof(conv[0]);

	if (step == 0)
		memcpy(argv, speak, nspeak * sizeof(*argv));
	else
		memcpy(argv, conv, nconv * sizeof(*argv));
}

/* Forks a child running argv with input on its stdin (written before the fork) and its
 * stderr into *errfd. 0 or an errno value. */
static int spawn(char *const argv[], const char *input, pid_t *pid, int *errfd)
{
	int in[2] = {-1, -1}, er[2] = {-1, -1}, err = 0;
	size_t len = input ? strlen(input) : 0;

	if (pipe2(in, O_CLOEXEC) || pipe2(er, O_CLOEXEC)) {
		err = errno;
		goto out;
	}
	/* Far below PIPE_BUF: the whole text is in the pipe before the child exists. */
	if (len && write(in[1], input, len) != (ssize_t)len) {
		err = errno ? errno : EIO;
		goto out;
	}
	close(in[1]);
	in[1] = -1;
	*pid = fork();
	if (*pid < 0) {
		err = errno;
		goto out;
	}
	if (*pid == 0) {
		/* Only async-signal-safe calls from here on. */
		int null = open("/dev/null", O_WRONLY);
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (null < 0 || dup2(in[0], 0) < 0 || dup2(null, 1) < 0 || dup2(er[1], 2) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(er[1]);
	er[1] = -1;
	*errfd = er[0];
	er[0] = -1;
out:
	if (in[0] >= 0)
		close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	if (er[0] >= 0)
		close(er[0]);
	if (er[1] >= 0)
		close(er[1]);
	return err;
}

/* What a step's end means: 0, or an errno value with why. */
static int step_result(unsigned step, int status, const char *errtext, char *why, size_t whyn)
{
	const char *prog = step == 0 ? "espeak-ng" : "sox";
	char shown[ERR_MAX + 1], first[ERR_MAX + 1];

	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		text_printf(
		        why, whyn,
		        "%s is not installed (Debian: apt-get install %s), so the identification "
		        "message cannot be made",
		        prog, prog);
		return ENOENT;
	}
	text_copy(first, sizeof(first), errtext);
	first[strcspn(first, "\n")] = '\0';
	text_sanitize(shown, sizeof(shown), first, true);
	if (WIFSIGNALED(status))
		text_printf(why, whyn, "%s was killed (signal %d) %s", prog, WTERMSIG(status),
		            shown);
	else
		text_printf(why, whyn, "%s failed (exit %d): %s", prog, WEXITSTATUS(status),
		            shown[0] ? shown : "no message");
	return EIO;
}

/* True for a finished message's name, "ident-" and 16 hex digits and ".wav" (a render's
 * temporary files end otherwise). */
static bool is_message(const char *name)
{
	static const char hex[] = "0123456789abcdef";

	return strlen(name) == 6 + 16 + 4 && !strncmp(name, "ident-", 6) &&
	       strspn(name + 6, hex) == 16 && !strcmp(name + 22, ".wav");
}

/* Removes the messages of path's folder other than path itself: stale once a new text is in
 * force. A file a dialer holds (identmsg_hold) stays; the lock is tried, never waited for. */
static void prune_stale(const char *path)
{
	char folder[IDENTMSG_PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct dirent *de;
	DIR *d;

	if (!slash || (size_t)(slash - path) >= sizeof(folder))
		return;
	memcpy(folder, path, (size_t)(slash - path));
	folder[slash - path] = '\0';
	d = opendir(folder);
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		int fd;

		if (!is_message(de->d_name) || !strcmp(de->d_name, slash + 1))
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			if (unlinkat(dirfd(d), de->d_name, 0) == 0)
				log_info("identmsg", "removed the old message %s", de->d_name);
		} else {
			log_info("identmsg", "kept the old message %s: a dialer plays it",
			         de->d_name);
		}
		close(fd);
	}
	closedir(d);
}

/* After the last step: the file checks and takes its place, and the old messages go. */
static int render_done(struct render *r, unsigned *ms, char *why, size_t whyn)
{
	int err = vmrec_check(r->part, ms, why, whyn);

	if (!err && rename(r->part, r->path)) {
		err = errno;
		text_printf(why, whyn, "cannot write %s: %s", r->path, strerror(err));
	}
	if (!err)
		prune_stale(r->path);
	return err;
}

int identmsg_hold(const char *path)
{
	int fd, err;

	if (!path || !*path)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Not waited for: a removal holds its lock only around the unlink. */
	if (flock(fd, LOCK_SH | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? EBUSY : errno;
		close(fd);
		return -err;
	}
	return fd;
}

static void render_clean(const struct render *r)
{
	(void)unlink(r->tts);
	(void)unlink(r->part);
}

int identmsg_render(const char *dir, const char *text, char *out, size_t n, bool *cached,
                    unsigned *ms, char *why, size_t whyn)
{
	struct render r;
	char *argv[24];
	char errtext[ERR_MAX + 1];
	unsigned step;
	int err, status = 0, fd = -1;
	pid_t pid;

	if (cached)
		*cached = false;
	if (!dir || !*dir || !out) {
		text_printf(why, whyn, "no data folder");
		return EINVAL;
	}
	if (identmsg_cached(dir, text, out, n, ms)) {
		if (cached)
			*cached = true;
		return 0;
	}
	err = render_init(&r, dir, text, why, whyn);
	for (step = 0; !err && step < 2; step++) {
		size_t got = 0;
		ssize_t k;

		step_argv(&r, step, argv);
		err = spawn(argv, step == 0 ? r.text : NULL, &pid, &fd);
		if (err) {
			text_printf(why, whyn, "cannot start %s: %s", argv[0], strerror(err));
			break;
		}
		while (got < ERR_MAX && (k = read(fd, errtext + got, ERR_MAX - got)) != 0) {
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				break;
			got += (size_t)k;
		}
		errtext[got] = '\0';
		close(fd);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		err = step_result(step, status, errtext, why, whyn);
	}
	if (!err)
		err = render_done(&r, ms, why, whyn);
	render_clean(&r);
	if (!err)
		text_copy(out, n, r.path);
	return err;
}

/* ---- on the loop ---- */

struct identmsg {
	struct render r;
	identmsg_h *h;
	void *arg;
	unsigned step;
	pid_t pid;
	int fd; /* the child's stderr, -1 once read to its end */
	char errtext[ERR_MAX + 1];
	size_t errlen;
	bool watching;
	struct tmr tmr;
	struct loop_job job;
};

static void on_child(void *arg);

/* Ends the render once: h may free j, so nothing touches j afterwards. */
static void finish(struct identmsg *j, int err, const char *why)
{
	if (j->watching)
		loop_unwatch_child(on_child, j);
	j->watching = false;
	tmr_cancel(&j->tmr);
	render_clean(&j->r);
	if (err)
		log_warn("identmsg", "cannot make the identification message: %s", why);
	else
		log_info("identmsg", "identification message rendered: %s", j->r.path);
	j->h(err, err ? "" : j->r.path, why, j->arg);
}

static void close_err(struct identmsg *j)
{
	if (j->fd < 0)
		return;
	fd_close(j->fd);
	close(j->fd);
	j->fd = -1;
}

/* Keeps what the child says on stderr (its first ERR_MAX bytes) until it closes it. */
static void err_readable(int flags, void *arg)
{
	struct identmsg *j = arg;
	char buf[512];
	ssize_t k;

	(void)flags;
	for (;;) {
		k = read(j->fd, buf, sizeof(buf));
		if (k > 0) {
			size_t take = (size_t)k;

			if (take > ERR_MAX - j->errlen)
				take = ERR_MAX - j->errlen;
			memcpy(j->errtext + j->errlen, buf, take);
			j->errlen += take;
			j->errtext[j->errlen] = '\0';
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		break;
	}
	if (k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
		close_err(j);
}

static void step_timeout(void *arg)
{
	struct identmsg *j = arg;

	if (j->pid > 0)
		kill(j->pid, SIGKILL); /* the SIGCHLD that follows ends the step */
}

/* Starts the current step's child. */
static int step_start(struct identmsg *j, char *why, size_t whyn)
{
	char *argv[24];
	int err;

	step_argv(&j->r, j->step, argv);
	j->errlen = 0;
	j->errtext[0] = '\0';
	err = spawn(argv, j->step == 0 ? j->r.text : NULL, &j->pid, &j->fd);
	if (err) {
		j->pid = 0;
		text_printf(why, whyn, "cannot start %s: %s", argv[0], strerror(err));
		return err;
	}
	fcntl(j->fd, F_SETFL, O_NONBLOCK);
	err = fd_listen(j->fd, FD_READ, err_readable, j);
	if (err) {
		close(j->fd);
		j->fd = -1;
	}
	tmr_start(&j->tmr, STEP_MS, step_timeout, j);
	return 0;
}

/* SIGCHLD: this render's child, by its own PID. */
static void on_child(void *arg)
{
	struct identmsg *j = arg;
	char why[ERR_MAX + 128] = "";
	int status = 0, err;
	pid_t r;

	if (j->pid <= 0)
		return;
	r = waitpid(j->pid, &status, WNOHANG);
	if (r == 0 || (r < 0 && errno == EINTR))
		return;
	j->pid = 0;
	tmr_cancel(&j->tmr);
	if (j->fd >= 0)
		err_readable(FD_READ, j); /* what it wrote last is still in the pipe */
	close_err(j);
	err = r < 0 ? errno : step_result(j->step, status, j->errtext, why, sizeof(why));
	if (r < 0)
		text_printf(why, sizeof(why), "lost the child process: %s", strerror(err));
	if (!err && ++j->step < 2)
		err = step_start(j, why, sizeof(why));
	else if (!err)
		err = render_done(&j->r, NULL, why, sizeof(why));
	if (err || j->step >= 2)
		finish(j, err, why);
}

/* A file already rendered is told from the loop, as a render would be. */
static void tell_cached(void *arg)
{
	finish(arg, 0, "");
}

int identmsg_start(struct identmsg **jp, const char *dir, const char *text, identmsg_h *h,
                   void *arg, char *why, size_t whyn)
{
	struct identmsg *j;
	int err;

	if (!jp || !h || !dir || !*dir) {
		text_printf(why, whyn, "no data folder");
		return EINVAL;
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		return ENOMEM;
	j->h = h;
	j->arg = arg;
	j->fd = -1;
	tmr_init(&j->tmr);
	loop_job_init(&j->job);
	err = render_init(&j->r, dir, text, why, whyn);
	if (err)
		goto out;
	if (vmrec_check(j->r.path, NULL, why, whyn) == 0) {
		j->step = 2;
		loop_defer(&j->job, tell_cached, j);
		goto out;
	}
	if (why && whyn)
		why[0] = '\0'; /* the check's reason is not a failure */
	err = loop_watch_child(on_child, j);
	if (err) {
		text_printf(why, whyn, "cannot watch child processes: %s", strerror(err));
		goto out;
	}
	j->watching = true;
	err = step_start(j, why, whyn);
out:
	if (err) {
		identmsg_free(j);
		return err;
	}
	*jp = j;
	return 0;
}

void identmsg_free(struct identmsg *j)
{
	if (!j)
		return;
	tmr_cancel(&j->tmr);
	loop_defer_cancel(&j->job);
	if (j->pid > 0) {
		/* SIGKILL ends it at once, so this wait is over as soon as it starts. */
		kill(j->pid, SIGKILL);
		while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (j->watching)
		loop_unwatch_child(on_child, j);
	close_err(j);
	if (j->r.path[0])
		render_clean(&j->r);
	free(j);
}

/*
 * `loftdial voicemail record FILE|--cadence ID [--from IN] [--ident] [--seconds N] [--force]`:
 * makes a recorded message in the one format the engine plays (vmrec.h), so a rep can make one
 * over SSH: converted from an audio file with sox (--from), or recorded from the rep's headset
 * (audio.source) through baresip until Enter, Ctrl-C, the source's end or --seconds.
 *
 * FILE is written only when the message is whole (through FILE.part, renamed), never over an
 * existing file without --force. The message says which config key plays it
 * (dial.voicemail_file, or dial.ident_file with --ident) and how to set it. With --cadence the
 * file is the cadence's own recording under the data folder (vmfile.h), which that cadence's
 * dial sessions play instead of dial.voicemail_file: no key to set.
 *
 * `loftdial voicemail ident [--play]`: the identification message loftdial speaks itself from
 * dial.ident_name and dial.ident_callback (identmsg.h), rendered (or found in the cache) the
 * way a dial session makes it, its path and length printed, and played locally with --play.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loftdial/cli.h"
#include "loftdial/engine.h"
#include "loftdial/identmsg.h"
#include "loftdial/loop.h"
#include "loftdial/phone.h"
#include "loftdial/text.h"
#include "loftdial/vmfile.h"
#include "loftdial/vmrec.h"

#define SECONDS_DEFAULT 60

struct recrun {
	struct vmrec *rec;
	int err;
	char why[256];
	bool done, interrupted;
};

static int usage(void)
{
	return cli_usage(cli_find("voicemail"));
}

/* The key that plays this kind of message, and the next step; a cadence's recording needs
 * none (cadence > 0). */
static void say_next(const char *file, bool ident, int64_t cadence, unsigned ms)
{
	char shown[600];

	text_sanitize(shown, sizeof(shown), file, false);
	printf("wrote %s (%u.%u s, 8 kHz mono 16-bit WAV)\n", shown, ms / 1000, ms % 1000 / 100);
	if (cadence > 0)
		printf("dial sessions of cadence %lld leave it on machines instead of "
		       "dial.voicemail_file\n",
		       (long long)cadence);
	else
		printf("to use it: loftdial config set %s %s\n",
		       ident ? "dial.ident_file" : "dial.voicemail_file", shown);
}

static void rec_note(enum vmrec_ev ev, int err, const char *why, void *arg)
{
	struct recrun *r = arg;

	if (ev == VMREC_EV_RECORDING) {
		printf("recording: speak now; press Enter (or Ctrl-C) to stop\n");
		fflush(stdout);
		return;
	}
	r->done = true;
	r->err = err;
	text_copy(r->why, sizeof(r->why), why ? why : "");
	loop_quit(0);
}

/* Enter ends the recording. */
static void stdin_line(void *arg)
{
	struct recrun *r = arg;
	char buf[256];
	ssize_t n = read(0, buf, sizeof(buf));

	if (n <= 0) {
		loop_watch_stdin(NULL, NULL); /* no more input: only Ctrl-C or the cap stop it */
		return;
	}
	if (memchr(buf, '\n', (size_t)n)) {
		loop_watch_stdin(NULL, NULL);
		vmrec_stop(r->rec);
	}
}

static void on_signal(int sig, void *arg)
{
	struct recrun *r = arg;

	(void)sig;
	r->interrupted = true;
	vmrec_stop(r->rec);
}

/* Records the headset through baresip into file. */
static int record(struct cli_ctx *ctx, const char *file, bool ident, int64_t cadence, unsigned secs)
{
	struct vmrec_opts o;
	struct recrun r;
	const int16_t *pcm;
	size_t n = 0;
	unsigned ms;
	char why[256] = "";
	struct stat st;
	int err;

	memset(&r, 0, sizeof(r));
	memset(&o, 0, sizeof(o));
	phone_opts_from_config(&o.phone, ctx->cfg, ctx->paths.data_dir, 1);
	o.source = config_str(ctx->cfg, "audio.source");
	o.max_ms = secs * 1000;
	err = loop_init();
	if (err) {
		fprintf(stderr, "loftdial voicemail: cannot start the event loop: %s\n",
		        strerror(err));
		return CLI_FAIL;
	}
	err = vmrec_start(&r.rec, &o, rec_note, &r, why, sizeof(why));
	if (err) {
		fprintf(stderr, "loftdial voicemail: cannot record: %s\n",
		        why[0] ? why : strerror(err));
		loop_close();
		return CLI_FAIL;
	}
	printf("starting baresip with the headset (audio.source %s)...\n",
	       config_str(ctx->cfg, "audio.source"));
	fflush(stdout);
	if (isatty(0) || (fstat(0, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))))
		loop_watch_stdin(stdin_line, &r);
	loop_on_signal(on_signal, &r);
	loop_run();
	loop_watch_stdin(NULL, NULL);
	pcm = vmrec_samples(r.rec, &n);
	ms = (unsigned)(n / 8);
	if (!r.err && ms < 100) {
		r.err = ENODATA;
		text_printf(r.why, sizeof(r.why),
		            "nothing was recorded (%u ms of audio): is audio.source the headset?",
		            ms);
	}
	if (!r.err) {
		err = vmrec_write_wav(file, pcm, n);
		if (err) {
			r.err = err;
			text_printf(r.why, sizeof(r.why), "cannot write the file: %s",
			            strerror(err));
		}
	}
	vmrec_free(r.rec);
	(void)engine_reap_orphans(2000);
	loop_close();
	if (r.err) {
		fprintf(stderr, "loftdial voicemail: %s; nothing was written\n",
		        r.why[0] ? r.why : strerror(r.err));
		return r.interrupted && r.err == ECANCELED ? CLI_INTERRUPT : CLI_FAIL;
	}
	say_next(file, ident, cadence, ms);
	return CLI_OK;
}

/* Plays file on this machine's default audio output with sox's play, and waits for it. */
static int play_local(const char *file)
{
	char *const argv[] = {"play", "-q", (char *)file, NULL};
	int status = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		execvp("play", argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		fprintf(stderr,
		        "loftdial voicemail: play is not installed (Debian: apt-get install "
		        "sox)\n");
		return ENOENT;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "loftdial voicemail: play could not play the message (is there an "
		                "audio output here?)\n");
		return EIO;
	}
	return 0;
}

/* `voicemail ident [--play]`: renders the spoken identification message, says where it is. */
static int ident_cmd(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *file = config_str(ctx->cfg, "dial.ident_file");
	char text[IDENTMSG_TEXT_MAX], path[IDENTMSG_PATH_MAX], why[600] = "", shown[700];
	bool play = false, cached = false;
	unsigned ms = 0;
	int i, err;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--play")) {
			play = true;
		} else {
			fprintf(stderr,
			        "loftdial voicemail: ident takes only --play, not '%.40s'\n",
			        argv[i]);
			return usage();
		}
	}
	err = identmsg_text(config_str(ctx->cfg, "dial.ident_name"),
	                    config_str(ctx->cfg, "dial.ident_callback"), text, sizeof(text), why,
	                    sizeof(why));
	if (err == ENOENT) {
		fprintf(stderr, "loftdial voicemail: dial.ident_name and dial.ident_callback are "
		                "empty: set both, e.g.\n"
		                "  loftdial config set dial.ident_name 'Dana Reyes, Acme'\n"
		                "  loftdial config set dial.ident_callback '+1 415 555 0123'\n");
		return CLI_FAIL;
	}
	if (err) {
		text_sanitize(shown, sizeof(shown), why, false);
		fprintf(stderr, "loftdial voicemail: %s\n", shown);
		return CLI_FAIL;
	}
	err = identmsg_render(ctx->paths.data_dir, text, path, sizeof(path), &cached, &ms, why,
	                      sizeof(why));
	if (err) {
		text_sanitize(shown, sizeof(shown), why, false);
		fprintf(stderr, "loftdial voicemail: %s\n", shown);
		return CLI_FAIL;
	}
	text_sanitize(shown, sizeof(shown), text, false);
	printf("text: %s\n", shown);
	text_sanitize(shown, sizeof(shown), path, false);
	printf("%s (%u.%u s, 8 kHz mono 16-bit WAV, %s)\n", shown, ms / 1000, ms % 1000 / 100,
	       cached ? "already made" : "made now");
	if (file && *file) {
		text_sanitize(shown, sizeof(shown), file, false);
		printf("note: dial.ident_file is set (%s): lines play that file, not this one\n",
		       shown);
	}
	if (play && play_local(path))
		return CLI_FAIL;
	return CLI_OK;
}

int cmd_voicemail(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *file = NULL, *from = NULL;
	bool ident = false, force = false;
	unsigned secs = SECONDS_DEFAULT, ms = 0;
	int64_t cadence = 0;
	char why[512] = "", path[1024];
	struct stat st;
	int i, err;

	if (argc >= 2 && !strcmp(argv[1], "ident"))
		return ident_cmd(ctx, argc, argv);
	if (argc < 2 || strcmp(argv[1], "record")) {
		if (argc >= 2)
			fprintf(stderr, "loftdial voicemail: no subcommand '%.40s'\n", argv[1]);
		return usage();
	}
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--from") && i + 1 < argc) {
			from = argv[++i];
		} else if (!strcmp(argv[i], "--cadence") && i + 1 < argc) {
			char *end;
			long long v = strtoll(argv[++i], &end, 10);

			if (*end || end == argv[i] || v <= 0) {
				fprintf(stderr,
				        "loftdial voicemail: --cadence takes a cadence id, "
				        "not '%.32s'\n",
				        argv[i]);
				return CLI_USAGE;
			}
			cadence = (int64_t)v;
		} else if (!strcmp(argv[i], "--ident")) {
			ident = true;
		} else if (!strcmp(argv[i], "--force")) {
			force = true;
		} else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 10);

			if (*end || v < 1 || v > VMREC_MAX_MS / 1000) {
				fprintf(stderr, "loftdial voicemail: --seconds takes 1 to %u\n",
				        VMREC_MAX_MS / 1000);
				return CLI_USAGE;
			}
			secs = (unsigned)v;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "loftdial voicemail: unknown option '%.40s'\n", argv[i]);
			return usage();
		} else if (!file) {
			file = argv[i];
		} else {
			fprintf(stderr, "loftdial voicemail: one FILE only\n");
			return usage();
		}
	}
	if (cadence > 0) {
		if (file || ident) {
			fprintf(stderr, "loftdial voicemail: --cadence writes the cadence's own "
			                "recording: no FILE, no --ident\n");
			return usage();
		}
		err = vmfile_cadence_path(ctx->paths.data_dir, cadence, path, sizeof(path));
		if (!err)
			err = vmfile_dir_make(ctx->paths.data_dir);
		if (err) {
			fprintf(stderr,
			        "loftdial voicemail: cannot make the folder for the cadences' "
			        "recordings in the data folder: %s\n",
			        strerror(err));
			return CLI_FAIL;
		}
		file = path;
	}
	if (!file || !*file) {
		fprintf(stderr, "loftdial voicemail: record needs the FILE to write (or --cadence "
		                "ID)\n");
		return usage();
	}
	if (!force && stat(file, &st) == 0) {
		fprintf(stderr, "loftdial voicemail: %s exists; --force replaces it\n", file);
		return CLI_FAIL;
	}
	if (!from)
		return record(ctx, file, ident, cadence, secs);
	err = vmrec_convert(from, file, why, sizeof(why));
	if (!err)
		err = vmrec_check(file, &ms, why, sizeof(why));
	if (err) {
		char shown[600];

		text_sanitize(shown, sizeof(shown), why, false);
		fprintf(stderr, "loftdial voicemail: %s; nothing was written\n", shown);
		return CLI_FAIL;
	}
	say_next(file, ident, cadence, ms);
	return CLI_OK;
}

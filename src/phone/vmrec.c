/*
 * vmrec: making the messages the engine plays (see vmrec.h): checking a WAV, converting any
 * audio with sox, and recording the rep's headset through two local baresip engines.
 *
 * The recording: the phone (one line, spawn mode, the far end recorded by sndfile) dials a
 * second engine started here, the "headset" engine, whose only account answers at once with
 * the rep's audio source. The line's growing recording is followed with wavtail from the
 * answer until the call ends (the headset source ran out, vmrec_stop() hung up, or the
 * length cap), so the message holds exactly what crossed the call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <re.h>

#include "loftdial/engine.h"
#include "loftdial/engineconf.h"
#include "loftdial/log.h"
#include "loftdial/loop.h"
#include "loftdial/paths.h"
#include "loftdial/text.h"
#include "loftdial/vmrec.h"
#include "loftdial/wavtail.h"

#define POLL_MS     40
#define CHUNK       4000
#define START_MS    20000 /* engines up and the call answered by then */
#define MIN_MS      100
#define PATH_LEN    1024
#define SOX_ERR_MAX 400

/* Reads a little-endian integer of n bytes. */
static uint32_t get_le(const unsigned char *p, unsigned n)
{
	uint32_t v = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

/* The bytes from the read position to the end of the file (0 when it cannot tell). */
static uint64_t bytes_left(FILE *f)
{
	struct stat st;
	long pos = ftell(f);

	if (pos < 0 || fstat(fileno(f), &st) || st.st_size <= pos)
		return 0;
	return (uint64_t)(st.st_size - pos);
}

int vmrec_check(const char *path, unsigned *ms, char *why, size_t whyn)
{
	unsigned char h[12], ch[8], fmt[16];
	bool have_fmt = false;
	FILE *f;
	int err = EPROTO;

	if (ms)
		*ms = 0;
	if (!path || !*path) {
		text_printf(why, whyn, "no file given");
		return EINVAL;
	}
	f = fopen(path, "rb");
	if (!f) {
		err = errno;
		text_printf(why, whyn, "cannot open it: %s", strerror(err));
		return err;
	}
	if (fread(h, 1, 12, f) != 12 || memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4)) {
		text_printf(why, whyn, "not a WAV file");
		goto out;
	}
	while (fread(ch, 1, 8, f) == 8) {
		uint32_t len = get_le(ch + 4, 4);

		if (!memcmp(ch, "fmt ", 4)) {
			if (len < 16 || fread(fmt, 1, 16, f) != 16) {
				text_printf(why, whyn, "a malformed format chunk");
				goto out;
			}
			if (get_le(fmt, 2) != 1 || get_le(fmt + 14, 2) != 16 ||
			    get_le(fmt + 2, 2) != 1 || get_le(fmt + 4, 4) != VMREC_RATE) {
				text_printf(
				        why, whyn,
				        "%u channel(s), %u Hz, %u-bit%s: the engine plays 16-bit "
				        "PCM, mono, 8000 Hz (convert it with --from)",
				        (unsigned)get_le(fmt + 2, 2), (unsigned)get_le(fmt + 4, 4),
				        (unsigned)get_le(fmt + 14, 2),
				        get_le(fmt, 2) != 1 ? " (not PCM)" : "");
				goto out;
			}
			have_fmt = true;
			len -= 16;
		} else if (!memcmp(ch, "data", 4)) {
			unsigned got;

			/* The audio is what the file holds: a header may claim more (a WAV
			 * written to a pipe says 0xffffffff; a cut file keeps its old size). */
			if (len > bytes_left(f))
				len = (uint32_t)bytes_left(f);
			got = (unsigned)((uint64_t)len * 1000 / (VMREC_RATE * 2));
			if (!have_fmt) {
				text_printf(why, whyn, "its audio comes before its format");
				goto out;
			}
			if (ms)
				*ms = got;
			if (got < MIN_MS) {
				text_printf(why, whyn,
				            "it holds %u ms of audio (at least %u needed)", got,
				            MIN_MS);
				err = ENODATA;
				goto out;
			}
			err = 0;
			goto out;
		}
		if (fseek(f, (long)len + (len & 1), SEEK_CUR)) {
			text_printf(why, whyn, "a chunk runs past the end of the file");
			goto out;
		}
	}
	text_printf(why, whyn, "no audio in it (no data chunk)");
out:
	fclose(f);
	return err;
}

int vmrec_write_wav(const char *path, const int16_t *pcm, size_t n)
{
	char part[PATH_LEN];
	unsigned char h[44];
	uint32_t data = (uint32_t)(n * 2);
	FILE *f;
	size_t i;
	int err = 0;

	if (!path || (!pcm && n) || n > (size_t)VMREC_MAX_MS * 8 * 4)
		return EINVAL;
	if (text_printf(part, sizeof(part), "%s.part", path))
		return ENAMETOOLONG;
	memcpy(h, "RIFF", 4);
	for (i = 0; i < 4; i++)
		h[4 + i] = (unsigned char)((36 + data) >> (8 * i));
	memcpy(h + 8, "WAVEfmt \x10\0\0\0\x01\0\x01\0", 16);
	for (i = 0; i < 4; i++) {
		h[24 + i] = (unsigned char)(VMREC_RATE >> (8 * i));
		h[28 + i] = (unsigned char)((VMREC_RATE * 2) >> (8 * i));
		h[40 + i] = (unsigned char)(data >> (8 * i));
	}
	memcpy(h + 32, "\x02\0\x10\0data", 8);
	f = fopen(part, "wb");
	if (!f)
		return errno;
	if (fwrite(h, 1, 44, f) != 44)
		err = EIO;
	for (i = 0; !err && i < n; i++) {
		unsigned char s[2] = {(unsigned char)pcm[i],
		                      (unsigned char)((uint16_t)pcm[i] >> 8)};

		if (fwrite(s, 1, 2, f) != 2)
			err = EIO;
	}
	if (fclose(f) && !err)
		err = errno ? errno : EIO;
	if (!err && rename(part, path))
		err = errno;
	if (err)
		(void)unlink(part);
	return err;
}

int vmrec_convert(const char *in, const char *out, char *why, size_t whyn)
{
	char part[PATH_LEN], msg[SOX_ERR_MAX + 1], shown[SOX_ERR_MAX + 1];
	int fds[2], status = 0, err;
	size_t got = 0;
	ssize_t r;
	pid_t pid;

	if (!in || !*in || !out || !*out) {
		text_printf(why, whyn, "no file given");
		return EINVAL;
	}
	if (access(in, R_OK)) {
		err = errno;
		text_printf(why, whyn, "cannot read %s: %s", in, strerror(err));
		return err;
	}
	if (text_printf(part, sizeof(part), "%s.part", out)) {
		text_printf(why, whyn, "the output path is too long");
		return ENAMETOOLONG;
	}
	if (pipe(fds))
		return errno;
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (pid == 0) {
		/* sox -q IN -r 8000 -c 1 -b 16 -e signed-integer -t wav OUT.part: resampled, mixed
		 * down to one channel, no comment chunk. Its stderr is the message we show. */
		char *const argv[] = {
		        "sox",  "-q",  "-V1", (char *)in, "--comment", "",   "-r",
		        "8000", "-c",  "1",   "-b",       "16",        "-e", "signed-integer",
		        "-t",   "wav", part,  NULL};
		int null = open("/dev/null", O_RDWR);

		if (null >= 0)
			dup2(null, 0), dup2(null, 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execvp("sox", argv);
		_exit(127);
	}
	close(fds[1]);
	while (got < SOX_ERR_MAX && (r = read(fds[0], msg + got, SOX_ERR_MAX - got)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		got += (size_t)r;
	}
	msg[got] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		text_printf(why, whyn,
		            "sox is not installed (Debian: apt-get install sox), so %s cannot be "
		            "converted",
		            in);
		return ENOENT;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		msg[strcspn(msg, "\n")] = '\0';
		text_sanitize(shown, sizeof(shown), msg, true);
		text_printf(why, whyn, "sox could not convert %s: %s", in,
		            shown[0] ? shown : "it failed");
		(void)unlink(part);
		return EIO;
	}
	err = vmrec_check(part, NULL, why, whyn);
	if (!err && rename(part, out)) {
		err = errno;
		text_printf(why, whyn, "cannot write %s: %s", out, strerror(err));
	}
	if (err)
		(void)unlink(part);
	return err;
}

/* ---- recording through baresip ---- */

struct vmrec {
	struct phone *phone;
	struct engine *mic;
	vmrec_h *h;
	void *arg;
	char dir[PATH_LEN], uri[128];
	unsigned max_samples;
	bool line_up, mic_up, dialled, recording, stopping, done;
	char fail[128]; /* why the recording cannot be used, "" while it can */
	struct wavtail *wt;
	int16_t *pcm;
	size_t n, cap;
	struct tmr poll_tmr, start_tmr;
};

/* Ends the recording once, and says so. */
static void finish(struct vmrec *r, int err, const char *why)
{
	if (r->done)
		return;
	r->done = true;
	tmr_cancel(&r->poll_tmr);
	tmr_cancel(&r->start_tmr);
	r->h(VMREC_EV_DONE, err, why ? why : "", r->arg);
}

/* Appends what the recording grew by; false when it is full or unreadable. */
static bool drain(struct vmrec *r)
{
	int16_t buf[CHUNK];
	size_t got;
	int err;

	if (!r->wt) {
		const char *path = phone_recording(r->phone, 1);

		if (!path || wavtail_open(&r->wt, path))
			return true;
	}
	do {
		err = wavtail_read(r->wt, buf, CHUNK, &got);
		if (err) {
			log_warn("vmrec", "recording unreadable: %s", strerror(err));
			text_printf(r->fail, sizeof(r->fail), "the recording became unreadable: %s",
			            strerror(err));
			return false;
		}
		if (got && wavtail_srate(r->wt) != VMREC_RATE) {
			text_printf(r->fail, sizeof(r->fail), "the call's audio is %u Hz, not 8000",
			            wavtail_srate(r->wt));
			return false;
		}
		if (r->n + got > r->max_samples)
			got = r->max_samples - r->n;
		if (r->n + got > r->cap) {
			size_t cap = r->cap ? r->cap * 2 : VMREC_RATE * 8;
			int16_t *p;

			while (cap < r->n + got)
				cap *= 2;
			p = realloc(r->pcm, cap * sizeof(*p));
			if (!p) {
				text_copy(r->fail, sizeof(r->fail), "out of memory");
				return false;
			}
			r->pcm = p;
			r->cap = cap;
		}
		if (!got)
			break;
		memcpy(r->pcm + r->n, buf, got * sizeof(*buf));
		r->n += got;
	} while (got == CHUNK && r->n < r->max_samples);
	return r->n < r->max_samples;
}

static void poll_h(void *arg)
{
	struct vmrec *r = arg;

	if (!drain(r)) {
		vmrec_stop(r);
		return;
	}
	tmr_start(&r->poll_tmr, POLL_MS, poll_h, r);
}

static void start_timeout(void *arg)
{
	finish(arg, ETIMEDOUT, "the call to the headset did not start within 20 s (see the log)");
}

/* Both engines are up: the line calls the headset. */
static void try_dial(struct vmrec *r)
{
	int err;

	if (!r->line_up || !r->mic_up || r->dialled || r->done)
		return;
	r->dialled = true;
	err = phone_dial(r->phone, 1, r->uri);
	if (err)
		finish(r, err, "could not call the headset's engine");
}

static void on_phone(const struct phone_note *n, void *arg)
{
	struct vmrec *r = arg;
	char why[256];

	switch (n->ev) {
	case PHONE_EV_LINE_UP:
		r->line_up = true;
		try_dial(r);
		break;
	case PHONE_EV_ANSWERED:
		if (r->stopping) {
			(void)phone_hangup(r->phone, 1);
			break;
		}
		r->recording = true;
		tmr_cancel(&r->start_tmr);
		tmr_start(&r->poll_tmr, POLL_MS, poll_h, r);
		r->h(VMREC_EV_RECORDING, 0, "", r->arg);
		break;
	case PHONE_EV_CLOSED:
		if (r->recording) {
			(void)drain(r); /* the file is still there until this note returns */
			finish(r, r->fail[0] ? EIO : 0, r->fail);
		} else {
			text_printf(why, sizeof(why), "the call to the headset failed: %s",
			            n->call && n->call->reason[0] ? n->call->reason : "closed");
			finish(r, r->stopping ? ECANCELED : EIO, why);
		}
		break;
	case PHONE_EV_LINE_DOWN:
		text_printf(why, sizeof(why), "the recording engine failed: %s", n->text);
		finish(r, EIO, why);
		break;
	default:
		break;
	}
}

static void mic_up(struct engine *e, void *arg)
{
	struct vmrec *r = arg;

	(void)e;
	r->mic_up = true;
	try_dial(r);
}

static void mic_down(struct engine *e, const char *reason, void *arg)
{
	struct vmrec *r = arg;
	char why[256];

	(void)e;
	text_printf(why, sizeof(why), "the headset's engine failed: %s", reason);
	finish(r, EIO, why);
}

int vmrec_start(struct vmrec **rp, const struct vmrec_opts *o, vmrec_h *h, void *arg, char *why,
                size_t whyn)
{
	static const struct engine_handlers mh = {.up = mic_up, .down = mic_down};
	struct phone_opts po;
	struct engineconf ec;
	struct engine_opts eo;
	char sip[64], ctrl[64], account[ENGINECONF_ACCOUNT_MAX];
	const char *ip;
	struct vmrec *r;
	int err;

	if (!rp || !o || !h || !o->source)
		return EINVAL;
	if (o->phone.mode != PHONE_SPAWN) {
		text_printf(why, whyn,
		            "engine.mode connect: recording needs loftdial's own engines "
		            "(record on the machine with the headset, or use --from)");
		return EINVAL;
	}
	if (!*o->source || strpbrk(o->source, ";<>\" \t\r\n") || !text_is_clean(o->source)) {
		text_printf(why, whyn, "audio.source '%.64s' is not a baresip source (mod,device)",
		            o->source);
		return EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	r->h = h;
	r->arg = arg;
	r->max_samples = (o->max_ms && o->max_ms < VMREC_MAX_MS ? o->max_ms : VMREC_MAX_MS) * 8;
	tmr_init(&r->poll_tmr);
	tmr_init(&r->start_tmr);
	ip = o->phone.local_ip && *o->phone.local_ip ? o->phone.local_ip : "127.0.0.1";
	/* The headset engine takes the ports line 2 of a dial pool would: a recording is made
	 * while nothing dials. */
	if (text_printf(r->dir, sizeof(r->dir), "%s/engine/headset", o->phone.dir) ||
	    text_printf(sip, sizeof(sip), "%s:%u", ip, o->phone.sip_port + 20) ||
	    text_printf(ctrl, sizeof(ctrl), "127.0.0.1:%u", o->phone.ctrl_port + 2) ||
	    text_printf(r->uri, sizeof(r->uri), "sip:headset@%s:%u", ip, o->phone.sip_port + 20) ||
	    text_printf(account, sizeof(account),
	                "<sip:headset@%s:%u>;regint=0;answermode=auto;audio_source=%s;"
	                "audio_player=" ENGINECONF_DUMMY_PLAY "\n",
	                ip, o->phone.sip_port + 20, o->source)) {
		err = ENAMETOOLONG;
		goto out;
	}
	err = paths_mkdirs(r->dir, 0700);
	if (err)
		goto out;
	memset(&ec, 0, sizeof(ec));
	ec.sip_listen = sip;
	ec.net_interface = ip;
	ec.ctrl_listen = ctrl;
	ec.rtp_timeout = o->phone.rtp_timeout;
	ec.rtp_ports = o->phone.rtp_ports;
	ec.rep_source = o->source;
	ec.rep_player = ENGINECONF_DUMMY_PLAY;
	ec.account = account;
	err = engineconf_write(r->dir, &ec);
	if (err) {
		text_printf(why, whyn, "cannot write the headset engine's config: %s",
		            strerror(err));
		goto out;
	}
	memset(&eo, 0, sizeof(eo));
	eo.mode = ENGINE_SPAWN;
	eo.name = "headset";
	eo.program = o->phone.baresip;
	eo.dir = r->dir;
	eo.ctrl_addr = ctrl;
	err = engine_start(&r->mic, &eo, &mh, r);
	if (err) {
		text_printf(why, whyn, "cannot start baresip for the headset: %s", strerror(err));
		goto out;
	}
	po = o->phone;
	po.lines = 1;
	po.record = true;
	po.rep_source = ENGINECONF_DUMMY_SRC;
	po.rep_player = ENGINECONF_DUMMY_PLAY;
	err = phone_start(&r->phone, &po, on_phone, r, why, whyn);
	if (err)
		goto out;
	tmr_start(&r->start_tmr, START_MS, start_timeout, r);
out:
	if (err)
		vmrec_free(r);
	else
		*rp = r;
	return err;
}

void vmrec_stop(struct vmrec *r)
{
	if (!r || r->done || r->stopping)
		return;
	r->stopping = true;
	if (r->dialled && phone_hangup(r->phone, 1) == 0)
		return; /* CLOSED finishes */
	if (r->recording) {
		finish(r, r->fail[0] ? EIO : 0, r->fail);
		return;
	}
	finish(r, ECANCELED, "stopped before the recording started");
}

const int16_t *vmrec_samples(const struct vmrec *r, size_t *n)
{
	if (n)
		*n = r ? r->n : 0;
	return r ? r->pcm : NULL;
}

void vmrec_free(struct vmrec *r)
{
	if (!r)
		return;
	tmr_cancel(&r->poll_tmr);
	tmr_cancel(&r->start_tmr);
	wavtail_close(r->wt);
	phone_free(r->phone);
	engine_free(r->mic);
	free(r->pcm);
	free(r);
}

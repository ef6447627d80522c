/*
 * phone: lines, their engines, and the translation of events into per-line calls.
 *
 * A call's Call-ID is learnt the moment it is dialled: "dial" and "callstat" go out in one
 * write, baresip runs them back to back, and callstat prints the new (current) call's id. Events
 * that arrive before that answer (a call refused at once closes before callstat's response is
 * read) are kept in a small ring and replayed once the id is known, so nothing is lost and
 * nothing is guessed from peer URIs. Events whose id belongs to no line's current call are
 * stale (a call already closed) or not ours (the user's own calls in connect mode) and are
 * ignored.
 *
 * Commands for one call always name it: "callfind <id>" goes first in the same write. In
 * spawn mode that is belt and braces (the process has one call); in connect mode it is what
 * keeps a command on the right call.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <re.h>

#include "loftdial/config.h"
#include "loftdial/ctrlmsg.h"
#include "loftdial/log.h"
#include "loftdial/loop.h"
#include "loftdial/paths.h"
#include "loftdial/phone.h"
#include "loftdial/text.h"

#define RING_EVENTS 32
#define PATH_LEN    1024
#define SETTING_LEN 256
#define DTMF_MAX    32
#define SNDFILE_DEC "sndfile: dumping decode audio to "
#define SNDFILE_ENC "sndfile: dumping encode audio to "

/* An event copied while its call's id was not known yet. */
struct evcopy {
	const struct engine *eng;
	char type[32];
	char id[CALL_ID_MAX];
	char aor[CALL_URI_MAX];
	char param[CALL_REASON_MAX];
	uint64_t at;
	bool used;
};

/* The SIP message being read from the engine's trace. */
struct trace {
	int code;    /* status of a response, 0 for a request */
	bool invite; /* CSeq method INVITE */
	bool done;   /* already reported */
	char id[CALL_ID_MAX];
};

/* A final INVITE response seen in the trace. */
struct final {
	char id[CALL_ID_MAX];
	int code;
};

#define FINALS 8

struct line {
	unsigned n; /* 1..N */
	struct phone *ph;
	struct engine *eng;
	char dir[PATH_LEN], recdir[PATH_LEN];
	char rec_dec[PATH_LEN], rec_enc[PATH_LEN];
	bool up;
	bool busy;       /* a call is in progress (dialled, not closed) */
	bool id_pending; /* dial sent, callstat not answered yet */
	bool hangup_wanted;
	bool rep_audio, muted, held;
	struct call call;
	struct trace tr;
	struct final finals[FINALS];
	unsigned final_next;
};

struct phone {
	struct phone_opts o;
	char dir[PATH_LEN], baresip[PATH_LEN], local_ip[64], connect_addr[128];
	char aor[CALL_URI_MAX];
	char rep_source[SETTING_LEN], rep_player[SETTING_LEN];
	struct engine_opts tune;
	phone_h *h;
	void *arg;
	struct line lines[PHONE_LINES_MAX];
	struct engine *shared; /* connect mode */
	struct evcopy ring[RING_EVENTS];
	unsigned ring_next;
	unsigned stopping; /* engines still stopping */
	bool stop_called;
};

/* Tells the owner. */
static void note(struct phone *p, enum phone_ev ev, struct line *l, const char *text)
{
	struct phone_note n = {ev, l ? l->n : 0, l ? &l->call : NULL, text ? text : "", "", 0};

	if (p->h)
		p->h(&n, p->arg);
}

/* The line numbered line (1..N), or NULL. */
static struct line *line_of(const struct phone *p, unsigned line)
{
	if (!p || line < 1 || line > p->o.lines)
		return NULL;
	return (struct line *)&p->lines[line - 1];
}

unsigned phone_lines(const struct phone *p)
{
	return p ? p->o.lines : 0;
}

bool phone_line_up(const struct phone *p, unsigned line)
{
	const struct line *l = line_of(p, line);

	return l && l->up;
}

bool phone_line_idle(const struct phone *p, unsigned line)
{
	const struct line *l = line_of(p, line);

	return l && l->up && !l->busy;
}

struct engine *phone_engine(const struct phone *p, unsigned line)
{
	const struct line *l = line_of(p, line);

	return l ? l->eng : NULL;
}

/* True when path is a file directly inside dir. */
static bool inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return *dir && !strncmp(path, dir, n) && path[n] == '/' && !strchr(path + n + 1, '/') &&
	       strstr(path, "..") == NULL;
}

/* Deletes the line's recordings: they hold a prospect's voice and are only needed for AMD
 * while the call runs. */
static void drop_recordings(struct line *l)
{
	DIR *d;
	struct dirent *de;
	char path[PATH_LEN];

	l->rec_dec[0] = l->rec_enc[0] = '\0';
	if (!l->recdir[0])
		return;
	d = opendir(l->recdir);
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (strncmp(de->d_name, "dump-", 5) || len < 9 ||
		    strcmp(de->d_name + len - 4, ".wav"))
			continue;
		if (!text_printf(path, sizeof(path), "%s/%s", l->recdir, de->d_name))
			(void)unlink(path);
	}
	closedir(d);
}

/* Resets a line after its call ended. */
static void line_idle(struct line *l)
{
	l->busy = l->id_pending = l->hangup_wanted = false;
	l->muted = l->held = false;
	if (l->eng)
		engine_forget(l->eng, l);
}

/* Sends a batch for the line's current call: [uafind] [callfind id] cmds... */
static int send_call(struct line *l, const struct ctrl_cmd *cmds, size_t n, bool need_call,
                     ctrl_resp_h *h)
{
	struct phone *p = l->ph;
	struct ctrl_cmd batch[CTRL_BATCH_MAX];
	size_t k = 0, i;

	if (n + 2 > CTRL_BATCH_MAX)
		return EINVAL;
	if (p->o.mode == PHONE_CONNECT)
		batch[k++] = (struct ctrl_cmd){"uafind", p->aor};
	if (need_call && l->call.id[0])
		batch[k++] = (struct ctrl_cmd){"callfind", l->call.id};
	for (i = 0; i < n; i++)
		batch[k++] = cmds[i];
	return engine_send(l->eng, batch, k, h, l);
}

/* Closes the line's call with a local reason and tells the owner. */
static void close_local(struct line *l, const char *reason)
{
	call_close_local(&l->call, reason, loop_now_ms());
	l->rep_audio = false;
	line_idle(l);
	note(l->ph, PHONE_EV_CLOSED, l, "");
	drop_recordings(l);
}

/* Applies one event to the line's call and tells the owner what changed. */
static void apply(struct line *l, const struct ctrlmsg *ev, uint64_t at)
{
	struct phone *p = l->ph;
	enum call_change ch = call_apply(&l->call, ev, at);
	static const struct ctrl_cmd dummy[] = {{"ausrc", ENGINECONF_DUMMY_SRC},
	                                        {"auplay", ENGINECONF_DUMMY_PLAY}};

	switch (ch) {
	case CALL_CH_RINGING:
		note(p, PHONE_EV_RINGING, l, "");
		break;
	case CALL_CH_EARLY:
		note(p, PHONE_EV_EARLY, l, "");
		break;
	case CALL_CH_ANSWERED:
		note(p, PHONE_EV_ANSWERED, l, "");
		break;
	case CALL_CH_RTP:
		note(p, PHONE_EV_RTP, l, "");
		break;
	case CALL_CH_CLOSED:
		/* The next call starts on the dummy anyway (per-account audio); the global setting
		 * is put back too, so nothing can open the headset by accident. */
		if (l->rep_audio)
			(void)send_call(l, dummy, 2, false, NULL);
		l->rep_audio = false;
		line_idle(l);
		note(p, PHONE_EV_CLOSED, l, "");
		drop_recordings(l);
		break;
	case CALL_CH_NONE:
		break;
	}
}

/* A ctrlmsg view of a copied event, for replaying it. */
static void replay(struct line *l)
{
	struct phone *p = l->ph;
	unsigned i;

	for (i = 0; i < RING_EVENTS && l->busy; i++) {
		struct evcopy *c = &p->ring[(p->ring_next + i) % RING_EVENTS];
		struct ctrlmsg m;

		if (c->used || !c->type[0] || c->eng != l->eng || strcmp(c->id, l->call.id))
			continue;
		memset(&m, 0, sizeof(m));
		m.kind = CTRLMSG_EVENT;
		m.type = c->type;
		m.id = c->id;
		m.aor = c->aor;
		m.param = c->param;
		m.cls = m.direction = m.peeruri = m.data = m.token = "";
		c->used = true;
		apply(l, &m, c->at);
	}
}

/* Finds "id=<callid>" in callstat's output. */
static bool parse_callid(const char *data, char *id, size_t n)
{
	const char *p = strstr(data ? data : "", " id=");
	size_t len;

	if (!p)
		return false;
	p += 4;
	len = strcspn(p, " \r\n\t");
	if (len == 0 || len >= n || !strncmp(p, "(null)", 6))
		return false;
	memcpy(id, p, len);
	id[len] = '\0';
	return ctrlmsg_text_ok(id);
}

static void do_hangup(struct line *l);

/* The answer to "dial" + "callstat". */
static void dial_resp(int err, const struct ctrl_result *res, size_t n, void *arg)
{
	struct line *l = arg;
	const struct ctrl_result *dial, *stat;
	char id[CALL_ID_MAX], why[CALL_REASON_MAX];

	if (!l->id_pending || !l->busy)
		return;
	if (err || n < 2)
		return; /* the engine is failing; LINE_DOWN closes the call */
	dial = &res[n - 2];
	stat = &res[n - 1];
	l->id_pending = false;
	if (!dial->ok) {
		char shown[64];

		text_sanitize(shown, sizeof(shown), dial->data, true);
		text_printf(why, sizeof(why), "baresip refused the dial: %s", shown);
		close_local(l, why);
		return;
	}
	if (stat->ok && parse_callid(stat->data, id, sizeof(id))) {
		call_set_id(&l->call, id);
		log_debug("phone", "line %u: call %s to %s", l->n, id, l->call.uri);
		replay(l);
		if (l->busy && l->hangup_wanted)
			do_hangup(l);
		return;
	}
	/* No current call right after dialling: it already ended. */
	close_local(l, "the call ended before it started");
}

int phone_dial(struct phone *p, unsigned line, const char *uri)
{
	struct line *l = line_of(p, line);
	struct ctrl_cmd cmds[2] = {{"dial", uri}, {"callstat", NULL}};
	int err;

	if (!l || !uri || !ctrlmsg_text_ok(uri) || !*uri)
		return EINVAL;
	if (!l->up)
		return ENOTCONN;
	if (l->busy)
		return EBUSY;
	call_start(&l->call, "", uri, loop_now_ms());
	l->busy = l->id_pending = true;
	l->hangup_wanted = l->rep_audio = l->muted = l->held = false;
	l->rec_dec[0] = l->rec_enc[0] = '\0';
	err = send_call(l, cmds, 2, false, dial_resp);
	if (err) {
		l->busy = l->id_pending = false;
		l->call.state = CALL_IDLE;
	}
	return err;
}

/* Sends the hangup for a call whose id is known (or the only call of a spawned engine). */
static void do_hangup(struct line *l)
{
	static const struct ctrl_cmd hang = {"hangup", NULL};

	l->hangup_wanted = false;
	(void)send_call(l, &hang, 1, true, NULL);
}

int phone_hangup(struct phone *p, unsigned line)
{
	struct line *l = line_of(p, line);

	if (!l)
		return EINVAL;
	if (!l->busy)
		return ENOENT;
	if (l->id_pending && p->o.mode == PHONE_CONNECT) {
		/* Without the id, "hangup" could hit another line's call: wait for it. */
		l->hangup_wanted = true;
		return 0;
	}
	do_hangup(l);
	return 0;
}

/* Response to an audio switch: baresip says ok even when the device did not open. */
static void audio_resp(int err, const struct ctrl_result *res, size_t n, void *arg)
{
	struct line *l = arg;
	size_t i;

	if (err)
		return;
	for (i = 0; i < n; i++) {
		if (!res[i].ok || strstr(res[i].data, "failed")) {
			char shown[160], msg[220];

			text_sanitize(shown, sizeof(shown), res[i].data, true);
			text_printf(msg, sizeof(msg), "audio device: %s", shown);
			log_warn("phone", "line %u: %s", l->n, msg);
			note(l->ph, PHONE_EV_WARNING, l, msg);
			return;
		}
	}
}

int phone_rep_audio(struct phone *p, unsigned line, bool on)
{
	struct line *l = line_of(p, line);
	struct ctrl_cmd cmds[2] = {{"ausrc", on ? p->rep_source : ENGINECONF_DUMMY_SRC},
	                           {"auplay", on ? p->rep_player : ENGINECONF_DUMMY_PLAY}};
	int err;

	if (!l)
		return EINVAL;
	if (!l->busy || l->id_pending)
		return ENOENT;
	err = send_call(l, cmds, 2, true, audio_resp);
	if (!err)
		l->rep_audio = on;
	return err;
}

int phone_play(struct phone *p, unsigned line, const char *wav)
{
	struct line *l = line_of(p, line);
	char setting[PATH_LEN + 8];
	struct ctrl_cmd cmd = {"ausrc", setting};
	int err;

	if (!l || !wav || !*wav || text_printf(setting, sizeof(setting), "aufile,%s", wav) ||
	    !ctrlmsg_text_ok(setting))
		return EINVAL;
	if (!l->busy || l->id_pending)
		return ENOENT;
	err = send_call(l, &cmd, 1, true, audio_resp);
	if (!err)
		l->rep_audio = true; /* the global setting must go back to the dummy */
	return err;
}

int phone_dtmf(struct phone *p, unsigned line, const char *digits)
{
	struct line *l = line_of(p, line);
	struct ctrl_cmd cmd = {"sndcode", digits};
	size_t len;

	if (!l || !digits)
		return EINVAL;
	len = strlen(digits);
	if (len == 0 || len > DTMF_MAX || strspn(digits, "0123456789*#ABCD") != len)
		return EINVAL;
	if (!l->busy || l->id_pending)
		return ENOENT;
	return send_call(l, &cmd, 1, true, NULL);
}

int phone_mute(struct phone *p, unsigned line, bool on)
{
	struct line *l = line_of(p, line);
	static const struct ctrl_cmd cmd = {"mute", NULL};
	int err;

	if (!l)
		return EINVAL;
	if (!l->busy || l->id_pending)
		return ENOENT;
	if (l->muted == on)
		return 0;
	/* baresip's mute toggles. */
	err = send_call(l, &cmd, 1, true, NULL);
	if (!err)
		l->muted = on;
	return err;
}

int phone_hold(struct phone *p, unsigned line, bool on)
{
	struct line *l = line_of(p, line);
	struct ctrl_cmd cmd = {on ? "hold" : "resume", NULL};
	int err;

	if (!l)
		return EINVAL;
	if (!l->busy || l->id_pending || l->call.state != CALL_ANSWERED)
		return ENOENT;
	if (l->held == on)
		return 0;
	err = send_call(l, &cmd, 1, true, NULL);
	if (!err)
		l->held = on;
	return err;
}

/* Looks for the newest "-dec.wav" in the line's recording folder. */
static void find_recording(struct line *l)
{
	DIR *d = opendir(l->recdir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len > 8 && !strncmp(de->d_name, "dump-", 5) &&
		    !strcmp(de->d_name + len - 8, "-dec.wav")) {
			char path[PATH_LEN];

			if (!text_printf(path, sizeof(path), "%s/%s", l->recdir, de->d_name) &&
			    strcmp(path, l->rec_dec) > 0)
				text_copy(l->rec_dec, sizeof(l->rec_dec), path);
		}
	}
	closedir(d);
}

const char *phone_recording(struct phone *p, unsigned line)
{
	struct line *l = line_of(p, line);

	if (!l || !l->busy || !l->recdir[0])
		return NULL;
	if (!l->rec_dec[0])
		find_recording(l);
	return l->rec_dec[0] ? l->rec_dec : NULL;
}

void phone_fail_line(struct phone *p, unsigned line, const char *reason)
{
	struct line *l = line_of(p, line);

	if (l && l->eng)
		engine_fail(l->eng, reason);
}

/* Keeps an event whose call id is not known yet. */
static void keep(struct phone *p, const struct engine *e, const struct ctrlmsg *ev)
{
	struct evcopy *c = &p->ring[p->ring_next];

	p->ring_next = (p->ring_next + 1) % RING_EVENTS;
	memset(c, 0, sizeof(*c));
	c->eng = e;
	text_copy(c->type, sizeof(c->type), ev->type);
	text_copy(c->id, sizeof(c->id), ev->id);
	text_copy(c->aor, sizeof(c->aor), ev->aor);
	text_copy(c->param, sizeof(c->param), ev->param);
	c->at = loop_now_ms();
}

/* Rejects an incoming call on one of our lines: a dialer takes no calls. */
static void reject_incoming(struct phone *p, struct engine *e, const struct ctrlmsg *ev)
{
	struct ctrl_cmd cmds[2] = {{"callfind", ev->id}, {"hangup", NULL}};
	char who[96];

	if (p->o.mode != PHONE_SPAWN || !ctrlmsg_text_ok(ev->id))
		return;
	text_sanitize(who, sizeof(who), ev->peeruri, true);
	log_info("phone", "%s: rejecting an incoming call from %s", engine_name(e), who);
	(void)engine_send(e, cmds, 2, NULL, NULL);
}

/* An engine event: to the line whose call it is, or kept until the id is known. */
static void eng_event(struct engine *e, const struct ctrlmsg *ev, void *arg)
{
	struct phone *p = arg;
	unsigned i;
	bool pending = false;

	if (!ev->id[0])
		return; /* CALL_LOCAL_SDP before the INVITE, registration, ... */
	for (i = 0; i < p->o.lines; i++) {
		struct line *l = &p->lines[i];

		if (l->eng != e || !l->busy)
			continue;
		if (l->id_pending)
			pending = true;
		else if (call_matches(&l->call, ev)) {
			apply(l, ev, loop_now_ms());
			return;
		}
	}
	if (!strcmp(ev->type, "CALL_INCOMING")) {
		reject_incoming(p, e, ev);
		return;
	}
	if (pending)
		keep(p, e, ev);
}

/* The lines an engine carries. */
#define FOR_LINES_OF(p, e, l)                                                                      \
	for (unsigned li_ = 0; li_ < (p)->o.lines; li_++)                                          \
		if (((l) = &(p)->lines[li_])->eng == (e))

/* An engine came up: its lines may dial. */
static void eng_up(struct engine *e, void *arg)
{
	struct phone *p = arg;
	struct line *l;

	if (p->o.mode == PHONE_CONNECT) {
		/* Recipe A: every new call of the user's UA starts on the silent dummy. */
		struct ctrl_cmd cmds[3] = {{"uafind", p->aor},
		                           {"ausrc", ENGINECONF_DUMMY_SRC},
		                           {"auplay", ENGINECONF_DUMMY_PLAY}};

		(void)engine_send(e, cmds, 3, NULL, NULL);
	}
	FOR_LINES_OF(p, e, l)
	{
		l->up = true;
		note(p, PHONE_EV_LINE_UP, l, "");
	}
}

/* An engine failed: close its lines' calls with the reason. */
static void eng_down(struct engine *e, const char *reason, void *arg)
{
	struct phone *p = arg;
	struct line *l;
	char why[CALL_REASON_MAX];

	text_printf(why, sizeof(why), "engine failed: %s", reason);
	FOR_LINES_OF(p, e, l)
	{
		l->up = false;
		if (l->busy) {
			call_close_local(&l->call, why, loop_now_ms());
			l->rep_audio = false;
			line_idle(l);
			drop_recordings(l);
		}
		note(p, PHONE_EV_LINE_DOWN, l, reason);
	}
}

/* Reads one line of the SIP trace: "#" starts a message, then the start line and headers. */
static void trace_line(struct line *l, const char *text)
{
	struct trace *tr = &l->tr;

	if (!strcmp(text, "#")) {
		memset(tr, 0, sizeof(*tr));
		return;
	}
	if (!strncmp(text, "SIP/2.0 ", 8) && strlen(text) >= 11) {
		tr->code = call_sip_code(text + 8, NULL, 0);
	} else if (!strncasecmp(text, "Call-ID:", 8) || !strncasecmp(text, "i:", 2)) {
		const char *v = text + (text[1] == ':' ? 2 : 8);

		while (*v == ' ' || *v == '\t')
			v++;
		text_copy(tr->id, sizeof(tr->id), v);
	} else if (!strncasecmp(text, "CSeq:", 5)) {
		tr->invite = strstr(text, " INVITE") != NULL;
	} else {
		return;
	}
	if (tr->code >= 200 && tr->invite && tr->id[0] && !tr->done) {
		struct final *f = &l->finals[l->final_next];
		struct phone_note n = {PHONE_EV_INVITE_FINAL, l->n, &l->call, "", f->id, tr->code};

		tr->done = true;
		l->final_next = (l->final_next + 1) % FINALS;
		text_copy(f->id, sizeof(f->id), tr->id);
		f->code = tr->code;
		if (l->ph->h)
			l->ph->h(&n, l->ph->arg);
	}
}

bool phone_traced(const struct phone *p)
{
	return p && p->o.mode == PHONE_SPAWN;
}

int phone_invite_final(const struct phone *p, unsigned line, const char *id)
{
	const struct line *l = line_of(p, line);
	unsigned i;

	if (!l || !id || !*id)
		return 0;
	for (i = 0; i < FINALS; i++)
		if (!strcmp(l->finals[i].id, id))
			return l->finals[i].code;
	return 0;
}

/* A line of an engine's output: SIP trace and sndfile paths. */
static void eng_log(struct engine *e, const char *text, void *arg)
{
	struct phone *p = arg;
	struct line *l;
	bool dec = !strncmp(text, SNDFILE_DEC, strlen(SNDFILE_DEC));

	FOR_LINES_OF(p, e, l)
	{
		trace_line(l, text);
	}
	if (!dec && strncmp(text, SNDFILE_ENC, strlen(SNDFILE_ENC)))
		return;
	FOR_LINES_OF(p, e, l)
	{
		const char *path = text + strlen(dec ? SNDFILE_DEC : SNDFILE_ENC);

		if (!l->busy || !inside(path, l->recdir))
			continue;
		text_copy(dec ? l->rec_dec : l->rec_enc, PATH_LEN, path);
		if (dec)
			note(p, PHONE_EV_RECORDING, l, path);
	}
}

/* An engine stopped; the last one ends phone_stop(). */
static void eng_stopped(struct engine *e, void *arg)
{
	struct phone *p = arg;

	if (p->stopping && --p->stopping == 0)
		note(p, PHONE_EV_STOPPED, NULL, "");
}

static const struct engine_handlers handlers = {eng_up, eng_down, eng_event, eng_log, eng_stopped};

/* Makes a line's folders and writes its baresip config. */
static int prepare_line(struct phone *p, struct line *l, char *why, size_t whyn)
{
	char account[ENGINECONF_ACCOUNT_MAX], sip[96], ctrl[64];
	struct engineconf c;
	int err;

	if (text_printf(l->dir, sizeof(l->dir), "%s/engine/line%u", p->dir, l->n) ||
	    (p->o.record && text_printf(l->recdir, sizeof(l->recdir), "%s/rec", l->dir))) {
		text_printf(why, whyn, "the data folder path is too long");
		return ENAMETOOLONG;
	}
	err = paths_mkdirs(l->dir, 0700);
	if (!err && l->recdir[0])
		err = paths_mkdirs(l->recdir, 0700);
	if (err) {
		text_printf(why, whyn, "cannot create %s: %s", l->dir, strerror(err));
		return err;
	}
	drop_recordings(l);
	err = engineconf_account(account, sizeof(account), &p->o.account, l->n == 1, why, whyn);
	if (err)
		return err;
	text_printf(sip, sizeof(sip), "%s:%u", p->local_ip[0] ? p->local_ip : "0.0.0.0",
	            p->o.sip_port + 10 * l->n);
	text_printf(ctrl, sizeof(ctrl), "127.0.0.1:%u", p->o.ctrl_port + l->n);
	memset(&c, 0, sizeof(c));
	c.sip_listen = sip;
	c.net_interface = p->local_ip;
	c.ctrl_listen = ctrl;
	c.rtp_timeout = p->o.rtp_timeout;
	c.rtp_ports = p->o.rtp_ports;
	c.snd_path = l->recdir;
	c.rep_source = p->rep_source;
	c.rep_player = p->rep_player;
	c.account = account;
	err = engineconf_write(l->dir, &c);
	if (err == EINVAL && c.rtp_ports && *c.rtp_ports &&
	    config_check("engine.rtp_ports", c.rtp_ports, why, whyn))
		return err;
	if (err)
		text_printf(why, whyn, "cannot write the engine config in %s: %s", l->dir,
		            strerror(err));
	return err;
}

/* Starts one engine. */
static int start_engine(struct phone *p, struct engine **ep, const char *name, const char *dir,
                        const char *ctrl_addr, char *why, size_t whyn)
{
	struct engine_opts eo = p->tune;
	int err;

	eo.mode = p->o.mode == PHONE_SPAWN ? ENGINE_SPAWN : ENGINE_CONNECT;
	eo.name = name;
	eo.program = p->baresip;
	eo.dir = dir;
	eo.ctrl_addr = ctrl_addr;
	err = engine_start(ep, &eo, &handlers, p);
	if (err == ENOENT && p->o.mode == PHONE_SPAWN)
		text_printf(why, whyn, "cannot find the baresip program '%s' (engine.baresip)",
		            p->baresip);
	else if (err)
		text_printf(why, whyn, "cannot start the engine (%s): %s", name, strerror(err));
	return err;
}

int phone_start(struct phone **pp, const struct phone_opts *o, phone_h *h, void *arg, char *why,
                size_t whyn)
{
	struct phone *p;
	char account[ENGINECONF_ACCOUNT_MAX];
	unsigned i;
	int err = 0;

	if (!pp || !o)
		return EINVAL;
	if (o->lines < 1 || o->lines > PHONE_LINES_MAX) {
		text_printf(why, whyn, "lines must be 1 to %d", PHONE_LINES_MAX);
		return EINVAL;
	}
	if (!ctrlmsg_text_ok(o->rep_source ? o->rep_source : "") ||
	    !ctrlmsg_text_ok(o->rep_player ? o->rep_player : "") || !o->rep_source ||
	    !strchr(o->rep_source, ',') || !o->rep_player || !strchr(o->rep_player, ',')) {
		text_printf(why, whyn, "audio.source and audio.player must read module,device");
		return EINVAL;
	}
	err = engineconf_account(account, sizeof(account), &o->account, false, why, whyn);
	if (err)
		return err;
	if (o->mode == PHONE_SPAWN &&
	    (!o->dir || !o->baresip || o->sip_port < 1024 || o->sip_port + 10 * o->lines > 65534 ||
	     o->ctrl_port < 1024 || o->ctrl_port + o->lines > 65535)) {
		text_printf(why, whyn, "engine ports or folders are not usable");
		return EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return ENOMEM;
	p->o = *o;
	p->h = h;
	p->arg = arg;
	if (o->tune)
		p->tune = *o->tune;
	text_copy(p->dir, sizeof(p->dir), o->dir ? o->dir : "");
	text_copy(p->baresip, sizeof(p->baresip), o->baresip ? o->baresip : "baresip");
	text_copy(p->local_ip, sizeof(p->local_ip), o->local_ip ? o->local_ip : "");
	text_copy(p->connect_addr, sizeof(p->connect_addr), o->connect_addr ? o->connect_addr : "");
	text_copy(p->aor, sizeof(p->aor), o->account.aor);
	text_copy(p->rep_source, sizeof(p->rep_source), o->rep_source);
	text_copy(p->rep_player, sizeof(p->rep_player), o->rep_player);
	p->o.dir = p->dir;
	p->o.tune = NULL;
	if (o->mode == PHONE_CONNECT)
		p->o.record = false; /* one process: sndfile recordings would collide */
	for (i = 0; i < o->lines; i++) {
		p->lines[i].n = i + 1;
		p->lines[i].ph = p;
	}
	if (o->mode == PHONE_CONNECT) {
		err = start_engine(p, &p->shared, "engine", NULL, p->connect_addr, why, whyn);
		if (err)
			goto out;
		for (i = 0; i < o->lines; i++)
			p->lines[i].eng = p->shared;
	} else {
		for (i = 0; i < o->lines; i++) {
			struct line *l = &p->lines[i];
			char name[16], ctrl[64];

			err = prepare_line(p, l, why, whyn);
			if (err)
				goto out;
			text_printf(name, sizeof(name), "line %u", l->n);
			text_printf(ctrl, sizeof(ctrl), "127.0.0.1:%u", o->ctrl_port + l->n);
			err = start_engine(p, &l->eng, name, l->dir, ctrl, why, whyn);
			if (err)
				goto out;
		}
	}
	*pp = p;
	return 0;
out:
	phone_free(p);
	return err;
}

void phone_stop(struct phone *p)
{
	unsigned i;

	if (!p || p->stop_called)
		return;
	p->stop_called = true;
	if (p->shared) {
		/* Leave the user's baresip on their headset, as it was meant to be. */
		struct ctrl_cmd cmds[3] = {
		        {"uafind", p->aor}, {"ausrc", p->rep_source}, {"auplay", p->rep_player}};

		(void)engine_send(p->shared, cmds, 3, NULL, NULL);
		p->stopping = 1;
		engine_stop(p->shared);
		return;
	}
	p->stopping = p->o.lines;
	for (i = 0; i < p->o.lines; i++)
		engine_stop(p->lines[i].eng);
}

void phone_free(struct phone *p)
{
	unsigned i;

	if (!p)
		return;
	if (p->shared) {
		engine_free(p->shared);
	} else {
		for (i = 0; i < p->o.lines; i++) {
			engine_free(p->lines[i].eng);
			drop_recordings(&p->lines[i]);
		}
	}
	free(p);
}

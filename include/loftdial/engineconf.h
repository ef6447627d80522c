/*
 * engineconf: the private baresip configuration loftdial writes for each engine it runs.
 *
 * One folder per engine holds `config`, `accounts` (0600: it carries the SIP password) and an
 * empty `contacts`. The config loads only what a headless dialer needs (G.711, the aubridge
 * silent dummy, aufile for recorded voicemail, the rep's audio driver, sndfile when AMD needs
 * the far end's audio, account, menu and ctrl_tcp; never stdio), binds SIP and ctrl_tcp where
 * it is told, sets rtp_timeout so a dead far end ends the call, and makes the silent dummy the
 * audio of every call, so only the line that loftdial connects to the rep opens the headset.
 */
#ifndef LOFTDIAL_ENGINECONF_H
#define LOFTDIAL_ENGINECONF_H

#include <stdbool.h>
#include <stddef.h>

/* The silent dummy: two different aubridge device names never exchange audio. */
#define ENGINECONF_DUMMY_SRC  "aubridge,nosrc"
#define ENGINECONF_DUMMY_PLAY "aubridge,noplay"

#define ENGINECONF_ACCOUNT_MAX 1024

/* The rep's SIP account, as configured (sip.*). */
struct sip_account {
	const char *aor;       /* "sip:rep@sip.example.com" */
	const char *registrar; /* "" = do not register */
	const char *outbound;  /* "" = none */
	const char *auth_user;
	const char *auth_pass; /* secret */
	const char *caller_id; /* display name, "" = none */
	const char *transport; /* "udp", "tcp" or "tls" */
};

struct engineconf {
	const char *sip_listen;    /* "127.0.0.1:5270", or "0.0.0.0:5270" */
	const char *net_interface; /* "" = let baresip choose */
	const char *ctrl_listen;   /* "127.0.0.1:4461" */
	unsigned rtp_timeout;      /* seconds, 0 = off */
	const char *rtp_ports;     /* "LO-HI" (engine.rtp_ports), NULL or "" = baresip's own */
	const char *snd_path;      /* folder for sndfile recordings, "" = do not record */
	const char *module_path;   /* "" = /usr/lib/baresip/modules */
	const char *rep_source;    /* "alsa,default": its module gets loaded */
	const char *rep_player;
	const char *account; /* one accounts line (engineconf_account) */
};

/* Builds the accounts line for one engine. reg: this engine registers (only one engine of a
 * pool does, so incoming calls do not fork to every line). 0, or EINVAL with a reason naming
 * the config key at fault (characters baresip's account syntax cannot carry, an AOR that is
 * not a sip: URI, ...). */
int engineconf_account(char *out, size_t n, const struct sip_account *a, bool reg, char *why,
                       size_t whyn);

/* Writes dir/config, dir/accounts (0600) and dir/contacts, replacing them. The folder must
 * exist. 0 or an errno value (EINVAL for a value baresip cannot be given, such as an
 * rtp_ports that engine.rtp_ports would refuse). */
int engineconf_write(const char *dir, const struct engineconf *c);

#endif

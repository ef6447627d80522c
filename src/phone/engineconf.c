/*
 * engineconf: writing baresip's config and accounts files.
 *
 * Values are checked before they are written, because baresip reads these files with simple
 * pattern matching: a ';' or a blank inside a password would silently cut it short, a newline
 * would start a new account, a quote would end the display name. Rather than guess an
 * escaping baresip 1.0.0 may not undo, such values are refused with a message that names the
 * key. Files are written to a temporary name and renamed, so a crash never leaves half a file.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loftdial/config.h"
#include "loftdial/dialplan.h"
#include "loftdial/engineconf.h"
#include "loftdial/text.h"

/* True when s can be an account parameter value: printable ASCII, no blank, ';' or '"'. */
static bool param_ok(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c >= 0x7f || c == ';' || c == '"' || c == '<' || c == '>')
			return false;
	}
	return true;
}

/* True when s is a plain "sip:host[:port]" or "sip:user@host[:port]" with no parameters. */
static bool plain_sip_uri(const char *s)
{
	return dialplan_uri_ok(s) && strchr(s, ';') == NULL && strchr(s, '?') == NULL;
}

int engineconf_account(char *out, size_t n, const struct sip_account *a, bool reg, char *why,
                       size_t whyn)
{
	const char *tp = a && a->transport ? a->transport : "udp";
	const char *outbound;
	char name[160] = "";
	int err;

	if (!out || !a || !a->aor)
		return EINVAL;
	if (!plain_sip_uri(a->aor) || !strchr(a->aor, '@')) {
		text_printf(why, whyn, "sip.aor must be a sip:user@host URI without parameters");
		return EINVAL;
	}
	if (a->registrar && *a->registrar && !plain_sip_uri(a->registrar)) {
		text_printf(why, whyn, "sip.registrar must be a sip:host[:port] URI");
		return EINVAL;
	}
	if (a->outbound && *a->outbound && !plain_sip_uri(a->outbound)) {
		text_printf(why, whyn,
		            "sip.outbound must be a sip:host[:port] URI without "
		            "parameters");
		return EINVAL;
	}
	if (a->auth_user && !param_ok(a->auth_user)) {
		text_printf(why, whyn,
		            "sip.auth_user may not contain blanks, ';', '\"', '<' or '>'");
		return EINVAL;
	}
	if (a->auth_pass && !param_ok(a->auth_pass)) {
		text_printf(why, whyn,
		            "sip.auth_pass may not contain blanks, ';', '\"', '<' or '>' "
		            "(baresip 1.0.0's account syntax cannot carry them)");
		return EINVAL;
	}
	if (strcmp(tp, "udp") && strcmp(tp, "tcp") && strcmp(tp, "tls")) {
		text_printf(why, whyn, "sip.transport must be udp, tcp or tls");
		return EINVAL;
	}
	if (a->caller_id && *a->caller_id) {
		const char *p;

		if (!text_is_clean(a->caller_id) || strlen(a->caller_id) > 64) {
			text_printf(why, whyn,
			            "sip.caller_id must be at most 64 printable characters");
			return EINVAL;
		}
		for (p = a->caller_id; *p; p++) {
			if (*p == '"' || *p == '\\' || *p == '<' || *p == '>') {
				text_printf(why, whyn,
				            "sip.caller_id may not contain quotes, '\\', "
				            "'<' or '>'");
				return EINVAL;
			}
		}
		text_printf(name, sizeof(name), "\"%s\" ", a->caller_id);
	}
	/* baresip registers at the AOR's domain; a separate registrar is reached by routing
	 * through it as the outbound proxy, unless one is configured already. */
	outbound = a->outbound && *a->outbound ? a->outbound : "";
	if (reg && !*outbound && a->registrar && *a->registrar)
		outbound = a->registrar;
	err = text_printf(
	        out, n,
	        "%s<%s%s>;regint=%d%s%s%s%s%s%s;audio_source=%s;audio_player=%s;"
	        "answermode=manual;call_transfer=no;mwi=no\n",
	        name, a->aor,
	        !strcmp(tp, "tcp") ? ";transport=tcp"
	                           : (!strcmp(tp, "tls") ? ";transport=tls" : ""),
	        reg && a->registrar && *a->registrar ? 600 : 0, *outbound ? ";outbound=" : "",
	        outbound, a->auth_user && *a->auth_user ? ";auth_user=" : "",
	        a->auth_user ? a->auth_user : "",
	        a->auth_pass && *a->auth_pass ? ";auth_pass=" : "",
	        a->auth_pass ? a->auth_pass : "", ENGINECONF_DUMMY_SRC, ENGINECONF_DUMMY_PLAY);
	if (err) {
		text_printf(why, whyn, "the SIP account line is too long");
		return EINVAL;
	}
	return 0;
}

/* Writes text to dir/name with the given mode, through a temporary file. */
static int write_file(const char *dir, const char *name, const char *text, unsigned mode)
{
	char path[1024], tmp[1100];
	size_t len = strlen(text), off = 0;
	int fd, err = 0;

	if (text_printf(path, sizeof(path), "%s/%s", dir, name) ||
	    text_printf(tmp, sizeof(tmp), "%s.tmp", path))
		return ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return errno;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			break;
		}
		off += (size_t)w;
	}
	if (!err && fchmod(fd, mode) < 0)
		err = errno;
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && rename(tmp, path) < 0)
		err = errno;
	if (err)
		unlink(tmp);
	return err;
}

/* Appends "module <mod>.so" for the driver part of a "mod,device" setting, once. */
static void add_driver(char *buf, size_t n, const char *setting)
{
	char mod[32], line[64];
	size_t len = setting ? strcspn(setting, ",") : 0, i;

	if (len == 0 || len >= sizeof(mod))
		return;
	for (i = 0; i < len; i++)
		if (!islower((unsigned char)setting[i]) && !isdigit((unsigned char)setting[i]) &&
		    setting[i] != '_')
			return;
	memcpy(mod, setting, len);
	mod[len] = '\0';
	text_printf(line, sizeof(line), "module\t\t\t%s.so\n", mod);
	if (strstr(buf, line))
		return;
	len = strlen(buf);
	(void)text_copy(buf + len, n - len, line);
}

/* True when a config value fits on one line: printable, no control characters. */
static bool value_ok(const char *s)
{
	return s && text_is_clean(s) && !strpbrk(s, "\r\n\t");
}

int engineconf_write(const char *dir, const struct engineconf *c)
{
	char conf[4096], tail[1024], ports[64] = "", why[160];
	char modules[512] = "module\t\t\tg711.so\nmodule\t\t\taubridge.so\nmodule\t\t\taufile.so\n";
	int err;

	if (!dir || !c || !c->sip_listen || !c->ctrl_listen || !c->account)
		return EINVAL;
	if (!value_ok(c->sip_listen) || !value_ok(c->ctrl_listen) ||
	    (c->net_interface && !value_ok(c->net_interface)) ||
	    (c->snd_path && !value_ok(c->snd_path)) ||
	    (c->module_path && !value_ok(c->module_path)) ||
	    strchr(c->account, '\n') != strrchr(c->account, '\n'))
		return EINVAL;
	/* The same rule as the config key's, so a range set in code is checked too. */
	if (c->rtp_ports && *c->rtp_ports) {
		if (config_check("engine.rtp_ports", c->rtp_ports, why, sizeof(why)))
			return EINVAL;
		text_printf(ports, sizeof(ports), "rtp_ports\t\t%s\n", c->rtp_ports);
	}
	add_driver(modules, sizeof(modules), c->rep_source);
	add_driver(modules, sizeof(modules), c->rep_player);
	tail[0] = '\0';
	if (c->snd_path && *c->snd_path)
		text_printf(tail, sizeof(tail), "module\t\t\tsndfile.so\nsnd_path\t\t%s\n",
		            c->snd_path);
	err = text_printf(
	        conf, sizeof(conf),
	        "# Written by loftdial for one of its lines; rewritten at every start.\n"
	        "poll_method\t\tepoll\n"
	        "sip_listen\t\t%s\n"
	        "%s%s%s"
	        "call_local_timeout\t20\n"
	        "call_max_calls\t\t1\n"
	        "audio_path\t\t/usr/share/baresip\n"
	        "audio_player\t\t" ENGINECONF_DUMMY_PLAY "\n"
	        "audio_source\t\t" ENGINECONF_DUMMY_SRC "\n"
	        "audio_alert\t\t" ENGINECONF_DUMMY_PLAY "\n"
	        "audio_buffer\t\t20-160\n"
	        "jitter_buffer_delay\t5-10\n"
	        "rtcp_mux\t\tno\n"
	        "rtp_timeout\t\t%u\n"
	        "%s"
	        "module_path\t\t%s\n"
	        "%s%s"
	        "module_tmp\t\taccount.so\n"
	        "module_app\t\tmenu.so\n"
	        "module_app\t\tctrl_tcp.so\n"
	        "ctrl_tcp_listen\t\t%s\n"
	        "menu_bell\t\tno\n"
	        "ringback_disabled\tyes\n"
	        "statmode_default\toff\n",
	        c->sip_listen, c->net_interface && *c->net_interface ? "net_interface\t\t" : "",
	        c->net_interface && *c->net_interface ? c->net_interface : "",
	        c->net_interface && *c->net_interface ? "\n" : "", c->rtp_timeout, ports,
	        c->module_path && *c->module_path ? c->module_path : "/usr/lib/baresip/modules",
	        modules, tail, c->ctrl_listen);
	if (err)
		return err;
	err = write_file(dir, "config", conf, 0600);
	if (!err)
		err = write_file(dir, "accounts", c->account, 0600);
	if (!err)
		err = write_file(dir, "contacts", "", 0600);
	return err;
}

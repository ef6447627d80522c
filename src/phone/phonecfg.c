/*
 * phonecfg: the phone's options read from the config (engine.*, sip.*, audio.*), shared by
 * every face that starts the phone.
 */
#include <string.h>

#include "loftdial/config.h"
#include "loftdial/phone.h"

void phone_opts_from_config(struct phone_opts *o, const struct config *cfg, const char *data_dir,
                            unsigned lines)
{
	memset(o, 0, sizeof(*o));
	o->mode = strcmp(config_str(cfg, "engine.mode"), "connect") ? PHONE_SPAWN : PHONE_CONNECT;
	o->lines = lines;
	o->baresip = config_str(cfg, "engine.baresip");
	o->dir = data_dir;
	o->local_ip = config_str(cfg, "engine.local_ip");
	o->sip_port = (unsigned)config_int(cfg, "engine.sip_port");
	o->ctrl_port = (unsigned)config_int(cfg, "engine.ctrl_port");
	o->connect_addr = config_str(cfg, "engine.address");
	o->rtp_timeout = (unsigned)config_int(cfg, "engine.rtp_timeout");
	o->rtp_ports = config_str(cfg, "engine.rtp_ports");
	o->account.aor = config_str(cfg, "sip.aor");
	o->account.registrar = config_str(cfg, "sip.registrar");
	o->account.outbound = config_str(cfg, "sip.outbound");
	o->account.auth_user = config_str(cfg, "sip.auth_user");
	o->account.auth_pass = config_str(cfg, "sip.auth_pass");
	o->account.caller_id = config_str(cfg, "sip.caller_id");
	o->account.transport = config_str(cfg, "sip.transport");
	o->rep_source = config_str(cfg, "audio.source");
	o->rep_player = config_str(cfg, "audio.player");
}

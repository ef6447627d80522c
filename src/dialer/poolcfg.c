/*
 * poolcfg: the pool's edges that every face shares: its options read from the config, and an
 * ended attempt saved as a dial_attempts row. `loftdial dial` and the TUI use the same two, so
 * a setting or a record means the same whichever runs the pool.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loftdial/attempts.h"
#include "loftdial/config.h"
#include "loftdial/pool.h"
#include "loftdial/text.h"

void pool_opts_from_config(struct pool_opts *o, const struct config *cfg, unsigned talk_s)
{
	const char *amd = config_str(cfg, "dial.amd"), *mach = config_str(cfg, "dial.machine");
	const char *test_ring = getenv("LOFTDIAL_TEST_RING_TIMEOUT_MS");

	memset(o, 0, sizeof(*o));
	o->ring_timeout_ms = (unsigned)config_int(cfg, "dial.ring_timeout") * 1000;
	/* Test-only: the tests ring out in a second instead of 15 (docs/telephony.md). */
	if (test_ring && atoi(test_ring) >= 100)
		o->ring_timeout_ms = (unsigned)atoi(test_ring);
	o->stagger_ms = (unsigned)config_int(cfg, "dial.stagger_ms");
	o->talk_ms = talk_s * 1000;
	o->amd = !strcmp(amd, "off")           ? POOL_AMD_OFF
	         : !strcmp(amd, "humans_only") ? POOL_AMD_HUMANS_ONLY
	                                       : POOL_AMD_CONNECT_UNKNOWN;
	o->machine = !strcmp(mach, "voicemail") ? POOL_MACHINE_VOICEMAIL
	             : !strcmp(mach, "connect") ? POOL_MACHINE_CONNECT
	                                        : POOL_MACHINE_HANGUP;
	o->voicemail_file = config_str(cfg, "dial.voicemail_file");
	o->ident_file = config_str(cfg, "dial.ident_file");
	o->ident_name = config_str(cfg, "dial.ident_name");
	o->ident_callback = config_str(cfg, "dial.ident_callback");
	o->country = config_str(cfg, "phone.default_country");
	o->dialplan = config_str(cfg, "sip.dialplan");
	o->auto_resume = true;
}

/* What an attempt dials fits its record whole: an E.164 number, or the line as queued. */
_Static_assert(ATTEMPTS_NUMBER_MAX >= POOL_INPUT_MAX && ATTEMPTS_NUMBER_MAX >= NUMBERS_E164_MAX,
               "dial_attempts.number must hold every number the pool dials");

void pool_attempt_row(struct attempt *rec, const char *session, const struct pool_attempt *a)
{
	memset(rec, 0, sizeof(*rec));
	text_copy(rec->session_id, sizeof(rec->session_id), session);
	rec->line = (int)a->line;
	text_copy(rec->number, sizeof(rec->number), a->e164[0] ? a->e164 : a->input);
	if (!rec->number[0])
		text_copy(rec->number, sizeof(rec->number), "?");
	rec->started_at_ms = a->t_start;
	rec->ringing_at_ms = a->t_ring;
	rec->answered_at_ms = a->t_answer;
	rec->ended_at_ms = a->t_end;
	rec->sip_code = a->sip_code;
	text_copy(rec->reason, sizeof(rec->reason), a->reason);
	text_copy(rec->outcome, sizeof(rec->outcome), call_outcome_name(a->outcome));
	rec->live_answer_dropped = a->live_dropped;
	rec->ident_played = a->ident_played;
	text_copy(rec->amd, sizeof(rec->amd), a->amd == AMD_PENDING ? "" : amd_result_name(a->amd));
}

int pool_attempt_save(struct store *st, const char *session, const struct pool_attempt *a)
{
	struct attempt rec;

	if (!st || !session || !a)
		return EINVAL;
	pool_attempt_row(&rec, session, a);
	return attempts_insert(st, &rec);
}

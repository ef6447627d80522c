/*
 * config: the key table, the line parser and typed access to settings.
 *
 * Values are kept as validated text next to the table row that describes them; typed reads
 * convert on demand. The table below is the single source of truth for every key loftdial
 * reads: tests check that docs/configuration.md documents each one.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loftdial/config.h"
#include "loftdial/text.h"

#define CONFIG_FILE_MAX  (1024 * 1024)
#define CONFIG_VALUE_MAX 1024

/* clang-format off */
static const struct config_key keys[] = {
	/* Salesloft connection */
	{"salesloft.api_url", CONFIG_STR, "https://api.salesloft.com", 0, 0, NULL, false,
	 "Base URL of the Salesloft REST API (env LOFTDIAL_API_URL)."},
	{"salesloft.accounts_url", CONFIG_STR, "https://accounts.salesloft.com", 0, 0, NULL, false,
	 "Base URL of Salesloft's OAuth server (env LOFTDIAL_ACCOUNTS_URL)."},
	{"salesloft.client_id", CONFIG_STR, "", 0, 0, NULL, false,
	 "OAuth application id (Application Id in Salesloft)."},
	{"salesloft.client_secret", CONFIG_STR, "", 0, 0, NULL, true,
	 "OAuth application secret."},
	{"salesloft.redirect_uri", CONFIG_STR, "http://127.0.0.1:8765/callback", 0, 0, NULL, false,
	 "OAuth redirect URI registered with the application; loftdial connect listens on it."},
	{"salesloft.api_key", CONFIG_STR, "", 0, 0, NULL, true,
	 "API key used instead of OAuth (env LOFTDIAL_API_KEY)."},
	{"salesloft.timeout", CONFIG_INT, "30", 1, 600, NULL, false,
	 "Seconds before an API request is abandoned and retried."},
	{"salesloft.browser", CONFIG_STR, "", 0, 0, NULL, false,
	 "Command that opens the authorize URL (empty: just print it)."},
	{"salesloft.scope", CONFIG_STR, "", 0, 0, NULL, false,
	 "Scopes asked for in the authorize URL, space-separated (empty: the app's own)."},
	{"salesloft.rate_limit", CONFIG_INT, "600", 1, 1000000, NULL, false,
	 "The team's rate limit in cost per minute until responses show more."},
	{"salesloft.rate_window", CONFIG_INT, "60", 1, 3600, NULL, false,
	 "Length of the rate-limit window in seconds; a 429 waits for the next one."},
	{"salesloft.retries", CONFIG_INT, "6", 0, 20, NULL, false,
	 "Retries of a request after a 5xx, a network error or malformed JSON."},
	{"salesloft.operator_email", CONFIG_STR, "", 0, 0, NULL, false,
	 "Email of the Salesloft user dialling here, if not the connected user; calls log as them."},
	/* Sync */
	{"sync.budget_share", CONFIG_INT, "50", 1, 100, NULL, false,
	 "Percent of the team's per-minute rate limit that background sync may use."},
	{"sync.full_every", CONFIG_INT, "24", 0, 100000, NULL, false,
	 "Run a full pass (finds deletions) every N incremental syncs; 0 never."},
	{"sync.poll_interval", CONFIG_INT, "60", 5, 86400, NULL, false,
	 "Seconds between incremental syncs in the TUI and webhooks serve."},
	{"sync.ids_sweep", CONFIG_BOOL, "true", 0, 0, NULL, false,
	 "Check local ids in batches of 100 after an incremental sync to find deletions."},
	{"sync.sweep_max", CONFIG_INT, "500", 0, 100000000, NULL, false,
	 "Local ids checked per object by one ids sweep, resuming where the last stopped; 0 all."},
	{"sync.parallel", CONFIG_INT, "4", 1, 16, NULL, false,
	 "API requests in flight at once (objects sync concurrently within the budget)."},
	/* Webhooks */
	{"webhooks.listen", CONFIG_STR, "127.0.0.1:8766", 0, 0, NULL, false,
	 "Address loftdial webhooks serve (and the TUI with ui.webhooks) listens on."},
	{"webhooks.max_body", CONFIG_INT, "1048576", 1024, 67108864, NULL, false,
	 "Largest webhook body accepted, in bytes (larger gets 413)."},
	/* Phone engine */
	{"engine.mode", CONFIG_ENUM, "spawn", 0, 0, "spawn|connect", false,
	 "spawn: loftdial runs baresip itself; connect: use a baresip running elsewhere."},
	{"engine.baresip", CONFIG_STR, "baresip", 0, 0, NULL, false,
	 "The baresip program to run (engine.mode spawn)."},
	{"engine.address", CONFIG_STR, "127.0.0.1:4444", 0, 0, NULL, false,
	 "ctrl_tcp address of a baresip started by the user (engine.mode connect)."},
	{"engine.sip_port", CONFIG_INT, "5260", 1024, 65000, NULL, false,
	 "First local SIP port of the spawned engines; each line uses port + 10*line."},
	{"engine.ctrl_port", CONFIG_INT, "4460", 1024, 65000, NULL, false,
	 "First local ctrl_tcp port of the spawned engines; each line uses port + line."},
	{"engine.rtp_timeout", CONFIG_INT, "10", 0, 600, NULL, false,
	 "Seconds without RTP after which a connected call is ended (0 off)."},
	{"engine.rtp_ports", CONFIG_PORTS, "", 1024, 65535, NULL, false,
	 "UDP ports the spawned engines take RTP and RTCP from, LO-HI (LO even, 18 ports or more; "
	 "env LOFTDIAL_RTP_PORTS); empty: baresip's own range, 1024-49152."},
	{"engine.local_ip", CONFIG_STR, "", 0, 0, NULL, false,
	 "IP address the spawned engines bind SIP to and announce in SDP (empty: all, baresip picks)."},
	/* SIP account */
	{"sip.aor", CONFIG_STR, "sip:loftdial@127.0.0.1", 0, 0, NULL, false,
	 "The rep's SIP address of record."},
	{"sip.registrar", CONFIG_STR, "", 0, 0, NULL, false,
	 "Registrar URI; empty: do not register."},
	{"sip.outbound", CONFIG_STR, "", 0, 0, NULL, false,
	 "Outbound proxy URI; empty: none."},
	{"sip.auth_user", CONFIG_STR, "", 0, 0, NULL, false,
	 "SIP authentication user name."},
	{"sip.auth_pass", CONFIG_STR, "", 0, 0, NULL, true,
	 "SIP authentication password (never logged)."},
	{"sip.caller_id", CONFIG_STR, "", 0, 0, NULL, false,
	 "Display name / number presented to the called party."},
	{"sip.transport", CONFIG_ENUM, "udp", 0, 0, "udp|tcp|tls", false,
	 "SIP transport."},
	{"sip.dialplan", CONFIG_STR, "sip:{e164}@127.0.0.1:5090", 0, 0, NULL, false,
	 "Turns a normalised number into a SIP URI; {e164} and {digits} are replaced."},
	{"phone.default_country", CONFIG_STR, "US", 0, 0, NULL, false,
	 "ISO country used to normalise numbers written without a country code."},
	/* Audio */
	{"audio.source", CONFIG_STR, "alsa,default", 0, 0, NULL, false,
	 "baresip audio source of the rep's headset (only the connected line opens it)."},
	{"audio.player", CONFIG_STR, "alsa,default", 0, 0, NULL, false,
	 "baresip audio player of the rep's headset (only the connected line opens it)."},
	/* Dialing */
	{"dial.lines", CONFIG_INT, "1", 1, 9, NULL, false,
	 "Lines dialled at once."},
	{"dial.ring_timeout", CONFIG_INT, "25", 15, 120, NULL, false,
	 "Seconds a line may ring before loftdial cancels it."},
	{"dial.stagger_ms", CONFIG_INT, "150", 0, 5000, NULL, false,
	 "Milliseconds between the starts of parallel lines."},
	{"dial.amd", CONFIG_ENUM, "connect_unknown", 0, 0,
	 "off|connect_unknown|humans_only", false,
	 "Answering-machine detection: off, connect humans and unknowns at once, or humans only."},
	{"dial.machine", CONFIG_ENUM, "hangup", 0, 0, "hangup|voicemail|connect", false,
	 "What to do when a machine answers."},
	{"dial.voicemail_file", CONFIG_STR, "", 0, 0, NULL, false,
	 "8 kHz mono WAV left as a voicemail when dial.machine is voicemail."},
	{"dial.ident_file", CONFIG_STR, "", 0, 0, NULL, false,
	 "8 kHz mono WAV played to a person who answers while the rep is on another call."},
	{"dial.ident_name", CONFIG_STR, "", 0, 0, NULL, false,
	 "The caller's name in the identification message loftdial speaks itself when "
	 "dial.ident_file is empty (with dial.ident_callback)."},
	{"dial.ident_callback", CONFIG_STR, "", 0, 0, NULL, false,
	 "The callback number, spoken digit by digit, in the identification message loftdial "
	 "speaks itself when dial.ident_file is empty (with dial.ident_name)."},
	{"dial.abandon_limit", CONFIG_INT, "3", 0, 100, NULL, false,
	 "Ceiling, in percent, of dropped live answers among live answers (30 days, per rep and "
	 "per campaign); a dial session lowers its line count as the share nears it (0: off)."},
	{"dial.calling_hours", CONFIG_STR, "08:00-21:00", 0, 0, NULL, false,
	 "Hours, in the prospect's own time zone, during which they may be called."},
	{"dial.skip_tags", CONFIG_STR, "", 0, 0, NULL, false,
	 "Comma-separated Salesloft tags whose people are never dialled (e.g. Wrong Number)."},
	{"dial.no_zone", CONFIG_ENUM, "skip", 0, 0, "skip|rep", false,
	 "When no time zone is known for a person: skip them, or apply the hours in the rep's zone."},
	{"dial.rep_zone", CONFIG_STR, "", 0, 0, NULL, false,
	 "The rep's tz name for dial.no_zone rep (empty: this machine's local zone)."},
	{"dial.park_after", CONFIG_INT, "3", 0, 1000, NULL, false,
	 "Invalid, network or failed outcomes in dial.park_days that park a number; 0 never."},
	{"dial.park_days", CONFIG_INT, "30", 1, 365, NULL, false,
	 "Days over which dial.park_after counts a number's bad outcomes."},
	{"dial.redial", CONFIG_BOOL, "false", 0, 0, NULL, false,
	 "Allow the same number to be dialled more than once in one session."},
	{"dial.task_buckets", CONFIG_STR, "overdue,today", 0, 0, NULL, false,
	 "Due buckets of a task list: overdue, today, tomorrow, this_week, next_week."},
	{"dial.phone_order", CONFIG_STR, "direct,mobile,home", 0, 0, NULL, false,
	 "Which of a person's phones is dialled: the first present in this order."},
	{"dial.person_max_age", CONFIG_INT, "3600", 0, 604800, NULL, false,
	 "Seconds a stored person is trusted when a dial list is read; older ones are fetched."},
	/* Outcomes logged as calls */
	{"outcome.busy", CONFIG_STR, "", 0, 0, NULL, false,
	 "Disposition logged for a busy line (empty: the team's Busy, Line Busy)."},
	{"outcome.no_answer", CONFIG_STR, "", 0, 0, NULL, false,
	 "Disposition logged when nobody answered (empty: the team's No Answer, ...)."},
	{"outcome.invalid", CONFIG_STR, "", 0, 0, NULL, false,
	 "Disposition logged for an invalid number (empty: the team's Bad Number, Wrong Number, ...)."},
	{"outcome.voicemail", CONFIG_STR, "", 0, 0, NULL, false,
	 "Disposition logged when a voicemail was left (empty: the team's Left Voicemail, ...)."},
	{"outcome.dropped", CONFIG_STR, "", 0, 0, NULL, false,
	 "Disposition logged for a live answer loftdial dropped (empty: the team's Dropped, Abandoned, ...)."},
	/* Interface and log */
	{"ui.theme", CONFIG_STR, "default", 0, 0, NULL, false,
	 "Theme name (themes/NAME.theme) or path."},
	{"ui.webhooks", CONFIG_BOOL, "false", 0, 0, NULL, false,
	 "Serve webhooks on webhooks.listen while the TUI runs, as webhooks serve does."},
	{"log.level", CONFIG_ENUM, "info", 0, 0, "debug|info|warn|error", false,
	 "Lowest level written to the log file (env LOFTDIAL_LOG_LEVEL)."},
};
/* clang-format on */

/*
 * Keys declared for features that are not built yet. Nothing reads them, so loftdial does not
 * offer them: `config keys`, `config show`, the example file and docs/configuration.md leave
 * them out, and a config file that sets one gets a "not used yet" warning. The change that
 * starts reading a key deletes its line here (tests/unit/test_config_readers.c fails until it
 * does, and fails for any offered key that no code reads).
 */
static const char *const unused_keys[] = {
        NULL, /* none today; a NULL keeps the array valid C */
};

#define NKEYS      (sizeof(keys) / sizeof(keys[0]))
#define ORIGIN_MAX 512

struct config {
	char *val[NKEYS];    /* NULL: the default applies */
	char *origin[NKEYS]; /* where val came from ("file:line", "env NAME"); NULL: config_set */
};

const struct config_key *config_keys(size_t *count)
{
	if (count)
		*count = NKEYS;
	return keys;
}

bool config_key_used(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(unused_keys) / sizeof(unused_keys[0]); i++)
		if (unused_keys[i] && !strcmp(unused_keys[i], name))
			return false;
	return true;
}

static int key_index(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].name, name))
			return (int)i;
	return -1;
}

int config_new(struct config **cfgp)
{
	struct config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return ENOMEM;
	*cfgp = cfg;
	return 0;
}

void config_free(struct config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < NKEYS; i++) {
		free(cfg->val[i]);
		free(cfg->origin[i]);
	}
	free(cfg);
}

/* Parses a whole decimal integer; EINVAL for anything else. */
static int parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!*s)
		return EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return EINVAL;
	*out = v;
	return 0;
}

/* Reads "LO-HI" (digits only on each side). */
static int parse_ports(const char *s, int64_t *lo, int64_t *hi)
{
	const char *dash = strchr(s, '-');
	char low[16];
	size_t n = dash ? (size_t)(dash - s) : 0;

	if (!dash || n == 0 || n >= sizeof(low) || strspn(s, "0123456789") != n || !dash[1] ||
	    strspn(dash + 1, "0123456789") != strlen(dash + 1))
		return EINVAL;
	memcpy(low, s, n);
	low[n] = '\0';
	return parse_int(low, lo) || parse_int(dash + 1, hi) ? EINVAL : 0;
}

static int parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on") || !strcmp(s, "1"))
		*out = true;
	else if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off") || !strcmp(s, "0"))
		*out = false;
	else
		return EINVAL;
	return 0;
}

/* True when value is one of the '|'-separated choices. */
static bool enum_ok(const char *choices, const char *value)
{
	size_t vlen = strlen(value);
	const char *p = choices;

	while (*p) {
		size_t len = strcspn(p, "|");

		if (len == vlen && !strncmp(p, value, len))
			return true;
		p += len;
		if (*p == '|')
			p++;
	}
	return false;
}

int config_check(const char *key, const char *value, char *err, size_t errsz)
{
	int i = key_index(key);
	const struct config_key *k;
	int64_t n, hi;
	bool b;

	if (i < 0) {
		text_printf(err, errsz, "unknown key '%.64s'", key);
		return EINVAL;
	}
	if (!config_key_used(key)) {
		text_printf(err, errsz, "%s: not used yet (nothing in this version reads it)", key);
		return EINVAL;
	}
	k = &keys[i];
	if (strlen(value) >= CONFIG_VALUE_MAX) {
		text_printf(err, errsz, "%s: value longer than %d bytes", key,
		            CONFIG_VALUE_MAX - 1);
		return EINVAL;
	}
	if (!text_is_clean(value)) {
		text_printf(err, errsz, "%s: value has control characters or invalid UTF-8", key);
		return EINVAL;
	}
	switch (k->type) {
	case CONFIG_INT:
		if (parse_int(value, &n)) {
			text_printf(err, errsz, "%s: '%.32s' is not a whole number", key, value);
			return EINVAL;
		}
		if (n < k->min || n > k->max) {
			text_printf(err, errsz, "%s: %lld is outside %lld..%lld", key, (long long)n,
			            (long long)k->min, (long long)k->max);
			return EINVAL;
		}
		break;
	case CONFIG_BOOL:
		if (parse_bool(value, &b)) {
			text_printf(err, errsz, "%s: '%.32s' is not true or false", key, value);
			return EINVAL;
		}
		break;
	case CONFIG_ENUM:
		if (!enum_ok(k->choices, value)) {
			text_printf(err, errsz, "%s: '%.32s' is not one of %s", key, value,
			            k->choices);
			return EINVAL;
		}
		break;
	case CONFIG_PORTS:
		if (!*value)
			break;
		if (parse_ports(value, &n, &hi)) {
			text_printf(err, errsz, "%s: '%.32s' is not a port range LO-HI", key,
			            value);
			return EINVAL;
		}
		if (n < k->min || hi > k->max || n >= hi) {
			text_printf(err, errsz, "%s: %s is not a range inside %lld..%lld", key,
			            value, (long long)k->min, (long long)k->max);
			return EINVAL;
		}
		if (n % 2) {
			text_printf(err, errsz,
			            "%s: %s starts at an odd port (RTP takes an even port, RTCP "
			            "the next)",
			            key, value);
			return EINVAL;
		}
		if (hi - n + 1 < CONFIG_PORTS_SPAN) {
			text_printf(err, errsz,
			            "%s: %s holds fewer than %d ports (two for each of up to nine "
			            "lines)",
			            key, value, CONFIG_PORTS_SPAN);
			return EINVAL;
		}
		break;
	case CONFIG_STR:
		break;
	}
	return 0;
}

/* Validates and stores one value with the place it came from (NULL: set by the program). */
static int set_from(struct config *cfg, const char *key, const char *value, const char *origin,
                    char *err, size_t errsz)
{
	char *copy, *ocopy = NULL;
	int i, rc;

	rc = config_check(key, value, err, errsz);
	if (rc)
		return rc;
	i = key_index(key);
	copy = strdup(value);
	if (origin)
		ocopy = strdup(origin);
	if (!copy || (origin && !ocopy)) {
		free(copy);
		free(ocopy);
		return ENOMEM;
	}
	free(cfg->val[i]);
	free(cfg->origin[i]);
	cfg->val[i] = copy;
	cfg->origin[i] = ocopy;
	return 0;
}

int config_set(struct config *cfg, const char *key, const char *value, char *err, size_t errsz)
{
	return set_from(cfg, key, value, NULL, err, errsz);
}

/* Strips blanks at both ends of [s, s+len) in place; returns the new start. */
static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Handles one line; on a problem fills msg and returns EINVAL. origin is "file:line". */
static int parse_line(struct config *cfg, char *line, const char *origin, char *msg, size_t msgsz)
{
	char *key, *value, *sp;
	size_t vlen;

	line = trim(line);
	if (!*line || *line == '#')
		return 0;
	key = line;
	sp = key + strcspn(key, " \t");
	if (!*sp) {
		text_printf(msg, msgsz, "'%.64s' has no value (expected: key value)", key);
		return EINVAL;
	}
	*sp = '\0';
	/* Key bindings for the TUI, read by its keymap (src/ui/keymap.c), which warns itself. */
	if (!strcmp(key, "bind"))
		return 0;
	value = trim(sp + 1);
	vlen = strlen(value);
	if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
		value[vlen - 1] = '\0';
		value++;
	} else {
		/* An unquoted value may carry a trailing comment. */
		char *hash = strstr(value, " #");
		if (hash) {
			*hash = '\0';
			value = trim(value);
		}
	}
	return set_from(cfg, key, value, origin, msg, msgsz);
}

int config_parse(struct config *cfg, const char *name, const char *text, size_t len,
                 config_warn_h *warnh, void *arg)
{
	char line[CONFIG_VALUE_MAX + 256];
	char origin[ORIGIN_MAX];
	char msg[256];
	unsigned lineno = 0;
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - (text + pos)) : len - pos;

		lineno++;
		if (llen >= sizeof(line)) {
			if (warnh)
				warnh(name, lineno, "line too long, ignored", arg);
		} else if (memchr(text + pos, '\0', llen)) {
			if (warnh)
				warnh(name, lineno, "line contains a NUL byte, ignored", arg);
		} else {
			memcpy(line, text + pos, llen);
			line[llen] = '\0';
			msg[0] = '\0';
			text_printf(origin, sizeof(origin), "%s:%u", name, lineno);
			if (parse_line(cfg, line, origin, msg, sizeof(msg)) && warnh)
				warnh(name, lineno, msg, arg);
		}
		pos += llen + (nl ? 1 : 0);
	}
	return 0;
}

int config_load(struct config *cfg, const char *path, config_warn_h *warnh, void *arg)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	int err = 0;

	if (!f)
		return errno;
	buf = malloc(CONFIG_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return ENOMEM;
	}
	n = fread(buf, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f)) {
		err = EIO;
	} else if (n > CONFIG_FILE_MAX) {
		if (warnh)
			warnh(path, 0, "file larger than 1 MiB, ignored", arg);
	} else {
		err = config_parse(cfg, path, buf, n, warnh, arg);
	}
	free(buf);
	fclose(f);
	return err;
}

void config_apply_env(struct config *cfg)
{
	static const char *const map[][2] = {
	        {"LOFTDIAL_API_URL", "salesloft.api_url"},
	        {"LOFTDIAL_ACCOUNTS_URL", "salesloft.accounts_url"},
	        {"LOFTDIAL_API_KEY", "salesloft.api_key"},
	        {"LOFTDIAL_LOG_LEVEL", "log.level"},
	        {"LOFTDIAL_RTP_PORTS", "engine.rtp_ports"},
	};
	char err[256], origin[64];
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		const char *v = getenv(map[i][0]);

		text_printf(origin, sizeof(origin), "environment %s", map[i][0]);
		if (v && *v && set_from(cfg, map[i][1], v, origin, err, sizeof(err)))
			fprintf(stderr, "loftdial: %s: %s\n", map[i][0], err);
	}
}

const char *config_str(const struct config *cfg, const char *key)
{
	int i = key_index(key);

	if (i < 0)
		return "";
	return (cfg && cfg->val[i]) ? cfg->val[i] : keys[i].def;
}

int64_t config_int(const struct config *cfg, const char *key)
{
	int64_t v = 0;

	(void)parse_int(config_str(cfg, key), &v);
	return v;
}

bool config_bool(const struct config *cfg, const char *key)
{
	bool b = false;

	(void)parse_bool(config_str(cfg, key), &b);
	return b;
}

bool config_is_set(const struct config *cfg, const char *key)
{
	int i = key_index(key);

	return i >= 0 && cfg && cfg->val[i] != NULL;
}

const char *config_origin(const struct config *cfg, const char *key)
{
	int i = key_index(key);

	if (i < 0 || !cfg || !cfg->val[i])
		return "default";
	return cfg->origin[i] ? cfg->origin[i] : "set";
}

int config_write_example(const char *path)
{
	FILE *f;
	size_t i;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	f = fdopen(fd, "w");
	if (!f) {
		int err = errno;
		close(fd);
		return err;
	}
	fprintf(f, "# loftdial configuration: `key value` per line, # starts a comment.\n"
	           "# Every key is listed with its default; see docs/configuration.md.\n");
	for (i = 0; i < NKEYS; i++)
		if (config_key_used(keys[i].name))
			fprintf(f, "\n# %s\n#%s %s\n", keys[i].doc, keys[i].name,
			        keys[i].secret ? "" : keys[i].def);
	return fclose(f) ? errno : 0;
}

/* True when the line (from s to e) sets key: `key` then a blank or the end of the line. With
 * commented, the line must be `#key ...` instead (the example file's form). */
static bool line_sets(const char *s, const char *e, const char *key, bool commented)
{
	size_t klen = strlen(key);

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	if (commented) {
		if (s == e || *s != '#')
			return false;
		s++;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
	}
	if ((size_t)(e - s) < klen || memcmp(s, key, klen))
		return false;
	s += klen;
	return s == e || *s == ' ' || *s == '\t' || *s == '\r';
}

/* The trailing comment of an active line (" # ..."), or an empty span. */
static void line_comment(const char *s, const char *e, const char **cs, size_t *clen)
{
	const char *v = s, *ve = e, *p;

	*cs = e;
	*clen = 0;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (v < e && *v != ' ' && *v != '\t')
		v++; /* past the key */
	while (v < ve && (*v == ' ' || *v == '\t'))
		v++;
	while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r'))
		ve--;
	if (ve - v >= 2 && *v == '"' && ve[-1] == '"')
		return;
	for (p = v; p + 1 < ve; p++) {
		if ((*p == ' ' || *p == '\t') && p[1] == '#') {
			while (p > v && (p[-1] == ' ' || p[-1] == '\t'))
				p--; /* keep the blanks before the comment as they were */
			*cs = p;
			*clen = (size_t)(ve - p);
			return;
		}
	}
}

/* Appends len bytes to the growing buffer *b (size *n, capacity *cap). */
static int buf_add(char **b, size_t *n, size_t *cap, const char *s, size_t len)
{
	if (*n + len + 1 > *cap) {
		size_t nc = (*n + len + 1) * 2;
		char *nb = realloc(*b, nc);

		if (!nb)
			return ENOMEM;
		*b = nb;
		*cap = nc;
	}
	memcpy(*b + *n, s, len);
	*n += len;
	(*b)[*n] = '\0';
	return 0;
}

/* Writes `key value` (value quoted when the parser would otherwise change it) into the
 * buffer. */
static int buf_setting(char **b, size_t *n, size_t *cap, const char *key, const char *value)
{
	size_t vlen = strlen(value);
	bool quote = !vlen || strstr(value, "#") || value[0] == ' ' || value[0] == '\t' ||
	             value[vlen - 1] == ' ' || value[vlen - 1] == '\t' ||
	             (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"');
	int err;

	err = buf_add(b, n, cap, key, strlen(key));
	if (!err)
		err = buf_add(b, n, cap, quote ? " \"" : " ", quote ? 2 : 1);
	if (!err)
		err = buf_add(b, n, cap, value, vlen);
	if (!err && quote)
		err = buf_add(b, n, cap, "\"", 1);
	return err;
}

/* Replaces path with len bytes of text, atomically, mode 0600. */
static int replace_file(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	size_t off = 0;
	int fd, err = 0;

	if (text_printf(tmp, sizeof(tmp), "%s.tmp", path))
		return ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
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
	if (!err && fsync(fd))
		err = errno;
	if (close(fd) && !err)
		err = errno;
	if (!err && rename(tmp, path))
		err = errno;
	if (err)
		(void)unlink(tmp);
	return err;
}

int config_file_set(const char *path, const char *key, const char *value, unsigned *lineno,
                    char *err, size_t errsz)
{
	const char *s, *e, *end, *hit = NULL, *hit_end = NULL;
	char *old = NULL, *out = NULL;
	size_t len = 0, n = 0, cap = 0, clen = 0;
	const char *cs = NULL;
	unsigned line = 0, hit_line = 0;
	bool active = false;
	FILE *f;
	int rc;

	if (!path || !key || !value)
		return EINVAL;
	rc = config_check(key, value, err, errsz);
	if (rc)
		return rc;
	f = fopen(path, "rb");
	if (!f && errno != ENOENT)
		return errno;
	old = malloc(CONFIG_FILE_MAX + 1);
	if (!old) {
		rc = ENOMEM;
		goto out;
	}
	if (f) {
		len = fread(old, 1, CONFIG_FILE_MAX + 1, f);
		if (ferror(f)) {
			rc = EIO;
			goto out;
		}
		if (len > CONFIG_FILE_MAX) {
			text_printf(err, errsz, "%s is larger than 1 MiB", path);
			rc = EFBIG;
			goto out;
		}
	}
	old[len] = '\0';
	if (memchr(old, '\0', len)) {
		text_printf(err, errsz, "%s has a NUL byte; edit it by hand", path);
		rc = EINVAL;
		goto out;
	}
	/* The last active line wins when the file is read, so that is the one to change; with
	 * none, the first commented example line becomes the setting. */
	end = old + len;
	for (s = old; s < end; s = e + 1) {
		e = memchr(s, '\n', (size_t)(end - s));
		if (!e)
			e = end;
		line++;
		if (line_sets(s, e, key, false)) {
			hit = s;
			hit_end = e;
			hit_line = line;
			active = true;
		} else if (!active && !hit && line_sets(s, e, key, true)) {
			hit = s;
			hit_end = e;
			hit_line = line;
		}
		if (e == end)
			break;
	}
	if (active)
		line_comment(hit, hit_end, &cs, &clen);
	if (hit) {
		rc = buf_add(&out, &n, &cap, old, (size_t)(hit - old));
		if (!rc)
			rc = buf_setting(&out, &n, &cap, key, value);
		if (!rc && clen)
			rc = buf_add(&out, &n, &cap, cs, clen);
		if (!rc && hit_end > hit && hit_end[-1] == '\r')
			rc = buf_add(&out, &n, &cap, "\r", 1); /* keep a CRLF file CRLF */
		if (!rc)
			rc = buf_add(&out, &n, &cap, hit_end, (size_t)(end - hit_end));
	} else {
		rc = buf_add(&out, &n, &cap, old, len);
		if (!rc && len && old[len - 1] != '\n')
			rc = buf_add(&out, &n, &cap, "\n", 1);
		hit_line = line + 1;
		if (!rc)
			rc = buf_setting(&out, &n, &cap, key, value);
		if (!rc)
			rc = buf_add(&out, &n, &cap, "\n", 1);
	}
	if (!rc)
		rc = replace_file(path, out ? out : "", n);
	if (!rc && lineno)
		*lineno = hit_line;
out:
	if (f)
		fclose(f);
	free(old);
	free(out);
	return rc;
}

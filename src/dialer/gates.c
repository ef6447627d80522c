/*
 * gates: the checks before every INVITE (see gates.h for the order and the zone rules).
 *
 * The person checks only compare text and read zoneinfo; the parked-number check asks the
 * store how often the number failed lately, and the session keeps the numbers it dialled in
 * a plain array (a session dials hundreds to a few thousand numbers).
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "loftdial/attempts.h"
#include "loftdial/gates.h"
#include "loftdial/phonetz.h"
#include "loftdial/text.h"

struct gates {
	struct gates_cfg cfg;
	struct store *st;
	char **dialled;
	size_t ndialled, cap;
};

const char *gates_why_name(enum gates_why why)
{
	static const char *const names[] = {
	        "ok",      "dnc",       "restricted", "tag",     "hours",
	        "no_zone", "no_number", "parked",     "dialled",
	};

	return (unsigned)why < sizeof(names) / sizeof(names[0]) ? names[why] : "?";
}

const char *gates_zsrc_name(enum gates_zsrc src)
{
	static const char *const names[] = {
	        "none", "person", "offset", "account", "number", "rep",
	};

	return (unsigned)src < sizeof(names) / sizeof(names[0]) ? names[src] : "?";
}

void gates_subject_from_contact(struct gates_subject *s, const struct contact *c,
                                const char *number)
{
	memset(s, 0, sizeof(*s));
	s->number = number;
	if (!c)
		return;
	s->do_not_contact = c->do_not_contact || c->deleted;
	s->contact_restrictions = c->contact_restrictions;
	s->tags = c->tags;
	s->locale = c->locale;
	s->has_utc_offset = c->has_utc_offset;
	s->utc_offset_min = c->utc_offset_min;
	s->account_locale = c->account_locale;
}

void gates_cfg_default(struct gates_cfg *gc)
{
	memset(gc, 0, sizeof(*gc));
	gc->open_min = GATES_OPEN_MIN;
	gc->close_min = GATES_CLOSE_MIN;
	gc->no_zone = GATES_NOZONE_SKIP;
	gc->park_after = 3;
	gc->park_days = 30;
}

/* Reads "HH:MM" at s into minutes; the end of what was read goes to *end. */
static int parse_hhmm(const char *s, unsigned *min, const char **end)
{
	unsigned h, m;

	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return EINVAL;
	h = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
	m = (unsigned)(s[3] - '0') * 10 + (unsigned)(s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return EINVAL;
	*min = h * 60 + m;
	*end = s + 5;
	return 0;
}

int gates_hours_parse(const char *s, unsigned *open_min, unsigned *close_min)
{
	unsigned o, c;
	const char *p;

	if (!s || !open_min || !close_min)
		return EINVAL;
	while (*s == ' ')
		s++;
	if (parse_hhmm(s, &o, &p))
		return EINVAL;
	while (*p == ' ')
		p++;
	if (*p++ != '-')
		return EINVAL;
	while (*p == ' ')
		p++;
	if (parse_hhmm(p, &c, &p))
		return EINVAL;
	while (*p == ' ')
		p++;
	if (*p || o >= c)
		return EINVAL;
	*open_min = o;
	*close_min = c;
	return 0;
}

int gates_tags_parse(struct gates_cfg *gc, const char *list)
{
	const char *p = list;

	if (!gc)
		return EINVAL;
	gc->ntags = 0;
	while (p && *p) {
		size_t len = strcspn(p, ",");
		const char *b = p, *e = p + len;

		while (b < e && isspace((unsigned char)*b))
			b++;
		while (e > b && isspace((unsigned char)e[-1]))
			e--;
		if (e > b) {
			if (gc->ntags >= GATES_TAGS_MAX || (size_t)(e - b) >= GATES_TAG_LEN)
				return E2BIG;
			memcpy(gc->skip_tags[gc->ntags], b, (size_t)(e - b));
			gc->skip_tags[gc->ntags][e - b] = '\0';
			gc->ntags++;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

int gates_cfg_from_config(struct gates_cfg *gc, const struct config *cfg, char *why, size_t whyn)
{
	const char *hours, *nz, *rep;

	if (!gc || !cfg)
		return EINVAL;
	gates_cfg_default(gc);
	hours = config_str(cfg, "dial.calling_hours");
	if (gates_hours_parse(hours, &gc->open_min, &gc->close_min)) {
		text_printf(why, whyn,
		            "dial.calling_hours '%.32s' is not HH:MM-HH:MM (e.g. 09:00-17:30)",
		            hours);
		return EINVAL;
	}
	if (gc->open_min < GATES_OPEN_MIN || gc->close_min > GATES_CLOSE_MIN) {
		text_printf(why, whyn,
		            "dial.calling_hours '%.32s' reaches outside 08:00-21:00; it may only "
		            "narrow it",
		            hours);
		return EINVAL;
	}
	if (gates_tags_parse(gc, config_str(cfg, "dial.skip_tags"))) {
		text_printf(why, whyn, "dial.skip_tags: at most %d tags of at most %d bytes each",
		            GATES_TAGS_MAX, GATES_TAG_LEN - 1);
		return EINVAL;
	}
	nz = config_str(cfg, "dial.no_zone");
	gc->no_zone = !strcmp(nz, "rep") ? GATES_NOZONE_REP : GATES_NOZONE_SKIP;
	rep = config_str(cfg, "dial.rep_zone");
	if (*rep && !tzone_known(rep)) {
		text_printf(why, whyn,
		            "dial.rep_zone '%.40s' is not a time zone this machine knows", rep);
		return EINVAL;
	}
	text_copy(gc->rep_zone, sizeof(gc->rep_zone), rep);
	gc->park_after = (unsigned)config_int(cfg, "dial.park_after");
	gc->park_days = (unsigned)config_int(cfg, "dial.park_days");
	gc->redial = config_bool(cfg, "dial.redial");
	return 0;
}

/* True when a JSON array of strings holds want (ASCII case ignored when nocase). Text that is
 * not JSON (cut short in the store, say) is searched for "want" with its quotes. */
static bool json_has(const char *json, const char *want, bool nocase)
{
	const cJSON *v;
	cJSON *arr;
	bool found = false;

	if (!json || !*json || !want || !*want)
		return false;
	arr = cJSON_Parse(json);
	if (!arr) {
		size_t wl = strlen(want);
		const char *p;

		for (p = strchr(json, '"'); p && !found; p = strchr(p + 1, '"'))
			found = (nocase ? !strncasecmp(p + 1, want, wl)
			                : !strncmp(p + 1, want, wl)) &&
			        p[1 + wl] == '"';
		return found;
	}
	cJSON_ArrayForEach(v, arr)
	{
		if (cJSON_IsString(v) && v->valuestring &&
		    (nocase ? !strcasecmp(v->valuestring, want) : !strcmp(v->valuestring, want)))
			found = true;
	}
	cJSON_Delete(arr);
	return found;
}

/* Refuses with a reason. */
static void refuse(struct gates_verdict *v, enum gates_why why, const char *text)
{
	v->why = why;
	text_copy(v->text, sizeof(v->text), text);
}

/* Appends a zone name to the verdict's zone list. */
static void zone_add(struct gates_verdict *v, const char *name)
{
	size_t n = strlen(v->zone);

	text_printf(v->zone + n, sizeof(v->zone) - n, "%s%s", n ? ", " : "", name);
}

/* Local minute of day, or -1 when the zone cannot be read. */
static int minute_in(const char *zone, time_t now)
{
	struct tm tm;

	if (!zone[0]) {
		if (!localtime_r(&now, &tm))
			return -1;
	} else if (tzone_local(zone, now, &tm)) {
		return -1;
	}
	return tm.tm_hour * 60 + tm.tm_min;
}

/* Decides the zone(s) and the local minute in each; returns how many minutes were found. */
static size_t zone_minutes(const struct gates_cfg *gc, const struct gates_subject *s, time_t now,
                           struct gates_verdict *v, int *mins, size_t max)
{
	char zones[PHONETZ_MAX][PHONETZ_NAME_MAX];
	size_t nz, i, n = 0;
	struct tm tm;
	int m;

	if (s->locale && tzone_known(s->locale) && (m = minute_in(s->locale, now)) >= 0) {
		v->zsrc = GATES_ZONE_PERSON;
		zone_add(v, s->locale);
		mins[0] = m;
		return 1;
	}
	if (s->has_utc_offset && !tzone_fixed(s->utc_offset_min, now, &tm)) {
		int a = abs(s->utc_offset_min);
		char name[16];

		v->zsrc = GATES_ZONE_OFFSET;
		text_printf(name, sizeof(name), "UTC%c%02d:%02d", s->utc_offset_min < 0 ? '-' : '+',
		            a / 60, a % 60);
		zone_add(v, name);
		mins[0] = tm.tm_hour * 60 + tm.tm_min;
		return 1;
	}
	if (s->account_locale && tzone_known(s->account_locale) &&
	    (m = minute_in(s->account_locale, now)) >= 0) {
		v->zsrc = GATES_ZONE_ACCOUNT;
		zone_add(v, s->account_locale);
		mins[0] = m;
		return 1;
	}
	nz = phonetz_zones(s->number, zones, PHONETZ_MAX);
	for (i = 0; i < nz && n < max; i++) {
		m = minute_in(zones[i], now);
		if (m < 0)
			continue;
		zone_add(v, zones[i]);
		mins[n++] = m;
	}
	if (n) {
		v->zsrc = GATES_ZONE_NUMBER;
		return n;
	}
	if (gc->no_zone == GATES_NOZONE_REP && (m = minute_in(gc->rep_zone, now)) >= 0) {
		v->zsrc = GATES_ZONE_REP;
		zone_add(v, gc->rep_zone[0] ? gc->rep_zone : "local");
		mins[0] = m;
		return 1;
	}
	return 0;
}

void gates_check_person(const struct gates_cfg *gc, const struct gates_subject *s, time_t now,
                        struct gates_verdict *v)
{
	int mins[PHONETZ_MAX];
	char text[200];
	size_t n, i;
	unsigned t;

	memset(v, 0, sizeof(*v));
	v->local_min = -1;
	if (!gc || !s) {
		refuse(v, GATES_NO_NUMBER, "nothing to check");
		return;
	}
	if (s->do_not_contact) {
		refuse(v, GATES_DNC, "do not contact");
		return;
	}
	if (json_has(s->contact_restrictions, "call", false)) {
		refuse(v, GATES_RESTRICTED, "contact restrictions forbid calls");
		return;
	}
	for (t = 0; t < gc->ntags; t++) {
		if (json_has(s->tags, gc->skip_tags[t], true)) {
			char tag[GATES_TAG_LEN];

			text_sanitize(tag, sizeof(tag), gc->skip_tags[t], false);
			text_printf(text, sizeof(text), "tagged '%s'", tag);
			refuse(v, GATES_TAG, text);
			return;
		}
	}
	if (!s->number || !*s->number) {
		refuse(v, GATES_NO_NUMBER, "no number to dial");
		return;
	}
	n = zone_minutes(gc, s, now, v, mins, PHONETZ_MAX);
	if (n == 0) {
		refuse(v, GATES_NO_ZONE, "no time zone known for the person, account or number");
		return;
	}
	v->local_min = mins[0];
	for (i = 0; i < n; i++) {
		if (mins[i] >= (int)gc->open_min && mins[i] < (int)gc->close_min)
			continue;
		text_printf(
		        text, sizeof(text),
		        "outside calling hours: %02d:%02d %s(%s zone); calls %02u:%02u-%02u:%02u",
		        mins[i] / 60, mins[i] % 60, n > 1 ? "in one of its zones " : "",
		        gates_zsrc_name(v->zsrc), gc->open_min / 60, gc->open_min % 60,
		        gc->close_min / 60, gc->close_min % 60);
		v->local_min = mins[i];
		refuse(v, GATES_HOURS, text);
		return;
	}
}

int gates_new(struct gates **gp, const struct gates_cfg *gc, struct store *st)
{
	struct gates *g;

	if (!gp || !gc)
		return EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return ENOMEM;
	g->cfg = *gc;
	g->st = st;
	*gp = g;
	return 0;
}

void gates_free(struct gates *g)
{
	size_t i;

	if (!g)
		return;
	for (i = 0; i < g->ndialled; i++)
		free(g->dialled[i]);
	free(g->dialled);
	free(g);
}

/* True when number was dialled in this session. */
static bool was_dialled(const struct gates *g, const char *number)
{
	size_t i;

	for (i = 0; i < g->ndialled; i++)
		if (!strcmp(g->dialled[i], number))
			return true;
	return false;
}

int gates_dialled(struct gates *g, const char *number)
{
	char **grown, *copy;

	if (!g || !number || !*number)
		return EINVAL;
	if (was_dialled(g, number))
		return 0;
	if (g->ndialled == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;

		grown = realloc(g->dialled, cap * sizeof(*grown));
		if (!grown)
			return ENOMEM;
		g->dialled = grown;
		g->cap = cap;
	}
	copy = strdup(number);
	if (!copy)
		return ENOMEM;
	g->dialled[g->ndialled++] = copy;
	return 0;
}

int gates_check(struct gates *g, const struct gates_subject *s, time_t now, struct gates_verdict *v)
{
	char text[200];
	int bad = 0, err;

	if (!g || !s || !v)
		return EINVAL;
	gates_check_person(&g->cfg, s, now, v);
	if (v->why != GATES_OK)
		return 0;
	if (g->st && g->cfg.park_after) {
		int64_t since = ((int64_t)now - (int64_t)g->cfg.park_days * 86400) * 1000;

		err = attempts_number_recent_bad(g->st, s->number, since, &bad);
		if (err)
			return err;
		if (bad >= (int)g->cfg.park_after) {
			text_printf(text, sizeof(text),
			            "parked: %d failed or invalid outcomes in %u days", bad,
			            g->cfg.park_days);
			refuse(v, GATES_PARKED, text);
			return 0;
		}
	}
	if (!g->cfg.redial && was_dialled(g, s->number))
		refuse(v, GATES_DIALLED, "already dialled in this session");
	return 0;
}

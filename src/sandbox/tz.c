/*
 * tz: tz database zones by name for the sandbox (see sbx_tz.h).
 *
 * A TZif file (RFC 8536) holds a zone's transitions (the instants its UTC offset changed)
 * with the offset in force after each, and, from version 2 on, a footer: the POSIX TZ rule
 * ("EST5EDT,M3.2.0,M11.1.0") that continues the zone after its last transition. An offset
 * is then a binary search over the transitions, or the rule worked out for the instant's
 * year. Only what the offset needs is kept (no abbreviations, no leap seconds). Zones read
 * from disk are cached for the process: the generator asks for the same few dozen zones a
 * million times, and the system's files do not change under a running sandbox. The first
 * lookup of a zone reads its file (a few kilobytes) synchronously, even inside a request
 * handler: like a SQLite page read, it is too short to matter to the loop.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbx_tz.h"

/* One end of a daylight-saving period in a POSIX rule: "Jn" (1-365, no Feb 29), "n"
 * (0-365) or "Mm.w.d" (weekday d of week w of month m; week 5 is the last), at a local
 * time of day in seconds (may be negative or past 24 h, RFC 8536 §3.3.1). */
struct when {
	char kind; /* 'J', 'N', 'M' */
	int n, m, w, d;
	int32_t secs;
};

struct sbx_tz {
	int64_t *trans; /* transition instants, seconds, ascending */
	int32_t *off;   /* offset in seconds in force from trans[i] */
	size_t n;
	int32_t first_off; /* before the first transition: time type 0 */
	bool has_rule;     /* the footer continues the zone after its last transition */
	int32_t std, dst;  /* the rule's offsets, seconds east */
	bool has_dst;
	struct when start, end;
};

/* ---- calendar ---- */

/* Floor division. */
static int64_t fdiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = fdiv(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The year of a day number. */
static int64_t year_of_days(int64_t z)
{
	int64_t era, doe, yoe, doy, mp, y;

	z += 719468;
	era = fdiv(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	return y + (mp >= 10);
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The UTC instant (seconds) at which w happens in year y, where off is the offset in force
 * just before it. */
static int64_t when_utc(const struct when *w, int64_t y, int32_t off)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int64_t day;

	if (w->kind == 'J') {
		day = days_from_civil(y, 1, 1) + w->n - 1 + (leap(y) && w->n >= 60);
	} else if (w->kind == 'N') {
		day = days_from_civil(y, 1, 1) + w->n;
	} else {
		int64_t first = days_from_civil(y, w->m, 1);
		int wd = (int)((first % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday (4) */
		int len = mdays[w->m - 1] + (w->m == 2 && leap(y));
		int dom = 1 + (w->d - wd + 7) % 7 + 7 * (w->w - 1);

		while (dom > len)
			dom -= 7;
		day = first + dom - 1;
	}
	return day * 86400 + w->secs - off;
}

/* The offset the POSIX rule gives at t (seconds). */
static int32_t rule_offset(const struct sbx_tz *z, int64_t t)
{
	int64_t y, on, offt;

	if (!z->has_dst)
		return z->std;
	y = year_of_days(fdiv(t + z->std, 86400));
	on = when_utc(&z->start, y, z->std);
	offt = when_utc(&z->end, y, z->dst);
	if (on < offt)
		return t >= on && t < offt ? z->dst : z->std;
	/* Southern hemisphere: daylight time spans the new year. */
	return t >= offt && t < on ? z->std : z->dst;
}

int sbx_tz_offset(const struct sbx_tz *z, int64_t us)
{
	int64_t t = fdiv(us, 1000000);
	size_t lo, hi;

	if (!z)
		return 0;
	if (!z->n)
		return (z->has_rule ? rule_offset(z, t) : z->first_off) / 60;
	if (t < z->trans[0])
		return z->first_off / 60;
	if (t >= z->trans[z->n - 1] && z->has_rule)
		return rule_offset(z, t) / 60;
	/* The last transition at or before t. */
	lo = 0;
	hi = z->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->off[lo] / 60;
}

/* ---- the POSIX TZ rule ---- */

/* Skips a zone abbreviation: <...> or three or more letters. */
static bool rule_name(const char **p)
{
	const char *s = *p;

	if (*s == '<') {
		while (*s && *s != '>')
			s++;
		if (*s != '>' || s - *p < 2)
			return false;
		*p = s + 1;
		return true;
	}
	while (isalpha((unsigned char)*s))
		s++;
	if (s - *p < 3)
		return false;
	*p = s;
	return true;
}

/* Reads [+-]hh[:mm[:ss]] (hours at most max) into seconds. */
static bool rule_hms(const char **p, int max, int32_t *out)
{
	const char *s = *p;
	int sign = 1, h = 0, m = 0, sec = 0, k = 0;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	while (isdigit((unsigned char)*s) && k < 3) {
		h = h * 10 + (*s++ - '0');
		k++;
	}
	if (!k || h > max)
		return false;
	if (*s == ':') {
		s++;
		if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
			return false;
		m = (s[0] - '0') * 10 + (s[1] - '0');
		s += 2;
		if (*s == ':') {
			s++;
			if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
				return false;
			sec = (s[0] - '0') * 10 + (s[1] - '0');
			s += 2;
		}
		if (m > 59 || sec > 59)
			return false;
	}
	*out = sign * (h * 3600 + m * 60 + sec);
	*p = s;
	return true;
}

/* Reads a small decimal number in [lo, hi]. */
static bool rule_num(const char **p, int lo, int hi, int *out)
{
	const char *s = *p;
	int v = 0, k = 0;

	while (isdigit((unsigned char)*s) && k < 4) {
		v = v * 10 + (*s++ - '0');
		k++;
	}
	if (!k || v < lo || v > hi)
		return false;
	*out = v;
	*p = s;
	return true;
}

/* Reads one end of the daylight period: date[/time]. */
static bool rule_when(const char **p, struct when *w)
{
	const char *s = *p;

	memset(w, 0, sizeof(*w));
	w->secs = 7200;
	if (*s == 'J') {
		s++;
		w->kind = 'J';
		if (!rule_num(&s, 1, 365, &w->n))
			return false;
	} else if (*s == 'M') {
		s++;
		w->kind = 'M';
		if (!rule_num(&s, 1, 12, &w->m) || *s++ != '.' || !rule_num(&s, 1, 5, &w->w) ||
		    *s++ != '.' || !rule_num(&s, 0, 6, &w->d))
			return false;
	} else {
		w->kind = 'N';
		if (!rule_num(&s, 0, 365, &w->n))
			return false;
	}
	if (*s == '/') {
		s++;
		if (!rule_hms(&s, 167, &w->secs))
			return false;
	}
	*p = s;
	return true;
}

/* Fills z's rule from a POSIX TZ string. An empty string means "no rule". */
static bool rule_read(struct sbx_tz *z, const char *s)
{
	int32_t v;

	z->has_rule = false;
	if (!*s)
		return true;
	if (!rule_name(&s) || !rule_hms(&s, 24, &v))
		return false;
	z->std = -v; /* POSIX offsets count west */
	z->has_dst = false;
	if (*s) {
		if (!rule_name(&s))
			return false;
		z->dst = z->std + 3600;
		if (*s && *s != ',') {
			if (!rule_hms(&s, 24, &v))
				return false;
			z->dst = -v;
		}
		if (*s == ',') {
			s++;
			if (!rule_when(&s, &z->start) || *s++ != ',' || !rule_when(&s, &z->end))
				return false;
		} else {
			/* No dates: the US rules, as POSIX implementations commonly assume. */
			z->start = (struct when){.kind = 'M', .m = 3, .w = 2, .d = 0, .secs = 7200};
			z->end = (struct when){.kind = 'M', .m = 11, .w = 1, .d = 0, .secs = 7200};
		}
		z->has_dst = true;
	}
	if (*s)
		return false;
	z->has_rule = true;
	return true;
}

int sbx_tz_parse_rule(const char *rule, struct sbx_tz **out)
{
	struct sbx_tz *z;

	if (!rule || !out)
		return EINVAL;
	z = calloc(1, sizeof(*z));
	if (!z)
		return ENOMEM;
	if (!rule_read(z, rule) || !z->has_rule) {
		free(z);
		return EINVAL;
	}
	z->first_off = z->std;
	*out = z;
	return 0;
}

/* ---- TZif ---- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* The six counts of a TZif header. */
struct counts {
	size_t isut, isstd, leap, time, type, chars;
};

/* Reads a header at p (44 bytes available); false when it is not one. */
static bool header(const unsigned char *p, struct counts *c)
{
	if (memcmp(p, "TZif", 4))
		return false;
	c->isut = be32(p + 20);
	c->isstd = be32(p + 24);
	c->leap = be32(p + 28);
	c->time = be32(p + 32);
	c->type = be32(p + 36);
	c->chars = be32(p + 40);
	return c->type >= 1 && c->type <= 256 && c->time <= 100000 && c->leap <= 100000 &&
	       c->chars <= 100000 && c->isut <= c->type && c->isstd <= c->type;
}

/* The size of a data block with tsize-byte times. */
static size_t block_size(const struct counts *c, size_t tsize)
{
	return c->time * tsize + c->time + c->type * 6 + c->chars + c->leap * (tsize + 4) +
	       c->isstd + c->isut;
}

int sbx_tz_parse(const unsigned char *data, size_t n, struct sbx_tz **out)
{
	const unsigned char *blk, *idx, *types;
	struct sbx_tz *z = NULL;
	struct counts c;
	size_t tsize = 4, at;
	int err = EINVAL;

	if (!data || !out || n < 44 || !header(data, &c))
		goto out;
	at = 44 + block_size(&c, 4);
	if (at > n)
		goto out;
	if (data[4] >= '2') {
		if (n - at < 44 || !header(data + at, &c))
			goto out;
		tsize = 8;
		blk = data + at + 44;
		at += 44 + block_size(&c, 8);
		if (at > n)
			goto out;
	} else {
		blk = data + 44;
	}
	err = ENOMEM;
	z = calloc(1, sizeof(*z));
	if (!z)
		goto out;
	if (c.time) {
		z->trans = calloc(c.time, sizeof(*z->trans));
		z->off = calloc(c.time, sizeof(*z->off));
		if (!z->trans || !z->off)
			goto out;
	}
	err = EINVAL;
	idx = blk + c.time * tsize;
	types = idx + c.time;
	for (size_t i = 0; i < c.time; i++) {
		const unsigned char *tp = blk + i * tsize;

		z->trans[i] = tsize == 8 ? be64(tp) : (int64_t)(int32_t)be32(tp);
		if (idx[i] >= c.type || (i && z->trans[i] <= z->trans[i - 1]))
			goto out;
		z->off[i] = (int32_t)be32(types + idx[i] * 6);
	}
	/* RFC 8536 bounds offsets to (-25 h, 26 h); anything else is not a zone. */
	for (size_t i = 0; i < c.type; i++) {
		int32_t o = (int32_t)be32(types + i * 6);

		if (o <= -90000 || o >= 93600)
			goto out;
	}
	z->n = c.time;
	z->first_off = (int32_t)be32(types);
	/* The footer: "\n<rule>\n" right after the version 2 data. A rule this code cannot
	 * read leaves the zone at its last transition's offset. */
	if (tsize == 8 && at < n && data[at] == '\n') {
		const unsigned char *nl = memchr(data + at + 1, '\n', n - at - 1);
		char rule[128];
		size_t len = nl ? (size_t)(nl - (data + at + 1)) : 0;

		if (nl && len < sizeof(rule)) {
			memcpy(rule, data + at + 1, len);
			rule[len] = '\0';
			if (memchr(rule, '\0', len) || !rule_read(z, rule))
				z->has_rule = false;
		}
	}
	*out = z;
	z = NULL;
	err = 0;
out:
	sbx_tz_free(z);
	return err;
}

void sbx_tz_free(struct sbx_tz *z)
{
	if (!z)
		return;
	free(z->trans);
	free(z->off);
	free(z);
}

/* ---- names and the cache ---- */

bool sbx_tz_name_ok(const char *name)
{
	size_t len = 0, part = 0;

	if (!name)
		return false;
	for (const char *s = name; *s; s++, len++) {
		unsigned char ch = (unsigned char)*s;

		if (len >= 63)
			return false;
		if (ch == '/') {
			if (!part)
				return false;
			part = 0;
			continue;
		}
		if (!part && (ch == '.' || ch == '-'))
			return false;
		if (!isalnum(ch) && ch != '_' && ch != '-' && ch != '+')
			return false;
		part++;
	}
	return len > 0 && part > 0;
}

/* A cached lookup; z NULL remembers a name that has no zone. */
struct entry {
	struct entry *next;
	struct sbx_tz *z;
	char name[64];
};

/* Known zones are few (a few hundred names); unknown names are remembered only up to a
 * bound, so a client sending endless distinct bad names cannot grow the cache. */
#define MAX_ENTRIES 2048
#define MAX_MISSES  256
#define MAX_FILE    (256 * 1024)

static struct entry *cache;
static size_t nentries, nmisses;

/* Reads and parses the zone file of a checked name; NULL when there is none. */
static struct sbx_tz *load(const char *name)
{
	const char *dir = getenv("TZDIR");
	unsigned char *buf = NULL;
	struct sbx_tz *z = NULL;
	char path[512];
	size_t n = 0;
	FILE *f;

	if (!dir || !*dir)
		dir = "/usr/share/zoneinfo";
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return NULL;
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	buf = malloc(MAX_FILE);
	if (buf)
		n = fread(buf, 1, MAX_FILE, f);
	fclose(f);
	if (buf && n && n < MAX_FILE && sbx_tz_parse(buf, n, &z))
		z = NULL;
	free(buf);
	return z;
}

const struct sbx_tz *sbx_tz_get(const char *name)
{
	struct entry *e;
	struct sbx_tz *z;

	if (!sbx_tz_name_ok(name))
		return NULL;
	for (e = cache; e; e = e->next)
		if (!strcmp(e->name, name))
			return e->z;
	if (nentries >= MAX_ENTRIES)
		return NULL;
	z = load(name);
	if (!z && nmisses >= MAX_MISSES)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e) {
		sbx_tz_free(z);
		return NULL;
	}
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->z = z;
	e->next = cache;
	cache = e;
	nentries++;
	nmisses += !z;
	return z;
}

void sbx_tz_cache_clear(void)
{
	while (cache) {
		struct entry *e = cache;

		cache = e->next;
		sbx_tz_free(e->z);
		free(e);
	}
	nentries = nmisses = 0;
}

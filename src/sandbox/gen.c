/*
 * gen: the deterministic org the sandbox serves.
 *
 * Everything comes from --seed and the sizes: each record draws from its own random stream
 * (seed, kind, index), and the few sequential choices (bulk-import blocks, running ids) are
 * made in one fixed order, so the same options give the same bytes. Times are laid out
 * backwards from the anchor, the start of "today" in the team's zone: history over the last
 * two years, cadence actions due now or later, call tasks overdue, due today, tomorrow or
 * later.
 *
 * The data is meant to be awkward the way real CRM data is: names from many scripts (accents,
 * CJK, Arabic and Hebrew, emoji, combining marks), a few hostile ones (terminal escapes,
 * control characters, SQL, 5 kB strings), phone numbers in every shape, people without
 * email or phone, time zones across the world, do-not-contact and contact restrictions,
 * bulk imports where hundreds of records share one updated_at microsecond, and call ids that
 * cross 2^31. The first ten people are clean and dialable by user 1, so tests and the demo
 * always find work.
 *
 * A million people would be gigabytes of JSON, so the records that hang off a person
 * (the person, memberships, actions, calls, notes, emails, tasks) are not kept as text: their
 * rows hold the list columns and the person's index, and sbx_gen_render() renders one again
 * by running that person's generation with only the wanted record written. What a person's
 * generation needs besides the seed (creation time, import block, the running ids at its
 * start, kept as 16-bit offsets within blocks of people: 25 bytes) is kept in memory, and for
 * a state file also in its table sbx_gen_people (37 bytes, the running ids whole).
 * Users, accounts, cadences, steps, dispositions and sentiments are few and stored as text.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "loftdial/log.h"
#include "sbx_core.h"
#include "sbx_tz.h"

#define DAY      86400000000LL
#define HOUR     3600000000LL
#define MIN      60000000LL
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- randomness ---- */

struct rng {
	uint64_t s;
};

/* splitmix64: small, fast, and good enough for test data. */
static uint64_t rnext(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The stream of one record: independent of every other record's draws. */
static struct rng rng_for(uint64_t seed, int stream, uint64_t i)
{
	struct rng r = {seed * 0xd1342543de82ef95ULL ^ ((uint64_t)stream << 56) ^ (i * 0x9e37ULL)};

	rnext(&r);
	return r;
}

/* A number in [0, n). */
static uint64_t rn(struct rng *r, uint64_t n)
{
	return n ? rnext(r) % n : 0;
}

/* True with probability pct %. */
static bool chance(struct rng *r, unsigned pct)
{
	return rn(r, 100) < pct;
}

/* A time in [lo, hi). */
static int64_t rtime(struct rng *r, int64_t lo, int64_t hi)
{
	return hi > lo ? lo + (int64_t)rn(r, (uint64_t)(hi - lo)) : lo;
}

/* ---- word lists ---- */

struct name {
	const char *first, *last, *afirst, *alast; /* the a* are ASCII handles for emails */
};

static const struct name names_en[] = {
        {"James", "Smith", "james", "smith"},
        {"Mary", "Johnson", "mary", "johnson"},
        {"Lynnelle", "Osbourn", "lynnelle", "osbourn"},
        {"Michael", "O'Connor", "michael", "oconnor"},
        {"Sarah-Jane", "Whitaker", "sarahjane", "whitaker"},
        {"Robert", "Brown", "robert", "brown"},
        {"Patricia", "Davis", "patricia", "davis"},
        {"Jennifer", "Miller", "jennifer", "miller"},
        {"David", "Wilson", "david", "wilson"},
        {"Linda", "Moore", "linda", "moore"},
        {"William", "Taylor", "william", "taylor"},
        {"Elizabeth", "Anderson", "elizabeth", "anderson"},
        {"Chris", "Thomas", "chris", "thomas"},
        {"Jessica", "Jackson", "jessica", "jackson"},
        {"Daniel", "White", "daniel", "white"},
        {"Karen", "Harris", "karen", "harris"},
        {"Matthew", "Martin", "matthew", "martin"},
        {"Nancy", "Thompson", "nancy", "thompson"},
        {"Mary-Kate", "van der Berg", "marykate", "vandenberg"},
        {"Ashley", "McDonald", "ashley", "mcdonald"},
};

static const struct name names_intl[] = {
        {"José", "García", "jose", "garcia"},
        {"María", "Fernández", "maria", "fernandez"},
        {"Íñigo", "Muñoz", "inigo", "munoz"},
        {"Begoña", "Ibáñez", "begona", "ibanez"},
        {"François", "Lefèvre", "francois", "lefevre"},
        {"Zoë", "Bélanger", "zoe", "belanger"},
        {"Hélène", "Dubois", "helene", "dubois"},
        {"Jean-Luc", "Côté", "jeanluc", "cote"},
        {"Jürgen", "Müller", "juergen", "mueller"},
        {"Björn", "Groß", "bjoern", "gross"},
        {"Änne", "Schäfer", "aenne", "schaefer"},
        {"Søren", "Kierkegård", "soren", "kierkegard"},
        {"Åsa", "Öberg", "asa", "oberg"},
        {"Þórunn", "Guðmundsdóttir", "thorunn", "gudmundsdottir"},
        {"Łukasz", "Wójcik", "lukasz", "wojcik"},
        {"Małgorzata", "Świątek", "malgorzata", "swiatek"},
        {"Çağrı", "Şahin", "cagri", "sahin"},
        {"İlker", "Öztürk", "ilker", "ozturk"},
        {"Thị Minh Khai", "Nguyễn", "minhkhai", "nguyen"},
        {"Văn Đức", "Trần", "vanduc", "tran"},
        {"伟", "王", "wei", "wang"},
        {"娜", "李", "na", "li"},
        {"健", "佐藤", "ken", "sato"},
        {"花子", "鈴木", "hanako", "suzuki"},
        {"민준", "김", "minjun", "kim"},
        {"서연", "박", "seoyeon", "park"},
        {"محمد", "العلي", "mohammed", "alali"},
        {"فاطمة", "الزهراء", "fatima", "alzahra"},
        {"דוד", "כהן", "david", "cohen"},
        {"נועה", "לוי", "noa", "levi"},
        {"प्रिया", "शर्मा", "priya", "sharma"},
        {"राहुल", "वर्मा", "rahul", "verma"},
        {"สมชาย", "ใจดี", "somchai", "jaidee"},
        {"Γιώργος", "Παπαδόπουλος", "giorgos", "papadopoulos"},
        {"Дмитрий", "Иванов", "dmitry", "ivanov"},
        {"Анна", "Смирнова", "anna", "smirnova"},
        {"Zoë 🚀", "Nakamura", "zoe", "nakamura"},
        {"Sam 👩🏽‍💻", "Lee", "sam", "lee"},
        {"🦄", "Unicorn", "unicorn", "unicorn"},
        {"D'Angelo", "de la Cruz", "dangelo", "delacruz"},
        {"X Æ A-12", "Musk", "x", "musk"},
        {"Rene\xcc\x81"
         "e",
         "Zoe\xcc\x88", "renee", "zoe"},
        {"Teller", "", "teller", "teller"},
        {"Oluwaseun", "Adébáyọ̀", "oluwaseun", "adebayo"},
        {"Kāne", "Kahananui", "kane", "kahananui"},
};

/* Hostile records: what a terminal, a log line or a naive SQL builder must survive. */
static const struct name names_hostile[] = {
        {"\x1b]0;pwn\x07", "Title", "pwn", "title"},
        {"\x1b[2J\x1b[H", "Clear", "clear", "screen"},
        {"Robert'); DROP TABLE people;--", "Tables", "bobby", "tables"},
        {"Bobby", "'; DROP TABLE people;--", "bobby", "drop"},
        {"\x01\x02\x03\x7f", "Control", "control", "chars"},
        {"\"Quoted\"", "O'Brien \\ Backslash", "quoted", "obrien"},
        {"%s%n%x%d", "Format", "format", "string"},
        {"Line\nBreak", "Tab\tChar", "line", "break"},
        {"\xe2\x80\xae"
         "gnp.exe",
         "RTL-Override", "rtl", "override"},
        {"\x1b[31mRed\x1b[0m", "Colour", "red", "colour"},
        {"<script>alert(1)</script>", "Html", "script", "html"},
        {"\xc2\x9b"
         "31mC1",
         "CSI", "c1", "csi"},
        {"Z\xcc\xb7\xcc\xa2\xcc\x9b"
         "a\xcc\xb8l\xcc\xb6g\xcc\xb5o\xcc\xb4",
         "Zalgo", "zalgo", "zalgo"},
        {"\xe2\x80\x8b\xe2\x80\x8b", "ZeroWidth", "zero", "width"},
        {"\x1b[6n\x1b[21t", "Report", "report", "query"},
};

/* Where people and accounts are. locale is the tz database name Salesloft would hold,
 * often an old link name (US/Eastern) as Salesloft's own data has them; the UTC offset is
 * never stored here but read from the tz database at the record's time (daylight saving
 * included). phone is a number in that place, with its country code, for the people whose
 * only clue to their zone is their phone (a gfmt format taking four digits). */
struct zone {
	const char *locale;
	const char *city, *state, *country;
	bool eu;
	const char *phone;
};

/* The first eight are US zones (the clean people draw from them). Then the zones whose
 * offsets are not whole hours must be there: St. John's (-3:30/-2:30), India (+5:30),
 * Nepal (+5:45), Chatham (+12:45/+13:45), Adelaide (+9:30/+10:30). */
static const struct zone zones[] = {
        {"US/Eastern", "New York", "NY", "United States", false, "+1 212 555 %04u"},
        {"America/New_York", "Boston", "MA", "United States", false, "+1 617 555 %04u"},
        {"US/Central", "Chicago", "IL", "United States", false, "+1 312 555 %04u"},
        {"America/Chicago", "Austin", "TX", "United States", false, "+1 512 555 %04u"},
        {"US/Mountain", "Denver", "CO", "United States", false, "+1 303 555 %04u"},
        {"US/Arizona", "Phoenix", "AZ", "United States", false, "+1 602 555 %04u"},
        {"US/Pacific", "San Francisco", "CA", "United States", false, "+1 415 555 %04u"},
        {"America/Los_Angeles", "Seattle", "WA", "United States", false, "+1 206 555 %04u"},
        {"US/Alaska", "Anchorage", "AK", "United States", false, "+1 907 555 %04u"},
        {"US/Hawaii", "Honolulu", "HI", "United States", false, "+1 808 555 %04u"},
        {"America/St_Johns", "St. John's", "NL", "Canada", false, "+1 709 555 %04u"},
        {"Canada/Newfoundland", "Corner Brook", "NL", "Canada", false, "+1 709 555 %04u"},
        {"America/Sao_Paulo", "São Paulo", "SP", "Brazil", false, "+55 11 95555-%04u"},
        {"America/Mexico_City", "Ciudad de México", "CDMX", "Mexico", false, "+52 55 5555 %04u"},
        {"Europe/London", "London", NULL, "United Kingdom", false, "+44 20 7946 %04u"},
        {"Europe/Dublin", "Dublin", NULL, "Ireland", true, "+353 1 555 %04u"},
        {"Europe/Berlin", "Berlin", "BE", "Germany", true, "+49 30 5555 %04u"},
        {"Europe/Paris", "Paris", NULL, "France", true, "+33 1 99 55 %04u"},
        {"Europe/Madrid", "Madrid", NULL, "Spain", true, "+34 91 555 %04u"},
        {"Europe/Stockholm", "Malmö", NULL, "Sweden", true, "+46 40 555 %04u"},
        {"Europe/Warsaw", "Kraków", NULL, "Poland", true, "+48 12 555 %04u"},
        {"Europe/Helsinki", "Helsinki", NULL, "Finland", true, "+358 9 555 %04u"},
        {"Europe/Istanbul", "İstanbul", NULL, "Türkiye", false, "+90 212 555 %04u"},
        {"Asia/Jerusalem", "Tel Aviv", NULL, "Israel", false, "+972 3-555-%04u"},
        {"Asia/Dubai", "Dubai", NULL, "United Arab Emirates", false, "+971 4 555 %04u"},
        {"Asia/Kolkata", "Bengaluru", "KA", "India", false, "+91 80 5555 %04u"},
        {"Asia/Calcutta", "Kolkata", "WB", "India", false, "+91 33 5555 %04u"},
        {"Asia/Kathmandu", "Kathmandu", NULL, "Nepal", false, "+977 1-555%04u"},
        {"Asia/Bangkok", "Bangkok", NULL, "Thailand", false, "+66 2 555 %04u"},
        {"Asia/Ho_Chi_Minh", "Hồ Chí Minh", NULL, "Vietnam", false, "+84 28 5555 %04u"},
        {"Asia/Shanghai", "上海", NULL, "China", false, "+86 21 5555 %04u"},
        {"Asia/Tokyo", "東京", NULL, "Japan", false, "+81 3-5555-%04u"},
        {"Asia/Seoul", "서울", NULL, "South Korea", false, "+82 2 555 %04u"},
        {"Australia/Adelaide", "Adelaide", "SA", "Australia", false, "+61 8 5550 %04u"},
        {"Australia/Sydney", "Sydney", "NSW", "Australia", false, "+61 2 5550 %04u"},
        {"Pacific/Auckland", "Auckland", NULL, "New Zealand", false, "+64 9 555 %04u"},
        {"Pacific/Chatham", "Waitangi", NULL, "New Zealand", false, "+64 3 305 %04u"},
        {"Pacific/Kiritimati", "Kiritimati", NULL, "Kiribati", false, "+686 7555 %04u"},
        {"Pacific/Pago_Pago", "Pago Pago", NULL, "American Samoa", false, "+1 684 555 %04u"},
};

/* Zone indexes the generator pins on a few people so that every org past 32 people holds
 * them (see plan_person). */
enum {
	Z_ST_JOHNS = 10,
	Z_KOLKATA = 25,
	Z_KATHMANDU = 27,
	Z_CHATHAM = 36,
};

static const char *const companies[] = {
        "Acme",
        "Globex",
        "Initech",
        "Umbrella",
        "Stark Industries",
        "Wayne Enterprises",
        "Hooli",
        "Pied Piper",
        "Soylent",
        "Tyrell",
        "Cyberdyne",
        "Wonka",
        "Vandelay Industries",
        "Müller & Söhne GmbH",
        "株式会社サンプル",
        "Société Générale de Test",
        "O'Reilly Auto",
        "Café Olé",
        "Ñandú Logística",
        "Zürich Versicherung",
        "شركة الاختبار",
        "חברת בדיקה",
        "Tata Test Pvt Ltd",
        "Nordisk Prøve A/S",
        "Łódź Software",
        "Reebok",
        "Asics",
        "Nike",
        "Robert'); DROP TABLE accounts;--",
        "\x1b[1mBold\x1b[0m Corp",
};

static const char *const suffixes[] = {
        "",      " Holdings",  " Labs",    " EMEA",   " Group",   " Inc.",
        " APAC", " Logistics", " Digital", " Health", " Capital", " Systems",
};

static const char *const titles[] = {
        "VP Sales",
        "Head of RevOps",
        "Directeur Commercial",
        "営業部長",
        "CEO & Founder",
        "Account Executive",
        "SDR",
        "Procurement Manager",
        "CTO",
        "Office Manager",
        "Leiter Vertrieb",
        "Jefa de Compras",
        "Chief \"Happiness\" Officer",
        "VP\nSales\tOps",
        "",
        "IT Director",
        "Head of Growth",
        "مدير المبيعات",
};

static const char *const industries[] = {"Retail",     "Software",           "Manufacturing",
                                         "Healthcare", "Financial Services", "Logistics",
                                         "Education"};

static const char *const seniorities[] = {"director", "manager", "vice_president", "executive",
                                          "individual_contributor"};

static const char *const dispositions[] = {
        "Connected",      "No Answer",      "Left Voicemail", "Busy",         "Bad Number",
        "Not Interested", "Meeting Booked", "Gatekeeper",     "Wrong Number", "Call Back Later",
};

static const char *const sentiments[] = {"Positive", "Neutral", "Negative", "Interested",
                                         "Not Interested"};

static const char *const cadence_names[] = {
        "Inbound Demo Requests",
        "Q3 Outbound – EMEA",
        "Webinar Follow-up",
        "Re-engage Closed Lost",
        "Enterprise ABM — Tier 1",
        "Trial Nurture",
        "Événements Paris 2025",
        "APAC Expansion 拡大",
        "Partner Referrals",
        "Cold Call Blitz",
        "\x1b[31mRED\x1b[0m Escalations",
        "Renewals 90-day",
};

static const char *const area_codes[] = {"415", "212", "312", "617", "206", "303", "512", "646"};

static const char *const garbage_phones[] = {
        "n/a",
        "call me",
        "555",
        "+",
        "000",
        "1234567890123456789012",
        "\xe2\x98\x8e 415 555 0134",
        "1-800-FLOWERS",
        "415 555 01 34 (mobile)",
        "+1 415 555 0134 / +1 415 555 0199",
        "ask for Bob",
        "\xef\xbc\x8b\xef\xbc\x91\xef\xbc\x94\xef\xbc\x91\xef\xbc\x95"
        "5550134",
        "+1\xc2\xa0"
        "415\xc2\xa0"
        "555\xc2\xa0"
        "0142",
        "--",
        "+1 (415) 555-01\x1b[5m42",
};

static const char *const user_zones[] = {
        "US/Eastern",    "US/Pacific",   "US/Central",       "Europe/London",
        "Europe/Berlin", "Asia/Kolkata", "Australia/Sydney", "America/Sao_Paulo",
};

static const struct name user_names[] = {
        {"Avery", "Admin", "avery", "admin"},
        {"Priya", "Natarajan", "priya", "natarajan"},
        {"Lukas", "Schröder", "lukas", "schroeder"},
        {"Mei", "Chen", "mei", "chen"},
        {"Olu", "Adeyemi", "olu", "adeyemi"},
        {"Sofía", "García", "sofia", "garcia"},
        {"Noah", "Kim", "noah", "kim"},
        {"Emma", "Dubois", "emma", "dubois"},
};

/* ---- the plan shared between records ---- */

enum mstate {
	M_ACTIVE,
	M_SCHEDULED,
	M_STAGED,
	M_PROCESSING,
	M_COMPLETED,
	M_REMOVED,
	M_REMOVED_NO_ACTION,
	M_REASSIGNED,
	M_ARCHIVED,
};

static const char *const mstate_names[] = {
        "active",  "scheduled",         "staged",     "processing", "completed",
        "removed", "removed_no_action", "reassigned", "archived"};

/* Kinds whose generated records hang off one person and are rendered again from the seed
 * when read (their rows keep only list columns and the person's index). */
static bool replayed(enum sbx_kind kind)
{
	switch (kind) {
	case SBX_PEOPLE:
	case SBX_CADENCE_MEMBERSHIPS:
	case SBX_ACTIONS:
	case SBX_CALLS:
	case SBX_NOTES:
	case SBX_EMAILS:
	case SBX_TASKS:
		return true;
	default:
		return false;
	}
}

/* What a person's generation starts from: enough to run it again for one record. The ids of
 * the records hanging off the person are running counters, so their first values are kept
 * (as offsets from each kind's first id). */
static const enum sbx_kind base_kinds[] = {
        SBX_CADENCE_MEMBERSHIPS, SBX_ACTIONS, SBX_CALLS, SBX_NOTES, SBX_EMAILS, SBX_TASKS};
#define NBASES (sizeof(base_kinds) / sizeof(base_kinds[0]))

/* rec_end's answer, in a replay, when the wanted record has been rendered: the walk stops. */
#define FOUND (-1)

/* Where a person's generation starts: 24 bytes, a million of them at a time. The running
 * ids at the start are kept as 16-bit offsets from those of the first person of the person's
 * block of BLOCK people (struct sbx_gen's blocks), as a block makes far fewer than 65 536
 * records of a kind. */
struct start {
	int64_t created;
	int32_t import_id;    /* -1: not in an import */
	uint16_t off[NBASES]; /* running ids at the start, from the block's (blocks) */
};

#define BLOCK 256

/* A start packed for the state file: little-endian created (8), import_id (4), frozen (1),
 * bases (4 each); people go to the table in chunks of CHUNK. */
#define PACKED (8 + 4 + 1 + 4 * NBASES)
#define CHUNK  4096
_Static_assert(CHUNK % BLOCK == 0, "a chunk of the state file holds whole blocks");

struct sbx_gen {
	struct sbx *sbx;
	const struct sbx_tz *ztz[NELEM(zones)];      /* zones[k]'s tz database entry */
	const struct sbx_tz *utz[NELEM(user_zones)]; /* and user_zones[k]'s */
	uint64_t seed;
	int64_t anchor; /* start of today, team zone */
	int64_t t_mass; /* one mass update: many records share this exact microsecond */
	unsigned people, users, accounts, cadences;
	unsigned *nsteps;     /* per cadence */
	int64_t *step_first;  /* first step id per cadence */
	char (*step_type)[8]; /* per step (flattened, index = step id - first id) */
	unsigned *members;    /* memberships per cadence (while generating) */
	unsigned *people_of;  /* people per account (while generating) */
	int64_t next[SBX_KIND_COUNT];
	int64_t person; /* index of the person being generated: the body of its records */
	/* A replay renders one record again: only the wanted record is written (to want_out);
	 * the walk over the others keeps their random draws and running ids. */
	bool replay;
	enum sbx_kind want_kind;
	int64_t want_id;
	struct sbuf *want_out;
	struct start *starts;       /* per person */
	uint32_t (*blocks)[NBASES]; /* per BLOCK people: the first one's running ids, as
	                             * offsets from the first ids */
	unsigned char *frozen;      /* per person: in the block that shares created_at and
	                             * updated_at exactly */
	bool generating;
	struct sbuf buf;
	struct jw w;
	char big[5200]; /* a 5 kB string for the hostile records */
};

/* The UTC offset in minutes of a zone of the table at instant us, or SBX_NONE when the
 * tz database lacks it (or there is no zone). */
static int64_t zone_offset(const struct sbx_gen *g, const struct zone *z, int64_t us)
{
	const struct sbx_tz *tz = z ? g->ztz[z - zones] : NULL;

	return tz ? sbx_tz_offset(tz, us) : SBX_NONE;
}

/* True when record (kind, id) is written out: stored as text, or the one a replay wants.
 * The others are walked silently (their draws and running ids still count). */
static bool rec_wanted(const struct sbx_gen *g, enum sbx_kind kind, int64_t id)
{
	return g->replay ? kind == g->want_kind && id == g->want_id : !replayed(kind);
}

/* Joins the strings (the list ends with NULL) into buf, cut at n - 1 bytes like snprintf:
 * cheaper than snprintf for the millions of names the generator puts together. */
static void join(char *buf, size_t n, ...)
{
	size_t len = 0;
	const char *s;
	va_list ap;

	va_start(ap, n);
	while ((s = va_arg(ap, const char *)) != NULL) {
		size_t k = strlen(s);

		if (k > n - 1 - len)
			k = n - 1 - len;
		memcpy(buf + len, s, k);
		len += k;
	}
	va_end(ap);
	buf[len] = '\0';
}

/* Writes v in base 10 or 16, zero-padded to width (at most 24 digits), ending at end;
 * returns where the digits start. */
static char *digits_before(char *end, unsigned long long v, unsigned base, int width)
{
	char *o = end;

	if (width > 24)
		width = 24;
	do {
		*--o = "0123456789abcdef"[v % base];
		v /= base;
		width--;
	} while (v);
	while (width-- > 0)
		*--o = '0';
	return o;
}

/* A small snprintf for the generator's hot formats (%s, %u, %d/%lld, %x/%llx, zero padding as
 * in %04u, and %%), several times faster than the C library's: every rendered person goes
 * through a handful of them. Output is cut at n - 1 bytes like snprintf's. */
static void gfmt(char *buf, size_t n, const char *f, ...)
{
	size_t len = 0;
	va_list ap;

	va_start(ap, f);
	for (; *f; f++) {
		char tmp[32], *end = tmp + sizeof(tmp);
		const char *s = f;
		size_t k = 1;

		if (*f == '%') {
			int width = 0;
			bool ll = false;

			f++;
			if (*f == '0') {
				f++;
				while (*f >= '0' && *f <= '9')
					width = width * 10 + (*f++ - '0');
			}
			if (f[0] == 'l' && f[1] == 'l') {
				ll = true;
				f += 2;
			}
			switch (*f) {
			case 's':
				s = va_arg(ap, const char *);
				k = strlen(s);
				break;
			case 'u':
				s = digits_before(end, va_arg(ap, unsigned), 10, width);
				k = (size_t)(end - s);
				break;
			case 'x':
				s = digits_before(end,
				                  ll ? va_arg(ap, unsigned long long)
				                     : va_arg(ap, unsigned),
				                  16, width);
				k = (size_t)(end - s);
				break;
			case 'd': {
				long long v = ll ? va_arg(ap, long long) : va_arg(ap, int);
				char *d = digits_before(end,
				                        v < 0 ? 0ULL - (unsigned long long)v
				                              : (unsigned long long)v,
				                        10, width);

				if (v < 0)
					*--d = '-';
				s = d;
				k = (size_t)(end - s);
				break;
			}
			default: /* "%%" */
				s = f;
				break;
			}
		}
		if (k > n - 1 - len)
			k = n - 1 - len;
		memcpy(buf + len, s, k);
		len += k;
	}
	va_end(ap);
	buf[len] = '\0';
}

/* Starts one record: rendered when it is stored as text or is the one a replay wants,
 * walked silently otherwise. */
static struct jw *rec_begin(struct sbx_gen *g, enum sbx_kind kind, int64_t id)
{
	bool keep = rec_wanted(g, kind, id);

	sbuf_reset(&g->buf);
	jw_init(&g->w, keep && g->replay ? g->want_out : &g->buf, g->sbx->base_url);
	g->w.literal_keys = true; /* every key below is a string literal */
	g->w.off = !keep;
	jw_open(&g->w, NULL);
	return &g->w;
}

/* Finishes one record: stores it with its column values (as text, or as its person's index
 * for the replayed kinds), or, in a replay, says whether it was the wanted one. */
static int rec_end(struct sbx_gen *g, enum sbx_kind kind, int64_t id, int64_t created,
                   int64_t updated, const struct sbx_val *vals)
{
	jw_close(&g->w);
	if (g->replay)
		return kind == g->want_kind && id == g->want_id ? FOUND : 0;
	if (replayed(kind))
		return sbx_db_insert(g->sbx, kind, id, created, updated, NULL, 0, g->person, vals);
	if (g->buf.err)
		return g->buf.err;
	return sbx_db_insert(g->sbx, kind, id, created, updated, g->buf.p, g->buf.len, -1, vals);
}

#define VI(x) ((struct sbx_val){.i = (x)})
#define VB(x) ((struct sbx_val){.i = (x) ? 1 : 0})
#define VS(x) ((struct sbx_val){.s = (x), .null = (x) == NULL})
#define VT(x) ((struct sbx_val){.i = (x), .null = (x) == SBX_NONE})
#define VN    ((struct sbx_val){.null = true})

/* A UUID-shaped guid. */
static void guid(struct rng *r, char *out, size_t n)
{
	uint64_t a = rnext(r), b = rnext(r);

	snprintf(out, n, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
	         (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
	         (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
	         (unsigned long long)(b & 0xffffffffffffULL));
}

/* A phone number in one of the many shapes CRMs hold; NULL for none. clean gives E.164. */
static const char *phone(struct rng *r, char *buf, size_t n, bool clean)
{
	const char *ac = area_codes[rn(r, NELEM(area_codes))];
	unsigned last = 100 + (unsigned)rn(r, 100), ext = 1 + (unsigned)rn(r, 9999);
	unsigned shape = clean ? 0 : (unsigned)rn(r, 100);

	if (shape < 30)
		gfmt(buf, n, "+1%s555%04u", ac, last);
	else if (shape < 45)
		gfmt(buf, n, "(%s) 555-%04u", ac, last);
	else if (shape < 52)
		gfmt(buf, n, "%s-555-%04u", ac, last);
	else if (shape < 56)
		gfmt(buf, n, "%s.555.%04u", ac, last);
	else if (shape < 59)
		gfmt(buf, n, "1-%s-555-%04u", ac, last);
	else if (shape < 62)
		gfmt(buf, n, "+1 (%s) 555-%04u", ac, last);
	else if (shape < 68)
		gfmt(buf, n, "+44 20 7946 0%03u", last);
	else if (shape < 70)
		gfmt(buf, n, "+442079460%03u", last);
	else if (shape < 71)
		gfmt(buf, n, "020 7946 0%03u", last);
	else if (shape < 72)
		gfmt(buf, n, "+49 30 901820%02u", last % 100);
	else if (shape < 73)
		gfmt(buf, n, "+33 1 99 00 %02u %02u", last % 100, ext % 100);
	else if (shape < 74)
		gfmt(buf, n, "+61 2 5550 %04u", last);
	else if (shape < 75)
		gfmt(buf, n, "+81 3-5555-%04u", last);
	else if (shape < 76)
		gfmt(buf, n, "+91 98765 4%04u", last);
	else if (shape < 77)
		gfmt(buf, n, "+55 11 95555-%04u", last);
	else if (shape < 78)
		gfmt(buf, n, "+972 3-555-%04u", last);
	else if (shape < 79)
		gfmt(buf, n, "+971 4 555 %04u", last);
	else if (shape < 80)
		gfmt(buf, n, "+86 10 5555 %04u", last);
	else if (shape < 81)
		gfmt(buf, n, "+52 55 5555 %04u", last);
	else if (shape < 82)
		gfmt(buf, n, "+1 %s-555-%04u x%u", ac, last, ext);
	else if (shape < 83)
		gfmt(buf, n, "(%s) 555-%04u ext. %u", ac, last, ext);
	else if (shape < 84)
		gfmt(buf, n, "%s-555-%04u;ext=%u", ac, last, ext);
	else if (shape < 85)
		gfmt(buf, n, "tel:+1%s555%04u", ac, last);
	else if (shape < 89)
		gfmt(buf, n, "%s", garbage_phones[rn(r, NELEM(garbage_phones))]);
	else if (shape < 93)
		buf[0] = '\0';
	else
		return NULL;
	return buf;
}

/* ---- small tables ---- */

/* Users: user 1 is the team admin and the default API key's user. */
static int gen_users(struct sbx_gen *g)
{
	for (unsigned i = 0; i < g->users; i++) {
		struct rng r = rng_for(g->seed, SBX_USERS, i);
		const struct name *nm = &user_names[i % NELEM(user_names)];
		int64_t id = (int64_t)i + 1;
		int64_t created = g->anchor - (int64_t)(700 - i % 300) * DAY + rtime(&r, 0, DAY);
		int64_t updated = i == 0 ? g->anchor - 2 * DAY + 7 * HOUR + 123457
		                         : rtime(&r, created, g->anchor);
		bool admin = i == 0, active = !(i == 3 && g->users > 4);
		char gu[40], name[96], first[64], email[128], full[256];
		size_t zi = i % NELEM(user_zones);
		struct jw *w = rec_begin(g, SBX_USERS, id);

		guid(&r, gu, sizeof(gu));
		if (i < NELEM(user_names))
			snprintf(first, sizeof(first), "%s", nm->first);
		else
			snprintf(first, sizeof(first), "%s %u", nm->first,
			         (unsigned)(i / NELEM(user_names) + 1));
		snprintf(name, sizeof(name), "%s %s", first, nm->last);
		snprintf(email, sizeof(email), "%s.%s%s@loftdial-sandbox.example", nm->afirst,
		         nm->alast, i < NELEM(user_names) ? "" : gu + 32);
		snprintf(full, sizeof(full), "\"%s\" <%s>", name, email);
		jw_int(w, "id", id);
		jw_str(w, "guid", gu);
		jw_time(w, "created_at", created);
		jw_time(w, "updated_at", updated);
		jw_str(w, "name", name);
		jw_str(w, "first_name", first);
		jw_str(w, "last_name", nm->last);
		jw_str(w, "job_role", admin ? "Sales Manager" : NULL);
		jw_bool(w, "active", active);
		jw_str(w, "time_zone", user_zones[zi]);
		jw_int(w, "locale_utc_offset",
		       g->utz[zi] ? sbx_tz_offset(g->utz[zi], updated) : SBX_NONE);
		jw_str(w, "slack_username", i % 2 ? NULL : nm->afirst);
		jw_null(w, "twitter_handle");
		jw_str(w, "email", email);
		jw_str(w, "email_client_email_address", email);
		jw_str(w, "sending_email_address", email);
		jw_null(w, "from_address");
		jw_str(w, "full_email_address", full);
		jw_null(w, "bcc_email_address");
		jw_null(w, "work_country");
		jw_str(w, "seat_package", "premier");
		jw_str(w, "email_signature", "");
		jw_str(w, "email_signature_type", "html");
		jw_bool(w, "email_signature_click_tracking_disabled", false);
		jw_bool(w, "team_admin", admin);
		jw_bool(w, "local_dial_enabled", false);
		jw_bool(w, "click_to_call_enabled", true);
		jw_bool(w, "email_client_configured", i % 3 != 2);
		jw_bool(w, "crm_connected", false);
		jw_open(w, "external_feature_flags");
		jw_bool(w, "ma_enabled", true);
		jw_bool(w, "hot_leads", true);
		jw_bool(w, "people_crud_allow_create", true);
		jw_bool(w, "people_crud_allow_delete", admin);
		jw_close(w);
		jw_open(w, "_private_fields");
		jw_close(w);
		jw_open(w, "phone_client");
		jw_int(w, "id", 46885 + id);
		jw_close(w);
		jw_null(w, "phone_number_assignment");
		jw_null(w, "group");
		jw_open(w, "team");
		{
			char href[160];

			snprintf(href, sizeof(href), "%s/v2/team", g->sbx->base_url);
			jw_str(w, "_href", href);
		}
		jw_int(w, "id", g->sbx->team.id);
		jw_close(w);
		jw_open(w, "role");
		jw_str(w, "id", admin ? "Admin" : "User");
		jw_close(w);
		struct sbx_val v[] = {VS(gu),     VS(email), VS(name),
		                      VB(active), VN,        VS(admin ? "Admin" : "User"),
		                      VB(admin)};
		int err = rec_end(g, SBX_USERS, id, created, updated, v);

		if (err)
			return err;
	}
	return 0;
}

/* A user id: a third of the time user 1, the admin who is "me" by default. */
static int64_t pick_user(struct sbx_gen *g, struct rng *r)
{
	return chance(r, 33) ? 1 : 1 + (int64_t)rn(r, g->users);
}

/* A record that names a fixed set of names (dispositions, sentiments). */
static int gen_named(struct sbx_gen *g, enum sbx_kind kind, const char *const *list, size_t n)
{
	const struct sbx_kind_desc *d = sbx_kind_desc(kind);

	for (size_t i = 0; i < n; i++) {
		int64_t id = d->first_id + (int64_t)i;
		int64_t t = g->anchor - 600 * DAY + (int64_t)i * 1000003;
		struct jw *w = rec_begin(g, kind, id);
		struct sbx_val v[] = {VS(list[i])};
		int err;

		jw_int(w, "id", id);
		jw_time(w, "created_at", t);
		jw_time(w, "updated_at", t);
		jw_str(w, "name", list[i]);
		err = rec_end(g, kind, id, t, t, v);
		if (err)
			return err;
	}
	return 0;
}

/* The zone index of account a's locale, or -1 for an account without one (a pure function
 * of seed and a, so people can ask for their account's zone). */
static int account_zone(const struct sbx_gen *g, unsigned a)
{
	struct rng r = rng_for(g->seed, 200 + SBX_ACCOUNTS, a);

	if (chance(&r, 15))
		return -1;
	return (int)rn(&r, NELEM(zones));
}

/* The name and domain of account index a (a pure function, used by people too). */
static void account_info(struct sbx_gen *g, unsigned a, char *name, size_t nn, char *domain,
                         size_t dn, bool *has_domain)
{
	struct rng r = rng_for(g->seed, 100 + SBX_ACCOUNTS, a);
	const char *base = companies[a % NELEM(companies)];
	unsigned round = a / NELEM(companies);
	char slug[48];
	size_t k = 0;

	if (round < NELEM(suffixes))
		gfmt(name, nn, "%s%s", base, suffixes[round]);
	else
		gfmt(name, nn, "%s %u", base, round);
	for (const char *p = base; *p && k + 1 < sizeof(slug); p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
			slug[k++] = *p;
		else if (*p >= 'A' && *p <= 'Z')
			slug[k++] = (char)(*p - 'A' + 'a');
	}
	if (!k)
		slug[k++] = 'x';
	slug[k] = '\0';
	*has_domain = true;
	switch (rn(&r, 10)) {
	case 0:
	case 1:
		gfmt(domain, dn, "https://www.%s%u.example/en-gb/", slug, a);
		break;
	case 2:
		gfmt(domain, dn, "http://%s%u.example.co.uk", slug, a);
		break;
	case 3:
		*has_domain = false;
		domain[0] = '\0';
		break;
	default:
		gfmt(domain, dn, "%s%u.example.com", slug, a);
		break;
	}
}

/* Accounts, after people (counts need them). */
static int gen_accounts(struct sbx_gen *g)
{
	const struct sbx_kind_desc *d = sbx_kind_desc(SBX_ACCOUNTS);

	for (unsigned a = 0; a < g->accounts; a++) {
		struct rng r = rng_for(g->seed, SBX_ACCOUNTS, a);
		int64_t id = d->first_id + a;
		int64_t created = g->anchor - 720 * DAY + rtime(&r, 0, 700 * DAY);
		int64_t updated = chance(&r, 40) ? created : rtime(&r, created, g->anchor);
		int64_t owner = pick_user(g, &r), archived = SBX_NONE;
		char name[160], domain[160];
		bool has_domain;
		int zi = account_zone(g, a);
		const struct zone *z = zi >= 0 ? &zones[zi] : NULL;
		struct jw *w = rec_begin(g, SBX_ACCOUNTS, id);
		int err;

		account_info(g, a, name, sizeof(name), domain, sizeof(domain), &has_domain);
		if (chance(&r, 3))
			archived = rtime(&r, created, g->anchor);
		if (archived != SBX_NONE && updated < archived)
			updated = archived;
		jw_int(w, "id", id);
		jw_time(w, "created_at", created);
		jw_time(w, "updated_at", updated);
		jw_str(w, "name", name);
		jw_str(w, "domain", has_domain ? domain : NULL);
		jw_time(w, "archived_at", archived);
		jw_str(w, "locale", z ? z->locale : NULL);
		jw_str(w, "city", z ? z->city : NULL);
		jw_str(w, "country", z ? z->country : NULL);
		jw_str(w, "crm_object_type", "account");
		jw_bool(w, "do_not_contact", chance(&r, 2));
		jw_open(w, "custom_fields");
		if (chance(&r, 30))
			jw_str(w, "Industry", industries[rn(&r, NELEM(industries))]);
		jw_close(w);
		jw_aopen(w, "user_relationships");
		jw_aclose(w);
		jw_aopen(w, "tags");
		if (chance(&r, 20))
			jw_str(w, NULL, "enterprise");
		jw_aclose(w);
		jw_open(w, "counts");
		jw_int(w, "people", chance(&r, 50) ? SBX_NONE : (int64_t)g->people_of[a]);
		jw_close(w);
		jw_ref(w, "owner", "users", owner);
		jw_ref(w, "creator", "users", chance(&r, 70) ? owner : 1);
		struct sbx_val v[] = {VS(name), VS(has_domain ? domain : NULL), VI(owner),
		                      VT(archived)};
		err = rec_end(g, SBX_ACCOUNTS, id, created, updated, v);
		if (err)
			return err;
	}
	return 0;
}

/* Plans cadences and their steps (ids and types) before people refer to them. */
static int plan_cadences(struct sbx_gen *g)
{
	const struct sbx_kind_desc *sd = sbx_kind_desc(SBX_STEPS);
	unsigned total = 0;

	g->cadences = g->people / 400;
	if (g->cadences < 3)
		g->cadences = 3;
	if (g->cadences > 40)
		g->cadences = 40;
	g->nsteps = calloc(g->cadences, sizeof(*g->nsteps));
	g->step_first = calloc(g->cadences, sizeof(*g->step_first));
	g->members = calloc(g->cadences, sizeof(*g->members));
	if (!g->nsteps || !g->step_first || !g->members)
		return ENOMEM;
	for (unsigned c = 0; c < g->cadences; c++) {
		struct rng r = rng_for(g->seed, 100 + SBX_CADENCES, c);

		g->nsteps[c] = 3 + (unsigned)rn(&r, 6);
		g->step_first[c] = sd->first_id + total;
		total += g->nsteps[c];
	}
	g->step_type = calloc(total, sizeof(*g->step_type));
	if (!g->step_type)
		return ENOMEM;
	for (unsigned c = 0; c < g->cadences; c++) {
		struct rng r = rng_for(g->seed, 200 + SBX_CADENCES, c);

		for (unsigned s = 0; s < g->nsteps[c]; s++) {
			int64_t idx = g->step_first[c] - sd->first_id + s;
			const char *t;

			/* Step 1 email, step 2 phone (every cadence has a phone step), then a
			 * mix. */
			if (s == 0)
				t = "email";
			else if (s == 1)
				t = "phone";
			else
				t = rn(&r, 10) < 5 ? "phone" : rn(&r, 10) < 8 ? "email" : "other";
			snprintf(g->step_type[idx], sizeof(g->step_type[idx]), "%s", t);
		}
	}
	return 0;
}

/* Cadences and steps, after people (member counts need them). */
static int gen_cadences(struct sbx_gen *g)
{
	const struct sbx_kind_desc *cd = sbx_kind_desc(SBX_CADENCES);
	const struct sbx_kind_desc *sd = sbx_kind_desc(SBX_STEPS);

	for (unsigned c = 0; c < g->cadences; c++) {
		struct rng r = rng_for(g->seed, SBX_CADENCES, c);
		int64_t id = cd->first_id + c;
		int64_t created = g->anchor - 500 * DAY + (int64_t)c * 3 * DAY + rtime(&r, 0, DAY);
		int64_t updated = rtime(&r, created, g->anchor);
		int64_t owner = c == 0 ? 1 : pick_user(g, &r);
		int64_t archived = c == g->cadences - 1 ? updated : SBX_NONE;
		bool team = chance(&r, 50), shared = chance(&r, 60);
		char name[160];
		struct jw *w = rec_begin(g, SBX_CADENCES, id);
		int err;

		if (c < NELEM(cadence_names))
			snprintf(name, sizeof(name), "%s", cadence_names[c]);
		else
			snprintf(name, sizeof(name), "%s #%u",
			         cadence_names[c % NELEM(cadence_names)],
			         c / (unsigned)NELEM(cadence_names) + 1);
		jw_int(w, "id", id);
		jw_time(w, "created_at", created);
		jw_time(w, "updated_at", updated);
		jw_time(w, "archived_at", archived);
		jw_bool(w, "team_cadence", team);
		jw_bool(w, "shared", shared);
		jw_bool(w, "remove_bounces_enabled", true);
		jw_bool(w, "remove_replies_enabled", true);
		jw_bool(w, "opt_out_link_included", false);
		jw_bool(w, "draft", false);
		jw_null(w, "cadence_framework_id");
		jw_str(w, "cadence_function", c % 4 == 0 ? "inbound" : "outbound");
		jw_str(w, "name", name);
		jw_aopen(w, "tags");
		jw_aclose(w);
		jw_ref(w, "creator", "users", owner);
		jw_ref(w, "owner", "users", owner);
		jw_null(w, "bridge_phone");
		jw_null(w, "bridge_phone_extension");
		jw_aopen(w, "groups");
		jw_aclose(w);
		jw_open(w, "counts");
		jw_int(w, "cadence_people", g->members[c]);
		jw_int(w, "target_daily_people", 25);
		jw_close(w);
		struct sbx_val v[] = {VS(name), VI(owner), VT(archived), VB(team), VB(shared)};
		err = rec_end(g, SBX_CADENCES, id, created, updated, v);
		if (err)
			return err;
		for (unsigned s = 0; s < g->nsteps[c]; s++) {
			int64_t sid = g->step_first[c] + s;
			const char *type = g->step_type[sid - sd->first_id];
			unsigned day = 1 + s * 2 - (s > 0);
			char disp[96];
			int64_t st = created + (int64_t)(s + 1) * 60000001;

			snprintf(disp, sizeof(disp), "Day %u: Step %u - %s", day, s + 1,
			         !strcmp(type, "phone")   ? "Phone"
			         : !strcmp(type, "email") ? "Email"
			                                  : "Other");
			w = rec_begin(g, SBX_STEPS, sid);
			jw_int(w, "id", sid);
			jw_time(w, "created_at", st);
			jw_time(w, "updated_at", st);
			jw_bool(w, "disabled", false);
			jw_str(w, "type", type);
			jw_str(w, "name",
			       !strcmp(type, "phone")   ? "Call"
			       : !strcmp(type, "email") ? "Intro email"
			                                : "LinkedIn touch");
			jw_str(w, "display_name", disp);
			jw_int(w, "day", day);
			jw_int(w, "step_number", s + 1);
			jw_bool(w, "multitouch_enabled", false);
			jw_null(w, "details");
			jw_ref(w, "cadence", "cadences", id);
			struct sbx_val sv[] = {VI(id), VS(type), VI(s + 1)};
			err = rec_end(g, SBX_STEPS, sid, st, st, sv);
			if (err)
				return err;
		}
	}
	return 0;
}

/* ---- people and what hangs off them ---- */

/* What tells a person's time zone: the person's own locale (most), or, for a person with
 * none, the account's locale, the phone number's country code, or nothing at all. */
enum clue { CLUE_LOCALE, CLUE_ACCOUNT, CLUE_PHONE, CLUE_NONE };

struct memb {
	unsigned cadence;
	enum mstate state;
	unsigned step; /* current step index */
	int64_t added;
	int64_t user;
	bool action;
	bool action_due;
};

struct person {
	int64_t id, created, updated, owner, account_id;
	unsigned account;
	bool has_account, clean, hostile;
	const struct name *nm;
	const struct zone *zone; /* the zone the person's locale names; NULL: no locale */
	enum clue clue;
	unsigned nmemb, ncalls, nemails;
	struct memb memb[2];
	int64_t call_times[3];
	int64_t last_call_user;
	char email[200];
	bool has_email;
	char acct[160], acct_domain[160]; /* the account's name and domain (account_info) */
	bool acct_has_domain;
	char phone[96];
	const char *phone_p;
	int64_t import_id;
};

/* Phone numbers that tell nothing about where their owner is. */
static const char *const clueless_phones[] = {"n/a", "call me", "555",         "+",
                                              "000", "--",      "ask for Bob", ""};

/* Settles what tells person i's zone (p->clue): people 25-28 are pinned to the zones that
 * are not whole hours, 29-31 to the three kinds of people without a locale, so that every
 * org past 32 people has them. A person without a locale has no city either: the account
 * clue moves the person to an account that has a locale, the phone clue replaces the phone
 * with one in the zone (country code included), and the clueless have neither. */
static void plan_zone(struct sbx_gen *g, unsigned i, struct rng *r, struct person *p)
{
	static const int pinned[] = {Z_ST_JOHNS, Z_KOLKATA, Z_KATHMANDU, Z_CHATHAM};
	unsigned last = 100 + (unsigned)rn(r, 9900), k;

	if (i >= 25 && i < 29) {
		p->clue = CLUE_LOCALE;
		p->zone = &zones[pinned[i - 25]];
	} else if (i >= 29 && i < 32) {
		p->clue = (enum clue)(CLUE_ACCOUNT + (i - 29));
		if (p->clue == CLUE_PHONE)
			p->zone = &zones[Z_KATHMANDU];
	}
	if (p->clue == CLUE_LOCALE)
		return;
	if (p->clue == CLUE_ACCOUNT) {
		/* The person's account, or the next one along that has a locale. */
		for (k = 0; k < 16 && account_zone(g, (p->account + k) % g->accounts) < 0; k++)
			;
		if (k < 16) {
			p->account = (p->account + k) % g->accounts;
			p->has_account = true;
		} else {
			p->clue = CLUE_PHONE;
		}
	}
	if (p->clue == CLUE_PHONE) {
		p->has_account = false;
		gfmt(p->phone, sizeof(p->phone), p->zone->phone, last);
		p->phone_p = p->phone;
	} else if (p->clue == CLUE_NONE) {
		p->has_account = false;
		k = (unsigned)rn(r, NELEM(clueless_phones) + 2);
		p->phone_p = k < NELEM(clueless_phones) ? clueless_phones[k] : NULL;
	}
	p->zone = NULL;
}

/* Who person i is, where, and what they have (a pure function of seed and i, except the
 * creation time which comes from the import block). */
static void plan_person(struct sbx_gen *g, unsigned i, int64_t created, int64_t import_id,
                        struct person *p)
{
	struct rng r = rng_for(g->seed, SBX_PEOPLE, i);
	const struct sbx_kind_desc *d = sbx_kind_desc(SBX_PEOPLE);

	memset(p, 0, sizeof(*p));
	p->id = d->first_id + i;
	p->created = created;
	p->import_id = import_id;
	p->clean = i < 10;
	p->hostile = (i >= 10 && i < 10 + NELEM(names_hostile)) || (i > 100 && rn(&r, 1000) < 2);
	if (p->hostile)
		p->nm = &names_hostile[i % NELEM(names_hostile)];
	else if (p->clean || chance(&r, 45))
		p->nm = &names_en[rn(&r, NELEM(names_en))];
	else
		p->nm = &names_intl[rn(&r, NELEM(names_intl))];
	p->clue = CLUE_LOCALE;
	if (!p->clean && chance(&r, 8)) {
		unsigned c = (unsigned)rn(&r, 100);

		p->clue = c < 40 ? CLUE_ACCOUNT : c < 75 ? CLUE_PHONE : CLUE_NONE;
	}
	p->zone = &zones[rn(&r, p->clean ? 8 : NELEM(zones))]; /* clean: US zones */
	p->owner = p->clean ? 1 : pick_user(g, &r);
	p->has_account = p->clean || chance(&r, 80);
	p->account = (unsigned)rn(&r, g->accounts);
	p->phone_p = phone(&r, p->phone, sizeof(p->phone), p->clean);
	plan_zone(g, i, &r, p);
	p->account_id =
	        p->has_account ? sbx_kind_desc(SBX_ACCOUNTS)->first_id + p->account : SBX_NONE;

	/* Memberships: the clean people are all active on the first cadence with a phone
	 * action due now, owned by user 1. */
	if (p->clean) {
		p->nmemb = 1;
		p->memb[0] = (struct memb){.cadence = i % 2,
		                           .state = M_ACTIVE,
		                           .step = 1,
		                           .user = 1,
		                           .action = true,
		                           .action_due = true};
	} else {
		unsigned roll = (unsigned)rn(&r, 100);

		p->nmemb = roll < 35 ? 1 : roll < 43 ? 2 : 0;
		for (unsigned m = 0; m < p->nmemb; m++) {
			struct memb *mb = &p->memb[m];
			unsigned s = (unsigned)rn(&r, 100);

			mb->cadence = (unsigned)rn(&r, g->cadences);
			if (m == 1 && mb->cadence == p->memb[0].cadence)
				mb->cadence = (mb->cadence + 1) % g->cadences;
			mb->state = s < 45   ? M_ACTIVE
			            : s < 55 ? M_SCHEDULED
			            : s < 60 ? M_STAGED
			            : s < 63 ? M_PROCESSING
			            : s < 78 ? M_COMPLETED
			            : s < 86 ? M_REMOVED
			            : s < 91 ? M_REMOVED_NO_ACTION
			            : s < 95 ? M_REASSIGNED
			                     : M_ARCHIVED;
			mb->step = (unsigned)rn(&r, g->nsteps[mb->cadence]);
			mb->user = chance(&r, 80) ? p->owner : pick_user(g, &r);
			mb->action = mb->state == M_ACTIVE;
			mb->action_due = chance(&r, 65);
		}
	}
	p->ncalls = p->clean ? 0 : chance(&r, 20) ? 1 + (unsigned)rn(&r, 3) : 0;
	p->nemails = chance(&r, 15) ? 1 + (unsigned)rn(&r, 2) : 0;
	for (unsigned m = 0; m < p->nmemb; m++)
		p->memb[m].added = rtime(&r, created, g->anchor);
	for (unsigned c = 0; c < p->ncalls; c++)
		p->call_times[c] = rtime(&r, created, g->anchor);
	p->last_call_user = pick_user(g, &r);
	p->has_email = p->clean || !chance(&r, 5);
	/* The account's name and domain feed the email and the person's company fields (it
	 * draws from the account's own stream, so once is enough). */
	if (p->has_email || p->has_account)
		account_info(g, p->account, p->acct, sizeof(p->acct), p->acct_domain,
		             sizeof(p->acct_domain), &p->acct_has_domain);
	if (p->has_email) {
		const char *dom = p->acct_domain;

		if (!p->has_account || !p->acct_has_domain || strchr(dom, '/'))
			dom = chance(&r, 50) ? "gmail.example" : "mail.example";
		gfmt(p->email, sizeof(p->email), "%s.%s%u%s@%s", p->nm->afirst, p->nm->alast, i,
		     chance(&r, 3) ? "+sales" : "", dom);
	}
	/* updated_at: never touched since the import, touched later, or caught in the mass
	 * update; contact activity moves it too. */
	p->updated = chance(&r, 40) ? created : rtime(&r, created, g->anchor);
	for (unsigned c = 0; c < p->ncalls; c++)
		if (p->call_times[c] > p->updated)
			p->updated = p->call_times[c];
	if (chance(&r, 5) && g->t_mass > p->updated)
		p->updated = g->t_mass;
}

/* The latest call time of a person, or SBX_NONE. */
static int64_t last_call(const struct person *p)
{
	int64_t t = SBX_NONE;

	for (unsigned c = 0; c < p->ncalls; c++)
		if (t == SBX_NONE || p->call_times[c] > t)
			t = p->call_times[c];
	return t;
}

/* Renders and stores one person. */
static int gen_person(struct sbx_gen *g, unsigned i, const struct person *p)
{
	struct rng r = rng_for(g->seed, 300 + SBX_PEOPLE, i);
	const struct sbx_kind_desc *cd = sbx_kind_desc(SBX_CADENCES);
	const char *first = p->nm->first, *last = p->nm->last;
	char display[6000], full[6400], phbuf[2][96], web[200];
	const char *title = NULL, *mobile, *home;
	const char *acct = p->acct, *dom = p->acct_domain;
	int64_t lc = last_call(p);
	bool hd = p->has_account && p->acct_has_domain, dnc = !p->clean && chance(&r, 3);
	bool text = rec_wanted(g, SBX_PEOPLE, p->id); /* only the columns are needed otherwise */
	struct jw *w;
	unsigned restr = p->clean ? 100 : (unsigned)rn(&r, 100);

	if (p->hostile && i % 5 == 0)
		last = g->big;
	join(display, sizeof(display), first, *last ? " " : "", last, NULL);
	if (p->has_email && text)
		join(full, sizeof(full), "\"", display, "\" <", p->email, ">", NULL);
	if (chance(&r, 85))
		title = titles[rn(&r, NELEM(titles))];
	if (p->hostile && i % 5 == 1)
		title = g->big;
	mobile = chance(&r, 50) ? phone(&r, phbuf[0], sizeof(phbuf[0]), p->clean) : NULL;
	home = chance(&r, 10) ? phone(&r, phbuf[1], sizeof(phbuf[1]), false) : NULL;
	if (p->clue != CLUE_LOCALE)
		mobile = home = NULL; /* only the clue chosen may tell the zone */
	if (hd && text)
		join(web, sizeof(web), strchr(dom, '/') ? "" : "http://", dom, NULL);

	w = rec_begin(g, SBX_PEOPLE, p->id);
	jw_int(w, "id", p->id);
	jw_time(w, "created_at", p->created);
	jw_time(w, "updated_at", p->updated);
	jw_time(w, "last_contacted_at", lc);
	jw_null(w, "last_replied_at");
	jw_str(w, "first_name", first);
	jw_str(w, "last_name", last);
	jw_str(w, "display_name", display);
	jw_str(w, "email_address", p->has_email ? p->email : NULL);
	jw_str(w, "full_email_address", p->has_email ? full : NULL);
	jw_null(w, "secondary_email_address");
	jw_null(w, "personal_email_address");
	jw_str(w, "phone", p->phone_p);
	jw_str(w, "phone_extension", chance(&r, 8) ? "123" : NULL);
	jw_str(w, "home_phone", home);
	jw_str(w, "mobile_phone", mobile);
	jw_null(w, "linkedin_url");
	jw_str(w, "title", title);
	jw_str(w, "city", p->zone ? p->zone->city : NULL);
	jw_str(w, "state", p->zone ? p->zone->state : NULL);
	jw_str(w, "country", p->zone ? p->zone->country : NULL);
	jw_str(w, "work_city", p->zone && chance(&r, 50) ? p->zone->city : NULL);
	jw_null(w, "work_state");
	jw_null(w, "work_country");
	if (chance(&r, 40)) {
		char crm[24] = "", url[80] = "";
		uint64_t crm_no = rnext(&r) >> 4;

		if (text) {
			gfmt(crm, sizeof(crm), "003%015llx", (unsigned long long)crm_no);
			join(url, sizeof(url), "https://example.my.salesforce.com/", crm, NULL);
		}
		jw_str(w, "crm_url", url);
		jw_str(w, "crm_id", crm);
	} else {
		jw_null(w, "crm_url");
		jw_null(w, "crm_id");
	}
	jw_null(w, "account_crm_id");
	jw_str(w, "crm_object_type", chance(&r, 50) ? "Contact" : NULL);
	jw_null(w, "owner_crm_id");
	jw_str(w, "person_company_name", p->has_account ? acct : NULL);
	jw_str(w, "person_company_website", hd ? web : NULL);
	jw_str(w, "person_company_industry",
	       chance(&r, 30) ? industries[rn(&r, NELEM(industries))] : NULL);
	jw_bool(w, "do_not_contact", dnc);
	jw_bool(w, "bouncing", chance(&r, 2));
	jw_str(w, "locale", p->zone ? p->zone->locale : NULL);
	jw_int(w, "locale_utc_offset", zone_offset(g, p->zone, p->updated));
	jw_bool(w, "eu_resident", p->zone && p->zone->eu);
	jw_null(w, "personal_website");
	jw_str(w, "twitter_handle", chance(&r, 5) ? p->nm->afirst : NULL);
	jw_str(w, "last_contacted_type", lc != SBX_NONE ? "Call" : NULL);
	jw_str(w, "job_seniority", chance(&r, 50) ? seniorities[rn(&r, NELEM(seniorities))] : NULL);
	jw_open(w, "custom_fields");
	if (chance(&r, 30)) {
		jw_str(w, "Lead Source", chance(&r, 50) ? "Webinar" : "Trade Show");
		jw_str(w, "Tier", chance(&r, 30) ? "A" : "B");
	}
	if (p->hostile)
		jw_str(w, "\x1b[2Jkey", "\x1b]8;;http://evil.example\x07link\x1b]8;;\x07");
	jw_close(w);
	jw_aopen(w, "tags");
	if (chance(&r, 10))
		jw_str(w, NULL, "vip");
	if (chance(&r, 5))
		jw_str(w, NULL, "conference-2024");
	jw_aclose(w);
	jw_aopen(w, "contact_restrictions");
	if (restr < 5) {
		jw_str(w, NULL, "call");
	} else if (restr < 8) {
		jw_str(w, NULL, "email");
	} else if (restr < 10) {
		jw_str(w, NULL, "call");
		jw_str(w, NULL, "email");
		jw_str(w, NULL, "message");
	}
	jw_aclose(w);
	jw_int(w, "success_count", chance(&r, 3) ? 1 : 0);
	jw_bool(w, "starred", chance(&r, 2));
	jw_bool(w, "untouched", !p->ncalls && !p->nemails);
	jw_open(w, "counts");
	jw_int(w, "emails_sent", p->nemails);
	jw_int(w, "emails_viewed", p->nemails ? (int64_t)rn(&r, p->nemails + 1) : 0);
	jw_int(w, "emails_clicked", 0);
	jw_int(w, "emails_replied_to", 0);
	jw_int(w, "emails_bounced", 0);
	jw_int(w, "calls", p->ncalls);
	jw_close(w);
	jw_ref(w, "account", "accounts", p->account_id);
	jw_ref(w, "owner", "users", p->owner);
	jw_ref(w, "last_contacted_by", "users", lc != SBX_NONE ? p->last_call_user : SBX_NONE);
	jw_ref(w, "import", "imports", p->import_id);
	jw_null(w, "person_stage");
	jw_ref(w, "most_recent_cadence", "cadences",
	       p->nmemb ? cd->first_id + p->memb[p->nmemb - 1].cadence : SBX_NONE);
	jw_null(w, "last_completed_step_cadence");
	jw_null(w, "last_completed_step");
	jw_aopen(w, "cadences");
	for (unsigned m = 0; m < p->nmemb; m++) {
		if (p->memb[m].state <= M_PROCESSING)
			jw_ref(w, NULL, "cadences", cd->first_id + p->memb[m].cadence);
	}
	jw_aclose(w);
	struct sbx_val v[] = {VT(p->account_id),
	                      VI(p->owner),
	                      VB(dnc),
	                      VT(lc),
	                      VS(display),
	                      VI(p->ncalls),
	                      VS(p->has_email ? p->email : NULL),
	                      VS(p->zone ? p->zone->locale : NULL)};
	return rec_end(g, SBX_PEOPLE, p->id, p->created, p->updated, v);
}

/* The scheduled task that mirrors a cadence action (task tid for action type on step
 * index s), shaped like the other generated tasks, with source salesloft.cadence. */
static int gen_mirror_task(struct sbx_gen *g, const struct person *p, const struct memb *mb,
                           int64_t tid, const char *type, int64_t due, int64_t created)
{
	const char *ttype = !strcmp(type, "phone")   ? "call"
	                    : !strcmp(type, "email") ? "email"
	                                             : "general";
	unsigned s = mb->step, day = 1 + s * 2 - (s > 0);
	char due_date[16], subject[64] = "";
	struct jw *w = rec_begin(g, SBX_TASKS, tid);

	sbx_date_render(due_date, sizeof(due_date), due);
	if (!w->off)
		gfmt(subject, sizeof(subject), "Day %u: Step %u - %s", day, s + 1,
		     !strcmp(type, "phone")   ? "Phone"
		     : !strcmp(type, "email") ? "Email"
		                              : "Other");
	jw_int(w, "id", tid);
	jw_time(w, "created_at", created);
	jw_time(w, "updated_at", created);
	jw_null(w, "description");
	jw_str(w, "due_date", due_date);
	jw_time(w, "due_at", due);
	jw_str(w, "subject", subject);
	jw_str(w, "current_state", "scheduled");
	jw_str(w, "task_type", ttype);
	jw_null(w, "remind_at");
	jw_null(w, "expires_after");
	jw_null(w, "completed_at");
	jw_null(w, "_integration_id");
	jw_null(w, "_integration_step_id");
	jw_null(w, "_integration_task_id");
	jw_null(w, "_integration_name");
	jw_null(w, "_integration_task_type_label");
	jw_open(w, "custom_attributes");
	jw_close(w);
	jw_open(w, "score");
	jw_str(w, "score", "0.0");
	jw_str(w, "prioritizer_uuid", "salesloft.prioritizers/rhythm");
	jw_open(w, "factors");
	jw_close(w);
	jw_close(w);
	jw_aopen(w, "object_references");
	jw_aclose(w);
	jw_str(w, "source", "salesloft.cadence");
	jw_null(w, "multitouch_group_id");
	jw_ref(w, "person", "people", p->id);
	jw_ref(w, "user", "users", mb->user);
	jw_ref(w, "created_by_user", "users", mb->user);
	jw_null(w, "completed_by");
	/* In db.c's column order for tasks: a new tasks column needs its value here, as in
	 * gen_tasks (the array is sized so that a missing one is never read past its end). */
	struct sbx_val v[SBX_MAX_COLS] = {
	        VI(mb->user), VI(p->id), VS(ttype), VS("scheduled"),
	        VS(due_date), VT(due),   VN,        VS("salesloft.cadence")};
	return rec_end(g, SBX_TASKS, tid, created, created, v);
}

/* Memberships, their cadence actions and the tasks that mirror the actions. */
static int gen_memberships(struct sbx_gen *g, unsigned i, const struct person *p)
{
	const struct sbx_kind_desc *cd = sbx_kind_desc(SBX_CADENCES);
	const struct sbx_kind_desc *sd = sbx_kind_desc(SBX_STEPS);

	for (unsigned m = 0; m < p->nmemb; m++) {
		struct rng r = rng_for(g->seed, SBX_CADENCE_MEMBERSHIPS, (uint64_t)i * 2 + m);
		const struct memb *mb = &p->memb[m];
		int64_t mid = g->next[SBX_CADENCE_MEMBERSHIPS]++;
		int64_t aid = mb->action ? g->next[SBX_ACTIONS]++ : SBX_NONE;
		int64_t tid = mb->action ? g->next[SBX_TASKS]++ : SBX_NONE;
		int64_t cid = cd->first_id + mb->cadence;
		int64_t sid = g->step_first[mb->cadence] + mb->step;
		bool on = mb->state <= M_PROCESSING;
		int64_t updated = rtime(&r, mb->added, g->anchor);
		struct jw *w;
		int err;

		if (!g->replay)
			g->members[mb->cadence]++;
		if (aid != SBX_NONE && mb->action_due && updated > g->anchor - HOUR)
			updated = g->anchor - HOUR;
		w = rec_begin(g, SBX_CADENCE_MEMBERSHIPS, mid);
		jw_int(w, "id", mid);
		jw_time(w, "added_at", mb->added);
		jw_time(w, "created_at", mb->added);
		jw_time(w, "updated_at", updated);
		jw_ref(w, "person", "people", p->id);
		jw_ref(w, "cadence", "cadences", cid);
		jw_ref(w, "user", "users", mb->user);
		jw_ref(w, "latest_action", "actions", aid);
		jw_bool(w, "person_deleted", false);
		jw_bool(w, "currently_on_cadence", on);
		jw_str(w, "current_state", mstate_names[mb->state]);
		jw_open(w, "counts");
		jw_int(w, "bounces", 0);
		jw_int(w, "calls", p->ncalls);
		jw_int(w, "clicks", 0);
		jw_int(w, "replies", 0);
		jw_int(w, "sent_emails", p->nemails);
		jw_int(w, "views", 0);
		jw_close(w);
		struct sbx_val v[] = {
		        VI(p->id),    VI(cid), VI(mb->user), VB(on), VS(mstate_names[mb->state]),
		        VI(mb->added)};
		err = rec_end(g, SBX_CADENCE_MEMBERSHIPS, mid, mb->added, updated, v);
		if (err)
			return err;
		if (aid == SBX_NONE)
			continue;

		/* The action: due now (before the start of today, or earlier today for the clean
		 * ones), or later this week. */
		const char *type = g->step_type[sid - sd->first_id];
		int64_t due = mb->action_due ? g->anchor - (int64_t)rn(&r, 3 * 24) * HOUR - MIN
		                             : g->anchor + (1 + (int64_t)rn(&r, 6)) * DAY +
		                                       (int64_t)rn(&r, 10) * HOUR;
		int64_t acreated = updated;
		const char *status;

		if (p->clean)
			due = g->anchor - (int64_t)(10 - i) * MIN;
		status = p->clean || chance(&r, 90) ? "in_progress" : "pending_activity";
		w = rec_begin(g, SBX_ACTIONS, aid);
		jw_int(w, "id", aid);
		jw_time(w, "created_at", acreated);
		jw_time(w, "updated_at", acreated);
		jw_str(w, "type", type);
		/* due says whether the action is due now, so it is worked out when the record is
		 * rendered (the sandbox clock moves); due_on is the instant it falls due. */
		jw_bool(w, "due", !w->off && due <= sbx_now_us(g->sbx));
		jw_time(w, "due_on", due);
		jw_str(w, "status", status);
		jw_null(w, "multitouch_group_id");
		jw_ref(w, "action_details", "action_details/call_instructions",
		       !strcmp(type, "phone") ? aid : SBX_NONE);
		jw_ref(w, "person", "people", p->id);
		jw_ref(w, "user", "users", mb->user);
		jw_ref(w, "cadence", "cadences", cid);
		jw_ref(w, "step", "steps", sid);
		jw_ref(w, "task", "tasks", tid);
		struct sbx_val av[] = {VI(sid),  VI(cid),    VI(p->id), VI(mb->user),
		                       VS(type), VS(status), VI(due),   VN};
		err = rec_end(g, SBX_ACTIONS, aid, acreated, acreated, av);
		if (!err)
			err = gen_mirror_task(g, p, mb, tid, type, due, acreated);
		if (err)
			return err;
	}
	return 0;
}

/* Past calls of a person. */
static int gen_calls(struct sbx_gen *g, unsigned i, const struct person *p)
{
	for (unsigned c = 0; c < p->ncalls; c++) {
		struct rng r = rng_for(g->seed, SBX_CALLS, (uint64_t)i * 4 + c);
		int64_t id = g->next[SBX_CALLS]++;
		int64_t t = p->call_times[c];
		const char *disp = dispositions[rn(&r, NELEM(dispositions))];
		const char *sent = chance(&r, 60) ? sentiments[rn(&r, NELEM(sentiments))] : NULL;
		int64_t user = c == p->ncalls - 1 ? p->last_call_user : pick_user(g, &r);
		bool connected = !strcmp(disp, "Connected") || !strcmp(disp, "Meeting Booked");
		struct jw *w = rec_begin(g, SBX_CALLS, id);

		jw_int(w, "id", id);
		jw_str(w, "to", p->phone_p ? p->phone_p : "+14155550100");
		jw_int(w, "duration", connected ? 30 + (int64_t)rn(&r, 900) : (int64_t)rn(&r, 40));
		jw_str(w, "disposition", disp);
		jw_str(w, "sentiment", sent);
		jw_aopen(w, "recordings");
		if (connected && chance(&r, 50)) {
			char url[160];

			jw_open(w, NULL);
			gfmt(url, sizeof(url), "https://recordings.example/%lld.mp3",
			     (long long)id);
			jw_str(w, "url", url);
			jw_str(w, "status", "completed");
			jw_str(w, "recording_status", "completed");
			jw_close(w);
		}
		jw_aclose(w);
		jw_time(w, "created_at", t);
		jw_time(w, "updated_at", t);
		jw_ref(w, "user", "users", user);
		jw_null(w, "action");
		jw_ref(w, "called_person", "people", p->id);
		jw_null(w, "crm_activity");
		jw_null(w, "note");
		jw_null(w, "cadence");
		jw_null(w, "step");
		struct sbx_val v[] = {VI(p->id), VI(user), VS(disp), VS(sent), VN, VN};
		int err = rec_end(g, SBX_CALLS, id, t, t, v);

		if (err)
			return err;
		/* Some calls carry a note. */
		if (connected && chance(&r, 30)) {
			int64_t nid = g->next[SBX_NOTES]++;

			w = rec_begin(g, SBX_NOTES, nid);
			jw_int(w, "id", nid);
			jw_str(w, "content",
			       p->hostile ? p->nm->first
			                  : "Spoke briefly; asked to call back next week.");
			jw_time(w, "created_at", t + 5 * MIN);
			jw_time(w, "updated_at", t + 5 * MIN);
			jw_str(w, "associated_type", "person");
			jw_ref(w, "associated_with", "people", p->id);
			jw_ref(w, "call", "activities/calls", id);
			jw_ref(w, "user", "users", user);
			struct sbx_val nv[] = {VS("person"), VI(p->id), VI(id), VI(user)};
			err = rec_end(g, SBX_NOTES, nid, t + 5 * MIN, t + 5 * MIN, nv);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Past emails of a person. */
static int gen_emails(struct sbx_gen *g, unsigned i, const struct person *p)
{
	const struct sbx_kind_desc *cd = sbx_kind_desc(SBX_CADENCES);

	for (unsigned e = 0; e < p->nemails; e++) {
		struct rng r = rng_for(g->seed, SBX_EMAILS, (uint64_t)i * 4 + e);
		int64_t id = g->next[SBX_EMAILS]++;
		int64_t sent = rtime(&r, p->created, g->anchor);
		bool bounced = chance(&r, 3);
		const char *status = bounced ? "sent" : chance(&r, 95) ? "sent" : "failed";
		int64_t user = p->owner;
		int64_t cad = p->nmemb ? cd->first_id + p->memb[0].cadence : SBX_NONE;
		int64_t step = p->nmemb ? g->step_first[p->memb[0].cadence] : SBX_NONE;
		struct jw *w = rec_begin(g, SBX_EMAILS, id);

		jw_int(w, "id", id);
		jw_time(w, "created_at", sent - MIN);
		jw_time(w, "updated_at", sent);
		jw_str(w, "recipient_email_address",
		       p->has_email ? p->email : "unknown@example.com");
		jw_str(w, "status", status);
		jw_bool(w, "bounced", bounced);
		jw_null(w, "send_after");
		jw_time(w, "sent_at", sent);
		jw_bool(w, "view_tracking", true);
		jw_bool(w, "click_tracking", true);
		jw_str(w, "personalization", "0.5");
		jw_open(w, "counts");
		jw_int(w, "clicks", 0);
		jw_int(w, "views", (int64_t)rn(&r, 4));
		jw_int(w, "replies", 0);
		jw_int(w, "unique_devices", 1);
		jw_int(w, "unique_locations", 1);
		jw_int(w, "attachments", 0);
		jw_close(w);
		jw_ref(w, "recipient", "people", p->id);
		jw_null(w, "mailing");
		jw_null(w, "action");
		jw_ref(w, "user", "users", user);
		jw_null(w, "task");
		jw_ref(w, "cadence", "cadences", cad);
		jw_ref(w, "step", "steps", step);
		jw_null(w, "email_template");
		jw_null(w, "crm_activity");
		struct sbx_val v[] = {VI(p->id),  VI(user),    VT(cad), VT(step),
		                      VS(status), VB(bounced), VI(sent)};
		int err = rec_end(g, SBX_EMAILS, id, sent - MIN, sent, v);

		if (err)
			return err;
	}
	return 0;
}

/* Tasks of a person: call tasks overdue, due today, tomorrow or later; some completed. */
static int gen_tasks(struct sbx_gen *g, unsigned i, const struct person *p)
{
	struct rng r = rng_for(g->seed, SBX_TASKS, i);
	unsigned n = p->clean ? 1 : chance(&r, 12) ? 1 + (chance(&r, 15) ? 1 : 0) : 0;

	for (unsigned k = 0; k < n; k++) {
		int64_t id = g->next[SBX_TASKS]++;
		unsigned tt = (unsigned)rn(&r, 100), when = (unsigned)rn(&r, 100);
		const char *type = p->clean || tt < 60 ? "call" : tt < 85 ? "email" : "general";
		bool done = !p->clean && chance(&r, 20);
		int64_t user = p->clean || chance(&r, 35) ? 1 : p->owner;
		int64_t days = p->clean    ? (int64_t)(i % 3) - 1 /* overdue, today, tomorrow */
		               : when < 25 ? -1 - (int64_t)rn(&r, 20)
		               : when < 50 ? 0
		               : when < 60 ? 1
		                           : 2 + (int64_t)rn(&r, 28);
		int64_t due_day = g->anchor + days * DAY + 12 * HOUR;
		int64_t due_at = chance(&r, 40)
		                         ? g->anchor + days * DAY + (8 + (int64_t)rn(&r, 9)) * HOUR
		                         : SBX_NONE;
		int64_t created = rtime(&r, p->created, g->anchor) - 30 * DAY;
		int64_t updated, completed = SBX_NONE;
		char due_date[16], subject[600];
		const char *source;
		struct jw *w;

		if (created < p->created)
			created = p->created;
		updated = created;
		if (done) {
			completed = rtime(&r, created, g->anchor);
			updated = completed;
		}
		sbx_date_render(due_date, sizeof(due_date), due_day);
		gfmt(subject, sizeof(subject), "%s %s %s",
		     !strcmp(type, "call")    ? "Call"
		     : !strcmp(type, "email") ? "Email"
		                              : "Follow-up with",
		     p->nm->first, p->nm->last);
		w = rec_begin(g, SBX_TASKS, id);
		jw_int(w, "id", id);
		jw_time(w, "created_at", created);
		jw_time(w, "updated_at", updated);
		jw_str(w, "description", chance(&r, 40) ? "Discuss renewal and pricing" : NULL);
		jw_str(w, "due_date", due_date);
		jw_time(w, "due_at", due_at);
		jw_str(w, "subject", subject);
		jw_str(w, "current_state", done ? "completed" : "scheduled");
		jw_str(w, "task_type", type);
		jw_null(w, "remind_at");
		jw_null(w, "expires_after");
		jw_time(w, "completed_at", completed);
		jw_null(w, "_integration_id");
		jw_null(w, "_integration_step_id");
		jw_null(w, "_integration_task_id");
		jw_null(w, "_integration_name");
		jw_null(w, "_integration_task_type_label");
		jw_open(w, "custom_attributes");
		jw_close(w);
		jw_open(w, "score");
		jw_str(w, "score", "0.0");
		jw_str(w, "prioritizer_uuid", "salesloft.prioritizers/rhythm");
		jw_open(w, "factors");
		jw_close(w);
		jw_close(w);
		jw_aopen(w, "object_references");
		jw_aclose(w);
		source = chance(&r, 70) ? "salesloft.api" : "salesloft.cadence";
		jw_str(w, "source", source);
		jw_null(w, "multitouch_group_id");
		jw_ref(w, "person", "people", p->id);
		jw_ref(w, "user", "users", user);
		jw_ref(w, "created_by_user", "users", chance(&r, 50) ? user : 1);
		jw_ref(w, "completed_by", "users", done ? user : SBX_NONE);
		struct sbx_val v[] = {VI(user),      VI(p->id),
		                      VS(type),      VS(done ? "completed" : "scheduled"),
		                      VS(due_date),  VT(due_at),
		                      VT(completed), VS(source)};
		int err = rec_end(g, SBX_TASKS, id, created, updated, v);

		if (err)
			return err;
	}
	return 0;
}

/* Sets person i's start; the first person of a block of BLOCK must come first (people are
 * generated, and read back from a state file, in order). EOVERFLOW when the running ids
 * run too far within a block for 16 bits (never seen: a person makes a handful). */
static int set_start(struct sbx_gen *g, unsigned i, int64_t created, int32_t import_id, bool frozen,
                     const uint32_t base[NBASES])
{
	struct start *st = &g->starts[i];

	st->created = created;
	st->import_id = import_id;
	g->frozen[i] = frozen;
	for (size_t k = 0; k < NBASES; k++) {
		if (i % BLOCK == 0)
			g->blocks[i / BLOCK][k] = base[k];
		if (base[k] < g->blocks[i / BLOCK][k] ||
		    base[k] - g->blocks[i / BLOCK][k] > UINT16_MAX) {
			log_error("sandbox", "person %u: running ids out of range", i);
			return EOVERFLOW;
		}
		st->off[k] = (uint16_t)(base[k] - g->blocks[i / BLOCK][k]);
	}
	return 0;
}

/* Person i's running id of base kind k at its start, as an offset from the first id. */
static uint32_t start_base(const struct sbx_gen *g, unsigned i, size_t k)
{
	return g->blocks[i / BLOCK][k] + g->starts[i].off[k];
}

/* Remembers what person i's generation starts from, so that any of its records can be
 * rendered again later. */
static int put_start(struct sbx_gen *g, unsigned i, int64_t created, int64_t import_id, bool frozen)
{
	uint32_t base[NBASES];

	for (size_t k = 0; k < NBASES; k++)
		base[k] =
		        (uint32_t)(g->next[base_kinds[k]] - sbx_kind_desc(base_kinds[k])->first_id);
	return set_start(g, i, created, import_id == SBX_NONE ? -1 : (int32_t)import_id, frozen,
	                 base);
}

/* Writes the starts to the state file's table sbx_gen_people. */
static int save_starts(struct sbx_gen *g)
{
	sqlite3_stmt *st = NULL;
	unsigned char *buf = malloc((size_t)CHUNK * PACKED);
	int err = 0;

	if (!buf)
		return ENOMEM;
	err = sbx_db_exec(g->sbx, "CREATE TABLE IF NOT EXISTS sbx_gen_people(chunk INTEGER PRIMARY "
	                          "KEY, data BLOB NOT NULL)");
	if (!err && sqlite3_prepare_v2(g->sbx->db, "INSERT INTO sbx_gen_people VALUES(?,?)", -1,
	                               &st, NULL) != SQLITE_OK)
		err = EIO;
	for (unsigned c = 0; !err && c * (uint64_t)CHUNK < g->people; c++) {
		unsigned n = g->people - c * CHUNK < CHUNK ? g->people - c * CHUNK : CHUNK;
		unsigned char *o = buf;

		for (unsigned k = 0; k < n; k++) {
			const struct start *s0 = &g->starts[c * CHUNK + k];
			uint64_t v = (uint64_t)s0->created;

			for (int b = 0; b < 8; b++)
				*o++ = (unsigned char)(v >> (8 * b));
			for (int b = 0; b < 4; b++)
				*o++ = (unsigned char)((uint32_t)s0->import_id >> (8 * b));
			*o++ = g->frozen[c * CHUNK + k];
			for (size_t j = 0; j < NBASES; j++)
				for (int b = 0; b < 4; b++)
					*o++ = (unsigned char)(start_base(g, c * CHUNK + k, j) >>
					                       (8 * b));
		}
		sqlite3_bind_int64(st, 1, c);
		sqlite3_bind_blob(st, 2, buf, (int)(o - buf), SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			err = EIO;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	free(buf);
	return err;
}

/* Reads the starts back from a state file. */
static int load_starts(struct sbx_gen *g)
{
	sqlite3_stmt *st = NULL;
	uint64_t seen = 0;
	int err = 0;

	if (sqlite3_prepare_v2(g->sbx->db, "SELECT chunk, data FROM sbx_gen_people ORDER BY chunk",
	                       -1, &st, NULL) != SQLITE_OK)
		return EPROTO;
	while (!err && sqlite3_step(st) == SQLITE_ROW) {
		int64_t c = sqlite3_column_int64(st, 0);
		const unsigned char *p = sqlite3_column_blob(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);

		if (c < 0 || (uint64_t)c * CHUNK >= g->people || len % PACKED ||
		    (uint64_t)c * CHUNK + len / PACKED > g->people) {
			err = EPROTO;
			break;
		}
		for (size_t k = 0; k < len / PACKED; k++) {
			uint32_t base[NBASES];
			uint64_t v = 0;
			uint32_t u = 0, imp;
			bool frozen;

			for (int b = 0; b < 8; b++)
				v |= (uint64_t)*p++ << (8 * b);
			for (int b = 0; b < 4; b++)
				u |= (uint32_t)*p++ << (8 * b);
			imp = u;
			frozen = *p++ != 0;
			for (size_t j = 0; j < NBASES; j++) {
				u = 0;
				for (int b = 0; b < 4; b++)
					u |= (uint32_t)*p++ << (8 * b);
				base[j] = u;
			}
			/* A chunk is a whole number of blocks, so each block's first person is
			 * read before the others. */
			err = set_start(g, (unsigned)(c * CHUNK + (int64_t)k), (int64_t)v,
			                (int32_t)imp, frozen, base);
			if (err) {
				err = EPROTO;
				break;
			}
		}
		seen += len / PACKED;
	}
	sqlite3_finalize(st);
	if (!err && seen != g->people)
		err = EPROTO;
	if (err)
		log_error("sandbox", "the store's generator table is damaged");
	return err;
}

/* Everything generated from one planned person: the person and the records that hang off
 * them, in a fixed order (their ids are running counters). */
static int gen_person_all(struct sbx_gen *g, unsigned i, const struct person *p)
{
	int err = gen_person(g, i, p);

	if (!err)
		err = gen_memberships(g, i, p);
	if (!err)
		err = gen_calls(g, i, p);
	if (!err)
		err = gen_emails(g, i, p);
	if (!err)
		err = gen_tasks(g, i, p);
	return err;
}

/* All people, in import blocks: most arrive alone, some in bulk imports that share one
 * creation microsecond; block 1 (people 200-336 when the org is big enough) is 137 people
 * that share created_at AND updated_at exactly. */
static int gen_people(struct sbx_gen *g)
{
	struct rng seq = rng_for(g->seed, 60, 0);
	int64_t span = 700 * DAY;
	unsigned i = 0;
	int64_t import_id = 0;

	g->people_of = calloc(g->accounts ? g->accounts : 1, sizeof(*g->people_of));
	if (!g->people_of)
		return ENOMEM;
	while (i < g->people) {
		unsigned block = 1;
		int64_t t, imp = SBX_NONE;
		bool frozen = false;

		/* Creation times rise with the index (ids follow creation, as in Salesloft). */
		t = g->anchor - span + (int64_t)((double)span * i / (g->people + 1)) +
		    (int64_t)rn(&seq, 3600) * 1000003;
		if (i == 200 && g->people >= 350) {
			block = 137;
			frozen = true;
		} else if (i > 10 && rn(&seq, 1000) < 6) {
			block = 20 + (unsigned)rn(&seq, 230);
		}
		if (block > g->people - i)
			block = g->people - i;
		if (!frozen && i < 200 && i + block > 200 && g->people >= 350)
			block = 200 - i; /* the frozen block starts exactly at 200 */
		if (block > 1)
			imp = 9000 + ++import_id;
		for (unsigned k = 0; k < block; k++, i++) {
			struct person p;
			int err;

			plan_person(g, i, t, imp, &p);
			if (frozen)
				p.updated = t, p.ncalls = 0;
			if (p.has_account)
				g->people_of[p.account]++;
			g->person = i;
			err = put_start(g, i, t, imp, frozen);
			if (!err)
				err = gen_person_all(g, i, &p);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Frees a generator and its statements. */
static void gen_destroy(struct sbx_gen *g)
{
	if (!g)
		return;
	free(g->starts);
	free(g->blocks);
	free(g->frozen);
	free(g->nsteps);
	free(g->step_first);
	free(g->step_type);
	free(g->members);
	free(g->people_of);
	sbuf_free(&g->buf);
	free(g);
}

/* Sets up a generator for these parameters (the plan of cadences and steps included). */
static int gen_new(struct sbx *sbx, uint64_t seed, unsigned people, unsigned users,
                   unsigned accounts, int64_t anchor_us, struct sbx_gen **out)
{
	struct sbx_gen *g = calloc(1, sizeof(*g));
	int err;

	if (!g)
		return ENOMEM;
	g->sbx = sbx;
	g->seed = seed;
	/* The zones are looked up once here, not per person. */
	for (size_t k = 0; k < NELEM(zones); k++) {
		g->ztz[k] = sbx_tz_get(zones[k].locale);
		if (!g->ztz[k])
			log_warn("sandbox",
			         "time zone %s is not in the tz database (install tzdata, and "
			         "tzdata-legacy on Debian 13 and later): its people get no "
			         "locale_utc_offset",
			         zones[k].locale);
	}
	for (size_t k = 0; k < NELEM(user_zones); k++)
		g->utz[k] = sbx_tz_get(user_zones[k]);
	g->anchor = anchor_us;
	g->people = people;
	g->users = users ? users : 1;
	g->accounts = accounts ? accounts : 1;
	g->t_mass = anchor_us - 3 * DAY + 14 * HOUR + 123456;
	for (int k = 0; k < SBX_KIND_COUNT; k++)
		g->next[k] = sbx_kind_desc((enum sbx_kind)k)->first_id;
	for (size_t k = 0; k + 2 < sizeof(g->big); k += 2)
		memcpy(g->big + k, "\xce\xa9", 2); /* 'Ω' repeated: 5 kB of valid UTF-8 */
	g->big[sizeof(g->big) - 2] = '\0';
	g->starts = calloc(people ? people : 1, sizeof(*g->starts));
	g->blocks = calloc(people / BLOCK + 1, sizeof(*g->blocks));
	g->frozen = calloc(people ? people : 1, 1);
	err = g->starts && g->blocks && g->frozen ? plan_cadences(g) : ENOMEM;
	if (err) {
		gen_destroy(g);
		return err;
	}
	*out = g;
	return 0;
}

/* Builds the whole org inside one transaction. */
int sbx_gen(struct sbx *sbx, int64_t anchor_us)
{
	struct sbx_gen *g = NULL;
	char anchor[32];
	int err;

	sbx_gen_free(sbx);
	err = gen_new(sbx, sbx->opts.seed, sbx->opts.people, sbx->opts.users, sbx->opts.accounts,
	              anchor_us, &g);
	if (err)
		return err;
	sbx->priv->gen = g;
	err = sbx_db_exec(sbx, "BEGIN");
	if (err)
		return err;
	snprintf(anchor, sizeof(anchor), "%lld", (long long)anchor_us);
	err = sbx_db_meta_set(sbx, "anchor_us", anchor);
	g->generating = true;
	if (!err)
		err = gen_users(g);
	if (!err)
		err = gen_named(g, SBX_CALL_DISPOSITIONS, dispositions, NELEM(dispositions));
	if (!err)
		err = gen_named(g, SBX_CALL_SENTIMENTS, sentiments, NELEM(sentiments));
	if (!err)
		err = gen_people(g);
	if (!err)
		err = gen_accounts(g);
	if (!err)
		err = gen_cadences(g);
	if (!err && sbx->opts.state[0])
		err = save_starts(g);
	if (!err)
		err = sbx_db_exec(sbx, "COMMIT");
	else
		(void)sbx_db_exec(sbx, "ROLLBACK");
	g->generating = false;
	/* What only the generation needed. */
	free(g->members);
	free(g->people_of);
	g->members = NULL;
	g->people_of = NULL;
	if (err) {
		log_error("sandbox", "generating the org failed: %s", strerror(err));
		sbx_gen_free(sbx);
	}
	return err;
}

/* Attaches a generator with the parameters a reused store was generated with. */
int sbx_gen_attach(struct sbx *sbx)
{
	char params[160], anchor[32];
	unsigned long long seed;
	unsigned people, users, accounts;
	long long anchor_us;
	struct sbx_gen *g = NULL;
	int err;

	if (sbx_db_meta_get(sbx, "generator", params, sizeof(params)) ||
	    sbx_db_meta_get(sbx, "anchor_us", anchor, sizeof(anchor)) ||
	    sscanf(params, "seed=%llu people=%u users=%u accounts=%u", &seed, &people, &users,
	           &accounts) != 4 ||
	    sscanf(anchor, "%lld", &anchor_us) != 1) {
		log_error("sandbox", "the store does not say how it was generated");
		return EPROTO;
	}
	sbx_gen_free(sbx);
	err = gen_new(sbx, seed, people, users, accounts, anchor_us, &g);
	if (err)
		return err;
	free(g->members);
	g->members = NULL;
	err = load_starts(g);
	if (err) {
		gen_destroy(g);
		return err;
	}
	sbx->priv->gen = g;
	return 0;
}

/* Renders one generated record again: runs its person's generation with only that record
 * written. */
int sbx_gen_render(struct sbx *sbx, enum sbx_kind kind, int64_t id, int64_t person,
                   struct sbuf *out)
{
	struct sbx_gen *g = sbx && sbx->priv ? sbx->priv->gen : NULL;
	const struct start *st;
	struct person p;
	size_t len0;
	int err;

	if (!g || !out || !replayed(kind) || person < 0 || person >= g->people)
		return ENOENT;
	if (g->replay || g->generating)
		return EBUSY; /* not while generating or rendering (no re-entry) */
	st = &g->starts[person];
	for (size_t k = 0; k < NBASES; k++)
		g->next[base_kinds[k]] =
		        sbx_kind_desc(base_kinds[k])->first_id + start_base(g, (unsigned)person, k);
	plan_person(g, (unsigned)person, st->created, st->import_id < 0 ? SBX_NONE : st->import_id,
	            &p);
	if (g->frozen[person])
		p.updated = st->created, p.ncalls = 0;
	g->replay = true;
	g->want_kind = kind;
	g->want_id = id;
	g->want_out = out;
	len0 = out->len;
	switch (kind) {
	case SBX_PEOPLE:
		err = gen_person(g, (unsigned)person, &p);
		break;
	case SBX_CADENCE_MEMBERSHIPS:
	case SBX_ACTIONS:
		err = gen_memberships(g, (unsigned)person, &p);
		break;
	case SBX_CALLS:
	case SBX_NOTES:
		err = gen_calls(g, (unsigned)person, &p);
		break;
	case SBX_EMAILS:
		err = gen_emails(g, (unsigned)person, &p);
		break;
	default:
		/* The tasks that mirror cadence actions come first (their ids run first). */
		err = gen_memberships(g, (unsigned)person, &p);
		if (!err)
			err = gen_tasks(g, (unsigned)person, &p);
		break;
	}
	g->replay = false;
	g->want_out = NULL;
	if (err == FOUND)
		return out->err;
	/* Not in this person's generation: nothing may have been written. */
	out->len = len0;
	return err ? err : ENOENT;
}

/* Frees the generator. */
void sbx_gen_free(struct sbx *sbx)
{
	if (sbx && sbx->priv) {
		gen_destroy(sbx->priv->gen);
		sbx->priv->gen = NULL;
	}
}

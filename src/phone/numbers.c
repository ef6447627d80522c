/*
 * numbers: phone-number normalisation, table-driven.
 *
 * Two tables drive it. The first lists every assigned E.164 country calling code, so a number
 * written with '+' or an international prefix is checked against codes that exist (they are
 * prefix-free, so trying 1, 2 and 3 digits finds at most one). The second describes the
 * countries a rep may set as phone.default_country: their calling code, trunk prefix (dropped
 * from national numbers), international prefix and the length of their national significant
 * numbers. The parse itself is three steps: split off an extension, collect digits while
 * refusing anything that is not a separator, then decide the country and check lengths.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "loftdial/numbers.h"
#include "loftdial/text.h"

#define E164_DIGITS 15

/* Assigned country calling codes (ITU-T E.164 list). */
static const unsigned short calling_codes[] = {
        1,   7,   20,  27,  30,  31,  32,  33,  34,  36,  39,  40,  41,  43,  44,  45,  46,  47,
        48,  49,  51,  52,  53,  54,  55,  56,  57,  58,  60,  61,  62,  63,  64,  65,  66,  81,
        82,  84,  86,  90,  91,  92,  93,  94,  95,  98,  211, 212, 213, 216, 218, 220, 221, 222,
        223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240,
        241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258,
        260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 290, 291, 297, 298, 299, 350, 351, 352,
        353, 354, 355, 356, 357, 358, 359, 370, 371, 372, 373, 374, 375, 376, 377, 378, 379, 380,
        381, 382, 383, 385, 386, 387, 389, 420, 421, 423, 500, 501, 502, 503, 504, 505, 506, 507,
        508, 509, 590, 591, 592, 593, 594, 595, 596, 597, 598, 599, 670, 672, 673, 674, 675, 676,
        677, 678, 679, 680, 681, 682, 683, 685, 686, 687, 688, 689, 690, 691, 692, 800, 808, 850,
        852, 853, 855, 856, 870, 878, 880, 881, 882, 883, 886, 888, 960, 961, 962, 963, 964, 965,
        966, 967, 968, 970, 971, 972, 973, 974, 975, 976, 977, 979, 992, 993, 994, 995, 996, 998,
};

/* A country numbers can read national numbers of. */
struct country {
	const char *iso;
	const char *name;
	unsigned cc;
	const char *trunk; /* national prefix dropped before the NSN, "" for none */
	const char *idd;   /* international call prefix besides the universal "00" */
	unsigned nsn_min, nsn_max;
};

/* clang-format off */
static const struct country countries[] = {
	{"US", "the US", 1, "1", "011", 10, 10},
	{"CA", "Canada", 1, "1", "011", 10, 10},
	{"PR", "Puerto Rico", 1, "1", "011", 10, 10},
	{"GB", "the UK", 44, "0", "00", 9, 10},
	{"IE", "Ireland", 353, "0", "00", 7, 9},
	{"DE", "Germany", 49, "0", "00", 5, 13},
	{"AT", "Austria", 43, "0", "00", 4, 13},
	{"CH", "Switzerland", 41, "0", "00", 9, 9},
	{"FR", "France", 33, "0", "00", 9, 9},
	{"BE", "Belgium", 32, "0", "00", 8, 9},
	{"NL", "the Netherlands", 31, "0", "00", 9, 9},
	{"LU", "Luxembourg", 352, "", "00", 4, 11},
	{"ES", "Spain", 34, "", "00", 9, 9},
	{"PT", "Portugal", 351, "", "00", 9, 9},
	{"IT", "Italy", 39, "", "00", 6, 11},
	{"DK", "Denmark", 45, "", "00", 8, 8},
	{"NO", "Norway", 47, "", "00", 8, 8},
	{"SE", "Sweden", 46, "0", "00", 6, 9},
	{"FI", "Finland", 358, "0", "00", 5, 12},
	{"PL", "Poland", 48, "", "00", 9, 9},
	{"CZ", "Czechia", 420, "", "00", 9, 9},
	{"IL", "Israel", 972, "0", "00", 8, 9},
	{"AE", "the UAE", 971, "0", "00", 8, 9},
	{"ZA", "South Africa", 27, "0", "00", 9, 9},
	{"IN", "India", 91, "0", "00", 10, 10},
	{"SG", "Singapore", 65, "", "000", 8, 8},
	{"HK", "Hong Kong", 852, "", "001", 8, 8},
	{"JP", "Japan", 81, "0", "010", 9, 10},
	{"KR", "South Korea", 82, "0", "001", 8, 10},
	{"CN", "China", 86, "0", "00", 9, 11},
	{"AU", "Australia", 61, "0", "0011", 9, 9},
	{"NZ", "New Zealand", 64, "0", "00", 8, 10},
	{"MX", "Mexico", 52, "", "00", 10, 10},
	{"BR", "Brazil", 55, "0", "00", 10, 11},
	{"AR", "Argentina", 54, "0", "00", 10, 11},
	{"CO", "Colombia", 57, "", "00", 10, 10},
	{"RU", "Russia", 7, "8", "810", 10, 10},
};
/* clang-format on */

#define NCOUNTRIES (sizeof(countries) / sizeof(countries[0]))

/* The country row for an ISO code, or NULL. */
static const struct country *country_by_iso(const char *iso)
{
	size_t i;

	if (!iso || strlen(iso) != 2)
		return NULL;
	for (i = 0; i < NCOUNTRIES; i++)
		if (toupper((unsigned char)iso[0]) == countries[i].iso[0] &&
		    toupper((unsigned char)iso[1]) == countries[i].iso[1])
			return &countries[i];
	return NULL;
}

/* The first country row with calling code cc (for length rules), or NULL. */
static const struct country *country_by_cc(unsigned cc)
{
	size_t i;

	for (i = 0; i < NCOUNTRIES; i++)
		if (countries[i].cc == cc)
			return &countries[i];
	return NULL;
}

bool numbers_country_known(const char *iso)
{
	return country_by_iso(iso) != NULL;
}

/* The calling code that digits start with (1 to 3 digits), or 0 when none is assigned. */
static unsigned leading_cc(const char *digits, size_t *cclen)
{
	size_t len, i;

	if (digits[0] == '0')
		return 0; /* no calling code starts with 0 */
	for (len = 1; len <= 3 && digits[len - 1]; len++) {
		unsigned v = 0;

		for (i = 0; i < len; i++)
			v = v * 10 + (unsigned)(digits[i] - '0');
		for (i = 0; i < sizeof(calling_codes) / sizeof(calling_codes[0]); i++) {
			if (calling_codes[i] == v) {
				*cclen = len;
				return v;
			}
		}
	}
	return 0;
}

/* Case-insensitive prefix test. */
static bool starts_with_ci(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if (tolower((unsigned char)*s) != *prefix)
			return false;
	return true;
}

/* Length in bytes of a separator at s (blank, - . ( ) /, NBSP, Unicode dashes), or 0. */
static size_t separator_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (*u == ' ' || *u == '\t' || *u == '-' || *u == '.' || *u == '(' || *u == ')' ||
	    *u == '/')
		return 1;
	if (u[0] == 0xc2 && u[1] == 0xa0) /* no-break space */
		return 2;
	if (u[0] == 0xe2 && u[1] == 0x80 && u[2] >= 0x90 && u[2] <= 0x95) /* dashes */
		return 3;
	return 0;
}

/* Splits "main x123" at an extension marker: main ends at *main_len, digits go to ext.
 * 0, or EINVAL with a reason. A letter that starts no marker is "has letters". */
static int split_extension(const char *s, size_t *main_len, char *ext, char *why, size_t whyn)
{
	static const char *const markers[] = {";ext=", "extension", "ext.", "ext", "x", "#"};
	size_t i, k, n = 0;
	const char *p;

	ext[0] = '\0';
	for (i = 0; s[i]; i++)
		if (isalpha((unsigned char)s[i]) || s[i] == ';' || s[i] == '#')
			break;
	*main_len = i;
	if (!s[i])
		return 0;
	for (k = 0; k < sizeof(markers) / sizeof(markers[0]); k++) {
		if (!starts_with_ci(s + i, markers[k]))
			continue;
		p = s + i + strlen(markers[k]);
		/* "ext" must not run on into a word ("extra", "xylophone"). */
		if (isalpha((unsigned char)*p))
			continue;
		while (*p == ' ' || *p == '.' || *p == ':' || *p == '=' || *p == '\t')
			p++;
		while (isdigit((unsigned char)*p)) {
			if (n == NUMBERS_EXT_MAX) {
				text_printf(why, whyn, "extension longer than %d digits",
				            NUMBERS_EXT_MAX);
				return EINVAL;
			}
			ext[n++] = *p++;
		}
		ext[n] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (n == 0) {
			text_printf(why, whyn, "extension marker without digits");
			return EINVAL;
		}
		if (*p) {
			text_printf(why, whyn, "extension has characters other than digits");
			return EINVAL;
		}
		return 0;
	}
	if (isalpha((unsigned char)s[i]))
		text_printf(why, whyn, "has letters (write vanity numbers as digits)");
	else
		text_printf(why, whyn, "unexpected character '%c'", s[i]);
	return EINVAL;
}

/* Collects the digits of s[0..len), refusing anything but one leading '+' and separators.
 * A "(0)" right after an international prefix is the trunk prefix written by habit and is
 * skipped. */
static int collect_digits(const char *s, size_t len, char *digits, size_t dmax, bool *plus,
                          char *why, size_t whyn)
{
	size_t i = 0, n = 0, total = 0;
	bool seen_digit = false;

	*plus = false;
	while (i < len) {
		size_t sep;
		unsigned char c = (unsigned char)s[i];

		if (*plus && seen_digit && i + 2 < len && s[i] == '(' && s[i + 1] == '0' &&
		    s[i + 2] == ')') {
			i += 3;
			continue;
		}
		sep = separator_len(s + i);
		if (sep) {
			i += sep;
			continue;
		}
		if (c == '+') {
			if (seen_digit || *plus) {
				text_printf(why, whyn, "'+' must come first");
				return EINVAL;
			}
			*plus = true;
			i++;
			continue;
		}
		if (c >= '0' && c <= '9') {
			seen_digit = true;
			total++;
			if (n + 1 < dmax)
				digits[n++] = (char)c;
			i++;
			continue;
		}
		if (c >= 0x80)
			text_printf(why, whyn, "unexpected non-ASCII character");
		else if (isprint(c))
			text_printf(why, whyn, "unexpected character '%c'", c);
		else
			text_printf(why, whyn, "unexpected control character");
		return EINVAL;
	}
	digits[n] = '\0';
	if (total == 0) {
		text_printf(why, whyn, "no digits");
		return EINVAL;
	}
	if (total >= dmax) {
		text_printf(why, whyn, "too long: %zu digits (E.164 allows %d)", total,
		            E164_DIGITS);
		return EINVAL;
	}
	return 0;
}

/* Checks the national significant number against the country's rules. */
static int check_nsn(unsigned cc, const char *nsn, char *why, size_t whyn)
{
	const struct country *c = country_by_cc(cc);
	size_t len = strlen(nsn);

	if (c) {
		if (len < c->nsn_min || len > c->nsn_max) {
			if (c->nsn_min == c->nsn_max)
				text_printf(why, whyn,
				            "%s numbers have %u digits after +%u, this has %zu",
				            c->name, c->nsn_min, cc, len);
			else
				text_printf(
				        why, whyn,
				        "%s numbers have %u to %u digits after +%u, this has %zu",
				        c->name, c->nsn_min, c->nsn_max, cc, len);
			return EINVAL;
		}
	} else if (len < 4) {
		text_printf(why, whyn, "too short: %zu digits after +%u", len, cc);
		return EINVAL;
	}
	if (cc == 1 && (nsn[0] < '2' || nsn[3] < '2')) {
		text_printf(why, whyn,
		            "not a North American number: the area code and the "
		            "exchange cannot start with 0 or 1");
		return EINVAL;
	}
	return 0;
}

int numbers_normalise(const char *text, const char *default_country, struct number *out, char *why,
                      size_t whyn)
{
	char buf[NUMBERS_IN_MAX + 1], ext[NUMBERS_EXT_MAX + 1];
	char digits[E164_DIGITS + 6]; /* room for an international prefix */
	const struct country *home = country_by_iso(default_country);
	const char *d, *nsn;
	size_t len, main_len, cclen = 0;
	unsigned cc;
	bool plus;
	int err;

	if (why && whyn)
		why[0] = '\0';
	if (!out)
		return EINVAL;
	memset(out, 0, sizeof(*out));
	if (!text) {
		text_printf(why, whyn, "no number");
		return EINVAL;
	}
	while (*text == ' ' || *text == '\t')
		text++;
	/* A number copied from a link arrives as an RFC 3966 URI ("tel:+14155550134;ext=12"):
	 * the scheme says nothing about the number, so it is read without it rather than
	 * refused as letters (which would log a working number as a bad one). */
	if (strncasecmp(text, "tel:", 4) == 0)
		text += 4;
	len = strlen(text);
	while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\r' ||
	               text[len - 1] == '\n'))
		len--;
	if (len == 0) {
		text_printf(why, whyn, "empty");
		return EINVAL;
	}
	if (len > NUMBERS_IN_MAX) {
		text_printf(why, whyn, "too long to be a phone number (%zu characters)", len);
		return EINVAL;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	{
		size_t i;

		for (i = 0; i < len; i++) {
			if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f) {
				text_printf(why, whyn, "unexpected control character");
				return EINVAL;
			}
		}
	}
	err = split_extension(buf, &main_len, ext, why, whyn);
	if (err)
		return err;
	err = collect_digits(buf, main_len, digits, sizeof(digits), &plus, why, whyn);
	if (err)
		return err;

	/* Decide where the country code starts. */
	d = digits;
	if (!plus) {
		if (home && *home->idd && strncmp(d, home->idd, strlen(home->idd)) == 0 &&
		    strlen(d) > strlen(home->idd) + 3)
			d += strlen(home->idd);
		else if (strncmp(d, "00", 2) == 0)
			d += 2;
		else
			d = NULL; /* a national number */
	}
	if (d) {
		cc = leading_cc(d, &cclen);
		if (!cc) {
			text_printf(why, whyn, "unknown country code +%.3s", d);
			return EINVAL;
		}
		nsn = d + cclen;
	} else {
		if (!home) {
			text_printf(why, whyn,
			            "no country code, and the default country '%.8s' is not known",
			            default_country ? default_country : "");
			return ENOENT;
		}
		cc = home->cc;
		nsn = digits;
		/* North America writes the trunk "1" only before a full ten-digit number. */
		if (cc == 1) {
			if (strlen(nsn) == 11 && nsn[0] == '1')
				nsn++;
		} else if (*home->trunk && strncmp(nsn, home->trunk, strlen(home->trunk)) == 0) {
			nsn += strlen(home->trunk);
		}
	}
	if (strlen(nsn) == 0) {
		text_printf(why, whyn, "no digits after the country code");
		return EINVAL;
	}
	{
		char ccs[8];
		size_t total;

		snprintf(ccs, sizeof(ccs), "%u", cc);
		total = strlen(ccs) + strlen(nsn);
		if (total > E164_DIGITS) {
			text_printf(why, whyn, "too long: %zu digits (E.164 allows %d)", total,
			            E164_DIGITS);
			return EINVAL;
		}
		if (total < 7) {
			text_printf(why, whyn, "too short: %zu digits", total);
			return EINVAL;
		}
		err = check_nsn(cc, nsn, why, whyn);
		if (err)
			return err;
		text_printf(out->digits, sizeof(out->digits), "%s%s", ccs, nsn);
		text_printf(out->e164, sizeof(out->e164), "+%s%s", ccs, nsn);
		text_copy(out->national, sizeof(out->national), nsn);
		text_copy(out->ext, sizeof(out->ext), ext);
		out->cc = cc;
	}
	return 0;
}

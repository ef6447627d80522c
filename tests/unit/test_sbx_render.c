/*
 * Unit tests of the sandbox's rendering: ISO-8601 parsing and rendering with microseconds
 * and offsets, the team's US/Eastern offset around DST changes, JSON string escaping and the
 * streaming writer. Edge cases first.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sbx_core.h"

/* 2024-03-07T07:46:00.302715Z in microseconds. */
#define T0 1709797560302715LL

static void t_parse_invalid(void **state)
{
	static const char *const bad[] = {
	        "",
	        "2024",
	        "2024-3-07",
	        "2024-02-30",
	        "2023-02-29",
	        "2024-13-01",
	        "2024-00-10",
	        "2024-03-07T24:00:00Z",
	        "2024-03-07T23:60:00Z",
	        "2024-03-07T02:46:00 05:00", /* an unencoded '+' arrives as a space */
	        "2024-03-07T02:46:00.Z",
	        "2024-03-07T02:46:00.1234567890Z",
	        "2024-03-07T02:46:00Zjunk",
	        "2024-03-07T02:46:00+25:00",
	        "2024-03-07T02",
	        "yesterday",
	        "2024-03-07T02:46:00.302715-05:00\n",
	};
	int64_t us;

	assert_int_equal(sbx_time_parse(NULL, &us, NULL), EINVAL);
	assert_int_equal(sbx_time_parse("2024-03-07", NULL, NULL), EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sbx_time_parse(bad[i], &us, NULL) != EINVAL)
			fail_msg("accepted %s", bad[i]);
	}
}

static void t_parse_valid(void **state)
{
	static const struct {
		const char *s;
		int64_t us;
		int off;
	} ok[] = {
	        {"2024-03-07T02:46:00.302715-05:00", T0, -300},
	        {"2024-03-07T07:46:00.302715Z", T0, 0},
	        {"2024-03-07t07:46:00.302715z", T0, 0},
	        {"2024-03-07T13:16:00.302715+05:30", T0, 330},
	        {"2024-03-07T13:16:00.302715+0530", T0, 330},
	        {"2024-03-07T07:46:00.302715", T0, 0},
	        {"2024-03-07T07:46:00.302715999Z", T0, 0}, /* nanoseconds truncated */
	        {"2024-03-07T07:46:00.3Z", T0 - 2715, 0},
	        {"2024-03-07T07:46Z", T0 - 302715, 0},
	        {"2024-03-07", T0 - (7 * 3600 + 46 * 60) * 1000000LL - 302715, 0},
	        {"2024-02-29T00:00:00Z", 1709164800000000LL, 0},
	        {"1969-12-31T23:59:59.999999Z", -1, 0},
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t us = 0;
		int off = 99;

		assert_int_equal(sbx_time_parse(ok[i].s, &us, &off), 0);
		assert_true(us == ok[i].us);
		assert_int_equal(off, ok[i].off);
	}
}

static void t_render_roundtrip(void **state)
{
	static const int offs[] = {-300, -240, 0, 330, 345, 765, -660, -210, 840};
	static const int64_t times[] = {T0, 0, -1, 1, 253402127999999999LL, 86399999999LL};
	char buf[40];

	assert_int_equal(sbx_time_render(buf, 10, T0, 0), E2BIG);
	assert_int_equal(sbx_time_render(buf, sizeof(buf), T0, -300), 0);
	assert_string_equal(buf, "2024-03-07T02:46:00.302715-05:00");
	assert_int_equal(sbx_time_render(buf, sizeof(buf), -1, 0), 0);
	assert_string_equal(buf, "1969-12-31T23:59:59.999999+00:00");
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (size_t k = 0; k < sizeof(times) / sizeof(times[0]); k++) {
			int64_t us;
			int off;

			assert_int_equal(sbx_time_render(buf, sizeof(buf), times[k], offs[i]), 0);
			assert_int_equal(strlen(buf), 32);
			assert_int_equal(sbx_time_parse(buf, &us, &off), 0);
			assert_true(us == times[k]);
			assert_int_equal(off, offs[i]);
		}
	}
}

static void t_team_offset_dst(void **state)
{
	static const struct {
		const char *utc;
		int off;
	} cases[] = {
	        {"2024-03-10T06:59:59.999999Z", -300}, {"2024-03-10T07:00:00Z", -240},
	        {"2024-11-03T05:59:59.999999Z", -240}, {"2024-11-03T06:00:00Z", -300},
	        {"2025-03-09T06:59:59Z", -300},        {"2025-03-09T07:00:00Z", -240},
	        {"2025-11-02T05:59:59Z", -240},        {"2025-11-02T06:00:00Z", -300},
	        {"2024-01-15T12:00:00Z", -300},        {"2024-07-04T12:00:00Z", -240},
	        {"1969-07-20T20:17:00Z", -240},
	};
	char date[16];
	int64_t us;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(sbx_time_parse(cases[i].utc, &us, NULL), 0);
		if (sbx_team_offset(us) != cases[i].off)
			fail_msg("%s: %d", cases[i].utc, sbx_team_offset(us));
	}
	/* The team's date of 03:00Z is the day before. */
	assert_int_equal(sbx_time_parse("2024-03-07T03:00:00Z", &us, NULL), 0);
	sbx_date_render(date, sizeof(date), us);
	assert_string_equal(date, "2024-03-06");
}

static void t_json_str(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	        {NULL, "null"},
	        {"", "\"\""},
	        {"plain", "\"plain\""},
	        {"\"q\" \\", "\"\\\"q\\\" \\\\\""},
	        {"\x1b]0;pwn\x07", "\"\\u001b]0;pwn\\u0007\""},
	        {"a\nb\tc\rd", "\"a\\nb\\tc\\rd\""},
	        {"\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\""},
	        {"Zoë 🚀 王 محمد", "\"Zoë 🚀 王 محمد\""},
	        {"</script>", "\"</script>\""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sbuf b = {0};

		sbuf_json_str(&b, cases[i].in);
		assert_string_equal(sbuf_cstr(&b), cases[i].out);
		sbuf_free(&b);
	}
}

/* A plain reference escaper, byte by byte, for the word-at-a-time one. */
static void ref_escape(char *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if (c == '\r') {
			*o++ = '\\';
			*o++ = 'r';
		} else if (c == '\t') {
			*o++ = '\\';
			*o++ = 't';
		} else if (c < 0x20) {
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			o += 6;
		} else {
			*o++ = (char)c;
		}
	}
	*o++ = '"';
	*o = '\0';
}

/* Every byte value at every position around the 8-byte words the escaper reads, in strings
 * of every length up to 19, and a run of specials: the same as the plain escaper. */
static void t_json_str_every_byte(void **state)
{
	char in[24], want[160];

	for (size_t len = 1; len < 20; len++) {
		for (size_t pos = 0; pos < len; pos++) {
			for (int c = 1; c < 256; c++) {
				struct sbuf b = {0};

				memset(in, 'a' + (int)(len % 26), len);
				in[pos] = (char)c;
				in[len] = '\0';
				ref_escape(want, in, len);
				sbuf_json_str(&b, in);
				if (strcmp(sbuf_cstr(&b), want))
					fail_msg("len %zu pos %zu byte %d: %s", len, pos, c, b.p);
				sbuf_free(&b);
			}
		}
	}
	{
		struct sbuf b = {0};

		memset(in, '"', 23);
		in[23] = '\0';
		ref_escape(want, in, 23);
		sbuf_json_str(&b, in);
		assert_string_equal(sbuf_cstr(&b), want);
		sbuf_free(&b);
	}
}

/* A silent writer writes nothing; literal keys (worked out once per key) give the same text
 * as plain keys, a key that needs escaping included, however often a key is used. */
static void t_writer_off_and_literal_keys(void **state)
{
	struct sbuf a = {0}, b = {0};
	struct jw w;

	jw_init(&w, &a, "http://x");
	w.off = true;
	jw_open(&w, NULL);
	jw_str(&w, "k", "v");
	jw_time(&w, "t", T0);
	jw_ref(&w, "r", "users", 1);
	jw_close(&w);
	assert_int_equal(a.len, 0);

	for (int pass = 0; pass < 2; pass++) {
		struct sbuf *o = pass ? &b : &a;

		jw_init(&w, o, "http://x");
		w.literal_keys = pass == 1;
		jw_open(&w, NULL);
		for (int i = 0; i < 3; i++) {
			jw_str(&w, "name", "José");
			jw_str(&w, "\x1b[2Jkey", "x");
			jw_int(&w, "a_rather_long_key_name_of_more_than_32_bytes", i);
			jw_str(&w, "quo\"te", NULL);
		}
		jw_close(&w);
	}
	assert_string_equal(sbuf_cstr(&a), sbuf_cstr(&b));
	assert_non_null(strstr(a.p, "\"\\u001b[2Jkey\":\"x\""));
	assert_non_null(strstr(a.p, "\"quo\\\"te\":null"));
	sbuf_free(&a);
	sbuf_free(&b);
}

/* The offset keeps per-year bounds: asking about other years in between changes nothing. */
static void t_team_offset_years(void **state)
{
	static const struct {
		const char *utc;
		int off;
	} cases[] = {
	        {"2024-07-04T12:00:00Z", -240},        {"2023-01-15T12:00:00Z", -300},
	        {"2024-07-04T12:00:00Z", -240},        {"2023-12-31T23:59:59.999999Z", -300},
	        {"2024-01-01T00:00:00Z", -300},        {"2023-07-01T00:00:00Z", -240},
	        {"2099-07-01T00:00:00Z", -240},        {"1970-01-01T00:00:00Z", -300},
	        {"1969-12-31T23:59:59.999999Z", -300}, {"2024-03-10T07:00:00Z", -240},
	        {"2024-03-10T06:59:59.999999Z", -300},
	};
	int64_t us;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(sbx_time_parse(cases[i].utc, &us, NULL), 0);
		if (sbx_team_offset(us) != cases[i].off)
			fail_msg("%s: %d", cases[i].utc, sbx_team_offset(us));
	}
}

static void t_writer(void **state)
{
	struct sbuf b = {0};
	struct jw w;

	jw_init(&w, &b, "http://127.0.0.1:1");
	jw_open(&w, NULL);
	jw_int(&w, "id", 5);
	jw_int(&w, "none", SBX_NONE);
	jw_bool(&w, "t", true);
	jw_null(&w, "n");
	jw_ref(&w, "owner", "users", 1);
	jw_ref(&w, "account", "accounts", SBX_NONE);
	jw_ref(&w, "zero", "accounts", 0);
	jw_aopen(&w, "tags");
	jw_str(&w, NULL, "a");
	jw_str(&w, NULL, NULL);
	jw_aclose(&w);
	jw_open(&w, "empty");
	jw_close(&w);
	jw_time(&w, "at", T0);
	jw_time(&w, "never", SBX_NONE);
	jw_close(&w);
	assert_string_equal(
	        sbuf_cstr(&b),
	        "{\"id\":5,\"none\":null,\"t\":true,\"n\":null,\"owner\":{\"_href\":"
	        "\"http://127.0.0.1:1/v2/users/1\",\"id\":1},\"account\":null,\"zero\":null,"
	        "\"tags\":[\"a\",null],\"empty\":{},\"at\":\"2024-03-07T02:46:00.302715-05:00\","
	        "\"never\":null}");
	assert_int_equal(b.err, 0);
	sbuf_free(&b);
}

static void t_sbuf_growth(void **state)
{
	struct sbuf b = {0};

	for (int i = 0; i < 100000; i++)
		sbuf_int(&b, i % 2 ? -i : i);
	assert_int_equal(b.err, 0);
	assert_true(b.len > 400000);
	sbuf_reset(&b);
	sbuf_int(&b, INT64_MIN);
	assert_string_equal(sbuf_cstr(&b), "-9223372036854775808");
	sbuf_reset(&b);
	sbuf_printf(&b, "%s-%d", "x", 7);
	assert_string_equal(sbuf_cstr(&b), "x-7");
	sbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(t_parse_invalid),
	        cmocka_unit_test(t_parse_valid),
	        cmocka_unit_test(t_render_roundtrip),
	        cmocka_unit_test(t_team_offset_dst),
	        cmocka_unit_test(t_json_str),
	        cmocka_unit_test(t_writer),
	        cmocka_unit_test(t_sbuf_growth),
	        cmocka_unit_test(t_json_str_every_byte),
	        cmocka_unit_test(t_writer_off_and_literal_keys),
	        cmocka_unit_test(t_team_offset_years),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

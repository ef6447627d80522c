/*
 * test_simphones: the simulated phones' pure parts and their lifetime, table-driven: number
 * -> behaviour (the fixed test numbers, the realistic mix, hostile numbers), behaviour specs
 * (good, bad, round trips), the WAV reader and the audio loader (recordings or synthetic), and
 * opening, overriding and closing the SIP endpoint. Calls over real SIP are in
 * tests/integration/test_simphones_calls.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "loftdial/loop.h"
#include "simphones.h"
#include "loftdial/text.h"
#include "testlib.h"

/* Numbers and what they must do. */
static void test_behaviour_of_table(void **state)
{
	static const struct {
		const char *number;
		enum simphone_kind kind;
		uint16_t code;
		unsigned ring_ms;
	} rows[] = {
	        {"", SIMPHONE_INVALID, 404, 0},
	        {"alice", SIMPHONE_INVALID, 404, 0},
	        {"12", SIMPHONE_INVALID, 404, 0},
	        {"+", SIMPHONE_INVALID, 404, 0},
	        {"123456789012345678901234567890123", SIMPHONE_INVALID, 404, 0}, /* 33 digits */
	        {"\x1b[m\x07+1", SIMPHONE_INVALID, 404, 0},
	        {"+14155550101", SIMPHONE_HUMAN, 0, 1000},
	        {"+14155550102", SIMPHONE_VOICEMAIL, 0, 1500},
	        {"+14155550103", SIMPHONE_BUSY, 486, 0},
	        {"+14155550104", SIMPHONE_NO_ANSWER, 0, 0},
	        {"+14155550105", SIMPHONE_REJECT, 603, 2000},
	        {"+14155550106", SIMPHONE_INVALID, 404, 0},
	        {"+14155550107", SIMPHONE_EARLY, 480, 500},
	        {"+14155550108", SIMPHONE_HANGUP, 0, 1000},
	        {"+14155550109", SIMPHONE_LATE, 0, 22000},
	        {"+14155550110", SIMPHONE_REJECT, 486, 3000},
	        {"+14155550111", SIMPHONE_INVALID, 484, 0},
	        {"+44 20 7946 0101", SIMPHONE_HUMAN, 0, 1000},
	        {"101", SIMPHONE_HUMAN, 0, 1000},
	        {"sip-user-0102", SIMPHONE_VOICEMAIL, 0, 1500},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct simphone_behaviour b;

		print_message("%zu\n", i);
		assert_int_equal(simphones_behaviour_of(rows[i].number, &b), 0);
		assert_string_equal(simphones_kind_name(b.kind), simphones_kind_name(rows[i].kind));
		assert_int_equal(b.code, rows[i].code);
		assert_int_equal(b.ring_ms, rows[i].ring_ms);
	}
	assert_int_equal(simphones_behaviour_of(NULL, &(struct simphone_behaviour){0}), EINVAL);
	assert_int_equal(simphones_behaviour_of("+14155550101", NULL), EINVAL);
}

/* Punctuation does not change a number; the result is the same every time. */
static void test_behaviour_of_stable(void **state)
{
	struct simphone_behaviour a, b;

	(void)state;
	assert_int_equal(simphones_behaviour_of("+1 (415) 555-0134", &a), 0);
	assert_int_equal(simphones_behaviour_of("14155550134", &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(simphones_behaviour_of("14155550134", &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	/* Two test humans get different voices. */
	assert_int_equal(simphones_behaviour_of("+14155550101", &a), 0);
	assert_int_equal(simphones_behaviour_of("+14155550201", &b), 0);
	assert_int_not_equal(a.voice, b.voice);
}

/* Over many ordinary numbers the mix matches the documented shares (within 3 points), and
 * every behaviour prints to a spec that parses back to itself. */
static void test_behaviour_mix(void **state)
{
	static const unsigned share[SIMPHONE_KIND_COUNT] = {35, 25, 7, 12, 5, 5, 3, 4, 4};
	unsigned count[SIMPHONE_KIND_COUNT] = {0}, total = 0, n, k;

	(void)state;
	for (n = 0; n < 20000; n++) {
		struct simphone_behaviour b, back;
		char number[32], spec[160];

		snprintf(number, sizeof(number), "+1212%07u", n * 7919u % 10000000u);
		if ((n * 7919u % 10000000u) % 100 >= 1 && (n * 7919u % 10000000u) % 100 <= 11)
			continue; /* test numbers */
		assert_int_equal(simphones_behaviour_of(number, &b), 0);
		count[b.kind]++;
		total++;
		assert_int_equal(simphones_behaviour_print(spec, sizeof(spec), &b), 0);
		assert_int_equal(simphones_behaviour_parse(spec, &back), 0);
		assert_memory_equal(&b, &back, sizeof(b));
		if (b.kind == SIMPHONE_LATE)
			assert_true(b.ring_ms >= 20000);
	}
	for (k = 0; k < SIMPHONE_KIND_COUNT; k++) {
		unsigned pct = count[k] * 100 / total;

		print_message("%-10s %u%%\n", simphones_kind_name((enum simphone_kind)k), pct);
		assert_in_range(pct, share[k] > 3 ? share[k] - 3 : 0, share[k] + 3);
	}
}

/* Specs: good ones and what they mean, bad ones refused. */
static void test_parse(void **state)
{
	static const struct {
		const char *spec;
		int err;
		enum simphone_kind kind;
		unsigned ring_ms, voice, hangup_ms, max_ms;
		uint16_t code;
	} rows[] = {
	        {"busy", 0, SIMPHONE_BUSY, 0, 0, 0, 0, 486},
	        {"busy code=600 ring=2s", 0, SIMPHONE_BUSY, 2000, 0, 0, 0, 600},
	        {"human ring=3s voice=2", 0, SIMPHONE_HUMAN, 3000, 2, 0, 300000, 0},
	        {"  human\tring=250ms  ", 0, SIMPHONE_HUMAN, 250, 0, 0, 300000, 0},
	        {"reject code=603 ring=4500", 0, SIMPHONE_REJECT, 4500, 0, 0, 0, 603},
	        {"hangup after=2s", 0, SIMPHONE_HANGUP, 1000, 0, 2000, 0, 0},
	        {"late ring=25s", 0, SIMPHONE_LATE, 25000, 0, 0, 300000, 0},
	        {"no-answer max=90s", 0, SIMPHONE_NO_ANSWER, 0, 0, 0, 90000, 0},
	        {"voicemail max=0", 0, SIMPHONE_VOICEMAIL, 1500, 0, 0, 0, 0},
	        {"invalid code=484", 0, SIMPHONE_INVALID, 0, 0, 0, 0, 484},
	        {"early code=404 voice=1", 0, SIMPHONE_EARLY, 500, 1, 0, 0, 404},
	        {"", EINVAL},
	        {"   ", EINVAL},
	        {"robot", EINVAL},
	        {"HUMAN", EINVAL},
	        {"human ring=", EINVAL},
	        {"human =5", EINVAL},
	        {"human ring", EINVAL},
	        {"human ring=-1", EINVAL},
	        {"human ring=1.5s", EINVAL},
	        {"human ring=5m", EINVAL},
	        {"human ring=99999999999999999999", EINVAL},
	        {"human ring=3601s", EINVAL},
	        {"human voice=1000001", EINVAL},
	        {"busy voice=3", EINVAL},
	        {"human code=486", EINVAL},
	        {"invalid code=200", EINVAL},
	        {"invalid code=700", EINVAL},
	        {"invalid code=48x", EINVAL},
	        {"human color=red", EINVAL},
	        {"human\x1b[31m", EINVAL},
	        {"ring=3s human", EINVAL},
	        {"human greet=3s ring=held lead=", EINVAL},
	        {"no-answer ring=held", EINVAL},
	        {"invalid ring=held", EINVAL},
	        {"busy greet=1s", EINVAL},
	        {"early greet=1s", EINVAL},
	        {"human ring=hold", EINVAL},
	        {"human ring=HELD", EINVAL},
	};
	struct simphone_behaviour b;
	char big[400];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int err = simphones_behaviour_parse(rows[i].spec, &b);

		print_message("\"%s\"\n", rows[i].spec);
		assert_int_equal(err, rows[i].err);
		if (err)
			continue;
		assert_int_equal(b.kind, rows[i].kind);
		assert_int_equal(b.ring_ms, rows[i].ring_ms);
		assert_int_equal(b.voice, rows[i].voice);
		assert_int_equal(b.hangup_ms, rows[i].hangup_ms);
		assert_int_equal(b.max_ms, rows[i].max_ms);
		assert_int_equal(b.code, rows[i].code);
	}
	assert_int_equal(simphones_behaviour_parse(NULL, &b), EINVAL);
	assert_int_equal(simphones_behaviour_parse("busy", NULL), EINVAL);
	memset(big, ' ', sizeof(big) - 1);
	memcpy(big, "busy", 4);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(simphones_behaviour_parse(big, &b), EINVAL);
}

/* Printing: exact text, small buffers, bad kinds; names and reasons. */
static void test_print_names(void **state)
{
	struct simphone_behaviour b;
	char buf[160], key[40];

	(void)state;
	assert_int_equal(simphones_behaviour_parse("reject code=603 ring=4s", &b), 0);
	assert_int_equal(simphones_behaviour_print(buf, sizeof(buf), &b), 0);
	assert_string_equal(buf, "reject ring=4000 code=603");
	assert_int_equal(simphones_behaviour_print(buf, 10, &b), E2BIG);
	/* Held and greeting length: printed only when set, and read back. */
	{
		static const char *const specs[][2] = {
		        {"human ring=held", "human ring=held lead=300 voice=0 max=300000"},
		        {"busy ring=held", "busy ring=held code=486"},
		        {"voicemail greet=9s", "voicemail ring=1500 lead=200 voice=0 max=60000 "
		                               "greet=9000"},
		        {"human ring=held ring=2s", "human ring=2000 lead=300 voice=0 max=300000"},
		        {"hangup ring=held greet=700",
		         "hangup ring=held lead=300 voice=0 after=3000 "
		         "greet=700"},
		};
		struct simphone_behaviour back;
		size_t i;

		for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
			assert_int_equal(simphones_behaviour_parse(specs[i][0], &b), 0);
			assert_int_equal(simphones_behaviour_print(buf, sizeof(buf), &b), 0);
			assert_string_equal(buf, specs[i][1]);
			assert_int_equal(simphones_behaviour_parse(buf, &back), 0);
			assert_memory_equal(&b, &back, sizeof(b));
		}
		assert_int_equal(simphones_behaviour_parse("late ring=held", &b), 0);
		assert_true(b.held);
		assert_int_equal(b.ring_ms, 0);
		assert_int_equal(simphones_behaviour_parse("reject", &b), 0);
		assert_false(b.held);
		assert_int_equal(b.greet_ms, 0);
	}
	assert_int_equal(simphones_behaviour_parse("reject code=603 ring=4s", &b), 0);
	assert_int_equal(simphones_behaviour_print(NULL, 10, &b), EINVAL);
	b.kind = SIMPHONE_KIND_COUNT;
	assert_int_equal(simphones_behaviour_print(buf, sizeof(buf), &b), EINVAL);
	assert_string_equal(simphones_kind_name(SIMPHONE_NO_ANSWER), "no-answer");
	assert_string_equal(simphones_kind_name(SIMPHONE_KIND_COUNT), "?");
	assert_string_equal(simphones_reason(486), "Busy Here");
	assert_string_equal(simphones_reason(603), "Decline");
	assert_string_equal(simphones_reason(484), "Address Incomplete");
	assert_string_equal(simphones_reason(499), "Rejected");
	assert_string_equal(simphones_reason(699), "Global Failure");

	assert_int_equal(simphones_number_key(key, sizeof(key), "+1 (415) 555-0101"), 0);
	assert_string_equal(key, "14155550101");
	assert_int_equal(simphones_number_key(key, sizeof(key), "no digits"), 0);
	assert_string_equal(key, "");
	assert_int_equal(
	        simphones_number_key(key, sizeof(key), "123456789012345678901234567890123"), E2BIG);
	assert_int_equal(simphones_number_key(key, 4, "12345"), E2BIG);
	assert_int_equal(simphones_number_key(NULL, 4, "1"), EINVAL);
	assert_int_equal(simphones_number_key(key, sizeof(key), NULL), EINVAL);
}

/* A campaign mix: the five kinds with ranges. */
static void mix_campaign(struct simphones_mix *m, unsigned seed, bool by_call)
{
	memset(m, 0, sizeof(*m));
	m->seed = seed;
	m->by_call = by_call;
	m->kinds[SIMPHONE_HUMAN] = (struct simphones_mix_kind){.share = 25,
	                                                       .has_ring = true,
	                                                       .ring_lo = 2000,
	                                                       .ring_hi = 6000,
	                                                       .has_greet = true,
	                                                       .greet_lo = 300,
	                                                       .greet_hi = 2000};
	m->kinds[SIMPHONE_VOICEMAIL] = (struct simphones_mix_kind){.share = 30,
	                                                           .has_ring = true,
	                                                           .ring_lo = 8000,
	                                                           .ring_hi = 8000,
	                                                           .has_greet = true,
	                                                           .greet_lo = 3400,
	                                                           .greet_hi = 13000};
	m->kinds[SIMPHONE_BUSY].share = 10;
	m->kinds[SIMPHONE_NO_ANSWER].share = 25;
	m->kinds[SIMPHONE_INVALID].share = 10;
}

/* Bad mixes are refused with a reason; good ones pass. */
static void test_mix_check(void **state)
{
	struct simphones_mix m;
	const char *why = NULL;

	(void)state;
	mix_campaign(&m, 1, false);
	assert_int_equal(simphones_mix_check(&m, &why), 0);
	assert_null(why);
	assert_int_equal(simphones_mix_check(NULL, &why), EINVAL);
	assert_non_null(why);
	memset(&m, 0, sizeof(m));
	assert_int_equal(simphones_mix_check(&m, &why), EINVAL); /* nothing at all */
	assert_non_null(strstr(why, "add up"));
#define BAD(field_set)                                                                             \
	do {                                                                                       \
		mix_campaign(&m, 1, false);                                                        \
		field_set;                                                                         \
		why = NULL;                                                                        \
		assert_int_equal(simphones_mix_check(&m, &why), EINVAL);                           \
		assert_non_null(why);                                                              \
	} while (0)
	BAD(m.kinds[SIMPHONE_BUSY].share = -1);
	BAD(m.kinds[SIMPHONE_BUSY].share = 0.0 / 0.0);
	BAD(m.kinds[SIMPHONE_BUSY].share = 1e300);
	BAD((m.kinds[SIMPHONE_HUMAN].ring_lo = 7000)); /* above ring_hi */
	BAD((m.kinds[SIMPHONE_HUMAN].ring_hi = 3600001));
	BAD((m.kinds[SIMPHONE_HUMAN].greet_lo = 2001));
	BAD((m.kinds[SIMPHONE_NO_ANSWER].has_ring = true)); /* rings until cancelled */
	BAD((m.kinds[SIMPHONE_INVALID].has_ring = true));
	BAD((m.kinds[SIMPHONE_BUSY].has_greet = true)); /* never answers */
	BAD((m.kinds[SIMPHONE_EARLY].has_greet = true));
#undef BAD
	/* A kind with share 0 but ranges, and a single kind, are fine. */
	memset(&m, 0, sizeof(m));
	m.kinds[SIMPHONE_LATE].share = 1;
	m.kinds[SIMPHONE_HUMAN].has_ring = true;
	assert_int_equal(simphones_mix_check(&m, NULL), 0);
}

/* By number: shares within 1.5 points over 20,000 numbers, ranges kept, the same number always
 * the same, another seed another draw; test numbers mixed unless kept; short numbers invalid. */
static void test_mix_by_number(void **state)
{
	static const double pct[SIMPHONE_KIND_COUNT] = {25, 30, 10, 25, 0, 10, 0, 0, 0};
	unsigned count[SIMPHONE_KIND_COUNT] = {0}, n, k, differ = 0;
	struct simphones_mix m, m2;
	struct simphone_behaviour b, again, other, back;
	char number[32], spec[160];

	(void)state;
	mix_campaign(&m, 42, false);
	m2 = m;
	m2.seed = 43;
	for (n = 0; n < 20000; n++) {
		snprintf(number, sizeof(number), "+1212%07u", n * 7919u % 10000000u);
		assert_int_equal(simphones_mix_of(&m, number, &b), 0);
		count[b.kind]++;
		assert_int_equal(simphones_mix_of(&m, number, &again), 0);
		assert_memory_equal(&b, &again, sizeof(b));
		assert_int_equal(simphones_mix_of(&m2, number, &other), 0);
		differ += memcmp(&b, &other, sizeof(b)) != 0;
		assert_false(b.held);
		if (b.kind == SIMPHONE_HUMAN) {
			assert_in_range(b.ring_ms, 2000, 6000);
			assert_in_range(b.greet_ms, 300, 2000);
		} else if (b.kind == SIMPHONE_VOICEMAIL) {
			assert_int_equal(b.ring_ms, 8000);
			assert_in_range(b.greet_ms, 3400, 13000);
		} else if (b.kind == SIMPHONE_BUSY) {
			assert_int_equal(b.ring_ms, 0); /* the kind's default: at once */
			assert_int_equal(b.code, 486);
		}
		assert_int_equal(simphones_behaviour_print(spec, sizeof(spec), &b), 0);
		assert_int_equal(simphones_behaviour_parse(spec, &back), 0);
		assert_memory_equal(&b, &back, sizeof(b));
	}
	for (k = 0; k < SIMPHONE_KIND_COUNT; k++) {
		double got = count[k] * 100.0 / 20000;

		print_message("%-10s %.2f%% (want %.0f%%)\n",
		              simphones_kind_name((enum simphone_kind)k), got, pct[k]);
		assert_true(got >= pct[k] - 1.5 && got <= pct[k] + 1.5);
	}
	assert_true(differ > 20000 / 2);

	/* Test numbers: mixed like the others by default, their own when kept. */
	differ = 0;
	for (n = 0; n < 200; n++) {
		snprintf(number, sizeof(number), "+1415%04u0102", n);
		assert_int_equal(simphones_mix_of(&m, number, &b), 0);
		differ += b.kind != SIMPHONE_VOICEMAIL;
	}
	assert_true(differ > 100);
	m.keep_test_numbers = true;
	assert_int_equal(simphones_mix_of(&m, "+14155550102", &b), 0);
	assert_int_equal(b.kind, SIMPHONE_VOICEMAIL);
	assert_int_equal(b.ring_ms, 1500);
	assert_int_equal(simphones_mix_of(&m, "+14155550103", &b), 0);
	assert_int_equal(b.kind, SIMPHONE_BUSY);
	/* Too short or too long stays invalid; bad arguments. */
	assert_int_equal(simphones_mix_of(&m, "12", &b), 0);
	assert_int_equal(b.kind, SIMPHONE_INVALID);
	assert_int_equal(simphones_mix_of(&m, "123456789012345678901234567890123", &b), 0);
	assert_int_equal(b.kind, SIMPHONE_INVALID);
	assert_int_equal(simphones_mix_of(NULL, "123", &b), EINVAL);
	assert_int_equal(simphones_mix_of(&m, NULL, &b), EINVAL);
	memset(&m2, 0, sizeof(m2));
	assert_int_equal(simphones_mix_of(&m2, "1234", &b), EINVAL);
}

/* By call: after every call, each kind's count is within one call of its share, whatever the
 * shares; the same calls give the same deal. */
static void test_mix_by_call(void **state)
{
	static const double shares[][SIMPHONE_KIND_COUNT] = {
	        {25, 30, 10, 25, 0, 10, 0, 0, 0},
	        {1, 0, 0, 0, 0, 0, 0, 0, 0},
	        {0.1, 0.7, 3.5, 0, 2, 0, 1, 0, 9},
	        {1, 1, 1, 1, 1, 1, 1, 1, 1},
	};
	struct simphones_mix m;
	struct simphones_deal d, d2;
	struct simphone_behaviour b, b2;
	size_t s;
	unsigned n, k;

	(void)state;
	for (s = 0; s < sizeof(shares) / sizeof(shares[0]); s++) {
		unsigned count[SIMPHONE_KIND_COUNT] = {0};
		double sum = 0, worst = 0;

		mix_campaign(&m, 7, true);
		for (k = 0; k < SIMPHONE_KIND_COUNT; k++) {
			m.kinds[k].share = shares[s][k];
			sum += shares[s][k];
		}
		memset(&d, 0, sizeof(d));
		for (n = 1; n <= 5000; n++) {
			char number[32];

			snprintf(number, sizeof(number), "+1303555%04u", n % 37);
			assert_int_equal(simphones_mix_deal(&m, &d, number, &b), 0);
			count[b.kind]++;
			for (k = 0; k < SIMPHONE_KIND_COUNT; k++) {
				double off = count[k] - n * shares[s][k] / sum;

				if (off < 0)
					off = -off;
				if (off > worst)
					worst = off;
			}
		}
		print_message("shares %zu: worst deviation %.3f calls\n", s, worst);
		assert_true(worst < 1.0);
		assert_int_equal(d.n, 5000);
	}
	/* Exact at round numbers: 20 calls of 25/30/10/25/10 are 5, 6, 2, 5, 2. */
	mix_campaign(&m, 7, true);
	memset(&d, 0, sizeof(d));
	{
		unsigned count[SIMPHONE_KIND_COUNT] = {0};

		for (n = 0; n < 20; n++) {
			assert_int_equal(simphones_mix_deal(&m, &d, "+13035550199", &b), 0);
			count[b.kind]++;
		}
		assert_int_equal(count[SIMPHONE_HUMAN], 5);
		assert_int_equal(count[SIMPHONE_VOICEMAIL], 6);
		assert_int_equal(count[SIMPHONE_BUSY], 2);
		assert_int_equal(count[SIMPHONE_NO_ANSWER], 5);
		assert_int_equal(count[SIMPHONE_INVALID], 2);
	}
	/* Deterministic: two deals from the start give the same behaviours. */
	memset(&d, 0, sizeof(d));
	memset(&d2, 0, sizeof(d2));
	for (n = 0; n < 50; n++) {
		assert_int_equal(simphones_mix_deal(&m, &d, "+13035550150", &b), 0);
		assert_int_equal(simphones_mix_deal(&m, &d2, "+13035550150", &b2), 0);
		assert_memory_equal(&b, &b2, sizeof(b));
	}
	/* Short numbers stay invalid and are not dealt. */
	assert_int_equal(simphones_mix_deal(&m, &d, "1", &b), 0);
	assert_int_equal(b.kind, SIMPHONE_INVALID);
	assert_int_equal(d.n, 50);
	assert_int_equal(simphones_mix_deal(&m, NULL, "123", &b), EINVAL);
}

/* Writes a small WAV file: rate, channels, bits and n samples of value v. */
static void wav_write(const char *path, unsigned rate, unsigned ch, unsigned bits, size_t n,
                      int16_t v)
{
	FILE *f = fopen(path, "wb");
	uint32_t data = (uint32_t)(n * ch * bits / 8), u32;
	uint16_t u16;
	size_t i;

	assert_non_null(f);
	fwrite("RIFF", 1, 4, f);
	u32 = 36 + data;
	fwrite(&u32, 4, 1, f);
	fwrite("WAVEfmt ", 1, 8, f);
	u32 = 16;
	fwrite(&u32, 4, 1, f);
	u16 = 1;
	fwrite(&u16, 2, 1, f);
	u16 = (uint16_t)ch;
	fwrite(&u16, 2, 1, f);
	fwrite(&rate, 4, 1, f);
	u32 = rate * ch * bits / 8;
	fwrite(&u32, 4, 1, f);
	u16 = (uint16_t)(ch * bits / 8);
	fwrite(&u16, 2, 1, f);
	u16 = (uint16_t)bits;
	fwrite(&u16, 2, 1, f);
	fwrite("data", 1, 4, f);
	fwrite(&data, 4, 1, f);
	for (i = 0; i < n * ch; i++)
		fwrite(&v, 2, 1, f);
	fclose(f);
}

/* The WAV reader and the loader, with files of our own and synthetic stand-ins. */
static void test_audio(void **state)
{
	struct simphones_audio *a = NULL;
	struct simphones_clip clip;
	char dir[512], path[700];
	bool synth = false;

	(void)state;
	assert_int_equal(tl_tmpdir(dir, sizeof(dir), "simphones"), 0);
	assert_int_equal(simphones_wav_read(NULL, &clip), EINVAL);
	snprintf(path, sizeof(path), "%s/none.wav", dir);
	assert_int_equal(simphones_wav_read(path, &clip), ENOENT);
	wav_write(path, 16000, 1, 16, 100, 5);
	assert_int_equal(simphones_wav_read(path, &clip), EPROTO);
	wav_write(path, 8000, 2, 16, 100, 5);
	assert_int_equal(simphones_wav_read(path, &clip), EPROTO);
	wav_write(path, 8000, 1, 16, 0, 5);
	assert_int_equal(simphones_wav_read(path, &clip), EPROTO);
	wav_write(path, 8000, 1, 16, 100, -7);
	assert_int_equal(simphones_wav_read(path, &clip), 0);
	assert_int_equal(clip.n, 100);
	assert_int_equal(clip.pcm[99], -7);
	free(clip.pcm);
	/* Cut short: keeps the samples that are there. */
	assert_int_equal(truncate(path, 44 + 20), 0);
	assert_int_equal(simphones_wav_read(path, &clip), 0);
	assert_int_equal(clip.n, 10);
	free(clip.pcm);

	/* No folder at all: every class is synthetic, with sound in it. */
	assert_int_equal(simphones_audio_load(&a, NULL, &synth), 0);
	assert_true(synth);
	assert_int_equal(simphones_audio_count(a, SIMPHONES_MACHINE), 1);
	assert_true(simphones_audio_clip(a, SIMPHONES_MACHINE, 7)->n > 8000 * 4);
	assert_true(simphones_audio_clip(a, SIMPHONES_HUMAN, 0)->n < 8000 * 2);
	assert_null(simphones_audio_clip(a, SIMPHONES_NCLASS, 0));
	simphones_audio_free(a);

	/* Only humans recorded: two of ours, sorted by name; the rest synthetic. */
	snprintf(path, sizeof(path), "%s/human", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/human/b.wav", dir);
	wav_write(path, 8000, 1, 16, 300, 2);
	snprintf(path, sizeof(path), "%s/human/a.wav", dir);
	wav_write(path, 8000, 1, 16, 200, 1);
	snprintf(path, sizeof(path), "%s/human/notes.txt", dir);
	wav_write(path, 8000, 1, 16, 1, 1);
	assert_int_equal(simphones_audio_load(&a, dir, &synth), 0);
	assert_true(synth);
	assert_int_equal(simphones_audio_count(a, SIMPHONES_HUMAN), 2);
	assert_string_equal(simphones_audio_clip(a, SIMPHONES_HUMAN, 0)->name, "a.wav");
	assert_string_equal(simphones_audio_clip(a, SIMPHONES_HUMAN, 3)->name, "b.wav");
	/* Nearest by length (a 25 ms, b 37.5 ms); a tie goes to the voice's own clip. */
	assert_string_equal(simphones_audio_clip_near(a, SIMPHONES_HUMAN, 1, 1)->name, "a.wav");
	assert_string_equal(simphones_audio_clip_near(a, SIMPHONES_HUMAN, 40, 0)->name, "b.wav");
	assert_string_equal(simphones_audio_clip_near(a, SIMPHONES_HUMAN, 31, 0)->name, "a.wav");
	assert_null(simphones_audio_clip_near(NULL, SIMPHONES_HUMAN, 31, 0));
	simphones_audio_free(a);

	/* A broken recording is an error, not silence. */
	snprintf(path, sizeof(path), "%s/human/c.wav", dir);
	wav_write(path, 44100, 1, 16, 10, 1);
	assert_int_equal(simphones_audio_load(&a, dir, &synth), EPROTO);
	assert_int_equal(simphones_audio_load(NULL, dir, &synth), EINVAL);
	simphones_audio_free(NULL);
	assert_int_equal(simphones_audio_count(NULL, SIMPHONES_HUMAN), 0);
	tl_rmrf(dir);
}

/* The recordings the build made, when present: all classes recorded, none synthetic. */
static void test_build_recordings(void **state)
{
	const char *build = getenv("LOFTDIAL_BUILD");
	struct simphones_audio *a = NULL;
	char dir[600];
	bool synth = true;

	(void)state;
	if (!build)
		skip();
	snprintf(dir, sizeof(dir), "%s/recordings", build);
	assert_int_equal(simphones_audio_load(&a, dir, &synth), 0);
	assert_false(synth);
	assert_true(simphones_audio_count(a, SIMPHONES_HUMAN) >= 20);
	assert_true(simphones_audio_count(a, SIMPHONES_MACHINE) >= 20);
	assert_true(simphones_audio_count(a, SIMPHONES_ANNOUNCE) >= 1);
	/* Human greetings are short, voicemail greetings long. */
	assert_true(simphones_audio_clip(a, SIMPHONES_HUMAN, 0)->n <= 8000 * 2);
	assert_true(simphones_audio_clip(a, SIMPHONES_MACHINE, 0)->n >= 8000 * 4);
	simphones_audio_free(a);
}

/* Opening, binding errors, overrides, closing. */
static void test_engine(void **state)
{
	struct simphones_opts o = {.listen = "127.0.0.1:0", .recordings = "/nonexistent"};
	struct simphones *sp = NULL, *sp2 = NULL;
	struct simphone_behaviour b;
	struct simphones_stats st;
	char listen[64];
	bool over = true;
	unsigned i;

	(void)state;
	assert_int_equal(loop_init(), 0);
	assert_int_equal(simphones_open(NULL, &o), EINVAL);
	assert_int_equal(simphones_open(&sp, NULL), EINVAL);
	o.listen = "not an address";
	assert_int_not_equal(simphones_open(&sp, &o), 0);
	assert_null(sp);
	o.listen = "127.0.0.1:0";
	assert_int_equal(simphones_open(&sp, &o), 0);
	assert_true(simphones_port(sp) > 0);
	assert_true(simphones_synthetic(sp));

	/* The same port again is taken. */
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", simphones_port(sp));
	o.listen = listen;
	assert_int_equal(simphones_open(&sp2, &o), EADDRINUSE);
	assert_null(sp2);

	/* Overrides: keyed by digits, cleared one by one or all at once. */
	assert_int_equal(simphones_get_behaviour(sp, "+14155550101", &b, &over), 0);
	assert_false(over);
	assert_int_equal(b.kind, SIMPHONE_HUMAN);
	assert_int_equal(simphones_set_behaviour(sp, "+1 415 555 0101", "busy code=600"), 0);
	assert_int_equal(simphones_get_behaviour(sp, "14155550101", &b, &over), 0);
	assert_true(over);
	assert_int_equal(b.kind, SIMPHONE_BUSY);
	assert_int_equal(b.code, 600);
	assert_int_equal(simphones_set_behaviour(sp, "14155550101", "late ring=3s"), 0);
	assert_int_equal(simphones_get_behaviour(sp, "14155550101", &b, NULL), 0);
	assert_int_equal(b.ring_ms, 3000);
	assert_int_equal(simphones_set_behaviour(sp, "14155550101", "robot"), EINVAL);
	assert_int_equal(simphones_set_behaviour(sp, "no digits", "busy"), EINVAL);
	assert_int_equal(simphones_set_behaviour(sp, NULL, "busy"), EINVAL);
	assert_int_equal(simphones_set_behaviour(NULL, "1", "busy"), EINVAL);
	simphones_stats(sp, &st);
	assert_int_equal(st.overrides, 1);
	assert_int_equal(st.invites, 0);
	assert_int_equal(simphones_set_behaviour(sp, "14155550101", "default"), 0);
	assert_int_equal(simphones_get_behaviour(sp, "14155550101", &b, &over), 0);
	assert_false(over);
	assert_int_equal(b.kind, SIMPHONE_HUMAN);
	assert_int_equal(simphones_get_behaviour(NULL, "1", &b, NULL), EINVAL);

	/* The override table is bounded. */
	for (i = 0; i < 10000; i++) {
		char number[32];

		snprintf(number, sizeof(number), "+1555%07u", i);
		assert_int_equal(simphones_set_behaviour(sp, number, "busy"), 0);
	}
	assert_int_equal(simphones_set_behaviour(sp, "+19999999999", "busy"), ENOSPC);
	assert_int_equal(simphones_set_behaviour(sp, "+15550000001", "voicemail"), 0);
	simphones_clear_behaviours(sp);
	simphones_stats(sp, &st);
	assert_int_equal(st.overrides, 0);
	simphones_stats(NULL, &st);
	assert_int_equal(st.active, 0);

	/* A mix replaces the default, not an override; cleared, the default is back. */
	{
		struct simphones_mix m, got;

		mix_campaign(&m, 5, false);
		m.kinds[SIMPHONE_HUMAN].share = 0;
		m.kinds[SIMPHONE_VOICEMAIL].share = 0;
		m.kinds[SIMPHONE_BUSY].share = 0;
		m.kinds[SIMPHONE_NO_ANSWER].share = 0;
		assert_false(simphones_get_mix(sp, &got));
		assert_int_equal(simphones_set_mix(sp, &m), 0); /* all invalid */
		assert_true(simphones_get_mix(sp, &got));
		assert_int_equal(got.seed, 5);
		assert_int_equal(simphones_get_behaviour(sp, "+14155550101", &b, &over), 0);
		assert_false(over);
		assert_int_equal(b.kind, SIMPHONE_INVALID);
		assert_int_equal(simphones_set_behaviour(sp, "+14155550101", "human"), 0);
		assert_int_equal(simphones_get_behaviour(sp, "+14155550101", &b, &over), 0);
		assert_true(over);
		assert_int_equal(b.kind, SIMPHONE_HUMAN);
		memset(&m, 0, sizeof(m));
		assert_int_equal(simphones_set_mix(sp, &m), EINVAL);
		assert_true(simphones_get_mix(sp, &got)); /* the old one stays */
		assert_int_equal(simphones_set_mix(sp, NULL), 0);
		assert_false(simphones_get_mix(sp, NULL));
		assert_int_equal(simphones_get_behaviour(sp, "+14155550102", &b, NULL), 0);
		assert_int_equal(b.kind, SIMPHONE_VOICEMAIL);
		assert_int_equal(simphones_set_mix(NULL, NULL), EINVAL);
		simphones_clear_behaviours(sp);
	}
	/* Releasing with nothing held. */
	{
		const char *nums[] = {"+14155550101", "no digits"};
		unsigned released = 9;
		size_t missing = 9;

		assert_int_equal(simphones_release(sp, nums, 1, 0, &released, &missing), ENOENT);
		assert_int_equal(released, 0);
		assert_int_equal(missing, 0);
		assert_int_equal(simphones_release(sp, NULL, 0, 0, &released, &missing), ENOENT);
		assert_int_equal(simphones_release(sp, nums, 2, 0, NULL, NULL), EINVAL);
		assert_int_equal(simphones_release(sp, NULL, 1, 0, NULL, NULL), EINVAL);
		assert_int_equal(simphones_release(NULL, NULL, 0, 0, NULL, NULL), EINVAL);
		simphones_stats(sp, &st);
		assert_int_equal(st.held, 0);
	}

	simphones_close(sp);
	simphones_close(NULL);
	assert_int_equal(simphones_port(NULL), 0);
	loop_close();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_behaviour_of_table),
	        cmocka_unit_test(test_behaviour_of_stable),
	        cmocka_unit_test(test_behaviour_mix),
	        cmocka_unit_test(test_parse),
	        cmocka_unit_test(test_print_names),
	        cmocka_unit_test(test_mix_check),
	        cmocka_unit_test(test_mix_by_number),
	        cmocka_unit_test(test_mix_by_call),
	        cmocka_unit_test(test_audio),
	        cmocka_unit_test(test_build_recordings),
	        cmocka_unit_test(test_engine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

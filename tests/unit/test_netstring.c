/*
 * Unit tests for netstring: whole, split and batched frames, every malformed shape, the size
 * limits, and that errors stick.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loftdial/netstring.h"

/* Feeds text in chunks of step bytes and collects the frames, joined by '|'. Returns the
 * final error (EAGAIN when the input ended cleanly between or inside frames). */
static int run(const char *in, size_t inlen, size_t step, size_t max, char *out, size_t outn)
{
	struct netstring_dec *d;
	size_t pos = 0, o = 0;
	int err = 0;

	assert_int_equal(netstring_dec_new(&d, max), 0);
	out[0] = '\0';
	while (pos < inlen) {
		size_t n = inlen - pos < step ? inlen - pos : step;
		const char *p;
		size_t len;

		err = netstring_dec_feed(d, in + pos, n);
		if (err)
			break;
		pos += n;
		while ((err = netstring_dec_next(d, &p, &len)) == 0) {
			assert_true(o + len + 2 < outn);
			assert_int_equal(p[len], '\0');
			if (o)
				out[o++] = '|';
			memcpy(out + o, p, len);
			o += len;
			out[o] = '\0';
		}
		if (err != EAGAIN)
			break;
	}
	netstring_dec_free(d);
	return inlen == 0 ? EAGAIN : err;
}

struct row {
	const char *in;
	size_t max;
	int err;         /* EAGAIN: clean */
	const char *out; /* frames seen before the end or the error */
};

static const struct row rows[] = {
        /* edge cases first */
        {"", 100, EAGAIN, ""},
        {"0:,", 100, EAGAIN, ""},
        {"5:hello,", 100, EAGAIN, "hello"},
        {"5:hello,3:abc,", 100, EAGAIN, "hello|abc"},
        {"5:hello,3:ab", 100, EAGAIN, "hello"}, /* incomplete tail waits */
        {"5:hello", 100, EAGAIN, ""},
        {"5", 100, EAGAIN, ""},
        {"5:", 100, EAGAIN, ""},
        {"3:a,c,", 100, EAGAIN, "a,c"}, /* a ',' inside a payload is data */
        {"3:a:c,", 100, EAGAIN, "a:c"},
        /* malformed */
        {":hello,", 100, EBADMSG, ""},
        {"x:hello,", 100, EBADMSG, ""},
        {"5:hello;", 100, EBADMSG, ""},
        {"5:helloo,", 100, EBADMSG, ""},
        {"05:hello,", 100, EBADMSG, ""},
        {"00:,", 100, EBADMSG, ""},
        {"-1:,", 100, EBADMSG, ""},
        {"+1:a,", 100, EBADMSG, ""},
        {" 1:a,", 100, EBADMSG, ""},
        {"1 :a,", 100, EBADMSG, ""},
        {"1234567890:", 999999999, EBADMSG, ""}, /* ten digits */
        {"5:hello,garbage", 100, EBADMSG, "hello"},
        {"5:hello,\n", 100, EBADMSG, "hello"},
        /* oversize: refused as soon as the length is read */
        {"101:", 100, EMSGSIZE, ""},
        {"999999999", 100, EMSGSIZE, ""},
        {"100:", 100, EAGAIN, ""},
        {"2:ok,101:", 100, EMSGSIZE, "ok"},
};

static void test_table(void **state)
{
	static const size_t steps[] = {1, 2, 3, 7, 64, 100000};
	char out[4096];
	size_t i, s;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			int err = run(rows[i].in, strlen(rows[i].in), steps[s], rows[i].max, out,
			              sizeof(out));

			if (err != rows[i].err || strcmp(out, rows[i].out))
				fail_msg("row %zu (%s) step %zu: err %d '%s', want %d '%s'", i,
				         rows[i].in, steps[s], err, out, rows[i].err, rows[i].out);
		}
	}
}

static void test_null_args(void **state)
{
	struct netstring_dec *d;
	const char *p;
	size_t len;
	char buf[8];

	assert_int_equal(netstring_dec_new(NULL, 10), EINVAL);
	assert_int_equal(netstring_dec_new(&d, 0), EINVAL);
	assert_int_equal(netstring_dec_new(&d, 1000000000), EINVAL);
	assert_int_equal(netstring_dec_new(&d, 10), 0);
	assert_int_equal(netstring_dec_feed(NULL, "a", 1), EINVAL);
	assert_int_equal(netstring_dec_feed(d, NULL, 1), EINVAL);
	assert_int_equal(netstring_dec_feed(d, NULL, 0), 0);
	assert_int_equal(netstring_dec_next(d, NULL, &len), EINVAL);
	assert_int_equal(netstring_dec_next(NULL, &p, &len), EINVAL);
	assert_int_equal(netstring_dec_next(d, &p, &len), EAGAIN);
	assert_int_equal(netstring_dec_pending(NULL), 0);
	netstring_dec_free(d);
	netstring_dec_free(NULL);
	assert_int_equal(netstring_encode(NULL, 8, "a", 1, NULL), EINVAL);
	assert_int_equal(netstring_encode(buf, 8, NULL, 1, NULL), EINVAL);
}

static void test_sticky_error(void **state)
{
	struct netstring_dec *d;
	const char *p;
	size_t len;

	assert_int_equal(netstring_dec_new(&d, 10), 0);
	assert_int_equal(netstring_dec_feed(d, "x", 1), 0);
	assert_int_equal(netstring_dec_next(d, &p, &len), EBADMSG);
	assert_int_equal(netstring_dec_feed(d, "1:a,", 4), EBADMSG);
	assert_int_equal(netstring_dec_next(d, &p, &len), EBADMSG);
	netstring_dec_free(d);
}

/* Unread data is bounded: a peer that never sends a ',' cannot grow the buffer forever. */
static void test_feed_bound(void **state)
{
	struct netstring_dec *d;
	char *junk = malloc(70000);
	int err = 0, i;

	assert_non_null(junk);
	memset(junk, 'a', 70000);
	assert_int_equal(netstring_dec_new(&d, 16), 0);
	assert_int_equal(netstring_dec_feed(d, "16:", 3), 0);
	for (i = 0; i < 10 && !err; i++)
		err = netstring_dec_feed(d, junk, 70000);
	assert_int_equal(err, EMSGSIZE);
	assert_true(netstring_dec_pending(d) < 16 + 12 + 70000);
	netstring_dec_free(d);
	free(junk);
}

static void test_encode(void **state)
{
	char buf[32], big[16];
	size_t n = 0;

	assert_int_equal(netstring_encode(buf, sizeof(buf), "hello", 5, &n), 0);
	assert_int_equal(n, 8);
	assert_memory_equal(buf, "5:hello,", 8);
	assert_int_equal(netstring_encode(buf, sizeof(buf), "", 0, &n), 0);
	assert_memory_equal(buf, "0:,", 3);
	assert_int_equal(netstring_encode(big, 8, "hello", 5, &n), 0); /* exactly fits */
	assert_int_equal(netstring_encode(big, 7, "hello", 5, &n), E2BIG);
	assert_int_equal(netstring_encode(big, 0, "", 0, &n), E2BIG);
	assert_int_equal(netstring_frame_len(5), 8);
	assert_int_equal(netstring_frame_len(0), 3);
	assert_int_equal(netstring_frame_len(1000), 1006);
	assert_int_equal(netstring_encode(buf, sizeof(buf), "x", 1000000000, &n), EMSGSIZE);
}

/* What the encoder writes, the decoder reads back, byte by byte. */
static void test_roundtrip(void **state)
{
	struct netstring_dec *d;
	char payload[300], frame[320];
	const char *p;
	size_t i, n, len, k;

	assert_int_equal(netstring_dec_new(&d, sizeof(payload)), 0);
	for (i = 0; i < sizeof(payload); i += 37) {
		for (k = 0; k < i; k++)
			payload[k] = (char)(k * 7 + i);
		assert_int_equal(netstring_encode(frame, sizeof(frame), payload, i, &n), 0);
		for (k = 0; k < n; k++) {
			assert_int_equal(netstring_dec_feed(d, frame + k, 1), 0);
			if (k + 1 < n)
				assert_int_equal(netstring_dec_next(d, &p, &len), EAGAIN);
		}
		assert_int_equal(netstring_dec_next(d, &p, &len), 0);
		assert_int_equal(len, i);
		assert_memory_equal(p, payload, i);
		assert_int_equal(netstring_dec_pending(d), 0);
	}
	netstring_dec_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_null_args),    cmocka_unit_test(test_table),
	        cmocka_unit_test(test_sticky_error), cmocka_unit_test(test_feed_bound),
	        cmocka_unit_test(test_encode),       cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

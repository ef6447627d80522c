/*
 * test_wavtail: following a WAV file that grows in steps, the way baresip's sndfile writes
 * it: absent at first, then a partial header, then a 44-byte header with zero sizes, then
 * samples arriving a byte or a block at a time. Also: headers we must refuse, extra chunks,
 * a finished file with its data size set, truncation and rotation.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "loftdial/text.h"
#include "loftdial/wavtail.h"
#include "testlib.h"

static char dir[512];
static char path[600];

/* Writes a little-endian integer of `bytes` bytes into p. */
static void put_le(uint8_t *p, uint32_t v, int bytes)
{
	int i;

	for (i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A 44-byte header: fmt tag, channels, rate, bits; data_size (0 = still being written). */
static void header(uint8_t h[44], uint16_t tag, uint16_t ch, uint32_t rate, uint16_t bits,
                   uint32_t data_size)
{
	memcpy(h, "RIFF", 4);
	put_le(h + 4, data_size ? 36 + data_size : 0, 4);
	memcpy(h + 8, "WAVEfmt ", 8);
	put_le(h + 16, 16, 4);
	put_le(h + 20, tag, 2);
	put_le(h + 22, ch, 2);
	put_le(h + 24, rate, 4);
	put_le(h + 28, rate * ch * bits / 8, 4);
	put_le(h + 32, ch * bits / 8, 2);
	put_le(h + 34, bits, 2);
	memcpy(h + 36, "data", 4);
	put_le(h + 40, data_size, 4);
}

/* Appends bytes to the file at path (creating it). */
static void append(const char *p, const void *data, size_t len)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_APPEND, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* Reads what is new, expecting exactly `want` samples and no error. */
static void read_expect(struct wavtail *wt, int16_t *buf, size_t max, size_t want)
{
	size_t n = 99;

	assert_int_equal(wavtail_read(wt, buf, max, &n), 0);
	assert_int_equal(n, want);
}

static int setup(void **state)
{
	(void)state;
	if (tl_tmpdir(dir, sizeof(dir), "wavtail"))
		return -1;
	return text_printf(path, sizeof(path), "%s/dump-dec.wav", dir) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	return tl_rmrf(dir);
}

/* Removes the file between tests. */
static int fresh(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/* Bad arguments. */
static void test_args(void **state)
{
	struct wavtail *wt = NULL;
	char longpath[2000];
	int16_t buf[4];
	size_t n = 7;

	(void)state;
	assert_int_equal(wavtail_open(NULL, path), EINVAL);
	assert_int_equal(wavtail_open(&wt, NULL), EINVAL);
	assert_int_equal(wavtail_open(&wt, ""), EINVAL);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(wavtail_open(&wt, longpath), EINVAL);
	assert_null(wt);
	assert_int_equal(wavtail_read(NULL, buf, 4, &n), EINVAL);
	assert_int_equal(n, 0);
	assert_int_equal(wavtail_srate(NULL), 0);
	assert_int_equal(wavtail_samples(NULL), 0);
	assert_false(wavtail_ready(NULL));
	wavtail_close(NULL);

	assert_int_equal(wavtail_open(&wt, path), 0);
	assert_int_equal(wavtail_read(wt, NULL, 4, &n), EINVAL);
	assert_int_equal(wavtail_read(wt, buf, 4, NULL), EINVAL);
	wavtail_close(wt);
}

/* The file appears and grows the way a live recording does. */
static void test_grow(void **state)
{
	static const int16_t vals[] = {0, 1, -1, 32767, -32768, 1234, -4321};
	struct wavtail *wt = NULL;
	int16_t buf[1024], block[1000];
	uint8_t h[44], b[sizeof(vals)];
	size_t i;

	(void)state;
	assert_int_equal(wavtail_open(&wt, path), 0);
	/* Not there yet: nothing, no error, again and again. */
	read_expect(wt, buf, 1024, 0);
	read_expect(wt, buf, 1024, 0);
	assert_false(wavtail_ready(wt));

	/* Created empty, then half a header. */
	append(path, "", 0);
	read_expect(wt, buf, 1024, 0);
	header(h, 1, 1, 8000, 16, 0);
	append(path, h, 20);
	read_expect(wt, buf, 1024, 0);
	assert_false(wavtail_ready(wt));
	assert_int_equal(wavtail_srate(wt), 0);

	/* The rest of the header: ready, still no samples. */
	append(path, h + 20, 24);
	read_expect(wt, buf, 1024, 0);
	assert_true(wavtail_ready(wt));
	assert_int_equal(wavtail_srate(wt), 8000);

	/* Samples arrive, one byte at a time: a half sample is held back. */
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		put_le(b + 2 * i, (uint16_t)vals[i], 2);
	for (i = 0; i < sizeof(b); i++) {
		append(path, b + i, 1);
		read_expect(wt, buf, 1024, i % 2 ? 1 : 0);
		if (i % 2)
			assert_int_equal(buf[0], vals[i / 2]);
	}
	assert_int_equal(wavtail_samples(wt), 7);

	/* A block, read in pieces no larger than max. */
	for (i = 0; i < 1000; i++)
		block[i] = (int16_t)(i * 31 - 15000);
	for (i = 0; i < 1000; i++)
		put_le((uint8_t *)&block[i], (uint16_t)block[i], 2);
	append(path, block, sizeof(block));
	read_expect(wt, buf, 300, 300);
	assert_int_equal(buf[0], -15000);
	read_expect(wt, buf, 300, 300);
	read_expect(wt, buf, 300, 300);
	read_expect(wt, buf, 300, 100);
	assert_int_equal(buf[99], 999 * 31 - 15000);
	read_expect(wt, buf, 300, 0);
	assert_int_equal(wavtail_samples(wt), 1007);
	wavtail_close(wt);
}

/* Headers that are not 16-bit mono PCM are refused, and the refusal sticks. */
static void test_bad_headers(void **state)
{
	static const struct {
		const char *name;
		uint16_t tag, ch, bits;
		uint32_t rate;
		const char *magic; /* replaces "RIFF" when set */
	} rows[] = {
	        {"stereo", 1, 2, 16, 8000, NULL},      {"8-bit", 1, 1, 8, 8000, NULL},
	        {"A-law", 6, 1, 8, 8000, NULL},        {"float", 3, 1, 32, 8000, NULL},
	        {"zero rate", 1, 1, 16, 0, NULL},      {"big-endian RIFX", 1, 1, 16, 8000, "RIFX"},
	        {"not a WAV", 1, 1, 16, 8000, "GIF8"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct wavtail *wt = NULL;
		uint8_t h[44];
		int16_t buf[8];
		size_t n;

		unlink(path);
		header(h, rows[i].tag, rows[i].ch, rows[i].rate, rows[i].bits, 0);
		if (rows[i].magic)
			memcpy(h, rows[i].magic, 4);
		append(path, h, sizeof(h));
		append(path, "\1\2\3\4", 4);
		assert_int_equal(wavtail_open(&wt, path), 0);
		print_message("%s\n", rows[i].name);
		assert_int_equal(wavtail_read(wt, buf, 8, &n), EPROTO);
		assert_int_equal(n, 0);
		assert_int_equal(wavtail_read(wt, buf, 8, &n), EPROTO);
		assert_false(wavtail_ready(wt));
		wavtail_close(wt);
	}
}

/* Malformed chunk layouts: data before fmt, no data chunk within the header limit, a chunk
 * size that runs past any sane header, a directory at the path. */
static void test_bad_layouts(void **state)
{
	struct wavtail *wt = NULL;
	uint8_t h[44], big[5000];
	int16_t buf[8];
	size_t n;

	(void)state;
	memcpy(h, "RIFF\0\0\0\0WAVEdata\0\0\0\0", 20);
	append(path, h, 20);
	assert_int_equal(wavtail_open(&wt, path), 0);
	assert_int_equal(wavtail_read(wt, buf, 8, &n), EPROTO);
	wavtail_close(wt);

	unlink(path);
	header(h, 1, 1, 8000, 16, 0);
	memcpy(h + 36, "junk", 4);
	put_le(h + 40, 4000, 4);
	append(path, h, 44);
	memset(big, 0, sizeof(big));
	append(path, big, sizeof(big));
	assert_int_equal(wavtail_open(&wt, path), 0);
	assert_int_equal(wavtail_read(wt, buf, 8, &n), EPROTO);
	wavtail_close(wt);

	unlink(path);
	header(h, 1, 1, 8000, 16, 0);
	memcpy(h + 36, "junk", 4);
	put_le(h + 40, 0x7fffffff, 4);
	append(path, h, 44);
	assert_int_equal(wavtail_open(&wt, path), 0);
	assert_int_equal(wavtail_read(wt, buf, 8, &n), EPROTO);
	wavtail_close(wt);

	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(wavtail_open(&wt, path), 0);
	assert_int_equal(wavtail_read(wt, buf, 8, &n), EPROTO);
	wavtail_close(wt);
	rmdir(path);
}

/* Extra chunks before the data (odd-sized, padded) and a finished file whose data size is
 * set: the bytes after the data chunk are not samples. */
static void test_chunks_and_size(void **state)
{
	struct wavtail *wt = NULL;
	uint8_t h[44], list[8 + 5 + 1] = "LIST\5\0\0\0abcde", data[8], tail[6] = "id3tag";
	int16_t buf[16];

	(void)state;
	header(h, 1, 1, 16000, 16, 0);
	append(path, h, 36); /* RIFF, WAVE, fmt */
	append(path, list, sizeof(list));
	memcpy(data, "data", 4);
	put_le(data + 4, 6, 4); /* three samples */
	append(path, data, 8);
	append(path, "\1\0\2\0\3\0", 6);
	append(path, tail, sizeof(tail));
	assert_int_equal(wavtail_open(&wt, path), 0);
	read_expect(wt, buf, 16, 3);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[2], 3);
	read_expect(wt, buf, 16, 0);
	assert_int_equal(wavtail_srate(wt), 16000);
	wavtail_close(wt);
}

/* A file that shrinks, is replaced, or disappears is an error from then on. */
static void test_truncate_rotate(void **state)
{
	struct wavtail *wt = NULL;
	uint8_t h[44], zeros[200] = {0};
	char other[700];
	int16_t buf[256];
	size_t n;

	(void)state;
	header(h, 1, 1, 8000, 16, 0);
	append(path, h, sizeof(h));
	append(path, zeros, sizeof(zeros));
	assert_int_equal(wavtail_open(&wt, path), 0);
	read_expect(wt, buf, 256, 100);
	assert_int_equal(truncate(path, 44 + 20), 0);
	assert_int_equal(wavtail_read(wt, buf, 256, &n), ESTALE);
	assert_int_equal(wavtail_read(wt, buf, 256, &n), ESTALE);
	wavtail_close(wt);

	/* Rotated: another file renamed over the path. */
	unlink(path);
	append(path, h, sizeof(h));
	append(path, zeros, sizeof(zeros));
	assert_int_equal(wavtail_open(&wt, path), 0);
	read_expect(wt, buf, 256, 100);
	assert_int_equal(text_printf(other, sizeof(other), "%s.new", path), 0);
	append(other, h, sizeof(h));
	append(other, zeros, sizeof(zeros));
	assert_int_equal(rename(other, path), 0);
	assert_int_equal(wavtail_read(wt, buf, 256, &n), ESTALE);
	wavtail_close(wt);

	/* Removed. */
	assert_int_equal(wavtail_open(&wt, path), 0);
	read_expect(wt, buf, 256, 100);
	unlink(path);
	assert_int_equal(wavtail_read(wt, buf, 256, &n), ESTALE);
	wavtail_close(wt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup(test_args, fresh),
	        cmocka_unit_test_setup(test_grow, fresh),
	        cmocka_unit_test_setup(test_bad_headers, fresh),
	        cmocka_unit_test_setup(test_bad_layouts, fresh),
	        cmocka_unit_test_setup(test_chunks_and_size, fresh),
	        cmocka_unit_test_setup(test_truncate_rotate, fresh),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * test_vmrec: the message format check and writer (vmrec.h). Edge cases first: no path, no
 * file, not a WAV, the wrong rate, channels or width, not PCM, too short, a chunk that runs
 * past the end, audio before the format; then a written message reads back with its length,
 * and an unknown chunk before the audio is skipped.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "loftdial/vmrec.h"
#include "testlib.h"

static char dir[600];

/* Writes a WAV with these fmt fields and data bytes; extra: a chunk before fmt. */
static void wav(const char *path, unsigned fmt_tag, unsigned ch, unsigned rate, unsigned bits,
                unsigned data, bool extra, bool data_first)
{
	FILE *f = fopen(path, "wb");
	unsigned char fmt[24] = "fmt \x10\0\0\0";
	unsigned char hd[8] = "data";
	unsigned i;

	assert_non_null(f);
	fwrite("RIFF\0\0\0\0WAVE", 1, 12, f);
	if (extra)
		fwrite("LIST\x04\0\0\0abcd", 1, 12, f);
	fmt[8] = (unsigned char)fmt_tag;
	fmt[10] = (unsigned char)ch;
	for (i = 0; i < 4; i++) {
		fmt[12 + i] = (unsigned char)(rate >> (8 * i));
		fmt[16 + i] = (unsigned char)((rate * ch * bits / 8) >> (8 * i));
		hd[4 + i] = (unsigned char)(data >> (8 * i));
	}
	fmt[20] = (unsigned char)(ch * bits / 8);
	fmt[22] = (unsigned char)bits;
	if (data_first)
		fwrite(hd, 1, 8, f);
	fwrite(fmt, 1, 24, f);
	if (!data_first)
		fwrite(hd, 1, 8, f);
	for (i = 0; i < data; i++)
		fputc(0, f);
	fclose(f);
}

static void test_check_refusals(void **state)
{
	static const struct {
		unsigned tag, ch, rate, bits, data;
		bool extra, data_first;
		int err;
	} rows[] = {
	        {1, 2, 8000, 16, 3200, false, false, EPROTO}, /* stereo */
	        {1, 1, 16000, 16, 3200, false, false, EPROTO},
	        {1, 1, 8000, 8, 3200, false, false, EPROTO},
	        {3, 1, 8000, 16, 3200, false, false, EPROTO},  /* float */
	        {1, 1, 8000, 16, 1598, false, false, ENODATA}, /* 99 ms */
	        {1, 1, 8000, 16, 3200, false, true, EPROTO},   /* audio before the format */
	        {1, 1, 8000, 16, 1600, true, false, 0},        /* 100 ms, a LIST chunk first */
	};
	char path[700], why[256];
	unsigned ms = 7;
	size_t i;

	(void)state;
	assert_int_equal(vmrec_check(NULL, &ms, why, sizeof(why)), EINVAL);
	assert_int_equal(ms, 0);
	snprintf(path, sizeof(path), "%s/none.wav", dir);
	assert_int_equal(vmrec_check(path, NULL, why, sizeof(why)), ENOENT);
	assert_non_null(strstr(why, "cannot open"));
	snprintf(path, sizeof(path), "%s/text.wav", dir);
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs("hello, not a wav file at all", f);
		fclose(f);
	}
	assert_int_equal(vmrec_check(path, NULL, why, sizeof(why)), EPROTO);
	assert_string_equal(why, "not a WAV file");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(path, sizeof(path), "%s/r%zu.wav", dir, i);
		wav(path, rows[i].tag, rows[i].ch, rows[i].rate, rows[i].bits, rows[i].data,
		    rows[i].extra, rows[i].data_first);
		why[0] = '\0';
		print_message("row %zu\n", i);
		assert_int_equal(vmrec_check(path, &ms, why, sizeof(why)), rows[i].err);
		if (rows[i].err)
			assert_true(why[0] != '\0');
	}
	assert_int_equal(ms, 100);
	/* A chunk that claims more than the file has. */
	snprintf(path, sizeof(path), "%s/cut.wav", dir);
	{
		FILE *f = fopen(path, "wb");

		fwrite("RIFF\0\0\0\0WAVEjunk\xff\xff\xff\x7f", 1, 20, f);
		fclose(f);
	}
	assert_int_equal(vmrec_check(path, NULL, why, sizeof(why)), EPROTO);
}

/* Writes a good header whose data chunk claims `claim` bytes, then `have` bytes of audio. */
static void wav_claiming(const char *path, uint32_t claim, unsigned have)
{
	static const unsigned char fmt[24] = {'f',  'm',  't', ' ', 16,   0,    0, 0, 1, 0, 1,  0,
	                                      0x40, 0x1f, 0,   0,   0x80, 0x3e, 0, 0, 2, 0, 16, 0};
	unsigned char hd[8] = "data";
	FILE *f = fopen(path, "wb");
	unsigned i;

	assert_non_null(f);
	for (i = 0; i < 4; i++)
		hd[4 + i] = (unsigned char)(claim >> (8 * i));
	fwrite("RIFF\xff\xff\xff\xffWAVE", 1, 12, f);
	fwrite(fmt, 1, 24, f);
	fwrite(hd, 1, 8, f);
	for (i = 0; i < have; i++)
		fputc(0, f);
	fclose(f);
}

/* The length is what the file holds, not what its header claims: a cut file whose header
 * still says 1 s is too short, and a streamed WAV (0xffffffff) is as long as its audio. */
static void test_check_claims(void **state)
{
	static const struct {
		uint32_t claim;
		unsigned have, ms;
		int err;
	} rows[] = {
	        {16000, 800, 50, ENODATA}, /* says 1 s, holds 50 ms */
	        {16000, 0, 0, ENODATA},
	        {0xffffffffu, 16000, 1000, 0},
	        {0xffffffffu, 0, 0, ENODATA},
	        {3200, 16000, 200, 0}, /* says less than it holds: the header counts */
	};
	char path[700], why[256];
	unsigned ms;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(path, sizeof(path), "%s/claim%zu.wav", dir, i);
		wav_claiming(path, rows[i].claim, rows[i].have);
		ms = 7;
		print_message("claim row %zu\n", i);
		assert_int_equal(vmrec_check(path, &ms, why, sizeof(why)), rows[i].err);
		assert_int_equal(ms, rows[i].ms);
	}
}

static void test_write_reads_back(void **state)
{
	int16_t pcm[8000];
	char path[700], part[720], why[256] = "";
	unsigned ms = 0;
	size_t i;

	(void)state;
	for (i = 0; i < 8000; i++)
		pcm[i] = (int16_t)(i * 37);
	snprintf(path, sizeof(path), "%s/w.wav", dir);
	snprintf(part, sizeof(part), "%s.part", path);
	assert_int_equal(vmrec_write_wav(NULL, pcm, 1), EINVAL);
	assert_int_equal(vmrec_write_wav(path, NULL, 1), EINVAL);
	assert_int_equal(vmrec_write_wav(path, pcm, 8000), 0);
	assert_int_equal(access(part, F_OK), -1);
	assert_int_equal(vmrec_check(path, &ms, why, sizeof(why)), 0);
	assert_int_equal(ms, 1000);
	/* A folder that does not exist: an error, nothing left behind. */
	snprintf(path, sizeof(path), "%s/no/such/dir.wav", dir);
	assert_int_equal(vmrec_write_wav(path, pcm, 10), ENOENT);
}

static int setup(void **state)
{
	(void)state;
	return tl_tmpdir(dir, sizeof(dir), "vmrec");
}

static int teardown(void **state)
{
	(void)state;
	tl_rmrf(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_check_refusals),
	        cmocka_unit_test(test_check_claims),
	        cmocka_unit_test(test_write_reads_back),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

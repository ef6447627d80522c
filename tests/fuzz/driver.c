/*
 * A replay driver for libFuzzer targets, so every fuzz target also runs under ctest with gcc
 * (which has no libFuzzer): it feeds each file of a corpus folder, then a fixed number of
 * deterministic mutations of those files (byte flips, inserts, truncations, splices), to
 * LLVMFuzzerTestOneInput. Crashes and sanitizer reports fail the test; with clang the same
 * target links against -fsanitize=fuzzer for real fuzzing.
 * Usage: <target> CORPUS_DIR [ITERATIONS]
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT (256 * 1024)
#define MAX_SEEDS      256

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: deterministic, so a failure reproduces with the same iteration count. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static const char *const tokens[] = {"\n", "\x1b[",       "\x1b]0;", "\"",       "\\",   "{",
                                     "}",  "[",           "]",       ":",        ",",    "0",
                                     "-1", "99999999999", "\xff",    "\xc3\xa9", "null", "true",
                                     "#",  " ",           "\t",      "\r\n",     "%s%n", "\0"};

int main(int argc, char **argv)
{
	static uint8_t seeds[MAX_SEEDS][4096];
	static size_t seed_len[MAX_SEEDS];
	static uint8_t buf[FUZZ_MAX_INPUT];
	size_t nseeds = 0, i;
	long iters = argc > 2 ? atol(argv[2]) : 10000;
	DIR *d = argc > 1 ? opendir(argv[1]) : NULL;
	struct dirent *e;

	if (d) {
		while ((e = readdir(d)) != NULL && nseeds < MAX_SEEDS) {
			char path[4096];
			FILE *f;
			size_t n;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[1], e->d_name);
			f = fopen(path, "rb");
			if (!f)
				continue;
			n = fread(buf, 1, sizeof(buf), f);
			fclose(f);
			LLVMFuzzerTestOneInput(buf, n);
			memcpy(seeds[nseeds], buf, n < 4096 ? n : 4096);
			seed_len[nseeds++] = n < 4096 ? n : 4096;
		}
		closedir(d);
	}
	if (nseeds == 0) {
		seed_len[0] = 0;
		nseeds = 1;
	}
	for (i = 0; i < (size_t)iters; i++) {
		size_t s = rnd() % nseeds, len = seed_len[s], k, nmut = 1 + rnd() % 8;

		memcpy(buf, seeds[s], len);
		for (k = 0; k < nmut; k++) {
			size_t pos = len ? rnd() % (len + 1) : 0;

			switch (rnd() % 5) {
			case 0: /* flip a byte */
				if (len)
					buf[pos % len] ^= (uint8_t)(1u << (rnd() % 8));
				break;
			case 1: /* random byte */
				if (len)
					buf[pos % len] = (uint8_t)rnd();
				break;
			case 2: { /* insert a token */
				const char *t =
				        tokens[rnd() % (sizeof(tokens) / sizeof(tokens[0]))];
				size_t tl = strlen(t) ? strlen(t) : 1;

				if (len + tl < sizeof(buf)) {
					memmove(buf + pos + tl, buf + pos, len - pos);
					memcpy(buf + pos, t, tl);
					len += tl;
				}
				break;
			}
			case 3: /* truncate */
				len = pos;
				break;
			default: { /* splice another seed's tail */
				size_t o = rnd() % nseeds,
				       from = seed_len[o] ? rnd() % seed_len[o] : 0;
				size_t add = seed_len[o] - from;

				if (pos + add < sizeof(buf)) {
					memcpy(buf + pos, seeds[o] + from, add);
					len = pos + add;
				}
				break;
			}
			}
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("fuzz: %zu seeds, %ld mutations: no crash\n", nseeds, iters);
	return 0;
}

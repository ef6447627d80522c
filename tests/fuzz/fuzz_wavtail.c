/*
 * Fuzz target: wavtail reads files another program writes. Whatever a file holds, and however
 * it grows, reading must not crash or overrun, must never return more samples than the file
 * has bytes for, and an error must stick. The input is written in two steps (first half, then
 * the rest) to exercise partial headers and half samples.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loftdial/wavtail.h"

/* Reads until nothing new; returns the samples read, aborts on a broken promise. */
static size_t drain(struct wavtail *wt, size_t limit)
{
	int16_t buf[97];
	size_t total = 0, n;
	int err;

	for (;;) {
		err = wavtail_read(wt, buf, sizeof(buf) / sizeof(buf[0]), &n);
		if (n > sizeof(buf) / sizeof(buf[0]))
			abort();
		if (err) {
			if (n || wavtail_read(wt, buf, 4, &n) != err)
				abort();
			return total;
		}
		if (!n)
			return total;
		total += n;
		if (total > limit)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct wavtail *wt = NULL;
	size_t half = size / 2;
	int fd;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/fuzz_wavtail.%d.wav", (int)getpid());
	unlink(path);
	if (wavtail_open(&wt, path))
		abort();
	drain(wt, 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 0;
	if (write(fd, data, half) != (ssize_t)half)
		abort();
	drain(wt, half / 2);
	if (write(fd, data + half, size - half) != (ssize_t)(size - half))
		abort();
	close(fd);
	drain(wt, size / 2);
	wavtail_close(wt);
	unlink(path);
	return 0;
}

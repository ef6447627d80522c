/*
 * Fuzz target: the WAV header check every message goes through before the engine plays it
 * (vmrec_check: dial.voicemail_file and dial.ident_file as the rep gives them, recorded and
 * spoken messages in the data folder). Whatever the file holds, the check must not crash or
 * read past it, must say what is wrong in one printable line when it refuses, and a length it
 * gives never exceeds what the file's bytes can hold at 8 kHz 16-bit (a header that claims
 * more counts only what is there); a file it takes holds at least 100 ms.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "loftdial/vmrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The file lives in memory (a memfd named by its /proc path): no disk write per input. */
	static char path[64];
	static int fd = -1;
	char why[256];
	unsigned ms = 12345;
	size_t i;
	int err;

	if (fd < 0) {
		fd = memfd_create("fuzz_vmrec", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	memset(why, 'x', sizeof(why));
	why[0] = '\0';
	err = vmrec_check(path, &ms, why, sizeof(why));
	if (!memchr(why, '\0', sizeof(why)))
		abort();
	for (i = 0; why[i]; i++)
		if ((unsigned char)why[i] < 0x20 || why[i] == 0x7f)
			abort();
	if (err != 0 && err != EPROTO && err != ENODATA)
		abort();
	if (err && !why[0])
		abort();
	/* The audio is after at least the 12-byte RIFF header, a format and a data chunk. */
	if ((uint64_t)ms * 16 > (size > 44 ? size - 44 : 0) + 15)
		abort();
	if (err == 0 && ms < 100)
		abort();
	return 0;
}

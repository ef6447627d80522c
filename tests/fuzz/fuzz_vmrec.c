/*
 * Fuzz target: the WAV header check every message goes through before the engine plays it
 * (vmrec_check: dial.voicemail_file and dial.ident_file as the rep gives them, recorded and
 * spoken messages in the data folder). Whatever the file holds, the check must not crash or
 * read past it, must say what is wrong in one printable line when it refuses, and a length it
 * gives never exceeds what the file's bytes can hold at 8 kHz 16-bit (a header that claims
 * more counts only what is there); a file it takes holds at least 100 ms.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loftdial/vmrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	char why[256];
	unsigned ms = 12345;
	size_t i;
	FILE *f;
	int err;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/fuzz_vmrec.%d.wav", (int)getpid());
	f = fopen(path, "wb");
	if (!f)
		return 0;
	if (fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
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
	unlink(path);
	return 0;
}

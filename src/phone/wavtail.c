/*
 * wavtail: follows a growing 16-bit mono PCM WAV file and hands out its new samples.
 *
 * The header is parsed once the file holds all of it, chunk by chunk (RIFF, WAVE, "fmt ",
 * then anything up to "data"), so a 44-byte header like baresip's and one with extra chunks
 * both work. A data size of 0 in the header means "still being written" (librem's writer,
 * which baresip uses, fills the sizes in only when it closes the file): the data then runs to
 * the end of the file, whatever that is at each read. A non-zero size bounds the data.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loftdial/text.h"
#include "loftdial/wavtail.h"

#define HEADER_MAX   4096 /* the data chunk must start within this many bytes */
#define PATH_MAX_LEN 1024

struct wavtail {
	char path[PATH_MAX_LEN];
	int fd;
	dev_t dev;
	ino_t ino;
	bool ready;         /* header accepted */
	uint64_t data_off;  /* file offset of the first sample */
	uint64_t data_size; /* bytes of data per the header; 0 = growing */
	uint64_t pos;       /* data bytes consumed */
	unsigned srate;
	int err; /* sticky error */
};

/* Starts following path. */
int wavtail_open(struct wavtail **wtp, const char *path)
{
	struct wavtail *wt;

	if (!wtp || !path || !*path)
		return EINVAL;
	wt = calloc(1, sizeof(*wt));
	if (!wt)
		return ENOMEM;
	if (text_copy(wt->path, sizeof(wt->path), path)) {
		free(wt);
		return EINVAL;
	}
	wt->fd = -1;
	*wtp = wt;
	return 0;
}

/* Closes the file and frees the follower. */
void wavtail_close(struct wavtail *wt)
{
	if (!wt)
		return;
	if (wt->fd >= 0)
		close(wt->fd);
	free(wt);
}

/* Little-endian readers over a byte buffer. */
static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Checks a "fmt " chunk body: PCM (or extensible PCM), one channel, 16 bits. */
static int fmt_check(struct wavtail *wt, const uint8_t *p, uint32_t size)
{
	uint16_t tag, channels, bits;
	uint32_t srate;

	if (size < 16)
		return EPROTO;
	tag = le16(p);
	channels = le16(p + 2);
	srate = le32(p + 4);
	bits = le16(p + 14);
	if (tag == 0xFFFE) {
		/* WAVE_FORMAT_EXTENSIBLE: the sub-format GUID starts with the real tag. */
		if (size < 40 || le16(p + 24) != 1)
			return EPROTO;
	} else if (tag != 1) {
		return EPROTO;
	}
	if (channels != 1 || bits != 16 || srate < 1000 || srate > 192000)
		return EPROTO;
	wt->srate = srate;
	return 0;
}

/* Parses the header from the first len bytes of the file. 0 when accepted, EAGAIN when more
 * bytes are needed, EPROTO when it is not a file we can read. */
static int header_parse(struct wavtail *wt, const uint8_t *p, size_t len)
{
	size_t off = 12;
	bool have_fmt = false;

	if (len < 12)
		return len >= 4 && memcmp(p, "RIFF", 4) ? EPROTO : EAGAIN;
	if (memcmp(p, "RIFF", 4) || memcmp(p + 8, "WAVE", 4))
		return EPROTO;
	for (;;) {
		uint32_t size;

		if (off + 8 > len)
			return len >= HEADER_MAX ? EPROTO : EAGAIN;
		size = le32(p + off + 4);
		if (!memcmp(p + off, "data", 4)) {
			if (!have_fmt)
				return EPROTO;
			wt->data_off = off + 8;
			wt->data_size = size;
			return 0;
		}
		if (size > HEADER_MAX)
			return EPROTO;
		if (off + 8 + size > len)
			return len >= HEADER_MAX ? EPROTO : EAGAIN;
		if (!memcmp(p + off, "fmt ", 4)) {
			int err = fmt_check(wt, p + off + 8, size);

			if (err)
				return err;
			have_fmt = true;
		}
		off += 8 + size + (size & 1); /* chunks are padded to even sizes */
	}
}

/* Opens the file once it exists; 0 with fd still -1 when it does not exist yet. */
static int file_open(struct wavtail *wt)
{
	struct stat st;

	wt->fd = open(wt->path, O_RDONLY | O_CLOEXEC);
	if (wt->fd < 0)
		return errno == ENOENT ? 0 : errno;
	if (fstat(wt->fd, &st))
		return errno;
	if (!S_ISREG(st.st_mode))
		return EPROTO;
	wt->dev = st.st_dev;
	wt->ino = st.st_ino;
	return 0;
}

/* ESTALE when the path now names another file (or none), else 0. */
static int rotation_check(const struct wavtail *wt)
{
	struct stat st;

	if (stat(wt->path, &st))
		return errno == ENOENT ? ESTALE : errno;
	if (st.st_dev != wt->dev || st.st_ino != wt->ino)
		return ESTALE;
	return 0;
}

/* Reads the header when the file holds all of it. */
static int header_try(struct wavtail *wt)
{
	uint8_t hdr[HEADER_MAX];
	ssize_t got;
	int err;

	got = pread(wt->fd, hdr, sizeof(hdr), 0);
	if (got < 0)
		return errno;
	err = header_parse(wt, hdr, (size_t)got);
	if (err == EAGAIN)
		return 0;
	if (err)
		return err;
	wt->ready = true;
	return 0;
}

/* Reads the new whole samples; see wavtail.h. */
static int read_samples(struct wavtail *wt, int16_t *buf, size_t max, size_t *n)
{
	struct stat st;
	uint64_t avail;
	uint8_t *bytes = (uint8_t *)buf;
	size_t want, i, got_samples;
	ssize_t got;

	if (fstat(wt->fd, &st))
		return errno;
	if ((uint64_t)st.st_size < wt->data_off + wt->pos)
		return ESTALE;
	avail = (uint64_t)st.st_size - wt->data_off - wt->pos;
	if (wt->data_size && wt->pos + avail > wt->data_size)
		avail = wt->data_size > wt->pos ? wt->data_size - wt->pos : 0;
	want = avail / 2 < max ? (size_t)(avail / 2) : max;
	if (!want)
		return 0;
	got = pread(wt->fd, bytes, want * 2, (off_t)(wt->data_off + wt->pos));
	if (got < 0)
		return errno;
	got_samples = (size_t)got / 2;
	/* Decode in place: sample i only reads bytes 2i and 2i+1, which it then overwrites. */
	for (i = 0; i < got_samples; i++)
		buf[i] = (int16_t)le16(bytes + 2 * i);
	wt->pos += got_samples * 2;
	*n = got_samples;
	return 0;
}

/* Reads up to max new samples. */
int wavtail_read(struct wavtail *wt, int16_t *buf, size_t max, size_t *n)
{
	int err;

	if (n)
		*n = 0;
	if (!wt || !buf || !n)
		return EINVAL;
	if (wt->err)
		return wt->err;
	if (wt->fd < 0) {
		err = file_open(wt);
		if (err || wt->fd < 0)
			goto out;
	} else {
		err = rotation_check(wt);
		if (err)
			goto out;
	}
	if (!wt->ready) {
		err = header_try(wt);
		if (err || !wt->ready)
			goto out;
	}
	err = read_samples(wt, buf, max, n);
out:
	if (err)
		wt->err = err;
	return err;
}

/* The header's sample rate. */
unsigned wavtail_srate(const struct wavtail *wt)
{
	return wt && wt->ready ? wt->srate : 0;
}

/* Samples handed out so far. */
uint64_t wavtail_samples(const struct wavtail *wt)
{
	return wt ? wt->pos / 2 : 0;
}

/* True once the header was accepted. */
int wavtail_ready(const struct wavtail *wt)
{
	return wt && wt->ready;
}

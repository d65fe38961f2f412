/** @file media/wav.c  RIFF/WAVE reader: 16-bit PCM, u-law or A-law, mono
 *  or stereo, 8..48 kHz, into an 8 kHz mono clip
 *
 * The chunk walk is strict about what it reads and lenient about what it
 * skips: chunks may come in any order (fmt usually precedes data), unknown
 * chunks are skipped, a RIFF size smaller than the file ends the walk
 * early (trailing bytes ignored), a data size of 0xFFFFFFFF (a writer
 * that could not seek back) means "to the end". Every other chunk that
 * claims more bytes than the file holds is EPROTO (truncated).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <re.h>
#include <hotline/audio.h>

enum {
	WAV_CHUNKS_MAX = 64,      /* more chunks than this is not audio */
	TAG_PCM  = 0x0001,
	TAG_ALAW = 0x0006,
	TAG_ULAW = 0x0007,
	TAG_EXT  = 0xfffe,        /* WAVE_FORMAT_EXTENSIBLE: tag in a GUID */
};

struct wav_fmt {
	uint16_t tag;
	uint16_t channels;
	uint32_t rate;
	uint16_t block_align;
	uint16_t bits;
};

struct wav {
	struct wav_fmt fmt;
	const uint8_t *data;      /* borrowed: inside the parsed buffer */
	size_t datalen;
	bool has_fmt, has_data;
};

/* The GUID tail shared by KSDATAFORMAT_SUBTYPE_PCM and friends */
static const uint8_t ext_guid_tail[14] = {
	0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00,
	0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71
};


static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}


static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		(uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}


/* The "fmt " chunk body: EPROTO inconsistent, ENOTSUP unsupported */
static int fmt_parse(struct wav_fmt *f, const uint8_t *p, size_t n)
{
	if (n < 16)
		return EPROTO;

	f->tag = rd16(p);
	f->channels = rd16(p + 2);
	f->rate = rd32(p + 4);
	f->block_align = rd16(p + 12);
	f->bits = rd16(p + 14);

	if (f->tag == TAG_EXT) {
		if (n < 40 || rd16(p + 16) < 22)
			return EPROTO;
		if (memcmp(p + 26, ext_guid_tail, sizeof(ext_guid_tail)))
			return ENOTSUP;
		f->tag = rd16(p + 24);
	}

	if (!f->channels || !f->rate || !f->bits ||
	    f->block_align != f->channels * ((f->bits + 7u) / 8))
		return EPROTO;

	if (!(f->tag == TAG_PCM && f->bits == 16) &&
	    !((f->tag == TAG_ULAW || f->tag == TAG_ALAW) && f->bits == 8))
		return ENOTSUP;

	if (f->channels > 2 || f->rate < 8000 || f->rate > 48000)
		return ENOTSUP;

	return 0;
}


/* One chunk at body (size bytes claimed, avail present) */
static int chunk_take(struct wav *w, const uint8_t *id, const uint8_t *body,
		      uint64_t size, uint64_t avail)
{
	if (!memcmp(id, "data", 4)) {
		if (w->has_data)
			return EPROTO;
		if (size == 0xffffffffu)
			size = avail;
		if (size > avail)
			return EPROTO;
		w->data = body;
		w->datalen = (size_t)size;
		w->has_data = true;
		return 0;
	}

	if (size > avail)
		return EPROTO;

	if (!memcmp(id, "fmt ", 4)) {
		if (w->has_fmt)
			return EPROTO;
		w->has_fmt = true;
		return fmt_parse(&w->fmt, body, (size_t)size);
	}

	return 0;
}


static int chunks_walk(struct wav *w, const uint8_t *buf, size_t len)
{
	uint64_t end = len, pos = 12, riff;
	int err;

	if (len < 12 || memcmp(buf, "RIFF", 4) || memcmp(buf + 8, "WAVE", 4))
		return EPROTO;

	riff = rd32(buf + 4);
	if (riff >= 4 && riff + 8 < end)
		end = riff + 8;

	for (unsigned i = 0; pos + 8 <= end; i++) {
		uint64_t size = rd32(buf + pos + 4);

		if (i == WAV_CHUNKS_MAX)
			return EPROTO;

		err = chunk_take(w, buf + pos, buf + pos + 8, size,
				 end - pos - 8);
		if (err)
			return err;

		if (w->has_data && w->data == buf + pos + 8)
			size = w->datalen;
		pos += 8 + size + (size & 1);
	}

	return w->has_fmt && w->has_data ? 0 : EPROTO;
}


static int16_t sample_at(const struct wav_fmt *f, const uint8_t *p)
{
	switch (f->tag) {

	case TAG_ULAW:
		return audio_ulaw_decode(*p);

	case TAG_ALAW:
		return audio_alaw_decode(*p);

	default:
		return (int16_t)rd16(p);
	}
}


/* Frames of data as mono samples in v (frames long) */
static void frames_decode(const struct wav *w, int16_t *v, size_t frames)
{
	const struct wav_fmt *f = &w->fmt;
	const size_t width = f->bits / 8u;

	for (size_t i = 0; i < frames; i++) {
		const uint8_t *p = w->data + i * f->block_align;
		int s = sample_at(f, p);

		if (f->channels == 2)
			s = (s + sample_at(f, p + width)) / 2;

		v[i] = (int16_t)s;
	}
}


/**
 * Parse a RIFF/WAVE file in memory into a new 8 kHz mono clip: stereo is
 * averaged, other rates are resampled (media/audio.c), a partial last
 * frame is ignored. Logs nothing: the caller reports the error where it
 * knows the context (audio_wav_strerror gives the reason).
 *
 * @param cp   Set to the new clip on success
 * @param buf  The file's bytes (not kept)
 * @param len  Their number
 *
 * @return 0; EINVAL; EPROTO malformed (not RIFF/WAVE, truncated chunk,
 *         more than 64 chunks, duplicate or inconsistent fmt, no fmt or
 *         data, not one output sample); ENOTSUP (codec other than 16-bit PCM,
 *         u-law, A-law; more than 2 channels; rate outside 8000..48000);
 *         EFBIG (len over AUDIO_WAV_FILE_MAX, or longer than
 *         AUDIO_CLIP_MAX_S); ENOMEM
 */
int audio_wav_parse(struct audio_clip **cp, const uint8_t *buf, size_t len)
{
	struct wav w;
	struct audio_clip *c = NULL;
	int16_t *tmp = NULL;
	size_t frames;
	int err;

	if (!cp || (!buf && len))
		return EINVAL;

	if (len > AUDIO_WAV_FILE_MAX)
		return EFBIG;

	memset(&w, 0, sizeof(w));
	err = chunks_walk(&w, buf, len);
	if (err)
		return err;

	/* no sample left after resampling counts as no data */
	frames = w.datalen / w.fmt.block_align;
	if ((uint64_t)frames * AUDIO_RATE / w.fmt.rate == 0)
		return EPROTO;

	if ((uint64_t)frames * AUDIO_RATE / w.fmt.rate >
	    (uint64_t)AUDIO_CLIP_MAX_S * AUDIO_RATE)
		return EFBIG;

	if (w.fmt.rate == AUDIO_RATE) {
		err = audio_clip_alloc(&c, frames);
		if (err)
			return err;
		frames_decode(&w, c->samplev, frames);
		*cp = c;
		return 0;
	}

	tmp = mem_alloc(frames * sizeof(*tmp), NULL);
	if (!tmp)
		return ENOMEM;

	frames_decode(&w, tmp, frames);
	err = audio_clip_from_pcm(cp, tmp, frames, w.fmt.rate);
	mem_deref(tmp);

	return err;
}


/* The whole of a regular file of at most AUDIO_WAV_FILE_MAX bytes */
static int file_read(uint8_t **bufp, size_t *lenp, int fd)
{
	struct stat st;
	uint8_t *buf;
	size_t len, got = 0;

	if (fstat(fd, &st) < 0)
		return errno;
	if (!S_ISREG(st.st_mode))
		return EISDIR;
	if (st.st_size > (off_t)AUDIO_WAV_FILE_MAX)
		return EFBIG;

	len = (size_t)st.st_size;
	buf = mem_alloc(len ? len : 1, NULL);
	if (!buf)
		return ENOMEM;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : EIO;   /* shrank meanwhile */

			mem_deref(buf);
			return err;
		}
		got += (size_t)n;
	}

	*bufp = buf;
	*lenp = len;
	return 0;
}


/**
 * Read a WAV file and parse it (audio_wav_parse).
 *
 * @param cp    Set to the new clip on success
 * @param path  File name
 *
 * @return 0; EINVAL; ENOENT, EACCES or another open/read errno; EISDIR
 *         (not a regular file); EFBIG (over AUDIO_WAV_FILE_MAX bytes);
 *         the audio_wav_parse errors
 */
int audio_wav_load(struct audio_clip **cp, const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd, err;

	if (!cp || !path || !*path)
		return EINVAL;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;

	err = file_read(&buf, &len, fd);
	(void)close(fd);
	if (err)
		return err;

	err = audio_wav_parse(cp, buf, len);
	mem_deref(buf);

	return err;
}


/** Why a WAV could not be used, for a log line (static text). */
const char *audio_wav_strerror(int err)
{
	switch (err) {

	case 0:
		return "ok";

	case EPROTO:
		return "not a valid WAV file (malformed or truncated"
			" RIFF/WAVE chunks, or no audio data)";

	case ENOTSUP:
		return "unsupported WAV format (need 16-bit PCM, u-law or"
			" A-law; mono or stereo; 8000..48000 Hz)";

	case EFBIG:
		return "WAV file too large (max 32 MiB and 600 s)";

	case EISDIR:
		return "not a regular file";

	default:
		return strerror(err);
	}
}

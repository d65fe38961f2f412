/** @file test/fuzz/wav.c  WAV reader: no crash, no leak, a sane clip or a
 *  documented error, also for the input cut by one byte */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <re.h>
#include <hotline/audio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static size_t parse(const uint8_t *data, size_t size)
{
	struct audio_clip *c = NULL;
	size_t n;
	int err;

	err = audio_wav_parse(&c, data, size);
	CHECK(err == 0 || err == EPROTO || err == ENOTSUP || err == EFBIG ||
	      err == ENOMEM);
	if (err) {
		CHECK(c == NULL);
		return 0;
	}

	/* at most one output sample per input byte (u-law 8 kHz mono) */
	CHECK(c != NULL && c->samplec > 0 && c->samplec <= size);
	CHECK(c->samplec <= (size_t)AUDIO_CLIP_MAX_S * AUDIO_RATE);
	n = c->samplec;
	mem_deref(c);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t whole = parse(data, size);

	/* the same file cut short takes the truncation paths */
	if (whole && size > 1)
		(void)parse(data, size - 1);

	return 0;
}

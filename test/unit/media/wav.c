/** @file test/unit/media/wav.c  WAV reader: formats, rates, chunk walk,
 *  malformed and oversized input, files */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <re.h>
#include <hotline/audio.h>

/* A WAV under construction */
struct wb {
	uint8_t *buf;
	size_t len, cap;
};

static void wb_put(struct wb *w, const void *p, size_t n)
{
	if (w->len + n > w->cap) {
		w->cap = (w->len + n) * 2;
		w->buf = realloc(w->buf, w->cap);
		assert_non_null(w->buf);
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void wb_u16(struct wb *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

	wb_put(w, b, 2);
}

static void wb_u32(struct wb *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			(uint8_t)(v >> 24)};

	wb_put(w, b, 4);
}

/* A chunk; odd sizes get their pad byte */
static void wb_chunk(struct wb *w, const char *id, const void *p,
		     uint32_t n)
{
	wb_put(w, id, 4);
	wb_u32(w, n);
	wb_put(w, p, n);
	if (n & 1)
		wb_put(w, "", 1);
}

static void wb_riff(struct wb *w)
{
	memset(w, 0, sizeof(*w));
	wb_put(w, "RIFF", 4);
	wb_u32(w, 0);            /* patched by wb_done */
	wb_put(w, "WAVE", 4);
}

static void wb_done(struct wb *w)
{
	uint32_t n = (uint32_t)w->len - 8;

	memcpy(w->buf + 4, &(uint8_t[4]){(uint8_t)n, (uint8_t)(n >> 8),
		(uint8_t)(n >> 16), (uint8_t)(n >> 24)}, 4);
}

static void wb_fmt(struct wb *w, uint16_t tag, uint16_t ch, uint32_t rate,
		   uint16_t bits)
{
	struct wb f = {0};
	uint16_t align = (uint16_t)(ch * ((bits + 7) / 8));

	wb_u16(&f, tag);
	wb_u16(&f, ch);
	wb_u32(&f, rate);
	wb_u32(&f, rate * align);
	wb_u16(&f, align);
	wb_u16(&f, bits);
	wb_chunk(w, "fmt ", f.buf, (uint32_t)f.len);
	free(f.buf);
}

/* A whole file: fmt then data */
static struct wb wav_make(uint16_t tag, uint16_t ch, uint32_t rate,
			  uint16_t bits, const void *data, uint32_t n)
{
	struct wb w;

	wb_riff(&w);
	wb_fmt(&w, tag, ch, rate, bits);
	wb_chunk(&w, "data", data, n);
	wb_done(&w);
	return w;
}

static int parse(const struct wb *w, struct audio_clip **cp)
{
	return audio_wav_parse(cp, w->buf, w->len);
}

static void expect_err(struct wb w, int err)
{
	struct audio_clip *c = NULL;

	assert_int_equal(parse(&w, &c), err);
	assert_null(c);
	free(w.buf);
}

static void test_pcm16_8k_mono(void **state)
{
	int16_t pcm[321];
	struct audio_clip *c = NULL;
	struct wb w;

	(void)state;
	for (size_t i = 0; i < 321; i++)
		pcm[i] = (int16_t)(i * 97 - 16000);
	pcm[0] = INT16_MIN;
	pcm[1] = INT16_MAX;

	w = wav_make(1, 1, 8000, 16, pcm, sizeof(pcm));
	assert_int_equal(parse(&w, &c), 0);
	assert_int_equal(c->samplec, 321);
	assert_memory_equal(c->samplev, pcm, sizeof(pcm));
	mem_deref(c);

	/* a partial frame at the end is ignored */
	free(w.buf);
	w = wav_make(1, 1, 8000, 16, pcm, sizeof(pcm) - 1);
	assert_int_equal(parse(&w, &c), 0);
	assert_int_equal(c->samplec, 320);
	mem_deref(c);
	free(w.buf);
}

static void test_resampled(void **state)
{
	static const struct {
		uint32_t rate;
		size_t n, want;
	} tv[] = {
		{16000, 16000, 8000},
		{16000, 3201, 1600},
		{11025, 11025, 8000},
		{22050, 2205, 800},
		{44100, 44100, 8000},
		{48000, 4800, 800},
	};
	struct audio_clip *c = NULL;

	(void)state;
	for (size_t t = 0; t < sizeof(tv) / sizeof(tv[0]); t++) {
		int16_t *pcm = calloc(tv[t].n, sizeof(*pcm));
		struct wb w;
		double acc = 0;

		for (size_t i = 0; i < tv[t].n; i++)
			pcm[i] = (int16_t)lrint(9000 * sin(2 * M_PI * 500.0 *
						(double)i / tv[t].rate));
		w = wav_make(1, 1, tv[t].rate, 16, pcm,
			     (uint32_t)(tv[t].n * 2));
		assert_int_equal(parse(&w, &c), 0);
		assert_int_equal(c->samplec, tv[t].want);

		/* the 500 Hz tone survives: RMS 9000/sqrt(2) */
		for (size_t i = 100; i < c->samplec - 100; i++)
			acc += (double)c->samplev[i] * c->samplev[i];
		acc = sqrt(acc / (double)(c->samplec - 200));
		assert_true(fabs(acc - 9000 / sqrt(2)) < 200);

		c = mem_deref(c);
		free(w.buf);
		free(pcm);
	}
}

static void test_stereo_downmix(void **state)
{
	int16_t pcm[2 * 480];
	uint8_t law[2 * 80];
	struct audio_clip *c = NULL;
	struct wb w;

	(void)state;

	/* 48 kHz stereo: L and R averaged, then resampled */
	for (size_t i = 0; i < 480; i++) {
		pcm[2 * i] = 1000;
		pcm[2 * i + 1] = 3001;
	}
	w = wav_make(1, 2, 48000, 16, pcm, sizeof(pcm));
	assert_int_equal(parse(&w, &c), 0);
	assert_int_equal(c->samplec, 80);
	for (size_t i = 0; i < c->samplec; i++)
		assert_int_equal(c->samplev[i], 2000);
	c = mem_deref(c);
	free(w.buf);

	/* opposite channels cancel */
	for (size_t i = 0; i < 480; i++) {
		pcm[2 * i] = (int16_t)(i * 50);
		pcm[2 * i + 1] = (int16_t)-(i * 50);
	}
	w = wav_make(1, 2, 8000, 16, pcm, sizeof(pcm));
	assert_int_equal(parse(&w, &c), 0);
	assert_int_equal(c->samplec, 480);
	for (size_t i = 0; i < c->samplec; i++)
		assert_int_equal(c->samplev[i], 0);
	c = mem_deref(c);
	free(w.buf);

	/* stereo u-law */
	for (size_t i = 0; i < 80; i++) {
		law[2 * i] = audio_ulaw_encode(4000);
		law[2 * i + 1] = audio_ulaw_encode(-2000);
	}
	w = wav_make(7, 2, 8000, 8, law, sizeof(law));
	assert_int_equal(parse(&w, &c), 0);
	assert_int_equal(c->samplec, 80);
	assert_int_equal(c->samplev[5],
			 (audio_ulaw_decode(law[0]) +
			  audio_ulaw_decode(law[1])) / 2);
	c = mem_deref(c);
	free(w.buf);
}

static void test_g711(void **state)
{
	uint8_t law[256];
	struct audio_clip *c = NULL;
	struct wb w;

	(void)state;
	for (size_t i = 0; i < 256; i++)
		law[i] = (uint8_t)i;

	w = wav_make(7, 1, 8000, 8, law, sizeof(law));
	assert_int_equal(parse(&w, &c), 0);
	assert_int_equal(c->samplec, 256);
	for (size_t i = 0; i < 256; i++)
		assert_int_equal(c->samplev[i], audio_ulaw_decode(law[i]));
	c = mem_deref(c);
	free(w.buf);

	w = wav_make(6, 1, 8000, 8, law, sizeof(law));
	assert_int_equal(parse(&w, &c), 0);
	assert_int_equal(c->samplec, 256);
	for (size_t i = 0; i < 256; i++)
		assert_int_equal(c->samplev[i], audio_alaw_decode(law[i]));
	c = mem_deref(c);
	free(w.buf);

	/* 16 kHz A-law is resampled too */
	w = wav_make(6, 1, 16000, 8, law, sizeof(law));
	assert_int_equal(parse(&w, &c), 0);
	assert_int_equal(c->samplec, 128);
	c = mem_deref(c);
	free(w.buf);
}

/* WAVE_FORMAT_EXTENSIBLE with the PCM sub-format GUID */
static void test_extensible(void **state)
{
	static const uint8_t guid_tail[14] = {
		0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00,
		0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71};
	int16_t pcm[4] = {1, -2, 3, -4};
	struct audio_clip *c = NULL;
	struct wb w, f = {0};

	(void)state;
	wb_u16(&f, 0xfffe);
	wb_u16(&f, 1);
	wb_u32(&f, 8000);
	wb_u32(&f, 16000);
	wb_u16(&f, 2);
	wb_u16(&f, 16);
	wb_u16(&f, 22);           /* cbSize */
	wb_u16(&f, 16);           /* valid bits */
	wb_u32(&f, 4);            /* channel mask */
	wb_u16(&f, 1);            /* sub-format: PCM */
	wb_put(&f, guid_tail, sizeof(guid_tail));

	wb_riff(&w);
	wb_chunk(&w, "fmt ", f.buf, (uint32_t)f.len);
	wb_chunk(&w, "data", pcm, sizeof(pcm));
	wb_done(&w);
	assert_int_equal(parse(&w, &c), 0);
	assert_int_equal(c->samplec, 4);
	assert_memory_equal(c->samplev, pcm, sizeof(pcm));
	c = mem_deref(c);

	/* another GUID family: unsupported */
	w.buf[12 + 8 + 24 + 4] ^= 0xff;
	assert_int_equal(parse(&w, &c), ENOTSUP);
	free(w.buf);

	/* too short for the extension */
	wb_riff(&w);
	wb_chunk(&w, "fmt ", f.buf, 24);
	wb_chunk(&w, "data", pcm, sizeof(pcm));
	wb_done(&w);
	expect_err(w, EPROTO);
	free(f.buf);
}

/* Chunk order, unknown and odd-sized chunks, RIFF size quirks */
static void test_chunk_walk(void **state)
{
	int16_t pcm[3] = {100, 200, 300};
	struct audio_clip *c = NULL;
	struct wb w;

	(void)state;

	/* LIST (odd size, padded) first, data before fmt, junk after */
	wb_riff(&w);
	wb_chunk(&w, "LIST", "INFOabc", 7);
	wb_chunk(&w, "data", pcm, sizeof(pcm));
	wb_chunk(&w, "junk", "xyzzy", 5);
	wb_fmt(&w, 1, 1, 8000, 16);
	wb_done(&w);
	assert_int_equal(parse(&w, &c), 0);
	assert_int_equal(c->samplec, 3);
	assert_memory_equal(c->samplev, pcm, sizeof(pcm));
	c = mem_deref(c);

	/* RIFF size 0 (not patched by a streaming writer): walk the file */
	memset(w.buf + 4, 0, 4);
	assert_int_equal(parse(&w, &c), 0);
	c = mem_deref(c);

	/* trailing bytes beyond the RIFF size are ignored */
	wb_done(&w);
	wb_put(&w, "garbage!garbage!", 16);
	assert_int_equal(parse(&w, &c), 0);
	c = mem_deref(c);
	free(w.buf);

	/* data size 0xFFFFFFFF: to the end of the file */
	wb_riff(&w);
	wb_fmt(&w, 1, 1, 8000, 16);
	wb_put(&w, "data\xff\xff\xff\xff", 8);
	wb_put(&w, pcm, sizeof(pcm));
	wb_done(&w);
	assert_int_equal(parse(&w, &c), 0);
	assert_int_equal(c->samplec, 3);
	c = mem_deref(c);
	free(w.buf);

	/* 64 chunks are fine, 65 are not */
	for (int extra = 62; extra <= 63; extra++) {
		wb_riff(&w);
		for (int i = 0; i < extra; i++)
			wb_chunk(&w, "pad ", "", 0);
		wb_fmt(&w, 1, 1, 8000, 16);
		wb_chunk(&w, "data", pcm, sizeof(pcm));
		wb_done(&w);
		assert_int_equal(parse(&w, &c), extra == 62 ? 0 : EPROTO);
		c = mem_deref(c);
		free(w.buf);
	}
}

static void test_malformed(void **state)
{
	int16_t pcm[4] = {0};
	struct audio_clip *c = NULL;
	struct wb w;

	(void)state;

	assert_int_equal(audio_wav_parse(&c, (const uint8_t *)"", 0), EPROTO);
	assert_int_equal(audio_wav_parse(&c, (const uint8_t *)"RIFF\0\0\0\0WAV",
					 11), EPROTO);
	assert_int_equal(audio_wav_parse(&c, NULL, 0), EPROTO);
	assert_int_equal(audio_wav_parse(&c, NULL, 1), EINVAL);
	assert_int_equal(audio_wav_parse(NULL, (const uint8_t *)"x", 1),
			 EINVAL);

	/* not RIFF, not WAVE */
	w = wav_make(1, 1, 8000, 16, pcm, sizeof(pcm));
	w.buf[0] = 'X';
	expect_err(w, EPROTO);
	w = wav_make(1, 1, 8000, 16, pcm, sizeof(pcm));
	memcpy(w.buf + 8, "AVI ", 4);
	expect_err(w, EPROTO);

	/* truncated anywhere: in the data, the fmt, a chunk header (in a
	 * buffer of exactly that size, so that ASan sees any overread) */
	w = wav_make(1, 1, 8000, 16, pcm, sizeof(pcm));
	for (size_t cut = w.len - 1; cut > 0; cut--) {
		uint8_t *b = malloc(cut);

		memcpy(b, w.buf, cut);
		assert_int_equal(audio_wav_parse(&c, b, cut), EPROTO);
		assert_null(c);
		free(b);
	}
	free(w.buf);

	/* a data size far beyond the file */
	w = wav_make(1, 1, 8000, 16, pcm, sizeof(pcm));
	memcpy(w.buf + 12 + 8 + 16 + 4, "\xf0\xff\xff\xff", 4);
	expect_err(w, EPROTO);

	/* an unknown chunk claiming 4 GiB, first or last */
	wb_riff(&w);
	wb_put(&w, "huge\xfe\xff\xff\xff", 8);
	wb_fmt(&w, 1, 1, 8000, 16);
	wb_chunk(&w, "data", pcm, sizeof(pcm));
	wb_done(&w);
	expect_err(w, EPROTO);
	wb_riff(&w);
	wb_fmt(&w, 1, 1, 8000, 16);
	wb_chunk(&w, "data", pcm, sizeof(pcm));
	wb_put(&w, "LIST\xfe\xff\xff\xff", 8);
	wb_done(&w);
	expect_err(w, EPROTO);

	/* no fmt; no data; duplicate fmt; duplicate data */
	wb_riff(&w);
	wb_chunk(&w, "data", pcm, sizeof(pcm));
	wb_done(&w);
	expect_err(w, EPROTO);
	wb_riff(&w);
	wb_fmt(&w, 1, 1, 8000, 16);
	wb_done(&w);
	expect_err(w, EPROTO);
	wb_riff(&w);
	wb_fmt(&w, 1, 1, 8000, 16);
	wb_fmt(&w, 1, 1, 8000, 16);
	wb_chunk(&w, "data", pcm, sizeof(pcm));
	wb_done(&w);
	expect_err(w, EPROTO);
	wb_riff(&w);
	wb_fmt(&w, 1, 1, 8000, 16);
	wb_chunk(&w, "data", pcm, sizeof(pcm));
	wb_chunk(&w, "data", pcm, sizeof(pcm));
	wb_done(&w);
	expect_err(w, EPROTO);

	/* fmt shorter than 16 bytes */
	wb_riff(&w);
	wb_chunk(&w, "fmt ", "\x01\x00\x01\x00\x40\x1f\x00\x00", 8);
	wb_chunk(&w, "data", pcm, sizeof(pcm));
	wb_done(&w);
	expect_err(w, EPROTO);

	/* inconsistent fmt: block align, zero channels/rate/bits */
	w = wav_make(1, 1, 8000, 16, pcm, sizeof(pcm));
	w.buf[12 + 8 + 12] = 4;
	expect_err(w, EPROTO);
	expect_err(wav_make(1, 0, 8000, 16, pcm, sizeof(pcm)), EPROTO);
	expect_err(wav_make(1, 1, 0, 16, pcm, sizeof(pcm)), EPROTO);
	expect_err(wav_make(1, 1, 8000, 0, pcm, sizeof(pcm)), EPROTO);

	/* no whole frame of data */
	expect_err(wav_make(1, 1, 8000, 16, pcm, 1), EPROTO);
	expect_err(wav_make(1, 2, 8000, 16, pcm, 3), EPROTO);
	expect_err(wav_make(1, 1, 8000, 16, pcm, 0), EPROTO);

	/* one frame at 16 kHz is less than one sample at 8 kHz */
	expect_err(wav_make(1, 1, 16000, 16, pcm, 2), EPROTO);
}

static void test_unsupported(void **state)
{
	int16_t pcm[8] = {0};

	(void)state;
	expect_err(wav_make(1, 1, 8000, 8, pcm, 8), ENOTSUP);    /* 8-bit */
	expect_err(wav_make(1, 1, 8000, 24, pcm, 12), ENOTSUP);
	expect_err(wav_make(1, 1, 8000, 32, pcm, 16), ENOTSUP);
	expect_err(wav_make(3, 1, 8000, 32, pcm, 16), ENOTSUP);  /* float */
	expect_err(wav_make(2, 1, 8000, 4, pcm, 8), ENOTSUP);    /* ADPCM */
	expect_err(wav_make(7, 1, 8000, 16, pcm, 8), ENOTSUP);   /* 16-bit u */
	expect_err(wav_make(1, 3, 8000, 16, pcm, 12), ENOTSUP);
	expect_err(wav_make(1, 1, 7999, 16, pcm, 16), ENOTSUP);
	expect_err(wav_make(1, 1, 48001, 16, pcm, 16), ENOTSUP);
	expect_err(wav_make(1, 1, 96000, 16, pcm, 16), ENOTSUP);
}

/* Size limits: the input, and the duration (600 s) */
static void test_huge(void **state)
{
	const uint32_t max = AUDIO_CLIP_MAX_S * AUDIO_RATE;
	uint8_t *law = calloc(max + 1, 1);
	struct audio_clip *c = NULL;
	struct wb w;

	(void)state;
	assert_non_null(law);

	w = wav_make(7, 1, 8000, 8, law, max);
	assert_int_equal(parse(&w, &c), 0);
	assert_int_equal(c->samplec, max);
	c = mem_deref(c);
	free(w.buf);

	w = wav_make(7, 1, 8000, 8, law, max + 1);
	expect_err(w, EFBIG);

	/* 16 kHz: 1200 s of input (19 MB) would make 600 s + 1 sample */
	{
		int16_t *pcm = calloc(2 * max + 2, sizeof(*pcm));

		assert_non_null(pcm);
		w = wav_make(1, 1, 16000, 16, pcm, 2 * (2 * max + 2));
		expect_err(w, EFBIG);
		free(pcm);
	}

	/* more bytes than a WAV may have, whatever they hold */
	w.len = AUDIO_WAV_FILE_MAX + 1;
	w.buf = calloc(w.len, 1);
	assert_non_null(w.buf);
	expect_err(w, EFBIG);
	free(law);
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void test_load(void **state)
{
	char dir[] = "/tmp/hotline-wav-XXXXXX", path[64];
	int16_t pcm[100];
	struct audio_clip *c = NULL;
	struct wb w;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < 100; i++)
		pcm[i] = (int16_t)(i * 300);

	snprintf(path, sizeof(path), "%s/ok.wav", dir);
	w = wav_make(1, 1, 8000, 16, pcm, sizeof(pcm));
	write_file(path, w.buf, w.len);
	assert_int_equal(audio_wav_load(&c, path), 0);
	assert_int_equal(c->samplec, 100);
	assert_memory_equal(c->samplev, pcm, sizeof(pcm));
	c = mem_deref(c);

	/* truncated on disk */
	write_file(path, w.buf, w.len - 10);
	assert_int_equal(audio_wav_load(&c, path), EPROTO);
	free(w.buf);

	/* not a WAV at all, an empty file */
	write_file(path, "hello", 5);
	assert_int_equal(audio_wav_load(&c, path), EPROTO);
	write_file(path, "", 0);
	assert_int_equal(audio_wav_load(&c, path), EPROTO);

	/* over 32 MiB: refused before reading (a sparse file) */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)AUDIO_WAV_FILE_MAX + 1), 0);
	close(fd);
	assert_int_equal(audio_wav_load(&c, path), EFBIG);
	assert_int_equal(unlink(path), 0);

	assert_int_equal(audio_wav_load(&c, path), ENOENT);
	assert_int_equal(audio_wav_load(&c, dir), EISDIR);
	assert_int_equal(audio_wav_load(&c, ""), EINVAL);
	assert_null(c);
	assert_int_equal(rmdir(dir), 0);

	/* every error has a reason worth logging */
	assert_non_null(strstr(audio_wav_strerror(EPROTO), "WAV"));
	assert_non_null(strstr(audio_wav_strerror(ENOTSUP), "16-bit PCM"));
	assert_non_null(strstr(audio_wav_strerror(EFBIG), "32 MiB"));
	assert_non_null(audio_wav_strerror(ENOENT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcm16_8k_mono),
		cmocka_unit_test(test_resampled),
		cmocka_unit_test(test_stereo_downmix),
		cmocka_unit_test(test_g711),
		cmocka_unit_test(test_extensible),
		cmocka_unit_test(test_chunk_walk),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

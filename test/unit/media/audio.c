/** @file test/unit/media/audio.c  Clips and the resampler: lengths, DC,
 *  passband tones, alias rejection, limits; generated tones */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <cmocka.h>
#include <re.h>
#include <hotline/audio.h>

static int16_t *tone_make(size_t n, uint32_t rate, double hz, double amp)
{
	int16_t *v = calloc(n ? n : 1, sizeof(*v));

	assert_non_null(v);
	for (size_t i = 0; i < n; i++)
		v[i] = (int16_t)lrint(amp * sin(2 * M_PI * hz * i / rate));

	return v;
}

/* RMS of v[from..to) */
static double rms(const int16_t *v, size_t from, size_t to)
{
	double acc = 0;

	for (size_t i = from; i < to; i++)
		acc += (double)v[i] * v[i];

	return sqrt(acc / (double)(to - from));
}

static void test_clip_alloc(void **state)
{
	struct audio_clip *c = NULL;

	(void)state;
	assert_int_equal(audio_clip_alloc(&c, 1000), 0);
	assert_int_equal(c->samplec, 1000);
	for (size_t i = 0; i < c->samplec; i++)
		assert_int_equal(c->samplev[i], 0);
	c->samplev[999] = 7;     /* writable to the end (ASan) */
	c = mem_deref(c);

	assert_int_equal(audio_clip_alloc(&c, 0), 0);
	assert_int_equal(c->samplec, 0);
	c = mem_deref(c);

	assert_int_equal(audio_clip_alloc(&c, (size_t)AUDIO_CLIP_MAX_S *
					  AUDIO_RATE + 1), EFBIG);
	assert_int_equal(audio_clip_alloc(&c, SIZE_MAX), EFBIG);
	assert_null(c);
	assert_int_equal(audio_clip_alloc(NULL, 1), EINVAL);
}

/* Lengths: floor(n * 8000 / rate); 8 kHz is a copy */
static void test_from_pcm_lengths(void **state)
{
	static const uint32_t ratev[] = {8000, 11025, 16000, 22050, 32000,
					 44100, 48000};
	int16_t *v = tone_make(48000, 48000, 440, 8000);
	struct audio_clip *c = NULL;

	(void)state;
	for (size_t r = 0; r < sizeof(ratev) / sizeof(ratev[0]); r++) {
		for (size_t n = 0; n < 48000; n += 4799) {
			assert_int_equal(audio_clip_from_pcm(&c, v, n,
							     ratev[r]), 0);
			assert_int_equal(c->samplec,
					 (uint64_t)n * 8000 / ratev[r]);
			c = mem_deref(c);
		}
	}

	assert_int_equal(audio_clip_from_pcm(&c, v, 1000, 8000), 0);
	assert_memory_equal(c->samplev, v, 1000 * sizeof(*v));
	c = mem_deref(c);

	assert_int_equal(audio_clip_from_pcm(&c, v, 1000, 7999), EINVAL);
	assert_int_equal(audio_clip_from_pcm(&c, v, 1000, 48001), EINVAL);
	assert_int_equal(audio_clip_from_pcm(&c, NULL, 1, 8000), EINVAL);
	assert_null(c);
	free(v);
}

/* DC passes exactly, to the edges (gain normalised per sample) */
static void test_resample_dc(void **state)
{
	int16_t v[4410];
	struct audio_clip *c = NULL;

	(void)state;
	for (size_t i = 0; i < 4410; i++)
		v[i] = -12345;
	assert_int_equal(audio_clip_from_pcm(&c, v, 4410, 44100), 0);
	assert_int_equal(c->samplec, 800);
	for (size_t i = 0; i < c->samplec; i++)
		assert_int_equal(c->samplev[i], -12345);
	mem_deref(c);
}

/* In the telephone band a tone keeps its level and phase; above 4 kHz it
 * does not fold back (anti-aliasing) */
static void test_resample_tones(void **state)
{
	static const uint32_t ratev[] = {16000, 22050, 44100, 48000};
	struct audio_clip *c = NULL;

	(void)state;
	for (size_t r = 0; r < sizeof(ratev) / sizeof(ratev[0]); r++) {
		uint32_t rate = ratev[r];
		int16_t *in = tone_make(rate, rate, 1000, 10000);
		int16_t *ref = tone_make(8000, 8000, 1000, 10000);
		double err = 0;

		assert_int_equal(audio_clip_from_pcm(&c, in, rate, rate), 0);
		assert_int_equal(c->samplec, 8000);
		for (size_t i = 200; i < 7800; i++)
			err = fmax(err, abs(c->samplev[i] - ref[i]));
		assert_true(err < 100);   /* -40 dB of the tone */
		c = mem_deref(c);
		free(in);
		free(ref);

		/* 3 kHz: still passband */
		in = tone_make(rate, rate, 3000, 10000);
		assert_int_equal(audio_clip_from_pcm(&c, in, rate, rate), 0);
		assert_true(fabs(rms(c->samplev, 200, 7800) -
				 10000 / sqrt(2)) < 0.03 * 10000 / sqrt(2));
		c = mem_deref(c);
		free(in);

		/* 4.3 and 6 kHz (would alias to 3.7 and 2 kHz): at least
		 * 40 dB down */
		for (double hz = 4300; hz <= 6000; hz += 1700) {
			in = tone_make(rate, rate, hz, 10000);
			assert_int_equal(audio_clip_from_pcm(&c, in, rate,
							     rate), 0);
			assert_true(rms(c->samplev, 200, 7800) <
				    0.01 * 10000 / sqrt(2));
			c = mem_deref(c);
			free(in);
		}
	}
}

/* A full-scale step rings past full scale: the overshoot clips, it never
 * wraps to the other sign */
static void test_resample_clipping(void **state)
{
	int16_t v[1600];
	struct audio_clip *c = NULL;
	bool clipped = false;

	(void)state;
	for (size_t i = 0; i < 1600; i++)
		v[i] = i < 800 ? INT16_MIN : INT16_MAX;
	assert_int_equal(audio_clip_from_pcm(&c, v, 1600, 16000), 0);
	assert_int_equal(c->samplec, 800);
	for (size_t i = 0; i < 400; i++) {
		assert_true(c->samplev[i] <= 0);
		assert_true(c->samplev[400 + i] >= 0);
		clipped |= c->samplev[i] == INT16_MIN ||
			c->samplev[400 + i] == INT16_MAX;
	}
	assert_true(clipped);
	mem_deref(c);
}

/* Amplitude of the hz component of v[from..to) (a single DFT bin) */
static double tone_level(const int16_t *v, size_t from, size_t to, double hz)
{
	double re = 0, im = 0;

	for (size_t i = from; i < to; i++) {
		re += v[i] * cos(2 * M_PI * hz * (double)i / AUDIO_RATE);
		im += v[i] * sin(2 * M_PI * hz * (double)i / AUDIO_RATE);
	}

	return 2 * sqrt(re * re + im * im) / (double)(to - from);
}

/* audio_tone: length, frequency, level, fades, limits */
static void test_tone(void **state)
{
	struct audio_clip *c = NULL;
	int peak = 0;

	(void)state;
	assert_int_equal(audio_tone(&c, 1000, 500, 16000), 0);
	assert_int_equal(c->samplec, 4000);

	/* the steady part: 1000 Hz at the asked peak, nothing at 1200 */
	assert_true(fabs(tone_level(c->samplev, 400, 3600, 1000) - 16000)
		    < 50);
	assert_true(tone_level(c->samplev, 400, 3600, 1200) < 50);
	assert_true(fabs(rms(c->samplev, 400, 3600) - 16000 / M_SQRT2) < 50);
	for (size_t i = 0; i < c->samplec; i++)
		peak = abs(c->samplev[i]) > peak ? abs(c->samplev[i]) : peak;
	assert_true(peak <= 16000 && peak >= 15990);

	/* 5 ms fades: silent ends, full level after 40 samples */
	assert_int_equal(c->samplev[0], 0);
	assert_int_equal(c->samplev[3999], 0);
	assert_true(rms(c->samplev, 0, 8) < 1000);       /* 11300 unfaded */
	assert_true(rms(c->samplev, 3992, 4000) < 1000);
	assert_true(rms(c->samplev, 40, 80) > 11000);
	c = mem_deref(c);

	/* a short tone fades over a third of itself; still a sine */
	assert_int_equal(audio_tone(&c, 440, 3, 8000), 0);
	assert_int_equal(c->samplec, 24);
	assert_int_equal(c->samplev[0], 0);
	assert_true(abs(c->samplev[12]) <= 8000);
	c = mem_deref(c);

	assert_int_equal(audio_tone(&c, 3999, 1, 0), 0);
	assert_int_equal(rms(c->samplev, 0, c->samplec), 0);
	c = mem_deref(c);

	assert_int_equal(audio_tone(NULL, 1000, 100, 1000), EINVAL);
	assert_int_equal(audio_tone(&c, 0, 100, 1000), EINVAL);
	assert_int_equal(audio_tone(&c, 4000, 100, 1000), EINVAL);
	assert_int_equal(audio_tone(&c, 1000, 0, 1000), EINVAL);
	assert_int_equal(audio_tone(&c, 1000, AUDIO_CLIP_MAX_S * 1000 + 1,
				    1000), EINVAL);
	assert_int_equal(audio_tone(&c, 1000, 100, -1), EINVAL);
	assert_null(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clip_alloc),
		cmocka_unit_test(test_from_pcm_lengths),
		cmocka_unit_test(test_resample_dc),
		cmocka_unit_test(test_resample_tones),
		cmocka_unit_test(test_resample_clipping),
		cmocka_unit_test(test_tone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/** @file test/unit/media/music.c  The built-in hold music: length, level,
 *  a seamless loop, deterministic */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <stdlib.h>
#include <cmocka.h>
#include <re.h>
#include <hotline/audio.h>

static void test_music(void **state)
{
	struct audio_clip *m = audio_music_default();
	struct audio_clip *m2 = audio_music_default();
	int peak = 0, step = 0, seam;
	double acc = 0, rms_dbfs;

	(void)state;
	assert_non_null(m);
	assert_non_null(m2);
	assert_ptr_not_equal(m, m2);
	assert_int_equal(m->samplec, 8 * AUDIO_RATE);
	assert_memory_equal(m->samplev, m2->samplev,
			    m->samplec * sizeof(int16_t));

	for (size_t i = 0; i < m->samplec; i++) {
		peak = abs(m->samplev[i]) > peak ? abs(m->samplev[i]) : peak;
		acc += (double)m->samplev[i] * m->samplev[i];
		if (i)
			step = abs(m->samplev[i] - m->samplev[i - 1]) > step ?
				abs(m->samplev[i] - m->samplev[i - 1]) : step;
	}

	/* peak -12 dBFS; soft but audible (RMS well above silence) */
	assert_true(peak >= 8100 && peak <= 8300);
	rms_dbfs = 20 * log10(sqrt(acc / (double)m->samplec) / 32768.0);
	assert_true(rms_dbfs > -30 && rms_dbfs < -14);

	/* the loop point is no larger a jump than the music makes anyway */
	seam = abs(m->samplev[0] - m->samplev[m->samplec - 1]);
	assert_true(seam <= step);

	/* every second has sound (no silent gap in the loop) */
	for (size_t s = 0; s < 8; s++) {
		double e = 0;

		for (size_t i = s * 8000; i < (s + 1) * 8000; i++)
			e += (double)m->samplev[i] * m->samplev[i];
		assert_true(sqrt(e / 8000) > 500);
	}

	mem_deref(m);
	mem_deref(m2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_music),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

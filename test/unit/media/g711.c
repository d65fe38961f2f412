/** @file test/unit/media/g711.c  G.711 u-law/A-law: reference values,
 *  round trips, error bounds, signal-to-noise ratio */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <stdlib.h>
#include <cmocka.h>
#include <hotline/audio.h>

/* Values from ITU-T G.711 tables (and every reference implementation) */
static void test_reference_values(void **state)
{
	(void)state;

	assert_int_equal(audio_ulaw_encode(0), 0xff);
	assert_int_equal(audio_ulaw_encode(-1), 0x7f);
	assert_int_equal(audio_ulaw_encode(32767), 0x80);
	assert_int_equal(audio_ulaw_encode(-32768), 0x00);
	assert_int_equal(audio_ulaw_encode(1000), 0xce);
	assert_int_equal(audio_ulaw_encode(-1000), 0x4e);
	assert_int_equal(audio_ulaw_decode(0xff), 0);
	assert_int_equal(audio_ulaw_decode(0x7f), 0);
	assert_int_equal(audio_ulaw_decode(0x80), 32124);
	assert_int_equal(audio_ulaw_decode(0x00), -32124);
	assert_int_equal(audio_ulaw_decode(0xce), 988);
	assert_int_equal(audio_ulaw_decode(0xfe), 8);

	assert_int_equal(audio_alaw_encode(0), 0xd5);
	assert_int_equal(audio_alaw_encode(-1), 0x55);
	assert_int_equal(audio_alaw_encode(32767), 0xaa);
	assert_int_equal(audio_alaw_encode(-32768), 0x2a);
	assert_int_equal(audio_alaw_encode(1000), 0xfa);
	assert_int_equal(audio_alaw_decode(0xd5), 8);
	assert_int_equal(audio_alaw_decode(0x55), -8);
	assert_int_equal(audio_alaw_decode(0xaa), 32256);
	assert_int_equal(audio_alaw_decode(0x2a), -32256);
	assert_int_equal(audio_alaw_decode(0xfa), 1008);
}

/* Each code decodes to a level that encodes back to it (u-law's negative
 * zero 0x7F aside), and levels rise with the code */
static void test_codes_round_trip(void **state)
{
	int prev_u = -40000, prev_a = -40000;

	(void)state;
	for (int b = 0; b < 256; b++) {
		if (b != 0x7f)
			assert_int_equal(audio_ulaw_encode(
					 audio_ulaw_decode((uint8_t)b)), b);
		assert_int_equal(audio_alaw_encode(
				 audio_alaw_decode((uint8_t)b)), b);
	}

	/* u-law: 0x00..0x7F negative rising to 0, 0xFF..0x80 positive */
	for (int b = 0; b < 128; b++) {
		int u = audio_ulaw_decode((uint8_t)b);

		assert_true(u >= prev_u);
		prev_u = u;
	}
	for (int b = 255; b >= 128; b--) {
		int u = audio_ulaw_decode((uint8_t)b);

		assert_true(u >= prev_u);
		prev_u = u;
	}

	/* A-law: ordered by the code with the even bits restored */
	for (int m = 0; m < 256; m++) {
		int code = (m < 128 ? 127 - m : m) ^ 0x55;
		int a = audio_alaw_decode((uint8_t)code);

		assert_true(a > prev_a);
		prev_a = a;
	}
}

/* Quantisation error: half a step, i.e. about 1/32 of the level (and
 * a floor in the first segment); beyond the top segment, clipping */
static void test_error_bounds(void **state)
{
	(void)state;

	for (int s = -32768; s <= 32767; s++) {
		int eu = abs(audio_ulaw_decode(audio_ulaw_encode((int16_t)s)) -
			     s);
		int ea = abs(audio_alaw_decode(audio_alaw_encode((int16_t)s)) -
			     s);

		if (abs(s) <= 32124)
			assert_true(eu <= (abs(s) + 132) / 32 + 1);
		else
			assert_true(eu <= abs(s) - 32124 + 1);

		if (abs(s) <= 32256)
			assert_true(ea <= (abs(s) < 512 ? 8 : abs(s) / 32 + 1));
		else
			assert_true(ea <= abs(s) - 32256 + 1);
	}
}

/* A 1 kHz tone at -10 dBFS keeps G.711's ~38 dB SNR */
static void test_snr(void **state)
{
	double sig = 0, nu = 0, na = 0;

	(void)state;
	for (int i = 0; i < 8000; i++) {
		double x = 10362.0 * sin(2 * M_PI * 1000.0 * i / 8000.0 + 0.3);
		int16_t s = (int16_t)lrint(x);

		sig += (double)s * s;
		nu += pow(audio_ulaw_decode(audio_ulaw_encode(s)) - s, 2);
		na += pow(audio_alaw_decode(audio_alaw_encode(s)) - s, 2);
	}

	assert_true(10 * log10(sig / nu) > 35.0);
	assert_true(10 * log10(sig / na) > 35.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_values),
		cmocka_unit_test(test_codes_round_trip),
		cmocka_unit_test(test_error_bounds),
		cmocka_unit_test(test_snr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

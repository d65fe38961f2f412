/** @file media/audio.c  Audio clips (8 kHz mono PCM), the resampler
 *  that brings 8..48 kHz PCM to 8 kHz, and tones
 *
 * Resampler quality: a windowed-sinc low-pass (Kaiser window, beta 4.5,
 * half-width 24 output samples) evaluated from a table with linear
 * interpolation. Passband flat to about 3.35 kHz, cut-off 3.6 kHz,
 * stopband (about -50 dB) from 3.85 kHz, so nothing aliases into the
 * telephone band (300..3400 Hz). The gain is normalised per output
 * sample, so DC passes exactly and the edges of a clip do not dip. Cost:
 * 48 * rate / 8000 multiply-adds per output sample (288 at 48 kHz).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <re.h>
#include <hotline/audio.h>

enum {
	RS_HALF = 24,             /* kernel half-width, in output samples */
	RS_TAB  = 512,            /* table points per output sample */
};

#define RS_CUTOFF (3600.0 / AUDIO_RATE)   /* cycles per output sample */
#define RS_BETA   4.5

static float rs_kernel[RS_HALF * RS_TAB + 2];   /* h(x), x = i / RS_TAB */
static pthread_once_t rs_once = PTHREAD_ONCE_INIT;


/* Zeroth-order modified Bessel function of the first kind (series) */
static double bessel_i0(double x)
{
	double sum = 1.0, term = 1.0;

	for (int k = 1; k < 40; k++) {
		term *= (x / (2.0 * k)) * (x / (2.0 * k));
		sum += term;
		if (term < sum * 1e-12)
			break;
	}

	return sum;
}


static void rs_kernel_init(void)
{
	const double i0b = bessel_i0(RS_BETA);

	for (size_t i = 0; i < sizeof(rs_kernel) / sizeof(rs_kernel[0]);
	     i++) {
		double x = (double)i / RS_TAB;
		double t = x / RS_HALF, u = 2.0 * RS_CUTOFF * x;
		double sinc = u ? sin(M_PI * u) / (M_PI * u) : 1.0;
		double w = t < 1.0 ?
			bessel_i0(RS_BETA * sqrt(1.0 - t * t)) / i0b : 0.0;

		rs_kernel[i] = (float)(sinc * w);
	}
}


/* h(|x|) for x in output samples, 0 beyond the half-width */
static float rs_h(double x)
{
	double pos = fabs(x) * RS_TAB;
	size_t i = (size_t)pos;
	float f = (float)(pos - (double)i);

	if (i >= RS_HALF * RS_TAB)
		return 0.0f;

	return rs_kernel[i] + f * (rs_kernel[i + 1] - rs_kernel[i]);
}


/* One output sample centred on input position t (in input samples) */
static int16_t rs_sample(const int16_t *v, size_t n, double t, double ratio)
{
	double span = RS_HALF * ratio, inv = 1.0 / ratio;
	double acc = 0.0, wsum = 0.0, y;
	double lo = ceil(t - span), hi = floor(t + span);
	size_t k0 = lo < 0 ? 0 : (size_t)lo;
	size_t k1 = hi >= (double)(n - 1) ? n - 1 : (size_t)hi;

	for (size_t k = k0; k <= k1; k++) {
		float w = rs_h((t - (double)k) * inv);

		acc += w * v[k];
		wsum += w;
	}

	y = wsum > 1e-6 ? acc / wsum : 0.0;
	y = round(y);
	if (y > INT16_MAX)
		return INT16_MAX;
	if (y < INT16_MIN)
		return INT16_MIN;

	return (int16_t)y;
}


/**
 * Allocate a zeroed clip. The samples share the clip's allocation.
 *
 * @param cp       Set to the new clip (mem_deref to release)
 * @param samplec  Number of samples, 0 allowed (an empty clip)
 *
 * @return 0; EINVAL; EFBIG (over AUDIO_CLIP_MAX_S seconds); ENOMEM
 */
int audio_clip_alloc(struct audio_clip **cp, size_t samplec)
{
	struct audio_clip *c;

	if (!cp)
		return EINVAL;

	if (samplec > (size_t)AUDIO_CLIP_MAX_S * AUDIO_RATE)
		return EFBIG;

	c = mem_zalloc(sizeof(*c) + samplec * sizeof(int16_t), NULL);
	if (!c)
		return ENOMEM;

	c->samplev = (int16_t *)(void *)(c + 1);
	c->samplec = samplec;
	*cp = c;

	return 0;
}


/**
 * Make an 8 kHz clip from mono PCM at another rate (windowed-sinc, see
 * the file comment); 8000 Hz input is copied as is.
 *
 * @param cp    Set to the new clip
 * @param v     Samples (not kept)
 * @param n     Number of samples (0 gives an empty clip)
 * @param rate  Their rate, 8000..48000 Hz
 *
 * @return 0; EINVAL (rate out of range); EFBIG (result over
 *         AUDIO_CLIP_MAX_S seconds); ENOMEM. The result has
 *         floor(n * 8000 / rate) samples.
 */
int audio_clip_from_pcm(struct audio_clip **cp, const int16_t *v, size_t n,
			uint32_t rate)
{
	struct audio_clip *c = NULL;
	uint64_t outc;
	double ratio;
	int err;

	if (!cp || (!v && n) || rate < 8000 || rate > 48000)
		return EINVAL;

	outc = (uint64_t)n * AUDIO_RATE / rate;
	if (outc > (uint64_t)AUDIO_CLIP_MAX_S * AUDIO_RATE)
		return EFBIG;

	err = audio_clip_alloc(&c, (size_t)outc);
	if (err)
		return err;

	if (rate == AUDIO_RATE) {
		if (n)
			memcpy(c->samplev, v, n * sizeof(*v));
		*cp = c;
		return 0;
	}

	(void)pthread_once(&rs_once, rs_kernel_init);
	ratio = (double)rate / AUDIO_RATE;
	for (size_t i = 0; i < c->samplec; i++)
		c->samplev[i] = rs_sample(v, n, (double)i * ratio, ratio);

	*cp = c;
	return 0;
}


/**
 * Make a sine tone: the beep before a voicemail, a test signal.
 *
 * @param clipp      Set to the new clip (mem_deref to release)
 * @param hz         Frequency, 1..3999 (below half the 8 kHz rate)
 * @param ms         Length, 1..AUDIO_CLIP_MAX_S * 1000; the clip has
 *                   ms * 8 samples
 * @param amplitude  Peak, 0..32767 (16384 is -6 dBFS)
 *
 * The first and last 5 ms (or a third of a shorter tone) fade in and out
 * along a raised cosine, so the tone starts and ends without a click.
 *
 * @return 0; EINVAL (NULL clipp, hz, ms or amplitude out of range);
 *         ENOMEM
 */
int audio_tone(struct audio_clip **clipp, uint32_t hz, uint32_t ms,
	       int16_t amplitude)
{
	struct audio_clip *c = NULL;
	size_t n, fade;
	int err;

	if (!clipp || !hz || hz >= AUDIO_RATE / 2 || !ms ||
	    ms > AUDIO_CLIP_MAX_S * 1000u || amplitude < 0)
		return EINVAL;

	n = (size_t)ms * (AUDIO_RATE / 1000);
	err = audio_clip_alloc(&c, n);
	if (err)
		return err;

	fade = min((size_t)AUDIO_RATE / 200, n / 3);
	for (size_t i = 0; i < n; i++) {
		double g = 1.0, edge = (double)min(i, n - 1 - i);

		if (edge < (double)fade)
			g = 0.5 - 0.5 * cos(M_PI * edge / (double)fade);

		c->samplev[i] = (int16_t)lrint(g * amplitude *
			sin(2.0 * M_PI * hz * (double)i / AUDIO_RATE));
	}

	*clipp = c;
	return 0;
}

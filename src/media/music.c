/** @file media/music.c  The built-in hold music: a generated, seamless
 *  8-second loop of soft chords with an arpeggio on top
 *
 * Four chords of two seconds (C, A minor, F, G; voiced between 260 and
 * 880 Hz so that the telephone band keeps them), each a sustained pad
 * with slow cross-fades, under eighth-note arpeggios (120 bpm) that decay
 * like a soft mallet. Every sound is written modulo the loop length, so
 * the tail of the last chord overlaps the start and the loop has no seam.
 * The result is scaled to a peak of -12 dBFS.
 */
#include <math.h>
#include <re.h>
#include <hotline/audio.h>

enum {
	MUSIC_CHORDS  = 4,
	MUSIC_CHORD_S = 2,
	MUSIC_LEN     = MUSIC_CHORDS * MUSIC_CHORD_S * AUDIO_RATE,
	MUSIC_NOTES   = 8,        /* arpeggio notes per chord */
};

#define MUSIC_PEAK   (32767.0 / 4.0)   /* -12 dBFS */
#define PAD_FADE_S   0.35
#define NOTE_TAU_S   0.18              /* arpeggio decay time constant */
#define NOTE_LEN_S   1.2               /* a note rings this long at most */

/* MIDI note numbers, lowest first */
static const int chordv[MUSIC_CHORDS][3] = {
	{60, 64, 67},   /* C:  C4 E4 G4 */
	{60, 64, 69},   /* Am: C4 E4 A4 */
	{60, 65, 69},   /* F:  C4 F4 A4 */
	{59, 62, 67},   /* G:  B3 D4 G4 */
};

/* Which chord tone each arpeggio step plays, an octave up */
static const int arpv[MUSIC_NOTES] = {0, 1, 2, 1, 0, 1, 2, 1};


/* Rounded to a multiple of 1/8 Hz (at most 1/16 Hz off pitch): a whole
 * number of cycles per loop, so a tone's phase depends only on the
 * position in the loop, and two chords holding the same note cross-fade
 * in phase, also across the loop point */
static double note_hz(int midi)
{
	double hz = 440.0 * pow(2.0, (midi - 69) / 12.0);

	return round(hz * (MUSIC_LEN / AUDIO_RATE)) / (MUSIC_LEN / AUDIO_RATE);
}


/* A tone of length len samples from start, with a soft 2nd harmonic,
 * shaped by env(i, len), added modulo the loop */
static void tone_add(float *v, size_t start, size_t len, double hz,
		     double amp, double (*env)(size_t i, size_t len))
{
	const double w = 2.0 * M_PI * hz / AUDIO_RATE;

	for (size_t i = 0; i < len; i++) {
		size_t pos = (start + i) % MUSIC_LEN;
		double s = sin(w * pos) + 0.15 * sin(2.0 * w * pos);

		v[pos] += (float)(amp * env(i, len) * s);
	}
}


/* Pad: raised-cosine fade in and out over PAD_FADE_S */
static double env_pad(size_t i, size_t len)
{
	const size_t fade = (size_t)(PAD_FADE_S * AUDIO_RATE);
	size_t d = i < len - 1 - i ? i : len - 1 - i;

	if (d >= fade)
		return 1.0;

	return 0.5 - 0.5 * cos(M_PI * (double)d / fade);
}


/* Arpeggio note: 8 ms attack, exponential decay, 20 ms release */
static double env_note(size_t i, size_t len)
{
	const double attack = 0.008 * AUDIO_RATE, release = 0.02 * AUDIO_RATE;
	double e = exp(-(double)i / (NOTE_TAU_S * AUDIO_RATE));

	if (i < attack)
		e *= i / attack;
	if (len - i < release)
		e *= (len - i) / release;

	return e;
}


static void chord_render(float *v, size_t c)
{
	const size_t chord_len = MUSIC_CHORD_S * AUDIO_RATE;
	const size_t fade = (size_t)(PAD_FADE_S * AUDIO_RATE);
	const size_t step = chord_len / MUSIC_NOTES;
	size_t start = c * chord_len;

	/* the pad overlaps its neighbours by one fade each side */
	for (size_t k = 0; k < 3; k++)
		tone_add(v, (start + MUSIC_LEN - fade / 2) % MUSIC_LEN,
			 chord_len + fade, note_hz(chordv[c][k]), 0.10,
			 env_pad);

	for (size_t n = 0; n < MUSIC_NOTES; n++)
		tone_add(v, start + n * step,
			 (size_t)(NOTE_LEN_S * AUDIO_RATE),
			 note_hz(chordv[c][arpv[n]] + 12),
			 n % 4 ? 0.12 : 0.16, env_note);
}


/**
 * Generate the built-in hold music.
 *
 * @return A new clip (8 s, 64000 samples; mem_deref to release), or NULL
 *         when out of memory. Callers generate it once and share it.
 */
struct audio_clip *audio_music_default(void)
{
	struct audio_clip *clip = NULL;
	float *v, peak = 0.0f;

	v = mem_zalloc(MUSIC_LEN * sizeof(*v), NULL);
	if (!v)
		return NULL;

	for (size_t c = 0; c < MUSIC_CHORDS; c++)
		chord_render(v, c);

	for (size_t i = 0; i < MUSIC_LEN; i++)
		peak = fabsf(v[i]) > peak ? fabsf(v[i]) : peak;

	if (!audio_clip_alloc(&clip, MUSIC_LEN)) {
		for (size_t i = 0; i < MUSIC_LEN; i++)
			clip->samplev[i] = (int16_t)lrintf(
				v[i] * (float)(MUSIC_PEAK / peak));
	}

	mem_deref(v);
	return clip;
}

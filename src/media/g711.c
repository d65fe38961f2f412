/** @file media/g711.c  G.711 u-law and A-law companding (ITU-T G.711)
 *
 * u-law: 14-bit magnitude plus a bias of 132, 8 segments of 16 steps,
 * all bits inverted on the wire; 0 encodes as 0xFF, full scale decodes
 * to +-32124. A-law: 13-bit magnitude, 8 segments, even bits inverted
 * (XOR 0x55); 0 encodes as 0xD5 (decoded +8: A-law has no zero), full
 * scale decodes to +-32256.
 */
#include <stdint.h>
#include <hotline/audio.h>

enum {
	ULAW_BIAS = 0x84,
	ULAW_CLIP = 32635,        /* + bias stays below 2^15 */
};


/** Encode one linear sample as u-law. */
uint8_t audio_ulaw_encode(int16_t s)
{
	int v = s, sign = 0, seg;

	if (v < 0) {
		v = -v;
		sign = 0x80;
	}
	if (v > ULAW_CLIP)
		v = ULAW_CLIP;
	v += ULAW_BIAS;

	/* the segment is the position of the top bit among bits 7..14 */
	for (seg = 7; seg > 0 && !(v & (0x80 << seg)); seg--)
		;

	return (uint8_t)~(sign | seg << 4 | ((v >> (seg + 3)) & 0x0f));
}


/** Decode one u-law byte: the middle of its quantisation step. */
int16_t audio_ulaw_decode(uint8_t u)
{
	int seg, v;

	u = (uint8_t)~u;
	seg = (u >> 4) & 0x07;
	v = ((((u & 0x0f) << 3) + ULAW_BIAS) << seg) - ULAW_BIAS;

	return (int16_t)((u & 0x80) ? -v : v);
}


/** Encode one linear sample as A-law. */
uint8_t audio_alaw_encode(int16_t s)
{
	int v = s, seg, q;
	uint8_t mask;

	/* 13-bit magnitude; negative values map so that -1 .. -8 share
	 * the first step with 0 .. 7 mirrored */
	if (v >= 0) {
		mask = 0xd5;
		v >>= 3;
	}
	else {
		mask = 0x55;
		v = (-v - 1) >> 3;
	}

	/* v <= 4095: segment 0 holds 0..31, then one per octave up to 7 */
	for (seg = 0; seg < 7 && v >= (32 << seg); seg++)
		;

	q = seg < 2 ? v >> 1 : v >> seg;

	return (uint8_t)((seg << 4 | (q & 0x0f)) ^ mask);
}


/** Decode one A-law byte: the middle of its quantisation step. */
int16_t audio_alaw_decode(uint8_t a)
{
	int seg, v;

	a ^= 0x55;
	seg = (a >> 4) & 0x07;
	v = ((a & 0x0f) << 4) + 8;
	if (seg)
		v = (v + 0x100) << (seg - 1);

	return (int16_t)((a & 0x80) ? v : -v);
}

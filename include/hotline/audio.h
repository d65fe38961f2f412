/** @file hotline/audio.h  8 kHz mono 16-bit PCM clips, WAV files, G.711
 *
 * Everything the caller hears is held as a clip: signed 16-bit samples at
 * 8000 Hz, one channel (telephony). WAV files are converted on load
 * (downmix, resample); G.711 encoding happens per RTP frame in the player.
 */
#ifndef HOTLINE_AUDIO_H
#define HOTLINE_AUDIO_H

#include <stddef.h>
#include <stdint.h>

#define AUDIO_RATE          8000                /* Hz, every clip */
#define AUDIO_WAV_FILE_MAX  (32u * 1024 * 1024) /* bytes: larger is EFBIG */
#define AUDIO_CLIP_MAX_S    600                 /* longer is EFBIG */

/* A mem object; samplev is owned (the same allocation as the clip).
 * Clips are shared by reference (cache, players): read-only once made. */
struct audio_clip {
	int16_t *samplev;
	size_t samplec;
};

/** Parse a RIFF/WAVE file in memory into a new 8 kHz mono clip.
 *  0; EPROTO malformed (not RIFF/WAVE, truncated, bad chunk walk, fmt
 *  inconsistent, no data); ENOTSUP well-formed but unsupported (codec,
 *  bits, channels > 2, rate outside 8000..48000); EFBIG (input over
 *  AUDIO_WAV_FILE_MAX or more than AUDIO_CLIP_MAX_S); ENOMEM. Logs
 *  nothing. */
int audio_wav_parse(struct audio_clip **cp, const uint8_t *buf, size_t len);

/** Read path (at most AUDIO_WAV_FILE_MAX bytes) and parse it: 0, ENOENT
 *  or another open/read errno, EFBIG, the audio_wav_parse errors. */
int audio_wav_load(struct audio_clip **cp, const char *path);

/** A human reason for an audio_wav_load/parse error (static text). */
const char *audio_wav_strerror(int err);

/** A new zeroed clip of samplec samples: 0, EFBIG, ENOMEM. */
int audio_clip_alloc(struct audio_clip **cp, size_t samplec);

/** A new 8 kHz clip from mono PCM at rate 8000..48000 (resampled):
 *  0, EINVAL, EFBIG, ENOMEM. */
int audio_clip_from_pcm(struct audio_clip **cp, const int16_t *v, size_t n,
			uint32_t rate);

/** A new 8 kHz clip of a sine tone (the voicemail beep): hz 1..3999, ms
 *  1..AUDIO_CLIP_MAX_S * 1000, peak amplitude 0..32767; 5 ms fades at
 *  both ends (no clicks). 0, EINVAL, ENOMEM. */
int audio_tone(struct audio_clip **clipp, uint32_t hz, uint32_t ms,
	       int16_t amplitude);

uint8_t audio_ulaw_encode(int16_t s);
uint8_t audio_alaw_encode(int16_t s);
int16_t audio_ulaw_decode(uint8_t u);
int16_t audio_alaw_decode(uint8_t a);

/** The built-in hold music (used when no moh_file is configured): a soft
 *  8-second chord/arpeggio loop, peak about -12 dBFS, seamless when
 *  looped. A new object on each call (generated in about 25 ms): make it
 *  once at start-up and share it with mem_ref. NULL on ENOMEM. */
struct audio_clip *audio_music_default(void);

#endif

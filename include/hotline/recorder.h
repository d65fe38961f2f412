/** @file hotline/recorder.h  Voicemail recording: a caller's G.711 RTP
 *  into a WAV file (PCM 16-bit mono 8 kHz), written on a worker thread
 *
 * A recorder is fed the caller's RTP packets (a relay tap) and lays the
 * decoded samples on a timeline by RTP timestamp. It stops when asked,
 * at max_ms of audio, or after silence_ms of silence (quiet frames, or no
 * audio packet at all); at the latest RECORDER_GRACE_MS after max_ms of
 * wall clock. Trailing silence beyond RECORDER_KEEP_MS is trimmed. Then
 * its samples go to the writer's thread, which writes the file, and the
 * result comes back on the main loop (libre mqueue). One writer serves
 * every recorder. Details in media/recorder.c.
 */
#ifndef HOTLINE_RECORDER_H
#define HOTLINE_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#define RECORDER_MAX_MS        (3600u * 1000)  /* longest max_ms, silence_ms */
#define RECORDER_SILENCE_LEVEL 184     /* mean |sample| of a 20 ms frame
					  below this is silence: -45 dBFS */
#define RECORDER_KEEP_MS       500     /* trailing silence kept in the file */
#define RECORDER_JUMP_MS       1000    /* larger timestamp jumps restart the
					  timeline */
#define RECORDER_GRACE_MS      1000    /* wall clock beyond max_ms */

struct recwriter;
struct recorder;

enum recorder_stop {
	RECORDER_STOP_MAX = 0,    /* max_ms of audio (or of wall clock) */
	RECORDER_STOP_SILENCE,    /* the last silence_ms were silent */
	RECORDER_STOP_ASKED,      /* recorder_stop */
};

/** The file is written (err 0) or not (an errno of the writer: ENOTDIR,
 *  EACCES, ENOSPC, ...), on the main loop. duration_ms is the length of
 *  the audio in the file (samples / 8). The handler may free the
 *  recorder and the writer. */
typedef void (recorder_done_h)(int err, uint32_t duration_ms,
			       enum recorder_stop why, void *arg);

struct recorder_params {
	uint8_t pt;               /* 0 PCMU or 8 PCMA */
	uint32_t max_ms;          /* 1..RECORDER_MAX_MS */
	uint32_t silence_ms;      /* 0 = never stop on silence */
};

/** The writer: one thread. mem_deref finishes the queued files, then
 *  joins it (no handler is called then). Recorders hold a reference.
 *  0, EINVAL, ENOMEM, or a pthread errno. */
int recwriter_alloc(struct recwriter **wp);

/** Start recording into path (parent directories are created); the
 *  wall-clock limits run from now, so allocate it after the beep. h (may
 *  be NULL) is called once, after the file is written. mem_deref before
 *  the recording stops discards it (nothing written, no call); after
 *  the stop, the file is still written but h is not called.
 *  0, EINVAL, ENOMEM. */
int recorder_alloc(struct recorder **rp, struct recwriter *w,
		   const struct recorder_params *p, const char *path,
		   recorder_done_h *h, void *arg);

/** One RTP packet from the caller; other payload types (telephone-event)
 *  and malformed packets are ignored. Never calls h. */
void recorder_rtp(struct recorder *r, const uint8_t *pkt, size_t len);

/** Stop now (a terminator digit, the caller hung up); harmless when
 *  already stopped. Never calls h. */
void recorder_stop(struct recorder *r);

#endif

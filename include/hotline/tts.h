/** @file hotline/tts.h  Text to speech: flite (voice cmu_us_kal, natively
 *  8 kHz) on one worker thread; results come back on the main loop
 *  through libre mqueue; a small LRU cache by text.
 *
 * Only plain C data crosses the thread boundary (a malloc'd copy of the
 * text in, a malloc'd sample buffer out); libre objects stay on the main
 * thread. Requests for a text that is being synthesized share the work.
 */
#ifndef HOTLINE_TTS_H
#define HOTLINE_TTS_H

#include <stddef.h>

#define TTS_TEXT_MAX 1000     /* bytes; longer text is EINVAL */

struct audio_clip;
struct tts;
struct tts_req;

/** The outcome of one tts_say, on the main loop: 0 and a clip (borrowed:
 *  mem_ref it to keep it), or an errno (EPROTO synthesis failed, ENOMEM)
 *  and NULL. The handler may free the request, other requests or the
 *  tts itself. */
typedef void (tts_h)(int err, struct audio_clip *clip, void *arg);

/** Start the worker; cache_max clips are kept (0 = no cache). mem_deref
 *  cancels every pending request and joins the worker (waiting for the
 *  synthesis in progress, if any). 0, EINVAL, ENOMEM, or a pthread
 *  errno. */
int tts_alloc(struct tts **tp, size_t cache_max);

/** Speak text (1..TTS_TEXT_MAX bytes): h is always called later on the
 *  main loop, once, even for a cache hit. mem_deref(*reqp) before that
 *  cancels the call. 0, EINVAL, ENOMEM. */
int tts_say(struct tts_req **reqp, struct tts *t, const char *text,
	    tts_h *h, void *arg);

#endif

/** @file hotline/player.h  Sends 20 ms G.711 RTP frames to one peer: music
 *  looped in the background, prompts played once on top (queued, each
 *  replaces the music while it plays).
 *
 * One clock (one libre timer on an absolute 20 ms grid) drives every
 * player. When the loop runs late, the frames that are due are sent in a
 * burst (at most PLAYER_CATCHUP per tick); beyond that, time is skipped:
 * the RTP timestamp jumps and the next packet carries the marker bit.
 * Music pauses while a prompt plays and resumes where it stopped.
 */
#ifndef HOTLINE_PLAYER_H
#define HOTLINE_PLAYER_H

#include <stddef.h>
#include <stdint.h>

#define PLAYER_PTIME_MS   20
#define PLAYER_SAMPLES    160                      /* per frame, 8 kHz */
#define PLAYER_FRAME_SIZE (12 + PLAYER_SAMPLES)    /* RTP header + G.711 */
#define PLAYER_CATCHUP    5                        /* frames per tick max */

struct audio_clip;
struct player_clock;
struct player;

/** Send one RTP packet (12-byte header + 160 payload bytes). It must not
 *  free the player. Its result is ignored (a lost frame is not retried). */
typedef int (player_send_h)(const uint8_t *rtp, size_t len, void *arg);

/** A prompt finished playing (its last frame has been produced). Never
 *  called after the player was freed or its prompts cleared. It may free
 *  the player, or queue the next prompt (played without a gap). */
typedef void (player_done_h)(void *arg);

/** The shared 20 ms clock; players hold a reference. 0, EINVAL, ENOMEM. */
int player_clock_alloc(struct player_clock **cp);

/** A player sending with payload type pt (0 PCMU, 8 PCMA) through sendh,
 *  from the clock's next tick: silence until music or a prompt is set.
 *  Random SSRC, sequence number and timestamp. mem_deref stops it.
 *  0, EINVAL, ENOMEM. */
int player_alloc(struct player **pp, struct player_clock *clk, uint8_t pt,
		 player_send_h *sendh, void *arg);

/** Loop music (a reference is kept; NULL = silence). Setting the clip
 *  that is already playing keeps its position. */
void player_music(struct player *p, struct audio_clip *music);

/** Queue clip after the current prompts (a reference is kept); doneh
 *  (may be NULL) once it has played. 0, EINVAL, ENOMEM. */
int player_say(struct player *p, struct audio_clip *clip,
	       player_done_h *doneh, void *arg);

/** Drop the queued and current prompts (their doneh is not called);
 *  music resumes on the next frame. */
void player_prompts_clear(struct player *p);

/** Produce the next frame into out and return its length
 *  (PLAYER_FRAME_SIZE). Used by the clock; public for tests. doneh
 *  handlers run inside, after the frame is complete; when one frees p,
 *  out is still valid but must not be sent (hold a mem_ref to tell). */
size_t player_frame(struct player *p, uint8_t out[PLAYER_FRAME_SIZE]);

/** Frames that were never sent (the loop fell too far behind): advance
 *  the timestamp by n frames and set the marker on the next packet. The
 *  audio position does not move (a prompt is never cut). */
void player_skip(struct player *p, uint32_t n);

#endif

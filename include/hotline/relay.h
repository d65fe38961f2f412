/** @file hotline/relay.h  RTP relay: each call anchors its media on two
 *  local port pairs and forwards packets between them unchanged.
 *
 * Side A faces the caller, side B faces the callee. A packet that
 * arrives on A's RTP (or RTCP) socket is sent from B's socket to B's
 * remote address, and the other way round. Payloads are not decoded or
 * transcoded (both legs negotiate the same codec). Remote addresses come
 * from SDP; the first packet from another source latches it (symmetric
 * RTP, for phones behind NAT). Sockets are read in batches (recvmmsg).
 *
 * A relay reports a media timeout when neither side has received
 * anything for timeout_s while not on hold. A pool owns the port range
 * and one sweep timer for all relays.
 */
#ifndef HOTLINE_RELAY_H
#define HOTLINE_RELAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct sa;
struct relay_pool;
struct relay;

enum relay_side { RELAY_A = 0, RELAY_B = 1 };

struct relay_stats {
	uint64_t rx_packets, rx_bytes;    /* received on this side */
	uint64_t tx_packets, tx_bytes;    /* sent out of this side */
	uint64_t dropped;                 /* no remote yet, or send failed */
};

/** Called once when the relay times out; the handler may free the relay. */
typedef void (relay_timeout_h)(struct relay *rl, void *arg);

/** A pool on IP addr (port ignored) using ports port_min..port_max
 *  (even RTP, odd RTCP). 0, EINVAL, ENOMEM. */
int relay_pool_alloc(struct relay_pool **poolp, const struct sa *addr,
		     uint16_t port_min, uint16_t port_max);

/** Port pairs in use and free. */
void relay_pool_usage(const struct relay_pool *pool, uint32_t *used,
		      uint32_t *free);

/** A relay with two bound port pairs. EADDRINUSE when the range is
 *  exhausted. timeout_s 0 = no media timeout. */
int relay_alloc(struct relay **rlp, struct relay_pool *pool,
		uint32_t timeout_s, relay_timeout_h *th, void *arg);

/** Our address (IP and RTP port) for side: what goes in that side's SDP. */
void relay_local(const struct relay *rl, enum relay_side side,
		 struct sa *laddr);

/** Where the peer on side wants RTP (from its SDP); RTCP goes to port+1.
 *  Clears a previous latch. */
void relay_set_remote(struct relay *rl, enum relay_side side,
		      const struct sa *raddr);

/** While held, silence does not count towards the media timeout. */
void relay_set_hold(struct relay *rl, bool held);

/** For ms, only side's SDP address may latch (losing forks' media). */
void relay_prefer_sdp(struct relay *rl, enum relay_side side, uint32_t ms);

/** Gated: packets are latched and counted but not forwarded. */
void relay_set_gate(struct relay *rl, bool gated);

void relay_stats(const struct relay *rl, enum relay_side side,
		 struct relay_stats *st);

/** A copy of each RTP packet received on a side (a DTMF receiver, a
 *  recorder). rtp is borrowed for the call only. The handler must not
 *  free the relay (nor anything that frees it); it may call the other
 *  relay functions, including relay_set_tap. */
typedef void (relay_tap_h)(const uint8_t *rtp, size_t len, void *arg);

/** Tap side's RTP (not RTCP): h sees every packet from the side's
 *  accepted source, gated or not, before it is forwarded. NULL h clears
 *  the tap. One tap per side; setting one replaces the previous. */
void relay_set_tap(struct relay *rl, enum relay_side side, relay_tap_h *h,
		   void *arg);

/** Send one packet of our own (a player's RTP) from side's RTP socket to
 *  side's current remote (latched, or from SDP); counted in side's tx.
 *  0, EINVAL, ENOTCONN (no remote yet), or the send errno. */
int relay_send(struct relay *rl, enum relay_side side, const uint8_t *buf,
	       size_t len);

#endif

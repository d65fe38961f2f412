/** @file hotline/dtmf.h  RFC 4733 telephone-event receiver: RTP packets
 *  in, each key press out once as a character of "0123456789*#ABCD"
 *
 * Pure: no I/O, no clock. Feed it every RTP packet of one direction (a
 * relay tap); it ignores the other payload types (audio). A key press is
 * reported on the first packet seen of its event, so it costs no latency
 * and survives the loss of the start packets; continuation packets and
 * the end-bit retransmissions of the same event are not reported again.
 */
#ifndef HOTLINE_DTMF_H
#define HOTLINE_DTMF_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define DTMF_RX_REORDER 16    /* packets: how far back a late one may be */

/* The receiver's state; plain data, embed it anywhere */
struct dtmf_rx {
	int pt;                   /* telephone-event payload type, -1 none */
	bool has_last;            /* an event has been reported */
	uint32_t ssrc;            /* ... in this stream */
	uint32_t ts;              /* ... with this RTP timestamp */
	uint16_t seq;             /* ... in the packet with this number */
	uint8_t event;            /* ... this event code (0..15) */
};

/** Start (or restart) a receiver for payload type pt (0..127, from the
 *  SDP's telephone-event/8000 rtpmap); -1 ignores every packet. */
void dtmf_rx_init(struct dtmf_rx *rx, int pt);

/** One RTP packet. *digit is set to the key of a new event, or 0.
 *  0; EPROTO malformed RTP header or a telephone-event payload under 4
 *  bytes (*digit = 0); EINVAL NULL arguments. */
int dtmf_rx_packet(struct dtmf_rx *rx, const uint8_t *pkt, size_t len,
		   char *digit);

#endif

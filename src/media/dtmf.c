/** @file media/dtmf.c  RFC 4733 telephone-event receiver (no I/O)
 *
 * An event is one RTP timestamp (the event's start) and one event code:
 * all packets of a key press, its continuation updates and the (usually
 * three) retransmissions of the final end-bit packet share both. The
 * receiver remembers the last event it reported and reports a packet
 * whose (timestamp, event code) differs: the first packet that arrives
 * of each press, whichever it is. The same key pressed twice has two
 * start timestamps, so it is reported twice.
 *
 * Late packets: a telephone-event packet of the same stream (SSRC) whose
 * sequence number is 1..DTMF_RX_REORDER behind the packet that was
 * last reported belongs to an older event that was reordered in the
 * network (typically an end retransmission of the previous press): it is
 * ignored, so "1 2" never becomes "1 2 1". The window is short (16
 * packets, about 320 ms of 20 ms audio): reordering beyond it does not
 * happen in practice, and a packet further back is taken as the sender
 * having restarted its sequence numbers and is processed normally (this
 * also lets captures of single key presses, such as sipp's
 * dtmf_2833_*.pcap, which all share one SSRC and keep their recorded
 * sequence numbers, be replayed in any order). A new SSRC starts afresh.
 * An exact replay of the last event (same SSRC, timestamp and code) is
 * indistinguishable from a retransmission and is not reported again.
 *
 * Only the first event block of a payload is read (RFC 2198 redundancy
 * is not negotiated by us); events 16..255 (tones, line events) are
 * ignored, as are the E, R and volume fields.
 */
#include <errno.h>
#include <string.h>
#include <hotline/dtmf.h>
#include "rtphdr.h"

enum {
	TEV_PAYLOAD = 4,          /* event, E/R/volume, duration */
	TEV_DTMF_MAX = 15,        /* events 0..15 are DTMF keys */
};

static const char keyv[] = "0123456789*#ABCD";


/**
 * Start or restart a receiver: nothing reported yet.
 *
 * @param rx  The receiver
 * @param pt  Negotiated telephone-event payload type 0..127; -1 (or any
 *            value outside 0..127) means none: every packet is ignored
 */
void dtmf_rx_init(struct dtmf_rx *rx, int pt)
{
	if (!rx)
		return;

	memset(rx, 0, sizeof(*rx));
	rx->pt = pt >= 0 && pt <= 127 ? pt : -1;
}


/* A late packet of an older event of the same stream (see file comment) */
static bool is_late(const struct dtmf_rx *rx, const struct rtphdr *r)
{
	uint16_t behind = (uint16_t)(rx->seq - r->seq);

	return behind >= 1 && behind <= DTMF_RX_REORDER;
}


/**
 * Feed one RTP packet.
 *
 * @param rx     The receiver
 * @param pkt    The RTP packet (header included; not kept)
 * @param len    Its length
 * @param digit  Set to '0'..'9', '*', '#', 'A'..'D' when the packet is
 *               the first seen of a new DTMF event; otherwise 0
 *
 * @return 0 (a digit, or nothing to report: another payload type, a
 *         repeat of the last event, a late packet, events above 15, a
 *         receiver without payload type); EPROTO (the packet is not
 *         valid RTP - see rtphdr_parse - or a telephone-event payload is
 *         shorter than 4 bytes); EINVAL (NULL rx or digit)
 */
int dtmf_rx_packet(struct dtmf_rx *rx, const uint8_t *pkt, size_t len,
		   char *digit)
{
	struct rtphdr r;
	uint8_t event;
	int err;

	if (!digit)
		return EINVAL;

	*digit = 0;
	if (!rx)
		return EINVAL;

	if (rx->pt < 0)
		return 0;

	err = rtphdr_parse(&r, pkt, len);
	if (err)
		return err;

	if (r.pt != rx->pt)
		return 0;

	if (r.payload_len < TEV_PAYLOAD)
		return EPROTO;

	event = r.payload[0];
	if (event > TEV_DTMF_MAX)
		return 0;

	if (rx->has_last && r.ssrc == rx->ssrc &&
	    (is_late(rx, &r) || (r.ts == rx->ts && event == rx->event)))
		return 0;

	rx->has_last = true;
	rx->ssrc = r.ssrc;
	rx->ts = r.ts;
	rx->seq = r.seq;
	rx->event = event;
	*digit = keyv[event];

	return 0;
}

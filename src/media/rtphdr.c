/** @file media/rtphdr.c  Strict RTP header parsing (RFC 3550 §5.1): every
 *  length the header claims is checked against the datagram */
#include <errno.h>
#include "rtphdr.h"

enum {
	RTPHDR_HDR = 12,           /* fixed header */
	RTPHDR_EXT = 4,            /* extension header: profile, length */
};


static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}


static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | (uint32_t)p[3];
}


/**
 * Parse an RTP packet.
 *
 * @param r    Filled on success (payload points into pkt)
 * @param pkt  The datagram
 * @param len  Its length
 *
 * @return 0; EINVAL (NULL); EPROTO when the datagram is not a valid RTP
 *         packet: shorter than 12 bytes, version other than 2, CSRC list
 *         or extension header (with its length) beyond the end, padding
 *         count 0 or larger than what follows the header. An empty
 *         payload is valid.
 */
int rtphdr_parse(struct rtphdr *r, const uint8_t *pkt, size_t len)
{
	size_t hdr, pad = 0;

	if (!r || (!pkt && len))
		return EINVAL;

	if (len < RTPHDR_HDR || (pkt[0] >> 6) != 2)
		return EPROTO;

	hdr = RTPHDR_HDR + 4u * (pkt[0] & 0x0f);
	if (hdr > len)
		return EPROTO;

	if (pkt[0] & 0x10) {
		if (len - hdr < RTPHDR_EXT)
			return EPROTO;
		hdr += RTPHDR_EXT + 4u * rd16(pkt + hdr + 2);
		if (hdr > len)
			return EPROTO;
	}

	if (pkt[0] & 0x20) {
		pad = pkt[len - 1];
		if (!pad || pad > len - hdr)
			return EPROTO;
	}

	r->marker = (pkt[1] & 0x80) != 0;
	r->pt = pkt[1] & 0x7f;
	r->seq = rd16(pkt + 2);
	r->ts = rd32(pkt + 4);
	r->ssrc = rd32(pkt + 8);
	r->payload = pkt + hdr;
	r->payload_len = len - hdr - pad;

	return 0;
}

size_t rtphdr_write(const struct rtphdr *r, uint8_t out[RTPHDR_SIZE])
{
	out[0] = 0x80;
	out[1] = (uint8_t)((r->marker ? 0x80 : 0) | (r->pt & 0x7f));
	out[2] = (uint8_t)(r->seq >> 8);
	out[3] = (uint8_t)r->seq;
	out[4] = (uint8_t)(r->ts >> 24);
	out[5] = (uint8_t)(r->ts >> 16);
	out[6] = (uint8_t)(r->ts >> 8);
	out[7] = (uint8_t)r->ts;
	out[8] = (uint8_t)(r->ssrc >> 24);
	out[9] = (uint8_t)(r->ssrc >> 16);
	out[10] = (uint8_t)(r->ssrc >> 8);
	out[11] = (uint8_t)r->ssrc;
	return RTPHDR_SIZE;
}

/** @file media/rtphdr.h  RTP headers of the packets we inspect (strict
 *  parsing: DTMF receiver, recorder) and make (players); private to
 *  src/media, public to unit tests that build packets */
#ifndef MEDIA_RTPHDR_H
#define MEDIA_RTPHDR_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* A parsed RTP packet; payload points into the parsed buffer */
struct rtphdr {
	uint8_t pt;
	bool marker;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	const uint8_t *payload;   /* borrowed; without padding */
	size_t payload_len;
};

int rtphdr_parse(struct rtphdr *r, const uint8_t *pkt, size_t len);

#define RTPHDR_SIZE 12

/** Write r's pt, marker, seq, ts and ssrc as a plain header (version 2,
 *  no padding, extension or CSRC) into out; returns RTPHDR_SIZE. */
size_t rtphdr_write(const struct rtphdr *r, uint8_t out[RTPHDR_SIZE]);

#endif

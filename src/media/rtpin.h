/** @file media/rtpin.h  Strict RTP header parsing for the packets we
 *  inspect (DTMF receiver, recorder); private to src/media */
#ifndef MEDIA_RTPIN_H
#define MEDIA_RTPIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* A parsed RTP packet; payload points into the parsed buffer */
struct rtpin {
	uint8_t pt;
	bool marker;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	const uint8_t *payload;   /* borrowed; without padding */
	size_t payload_len;
};

int rtpin_parse(struct rtpin *r, const uint8_t *pkt, size_t len);

#endif

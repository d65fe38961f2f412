/** @file hotline/sdpdesc.h  The audio part of an SDP body, as a B2BUA
 *  that relays media needs it: parse, keep the codecs we relay, write
 *  our own offer or answer. No I/O (a fuzz target covers the parser).
 *
 * Only the first m=audio line is used; other media lines are answered
 * with port 0 by the caller's peer when we leave them out of our SDP.
 * We relay without transcoding, so both legs must share a codec: PCMU (0),
 * PCMA (8), plus telephone-event (RFC 4733) passed through.
 */
#ifndef HOTLINE_SDPDESC_H
#define HOTLINE_SDPDESC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct mbuf;
struct sa;

#define SDPDESC_MAX_LEN   16384   /* larger bodies: EMSGSIZE */
#define SDPDESC_LINE_MAX  1024    /* a longer line: EPROTO */
#define SDPDESC_FMTS_MAX  32      /* formats kept from one m= line */

enum sdpdesc_dir { SDPDESC_SENDRECV = 0, SDPDESC_SENDONLY,
		   SDPDESC_RECVONLY, SDPDESC_INACTIVE };

struct sdpdesc_fmt {
	uint8_t pt;          /* payload type 0..127 */
	char name[32];       /* encoding name from a=rtpmap, or the static
				name (PCMU, PCMA, ...) */
	uint32_t rate;       /* clock rate */
	char fmtp[128];      /* a=fmtp parameters, "" if none */
};

struct sdpdesc {
	char addr[64];       /* connection address (media c= or session c=) */
	bool ipv6;
	uint16_t port;       /* m=audio port; 0 = stream refused */
	enum sdpdesc_dir dir;    /* media-level, else session-level attribute */
	bool hold_addr;      /* c= 0.0.0.0: RFC 2543 hold */
	uint32_t ptime;      /* a=ptime, 0 if absent */
	struct sdpdesc_fmt fmtv[SDPDESC_FMTS_MAX];   /* in m= line order */
	size_t fmtc;
};

/**
 * Parse an SDP body (RFC 4566 lines, CRLF or LF). Returns 0;
 * EMSGSIZE (body too large); EPROTO (malformed: no v= first, a bad line,
 * no c= for the audio stream, bad port or payload type);
 * ENOENT (no m=audio line).
 */
int sdpdesc_parse(struct sdpdesc *d, const char *buf, size_t len);

/**
 * Keep only the formats we relay (PCMU/8000, PCMA/8000,
 * telephone-event/8000), in their original order. With prefer (not NULL:
 * an answer to our offer, or the other leg's choice), keep only the
 * audio codecs also present there. Returns 0 or ENOTSUP when no audio
 * codec is left (the caller answers 488 Not Acceptable Here).
 */
int sdpdesc_filter(struct sdpdesc *d, const struct sdpdesc *prefer);

/** Is the stream on hold (sendonly, inactive or c=0.0.0.0)? */
bool sdpdesc_is_hold(const struct sdpdesc *d);

/** The direction to answer with: sendonly <-> recvonly. */
enum sdpdesc_dir sdpdesc_dir_reverse(enum sdpdesc_dir dir);

/** Our copy of the remote media address (addr:port) into *sa; EINVAL
 *  when addr is not a literal IP address. */
int sdpdesc_remote(const struct sdpdesc *d, struct sa *sa);

/**
 * Write an SDP body for d with our address laddr (IP and port) in o=,
 * c= and m=, session id sess_id and version (increment on every change,
 * as RFC 3264 requires for re-offers), formats and direction from d.
 * *mbp is a new mbuf positioned at 0. 0 or ENOMEM.
 */
int sdpdesc_encode(struct mbuf **mbp, const struct sdpdesc *d,
		   const struct sa *laddr, uint64_t sess_id,
		   uint32_t version);

const char *sdpdesc_dir_name(enum sdpdesc_dir dir);  /* "sendrecv", ... */

#endif

/** @file hotline/ws_frame.h  RFC 6455 server-side framing (no I/O)
 *
 * Our own framer: libre 1.1.0's websock overflows on 64-bit lengths
 * (STACK.md pitfall 2). The decoder is resumable: feed it whatever bytes
 * arrived, it consumes them and hands back complete messages one at a
 * time. Every protocol violation ends in WS_DEC_ERROR with the close code
 * the server must send; the decoder never reads past what it was given.
 */
#ifndef HOTLINE_WS_FRAME_H
#define HOTLINE_WS_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

enum ws_opcode {
	WS_OP_CONT   = 0x0,
	WS_OP_TEXT   = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE  = 0x8,
	WS_OP_PING   = 0x9,
	WS_OP_PONG   = 0xa,
};

enum ws_close_code {
	WS_CLOSE_NORMAL       = 1000,
	WS_CLOSE_GOING_AWAY   = 1001,
	WS_CLOSE_PROTOCOL     = 1002,
	WS_CLOSE_UNSUPPORTED  = 1003,  /* e.g. binary data where text expected */
	WS_CLOSE_NO_STATUS    = 1005,  /* never on the wire */
	WS_CLOSE_INVALID_DATA = 1007,  /* text that is not UTF-8 */
	WS_CLOSE_POLICY       = 1008,  /* e.g. slow consumer, auth */
	WS_CLOSE_TOO_BIG      = 1009,
	WS_CLOSE_INTERNAL     = 1011,
	WS_CLOSE_TRY_AGAIN    = 1013,  /* server overloaded / shutting down */
};

enum ws_dec_result {
	WS_DEC_MORE = 0,   /* every byte consumed, no message yet */
	WS_DEC_MSG,        /* *msg holds a complete message or control frame */
	WS_DEC_ERROR,      /* protocol violation: send close *close_code */
};

/** A decoded message. data points into decoder-owned memory valid until
 *  the next ws_dec_feed() or ws_dec_free(). For WS_OP_CLOSE, close_code
 *  holds the peer's code (WS_CLOSE_NO_STATUS if the frame had none) and
 *  data/len the reason text. */
struct ws_msg {
	enum ws_opcode op;       /* TEXT, BINARY, CLOSE, PING or PONG */
	const uint8_t *data;
	size_t len;
	uint16_t close_code;
};

struct ws_dec;

/** Allocate a decoder (libre mem). max_msg caps a whole message,
 *  fragments included (payload bytes); larger gives WS_CLOSE_TOO_BIG. */
int ws_dec_alloc(struct ws_dec **decp, size_t max_msg);

/** Feed bytes. *consumed gets how many of buf were used (always all of
 *  them on WS_DEC_MORE; on WS_DEC_MSG call again with the rest). Client
 *  frames must be masked, RSV bits clear, control frames FIN and <= 125
 *  bytes, close codes valid, text UTF-8, continuation in order.
 *  After WS_DEC_ERROR the decoder stays in error. */
enum ws_dec_result ws_dec_feed(struct ws_dec *dec, const uint8_t *buf,
			       size_t len, size_t *consumed,
			       struct ws_msg *msg, uint16_t *close_code);

/** Write an unmasked server frame header (FIN set) for a payload of len
 *  bytes into hdr (at least 10 bytes). Returns the header length. */
size_t ws_frame_header(uint8_t *hdr, enum ws_opcode op, uint64_t len);

/** Sec-WebSocket-Accept for a client key: base64(SHA-1(key + GUID)).
 *  out gets 28 characters and a NUL. 0 or EINVAL (bad key length). */
int ws_accept_key(const char *key, size_t keylen, char out[29]);

/** True if buf is valid UTF-8 (RFC 3629: no overlongs, no surrogates). */
bool ws_utf8_valid(const uint8_t *buf, size_t len);

#endif

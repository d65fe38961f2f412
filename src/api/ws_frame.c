/** @file api/ws_frame.c  RFC 6455 server-side framing: decoder, header, accept key, UTF-8 (no I/O) */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <hotline/ws_frame.h>

/*
 * The decoder is a byte-driven state machine in the style of nginx's
 * request parser: it never looks ahead of what it was given and keeps its
 * place across calls, so any split of the input decodes the same way.
 *
 *   ST_HDR      collect 2..14 header bytes; the first two are checked as
 *               soon as they arrive, lengths and size caps once the
 *               extended length is complete (before any payload).
 *   ST_PAYLOAD  unmask payload bytes straight into their destination:
 *               dec->ctl for control frames, dec->buf for data, so a
 *               control frame can interleave with a fragmented message.
 *   ST_ERROR    sticky; dec->err is the close code to send.
 *
 * Text is checked as UTF-8 byte by byte across fragments, so a sequence
 * split between fragments is fine and bad text fails early.
 */

enum {
	CTL_MAX = 125,        /* RFC 6455 5.5: control payload limit */
	HDR_MAX = 14,         /* 2 + 8 (64-bit length) + 4 (mask) */
	BUF_MIN = 256,        /* first allocation of the message buffer */
};

enum dec_state {
	ST_HDR,
	ST_PAYLOAD,
	ST_ERROR,
};

/* Incremental UTF-8 checker (RFC 3629 table 4): need is the number of
 * continuation bytes still expected, [lo, hi] the range allowed for the
 * next one. The narrowed ranges reject overlongs, surrogates and code
 * points above U+10FFFF. */
struct utf8 {
	uint8_t need;
	uint8_t lo;
	uint8_t hi;
};

struct ws_dec {
	size_t max_msg;          /* cap on a whole data message */
	enum dec_state st;
	uint16_t err;            /* close code, valid in ST_ERROR */

	/* current frame */
	uint8_t hdr[HDR_MAX];
	size_t hlen;             /* header bytes collected */
	size_t hneed;            /* header size, known once hlen >= 2 */
	uint8_t op;
	bool fin;
	uint8_t mask[4];
	uint64_t plen;           /* payload length of this frame */
	uint64_t pos;            /* payload bytes seen of this frame */

	/* data message, possibly spanning fragments */
	uint8_t *buf;            /* owned (mem), cap bytes, len used */
	size_t len;
	size_t cap;
	enum ws_opcode mop;      /* TEXT or BINARY */
	bool in_msg;             /* a message has started, FIN not seen */
	struct utf8 u8;

	uint8_t ctl[CTL_MAX];    /* current control frame payload */
};

static const uint8_t empty[1];

static bool utf8_byte(struct utf8 *u, uint8_t b)
{
	if (u->need) {
		if (b < u->lo || b > u->hi)
			return false;
		u->need--;
		u->lo = 0x80;
		u->hi = 0xbf;
		return true;
	}

	u->lo = 0x80;
	u->hi = 0xbf;
	if (b < 0x80)
		return true;
	else if (b >= 0xc2 && b <= 0xdf)
		u->need = 1;
	else if (b >= 0xe0 && b <= 0xef)
		u->need = 2;
	else if (b >= 0xf0 && b <= 0xf4)
		u->need = 3;
	else
		return false;   /* continuation, C0/C1 overlong, > U+10FFFF */

	if (b == 0xe0)
		u->lo = 0xa0;   /* overlong 3-byte */
	else if (b == 0xed)
		u->hi = 0x9f;   /* U+D800..DFFF */
	else if (b == 0xf0)
		u->lo = 0x90;   /* overlong 4-byte */
	else if (b == 0xf4)
		u->hi = 0x8f;   /* > U+10FFFF */

	return true;
}

static bool utf8_run(struct utf8 *u, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!utf8_byte(u, p[i]))
			return false;
	}
	return true;
}

/**
 * Check a complete buffer as UTF-8 (RFC 3629 strict).
 *
 * @param buf  Bytes to check (may be NULL when len is 0)
 * @param len  Number of bytes
 *
 * @return true if every sequence is well formed and none is cut off at
 *         the end; false for overlongs, surrogates, code points above
 *         U+10FFFF, stray continuation bytes or a truncated tail.
 */
bool ws_utf8_valid(const uint8_t *buf, size_t len)
{
	struct utf8 u = {0, 0x80, 0xbf};

	return utf8_run(&u, buf, len) && u.need == 0;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static bool is_control(uint8_t op)
{
	return (op & 0x08) != 0;
}

/* RFC 6455 7.4: codes a peer may send. 1004-1006 and 1015 are reserved
 * or never on the wire; 1012-1014 were registered later by IANA. */
static bool close_code_valid(uint16_t code)
{
	if (code >= 1000 && code <= 1003)
		return true;
	if (code >= 1007 && code <= 1014)
		return true;
	return code >= 3000 && code <= 4999;
}

static void destructor(void *arg)
{
	struct ws_dec *dec = arg;

	mem_deref(dec->buf);
}

/**
 * Allocate a decoder.
 *
 * @param decp     Receives the decoder; release with mem_deref()
 * @param max_msg  Cap on one data message (all fragments' payload);
 *                 control frames are always allowed their 125 bytes
 *
 * @return 0, EINVAL (decp NULL) or ENOMEM
 */
int ws_dec_alloc(struct ws_dec **decp, size_t max_msg)
{
	struct ws_dec *dec;

	if (!decp)
		return EINVAL;

	dec = mem_zalloc(sizeof(*dec), destructor);
	if (!dec)
		return ENOMEM;

	dec->max_msg = max_msg;
	dec->st = ST_HDR;
	*decp = dec;

	return 0;
}

/* Grow the message buffer to hold need bytes (need <= max_msg, checked
 * from the frame header). Doubles so that payload arriving in small
 * pieces does not realloc each time. */
static int buf_reserve(struct ws_dec *dec, size_t need)
{
	size_t cap;
	uint8_t *p;

	if (need <= dec->cap)
		return 0;

	cap = dec->cap ? dec->cap * 2 : BUF_MIN;
	if (cap < need)
		cap = need;
	if (cap > dec->max_msg)
		cap = dec->max_msg;

	p = dec->buf ? mem_realloc(dec->buf, cap) : mem_alloc(cap, NULL);
	if (!p)
		return ENOMEM;

	dec->buf = p;
	dec->cap = cap;

	return 0;
}

/* First two header bytes: flags, opcode, mask bit, 7-bit length and the
 * fragmentation order. Returns a close code or 0. */
static uint16_t hdr_check_start(struct ws_dec *dec)
{
	uint8_t len7 = dec->hdr[1] & 0x7f;

	dec->fin = (dec->hdr[0] & 0x80) != 0;
	dec->op = dec->hdr[0] & 0x0f;

	if (dec->hdr[0] & 0x70 || !(dec->hdr[1] & 0x80))
		return WS_CLOSE_PROTOCOL;   /* RSV bits, unmasked client */

	switch (dec->op) {

	case WS_OP_CLOSE:
	case WS_OP_PING:
	case WS_OP_PONG:
		if (!dec->fin || len7 > CTL_MAX)
			return WS_CLOSE_PROTOCOL;
		break;

	case WS_OP_CONT:
		if (!dec->in_msg)
			return WS_CLOSE_PROTOCOL;
		break;

	case WS_OP_TEXT:
	case WS_OP_BINARY:
		if (dec->in_msg)
			return WS_CLOSE_PROTOCOL;
		break;

	default:
		return WS_CLOSE_PROTOCOL;   /* reserved opcode */
	}

	dec->hneed = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4;

	return 0;
}

/* Payload length from the complete header; the shortest form is
 * mandatory (RFC 6455 5.2) and the 64-bit form has its MSB clear. */
static uint16_t hdr_length(struct ws_dec *dec)
{
	uint8_t len7 = dec->hdr[1] & 0x7f;

	if (len7 < 126) {
		dec->plen = len7;
	}
	else if (len7 == 126) {
		dec->plen = be16(dec->hdr + 2);
		if (dec->plen < 126)
			return WS_CLOSE_PROTOCOL;
	}
	else {
		dec->plen = be64(dec->hdr + 2);
		if (dec->plen >> 63 || dec->plen <= 0xffff)
			return WS_CLOSE_PROTOCOL;
	}

	return 0;
}

/* A data frame's header is complete: start or continue the message and
 * check the cap before any payload arrives. len <= max_msg always, so the
 * subtraction cannot wrap, whatever 63-bit length the peer announced.
 * Memory is reserved as bytes arrive, not from the announced length, so
 * a header alone cannot make us allocate. */
static uint16_t data_begin(struct ws_dec *dec)
{
	if (dec->op != WS_OP_CONT) {
		dec->in_msg = true;
		dec->mop = dec->op;
		dec->len = 0;
		dec->u8 = (struct utf8){0, 0x80, 0xbf};
	}

	if (dec->plen > dec->max_msg - dec->len)
		return WS_CLOSE_TOO_BIG;

	return 0;
}

static uint16_t hdr_byte(struct ws_dec *dec, uint8_t b)
{
	uint16_t code;

	dec->hdr[dec->hlen++] = b;

	if (dec->hlen == 2) {
		code = hdr_check_start(dec);
		if (code)
			return code;
	}
	if (dec->hlen < 2 || dec->hlen < dec->hneed)
		return 0;

	code = hdr_length(dec);
	if (code)
		return code;

	memcpy(dec->mask, dec->hdr + dec->hneed - 4, 4);
	dec->pos = 0;
	dec->st = ST_PAYLOAD;

	return is_control(dec->op) ? 0 : data_begin(dec);
}

/* Unmask up to n payload bytes into place; *used gets how many. */
static uint16_t payload(struct ws_dec *dec, const uint8_t *p, size_t n,
			size_t *used)
{
	uint64_t left = dec->plen - dec->pos;
	uint8_t *dst;

	if (left < n)
		n = (size_t)left;

	if (is_control(dec->op))
		dst = dec->ctl + dec->pos;
	else if (buf_reserve(dec, dec->len + n))
		return WS_CLOSE_INTERNAL;
	else
		dst = dec->buf + dec->len;

	for (size_t i = 0; i < n; i++)
		dst[i] = p[i] ^ dec->mask[(dec->pos + i) & 3];

	dec->pos += n;
	*used = n;

	if (is_control(dec->op))
		return 0;

	dec->len += n;
	if (dec->mop == WS_OP_TEXT && !utf8_run(&dec->u8, dst, n))
		return WS_CLOSE_INVALID_DATA;

	return 0;
}

static uint16_t control_msg(struct ws_dec *dec, struct ws_msg *msg)
{
	size_t n = (size_t)dec->plen;
	uint16_t code;

	msg->op = (enum ws_opcode)dec->op;
	msg->data = dec->ctl;
	msg->len = n;
	msg->close_code = 0;

	if (dec->op != WS_OP_CLOSE)
		return 0;

	if (n == 0) {
		msg->close_code = WS_CLOSE_NO_STATUS;
		return 0;
	}
	if (n == 1)
		return WS_CLOSE_PROTOCOL;

	code = be16(dec->ctl);
	if (!close_code_valid(code))
		return WS_CLOSE_PROTOCOL;
	if (!ws_utf8_valid(dec->ctl + 2, n - 2))
		return WS_CLOSE_INVALID_DATA;

	msg->close_code = code;
	msg->data = dec->ctl + 2;
	msg->len = n - 2;

	return 0;
}

/* The current frame's payload is complete. *ready is set when msg holds
 * something to hand back. */
static uint16_t frame_end(struct ws_dec *dec, struct ws_msg *msg,
			  bool *ready)
{
	dec->st = ST_HDR;
	dec->hlen = 0;

	if (is_control(dec->op)) {
		*ready = true;
		return control_msg(dec, msg);
	}

	if (!dec->fin)
		return 0;

	if (dec->mop == WS_OP_TEXT && dec->u8.need)
		return WS_CLOSE_INVALID_DATA;   /* truncated sequence */

	dec->in_msg = false;
	msg->op = dec->mop;
	msg->data = dec->buf ? dec->buf : empty;
	msg->len = dec->len;
	msg->close_code = 0;
	*ready = true;

	return 0;
}

/* Advance by one header byte or a run of payload bytes. */
static uint16_t step(struct ws_dec *dec, const uint8_t *p, size_t n,
		     size_t *used, struct ws_msg *msg, bool *ready)
{
	uint16_t code;

	if (dec->st == ST_HDR) {
		*used = 1;
		code = hdr_byte(dec, p[0]);
		if (code || dec->st == ST_HDR)
			return code;
	}
	else {
		code = payload(dec, p, n, used);
		if (code)
			return code;
	}

	if (dec->pos < dec->plen)
		return 0;

	return frame_end(dec, msg, ready);
}

/**
 * Feed received bytes to the decoder.
 *
 * @param dec         Decoder
 * @param buf         Bytes received (may be NULL when len is 0)
 * @param len         Number of bytes
 * @param consumed    Receives how many bytes of buf were used: all of
 *                    them on WS_DEC_MORE; on WS_DEC_MSG call again with
 *                    the rest (even if empty, nothing is pending)
 * @param msg         Receives the message on WS_DEC_MSG; msg->data stays
 *                    valid until the next ws_dec_feed() or the decoder's
 *                    release. For TEXT the data is valid UTF-8.
 * @param close_code  Receives the close code to send on WS_DEC_ERROR
 *
 * @return WS_DEC_MORE, WS_DEC_MSG or WS_DEC_ERROR. Errors are sticky:
 *         later calls consume nothing and repeat the same close code.
 */
enum ws_dec_result ws_dec_feed(struct ws_dec *dec, const uint8_t *buf,
			       size_t len, size_t *consumed,
			       struct ws_msg *msg, uint16_t *close_code)
{
	size_t off = 0;

	*consumed = 0;
	if (dec->st == ST_ERROR) {
		*close_code = dec->err;
		return WS_DEC_ERROR;
	}

	while (off < len) {
		size_t used = 0;
		bool ready = false;
		uint16_t code;

		code = step(dec, buf + off, len - off, &used, msg, &ready);
		off += used;
		*consumed = off;

		if (code) {
			dec->st = ST_ERROR;
			dec->err = code;
			*close_code = code;
			return WS_DEC_ERROR;
		}
		if (ready)
			return WS_DEC_MSG;
	}

	return WS_DEC_MORE;
}

/**
 * Write an unmasked server frame header with FIN set.
 *
 * @param hdr  At least 10 bytes
 * @param op   Opcode
 * @param len  Payload length (below 2^63, as RFC 6455 requires)
 *
 * @return Header length: 2, 4 or 10, always the shortest form
 */
size_t ws_frame_header(uint8_t *hdr, enum ws_opcode op, uint64_t len)
{
	hdr[0] = (uint8_t)(0x80 | (op & 0x0f));

	if (len < 126) {
		hdr[1] = (uint8_t)len;
		return 2;
	}
	if (len <= 0xffff) {
		hdr[1] = 126;
		hdr[2] = (uint8_t)(len >> 8);
		hdr[3] = (uint8_t)len;
		return 4;
	}

	hdr[1] = 127;
	for (int i = 0; i < 8; i++)
		hdr[2 + i] = (uint8_t)(len >> (56 - 8 * i));

	return 10;
}

/*
 * SHA-1 (FIPS 180-4), one shot. libre's re_sha.h cannot be used here:
 * Debian's libre 1.1.0 is built with USE_OPENSSL, so SHA1_Init & co are
 * OpenSSL's (not linkable without -lcrypto) and re_sha.h's SHA1_CTX is
 * 4 bytes smaller than OpenSSL's SHA_CTX.
 */
static uint32_t rol32(uint32_t x, unsigned s)
{
	return x << s | x >> (32 - s);
}

static void sha1_block(uint32_t h[5], const uint8_t *b)
{
	uint32_t w[80], v[5], f, k, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)b[4*i] << 24 | (uint32_t)b[4*i+1] << 16 |
			(uint32_t)b[4*i+2] << 8 | b[4*i+3];
	for (; i < 80; i++)
		w[i] = rol32(w[i-3] ^ w[i-8] ^ w[i-14] ^ w[i-16], 1);

	memcpy(v, h, sizeof(v));
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (v[1] & v[2]) | (~v[1] & v[3]);
			k = 0x5a827999;
		}
		else if (i < 40) {
			f = v[1] ^ v[2] ^ v[3];
			k = 0x6ed9eba1;
		}
		else if (i < 60) {
			f = (v[1] & v[2]) | (v[1] & v[3]) | (v[2] & v[3]);
			k = 0x8f1bbcdc;
		}
		else {
			f = v[1] ^ v[2] ^ v[3];
			k = 0xca62c1d6;
		}
		t = rol32(v[0], 5) + f + v[4] + k + w[i];
		v[4] = v[3];
		v[3] = v[2];
		v[2] = rol32(v[1], 30);
		v[1] = v[0];
		v[0] = t;
	}

	for (i = 0; i < 5; i++)
		h[i] += v[i];
}

static void sha1(const uint8_t *p, size_t len, uint8_t out[20])
{
	uint32_t h[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
			 0xc3d2e1f0};
	uint8_t tail[128] = {0};
	size_t full = len & ~(size_t)63, rest = len - full, tlen;
	uint64_t bits = (uint64_t)len * 8;
	int i;

	for (size_t off = 0; off < full; off += 64)
		sha1_block(h, p + off);

	memcpy(tail, p + full, rest);
	tail[rest] = 0x80;
	tlen = rest < 56 ? 64 : 128;
	for (i = 0; i < 8; i++)
		tail[tlen - 1 - i] = (uint8_t)(bits >> (8 * i));

	sha1_block(h, tail);
	if (tlen == 128)
		sha1_block(h, tail + 64);

	for (i = 0; i < 20; i++)
		out[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
}

/**
 * Compute Sec-WebSocket-Accept (RFC 6455 4.2.2).
 *
 * @param key     Sec-WebSocket-Key value as received (trimmed)
 * @param keylen  Its length: 24 (base64 of a 16-byte nonce)
 * @param out     Receives 28 base64 characters and a NUL
 *
 * @return 0, or EINVAL if key/out is NULL or keylen is not 24
 */
int ws_accept_key(const char *key, size_t keylen, char out[29])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	uint8_t in[24 + sizeof(guid) - 1], md[20];
	size_t olen = 28;
	int err;

	if (!key || !out || keylen != 24)
		return EINVAL;

	memcpy(in, key, keylen);
	memcpy(in + keylen, guid, sizeof(guid) - 1);
	sha1(in, sizeof(in), md);

	err = base64_encode(md, sizeof(md), out, &olen);
	if (err)
		goto out;

	out[olen] = '\0';

 out:
	return err;
}

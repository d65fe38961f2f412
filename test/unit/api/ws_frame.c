/** @file test/unit/api/ws_frame.c  RFC 6455 decoder, header writer, accept key, UTF-8 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <hotline/ws_frame.h>

#define MAXMSGS 16
#define MAX_MSG 4096

static const uint8_t mask_key[4] = {0x37, 0xfa, 0x21, 0x3d};

struct got {
	enum ws_opcode op;
	uint16_t code;
	size_t len;
	uint8_t *data;           /* copy, owned */
};

/* Outcome of feeding a whole input in chunks of a given size */
struct run {
	size_t n;
	struct got m[MAXMSGS];
	enum ws_dec_result last;  /* WS_DEC_MORE or WS_DEC_ERROR */
	uint16_t err;
	size_t used;              /* bytes consumed in total */
};

/* Client frame: masked, shortest length form. Returns its size. */
static size_t mkframe(uint8_t *out, bool fin, uint8_t op, const void *pl,
		      size_t len)
{
	const uint8_t *p = pl;
	size_t h = 2;

	out[0] = (uint8_t)((fin ? 0x80 : 0) | op);
	if (len < 126) {
		out[1] = (uint8_t)(0x80 | len);
	}
	else if (len <= 0xffff) {
		out[1] = 0x80 | 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		h = 4;
	}
	else {
		out[1] = 0x80 | 127;
		for (int i = 0; i < 8; i++)
			out[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
		h = 10;
	}
	memcpy(out + h, mask_key, 4);
	h += 4;
	for (size_t i = 0; i < len; i++)
		out[h + i] = p[i] ^ mask_key[i & 3];

	return h + len;
}

static size_t mkclose(uint8_t *out, uint16_t code, const char *reason)
{
	uint8_t pl[125];
	size_t rl = strlen(reason);

	pl[0] = (uint8_t)(code >> 8);
	pl[1] = (uint8_t)code;
	memcpy(pl + 2, reason, rl);

	return mkframe(out, true, WS_OP_CLOSE, pl, 2 + rl);
}

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->m[i].data);
	memset(r, 0, sizeof(*r));
}

static void record(struct run *r, const struct ws_msg *msg)
{
	struct got *g;

	assert_true(r->n < MAXMSGS);
	assert_non_null(msg->data);
	g = &r->m[r->n++];
	g->op = msg->op;
	g->code = msg->close_code;
	g->len = msg->len;
	g->data = malloc(msg->len + 1);
	assert_non_null(g->data);
	memcpy(g->data, msg->data, msg->len);
}

/* Feed buf in chunks of chunk bytes, collecting every message, until the
 * input is used up or the decoder fails. */
static void run_feed(struct run *r, size_t max_msg, const uint8_t *buf,
		     size_t len, size_t chunk)
{
	struct ws_dec *dec = NULL;
	size_t off = 0;

	memset(r, 0, sizeof(*r));
	assert_int_equal(0, ws_dec_alloc(&dec, max_msg));
	r->last = WS_DEC_MORE;

	while (off < len && r->last != WS_DEC_ERROR) {
		size_t end = len - off > chunk ? off + chunk : len;

		while (off < end) {
			struct ws_msg msg;
			size_t c = 99999;

			r->last = ws_dec_feed(dec, buf + off, end - off, &c,
					      &msg, &r->err);
			assert_true(c <= end - off);
			off += c;
			if (r->last == WS_DEC_ERROR)
				break;
			if (r->last == WS_DEC_MSG)
				record(r, &msg);
			else
				assert_int_equal(off, end);
		}
	}
	if (r->last == WS_DEC_MSG)
		r->last = WS_DEC_MORE;   /* input used up, nothing pending */
	r->used = off;
	mem_deref(dec);
}

static void assert_runs_equal(const struct run *a, const struct run *b)
{
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->last, b->last);
	if (a->last == WS_DEC_ERROR)
		assert_int_equal(a->err, b->err);
	for (size_t i = 0; i < a->n; i++) {
		assert_int_equal(a->m[i].op, b->m[i].op);
		assert_int_equal(a->m[i].code, b->m[i].code);
		assert_int_equal(a->m[i].len, b->m[i].len);
		assert_memory_equal(a->m[i].data, b->m[i].data, a->m[i].len);
	}
}

/* Decode one-shot and byte by byte; both must fail with code. */
static void expect_error(const uint8_t *buf, size_t len, size_t max_msg,
			 uint16_t code)
{
	static const size_t chunks[] = {1, 3, SIZE_MAX};

	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		struct run r;

		run_feed(&r, max_msg, buf, len, chunks[i]);
		assert_int_equal(WS_DEC_ERROR, r.last);
		assert_int_equal(code, r.err);
		run_free(&r);
	}
}

/* Decode one-shot and byte by byte; both must give exactly one message */
static void expect_one(const uint8_t *buf, size_t len, size_t max_msg,
		       enum ws_opcode op, const void *data, size_t dlen,
		       uint16_t code)
{
	struct run a, b;

	run_feed(&a, max_msg, buf, len, SIZE_MAX);
	assert_int_equal(WS_DEC_MORE, a.last);
	assert_int_equal(1, a.n);
	assert_int_equal(len, a.used);
	assert_int_equal(op, a.m[0].op);
	assert_int_equal(code, a.m[0].code);
	assert_int_equal(dlen, a.m[0].len);
	if (dlen)
		assert_memory_equal(data, a.m[0].data, dlen);

	run_feed(&b, max_msg, buf, len, 1);
	assert_runs_equal(&a, &b);
	run_free(&a);
	run_free(&b);
}

static void test_lengths(void **state)
{
	static const size_t lens[] = {0, 1, 125, 126, 65535, 65536};
	static const size_t hlen[] = {6, 6, 6, 8, 8, 14};
	size_t max = 65536;
	uint8_t *pl = malloc(max), *fr = malloc(max + 14);
	(void)state;

	assert_non_null(pl);
	assert_non_null(fr);
	for (size_t i = 0; i < max; i++)
		pl[i] = (uint8_t)('a' + i % 26);

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = mkframe(fr, true, WS_OP_TEXT, pl, lens[i]);

		assert_int_equal(hlen[i] + lens[i], n);
		expect_one(fr, n, max, WS_OP_TEXT, pl, lens[i], 0);
		n = mkframe(fr, true, WS_OP_BINARY, pl, lens[i]);
		expect_one(fr, n, max, WS_OP_BINARY, pl, lens[i], 0);
	}

	/* exactly max_msg is allowed, one more is not */
	expect_one(fr, mkframe(fr, true, WS_OP_BINARY, pl, 1000), 1000,
		   WS_OP_BINARY, pl, 1000, 0);
	expect_error(fr, mkframe(fr, true, WS_OP_BINARY, pl, 1001), 1000,
		     WS_CLOSE_TOO_BIG);

	free(pl);
	free(fr);
}

static void test_fragments_with_ping(void **state)
{
	uint8_t buf[256];
	size_t n = 0;
	struct run a, b;
	(void)state;

	/* "Hello, wörld": the ö (C3 B6) is split between fragments */
	n += mkframe(buf + n, false, WS_OP_TEXT, "Hello", 5);
	n += mkframe(buf + n, true, WS_OP_PING, "p1", 2);
	n += mkframe(buf + n, false, WS_OP_CONT, ", w\xc3", 4);
	n += mkframe(buf + n, true, WS_OP_PONG, "", 0);
	n += mkframe(buf + n, true, WS_OP_CONT, "\xb6rld", 4);

	run_feed(&a, MAX_MSG, buf, n, SIZE_MAX);
	assert_int_equal(WS_DEC_MORE, a.last);
	assert_int_equal(3, a.n);
	assert_int_equal(WS_OP_PING, a.m[0].op);
	assert_int_equal(2, a.m[0].len);
	assert_memory_equal("p1", a.m[0].data, 2);
	assert_int_equal(WS_OP_PONG, a.m[1].op);
	assert_int_equal(0, a.m[1].len);
	assert_int_equal(WS_OP_TEXT, a.m[2].op);
	assert_int_equal(13, a.m[2].len);
	assert_memory_equal("Hello, w\xc3\xb6rld", a.m[2].data, 13);

	run_feed(&b, MAX_MSG, buf, n, 1);
	assert_runs_equal(&a, &b);
	run_free(&a);
	run_free(&b);

	/* a binary message may be fragmented too, with empty fragments */
	n = mkframe(buf, false, WS_OP_BINARY, "\xff", 1);
	n += mkframe(buf + n, false, WS_OP_CONT, "", 0);
	n += mkframe(buf + n, true, WS_OP_CONT, "\xfe", 1);
	expect_one(buf, n, MAX_MSG, WS_OP_BINARY, "\xff\xfe", 2, 0);
}

/* A mixed stream decodes identically whatever the chunk size */
static void test_any_split(void **state)
{
	uint8_t pl[300], buf[1024];
	size_t n = 0;
	struct run ref;
	(void)state;

	for (size_t i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)(i * 7);

	n += mkframe(buf + n, true, WS_OP_TEXT, "abc", 3);
	n += mkframe(buf + n, true, WS_OP_BINARY, pl, sizeof(pl));
	n += mkframe(buf + n, false, WS_OP_TEXT, "\xe2\x82", 2);
	n += mkframe(buf + n, true, WS_OP_PING, pl, 125);
	n += mkframe(buf + n, true, WS_OP_CONT, "\xac!", 2);
	n += mkframe(buf + n, true, WS_OP_TEXT, "", 0);
	n += mkclose(buf + n, 1000, "bye");

	run_feed(&ref, MAX_MSG, buf, n, SIZE_MAX);
	assert_int_equal(WS_DEC_MORE, ref.last);
	assert_int_equal(6, ref.n);
	assert_int_equal(n, ref.used);
	assert_memory_equal("\xe2\x82\xac!", ref.m[3].data, 4);
	assert_int_equal(WS_OP_CLOSE, ref.m[5].op);
	assert_int_equal(1000, ref.m[5].code);

	for (size_t chunk = 1; chunk <= 64; chunk++) {
		struct run r;

		run_feed(&r, MAX_MSG, buf, n, chunk);
		assert_runs_equal(&ref, &r);
		run_free(&r);
	}
	run_free(&ref);
}

static void test_two_frames_one_buffer(void **state)
{
	uint8_t buf[64];
	size_t n1, n2, c = 0;
	struct ws_dec *dec = NULL;
	struct ws_msg msg;
	uint16_t code = 0;
	(void)state;

	n1 = mkframe(buf, true, WS_OP_TEXT, "one", 3);
	n2 = mkframe(buf + n1, true, WS_OP_BINARY, "second", 6);
	assert_int_equal(0, ws_dec_alloc(&dec, MAX_MSG));

	assert_int_equal(WS_DEC_MSG,
			 ws_dec_feed(dec, buf, n1 + n2, &c, &msg, &code));
	assert_int_equal(n1, c);
	assert_int_equal(WS_OP_TEXT, msg.op);
	assert_int_equal(3, msg.len);
	assert_memory_equal("one", msg.data, 3);

	assert_int_equal(WS_DEC_MSG,
			 ws_dec_feed(dec, buf + n1, n2, &c, &msg, &code));
	assert_int_equal(n2, c);
	assert_int_equal(WS_OP_BINARY, msg.op);
	assert_memory_equal("second", msg.data, 6);

	assert_int_equal(WS_DEC_MORE,
			 ws_dec_feed(dec, buf, 0, &c, &msg, &code));
	assert_int_equal(0, c);

	/* a partial frame is consumed whole and waits for the rest */
	assert_int_equal(WS_DEC_MORE,
			 ws_dec_feed(dec, buf, n1 - 1, &c, &msg, &code));
	assert_int_equal(n1 - 1, c);
	assert_int_equal(WS_DEC_MSG,
			 ws_dec_feed(dec, buf + n1 - 1, 1, &c, &msg, &code));
	assert_int_equal(1, c);
	assert_memory_equal("one", msg.data, 3);

	mem_deref(dec);
}

static void test_close_frames(void **state)
{
	static const uint16_t good[] = {1000, 1001, 1002, 1003, 1007, 1008,
					1009, 1010, 1011, 1012, 1013, 1014,
					3000, 4000, 4999};
	static const uint16_t bad[] = {0, 999, 1004, 1005, 1006, 1015, 1016,
				       1100, 2000, 2999, 5000, 65535};
	uint8_t buf[160];
	char reason[124];
	size_t n;
	(void)state;

	n = mkframe(buf, true, WS_OP_CLOSE, "", 0);
	expect_one(buf, n, MAX_MSG, WS_OP_CLOSE, "", 0, WS_CLOSE_NO_STATUS);

	n = mkclose(buf, 1001, "going away \xe2\x82\xac");
	expect_one(buf, n, MAX_MSG, WS_OP_CLOSE, "going away \xe2\x82\xac",
		   14, 1001);

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		n = mkclose(buf, good[i], "");
		expect_one(buf, n, MAX_MSG, WS_OP_CLOSE, "", 0, good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = mkclose(buf, bad[i], "x");
		expect_error(buf, n, MAX_MSG, WS_CLOSE_PROTOCOL);
	}

	/* 1 byte: 0x0f would read as 3840 (valid) if a second were taken */
	n = mkframe(buf, true, WS_OP_CLOSE, "\x0f", 1);
	expect_error(buf, n, MAX_MSG, WS_CLOSE_PROTOCOL);

	n = mkclose(buf, 1000, "bad \xc0\xaf");
	expect_error(buf, n, MAX_MSG, WS_CLOSE_INVALID_DATA);

	/* the largest close frame: code + 123 bytes of reason */
	memset(reason, 'r', 123);
	reason[123] = '\0';
	n = mkclose(buf, 1000, reason);
	assert_int_equal(6 + 125, n);
	expect_one(buf, n, MAX_MSG, WS_OP_CLOSE, reason, 123, 1000);
}

struct bad_case {
	const char *name;
	uint8_t b[24];
	size_t len;
	uint16_t code;
};

#define M 0x37, 0xfa, 0x21, 0x3d

/* Malformed headers. Only the header is given: errors must be detected
 * before any payload arrives. MAX_MSG is 4096. */
static const struct bad_case bad_cases[] = {
	{"unmasked text", {0x81, 0x03, 'a', 'b', 'c'}, 5, 1002},
	{"unmasked empty", {0x82, 0x00}, 2, 1002},
	{"RSV1", {0xc1, 0x80, M}, 6, 1002},
	{"RSV2", {0xa1, 0x80, M}, 6, 1002},
	{"RSV3", {0x91, 0x80, M}, 6, 1002},
	{"RSV on control", {0xc9, 0x80, M}, 6, 1002},
	{"ping FIN=0", {0x09, 0x80, M}, 6, 1002},
	{"close FIN=0", {0x08, 0x80, M}, 6, 1002},
	{"pong FIN=0", {0x0a, 0x80, M}, 6, 1002},
	{"ping 126 (16-bit)", {0x89, 0xfe, 0x00, 0x7e, M}, 8, 1002},
	{"close 127 (64-bit)", {0x88, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, M}, 14,
	 1002},
	{"16-bit length 125", {0x82, 0xfe, 0x00, 0x7d, M}, 8, 1002},
	{"16-bit length 0", {0x82, 0xfe, 0x00, 0x00, M}, 8, 1002},
	{"64-bit length 65535", {0x82, 0xff, 0, 0, 0, 0, 0, 0, 0xff, 0xff, M},
	 14, 1002},
	{"64-bit length 0", {0x82, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, M}, 14, 1002},
	{"64-bit MSB set", {0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, M}, 14,
	 1002},
	{"64-bit all ones", {0x82, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			     0xff, 0xff, M}, 14, 1002},
	{"64-bit 2^63-1", {0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, M}, 14, 1009},
	{"64-bit 2^32", {0x81, 0xff, 0, 0, 0, 1, 0, 0, 0, 0, M}, 14, 1009},
	{"64-bit 65536", {0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, M}, 14, 1009},
	{"16-bit 4097", {0x82, 0xfe, 0x10, 0x01, M}, 8, 1009},
	{"continuation first", {0x80, 0x80, M}, 6, 1002},
	{"continuation first FIN=0", {0x00, 0x80, M}, 6, 1002},
	{"text then text", {0x01, 0x80, M, 0x81, 0x80, M}, 12, 1002},
	{"text then binary", {0x01, 0x80, M, 0x02, 0x80, M}, 12, 1002},
};

static void test_malformed(void **state)
{
	uint8_t b[8] = {0x80, 0x80, M};
	(void)state;

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]);
	     i++) {
		const struct bad_case *c = &bad_cases[i];
		struct run r;

		run_feed(&r, MAX_MSG, c->b, c->len, SIZE_MAX);
		if (r.last != WS_DEC_ERROR || r.err != c->code)
			print_message("case \"%s\": %d/%u\n", c->name,
				      r.last, r.err);
		run_free(&r);
		expect_error(c->b, c->len, MAX_MSG, c->code);
	}

	for (uint8_t op = 0; op < 16; op++) {
		if (op <= 2 || (op >= 8 && op <= 0xa))
			continue;
		b[0] = 0x80 | op;
		expect_error(b, 6, MAX_MSG, WS_CLOSE_PROTOCOL);
	}
}

/* 2^63-1 must not overflow whatever the cap, and a header alone must
 * not make the decoder allocate what it announces */
static void test_huge_lengths(void **state)
{
	static const uint8_t h[] = {0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff,
				    0xff, 0xff, 0xff, M, 1, 2, 3};
	struct ws_dec *dec = NULL;
	struct ws_msg msg;
	uint16_t code = 0;
	size_t c = 0;
	(void)state;

	expect_error(h, 14, 0, WS_CLOSE_TOO_BIG);
	expect_error(h, 14, 1, WS_CLOSE_TOO_BIG);
	expect_error(h, 14, INT64_MAX - 1, WS_CLOSE_TOO_BIG);

	assert_int_equal(0, ws_dec_alloc(&dec, SIZE_MAX));
	assert_int_equal(WS_DEC_MORE,
			 ws_dec_feed(dec, h, sizeof(h), &c, &msg, &code));
	assert_int_equal(sizeof(h), c);
	mem_deref(dec);

	assert_int_equal(0, ws_dec_alloc(&dec, INT64_MAX));
	assert_int_equal(WS_DEC_MORE,
			 ws_dec_feed(dec, h, sizeof(h), &c, &msg, &code));
	mem_deref(dec);
}

static void test_oversize_fragments(void **state)
{
	uint8_t *pl = calloc(1, 3000), *buf = malloc(8000);
	size_t n;
	(void)state;

	assert_non_null(pl);
	assert_non_null(buf);

	/* 3000 + 1096 = 4096 fits, with a ping in between */
	n = mkframe(buf, false, WS_OP_BINARY, pl, 3000);
	n += mkframe(buf + n, true, WS_OP_PING, "", 0);
	n += mkframe(buf + n, true, WS_OP_CONT, pl, 1096);
	{
		struct run r;

		run_feed(&r, MAX_MSG, buf, n, SIZE_MAX);
		assert_int_equal(WS_DEC_MORE, r.last);
		assert_int_equal(2, r.n);
		assert_int_equal(4096, r.m[1].len);
		run_free(&r);
	}

	/* 3000 + 1097: only the second header is needed to refuse it */
	n = mkframe(buf, false, WS_OP_BINARY, pl, 3000);
	buf[n++] = 0x80;
	buf[n++] = 0x80 | 126;
	buf[n++] = 1097 >> 8;
	buf[n++] = 1097 & 0xff;
	memcpy(buf + n, mask_key, 4);
	n += 4;
	expect_error(buf, n, MAX_MSG, WS_CLOSE_TOO_BIG);

	/* many small fragments add up */
	n = mkframe(buf, false, WS_OP_TEXT, pl, 2000);
	n += mkframe(buf + n, false, WS_OP_CONT, pl, 2000);
	n += mkframe(buf + n, false, WS_OP_CONT, pl, 96);
	n += mkframe(buf + n, true, WS_OP_CONT, pl, 1);
	expect_error(buf, n, MAX_MSG, WS_CLOSE_TOO_BIG);

	free(pl);
	free(buf);
}

static void test_invalid_text(void **state)
{
	static const char *const bad[] = {
		"\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80",
		"\xed\xbf\xbf", "\xf0\x80\x80\xaf", "\xf4\x90\x80\x80",
		"\xf5\x80\x80\x80", "\xff", "\x80", "ok\xe2\x82",
		"\xc3", "\xf0\x9f\x98",
	};
	uint8_t buf[64];
	size_t n;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = mkframe(buf, true, WS_OP_TEXT, bad[i], strlen(bad[i]));
		expect_error(buf, n, MAX_MSG, WS_CLOSE_INVALID_DATA);
	}

	/* truncated at the end of a fragmented message */
	n = mkframe(buf, false, WS_OP_TEXT, "a\xf0\x9f", 3);
	n += mkframe(buf + n, true, WS_OP_CONT, "\x98", 1);
	expect_error(buf, n, MAX_MSG, WS_CLOSE_INVALID_DATA);

	/* a 4-byte sequence split over three fragments passes */
	n = mkframe(buf, false, WS_OP_TEXT, "a\xf0\x9f", 3);
	n += mkframe(buf + n, false, WS_OP_CONT, "\x98", 1);
	n += mkframe(buf + n, true, WS_OP_CONT, "\x80", 1);
	expect_one(buf, n, MAX_MSG, WS_OP_TEXT, "a\xf0\x9f\x98\x80", 5, 0);

	/* binary is not checked */
	n = mkframe(buf, true, WS_OP_BINARY, "\xc0\xaf", 2);
	expect_one(buf, n, MAX_MSG, WS_OP_BINARY, "\xc0\xaf", 2, 0);

	/* pings carry binary data */
	n = mkframe(buf, true, WS_OP_PING, "\xff", 1);
	expect_one(buf, n, MAX_MSG, WS_OP_PING, "\xff", 1, 0);
}

static void test_error_sticky(void **state)
{
	static const uint8_t bad[] = {0x81, 0x00};
	uint8_t good[16];
	size_t n = mkframe(good, true, WS_OP_TEXT, "hi", 2), c = 0;
	struct ws_dec *dec = NULL;
	struct ws_msg msg;
	uint16_t code = 0;
	(void)state;

	assert_int_equal(0, ws_dec_alloc(&dec, MAX_MSG));
	assert_int_equal(WS_DEC_ERROR,
			 ws_dec_feed(dec, bad, sizeof(bad), &c, &msg, &code));
	assert_int_equal(WS_CLOSE_PROTOCOL, code);
	assert_true(c <= sizeof(bad));

	for (int i = 0; i < 3; i++) {
		code = 0;
		c = 99;
		assert_int_equal(WS_DEC_ERROR,
				 ws_dec_feed(dec, good, n, &c, &msg, &code));
		assert_int_equal(WS_CLOSE_PROTOCOL, code);
		assert_int_equal(0, c);
	}
	mem_deref(dec);

	assert_int_equal(EINVAL, ws_dec_alloc(NULL, 10));
}

static void test_utf8_valid(void **state)
{
	static const struct {
		const char *s;
		bool ok;
	} t[] = {
		{"", true}, {"plain ascii", true}, {"\x7f", true},
		{"\xc2\x80", true}, {"\xdf\xbf", true},
		{"\xe0\xa0\x80", true}, {"\xef\xbf\xbf", true},
		{"\xed\x9f\xbf", true}, {"\xee\x80\x80", true},
		{"\xf0\x90\x80\x80", true}, {"\xf4\x8f\xbf\xbf", true},
		{"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", true},
		{"\xc0\x80", false}, {"\xc1\xbf", false},
		{"\xe0\x9f\xbf", false}, {"\xf0\x8f\xbf\xbf", false},
		{"\xed\xa0\x80", false}, {"\xed\xbf\xbf", false},
		{"\xf4\x90\x80\x80", false}, {"\xf5\x80\x80\x80", false},
		{"\xf8\x88\x80\x80\x80", false}, {"\xfe", false},
		{"\x80", false}, {"\xbf", false}, {"\xc2", false},
		{"\xe2\x82", false}, {"\xc2\x41", false},
		{"\xe2\x28\xa1", false}, {"a\xf0\x9f\x98", false},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (ws_utf8_valid((const uint8_t *)t[i].s, strlen(t[i].s)) !=
		    t[i].ok)
			print_message("utf8 case %zu\n", i);
		assert_int_equal(t[i].ok, ws_utf8_valid((const uint8_t *)t[i].s,
							strlen(t[i].s)));
	}
	assert_true(ws_utf8_valid((const uint8_t *)"a\0b", 3));
	assert_true(ws_utf8_valid(NULL, 0));
}

static void test_frame_header(void **state)
{
	static const struct {
		uint64_t len;
		size_t hlen;
		uint8_t h[10];
	} t[] = {
		{0, 2, {0x81, 0}},
		{125, 2, {0x81, 125}},
		{126, 4, {0x81, 126, 0, 126}},
		{65535, 4, {0x81, 126, 0xff, 0xff}},
		{65536, 10, {0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
		{0x123456789aULL, 10, {0x81, 127, 0, 0, 0, 0x12, 0x34, 0x56,
				       0x78, 0x9a}},
	};
	uint8_t h[10];
	(void)state;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(h, 0xaa, sizeof(h));
		assert_int_equal(t[i].hlen,
				 ws_frame_header(h, WS_OP_TEXT, t[i].len));
		assert_memory_equal(t[i].h, h, t[i].hlen);
	}

	assert_int_equal(2, ws_frame_header(h, WS_OP_CLOSE, 2));
	assert_int_equal(0x88, h[0]);
	assert_int_equal(2, ws_frame_header(h, WS_OP_PONG, 0));
	assert_int_equal(0x8a, h[0]);
	assert_int_equal(4, ws_frame_header(h, WS_OP_BINARY, 300));
	assert_int_equal(0x82, h[0]);
}

static void test_accept_key(void **state)
{
	char out[29];
	(void)state;

	assert_int_equal(0, ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", 24,
					  out));
	assert_string_equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", out);

	assert_int_equal(0, ws_accept_key("x3JJHMbDL1EzLkh9GBhXDw==", 24,
					  out));
	assert_string_equal("HSmrc0sMlYUkAGmm5OPpG2HaGWk=", out);

	/* only the first keylen bytes count */
	assert_int_equal(0, ws_accept_key("AQIDBAUGBwgJCgsMDQ4PEA==xyz", 24,
					  out));
	assert_string_equal("C/0nmHhBztSRGR1CwL6Tf4ZjwpY=", out);

	assert_int_equal(EINVAL, ws_accept_key("dGhlIHNhbXBsZSBub25jZQ=", 23,
					       out));
	assert_int_equal(EINVAL, ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==A",
					       25, out));
	assert_int_equal(EINVAL, ws_accept_key(NULL, 24, out));
	assert_int_equal(EINVAL, ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==",
					       24, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_fragments_with_ping),
		cmocka_unit_test(test_any_split),
		cmocka_unit_test(test_two_frames_one_buffer),
		cmocka_unit_test(test_close_frames),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_huge_lengths),
		cmocka_unit_test(test_oversize_fragments),
		cmocka_unit_test(test_invalid_text),
		cmocka_unit_test(test_error_sticky),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_frame_header),
		cmocka_unit_test(test_accept_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

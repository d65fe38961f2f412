/** @file test/fuzz/ws_frame.c  Fuzz the RFC 6455 decoder: any split, same result, invariants hold */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <hotline/ws_frame.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_MSG = 4096 };

/* What one run saw: a digest of every message and how it ended */
struct trace {
	uint64_t hash;
	size_t nmsg;
	enum ws_dec_result last;
	uint16_t err;
};

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool close_code_ok(uint16_t c)
{
	return c == WS_CLOSE_PROTOCOL || c == WS_CLOSE_INVALID_DATA ||
		c == WS_CLOSE_TOO_BIG || c == WS_CLOSE_INTERNAL;
}

static bool peer_code_ok(uint16_t c)
{
	return c == WS_CLOSE_NO_STATUS || (c >= 1000 && c <= 1003) ||
		(c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static void check_msg(struct trace *t, const struct ws_msg *m)
{
	uint8_t meta[3] = {(uint8_t)m->op, (uint8_t)(m->close_code >> 8),
			   (uint8_t)m->close_code};

	check(m->data != NULL);
	switch (m->op) {

	case WS_OP_TEXT:
		check(ws_utf8_valid(m->data, m->len));
		/* fall through */
	case WS_OP_BINARY:
		check(m->len <= MAX_MSG && m->close_code == 0);
		break;

	case WS_OP_PING:
	case WS_OP_PONG:
		check(m->len <= 125 && m->close_code == 0);
		break;

	case WS_OP_CLOSE:
		check(m->len <= 123 && peer_code_ok(m->close_code));
		check(ws_utf8_valid(m->data, m->len));
		check(m->close_code != WS_CLOSE_NO_STATUS || m->len == 0);
		break;

	default:
		check(false);
	}

	t->hash = fnv(fnv(t->hash, meta, sizeof(meta)), m->data, m->len);
	t->nmsg++;
}

/* Feed one chunk until it is used up or the decoder fails */
static bool feed_chunk(struct ws_dec *dec, struct trace *t,
		       const uint8_t *p, size_t n)
{
	size_t off = 0;

	do {
		struct ws_msg m;
		size_t c = SIZE_MAX;

		t->last = ws_dec_feed(dec, p + off, n - off, &c, &m, &t->err);
		check(c <= n - off);
		off += c;

		if (t->last == WS_DEC_ERROR) {
			check(close_code_ok(t->err));
			return false;
		}
		if (t->last == WS_DEC_MORE)
			check(off == n);
		else
			check_msg(t, &m);
	} while (off < n);

	return true;
}

/* Decode the whole input in chunks; chunk 0 means a varying size taken
 * from the input bytes themselves. */
static void run(struct trace *t, const uint8_t *p, size_t n, size_t chunk)
{
	struct ws_dec *dec = NULL;
	size_t off = 0;

	memset(t, 0, sizeof(*t));
	t->hash = 0xcbf29ce484222325ULL;
	check(ws_dec_alloc(&dec, MAX_MSG) == 0);

	while (off < n) {
		size_t k = chunk ? chunk : 1 + p[off] % 17u;

		if (k > n - off)
			k = n - off;
		if (!feed_chunk(dec, t, p + off, k))
			break;
		off += k;
	}

	if (t->last == WS_DEC_MSG)
		t->last = WS_DEC_MORE;

	/* errors are sticky */
	if (t->last == WS_DEC_ERROR) {
		struct ws_msg m;
		uint16_t err = 0;
		size_t c = 1;

		check(ws_dec_feed(dec, p, n, &c, &m, &err) == WS_DEC_ERROR);
		check(c == 0 && err == t->err);
	}

	mem_deref(dec);
}

static bool same(const struct trace *a, const struct trace *b)
{
	return a->hash == b->hash && a->nmsg == b->nmsg &&
		a->last == b->last && (a->last != WS_DEC_ERROR ||
				       a->err == b->err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace whole, split, bytes;
	size_t chunk;

	if (size < 1)
		return 0;

	/* first byte: chunk size (0 = varying, driven by the data) */
	chunk = data[0] % 32u;
	data++;
	size--;

	run(&whole, data, size, size ? size : 1);
	run(&split, data, size, chunk);
	check(same(&whole, &split));

	if (size <= 512) {
		run(&bytes, data, size, 1);
		check(same(&whole, &bytes));
	}

	return 0;
}

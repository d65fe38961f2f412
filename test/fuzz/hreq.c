/** @file test/fuzz/hreq.c  Head parser invariants, prefix consistency */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <hotline/hreq.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static const struct hreq_limits limv[] = {
	{.max_head = 8192, .max_target = 1024, .max_body = 1 << 20},
	{.max_head = 200,  .max_target = 40,   .max_body = 100},
};

static bool inside(struct hreq_str s, const char *buf, size_t len)
{
	return s.n == 0 ||
		(s.p >= buf && s.n <= len &&
		 s.p - buf <= (ptrdiff_t)(len - s.n));
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* What must hold for every DONE */
static void check_done(const struct hreq *req, const char *buf,
		       size_t len, const struct hreq_limits *lim)
{
	char out[64];

	CHECK(req->head_len >= 4 && req->head_len <= len);
	CHECK(req->head_len <= lim->max_head);
	CHECK(!memcmp(buf + req->head_len - 4, "\r\n\r\n", 4));
	CHECK(req->minor == 0 || req->minor == 1);
	CHECK(req->hdrc <= HREQ_FIELDS_MAX);
	CHECK(req->content_length <= lim->max_body);
	CHECK(req->method.n > 0 && req->method.p == buf);
	CHECK(inside(req->target, buf, req->head_len));
	CHECK(req->target.n > 0 && req->target.n <= lim->max_target);
	CHECK(req->path.p == req->target.p && req->path.p[0] == '/');
	CHECK(req->path.n + (req->query.n ? req->query.n + 1 : 0) <=
	      req->target.n);
	CHECK(!memchr(req->target.p, ' ', req->target.n));
	CHECK(!req->upgrade_websocket || req->minor == 1);
	if (req->minor == 1)
		CHECK(hreq_header_find(req, "host") != NULL);

	for (size_t i = 0; i < req->hdrc; i++) {
		const struct hreq_field *h = &req->hdrv[i];

		CHECK(h->name.n > 0 && inside(h->name, buf, req->head_len));
		CHECK(inside(h->value, buf, req->head_len));
		CHECK(!memchr(h->name.p, ':', h->name.n));
		if (h->value.n) {
			CHECK(!is_ows(h->value.p[0]));
			CHECK(!is_ows(h->value.p[h->value.n - 1]));
			CHECK(!memchr(h->value.p, '\r', h->value.n));
			CHECK(!memchr(h->value.p, '\n', h->value.n));
		}
	}

	/* decoders on what the parser produced */
	for (size_t outsz = 0; outsz <= sizeof(out); outsz += 16) {
		int err = hreq_query_get(req->query, "a", out, outsz);

		CHECK(err == 0 || err == ENOENT || err == EOVERFLOW ||
		      err == EPROTO);
		if (outsz)
			CHECK(strlen(out) < outsz);

		err = hreq_pct_decode(req->path, out, outsz);
		CHECK(err == 0 || err == EOVERFLOW || err == EPROTO);
		if (outsz)
			CHECK(strlen(out) < outsz);
		if (!err)
			CHECK(strlen(out) <= req->path.n);
	}
}

/* A prefix never contradicts the whole input */
static void check_prefix(const char *buf, size_t k,
			 const struct hreq_limits *lim,
			 enum hreq_result r, uint16_t st, size_t head_len)
{
	static struct hreq req;
	uint16_t pst = 0;
	enum hreq_result pr = hreq_parse(&req, buf, k, lim, &pst);

	if (pr == HREQ_ERROR)
		CHECK(r == HREQ_ERROR && st == pst);
	else if (pr == HREQ_DONE)
		CHECK(r == HREQ_DONE && req.head_len == head_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hreq req;
	const char *buf = (const char *)data;

	for (size_t l = 0; l < sizeof(limv) / sizeof(limv[0]); l++) {
		const struct hreq_limits *lim = &limv[l];
		uint16_t st = 0;
		enum hreq_result r;
		size_t head_len;

		r = hreq_parse(&req, buf, size, lim, &st);
		head_len = req.head_len;

		switch (r) {

		case HREQ_MORE:
			CHECK(size < lim->max_head);
			break;

		case HREQ_DONE:
			check_done(&req, buf, size, lim);
			break;

		case HREQ_ERROR:
			CHECK(st == 400 || st == 413 || st == 414 ||
			      st == 431 || st == 501 || st == 505);
			break;

		default:
			abort();
		}

		if (size) {
			check_prefix(buf, size - 1, lim, r, st, head_len);
			check_prefix(buf, size / 2, lim, r, st, head_len);
			check_prefix(buf, size / 3, lim, r, st, head_len);
			check_prefix(buf, (size_t)data[0] % size, lim, r, st,
				     head_len);
		}
	}

	return 0;
}

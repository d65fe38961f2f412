/** @file test/unit/api/hreq.c  Request head parser and decoders */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <hotline/hreq.h>

/* Small limits so the boundaries are cheap to reach */
static const struct hreq_limits lim = {
	.max_head = 1024,
	.max_target = 64,
	.max_body = 1000,
};

static struct hreq req;

static enum hreq_result parse_n(const char *s, size_t n,
				      uint16_t *status)
{
	*status = 0;
	return hreq_parse(&req, s, n, &lim, status);
}

static enum hreq_result parse(const char *s, uint16_t *status)
{
	return parse_n(s, strlen(s), status);
}

static bool str_is(struct hreq_str s, const char *lit)
{
	return s.n == strlen(lit) && !memcmp(s.p, lit, s.n);
}

#define assert_str(s, lit) assert_true(str_is((s), (lit)))

/* Parse a request that must be complete; returns nothing on failure. */
static void parse_done(const char *s)
{
	uint16_t st;

	assert_int_equal(parse(s, &st), HREQ_DONE);
	assert_int_equal(st, 0);
}


static void test_get_keepalive(void **state)
{
	const char *s = "GET /api/v1/queues?limit=10&x=y HTTP/1.1\r\n"
		"Host: example.org\r\n"
		"User-Agent: test\r\n"
		"Connection: keep-alive\r\n"
		"Accept:   */*  \t\r\n"
		"\r\n";
	(void)state;

	parse_done(s);
	assert_str(req.method, "GET");
	assert_str(req.target, "/api/v1/queues?limit=10&x=y");
	assert_str(req.path, "/api/v1/queues");
	assert_str(req.query, "limit=10&x=y");
	assert_int_equal(req.minor, 1);
	assert_int_equal(req.hdrc, 4);
	assert_str(req.hdrv[0].name, "Host");
	assert_str(req.hdrv[0].value, "example.org");
	assert_str(req.hdrv[3].value, "*/*");
	assert_int_equal(req.head_len, strlen(s));
	assert_int_equal(req.content_length, 0);
	assert_true(req.keep_alive);
	assert_false(req.upgrade_websocket);

	assert_non_null(hreq_header_find(&req, "user-agent"));
	assert_str(*hreq_header_find(&req, "USER-AGENT"), "test");
	assert_null(hreq_header_find(&req, "User-Agen"));
	assert_null(hreq_header_find(&req, "Cookie"));
}


static void test_post_content_length(void **state)
{
	const char *s = "POST /calls HTTP/1.1\r\n"
		"Host: h\r\n"
		"Content-Type: application/json\r\n"
		"Content-Length: 13\r\n"
		"\r\n"
		"{\"a\":\"hello\"}";
	(void)state;

	parse_done(s);
	assert_str(req.method, "POST");
	assert_str(req.path, "/calls");
	assert_int_equal(req.query.n, 0);
	assert_int_equal(req.content_length, 13);
	assert_int_equal(req.head_len, strlen(s) - 13);
	assert_memory_equal(s + req.head_len, "{\"a\"", 4);
	assert_true(req.keep_alive);
}


static void test_connection_semantics(void **state)
{
	static const struct {
		const char *s;
		int minor;
		bool keep_alive;
		bool ws;
	} tv[] = {
		/* 1.0 without Host is fine; default close */
		{"GET / HTTP/1.0\r\n\r\n", 0, false, false},
		{"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		 0, true, false},
		{"GET / HTTP/1.0\r\nConnection: Keep-Alive, close\r\n\r\n",
		 0, false, false},
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 1, true, false},
		{"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
		 1, false, false},
		{"GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, CLOSE\r\n\r\n",
		 1, false, false},
		/* two Connection headers combine */
		{"GET / HTTP/1.1\r\nHost: a\r\nConnection: x\r\n"
		 "Connection: close\r\n\r\n", 1, false, false},
		{"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
		 "Connection: Upgrade\r\n\r\n", 1, true, true},
		{"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: h2c, WebSocket\r\n"
		 "Connection: keep-alive, upgrade\r\n\r\n", 1, true, true},
		{"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket/13\r\n"
		 "Connection: ,,Upgrade,\r\n\r\n", 1, true, true},
		/* Upgrade without Connection: upgrade */
		{"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
		 "Connection: keep-alive\r\n\r\n", 1, true, false},
		/* Connection: upgrade without Upgrade: websocket */
		{"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\n"
		 "Connection: upgrade\r\n\r\n", 1, true, false},
		/* not a token match: "websockets" */
		{"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websockets\r\n"
		 "Connection: upgrade\r\n\r\n", 1, true, false},
		/* ignored in 1.0 */
		{"GET /ws HTTP/1.0\r\nUpgrade: websocket\r\n"
		 "Connection: upgrade\r\n\r\n", 0, false, false},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(tv) / sizeof(tv[0]); i++) {
		uint16_t st;

		print_message("case %zu\n", i);
		assert_int_equal(parse(tv[i].s, &st), HREQ_DONE);
		assert_int_equal(req.minor, tv[i].minor);
		assert_int_equal(req.keep_alive, tv[i].keep_alive);
		assert_int_equal(req.upgrade_websocket, tv[i].ws);
	}
}


static void test_header_values(void **state)
{
	const char *s = "GET /?q HTTP/1.1\r\n"
		"Host: a\r\n"
		"X-Empty:\r\n"
		"X-Blank: \t \r\n"
		"X-Inner:  a  b\tc \r\n"
		"X-Utf8: caf\xc3\xa9\r\n"
		"X-Dup: first\r\n"
		"x-dup: second\r\n"
		"X-Odd!#$%&'*+-.^_`|~: v\r\n"
		"\r\n";
	(void)state;

	parse_done(s);
	assert_str(req.query, "q");
	assert_str(*hreq_header_find(&req, "x-empty"), "");
	assert_str(*hreq_header_find(&req, "x-blank"), "");
	assert_str(*hreq_header_find(&req, "x-inner"), "a  b\tc");
	assert_str(*hreq_header_find(&req, "x-utf8"), "caf\xc3\xa9");
	assert_str(*hreq_header_find(&req, "X-DUP"), "first");
	assert_str(*hreq_header_find(&req, "x-odd!#$%&'*+-.^_`|~"), "v");

	/* an empty query after '?' */
	parse_done("GET /a? HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_str(req.path, "/a");
	assert_int_equal(req.query.n, 0);

	/* identical repeated Content-Length is accepted */
	parse_done("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
		   "Content-Length: 5\r\n\r\n");
	assert_int_equal(req.content_length, 5);

	parse_done("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n");
	assert_int_equal(req.content_length, 7);
}


static void test_pipelined(void **state)
{
	const char *s = "GET /first HTTP/1.1\r\nHost: a\r\n\r\n"
		"POST /second HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n"
		"abc"
		"GET /third HTTP/1.0\r\n\r\n";
	size_t len = strlen(s), off = 0;
	uint16_t st;
	(void)state;

	assert_int_equal(parse_n(s, len, &st), HREQ_DONE);
	assert_str(req.path, "/first");
	assert_int_equal(req.head_len, 32);
	off += req.head_len + req.content_length;

	assert_int_equal(parse_n(s + off, len - off, &st), HREQ_DONE);
	assert_str(req.path, "/second");
	assert_int_equal(req.content_length, 3);
	assert_memory_equal(s + off + req.head_len, "abc", 3);
	off += req.head_len + req.content_length;

	assert_int_equal(parse_n(s + off, len - off, &st), HREQ_DONE);
	assert_str(req.path, "/third");
	assert_int_equal(req.minor, 0);
	assert_int_equal(off + req.head_len, len);
}


#define A16 "aaaaaaaaaaaaaaaa"
#define A64 A16 A16 A16 A16

/* Errors with their exact status. n == 0: strlen. */
static const struct errcase {
	const char *name;
	const char *s;
	size_t n;
	uint16_t status;
} errv[] = {
	{"bare LF request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 0, 400},
	{"bare LF header", "GET / HTTP/1.1\r\nHost: a\n\r\n", 0, 400},
	{"bare LF end", "GET / HTTP/1.1\r\nHost: a\r\n\n", 0, 400},
	{"LF LF", "GET / HTTP/1.1\n\n", 0, 400},
	{"leading empty line", "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	 400},
	{"no colon", "GET / HTTP/1.1\r\nHost: a\r\nX-Foo\r\n\r\n", 0, 400},
	{"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 0, 400},
	{"empty name", "GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n", 0, 400},
	{"bad name char", "GET / HTTP/1.1\r\nHost: a\r\nX(y): v\r\n\r\n", 0,
	 400},
	{"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 0,
	 400},
	{"obs-fold tab", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n",
	 0, 400},
	{"space before first header", "GET / HTTP/1.1\r\n Host: a\r\n\r\n",
	 0, 400},
	{"ctl in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n",
	 0, 400},
	{"DEL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fz\r\n\r\n",
	 0, 400},
	{"CR in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rz\r\n\r\n",
	 0, 400},
	{"NUL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\0z\r\n\r\n",
	 sizeof("GET / HTTP/1.1\r\nHost: a\r\nX: a\0z\r\n\r\n") - 1, 400},
	{"NUL in method", "G\0T / HTTP/1.1\r\nHost: a\r\n\r\n",
	 sizeof("G\0T / HTTP/1.1\r\nHost: a\r\n\r\n") - 1, 400},
	{"bad method char", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400},
	{"empty method", " / HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400},
	{"double space", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400},
	{"double space 2", "GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400},
	{"tab separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400},
	{"trailing space", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 0, 400},
	{"no version", "GET /\r\nHost: a\r\n\r\n", 0, 400},
	{"only method", "GET\r\nHost: a\r\n\r\n", 0, 400},
	{"absolute form", "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	 400},
	{"asterisk form", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400},
	{"authority form", "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	 400},
	{"fragment", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400},
	{"raw non-ASCII target", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n",
	 0, 400},
	{"ctl in target", "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 0, 400},
	{"lowercase version", "GET / http/1.1\r\nHost: a\r\n\r\n", 0, 400},
	{"short version", "GET / HTTP/1\r\nHost: a\r\n\r\n", 0, 400},
	{"long version", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 0, 400},
	{"version letters", "GET / HTTP/x.y\r\nHost: a\r\n\r\n", 0, 400},
	{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 0, 505},
	{"HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 0, 505},
	{"HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", 0, 505},
	{"no Host", "GET / HTTP/1.1\r\nX: y\r\n\r\n", 0, 400},
	{"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 0, 400},
	{"two Hosts 1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", 0,
	 400},
	{"CL letters", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1a\r\n"
	 "\r\n", 0, 400},
	{"CL empty", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n",
	 0, 400},
	{"CL negative", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n"
	 "\r\n", 0, 400},
	{"CL plus", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n"
	 "\r\n", 0, 400},
	{"CL hex", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x1\r\n"
	 "\r\n", 0, 400},
	{"CL inner space", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2"
	 "\r\n\r\n", 0, 400},
	{"CL list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n"
	 "\r\n", 0, 400},
	{"CL conflict", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	 "content-length: 6\r\n\r\n", 0, 400},
	{"CL conflict huge", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5"
	 "\r\nContent-Length: 99999999999999999999999\r\n\r\n", 0, 400},
	{"CL over max_body", "POST / HTTP/1.1\r\nHost: a\r\n"
	 "Content-Length: 1001\r\n\r\n", 0, 413},
	{"CL UINT64_MAX", "POST / HTTP/1.1\r\nHost: a\r\n"
	 "Content-Length: 18446744073709551615\r\n\r\n", 0, 413},
	{"CL UINT64_MAX+1", "POST / HTTP/1.1\r\nHost: a\r\n"
	 "Content-Length: 18446744073709551616\r\n\r\n", 0, 413},
	{"CL 30 digits", "POST / HTTP/1.1\r\nHost: a\r\n"
	 "Content-Length: 123456789012345678901234567890\r\n\r\n", 0, 413},
	{"TE chunked", "POST / HTTP/1.1\r\nHost: a\r\n"
	 "Transfer-Encoding: chunked\r\n\r\n", 0, 501},
	{"TE identity", "POST / HTTP/1.1\r\nHost: a\r\n"
	 "transfer-encoding: identity\r\n\r\n", 0, 501},
	{"TE and CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
	 "Transfer-Encoding: chunked\r\n\r\n", 0, 501},
	{"TE empty", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n"
	 "\r\n", 0, 501},
	{"Connection not token", "GET / HTTP/1.1\r\nHost: a\r\n"
	 "Connection: close, \"x\"\r\n\r\n", 0, 400},
	{"Connection inner space", "GET / HTTP/1.1\r\nHost: a\r\n"
	 "Connection: keep alive\r\n\r\n", 0, 400},
	{"Upgrade empty version", "GET / HTTP/1.1\r\nHost: a\r\n"
	 "Upgrade: websocket/\r\n\r\n", 0, 400},
	{"Upgrade not token", "GET / HTTP/1.1\r\nHost: a\r\n"
	 "Upgrade: web socket\r\n\r\n", 0, 400},
	{"TLS hello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 0, 400},
	/* lim.max_target = 64: a 65-byte target */
	{"target too long", "GET /" A64 " HTTP/1.1\r\nHost: a\r\n\r\n", 0,
	 414},
	{"target too long, no CRLF yet", "GET /" A64, 0, 414},
	/* over max_target + 32 = 96 bytes of request line, no CRLF */
	{"request line too long, no CRLF yet", A64 A16 A16 "a", 0, 414},
	{"request line too long", A64 A16 A16 "a / HTTP/1.1\r\n\r\n", 0,
	 414},
};


/* Every prefix of an erroneous request is MORE or the same error. */
static void check_prefixes(const char *s, size_t n, uint16_t status)
{
	for (size_t k = 0; k < n; k++) {
		uint16_t st;
		enum hreq_result r = parse_n(s, k, &st);

		if (r == HREQ_ERROR)
			assert_int_equal(st, status);
		else
			assert_int_equal(r, HREQ_MORE);
	}
}


static void test_errors(void **state)
{
	(void)state;

	for (size_t i = 0; i < sizeof(errv) / sizeof(errv[0]); i++) {
		const struct errcase *c = &errv[i];
		size_t n = c->n ? c->n : strlen(c->s);
		uint16_t st;

		print_message("case: %s\n", c->name);
		assert_int_equal(parse_n(c->s, n, &st), HREQ_ERROR);
		assert_int_equal(st, c->status);
		check_prefixes(c->s, n, c->status);
	}
}


/* Errors found before the head is complete */
static void test_early_errors(void **state)
{
	static const struct {
		const char *s;
		uint16_t status;
	} tv[] = {
		{"\x16\x03", 400},
		{"GET\t", 400},
		{"GET /x ", 0},          /* still fine */
		{"GET /x HTTP/1.1\r", 0},
		{"GET /x HTTP/1.1\r\nHo", 0},
		{"GET /x HTTP/1.1\r\nHo st", 400},
		{"GET /x HTTP/1.1\r\n ", 400},
		{"GET /x HTTP/1.1\r\nX: \x01", 400},
		{"GET /x HTTP/1.1\r\nX: a\r\n\r", 0},
		{"GET /x HTTP/1.1\r\nX: a\r\n\n", 400},
		{"GET /x HTTP/1.1\r\nTransfer-Encoding: x\r\n", 501},
		{"GET /x HTTP/1.1\r\nContent-Length: 5000\r\n", 413},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(tv) / sizeof(tv[0]); i++) {
		uint16_t st;
		enum hreq_result r = parse(tv[i].s, &st);

		print_message("case %zu\n", i);
		if (tv[i].status) {
			assert_int_equal(r, HREQ_ERROR);
			assert_int_equal(st, tv[i].status);
		}
		else {
			assert_int_equal(r, HREQ_MORE);
		}
	}

	/* "HTTP/3" may still become "HTTP/3.0", which is 505 once whole */
	{
		uint16_t st;

		assert_int_equal(parse("GET /x HTTP/3", &st), HREQ_MORE);
		assert_int_equal(parse("GET /x HTTP/3.", &st), HREQ_MORE);
		assert_int_equal(parse("GET /x HTTP/3x", &st),
				 HREQ_ERROR);
		assert_int_equal(st, 400);
	}
}


static void test_incremental(void **state)
{
	static const char *valid[] = {
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /x?y=z HTTP/1.0\r\n\r\n",
		"POST /calls HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
		"Connection: close\r\n\r\n",
		"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
		"Connection: Upgrade\r\nSec-WebSocket-Key: "
		"dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		const char *s = valid[i];
		size_t n = strlen(s);
		uint16_t st;

		for (size_t k = 0; k < n; k++) {
			print_message("case %zu prefix %zu\n", i, k);
			assert_int_equal(parse_n(s, k, &st), HREQ_MORE);
		}

		assert_int_equal(parse_n(s, n, &st), HREQ_DONE);
		assert_int_equal(req.head_len, n);
	}
}


static void fill(char *buf, size_t n, char c)
{
	memset(buf, c, n);
	buf[n] = '\0';
}


static void test_limits(void **state)
{
	char tgt[128], val[2048], buf[4096];
	uint16_t st;
	int n;
	(void)state;

	/* target of exactly max_target */
	tgt[0] = '/';
	fill(tgt + 1, lim.max_target - 1, 'a');
	snprintf(buf, sizeof(buf), "GET %s HTTP/1.1\r\nHost: a\r\n\r\n", tgt);
	parse_done(buf);
	assert_int_equal(req.target.n, lim.max_target);

	/* one more */
	fill(tgt + 1, lim.max_target, 'a');
	snprintf(buf, sizeof(buf), "GET %s HTTP/1.1\r\nHost: a\r\n\r\n", tgt);
	assert_int_equal(parse(buf, &st), HREQ_ERROR);
	assert_int_equal(st, 414);

	/* Content-Length at and past max_body */
	parse_done("POST / HTTP/1.1\r\nHost: a\r\n"
		   "Content-Length: 1000\r\n\r\n");
	assert_int_equal(req.content_length, 1000);
	assert_int_equal(parse("POST / HTTP/1.1\r\nHost: a\r\n"
			       "Content-Length: 1001\r\n\r\n", &st),
			 HREQ_ERROR);
	assert_int_equal(st, 413);

	/* a head of exactly max_head bytes, then one more byte */
	n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a\r\nX: ");
	fill(val, lim.max_head - (size_t)n - 4, 'v');
	snprintf(buf + n, sizeof(buf) - (size_t)n, "%s\r\n\r\n", val);
	assert_int_equal(strlen(buf), lim.max_head);
	parse_done(buf);
	assert_int_equal(req.head_len, lim.max_head);

	fill(val, lim.max_head - (size_t)n - 3, 'v');
	snprintf(buf + n, sizeof(buf) - (size_t)n, "%s\r\n\r\n", val);
	assert_int_equal(parse(buf, &st), HREQ_ERROR);
	assert_int_equal(st, 431);

	/* 431 as soon as max_head bytes without CRLFCRLF have arrived */
	fill(val, lim.max_head - (size_t)n, 'v');
	snprintf(buf + n, sizeof(buf) - (size_t)n, "%s", val);
	assert_int_equal(parse_n(buf, lim.max_head - 1, &st), HREQ_MORE);
	assert_int_equal(parse_n(buf, lim.max_head, &st), HREQ_ERROR);
	assert_int_equal(st, 431);
}


static void test_header_count(void **state)
{
	char buf[8192];
	size_t n;
	uint16_t st;
	struct hreq_limits big = lim;
	(void)state;

	big.max_head = sizeof(buf);

	/* Host + 63 more = HREQ_FIELDS_MAX */
	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int i = 1; i < HREQ_FIELDS_MAX; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X%d: %d\r\n",
				      i, i);
	memcpy(buf + n, "\r\n", 3);

	assert_int_equal(hreq_parse(&req, buf, n + 2, &big, &st),
			 HREQ_DONE);
	assert_int_equal(req.hdrc, HREQ_FIELDS_MAX);
	assert_str(*hreq_header_find(&req, "x63"), "63");

	memcpy(buf + n, "Y: z\r\n\r\n", 9);
	assert_int_equal(hreq_parse(&req, buf, n + 8, &big, &st),
			 HREQ_ERROR);
	assert_int_equal(st, 431);
}


static void test_bad_args(void **state)
{
	uint16_t st = 0;
	(void)state;

	assert_int_equal(hreq_parse(&req, NULL, 0, &lim, &st),
			 HREQ_MORE);
	assert_int_equal(hreq_parse(NULL, "x", 1, &lim, &st),
			 HREQ_ERROR);
	assert_int_equal(st, 500);
	assert_null(hreq_header_find(NULL, "Host"));
}


static struct hreq_str S(const char *s)
{
	struct hreq_str r = {s, strlen(s)};
	return r;
}


static void test_query_get(void **state)
{
	static const struct {
		const char *query;
		const char *name;
		size_t outsz;
		int err;
		const char *out;
	} tv[] = {
		{"a=1&b=two+words&c=%41%42", "a", 64, 0, "1"},
		{"a=1&b=two+words&c=%41%42", "b", 64, 0, "two words"},
		{"a=1&b=two+words&c=%41%42", "c", 64, 0, "AB"},
		{"a=1&b=two+words&c=%41%42", "d", 64, ENOENT, ""},
		{"a=1&b=2", "", 64, ENOENT, ""},
		{"", "a", 64, ENOENT, ""},
		{"ab=1", "a", 64, ENOENT, ""},
		{"a=1", "ab", 64, ENOENT, ""},
		{"flag&x=1", "flag", 64, 0, ""},
		{"flag=&x=1", "flag", 64, 0, ""},
		{"x=1&x=2", "x", 64, 0, "1"},
		{"&&x=1&", "x", 64, 0, "1"},
		{"my%20key=v", "my key", 64, 0, "v"},
		{"my+key=v", "my key", 64, 0, "v"},
		{"%zz=1&a=2", "a", 64, 0, "2"},
		{"a=b=c", "a", 64, 0, "b=c"},
		{"e=%C3%a9", "e", 64, 0, "\xc3\xa9"},
		{"e=%2B%2b+", "e", 64, 0, "++ "},
		{"e=%4", "e", 64, EPROTO, ""},
		{"e=%", "e", 64, EPROTO, ""},
		{"e=%zz", "e", 64, EPROTO, ""},
		{"e=%00", "e", 64, EPROTO, ""},
		{"e=12345", "e", 5, EOVERFLOW, ""},
		{"e=12345", "e", 6, 0, "12345"},
		{"e=%41%41", "e", 3, 0, "AA"},
		{"e=%41%41", "e", 2, EOVERFLOW, ""},
		{"e=", "e", 1, 0, ""},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(tv) / sizeof(tv[0]); i++) {
		char out[64];

		print_message("case %zu\n", i);
		memset(out, 'X', sizeof(out));
		assert_int_equal(hreq_query_get(S(tv[i].query), tv[i].name,
						out, tv[i].outsz), tv[i].err);
		assert_string_equal(out, tv[i].out);
	}
}


static void test_pct_decode(void **state)
{
	static const struct {
		const char *in;
		size_t outsz;
		int err;
		const char *out;
	} tv[] = {
		{"", 64, 0, ""},
		{"abc", 64, 0, "abc"},
		{"a%2Fb+c", 64, 0, "a/b+c"},
		{"%2f%2F", 64, 0, "//"},
		{"%C3%A9", 64, 0, "\xc3\xa9"},
		{"%25", 64, 0, "%"},
		{"%", 64, EPROTO, ""},
		{"a%4", 64, EPROTO, ""},
		{"%g1", 64, EPROTO, ""},
		{"%1g", 64, EPROTO, ""},
		{"%00", 64, EPROTO, ""},
		{"x%00y", 64, EPROTO, ""},
		{"abc", 3, EOVERFLOW, ""},
		{"abc", 4, 0, "abc"},
		{"%41", 2, 0, "A"},
		{"%41", 1, EOVERFLOW, ""},
	};
	char out[64];
	(void)state;

	for (size_t i = 0; i < sizeof(tv) / sizeof(tv[0]); i++) {
		print_message("case %zu\n", i);
		memset(out, 'X', sizeof(out));
		assert_int_equal(hreq_pct_decode(S(tv[i].in), out, tv[i].outsz),
				 tv[i].err);
		assert_string_equal(out, tv[i].out);
	}

	/* outsz 0: nothing written */
	out[0] = 'X';
	assert_int_equal(hreq_pct_decode(S("a"), out, 0), EOVERFLOW);
	assert_int_equal(out[0], 'X');
	assert_int_equal(hreq_pct_decode(S("a"), NULL, 4), EINVAL);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_keepalive),
		cmocka_unit_test(test_post_content_length),
		cmocka_unit_test(test_connection_semantics),
		cmocka_unit_test(test_header_values),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_early_errors),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_header_count),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_query_get),
		cmocka_unit_test(test_pct_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/** @file test/unit/out/fetch.c  The HTTP client against a real libre HTTP
 *  server on 127.0.0.1 in the same loop: answers, statuses, timeouts,
 *  refused connections, size limit, garbage, cancelling, freeing busy,
 *  the in-flight limit, argument checks, and logs without paths */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <re.h>
#include <hotline/fetch.h>
#include <hotline/log.h>
#include <hotline/version.h>
#include "loopwait.h"

#define WAIT_MS  10000
#define BIG_LEN  (100 * 1024)

/* --- the server ---------------------------------------------------------- */

struct seen {
	char method[16];
	char path[256];
	char ctype[64];
	char accept[64];
	char agent[64];
	bool expect;
	char body[512];
};

struct server {
	struct http_sock *hs;     /* owned */
	struct sa addr;
	unsigned reqc;            /* requests seen */
	struct seen last;
	struct http_conn *heldv[128];  /* refs: requests not answered yet */
	unsigned heldc;
	unsigned held_max;        /* most held at once */
};

static struct server S;

static void pl_copy(char *dst, size_t sz, const struct pl *pl)
{
	(void)pl_strcpy(pl, dst, sz);
}

static void hdr_copy(char *dst, size_t sz, const struct http_msg *msg,
		     enum http_hdrid id)
{
	const struct http_hdr *h = http_msg_hdr(msg, id);

	dst[0] = '\0';
	if (h)
		pl_copy(dst, sz, &h->val);
}

/* Raw bytes on the connection, then close it (no framing from libre) */
static void raw_reply(struct http_conn *conn, const char *head,
		      size_t fill)
{
	struct mbuf *mb = mbuf_alloc(strlen(head) + fill);

	assert_non_null(mb);
	assert_int_equal(mbuf_write_str(mb, head), 0);
	if (fill)
		assert_int_equal(mbuf_fill(mb, 'x', fill), 0);
	mb->pos = 0;
	assert_int_equal(tcp_send(http_conn_tcp(conn), mb), 0);
	mem_deref(mb);
}

static void on_http(struct http_conn *conn, const struct http_msg *msg,
		    void *arg)
{
	struct seen *s = &S.last;
	struct pl path;

	(void)arg;
	S.reqc++;
	memset(s, 0, sizeof(*s));
	pl_copy(s->method, sizeof(s->method), &msg->met);
	pl_copy(s->path, sizeof(s->path), &msg->path);
	hdr_copy(s->ctype, sizeof(s->ctype), msg, HTTP_HDR_CONTENT_TYPE);
	hdr_copy(s->accept, sizeof(s->accept), msg, HTTP_HDR_ACCEPT);
	hdr_copy(s->agent, sizeof(s->agent), msg, HTTP_HDR_USER_AGENT);
	s->expect = http_msg_hdr(msg, HTTP_HDR_EXPECT) != NULL;
	(void)mbuf_read_str(msg->mb, s->body,
			    min(mbuf_get_left(msg->mb), sizeof(s->body) - 1));

	path = msg->path;
	if (!pl_strcmp(&path, "/ok")) {
		http_creply(conn, 200, "OK", "application/json",
			    "{\"echo\":%s}", s->body);
	}
	else if (!pl_strcmp(&path, "/fail")) {
		http_creply(conn, 500, "Internal Server Error", "text/plain",
			    "oops");
	}
	else if (!pl_strcmp(&path, "/big")) {   /* Content-Length known */
		raw_reply(conn, "HTTP/1.1 200 OK\r\nContent-Length: 102400\r\n"
			  "Content-Type: application/json\r\n\r\n", BIG_LEN);
	}
	else if (!pl_strcmp(&path, "/bigstream")) {  /* read until close */
		raw_reply(conn, "HTTP/1.1 200 OK\r\nConnection: close\r\n"
			  "\r\n", BIG_LEN);
		http_conn_close(conn);
	}
	else if (!pl_strcmp(&path, "/exact")) {
		raw_reply(conn, "HTTP/1.1 200 OK\r\nContent-Length: 65536\r\n"
			  "\r\n", FETCH_ANSWER_MAX);
	}
	else if (!pl_strcmp(&path, "/garbled")) {
		raw_reply(conn, "I AM NOT HTTP\r\n\r\n", 0);
		http_conn_close(conn);
	}
	else if (!pl_strcmp(&path, "/close")) {   /* no answer at all */
		http_conn_close(conn);
	}
	else {   /* /hang, /hold...: answered later, or never */
		assert_true(S.heldc < 128);
		S.heldv[S.heldc++] = mem_ref(conn);
		if (S.heldc > S.held_max)
			S.held_max = S.heldc;
	}
}

/* Answer every held request with its own body echoed */
static void server_release(void)
{
	for (unsigned i = 0; i < S.heldc; i++) {
		http_creply(S.heldv[i], 200, "OK", "application/json",
			    "{\"late\":%u}", i);
		S.heldv[i] = mem_deref(S.heldv[i]);
	}
	S.heldc = 0;
}

static void server_drop(void)
{
	for (unsigned i = 0; i < S.heldc; i++)
		S.heldv[i] = mem_deref(S.heldv[i]);
	S.heldc = 0;
}

static void url(char *buf, size_t sz, const char *path)
{
	assert_true(re_snprintf(buf, sz, "http://%J%s", &S.addr, path) > 0);
}

/* --- results and the loop ------------------------------------------------ */

struct res {
	unsigned calls;
	int err;
	uint16_t status;
	size_t len;
	char body[256];
	bool nul;                 /* body[len] was '\0' */
	struct fetch **freefp;    /* free this fetch when called */
};

static void on_fetch(int err, uint16_t status, const char *body, size_t len,
		     void *arg)
{
	struct res *r = arg;

	r->calls++;
	r->err = err;
	r->status = status;
	r->len = len;
	r->body[0] = '\0';
	if (body) {
		r->nul = body[len] == '\0';
		memcpy(r->body, body, min(len, sizeof(r->body) - 1));
		r->body[min(len, sizeof(r->body) - 1)] = '\0';
	}
	else {
		assert_int_equal(len, 0);
	}
	if (r->freefp)
		*r->freefp = mem_deref(*r->freefp);
}

static bool called(void *arg)
{
	return ((struct res *)arg)->calls > 0;
}

static bool held_at_least(void *arg)
{
	return S.heldc >= *(unsigned *)arg;
}

static bool seen_at_least(void *arg)
{
	return S.reqc >= *(unsigned *)arg;
}

/* The client closed the held connection (libre drops its TCP then) */
static bool held_closed(void *arg)
{
	return !http_conn_tcp(S.heldv[*(unsigned *)arg]);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A loopback port nobody listens on */
static uint16_t closed_port(void)
{
	struct tcp_sock *ts = NULL;
	struct sa sa;
	uint16_t port;

	assert_int_equal(sa_set_str(&sa, "127.0.0.1", 0), 0);
	assert_int_equal(tcp_listen(&ts, &sa, NULL, NULL), 0);
	assert_int_equal(tcp_sock_local_get(ts, &sa), 0);
	port = sa_port(&sa);
	mem_deref(ts);
	return port;
}

/* --- tests --------------------------------------------------------------- */

/* 200 with a JSON body; the server saw a proper POST */
static void test_ok(void **state)
{
	struct fetch *f = NULL;
	struct fetch_req *req = NULL;
	struct res r = {0};
	char u[128];

	(void)state;
	assert_int_equal(fetch_alloc(&f), 0);
	url(u, sizeof(u), "/ok?token=abc");
	assert_int_equal(fetch_post(&req, f, u, "{\"call\":\"c-1\",\"n\":7}",
				    5000, on_fetch, &r), 0);
	assert_int_equal(r.calls, 0);            /* never synchronously */
	assert_true(loopwait_until(called, &r, WAIT_MS));

	assert_int_equal(r.calls, 1);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"echo\":{\"call\":\"c-1\",\"n\":7}}");
	assert_int_equal(r.len, strlen(r.body));
	assert_true(r.nul);

	assert_string_equal(S.last.method, "POST");
	assert_string_equal(S.last.path, "/ok");
	assert_string_equal(S.last.ctype, "application/json");
	assert_string_equal(S.last.accept, "application/json");
	assert_string_equal(S.last.agent, "Hotline/" HOTLINE_VERSION);
	assert_false(S.last.expect);
	assert_string_equal(S.last.body, "{\"call\":\"c-1\",\"n\":7}");

	/* after the handler, freeing the request only frees memory */
	mem_deref(req);
	mem_deref(f);
}

/* Any status is an answer; an empty body is "" not NULL; exactly the
 * limit passes */
static void test_statuses(void **state)
{
	struct fetch *f = NULL;
	struct fetch_req *r1 = NULL, *r2 = NULL, *r3 = NULL;
	struct res a = {0}, b = {0}, c = {0};
	char u[128];

	(void)state;
	assert_int_equal(fetch_alloc(&f), 0);
	url(u, sizeof(u), "/fail");
	assert_int_equal(fetch_post(&r1, f, u, "{}", 5000, on_fetch, &a), 0);
	url(u, sizeof(u), "/nowhere-but-held");
	assert_int_equal(fetch_post(&r2, f, u, "", 5000, on_fetch, &b), 0);
	url(u, sizeof(u), "/exact");
	assert_int_equal(fetch_post(&r3, f, u, "{}", 5000, on_fetch, &c), 0);

	assert_true(loopwait_until(called, &a, WAIT_MS));
	assert_int_equal(a.err, 0);
	assert_int_equal(a.status, 500);
	assert_string_equal(a.body, "oops");

	assert_true(loopwait_until(called, &c, WAIT_MS));
	assert_int_equal(c.err, 0);
	assert_int_equal(c.status, 200);
	assert_int_equal(c.len, FETCH_ANSWER_MAX);
	assert_true(c.nul);

	/* the held one (empty request body) gets an answer now */
	{
		unsigned one = 1;

		assert_true(loopwait_until(held_at_least, &one, WAIT_MS));
	}
	server_release();
	assert_true(loopwait_until(called, &b, WAIT_MS));
	assert_int_equal(b.err, 0);
	assert_int_equal(b.status, 200);
	assert_string_equal(b.body, "{\"late\":0}");

	mem_deref(r1);
	mem_deref(r2);
	mem_deref(r3);
	mem_deref(f);
}

/* No answer: ETIMEDOUT after the timeout, not much later */
static void test_timeout(void **state)
{
	struct fetch *f = NULL;
	struct fetch_req *req = NULL;
	struct res r = {0};
	double t0, ms;
	char u[128];

	(void)state;
	assert_int_equal(fetch_alloc(&f), 0);
	url(u, sizeof(u), "/hang");
	t0 = now_ms();
	assert_int_equal(fetch_post(&req, f, u, "{}", 300, on_fetch, &r), 0);
	assert_true(loopwait_until(called, &r, WAIT_MS));
	ms = now_ms() - t0;
	assert_int_equal(r.err, ETIMEDOUT);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.len, 0);
	printf("fetch: timeout 300 ms reported after %.0f ms\n", ms);
	assert_true(ms >= 290 && ms < 300 + 700);
	assert_int_equal(S.reqc, 1);   /* it did reach the server */

	server_drop();
	mem_deref(req);
	mem_deref(f);
}

/* A closed port: ECONNREFUSED, and the log names the origin only */
static void test_refused(void **state)
{
	struct fetch *f = NULL;
	struct fetch_req *req = NULL;
	struct res r = {0};
	char u[160], logbuf[4096] = "", want[64];
	uint16_t port = closed_port();
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	(void)state;
	assert_non_null(tmp);
	assert_true(saved >= 0);
	assert_int_equal(fetch_alloc(&f), 0);
	re_snprintf(u, sizeof(u),
		    "http://user:pw@127.0.0.1:%u/hook/SECRETPATH?key=SECRETQ",
		    port);
	assert_int_equal(fetch_post(&req, f, u, "{}", 5000, on_fetch, &r), 0);

	fflush(stderr);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	assert_true(loopwait_until(called, &r, WAIT_MS));
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);

	assert_int_equal(r.err, ECONNREFUSED);
	assert_int_equal(r.status, 0);

	rewind(tmp);
	n = fread(logbuf, 1, sizeof(logbuf) - 1, tmp);
	logbuf[n] = '\0';
	fclose(tmp);
	re_snprintf(want, sizeof(want), "fetch: POST http://127.0.0.1:%u:",
		    port);
	assert_non_null(strstr(logbuf, want));
	assert_null(strstr(logbuf, "SECRET"));
	assert_null(strstr(logbuf, "pw"));
	assert_null(strstr(logbuf, "hook"));

	mem_deref(req);
	mem_deref(f);
}

/* Bodies over 64 KiB: EMSGSIZE, with and without Content-Length; garbage
 * is EPROTO; a connection closed without an answer ECONNREFUSED */
static void test_bad_answers(void **state)
{
	struct fetch *f = NULL;
	struct fetch_req *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL;
	struct res a = {0}, b = {0}, c = {0}, d = {0};
	char u[128];

	(void)state;
	assert_int_equal(fetch_alloc(&f), 0);
	url(u, sizeof(u), "/big");
	assert_int_equal(fetch_post(&r1, f, u, "{}", 5000, on_fetch, &a), 0);
	url(u, sizeof(u), "/bigstream");
	assert_int_equal(fetch_post(&r2, f, u, "{}", 5000, on_fetch, &b), 0);
	url(u, sizeof(u), "/garbled");
	assert_int_equal(fetch_post(&r3, f, u, "{}", 5000, on_fetch, &c), 0);
	url(u, sizeof(u), "/close");
	assert_int_equal(fetch_post(&r4, f, u, "{}", 5000, on_fetch, &d), 0);

	assert_true(loopwait_until(called, &a, WAIT_MS));
	assert_true(loopwait_until(called, &b, WAIT_MS));
	assert_true(loopwait_until(called, &c, WAIT_MS));
	assert_true(loopwait_until(called, &d, WAIT_MS));
	assert_int_equal(a.err, EMSGSIZE);
	assert_int_equal(b.err, EMSGSIZE);
	assert_int_equal(c.err, EPROTO);
	assert_int_equal(d.err, ECONNREFUSED);
	assert_int_equal(a.len + b.len + c.len + d.len, 0);

	mem_deref(r1);
	mem_deref(r2);
	mem_deref(r3);
	mem_deref(r4);
	mem_deref(f);
}

/* Cancelled requests are never called: in flight at the server (the
 * transfer is aborted at once), queued, and with the result already in
 * the pipe */
static void test_cancel(void **state)
{
	struct fetch *f = NULL;
	struct fetch_req *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL;
	struct res a = {0}, b = {0}, c = {0}, d = {0};
	struct timespec pause = {0, 300 * 1000000};
	unsigned one = 1;
	char u[128];

	(void)state;
	assert_int_equal(fetch_alloc(&f), 0);

	/* at the server, then cancelled: the transfer is dropped */
	url(u, sizeof(u), "/hang");
	assert_int_equal(fetch_post(&r1, f, u, "{}", 5000, on_fetch, &a), 0);
	assert_true(loopwait_until(held_at_least, &one, WAIT_MS));
	assert_false(held_closed(&(unsigned){0}));
	r1 = mem_deref(r1);
	assert_true(loopwait_until(held_closed, &(unsigned){0}, 2000));

	/* cancelled before the worker even saw it */
	assert_int_equal(fetch_post(&r2, f, u, "{}", 5000, on_fetch, &b), 0);
	r2 = mem_deref(r2);

	/* finished by the worker, result waiting in the pipe: the loop does
	 * not run while it completes */
	re_snprintf(u, sizeof(u), "http://127.0.0.1:%u/", closed_port());
	assert_int_equal(fetch_post(&r3, f, u, "{}", 5000, on_fetch, &c), 0);
	nanosleep(&pause, NULL);
	r3 = mem_deref(r3);

	/* a live one still works, and comes after all of the above */
	url(u, sizeof(u), "/ok");
	assert_int_equal(fetch_post(&r4, f, u, "[1]", 5000, on_fetch, &d), 0);
	assert_true(loopwait_until(called, &d, WAIT_MS));
	assert_int_equal(d.status, 200);
	loopwait_run(100);
	assert_int_equal(a.calls + b.calls + c.calls, 0);
	r4 = mem_deref(r4);

	server_drop();
	mem_deref(f);
}

/* Freeing the fetch with work at the server and queued: prompt, and no
 * handler runs; requests outlive it harmlessly. Also from a handler. */
static void test_free_busy(void **state)
{
	struct fetch *f = NULL;
	struct fetch_req *rv[80] = {NULL};
	struct res resv[80] = {{0}}, first = {0};
	struct fetch_req *r0 = NULL;
	unsigned want = FETCH_INFLIGHT_MAX;
	double t0;
	char u[128];

	(void)state;
	assert_int_equal(fetch_alloc(&f), 0);
	url(u, sizeof(u), "/hang");
	for (unsigned i = 0; i < 80; i++)
		assert_int_equal(fetch_post(&rv[i], f, u, "{}", 20000,
					    on_fetch, &resv[i]), 0);
	assert_true(loopwait_until(held_at_least, &want, WAIT_MS));

	t0 = now_ms();
	f = mem_deref(f);
	assert_true(now_ms() - t0 < 1000);
	loopwait_run(100);
	for (unsigned i = 0; i < 80; i++) {
		assert_int_equal(resv[i].calls, 0);
		mem_deref(rv[i]);
	}
	server_drop();

	/* a handler frees the fetch: the other results are dropped */
	assert_int_equal(fetch_alloc(&f), 0);
	first.freefp = &f;
	url(u, sizeof(u), "/ok");
	assert_int_equal(fetch_post(&r0, f, u, "{}", 5000, on_fetch, &first),
			 0);
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(fetch_post(&rv[i], f, u, "{}", 5000,
					    on_fetch, &resv[i]), 0);
	assert_true(loopwait_until(called, &first, WAIT_MS));
	assert_null(f);
	loopwait_run(100);
	mem_deref(r0);
	for (unsigned i = 0; i < 10; i++)
		mem_deref(rv[i]);
	/* earlier results may have been delivered in the same batch before
	 * first's: at most those, never after the fetch went */
	for (unsigned i = 0; i < 10; i++)
		assert_true(resv[i].calls <= 1);
}

static bool all_called(void *arg)
{
	const struct res *v = arg;

	for (unsigned i = 0; i < 100; i++) {
		if (!v[i].calls)
			return false;
	}
	return true;
}

/* 100 at once: at most 64 at the server, the rest wait, all answered */
static void test_concurrent(void **state)
{
	struct fetch *f = NULL;
	struct fetch_req *rv[100] = {NULL};
	static struct res resv[100];
	unsigned want = FETCH_INFLIGHT_MAX, all = 100;
	char u[128], body[32];

	(void)state;
	memset(resv, 0, sizeof(resv));
	assert_int_equal(fetch_alloc(&f), 0);
	url(u, sizeof(u), "/hold");
	for (unsigned i = 0; i < 100; i++) {
		re_snprintf(body, sizeof(body), "{\"i\":%u}", i);
		assert_int_equal(fetch_post(&rv[i], f, u, body, 20000,
					    on_fetch, &resv[i]), 0);
	}

	/* the limit holds: 64 arrive, no 65th while they are open */
	assert_true(loopwait_until(held_at_least, &want, WAIT_MS));
	assert_false(loopwait_until(seen_at_least, &(unsigned){65}, 200));
	assert_int_equal(S.heldc, FETCH_INFLIGHT_MAX);

	/* answer them: the other 36 come (reusing connections), answer */
	server_release();
	assert_true(loopwait_until(seen_at_least, &all, WAIT_MS));
	server_release();
	assert_true(loopwait_until(all_called, resv, WAIT_MS));
	for (unsigned i = 0; i < 100; i++) {
		assert_int_equal(resv[i].calls, 1);
		assert_int_equal(resv[i].err, 0);
		assert_int_equal(resv[i].status, 200);
		assert_non_null(strstr(resv[i].body, "{\"late\":"));
		mem_deref(rv[i]);
	}
	assert_int_equal(S.held_max, FETCH_INFLIGHT_MAX);

	/* now 100 plain ones, answered at once, each its own echo */
	url(u, sizeof(u), "/ok");
	memset(resv, 0, sizeof(resv));
	for (unsigned i = 0; i < 100; i++) {
		re_snprintf(body, sizeof(body), "{\"i\":%u}", i);
		assert_int_equal(fetch_post(&rv[i], f, u, body, 20000,
					    on_fetch, &resv[i]), 0);
	}
	assert_true(loopwait_until(all_called, resv, WAIT_MS));
	for (unsigned i = 0; i < 100; i++) {
		char want_body[48];

		re_snprintf(want_body, sizeof(want_body),
			    "{\"echo\":{\"i\":%u}}", i);
		assert_int_equal(resv[i].calls, 1);
		assert_string_equal(resv[i].body, want_body);
		mem_deref(rv[i]);
	}

	mem_deref(f);
}

/* A request that waits for a slot longer than its timeout times out on
 * time, without being sent */
static void test_queue_timeout(void **state)
{
	struct fetch *f = NULL;
	struct fetch_req *rv[FETCH_INFLIGHT_MAX] = {NULL}, *late = NULL;
	struct res resv[FETCH_INFLIGHT_MAX] = {{0}}, r = {0};
	unsigned want = FETCH_INFLIGHT_MAX;
	double t0, ms;
	char u[128];

	(void)state;
	assert_int_equal(fetch_alloc(&f), 0);
	url(u, sizeof(u), "/hold");
	for (unsigned i = 0; i < FETCH_INFLIGHT_MAX; i++)
		assert_int_equal(fetch_post(&rv[i], f, u, "{}", 20000,
					    on_fetch, &resv[i]), 0);
	assert_true(loopwait_until(held_at_least, &want, WAIT_MS));
	t0 = now_ms();
	assert_int_equal(fetch_post(&late, f, u, "{}", 200, on_fetch, &r), 0);
	assert_true(loopwait_until(called, &r, WAIT_MS));
	ms = now_ms() - t0;
	assert_int_equal(r.err, ETIMEDOUT);
	assert_true(ms >= 200 && ms < 200 + 500);
	server_release();
	loopwait_run(200);
	assert_int_equal(r.calls, 1);
	assert_int_equal(S.reqc, FETCH_INFLIGHT_MAX);   /* never sent */

	mem_deref(late);
	for (unsigned i = 0; i < FETCH_INFLIGHT_MAX; i++)
		mem_deref(rv[i]);
	mem_deref(f);
}

static void test_einval(void **state)
{
	static char longurl[FETCH_URL_MAX + 2];
	char *bigbody = malloc(FETCH_BODY_MAX + 2);
	struct fetch *f = NULL;
	struct fetch_req *req = NULL;
	struct res r = {0};
	const char *bad[] = {
		"", "ftp://127.0.0.1/", "file:///etc/passwd", "http://",
		"https://", "http:// 127.0.0.1/", "http://127.0.0.1/a b",
		"http://127.0.0.1/\xc3\xa9", "127.0.0.1:80/x",
		"http://[::1/", "gopher://127.0.0.1/", "http:/127.0.0.1/",
		"http://127.0.0.1:99999/",
	};
	char u[128];

	(void)state;
	assert_non_null(bigbody);
	assert_int_equal(fetch_alloc(NULL), EINVAL);
	assert_int_equal(fetch_alloc(&f), 0);
	url(u, sizeof(u), "/ok");

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (fetch_post(&req, f, bad[i], "{}", 1000, on_fetch, &r)
		    != EINVAL)
			fail_msg("url \"%s\" accepted", bad[i]);
	}
	assert_int_equal(fetch_post(NULL, f, u, "{}", 1000, on_fetch, &r),
			 EINVAL);
	assert_int_equal(fetch_post(&req, NULL, u, "{}", 1000, on_fetch, &r),
			 EINVAL);
	assert_int_equal(fetch_post(&req, f, NULL, "{}", 1000, on_fetch, &r),
			 EINVAL);
	assert_int_equal(fetch_post(&req, f, u, NULL, 1000, on_fetch, &r),
			 EINVAL);
	assert_int_equal(fetch_post(&req, f, u, "{}", 1000, NULL, &r),
			 EINVAL);
	assert_int_equal(fetch_post(&req, f, u, "{}", 0, on_fetch, &r),
			 EINVAL);
	assert_int_equal(fetch_post(&req, f, u, "{}", FETCH_TIMEOUT_MAX_MS + 1,
				    on_fetch, &r), EINVAL);

	/* bounds: the limit passes, one more does not */
	memset(longurl, 'a', sizeof(longurl) - 1);
	memcpy(longurl, u, strlen(u));
	longurl[strlen(u)] = '?';
	longurl[FETCH_URL_MAX + 1] = '\0';
	assert_int_equal(fetch_post(&req, f, longurl, "{}", 1000, on_fetch,
				    &r), EINVAL);
	memset(bigbody, ' ', FETCH_BODY_MAX + 1);
	bigbody[FETCH_BODY_MAX + 1] = '\0';
	assert_int_equal(fetch_post(&req, f, u, bigbody, 1000, on_fetch, &r),
			 EINVAL);
	assert_null(req);
	assert_int_equal(S.reqc, 0);

	longurl[FETCH_URL_MAX] = '\0';
	assert_int_equal(fetch_post(&req, f, longurl, "{}",
				    FETCH_TIMEOUT_MAX_MS, on_fetch, &r), 0);
	assert_true(loopwait_until(called, &r, WAIT_MS));
	assert_int_equal(r.err, 0);
	req = mem_deref(req);

	/* an upper-case scheme is a scheme */
	memset(&r, 0, sizeof(r));
	re_snprintf(u, sizeof(u), "HTTP://%J/ok", &S.addr);
	assert_int_equal(fetch_post(&req, f, u, "{}", 1000, on_fetch, &r), 0);
	assert_true(loopwait_until(called, &r, WAIT_MS));
	assert_int_equal(r.status, 200);
	req = mem_deref(req);

	/* a body of exactly the limit is taken (then cancelled: our test
	 * server reads at most 512 KiB) */
	bigbody[FETCH_BODY_MAX] = '\0';
	memset(&r, 0, sizeof(r));
	url(u, sizeof(u), "/fail");
	assert_int_equal(fetch_post(&req, f, u, bigbody, 5000, on_fetch, &r),
			 0);
	req = mem_deref(req);   /* too big for our test server: cancel */

	free(bigbody);
	mem_deref(f);
}

static int setup(void **state)
{
	struct sa sa;

	(void)state;
	memset(&S, 0, sizeof(S));
	assert_int_equal(sa_set_str(&sa, "127.0.0.1", 0), 0);
	assert_int_equal(http_listen(&S.hs, &sa, on_http, NULL), 0);
	/* libre's backlog is 5 (STACK.md): 64 connect at once here */
	assert_int_equal(tcp_sock_listen(http_sock_tcp(S.hs), 511), 0);
	assert_int_equal(tcp_sock_local_get(http_sock_tcp(S.hs), &S.addr), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	server_drop();
	S.hs = mem_deref(S.hs);
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	log_level_set(LOGL_INFO);
	return libre_init();
}

static int group_teardown(void **state)
{
	(void)state;
	libre_close();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statuses, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_answers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_busy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_queue_timeout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_einval, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

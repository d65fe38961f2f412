/** @file api/hsrv.c  HTTP/1.1 server connections on libre TCP
 *
 * libre 1.1.0's HTTP server drops bodies over 512 KiB without a reply and
 * listens with a backlog of 5 (STACK.md pitfall 4); this one answers every
 * limit with a status, pipelines, keeps connections alive and hands a
 * connection to the WebSocket stream on upgrade.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <re.h>
#include <hotline/log.h>
#include "hsrv.h"

struct hsrv {
	struct tcp_sock *ts;
	struct list connl;          /* struct hconn, owned */
	struct hsrv_conf conf;
	hsrv_req_h *reqh;
	void *arg;
};

struct hconn {
	struct le le;               /* in srv->connl */
	struct hsrv *srv;           /* borrowed: outlives its connections */
	struct tcp_conn *tc;        /* owned; NULL once detached */
	struct mbuf *rx;            /* owned: bytes not yet handled */
	struct tmr tmr;             /* idle / slow request */
	struct sa peer;
	bool replied;
	bool keep_alive;
	bool closing;               /* close once the reply is queued */
	bool detached;
	bool draining;              /* closing once the send queue is empty */
};

const char *hsrv_reason(uint16_t status)
{
	switch (status) {
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 426: return "Upgrade Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default:  return "Unknown";
	}
}

static void conn_destructor(void *data)
{
	struct hconn *c = data;

	tmr_cancel(&c->tmr);
	list_unlink(&c->le);
	mem_deref(c->tc);
	mem_deref(c->rx);
}

#define LINGER_MS 2000
#define TXQ_DEFAULT (512 * 1024)   /* libre 1.1.0 TCP send queue limit */

static void linger_timeout(void *arg)
{
	mem_deref(arg);
}

/* Half-close, then read and discard until the peer closes or LINGER_MS
 * pass. Closing a socket that still has unread input sends a RST, which
 * can destroy the reply (say a 413) before the client reads it. */
static void linger(struct hconn *c)
{
	tcp_set_send(c->tc, NULL);
	(void)shutdown(tcp_conn_fd(c->tc), SHUT_WR);
	tmr_start(&c->tmr, LINGER_MS, linger_timeout, c);
}

static void drained(void *arg)
{
	struct hconn *c = arg;

	if (!tcp_conn_txqsz(c->tc))
		linger(c);
}

/* Close after the last reply left: libre drops its send queue when the
 * connection is freed, which would truncate a large final response. */
static void conn_close(struct hconn *c)
{
	if (c->draining)
		return;
	c->draining = true;
	if (!c->tc) {
		mem_deref(c);
		return;
	}
	if (tcp_conn_txqsz(c->tc)) {
		tcp_set_send(c->tc, drained);
		tmr_start(&c->tmr, LINGER_MS, linger_timeout, c);
		return;
	}
	linger(c);
}

static void idle_timeout(void *arg)
{
	struct hconn *c = arg;

	/* A request half received is answered; an idle keep-alive
	 * connection just closes. */
	if (c->rx && c->rx->end) {
		c->keep_alive = false;
		hconn_reply(c, 408, NULL, "application/json",
			    "{\"error\":{\"code\":\"request_timeout\","
			    "\"message\":\"request not received in time\"}}",
			    86);
	}
	conn_close(c);
}

void hconn_reply(struct hconn *c, uint16_t status, const char *extra,
		 const char *ctype, const char *body, size_t len)
{
	struct mbuf *mb;
	int err;

	if (!c || c->replied || !c->tc)
		return;
	c->replied = true;

	mb = mbuf_alloc(256 + len);
	if (!mb) {
		c->closing = true;
		return;
	}
	err = mbuf_printf(mb, "HTTP/1.1 %u %s\r\n", status,
			  hsrv_reason(status));
	if (ctype)
		err |= mbuf_printf(mb, "Content-Type: %s\r\n", ctype);
	if (status != 101 && status != 204)
		err |= mbuf_printf(mb, "Content-Length: %zu\r\n", len);
	err |= mbuf_printf(mb, "%s%s\r\n", extra ? extra : "",
			   status == 101 ? "" :
			   c->keep_alive ? "Connection: keep-alive\r\n" :
			   "Connection: close\r\n");
	if (len)
		err |= mbuf_write_mem(mb, (const uint8_t *)body, len);
	if (!err) {
		mb->pos = 0;
		/* a large body (a recording) must fit libre's send queue
		 * (512 KiB by default) behind what the kernel takes now */
		if (mb->end > TXQ_DEFAULT / 2)
			tcp_conn_txqsz_set(c->tc, tcp_conn_txqsz(c->tc) +
					   mb->end + TXQ_DEFAULT);
		err = tcp_send(c->tc, mb);
	}
	if (err) {
		log_warn("http: %J: reply failed (%m)\n", &c->peer, err);
		c->keep_alive = false;
	}
	if (!c->keep_alive)
		c->closing = true;
	mem_deref(mb);
}

struct tcp_conn *hconn_detach(struct hconn *c, struct mbuf **restp)
{
	struct tcp_conn *tc = c->tc;

	*restp = NULL;
	tcp_set_handlers(tc, NULL, NULL, NULL, NULL);
	c->tc = NULL;
	c->detached = true;
	c->replied = true;
	tmr_cancel(&c->tmr);
	return tc;
}

const struct sa *hconn_peer(const struct hconn *c)
{
	return &c->peer;
}

static void reply_error(struct hconn *c, uint16_t status, const char *what)
{
	char body[192];
	int n;

	c->keep_alive = false;
	n = re_snprintf(body, sizeof(body),
			"{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
			status == 413 ? "body_too_large" :
			status == 431 ? "headers_too_large" :
			status == 414 ? "uri_too_long" :
			status == 501 ? "not_implemented" :
			status == 505 ? "http_version_not_supported" :
			"bad_request", what);
	hconn_reply(c, status, NULL, "application/json", body, n);
}

static const char *parse_error_text(uint16_t status)
{
	switch (status) {
	case 413: return "request body larger than the server accepts";
	case 414: return "request target too long";
	case 431: return "request head too large or too many header fields";
	case 501: return "Transfer-Encoding is not supported;"
			 " send Content-Length";
	case 505: return "only HTTP/1.0 and HTTP/1.1 are supported";
	default:  return "malformed HTTP request";
	}
}

/* Handle every complete request in rx. Returns false when the connection
 * is gone (closed or detached) and must not be touched any more. */
static bool handle_requests(struct hconn *c)
{
	struct hsrv *srv = c->srv;

	while (c->rx && c->rx->end > 0 && !c->closing) {
		struct hreq req;
		uint16_t status = 400;
		enum hreq_result r;
		size_t total;

		c->replied = false;
		r = hreq_parse(&req, (const char *)c->rx->buf, c->rx->end,
				   &srv->conf.lim, &status);
		if (r == HREQ_MORE)
			return true;
		if (r == HREQ_ERROR) {
			reply_error(c, status, parse_error_text(status));
			break;
		}
		total = req.head_len + (size_t)req.content_length;
		if (c->rx->end < total)
			return true;   /* body still arriving */

		c->keep_alive = req.keep_alive;
		srv->reqh(c, &req, (const char *)c->rx->buf + req.head_len,
			  (size_t)req.content_length, srv->arg);
		if (c->detached) {
			mem_deref(c);
			return false;
		}
		if (!c->replied)
			reply_error(c, 500, "no reply");

		memmove(c->rx->buf, c->rx->buf + total, c->rx->end - total);
		c->rx->end -= total;
		c->rx->pos = 0;
	}

	if (c->closing) {
		conn_close(c);
		return false;
	}
	return true;
}

static void recv_handler(struct mbuf *mb, void *arg)
{
	struct hconn *c = arg;
	struct hsrv *srv = c->srv;
	size_t cap = srv->conf.lim.max_head + srv->conf.lim.max_body;
	size_t n = mbuf_get_left(mb);

	if (c->draining)
		return;
	if (!c->rx) {
		c->rx = mbuf_alloc(n > 4096 ? n : 4096);
		if (!c->rx) {
			conn_close(c);
			return;
		}
	}
	/* The parser rejects heads over max_head and bodies over max_body,
	 * so a well-behaved client never exceeds cap; a client that keeps
	 * sending past its own declared body is cut off. */
	if (c->rx->end + n > cap + 4096) {
		conn_close(c);
		return;
	}
	c->rx->pos = c->rx->end;
	if (mbuf_write_mem(c->rx, mbuf_buf(mb), n)) {
		conn_close(c);
		return;
	}
	tmr_start(&c->tmr, srv->conf.idle_timeout_s * 1000, idle_timeout, c);
	(void)handle_requests(c);
}

static void close_handler(int err, void *arg)
{
	struct hconn *c = arg;

	(void)err;
	mem_deref(c);   /* the peer is gone: nothing left to send */
}

static void connect_handler(const struct sa *peer, void *arg)
{
	struct hsrv *srv = arg;
	struct hconn *c;
	int err, one = 1;

	if (list_count(&srv->connl) >= srv->conf.max_conns) {
		log_warn("http: %J: too many connections (%zu), refused\n",
			 peer, srv->conf.max_conns);
		tcp_reject(srv->ts);
		return;
	}
	c = mem_zalloc(sizeof(*c), conn_destructor);
	if (!c) {
		tcp_reject(srv->ts);
		return;
	}
	c->srv = srv;
	c->peer = *peer;
	err = tcp_accept(&c->tc, srv->ts, NULL, recv_handler, close_handler,
			 c);
	if (err) {
		mem_deref(c);
		tcp_reject(srv->ts);
		return;
	}
	/* Replies and event frames are whole messages written at once:
	 * Nagle would only hold them back waiting for ACKs. */
	(void)setsockopt(tcp_conn_fd(c->tc), IPPROTO_TCP, TCP_NODELAY,
			 &one, sizeof(one));
	list_append(&srv->connl, &c->le, c);
	tmr_start(&c->tmr, srv->conf.idle_timeout_s * 1000, idle_timeout, c);
}

static void srv_destructor(void *data)
{
	struct hsrv *srv = data;

	list_flush(&srv->connl);
	mem_deref(srv->ts);
}

/** Listen on laddr. 0, or errno (EADDRINUSE, ...) from the socket. */
int hsrv_alloc(struct hsrv **srvp, const struct sa *laddr,
	       const struct hsrv_conf *conf, hsrv_req_h *reqh, void *arg)
{
	struct hsrv *srv;
	int err;

	srv = mem_zalloc(sizeof(*srv), srv_destructor);
	if (!srv)
		return ENOMEM;
	srv->conf = *conf;
	srv->reqh = reqh;
	srv->arg = arg;

	err = tcp_listen(&srv->ts, laddr, connect_handler, srv);
	if (!err)
		err = tcp_sock_listen(srv->ts, 511);  /* libre uses 5 */
	if (err) {
		mem_deref(srv);
		return err;
	}
	*srvp = srv;
	return 0;
}

int hsrv_local(const struct hsrv *srv, struct sa *laddr)
{
	return tcp_sock_local_get(srv->ts, laddr);
}

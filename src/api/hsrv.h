/** @file api/hsrv.h  HTTP/1.1 server connections on libre TCP (private) */
#ifndef API_HSRV_H
#define API_HSRV_H

#include <hotline/hreq.h>

struct sa;
struct mbuf;
struct tcp_conn;
struct hsrv;
struct hconn;

/** Called once per complete request (head parsed, body received). The
 *  handler must, before returning, either reply (hconn_reply*) exactly
 *  once or take the connection over with hconn_detach(). req and body
 *  are valid only during the call. */
typedef void (hsrv_req_h)(struct hconn *c, const struct hreq *req,
			  const char *body, size_t len, void *arg);

struct hsrv_conf {
	struct hreq_limits lim;
	size_t max_conns;        /* further connections are refused */
	uint32_t idle_timeout_s; /* keep-alive and slow-request timeout */
};

int hsrv_alloc(struct hsrv **srvp, const struct sa *laddr,
	       const struct hsrv_conf *conf, hsrv_req_h *reqh, void *arg);
int hsrv_local(const struct hsrv *srv, struct sa *laddr);

/** Send a complete response. extra: more header lines, each ending in
 *  "\r\n", or NULL. ctype NULL means no Content-Type (no body). */
void hconn_reply(struct hconn *c, uint16_t status, const char *extra,
		 const char *ctype, const char *body, size_t len);

/** Take the TCP connection over (WebSocket upgrade). Returns a reference
 *  the caller owns; the server forgets the connection and drops its
 *  handlers. Bytes received after the request head are appended to
 *  *restp (allocated if any, else NULL). */
struct tcp_conn *hconn_detach(struct hconn *c, struct mbuf **restp);

/** Peer address, for logs and throttling. */
const struct sa *hconn_peer(const struct hconn *c);

const char *hsrv_reason(uint16_t status);

#endif

/** @file sip/sipstack.c  libre's SIP stack, our transports, the dispatcher
 *  of last resort */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include <hotline/config.h>
#include <hotline/log.h>
#include "sipstack.h"

/* libre's hash table sizes: client transactions, server transactions,
 * TCP connections */
#define CTRANS_HASH 256
#define STRANS_HASH 256
#define CONN_HASH   256

struct sipstack {
	struct sip *sip;                /* owned */
	struct sip_lsnr *req_lsnr;      /* owned: the request fallback */
	struct sip_lsnr *resp_lsnr;     /* owned: the response fallback */
	struct tls *tls;                /* ref: TLS transports hold it too */
	struct sa laddr;                /* the first configured address */
};

static void destructor(void *arg)
{
	struct sipstack *ss = arg;

	mem_deref(ss->req_lsnr);
	mem_deref(ss->resp_lsnr);
	mem_deref(ss->sip);
	mem_deref(ss->tls);
}

/* At debug level every message in and out is logged (one line each) */
static void trace_handler(bool tx, enum sip_transp tp, const struct sa *src,
			  const struct sa *dst, const uint8_t *pkt,
			  size_t len, void *arg)
{
	(void)arg;
	log_debug("sip: %s %s %J -> %J: %b\n", tx ? "send" : "recv",
		  sip_transp_name(tp), src, dst, (const char *)pkt, len);
}

static int listen_addr(struct sipstack *ss, const char *addr, bool first)
{
	struct sa sa;
	int err;

	err = sa_decode(&sa, addr, strlen(addr));
	if (err) {
		log_error("sip: bad listen address %s\n", addr);
		return EINVAL;
	}
	err = sip_transp_add(ss->sip, SIP_TRANSP_UDP, &sa);
	if (err) {
		log_error("sip: cannot listen on udp %J (%m)\n", &sa, err);
		return err;
	}
	err = sip_transp_add(ss->sip, SIP_TRANSP_TCP, &sa);
	if (err) {
		log_error("sip: cannot listen on tcp %J (%m)\n", &sa, err);
		return err;
	}
	log_info("sip: listening on udp/tcp %J\n", &sa);
	if (first)
		ss->laddr = sa;
	return 0;
}

static int listen_tls(struct sipstack *ss, const char *addr)
{
	struct sa sa;
	int err;

	err = sa_decode(&sa, addr, strlen(addr));
	if (err) {
		log_error("sip: bad tls listen address %s\n", addr);
		return EINVAL;
	}
	err = sip_transp_add(ss->sip, SIP_TRANSP_TLS, &sa, ss->tls);
	if (err) {
		log_error("sip: cannot listen on tls %J (%m)\n", &sa, err);
		return err;
	}
	log_info("sip: listening on tls %J\n", &sa);
	return 0;
}

/* One TLS context for every TLS address. It also serves the connections
 * we open (calls to ;transport=tls contacts); libre does not verify the
 * peer's certificate on those. */
static int start_tls(struct sipstack *ss, const struct config *cfg)
{
	int err;

	if (!cfg->sip_tls_cert[0]) {
		log_error("sip: sip_tls_listen needs sip_tls_cert\n");
		return EINVAL;
	}
	/* libre says EINVAL for any failure: name a missing file first */
	if (access(cfg->sip_tls_cert, R_OK)) {
		err = errno;
		log_error("sip: sip_tls_cert %s: %m\n", cfg->sip_tls_cert, err);
		return err;
	}
	/* libre reads the chain, then the key, from the same PEM file */
	err = tls_alloc(&ss->tls, TLS_METHOD_SSLV23, cfg->sip_tls_cert, NULL);
	if (err) {
		log_error("sip: sip_tls_cert %s: not a PEM certificate (chain)"
			  " with its private key\n", cfg->sip_tls_cert);
		return err;
	}
	for (size_t i = 0; i < cfg->sip_tls_listenc && !err; i++)
		err = listen_tls(ss, cfg->sip_tls_listenv[i]);
	return err;
}

/**
 * Create the SIP stack and bind UDP and TCP on every cfg->sip_listenv
 * address (libre rejects 0.0.0.0: each address is concrete), then TLS on
 * every cfg->sip_tls_listenv address with cfg->sip_tls_cert. No DNS
 * client: requests go to IP addresses (registered contacts); a module
 * that needs names must add one. Returns 0, EINVAL (no address, or
 * TLS without a certificate), the certificate's load error, or the bind
 * error (all logged). *ssp is a mem object.
 */
int sipstack_alloc(struct sipstack **ssp, const struct config *cfg)
{
	struct sipstack *ss;
	int err;

	if (!ssp || !cfg || !cfg->sip_listenc)
		return EINVAL;

	ss = mem_zalloc(sizeof(*ss), destructor);
	if (!ss)
		return ENOMEM;

	err = sip_alloc(&ss->sip, NULL, CTRANS_HASH, STRANS_HASH, CONN_HASH,
			SIPSTACK_UA, NULL, NULL);
	if (err) {
		log_error("sip: stack allocation failed (%m)\n", err);
		goto out;
	}
	if (cfg->log_level == LOGL_DEBUG)
		sip_set_trace_handler(ss->sip, trace_handler);

	for (size_t i = 0; i < cfg->sip_listenc && !err; i++)
		err = listen_addr(ss, cfg->sip_listenv[i], i == 0);
	if (!err && cfg->sip_tls_listenc)
		err = start_tls(ss, cfg);

 out:
	if (err)
		mem_deref(ss);
	else
		*ssp = ss;
	return err;
}

struct sip *sipstack_sip(const struct sipstack *ss)
{
	return ss ? ss->sip : NULL;
}

const struct sa *sipstack_laddr(const struct sipstack *ss)
{
	return ss ? &ss->laddr : NULL;
}

/** The standard reason phrase of a status we send. */
const char *sipstack_reason(uint16_t status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 415: return "Unsupported Media Type";
	case 480: return "Temporarily Unavailable";
	case 481: return "Call/Transaction Does Not Exist";
	case 486: return "Busy Here";
	case 487: return "Request Terminated";
	case 488: return "Not Acceptable Here";
	case 500: return "Server Internal Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 603: return "Decline";
	default:  return status < 500 ? "Request Failed" : "Server Error";
	}
}

/**
 * Reply statefully (a server transaction absorbs retransmissions of the
 * request). hdrs: NULL or complete header lines, each ending in CRLF.
 * 0 or errno (the send error; nothing to undo).
 */
int sipstack_reply(struct sipstack *ss, const struct sip_msg *msg,
		   uint16_t status, const char *reason, const char *hdrs)
{
	if (!ss || !msg)
		return EINVAL;
	if (!reason)
		reason = sipstack_reason(status);

	return sip_treplyf(NULL, NULL, ss->sip, msg, false, status, reason,
			   "%sContent-Length: 0\r\n\r\n", hdrs ? hdrs : "");
}

static bool is_digits(const struct pl *pl)
{
	if (!pl->l || pl->l > 9)
		return false;
	for (size_t i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return false;
	}
	return true;
}

uint16_t sipstack_request_check(const struct sip_msg *msg,
				const char **reason)
{
	if (!pl_isset(&msg->via.sentby) || !pl_isset(&msg->from.auri) ||
	    !pl_isset(&msg->to.auri) || !pl_isset(&msg->callid) ||
	    !pl_isset(&msg->cseq.met)) {
		*reason = "Missing Mandatory Header";
		return 400;
	}
	if (pl_cmp(&msg->cseq.met, &msg->met)) {
		*reason = "CSeq Method Mismatch";
		return 400;
	}
	if (pl_isset(&msg->maxfwd)) {
		if (!is_digits(&msg->maxfwd)) {
			*reason = "Bad Max-Forwards";
			return 400;
		}
		if (pl_u32(&msg->maxfwd) == 0) {
			*reason = "Too Many Hops";
			return 483;
		}
	}
	/* over UDP libre takes the rest of the datagram as the body,
	 * whatever Content-Length says (RFC 3261 18.3: a longer one is an
	 * error) */
	if (pl_isset(&msg->clen) && (!is_digits(&msg->clen) ||
	    pl_u32(&msg->clen) > mbuf_get_left(msg->mb))) {
		*reason = "Bad Content-Length";
		return 400;
	}
	if (pl_strcasecmp(&msg->uri.scheme, "sip") &&
	    pl_strcasecmp(&msg->uri.scheme, "sips")) {
		*reason = "Unsupported URI Scheme";
		return 416;
	}
	return 0;
}

/* Methods we know but do not implement (outside what other modules take) */
static const char *const unsupported[] = {
	"SUBSCRIBE", "NOTIFY", "PUBLISH", "MESSAGE", "PRACK", "UPDATE",
	"REFER",
};

static bool method_in(const struct pl *met, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!pl_strcmp(met, v[i]))
			return true;
	}
	return false;
}

static void answer(struct sipstack_answer *ans, uint16_t scode,
		   const char *reason, bool allow)
{
	ans->scode = scode;
	ans->reason = reason;
	ans->allow = allow;
	ans->accept = false;
}

void sipstack_fallback_answer(const struct sip_msg *msg,
			      struct sipstack_answer *ans)
{
	static const char *const ours[] = {"INVITE", "BYE", "INFO"};
	const struct pl *met = &msg->met;
	uint16_t scode;
	const char *reason;

	if (!pl_strcmp(met, "ACK")) {
		answer(ans, 0, NULL, false);
		return;
	}
	scode = sipstack_request_check(msg, &reason);
	if (scode) {
		answer(ans, scode, reason, false);
		return;
	}

	if (!pl_strcmp(met, "OPTIONS")) {
		answer(ans, 200, "OK", true);
		ans->accept = true;
	}
	else if (!pl_strcmp(met, "CANCEL")) {
		answer(ans, 481, "Call/Transaction Does Not Exist", false);
	}
	else if (method_in(met, ours, ARRAY_SIZE(ours))) {
		/* only reaches us when no session module took it */
		if (pl_isset(&msg->to.tag))
			answer(ans, 481, "Call/Transaction Does Not Exist",
			       false);
		else
			answer(ans, 503, "Service Unavailable", false);
	}
	else if (!pl_strcmp(met, "REGISTER")) {
		answer(ans, 503, "Service Unavailable", false);
	}
	else if (method_in(met, unsupported, ARRAY_SIZE(unsupported))) {
		answer(ans, 405, "Method Not Allowed", true);
	}
	else {
		answer(ans, 501, "Not Implemented", false);
	}
}

static bool request_fallback(const struct sip_msg *msg, void *arg)
{
	struct sipstack *ss = arg;
	struct sipstack_answer ans;
	char hdrs[256];

	sipstack_fallback_answer(msg, &ans);
	if (!ans.scode) {
		log_debug("sip: stray %r from %J dropped\n", &msg->met,
			  &msg->src);
		return true;
	}

	re_snprintf(hdrs, sizeof(hdrs), "%s%s",
		    ans.allow ? "Allow: " SIPSTACK_ALLOW "\r\n" : "",
		    ans.accept ? "Accept: " SIPSTACK_ACCEPT "\r\n" : "");
	log_debug("sip: %r from %J: %u %s\n", &msg->met, &msg->src,
		  ans.scode, ans.reason);
	(void)sipstack_reply(ss, msg, ans.scode, ans.reason, hdrs);
	return true;
}

/* Responses no client transaction matched: late retransmissions, or
 * garbage. libre would print them; they need nothing. */
static bool response_fallback(const struct sip_msg *msg, void *arg)
{
	(void)arg;
	log_debug("sip: stray response %u %r (%r) from %J dropped\n",
		  msg->scode, &msg->reason, &msg->cseq.met, &msg->src);
	return true;
}

/**
 * Add the fallbacks. libre calls listeners in the order they were added,
 * so this must come after every module that listens. 0 or ENOMEM.
 */
int sipstack_ready(struct sipstack *ss)
{
	int err;

	if (!ss)
		return EINVAL;

	err = sip_listen(&ss->req_lsnr, ss->sip, true, request_fallback, ss);
	if (err)
		return err;
	return sip_listen(&ss->resp_lsnr, ss->sip, false, response_fallback,
			  ss);
}

void sipstack_close(struct sipstack *ss)
{
	if (!ss)
		return;

	/* the fallbacks stay until the stack is freed: libre never
	 * answers on its own */
	sip_close(ss->sip, true);
}

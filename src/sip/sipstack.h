/** @file sip/sipstack.h  The SIP stack: libre's sip instance, UDP and TCP
 *  transports on each configured address, and the dispatcher of last
 *  resort (OPTIONS, unsupported methods). Private to src/sip/.
 *
 * Request dispatch order (libre calls listeners in the order they were
 * added, until one takes the request): the registrar (REGISTER), the
 * B2BUA's sipsess socket (INVITE, ACK, BYE, INFO, in-dialog REFER), then
 * the fallback added by sipstack_ready(): OPTIONS 200 with Allow/Accept,
 * CANCEL without a transaction 481, known but unsupported methods 405
 * with Allow, unknown methods 501, a stray ACK is dropped; see
 * sipstack_fallback_answer(). It takes every request, so libre never
 * answers on its own (nor prints "unhandeled request"); a second fallback
 * drops stray responses.
 *
 * Malformed messages (no start line, bad header syntax, a Request-URI
 * libre cannot parse) are dropped silently by libre before any listener
 * runs: there is nothing to reply to reliably. libre writes one
 * "sip: msg decode err" line to stderr for such UDP datagrams.
 */
#ifndef SIP_SIPSTACK_H
#define SIP_SIPSTACK_H

#include <stdint.h>
#include <stdbool.h>

struct config;
struct sip;
struct sa;
struct sip_msg;
struct sipstack;

#define SIPSTACK_ALLOW "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO"
#define SIPSTACK_ACCEPT "application/sdp"
#define SIPSTACK_UA "Hotline/0.1"

/** Create libre's sip stack and bind UDP and TCP on every
 *  cfg->sip_listenv address. 0, EINVAL (no address), or the bind error
 *  (logged with the address). */
int sipstack_alloc(struct sipstack **ssp, const struct config *cfg);

/** Add the fallback listener: call after every other module attached. */
int sipstack_ready(struct sipstack *ss);

struct sip *sipstack_sip(const struct sipstack *ss);

/** The first configured address (used for Contact and as the default
 *  media address). */
const struct sa *sipstack_laddr(const struct sipstack *ss);

/** The standard reason phrase for status ("Busy Here", ...). */
const char *sipstack_reason(uint16_t status);

/** Reply to msg with status and reason (NULL: sipstack_reason()) through
 *  a server transaction
 *  (UDP retransmissions of the request get the same reply again without
 *  reaching any handler), with our Server header and the extra header
 *  lines hdrs (NULL or "Name: value\r\n..."). Never replies to ACK.
 *  0 or errno. */
int sipstack_reply(struct sipstack *ss, const struct sip_msg *msg,
		   uint16_t status, const char *reason, const char *hdrs);

/** Stop: abort our pending client transactions (their response handlers
 *  run with an error). libre 1.1.0 has no
 *  graceful drain for UDP/TCP (sip_close(sip, false) only matters for
 *  WebSocket transports), so this is sip_close(sip, true); the
 *  transports close when the sipstack is freed. */
void sipstack_close(struct sipstack *ss);

/* Pure helpers (no I/O), shared by the handlers and the fuzz target */

/** The checks every request handler makes first: the mandatory headers
 *  (Via, From, To, Call-ID, CSeq whose method is the request's),
 *  Max-Forwards (0 gives 483) and the Request-URI scheme (sip or sips,
 *  else 416). Returns 0 when the request may go on, or the status to
 *  answer with, and *reason its phrase. Never call it for ACK (which gets
 *  no reply). */
uint16_t sipstack_request_check(const struct sip_msg *msg,
				const char **reason);

/** The answer of the dispatcher of last resort. scode 0: take the
 *  request silently (ACK). */
struct sipstack_answer {
	uint16_t scode;
	const char *reason;
	bool allow;             /* add Allow (OPTIONS 200, 405) */
	bool accept;            /* add Accept (OPTIONS 200) */
};

/** Classify a request no other module took (see the dispatch order in the
 *  file comment). */
void sipstack_fallback_answer(const struct sip_msg *msg,
			      struct sipstack_answer *ans);

#endif

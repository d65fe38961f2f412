/** @file sip/registrar_req.c  What a REGISTER asks for: its Contact and
 *  Expires headers read and checked (pure: no I/O, no state) */
#include <string.h>
#include <re.h>
#include "registrar.h"

static bool is_digits(const struct pl *pl)
{
	if (!pl->l)
		return false;
	for (size_t i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return false;
	}
	return true;
}

/* delta-seconds, saturating at UINT32_MAX; 0 or EINVAL */
static int expires_parse(const struct pl *pl, uint32_t *out)
{
	uint64_t v = 0;

	if (!is_digits(pl))
		return EINVAL;
	for (size_t i = 0; i < pl->l; i++) {
		v = v * 10 + (uint64_t)(pl->p[i] - '0');
		if (v > UINT32_MAX)
			v = UINT32_MAX;
	}
	*out = (uint32_t)v;
	return 0;
}

static bool is_printable(const struct pl *pl)
{
	for (size_t i = 0; i < pl->l; i++) {
		if (pl->p[i] <= ' ' || pl->p[i] > '~')
			return false;
	}
	return true;
}

struct parse {
	struct registrar_req *rq;
	const struct registrar_limits *lim;
	bool has_expires;               /* an Expires header */
	uint32_t expires;               /* its value */
	size_t hdrc;                    /* Contact values seen */
	uint16_t scode;
	const char *reason;
};

static bool fail(struct parse *p, uint16_t scode, const char *reason)
{
	p->scode = scode;
	p->reason = reason;
	return true;                    /* stops sip_msg_hdr_apply */
}

static bool contact_handler(const struct sip_hdr *hdr,
			    const struct sip_msg *msg, void *arg)
{
	struct parse *p = arg;
	struct registrar_req *rq = p->rq;
	struct registrar_contact *c = NULL;
	struct sip_addr addr;
	struct pl e;
	uint32_t exp;
	(void)msg;

	++p->hdrc;
	if (!pl_strcmp(&hdr->val, "*")) {
		rq->star = true;
		return false;
	}
	if (sip_addr_decode(&addr, &hdr->val) || !pl_isset(&addr.uri.host) ||
	    (pl_strcasecmp(&addr.uri.scheme, "sip") &&
	     pl_strcasecmp(&addr.uri.scheme, "sips")) ||
	    !is_printable(&addr.auri))
		return fail(p, 400, "Bad Contact");
	if (addr.auri.l >= REG_CONTACT_MAX)
		return fail(p, 400, "Contact URI Too Long");

	if (!msg_param_decode(&addr.params, "expires", &e)) {
		if (expires_parse(&e, &exp))
			return fail(p, 400, "Bad Expires Parameter");
	}
	else {
		exp = p->has_expires ? p->expires : REGISTRAR_DEFAULT_EXPIRES;
	}
	if (exp && exp < p->lim->min_expires)
		return fail(p, 423, "Interval Too Brief");
	exp = min(exp, p->lim->max_expires);

	for (size_t i = 0; i < rq->contactc && !c; i++) {
		if (!pl_strcmp(&addr.auri, rq->contactv[i].uri))
			c = &rq->contactv[i];
	}
	if (!c) {
		if (rq->contactc == REGISTRAR_BINDINGS_MAX)
			return fail(p, 403, "Too Many Registrations");
		c = &rq->contactv[rq->contactc++];
		(void)pl_strcpy(&addr.auri, c->uri, sizeof(c->uri));
	}
	c->expires = exp;
	return false;
}

/* See registrar.h. The request is only read. */
uint16_t registrar_req_parse(struct registrar_req *rq,
			     const struct sip_msg *msg,
			     const struct registrar_limits *lim,
			     const char **reason)
{
	struct parse p;

	memset(rq, 0, sizeof(*rq));
	memset(&p, 0, sizeof(p));
	p.rq = rq;
	p.lim = lim;

	if (pl_isset(&msg->expires)) {
		if (expires_parse(&msg->expires, &p.expires)) {
			*reason = "Bad Expires";
			return 400;
		}
		p.has_expires = true;
	}

	(void)sip_msg_hdr_apply(msg, true, SIP_HDR_CONTACT, contact_handler,
				&p);
	if (!p.scode && rq->star &&
	    (p.hdrc != 1 || !p.has_expires || p.expires != 0))
		fail(&p, 400, "Invalid Wildcard Contact");
	if (p.scode) {
		*reason = p.reason;
		return p.scode;
	}
	return 0;
}

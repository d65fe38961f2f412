/** @file sip/registrar.c  REGISTER: bindings in memory and in the store,
 *  their expiry, agent.registered and agent.unregistered */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <hotline/libre.h>
#include <hotline/agent.h>
#include <hotline/bus.h>
#include <hotline/clock.h>
#include <hotline/config.h>
#include <hotline/event.h>
#include <hotline/log.h>
#include <hotline/store.h>
#include "sipstack.h"
#include "digest.h"
#include "registrar.h"

#define BINDING_HASH 1024

struct registrar {
	struct sipstack *ss;            /* borrowed */
	struct digest *dg;              /* borrowed */
	struct store *st;               /* borrowed */
	struct bus *bus;                /* borrowed */
	struct registrar_limits lim;
	struct sip_lsnr *lsnr;          /* owned */
	struct hash *bindh;             /* struct binding by agent id; owns */
	struct tmr tmr;                 /* the nearest expiry */
	uint64_t tmr_ms;                /* when tmr fires, if running */
};

struct binding {
	struct le he;                   /* in r->bindh */
	struct registration reg;
};

static void binding_destructor(void *arg)
{
	struct binding *b = arg;

	hash_unlink(&b->he);
}

static void destructor(void *arg)
{
	struct registrar *r = arg;

	mem_deref(r->lsnr);
	tmr_cancel(&r->tmr);
	hash_flush(r->bindh);
	mem_deref(r->bindh);
}

static uint32_t agent_key(uint64_t agent_id)
{
	return (uint32_t)(agent_id ^ (agent_id >> 32));
}

static struct binding *binding_find(const struct registrar *r,
				    uint64_t agent_id, const char *uri)
{
	struct le *le = list_head(hash_list(r->bindh, agent_key(agent_id)));

	for (; le; le = le->next) {
		struct binding *b = le->data;

		if (b->reg.agent_id == agent_id && !strcmp(b->reg.contact, uri))
			return b;
	}
	return NULL;
}

/* --------------------------------------------------------- events */

static void publish(struct registrar *r, const char *type,
		    uint64_t agent_id, uint64_t now_ms, json_t *data)
{
	char topic[EVENT_TOPIC_MAX];
	const char *topicv[] = {topic};
	int err;

	re_snprintf(topic, sizeof(topic), "agent:%llu",
		    (unsigned long long)agent_id);
	err = bus_publish(r->bus, type, topicv, 1, now_ms, data, NULL);
	if (err)
		log_error("sip: registrar: agent %llu: cannot publish %s "
			  "(%m)\n", (unsigned long long)agent_id, type, err);
}

static void publish_registered(struct registrar *r,
			       const struct registration *reg,
			       uint64_t now_ms)
{
	char exp[25];

	event_time_format(exp, reg->expires_ms);
	publish(r, EV_AGENT_REGISTERED, reg->agent_id, now_ms,
		json_pack("{s:I,s:s,s:s,s:s,s:s}",
			  "agent_id", (json_int_t)reg->agent_id,
			  "contact", reg->contact, "source", reg->source,
			  "transport", reg->transport, "expires_at", exp));
}

static void publish_unregistered(struct registrar *r,
				 const struct registration *reg,
				 const char *reason, uint64_t now_ms)
{
	log_info("sip: registrar: agent %llu: %s unbound (%s)\n",
		 (unsigned long long)reg->agent_id, reg->contact, reason);
	publish(r, EV_AGENT_UNREGISTERED, reg->agent_id, now_ms,
		json_pack("{s:I,s:s,s:s}",
			  "agent_id", (json_int_t)reg->agent_id,
			  "contact", reg->contact, "reason", reason));
}

/* ---------------------------------------------------------- expiry */

static void expire_handler(void *arg);

/* Make the timer fire no later than at_ms. A refresh or a removal leaves
 * it early; it then finds nothing to do and re-arms. */
static void timer_want(struct registrar *r, uint64_t at_ms, uint64_t now_ms)
{
	if (tmr_isrunning(&r->tmr) && r->tmr_ms <= at_ms)
		return;
	r->tmr_ms = at_ms;
	tmr_start(&r->tmr, at_ms > now_ms ? at_ms - now_ms : 0,
		  expire_handler, r);
}

/* Remove b (expired at now_ms) from the store, memory and the world */
static void binding_expire(struct registrar *r, struct binding *b,
			   uint64_t now_ms)
{
	struct agent a;
	int err;

	err = store_registration_delete(r->st, b->reg.agent_id,
					b->reg.contact);
	/* ENOENT: the row went with its agent, and the agent's deletion
	 * announced agent.unregistered (reason "deleted") already */
	if (err == ENOENT &&
	    store_agent_get(r->st, b->reg.agent_id, &a) == ENOENT)
		log_debug("sip: registrar: agent %llu (deleted): %s dropped\n",
			  (unsigned long long)b->reg.agent_id, b->reg.contact);
	else
		publish_unregistered(r, &b->reg, "expired", now_ms);
	mem_deref(b);
}

struct sweep {
	struct registrar *r;
	uint64_t now_ms;
	uint64_t next_ms;               /* nearest expiry left; 0 = none */
};

static bool sweep_handler(struct le *le, void *arg)
{
	struct sweep *s = arg;
	struct binding *b = le->data;

	if (b->reg.expires_ms <= s->now_ms)
		binding_expire(s->r, b, s->now_ms);
	else if (!s->next_ms || b->reg.expires_ms < s->next_ms)
		s->next_ms = b->reg.expires_ms;
	return false;
}

/* Remove every expired binding and arm the timer for the next one */
static void sweep(struct registrar *r, uint64_t now_ms)
{
	struct sweep s = {r, now_ms, 0};

	tmr_cancel(&r->tmr);
	(void)hash_apply(r->bindh, sweep_handler, &s);
	if (s.next_ms)
		timer_want(r, s.next_ms, now_ms);
}

static void expire_handler(void *arg)
{
	sweep(arg, clock_now_ms());
}

/* -------------------------------------------------------- REGISTER */

/* Copy text from the network for storage and JSON: printable ASCII only */
static void text_copy(char *dst, size_t sz, const struct pl *pl)
{
	size_t n = pl_isset(pl) ? min(pl->l, sz - 1) : 0;

	for (size_t i = 0; i < n; i++) {
		char c = pl->p[i];

		dst[i] = (c >= ' ' && c <= '~') ? c : '?';
	}
	dst[n] = '\0';
}

static const char *transport_name(enum sip_transp tp)
{
	switch (tp) {
	case SIP_TRANSP_UDP: return "udp";
	case SIP_TRANSP_TCP: return "tcp";
	case SIP_TRANSP_TLS: return "tls";
	case SIP_TRANSP_WS:  return "ws";
	case SIP_TRANSP_WSS: return "wss";
	default:             return "";
	}
}

/* The fields every binding made by msg shares */
static void registration_init(struct registration *reg, uint64_t agent_id,
			      const struct sip_msg *msg, uint64_t now_ms)
{
	const struct sip_hdr *ua = sip_msg_hdr(msg, SIP_HDR_USER_AGENT);

	memset(reg, 0, sizeof(*reg));
	reg->agent_id = agent_id;
	text_copy(reg->call_id, sizeof(reg->call_id), &msg->callid);
	reg->cseq = msg->cseq.num;
	re_snprintf(reg->source, sizeof(reg->source), "%J", &msg->src);
	str_ncpy(reg->transport, transport_name(msg->tp),
		 sizeof(reg->transport));
	if (ua)
		text_copy(reg->user_agent, sizeof(reg->user_agent), &ua->val);
	reg->updated_ms = now_ms;
}

/* RFC 3261 §10.3 step 7: the same Call-ID needs a higher CSeq */
static bool out_of_order(const struct binding *b, const struct sip_msg *msg)
{
	char callid[REG_CALLID_MAX];

	if (!b)
		return false;
	text_copy(callid, sizeof(callid), &msg->callid);
	return !strcmp(callid, b->reg.call_id) &&
		msg->cseq.num <= b->reg.cseq;
}

static uint16_t check_order(const struct registrar *r, uint64_t agent_id,
			    const struct sip_msg *msg,
			    const struct registrar_req *rq,
			    const char **reason)
{
	struct le *le = list_head(hash_list(r->bindh, agent_key(agent_id)));

	for (; le; le = le->next) {
		const struct binding *b = le->data;
		bool listed = rq->star;

		if (b->reg.agent_id != agent_id)
			continue;
		for (size_t i = 0; i < rq->contactc && !listed; i++)
			listed = !strcmp(rq->contactv[i].uri, b->reg.contact);
		if (listed && out_of_order(b, msg)) {
			*reason = "CSeq Out of Order";
			return 400;
		}
	}
	return 0;
}

/* How many bindings the agent would have after rq */
static uint16_t check_count(const struct registrar *r, uint64_t agent_id,
			    const struct registrar_req *rq,
			    const char **reason)
{
	size_t n = registrar_contacts(r, agent_id, NULL, NULL);

	if (rq->star)
		return 0;
	for (size_t i = 0; i < rq->contactc; i++) {
		bool exists = binding_find(r, agent_id, rq->contactv[i].uri);

		if (rq->contactv[i].expires && !exists)
			++n;
		else if (!rq->contactv[i].expires && exists && n)
			--n;
	}
	if (n > REGISTRAR_BINDINGS_MAX) {
		*reason = "Too Many Registrations";
		return 403;
	}
	return 0;
}

static bool ok_or_gone(int err)
{
	return !err || err == ENOENT;
}

/* Write rq to the store in one transaction; memory is untouched. */
static int store_apply(struct registrar *r, const struct registration *tmpl,
		       const struct registrar_req *rq, uint64_t now_ms)
{
	bool tx = !store_in_tx(r->st);
	struct le *le;
	int err = tx ? store_begin(r->st) : 0;

	le = list_head(hash_list(r->bindh, agent_key(tmpl->agent_id)));
	for (; rq->star && le && !err; le = le->next) {
		const struct binding *b = le->data;

		if (b->reg.agent_id != tmpl->agent_id)
			continue;
		err = store_registration_delete(r->st, b->reg.agent_id,
						b->reg.contact);
		err = ok_or_gone(err) ? 0 : err;
	}
	for (size_t i = 0; i < rq->contactc && !err; i++) {
		const struct registrar_contact *c = &rq->contactv[i];
		struct registration reg = *tmpl;

		if (!c->expires) {
			err = store_registration_delete(r->st, reg.agent_id,
							c->uri);
			err = ok_or_gone(err) ? 0 : err;
			continue;
		}
		str_ncpy(reg.contact, c->uri, sizeof(reg.contact));
		reg.expires_ms = now_ms + (uint64_t)c->expires * 1000;
		err = store_registration_put(r->st, &reg);
	}

	if (tx && err)
		(void)store_rollback(r->st);
	else if (tx)
		err = store_commit(r->st);
	return err;
}

struct unbind {
	struct registrar *r;
	uint64_t agent_id;
	uint64_t now_ms;
};

static bool unbind_handler(struct le *le, void *arg)
{
	struct unbind *u = arg;
	struct binding *b = le->data;

	if (b->reg.agent_id == u->agent_id) {
		publish_unregistered(u->r, &b->reg, "unregistered",
				     u->now_ms);
		mem_deref(b);
	}
	return false;
}

/* Apply one contact of rq to memory (the store has it already) */
static void memory_apply(struct registrar *r, const struct registration *tmpl,
			 const struct registrar_contact *c, uint64_t now_ms)
{
	struct binding *b = binding_find(r, tmpl->agent_id, c->uri);

	if (!c->expires) {
		if (b) {
			publish_unregistered(r, &b->reg, "unregistered",
					     now_ms);
			mem_deref(b);
		}
		return;
	}

	if (!b) {
		b = mem_zalloc(sizeof(*b), binding_destructor);
		if (!b) {
			log_error("sip: registrar: out of memory\n");
			return;
		}
		b->reg = *tmpl;
		str_ncpy(b->reg.contact, c->uri, sizeof(b->reg.contact));
		b->reg.expires_ms = now_ms + (uint64_t)c->expires * 1000;
		hash_append(r->bindh, agent_key(tmpl->agent_id), &b->he, b);
		log_info("sip: registrar: agent %llu: %s bound from %s/%s "
			 "for %u s\n", (unsigned long long)tmpl->agent_id,
			 c->uri, tmpl->source, tmpl->transport, c->expires);
		publish_registered(r, &b->reg, now_ms);
	}
	else {
		struct registration reg = *tmpl;

		str_ncpy(reg.contact, c->uri, sizeof(reg.contact));
		reg.expires_ms = now_ms + (uint64_t)c->expires * 1000;
		b->reg = reg;
	}
	timer_want(r, b->reg.expires_ms, now_ms);
}

static int apply(struct registrar *r, uint64_t agent_id,
		 const struct sip_msg *msg, const struct registrar_req *rq,
		 uint64_t now_ms)
{
	struct registration tmpl;
	int err;

	registration_init(&tmpl, agent_id, msg, now_ms);
	err = store_apply(r, &tmpl, rq, now_ms);
	if (err)
		return err;

	if (rq->star) {
		struct unbind u = {r, agent_id, now_ms};

		(void)list_apply(hash_list(r->bindh, agent_key(agent_id)),
				 true, unbind_handler, &u);
	}
	for (size_t i = 0; i < rq->contactc; i++)
		memory_apply(r, &tmpl, &rq->contactv[i], now_ms);
	return 0;
}

static void http_date(char *buf, size_t sz, uint64_t now_ms)
{
	time_t t = (time_t)(now_ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sz, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

struct listing {
	struct mbuf *mb;
	uint64_t now_ms;
	int err;
};

static void contact_line(const struct registration *reg, void *arg)
{
	struct listing *l = arg;
	uint64_t left = (reg->expires_ms - l->now_ms + 999) / 1000;

	l->err |= mbuf_printf(l->mb, "Contact: <%s>;expires=%llu\r\n",
			      reg->contact, (unsigned long long)left);
}

/* 200 with every current binding of the agent and the Date */
static int reply_ok(struct registrar *r, const struct sip_msg *msg,
		    uint64_t agent_id, uint64_t now_ms)
{
	struct listing l = {mbuf_alloc(512), now_ms, 0};
	char date[40];
	int err;

	if (!l.mb)
		return ENOMEM;
	http_date(date, sizeof(date), now_ms);
	l.err = mbuf_printf(l.mb, "Date: %s\r\n", date);
	(void)registrar_contacts(r, agent_id, contact_line, &l);
	l.err |= mbuf_write_u8(l.mb, 0);
	err = l.err ? ENOMEM :
		sipstack_reply(r->ss, msg, 200, "OK", (char *)l.mb->buf);
	mem_deref(l.mb);
	return err;
}

/* Everything after authentication; 0 or the status to answer with */
static uint16_t register_apply(struct registrar *r, const struct agent *a,
			       const struct sip_msg *msg, uint64_t now_ms,
			       const char **reason)
{
	struct registrar_req rq;
	uint16_t scode;
	int err;

	if (pl_strcmp(&msg->to.uri.user, a->extension)) {
		*reason = "To User Is Not the Authenticated User";
		return 403;
	}
	scode = registrar_req_parse(&rq, msg, &r->lim, reason);
	if (!scode)
		scode = check_order(r, a->id, msg, &rq, reason);
	if (!scode)
		scode = check_count(r, a->id, &rq, reason);
	if (scode)
		return scode;

	err = apply(r, a->id, msg, &rq, now_ms);
	if (err) {
		log_error("sip: registrar: agent %llu: cannot save the "
			  "bindings (%m)\n", (unsigned long long)a->id, err);
		*reason = "Server Internal Error";
		return 500;
	}
	return 0;
}

static void register_handler(struct registrar *r, const struct sip_msg *msg)
{
	uint64_t now_ms = clock_now_ms();
	const char *reason;
	char hdrs[64] = "";
	struct agent a;
	uint16_t scode;

	scode = sipstack_request_check(msg, &reason);
	if (scode)
		goto reply;
	if (digest_authenticate(r->dg, msg, false, now_ms, &a))
		return;                 /* answered */

	scode = register_apply(r, &a, msg, now_ms, &reason);
	if (!scode) {
		(void)reply_ok(r, msg, a.id, now_ms);
		return;
	}
	if (scode == 423)
		re_snprintf(hdrs, sizeof(hdrs), "Min-Expires: %u\r\n",
			    r->lim.min_expires);
	log_info("sip: registrar: REGISTER %r from %J: %u %s\n",
		 &msg->to.auri, &msg->src, scode, reason);
 reply:
	(void)sipstack_reply(r->ss, msg, scode, reason, hdrs);
}

static bool request_handler(const struct sip_msg *msg, void *arg)
{
	if (pl_strcmp(&msg->met, "REGISTER"))
		return false;

	register_handler(arg, msg);
	return true;
}

/* ----------------------------------------------------------- public */

/**
 * Call h (if not NULL) for each binding of agent_id that has not expired
 * by now; returns their number. A binding whose agent was deleted stays
 * until it expires: callers route to agents they have just loaded.
 */
size_t registrar_contacts(const struct registrar *r, uint64_t agent_id,
			  registrar_contact_h *h, void *arg)
{
	uint64_t now_ms = clock_now_ms();
	struct le *le;
	size_t n = 0;

	if (!r)
		return 0;

	le = list_head(hash_list(r->bindh, agent_key(agent_id)));
	for (; le; le = le->next) {
		const struct binding *b = le->data;

		if (b->reg.agent_id != agent_id || b->reg.expires_ms <= now_ms)
			continue;
		++n;
		if (h)
			h(&b->reg, arg);
	}
	return n;
}

bool registrar_is_registered(const struct registrar *r, uint64_t agent_id)
{
	return registrar_contacts(r, agent_id, NULL, NULL) > 0;
}

struct load {
	struct registrar *r;
	uint64_t now_ms;
	struct list expiredl;           /* struct binding (via he) */
	size_t n;
};

static int load_handler(const struct registration *reg, void *arg)
{
	struct load *ld = arg;
	struct binding *b = mem_zalloc(sizeof(*b), binding_destructor);

	if (!b)
		return ENOMEM;
	b->reg = *reg;
	if (reg->expires_ms <= ld->now_ms) {
		list_append(&ld->expiredl, &b->he, b);
	}
	else {
		hash_append(ld->r->bindh, agent_key(reg->agent_id), &b->he,
			    b);
		++ld->n;
	}
	return 0;
}

/* Read the stored bindings; expired ones go (with their events) */
static int load(struct registrar *r)
{
	struct load ld = {.r = r, .now_ms = clock_now_ms()};
	size_t expired;
	struct le *le;
	int err;

	list_init(&ld.expiredl);
	err = store_registration_list(r->st, 0, load_handler, &ld);
	expired = list_count(&ld.expiredl);
	while (!err && (le = list_head(&ld.expiredl))) {
		list_unlink(le);
		binding_expire(r, le->data, ld.now_ms);
	}
	list_flush(&ld.expiredl);
	if (err) {
		log_error("sip: registrar: cannot load the bindings (%m)\n",
			  err);
		return err;
	}
	log_info("sip: registrar: %zu bindings loaded, %zu expired\n", ld.n,
		 expired);
	sweep(r, ld.now_ms);
	return 0;
}

/**
 * Create the registrar: listen for REGISTER on ss and load the stored
 * bindings. cfg gives sip_min_expires and sip_max_expires. 0, EINVAL,
 * ENOMEM or a store error (logged).
 */
int registrar_alloc(struct registrar **rp, struct sipstack *ss,
		    struct digest *dg, const struct config *cfg,
		    struct store *st, struct bus *bus)
{
	struct registrar *r;
	int err;

	if (!rp || !ss || !dg || !cfg || !st || !bus)
		return EINVAL;

	r = mem_zalloc(sizeof(*r), destructor);
	if (!r)
		return ENOMEM;

	r->ss = ss;
	r->dg = dg;
	r->st = st;
	r->bus = bus;
	r->lim.min_expires = cfg->sip_min_expires;
	r->lim.max_expires = cfg->sip_max_expires;
	tmr_init(&r->tmr);

	err = hash_alloc(&r->bindh, BINDING_HASH);
	if (!err)
		err = load(r);
	if (!err)
		err = sip_listen(&r->lsnr, sipstack_sip(ss), true,
				 request_handler, r);
	if (err)
		mem_deref(r);
	else
		*rp = r;
	return err;
}

/** @file sip/b2bua.c  Calls: admission, routing, forking, bridging, the
 *  end of a call, its record and its events.
 *
 * A call ends exactly once (call_end): the record is closed and stored,
 * call.ended is published, the agents' activity goes back to idle, and
 * every leg is moved to the call's dead list. Legs and the call itself
 * are freed by a zero-delay timer, never inside a libre callback of the
 * session being freed (libre still touches it when the callback returns).
 */
#include <errno.h>
#include <string.h>
#include <sodium.h>
#include <hotline/agent_ops.h>
#include <hotline/bus.h>
#include <hotline/clock.h>
#include <hotline/config.h>
#include <hotline/event.h>
#include <hotline/log.h>
#include <hotline/store.h>
#include "b2bua.h"
#include "bcall.h"
#include "digest.h"
#include "registrar.h"
#include "routing.h"
#include "sipstack.h"

#define PT_TELEPHONE_EVENT 101

struct b2bua {
	struct sipstack *ss;          /* borrowed */
	struct sipsess_sock *sock;    /* owned */
	struct digest *dg;            /* borrowed */
	struct registrar *reg;        /* borrowed */
	struct relay_pool *pool;      /* borrowed */
	const struct config *cfg;     /* borrowed */
	struct store *st;             /* borrowed */
	struct bus *bus;              /* borrowed */
	struct list calll;            /* struct bcall, owned */
	struct hash *callh;           /* live calls by id, borrowed */
	struct hash *loadh;           /* struct agent_load, owned */
	size_t ncalls;                /* calls not yet ended */
};

/* How many live calls an agent is in (ringing or talking) */
struct agent_load {
	struct le he;
	uint64_t agent_id;
	uint32_t n;
};

static void call_end(struct bcall *c, enum call_cause cause,
		     enum call_party by, uint16_t status);


/* --- agents' load -------------------------------------------------------- */

static bool load_cmp(struct le *le, void *arg)
{
	return ((struct agent_load *)le->data)->agent_id == *(uint64_t *)arg;
}

static struct agent_load *load_find(const struct b2bua *b, uint64_t id)
{
	return list_ledata(hash_lookup(b->loadh, (uint32_t)id, load_cmp,
				       &id));
}

static uint32_t load_get(const struct b2bua *b, uint64_t id)
{
	struct agent_load *al = load_find(b, id);

	return al ? al->n : 0;
}

static void load_add(struct b2bua *b, uint64_t id)
{
	struct agent_load *al;

	if (!id)
		return;
	al = load_find(b, id);
	if (!al) {
		al = mem_zalloc(sizeof(*al), NULL);
		if (!al)
			return;   /* only the busy check weakens */
		al->agent_id = id;
		hash_append(b->loadh, (uint32_t)id, &al->he, al);
	}
	++al->n;
}

static void load_del(struct b2bua *b, uint64_t id)
{
	struct agent_load *al = id ? load_find(b, id) : NULL;

	if (al && !--al->n) {
		hash_unlink(&al->he);
		mem_deref(al);
	}
}


/* --- record and events --------------------------------------------------- */

static void call_publish(struct bcall *c, const char *type, uint64_t now)
{
	struct b2bua *b = c->b;
	char topics[3][EVENT_TOPIC_MAX];
	const char *topicv[3];
	size_t n = 0;
	int err;

	err = store_call_put(b->st, &c->rec);
	if (err)
		log_error("b2bua: call %s: cannot store the record (%m)\n",
			  c->rec.id, err);

	re_snprintf(topics[n], sizeof(topics[n]), "call:%s", c->rec.id);
	topicv[n] = topics[n];
	++n;
	if (c->rec.agent_id) {
		re_snprintf(topics[n], sizeof(topics[n]), "agent:%llu",
			    (unsigned long long)c->rec.agent_id);
		topicv[n] = topics[n];
		++n;
	}
	if (c->caller_agent && c->caller_agent != c->rec.agent_id) {
		re_snprintf(topics[n], sizeof(topics[n]), "agent:%llu",
			    (unsigned long long)c->caller_agent);
		topicv[n] = topics[n];
		++n;
	}
	err = bus_publish(b->bus, type, topicv, n, now,
			  call_json(&c->rec, now), NULL);
	if (err)
		log_error("b2bua: call %s: cannot publish %s (%m)\n",
			  c->rec.id, type, err);
}

/* The agents of the call become busy (answered) or idle (ended) */
static void agents_activity(struct bcall *c, enum agent_action act,
			    uint64_t now)
{
	const uint64_t ids[2] = { c->route.kind == ROUTE_AGENT ?
				  c->route.agent_id : 0, c->caller_agent };
	char actor[40];

	re_snprintf(actor, sizeof(actor), "call:%s", c->rec.id);
	for (int i = 0; i < 2; i++) {
		enum agent_verdict v;
		bool want = act == AGENT_ACTION_SEIZE;
		int err;

		if (!ids[i] || c->seized[i] == want)
			continue;
		err = agent_ops_apply(c->b->st, c->b->bus, ids[i], act,
				      AGENT_CH_VOICE, NULL, actor, now, NULL,
				      &v);
		if (err || v != AGENT_OK)
			log_debug("b2bua: call %s: agent %llu: %s not "
				  "applied (%m, %s)\n", c->rec.id,
				  (unsigned long long)ids[i],
				  agent_action_name(act), err,
				  agent_verdict_code(v));
		c->seized[i] = want;
	}
}


/* --- the call object ----------------------------------------------------- */

static void call_destructor(void *arg)
{
	struct bcall *c = arg;

	tmr_cancel(&c->ring_tmr);
	tmr_cancel(&c->reap_tmr);
	list_unlink(&c->le);
	hash_unlink(&c->he);
	list_flush(&c->forkl);
	list_flush(&c->deadl);
	mem_deref(c->a);
	mem_deref(c->bl);
	mem_deref(c->relay);
}

static void reap_h(void *arg)
{
	mem_deref(arg);
}

static void media_timeout_h(struct relay *rl, void *arg)
{
	struct bcall *c = arg;
	(void)rl;

	log_info("b2bua: call %s: no media for %u s\n", c->rec.id,
		 c->b->cfg->rtp_timeout_s);
	call_end(c, CALL_CAUSE_MEDIA_TIMEOUT, CALL_PARTY_SYSTEM, 0);
}

static void ring_timeout_h(void *arg)
{
	struct bcall *c = arg;

	call_end(c, CALL_CAUSE_NO_ANSWER, CALL_PARTY_SYSTEM, 480);
}

static void call_id_new(char id[CALL_ID_MAX])
{
	uint8_t rnd[16];

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(id, CALL_ID_MAX, rnd, sizeof(rnd));
}

static int call_alloc(struct bcall **cp, struct b2bua *b,
		      const struct route *r, uint64_t caller_agent,
		      uint64_t now)
{
	struct bcall *c;
	char id[CALL_ID_MAX];
	int err;

	c = mem_zalloc(sizeof(*c), call_destructor);
	if (!c)
		return ENOMEM;
	c->b = b;
	c->route = *r;
	c->caller_agent = caller_agent;
	randombytes_buf(&c->sess_id, sizeof(c->sess_id));
	c->sess_id &= 0x7fffffffffffull;   /* a short decimal in o= */
	call_id_new(id);
	call_init(&c->rec, id, r->direction, now);
	str_ncpy(c->rec.did, r->did, sizeof(c->rec.did));
	if (r->kind == ROUTE_TRUNK)
		str_ncpy(c->rec.trunk_id, r->trunk.id,
			 sizeof(c->rec.trunk_id));
	c->rec.agent_id = r->kind == ROUTE_AGENT ? r->agent_id :
			  caller_agent;

	err = relay_alloc(&c->relay, b->pool, b->cfg->rtp_timeout_s,
			  media_timeout_h, c);
	if (err) {
		mem_deref(c);
		return err;
	}
	list_append(&b->calll, &c->le, c);
	hash_append(b->callh, hash_joaat_str(c->rec.id), &c->he, c);
	++b->ncalls;
	load_add(b, r->kind == ROUTE_AGENT ? r->agent_id : 0);
	load_add(b, caller_agent);
	*cp = c;
	return 0;
}

static bool call_cmp(struct le *le, void *arg)
{
	const struct bcall *c = le->data;

	return !strcmp(c->rec.id, arg);
}

static struct bcall *call_find(const struct b2bua *b, const char *id)
{
	return list_ledata(hash_lookup(b->callh, hash_joaat_str(id),
				       call_cmp, (void *)id));
}

static void leg_bury(struct bcall *c, struct leg *l)
{
	if (!l)
		return;
	list_unlink(&l->le);
	list_append(&c->deadl, &l->le, l);
}

/* End the call once: record, event, agents idle, legs released. The
 * caller's INVITE, if still unanswered, is refused with status (or the
 * status that fits cause). Legs go to the dead list, freed next turn
 * (their destructors send CANCEL or BYE). */
static void call_end(struct bcall *c, enum call_cause cause,
		     enum call_party by, uint16_t status)
{
	struct b2bua *b = c->b;
	uint64_t now = clock_now_ms();

	if (!call_ended(&c->rec, cause, by, status, now))
		return;

	if (c->a && !c->a->uac && !c->a->answered)
		leg_reject(c->a, status >= 300 ? status :
			   call_cause_sip_status(cause));
	tmr_cancel(&c->ring_tmr);
	agents_activity(c, AGENT_ACTION_RELEASE, now);
	call_publish(c, EV_CALL_ENDED, now);
	log_info("b2bua: call %s ended: %s by %s\n", c->rec.id,
		 call_cause_name(cause), call_party_name(by));

	hash_unlink(&c->he);
	--b->ncalls;
	load_del(b, c->route.kind == ROUTE_AGENT ? c->route.agent_id : 0);
	load_del(b, c->caller_agent);

	leg_bury(c, c->a);
	leg_bury(c, c->bl);
	c->a = c->bl = NULL;
	while (c->forkl.head)
		leg_bury(c, c->forkl.head->data);
	tmr_start(&c->reap_tmr, 0, reap_h, c);
}


/* --- dialling the callee side -------------------------------------------- */

struct fork_ctx {
	struct bcall *c;
	enum relay_side side;
	const struct sdpdesc *offer;
	char from_uri[160];
	const char *from_name;
};

static void fork_contact(const struct registration *reg, void *arg)
{
	struct fork_ctx *fc = arg;
	struct leg *l;
	int err;

	err = leg_connect(&l, fc->c, fc->side, reg->contact, fc->from_name,
			  fc->from_uri, fc->offer, false);
	if (err) {
		log_warn("b2bua: call %s: cannot call %s (%m)\n",
			 fc->c->rec.id, reg->contact, err);
		return;
	}
	list_append(&fc->c->forkl, &l->le, l);
}

/* Ring every registered contact of agent_id on side; 0 or ENOTCONN when
 * none could be called. */
static int dial_agent(struct bcall *c, uint64_t agent_id,
		      enum relay_side side, const char *from_user,
		      const char *from_name, const struct sdpdesc *offer)
{
	struct fork_ctx fc = { c, side, offer, "", from_name };

	re_snprintf(fc.from_uri, sizeof(fc.from_uri), "sip:%s@%J", from_user,
		    bcall_sip_laddr(c));
	(void)registrar_contacts(c->b->reg, agent_id, fork_contact, &fc);
	return c->forkl.head ? 0 : ENOTCONN;
}

static int dial_trunk(struct bcall *c, const char *caller_number,
		      const struct sdpdesc *offer)
{
	const struct trunk *t = &c->route.trunk;
	char to_uri[256], from_uri[160];
	struct leg *l;
	int err;

	re_snprintf(to_uri, sizeof(to_uri), "sip:%s@%s%s", c->route.number,
		    t->host, t->transport == TRUNK_TCP ? ";transport=tcp" :
		    "");
	re_snprintf(from_uri, sizeof(from_uri), "sip:%s@%J",
		    t->caller_id[0] ? t->caller_id : caller_number,
		    bcall_sip_laddr(c));
	err = leg_connect(&l, c, RELAY_B, to_uri, NULL, from_uri, offer,
			  true);
	if (err)
		return err;
	list_append(&c->forkl, &l->le, l);
	return 0;
}

/* Start the callee side of c with the caller's formats */
static int dial_callee(struct bcall *c, const struct sdpdesc *offer)
{
	int err;

	if (c->route.kind == ROUTE_TRUNK)
		err = dial_trunk(c, c->from_user, offer);
	else
		err = dial_agent(c, c->route.agent_id, RELAY_B, c->from_user,
				 c->from_name[0] ? c->from_name : NULL,
				 offer);
	if (!err)
		tmr_start(&c->ring_tmr, c->b->cfg->sip_ring_timeout_s * 1000,
			  ring_timeout_h, c);
	return err;
}


/* --- what the legs report ------------------------------------------------ */

void bcall_leg_ringing(struct bcall *c, struct leg *l, bool early_media)
{
	uint64_t now = clock_now_ms();

	if (c->rec.state == CALL_ENDED)
		return;
	if (call_ringing(&c->rec, now))
		call_publish(c, EV_CALL_RINGING, now);
	if (early_media && l->side == RELAY_B && c->a && !c->a->uac &&
	    !c->a->answered)
		(void)leg_progress(c->a, &l->sdp);
}

/* The first answering candidate wins; the others are cancelled. */
static void forks_settle(struct bcall *c, struct leg *winner)
{
	list_unlink(&winner->le);
	while (c->forkl.head)
		leg_bury(c, c->forkl.head->data);
	tmr_cancel(&c->ring_tmr);
}

/* Click-to-call: the agent (side A) answered; now dial the number */
static void click_agent_answered(struct bcall *c, struct leg *l)
{
	int err;

	forks_settle(c, l);
	c->a = l;
	err = dial_callee(c, &l->sdp);
	if (err) {
		log_info("b2bua: call %s: cannot dial %s (%m)\n", c->rec.id,
			 c->rec.to, err);
		call_end(c, CALL_CAUSE_FAILURE, CALL_PARTY_SYSTEM, 0);
	}
}

void bcall_leg_answered(struct bcall *c, struct leg *l)
{
	uint64_t now = clock_now_ms();
	int err = 0;

	if (c->rec.state == CALL_ENDED || c->bl)
		return;
	if (l->side == RELAY_A) {
		click_agent_answered(c, l);
		return;
	}

	forks_settle(c, l);
	c->bl = l;
	if (!c->a->uac)
		err = leg_answer(c->a, &l->sdp);
	if (err) {
		log_warn("b2bua: call %s: cannot answer the caller (%m)\n",
			 c->rec.id, err);
		call_end(c, CALL_CAUSE_FAILURE, CALL_PARTY_SYSTEM, 0);
		return;
	}
	if (call_answered(&c->rec, now))
		call_publish(c, EV_CALL_ANSWERED, now);
	agents_activity(c, AGENT_ACTION_SEIZE, now);
}

/* Which failure says most about an unanswered call */
static int status_rank(uint16_t s)
{
	switch (s) {
	case 486: case 600: return 5;
	case 603: case 403: return 4;
	case 488: case 606: return 3;
	case 480: case 408: return 2;
	default:            return s ? 1 : 0;
	}
}

static void fork_failed(struct bcall *c, struct leg *l, int err,
			const struct sip_msg *msg)
{
	uint16_t status = msg && !msg->req ? msg->scode :
			  err == ETIMEDOUT ? 408 : 500;
	enum call_party by = l->side == RELAY_A ? CALL_PARTY_CALLER :
			     CALL_PARTY_CALLEE;
	bool ringing = c->rec.ringing_ms != 0;

	if (status_rank(status) > status_rank(c->fail_status))
		c->fail_status = status;
	leg_bury(c, l);
	if (c->forkl.head)
		return;

	call_end(c, call_cause_from_sip(c->fail_status, ringing), by,
		 c->fail_status);
}

void bcall_leg_closed(struct bcall *c, struct leg *l, int err,
		      const struct sip_msg *msg)
{
	enum call_party by;

	if (c->rec.state == CALL_ENDED)
		return;
	if (l != c->a && l != c->bl) {
		fork_failed(c, l, err, msg);
		return;
	}

	/* libre reports a BYE, and a CANCEL of the caller's INVITE, as
	 * ECONNRESET without a message */
	by = l == c->a ? CALL_PARTY_CALLER : CALL_PARTY_CALLEE;
	if (err == ECONNRESET && l->answered)
		call_end(c, CALL_CAUSE_NORMAL_CLEARING, by, 0);
	else if (err == ECONNRESET)
		call_end(c, CALL_CAUSE_CANCELLED, by, 487);
	else
		call_end(c, CALL_CAUSE_FAILURE, by,
			 msg && !msg->req ? msg->scode : 0);
}

/* l sent a new offer (re-INVITE): pass hold or resume to the other leg */
void bcall_leg_reoffer(struct bcall *c, struct leg *l)
{
	struct leg *other = l == c->a ? c->bl : c->a;
	bool hold = sdpdesc_is_hold(&l->sdp);
	uint64_t now = clock_now_ms();
	enum sdpdesc_dir dir;

	if (c->rec.state == CALL_ENDED || !other || !other->answered)
		return;

	dir = hold ? (l->sdp.dir == SDPDESC_INACTIVE ? SDPDESC_INACTIVE :
		      SDPDESC_SENDONLY) : SDPDESC_SENDRECV;
	if (other->dir != dir && leg_hold(other, dir))
		log_info("b2bua: call %s: cannot pass %s on\n", c->rec.id,
			 hold ? "hold" : "resume");

	relay_set_hold(c->relay, hold);
	if (hold && call_held(&c->rec, now))
		call_publish(c, EV_CALL_HELD, now);
	else if (!hold && call_resumed(&c->rec, now))
		call_publish(c, EV_CALL_RESUMED, now);
}

struct sipsess_sock *bcall_sock(const struct bcall *c)
{
	return c->b->sock;
}

const struct sa *bcall_sip_laddr(const struct bcall *c)
{
	return sipstack_laddr(c->b->ss);
}


/* --- incoming INVITE ----------------------------------------------------- */

/* A user part we put into our own URIs and records: [A-Za-z0-9+*#._-] */
static void party_copy(char *dst, size_t sz, const struct pl *pl,
		       const char *fallback)
{
	size_t n = 0;

	for (size_t i = 0; pl && i < pl->l && n + 1 < sz; i++) {
		char ch = pl->p[i];

		if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= 'A' && ch <= 'Z') || strchr("+*#._- ", ch))
			dst[n++] = ch;
	}
	dst[n] = '\0';
	if (!n)
		str_ncpy(dst, fallback, sz);
}

/* The caller's offer: 0, or the status to refuse the INVITE with */
static uint16_t offer_check(const struct sip_msg *msg, struct sdpdesc *d)
{
	int err;

	if (!mbuf_get_left(msg->mb))
		return 488;      /* no offer: we relay without a codec of our own */
	if (!msg_ctype_cmp(&msg->ctyp, "application", "sdp"))
		return 415;
	err = sdpdesc_parse(d, (const char *)mbuf_buf(msg->mb),
			    mbuf_get_left(msg->mb));
	if (err == ENOENT)
		return 488;
	if (err)
		return 400;
	if (!d->port)      /* the caller refuses its only audio stream */
		return 488;
	return sdpdesc_filter(d, NULL) ? 488 : 0;
}

static void refuse(struct b2bua *b, const struct sip_msg *msg,
		   uint16_t status, const char *reason)
{
	log_debug("b2bua: INVITE %r from %J: %u %s\n", &msg->ruri, &msg->src,
		  status, reason);
	(void)sipstack_reply(b->ss, msg, status, reason, NULL);
}

/* Where the INVITE goes; 0 with *r set (and *caller_agent when the
 * caller authenticated), or the status it was refused with (sent). */
static uint16_t invite_route(struct b2bua *b, const struct sip_msg *msg,
			     struct route *r, uint64_t *caller_agent)
{
	char dest[CALL_PARTY_MAX];
	struct agent caller;
	int err;

	if (!msg->uri.user.l || msg->uri.user.l >= sizeof(dest)) {
		refuse(b, msg, 404, "Not Found");
		return 404;
	}
	pl_strcpy(&msg->uri.user, dest, sizeof(dest));

	err = routing_find(b->st, dest, 0, r);
	if (!err && r->kind == ROUTE_AUTH) {
		err = digest_authenticate(b->dg, msg, true, clock_now_ms(),
					  &caller);
		if (err)
			return 407;      /* challenged or refused: replied */
		*caller_agent = caller.id;
		err = routing_find(b->st, dest, caller.id, r);
	}
	if (err) {
		log_error("b2bua: routing %s failed (%m)\n", dest, err);
		refuse(b, msg, 500, "Server Internal Error");
		return 500;
	}
	if (r->kind == ROUTE_NOT_FOUND) {
		refuse(b, msg, 404, "Not Found");
		return 404;
	}
	if (r->kind == ROUTE_AGENT) {
		if (!registrar_is_registered(b->reg, r->agent_id)) {
			refuse(b, msg, 480, "Temporarily Unavailable");
			return 480;
		}
		if (load_get(b, r->agent_id)) {
			refuse(b, msg, 486, "Busy Here");
			return 486;
		}
	}
	return 0;
}

static void invite_h(const struct sip_msg *msg, void *arg)
{
	struct b2bua *b = arg;
	uint64_t caller_agent = 0, now = clock_now_ms();
	struct sdpdesc offer;
	struct bcall *c;
	struct route r;
	uint16_t status;
	const char *reason;
	int err;


	status = sipstack_request_check(msg, &reason);
	if (status) {
		refuse(b, msg, status, reason);
		return;
	}
	if (!sip_msg_hdr(msg, SIP_HDR_CONTACT)) {
		refuse(b, msg, 400, "Missing Contact");
		return;
	}
	status = offer_check(msg, &offer);
	if (status) {
		refuse(b, msg, status, status == 400 ? "Bad SDP" :
		       status == 415 ? "Unsupported Media Type" :
		       "Not Acceptable Here");
		return;
	}
	if (b->ncalls >= b->cfg->sip_max_calls) {
		refuse(b, msg, 503, "Service Unavailable");
		return;
	}
	if (invite_route(b, msg, &r, &caller_agent))
		return;

	err = call_alloc(&c, b, &r, caller_agent, now);
	if (err) {
		log_warn("b2bua: cannot start a call (%m)\n", err);
		refuse(b, msg, 503, "Service Unavailable");
		return;
	}
	party_copy(c->from_user, sizeof(c->from_user), &msg->from.uri.user,
		   "anonymous");
	party_copy(c->from_name, sizeof(c->from_name), &msg->from.dname, "");
	str_ncpy(c->rec.from, c->from_user, sizeof(c->rec.from));
	pl_strcpy(&msg->uri.user, c->rec.to, sizeof(c->rec.to));

	err = leg_accept(&c->a, c, msg, &offer);
	if (err) {
		refuse(b, msg, 500, "Server Internal Error");
		c->rec.state = CALL_ENDED;   /* nothing was published */
		--b->ncalls;
		load_del(b, r.kind == ROUTE_AGENT ? r.agent_id : 0);
		load_del(b, caller_agent);
		mem_deref(c);
		return;
	}
	call_publish(c, EV_CALL_CREATED, now);
	if (dial_callee(c, &offer))
		call_end(c, CALL_CAUSE_UNAVAILABLE, CALL_PARTY_SYSTEM, 480);
}


/* --- click-to-call, hangup ----------------------------------------------- */

/* Our offer when we start both legs: G.711 both laws and RFC 4733 */
static void default_offer(struct sdpdesc *d)
{
	memset(d, 0, sizeof(*d));
	d->dir = SDPDESC_SENDRECV;
	d->fmtv[0] = (struct sdpdesc_fmt){ 0, "PCMU", 8000, "" };
	d->fmtv[1] = (struct sdpdesc_fmt){ 8, "PCMA", 8000, "" };
	d->fmtv[2] = (struct sdpdesc_fmt){ PT_TELEPHONE_EVENT,
					   "telephone-event", 8000, "0-16" };
	d->fmtc = 3;
}

int b2bua_originate(struct b2bua *b, uint64_t agent_id, const char *to,
		    char id[CALL_ID_MAX])
{
	uint64_t now = clock_now_ms();
	struct sdpdesc offer;
	struct agent a;
	struct bcall *c;
	struct route r;
	char name[CALL_PARTY_MAX + 8];
	int err;

	err = store_agent_get(b->st, agent_id, &a);
	if (err)
		return err;
	if (!registrar_is_registered(b->reg, agent_id))
		return ENOTCONN;
	if (load_get(b, agent_id))
		return EBUSY;
	if (b->ncalls >= b->cfg->sip_max_calls)
		return EAGAIN;
	err = routing_find(b->st, to, agent_id, &r);
	if (err)
		return err;
	if (r.kind == ROUTE_NOT_FOUND)
		return EHOSTUNREACH;
	if (r.kind == ROUTE_AGENT && (r.agent_id == agent_id ||
				      load_get(b, r.agent_id)))
		return r.agent_id == agent_id ? EINVAL : EBUSY;

	err = call_alloc(&c, b, &r, agent_id, now);
	if (err)
		return err == EADDRINUSE ? EAGAIN : err;
	c->click = true;
	c->rec.agent_id = agent_id;
	str_ncpy(c->from_user, a.extension, sizeof(c->from_user));
	str_ncpy(c->rec.from, a.extension, sizeof(c->rec.from));
	str_ncpy(c->rec.to, to, sizeof(c->rec.to));
	call_publish(c, EV_CALL_CREATED, now);

	default_offer(&offer);
	re_snprintf(name, sizeof(name), "Call %s", to);
	err = dial_agent(c, agent_id, RELAY_A, to, name, &offer);
	if (err) {
		call_end(c, CALL_CAUSE_UNAVAILABLE, CALL_PARTY_SYSTEM, 0);
		return ENOTCONN;
	}
	tmr_start(&c->ring_tmr, b->cfg->sip_ring_timeout_s * 1000,
		  ring_timeout_h, c);
	str_ncpy(id, c->rec.id, CALL_ID_MAX);
	return 0;
}

int b2bua_hangup(struct b2bua *b, const char *id)
{
	struct bcall *c = call_find(b, id);

	if (!c)
		return ENOENT;
	/* an unanswered caller is told 480; a talking one gets a BYE */
	call_end(c, CALL_CAUSE_API_HANGUP, CALL_PARTY_API,
		 c->rec.answered_ms ? 0 : 480);
	return 0;
}

void b2bua_close(struct b2bua *b)
{
	struct le *le = b->calll.head;

	while (le) {
		struct bcall *c = le->data;

		le = le->next;
		call_end(c, CALL_CAUSE_SHUTDOWN, CALL_PARTY_SYSTEM,
			 c->rec.answered_ms ? 0 : 503);
	}
}


/* --- allocation ---------------------------------------------------------- */

static void destructor(void *arg)
{
	struct b2bua *b = arg;

	b2bua_close(b);
	list_flush(&b->calll);
	hash_flush(b->loadh);
	mem_deref(b->loadh);
	mem_deref(b->callh);
	mem_deref(b->sock);
}

/**
 * The B2BUA on ss: takes INVITEs (and the in-dialog requests of its
 * sessions). Calls left active by a previous run (a crash) are closed in
 * the store with cause shutdown. Borrowed arguments outlive it.
 */
int b2bua_alloc(struct b2bua **bp, struct sipstack *ss, struct digest *dg,
		struct registrar *reg, struct relay_pool *pool,
		const struct config *cfg, struct store *st, struct bus *bus)
{
	struct b2bua *b;
	size_t stale = 0;
	int err;

	b = mem_zalloc(sizeof(*b), destructor);
	if (!b)
		return ENOMEM;
	b->ss = ss;
	b->dg = dg;
	b->reg = reg;
	b->pool = pool;
	b->cfg = cfg;
	b->st = st;
	b->bus = bus;

	err = hash_alloc(&b->callh, 1024);
	if (!err)
		err = hash_alloc(&b->loadh, 1024);
	if (!err)
		err = sipsess_listen(&b->sock, sipstack_sip(ss), 1024,
				     invite_h, b);
	if (!err)
		err = store_call_end_stale(st, clock_now_ms(), &stale);
	if (err)
		goto out;
	if (stale)
		log_info("b2bua: %zu calls left active by the last run "
			 "closed as shutdown\n", stale);
 out:
	if (err)
		mem_deref(b);
	else
		*bp = b;
	return err;
}

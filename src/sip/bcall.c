/** @file sip/bcall.c  One bridged call: its legs, its record and events,
 *  dialling the callee side, and its end.
 *
 * A call ends exactly once (bcall_end): the record is closed and stored,
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
#include "bcall.h"
#include "registrar.h"
#include "sipstack.h"

/** The agent whose phones the call rings, 0 when it goes to a trunk. */
uint64_t bcall_callee_agent(const struct bcall *c)
{
	return c->route.kind == ROUTE_AGENT ? c->route.agent_id : 0;
}

/* --- record and events --------------------------------------------------- */

/** Publish type for c (data: the record) and store the record with the
 *  event's flush (one commit per loop turn for both). */
void bcall_publish(struct bcall *c, const char *type, uint64_t now)
{
	const uint64_t ids[2] = { c->rec.agent_id, c->caller_agent };
	struct b2bua *b = c->b;
	char topics[3][EVENT_TOPIC_MAX];
	const char *topicv[3];
	size_t n = 0;
	int err;

	b2bua_record_dirty(b, c);

	re_snprintf(topics[n], sizeof(topics[n]), "call:%s", c->rec.id);
	topicv[n] = topics[n];
	++n;
	for (int i = 0; i < 2; i++) {
		if (!ids[i] || (i && ids[1] == ids[0]))
			continue;
		re_snprintf(topics[n], sizeof(topics[n]), "agent:%llu",
			    (unsigned long long)ids[i]);
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
	const uint64_t ids[2] = { bcall_callee_agent(c), c->caller_agent };
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
	tmr_cancel(&c->bury_tmr);
	mem_deref(c->q);
	mem_deref(c->f);
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
	bcall_end(c, CALL_CAUSE_MEDIA_TIMEOUT, CALL_PARTY_SYSTEM, 0);
}

static void ring_timeout_h(void *arg)
{
	struct bcall *c = arg;

	if (bflow_dial_failed(c, 0))
		return;
	bcall_end(c, CALL_CAUSE_NO_ANSWER, CALL_PARTY_SYSTEM, 480);
}

/** A new random id (32 hex characters): calls, recordings. */
void bcall_id_new(char id[CALL_ID_MAX])
{
	uint8_t rnd[16];

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(id, CALL_ID_MAX, rnd, sizeof(rnd));
}

int bcall_alloc(struct bcall **cp, struct b2bua *b,
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
	bcall_id_new(id);
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
	/* no media is expected before the answer (the ring timer covers
	 * that phase) */
	relay_set_hold(c->relay, true);
	b2bua_call_add(b, c);
	*cp = c;
	return 0;
}

static void bury_h(void *arg)
{
	struct bcall *c = arg;

	list_flush(&c->deadl);
}

/** Move l to the dead list, freed on the next loop turn (its destructor
 *  sends CANCEL or BYE) — never inside its own libre callback. */
void bcall_leg_bury(struct bcall *c, struct leg *l)
{
	if (!l)
		return;
	list_unlink(&l->le);
	list_append(&c->deadl, &l->le, l);
	if (c->rec.state != CALL_ENDED)
		tmr_start(&c->bury_tmr, 0, bury_h, c);
}

/** Drop a call that never got going (nothing was published for it). */
void bcall_discard(struct bcall *c)
{
	b2bua_call_remove(c->b, c);
	mem_deref(c);
}

/* End the call once: record, event, agents idle, legs released. The
 * caller's INVITE, if still unanswered, is refused with status (or the
 * status that fits cause). Legs go to the dead list, freed next turn
 * (their destructors send CANCEL or BYE). */
void bcall_end(struct bcall *c, enum call_cause cause,
	       enum call_party by, uint16_t status)
{
	uint64_t now = clock_now_ms();

	if (!call_ended(&c->rec, cause, by, status, now))
		return;
	if (c->f)
		bflow_end(c);
	if (c->q)
		bqueue_end(c);

	if (c->a && !c->a->uac && !c->a->answered)
		leg_reject(c->a, status >= 300 ? status :
			   call_cause_sip_status(cause));
	tmr_cancel(&c->ring_tmr);
	agents_activity(c, AGENT_ACTION_RELEASE, now);
	bcall_publish(c, EV_CALL_ENDED, now);
	log_info("b2bua: call %s ended: %s by %s\n", c->rec.id,
		 call_cause_name(cause), call_party_name(by));

	b2bua_call_remove(c->b, c);

	bcall_leg_bury(c, c->a);
	bcall_leg_bury(c, c->bl);
	c->a = c->bl = NULL;
	while (c->forkl.head)
		bcall_leg_bury(c, c->forkl.head->data);
	tmr_start(&c->reap_tmr, 0, reap_h, c);
}


/* --- calls Hotline answers itself (queues, flows) ------------------------ */

#define PT_PCMU 0
#define PT_PCMA 8

/** Our answer to a caller we answer ourselves (queue, flow): the first
 *  G.711 format of its offer, plus telephone-event if offered; *pt gets
 *  the audio payload type. 0 or ENOTSUP (no G.711). */
int bcall_answer_formats(const struct sdpdesc *offer, struct sdpdesc *d,
			  uint8_t *pt)
{
	bool audio = false;

	*d = *offer;
	d->fmtc = 0;
	for (size_t i = 0; i < offer->fmtc; i++) {
		const struct sdpdesc_fmt *f = &offer->fmtv[i];
		bool g711 = f->pt == PT_PCMU || f->pt == PT_PCMA;

		if (g711 && !audio) {
			audio = true;
			*pt = (uint8_t)f->pt;
			d->fmtv[d->fmtc++] = *f;
		}
		else if (!g711 && !strcasecmp(f->name, "telephone-event")) {
			d->fmtv[d->fmtc++] = *f;
		}
	}
	return audio ? 0 : ENOTSUP;
}

/** Answer c's caller ourselves with fmts (once): nothing is relayed to
 *  a callee until one is bridged (bcall_bridge_media). 0 or the error of
 *  answering. */
int bcall_answer_caller(struct bcall *c, const struct sdpdesc *fmts)
{
	uint64_t now = clock_now_ms();
	int err;

	if (!c->a->answered) {
		err = leg_answer(c->a, fmts);
		if (err)
			return err;
	}
	relay_set_gate(c->relay, true);
	if (call_answered(&c->rec, now))
		bcall_publish(c, EV_CALL_ANSWERED, now);
	return 0;
}

/** A player's packets to c's caller (player_send_h; arg: the bcall). */
int bcall_send_caller(const uint8_t *rtp, size_t len, void *arg)
{
	struct bcall *c = arg;

	return relay_send(c->relay, RELAY_A, rtp, len);
}

/**
 * The callee leg c->bl answered a call we had answered ourselves: media
 * flows between caller and callee (the callee's SDP address, or for
 * FORK_SETTLE_MS only that address when other phones rang too), and
 * call.bridged is published.
 */
void bcall_bridge_media(struct bcall *c, bool forked)
{
	struct sa raddr;

	/* the winner's media only (a losing fork may have latched first) */
	if (c->bl && c->bl->has_sdp && c->bl->sdp.port &&
	    !c->bl->sdp.hold_addr && !sdpdesc_remote(&c->bl->sdp, &raddr))
		relay_set_remote(c->relay, RELAY_B, &raddr);
	/* other phones may still send media until they get our BYE or
	 * CANCEL: for a moment only the winner's SDP address may latch */
	if (forked)
		relay_prefer_sdp(c->relay, RELAY_B, FORK_SETTLE_MS);
	relay_set_gate(c->relay, false);
	relay_set_hold(c->relay, false);
	bcall_publish(c, EV_CALL_BRIDGED, clock_now_ms());
}

/**
 * Ring agent_id's phones as c's callee (side B) with fmts, giving up
 * after timeout_s: c's route becomes that agent, so its load and
 * activity follow the usual paths. 0; ENOTCONN (not registered, or no
 * phone could be called); EBUSY (on a call). On error c is unchanged.
 */
int bcall_ring_agent(struct bcall *c, uint64_t agent_id,
		     const struct sdpdesc *fmts, uint32_t timeout_s)
{
	const struct route was = c->route;
	uint64_t rec_agent = c->rec.agent_id;
	int err;

	if (!registrar_is_registered(c->b->reg, agent_id))
		return ENOTCONN;
	if (b2bua_load_get(c->b, agent_id))
		return EBUSY;
	c->route.kind = ROUTE_AGENT;
	c->route.agent_id = agent_id;
	c->rec.agent_id = agent_id;
	b2bua_load_add(c->b, agent_id);
	err = bcall_dial_agent(c, agent_id, RELAY_B, c->from_user,
			       c->from_name[0] ? c->from_name : NULL, fmts);
	if (err) {
		b2bua_load_del(c->b, agent_id);
		c->route = was;
		c->rec.agent_id = rec_agent;
		return err;
	}
	bcall_ring_timer_s(c, timeout_s);
	return 0;
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
int bcall_dial_agent(struct bcall *c, uint64_t agent_id,
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

/** (Re)start the ring timer: unanswered legs give up after
 *  sip_ring_timeout_s (cause no_answer). */
void bcall_ring_timer(struct bcall *c)
{
	bcall_ring_timer_s(c, c->b->cfg->sip_ring_timeout_s);
}

/** (Re)start the ring timer with its own length (a flow's dial step). */
void bcall_ring_timer_s(struct bcall *c, uint32_t seconds)
{
	tmr_start(&c->ring_tmr, seconds * 1000ull, ring_timeout_h, c);
}

/* Start the callee side of c with the caller's formats */
int bcall_dial_callee(struct bcall *c, const struct sdpdesc *offer)
{
	int err;

	if (c->route.kind == ROUTE_TRUNK)
		err = dial_trunk(c, c->from_user, offer);
	else
		err = bcall_dial_agent(c, c->route.agent_id, RELAY_B, c->from_user,
				 c->from_name[0] ? c->from_name : NULL,
				 offer);
	if (!err)
		bcall_ring_timer(c);
	return err;
}


/* --- what the legs report ------------------------------------------------ */

void bcall_leg_ringing(struct bcall *c, struct leg *l, bool early_media)
{
	uint64_t now = clock_now_ms();

	if (c->rec.state == CALL_ENDED)
		return;
	if (call_ringing(&c->rec, now))
		bcall_publish(c, EV_CALL_RINGING, now);
	if (early_media && l->side == RELAY_B && c->a && !c->a->uac &&
	    !c->a->answered)
		(void)leg_progress(c->a, &l->sdp);
}

/** The first answering candidate wins; the others are cancelled. */
void bcall_forks_settle(struct bcall *c, struct leg *winner)
{
	list_unlink(&winner->le);
	while (c->forkl.head)
		bcall_leg_bury(c, c->forkl.head->data);
	tmr_cancel(&c->ring_tmr);
}

/* Click-to-call: the agent (side A) answered; now dial the number */
static void click_agent_answered(struct bcall *c, struct leg *l)
{
	int err;

	bcall_forks_settle(c, l);
	c->a = l;
	err = bcall_dial_callee(c, &l->sdp);
	if (err) {
		log_info("b2bua: call %s: cannot dial %s (%m)\n", c->rec.id,
			 c->rec.to, err);
		bcall_end(c, CALL_CAUSE_FAILURE, CALL_PARTY_SYSTEM, 0);
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
	if (l->offer_id) {
		bqueue_leg_answered(c, l);
		return;
	}

	bcall_forks_settle(c, l);
	c->bl = l;
	if (c->q)
		bqueue_bridged(c);
	else if (c->f)
		bflow_bridged(c);
	if (!c->a->uac && !c->a->answered)
		err = leg_answer(c->a, &l->sdp);
	if (err) {
		log_warn("b2bua: call %s: cannot answer the caller (%m)\n",
			 c->rec.id, err);
		bcall_end(c, CALL_CAUSE_FAILURE, CALL_PARTY_SYSTEM, 0);
		return;
	}
	relay_set_hold(c->relay, false);
	if (call_answered(&c->rec, now))
		bcall_publish(c, EV_CALL_ANSWERED, now);
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

	if (l->offer_id) {
		bqueue_leg_failed(c, l, status);
		return;
	}
	if (status_rank(status) > status_rank(c->fail_status))
		c->fail_status = status;
	bcall_leg_bury(c, l);
	if (c->forkl.head)
		return;
	if (bflow_dial_failed(c, c->fail_status)) {
		c->fail_status = 0;
		return;
	}
	bcall_end(c, call_cause_from_sip(c->fail_status, ringing), by,
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
		bcall_end(c, CALL_CAUSE_NORMAL_CLEARING, by, 0);
	else if (err == ECONNRESET)
		bcall_end(c, CALL_CAUSE_CANCELLED, by, 487);
	else
		bcall_end(c, CALL_CAUSE_FAILURE, by,
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
		bcall_publish(c, EV_CALL_HELD, now);
	else if (!hold && call_resumed(&c->rec, now))
		bcall_publish(c, EV_CALL_RESUMED, now);
}

struct sipsess_sock *bcall_sock(const struct bcall *c)
{
	return c->b->sock;
}

const struct sa *bcall_sip_laddr(const struct bcall *c)
{
	return sipstack_laddr(c->b->ss);
}

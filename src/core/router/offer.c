/** @file core/router/offer.c  Offers: making them, accept, decline, time
 *  out, missed-offer autopause and the decline delay (no I/O)
 *
 * An offer reserves one agent's channel for one waiting task until it is
 * accepted, refused (declined, failed, timed out) or ended by the router
 * (taken by another agent, task gone, overflow, removal). The task keeps
 * its place in its queue the whole time.
 *
 * Who reports what: an offer the adapter ends itself (decline, failure)
 * gets no offer_end call; an offer the router ends does. Every ended offer
 * of a known agent gives agent_action DECLINE (offered -> idle); an
 * accepted one gives ACCEPT. A failed or timed-out offer is a miss: it
 * counts toward max_missed_offers and cools the agent down for
 * max(decline_delay_s, 1 s), so a dead phone is never rung in a loop.
 */
#include <errno.h>
#include <string.h>
#include "router.h"


static void destructor(void *arg)
{
	struct roffer *o = arg;

	if (o->he.list)
		o->r->noffers--;
	hash_unlink(&o->he);
	list_unlink(&o->tle);
	deadline_clear(&o->r->dl, &o->dl);
	deadline_release(&o->r->dl, 1);
	if (o->a && o->a->chv[o->ch].offer == o)
		o->a->chv[o->ch].offer = NULL;
}


/* Free o and settle what depended on it: the task's ringing state, the
 * agent's availability */
static void offer_free(struct roffer *o, uint64_t now)
{
	struct rtask *t = o->t;
	struct ragent *a = o->a;

	mem_deref(o);

	if (t->q && list_isempty(&t->offerl)) {
		t->q->nringing--;
		rqueue_stats_mark(t->q);
	}
	if (a)
		ragent_refresh(a, now);
}


static struct roffer *offer_alloc(struct rtask *t, struct ragent *a,
				  uint64_t now)
{
	struct router *r = t->r;
	uint32_t secs = t->q->q.offer_timeout_s;
	struct roffer *o;

	if (deadline_reserve(&r->dl, 1))
		return NULL;

	o = mem_zalloc(sizeof(*o), destructor);
	if (!o) {
		deadline_release(&r->dl, 1);
		return NULL;
	}

	o->r  = r;
	o->id = ++r->offer_seq;
	o->t  = t;
	o->a  = a;
	o->ch = t->t.channel;
	o->expires = now + (secs ? secs : 1) * MS_PER_S;
	deadline_init(&o->dl, DL_OFFER, o, o->ch);

	return o;
}


/* The agent did not get through, or did not answer, max_missed_offers
 * times in a row: not_ready with reason "missed". Only a ready agent is
 * paused (one who chose not_ready meanwhile keeps their reason). */
static void autopause(struct ragent *a, enum agent_channel ch,
		      uint64_t now)
{
	a->missed = 0;
	if (a->presence != AGENT_LOGGED_IN || a->availability != AGENT_READY)
		return;

	a->availability = AGENT_NOT_READY;
	effect_action(a->r, a, AGENT_ACTION_NOT_READY, ch, "missed");
	ragent_refresh(a, now);
}


/** A miss (failed or timed-out offer of queue q): count it, pause the
 *  agent at q's max_missed_offers. */
void roffer_missed(struct ragent *a, const struct rqueue *q,
		   enum agent_channel ch, uint64_t now)
{
	a->missed++;
	if (q && q->q.max_missed_offers && a->missed >= q->q.max_missed_offers)
		autopause(a, ch, now);
}


/* The agent side refused o (why: DECLINED, FAILED or TIMEOUT): the
 * offer goes, the agent cools down, a miss may pause it, the task is
 * unflagged at its place and its queue marked */
static void offer_refused(struct roffer *o, enum router_reason why,
			  uint64_t now)
{
	struct router *r = o->r;
	struct ragent *a = o->a;
	struct rtask *t = o->t;
	struct rqueue *q = t->q;
	enum agent_channel ch = o->ch;
	uint32_t delay = q ? q->q.decline_delay_s : 0;

	if (why == ROUTER_TIMEOUT)
		effect_offer_end(r, o, why);
	if (a)
		effect_action(r, a, AGENT_ACTION_DECLINE, ch, NULL);

	if (a && why != ROUTER_DECLINED && delay < 1)
		delay = 1;
	if (a && delay)
		ragent_cooldown(a, ch, now + delay * MS_PER_S);

	offer_free(o, now);

	if (a && why != ROUTER_DECLINED)
		roffer_missed(a, q, ch, now);
	if (q)
		rqueue_mark(q);
}


/**
 * Offer the waiting task t to member m (available, eligible) at now:
 * the agent is reserved (agent_action OFFER), then fx.offer rings it.
 * new_round starts a new offer round (the task's version goes up; the
 * offers of one ring-all round share it).
 *
 * @return OFFER_LIVE; OFFER_FAILED when fx.offer refused (handled as
 *         ROUTER_FAILED: no offer_end, DECLINE, miss, cooldown); or
 *         OFFER_NOMEM (nothing changed)
 */
enum offer_result roffer_make(struct rtask *t, struct rmember *m,
			      uint64_t now, bool new_round)
{
	struct router *r = t->r;
	struct rqueue *q = t->q;
	struct ragent *a = m->a;
	struct rchan *c = &a->chv[t->t.channel];
	struct roffer *o;

	assert(!c->offer && !c->task && !t->accepted && q == m->q);

	o = offer_alloc(t, a, now);
	if (!o)
		return OFFER_NOMEM;

	if (new_round)
		t->version++;
	o->version = t->version;

	if (list_isempty(&t->offerl)) {
		q->nringing++;
		rqueue_stats_mark(q);
	}
	list_append(&t->offerl, &o->tle, o);
	hash_append(r->offerh, id_hash(o->id), &o->he, o);
	r->noffers++;
	deadline_set(&r->dl, &o->dl, o->expires);
	c->offer = o;

	q->rr_set = true;
	q->rr_pos = m->position;
	q->rr_agent = a->id;

	ragent_refresh(a, now);
	effect_action(r, a, AGENT_ACTION_OFFER, o->ch, NULL);

	if (effect_offer(r, o)) {
		offer_refused(o, ROUTER_FAILED, now);
		return OFFER_FAILED;
	}

	return OFFER_LIVE;
}


/**
 * The router ends o for a reason of its own (TAKEN, ABANDONED, MAX_WAIT,
 * EMPTY, REMOVED): offer_end, agent_action DECLINE (unless the agent is
 * being removed), no miss, no cooldown. A still-waiting task is marked.
 */
void roffer_end(struct roffer *o, enum router_reason why, uint64_t now)
{
	struct router *r = o->r;
	struct rtask *t = o->t;

	effect_offer_end(r, o, why);
	if (o->a)
		effect_action(r, o->a, AGENT_ACTION_DECLINE, o->ch, NULL);

	offer_free(o, now);

	if (t->q)
		rqueue_mark(t->q);
}


/** End every live offer of t with why (see roffer_end). */
void rtask_end_offers(struct rtask *t, enum router_reason why, uint64_t now)
{
	while (t->offerl.head)
		roffer_end(t->offerl.head->data, why, now);
}


/** o was not answered in time (drain): ROUTER_TIMEOUT, a miss. */
void roffer_expire(struct roffer *o, uint64_t now)
{
	offer_refused(o, ROUTER_TIMEOUT, now);
}


/* The task leaves its queue, taken by a: counted answered (within the
 * service level or not) */
static void task_taken(struct rtask *t, struct ragent *a, uint64_t now)
{
	struct rqueue *q = t->q;
	uint64_t wait = now > t->enq_ms ? now - t->enq_ms : 0;
	struct rstats *st = rqueue_stats_today(q, now);

	t->accepted  = true;
	t->agent     = a;
	t->accept_ms = now;
	if (q->q.wrap_up_s > t->wrap_s)
		t->wrap_s = q->q.wrap_up_s;
	list_append(&t->r->acceptl, &t->ale, t);
	waitq_remove(t);

	st->answered++;
	st->answer_wait_ms += wait;
	if (wait <= q->q.service_level_s * MS_PER_S)
		st->answered_within++;
	rqueue_stats_mark(q);
}


/* a holds t now: its misses start again, one more call today */
static void agent_takes(struct ragent *a, struct rtask *t, uint64_t now)
{
	uint64_t day = now / MS_PER_DAY;

	a->chv[t->t.channel].task = t;
	a->missed = 0;
	if (a->accepted_day != day) {
		a->accepted_day = day;
		a->accepted_today = 0;
	}
	a->accepted_today++;
}


/**
 * The agent answered offer_id: the task leaves its queue and is the
 * agent's (agent_action ACCEPT, its miss count reset, counted answered
 * and in the agent's calls today); every other offer of the task ends
 * with ROUTER_TAKEN (offer_end + DECLINE; those agents did not miss).
 *
 * @return 0, EINVAL, or ESTALE (not live: timed out, taken, task gone;
 *         nothing changed)
 */
int router_offer_accept(struct router *r, uint64_t offer_id, uint64_t now)
{
	struct roffer *o;
	struct ragent *a;
	struct rtask *t;

	if (!r)
		return EINVAL;
	ROUTER_ENTER(r);

	o = roffer_find(r, offer_id);
	if (!o)
		return ESTALE;

	t = o->t;
	a = o->a;
	assert(a && t->q && !t->accepted);

	task_taken(t, a, now);
	mem_deref(o);
	agent_takes(a, t, now);

	effect_action(r, a, AGENT_ACTION_ACCEPT, t->t.channel, NULL);
	ragent_refresh(a, now);
	rtask_end_offers(t, ROUTER_TAKEN, now);

	router_debug_after(r);
	return 0;
}


/**
 * The agent refused offer_id (ROUTER_DECLINED) or could not be reached
 * (ROUTER_FAILED): agent_action DECLINE, the task is back at its place
 * (its queue is marked), the agent gets no offer for the queue's
 * decline_delay_s (at least 1 s after a failure). A failure is a miss
 * and may pause the agent ("missed"); a decline is not.
 *
 * @return 0, EINVAL (another reason) or ESTALE (not live)
 */
int router_offer_decline(struct router *r, uint64_t offer_id,
			 enum router_reason why, uint64_t now)
{
	struct roffer *o;

	if (!r || (why != ROUTER_DECLINED && why != ROUTER_FAILED))
		return EINVAL;
	ROUTER_ENTER(r);

	o = roffer_find(r, offer_id);
	if (!o)
		return ESTALE;

	offer_refused(o, why, now);

	router_debug_after(r);
	return 0;
}

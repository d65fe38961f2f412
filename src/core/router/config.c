/** @file core/router/config.c  Queues and memberships as the store
 *  describes them (no I/O) */
#include <errno.h>
#include <string.h>
#include "router.h"


static void queue_destructor(void *arg)
{
	struct rqueue *q = arg;

	hash_unlink(&q->he);
	list_unlink(&q->le);
	list_unlink(&q->mle);
	list_unlink(&q->sle);
	list_flush(&q->memberl);
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++)
		list_flush(&q->bandl[ch]);   /* empty by now */
}


static void member_destructor(void *arg)
{
	struct rmember *m = arg;

	list_unlink(&m->qle);
	list_unlink(&m->ale);
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++)
		list_unlink(&m->avle[ch]);
}


/* Scratch arrays sized for the largest case so a drain never allocates:
 * the drain heap one task per queue and channel, the candidates every
 * member of one queue */
static int scratch_reserve(struct router *r, uint32_t queues,
			   uint32_t members)
{
	queues *= AGENT_CH_COUNT;
	if (queues > r->qheap_sz) {
		uint32_t sz = r->qheap_sz ? r->qheap_sz * 2 : 16;
		struct rtask **v;

		while (sz < queues)
			sz *= 2;
		v = mem_reallocarray(r->qheap, sz, sizeof(*v), NULL);
		if (!v)
			return ENOMEM;
		r->qheap = v;
		r->qheap_sz = sz;
	}

	if (members > r->cand_sz) {
		uint32_t sz = r->cand_sz ? r->cand_sz * 2 : 16;
		struct rmember **v;

		while (sz < members)
			sz *= 2;
		v = mem_reallocarray(r->candv, sz, sizeof(*v), NULL);
		if (!v)
			return ENOMEM;
		r->candv = v;
		r->cand_sz = sz;
	}

	return 0;
}


static int queue_alloc(struct router *r, const char *id, struct rqueue **qp)
{
	struct rqueue *q;
	int err;

	err = scratch_reserve(r, list_count(&r->queuel) + 1, 0);
	if (err)
		return err;

	q = mem_zalloc(sizeof(*q), queue_destructor);
	if (!q)
		return ENOMEM;

	q->r = r;
	q->max_tier = 1;
	hash_append(r->queueh, hash_joaat_str(id), &q->he, q);
	list_append(&r->queuel, &q->le, q);
	*qp = q;

	return 0;
}


/* Deadlines of every waiting task of q again (its settings changed) */
static void queue_reschedule(struct rqueue *q, uint64_t now)
{
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		for (struct rtask *t = waitq_first(q, ch); t;
		     t = waitq_next(t))
			rtask_schedule(t, now);
	}
}


/**
 * Add or replace a queue's settings (q copied). Changed tier or max wait
 * times reschedule the waiting tasks (a max wait already passed
 * overflows them at the next drain). The queue is marked.
 *
 * @return 0, EINVAL (bad id or strategy) or ENOMEM
 */
int router_queue_put(struct router *r, const struct queue *q, uint64_t now)
{
	struct rqueue *rq;
	struct queue old;
	int err;

	if (!r || !q || !queue_id_valid(q->id) ||
	    (unsigned)q->strategy >= QUEUE_STRATEGY_COUNT)
		return EINVAL;
	ROUTER_ENTER(r);

	rq = rqueue_find(r, q->id);
	if (!rq) {
		err = queue_alloc(r, q->id, &rq);
		if (err)
			return err;
		rq->q = *q;
		old = *q;
	}
	else {
		old = rq->q;
		rq->q = *q;
	}

	if (old.tier_wait_s != q->tier_wait_s ||
	    old.max_wait_s != q->max_wait_s)
		queue_reschedule(rq, now);

	rqueue_mark(rq);
	rqueue_stats_mark(rq);

	router_debug_after(r);
	return 0;
}


/** A queue's settings as last put (q copied). 0, EINVAL or ENOENT. */
int router_queue_get(const struct router *r, const char *queue_id,
		     struct queue *q)
{
	const struct rqueue *rq;

	if (!r || !queue_id || !q)
		return EINVAL;
	rq = rqueue_find((struct router *)r, queue_id);
	if (!rq)
		return ENOENT;
	*q = rq->q;
	return 0;
}


/**
 * Remove a queue: its waiting tasks end their offers and overflow with
 * ROUTER_REMOVED; accepted tasks keep their agent (their handle time is
 * then credited to no queue); memberships go. 0, EINVAL or ENOENT.
 */
int router_queue_remove(struct router *r, const char *queue_id,
			uint64_t now)
{
	struct rqueue *q;

	if (!r || !queue_id)
		return EINVAL;
	ROUTER_ENTER(r);

	q = rqueue_find(r, queue_id);
	if (!q)
		return ENOENT;

	q->dying = true;
	rqueue_overflow_all(q, ROUTER_REMOVED, now);
	mem_deref(q);

	router_debug_after(r);
	return 0;
}


/**
 * The highest member tier of q changed? Then tier escalations are due at
 * other times: reschedule the wake-ups of its waiting tasks.
 * O(members + tasks of q): configuration path only.
 */
void rqueue_tiers_update(struct rqueue *q, uint64_t now)
{
	uint32_t max = 1;
	struct le *le;

	LIST_FOREACH(&q->memberl, le) {
		const struct rmember *m = le->data;

		if (m->tier > max)
			max = m->tier;
	}

	if (max == q->max_tier)
		return;

	q->max_tier = max;
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		for (struct rtask *t = waitq_first(q, ch); t;
		     t = waitq_next(t))
			rtask_wake(t, now);
	}
}


static int member_add(struct rqueue *q, struct ragent *a,
		      struct rmember **mp)
{
	struct rmember *m;
	int err;

	err = scratch_reserve(q->r, 0, q->nmembers + 1);
	if (err)
		return err;

	m = mem_zalloc(sizeof(*m), member_destructor);
	if (!m)
		return ENOMEM;

	m->q = q;
	m->a = a;
	m->tier = 1;
	list_append(&q->memberl, &m->qle, m);
	list_append(&a->memberl, &m->ale, m);
	q->nmembers++;
	if (a->presence == AGENT_LOGGED_IN)
		q->nlogged++;
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		if (a->chv[ch].avail)
			list_append(&q->availl[ch], &m->avle[ch], m);
	}

	*mp = m;
	return 0;
}


/**
 * Add or update a membership: tier (clamped to 1..10) and position. The
 * queue is marked (a new available member may take a task at once).
 *
 * @return 0, EINVAL, ENOENT (queue or agent unknown) or ENOMEM
 */
int router_member_put(struct router *r, const struct queue_member *m,
		      uint64_t now)
{
	struct rmember *rm;
	struct rqueue *q;
	struct ragent *a;
	int err;

	if (!r || !m)
		return EINVAL;
	ROUTER_ENTER(r);

	q = rqueue_find(r, m->queue_id);
	a = ragent_find(r, m->agent_id);
	if (!q || !a)
		return ENOENT;

	rm = member_find(a, q);
	if (!rm) {
		err = member_add(q, a, &rm);
		if (err)
			return err;
	}

	rm->tier = m->tier < 1 ? 1 : m->tier > TIER_MAX ? TIER_MAX : m->tier;
	rm->position = m->position;

	rqueue_tiers_update(q, now);
	rqueue_mark(q);
	rqueue_stats_mark(q);

	router_debug_after(r);
	return 0;
}


/**
 * Drop membership m: the queue is marked (a sticky task waiting for this
 * agent falls back) and, if the agent was logged in, its logged-in count
 * drops (leave_empty). Live offers of the agent for tasks of the queue
 * keep ringing.
 */
void rmember_drop(struct rmember *m, uint64_t now)
{
	struct rqueue *q = m->q;
	bool logged = m->a->presence == AGENT_LOGGED_IN;

	mem_deref(m);
	q->nmembers--;
	rqueue_tiers_update(q, now);
	rqueue_mark(q);
	rqueue_stats_mark(q);
	if (logged)
		rqueue_logged_dec(q, now);
}


/** Remove a membership. 0, EINVAL or ENOENT. */
int router_member_remove(struct router *r, const char *queue_id,
			 uint64_t agent_id, uint64_t now)
{
	struct rmember *m;
	struct rqueue *q;
	struct ragent *a;

	if (!r || !queue_id)
		return EINVAL;
	ROUTER_ENTER(r);

	q = rqueue_find(r, queue_id);
	a = ragent_find(r, agent_id);
	m = q && a ? member_find(a, q) : NULL;
	if (!m)
		return ENOENT;

	rmember_drop(m, now);

	router_debug_after(r);
	return 0;
}

/** @file core/router/match.c  The drain pass: expire what is due, then
 *  make every possible offer, best task first across queues (no I/O)
 *
 * Inputs only update state and mark queues ("mark ready, match in one
 * place"). The drain walks the marked queues in the global order of
 * their next unexamined task (priority desc, enqueue time asc), through
 * a small heap holding one cursor task per marked queue and channel: the
 * globally best task is served first, so an agent in several queues gets
 * the longest-waiting, highest-priority task of all of them. A queue's
 * channel drops out of the pass when it has no available member left on
 * that channel or no task left to examine.
 *
 * Invariant kept by the inputs: if some waiting task and some available
 * member of its queue could be matched, the queue is marked (or a
 * deadline will mark it when the match becomes possible: tier
 * escalation, sticky wait end, cooldown end). So the pass only looks at
 * marked queues, and only as long as they have available members.
 *
 * Cost of one offer decision: O(log marked queues + available members of
 * the queue + waiting tasks skipped before it (ringing, or nobody
 * available may take them)). Nothing scans all agents or all tasks.
 */
#include <string.h>
#include "router.h"


/* The drain heap: the next task to examine of each marked queue and
 * channel, best first */
static void qheap_push(struct router *r, struct rtask *t)
{
	uint32_t i = r->qheap_n++;

	while (i > 0) {
		uint32_t p = (i - 1) / 2;

		if (!task_before(t, r->qheap[p]))
			break;
		r->qheap[i] = r->qheap[p];
		i = p;
	}
	r->qheap[i] = t;
}


static struct rtask *qheap_pop(struct router *r)
{
	struct rtask *top = r->qheap[0];
	struct rtask *t = r->qheap[--r->qheap_n];
	uint32_t i = 0;

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= r->qheap_n)
			break;
		if (c + 1 < r->qheap_n &&
		    task_before(r->qheap[c + 1], r->qheap[c]))
			c++;
		if (!task_before(r->qheap[c], t))
			break;
		r->qheap[i] = r->qheap[c];
		i = c;
	}
	if (r->qheap_n)
		r->qheap[i] = t;

	return top;
}


/* Examine t next, if its queue still has an available member on its
 * channel */
static void consider(struct router *r, struct rtask *t)
{
	if (t && !list_isempty(&t->q->availl[t->t.channel]))
		qheap_push(r, t);
}


/* Offer t (waiting, not ringing) by its queue's strategy. A failed offer
 * cools its agent down, so picking again tries the others; the loop ends
 * when an offer rings or nobody eligible is left. Returns offers made. */
static size_t task_match(struct router *r, struct rtask *t, uint64_t now)
{
	bool round = true;
	size_t made = 0;

	for (;;) {
		uint32_t n = strategy_pick(r, t->q, t, now);

		if (!n)
			break;

		for (uint32_t i = 0; i < n; i++) {
			enum offer_result res;

			res = roffer_make(t, r->candv[i], now, round);
			if (res == OFFER_NOMEM)
				return made;
			round = false;
			if (res == OFFER_LIVE)
				made++;
		}

		if (!list_isempty(&t->offerl))
			break;
	}

	return made;
}


static size_t match(struct router *r, uint64_t now)
{
	size_t made = 0;
	struct le *le;

	r->qheap_n = 0;
	LIST_FOREACH(&r->markl, le) {
		const struct rqueue *q = le->data;

		for (int ch = 0; ch < AGENT_CH_COUNT; ch++)
			consider(r, waitq_first(q, ch));
	}

	/* offers never remove a task from its queue (effects cannot call
	 * back), so the cursors in the heap stay valid */
	while (r->qheap_n) {
		struct rtask *t = qheap_pop(r);
		struct rtask *next = waitq_next(t);

		if (list_isempty(&t->offerl))
			made += task_match(r, t, now);

		consider(r, next);
	}

	/* marks raised during the pass (failed offers) are settled: the
	 * failed agents cool down and their end marks again */
	list_clear(&r->markl);

	return made;
}


/** Run every deadline due at now, earliest first. Each handler either
 *  removes its entry's cause or schedules it later than now. */
void router_expire(struct router *r, uint64_t now)
{
	struct deadline *d;

	while ((d = deadline_top(&r->dl)) && d->at <= now) {
		deadline_clear(&r->dl, d);

		switch (d->kind) {

		case DL_OFFER:
			roffer_expire(d->obj, now);
			break;

		case DL_COOL:
			ragent_refresh(d->obj, now);
			break;

		case DL_WRAP:
			wrapup_finish(d->obj, d->ch, now);
			break;

		case DL_WAKE: {
			struct rtask *t = d->obj;

			rqueue_mark(t->q);
			rtask_wake(t, now);
			break;
		}

		case DL_MAXWAIT:
			rtask_overflow(d->obj, ROUTER_MAX_WAIT, now);
			break;

		case DL_MEMO:
			rmemo_expire(d->obj);
			break;

		default:
			break;
		}
	}
}


/**
 * Expire what is due at now (offers: ROUTER_TIMEOUT; cooldowns and
 * wrap-ups end; tier escalations and sticky waits mark their queue; max
 * waits overflow), then make every possible offer across the marked
 * queues, best task first. Marks are cleared.
 *
 * @return the number of offers made (those fx.offer accepted)
 */
size_t router_drain(struct router *r, uint64_t now)
{
	size_t made;

	if (!r)
		return 0;
	ROUTER_ENTER(r);

	router_expire(r, now);
	made = match(r, now);

	router_debug_after(r);
	return made;
}

/** @file core/router/strategy.c  Which available member(s) of a queue get
 *  an offer for a task (no I/O)
 *
 * Every strategy first filters the queue's available members (availl of
 * the task's channel) by eligibility, then picks:
 *  - ring_all:     every eligible member at once (one offer round);
 *  - round_robin:  the next by (position, agent id) after the member who
 *                  got the queue's last offer, wrapping around;
 *  - longest_idle: the earliest idle_since (set when the agent's channel
 *                  became idle after a task, wrap-up or direct call, or
 *                  when the agent became ready; declines and timeouts
 *                  leave it);
 *  - least_calls:  fewest tasks accepted today (UTC, all queues), then
 *                  longest idle;
 *  - random:       uniform among the eligible (seeded splitmix64);
 *  - top_down:     lowest position;
 *  - skills:       highest sum of the agent's levels on the task's
 *                  required skills, then longest idle.
 * Remaining ties go to the lowest agent id. A pick costs
 * O(available members of the queue).
 *
 * Sticky agent: while a task's sticky wait runs and its sticky agent is
 * logged in and a member of the queue, only that agent may take it (at
 * any tier: the task asked for this agent); when the agent is unknown,
 * logged out or not a member, the task falls back to the queue at once.
 */
#include <string.h>
#include "router.h"

/* A candidate with the keys the strategies compare */
struct cand {
	struct rmember *m;
	uint64_t idle;      /* idle_since on the task's channel */
	uint32_t score;     /* skills */
	uint32_t calls;     /* least_calls */
};


/* The sticky agent t waits for, as a member of q who may take it now;
 * *waiting tells whether the sticky wait applies at all (a sticky agent
 * unknown, logged out or not a member of q: fall back at once) */
static struct rmember *sticky_member(const struct rtask *t,
				     const struct rqueue *q, uint64_t now,
				     bool *waiting)
{
	const struct ragent *a;
	struct rmember *m;

	*waiting = false;
	if (!t->t.sticky_agent || !t->t.sticky_wait_s ||
	    now >= t->enq_ms + t->t.sticky_wait_s * MS_PER_S)
		return NULL;

	a = ragent_find(q->r, t->t.sticky_agent);
	if (!a || a->presence != AGENT_LOGGED_IN)
		return NULL;
	m = member_find(a, q);
	if (!m)
		return NULL;

	*waiting = true;
	if (!a->chv[t->t.channel].avail ||
	    !task_skills_match(&t->t, a->skillv, a->skillc, NULL))
		return NULL;

	return m;
}


/**
 * Whether available member m may take t at now, outside a sticky wait:
 * the skills (every required one at its level) and the tier (tier T after
 * (T-1) x tier_wait_s of waiting).
 */
bool member_eligible(const struct rmember *m, const struct rtask *t,
		     uint64_t now)
{
	const struct ragent *a = m->a;

	return a->chv[t->t.channel].avail &&
	       rtask_eligible_tier(t, m->tier, now) &&
	       task_skills_match(&t->t, a->skillv, a->skillc, NULL);
}


/* (position, agent id) order of round_robin and top_down */
static bool pos_before(uint32_t pa, uint64_t ia, uint32_t pb, uint64_t ib)
{
	return pa != pb ? pa < pb : ia < ib;
}


static bool idle_before(const struct cand *a, const struct cand *b)
{
	if (a->idle != b->idle)
		return a->idle < b->idle;

	return a->m->a->id < b->m->a->id;
}


/* Whether c beats best under q's strategy (not ring_all or random) */
static bool better(const struct rqueue *q, const struct cand *c,
		   const struct cand *best)
{
	switch (q->q.strategy) {

	case QUEUE_LEAST_CALLS:
		if (c->calls != best->calls)
			return c->calls < best->calls;
		return idle_before(c, best);

	case QUEUE_TOP_DOWN:
		return pos_before(c->m->position, c->m->a->id,
				  best->m->position, best->m->a->id);

	case QUEUE_SKILLS:
		if (c->score != best->score)
			return c->score > best->score;
		return idle_before(c, best);

	case QUEUE_LONGEST_IDLE:
	default:
		return idle_before(c, best);
	}
}


/* A pick in progress over the eligible members */
struct pick {
	struct cand best;          /* by the strategy's order; random */
	struct rmember *after;     /* round_robin: first after the last */
	struct rmember *first;     /* round_robin: first of all */
	uint32_t seen;             /* random: eligible so far */
};


/* round_robin: the smallest (position, id) after the last offered one,
 * else the smallest of all */
static void rr_consider(const struct rqueue *q, struct rmember *m,
			struct pick *p)
{
	if (q->rr_set && pos_before(q->rr_pos, q->rr_agent, m->position,
				    m->a->id)) {
		if (!p->after || pos_before(m->position, m->a->id,
					    p->after->position,
					    p->after->a->id))
			p->after = m;
	}

	if (!p->first || pos_before(m->position, m->a->id,
				    p->first->position, p->first->a->id))
		p->first = m;
}


static void cand_fill(struct cand *c, const struct rqueue *q,
		      struct rmember *m, const struct rtask *t, uint64_t now)
{
	const struct ragent *a = m->a;

	c->m = m;
	c->idle = a->chv[t->t.channel].idle_since;
	c->calls = 0;
	c->score = 0;
	if (q->q.strategy == QUEUE_LEAST_CALLS)
		c->calls = ragent_accepted_today(a, now);
	else if (q->q.strategy == QUEUE_SKILLS)
		(void)task_skills_match(&t->t, a->skillv, a->skillc,
					&c->score);
}


/* Eligible member m, one of the single-pick strategies */
static void consider(struct router *r, const struct rqueue *q,
		     const struct rtask *t, struct rmember *m, uint64_t now,
		     struct pick *p)
{
	struct cand c;

	switch (q->q.strategy) {

	case QUEUE_ROUND_ROBIN:
		rr_consider(q, m, p);
		break;

	case QUEUE_RANDOM:
		/* reservoir sampling: the i-th is kept with 1/i */
		if (rng_next(r) % ++p->seen == 0)
			p->best.m = m;
		break;

	default:
		cand_fill(&c, q, m, t, now);
		if (!p->best.m || better(q, &c, &p->best))
			p->best = c;
		break;
	}
}


/**
 * Pick the member(s) of q to offer t to at now, into r->candv.
 * @return how many (0: nobody eligible is available)
 */
uint32_t strategy_pick(struct router *r, struct rqueue *q,
		       const struct rtask *t, uint64_t now)
{
	struct pick p = {0};
	struct rmember *m;
	uint32_t n = 0;
	bool waiting;
	struct le *le;

	m = sticky_member(t, q, now, &waiting);
	if (waiting) {
		if (!m)
			return 0;
		r->candv[0] = m;
		return 1;
	}

	LIST_FOREACH(&q->availl[t->t.channel], le) {
		m = le->data;
		if (!member_eligible(m, t, now))
			continue;

		if (q->q.strategy == QUEUE_RING_ALL)
			r->candv[n++] = m;
		else
			consider(r, q, t, m, now, &p);
	}

	if (q->q.strategy == QUEUE_ROUND_ROBIN)
		p.best.m = p.after ? p.after : p.first;
	if (q->q.strategy != QUEUE_RING_ALL && p.best.m)
		r->candv[n++] = p.best.m;

	return n;
}

/** @file core/router/check.c  The router's invariants, checked in full
 *  (tests and debug runs; O(everything), never on a hot path) */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include "router.h"

/* libre's %llu wants unsigned long long; ids are uint64_t */
#define ID(x) ((unsigned long long)(x))

struct chk {
	const struct router *r;
	char *why;
	size_t sz;
	bool bad;
	uint32_t offers;     /* offers seen through their tasks */
	uint32_t tasks;      /* tasks seen through queues and acceptl */
};


static bool fail(struct chk *c, const char *fmt, ...)
{
	va_list ap;

	if (c->bad)
		return true;

	va_start(ap, fmt);
	(void)re_vsnprintf(c->why, c->sz, fmt, ap);
	va_end(ap);
	c->bad = true;

	return true;
}


static bool check_offer(struct chk *c, const struct roffer *o,
			const struct rtask *t)
{
	const struct ragent *a = o->a;

	if (o->t != t)
		return fail(c, "offer %llu: not its task's", ID(o->id));
	if (!a)
		return fail(c, "offer %llu: no agent", ID(o->id));
	if (a->chv[o->ch].offer != o)
		return fail(c, "offer %llu: agent %llu holds another",
			    ID(o->id), ID(a->id));
	if (roffer_find(c->r, o->id) != o)
		return fail(c, "offer %llu: not in the table", ID(o->id));
	if (o->ch != t->t.channel || !deadline_isset(&o->dl))
		return fail(c, "offer %llu: channel or deadline", ID(o->id));

	c->offers++;
	return false;
}


static bool check_task(struct chk *c, const struct rtask *t)
{
	struct le *ol;

	c->tasks++;
	if (rtask_find(c->r, t->t.id) != t)
		return fail(c, "task %s: not in the table", t->t.id);

	if (t->accepted) {
		if (t->band || t->q || !list_isempty(&t->offerl))
			return fail(c, "task %s: accepted and waiting",
				    t->t.id);
		if (t->agent && t->agent->chv[t->t.channel].task != t)
			return fail(c, "task %s: agent %llu holds another",
				    t->t.id, ID(t->agent->id));
		if (!list_contains(&c->r->acceptl, &t->ale))
			return fail(c, "task %s: not in acceptl", t->t.id);
		return false;
	}

	if (!t->band || !t->q || t->agent)
		return fail(c, "task %s: neither waiting nor accepted",
			    t->t.id);
	if (strcmp(t->queue_id, t->q->q.id))
		return fail(c, "task %s: queue id", t->t.id);

	LIST_FOREACH(&t->offerl, ol) {
		if (check_offer(c, ol->data, t))
			return true;
	}

	return false;
}


static bool check_chan(struct chk *c, const struct ragent *a, int ch)
{
	const struct rchan *ac = &a->chv[ch];
	struct le *le;

	if ((ac->offer != NULL) + (ac->task != NULL) + ac->wrapping > 1)
		return fail(c, "agent %llu ch %d: offer/task/wrap-up at once",
			    ID(a->id), ch);
	if (ac->task && ac->task->agent != a)
		return fail(c, "agent %llu: task not its", ID(a->id));
	if (ac->wrapping != deadline_isset(&ac->wrap))
		return fail(c, "agent %llu: wrap-up deadline", ID(a->id));
	if (ac->avail != ragent_available(a, ch))
		return fail(c, "agent %llu ch %d: stale availability",
			    ID(a->id), ch);

	LIST_FOREACH(&a->memberl, le) {
		const struct rmember *m = le->data;

		if (m->a != a || member_find(a, m->q) != m)
			return fail(c, "agent %llu: membership", ID(a->id));
		if (list_contains(&m->q->availl[ch], &m->avle[ch]) !=
		    ac->avail)
			return fail(c, "agent %llu ch %d: available set of %s",
				    ID(a->id), ch, m->q->q.id);
	}

	return false;
}


static bool check_agent(struct chk *c, const struct ragent *a)
{
	if (ragent_find(c->r, a->id) != a)
		return fail(c, "agent %llu: not in the table", ID(a->id));
	if (a->dying || a->sstate != ragent_state(a))
		return fail(c, "agent %llu: dying or stale state", ID(a->id));

	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		if (check_chan(c, a, ch))
			return true;
	}

	return false;
}


static bool check_band(struct chk *c, const struct rqueue *q, int ch,
		       const struct band *b, uint32_t *tasks,
		       uint32_t *ringing)
{
	const struct rtask *prev = NULL;
	uint32_t n = 0;
	struct le *le;

	LIST_FOREACH(&b->taskl, le) {
		const struct rtask *t = le->data;

		if (t->band != b || t->q != q || t->t.priority != b->prio ||
		    (int)t->t.channel != ch)
			return fail(c, "queue %s: task %s misfiled", q->q.id,
				    t->t.id);
		if (prev && !task_before(prev, t))
			return fail(c, "queue %s: %s before %s", q->q.id,
				    prev->t.id, t->t.id);
		if (check_task(c, t))
			return true;
		*ringing += !list_isempty(&t->offerl);
		prev = t;
		n++;
	}

	if (!n || n != b->n)
		return fail(c, "queue %s: band %d count", q->q.id, b->prio);

	*tasks += n;
	return false;
}


static bool check_members(struct chk *c, const struct rqueue *q)
{
	uint32_t members = 0, logged = 0, tier = 1;
	struct le *le;

	LIST_FOREACH(&q->memberl, le) {
		const struct rmember *m = le->data;

		if (m->q != q || member_find(m->a, q) != m)
			return fail(c, "queue %s: membership", q->q.id);
		members++;
		logged += m->a->presence == AGENT_LOGGED_IN;
		if (m->tier > tier)
			tier = m->tier;
	}

	if (members != q->nmembers || logged != q->nlogged ||
	    tier != q->max_tier)
		return fail(c, "queue %s: members %u/%u logged %u/%u tier "
			    "%u/%u", q->q.id, members, q->nmembers, logged,
			    q->nlogged, tier, q->max_tier);

	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		LIST_FOREACH(&q->availl[ch], le) {
			const struct rmember *m = le->data;

			if (m->q != q || !m->a->chv[ch].avail)
				return fail(c, "queue %s: unavailable member "
					    "%llu listed", q->q.id,
					    ID(m->a->id));
		}
	}

	return false;
}


static bool check_queue(struct chk *c, const struct rqueue *q)
{
	uint32_t tasks = 0, ringing = 0;
	struct le *le;

	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		const struct band *prev = NULL;

		LIST_FOREACH(&q->bandl[ch], le) {
			const struct band *b = le->data;

			if (prev && prev->prio <= b->prio)
				return fail(c, "queue %s: bands order",
					    q->q.id);
			if (check_band(c, q, ch, b, &tasks, &ringing))
				return true;
			prev = b;
		}
	}

	if (tasks != q->nwaiting || ringing != q->nringing)
		return fail(c, "queue %s: waiting %u/%u ringing %u/%u",
			    q->q.id, tasks, q->nwaiting, ringing,
			    q->nringing);

	return check_members(c, q);
}


/**
 * Check every invariant of the router: each agent channel holds at most
 * one of offer / task / wrap-up (so never two live offers, never an
 * offer plus a task); a task is waiting (in its queue, in order) or
 * accepted by exactly one agent, never both; offers, counters, available
 * sets and the deadline heap agree with the objects. Walks the lists,
 * not the hash tables: O(objects), whatever the table sizes.
 *
 * @return 0, or EPROTO with a description in why[sz]
 */
int router_check(const struct router *r, char *why, size_t sz)
{
	struct chk c = { .r = r, .why = why, .sz = sz };
	struct le *le;

	if (why && sz)
		why[0] = '\0';

	LIST_FOREACH(&r->agentl, le) {
		if (c.bad || check_agent(&c, le->data))
			break;
	}
	LIST_FOREACH(&r->queuel, le) {
		if (c.bad || check_queue(&c, le->data))
			break;
	}
	LIST_FOREACH(&r->acceptl, le) {
		if (c.bad || check_task(&c, le->data))
			break;
	}

	/* every task is waiting in a queue or accepted; offers hang off
	 * waiting tasks only */
	if (!c.bad && (c.tasks != r->ntasks || c.offers != r->noffers))
		fail(&c, "tasks %u/%u, offers %u/%u reachable", c.tasks,
		     r->ntasks, c.offers, r->noffers);
	if (!c.bad && !deadline_heap_valid(&r->dl))
		fail(&c, "deadline heap");
	if (!c.bad && r->in_fx)
		fail(&c, "inside an effect");

	return c.bad ? EPROTO : 0;
}

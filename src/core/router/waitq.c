/** @file core/router/waitq.c  A queue's waiting tasks in routing order:
 *  priority (higher first), then enqueue time, then enqueue sequence
 *  (no I/O)
 *
 * Per channel (a chat never competes with a call for an agent's voice
 * channel): one band per priority present (at most 201, usually one or
 * two), each a list oldest first. Enqueueing at the current time
 * appends in O(bands); a task being offered keeps its place, so a
 * declined or timed-out task is back at its original position by doing
 * nothing at all.
 */
#include <errno.h>
#include <string.h>
#include "router.h"


/** Whether a is routed before b (both waiting, in any queues). */
bool task_before(const struct rtask *a, const struct rtask *b)
{
	if (a->t.priority != b->t.priority)
		return a->t.priority > b->t.priority;
	if (a->enq_ms != b->enq_ms)
		return a->enq_ms < b->enq_ms;

	return a->seq < b->seq;
}


static struct band *band_get(struct rqueue *q, enum agent_channel ch,
			      int32_t prio)
{
	struct list *bandl = &q->bandl[ch];
	struct band *b;
	struct le *le;

	LIST_FOREACH(bandl, le) {
		b = le->data;
		if (b->prio == prio)
			return b;
		if (b->prio < prio)
			break;
	}

	b = mem_zalloc(sizeof(*b), NULL);
	if (!b)
		return NULL;

	b->prio = prio;
	if (le)
		list_insert_before(bandl, le, &b->le, b);
	else
		list_append(bandl, &b->le, b);

	return b;
}


/**
 * Insert t (enq_ms and seq set) among q's waiting tasks.
 * O(bands + tasks enqueued later than t): O(bands) at the current time.
 * @return 0 or ENOMEM (t untouched)
 */
int waitq_insert(struct rqueue *q, struct rtask *t)
{
	struct band *b = band_get(q, t->t.channel, t->t.priority);
	struct le *le;

	if (!b)
		return ENOMEM;

	for (le = b->taskl.tail; le; le = le->prev) {
		if (task_before(le->data, t))
			break;
	}

	if (le)
		list_insert_after(&b->taskl, le, &t->wle, t);
	else
		list_prepend(&b->taskl, &t->wle, t);

	b->n++;
	t->band = b;
	t->q = q;
	q->nwaiting++;

	return 0;
}


/** Take t out of its queue (no-op when not waiting): counters, its tier
 *  and max-wait deadlines. Its offers are the caller's business. */
void waitq_remove(struct rtask *t)
{
	struct band *b = t->band;
	struct rqueue *q = t->q;

	if (!b)
		return;

	if (!list_isempty(&t->offerl))
		q->nringing--;
	q->nwaiting--;

	list_unlink(&t->wle);
	if (--b->n == 0) {
		list_unlink(&b->le);
		mem_deref(b);
	}

	deadline_clear(&t->r->dl, &t->wake);
	deadline_clear(&t->r->dl, &t->maxwait);
	t->band = NULL;
	t->q = NULL;
}


/** The task of channel ch to route first in q, or NULL. */
struct rtask *waitq_first(const struct rqueue *q, enum agent_channel ch)
{
	const struct band *b = list_ledata(q->bandl[ch].head);

	return b ? list_ledata(b->taskl.head) : NULL;
}


/** Some waiting task of q (the first of a channel), or NULL. */
struct rtask *waitq_first_any(const struct rqueue *q)
{
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		struct rtask *t = waitq_first(q, ch);

		if (t)
			return t;
	}

	return NULL;
}


/** The waiting task after t in its queue and channel, or NULL. */
struct rtask *waitq_next(const struct rtask *t)
{
	const struct band *b;

	if (t->wle.next)
		return t->wle.next->data;

	b = list_ledata(t->band->le.next);

	return b ? list_ledata(b->taskl.head) : NULL;
}


/** 1 + the waiting tasks of its channel ahead of t in its queue.
 *  O(bands + tasks ahead in its band). */
uint32_t waitq_position(const struct rtask *t)
{
	uint32_t pos = 1;
	struct le *le;

	for (le = t->band->le.prev; le; le = le->prev) {
		const struct band *b = le->data;

		pos += b->n;
	}

	for (le = t->wle.prev; le; le = le->prev)
		pos++;

	return pos;
}

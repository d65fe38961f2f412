/** @file core/router/stats.c  Live queue statistics and where a waiting
 *  task stands (no I/O)
 *
 * Counters are "today": they restart when the UTC day of now (now /
 * 86,400,000) differs from the day they counted. Reading them never
 * resets anything (a read on a new day just shows zeros).
 */
#include <errno.h>
#include <string.h>
#include "router.h"


/** q's counters for the day of now, restarted on a new day. */
struct rstats *rqueue_stats_today(struct rqueue *q, uint64_t now)
{
	uint64_t day = now / MS_PER_DAY;

	if (q->st.day != day) {
		memset(&q->st, 0, sizeof(q->st));
		q->st.day = day;
	}

	return &q->st;
}


/** A task of queue_id was handled in handle_ms (talk + wrap-up): AHT. */
void stats_handled(struct router *r, const char *queue_id,
		   uint64_t handle_ms, uint64_t now)
{
	struct rqueue *q = rqueue_find(r, queue_id);
	struct rstats *st;

	if (!q)
		return;   /* the queue went away meanwhile */

	st = rqueue_stats_today(q, now);
	st->handled++;
	st->handle_ms += handle_ms;
	q->aht_ms = st->handle_ms / st->handled;
	rqueue_stats_mark(q);
}


static uint64_t mean(uint64_t sum, uint32_t n)
{
	return n ? sum / n : 0;
}


/* The oldest waiting task of each priority heads its band */
static uint64_t longest_wait(const struct rqueue *q, uint64_t now)
{
	uint64_t longest = 0;
	struct le *le;

	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		LIST_FOREACH(&q->bandl[ch], le) {
			const struct band *b = le->data;
			const struct rtask *t = list_ledata(b->taskl.head);

			if (now > t->enq_ms && now - t->enq_ms > longest)
				longest = now - t->enq_ms;
		}
	}

	return longest;
}


/**
 * A queue's live statistics at now into *s: waiting (incl. ringing),
 * ringing, longest wait, members by state, and today's counters and
 * means. O(members + priorities present).
 *
 * @return 0, EINVAL or ENOENT
 */
int router_queue_stats(const struct router *r, const char *queue_id,
		       uint64_t now, struct router_queue_stats *s)
{
	const struct rqueue *q;
	struct rstats st;
	struct le *le;
	uint32_t done;

	if (!r || !queue_id || !s)
		return EINVAL;

	q = rqueue_find(r, queue_id);
	if (!q)
		return ENOENT;

	memset(s, 0, sizeof(*s));
	s->waiting = q->nwaiting;
	s->ringing = q->nringing;
	s->longest_wait_ms = longest_wait(q, now);

	LIST_FOREACH(&q->memberl, le) {
		const struct rmember *m = le->data;

		s->agents[ragent_state(m->a)]++;
	}

	if (q->st.day == now / MS_PER_DAY)
		st = q->st;
	else
		memset(&st, 0, sizeof(st));

	s->offered         = st.offered;
	s->answered        = st.answered;
	s->abandoned       = st.abandoned;
	s->overflowed      = st.overflowed;
	s->answered_within = st.answered_within;
	done = st.answered + st.abandoned;
	s->service_level = done ? (double)st.answered_within / done : 1.0;
	s->asa_ms            = mean(st.answer_wait_ms, st.answered);
	s->aht_ms            = mean(st.handle_ms, st.handled);
	s->abandoned_wait_ms = mean(st.abandon_wait_ms, st.abandoned);

	return 0;
}


/**
 * Call h (may be NULL) with the id of every queue whose statistics
 * changed since the last take, then clear the marks: the next change
 * calls fx.stats_dirty again. h may read the router; queues it makes
 * dirty again are reported by the next take.
 */
void router_stats_take(struct router *r,
		       void (*h)(const char *queue_id, void *arg), void *arg)
{
	uint32_t n;

	if (!r)
		return;
	ROUTER_ENTER(r);

	r->stats_signalled = false;
	for (n = list_count(&r->statl); n && r->statl.head; n--) {
		struct rqueue *q = r->statl.head->data;

		list_unlink(&q->sle);
		if (h)
			h(q->q.id, arg);
	}
}


/**
 * Where task_id stands at now. Waiting: its queue, position (1 = next
 * to be offered, ringing tasks ahead included), wait so far, estimated
 * wait = position x the queue's last known AHT / members logged in (0
 * while no AHT is known). Accepted: accepted, agent_id (0 once the agent
 * was removed), waited = its wait until accepted.
 * O(priorities + tasks ahead of it in its priority).
 *
 * @return 0, EINVAL or ENOENT
 */
int router_task_info(const struct router *r, const char *task_id,
		     uint64_t now, struct router_task_info *info)
{
	const struct rtask *t;
	const struct rqueue *q;

	if (!r || !task_id || !info)
		return EINVAL;

	t = rtask_find(r, task_id);
	if (!t)
		return ENOENT;

	memset(info, 0, sizeof(*info));
	info->queue_id = t->queue_id;

	if (t->accepted) {
		info->accepted = true;
		info->agent_id = t->agent ? t->agent->id : 0;
		info->waited_ms = t->accept_ms > t->enq_ms ?
			t->accept_ms - t->enq_ms : 0;
		return 0;
	}

	q = t->q;
	info->position  = waitq_position(t);
	info->waited_ms = now > t->enq_ms ? now - t->enq_ms : 0;
	info->ewt_ms    = info->position * q->aht_ms /
			  (q->nlogged ? q->nlogged : 1);

	return 0;
}

/** @file core/router/tasks.c  A task's life in the router: enqueue, tier
 *  and max-wait deadlines, overflow, abandon, done (no I/O) */
#include <errno.h>
#include <string.h>
#include "router.h"

/* Deadline slots a task reserves: its wake-up and its max wait */
#define TASK_SLOTS 2

/* How long an overflowed task's wrap-up is remembered (the adapter
 * enqueues an overflow to another queue on its next loop turn) */
#define MEMO_TTL_S 600


static void destructor(void *arg)
{
	struct rtask *t = arg;
	struct router *r = t->r;

	waitq_remove(t);
	list_flush(&t->offerl);
	deadline_clear(&r->dl, &t->wake);
	deadline_clear(&r->dl, &t->maxwait);
	deadline_release(&r->dl, TASK_SLOTS);
	if (t->agent && t->agent->chv[t->t.channel].task == t)
		t->agent->chv[t->t.channel].task = NULL;
	list_unlink(&t->ale);
	if (t->he.list)
		r->ntasks--;
	hash_unlink(&t->he);
}


static void memo_destructor(void *arg)
{
	struct rmemo *m = arg;

	hash_unlink(&m->he);
	deadline_clear(&m->r->dl, &m->dl);
	deadline_release(&m->r->dl, 1);
}


static bool memo_cmp(struct le *le, void *arg)
{
	const struct rmemo *m = le->data;

	return !strcmp(m->id, arg);
}


static struct rmemo *memo_find(const struct router *r, const char *id)
{
	return list_ledata(hash_lookup(r->memoh, hash_joaat_str(id),
				       memo_cmp, (void *)id));
}


/* Remember t's longest wrap-up so far (best effort: on ENOMEM the next
 * queue's own wrap-up applies) */
static void memo_put(struct rtask *t, uint32_t wrap_s, uint64_t now)
{
	struct router *r = t->r;
	struct rmemo *m = memo_find(r, t->t.id);

	if (!m) {
		if (deadline_reserve(&r->dl, 1))
			return;
		m = mem_zalloc(sizeof(*m), memo_destructor);
		if (!m) {
			deadline_release(&r->dl, 1);
			return;
		}
		m->r = r;
		str_ncpy(m->id, t->t.id, sizeof(m->id));
		deadline_init(&m->dl, DL_MEMO, m, 0);
		hash_append(r->memoh, hash_joaat_str(m->id), &m->he, m);
	}

	m->wrap_s = wrap_s;
	deadline_set(&r->dl, &m->dl, now + MEMO_TTL_S * MS_PER_S);
}


/** Forget an overflowed task's wrap-up (its time is up). */
void rmemo_expire(struct rmemo *m)
{
	mem_deref(m);
}


static bool task_valid(const struct task *t)
{
	return t->id[0] && memchr(t->id, '\0', sizeof(t->id)) &&
	       (unsigned)t->channel < AGENT_CH_COUNT &&
	       t->priority >= TASK_PRIORITY_MIN &&
	       t->priority <= TASK_PRIORITY_MAX &&
	       t->skillc <= TASK_SKILLS_MAX;
}


/** Whether t's sticky wait is running at now. */
static bool sticky_window(const struct rtask *t, uint64_t now)
{
	return t->t.sticky_agent && t->t.sticky_wait_s &&
	       now < t->enq_ms + t->t.sticky_wait_s * MS_PER_S;
}


/** Members of tier may take t at now: tier T after (T-1) x tier_wait_s. */
bool rtask_eligible_tier(const struct rtask *t, uint32_t tier, uint64_t now)
{
	uint64_t waited = now > t->enq_ms ? now - t->enq_ms : 0;
	uint64_t tw = t->q->q.tier_wait_s * MS_PER_S;

	return tier <= 1 || waited >= (tier - 1) * tw;
}


/**
 * Schedule t's next wake-up: the next tier escalation (while a higher
 * tier exists in its queue) or the end of its sticky wait, whichever
 * comes first. Each wake-up only marks the queue.
 */
void rtask_wake(struct rtask *t, uint64_t now)
{
	const struct rqueue *q = t->q;
	uint64_t waited = now > t->enq_ms ? now - t->enq_ms : 0;
	uint64_t tw = q->q.tier_wait_s * MS_PER_S;
	uint64_t next = 0;

	if (sticky_window(t, now))
		next = t->enq_ms + t->t.sticky_wait_s * MS_PER_S;

	if (tw && q->max_tier > 1) {
		uint64_t k = waited / tw + 1;   /* tier k + 1 opens at k x tw */

		if (k + 1 <= q->max_tier &&
		    (!next || t->enq_ms + k * tw < next))
			next = t->enq_ms + k * tw;
	}

	if (next)
		deadline_set(&t->r->dl, &t->wake, next);
	else
		deadline_clear(&t->r->dl, &t->wake);
}


/** Both deadlines of a waiting task from its queue's settings. */
void rtask_schedule(struct rtask *t, uint64_t now)
{
	const struct rqueue *q = t->q;

	if (q->q.max_wait_s)
		deadline_set(&t->r->dl, &t->maxwait,
			     t->enq_ms + q->q.max_wait_s * MS_PER_S);
	else
		deadline_clear(&t->r->dl, &t->maxwait);

	rtask_wake(t, now);
}


/* A waiting copy of tk in q at now (routing order, deadlines, table) */
static int task_create(struct router *r, struct rqueue *q,
		       const struct task *tk, uint64_t now)
{
	struct rmemo *memo;
	struct rtask *t;
	int err;

	err = deadline_reserve(&r->dl, TASK_SLOTS);
	if (err)
		return err;

	t = mem_zalloc(sizeof(*t), destructor);
	if (!t) {
		deadline_release(&r->dl, TASK_SLOTS);
		return ENOMEM;
	}

	t->r = r;
	t->t = *tk;
	t->enq_ms = now;
	t->seq = ++r->task_seq;
	deadline_init(&t->wake, DL_WAKE, t, 0);
	deadline_init(&t->maxwait, DL_MAXWAIT, t, 0);
	err = waitq_insert(q, t);
	if (err) {
		mem_deref(t);
		return err;
	}

	/* back from an overflow: it keeps the longest wrap-up so far */
	memo = memo_find(r, t->t.id);
	if (memo) {
		t->wrap_s = memo->wrap_s;
		mem_deref(memo);
	}

	str_ncpy(t->queue_id, q->q.id, sizeof(t->queue_id));
	hash_append(r->taskh, hash_joaat_str(t->t.id), &t->he, t);
	r->ntasks++;
	rtask_schedule(t, now);

	return 0;
}


/**
 * Enqueue a copy of tk in queue_id at now. When the queue refuses it
 * (join_empty off and no member logged in) *res is ROUTER_OVERFLOW, the
 * task is counted offered and overflowed and is not kept; otherwise
 * ROUTER_QUEUED and the queue is marked.
 *
 * @return 0, EINVAL, ENOENT (no queue), EEXIST (task id live) or ENOMEM
 */
int router_task_enqueue(struct router *r, const char *queue_id,
			const struct task *tk, uint64_t now,
			enum router_result *res)
{
	bool refuse;
	struct rqueue *q;
	int err = 0;

	if (!r || !queue_id || !tk || !res || !task_valid(tk))
		return EINVAL;
	ROUTER_ENTER(r);

	q = rqueue_find(r, queue_id);
	if (!q)
		return ENOENT;
	if (rtask_find(r, tk->id))
		return EEXIST;

	refuse = !q->q.join_empty && !q->nlogged;
	if (!refuse)
		err = task_create(r, q, tk, now);
	if (err)
		return err;

	rqueue_stats_today(q, now)->offered++;
	if (refuse)
		rqueue_stats_today(q, now)->overflowed++;
	else
		rqueue_mark(q);
	rqueue_stats_mark(q);
	*res = refuse ? ROUTER_OVERFLOW : ROUTER_QUEUED;

	router_debug_after(r);
	return 0;
}


/**
 * The waiting task t leaves its queue without an agent: its offers end
 * with why (offer_end + agent_action DECLINE), it is counted overflowed,
 * fx.overflow is called and the router forgets it.
 */
void rtask_overflow(struct rtask *t, enum router_reason why, uint64_t now)
{
	struct rqueue *q = t->q;

	rtask_end_offers(t, why, now);
	rqueue_stats_today(q, now)->overflowed++;
	rqueue_stats_mark(q);
	memo_put(t, q->q.wrap_up_s > t->wrap_s ? q->q.wrap_up_s : t->wrap_s,
		 now);
	waitq_remove(t);
	effect_overflow(t->r, t, why);
	mem_deref(t);
}


/** Every waiting task of q overflows with why. */
void rqueue_overflow_all(struct rqueue *q, enum router_reason why,
			 uint64_t now)
{
	struct rtask *t;

	while ((t = waitq_first_any(q)))
		rtask_overflow(t, why, now);
}


/** A logged-in member of q logged out or left: with leave_empty, the
 *  last one leaving overflows the waiting tasks (ROUTER_EMPTY). */
void rqueue_logged_dec(struct rqueue *q, uint64_t now)
{
	if (q->nlogged)
		q->nlogged--;
	rqueue_stats_mark(q);

	if (!q->nlogged && q->q.leave_empty && !q->dying)
		rqueue_overflow_all(q, ROUTER_EMPTY, now);
}


/**
 * The accepted task t ended: its agent (if still known) goes to wrap-up
 * for the longest wrap_up_s of the queues t went through (its queue's
 * setting when accepted and now, and those of queues it overflowed from
 * within MEMO_TTL_S), or straight back to idle when 0; the router
 * forgets t.
 * @return 0
 */
int rtask_done(struct rtask *t, uint64_t now)
{
	struct ragent *a = t->agent;
	enum agent_channel ch = t->t.channel;
	const struct rqueue *q;
	uint32_t wrap = t->wrap_s;
	uint64_t talk;

	if (a) {
		q = rqueue_find(t->r, t->queue_id);
		if (q && q->q.wrap_up_s > wrap)
			wrap = q->q.wrap_up_s;
		talk = now > t->accept_ms ? now - t->accept_ms : 0;

		a->chv[ch].task = NULL;
		t->agent = NULL;
		wrapup_start(a, ch, wrap, talk, t->queue_id, now);
	}

	mem_deref(t);
	return 0;
}


/**
 * The task is gone (the caller hung up). Waiting: its offers end
 * (ROUTER_ABANDONED, agent_action DECLINE each) and it counts as
 * abandoned with its wait. Accepted: as router_task_done().
 *
 * @return 0, EINVAL or ENOENT
 */
int router_task_remove(struct router *r, const char *task_id, uint64_t now)
{
	struct rstats *st;
	struct rqueue *q;
	struct rtask *t;

	if (!r || !task_id)
		return EINVAL;
	ROUTER_ENTER(r);

	t = rtask_find(r, task_id);
	if (!t)
		return ENOENT;

	if (t->accepted) {
		rtask_done(t, now);
		router_debug_after(r);
		return 0;
	}

	q = t->q;
	rtask_end_offers(t, ROUTER_ABANDONED, now);
	st = rqueue_stats_today(q, now);
	st->abandoned++;
	st->abandon_wait_ms += now > t->enq_ms ? now - t->enq_ms : 0;
	rqueue_stats_mark(q);
	mem_deref(t);

	router_debug_after(r);
	return 0;
}


/**
 * The accepted task ended: wrap-up (see rtask_done).
 * @return 0, EINVAL, or ENOENT (unknown, or still waiting)
 */
int router_task_done(struct router *r, const char *task_id, uint64_t now)
{
	struct rtask *t;

	if (!r || !task_id)
		return EINVAL;
	ROUTER_ENTER(r);

	t = rtask_find(r, task_id);
	if (!t || !t->accepted)
		return ENOENT;

	rtask_done(t, now);

	router_debug_after(r);
	return 0;
}

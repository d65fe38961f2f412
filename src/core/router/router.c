/** @file core/router/router.c  The router object: tables, lookups, marks,
 *  the effects gate and names (no I/O) */
#include <errno.h>
#include <string.h>
#include "router.h"

/* Hash buckets (libre hashes do not grow): sized for the benchmark's
 * 10,000 agents and 50,000 waiting tasks at a few entries per bucket */
enum {
	QUEUE_BUCKETS = 256,
	AGENT_BUCKETS = 4096,
	TASK_BUCKETS  = 16384,
	OFFER_BUCKETS = 4096,
	MEMO_BUCKETS  = 256,
};

static const char *reason_names[ROUTER_REASON_COUNT] = {
	[ROUTER_ACCEPTED]  = "accepted",
	[ROUTER_DECLINED]  = "declined",
	[ROUTER_TIMEOUT]   = "timeout",
	[ROUTER_FAILED]    = "failed",
	[ROUTER_TAKEN]     = "taken",
	[ROUTER_ABANDONED] = "abandoned",
	[ROUTER_MAX_WAIT]  = "max_wait",
	[ROUTER_EMPTY]     = "empty",
	[ROUTER_REMOVED]   = "removed",
};

static const char *state_names[ROUTER_AG_COUNT] = {
	[ROUTER_AG_LOGGED_OUT] = "logged_out",
	[ROUTER_AG_NOT_READY]  = "not_ready",
	[ROUTER_AG_IDLE]       = "idle",
	[ROUTER_AG_OFFERED]    = "offered",
	[ROUTER_AG_BUSY]       = "busy",
	[ROUTER_AG_WRAP_UP]    = "wrap_up",
};


/* Tasks go first (they own the offers, which point at agents), then the
 * agents, then the queues (which own the memberships and bands). No
 * destructor calls an effect. */
static void destructor(void *arg)
{
	struct router *r = arg;

	hash_flush(r->taskh);
	hash_flush(r->memoh);
	hash_flush(r->agenth);
	list_flush(&r->queuel);
	list_clear(&r->markl);
	list_clear(&r->statl);
	mem_deref(r->taskh);
	mem_deref(r->agenth);
	mem_deref(r->queueh);
	mem_deref(r->offerh);
	mem_deref(r->memoh);
	mem_deref(r->qheap);
	mem_deref(r->candv);
	deadline_heap_free(&r->dl);
}


/**
 * Create a router. fx is copied; its handlers may be NULL (a NULL offer
 * handler accepts every offer). seed drives the random strategy: the same
 * seed and inputs give the same decisions.
 *
 * @return 0, EINVAL (rp or fx NULL) or ENOMEM
 */
int router_alloc(struct router **rp, const struct router_effects *fx,
		 uint64_t seed)
{
	struct router *r;
	int err;

	if (!rp || !fx)
		return EINVAL;

	r = mem_zalloc(sizeof(*r), destructor);
	if (!r)
		return ENOMEM;

	r->fx  = *fx;
	r->rng = seed ^ 0x9e3779b97f4a7c15ULL;

	err = hash_alloc(&r->queueh, QUEUE_BUCKETS);
	if (!err)
		err = hash_alloc(&r->agenth, AGENT_BUCKETS);
	if (!err)
		err = hash_alloc(&r->taskh, TASK_BUCKETS);
	if (!err)
		err = hash_alloc(&r->offerh, OFFER_BUCKETS);
	if (!err)
		err = hash_alloc(&r->memoh, MEMO_BUCKETS);
	if (err)
		goto out;

	*rp = r;

 out:
	if (err)
		mem_deref(r);

	return err;
}


/** Hash key of a numeric id (ids are mostly sequential: low bits vary). */
uint32_t id_hash(uint64_t v)
{
	return (uint32_t)(v ^ (v >> 32));
}


static bool queue_cmp(struct le *le, void *arg)
{
	const struct rqueue *q = le->data;

	return !strcmp(q->q.id, arg);
}


static bool agent_cmp(struct le *le, void *arg)
{
	const struct ragent *a = le->data;

	return a->id == *(const uint64_t *)arg;
}


static bool task_cmp(struct le *le, void *arg)
{
	const struct rtask *t = le->data;

	return !strcmp(t->t.id, arg);
}


static bool offer_cmp(struct le *le, void *arg)
{
	const struct roffer *o = le->data;

	return o->id == *(const uint64_t *)arg;
}


struct rqueue *rqueue_find(const struct router *r, const char *id)
{
	return list_ledata(hash_lookup(r->queueh, hash_joaat_str(id),
				       queue_cmp, (void *)id));
}


struct ragent *ragent_find(const struct router *r, uint64_t id)
{
	return list_ledata(hash_lookup(r->agenth, id_hash(id), agent_cmp,
				       &id));
}


struct rtask *rtask_find(const struct router *r, const char *id)
{
	return list_ledata(hash_lookup(r->taskh, hash_joaat_str(id),
				       task_cmp, (void *)id));
}


struct roffer *roffer_find(const struct router *r, uint64_t id)
{
	return list_ledata(hash_lookup(r->offerh, id_hash(id), offer_cmp,
				       &id));
}


/** a's membership of q, or NULL. O(queues of the agent). */
struct rmember *member_find(const struct ragent *a, const struct rqueue *q)
{
	struct le *le;

	LIST_FOREACH(&a->memberl, le) {
		struct rmember *m = le->data;

		if (m->q == q)
			return m;
	}

	return NULL;
}


/** Ask the next drain to look at q. */
void rqueue_mark(struct rqueue *q)
{
	if (q->dying || list_contains(&q->r->markl, &q->mle))
		return;

	list_append(&q->r->markl, &q->mle, q);
}


/** q's statistics changed: call stats_dirty once until the next take. */
void rqueue_stats_mark(struct rqueue *q)
{
	struct router *r = q->r;

	if (q->dying)
		return;
	if (!list_contains(&r->statl, &q->sle))
		list_append(&r->statl, &q->sle, q);
	if (r->stats_signalled || !r->fx.stats_dirty)
		return;

	r->stats_signalled = true;
	r->in_fx++;
	r->fx.stats_dirty(r->fx.ctx);
	r->in_fx--;
}


void ragent_mark_queues(struct ragent *a)
{
	struct le *le;

	if (a->dying)
		return;

	LIST_FOREACH(&a->memberl, le) {
		struct rmember *m = le->data;

		rqueue_mark(m->q);
	}
}


void ragent_stats_mark(struct ragent *a)
{
	struct le *le;

	LIST_FOREACH(&a->memberl, le) {
		struct rmember *m = le->data;

		rqueue_stats_mark(m->q);
	}
}


/** splitmix64: small, fast, and the same sequence for the same seed. */
uint64_t rng_next(struct router *r)
{
	uint64_t z = (r->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;

	return z ^ (z >> 31);
}


/* ---- effects: one gate each, with the re-entry guard up ---- */

static void offer_fill(const struct roffer *o, struct router_offer *ro)
{
	memset(ro, 0, sizeof(*ro));
	ro->id         = o->id;
	ro->version    = o->version;
	ro->task_id    = o->t->t.id;
	ro->queue_id   = o->t->queue_id;
	ro->agent_id   = o->a ? o->a->id : 0;
	ro->channel    = o->ch;
	ro->expires_ms = o->expires;
}


int effect_offer(struct router *r, const struct roffer *o)
{
	struct router_offer ro;
	int err;

	if (!r->fx.offer)
		return 0;

	offer_fill(o, &ro);
	r->in_fx++;
	err = r->fx.offer(r->fx.ctx, &ro);
	r->in_fx--;

	return err;
}


void effect_offer_end(struct router *r, const struct roffer *o,
		      enum router_reason why)
{
	struct router_offer ro;

	if (!r->fx.offer_end)
		return;

	offer_fill(o, &ro);
	r->in_fx++;
	r->fx.offer_end(r->fx.ctx, &ro, why);
	r->in_fx--;
}


void effect_overflow(struct router *r, const struct rtask *t,
		     enum router_reason why)
{
	if (!r->fx.overflow)
		return;

	r->in_fx++;
	r->fx.overflow(r->fx.ctx, t->t.id, t->queue_id, why);
	r->in_fx--;
}


void effect_action(struct router *r, const struct ragent *a,
		   enum agent_action act, enum agent_channel ch,
		   const char *reason)
{
	if (!r->fx.agent_action || a->dying)
		return;

	r->in_fx++;
	r->fx.agent_action(r->fx.ctx, a->id, act, ch, reason);
	r->in_fx--;
}


void effect_corrected(struct router *r, uint64_t agent_id, const char *what)
{
	if (!r->fx.corrected)
		return;

	r->in_fx++;
	r->fx.corrected(r->fx.ctx, agent_id, what);
	r->in_fx--;
}


/* ---- small public getters ---- */

/** The earliest time router_drain() has something to do; 0 = none (a
 *  deadline at time 0 reads as 1). */
uint64_t router_next_deadline(const struct router *r)
{
	const struct deadline *d;

	if (!r)
		return 0;

	d = deadline_top(&r->dl);
	if (!d)
		return 0;

	return d->at ? d->at : 1;
}


/**
 * A live offer as the effects saw it (pointers valid until the next
 * router call). 0, EINVAL, or ENOENT (not live: never made, ended or
 * accepted).
 */
int router_offer_get(const struct router *r, uint64_t offer_id,
		     struct router_offer *o)
{
	const struct roffer *ro;

	if (!r || !o)
		return EINVAL;

	ro = roffer_find(r, offer_id);
	if (!ro)
		return ENOENT;

	offer_fill(ro, o);
	return 0;
}


const char *router_reason_name(enum router_reason why)
{
	return (unsigned)why < ROUTER_REASON_COUNT ? reason_names[why] : "?";
}


const char *router_agent_state_name(enum router_agent_state s)
{
	return (unsigned)s < ROUTER_AG_COUNT ? state_names[s] : "?";
}


/* ---- debug ---- */

/** Tests: check every invariant after each public mutator. */
void router_debug_set(struct router *r, bool on)
{
	if (r)
		r->debug = on;
}


const char *router_debug_fail(const struct router *r)
{
	return r ? r->debug_fail : "";
}


#ifdef RH_DEBUG
/** End of a public mutator: the full check when debugging is on. */
void router_debug_after(struct router *r)
{
	char why[sizeof(r->debug_fail)];

	if (!r->debug || r->debug_fail[0])
		return;

	if (router_check(r, why, sizeof(why)))
		str_ncpy(r->debug_fail, why, sizeof(r->debug_fail));
}
#endif

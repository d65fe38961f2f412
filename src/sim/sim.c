/** @file sim/sim.c  hotline-sim engine: the real router with one queue of
 *  N agents in virtual time, Poisson arrivals, exponential handle times,
 *  statistics and invariant checks
 *
 * The simulation is an adapter like src/app/acd.c, without a loop: the
 * offer effect only records the offer; after router_drain() returns, every
 * recorded offer is accepted at the same virtual instant, and the drain is
 * repeated while the accepts free agents (ring_all ends the other offers
 * of an accepted task, which frees those agents for the next task). After
 * that no agent may be idle while a call waits. A call's
 * completion calls router_task_done() (wrap-up 0: the agent is idle at
 * once) and drains again. The router sees time in whole milliseconds;
 * waits are measured in double seconds on the simulation's own clock.
 *
 * Every call's wait is also computed independently at its arrival by the
 * FIFO M/M/N recursion (Kiefer-Wolfowitz: the call starts when the
 * earliest of the N agents is free), which must give the same wait for any
 * work-conserving FIFO router whichever agent it picks.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <hotline/router.h>
#include "sim.h"

#define BASE_MS   1704067200000ULL   /* virtual t = 0: 2024-01-01T00:00Z */
#define DAY_MS    86400000ULL
#define QID       "sim"
#define REF_EPS_S 1e-6               /* reference wait tolerance */

enum ag_state { AG_IDLE = 0, AG_OFFERED, AG_BUSY };

struct pending {            /* an offer recorded during a drain */
	uint64_t id;
	uint64_t call;
	uint32_t agent;
};

struct sim {
	const struct sim_params *p;   /* borrowed */
	struct sim_result *res;       /* borrowed */
	struct router *r;             /* owned (mem) */
	struct sim_rng arr, hdl;
	double t;                     /* virtual seconds */
	uint64_t now_ms;              /* the router's clock */
	struct sim_ring ring;
	struct sim_heap comp;
	double *ref;                  /* owned: min-heap of N free times */
	uint8_t *agst;                /* owned: enum ag_state per agent */
	uint32_t idle, busy;
	uint64_t waiting, answered;
	struct pending *offv;         /* owned */
	size_t offc, offcap;
	uint64_t bsize;
	double last_t;                /* occupancy integration */
	bool window;
	uint64_t day;                 /* per-day router statistics check */
	uint64_t d_offered, d_answered, d_within, d_wait_ms;
	uint64_t sl_ms;
	bool sl_whole;                /* threshold in whole seconds */
};


static void task_name(char *buf, size_t sz, uint64_t call)
{
	snprintf(buf, sz, "c%" PRIu64, call);
}


static bool task_call(const char *id, uint64_t *call)
{
	char *end;

	if (!id || id[0] != 'c')
		return false;
	errno = 0;
	*call = strtoull(id + 1, &end, 10);

	return !errno && end != id + 1 && !*end;
}


/* The router's statistics of the day that is ending, against the
 * same figures counted from the events of that day */
static void day_check(struct sim *s)
{
	struct sim_rstats *rs = &s->res->rs;
	struct router_queue_stats st;
	uint64_t asa = 0;
	bool ok;

	if (!s->d_offered && !s->d_answered)
		return;
	if (router_queue_stats(s->r, QID, s->now_ms, &st)) {
		s->res->chk.errors++;
		return;
	}

	rs->days++;
	rs->offered += st.offered;
	rs->answered += st.answered;
	rs->within += st.answered_within;
	rs->wait_ms_sum += (double)st.asa_ms * st.answered;

	if (s->d_answered)
		asa = s->d_wait_ms / s->d_answered;
	ok = st.offered == s->d_offered && st.answered == s->d_answered &&
	     (st.asa_ms >= asa ? st.asa_ms - asa : asa - st.asa_ms) <= 1 &&
	     (!s->sl_whole || st.answered_within == s->d_within);
	if (ok)
		return;

	if (!rs->mismatched_days++) {
		snprintf(rs->first_mismatch, sizeof(rs->first_mismatch),
			 "day %" PRIu64 ": router offered %u answered %u "
			 "within %u asa %" PRIu64 " ms; events %" PRIu64
			 " %" PRIu64 " %" PRIu64 " %" PRIu64 " ms",
			 s->day, st.offered, st.answered, st.answered_within,
			 st.asa_ms, s->d_offered, s->d_answered, s->d_within,
			 asa);
	}
}


/* Move the clock to t (router time ms, never backwards): integrate the
 * busy agents over the measured window and close a UTC day if one ends */
static void clock_set(struct sim *s, double t, uint64_t ms)
{
	if (ms < s->now_ms)
		ms = s->now_ms;
	if (s->window)
		s->res->busy_area += (double)s->busy * (t - s->last_t);
	s->last_t = t;

	if (ms / DAY_MS != s->day) {
		day_check(s);
		s->day = ms / DAY_MS;
		s->d_offered = s->d_answered = s->d_within = s->d_wait_ms = 0;
	}

	s->t = t;
	s->now_ms = ms;
}


static uint64_t clock_ms(double t)
{
	return BASE_MS + (uint64_t)(t * 1000.0);
}


static int fx_offer(void *ctx, const struct router_offer *o)
{
	struct sim *s = ctx;
	struct pending *pe;
	uint64_t call;
	uint32_t ag;

	if (!task_call(o->task_id, &call) || !sim_ring_live(&s->ring, call) ||
	    o->agent_id < 1 || o->agent_id > s->p->agents ||
	    s->agst[o->agent_id - 1] != AG_IDLE) {
		s->res->chk.bad_offer++;
		return EBUSY;
	}

	if (s->offc == s->offcap) {
		size_t cap = s->offcap ? s->offcap * 2 : 16;
		struct pending *v = realloc(s->offv, cap * sizeof(*v));

		if (!v)
			return ENOMEM;
		s->offv = v;
		s->offcap = cap;
	}

	ag = (uint32_t)(o->agent_id - 1);
	s->agst[ag] = AG_OFFERED;
	s->idle--;
	pe = &s->offv[s->offc++];
	pe->id = o->id;
	pe->call = call;
	pe->agent = ag;
	s->res->chk.offers++;

	return 0;
}


static void fx_offer_end(void *ctx, const struct router_offer *o,
			 enum router_reason why)
{
	struct sim *s = ctx;
	uint64_t a = o->agent_id;

	(void)why;
	s->res->chk.offer_ends++;
	if (a >= 1 && a <= s->p->agents && s->agst[a - 1] == AG_OFFERED) {
		s->agst[a - 1] = AG_IDLE;
		s->idle++;
	}
}


static void fx_overflow(void *ctx, const char *task_id, const char *queue_id,
			enum router_reason why)
{
	struct sim *s = ctx;

	(void)task_id;
	(void)queue_id;
	(void)why;
	s->res->chk.overflow++;
}



static void fx_corrected(void *ctx, uint64_t agent_id, const char *what)
{
	struct sim *s = ctx;

	(void)agent_id;
	(void)what;
	s->res->chk.corrected++;
}


/* Figures of one answered call that is past the warm-up */
static void measure(struct sim *s, uint64_t call, double wait, double handle)
{
	const struct sim_params *p = s->p;
	struct sim_result *res = s->res;
	uint64_t b = (call - p->warmup) / s->bsize;
	struct sim_batch *bt;

	if (b >= res->batchc)
		b = res->batchc - 1;
	bt = &res->batchv[b];

	res->measured++;
	bt->n++;
	if (wait > 0) {
		res->waited++;
		bt->waited++;
	}
	if (wait <= p->sl_threshold_s) {
		res->within++;
		bt->within++;
	}
	res->wait_sum += wait;
	bt->wait_sum += wait;
	if (wait > res->wait_max)
		res->wait_max = wait;
	res->handle_sum += handle;
}


/* The agent took the call at s->t: check it against the reference and
 * FIFO order, count it, schedule its end */
static int answer(struct sim *s, uint64_t call, uint32_t ag)
{
	struct sim_checks *chk = &s->res->chk;
	struct sim_slot *sl;
	struct sim_event ev;
	double wait, diff;
	uint64_t wait_ms;

	/* accepted twice, or an agent whose offer had ended */
	if (!sim_ring_live(&s->ring, call) || s->agst[ag] != AG_OFFERED) {
		chk->bad_accept++;
		return 0;
	}

	sl = sim_ring_at(&s->ring, call);
	ev = (struct sim_event){ s->t + sl->handle, call, ag };
	wait = s->t - sl->arrive;
	diff = fabs(wait - sl->ref_wait);
	wait_ms = s->now_ms - clock_ms(sl->arrive);

	if (call != s->ring.lo)
		chk->fifo++;
	if (diff > REF_EPS_S)
		chk->ref_mismatch++;
	if (diff > chk->ref_max_diff_s)
		chk->ref_max_diff_s = diff;

	s->agst[ag] = AG_BUSY;
	s->busy++;
	s->waiting--;
	s->answered++;
	s->d_answered++;
	s->d_wait_ms += wait_ms;
	if (wait_ms <= s->sl_ms)
		s->d_within++;
	if (call >= s->p->warmup)
		measure(s, call, wait, sl->handle);

	sim_ring_answer(&s->ring, call);

	return sim_heap_push(&s->comp, &ev);
}


/* Drain, accept every offer made; drain again while accepting freed
 * agents (ring_all: the task's other offers end), until nothing is
 * offered. Bounded: each round answers at least one call or stops. */
static int settle(struct sim *s)
{
	struct sim_checks *chk = &s->res->chk;
	uint64_t dl;
	int err = 0;

	for (uint32_t round = 0; ; round++) {
		uint64_t ends = chk->offer_ends + chk->stale_accepts;

		if (round > s->p->agents + 2) {
			chk->unsettled++;
			break;
		}
		s->offc = 0;
		(void)router_drain(s->r, s->now_ms);
		chk->drains++;
		if (!s->offc)
			break;

		for (size_t i = 0; i < s->offc; i++) {
			const struct pending *pe = &s->offv[i];
			int e = router_offer_accept(s->r, pe->id, s->now_ms);

			if (e == ESTALE) {
				chk->stale_accepts++;
				continue;
			}
			if (e) {
				chk->errors++;
				continue;
			}
			chk->accepts++;
			err = answer(s, pe->call, pe->agent);
			if (err)
				return err;
		}

		/* accepts that ended no other offer freed no agent: nothing
		 * new to offer (checked below by idle_waiting) */
		if (chk->offer_ends + chk->stale_accepts == ends)
			break;
	}

	if (s->waiting && s->idle)
		chk->idle_waiting++;
	dl = router_next_deadline(s->r);
	if (dl && dl <= s->now_ms)
		chk->stale_deadline++;

	return 0;
}


static int arrive(struct sim *s, uint64_t call)
{
	const struct sim_params *p = s->p;
	char id[TASK_ID_MAX];
	enum router_result rr;
	struct task tk;
	struct sim_slot *sl;
	int err;

	err = sim_ring_push(&s->ring, &sl);
	if (err)
		return err;
	sl->arrive = s->t;
	sl->handle = sim_rng_exp(&s->hdl, p->handle_s);
	sl->ref_wait = sim_ref_next(s->ref, p->agents, s->t, sl->handle);
	sl->answered = false;

	if (call == p->warmup) {
		s->window = true;
		s->res->window_s = -s->t;
	}
	if (call + 1 == p->calls) {
		s->window = false;
		s->res->window_s += s->t;
	}

	task_name(id, sizeof(id), call);
	task_init(&tk, id);
	err = router_task_enqueue(s->r, QID, &tk, s->now_ms, &rr);
	if (err || rr != ROUTER_QUEUED) {
		if (err)
			s->res->chk.errors++;
		else
			s->res->chk.overflow++;
		return 0;
	}
	s->waiting++;
	s->d_offered++;

	return 0;
}


static int complete(struct sim *s, const struct sim_event *ev)
{
	char id[TASK_ID_MAX];

	task_name(id, sizeof(id), ev->call);
	if (router_task_done(s->r, id, s->now_ms))
		s->res->chk.errors++;
	s->agst[ev->agent] = AG_IDLE;
	s->busy--;
	s->idle++;

	return 0;
}


static int setup_router(struct sim *s)
{
	const struct router_effects fx = {
		.offer = fx_offer,
		.offer_end = fx_offer_end,
		.overflow = fx_overflow,
		.stats_dirty = NULL,
		.corrected = fx_corrected,
		.ctx = s,
	};
	struct queue q;
	int err;

	err = router_alloc(&s->r, &fx, s->p->seed);
	if (err)
		return err;

	queue_init(&q);
	snprintf(q.id, sizeof(q.id), "%s", QID);
	snprintf(q.name, sizeof(q.name), "hotline-sim");
	q.strategy = s->p->strategy;
	q.offer_timeout_s = 300;
	q.wrap_up_s = 0;
	q.max_wait_s = 0;
	q.service_level_s = s->sl_whole ? (uint32_t)s->p->sl_threshold_s : 20;
	q.max_missed_offers = 0;
	q.join_empty = true;
	q.decline_delay_s = 0;
	err = router_queue_put(s->r, &q, s->now_ms);
	if (err)
		return err;

	for (uint32_t i = 0; i < s->p->agents; i++) {
		struct queue_member m = { .agent_id = i + 1, .tier = 1,
					  .position = i + 1 };
		struct agent a;

		agent_init(&a);
		a.id = i + 1;
		snprintf(a.name, sizeof(a.name), "agent %u", i + 1);
		snprintf(a.extension, sizeof(a.extension), "%u", 1000 + i);
		a.st.presence = AGENT_LOGGED_IN;
		a.st.availability = AGENT_READY;
		err = router_agent_put(s->r, &a, s->now_ms);
		if (err)
			return err;

		snprintf(m.queue_id, sizeof(m.queue_id), "%s", QID);
		err = router_member_put(s->r, &m, s->now_ms);
		if (err)
			return err;
	}

	return 0;
}


static int setup(struct sim *s, const struct sim_params *p,
		 struct sim_result *res)
{
	uint64_t measured = p->calls - p->warmup;

	s->p = p;
	s->res = res;
	s->now_ms = BASE_MS;
	s->day = BASE_MS / DAY_MS;
	s->idle = p->agents;
	s->sl_whole = p->sl_threshold_s >= 1 && p->sl_threshold_s <= 3600 &&
		      p->sl_threshold_s == floor(p->sl_threshold_s);
	s->sl_ms = (uint64_t)(p->sl_threshold_s * 1000.0);
	sim_rng_seed(&s->arr, p->seed, 1);
	sim_rng_seed(&s->hdl, p->seed, 2);

	res->batchc = p->batches < measured ? p->batches : (uint32_t)measured;
	s->bsize = measured / res->batchc;
	res->batchv = calloc(res->batchc, sizeof(*res->batchv));
	s->ref = calloc(p->agents, sizeof(*s->ref));
	s->agst = calloc(p->agents, sizeof(*s->agst));
	if (!res->batchv || !s->ref || !s->agst)
		return ENOMEM;

	return setup_router(s);
}


/* The event loop: the next of (arrival, completion, router deadline) */
static int run(struct sim *s)
{
	const struct sim_params *p = s->p;
	double mean_gap = 1.0 / p->arrival_rate;
	double next_arr = sim_rng_exp(&s->arr, mean_gap);
	uint64_t k = 0;
	int err = 0;

	while (!err && (k < p->calls || s->comp.n)) {
		double te = k < p->calls ? next_arr : INFINITY;
		bool comp = s->comp.n && s->comp.v[0].t < te;
		uint64_t dl = router_next_deadline(s->r);

		if (comp)
			te = s->comp.v[0].t;

		if (dl > s->now_ms && (double)(dl - BASE_MS) / 1000.0 < te) {
			clock_set(s, (double)(dl - BASE_MS) / 1000.0, dl);
			s->res->chk.deadline_drains++;
			err = settle(s);
			continue;
		}

		clock_set(s, te, clock_ms(te));
		if (comp) {
			struct sim_event ev = sim_heap_pop(&s->comp);

			err = complete(s, &ev);
		}
		else {
			err = arrive(s, k++);
			next_arr += sim_rng_exp(&s->arr, mean_gap);
		}
		if (!err)
			err = settle(s);
	}

	return err;
}


/**
 * Run one simulation of p (see struct sim_params for the ranges). On 0
 * *res holds the figures of the calls after the warm-up, the batch means
 * and the checks (free with sim_result_reset()). EINVAL: p out of range;
 * ENOMEM; or the errno of a router call that failed while configuring.
 */
int sim_run(const struct sim_params *p, struct sim_result *res)
{
	struct sim s;
	int err;

	if (!p || !res)
		return EINVAL;
	memset(res, 0, sizeof(*res));
	if (!(p->arrival_rate > 0) || !isfinite(p->arrival_rate) ||
	    !(p->handle_s > 0) || !isfinite(p->handle_s) ||
	    !p->agents || p->agents > SIM_AGENTS_MAX ||
	    !p->calls || p->calls > SIM_CALLS_MAX ||
	    p->warmup >= p->calls || !p->batches ||
	    p->batches > SIM_BATCHES_MAX ||
	    !(p->sl_threshold_s > 0) || !isfinite(p->sl_threshold_s))
		return EINVAL;

	memset(&s, 0, sizeof(s));
	err = setup(&s, p, res);
	if (!err)
		err = run(&s);
	if (!err) {
		day_check(&s);
		res->end_s = s.t;
		res->chk.unanswered = p->calls - s.answered;
	}

	mem_deref(s.r);
	free(s.ring.v);
	free(s.comp.v);
	free(s.ref);
	free(s.agst);
	free(s.offv);
	if (err)
		sim_result_reset(res);

	return err;
}


/** Free what sim_run() allocated in res. */
void sim_result_reset(struct sim_result *res)
{
	if (!res)
		return;

	free(res->batchv);
	res->batchv = NULL;
	res->batchc = 0;
}


/** Whether every invariant held: the informational counters (drains,
 *  offers, accepts, stale accepts, offer ends, deadline drains) aside. */
bool sim_checks_ok(const struct sim_checks *chk)
{
	return !chk->ref_mismatch && !chk->fifo && !chk->bad_offer &&
	       !chk->bad_accept && !chk->idle_waiting && !chk->overflow &&
	       !chk->corrected && !chk->errors && !chk->unsettled &&
	       !chk->stale_deadline && !chk->unanswered;
}

/** @file test/unit/core/router/fixture.h  A router with recorded effects
 *  for the router's unit tests (header only: every test file here is its
 *  own executable)
 *
 * Effects are recorded into F.recv. Every agent_action is also applied to
 * a shadow copy of the stored agent (F.ag[id]) with agent_apply(), as the
 * adapter does: a refused transition is a test failure (the adapter would
 * log a warning). The full invariant check (router_check) runs after
 * every router call (router_debug_set) and is asserted by the helpers.
 * Each test ends with a leak check.
 */
#ifndef TEST_ROUTER_FIXTURE_H
#define TEST_ROUTER_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "core/router/router.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FX_LSAN 1
#include <sanitizer/lsan_interface.h>
#endif
#endif

#define S  1000ULL          /* one second in ms */
#define T0 (1000000ULL * S) /* a time well inside one UTC day */
#define REC_MAX 8192
#define AG_MAX  64

enum rec_kind { R_OFFER = 0, R_END, R_OVERFLOW, R_ACTION, R_CORRECTED };

struct rec {
	enum rec_kind kind;
	uint64_t offer_id;
	uint32_t version;
	uint64_t expires;
	char task[TASK_ID_MAX];
	char queue[QUEUE_ID_MAX];
	uint64_t agent;
	enum router_reason why;
	enum agent_action act;
	enum agent_channel ch;
	char text[64];           /* not_ready reason or correction */
};

struct fixture {
	struct router *r;
	struct rec recv[REC_MAX];
	size_t n;
	uint64_t failv[8];       /* offer() fails for these agents */
	size_t failc;
	struct agent ag[AG_MAX]; /* shadow stored agents, by id */
	uint32_t bad_actions;
	char bad[160];
	uint32_t stats_dirty;
	uint64_t now;            /* time of the last helper call */
	struct memstat mem0;
	bool mem_ok;
};

static struct fixture F;

static inline struct rec *rec_new(enum rec_kind kind)
{
	struct rec *r;

	if (F.n >= REC_MAX)
		fail_msg("too many effects recorded");
	r = &F.recv[F.n++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	return r;
}

static inline void rec_offer(struct rec *r, const struct router_offer *o)
{
	r->offer_id = o->id;
	r->version = o->version;
	r->expires = o->expires_ms;
	r->agent = o->agent_id;
	r->ch = o->channel;
	snprintf(r->task, sizeof(r->task), "%s", o->task_id);
	snprintf(r->queue, sizeof(r->queue), "%s", o->queue_id);
}

static inline int fx_offer_h(void *ctx, const struct router_offer *o)
{
	struct rec *r = rec_new(R_OFFER);
	(void)ctx;

	rec_offer(r, o);
	for (size_t i = 0; i < F.failc; i++) {
		if (F.failv[i] == o->agent_id) {
			r->why = ROUTER_FAILED;
			return ECONNREFUSED;
		}
	}
	return 0;
}

static inline void fx_offer_end_h(void *ctx, const struct router_offer *o,
				  enum router_reason why)
{
	struct rec *r = rec_new(R_END);
	(void)ctx;

	rec_offer(r, o);
	r->why = why;
}

static inline void fx_overflow_h(void *ctx, const char *task_id,
				 const char *queue_id, enum router_reason why)
{
	struct rec *r = rec_new(R_OVERFLOW);
	(void)ctx;

	snprintf(r->task, sizeof(r->task), "%s", task_id);
	snprintf(r->queue, sizeof(r->queue), "%s", queue_id);
	r->why = why;
}

static inline void fx_action_h(void *ctx, uint64_t agent_id,
			       enum agent_action act, enum agent_channel ch,
			       const char *reason)
{
	struct rec *r = rec_new(R_ACTION);
	enum agent_verdict v;
	(void)ctx;

	r->agent = agent_id;
	r->act = act;
	r->ch = ch;
	snprintf(r->text, sizeof(r->text), "%s", reason ? reason : "");

	if (agent_id >= AG_MAX)
		return;
	v = agent_apply(&F.ag[agent_id].st, act, ch, reason, F.now, NULL);
	if (v != AGENT_OK && !F.bad_actions++)
		snprintf(F.bad, sizeof(F.bad), "agent %llu: %s refused: %s",
			 (unsigned long long)agent_id, agent_action_name(act),
			 agent_verdict_code(v));
}

static inline void fx_stats_h(void *ctx)
{
	(void)ctx;
	F.stats_dirty++;
}

static inline void fx_corrected_h(void *ctx, uint64_t agent_id,
				  const char *what)
{
	struct rec *r = rec_new(R_CORRECTED);
	(void)ctx;

	r->agent = agent_id;
	snprintf(r->text, sizeof(r->text), "%s", what);
}

/* After every router call: invariants held, every action was valid */
static inline void fx_ok(void)
{
	const char *why = router_debug_fail(F.r);

	if (why[0])
		fail_msg("router_check: %s", why);
	if (F.bad_actions)
		fail_msg("%u refused agent action(s), first: %s",
			 F.bad_actions, F.bad);
}

static inline void fx_open(uint64_t seed)
{
	const struct router_effects fx = {
		.offer = fx_offer_h,
		.offer_end = fx_offer_end_h,
		.overflow = fx_overflow_h,
		.agent_action = fx_action_h,
		.stats_dirty = fx_stats_h,
		.corrected = fx_corrected_h,
	};

	memset(&F, 0, sizeof(F));
	F.now = T0;
	F.mem_ok = mem_get_stat(&F.mem0) == 0;
	assert_int_equal(router_alloc(&F.r, &fx, seed), 0);
	router_debug_set(F.r, true);
}

static inline int fx_setup(void **state)
{
	(void)state;
	fx_open(1);
	return 0;
}

/* Free the router; nothing it allocated may remain */
static inline int fx_teardown(void **state)
{
	struct memstat m;
	(void)state;

	F.r = mem_deref(F.r);
	if (F.mem_ok && !mem_get_stat(&m) &&
	    m.blocks_cur != F.mem0.blocks_cur)
		fail_msg("leak: %zu blocks before, %zu after",
			 F.mem0.blocks_cur, m.blocks_cur);
#ifdef FX_LSAN
	if (__lsan_do_recoverable_leak_check())
		fail_msg("leak reported by LeakSanitizer");
#endif
	return 0;
}

/* ---- configuration ---- */

static inline void q_init(struct queue *q, const char *id,
			  enum queue_strategy s)
{
	queue_init(q);
	snprintf(q->id, sizeof(q->id), "%s", id);
	q->strategy = s;
	q->wrap_up_s = 0;
	q->tier_wait_s = 0;
	q->max_missed_offers = 0;
	q->join_empty = true;
}

static inline void q_put(const struct queue *q)
{
	assert_int_equal(router_queue_put(F.r, q, F.now), 0);
	fx_ok();
}

/* A queue with strategy s, no wrap-up, no tiers, no autopause, joinable
 * while empty */
static inline void q_add(const char *id, enum queue_strategy s)
{
	struct queue q;

	q_init(&q, id, s);
	q_put(&q);
}

static inline void ag_put(uint64_t id)
{
	assert_true(id < AG_MAX);
	F.ag[id].id = id;
	assert_int_equal(router_agent_put(F.r, &F.ag[id], F.now), 0);
	fx_ok();
}

/* Apply act to the stored agent and tell the router (as agent_ops and the
 * adapter's observer do for changes the router did not make) */
static inline void ag_do(uint64_t id, enum agent_action act,
			 const char *reason)
{
	assert_int_equal(agent_apply(&F.ag[id].st, act, AGENT_CH_VOICE,
				     reason, F.now, NULL), AGENT_OK);
	ag_put(id);
}

/* A new agent, logged in and ready at F.now */
static inline void ag_add(uint64_t id)
{
	assert_true(id > 0 && id < AG_MAX);
	agent_init(&F.ag[id]);
	F.ag[id].id = id;
	ag_put(id);
	ag_do(id, AGENT_ACTION_LOGIN, NULL);
	ag_do(id, AGENT_ACTION_READY, NULL);
}

static inline void ag_skill(uint64_t id, const char *name, uint8_t level)
{
	struct agent *a = &F.ag[id];

	snprintf(a->skillv[a->skillc].name, AGENT_SKILL_MAX, "%s", name);
	a->skillv[a->skillc++].level = level;
	ag_put(id);
}

static inline void m_put(const char *q, uint64_t agent, uint32_t tier,
			 uint32_t position)
{
	struct queue_member m;

	memset(&m, 0, sizeof(m));
	snprintf(m.queue_id, sizeof(m.queue_id), "%s", q);
	m.agent_id = agent;
	m.tier = tier;
	m.position = position;
	assert_int_equal(router_member_put(F.r, &m, F.now), 0);
	fx_ok();
}

/* ---- tasks, time ---- */

static inline enum router_result enq_task(const char *q, const struct task *t)
{
	enum router_result res = ROUTER_QUEUED;

	assert_int_equal(router_task_enqueue(F.r, q, t, F.now, &res), 0);
	fx_ok();
	return res;
}

static inline void enq_prio(const char *q, const char *id, int32_t prio)
{
	struct task t;

	task_init(&t, id);
	t.priority = prio;
	assert_int_equal(enq_task(q, &t), ROUTER_QUEUED);
}

static inline void enq(const char *q, const char *id)
{
	enq_prio(q, id, 0);
}

static inline size_t drain_at(uint64_t now)
{
	size_t n;

	F.now = now;
	n = router_drain(F.r, now);
	fx_ok();
	return n;
}

static inline size_t drain(void)
{
	return drain_at(F.now);
}

/* ---- reading the record ---- */

static inline size_t count_kind(size_t from, enum rec_kind kind)
{
	size_t n = 0;

	for (size_t i = from; i < F.n; i++)
		n += F.recv[i].kind == kind;
	return n;
}

/* The i-th (0-based) record of kind from index from, or NULL */
static inline const struct rec *nth(size_t from, enum rec_kind kind,
				    size_t i)
{
	for (size_t k = from; k < F.n; k++) {
		if (F.recv[k].kind == kind && !i--)
			return &F.recv[k];
	}
	return NULL;
}

/* The last offer made to agent (live or not), or NULL */
static inline const struct rec *last_offer(uint64_t agent)
{
	for (size_t k = F.n; k-- > 0;) {
		if (F.recv[k].kind == R_OFFER && F.recv[k].agent == agent)
			return &F.recv[k];
	}
	return NULL;
}

/* The single offer recorded since from: its agent (fails otherwise) */
static inline uint64_t only_offer(size_t from)
{
	const struct rec *o = nth(from, R_OFFER, 0);

	if (!o || count_kind(from, R_OFFER) != 1)
		fail_msg("want one offer since %zu, got %zu", from,
			 count_kind(from, R_OFFER));
	return o->agent;
}

/* Whether the record since from has action act for agent */
static inline bool has_action(size_t from, uint64_t agent,
			      enum agent_action act)
{
	for (size_t k = from; k < F.n; k++) {
		const struct rec *r = &F.recv[k];

		if (r->kind == R_ACTION && r->agent == agent && r->act == act)
			return true;
	}
	return false;
}

static inline void accept_ok(const struct rec *o)
{
	assert_non_null(o);
	assert_int_equal(router_offer_accept(F.r, o->offer_id, F.now), 0);
	fx_ok();
}

static inline void decline_ok(const struct rec *o, enum router_reason why)
{
	assert_non_null(o);
	assert_int_equal(router_offer_decline(F.r, o->offer_id, why, F.now),
			 0);
	fx_ok();
}

static inline void done_ok(const char *task)
{
	assert_int_equal(router_task_done(F.r, task, F.now), 0);
	fx_ok();
}

/* Where the router's view has agent id (voice) */
static inline enum router_agent_state ag_state(uint64_t id)
{
	const struct ragent *a = ragent_find(F.r, id);

	assert_non_null(a);
	return ragent_state(a);
}

static inline struct router_queue_stats q_stats(const char *q)
{
	struct router_queue_stats s;

	assert_int_equal(router_queue_stats(F.r, q, F.now, &s), 0);
	return s;
}

static inline struct router_task_info t_info(const char *task)
{
	struct router_task_info i;

	assert_int_equal(router_task_info(F.r, task, F.now, &i), 0);
	return i;
}

#define FX_TEST(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

#endif

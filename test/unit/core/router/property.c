/** @file test/unit/core/router/property.c  Thousands of random operations
 *  against a model of what the effects said, with every invariant checked
 *  after each one
 *
 * Checked after every operation: router_check (debug mode), every agent
 * action valid on the stored agent (fixture), the live offers the
 * effects announced are exactly the router's, no agent ever holds two
 * offers or an offer and a task, an offer goes only to a member with the
 * skills, a task is accepted at most once (a second accept is ESTALE).
 * After every drain: no waiting, non-ringing task is left that some
 * available member of its queue could take (nothing is missed).
 */
#include "fixture.h"

#define NQ      5
#define NA      14
#define NT      256      /* task slots */
#define NO      128      /* offers remembered (live or not) */
#define SKILLS  3

static const char *skill_names[SKILLS] = {"en", "fr", "vip"};

struct mtask {
	bool used;
	char id[16];
	int q;               /* queue index while waiting */
	uint64_t enq;        /* enqueued at */
	bool accepted;
	uint64_t agent;      /* when accepted; 0 if the agent was removed */
	struct task t;
};

struct moffer {
	uint64_t id;
	int task;            /* slot */
	uint64_t agent;
	bool live;
};

static struct model {
	struct mtask tv[NT];
	struct moffer ov[NO];
	size_t on;
	bool queue_on[NQ];
	bool member[NQ][NA + 1];
	uint32_t tier[NQ][NA + 1];
	struct queue qs[NQ];   /* settings */
	bool agent_on[NA + 1];
	bool seized[NA + 1];
	uint32_t next_task;
	uint64_t rng;
	size_t ops, offers, accepts, overflows;
} M;

static uint64_t rnd(void)
{
	uint64_t z = (M.rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t pick(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static const char *qname(int i)
{
	static const char *names[NQ] = {"q0", "q1", "q2", "q3", "q4"};

	return names[i];
}

static int qindex(const char *id)
{
	for (int i = 0; i < NQ; i++) {
		if (!strcmp(qname(i), id))
			return i;
	}
	fail_msg("unknown queue %s", id);
	return -1;
}

static int task_slot(const char *id)
{
	for (int i = 0; i < NT; i++) {
		if (M.tv[i].used && !strcmp(M.tv[i].id, id))
			return i;
	}
	return -1;
}

static struct moffer *offer_by_id(uint64_t id)
{
	for (size_t i = 0; i < M.on; i++) {
		if (M.ov[i].id == id)
			return &M.ov[i];
	}
	return NULL;
}

static size_t live_offers_of_agent(uint64_t agent)
{
	size_t n = 0;

	for (size_t i = 0; i < M.on; i++)
		n += M.ov[i].live && M.ov[i].agent == agent;
	return n;
}

static bool agent_has_task(uint64_t agent)
{
	for (int i = 0; i < NT; i++) {
		if (M.tv[i].used && M.tv[i].accepted &&
		    M.tv[i].agent == agent)
			return true;
	}
	return false;
}

static void offers_end_task(int slot)
{
	for (size_t i = 0; i < M.on; i++) {
		if (M.ov[i].live && M.ov[i].task == slot)
			fail_msg("task %s left with a live offer %llu",
				 M.tv[slot].id,
				 (unsigned long long)M.ov[i].id);
	}
}

/* Forget ended offers but the last few (stale accepts are still tried
 * on those); live ones are at most one per agent */
static void offers_compact(void)
{
	size_t n = 0;

	for (size_t i = 0; i < M.on; i++) {
		if (M.ov[i].live || i + 64 >= M.on)
			M.ov[n++] = M.ov[i];
	}
	M.on = n;
}

/* The offer respects tiers and the sticky wait: the sticky agent (if
 * logged in and a member) only, at any tier, while the wait runs; else
 * tier T after (T - 1) x tier_wait_s */
static void check_tier_sticky(const struct mtask *t, int q, uint64_t agent)
{
	uint64_t waited = F.now - t->enq;
	uint64_t sticky = t->t.sticky_agent;

	if (sticky && t->t.sticky_wait_s &&
	    waited < t->t.sticky_wait_s * S && sticky <= NA &&
	    M.agent_on[sticky] && M.member[q][sticky] &&
	    F.ag[sticky].st.presence == AGENT_LOGGED_IN) {
		if (agent != sticky)
			fail_msg("task %s waits for %llu, offered to %llu",
				 t->id, (unsigned long long)sticky,
				 (unsigned long long)agent);
		return;
	}

	if (waited < (M.tier[q][agent] - 1) * M.qs[q].tier_wait_s * S)
		fail_msg("task %s offered to tier %u after %llu ms", t->id,
			 M.tier[q][agent], (unsigned long long)waited);
}

/* A new offer announced by fx.offer: who may get one */
static void model_offer(const struct rec *r)
{
	int slot = task_slot(r->task);
	int q = qindex(r->queue);
	struct moffer *o;

	M.offers++;
	if (slot < 0 || M.tv[slot].accepted || M.tv[slot].q != q)
		fail_msg("offer %llu for task %s not waiting in %s",
			 (unsigned long long)r->offer_id, r->task, r->queue);
	if (!M.member[q][r->agent])
		fail_msg("offer to %llu, not a member of %s",
			 (unsigned long long)r->agent, r->queue);
	if (live_offers_of_agent(r->agent) || agent_has_task(r->agent))
		fail_msg("agent %llu offered while holding an offer or task",
			 (unsigned long long)r->agent);
	if (!task_skills_match(&M.tv[slot].t, F.ag[r->agent].skillv,
			       F.ag[r->agent].skillc, NULL))
		fail_msg("agent %llu lacks the skills of %s",
			 (unsigned long long)r->agent, r->task);
	check_tier_sticky(&M.tv[slot], q, r->agent);
	if (M.on >= NO)
		offers_compact();
	o = &M.ov[M.on++];
	o->id = r->offer_id;
	o->task = slot;
	o->agent = r->agent;
	o->live = r->why != ROUTER_FAILED;
}

static void model_end(const struct rec *r)
{
	struct moffer *o = offer_by_id(r->offer_id);

	if (!o || !o->live)
		fail_msg("offer_end for offer %llu not live",
			 (unsigned long long)r->offer_id);
	o->live = false;
}

static void model_overflow(const struct rec *r)
{
	int slot = task_slot(r->task);

	if (slot < 0 || M.tv[slot].accepted)
		fail_msg("overflow of task %s not waiting", r->task);
	offers_end_task(slot);
	M.tv[slot].used = false;
	M.overflows++;
}

/* Fold the effects of the last operation into the model */
static void model_absorb(void)
{
	for (size_t k = 0; k < F.n; k++) {
		const struct rec *r = &F.recv[k];

		switch (r->kind) {

		case R_OFFER:    model_offer(r);    break;
		case R_END:      model_end(r);      break;
		case R_OVERFLOW: model_overflow(r); break;
		default:         break;
		}
	}
	F.n = 0;
}

/* The model and the router agree on offers and tasks */
static void model_compare(void)
{
	size_t live = 0, n;

	fx_ok();

	for (size_t i = 0; i < M.on; i++) {
		const struct moffer *o = &M.ov[i];
		struct router_offer ro;
		int err = router_offer_get(F.r, o->id, &ro);

		if (!o->live) {
			if (err != ENOENT)
				fail_msg("offer %llu ended but live",
					 (unsigned long long)o->id);
			continue;
		}
		live++;
		if (err || ro.agent_id != o->agent ||
		    strcmp(ro.task_id, M.tv[o->task].id))
			fail_msg("offer %llu: model and router differ",
				 (unsigned long long)o->id);
	}
	n = F.r->noffers;
	if (n != live)
		fail_msg("%zu live offers in the router, %zu in the model", n,
			 live);

	for (int i = 0; i < NT; i++) {
		const struct mtask *t = &M.tv[i];
		struct router_task_info info;

		if (!t->used)
			continue;
		if (router_task_info(F.r, t->id, F.now, &info))
			fail_msg("task %s lost", t->id);
		if (info.accepted != t->accepted ||
		    (t->accepted && info.agent_id != t->agent))
			fail_msg("task %s: accepted %d/%d", t->id,
				 info.accepted, t->accepted);
	}
}

static void check_channel_missed(struct rqueue *q, enum agent_channel ch)
{
	for (struct rtask *t = waitq_first(q, ch); t; t = waitq_next(t)) {
		if (!list_isempty(&t->offerl))
			continue;
		if (strategy_pick(F.r, q, t, F.now))
			fail_msg("after a drain, task %s in %s could still be "
				 "offered", t->t.id, q->q.id);
	}
}

/* Nothing a drain could do is left undone */
static void check_nothing_missed(void)
{
	struct le *le;

	LIST_FOREACH(&F.r->queuel, le) {
		struct rqueue *q = le->data;

		for (int ch = 0; ch < AGENT_CH_COUNT; ch++)
			check_channel_missed(q, ch);
	}
}

/* ---- operations ---- */

static void op_enqueue(void)
{
	enum router_result res;
	struct mtask *mt = NULL;
	int q = (int)pick(NQ), slot;
	int err;

	for (slot = 0; slot < NT; slot++) {
		if (!M.tv[slot].used) {
			mt = &M.tv[slot];
			break;
		}
	}
	if (!mt)
		return;

	memset(mt, 0, sizeof(*mt));
	snprintf(mt->id, sizeof(mt->id), "p%u", ++M.next_task);
	task_init(&mt->t, mt->id);
	mt->t.priority = (int32_t)pick(3) - 1;
	if (!pick(4)) {
		snprintf(mt->t.skillv[0].name, AGENT_SKILL_MAX, "%s",
			 skill_names[pick(SKILLS)]);
		mt->t.skillv[0].min_level = (uint8_t)(1 + pick(5));
		mt->t.skillc = 1;
	}
	if (!pick(6)) {
		mt->t.sticky_agent = 1 + pick(NA + 2);   /* maybe unknown */
		mt->t.sticky_wait_s = 1 + pick(40);
	}

	err = router_task_enqueue(F.r, qname(q), &mt->t, F.now, &res);
	if (!M.queue_on[q]) {
		assert_int_equal(err, ENOENT);
		return;
	}
	assert_int_equal(err, 0);
	if (res == ROUTER_QUEUED) {
		mt->used = true;
		mt->q = q;
		mt->enq = F.now;
	}
	M.overflows += res == ROUTER_OVERFLOW;
}

static int random_task(bool accepted)
{
	int start = (int)pick(NT);

	for (int k = 0; k < NT; k++) {
		int i = (start + k) % NT;

		if (M.tv[i].used && M.tv[i].accepted == accepted)
			return i;
	}
	return -1;
}

static void op_remove(bool accepted)
{
	int slot = random_task(accepted);

	if (slot < 0)
		return;
	assert_int_equal(router_task_remove(F.r, M.tv[slot].id, F.now), 0);
	model_absorb();
	offers_end_task(slot);
	M.tv[slot].used = false;
}

static void op_done(void)
{
	int slot = random_task(true);

	if (slot < 0)
		return;
	assert_int_equal(router_task_done(F.r, M.tv[slot].id, F.now), 0);
	M.tv[slot].used = false;
}

/* Mostly a live offer, sometimes any remembered one (stale) */
static struct moffer *random_offer(void)
{
	size_t start;

	if (!M.on)
		return NULL;
	start = pick((uint32_t)M.on);
	if (pick(4)) {
		for (size_t k = 0; k < M.on; k++) {
			struct moffer *o = &M.ov[(start + k) % M.on];

			if (o->live)
				return o;
		}
	}
	return &M.ov[start];
}

/* Accept an offer: 0 exactly when the model says it is live */
static void op_accept(void)
{
	struct moffer *o = random_offer();
	int err;

	if (!o)
		return;
	err = router_offer_accept(F.r, o->id, F.now);
	if (!o->live) {
		assert_int_equal(err, ESTALE);
		return;
	}
	assert_int_equal(err, 0);
	if (M.tv[o->task].accepted)
		fail_msg("task %s accepted twice", M.tv[o->task].id);
	o->live = false;
	model_absorb();                    /* the other offers: TAKEN */
	offers_end_task(o->task);
	M.tv[o->task].accepted = true;
	M.tv[o->task].agent = o->agent;
	M.accepts++;
}

static void op_decline(void)
{
	struct moffer *o = random_offer();
	int err;

	if (!o)
		return;
	err = router_offer_decline(F.r, o->id, pick(2) ? ROUTER_DECLINED
							: ROUTER_FAILED,
				   F.now);
	assert_int_equal(err, o->live ? 0 : ESTALE);
	o->live = false;
}

static void op_agent_action(void)
{
	static const enum agent_action acts[] = {
		AGENT_ACTION_LOGIN, AGENT_ACTION_LOGOUT, AGENT_ACTION_READY,
		AGENT_ACTION_READY, AGENT_ACTION_READY, AGENT_ACTION_NOT_READY,
		AGENT_ACTION_SEIZE, AGENT_ACTION_RELEASE,
	};
	uint64_t id = 1 + pick(NA);
	enum agent_action act = acts[pick(sizeof(acts) / sizeof(acts[0]))];
	struct agent_state st = F.ag[id].st;

	if (!M.agent_on[id])
		return;
	/* a direct call ends only what a direct call started */
	if (act == AGENT_ACTION_RELEASE && !M.seized[id])
		return;
	if (agent_apply(&st, act, AGENT_CH_VOICE, pick(2) ? "lunch" : "",
			F.now, NULL) != AGENT_OK)
		return;
	F.ag[id].st = st;
	if (act == AGENT_ACTION_SEIZE)
		M.seized[id] = true;
	if (act == AGENT_ACTION_RELEASE)
		M.seized[id] = false;
	assert_int_equal(router_agent_put(F.r, &F.ag[id], F.now), 0);
}

static void op_agent_skills(void)
{
	uint64_t id = 1 + pick(NA);
	struct agent *a = &F.ag[id];

	if (!M.agent_on[id])
		return;
	a->skillc = pick(SKILLS + 1);
	for (size_t i = 0; i < a->skillc; i++) {
		snprintf(a->skillv[i].name, AGENT_SKILL_MAX, "%s",
			 skill_names[i]);
		a->skillv[i].level = (uint8_t)(1 + pick(5));
	}
	assert_int_equal(router_agent_put(F.r, a, F.now), 0);
}

static void member_add(int q, uint64_t id)
{
	M.tier[q][id] = 1 + pick(3);
	m_put(qname(q), id, M.tier[q][id], pick(5));
	M.member[q][id] = true;
}

static void op_agent_add_remove(void)
{
	uint64_t id = 1 + pick(NA);

	if (M.agent_on[id] && pick(3))
		return;                /* keep most agents around */
	if (M.agent_on[id]) {
		assert_int_equal(router_agent_remove(F.r, id, F.now), 0);
		model_absorb();
		M.agent_on[id] = false;
		M.seized[id] = false;
		for (int q = 0; q < NQ; q++)
			M.member[q][id] = false;
		for (int i = 0; i < NT; i++) {
			if (M.tv[i].used && M.tv[i].accepted &&
			    M.tv[i].agent == id)
				M.tv[i].agent = 0;
		}
		return;
	}

	agent_init(&F.ag[id]);
	F.ag[id].id = id;
	if (pick(4)) {
		F.ag[id].st.presence = AGENT_LOGGED_IN;
		F.ag[id].st.availability = pick(4) ? AGENT_READY
						   : AGENT_NOT_READY;
	}
	assert_int_equal(router_agent_put(F.r, &F.ag[id], F.now), 0);
	M.agent_on[id] = true;
	for (int q = 0; q < NQ; q++) {
		if (M.queue_on[q] && pick(2))
			member_add(q, id);
	}
}

static void op_member(void)
{
	int q = (int)pick(NQ);
	uint64_t id = 1 + pick(NA);
	struct queue_member m;
	int err;

	if (M.member[q][id] && pick(2)) {
		assert_int_equal(router_member_remove(F.r, qname(q), id,
						      F.now), 0);
		M.member[q][id] = false;
		return;
	}

	memset(&m, 0, sizeof(m));
	snprintf(m.queue_id, sizeof(m.queue_id), "%s", qname(q));
	m.agent_id = id;
	m.tier = 1 + pick(3);
	if (M.queue_on[q] && M.agent_on[id])
		M.tier[q][id] = m.tier;
	m.position = pick(5);
	err = router_member_put(F.r, &m, F.now);
	assert_int_equal(err, M.queue_on[q] && M.agent_on[id] ? 0 : ENOENT);
	if (!err)
		M.member[q][id] = true;
}

static void op_queue(void)
{
	int q = (int)pick(NQ);
	struct queue qq;

	if (M.queue_on[q] && !pick(4)) {
		assert_int_equal(router_queue_remove(F.r, qname(q), F.now), 0);
		M.queue_on[q] = false;
		for (uint64_t a = 0; a <= NA; a++)
			M.member[q][a] = false;
		return;
	}

	q_init(&qq, qname(q), (enum queue_strategy)pick(QUEUE_STRATEGY_COUNT));
	qq.offer_timeout_s = 5 + pick(20);
	qq.wrap_up_s = pick(3) ? 0 : pick(30);
	qq.max_wait_s = pick(3) ? 0 : 30 + pick(200);
	qq.tier_wait_s = pick(2) ? 0 : 5 + pick(30);
	qq.max_missed_offers = pick(4);
	qq.decline_delay_s = pick(2) ? 0 : pick(20);
	qq.join_empty = pick(3) != 0;
	qq.leave_empty = !pick(3);
	assert_int_equal(router_queue_put(F.r, &qq, F.now), 0);
	M.qs[q] = qq;
	if (!M.queue_on[q]) {
		M.queue_on[q] = true;
		for (uint64_t id = 1; id <= NA; id++) {
			if (M.agent_on[id] && pick(2))
				member_add(q, id);
		}
	}
}

static void op_wrapup(void)
{
	uint64_t id = 1 + pick(NA);
	int err;

	if (pick(2))
		err = router_wrapup_end(F.r, id, F.now);
	else
		err = router_wrapup_extend(F.r, id, 1 + pick(60), F.now);

	if (!M.agent_on[id])
		assert_int_equal(err, ENOENT);
	else
		assert_true(err == 0 || err == EALREADY);
}

static const char *dead_task;

static bool live_h(void *arg, const char *task_id)
{
	(void)arg;
	return !dead_task || strcmp(task_id, dead_task);
}

static void op_watchdog(void)
{
	int slot = random_task(true);

	dead_task = slot >= 0 ? M.tv[slot].id : NULL;
	(void)router_watchdog(F.r, F.now, live_h, NULL);
	dead_task = NULL;
	if (slot >= 0)
		M.tv[slot].used = false;
}

static void op_fail_toggle(void)
{
	F.failc = 0;
	for (uint64_t id = 1; id <= NA && F.failc < 8; id++) {
		if (!pick(5))
			F.failv[F.failc++] = id;
	}
}

static void op_read(void)
{
	struct router_queue_stats s;
	struct router_task_info info;
	int slot = random_task(pick(2));

	(void)router_queue_stats(F.r, qname((int)pick(NQ)), F.now, &s);
	if (slot >= 0)
		assert_int_equal(router_task_info(F.r, M.tv[slot].id, F.now,
						  &info), 0);
	if (!pick(8))
		router_stats_take(F.r, NULL, NULL);
}

static void op_drain(void)
{
	F.now += pick(4) ? pick(3000) : pick(40000);
	(void)router_drain(F.r, F.now);
	model_absorb();
	fx_ok();
	check_nothing_missed();
}

static void step(void)
{
	uint32_t k = pick(100);

	if (k < 16)
		op_enqueue();
	else if (k < 20)
		op_remove(false);
	else if (k < 23)
		op_remove(true);
	else if (k < 30)
		op_done();
	else if (k < 42)
		op_accept();
	else if (k < 48)
		op_decline();
	else if (k < 62)
		op_agent_action();
	else if (k < 64)
		op_agent_skills();
	else if (k < 66)
		op_agent_add_remove();
	else if (k < 71)
		op_member();
	else if (k < 73)
		op_queue();
	else if (k < 75)
		op_wrapup();
	else if (k < 76)
		op_watchdog();
	else if (k < 78)
		op_fail_toggle();
	else if (k < 80)
		op_read();
	else
		op_drain();

	model_absorb();
	model_compare();
	M.ops++;
}

static void run(uint64_t seed, size_t ops)
{
	memset(&M, 0, sizeof(M));
	M.rng = seed;
	fx_teardown(NULL);
	fx_open(seed);

	for (int q = 0; q < NQ; q++) {
		q_init(&M.qs[q], qname(q),
		       (enum queue_strategy)(q % QUEUE_STRATEGY_COUNT));
		q_put(&M.qs[q]);
		M.queue_on[q] = true;
	}
	for (uint64_t id = 1; id <= NA; id++) {
		ag_add(id);
		M.agent_on[id] = true;
		for (int q = 0; q < NQ; q++) {
			if (pick(2))
				member_add(q, id);
		}
	}
	F.n = 0;

	for (size_t i = 0; i < ops; i++)
		step();

	/* it did something: offers, answers, overflows happened */
	if (M.offers < ops / 20 || M.accepts < ops / 100)
		fail_msg("seed %llu: only %zu offers, %zu accepts in %zu ops",
			 (unsigned long long)seed, M.offers, M.accepts, ops);
}

static void test_random_operations(void **state)
{
	(void)state;

	for (uint64_t seed = 1; seed <= 8; seed++)
		run(seed, 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_random_operations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

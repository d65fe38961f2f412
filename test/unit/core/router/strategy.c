/** @file test/unit/core/router/strategy.c  Who gets the offer: every
 *  strategy's order */
#include "fixture.h"

#define NEXT_DAY ((T0 / MS_PER_DAY + 1) * MS_PER_DAY)

/* Enqueue task id in q, drain, and return the one agent offered */
static uint64_t offer_one(const char *q, const char *id)
{
	size_t from = F.n;

	enq(q, id);
	assert_int_equal(drain(), 1);
	return only_offer(from);
}

/* The agent of the last offer answers, talks 10 s and is done */
static void serve(const char *task)
{
	const struct rec *o = NULL;

	for (size_t k = F.n; k-- > 0;) {
		if (F.recv[k].kind == R_OFFER &&
		    !strcmp(F.recv[k].task, task)) {
			o = &F.recv[k];
			break;
		}
	}
	accept_ok(o);
	F.now += 10 * S;
	done_ok(task);
}

/* A task removed while ringing: its agent is idle again (no miss) */
static void abandon(const char *task)
{
	assert_int_equal(router_task_remove(F.r, task, F.now), 0);
	fx_ok();
}

static void test_ring_all(void **state)
{
	const struct rec *o1, *o2, *o3;
	size_t from;
	(void)state;

	q_add("q", QUEUE_RING_ALL);
	for (uint64_t id = 1; id <= 3; id++) {
		ag_add(id);
		m_put("q", id, 1, (uint32_t)id);
	}

	from = F.n;
	enq("q", "t1");
	assert_int_equal(drain(), 3);
	o1 = nth(from, R_OFFER, 0);
	o2 = nth(from, R_OFFER, 1);
	o3 = nth(from, R_OFFER, 2);
	assert_non_null(o3);
	assert_int_equal(o1->version, 1);
	assert_int_equal(o2->version, o1->version);
	assert_int_equal(o3->version, o1->version);
	assert_true(o1->offer_id != o2->offer_id);
	assert_true(o2->offer_id != o3->offer_id);
	assert_int_equal(o1->expires, F.now + 20 * S);
	for (uint64_t id = 1; id <= 3; id++) {
		assert_true(has_action(from, id, AGENT_ACTION_OFFER));
		assert_int_equal(ag_state(id), ROUTER_AG_OFFERED);
	}
	assert_int_equal(q_stats("q").ringing, 1);
	assert_int_equal(q_stats("q").waiting, 1);

	/* the second agent answers: the two others end TAKEN */
	from = F.n;
	accept_ok(o2);
	assert_int_equal(count_kind(from, R_END), 2);
	assert_int_equal(nth(from, R_END, 0)->why, ROUTER_TAKEN);
	assert_int_equal(nth(from, R_END, 1)->why, ROUTER_TAKEN);
	assert_true(has_action(from, 1, AGENT_ACTION_DECLINE));
	assert_true(has_action(from, 3, AGENT_ACTION_DECLINE));
	assert_true(has_action(from, 2, AGENT_ACTION_ACCEPT));
	assert_int_equal(ag_state(2), ROUTER_AG_BUSY);
	assert_int_equal(ag_state(1), ROUTER_AG_IDLE);

	/* a late answer of another ring-all leg is stale */
	assert_int_equal(router_offer_accept(F.r, o3->offer_id, F.now),
			 ESTALE);
	assert_int_equal(router_offer_accept(F.r, o2->offer_id, F.now),
			 ESTALE);
	fx_ok();
	assert_true(t_info("t1").accepted);
	assert_int_equal(t_info("t1").agent_id, 2);
}

static void test_round_robin(void **state)
{
	(void)state;

	q_add("q", QUEUE_ROUND_ROBIN);
	for (uint64_t id = 1; id <= 3; id++) {
		ag_add(id);
		m_put("q", id, 1, (uint32_t)id * 10);
	}

	/* one task per drain: the cursor is remembered across drains */
	assert_int_equal(offer_one("q", "t1"), 1);
	serve("t1");
	assert_int_equal(offer_one("q", "t2"), 2);
	serve("t2");
	assert_int_equal(offer_one("q", "t3"), 3);
	serve("t3");
	assert_int_equal(offer_one("q", "t4"), 1);

	/* agent 2 is busy (a direct call): skipped, then 3, then 1 */
	serve("t4");
	ag_do(2, AGENT_ACTION_SEIZE, NULL);
	assert_int_equal(offer_one("q", "t5"), 3);
	assert_int_equal(offer_one("q", "t6"), 1);
	ag_do(2, AGENT_ACTION_RELEASE, NULL);
	/* agent 2 is available again and next after 1 */
	assert_int_equal(offer_one("q", "t7"), 2);
}

static void test_longest_idle(void **state)
{
	(void)state;

	q_add("q", QUEUE_LONGEST_IDLE);
	for (uint64_t id = 1; id <= 3; id++) {
		ag_add(id);               /* logs in at T0 + id s */
		m_put("q", id, 1, 0);
		F.now += S;
	}

	assert_int_equal(offer_one("q", "t1"), 1);
	serve("t1");              /* 1 is idle again, since now */
	F.now += S;
	assert_int_equal(offer_one("q", "t2"), 2);

	/* a decline does not make 2 "idle since now": offered again (no
	 * decline delay), not passed to 3 */
	decline_ok(last_offer(2), ROUTER_DECLINED);
	assert_int_equal(drain(), 1);
	assert_int_equal(last_offer(2)->task[1], '2');
	assert_int_equal(F.recv[F.n - 1].kind, R_OFFER);
	assert_int_equal(F.recv[F.n - 1].agent, 2);

	/* nor does a timeout (its cooldown keeps 2 out for 1 s first) */
	F.now += 20 * S;
	assert_int_equal(drain(), 1);
	assert_int_equal(F.recv[F.n - 1].agent, 3);
	abandon("t2");
	F.now += 2 * S;
	assert_int_equal(offer_one("q", "t3"), 2);
}

static void test_least_calls(void **state)
{
	(void)state;

	q_add("q", QUEUE_LEAST_CALLS);
	ag_add(1);
	m_put("q", 1, 1, 0);
	F.now += S;
	ag_add(2);
	m_put("q", 2, 1, 0);

	/* equal calls: longest idle (1 logged in first) */
	assert_int_equal(offer_one("q", "t1"), 1);
	serve("t1");              /* 1: one call today, idle since now */
	F.now += S;
	assert_int_equal(offer_one("q", "t2"), 2);  /* 0 calls */
	serve("t2");
	F.now += S;
	assert_int_equal(offer_one("q", "t3"), 1);  /* 1 call each: 1 idler */
	serve("t3");
	F.now += S;
	/* 1 has 2 calls, 2 has 1: 2, though 1 is idle for longer */
	assert_int_equal(offer_one("q", "t4"), 2);
	abandon("t4");

	/* a new day: no calls yet; 2 finished t2 before 1 finished t3 */
	F.now = NEXT_DAY + 5 * S;
	assert_int_equal(offer_one("q", "t6"), 2);
	serve("t6");
	F.now += S;
	/* today 2 has one call, 1 none */
	assert_int_equal(offer_one("q", "t7"), 1);
}

/* least_calls, the day reset deciding: the busiest agent of yesterday is
 * the longest idle today */
static void test_least_calls_day(void **state)
{
	(void)state;

	q_add("q", QUEUE_LEAST_CALLS);
	ag_add(1);
	m_put("q", 1, 1, 0);
	assert_int_equal(offer_one("q", "t1"), 1);
	serve("t1");              /* 1: one call, idle since T0 + 10 s */
	F.now += 10 * S;
	ag_add(2);                /* 2: no call, idle since T0 + 20 s */
	m_put("q", 2, 1, 0);

	F.now += S;
	assert_int_equal(offer_one("q", "t2"), 2);   /* fewer calls */
	abandon("t2");

	F.now = NEXT_DAY + S;
	assert_int_equal(offer_one("q", "t3"), 1);   /* both 0: idle */
}

/* The random picks of n tasks, each removed after its offer */
static void random_run(uint64_t seed, uint64_t *picks, size_t n)
{
	char id[16];

	fx_teardown(NULL);
	fx_open(seed);
	q_add("q", QUEUE_RANDOM);
	for (uint64_t a = 1; a <= 4; a++) {
		ag_add(a);
		m_put("q", a, 1, 0);
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "t%zu", i);
		picks[i] = offer_one("q", id);
		abandon(id);
	}
}

static void test_random(void **state)
{
	uint64_t a[400], b[400], c[400];
	size_t hits[5] = {0};
	(void)state;

	random_run(42, a, 400);
	random_run(42, b, 400);
	random_run(43, c, 400);

	assert_memory_equal(a, b, sizeof(a));       /* same seed, same picks */
	assert_memory_not_equal(a, c, sizeof(a));   /* another seed differs */

	for (size_t i = 0; i < 400; i++)
		hits[a[i]]++;
	for (uint64_t k = 1; k <= 4; k++) {
		/* uniform: 100 expected each; far outside means broken */
		if (hits[k] < 60 || hits[k] > 140)
			fail_msg("agent %llu picked %zu times of 400",
				 (unsigned long long)k, hits[k]);
	}
}

static void test_top_down(void **state)
{
	(void)state;

	q_add("q", QUEUE_TOP_DOWN);
	ag_add(1);
	m_put("q", 1, 1, 30);
	ag_add(2);
	m_put("q", 2, 1, 10);
	ag_add(3);
	m_put("q", 3, 1, 20);
	ag_add(4);
	m_put("q", 4, 1, 10);     /* same position as 2: lower id first */

	assert_int_equal(offer_one("q", "t1"), 2);
	assert_int_equal(offer_one("q", "t2"), 4);
	assert_int_equal(offer_one("q", "t3"), 3);
	assert_int_equal(offer_one("q", "t4"), 1);

	/* 2 free again: it is first again (no rotation) */
	serve("t1");
	assert_int_equal(offer_one("q", "t5"), 2);
}

static void test_skills(void **state)
{
	struct task t;
	size_t from;
	(void)state;

	q_add("q", QUEUE_SKILLS);
	ag_add(1);
	ag_skill(1, "fr", 5);
	F.now += S;
	ag_add(2);
	ag_skill(2, "fr", 8);
	ag_skill(2, "de", 1);
	F.now += S;
	ag_add(3);
	ag_skill(3, "fr", 2);     /* below the minimum level */
	ag_add(4);
	ag_skill(4, "fr", 8);     /* ties with 2, idle for a shorter time */
	for (uint64_t id = 1; id <= 4; id++)
		m_put("q", id, 1, 0);

	task_init(&t, "t1");
	snprintf(t.skillv[0].name, AGENT_SKILL_MAX, "fr");
	t.skillv[0].min_level = 3;
	t.skillc = 1;

	/* best level first (8), then longest idle: 2 before 4 */
	from = F.n;
	assert_int_equal(enq_task("q", &t), ROUTER_QUEUED);
	assert_int_equal(drain(), 1);
	assert_int_equal(only_offer(from), 2);

	from = F.n;
	snprintf(t.id, sizeof(t.id), "t2");
	enq_task("q", &t);
	assert_int_equal(drain(), 1);
	assert_int_equal(only_offer(from), 4);

	from = F.n;
	snprintf(t.id, sizeof(t.id), "t3");
	enq_task("q", &t);
	assert_int_equal(drain(), 1);
	assert_int_equal(only_offer(from), 1);

	/* only 3 is left and lacks the level: nothing offered */
	from = F.n;
	snprintf(t.id, sizeof(t.id), "t4");
	enq_task("q", &t);
	assert_int_equal(drain(), 0);
	assert_int_equal(count_kind(from, R_OFFER), 0);

	/* a task without requirements goes to 3 */
	from = F.n;
	enq("q", "t5");
	assert_int_equal(drain(), 1);
	assert_int_equal(only_offer(from), 3);
}

/* Skills in any strategy: an agent without the skill is never offered */
static void test_skills_filter_every_strategy(void **state)
{
	(void)state;

	for (int s = 0; s < QUEUE_STRATEGY_COUNT; s++) {
		struct task t;
		char qid[8];
		size_t from;

		snprintf(qid, sizeof(qid), "q%d", s);
		q_add(qid, (enum queue_strategy)s);
		if (s == 0) {
			ag_add(1);
			ag_add(2);
			ag_skill(2, "es", 4);
		}
		m_put(qid, 1, 1, 0);
		m_put(qid, 2, 1, 1);

		task_init(&t, qid);
		snprintf(t.skillv[0].name, AGENT_SKILL_MAX, "es");
		t.skillv[0].min_level = 4;
		t.skillc = 1;
		from = F.n;
		enq_task(qid, &t);
		assert_int_equal(drain(), 1);
		assert_int_equal(only_offer(from), 2);
		abandon(qid);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_ring_all),
		FX_TEST(test_round_robin),
		FX_TEST(test_longest_idle),
		FX_TEST(test_least_calls),
		FX_TEST(test_least_calls_day),
		FX_TEST(test_random),
		FX_TEST(test_top_down),
		FX_TEST(test_skills),
		FX_TEST(test_skills_filter_every_strategy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/** @file test/unit/core/router/match.c  The drain: priorities, tiers,
 *  fairness across queues, sticky agents, deadlines */
#include "fixture.h"

/* The task of the one offer made since from */
static const char *offered_task(size_t from)
{
	(void)only_offer(from);
	return nth(from, R_OFFER, 0)->task;
}

/* Answer the last offer of task and end the task at once */
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
	done_ok(task);
}

static void test_priority_then_fifo(void **state)
{
	static const char *order[] = {"t2", "t4", "t1", "t3"};
	size_t from;
	(void)state;

	q_add("q", QUEUE_LONGEST_IDLE);
	ag_add(1);
	ag_do(1, AGENT_ACTION_NOT_READY, NULL);
	m_put("q", 1, 1, 0);

	enq_prio("q", "t1", 0);
	F.now += S;
	enq_prio("q", "t2", 5);
	F.now += S;
	enq_prio("q", "t3", 0);
	F.now += S;
	enq_prio("q", "t4", 5);
	assert_int_equal(drain(), 0);

	assert_int_equal(t_info("t2").position, 1);
	assert_int_equal(t_info("t4").position, 2);
	assert_int_equal(t_info("t1").position, 3);
	assert_int_equal(t_info("t3").position, 4);
	assert_int_equal(t_info("t1").waited_ms, 3 * S);

	ag_do(1, AGENT_ACTION_READY, NULL);
	for (size_t i = 0; i < 4; i++) {
		from = F.n;
		assert_int_equal(drain(), 1);
		assert_string_equal(offered_task(from), order[i]);
		serve(order[i]);
	}
	assert_int_equal(q_stats("q").waiting, 0);
}

/* An out-of-order enqueue time (a clock step) still sorts by time */
static void test_fifo_by_time(void **state)
{
	size_t from;
	(void)state;

	q_add("q", QUEUE_RING_ALL);
	ag_add(1);
	ag_do(1, AGENT_ACTION_NOT_READY, NULL);
	m_put("q", 1, 1, 0);

	enq("q", "late");
	F.now -= 5 * S;
	enq("q", "early");
	assert_int_equal(t_info("early").position, 1);
	assert_int_equal(t_info("late").position, 2);

	ag_do(1, AGENT_ACTION_READY, NULL);
	from = F.n;
	drain();
	assert_string_equal(offered_task(from), "early");
}

static void test_tiers(void **state)
{
	struct queue q;
	size_t from;
	(void)state;

	q_init(&q, "q", QUEUE_LONGEST_IDLE);
	q.tier_wait_s = 30;
	q.decline_delay_s = 600;
	q_put(&q);
	for (uint64_t id = 1; id <= 3; id++) {
		ag_add(id);
		m_put("q", id, (uint32_t)id, 0);   /* agent n in tier n */
	}
	ag_do(1, AGENT_ACTION_NOT_READY, NULL);

	enq("q", "t1");
	assert_int_equal(drain(), 0);
	/* tier 2 opens after 30 s: the wake-up is the next deadline */
	assert_int_equal(router_next_deadline(F.r), T0 + 30 * S);
	assert_int_equal(drain_at(T0 + 30 * S - 1), 0);

	from = F.n;
	assert_int_equal(drain_at(T0 + 30 * S), 1);
	assert_int_equal(only_offer(from), 2);
	/* the offer expires before tier 3 opens */
	assert_int_equal(router_next_deadline(F.r), T0 + 50 * S);

	/* 2 declines (and cools down 600 s): tier 3 at 60 s */
	decline_ok(last_offer(2), ROUTER_DECLINED);
	assert_int_equal(router_next_deadline(F.r), T0 + 60 * S);
	assert_int_equal(drain_at(T0 + 59 * S), 0);
	from = F.n;
	assert_int_equal(drain_at(T0 + 60 * S), 1);
	assert_int_equal(only_offer(from), 3);

	/* a tier-1 agent available takes a new task at once */
	ag_do(1, AGENT_ACTION_READY, NULL);
	from = F.n;
	enq("q", "t2");
	assert_int_equal(drain(), 1);
	assert_int_equal(only_offer(from), 1);
}

/* Tier escalation needs a higher tier to exist: no wake-up otherwise,
 * and adding a tier-2 member schedules it */
static void test_tier_wake_follows_members(void **state)
{
	struct queue q;
	(void)state;

	q_init(&q, "q", QUEUE_RING_ALL);
	q.tier_wait_s = 10;
	q_put(&q);
	ag_add(1);
	ag_do(1, AGENT_ACTION_NOT_READY, NULL);
	m_put("q", 1, 1, 0);
	enq("q", "t1");
	assert_int_equal(router_next_deadline(F.r), 0);

	ag_add(2);
	ag_do(2, AGENT_ACTION_NOT_READY, NULL);
	m_put("q", 2, 3, 0);      /* tiers 2 (10 s) and 3 (20 s) open */
	assert_int_equal(router_next_deadline(F.r), T0 + 10 * S);
	assert_int_equal(drain_at(T0 + 10 * S), 0);
	assert_int_equal(router_next_deadline(F.r), T0 + 20 * S);
	assert_int_equal(drain_at(T0 + 20 * S), 0);
	assert_int_equal(router_next_deadline(F.r), 0);   /* no tier 4 */
	ag_do(2, AGENT_ACTION_READY, NULL);
	assert_int_equal(drain(), 1);
	assert_int_equal(last_offer(2)->task[1], '1');
}

/* An agent in A and B gets the oldest, highest-priority task of both */
static void test_cross_queue_fairness(void **state)
{
	static const char *order[] = {"b2", "b1", "a1", "a2"};
	size_t from;
	(void)state;

	q_add("a", QUEUE_LONGEST_IDLE);
	q_add("b", QUEUE_ROUND_ROBIN);
	ag_add(1);
	ag_do(1, AGENT_ACTION_NOT_READY, NULL);
	m_put("a", 1, 1, 0);
	m_put("b", 1, 1, 0);

	enq("b", "b1");           /* oldest */
	F.now += S;
	enq("a", "a1");
	F.now += S;
	enq("a", "a2");
	F.now += S;
	enq_prio("b", "b2", 3);   /* newest but higher priority */
	F.now += S;

	ag_do(1, AGENT_ACTION_READY, NULL);
	for (size_t i = 0; i < 4; i++) {
		from = F.n;
		assert_int_equal(drain(), 1);
		assert_string_equal(offered_task(from), order[i]);
		serve(order[i]);
	}
}

/* Fairness with several agents: two agents free at once in A and B take
 * the two oldest tasks of both queues */
static void test_cross_queue_two_agents(void **state)
{
	size_t from;
	(void)state;

	q_add("a", QUEUE_LONGEST_IDLE);
	q_add("b", QUEUE_LONGEST_IDLE);
	for (uint64_t id = 1; id <= 2; id++) {
		ag_add(id);
		ag_do(id, AGENT_ACTION_NOT_READY, NULL);
		m_put("a", id, 1, 0);
		m_put("b", id, 1, 0);
	}
	enq("a", "a1");
	F.now += S;
	enq("b", "b1");
	F.now += S;
	enq("a", "a2");
	F.now += S;
	enq("b", "b2");

	ag_do(1, AGENT_ACTION_READY, NULL);
	ag_do(2, AGENT_ACTION_READY, NULL);
	from = F.n;
	assert_int_equal(drain(), 2);
	assert_string_equal(nth(from, R_OFFER, 0)->task, "a1");
	assert_string_equal(nth(from, R_OFFER, 1)->task, "b1");
	/* ringing tasks still count ahead */
	assert_int_equal(t_info("a2").position, 2);
	assert_int_equal(t_info("b2").position, 2);
}

static void sticky_task(struct task *t, const char *id, uint64_t agent)
{
	task_init(t, id);
	t->sticky_agent = agent;
	t->sticky_wait_s = 30;
}

static void test_sticky_waits_then_falls_back(void **state)
{
	struct task t;
	size_t from;
	(void)state;

	q_add("q", QUEUE_LONGEST_IDLE);
	ag_add(1);
	ag_add(2);
	m_put("q", 1, 1, 0);
	m_put("q", 2, 1, 0);
	ag_do(1, AGENT_ACTION_SEIZE, NULL);     /* 1 on a direct call */

	sticky_task(&t, "t1", 1);
	enq_task("q", &t);
	assert_int_equal(drain(), 0);           /* 2 is free but not 1 */
	assert_int_equal(router_next_deadline(F.r), T0 + 30 * S);

	/* a plain task behind it is not held up */
	from = F.n;
	enq("q", "t2");
	assert_int_equal(drain(), 1);
	assert_string_equal(offered_task(from), "t2");
	assert_int_equal(only_offer(from), 2);
	assert_int_equal(router_task_remove(F.r, "t2", F.now), 0);
	fx_ok();

	from = F.n;
	assert_int_equal(drain_at(T0 + 30 * S - 1), 0);
	assert_int_equal(drain_at(T0 + 30 * S), 1);
	assert_int_equal(only_offer(from), 2);
}

static void test_sticky_agent_comes_back(void **state)
{
	struct task t;
	size_t from;
	(void)state;

	q_add("q", QUEUE_LONGEST_IDLE);
	ag_add(1);
	ag_add(2);
	m_put("q", 1, 1, 0);
	m_put("q", 2, 1, 0);
	ag_do(1, AGENT_ACTION_SEIZE, NULL);

	sticky_task(&t, "t1", 1);
	enq_task("q", &t);
	assert_int_equal(drain(), 0);

	F.now += 10 * S;
	ag_do(1, AGENT_ACTION_RELEASE, NULL);
	from = F.n;
	assert_int_equal(drain(), 1);
	assert_int_equal(only_offer(from), 1);
}

/* No wait when the sticky agent cannot come: unknown, logged out, not a
 * member; and a wait ends at once when the agent logs out */
static void test_sticky_immediate_fallback(void **state)
{
	struct task t;
	size_t from;
	(void)state;

	q_add("q", QUEUE_LONGEST_IDLE);
	q_add("other", QUEUE_LONGEST_IDLE);
	ag_add(1);
	ag_add(2);
	ag_add(3);
	m_put("q", 1, 1, 0);
	m_put("other", 3, 1, 0);
	ag_do(2, AGENT_ACTION_NOT_READY, NULL);
	ag_do(2, AGENT_ACTION_LOGOUT, NULL);
	m_put("q", 2, 1, 0);

	sticky_task(&t, "unknown", 42);
	from = F.n;
	enq_task("q", &t);
	assert_int_equal(drain(), 1);
	assert_int_equal(only_offer(from), 1);
	assert_int_equal(router_task_remove(F.r, "unknown", F.now), 0);

	sticky_task(&t, "loggedout", 2);
	from = F.n;
	enq_task("q", &t);
	assert_int_equal(drain(), 1);
	assert_int_equal(only_offer(from), 1);
	assert_int_equal(router_task_remove(F.r, "loggedout", F.now), 0);

	sticky_task(&t, "notmember", 3);
	from = F.n;
	enq_task("q", &t);
	assert_int_equal(drain(), 1);
	assert_int_equal(only_offer(from), 1);
	assert_int_equal(router_task_remove(F.r, "notmember", F.now), 0);

	/* waiting for 2 (logged in, not ready); 2 logs out: fall back */
	ag_do(2, AGENT_ACTION_LOGIN, NULL);
	sticky_task(&t, "wait", 2);
	enq_task("q", &t);
	assert_int_equal(drain(), 0);
	F.now += S;
	ag_do(2, AGENT_ACTION_LOGOUT, NULL);
	from = F.n;
	assert_int_equal(drain(), 1);
	assert_int_equal(only_offer(from), 1);
}

static void test_next_deadline(void **state)
{
	struct queue q;
	(void)state;

	assert_int_equal(router_next_deadline(F.r), 0);
	assert_int_equal(router_next_deadline(NULL), 0);

	q_init(&q, "q", QUEUE_RING_ALL);
	q.max_wait_s = 100;
	q.wrap_up_s = 15;
	q_put(&q);
	ag_add(1);
	ag_do(1, AGENT_ACTION_NOT_READY, NULL);
	m_put("q", 1, 1, 0);
	assert_int_equal(router_next_deadline(F.r), 0);

	enq("q", "t1");
	assert_int_equal(router_next_deadline(F.r), T0 + 100 * S);

	F.now += 5 * S;
	ag_do(1, AGENT_ACTION_READY, NULL);
	assert_int_equal(drain(), 1);
	assert_int_equal(router_next_deadline(F.r), T0 + 25 * S);  /* ring */

	F.now += 2 * S;
	accept_ok(last_offer(1));
	assert_int_equal(router_next_deadline(F.r), 0);   /* nothing due */

	F.now += 60 * S;
	done_ok("t1");
	assert_int_equal(router_next_deadline(F.r), F.now + 15 * S);
	assert_int_equal(drain_at(F.now + 15 * S), 0);
	assert_int_equal(router_next_deadline(F.r), 0);
	assert_int_equal(ag_state(1), ROUTER_AG_IDLE);
}

/* An agent in many queues: one availability marks them all, and the
 * drain still makes exactly one offer (the best task) */
static void test_many_queues_one_agent(void **state)
{
	char id[16];
	size_t from;
	(void)state;

	ag_add(1);
	ag_do(1, AGENT_ACTION_NOT_READY, NULL);
	for (int i = 0; i < 50; i++) {
		snprintf(id, sizeof(id), "q%d", i);
		q_add(id, (enum queue_strategy)(i % QUEUE_STRATEGY_COUNT));
		m_put(id, 1, 1, 0);
		enq(id, id);
		F.now += S;
	}
	assert_int_equal(drain(), 0);

	ag_do(1, AGENT_ACTION_READY, NULL);
	from = F.n;
	assert_int_equal(drain(), 1);
	assert_string_equal(offered_task(from), "q0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_priority_then_fifo),
		FX_TEST(test_fifo_by_time),
		FX_TEST(test_tiers),
		FX_TEST(test_tier_wake_follows_members),
		FX_TEST(test_cross_queue_fairness),
		FX_TEST(test_cross_queue_two_agents),
		FX_TEST(test_sticky_waits_then_falls_back),
		FX_TEST(test_sticky_agent_comes_back),
		FX_TEST(test_sticky_immediate_fallback),
		FX_TEST(test_next_deadline),
		FX_TEST(test_many_queues_one_agent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

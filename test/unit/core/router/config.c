/** @file test/unit/core/router/config.c  Queues, agents and memberships
 *  coming and going: join/leave empty, removals, direct calls, max wait */
#include "fixture.h"

static bool has_overflow(size_t from, const char *task,
			 enum router_reason why)
{
	for (size_t k = from; k < F.n; k++) {
		const struct rec *r = &F.recv[k];

		if (r->kind == R_OVERFLOW && !strcmp(r->task, task) &&
		    r->why == why)
			return true;
	}
	return false;
}

static bool has_end(size_t from, uint64_t agent, enum router_reason why)
{
	for (size_t k = from; k < F.n; k++) {
		const struct rec *r = &F.recv[k];

		if (r->kind == R_END && r->agent == agent && r->why == why)
			return true;
	}
	return false;
}

static void test_join_empty(void **state)
{
	struct router_task_info info;
	struct router_queue_stats s;
	struct queue q;
	struct task t;
	(void)state;

	q_init(&q, "q", QUEUE_RING_ALL);
	q.join_empty = false;
	q_put(&q);

	task_init(&t, "t1");
	assert_int_equal(enq_task("q", &t), ROUTER_OVERFLOW);
	assert_int_equal(router_task_info(F.r, "t1", F.now, &info), ENOENT);
	s = q_stats("q");
	assert_int_equal(s.offered, 1);
	assert_int_equal(s.overflowed, 1);
	assert_int_equal(s.waiting, 0);

	/* a member logged in but not ready is enough to join */
	ag_add(1);
	ag_do(1, AGENT_ACTION_NOT_READY, NULL);
	m_put("q", 1, 1, 0);
	assert_int_equal(enq_task("q", &t), ROUTER_QUEUED);
	assert_int_equal(q_stats("q").waiting, 1);

	/* join_empty on: queued with nobody */
	q.join_empty = true;
	q_put(&q);
	ag_do(1, AGENT_ACTION_LOGOUT, NULL);
	task_init(&t, "t2");
	assert_int_equal(enq_task("q", &t), ROUTER_QUEUED);
}

static void test_leave_empty(void **state)
{
	struct queue q;
	size_t from;
	(void)state;

	q_init(&q, "q", QUEUE_RING_ALL);
	q.leave_empty = true;
	q_put(&q);
	for (uint64_t id = 1; id <= 3; id++) {
		ag_add(id);
		ag_do(id, AGENT_ACTION_NOT_READY, NULL);
		m_put("q", id, 1, 0);
	}
	enq("q", "t1");
	enq("q", "t2");

	from = F.n;
	ag_do(1, AGENT_ACTION_LOGOUT, NULL);
	assert_int_equal(router_member_remove(F.r, "q", 2, F.now), 0);
	fx_ok();
	assert_int_equal(count_kind(from, R_OVERFLOW), 0);
	assert_int_equal(q_stats("q").agents[ROUTER_AG_NOT_READY], 1);

	/* the last logged-in member goes (agent removed): both overflow */
	assert_int_equal(router_agent_remove(F.r, 3, F.now), 0);
	fx_ok();
	assert_int_equal(count_kind(from, R_OVERFLOW), 2);
	assert_string_equal(nth(from, R_OVERFLOW, 0)->task, "t1");
	assert_string_equal(nth(from, R_OVERFLOW, 1)->task, "t2");
	assert_int_equal(nth(from, R_OVERFLOW, 0)->why, ROUTER_EMPTY);
	assert_string_equal(nth(from, R_OVERFLOW, 0)->queue, "q");
	assert_int_equal(q_stats("q").overflowed, 2);
	assert_int_equal(q_stats("q").waiting, 0);
	/* only the memory of their wrap-ups remains, for 10 minutes */
	assert_int_equal(router_next_deadline(F.r), F.now + 600 * S);
}

/* The last member leaves while a task rings at it: the offer ends
 * (ROUTER_EMPTY, DECLINE) and the task overflows */
static void test_leave_empty_ringing(void **state)
{
	struct queue q;
	size_t from;
	(void)state;

	q_init(&q, "q", QUEUE_RING_ALL);
	q.leave_empty = true;
	q_put(&q);
	ag_add(1);
	m_put("q", 1, 1, 0);
	enq("q", "t1");
	assert_int_equal(drain(), 1);

	from = F.n;
	assert_int_equal(router_member_remove(F.r, "q", 1, F.now), 0);
	fx_ok();
	assert_true(has_end(from, 1, ROUTER_EMPTY));
	assert_true(has_action(from, 1, AGENT_ACTION_DECLINE));
	assert_true(has_overflow(from, "t1", ROUTER_EMPTY));
	assert_int_equal(ag_state(1), ROUTER_AG_IDLE);
}

static void test_queue_remove(void **state)
{
	struct router_queue_stats s;
	size_t from;
	(void)state;

	q_add("q", QUEUE_TOP_DOWN);
	q_add("other", QUEUE_TOP_DOWN);
	ag_add(1);
	ag_add(2);
	m_put("q", 1, 1, 1);
	m_put("q", 2, 1, 2);
	m_put("other", 1, 1, 1);

	enq("q", "t0");
	drain();
	accept_ok(last_offer(1));          /* 1 busy with t0 */
	enq("q", "t1");
	enq("q", "t2");
	drain();                           /* t1 rings at 2 */
	assert_string_equal(last_offer(2)->task, "t1");

	from = F.n;
	assert_int_equal(router_queue_remove(F.r, "q", F.now), 0);
	fx_ok();
	assert_true(has_end(from, 2, ROUTER_REMOVED));
	assert_true(has_action(from, 2, AGENT_ACTION_DECLINE));
	assert_true(has_overflow(from, "t1", ROUTER_REMOVED));
	assert_true(has_overflow(from, "t2", ROUTER_REMOVED));
	assert_int_equal(router_queue_stats(F.r, "q", F.now, &s), ENOENT);
	assert_int_equal(router_queue_remove(F.r, "q", F.now), ENOENT);

	/* the accepted task keeps its agent */
	assert_true(t_info("t0").accepted);
	assert_int_equal(t_info("t0").agent_id, 1);
	done_ok("t0");
	assert_int_equal(ag_state(1), ROUTER_AG_IDLE);
	assert_int_equal(q_stats("other").agents[ROUTER_AG_IDLE], 1);

	/* the same id again is a new, empty queue */
	q_add("q", QUEUE_RING_ALL);
	assert_int_equal(q_stats("q").waiting, 0);
	assert_int_equal(q_stats("q").agents[ROUTER_AG_IDLE], 0);
}

static void test_agent_remove(void **state)
{
	struct router_offer o;
	size_t from;
	uint64_t off1;
	(void)state;

	q_add("q", QUEUE_RING_ALL);
	for (uint64_t id = 1; id <= 3; id++) {
		ag_add(id);
		m_put("q", id, 1, 0);
	}
	enq("q", "t0");
	drain();
	accept_ok(last_offer(3));          /* 3 holds t0 */
	enq("q", "t1");
	drain();                           /* rings at 1 and 2 */
	off1 = last_offer(1)->offer_id;

	from = F.n;
	assert_int_equal(router_agent_remove(F.r, 1, F.now), 0);
	fx_ok();
	assert_true(has_end(from, 1, ROUTER_REMOVED));
	assert_false(has_action(from, 1, AGENT_ACTION_DECLINE));
	assert_int_equal(router_offer_get(F.r, off1, &o), ENOENT);
	assert_int_equal(q_stats("q").ringing, 1);       /* still at 2 */
	assert_int_equal(router_agent_remove(F.r, 1, F.now), ENOENT);

	/* 3 goes while holding t0: the task stays, without an agent */
	from = F.n;
	assert_int_equal(router_agent_remove(F.r, 3, F.now), 0);
	fx_ok();
	assert_true(t_info("t0").accepted);
	assert_int_equal(t_info("t0").agent_id, 0);
	done_ok("t0");
	assert_int_equal(count_kind(from, R_ACTION), 0);
	assert_int_equal(q_stats("q").agents[ROUTER_AG_OFFERED], 1);
	assert_int_equal(q_stats("q").agents[ROUTER_AG_BUSY], 0);

	/* 2 answers t1 */
	accept_ok(last_offer(2));
}

/* A direct call seizes the agent outside the router */
static void test_direct_call(void **state)
{
	size_t from;
	(void)state;

	q_add("q", QUEUE_LONGEST_IDLE);
	q_add("q2", QUEUE_LONGEST_IDLE);
	ag_add(1);
	m_put("q", 1, 1, 0);
	m_put("q2", 1, 1, 0);

	ag_do(1, AGENT_ACTION_SEIZE, NULL);
	assert_int_equal(ag_state(1), ROUTER_AG_BUSY);
	assert_int_equal(q_stats("q").agents[ROUTER_AG_BUSY], 1);
	enq("q2", "t1");
	assert_int_equal(drain(), 0);

	F.now += 30 * S;
	ag_do(1, AGENT_ACTION_RELEASE, NULL);
	from = F.n;
	assert_int_equal(drain(), 1);
	assert_int_equal(only_offer(from), 1);

	/* while the router holds the offer a stale "idle" is ignored */
	F.ag[1].st.activity[AGENT_CH_VOICE] = AGENT_IDLE;
	ag_put(1);
	assert_int_equal(ag_state(1), ROUTER_AG_OFFERED);
	F.ag[1].st.activity[AGENT_CH_VOICE] = AGENT_OFFERED;
	accept_ok(last_offer(1));
	assert_int_equal(ag_state(1), ROUTER_AG_BUSY);
}

/* Logging out while ringing cannot happen through agent_ops (offered is
 * not idle), but a not_ready agent keeps its offer: it may still answer */
static void test_not_ready_while_ringing(void **state)
{
	(void)state;

	q_add("q", QUEUE_LONGEST_IDLE);
	ag_add(1);
	m_put("q", 1, 1, 0);
	enq("q", "t1");
	drain();
	ag_do(1, AGENT_ACTION_NOT_READY, "break");
	assert_int_equal(ag_state(1), ROUTER_AG_OFFERED);
	accept_ok(last_offer(1));
	done_ok("t1");
	assert_int_equal(ag_state(1), ROUTER_AG_NOT_READY);
}

static void test_max_wait(void **state)
{
	struct queue q;
	size_t from;
	(void)state;

	q_init(&q, "q", QUEUE_RING_ALL);
	q.max_wait_s = 60;
	q_put(&q);
	ag_add(1);
	ag_do(1, AGENT_ACTION_NOT_READY, NULL);
	m_put("q", 1, 1, 0);
	enq("q", "t1");
	F.now += S;
	enq("q", "t2");
	assert_int_equal(router_next_deadline(F.r), T0 + 60 * S);

	F.now = T0 + 50 * S;
	ag_do(1, AGENT_ACTION_READY, NULL);
	assert_int_equal(drain(), 1);      /* t1 rings at 1 */

	from = F.n;
	assert_int_equal(drain_at(T0 + 60 * S), 1);
	assert_true(has_end(from, 1, ROUTER_MAX_WAIT));
	assert_true(has_action(from, 1, AGENT_ACTION_DECLINE));
	assert_true(has_overflow(from, "t1", ROUTER_MAX_WAIT));
	/* the offer ended before the overflow, and 1 takes t2 */
	assert_true(nth(from, R_END, 0) < nth(from, R_OVERFLOW, 0));
	assert_string_equal(last_offer(1)->task, "t2");
	assert_int_equal(q_stats("q").overflowed, 1);
	assert_int_equal(q_stats("q").waiting, 1);
	assert_int_equal(router_next_deadline(F.r), T0 + 61 * S);

	/* no miss for the agent: offered, not answered, but not its fault */
	assert_int_equal(ag_state(1), ROUTER_AG_OFFERED);
}

/* Changing a queue's max wait reschedules its waiting tasks */
static void test_settings_change(void **state)
{
	struct queue q;
	size_t from;
	(void)state;

	q_init(&q, "q", QUEUE_RING_ALL);
	q_put(&q);
	ag_add(1);
	ag_do(1, AGENT_ACTION_NOT_READY, NULL);
	m_put("q", 1, 1, 0);
	enq("q", "t1");
	assert_int_equal(router_next_deadline(F.r), 0);

	F.now += 30 * S;
	q.max_wait_s = 20;                 /* already passed */
	q_put(&q);
	assert_int_equal(router_next_deadline(F.r), T0 + 20 * S);
	from = F.n;
	drain();
	assert_true(has_overflow(from, "t1", ROUTER_MAX_WAIT));

	q.max_wait_s = 0;
	q_put(&q);
	enq("q", "t2");
	/* no max wait for t2: only t1's wrap-up memory is due */
	assert_int_equal(router_next_deadline(F.r), F.now + 600 * S);
}

static void test_errors(void **state)
{
	enum router_result res;
	struct queue_member m;
	struct queue q;
	struct agent a;
	struct task t;
	(void)state;

	q_init(&q, "Bad Id", QUEUE_RING_ALL);
	assert_int_equal(router_queue_put(F.r, &q, F.now), EINVAL);
	q_init(&q, "q", QUEUE_STRATEGY_COUNT);
	assert_int_equal(router_queue_put(F.r, &q, F.now), EINVAL);
	assert_int_equal(router_queue_put(NULL, &q, F.now), EINVAL);
	q_add("q", QUEUE_RING_ALL);

	agent_init(&a);
	assert_int_equal(router_agent_put(F.r, &a, F.now), EINVAL);  /* id 0 */
	a.id = 1;
	a.skillc = AGENT_SKILLS_MAX + 1;
	assert_int_equal(router_agent_put(F.r, &a, F.now), EINVAL);

	memset(&m, 0, sizeof(m));
	snprintf(m.queue_id, sizeof(m.queue_id), "q");
	m.agent_id = 1;
	assert_int_equal(router_member_put(F.r, &m, F.now), ENOENT);
	ag_add(1);
	snprintf(m.queue_id, sizeof(m.queue_id), "nope");
	assert_int_equal(router_member_put(F.r, &m, F.now), ENOENT);
	assert_int_equal(router_member_remove(F.r, "q", 1, F.now), ENOENT);
	assert_int_equal(router_member_remove(F.r, "nope", 1, F.now), ENOENT);
	assert_int_equal(router_queue_remove(F.r, "nope", F.now), ENOENT);

	task_init(&t, "t1");
	assert_int_equal(router_task_enqueue(F.r, "nope", &t, F.now, &res),
			 ENOENT);
	t.priority = TASK_PRIORITY_MAX + 1;
	assert_int_equal(router_task_enqueue(F.r, "q", &t, F.now, &res),
			 EINVAL);
	t.priority = 0;
	t.channel = AGENT_CH_COUNT;
	assert_int_equal(router_task_enqueue(F.r, "q", &t, F.now, &res),
			 EINVAL);
	task_init(&t, "");
	assert_int_equal(router_task_enqueue(F.r, "q", &t, F.now, &res),
			 EINVAL);
	task_init(&t, "t1");
	t.skillc = TASK_SKILLS_MAX + 1;
	assert_int_equal(router_task_enqueue(F.r, "q", &t, F.now, &res),
			 EINVAL);
	task_init(&t, "t1");
	assert_int_equal(router_task_enqueue(F.r, "q", &t, F.now, NULL),
			 EINVAL);
	assert_int_equal(enq_task("q", &t), ROUTER_QUEUED);
	assert_int_equal(router_task_enqueue(F.r, "q", &t, F.now, &res),
			 EEXIST);
	assert_int_equal(router_task_remove(F.r, "nope", F.now), ENOENT);
	assert_int_equal(router_task_done(F.r, "t1", F.now), ENOENT);
	assert_int_equal(router_agent_remove(F.r, 7, F.now), ENOENT);
	assert_int_equal(router_drain(NULL, F.now), 0);
	fx_ok();
}

/* Member tier and position updates apply in place */
static void test_member_update(void **state)
{
	struct queue q;
	size_t from;
	(void)state;

	q_init(&q, "q", QUEUE_TOP_DOWN);
	q.tier_wait_s = 60;
	q_put(&q);
	ag_add(1);
	ag_add(2);
	m_put("q", 1, 1, 1);
	m_put("q", 2, 1, 2);
	m_put("q", 1, 2, 1);               /* 1 moves to tier 2 */
	assert_int_equal(q_stats("q").agents[ROUTER_AG_IDLE], 2);

	from = F.n;
	enq("q", "t1");
	assert_int_equal(drain(), 1);
	assert_int_equal(only_offer(from), 2);

	m_put("q", 1, 0, 0);               /* tier 0 reads as 1 */
	from = F.n;
	enq("q", "t2");
	assert_int_equal(drain(), 1);
	assert_int_equal(only_offer(from), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_join_empty),
		FX_TEST(test_leave_empty),
		FX_TEST(test_leave_empty_ringing),
		FX_TEST(test_queue_remove),
		FX_TEST(test_agent_remove),
		FX_TEST(test_direct_call),
		FX_TEST(test_not_ready_while_ringing),
		FX_TEST(test_max_wait),
		FX_TEST(test_settings_change),
		FX_TEST(test_errors),
		FX_TEST(test_member_update),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

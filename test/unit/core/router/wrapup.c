/** @file test/unit/core/router/wrapup.c  Wrap-up: several queues, early
 *  end, extension, handle time */
#include "fixture.h"

static void queue_wrap(const char *id, uint32_t wrap)
{
	struct queue q;

	q_init(&q, id, QUEUE_LONGEST_IDLE);
	q.wrap_up_s = wrap;
	q_put(&q);
}

/* Task id in queue q offered to agent 1, answered, talked talk_s, done */
static void handle(const char *q, const char *id, uint64_t talk_s)
{
	size_t from = F.n;

	enq(q, id);
	assert_int_equal(drain(), 1);
	assert_int_equal(only_offer(from), 1);
	accept_ok(nth(from, R_OFFER, 0));
	F.now += talk_s * S;
	done_ok(id);
}

/* A in wrap-up from a long queue is not offered by a short queue */
static void test_several_queues(void **state)
{
	size_t from;
	(void)state;

	queue_wrap("long", 30);
	queue_wrap("short", 5);
	ag_add(1);
	m_put("long", 1, 1, 0);
	m_put("short", 1, 1, 0);

	from = F.n;
	handle("long", "t1", 60);
	assert_true(has_action(from, 1, AGENT_ACTION_WRAP_UP));
	assert_false(has_action(from, 1, AGENT_ACTION_RELEASE));
	assert_int_equal(ag_state(1), ROUTER_AG_WRAP_UP);
	assert_int_equal(F.ag[1].st.activity[AGENT_CH_VOICE], AGENT_WRAP_UP);
	assert_int_equal(router_next_deadline(F.r), F.now + 30 * S);

	enq("short", "t2");
	assert_int_equal(drain_at(F.now + 5 * S), 0);
	assert_int_equal(drain_at(F.now + 24 * S), 0);
	assert_int_equal(q_stats("short").agents[ROUTER_AG_WRAP_UP], 1);

	from = F.n;
	assert_int_equal(drain_at(F.now + S), 1);   /* 30 s after done */
	assert_true(has_action(from, 1, AGENT_ACTION_RELEASE));
	assert_int_equal(only_offer(from), 1);

	/* the short queue's own task: 5 s */
	accept_ok(last_offer(1));
	done_ok("t2");
	assert_int_equal(router_next_deadline(F.r), F.now + 5 * S);
}

static void test_no_wrapup(void **state)
{
	size_t from;
	(void)state;

	queue_wrap("q", 0);
	ag_add(1);
	m_put("q", 1, 1, 0);
	from = F.n;
	handle("q", "t1", 10);
	enq("q", "t2");
	assert_false(has_action(from, 1, AGENT_ACTION_WRAP_UP));
	assert_true(has_action(from, 1, AGENT_ACTION_RELEASE));
	assert_int_equal(ag_state(1), ROUTER_AG_IDLE);
	/* available at once: t2 rings at the next drain */
	from = F.n;
	assert_int_equal(drain(), 1);
	assert_string_equal(nth(from, R_OFFER, 0)->task, "t2");
	assert_int_equal(q_stats("q").aht_ms, 10 * S);
}

static void test_end_early(void **state)
{
	size_t from;
	(void)state;

	queue_wrap("q", 60);
	ag_add(1);
	ag_add(2);
	m_put("q", 1, 1, 0);
	assert_int_equal(router_wrapup_end(F.r, 1, F.now), EALREADY);
	assert_int_equal(router_wrapup_end(F.r, 99, F.now), ENOENT);

	handle("q", "t1", 20);
	enq("q", "t2");
	assert_int_equal(drain(), 0);
	F.now += 10 * S;
	from = F.n;
	assert_int_equal(router_wrapup_end(F.r, 1, F.now), 0);
	fx_ok();
	assert_true(has_action(from, 1, AGENT_ACTION_RELEASE));
	assert_int_equal(ag_state(1), ROUTER_AG_IDLE);
	assert_int_equal(router_next_deadline(F.r), 0);
	assert_int_equal(router_wrapup_end(F.r, 1, F.now), EALREADY);
	assert_int_equal(router_wrapup_extend(F.r, 1, 10, F.now), EALREADY);
	fx_ok();

	/* handle time: 20 s talk + 10 s of wrap-up actually taken */
	assert_int_equal(q_stats("q").aht_ms, 30 * S);
	from = F.n;
	assert_int_equal(drain(), 1);
	assert_int_equal(only_offer(from), 1);
}

static void test_extend(void **state)
{
	uint64_t done_at;
	(void)state;

	queue_wrap("q", 60);
	ag_add(1);
	m_put("q", 1, 1, 0);
	handle("q", "t1", 20);
	done_at = F.now;

	assert_int_equal(router_wrapup_extend(F.r, 1, 0, F.now), EINVAL);
	assert_int_equal(router_wrapup_extend(F.r, 1, 3601, F.now), EINVAL);
	assert_int_equal(router_wrapup_extend(F.r, 99, 10, F.now), ENOENT);

	assert_int_equal(router_wrapup_extend(F.r, 1, 30, F.now), 0);
	fx_ok();
	assert_int_equal(router_next_deadline(F.r), done_at + 90 * S);

	/* capped at 3600 s from now */
	assert_int_equal(router_wrapup_extend(F.r, 1, 3600, F.now), 0);
	assert_int_equal(router_wrapup_extend(F.r, 1, 3600, F.now), 0);
	fx_ok();
	assert_int_equal(router_next_deadline(F.r), done_at + 3600 * S);

	assert_int_equal(drain_at(done_at + 3600 * S - 1), 0);
	assert_int_equal(ag_state(1), ROUTER_AG_WRAP_UP);
	drain_at(done_at + 3600 * S);
	assert_int_equal(ag_state(1), ROUTER_AG_IDLE);
	assert_int_equal(q_stats("q").aht_ms, (20 + 3600) * S);
}

/* The agent chose not_ready during wrap-up: released, stays not_ready */
static void test_not_ready_during_wrapup(void **state)
{
	(void)state;

	queue_wrap("q", 30);
	ag_add(1);
	m_put("q", 1, 1, 0);
	handle("q", "t1", 5);
	ag_do(1, AGENT_ACTION_NOT_READY, "break");
	assert_int_equal(ag_state(1), ROUTER_AG_WRAP_UP);   /* router's own */
	enq("q", "t2");
	assert_int_equal(drain_at(F.now + 30 * S), 0);
	assert_int_equal(ag_state(1), ROUTER_AG_NOT_READY);
	assert_int_equal(F.ag[1].st.activity[AGENT_CH_VOICE], AGENT_IDLE);
	ag_do(1, AGENT_ACTION_READY, NULL);
	assert_int_equal(drain(), 1);
}

/* Removing an accepted task ends it like task_done (the call hung up) */
static void test_remove_accepted(void **state)
{
	size_t from;
	(void)state;

	queue_wrap("q", 15);
	ag_add(1);
	m_put("q", 1, 1, 0);
	enq("q", "t1");
	drain();
	accept_ok(last_offer(1));
	assert_int_equal(router_task_done(F.r, "t1x", F.now), ENOENT);
	F.now += 40 * S;
	from = F.n;
	assert_int_equal(router_task_remove(F.r, "t1", F.now), 0);
	fx_ok();
	assert_true(has_action(from, 1, AGENT_ACTION_WRAP_UP));
	assert_int_equal(q_stats("q").abandoned, 0);
	assert_int_equal(q_stats("q").answered, 1);
	assert_int_equal(router_task_done(F.r, "t1", F.now), ENOENT);
}

/* A wrap-up the router did not run (stored before a restart) can be
 * ended by the REST call */
static void test_end_outside_wrapup(void **state)
{
	size_t from;
	(void)state;

	queue_wrap("q", 15);
	agent_init(&F.ag[1]);
	F.ag[1].st.presence = AGENT_LOGGED_IN;
	F.ag[1].st.availability = AGENT_READY;
	F.ag[1].st.activity[AGENT_CH_VOICE] = AGENT_WRAP_UP;
	ag_put(1);
	m_put("q", 1, 1, 0);
	enq("q", "t1");
	assert_int_equal(drain(), 0);
	assert_int_equal(router_wrapup_extend(F.r, 1, 10, F.now), EALREADY);
	from = F.n;
	assert_int_equal(router_wrapup_end(F.r, 1, F.now), 0);
	fx_ok();
	assert_true(has_action(from, 1, AGENT_ACTION_RELEASE));
	assert_int_equal(drain(), 1);
}

/* Overflowed from a long wrap-up queue into a short one: the longest
 * applies; after the memory's time, only the new queue's */
static void test_wrapup_across_overflow(void **state)
{
	struct queue q;
	size_t from;
	(void)state;

	q_init(&q, "long", QUEUE_LONGEST_IDLE);
	q.wrap_up_s = 60;
	q.max_wait_s = 10;
	q_put(&q);
	queue_wrap("short", 5);
	ag_add(1);
	ag_do(1, AGENT_ACTION_NOT_READY, NULL);
	m_put("long", 1, 1, 0);
	m_put("short", 1, 1, 0);

	enq("long", "t1");
	from = F.n;
	drain_at(T0 + 10 * S);
	assert_int_equal(count_kind(from, R_OVERFLOW), 1);
	/* the adapter moves it to the overflow queue */
	enq("short", "t1");
	ag_do(1, AGENT_ACTION_READY, NULL);
	assert_int_equal(drain(), 1);
	accept_ok(last_offer(1));
	done_ok("t1");
	assert_int_equal(router_next_deadline(F.r), F.now + 60 * S);
	drain_at(F.now + 60 * S);
	assert_int_equal(ag_state(1), ROUTER_AG_IDLE);

	/* overflowed again, but back only after the router forgot it */
	ag_do(1, AGENT_ACTION_NOT_READY, NULL);
	enq("long", "t2");
	drain_at(F.now + 10 * S);
	assert_int_equal(router_next_deadline(F.r), F.now + 600 * S);
	drain_at(F.now + 600 * S);
	assert_int_equal(router_next_deadline(F.r), 0);   /* forgotten */
	enq("short", "t2");
	ag_do(1, AGENT_ACTION_READY, NULL);
	assert_int_equal(drain(), 1);
	accept_ok(last_offer(1));
	done_ok("t2");
	assert_int_equal(router_next_deadline(F.r), F.now + 5 * S);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_several_queues),
		FX_TEST(test_no_wrapup),
		FX_TEST(test_end_early),
		FX_TEST(test_extend),
		FX_TEST(test_not_ready_during_wrapup),
		FX_TEST(test_remove_accepted),
		FX_TEST(test_end_outside_wrapup),
		FX_TEST(test_wrapup_across_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

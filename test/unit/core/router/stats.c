/** @file test/unit/core/router/stats.c  Live queue statistics, the day
 *  reset, dirty marks, and task positions / estimated waits */
#include "fixture.h"

#define NEXT_DAY ((T0 / MS_PER_DAY + 1) * MS_PER_DAY)

static void queue_sl(void)
{
	struct queue q;

	q_init(&q, "q", QUEUE_LONGEST_IDLE);
	q.service_level_s = 20;
	q.wrap_up_s = 10;
	q_put(&q);
}

/* Task id waits wait_s, rings and is answered by agent, talks talk_s,
 * wraps up the queue's 10 s */
static void answered(const char *id, uint64_t agent, uint64_t wait_s,
		     uint64_t talk_s)
{
	size_t from = F.n;

	enq("q", id);
	F.now += wait_s * S;
	ag_do(agent, AGENT_ACTION_READY, NULL);
	assert_int_equal(drain(), 1);
	assert_int_equal(only_offer(from), agent);
	accept_ok(nth(from, R_OFFER, 0));
	F.now += talk_s * S;
	done_ok(id);
	drain_at(F.now + 10 * S);
	ag_do(agent, AGENT_ACTION_NOT_READY, NULL);
}

static void test_counters(void **state)
{
	struct router_queue_stats s;
	(void)state;

	queue_sl();
	ag_add(1);
	ag_do(1, AGENT_ACTION_NOT_READY, NULL);
	m_put("q", 1, 1, 0);

	s = q_stats("q");
	assert_true(s.service_level == 1.0);   /* nothing yet */
	assert_int_equal(s.asa_ms, 0);
	assert_int_equal(s.aht_ms, 0);

	answered("t1", 1, 10, 60);   /* within 20 s, handle 70 s */
	answered("t2", 1, 30, 30);   /* late, handle 40 s */
	enq("q", "t3");
	F.now += 5 * S;
	assert_int_equal(router_task_remove(F.r, "t3", F.now), 0);

	s = q_stats("q");
	assert_int_equal(s.offered, 3);
	assert_int_equal(s.answered, 2);
	assert_int_equal(s.answered_within, 1);
	assert_int_equal(s.abandoned, 1);
	assert_int_equal(s.overflowed, 0);
	assert_true(s.service_level > 0.3333 && s.service_level < 0.3334);
	assert_int_equal(s.asa_ms, 20 * S);
	assert_int_equal(s.aht_ms, 55 * S);
	assert_int_equal(s.abandoned_wait_ms, 5 * S);
	assert_int_equal(s.waiting, 0);

	/* a new UTC day: today's counters start again */
	F.now = NEXT_DAY;
	s = q_stats("q");
	assert_int_equal(s.offered, 0);
	assert_int_equal(s.answered, 0);
	assert_int_equal(s.abandoned, 0);
	assert_int_equal(s.aht_ms, 0);
	assert_true(s.service_level == 1.0);
	enq("q", "t4");
	s = q_stats("q");
	assert_int_equal(s.offered, 1);
	assert_int_equal(s.answered, 0);
	/* the last known AHT still estimates waits: 1 x 55 s / 1 member */
	assert_int_equal(t_info("t4").ewt_ms, 55 * S);
}

static void test_waiting_and_agents(void **state)
{
	struct router_queue_stats s;
	(void)state;

	q_add("q", QUEUE_RING_ALL);
	for (uint64_t id = 1; id <= 6; id++) {
		ag_add(id);
		ag_do(id, AGENT_ACTION_NOT_READY, NULL);
		m_put("q", id, 1, 0);
	}
	ag_do(1, AGENT_ACTION_LOGOUT, NULL);           /* logged_out */
	/* 2 stays not_ready */
	ag_do(3, AGENT_ACTION_READY, NULL);            /* idle, then offered */
	enq_prio("q", "old", 0);
	F.now += 10 * S;
	enq_prio("q", "urgent", 9);
	F.now += 10 * S;
	drain();                                       /* urgent rings at 3 */
	ag_do(4, AGENT_ACTION_SEIZE, NULL);            /* busy (direct) */
	ag_do(5, AGENT_ACTION_READY, NULL);
	drain();                                       /* old rings at 5 */
	accept_ok(last_offer(5));                      /* 5 busy */
	ag_do(6, AGENT_ACTION_READY, NULL);            /* idle */

	s = q_stats("q");
	assert_int_equal(s.agents[ROUTER_AG_LOGGED_OUT], 1);
	assert_int_equal(s.agents[ROUTER_AG_NOT_READY], 1);
	assert_int_equal(s.agents[ROUTER_AG_OFFERED], 1);
	assert_int_equal(s.agents[ROUTER_AG_BUSY], 2);
	assert_int_equal(s.agents[ROUTER_AG_IDLE], 1);
	assert_int_equal(s.agents[ROUTER_AG_WRAP_UP], 0);
	assert_int_equal(s.waiting, 1);
	assert_int_equal(s.ringing, 1);
	assert_int_equal(s.longest_wait_ms, 10 * S);   /* urgent's */
	assert_int_equal(s.answered, 1);
	assert_int_equal(s.asa_ms, 20 * S);
}

static void take_h(const char *queue_id, void *arg)
{
	char *seen = arg;

	strcat(seen, queue_id);
	strcat(seen, ";");
}

static void test_dirty_and_take(void **state)
{
	char seen[64] = "";
	(void)state;

	q_add("a", QUEUE_RING_ALL);
	q_add("b", QUEUE_RING_ALL);
	q_add("c", QUEUE_RING_ALL);
	assert_int_equal(F.stats_dirty, 1);     /* once until taken */
	router_stats_take(F.r, take_h, seen);
	assert_string_equal(seen, "a;b;c;");

	seen[0] = '\0';
	router_stats_take(F.r, take_h, seen);
	assert_string_equal(seen, "");          /* nothing changed */

	enq("b", "t1");
	enq("b", "t2");
	assert_int_equal(F.stats_dirty, 2);
	router_stats_take(F.r, take_h, seen);
	assert_string_equal(seen, "b;");

	/* an agent's state change dirties each of its queues */
	ag_add(1);
	m_put("a", 1, 1, 0);
	m_put("c", 1, 1, 0);
	router_stats_take(F.r, NULL, NULL);
	seen[0] = '\0';
	ag_do(1, AGENT_ACTION_NOT_READY, NULL);
	router_stats_take(F.r, take_h, seen);
	assert_string_equal(seen, "a;c;");
	assert_int_equal(F.stats_dirty, 4);

	/* a removed queue is no longer reported */
	enq("a", "t3");
	assert_int_equal(router_queue_remove(F.r, "a", F.now), 0);
	seen[0] = '\0';
	router_stats_take(F.r, take_h, seen);
	assert_string_equal(seen, "");
}

static void test_task_info(void **state)
{
	struct router_task_info i;
	(void)state;

	queue_sl();
	ag_add(1);
	ag_add(2);
	ag_do(1, AGENT_ACTION_NOT_READY, NULL);
	ag_do(2, AGENT_ACTION_NOT_READY, NULL);
	m_put("q", 1, 1, 0);
	m_put("q", 2, 1, 0);

	enq("q", "t0");
	i = t_info("t0");
	assert_int_equal(i.position, 1);
	assert_int_equal(i.ewt_ms, 0);          /* no AHT known yet */
	assert_string_equal(i.queue_id, "q");
	assert_false(i.accepted);
	assert_int_equal(router_task_remove(F.r, "t0", F.now), 0);

	answered("t1", 1, 0, 50);               /* handle 60 s */
	answered("t2", 2, 0, 40);               /* handle 50 s: AHT 55 s */

	enq("q", "a");
	F.now += S;
	enq("q", "b");
	F.now += S;
	enq_prio("q", "c", 1);
	F.now += 4 * S;

	i = t_info("b");
	assert_int_equal(i.position, 3);
	assert_int_equal(i.waited_ms, 5 * S);
	assert_int_equal(i.ewt_ms, 3 * 55 * S / 2);   /* 2 logged in */
	assert_int_equal(t_info("c").position, 1);
	assert_int_equal(t_info("a").position, 2);

	/* accepted: who took it and how long it had waited */
	ag_do(1, AGENT_ACTION_READY, NULL);
	drain();
	F.now += 3 * S;
	accept_ok(last_offer(1));
	F.now += 10 * S;
	i = t_info("c");
	assert_true(i.accepted);
	assert_int_equal(i.agent_id, 1);
	assert_int_equal(i.waited_ms, 7 * S);
	assert_int_equal(i.position, 0);
	assert_int_equal(t_info("a").position, 1);

	assert_int_equal(router_task_info(F.r, "zz", F.now, &i), ENOENT);
	assert_int_equal(router_task_info(F.r, NULL, F.now, &i), EINVAL);
}

static void test_names(void **state)
{
	(void)state;

	assert_string_equal(router_reason_name(ROUTER_TIMEOUT), "timeout");
	assert_string_equal(router_reason_name(ROUTER_MAX_WAIT), "max_wait");
	assert_string_equal(router_reason_name(ROUTER_REASON_COUNT), "?");
	for (int i = 0; i < ROUTER_REASON_COUNT; i++)
		assert_string_not_equal(router_reason_name(i), "?");
	assert_string_equal(router_agent_state_name(ROUTER_AG_WRAP_UP),
			    "wrap_up");
	assert_string_equal(router_agent_state_name(ROUTER_AG_COUNT), "?");
	for (int i = 0; i < ROUTER_AG_COUNT; i++)
		assert_string_not_equal(router_agent_state_name(i), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_counters),
		FX_TEST(test_waiting_and_agents),
		FX_TEST(test_dirty_and_take),
		FX_TEST(test_task_info),
		FX_TEST(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

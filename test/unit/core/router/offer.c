/** @file test/unit/core/router/offer.c  Offers: timeout, decline delay,
 *  failures, autopause, ring-all races, abandon while ringing */
#include "fixture.h"

/* A queue q with strategy s and the given decline delay / max misses */
static void queue_with(enum queue_strategy s, uint32_t delay,
		       uint32_t max_missed)
{
	struct queue q;

	q_init(&q, "q", s);
	q.decline_delay_s = delay;
	q.max_missed_offers = max_missed;
	q_put(&q);
}

static void agents(uint64_t n)
{
	for (uint64_t id = 1; id <= n; id++) {
		ag_add(id);
		m_put("q", id, 1, (uint32_t)id);
	}
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

/* A timed-out task keeps its place and the next agent gets it, in the
 * same drain */
static void test_timeout_next_agent(void **state)
{
	size_t from;
	(void)state;

	queue_with(QUEUE_LONGEST_IDLE, 0, 0);
	agents(2);
	ag_do(2, AGENT_ACTION_NOT_READY, NULL);
	enq("q", "t1");
	from = F.n;
	assert_int_equal(drain(), 1);
	assert_int_equal(only_offer(from), 1);
	F.now += S;
	enq("q", "t2");
	assert_int_equal(drain(), 0);

	/* t1 is not answered in 20 s; 2 gets ready just then */
	assert_int_equal(drain_at(T0 + 20 * S - 1), 0);
	F.now = T0 + 20 * S;
	ag_do(2, AGENT_ACTION_READY, NULL);
	from = F.n;
	assert_int_equal(drain_at(T0 + 20 * S), 1);
	assert_true(has_end(from, 1, ROUTER_TIMEOUT));
	assert_true(has_action(from, 1, AGENT_ACTION_DECLINE));
	/* back at its place, in front of t2, and offered to 2 now */
	assert_int_equal(only_offer(from), 2);
	assert_string_equal(nth(from, R_OFFER, 0)->task, "t1");
	assert_int_equal(t_info("t1").position, 1);
	assert_int_equal(t_info("t2").position, 2);
	assert_int_equal(nth(from, R_OFFER, 0)->version, 2);

	/* 1 cools down 1 s after a miss, then takes t2 */
	from = F.n;
	assert_int_equal(router_next_deadline(F.r), T0 + 21 * S);
	assert_int_equal(drain_at(T0 + 21 * S), 1);
	assert_int_equal(only_offer(from), 1);
	assert_string_equal(nth(from, R_OFFER, 0)->task, "t2");
}

static void test_decline_delay(void **state)
{
	size_t from;
	(void)state;

	queue_with(QUEUE_LONGEST_IDLE, 30, 0);
	agents(2);
	enq("q", "t1");
	assert_int_equal(drain(), 1);
	from = F.n;
	decline_ok(last_offer(1), ROUTER_DECLINED);
	assert_false(has_end(from, 1, ROUTER_DECLINED));  /* no offer_end */
	assert_true(has_action(from, 1, AGENT_ACTION_DECLINE));

	from = F.n;
	assert_int_equal(drain(), 1);
	assert_int_equal(only_offer(from), 2);
	decline_ok(last_offer(2), ROUTER_DECLINED);

	/* both cool down: nothing for 1 before T0 + 30 s, whatever task */
	enq("q", "t2");
	from = F.n;
	assert_int_equal(drain(), 0);
	assert_int_equal(router_next_deadline(F.r), T0 + 30 * S);
	assert_int_equal(drain_at(T0 + 30 * S - 1), 0);
	assert_int_equal(count_kind(from, R_OFFER), 0);
	/* then t1 first (its place), to 1 (idle the longest), then t2 */
	assert_int_equal(drain_at(T0 + 30 * S), 2);
	assert_string_equal(nth(from, R_OFFER, 0)->task, "t1");
	assert_int_equal(nth(from, R_OFFER, 0)->agent, 1);
	assert_string_equal(nth(from, R_OFFER, 1)->task, "t2");
	assert_int_equal(nth(from, R_OFFER, 1)->agent, 2);
}

/* No decline delay: the same agent may be offered again at once */
static void test_decline_no_delay(void **state)
{
	(void)state;

	queue_with(QUEUE_LONGEST_IDLE, 0, 2);
	agents(1);
	enq("q", "t1");
	for (int i = 0; i < 5; i++) {
		size_t from = F.n;

		assert_int_equal(drain(), 1);
		assert_int_equal(only_offer(from), 1);
		assert_int_equal(nth(from, R_OFFER, 0)->version,
				 (uint32_t)i + 1);
		decline_ok(nth(from, R_OFFER, 0), ROUTER_DECLINED);
	}
	/* declines are not misses: no autopause at 2 */
	assert_int_equal(ag_state(1), ROUTER_AG_IDLE);
}

/* fx.offer fails: the next agent in the same drain; the failed agent
 * is not rung again for 1 s (no tight loop) */
static void test_failed_offer(void **state)
{
	size_t from;
	(void)state;

	queue_with(QUEUE_TOP_DOWN, 0, 0);
	agents(2);
	F.failv[F.failc++] = 1;

	enq("q", "t1");
	from = F.n;
	assert_int_equal(drain(), 1);
	assert_int_equal(count_kind(from, R_OFFER), 2);
	assert_int_equal(nth(from, R_OFFER, 0)->agent, 1);
	assert_int_equal(nth(from, R_OFFER, 0)->why, ROUTER_FAILED);
	assert_int_equal(nth(from, R_OFFER, 1)->agent, 2);
	assert_int_equal(count_kind(from, R_END), 0);  /* none for a failure */
	assert_true(has_action(from, 1, AGENT_ACTION_DECLINE));
	assert_int_equal(router_offer_accept(F.r,
					     nth(from, R_OFFER, 0)->offer_id,
					     F.now), ESTALE);

	/* only the failing agent left: one attempt per second at most */
	decline_ok(last_offer(2), ROUTER_DECLINED);
	ag_do(2, AGENT_ACTION_NOT_READY, NULL);
	from = F.n;
	for (int i = 0; i < 10; i++)
		assert_int_equal(drain_at(F.now + 50), 0);
	assert_int_equal(count_kind(from, R_OFFER), 0);   /* within 1 s */
	assert_int_equal(drain_at(T0 + S), 0);
	assert_int_equal(count_kind(from, R_OFFER), 1);   /* retried once */
	assert_int_equal(router_next_deadline(F.r), T0 + 2 * S);
}

/* The adapter reports a failure itself (router_offer_decline FAILED) */
static void test_failed_reported(void **state)
{
	size_t from;
	(void)state;

	queue_with(QUEUE_TOP_DOWN, 0, 2);
	agents(1);
	enq("q", "t1");
	drain();
	decline_ok(last_offer(1), ROUTER_FAILED);
	assert_int_equal(drain(), 0);            /* cooling down 1 s */
	assert_int_equal(router_next_deadline(F.r), T0 + S);
	assert_int_equal(drain_at(T0 + S), 1);
	from = F.n;
	decline_ok(last_offer(1), ROUTER_FAILED);  /* second miss: pause */
	assert_true(has_action(from, 1, AGENT_ACTION_NOT_READY));
	assert_string_equal(F.ag[1].st.reason, "missed");
	assert_int_equal(ag_state(1), ROUTER_AG_NOT_READY);
	assert_int_equal(drain_at(T0 + 10 * S), 0);
}

static void test_autopause(void **state)
{
	const struct rec *pause;
	uint64_t t = T0;
	size_t from;
	(void)state;

	queue_with(QUEUE_TOP_DOWN, 0, 3);
	agents(1);
	enq("q", "t1");

	/* two timeouts, then an answer: the count restarts */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(drain_at(t), 1);
		t += 20 * S;
		assert_int_equal(drain_at(t), 0);   /* timeout, cooling */
		t += S;
	}
	assert_int_equal(drain_at(t), 1);
	accept_ok(last_offer(1));
	done_ok("t1");

	/* three timeouts in a row now: paused after the third */
	enq("q", "t2");
	for (int i = 0; i < 3; i++) {
		from = F.n;
		assert_int_equal(drain_at(t), 1);
		t += 20 * S;
		assert_int_equal(drain_at(t), 0);
		assert_int_equal(has_action(from, 1, AGENT_ACTION_NOT_READY),
				 i == 2);
		t += S;
	}
	pause = NULL;
	for (size_t k = 0; k < F.n; k++) {
		if (F.recv[k].kind == R_ACTION &&
		    F.recv[k].act == AGENT_ACTION_NOT_READY)
			pause = &F.recv[k];
	}
	assert_non_null(pause);
	assert_string_equal(pause->text, "missed");
	assert_int_equal(ag_state(1), ROUTER_AG_NOT_READY);
	assert_string_equal(F.ag[1].st.reason, "missed");

	/* nothing more until the agent is ready again */
	assert_int_equal(drain_at(t + 100 * S), 0);
	ag_do(1, AGENT_ACTION_READY, NULL);
	assert_int_equal(drain(), 1);
	/* the count restarted at the pause: one miss does not pause again */
	from = F.n;
	assert_int_equal(drain_at(F.now + 20 * S), 0);
	assert_false(has_action(from, 1, AGENT_ACTION_NOT_READY));
}

/* An agent who chose not_ready while ringing keeps their reason */
static void test_autopause_keeps_chosen_reason(void **state)
{
	size_t from;
	(void)state;

	queue_with(QUEUE_TOP_DOWN, 0, 1);
	agents(1);
	enq("q", "t1");
	drain();
	ag_do(1, AGENT_ACTION_NOT_READY, "lunch");
	from = F.n;
	assert_int_equal(drain_at(T0 + 20 * S), 0);
	assert_false(has_action(from, 1, AGENT_ACTION_NOT_READY));
	assert_string_equal(F.ag[1].st.reason, "lunch");
}

/* Ring-all: two agents answer; exactly one wins */
static void test_ring_all_double_answer(void **state)
{
	const struct rec *o1, *o2, *o3;
	int e1, e2;
	size_t from;
	(void)state;

	queue_with(QUEUE_RING_ALL, 0, 1);
	agents(3);
	enq("q", "t1");
	from = F.n;
	assert_int_equal(drain(), 3);
	o1 = nth(from, R_OFFER, 0);
	o2 = nth(from, R_OFFER, 1);
	o3 = nth(from, R_OFFER, 2);

	from = F.n;
	e1 = router_offer_accept(F.r, o3->offer_id, F.now);
	e2 = router_offer_accept(F.r, o1->offer_id, F.now);
	fx_ok();
	assert_int_equal(e1, 0);
	assert_int_equal(e2, ESTALE);
	assert_true(has_end(from, 1, ROUTER_TAKEN));
	assert_true(has_end(from, 2, ROUTER_TAKEN));
	assert_int_equal(count_kind(from, R_END), 2);
	assert_int_equal(ag_state(3), ROUTER_AG_BUSY);
	/* taken is not a miss (max_missed_offers 1): still ready */
	assert_int_equal(ag_state(1), ROUTER_AG_IDLE);
	assert_int_equal(ag_state(2), ROUTER_AG_IDLE);
	assert_int_equal(router_offer_decline(F.r, o2->offer_id,
					      ROUTER_DECLINED, F.now), ESTALE);
	assert_int_equal(q_stats("q").answered, 1);
	assert_int_equal(q_stats("q").waiting, 0);
}

/* Ring-all legs declined one by one: the task rings until the last */
static void test_ring_all_declines(void **state)
{
	size_t from;
	(void)state;

	queue_with(QUEUE_RING_ALL, 60, 0);
	agents(2);
	enq("q", "t1");
	from = F.n;
	drain();
	decline_ok(nth(from, R_OFFER, 0), ROUTER_DECLINED);
	assert_int_equal(q_stats("q").ringing, 1);
	decline_ok(nth(from, R_OFFER, 1), ROUTER_DECLINED);
	assert_int_equal(q_stats("q").ringing, 0);
	assert_int_equal(q_stats("q").waiting, 1);
	assert_int_equal(drain(), 0);
}

static void test_abandon_while_ringing(void **state)
{
	const struct rec *o;
	struct router_queue_stats s;
	size_t from;
	(void)state;

	queue_with(QUEUE_RING_ALL, 0, 0);
	agents(2);
	enq("q", "t1");
	F.now += 7 * S;
	from = F.n;
	drain();
	o = nth(from, R_OFFER, 0);

	from = F.n;
	assert_int_equal(router_task_remove(F.r, "t1", F.now), 0);
	fx_ok();
	assert_true(has_end(from, 1, ROUTER_ABANDONED));
	assert_true(has_end(from, 2, ROUTER_ABANDONED));
	assert_true(has_action(from, 1, AGENT_ACTION_DECLINE));
	assert_true(has_action(from, 2, AGENT_ACTION_DECLINE));
	assert_int_equal(count_kind(from, R_OVERFLOW), 0);
	assert_int_equal(ag_state(1), ROUTER_AG_IDLE);
	assert_int_equal(router_offer_accept(F.r, o->offer_id, F.now), ESTALE);
	assert_int_equal(router_task_remove(F.r, "t1", F.now), ENOENT);

	s = q_stats("q");
	assert_int_equal(s.abandoned, 1);
	assert_int_equal(s.abandoned_wait_ms, 7 * S);
	assert_int_equal(s.waiting, 0);
	assert_int_equal(s.ringing, 0);
	assert_int_equal(router_next_deadline(F.r), 0);
}

static void test_offer_get_and_errors(void **state)
{
	struct router_offer o;
	const struct rec *r;
	(void)state;

	queue_with(QUEUE_TOP_DOWN, 0, 0);
	agents(1);
	enq("q", "t1");
	drain();
	r = last_offer(1);

	assert_int_equal(router_offer_get(F.r, r->offer_id, &o), 0);
	assert_int_equal(o.id, r->offer_id);
	assert_int_equal(o.agent_id, 1);
	assert_string_equal(o.task_id, "t1");
	assert_string_equal(o.queue_id, "q");
	assert_int_equal(o.version, 1);
	assert_int_equal(o.expires_ms, T0 + 20 * S);
	assert_int_equal(router_offer_get(F.r, 999, &o), ENOENT);
	assert_int_equal(router_offer_get(F.r, r->offer_id, NULL), EINVAL);

	assert_int_equal(router_offer_decline(F.r, r->offer_id,
					      ROUTER_TIMEOUT, F.now), EINVAL);
	assert_int_equal(router_offer_decline(F.r, r->offer_id,
					      ROUTER_TAKEN, F.now), EINVAL);
	assert_int_equal(router_offer_decline(F.r, 999, ROUTER_DECLINED,
					      F.now), ESTALE);
	assert_int_equal(router_offer_accept(F.r, 999, F.now), ESTALE);
	assert_int_equal(router_offer_accept(NULL, 1, F.now), EINVAL);
	fx_ok();

	accept_ok(r);
	assert_int_equal(router_offer_get(F.r, r->offer_id, &o), ENOENT);
	assert_int_equal(router_task_done(F.r, "nope", F.now), ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_timeout_next_agent),
		FX_TEST(test_decline_delay),
		FX_TEST(test_decline_no_delay),
		FX_TEST(test_failed_offer),
		FX_TEST(test_failed_reported),
		FX_TEST(test_autopause),
		FX_TEST(test_autopause_keeps_chosen_reason),
		FX_TEST(test_ring_all_double_answer),
		FX_TEST(test_ring_all_declines),
		FX_TEST(test_abandon_while_ringing),
		FX_TEST(test_offer_get_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

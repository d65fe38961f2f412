/** @file test/unit/core/router/watchdog.c  Corrections against the
 *  adapter's world */
#include "fixture.h"

static const char *gone = "";

static bool live_h(void *arg, const char *task_id)
{
	size_t *calls = arg;

	(*calls)++;
	return strcmp(task_id, gone) != 0;
}

static void test_call_gone(void **state)
{
	struct queue q;
	size_t from, calls = 0;
	(void)state;

	q_init(&q, "q", QUEUE_RING_ALL);
	q.wrap_up_s = 5;
	q_put(&q);
	ag_add(1);
	ag_add(2);
	m_put("q", 1, 1, 0);
	m_put("q", 2, 1, 0);
	enq("q", "t1");
	drain();
	accept_ok(last_offer(1));
	enq("q", "t2");
	drain();
	accept_ok(last_offer(2));

	/* both calls alive: nothing to do */
	from = F.n;
	assert_int_equal(router_watchdog(F.r, F.now, live_h, &calls), 0);
	fx_ok();
	assert_int_equal(calls, 2);
	assert_int_equal(F.n, from);

	/* t2's call is gone: 2 goes to wrap-up, with a correction */
	gone = "t2";
	F.now += 60 * S;
	assert_int_equal(router_watchdog(F.r, F.now, live_h, &calls), 1);
	fx_ok();
	gone = "";
	assert_true(has_action(from, 2, AGENT_ACTION_WRAP_UP));
	assert_int_equal(count_kind(from, R_CORRECTED), 1);
	assert_int_equal(nth(from, R_CORRECTED, 0)->agent, 2);
	assert_string_equal(nth(from, R_CORRECTED, 0)->text,
			    "busy with no live call");
	assert_int_equal(ag_state(2), ROUTER_AG_WRAP_UP);
	assert_int_equal(ag_state(1), ROUTER_AG_BUSY);
	assert_int_equal(router_task_done(F.r, "t2", F.now), ENOENT);
	assert_int_equal(q_stats("q").answered, 2);
}

/* A stored "offered" or "wrap_up" nobody will end */
static void test_stuck_outside_states(void **state)
{
	size_t from, calls = 0;
	(void)state;

	q_add("q", QUEUE_RING_ALL);
	for (uint64_t id = 1; id <= 2; id++) {
		agent_init(&F.ag[id]);
		F.ag[id].st.presence = AGENT_LOGGED_IN;
		F.ag[id].st.availability = AGENT_READY;
		ag_put(id);
		m_put("q", id, 1, 0);
	}
	F.ag[1].st.activity[AGENT_CH_VOICE] = AGENT_OFFERED;
	F.ag[2].st.activity[AGENT_CH_VOICE] = AGENT_WRAP_UP;
	ag_put(1);
	ag_put(2);
	enq("q", "t1");
	assert_int_equal(drain(), 0);
	assert_int_equal(ag_state(1), ROUTER_AG_OFFERED);

	from = F.n;
	assert_int_equal(router_watchdog(F.r, F.now, live_h, &calls), 2);
	fx_ok();
	assert_true(has_action(from, 1, AGENT_ACTION_DECLINE));
	assert_true(has_action(from, 2, AGENT_ACTION_RELEASE));
	assert_int_equal(count_kind(from, R_CORRECTED), 2);
	assert_int_equal(ag_state(1), ROUTER_AG_IDLE);
	assert_int_equal(drain(), 2);

	/* the router's own offers are not "stuck" */
	from = F.n;
	assert_int_equal(router_watchdog(F.r, F.now, live_h, &calls), 0);
	assert_int_equal(F.n, from);
	assert_int_equal(router_watchdog(F.r, F.now, NULL, NULL), 0);
	assert_int_equal(router_watchdog(NULL, F.now, NULL, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_call_gone),
		FX_TEST(test_stuck_outside_states),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

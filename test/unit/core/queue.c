/** @file test/unit/core/queue.c  Queue defaults, strategy names, id rules */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include <hotline/queue.h>

static void test_init(void **state)
{
	struct queue q;
	(void)state;

	memset(&q, 0x5a, sizeof(q));
	queue_init(&q);
	assert_string_equal(q.id, "");
	assert_string_equal(q.name, "");
	assert_int_equal(q.strategy, QUEUE_RING_ALL);
	assert_int_equal(q.offer_timeout_s, 20);
	assert_int_equal(q.wrap_up_s, 10);
	assert_int_equal(q.max_wait_s, 0);
	assert_int_equal(q.service_level_s, 20);
	assert_int_equal(q.tier_wait_s, 30);
	assert_int_equal(q.max_missed_offers, 3);
	assert_false(q.join_empty);
	assert_false(q.leave_empty);
	assert_int_equal(q.created_ms, 0);
	assert_int_equal(q.updated_ms, 0);
}

static void test_strategy(void **state)
{
	static const char *names[QUEUE_STRATEGY_COUNT] = {"ring_all",
		"round_robin", "longest_idle", "least_calls", "random",
		"top_down", "skills"};
	enum queue_strategy s = QUEUE_SKILLS;
	(void)state;

	for (int i = 0; i < QUEUE_STRATEGY_COUNT; i++) {
		assert_string_equal(queue_strategy_name(i), names[i]);
		assert_int_equal(queue_strategy_parse(names[i], &s), 0);
		assert_int_equal(s, i);
	}

	s = QUEUE_TOP_DOWN;
	assert_int_equal(queue_strategy_parse("RING_ALL", &s), EINVAL);
	assert_int_equal(queue_strategy_parse("ring", &s), EINVAL);
	assert_int_equal(queue_strategy_parse("ring_all ", &s), EINVAL);
	assert_int_equal(queue_strategy_parse("", &s), EINVAL);
	assert_int_equal(queue_strategy_parse(NULL, &s), EINVAL);
	assert_int_equal(s, QUEUE_TOP_DOWN);
	assert_string_equal(queue_strategy_name(QUEUE_STRATEGY_COUNT), "?");
}

static void test_id(void **state)
{
	char max[QUEUE_ID_MAX + 1];
	static const struct {
		const char *id;
		bool ok;
	} cases[] = {
		{"sales", true}, {"a", true}, {"7", true},
		{"support-tier_2", true}, {"0-_", true},
		{"", false}, {NULL, false}, {"-sales", false},
		{"_sales", false}, {"Sales", false}, {"sales team", false},
		{"sales.eu", false}, {"sales:1", false}, {"sales*", false},
		{"caf\xc3\xa9", false},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (queue_id_valid(cases[i].id) != cases[i].ok)
			fail_msg("\"%s\": want %d",
				 cases[i].id ? cases[i].id : "NULL",
				 cases[i].ok);
	}

	memset(max, 'q', sizeof(max));
	max[QUEUE_ID_MAX - 1] = '\0';           /* 63 bytes: the limit */
	assert_true(queue_id_valid(max));
	max[QUEUE_ID_MAX - 1] = 'q';
	max[QUEUE_ID_MAX] = '\0';               /* 64 bytes: one too many */
	assert_false(queue_id_valid(max));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_strategy),
		cmocka_unit_test(test_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/** @file test/unit/core/task.c  Task defaults and skill matching */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <hotline/task.h>

static void test_init(void **state)
{
	char longid[TASK_ID_MAX + 10];
	struct task t;
	(void)state;

	memset(&t, 0x5a, sizeof(t));
	task_init(&t, "call-1");
	assert_string_equal(t.id, "call-1");
	assert_int_equal(t.channel, AGENT_CH_VOICE);
	assert_int_equal(t.priority, 0);
	assert_int_equal(t.skillc, 0);
	assert_int_equal(t.sticky_agent, 0);
	assert_int_equal(t.sticky_wait_s, 0);

	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	task_init(&t, longid);
	assert_int_equal(strlen(t.id), TASK_ID_MAX - 1);

	task_init(&t, NULL);
	assert_string_equal(t.id, "");
	task_init(NULL, "x");          /* no crash */
}

static void skill(struct agent_skill *s, const char *name, uint8_t level)
{
	memset(s, 0, sizeof(*s));
	strcpy(s->name, name);
	s->level = level;
}

static void need(struct task *t, const char *name, uint8_t min)
{
	strcpy(t->skillv[t->skillc].name, name);
	t->skillv[t->skillc++].min_level = min;
}

static void test_skills_match(void **state)
{
	struct agent_skill sv[3];
	struct task t;
	uint32_t score = 77;
	(void)state;

	skill(&sv[0], "en", 5);
	skill(&sv[1], "fr", 3);
	skill(&sv[2], "billing", 9);

	task_init(&t, "t");
	assert_true(task_skills_match(&t, sv, 3, &score));   /* no needs */
	assert_int_equal(score, 0);
	assert_true(task_skills_match(&t, NULL, 0, NULL));

	need(&t, "fr", 3);                 /* exactly the level */
	assert_true(task_skills_match(&t, sv, 3, &score));
	assert_int_equal(score, 3);

	need(&t, "billing", 4);
	assert_true(task_skills_match(&t, sv, 3, &score));
	assert_int_equal(score, 12);       /* 3 + 9 */

	score = 77;
	need(&t, "en", 6);                 /* above the agent's 5 */
	assert_false(task_skills_match(&t, sv, 3, &score));
	assert_int_equal(score, 77);       /* untouched on no match */

	task_init(&t, "t");
	need(&t, "de", 1);                 /* missing */
	assert_false(task_skills_match(&t, sv, 3, NULL));
	assert_false(task_skills_match(&t, NULL, 0, NULL));
	need(&t, "fr", 1);
	assert_false(task_skills_match(&t, sv, 3, NULL));

	/* a prefix is not the skill */
	task_init(&t, "t");
	need(&t, "bill", 1);
	assert_false(task_skills_match(&t, sv, 3, NULL));
	assert_false(task_skills_match(NULL, sv, 3, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_skills_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

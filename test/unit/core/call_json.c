/** @file test/unit/core/call_json.c  The call representation: nulls,
 *  times, durations of live and ended calls */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include <hotline/call.h>

#define T0 1700000000000ULL   /* 2023-11-14T22:13:20.000Z */

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_int_t num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static bool is_null(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return v && json_is_null(v);
}

static void test_new_call_is_mostly_null(void **state)
{
	struct call_record c;
	json_t *o;

	(void)state;
	call_init(&c, "00ff", CALL_INBOUND, T0);
	strcpy(c.from, "+4930999");
	strcpy(c.to, "1001");
	o = call_json(&c, T0 + 5000);
	assert_non_null(o);
	assert_int_equal(json_object_size(o), 18);
	assert_string_equal(str(o, "id"), "00ff");
	assert_string_equal(str(o, "direction"), "inbound");
	assert_string_equal(str(o, "state"), "created");
	assert_string_equal(str(o, "from"), "+4930999");
	assert_string_equal(str(o, "to"), "1001");
	assert_string_equal(str(o, "created_at"), "2023-11-14T22:13:20.000Z");
	for (const char *const *k = (const char *const[]){"did", "trunk_id",
	     "agent_id", "ringing_at", "answered_at", "ended_at",
	     "hangup_cause", "hangup_by", "sip_status", NULL}; *k; k++)
		assert_true(is_null(o, *k));
	assert_int_equal(num(o, "ring_duration_ms"), 0);
	assert_int_equal(num(o, "talk_duration_ms"), 0);
	assert_true(json_is_false(json_object_get(o, "held")));
	json_decref(o);
}

static void test_live_then_ended(void **state)
{
	struct call_record c;
	json_t *o;

	(void)state;
	call_init(&c, "abc", CALL_OUTBOUND, T0);
	strcpy(c.trunk_id, "carrier");
	strcpy(c.did, "+4930123");
	c.agent_id = 7;
	assert_true(call_ringing(&c, T0 + 1000));
	assert_true(call_answered(&c, T0 + 4000));
	assert_true(call_held(&c, T0 + 6000));

	/* live and held: talk time runs to now */
	o = call_json(&c, T0 + 10000);
	assert_string_equal(str(o, "state"), "held");
	assert_true(json_is_true(json_object_get(o, "held")));
	assert_int_equal(num(o, "agent_id"), 7);
	assert_string_equal(str(o, "trunk_id"), "carrier");
	assert_string_equal(str(o, "did"), "+4930123");
	assert_string_equal(str(o, "ringing_at"), "2023-11-14T22:13:21.000Z");
	assert_int_equal(num(o, "ring_duration_ms"), 3000);
	assert_int_equal(num(o, "talk_duration_ms"), 6000);
	assert_true(is_null(o, "ended_at"));
	json_decref(o);

	assert_true(call_ended(&c, CALL_CAUSE_NORMAL_CLEARING,
			       CALL_PARTY_CALLEE, 0, T0 + 12345));
	o = call_json(&c, T0 + 99999);   /* now no longer counts */
	assert_string_equal(str(o, "state"), "ended");
	assert_true(json_is_false(json_object_get(o, "held")));
	assert_string_equal(str(o, "ended_at"), "2023-11-14T22:13:32.345Z");
	assert_int_equal(num(o, "talk_duration_ms"), 8345);
	assert_string_equal(str(o, "hangup_cause"), "normal_clearing");
	assert_string_equal(str(o, "hangup_by"), "callee");
	assert_true(is_null(o, "sip_status"));
	json_decref(o);
}

static void test_failed_call(void **state)
{
	struct call_record c;
	json_t *o;

	(void)state;
	call_init(&c, "f00", CALL_INTERNAL, T0);
	assert_true(call_ringing(&c, T0 + 100));
	assert_true(call_ended(&c, CALL_CAUSE_BUSY, CALL_PARTY_CALLEE, 486,
			       T0 + 600));
	o = call_json(&c, T0 + 5000);
	assert_string_equal(str(o, "direction"), "internal");
	assert_int_equal(num(o, "sip_status"), 486);
	assert_string_equal(str(o, "hangup_cause"), "busy");
	assert_int_equal(num(o, "ring_duration_ms"), 500);
	assert_int_equal(num(o, "talk_duration_ms"), 0);
	assert_true(is_null(o, "answered_at"));
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_call_is_mostly_null),
		cmocka_unit_test(test_live_then_ended),
		cmocka_unit_test(test_failed_call),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

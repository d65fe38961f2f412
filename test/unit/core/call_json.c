/** @file test/unit/core/call_json.c  The call representation: nulls,
 *  times, durations of live and ended calls, the queue and flow parts */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
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
	assert_int_equal(json_object_size(o), 25);
	assert_string_equal(str(o, "id"), "00ff");
	assert_string_equal(str(o, "direction"), "inbound");
	assert_string_equal(str(o, "state"), "created");
	assert_string_equal(str(o, "from"), "+4930999");
	assert_string_equal(str(o, "to"), "1001");
	assert_string_equal(str(o, "created_at"), "2023-11-14T22:13:20.000Z");
	for (const char *const *k = (const char *const[]){"did", "trunk_id",
	     "agent_id", "ringing_at", "answered_at", "ended_at",
	     "hangup_cause", "hangup_by", "sip_status", "queue_id",
	     "queued_at", "wait_ms", "queue_result", "flow_id",
	     "flow_version", "contact_id", NULL}; *k; k++)
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

/* A call through a queue: waiting (wait_ms counts up), then answered
 * (the recorded wait), or abandoned; never queued stays null */
static void test_queued_call(void **state)
{
	struct call_record c;
	json_t *o;

	(void)state;
	call_init(&c, "0a0a", CALL_INBOUND, T0);
	assert_true(call_answered(&c, T0 + 100));   /* Hotline answers */
	strcpy(c.queue_id, "sales");
	c.queued_ms = T0 + 200;

	o = call_json(&c, T0 + 2200);
	assert_string_equal(str(o, "queue_id"), "sales");
	assert_string_equal(str(o, "queued_at"), "2023-11-14T22:13:20.200Z");
	assert_int_equal(num(o, "wait_ms"), 2000);
	assert_true(is_null(o, "queue_result"));
	json_decref(o);

	/* a clock behind queued_at does not go negative */
	o = call_json(&c, T0 + 100);
	assert_int_equal(num(o, "wait_ms"), 0);
	json_decref(o);

	c.wait_ms = 4321;
	c.queue_result = CALL_QUEUE_ANSWERED;
	c.agent_id = 3;
	o = call_json(&c, T0 + 99999);
	assert_int_equal(num(o, "wait_ms"), 4321);
	assert_string_equal(str(o, "queue_result"), "answered");
	json_decref(o);

	c.queue_result = CALL_QUEUE_OVERFLOWED;
	o = call_json(&c, T0 + 99999);
	assert_string_equal(str(o, "queue_result"), "overflowed");
	json_decref(o);

	/* ended while waiting without a result (a restart ended it): the
	 * recorded wait, not now - queued_at */
	c.queue_result = CALL_QUEUE_NONE;
	c.wait_ms = 0;
	assert_true(call_ended(&c, CALL_CAUSE_SHUTDOWN, CALL_PARTY_SYSTEM, 0,
			       T0 + 5000));
	o = call_json(&c, T0 + 99999);
	assert_int_equal(num(o, "wait_ms"), 0);
	assert_true(is_null(o, "queue_result"));
	json_decref(o);
}

/* A call that ran a flow, from a known contact */
static void test_flow_call(void **state)
{
	struct call_record c;
	json_t *o;

	(void)state;
	call_init(&c, "00fe", CALL_INBOUND, T0);
	strcpy(c.flow_id, "main-ivr");
	c.flow_version = 3;
	c.contact_id = 12;
	o = call_json(&c, T0);
	assert_non_null(o);
	assert_string_equal(str(o, "flow_id"), "main-ivr");
	assert_int_equal(num(o, "flow_version"), 3);
	assert_int_equal(num(o, "contact_id"), 12);
	json_decref(o);
}

static void test_queue_result_names(void **state)
{
	enum call_queue_result r = CALL_QUEUE_ANSWERED;
	static const char *const namev[] = {"", "answered", "abandoned",
					    "overflowed"};

	(void)state;
	assert_int_equal(CALL_QUEUE_RESULT_COUNT, 4);
	for (int i = 0; i < CALL_QUEUE_RESULT_COUNT; i++) {
		assert_string_equal(call_queue_result_name(
					(enum call_queue_result)i), namev[i]);
		assert_int_equal(call_queue_result_parse(namev[i], &r), 0);
		assert_int_equal(r, i);
	}
	assert_string_equal(call_queue_result_name(CALL_QUEUE_RESULT_COUNT),
			    "?");
	r = CALL_QUEUE_ABANDONED;
	assert_int_equal(call_queue_result_parse("Answered", &r), EINVAL);
	assert_int_equal(call_queue_result_parse(NULL, &r), EINVAL);
	assert_int_equal(call_queue_result_parse("answered", NULL), EINVAL);
	assert_int_equal(r, CALL_QUEUE_ABANDONED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_call_is_mostly_null),
		cmocka_unit_test(test_live_then_ended),
		cmocka_unit_test(test_failed_call),
		cmocka_unit_test(test_queued_call),
		cmocka_unit_test(test_flow_call),
		cmocka_unit_test(test_queue_result_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/** @file test/unit/core/event.c  Topics, patterns, types, time, envelope */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <hotline/event.h>

struct str_case {
	const char *a, *b;
	bool ok;
};

static void test_topic_match(void **state)
{
	static const struct str_case cases[] = {
		{"queue:sales", "queue:sales", true},
		{"queue:sales", "queue:sales2", false},
		{"queue:sales", "queue:sale", false},
		{"queue:sales", "QUEUE:sales", false},
		{"*", "agent:7", true},
		{"*", "queue:sales", true},
		{"agent:*", "agent:7", true},
		{"agent:*", "agent:", true},
		{"agent:*", "agent", false},
		{"agent:*", "agentx:1", false},
		{"agent:*", "queue:7", false},
		{"queue:sal*", "queue:sales", true},
		{"queue:sal*", "queue:sal", true},
		{"queue:sal*", "queue:support", false},
		{"agent", "agent:7", false},
		{NULL, "agent:7", false},
		{"*", NULL, false},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (event_topic_match(cases[i].a, cases[i].b) != cases[i].ok)
			fail_msg("case %zu: \"%s\" vs \"%s\": want %d", i,
				 cases[i].a ? cases[i].a : "NULL",
				 cases[i].b ? cases[i].b : "NULL", cases[i].ok);
	}
}

static void test_validators(void **state)
{
	char big[EVENT_TOPIC_MAX + 1];
	static const struct {
		const char *s;
		bool topic, pattern, type;
	} cases[] = {
		{"agent:7", true, true, false},
		{"queue:sales", true, true, false},
		{"user@example.com+x_Y-1", true, true, false},
		{"*", false, true, false},
		{"agent:*", false, true, false},
		{"agent*:1", false, false, false},
		{"**", false, false, false},
		{"", false, false, false},
		{"agent 7", false, false, false},
		{"agent/7", false, false, false},
		{"caf\xc3\xa9", false, false, false},
		{"agent.created", true, true, true},
		{"agent.state_changed", true, true, true},
		{"queue.member_added", true, true, true},
		{"agent", true, true, false},
		{"agent.", true, true, false},
		{".created", true, true, false},
		{"agent.state.changed", true, true, false},
		{"Agent.created", true, true, false},
		{"agent.created2", true, true, true},
		{"custom.doc2", true, true, true},
		{"agent.created ", false, false, false},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *s = cases[i].s;

		if (event_topic_valid(s) != cases[i].topic ||
		    event_pattern_valid(s) != cases[i].pattern ||
		    event_type_valid(s) != cases[i].type)
			fail_msg("case %zu \"%s\": want %d/%d/%d", i, s,
				 cases[i].topic, cases[i].pattern,
				 cases[i].type);
	}

	assert_false(event_topic_valid(NULL));
	assert_false(event_pattern_valid(NULL));
	assert_false(event_type_valid(NULL));

	/* M = EVENT_TOPIC_MAX: a topic or pattern has at most M - 1 bytes */
	memset(big, 'a', sizeof(big));
	big[EVENT_TOPIC_MAX - 1] = '\0';                 /* M-1 letters */
	assert_true(event_topic_valid(big));
	assert_true(event_pattern_valid(big));
	big[EVENT_TOPIC_MAX - 2] = '*';                  /* M-2 letters, '*' */
	assert_false(event_topic_valid(big));
	assert_true(event_pattern_valid(big));
	big[EVENT_TOPIC_MAX - 2] = 'a';
	big[EVENT_TOPIC_MAX - 1] = '*';
	big[EVENT_TOPIC_MAX] = '\0';                     /* M-1 letters, '*' */
	assert_false(event_pattern_valid(big));
	big[EVENT_TOPIC_MAX - 1] = 'a';                  /* M letters */
	assert_false(event_topic_valid(big));
	assert_false(event_pattern_valid(big));

	/* type: 47 bytes pass, 48 do not */
	memset(big, 'a', sizeof(big));
	big[10] = '.';
	big[EVENT_TYPE_MAX - 1] = '\0';
	assert_true(event_type_valid(big));
	big[EVENT_TYPE_MAX - 1] = 'a';
	big[EVENT_TYPE_MAX] = '\0';
	assert_false(event_type_valid(big));
}

static void test_time_format(void **state)
{
	static const struct {
		uint64_t ms;
		const char *s;
	} cases[] = {
		{0, "1970-01-01T00:00:00.000Z"},
		{1, "1970-01-01T00:00:00.001Z"},
		{999, "1970-01-01T00:00:00.999Z"},
		{946684800000ULL, "2000-01-01T00:00:00.000Z"},
		{1709251199999ULL, "2024-02-29T23:59:59.999Z"},
		{1795248000123ULL, "2026-11-21T08:00:00.123Z"},
		{253402300799999ULL, "9999-12-31T23:59:59.999Z"},
		{253402300800000ULL, "9999-12-31T23:59:59.999Z"},
		{UINT64_MAX, "9999-12-31T23:59:59.999Z"},
	};
	char out[25];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 'x', sizeof(out));
		event_time_format(out, cases[i].ms);
		assert_string_equal(out, cases[i].s);
	}
}

static void test_envelope(void **state)
{
	static const char *topics[] = {"agent:7", "queue:sales"};
	json_t *data = json_pack("{s:s, s:i, s:b}", "to", "ready",
				 "agent_id", 7, "ok", 1);
	size_t len = 0;
	char *s;
	(void)state;

	assert_non_null(data);
	s = event_envelope_dump(1042, EV_AGENT_STATE_CHANGED, 1795248000123ULL,
				topics, 2, data, &len);
	assert_non_null(s);
	assert_string_equal(s,
		"{\"seq\":1042,\"type\":\"agent.state_changed\","
		"\"at\":\"2026-11-21T08:00:00.123Z\","
		"\"topics\":[\"agent:7\",\"queue:sales\"],"
		"\"data\":{\"to\":\"ready\",\"agent_id\":7,\"ok\":true}}");
	assert_int_equal(len, strlen(s));
	free(s);

	/* data was borrowed: still ours, with one reference */
	assert_int_equal(data->refcount, 1);
	json_decref(data);
}

static void test_envelope_empty(void **state)
{
	char *s;
	(void)state;

	s = event_envelope_dump(1, EV_QUEUE_DELETED, 0, NULL, 0, NULL, NULL);
	assert_non_null(s);
	assert_string_equal(s, "{\"seq\":1,\"type\":\"queue.deleted\","
			    "\"at\":\"1970-01-01T00:00:00.000Z\","
			    "\"topics\":[],\"data\":{}}");
	free(s);

	/* a top-level array or scalar as data is kept as is */
	json_t *arr = json_pack("[i,s]", 1, "x");
	s = event_envelope_dump(2, "a.b", 0, NULL, 0, arr, NULL);
	assert_non_null(s);
	assert_non_null(strstr(s, ",\"data\":[1,\"x\"]}"));
	free(s);
	json_decref(arr);

	/* bad strings are refused, not serialized */
	assert_null(event_envelope_dump(3, NULL, 0, NULL, 0, NULL, NULL));
	static const char *bad[] = {"\xff"};
	assert_null(event_envelope_dump(3, "a.b", 0, bad, 1, NULL, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topic_match),
		cmocka_unit_test(test_validators),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_envelope_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

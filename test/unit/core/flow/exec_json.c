/** @file test/unit/core/flow/exec_json.c  A parsed document run end to end
 *  (flow_doc_parse, then the interpreter), as a call would run it */
#include "exec_fixture.h"

static const char doc_json[] =
	"{ \"name\": \"Main line\", \"start\": \"hours\", \"steps\": ["
	"  { \"id\": \"hours\", \"action\": \"schedule\","
	"    \"timezone\": \"Europe/Paris\","
	"    \"hours\": [ { \"days\": [\"mon\",\"tue\",\"wed\",\"thu\","
	"                 \"fri\"], \"from\": \"09:00\", \"to\": \"18:00\" } ],"
	"    \"holidays\": [\"2026-12-25\"],"
	"    \"open\": \"menu\", \"closed\": \"closed\" },"
	"  { \"id\": \"closed\", \"action\": \"say\","
	"    \"text\": \"We are closed, {{contact.name}}.\" },"
	"  { \"id\": \"menu\", \"action\": \"menu\","
	"    \"prompt\": { \"say\": \"Hi {{contact.name}}. Press 1.\" },"
	"    \"options\": { \"1\": \"account\", \"0\": \"operator\" },"
	"    \"invalid_prompt\": { \"say\": \"Sorry.\" },"
	"    \"no_input\": \"operator\" },"
	"  { \"id\": \"account\", \"action\": \"gather\","
	"    \"prompt\": { \"say\": \"Account number?\" },"
	"    \"min_digits\": 4, \"max_digits\": 8, \"pattern\": \"^[0-9]+$\","
	"    \"variable\": \"account\", \"next\": \"lookup\","
	"    \"invalid\": \"operator\", \"no_input\": \"operator\" },"
	"  { \"id\": \"lookup\", \"action\": \"webhook\","
	"    \"url\": \"https://crm.example/lookup?a={{account}}\","
	"    \"next\": \"route\", \"failure\": \"operator\" },"
	"  { \"id\": \"route\", \"action\": \"branch\", \"conditions\": ["
	"      { \"var\": \"tier\", \"op\": \"eq\", \"value\": \"gold\","
	"        \"next\": \"vip\" } ], \"next\": \"operator\" },"
	"  { \"id\": \"vip\", \"action\": \"queue\", \"queue\": \"vip\","
	"    \"priority\": 50, \"sticky_agent\": \"{{agent}}\" },"
	"  { \"id\": \"operator\", \"action\": \"queue\","
	"    \"queue\": \"support\" } ] }";

static void parse(void)
{
	struct flow_error err;

	memset(&err, 0, sizeof(err));
	if (flow_doc_parse(&F.doc, doc_json, strlen(doc_json), NULL, &err))
		fail_msg("parse: %s at %s", err.message, err.path);
}

static void start(int wday, int hour)
{
	parse();
	F.tm = (struct flow_tm){2026, 3, 2 + wday - 1, wday, hour, 0, 0};
	x_alloc();
	assert_int_equal(flow_var_set(F.x, "contact.name", "Ada"), 0);
	assert_int_equal(in_start(), 0);
}

static void test_vip_path(void **state)
{
	(void)state;

	start(1, 10);                              /* Monday 10:00: open */
	expect(FLOW_CMD_ANSWER);
	assert_string_equal(F.cmd.step->id, "menu");
	assert_int_equal(in_done(), 0);
	expect_text(FLOW_CMD_SAY, "Hi Ada. Press 1.");
	assert_int_equal(in_digit('1'), 0);        /* barge-in */
	expect(FLOW_CMD_STOP);
	assert_int_equal(in_digits("1234"), 0);    /* type-ahead */
	assert_int_equal(in_done(), 0);
	/* account took 1234 from type-ahead: waits for more */
	expect(FLOW_CMD_WAIT);
	assert_string_equal(F.cmd.step->id, "account");
	assert_int_equal(in_digit('#'), 0);
	expect_text(FLOW_CMD_HTTP, "https://crm.example/lookup?a=1234");
	assert_int_equal(in_http(200, "{\"variables\":{\"tier\":\"gold\","
				 "\"agent\":17}}"), 0);
	expect_text(FLOW_CMD_QUEUE, "vip");
	assert_int_equal(F.cmd.task.priority, 50);
	assert_int_equal(F.cmd.task.sticky_agent, 17);
	assert_int_equal(F.cmd.task.sticky_wait_s, 20);
	assert_true(flow_exec_over(F.x));

	assert_int_equal(F.tc, 6);
	assert_string_equal(F.tv[0].step, "hours");
	assert_string_equal(F.tv[0].result, "open");
	assert_string_equal(F.tv[1].step, "menu");
	assert_string_equal(F.tv[1].next, "account");
	assert_string_equal(F.tv[2].step, "account");
	assert_string_equal(F.tv[2].input,
			    "{\"digits\":\"1234\",\"attempts\":1}");
	assert_string_equal(F.tv[3].step, "lookup");
	assert_string_equal(F.tv[4].step, "route");
	assert_string_equal(F.tv[4].result, "matched");
	expect_trace("vip", "queued", "");
	expect_var("account", "1234");
	expect_var("webhook.status", "200");
}

static void test_closed_then_end(void **state)
{
	(void)state;

	start(0, 10);                              /* Sunday: closed */
	expect(FLOW_CMD_ANSWER);
	assert_int_equal(in_done(), 0);
	expect_text(FLOW_CMD_SAY, "We are closed, Ada.");
	assert_int_equal(in_done(), 0);
	expect_hangup(CALL_CAUSE_NORMAL_CLEARING);
	assert_string_equal(F.tv[0].result, "closed");
	expect_trace("closed", "ok", "");
}

static void test_menu_silence_to_operator(void **state)
{
	(void)state;

	start(2, 9);
	assert_int_equal(in_done(), 0);
	for (int i = 0; i < 3; i++) {             /* retries default 2 */
		expect_text(FLOW_CMD_SAY, "Hi Ada. Press 1.");
		assert_int_equal(in_done(), 0);
		assert_int_equal(F.cmd.deadline_ms, F.now + 5000);
		assert_int_equal(in_deadline(), 0);
	}
	expect_text(FLOW_CMD_QUEUE, "support");
	assert_string_equal(F.tv[1].result, "no_input");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_vip_path),
		FX_TEST(test_closed_then_end),
		FX_TEST(test_menu_silence_to_operator),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

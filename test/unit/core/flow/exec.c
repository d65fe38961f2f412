/** @file test/unit/core/flow/exec.c  The interpreter's loop: answer, play,
 *  say, end of flow, loop guard, stale inputs, abort, ESRCH, trace */
#include "exec_fixture.h"

/* answer → play → (end) */
static void test_answer_play_end(void **state)
{
	struct flow_step *s;
	(void)state;

	doc_new(2);
	st(0, "hello", FLOW_ANSWER, 1);
	s = st(1, "music", FLOW_PLAY, FLOW_END);
	s->u.play.file = dup("/snd/welcome.wav");
	s->u.play.loop = 2;

	x_alloc();
	assert_null(flow_exec_current(F.x));
	assert_false(flow_exec_over(F.x));
	assert_int_equal(in_start(), 0);
	expect(FLOW_CMD_ANSWER);
	assert_string_equal(F.cmd.step->id, "hello");
	assert_int_equal(F.cmd.deadline_ms, 0);
	assert_string_equal(flow_exec_current(F.x)->id, "hello");
	assert_int_equal(F.tc, 0);

	F.now += 40;
	assert_int_equal(in_done(), 0);
	expect_text(FLOW_CMD_PLAY, "/snd/welcome.wav");
	assert_int_equal(F.cmd.loop, 2);
	assert_string_equal(F.cmd.step->id, "music");
	assert_int_equal(F.tc, 1);
	expect_trace("hello", "ok", "music");
	assert_int_equal(F.tv[0].action, FLOW_ANSWER);
	assert_int_equal(F.tv[0].started, FX_T0);
	assert_int_equal(F.tv[0].ended, FX_T0 + 40);

	F.now += 3000;
	assert_int_equal(in_done(), 0);
	expect_hangup(CALL_CAUSE_NORMAL_CLEARING);
	assert_string_equal(F.cmd.step->id, "music");
	assert_int_equal(F.tc, 2);
	expect_trace("music", "ok", "");
	expect_member("file", "\"/snd/welcome.wav\"");
	assert_int_equal(F.tv[1].started, FX_T0 + 40);
	assert_int_equal(F.tv[1].ended, FX_T0 + 3040);
	assert_null(flow_exec_current(F.x));
}

static void test_answer_failed(void **state)
{
	(void)state;

	doc_new(2);
	st(0, "hello", FLOW_ANSWER, 1);
	st(1, "bye", FLOW_HANGUP, FLOW_END);
	x_start();
	expect(FLOW_CMD_ANSWER);
	assert_int_equal(in_failed(), 0);
	expect_hangup(CALL_CAUSE_FAILURE);
	assert_int_equal(F.tc, 1);
	expect_trace("hello", "failure", "");
}

/* A second answer step and an auto-answer after answering: no command */
static void test_answer_once(void **state)
{
	struct flow_step *s;
	(void)state;

	doc_new(4);
	st(0, "a1", FLOW_ANSWER, 1);
	st(1, "a2", FLOW_ANSWER, 2);
	s = st(2, "hi", FLOW_SAY, 3);
	s->u.say.text = dup("hello");
	st(3, "a3", FLOW_ANSWER, FLOW_END);

	x_start_answered();
	expect_text(FLOW_CMD_SAY, "hello");     /* a2 ran without a command */
	assert_int_equal(F.tc, 2);
	expect_trace("a2", "ok", "hi");
	expect_member("answered", "true");
	assert_int_equal(in_done(), 0);
	expect_hangup(CALL_CAUSE_NORMAL_CLEARING);
	expect_trace("a3", "ok", "");
	assert_int_equal(F.tc, 4);
}

/* say auto-answers, expands its template, keeps its loop */
static void test_say_auto_answer(void **state)
{
	struct flow_step *s;
	(void)state;

	doc_new(1);
	s = st(0, "hi", FLOW_SAY, FLOW_END);
	s->u.say.text = dup("Hello {{ contact.name }}, you called {{did}}.");
	s->u.say.loop = 3;
	x_alloc();
	assert_int_equal(flow_var_set(F.x, "contact.name", "Ada"), 0);
	assert_int_equal(flow_var_set(F.x, "did", "+3312"), 0);
	assert_int_equal(in_start(), 0);
	expect(FLOW_CMD_ANSWER);
	assert_string_equal(F.cmd.step->id, "hi");
	assert_int_equal(in_done(), 0);
	expect_text(FLOW_CMD_SAY, "Hello Ada, you called +3312.");
	assert_int_equal(F.cmd.loop, 3);
	assert_int_equal(F.tc, 0);             /* the say is not over */
	assert_int_equal(in_done(), 0);
	expect_hangup(CALL_CAUSE_NORMAL_CLEARING);
	expect_trace("hi", "ok", "");
	expect_member("text", "\"Hello Ada, you called +3312.\"");
}

/* The auto-answer fails: the media step is traced as a failure */
static void test_auto_answer_failed(void **state)
{
	struct flow_step *s;
	(void)state;

	doc_new(1);
	s = st(0, "music", FLOW_PLAY, FLOW_END);
	s->u.play.file = dup("/a.wav");
	x_start();
	expect(FLOW_CMD_ANSWER);
	assert_int_equal(in_failed(), 0);
	expect_hangup(CALL_CAUSE_FAILURE);
	expect_trace("music", "failure", "");
}

/* A prompt that fails does not drop the caller */
static void test_play_failed_goes_on(void **state)
{
	struct flow_step *s;
	(void)state;

	doc_new(3);
	st(0, "a", FLOW_ANSWER, 1);
	s = st(1, "music", FLOW_PLAY, 2);
	s->u.play.file = dup("/missing.wav");
	s = st(2, "hi", FLOW_SAY, FLOW_END);
	s->u.say.text = dup("still here");
	x_start_answered();
	expect_text(FLOW_CMD_PLAY, "/missing.wav");
	assert_int_equal(in_failed(), 0);
	expect_text(FLOW_CMD_SAY, "still here");
	expect_trace("music", "failure", "hi");
	assert_int_equal(in_failed(), 0);
	expect_hangup(CALL_CAUSE_NORMAL_CLEARING);
	expect_trace("hi", "failure", "");
}

/* Inputs that do not fit the state change nothing */
static void test_stale_inputs(void **state)
{
	struct flow_step *s;
	struct flow_input in;
	(void)state;

	doc_new(3);
	s = st(0, "hi", FLOW_SAY, 1);
	s->u.say.text = dup("hi");
	s = st(1, "g", FLOW_GATHER, 2);
	s->u.gather.timeout_ms = 5000;
	st(2, "bye", FLOW_HANGUP, FLOW_END);

	x_alloc();
	/* before START: everything but START and digits is ignored */
	assert_int_equal(in_done(), 0);
	expect(FLOW_CMD_WAIT);
	assert_int_equal(in_timer(), 0);
	assert_int_equal(in_http(200, "{}"), 0);
	assert_int_equal(in_dial(FLOW_DIAL_BUSY), 0);
	assert_int_equal(in_recorded("r", 1), 0);
	expect(FLOW_CMD_WAIT);
	assert_null(F.cmd.step);
	assert_null(flow_exec_current(F.x));
	assert_int_equal(F.tc, 0);

	assert_int_equal(in_start(), 0);
	expect(FLOW_CMD_ANSWER);
	/* answering: only DONE / FAILED matter */
	assert_int_equal(in_start(), 0);
	expect(FLOW_CMD_WAIT);
	assert_string_equal(F.cmd.step->id, "hi");
	assert_int_equal(in_timer(), 0);
	assert_int_equal(in_http(500, NULL), 0);
	assert_int_equal(in_recorded("r", 1), 0);
	assert_int_equal(in_dial(FLOW_DIAL_ANSWERED), 0);
	expect(FLOW_CMD_WAIT);
	assert_false(flow_exec_over(F.x));
	assert_int_equal(in_done(), 0);
	expect(FLOW_CMD_SAY);
	/* playing */
	assert_int_equal(in_timer(), 0);
	assert_int_equal(in_start(), 0);
	assert_int_equal(in_http(200, "{}"), 0);
	assert_int_equal(in_dial(FLOW_DIAL_ANSWERED), 0);
	assert_int_equal(in_recorded("r", 1), 0);
	expect(FLOW_CMD_WAIT);
	assert_int_equal(F.tc, 0);
	assert_int_equal(in_done(), 0);
	/* gather without prompt: waits with the first-digit deadline */
	expect(FLOW_CMD_WAIT);
	assert_int_equal(F.cmd.deadline_ms, F.now + 5000);
	F.now += 4999;                          /* a TIMER too early */
	assert_int_equal(in_timer(), 0);
	expect(FLOW_CMD_WAIT);
	assert_int_equal(F.cmd.deadline_ms, FX_T0 + 5000);
	assert_int_equal(in_done(), 0);          /* no prompt running */
	assert_int_equal(F.cmd.deadline_ms, FX_T0 + 5000);
	assert_int_equal(in_failed(), 0);
	assert_int_equal(in_http(200, "{}"), 0);
	memset(&in, 0, sizeof(in));
	in.kind = FLOW_IN_RECORDED;
	assert_int_equal(feed(&in), 0);          /* recording_id NULL */
	assert_int_equal(F.cmd.deadline_ms, FX_T0 + 5000);
	assert_int_equal(F.tc, 1);
	assert_string_equal(flow_exec_current(F.x)->id, "g");
	assert_int_equal(in_digits("42#"), 0);
	expect_hangup(CALL_CAUSE_NORMAL_CLEARING);
	assert_int_equal(F.tc, 3);
}

static void test_bad_arguments(void **state)
{
	struct flow_input in = {.kind = FLOW_IN_START};
	struct flow_step *s;
	(void)state;

	assert_int_equal(flow_exec_alloc(NULL, NULL, NULL), EINVAL);
	assert_int_equal(flow_exec_alloc(&F.x, NULL, NULL), EINVAL);
	assert_int_equal(flow_exec_step(NULL, &in, 0, &F.cmd), EINVAL);
	assert_true(flow_exec_over(NULL));
	assert_null(flow_exec_current(NULL));
	flow_exec_abort(NULL, 0);

	doc_new(1);
	s = st(0, "hi", FLOW_SAY, FLOW_END);
	s->u.say.text = dup("x");
	assert_int_equal(flow_exec_alloc(NULL, F.doc, NULL), EINVAL);
	x_alloc();
	assert_int_equal(flow_exec_step(F.x, NULL, 0, &F.cmd), EINVAL);
	assert_int_equal(flow_exec_step(F.x, &in, 0, NULL), EINVAL);
	in.kind = (enum flow_input_kind)99;
	assert_int_equal(flow_exec_step(F.x, &in, F.now, &F.cmd), EINVAL);
	expect(FLOW_CMD_WAIT);
	assert_int_equal(in_digit('x'), EINVAL);
	assert_int_equal(in_digit('\0'), EINVAL);
	assert_int_equal(in_digit('e'), EINVAL);
	expect(FLOW_CMD_WAIT);
	/* nothing changed */
	assert_int_equal(in_start(), 0);
	expect(FLOW_CMD_ANSWER);
}

/* A target past the end of stepv or a bad start ends the flow */
static void test_bad_refs_end(void **state)
{
	struct flow_step *s;
	(void)state;

	doc_new(1);
	s = st(0, "hi", FLOW_SAY, 7);
	s->u.say.text = dup("x");
	F.doc->start = 5;
	x_alloc();
	{       /* no step ever ran: the HANGUP has no step */
		struct flow_input in = {.kind = FLOW_IN_START};

		assert_int_equal(flow_exec_step(F.x, &in, F.now, &F.cmd), 0);
		assert_null(F.cmd.step);
	}
	expect_hangup(CALL_CAUSE_NORMAL_CLEARING);
	assert_int_equal(F.tc, 0);
	F.x = mem_deref(F.x);

	F.doc->start = 0;
	x_start_answered();
	expect(FLOW_CMD_SAY);
	assert_int_equal(in_done(), 0);
	expect_hangup(CALL_CAUSE_NORMAL_CLEARING);
	expect_trace("hi", "ok", "");
}

/* set → set → set ... by hand (the validator refuses it): the guard */
static void test_loop_guard(void **state)
{
	struct flow_step *s;
	(void)state;

	doc_new(3);
	st(0, "a", FLOW_ANSWER, 1);
	s = st(1, "s1", FLOW_SET, 2);
	s->u.set.assignc = 1;
	snprintf(s->u.set.assignv[0].name, FLOW_VAR_NAME_MAX, "n");
	s->u.set.assignv[0].value = dup("x{{n}}");
	st(2, "s2", FLOW_SET, 1);

	x_start_answered();
	expect_hangup(CALL_CAUSE_FAILURE);
	/* in the DONE call: answer traced, 256 set entries, then the guard
	 * on the 257th (s1 again) */
	assert_int_equal(F.tc, FLOW_STEPS_MAX + 2);
	assert_string_equal(F.tv[0].step, "a");
	assert_string_equal(F.tv[1].step, "s1");
	assert_string_equal(F.tv[1].result, "ok");
	assert_string_equal(F.tv[2].step, "s2");
	assert_string_equal(F.tv[FLOW_STEPS_MAX].step, "s2");
	assert_string_equal(F.tv[FLOW_STEPS_MAX].result, "ok");
	expect_trace("s1", "loop_guard", "");
	/* s1 ran 128 times: "x" 128 times, well under the value limit */
	assert_int_equal(strlen(flow_var_get(F.x, "n")), 128);
}

/* The guard counts per call: a loop through a waiting step runs on */
static void test_loop_guard_per_call(void **state)
{
	struct flow_step *s;
	(void)state;

	doc_new(3);
	st(0, "a", FLOW_ANSWER, 1);
	s = st(1, "count", FLOW_SET, 2);
	s->u.set.assignc = 1;
	snprintf(s->u.set.assignv[0].name, FLOW_VAR_NAME_MAX, "n");
	s->u.set.assignv[0].value = dup("{{n}}x");
	s = st(2, "say", FLOW_SAY, 1);
	s->u.say.text = dup("{{n}}");
	x_start_answered();
	for (int i = 1; i <= 300; i++) {
		expect(FLOW_CMD_SAY);
		assert_int_equal(strlen(F.cmd.text), i);
		assert_int_equal(in_done(), 0);
	}
	expect(FLOW_CMD_SAY);
	assert_false(flow_exec_over(F.x));
	assert_int_equal(F.tc, 1 + 300 * 2 + 1);
	flow_exec_abort(F.x, F.now);
	expect_trace("say", "caller_hangup", "");
}

/* After the flow is over every input returns ESRCH */
static void test_over_esrch(void **state)
{
	(void)state;

	doc_new(1);
	st(0, "bye", FLOW_HANGUP, FLOW_END)->u.hangup.cause = CALL_CAUSE_BUSY;
	x_start();
	expect(FLOW_CMD_HANGUP);
	assert_int_equal(F.cmd.cause, CALL_CAUSE_BUSY);
	assert_int_equal(F.cmd.deadline_ms, 0);
	assert_true(flow_exec_over(F.x));
	for (int k = FLOW_IN_START; k <= FLOW_IN_RECORDED; k++) {
		struct flow_input in = {.kind = (enum flow_input_kind)k,
					.digit = '1'};

		assert_int_equal(feed(&in), ESRCH);
		expect(FLOW_CMD_WAIT);
	}
	flow_exec_abort(F.x, F.now);          /* no-op */
	assert_int_equal(F.tc, 1);
	expect_trace("bye", "hangup", "");
	expect_member("cause", "\"busy\"");
}

static void test_abort(void **state)
{
	struct flow_step *s;
	(void)state;

	doc_new(2);
	s = st(0, "g", FLOW_GATHER, 1);
	prompt_say(&s->u.gather.prompt, "code?");
	st(1, "bye", FLOW_HANGUP, FLOW_END);

	/* before start: over, nothing traced */
	x_alloc();
	flow_exec_abort(F.x, F.now);
	assert_true(flow_exec_over(F.x));
	assert_int_equal(in_start(), ESRCH);
	assert_int_equal(F.tc, 0);
	F.x = mem_deref(F.x);

	/* while answering */
	x_start();
	F.now += 10;
	flow_exec_abort(F.x, F.now);
	assert_int_equal(F.tc, 1);
	expect_trace("g", "caller_hangup", "");
	assert_string_equal(trace_last()->input, "{}");
	assert_int_equal(trace_last()->ended, FX_T0 + 10);
	assert_true(flow_exec_over(F.x));
	assert_null(flow_exec_current(F.x));
	assert_int_equal(in_done(), ESRCH);
	flow_exec_abort(F.x, F.now);
	assert_int_equal(F.tc, 1);
	F.x = mem_deref(F.x);

	/* while collecting */
	x_start_answered();
	expect(FLOW_CMD_SAY);
	assert_int_equal(in_done(), 0);
	assert_int_equal(in_digit('4'), 0);
	flow_exec_abort(F.x, F.now + 5);
	assert_int_equal(F.tc, 2);
	expect_trace("g", "caller_hangup", "");
	assert_int_equal(in_digit('#'), ESRCH);
	assert_int_equal(F.tc, 2);
}

/* Digits typed before START and during a play wait in type-ahead */
static void test_typeahead_before_start(void **state)
{
	struct flow_step *s;
	(void)state;

	doc_new(3);
	s = st(0, "hi", FLOW_SAY, 1);
	s->u.say.text = dup("welcome");
	s = st(1, "g", FLOW_GATHER, 2);
	prompt_say(&s->u.gather.prompt, "code?");
	s->u.gather.max_digits = 4;
	st(2, "bye", FLOW_HANGUP, FLOW_END);

	x_alloc();
	assert_int_equal(in_digit('1'), 0);
	expect(FLOW_CMD_WAIT);
	assert_int_equal(in_start(), 0);
	expect(FLOW_CMD_ANSWER);
	assert_int_equal(in_digit('2'), 0);
	assert_int_equal(in_done(), 0);
	expect(FLOW_CMD_SAY);
	assert_int_equal(in_digits("34"), 0);
	expect(FLOW_CMD_WAIT);                   /* the say keeps playing */
	assert_int_equal(F.cmd.deadline_ms, 0);
	assert_int_equal(in_done(), 0);
	/* the gather took 1234 without its prompt */
	expect_hangup(CALL_CAUSE_NORMAL_CLEARING);
	expect_var("digits", "1234");
	assert_string_equal(F.tv[1].step, "g");
	assert_string_equal(F.tv[1].result, "ok");
}

/* Without an env: no trace, no local time (the schedule fails closed) */
static void test_no_env(void **state)
{
	struct flow_step *s;
	(void)state;

	doc_new(3);
	s = st(0, "sched", FLOW_SCHEDULE, FLOW_END);
	s->u.schedule.open = 1;
	s->u.schedule.closed = 2;
	st(1, "open", FLOW_HANGUP, FLOW_END);
	st(2, "closed", FLOW_HANGUP, FLOW_END)->u.hangup.cause =
		CALL_CAUSE_UNAVAILABLE;
	F.no_env = true;
	x_start();
	expect_hangup(CALL_CAUSE_UNAVAILABLE);
	assert_int_equal(F.tc, 0);
}

/* The document stays alive while a run holds it */
static void test_doc_ref(void **state)
{
	struct flow_step *s;
	(void)state;

	doc_new(1);
	s = st(0, "hi", FLOW_SAY, FLOW_END);
	s->u.say.text = dup("kept");
	x_start_answered();
	F.doc = mem_deref(F.doc);
	expect_text(FLOW_CMD_SAY, "kept");
	assert_string_equal(flow_exec_current(F.x)->id, "hi");
	assert_int_equal(in_done(), 0);
	expect_hangup(CALL_CAUSE_NORMAL_CLEARING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_answer_play_end),
		FX_TEST(test_answer_failed),
		FX_TEST(test_answer_once),
		FX_TEST(test_say_auto_answer),
		FX_TEST(test_auto_answer_failed),
		FX_TEST(test_play_failed_goes_on),
		FX_TEST(test_stale_inputs),
		FX_TEST(test_bad_arguments),
		FX_TEST(test_bad_refs_end),
		FX_TEST(test_loop_guard),
		FX_TEST(test_loop_guard_per_call),
		FX_TEST(test_over_esrch),
		FX_TEST(test_abort),
		FX_TEST(test_typeahead_before_start),
		FX_TEST(test_no_env),
		FX_TEST(test_doc_ref),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

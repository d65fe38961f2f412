/** @file test/unit/core/flow/exec_collect.c  gather and menu: prompts,
 *  barge-in, deadlines, attempts, type-ahead */
#include "exec_fixture.h"

enum { G = 0, OK, INVALID, NOINPUT };

/* 0 gather "g" → 1 ok | 2 invalid | 3 no_input (each a say) */
static struct flow_gather *gather_doc(const char *prompt)
{
	struct flow_step *s;

	doc_new(4);
	s = st(G, "g", FLOW_GATHER, OK);
	if (prompt)
		prompt_say(&s->u.gather.prompt, prompt);
	s->u.gather.invalid = INVALID;
	s->u.gather.no_input = NOINPUT;
	st(OK, "ok", FLOW_SAY, FLOW_END)->u.say.text = dup("thanks {{digits}}");
	st(INVALID, "bad", FLOW_SAY, FLOW_END)->u.say.text = dup("invalid");
	st(NOINPUT, "none", FLOW_SAY, FLOW_END)->u.say.text = dup("nothing");
	return &s->u.gather;
}

/* Start and answer: the gather's first command */
static void gather_run(void)
{
	x_start_answered();
}

static void expect_prompt(const char *text)
{
	expect_text(FLOW_CMD_SAY, text);
	assert_int_equal(F.cmd.loop, 1);
	assert_int_equal(F.cmd.deadline_ms, 0);
	assert_string_equal(F.cmd.step->id, "g");
}

static void expect_wait_until(uint64_t deadline)
{
	expect(FLOW_CMD_WAIT);
	assert_int_equal(F.cmd.deadline_ms, deadline);
}

static void test_gather_terminator(void **state)
{
	struct flow_gather *g = gather_doc("Enter {{what}}");
	(void)state;

	snprintf(g->var, sizeof(g->var), "account");
	x_alloc();
	assert_int_equal(flow_var_set(F.x, "what", "your account"), 0);
	assert_int_equal(in_start(), 0);
	expect(FLOW_CMD_ANSWER);
	assert_int_equal(in_done(), 0);
	expect_prompt("Enter your account");
	F.now += 2000;
	assert_int_equal(in_done(), 0);
	expect_wait_until(F.now + 5000);         /* first-digit timeout */
	F.now += 1000;
	assert_int_equal(in_digit('1'), 0);
	expect_wait_until(F.now + 3000);         /* inter-digit */
	F.now += 500;
	assert_int_equal(in_digit('2'), 0);
	expect_wait_until(F.now + 3000);
	assert_int_equal(in_digit('#'), 0);
	expect_text(FLOW_CMD_SAY, "thanks 12");
	expect_trace("g", "ok", "ok");
	expect_member("digits", "\"12\"");
	expect_member("attempts", "1");
	expect_var("digits", "12");
	expect_var("account", "12");
	assert_int_equal(trace_last()->started, FX_T0);
	assert_int_equal(trace_last()->ended, F.now);
}

/* max_digits ends the collection */
static void test_gather_max_digits(void **state)
{
	struct flow_gather *g = gather_doc(NULL);
	struct flow_step *s;
	(void)state;

	g->max_digits = 3;
	g->terminator = 0;
	/* ok step becomes a second gather without prompt */
	s = &F.doc->stepv[OK];
	flow_step_set_action(s, FLOW_GATHER);
	s->u.gather.max_digits = 2;
	s->u.gather.terminator = 0;
	s->next = FLOW_END;
	gather_run();
	expect_wait_until(F.now + 5000);         /* no prompt: at once */
	assert_int_equal(in_digits("12"), 0);
	expect_wait_until(F.now + 3000);
	assert_int_equal(F.tc, 0);
	assert_int_equal(in_digit('#'), 0);      /* the 3rd: 3 = max */
	expect_trace("g", "ok", "ok");
	expect_var("digits", "12#");
	/* the second gather is collecting now */
	expect_wait_until(F.now + 5000);
	assert_string_equal(F.cmd.step->id, "ok");
	assert_int_equal(in_digit('5'), 0);
	expect(FLOW_CMD_WAIT);
	assert_int_equal(in_digit('6'), 0);
	expect_hangup(CALL_CAUSE_NORMAL_CLEARING);
	expect_var("digits", "56");
}

/* The inter-digit deadline ends the collection with the digits typed */
static void test_gather_inter_digit(void **state)
{
	(void)state;

	gather_doc("code?");
	gather_run();
	assert_int_equal(in_done(), 0);
	assert_int_equal(in_digits("12"), 0);
	expect_wait_until(F.now + 3000);
	F.now += 2999;
	assert_int_equal(in_timer(), 0);         /* early: nothing */
	expect_wait_until(F.now + 1);
	assert_int_equal(F.tc, 0);
	assert_int_equal(in_digit('3'), 0);      /* restarts the deadline */
	expect_wait_until(F.now + 3000);
	assert_int_equal(in_deadline(), 0);
	expect_text(FLOW_CMD_SAY, "thanks 123");
	expect_trace("g", "ok", "ok");
}

/* Nothing typed: the prompt is played again, then no_input */
static void test_gather_no_input(void **state)
{
	(void)state;

	gather_doc("code?");
	gather_run();
	for (int attempt = 1; attempt <= 3; attempt++) {
		expect_prompt("code?");
		assert_int_equal(in_done(), 0);
		expect_wait_until(F.now + 5000);
		assert_int_equal(in_deadline(), 0);
	}
	expect_text(FLOW_CMD_SAY, "nothing");
	expect_trace("g", "no_input", "none");
	expect_member("digits", "\"\"");
	expect_member("attempts", "3");
	expect_var("digits", NULL);
}

/* retries 0: one attempt; no_input FLOW_END: the flow ends */
static void test_gather_no_retry(void **state)
{
	struct flow_gather *g = gather_doc(NULL);
	(void)state;

	g->retries = 0;
	g->no_input = FLOW_END;
	gather_run();
	assert_int_equal(in_deadline(), 0);
	expect_hangup(CALL_CAUSE_NORMAL_CLEARING);
	expect_trace("g", "no_input", "");
	expect_member("attempts", "1");
}

/* Too few digits on every attempt: the invalid target */
static void test_gather_invalid(void **state)
{
	struct flow_gather *g = gather_doc("pin?");
	(void)state;

	g->min_digits = 4;
	gather_run();
	expect_prompt("pin?");
	assert_int_equal(in_done(), 0);
	assert_int_equal(in_digits("12#"), 0);
	expect_prompt("pin?");                   /* attempt 2 */
	assert_int_equal(in_done(), 0);
	assert_int_equal(in_digits("123"), 0);
	assert_int_equal(in_deadline(), 0);      /* 3 digits, timed out */
	expect_prompt("pin?");                   /* attempt 3 */
	assert_int_equal(in_done(), 0);
	assert_int_equal(in_digit('#'), 0);      /* terminator alone */
	expect_text(FLOW_CMD_SAY, "invalid");
	expect_trace("g", "invalid", "bad");
	expect_member("digits", "\"\"");
	expect_member("attempts", "3");
	expect_var("digits", NULL);
}

/* An invalid attempt, then a valid one */
static void test_gather_second_attempt(void **state)
{
	struct flow_gather *g = gather_doc("pin?");
	(void)state;

	g->min_digits = 2;
	gather_run();
	assert_int_equal(in_done(), 0);
	assert_int_equal(in_digit('1'), 0);
	assert_int_equal(in_deadline(), 0);      /* 1 < min_digits */
	expect_prompt("pin?");
	assert_int_equal(in_done(), 0);
	assert_int_equal(in_digits("12#"), 0);
	expect_trace("g", "ok", "ok");
	expect_member("attempts", "2");
	expect_var("digits", "12");
}

/* min_digits 0: the terminator alone is a valid (empty) answer */
static void test_gather_min_zero(void **state)
{
	struct flow_gather *g = gather_doc(NULL);
	(void)state;

	g->min_digits = 0;
	gather_run();
	assert_int_equal(in_digit('#'), 0);
	expect_trace("g", "ok", "ok");
	expect_var("digits", "");
}

static void test_gather_pattern(void **state)
{
	struct flow_gather *g = gather_doc("zip?");
	(void)state;

	assert_int_equal(regcomp(&g->pattern, "^9[0-9]{2}$", REG_EXTENDED |
				 REG_NOSUB), 0);
	g->has_pattern = true;
	g->retries = 1;
	gather_run();
	assert_int_equal(in_done(), 0);
	assert_int_equal(in_digits("123#"), 0);
	expect_prompt("zip?");
	assert_int_equal(in_done(), 0);
	assert_int_equal(in_digits("987#"), 0);
	expect_trace("g", "ok", "ok");
	expect_var("digits", "987");
	F.x = mem_deref(F.x);
	F.tc = 0;

	/* both attempts wrong: invalid */
	gather_run();
	assert_int_equal(in_done(), 0);
	assert_int_equal(in_digits("9876#"), 0);
	assert_int_equal(in_done(), 0);
	assert_int_equal(in_digits("1*#"), 0);
	expect_trace("g", "invalid", "bad");
	expect_member("digits", "\"1*\"");
}

/* Digits typed during an earlier prompt skip the gather's prompt */
static void test_gather_typeahead(void **state)
{
	struct flow_step *s;
	(void)state;

	doc_new(3);
	s = st(0, "hi", FLOW_SAY, 1);
	s->u.say.text = dup("welcome");
	s = st(1, "g", FLOW_GATHER, 2);
	prompt_say(&s->u.gather.prompt, "code?");
	st(2, "bye", FLOW_HANGUP, FLOW_END);

	x_start_answered();
	expect(FLOW_CMD_SAY);
	assert_int_equal(in_digits("12"), 0);
	expect_wait_until(0);
	assert_int_equal(in_done(), 0);
	/* no prompt: collecting with the inter-digit deadline */
	expect_wait_until(F.now + 3000);
	assert_string_equal(F.cmd.step->id, "g");
	assert_int_equal(in_digits("3#"), 0);
	expect_hangup(CALL_CAUSE_NORMAL_CLEARING);
	assert_string_equal(F.tv[1].step, "g");
	assert_string_equal(F.tv[1].result, "ok");
	expect_var("digits", "123");
}

/* A full buffer, including the terminator: done without waiting; what
 * is left stays for the next step; more than FLOW_DIGITS_MAX dropped */
static void test_gather_typeahead_complete(void **state)
{
	struct flow_step *s;
	char many[FLOW_DIGITS_MAX + 8];
	(void)state;

	doc_new(4);
	s = st(0, "hi", FLOW_SAY, 1);
	s->u.say.text = dup("welcome");
	st(1, "g1", FLOW_GATHER, 2);
	st(2, "g2", FLOW_GATHER, 3);
	st(3, "g3", FLOW_GATHER, FLOW_END)->u.gather.terminator = 0;

	x_start_answered();
	assert_int_equal(in_digits("12#345#"), 0);
	memset(many, '7', sizeof(many) - 1);
	many[sizeof(many) - 1] = '\0';
	assert_int_equal(in_digits(many), 0);
	assert_int_equal(in_done(), 0);
	/* g1 took 12, g2 345, g3 the 25 sevens that fit: max 32 → waits */
	expect_wait_until(F.now + 3000);
	assert_string_equal(F.cmd.step->id, "g3");
	assert_int_equal(F.tc, 3);
	assert_string_equal(F.tv[1].input,
			    "{\"digits\":\"12\",\"attempts\":1}");
	assert_string_equal(F.tv[2].input,
			    "{\"digits\":\"345\",\"attempts\":1}");
	assert_int_equal(in_deadline(), 0);
	expect_hangup(CALL_CAUSE_NORMAL_CLEARING);
	assert_int_equal(strlen(flow_var_get(F.x, "digits")),
			 FLOW_DIGITS_MAX - 7);
}

/* Type-ahead that is invalid uses up an attempt, then the prompt plays */
static void test_gather_typeahead_invalid(void **state)
{
	struct flow_step *s;
	(void)state;

	doc_new(3);
	s = st(0, "hi", FLOW_SAY, 1);
	s->u.say.text = dup("welcome");
	s = st(1, "g", FLOW_GATHER, 2);
	prompt_say(&s->u.gather.prompt, "code?");
	s->u.gather.min_digits = 3;
	st(2, "bye", FLOW_HANGUP, FLOW_END);

	x_start_answered();
	assert_int_equal(in_digits("1#"), 0);
	assert_int_equal(in_done(), 0);
	expect_prompt("code?");
	assert_int_equal(in_done(), 0);
	assert_int_equal(in_digits("123#"), 0);
	expect_hangup(CALL_CAUSE_NORMAL_CLEARING);
	assert_string_equal(F.tv[1].input,
			    "{\"digits\":\"123\",\"attempts\":2}");
}

/* A digit during the prompt stops it; collection goes on */
static void test_gather_barge_in(void **state)
{
	(void)state;

	gather_doc("code?");
	gather_run();
	expect_prompt("code?");
	F.now += 700;
	assert_int_equal(in_digit('5'), 0);
	expect(FLOW_CMD_STOP);
	assert_int_equal(F.cmd.deadline_ms, F.now + 3000);
	assert_string_equal(F.cmd.step->id, "g");
	F.now += 20;
	assert_int_equal(in_digit('6'), 0);
	expect_wait_until(F.now + 3000);
	F.now += 30;
	assert_int_equal(in_done(), 0);          /* the STOP's DONE */
	expect_wait_until(F.now + 2970);         /* nothing replayed */
	assert_int_equal(in_digit('#'), 0);
	expect_text(FLOW_CMD_SAY, "thanks 56");
	expect_trace("g", "ok", "ok");
}

/* Barge-in with the terminator: complete, waits for the DONE; digits
 * after that are type-ahead */
static void test_gather_barge_in_complete(void **state)
{
	struct flow_gather *g = gather_doc("code?");
	struct flow_step *s;
	(void)state;

	g->max_digits = 1;
	s = &F.doc->stepv[OK];
	flow_step_set_action(s, FLOW_GATHER);   /* no prompt */
	s->next = FLOW_END;
	gather_run();
	assert_int_equal(in_digit('5'), 0);
	expect(FLOW_CMD_STOP);
	assert_int_equal(F.cmd.deadline_ms, 0);
	assert_int_equal(in_digit('8'), 0);      /* type-ahead */
	expect_wait_until(0);
	assert_int_equal(in_timer(), 0);
	expect_wait_until(0);
	assert_int_equal(F.tc, 0);
	assert_int_equal(in_done(), 0);
	expect_trace("g", "ok", "ok");
	expect_var("digits", "5");
	expect_wait_until(F.now + 3000);         /* "8" typed in g2 */
	assert_int_equal(in_digit('#'), 0);
	expect_hangup(CALL_CAUSE_NORMAL_CLEARING);
	expect_var("digits", "8");
}

/* The inter-digit deadline passes before the STOP's DONE comes */
static void test_gather_stopping_deadline(void **state)
{
	(void)state;

	gather_doc("code?");
	gather_run();
	assert_int_equal(in_digit('4'), 0);
	expect(FLOW_CMD_STOP);
	F.now += 1000;
	assert_int_equal(in_timer(), 0);         /* early */
	expect_wait_until(F.now + 2000);
	assert_int_equal(in_deadline(), 0);      /* ends; DONE still due */
	expect_wait_until(0);
	assert_int_equal(F.tc, 0);
	assert_int_equal(in_digit('9'), 0);      /* ended: type-ahead */
	assert_int_equal(in_done(), 0);
	expect_trace("g", "ok", "ok");
	expect_var("digits", "4");
	F.x = mem_deref(F.x);
	F.tc = 0;

	/* the same without the TIMER: the DONE comes after the deadline */
	gather_run();
	assert_int_equal(in_digit('4'), 0);
	F.now += 3000;
	assert_int_equal(in_done(), 0);
	expect_trace("g", "ok", "ok");
	expect_var("digits", "4");
}

/* A failed prompt, or a PLAY prompt, behave like a spoken one */
static void test_gather_prompt_kinds(void **state)
{
	struct flow_gather *g = gather_doc(NULL);
	(void)state;

	prompt_play(&g->prompt, "/snd/code.wav");
	gather_run();
	expect_text(FLOW_CMD_PLAY, "/snd/code.wav");
	assert_int_equal(F.cmd.loop, 1);
	assert_int_equal(in_failed(), 0);
	expect_wait_until(F.now + 5000);
	assert_int_equal(in_digits("77#"), 0);
	expect_trace("g", "ok", "ok");
}

/* Without terminator '#' is a digit */
static void test_gather_no_terminator(void **state)
{
	struct flow_gather *g = gather_doc(NULL);
	(void)state;

	g->terminator = 0;
	g->max_digits = 3;
	gather_run();
	assert_int_equal(in_digits("#*#"), 0);
	expect_trace("g", "ok", "ok");
	expect_var("digits", "#*#");
}

/* A '*' terminator; '#' is then a digit */
static void test_gather_star_terminator(void **state)
{
	struct flow_gather *g = gather_doc(NULL);
	(void)state;

	g->terminator = '*';
	gather_run();
	assert_int_equal(in_digits("1#A*"), 0);
	expect_trace("g", "ok", "ok");
	expect_var("digits", "1#A");
}


/* --- menu --- */

enum { M = 0, SALES, SUPPORT, MBAD, MNONE };

/* 0 menu "m": 1 → sales, 2 → support; invalid → bad; no_input → none */
static struct flow_menu *menu_doc(const char *prompt)
{
	struct flow_step *s;
	struct flow_menu *m;

	doc_new(5);
	s = st(M, "m", FLOW_MENU, FLOW_END);
	m = &s->u.menu;
	if (prompt)
		prompt_say(&m->prompt, prompt);
	m->optv[0].digit = '1';
	m->optv[0].to = SALES;
	m->optv[1].digit = '2';
	m->optv[1].to = SUPPORT;
	m->optc = 2;
	m->invalid = MBAD;
	m->no_input = MNONE;
	st(SALES, "sales", FLOW_SAY, FLOW_END)->u.say.text = dup("sales");
	st(SUPPORT, "support", FLOW_SAY, FLOW_END)->u.say.text =
		dup("support");
	st(MBAD, "bad", FLOW_SAY, FLOW_END)->u.say.text = dup("bad");
	st(MNONE, "none", FLOW_SAY, FLOW_END)->u.say.text = dup("none");
	return m;
}

static void expect_menu_prompt(void)
{
	expect_text(FLOW_CMD_SAY, "Press 1 or 2");
	assert_string_equal(F.cmd.step->id, "m");
	assert_int_equal(F.cmd.deadline_ms, 0);
}

static void test_menu_valid(void **state)
{
	(void)state;

	menu_doc("Press 1 or 2");
	x_start_answered();
	expect_menu_prompt();
	assert_int_equal(in_done(), 0);
	expect_wait_until(F.now + 5000);
	F.now += 1200;
	assert_int_equal(in_digit('2'), 0);
	expect_text(FLOW_CMD_SAY, "support");
	expect_trace("m", "ok", "support");
	expect_member("digits", "\"2\"");
	expect_member("attempts", "1");
	expect_var("digits", "2");
}

static void test_menu_barge_in(void **state)
{
	(void)state;

	menu_doc("Press 1 or 2");
	x_start_answered();
	assert_int_equal(in_digit('1'), 0);
	expect(FLOW_CMD_STOP);
	assert_int_equal(F.cmd.deadline_ms, 0);
	assert_int_equal(in_digit('2'), 0);      /* type-ahead */
	assert_int_equal(in_timer(), 0);
	expect_wait_until(0);
	assert_int_equal(F.tc, 0);
	assert_int_equal(in_done(), 0);
	expect_text(FLOW_CMD_SAY, "sales");
	expect_trace("m", "ok", "sales");
	expect_var("digits", "1");
}

/* A wrong digit: invalid_prompt, the prompt again, finally invalid */
static void test_menu_invalid_prompt(void **state)
{
	struct flow_menu *m = menu_doc("Press 1 or 2");
	(void)state;

	prompt_say(&m->invalid_prompt, "{{digits}}? No.");
	x_start_answered();
	for (int attempt = 1; attempt <= 3; attempt++) {
		expect_menu_prompt();
		assert_int_equal(in_done(), 0);
		assert_int_equal(in_digit('9'), 0);
		expect_text(FLOW_CMD_SAY, "? No.");    /* digits unset */
		assert_int_equal(F.cmd.deadline_ms, 0);
		assert_int_equal(in_timer(), 0);        /* nothing to time */
		expect(FLOW_CMD_WAIT);
		assert_int_equal(in_done(), 0);
	}
	expect_text(FLOW_CMD_SAY, "bad");
	expect_trace("m", "invalid", "bad");
	expect_member("digits", "\"9\"");
	expect_member("attempts", "3");
	expect_var("digits", NULL);
}

/* A wrong digit without invalid_prompt: the prompt again at once */
static void test_menu_invalid_no_prompt(void **state)
{
	struct flow_menu *m = menu_doc("Press 1 or 2");
	(void)state;

	m->retries = 1;
	x_start_answered();
	assert_int_equal(in_done(), 0);
	assert_int_equal(in_digit('*'), 0);
	expect_menu_prompt();
	assert_int_equal(in_digit('#'), 0);      /* barge-in, wrong too */
	expect(FLOW_CMD_STOP);
	assert_int_equal(in_done(), 0);
	expect_text(FLOW_CMD_SAY, "bad");
	expect_trace("m", "invalid", "bad");
	expect_member("digits", "\"#\"");
	expect_member("attempts", "2");
}

/* Digits typed during invalid_prompt are the next attempt's choice */
static void test_menu_invalid_typeahead(void **state)
{
	struct flow_menu *m = menu_doc("Press 1 or 2");
	(void)state;

	prompt_say(&m->invalid_prompt, "No.");
	x_start_answered();
	assert_int_equal(in_done(), 0);
	assert_int_equal(in_digit('7'), 0);
	expect_text(FLOW_CMD_SAY, "No.");
	assert_int_equal(in_digit('2'), 0);
	expect_wait_until(0);                    /* keeps playing */
	assert_int_equal(in_done(), 0);
	expect_text(FLOW_CMD_SAY, "support");
	expect_trace("m", "ok", "support");
	expect_member("attempts", "2");
}

/* Timeouts: the prompt again, then no_input */
static void test_menu_timeout(void **state)
{
	(void)state;

	menu_doc("Press 1 or 2");
	x_start_answered();
	for (int attempt = 1; attempt <= 3; attempt++) {
		expect_menu_prompt();
		assert_int_equal(in_done(), 0);
		expect_wait_until(F.now + 5000);
		F.now += 100;
		assert_int_equal(in_timer(), 0);        /* early */
		expect_wait_until(F.now + 4900);
		assert_int_equal(in_deadline(), 0);
	}
	expect_text(FLOW_CMD_SAY, "none");
	expect_trace("m", "no_input", "none");
	expect_member("digits", "\"\"");
	expect_member("attempts", "3");
}

/* A wrong digit, then silence on the last attempt: no_input */
static void test_menu_invalid_then_timeout(void **state)
{
	struct flow_menu *m = menu_doc(NULL);
	(void)state;

	m->retries = 1;
	m->timeout_ms = 2000;
	x_start_answered();
	expect_wait_until(F.now + 2000);         /* no prompt */
	assert_string_equal(F.cmd.step->id, "m");
	assert_int_equal(in_digit('5'), 0);
	expect_wait_until(F.now + 2000);         /* attempt 2 */
	assert_int_equal(in_deadline(), 0);
	expect_trace("m", "no_input", "none");
	expect_member("attempts", "2");
}

/* Nested menus answered from type-ahead; an option to FLOW_END */
static void test_menu_typeahead_nested(void **state)
{
	struct flow_menu *m = menu_doc("Press 1 or 2");
	struct flow_step *s;
	(void)state;

	(void)m;
	s = &F.doc->stepv[SALES];                /* sales: a second menu */
	flow_step_set_action(s, FLOW_MENU);
	prompt_say(&s->u.menu.prompt, "Sales: press 3");
	s->u.menu.optv[0].digit = '3';
	s->u.menu.optv[0].to = FLOW_END;
	s->u.menu.optc = 1;
	x_start_answered();
	assert_int_equal(in_digit('1'), 0);
	expect(FLOW_CMD_STOP);
	assert_int_equal(in_digit('3'), 0);
	assert_int_equal(in_done(), 0);
	expect_hangup(CALL_CAUSE_NORMAL_CLEARING);
	assert_int_equal(F.tc, 2);
	assert_string_equal(F.tv[0].next, "sales");
	expect_trace("sales", "ok", "");
	expect_var("digits", "3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_gather_terminator),
		FX_TEST(test_gather_max_digits),
		FX_TEST(test_gather_inter_digit),
		FX_TEST(test_gather_no_input),
		FX_TEST(test_gather_no_retry),
		FX_TEST(test_gather_invalid),
		FX_TEST(test_gather_second_attempt),
		FX_TEST(test_gather_min_zero),
		FX_TEST(test_gather_pattern),
		FX_TEST(test_gather_typeahead),
		FX_TEST(test_gather_typeahead_complete),
		FX_TEST(test_gather_typeahead_invalid),
		FX_TEST(test_gather_barge_in),
		FX_TEST(test_gather_barge_in_complete),
		FX_TEST(test_gather_stopping_deadline),
		FX_TEST(test_gather_prompt_kinds),
		FX_TEST(test_gather_no_terminator),
		FX_TEST(test_gather_star_terminator),
		FX_TEST(test_menu_valid),
		FX_TEST(test_menu_barge_in),
		FX_TEST(test_menu_invalid_prompt),
		FX_TEST(test_menu_invalid_no_prompt),
		FX_TEST(test_menu_invalid_typeahead),
		FX_TEST(test_menu_timeout),
		FX_TEST(test_menu_invalid_then_timeout),
		FX_TEST(test_menu_typeahead_nested),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

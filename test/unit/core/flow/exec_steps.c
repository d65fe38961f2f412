/** @file test/unit/core/flow/exec_steps.c  branch, set, schedule, queue,
 *  dial, transfer, record, webhook and hangup steps */
#include "exec_fixture.h"

/* Free the run and the document (between cases of a table) */
static void reset(void)
{
	F.x = mem_deref(F.x);
	F.doc = mem_deref(F.doc);
	F.tc = 0;
}

/* --- branch --- */

struct cond_case {
	const char *var;      /* value of variable v, NULL = unset */
	enum flow_op op;
	const char *value;    /* template, or regex for matches */
	bool holds;
};

static const struct cond_case cond_cases[] = {
	{"abc", FLOW_OP_EQ, "abc", true},
	{"abc", FLOW_OP_EQ, "abd", false},
	{NULL, FLOW_OP_EQ, "", true},
	{"abc", FLOW_OP_EQ, "{{other}}", true},     /* other = "abc" */
	{"abc", FLOW_OP_EQ, "{{ other }}x", false},
	{"a", FLOW_OP_NE, "b", true},
	{"a", FLOW_OP_NE, "a", false},
	{NULL, FLOW_OP_NE, "x", true},
	{"2", FLOW_OP_LT, "10", true},               /* numbers, not text */
	{"10", FLOW_OP_LT, "9", false},
	{"3", FLOW_OP_LT, "3", false},
	{"-3.5", FLOW_OP_LT, "-3", true},
	{"1e2", FLOW_OP_LT, "101", true},
	{"abc", FLOW_OP_LT, "5", false},
	{"5", FLOW_OP_LT, "", false},
	{NULL, FLOW_OP_LT, "5", false},
	{" 5", FLOW_OP_LT, "9", false},             /* whole string */
	{"5 ", FLOW_OP_LT, "9", false},
	{"5", FLOW_OP_LT, "9x", false},
	{"nan", FLOW_OP_LT, "9", false},
	{"-inf", FLOW_OP_LT, "9", false},           /* not finite */
	{"3", FLOW_OP_LE, "3", true},
	{"4", FLOW_OP_LE, "3", false},
	{"10", FLOW_OP_GT, "9", true},
	{"9", FLOW_OP_GT, "9", false},
	{"3", FLOW_OP_GE, "3.0", true},
	{"2.9", FLOW_OP_GE, "3", false},
	{"7", FLOW_OP_GE, "{{seven}}", true},       /* seven = "7" */
	{"hello world", FLOW_OP_CONTAINS, "lo w", true},
	{"hello world", FLOW_OP_CONTAINS, "xyz", false},
	{"hello", FLOW_OP_CONTAINS, "", true},
	{NULL, FLOW_OP_CONTAINS, "a", false},
	{"+33123", FLOW_OP_STARTS_WITH, "+33", true},
	{"+44123", FLOW_OP_STARTS_WITH, "+33", false},
	{"+3", FLOW_OP_STARTS_WITH, "+33", false},
	{"+33123", FLOW_OP_MATCHES, "^\\+33", true},
	{"+4433", FLOW_OP_MATCHES, "^\\+33", false},
	{NULL, FLOW_OP_MATCHES, "^$", true},
	{"VIP-7", FLOW_OP_MATCHES, "^(vip|VIP)-[0-9]+$", true},
	{"x", FLOW_OP_EXISTS, NULL, true},
	{"", FLOW_OP_EXISTS, NULL, false},
	{NULL, FLOW_OP_EXISTS, NULL, false},
	{NULL, FLOW_OP_EMPTY, NULL, true},
	{"", FLOW_OP_EMPTY, NULL, true},
	{"x", FLOW_OP_EMPTY, NULL, false},
	{"x", FLOW_OP_COUNT, "x", false},           /* unknown op */
};

/* 0 branch on variable v → 1 "yes" (hangup busy), next 2 "no" (hangup
 * rejected) */
static struct flow_branch *branch_doc(void)
{
	struct flow_step *s;

	doc_new(3);
	s = st(0, "b", FLOW_BRANCH, 2);
	st(1, "yes", FLOW_HANGUP, FLOW_END)->u.hangup.cause =
		CALL_CAUSE_BUSY;
	st(2, "no", FLOW_HANGUP, FLOW_END)->u.hangup.cause =
		CALL_CAUSE_REJECTED;
	return &s->u.branch;
}

static void cond_add(struct flow_branch *b, const char *var,
		     enum flow_op op, const char *value, flow_ref to)
{
	struct flow_cond *c = &b->condv[b->condc++];

	snprintf(c->var, sizeof(c->var), "%s", var);
	c->op = op;
	c->value = value ? dup(value) : NULL;
	c->to = to;
	if (op == FLOW_OP_MATCHES) {
		assert_int_equal(regcomp(&c->re, value, REG_EXTENDED |
					 REG_NOSUB), 0);
		c->has_re = true;
	}
}

static void test_branch_ops(void **state)
{
	(void)state;

	for (size_t i = 0; i < sizeof(cond_cases) / sizeof(cond_cases[0]);
	     i++) {
		const struct cond_case *k = &cond_cases[i];
		struct flow_branch *b = branch_doc();

		cond_add(b, "v", k->op, k->value, 1);
		x_alloc();
		assert_int_equal(flow_var_set(F.x, "other", "abc"), 0);
		assert_int_equal(flow_var_set(F.x, "seven", "7"), 0);
		if (k->var)
			assert_int_equal(flow_var_set(F.x, "v", k->var), 0);
		assert_int_equal(in_start(), 0);
		expect(FLOW_CMD_HANGUP);
		if (F.cmd.cause != (k->holds ? CALL_CAUSE_BUSY
				    : CALL_CAUSE_REJECTED))
			fail_msg("case %zu: \"%s\" op %d \"%s\": want %d", i,
				 k->var ? k->var : "(unset)", k->op,
				 k->value ? k->value : "(null)", k->holds);
		assert_string_equal(F.tv[0].result, k->holds ? "matched"
				    : "otherwise");
		assert_string_equal(F.tv[0].next, k->holds ? "yes" : "no");
		reset();
	}
}

/* The first condition that holds wins; the trace shows the values */
static void test_branch_first_wins(void **state)
{
	struct flow_branch *b = branch_doc();
	(void)state;

	cond_add(b, "caller", FLOW_OP_MATCHES, "^\\+44", 2);
	cond_add(b, "caller", FLOW_OP_STARTS_WITH, "{{prefix}}", 1);
	cond_add(b, "digits", FLOW_OP_EQ, "1", 2);   /* holds, too late */
	x_alloc();
	assert_int_equal(flow_var_set(F.x, "caller", "+33 \"x\""), 0);
	assert_int_equal(flow_var_set(F.x, "prefix", "+33"), 0);
	assert_int_equal(flow_var_set(F.x, "digits", "1"), 0);
	assert_int_equal(in_start(), 0);
	expect_hangup(CALL_CAUSE_BUSY);
	assert_int_equal(F.tc, 2);
	assert_string_equal(F.tv[0].step, "b");
	assert_int_equal(F.tv[0].action, FLOW_BRANCH);
	assert_string_equal(F.tv[0].result, "matched");
	assert_string_equal(F.tv[0].next, "yes");
	assert_string_equal(F.tv[0].input, "{\"caller\":\"+33 \\\"x\\\"\","
			    "\"condition\":1,\"value\":\"+33\"}");

	/* none holds: otherwise, every variable compared shown once */
	reset();
	b = branch_doc();
	cond_add(b, "caller", FLOW_OP_EQ, "a", 1);
	cond_add(b, "digits", FLOW_OP_EQ, "b", 1);
	cond_add(b, "caller", FLOW_OP_EQ, "c", 1);
	x_alloc();
	assert_int_equal(flow_var_set(F.x, "caller", "z"), 0);
	assert_int_equal(in_start(), 0);
	expect_hangup(CALL_CAUSE_REJECTED);
	assert_string_equal(F.tv[0].result, "otherwise");
	assert_string_equal(F.tv[0].input,
			    "{\"caller\":\"z\",\"digits\":\"\"}");
}

/* --- set --- */

static void assign(struct flow_set *s, const char *name, const char *tpl)
{
	struct flow_assign *a = &s->assignv[s->assignc++];

	snprintf(a->name, sizeof(a->name), "%s", name);
	a->value = dup(tpl);
}

static void test_set(void **state)
{
	struct flow_step *s;
	(void)state;

	doc_new(2);
	s = st(0, "s", FLOW_SET, 1);
	assign(&s->u.set, "greeting", "Hi {{caller_name}}");
	assign(&s->u.set, "full", "{{greeting}} from {{ caller }}!");
	assign(&s->u.set, "Bad Name", "ignored");
	assign(&s->u.set, "caller", "");
	st(1, "hi", FLOW_SAY, FLOW_END)->u.say.text =
		dup("{{full}}/{{caller}}/{{missing}}");
	x_alloc();
	assert_int_equal(flow_var_set(F.x, "caller_name", "Ann"), 0);
	assert_int_equal(flow_var_set(F.x, "caller", "+1555"), 0);
	assert_int_equal(in_start(), 0);
	expect(FLOW_CMD_ANSWER);                 /* set ran: say answers */
	assert_int_equal(F.tc, 1);
	expect_trace("s", "ok", "hi");
	assert_string_equal(trace_last()->input,
			    "{\"greeting\":\"Hi Ann\",\"full\":"
			    "\"Hi Ann from +1555!\",\"Bad Name\":\"ignored\","
			    "\"caller\":\"\"}");
	expect_var("greeting", "Hi Ann");
	expect_var("full", "Hi Ann from +1555!");
	expect_var("Bad Name", NULL);
	expect_var("caller", "");
	assert_int_equal(in_done(), 0);
	expect_text(FLOW_CMD_SAY, "Hi Ann from +1555!//");
}

/* --- schedule --- */

enum { SUN, MON, TUE, WED, THU, FRI, SAT };

static void schedule_doc(void)
{
	struct flow_step *s;
	struct flow_schedule *sc;

	doc_new(3);
	s = st(0, "hours", FLOW_SCHEDULE, FLOW_END);
	sc = &s->u.schedule;
	snprintf(sc->tz, sizeof(sc->tz), "Europe/Paris");
	sc->hoursv[0].days = 0x3e;                  /* mon..fri */
	sc->hoursv[0].from_min = 9 * 60;
	sc->hoursv[0].to_min = 17 * 60 + 30;
	sc->hoursv[1].days = 1u << SAT;
	sc->hoursv[1].from_min = 10 * 60;
	sc->hoursv[1].to_min = 24 * 60;
	sc->hoursc = 2;
	sc->holidayv[0] = (struct flow_date){2026, 12, 25};
	sc->holidayv[1] = (struct flow_date){2027, 1, 1};
	sc->holidayc = 2;
	sc->open = 1;
	sc->closed = 2;
	st(1, "open", FLOW_HANGUP, FLOW_END)->u.hangup.cause =
		CALL_CAUSE_BUSY;
	st(2, "closed", FLOW_HANGUP, FLOW_END)->u.hangup.cause =
		CALL_CAUSE_UNAVAILABLE;
}

static void test_schedule(void **state)
{
	static const struct {
		int y, mo, d, wday, h, mi;
		bool open;
	} cases[] = {
		{2026, 3, 2, MON, 9, 0, true},
		{2026, 3, 2, MON, 8, 59, false},
		{2026, 3, 6, FRI, 17, 29, true},
		{2026, 3, 6, FRI, 17, 30, false},
		{2026, 3, 4, WED, 12, 0, true},
		{2026, 3, 1, SUN, 12, 0, false},
		{2026, 3, 7, SAT, 9, 59, false},
		{2026, 3, 7, SAT, 10, 0, true},
		{2026, 3, 7, SAT, 23, 59, true},            /* "24:00" */
		{2026, 3, 7, SAT, 0, 0, false},
		{2026, 12, 25, FRI, 10, 0, false},         /* holiday */
		{2026, 12, 24, THU, 10, 0, true},
		{2027, 1, 1, FRI, 10, 0, false},
		{2026, 3, 2, 9, 10, 0, false},            /* bad weekday */
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		schedule_doc();
		F.tm = (struct flow_tm){cases[i].y, cases[i].mo, cases[i].d,
					cases[i].wday, cases[i].h,
					cases[i].mi, 30};
		F.now = FX_T0 + i;
		x_start();
		expect(FLOW_CMD_HANGUP);
		if (F.cmd.cause != (cases[i].open ? CALL_CAUSE_BUSY
				    : CALL_CAUSE_UNAVAILABLE))
			fail_msg("case %zu: want open=%d", i, cases[i].open);
		assert_string_equal(F.tv[0].result, cases[i].open ? "open"
				    : "closed");
		assert_string_equal(F.lt_tz, "Europe/Paris");
		assert_int_equal(F.lt_utc, F.now);
		reset();
	}

	schedule_doc();
	F.tm = (struct flow_tm){2026, 12, 25, FRI, 10, 5, 7};
	x_start();
	assert_string_equal(F.tv[0].input, "{\"timezone\":\"Europe/Paris\","
			    "\"local\":\"2026-12-25T10:05:07\",\"weekday\":"
			    "\"fri\",\"holiday\":true}");
	assert_string_equal(F.tv[0].next, "closed");
}

static void test_schedule_tz_error(void **state)
{
	(void)state;

	schedule_doc();
	F.lt_err = ENOENT;
	x_start();
	expect_hangup(CALL_CAUSE_UNAVAILABLE);
	assert_string_equal(F.tv[0].result, "failure");
	assert_string_equal(F.tv[0].next, "closed");
	assert_string_equal(F.tv[0].input, "{\"timezone\":\"Europe/Paris\","
			    "\"error\":\"unknown_zone\"}");
}

/* --- queue --- */

static struct flow_queue *queue_doc(void)
{
	struct flow_step *s;
	struct flow_queue *q;

	doc_new(1);
	s = st(0, "q", FLOW_QUEUE, FLOW_END);
	q = &s->u.queue;
	snprintf(q->queue_id, sizeof(q->queue_id), "sales");
	q->priority = -7;
	snprintf(q->skillv[0].name, sizeof(q->skillv[0].name), "french");
	q->skillv[0].min_level = 3;
	snprintf(q->skillv[1].name, sizeof(q->skillv[1].name), "billing");
	q->skillv[1].min_level = 1;
	q->skillc = 2;
	q->sticky_agent = dup("{{contact.last_agent_id}}");
	q->sticky_wait_s = 45;
	return q;
}

static void test_queue(void **state)
{
	static const struct {
		const char *value;
		uint64_t id;
	} sticky[] = {
		{"42", 42}, {"", 0}, {"abc", 0}, {"12a", 0}, {"-5", 0},
		{" 7", 0}, {"99999999999999999999999", 0},
		{"18446744073709551615", UINT64_MAX}, {NULL, 0},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(sticky) / sizeof(sticky[0]); i++) {
		queue_doc();
		x_alloc();
		if (sticky[i].value)
			assert_int_equal(flow_var_set(F.x,
				"contact.last_agent_id", sticky[i].value), 0);
		assert_int_equal(in_start(), 0);
		expect(FLOW_CMD_ANSWER);             /* queue answers first */
		assert_int_equal(F.tc, 0);
		assert_int_equal(in_done(), 0);
		expect_text(FLOW_CMD_QUEUE, "sales");
		assert_int_equal(F.cmd.deadline_ms, 0);
		assert_string_equal(F.cmd.task.id, "");
		assert_int_equal(F.cmd.task.channel, AGENT_CH_VOICE);
		assert_int_equal(F.cmd.task.priority, -7);
		assert_int_equal(F.cmd.task.skillc, 2);
		assert_string_equal(F.cmd.task.skillv[0].name, "french");
		assert_int_equal(F.cmd.task.skillv[0].min_level, 3);
		assert_string_equal(F.cmd.task.skillv[1].name, "billing");
		assert_int_equal(F.cmd.task.skillv[1].min_level, 1);
		if (F.cmd.task.sticky_agent != sticky[i].id)
			fail_msg("sticky \"%s\": %llu", sticky[i].value,
				 (unsigned long long)F.cmd.task.sticky_agent);
		assert_int_equal(F.cmd.task.sticky_wait_s, 45);
		assert_true(flow_exec_over(F.x));
		expect_trace("q", "queued", "");
		assert_int_equal(in_done(), ESRCH);
		reset();
	}

}

/* Already answered: QUEUE at once; the trace shows queue and agent */
static void test_queue_answered(void **state)
{
	struct flow_step *s;
	(void)state;

	doc_new(2);
	st(0, "a", FLOW_ANSWER, 1);
	s = st(1, "q", FLOW_QUEUE, FLOW_END);
	snprintf(s->u.queue.queue_id, QUEUE_ID_MAX, "support");
	s->u.queue.sticky_agent = dup("7");
	x_start_answered();
	expect_text(FLOW_CMD_QUEUE, "support");
	assert_int_equal(F.cmd.task.sticky_agent, 7);
	assert_int_equal(F.cmd.task.sticky_wait_s, 20);
	assert_int_equal(F.cmd.task.skillc, 0);
	expect_trace("q", "queued", "");
	assert_string_equal(trace_last()->input, "{\"queue\":\"support\","
			    "\"priority\":0,\"sticky_agent\":7}");
}

/* --- dial --- */

/* 0 dial → busy 1, no_answer 2, failed 3 (says) */
static struct flow_dial *dial_doc(bool targets)
{
	struct flow_step *s;
	struct flow_dial *d;

	doc_new(4);
	s = st(0, "d", FLOW_DIAL, FLOW_END);
	d = &s->u.dial;
	d->to.kind = FLOW_DEST_EXTENSION;
	d->to.target = dup("{{ext}}");
	if (targets) {
		d->busy = 1;
		d->no_answer = 2;
		d->failed = 3;
	}
	st(1, "busy", FLOW_SAY, FLOW_END)->u.say.text = dup("busy");
	st(2, "noans", FLOW_SAY, FLOW_END)->u.say.text = dup("noans");
	st(3, "fail", FLOW_SAY, FLOW_END)->u.say.text = dup("fail");
	return d;
}

static void test_dial_answered(void **state)
{
	struct flow_dial *d = dial_doc(true);
	(void)state;

	d->caller_id = dup("+1555{{n}}");
	x_alloc();
	assert_int_equal(flow_var_set(F.x, "ext", "1001"), 0);
	assert_int_equal(flow_var_set(F.x, "n", "0100"), 0);
	assert_int_equal(in_start(), 0);
	expect_text(FLOW_CMD_DIAL, "1001");        /* no auto-answer */
	assert_non_null(F.cmd.caller_id);
	assert_string_equal(F.cmd.caller_id, "+15550100");
	assert_int_equal(F.cmd.step->u.dial.timeout_s, 30);
	assert_int_equal(F.cmd.deadline_ms, 0);
	assert_int_equal(in_digit('5'), 0);         /* type-ahead */
	assert_int_equal(in_done(), 0);             /* stale */
	assert_int_equal(in_http(200, NULL), 0);
	expect(FLOW_CMD_WAIT);
	assert_int_equal(F.tc, 0);
	F.now += 9000;
	assert_int_equal(in_dial(FLOW_DIAL_ANSWERED), ESRCH);
	expect(FLOW_CMD_WAIT);
	assert_true(flow_exec_over(F.x));
	assert_int_equal(F.tc, 1);
	expect_trace("d", "answered", "");
	expect_member("to", "\"1001\"");
	assert_int_equal(trace_last()->ended, FX_T0 + 9000);
	assert_int_equal(in_dial(FLOW_DIAL_BUSY), ESRCH);
	assert_int_equal(F.tc, 1);
}

static void test_dial_results(void **state)
{
	static const struct {
		enum flow_dial_result r;
		const char *result, *step;
		enum call_cause cause;
	} cases[] = {
		{FLOW_DIAL_BUSY, "busy", "busy", CALL_CAUSE_BUSY},
		{FLOW_DIAL_NO_ANSWER, "no_answer", "noans",
		 CALL_CAUSE_NO_ANSWER},
		{FLOW_DIAL_FAILED, "failed", "fail", CALL_CAUSE_FAILURE},
		{(enum flow_dial_result)42, "failed", "fail",
		 CALL_CAUSE_FAILURE},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* with targets: go there */
		dial_doc(true);
		x_start();
		expect(FLOW_CMD_DIAL);
		assert_string_equal(F.cmd.text, "");   /* ext unset */
		assert_null(F.cmd.caller_id);
		assert_int_equal(in_dial(cases[i].r), 0);
		expect(FLOW_CMD_ANSWER);               /* the say answers */
		assert_string_equal(F.cmd.step->id, cases[i].step);
		expect_trace("d", cases[i].result, cases[i].step);
		reset();

		/* without: hang up with the dial's cause */
		dial_doc(false);
		x_start();
		assert_int_equal(in_dial(cases[i].r), 0);
		expect_hangup(cases[i].cause);
		expect_trace("d", cases[i].result, "");
		reset();
	}
}

static void test_dial_agent(void **state)
{
	struct flow_dial *d = dial_doc(false);
	(void)state;

	d->to.kind = FLOW_DEST_AGENT;
	d->to.agent_id = 1234567890123ULL;
	x_start();
	expect_text(FLOW_CMD_DIAL, "1234567890123");
}

/* --- transfer --- */

static void test_transfer(void **state)
{
	static const struct {
		enum flow_dest_kind kind;
		const char *target;
		uint64_t agent;
		const char *want;
	} cases[] = {
		{FLOW_DEST_NUMBER, "+1555{{n}}", 0, "+155577"},
		{FLOW_DEST_EXTENSION, "10{{n}}", 0, "1077"},
		{FLOW_DEST_QUEUE, "sales", 0, "sales"},
		{FLOW_DEST_FLOW, "after-hours", 0, "after-hours"},
		{FLOW_DEST_AGENT, NULL, 9, "9"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct flow_step *s;

		doc_new(1);
		s = st(0, "t", FLOW_TRANSFER, FLOW_END);
		s->u.transfer.to.kind = cases[i].kind;
		s->u.transfer.to.target = cases[i].target ?
			dup(cases[i].target) : NULL;
		s->u.transfer.to.agent_id = cases[i].agent;
		x_alloc();
		assert_int_equal(flow_var_set(F.x, "n", "77"), 0);
		assert_int_equal(in_start(), 0);
		expect_text(FLOW_CMD_TRANSFER, cases[i].want);
		assert_int_equal(F.cmd.step->u.transfer.to.kind,
				 cases[i].kind);
		assert_true(flow_exec_over(F.x));
		expect_trace("t", "transferred", "");
		assert_int_equal(in_digit('1'), ESRCH);
		reset();
	}
}

/* --- record --- */

static void record_doc(void)
{
	struct flow_step *s;

	doc_new(3);
	st(0, "rec", FLOW_RECORD, 1);
	s = st(1, "g", FLOW_GATHER, 2);           /* sees no type-ahead */
	s->u.gather.timeout_ms = 1000;
	s->u.gather.retries = 0;
	st(2, "bye", FLOW_HANGUP, FLOW_END);
}

static void test_record(void **state)
{
	(void)state;

	record_doc();
	x_start();
	expect(FLOW_CMD_ANSWER);
	assert_int_equal(in_done(), 0);
	expect(FLOW_CMD_RECORD);
	assert_true(F.cmd.step->u.record.beep);
	assert_int_equal(F.cmd.step->u.record.max_s, 120);
	assert_int_equal(F.cmd.deadline_ms, 0);
	assert_int_equal(in_digits("12*"), 0);    /* ignored */
	expect(FLOW_CMD_WAIT);
	assert_int_equal(in_done(), 0);           /* stale */
	assert_int_equal(in_timer(), 0);
	expect(FLOW_CMD_WAIT);
	assert_int_equal(in_digit('#'), 0);
	expect(FLOW_CMD_STOP);
	assert_int_equal(in_digit('#'), 0);       /* once */
	expect(FLOW_CMD_WAIT);
	F.now += 4200;
	assert_int_equal(in_recorded("rec-1", 4200), 0);
	expect_trace("rec", "ok", "g");
	assert_string_equal(trace_last()->input, "{\"recording_id\":"
			    "\"rec-1\",\"duration_ms\":4200,\"stopped\":true}");
	expect_var("recording.id", "rec-1");
	expect_var("recording.duration_ms", "4200");
	/* the digits typed during the recording were not kept */
	expect(FLOW_CMD_WAIT);
	assert_int_equal(F.cmd.deadline_ms, F.now + 1000);
	assert_int_equal(in_deadline(), 0);
	expect_hangup(CALL_CAUSE_NORMAL_CLEARING);
	assert_string_equal(F.tv[1].result, "no_input");
}

static void test_record_failed(void **state)
{
	(void)state;

	record_doc();
	F.doc->stepv[0].u.record.terminator = 0;
	x_start_answered();
	expect(FLOW_CMD_RECORD);
	assert_int_equal(in_digit('#'), 0);       /* no terminator */
	expect(FLOW_CMD_WAIT);
	assert_int_equal(in_failed(), 0);
	expect_trace("rec", "failure", "g");
	expect_var("recording.id", NULL);

	/* ended by itself (max_s, silence): not stopped */
	reset();
	record_doc();
	x_start_answered();
	assert_int_equal(in_recorded(NULL, 0), 0);
	expect_trace("rec", "ok", "g");
	expect_member("stopped", "false");
	expect_var("recording.id", "");
	expect_var("recording.duration_ms", "0");
}

/* --- webhook --- */

enum { HOOK, HOK, HFAIL, HVIP };

static void webhook_doc(void)
{
	struct flow_step *s;

	doc_new(4);
	s = st(HOOK, "hook", FLOW_WEBHOOK, HOK);
	s->u.webhook.url = dup("https://crm.example/in?c={{caller}}");
	s->u.webhook.failure = HFAIL;
	st(HOK, "ok", FLOW_HANGUP, FLOW_END)->u.hangup.cause =
		CALL_CAUSE_BUSY;
	st(HFAIL, "fail", FLOW_HANGUP, FLOW_END)->u.hangup.cause =
		CALL_CAUSE_REJECTED;
	st(HVIP, "vip", FLOW_HANGUP, FLOW_END)->u.hangup.cause =
		CALL_CAUSE_UNAVAILABLE;
}

static void webhook_start(void)
{
	x_alloc();
	assert_int_equal(flow_var_set(F.x, "call_id", "c-1"), 0);
	assert_int_equal(flow_var_set(F.x, "flow_id", "main"), 0);
	assert_int_equal(flow_var_set(F.x, "flow_version", "3"), 0);
	assert_int_equal(flow_var_set(F.x, "caller", "+33 1"), 0);
	assert_int_equal(flow_var_set(F.x, "did", "+3399"), 0);
	assert_int_equal(flow_var_set(F.x, "note", "a\"b\\c\n\x01"), 0);
	assert_int_equal(in_start(), 0);
	expect_text(FLOW_CMD_HTTP, "https://crm.example/in?c=+33 1");
	assert_int_equal(F.cmd.deadline_ms, 0);
	assert_int_equal(F.cmd.step->u.webhook.timeout_ms, 5000);
}

static void test_webhook_body(void **state)
{
	json_error_t err;
	json_t *o, *v;
	void *it;
	size_t i = 0;
	static const char *order[] = {"call_id", "flow_id", "flow_version",
				      "caller", "did", "note"};
	(void)state;

	webhook_doc();
	webhook_start();
	o = json_loads(F.cmd.body, 0, &err);
	if (!json_is_object(o))
		fail_msg("body: %s (%s)", F.cmd.body, err.text);
	assert_string_equal(json_string_value(json_object_get(o, "call_id")),
			    "c-1");
	assert_string_equal(json_string_value(json_object_get(o, "flow_id")),
			    "main");
	assert_int_equal(json_integer_value(json_object_get(o,
				"flow_version")), 3);
	assert_string_equal(json_string_value(json_object_get(o, "step")),
			    "hook");
	assert_string_equal(json_string_value(json_object_get(o, "caller")),
			    "+33 1");
	assert_string_equal(json_string_value(json_object_get(o, "did")),
			    "+3399");
	v = json_object_get(o, "variables");
	assert_true(json_is_object(v));
	assert_int_equal(json_object_size(v), 6);
	for (it = json_object_iter(v); it;
	     it = json_object_iter_next(v, it), i++)
		assert_string_equal(json_object_iter_key(it), order[i]);
	assert_string_equal(json_string_value(json_object_get(v, "note")),
			    "a\"b\\c\n\x01");
	assert_string_equal(json_string_value(json_object_get(v,
				"flow_version")), "3");
	json_decref(o);
}

/* flow_version that is not a number stays a string; unset is "" */
static void test_webhook_body_strings(void **state)
{
	json_t *o;
	(void)state;

	webhook_doc();
	x_alloc();
	assert_int_equal(flow_var_set(F.x, "flow_version", "v2"), 0);
	assert_int_equal(flow_var_set(F.x, "caller", "\xff\xfe"), 0);
	assert_int_equal(in_start(), 0);
	expect(FLOW_CMD_HTTP);
	o = json_loads(F.cmd.body, 0, NULL);
	assert_true(json_is_object(o));
	assert_string_equal(json_string_value(json_object_get(o,
				"flow_version")), "v2");
	assert_string_equal(json_string_value(json_object_get(o, "call_id")),
			    "");
	assert_string_equal(json_string_value(json_object_get(o, "caller")),
			    "\xef\xbf\xbd\xef\xbf\xbd");   /* U+FFFD twice */
	json_decref(o);
}

static void test_webhook_variables(void **state)
{
	(void)state;

	webhook_doc();
	webhook_start();
	assert_int_equal(in_digit('3'), 0);        /* type-ahead */
	assert_int_equal(in_done(), 0);            /* stale */
	assert_int_equal(in_dial(FLOW_DIAL_BUSY), 0);
	expect(FLOW_CMD_WAIT);
	assert_int_equal(F.tc, 0);
	assert_int_equal(in_http(200, "{\"variables\":{\"name\":\"Bob\","
				 "\"n\":5,\"neg\":-12,\"r\":1.5,\"p\":0.1,"
				 "\"b\":true,\"f\":false,\"z\":null,"
				 "\"arr\":[1],\"obj\":{},\"Bad-Name\":\"x\","
				 "\"caller\":\"+44\"},\"extra\":1}"), 0);
	expect_hangup(CALL_CAUSE_BUSY);
	expect_trace("ok", "hangup", "");
	assert_string_equal(F.tv[0].result, "ok");
	assert_string_equal(F.tv[0].next, "ok");
	assert_string_equal(F.tv[0].input, "{\"status\":200}");
	expect_var("name", "Bob");
	expect_var("n", "5");
	expect_var("neg", "-12");
	expect_var("r", "1.5");
	expect_var("p", "0.1");
	expect_var("b", "true");
	expect_var("f", "false");
	expect_var("z", "");
	expect_var("arr", NULL);
	expect_var("obj", NULL);
	expect_var("Bad-Name", NULL);
	expect_var("caller", "+44");
	expect_var("webhook.status", "200");
}

static void test_webhook_next(void **state)
{
	static const struct {
		uint16_t status;
		const char *body;
		const char *result, *next;
		const char *input;
		const char *var;              /* value of x afterwards */
	} cases[] = {
		{200, "{\"next\":\"vip\",\"variables\":{\"x\":\"1\"}}", "ok",
		 "vip", "{\"status\":200,\"next\":\"vip\"}", "1"},
		{201, "{\"next\":null}", "ok", "ok", "{\"status\":201}", NULL},
		{200, "{\"next\":\"nope\",\"variables\":{\"x\":\"2\"}}",
		 "failure", "fail",
		 "{\"status\":200,\"error\":\"unknown_next\"}", "2"},
		{200, "{\"next\":5}", "failure", "fail",
		 "{\"status\":200,\"error\":\"unknown_next\"}", NULL},
		{204, NULL, "ok", "ok", "{\"status\":204}", NULL},
		{200, " \r\n", "ok", "ok", "{\"status\":200}", NULL},
		{299, "{}", "ok", "ok", "{\"status\":299}", NULL},
		{500, "{\"next\":\"vip\"}", "failure", "fail",
		 "{\"status\":500}", NULL},
		{302, NULL, "failure", "fail", "{\"status\":302}", NULL},
		{300, "{}", "failure", "fail", "{\"status\":300}", NULL},
		{199, NULL, "failure", "fail", "{\"status\":199}", NULL},
		{0, NULL, "failure", "fail", "{\"status\":\"timeout\"}", NULL},
		{200, "not json", "failure", "fail",
		 "{\"status\":200,\"error\":\"not_json_object\"}", NULL},
		{200, "[1,2]", "failure", "fail",
		 "{\"status\":200,\"error\":\"not_json_object\"}", NULL},
		{200, "\"x\"", "failure", "fail",
		 "{\"status\":200,\"error\":\"not_json_object\"}", NULL},
		{200, "{\"variables\":{\"x\":\"3\"}} trailing", "failure",
		 "fail", "{\"status\":200,\"error\":\"not_json_object\"}",
		 NULL},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char st_text[8];

		webhook_doc();
		webhook_start();
		F.now += 250;
		assert_int_equal(in_http(cases[i].status, cases[i].body), 0);
		expect(FLOW_CMD_HANGUP);
		if (strcmp(F.tv[0].result, cases[i].result) ||
		    strcmp(F.tv[0].next, cases[i].next) ||
		    strcmp(F.tv[0].input, cases[i].input))
			fail_msg("case %zu: %s/%s %s", i, F.tv[0].result,
				 F.tv[0].next, F.tv[0].input);
		assert_int_equal(F.tv[0].ended, F.tv[0].started + 250);
		snprintf(st_text, sizeof(st_text), "%u", cases[i].status);
		expect_var("webhook.status", st_text);
		expect_var("x", cases[i].var);
		reset();
	}
}

/* Over 64 KiB: a failure, even if it is a JSON object */
static void test_webhook_too_large(void **state)
{
	size_t n = 64 * 1024 + 1;
	char *body = malloc(n + 1);
	(void)state;

	assert_non_null(body);
	memset(body, ' ', n);
	body[0] = '{';
	body[n - 1] = '}';
	body[n] = '\0';
	webhook_doc();
	webhook_start();
	assert_int_equal(in_http(200, body), 0);
	expect_hangup(CALL_CAUSE_REJECTED);
	assert_string_equal(F.tv[0].result, "failure");
	reset();

	body[n - 1] = ' ';
	body[n - 2] = '}';                      /* exactly 64 KiB: fine */
	webhook_doc();
	webhook_start();
	{
		struct flow_input in = {.kind = FLOW_IN_HTTP, .status = 200,
					.body = body, .body_len = n - 1};

		assert_int_equal(feed(&in), 0);
	}
	expect_hangup(CALL_CAUSE_BUSY);
	free(body);
}

/* failure FLOW_END: the flow ends (normal clearing) */
static void test_webhook_failure_end(void **state)
{
	(void)state;

	webhook_doc();
	F.doc->stepv[HOOK].u.webhook.failure = FLOW_END;
	webhook_start();
	assert_int_equal(in_http(503, "oops"), 0);
	expect_hangup(CALL_CAUSE_NORMAL_CLEARING);
	expect_trace("hook", "failure", "");
	expect_var("webhook.status", "503");
}

/* --- hangup --- */

static void test_hangup_causes(void **state)
{
	static const struct {
		enum call_cause in, out;
		const char *name;
	} cases[] = {
		{CALL_CAUSE_NORMAL_CLEARING, CALL_CAUSE_NORMAL_CLEARING,
		 "normal_clearing"},
		{CALL_CAUSE_BUSY, CALL_CAUSE_BUSY, "busy"},
		{CALL_CAUSE_REJECTED, CALL_CAUSE_REJECTED, "rejected"},
		{CALL_CAUSE_UNAVAILABLE, CALL_CAUSE_UNAVAILABLE,
		 "unavailable"},
		{CALL_CAUSE_NONE, CALL_CAUSE_NORMAL_CLEARING,
		 "normal_clearing"},
		{CALL_CAUSE_COUNT, CALL_CAUSE_NORMAL_CLEARING,
		 "normal_clearing"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[64];

		doc_new(1);
		st(0, "bye", FLOW_HANGUP, 0)->u.hangup.cause = cases[i].in;
		x_start();                        /* no answer first */
		expect_hangup(cases[i].out);
		assert_int_equal(F.tc, 1);
		expect_trace("bye", "hangup", "");
		snprintf(want, sizeof(want), "{\"cause\":\"%s\"}",
			 cases[i].name);
		assert_string_equal(trace_last()->input, want);
		reset();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_branch_ops),
		FX_TEST(test_branch_first_wins),
		FX_TEST(test_set),
		FX_TEST(test_schedule),
		FX_TEST(test_schedule_tz_error),
		FX_TEST(test_queue),
		FX_TEST(test_queue_answered),
		FX_TEST(test_dial_answered),
		FX_TEST(test_dial_results),
		FX_TEST(test_dial_agent),
		FX_TEST(test_transfer),
		FX_TEST(test_record),
		FX_TEST(test_record_failed),
		FX_TEST(test_webhook_body),
		FX_TEST(test_webhook_body_strings),
		FX_TEST(test_webhook_variables),
		FX_TEST(test_webhook_next),
		FX_TEST(test_webhook_too_large),
		FX_TEST(test_webhook_failure_end),
		FX_TEST(test_hangup_causes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

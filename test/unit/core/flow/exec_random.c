/** @file test/unit/core/flow/exec_random.c  Random inputs over a document
 *  that uses every action: no crash, no leak, well-formed commands */
#include "exec_fixture.h"

#define SEEDS   5
#define INPUTS  2000

enum {
	R_ANSWER, R_SET, R_SCHED, R_MENU, R_CLOSED, R_GATHER, R_BRANCH,
	R_SAY, R_RECORD, R_HOOK, R_DIAL, R_QUEUE, R_TRANSFER, R_PLAY,
	R_HANGUP, R_COUNTER, R_COUNT
};

static uint64_t rng;
static unsigned seen[FLOW_ACTION_COUNT];     /* trace entries per action */

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

static void assign(struct flow_step *s, const char *name, const char *tpl)
{
	struct flow_assign *a = &s->u.set.assignv[s->u.set.assignc++];

	snprintf(a->name, sizeof(a->name), "%s", name);
	a->value = dup(tpl);
}

static void cond(struct flow_step *s, const char *var, enum flow_op op,
		 const char *value, flow_ref to)
{
	struct flow_cond *c = &s->u.branch.condv[s->u.branch.condc++];

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

static void option(struct flow_menu *m, char d, flow_ref to)
{
	m->optv[m->optc].digit = d;
	m->optv[m->optc++].to = to;
}

static void build(void)
{
	struct flow_step *s;
	struct flow_menu *m;
	struct flow_gather *g;

	doc_new(R_COUNT);
	st(R_ANSWER, "answer", FLOW_ANSWER, R_SET);
	s = st(R_SET, "count", FLOW_SET, R_SCHED);
	assign(s, "n", "{{n}}1");
	assign(s, "greeting", "Hello {{caller}} #{{n}}");
	s = st(R_SCHED, "hours", FLOW_SCHEDULE, FLOW_END);
	snprintf(s->u.schedule.tz, FLOW_TZ_MAX, "Europe/Paris");
	s->u.schedule.hoursv[0] = (struct flow_hours){0x7f, 0, 12 * 60};
	s->u.schedule.hoursc = 1;
	s->u.schedule.open = R_MENU;
	s->u.schedule.closed = R_CLOSED;

	s = st(R_MENU, "menu", FLOW_MENU, FLOW_END);
	m = &s->u.menu;
	prompt_say(&m->prompt, "{{greeting}}: 1 to 7");
	prompt_say(&m->invalid_prompt, "no");
	m->timeout_ms = 3000;
	option(m, '1', R_GATHER);
	option(m, '2', R_RECORD);
	option(m, '3', R_HOOK);
	option(m, '4', R_DIAL);
	option(m, '5', R_QUEUE);
	option(m, '6', R_TRANSFER);
	option(m, '7', R_PLAY);
	option(m, '0', R_ANSWER);
	m->invalid = R_HANGUP;
	m->no_input = R_COUNTER;

	st(R_CLOSED, "closed", FLOW_SAY, R_MENU)->u.say.text = dup("closed");
	s = st(R_GATHER, "pin", FLOW_GATHER, R_BRANCH);
	g = &s->u.gather;
	prompt_play(&g->prompt, "/snd/pin.wav");
	g->min_digits = 2;
	g->max_digits = 6;
	g->timeout_ms = 2000;
	g->inter_digit_ms = 1000;
	assert_int_equal(regcomp(&g->pattern, "^[0-9]+$", REG_EXTENDED |
				 REG_NOSUB), 0);
	g->has_pattern = true;
	g->invalid = R_MENU;
	g->no_input = R_MENU;
	snprintf(g->var, sizeof(g->var), "pin");

	s = st(R_BRANCH, "check", FLOW_BRANCH, R_MENU);
	cond(s, "pin", FLOW_OP_EQ, "1234", R_SAY);
	cond(s, "pin", FLOW_OP_MATCHES, "^9", R_TRANSFER);
	cond(s, "pin", FLOW_OP_GT, "500000", R_HOOK);
	st(R_SAY, "hi", FLOW_SAY, R_MENU)->u.say.text = dup("{{pin}}");
	st(R_RECORD, "vm", FLOW_RECORD, R_MENU);
	s = st(R_HOOK, "hook", FLOW_WEBHOOK, R_MENU);
	s->u.webhook.url = dup("http://127.0.0.1/{{n}}");
	s->u.webhook.failure = R_HANGUP;
	s = st(R_DIAL, "dial", FLOW_DIAL, FLOW_END);
	s->u.dial.to.kind = FLOW_DEST_EXTENSION;
	s->u.dial.to.target = dup("10{{n}}");
	s->u.dial.busy = R_MENU;
	s->u.dial.no_answer = R_SAY;
	s = st(R_QUEUE, "queue", FLOW_QUEUE, FLOW_END);
	snprintf(s->u.queue.queue_id, QUEUE_ID_MAX, "sales");
	s->u.queue.sticky_agent = dup("{{pin}}");
	s = st(R_TRANSFER, "xfer", FLOW_TRANSFER, FLOW_END);
	s->u.transfer.to.kind = FLOW_DEST_NUMBER;
	s->u.transfer.to.target = dup("+1555{{pin}}");
	st(R_PLAY, "music", FLOW_PLAY, R_MENU)->u.play.file =
		dup("/snd/music.wav");
	st(R_HANGUP, "bye", FLOW_HANGUP, FLOW_END)->u.hangup.cause =
		CALL_CAUSE_BUSY;
	s = st(R_COUNTER, "again", FLOW_BRANCH, R_MENU);
	cond(s, "n", FLOW_OP_STARTS_WITH, "1111", FLOW_END);
}

static const char *bodies[] = {
	NULL, "{}", "{\"next\":\"menu\"}", "{\"next\":\"bogus\"}",
	"{\"variables\":{\"pin\":\"9\",\"n\":5}}", "not json", "[1]",
	"{\"variables\":{\"a\":{\"b\":1}},\"next\":\"queue\"}",
};

static const uint16_t statuses[] = {0, 200, 204, 302, 404, 500};

/* An input that fits the last command most of the time, else any */
static void input_pick(struct flow_input *in, const struct flow_cmd *last)
{
	static const char digits[] = "0123456789*#ABCD";
	static char junk[64];

	memset(in, 0, sizeof(*in));
	in->kind = (enum flow_input_kind)rnd(FLOW_IN_RECORDED + 1);
	if (rnd(10) < 6) {
		switch (last->kind) {

		case FLOW_CMD_ANSWER:
		case FLOW_CMD_PLAY:
		case FLOW_CMD_SAY:
		case FLOW_CMD_STOP:
			in->kind = rnd(8) ? FLOW_IN_DONE : FLOW_IN_FAILED;
			break;
		case FLOW_CMD_HTTP:   in->kind = FLOW_IN_HTTP;     break;
		case FLOW_CMD_DIAL:   in->kind = FLOW_IN_DIAL;     break;
		case FLOW_CMD_RECORD: in->kind = FLOW_IN_RECORDED; break;
		default:
			in->kind = rnd(2) ? FLOW_IN_DIGIT : FLOW_IN_TIMER;
			break;
		}
	}
	in->digit = digits[rnd(sizeof(digits) - 1)];
	in->status = statuses[rnd(sizeof(statuses) / sizeof(statuses[0]))];
	in->body = bodies[rnd(sizeof(bodies) / sizeof(bodies[0]))];
	if (!rnd(10)) {        /* random bytes */
		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (char)rnd(256);
		in->body = junk;
		in->body_len = sizeof(junk);
	}
	else {
		in->body_len = in->body ? strlen(in->body) : 0;
	}
	in->dial = (enum flow_dial_result)rnd(5);
	in->recording_id = rnd(2) ? "rec-9" : NULL;
	in->duration_ms = rnd(100000);
}

/* Every trace entry so far is well formed; then forget them */
static void traces_check(void)
{
	for (size_t i = 0; i < F.tc; i++) {
		json_t *o = json_loads(F.tv[i].input, 0, NULL);

		if (!json_is_object(o))
			fail_msg("trace input: %s", F.tv[i].input);
		json_decref(o);
		assert_true(F.tv[i].result[0] != '\0');
		assert_true(F.tv[i].step[0] != '\0');
		assert_true(F.tv[i].action < FLOW_ACTION_COUNT);
		seen[F.tv[i].action]++;
	}
	F.tc = 0;
}

static bool final(enum flow_cmd_kind k)
{
	return k == FLOW_CMD_QUEUE || k == FLOW_CMD_TRANSFER ||
	       k == FLOW_CMD_HANGUP;
}

static void run_seed(uint64_t seed, unsigned *runs, unsigned *finals)
{
	struct flow_cmd last;
	struct flow_input in;

	rng = seed;
	build();
	memset(&last, 0, sizeof(last));

	for (unsigned i = 0; i < INPUTS; i++) {
		uint64_t before;
		int rc;

		if (!F.x) {
			x_alloc();
			assert_int_equal(flow_var_set(F.x, "caller", "+3312"),
					 0);
			(*runs)++;
			in_start();
			last = F.cmd;
			continue;
		}
		F.tm = (struct flow_tm){2026, 3, 2, (int)rnd(7),
					(int)rnd(24), (int)rnd(60), 0};
		F.lt_err = rnd(10) ? 0 : ENOENT;

		if (!rnd(200)) {
			flow_exec_abort(F.x, F.now);
			assert_true(flow_exec_over(F.x));
			assert_null(flow_exec_current(F.x));
			F.x = mem_deref(F.x);
			traces_check();
			continue;
		}

		input_pick(&in, &last);
		before = last.deadline_ms;
		if (in.kind == FLOW_IN_TIMER && before && rnd(3))
			F.now = before > F.now ? before : F.now;
		else
			F.now += rnd(3) ? rnd(400) : rnd(7000);

		rc = feed(&in);
		assert_true(rc == 0 || rc == ESRCH || rc == EINVAL);
		if (rc == EINVAL)
			fail_msg("EINVAL for kind %d digit %c", in.kind,
				 in.digit);
		if (rc == ESRCH) {
			assert_true(flow_exec_over(F.x));
			F.x = mem_deref(F.x);
			traces_check();
			continue;
		}
		/* cmd_check ran: texts, step, deadline >= now */
		if (in.kind == FLOW_IN_TIMER && before > F.now &&
		    F.cmd.kind == FLOW_CMD_WAIT)
			assert_int_equal(F.cmd.deadline_ms, before);
		assert_int_equal(final(F.cmd.kind), flow_exec_over(F.x));
		if (final(F.cmd.kind)) {
			(*finals)++;
			assert_int_equal(F.cmd.deadline_ms, 0);
			assert_int_equal(in_done(), ESRCH);
			F.x = mem_deref(F.x);
		}
		else {
			assert_non_null(flow_exec_current(F.x));
		}
		traces_check();
		last = F.cmd;
	}
	F.x = mem_deref(F.x);
	F.doc = mem_deref(F.doc);
}

static void test_random(void **state)
{
	unsigned runs = 0, finals = 0;
	(void)state;

	for (uint64_t seed = 1; seed <= SEEDS; seed++)
		run_seed(seed * 0x9e3779b97f4a7c15ULL, &runs, &finals);
	/* the walk went somewhere: many runs, most of them ended */
	print_message("%u runs, %u final commands\n", runs, finals);
	assert_true(runs > 50);
	assert_true(finals > 25);
	for (int a = 0; a < FLOW_ACTION_COUNT; a++) {
		if (!seen[a])
			fail_msg("action %s never finished",
				 flow_action_name((enum flow_action)a));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

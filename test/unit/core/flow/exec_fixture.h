/** @file test/unit/core/flow/exec_fixture.h  A flow run with recorded
 *  traces and a fake clock and time zone, for the interpreter's unit
 *  tests (header only: every test file here is its own executable)
 *
 * Documents are built in C (flow_doc_alloc + flow_step_set_action +
 * flow_doc_strdup). F.now is the clock; every feed helper passes it and
 * checks that the command is well formed. Each test ends with a leak
 * check (libre's mem statistics and LeakSanitizer).
 */
#ifndef TEST_FLOW_EXEC_FIXTURE_H
#define TEST_FLOW_EXEC_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include <re_types.h>
#include <re_mem.h>
#include "core/flow/flow.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FX_LSAN 1
#include <sanitizer/lsan_interface.h>
#endif
#endif

#define FX_T0       1000000    /* the clock at the start of each test */
#define FX_TRACES   1024

struct fx_trace {
	char step[FLOW_ID_MAX];
	enum flow_action action;
	char input[FLOW_TRACE_MAX];
	char result[32];
	char next[FLOW_ID_MAX];
	uint64_t started, ended;
};

static struct {
	struct flow_doc *doc;
	struct flow_exec *x;
	struct flow_cmd cmd;
	int rc;
	uint64_t now;
	uint64_t prev_deadline;      /* of the command before the last */
	struct fx_trace tv[FX_TRACES];
	size_t tc;
	/* the fake local_time */
	int lt_err;
	struct flow_tm tm;
	char lt_tz[FLOW_TZ_MAX];
	uint64_t lt_utc;
	bool no_env;
	struct memstat mem0;
	bool mem_ok;
} F;

static inline void fx_trace_h(void *arg, const struct flow_trace *t)
{
	struct fx_trace *r;
	(void)arg;

	assert_non_null(t->step_id);
	assert_non_null(t->input);
	assert_non_null(t->result);
	assert_non_null(t->next);
	assert_true(strlen(t->input) < FLOW_TRACE_MAX);
	assert_true(t->started_ms <= t->ended_ms);
	if (F.tc >= FX_TRACES)
		fail_msg("too many trace entries");
	r = &F.tv[F.tc++];
	snprintf(r->step, sizeof(r->step), "%s", t->step_id);
	r->action = t->action;
	snprintf(r->input, sizeof(r->input), "%s", t->input);
	snprintf(r->result, sizeof(r->result), "%s", t->result);
	snprintf(r->next, sizeof(r->next), "%s", t->next);
	r->started = t->started_ms;
	r->ended = t->ended_ms;
}

static inline int fx_local_time_h(void *arg, const char *tz, uint64_t utc,
				  struct flow_tm *tm)
{
	(void)arg;
	snprintf(F.lt_tz, sizeof(F.lt_tz), "%s", tz);
	F.lt_utc = utc;
	if (F.lt_err)
		return F.lt_err;
	*tm = F.tm;
	return 0;
}

static inline int fx_setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof(F));
	F.now = FX_T0;
	F.mem_ok = mem_get_stat(&F.mem0) == 0;
	return 0;
}

static inline int fx_teardown(void **state)
{
	struct memstat m;
	(void)state;

	F.x = mem_deref(F.x);
	F.doc = mem_deref(F.doc);
	if (F.mem_ok && !mem_get_stat(&m) &&
	    m.blocks_cur != F.mem0.blocks_cur)
		fail_msg("leak: %zu blocks before, %zu after",
			 F.mem0.blocks_cur, m.blocks_cur);
#ifdef FX_LSAN
	if (__lsan_do_recoverable_leak_check())
		fail_msg("leak reported by LeakSanitizer");
#endif
	return 0;
}

#define FX_TEST(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

/* --- building documents --- */

static inline void doc_new(uint16_t n)
{
	assert_int_equal(flow_doc_alloc(&F.doc, n), 0);
}

/* Step i: id, action (defaults), next ("" = FLOW_END) */
static inline struct flow_step *st(int i, const char *id,
				   enum flow_action a, int next)
{
	struct flow_step *s = &F.doc->stepv[i];

	snprintf(s->id, sizeof(s->id), "%s", id);
	flow_step_set_action(s, a);
	s->next = (flow_ref)next;
	return s;
}

static inline char *dup(const char *s)
{
	char *d = flow_doc_strdup(F.doc, s);

	assert_non_null(d);
	return d;
}

static inline void prompt_say(struct flow_prompt *p, const char *text)
{
	p->kind = FLOW_PROMPT_SAY;
	p->text = dup(text);
}

static inline void prompt_play(struct flow_prompt *p, const char *file)
{
	p->kind = FLOW_PROMPT_PLAY;
	p->text = dup(file);
}

/* --- running --- */

/* The command is well formed for its kind */
static inline void cmd_check(const struct flow_cmd *c)
{
	switch (c->kind) {

	case FLOW_CMD_PLAY:
	case FLOW_CMD_SAY:
		assert_non_null(c->text);
		assert_true(c->loop >= 1);
		break;
	case FLOW_CMD_HTTP:
		assert_non_null(c->text);
		assert_non_null(c->body);
		break;
	case FLOW_CMD_DIAL:
	case FLOW_CMD_TRANSFER:
		assert_non_null(c->text);
		break;
	case FLOW_CMD_HANGUP:
		assert_true(c->cause > CALL_CAUSE_NONE &&
			    c->cause < CALL_CAUSE_COUNT);
		break;
	default:
		break;
	}
	if (c->kind != FLOW_CMD_WAIT)
		assert_non_null(c->step);
	/* a new deadline is not in the past; an old one may be (its TIMER
	 * is due: the adapter's timer fires at once) */
	if (c->deadline_ms && c->deadline_ms < F.now &&
	    c->deadline_ms != F.prev_deadline)
		fail_msg("deadline %llu < now %llu (was %llu)",
			 (unsigned long long)c->deadline_ms,
			 (unsigned long long)F.now,
			 (unsigned long long)F.prev_deadline);
}

static inline int feed(const struct flow_input *in)
{
	F.prev_deadline = F.cmd.deadline_ms;
	F.rc = flow_exec_step(F.x, in, F.now, &F.cmd);
	if (!F.rc)
		cmd_check(&F.cmd);
	return F.rc;
}

static inline void x_alloc(void)
{
	const struct flow_env env = {
		.local_time = fx_local_time_h,
		.trace = fx_trace_h,
	};

	assert_int_equal(flow_exec_alloc(&F.x, F.doc,
					 F.no_env ? NULL : &env), 0);
}

static inline int in_simple(enum flow_input_kind k)
{
	struct flow_input in = {.kind = k};

	return feed(&in);
}

static inline int in_start(void)   { return in_simple(FLOW_IN_START); }
static inline int in_done(void)    { return in_simple(FLOW_IN_DONE); }
static inline int in_failed(void)  { return in_simple(FLOW_IN_FAILED); }
static inline int in_timer(void)   { return in_simple(FLOW_IN_TIMER); }

static inline int in_digit(char d)
{
	struct flow_input in = {.kind = FLOW_IN_DIGIT, .digit = d};

	return feed(&in);
}

static inline int in_digits(const char *s)
{
	int rc = 0;

	while (*s && !rc)
		rc = in_digit(*s++);
	return rc;
}

static inline int in_http(uint16_t status, const char *body)
{
	struct flow_input in = {.kind = FLOW_IN_HTTP, .status = status,
				.body = body,
				.body_len = body ? strlen(body) : 0};

	return feed(&in);
}

static inline int in_dial(enum flow_dial_result r)
{
	struct flow_input in = {.kind = FLOW_IN_DIAL, .dial = r};

	return feed(&in);
}

static inline int in_recorded(const char *id, uint32_t ms)
{
	struct flow_input in = {.kind = FLOW_IN_RECORDED,
				.recording_id = id, .duration_ms = ms};

	return feed(&in);
}

/* Advance the clock to the deadline of the last command, feed TIMER */
static inline int in_deadline(void)
{
	assert_true(F.cmd.deadline_ms > 0);
	F.now = F.cmd.deadline_ms;
	return in_timer();
}

/* Start: alloc, then START */
static inline void x_start(void)
{
	x_alloc();
	assert_int_equal(in_start(), 0);
}

/* Start and answer the call (an answer step, or a media auto-answer) */
static inline void x_start_answered(void)
{
	x_start();
	assert_int_equal(F.cmd.kind, FLOW_CMD_ANSWER);
	assert_int_equal(in_done(), 0);
}

static inline void expect(enum flow_cmd_kind k)
{
	if (F.cmd.kind != k)
		fail_msg("command %d, want %d (rc %d)", F.cmd.kind, k, F.rc);
}

static inline void expect_text(enum flow_cmd_kind k, const char *text)
{
	expect(k);
	assert_non_null(F.cmd.text);
	assert_string_equal(F.cmd.text, text);
}

static inline void expect_hangup(enum call_cause cause)
{
	assert_int_equal(F.rc, 0);
	expect(FLOW_CMD_HANGUP);
	assert_int_equal(F.cmd.cause, cause);
	assert_true(flow_exec_over(F.x));
	assert_null(flow_exec_current(F.x));
	{       /* over: ESRCH (the command seen is kept for the test) */
		struct flow_input in = {.kind = FLOW_IN_DONE};
		struct flow_cmd c;

		assert_int_equal(flow_exec_step(F.x, &in, F.now, &c), ESRCH);
	}
}

static inline const struct fx_trace *trace_last(void)
{
	assert_true(F.tc > 0);
	return &F.tv[F.tc - 1];
}

/* The last trace entry is step/result/next */
static inline void expect_trace(const char *step, const char *result,
				const char *next)
{
	const struct fx_trace *t = trace_last();

	if (strcmp(t->step, step) || strcmp(t->result, result) ||
	    strcmp(t->next, next))
		fail_msg("trace %s/%s/%s, want %s/%s/%s (input %s)", t->step,
			 t->result, t->next, step, result, next, t->input);
}

/* Member key of the last trace's input, as JSON text ("" when absent) */
static inline void trace_member(const char *key, char *buf, size_t sz)
{
	json_error_t err;
	json_t *o = json_loads(trace_last()->input, 0, &err), *v;
	char *s;

	if (!json_is_object(o))
		fail_msg("trace input not a JSON object: %s",
			 trace_last()->input);
	v = json_object_get(o, key);
	buf[0] = '\0';
	if (v) {
		s = json_dumps(v, JSON_ENCODE_ANY);
		snprintf(buf, sz, "%s", s);
		free(s);
	}
	json_decref(o);
}

static inline void expect_member(const char *key, const char *json)
{
	char buf[FLOW_TRACE_MAX];

	trace_member(key, buf, sizeof(buf));
	if (strcmp(buf, json))
		fail_msg("trace input %s: %s = %s, want %s",
			 trace_last()->input, key, buf, json);
}

static inline void expect_var(const char *name, const char *value)
{
	const char *v = flow_var_get(F.x, name);

	if (!value) {
		assert_null(v);
		return;
	}
	if (!v)
		fail_msg("variable %s unset, want \"%s\"", name, value);
	assert_string_equal(v, value);
}

#endif

/** @file core/flow/exec_steps.c  Interpreter steps branch, set, schedule,
 *  queue, dial, transfer, webhook and hangup (no I/O) */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re_types.h>
#include <re_mbuf.h>
#include "exec.h"

/* Whether key already is a member of the first n conditions' vars */
static bool var_seen(const struct flow_branch *b, uint8_t n, const char *v)
{
	for (uint8_t i = 0; i < n; i++) {
		if (!strcmp(b->condv[i].var, v))
			return true;
	}
	return false;
}

/**
 * branch: the first condition that holds sends the call to its target
 * ("matched"), else next ("otherwise"). The trace input shows the value
 * of each variable compared (unset = null is not told apart: ""), and
 * for a match its index and the expanded value it was compared with.
 */
enum exec_run exec_branch_run(struct flow_exec *x)
{
	const struct flow_step *s = exec_step(x);
	const struct flow_branch *b = &s->u.branch;
	char rhs[FLOW_VAR_VALUE_MAX];
	struct jtext j;
	uint8_t i, n = b->condc < FLOW_CONDS_MAX ? b->condc : FLOW_CONDS_MAX;

	jtext_open(&j, x->tin, sizeof(x->tin));
	for (i = 0; i < n; i++) {
		const struct flow_cond *c = &b->condv[i];
		bool holds = flow_cond_holds(x, c, rhs, sizeof(rhs));

		if (!var_seen(b, i, c->var))
			jtext_str(&j, c->var, flow_var_get(x, c->var));
		if (holds) {
			jtext_int(&j, "condition", i);
			jtext_str(&j, "value", rhs);
			jtext_close(&j);
			return exec_done(x, "matched", c->to);
		}
	}
	jtext_close(&j);
	return exec_done(x, "otherwise", s->next);
}

/** set: expand each template and store it, in order (a later one sees
 *  the earlier ones); a variable that cannot be set is skipped. */
enum exec_run exec_set_run(struct flow_exec *x)
{
	const struct flow_step *s = exec_step(x);
	const struct flow_set *st = &s->u.set;
	struct jtext j;

	jtext_open(&j, x->tin, sizeof(x->tin));
	for (uint8_t i = 0; i < st->assignc && i < FLOW_ASSIGNS_MAX; i++) {
		const struct flow_assign *a = &st->assignv[i];

		(void)flow_template_expand(x, a->value ? a->value : "",
					   x->text, sizeof(x->text));
		(void)flow_var_set(x, a->name, x->text);
		jtext_str(&j, a->name, x->text);
	}
	jtext_close(&j);
	return exec_done(x, "ok", s->next);
}

static const char *wday_names[7] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat"
};

/**
 * schedule: local time of now in the step's zone (env->local_time) →
 * open or closed target. Without local_time, or when it fails (unknown
 * zone), the call takes the closed target (result "failure").
 */
enum exec_run exec_schedule_run(struct flow_exec *x)
{
	const struct flow_step *s = exec_step(x);
	const struct flow_schedule *sc = &s->u.schedule;
	struct flow_tm tm;
	char local[32];
	struct jtext j;
	int err = ENOSYS;
	bool open;

	memset(&tm, 0, sizeof(tm));
	if (x->env.local_time)
		err = x->env.local_time(x->env.arg, sc->tz, x->now, &tm);

	jtext_open(&j, x->tin, sizeof(x->tin));
	jtext_str(&j, "timezone", sc->tz);
	if (err) {
		jtext_str(&j, "error", err == ENOENT ? "unknown_zone"
			  : "no_local_time");
		jtext_close(&j);
		return exec_done(x, "failure", sc->closed);
	}
	snprintf(local, sizeof(local), "%04d-%02d-%02dT%02d:%02d:%02d",
		 tm.year, tm.mon, tm.mday, tm.hour, tm.min, tm.sec);
	jtext_str(&j, "local", local);
	jtext_str(&j, "weekday", tm.wday >= 0 && tm.wday < 7 ?
		  wday_names[tm.wday] : "?");
	if (flow_schedule_holiday(sc, &tm))
		jtext_bool(&j, "holiday", true);
	jtext_close(&j);

	open = flow_schedule_open(sc, &tm);
	return exec_done(x, open ? "open" : "closed",
			 open ? sc->open : sc->closed);
}

/* An expanded agent id: all digits (not empty, no overflow), else 0 */
static uint64_t agent_id_parse(const char *s)
{
	unsigned long long v;
	char *end;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	return errno ? 0 : (uint64_t)v;
}

/**
 * queue, once answered: QUEUE with cmd->task (id left "" for the
 * adapter): priority, skills, the sticky agent (the expanded template
 * when it is all digits, else 0) and its wait. The flow is over.
 */
enum exec_run exec_queue_run(struct flow_exec *x)
{
	const struct flow_step *s = exec_step(x);
	const struct flow_queue *q = &s->u.queue;
	struct task *t = &x->cmd->task;
	struct jtext j;

	task_init(t, "");
	t->priority = q->priority;
	t->skillc = q->skillc < TASK_SKILLS_MAX ? q->skillc : TASK_SKILLS_MAX;
	memcpy(t->skillv, q->skillv, t->skillc * sizeof(t->skillv[0]));
	if (q->sticky_agent) {
		(void)flow_template_expand(x, q->sticky_agent, x->text,
					   sizeof(x->text));
		t->sticky_agent = agent_id_parse(x->text);
	}
	t->sticky_wait_s = q->sticky_wait_s;
	x->cmd->text = q->queue_id;

	jtext_open(&j, x->tin, sizeof(x->tin));
	jtext_str(&j, "queue", q->queue_id);
	jtext_int(&j, "priority", q->priority);
	if (t->sticky_agent)
		jtext_int(&j, "sticky_agent", (int64_t)t->sticky_agent);
	jtext_close(&j);
	return exec_final(x, "queued", FLOW_CMD_QUEUE, CALL_CAUSE_NONE);
}

/* The destination as text in buf: an agent's decimal id, else the
 * expanded target */
static const char *dest_text(struct flow_exec *x, const struct flow_dest *d,
			     char *buf, size_t sz)
{
	if (d->kind == FLOW_DEST_AGENT)
		snprintf(buf, sz, "%" PRIu64, d->agent_id);
	else
		(void)flow_template_expand(x, d->target ? d->target : "", buf,
					   sz);
	return buf;
}

/**
 * dial: DIAL of the expanded destination (cmd->caller_id: the expanded
 * caller id, or NULL). The ring time is the step's timeout_s: the
 * adapter runs it and answers NO_ANSWER.
 */
enum exec_run exec_dial_begin(struct flow_exec *x)
{
	const struct flow_dial *d = &exec_step(x)->u.dial;

	x->cmd->text = dest_text(x, &d->to, x->text, sizeof(x->text));
	if (d->caller_id) {
		(void)flow_template_expand(x, d->caller_id, x->text2,
					   sizeof(x->text2));
		x->cmd->caller_id = x->text2;
	}
	exec_emit(x, FLOW_CMD_DIAL);
	x->state = X_DIALING;
	return RUN_WAIT;
}

/** DIAL: answered → over (no command); busy, no_answer, failed → their
 *  target, or a HANGUP with that cause when it is FLOW_END. An unknown
 *  result counts as failed. */
enum exec_run exec_dial_input(struct flow_exec *x,
			      const struct flow_input *in)
{
	const struct flow_dial *d = &exec_step(x)->u.dial;
	struct jtext j;

	if (in->kind == FLOW_IN_DIGIT)
		exec_ahead_push(x, in->digit);
	if (in->kind != FLOW_IN_DIAL)
		return RUN_WAIT;

	jtext_open(&j, x->tin, sizeof(x->tin));
	jtext_str(&j, "to", x->text);
	jtext_close(&j);
	switch (in->dial) {

	case FLOW_DIAL_ANSWERED:
		return exec_final(x, "answered", FLOW_CMD_WAIT,
				  CALL_CAUSE_NONE);
	case FLOW_DIAL_BUSY:
		x->end_cause = CALL_CAUSE_BUSY;
		return exec_done(x, "busy", d->busy);
	case FLOW_DIAL_NO_ANSWER:
		x->end_cause = CALL_CAUSE_NO_ANSWER;
		return exec_done(x, "no_answer", d->no_answer);
	default:
		x->end_cause = CALL_CAUSE_FAILURE;
		return exec_done(x, "failed", d->failed);
	}
}

/** transfer: TRANSFER to the expanded destination; the flow is over. */
enum exec_run exec_transfer_run(struct flow_exec *x)
{
	const struct flow_transfer *t = &exec_step(x)->u.transfer;
	struct jtext j;

	x->cmd->text = dest_text(x, &t->to, x->text, sizeof(x->text));
	jtext_open(&j, x->tin, sizeof(x->tin));
	jtext_str(&j, "to", x->text);
	jtext_close(&j);
	return exec_final(x, "transferred", FLOW_CMD_TRANSFER,
			  CALL_CAUSE_NONE);
}

/** hangup: HANGUP with the step's cause; the flow is over. */
enum exec_run exec_hangup_run(struct flow_exec *x)
{
	enum call_cause cause = exec_step(x)->u.hangup.cause;
	struct jtext j;

	if (cause == CALL_CAUSE_NONE || cause >= CALL_CAUSE_COUNT)
		cause = CALL_CAUSE_NORMAL_CLEARING;
	jtext_open(&j, x->tin, sizeof(x->tin));
	jtext_str(&j, "cause", call_cause_name(cause));
	jtext_close(&j);
	return exec_final(x, "hangup", FLOW_CMD_HANGUP, cause);
}

/**
 * webhook: HTTP POST of the call's JSON (flow_webhook_body) to the
 * expanded url; the adapter runs the step's timeout_ms and answers
 * status 0 when it passes. Without memory for the body, the call takes
 * the failure target at once.
 */
enum exec_run exec_webhook_begin(struct flow_exec *x)
{
	const struct flow_step *s = exec_step(x);
	struct jtext j;

	if (flow_webhook_body(x, s, &x->body)) {
		jtext_open(&j, x->tin, sizeof(x->tin));
		jtext_str(&j, "error", "no_memory");
		jtext_close(&j);
		(void)flow_var_set(x, "webhook.status", "0");
		return exec_done(x, "failure", s->u.webhook.failure);
	}
	(void)flow_template_expand(x, s->u.webhook.url ? s->u.webhook.url
				   : "", x->text, sizeof(x->text));
	x->cmd->text = x->text;
	x->cmd->body = (const char *)x->body->buf;
	exec_emit(x, FLOW_CMD_HTTP);
	x->state = X_HTTP;
	return RUN_WAIT;
}

static enum exec_run webhook_failure(struct flow_exec *x, struct jtext *j,
				     const char *error)
{
	if (error)
		jtext_str(j, "error", error);
	jtext_close(j);
	return exec_done(x, "failure", exec_step(x)->u.webhook.failure);
}

/**
 * HTTP: a 2xx with an empty body or a JSON object → its variables are
 * applied, then its "next" (a known step) or the step's next ("ok");
 * status 0 (timeout, transport error), a non-2xx, a body that is not a
 * JSON object or an unknown "next" → the failure target ("failure").
 * Variable webhook.status is set in every case ("0" on timeout).
 */
enum exec_run exec_webhook_input(struct flow_exec *x,
				 const struct flow_input *in)
{
	const struct flow_step *s = exec_step(x);
	char status[8];
	struct jtext j;
	bool has_next;
	flow_ref next = FLOW_END;
	int err;

	if (in->kind == FLOW_IN_DIGIT)
		exec_ahead_push(x, in->digit);
	if (in->kind != FLOW_IN_HTTP)
		return RUN_WAIT;

	snprintf(status, sizeof(status), "%u", in->status);
	(void)flow_var_set(x, "webhook.status", status);
	jtext_open(&j, x->tin, sizeof(x->tin));
	if (!in->status) {
		jtext_str(&j, "status", "timeout");
		return webhook_failure(x, &j, NULL);
	}
	jtext_int(&j, "status", in->status);
	if (in->status < 200 || in->status > 299)
		return webhook_failure(x, &j, NULL);

	err = flow_webhook_apply(x, in->body, in->body_len, &has_next, &next);
	if (err == EPROTO)
		return webhook_failure(x, &j, "not_json_object");
	if (err)
		return webhook_failure(x, &j, "unknown_next");
	if (has_next)
		jtext_str(&j, "next", x->doc->stepv[next].id);
	jtext_close(&j);
	return exec_done(x, "ok", has_next ? next : s->next);
}

/** @file core/flow/exec.c  The flow interpreter: a resumable state machine
 *  that runs a call through a document (no I/O)
 *
 * Contract with the adapter (see hotline/flow.h for the types):
 *  - flow_exec_step() takes one input and returns one command. Every
 *    command carries the current deadline (0 = none): re-arm the timer
 *    after each one and feed TIMER when it passes. A new deadline is
 *    never in the past; a WAIT may repeat one that passed while its
 *    TIMER was on its way (arm the timer to fire at once).
 *  - An input that does not fit the state (a TIMER before the deadline,
 *    DONE with no prompt running, HTTP while not waiting for one, a
 *    second START, ...) changes nothing and returns WAIT with the
 *    current deadline. Input order is never asserted.
 *  - Digits are accepted at any time: when no gather, menu or record is
 *    collecting, they go to a type-ahead buffer (at most FLOW_DIGITS_MAX,
 *    more are dropped) that the next gather or menu consumes before
 *    playing its prompt.
 *  - Once a final command (QUEUE, TRANSFER, HANGUP) was returned or a
 *    DIAL was answered, the flow is over: every input returns ESRCH.
 *  - Each finished step is traced once (env->trace) with its input (a
 *    small JSON object), a result keyword and the next step id ("" when
 *    the flow ends there).
 *
 * The steps that do not wait (answer once answered, branch, set,
 * schedule) run in a loop; more than FLOW_STEPS_MAX step entries in one
 * call means a loop that the validator missed: the step is traced with
 * "loop_guard" and the call hangs up with cause failure.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>
#include <re_types.h>
#include <re_mem.h>
#include "exec.h"

static void destructor(void *arg)
{
	struct flow_exec *x = arg;

	flow_vars_free(x);
	mem_deref(x->body);
	mem_deref(x->doc);
}

/* A target is followed only when it names a step; anything else ends */
static bool ref_ok(const struct flow_doc *doc, flow_ref r)
{
	return r >= 0 && r < (flow_ref)doc->stepc;
}

/**
 * A run of doc from its start step: a reference to doc is kept (the
 * call keeps its version), env is copied (NULL = no local time, no
 * trace). The caller sets the call's variables with flow_var_set, then
 * feeds FLOW_IN_START. 0; EINVAL (xp or doc NULL, a document without
 * steps); ENOMEM.
 */
int flow_exec_alloc(struct flow_exec **xp, struct flow_doc *doc,
		    const struct flow_env *env)
{
	struct flow_exec *x;

	if (!xp || !doc || !doc->stepv || !doc->stepc ||
	    doc->stepc > FLOW_STEPS_MAX)
		return EINVAL;

	x = mem_zalloc(sizeof(*x), destructor);
	if (!x)
		return ENOMEM;
	x->doc = mem_ref(doc);
	if (env)
		x->env = *env;
	x->state = X_IDLE;
	x->cur = FLOW_END;
	x->last = FLOW_END;
	x->end_cause = CALL_CAUSE_NORMAL_CLEARING;
	*xp = x;
	return 0;
}

/** The step at x->cur: the one running (NULL before start and when over) */
const struct flow_step *exec_step(const struct flow_exec *x)
{
	return ref_ok(x->doc, x->cur) ? &x->doc->stepv[x->cur] : NULL;
}

/* The step a command refers to: the running one, else the last run */
static const struct flow_step *cmd_step(const struct flow_exec *x)
{
	const struct flow_step *s = exec_step(x);

	if (!s && ref_ok(x->doc, x->last))
		s = &x->doc->stepv[x->last];
	return s;
}

/** Set the command to return (at most once per flow_exec_step); its step
 *  is the running one, else the last one run (NULL only when no step
 *  ever ran: a document whose start is not a step). */
void exec_emit(struct flow_exec *x, enum flow_cmd_kind kind)
{
	x->cmd->kind = kind;
	x->cmd->step = cmd_step(x);
}

/** A deadline ms from now (never 0, which means none). */
uint64_t exec_deadline_in(const struct flow_exec *x, uint32_t ms)
{
	uint64_t d = x->now + ms;

	return d ? d : 1;
}

/** Keep a digit typed while nothing collects (extra digits dropped). */
void exec_ahead_push(struct flow_exec *x, char digit)
{
	if (x->aheadc < FLOW_DIGITS_MAX) {
		x->ahead[x->aheadc++] = digit;
		x->ahead[x->aheadc] = '\0';
	}
}

static void trace(struct flow_exec *x, const struct flow_step *s,
		  const char *result, const char *next)
{
	struct flow_trace t;

	if (!x->env.trace || !s)
		return;
	t.step_id = s->id;
	t.action = s->action;
	t.input = x->tin[0] ? x->tin : "{}";
	t.result = result;
	t.next = next;
	t.started_ms = x->started_ms;
	t.ended_ms = x->now;
	x->env.trace(x->env.arg, &t);
}

/**
 * The running step finished with result; the flow goes on at next
 * (FLOW_END: it ends, hanging up with x->end_cause). The step's trace
 * input must be in x->tin.
 */
enum exec_run exec_done(struct flow_exec *x, const char *result,
			flow_ref next)
{
	const struct flow_step *s = exec_step(x);

	trace(x, s, result, ref_ok(x->doc, next) ?
	      x->doc->stepv[next].id : "");
	x->tin[0] = '\0';
	x->cur = next;
	x->state = X_RUN;
	x->deadline = 0;
	return RUN_GO;
}

/**
 * The running step ends the flow with command kind (HANGUP with cause;
 * WAIT for a dial answered: nothing to do, and flow_exec_step then
 * returns ESRCH). Traced with next "".
 */
enum exec_run exec_final(struct flow_exec *x, const char *result,
			 enum flow_cmd_kind kind, enum call_cause cause)
{
	trace(x, exec_step(x), result, "");
	x->tin[0] = '\0';
	x->cmd->cause = cause;
	exec_emit(x, kind);
	x->cur = FLOW_END;
	x->state = X_OVER;
	x->deadline = 0;
	return RUN_WAIT;
}

/** Play prompt p (SAY of the expanded text, or PLAY of the file, once) */
void exec_prompt_emit(struct flow_exec *x, const struct flow_prompt *p)
{
	x->cmd->loop = 1;
	if (p->kind == FLOW_PROMPT_SAY) {
		(void)flow_template_expand(x, p->text ? p->text : "", x->text,
					   sizeof(x->text));
		x->cmd->text = x->text;
		exec_emit(x, FLOW_CMD_SAY);
	}
	else {
		x->cmd->text = p->text ? p->text : "";
		exec_emit(x, FLOW_CMD_PLAY);
	}
}


/* --- answer, and the auto-answer of media steps ------------------------- */

/* The action part of a step that needs the call answered */
static enum exec_run answered_begin(struct flow_exec *x)
{
	switch (exec_step(x)->action) {

	case FLOW_PLAY:
	case FLOW_SAY:    return exec_play_begin(x);
	case FLOW_GATHER: return exec_gather_begin(x);
	case FLOW_MENU:   return exec_menu_begin(x);
	case FLOW_RECORD: return exec_record_begin(x);
	case FLOW_QUEUE:  return exec_queue_run(x);
	default: {
		struct jtext j;

		jtext_open(&j, x->tin, sizeof(x->tin));
		jtext_bool(&j, "answered", true);
		jtext_close(&j);
		return exec_done(x, "ok", exec_step(x)->next);
	}
	}
}

/** Answer the call first if needed (ANSWER, then DONE), else go on. */
enum exec_run exec_media_begin(struct flow_exec *x)
{
	if (x->answered)
		return answered_begin(x);
	x->state = X_ANSWERING;
	exec_emit(x, FLOW_CMD_ANSWER);
	return RUN_WAIT;
}

static enum exec_run answering_input(struct flow_exec *x,
				     const struct flow_input *in)
{
	struct jtext j;

	switch (in->kind) {

	case FLOW_IN_DONE:
		x->answered = true;
		return answered_begin(x);
	case FLOW_IN_FAILED:
		jtext_open(&j, x->tin, sizeof(x->tin));
		jtext_bool(&j, "answered", false);
		jtext_close(&j);
		return exec_final(x, "failure", FLOW_CMD_HANGUP,
				  CALL_CAUSE_FAILURE);
	case FLOW_IN_DIGIT:
		exec_ahead_push(x, in->digit);
		return RUN_WAIT;
	default:
		return RUN_WAIT;
	}
}


/* --- the loop ------------------------------------------------------------ */

/* Enter step x->cur */
static enum exec_run step_enter(struct flow_exec *x)
{
	switch (exec_step(x)->action) {

	case FLOW_ANSWER:
	case FLOW_PLAY:
	case FLOW_SAY:
	case FLOW_GATHER:
	case FLOW_MENU:
	case FLOW_RECORD:
	case FLOW_QUEUE:    return exec_media_begin(x);
	case FLOW_BRANCH:   return exec_branch_run(x);
	case FLOW_SET:      return exec_set_run(x);
	case FLOW_SCHEDULE: return exec_schedule_run(x);
	case FLOW_DIAL:     return exec_dial_begin(x);
	case FLOW_TRANSFER: return exec_transfer_run(x);
	case FLOW_WEBHOOK:  return exec_webhook_begin(x);
	case FLOW_HANGUP:   return exec_hangup_run(x);
	default:    /* not a known action (a document built by hand) */
		return exec_final(x, "failure", FLOW_CMD_HANGUP,
				  CALL_CAUSE_FAILURE);
	}
}

/* Run steps from x->cur until one waits or the flow is over */
static void run(struct flow_exec *x, enum exec_run r)
{
	while (r == RUN_GO) {
		if (!ref_ok(x->doc, x->cur)) {
			/* the flow ends after a step that is not final */
			x->cur = FLOW_END;
			x->state = X_OVER;
			x->cmd->cause = x->end_cause;
			exec_emit(x, FLOW_CMD_HANGUP);
			return;
		}
		x->last = x->cur;
		x->started_ms = x->now;
		x->deadline = 0;
		x->end_cause = CALL_CAUSE_NORMAL_CLEARING;
		if (++x->steps_run > FLOW_STEPS_MAX) {
			x->tin[0] = '\0';
			(void)exec_final(x, "loop_guard", FLOW_CMD_HANGUP,
					 CALL_CAUSE_FAILURE);
			return;
		}
		r = step_enter(x);
	}
}

/* Dispatch in on the waiting state */
static enum exec_run state_input(struct flow_exec *x,
				 const struct flow_input *in)
{
	switch (x->state) {

	case X_IDLE:
		if (in->kind == FLOW_IN_START) {
			x->cur = x->doc->start;
			return RUN_GO;
		}
		if (in->kind == FLOW_IN_DIGIT)
			exec_ahead_push(x, in->digit);
		return RUN_WAIT;
	case X_ANSWERING:
		return answering_input(x, in);
	case X_PLAYING:
		return exec_playing_input(x, in);
	case X_G_PROMPT:
	case X_G_STOPPING:
	case X_G_COLLECT:
		return exec_gather_input(x, in);
	case X_M_PROMPT:
	case X_M_STOPPING:
	case X_M_WAIT:
	case X_M_INVALID:
		return exec_menu_input(x, in);
	case X_RECORDING:
	case X_REC_STOPPING:
		return exec_record_input(x, in);
	case X_HTTP:
		return exec_webhook_input(x, in);
	case X_DIALING:
		return exec_dial_input(x, in);
	default:
		return RUN_WAIT;
	}
}

static bool digit_valid(char d)
{
	return d && strchr("0123456789*#ABCD", d) != NULL;
}

/**
 * Feed input in at now_ms; *cmd receives what to do next (its strings
 * and step stay valid until the next call or flow_exec free). Runs the
 * steps that do not wait until one needs the outside world.
 * 0 with *cmd; ESRCH when the flow is over (also for the input that
 * ended it by a dial answered, *cmd then WAIT); EINVAL (NULL argument,
 * unknown input kind, a digit not in 0-9 * # A-D; *cmd is WAIT).
 */
int flow_exec_step(struct flow_exec *x, const struct flow_input *in,
		   uint64_t now_ms, struct flow_cmd *cmd)
{
	if (!x || !in || !cmd)
		return EINVAL;

	memset(cmd, 0, sizeof(*cmd));
	cmd->kind = FLOW_CMD_WAIT;
	if (x->state == X_OVER)
		return ESRCH;
	if ((unsigned)in->kind > FLOW_IN_RECORDED ||
	    (in->kind == FLOW_IN_DIGIT && !digit_valid(in->digit))) {
		cmd->step = cmd_step(x);
		cmd->deadline_ms = x->deadline;
		return EINVAL;
	}

	x->body = mem_deref(x->body);
	x->cmd = cmd;
	x->now = now_ms;
	x->steps_run = 0;
	cmd->step = cmd_step(x);

	run(x, state_input(x, in));
	assert(x->state != X_RUN);   /* every step ends waiting or over */

	x->cmd = NULL;
	cmd->deadline_ms = x->state == X_OVER ? 0 : x->deadline;
	if (x->state == X_OVER && cmd->kind == FLOW_CMD_WAIT)
		return ESRCH;      /* over without a command: dial answered */
	return 0;
}

/**
 * The call ended while the flow ran: the running step is traced with
 * result "caller_hangup" (input {}) and the flow is over. Before START
 * the flow is just over; when already over, nothing happens.
 */
void flow_exec_abort(struct flow_exec *x, uint64_t now_ms)
{
	if (!x || x->state == X_OVER)
		return;
	x->now = now_ms;
	x->tin[0] = '\0';
	if (x->state != X_IDLE)
		trace(x, exec_step(x), "caller_hangup", "");
	x->cur = FLOW_END;
	x->state = X_OVER;
	x->deadline = 0;
}

/** Whether the flow is over (NULL counts as over). */
bool flow_exec_over(const struct flow_exec *x)
{
	return !x || x->state == X_OVER;
}

/** The step running now (for logs), or NULL before start / when over. */
const struct flow_step *flow_exec_current(const struct flow_exec *x)
{
	if (!x || x->state == X_IDLE || x->state == X_OVER)
		return NULL;
	return exec_step(x);
}

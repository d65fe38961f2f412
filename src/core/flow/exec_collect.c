/** @file core/flow/exec_collect.c  Interpreter steps that collect digits:
 *  gather and menu, and the type-ahead buffer they consume (no I/O)
 *
 * An attempt (1 .. 1 + retries) starts by consuming type-ahead digits as
 * if typed, which skips the prompt; without any it plays the prompt. A
 * digit during the prompt answers STOP (barge-in): its DONE still
 * follows and nothing is replayed. After the prompt (at once without
 * one) the caller has timeout_ms for the first digit.
 */
#include <string.h>
#include "exec.h"

static void ahead_drop(struct flow_exec *x, uint8_t n)
{
	memmove(x->ahead, x->ahead + n, (size_t)(x->aheadc - n) + 1);
	x->aheadc -= n;
}

static void collect_trace_input(struct flow_exec *x)
{
	struct jtext j;

	jtext_open(&j, x->tin, sizeof(x->tin));
	jtext_str(&j, "digits", x->dig);
	jtext_int(&j, "attempts", x->attempt);
	jtext_close(&j);
}

static uint8_t attempts_max(uint8_t retries)
{
	return (uint8_t)(retries < 255 ? retries + 1 : 255);
}


/* --- gather -------------------------------------------------------------- */

enum verdict { V_OK, V_INVALID, V_NO_INPUT };

static uint8_t max_digits(const struct flow_gather *g)
{
	if (!g->max_digits || g->max_digits > FLOW_DIGITS_MAX)
		return FLOW_DIGITS_MAX;
	return g->max_digits;
}

/* One digit for the running attempt: the terminator (not stored) and
 * the max_digits-th digit end the collection; any other restarts the
 * inter-digit deadline. */
static void gather_digit(struct flow_exec *x, const struct flow_gather *g,
			 char d)
{
	if (g->terminator && d == g->terminator) {
		x->complete = true;
		x->deadline = 0;
		return;
	}
	x->dig[x->digc++] = d;
	x->dig[x->digc] = '\0';
	if (x->digc >= max_digits(g)) {
		x->complete = true;
		x->deadline = 0;
		return;
	}
	x->deadline = exec_deadline_in(x, g->inter_digit_ms);
}

/* Start attempt x->attempt; true when type-ahead digits already ended
 * the collection (then judge it), false when a command is set. */
static bool gather_attempt(struct flow_exec *x, const struct flow_gather *g)
{
	uint8_t used = 0;

	x->digc = 0;
	x->dig[0] = '\0';
	x->complete = x->timed_out = false;
	x->deadline = 0;

	if (x->aheadc) {
		while (used < x->aheadc && !x->complete)
			gather_digit(x, g, x->ahead[used++]);
		ahead_drop(x, used);
		if (x->complete)
			return true;
		x->state = X_G_COLLECT;
		exec_emit(x, FLOW_CMD_WAIT);
		return false;
	}
	if (g->prompt.kind != FLOW_PROMPT_NONE) {
		x->state = X_G_PROMPT;
		exec_prompt_emit(x, &g->prompt);
		return false;
	}
	x->state = X_G_COLLECT;
	x->deadline = exec_deadline_in(x, g->timeout_ms);
	exec_emit(x, FLOW_CMD_WAIT);
	return false;
}

static enum verdict gather_judge(const struct flow_exec *x,
				 const struct flow_gather *g)
{
	if (x->timed_out && !x->digc)
		return V_NO_INPUT;
	if (x->digc < g->min_digits)
		return V_INVALID;
	if (g->has_pattern && regexec(&g->pattern, x->dig, 0, NULL, 0))
		return V_INVALID;
	return V_OK;
}

/* The collection of the attempt ended: judge it, then go on, try again
 * (type-ahead may end the new attempt at once: loop) or give up. */
static enum exec_run gather_end(struct flow_exec *x)
{
	const struct flow_step *s = exec_step(x);
	const struct flow_gather *g = &s->u.gather;

	for (;;) {
		enum verdict v = gather_judge(x, g);

		if (v == V_OK) {
			(void)flow_var_set(x, g->var, x->dig);
			(void)flow_var_set(x, "digits", x->dig);
			collect_trace_input(x);
			return exec_done(x, "ok", s->next);
		}
		if (x->attempt >= attempts_max(g->retries)) {
			collect_trace_input(x);
			return v == V_NO_INPUT ?
				exec_done(x, "no_input", g->no_input) :
				exec_done(x, "invalid", g->invalid);
		}
		x->attempt++;
		if (!gather_attempt(x, g))
			return RUN_WAIT;
	}
}

/** gather, once answered: attempt 1. */
enum exec_run exec_gather_begin(struct flow_exec *x)
{
	x->attempt = 1;
	return gather_attempt(x, &exec_step(x)->u.gather) ? gather_end(x)
							   : RUN_WAIT;
}

static bool deadline_passed(const struct flow_exec *x)
{
	return x->deadline && x->now >= x->deadline;
}

/* STOP sent: digits still count until the collection ends; the next
 * step waits for the prompt's DONE. */
static enum exec_run gather_stopping(struct flow_exec *x,
				     const struct flow_input *in,
				     const struct flow_gather *g)
{
	switch (in->kind) {

	case FLOW_IN_DIGIT:
		if (x->complete)
			exec_ahead_push(x, in->digit);
		else
			gather_digit(x, g, in->digit);
		return RUN_WAIT;
	case FLOW_IN_TIMER:
		if (!x->complete && deadline_passed(x)) {
			x->complete = x->timed_out = true;
			x->deadline = 0;
		}
		return RUN_WAIT;
	case FLOW_IN_DONE:
	case FLOW_IN_FAILED:
		if (!x->complete && deadline_passed(x))
			x->complete = x->timed_out = true;
		if (x->complete)
			return gather_end(x);
		x->state = X_G_COLLECT;
		return RUN_WAIT;
	default:
		return RUN_WAIT;
	}
}

enum exec_run exec_gather_input(struct flow_exec *x,
				const struct flow_input *in)
{
	const struct flow_gather *g = &exec_step(x)->u.gather;

	if (x->state == X_G_STOPPING)
		return gather_stopping(x, in, g);

	if (in->kind == FLOW_IN_DIGIT) {
		gather_digit(x, g, in->digit);
		if (x->state == X_G_PROMPT) {
			x->state = X_G_STOPPING;
			exec_emit(x, FLOW_CMD_STOP);
			return RUN_WAIT;
		}
		return x->complete ? gather_end(x) : RUN_WAIT;
	}
	if (x->state == X_G_PROMPT && (in->kind == FLOW_IN_DONE ||
				       in->kind == FLOW_IN_FAILED)) {
		x->state = X_G_COLLECT;
		x->deadline = exec_deadline_in(x, g->timeout_ms);
		return RUN_WAIT;
	}
	if (x->state == X_G_COLLECT && in->kind == FLOW_IN_TIMER &&
	    deadline_passed(x)) {
		x->complete = x->timed_out = true;
		x->deadline = 0;
		return gather_end(x);
	}
	return RUN_WAIT;
}


/* --- menu ---------------------------------------------------------------- */

static enum exec_run menu_choose(struct flow_exec *x, char d);

/* Start attempt x->attempt: a type-ahead digit is the choice, else the
 * prompt plays, else the timeout runs at once. */
static enum exec_run menu_attempt(struct flow_exec *x)
{
	const struct flow_menu *m = &exec_step(x)->u.menu;
	char d;

	x->menu_digit = 0;
	x->deadline = 0;
	if (x->aheadc) {
		d = x->ahead[0];
		ahead_drop(x, 1);
		return menu_choose(x, d);
	}
	if (m->prompt.kind != FLOW_PROMPT_NONE) {
		x->state = X_M_PROMPT;
		exec_prompt_emit(x, &m->prompt);
		return RUN_WAIT;
	}
	x->state = X_M_WAIT;
	x->deadline = exec_deadline_in(x, m->timeout_ms);
	exec_emit(x, FLOW_CMD_WAIT);
	return RUN_WAIT;
}

/* The attempt ended without a choice: by a wrong digit (invalid) or by
 * the timeout. Try again, or give up after the last attempt. */
static enum exec_run menu_retry(struct flow_exec *x, bool invalid)
{
	const struct flow_menu *m = &exec_step(x)->u.menu;

	if (x->attempt < attempts_max(m->retries)) {
		x->attempt++;
		return menu_attempt(x);
	}
	collect_trace_input(x);
	return invalid ? exec_done(x, "invalid", m->invalid)
		       : exec_done(x, "no_input", m->no_input);
}

static enum exec_run menu_choose(struct flow_exec *x, char d)
{
	const struct flow_menu *m = &exec_step(x)->u.menu;

	x->dig[0] = d;
	x->dig[1] = '\0';
	x->deadline = 0;
	for (uint8_t i = 0; i < m->optc && i < FLOW_OPTIONS_MAX; i++) {
		if (m->optv[i].digit == d) {
			(void)flow_var_set(x, "digits", x->dig);
			collect_trace_input(x);
			return exec_done(x, "ok", m->optv[i].to);
		}
	}
	if (m->invalid_prompt.kind != FLOW_PROMPT_NONE) {
		x->state = X_M_INVALID;
		exec_prompt_emit(x, &m->invalid_prompt);
		return RUN_WAIT;
	}
	return menu_retry(x, true);
}

/** menu, once answered: attempt 1. */
enum exec_run exec_menu_begin(struct flow_exec *x)
{
	x->attempt = 1;
	x->dig[0] = '\0';
	return menu_attempt(x);
}

static bool prompt_ended(const struct flow_input *in)
{
	return in->kind == FLOW_IN_DONE || in->kind == FLOW_IN_FAILED;
}

enum exec_run exec_menu_input(struct flow_exec *x,
			      const struct flow_input *in)
{
	const struct flow_menu *m = &exec_step(x)->u.menu;

	switch (x->state) {

	case X_M_PROMPT:
		if (in->kind == FLOW_IN_DIGIT) {
			x->menu_digit = in->digit;
			x->state = X_M_STOPPING;
			exec_emit(x, FLOW_CMD_STOP);
		}
		else if (prompt_ended(in)) {
			x->state = X_M_WAIT;
			x->deadline = exec_deadline_in(x, m->timeout_ms);
		}
		return RUN_WAIT;
	case X_M_STOPPING:
		if (in->kind == FLOW_IN_DIGIT)
			exec_ahead_push(x, in->digit);
		else if (prompt_ended(in))
			return menu_choose(x, x->menu_digit);
		return RUN_WAIT;
	case X_M_WAIT:
		if (in->kind == FLOW_IN_DIGIT)
			return menu_choose(x, in->digit);
		if (in->kind == FLOW_IN_TIMER && deadline_passed(x)) {
			x->dig[0] = '\0';
			return menu_retry(x, false);
		}
		return RUN_WAIT;
	case X_M_INVALID:
		if (in->kind == FLOW_IN_DIGIT)
			exec_ahead_push(x, in->digit);
		else if (prompt_ended(in))
			return menu_retry(x, true);
		return RUN_WAIT;
	default:
		return RUN_WAIT;
	}
}

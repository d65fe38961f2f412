/** @file core/flow/exec_media.c  Interpreter steps play, say and record
 *  (no I/O). They run once the call is answered (exec_media_begin). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "exec.h"

/**
 * play: PLAY of the file, say: SAY of the expanded text, loop times.
 * Then DONE → next ("ok"); FAILED → next as well ("failure"): a missing
 * prompt must not drop the caller. Digits meanwhile go to type-ahead.
 */
enum exec_run exec_play_begin(struct flow_exec *x)
{
	const struct flow_step *s = exec_step(x);

	if (s->action == FLOW_PLAY) {
		x->cmd->text = s->u.play.file ? s->u.play.file : "";
		x->cmd->loop = s->u.play.loop;
		exec_emit(x, FLOW_CMD_PLAY);
	}
	else {
		(void)flow_template_expand(x, s->u.say.text ? s->u.say.text
					   : "", x->text, sizeof(x->text));
		x->cmd->text = x->text;
		x->cmd->loop = s->u.say.loop;
		exec_emit(x, FLOW_CMD_SAY);
	}
	x->state = X_PLAYING;
	return RUN_WAIT;
}

enum exec_run exec_playing_input(struct flow_exec *x,
				 const struct flow_input *in)
{
	const struct flow_step *s = exec_step(x);
	struct jtext j;

	switch (in->kind) {

	case FLOW_IN_DIGIT:
		exec_ahead_push(x, in->digit);
		return RUN_WAIT;
	case FLOW_IN_DONE:
	case FLOW_IN_FAILED:
		jtext_open(&j, x->tin, sizeof(x->tin));
		if (s->action == FLOW_PLAY)
			jtext_str(&j, "file", s->u.play.file);
		else
			jtext_str(&j, "text", x->text);
		jtext_close(&j);
		return exec_done(x, in->kind == FLOW_IN_DONE ? "ok"
				 : "failure", s->next);
	default:
		return RUN_WAIT;
	}
}

/**
 * record: RECORD (the adapter reads beep, max_s, silence_s from the
 * step). A digit equal to the terminator answers STOP (once); other
 * digits are ignored (not type-ahead: they are part of the message).
 * RECORDED → variables recording.id, recording.duration_ms, next
 * ("ok"); FAILED → next ("failure").
 */
enum exec_run exec_record_begin(struct flow_exec *x)
{
	exec_emit(x, FLOW_CMD_RECORD);
	x->state = X_RECORDING;
	return RUN_WAIT;
}

static enum exec_run recorded(struct flow_exec *x,
			      const struct flow_input *in)
{
	char ms[16];
	struct jtext j;

	snprintf(ms, sizeof(ms), "%" PRIu32, in->duration_ms);
	(void)flow_var_set(x, "recording.id",
			   in->recording_id ? in->recording_id : "");
	(void)flow_var_set(x, "recording.duration_ms", ms);

	jtext_open(&j, x->tin, sizeof(x->tin));
	jtext_str(&j, "recording_id", in->recording_id);
	jtext_int(&j, "duration_ms", in->duration_ms);
	jtext_bool(&j, "stopped", x->state == X_REC_STOPPING);
	jtext_close(&j);
	return exec_done(x, "ok", exec_step(x)->next);
}

enum exec_run exec_record_input(struct flow_exec *x,
				const struct flow_input *in)
{
	const struct flow_step *s = exec_step(x);
	struct jtext j;

	switch (in->kind) {

	case FLOW_IN_DIGIT:
		if (x->state == X_RECORDING && s->u.record.terminator &&
		    in->digit == s->u.record.terminator) {
			x->state = X_REC_STOPPING;
			exec_emit(x, FLOW_CMD_STOP);
		}
		return RUN_WAIT;
	case FLOW_IN_RECORDED:
		return recorded(x, in);
	case FLOW_IN_FAILED:
		jtext_open(&j, x->tin, sizeof(x->tin));
		jtext_bool(&j, "stopped", x->state == X_REC_STOPPING);
		jtext_close(&j);
		return exec_done(x, "failure", s->next);
	default:
		return RUN_WAIT;
	}
}

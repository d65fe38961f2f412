/** @file core/flow/exec.h  Private to core/flow: the interpreter's state
 *  and the helpers its files share (no I/O).
 *
 * One struct flow_exec runs one call through one document. It is a
 * resumable state machine in the nginx style: every place where the
 * interpreter waits for the outside world has its own state (enum
 * exec_state), flow_exec_step() dispatches the input on that state, and
 * steps that do not wait run in a loop until one does.
 *
 * Files: exec.c (the loop, dispatch, answer, endings, trace), exec_media.c
 * (play, say, record), exec_collect.c (gather, menu, type-ahead),
 * exec_steps.c (branch, set, schedule, queue, dial, transfer, webhook,
 * hangup), vars.c (variables, templates), cond.c (branch conditions),
 * schedule.c (opening hours), webhook.c (request body, answer),
 * jtext.c (small JSON texts).
 */
#ifndef CORE_FLOW_EXEC_H
#define CORE_FLOW_EXEC_H

#include "flow.h"

struct mbuf;

/* Where the interpreter waits. Each waiting state names the input that
 * moves it on; every other input leaves it as it is (WAIT). */
enum exec_state {
	X_IDLE = 0,       /* allocated, START not yet fed */
	X_RUN,            /* between steps (never seen by an input) */
	X_ANSWERING,      /* ANSWER sent: DONE / FAILED */
	X_PLAYING,        /* play/say: PLAY or SAY sent: DONE / FAILED */
	X_G_PROMPT,       /* gather prompt playing: DIGIT (barge-in), DONE */
	X_G_STOPPING,     /* gather: STOP sent, digits still collected: DONE */
	X_G_COLLECT,      /* gather: DIGIT, TIMER at the deadline */
	X_M_PROMPT,       /* menu prompt playing: DIGIT (barge-in), DONE */
	X_M_STOPPING,     /* menu: STOP sent, digit kept: DONE */
	X_M_WAIT,         /* menu: DIGIT, TIMER at the deadline */
	X_M_INVALID,      /* menu: invalid_prompt playing: DONE */
	X_RECORDING,      /* RECORD sent: RECORDED / FAILED, terminator */
	X_REC_STOPPING,   /* record: STOP sent: RECORDED / FAILED */
	X_HTTP,           /* webhook: HTTP */
	X_DIALING,        /* dial: DIAL */
	X_OVER,           /* a final command was returned: ESRCH */
};

/* What a step handler tells the loop */
enum exec_run {
	RUN_WAIT = 0,     /* *cmd is set (or WAIT): return to the adapter */
	RUN_GO,           /* the step finished: enter x->cur */
};

struct flow_var {
	char name[FLOW_VAR_NAME_MAX];
	char *value;                  /* owned, NUL-terminated */
};

struct flow_exec {
	struct flow_doc *doc;         /* ref */
	struct flow_env env;          /* copy; its arg is borrowed */
	enum exec_state state;
	flow_ref cur;                 /* step running, or FLOW_END */
	flow_ref last;                /* last step entered (for cmd->step) */
	uint64_t started_ms;          /* when cur was entered */
	uint64_t deadline;            /* current deadline, 0 = none */
	uint64_t now;                 /* of the input being handled */
	unsigned steps_run;           /* in this flow_exec_step: loop guard */
	enum call_cause end_cause;    /* HANGUP cause if the flow ends now */
	bool answered;
	struct flow_cmd *cmd;         /* borrowed: the caller's, in a step */

	/* gather and menu: the attempt running */
	uint8_t attempt;              /* 1..1+retries */
	char dig[FLOW_DIGITS_MAX + 1];
	uint8_t digc;
	bool complete;                /* gather: collection has ended */
	bool timed_out;               /* gather: ... by the deadline */
	char menu_digit;              /* menu: digit pressed during prompt */

	/* digits typed while nothing collected them */
	char ahead[FLOW_DIGITS_MAX + 1];
	uint8_t aheadc;

	struct flow_var varv[FLOW_VARS_MAX];
	uint8_t varc;

	char text[FLOW_TEXT_MAX];     /* cmd->text when expanded */
	char text2[FLOW_TEXT_MAX];    /* cmd->caller_id */
	struct mbuf *body;            /* owned: cmd->body of HTTP */
	char tin[FLOW_TRACE_MAX];     /* trace input of the step finishing */
};

/* exec.c: shared by the step files. exec_step: the step at x->cur (the
 * running one; NULL when x->cur is FLOW_END) */
const struct flow_step *exec_step(const struct flow_exec *x);
void exec_emit(struct flow_exec *x, enum flow_cmd_kind kind);
enum exec_run exec_done(struct flow_exec *x, const char *result,
			flow_ref next);
enum exec_run exec_final(struct flow_exec *x, const char *result,
			 enum flow_cmd_kind kind, enum call_cause cause);
enum exec_run exec_media_begin(struct flow_exec *x);
uint64_t exec_deadline_in(const struct flow_exec *x, uint32_t ms);
void exec_ahead_push(struct flow_exec *x, char digit);
void exec_prompt_emit(struct flow_exec *x, const struct flow_prompt *p);

/* exec_media.c */
enum exec_run exec_play_begin(struct flow_exec *x);
enum exec_run exec_playing_input(struct flow_exec *x,
				 const struct flow_input *in);
enum exec_run exec_record_begin(struct flow_exec *x);
enum exec_run exec_record_input(struct flow_exec *x,
				const struct flow_input *in);

/* exec_collect.c */
enum exec_run exec_gather_begin(struct flow_exec *x);
enum exec_run exec_gather_input(struct flow_exec *x,
				const struct flow_input *in);
enum exec_run exec_menu_begin(struct flow_exec *x);
enum exec_run exec_menu_input(struct flow_exec *x,
			      const struct flow_input *in);

/* exec_steps.c */
enum exec_run exec_branch_run(struct flow_exec *x);
enum exec_run exec_set_run(struct flow_exec *x);
enum exec_run exec_schedule_run(struct flow_exec *x);
enum exec_run exec_queue_run(struct flow_exec *x);
enum exec_run exec_dial_begin(struct flow_exec *x);
enum exec_run exec_dial_input(struct flow_exec *x,
			      const struct flow_input *in);
enum exec_run exec_transfer_run(struct flow_exec *x);
enum exec_run exec_webhook_begin(struct flow_exec *x);
enum exec_run exec_webhook_input(struct flow_exec *x,
				 const struct flow_input *in);
enum exec_run exec_hangup_run(struct flow_exec *x);

/* vars.c */
bool flow_var_name_valid(const char *name);
void flow_vars_free(struct flow_exec *x);

/* cond.c: whether c holds; rhs receives the expanded value */
bool flow_cond_holds(const struct flow_exec *x, const struct flow_cond *c,
		     char *rhs, size_t rhssz);

/* schedule.c: whether s is open at local time tm */
bool flow_schedule_holiday(const struct flow_schedule *s,
			   const struct flow_tm *tm);
bool flow_schedule_open(const struct flow_schedule *s,
			const struct flow_tm *tm);

/* webhook.c */
#define FLOW_WEBHOOK_BODY_MAX (64 * 1024)
int flow_webhook_body(const struct flow_exec *x, const struct flow_step *s,
		      struct mbuf **mbp);
int flow_webhook_apply(struct flow_exec *x, const char *body, size_t len,
		       bool *has_next, flow_ref *next);

/* jtext.c: a JSON object text in a bounded buffer. Members are added
 * whole or not at all (the text is always valid JSON); string values
 * are cut at JTEXT_VALUE_MAX bytes on a UTF-8 boundary. */
#define JTEXT_VALUE_MAX 160
struct jtext {
	char *buf;                    /* borrowed */
	size_t size, len;
	bool first, full;
};
void jtext_open(struct jtext *j, char *buf, size_t size);
void jtext_str(struct jtext *j, const char *key, const char *val);
void jtext_int(struct jtext *j, const char *key, int64_t v);
void jtext_bool(struct jtext *j, const char *key, bool v);
const char *jtext_close(struct jtext *j);
int flow_json_quote(struct mbuf *mb, const char *s);
size_t flow_json_escape(char *out, size_t outsz, const char *s,
			size_t maxin);

#endif

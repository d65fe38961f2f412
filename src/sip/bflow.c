/** @file sip/bflow.c  A call running an IVR flow: starts the interpreter
 *  (core/flow) on the call, feeds it what happens (prompts done, digits,
 *  deadlines, webhook answers, dial results) and carries out its
 *  commands; traces every step into the store.
 *
 * Inputs are never fed from inside the callback that produced them
 * (player, relay tap, TTS, HTTP client): they wait in f->inl and a
 * zero-delay timer feeds them, so a command may free whatever reported.
 */
#include <errno.h>
#include <string.h>
#include <hotline/bus.h>
#include <hotline/clock.h>
#include <hotline/config.h>
#include <hotline/event.h>
#include <hotline/fetch.h>
#include <hotline/log.h>
#include <hotline/player.h>
#include <hotline/store.h>
#include <hotline/tts.h>
#include <hotline/tzdb.h>
#include "bcall.h"
#include "bflow.h"

/* An input waiting to be fed (with its own copy of an HTTP body and a
 * recording id) */
struct bflow_in {
	struct le le;
	struct flow_input in;
	char *body;                   /* owned, or NULL */
	char rec_id[40];
};

/* A trace row waiting for the next event flush (in b->tracel) */
struct trace_row {
	struct le le;
	char call_id[CALL_ID_MAX];
	uint32_t seq;
	char step_id[FLOW_ID_MAX];
	const char *action;           /* static name */
	char *input;                  /* owned */
	char result[24];
	char next[FLOW_ID_MAX];
	uint64_t started_ms, ended_ms;
};

static void drive(struct bflow *f, const struct flow_input *in);


/* --- inputs -------------------------------------------------------------- */

static void in_destructor(void *arg)
{
	struct bflow_in *bi = arg;

	list_unlink(&bi->le);
	mem_deref(bi->body);
}

static void kick_h(void *arg)
{
	struct bflow *f = arg;
	struct le *le;

	mem_ref(f);
	while (!f->over && (le = list_head(&f->inl))) {
		struct bflow_in *bi = le->data;

		list_unlink(le);
		bi->in.body = bi->body;
		bi->in.recording_id = bi->rec_id;
		drive(f, &bi->in);
		mem_deref(bi);
	}
	mem_deref(f);
}

/** Queue in (copied, with its body and recording id) to be fed on the
 *  next loop turn. */
void bflow_post(struct bflow *f, const struct flow_input *in)
{
	struct bflow_in *bi;

	if (f->over)
		return;
	bi = mem_zalloc(sizeof(*bi), in_destructor);
	if (!bi)
		return;   /* the flow's deadline still moves it on */
	bi->in = *in;
	if (in->body && in->body_len &&
	    !(bi->body = mem_alloc(in->body_len + 1, NULL))) {
		mem_deref(bi);
		return;
	}
	if (bi->body) {
		memcpy(bi->body, in->body, in->body_len);
		bi->body[in->body_len] = '\0';
	}
	if (in->recording_id)
		str_ncpy(bi->rec_id, in->recording_id, sizeof(bi->rec_id));
	list_append(&f->inl, &bi->le, bi);
	tmr_start(&f->kick_tmr, 0, kick_h, f);
}

void bflow_post_kind(struct bflow *f, enum flow_input_kind kind)
{
	struct flow_input in = { .kind = kind };

	bflow_post(f, &in);
}

static void deadline_h(void *arg)
{
	struct bflow *f = arg;

	f->deadline = 0;     /* the same deadline again is armed again */
	bflow_post_kind(f, FLOW_IN_TIMER);
}

static void deadline_arm(struct bflow *f, uint64_t deadline, uint64_t now)
{
	if (deadline == f->deadline)
		return;
	f->deadline = deadline;
	if (!deadline)
		tmr_cancel(&f->deadline_tmr);
	else
		tmr_start(&f->deadline_tmr, deadline > now ? deadline - now :
			  0, deadline_h, f);
}


/* --- the interpreter's environment --------------------------------------- */

static int local_time(void *arg, const char *tz, uint64_t utc_ms,
		      struct flow_tm *tm)
{
	struct bflow *f = arg;
	struct tzdb_tm t;
	int err;

	if (!f->c->b->tzdb)
		return ENOENT;
	err = tzdb_local(f->c->b->tzdb, tz, utc_ms, &t);
	if (err)
		return err;
	*tm = (struct flow_tm){ t.year, t.mon, t.mday, t.wday, t.hour, t.min,
				t.sec };
	return 0;
}

static void row_destructor(void *arg)
{
	struct trace_row *r = arg;

	list_unlink(&r->le);
	mem_deref(r->input);
}

/* A step finished: its row is written with the next event flush */
static void trace_h(void *arg, const struct flow_trace *t)
{
	struct bflow *f = arg;
	struct b2bua *b = f->c->b;
	struct trace_row *r;
	char *input = NULL;

	r = mem_zalloc(sizeof(*r), row_destructor);
	if (!r || str_dup(&input, t->input ? t->input : "{}")) {
		mem_deref(r);
		log_error("b2bua: call %s: trace step %s lost (no memory)\n",
			  f->c->rec.id, t->step_id);
		return;
	}
	str_ncpy(r->call_id, f->c->rec.id, sizeof(r->call_id));
	r->seq = f->trace_seq++;
	str_ncpy(r->step_id, t->step_id, sizeof(r->step_id));
	r->action = flow_action_name(t->action);
	r->input = input;
	str_ncpy(r->result, t->result, sizeof(r->result));
	str_ncpy(r->next, t->next ? t->next : "", sizeof(r->next));
	r->started_ms = t->started_ms;
	r->ended_ms = t->ended_ms;
	list_append(&b->tracel, &r->le, r);
	log_debug("b2bua: call %s: flow step %s (%s): %s -> %s\n",
		  f->c->rec.id, t->step_id, r->action, t->result,
		  r->next[0] ? r->next : "(end)");
}

/** Write the trace rows waiting (inside the event flush's transaction). */
void bflow_traces_flush(struct b2bua *b)
{
	struct le *le;

	while ((le = list_head(&b->tracel))) {
		struct trace_row *r = le->data;
		const struct store_trace t = {
			r->call_id, r->seq, r->step_id, r->action, r->input,
			r->result, r->next, r->started_ms, r->ended_ms };
		int err = store_trace_put(b->st, &t);

		if (err)
			log_error("b2bua: call %s: cannot store trace step "
				  "%s (%m)\n", r->call_id, r->step_id, err);
		mem_deref(r);
	}
}


/* --- commands ------------------------------------------------------------ */

static void http_h(int err, uint16_t status, const char *body, size_t len,
		   void *arg)
{
	struct bflow *f = arg;
	struct flow_input in = { .kind = FLOW_IN_HTTP,
				 .status = err ? 0 : status,
				 .body = err ? NULL : body,
				 .body_len = err ? 0 : len };

	/* fetch logs the failure; the trace shows the flow's side */
	f->http = mem_deref(f->http);
	bflow_post(f, &in);
}

static int webhook(struct bflow *f, const struct flow_cmd *cmd)
{
	if (!f->c->b->fetch)
		return ENOSYS;
	return fetch_post(&f->http, f->c->b->fetch, cmd->text, cmd->body,
			  cmd->step->u.webhook.timeout_ms, http_h, f);
}

static void hangup(struct bflow *f, enum call_cause cause)
{
	struct bcall *c = f->c;

	bcall_end(c, cause, CALL_PARTY_SYSTEM, c->rec.answered_ms ? 0 :
		  call_cause_sip_status(cause));
}

/* The flow handed the call on (queue, dial answered, transfer, hangup):
 * nothing of it runs any more */
static void flow_over(struct bflow *f)
{
	f->over = true;
	tmr_cancel(&f->deadline_tmr);
	tmr_cancel(&f->kick_tmr);
	list_flush(&f->inl);
}

/* Carry out cmd: false when it runs (its input comes later), true with
 * *next the input that follows at once. */
static bool run(struct bflow *f, const struct flow_cmd *cmd,
		struct flow_input *next)
{
	int err = 0;

	memset(next, 0, sizeof(*next));
	switch (cmd->kind) {

	case FLOW_CMD_WAIT:
		return false;
	case FLOW_CMD_ANSWER:
		next->kind = bcall_answer_caller(f->c, &f->fmts) ?
			     FLOW_IN_FAILED : FLOW_IN_DONE;
		return true;
	case FLOW_CMD_PLAY:
		err = bflow_play(f, cmd->text, cmd->loop);
		break;
	case FLOW_CMD_SAY:
		err = bflow_say(f, cmd->text, cmd->loop);
		break;
	case FLOW_CMD_STOP:
		bflow_stop(f);
		return false;
	case FLOW_CMD_RECORD:
		err = bflow_record(f, &cmd->step->u.record);
		break;
	case FLOW_CMD_HTTP:
		err = webhook(f, cmd);
		if (err) {
			log_info("b2bua: call %s: webhook not sent (%m)\n",
				 f->c->rec.id, err);
			next->kind = FLOW_IN_HTTP;
			return true;
		}
		return false;
	case FLOW_CMD_DIAL:
		err = bflow_dial(f, cmd);
		if (err) {
			next->kind = FLOW_IN_DIAL;
			next->dial = err == EBUSY ? FLOW_DIAL_BUSY :
				     FLOW_DIAL_FAILED;
			return true;
		}
		return false;
	case FLOW_CMD_QUEUE:
		flow_over(f);
		err = bflow_queue(f, cmd);
		if (err) {
			log_info("b2bua: call %s: flow cannot queue in %s "
				 "(%m)\n", f->c->rec.id,
				 cmd->step->u.queue.queue_id, err);
			hangup(f, CALL_CAUSE_FAILURE);
		}
		return false;
	case FLOW_CMD_TRANSFER:
		flow_over(f);
		err = bflow_transfer(f, cmd);
		if (err) {
			log_info("b2bua: call %s: flow cannot transfer to %s "
				 "(%m)\n", f->c->rec.id, cmd->text, err);
			hangup(f, err == ENOENT ? CALL_CAUSE_NOT_FOUND :
			       CALL_CAUSE_UNAVAILABLE);
		}
		return false;
	case FLOW_CMD_HANGUP:
		flow_over(f);
		hangup(f, cmd->cause);
		return false;
	}
	if (err) {
		log_info("b2bua: call %s: flow step %s: %s failed (%m)\n",
			 f->c->rec.id, cmd->step ? cmd->step->id : "?",
			 cmd->step ? flow_action_name(cmd->step->action) : "",
			 err);
		next->kind = FLOW_IN_FAILED;
		return true;
	}
	return false;
}

/* Feed in, then carry out commands until one has to wait */
static void drive(struct bflow *f, const struct flow_input *in)
{
	struct flow_input next;
	struct flow_cmd cmd;
	uint64_t now;
	int err;

	mem_ref(f);
	while (!f->over) {
		now = clock_now_ms();
		err = flow_exec_step(f->x, in, now, &cmd);
		if (err) {
			flow_over(f);
			break;
		}
		deadline_arm(f, cmd.deadline_ms, now);
		if (!run(f, &cmd, &next))
			break;
		in = &next;
	}
	mem_deref(f);
}


/* --- start and end ------------------------------------------------------- */

static void destructor(void *arg)
{
	struct bflow *f = arg;

	tmr_cancel(&f->kick_tmr);
	tmr_cancel(&f->deadline_tmr);
	list_flush(&f->inl);
	bflow_media_release(f);
	mem_deref(f->http);
	mem_deref(f->x);
	mem_deref(f->doc);
}

/* The call's variables, and its contact (looked up by the caller's
 * number, created when unknown: the agent's screen pop shows it) */
static void vars_set(struct bflow *f)
{
	struct bcall *c = f->c;
	char buf[32], at[25];

	(void)flow_var_set(f->x, "call_id", c->rec.id);
	(void)flow_var_set(f->x, "caller", c->from_user);
	(void)flow_var_set(f->x, "caller_name", c->from_name);
	(void)flow_var_set(f->x, "did", c->rec.did);
	(void)flow_var_set(f->x, "flow_id", f->flow_id);
	re_snprintf(buf, sizeof(buf), "%u", f->version);
	(void)flow_var_set(f->x, "flow_version", buf);
	/* "2026-11-21T08:00:00.123Z": the date, then HH:MM */
	event_time_format(at, clock_now_ms());
	re_snprintf(buf, sizeof(buf), "%b", at, (size_t)10);
	(void)flow_var_set(f->x, "date", buf);
	re_snprintf(buf, sizeof(buf), "%b", at + 11, (size_t)5);
	(void)flow_var_set(f->x, "time", buf);
	bflow_contact(f);
}

/* The flow document of flow_id's current version (parsed once per
 * version, kept in b's cache). 0, ENOENT, or a store/parse error. */
static int doc_load(struct bflow *f, const char *flow_id)
{
	struct b2bua *b = f->c->b;
	int err;

	err = bflow_doc_get(b, flow_id, &f->doc, &f->version);
	if (err)
		return err;
	str_ncpy(f->flow_id, flow_id, sizeof(f->flow_id));
	str_ncpy(f->c->rec.flow_id, flow_id, sizeof(f->c->rec.flow_id));
	f->c->rec.flow_version = f->version;
	return 0;
}

static int flow_alloc(struct bflow **fp, struct bcall *c, const char *flow_id,
		      const struct sdpdesc *fmts, uint8_t pt)
{
	const struct flow_env env = { local_time, trace_h, NULL };
	struct flow_env e = env;
	struct bflow *f;
	int err;

	f = mem_zalloc(sizeof(*f), destructor);
	if (!f)
		return ENOMEM;
	f->c = c;
	f->fmts = *fmts;
	f->pt = pt;
	e.arg = f;
	err = doc_load(f, flow_id);
	if (!err)
		err = flow_exec_alloc(&f->x, f->doc, &e);
	if (err) {
		mem_deref(f);
		return err;
	}
	*fp = f;
	return 0;
}

/* Set flow_id up on c, whose caller is answered with fmts (pt): its
 * version, variables and contact, its ears on the caller's RTP. 0 or an
 * error (the call is left as it was). */
static int flow_setup(struct bcall *c, const char *flow_id,
		      const struct sdpdesc *fmts, uint8_t pt)
{
	struct bflow *f;
	int err;

	err = flow_alloc(&f, c, flow_id, fmts, pt);
	if (err)
		return err;
	if (c->f)
		bflow_media_release(c->f);
	mem_deref(c->f);
	c->f = f;
	vars_set(f);
	bflow_listen(f);
	log_debug("b2bua: call %s: flow %s version %u\n", c->rec.id, flow_id,
		  f->version);
	return 0;
}

/**
 * A DID leading to flow_id: set up its current version on c (the record
 * gets flow and contact; bflow_go runs it). offer: the caller's SDP. 0;
 * ENOENT (no such flow: refuse 404); ENOTSUP (no G.711: 488); else
 * another error (500).
 */
int bflow_start(struct bcall *c, const char *flow_id,
		const struct sdpdesc *offer)
{
	struct sdpdesc fmts;
	uint8_t pt = 0;
	int err;

	err = bcall_answer_formats(offer, &fmts, &pt);
	if (err)
		return err;
	return flow_setup(c, flow_id, &fmts, pt);
}

/** Run c's flow from its start. */
void bflow_go(struct bcall *c)
{
	struct flow_input start = { .kind = FLOW_IN_START };

	if (c->f)
		drive(c->f, &start);
}

/** Transfer to another flow: the call runs flow_id's current version
 *  from its start (fresh variables). f is freed on the way. */
int bflow_restart(struct bflow *f, const char *flow_id)
{
	struct sdpdesc fmts = f->fmts;
	struct bcall *c = f->c;
	uint8_t pt = f->pt;
	int err;

	err = flow_setup(c, flow_id, &fmts, pt);
	if (!err)
		bflow_go(c);
	return err;
}

/** The call ends (bcall_end, before call.ended): the running step is
 *  traced as caller_hangup and everything the flow runs stops (a
 *  recording under way is still saved). */
void bflow_end(struct bcall *c)
{
	struct bflow *f = c->f;

	if (!f)
		return;
	if (!f->over)
		flow_exec_abort(f->x, clock_now_ms());
	flow_over(f);
	bflow_media_release(f);
	f->http = mem_deref(f->http);
}

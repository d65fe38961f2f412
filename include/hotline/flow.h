/** @file hotline/flow.h  IVR flows: a JSON document of steps bound to
 *  numbers, checked on save, run by a resumable interpreter. Pure core:
 *  no I/O, time is an argument, lookups come in through tables.
 *
 * Document (JSON, at most FLOW_DOC_MAX bytes):
 *
 *   { "name": "Main line", "start": "hello",         // start: optional,
 *     "steps": [                                     //  default the first
 *       { "id": "hello", "action": "say", "text": "Hi {{contact.name}}",
 *         "next": "menu" },
 *       { "id": "menu", "action": "menu", "prompt": { "say": "Press 1" },
 *         "options": { "1": "sales" }, "no_input": "operator" }, ... ] }
 *
 * Every step has "id" ([a-z0-9][a-z0-9_-]{0,62}, unique) and "action";
 * "next" names the step that follows (absent = the flow ends: hang up).
 * Branch fields ("invalid", "no_input", "open", "closed", "busy",
 * "failure", ...) name steps the same way. The action fields are listed
 * with each struct below (JSON name in quotes, default in brackets).
 *
 * Errors carry a JSON Pointer (RFC 6901) to the bad field, e.g.
 * "/steps/3/next", and a code: FLOW_E_* below.
 *
 * Templates: text fields marked (template) may contain {{name}}; it is
 * replaced by the variable's value ("" when unset). Variables the call
 * provides: caller, caller_name, did, call_id, flow_id, flow_version,
 * date (YYYY-MM-DD, UTC), time (HH:MM, UTC), digits (the last gathered),
 * contact.id, contact.name, contact.email, contact.crm_id, plus whatever
 * set/gather/webhook/record steps store (names [a-z0-9_.]{1,63}).
 */
#ifndef HOTLINE_FLOW_H
#define HOTLINE_FLOW_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <regex.h>
#include <hotline/call.h>
#include <hotline/queue.h>
#include <hotline/task.h>

#define FLOW_DOC_MAX        (256 * 1024)  /* JSON bytes */
#define FLOW_ID_MAX         64     /* flow and step ids, incl. NUL */
#define FLOW_NAME_MAX       128
#define FLOW_STEPS_MAX      256
#define FLOW_TEXT_MAX       2048   /* any text field: say text, url, path */
#define FLOW_VAR_NAME_MAX   64
#define FLOW_VAR_VALUE_MAX  1024
#define FLOW_VARS_MAX       64     /* variables per call */
#define FLOW_OPTIONS_MAX    12     /* menu: 0-9 * # */
#define FLOW_CONDS_MAX      16     /* branch conditions */
#define FLOW_ASSIGNS_MAX    16     /* set: variables per step */
#define FLOW_HOURS_MAX      32     /* schedule: opening ranges */
#define FLOW_HOLIDAYS_MAX   64
#define FLOW_TZ_MAX         64
#define FLOW_DIGITS_MAX     32     /* gather: max_digits, type-ahead buffer */
#define FLOW_TRACE_MAX      512    /* trace input text bytes */

/* A reference to a step: an index into flow_doc.stepv, or FLOW_END */
typedef int16_t flow_ref;
#define FLOW_END ((flow_ref)-1)

enum flow_action {
	FLOW_ANSWER = 0, FLOW_PLAY, FLOW_SAY, FLOW_GATHER, FLOW_MENU,
	FLOW_BRANCH, FLOW_SET, FLOW_SCHEDULE, FLOW_QUEUE, FLOW_DIAL,
	FLOW_TRANSFER, FLOW_RECORD, FLOW_WEBHOOK, FLOW_HANGUP,
	FLOW_ACTION_COUNT
};

/* A prompt: "prompt": { "say": "text" (template) } or { "play": "file.wav" } */
enum flow_prompt_kind { FLOW_PROMPT_NONE = 0, FLOW_PROMPT_SAY,
			FLOW_PROMPT_PLAY };
struct flow_prompt {
	enum flow_prompt_kind kind;
	char *text;                   /* say text or WAV path; owned by doc */
};

/* "play": "file" (absolute WAV path), "loop" [1] 1..100 */
struct flow_play {
	char *file;                   /* owned by doc */
	uint32_t loop;
};

/* "say": "text" (template, <= FLOW_TEXT_MAX), "loop" [1] 1..100 */
struct flow_say {
	char *text;                   /* owned by doc */
	uint32_t loop;
};

/* "gather": "prompt", "min_digits" [1], "max_digits" [FLOW_DIGITS_MAX]
 * 1..32, "terminator" ["#"] one of "#", "*" or "" (none), "timeout_ms"
 * [5000] wait for the first digit after the prompt, "inter_digit_ms"
 * [3000], "retries" [2] 0..10 further attempts (prompt again),
 * "pattern" (POSIX extended regex the digits must match, optional),
 * "variable" ["digits"], "next" (success), "invalid" (too few digits or
 * no pattern match after the last attempt), "no_input" (nothing typed
 * after the last attempt). The digits also go to variable "digits". */
struct flow_gather {
	struct flow_prompt prompt;
	uint8_t min_digits, max_digits;
	char terminator;              /* '#', '*', or 0 = none */
	uint32_t timeout_ms;
	uint32_t inter_digit_ms;
	uint8_t retries;
	bool has_pattern;
	regex_t pattern;              /* compiled at parse; freed with doc */
	char var[FLOW_VAR_NAME_MAX];
	flow_ref invalid, no_input;
};

/* "menu": "prompt", "options": { "1": "step", ... } keys one of 0-9*#,
 * "timeout_ms" [5000], "retries" [2] 0..10 (prompt again after a wrong
 * digit or a timeout), "invalid_prompt" (said after a wrong digit,
 * optional), "invalid" (after the last attempt ended by a wrong digit),
 * "no_input" (after the last attempt ended by a timeout). The digit
 * pressed goes to variable "digits". "next" is not used. */
struct flow_menu_option {
	char digit;
	flow_ref to;
};
struct flow_menu {
	struct flow_prompt prompt;
	struct flow_menu_option optv[FLOW_OPTIONS_MAX];
	uint8_t optc;
	uint32_t timeout_ms;
	uint8_t retries;
	struct flow_prompt invalid_prompt;
	flow_ref invalid, no_input;
};

/* "branch": "conditions": [ { "var": "caller", "op": "matches",
 * "value": "^\\+33", "next": "fr" }, ... ], "next" = otherwise.
 * The first condition that holds wins. ops: eq ne (strings), lt le gt ge
 * (numbers: both sides must parse as numbers, else false), contains,
 * starts_with, matches (POSIX extended regex, compiled at parse), exists
 * (set and not empty), empty (unset or ""). "value" is a template. */
enum flow_op { FLOW_OP_EQ = 0, FLOW_OP_NE, FLOW_OP_LT, FLOW_OP_LE,
	       FLOW_OP_GT, FLOW_OP_GE, FLOW_OP_CONTAINS, FLOW_OP_STARTS_WITH,
	       FLOW_OP_MATCHES, FLOW_OP_EXISTS, FLOW_OP_EMPTY,
	       FLOW_OP_COUNT };
struct flow_cond {
	char var[FLOW_VAR_NAME_MAX];
	enum flow_op op;
	char *value;                  /* template; owned by doc; NULL for
					 exists/empty */
	bool has_re;
	regex_t re;                   /* matches: compiled value */
	flow_ref to;
};
struct flow_branch {
	struct flow_cond condv[FLOW_CONDS_MAX];
	uint8_t condc;
};

/* "set": "variables": { "name": "value (template)", ... } */
struct flow_assign {
	char name[FLOW_VAR_NAME_MAX];
	char *value;                  /* template; owned by doc */
};
struct flow_set {
	struct flow_assign assignv[FLOW_ASSIGNS_MAX];
	uint8_t assignc;
};

/* "schedule": "timezone" (IANA name, e.g. "Europe/Paris"), "hours":
 * [ { "days": ["mon","tue",...], "from": "09:00", "to": "17:30" } ]
 * ("to" may be "24:00"; from < to), "holidays": [ "2026-12-25", ... ],
 * "open", "closed". Open when the local time is inside one range of
 * its weekday and the local date is not a holiday. */
struct flow_hours {
	uint8_t days;                 /* bit 0 = Sunday ... bit 6 = Saturday */
	uint16_t from_min, to_min;    /* minutes since local midnight */
};
struct flow_date {
	uint16_t year;
	uint8_t mon, mday;            /* 1..12, 1..31 */
};
struct flow_schedule {
	char tz[FLOW_TZ_MAX];
	struct flow_hours hoursv[FLOW_HOURS_MAX];
	uint8_t hoursc;
	struct flow_date holidayv[FLOW_HOLIDAYS_MAX];
	uint8_t holidayc;
	flow_ref open, closed;
};

/* "queue": "queue" (queue id), "priority" [0] -100..100, "skills":
 * { "french": 3, ... } (min levels 1..AGENT_SKILL_LEVEL_MAX, at most
 * TASK_SKILLS_MAX), "sticky_agent" (template giving an agent id, e.g.
 * "{{contact.last_agent_id}}"; "" or not a number = none),
 * "sticky_wait_s" [20] 0..600. The call leaves the flow. */
struct flow_queue {
	char queue_id[QUEUE_ID_MAX];
	int32_t priority;
	struct task_skill skillv[TASK_SKILLS_MAX];
	uint8_t skillc;
	char *sticky_agent;           /* template or NULL; owned by doc */
	uint32_t sticky_wait_s;
};

/* A destination: exactly one of { "extension": "1001" },
 * { "agent": 7 } (agent id), { "number": "+15551234" } (through a
 * trunk), { "queue": "sales" }, { "flow": "other-flow" }. Values of
 * extension and number are templates. */
enum flow_dest_kind { FLOW_DEST_EXTENSION = 0, FLOW_DEST_AGENT,
		      FLOW_DEST_NUMBER, FLOW_DEST_QUEUE, FLOW_DEST_FLOW };
struct flow_dest {
	enum flow_dest_kind kind;
	char *target;                 /* template / id; owned by doc */
	uint64_t agent_id;            /* FLOW_DEST_AGENT */
};

/* "dial": "to": destination (extension, agent or number), "timeout_s"
 * [30] 5..300 ring time, "caller_id" (template, optional: the number
 * presented on a trunk), "busy", "no_answer", "failed" (each optional:
 * absent = the flow ends). Answered: the call is bridged and the flow is
 * over. "next" is not used. */
struct flow_dial {
	struct flow_dest to;
	uint32_t timeout_s;
	char *caller_id;              /* owned by doc, or NULL */
	flow_ref busy, no_answer, failed;
};

/* "transfer": "to": any destination. Blind: the call leaves the flow
 * (a flow destination starts that flow's current version). */
struct flow_transfer {
	struct flow_dest to;
};

/* "record": "beep" [true], "max_s" [120] 1..3600, "silence_s" [5] 0..60
 * (0 = never stop on silence), "terminator" ["#"] ("" = none), "next".
 * Sets variables recording.id and recording.duration_ms. */
struct flow_record {
	bool beep;
	uint32_t max_s;
	uint32_t silence_s;
	char terminator;
};

/* "webhook": "url" (template; http or https), "timeout_ms" [5000]
 * 100..30000, "next" (success), "failure" (timeout, transport error,
 * non-2xx, or an answer that is not a JSON object). The answer may hold
 * "variables": { "name": "string|number|bool", ... } (stored as given)
 * and "next": "step id" (overrides "next"; an unknown id is a
 * failure). Sets variable webhook.status. */
struct flow_webhook {
	char *url;                    /* owned by doc */
	uint32_t timeout_ms;
	flow_ref failure;
};

/* "hangup": "cause" [normal_clearing] a call cause name (busy,
 * rejected, unavailable, ...: before answer it picks the SIP status). */
struct flow_hangup {
	enum call_cause cause;
};

struct flow_step {
	char id[FLOW_ID_MAX];
	enum flow_action action;
	flow_ref next;
	union {
		struct flow_play play;
		struct flow_say say;
		struct flow_gather gather;
		struct flow_menu menu;
		struct flow_branch branch;
		struct flow_set set;
		struct flow_schedule schedule;
		struct flow_queue queue;
		struct flow_dial dial;
		struct flow_transfer transfer;
		struct flow_record record;
		struct flow_webhook webhook;
		struct flow_hangup hangup;
	} u;
};

/* A checked document; immutable after parse; mem-refcounted */
struct flow_doc {
	char name[FLOW_NAME_MAX];
	flow_ref start;
	struct flow_step *stepv;      /* owned, stepc entries */
	uint16_t stepc;
};


/* --- parse and validate (core/flow/parse*.c, validate.c) ----------------- */

enum flow_error_code {
	FLOW_E_NONE = 0,
	FLOW_E_SYNTAX,         /* not JSON, or over FLOW_DOC_MAX */
	FLOW_E_TYPE,           /* a field has the wrong JSON type */
	FLOW_E_MISSING,        /* a required field (or target) is absent */
	FLOW_E_VALUE,          /* out of range, bad format, too long */
	FLOW_E_UNKNOWN_FIELD,  /* a field the action does not have */
	FLOW_E_UNKNOWN_ACTION,
	FLOW_E_DUPLICATE,      /* step id used twice */
	FLOW_E_DANGLING,       /* next/branch names no step */
	FLOW_E_UNREACHABLE,    /* no path from start reaches this step */
	FLOW_E_LOOP,           /* a cycle of steps none of which waits */
	FLOW_E_REGEX,          /* pattern/matches does not compile */
	FLOW_E_REFERENCE,      /* unknown queue, agent, flow, time zone or
				  unreadable file */
	FLOW_E_COUNT
};

struct flow_error {
	enum flow_error_code code;
	char path[256];               /* JSON Pointer to the bad field */
	char message[256];            /* for people */
};

/* What a document may refer to; each returns true when it exists.
 * Any pointer may be NULL: that kind of reference is then not checked
 * (the fuzz target and unit tests of syntax). */
struct flow_refs {
	bool (*queue)(void *arg, const char *queue_id);
	bool (*agent)(void *arg, uint64_t agent_id);
	bool (*flow)(void *arg, const char *flow_id);
	bool (*timezone)(void *arg, const char *tz);
	bool (*file)(void *arg, const char *path);   /* a readable WAV */
	void *arg;
};

/**
 * Parse and check a flow document. json[len] need not be NUL-terminated.
 * 0 and *docp (a new reference); EINVAL with *err filled when the
 * document is invalid (err->code says why, err->path where); ENOMEM.
 */
int flow_doc_parse(struct flow_doc **docp, const char *json, size_t len,
		   const struct flow_refs *refs, struct flow_error *err);

/** Index of step id in doc, or FLOW_END. */
flow_ref flow_doc_find(const struct flow_doc *doc, const char *id);

/** Whether the action waits for the caller or the outside world (play,
 *  say, gather, menu, record, webhook, dial, and the final queue,
 *  transfer, hangup) as opposed to answer, branch, set, schedule. */
bool flow_action_waits(enum flow_action a);

const char *flow_action_name(enum flow_action a);
const char *flow_error_code_name(enum flow_error_code c);  /* "loop" ... */


/* --- the interpreter (core/flow/exec.c) ---------------------------------- */

/* Local time in a time zone */
struct flow_tm {
	int year, mon, mday;          /* mon 1..12 */
	int wday;                     /* 0 = Sunday */
	int hour, min, sec;
};

/* One executed step, as the trace shows it */
struct flow_trace {
	const char *step_id;
	enum flow_action action;
	const char *input;            /* JSON object text: what the step saw
					 (digits, attempt, variable values,
					 http status, local time, ...) */
	const char *result;           /* keyword: "ok", "timeout", "invalid",
					 "no_input", "open", "closed",
					 "matched", "otherwise", "failure",
					 "busy", "no_answer", "failed",
					 "answered", "queued", "hangup" ... */
	const char *next;             /* next step id, or "" (flow over) */
	uint64_t started_ms, ended_ms;
};

struct flow_env {
	/* local time of utc_ms in tz: 0, or ENOENT (unknown zone) */
	int (*local_time)(void *arg, const char *tz, uint64_t utc_ms,
			  struct flow_tm *tm);
	/* a step finished (strings valid during the call only) */
	void (*trace)(void *arg, const struct flow_trace *t);
	void *arg;
};

/* What happened, fed to flow_exec_step */
enum flow_input_kind {
	FLOW_IN_START = 0,    /* first call: run from the start step */
	FLOW_IN_DONE,         /* ANSWER, PLAY, SAY finished (or stopped) */
	FLOW_IN_FAILED,       /* ANSWER, PLAY, SAY, RECORD could not run */
	FLOW_IN_DIGIT,        /* a DTMF digit, any time */
	FLOW_IN_TIMER,        /* the deadline of the last command passed */
	FLOW_IN_HTTP,         /* HTTP answered (status 0 = timeout/error) */
	FLOW_IN_DIAL,         /* DIAL: answered (then ESRCH), busy, ... */
	FLOW_IN_RECORDED,     /* RECORD finished and saved */
};

enum flow_dial_result { FLOW_DIAL_ANSWERED = 0, /* bridged: the flow is over */
			FLOW_DIAL_BUSY, FLOW_DIAL_NO_ANSWER,
			FLOW_DIAL_FAILED };

struct flow_input {
	enum flow_input_kind kind;
	char digit;                   /* DIGIT: 0-9 * # A-D */
	uint16_t status;              /* HTTP: status, 0 = no answer */
	const char *body;             /* HTTP: answer body, borrowed */
	size_t body_len;
	enum flow_dial_result dial;   /* DIAL */
	const char *recording_id;     /* RECORDED, borrowed */
	uint32_t duration_ms;         /* RECORDED */
};

/* What the adapter must do next */
enum flow_cmd_kind {
	FLOW_CMD_WAIT = 0,    /* nothing new: wait for an input/deadline */
	FLOW_CMD_ANSWER,      /* answer the call; then DONE or FAILED */
	FLOW_CMD_PLAY,        /* play file loop times; then DONE/FAILED */
	FLOW_CMD_SAY,         /* speak text loop times; then DONE/FAILED */
	FLOW_CMD_STOP,        /* stop the prompt playing now (barge-in);
				 its DONE still follows */
	FLOW_CMD_RECORD,      /* record; then RECORDED or FAILED; a
				 terminator digit arrives as DIGIT and is
				 answered with STOP */
	FLOW_CMD_HTTP,        /* POST body to url; then HTTP */
	FLOW_CMD_QUEUE,       /* queue the call (task): the flow is over */
	FLOW_CMD_DIAL,        /* dial dest (timeout step->u.dial); then
				 DIAL (answered: bridged, the flow is
				 over) */
	FLOW_CMD_TRANSFER,    /* blind transfer to dest: the flow is over */
	FLOW_CMD_HANGUP,      /* hang up with cause: the flow is over */
};

/* Strings and the step stay valid until the next flow_exec_step or
 * flow_exec free. */
struct flow_cmd {
	enum flow_cmd_kind kind;
	const struct flow_step *step; /* the step being run (its params) */
	const char *text;             /* PLAY file, SAY text (expanded),
					 HTTP url (expanded), DIAL/TRANSFER
					 target (expanded; an agent's
					 decimal id), QUEUE queue id */
	const char *body;             /* HTTP: JSON request body */
	uint32_t loop;                /* PLAY, SAY */
	struct task task;             /* QUEUE: priority, skills, sticky
					 (id left empty for the adapter) */
	enum call_cause cause;        /* HANGUP */
	uint64_t deadline_ms;         /* 0 = none; else feed FLOW_IN_TIMER
					 at or after this time (re-arm the
					 timer after every command) */
	const char *caller_id;        /* DIAL: the step's caller_id
					 expanded, or NULL (none) */
};

struct flow_exec;

/**
 * A run of doc (a reference is kept: the call keeps its version even if
 * the flow is saved again). env is copied. The adapter sets the call's
 * variables (caller, did, contact.*, ...) with flow_var_set, then feeds
 * FLOW_IN_START. 0 or ENOMEM/EINVAL.
 */
int flow_exec_alloc(struct flow_exec **xp, struct flow_doc *doc,
		    const struct flow_env *env);

/** Set variable name (see the naming rule above) to value (truncated to
 *  FLOW_VAR_VALUE_MAX - 1). 0, EINVAL (bad name), ENOSPC (too many). */
int flow_var_set(struct flow_exec *x, const char *name, const char *value);

/** A variable's value, or NULL when unset. */
const char *flow_var_get(const struct flow_exec *x, const char *name);

/** Call h for every variable, in the order they were first set. */
typedef void (flow_var_h)(const char *name, const char *value, void *arg);
void flow_vars_walk(const struct flow_exec *x, flow_var_h *h, void *arg);

/**
 * Feed one input at now_ms and get the next command. Runs steps that do
 * not wait (set, branch, schedule, answer once answered ...) until one
 * needs the outside world. At most FLOW_STEPS_MAX steps run per call
 * without a wait (a guard: the validator already refuses such loops);
 * past it the flow hangs up with cause failure.
 * 0 with *cmd; ESRCH when the flow is over (after QUEUE, a DIAL that
 * was answered (no input expected), TRANSFER or HANGUP); EINVAL.
 */
int flow_exec_step(struct flow_exec *x, const struct flow_input *in,
		   uint64_t now_ms, struct flow_cmd *cmd);

/** The caller hung up (or the call ended) while the flow ran: the
 *  current step is traced with result "caller_hangup" and the flow is
 *  over. No-op when already over. */
void flow_exec_abort(struct flow_exec *x, uint64_t now_ms);

/** Whether the flow is over (a final command was returned). */
bool flow_exec_over(const struct flow_exec *x);

/** The step running now (for logs), or NULL before start / when over. */
const struct flow_step *flow_exec_current(const struct flow_exec *x);

#endif

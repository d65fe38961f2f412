/** @file core/flow/parse_actions.c  Flow steps from JSON: the action
 *  table and the fields of the prompt and dialogue actions (no I/O) */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <re_types.h>
#include <re_fmt.h>
#include "parse.h"

#define LOOP_MAX     100
#define RETRIES_MAX  10
#define WAIT_MS_MIN  100      /* gather, menu: timeouts */
#define WAIT_MS_MAX  120000

/* ---- prompts ---- */

static flow_fields prompt_fields = {"say", "play", NULL};

static int prompt_play(struct flow_parse *p, const json_t *o,
		       struct flow_prompt *pr)
{
	const char *s = NULL;
	char why[128];
	int err;

	err = flow_parse_string(p, o, "play", true, FLOW_TEXT_MAX - 1, &s);
	if (err)
		return err;
	if (!flow_path_ok(s, why, sizeof(why)))
		return flow_parse_fail(p, "play", FLOW_E_VALUE, "play: %s",
				       why);
	pr->text = flow_doc_strdup(p->doc, s);
	if (!pr->text)
		return ENOMEM;
	pr->kind = FLOW_PROMPT_PLAY;
	return 0;
}

/**
 * Member name of o, a prompt: { "say": "text" } or { "play": "/x.wav" }.
 * Absent: pr is left as it is (FLOW_PROMPT_NONE).
 */
int flow_parse_prompt(struct flow_parse *p, const json_t *o,
		      const char *name, struct flow_prompt *pr)
{
	const json_t *po = NULL;
	const char *what = p->what;
	size_t mark;
	int err;

	err = flow_parse_object(p, o, name, false, &po);
	if (err || !po)
		return err;
	mark = flow_parse_push(p, name);
	p->what = "a prompt";
	err = flow_parse_fields(p, po, "a prompt", prompt_fields);
	if (err)
		return err;
	if (json_object_size(po) != 1)
		return flow_parse_fail(p, NULL, json_object_size(po) ?
				       FLOW_E_VALUE : FLOW_E_MISSING,
				       "%s needs exactly one of say (text "
				       "to speak) or play (a WAV file)", name);
	if (json_object_get(po, "say")) {
		err = flow_parse_text(p, po, "say", FLOW_PARSE_REQUIRED |
				      FLOW_PARSE_NONEMPTY, &pr->text);
		if (err)
			return err;
		pr->kind = FLOW_PROMPT_SAY;
	}
	else {
		err = prompt_play(p, po, pr);
		if (err)
			return err;
	}
	flow_parse_pop(p, mark);
	p->what = what;
	return 0;
}


/* ---- answer, play, say, record, webhook, hangup ---- */

static int parse_answer(struct flow_parse *p, const json_t *o,
			struct flow_step *s)
{
	(void)p;
	(void)o;
	(void)s;
	return 0;
}

static int parse_play(struct flow_parse *p, const json_t *o,
		      struct flow_step *s)
{
	struct flow_play *pl = &s->u.play;
	const char *file = NULL;
	char why[128];
	int err;

	err = flow_parse_string(p, o, "file", true, FLOW_TEXT_MAX - 1, &file);
	if (err)
		return err;
	if (!flow_path_ok(file, why, sizeof(why)))
		return flow_parse_fail(p, "file", FLOW_E_VALUE, "file: %s",
				       why);
	pl->file = flow_doc_strdup(p->doc, file);
	if (!pl->file)
		return ENOMEM;
	return flow_parse_u32(p, o, "loop", 1, LOOP_MAX, &pl->loop);
}

static int parse_say(struct flow_parse *p, const json_t *o,
		     struct flow_step *s)
{
	int err;

	err = flow_parse_text(p, o, "text", FLOW_PARSE_REQUIRED |
			      FLOW_PARSE_NONEMPTY, &s->u.say.text);
	if (err)
		return err;
	return flow_parse_u32(p, o, "loop", 1, LOOP_MAX, &s->u.say.loop);
}

static int parse_record(struct flow_parse *p, const json_t *o,
			struct flow_step *s)
{
	struct flow_record *r = &s->u.record;
	int err;

	err = flow_parse_bool(p, o, "beep", &r->beep);
	err = err ? err : flow_parse_u32(p, o, "max_s", 1, 3600, &r->max_s);
	err = err ? err : flow_parse_u32(p, o, "silence_s", 0, 60,
					 &r->silence_s);
	err = err ? err : flow_parse_terminator(p, o, &r->terminator);
	return err;
}

static int parse_webhook(struct flow_parse *p, const json_t *o,
			 struct flow_step *s)
{
	struct flow_webhook *w = &s->u.webhook;
	char why[128];
	int err;

	err = flow_parse_text(p, o, "url", FLOW_PARSE_REQUIRED |
			      FLOW_PARSE_NONEMPTY, &w->url);
	if (err)
		return err;
	if (!flow_url_ok(w->url, why, sizeof(why)))
		return flow_parse_fail(p, "url", FLOW_E_VALUE, "url: %s", why);
	err = flow_parse_u32(p, o, "timeout_ms", 100, 30000, &w->timeout_ms);
	err = err ? err : flow_parse_target(p, o, "failure", false,
					    &w->failure);
	return err;
}

static int parse_hangup(struct flow_parse *p, const json_t *o,
			struct flow_step *s)
{
	char list[200] = "", q[64];
	const char *name = NULL;
	enum call_cause c;
	int err;

	err = flow_parse_string(p, o, "cause", false, FLOW_TEXT_MAX, &name);
	if (err || !name)
		return err;
	if (!call_cause_parse(name, &c) && c != CALL_CAUSE_NONE &&
	    c != CALL_CAUSE_SHUTDOWN) {
		s->u.hangup.cause = c;
		return 0;
	}
	for (int i = CALL_CAUSE_NONE + 1; i < CALL_CAUSE_SHUTDOWN; i++) {
		strncat(list, i > 1 ? ", " : "", sizeof(list) - strlen(list) - 1);
		strncat(list, call_cause_name((enum call_cause)i),
			sizeof(list) - strlen(list) - 1);
	}
	return flow_parse_fail(p, "cause", FLOW_E_VALUE,
			       "cause must be one of %s; got '%s'", list,
			       flow_parse_quote(q, sizeof(q), name));
}


/* ---- gather, menu ---- */

static int gather_pattern(struct flow_parse *p, const json_t *o,
			  struct flow_gather *g)
{
	const char *re = NULL;
	int err;

	err = flow_parse_string(p, o, "pattern", false, FLOW_TEXT_MAX, &re);
	if (err || !re)
		return err;
	err = flow_parse_regex(p, "pattern", re, &g->pattern);
	if (!err)
		g->has_pattern = true;
	return err;
}

static int parse_gather(struct flow_parse *p, const json_t *o,
			struct flow_step *s)
{
	struct flow_gather *g = &s->u.gather;
	int err;

	err = flow_parse_prompt(p, o, "prompt", &g->prompt);
	err = err ? err : flow_parse_u8(p, o, "min_digits", 1,
					FLOW_DIGITS_MAX, &g->min_digits);
	err = err ? err : flow_parse_u8(p, o, "max_digits", 1,
					FLOW_DIGITS_MAX, &g->max_digits);
	if (err)
		return err;
	if (g->min_digits > g->max_digits)
		return flow_parse_fail(p, "min_digits", FLOW_E_VALUE,
				       "min_digits (%u) must not be more than "
				       "max_digits (%u)", g->min_digits,
				       g->max_digits);
	err = flow_parse_terminator(p, o, &g->terminator);
	err = err ? err : flow_parse_u32(p, o, "timeout_ms", WAIT_MS_MIN,
					 WAIT_MS_MAX, &g->timeout_ms);
	err = err ? err : flow_parse_u32(p, o, "inter_digit_ms", WAIT_MS_MIN,
					 WAIT_MS_MAX, &g->inter_digit_ms);
	err = err ? err : flow_parse_u8(p, o, "retries", 0, RETRIES_MAX,
					&g->retries);
	err = err ? err : gather_pattern(p, o, g);
	err = err ? err : flow_parse_var(p, o, "variable", false, g->var);
	err = err ? err : flow_parse_target(p, o, "invalid", false,
					    &g->invalid);
	err = err ? err : flow_parse_target(p, o, "no_input", false,
					    &g->no_input);
	return err;
}

static int menu_options(struct flow_parse *p, const json_t *o,
			struct flow_menu *m)
{
	const json_t *opts = NULL, *v;
	const char *key;
	char q[64];
	size_t mark;
	int err;

	err = flow_parse_object(p, o, "options", true, &opts);
	if (err)
		return err;
	if (!json_object_size(opts))
		return flow_parse_fail(p, "options", FLOW_E_MISSING,
				       "options must name at least one "
				       "digit, e.g. {\"1\": \"sales\"}");
	if (json_object_size(opts) > FLOW_OPTIONS_MAX)
		return flow_parse_fail(p, "options", FLOW_E_VALUE,
				       "options has %zu entries, at most %d",
				       json_object_size(opts),
				       FLOW_OPTIONS_MAX);
	mark = flow_parse_push(p, "options");
	json_object_foreach((json_t *)opts, key, v) {
		struct flow_menu_option *opt = &m->optv[m->optc];

		if (strlen(key) != 1 || !strchr("0123456789*#", key[0]))
			return flow_parse_fail(p, key, FLOW_E_VALUE,
					       "options keys are one digit "
					       "0-9, * or #, got '%s'",
					       flow_parse_quote(q, sizeof(q),
								key));
		opt->digit = key[0];
		p->label = "option ";
		err = flow_parse_target(p, opts, key, true, &opt->to);
		p->label = NULL;
		if (err)
			return err;
		m->optc++;
	}
	flow_parse_pop(p, mark);
	return 0;
}

static int parse_menu(struct flow_parse *p, const json_t *o,
		      struct flow_step *s)
{
	struct flow_menu *m = &s->u.menu;
	int err;

	err = flow_parse_prompt(p, o, "prompt", &m->prompt);
	err = err ? err : menu_options(p, o, m);
	err = err ? err : flow_parse_u32(p, o, "timeout_ms", WAIT_MS_MIN,
					 WAIT_MS_MAX, &m->timeout_ms);
	err = err ? err : flow_parse_u8(p, o, "retries", 0, RETRIES_MAX,
					&m->retries);
	err = err ? err : flow_parse_prompt(p, o, "invalid_prompt",
					    &m->invalid_prompt);
	err = err ? err : flow_parse_target(p, o, "invalid", false,
					    &m->invalid);
	err = err ? err : flow_parse_target(p, o, "no_input", false,
					    &m->no_input);
	return err;
}


/* ---- branch, set ---- */

static const char *op_names[FLOW_OP_COUNT] = {
	"eq", "ne", "lt", "le", "gt", "ge", "contains", "starts_with",
	"matches", "exists", "empty",
};

static flow_fields cond_fields = {"var", "op", "value", "next", NULL};

static int cond_op(struct flow_parse *p, const json_t *o, enum flow_op *op)
{
	const char *s = NULL;
	char q[64];
	int err;

	err = flow_parse_string(p, o, "op", true, FLOW_TEXT_MAX, &s);
	if (err)
		return err;
	for (int i = 0; i < FLOW_OP_COUNT; i++) {
		if (!strcmp(s, op_names[i])) {
			*op = (enum flow_op)i;
			return 0;
		}
	}
	return flow_parse_fail(p, "op", FLOW_E_VALUE,
			       "op must be one of eq, ne, lt, le, gt, ge, "
			       "contains, starts_with, matches, exists, "
			       "empty; got '%s'",
			       flow_parse_quote(q, sizeof(q), s));
}

static int cond_value(struct flow_parse *p, const json_t *o,
		      struct flow_cond *c)
{
	const char *re = NULL;
	int err;

	if (c->op == FLOW_OP_EXISTS || c->op == FLOW_OP_EMPTY) {
		if (!json_object_get(o, "value"))
			return 0;
		return flow_parse_fail(p, "value", FLOW_E_VALUE,
				       "op %s takes no value",
				       op_names[c->op]);
	}
	if (c->op != FLOW_OP_MATCHES)
		return flow_parse_text(p, o, "value", FLOW_PARSE_REQUIRED,
				       &c->value);

	/* matches: a regex, not a template */
	err = flow_parse_string(p, o, "value", true, FLOW_TEXT_MAX, &re);
	err = err ? err : flow_parse_regex(p, "value", re, &c->re);
	if (err)
		return err;
	c->has_re = true;
	c->value = flow_doc_strdup(p->doc, re);
	return c->value ? 0 : ENOMEM;
}

static int branch_cond(struct flow_parse *p, const json_t *o,
		       struct flow_cond *c)
{
	int err;

	if (!json_is_object(o))
		return flow_parse_fail(p, NULL, FLOW_E_TYPE,
				       "each condition must be an object, "
				       "got %s", flow_parse_type_name(o));
	p->what = "a condition";
	err = flow_parse_fields(p, o, "a condition", cond_fields);
	err = err ? err : flow_parse_var(p, o, "var", true, c->var);
	err = err ? err : cond_op(p, o, &c->op);
	err = err ? err : cond_value(p, o, c);
	err = err ? err : flow_parse_target(p, o, "next", true, &c->to);
	return err;
}

static int parse_branch(struct flow_parse *p, const json_t *o,
			struct flow_step *s)
{
	struct flow_branch *b = &s->u.branch;
	const json_t *conds = NULL;
	const char *what = p->what;
	size_t mark, i;
	int err;

	err = flow_parse_array(p, o, "conditions", true, FLOW_CONDS_MAX,
			       &conds);
	if (err)
		return err;
	mark = flow_parse_push(p, "conditions");
	for (i = 0; i < json_array_size(conds); i++) {
		/* counted first: the document frees what it holds */
		struct flow_cond *c = &b->condv[b->condc++];
		size_t m = flow_parse_push_index(p, i);

		c->to = FLOW_END;
		err = branch_cond(p, json_array_get(conds, i), c);
		if (err)
			return err;
		flow_parse_pop(p, m);
	}
	flow_parse_pop(p, mark);
	p->what = what;
	return 0;
}

static int parse_set(struct flow_parse *p, const json_t *o,
		     struct flow_step *s)
{
	struct flow_set *st = &s->u.set;
	const json_t *vars = NULL, *v;
	const char *key;
	char q[64];
	size_t mark;
	int err;

	err = flow_parse_object(p, o, "variables", true, &vars);
	if (err)
		return err;
	if (!json_object_size(vars))
		return flow_parse_fail(p, "variables", FLOW_E_MISSING,
				       "variables must set at least one "
				       "variable, e.g. {\"lang\": \"fr\"}");
	if (json_object_size(vars) > FLOW_ASSIGNS_MAX)
		return flow_parse_fail(p, "variables", FLOW_E_VALUE,
				       "variables has %zu entries, at most %d",
				       json_object_size(vars),
				       FLOW_ASSIGNS_MAX);
	mark = flow_parse_push(p, "variables");
	json_object_foreach((json_t *)vars, key, v) {
		struct flow_assign *a = &st->assignv[st->assignc];

		if (!flow_var_name_ok(key))
			return flow_parse_fail(p, key, FLOW_E_VALUE,
					       "'%s' is not a variable name "
					       "([a-z0-9_.], 1 to %d "
					       "characters)",
					       flow_parse_quote(q, sizeof(q),
								key),
					       FLOW_VAR_NAME_MAX - 1);
		str_ncpy(a->name, key, sizeof(a->name));
		st->assignc++;
		p->label = "variable ";
		err = flow_parse_text(p, vars, key, FLOW_PARSE_REQUIRED,
				      &a->value);
		p->label = NULL;
		if (err)
			return err;
	}
	flow_parse_pop(p, mark);
	return 0;
}


/* ---- the action table ---- */

typedef int (action_parse_h)(struct flow_parse *p, const json_t *o,
			     struct flow_step *s);

struct action_def {
	const char *what;             /* for messages */
	const char *no_next;          /* NULL: "next" is used; else why not */
	const char *const *fields;    /* every field, incl. id and action */
	action_parse_h *parse;
};

#define LEAVES "the call leaves the flow at this step"

static const struct action_def defs[FLOW_ACTION_COUNT] = {
	[FLOW_ANSWER] = {"an answer step", NULL,
		(flow_fields){"id", "action", "next", NULL}, parse_answer},
	[FLOW_PLAY] = {"a play step", NULL,
		(flow_fields){"id", "action", "file", "loop", "next", NULL},
		parse_play},
	[FLOW_SAY] = {"a say step", NULL,
		(flow_fields){"id", "action", "text", "loop", "next", NULL},
		parse_say},
	[FLOW_GATHER] = {"a gather step", NULL,
		(flow_fields){"id", "action", "prompt", "min_digits",
			      "max_digits", "terminator", "timeout_ms",
			      "inter_digit_ms", "retries", "pattern",
			      "variable", "next", "invalid", "no_input",
			      NULL}, parse_gather},
	[FLOW_MENU] = {"a menu step",
		"options, invalid and no_input name the steps that follow",
		(flow_fields){"id", "action", "prompt", "options",
			      "timeout_ms", "retries", "invalid_prompt",
			      "invalid", "no_input", NULL}, parse_menu},
	[FLOW_BRANCH] = {"a branch step", NULL,
		(flow_fields){"id", "action", "conditions", "next", NULL},
		parse_branch},
	[FLOW_SET] = {"a set step", NULL,
		(flow_fields){"id", "action", "variables", "next", NULL},
		parse_set},
	[FLOW_SCHEDULE] = {"a schedule step",
		"open and closed name the steps that follow",
		(flow_fields){"id", "action", "timezone", "hours",
			      "holidays", "open", "closed", NULL},
		flow_parse_schedule},
	[FLOW_QUEUE] = {"a queue step", LEAVES,
		(flow_fields){"id", "action", "queue", "priority", "skills",
			      "sticky_agent", "sticky_wait_s", NULL},
		flow_parse_queue},
	[FLOW_DIAL] = {"a dial step", "an answered dial ends the flow; "
		"busy, no_answer and failed name the steps that follow",
		(flow_fields){"id", "action", "to", "timeout_s", "caller_id",
			      "busy", "no_answer", "failed", NULL},
		flow_parse_dial},
	[FLOW_TRANSFER] = {"a transfer step", LEAVES,
		(flow_fields){"id", "action", "to", NULL},
		flow_parse_transfer},
	[FLOW_RECORD] = {"a record step", NULL,
		(flow_fields){"id", "action", "beep", "max_s", "silence_s",
			      "terminator", "next", NULL}, parse_record},
	[FLOW_WEBHOOK] = {"a webhook step", NULL,
		(flow_fields){"id", "action", "url", "timeout_ms", "next",
			      "failure", NULL}, parse_webhook},
	[FLOW_HANGUP] = {"a hangup step", LEAVES,
		(flow_fields){"id", "action", "cause", NULL}, parse_hangup},
};

static int step_action(struct flow_parse *p, const json_t *o,
		       enum flow_action *a)
{
	const char *name = NULL;
	char q[64];
	int err;

	err = flow_parse_string(p, o, "action", true, FLOW_TEXT_MAX, &name);
	if (err)
		return err;
	for (int i = 0; i < FLOW_ACTION_COUNT; i++) {
		if (!strcmp(name, flow_action_name((enum flow_action)i))) {
			*a = (enum flow_action)i;
			return 0;
		}
	}
	return flow_parse_fail(p, "action", FLOW_E_UNKNOWN_ACTION,
			       "unknown action '%s'; expected one of answer, "
			       "play, say, gather, menu, branch, set, "
			       "schedule, queue, dial, transfer, record, "
			       "webhook, hangup",
			       flow_parse_quote(q, sizeof(q), name));
}

/**
 * The step at the current path (an object whose id was already read):
 * its action, then only the fields of that action, then each field.
 */
int flow_parse_step(struct flow_parse *p, const json_t *o,
		    struct flow_step *s)
{
	const struct action_def *def;
	enum flow_action a = FLOW_ANSWER;
	int err;

	p->what = "a step";
	err = step_action(p, o, &a);
	if (err)
		return err;
	def = &defs[a];
	p->what = def->what;
	if (def->no_next && json_object_get(o, "next"))
		return flow_parse_fail(p, "next", FLOW_E_UNKNOWN_FIELD,
				       "%s has no next: %s", def->what,
				       def->no_next);
	err = flow_parse_fields(p, o, def->what, def->fields);
	if (err)
		return err;
	flow_step_set_action(s, a);
	if (!def->no_next) {
		err = flow_parse_target(p, o, "next", false, &s->next);
		if (err)
			return err;
	}
	return def->parse(p, o, s);
}

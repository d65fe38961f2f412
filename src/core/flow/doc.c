/** @file core/flow/doc.c  Flow documents: allocation, lookup, names (no I/O) */
#include <errno.h>
#include <string.h>
#include <re_types.h>
#include <re_fmt.h>
#include <re_mem.h>
#include "flow.h"

static void prompt_free(struct flow_prompt *p)
{
	p->text = mem_deref(p->text);
}

static void dest_free(struct flow_dest *d)
{
	d->target = mem_deref(d->target);
}

/* Free what one step owns (its strings and compiled regexes) */
static void step_free(struct flow_step *s)
{
	switch (s->action) {

	case FLOW_PLAY:     mem_deref(s->u.play.file);     break;
	case FLOW_SAY:      mem_deref(s->u.say.text);      break;
	case FLOW_GATHER:
		prompt_free(&s->u.gather.prompt);
		if (s->u.gather.has_pattern)
			regfree(&s->u.gather.pattern);
		break;
	case FLOW_MENU:
		prompt_free(&s->u.menu.prompt);
		prompt_free(&s->u.menu.invalid_prompt);
		break;
	case FLOW_BRANCH:
		for (size_t i = 0; i < s->u.branch.condc; i++) {
			struct flow_cond *c = &s->u.branch.condv[i];

			mem_deref(c->value);
			if (c->has_re)
				regfree(&c->re);
		}
		break;
	case FLOW_SET:
		for (size_t i = 0; i < s->u.set.assignc; i++)
			mem_deref(s->u.set.assignv[i].value);
		break;
	case FLOW_QUEUE:    mem_deref(s->u.queue.sticky_agent); break;
	case FLOW_DIAL:
		dest_free(&s->u.dial.to);
		mem_deref(s->u.dial.caller_id);
		break;
	case FLOW_TRANSFER: dest_free(&s->u.transfer.to); break;
	case FLOW_WEBHOOK:  mem_deref(s->u.webhook.url);  break;
	default:
		break;
	}
	memset(&s->u, 0, sizeof(s->u));
}

static void destructor(void *arg)
{
	struct flow_doc *doc = arg;

	for (uint16_t i = 0; doc->stepv && i < doc->stepc; i++)
		step_free(&doc->stepv[i]);
	mem_deref(doc->stepv);
}

/* A fresh step: an answer that ends the flow */
static void step_init(struct flow_step *s)
{
	s->next = FLOW_END;
	flow_step_set_action(s, FLOW_ANSWER);
}

static void prompt_default(struct flow_prompt *p)
{
	p->kind = FLOW_PROMPT_NONE;
}

/**
 * Give s action a with the documented defaults of its fields and every
 * branch target FLOW_END (s->next is left as it is). What s owned for
 * its previous action is freed.
 */
void flow_step_set_action(struct flow_step *s, enum flow_action a)
{
	step_free(s);
	s->action = a;
	switch (a) {

	case FLOW_PLAY:   s->u.play.loop = 1; break;
	case FLOW_SAY:    s->u.say.loop = 1;  break;
	case FLOW_GATHER: {
		struct flow_gather *g = &s->u.gather;

		prompt_default(&g->prompt);
		g->min_digits = 1;
		g->max_digits = FLOW_DIGITS_MAX;
		g->terminator = '#';
		g->timeout_ms = 5000;
		g->inter_digit_ms = 3000;
		g->retries = 2;
		str_ncpy(g->var, "digits", sizeof(g->var));
		g->invalid = g->no_input = FLOW_END;
		break;
	}
	case FLOW_MENU:
		s->u.menu.timeout_ms = 5000;
		s->u.menu.retries = 2;
		s->u.menu.invalid = s->u.menu.no_input = FLOW_END;
		break;
	case FLOW_SCHEDULE:
		s->u.schedule.open = s->u.schedule.closed = FLOW_END;
		break;
	case FLOW_QUEUE:  s->u.queue.sticky_wait_s = 20; break;
	case FLOW_DIAL:
		s->u.dial.timeout_s = 30;
		s->u.dial.busy = s->u.dial.no_answer = FLOW_END;
		s->u.dial.failed = FLOW_END;
		break;
	case FLOW_RECORD:
		s->u.record.beep = true;
		s->u.record.max_s = 120;
		s->u.record.silence_s = 5;
		s->u.record.terminator = '#';
		break;
	case FLOW_WEBHOOK:
		s->u.webhook.timeout_ms = 5000;
		s->u.webhook.failure = FLOW_END;
		break;
	case FLOW_HANGUP:
		s->u.hangup.cause = CALL_CAUSE_NORMAL_CLEARING;
		break;
	default:
		break;
	}
}

int flow_doc_alloc(struct flow_doc **docp, uint16_t stepc)
{
	struct flow_doc *doc;

	if (!docp || !stepc || stepc > FLOW_STEPS_MAX)
		return EINVAL;
	doc = mem_zalloc(sizeof(*doc), destructor);
	if (!doc)
		return ENOMEM;
	doc->stepv = mem_zalloc(stepc * sizeof(*doc->stepv), NULL);
	if (!doc->stepv) {
		mem_deref(doc);
		return ENOMEM;
	}
	doc->stepc = stepc;
	for (uint16_t i = 0; i < stepc; i++)
		step_init(&doc->stepv[i]);
	*docp = doc;
	return 0;
}

char *flow_doc_strdup(struct flow_doc *doc, const char *s)
{
	char *d = NULL;
	(void)doc;

	return str_dup(&d, s ? s : "") ? NULL : d;
}

flow_ref flow_doc_find(const struct flow_doc *doc, const char *id)
{
	if (!doc || !id)
		return FLOW_END;
	for (uint16_t i = 0; i < doc->stepc; i++) {
		if (!strcmp(doc->stepv[i].id, id))
			return (flow_ref)i;
	}
	return FLOW_END;
}

bool flow_action_waits(enum flow_action a)
{
	switch (a) {

	case FLOW_ANSWER:
	case FLOW_BRANCH:
	case FLOW_SET:
	case FLOW_SCHEDULE:
		return false;
	default:
		return true;
	}
}

static const char *action_names[FLOW_ACTION_COUNT] = {
	"answer", "play", "say", "gather", "menu", "branch", "set",
	"schedule", "queue", "dial", "transfer", "record", "webhook",
	"hangup",
};

const char *flow_action_name(enum flow_action a)
{
	return (unsigned)a < FLOW_ACTION_COUNT ? action_names[a] : "?";
}

static const char *error_names[FLOW_E_COUNT] = {
	"", "syntax", "type", "missing", "value", "unknown_field",
	"unknown_action", "duplicate", "dangling", "unreachable", "loop",
	"regex", "reference",
};

const char *flow_error_code_name(enum flow_error_code c)
{
	return (unsigned)c < FLOW_E_COUNT ? error_names[c] : "?";
}

/** @file core/flow/validate.c  Flow documents: the step graph (every step
 *  reachable, no loop that never waits) and references (no I/O) */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <re_types.h>
#include <re_fmt.h>
#include "parse.h"

#define TARGETS_MAX (FLOW_CONDS_MAX + 1 + FLOW_OPTIONS_MAX + 2)

static void add(flow_ref *v, size_t *n, flow_ref r)
{
	if (r != FLOW_END)
		v[(*n)++] = r;
}

/* The steps s may continue with (static targets only) */
static size_t step_targets(const struct flow_step *s, flow_ref *v)
{
	size_t n = 0;

	add(v, &n, s->next);
	switch (s->action) {

	case FLOW_GATHER:
		add(v, &n, s->u.gather.invalid);
		add(v, &n, s->u.gather.no_input);
		break;
	case FLOW_MENU:
		for (size_t i = 0; i < s->u.menu.optc; i++)
			add(v, &n, s->u.menu.optv[i].to);
		add(v, &n, s->u.menu.invalid);
		add(v, &n, s->u.menu.no_input);
		break;
	case FLOW_BRANCH:
		for (size_t i = 0; i < s->u.branch.condc; i++)
			add(v, &n, s->u.branch.condv[i].to);
		break;
	case FLOW_SCHEDULE:
		add(v, &n, s->u.schedule.open);
		add(v, &n, s->u.schedule.closed);
		break;
	case FLOW_DIAL:
		add(v, &n, s->u.dial.busy);
		add(v, &n, s->u.dial.no_answer);
		add(v, &n, s->u.dial.failed);
		break;
	case FLOW_WEBHOOK:
		add(v, &n, s->u.webhook.failure);
		break;
	default:
		break;
	}
	return n;
}


/* ---- reachability ---- */

/*
 * Every step must be reachable from start. A webhook's answer may name
 * any step ("next" in its JSON), so once a webhook step is reachable
 * every step counts as reachable.
 */
static int check_reachable(struct flow_parse *p, const struct flow_doc *doc)
{
	flow_ref stack[FLOW_STEPS_MAX], tv[TARGETS_MAX];
	bool seen[FLOW_STEPS_MAX] = {false};
	size_t top = 0;
	char idx[24];

	stack[top++] = doc->start;
	seen[doc->start] = true;
	while (top) {
		const struct flow_step *s = &doc->stepv[stack[--top]];
		size_t n = step_targets(s, tv);

		if (s->action == FLOW_WEBHOOK)
			return 0;
		for (size_t i = 0; i < n; i++) {
			if (!seen[tv[i]]) {
				seen[tv[i]] = true;
				stack[top++] = tv[i];
			}
		}
	}
	for (uint16_t i = 0; i < doc->stepc; i++) {
		if (seen[i])
			continue;
		(void)snprintf(idx, sizeof(idx), "%u", i);
		return flow_parse_fail(p, idx, FLOW_E_UNREACHABLE,
				       "step '%s' cannot be reached from the "
				       "start step '%s': no step leads to it",
				       doc->stepv[i].id,
				       doc->stepv[doc->start].id);
	}
	return 0;
}


/* ---- loops that never wait ---- */

struct loops {
	const struct flow_doc *doc;
	uint8_t color[FLOW_STEPS_MAX];   /* 0 new, 1 on the path, 2 done */
	flow_ref path[FLOW_STEPS_MAX];
	size_t depth;
	flow_ref cycle;                  /* first step of the cycle found */
	size_t cycle_at;                 /* its place in path */
};

/* Depth-first through steps that do not wait; true when a cycle is
 * found (then path[cycle_at..depth) is the cycle) */
static bool loop_find(struct loops *l, flow_ref v)
{
	flow_ref tv[TARGETS_MAX];
	size_t n = step_targets(&l->doc->stepv[v], tv);

	l->color[v] = 1;
	l->path[l->depth++] = v;
	for (size_t i = 0; i < n; i++) {
		flow_ref w = tv[i];

		if (flow_action_waits(l->doc->stepv[w].action) ||
		    l->color[w] == 2)
			continue;
		if (l->color[w] == 1) {
			l->cycle = w;
			for (l->cycle_at = 0; l->path[l->cycle_at] != w;
			     l->cycle_at++)
				;
			return true;
		}
		if (loop_find(l, w))
			return true;
	}
	l->color[v] = 2;
	l->depth--;
	return false;
}

static int loop_fail(struct flow_parse *p, const struct loops *l)
{
	static const char arrow[] = " \xe2\x86\x92 ";     /* " → " */
	char ids[120] = "", idx[24];
	size_t len = 0;

	/* the cycle and its first step again; cut with " → …" when long
	   (16 bytes are kept for that) */
	for (size_t i = l->cycle_at; i <= l->depth; i++) {
		flow_ref r = i < l->depth ? l->path[i] : l->cycle;
		const char *id = l->doc->stepv[r].id;
		const char *sep = i > l->cycle_at ? arrow : "";

		if (len + strlen(sep) + strlen(id) + 16 >= sizeof(ids)) {
			(void)snprintf(ids + len, sizeof(ids) - len,
				       "%s\xe2\x80\xa6", arrow);
			break;
		}
		len += (size_t)snprintf(ids + len, sizeof(ids) - len, "%s%s",
					sep, id);
	}
	(void)snprintf(idx, sizeof(idx), "%d", l->cycle);
	return flow_parse_fail(p, idx, FLOW_E_LOOP,
			       "steps %s never wait: a loop needs a step "
			       "that waits (play, say, gather, menu, ...)",
			       ids);
}

/* No cycle made only of steps that do not wait (answer, branch, set,
 * schedule): the interpreter would spin without the caller */
static int check_loops(struct flow_parse *p, const struct flow_doc *doc)
{
	static struct loops zero;
	struct loops l = zero;

	l.doc = doc;
	for (uint16_t i = 0; i < doc->stepc; i++) {
		if (l.color[i] || flow_action_waits(doc->stepv[i].action))
			continue;
		if (loop_find(&l, (flow_ref)i))
			return loop_fail(p, &l);
	}
	return 0;
}


/* ---- references ---- */

/* FLOW_E_REFERENCE at /steps/<i>/<field>[/<sub>]; what: a format for
 * the name */
static int ref_fail(struct flow_parse *p, uint16_t i, const char *field,
		    const char *sub, const char *what, const char *name)
{
	char idx[24], q[64];

	(void)snprintf(idx, sizeof(idx), "%u", i);
	(void)flow_parse_push(p, idx);
	if (sub)
		(void)flow_parse_push(p, field);
	return flow_parse_fail(p, sub ? sub : field, FLOW_E_REFERENCE, what,
			       flow_parse_quote(q, sizeof(q), name));
}

static int ref_file(struct flow_parse *p, const struct flow_refs *refs,
		    uint16_t i, const char *field, const char *sub,
		    const char *path)
{
	if (!refs->file || !path || refs->file(refs->arg, path))
		return 0;
	return ref_fail(p, i, field, sub,
			"file '%s' is not a readable WAV file", path);
}

static int ref_prompt(struct flow_parse *p, const struct flow_refs *refs,
		      uint16_t i, const char *field,
		      const struct flow_prompt *pr)
{
	if (pr->kind != FLOW_PROMPT_PLAY)
		return 0;
	return ref_file(p, refs, i, field, "play", pr->text);
}

static int ref_dest(struct flow_parse *p, const struct flow_refs *refs,
		    uint16_t i, const struct flow_dest *d)
{
	switch (d->kind) {

	case FLOW_DEST_AGENT:
		if (refs->agent && !refs->agent(refs->arg, d->agent_id))
			return ref_fail(p, i, "to", "agent",
					"agent %s does not exist", d->target);
		break;
	case FLOW_DEST_QUEUE:
		if (refs->queue && !refs->queue(refs->arg, d->target))
			return ref_fail(p, i, "to", "queue",
					"queue '%s' does not exist",
					d->target);
		break;
	case FLOW_DEST_FLOW:
		if (refs->flow && !refs->flow(refs->arg, d->target))
			return ref_fail(p, i, "to", "flow",
					"flow '%s' does not exist", d->target);
		break;
	default:
		break;
	}
	return 0;
}

static int ref_step(struct flow_parse *p, const struct flow_refs *refs,
		    uint16_t i, const struct flow_step *s)
{
	int err;

	switch (s->action) {

	case FLOW_PLAY:
		return ref_file(p, refs, i, "file", NULL, s->u.play.file);
	case FLOW_GATHER:
		return ref_prompt(p, refs, i, "prompt", &s->u.gather.prompt);
	case FLOW_MENU:
		err = ref_prompt(p, refs, i, "prompt", &s->u.menu.prompt);
		return err ? err : ref_prompt(p, refs, i, "invalid_prompt",
					      &s->u.menu.invalid_prompt);
	case FLOW_SCHEDULE:
		if (refs->timezone &&
		    !refs->timezone(refs->arg, s->u.schedule.tz))
			return ref_fail(p, i, "timezone", NULL,
					"time zone '%s' is unknown",
					s->u.schedule.tz);
		return 0;
	case FLOW_QUEUE:
		if (refs->queue && !refs->queue(refs->arg, s->u.queue.queue_id))
			return ref_fail(p, i, "queue", NULL,
					"queue '%s' does not exist",
					s->u.queue.queue_id);
		return 0;
	case FLOW_DIAL:
		return ref_dest(p, refs, i, &s->u.dial.to);
	case FLOW_TRANSFER:
		return ref_dest(p, refs, i, &s->u.transfer.to);
	default:
		return 0;
	}
}

static int check_refs(struct flow_parse *p, const struct flow_doc *doc,
		      const struct flow_refs *refs)
{
	size_t mark = p->plen;
	int err = 0;

	for (uint16_t i = 0; refs && i < doc->stepc && !err; i++) {
		err = ref_step(p, refs, i, &doc->stepv[i]);
		flow_parse_pop(p, mark);
	}
	return err;
}

/**
 * Check the graph and the references of doc, a complete parse: every
 * step is reachable from the start (FLOW_E_UNREACHABLE), no cycle runs
 * through steps that do not wait only (FLOW_E_LOOP), and what refs can
 * check exists (FLOW_E_REFERENCE; refs and each handler may be NULL).
 * 0 or EINVAL with err filled.
 */
int flow_doc_validate(const struct flow_doc *doc,
		      const struct flow_refs *refs, struct flow_error *err)
{
	struct flow_parse p;
	int e;

	if (!doc || !err || !doc->stepc || doc->start < 0 ||
	    doc->start >= doc->stepc)
		return EINVAL;
	memset(&p, 0, sizeof(p));
	p.err = err;
	(void)flow_parse_push(&p, "steps");

	e = check_reachable(&p, doc);
	e = e ? e : check_loops(&p, doc);
	e = e ? e : check_refs(&p, doc, refs);
	return e;
}

/** @file core/router/watchdog.c  Consistency with the adapter's world:
 *  agents held by a task whose call is gone, or left "offered" or
 *  "wrap_up" by nobody (no I/O)
 *
 * The router's own offers and wrap-ups cannot get stuck: each has a
 * deadline. What can: a task whose end was never reported (the adapter
 * missed a hang-up), and an outside activity the router does not own
 * (a stored "offered" or "wrap_up" left from before a restart).
 * O(accepted tasks + agents): periodic, not per event.
 */
#include <string.h>
#include "router.h"

struct sweep {
	struct router *r;
	uint64_t now;
	size_t n;
};


static bool task_live(struct router *r, const struct rtask *t,
		      bool (*live)(void *arg, const char *task_id), void *arg)
{
	bool ok;

	r->in_fx++;
	ok = live(arg, t->t.id);
	r->in_fx--;

	return ok;
}


/* An outside activity nobody will end: put the channel back to idle */
static void agent_sweep(struct ragent *a, struct sweep *sw)
{
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		struct rchan *c = &a->chv[ch];
		enum agent_activity act = chan_activity(c);

		if (act == AGENT_OFFERED && !c->offer) {
			c->ext = AGENT_IDLE;
			effect_action(sw->r, a, AGENT_ACTION_DECLINE, ch,
				      NULL);
			effect_corrected(sw->r, a->id,
					 "offered with no live offer");
		}
		else if (act == AGENT_WRAP_UP && !c->wrapping) {
			c->ext = AGENT_IDLE;
			c->idle_since = sw->now;
			c->idle_set = true;
			effect_action(sw->r, a, AGENT_ACTION_RELEASE, ch,
				      NULL);
			effect_corrected(sw->r, a->id,
					 "wrap-up with no end");
		}
		else {
			continue;
		}

		ragent_refresh(a, sw->now);
		sw->n++;
	}
}


/**
 * Check the router against the adapter's world at now. An accepted task
 * whose call is gone (live(arg, task_id) false) goes through
 * router_task_done() (wrap-up); an agent's channel shown "offered" with
 * no live offer, or "wrap_up" with no wrap-up the router runs, is put
 * back to idle (agent_action DECLINE / RELEASE). Each correction of a
 * known agent calls fx.corrected.
 *
 * @return the number of corrections
 */
size_t router_watchdog(struct router *r, uint64_t now,
		       bool (*live)(void *arg, const char *task_id),
		       void *arg)
{
	struct sweep sw = { .r = r, .now = now };
	struct le *le;

	if (!r)
		return 0;
	ROUTER_ENTER(r);

	/* rtask_done() frees only the task it is given */
	le = live ? r->acceptl.head : NULL;
	while (le) {
		struct rtask *t = le->data;
		uint64_t agent_id = t->agent ? t->agent->id : 0;

		le = le->next;
		if (task_live(r, t, live, arg))
			continue;

		rtask_done(t, now);
		if (agent_id)
			effect_corrected(r, agent_id, "busy with no live call");
		sw.n++;
	}

	LIST_FOREACH(&r->agentl, le)
		agent_sweep(le->data, &sw);

	router_debug_after(r);
	return sw.n;
}

/** @file core/router/wrapup.c  Wrap-up after a task: start, end (timer,
 *  early), extend (no I/O)
 *
 * A wrap-up belongs to the agent's channel, not to a queue: while it
 * runs the agent is unavailable in every queue, and only its own end
 * (the deadline, router_wrapup_end) makes it available again. A queue
 * with a shorter wrap-up cannot end it early.
 */
#include <errno.h>
#include <string.h>
#include "router.h"


/**
 * a's task on ch ended after talk_ms: wrap-up for secs (agent_action
 * WRAP_UP), or, when secs is 0, agent_action RELEASE at once (the handle
 * time is counted now). queue_id is credited with the handle time.
 */
void wrapup_start(struct ragent *a, enum agent_channel ch, uint32_t secs,
		  uint64_t talk_ms, const char *queue_id, uint64_t now)
{
	struct rchan *c = &a->chv[ch];

	if (!secs) {
		c->idle_since = now;
		c->idle_set = true;
		effect_action(a->r, a, AGENT_ACTION_RELEASE, ch, NULL);
		stats_handled(a->r, queue_id, talk_ms, now);
		ragent_refresh(a, now);
		return;
	}

	c->wrapping   = true;
	c->wrap_start = now;
	c->talk_ms    = talk_ms;
	str_ncpy(c->wrap_queue, queue_id, sizeof(c->wrap_queue));
	deadline_set(&a->r->dl, &c->wrap, now + secs * MS_PER_S);
	effect_action(a->r, a, AGENT_ACTION_WRAP_UP, ch, NULL);
	ragent_refresh(a, now);
}


/** End a's wrap-up on ch now: agent_action RELEASE, idle from now, the
 *  handle time (talk + actual wrap-up) counted. */
void wrapup_finish(struct ragent *a, enum agent_channel ch, uint64_t now)
{
	struct rchan *c = &a->chv[ch];
	uint64_t wrap = now > c->wrap_start ? now - c->wrap_start : 0;

	c->wrapping = false;
	deadline_clear(&a->r->dl, &c->wrap);
	c->idle_since = now;
	c->idle_set = true;
	effect_action(a->r, a, AGENT_ACTION_RELEASE, ch, NULL);
	stats_handled(a->r, c->wrap_queue, c->talk_ms + wrap, now);
	ragent_refresh(a, now);
}


/**
 * End an agent's wrap-up now (every channel in wrap-up). A wrap-up the
 * router did not run (reported from outside, e.g. after a restart) ends
 * too: RELEASE, idle.
 *
 * @return 0, EINVAL, ENOENT (unknown agent) or EALREADY (not in wrap-up)
 */
int router_wrapup_end(struct router *r, uint64_t agent_id, uint64_t now)
{
	struct ragent *a;
	bool ended = false;

	if (!r)
		return EINVAL;
	ROUTER_ENTER(r);

	a = ragent_find(r, agent_id);
	if (!a)
		return ENOENT;

	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		struct rchan *c = &a->chv[ch];

		if (c->wrapping) {
			wrapup_finish(a, ch, now);
			ended = true;
		}
		else if (chan_activity(c) == AGENT_WRAP_UP) {
			c->ext = AGENT_IDLE;
			c->idle_since = now;
			c->idle_set = true;
			effect_action(r, a, AGENT_ACTION_RELEASE, ch, NULL);
			ragent_refresh(a, now);
			ended = true;
		}
	}

	router_debug_after(r);
	return ended ? 0 : EALREADY;
}


/**
 * Extend an agent's wrap-up by secs (1..3600), ending at most 3600 s
 * from now.
 *
 * @return 0, EINVAL (secs), ENOENT, or EALREADY (no wrap-up the router
 *         runs)
 */
int router_wrapup_extend(struct router *r, uint64_t agent_id, uint32_t secs,
			 uint64_t now)
{
	struct ragent *a;
	bool extended = false;

	if (!r || !secs || secs > WRAPUP_MAX_S)
		return EINVAL;
	ROUTER_ENTER(r);

	a = ragent_find(r, agent_id);
	if (!a)
		return ENOENT;

	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		struct rchan *c = &a->chv[ch];
		uint64_t at, cap = now + WRAPUP_MAX_S * MS_PER_S;

		if (!c->wrapping)
			continue;

		/* never shortens one that already ends later than the cap */
		at = c->wrap.at + secs * MS_PER_S;
		if (at > cap)
			at = cap;
		if (at > c->wrap.at)
			deadline_set(&r->dl, &c->wrap, at);
		extended = true;
	}

	router_debug_after(r);
	return extended ? 0 : EALREADY;
}

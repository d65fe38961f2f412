/** @file hotline/agent_ops.h  Apply an action to a stored agent: the
 *  state machine, the store and the agent.state_changed event in one
 *  place, shared by the REST API and the telephony adapters. */
#ifndef HOTLINE_AGENT_OPS_H
#define HOTLINE_AGENT_OPS_H

#include <stdint.h>
#include <hotline/agent.h>

struct store;
struct bus;

/**
 * Load agent id, apply act (on channel ch for activity actions) at now_ms,
 * save the state and the transition (one transaction) and publish
 * agent.state_changed (topics agent:<id>; data as in docs/events.md).
 * The event is not flushed: the caller flushes when it must be durable.
 *
 * a (optional) receives the agent after the change (or as loaded when
 * refused). *v receives the verdict: on anything but AGENT_OK nothing is
 * saved or published and 0 is returned.
 * Returns 0, ENOENT (no such agent) or a store error.
 */
int agent_ops_apply(struct store *st, struct bus *bus, uint64_t id,
		    enum agent_action act, enum agent_channel ch,
		    const char *reason, const char *actor, uint64_t now_ms,
		    struct agent *a, enum agent_verdict *v);

/** Called after each applied transition with the agent as saved. */
typedef void (agent_ops_observer_h)(const struct agent *a,
				    const struct agent_transition *tr,
				    void *arg);
void agent_ops_observe(agent_ops_observer_h *h, void *arg);

#endif

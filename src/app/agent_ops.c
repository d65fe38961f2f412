/** @file app/agent_ops.c  Apply an action to a stored agent: state
 *  machine, store and agent.state_changed event in one place */
#include <errno.h>
#include <string.h>
#include <hotline/libre.h>
#include <hotline/agent.h>
#include <hotline/agent_json.h>
#include <hotline/agent_ops.h>
#include <hotline/bus.h>
#include <hotline/event.h>
#include <hotline/log.h>
#include <hotline/store.h>

/* The one observer of applied transitions (the ACD); set at wiring time
 * on the main thread, like the rest of the daemon's state. */
static struct {
	agent_ops_observer_h *h;
	void *arg;
} observer;

/* Topics of a state change: the agent, then each of its queues, so a
 * queue wallboard sees its agents (at most EVENT_TOPICS_MAX in all). */
struct topics {
	char bufv[EVENT_TOPICS_MAX][EVENT_TOPIC_MAX];
	const char *v[EVENT_TOPICS_MAX];
	size_t n;
};

static int add_queue_topic(const struct queue_member *m, void *arg)
{
	struct topics *t = arg;

	if (t->n == EVENT_TOPICS_MAX)
		return 1;
	re_snprintf(t->bufv[t->n], EVENT_TOPIC_MAX, "queue:%s", m->queue_id);
	t->v[t->n] = t->bufv[t->n];
	++t->n;
	return 0;
}

/* The state and the transition in one transaction, or inside the
 * caller's when one is open (then the caller commits or rolls back). */
static int save(struct store *st, const struct agent *a,
		const struct agent_transition *tr, const char *actor)
{
	bool own = !store_in_tx(st);
	int err;

	if (own) {
		err = store_begin(st);
		if (err)
			return err;
	}
	err = store_agent_state_save(st, a->id, &a->st);
	if (!err)
		err = store_activity_add(st, tr, actor);
	if (!own)
		return err;
	if (err) {
		store_rollback(st);
		return err;
	}
	return store_commit(st);
}

static void publish(struct store *st, struct bus *bus, const struct agent *a,
		    const struct agent_transition *tr, const char *actor)
{
	struct topics t = {.n = 1};
	json_t *data;
	int err;

	re_snprintf(t.bufv[0], EVENT_TOPIC_MAX, "agent:%llu",
		    (unsigned long long)a->id);
	t.v[0] = t.bufv[0];
	(void)store_member_list_agent(st, a->id, add_queue_topic, &t);

	data = json_pack("{s:I,s:s,s:o,s:s,s:s,s:o,s:s,s:o}",
			 "agent_id", (json_int_t)a->id,
			 "action", agent_action_name(tr->action),
			 "channel", tr->channel < 0 ? json_null() :
			 json_string(agent_channel_name(tr->channel)),
			 "from", tr->from, "to", tr->to,
			 "reason", tr->reason[0] ? json_string(tr->reason) :
						   json_null(),
			 "actor", actor,
			 "state", agent_state_json(&a->st));
	err = data ? bus_publish(bus, EV_AGENT_STATE_CHANGED, t.v, t.n,
				 tr->at_ms, data, NULL) : ENOMEM;
	if (err)
		log_warn("agent_ops: agent %llu: %s not published (%m)\n",
			 (unsigned long long)a->id, EV_AGENT_STATE_CHANGED,
			 err);
}

/**
 * Apply act to agent id and make it durable and visible.
 *
 * @param st      The store (the agent is loaded from it, saved back)
 * @param bus     Receives agent.state_changed, not flushed
 * @param id      The agent
 * @param act     Any action: status actions (login .. not_ready) from the
 *                API, activity actions (offer .. release) from telephony
 *                and routing
 * @param ch      The channel of an activity action (ignored otherwise)
 * @param reason  not_ready reason (validated by the caller), or NULL
 * @param actor   Who acts, recorded and published: "admin", "system",
 *                "call:<id>", ...
 * @param now_ms  When
 * @param a       Optional: the agent after the change, or as loaded when
 *                the verdict is not AGENT_OK
 * @param v       The state machine's verdict; nothing is saved or
 *                published unless it is AGENT_OK
 *
 * @return 0 (see *v), ENOENT (no such agent) or a store error (nothing
 *         saved, nothing published). Inside an open transaction (e.g. a
 *         call record written with the seize) the writes join it and the
 *         caller commits; the event is published all the same, so such a
 *         caller must commit what it started.
 */
int agent_ops_apply(struct store *st, struct bus *bus, uint64_t id,
		    enum agent_action act, enum agent_channel ch,
		    const char *reason, const char *actor, uint64_t now_ms,
		    struct agent *a, enum agent_verdict *v)
{
	struct agent_transition tr;
	struct agent ag;
	int err;

	if (!st || !bus || !actor || !v)
		return EINVAL;

	err = store_agent_get(st, id, &ag);
	if (err)
		return err;

	*v = agent_apply(&ag.st, act, ch, reason, now_ms, &tr);
	if (*v == AGENT_OK) {
		tr.agent_id = ag.id;
		err = save(st, &ag, &tr, actor);
		if (!err)
			publish(st, bus, &ag, &tr, actor);
		if (!err && observer.h)
			observer.h(&ag, &tr, observer.arg);
	}
	if (!err && a)
		*a = ag;
	return err;
}


/** Make h see every applied transition (after it is saved and published);
 *  h NULL removes the observer. One observer: the ACD. */
void agent_ops_observe(agent_ops_observer_h *h, void *arg)
{
	observer.h = h;
	observer.arg = h ? arg : NULL;
}

/** @file app/acd.c  The ACD adapter: the pure router on the event loop
 *  (store in, agent_ops and events out, one deadline timer) */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <hotline/libre.h>
#include <hotline/acd.h>
#include <hotline/agent_ops.h>
#include <hotline/bus.h>
#include <hotline/clock.h>
#include <hotline/event.h>
#include <hotline/log.h>
#include <hotline/store.h>

enum {
	STATS_PERIOD_MS    = 1000,   /* queue.stats at most once a second */
	WATCHDOG_PERIOD_MS = 10000,
};

struct acd {
	struct router *r;             /* owned */
	struct store *st;             /* borrowed */
	struct bus *bus;              /* borrowed */
	struct acd_voice voice;
	struct tmr tmr;               /* router deadline, or 0 after inputs */
	struct tmr stats_tmr;         /* pending queue.stats */
	struct tmr watchdog_tmr;
	struct list pendl;            /* struct pending_action, owned */
	bool applying;                /* inside our own agent_ops call */
	bool draining;                /* inside router_drain */
	bool kicked;                  /* inputs since the last drain */
};

static void schedule(struct acd *a);


/* ---- events ---- */

/* Topics call:<task>, queue:<q> and, when agent_id, agent:<a> */
static void publish_task(struct acd *a, const char *type, const char *task_id,
			 const char *queue_id, uint64_t agent_id,
			 json_t *data)
{
	char tv[3][EVENT_TOPIC_MAX];
	const char *topicv[3] = {tv[0], tv[1], tv[2]};
	int err;

	re_snprintf(tv[0], sizeof(tv[0]), "call:%s", task_id);
	re_snprintf(tv[1], sizeof(tv[1]), "queue:%s", queue_id);
	re_snprintf(tv[2], sizeof(tv[2]), "agent:%llu",
		    (unsigned long long)agent_id);
	err = data ? bus_publish(a->bus, type, topicv, agent_id ? 3 : 2, 0,
				 data, NULL) : ENOMEM;
	if (err)
		log_warn("acd: task %s: %s not published (%m)\n", task_id,
			 type, err);
}

static json_t *offer_json(const struct router_offer *o)
{
	return json_pack("{s:s,s:s,s:I,s:I}", "task_id", o->task_id,
			 "queue_id", o->queue_id, "offer_id",
			 (json_int_t)o->id, "agent_id",
			 (json_int_t)o->agent_id);
}

static json_t *skills_json(const struct task *t)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < t->skillc; i++)
		json_array_append_new(arr, json_pack("{s:s,s:i}", "name",
				      t->skillv[i].name, "min_level",
				      (int)t->skillv[i].min_level));
	return arr;
}


/* ---- router effects ---- */

static int fx_offer(void *ctx, const struct router_offer *o)
{
	struct acd *a = ctx;
	json_t *data;
	int err;

	if (!a->voice.offer)
		return ENOTSUP;
	err = a->voice.offer(a->voice.arg, o->task_id, o->id, o->agent_id);
	if (err)
		return err;

	data = offer_json(o);
	if (data) {
		char at[25];

		event_time_format(at, o->expires_ms);
		json_object_set_new(data, "expires_at", json_string(at));
	}
	publish_task(a, EV_TASK_OFFERED, o->task_id, o->queue_id,
		     o->agent_id, data);
	return 0;
}

static void publish_offer_end(struct acd *a, const char *task_id,
			      const char *queue_id, uint64_t offer_id,
			      uint64_t agent_id, enum router_reason why)
{
	publish_task(a, EV_TASK_OFFER_ENDED, task_id, queue_id, agent_id,
		     json_pack("{s:s,s:s,s:I,s:I,s:s}", "task_id", task_id,
			       "queue_id", queue_id, "offer_id",
			       (json_int_t)offer_id, "agent_id",
			       (json_int_t)agent_id, "reason",
			       router_reason_name(why)));
}

static void fx_offer_end(void *ctx, const struct router_offer *o,
			 enum router_reason why)
{
	struct acd *a = ctx;

	if (a->voice.offer_end)
		a->voice.offer_end(a->voice.arg, o->task_id, o->id,
				   o->agent_id, why);
	publish_offer_end(a, o->task_id, o->queue_id, o->id, o->agent_id,
			  why);
}

static void publish_overflow(struct acd *a, const char *task_id,
			     const struct queue *q, enum router_reason why)
{
	publish_task(a, EV_TASK_OVERFLOWED, task_id, q->id, 0,
		     json_pack("{s:s,s:s,s:s,s:s,s:s}", "task_id", task_id,
			       "queue_id", q->id, "reason",
			       router_reason_name(why), "action",
			       queue_overflow_name(q->overflow), "target",
			       q->overflow_target));
}

static void fx_overflow(void *ctx, const char *task_id, const char *queue_id,
			enum router_reason why)
{
	struct acd *a = ctx;
	struct queue q;

	/* the tasks of a deleted queue are hung up, not sent on */
	if (why == ROUTER_REMOVED ||
	    router_queue_get(a->r, queue_id, &q)) {
		queue_init(&q);
		str_ncpy(q.id, queue_id, sizeof(q.id));
	}
	publish_overflow(a, task_id, &q, why);
	if (a->voice.overflow)
		a->voice.overflow(a->voice.arg, task_id, &q, why);
}

static void agent_action_apply(struct acd *a, uint64_t agent_id,
			       enum agent_action act, enum agent_channel ch,
			       const char *reason)
{
	enum agent_verdict v = AGENT_OK;
	int err;

	a->applying = true;
	err = agent_ops_apply(a->st, a->bus, agent_id, act, ch, reason, "acd",
			      clock_now_ms(), NULL, &v);
	a->applying = false;
	if (err || v != AGENT_OK)
		log_warn("acd: agent %llu: %s refused (%s)\n",
			 (unsigned long long)agent_id, agent_action_name(act),
			 err ? "store error" : agent_verdict_code(v));
}

/* An agent action decided during a drain, stored after it */
struct pending_action {
	struct le le;
	uint64_t agent_id;
	enum agent_action act;
	enum agent_channel ch;
	char reason[AGENT_REASON_MAX];
};

/* During a drain the actions wait until its offers are out (storing an
 * agent's state is the slow part; the phone should ring first), then are
 * applied in the order the router decided them. */
static void fx_agent_action(void *ctx, uint64_t agent_id,
			    enum agent_action act, enum agent_channel ch,
			    const char *reason)
{
	struct acd *a = ctx;
	struct pending_action *pa;

	if (!a->draining) {
		agent_action_apply(a, agent_id, act, ch, reason);
		return;
	}
	pa = mem_zalloc(sizeof(*pa), NULL);
	if (!pa) {
		agent_action_apply(a, agent_id, act, ch, reason);
		return;
	}
	pa->agent_id = agent_id;
	pa->act = act;
	pa->ch = ch;
	str_ncpy(pa->reason, reason ? reason : "", sizeof(pa->reason));
	list_append(&a->pendl, &pa->le, pa);
}

static void stats_handler(void *arg);

static void fx_stats_dirty(void *ctx)
{
	struct acd *a = ctx;

	if (!tmr_isrunning(&a->stats_tmr))
		tmr_start(&a->stats_tmr, STATS_PERIOD_MS, stats_handler, a);
}

static void fx_corrected(void *ctx, uint64_t agent_id, const char *what)
{
	(void)ctx;
	log_warn("acd: watchdog: agent %llu: %s\n",
		 (unsigned long long)agent_id, what);
}


/* ---- the loop: one timer for the router ---- */

/* One matching pass, then the agent actions it decided, then the timer */
static void drain(struct acd *a)
{
	struct le *le;

	a->kicked = false;
	a->draining = true;
	(void)router_drain(a->r, clock_now_ms());
	a->draining = false;
	while ((le = list_head(&a->pendl))) {
		struct pending_action *pa = le->data;

		list_unlink(le);
		agent_action_apply(a, pa->agent_id, pa->act, pa->ch,
				   pa->reason[0] ? pa->reason : NULL);
		mem_deref(pa);
	}
	schedule(a);
}

static void tmr_handler(void *arg)
{
	drain(arg);
}

/* Drain on the next loop turn after inputs (so that a burst of inputs
 * is matched in one pass), else at the router's next deadline. */
static void schedule(struct acd *a)
{
	uint64_t next, now;

	if (a->kicked) {
		tmr_start(&a->tmr, 0, tmr_handler, a);
		return;
	}
	next = router_next_deadline(a->r);
	if (!next) {
		tmr_cancel(&a->tmr);
		return;
	}
	now = clock_now_ms();
	tmr_start(&a->tmr, next > now ? next - now : 0, tmr_handler, a);
}

static void kick(struct acd *a)
{
	if (a->kicked)
		return;
	a->kicked = true;
	schedule(a);
}

static void publish_stats(const char *queue_id, void *arg)
{
	struct acd *a = arg;
	struct router_queue_stats s;
	char topic[EVENT_TOPIC_MAX];
	const char *topicv[] = {topic};
	int err;

	if (router_queue_stats(a->r, queue_id, clock_now_ms(), &s))
		return;
	re_snprintf(topic, sizeof(topic), "queue:%s", queue_id);
	err = bus_publish(a->bus, EV_QUEUE_STATS, topicv, 1, 0,
			  acd_stats_json(queue_id, &s), NULL);
	if (err)
		log_warn("acd: queue %s: %s not published (%m)\n", queue_id,
			 EV_QUEUE_STATS, err);
}

static void stats_handler(void *arg)
{
	struct acd *a = arg;

	router_stats_take(a->r, publish_stats, a);
}

static bool live(void *arg, const char *task_id)
{
	struct acd *a = arg;

	return a->voice.live ? a->voice.live(a->voice.arg, task_id) : true;
}

static void watchdog_handler(void *arg)
{
	struct acd *a = arg;

	tmr_start(&a->watchdog_tmr, WATCHDOG_PERIOD_MS, watchdog_handler, a);
	if (router_watchdog(a->r, clock_now_ms(), live, a))
		kick(a);
}


/* ---- loading and following the store ---- */

static int load_queue(const struct queue *q, void *arg)
{
	struct acd *a = arg;

	return router_queue_put(a->r, q, clock_now_ms());
}

static int load_agent(const struct agent *ag, void *arg)
{
	struct acd *a = arg;

	return router_agent_put(a->r, ag, clock_now_ms());
}

static int load_member(const struct queue_member *m, void *arg)
{
	struct acd *a = arg;

	return router_member_put(a->r, m, clock_now_ms());
}

static int load_members(const struct queue *q, void *arg)
{
	struct acd *a = arg;

	return store_member_list(a->st, q->id, load_member, a);
}

/* Agents first: a membership needs both its queue and its agent. */
static int load_all(struct acd *a)
{
	int err;

	err = store_queue_list(a->st, "", 0, load_queue, a);
	if (!err)
		err = store_agent_list(a->st, 0, 0, load_agent, a);
	if (!err)
		err = store_queue_list(a->st, "", 0, load_members, a);
	return err;
}

static void reload_queue(struct acd *a, const char *id)
{
	struct queue q;
	int err;

	err = store_queue_get(a->st, id, &q);
	if (err == ENOENT) {
		(void)router_queue_remove(a->r, id, clock_now_ms());
		return;
	}
	if (!err)
		err = router_queue_put(a->r, &q, clock_now_ms());
	if (err)
		log_warn("acd: queue %s: reload failed (%m)\n", id, err);
}

static void reload_agent(struct acd *a, uint64_t id)
{
	struct agent ag;
	int err;

	err = store_agent_get(a->st, id, &ag);
	if (err == ENOENT) {
		(void)router_agent_remove(a->r, id, clock_now_ms());
		return;
	}
	if (!err)
		err = router_agent_put(a->r, &ag, clock_now_ms());
	if (err)
		log_warn("acd: agent %llu: reload failed (%m)\n",
			 (unsigned long long)id, err);
}

struct member_find {
	const char *queue_id;
	struct queue_member m;
	bool found;
};

static int find_member(const struct queue_member *m, void *arg)
{
	struct member_find *mf = arg;

	if (strcmp(m->queue_id, mf->queue_id))
		return 0;
	mf->m = *m;
	mf->found = true;
	return 1;
}

static void reload_member(struct acd *a, const char *queue_id,
			  uint64_t agent_id)
{
	struct member_find mf = {.queue_id = queue_id};
	int err;

	err = store_member_list_agent(a->st, agent_id, find_member, &mf);
	if (err && err != 1) {
		log_warn("acd: member %s/%llu: reload failed (%m)\n", queue_id,
			 (unsigned long long)agent_id, err);
		return;
	}
	if (!mf.found) {
		(void)router_member_remove(a->r, queue_id, agent_id,
					   clock_now_ms());
		return;
	}
	err = router_member_put(a->r, &mf.m, clock_now_ms());
	if (err)
		log_warn("acd: member %s/%llu: not routed (%m)\n", queue_id,
			 (unsigned long long)agent_id, err);
}

/* The ids of a configuration event come from its topics
 * ("queue:<id>", "agent:<id>"), not from its JSON. */
static void topic_ids(const struct bus_event *ev, const char **queue_id,
		      uint64_t *agent_id)
{
	*queue_id = NULL;
	*agent_id = 0;
	for (size_t i = 0; i < ev->topicc; i++) {
		const char *t = ev->topicv[i];

		if (!*queue_id && !strncmp(t, "queue:", 6))
			*queue_id = t + 6;
		else if (!*agent_id && !strncmp(t, "agent:", 6))
			*agent_id = strtoull(t + 6, NULL, 10);
	}
}

static bool type_is(const struct bus_event *ev, const char *type)
{
	return !strcmp(ev->type, type);
}

/* Follow configuration changes made through the API. State changes come
 * through the agent_ops observer instead (synchronously). */
static void bus_handler(const struct bus_event *ev, void *arg)
{
	struct acd *a = arg;
	const char *queue_id;
	uint64_t agent_id;

	topic_ids(ev, &queue_id, &agent_id);
	if (queue_id && (type_is(ev, EV_QUEUE_CREATED) ||
			 type_is(ev, EV_QUEUE_UPDATED) ||
			 type_is(ev, EV_QUEUE_DELETED)))
		reload_queue(a, queue_id);
	else if (queue_id && agent_id &&
		 (type_is(ev, EV_QUEUE_MEMBER_ADDED) ||
		  type_is(ev, EV_QUEUE_MEMBER_UPDATED) ||
		  type_is(ev, EV_QUEUE_MEMBER_REMOVED)))
		reload_member(a, queue_id, agent_id);
	else if (agent_id && (type_is(ev, EV_AGENT_CREATED) ||
			      type_is(ev, EV_AGENT_UPDATED) ||
			      type_is(ev, EV_AGENT_DELETED)))
		reload_agent(a, agent_id);
	else
		return;
	kick(a);
}

/* Every agent transition that the ACD did not make itself (REST status
 * changes, direct calls seizing and releasing agents) */
static void agent_observer(const struct agent *ag,
			   const struct agent_transition *tr, void *arg)
{
	struct acd *a = arg;
	int err;

	(void)tr;
	if (a->applying)
		return;
	err = router_agent_put(a->r, ag, tr->at_ms);
	if (err)
		log_warn("acd: agent %llu: state not routed (%m)\n",
			 (unsigned long long)ag->id, err);
	kick(a);
}


/* ---- public ---- */

static void destructor(void *arg)
{
	struct acd *a = arg;

	agent_ops_observe(NULL, NULL);
	bus_unlisten(a->bus, a);
	tmr_cancel(&a->tmr);
	tmr_cancel(&a->stats_tmr);
	tmr_cancel(&a->watchdog_tmr);
	list_flush(&a->pendl);
	mem_deref(a->r);
}

/**
 * Create the ACD: a router loaded with every queue, agent and membership
 * of st, following later changes (bus events and agent_ops). Borrowed
 * arguments outlive the acd. 0, ENOMEM or a store error.
 */
int acd_alloc(struct acd **ap, struct store *st, struct bus *bus)
{
	const struct router_effects fx = {
		.offer = fx_offer,
		.offer_end = fx_offer_end,
		.overflow = fx_overflow,
		.agent_action = fx_agent_action,
		.stats_dirty = fx_stats_dirty,
		.corrected = fx_corrected,
	};
	struct router_effects fxa = fx;
	struct acd *a;
	int err;

	if (!ap || !st || !bus)
		return EINVAL;
	a = mem_zalloc(sizeof(*a), destructor);
	if (!a)
		return ENOMEM;
	a->st = st;
	a->bus = bus;
	fxa.ctx = a;
	err = router_alloc(&a->r, &fxa, clock_now_ms());
	if (!err)
		err = load_all(a);
	if (!err)
		err = bus_listen(bus, bus_handler, NULL, a);
	if (err) {
		mem_deref(a);
		return err;
	}
	agent_ops_observe(agent_observer, a);
	tmr_start(&a->watchdog_tmr, WATCHDOG_PERIOD_MS, watchdog_handler, a);
	kick(a);
	*ap = a;
	return 0;
}

void acd_set_voice(struct acd *a, const struct acd_voice *v)
{
	if (a && v)
		a->voice = *v;
}

/**
 * Queue the call t->id in queue_id and publish task.queued (or, when
 * refused at once, task.overflowed: the caller then takes q's overflow
 * action). The queue is matched at once: offers are made before this
 * returns. Must not be called from inside an acd_voice hook.
 */
int acd_enqueue(struct acd *a, const char *queue_id, const struct task *t,
		struct queue *q, enum router_result *res)
{
	struct router_task_info info;
	struct queue qs;
	int err;

	if (!a || !queue_id || !t || !res)
		return EINVAL;
	err = router_queue_get(a->r, queue_id, &qs);
	if (!err)
		err = router_task_enqueue(a->r, queue_id, t, clock_now_ms(),
					  res);
	if (err)
		return err;
	if (q)
		*q = qs;
	if (*res == ROUTER_OVERFLOW) {
		publish_overflow(a, t->id, &qs, ROUTER_EMPTY);
		return 0;
	}
	(void)router_task_info(a->r, t->id, clock_now_ms(), &info);
	publish_task(a, EV_TASK_QUEUED, t->id, queue_id, 0,
		     json_pack("{s:s,s:s,s:i,s:i,s:o,s:o}", "task_id", t->id,
			       "queue_id", queue_id, "priority",
			       (int)t->priority, "position",
			       (int)info.position, "skills", skills_json(t),
			       "sticky_agent_id", t->sticky_agent ?
			       json_integer((json_int_t)t->sticky_agent) :
			       json_null()));
	/* matched at once: a new call should not wait a loop turn for an
	 * idle agent */
	if (a->draining)
		kick(a);
	else
		drain(a);
	return 0;
}

/** The agent of offer_id answered: 0 (task.accepted published) or
 *  ESTALE (too late: hang that agent up). */
/* A live offer and copies of its ids (the router's strings do not
 * outlive the next router call); ESTALE when not live */
struct offer_ids {
	char task_id[TASK_ID_MAX];
	char queue_id[QUEUE_ID_MAX];
	uint64_t agent_id;
};

static int offer_ids_get(const struct acd *a, uint64_t offer_id,
			 struct offer_ids *ids)
{
	struct router_offer o;

	if (router_offer_get(a->r, offer_id, &o))
		return ESTALE;
	str_ncpy(ids->task_id, o.task_id, sizeof(ids->task_id));
	str_ncpy(ids->queue_id, o.queue_id, sizeof(ids->queue_id));
	ids->agent_id = o.agent_id;
	return 0;
}

int acd_offer_accept(struct acd *a, uint64_t offer_id)
{
	struct router_task_info info;
	uint64_t now = clock_now_ms();
	struct offer_ids o;
	int err;

	if (!a)
		return EINVAL;
	err = offer_ids_get(a, offer_id, &o);
	if (!err)
		err = router_offer_accept(a->r, offer_id, now);
	if (err)
		return err;
	if (!router_task_info(a->r, o.task_id, now, &info))
		publish_task(a, EV_TASK_ACCEPTED, o.task_id, o.queue_id,
			     o.agent_id,
			     json_pack("{s:s,s:s,s:I,s:I,s:I}", "task_id",
				       o.task_id, "queue_id", o.queue_id,
				       "offer_id", (json_int_t)offer_id,
				       "agent_id", (json_int_t)o.agent_id,
				       "wait_ms", (json_int_t)info.waited_ms));
	kick(a);
	return 0;
}

/** The agent of offer_id refused (ROUTER_DECLINED) or could not be
 *  reached (ROUTER_FAILED). 0 or ESTALE. */
int acd_offer_decline(struct acd *a, uint64_t offer_id,
		      enum router_reason why)
{
	struct offer_ids o;
	int err;

	if (!a)
		return EINVAL;
	err = offer_ids_get(a, offer_id, &o);
	if (!err)
		err = router_offer_decline(a->r, offer_id, why,
					   clock_now_ms());
	if (err)
		return err;
	publish_offer_end(a, o.task_id, o.queue_id, offer_id, o.agent_id,
			  why);
	kick(a);
	return 0;
}

/** The call of task_id is gone (caller hung up before an agent took it:
 *  task.abandoned; or the bridged call ended: wrap-up). 0 or ENOENT. */
int acd_task_remove(struct acd *a, const char *task_id)
{
	struct router_task_info info;
	char queue_id[QUEUE_ID_MAX];
	uint64_t now = clock_now_ms();
	int err;

	if (!a || !task_id)
		return EINVAL;
	err = router_task_info(a->r, task_id, now, &info);
	if (err)
		return err;
	str_ncpy(queue_id, info.queue_id, sizeof(queue_id));
	err = router_task_remove(a->r, task_id, now);
	if (err)
		return err;
	if (!info.accepted)
		publish_task(a, EV_TASK_ABANDONED, task_id, queue_id, 0,
			     json_pack("{s:s,s:s,s:I}", "task_id", task_id,
				       "queue_id", queue_id, "wait_ms",
				       (json_int_t)info.waited_ms));
	kick(a);
	return 0;
}

int acd_task_info(struct acd *a, const char *task_id,
		  struct router_task_info *info)
{
	if (!a || !task_id || !info)
		return EINVAL;
	return router_task_info(a->r, task_id, clock_now_ms(), info);
}

int acd_queue_get(struct acd *a, const char *queue_id, struct queue *q)
{
	if (!a)
		return EINVAL;
	return router_queue_get(a->r, queue_id, q);
}

int acd_queue_stats(struct acd *a, const char *queue_id,
		    struct router_queue_stats *s)
{
	if (!a || !queue_id || !s)
		return EINVAL;
	return router_queue_stats(a->r, queue_id, clock_now_ms(), s);
}

/** End agent_id's wrap-up now: 0, ENOENT, EALREADY (not in wrap-up). */
int acd_wrapup_end(struct acd *a, uint64_t agent_id)
{
	int err;

	if (!a)
		return EINVAL;
	err = router_wrapup_end(a->r, agent_id, clock_now_ms());
	if (!err)
		kick(a);
	return err;
}

/** Extend agent_id's wrap-up by secs: 0, ENOENT, EALREADY, EINVAL. */
int acd_wrapup_extend(struct acd *a, uint64_t agent_id, uint32_t secs)
{
	int err;

	if (!a)
		return EINVAL;
	err = router_wrapup_extend(a->r, agent_id, secs, clock_now_ms());
	if (!err)
		kick(a);
	return err;
}

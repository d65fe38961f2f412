/** @file core/router/agents.c  The router's view of agents: what they
 *  report, availability per channel, the available-member sets (no I/O) */
#include <errno.h>
#include <string.h>
#include "router.h"

/* Deadline slots an agent reserves: a cooldown and a wrap-up per channel */
#define AGENT_SLOTS (2 * AGENT_CH_COUNT)


/** The channel's activity as the router sees it: its own offer, task and
 *  wrap-up win over what was reported from outside. */
enum agent_activity chan_activity(const struct rchan *c)
{
	if (c->offer)
		return AGENT_OFFERED;
	if (c->task)
		return AGENT_BUSY;
	if (c->wrapping)
		return AGENT_WRAP_UP;

	return c->ext;
}


/**
 * Whether a can be offered a task on ch now: logged in, ready, the
 * channel idle, no cooldown running, a capacity on the channel. Queue
 * membership, skills, tiers and sticky agents are the strategy's part.
 */
bool ragent_available(const struct ragent *a, enum agent_channel ch)
{
	const struct rchan *c = &a->chv[ch];

	return !a->dying && a->presence == AGENT_LOGGED_IN &&
	       a->availability == AGENT_READY && a->capacity[ch] > 0 &&
	       chan_activity(c) == AGENT_IDLE && !deadline_isset(&c->cool);
}


/** The agent's state in queue statistics (by its voice channel). */
enum router_agent_state ragent_state(const struct ragent *a)
{
	if (a->presence != AGENT_LOGGED_IN)
		return ROUTER_AG_LOGGED_OUT;

	switch (chan_activity(&a->chv[AGENT_CH_VOICE])) {

	case AGENT_OFFERED: return ROUTER_AG_OFFERED;
	case AGENT_BUSY:    return ROUTER_AG_BUSY;
	case AGENT_WRAP_UP: return ROUTER_AG_WRAP_UP;
	default:            break;
	}

	return a->availability == AGENT_READY ? ROUTER_AG_IDLE
					      : ROUTER_AG_NOT_READY;
}


static void avail_set(struct ragent *a, enum agent_channel ch, bool on)
{
	struct le *le;

	a->chv[ch].avail = on;

	LIST_FOREACH(&a->memberl, le) {
		struct rmember *m = le->data;

		if (on)
			list_append(&m->q->availl[ch], &m->avle[ch], m);
		else
			list_unlink(&m->avle[ch]);
	}
}


/**
 * Bring the derived state in line after any change to a: the available
 * sets of its queues (becoming available marks all its queues) and the
 * statistics of its queues when its state there changed.
 * O(queues of the agent).
 */
void ragent_refresh(struct ragent *a, uint64_t now)
{
	enum router_agent_state st;
	bool mark = false;
	(void)now;

	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		bool av = ragent_available(a, ch);

		if (av == a->chv[ch].avail)
			continue;

		avail_set(a, ch, av);
		mark |= av;
	}

	if (mark)
		ragent_mark_queues(a);

	st = ragent_state(a);
	if (st != a->sstate) {
		a->sstate = st;
		ragent_stats_mark(a);
	}
}


/** No offer to a on ch before until (kept if a later one runs). */
void ragent_cooldown(struct ragent *a, enum agent_channel ch,
		     uint64_t until)
{
	struct deadline *d = &a->chv[ch].cool;

	if (deadline_isset(d) && d->at >= until)
		return;

	deadline_set(&a->r->dl, d, until);
}


/** Tasks a accepted in the UTC day of now (least_calls). */
uint32_t ragent_accepted_today(const struct ragent *a, uint64_t now)
{
	return a->accepted_day == now / MS_PER_DAY ? a->accepted_today : 0;
}


static void destructor(void *arg)
{
	struct ragent *a = arg;
	struct router *r = a->r;

	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		struct rchan *c = &a->chv[ch];

		if (c->offer)
			c->offer->a = NULL;
		if (c->task)
			c->task->agent = NULL;
		deadline_clear(&r->dl, &c->cool);
		deadline_clear(&r->dl, &c->wrap);
	}

	/* memberships belong to their queues: whoever goes first frees */
	while (a->memberl.head)
		mem_deref(a->memberl.head->data);

	deadline_release(&r->dl, AGENT_SLOTS);
	hash_unlink(&a->he);
	list_unlink(&a->le);
}


static int agent_alloc(struct router *r, uint64_t id, struct ragent **ap)
{
	struct ragent *a;
	int err;

	err = deadline_reserve(&r->dl, AGENT_SLOTS);
	if (err)
		return err;

	a = mem_zalloc(sizeof(*a), destructor);
	if (!a) {
		deadline_release(&r->dl, AGENT_SLOTS);
		return ENOMEM;
	}

	a->r  = r;
	a->id = id;
	a->presence = AGENT_LOGGED_OUT;
	a->availability = AGENT_NOT_READY;
	a->sstate = ROUTER_AG_LOGGED_OUT;
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		deadline_init(&a->chv[ch].cool, DL_COOL, a, ch);
		deadline_init(&a->chv[ch].wrap, DL_WRAP, a, ch);
	}

	hash_append(r->agenth, id_hash(id), &a->he, a);
	list_append(&r->agentl, &a->le, a);
	*ap = a;

	return 0;
}


/* The outside activity of each channel the router does not hold itself */
static void activity_copy(struct ragent *a, const struct agent *ag,
			  uint64_t now)
{
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		struct rchan *c = &a->chv[ch];
		enum agent_activity ext = ag->st.activity[ch];

		if (c->offer || c->task || c->wrapping)
			continue;
		if ((unsigned)ext >= AGENT_ACTIVITY_COUNT)
			ext = AGENT_IDLE;

		/* a direct call (or a wrap-up we did not run) ended: idle
		 * from now on; a stale "offered" ending does not count */
		if (ext == AGENT_IDLE &&
		    (c->ext == AGENT_BUSY || c->ext == AGENT_WRAP_UP)) {
			c->idle_since = now;
			c->idle_set = true;
		}
		c->ext = ext;
	}
}


/* Presence changed: logged-in counts of its queues (leave_empty), and
 * marks so that sticky tasks waiting for a now logged-out agent fall
 * back at once */
static void presence_changed(struct ragent *a, uint64_t now)
{
	struct le *le;

	if (a->presence == AGENT_LOGGED_IN) {
		for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
			struct rchan *c = &a->chv[ch];

			if (!c->idle_set) {
				c->idle_since = now;
				c->idle_set = true;
			}
		}
	}

	le = a->memberl.head;
	while (le) {
		struct rmember *m = le->data;

		le = le->next;
		rqueue_mark(m->q);
		rqueue_stats_mark(m->q);
		if (a->presence == AGENT_LOGGED_IN)
			m->q->nlogged++;
		else
			rqueue_logged_dec(m->q, now);
	}
}


/* Becoming ready starts the idle time again (longest_idle ranks agents
 * by time since their last task or since they became ready, whichever
 * is later: coming back from a break is not "idle for hours") */
static void idle_restart(struct ragent *a, uint64_t now)
{
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		a->chv[ch].idle_since = now;
		a->chv[ch].idle_set = true;
	}
}

/* Skills, capacity and status from the stored record; whether the skills
 * changed */
static bool record_copy(struct ragent *a, const struct agent *ag)
{
	bool reskill = a->skillc != ag->skillc ||
		       memcmp(a->skillv, ag->skillv,
			      ag->skillc * sizeof(ag->skillv[0]));

	memcpy(a->skillv, ag->skillv, ag->skillc * sizeof(ag->skillv[0]));
	a->skillc = ag->skillc;
	memcpy(a->capacity, ag->capacity, sizeof(a->capacity));
	a->presence = ag->st.presence == AGENT_LOGGED_IN ? AGENT_LOGGED_IN
							 : AGENT_LOGGED_OUT;
	a->availability = ag->st.availability == AGENT_READY ? AGENT_READY
							     : AGENT_NOT_READY;

	return reskill;
}


/**
 * Add or update an agent from its stored record (ag is copied): skills,
 * capacity, presence, availability, and the activity of each channel on
 * which the router holds no offer, task or wrap-up of it (a direct call
 * seizes the agent outside the router: busy makes it unavailable, idle
 * again available). Logging out may empty a queue (leave_empty); becoming
 * available marks the agent's queues.
 *
 * @return 0, EINVAL (no id, too many skills) or ENOMEM
 */
int router_agent_put(struct router *r, const struct agent *ag, uint64_t now)
{
	enum agent_presence was = AGENT_LOGGED_OUT;
	enum agent_availability was_avail = AGENT_NOT_READY;
	struct ragent *a;
	bool reskill;
	int err;

	if (!r || !ag || !ag->id || ag->skillc > AGENT_SKILLS_MAX)
		return EINVAL;
	ROUTER_ENTER(r);

	a = ragent_find(r, ag->id);
	if (a) {
		was = a->presence;
		was_avail = a->availability;
	}
	else {
		err = agent_alloc(r, ag->id, &a);
		if (err)
			return err;
	}

	reskill = record_copy(a, ag);
	activity_copy(a, ag, now);

	if (a->presence != was)
		presence_changed(a, now);
	if (a->availability == AGENT_READY && was_avail != AGENT_READY)
		idle_restart(a, now);

	ragent_refresh(a, now);

	/* new skills may fit tasks it could not take before */
	if (reskill)
		ragent_mark_queues(a);

	router_debug_after(r);
	return 0;
}


/**
 * Forget an agent: its live offers end (offer_end ROUTER_REMOVED, no
 * agent action: the agent is gone), a task it holds stays with the
 * adapter (the router forgets the agent side; router_task_done() on it
 * just frees it), its wrap-up and memberships go (which may empty a
 * queue: leave_empty). 0, EINVAL or ENOENT.
 */
int router_agent_remove(struct router *r, uint64_t agent_id, uint64_t now)
{
	struct ragent *a;

	if (!r)
		return EINVAL;
	ROUTER_ENTER(r);

	a = ragent_find(r, agent_id);
	if (!a)
		return ENOENT;

	a->dying = true;
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		struct rchan *c = &a->chv[ch];

		if (c->offer)
			roffer_end(c->offer, ROUTER_REMOVED, now);
		if (c->task) {
			c->task->agent = NULL;
			c->task = NULL;
		}
		c->wrapping = false;
		deadline_clear(&r->dl, &c->wrap);
		deadline_clear(&r->dl, &c->cool);
		if (c->avail)
			avail_set(a, ch, false);
	}

	while (a->memberl.head)
		rmember_drop(a->memberl.head->data, now);

	mem_deref(a);

	router_debug_after(r);
	return 0;
}

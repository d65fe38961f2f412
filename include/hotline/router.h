/** @file hotline/router.h  The ACD: queues, tasks, offers, wrap-up and
 *  live statistics. Pure core: no I/O, no timers; time is an argument and
 *  everything the router decides leaves through struct router_effects.
 *
 * Matching is event-driven ("mark ready, match in one place"): an
 * enqueue, an agent becoming available, a wrap-up ending, an offer timing
 * out or being declined only update state and mark the affected queues;
 * router_drain() makes every possible offer in one pass, highest priority
 * then longest waiting task first across all marked queues (so an agent
 * in several queues gets the best task of all of them). The adapter arms
 * one timer at router_next_deadline() and calls router_drain() when it
 * fires and after each batch of inputs.
 *
 * Invariants (asserted in debug builds, tested):
 *  - an agent holds at most one live offer or task per voice channel;
 *  - a task is accepted at most once; once accepted, every other offer of
 *    it ends (ROUTER_TAKEN) and a late accept gets ESTALE;
 *  - a task offered and not accepted stays at its place in its queue.
 *
 * Effects are called synchronously from inside router calls; they must
 * not call back into the router (defer to the next loop turn instead),
 * except the read-only getters (asserted in debug builds).
 *
 * Limit: one offer or task per agent and channel, whatever capacity[ch]
 * says (right for voice; a chat channel with capacity N takes one at a
 * time); a capacity of 0 keeps the agent off that channel. Channels are
 * independent: a queue's waiting tasks are ordered per channel.
 */
#ifndef HOTLINE_ROUTER_H
#define HOTLINE_ROUTER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <hotline/agent.h>
#include <hotline/queue.h>
#include <hotline/task.h>

struct router;

/* Why an offer ended or a task left its queue */
enum router_reason {
	ROUTER_ACCEPTED = 0,   /* the agent took it */
	ROUTER_DECLINED,       /* the agent refused (counts for decline delay) */
	ROUTER_TIMEOUT,        /* no answer within offer_timeout_s (missed) */
	ROUTER_FAILED,         /* the agent could not be reached (missed) */
	ROUTER_TAKEN,          /* another agent accepted the task first */
	ROUTER_ABANDONED,      /* the task was removed (caller hung up) */
	ROUTER_MAX_WAIT,       /* waited max_wait_s: overflow */
	ROUTER_EMPTY,          /* no member logged in (join/leave empty) */
	ROUTER_REMOVED,        /* its queue, or the agent, was deleted */
	ROUTER_REASON_COUNT
};

/* The result of an enqueue */
enum router_result {
	ROUTER_QUEUED = 0,     /* waiting (offers follow from router_drain) */
	ROUTER_OVERFLOW,       /* refused at once (join_empty off and no
				  member logged in): take the overflow action */
};

/* A reservation of one agent for one task. Pointers are valid during the
 * effect call only. */
struct router_offer {
	uint64_t id;           /* unique per router, > 0 */
	uint32_t version;      /* the task's offer round (ring-all offers of
				  one round share it) */
	const char *task_id;
	const char *queue_id;
	uint64_t agent_id;
	enum agent_channel channel;
	uint64_t expires_ms;   /* offered at + offer_timeout_s */
};

struct router_effects {
	/** Ring agent o->agent_id for task o->task_id. Return 0, or an
	 *  errno when the agent cannot be reached now: the offer then ends
	 *  as ROUTER_FAILED (no offer_end call; a miss, see
	 *  router_offer_decline) and the next agent is tried in the same
	 *  drain. agent_action OFFER comes just before this call, DECLINE
	 *  right after a failure. */
	int (*offer)(void *ctx, const struct router_offer *o);
	/** An offer ended without the adapter reporting it (ROUTER_TIMEOUT,
	 *  ROUTER_TAKEN, ROUTER_ABANDONED, ROUTER_MAX_WAIT, ROUTER_EMPTY,
	 *  ROUTER_REMOVED): stop ringing that agent. */
	void (*offer_end)(void *ctx, const struct router_offer *o,
			  enum router_reason why);
	/** The task left its queue without an agent (ROUTER_MAX_WAIT,
	 *  ROUTER_EMPTY, ROUTER_REMOVED): the router forgot it; the adapter
	 *  takes the queue's overflow action. */
	void (*overflow)(void *ctx, const char *task_id, const char *queue_id,
			 enum router_reason why);
	/** The router changed an agent's state: apply it to the stored
	 *  agent. act is AGENT_ACTION_OFFER, _ACCEPT, _DECLINE (offer
	 *  ended), _WRAP_UP, _RELEASE (task or wrap-up over) or _NOT_READY
	 *  with reason "missed" (autopause). Each is a valid transition of
	 *  the stored agent when the router's inputs followed it. No action
	 *  for an agent being removed. */
	void (*agent_action)(void *ctx, uint64_t agent_id,
			     enum agent_action act, enum agent_channel ch,
			     const char *reason);
	/** Some queue's statistics changed; called once until
	 *  router_stats_take() clears the marks. May be NULL. */
	void (*stats_dirty)(void *ctx);
	/** The watchdog corrected an agent (what: a short description). */
	void (*corrected)(void *ctx, uint64_t agent_id, const char *what);
	void *ctx;
};

/** A router using fx (copied). seed drives the random strategy. */
int router_alloc(struct router **rp, const struct router_effects *fx,
		 uint64_t seed);

/* ---- configuration (from the store; each marks what it affects) ---- */

/** Add or replace a queue's settings (q copied). 0, EINVAL, ENOMEM. */
int router_queue_put(struct router *r, const struct queue *q, uint64_t now);
/** A queue's settings as last put. 0, EINVAL or ENOENT. */
int router_queue_get(const struct router *r, const char *queue_id,
		     struct queue *q);
/** Remove a queue: its waiting tasks overflow with ROUTER_REMOVED;
 *  accepted tasks keep their agent. 0 or ENOENT. */
int router_queue_remove(struct router *r, const char *queue_id,
			uint64_t now);

/** Add or update an agent: skills, presence, availability and, for a
 *  channel on which the router holds no offer, task or wrap-up, the
 *  activity (a direct call seizes the agent outside the router: busy
 *  makes it unavailable, idle again available and "idle since now" for
 *  longest_idle). The router's own offers, tasks and wrap-ups win over a
 *  stale activity in a. The last logged-in member of a leave_empty
 *  queue logging out overflows its tasks (ROUTER_EMPTY). 0, EINVAL,
 *  ENOMEM. */
int router_agent_put(struct router *r, const struct agent *a, uint64_t now);
/** Forget an agent: its offers end (ROUTER_REMOVED), its memberships go.
 *  0 or ENOENT. */
int router_agent_remove(struct router *r, uint64_t agent_id, uint64_t now);

/** Add or update a membership (tier clamped to 1..10, position). The
 *  queue and the agent must be known: 0, ENOENT, ENOMEM. */
int router_member_put(struct router *r, const struct queue_member *m,
		      uint64_t now);
int router_member_remove(struct router *r, const char *queue_id,
			 uint64_t agent_id, uint64_t now);

/* ---- tasks and offers ---- */

/** Enqueue t (copied) in queue_id at now. *res: ROUTER_QUEUED, or
 *  ROUTER_OVERFLOW when the queue refuses it (the task is then not
 *  kept). 0, ENOENT (no queue), EEXIST (task id live), EINVAL. */
int router_task_enqueue(struct router *r, const char *queue_id,
			const struct task *t, uint64_t now,
			enum router_result *res);

/** The task is gone (caller hung up). Waiting: counted abandoned with
 *  its wait, offers end (ROUTER_ABANDONED). Accepted: same as
 *  router_task_done(). 0 or ENOENT. */
int router_task_remove(struct router *r, const char *task_id, uint64_t now);

/** A live offer (pointers valid until the next router call). 0 or
 *  ENOENT (not live: never made, ended or accepted). */
int router_offer_get(const struct router *r, uint64_t offer_id,
		     struct router_offer *o);

/** The agent answered offer_id. 0: the task is this agent's (other
 *  offers end with ROUTER_TAKEN, agent_action ACCEPT). ESTALE: the offer
 *  is no longer live (timed out, taken, task gone): hang up that leg. */
int router_offer_accept(struct router *r, uint64_t offer_id, uint64_t now);

/** The agent refused (ROUTER_DECLINED) or could not be reached
 *  (ROUTER_FAILED). The task keeps its place; the agent is not offered
 *  anything for the queue's decline_delay_s (at least 1 s after a
 *  failure). A failure, like a timeout, is a miss: max_missed_offers
 *  misses in a row (counted until an accept) pause the agent
 *  (agent_action NOT_READY "missed", only if it was ready). A decline is
 *  not a miss. 0, EINVAL (another reason) or ESTALE. */
int router_offer_decline(struct router *r, uint64_t offer_id,
			 enum router_reason why, uint64_t now);

/** The accepted task ended: its agent goes to wrap-up for the longest
 *  wrap_up_s of the queues the task went through (queues it overflowed
 *  from are remembered for 10 minutes), or straight back to idle when
 *  0. During a wrap-up the agent is offered nothing, in any queue. 0 or
 *  ENOENT (unknown, or not accepted). */
int router_task_done(struct router *r, const char *task_id, uint64_t now);

/** End an agent's wrap-up now (also one reported from outside, e.g.
 *  stored before a restart). 0, ENOENT (unknown agent), EALREADY (not
 *  in wrap-up). */
int router_wrapup_end(struct router *r, uint64_t agent_id, uint64_t now);
/** Extend an agent's wrap-up by secs (total at most 3600 s from now).
 *  0, ENOENT, EALREADY (not in wrap-up), EINVAL. */
int router_wrapup_extend(struct router *r, uint64_t agent_id, uint32_t secs,
			 uint64_t now);

/** Expire what is due at now (offers, wrap-ups, decline delays, tier
 *  escalation, sticky waits, max waits) and make every possible offer.
 *  Returns the number of offers made. */
size_t router_drain(struct router *r, uint64_t now);

/** The earliest time router_drain() has something to do; 0 = none. */
uint64_t router_next_deadline(const struct router *r);

/** Consistency check against the adapter's world. live(task_id) tells
 *  whether the task's call still exists; an agent holding a task whose
 *  call is gone goes through router_task_done(), and the router's view
 *  of an agent marked offered with no live offer is reset to idle
 *  (agent_action DECLINE), likewise a wrap_up the router does not run
 *  (RELEASE). Each correction of a known agent calls fx.corrected.
 *  Returns the number of corrections. */
size_t router_watchdog(struct router *r, uint64_t now,
		       bool (*live)(void *arg, const char *task_id),
		       void *arg);

/* ---- statistics (today = the current UTC day of now) ---- */

enum router_agent_state { ROUTER_AG_LOGGED_OUT = 0, ROUTER_AG_NOT_READY,
			  ROUTER_AG_IDLE, ROUTER_AG_OFFERED, ROUTER_AG_BUSY,
			  ROUTER_AG_WRAP_UP, ROUTER_AG_COUNT };

struct router_queue_stats {
	uint32_t waiting;          /* tasks not yet accepted (incl. ringing) */
	uint32_t ringing;          /* of which with a live offer */
	uint64_t longest_wait_ms;  /* of the waiting tasks */
	uint32_t agents[ROUTER_AG_COUNT];   /* members by state */
	uint32_t offered;          /* tasks that entered the queue today */
	uint32_t answered;         /* accepted today */
	uint32_t abandoned;        /* removed while waiting today */
	uint32_t overflowed;       /* left by max wait / empty today */
	uint32_t answered_within;  /* accepted within service_level_s */
	double service_level;      /* answered_within / (answered +
				      abandoned); 1 when both are 0 */
	uint64_t asa_ms;           /* mean wait of the answered */
	uint64_t aht_ms;           /* mean talk + wrap-up of the completed */
	uint64_t abandoned_wait_ms;/* mean wait of the abandoned */
};

/** 0 or ENOENT. */
int router_queue_stats(const struct router *r, const char *queue_id,
		       uint64_t now, struct router_queue_stats *s);

/** Call h for every queue whose statistics changed since the last take,
 *  then clear the marks. */
void router_stats_take(struct router *r,
		       void (*h)(const char *queue_id, void *arg), void *arg);

/* Where a waiting task stands, for announcements */
struct router_task_info {
	const char *queue_id;      /* valid until the next router call */
	uint32_t position;         /* 1 = next to be offered: 1 + the
				      waiting tasks of its channel ahead of
				      it in its queue (ringing included) */
	uint64_t waited_ms;
	uint64_t ewt_ms;           /* estimated wait: position x AHT /
				      members logged in (0 if unknown) */
	bool accepted;
	uint64_t agent_id;         /* when accepted */
};

/** 0 or ENOENT. */
int router_task_info(const struct router *r, const char *task_id,
		     uint64_t now, struct router_task_info *info);

const char *router_reason_name(enum router_reason why);
const char *router_agent_state_name(enum router_agent_state s);

#endif

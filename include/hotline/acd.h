/** @file hotline/acd.h  The ACD adapter: runs the pure router
 *  (hotline/router.h) on the event loop. It loads queues, members and
 *  agents from the store and follows their changes, applies the router's
 *  agent actions through agent_ops (store + agent.state_changed), publishes
 *  task.* and queue.stats events, arms one timer at the router's next
 *  deadline, and hands offers of voice tasks to the telephony adapter. */
#ifndef HOTLINE_ACD_H
#define HOTLINE_ACD_H

#include <stdint.h>
#include <stdbool.h>
#include <jansson.h>
#include <hotline/router.h>

struct store;
struct bus;
struct config;
struct acd;

/* What the ACD asks of the voice channel (the B2BUA). Set once by main. */
struct acd_voice {
	/** Ring agent_id for the queued call task_id (offer_id identifies
	 *  the offer in later acd_* calls). 0, or an errno when the agent
	 *  cannot be rung (no phone registered...). */
	int (*offer)(void *arg, const char *task_id, uint64_t offer_id,
		     uint64_t agent_id);
	/** Stop ringing agent_id for offer_id (timeout, taken, task gone). */
	void (*offer_end)(void *arg, const char *task_id, uint64_t offer_id,
			  uint64_t agent_id, enum router_reason why);
	/** The task left queue_id without an agent (max wait, empty, queue
	 *  deleted): take the queue's overflow action (q: its settings). */
	void (*overflow)(void *arg, const char *task_id, const struct queue *q,
			 enum router_reason why);
	/** Whether the call task_id still exists (watchdog). */
	bool (*live)(void *arg, const char *task_id);
	void *arg;
};

/** Load the ACD from st and follow bus events. Borrowed arguments
 *  outlive the acd. 0, ENOMEM or a store error. */
int acd_alloc(struct acd **ap, struct store *st, struct bus *bus);

void acd_set_voice(struct acd *a, const struct acd_voice *v);

/** Queue a call. t->id is the call id. *res: ROUTER_QUEUED or
 *  ROUTER_OVERFLOW (refused at once: the caller takes the overflow
 *  action of *q). q (optional) receives the queue's settings.
 *  0, ENOENT (no such queue), EEXIST, EINVAL. */
int acd_enqueue(struct acd *a, const char *queue_id, const struct task *t,
		struct queue *q, enum router_result *res);

/* What the voice channel reports; each returns the router's answer
 * (see router.h): ESTALE on accept means hang up that agent's leg. */
int acd_offer_accept(struct acd *a, uint64_t offer_id);
int acd_offer_decline(struct acd *a, uint64_t offer_id,
		      enum router_reason why);
/** The caller hung up or the bridged call ended. 0 or ENOENT. */
int acd_task_remove(struct acd *a, const char *task_id);

/** Where a waiting task stands (for announcements). 0 or ENOENT. */
int acd_task_info(struct acd *a, const char *task_id,
		  struct router_task_info *info);

/** A queue's settings as the ACD knows them. 0 or ENOENT. */
int acd_queue_get(struct acd *a, const char *queue_id, struct queue *q);

/* REST */
int acd_queue_stats(struct acd *a, const char *queue_id,
		    struct router_queue_stats *s);
/** The stats as JSON (new reference): the body of GET
 *  /api/v1/queues/{id}/stats and the data of queue.stats. */
json_t *acd_stats_json(const char *queue_id,
		       const struct router_queue_stats *s);
int acd_wrapup_end(struct acd *a, uint64_t agent_id);
int acd_wrapup_extend(struct acd *a, uint64_t agent_id, uint32_t secs);

#endif

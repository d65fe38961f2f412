/** @file core/router/router.h  The router's private structures and the
 *  functions its files share (no I/O). Public contract: hotline/router.h.
 *
 * Objects and ownership:
 *  - struct router owns its queues (queuel), agents (agenth) and tasks
 *    (taskh); a task owns its live offers (offerl); a queue owns its
 *    memberships (memberl; the agent's list does not own them).
 *  - Every other pointer between these objects is borrowed and cleared by
 *    the destructor of the object it points to.
 *  - Each object embeds its deadline entries (struct deadline); a
 *    destructor takes them out of the heap, so nothing due can name a
 *    freed object.
 *
 * The router's view of an agent on a channel (chan_activity()): offered
 * while it holds a live offer, busy with an accepted task, wrap_up during
 * a wrap-up the router runs, otherwise the activity reported from outside
 * (router_agent_put: idle, or busy on a direct call). An agent is
 * "available" on a channel when it is logged in, ready, that activity is
 * idle, it is not cooling down after a decline or miss, and its capacity
 * on the channel is not 0. Available agents sit in the availl[ch] list of
 * every queue they belong to (struct rmember.avle[ch]): a decision only
 * looks at the available members of one queue.
 *
 * Limit: one offer or task per agent and channel, whatever capacity[ch]
 * says (right for voice; chats with capacity N get one at a time).
 */
#ifndef HOTLINE_CORE_ROUTER_ROUTER_H
#define HOTLINE_CORE_ROUTER_ROUTER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <assert.h>
/* libre headers have no include guards: the router's files get them here
 * only */
#include <re_types.h>
#include <re_fmt.h>
#include <re_mem.h>
#include <re_list.h>
#include <re_hash.h>
#include <hotline/router.h>

/* Debug builds (RH_DEBUG) assert cheap invariants on every call (no
 * effect re-entry, no offer to a busy agent channel, no second accept);
 * the full check (router_check) runs after every public mutator once a
 * test turns it on with router_debug_set(). Release builds skip both. */
#ifndef NDEBUG
#define RH_DEBUG 1
#endif

#define MS_PER_S    1000ULL
#define MS_PER_DAY  86400000ULL
#define TIER_MAX    10
#define WRAPUP_MAX_S 3600

struct router;
struct rqueue;
struct ragent;
struct rtask;
struct roffer;
struct rmember;

/* ---- deadline.c: a binary min-heap of deadlines ---- */

enum dl_kind {
	DL_OFFER = 0,   /* offer expires: ROUTER_TIMEOUT */
	DL_COOL,        /* decline/miss cooldown ends: agent available */
	DL_WRAP,        /* wrap-up ends: RELEASE */
	DL_WAKE,        /* tier escalation or sticky wait ends: mark queue */
	DL_MAXWAIT,     /* max wait: overflow */
	DL_MEMO,        /* forget an overflowed task's wrap-up */
};

/* An entry embedded in the object it belongs to */
struct deadline {
	uint64_t at;        /* due time (ms) */
	uint32_t pos;       /* 1 + index in the heap; 0 = not scheduled */
	uint8_t kind;       /* enum dl_kind */
	uint8_t ch;         /* enum agent_channel for DL_COOL / DL_WRAP */
	void *obj;          /* borrowed: the object embedding this entry */
};

struct dlheap {
	struct deadline **v;    /* owned array; entries borrowed */
	uint32_t n;             /* entries in use */
	uint32_t sz;            /* allocated slots */
	uint32_t need;          /* slots reserved by live objects */
};

void deadline_init(struct deadline *d, enum dl_kind kind, void *obj,
		   unsigned ch);
int  deadline_reserve(struct dlheap *h, uint32_t slots);
void deadline_release(struct dlheap *h, uint32_t slots);
void deadline_set(struct dlheap *h, struct deadline *d, uint64_t at);
void deadline_clear(struct dlheap *h, struct deadline *d);
struct deadline *deadline_top(const struct dlheap *h);
void deadline_heap_free(struct dlheap *h);
bool deadline_heap_valid(const struct dlheap *h);

static inline bool deadline_isset(const struct deadline *d)
{
	return d->pos != 0;
}

/* ---- objects ---- */

/* Today's counters of a queue (router_queue_stats) */
struct rstats {
	uint64_t day;                 /* UTC day (now / 86400000) counted */
	uint32_t offered, answered, abandoned, overflowed, answered_within;
	uint64_t answer_wait_ms;      /* sum over the answered */
	uint64_t abandon_wait_ms;     /* sum over the abandoned */
	uint64_t handle_ms;           /* talk + wrap-up, sum over handled */
	uint32_t handled;
};

/* The waiting tasks of one priority in one queue, oldest first */
struct band {
	struct le le;                 /* in rqueue.bandl[ch] (prio desc) */
	int32_t prio;
	uint32_t n;                   /* tasks in taskl */
	struct list taskl;            /* struct rtask (wle), not owned */
};

struct rqueue {
	struct le he;                 /* in router.queueh */
	struct le le;                 /* in router.queuel (owner) */
	struct le mle;                /* in router.markl while marked */
	struct le sle;                /* in router.statl while stats-dirty */
	struct router *r;             /* borrowed */
	struct queue q;               /* settings (copied) */
	struct list bandl[AGENT_CH_COUNT];  /* struct band per channel,
					       owned */
	struct list memberl;          /* struct rmember (qle), owned */
	struct list availl[AGENT_CH_COUNT];  /* available members (avle) */
	uint32_t nmembers, nlogged;   /* members; of which logged in */
	uint32_t nwaiting, nringing;  /* tasks; of which with live offers */
	uint32_t max_tier;            /* highest member tier (>= 1) */
	bool rr_set;                  /* round robin: last offered member */
	uint32_t rr_pos;
	uint64_t rr_agent;
	struct rstats st;
	uint64_t aht_ms;              /* last known mean handle time (ewt) */
	bool dying;                   /* being removed: no leave_empty */
};

/* The router's view of one agent on one channel */
struct rchan {
	enum agent_activity ext;      /* activity reported from outside */
	struct roffer *offer;         /* live offer (borrowed; task owns) */
	struct rtask *task;           /* accepted task (borrowed) */
	bool wrapping;                /* the router runs a wrap-up */
	struct deadline wrap;         /* its end */
	uint64_t wrap_start;
	uint64_t talk_ms;             /* of the task that led to it */
	char wrap_queue[QUEUE_ID_MAX];/* queue credited with the AHT */
	struct deadline cool;         /* set while cooling down */
	uint64_t idle_since;          /* for longest_idle */
	bool idle_set;                /* idle_since is known */
	bool avail;                   /* in availl[ch] of its queues */
};

struct ragent {
	struct le he;                 /* in router.agenth (owner) */
	struct le le;                 /* in router.agentl */
	struct router *r;             /* borrowed */
	uint64_t id;
	struct agent_skill skillv[AGENT_SKILLS_MAX];
	size_t skillc;
	uint16_t capacity[AGENT_CH_COUNT];
	enum agent_presence presence;
	enum agent_availability availability;
	struct rchan chv[AGENT_CH_COUNT];
	struct list memberl;          /* struct rmember (ale), not owned */
	uint32_t missed;              /* consecutive missed offers */
	uint32_t accepted_today;      /* least_calls, across queues */
	uint64_t accepted_day;        /* the UTC day counted */
	enum router_agent_state sstate;  /* last state shown in stats */
	bool dying;                   /* being removed: no marks, no effects */
};

struct rmember {
	struct le qle;                /* in rqueue.memberl (owner) */
	struct le ale;                /* in ragent.memberl */
	struct le avle[AGENT_CH_COUNT];  /* in rqueue.availl[ch] */
	struct rqueue *q;             /* borrowed */
	struct ragent *a;             /* borrowed */
	uint32_t tier;                /* 1..TIER_MAX */
	uint32_t position;            /* top_down / round_robin order */
};

struct rtask {
	struct le he;                 /* in router.taskh (owner) */
	struct le wle;                /* in band.taskl while waiting */
	struct le ale;                /* in router.acceptl once accepted */
	struct router *r;             /* borrowed */
	struct band *band;            /* borrowed, while waiting */
	struct rqueue *q;             /* borrowed, while waiting */
	struct task t;                /* copied */
	char queue_id[QUEUE_ID_MAX];  /* waiting in / accepted from */
	uint64_t enq_ms;              /* entered its queue */
	uint64_t seq;                 /* global enqueue order (ties) */
	uint32_t version;             /* offer rounds so far */
	struct list offerl;           /* struct roffer (tle), owned */
	struct deadline wake;         /* next tier escalation / sticky end */
	struct deadline maxwait;
	struct ragent *agent;         /* when accepted; NULL if removed */
	bool accepted;
	uint64_t accept_ms;
	uint32_t wrap_s;              /* longest wrap-up of the queues it
					 went through (see struct rmemo) */
};

/* What the router remembers of a task that overflowed, for MEMO_TTL_S:
 * if the adapter enqueues it again (overflow to another queue), its
 * wrap-up is the longest of all the queues it went through */
struct rmemo {
	struct le he;                 /* in router.memoh (owner) */
	struct router *r;             /* borrowed */
	char id[TASK_ID_MAX];
	uint32_t wrap_s;
	struct deadline dl;           /* forget at */
};

struct roffer {
	struct le he;                 /* in router.offerh */
	struct le tle;                /* in rtask.offerl (owner) */
	struct router *r;             /* borrowed */
	uint64_t id;
	uint32_t version;
	uint64_t expires;
	struct rtask *t;              /* borrowed (owner) */
	struct ragent *a;             /* borrowed; NULL once removed */
	enum agent_channel ch;
	struct deadline dl;
};

struct router {
	struct router_effects fx;     /* copied */
	struct hash *queueh;          /* struct rqueue by id */
	struct hash *agenth;          /* struct ragent by id (owner) */
	struct hash *taskh;           /* struct rtask by id (owner) */
	struct hash *offerh;          /* struct roffer by id */
	struct hash *memoh;           /* struct rmemo by task id (owner) */
	struct list queuel;           /* struct rqueue (owner) */
	struct list markl;            /* marked queues */
	struct list statl;            /* stats-dirty queues */
	struct list acceptl;          /* accepted tasks (watchdog) */
	struct list agentl;           /* every agent (watchdog, check) */
	uint32_t ntasks, noffers;     /* in taskh, in offerh */
	struct dlheap dl;
	uint64_t rng;                 /* random strategy state */
	uint64_t offer_seq, task_seq;
	struct rtask **qheap;         /* drain scratch: the next task to
					 examine of each queue and channel */
	uint32_t qheap_n, qheap_sz;
	struct rmember **candv;       /* strategy scratch: candidates */
	uint32_t cand_sz;
	bool stats_signalled;         /* stats_dirty called since take */
	uint32_t in_fx;               /* inside an effect (re-entry check) */
	bool debug;                   /* full check after each call */
	char debug_fail[160];         /* the first failed check, or "" */
};

/* Every public mutator starts with this: effects must not re-enter */
#define ROUTER_ENTER(r) assert(!(r)->in_fx)

/* ---- router.c: lookups, marks, effects ---- */

struct rqueue *rqueue_find(const struct router *r, const char *id);
struct ragent *ragent_find(const struct router *r, uint64_t id);
struct rtask  *rtask_find(const struct router *r, const char *id);
struct roffer *roffer_find(const struct router *r, uint64_t id);
struct rmember *member_find(const struct ragent *a, const struct rqueue *q);
uint32_t id_hash(uint64_t v);

void rqueue_mark(struct rqueue *q);
void rqueue_stats_mark(struct rqueue *q);
void ragent_mark_queues(struct ragent *a);
void ragent_stats_mark(struct ragent *a);
uint64_t rng_next(struct router *r);
#ifdef RH_DEBUG
void router_debug_after(struct router *r);
#else
#define router_debug_after(r) ((void)(r))
#endif

/* Effects, called with the re-entry guard up */
int  effect_offer(struct router *r, const struct roffer *o);
void effect_offer_end(struct router *r, const struct roffer *o,
		      enum router_reason why);
void effect_overflow(struct router *r, const struct rtask *t,
		 enum router_reason why);
void effect_action(struct router *r, const struct ragent *a,
	       enum agent_action act, enum agent_channel ch,
	       const char *reason);
void effect_corrected(struct router *r, uint64_t agent_id, const char *what);

/* ---- agents.c: availability and the router's view ---- */

enum agent_activity chan_activity(const struct rchan *c);
bool ragent_available(const struct ragent *a, enum agent_channel ch);
void ragent_refresh(struct ragent *a, uint64_t now);
enum router_agent_state ragent_state(const struct ragent *a);
void ragent_cooldown(struct ragent *a, enum agent_channel ch,
		     uint64_t until);
uint32_t ragent_accepted_today(const struct ragent *a, uint64_t now);

/* ---- waitq.c: a queue's waiting tasks in routing order ---- */

int  waitq_insert(struct rqueue *q, struct rtask *t);
void waitq_remove(struct rtask *t);
struct rtask *waitq_first(const struct rqueue *q, enum agent_channel ch);
struct rtask *waitq_first_any(const struct rqueue *q);
struct rtask *waitq_next(const struct rtask *t);
bool task_before(const struct rtask *a, const struct rtask *b);
uint32_t waitq_position(const struct rtask *t);

/* ---- config.c ---- */

void rmember_drop(struct rmember *m, uint64_t now);
void rqueue_tiers_update(struct rqueue *q, uint64_t now);

/* ---- tasks.c: task lifecycle ---- */

void rtask_schedule(struct rtask *t, uint64_t now);
void rmemo_expire(struct rmemo *m);
void rtask_overflow(struct rtask *t, enum router_reason why, uint64_t now);
void rqueue_overflow_all(struct rqueue *q, enum router_reason why,
			 uint64_t now);
void rqueue_logged_dec(struct rqueue *q, uint64_t now);
void rtask_wake(struct rtask *t, uint64_t now);
int  rtask_done(struct rtask *t, uint64_t now);
bool rtask_eligible_tier(const struct rtask *t, uint32_t tier,
			 uint64_t now);

/* ---- offer.c ---- */

enum offer_result { OFFER_LIVE = 0, OFFER_FAILED, OFFER_NOMEM };

enum offer_result roffer_make(struct rtask *t, struct rmember *m,
			      uint64_t now, bool new_round);
void roffer_end(struct roffer *o, enum router_reason why, uint64_t now);
void rtask_end_offers(struct rtask *t, enum router_reason why,
		      uint64_t now);
void roffer_expire(struct roffer *o, uint64_t now);
void roffer_missed(struct ragent *a, const struct rqueue *q,
		   enum agent_channel ch, uint64_t now);

/* ---- strategy.c ---- */

bool member_eligible(const struct rmember *m, const struct rtask *t,
		     uint64_t now);
uint32_t strategy_pick(struct router *r, struct rqueue *q,
		       const struct rtask *t, uint64_t now);

/* ---- match.c ---- */

void router_expire(struct router *r, uint64_t now);

/* ---- wrapup.c ---- */

void wrapup_start(struct ragent *a, enum agent_channel ch, uint32_t secs,
		  uint64_t talk_ms, const char *queue_id, uint64_t now);
void wrapup_finish(struct ragent *a, enum agent_channel ch, uint64_t now);

/* ---- stats.c ---- */

struct rstats *rqueue_stats_today(struct rqueue *q, uint64_t now);
void stats_handled(struct router *r, const char *queue_id,
		   uint64_t handle_ms, uint64_t now);

/* ---- check.c: the full invariant check (tests) ---- */

/** 0, or EPROTO with what is wrong in why[sz]. O(everything). */
int  router_check(const struct router *r, char *why, size_t sz);
/** Run router_check() after every public mutator; the first failure is
 *  kept in router_debug_fail() ("" while none). */
void router_debug_set(struct router *r, bool on);
const char *router_debug_fail(const struct router *r);

#endif

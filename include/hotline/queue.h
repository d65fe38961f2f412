/** @file hotline/queue.h  Queue configuration and membership (no I/O).
 *  Routing itself lives in core/router/ (hotline/router.h). */
#ifndef HOTLINE_QUEUE_H
#define HOTLINE_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define QUEUE_ID_MAX   64    /* bytes incl. NUL: [a-z0-9][a-z0-9_-]{0,62} */
#define QUEUE_NAME_MAX 128
#define QUEUE_PATH_MAX 256
#define QUEUE_TEXT_MAX 256

enum queue_strategy {
	QUEUE_RING_ALL = 0,
	QUEUE_ROUND_ROBIN,
	QUEUE_LONGEST_IDLE,
	QUEUE_LEAST_CALLS,
	QUEUE_RANDOM,
	QUEUE_TOP_DOWN,
	QUEUE_SKILLS,
	QUEUE_STRATEGY_COUNT
};

/* Where a task goes when it overflows (max wait, or the queue is empty) */
enum queue_overflow {
	QUEUE_OVERFLOW_HANGUP = 0,    /* speak overflow_target (if any), hang up */
	QUEUE_OVERFLOW_QUEUE,         /* join queue overflow_target */
	QUEUE_OVERFLOW_EXTENSION,     /* ring extension overflow_target */
	QUEUE_OVERFLOW_COUNT
};

struct queue {
	char id[QUEUE_ID_MAX];        /* slug chosen at creation, immutable;
					 topic "queue:<id>" */
	char name[QUEUE_NAME_MAX];    /* display name */
	enum queue_strategy strategy;
	uint32_t offer_timeout_s;     /* ring time per offer, 5..300 */
	uint32_t wrap_up_s;           /* 0..3600 */
	uint32_t max_wait_s;          /* 0 = no limit, else ..86400 */
	uint32_t service_level_s;     /* answered within this counts, 1..3600 */
	uint32_t tier_wait_s;         /* wait before trying the next tier, 0..3600 */
	uint32_t max_missed_offers;   /* then agent -> not_ready(missed); 0 = never */
	bool join_empty;              /* accept tasks when no member is logged in */
	bool leave_empty;             /* overflow waiting tasks when none is */
	uint32_t decline_delay_s;     /* no offer to an agent who declined or
					 missed for this long, 0..3600 */
	/* caller experience (media adapters; the router ignores these) */
	char moh_file[QUEUE_PATH_MAX];    /* WAV looped while waiting; "" =
					     the server's default music */
	char greeting[QUEUE_TEXT_MAX];    /* spoken once on entry; "" none */
	uint32_t announce_s;          /* position/wait announcement period,
					 0 = never, else 10..3600 */
	enum queue_overflow overflow; /* what a task does on max wait/empty */
	char overflow_target[QUEUE_TEXT_MAX]; /* queue id, extension, or the
						 message text to speak */
	uint64_t created_ms, updated_ms;
};

struct queue_member {
	char queue_id[QUEUE_ID_MAX];
	uint64_t agent_id;
	uint32_t tier;        /* 1 = first tried; 1..10 */
	uint32_t position;    /* order for top_down; lower first */
	uint64_t created_ms;
};

/** Defaults: ring_all, offer 20 s, wrap-up 10 s, no max wait, service
 *  level 20 s, tier wait 30 s, 3 missed offers, join/leave empty off,
 *  no decline delay, default music, no greeting or announcements,
 *  overflow = hang up. */
void queue_init(struct queue *q);

const char *queue_strategy_name(enum queue_strategy s);
const char *queue_overflow_name(enum queue_overflow o);
int queue_overflow_parse(const char *s, enum queue_overflow *op); /* 0|EINVAL */
int queue_strategy_parse(const char *s, enum queue_strategy *sp); /* 0|EINVAL */
bool queue_id_valid(const char *id);

#endif

/** @file core/queue.c  Queue defaults, strategy names, id validation (no I/O) */
#include <errno.h>
#include <string.h>
#include <hotline/queue.h>

static const char *strategy_names[QUEUE_STRATEGY_COUNT] = {
	[QUEUE_RING_ALL]     = "ring_all",
	[QUEUE_ROUND_ROBIN]  = "round_robin",
	[QUEUE_LONGEST_IDLE] = "longest_idle",
	[QUEUE_LEAST_CALLS]  = "least_calls",
	[QUEUE_RANDOM]       = "random",
	[QUEUE_TOP_DOWN]     = "top_down",
	[QUEUE_SKILLS]       = "skills",
};

static const char *overflow_names[QUEUE_OVERFLOW_COUNT] = {
	[QUEUE_OVERFLOW_HANGUP]    = "hangup",
	[QUEUE_OVERFLOW_QUEUE]     = "queue",
	[QUEUE_OVERFLOW_EXTENSION] = "extension",
};


/**
 * Defaults for a new queue: empty id and name, ring_all, offer 20 s,
 * wrap-up 10 s, no max wait, service level 20 s, tier wait 30 s,
 * 3 missed offers, join/leave empty off, timestamps 0.
 */
void queue_init(struct queue *q)
{
	if (!q)
		return;

	memset(q, 0, sizeof(*q));
	q->strategy          = QUEUE_RING_ALL;
	q->offer_timeout_s   = 20;
	q->wrap_up_s         = 10;
	q->max_wait_s        = 0;
	q->service_level_s   = 20;
	q->tier_wait_s       = 30;
	q->max_missed_offers = 3;
}


/** Strategy name on the wire; "?" when out of range. */
const char *queue_strategy_name(enum queue_strategy s)
{
	return (unsigned)s < QUEUE_STRATEGY_COUNT ? strategy_names[s] : "?";
}


/** Parse an exact, lower-case strategy name: 0, or EINVAL (*sp untouched). */
int queue_strategy_parse(const char *s, enum queue_strategy *sp)
{
	if (!s || !sp)
		return EINVAL;

	for (int i = 0; i < QUEUE_STRATEGY_COUNT; i++) {
		if (!strcmp(strategy_names[i], s)) {
			*sp = (enum queue_strategy)i;
			return 0;
		}
	}

	return EINVAL;
}


/** Queue id (a slug used in topics and URLs): [a-z0-9][a-z0-9_-]{0,62} */
bool queue_id_valid(const char *id)
{
	static const char first[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	static const char rest[]  = "abcdefghijklmnopqrstuvwxyz0123456789_-";
	size_t n;

	if (!id || !id[0] || !strchr(first, id[0]))
		return false;

	n = 1 + strspn(id + 1, rest);

	return id[n] == '\0' && n < QUEUE_ID_MAX;
}


const char *queue_overflow_name(enum queue_overflow o)
{
	return (unsigned)o < QUEUE_OVERFLOW_COUNT ? overflow_names[o] : "?";
}


/** Parse an overflow action name: 0, or EINVAL (*op untouched). */
int queue_overflow_parse(const char *s, enum queue_overflow *op)
{
	if (!s || !op)
		return EINVAL;

	for (int i = 0; i < QUEUE_OVERFLOW_COUNT; i++) {
		if (!strcmp(overflow_names[i], s)) {
			*op = (enum queue_overflow)i;
			return 0;
		}
	}

	return EINVAL;
}

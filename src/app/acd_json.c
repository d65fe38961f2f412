/** @file app/acd_json.c  A queue's live statistics as JSON (the body of
 *  GET /api/v1/queues/{id}/stats and the data of queue.stats) */
#include <jansson.h>
#include <hotline/acd.h>

/* {"logged_out": n, ..., "wrap_up": n}, keys in enum order */
static json_t *agents_json(const struct router_queue_stats *s)
{
	json_t *o = json_object();

	for (int i = 0; o && i < ROUTER_AG_COUNT; i++) {
		if (json_object_set_new(o, router_agent_state_name(
				(enum router_agent_state)i),
				json_integer(s->agents[i]))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* The counters of the current UTC day; sl: the service level to show */
static json_t *today_json(const struct router_queue_stats *s, double sl)
{
	return json_pack("{s:i,s:i,s:i,s:i,s:i,s:f,s:I,s:I,s:I}",
			 "offered", (int)s->offered,
			 "answered", (int)s->answered,
			 "abandoned", (int)s->abandoned,
			 "overflowed", (int)s->overflowed,
			 "answered_within_sl", (int)s->answered_within,
			 "service_level", sl,
			 "asa_ms", (json_int_t)s->asa_ms,
			 "aht_ms", (json_int_t)s->aht_ms,
			 "abandoned_wait_ms", (json_int_t)s->abandoned_wait_ms);
}

/**
 * The statistics s of queue queue_id as JSON:
 * {"queue_id","waiting","ringing","longest_wait_ms",
 *  "agents":{"logged_out","not_ready","idle","offered","busy","wrap_up"},
 *  "today":{"offered","answered","abandoned","overflowed",
 *           "answered_within_sl","service_level","asa_ms","aht_ms",
 *           "abandoned_wait_ms"}}.
 * service_level is a number in 0..1 (clamped: 1 when nothing was
 * answered or abandoned yet, as the router defines it).
 *
 * @return A new reference; NULL on ENOMEM or bad arguments.
 */
json_t *acd_stats_json(const char *queue_id,
		       const struct router_queue_stats *s)
{
	json_t *agents, *today;
	double sl;

	if (!queue_id || !s)
		return NULL;

	sl = s->service_level;
	if (!(sl >= 0.0))          /* also NaN */
		sl = 0.0;
	else if (sl > 1.0)
		sl = 1.0;

	agents = agents_json(s);
	today = today_json(s, sl);
	if (!agents || !today) {
		json_decref(agents);
		json_decref(today);
		return NULL;
	}

	return json_pack("{s:s,s:i,s:i,s:I,s:o,s:o}",
			 "queue_id", queue_id,
			 "waiting", (int)s->waiting,
			 "ringing", (int)s->ringing,
			 "longest_wait_ms", (json_int_t)s->longest_wait_ms,
			 "agents", agents, "today", today);
}

/** @file api/rest_acd.c  The ACD's endpoints: live queue statistics and
 *  an agent's wrap-up (end it now, or extend it) */
#include <errno.h>
#include <string.h>
#include <hotline/libre.h>
#include <hotline/acd.h>
#include <hotline/agent.h>
#include <hotline/bus.h>
#include <hotline/log.h>
#include <hotline/store.h>
#include "rest.h"

#define WRAPUP_EXTEND_MAX 3600   /* seconds, as router_wrapup_extend() */

static const struct jdec_field wrapup_fields[] = {
	{"action",  JDEC_STRING, true,  1, 16, 0, 0},
	{"seconds", JDEC_INT,    false, 0, 0, 1, WRAPUP_EXTEND_MAX},
};

/* 503 acd_disabled when the daemon runs without the ACD; true if that
 * reply was sent */
static bool acd_off(struct rest_req *r)
{
	if (r->api->acd)
		return false;
	rest_error(r, 503, "acd_disabled", NULL,
		   "the ACD is not running on this server");
	return true;
}

/* GET /api/v1/queues/{id}/stats: 404 for an unknown queue (also with the
 * ACD off), else the ACD's live figures */
static void queue_stats(struct rest_req *r)
{
	struct router_queue_stats s;
	struct queue q;
	json_t *body;
	int err;

	err = store_queue_get(r->api->st, r->paramv[0], &q);
	if (err) {
		rest_error_store(r, err, "queue", "conflict");
		return;
	}
	if (acd_off(r))
		return;

	memset(&s, 0, sizeof(s));
	err = acd_queue_stats(r->api->acd, q.id, &s);
	if (err == ENOENT) {   /* deleted in between */
		rest_error(r, 404, "not_found", NULL, "queue not found");
		return;
	}
	body = err ? NULL : acd_stats_json(q.id, &s);
	if (!body) {
		log_error("api: queue %s: stats failed (%m)\n", q.id,
			  err ? err : ENOMEM);
		rest_error(r, 500, "internal", NULL, "stats failed");
		return;
	}
	rest_reply_json(r, 200, body, NULL);
}

/* The body of a wrap-up request: action end, or extend with seconds.
 * 0 (*secs 0 for end), or EPROTO after the reply. */
static int wrapup_body(struct rest_req *r, uint32_t *secs)
{
	const char *action;
	json_t *obj, *sv;
	int err = 0;

	if (rest_body(r, wrapup_fields, ARRAY_SIZE(wrapup_fields), false,
		      false, &obj))
		return EPROTO;
	action = json_string_value(json_object_get(obj, "action"));
	sv = json_object_get(obj, "seconds");
	*secs = sv ? (uint32_t)json_integer_value(sv) : 0;

	if (!strcmp(action, "extend") && !sv) {
		rest_error(r, 400, "missing_field", "seconds",
			   "extend needs seconds (1..%d)", WRAPUP_EXTEND_MAX);
		err = EPROTO;
	}
	else if (!strcmp(action, "end") && sv) {
		rest_error(r, 422, "invalid_value", "seconds",
			   "seconds only goes with extend");
		err = EPROTO;
	}
	else if (strcmp(action, "end") && strcmp(action, "extend")) {
		rest_error(r, 422, "invalid_value", "action",
			   "action must be end or extend");
		err = EPROTO;
	}

	json_decref(obj);
	return err;
}

/* The one errno -> HTTP table of the wrap-up calls */
static void wrapup_error(struct rest_req *r, int err, uint64_t agent_id)
{
	unsigned long long id = agent_id;

	switch (err) {
	case EALREADY:
	case ENOENT:     /* an agent the router does not route to */
		rest_error(r, 409, "not_in_wrap_up", NULL,
			   "agent %llu is not in wrap-up", id);
		break;
	case EINVAL:
		rest_error(r, 422, "invalid_value", "seconds",
			   "wrap-up cannot be extended that far");
		break;
	default:
		log_error("api: agent %llu: wrap-up failed (%m)\n", id, err);
		rest_error(r, 500, "internal", NULL, "wrap-up failed");
		break;
	}
}

/* POST /api/v1/agents/{id}/wrap_up {"action":"end"} or
 * {"action":"extend","seconds":N}: 200 with the agent after the change
 * (its agent.state_changed is durable by then); 409 not_in_wrap_up. The
 * body is checked before the ACD is asked, so a bad body is 400/422
 * even with the ACD off. */
static void agent_wrapup(struct rest_req *r)
{
	struct agent a;
	uint32_t secs;
	uint64_t id;
	int err;

	if (rest_param_id(r, 0, &id))
		return;
	err = store_agent_get(r->api->st, id, &a);
	if (err) {
		rest_error_store(r, err, "agent", "conflict");
		return;
	}
	if (wrapup_body(r, &secs) || acd_off(r))
		return;

	err = secs ? acd_wrapup_extend(r->api->acd, id, secs) :
		     acd_wrapup_end(r->api->acd, id);
	if (err) {
		wrapup_error(r, err, id);
		return;
	}
	(void)bus_flush(r->api->bus);   /* durable before the reply */
	err = store_agent_get(r->api->st, id, &a);
	if (err) {
		rest_error_store(r, err, "agent", "conflict");
		return;
	}
	rest_reply_json(r, 200, rest_agent_json(r, &a), NULL);
}

const struct rest_route rest_acd_routes[] = {
	{"GET",  "/api/v1/queues/{id}/stats", queue_stats, false},
	{"POST", "/api/v1/agents/{id}/wrap_up", agent_wrapup, false},
	{NULL, NULL, NULL, false}
};

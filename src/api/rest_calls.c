/** @file api/rest_calls.c  /api/v1/calls: call records, their flow
 *  traces, click-to-call and hangup through the telephony hooks */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <hotline/libre.h>
#include <hotline/agent.h>
#include <hotline/bus.h>
#include <hotline/call.h>
#include <hotline/log.h>
#include <hotline/store.h>
#include <hotline/trunk.h>
#include "rest.h"

static const struct jdec_field originate_fields[] = {
	{"agent_id", JDEC_INT,    true, 0, 0, 1, INT64_MAX},
	{"to",       JDEC_STRING, true, 1, CALL_PARTY_MAX - 1, 0, 0},
};

/* 503 sip_disabled when the hook is missing (the daemon runs without
 * SIP); true if that reply was sent */
static bool sip_off(struct rest_req *r, bool have_hook)
{
	if (have_hook)
		return false;
	rest_error(r, 503, "sip_disabled", NULL,
		   "telephony is off: start the daemon with SIP listening "
		   "(--sip or sip_listen)");
	return true;
}

/* Path parameter 0 as a call id; 404 (reply sent) when it cannot be one */
static int param_call_id(struct rest_req *r)
{
	if (strlen(r->paramv[0]) < CALL_ID_MAX)
		return 0;
	rest_error(r, 404, "not_found", NULL, "call not found");
	return ENOENT;
}

/* A filter value that is not one of its names */
static int bad_filter(struct rest_req *r, const char *name, const char *want)
{
	rest_error(r, 400, "invalid_query", name, "%s must be %s", name,
		   want);
	return EPROTO;
}

/* state=<call state>|active, direction=<direction> */
static int filter_enums(struct rest_req *r, struct store_call_filter *f)
{
	enum call_direction dir;
	enum call_state cs;
	char val[32];
	int err;

	err = rest_query(r, "state", val, sizeof(val));
	if (err == EPROTO)
		return err;
	if (!err && !strcmp(val, "active"))
		f->active = true;
	else if (!err && call_state_parse(val, &cs))
		return bad_filter(r, "state", "created, ringing, answered, "
				  "held, ended or active");
	else if (!err)
		f->state = cs;

	err = rest_query(r, "direction", val, sizeof(val));
	if (err == EPROTO)
		return err;
	if (!err && call_direction_parse(val, &dir))
		return bad_filter(r, "direction",
				  "inbound, outbound or internal");
	if (!err)
		f->direction = dir;
	return 0;
}

/* agent_id=<id>, did=<number>, trunk_id=<id>, queue_id=<id> */
static int filter_ids(struct rest_req *r, struct store_call_filter *f)
{
	char val[24], *end;
	int err;

	err = rest_query(r, "agent_id", val, sizeof(val));
	if (err == EPROTO)
		return err;
	if (!err) {
		errno = 0;
		f->agent_id = strtoull(val, &end, 10);
		if (errno || *end || val[0] < '1' || val[0] > '9')
			return bad_filter(r, "agent_id",
					  "a positive integer");
	}
	err = rest_query(r, "did", f->did, sizeof(f->did));
	if (err == EPROTO)
		return err;
	err = rest_query(r, "trunk_id", f->trunk_id, sizeof(f->trunk_id));
	if (err == EPROTO)
		return err;
	err = rest_query(r, "queue_id", f->queue_id, sizeof(f->queue_id));
	return err == EPROTO ? err : 0;
}

/* since=, until=: RFC 3339, created_at in [since, until) */
static int filter_times(struct rest_req *r, struct store_call_filter *f)
{
	int err;

	err = rest_query_time(r, "since", &f->since_ms);
	if (err == EPROTO)
		return err;
	err = rest_query_time(r, "until", &f->until_ms);
	if (err == EPROTO)
		return err;
	/* until 0 would mean "no bound": the epoch itself selects nothing
	 * and [since, 1) does the same */
	if (!err && !f->until_ms)
		f->until_ms = 1;
	return 0;
}

struct list_ctx {
	struct rest_page_ctx pc;
	uint64_t now_ms;
};

static int list_call(const struct call_record *c, void *arg)
{
	struct list_ctx *lc = arg;
	char cursor[24];

	re_snprintf(cursor, sizeof(cursor), "%llu",
		    (unsigned long long)c->cursor);
	return rest_page_add(&lc->pc, call_json(c, lc->now_ms), cursor);
}

/* The cursor of a page: the store's cursor of its last call, "" = 0 */
static int page_before(struct rest_req *r, const char *cursor,
		       uint64_t *before)
{
	char *end;

	*before = 0;
	if (!cursor[0])
		return 0;
	errno = 0;
	*before = strtoull(cursor, &end, 10);
	if (errno || *end || cursor[0] < '1' || cursor[0] > '9') {
		rest_error(r, 400, "invalid_query", "cursor",
			   "cursor is not one this server gave");
		return EPROTO;
	}
	return 0;
}

static void calls_list(struct rest_req *r)
{
	struct store_call_filter f = {.state = -1, .direction = -1};
	struct list_ctx lc = {.pc = {.items = json_array()},
			      .now_ms = clock_now_ms()};
	char cursor[32];
	uint64_t before;
	int err;

	if (rest_page(r, &lc.pc.limit, cursor, sizeof(cursor)) ||
	    page_before(r, cursor, &before) || filter_enums(r, &f) ||
	    filter_ids(r, &f) || filter_times(r, &f)) {
		json_decref(lc.pc.items);
		return;
	}
	rest_records_settle(r);
	err = store_call_list(r->api->st, &f, before, lc.pc.limit + 1,
			      list_call, &lc);
	rest_page_reply(r, &lc.pc, err, "calls");
}

/* The call of the path's {id}, up to date; false when a reply (400,
 * 404, 500) was sent instead */
static bool call_load(struct rest_req *r, struct call_record *c)
{
	int err;

	if (param_call_id(r))
		return false;
	rest_records_settle(r);
	err = store_call_get(r->api->st, r->paramv[0], c);
	if (err) {
		rest_error_store(r, err, "call", "conflict");
		return false;
	}
	return true;
}

static void calls_get(struct rest_req *r)
{
	struct call_record c;

	if (call_load(r, &c))
		rest_reply_json(r, 200, call_json(&c, clock_now_ms()), NULL);
}

/* The one errno -> HTTP table of click-to-call */
static void originate_error(struct rest_req *r, int err, uint64_t agent_id,
			    const char *to)
{
	unsigned long long id = agent_id;

	switch (err) {
	case ENOENT:
		rest_error(r, 404, "agent_not_found", "agent_id",
			   "agent %llu not found", id);
		break;
	case ENOTCONN:
		rest_error(r, 409, "agent_not_registered", "agent_id",
			   "agent %llu has no registered phone", id);
		break;
	case EBUSY:
		rest_error(r, 409, "agent_busy", "agent_id",
			   "agent %llu is on a call", id);
		break;
	case EINVAL:
		rest_error(r, 422, "invalid_value", "to",
			   "\"%s\" cannot be dialled", to);
		break;
	case EHOSTUNREACH:
		rest_error(r, 422, "no_route", "to",
			   "no extension, and no enabled trunk takes \"%s\"",
			   to);
		break;
	case EAGAIN:
		rest_error(r, 503, "call_limit", NULL,
			   "the concurrent call limit is reached");
		break;
	default:
		log_error("api: call from agent %llu: originate failed (%m)\n",
			  id, err);
		rest_error(r, 500, "internal", NULL, "the call failed");
		break;
	}
}

/* Reply 201 with the new call as the store has it */
static void reply_created(struct rest_req *r, const char *id)
{
	struct call_record c;
	char loc[64];
	int err;

	rest_records_settle(r);
	err = store_call_get(r->api->st, id, &c);
	if (err) {
		log_error("api: call %s: not readable after originate (%m)\n",
			  id, err);
		rest_error(r, 500, "internal", NULL, "storage error");
		return;
	}
	re_snprintf(loc, sizeof(loc), "/api/v1/calls/%s", c.id);
	rest_reply_json(r, 201, call_json(&c, clock_now_ms()), loc);
}

/* POST /api/v1/calls {agent_id, to}: ring the agent's phones, then dial
 * to (an extension or a number) and bridge. The body is checked before
 * telephony is asked, so a bad body is 400/422 even with SIP off. */
static void calls_create(struct rest_req *r)
{
	const struct api_telephony *tel = &r->api->tel;
	char id[CALL_ID_MAX] = "", to[CALL_PARTY_MAX];
	uint64_t agent_id;
	json_t *obj;
	int err;

	if (rest_body(r, originate_fields, ARRAY_SIZE(originate_fields),
		      false, false, &obj))
		return;
	agent_id = (uint64_t)json_integer_value(json_object_get(obj,
								"agent_id"));
	str_ncpy(to, json_string_value(json_object_get(obj, "to")),
		 sizeof(to));
	json_decref(obj);
	if (!agent_extension_valid(to) && !trunk_number_valid(to)) {
		rest_error(r, 422, "invalid_value", "to", "to must be an "
			   "extension ([0-9A-Za-z_.+-]{1,31}) or a number "
			   "([0-9+*#]{1,63})");
		return;
	}
	if (sip_off(r, tel->originate != NULL))
		return;

	err = tel->originate(tel->arg, agent_id, to, id);
	if (err) {
		originate_error(r, err, agent_id, to);
		return;
	}
	reply_created(r, id);
}

/* POST /api/v1/calls/{id}/hangup: 202, then call.ended follows */
static void calls_hangup(struct rest_req *r)
{
	const struct api_telephony *tel = &r->api->tel;
	struct call_record c;
	int err;

	if (sip_off(r, tel->hangup != NULL) || param_call_id(r))
		return;
	err = tel->hangup(tel->arg, r->paramv[0]);
	if (!err) {
		rest_reply_empty(r, 202);
		return;
	}
	if (err != ENOENT) {
		log_error("api: call %s: hangup failed (%m)\n", r->paramv[0],
			  err);
		rest_error(r, 500, "internal", NULL, "hangup failed");
		return;
	}
	rest_records_settle(r);
	if (store_call_get(r->api->st, r->paramv[0], &c))
		rest_error(r, 404, "not_found", NULL, "call not found");
	else
		rest_error(r, 404, "call_not_live", NULL,
			   "call %s has ended", c.id);
}

/* The input a step saw: the JSON object it was stored as; text that is
 * not one (cut short, say) is kept under "raw" */
static json_t *trace_input(const char *text)
{
	json_t *o = json_loads(text, 0, NULL);

	if (json_is_object(o))
		return o;
	json_decref(o);
	o = json_string(text);
	return o ? json_pack("{s:o}", "raw", o) : json_object();
}

static int trace_step(const struct store_trace *t, void *arg)
{
	json_t *step;

	step = json_pack("{s:I,s:s,s:s,s:o,s:s,s:o,s:o,s:o,s:I}",
			 "seq", (json_int_t)t->seq, "step", t->step_id,
			 "action", t->action, "input", trace_input(t->input),
			 "result", t->result,
			 "next", t->next[0] ? json_string(t->next) :
					      json_null(),
			 "started_at", rest_time_json(t->started_ms),
			 "ended_at", rest_time_json(t->ended_ms),
			 "duration_ms", (json_int_t)(t->ended_ms >
				t->started_ms ? t->ended_ms - t->started_ms :
				0));
	return json_array_append_new(arg, step) ? ENOMEM : 0;
}

/* GET /api/v1/calls/{id}/trace: the steps its flow ran, in order ([]
 * for a call that ran none) */
static void calls_trace(struct rest_req *r)
{
	struct call_record c;
	json_t *steps;
	int err;

	if (!call_load(r, &c))
		return;
	steps = json_array();
	err = store_trace_list(r->api->st, c.id, trace_step, steps);
	if (err) {
		json_decref(steps);
		rest_error_store(r, err, "trace", "conflict");
		return;
	}
	rest_reply_json(r, 200, json_pack("{s:s,s:o,s:o,s:o}", "call_id",
			c.id, "flow_id", c.flow_id[0] ?
			json_string(c.flow_id) : json_null(),
			"flow_version", c.flow_version ?
			json_integer(c.flow_version) : json_null(),
			"steps", steps), NULL);
}

const struct rest_route rest_call_routes[] = {
	{"GET",  "/api/v1/calls", calls_list, false},
	{"POST", "/api/v1/calls", calls_create, false},
	{"GET",  "/api/v1/calls/{id}", calls_get, false},
	{"POST", "/api/v1/calls/{id}/hangup", calls_hangup, false},
	{"GET",  "/api/v1/calls/{id}/trace", calls_trace, false},
	{NULL, NULL, NULL, false}
};

/** @file api/rest_agents.c  /api/v1/agents: CRUD, state actions, activities */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <hotline/libre.h>
#include <hotline/agent.h>
#include <hotline/agent_json.h>
#include <hotline/agent_ops.h>
#include <hotline/bus.h>
#include <hotline/config.h>
#include <hotline/event.h>
#include <hotline/store.h>
#include "rest.h"

static const struct jdec_field create_fields[] = {
	{"name",      JDEC_STRING, true,  1, AGENT_NAME_MAX - 1, 0, 0},
	{"extension", JDEC_STRING, true,  1, AGENT_EXT_MAX - 1, 0, 0},
	{"password",  JDEC_STRING, true,  8, 128, 0, 0},
	{"skills",    JDEC_OBJECT, false, 0, AGENT_SKILLS_MAX, 0, 0},
	{"capacity",  JDEC_OBJECT, false, 0, 0, 0, 0},
};

static const struct jdec_field state_fields[] = {
	{"action", JDEC_STRING, true,  1, 16, 0, 0},
	{"reason", JDEC_STRING, false, 1, AGENT_REASON_MAX - 1, 0, 0},
};

/* Live SIP registrations of one agent, gathered from the store */
struct regs {
	json_t *items;
	uint64_t now_ms;
};

static int add_registration(const struct registration *g, void *arg)
{
	struct regs *rg = arg;

	if (g->expires_ms <= rg->now_ms)   /* expired, not yet purged */
		return 0;
	return json_array_append_new(rg->items, json_pack(
		"{s:s,s:s,s:s,s:s,s:o}", "contact", g->contact,
		"source", g->source, "transport", g->transport,
		"user_agent", g->user_agent,
		"expires_at", rest_time_json(g->expires_ms))) ? ENOMEM : 0;
}

/* The live registrations of agent id as a JSON array; NULL on a store
 * error (logged by the store) or ENOMEM. */
static json_t *registrations_json(struct rest_req *r, uint64_t id)
{
	struct regs rg = {.items = json_array(), .now_ms = clock_now_ms()};

	if (!rg.items || store_registration_list(r->api->st, id,
						 add_registration, &rg)) {
		json_decref(rg.items);
		return NULL;
	}
	return rg.items;
}

/**
 * The agent as REST replies and agent.created/updated events show it: the
 * core representation (agent_json) plus "registrations" (the phones
 * registered now) and "registered". One indexed store query per agent,
 * so a page of the list costs one query per agent on the page.
 * NULL on a store error or ENOMEM.
 */
json_t *rest_agent_json(struct rest_req *r, const struct agent *a)
{
	json_t *o = agent_json(a), *regs = registrations_json(r, a->id);

	if (!o || !regs) {
		json_decref(o);
		json_decref(regs);
		return NULL;
	}
	json_object_set_new(o, "registrations", regs);
	json_object_set_new(o, "registered",
			    json_boolean(json_array_size(regs) > 0));
	return o;
}

static void agent_topic(char *buf, size_t sz, uint64_t id)
{
	re_snprintf(buf, sz, "agent:%llu", (unsigned long long)id);
}

static void publish_agent(struct rest_req *r, const char *type,
			  const struct agent *a, uint64_t at_ms, json_t *data)
{
	char topic[EVENT_TOPIC_MAX];
	const char *topicv[] = {topic};

	agent_topic(topic, sizeof(topic), a->id);
	rest_publish(r, type, topicv, 1, at_ms, data);
}

/* skills: {"name": level, ...}; replaces the agent's whole set */
static int decode_skills(json_t *obj, struct agent *a, struct jdec_error *e)
{
	const char *name;
	json_t *v;

	a->skillc = 0;
	if (json_object_size(obj) > AGENT_SKILLS_MAX)
		return jdec_fail(e, 422, "invalid_value", "skills",
				 "at most %d skills", AGENT_SKILLS_MAX);
	json_object_foreach(obj, name, v) {
		if (!json_is_integer(v))
			return jdec_fail(e, 400, "invalid_type", "skills",
					 "skill \"%s\" level must be an "
					 "integer", name);
		if (!agent_skill_name_valid(name))
			return jdec_fail(e, 422, "invalid_value", "skills",
					 "skill names are 1..31 of "
					 "[a-z0-9_.-], got \"%s\"", name);
		if (json_integer_value(v) < 1 ||
		    json_integer_value(v) > AGENT_SKILL_LEVEL_MAX)
			return jdec_fail(e, 422, "invalid_value", "skills",
					 "skill \"%s\" level must be in "
					 "1..%d", name, AGENT_SKILL_LEVEL_MAX);
		str_ncpy(a->skillv[a->skillc].name, name, AGENT_SKILL_MAX);
		a->skillv[a->skillc++].level = (uint8_t)json_integer_value(v);
	}
	return 0;
}

/* capacity: {"voice": n, "chat": n, "email": n}, any subset */
static int decode_capacity(json_t *obj, struct agent *a,
			   struct jdec_error *e)
{
	enum agent_channel ch;
	const char *name;
	json_t *v;

	json_object_foreach(obj, name, v) {
		if (agent_channel_parse(name, &ch))
			return jdec_fail(e, 400, "unknown_field", "capacity",
					 "unknown channel \"%s\" in capacity"
					 " (voice, chat, email)", name);
		if (!json_is_integer(v))
			return jdec_fail(e, 400, "invalid_type", "capacity",
					 "capacity.%s must be an integer",
					 name);
		if (json_integer_value(v) < 0 ||
		    json_integer_value(v) > AGENT_CAPACITY_MAX)
			return jdec_fail(e, 422, "invalid_value", "capacity",
					 "capacity.%s must be in 0..%d", name,
					 AGENT_CAPACITY_MAX);
		a->capacity[ch] = (uint16_t)json_integer_value(v);
	}
	return 0;
}

/* Apply the fields present in obj to a. Returns 0 or EPROTO (*e set). */
static int decode_agent(json_t *obj, struct agent *a, bool creating,
			const char *realm, struct jdec_error *e)
{
	const char *name = json_string_value(json_object_get(obj, "name"));
	const char *ext = json_string_value(json_object_get(obj, "extension"));
	const char *pw = json_string_value(json_object_get(obj, "password"));
	json_t *skills = json_object_get(obj, "skills");
	json_t *cap = json_object_get(obj, "capacity");

	if (ext && !agent_extension_valid(ext))
		return jdec_fail(e, 422, "invalid_value", "extension",
				 "extension must be 1..31 of "
				 "[0-9A-Za-z_.+-]");
	if (!creating && ext && strcmp(ext, a->extension) && !pw)
		return jdec_fail(e, 422, "password_required", "password",
				 "changing the extension needs the password"
				 " too: the SIP credentials depend on both");
	if (skills && decode_skills(skills, a, e))
		return EPROTO;
	if (cap && decode_capacity(cap, a, e))
		return EPROTO;
	if (name)
		str_ncpy(a->name, name, sizeof(a->name));
	if (ext)
		str_ncpy(a->extension, ext, sizeof(a->extension));
	if (pw)
		agent_ha1(a->ha1, a->extension, realm, pw);
	return 0;
}

/* Reply to a failed create or update of a. */
static void reply_write_error(struct rest_req *r, int err,
			      const struct agent *a)
{
	if (err == EEXIST)
		rest_error(r, 409, "extension_taken", "extension",
			   "extension %s belongs to another agent",
			   a->extension);
	else
		rest_error_store(r, err, "agent", "conflict");
}

/* Publish type with the agent's representation as data, then reply with
 * the same representation. The write is done: should the registrations
 * not be readable, the event still goes out (without them) and the reply
 * is a 500. */
static void publish_and_reply(struct rest_req *r, const char *type,
			      const struct agent *a, uint64_t at_ms,
			      uint16_t status, const char *location)
{
	json_t *rep = rest_agent_json(r, a);

	if (!rep) {
		publish_agent(r, type, a, at_ms, agent_json(a));
		rest_error(r, 500, "internal", NULL, "storage error");
		return;
	}
	publish_agent(r, type, a, at_ms, json_incref(rep));
	rest_reply_json(r, status, rep, location);
}

static void agents_create(struct rest_req *r)
{
	struct jdec_error e;
	struct agent a;
	char loc[64];
	json_t *obj;
	int err;

	if (rest_body(r, create_fields, ARRAY_SIZE(create_fields), false,
		      false, &obj))
		return;
	agent_init(&a);
	err = decode_agent(obj, &a, true, r->api->cfg->sip_realm, &e);
	json_decref(obj);
	if (err) {
		rest_error_jdec(r, &e);
		return;
	}
	a.created_ms = a.updated_ms = a.st.status_since_ms = clock_now_ms();

	err = store_agent_create(r->api->st, &a);
	if (err) {
		reply_write_error(r, err, &a);
		return;
	}
	re_snprintf(loc, sizeof(loc), "/api/v1/agents/%llu",
		    (unsigned long long)a.id);
	publish_and_reply(r, EV_AGENT_CREATED, &a, a.created_ms, 201, loc);
}

struct list_ctx {
	struct rest_page_ctx pc;
	struct rest_req *r;
};

static int list_agent(const struct agent *a, void *arg)
{
	struct list_ctx *lc = arg;
	char cursor[24];
	json_t *rep;

	if (lc->pc.n == lc->pc.limit)   /* the extra row: no query for it */
		return REST_PAGE_MORE;
	rep = rest_agent_json(lc->r, a);
	if (!rep)
		return EIO;
	re_snprintf(cursor, sizeof(cursor), "%llu", (unsigned long long)a->id);
	return rest_page_add(&lc->pc, rep, cursor);
}

static int cursor_id(struct rest_req *r, const char *cursor, uint64_t *id)
{
	char *end;

	*id = 0;
	if (!cursor[0])
		return 0;
	*id = strtoull(cursor, &end, 10);
	if (*end || cursor[0] < '0' || cursor[0] > '9') {
		rest_error(r, 400, "invalid_query", "cursor",
			   "cursor is not one this server gave");
		return EPROTO;
	}
	return 0;
}

static void agents_list(struct rest_req *r)
{
	struct list_ctx lc = {.pc = {.items = json_array()}, .r = r};
	char cursor[32];
	uint64_t after;
	int err;

	if (rest_page(r, &lc.pc.limit, cursor, sizeof(cursor)) ||
	    cursor_id(r, cursor, &after)) {
		json_decref(lc.pc.items);
		return;
	}
	err = store_agent_list(r->api->st, after, lc.pc.limit + 1,
			       list_agent, &lc);
	rest_page_reply(r, &lc.pc, err, "agents");
}

/* Load path parameter 0 as an agent; replies 404 when there is none. */
static int load_agent(struct rest_req *r, struct agent *a)
{
	uint64_t id;
	int err;

	if (rest_param_id(r, 0, &id))
		return ENOENT;
	err = store_agent_get(r->api->st, id, a);
	if (err)
		rest_error_store(r, err, "agent", "conflict");
	return err;
}

static void agents_get(struct rest_req *r)
{
	struct agent a;

	if (!load_agent(r, &a))
		rest_reply_json(r, 200, rest_agent_json(r, &a), NULL);
}

static void agents_patch(struct rest_req *r)
{
	struct jdec_error e;
	struct agent a;
	json_t *obj;
	int err;

	if (load_agent(r, &a))
		return;
	if (rest_body(r, create_fields, ARRAY_SIZE(create_fields), true,
		      false, &obj))
		return;
	err = decode_agent(obj, &a, false, r->api->cfg->sip_realm, &e);
	json_decref(obj);
	if (err) {
		rest_error_jdec(r, &e);
		return;
	}
	a.updated_ms = clock_now_ms();
	err = store_agent_update(r->api->st, &a);
	if (err) {
		reply_write_error(r, err, &a);
		return;
	}
	publish_and_reply(r, EV_AGENT_UPDATED, &a, a.updated_ms, 200, NULL);
}

/* After a delete (which cascades to the bindings): agent.unregistered
 * with reason "deleted" for each phone that was registered (regs stolen),
 * so desks and wallboards see the phones go. */
static void registrations_removed(struct rest_req *r, const struct agent *a,
				  json_t *regs)
{
	uint64_t now = clock_now_ms();
	json_t *g;
	size_t i;

	json_array_foreach(regs, i, g) {
		publish_agent(r, EV_AGENT_UNREGISTERED, a, now, json_pack(
			"{s:I,s:O,s:s}", "agent_id", (json_int_t)a->id,
			"contact", json_object_get(g, "contact"),
			"reason", "deleted"));
	}
	json_decref(regs);
}

static void agents_delete(struct rest_req *r)
{
	json_t *members, *regs;
	struct agent a;
	int err;

	if (load_agent(r, &a))
		return;
	if (a.st.presence == AGENT_LOGGED_IN) {
		rest_error(r, 409, "agent_logged_in", NULL,
			   "agent %llu is logged in: log it out first",
			   (unsigned long long)a.id);
		return;
	}
	members = rest_members_of(r, NULL, a.id);
	regs = registrations_json(r, a.id);
	err = store_agent_delete(r->api->st, a.id);
	if (err) {
		json_decref(members);
		json_decref(regs);
		rest_error_store(r, err, "agent", "conflict");
		return;
	}
	rest_members_removed(r, members);
	registrations_removed(r, &a, regs);
	publish_agent(r, EV_AGENT_DELETED, &a, clock_now_ms(),
		      json_pack("{s:I}", "id", (json_int_t)a.id));
	rest_reply_empty(r, 204);
}

/* Check action and reason before the state machine sees them. */
static int check_action(struct rest_req *r, json_t *obj,
			enum agent_action *act, const char **reason)
{
	const char *name = json_string_value(json_object_get(obj, "action"));

	*reason = json_string_value(json_object_get(obj, "reason"));
	if (agent_action_parse(name, act) || *act > AGENT_ACTION_NOT_READY) {
		rest_error(r, 422, "invalid_value", "action",
			   "action must be login, logout, ready or "
			   "not_ready");
		return EPROTO;
	}
	if (*act != AGENT_ACTION_NOT_READY && *reason) {
		rest_error(r, 422, "invalid_value", "reason",
			   "a reason only goes with not_ready");
		return EPROTO;
	}
	if (*act == AGENT_ACTION_NOT_READY && !*reason) {
		rest_error(r, 400, "missing_field", "reason",
			   "not_ready needs a reason");
		return EPROTO;
	}
	if (*reason && !config_reason_known(r->api->cfg, *reason)) {
		rest_error(r, 422, "unknown_reason", "reason",
			   "\"%s\" is not a configured reason code (see "
			   "/api/v1/reasons)", *reason);
		return EPROTO;
	}
	return 0;
}

static void agents_state(struct rest_req *r)
{
	enum agent_verdict v;
	enum agent_action act;
	const char *reason;
	struct agent a;
	json_t *obj;
	int err;

	if (load_agent(r, &a))
		return;
	if (rest_body(r, state_fields, ARRAY_SIZE(state_fields), false,
		      false, &obj))
		return;
	if (check_action(r, obj, &act, &reason)) {
		json_decref(obj);
		return;
	}
	err = agent_ops_apply(r->api->st, r->api->bus, a.id, act,
			      AGENT_CH_VOICE, reason, r->actor,
			      clock_now_ms(), &a, &v);
	json_decref(obj);
	if (err) {
		rest_error_store(r, err, "agent", "conflict");
		return;
	}
	if (v != AGENT_OK) {
		rest_error(r, 409, agent_verdict_code(v), NULL, "agent %llu: "
			   "%s", (unsigned long long)a.id,
			   agent_verdict_message(v));
		return;
	}
	(void)bus_flush(r->api->bus);   /* durable before the reply */
	rest_reply_json(r, 200, json_pack("{s:o}", "state",
					  agent_state_json(&a.st)), NULL);
}

static int list_activity(const struct store_activity *act, void *arg)
{
	const struct agent_transition *tr = &act->tr;
	char cursor[24];

	re_snprintf(cursor, sizeof(cursor), "%llu",
		    (unsigned long long)act->id);
	return rest_page_add(arg, json_pack(
		"{s:I,s:s,s:o,s:s,s:s,s:o,s:s,s:o}",
		"id", (json_int_t)act->id,
		"action", agent_action_name(tr->action),
		"channel", tr->channel < 0 ? json_null() :
			   json_string(agent_channel_name(tr->channel)),
		"from", tr->from, "to", tr->to,
		"reason", tr->reason[0] ? json_string(tr->reason) :
					  json_null(),
		"actor", act->actor, "at", rest_time_json(tr->at_ms)),
		cursor);
}

static void agents_activities(struct rest_req *r)
{
	struct rest_page_ctx ac = {.items = json_array()};
	char cursor[32];
	uint64_t before;
	struct agent a;
	int err;

	if (load_agent(r, &a) ||
	    rest_page(r, &ac.limit, cursor, sizeof(cursor)) ||
	    cursor_id(r, cursor, &before)) {
		json_decref(ac.items);
		return;
	}
	err = store_activity_list(r->api->st, a.id, before, ac.limit + 1,
				  list_activity, &ac);
	rest_page_reply(r, &ac, err, "activities");
}

const struct rest_route rest_agent_routes[] = {
	{"POST",   "/api/v1/agents", agents_create, false},
	{"GET",    "/api/v1/agents", agents_list, false},
	{"GET",    "/api/v1/agents/{id}", agents_get, false},
	{"PATCH",  "/api/v1/agents/{id}", agents_patch, false},
	{"DELETE", "/api/v1/agents/{id}", agents_delete, false},
	{"POST",   "/api/v1/agents/{id}/state", agents_state, false},
	{"GET",    "/api/v1/agents/{id}/activities", agents_activities,
	 false},
	{NULL, NULL, NULL, false}
};

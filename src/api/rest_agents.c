/** @file api/rest_agents.c  /api/v1/agents: CRUD, state actions, activities */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <hotline/libre.h>
#include <hotline/agent.h>
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

json_t *rest_agent_state_json(const struct agent *a)
{
	const struct agent_state *st = &a->st;
	json_t *act = json_object();

	for (int ch = 0; ch < AGENT_CH_COUNT; ch++)
		json_object_set_new(act, agent_channel_name(ch),
			json_string(agent_activity_name(st->activity[ch])));

	return json_pack("{s:s,s:o,s:o,s:o}",
			 "status", agent_status_name(st),
			 "reason", st->reason[0] ? json_string(st->reason) :
						   json_null(),
			 "since", rest_time_json(st->status_since_ms),
			 "activity", act);
}

json_t *rest_agent_json(const struct agent *a)
{
	json_t *skills = json_object(), *cap = json_object();

	for (size_t i = 0; i < a->skillc; i++)
		json_object_set_new(skills, a->skillv[i].name,
				    json_integer(a->skillv[i].level));
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++)
		json_object_set_new(cap, agent_channel_name(ch),
				    json_integer(a->capacity[ch]));

	return json_pack("{s:I,s:s,s:s,s:o,s:o,s:o,s:o,s:o}",
			 "id", (json_int_t)a->id, "name", a->name,
			 "extension", a->extension, "skills", skills,
			 "capacity", cap, "state", rest_agent_state_json(a),
			 "created_at", rest_time_json(a->created_ms),
			 "updated_at", rest_time_json(a->updated_ms));
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
	publish_agent(r, EV_AGENT_CREATED, &a, a.created_ms,
		      rest_agent_json(&a));
	re_snprintf(loc, sizeof(loc), "/api/v1/agents/%llu",
		    (unsigned long long)a.id);
	rest_reply_json(r, 201, rest_agent_json(&a), loc);
}

static int list_agent(const struct agent *a, void *arg)
{
	char cursor[24];

	re_snprintf(cursor, sizeof(cursor), "%llu", (unsigned long long)a->id);
	return rest_page_add(arg, rest_agent_json(a), cursor);
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
	struct rest_page_ctx lc = {.items = json_array()};
	char cursor[32];
	uint64_t after;
	int err;

	if (rest_page(r, &lc.limit, cursor, sizeof(cursor)) ||
	    cursor_id(r, cursor, &after)) {
		json_decref(lc.items);
		return;
	}
	err = store_agent_list(r->api->st, after, lc.limit + 1, list_agent,
			       &lc);
	if (err && err != REST_PAGE_MORE) {
		json_decref(lc.items);
		rest_error_store(r, err, "agents", "conflict");
		return;
	}
	rest_reply_json(r, 200, rest_page_json(lc.items,
					       err == REST_PAGE_MORE ? lc.next : NULL),
			NULL);
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
		rest_reply_json(r, 200, rest_agent_json(&a), NULL);
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
	publish_agent(r, EV_AGENT_UPDATED, &a, a.updated_ms,
		      rest_agent_json(&a));
	rest_reply_json(r, 200, rest_agent_json(&a), NULL);
}

static void agents_delete(struct rest_req *r)
{
	json_t *members;
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
	err = store_agent_delete(r->api->st, a.id);
	if (err) {
		json_decref(members);
		rest_error_store(r, err, "agent", "conflict");
		return;
	}
	rest_members_removed(r, members);
	publish_agent(r, EV_AGENT_DELETED, &a, clock_now_ms(),
		      json_pack("{s:I}", "id", (json_int_t)a.id));
	rest_reply_empty(r, 204);
}

/* Topics of a state change: the agent and each of its queues, so a queue
 * wallboard sees its agents. */
struct topics {
	char bufv[EVENT_TOPICS_MAX][EVENT_TOPIC_MAX];
	const char *v[EVENT_TOPICS_MAX];
	size_t n;
};

static int add_queue_topic(const struct queue_member *m, void *arg)
{
	struct topics *t = arg;

	if (t->n == EVENT_TOPICS_MAX)
		return 1;
	re_snprintf(t->bufv[t->n], EVENT_TOPIC_MAX, "queue:%s", m->queue_id);
	t->v[t->n] = t->bufv[t->n];
	++t->n;
	return 0;
}

static void publish_transition(struct rest_req *r, const struct agent *a,
			       const struct agent_transition *tr)
{
	struct topics t = {.n = 1};
	json_t *data;

	agent_topic(t.bufv[0], EVENT_TOPIC_MAX, a->id);
	t.v[0] = t.bufv[0];
	(void)store_member_list_agent(r->api->st, a->id, add_queue_topic, &t);

	data = json_pack("{s:I,s:s,s:n,s:s,s:s,s:o,s:s,s:o}",
			 "agent_id", (json_int_t)a->id,
			 "action", agent_action_name(tr->action),
			 "channel",
			 "from", tr->from, "to", tr->to,
			 "reason", tr->reason[0] ? json_string(tr->reason) :
						   json_null(),
			 "actor", r->actor,
			 "state", rest_agent_state_json(a));
	rest_publish(r, EV_AGENT_STATE_CHANGED, t.v, t.n, tr->at_ms, data);
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

static int save_transition(struct rest_req *r, const struct agent *a,
			   const struct agent_transition *tr)
{
	struct store *st = r->api->st;
	int err;

	err = store_begin(st);
	if (err)
		return err;
	err = store_agent_state_save(st, a->id, &a->st);
	if (!err)
		err = store_activity_add(st, tr, r->actor);
	if (err) {
		store_rollback(st);
		return err;
	}
	return store_commit(st);
}

static void agents_state(struct rest_req *r)
{
	struct agent_transition tr;
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
	v = agent_apply(&a.st, act, AGENT_CH_VOICE, reason, clock_now_ms(),
			&tr);
	json_decref(obj);
	if (v != AGENT_OK) {
		rest_error(r, 409, agent_verdict_code(v), NULL, "agent %llu: "
			   "%s", (unsigned long long)a.id,
			   agent_verdict_message(v));
		return;
	}
	tr.agent_id = a.id;
	err = save_transition(r, &a, &tr);
	if (err) {
		rest_error_store(r, err, "agent", "conflict");
		return;
	}
	publish_transition(r, &a, &tr);
	rest_reply_json(r, 200, json_pack("{s:o}", "state",
					  rest_agent_state_json(&a)), NULL);
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
	if (err && err != REST_PAGE_MORE) {
		json_decref(ac.items);
		rest_error_store(r, err, "activities", "conflict");
		return;
	}
	rest_reply_json(r, 200, rest_page_json(ac.items,
					       err == REST_PAGE_MORE ? ac.next : NULL),
			NULL);
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

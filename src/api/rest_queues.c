/** @file api/rest_queues.c  /api/v1/queues: CRUD and membership */
#include <errno.h>
#include <string.h>
#include <hotline/libre.h>
#include <hotline/agent.h>
#include <hotline/event.h>
#include <hotline/log.h>
#include <hotline/queue.h>
#include <hotline/store.h>
#include "rest.h"

#define QUEUE_SETTINGS \
	{"name",              JDEC_STRING, true, 1, QUEUE_NAME_MAX - 1, 0, 0}, \
	{"strategy",          JDEC_STRING, false, 1, 32, 0, 0}, \
	{"offer_timeout_s",   JDEC_INT, false, 0, 0, 5, 300}, \
	{"wrap_up_s",         JDEC_INT, false, 0, 0, 0, 3600}, \
	{"max_wait_s",        JDEC_INT, false, 0, 0, 0, 86400}, \
	{"service_level_s",   JDEC_INT, false, 0, 0, 1, 3600}, \
	{"tier_wait_s",       JDEC_INT, false, 0, 0, 0, 3600}, \
	{"max_missed_offers", JDEC_INT, false, 0, 0, 0, 100}, \
	{"join_empty",        JDEC_BOOL, false, 0, 0, 0, 0}, \
	{"leave_empty",       JDEC_BOOL, false, 0, 0, 0, 0}, \
	{"decline_delay_s",   JDEC_INT, false, 0, 0, 0, 3600}, \
	{"moh_file",          JDEC_STRING, false, 0, QUEUE_PATH_MAX - 1, 0, 0}, \
	{"greeting",          JDEC_STRING, false, 0, QUEUE_TEXT_MAX - 1, 0, 0}, \
	{"announce_s",        JDEC_INT, false, 0, 0, 0, 3600}, \
	{"overflow",          JDEC_STRING, false, 1, 16, 0, 0}, \
	{"overflow_target",   JDEC_STRING, false, 0, QUEUE_TEXT_MAX - 1, 0, 0}

/* Overflow chains (queue -> queue -> ...) longer than this are not
 * followed when looking for a loop: no site has that many in a row */
#define OVERFLOW_HOPS_MAX 64

static const struct jdec_field create_fields[] = {
	{"id", JDEC_STRING, true, 1, QUEUE_ID_MAX - 1, 0, 0},
	QUEUE_SETTINGS,
};

static const struct jdec_field patch_fields[] = { QUEUE_SETTINGS };

static const struct jdec_field member_fields[] = {
	{"tier",     JDEC_INT, false, 0, 0, 1, 10},
	{"position", JDEC_INT, false, 0, 0, 0, 1000000},
};

/** The queue representation (REST replies, queue.* events). The strings
 *  of the ACD settings are "" when unset, as they are written. NULL on
 *  ENOMEM or text that is not UTF-8 (the API only stores UTF-8). */
json_t *rest_queue_json(const struct queue *q)
{
	return json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:b,s:b,"
			 "s:i,s:s,s:s,s:i,s:s,s:s,s:o,s:o}",
			 "id", q->id, "name", q->name,
			 "strategy", queue_strategy_name(q->strategy),
			 "offer_timeout_s", (int)q->offer_timeout_s,
			 "wrap_up_s", (int)q->wrap_up_s,
			 "max_wait_s", (int)q->max_wait_s,
			 "service_level_s", (int)q->service_level_s,
			 "tier_wait_s", (int)q->tier_wait_s,
			 "max_missed_offers", (int)q->max_missed_offers,
			 "join_empty", q->join_empty,
			 "leave_empty", q->leave_empty,
			 "decline_delay_s", (int)q->decline_delay_s,
			 "moh_file", q->moh_file,
			 "greeting", q->greeting,
			 "announce_s", (int)q->announce_s,
			 "overflow", queue_overflow_name(q->overflow),
			 "overflow_target", q->overflow_target,
			 "created_at", rest_time_json(q->created_ms),
			 "updated_at", rest_time_json(q->updated_ms));
}

json_t *rest_member_json(const struct queue_member *m)
{
	return json_pack("{s:s,s:I,s:i,s:i,s:o}", "queue_id", m->queue_id,
			 "agent_id", (json_int_t)m->agent_id,
			 "tier", (int)m->tier, "position", (int)m->position,
			 "created_at", rest_time_json(m->created_ms));
}

static void publish_queue(struct rest_req *r, const char *type,
			  const char *id, uint64_t at_ms, json_t *data)
{
	char topic[EVENT_TOPIC_MAX];
	const char *topicv[] = {topic};

	re_snprintf(topic, sizeof(topic), "queue:%s", id);
	rest_publish(r, type, topicv, 1, at_ms, data);
}

static uint32_t get_uint(json_t *obj, const char *key, uint32_t dflt)
{
	json_t *v = json_object_get(obj, key);

	return v ? (uint32_t)json_integer_value(v) : dflt;
}

static bool get_bool(json_t *obj, const char *key, bool dflt)
{
	json_t *v = json_object_get(obj, key);

	return v ? json_is_true(v) : dflt;
}

/* Copy string field key of obj into buf when present */
static void get_str(json_t *obj, const char *key, char *buf, size_t sz)
{
	const char *v = json_string_value(json_object_get(obj, key));

	if (v)
		str_ncpy(buf, v, sz);
}

/* The ACD settings present in obj (shapes and ranges already checked by
 * jdec); 0 or EPROTO (*e set). Changing overflow without naming a new
 * overflow_target clears the target: a queue id does not make sense as
 * the text of a hangup message, nor the reverse. */
static int decode_acd(json_t *obj, struct queue *q, struct jdec_error *e)
{
	const char *ov = json_string_value(json_object_get(obj, "overflow"));
	enum queue_overflow o = q->overflow;

	if (ov && queue_overflow_parse(ov, &o))
		return jdec_fail(e, 422, "invalid_value", "overflow",
				 "overflow must be hangup, queue or "
				 "extension");
	if (o != q->overflow && !json_object_get(obj, "overflow_target"))
		q->overflow_target[0] = '\0';
	q->overflow = o;
	q->decline_delay_s = get_uint(obj, "decline_delay_s",
				      q->decline_delay_s);
	q->announce_s = get_uint(obj, "announce_s", q->announce_s);
	get_str(obj, "moh_file", q->moh_file, sizeof(q->moh_file));
	get_str(obj, "greeting", q->greeting, sizeof(q->greeting));
	get_str(obj, "overflow_target", q->overflow_target,
		sizeof(q->overflow_target));

	if (q->announce_s && q->announce_s < 10)
		return jdec_fail(e, 422, "invalid_value", "announce_s",
				 "announce_s must be 0 (never) or 10..3600");
	/* the file itself is checked by the media side when it plays it:
	 * it may be installed after the queue is configured */
	if (q->moh_file[0] && q->moh_file[0] != '/')
		return jdec_fail(e, 422, "invalid_value", "moh_file",
				 "moh_file must be an absolute path, or \"\" "
				 "for the server's default music");
	return 0;
}

/* Follow the overflow chain from queue first (the target of self, the
 * queue being written): first must exist, and the chain must not come
 * back to self. 0, EPROTO (*e set) or a store error. */
static int overflow_chain(struct rest_req *r, const char *self,
			  const char *first, struct jdec_error *e)
{
	char cur[QUEUE_ID_MAX];
	struct queue q;
	int err;

	str_ncpy(cur, first, sizeof(cur));
	for (int hop = 0; hop < OVERFLOW_HOPS_MAX; hop++) {
		if (!strcmp(cur, self))
			return jdec_fail(e, 422, "invalid_value",
					 "overflow_target", "overflow to "
					 "\"%s\" would come back to \"%s\"",
					 first, self);
		err = store_queue_get(r->api->st, cur, &q);
		if (err == ENOENT && !hop)
			return jdec_fail(e, 422, "unknown_queue",
					 "overflow_target", "no queue \"%s\"",
					 first);
		if (err == ENOENT || (!err && q.overflow !=
				      QUEUE_OVERFLOW_QUEUE))
			return 0;   /* a later dangling link ends the chain */
		if (err)
			return err;
		str_ncpy(cur, q.overflow_target, sizeof(cur));
	}
	return 0;
}

/* The overflow target against the overflow action: an existing queue
 * that does not lead back to q, an extension, or any text (the message
 * spoken before hanging up, "" for none). 0, EPROTO (*e set) or a store
 * error. */
static int check_overflow(struct rest_req *r, const struct queue *q,
			  struct jdec_error *e)
{
	const char *t = q->overflow_target;

	switch (q->overflow) {

	case QUEUE_OVERFLOW_QUEUE:
		if (!t[0])
			return jdec_fail(e, 422, "invalid_value",
					 "overflow_target", "overflow queue "
					 "needs overflow_target: a queue id");
		if (!strcmp(t, q->id))
			return jdec_fail(e, 422, "invalid_value",
					 "overflow_target", "a queue cannot "
					 "overflow to itself");
		if (!queue_id_valid(t))
			return jdec_fail(e, 422, "unknown_queue",
					 "overflow_target", "no queue \"%s\"",
					 t);
		return overflow_chain(r, q->id, t, e);

	case QUEUE_OVERFLOW_EXTENSION:
		if (!agent_extension_valid(t))
			return jdec_fail(e, 422, "invalid_value",
					 "overflow_target", "overflow "
					 "extension needs overflow_target: an "
					 "extension ([0-9A-Za-z_.+-]{1,31})");
		return 0;

	default:
		return 0;
	}
}

/* Apply the settings present in obj to q and check the result as a
 * whole (q->id set); 0 or EPROTO (reply sent). */
static int decode_queue(struct rest_req *r, json_t *obj, struct queue *q)
{
	const char *name = json_string_value(json_object_get(obj, "name"));
	const char *strat = json_string_value(json_object_get(obj,
							      "strategy"));
	struct jdec_error e;
	int err;

	if (strat && queue_strategy_parse(strat, &q->strategy)) {
		rest_error(r, 422, "invalid_value", "strategy",
			   "strategy must be ring_all, round_robin, "
			   "longest_idle, least_calls, random, top_down or "
			   "skills");
		return EPROTO;
	}
	if (name)
		str_ncpy(q->name, name, sizeof(q->name));
	q->offer_timeout_s = get_uint(obj, "offer_timeout_s",
				      q->offer_timeout_s);
	q->wrap_up_s = get_uint(obj, "wrap_up_s", q->wrap_up_s);
	q->max_wait_s = get_uint(obj, "max_wait_s", q->max_wait_s);
	q->service_level_s = get_uint(obj, "service_level_s",
				      q->service_level_s);
	q->tier_wait_s = get_uint(obj, "tier_wait_s", q->tier_wait_s);
	q->max_missed_offers = get_uint(obj, "max_missed_offers",
					q->max_missed_offers);
	q->join_empty = get_bool(obj, "join_empty", q->join_empty);
	q->leave_empty = get_bool(obj, "leave_empty", q->leave_empty);

	err = decode_acd(obj, q, &e);
	if (!err)
		err = check_overflow(r, q, &e);
	if (err == EPROTO)
		rest_error_jdec(r, &e);
	else if (err)
		rest_error_store(r, err, "queue", "conflict");
	return err ? EPROTO : 0;
}

static void queues_create(struct rest_req *r)
{
	struct queue q;
	char loc[128];
	json_t *obj;
	int err;

	if (rest_body(r, create_fields, ARRAY_SIZE(create_fields), false,
		      false, &obj))
		return;
	queue_init(&q);
	str_ncpy(q.id, json_string_value(json_object_get(obj, "id")),
		 sizeof(q.id));
	if (!queue_id_valid(q.id)) {
		json_decref(obj);
		rest_error(r, 422, "invalid_value", "id", "queue ids are "
			   "[a-z0-9][a-z0-9_-]{0,62}");
		return;
	}
	err = decode_queue(r, obj, &q);
	json_decref(obj);
	if (err)
		return;
	q.created_ms = q.updated_ms = clock_now_ms();

	err = store_queue_create(r->api->st, &q);
	if (err) {
		rest_error_store(r, err, "queue", "queue_exists");
		return;
	}
	publish_queue(r, EV_QUEUE_CREATED, q.id, q.created_ms,
		      rest_queue_json(&q));
	re_snprintf(loc, sizeof(loc), "/api/v1/queues/%s", q.id);
	rest_reply_json(r, 201, rest_queue_json(&q), loc);
}

static int list_queue(const struct queue *q, void *arg)
{
	return rest_page_add(arg, rest_queue_json(q), q->id);
}

static void queues_list(struct rest_req *r)
{
	struct rest_page_ctx pc = {0};
	char cursor[QUEUE_ID_MAX];
	int err;

	if (rest_page_named(r, &pc, cursor, sizeof(cursor), queue_id_valid))
		return;
	pc.items = json_array();
	err = store_queue_list(r->api->st, cursor, pc.limit + 1, list_queue,
			       &pc);
	rest_page_reply(r, &pc, err, "queues");
}

static int load_queue(struct rest_req *r, struct queue *q)
{
	int err = store_queue_get(r->api->st, r->paramv[0], q);

	if (err)
		rest_error_store(r, err, "queue", "conflict");
	return err;
}

static void queues_get(struct rest_req *r)
{
	struct queue q;

	if (!load_queue(r, &q))
		rest_reply_json(r, 200, rest_queue_json(&q), NULL);
}

static void queues_patch(struct rest_req *r)
{
	struct queue q;
	json_t *obj;
	int err;

	if (load_queue(r, &q) ||
	    rest_body(r, patch_fields, ARRAY_SIZE(patch_fields), true, false,
		      &obj))
		return;
	err = decode_queue(r, obj, &q);
	json_decref(obj);
	if (err)
		return;
	q.updated_ms = clock_now_ms();
	err = store_queue_update(r->api->st, &q);
	if (err) {
		rest_error_store(r, err, "queue", "conflict");
		return;
	}
	publish_queue(r, EV_QUEUE_UPDATED, q.id, q.updated_ms,
		      rest_queue_json(&q));
	rest_reply_json(r, 200, rest_queue_json(&q), NULL);
}

static void publish_member(struct rest_req *r, const char *type,
			   const struct queue_member *m, uint64_t at_ms,
			   json_t *data);

static void queues_delete(struct rest_req *r)
{
	json_t *members = rest_members_of(r, r->paramv[0], 0);
	int err = store_queue_delete(r->api->st, r->paramv[0]);

	if (err) {
		json_decref(members);
		rest_error_store(r, err, "queue", "conflict");
		return;
	}
	rest_members_removed(r, members);
	publish_queue(r, EV_QUEUE_DELETED, r->paramv[0], clock_now_ms(),
		      json_pack("{s:s}", "id", r->paramv[0]));
	rest_reply_empty(r, 204);
}

static int list_member(const struct queue_member *m, void *arg)
{
	return json_array_append_new(arg, rest_member_json(m)) ? EIO : 0;
}

static void members_list(struct rest_req *r)
{
	struct queue q;
	json_t *items;
	int err;

	if (load_queue(r, &q))
		return;
	items = json_array();
	err = store_member_list(r->api->st, q.id, list_member, items);
	if (err) {
		json_decref(items);
		rest_error_store(r, err, "members", "conflict");
		return;
	}
	rest_reply_json(r, 200, json_pack("{s:o}", "items", items), NULL);
}

static void publish_member(struct rest_req *r, const char *type,
			   const struct queue_member *m, uint64_t at_ms,
			   json_t *data)
{
	char qt[EVENT_TOPIC_MAX], at[EVENT_TOPIC_MAX];
	const char *topicv[] = {qt, at};

	re_snprintf(qt, sizeof(qt), "queue:%s", m->queue_id);
	re_snprintf(at, sizeof(at), "agent:%llu",
		    (unsigned long long)m->agent_id);
	rest_publish(r, type, topicv, 2, at_ms, data);
}

static int collect_member(const struct queue_member *m, void *arg)
{
	return json_array_append_new(arg, json_pack("{s:s,s:I}", "queue_id",
				     m->queue_id, "agent_id",
				     (json_int_t)m->agent_id)) ? ENOMEM : 0;
}

json_t *rest_members_of(struct rest_req *r, const char *queue_id,
			uint64_t agent_id)
{
	json_t *members = json_array();
	int err;

	err = queue_id ? store_member_list(r->api->st, queue_id,
					   collect_member, members) :
			 store_member_list_agent(r->api->st, agent_id,
						 collect_member, members);
	if (err)
		log_warn("api: listing memberships before a delete failed "
			 "(%m)\n", err);
	return members;
}

void rest_members_removed(struct rest_req *r, json_t *members)
{
	uint64_t now = clock_now_ms();
	size_t i;
	json_t *m;

	json_array_foreach(members, i, m) {
		struct queue_member qm = {
			.agent_id = json_integer_value(json_object_get(m,
							"agent_id")),
		};

		str_ncpy(qm.queue_id, json_string_value(json_object_get(m,
			 "queue_id")), sizeof(qm.queue_id));
		publish_member(r, EV_QUEUE_MEMBER_REMOVED, &qm, now,
			       json_incref(m));
	}
	json_decref(members);
}

/* The member named by the path, with tier/position from the body. */
static int member_from_path(struct rest_req *r, struct queue_member *m)
{
	memset(m, 0, sizeof(*m));
	str_ncpy(m->queue_id, r->paramv[0], sizeof(m->queue_id));
	m->tier = 1;
	return rest_param_id(r, 1, &m->agent_id);
}

/* Walk of the agent's memberships: copy created_ms of the one in arg. */
static int find_member(const struct queue_member *m, void *arg)
{
	struct queue_member *want = arg;

	if (strcmp(m->queue_id, want->queue_id))
		return 0;
	want->created_ms = m->created_ms;
	return 0;
}

static void members_put(struct rest_req *r)
{
	struct queue_member m;
	uint64_t now;
	bool created;
	json_t *obj;
	int err;

	if (member_from_path(r, &m) ||
	    rest_body(r, member_fields, ARRAY_SIZE(member_fields), false,
		      true, &obj))
		return;
	m.tier = get_uint(obj, "tier", 1);
	m.position = get_uint(obj, "position", 0);
	m.created_ms = now = clock_now_ms();
	json_decref(obj);

	err = store_member_put(r->api->st, &m, &created);
	if (!err && !created)    /* an update keeps the original created_at */
		err = store_member_list_agent(r->api->st, m.agent_id,
					      find_member, &m);
	if (err) {
		rest_error_store(r, err, "queue or agent", "conflict");
		return;
	}
	publish_member(r, created ? EV_QUEUE_MEMBER_ADDED :
		       EV_QUEUE_MEMBER_UPDATED, &m, now, rest_member_json(&m));
	rest_reply_json(r, created ? 201 : 200, rest_member_json(&m), NULL);
}

static void members_delete(struct rest_req *r)
{
	struct queue_member m;
	int err;

	if (member_from_path(r, &m))
		return;
	err = store_member_delete(r->api->st, m.queue_id, m.agent_id);
	if (err) {
		rest_error_store(r, err, "member", "conflict");
		return;
	}
	publish_member(r, EV_QUEUE_MEMBER_REMOVED, &m, clock_now_ms(),
		       json_pack("{s:s,s:I}", "queue_id", m.queue_id,
				 "agent_id", (json_int_t)m.agent_id));
	rest_reply_empty(r, 204);
}

const struct rest_route rest_queue_routes[] = {
	{"POST",   "/api/v1/queues", queues_create, false},
	{"GET",    "/api/v1/queues", queues_list, false},
	{"GET",    "/api/v1/queues/{id}", queues_get, false},
	{"PATCH",  "/api/v1/queues/{id}", queues_patch, false},
	{"DELETE", "/api/v1/queues/{id}", queues_delete, false},
	{"GET",    "/api/v1/queues/{id}/members", members_list, false},
	{"PUT",    "/api/v1/queues/{id}/members/{agent_id}", members_put,
	 false},
	{"DELETE", "/api/v1/queues/{id}/members/{agent_id}", members_delete,
	 false},
	{NULL, NULL, NULL, false}
};

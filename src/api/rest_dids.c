/** @file api/rest_dids.c  /api/v1/dids: the numbers Hotline answers and
 *  what each reaches */
#include <errno.h>
#include <string.h>
#include <hotline/libre.h>
#include <hotline/agent.h>
#include <hotline/event.h>
#include <hotline/queue.h>
#include <hotline/store.h>
#include <hotline/trunk.h>
#include "rest.h"

#define DID_SETTINGS(req) \
	{"name",        JDEC_STRING, req,   1, TRUNK_NAME_MAX - 1, 0, 0}, \
	{"target_type", JDEC_STRING, false, 1, 16, 0, 0}, \
	{"target",      JDEC_STRING, req,   1, TRUNK_NUMBER_MAX - 1, 0, 0}, \
	{"trunk_id",    JDEC_STRING_OR_NULL, false, 0, TRUNK_ID_MAX - 1, 0, 0}

static const struct jdec_field create_fields[] = {
	{"number", JDEC_STRING, true, 1, TRUNK_NUMBER_MAX - 1, 0, 0},
	DID_SETTINGS(true),
};

static const struct jdec_field patch_fields[] = { DID_SETTINGS(false) };

/**
 * A DID number as the API takes it: an optional '+' and 1..62 digits.
 * Narrower than trunk_number_valid() (which also allows '*' and '#'
 * anywhere) so that every DID is a path segment without escaping and
 * "did:<number>" is a valid event topic.
 */
static bool did_number_valid(const char *s)
{
	size_t n;

	if (!s)
		return false;
	if (*s == '+')
		++s;
	n = strlen(s);
	return n >= 1 && n <= TRUNK_NUMBER_MAX - 2 &&
	       strspn(s, "0123456789") == n;
}

static json_t *did_json(const struct did *d)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o}",
			 "number", d->number, "name", d->name,
			 "target_type", did_target_name(d->target_type),
			 "target", d->target,
			 "trunk_id", d->trunk_id[0] ? json_string(d->trunk_id)
						    : json_null(),
			 "created_at", rest_time_json(d->created_ms),
			 "updated_at", rest_time_json(d->updated_ms));
}

static void publish_did(struct rest_req *r, const char *type,
			const char *number, uint64_t at_ms, json_t *data)
{
	char topic[EVENT_TOPIC_MAX];
	const char *topicv[] = {topic};

	re_snprintf(topic, sizeof(topic), "did:%s", number);
	rest_publish(r, type, topicv, 1, at_ms, data);
}

/* The target as its type wants it: an extension, a queue id or a flow
 * id (whether that queue or flow exists is check_exists()'s business).
 * 0 or EPROTO (*e set). */
static int check_target(const struct did *d, struct jdec_error *e)
{
	if (d->target_type == DID_TARGET_QUEUE) {
		if (queue_id_valid(d->target))
			return 0;
		return jdec_fail(e, 422, "unknown_queue", "target",
				 "no queue \"%s\"", d->target);
	}
	if (d->target_type == DID_TARGET_FLOW) {
		if (rest_flow_id_valid(d->target))
			return 0;
		return jdec_fail(e, 422, "unknown_flow", "target",
				 "no flow \"%s\"", d->target);
	}
	if (agent_extension_valid(d->target))
		return 0;
	return jdec_fail(e, 422, "invalid_value", "target",
			 "target must be an extension ([0-9A-Za-z_.+-]{1,31})");
}

/* Apply the settings present in obj to d; 0 or EPROTO (*e set). A new
 * target_type without a new target checks the old target as the new
 * type (PATCH {"target_type":"queue"} on a DID whose extension is also
 * a queue id). */
static int decode_did(json_t *obj, struct did *d, struct jdec_error *e)
{
	const char *name = json_string_value(json_object_get(obj, "name"));
	const char *tt = json_string_value(json_object_get(obj,
							   "target_type"));
	const char *tgt = json_string_value(json_object_get(obj, "target"));
	json_t *trunk = json_object_get(obj, "trunk_id");
	struct did nd = *d;

	if (tt && did_target_parse(tt, &nd.target_type))
		return jdec_fail(e, 422, "invalid_value", "target_type",
				 "target_type must be extension, queue or "
				 "flow");
	if (tgt)
		str_ncpy(nd.target, tgt, sizeof(nd.target));
	if (check_target(&nd, e))
		return EPROTO;
	if (json_is_string(trunk) && json_string_length(trunk) &&
	    !trunk_id_valid(json_string_value(trunk)))
		return jdec_fail(e, 422, "unknown_trunk", "trunk_id",
				 "no trunk \"%s\"", json_string_value(trunk));
	if (name)
		str_ncpy(d->name, name, sizeof(d->name));
	d->target_type = nd.target_type;
	str_ncpy(d->target, nd.target, sizeof(d->target));
	if (trunk)   /* null and "" both mean any trunk */
		str_ncpy(d->trunk_id, json_is_string(trunk) ?
			 json_string_value(trunk) : "", sizeof(d->trunk_id));
	return 0;
}

/* The trunk a DID names must exist when it is written; 0, or EPROTO
 * after the reply. (It may be deleted later: the link is informative.) */
static int check_trunk(struct rest_req *r, const struct did *d)
{
	struct trunk t;
	int err;

	if (!d->trunk_id[0])
		return 0;
	err = store_trunk_get(r->api->st, d->trunk_id, &t);
	if (err == ENOENT)
		rest_error(r, 422, "unknown_trunk", "trunk_id",
			   "no trunk \"%s\"", d->trunk_id);
	else if (err)
		rest_error_store(r, err, "trunk", "conflict");
	return err ? EPROTO : 0;
}

/* A queue or flow target must exist when the DID is written; 0, or
 * EPROTO after the reply. (Deleting the queue later leaves the DID:
 * calls to it are then refused until it is pointed elsewhere. A flow
 * cannot be deleted while a DID leads to it.) */
static int check_exists(struct rest_req *r, const struct did *d)
{
	bool flow = d->target_type == DID_TARGET_FLOW;
	struct queue q;
	int err;

	if (d->target_type == DID_TARGET_QUEUE)
		err = store_queue_get(r->api->st, d->target, &q);
	else if (flow)
		err = store_flow_exists(r->api->st, d->target, NULL);
	else
		return 0;
	if (err == ENOENT)
		rest_error(r, 422, flow ? "unknown_flow" : "unknown_queue",
			   "target", "no %s \"%s\"", flow ? "flow" : "queue",
			   d->target);
	else if (err)
		rest_error_store(r, err, flow ? "flow" : "queue", "conflict");
	return err ? EPROTO : 0;
}

/* Decode obj (consumed) into d and check it; 0 or EPROTO after a reply */
static int take_body(struct rest_req *r, json_t *obj, struct did *d)
{
	struct jdec_error e;
	int err;

	err = decode_did(obj, d, &e);
	json_decref(obj);
	if (err) {
		rest_error_jdec(r, &e);
		return EPROTO;
	}
	return check_trunk(r, d) || check_exists(r, d) ? EPROTO : 0;
}

static void dids_create(struct rest_req *r)
{
	const char *num;
	struct did d;
	char loc[128];
	json_t *obj;
	int err;

	if (rest_body(r, create_fields, ARRAY_SIZE(create_fields), false,
		      false, &obj))
		return;
	memset(&d, 0, sizeof(d));
	d.target_type = DID_TARGET_EXTENSION;
	num = json_string_value(json_object_get(obj, "number"));
	if (!did_number_valid(num)) {
		json_decref(obj);
		rest_error(r, 422, "invalid_value", "number", "DID numbers "
			   "are an optional + and 1..62 digits");
		return;
	}
	str_ncpy(d.number, num, sizeof(d.number));
	if (take_body(r, obj, &d))
		return;
	d.created_ms = d.updated_ms = clock_now_ms();

	err = store_did_create(r->api->st, &d);
	if (err) {
		rest_error_store(r, err, "DID", "did_exists");
		return;
	}
	publish_did(r, EV_DID_CREATED, d.number, d.created_ms, did_json(&d));
	re_snprintf(loc, sizeof(loc), "/api/v1/dids/%s", d.number);
	rest_reply_json(r, 201, did_json(&d), loc);
}

static int list_did(const struct did *d, void *arg)
{
	return rest_page_add(arg, did_json(d), d->number);
}

static void dids_list(struct rest_req *r)
{
	struct rest_page_ctx pc = {0};
	char cursor[TRUNK_NUMBER_MAX];
	int err;

	if (rest_page_named(r, &pc, cursor, sizeof(cursor), did_number_valid))
		return;
	pc.items = json_array();
	err = store_did_list(r->api->st, cursor, pc.limit + 1, list_did, &pc);
	rest_page_reply(r, &pc, err, "DIDs");
}

/* Load path parameter 0 as a DID; replies 404 when there is none. */
static int load_did(struct rest_req *r, struct did *d)
{
	int err;

	if (!did_number_valid(r->paramv[0])) {
		rest_error(r, 404, "not_found", NULL, "DID not found");
		return ENOENT;
	}
	err = store_did_get(r->api->st, r->paramv[0], d);
	if (err)
		rest_error_store(r, err, "DID", "conflict");
	return err;
}

static void dids_get(struct rest_req *r)
{
	struct did d;

	if (!load_did(r, &d))
		rest_reply_json(r, 200, did_json(&d), NULL);
}

static void dids_patch(struct rest_req *r)
{
	struct did d;
	json_t *obj;
	int err;

	if (load_did(r, &d))
		return;
	if (rest_body(r, patch_fields, ARRAY_SIZE(patch_fields), true,
		      false, &obj))
		return;
	if (take_body(r, obj, &d))
		return;
	d.updated_ms = clock_now_ms();
	err = store_did_update(r->api->st, &d);
	if (err) {
		rest_error_store(r, err, "DID", "conflict");
		return;
	}
	publish_did(r, EV_DID_UPDATED, d.number, d.updated_ms, did_json(&d));
	rest_reply_json(r, 200, did_json(&d), NULL);
}

static void dids_delete(struct rest_req *r)
{
	struct did d;
	int err;

	if (load_did(r, &d))
		return;
	err = store_did_delete(r->api->st, d.number);
	if (err) {
		rest_error_store(r, err, "DID", "conflict");
		return;
	}
	publish_did(r, EV_DID_DELETED, d.number, clock_now_ms(),
		    json_pack("{s:s}", "number", d.number));
	rest_reply_empty(r, 204);
}

const struct rest_route rest_did_routes[] = {
	{"POST",   "/api/v1/dids", dids_create, false},
	{"GET",    "/api/v1/dids", dids_list, false},
	{"GET",    "/api/v1/dids/{number}", dids_get, false},
	{"PATCH",  "/api/v1/dids/{number}", dids_patch, false},
	{"DELETE", "/api/v1/dids/{number}", dids_delete, false},
	{NULL, NULL, NULL, false}
};

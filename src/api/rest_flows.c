/** @file api/rest_flows.c  /api/v1/flows: IVR flow documents, checked on
 *  save and kept as immutable versions */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <hotline/libre.h>
#include <hotline/agent.h>
#include <hotline/audio.h>
#include <hotline/event.h>
#include <hotline/flow.h>
#include <hotline/log.h>
#include <hotline/queue.h>
#include <hotline/store.h>
#include <hotline/tzdb.h>
#include "rest.h"

/* What a document may name, looked up while it is checked. A store
 * error is not the document's fault: it is kept in err (the lookup then
 * says "exists") and answered 500 after the check. */
struct refs_ctx {
	struct rest_req *r;
	const char *self;             /* the flow being saved */
	int err;
};

static bool lookup_ok(struct refs_ctx *ctx, int err)
{
	if (err && err != ENOENT && !ctx->err)
		ctx->err = err;
	return err != ENOENT;
}

static bool ref_queue(void *arg, const char *id)
{
	struct refs_ctx *ctx = arg;
	struct queue q;

	return lookup_ok(ctx, store_queue_get(ctx->r->api->st, id, &q));
}

static bool ref_agent(void *arg, uint64_t id)
{
	struct refs_ctx *ctx = arg;
	struct agent a;

	return lookup_ok(ctx, store_agent_get(ctx->r->api->st, id, &a));
}

/* A flow may transfer to itself (a restart), even before it exists */
static bool ref_flow(void *arg, const char *id)
{
	struct refs_ctx *ctx = arg;

	if (!strcmp(id, ctx->self))
		return true;
	return lookup_ok(ctx, store_flow_exists(ctx->r->api->st, id, NULL));
}

/* Without a zone database every name passes: the schedule step then
 * fails at run time, as for a zone removed later */
static bool ref_timezone(void *arg, const char *tz)
{
	struct refs_ctx *ctx = arg;

	return !ctx->r->api->tzdb || tzdb_valid(ctx->r->api->tzdb, tz);
}

/* A prompt file must be a WAV the player can load now (it may still be
 * removed later: the step then fails when it runs) */
static bool ref_file(void *arg, const char *path)
{
	struct audio_clip *clip = NULL;
	int err = audio_wav_load(&clip, path);

	(void)arg;
	mem_deref(clip);
	return err == 0;
}

/**
 * Check document text (len bytes) of flow id as saving it would: syntax,
 * shape, graph, and that what it names exists. 0 with *name (the
 * document's name, FLOW_NAME_MAX bytes), or EPROTO after the reply
 * (422 invalid_flow with the JSON Pointer and the reason, or 500).
 */
static int flow_check(struct rest_req *r, const char *id, const char *text,
		      size_t len, char *name)
{
	struct refs_ctx ctx = {.r = r, .self = id};
	const struct flow_refs refs = {ref_queue, ref_agent, ref_flow,
				       ref_timezone, ref_file, &ctx};
	struct flow_doc *doc = NULL;
	struct flow_error ferr;
	int err;

	memset(&ferr, 0, sizeof(ferr));
	err = flow_doc_parse(&doc, text, len, &refs, &ferr);
	if (!err)
		str_ncpy(name, doc->name, FLOW_NAME_MAX);
	mem_deref(doc);
	if (ctx.err) {
		rest_error_store(r, ctx.err, "flow references", "conflict");
		return EPROTO;
	}
	if (err == EINVAL) {
		rest_error_reason(r, 422, "invalid_flow", ferr.path,
				  flow_error_code_name(ferr.code),
				  ferr.message[0] ? ferr.message :
				  "the flow document is not valid");
		return EPROTO;
	}
	if (err) {
		log_error("api: flow %s: check failed (%m)\n", id, err);
		rest_error(r, 500, "internal", NULL, "the flow check failed");
		return EPROTO;
	}
	return 0;
}

/* The body's "id": required on create (a new slug), optional on update
 * (then it must be the path's). Removed from obj. 0, or EPROTO after the
 * reply. */
static int take_id(struct rest_req *r, json_t *obj, bool create, char *id)
{
	json_t *v = json_object_get(obj, "id");

	if (!v && create) {
		rest_error(r, 400, "missing_field", "id",
			   "field \"id\" is required");
		return EPROTO;
	}
	if (v && !json_is_string(v)) {
		rest_error(r, 400, "invalid_type", "id",
			   "field \"id\" must be a string");
		return EPROTO;
	}
	if (create && !rest_flow_id_valid(json_string_value(v))) {
		rest_error(r, 422, "invalid_value", "id",
			   "flow ids are [a-z0-9][a-z0-9_-]{0,62}");
		return EPROTO;
	}
	if (!create && v && strcmp(json_string_value(v), id)) {
		rest_error(r, 422, "invalid_value", "id", "a flow's id does "
			   "not change: \"id\" must be \"%s\" or absent", id);
		return EPROTO;
	}
	if (create)
		str_ncpy(id, json_string_value(v), FLOW_ID_MAX);
	(void)json_object_del(obj, "id");
	return 0;
}

/**
 * The flow document of a POST or PUT body: *textp (malloc'd, the caller
 * free()s it) is the document as it is kept (compact JSON, without
 * "id"), checked; name its name. On create, id gets the body's id.
 * 0, or EPROTO after the reply.
 */
static int take_doc(struct rest_req *r, bool create, char *id, char *name,
		    char **textp)
{
	json_t *obj;
	char *text;
	int err;

	if (r->len > FLOW_DOC_MAX) {
		rest_error(r, 413, "body_too_large", NULL, "a flow document "
			   "is at most %u bytes", (unsigned)FLOW_DOC_MAX);
		return EPROTO;
	}
	if (rest_body_any(r, &obj))
		return EPROTO;
	err = take_id(r, obj, create, id);
	text = err ? NULL : json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (err)
		return err;
	if (!text) {
		rest_error(r, 500, "internal", NULL, "out of memory");
		return EPROTO;
	}
	err = flow_check(r, id, text, strlen(text), name);
	if (err) {
		free(text);
		return err;
	}
	*textp = text;
	return 0;
}

/* id, name, version (the one shown), current_version, the flow's
 * created_at and updated_at */
static json_t *summary_json(const struct store_flow *f)
{
	return json_pack("{s:s,s:s,s:I,s:I,s:o,s:o}", "id", f->id,
			 "name", f->name, "version", (json_int_t)f->version,
			 "current_version", (json_int_t)f->current_version,
			 "created_at", rest_time_json(f->created_ms),
			 "updated_at", rest_time_json(f->updated_ms));
}

/* The summary with "doc": the document of that version, as saved. NULL
 * on ENOMEM or a stored text that is not JSON (logged). */
static json_t *flow_json(const struct store_flow *f)
{
	json_t *o = summary_json(f);
	json_t *doc = json_loads(f->doc ? f->doc : "", 0, NULL);

	if (!doc)
		log_error("api: flow %s version %u: stored document is not "
			  "JSON\n", f->id, f->version);
	if (!o || !doc || json_object_set_new(o, "doc", doc)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void publish_flow(struct rest_req *r, const char *type,
			 const char *id, uint64_t at_ms, json_t *data)
{
	char topic[EVENT_TOPIC_MAX];
	const char *topicv[] = {topic};

	re_snprintf(topic, sizeof(topic), "flow:%s", id);
	rest_publish(r, type, topicv, 1, at_ms, data);
}

/* After a save: publish type and reply status with the saved version */
static void saved(struct rest_req *r, const char *type, uint16_t status,
		  const char *id, uint32_t version)
{
	struct store_flow f;
	char loc[128];
	int err;

	memset(&f, 0, sizeof(f));
	err = store_flow_get(r->api->st, id, version, &f);
	if (err) {
		rest_error_store(r, err, "flow", "conflict");
		return;
	}
	publish_flow(r, type, id, f.updated_ms, json_pack("{s:s,s:s,s:I}",
		     "id", f.id, "name", f.name, "version",
		     (json_int_t)f.version));
	re_snprintf(loc, sizeof(loc), "/api/v1/flows/%s", id);
	rest_reply_json(r, status, flow_json(&f), status == 201 ? loc : NULL);
	mem_deref(f.doc);
}

static void flows_create(struct rest_req *r)
{
	char id[FLOW_ID_MAX] = "", name[FLOW_NAME_MAX] = "";
	uint32_t version = 0;
	char *text = NULL;
	int err;

	if (take_doc(r, true, id, name, &text))
		return;
	err = store_flow_create(r->api->st, id, name, text, clock_now_ms(),
				&version);
	free(text);
	if (err) {
		rest_error_store(r, err, "flow", "flow_exists");
		return;
	}
	saved(r, EV_FLOW_CREATED, 201, id, version);
}

/* Path parameter 0 as a flow id; 404 (reply sent) when it cannot be one */
static int param_flow_id(struct rest_req *r)
{
	if (rest_flow_id_valid(r->paramv[0]))
		return 0;
	rest_error(r, 404, "not_found", NULL, "flow not found");
	return ENOENT;
}

/* PUT: a new version of an existing flow (404 when there is none: a
 * flow is created with POST, which chooses nothing else) */
static void flows_put(struct rest_req *r)
{
	char name[FLOW_NAME_MAX] = "";
	uint32_t version = 0;
	char *text = NULL;
	int err;

	if (param_flow_id(r))
		return;
	err = store_flow_exists(r->api->st, r->paramv[0], NULL);
	if (err) {
		rest_error_store(r, err, "flow", "conflict");
		return;
	}
	if (take_doc(r, false, r->paramv[0], name, &text))
		return;
	err = store_flow_update(r->api->st, r->paramv[0], name, text,
				clock_now_ms(), &version);
	free(text);
	if (err) {
		rest_error_store(r, err, "flow", "conflict");
		return;
	}
	saved(r, EV_FLOW_UPDATED, 200, r->paramv[0], version);
}

static int list_flow(const struct store_flow *f, void *arg)
{
	return rest_page_add(arg, summary_json(f), f->id);
}

static void flows_list(struct rest_req *r)
{
	struct rest_page_ctx pc = {0};
	char cursor[FLOW_ID_MAX];
	int err;

	if (rest_page_named(r, &pc, cursor, sizeof(cursor),
			    rest_flow_id_valid))
		return;
	pc.items = json_array();
	err = store_flow_list(r->api->st, cursor, pc.limit + 1, list_flow,
			      &pc);
	rest_page_reply(r, &pc, err, "flows");
}

/* A version number from the query (name) or a cursor: 1..UINT32_MAX.
 * 0 with *v; ENOENT absent; EPROTO after a 400 invalid_query. */
static int query_version(struct rest_req *r, const char *name,
			 const char *given, uint32_t *v)
{
	char val[16], *end;
	unsigned long long n;
	int err = 0;

	if (!given) {
		err = rest_query(r, name, val, sizeof(val));
		given = val;
	}
	if (err)
		return err;
	errno = 0;
	n = strtoull(given, &end, 10);
	if (errno || *end || given[0] < '1' || given[0] > '9' ||
	    n > UINT32_MAX) {
		rest_error(r, 400, "invalid_query", name, "%s must be a "
			   "version number (1, 2, ...)", name);
		return EPROTO;
	}
	*v = (uint32_t)n;
	return 0;
}

/* GET: the current version, or ?version=N */
static void flows_get(struct rest_req *r)
{
	struct store_flow f;
	uint32_t version = 0;
	int err;

	if (param_flow_id(r))
		return;
	err = query_version(r, "version", NULL, &version);
	if (err == EPROTO)
		return;
	memset(&f, 0, sizeof(f));
	err = store_flow_get(r->api->st, r->paramv[0], version, &f);
	if (err == ENOENT && version)
		rest_error(r, 404, "not_found", NULL, "flow %s has no "
			   "version %u", r->paramv[0], version);
	else if (err)
		rest_error_store(r, err, "flow", "conflict");
	else
		rest_reply_json(r, 200, flow_json(&f), NULL);
	mem_deref(f.doc);
}

static void flows_delete(struct rest_req *r)
{
	int err;

	if (param_flow_id(r))
		return;
	err = store_flow_delete(r->api->st, r->paramv[0]);
	if (err == EBUSY) {
		rest_error(r, 409, "flow_in_use", NULL, "flow %s is the "
			   "target of a DID: point the DID elsewhere first",
			   r->paramv[0]);
		return;
	}
	if (err) {
		rest_error_store(r, err, "flow", "conflict");
		return;
	}
	publish_flow(r, EV_FLOW_DELETED, r->paramv[0], clock_now_ms(),
		     json_pack("{s:s}", "id", r->paramv[0]));
	rest_reply_empty(r, 204);
}

static int list_version(const struct store_flow *f, void *arg)
{
	char cursor[16];

	re_snprintf(cursor, sizeof(cursor), "%u", f->version);
	return rest_page_add(arg, json_pack("{s:I,s:s,s:o}", "version",
			     (json_int_t)f->version, "name", f->name,
			     "created_at", rest_time_json(f->version_ms)),
			     cursor);
}

/* GET .../versions: newest first; the cursor is the last version shown */
static void flows_versions(struct rest_req *r)
{
	struct rest_page_ctx pc = {0};
	uint32_t before = 0;
	char cursor[16];
	int err;

	if (param_flow_id(r) || rest_page(r, &pc.limit, cursor,
					  sizeof(cursor)))
		return;
	if (cursor[0] && query_version(r, "cursor", cursor, &before))
		return;
	pc.items = json_array();
	err = store_flow_versions(r->api->st, r->paramv[0], before,
				  pc.limit + 1, list_version, &pc);
	rest_page_reply(r, &pc, err, "flow");
}

const struct rest_route rest_flow_routes[] = {
	{"POST",   "/api/v1/flows", flows_create, false},
	{"GET",    "/api/v1/flows", flows_list, false},
	{"GET",    "/api/v1/flows/{id}", flows_get, false},
	{"PUT",    "/api/v1/flows/{id}", flows_put, false},
	{"DELETE", "/api/v1/flows/{id}", flows_delete, false},
	{"GET",    "/api/v1/flows/{id}/versions", flows_versions, false},
	{NULL, NULL, NULL, false}
};

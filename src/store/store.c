/** @file store/store.c  store_open() and dispatch to the chosen backend */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <hotline/log.h>
#include "store/store_impl.h"

/* uri schemes; ops NULL: known but not built yet */
static const struct {
	const char *scheme;
	const struct store_ops *ops;
} backendv[] = {
	{"sqlite",     &store_sqlite_ops},
	{"postgres",   NULL},
	{"postgresql", NULL},
};

/**
 * Open a store (contract in hotline/store.h).
 *
 * uri is "scheme:rest" for a known scheme, anything else is a SQLite file
 * path (so "data/a:b.db" is a path). Returns 0, EINVAL (empty uri),
 * ENOTSUP (a backend not built yet) or the backend's error. The uri is
 * never logged whole: a PostgreSQL one may carry a password.
 */
int store_open(struct store **stp, const char *uri)
{
	if (!stp || !uri || !*uri)
		return EINVAL;

	for (size_t i = 0; i < ARRAY_SIZE(backendv); i++) {
		size_t n = strlen(backendv[i].scheme);

		if (strncmp(uri, backendv[i].scheme, n) || uri[n] != ':')
			continue;
		if (!backendv[i].ops) {
			log_error("store: %s: backend not supported yet",
				  backendv[i].scheme);
			return ENOTSUP;
		}
		return backendv[i].ops->open(stp, uri + n + 1);
	}

	return store_sqlite_ops.open(stp, uri);
}

/* Dispatch: one line each; NULL st is EINVAL (false for store_in_tx) */

int store_begin(struct store *st)
{
	return st ? st->ops->begin(st) : EINVAL;
}

int store_commit(struct store *st)
{
	return st ? st->ops->commit(st) : EINVAL;
}

int store_rollback(struct store *st)
{
	return st ? st->ops->rollback(st) : EINVAL;
}

bool store_in_tx(const struct store *st)
{
	return st && st->ops->in_tx(st);
}

int store_setting_get(struct store *st, const char *key, char *val,
		      size_t valsz)
{
	return st ? st->ops->setting_get(st, key, val, valsz) : EINVAL;
}

int store_setting_set(struct store *st, const char *key, const char *val)
{
	return st ? st->ops->setting_set(st, key, val) : EINVAL;
}

int store_agent_create(struct store *st, struct agent *a)
{
	return st ? st->ops->agent_create(st, a) : EINVAL;
}

int store_agent_update(struct store *st, const struct agent *a)
{
	return st ? st->ops->agent_update(st, a) : EINVAL;
}

int store_agent_delete(struct store *st, uint64_t id)
{
	return st ? st->ops->agent_delete(st, id) : EINVAL;
}

int store_agent_get(struct store *st, uint64_t id, struct agent *a)
{
	return st ? st->ops->agent_get(st, id, a) : EINVAL;
}

int store_agent_list(struct store *st, uint64_t after_id, size_t limit,
		     store_agent_h *h, void *arg)
{
	return st ? st->ops->agent_list(st, after_id, limit, h, arg) : EINVAL;
}

int store_agent_state_save(struct store *st, uint64_t id,
			   const struct agent_state *s)
{
	return st ? st->ops->agent_state_save(st, id, s) : EINVAL;
}

int store_agent_get_by_extension(struct store *st, const char *ext,
				 struct agent *a)
{
	return st ? st->ops->agent_get_by_extension(st, ext, a) : EINVAL;
}

int store_agent_activity_reset(struct store *st, uint64_t now_ms)
{
	return st ? st->ops->agent_activity_reset(st, now_ms) : EINVAL;
}

int store_activity_add(struct store *st, const struct agent_transition *tr,
		       const char *actor)
{
	return st ? st->ops->activity_add(st, tr, actor) : EINVAL;
}

int store_activity_list(struct store *st, uint64_t agent_id,
			uint64_t before_id, size_t limit,
			store_activity_h *h, void *arg)
{
	return st ? st->ops->activity_list(st, agent_id, before_id, limit,
					   h, arg) : EINVAL;
}

int store_queue_create(struct store *st, const struct queue *q)
{
	return st ? st->ops->queue_create(st, q) : EINVAL;
}

int store_queue_update(struct store *st, const struct queue *q)
{
	return st ? st->ops->queue_update(st, q) : EINVAL;
}

int store_queue_delete(struct store *st, const char *id)
{
	return st ? st->ops->queue_delete(st, id) : EINVAL;
}

int store_queue_get(struct store *st, const char *id, struct queue *q)
{
	return st ? st->ops->queue_get(st, id, q) : EINVAL;
}

int store_queue_list(struct store *st, const char *after_id, size_t limit,
		     store_queue_h *h, void *arg)
{
	return st ? st->ops->queue_list(st, after_id, limit, h, arg) : EINVAL;
}

int store_member_put(struct store *st, const struct queue_member *m,
		     bool *created)
{
	return st ? st->ops->member_put(st, m, created) : EINVAL;
}

int store_member_delete(struct store *st, const char *queue_id,
			uint64_t agent_id)
{
	return st ? st->ops->member_delete(st, queue_id, agent_id) : EINVAL;
}

int store_member_list(struct store *st, const char *queue_id,
		      store_member_h *h, void *arg)
{
	return st ? st->ops->member_list(st, queue_id, h, arg) : EINVAL;
}

int store_member_list_agent(struct store *st, uint64_t agent_id,
			    store_member_h *h, void *arg)
{
	return st ? st->ops->member_list_agent(st, agent_id, h, arg) : EINVAL;
}

int store_event_append(struct store *st, uint64_t seq, uint64_t at_ms,
		       const char *type, const char *topics,
		       const char *json, size_t json_len)
{
	return st ? st->ops->event_append(st, seq, at_ms, type, topics, json,
					  json_len) : EINVAL;
}

int store_event_list(struct store *st, uint64_t after_seq, uint64_t max_seq,
		     size_t limit, store_event_h *h, void *arg)
{
	return st ? st->ops->event_list(st, after_seq, max_seq, limit, h,
					arg) : EINVAL;
}

int store_event_prune(struct store *st, uint64_t before_ms, uint64_t *removed)
{
	return st ? st->ops->event_prune(st, before_ms, removed) : EINVAL;
}

int store_event_bounds(struct store *st, uint64_t *first, uint64_t *last)
{
	return st ? st->ops->event_bounds(st, first, last) : EINVAL;
}

int store_call_put(struct store *st, struct call_record *c)
{
	return st ? st->ops->call_put(st, c) : EINVAL;
}

int store_call_get(struct store *st, const char *id, struct call_record *c)
{
	return st ? st->ops->call_get(st, id, c) : EINVAL;
}

int store_call_list(struct store *st, const struct store_call_filter *f,
		    uint64_t before, size_t limit, store_call_h *h, void *arg)
{
	return st ? st->ops->call_list(st, f, before, limit, h, arg) : EINVAL;
}

int store_call_end_stale(struct store *st, uint64_t now_ms, size_t *n)
{
	return st ? st->ops->call_end_stale(st, now_ms, n) : EINVAL;
}

int store_registration_put(struct store *st, const struct registration *r)
{
	return st ? st->ops->registration_put(st, r) : EINVAL;
}

int store_registration_delete(struct store *st, uint64_t agent_id,
			      const char *contact)
{
	return st ? st->ops->registration_delete(st, agent_id, contact) :
		EINVAL;
}

int store_registration_list(struct store *st, uint64_t agent_id,
			    store_registration_h *h, void *arg)
{
	return st ? st->ops->registration_list(st, agent_id, h, arg) : EINVAL;
}

int store_trunk_create(struct store *st, const struct trunk *t)
{
	return st ? st->ops->trunk_create(st, t) : EINVAL;
}

int store_trunk_update(struct store *st, const struct trunk *t)
{
	return st ? st->ops->trunk_update(st, t) : EINVAL;
}

int store_trunk_delete(struct store *st, const char *id)
{
	return st ? st->ops->trunk_delete(st, id) : EINVAL;
}

int store_trunk_get(struct store *st, const char *id, struct trunk *t)
{
	return st ? st->ops->trunk_get(st, id, t) : EINVAL;
}

int store_trunk_list(struct store *st, const char *after_id, size_t limit,
		     store_trunk_h *h, void *arg)
{
	return st ? st->ops->trunk_list(st, after_id, limit, h, arg) : EINVAL;
}

int store_did_create(struct store *st, const struct did *d)
{
	return st ? st->ops->did_create(st, d) : EINVAL;
}

int store_did_update(struct store *st, const struct did *d)
{
	return st ? st->ops->did_update(st, d) : EINVAL;
}

int store_did_delete(struct store *st, const char *number)
{
	return st ? st->ops->did_delete(st, number) : EINVAL;
}

int store_did_get(struct store *st, const char *number, struct did *d)
{
	return st ? st->ops->did_get(st, number, d) : EINVAL;
}

int store_did_list(struct store *st, const char *after_number, size_t limit,
		   store_did_h *h, void *arg)
{
	return st ? st->ops->did_list(st, after_number, limit, h, arg) :
		EINVAL;
}

int store_flow_create(struct store *st, const char *id, const char *name,
		      const char *doc, uint64_t now_ms, uint32_t *version)
{
	return st ? st->ops->flow_create(st, id, name, doc, now_ms, version) :
		EINVAL;
}

int store_flow_update(struct store *st, const char *id, const char *name,
		      const char *doc, uint64_t now_ms, uint32_t *version)
{
	return st ? st->ops->flow_update(st, id, name, doc, now_ms, version) :
		EINVAL;
}

int store_flow_get(struct store *st, const char *id, uint32_t version,
		   struct store_flow *f)
{
	return st ? st->ops->flow_get(st, id, version, f) : EINVAL;
}

int store_flow_list(struct store *st, const char *after_id, size_t limit,
		    store_flow_h *h, void *arg)
{
	return st ? st->ops->flow_list(st, after_id, limit, h, arg) : EINVAL;
}

int store_flow_versions(struct store *st, const char *id, uint32_t before,
			size_t limit, store_flow_h *h, void *arg)
{
	return st ? st->ops->flow_versions(st, id, before, limit, h, arg) :
		EINVAL;
}

int store_flow_delete(struct store *st, const char *id)
{
	return st ? st->ops->flow_delete(st, id) : EINVAL;
}

int store_flow_exists(struct store *st, const char *id,
		      uint32_t *current_version)
{
	return st ? st->ops->flow_exists(st, id, current_version) : EINVAL;
}

int store_contact_create(struct store *st, struct contact *c)
{
	return st ? st->ops->contact_create(st, c) : EINVAL;
}

int store_contact_update(struct store *st, const struct contact *c)
{
	return st ? st->ops->contact_update(st, c) : EINVAL;
}

int store_contact_get(struct store *st, uint64_t id, struct contact *c)
{
	return st ? st->ops->contact_get(st, id, c) : EINVAL;
}

int store_contact_find_phone(struct store *st, const char *phone,
			     struct contact *c)
{
	return st ? st->ops->contact_find_phone(st, phone, c) : EINVAL;
}

int store_contact_list(struct store *st, uint64_t after_id, size_t limit,
		       store_contact_h *h, void *arg)
{
	return st ? st->ops->contact_list(st, after_id, limit, h, arg) :
		EINVAL;
}

int store_trace_put(struct store *st, const struct store_trace *t)
{
	return st ? st->ops->trace_put(st, t) : EINVAL;
}

int store_trace_list(struct store *st, const char *call_id,
		     store_trace_h *h, void *arg)
{
	return st ? st->ops->trace_list(st, call_id, h, arg) : EINVAL;
}

int store_recording_put(struct store *st, struct store_recording *r)
{
	return st ? st->ops->recording_put(st, r) : EINVAL;
}

int store_recording_get(struct store *st, const char *id,
			struct store_recording *r)
{
	return st ? st->ops->recording_get(st, id, r) : EINVAL;
}

int store_recording_list(struct store *st, const char *call_id,
			 uint64_t before, size_t limit,
			 store_recording_h *h, void *arg)
{
	return st ? st->ops->recording_list(st, call_id, before, limit, h,
					    arg) : EINVAL;
}

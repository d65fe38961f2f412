/** @file store/store_impl.h  The backend interface behind hotline/store.h */
#ifndef STORE_IMPL_H
#define STORE_IMPL_H

#include <hotline/store.h>

/* One storage backend, described like an nginx module: a name and the
 * calls it implements. Each call has the contract of its public twin in
 * hotline/store.h; store.c checks only that st is not NULL. */
struct store_ops {
	const char *name;

	/* path: the uri without its "scheme:" prefix. On success *stp is
	 * a mem object whose destructor closes the backend. */
	int  (*open)(struct store **stp, const char *path);

	int  (*begin)(struct store *st);
	int  (*commit)(struct store *st);
	int  (*rollback)(struct store *st);
	bool (*in_tx)(const struct store *st);

	int  (*setting_get)(struct store *st, const char *key, char *val,
			    size_t valsz);
	int  (*setting_set)(struct store *st, const char *key,
			    const char *val);

	int  (*agent_create)(struct store *st, struct agent *a);
	int  (*agent_update)(struct store *st, const struct agent *a);
	int  (*agent_delete)(struct store *st, uint64_t id);
	int  (*agent_get)(struct store *st, uint64_t id, struct agent *a);
	int  (*agent_list)(struct store *st, uint64_t after_id, size_t limit,
			   store_agent_h *h, void *arg);
	int  (*agent_state_save)(struct store *st, uint64_t id,
				 const struct agent_state *s);
	int  (*agent_get_by_extension)(struct store *st, const char *ext,
				       struct agent *a);
	int  (*agent_activity_reset)(struct store *st, uint64_t now_ms);

	int  (*activity_add)(struct store *st,
			     const struct agent_transition *tr,
			     const char *actor);
	int  (*activity_list)(struct store *st, uint64_t agent_id,
			      uint64_t before_id, size_t limit,
			      store_activity_h *h, void *arg);

	int  (*queue_create)(struct store *st, const struct queue *q);
	int  (*queue_update)(struct store *st, const struct queue *q);
	int  (*queue_delete)(struct store *st, const char *id);
	int  (*queue_get)(struct store *st, const char *id, struct queue *q);
	int  (*queue_list)(struct store *st, const char *after_id,
			   size_t limit, store_queue_h *h, void *arg);

	int  (*member_put)(struct store *st, const struct queue_member *m,
			   bool *created);
	int  (*member_delete)(struct store *st, const char *queue_id,
			      uint64_t agent_id);
	int  (*member_list)(struct store *st, const char *queue_id,
			    store_member_h *h, void *arg);
	int  (*member_list_agent)(struct store *st, uint64_t agent_id,
				  store_member_h *h, void *arg);

	int  (*event_append)(struct store *st, uint64_t seq, uint64_t at_ms,
			     const char *type, const char *topics,
			     const char *json, size_t json_len);
	int  (*event_list)(struct store *st, uint64_t after_seq,
			   uint64_t max_seq, size_t limit,
			   store_event_h *h, void *arg);
	int  (*event_prune)(struct store *st, uint64_t before_ms,
			    uint64_t *removed);
	int  (*event_bounds)(struct store *st, uint64_t *first,
			     uint64_t *last);

	int  (*call_put)(struct store *st, struct call_record *c);
	int  (*call_get)(struct store *st, const char *id,
			 struct call_record *c);
	int  (*call_list)(struct store *st, const struct store_call_filter *f,
			  uint64_t before, size_t limit, store_call_h *h,
			  void *arg);
	int  (*call_end_stale)(struct store *st, uint64_t now_ms, size_t *n);

	int  (*registration_put)(struct store *st,
				 const struct registration *r);
	int  (*registration_delete)(struct store *st, uint64_t agent_id,
				    const char *contact);
	int  (*registration_list)(struct store *st, uint64_t agent_id,
				  store_registration_h *h, void *arg);

	int  (*trunk_create)(struct store *st, const struct trunk *t);
	int  (*trunk_update)(struct store *st, const struct trunk *t);
	int  (*trunk_delete)(struct store *st, const char *id);
	int  (*trunk_get)(struct store *st, const char *id, struct trunk *t);
	int  (*trunk_list)(struct store *st, const char *after_id,
			   size_t limit, store_trunk_h *h, void *arg);
	int  (*did_create)(struct store *st, const struct did *d);
	int  (*did_update)(struct store *st, const struct did *d);
	int  (*did_delete)(struct store *st, const char *number);
	int  (*did_get)(struct store *st, const char *number, struct did *d);
	int  (*did_list)(struct store *st, const char *after_number,
			 size_t limit, store_did_h *h, void *arg);

	int  (*flow_create)(struct store *st, const char *id,
			    const char *name, const char *doc,
			    uint64_t now_ms, uint32_t *version);
	int  (*flow_update)(struct store *st, const char *id,
			    const char *name, const char *doc,
			    uint64_t now_ms, uint32_t *version);
	int  (*flow_get)(struct store *st, const char *id, uint32_t version,
			 struct store_flow *f);
	int  (*flow_list)(struct store *st, const char *after_id,
			  size_t limit, store_flow_h *h, void *arg);
	int  (*flow_versions)(struct store *st, const char *id,
			      uint32_t before, size_t limit,
			      store_flow_h *h, void *arg);
	int  (*flow_delete)(struct store *st, const char *id);
	int  (*flow_exists)(struct store *st, const char *id,
			       uint32_t *current_version);

	int  (*contact_create)(struct store *st, struct contact *c);
	int  (*contact_update)(struct store *st, const struct contact *c);
	int  (*contact_get)(struct store *st, uint64_t id, struct contact *c);
	int  (*contact_find_phone)(struct store *st, const char *phone,
				   struct contact *c);
	int  (*contact_list)(struct store *st, uint64_t after_id,
			     size_t limit, store_contact_h *h, void *arg);

	int  (*trace_put)(struct store *st, const struct store_trace *t);
	int  (*trace_list)(struct store *st, const char *call_id,
			   store_trace_h *h, void *arg);

	int  (*recording_put)(struct store *st, struct store_recording *r);
	int  (*recording_get)(struct store *st, const char *id,
			      struct store_recording *r);
	int  (*recording_list)(struct store *st, const char *call_id,
			       uint64_t before, size_t limit,
			       store_recording_h *h, void *arg);
};

/* The head of every backend's handle: its first member, so the backend
 * object, its struct store and the mem object share one address. */
struct store {
	const struct store_ops *ops;    /* borrowed (static) */
};

extern const struct store_ops store_sqlite_ops;

#endif

/** @file hotline/store.h  Persistent storage, one set of calls per aggregate.
 *
 * Backends (SQLite now, PostgreSQL later) implement struct store_ops;
 * nothing outside src/store/ sees SQL or a database handle. All calls run
 * on the main thread. Every function returns 0 or an errno value:
 *   ENOENT  no such row          EEXIST  unique key taken
 *   EINVAL  bad argument         EIO     database error (logged by the store)
 * List functions call h for each row in order; h returning non-zero stops
 * the walk and that value is returned.
 */
#ifndef HOTLINE_STORE_H
#define HOTLINE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <hotline/agent.h>
#include <hotline/queue.h>
#include <hotline/call.h>
#include <hotline/contact.h>
#include <hotline/flow.h>
#include <hotline/registration.h>
#include <hotline/trunk.h>

struct store;

/* One persisted event; pointers valid only during the callback */
struct store_event {
	uint64_t seq;
	uint64_t at_ms;
	const char *type;
	const char *topics;     /* topics separated by single spaces */
	const char *json;       /* the serialized envelope */
	size_t json_len;
};

/* One row of agent_activities */
struct store_activity {
	uint64_t id;            /* cursor: increasing with time */
	struct agent_transition tr;
	const char *actor;      /* "admin", "agent:7", "system", ... */
};

typedef int (store_agent_h)(const struct agent *a, void *arg);
typedef int (store_queue_h)(const struct queue *q, void *arg);
typedef int (store_member_h)(const struct queue_member *m, void *arg);
typedef int (store_activity_h)(const struct store_activity *act, void *arg);
typedef int (store_event_h)(const struct store_event *ev, void *arg);
typedef int (store_call_h)(const struct call_record *c, void *arg);
typedef int (store_registration_h)(const struct registration *r, void *arg);
typedef int (store_trunk_h)(const struct trunk *t, void *arg);
typedef int (store_did_h)(const struct did *d, void *arg);

#define STORE_RECORDING_ID_MAX  64    /* bytes incl. NUL */
#define STORE_PATH_MAX          1024  /* a file path, bytes incl. NUL */

/* One version of a flow (004). The flow's own fields (current_version,
 * created_ms, updated_ms) come with every version. */
struct store_flow {
	char id[FLOW_ID_MAX];
	char name[FLOW_NAME_MAX];     /* the name this version was saved with */
	uint32_t version;             /* the version described */
	uint32_t current_version;     /* the flow's: new calls run it */
	uint64_t created_ms;          /* the flow's creation */
	uint64_t updated_ms;          /* the flow's last save */
	uint64_t version_ms;          /* when this version was saved */
	char *doc;                    /* owned (mem), the JSON text as saved;
					 NULL in list walks */
};

/* One executed flow step of a call; pointers borrowed (in a list walk,
 * valid only during the callback) */
struct store_trace {
	const char *call_id;
	uint32_t seq;                 /* 0, 1, 2 ... in the call */
	const char *step_id;
	const char *action;           /* flow_action_name() */
	const char *input;            /* a JSON object, as text */
	const char *result;           /* keyword: "ok", "timeout", ... */
	const char *next;             /* next step id, "" = flow over */
	uint64_t started_ms, ended_ms;
};

/* A recorded WAV file (voicemail) */
struct store_recording {
	uint64_t cursor;              /* assigned by the store; orders
					 recordings by creation */
	char id[STORE_RECORDING_ID_MAX];  /* topic "recording:<id>" */
	char call_id[CALL_ID_MAX];    /* the call it was recorded in */
	char path[STORE_PATH_MAX];    /* the file */
	uint64_t duration_ms;
	uint64_t bytes;               /* file size */
	uint64_t created_ms;
};

typedef int (store_flow_h)(const struct store_flow *f, void *arg);
typedef int (store_contact_h)(const struct contact *c, void *arg);
typedef int (store_trace_h)(const struct store_trace *t, void *arg);
typedef int (store_recording_h)(const struct store_recording *r, void *arg);

/* Filters of store_call_list; zero/empty fields do not filter */
struct store_call_filter {
	bool active;                 /* only calls not ended */
	int state;                   /* enum call_state, -1 any */
	int direction;               /* enum call_direction, -1 any */
	uint64_t agent_id;
	char did[CALL_PARTY_MAX];
	char trunk_id[CALL_TRUNK_MAX];
	char queue_id[CALL_QUEUE_MAX]; /* the (last) queue the call went to */
	uint64_t since_ms, until_ms; /* created_ms in [since, until) */
};

/** Open a store. uri: "sqlite:PATH" or a plain PATH (SQLite). Creates the
 *  file if needed and applies pending migrations (logged). *stp is a libre
 *  mem object: mem_deref() closes it (an open transaction is committed). */
int store_open(struct store **stp, const char *uri);

/* Transactions (not nested: begin inside a transaction is EALREADY).
 * Outside one, each call commits on its own. */
int store_begin(struct store *st);
int store_commit(struct store *st);
int store_rollback(struct store *st);
bool store_in_tx(const struct store *st);

/* Settings: small key/value pairs (admin token hash, event seq, ...) */
int store_setting_get(struct store *st, const char *key,
		      char *val, size_t valsz);              /* ENOENT, EOVERFLOW */
int store_setting_set(struct store *st, const char *key, const char *val);

/* Agents. create assigns a->id (and keeps created_ms/updated_ms as given);
 * EEXIST when the extension is taken. Skills are stored with the agent.
 * get/list restore st as last saved with store_agent_state_save():
 * status, reason, since, and the activity of each channel with its since
 * (calls change it). At start-up store_agent_activity_reset() puts every
 * channel back to idle, since no call survives a restart. */
int store_agent_create(struct store *st, struct agent *a);
int store_agent_update(struct store *st, const struct agent *a);
int store_agent_delete(struct store *st, uint64_t id);  /* cascades members */
int store_agent_get(struct store *st, uint64_t id, struct agent *a);
int store_agent_list(struct store *st, uint64_t after_id, size_t limit,
		     store_agent_h *h, void *arg);       /* by id; limit 0 = all */
int store_agent_state_save(struct store *st, uint64_t id,
			   const struct agent_state *s);
/** ENOENT when no agent has that extension (the SIP user name). */
int store_agent_get_by_extension(struct store *st, const char *ext,
				 struct agent *a);

int store_agent_activity_reset(struct store *st, uint64_t now_ms);

/* Agent activities (the transition log), newest first */
int store_activity_add(struct store *st, const struct agent_transition *tr,
		       const char *actor);
int store_activity_list(struct store *st, uint64_t agent_id,
			uint64_t before_id, size_t limit,
			store_activity_h *h, void *arg); /* before_id 0 = newest */

/* Queues (EEXIST on a taken id) and members */
int store_queue_create(struct store *st, const struct queue *q);
int store_queue_update(struct store *st, const struct queue *q);
int store_queue_delete(struct store *st, const char *id); /* cascades members */
int store_queue_get(struct store *st, const char *id, struct queue *q);
int store_queue_list(struct store *st, const char *after_id, size_t limit,
		     store_queue_h *h, void *arg);       /* by id; after "" = first */

/** Insert or update a membership; *created tells which.
 *  ENOENT if the queue or the agent does not exist. */
int store_member_put(struct store *st, const struct queue_member *m,
		     bool *created);
int store_member_delete(struct store *st, const char *queue_id,
			uint64_t agent_id);
int store_member_list(struct store *st, const char *queue_id,
		      store_member_h *h, void *arg);     /* by tier, position, agent */
int store_member_list_agent(struct store *st, uint64_t agent_id,
			    store_member_h *h, void *arg);

/* Events */
int store_event_append(struct store *st, uint64_t seq, uint64_t at_ms,
		       const char *type, const char *topics,
		       const char *json, size_t json_len);
/** Events with after_seq < seq <= max_seq (max_seq 0 = no bound),
 *  ascending, at most limit rows (0 = no limit). */
int store_event_list(struct store *st, uint64_t after_seq, uint64_t max_seq,
		     size_t limit, store_event_h *h, void *arg);
int store_event_prune(struct store *st, uint64_t before_ms, uint64_t *removed);
/** Lowest and highest stored seq (both 0 when there are none). */
int store_event_bounds(struct store *st, uint64_t *first, uint64_t *last);

/* Calls (CDRs). put inserts (assigning c->cursor) or updates by c->id. */
int store_call_put(struct store *st, struct call_record *c);
int store_call_get(struct store *st, const char *id, struct call_record *c);
/** Newest first: calls with cursor < before (0 = newest), filtered. */
int store_call_list(struct store *st, const struct store_call_filter *f,
		    uint64_t before, size_t limit, store_call_h *h, void *arg);
/** End every call still active (left over by a crash or a kill) with
 *  cause shutdown at now_ms; *n gets how many. */
int store_call_end_stale(struct store *st, uint64_t now_ms, size_t *n);

/* Registrations: upsert by (agent_id, contact); delete gives ENOENT when
 * there was no such binding. list: agent_id 0 = every agent, ordered by
 * agent then contact. */
int store_registration_put(struct store *st, const struct registration *r);
int store_registration_delete(struct store *st, uint64_t agent_id,
			      const char *contact);
int store_registration_list(struct store *st, uint64_t agent_id,
			    store_registration_h *h, void *arg);

/* Trunks (by id; EEXIST on a taken id) and DIDs (by number) */
int store_trunk_create(struct store *st, const struct trunk *t);
int store_trunk_update(struct store *st, const struct trunk *t);
int store_trunk_delete(struct store *st, const char *id);
int store_trunk_get(struct store *st, const char *id, struct trunk *t);
int store_trunk_list(struct store *st, const char *after_id, size_t limit,
		     store_trunk_h *h, void *arg);
int store_did_create(struct store *st, const struct did *d);
int store_did_update(struct store *st, const struct did *d);
int store_did_delete(struct store *st, const char *number);
int store_did_get(struct store *st, const char *number, struct did *d);
int store_did_list(struct store *st, const char *after_number, size_t limit,
		   store_did_h *h, void *arg);

/* Flows (004). create makes version 1 (EEXIST: id taken); update adds
 * version current + 1 and makes it current (ENOENT: no such flow), its
 * number in *version. doc is the JSON text as it is to be kept (not
 * checked here). get: version 0 = the current one; f->doc is a new mem
 * string the caller mem_deref()s (ENOENT: no such flow or version).
 * list walks the flows by id (current versions, doc NULL); versions
 * walks the versions of one flow newest first, with version < before
 * (0 = from the newest), doc NULL (ENOENT: no such flow). delete takes
 * the versions along; EBUSY while a DID targets the flow. */
int store_flow_create(struct store *st, const char *id, const char *name,
		      const char *doc, uint64_t now_ms, uint32_t *version);
int store_flow_update(struct store *st, const char *id, const char *name,
		      const char *doc, uint64_t now_ms, uint32_t *version);
int store_flow_get(struct store *st, const char *id, uint32_t version,
		   struct store_flow *f);
int store_flow_list(struct store *st, const char *after_id, size_t limit,
		    store_flow_h *h, void *arg);
int store_flow_versions(struct store *st, const char *id, uint32_t before,
			size_t limit, store_flow_h *h, void *arg);
int store_flow_delete(struct store *st, const char *id);
/** 0 when flow id exists (*current_version, if not NULL, gets the
 *  version new calls run), ENOENT when not, or a store error. */
int store_flow_exists(struct store *st, const char *id,
		      uint32_t *current_version);

/* Contacts (004). create assigns c->id (EEXIST: phone taken); update
 * replaces all but id and created_ms (ENOENT, EEXIST); find_phone looks
 * a caller up by number (ENOENT: unknown); list walks by id > after_id. */
int store_contact_create(struct store *st, struct contact *c);
int store_contact_update(struct store *st, const struct contact *c);
int store_contact_get(struct store *st, uint64_t id, struct contact *c);
int store_contact_find_phone(struct store *st, const char *phone,
			     struct contact *c);
int store_contact_list(struct store *st, uint64_t after_id, size_t limit,
		       store_contact_h *h, void *arg);

/* Call traces (004): put adds one step (EEXIST: that seq of the call is
 * taken); list walks a call's steps by seq (none for an unknown call). */
int store_trace_put(struct store *st, const struct store_trace *t);
int store_trace_list(struct store *st, const char *call_id,
		     store_trace_h *h, void *arg);

/* Recordings (004): put inserts (assigning r->cursor; EEXIST: id taken);
 * list walks newest first with cursor < before (0 = from the newest),
 * only those of call_id unless it is NULL or "". */
int store_recording_put(struct store *st, struct store_recording *r);
int store_recording_get(struct store *st, const char *id,
			struct store_recording *r);
int store_recording_list(struct store *st, const char *call_id,
			 uint64_t before, size_t limit,
			 store_recording_h *h, void *arg);

#endif

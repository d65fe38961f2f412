/** @file store/sqlite.h  SQLite backend internals shared by store/sqlite*.c */
#ifndef STORE_SQLITE_H
#define STORE_SQLITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include "store/store_impl.h"

/* Every statement the backend runs; the SQL is sqlv[] in sqlite.c.
 * Parameters are written $1, $2, ... in order of first appearance (checked
 * when prepared), so the same text also suits PostgreSQL. */
enum sqlite_sql {
	SQL_BEGIN = 0, SQL_COMMIT, SQL_ROLLBACK,
	SQL_OP_BEGIN, SQL_OP_RELEASE, SQL_OP_ROLLBACK,
	SQL_MIGRATION_MAX, SQL_MIGRATION_DONE, SQL_MIGRATION_RECORD,
	SQL_SETTING_GET, SQL_SETTING_SET,
	SQL_AGENT_INSERT, SQL_AGENT_UPDATE, SQL_AGENT_DELETE, SQL_AGENT_GET,
	SQL_AGENT_LIST, SQL_AGENT_STATE, SQL_AGENT_GET_EXT,
	SQL_AGENT_ACTIVITY_RESET,
	SQL_SKILL_INSERT, SQL_SKILL_CLEAR, SQL_SKILL_LIST,
	SQL_ACTIVITY_INSERT, SQL_ACTIVITY_LIST,
	SQL_QUEUE_INSERT, SQL_QUEUE_UPDATE, SQL_QUEUE_DELETE, SQL_QUEUE_GET,
	SQL_QUEUE_LIST,
	SQL_MEMBER_UPDATE, SQL_MEMBER_INSERT, SQL_MEMBER_DELETE,
	SQL_MEMBER_LIST, SQL_MEMBER_LIST_AGENT,
	SQL_EVENT_INSERT, SQL_EVENT_LIST, SQL_EVENT_PRUNE, SQL_EVENT_BOUNDS,
	SQL_CALL_INSERT, SQL_CALL_UPDATE, SQL_CALL_GET, SQL_CALL_LIST,
	SQL_CALL_LIST_ACTIVE, SQL_CALL_LIST_AGENT, SQL_CALL_LIST_QUEUE,
	SQL_CALL_LIST_RANGE,
	SQL_CALL_END_STALE,
	SQL_REG_PUT, SQL_REG_DELETE, SQL_REG_LIST,
	SQL_TRUNK_INSERT, SQL_TRUNK_UPDATE, SQL_TRUNK_DELETE, SQL_TRUNK_GET,
	SQL_TRUNK_LIST,
	SQL_DID_INSERT, SQL_DID_UPDATE, SQL_DID_DELETE, SQL_DID_GET,
	SQL_DID_LIST,
	SQL_FLOW_INSERT, SQL_FLOW_BUMP, SQL_FLOW_VERSION_INSERT,
	SQL_FLOW_GET, SQL_FLOW_LIST, SQL_FLOW_VERSION_LIST, SQL_FLOW_EXISTS,
	SQL_FLOW_IN_USE, SQL_FLOW_DELETE,
	SQL_CONTACT_INSERT, SQL_CONTACT_UPDATE, SQL_CONTACT_GET,
	SQL_CONTACT_GET_PHONE, SQL_CONTACT_LIST,
	SQL_TRACE_INSERT, SQL_TRACE_LIST,
	SQL_RECORDING_INSERT, SQL_RECORDING_GET, SQL_RECORDING_LIST,
	SQL_RECORDING_LIST_CALL,
	SQL_COUNT
};

struct sqlite_store {
	struct store st;                  /* first: the public handle */
	sqlite3 *db;                      /* owned */
	sqlite3_stmt *stmtv[SQL_COUNT];   /* owned; prepared once, reused */
	struct sqlite_ckpt *ckpt;         /* owned: WAL checkpoint thread */
};

static inline struct sqlite_store *to_sqlite(struct store *st)
{
	return (struct sqlite_store *)st;
}

/* Statements (sqlite.c). A statement is taken with sqlite_stmt_get(),
 * bound, stepped and always given back with sqlite_stmt_put(). */
int  sqlite_stmt_get(struct sqlite_store *ss, enum sqlite_sql id,
		     sqlite3_stmt **sp);
void sqlite_stmt_put(sqlite3_stmt *s);
int  sqlite_step(struct sqlite_store *ss, sqlite3_stmt *s, int rc,
		 bool *row, const char *what);
int  sqlite_error(struct sqlite_store *ss, int rc, const char *what);
int  sqlite_corrupt(struct sqlite_store *ss, const char *what, uint64_t id);
bool sqlite_changed(struct sqlite_store *ss);
int  sqlite_run(struct sqlite_store *ss, enum sqlite_sql id,
		const char *what);
int  sqlite_op_begin(struct sqlite_store *ss);
int  sqlite_op_end(struct sqlite_store *ss, int err);

/* Binding: each call does nothing once *rc is not SQLITE_OK, so a run of
 * binds is checked once, by sqlite_step(). */
void sqlite_bind_u64(sqlite3_stmt *s, int i, uint64_t v, int *rc);
void sqlite_bind_text(sqlite3_stmt *s, int i, const char *v, int *rc);
void sqlite_bind_textn(sqlite3_stmt *s, int i, const char *v, size_t n,
		       int *rc);
uint64_t sqlite_cursor(uint64_t v);
uint64_t sqlite_limit(size_t n);

/* Columns and fixed-size strings */
uint64_t    sqlite_col_u64(sqlite3_stmt *s, int i);
const char *sqlite_col_text(sqlite3_stmt *s, int i);
bool sqlite_col_str(sqlite3_stmt *s, int i, char *buf, size_t sz);
bool sqlite_str_ok(const char *buf, size_t sz);

int  sqlite_migrate(struct sqlite_store *ss);     /* sqlite_migrate.c */

/* Backend calls, one file per aggregate */
int  sqlite_begin(struct store *st);
int  sqlite_commit(struct store *st);
int  sqlite_rollback(struct store *st);
bool sqlite_in_tx(const struct store *st);
int  sqlite_setting_get(struct store *st, const char *key, char *val,
			size_t valsz);
int  sqlite_setting_set(struct store *st, const char *key, const char *val);

int  sqlite_agent_create(struct store *st, struct agent *a);
int  sqlite_agent_update(struct store *st, const struct agent *a);
int  sqlite_agent_delete(struct store *st, uint64_t id);
int  sqlite_agent_get(struct store *st, uint64_t id, struct agent *a);
int  sqlite_agent_list(struct store *st, uint64_t after_id, size_t limit,
		       store_agent_h *h, void *arg);
int  sqlite_agent_state_save(struct store *st, uint64_t id,
			     const struct agent_state *s);
int  sqlite_agent_get_by_extension(struct store *st, const char *ext,
				   struct agent *a);
int  sqlite_agent_activity_reset(struct store *st, uint64_t now_ms);
int  sqlite_activity_add(struct store *st, const struct agent_transition *tr,
			 const char *actor);
int  sqlite_activity_list(struct store *st, uint64_t agent_id,
			  uint64_t before_id, size_t limit,
			  store_activity_h *h, void *arg);

int  sqlite_queue_create(struct store *st, const struct queue *q);
int  sqlite_queue_update(struct store *st, const struct queue *q);
int  sqlite_queue_delete(struct store *st, const char *id);
int  sqlite_queue_get(struct store *st, const char *id, struct queue *q);
int  sqlite_queue_list(struct store *st, const char *after_id, size_t limit,
		       store_queue_h *h, void *arg);
int  sqlite_member_put(struct store *st, const struct queue_member *m,
		       bool *created);
int  sqlite_member_delete(struct store *st, const char *queue_id,
			  uint64_t agent_id);
int  sqlite_member_list(struct store *st, const char *queue_id,
			store_member_h *h, void *arg);
int  sqlite_member_list_agent(struct store *st, uint64_t agent_id,
			      store_member_h *h, void *arg);

int  sqlite_event_append(struct store *st, uint64_t seq, uint64_t at_ms,
			 const char *type, const char *topics,
			 const char *json, size_t json_len);
int  sqlite_event_list(struct store *st, uint64_t after_seq,
		       uint64_t max_seq, size_t limit,
		       store_event_h *h, void *arg);
int  sqlite_event_prune(struct store *st, uint64_t before_ms,
		       uint64_t *removed);
int  sqlite_event_bounds(struct store *st, uint64_t *first, uint64_t *last);

int  sqlite_call_put(struct store *st, struct call_record *c);
int  sqlite_call_get(struct store *st, const char *id, struct call_record *c);
int  sqlite_call_list(struct store *st, const struct store_call_filter *f,
		      uint64_t before, size_t limit, store_call_h *h,
		      void *arg);
int  sqlite_call_end_stale(struct store *st, uint64_t now_ms, size_t *n);

int  sqlite_registration_put(struct store *st, const struct registration *r);
int  sqlite_registration_delete(struct store *st, uint64_t agent_id,
				const char *contact);
int  sqlite_registration_list(struct store *st, uint64_t agent_id,
			      store_registration_h *h, void *arg);

int  sqlite_trunk_create(struct store *st, const struct trunk *t);
int  sqlite_trunk_update(struct store *st, const struct trunk *t);
int  sqlite_trunk_delete(struct store *st, const char *id);
int  sqlite_trunk_get(struct store *st, const char *id, struct trunk *t);
int  sqlite_trunk_list(struct store *st, const char *after_id, size_t limit,
		       store_trunk_h *h, void *arg);
int  sqlite_did_create(struct store *st, const struct did *d);
int  sqlite_did_update(struct store *st, const struct did *d);
int  sqlite_did_delete(struct store *st, const char *number);
int  sqlite_did_get(struct store *st, const char *number, struct did *d);
int  sqlite_did_list(struct store *st, const char *after_number,
		     size_t limit, store_did_h *h, void *arg);

int  sqlite_flow_create(struct store *st, const char *id, const char *name,
			const char *doc, uint64_t now_ms, uint32_t *version);
int  sqlite_flow_update(struct store *st, const char *id, const char *name,
			const char *doc, uint64_t now_ms, uint32_t *version);
int  sqlite_flow_get(struct store *st, const char *id, uint32_t version,
		     struct store_flow *f);
int  sqlite_flow_list(struct store *st, const char *after_id, size_t limit,
		      store_flow_h *h, void *arg);
int  sqlite_flow_versions(struct store *st, const char *id, uint32_t before,
			  size_t limit, store_flow_h *h, void *arg);
int  sqlite_flow_delete(struct store *st, const char *id);
int  sqlite_flow_exists(struct store *st, const char *id,
			uint32_t *current_version);

int  sqlite_contact_create(struct store *st, struct contact *c);
int  sqlite_contact_update(struct store *st, const struct contact *c);
int  sqlite_contact_get(struct store *st, uint64_t id, struct contact *c);
int  sqlite_contact_find_phone(struct store *st, const char *phone,
			       struct contact *c);
int  sqlite_contact_list(struct store *st, uint64_t after_id, size_t limit,
			 store_contact_h *h, void *arg);

int  sqlite_trace_put(struct store *st, const struct store_trace *t);
int  sqlite_trace_list(struct store *st, const char *call_id,
		       store_trace_h *h, void *arg);

int  sqlite_recording_put(struct store *st, struct store_recording *r);
int  sqlite_recording_get(struct store *st, const char *id,
			  struct store_recording *r);
int  sqlite_recording_list(struct store *st, const char *call_id,
			   uint64_t before, size_t limit,
			   store_recording_h *h, void *arg);

#endif

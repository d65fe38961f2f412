/** @file store/sqlite.c  SQLite backend: open and close, statements,
 *  transactions and settings; migrations and aggregates in sqlite_*.c */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include <hotline/log.h>
#include "store/sqlite.h"
#include "store/sqlite_checkpoint.h"

#define AGENT_COLS "id, name, extension, ha1, capacity_voice, " \
	"capacity_chat, capacity_email, status, reason, status_since, " \
	"created_at, updated_at, activity_voice, activity_chat, " \
	"activity_email, activity_voice_since, activity_chat_since, " \
	"activity_email_since"
#define QUEUE_COLS "id, name, strategy, offer_timeout_s, wrap_up_s, " \
	"max_wait_s, service_level_s, tier_wait_s, max_missed_offers, " \
	"join_empty, leave_empty, created_at, updated_at, decline_delay_s, " \
	"moh_file, greeting, announce_s, overflow, overflow_target"
#define MEMBER_COLS "queue_id, agent_id, tier, position, created_at"
#define CALL_COLS "cursor, id, direction, state, from_party, to_party, " \
	"did, trunk_id, agent_id, cause, hangup_by, sip_status, " \
	"created_at, ringing_at, answered_at, ended_at, held_at, queue_id, " \
	"queued_at, wait_ms, queue_result, flow_id, flow_version, contact_id"
#define REG_COLS "agent_id, contact, call_id, cseq, source, transport, " \
	"user_agent, expires_at, updated_at"
#define TRUNK_COLS "id, name, host, transport, username, password, " \
	"do_register, register_expires, caller_id, prefix, strip, prepend, " \
	"enabled, created_at, updated_at"
#define DID_COLS "number, name, target_type, target, trunk_id, " \
	"created_at, updated_at"
/* a version joined with its flow; FLOW_FROM binds $1 flow id */
#define FLOW_COLS "f.id, v.name, v.version, f.current_version, " \
	"f.created_at, f.updated_at, v.created_at"
#define FLOW_FROM " FROM flows f JOIN flow_versions v ON v.flow_id = f.id"
#define CONTACT_COLS "id, name, phone, email, crm_id, created_at, updated_at"
#define TRACE_COLS "call_id, seq, step_id, action, input, result, next, " \
	"started_at, ended_at"
#define RECORDING_COLS "cursor, id, call_id, path, duration_ms, bytes, " \
	"created_at"

/* The call list: $1 before cursor, $2 state, $3 direction, $4 agent id,
 * $5 did, $6 trunk id, $7 queue id ("" / 0 = any), $8..$9 created_at
 * range, $10 limit. Its variants differ only in the terms that pick the
 * index (see sqlite_call_list); "+created_at" keeps the planner off
 * calls_created where a cursor-ordered scan is the better plan, and
 * "+queue_id" off calls_queue likewise. */
#define CALL_LIST(state_term, agent_term, queue_term, range_term) \
	"SELECT " CALL_COLS " FROM calls WHERE cursor < $1 AND " \
	state_term " AND ($3 = '' OR direction = $3) AND " agent_term \
	" AND ($5 = '' OR did = $5) AND ($6 = '' OR trunk_id = $6) AND " \
	queue_term " AND " range_term " ORDER BY cursor DESC LIMIT $10"
#define CALL_STATE_ANY   "($2 = '' OR state = $2)"
#define CALL_STATE_ACTIVE "state <> 'ended' AND " CALL_STATE_ANY
#define CALL_AGENT_ANY   "($4 = 0 OR agent_id = $4)"
#define CALL_AGENT_ONE   "agent_id = $4"
#define CALL_QUEUE_ANY   "($7 = '' OR +queue_id = $7)"
#define CALL_QUEUE_ONE   "queue_id = $7"
#define CALL_RANGE_SCAN  "+created_at >= $8 AND +created_at < $9"
#define CALL_RANGE_INDEX "created_at >= $8 AND created_at < $9"

/* Column orders are mirrored by the enums in the sqlite_*.c readers. */
static const char *const sqlv[SQL_COUNT] = {
	[SQL_BEGIN]       = "BEGIN IMMEDIATE",
	[SQL_COMMIT]      = "COMMIT",
	[SQL_ROLLBACK]    = "ROLLBACK",
	/* one store call that writes several rows, inside or outside a tx */
	[SQL_OP_BEGIN]    = "SAVEPOINT store_op",
	[SQL_OP_RELEASE]  = "RELEASE store_op",
	[SQL_OP_ROLLBACK] = "ROLLBACK TO store_op",

	[SQL_MIGRATION_MAX] =
		"SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
	[SQL_MIGRATION_DONE] =
		"SELECT 1 FROM schema_migrations WHERE version = $1",
	[SQL_MIGRATION_RECORD] =
		"INSERT INTO schema_migrations (version, name, applied_at) "
		"VALUES ($1, $2, $3)",

	[SQL_SETTING_GET] = "SELECT value FROM settings WHERE key = $1",
	[SQL_SETTING_SET] =
		"INSERT INTO settings (key, value) VALUES ($1, $2) "
		"ON CONFLICT (key) DO UPDATE SET value = excluded.value",

	[SQL_AGENT_INSERT] =
		"INSERT INTO agents (name, extension, ha1, capacity_voice, "
		"capacity_chat, capacity_email, status, reason, status_since, "
		"created_at, updated_at) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
		"RETURNING id",
	[SQL_AGENT_UPDATE] =
		"UPDATE agents SET name = $1, extension = $2, ha1 = $3, "
		"capacity_voice = $4, capacity_chat = $5, capacity_email = $6, "
		"updated_at = $7 WHERE id = $8",
	[SQL_AGENT_DELETE] = "DELETE FROM agents WHERE id = $1",
	[SQL_AGENT_GET] = "SELECT " AGENT_COLS " FROM agents WHERE id = $1",
	[SQL_AGENT_LIST] =
		"SELECT " AGENT_COLS " FROM agents WHERE id > $1 "
		"ORDER BY id LIMIT $2",
	[SQL_AGENT_STATE] =
		"UPDATE agents SET status = $1, reason = $2, status_since = $3, "
		"activity_voice = $4, activity_chat = $5, activity_email = $6, "
		"activity_voice_since = $7, activity_chat_since = $8, "
		"activity_email_since = $9 WHERE id = $10",
	[SQL_AGENT_GET_EXT] =
		"SELECT " AGENT_COLS " FROM agents WHERE extension = $1",
	/* SET expressions read the row as it was before the update */
	[SQL_AGENT_ACTIVITY_RESET] =
		"UPDATE agents SET "
		"activity_voice_since = CASE WHEN activity_voice <> 'idle' "
		"THEN $1 ELSE activity_voice_since END, "
		"activity_chat_since = CASE WHEN activity_chat <> 'idle' "
		"THEN $1 ELSE activity_chat_since END, "
		"activity_email_since = CASE WHEN activity_email <> 'idle' "
		"THEN $1 ELSE activity_email_since END, "
		"activity_voice = 'idle', activity_chat = 'idle', "
		"activity_email = 'idle' "
		"WHERE activity_voice <> 'idle' OR activity_chat <> 'idle' "
		"OR activity_email <> 'idle'",
	[SQL_SKILL_INSERT] =
		"INSERT INTO agent_skills (agent_id, name, level) "
		"VALUES ($1, $2, $3)",
	[SQL_SKILL_CLEAR] = "DELETE FROM agent_skills WHERE agent_id = $1",
	[SQL_SKILL_LIST] =
		"SELECT name, level FROM agent_skills WHERE agent_id = $1 "
		"ORDER BY name",
	[SQL_ACTIVITY_INSERT] =
		"INSERT INTO agent_activities (agent_id, action, channel, "
		"from_state, to_state, reason, actor, at) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
	[SQL_ACTIVITY_LIST] =
		"SELECT id, agent_id, action, channel, from_state, to_state, "
		"reason, actor, at FROM agent_activities "
		"WHERE agent_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",

	[SQL_QUEUE_INSERT] =
		"INSERT INTO queues (id, name, strategy, offer_timeout_s, "
		"wrap_up_s, max_wait_s, service_level_s, tier_wait_s, "
		"max_missed_offers, join_empty, leave_empty, decline_delay_s, "
		"moh_file, greeting, announce_s, overflow, overflow_target, "
		"created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
		"$8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
	[SQL_QUEUE_UPDATE] =
		"UPDATE queues SET name = $1, strategy = $2, "
		"offer_timeout_s = $3, wrap_up_s = $4, max_wait_s = $5, "
		"service_level_s = $6, tier_wait_s = $7, "
		"max_missed_offers = $8, join_empty = $9, leave_empty = $10, "
		"decline_delay_s = $11, moh_file = $12, greeting = $13, "
		"announce_s = $14, overflow = $15, overflow_target = $16, "
		"updated_at = $17 WHERE id = $18",
	[SQL_QUEUE_DELETE] = "DELETE FROM queues WHERE id = $1",
	[SQL_QUEUE_GET] = "SELECT " QUEUE_COLS " FROM queues WHERE id = $1",
	[SQL_QUEUE_LIST] =
		"SELECT " QUEUE_COLS " FROM queues WHERE id > $1 "
		"ORDER BY id LIMIT $2",
	[SQL_MEMBER_UPDATE] =
		"UPDATE queue_members SET tier = $1, position = $2 "
		"WHERE queue_id = $3 AND agent_id = $4",
	[SQL_MEMBER_INSERT] =
		"INSERT INTO queue_members (" MEMBER_COLS ") "
		"VALUES ($1, $2, $3, $4, $5)",
	[SQL_MEMBER_DELETE] =
		"DELETE FROM queue_members "
		"WHERE queue_id = $1 AND agent_id = $2",
	[SQL_MEMBER_LIST] =
		"SELECT " MEMBER_COLS " FROM queue_members WHERE queue_id = $1 "
		"ORDER BY tier, position, agent_id",
	[SQL_MEMBER_LIST_AGENT] =
		"SELECT " MEMBER_COLS " FROM queue_members WHERE agent_id = $1 "
		"ORDER BY queue_id",

	[SQL_EVENT_INSERT] =
		"INSERT INTO events (seq, at, type, topics, json) "
		"VALUES ($1, $2, $3, $4, $5)",
	[SQL_EVENT_LIST] =
		"SELECT seq, at, type, topics, json FROM events "
		"WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3",
	[SQL_EVENT_PRUNE] = "DELETE FROM events WHERE at < $1",
	[SQL_EVENT_BOUNDS] =
		"SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) "
		"FROM events",

	[SQL_CALL_INSERT] =
		"INSERT INTO calls (id, direction, state, from_party, "
		"to_party, did, trunk_id, agent_id, cause, hangup_by, "
		"sip_status, created_at, ringing_at, answered_at, ended_at, "
		"held_at, queue_id, queued_at, wait_ms, queue_result, flow_id, "
		"flow_version, contact_id) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
		"$13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) "
		"RETURNING cursor",
	[SQL_CALL_UPDATE] =
		"UPDATE calls SET direction = $1, state = $2, from_party = $3, "
		"to_party = $4, did = $5, trunk_id = $6, agent_id = $7, "
		"cause = $8, hangup_by = $9, sip_status = $10, "
		"ringing_at = $11, answered_at = $12, ended_at = $13, "
		"held_at = $14, queue_id = $15, queued_at = $16, "
		"wait_ms = $17, queue_result = $18, flow_id = $19, "
		"flow_version = $20, contact_id = $21 WHERE id = $22 "
		"RETURNING cursor",
	[SQL_CALL_GET] = "SELECT " CALL_COLS " FROM calls WHERE id = $1",
	[SQL_CALL_LIST] = CALL_LIST(CALL_STATE_ANY, CALL_AGENT_ANY,
				    CALL_QUEUE_ANY, CALL_RANGE_SCAN),
	[SQL_CALL_LIST_ACTIVE] = CALL_LIST(CALL_STATE_ACTIVE, CALL_AGENT_ANY,
					   CALL_QUEUE_ANY, CALL_RANGE_SCAN),
	[SQL_CALL_LIST_AGENT] = CALL_LIST(CALL_STATE_ANY, CALL_AGENT_ONE,
					  CALL_QUEUE_ANY, CALL_RANGE_SCAN),
	[SQL_CALL_LIST_QUEUE] = CALL_LIST(CALL_STATE_ANY, CALL_AGENT_ANY,
					  CALL_QUEUE_ONE, CALL_RANGE_SCAN),
	[SQL_CALL_LIST_RANGE] = CALL_LIST(CALL_STATE_ANY, CALL_AGENT_ANY,
					  CALL_QUEUE_ANY, CALL_RANGE_INDEX),
	[SQL_CALL_END_STALE] =
		"UPDATE calls SET state = 'ended', cause = 'shutdown', "
		"hangup_by = 'system', ended_at = $1, held_at = 0 "
		"WHERE state <> 'ended'",

	[SQL_REG_PUT] =
		"INSERT INTO registrations (" REG_COLS ") "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
		"ON CONFLICT (agent_id, contact) DO UPDATE SET "
		"call_id = excluded.call_id, cseq = excluded.cseq, "
		"source = excluded.source, transport = excluded.transport, "
		"user_agent = excluded.user_agent, "
		"expires_at = excluded.expires_at, "
		"updated_at = excluded.updated_at",
	[SQL_REG_DELETE] =
		"DELETE FROM registrations WHERE agent_id = $1 AND contact = $2",
	[SQL_REG_LIST] =
		"SELECT " REG_COLS " FROM registrations "
		"WHERE agent_id >= $1 AND agent_id <= $2 "
		"ORDER BY agent_id, contact",

	[SQL_TRUNK_INSERT] =
		"INSERT INTO trunks (" TRUNK_COLS ") VALUES ($1, $2, $3, $4, "
		"$5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
	[SQL_TRUNK_UPDATE] =
		"UPDATE trunks SET name = $1, host = $2, transport = $3, "
		"username = $4, password = $5, do_register = $6, "
		"register_expires = $7, caller_id = $8, prefix = $9, "
		"strip = $10, prepend = $11, enabled = $12, updated_at = $13 "
		"WHERE id = $14",
	[SQL_TRUNK_DELETE] = "DELETE FROM trunks WHERE id = $1",
	[SQL_TRUNK_GET] = "SELECT " TRUNK_COLS " FROM trunks WHERE id = $1",
	[SQL_TRUNK_LIST] =
		"SELECT " TRUNK_COLS " FROM trunks WHERE id > $1 "
		"ORDER BY id LIMIT $2",
	[SQL_DID_INSERT] =
		"INSERT INTO dids (" DID_COLS ") "
		"VALUES ($1, $2, $3, $4, $5, $6, $7)",
	[SQL_DID_UPDATE] =
		"UPDATE dids SET name = $1, target_type = $2, target = $3, "
		"trunk_id = $4, updated_at = $5 WHERE number = $6",
	[SQL_DID_DELETE] = "DELETE FROM dids WHERE number = $1",
	[SQL_DID_GET] = "SELECT " DID_COLS " FROM dids WHERE number = $1",
	[SQL_DID_LIST] =
		"SELECT " DID_COLS " FROM dids WHERE number > $1 "
		"ORDER BY number LIMIT $2",

	[SQL_FLOW_INSERT] =
		"INSERT INTO flows (id, name, current_version, created_at, "
		"updated_at) VALUES ($1, $2, 1, $3, $3)",
	[SQL_FLOW_BUMP] =
		"UPDATE flows SET current_version = current_version + 1, "
		"name = $1, updated_at = $2 WHERE id = $3 "
		"RETURNING current_version",
	[SQL_FLOW_VERSION_INSERT] =
		"INSERT INTO flow_versions (flow_id, version, name, doc, "
		"created_at) VALUES ($1, $2, $3, $4, $5)",
	/* version 0 = the current one */
	[SQL_FLOW_GET] =
		"SELECT " FLOW_COLS ", v.doc" FLOW_FROM " WHERE f.id = $1 AND "
		"v.version = CASE WHEN $2 = 0 THEN f.current_version "
		"ELSE $2 END",
	[SQL_FLOW_LIST] =
		"SELECT " FLOW_COLS FLOW_FROM " AND "
		"v.version = f.current_version WHERE f.id > $1 "
		"ORDER BY f.id LIMIT $2",
	[SQL_FLOW_VERSION_LIST] =
		"SELECT " FLOW_COLS FLOW_FROM " WHERE f.id = $1 AND "
		"v.version < $2 ORDER BY v.version DESC LIMIT $3",
	[SQL_FLOW_EXISTS] =
		"SELECT current_version FROM flows WHERE id = $1",
	[SQL_FLOW_IN_USE] =
		"SELECT 1 FROM dids WHERE target_type = 'flow' AND "
		"target = $1 LIMIT 1",
	[SQL_FLOW_DELETE] = "DELETE FROM flows WHERE id = $1",

	[SQL_CONTACT_INSERT] =
		"INSERT INTO contacts (name, phone, email, crm_id, created_at, "
		"updated_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
	[SQL_CONTACT_UPDATE] =
		"UPDATE contacts SET name = $1, phone = $2, email = $3, "
		"crm_id = $4, updated_at = $5 WHERE id = $6",
	[SQL_CONTACT_GET] =
		"SELECT " CONTACT_COLS " FROM contacts WHERE id = $1",
	[SQL_CONTACT_GET_PHONE] =
		"SELECT " CONTACT_COLS " FROM contacts WHERE phone = $1",
	[SQL_CONTACT_LIST] =
		"SELECT " CONTACT_COLS " FROM contacts WHERE id > $1 "
		"ORDER BY id LIMIT $2",

	[SQL_TRACE_INSERT] =
		"INSERT INTO call_trace (" TRACE_COLS ") "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
	[SQL_TRACE_LIST] =
		"SELECT " TRACE_COLS " FROM call_trace WHERE call_id = $1 "
		"ORDER BY seq",

	[SQL_RECORDING_INSERT] =
		"INSERT INTO recordings (id, call_id, path, duration_ms, bytes, "
		"created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING cursor",
	[SQL_RECORDING_GET] =
		"SELECT " RECORDING_COLS " FROM recordings WHERE id = $1",
	[SQL_RECORDING_LIST] =
		"SELECT " RECORDING_COLS " FROM recordings WHERE cursor < $1 "
		"ORDER BY cursor DESC LIMIT $2",
	[SQL_RECORDING_LIST_CALL] =
		"SELECT " RECORDING_COLS " FROM recordings WHERE cursor < $1 "
		"AND call_id = $2 ORDER BY cursor DESC LIMIT $3",
};


/* --- statements ------------------------------------------------------ */

/* The PostgreSQL-compatible parameter convention of enum sqlite_sql */
static bool params_in_order(sqlite3_stmt *s)
{
	int n = sqlite3_bind_parameter_count(s);
	char want[16];

	for (int i = 1; i <= n; i++) {
		const char *name = sqlite3_bind_parameter_name(s, i);

		snprintf(want, sizeof(want), "$%d", i);
		if (!name || strcmp(name, want))
			return false;
	}

	return true;
}

static int stmt_prepare(struct sqlite_store *ss, enum sqlite_sql id)
{
	int rc;

	rc = sqlite3_prepare_v3(ss->db, sqlv[id], -1,
				SQLITE_PREPARE_PERSISTENT, &ss->stmtv[id],
				NULL);
	if (rc != SQLITE_OK) {
		log_error("store: prepare \"%s\": %s", sqlv[id],
			  sqlite3_errmsg(ss->db));
		return EIO;
	}
	if (!params_in_order(ss->stmtv[id])) {
		log_error("store: prepare \"%s\": parameters are not "
			  "$1..$n in order", sqlv[id]);
		sqlite3_finalize(ss->stmtv[id]);
		ss->stmtv[id] = NULL;
		return EINVAL;
	}

	return 0;
}

/**
 * Take the cached statement id, preparing it on first use.
 * Returns 0, EBUSY when it is already being stepped (a list handler
 * calling the same list again), EIO or EINVAL when it does not prepare.
 */
int sqlite_stmt_get(struct sqlite_store *ss, enum sqlite_sql id,
		    sqlite3_stmt **sp)
{
	int err;

	if (!ss->stmtv[id]) {
		err = stmt_prepare(ss, id);
		if (err)
			return err;
	}
	if (sqlite3_stmt_busy(ss->stmtv[id]))
		return EBUSY;

	*sp = ss->stmtv[id];
	return 0;
}

/** Give a statement back: reset, parameters cleared. NULL is ignored. */
void sqlite_stmt_put(sqlite3_stmt *s)
{
	if (!s)
		return;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/**
 * Map a SQLite result code to the store's errno contract: unique keys
 * EEXIST, foreign keys ENOENT (the referenced row is missing), CHECK/NOT
 * NULL/too big EINVAL. Anything else is logged with the database's
 * message and becomes EIO (ENOMEM for out of memory).
 */
int sqlite_error(struct sqlite_store *ss, int rc, const char *what)
{
	switch (rc) {

	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return EEXIST;

	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return ENOENT;

	case SQLITE_CONSTRAINT_CHECK:
	case SQLITE_CONSTRAINT_NOTNULL:
	case SQLITE_TOOBIG:
		return EINVAL;

	case SQLITE_NOMEM:
		return ENOMEM;

	default:
		log_error("store: %s: %s", what, sqlite3_errmsg(ss->db));
		return EIO;
	}
}

/** A row holds a value this build cannot read: EIO, logged. */
int sqlite_corrupt(struct sqlite_store *ss, const char *what, uint64_t id)
{
	log_error("store: %s %llu: unreadable row", what,
		  (unsigned long long)id);
	return EIO;
}

/**
 * Step s once. rc is the outcome of binding its parameters: if it is not
 * SQLITE_OK the statement is not run and rc is mapped instead. With row
 * NULL the statement is a write and must not fail; otherwise *row tells
 * whether a row is ready. Returns 0 or sqlite_error().
 */
int sqlite_step(struct sqlite_store *ss, sqlite3_stmt *s, int rc,
		bool *row, const char *what)
{
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);

	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sqlite_error(ss, rc, what);

	if (row)
		*row = (rc == SQLITE_ROW);
	return 0;
}

/** Whether the last INSERT/UPDATE/DELETE touched a row */
bool sqlite_changed(struct sqlite_store *ss)
{
	return sqlite3_changes64(ss->db) > 0;
}

/** Take, step and give back statement id, which takes no parameters */
int sqlite_run(struct sqlite_store *ss, enum sqlite_sql id, const char *what)
{
	sqlite3_stmt *s;
	int err;

	err = sqlite_stmt_get(ss, id, &s);
	if (err)
		return err;
	err = sqlite_step(ss, s, SQLITE_OK, NULL, what);
	sqlite_stmt_put(s);
	return err;
}


/* --- binding and columns --------------------------------------------- */

/** Bind v; values over INT64_MAX do not fit a column: SQLITE_TOOBIG. */
void sqlite_bind_u64(sqlite3_stmt *s, int i, uint64_t v, int *rc)
{
	if (*rc != SQLITE_OK)
		return;
	if (v > INT64_MAX)
		*rc = SQLITE_TOOBIG;
	else
		*rc = sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}

/** Bind a C string (copied by SQLite); NULL binds SQL NULL. */
void sqlite_bind_text(sqlite3_stmt *s, int i, const char *v, int *rc)
{
	if (*rc != SQLITE_OK)
		return;
	if (v)
		*rc = sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		*rc = sqlite3_bind_null(s, i);
}

/** Bind n bytes of text; v must stay valid until sqlite_stmt_put(). */
void sqlite_bind_textn(sqlite3_stmt *s, int i, const char *v, size_t n,
		       int *rc)
{
	if (*rc != SQLITE_OK)
		return;
	if (n > INT32_MAX)
		*rc = SQLITE_TOOBIG;
	else
		*rc = sqlite3_bind_text(s, i, v, (int)n, SQLITE_STATIC);
}

/** A cursor value as a bindable bound (ids never exceed INT64_MAX) */
uint64_t sqlite_cursor(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : v;
}

/** A LIMIT value: 0 (no limit) and huge values become INT64_MAX, which
 *  both SQLite and PostgreSQL accept. */
uint64_t sqlite_limit(size_t n)
{
	return (n == 0 || n > INT64_MAX) ? INT64_MAX : n;
}

uint64_t sqlite_col_u64(sqlite3_stmt *s, int i)
{
	sqlite3_int64 v = sqlite3_column_int64(s, i);

	return v < 0 ? 0 : (uint64_t)v;
}

/** Column i as text, "" for NULL; valid until the next step or put */
const char *sqlite_col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

/** Copy column i into buf[sz]; false (buf "") when it does not fit. */
bool sqlite_col_str(sqlite3_stmt *s, int i, char *buf, size_t sz)
{
	const char *t = sqlite_col_text(s, i);
	size_t n = (size_t)sqlite3_column_bytes(s, i);

	if (n >= sz || memchr(t, '\0', n)) {
		buf[0] = '\0';
		return false;
	}

	memcpy(buf, t, n + 1);
	return true;
}

/** Whether a fixed-size string field is NUL-terminated */
bool sqlite_str_ok(const char *buf, size_t sz)
{
	return memchr(buf, '\0', sz) != NULL;
}


/* --- transactions ---------------------------------------------------- */

/** Open a savepoint around one store call that writes several rows; it
 *  nests in a caller's transaction or makes its own. */
int sqlite_op_begin(struct sqlite_store *ss)
{
	return sqlite_run(ss, SQL_OP_BEGIN, "savepoint");
}

/** Close the savepoint: kept when err is 0, undone otherwise (the
 *  caller's transaction, if any, stays open). Returns err, or the release
 *  failure. */
int sqlite_op_end(struct sqlite_store *ss, int err)
{
	int rerr;

	if (err)
		(void)sqlite_run(ss, SQL_OP_ROLLBACK, "savepoint rollback");

	rerr = sqlite_run(ss, SQL_OP_RELEASE, "savepoint release");
	return err ? err : rerr;
}

/** BEGIN IMMEDIATE: the write lock is taken now, not at the first write,
 *  so a busy database fails here (after busy_timeout) and not mid-way. */
int sqlite_begin(struct store *st)
{
	struct sqlite_store *ss = to_sqlite(st);

	if (sqlite_in_tx(st))
		return EALREADY;
	return sqlite_run(ss, SQL_BEGIN, "begin");
}

/** Commit; EINVAL outside a transaction. On failure the transaction
 *  stays open (retry, or roll back). */
int sqlite_commit(struct store *st)
{
	struct sqlite_store *ss = to_sqlite(st);

	if (!sqlite_in_tx(st))
		return EINVAL;
	return sqlite_run(ss, SQL_COMMIT, "commit");
}

/** Roll back; EINVAL outside a transaction. */
int sqlite_rollback(struct store *st)
{
	struct sqlite_store *ss = to_sqlite(st);

	if (!sqlite_in_tx(st))
		return EINVAL;
	return sqlite_run(ss, SQL_ROLLBACK, "rollback");
}

/* Asks SQLite rather than keeping a flag: it ends a transaction on its own
 * after some errors (SQLITE_FULL, SQLITE_IOERR, ...). */
bool sqlite_in_tx(const struct store *st)
{
	const struct sqlite_store *ss = (const struct sqlite_store *)st;

	return ss->db && !sqlite3_get_autocommit(ss->db);
}


/* --- settings -------------------------------------------------------- */

/** Copy the value of key into val[valsz]. ENOENT: no such key;
 *  EOVERFLOW: the value and its NUL do not fit (val untouched). */
int sqlite_setting_get(struct store *st, const char *key, char *val,
		       size_t valsz)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s = NULL;
	int rc = SQLITE_OK, err;
	bool row = false;
	size_t n;

	if (!key || !val)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_SETTING_GET, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, key, &rc);
	err = sqlite_step(ss, s, rc, &row, "setting get");
	if (err)
		goto out;
	if (!row) {
		err = ENOENT;
		goto out;
	}

	n = (size_t)sqlite3_column_bytes(s, 0);
	if (n >= valsz) {
		err = EOVERFLOW;
		goto out;
	}
	memcpy(val, sqlite_col_text(s, 0), n + 1);

 out:
	sqlite_stmt_put(s);
	return err;
}

/** Insert or replace key = val. */
int sqlite_setting_set(struct store *st, const char *key, const char *val)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!key || !val)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_SETTING_SET, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, key, &rc);
	sqlite_bind_text(s, 2, val, &rc);
	err = sqlite_step(ss, s, rc, NULL, "setting set");
	sqlite_stmt_put(s);
	return err;
}


/* --- open and close -------------------------------------------------- */

#define CHECKPOINT_INTERVAL_MS 1000

/* WAL keeps readers off the writer's back; synchronous=NORMAL with WAL
 * loses nothing committed on a process crash (only on power loss).
 * Checkpoints run on their own thread (sqlite_checkpoint.c), so this
 * connection never does one; the WAL file is trimmed back to 64 MiB. */
static int pragmas(struct sqlite_store *ss, const char *path)
{
	static const char sql[] =
		"PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
		"PRAGMA wal_autocheckpoint = 0;"
		"PRAGMA journal_size_limit = 67108864";
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(ss->db, "PRAGMA journal_mode = WAL", -1, &s,
				NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && strcmp(sqlite_col_text(s, 0), "wal"))
		log_warn("store: %s: journal_mode is %s, not wal", path,
			 sqlite_col_text(s, 0));
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return sqlite_error(ss, rc, "journal_mode");

	rc = sqlite3_exec(ss->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : sqlite_error(ss, rc, "pragma");
}

static int db_open(struct sqlite_store *ss, const char *path)
{
	int rc;

	rc = sqlite3_open_v2(path, &ss->db, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_error("store: open %s: %s", path, ss->db ?
			  sqlite3_errmsg(ss->db) : sqlite3_errstr(rc));
		return EIO;
	}

	sqlite3_extended_result_codes(ss->db, 1);
	sqlite3_busy_timeout(ss->db, 5000);

	return pragmas(ss, path);
}

/* Prepare every statement now, so a bad one fails the open, not a call */
static int prepare_all(struct sqlite_store *ss)
{
	for (int id = 0; id < SQL_COUNT; id++) {
		sqlite3_stmt *s;
		int err = sqlite_stmt_get(ss, (enum sqlite_sql)id, &s);

		if (err)
			return err;
	}

	return 0;
}

static void destructor(void *arg)
{
	struct sqlite_store *ss = arg;

	sqlite_ckpt_stop(ss->ckpt);
	if (sqlite_in_tx(&ss->st) &&
	    sqlite_run(ss, SQL_COMMIT, "close: commit"))
		(void)sqlite3_exec(ss->db, "ROLLBACK", NULL, NULL, NULL);

	for (int id = 0; id < SQL_COUNT; id++)
		sqlite3_finalize(ss->stmtv[id]);

	if (ss->db && sqlite3_close(ss->db) != SQLITE_OK)
		log_error("store: close: %s", sqlite3_errmsg(ss->db));
}

/**
 * Open (creating it if needed) the SQLite database at path, apply the
 * pending migrations and prepare every statement. On success *stp is a
 * mem object; mem_deref() commits an open transaction and closes the
 * database. Returns 0, EINVAL (empty path), ENOMEM, EPROTO (schema newer
 * than this build) or EIO (logged).
 */
static int sqlite_open(struct store **stp, const char *path)
{
	struct sqlite_store *ss;
	int err;

	if (!stp || !path || !*path)
		return EINVAL;

	ss = mem_zalloc(sizeof(*ss), destructor);
	if (!ss)
		return ENOMEM;
	ss->st.ops = &store_sqlite_ops;

	err = db_open(ss, path);
	if (err)
		goto out;
	err = sqlite_migrate(ss);
	if (err)
		goto out;
	err = prepare_all(ss);
	if (err)
		goto out;
	err = sqlite_ckpt_start(&ss->ckpt, path, CHECKPOINT_INTERVAL_MS);
	if (err)
		log_error("store: checkpoint thread: %m\n", err);

 out:
	if (err)
		mem_deref(ss);
	else
		*stp = &ss->st;

	return err;
}

const struct store_ops store_sqlite_ops = {
	.name              = "sqlite",
	.open              = sqlite_open,
	.begin             = sqlite_begin,
	.commit            = sqlite_commit,
	.rollback          = sqlite_rollback,
	.in_tx             = sqlite_in_tx,
	.setting_get       = sqlite_setting_get,
	.setting_set       = sqlite_setting_set,
	.agent_create      = sqlite_agent_create,
	.agent_update      = sqlite_agent_update,
	.agent_delete      = sqlite_agent_delete,
	.agent_get         = sqlite_agent_get,
	.agent_list        = sqlite_agent_list,
	.agent_state_save  = sqlite_agent_state_save,
	.activity_add      = sqlite_activity_add,
	.activity_list     = sqlite_activity_list,
	.queue_create      = sqlite_queue_create,
	.queue_update      = sqlite_queue_update,
	.queue_delete      = sqlite_queue_delete,
	.queue_get         = sqlite_queue_get,
	.queue_list        = sqlite_queue_list,
	.member_put        = sqlite_member_put,
	.member_delete     = sqlite_member_delete,
	.member_list       = sqlite_member_list,
	.member_list_agent = sqlite_member_list_agent,
	.event_append      = sqlite_event_append,
	.event_list        = sqlite_event_list,
	.event_prune       = sqlite_event_prune,
	.event_bounds      = sqlite_event_bounds,
	.agent_get_by_extension = sqlite_agent_get_by_extension,
	.agent_activity_reset   = sqlite_agent_activity_reset,
	.call_put          = sqlite_call_put,
	.call_get          = sqlite_call_get,
	.call_list         = sqlite_call_list,
	.call_end_stale    = sqlite_call_end_stale,
	.registration_put  = sqlite_registration_put,
	.registration_delete = sqlite_registration_delete,
	.registration_list = sqlite_registration_list,
	.trunk_create      = sqlite_trunk_create,
	.trunk_update      = sqlite_trunk_update,
	.trunk_delete      = sqlite_trunk_delete,
	.trunk_get         = sqlite_trunk_get,
	.trunk_list        = sqlite_trunk_list,
	.did_create        = sqlite_did_create,
	.did_update        = sqlite_did_update,
	.did_delete        = sqlite_did_delete,
	.did_get           = sqlite_did_get,
	.did_list          = sqlite_did_list,
	.flow_create       = sqlite_flow_create,
	.flow_update       = sqlite_flow_update,
	.flow_get          = sqlite_flow_get,
	.flow_list         = sqlite_flow_list,
	.flow_versions     = sqlite_flow_versions,
	.flow_delete       = sqlite_flow_delete,
	.flow_exists       = sqlite_flow_exists,
	.contact_create    = sqlite_contact_create,
	.contact_update    = sqlite_contact_update,
	.contact_get       = sqlite_contact_get,
	.contact_find_phone = sqlite_contact_find_phone,
	.contact_list      = sqlite_contact_list,
	.trace_put         = sqlite_trace_put,
	.trace_list        = sqlite_trace_list,
	.recording_put     = sqlite_recording_put,
	.recording_get     = sqlite_recording_get,
	.recording_list    = sqlite_recording_list,
};

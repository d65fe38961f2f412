/** @file store/sqlite_calls.c  SQLite backend: call records (CDRs) */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <hotline/log.h>
#include "store/sqlite.h"

/* Columns of CALL_COLS (sqlite.c) */
enum { C_CURSOR = 0, C_ID, C_DIRECTION, C_STATE, C_FROM, C_TO, C_DID,
       C_TRUNK, C_AGENT, C_CAUSE, C_HANGUP_BY, C_SIP_STATUS, C_CREATED,
       C_RINGING, C_ANSWERED, C_ENDED, C_HELD, C_QUEUE, C_QUEUED, C_WAIT,
       C_QUEUE_RESULT, C_FLOW, C_FLOW_VERSION, C_CONTACT };

/* Parameters of the SQL_CALL_LIST* statements */
enum { L_BEFORE = 1, L_STATE, L_DIRECTION, L_AGENT, L_DID, L_TRUNK,
       L_QUEUE, L_SINCE, L_UNTIL, L_LIMIT };


/* --- validation ------------------------------------------------------ */

/* The queue part (003): a queue id exactly when queued_ms is set, and a
 * result only for a call that was queued */
static bool queue_part_valid(const struct call_record *c)
{
	return sqlite_str_ok(c->queue_id, sizeof(c->queue_id)) &&
		(unsigned)c->queue_result < CALL_QUEUE_RESULT_COUNT &&
		(c->queued_ms == 0) == (c->queue_id[0] == '\0') &&
		(c->queue_result == CALL_QUEUE_NONE || c->queued_ms);
}

/* The flow part (004): a flow id exactly when a version is set */
static bool flow_part_valid(const struct call_record *c)
{
	return sqlite_str_ok(c->flow_id, sizeof(c->flow_id)) &&
		(c->flow_version == 0) == (c->flow_id[0] == '\0');
}

/* What the schema needs: terminated strings, a non-empty id, enums in
 * range, a cause exactly when the call has ended, and the queue and flow
 * parts above. Formats (hex id, numbers) are the caller's business. */
static bool call_valid(const struct call_record *c)
{
	return sqlite_str_ok(c->id, sizeof(c->id)) && c->id[0] &&
		sqlite_str_ok(c->from, sizeof(c->from)) &&
		sqlite_str_ok(c->to, sizeof(c->to)) &&
		sqlite_str_ok(c->did, sizeof(c->did)) &&
		sqlite_str_ok(c->trunk_id, sizeof(c->trunk_id)) &&
		(unsigned)c->direction < CALL_DIRECTION_COUNT &&
		(unsigned)c->state < CALL_STATE_COUNT &&
		(unsigned)c->cause < CALL_CAUSE_COUNT &&
		(unsigned)c->hangup_by < CALL_PARTY_COUNT &&
		(c->state == CALL_ENDED) == (c->cause != CALL_CAUSE_NONE) &&
		queue_part_valid(c) && flow_part_valid(c);
}

static bool filter_valid(const struct store_call_filter *f)
{
	return f->state >= -1 && f->state < CALL_STATE_COUNT &&
		f->direction >= -1 && f->direction < CALL_DIRECTION_COUNT &&
		sqlite_str_ok(f->did, sizeof(f->did)) &&
		sqlite_str_ok(f->trunk_id, sizeof(f->trunk_id)) &&
		sqlite_str_ok(f->queue_id, sizeof(f->queue_id));
}


/* --- binding and reading --------------------------------------------- */

/* $first..$first+9: direction .. sip_status, as in SQL_CALL_INSERT
 * (after the id) and SQL_CALL_UPDATE. agent 0 is stored as NULL. */
static void bind_fields(sqlite3_stmt *s, int first,
			const struct call_record *c, int *rc)
{
	sqlite_bind_text(s, first, call_direction_name(c->direction), rc);
	sqlite_bind_text(s, first + 1, call_state_name(c->state), rc);
	sqlite_bind_text(s, first + 2, c->from, rc);
	sqlite_bind_text(s, first + 3, c->to, rc);
	sqlite_bind_text(s, first + 4, c->did, rc);
	sqlite_bind_text(s, first + 5, c->trunk_id, rc);
	if (c->agent_id)
		sqlite_bind_u64(s, first + 6, c->agent_id, rc);
	else if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_null(s, first + 6);
	sqlite_bind_text(s, first + 7, call_cause_name(c->cause), rc);
	sqlite_bind_text(s, first + 8, call_party_name(c->hangup_by), rc);
	sqlite_bind_u64(s, first + 9, c->sip_status, rc);
}

/* $first..$first+10: ringing, answered, ended, held, then the queue
 * part: queue id, queued at, wait, result, then the flow part: flow id,
 * version, contact (0 is stored as NULL) */
static void bind_times(sqlite3_stmt *s, int first,
		       const struct call_record *c, int *rc)
{
	sqlite_bind_u64(s, first, c->ringing_ms, rc);
	sqlite_bind_u64(s, first + 1, c->answered_ms, rc);
	sqlite_bind_u64(s, first + 2, c->ended_ms, rc);
	sqlite_bind_u64(s, first + 3, c->held_ms, rc);
	sqlite_bind_text(s, first + 4, c->queue_id, rc);
	sqlite_bind_u64(s, first + 5, c->queued_ms, rc);
	sqlite_bind_u64(s, first + 6, c->wait_ms, rc);
	sqlite_bind_text(s, first + 7, call_queue_result_name(c->queue_result),
			 rc);
	sqlite_bind_text(s, first + 8, c->flow_id, rc);
	sqlite_bind_u64(s, first + 9, c->flow_version, rc);
	if (c->contact_id)
		sqlite_bind_u64(s, first + 10, c->contact_id, rc);
	else if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_null(s, first + 10);
}

static bool enums_read(sqlite3_stmt *s, struct call_record *c)
{
	return !call_direction_parse(sqlite_col_text(s, C_DIRECTION),
				     &c->direction) &&
		!call_state_parse(sqlite_col_text(s, C_STATE), &c->state) &&
		!call_cause_parse(sqlite_col_text(s, C_CAUSE), &c->cause) &&
		!call_party_parse(sqlite_col_text(s, C_HANGUP_BY),
				  &c->hangup_by) &&
		!call_queue_result_parse(sqlite_col_text(s, C_QUEUE_RESULT),
					 &c->queue_result);
}

/* One CALL_COLS row into *c. An unknown cause (written by a newer build)
 * makes the row unreadable rather than silently different. */
static int call_read(struct sqlite_store *ss, sqlite3_stmt *s,
		     struct call_record *c)
{
	memset(c, 0, sizeof(*c));
	c->cursor = sqlite_col_u64(s, C_CURSOR);

	if (!sqlite_col_str(s, C_ID, c->id, sizeof(c->id)) ||
	    !sqlite_col_str(s, C_FROM, c->from, sizeof(c->from)) ||
	    !sqlite_col_str(s, C_TO, c->to, sizeof(c->to)) ||
	    !sqlite_col_str(s, C_DID, c->did, sizeof(c->did)) ||
	    !sqlite_col_str(s, C_TRUNK, c->trunk_id, sizeof(c->trunk_id)) ||
	    !sqlite_col_str(s, C_QUEUE, c->queue_id, sizeof(c->queue_id)) ||
	    !sqlite_col_str(s, C_FLOW, c->flow_id, sizeof(c->flow_id)) ||
	    !enums_read(s, c))
		return sqlite_corrupt(ss, "call", c->cursor);

	c->agent_id    = sqlite_col_u64(s, C_AGENT);   /* NULL reads 0 */
	c->sip_status  = (uint16_t)sqlite_col_u64(s, C_SIP_STATUS);
	c->created_ms  = sqlite_col_u64(s, C_CREATED);
	c->ringing_ms  = sqlite_col_u64(s, C_RINGING);
	c->answered_ms = sqlite_col_u64(s, C_ANSWERED);
	c->ended_ms    = sqlite_col_u64(s, C_ENDED);
	c->held_ms     = sqlite_col_u64(s, C_HELD);
	c->queued_ms   = sqlite_col_u64(s, C_QUEUED);
	c->wait_ms     = sqlite_col_u64(s, C_WAIT);
	c->flow_version = (uint32_t)sqlite_col_u64(s, C_FLOW_VERSION);
	c->contact_id  = sqlite_col_u64(s, C_CONTACT);  /* NULL reads 0 */
	return 0;
}


/* --- put and get ----------------------------------------------------- */

/* Update the row of c->id; *cursor is its cursor, 0 when there is none */
static int call_update(struct sqlite_store *ss, const struct call_record *c,
		       uint64_t *cursor)
{
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	err = sqlite_stmt_get(ss, SQL_CALL_UPDATE, &s);
	if (err)
		return err;

	bind_fields(s, 1, c, &rc);
	bind_times(s, 11, c, &rc);
	sqlite_bind_text(s, 22, c->id, &rc);
	err = sqlite_step(ss, s, rc, &row, "call put");
	*cursor = (!err && row) ? sqlite_col_u64(s, 0) : 0;

	sqlite_stmt_put(s);
	return err;
}

static int call_insert(struct sqlite_store *ss, const struct call_record *c,
		       uint64_t *cursor)
{
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	err = sqlite_stmt_get(ss, SQL_CALL_INSERT, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, c->id, &rc);
	bind_fields(s, 2, c, &rc);
	sqlite_bind_u64(s, 12, c->created_ms, &rc);
	bind_times(s, 13, c, &rc);
	err = sqlite_step(ss, s, rc, &row, "call put");
	*cursor = (!err && row) ? sqlite_col_u64(s, 0) : 0;
	if (!err && !*cursor)
		err = sqlite_corrupt(ss, "call put", 0);

	sqlite_stmt_put(s);
	return err;
}

/**
 * Save call c: insert it when c->id is new, else replace every column of
 * that record but its cursor and created_ms. On success c->cursor is the
 * record's cursor (assigned at insert, increasing, never reused).
 * EINVAL: empty or unterminated strings, enums out of range, a cause
 * on an active call / none on an ended one, a queue_id without
 * queued_ms or the reverse, a queue_result on a call never queued, or a
 * flow_id without flow_version or the reverse.
 *
 * Update-then-insert, like sqlite_member_put(): one connection on one
 * thread, so nothing slips in between.
 */
int sqlite_call_put(struct store *st, struct call_record *c)
{
	struct sqlite_store *ss = to_sqlite(st);
	uint64_t cursor = 0;
	int err;

	if (!c || !call_valid(c))
		return EINVAL;

	err = call_update(ss, c, &cursor);
	if (!err && !cursor)
		err = call_insert(ss, c, &cursor);
	if (!err)
		c->cursor = cursor;

	return err;
}

/** Load call id into *c (written on success only). ENOENT: none. */
int sqlite_call_get(struct store *st, const char *id, struct call_record *c)
{
	struct sqlite_store *ss = to_sqlite(st);
	struct call_record tmp;
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	if (!id || !c)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_CALL_GET, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, id, &rc);
	err = sqlite_step(ss, s, rc, &row, "call get");
	if (!err)
		err = row ? call_read(ss, s, &tmp) : ENOENT;
	if (!err)
		*c = tmp;

	sqlite_stmt_put(s);
	return err;
}


/* --- list ------------------------------------------------------------ */

/* The statement whose index suits f best. Without statistics the planner
 * cannot tell how selective an optional filter is, so we choose: active
 * calls are few (partial index), then one agent's calls, then one
 * queue's, then a time window; else the cursor order itself. */
static enum sqlite_sql list_statement(const struct store_call_filter *f)
{
	if (f->active || (f->state >= 0 && f->state != CALL_ENDED))
		return SQL_CALL_LIST_ACTIVE;
	if (f->agent_id)
		return SQL_CALL_LIST_AGENT;
	if (f->queue_id[0])
		return SQL_CALL_LIST_QUEUE;
	if (f->since_ms || f->until_ms)
		return SQL_CALL_LIST_RANGE;

	return SQL_CALL_LIST;
}

static void bind_filter(sqlite3_stmt *s, const struct store_call_filter *f,
			uint64_t before, size_t limit, int *rc)
{
	sqlite_bind_u64(s, L_BEFORE, before ? sqlite_cursor(before) :
			INT64_MAX, rc);
	sqlite_bind_text(s, L_STATE, f->state < 0 ? "" :
			 call_state_name((enum call_state)f->state), rc);
	sqlite_bind_text(s, L_DIRECTION, f->direction < 0 ? "" :
			 call_direction_name((enum call_direction)
					     f->direction), rc);
	sqlite_bind_u64(s, L_AGENT, sqlite_cursor(f->agent_id), rc);
	sqlite_bind_text(s, L_DID, f->did, rc);
	sqlite_bind_text(s, L_TRUNK, f->trunk_id, rc);
	sqlite_bind_text(s, L_QUEUE, f->queue_id, rc);
	sqlite_bind_u64(s, L_SINCE, sqlite_cursor(f->since_ms), rc);
	sqlite_bind_u64(s, L_UNTIL, f->until_ms ? sqlite_cursor(f->until_ms) :
			INT64_MAX, rc);
	sqlite_bind_u64(s, L_LIMIT, sqlite_limit(limit), rc);
}

/**
 * Walk the calls matching f (NULL = all) newest first: cursor < before
 * (0 = from the newest), at most limit (0 = all). Filters: active (not
 * ended), state and direction (-1 = any), agent_id (0 = any), did,
 * trunk_id and queue_id ("" = any), created_ms in [since_ms, until_ms)
 * (0 = open).
 * EINVAL: a filter enum out of range.
 */
int sqlite_call_list(struct store *st, const struct store_call_filter *f,
		     uint64_t before, size_t limit, store_call_h *h, void *arg)
{
	static const struct store_call_filter all = {.state = -1,
		.direction = -1};
	struct sqlite_store *ss = to_sqlite(st);
	struct call_record c;
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	if (!f)
		f = &all;
	if (!h || !filter_valid(f))
		return EINVAL;

	err = sqlite_stmt_get(ss, list_statement(f), &s);
	if (err)
		return err;

	bind_filter(s, f, before, limit, &rc);
	while (!(err = sqlite_step(ss, s, rc, &row, "call list")) && row) {
		err = call_read(ss, s, &c);
		if (!err)
			err = h(&c, arg);
		if (err)
			break;
	}

	sqlite_stmt_put(s);
	return err;
}

/**
 * End every call not ended yet: state ended, cause shutdown, hangup by
 * system, ended at now_ms, no hold. For start-up, after a crash or a kill
 * left records active. *n (if not NULL) gets how many were ended.
 */
int sqlite_call_end_stale(struct store *st, uint64_t now_ms, size_t *n)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	err = sqlite_stmt_get(ss, SQL_CALL_END_STALE, &s);
	if (err)
		return err;

	sqlite_bind_u64(s, 1, now_ms, &rc);
	err = sqlite_step(ss, s, rc, NULL, "call end stale");
	if (!err && n)
		*n = (size_t)sqlite3_changes64(ss->db);

	sqlite_stmt_put(s);
	return err;
}

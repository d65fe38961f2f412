/** @file store/sqlite_queues.c  SQLite backend: queues and their members */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <hotline/log.h>
#include "store/sqlite.h"

/* Columns of QUEUE_COLS and MEMBER_COLS (sqlite.c) */
enum { Q_ID = 0, Q_NAME, Q_STRATEGY, Q_OFFER_TIMEOUT, Q_WRAP_UP,
       Q_MAX_WAIT, Q_SERVICE_LEVEL, Q_TIER_WAIT, Q_MAX_MISSED,
       Q_JOIN_EMPTY, Q_LEAVE_EMPTY, Q_CREATED, Q_UPDATED, Q_DECLINE_DELAY,
       Q_MOH_FILE, Q_GREETING, Q_ANNOUNCE, Q_OVERFLOW, Q_OVERFLOW_TARGET };
enum { M_QUEUE = 0, M_AGENT, M_TIER, M_POSITION, M_CREATED };


/* --- queues ---------------------------------------------------------- */

/* What the schema needs; ranges, the id format and whether an overflow
 * target exists are the API's business */
static bool queue_valid(const struct queue *q)
{
	return sqlite_str_ok(q->id, sizeof(q->id)) && q->id[0] &&
		sqlite_str_ok(q->name, sizeof(q->name)) &&
		sqlite_str_ok(q->moh_file, sizeof(q->moh_file)) &&
		sqlite_str_ok(q->greeting, sizeof(q->greeting)) &&
		sqlite_str_ok(q->overflow_target,
			      sizeof(q->overflow_target)) &&
		(unsigned)q->strategy < QUEUE_STRATEGY_COUNT &&
		(unsigned)q->overflow < QUEUE_OVERFLOW_COUNT;
}

/* $first.. : name, strategy, the six numbers and the two flags (001),
 * then decline delay, music, greeting, announcement period, overflow
 * and its target (003): 16 parameters */
static void bind_config(sqlite3_stmt *s, int first, const struct queue *q,
			int *rc)
{
	const uint64_t numv[] = {
		q->offer_timeout_s, q->wrap_up_s, q->max_wait_s,
		q->service_level_s, q->tier_wait_s, q->max_missed_offers,
		q->join_empty, q->leave_empty, q->decline_delay_s,
	};
	int i = first;

	sqlite_bind_text(s, i++, q->name, rc);
	sqlite_bind_text(s, i++, queue_strategy_name(q->strategy), rc);
	for (size_t k = 0; k < ARRAY_SIZE(numv); k++)
		sqlite_bind_u64(s, i++, numv[k], rc);
	sqlite_bind_text(s, i++, q->moh_file, rc);
	sqlite_bind_text(s, i++, q->greeting, rc);
	sqlite_bind_u64(s, i++, q->announce_s, rc);
	sqlite_bind_text(s, i++, queue_overflow_name(q->overflow), rc);
	sqlite_bind_text(s, i, q->overflow_target, rc);
}

/* The strings and enums of a QUEUE_COLS row; false if one is unreadable
 * (too long, or a name this build does not know) */
static bool queue_read_text(sqlite3_stmt *s, struct queue *q)
{
	return sqlite_col_str(s, Q_ID, q->id, sizeof(q->id)) &&
		sqlite_col_str(s, Q_NAME, q->name, sizeof(q->name)) &&
		!queue_strategy_parse(sqlite_col_text(s, Q_STRATEGY),
				      &q->strategy) &&
		sqlite_col_str(s, Q_MOH_FILE, q->moh_file,
			       sizeof(q->moh_file)) &&
		sqlite_col_str(s, Q_GREETING, q->greeting,
			       sizeof(q->greeting)) &&
		!queue_overflow_parse(sqlite_col_text(s, Q_OVERFLOW),
				      &q->overflow) &&
		sqlite_col_str(s, Q_OVERFLOW_TARGET, q->overflow_target,
			       sizeof(q->overflow_target));
}

static int queue_read(struct sqlite_store *ss, sqlite3_stmt *s,
		      struct queue *q)
{
	memset(q, 0, sizeof(*q));

	/* an overflow action from a newer build: unreadable, not misread */
	if (!queue_read_text(s, q))
		return sqlite_corrupt(ss, "queue", 0);

	q->offer_timeout_s   = (uint32_t)sqlite_col_u64(s, Q_OFFER_TIMEOUT);
	q->wrap_up_s         = (uint32_t)sqlite_col_u64(s, Q_WRAP_UP);
	q->max_wait_s        = (uint32_t)sqlite_col_u64(s, Q_MAX_WAIT);
	q->service_level_s   = (uint32_t)sqlite_col_u64(s, Q_SERVICE_LEVEL);
	q->tier_wait_s       = (uint32_t)sqlite_col_u64(s, Q_TIER_WAIT);
	q->max_missed_offers = (uint32_t)sqlite_col_u64(s, Q_MAX_MISSED);
	q->join_empty        = sqlite_col_u64(s, Q_JOIN_EMPTY) != 0;
	q->leave_empty       = sqlite_col_u64(s, Q_LEAVE_EMPTY) != 0;
	q->decline_delay_s   = (uint32_t)sqlite_col_u64(s, Q_DECLINE_DELAY);
	q->announce_s        = (uint32_t)sqlite_col_u64(s, Q_ANNOUNCE);
	q->created_ms        = sqlite_col_u64(s, Q_CREATED);
	q->updated_ms        = sqlite_col_u64(s, Q_UPDATED);
	return 0;
}

/** Insert q (created_ms/updated_ms as given). EEXIST: id taken;
 *  EINVAL: empty id, unterminated strings, bad strategy or overflow. */
int sqlite_queue_create(struct store *st, const struct queue *q)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!q || !queue_valid(q))
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_QUEUE_INSERT, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, q->id, &rc);
	bind_config(s, 2, q, &rc);
	sqlite_bind_u64(s, 18, q->created_ms, &rc);
	sqlite_bind_u64(s, 19, q->updated_ms, &rc);
	err = sqlite_step(ss, s, rc, NULL, "queue create");

	sqlite_stmt_put(s);
	return err;
}

/** Replace everything of queue q->id but its id and created_ms.
 *  ENOENT: no such queue. */
int sqlite_queue_update(struct store *st, const struct queue *q)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!q || !queue_valid(q))
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_QUEUE_UPDATE, &s);
	if (err)
		return err;

	bind_config(s, 1, q, &rc);
	sqlite_bind_u64(s, 17, q->updated_ms, &rc);
	sqlite_bind_text(s, 18, q->id, &rc);
	err = sqlite_step(ss, s, rc, NULL, "queue update");
	if (!err && !sqlite_changed(ss))
		err = ENOENT;

	sqlite_stmt_put(s);
	return err;
}

/** Delete a queue and its memberships. ENOENT: no such queue. */
int sqlite_queue_delete(struct store *st, const char *id)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!id)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_QUEUE_DELETE, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, id, &rc);
	err = sqlite_step(ss, s, rc, NULL, "queue delete");
	if (!err && !sqlite_changed(ss))
		err = ENOENT;

	sqlite_stmt_put(s);
	return err;
}

/** Load queue id into *q (written on success only). ENOENT: none. */
int sqlite_queue_get(struct store *st, const char *id, struct queue *q)
{
	struct sqlite_store *ss = to_sqlite(st);
	struct queue tmp;
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	if (!id || !q)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_QUEUE_GET, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, id, &rc);
	err = sqlite_step(ss, s, rc, &row, "queue get");
	if (!err)
		err = row ? queue_read(ss, s, &tmp) : ENOENT;
	if (!err)
		*q = tmp;

	sqlite_stmt_put(s);
	return err;
}

/** Walk queues with id > after_id (bytewise; NULL or "" = from the
 *  first) by id, at most limit (0 = all). */
int sqlite_queue_list(struct store *st, const char *after_id, size_t limit,
		      store_queue_h *h, void *arg)
{
	struct sqlite_store *ss = to_sqlite(st);
	struct queue q;
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	if (!h)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_QUEUE_LIST, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, after_id ? after_id : "", &rc);
	sqlite_bind_u64(s, 2, sqlite_limit(limit), &rc);
	while (!(err = sqlite_step(ss, s, rc, &row, "queue list")) && row) {
		err = queue_read(ss, s, &q);
		if (!err)
			err = h(&q, arg);
		if (err)
			break;
	}

	sqlite_stmt_put(s);
	return err;
}


/* --- members --------------------------------------------------------- */

static int member_update(struct sqlite_store *ss,
			 const struct queue_member *m, bool *found)
{
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	err = sqlite_stmt_get(ss, SQL_MEMBER_UPDATE, &s);
	if (err)
		return err;

	sqlite_bind_u64(s, 1, m->tier, &rc);
	sqlite_bind_u64(s, 2, m->position, &rc);
	sqlite_bind_text(s, 3, m->queue_id, &rc);
	sqlite_bind_u64(s, 4, m->agent_id, &rc);
	err = sqlite_step(ss, s, rc, NULL, "member put");
	*found = !err && sqlite_changed(ss);

	sqlite_stmt_put(s);
	return err;
}

static int member_insert(struct sqlite_store *ss,
			 const struct queue_member *m)
{
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	err = sqlite_stmt_get(ss, SQL_MEMBER_INSERT, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, m->queue_id, &rc);
	sqlite_bind_u64(s, 2, m->agent_id, &rc);
	sqlite_bind_u64(s, 3, m->tier, &rc);
	sqlite_bind_u64(s, 4, m->position, &rc);
	sqlite_bind_u64(s, 5, m->created_ms, &rc);
	err = sqlite_step(ss, s, rc, NULL, "member put");

	sqlite_stmt_put(s);
	return err;
}

/**
 * Insert membership m, or update the tier and position of an existing
 * one (its created_ms is kept); *created tells which. ENOENT: the queue
 * or the agent does not exist (foreign keys); EINVAL: tier 0, empty id.
 *
 * Update-then-insert rather than an upsert: both dialects' ON CONFLICT
 * hide which branch ran. One connection on one thread, so nothing can
 * slip in between.
 */
int sqlite_member_put(struct store *st, const struct queue_member *m,
		      bool *created)
{
	struct sqlite_store *ss = to_sqlite(st);
	bool found;
	int err;

	if (!m || !created || !m->agent_id || m->tier < 1 ||
	    !sqlite_str_ok(m->queue_id, sizeof(m->queue_id)) ||
	    !m->queue_id[0])
		return EINVAL;

	err = member_update(ss, m, &found);
	if (!err && !found)
		err = member_insert(ss, m);
	if (!err)
		*created = !found;

	return err;
}

/** Remove agent_id from queue_id. ENOENT: no such membership. */
int sqlite_member_delete(struct store *st, const char *queue_id,
			 uint64_t agent_id)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!queue_id)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_MEMBER_DELETE, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, queue_id, &rc);
	sqlite_bind_u64(s, 2, sqlite_cursor(agent_id), &rc);
	err = sqlite_step(ss, s, rc, NULL, "member delete");
	if (!err && !sqlite_changed(ss))
		err = ENOENT;

	sqlite_stmt_put(s);
	return err;
}

static int member_read(struct sqlite_store *ss, sqlite3_stmt *s,
		       struct queue_member *m)
{
	memset(m, 0, sizeof(*m));
	m->agent_id = sqlite_col_u64(s, M_AGENT);
	if (!sqlite_col_str(s, M_QUEUE, m->queue_id, sizeof(m->queue_id)))
		return sqlite_corrupt(ss, "member of agent", m->agent_id);

	m->tier       = (uint32_t)sqlite_col_u64(s, M_TIER);
	m->position   = (uint32_t)sqlite_col_u64(s, M_POSITION);
	m->created_ms = sqlite_col_u64(s, M_CREATED);
	return 0;
}

/* Walk the rows of s (bound with rc) through h */
static int member_walk(struct sqlite_store *ss, sqlite3_stmt *s, int rc,
		       store_member_h *h, void *arg)
{
	struct queue_member m;
	bool row = false;
	int err;

	while (!(err = sqlite_step(ss, s, rc, &row, "member list")) && row) {
		err = member_read(ss, s, &m);
		if (!err)
			err = h(&m, arg);
		if (err)
			break;
	}

	sqlite_stmt_put(s);
	return err;
}

/** Walk the members of queue_id by tier, position, agent id (none when
 *  the queue does not exist). */
int sqlite_member_list(struct store *st, const char *queue_id,
		       store_member_h *h, void *arg)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!queue_id || !h)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_MEMBER_LIST, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, queue_id, &rc);
	return member_walk(ss, s, rc, h, arg);
}

/** Walk the memberships of agent_id by queue id. */
int sqlite_member_list_agent(struct store *st, uint64_t agent_id,
			     store_member_h *h, void *arg)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!h)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_MEMBER_LIST_AGENT, &s);
	if (err)
		return err;

	sqlite_bind_u64(s, 1, sqlite_cursor(agent_id), &rc);
	return member_walk(ss, s, rc, h, arg);
}

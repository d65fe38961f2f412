/** @file store/sqlite_events.c  SQLite backend: the event log */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <hotline/log.h>
#include "store/sqlite.h"

/* Columns of SQL_EVENT_LIST */
enum { E_SEQ = 0, E_AT, E_TYPE, E_TOPICS, E_JSON };

/**
 * Store one serialized event. seq comes from the event bus and must be
 * 1..INT64_MAX; json is json_len bytes (no NUL needed). EEXIST: seq is
 * already stored; EINVAL: seq 0, NULL strings, values too big.
 */
int sqlite_event_append(struct store *st, uint64_t seq, uint64_t at_ms,
			const char *type, const char *topics,
			const char *json, size_t json_len)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!seq || !type || !topics || !json)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_EVENT_INSERT, &s);
	if (err)
		return err;

	sqlite_bind_u64(s, 1, seq, &rc);
	sqlite_bind_u64(s, 2, at_ms, &rc);
	sqlite_bind_text(s, 3, type, &rc);
	sqlite_bind_text(s, 4, topics, &rc);
	sqlite_bind_textn(s, 5, json, json_len, &rc);
	err = sqlite_step(ss, s, rc, NULL, "event append");

	sqlite_stmt_put(s);
	return err;
}

/** Walk events with after_seq < seq <= max_seq (0: no bound) ascending,
 *  at most limit (0 = all). The strings in *ev are valid during h only. */
int sqlite_event_list(struct store *st, uint64_t after_seq, uint64_t max_seq,
		      size_t limit, store_event_h *h, void *arg)
{
	struct sqlite_store *ss = to_sqlite(st);
	struct store_event ev;
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	if (!h)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_EVENT_LIST, &s);
	if (err)
		return err;

	sqlite_bind_u64(s, 1, sqlite_cursor(after_seq), &rc);
	sqlite_bind_u64(s, 2, max_seq ? sqlite_cursor(max_seq) : INT64_MAX,
			&rc);
	sqlite_bind_u64(s, 3, sqlite_limit(limit), &rc);
	while (!(err = sqlite_step(ss, s, rc, &row, "event list")) && row) {
		ev.seq      = sqlite_col_u64(s, E_SEQ);
		ev.at_ms    = sqlite_col_u64(s, E_AT);
		ev.type     = sqlite_col_text(s, E_TYPE);
		ev.topics   = sqlite_col_text(s, E_TOPICS);
		ev.json     = sqlite_col_text(s, E_JSON);
		ev.json_len = (size_t)sqlite3_column_bytes(s, E_JSON);

		err = h(&ev, arg);
		if (err)
			break;
	}

	sqlite_stmt_put(s);
	return err;
}

/** Delete events with at_ms < before_ms; *removed (may be NULL) gets how
 *  many went. */
int sqlite_event_prune(struct store *st, uint64_t before_ms,
		       uint64_t *removed)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	err = sqlite_stmt_get(ss, SQL_EVENT_PRUNE, &s);
	if (err)
		return err;

	sqlite_bind_u64(s, 1, sqlite_cursor(before_ms), &rc);
	err = sqlite_step(ss, s, rc, NULL, "event prune");
	if (!err && removed)
		*removed = (uint64_t)sqlite3_changes64(ss->db);

	sqlite_stmt_put(s);
	return err;
}

/** Lowest and highest stored seq, both 0 when there is none. */
int sqlite_event_bounds(struct store *st, uint64_t *first, uint64_t *last)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int err;
	bool row = false;

	if (!first || !last)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_EVENT_BOUNDS, &s);
	if (err)
		return err;

	err = sqlite_step(ss, s, SQLITE_OK, &row, "event bounds");
	if (!err) {
		*first = row ? sqlite_col_u64(s, 0) : 0;
		*last  = row ? sqlite_col_u64(s, 1) : 0;
	}

	sqlite_stmt_put(s);
	return err;
}

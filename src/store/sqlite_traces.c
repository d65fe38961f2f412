/** @file store/sqlite_traces.c  SQLite backend: call traces (the steps a
 *  call's flow ran) */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <hotline/log.h>
#include "store/sqlite.h"

/* Columns of TRACE_COLS (sqlite.c), also the order of SQL_TRACE_INSERT */
enum { R_CALL = 0, R_SEQ, R_STEP, R_ACTION, R_INPUT, R_RESULT, R_NEXT,
       R_STARTED, R_ENDED };

/**
 * Add one executed step of call t->call_id. input must be a JSON object
 * as text ("{}" when the step saw nothing); next "" when the flow ended.
 * EEXIST: that seq of the call is taken; EINVAL: a string missing, an
 * empty call id.
 */
int sqlite_trace_put(struct store *st, const struct store_trace *t)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!t || !t->call_id || !t->call_id[0] || !t->step_id ||
	    !t->action || !t->input || !t->result || !t->next)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_TRACE_INSERT, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, t->call_id, &rc);
	sqlite_bind_u64(s, 2, t->seq, &rc);
	sqlite_bind_text(s, 3, t->step_id, &rc);
	sqlite_bind_text(s, 4, t->action, &rc);
	sqlite_bind_text(s, 5, t->input, &rc);
	sqlite_bind_text(s, 6, t->result, &rc);
	sqlite_bind_text(s, 7, t->next, &rc);
	sqlite_bind_u64(s, 8, t->started_ms, &rc);
	sqlite_bind_u64(s, 9, t->ended_ms, &rc);
	err = sqlite_step(ss, s, rc, NULL, "trace put");

	sqlite_stmt_put(s);
	return err;
}

/** Walk the steps of call_id by seq (none for a call without a trace);
 *  the strings of each are valid during its callback only. */
int sqlite_trace_list(struct store *st, const char *call_id,
		      store_trace_h *h, void *arg)
{
	struct sqlite_store *ss = to_sqlite(st);
	struct store_trace t;
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	if (!call_id || !h)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_TRACE_LIST, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, call_id, &rc);
	while (!(err = sqlite_step(ss, s, rc, &row, "trace list")) && row) {
		t.call_id    = sqlite_col_text(s, R_CALL);
		t.seq        = (uint32_t)sqlite_col_u64(s, R_SEQ);
		t.step_id    = sqlite_col_text(s, R_STEP);
		t.action     = sqlite_col_text(s, R_ACTION);
		t.input      = sqlite_col_text(s, R_INPUT);
		t.result     = sqlite_col_text(s, R_RESULT);
		t.next       = sqlite_col_text(s, R_NEXT);
		t.started_ms = sqlite_col_u64(s, R_STARTED);
		t.ended_ms   = sqlite_col_u64(s, R_ENDED);
		err = h(&t, arg);
		if (err)
			break;
	}

	sqlite_stmt_put(s);
	return err;
}

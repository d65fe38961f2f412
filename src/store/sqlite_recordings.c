/** @file store/sqlite_recordings.c  SQLite backend: recordings (WAV files
 *  made during calls) */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <hotline/log.h>
#include "store/sqlite.h"

/* Columns of RECORDING_COLS (sqlite.c) */
enum { W_CURSOR = 0, W_ID, W_CALL, W_PATH, W_DURATION, W_BYTES,
       W_CREATED };

static bool recording_valid(const struct store_recording *r)
{
	return sqlite_str_ok(r->id, sizeof(r->id)) && r->id[0] &&
		sqlite_str_ok(r->call_id, sizeof(r->call_id)) &&
		sqlite_str_ok(r->path, sizeof(r->path)) && r->path[0];
}

static int recording_read(struct sqlite_store *ss, sqlite3_stmt *s,
			  struct store_recording *r)
{
	memset(r, 0, sizeof(*r));
	r->cursor = sqlite_col_u64(s, W_CURSOR);
	if (!sqlite_col_str(s, W_ID, r->id, sizeof(r->id)) ||
	    !sqlite_col_str(s, W_CALL, r->call_id, sizeof(r->call_id)) ||
	    !sqlite_col_str(s, W_PATH, r->path, sizeof(r->path)))
		return sqlite_corrupt(ss, "recording", r->cursor);

	r->duration_ms = sqlite_col_u64(s, W_DURATION);
	r->bytes       = sqlite_col_u64(s, W_BYTES);
	r->created_ms  = sqlite_col_u64(s, W_CREATED);
	return 0;
}

/** Insert recording r and set r->cursor (increasing, never reused).
 *  EEXIST: id taken; EINVAL: empty id or path, unterminated strings. */
int sqlite_recording_put(struct store *st, struct store_recording *r)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	if (!r || !recording_valid(r))
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_RECORDING_INSERT, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, r->id, &rc);
	sqlite_bind_text(s, 2, r->call_id, &rc);
	sqlite_bind_text(s, 3, r->path, &rc);
	sqlite_bind_u64(s, 4, r->duration_ms, &rc);
	sqlite_bind_u64(s, 5, r->bytes, &rc);
	sqlite_bind_u64(s, 6, r->created_ms, &rc);
	err = sqlite_step(ss, s, rc, &row, "recording put");
	if (!err && !row)
		err = sqlite_corrupt(ss, "recording put", 0);
	if (!err)
		r->cursor = sqlite_col_u64(s, 0);

	sqlite_stmt_put(s);
	return err;
}

/** Load recording id into *r (written on success only). ENOENT: none. */
int sqlite_recording_get(struct store *st, const char *id,
			 struct store_recording *r)
{
	struct sqlite_store *ss = to_sqlite(st);
	struct store_recording tmp;
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	if (!id || !r)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_RECORDING_GET, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, id, &rc);
	err = sqlite_step(ss, s, rc, &row, "recording get");
	if (!err)
		err = row ? recording_read(ss, s, &tmp) : ENOENT;
	if (!err)
		*r = tmp;

	sqlite_stmt_put(s);
	return err;
}

/** Walk recordings newest first with cursor < before (0 = from the
 *  newest), at most limit (0 = all); only those of call_id unless it is
 *  NULL or "". */
int sqlite_recording_list(struct store *st, const char *call_id,
			  uint64_t before, size_t limit,
			  store_recording_h *h, void *arg)
{
	struct sqlite_store *ss = to_sqlite(st);
	bool one = call_id && call_id[0];
	struct store_recording r;
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	if (!h)
		return EINVAL;

	err = sqlite_stmt_get(ss, one ? SQL_RECORDING_LIST_CALL :
			      SQL_RECORDING_LIST, &s);
	if (err)
		return err;

	sqlite_bind_u64(s, 1, before ? sqlite_cursor(before) : INT64_MAX,
			&rc);
	if (one)
		sqlite_bind_text(s, 2, call_id, &rc);
	sqlite_bind_u64(s, one ? 3 : 2, sqlite_limit(limit), &rc);
	while (!(err = sqlite_step(ss, s, rc, &row, "recording list")) &&
	       row) {
		err = recording_read(ss, s, &r);
		if (!err)
			err = h(&r, arg);
		if (err)
			break;
	}

	sqlite_stmt_put(s);
	return err;
}

/** @file store/sqlite_flows.c  SQLite backend: IVR flows and their
 *  immutable versions */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <hotline/log.h>
#include "store/sqlite.h"

/* Columns of FLOW_COLS (sqlite.c), then the doc of SQL_FLOW_GET */
enum { F_ID = 0, F_NAME, F_VERSION, F_CURRENT, F_CREATED, F_UPDATED,
       F_VERSION_AT, F_DOC };

/* What the schema needs: an id and a name that fit, a document */
static bool args_valid(const char *id, const char *name, const char *doc)
{
	return id && id[0] && strlen(id) < FLOW_ID_MAX && name &&
		strlen(name) < FLOW_NAME_MAX && doc && doc[0];
}

/* One FLOW_COLS row into *f (doc left NULL) */
static int flow_read(struct sqlite_store *ss, sqlite3_stmt *s,
		     struct store_flow *f)
{
	memset(f, 0, sizeof(*f));
	if (!sqlite_col_str(s, F_ID, f->id, sizeof(f->id)) ||
	    !sqlite_col_str(s, F_NAME, f->name, sizeof(f->name)))
		return sqlite_corrupt(ss, "flow version",
				      sqlite_col_u64(s, F_VERSION));

	f->version         = (uint32_t)sqlite_col_u64(s, F_VERSION);
	f->current_version = (uint32_t)sqlite_col_u64(s, F_CURRENT);
	f->created_ms      = sqlite_col_u64(s, F_CREATED);
	f->updated_ms      = sqlite_col_u64(s, F_UPDATED);
	f->version_ms      = sqlite_col_u64(s, F_VERSION_AT);
	return 0;
}

static int version_insert(struct sqlite_store *ss, const char *id,
			  uint32_t version, const char *name, const char *doc,
			  uint64_t now_ms)
{
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	err = sqlite_stmt_get(ss, SQL_FLOW_VERSION_INSERT, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, id, &rc);
	sqlite_bind_u64(s, 2, version, &rc);
	sqlite_bind_text(s, 3, name, &rc);
	sqlite_bind_text(s, 4, doc, &rc);
	sqlite_bind_u64(s, 5, now_ms, &rc);
	err = sqlite_step(ss, s, rc, NULL, "flow version insert");

	sqlite_stmt_put(s);
	return err;
}

static int flow_insert(struct sqlite_store *ss, const char *id,
		       const char *name, uint64_t now_ms)
{
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	err = sqlite_stmt_get(ss, SQL_FLOW_INSERT, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, id, &rc);
	sqlite_bind_text(s, 2, name, &rc);
	sqlite_bind_u64(s, 3, now_ms, &rc);
	err = sqlite_step(ss, s, rc, NULL, "flow create");

	sqlite_stmt_put(s);
	return err;
}

/**
 * Create flow id with version 1 (doc, the JSON text as it is to be kept,
 * saved under name at now_ms); *version (if not NULL) gets 1.
 * EEXIST: id taken; EINVAL: empty id or doc, id or name too long.
 */
int sqlite_flow_create(struct store *st, const char *id, const char *name,
		       const char *doc, uint64_t now_ms, uint32_t *version)
{
	struct sqlite_store *ss = to_sqlite(st);
	int err;

	if (!args_valid(id, name, doc))
		return EINVAL;

	err = sqlite_op_begin(ss);
	if (err)
		return err;
	err = flow_insert(ss, id, name, now_ms);
	if (!err)
		err = version_insert(ss, id, 1, name, doc, now_ms);
	err = sqlite_op_end(ss, err);
	if (!err && version)
		*version = 1;
	return err;
}

/* Make the next version current; *version gets it, ENOENT: no flow */
static int flow_bump(struct sqlite_store *ss, const char *id,
		     const char *name, uint64_t now_ms, uint32_t *version)
{
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	err = sqlite_stmt_get(ss, SQL_FLOW_BUMP, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, name, &rc);
	sqlite_bind_u64(s, 2, now_ms, &rc);
	sqlite_bind_text(s, 3, id, &rc);
	err = sqlite_step(ss, s, rc, &row, "flow update");
	if (!err && !row)
		err = ENOENT;
	if (!err)
		*version = (uint32_t)sqlite_col_u64(s, 0);

	sqlite_stmt_put(s);
	return err;
}

/**
 * Save a new version of flow id (current + 1) and make it current; the
 * flow's name and updated time follow. *version (if not NULL) gets its
 * number. ENOENT: no such flow; EINVAL as for create.
 */
int sqlite_flow_update(struct store *st, const char *id, const char *name,
		       const char *doc, uint64_t now_ms, uint32_t *version)
{
	struct sqlite_store *ss = to_sqlite(st);
	uint32_t v = 0;
	int err;

	if (!args_valid(id, name, doc))
		return EINVAL;

	err = sqlite_op_begin(ss);
	if (err)
		return err;
	err = flow_bump(ss, id, name, now_ms, &v);
	if (!err)
		err = version_insert(ss, id, v, name, doc, now_ms);
	err = sqlite_op_end(ss, err);
	if (!err && version)
		*version = v;
	return err;
}

/* The doc column as a new mem string */
static int doc_copy(sqlite3_stmt *s, char **docp)
{
	const char *t = sqlite_col_text(s, F_DOC);
	size_t n = (size_t)sqlite3_column_bytes(s, F_DOC);
	char *doc = mem_alloc(n + 1, NULL);

	if (!doc)
		return ENOMEM;
	memcpy(doc, t, n);
	doc[n] = '\0';
	*docp = doc;
	return 0;
}

/**
 * Load version (0 = the current one) of flow id into *f, written on
 * success only; f->doc is then a new mem string the caller mem_deref()s.
 * ENOENT: no such flow or version.
 */
int sqlite_flow_get(struct store *st, const char *id, uint32_t version,
		    struct store_flow *f)
{
	struct sqlite_store *ss = to_sqlite(st);
	struct store_flow tmp;
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	if (!id || !f)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_FLOW_GET, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, id, &rc);
	sqlite_bind_u64(s, 2, version, &rc);
	err = sqlite_step(ss, s, rc, &row, "flow get");
	if (!err)
		err = row ? flow_read(ss, s, &tmp) : ENOENT;
	if (!err)
		err = doc_copy(s, &tmp.doc);
	if (!err)
		*f = tmp;

	sqlite_stmt_put(s);
	return err;
}

/* Walk the rows of s (bound with rc) through h */
static int flow_walk(struct sqlite_store *ss, sqlite3_stmt *s, int rc,
		     store_flow_h *h, void *arg)
{
	struct store_flow f;
	bool row = false;
	int err;

	while (!(err = sqlite_step(ss, s, rc, &row, "flow list")) && row) {
		err = flow_read(ss, s, &f);
		if (!err)
			err = h(&f, arg);
		if (err)
			break;
	}

	sqlite_stmt_put(s);
	return err;
}

/** Walk the flows with id > after_id ("" or NULL = from the first) by
 *  id, at most limit (0 = all), each as its current version (doc NULL). */
int sqlite_flow_list(struct store *st, const char *after_id, size_t limit,
		     store_flow_h *h, void *arg)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!h)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_FLOW_LIST, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, after_id ? after_id : "", &rc);
	sqlite_bind_u64(s, 2, sqlite_limit(limit), &rc);
	return flow_walk(ss, s, rc, h, arg);
}

/** 0 when flow id exists, ENOENT when it does not. */
int sqlite_flow_exists(struct store *st, const char *id,
		       uint32_t *current_version)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	if (!id)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_FLOW_EXISTS, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, id, &rc);
	err = sqlite_step(ss, s, rc, &row, "flow exists");
	if (!err && !row)
		err = ENOENT;
	if (!err && current_version)
		*current_version = (uint32_t)sqlite3_column_int64(s, 0);

	sqlite_stmt_put(s);
	return err;
}

/** Walk the versions of flow id newest first, those below before (0 =
 *  from the newest), at most limit (0 = all); doc NULL. ENOENT: no such
 *  flow (a flow always has a version). */
int sqlite_flow_versions(struct store *st, const char *id, uint32_t before,
			 size_t limit, store_flow_h *h, void *arg)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!id || !h)
		return EINVAL;

	err = sqlite_flow_exists(st, id, NULL);
	if (err)
		return err;
	err = sqlite_stmt_get(ss, SQL_FLOW_VERSION_LIST, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, id, &rc);
	sqlite_bind_u64(s, 2, before ? before : INT64_MAX, &rc);
	sqlite_bind_u64(s, 3, sqlite_limit(limit), &rc);
	return flow_walk(ss, s, rc, h, arg);
}

/* EBUSY when a DID leads to flow id */
static int flow_in_use(struct sqlite_store *ss, const char *id)
{
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	err = sqlite_stmt_get(ss, SQL_FLOW_IN_USE, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, id, &rc);
	err = sqlite_step(ss, s, rc, &row, "flow in use");
	if (!err && row)
		err = EBUSY;

	sqlite_stmt_put(s);
	return err;
}

static int flow_remove(struct sqlite_store *ss, const char *id)
{
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	err = sqlite_stmt_get(ss, SQL_FLOW_DELETE, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, id, &rc);
	err = sqlite_step(ss, s, rc, NULL, "flow delete");
	if (!err && !sqlite_changed(ss))
		err = ENOENT;

	sqlite_stmt_put(s);
	return err;
}

/**
 * Delete flow id with all its versions. EBUSY: a DID (target_type
 * "flow") leads to it; ENOENT: no such flow. Calls that ran it keep its
 * id and version in their records; their traces stay. Other flows that
 * name it (transfer, dial) are not checked: such a step fails at run
 * time.
 */
int sqlite_flow_delete(struct store *st, const char *id)
{
	struct sqlite_store *ss = to_sqlite(st);
	int err;

	if (!id)
		return EINVAL;

	err = sqlite_op_begin(ss);
	if (err)
		return err;
	err = flow_in_use(ss, id);
	if (!err)
		err = flow_remove(ss, id);
	return sqlite_op_end(ss, err);
}

/** @file store/sqlite_trunks.c  SQLite backend: SIP trunks and DIDs */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <hotline/log.h>
#include "store/sqlite.h"

/* Columns of TRUNK_COLS and DID_COLS (sqlite.c) */
enum { T_ID = 0, T_NAME, T_HOST, T_TRANSPORT, T_USERNAME, T_PASSWORD,
       T_REGISTER, T_EXPIRES, T_CALLER_ID, T_PREFIX, T_STRIP, T_PREPEND,
       T_ENABLED, T_CREATED, T_UPDATED };
enum { D_NUMBER = 0, D_NAME, D_TARGET_TYPE, D_TARGET, D_TRUNK, D_CREATED,
       D_UPDATED };

/* Delete the row keyed by key with statement id; ENOENT when none */
static int delete_by_key(struct sqlite_store *ss, enum sqlite_sql id,
			 const char *key, const char *what)
{
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!key)
		return EINVAL;

	err = sqlite_stmt_get(ss, id, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, key, &rc);
	err = sqlite_step(ss, s, rc, NULL, what);
	if (!err && !sqlite_changed(ss))
		err = ENOENT;

	sqlite_stmt_put(s);
	return err;
}


/* --- trunks ---------------------------------------------------------- */

/* What the schema needs; formats (id slug, host, numbers) are the API's
 * business */
static bool trunk_valid(const struct trunk *t)
{
	return sqlite_str_ok(t->id, sizeof(t->id)) && t->id[0] &&
		sqlite_str_ok(t->name, sizeof(t->name)) &&
		sqlite_str_ok(t->host, sizeof(t->host)) && t->host[0] &&
		(unsigned)t->transport <= TRUNK_TCP &&
		sqlite_str_ok(t->username, sizeof(t->username)) &&
		sqlite_str_ok(t->password, sizeof(t->password)) &&
		sqlite_str_ok(t->caller_id, sizeof(t->caller_id)) &&
		sqlite_str_ok(t->prefix, sizeof(t->prefix)) &&
		sqlite_str_ok(t->prepend, sizeof(t->prepend));
}

/* $first..$first+11: name .. enabled, as in SQL_TRUNK_INSERT (after the
 * id) and SQL_TRUNK_UPDATE */
static void bind_trunk(sqlite3_stmt *s, int first, const struct trunk *t,
		       int *rc)
{
	sqlite_bind_text(s, first, t->name, rc);
	sqlite_bind_text(s, first + 1, t->host, rc);
	sqlite_bind_text(s, first + 2, trunk_transport_name(t->transport), rc);
	sqlite_bind_text(s, first + 3, t->username, rc);
	sqlite_bind_text(s, first + 4, t->password, rc);
	sqlite_bind_u64(s, first + 5, t->do_register, rc);
	sqlite_bind_u64(s, first + 6, t->register_expires_s, rc);
	sqlite_bind_text(s, first + 7, t->caller_id, rc);
	sqlite_bind_text(s, first + 8, t->prefix, rc);
	sqlite_bind_u64(s, first + 9, t->strip, rc);
	sqlite_bind_text(s, first + 10, t->prepend, rc);
	sqlite_bind_u64(s, first + 11, t->enabled, rc);
}

static int trunk_read(struct sqlite_store *ss, sqlite3_stmt *s,
		      struct trunk *t)
{
	memset(t, 0, sizeof(*t));

	if (!sqlite_col_str(s, T_ID, t->id, sizeof(t->id)) ||
	    !sqlite_col_str(s, T_NAME, t->name, sizeof(t->name)) ||
	    !sqlite_col_str(s, T_HOST, t->host, sizeof(t->host)) ||
	    trunk_transport_parse(sqlite_col_text(s, T_TRANSPORT),
				  &t->transport) ||
	    !sqlite_col_str(s, T_USERNAME, t->username,
			    sizeof(t->username)) ||
	    !sqlite_col_str(s, T_PASSWORD, t->password,
			    sizeof(t->password)) ||
	    !sqlite_col_str(s, T_CALLER_ID, t->caller_id,
			    sizeof(t->caller_id)) ||
	    !sqlite_col_str(s, T_PREFIX, t->prefix, sizeof(t->prefix)) ||
	    !sqlite_col_str(s, T_PREPEND, t->prepend, sizeof(t->prepend)))
		return sqlite_corrupt(ss, "trunk", 0);

	t->do_register        = sqlite_col_u64(s, T_REGISTER) != 0;
	t->register_expires_s = (uint32_t)sqlite_col_u64(s, T_EXPIRES);
	t->strip              = (uint8_t)sqlite_col_u64(s, T_STRIP);
	t->enabled            = sqlite_col_u64(s, T_ENABLED) != 0;
	t->created_ms         = sqlite_col_u64(s, T_CREATED);
	t->updated_ms         = sqlite_col_u64(s, T_UPDATED);
	return 0;
}

/** Insert t (created_ms/updated_ms as given). EEXIST: id taken;
 *  EINVAL: empty id or host, unterminated strings, bad transport. */
int sqlite_trunk_create(struct store *st, const struct trunk *t)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!t || !trunk_valid(t))
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_TRUNK_INSERT, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, t->id, &rc);
	bind_trunk(s, 2, t, &rc);
	sqlite_bind_u64(s, 14, t->created_ms, &rc);
	sqlite_bind_u64(s, 15, t->updated_ms, &rc);
	err = sqlite_step(ss, s, rc, NULL, "trunk create");

	sqlite_stmt_put(s);
	return err;
}

/** Replace everything of trunk t->id but its id and created_ms.
 *  ENOENT: no such trunk; EINVAL as for create. */
int sqlite_trunk_update(struct store *st, const struct trunk *t)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!t || !trunk_valid(t))
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_TRUNK_UPDATE, &s);
	if (err)
		return err;

	bind_trunk(s, 1, t, &rc);
	sqlite_bind_u64(s, 13, t->updated_ms, &rc);
	sqlite_bind_text(s, 14, t->id, &rc);
	err = sqlite_step(ss, s, rc, NULL, "trunk update");
	if (!err && !sqlite_changed(ss))
		err = ENOENT;

	sqlite_stmt_put(s);
	return err;
}

/** Delete a trunk (DIDs naming it are kept). ENOENT: no such trunk. */
int sqlite_trunk_delete(struct store *st, const char *id)
{
	return delete_by_key(to_sqlite(st), SQL_TRUNK_DELETE, id,
			     "trunk delete");
}

/** Load trunk id into *t (written on success only). ENOENT: none. */
int sqlite_trunk_get(struct store *st, const char *id, struct trunk *t)
{
	struct sqlite_store *ss = to_sqlite(st);
	struct trunk tmp;
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	if (!id || !t)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_TRUNK_GET, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, id, &rc);
	err = sqlite_step(ss, s, rc, &row, "trunk get");
	if (!err)
		err = row ? trunk_read(ss, s, &tmp) : ENOENT;
	if (!err)
		*t = tmp;

	sqlite_stmt_put(s);
	return err;
}

/** Walk trunks with id > after_id (bytewise; NULL or "" = from the
 *  first) by id, at most limit (0 = all). */
int sqlite_trunk_list(struct store *st, const char *after_id, size_t limit,
		      store_trunk_h *h, void *arg)
{
	struct sqlite_store *ss = to_sqlite(st);
	struct trunk t;
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	if (!h)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_TRUNK_LIST, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, after_id ? after_id : "", &rc);
	sqlite_bind_u64(s, 2, sqlite_limit(limit), &rc);
	while (!(err = sqlite_step(ss, s, rc, &row, "trunk list")) && row) {
		err = trunk_read(ss, s, &t);
		if (!err)
			err = h(&t, arg);
		if (err)
			break;
	}

	sqlite_stmt_put(s);
	return err;
}


/* --- DIDs ------------------------------------------------------------ */

static bool did_valid(const struct did *d)
{
	return sqlite_str_ok(d->number, sizeof(d->number)) && d->number[0] &&
		sqlite_str_ok(d->name, sizeof(d->name)) &&
		(unsigned)d->target_type < DID_TARGET_COUNT &&
		sqlite_str_ok(d->target, sizeof(d->target)) &&
		sqlite_str_ok(d->trunk_id, sizeof(d->trunk_id));
}

/* $first..$first+3: name, target type, target, trunk id */
static void bind_did(sqlite3_stmt *s, int first, const struct did *d,
		     int *rc)
{
	sqlite_bind_text(s, first, d->name, rc);
	sqlite_bind_text(s, first + 1, did_target_name(d->target_type), rc);
	sqlite_bind_text(s, first + 2, d->target, rc);
	sqlite_bind_text(s, first + 3, d->trunk_id, rc);
}

/* A target type this build does not know (from a newer one) makes the
 * row unreadable rather than routed somewhere else. */
static int did_read(struct sqlite_store *ss, sqlite3_stmt *s, struct did *d)
{
	memset(d, 0, sizeof(*d));

	if (!sqlite_col_str(s, D_NUMBER, d->number, sizeof(d->number)) ||
	    !sqlite_col_str(s, D_NAME, d->name, sizeof(d->name)) ||
	    did_target_parse(sqlite_col_text(s, D_TARGET_TYPE),
			     &d->target_type) ||
	    !sqlite_col_str(s, D_TARGET, d->target, sizeof(d->target)) ||
	    !sqlite_col_str(s, D_TRUNK, d->trunk_id, sizeof(d->trunk_id)))
		return sqlite_corrupt(ss, "did", 0);

	d->created_ms = sqlite_col_u64(s, D_CREATED);
	d->updated_ms = sqlite_col_u64(s, D_UPDATED);
	return 0;
}

/** Insert d (created_ms/updated_ms as given). EEXIST: number taken;
 *  EINVAL: empty number, unterminated strings, bad target type. */
int sqlite_did_create(struct store *st, const struct did *d)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!d || !did_valid(d))
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_DID_INSERT, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, d->number, &rc);
	bind_did(s, 2, d, &rc);
	sqlite_bind_u64(s, 6, d->created_ms, &rc);
	sqlite_bind_u64(s, 7, d->updated_ms, &rc);
	err = sqlite_step(ss, s, rc, NULL, "did create");

	sqlite_stmt_put(s);
	return err;
}

/** Replace everything of DID d->number but its number and created_ms.
 *  ENOENT: no such DID; EINVAL as for create. */
int sqlite_did_update(struct store *st, const struct did *d)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!d || !did_valid(d))
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_DID_UPDATE, &s);
	if (err)
		return err;

	bind_did(s, 1, d, &rc);
	sqlite_bind_u64(s, 5, d->updated_ms, &rc);
	sqlite_bind_text(s, 6, d->number, &rc);
	err = sqlite_step(ss, s, rc, NULL, "did update");
	if (!err && !sqlite_changed(ss))
		err = ENOENT;

	sqlite_stmt_put(s);
	return err;
}

/** Delete a DID. ENOENT: no such DID. */
int sqlite_did_delete(struct store *st, const char *number)
{
	return delete_by_key(to_sqlite(st), SQL_DID_DELETE, number,
			     "did delete");
}

/** Load DID number into *d (written on success only). ENOENT: none. */
int sqlite_did_get(struct store *st, const char *number, struct did *d)
{
	struct sqlite_store *ss = to_sqlite(st);
	struct did tmp;
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	if (!number || !d)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_DID_GET, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, number, &rc);
	err = sqlite_step(ss, s, rc, &row, "did get");
	if (!err)
		err = row ? did_read(ss, s, &tmp) : ENOENT;
	if (!err)
		*d = tmp;

	sqlite_stmt_put(s);
	return err;
}

/** Walk DIDs with number > after_number (bytewise; NULL or "" = from the
 *  first) by number, at most limit (0 = all). */
int sqlite_did_list(struct store *st, const char *after_number,
		    size_t limit, store_did_h *h, void *arg)
{
	struct sqlite_store *ss = to_sqlite(st);
	struct did d;
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	if (!h)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_DID_LIST, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, after_number ? after_number : "", &rc);
	sqlite_bind_u64(s, 2, sqlite_limit(limit), &rc);
	while (!(err = sqlite_step(ss, s, rc, &row, "did list")) && row) {
		err = did_read(ss, s, &d);
		if (!err)
			err = h(&d, arg);
		if (err)
			break;
	}

	sqlite_stmt_put(s);
	return err;
}

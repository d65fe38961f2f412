/** @file store/sqlite_registrations.c  SQLite backend: SIP registration
 *  bindings */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <hotline/log.h>
#include "store/sqlite.h"

/* Columns of REG_COLS (sqlite.c) */
enum { R_AGENT = 0, R_CONTACT, R_CALL_ID, R_CSEQ, R_SOURCE, R_TRANSPORT,
       R_USER_AGENT, R_EXPIRES, R_UPDATED };

static bool registration_valid(const struct registration *r)
{
	return r->agent_id &&
		sqlite_str_ok(r->contact, sizeof(r->contact)) &&
		r->contact[0] &&
		sqlite_str_ok(r->call_id, sizeof(r->call_id)) &&
		sqlite_str_ok(r->source, sizeof(r->source)) &&
		sqlite_str_ok(r->transport, sizeof(r->transport)) &&
		sqlite_str_ok(r->user_agent, sizeof(r->user_agent));
}

/**
 * Insert the binding (r->agent_id, r->contact), or replace everything
 * else of it. ENOENT: no such agent; EINVAL: agent 0, empty contact or
 * unterminated strings.
 */
int sqlite_registration_put(struct store *st, const struct registration *r)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!r || !registration_valid(r))
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_REG_PUT, &s);
	if (err)
		return err;

	sqlite_bind_u64(s, 1, r->agent_id, &rc);
	sqlite_bind_text(s, 2, r->contact, &rc);
	sqlite_bind_text(s, 3, r->call_id, &rc);
	sqlite_bind_u64(s, 4, r->cseq, &rc);
	sqlite_bind_text(s, 5, r->source, &rc);
	sqlite_bind_text(s, 6, r->transport, &rc);
	sqlite_bind_text(s, 7, r->user_agent, &rc);
	sqlite_bind_u64(s, 8, r->expires_ms, &rc);
	sqlite_bind_u64(s, 9, r->updated_ms, &rc);
	err = sqlite_step(ss, s, rc, NULL, "registration put");

	sqlite_stmt_put(s);
	return err;
}

/** Remove one binding. ENOENT: there was none. */
int sqlite_registration_delete(struct store *st, uint64_t agent_id,
			       const char *contact)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!contact)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_REG_DELETE, &s);
	if (err)
		return err;

	sqlite_bind_u64(s, 1, sqlite_cursor(agent_id), &rc);
	sqlite_bind_text(s, 2, contact, &rc);
	err = sqlite_step(ss, s, rc, NULL, "registration delete");
	if (!err && !sqlite_changed(ss))
		err = ENOENT;

	sqlite_stmt_put(s);
	return err;
}

static int registration_read(struct sqlite_store *ss, sqlite3_stmt *s,
			     struct registration *r)
{
	memset(r, 0, sizeof(*r));
	r->agent_id = sqlite_col_u64(s, R_AGENT);

	if (!sqlite_col_str(s, R_CONTACT, r->contact, sizeof(r->contact)) ||
	    !sqlite_col_str(s, R_CALL_ID, r->call_id, sizeof(r->call_id)) ||
	    !sqlite_col_str(s, R_SOURCE, r->source, sizeof(r->source)) ||
	    !sqlite_col_str(s, R_TRANSPORT, r->transport,
			    sizeof(r->transport)) ||
	    !sqlite_col_str(s, R_USER_AGENT, r->user_agent,
			    sizeof(r->user_agent)))
		return sqlite_corrupt(ss, "registration of agent", r->agent_id);

	r->cseq       = (uint32_t)sqlite_col_u64(s, R_CSEQ);
	r->expires_ms = sqlite_col_u64(s, R_EXPIRES);
	r->updated_ms = sqlite_col_u64(s, R_UPDATED);
	return 0;
}

/**
 * Walk the bindings of agent_id (0 = every agent) by agent id, then
 * contact (bytewise). Expired bindings are included: expiry is the
 * registrar's business.
 */
int sqlite_registration_list(struct store *st, uint64_t agent_id,
			     store_registration_h *h, void *arg)
{
	struct sqlite_store *ss = to_sqlite(st);
	struct registration r;
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	if (!h)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_REG_LIST, &s);
	if (err)
		return err;

	/* a range, so one statement serves both cases through the key */
	sqlite_bind_u64(s, 1, sqlite_cursor(agent_id), &rc);
	sqlite_bind_u64(s, 2, agent_id ? sqlite_cursor(agent_id) : INT64_MAX,
			&rc);
	while (!(err = sqlite_step(ss, s, rc, &row, "registration list")) &&
	       row) {
		err = registration_read(ss, s, &r);
		if (!err)
			err = h(&r, arg);
		if (err)
			break;
	}

	sqlite_stmt_put(s);
	return err;
}

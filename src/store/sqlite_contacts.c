/** @file store/sqlite_contacts.c  SQLite backend: contacts (callers) */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <hotline/log.h>
#include "store/sqlite.h"

/* Columns of CONTACT_COLS (sqlite.c) */
enum { K_ID = 0, K_NAME, K_PHONE, K_EMAIL, K_CRM_ID, K_CREATED,
       K_UPDATED };

/* What the schema needs: terminated strings and a phone; formats are the
 * API's business */
static bool contact_valid(const struct contact *c)
{
	return sqlite_str_ok(c->name, sizeof(c->name)) &&
		sqlite_str_ok(c->phone, sizeof(c->phone)) && c->phone[0] &&
		sqlite_str_ok(c->email, sizeof(c->email)) &&
		sqlite_str_ok(c->crm_id, sizeof(c->crm_id));
}

/* $first..$first+3: name, phone, email, crm id */
static void bind_contact(sqlite3_stmt *s, int first, const struct contact *c,
			 int *rc)
{
	sqlite_bind_text(s, first, c->name, rc);
	sqlite_bind_text(s, first + 1, c->phone, rc);
	sqlite_bind_text(s, first + 2, c->email, rc);
	sqlite_bind_text(s, first + 3, c->crm_id, rc);
}

static int contact_read(struct sqlite_store *ss, sqlite3_stmt *s,
			struct contact *c)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite_col_u64(s, K_ID);
	if (!sqlite_col_str(s, K_NAME, c->name, sizeof(c->name)) ||
	    !sqlite_col_str(s, K_PHONE, c->phone, sizeof(c->phone)) ||
	    !sqlite_col_str(s, K_EMAIL, c->email, sizeof(c->email)) ||
	    !sqlite_col_str(s, K_CRM_ID, c->crm_id, sizeof(c->crm_id)))
		return sqlite_corrupt(ss, "contact", c->id);

	c->created_ms = sqlite_col_u64(s, K_CREATED);
	c->updated_ms = sqlite_col_u64(s, K_UPDATED);
	return 0;
}

/** Insert c (created_ms/updated_ms as given) and set c->id. EEXIST: the
 *  phone belongs to another contact; EINVAL: empty phone, unterminated
 *  strings. */
int sqlite_contact_create(struct store *st, struct contact *c)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	if (!c || !contact_valid(c))
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_CONTACT_INSERT, &s);
	if (err)
		return err;

	bind_contact(s, 1, c, &rc);
	sqlite_bind_u64(s, 5, c->created_ms, &rc);
	sqlite_bind_u64(s, 6, c->updated_ms, &rc);
	err = sqlite_step(ss, s, rc, &row, "contact create");
	if (!err && !row)
		err = sqlite_corrupt(ss, "contact create", 0);
	if (!err)
		c->id = sqlite_col_u64(s, 0);

	sqlite_stmt_put(s);
	return err;
}

/** Replace everything of contact c->id but its id and created_ms.
 *  ENOENT: no such contact; EEXIST: the phone is another contact's. */
int sqlite_contact_update(struct store *st, const struct contact *c)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!c || !contact_valid(c))
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_CONTACT_UPDATE, &s);
	if (err)
		return err;

	bind_contact(s, 1, c, &rc);
	sqlite_bind_u64(s, 5, c->updated_ms, &rc);
	sqlite_bind_u64(s, 6, sqlite_cursor(c->id), &rc);
	err = sqlite_step(ss, s, rc, NULL, "contact update");
	if (!err && !sqlite_changed(ss))
		err = ENOENT;

	sqlite_stmt_put(s);
	return err;
}

/* Run lookup id (bound: key or id) and read its one row into *c */
static int contact_lookup(struct sqlite_store *ss, enum sqlite_sql id,
			  const char *key, uint64_t num, struct contact *c)
{
	struct contact tmp;
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	err = sqlite_stmt_get(ss, id, &s);
	if (err)
		return err;

	if (key)
		sqlite_bind_text(s, 1, key, &rc);
	else
		sqlite_bind_u64(s, 1, sqlite_cursor(num), &rc);
	err = sqlite_step(ss, s, rc, &row, "contact get");
	if (!err)
		err = row ? contact_read(ss, s, &tmp) : ENOENT;
	if (!err)
		*c = tmp;

	sqlite_stmt_put(s);
	return err;
}

/** Load contact id into *c (written on success only). ENOENT: none. */
int sqlite_contact_get(struct store *st, uint64_t id, struct contact *c)
{
	if (!c)
		return EINVAL;
	return contact_lookup(to_sqlite(st), SQL_CONTACT_GET, NULL, id, c);
}

/** The contact whose phone is exactly phone (as the caller presents it)
 *  into *c. ENOENT: nobody. */
int sqlite_contact_find_phone(struct store *st, const char *phone,
			      struct contact *c)
{
	if (!phone || !c)
		return EINVAL;
	return contact_lookup(to_sqlite(st), SQL_CONTACT_GET_PHONE, phone, 0,
			      c);
}

/** Walk contacts with id > after_id by id, at most limit (0 = all). */
int sqlite_contact_list(struct store *st, uint64_t after_id, size_t limit,
			store_contact_h *h, void *arg)
{
	struct sqlite_store *ss = to_sqlite(st);
	struct contact c;
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	if (!h)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_CONTACT_LIST, &s);
	if (err)
		return err;

	sqlite_bind_u64(s, 1, sqlite_cursor(after_id), &rc);
	sqlite_bind_u64(s, 2, sqlite_limit(limit), &rc);
	while (!(err = sqlite_step(ss, s, rc, &row, "contact list")) && row) {
		err = contact_read(ss, s, &c);
		if (!err)
			err = h(&c, arg);
		if (err)
			break;
	}

	sqlite_stmt_put(s);
	return err;
}

/** @file store/sqlite_migrate.c  SQLite backend: schema migrations */
#include <errno.h>
#include <time.h>
#include <re.h>
#include <hotline/log.h>
#include "store/migrations.h"
#include <hotline/clock.h>
#include "store/sqlite.h"

/* Run a one-row query with version bound as $1 (when not 0): *val is its
 * first column, 0 when there is no row. */
static int query_int(struct sqlite_store *ss, enum sqlite_sql id,
		     int version, int *val)
{
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	err = sqlite_stmt_get(ss, id, &s);
	if (err)
		return err;

	if (version)
		rc = sqlite3_bind_int(s, 1, version);
	err = sqlite_step(ss, s, rc, &row, "schema_migrations");
	*val = (!err && row) ? sqlite3_column_int(s, 0) : 0;
	sqlite_stmt_put(s);
	return err;
}

static int migration_record(struct sqlite_store *ss,
			    const struct store_migration *m)
{
	sqlite3_stmt *s;
	int rc, err;

	err = sqlite_stmt_get(ss, SQL_MIGRATION_RECORD, &s);
	if (err)
		return err;

	rc = sqlite3_bind_int(s, 1, m->version);
	sqlite_bind_text(s, 2, m->name, &rc);
	sqlite_bind_u64(s, 3, clock_now_ms(), &rc);
	err = sqlite_step(ss, s, rc, NULL, "schema_migrations");
	sqlite_stmt_put(s);
	return err;
}

/* One migration in its own transaction, recorded with it */
static int migration_apply(struct sqlite_store *ss,
			   const struct store_migration *m)
{
	int err;

	err = sqlite_run(ss, SQL_BEGIN, "begin");
	if (err)
		return err;

	if (sqlite3_exec(ss->db, m->sql, NULL, NULL, NULL) != SQLITE_OK) {
		log_error("store: migration %s: %s", m->name,
			  sqlite3_errmsg(ss->db));
		err = EIO;
		goto out;
	}
	err = migration_record(ss, m);

 out:
	if (err) {
		(void)sqlite_run(ss, SQL_ROLLBACK, "rollback");
		return err;
	}
	err = sqlite_run(ss, SQL_COMMIT, "commit");
	if (!err)
		log_info("store: migration %s applied", m->name);
	return err;
}

/* A database migrated by a newer build has a schema this one does not
 * know: refuse it (EPROTO) rather than misread it. */
static int migrate_check_newer(struct sqlite_store *ss)
{
	int have, known, err;

	known = store_migrationc ?
		store_migrationv[store_migrationc - 1].version : 0;
	err = query_int(ss, SQL_MIGRATION_MAX, 0, &have);
	if (err)
		return err;
	if (have > known) {
		log_error("store: database schema %d is newer than this "
			  "build (%d)", have, known);
		return EPROTO;
	}

	return 0;
}

/**
 * Apply the migrations of store_migrationv not yet recorded in
 * schema_migrations, in order, each in its own transaction, logging each
 * one applied. Returns 0, EPROTO (the database is newer than this build),
 * EINVAL (migrations out of order) or EIO (logged).
 */
int sqlite_migrate(struct sqlite_store *ss)
{
	static const char ddl[] =
		"CREATE TABLE IF NOT EXISTS schema_migrations ("
		"version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
		"applied_at INTEGER NOT NULL) STRICT";
	int prev = 0, done, err;

	if (sqlite3_exec(ss->db, ddl, NULL, NULL, NULL) != SQLITE_OK)
		return sqlite_error(ss, sqlite3_extended_errcode(ss->db),
				    "schema_migrations");

	err = migrate_check_newer(ss);
	if (err)
		return err;

	for (size_t i = 0; i < store_migrationc; i++) {
		const struct store_migration *m = &store_migrationv[i];

		if (m->version <= prev) {
			log_error("store: migration %s out of order", m->name);
			return EINVAL;
		}
		prev = m->version;

		err = query_int(ss, SQL_MIGRATION_DONE, m->version, &done);
		if (!err && !done)
			err = migration_apply(ss, m);
		if (err)
			return err;
	}

	return 0;
}

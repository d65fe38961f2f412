/** @file store/migrations.h  Schema migrations embedded at build time */
#ifndef STORE_MIGRATIONS_H
#define STORE_MIGRATIONS_H

/** One numbered schema change; applied in order, each in its own
 *  transaction, recorded in schema_migrations. Never edit a released
 *  migration: add a new one. */
struct store_migration {
	int version;          /* NNN from NNN_name.sql, strictly increasing */
	const char *name;     /* file name without .sql */
	const char *sql;      /* statements, separated by ';' */
};

extern const struct store_migration store_migrationv[];
extern const size_t store_migrationc;

#endif

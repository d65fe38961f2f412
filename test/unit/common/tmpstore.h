/** @file test/unit/common/tmpstore.h  A store in a fresh temporary
 *  directory for unit tests, and raw SQL behind the store's back. */
#ifndef TEST_TMPSTORE_H
#define TEST_TMPSTORE_H

#include <stdint.h>

struct store;

struct tmpstore {
	char dir[64];
	char path[128];          /* <dir>/hotline.db */
	struct store *st;
};

/** cmocka setup/teardown: *state becomes a struct tmpstore with an
 *  open store (migrations applied); teardown closes it and removes the
 *  directory. */
int tmpstore_setup(void **state);
int tmpstore_teardown(void **state);

/** Close and open the store again (as a restart would). */
void tmpstore_reopen(struct tmpstore *ts);

/** One integer from the database file (first column of the first row). */
int64_t tmpstore_raw_int(const char *path, const char *sql);

/** Run sql on the database file (created if missing); fails the test on
 *  an SQL error. */
void tmpstore_raw_exec(const char *path, const char *sql);

#endif

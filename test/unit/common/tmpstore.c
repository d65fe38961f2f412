/** @file test/unit/common/tmpstore.c  Temporary stores for unit tests */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <re.h>
#include <hotline/store.h>
#include "tmpstore.h"

static void rm_dir(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

int tmpstore_setup(void **state)
{
	struct tmpstore *ts = calloc(1, sizeof(*ts));

	if (!ts)
		return -1;
	snprintf(ts->dir, sizeof(ts->dir), "/tmp/hotline-store-XXXXXX");
	if (!mkdtemp(ts->dir)) {
		free(ts);
		return -1;
	}
	snprintf(ts->path, sizeof(ts->path), "%s/hotline.db", ts->dir);
	*state = ts;

	return store_open(&ts->st, ts->path) ? -1 : 0;
}

int tmpstore_teardown(void **state)
{
	struct tmpstore *ts = *state;

	mem_deref(ts->st);
	rm_dir(ts->dir);
	free(ts);
	return 0;
}

void tmpstore_reopen(struct tmpstore *ts)
{
	ts->st = mem_deref(ts->st);
	assert_int_equal(store_open(&ts->st, ts->path), 0);
}

int64_t tmpstore_raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t v;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE,
					 NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

void tmpstore_raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
					 SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/** @file test/unit/store/sqlite_checkpoint.c  WAL checkpoints happen off the
 *  caller's thread: committed rows reach the database file on their own */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <re.h>
#include <hotline/store.h>

static off_t file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) ? -1 : sb.st_size;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/* With autocheckpoint off on the store's connection, only the worker
 * thread can move WAL pages into the main file while the store is open. */
static void test_wal_is_checkpointed_in_background(void **state)
{
	char dir[] = "/tmp/hotline-ckpt-XXXXXX", db[64], wal[64];
	char json[1024];
	struct store *st = NULL;
	off_t before, after = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/h.db", dir);
	snprintf(wal, sizeof(wal), "%s/h.db-wal", dir);
	assert_int_equal(store_open(&st, db), 0);

	memset(json, 'x', sizeof(json) - 1);
	json[sizeof(json) - 1] = '\0';
	before = file_size(db);
	assert_int_equal(store_begin(st), 0);
	for (uint64_t seq = 1; seq <= 1000; seq++)
		assert_int_equal(store_event_append(st, seq, seq, "custom.x",
						    "t", json,
						    strlen(json)), 0);
	assert_int_equal(store_commit(st), 0);
	assert_true(file_size(wal) > 500 * 1024);

	for (int i = 0; i < 50 && after < before + 500 * 1024; i++) {
		sleep_ms(100);
		after = file_size(db);
	}
	assert_true(after >= before + 500 * 1024);

	mem_deref(st);
	unlink(db);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s/h.db-shm", dir);
	unlink(wal);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wal_is_checkpointed_in_background),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

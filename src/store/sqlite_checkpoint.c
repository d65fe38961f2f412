/** @file store/sqlite_checkpoint.c  WAL checkpoints on a worker thread
 *
 * A checkpoint copies the WAL back into the database file and fsyncs it:
 * milliseconds of blocking I/O. Left to itself SQLite runs one inside
 * whichever commit crosses wal_autocheckpoint, which on our event-loop
 * thread stalls every event and reply behind it (it was the whole p99 of
 * the fan-out benchmark). So the loop's connection has autocheckpoint off
 * and this thread, with a connection of its own, runs PASSIVE checkpoints
 * at an interval: they never block the writer, the writer never waits.
 * Nothing but the path and the stop flag crosses threads.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include <hotline/log.h>
#include "store/sqlite_checkpoint.h"

struct sqlite_ckpt {
	pthread_t thread;
	pthread_mutex_t mtx;
	pthread_cond_t cond;        /* signalled to stop */
	bool stop;                  /* under mtx */
	unsigned interval_ms;
	char path[];                /* the database file */
};

static void deadline_after(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/* Sleep for the interval; true when asked to stop. */
static bool wait_interval(struct sqlite_ckpt *ck)
{
	struct timespec ts;
	bool stop;

	deadline_after(&ts, ck->interval_ms);
	pthread_mutex_lock(&ck->mtx);
	while (!ck->stop &&
	       pthread_cond_timedwait(&ck->cond, &ck->mtx, &ts) != ETIMEDOUT)
		;
	stop = ck->stop;
	pthread_mutex_unlock(&ck->mtx);
	return stop;
}

static void *run(void *arg)
{
	struct sqlite_ckpt *ck = arg;
	sqlite3 *db = NULL;
	bool warned = false;
	int rc;

	rc = sqlite3_open_v2(ck->path, &db, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_error("store: checkpointer: open %s: %s\n", ck->path,
			  db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 1000);
	/* a connection opens the WAL on first use; until then a checkpoint
	 * is a no-op that reports "not in WAL mode" */
	(void)sqlite3_exec(db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL,
			   NULL, NULL);

	while (!wait_interval(ck)) {
		rc = sqlite3_wal_checkpoint_v2(db, NULL,
					       SQLITE_CHECKPOINT_PASSIVE,
					       NULL, NULL);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY && !warned) {
			log_warn("store: checkpoint failed: %s\n",
				 sqlite3_errmsg(db));
			warned = true;
		}
	}
	sqlite3_close(db);
	return NULL;
}

/**
 * Start checkpointing the WAL of the database at path every interval_ms.
 * The caller's own connection should run with wal_autocheckpoint=0.
 * Returns 0, ENOMEM, or the pthread error.
 */
int sqlite_ckpt_start(struct sqlite_ckpt **ckp, const char *path,
		      unsigned interval_ms)
{
	pthread_condattr_t ca;
	struct sqlite_ckpt *ck;
	int err;

	ck = calloc(1, sizeof(*ck) + strlen(path) + 1);
	if (!ck)
		return ENOMEM;
	strcpy(ck->path, path);
	ck->interval_ms = interval_ms;
	pthread_mutex_init(&ck->mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ck->cond, &ca);
	pthread_condattr_destroy(&ca);

	err = pthread_create(&ck->thread, NULL, run, ck);
	if (err) {
		pthread_cond_destroy(&ck->cond);
		pthread_mutex_destroy(&ck->mtx);
		free(ck);
		return err;
	}
	*ckp = ck;
	return 0;
}

/** Stop the thread and wait for it; ck may be NULL. */
void sqlite_ckpt_stop(struct sqlite_ckpt *ck)
{
	if (!ck)
		return;
	pthread_mutex_lock(&ck->mtx);
	ck->stop = true;
	pthread_cond_signal(&ck->cond);
	pthread_mutex_unlock(&ck->mtx);
	pthread_join(ck->thread, NULL);
	pthread_cond_destroy(&ck->cond);
	pthread_mutex_destroy(&ck->mtx);
	free(ck);
}

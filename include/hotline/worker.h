/** @file hotline/worker.h  One worker thread that runs jobs in order;
 *  each finished job comes back on the main loop (libre mqueue)
 *
 * Only plain C data crosses the thread boundary: a job is the caller's
 * malloc'd struct with a struct worker_job embedded (like a struct le);
 * libre objects stay on the main thread. The work runs on the thread,
 * done on the main loop, in the order the jobs were pushed.
 */
#ifndef HOTLINE_WORKER_H
#define HOTLINE_WORKER_H

#include <stdbool.h>

struct worker;

/* Embedded in a job; the worker owns the job from worker_push until
 * after done (or until it drops it) */
struct worker_job {
	struct worker_job *next;  /* in the worker's lists, under its lock */
	void *data;               /* the job; freed by the free handler */
	void *arg;                /* done's argument; main thread only */
	bool cancelled;           /* main thread only: no done */
};

/* What a worker does; open and close may be NULL. The thread's handlers
 * see only the jobs' plain C data and their own context. */
struct worker_handlers {
	void *(*open)(void);                  /* thread, first: its ctx */
	void (*work)(void *ctx, void *data);  /* thread: one job */
	void (*close)(void *ctx);             /* thread, last */
	void (*done)(void *data, void *arg);  /* main loop, once per job */
	void (*free)(void *data);             /* main thread: after done,
						 or dropped */
};

/* What mem_deref does with the jobs still queued */
enum worker_exit {
	WORKER_DROP = 0,          /* wait for the job at work, free the rest */
	WORKER_FINISH,            /* run them all first */
};

int  worker_alloc(struct worker **wp, const struct worker_handlers *h,
		  enum worker_exit ex);
void worker_push(struct worker *w, struct worker_job *j, void *data,
		 void *arg);
void worker_cancel(struct worker_job *j);

#endif

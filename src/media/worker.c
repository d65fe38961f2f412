/** @file media/worker.c  One worker thread, jobs in order, results back
 *  on the main loop through libre mqueue
 *
 * Threads: the main thread owns the worker (a libre object) and its
 * mqueue. The thread touches only the lists, the flags under mtx and the
 * jobs' data. Both lists (queued, done) are guarded by mtx. The thread
 * wakes the main loop with mqueue_push(mq, 0, NULL) and at most one such
 * wake-up is in the pipe at a time (notified), so the non-blocking pipe
 * can never fill up; finished jobs stay in the done list, where the
 * destructor finds (and frees) them if the loop never drains them.
 *
 * A worker has one owner: a done handler may free that owner and with it
 * the worker (its last reference); the jobs after that are not done.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <re.h>
#include <hotline/worker.h>

struct jlist {
	struct worker_job *head;
	struct worker_job **tail;
};

struct worker {
	/* main thread; h is set before the thread starts */
	const struct worker_handlers *h;   /* borrowed; outlives the worker */
	enum worker_exit ex;
	struct mqueue *mq;        /* owned */
	pthread_t thread;
	bool sync;                /* mtx and cond initialised */
	bool started;             /* the thread runs: join it */

	/* shared, under mtx */
	pthread_mutex_t mtx;
	pthread_cond_t cond;
	struct jlist queued, done;
	bool stop;
	bool notified;            /* a wake-up is in the pipe */
};


static void jlist_init(struct jlist *l)
{
	l->head = NULL;
	l->tail = &l->head;
}


static void jlist_push(struct jlist *l, struct worker_job *j)
{
	j->next = NULL;
	*l->tail = j;
	l->tail = &j->next;
}


static struct worker_job *jlist_pop(struct jlist *l)
{
	struct worker_job *j = l->head;

	if (j) {
		l->head = j->next;
		if (!l->head)
			l->tail = &l->head;
	}

	return j;
}


/* Take every job of src into dst; src is left empty */
static void jlist_take(struct jlist *dst, struct jlist *src)
{
	*dst = *src;
	if (!dst->head)
		dst->tail = &dst->head;
	jlist_init(src);
}


/* The thread: one job at a time until stop and nothing queued (with
 * WORKER_DROP, the destructor has taken the queue) */
static void *run(void *arg)
{
	struct worker *w = arg;
	void *ctx = w->h->open ? w->h->open() : NULL;
	struct worker_job *j;

	pthread_mutex_lock(&w->mtx);
	for (;;) {
		while (!w->stop && !w->queued.head)
			pthread_cond_wait(&w->cond, &w->mtx);
		if (!w->queued.head)
			break;        /* stop, and nothing left */

		j = jlist_pop(&w->queued);
		pthread_mutex_unlock(&w->mtx);

		w->h->work(ctx, j->data);

		pthread_mutex_lock(&w->mtx);
		jlist_push(&w->done, j);
		if (!w->notified && !mqueue_push(w->mq, 0, NULL))
			w->notified = true;
	}
	pthread_mutex_unlock(&w->mtx);

	if (w->h->close)
		w->h->close(ctx);

	return NULL;
}


static void mq_handler(int id, void *data, void *arg)
{
	struct worker *w = mem_ref(arg);
	struct jlist done;
	struct worker_job *j;

	(void)id;
	(void)data;

	pthread_mutex_lock(&w->mtx);
	jlist_take(&done, &w->done);
	w->notified = false;
	pthread_mutex_unlock(&w->mtx);

	/* a handler may free the owner, so the worker: then nobody else */
	while ((j = jlist_pop(&done))) {
		if (!j->cancelled && mem_nrefs(w) > 1)
			w->h->done(j->data, j->arg);
		w->h->free(j->data);
	}

	mem_deref(w);
}


static void jobs_free(struct worker *w, struct jlist *l)
{
	struct worker_job *j;

	while ((j = jlist_pop(l)))
		w->h->free(j->data);
}


/* Stop the thread; WORKER_DROP frees the queued jobs while the job at
 * work finishes */
static void destructor(void *arg)
{
	struct worker *w = arg;
	struct jlist drop;

	if (w->started) {
		jlist_init(&drop);
		pthread_mutex_lock(&w->mtx);
		w->stop = true;
		if (w->ex == WORKER_DROP)
			jlist_take(&drop, &w->queued);
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->mtx);
		jobs_free(w, &drop);
		(void)pthread_join(w->thread, NULL);
	}

	jobs_free(w, &w->queued);
	jobs_free(w, &w->done);
	mem_deref(w->mq);
	if (w->sync) {
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->mtx);
	}
}


/* The thread starts with every signal blocked (the mask is inherited),
 * so signals such as SIGTERM are always handled by the main thread */
static int spawn(struct worker *w)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&w->thread, NULL, run, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	return err;
}


/**
 * Start a worker thread.
 *
 * @param wp  Set to the new worker; its owner keeps the only reference.
 *            mem_deref stops the thread and joins it: with WORKER_DROP
 *            it waits for the job at work only, with WORKER_FINISH for
 *            every queued job. No done handler is called after it (also
 *            when it is called from inside one); the jobs left are freed.
 * @param h   Handlers (borrowed, must outlive the worker): work and free
 *            are required
 * @param ex  WORKER_DROP or WORKER_FINISH
 *
 * @return 0; EINVAL; ENOMEM; a pthread_create or pipe errno
 */
int worker_alloc(struct worker **wp, const struct worker_handlers *h,
		 enum worker_exit ex)
{
	struct worker *w;
	int err;

	if (!wp || !h || !h->work || !h->free)
		return EINVAL;

	w = mem_zalloc(sizeof(*w), destructor);
	if (!w)
		return ENOMEM;

	w->h = h;
	w->ex = ex;
	jlist_init(&w->queued);
	jlist_init(&w->done);
	err = pthread_mutex_init(&w->mtx, NULL);
	if (err)
		goto out;
	if (pthread_cond_init(&w->cond, NULL)) {
		pthread_mutex_destroy(&w->mtx);
		err = ENOMEM;
		goto out;
	}
	w->sync = true;

	err = mqueue_alloc(&w->mq, mq_handler, w);
	if (err)
		goto out;

	err = spawn(w);
	if (err)
		goto out;
	w->started = true;

 out:
	if (err)
		mem_deref(w);
	else
		*wp = w;

	return err;
}


/**
 * Queue a job: h->work(ctx, data) runs on the thread after the jobs
 * pushed before it, then h->done(data, arg) on the main loop (never from
 * here), then h->free(data).
 *
 * @param w     The worker
 * @param j     Embedded in the job; the worker owns the job from now on.
 *              j stays valid for worker_cancel until done is called.
 * @param data  The job (plain C: the thread reads and writes it)
 * @param arg   done's argument (main thread only)
 */
void worker_push(struct worker *w, struct worker_job *j, void *data,
		 void *arg)
{
	j->data = data;
	j->arg = arg;
	j->cancelled = false;

	pthread_mutex_lock(&w->mtx);
	jlist_push(&w->queued, j);
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->mtx);
}


/**
 * Cancel a job's done call (main thread, before done ran): the job still
 * runs (or is dropped as the worker exits) and is freed; done is not
 * called for it. The caller forgets j.
 */
void worker_cancel(struct worker_job *j)
{
	if (j)
		j->cancelled = true;
}

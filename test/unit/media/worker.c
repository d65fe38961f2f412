/** @file test/unit/media/worker.c  The worker thread on libre's loop: jobs
 *  in order, work on the thread and done on the main loop, cancelling,
 *  freeing with jobs queued (drop, finish) and from a done handler, many
 *  jobs */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <re.h>
#include <hotline/worker.h>
#include "loopwait.h"

#define WAIT_MS 5000
#define MANY    10000

static pthread_t main_thread;

/* The gate: a job with gated set waits at work until it opens */
static pthread_mutex_t gate_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open;

/* Counted on the thread under gate_mtx */
static unsigned started, worked;
static bool opened, closed;   /* on the thread */

/* What the main thread saw */
struct seen {
	unsigned freed;
	unsigned donec;
	unsigned donev[MANY];        /* the jobs' numbers, in done order */
	bool off_main;               /* some done ran off the main thread */
	bool work_on_main;           /* some work ran on the main thread */
	struct worker **freewp;      /* free this worker in the first done */
	bool release_on_free;        /* open the gate in the first free */
};

struct job {
	struct worker_job wj;
	unsigned n;
	bool gated;
	bool on_main;                /* work ran on the main thread */
	struct seen *seen;           /* borrowed, main thread only */
};

static void gate_set(bool open)
{
	pthread_mutex_lock(&gate_mtx);
	gate_open = open;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_mtx);
}

static void *ctx_open(void)
{
	pthread_mutex_lock(&gate_mtx);
	opened = !pthread_equal(pthread_self(), main_thread);
	pthread_mutex_unlock(&gate_mtx);
	return &opened;
}

static void ctx_close(void *ctx)
{
	pthread_mutex_lock(&gate_mtx);
	closed = ctx == &opened &&
		!pthread_equal(pthread_self(), main_thread);
	pthread_mutex_unlock(&gate_mtx);
}

static void job_work(void *ctx, void *data)
{
	struct job *j = data;

	(void)ctx;
	j->on_main = pthread_equal(pthread_self(), main_thread);
	pthread_mutex_lock(&gate_mtx);
	started++;
	while (j->gated && !gate_open)
		pthread_cond_wait(&gate_cond, &gate_mtx);
	worked++;
	pthread_mutex_unlock(&gate_mtx);
}

static void job_done(void *data, void *arg)
{
	struct job *j = data;
	struct seen *s = arg;

	assert_ptr_equal(j->seen, s);
	if (!pthread_equal(pthread_self(), main_thread))
		s->off_main = true;
	if (j->on_main)
		s->work_on_main = true;
	s->donev[s->donec++] = j->n;
	if (s->freewp)
		*s->freewp = mem_deref(*s->freewp);
}

static void job_free(void *data)
{
	struct job *j = data;

	assert_true(pthread_equal(pthread_self(), main_thread));
	j->seen->freed++;
	if (j->seen->release_on_free)
		gate_set(true);
	free(j);
}

static const struct worker_handlers handlers = {
	.open  = ctx_open,
	.work  = job_work,
	.close = ctx_close,
	.done  = job_done,
	.free  = job_free,
};

static const struct worker_handlers bare = {
	.work = job_work,
	.done = job_done,
	.free = job_free,
};

static struct job *push(struct worker *w, struct seen *s, unsigned n,
			bool gated)
{
	struct job *j = calloc(1, sizeof(*j));

	assert_non_null(j);
	j->n = n;
	j->gated = gated;
	j->seen = s;
	worker_push(w, &j->wj, j, s);
	return j;
}

static unsigned count_get(const unsigned *count)
{
	unsigned n;

	pthread_mutex_lock(&gate_mtx);
	n = *count;
	pthread_mutex_unlock(&gate_mtx);
	return n;
}

static unsigned worked_get(void)
{
	return count_get(&worked);
}

/* Without running the loop: until the thread has taken n jobs */
static void wait_started(unsigned n)
{
	for (int i = 0; i < WAIT_MS && count_get(&started) < n; i++)
		usleep(1000);
	assert_int_equal(count_get(&started), n);
}

struct count_want {
	const unsigned *count;
	unsigned want;
};

static bool count_reached(void *arg)
{
	const struct count_want *cw = arg;

	return *cw->count >= cw->want;
}

/* Run libre's loop until *count reaches want or ms pass */
static bool wait_count(const unsigned *count, unsigned want, uint32_t ms)
{
	struct count_want cw = {.count = count, .want = want};

	return loopwait_until(count_reached, &cw, ms);
}

static int reset(void **state)
{
	(void)state;
	started = worked = 0;
	opened = closed = false;
	gate_set(false);
	return 0;
}

/* --- tests --------------------------------------------------------------- */

/* Jobs run in order on the thread; done comes on the main loop, later,
 * in order; open and close run on the thread */
static void test_order(void **state)
{
	static struct seen s;
	struct worker *w = NULL;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(worker_alloc(&w, &handlers, WORKER_DROP), 0);
	for (unsigned i = 1; i <= 5; i++)
		push(w, &s, i, false);
	assert_int_equal(s.donec, 0);          /* never synchronously */

	assert_true(wait_count(&s.donec, 5, WAIT_MS));
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(s.donev[i], i + 1);
	assert_false(s.off_main);
	assert_false(s.work_on_main);
	assert_int_equal(s.freed, 5);
	assert_int_equal(worked_get(), 5);

	mem_deref(w);
	assert_true(opened);
	assert_true(closed);
}

/* A cancelled job is still worked and freed, but not done */
static void test_cancel(void **state)
{
	static struct seen s;
	struct worker *w = NULL;
	struct job *j2;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(worker_alloc(&w, &bare, WORKER_DROP), 0);
	push(w, &s, 1, true);                  /* holds the thread */
	j2 = push(w, &s, 2, false);
	push(w, &s, 3, false);
	worker_cancel(&j2->wj);
	worker_cancel(NULL);
	gate_set(true);

	assert_true(wait_count(&s.freed, 3, WAIT_MS));
	assert_int_equal(s.donec, 2);
	assert_int_equal(s.donev[0], 1);
	assert_int_equal(s.donev[1], 3);
	assert_int_equal(worked_get(), 3);

	/* a job done meanwhile but not yet delivered: cancelled too */
	gate_set(false);
	j2 = push(w, &s, 4, false);
	wait_started(4);
	worker_cancel(&j2->wj);
	assert_true(wait_count(&s.freed, 4, WAIT_MS));
	assert_int_equal(s.donec, 2);

	mem_deref(w);
}

/* Opens the gate WAIT_MS from now, unless it opens before */
static void *gate_backstop(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&gate_mtx);
	while (!gate_open &&
	       pthread_cond_timedwait(&gate_cond, &gate_mtx, &ts) != ETIMEDOUT)
		;
	gate_open = true;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_mtx);
	return NULL;
}

/* WORKER_DROP: freeing waits for the job at work, frees the queued ones
 * unworked, and calls no done */
static void test_free_drop(void **state)
{
	static struct seen s;
	struct worker *w = NULL;
	pthread_t helper;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(worker_alloc(&w, &bare, WORKER_DROP), 0);
	push(w, &s, 1, true);
	push(w, &s, 2, false);
	push(w, &s, 3, false);
	wait_started(1);                       /* job 1 holds the thread */

	/* the first free (of a dropped job) opens the gate: the queue was
	 * taken before (the backstop only turns a hang into a failure) */
	s.release_on_free = true;
	assert_int_equal(pthread_create(&helper, NULL, gate_backstop, NULL),
			 0);
	mem_deref(w);
	assert_int_equal(pthread_join(helper, NULL), 0);
	assert_int_equal(s.freed, 3);
	assert_int_equal(s.donec, 0);
	assert_int_equal(worked_get(), 1);

	/* nothing arrives afterwards */
	(void)wait_count(&s.donec, 1, 50);
	assert_int_equal(s.donec, 0);
}

static void *gate_later(void *arg)
{
	(void)arg;
	usleep(20 * 1000);
	gate_set(true);
	return NULL;
}

/* WORKER_FINISH: freeing runs every queued job first, calls no done */
static void test_free_finish(void **state)
{
	static struct seen s;
	struct worker *w = NULL;
	pthread_t helper;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(worker_alloc(&w, &handlers, WORKER_FINISH), 0);
	push(w, &s, 1, true);
	push(w, &s, 2, false);
	push(w, &s, 3, false);
	assert_int_equal(pthread_create(&helper, NULL, gate_later, NULL), 0);

	mem_deref(w);                          /* joins after the three */
	assert_int_equal(worked_get(), 3);
	assert_int_equal(s.freed, 3);
	assert_int_equal(s.donec, 0);
	assert_true(closed);
	assert_int_equal(pthread_join(helper, NULL), 0);

	(void)wait_count(&s.donec, 1, 50);
	assert_int_equal(s.donec, 0);
}

/* A done handler that frees the worker: the jobs after it are not done,
 * all are freed */
static void test_free_from_done(void **state)
{
	static struct seen s;
	struct worker *w = NULL;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(worker_alloc(&w, &bare, WORKER_FINISH), 0);
	s.freewp = &w;
	push(w, &s, 1, false);
	push(w, &s, 2, false);
	push(w, &s, 3, false);

	assert_true(wait_count(&s.freed, 3, WAIT_MS));
	assert_null(w);
	assert_int_equal(s.donec, 1);
	assert_int_equal(s.donev[0], 1);
	assert_int_equal(worked_get(), 3);
}

/* Many jobs: every one done once, in order (the wake-ups coalesce, the
 * pipe never fills) */
static void test_many(void **state)
{
	static struct seen s;
	struct worker *w = NULL;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(worker_alloc(&w, &bare, WORKER_DROP), 0);
	for (unsigned i = 0; i < MANY; i++)
		push(w, &s, i, false);

	assert_true(wait_count(&s.donec, MANY, WAIT_MS));
	for (unsigned i = 0; i < MANY; i++)
		assert_int_equal(s.donev[i], i);
	assert_int_equal(s.freed, MANY);
	assert_false(s.off_main);
	mem_deref(w);
}

static void test_einval(void **state)
{
	struct worker_handlers h = bare;
	struct worker *w = NULL;

	(void)state;
	assert_int_equal(worker_alloc(NULL, &bare, WORKER_DROP), EINVAL);
	assert_int_equal(worker_alloc(&w, NULL, WORKER_DROP), EINVAL);
	h.work = NULL;
	assert_int_equal(worker_alloc(&w, &h, WORKER_DROP), EINVAL);
	h = bare;
	h.free = NULL;
	assert_int_equal(worker_alloc(&w, &h, WORKER_DROP), EINVAL);
	assert_null(w);

	/* no jobs at all: a clean join, either way */
	assert_int_equal(worker_alloc(&w, &handlers, WORKER_FINISH), 0);
	mem_deref(w);
	assert_true(closed);
}

static int setup(void **state)
{
	(void)state;
	main_thread = pthread_self();
	return libre_init();
}

static int teardown(void **state)
{
	(void)state;
	libre_close();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_order, reset),
		cmocka_unit_test_setup(test_cancel, reset),
		cmocka_unit_test_setup(test_free_drop, reset),
		cmocka_unit_test_setup(test_free_finish, reset),
		cmocka_unit_test_setup(test_free_from_done, reset),
		cmocka_unit_test_setup(test_many, reset),
		cmocka_unit_test_setup(test_einval, reset),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

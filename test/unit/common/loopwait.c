/** @file test/unit/common/loopwait.c  Run libre's loop until a condition
 *  holds, for unit tests */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <re.h>
#include "loopwait.h"

struct waiter {
	bool (*cond)(void *arg);
	void *arg;
	struct tmr poll;
	bool ok;
};

static void wait_poll(void *arg)
{
	struct waiter *w = arg;

	if (w->cond(w->arg)) {
		w->ok = true;
		re_cancel();
		return;
	}
	tmr_start(&w->poll, 1, wait_poll, w);
}

static void wait_guard(void *arg)
{
	(void)arg;
	re_cancel();
}

bool loopwait_until(bool (*cond)(void *arg), void *arg, uint32_t ms)
{
	struct waiter w = {.cond = cond, .arg = arg};
	struct tmr guard;

	tmr_init(&w.poll);
	tmr_init(&guard);
	tmr_start(&w.poll, 0, wait_poll, &w);
	tmr_start(&guard, ms, wait_guard, NULL);
	assert_int_equal(re_main(NULL), 0);
	tmr_cancel(&w.poll);
	tmr_cancel(&guard);
	return w.ok;
}

static bool never(void *arg)
{
	(void)arg;
	return false;
}

void loopwait_run(uint32_t ms)
{
	(void)loopwait_until(never, NULL, ms);
}

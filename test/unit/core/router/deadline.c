/** @file test/unit/core/router/deadline.c  The deadline heap against a
 *  plain array, through random sets, moves and clears */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "core/router/router.h"

#define N 500

static uint64_t xs = 88172645463325252ULL;

static uint64_t rnd(void)
{
	xs ^= xs << 13;
	xs ^= xs >> 7;
	xs ^= xs << 17;
	return xs;
}

/* The earliest scheduled entry by brute force */
static struct deadline *min_of(struct deadline *v, size_t n)
{
	struct deadline *m = NULL;

	for (size_t i = 0; i < n; i++) {
		if (deadline_isset(&v[i]) && (!m || v[i].at < m->at))
			m = &v[i];
	}
	return m;
}

static void test_random_ops(void **state)
{
	static struct deadline v[N];
	struct dlheap h;
	(void)state;

	memset(&h, 0, sizeof(h));
	assert_int_equal(deadline_reserve(&h, N), 0);
	for (size_t i = 0; i < N; i++)
		deadline_init(&v[i], DL_OFFER, &v[i], 0);
	assert_null(deadline_top(&h));

	for (int step = 0; step < 20000; step++) {
		struct deadline *d = &v[rnd() % N];
		struct deadline *top, *want;

		switch (rnd() % 4) {

		case 0:
		case 1:
			deadline_set(&h, d, rnd() % 1000);
			break;

		case 2:
			deadline_clear(&h, d);
			break;

		default:
			/* pop what is due, as the drain does */
			top = deadline_top(&h);
			if (top) {
				assert_int_equal(min_of(v, N)->at, top->at);
				deadline_clear(&h, top);
				assert_false(deadline_isset(top));
			}
			break;
		}

		assert_true(deadline_heap_valid(&h));
		want = min_of(v, N);
		top = deadline_top(&h);
		if (!want)
			assert_null(top);
		else
			assert_int_equal(top->at, want->at);
	}

	for (size_t i = 0; i < N; i++)
		deadline_clear(&h, &v[i]);
	assert_int_equal(h.n, 0);
	deadline_release(&h, N);
	assert_int_equal(h.need, 0);
	deadline_heap_free(&h);
}

static void test_reserve(void **state)
{
	struct deadline a, b;
	struct dlheap h;
	(void)state;

	memset(&h, 0, sizeof(h));
	assert_int_equal(deadline_reserve(&h, 1), 0);
	assert_true(h.sz >= 1);
	deadline_init(&a, DL_WAKE, &a, 0);
	deadline_init(&b, DL_WAKE, &b, 0);
	deadline_set(&h, &a, 50);
	deadline_set(&h, &a, 10);       /* move, not a second entry */
	assert_int_equal(h.n, 1);
	assert_int_equal(deadline_top(&h)->at, 10);
	assert_int_equal(deadline_reserve(&h, 1000), 0);
	assert_true(h.sz >= 1001);
	deadline_set(&h, &b, 5);
	assert_ptr_equal(deadline_top(&h), &b);
	deadline_set(&h, &b, 100);      /* later: sinks */
	assert_ptr_equal(deadline_top(&h), &a);
	deadline_clear(&h, &a);
	deadline_clear(&h, &a);         /* twice: no-op */
	assert_ptr_equal(deadline_top(&h), &b);
	deadline_clear(&h, &b);
	deadline_heap_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_ops),
		cmocka_unit_test(test_reserve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

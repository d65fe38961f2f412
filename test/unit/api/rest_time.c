/** @file test/unit/api/rest_time.c  RFC 3339 parsing of query times */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include <hotline/event.h>
#include "api/rest.h"

static void test_valid(void **state)
{
	static const struct {
		const char *s;
		uint64_t ms;
	} v[] = {
		{"1970-01-01T00:00:00Z", 0},
		{"1970-01-01T00:00:00.001Z", 1},
		{"2023-11-14T22:13:20Z", 1700000000000ULL},
		{"2023-11-14T22:13:20.5Z", 1700000000500ULL},
		{"2023-11-14T22:13:20.123456789Z", 1700000000123ULL},
		{"2023-11-14t22:13:20z", 1700000000000ULL},
		{"2023-11-15T00:13:20+02:00", 1700000000000ULL},
		{"2023-11-14T12:13:20-10:00", 1700000000000ULL},
		{"2024-02-29T00:00:00Z", 1709164800000ULL},
		{"2000-02-29T12:00:00Z", 951825600000ULL},
		{"2016-12-31T23:59:60Z", 1483228800000ULL},  /* leap second */
		{"9999-12-31T23:59:59.999Z", 253402300799999ULL},
	};
	char buf[25];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint64_t ms = 42;

		assert_int_equal(rest_time_parse(v[i].s, &ms), 0);
		assert_int_equal(ms, v[i].ms);
	}

	/* the inverse of the format every reply uses */
	for (uint64_t ms = 0; ms < 4102444800000ULL; ms += 86399999ULL * 7) {
		uint64_t back = 0;

		event_time_format(buf, ms);
		assert_int_equal(rest_time_parse(buf, &back), 0);
		assert_int_equal(back, ms);
	}
}

static void test_invalid(void **state)
{
	static const char *bad[] = {
		"", "2023", "2023-11-14", "2023-11-14T22:13:20",
		"2023-11-14 22:13:20Z", "2023-11-14T22:13Z",
		"2023-11-14T22:13:20.Z", "2023-11-14T22:13:20ZZ",
		"2023-11-14T22:13:20+0200", "2023-11-14T22:13:20+24:00",
		"2023-11-14T22:13:20+02:60", "2023-13-01T00:00:00Z",
		"2023-00-01T00:00:00Z", "2023-02-29T00:00:00Z",
		"1900-02-29T00:00:00Z", "2023-04-31T00:00:00Z",
		"2023-11-14T24:00:00Z", "2023-11-14T22:60:00Z",
		"2023-11-14T22:13:61Z", "1969-12-31T23:59:59Z",
		"1970-01-01T00:30:00+01:00", "+023-11-14T22:13:20Z",
		"2023-1a-14T22:13:20Z", "2023-11-14T22:13:20.12a",
		"2023-11-14T22:13:20Z ", " 2023-11-14T22:13:20Z",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t ms = 42;

		if (rest_time_parse(bad[i], &ms) != EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(ms, 42);
	}
	assert_int_equal(rest_time_parse(NULL, NULL), EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

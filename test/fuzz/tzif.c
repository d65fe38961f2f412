/** @file test/fuzz/tzif.c  TZif files and POSIX TZ strings: no crash, no
 *  leak, a documented error or a zone whose every lookup is sane; the
 *  input is also tried as a TZ string on its own */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "app/tzif.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

/* A type and the calendar date of t under it */
static void check_type(int64_t t, const struct tzif_type *ty)
{
	int64_t local = t + ty->utoff, days, y;
	int m, d, w;

	CHECK(ty->utoff >= TZ_UTOFF_MIN && ty->utoff <= TZ_UTOFF_MAX);
	CHECK(ty->dst == 0 || ty->dst == 1);

	days = local / 86400 - (local % 86400 < 0);
	tzcal_civil(days, &y, &m, &d);
	w = tzcal_wday(days);
	CHECK(m >= 1 && m <= 12 && d >= 1 && d <= 31 && w >= 0 && w <= 6);
	CHECK(tzcal_days(y, m, d) == days);
}

static void lookup(const struct tzif *z, int64_t t)
{
	struct tzif_type ty;

	if (t > TZ_SECS_MAX || t < -TZ_SECS_MAX) {
		CHECK(tzif_lookup(z, t, &ty) == ERANGE);
		return;
	}
	CHECK(tzif_lookup(z, t, &ty) == 0);
	check_type(t, &ty);
}

static void check_zone(const struct tzif *z, const uint8_t *data,
		       size_t size)
{
	static const int64_t fixed[] = {
		INT64_MIN, -TZ_SECS_MAX - 1, -TZ_SECS_MAX, -1, 0, 1,
		2147483647, 4102444800, 253402300799, TZ_SECS_MAX,
		TZ_SECS_MAX + 1, INT64_MAX,
	};

	CHECK(z->typec >= 1 && z->typec <= 256);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		lookup(z, fixed[i]);

	/* around the first and last transitions, and a few in between */
	for (uint32_t i = 0; i < z->transc; i++) {
		if (i > 8 && i + 8 < z->transc && i % 97)
			continue;
		CHECK(z->idxv[i] < z->typec);
		if (z->transv[i] > INT64_MIN)
			lookup(z, z->transv[i] - 1);
		lookup(z, z->transv[i]);
		if (z->transv[i] < INT64_MAX)
			lookup(z, z->transv[i] + 1);
	}

	/* instants drawn from the input's tail */
	for (size_t i = 0; i + 8 <= size && i < 64; i += 8) {
		int64_t t;

		memcpy(&t, data + size - 8 - i, 8);
		lookup(z, t % TZ_SECS_MAX);
	}
}

static void check_rule(const struct tzrule *r)
{
	static const int64_t at[] = {
		-TZ_SECS_MAX, -86400 * 366, -1, 0, 1, 68248799, 1774746000,
		4102444799, 253402300800, TZ_SECS_MAX,
	};
	struct tzif_type ty;

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		for (int64_t d = -86400 * 200; d <= 86400 * 200;
		     d += 86400 * 50 + 3599) {
			int64_t t = at[i] + d;

			if (t > TZ_SECS_MAX || t < -TZ_SECS_MAX)
				continue;
			CHECK(tzrule_lookup(r, t, &ty) == 0);
			CHECK(ty.utoff == (ty.dst ? r->dst_off : r->std_off));
			CHECK(r->has_dst || !ty.dst);
			check_type(t, &ty);
		}
	}
	CHECK(tzrule_lookup(r, TZ_SECS_MAX + 1, &ty) == ERANGE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tzif *z = NULL;
	struct tzrule r;
	int err;

	err = tzif_parse(&z, data, size);
	CHECK(err == 0 || err == EPROTO || err == ENOMEM);
	if (err) {
		CHECK(z == NULL);
	}
	else {
		check_zone(z, data, size);
		if (z->has_rule)
			check_rule(&z->rule);
		mem_deref(z);
	}

	err = tzrule_parse(&r, (const char *)data, size);
	CHECK(err == 0 || err == EPROTO);
	if (!err)
		check_rule(&r);

	return 0;
}

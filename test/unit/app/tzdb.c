/** @file test/unit/app/tzdb.c  Time zones against glibc's localtime_r
 *  (real zones 1970..2100, every DST transition +-1 s; footer TZ strings
 *  in synthesised files against TZ=<string>), names, missing and corrupt
 *  files, the cache bound, and the TZ string grammar */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <re.h>
#include <hotline/tzdb.h>
#include "app/tzif.h"

#define ZONEINFO  "/usr/share/zoneinfo"
#define T1970     0LL
#define T2100     4102444800LL          /* 2100-01-01T00:00:00Z */
#define PER_ZONE  20000                 /* instants compared per zone */
#define PARIS_TZ  "CET-1CEST,M3.5.0,M10.5.0/3"

static char tmpdir[64];

/* --- helpers ------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* glibc's view of t under the current TZ */
static void libc_tm(long long t, struct tzdb_tm *out)
{
	time_t tt = (time_t)t;
	struct tm tm;

	assert_non_null(localtime_r(&tt, &tm));
	out->year = tm.tm_year + 1900;
	out->mon = tm.tm_mon + 1;
	out->mday = tm.tm_mday;
	out->wday = tm.tm_wday;
	out->hour = tm.tm_hour;
	out->min = tm.tm_min;
	out->sec = tm.tm_sec;
	out->utc_off_s = (int32_t)tm.tm_gmtoff;
	out->dst = tm.tm_isdst > 0;
}

static bool tm_equal(const struct tzdb_tm *a, const struct tzdb_tm *b)
{
	return a->year == b->year && a->mon == b->mon && a->mday == b->mday &&
		a->wday == b->wday && a->hour == b->hour && a->min == b->min &&
		a->sec == b->sec && a->utc_off_s == b->utc_off_s &&
		a->dst == b->dst;
}

static void compare_at(struct tzdb *db, const char *zone, long long t)
{
	struct tzdb_tm want, got;
	int err;

	libc_tm(t, &want);
	memset(&got, 0xa5, sizeof(got));
	err = tzdb_local(db, zone, (uint64_t)t * 1000 + 999, &got);
	if (err)
		fail_msg("%s at %lld: error %d", zone, t, err);
	if (!tm_equal(&want, &got))
		fail_msg("%s at %lld: glibc %04d-%02d-%02d(%d) %02d:%02d:%02d "
			 "%+d%s, tzdb %04d-%02d-%02d(%d) %02d:%02d:%02d %+d%s",
			 zone, t, want.year, want.mon, want.mday, want.wday,
			 want.hour, want.min, want.sec, want.utc_off_s,
			 want.dst ? " dst" : "", got.year, got.mon, got.mday,
			 got.wday, got.hour, got.min, got.sec, got.utc_off_s,
			 got.dst ? " dst" : "");
}

static bool same_type(long long a, long long b)
{
	struct tzdb_tm x, y;

	libc_tm(a, &x);
	libc_tm(b, &y);
	return x.utc_off_s == y.utc_off_s && x.dst == y.dst;
}

/* Compare tzdb with glibc (TZ=tz already set) for zone over 1970..2100:
 * at each change of offset or DST found by glibc (-1 s, 0, +1 s) and at
 * random instants up to PER_ZONE in all. Returns transitions seen. */
static unsigned compare_zone(struct tzdb *db, const char *zone)
{
	const long long step = 6 * 3600;
	unsigned n = 0, trans = 0;

	for (long long a = T1970; a < T2100; a += step) {
		long long lo = a, hi = a + step;

		if (same_type(lo, hi))
			continue;
		while (hi - lo > 1) {   /* first second of the new type */
			long long mid = lo + (hi - lo) / 2;

			if (same_type(lo, mid))
				lo = mid;
			else
				hi = mid;
		}
		for (long long d = -1; d <= 1; d++, n++)
			compare_at(db, zone, hi + d);
		trans++;
	}

	for (; n < PER_ZONE; n++)
		compare_at(db, zone, (long long)(rng() % (uint64_t)T2100));

	return trans;
}

static void tz_set(const char *tz)
{
	assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

static void write_file(const char *dir, const char *name, const void *p,
		       size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static uint8_t *read_zone(const char *name, size_t *lenp)
{
	char path[256];
	uint8_t *buf = malloc(TZDB_FILE_MAX);
	FILE *f;

	assert_non_null(buf);
	snprintf(path, sizeof(path), ZONEINFO "/%s", name);
	f = fopen(path, "rb");
	assert_non_null(f);
	*lenp = fread(buf, 1, TZDB_FILE_MAX, f);
	fclose(f);
	assert_true(*lenp > 44);
	return buf;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A TZif v2 image with no transitions, one type (utoff) and a footer */
static size_t make_slim(uint8_t *buf, int32_t utoff, const char *footer)
{
	size_t n = 0;

	for (int blk = 0; blk < 2; blk++) {
		memset(buf + n, 0, 44);
		memcpy(buf + n, "TZif2", 5);
		put32(buf + n + 36, 1);           /* typecnt */
		put32(buf + n + 40, 4);           /* charcnt */
		n += 44;
		put32(buf + n, (uint32_t)utoff);
		buf[n + 4] = 0;
		buf[n + 5] = 0;
		memcpy(buf + n + 6, "ZZZ", 4);
		n += 10;
	}
	n += (size_t)sprintf((char *)buf + n, "\n%s\n", footer);
	return n;
}

/* --- tests --------------------------------------------------------------- */

/* Real zones of every shape against glibc */
static void test_zones_vs_libc(void **state)
{
	static const char *zones[] = {
		"Europe/Paris", "America/New_York", "America/Sao_Paulo",
		"Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham",
		"Africa/Casablanca", "America/St_Johns", "UTC", "Etc/GMT+5",
		"Europe/Dublin", "America/Nuuk",
	};
	struct tzdb *db = NULL;

	(void)state;
	assert_int_equal(tzdb_alloc(&db, NULL), 0);
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		char tz[80];
		unsigned trans;

		snprintf(tz, sizeof(tz), ":%s", zones[i]);
		tz_set(tz);
		assert_true(tzdb_valid(db, zones[i]));
		trans = compare_zone(db, zones[i]);
		printf("tzdb: %-20s %u offset changes 1970..2100, %d instants"
		       " agree with glibc\n", zones[i], trans, PER_ZONE);
		/* the zones with DST rules today have hundreds */
		if (!strcmp(zones[i], "Europe/Paris") ||
		    !strcmp(zones[i], "Pacific/Chatham"))
			assert_true(trans > 200);
		if (!strcmp(zones[i], "UTC"))
			assert_int_equal(trans, 0);
	}
	unsetenv("TZ");
	mem_deref(db);
}

/* Spot values that do not depend on glibc */
static void test_known_values(void **state)
{
	struct tzdb *db = NULL;
	struct tzdb_tm tm;

	(void)state;
	assert_int_equal(tzdb_alloc(&db, NULL), 0);

	/* 2026-03-29T01:00:00Z: Paris goes 02:00 CET -> 03:00 CEST */
	assert_int_equal(tzdb_local(db, "Europe/Paris", 1774746000000ULL - 1000,
				    &tm), 0);
	assert_int_equal(tm.hour, 1);
	assert_int_equal(tm.min, 59);
	assert_int_equal(tm.utc_off_s, 3600);
	assert_false(tm.dst);
	assert_int_equal(tzdb_local(db, "Europe/Paris", 1774746000000ULL, &tm),
			 0);
	assert_int_equal(tm.year, 2026);
	assert_int_equal(tm.mon, 3);
	assert_int_equal(tm.mday, 29);
	assert_int_equal(tm.wday, 0);
	assert_int_equal(tm.hour, 3);
	assert_int_equal(tm.utc_off_s, 7200);
	assert_true(tm.dst);

	/* Kolkata +05:30, no DST; 1970-01-01 was a Thursday */
	assert_int_equal(tzdb_local(db, "Asia/Kolkata", 0, &tm), 0);
	assert_int_equal(tm.year, 1970);
	assert_int_equal(tm.hour, 5);
	assert_int_equal(tm.min, 30);
	assert_int_equal(tm.wday, 4);
	assert_int_equal(tm.utc_off_s, 19800);

	/* the far future runs on the footer rule: 2400-07-01 in New York */
	assert_int_equal(tzdb_local(db, "America/New_York",
				    13585190400000ULL, &tm), 0);
	assert_int_equal(tm.year, 2400);
	assert_int_equal(tm.mon, 6);
	assert_int_equal(tm.mday, 30);
	assert_int_equal(tm.hour, 20);
	assert_int_equal(tm.utc_off_s, -4 * 3600);
	assert_true(tm.dst);

	/* the largest input does not overflow */
	assert_int_equal(tzdb_local(db, "Europe/Paris", UINT64_MAX, &tm), 0);
	assert_true(tm.year > 500000000);

	mem_deref(db);
}

/* TZ strings in slim files (no transitions) against glibc's own TZ
 * string parser */
static void test_footer_vs_libc(void **state)
{
	static const struct {
		int32_t utoff;
		const char *tz;
	} v[] = {
		{3600, "CET-1CEST,M3.5.0,M10.5.0/3"},
		{-18000, "EST5EDT,M3.2.0,M11.1.0"},
		{-7200, "<-02>2<-01>,M3.5.0/-1,M10.5.0/0"},     /* Nuuk */
		{45900, "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45"},
		{37800, "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"},
		{3600, "IST-1GMT0,M10.5.0,M3.5.0/1"},          /* Dublin */
		{12600, "<+0330>-3:30<+0430>,J79/24,J263/24"},  /* Tehran */
		{7200, "EET-2EEST,59/0,300/3"},                 /* n rules */
		{7200, "EET-2EEST,J60/0,J59/3"},          /* March 1, Feb 28 */
		{7200, "EET-2EEST,60/0,58/3"},            /* leap days count */
		{-10800, "<-03>3<-02>,M3.2.0/30,M11.1.0/-3"},   /* > 24, < 0 */
		{-12600, "NST3:30NDT,M3.2.0,M11.1.0"},
		{19800, "IST-5:30"},
		{0, "UTC0"},
		{-18000, "<-05>5"},
		{-36000, "HST10HDT9:30,M4.1.0/1:30,M10.5.0/1:30:15"},
	};
	uint8_t buf[512];
	struct tzdb *db = NULL;
	char name[32];

	(void)state;
	assert_int_equal(tzdb_alloc(&db, tmpdir), 0);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unsigned trans;

		snprintf(name, sizeof(name), "slim%zu", i);
		write_file(tmpdir, name, buf, make_slim(buf, v[i].utoff,
							v[i].tz));
		tz_set(v[i].tz);
		trans = compare_zone(db, name);
		printf("tzdb: %-46s %3u changes agree with glibc\n", v[i].tz,
		       trans);
		if (strchr(v[i].tz, ','))
			assert_true(trans >= 2 * 129);
	}
	unsetenv("TZ");
	mem_deref(db);
}

/* DST all year (tzcode semantics; glibc's TZ parser differs at new year)
 * and the default rules of a dst without any (glibc takes those from
 * the posixrules file, with its history) */
static void test_footer_special(void **state)
{
	uint8_t buf[512];
	struct tzdb *db = NULL;
	struct tzdb_tm tm;

	(void)state;
	assert_int_equal(tzdb_alloc(&db, tmpdir), 0);

	/* 2030-03-10 is the second Sunday of March: 02:00 EST = 07:00Z */
	write_file(tmpdir, "usdefault", buf, make_slim(buf, -18000, "ABC5DEF"));
	assert_int_equal(tzdb_local(db, "usdefault", 1899356399000ULL, &tm),
			 0);
	assert_false(tm.dst);
	assert_int_equal(tm.hour, 1);
	assert_int_equal(tzdb_local(db, "usdefault", 1899356400000ULL, &tm),
			 0);
	assert_true(tm.dst);
	assert_int_equal(tm.hour, 3);
	assert_int_equal(tm.utc_off_s, -4 * 3600);

	write_file(tmpdir, "allyear", buf,
		   make_slim(buf, -18000, "EST5EDT4,0/0,J365/25"));
	for (long long t = T1970; t < T2100; t += 86400 * 7 + 3607) {
		assert_int_equal(tzdb_local(db, "allyear", (uint64_t)t * 1000,
					    &tm), 0);
		assert_true(tm.dst);
		assert_int_equal(tm.utc_off_s, -4 * 3600);
	}
	/* around new year too */
	assert_int_equal(tzdb_local(db, "allyear", 1767236400000ULL, &tm), 0);
	assert_true(tm.dst);
	mem_deref(db);
}

static void test_names(void **state)
{
	static const char *bad[] = {
		"", "/", "/etc/passwd", "../etc/passwd", "Europe/../Paris",
		"Europe/./Paris", "./UTC", "Europe//Paris", "Europe/Paris/",
		"/Europe/Paris", "Europe/Paris\n", "Europe/Pa ris",
		"zone.tab", "Europe\\Paris", "Europe/Par\xc3\xads",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"..", ".",
	};
	struct tzdb *db = NULL;
	struct tzdb_tm tm;

	(void)state;
	assert_int_equal(tzdb_alloc(&db, NULL), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (tzdb_valid(db, bad[i]))
			fail_msg("name \"%s\" accepted", bad[i]);
		assert_int_equal(tzdb_local(db, bad[i], 0, &tm), ENOENT);
	}

	/* well-formed but not zones */
	assert_false(tzdb_valid(db, "Mars/Olympus_Mons"));
	assert_int_equal(tzdb_local(db, "Mars/Olympus_Mons", 0, &tm), ENOENT);
	assert_false(tzdb_valid(db, "Europe"));           /* a directory */
	assert_false(tzdb_valid(db, "Europe/Paris/x"));   /* not a dir */
	assert_false(tzdb_valid(db, "leapseconds"));      /* not TZif */
	assert_int_equal(tzdb_local(db, "leapseconds", 0, &tm), EPROTO);

	/* the syntax allows these, and they exist */
	assert_true(tzdb_valid(db, "Etc/GMT+5"));
	assert_true(tzdb_valid(db, "Etc/GMT-14"));
	assert_true(tzdb_valid(db, "America/Port-au-Prince"));
	assert_true(tzdb_valid(db, "America/Argentina/Buenos_Aires"));

	assert_false(tzdb_valid(NULL, "UTC"));
	assert_false(tzdb_valid(db, NULL));
	assert_int_equal(tzdb_local(NULL, "UTC", 0, &tm), EINVAL);
	assert_int_equal(tzdb_local(db, NULL, 0, &tm), EINVAL);
	assert_int_equal(tzdb_local(db, "UTC", 0, NULL), EINVAL);
	assert_int_equal(tzdb_alloc(NULL, NULL), EINVAL);
	mem_deref(db);
}

/* UTC needs no file; nothing else does */
static void test_utc_builtin(void **state)
{
	struct tzdb *db = NULL;
	struct tzdb_tm tm;

	(void)state;
	assert_int_equal(tzdb_alloc(&db, "/nonexistent-zoneinfo"), 0);
	assert_true(tzdb_valid(db, "UTC"));
	assert_true(tzdb_valid(db, "Etc/UTC"));
	assert_false(tzdb_valid(db, "Europe/Paris"));
	assert_int_equal(tzdb_local(db, "Etc/UTC", 1700000000123ULL, &tm), 0);
	assert_int_equal(tm.year, 2023);
	assert_int_equal(tm.mon, 11);
	assert_int_equal(tm.mday, 14);
	assert_int_equal(tm.wday, 2);
	assert_int_equal(tm.hour, 22);
	assert_int_equal(tm.min, 13);
	assert_int_equal(tm.sec, 20);
	assert_int_equal(tm.utc_off_s, 0);
	assert_false(tm.dst);
	mem_deref(db);
}

static void expect_corrupt(struct tzdb *db, const char *name,
			   const uint8_t *p, size_t len)
{
	struct tzdb_tm tm;
	int err;

	write_file(tmpdir, name, p, len);
	err = tzdb_local(db, name, 0, &tm);
	if (err != EPROTO)
		fail_msg("%s (%zu bytes): %d, not EPROTO", name, len, err);
	assert_false(tzdb_valid(db, name));
}

/* Every truncation of a real file, and targeted corruptions */
static void test_corrupt(void **state)
{
	struct tzdb *db = NULL;
	struct tzdb_tm tm;
	size_t len, v1, h2;
	uint8_t *orig = read_zone("Europe/Paris", &len);
	uint8_t *buf = malloc(TZDB_FILE_MAX + 2);
	char name[32];

	(void)state;
	assert_non_null(buf);
	assert_int_equal(tzdb_alloc(&db, tmpdir), 0);

	write_file(tmpdir, "good", orig, len);
	assert_int_equal(tzdb_local(db, "good", 0, &tm), 0);

	for (size_t n = 0; n < len; n++) {
		snprintf(name, sizeof(name), "cut%zu", n);
		expect_corrupt(db, name, orig, n);
	}

	/* the offset of the second header */
	{
		uint32_t c[6];

		for (int i = 0; i < 6; i++)
			c[i] = (uint32_t)orig[20 + 4 * i] << 24 |
				(uint32_t)orig[21 + 4 * i] << 16 |
				(uint32_t)orig[22 + 4 * i] << 8 |
				orig[23 + 4 * i];
		v1 = 44 + c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
		h2 = v1;
		assert_memory_equal(orig + h2, "TZif", 4);
	}

#define CORRUPT(label, stmt) do { \
		memcpy(buf, orig, len); \
		stmt; \
		expect_corrupt(db, label, buf, len); \
	} while (0)

	CORRUPT("magic", buf[0] = 'X');
	CORRUPT("version", buf[4] = '9');
	CORRUPT("version2", buf[h2 + 4] = '1');
	CORRUPT("typecnt0", put32(buf + h2 + 36, 0));
	CORRUPT("typecnt_big", put32(buf + h2 + 36, 300));
	CORRUPT("timecnt_huge", put32(buf + h2 + 32, 0xffffffff));
	CORRUPT("charcnt0", put32(buf + h2 + 40, 0));
	CORRUPT("isstd", put32(buf + h2 + 24, 3));
	CORRUPT("v1_timecnt", put32(buf + 32, 0x10000000));
	{
		/* the 64-bit block: transitions, indices, types */
		uint32_t timecnt = (uint32_t)orig[h2 + 32] << 24 |
			(uint32_t)orig[h2 + 33] << 16 |
			(uint32_t)orig[h2 + 34] << 8 | orig[h2 + 35];
		size_t tv = h2 + 44, iv = tv + timecnt * 8;
		size_t ty = iv + timecnt;

		assert_true(timecnt > 10);
		CORRUPT("unsorted", memcpy(buf + tv + 8 * 5, orig + tv + 8 * 4,
					   8));
		CORRUPT("index", buf[iv + 3] = 200);
		CORRUPT("isdst", buf[ty + 4] = 2);
		CORRUPT("desig", buf[ty + 5] = 250);
		CORRUPT("utoff", put32(buf + ty, 0x80000000));
		CORRUPT("utoff_big", put32(buf + ty, 26 * 3600));
	}
	CORRUPT("footer_nl", buf[len - 1] = 'x');
	CORRUPT("footer_tz", memcpy(buf + len - 5, "M99.", 4));
	CORRUPT("footer_start", buf[len - strlen(PARIS_TZ) - 2] = 'x');
#undef CORRUPT

	/* too big, even if well-formed at its start */
	memset(buf, 0, TZDB_FILE_MAX + 1);
	memcpy(buf, orig, len);
	expect_corrupt(db, "huge", buf, TZDB_FILE_MAX + 1);

	/* trailing bytes after the footer are ignored */
	memcpy(buf, orig, len);
	memcpy(buf + len, "junk", 4);
	write_file(tmpdir, "trailing", buf, len + 4);
	assert_int_equal(tzdb_local(db, "trailing", 0, &tm), 0);

	/* a version 1 file (the 32-bit block alone) is read */
	memcpy(buf, orig, v1);
	buf[4] = 0;
	write_file(tmpdir, "v1", buf, v1);
	assert_int_equal(tzdb_local(db, "v1", 1000000000000ULL, &tm), 0);
	assert_int_equal(tm.utc_off_s, 7200);    /* 2001-09-09: CEST */
	assert_true(tm.dst);

	free(orig);
	free(buf);
	mem_deref(db);
}

/* At most TZDB_CACHE_MAX names stay: the oldest is read again, the
 * newest is not */
static void test_cache_bound(void **state)
{
	struct tzdb *db = NULL;
	struct tzdb_tm tm;
	size_t len;
	uint8_t *utc = read_zone("Etc/GMT-3", &len);
	char dir[96], name[32], path[160];
	unsigned n = TZDB_CACHE_MAX + 50;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/many", tmpdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "Z%u", i);
		write_file(dir, name, utc, len);
	}

	assert_int_equal(tzdb_alloc(&db, dir), 0);
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "Z%u", i);
		assert_int_equal(tzdb_local(db, name, 0, &tm), 0);
		assert_int_equal(tm.utc_off_s, 3 * 3600);
	}

	/* files gone: cached names still answer, evicted ones do not */
	for (unsigned i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/Z%u", dir, i);
		assert_int_equal(unlink(path), 0);
	}
	assert_int_equal(tzdb_local(db, "Z0", 0, &tm), ENOENT);
	snprintf(name, sizeof(name), "Z%u", n - 1);
	assert_int_equal(tzdb_local(db, name, 0, &tm), 0);
	snprintf(name, sizeof(name), "Z%u", n - TZDB_CACHE_MAX + 1);
	assert_int_equal(tzdb_local(db, name, 0, &tm), 0);
	/* Z0 re-entered and pushed one more out: the oldest then was
	 * Z(n - TZDB_CACHE_MAX) */
	snprintf(name, sizeof(name), "Z%u", n - TZDB_CACHE_MAX);
	assert_int_equal(tzdb_local(db, name, 0, &tm), ENOENT);

	free(utc);
	assert_int_equal(rmdir(dir), 0);
	mem_deref(db);
}

static void test_tzrule_grammar(void **state)
{
	static const char *good[] = {
		"UTC0", "<+03>-3", "<-0330>3:30", "CET-1CEST", "EST+5EDT",
		"AAA-24", "AAA24", "CET-1CEST,M3.5.0/-167,M10.5.0/167",
		"CET-1CEST-2:30:15,J1/0,J365/24:59:59", "XXX0YYY,0,365",
		"<A-B+C>1<D1E>,M12.5.6/1:02:03,M1.1.0",
	};
	static const char *bad[] = {
		"", "CE", "CET", "CET-", "CET-1CEST,M3.5.0", "CET-1CEST,",
		"CET-1CEST,M13.5.0,M10.5.0", "CET-1CEST,M3.6.0,M10.5.0",
		"CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,M0.5.0,M10.5.0",
		"CET-25", "CET-1:60", "CET-1:00:60", "<AB>1", "<+03", "<+03>",
		"CET-1CEST,J0,J365", "CET-1CEST,J366,J1", "CET-1CEST,366,1",
		"CET-1CEST,M3.5.0/168,M10.5.0", "CET-1CEST,M3.5.0,M10.5.0,",
		"CET-1CEST,M3.5.0,M10.5.0x", "CET-1 ", "CET-1CE", "C3T-1",
		"CET-1CEST,M3..0,M10.5.0", "CET-1CEST,M3.5.0/,M10.5.0",
		"CET-1CEST,M3.5.0/1:,M10.5.0", "CET1234", "<A B>1",
		"CET-1CEST-1000",
	};
	struct tzrule r;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (tzrule_parse(&r, good[i], strlen(good[i])))
			fail_msg("\"%s\" refused", good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (tzrule_parse(&r, bad[i], strlen(bad[i])) != EPROTO)
			fail_msg("\"%s\" accepted", bad[i]);
	}

	assert_int_equal(tzrule_parse(&r, "CET-1CEST", 9), 0);
	assert_int_equal(r.std_off, 3600);
	assert_int_equal(r.dst_off, 7200);
	assert_int_equal(r.start.kind, TZRULE_MWD);
	assert_int_equal(r.start.m, 3);
	assert_int_equal(r.start.w, 2);
	assert_int_equal(r.end.m, 11);
	assert_int_equal(r.end.time, 7200);
	assert_int_equal(tzrule_parse(&r, "<-0330>3:30", 11), 0);
	assert_int_equal(r.std_off, -12600);
	assert_false(r.has_dst);
}

/* The calendar against glibc's timegm over a long range */
static void test_calendar(void **state)
{
	(void)state;
	for (long long days = -800000; days < 800000; days += 13) {
		time_t t = (time_t)(days * 86400);
		struct tm tm;
		int64_t y;
		int m, d;

		assert_non_null(gmtime_r(&t, &tm));
		tzcal_civil(days, &y, &m, &d);
		assert_int_equal(y, tm.tm_year + 1900);
		assert_int_equal(m, tm.tm_mon + 1);
		assert_int_equal(d, tm.tm_mday);
		assert_int_equal(tzcal_wday(days), tm.tm_wday);
		assert_int_equal(tzcal_days(y, m, d), days);
	}
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hotline-tzdb-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zones_vs_libc),
		cmocka_unit_test(test_known_values),
		cmocka_unit_test(test_footer_vs_libc),
		cmocka_unit_test(test_footer_special),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_utc_builtin),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_cache_bound),
		cmocka_unit_test(test_tzrule_grammar),
		cmocka_unit_test(test_calendar),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/** @file app/tzif.h  TZif files (RFC 8536) and POSIX TZ strings: pure
 *  parsers and offset lookups, no I/O (private to app/tzdb.c, its test
 *  and the fuzz target) */
#ifndef HOTLINE_APP_TZIF_H
#define HOTLINE_APP_TZIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lookups take |t| <= TZ_SECS_MAX (about 2.3 billion years) */
#define TZ_SECS_MAX      (INT64_C(1) << 56)
#define TZ_UTOFF_MIN     (-89999)   /* RFC 8536: -24:59:59 */
#define TZ_UTOFF_MAX     93599      /* RFC 8536: +25:59:59 */
#define TZ_STRING_MAX    255        /* footer TZ string, bytes */

/* One end of daylight saving time in a POSIX TZ string */
enum tzrule_kind {
	TZRULE_JULIAN1 = 0,     /* Jn: 1..365, February 29 never counted */
	TZRULE_JULIAN0,         /* n: 0..365, February 29 counted */
	TZRULE_MWD,             /* Mm.w.d: weekday d of week w of month m */
};

struct tzrule_date {
	enum tzrule_kind kind;
	int n;                  /* JULIAN1, JULIAN0 */
	int m, w, d;            /* MWD: 1..12, 1..5 (5 = last), 0..6 (Sun) */
	int32_t time;           /* local seconds after midnight: -167h..167h
				   (RFC 8536 extension); default 2:00 */
};

/* A POSIX TZ string: std offset [dst [offset] [,start[/time],end[/time]]] */
struct tzrule {
	int32_t std_off;        /* seconds east of UTC */
	int32_t dst_off;
	bool has_dst;
	struct tzrule_date start, end;   /* when has_dst */
};

/* A local time type */
struct tzif_type {
	int32_t utoff;          /* seconds east of UTC */
	bool dst;
};

/* A parsed zone; mem-allocated, immutable */
struct tzif {
	int64_t *transv;        /* owned (mem): strictly ascending */
	uint8_t *idxv;          /* owned (mem): type of each transition */
	uint32_t transc;
	struct tzif_type typev[256];
	uint16_t typec;         /* 1..256 */
	bool has_rule;          /* the footer TZ string, for after the last
				   transition (or always, without any) */
	struct tzrule rule;
};

/* tzif.c */
int  tzif_parse(struct tzif **zp, const uint8_t *p, size_t len);
int  tzif_fixed(struct tzif **zp, int32_t utoff);
int  tzif_lookup(const struct tzif *z, int64_t t, struct tzif_type *ty);

/* tzrule.c */
int  tzrule_parse(struct tzrule *r, const char *s, size_t len);
int  tzrule_lookup(const struct tzrule *r, int64_t t, struct tzif_type *ty);
int64_t tzcal_days(int64_t y, int m, int d);
void tzcal_civil(int64_t days, int64_t *y, int *m, int *d);
int  tzcal_wday(int64_t days);

#endif

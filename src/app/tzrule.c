/** @file app/tzrule.c  POSIX TZ strings (the TZif footer, RFC 8536 §3.3)
 *  and the proleptic Gregorian calendar they need (no I/O) */
#include <errno.h>
#include <string.h>
#include "app/tzif.h"

#define HOUR 3600
#define DAY  86400

/* A cursor over the string; every reader checks the end */
struct cur {
	const char *s;
	size_t len, pos;
};


/* --- calendar (proleptic Gregorian, days since 1970-01-01) --------------- */

static int64_t floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}


static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}


static int month_days(int64_t y, int m)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30,
				      31, 31, 30, 31, 30, 31};

	return mdays[m - 1] + (m == 2 && is_leap(y));
}


/** Days since 1970-01-01 of y-m-d (m 1..12, d 1..31); any int64 year
 *  whose result fits (|y| well under 2^50) */
int64_t tzcal_days(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floordiv(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}


/** The date of a day number (the inverse of tzcal_days) */
void tzcal_civil(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468;
	int64_t era = floordiv(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}


/** Weekday of a day number, 0 = Sunday (1970-01-01 was a Thursday) */
int tzcal_wday(int64_t days)
{
	int64_t w = (days + 4) % 7;

	return (int)(w < 0 ? w + 7 : w);
}


/* --- the string ---------------------------------------------------------- */

static bool at(const struct cur *c, char ch)
{
	return c->pos < c->len && c->s[c->pos] == ch;
}


static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}


static bool is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}


/* 1..maxdig decimal digits giving min..max */
static int number(struct cur *c, int maxdig, int min, int max, int *v)
{
	int n = 0, dig = 0;

	while (dig < maxdig && c->pos < c->len && is_digit(c->s[c->pos])) {
		n = n * 10 + (c->s[c->pos++] - '0');
		dig++;
	}
	if (!dig || n < min || n > max)
		return EPROTO;

	*v = n;
	return 0;
}


/* A zone abbreviation: [A-Za-z]{3,} or <[A-Za-z0-9+-]{3,}> */
static int name(struct cur *c)
{
	size_t start;

	if (at(c, '<')) {
		start = ++c->pos;
		while (c->pos < c->len && (is_alpha(c->s[c->pos]) ||
					   is_digit(c->s[c->pos]) ||
					   c->s[c->pos] == '+' ||
					   c->s[c->pos] == '-'))
			c->pos++;
		if (c->pos - start < 3 || !at(c, '>'))
			return EPROTO;
		c->pos++;
		return 0;
	}

	start = c->pos;
	while (c->pos < c->len && is_alpha(c->s[c->pos]))
		c->pos++;

	return c->pos - start < 3 ? EPROTO : 0;
}


/* [+-]hh[:mm[:ss]] with hh <= maxh, in seconds */
static int hms(struct cur *c, int maxh, int32_t *secs)
{
	int sign = 1, h, mi = 0, s = 0;
	int err;

	if (at(c, '+') || at(c, '-'))
		sign = c->s[c->pos++] == '-' ? -1 : 1;

	err = number(c, 3, 0, maxh, &h);
	if (!err && at(c, ':')) {
		c->pos++;
		err = number(c, 2, 0, 59, &mi);
		if (!err && at(c, ':')) {
			c->pos++;
			err = number(c, 2, 0, 59, &s);
		}
	}
	if (err)
		return err;

	*secs = sign * (h * HOUR + mi * 60 + s);
	return 0;
}


/* A UTC offset in POSIX form (west positive) as seconds east */
static int offset(struct cur *c, int32_t *east)
{
	int32_t west;
	int err = hms(c, 24, &west);

	if (!err)
		*east = -west;

	return err;
}


/* Jn | n | Mm.w.d, then [/time] */
static int date(struct cur *c, struct tzrule_date *dt)
{
	int err;

	memset(dt, 0, sizeof(*dt));
	dt->time = 2 * HOUR;

	if (at(c, 'J')) {
		c->pos++;
		dt->kind = TZRULE_JULIAN1;
		err = number(c, 3, 1, 365, &dt->n);
	}
	else if (at(c, 'M')) {
		c->pos++;
		dt->kind = TZRULE_MWD;
		err = number(c, 2, 1, 12, &dt->m);
		if (!err)
			err = at(c, '.') ? (c->pos++, 0) : EPROTO;
		if (!err)
			err = number(c, 1, 1, 5, &dt->w);
		if (!err)
			err = at(c, '.') ? (c->pos++, 0) : EPROTO;
		if (!err)
			err = number(c, 1, 0, 6, &dt->d);
	}
	else {
		dt->kind = TZRULE_JULIAN0;
		err = number(c, 3, 0, 365, &dt->n);
	}

	if (!err && at(c, '/')) {
		c->pos++;
		err = hms(c, 167, &dt->time);
	}

	return err;
}


/**
 * Parse a POSIX TZ string as RFC 8536 §3.3 allows it in TZif footers:
 * std offset [dst [offset] [,start[/time],end[/time]]], names plain
 * (3+ letters) or quoted (<+0330>), offsets up to 24 h, rule times from
 * -167 h to 167 h. A dst without rules gets the US rules M3.2.0,M11.1.0
 * (as tzcode does); a dst without offset is one hour ahead of std.
 *
 * @param r    Filled on success
 * @param s    The string, s[len] need not be NUL
 * @param len  Its length (the whole of it must be the TZ string)
 *
 * @return 0; EPROTO anything else
 */
int tzrule_parse(struct tzrule *r, const char *s, size_t len)
{
	struct cur c = {.s = s, .len = len};
	struct tzrule tmp;
	int err;

	if (!r || !s || len > TZ_STRING_MAX)
		return EPROTO;

	memset(&tmp, 0, sizeof(tmp));
	err = name(&c);
	if (!err)
		err = offset(&c, &tmp.std_off);
	if (err || c.pos == len)
		goto out;

	tmp.has_dst = true;
	err = name(&c);
	if (err)
		goto out;
	tmp.dst_off = tmp.std_off + HOUR;
	if (c.pos < len && !at(&c, ','))
		err = offset(&c, &tmp.dst_off);

	if (!err && c.pos == len) {
		static const char us[] = ",M3.2.0,M11.1.0";

		c = (struct cur){.s = us, .len = sizeof(us) - 1};
	}
	if (!err)
		err = at(&c, ',') ? (c.pos++, 0) : EPROTO;
	if (!err)
		err = date(&c, &tmp.start);
	if (!err)
		err = at(&c, ',') ? (c.pos++, 0) : EPROTO;
	if (!err)
		err = date(&c, &tmp.end);

 out:
	if (!err && c.pos != c.len)
		err = EPROTO;
	if (!err)
		*r = tmp;

	return err;
}


/* Day number of a rule date in year y */
static int64_t date_day(const struct tzrule_date *dt, int64_t y)
{
	int64_t jan1 = tzcal_days(y, 1, 1), first;
	int dd, mlen;

	switch (dt->kind) {

	case TZRULE_JULIAN1:
		return jan1 + dt->n - 1 + (is_leap(y) && dt->n >= 60);

	case TZRULE_JULIAN0:
		return jan1 + dt->n;

	default:
		first = tzcal_days(y, dt->m, 1);
		dd = (dt->d - tzcal_wday(first) + 7) % 7 + 7 * (dt->w - 1);
		mlen = month_days(y, dt->m);
		while (dd >= mlen)
			dd -= 7;
		return first + dd;
	}
}


/**
 * The local time type of a rule at t (seconds since 1970, UTC). DST
 * starts at its local standard time and ends at its local daylight time;
 * the transitions of the years around t are compared, so rules whose
 * times cross a year end (J365/25) or that keep DST all year behave as in
 * tzcode: when an end and a start fall on the same instant, DST goes on.
 *
 * @return 0; ERANGE |t| > TZ_SECS_MAX; EINVAL NULL
 */
int tzrule_lookup(const struct tzrule *r, int64_t t, struct tzif_type *ty)
{
	int64_t y, best = INT64_MIN;
	bool dst = false;
	int m, d;

	if (!r || !ty)
		return EINVAL;
	if (t > TZ_SECS_MAX || t < -TZ_SECS_MAX)
		return ERANGE;

	ty->utoff = r->std_off;
	ty->dst = false;
	if (!r->has_dst)
		return 0;

	tzcal_civil(floordiv(t + r->std_off, DAY), &y, &m, &d);
	for (int64_t yy = y - 1; yy <= y + 1; yy++) {
		int64_t on = date_day(&r->start, yy) * DAY + r->start.time -
			r->std_off;
		int64_t off = date_day(&r->end, yy) * DAY + r->end.time -
			r->dst_off;

		/* latest transition <= t; a start wins a tie with an end */
		if (off <= t && off > best) {
			best = off;
			dst = false;
		}
		if (on <= t && on >= best) {
			best = on;
			dst = true;
		}
	}

	if (dst) {
		ty->utoff = r->dst_off;
		ty->dst = true;
	}

	return 0;
}

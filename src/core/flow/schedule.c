/** @file core/flow/schedule.c  Opening hours of a schedule step (no I/O) */
#include "exec.h"

/** Whether the local date of tm is one of s's holidays. */
bool flow_schedule_holiday(const struct flow_schedule *s,
			   const struct flow_tm *tm)
{
	for (uint8_t i = 0; i < s->holidayc && i < FLOW_HOLIDAYS_MAX; i++) {
		const struct flow_date *d = &s->holidayv[i];

		if (d->year == tm->year && d->mon == tm->mon &&
		    d->mday == tm->mday)
			return true;
	}
	return false;
}

/**
 * Whether s is open at local time tm: the date is not a holiday and one
 * range has tm's weekday bit (bit 0 = Sunday) with from_min <= minute of
 * the day < to_min (to_min 1440 = "24:00" covers 23:59). Seconds do not
 * count: 17:29:59 is inside 09:00-17:30, 17:30:00 is not. A weekday out
 * of 0..6 is never open.
 */
bool flow_schedule_open(const struct flow_schedule *s,
			const struct flow_tm *tm)
{
	int minute = tm->hour * 60 + tm->min;

	if (tm->wday < 0 || tm->wday > 6 || flow_schedule_holiday(s, tm))
		return false;

	for (uint8_t i = 0; i < s->hoursc && i < FLOW_HOURS_MAX; i++) {
		const struct flow_hours *h = &s->hoursv[i];

		if ((h->days & (1u << tm->wday)) && h->from_min <= minute &&
		    minute < h->to_min)
			return true;
	}
	return false;
}

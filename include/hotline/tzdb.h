/** @file hotline/tzdb.h  IANA time zones from the system's TZif files,
 *  without touching the process TZ (setenv("TZ") is not thread-safe:
 *  libcurl and other threads call getenv).
 *
 * Zones are read once, on first use, from <dir>/<name> (a file read on
 * the calling thread — the main loop; a few KiB, once per zone) and
 * kept in a cache of at most TZDB_CACHE_MAX zones (least recently used
 * out). Names that do not load are remembered too, so a tzdata upgrade
 * is seen after a restart. UTC and Etc/UTC are built in. Leap-second
 * ("right/") zones are read as if their leap records were absent.
 * Not thread-safe: one thread uses a tzdb.
 */
#ifndef HOTLINE_TZDB_H
#define HOTLINE_TZDB_H

#include <stdbool.h>
#include <stdint.h>

#define TZDB_NAME_MAX   63            /* bytes */
#define TZDB_CACHE_MAX  512           /* zones (and unknown names) kept */
#define TZDB_FILE_MAX   (256 * 1024)  /* bigger zone files are EPROTO */

struct tzdb;

/* A local time */
struct tzdb_tm {
	int year, mon, mday, wday;    /* mon 1..12, wday 0 = Sunday */
	int hour, min, sec;
	int32_t utc_off_s;            /* local = UTC + utc_off_s */
	bool dst;
};

/** A zone database reading dir (NULL = "/usr/share/zoneinfo"; copied;
 *  not checked now). 0, EINVAL, ENOMEM. */
int tzdb_alloc(struct tzdb **dbp, const char *dir);

/** Whether name is a zone: [A-Za-z0-9_+-] segments separated by '/', no
 *  leading '/', at most TZDB_NAME_MAX bytes, and its file loads. */
bool tzdb_valid(struct tzdb *db, const char *name);

/** The local time in zone name at utc_ms (milliseconds since 1970, UTC;
 *  the milliseconds are dropped). 0; ENOENT unknown zone or bad name;
 *  EPROTO corrupt zone file; EINVAL NULL argument; ENOMEM. */
int tzdb_local(struct tzdb *db, const char *name, uint64_t utc_ms,
	       struct tzdb_tm *tm);

#endif

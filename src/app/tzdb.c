/** @file app/tzdb.c  IANA time zones from TZif files, cached by name;
 *  local time without the process TZ
 *
 * A zone is loaded on its first use: one file read, a few KiB, on the
 * calling (main) thread; later uses hit the cache. The cache keeps at
 * most TZDB_CACHE_MAX names, zones and unknown names alike, the least
 * recently used leaving first, so a flood of bad names costs one failed
 * open() each and cannot grow memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <re.h>
#include <hotline/tzdb.h>
#include "app/tzif.h"

#define DEFAULT_DIR "/usr/share/zoneinfo"

struct tzdb {
	char *dir;                /* owned */
	struct hash *zoneh;       /* struct zent by name, not owned */
	struct list lru;          /* struct zent, owned; most recent first */
};

struct zent {
	struct le he;             /* in db->zoneh */
	struct le le;             /* in db->lru */
	int err;                  /* 0: zone loaded; ENOENT; EPROTO */
	struct tzif *zone;        /* owned; NULL when err */
	char name[TZDB_NAME_MAX + 1];
};


static void zent_destructor(void *arg)
{
	struct zent *ze = arg;

	hash_unlink(&ze->he);
	list_unlink(&ze->le);
	mem_deref(ze->zone);
}


static void tzdb_destructor(void *arg)
{
	struct tzdb *db = arg;

	list_flush(&db->lru);
	mem_deref(db->zoneh);
	mem_deref(db->dir);
}


/**
 * A time-zone database.
 *
 * @param dbp  Set to the database (mem_deref frees it and its cache)
 * @param dir  The zoneinfo directory, copied; NULL for
 *             /usr/share/zoneinfo. Not checked here: a missing directory
 *             makes every zone but UTC unknown.
 *
 * @return 0; EINVAL; ENOMEM
 */
int tzdb_alloc(struct tzdb **dbp, const char *dir)
{
	struct tzdb *db;
	int err;

	if (!dbp)
		return EINVAL;

	db = mem_zalloc(sizeof(*db), tzdb_destructor);
	if (!db)
		return ENOMEM;

	err = str_dup(&db->dir, dir ? dir : DEFAULT_DIR);
	if (!err)
		err = hash_alloc(&db->zoneh, 64);

	if (err)
		mem_deref(db);
	else
		*dbp = db;

	return err;
}


/* [A-Za-z0-9_+-]+ segments separated by single '/', at most
 * TZDB_NAME_MAX bytes: no "." or "..", no absolute path */
static bool name_ok(const char *name)
{
	size_t len = strnlen(name, TZDB_NAME_MAX + 1);

	if (!len || len > TZDB_NAME_MAX || name[0] == '/' ||
	    name[len - 1] == '/')
		return false;

	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (c == '/' && name[i + 1] == '/')
			return false;
		if (!(c == '/' || c == '_' || c == '+' || c == '-' ||
		      (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z')))
			return false;
	}

	return true;
}


/* The whole file into buf (at most TZDB_FILE_MAX bytes): 0; ENOENT not
 * there or not a regular file; EPROTO too big */
static int file_read(const char *path, uint8_t *buf, size_t *lenp)
{
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOMEM ? ENOMEM : ENOENT;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		err = ENOENT;
		goto out;
	}

	/* one byte more than allowed tells a file that is too big */
	while (len <= TZDB_FILE_MAX) {
		n = read(fd, buf + len, TZDB_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = ENOENT;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > TZDB_FILE_MAX)
		err = EPROTO;
	else
		*lenp = len;

 out:
	(void)close(fd);
	return err;
}


/* Load name: 0 and *zp; ENOENT; EPROTO; ENOMEM */
static int zone_load(struct tzif **zp, const struct tzdb *db,
		     const char *name)
{
	char path[PATH_MAX];
	uint8_t *buf;
	size_t len = 0;
	int err;

	if (!strcmp(name, "UTC") || !strcmp(name, "Etc/UTC"))
		return tzif_fixed(zp, 0);

	if (re_snprintf(path, sizeof(path), "%s/%s", db->dir, name) < 0)
		return ENOENT;

	buf = mem_alloc(TZDB_FILE_MAX + 1, NULL);
	if (!buf)
		return ENOMEM;

	err = file_read(path, buf, &len);
	if (!err)
		err = tzif_parse(zp, buf, len);

	mem_deref(buf);
	return err;
}


static bool name_match(struct le *le, void *arg)
{
	const struct zent *ze = le->data;

	return !strcmp(ze->name, arg);
}


/* The cache entry for a valid name, loading it on a miss; NULL only
 * without memory */
static struct zent *zent_get(struct tzdb *db, const char *name)
{
	uint32_t key = hash_joaat_str(name);
	struct zent *ze;
	struct le *le;

	le = hash_lookup(db->zoneh, key, name_match, (void *)name);
	if (le) {
		ze = le->data;
		list_unlink(&ze->le);
		list_prepend(&db->lru, &ze->le, ze);
		return ze;
	}

	ze = mem_zalloc(sizeof(*ze), zent_destructor);
	if (!ze)
		return NULL;

	str_ncpy(ze->name, name, sizeof(ze->name));
	ze->err = zone_load(&ze->zone, db, name);
	if (ze->err == ENOMEM)
		return mem_deref(ze);   /* not a fact about the name */

	hash_append(db->zoneh, key, &ze->he, ze);
	list_prepend(&db->lru, &ze->le, ze);
	while (list_count(&db->lru) > TZDB_CACHE_MAX)
		mem_deref(list_tail(&db->lru)->data);

	return ze;
}


/**
 * Whether name is a zone db can use: a well-formed name whose file loads
 * (UTC and Etc/UTC always). Loads and caches the zone.
 *
 * @param db    The database
 * @param name  The IANA name, e.g. "Europe/Paris"
 *
 * @return true if tzdb_local would succeed for it
 */
bool tzdb_valid(struct tzdb *db, const char *name)
{
	struct zent *ze;

	if (!db || !name || !name_ok(name))
		return false;

	ze = zent_get(db, name);
	return ze && !ze->err;
}


/**
 * Local time in a zone.
 *
 * @param db      The database
 * @param name    The IANA name (see tzdb_valid)
 * @param utc_ms  Milliseconds since 1970-01-01T00:00:00Z
 * @param tm      Filled on success
 *
 * @return 0; ENOENT unknown zone or bad name; EPROTO corrupt zone file;
 *         EINVAL NULL argument; ENOMEM
 */
int tzdb_local(struct tzdb *db, const char *name, uint64_t utc_ms,
	       struct tzdb_tm *tm)
{
	int64_t t = (int64_t)(utc_ms / 1000), local, days, secs, year;
	struct tzif_type ty;
	struct zent *ze;
	int err;

	if (!db || !name || !tm)
		return EINVAL;
	if (!name_ok(name))
		return ENOENT;

	ze = zent_get(db, name);
	if (!ze)
		return ENOMEM;
	if (ze->err)
		return ze->err;

	/* t < 2^54 here: well inside what the lookup takes */
	err = tzif_lookup(ze->zone, t, &ty);
	if (err)
		return err;

	local = t + ty.utoff;
	days = local / 86400;
	secs = local % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}

	tzcal_civil(days, &year, &tm->mon, &tm->mday);
	tm->year = (int)year;
	tm->wday = tzcal_wday(days);
	tm->hour = (int)(secs / 3600);
	tm->min = (int)(secs / 60 % 60);
	tm->sec = (int)(secs % 60);
	tm->utc_off_s = ty.utoff;
	tm->dst = ty.dst;

	return 0;
}

/** @file app/log.c  One-line, levelled log records on stderr */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <re.h>
#include <hotline/log.h>

static enum log_level min_level = LOGL_INFO;
static unsigned warnings;

static const char *level_name[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void log_level_set(enum log_level lvl)
{
	min_level = lvl;
}

int log_level_parse(const char *s, enum log_level *lvl)
{
	for (size_t i = 0; i < sizeof(level_name) / sizeof(level_name[0]); i++) {
		if (!strcasecmp(s, level_name[i])) {
			*lvl = (enum log_level)i;
			return 0;
		}
	}
	if (!strcasecmp(s, "warning")) {
		*lvl = LOGL_WARN;
		return 0;
	}
	return EINVAL;
}

unsigned log_warning_count(void)
{
	return warnings;
}

/* The record is built in one buffer and written with one call, so lines
 * from worker threads never interleave. Newlines inside the message are
 * replaced: one record, one line. */
void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	int n, m;

	if (lvl >= LOGL_WARN)
		++warnings;
	if (lvl < min_level)
		return;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line),
		     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		     level_name[lvl]);
	m = re_vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	while (n > 0 && line[n - 1] == '\n')
		--n;
	for (int i = 0; i < n; i++) {
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	}
	line[n++] = '\n';
	fwrite(line, 1, n, stderr);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

/** @file hotline/log.h  One-line, levelled, module-prefixed logging */
#ifndef HOTLINE_LOG_H
#define HOTLINE_LOG_H

#include <stdarg.h>

enum log_level { LOGL_DEBUG = 0, LOGL_INFO, LOGL_WARN, LOGL_ERROR };

/* Messages start with "module: subject: ..." and end with no newline or
 * one; formats are libre's (%m errno text, %r struct pl, %j sa, ...).
 * Secrets (passwords, tokens, HA1) are never passed to these. */
void log_msg(enum log_level lvl, const char *fmt, ...);
void log_vmsg(enum log_level lvl, const char *fmt, va_list ap);

void log_level_set(enum log_level lvl);
int  log_level_parse(const char *s, enum log_level *lvl);  /* 0|EINVAL */
unsigned log_warning_count(void);   /* WARN + ERROR lines so far */

#define log_debug(...) log_msg(LOGL_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOGL_INFO,  __VA_ARGS__)
#define log_warn(...)  log_msg(LOGL_WARN,  __VA_ARGS__)
#define log_error(...) log_msg(LOGL_ERROR, __VA_ARGS__)

#endif

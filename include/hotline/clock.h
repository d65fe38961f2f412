/** @file hotline/clock.h  Wall-clock time for the adapters (the core takes
 *  time as an argument and never calls this) */
#ifndef HOTLINE_CLOCK_H
#define HOTLINE_CLOCK_H

#include <stdint.h>

/** Milliseconds since the Unix epoch (CLOCK_REALTIME). */
uint64_t clock_now_ms(void);

#endif

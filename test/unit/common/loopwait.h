/** @file test/unit/common/loopwait.h  Run libre's loop in a unit test
 *  until a condition holds or a time limit passes */
#ifndef TEST_LOOPWAIT_H
#define TEST_LOOPWAIT_H

#include <stdbool.h>
#include <stdint.h>

/** Run re_main until cond(arg) holds (checked every millisecond) or ms
 *  pass; whether it held. */
bool loopwait_until(bool (*cond)(void *arg), void *arg, uint32_t ms);

/** Run re_main for ms, whatever happens meanwhile */
void loopwait_run(uint32_t ms);

#endif

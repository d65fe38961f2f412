/** @file sip/routing.h  Where a new call goes, looked up in the store.
 *  Private to src/sip/. */
#ifndef SIP_ROUTING_H
#define SIP_ROUTING_H

#include <stdint.h>
#include <hotline/route.h>

struct store;

int routing_find(struct store *st, const char *dest, uint64_t caller_agent,
	      struct route *r);

#endif

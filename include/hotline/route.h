/** @file hotline/route.h  Where a new call goes: the one routing hook.
 *  Pure core: lookups come in through a table of functions.
 *
 * Order: an agent's extension; a DID (its target); for callers who are
 * agents (authenticated), an external number through the best trunk.
 * A DID may also lead to a queue or to a flow (IVR).
 */
#ifndef HOTLINE_ROUTE_H
#define HOTLINE_ROUTE_H

#include <stdint.h>
#include <stdbool.h>
#include <hotline/call.h>
#include <hotline/trunk.h>

typedef int (route_trunk_h)(const struct trunk *t, void *arg);

/* What routing needs to know; each returns 0, ENOENT, or an error */
struct route_lookup {
	int (*agent)(void *arg, const char *ext, uint64_t *agent_id);
	int (*did)(void *arg, const char *number, struct did *d);
	/* call h for every trunk (h returning non-zero stops the walk) */
	int (*trunks)(void *arg, route_trunk_h *h, void *harg);
	void *arg;
};

enum route_kind { ROUTE_AGENT = 0,   /* ring agent_id's phones */
		  ROUTE_TRUNK,       /* dial number through trunk */
		  ROUTE_NOT_FOUND,   /* 404 */
		  ROUTE_AUTH,        /* external number: the caller must
					authenticate as an agent first */
		  ROUTE_QUEUE,       /* answer, queue in queue_id (ACD) */
		  ROUTE_FLOW };      /* run flow flow_id (IVR) */

struct route {
	enum route_kind kind;
	enum call_direction direction;
	uint64_t agent_id;               /* ROUTE_AGENT */
	char did[TRUNK_NUMBER_MAX];      /* the DID dialled, or "" */
	struct trunk trunk;              /* ROUTE_TRUNK */
	char number[TRUNK_NUMBER_MAX];   /* ROUTE_TRUNK: number for the trunk */
	char queue_id[TRUNK_NUMBER_MAX]; /* ROUTE_QUEUE */
	char flow_id[TRUNK_NUMBER_MAX];  /* ROUTE_FLOW */
};

/**
 * Route a call to dest (the Request-URI user part). caller_agent is the
 * authenticated calling agent (0 = anonymous caller, e.g. a trunk).
 * Returns 0 with *r filled, or an errno from a lookup (not ENOENT).
 */
int route_call(const struct route_lookup *lk, const char *dest,
	       uint64_t caller_agent, struct route *r);

#endif

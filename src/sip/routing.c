/** @file sip/routing.c  The routing hook (core/route) over the store:
 *  agents by extension, DIDs, trunks */
#include <hotline/store.h>
#include "routing.h"

static int lookup_agent(void *arg, const char *ext, uint64_t *id)
{
	struct agent a;
	int err = store_agent_get_by_extension(arg, ext, &a);

	if (!err)
		*id = a.id;
	return err;
}

static int lookup_did(void *arg, const char *number, struct did *d)
{
	return store_did_get(arg, number, d);
}

struct trunk_walk {
	route_trunk_h *h;
	void *arg;
};

static int walk_trunk(const struct trunk *t, void *arg)
{
	struct trunk_walk *w = arg;

	return w->h(t, w->arg);
}

static int lookup_trunks(void *arg, route_trunk_h *h, void *harg)
{
	struct trunk_walk w = { h, harg };

	return store_trunk_list(arg, "", 0, walk_trunk, &w);
}

/**
 * Route a new call to dest with the store as directory (see
 * core/route.h): caller_agent is the authenticated calling agent or 0.
 * 0 with *r set, or a store error.
 */
int routing_find(struct store *st, const char *dest, uint64_t caller_agent,
	      struct route *r)
{
	const struct route_lookup lk = { lookup_agent, lookup_did,
					 lookup_trunks, st };

	return route_call(&lk, dest, caller_agent, r);
}


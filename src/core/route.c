/** @file core/route.c  Where a new call goes (no I/O) */
#include <errno.h>
#include <string.h>
#include <re_types.h>
#include <re_fmt.h>
#include <hotline/route.h>

/* Best trunk for a number: longest prefix, first one on ties */
struct trunk_pick {
	const char *number;
	struct trunk best;
	int best_len;
};

static int pick_trunk(const struct trunk *t, void *arg)
{
	struct trunk_pick *p = arg;
	int len = trunk_match(t, p->number);

	if (len > p->best_len) {
		p->best = *t;
		p->best_len = len;
	}
	return 0;
}

static int route_agent(const struct route_lookup *lk, const char *ext,
		       struct route *r)
{
	return lk->agent(lk->arg, ext, &r->agent_id);
}

static int route_trunk(const struct route_lookup *lk, const char *dest,
		       struct route *r)
{
	struct trunk_pick p = { .number = dest, .best_len = -1 };
	int err;

	if (!trunk_number_valid(dest))
		return ENOENT;
	err = lk->trunks(lk->arg, pick_trunk, &p);
	if (err)
		return err;
	if (p.best_len < 0)
		return ENOENT;

	r->trunk = p.best;
	return trunk_dial_number(&p.best, dest, r->number,
				 sizeof(r->number)) ? ENOENT : 0;
}

int route_call(const struct route_lookup *lk, const char *dest,
	       uint64_t caller_agent, struct route *r)
{
	struct did d;
	int err;

	if (!lk || !dest || !r)
		return EINVAL;
	memset(r, 0, sizeof(*r));
	r->kind = ROUTE_NOT_FOUND;

	err = route_agent(lk, dest, r);
	if (!err) {
		r->kind = ROUTE_AGENT;
		r->direction = caller_agent ? CALL_INTERNAL : CALL_INBOUND;
		return 0;
	}
	if (err != ENOENT)
		return err;

	err = lk->did(lk->arg, dest, &d);
	if (!err) {
		str_ncpy(r->did, d.number, sizeof(r->did));
		if (d.target_type == DID_TARGET_QUEUE) {
			str_ncpy(r->queue_id, d.target, sizeof(r->queue_id));
			r->kind = ROUTE_QUEUE;
			r->direction = CALL_INBOUND;
			return 0;
		}
		if (d.target_type == DID_TARGET_FLOW) {
			str_ncpy(r->flow_id, d.target, sizeof(r->flow_id));
			r->kind = ROUTE_FLOW;
			r->direction = CALL_INBOUND;
			return 0;
		}
		err = route_agent(lk, d.target, r);
		if (!err) {
			r->kind = ROUTE_AGENT;
			r->direction = CALL_INBOUND;
		}
		return err == ENOENT ? 0 : err;
	}
	if (err != ENOENT)
		return err;

	err = route_trunk(lk, dest, r);
	if (err)
		return err == ENOENT ? 0 : err;
	r->kind = caller_agent ? ROUTE_TRUNK : ROUTE_AUTH;
	r->direction = CALL_OUTBOUND;
	return 0;
}

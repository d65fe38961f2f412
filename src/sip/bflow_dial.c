/** @file sip/bflow_dial.c  A flow hands its caller on: dial (an
 *  extension, an agent or a number through a trunk, with busy and
 *  no-answer branches back into the flow), blind transfer, queue.
 *
 * While a dial step rings, the call's route is the callee's (so the
 * agent's load and activity follow the usual B2BUA paths); a callee that
 * does not answer puts the route back and the flow goes on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <hotline/config.h>
#include <hotline/log.h>
#include <hotline/store.h>
#include "bcall.h"
#include "bflow.h"
#include "routing.h"

/* The agent a destination names (an extension, or an agent id) */
static int dest_agent(struct bflow *f, enum flow_dest_kind kind,
		      const char *target, uint64_t *id)
{
	struct agent ag;
	char *end;
	int err;

	if (kind == FLOW_DEST_EXTENSION) {
		err = store_agent_get_by_extension(f->c->b->st, target, &ag);
		if (err)
			return err;
		*id = ag.id;
		return 0;
	}
	*id = strtoull(target, &end, 10);
	if (!*id || *end)
		return ENOENT;
	return store_agent_get(f->c->b->st, *id, &ag);
}

/* The call goes back to being the flow's (a dial that failed) */
static void route_back(struct bcall *c)
{
	b2bua_load_del(c->b, bcall_callee_agent(c));
	memset(&c->route.trunk, 0, sizeof(c->route.trunk));
	c->route.kind = ROUTE_FLOW;
	c->route.agent_id = 0;
	c->rec.agent_id = 0;
	c->rec.trunk_id[0] = '\0';
}

/* Dial number: an extension rings that agent, anything else goes out
 * through the trunk that takes it, presenting caller_id (NULL = the
 * trunk's or the caller's number) */
static int ring_number(struct bflow *f, const char *number,
		       uint32_t timeout_s, const char *caller_id)
{
	struct bcall *c = f->c;
	char from[CALL_PARTY_MAX];
	struct route r;
	int err;

	err = routing_find(c->b->st, number, 0, &r);
	if (err)
		return err;
	if (r.kind == ROUTE_AGENT)
		return bcall_ring_agent(c, r.agent_id, &f->fmts, timeout_s);
	if (r.kind != ROUTE_AUTH && r.kind != ROUTE_TRUNK)
		return ENOENT;
	c->route.kind = ROUTE_TRUNK;
	c->route.trunk = r.trunk;
	str_ncpy(c->route.number, r.number, sizeof(c->route.number));
	str_ncpy(c->rec.trunk_id, r.trunk.id, sizeof(c->rec.trunk_id));

	/* the From of the trunk leg only: the caller stays who it is */
	str_ncpy(from, c->from_user, sizeof(from));
	if (caller_id && caller_id[0]) {
		/* the step's number wins over the trunk's (its own copy) */
		str_ncpy(c->from_user, caller_id, sizeof(c->from_user));
		c->route.trunk.caller_id[0] = '\0';
	}
	err = bcall_dial_callee(c, &f->fmts);
	str_ncpy(c->from_user, from, sizeof(c->from_user));
	if (err) {
		route_back(c);
		return err;
	}
	bcall_ring_timer_s(c, timeout_s);
	return 0;
}

/* Ring a destination of kind extension, agent or number */
static int ring(struct bflow *f, const struct flow_dest *d, const char *target,
		uint32_t timeout_s, const char *caller_id)
{
	uint64_t id;
	int err;

	if (d->kind == FLOW_DEST_NUMBER)
		return ring_number(f, target, timeout_s, caller_id);
	err = dest_agent(f, d->kind, target, &id);
	if (err)
		return err;
	return bcall_ring_agent(f->c, id, &f->fmts, timeout_s);
}

/**
 * The dial step: ring its destination. 0 (its result comes as a DIAL
 * input), EBUSY (the agent is on a call), or another errno (failed).
 */
int bflow_dial(struct bflow *f, const struct flow_cmd *cmd)
{
	const struct flow_dial *d = &cmd->step->u.dial;
	int err;

	err = ring(f, &d->to, cmd->text, d->timeout_s, cmd->caller_id);
	if (err) {
		log_info("b2bua: call %s: flow dial %s failed (%m)\n",
			 f->c->rec.id, cmd->text, err);
		return err;
	}
	f->dialing = true;
	return 0;
}

/** The transfer step (blind: the flow is over). 0 or an errno. */
int bflow_transfer(struct bflow *f, const struct flow_cmd *cmd)
{
	const struct flow_dest *d = &cmd->step->u.transfer.to;

	switch (d->kind) {

	case FLOW_DEST_QUEUE:
		bflow_media_release(f);
		return bqueue_join(f->c, cmd->text, NULL, &f->fmts, f->pt);
	case FLOW_DEST_FLOW:
		return bflow_restart(f, cmd->text);
	default:
		bflow_media_release(f);
		return ring(f, d, cmd->text, f->c->b->cfg->sip_ring_timeout_s,
			    NULL);
	}
}

/** The queue step: the ACD takes the caller (the flow is over). */
int bflow_queue(struct bflow *f, const struct flow_cmd *cmd)
{
	bflow_media_release(f);
	return bqueue_join(f->c, cmd->step->u.queue.queue_id, &cmd->task,
			   &f->fmts, f->pt);
}

/* The dial result for a final SIP status (0: the ring timer ran out) */
static enum flow_dial_result dial_result(uint16_t status)
{
	switch (status) {
	case 486: case 600:
		return FLOW_DIAL_BUSY;
	case 0: case 408: case 480: case 487:
		return FLOW_DIAL_NO_ANSWER;
	default:
		return FLOW_DIAL_FAILED;
	}
}

/**
 * Every leg a dial step rang has failed with status (0 = nobody answered
 * in time). When a dial step of c's flow waits, the flow goes on (true);
 * otherwise (false) the call ends as usual.
 */
bool bflow_dial_failed(struct bcall *c, uint16_t status)
{
	struct bflow *f = c->f;
	struct flow_input in = { .kind = FLOW_IN_DIAL };

	if (!f || !f->dialing || f->over)
		return false;
	f->dialing = false;
	while (c->forkl.head)
		bcall_leg_bury(c, c->forkl.head->data);
	tmr_cancel(&c->ring_tmr);
	route_back(c);
	in.dial = dial_result(status);
	bflow_post(f, &in);
	return true;
}

/**
 * A callee the flow rang answered (the leg is c->bl): the flow's prompts
 * stop, media flows between caller and callee, call.bridged.
 */
void bflow_bridged(struct bcall *c)
{
	struct bflow *f = c->f;
	struct flow_input in = { .kind = FLOW_IN_DIAL,
				 .dial = FLOW_DIAL_ANSWERED };

	bflow_media_release(f);
	bcall_bridge_media(c, false);
	if (f->dialing) {
		f->dialing = false;
		bflow_post(f, &in);
	}
}

/** @file sip/b2bua.c  The B2BUA's front: admission of INVITEs (checks,
 *  authentication, routing) and of API requests (click-to-call, hangup),
 *  the registry of live calls and each agent's load. A call's own life is
 *  in bcall.c. */
#include <errno.h>
#include <string.h>
#include <hotline/bus.h>
#include <hotline/clock.h>
#include <hotline/config.h>
#include <hotline/event.h>
#include <hotline/log.h>
#include <hotline/store.h>
#include "b2bua.h"
#include "bcall.h"
#include "digest.h"
#include "registrar.h"
#include "routing.h"
#include "sipstack.h"

#define PT_TELEPHONE_EVENT 101

/* How many live calls an agent is in (ringing or talking) */
struct agent_load {
	struct le he;
	uint64_t agent_id;
	uint32_t n;
};

/* --- agents' load -------------------------------------------------------- */

static bool load_cmp(struct le *le, void *arg)
{
	return ((struct agent_load *)le->data)->agent_id == *(uint64_t *)arg;
}

static struct agent_load *load_find(const struct b2bua *b, uint64_t id)
{
	return list_ledata(hash_lookup(b->loadh, (uint32_t)id, load_cmp,
				       &id));
}

uint32_t b2bua_load_get(const struct b2bua *b, uint64_t id)
{
	struct agent_load *al = load_find(b, id);

	return al ? al->n : 0;
}

/** One more live call for agent id (0 ignored). */
void b2bua_load_add(struct b2bua *b, uint64_t id)
{
	struct agent_load *al;

	if (!id)
		return;
	al = load_find(b, id);
	if (!al) {
		al = mem_zalloc(sizeof(*al), NULL);
		if (!al)
			return;   /* only the busy check weakens */
		al->agent_id = id;
		hash_append(b->loadh, (uint32_t)id, &al->he, al);
	}
	++al->n;
}

void b2bua_load_del(struct b2bua *b, uint64_t id)
{
	struct agent_load *al = id ? load_find(b, id) : NULL;

	if (al && !--al->n) {
		hash_unlink(&al->he);
		mem_deref(al);
	}
}


static bool call_cmp(struct le *le, void *arg)
{
	const struct bcall *c = le->data;

	return !strcmp(c->rec.id, arg);
}

/** The live (not yet freed) call with id, or NULL. */
struct bcall *b2bua_call_find(const struct b2bua *b, const char *id)
{
	return list_ledata(hash_lookup(b->callh, hash_joaat_str(id),
				       call_cmp, (void *)id));
}


/** A new call joins the registry: listed, found by id, counted, and its
 *  agents' load raised (a second call to them gets 486). */
void b2bua_call_add(struct b2bua *b, struct bcall *c)
{
	list_append(&b->calll, &c->le, c);
	hash_append(b->callh, hash_joaat_str(c->rec.id), &c->he, c);
	++b->ncalls;
	b2bua_load_add(b, bcall_callee_agent(c));
	b2bua_load_add(b, c->caller_agent);
}

/** The call ended: no longer live (it stays listed until freed). */
void b2bua_call_remove(struct b2bua *b, struct bcall *c)
{
	hash_unlink(&c->he);
	--b->ncalls;
	b2bua_load_del(b, bcall_callee_agent(c));
	b2bua_load_del(b, c->caller_agent);
}

/* --- call records: written in the bus's flush transaction --------------- */

static void record_write(struct b2bua *b, struct bcall *c)
{
	int err = store_call_put(b->st, &c->rec);

	if (err)
		log_error("b2bua: call %s: cannot store the record (%m)\n",
			  c->rec.id, err);
}

/* The bus's persist hook: every record changed since the last flush */
static void records_flush(void *arg)
{
	struct b2bua *b = arg;
	struct le *le;

	while ((le = list_head(&b->dirtyl))) {
		struct bcall *c = le->data;

		list_unlink(le);
		record_write(b, c);
		mem_deref(c);
	}
	bflow_traces_flush(b);
}

/** c's record changed: store it with the next event flush (c is kept
 *  alive until then). */
void b2bua_record_dirty(struct b2bua *b, struct bcall *c)
{
	if (list_contains(&b->dirtyl, &c->dirty_le))
		return;
	list_append(&b->dirtyl, &c->dirty_le, mem_ref(c));
}


/* --- incoming INVITE ----------------------------------------------------- */

/* A user part we put into our own URIs and records: [A-Za-z0-9+*#._-] */
static void party_copy(char *dst, size_t sz, const struct pl *pl,
		       const char *fallback)
{
	size_t n = 0;

	for (size_t i = 0; pl && i < pl->l && n + 1 < sz; i++) {
		char ch = pl->p[i];

		if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= 'A' && ch <= 'Z') || strchr("+*#._- ", ch))
			dst[n++] = ch;
	}
	dst[n] = '\0';
	if (!n)
		str_ncpy(dst, fallback, sz);
}

/* The caller's offer: 0, or the status to refuse the INVITE with */
static uint16_t offer_check(const struct sip_msg *msg, struct sdpdesc *d)
{
	switch (leg_sdp_read(msg, NULL, d)) {
	case 0:
		/* port 0: the caller refuses its only audio stream */
		return d->port ? 0 : 488;
	case EPROTO:
		return msg_ctype_cmp(&msg->ctyp, "application", "sdp") ?
		       400 : 415;
	default:   /* no offer (we relay without a codec of our own), no
		      audio, no G.711 */
		return 488;
	}
}

/* Refuse the INVITE with status (reason NULL: the standard phrase);
 * returns status. */
static uint16_t refuse(struct b2bua *b, const struct sip_msg *msg,
		       uint16_t status, const char *reason)
{
	log_debug("b2bua: INVITE %r from %J: %u %s\n", &msg->ruri, &msg->src,
		  status, reason ? reason : sipstack_reason(status));
	(void)sipstack_reply(b->ss, msg, status, reason, NULL);
	return status;
}

/* Where the INVITE goes; 0 with *r set (and *caller_agent when the
 * caller authenticated), or the status it was refused with (sent). */
static uint16_t invite_route(struct b2bua *b, const struct sip_msg *msg,
			     struct route *r, uint64_t *caller_agent)
{
	char dest[CALL_PARTY_MAX];
	struct agent caller;
	int err;

	if (!msg->uri.user.l || msg->uri.user.l >= sizeof(dest))
		return refuse(b, msg, 404, NULL);
	pl_strcpy(&msg->uri.user, dest, sizeof(dest));

	err = routing_find(b->st, dest, 0, r);
	if (!err && r->kind == ROUTE_AUTH) {
		err = digest_authenticate(b->dg, msg, true, clock_now_ms(),
					  &caller);
		if (err)
			return 407;      /* challenged or refused: replied */
		*caller_agent = caller.id;
		err = routing_find(b->st, dest, caller.id, r);
	}
	if (err) {
		log_error("b2bua: routing %s failed (%m)\n", dest, err);
		return refuse(b, msg, 500, NULL);
	}
	if (r->kind == ROUTE_NOT_FOUND)
		return refuse(b, msg, 404, NULL);
	if (r->kind == ROUTE_AGENT &&
	    !registrar_is_registered(b->reg, r->agent_id))
		return refuse(b, msg, 480, NULL);
	if (r->kind == ROUTE_AGENT && b2bua_load_get(b, r->agent_id))
		return refuse(b, msg, 486, NULL);
	return 0;
}

/* A DID leading to a queue: Hotline answers and the ACD takes over */
static void queue_call(struct bcall *c, const struct route *r,
		       const struct sdpdesc *offer, uint64_t now)
{
	int err;

	bcall_publish(c, EV_CALL_CREATED, now);
	err = c->b->acd ? bqueue_start(c, r->queue_id, offer) : ENOENT;
	if (!err)
		return;
	log_info("b2bua: call %s: cannot queue in %s (%m)\n", c->rec.id,
		 r->queue_id, err);
	if (err == ENOENT)
		bcall_end(c, CALL_CAUSE_NOT_FOUND, CALL_PARTY_SYSTEM, 404);
	else
		bcall_end(c, CALL_CAUSE_FAILURE, CALL_PARTY_SYSTEM, 500);
}

/* A DID leading to a flow: Hotline answers and runs it */
static void flow_call(struct bcall *c, const struct route *r,
		      const struct sdpdesc *offer, uint64_t now)
{
	int err;

	err = bflow_start(c, r->flow_id, offer);
	bcall_publish(c, EV_CALL_CREATED, now);
	if (!err) {
		bflow_go(c);
		return;
	}
	log_info("b2bua: call %s: cannot run flow %s (%m)\n", c->rec.id,
		 r->flow_id, err);
	bcall_end(c, err == ENOENT ? CALL_CAUSE_NOT_FOUND :
		  err == ENOTSUP ? CALL_CAUSE_INCOMPATIBLE : CALL_CAUSE_FAILURE,
		  CALL_PARTY_SYSTEM, err == ENOENT ? 404 :
		  err == ENOTSUP ? 488 : 500);
}

static void invite_h(const struct sip_msg *msg, void *arg)
{
	struct b2bua *b = arg;
	uint64_t caller_agent = 0, now = clock_now_ms();
	struct sdpdesc offer;
	struct bcall *c;
	struct route r;
	uint16_t status;
	const char *reason;
	int err;

	status = sipstack_request_check(msg, &reason);
	if (status) {
		refuse(b, msg, status, reason);
		return;
	}
	if (!sip_msg_hdr(msg, SIP_HDR_CONTACT)) {
		refuse(b, msg, 400, "Missing Contact");
		return;
	}
	status = offer_check(msg, &offer);
	if (status) {
		refuse(b, msg, status, status == 400 ? "Bad SDP" : NULL);
		return;
	}
	if (b->ncalls >= b->cfg->sip_max_calls) {
		refuse(b, msg, 503, NULL);
		return;
	}
	if (invite_route(b, msg, &r, &caller_agent))
		return;

	err = bcall_alloc(&c, b, &r, caller_agent, now);
	if (err) {
		log_warn("b2bua: cannot start a call (%m)\n", err);
		refuse(b, msg, 503, NULL);
		return;
	}
	party_copy(c->from_user, sizeof(c->from_user), &msg->from.uri.user,
		   "anonymous");
	party_copy(c->from_name, sizeof(c->from_name), &msg->from.dname, "");
	str_ncpy(c->rec.from, c->from_user, sizeof(c->rec.from));
	pl_strcpy(&msg->uri.user, c->rec.to, sizeof(c->rec.to));

	err = leg_accept(&c->a, c, msg, &offer);
	if (err) {
		refuse(b, msg, 500, NULL);
		bcall_discard(c);
		return;
	}
	if (r.kind == ROUTE_QUEUE) {
		queue_call(c, &r, &offer, now);
		return;
	}
	if (r.kind == ROUTE_FLOW) {
		flow_call(c, &r, &offer, now);
		return;
	}
	/* dial first: storing the record is the slow part of this turn, and
	 * call.ringing can only come on a later one */
	err = bcall_dial_callee(c, &offer);
	bcall_publish(c, EV_CALL_CREATED, now);
	if (err)
		bcall_end(c, CALL_CAUSE_UNAVAILABLE, CALL_PARTY_SYSTEM, 480);
}


/* --- click-to-call, hangup ----------------------------------------------- */

/* Our offer when we start both legs: G.711 both laws and RFC 4733 */
static void default_offer(struct sdpdesc *d)
{
	memset(d, 0, sizeof(*d));
	d->dir = SDPDESC_SENDRECV;
	d->fmtv[0] = (struct sdpdesc_fmt){ 0, "PCMU", 8000, "" };
	d->fmtv[1] = (struct sdpdesc_fmt){ 8, "PCMA", 8000, "" };
	d->fmtv[2] = (struct sdpdesc_fmt){ PT_TELEPHONE_EVENT,
					   "telephone-event", 8000, "0-16" };
	d->fmtc = 3;
}

int b2bua_originate(struct b2bua *b, uint64_t agent_id, const char *to,
		    char id[CALL_ID_MAX])
{
	uint64_t now = clock_now_ms();
	struct sdpdesc offer;
	struct agent a;
	struct bcall *c;
	struct route r;
	char name[CALL_PARTY_MAX + 8];
	int err;

	err = store_agent_get(b->st, agent_id, &a);
	if (err)
		return err;
	if (!registrar_is_registered(b->reg, agent_id))
		return ENOTCONN;
	if (b2bua_load_get(b, agent_id))
		return EBUSY;
	if (b->ncalls >= b->cfg->sip_max_calls)
		return EAGAIN;
	err = routing_find(b->st, to, agent_id, &r);
	if (err)
		return err;
	/* the agent's phone rings first: only an agent or a trunk can be
	 * dialled after it (not a queue or a flow) */
	if (r.kind != ROUTE_AGENT && r.kind != ROUTE_TRUNK &&
	    r.kind != ROUTE_AUTH)
		return EHOSTUNREACH;
	if (r.kind == ROUTE_AGENT && (r.agent_id == agent_id ||
				      b2bua_load_get(b, r.agent_id)))
		return r.agent_id == agent_id ? EINVAL : EBUSY;

	err = bcall_alloc(&c, b, &r, agent_id, now);
	if (err)
		return err == EADDRINUSE ? EAGAIN : err;
	c->click = true;
	c->rec.agent_id = agent_id;
	str_ncpy(c->from_user, a.extension, sizeof(c->from_user));
	str_ncpy(c->rec.from, a.extension, sizeof(c->rec.from));
	str_ncpy(c->rec.to, to, sizeof(c->rec.to));
	bcall_publish(c, EV_CALL_CREATED, now);

	default_offer(&offer);
	re_snprintf(name, sizeof(name), "Call %s", to);
	err = bcall_dial_agent(c, agent_id, RELAY_A, to, name, &offer);
	if (err) {
		bcall_end(c, CALL_CAUSE_UNAVAILABLE, CALL_PARTY_SYSTEM, 0);
		return ENOTCONN;
	}
	bcall_ring_timer(c);
	str_ncpy(id, c->rec.id, CALL_ID_MAX);
	return 0;
}

int b2bua_hangup(struct b2bua *b, const char *id)
{
	struct bcall *c = b2bua_call_find(b, id);

	if (!c)
		return ENOENT;
	/* an unanswered caller is told 480; a talking one gets a BYE */
	bcall_end(c, CALL_CAUSE_API_HANGUP, CALL_PARTY_API,
		 c->rec.answered_ms ? 0 : 480);
	return 0;
}

void b2bua_media(struct b2bua *b, struct acd *acd, struct player_clock *clk,
		 struct tts *tts)
{
	b->acd = acd;
	b->clock = clk;
	b->tts = tts;
	if (acd)
		bqueue_music_warm(b);
}

void b2bua_flows(struct b2bua *b, struct fetch *fetch, struct recwriter *recw,
		 struct tzdb *tzdb)
{
	b->fetch = fetch;
	b->recw = recw;
	b->tzdb = tzdb;
}

void b2bua_close(struct b2bua *b)
{
	struct le *le = b->calll.head;

	while (le) {
		struct bcall *c = le->data;

		le = le->next;
		bcall_end(c, CALL_CAUSE_SHUTDOWN, CALL_PARTY_SYSTEM,
			 c->rec.answered_ms ? 0 : 503);
	}
}


/* --- allocation ---------------------------------------------------------- */

static void destructor(void *arg)
{
	struct b2bua *b = arg;

	b2bua_close(b);
	bflow_recordings_close(b);
	bus_persist_hook(b->bus, NULL, NULL);
	if (!store_begin(b->st)) {
		records_flush(b);
		(void)store_commit(b->st);
	}
	list_flush(&b->calll);
	list_flush(&b->mohl);
	list_flush(&b->tracel);
	bflow_docs_flush(b);
	hash_flush(b->loadh);
	mem_deref(b->loadh);
	mem_deref(b->callh);
	mem_deref(b->sock);
}

/**
 * The B2BUA on ss: takes INVITEs (and the in-dialog requests of its
 * sessions). Calls left active by a previous run (a crash) are closed in
 * the store with cause shutdown. Borrowed arguments outlive it.
 */
int b2bua_alloc(struct b2bua **bp, struct sipstack *ss, struct digest *dg,
		struct registrar *reg, struct relay_pool *pool,
		const struct config *cfg, struct store *st, struct bus *bus)
{
	struct b2bua *b;
	size_t stale = 0;
	int err;

	b = mem_zalloc(sizeof(*b), destructor);
	if (!b)
		return ENOMEM;
	b->ss = ss;
	b->dg = dg;
	b->reg = reg;
	b->pool = pool;
	b->cfg = cfg;
	b->st = st;
	b->bus = bus;

	err = hash_alloc(&b->callh, 1024);
	if (!err)
		err = hash_alloc(&b->loadh, 1024);
	if (!err)
		err = sipsess_listen(&b->sock, sipstack_sip(ss), 1024,
				     invite_h, b);
	if (!err)
		err = store_call_end_stale(st, clock_now_ms(), &stale);
	if (!err)
		bus_persist_hook(bus, records_flush, b);
	if (err)
		goto out;
	if (stale)
		log_info("b2bua: %zu calls left active by the last run "
			 "closed as shutdown\n", stale);
 out:
	if (err)
		mem_deref(b);
	else
		*bp = b;
	return err;
}

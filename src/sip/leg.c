/** @file sip/leg.c  One SIP session of a bridged call: offer/answer with
 *  our relay's address, progress, hold, and the session's end.
 *
 * Every SDP we send carries the relay's address for the leg's side and
 * the formats both legs share, so RTP always flows through the relay.
 * A peer's SDP (offer, answer, 183 early media, re-INVITE) updates where
 * the relay sends that side's packets.
 */
#include <errno.h>
#include <string.h>
#include "bcall.h"
#include "creds.h"
#include "sipstack.h"

#define CTYPE_SDP "application/sdp"

static void destructor(void *arg)
{
	struct leg *l = arg;

	list_unlink(&l->le);
	l->sess = mem_deref(l->sess);
}

static int leg_alloc(struct leg **lp, struct bcall *c, enum relay_side side,
		     bool uac)
{
	struct leg *l = mem_zalloc(sizeof(*l), destructor);

	if (!l)
		return ENOMEM;
	l->call = c;
	l->side = side;
	l->uac = uac;
	l->dir = SDPDESC_SENDRECV;
	*lp = l;
	return 0;
}

/* Our SDP towards l: fmts' formats, direction dir, the relay's address
 * for l's side, a new version. */
static int leg_sdp(struct leg *l, const struct sdpdesc *fmts,
		   enum sdpdesc_dir dir, struct mbuf **mbp)
{
	struct sdpdesc d = *fmts;
	struct sa laddr;

	d.dir = dir;
	relay_local(l->call->relay, l->side, &laddr);
	l->dir = dir;
	return sdpdesc_encode(mbp, &d, &laddr, l->call->sess_id, ++l->version);
}

/**
 * The SDP body of msg, keeping the formats we relay (and, with prefer,
 * only those also there). 0; ENODATA (no body); EPROTO (not SDP, or bad
 * SDP); ENOENT (no audio stream); ENOTSUP (no common codec).
 */
int leg_sdp_read(const struct sip_msg *msg, const struct sdpdesc *prefer,
		 struct sdpdesc *d)
{
	int err;

	if (!mbuf_get_left(msg->mb))
		return ENODATA;
	if (!msg_ctype_cmp(&msg->ctyp, "application", "sdp"))
		return EPROTO;
	err = sdpdesc_parse(d, (const char *)mbuf_buf(msg->mb),
			    mbuf_get_left(msg->mb));
	if (err)
		return err == ENOENT ? ENOENT : EPROTO;
	return sdpdesc_filter(d, prefer);
}

/* Take the peer's SDP from msg (if it has one) and point the relay at
 * the peer. 0 (also without a body), EPROTO, ENOTSUP (nothing usable). */
static int leg_take_sdp(struct leg *l, const struct sip_msg *msg,
			const struct sdpdesc *prefer)
{
	struct sdpdesc d;
	struct sa raddr;
	int err;

	err = leg_sdp_read(msg, prefer, &d);
	if (err == ENODATA)
		return 0;
	if (err)
		return err == EPROTO ? EPROTO : ENOTSUP;

	l->sdp = d;
	l->has_sdp = true;
	/* once a callee answered, the other forks do not move the relay */
	if (l->side == RELAY_B && l->call->bl && l->call->bl != l)
		return 0;
	if (d.port && !d.hold_addr && !sdpdesc_remote(&d, &raddr))
		relay_set_remote(l->call->relay, l->side, &raddr);
	return 0;
}

/* The peer offers (re-INVITE, or 200 to our offerless INVITE): answer
 * with its formats and the mirrored direction, then tell the call so it
 * can pass hold/unhold to the other leg. */
static int offer_h(struct mbuf **descp, const struct sip_msg *msg, void *arg)
{
	struct leg *l = arg;
	int err;

	if (!mbuf_get_left(msg->mb))   /* offerless re-INVITE: we offer */
		return leg_sdp(l, &l->sdp, SDPDESC_SENDRECV, descp);

	err = leg_take_sdp(l, msg, l->has_sdp ? &l->sdp : NULL);
	if (err)
		return err;
	err = leg_sdp(l, &l->sdp, sdpdesc_dir_reverse(l->sdp.dir), descp);
	if (err)
		return err;
	bcall_leg_reoffer(l->call, l);
	return 0;
}

/* The peer answers our offer (2xx, or ACK after an offerless re-INVITE) */
static int answer_h(const struct sip_msg *msg, void *arg)
{
	struct leg *l = arg;

	return leg_take_sdp(l, msg, l->has_sdp ? &l->sdp : NULL);
}

static void progress_h(const struct sip_msg *msg, void *arg)
{
	struct leg *l = arg;
	bool early;

	if (msg->scode < 180)
		return;
	early = mbuf_get_left(msg->mb) > 0 && !leg_take_sdp(l, msg, NULL);
	l->ringing = true;
	bcall_leg_ringing(l->call, l, early);
}

static void estab_h(const struct sip_msg *msg, void *arg)
{
	struct leg *l = arg;
	(void)msg;

	if (!l->uac)        /* the ACK to our 2xx: nothing new */
		return;
	l->answered = true;
	bcall_leg_answered(l->call, l);
}

static void close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct leg *l = arg;

	l->closed = true;
	bcall_leg_closed(l->call, l, err, msg);
}

/**
 * Accept the caller's INVITE msg (offer already parsed and filtered):
 * the caller gets 180 Ringing now, the answer later (leg_answer) or a
 * failure (leg_reject). 0 or errno (then no reply was sent).
 */
int leg_accept(struct leg **lp, struct bcall *c, const struct sip_msg *msg,
	       const struct sdpdesc *offer)
{
	struct sa raddr;
	struct leg *l;
	int err;

	err = leg_alloc(&l, c, RELAY_A, false);
	if (err)
		return err;
	l->sdp = *offer;
	l->has_sdp = true;
	/* the caller may wait for audio before it sends any (no latch yet) */
	if (offer->port && !offer->hold_addr && !sdpdesc_remote(offer, &raddr))
		relay_set_remote(c->relay, RELAY_A, &raddr);

	err = sipsess_accept(&l->sess, bcall_sock(c), msg, 180, "Ringing",
			     "hotline", CTYPE_SDP, NULL, NULL, NULL, false,
			     offer_h, answer_h, estab_h, NULL, NULL, close_h,
			     l, "Allow: %s\r\n", SIPSTACK_ALLOW);
	if (err) {
		mem_deref(l);
		return err;
	}
	*lp = l;
	return 0;
}

/**
 * Call to_uri on side with our offer (offer's formats, the relay's
 * address). trunk_auth: answer 401/407 with the call's trunk
 * credentials. 0 or errno.
 */
int leg_connect(struct leg **lp, struct bcall *c, enum relay_side side,
		const char *to_uri, const char *from_name,
		const char *from_uri, const struct sdpdesc *offer,
		bool trunk_auth)
{
	const struct trunk *t = &c->route.trunk;
	struct creds *cr = NULL;
	struct mbuf *desc = NULL;
	struct leg *l;
	int err;

	err = leg_alloc(&l, c, side, true);
	if (err)
		return err;
	err = leg_sdp(l, offer, SDPDESC_SENDRECV, &desc);
	if (!err && trunk_auth)
		err = creds_alloc(&cr, t->username, t->password);
	if (err)
		goto out;

	err = sipsess_connect(&l->sess, bcall_sock(c), to_uri, from_name,
			      from_uri, "hotline", NULL, 0, CTYPE_SDP, desc,
			      cr ? creds_auth_h : NULL, cr, true,
			      offer_h, answer_h, progress_h, estab_h, NULL,
			      NULL, close_h, l,
			      "Allow: %s\r\nX-Hotline-Call-Id: %s\r\n",
			      SIPSTACK_ALLOW, c->rec.id);
 out:
	mem_deref(cr);     /* the session's auth holds it */
	mem_deref(desc);
	if (err)
		mem_deref(l);
	else
		*lp = l;
	return err;
}

/** Answer the caller (UAS leg) with fmts' formats: 200 OK with our SDP. */
int leg_answer(struct leg *l, const struct sdpdesc *fmts)
{
	struct mbuf *desc = NULL;
	int err;

	err = leg_sdp(l, fmts, sdpdesc_dir_reverse(fmts->dir), &desc);
	if (!err)
		err = sipsess_answer(l->sess, 200, "OK", desc, "Allow: %s\r\n",
				     SIPSTACK_ALLOW);
	mem_deref(desc);
	if (!err)
		l->answered = true;
	return err;
}

/** Early media to the caller: 183 Session Progress with our SDP. */
int leg_progress(struct leg *l, const struct sdpdesc *fmts)
{
	struct mbuf *desc = NULL;
	int err;

	err = leg_sdp(l, fmts, sdpdesc_dir_reverse(fmts->dir), &desc);
	if (!err)
		err = sipsess_progress(l->sess, 183, "Session Progress", desc,
				       NULL);
	mem_deref(desc);
	return err;
}

/** Refuse the caller's INVITE (UAS leg not answered yet) with status. */
void leg_reject(struct leg *l, uint16_t status)
{
	if (l->uac || l->answered || l->closed)
		return;
	(void)sipsess_reject(l->sess, status, sipstack_reason(status),
			     NULL);
}

/** Re-INVITE the peer with direction dir (hold: sendonly or inactive;
 *  resume: sendrecv), keeping the current formats. */
int leg_hold(struct leg *l, enum sdpdesc_dir dir)
{
	struct mbuf *desc = NULL;
	int err;

	if (!l->answered || l->closed)
		return EINVAL;
	err = leg_sdp(l, &l->sdp, dir, &desc);
	if (!err)
		err = sipsess_modify(l->sess, desc);
	mem_deref(desc);
	return err;
}

/** @file media/relay.c  RTP/RTCP relay: two port pairs per call, packets
 *  forwarded unchanged in batches (recvmmsg/sendmmsg), symmetric latching,
 *  media timeout from one pool sweep timer
 *
 * Accounting per side: rx counts every datagram received on the side;
 * each is either forwarded (tx of the other side) or counted in dropped of
 * the receiving side (other side's remote unknown, datagram larger than
 * RELAY_PKT_MAX, send failure, the relay gated, or a source other than
 * the latched one).
 * So A.rx_packets == B.tx_packets + A.dropped at all times, except that
 * tx also counts the packets sent with relay_send (a player's own RTP).
 *
 * Latching: after relay_set_remote (or from the start, when no remote is
 * known), the first packet on a socket fixes where that side's peer is;
 * later packets from any other source are dropped, so a stray or forged
 * stream cannot hijack the call — except packets from the address the
 * peer's SDP announced, which take the latch back. RTCP latches on its own; until it does,
 * it goes to the RTP remote's port + 1.
 *
 * Taps: a side's tap sees each RTP datagram that passed the source check
 * (so after latching and counting), whether it is then forwarded or
 * dropped (gated, other side unknown), and before the batch is sent.
 * Without a tap the loop pays one predictable branch per datagram.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <re.h>
#include <hotline/relay.h>

enum {
	RELAY_BATCH    = 32,      /* datagrams per recvmmsg/sendmmsg */
	RELAY_PKT_MAX  = 2048,    /* larger datagrams are dropped */
	RELAY_ROUNDS   = 4,       /* batches per readiness event, then yield */
	RELAY_SWEEP_MS = 500,     /* media timeout resolution */
};

enum { SOCK_RTP = 0, SOCK_RTCP = 1 };

struct relay_pool {
	struct sa addr;           /* IP; ports come from the range */
	uint16_t base;            /* first RTP port (even) */
	uint32_t pairc;           /* port pairs in the range */
	uint32_t usedc;
	uint32_t next;            /* where the next search starts */
	uint64_t *usedv;          /* bitmap of pairs in use, owned */
	struct list relayl;       /* struct relay; not owned (relays ref us) */
	struct tmr tmr;           /* timeout sweep, runs while relays exist */

	/* receive and send batches, shared: one thread, no reentry */
	struct mmsghdr rmsg[RELAY_BATCH], smsg[RELAY_BATCH];
	struct iovec riov[RELAY_BATCH], siov[RELAY_BATCH];
	struct sockaddr_storage src[RELAY_BATCH];
	uint8_t buf[RELAY_BATCH][RELAY_PKT_MAX];
};

struct rsock {
	struct relay *rl;         /* borrowed: the owner */
	int fd;                   /* owned; -1 when closed */
	enum relay_side side;
	int kind;                 /* SOCK_RTP or SOCK_RTCP */
};

/* Where one side's peer receives; [SOCK_RTP], [SOCK_RTCP] */
struct rpeer {
	struct sa raddr;
	struct sa sdp;            /* the address its SDP gave, if has_sdp */
	uint64_t sdp_only_until;  /* jiffies: until then only sdp latches */
	bool known;
	bool latched;
	bool has_sdp;
};

struct rside {
	struct rsock sockv[2];
	struct rpeer peerv[2];
	uint32_t pair;            /* index in the pool's bitmap */
	bool has_pair;
	struct relay_stats st;
	relay_tap_h *taph;        /* sees accepted RTP; NULL = no tap */
	void *tap_arg;
};

struct relay {
	struct le le;             /* in pool->relayl */
	struct le sweep_le;       /* in a sweep's expired list, ref held */
	struct relay_pool *pool;  /* ref */
	struct rside sidev[2];
	uint32_t timeout_s;
	relay_timeout_h *th;
	void *arg;
	bool held;
	bool gated;               /* received packets are not forwarded */
	bool timed_out;           /* the handler has been called */
	uint64_t rx_seen;         /* rx packets at the last sweep */
	uint64_t idle_since;      /* jiffies of the last sweep that saw rx */
};


static bool bit_test(const uint64_t *v, uint32_t i)
{
	return (v[i / 64] >> (i % 64)) & 1;
}


static void bit_set(uint64_t *v, uint32_t i, bool on)
{
	if (on)
		v[i / 64] |= (uint64_t)1 << (i % 64);
	else
		v[i / 64] &= ~((uint64_t)1 << (i % 64));
}


static void pool_destructor(void *arg)
{
	struct relay_pool *pool = arg;

	tmr_cancel(&pool->tmr);
	mem_deref(pool->usedv);
}


static void pool_init_batches(struct relay_pool *pool)
{
	for (size_t i = 0; i < RELAY_BATCH; i++) {
		pool->riov[i].iov_base = pool->buf[i];
		pool->riov[i].iov_len = RELAY_PKT_MAX;
		pool->rmsg[i].msg_hdr.msg_iov = &pool->riov[i];
		pool->rmsg[i].msg_hdr.msg_iovlen = 1;
		pool->rmsg[i].msg_hdr.msg_name = &pool->src[i];
		pool->smsg[i].msg_hdr.msg_iov = &pool->siov[i];
		pool->smsg[i].msg_hdr.msg_iovlen = 1;
	}
}


/**
 * Allocate a relay pool.
 *
 * @param poolp     Set to the new pool; release with mem_deref (relays
 *                  hold a reference, so it lives until the last is gone)
 * @param addr      Local IP address to bind, IPv4 or IPv6, not the
 *                  wildcard (port ignored)
 * @param port_min  First port; rounded up to even
 * @param port_max  Last port; a pair needs both its ports in the range
 *
 * @return 0; EINVAL (no address, port_min 0, or no whole pair in range);
 *         ENOMEM
 */
int relay_pool_alloc(struct relay_pool **poolp, const struct sa *addr,
		     uint16_t port_min, uint16_t port_max)
{
	struct relay_pool *pool;
	uint32_t base = port_min + (port_min & 1u);
	int err = 0;

	if (!poolp || !addr || !sa_isset(addr, SA_ADDR) || !port_min ||
	    base + 1 > port_max)
		return EINVAL;

	pool = mem_zalloc(sizeof(*pool), pool_destructor);
	if (!pool)
		return ENOMEM;

	pool->addr = *addr;
	sa_set_port(&pool->addr, 0);
	pool->base = (uint16_t)base;
	pool->pairc = ((uint32_t)port_max - base + 1) / 2;
	tmr_init(&pool->tmr);
	list_init(&pool->relayl);
	pool_init_batches(pool);

	pool->usedv = mem_zalloc((pool->pairc + 63) / 64 * sizeof(uint64_t),
				 NULL);
	if (!pool->usedv) {
		err = ENOMEM;
		goto out;
	}

 out:
	if (err)
		mem_deref(pool);
	else
		*poolp = pool;

	return err;
}


/** Port pairs in use and free (either pointer may be NULL). */
void relay_pool_usage(const struct relay_pool *pool, uint32_t *used,
		      uint32_t *free)
{
	if (used)
		*used = pool ? pool->usedc : 0;
	if (free)
		*free = pool ? pool->pairc - pool->usedc : 0;
}


/* A non-blocking UDP socket bound to addr:port in *fdp; errno on failure */
static int sock_open(int *fdp, const struct sa *addr, uint16_t port)
{
	struct sa a = *addr;
	int fd, err;

	fd = socket(sa_af(&a), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    IPPROTO_UDP);
	if (fd < 0)
		return errno;

	sa_set_port(&a, port);
	if (bind(fd, &a.u.sa, a.len) < 0) {
		err = errno;
		(void)close(fd);
		return err;
	}

	*fdp = fd;
	return 0;
}


static void sock_close(struct rsock *s)
{
	if (s->fd < 0)
		return;

	fd_close(s->fd);
	(void)close(s->fd);
	s->fd = -1;
}


/* Bind both sockets of pair i for side sd */
static int pair_open(struct relay_pool *pool, uint32_t i, struct rside *sd)
{
	uint16_t port = (uint16_t)(pool->base + 2 * i);
	int err;

	err = sock_open(&sd->sockv[SOCK_RTP].fd, &pool->addr, port);
	if (err)
		return err;

	err = sock_open(&sd->sockv[SOCK_RTCP].fd, &pool->addr, port + 1);
	if (err) {
		(void)close(sd->sockv[SOCK_RTP].fd);
		sd->sockv[SOCK_RTP].fd = -1;
	}

	return err;
}


/* Take the next free pair whose ports bind, round-robin over the range;
 * a pair held by another process is skipped. EADDRINUSE when none. */
static int pair_take(struct relay_pool *pool, struct rside *sd)
{
	for (uint32_t n = 0; n < pool->pairc; n++) {
		uint32_t i = (pool->next + n) % pool->pairc;
		int err;

		if (bit_test(pool->usedv, i))
			continue;

		err = pair_open(pool, i, sd);
		if (err == EADDRINUSE)
			continue;
		if (err)
			return err;

		bit_set(pool->usedv, i, true);
		pool->usedc++;
		pool->next = (i + 1) % pool->pairc;
		sd->pair = i;
		sd->has_pair = true;
		return 0;
	}

	return EADDRINUSE;
}


static void pair_release(struct relay_pool *pool, struct rside *sd)
{
	sock_close(&sd->sockv[SOCK_RTP]);
	sock_close(&sd->sockv[SOCK_RTCP]);

	if (!sd->has_pair)
		return;

	bit_set(pool->usedv, sd->pair, false);
	pool->usedc--;
	sd->has_pair = false;
}


static void relay_destructor(void *arg)
{
	struct relay *rl = arg;

	pair_release(rl->pool, &rl->sidev[RELAY_A]);
	pair_release(rl->pool, &rl->sidev[RELAY_B]);
	list_unlink(&rl->le);
	list_unlink(&rl->sweep_le);
	mem_deref(rl->pool);
}


/* Does a packet from src on this socket go on? Latches the first. */
static bool source_accept(struct rside *sd, int kind, const struct sa *src)
{
	struct rpeer *p = &sd->peerv[kind];
	struct rpeer *rtcp = &sd->peerv[SOCK_RTCP];

	if (p->latched) {
		if (sa_cmp(&p->raddr, src, SA_ALL))
			return true;
		/* the address the peer's SDP announced wins over whatever
		 * latched first (e.g. another phone of a forked call that
		 * sent media before it lost) */
		if (!p->has_sdp || !sa_cmp(&p->sdp, src, SA_ALL))
			return false;
		p->raddr = *src;
		return true;
	}

	if (p->has_sdp && p->sdp_only_until > tmr_jiffies() &&
	    !sa_cmp(&p->sdp, src, SA_ALL))
		return false;

	p->raddr = *src;
	p->known = true;
	p->latched = true;

	/* RTCP follows a latched RTP source until it latches itself */
	if (kind == SOCK_RTP && !rtcp->latched && sa_port(src) < 65535) {
		rtcp->raddr = *src;
		sa_set_port(&rtcp->raddr, sa_port(src) + 1);
		rtcp->known = true;
	}

	return true;
}


/* Send the first n prepared messages from fd; returns how many went */
static int batch_send(struct relay_pool *pool, int fd, int n,
		      uint64_t *bytes)
{
	int sent = 0, r;

	while (sent < n) {
		r = sendmmsg(fd, &pool->smsg[sent], (unsigned)(n - sent), 0);
		if (r > 0) {
			for (int i = sent; i < sent + r; i++)
				*bytes += pool->siov[i].iov_len;
			sent += r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		break;   /* EAGAIN (buffer full) or an error: the rest drops */
	}

	return sent;
}


/* Forward n received datagrams from socket s to the other side */
static void batch_forward(struct rsock *s, int n)
{
	struct relay *rl = s->rl;
	struct relay_pool *pool = rl->pool;
	struct rside *in = &rl->sidev[s->side];
	struct rside *out = &rl->sidev[!s->side];
	const struct rpeer *dst = &out->peerv[s->kind];
	const bool tapped = s->kind == SOCK_RTP && in->taph;
	uint64_t bytes = 0;
	int m = 0, sent;

	for (int i = 0; i < n; i++) {
		struct mmsghdr *r = &pool->rmsg[i];
		struct sa src;

		in->st.rx_packets++;
		in->st.rx_bytes += r->msg_len;

		if ((r->msg_hdr.msg_flags & MSG_TRUNC) ||
		    sa_set_sa(&src, (struct sockaddr *)&pool->src[i]) ||
		    !source_accept(in, s->kind, &src)) {
			in->st.dropped++;
			continue;
		}

		/* the handler may clear the tap (or set another) */
		if (tapped && in->taph)
			in->taph(pool->buf[i], r->msg_len, in->tap_arg);

		if (!dst->known || rl->gated) {
			in->st.dropped++;
			continue;
		}

		pool->smsg[m].msg_hdr.msg_name = (void *)&dst->raddr.u;
		pool->smsg[m].msg_hdr.msg_namelen = dst->raddr.len;
		pool->siov[m].iov_base = pool->buf[i];
		pool->siov[m].iov_len = r->msg_len;
		m++;
	}

	if (!m)
		return;

	sent = batch_send(pool, out->sockv[s->kind].fd, m, &bytes);
	out->st.tx_packets += (uint64_t)sent;
	out->st.tx_bytes += bytes;
	in->st.dropped += (uint64_t)(m - sent);
}


static void sock_recv(int flags, void *arg)
{
	struct rsock *s = arg;
	struct relay_pool *pool = s->rl->pool;

	(void)flags;

	for (int round = 0; round < RELAY_ROUNDS; round++) {
		int n;

		for (size_t i = 0; i < RELAY_BATCH; i++) {
			pool->rmsg[i].msg_hdr.msg_namelen =
				sizeof(pool->src[i]);
			pool->rmsg[i].msg_hdr.msg_flags = 0;
		}

		n = recvmmsg(s->fd, pool->rmsg, RELAY_BATCH, MSG_DONTWAIT,
			     NULL);
		if (n <= 0)
			break;   /* EAGAIN: drained; errors: try next event */

		batch_forward(s, n);
		if (n < RELAY_BATCH)
			break;
	}
}


/* Is the relay silent for its timeout? Called on every sweep. */
static bool relay_is_expired(struct relay *rl, uint64_t now)
{
	uint64_t rx = rl->sidev[RELAY_A].st.rx_packets +
		rl->sidev[RELAY_B].st.rx_packets;

	if (rl->held || rx != rl->rx_seen) {
		rl->rx_seen = rx;
		rl->idle_since = now;
		return false;
	}

	return rl->timeout_s && !rl->timed_out &&
		now - rl->idle_since >= (uint64_t)rl->timeout_s * 1000;
}


/* Two passes: collect (with a reference each), then call handlers, so a
 * handler may free its relay or any other. A relay whose owner let go of
 * it during the pass (only our reference left) gets no call. */
static void pool_sweep(void *arg)
{
	struct relay_pool *pool = mem_ref(arg);
	struct list expired = LIST_INIT;
	uint64_t now = tmr_jiffies();
	struct le *le;

	LIST_FOREACH(&pool->relayl, le) {
		struct relay *rl = le->data;

		if (!relay_is_expired(rl, now))
			continue;

		rl->timed_out = true;
		list_append(&expired, &rl->sweep_le, mem_ref(rl));
	}

	while ((le = list_head(&expired))) {
		struct relay *rl = le->data;

		list_unlink(le);
		if (rl->th && mem_nrefs(rl) > 1)
			rl->th(rl, rl->arg);
		mem_deref(rl);
	}

	if (!list_isempty(&pool->relayl))
		tmr_start(&pool->tmr, RELAY_SWEEP_MS, pool_sweep, pool);

	mem_deref(pool);
}


static int side_open(struct relay *rl, enum relay_side side)
{
	struct rside *sd = &rl->sidev[side];
	int err;

	err = pair_take(rl->pool, sd);
	if (err)
		return err;

	for (int k = SOCK_RTP; k <= SOCK_RTCP; k++) {
		err = fd_listen(sd->sockv[k].fd, FD_READ, sock_recv,
				&sd->sockv[k]);
		if (err)
			return err;
	}

	return 0;
}


/**
 * Allocate a relay: two port pairs from the pool, read from now on.
 *
 * @param rlp        Set to the new relay; mem_deref closes its sockets
 *                   and frees its ports
 * @param pool       The pool (referenced by the relay)
 * @param timeout_s  Silence on both sides, not on hold, for this long
 *                   calls th once (within RELAY_SWEEP_MS after); 0 = never
 * @param th         Timeout handler (may be NULL); it may mem_deref rl
 * @param arg        Handler argument
 *
 * @return 0; EINVAL; ENOMEM; EADDRINUSE (no two free pairs that bind);
 *         EMFILE (libre's descriptor table is full: see fd_setsize) or
 *         another socket errno
 */
int relay_alloc(struct relay **rlp, struct relay_pool *pool,
		uint32_t timeout_s, relay_timeout_h *th, void *arg)
{
	struct relay *rl;
	int err;

	if (!rlp || !pool)
		return EINVAL;

	rl = mem_zalloc(sizeof(*rl), relay_destructor);
	if (!rl)
		return ENOMEM;

	rl->pool = mem_ref(pool);
	rl->timeout_s = timeout_s;
	rl->th = th;
	rl->arg = arg;
	rl->idle_since = tmr_jiffies();
	for (int s = RELAY_A; s <= RELAY_B; s++) {
		for (int k = SOCK_RTP; k <= SOCK_RTCP; k++) {
			struct rsock *so = &rl->sidev[s].sockv[k];

			so->rl = rl;
			so->fd = -1;
			so->side = (enum relay_side)s;
			so->kind = k;
		}
	}
	list_append(&pool->relayl, &rl->le, rl);

	err = side_open(rl, RELAY_A);
	if (!err)
		err = side_open(rl, RELAY_B);
	if (err)
		goto out;

	if (!tmr_isrunning(&pool->tmr))
		tmr_start(&pool->tmr, RELAY_SWEEP_MS, pool_sweep, pool);

 out:
	if (err)
		mem_deref(rl);
	else
		*rlp = rl;

	return err;
}


/** Our address for side (IP and RTP port): what goes in its SDP. */
void relay_local(const struct relay *rl, enum relay_side side,
		 struct sa *laddr)
{
	const struct rside *sd;

	if (!rl || !laddr || (unsigned)side > RELAY_B)
		return;

	sd = &rl->sidev[side];
	*laddr = rl->pool->addr;
	sa_set_port(laddr, (uint16_t)(rl->pool->base + 2 * sd->pair));
}


/**
 * Set where side's peer receives RTP (from its SDP); RTCP goes to port+1.
 * Clears both latches: the next packet on each socket latches again. A
 * NULL raddr, address 0.0.0.0 or :: (RFC 2543 hold) or port 0 (a refused
 * stream) forgets the remote: packets towards this side are dropped
 * until its peer sends one.
 */
void relay_set_remote(struct relay *rl, enum relay_side side,
		      const struct sa *raddr)
{
	struct rpeer *rtp, *rtcp;
	uint16_t port;

	if (!rl || (unsigned)side > RELAY_B)
		return;

	rtp = &rl->sidev[side].peerv[SOCK_RTP];
	rtcp = &rl->sidev[side].peerv[SOCK_RTCP];
	memset(rtp, 0, sizeof(*rtp));
	memset(rtcp, 0, sizeof(*rtcp));

	port = raddr ? sa_port(raddr) : 0;
	if (!port || !sa_isset(raddr, SA_ADDR))
		return;

	rtp->raddr = *raddr;
	rtp->sdp = *raddr;
	rtp->known = rtp->has_sdp = true;
	if (port < 65535) {
		rtcp->raddr = rtp->raddr;
		sa_set_port(&rtcp->raddr, port + 1);
		rtcp->sdp = rtcp->raddr;
		rtcp->known = rtcp->has_sdp = true;
	}
}


/** While held, silence does not count towards the media timeout; the
 *  silence count restarts when the hold ends. */
void relay_set_hold(struct relay *rl, bool held)
{
	if (!rl)
		return;

	if (rl->held && !held)
		rl->idle_since = tmr_jiffies();

	rl->held = held;
}


/** For ms from now, only side's SDP address may latch (other sources are
 *  dropped): after a forked call is answered, the losing phones may
 *  still send media for a moment. */
void relay_prefer_sdp(struct relay *rl, enum relay_side side, uint32_t ms)
{
	if (!rl || (unsigned)side > RELAY_B)
		return;
	for (int k = SOCK_RTP; k <= SOCK_RTCP; k++)
		rl->sidev[side].peerv[k].sdp_only_until = tmr_jiffies() + ms;
}


/** While gated, packets are received, latched and counted (dropped) but
 *  not forwarded: a queued caller and the agents being offered the call
 *  do not hear each other before the answer. */
void relay_set_gate(struct relay *rl, bool gated)
{
	if (rl)
		rl->gated = gated;
}


/**
 * Tap side's RTP: h is called with each RTP datagram (not RTCP) received
 * on side from its accepted source (latched, or the SDP address), after
 * it is counted, whether the relay is gated or the other side unknown,
 * before it is forwarded. Datagrams from a rejected source, and
 * truncated ones (over RELAY_PKT_MAX), are not shown.
 *
 * The handler runs inside the relay's receive loop: it must not free the
 * relay, directly or through its owner (defer such work with a timer).
 * It may change the relay's settings (gate, remote, tap): they apply
 * from the current packet's forwarding on (a new remote also to packets
 * of the same receive batch that are waiting to be sent).
 *
 * @param rl    The relay
 * @param side  RELAY_A or RELAY_B
 * @param h     Handler; NULL clears the tap
 * @param arg   Handler argument
 */
void relay_set_tap(struct relay *rl, enum relay_side side, relay_tap_h *h,
		   void *arg)
{
	struct rside *sd;

	if (!rl || (unsigned)side > RELAY_B)
		return;

	sd = &rl->sidev[side];
	sd->taph = h;
	sd->tap_arg = h ? arg : NULL;
}


/** Counters of side since the relay was allocated. */
void relay_stats(const struct relay *rl, enum relay_side side,
		 struct relay_stats *st)
{
	if (!st)
		return;

	if (!rl || (unsigned)side > RELAY_B) {
		memset(st, 0, sizeof(*st));
		return;
	}

	*st = rl->sidev[side].st;
}


/**
 * Send one packet of our own from side's RTP socket to side's peer: the
 * latched source, or the SDP address until one latches. For a player
 * feeding the caller while the other side is not connected yet; packets
 * the peer sends meanwhile are still received, latched and counted.
 *
 * @return 0 (counted in side's tx); EINVAL; ENOTCONN when side has no
 *         remote; the sendto errno (EAGAIN when the socket buffer is
 *         full) - failures are not counted anywhere
 */
int relay_send(struct relay *rl, enum relay_side side, const uint8_t *buf,
	       size_t len)
{
	struct rside *sd;
	const struct rpeer *dst;
	ssize_t n;

	if (!rl || (unsigned)side > RELAY_B || (!buf && len))
		return EINVAL;

	sd = &rl->sidev[side];
	dst = &sd->peerv[SOCK_RTP];
	if (!dst->known)
		return ENOTCONN;

	do {
		n = sendto(sd->sockv[SOCK_RTP].fd, buf, len, 0,
			   &dst->raddr.u.sa, dst->raddr.len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno;

	sd->st.tx_packets++;
	sd->st.tx_bytes += (uint64_t)n;
	return 0;
}

/** @file test/unit/media/relay.c  RTP relay on loopback with libre's loop:
 *  forwarding both ways, RTCP, latching, stats, port allocation, timeout,
 *  sending our own packets (relay_send), taps */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <cmocka.h>
#include <re.h>
#include <hotline/relay.h>
#include "loopwait.h"

#define WAIT_MS 2000   /* a condition that takes longer has failed */

/* A plain UDP peer: a phone's RTP socket (and its RTCP on port + 1) */
struct client {
	int fd;
	struct sa addr;           /* bound address */
	unsigned rx;              /* datagrams received */
	uint8_t buf[4096];        /* the last one */
	size_t len;
	struct sa from;           /* its source */
};

struct peer {
	struct client rtp, rtcp;
};

static void client_recv(int flags, void *arg)
{
	struct client *c = arg;

	(void)flags;
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(c->fd, c->buf, sizeof(c->buf), 0,
				     (struct sockaddr *)&ss, &sl);

		if (n < 0)
			break;
		c->len = (size_t)n;
		assert_int_equal(sa_set_sa(&c->from, (struct sockaddr *)&ss),
				 0);
		c->rx++;
	}
}

/* Bind a client on 127.0.0.1:port (0 = any); 0 or errno */
static int client_open(struct client *c, uint16_t port)
{
	socklen_t sl;

	memset(c, 0, sizeof(*c));
	c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(sa_set_str(&c->addr, "127.0.0.1", port), 0);
	if (bind(c->fd, &c->addr.u.sa, c->addr.len) < 0) {
		int err = errno;

		close(c->fd);
		return err;
	}

	sl = sizeof(c->addr.u);
	assert_int_equal(getsockname(c->fd, &c->addr.u.sa, &sl), 0);
	assert_int_equal(fd_listen(c->fd, FD_READ, client_recv, c), 0);
	return 0;
}

static void client_close(struct client *c)
{
	fd_close(c->fd);
	close(c->fd);
}

/* RTP on an even port, RTCP on the next one */
static void peer_open(struct peer *p)
{
	for (int i = 0; i < 100; i++) {
		uint16_t port;

		assert_int_equal(client_open(&p->rtp, 0), 0);
		port = sa_port(&p->rtp.addr);
		if (port % 2 == 0 && port < 65535 &&
		    !client_open(&p->rtcp, port + 1))
			return;
		client_close(&p->rtp);
	}

	fail_msg("no free port pair for a client");
}

static void peer_close(struct peer *p)
{
	client_close(&p->rtp);
	client_close(&p->rtcp);
}

static void client_send(const struct client *c, const struct sa *to,
			const void *data, size_t len)
{
	assert_int_equal(sendto(c->fd, data, len, 0, &to->u.sa, to->len),
			 (ssize_t)len);
}

struct rx_want {
	const struct client *c;
	unsigned n;
};

static bool rx_reached(void *arg)
{
	const struct rx_want *w = arg;

	return w->c->rx >= w->n;
}

static void wait_rx(const struct client *c, unsigned n)
{
	struct rx_want w = {c, n};

	assert_true(loopwait_until(rx_reached, &w, WAIT_MS));
	assert_int_equal(c->rx, n);
}

struct drop_want {
	const struct relay *rl;
	enum relay_side side;
	uint64_t n;
};

static bool drops_reached(void *arg)
{
	const struct drop_want *w = arg;
	struct relay_stats st;

	relay_stats(w->rl, w->side, &st);
	return st.dropped >= w->n;
}

static void wait_dropped(const struct relay *rl, enum relay_side side,
			 uint64_t n)
{
	struct drop_want w = {rl, side, n};
	struct relay_stats st;

	assert_true(loopwait_until(drops_reached, &w, WAIT_MS));
	relay_stats(rl, side, &st);
	assert_int_equal(st.dropped, n);
}

/* A range of pairs nobody holds now, below the ephemeral ports */
static uint16_t free_range(uint32_t pairs)
{
	for (uint32_t attempt = 0; attempt < 200; attempt++) {
		uint16_t base = (uint16_t)(20000 +
			((uint32_t)getpid() + attempt * 37) % 700 * 16);
		int fdv[64];
		uint32_t n = 0;
		bool ok = true;

		assert_true(pairs * 2 <= 64);
		while (ok && n < pairs * 2) {
			struct client c;

			ok = !client_open(&c, (uint16_t)(base + n));
			if (ok)
				fdv[n++] = c.fd;
		}

		while (n)
			client_close(&(struct client){.fd = fdv[--n]});

		if (ok)
			return base;
	}

	fail_msg("no free port range");
	return 0;
}

static struct relay_pool *pool_make(uint32_t pairs, uint16_t *basep)
{
	struct relay_pool *pool = NULL;
	struct sa ip;
	uint16_t base = free_range(pairs);

	assert_int_equal(sa_set_str(&ip, "127.0.0.1", 0), 0);
	assert_int_equal(relay_pool_alloc(&pool, &ip, base,
					  (uint16_t)(base + pairs * 2 - 1)),
			 0);
	if (basep)
		*basep = base;
	return pool;
}

static void assert_stats(const struct relay *rl, enum relay_side side,
			 uint64_t rx, uint64_t tx, uint64_t dropped)
{
	struct relay_stats st;

	relay_stats(rl, side, &st);
	assert_int_equal(st.rx_packets, rx);
	assert_int_equal(st.tx_packets, tx);
	assert_int_equal(st.dropped, dropped);
}

/* An RTP-looking packet: version 2, PCMU, seq, 160 bytes of payload */
static size_t rtp_make(uint8_t *buf, uint16_t seq, uint8_t fill)
{
	memset(buf, fill, 172);
	buf[0] = 0x80;
	buf[1] = 0;
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	return 172;
}

static void test_forward_both_ways(void **state)
{
	struct relay_pool *pool;
	struct relay *rl = NULL;
	struct peer caller, agent;
	struct sa la, lb;
	struct relay_stats st;
	uint8_t pkt[172];
	size_t len;

	(void)state;
	pool = pool_make(8, NULL);
	assert_int_equal(relay_alloc(&rl, pool, 0, NULL, NULL), 0);
	peer_open(&caller);
	peer_open(&agent);

	relay_local(rl, RELAY_A, &la);
	relay_local(rl, RELAY_B, &lb);
	assert_true(sa_is_loopback(&la));
	assert_int_equal(sa_port(&la) % 2, 0);
	assert_int_equal(sa_port(&lb) % 2, 0);
	assert_int_not_equal(sa_port(&la), sa_port(&lb));

	relay_set_remote(rl, RELAY_A, &caller.rtp.addr);
	relay_set_remote(rl, RELAY_B, &agent.rtp.addr);

	/* caller -> A ... B -> agent, unchanged, from B's address */
	len = rtp_make(pkt, 1, 0xd5);
	client_send(&caller.rtp, &la, pkt, len);
	wait_rx(&agent.rtp, 1);
	assert_int_equal(agent.rtp.len, len);
	assert_memory_equal(agent.rtp.buf, pkt, len);
	assert_true(sa_cmp(&agent.rtp.from, &lb, SA_ALL));

	/* agent -> B ... A -> caller */
	len = rtp_make(pkt, 7, 0x55);
	client_send(&agent.rtp, &lb, pkt, len);
	wait_rx(&caller.rtp, 1);
	assert_memory_equal(caller.rtp.buf, pkt, len);
	assert_true(sa_cmp(&caller.rtp.from, &la, SA_ALL));

	/* short and empty datagrams are not RTP, but go through unchanged */
	client_send(&caller.rtp, &la, "abc", 3);
	wait_rx(&agent.rtp, 2);
	assert_int_equal(agent.rtp.len, 3);
	assert_memory_equal(agent.rtp.buf, "abc", 3);
	client_send(&caller.rtp, &la, "", 0);
	wait_rx(&agent.rtp, 3);
	assert_int_equal(agent.rtp.len, 0);

	/* a burst larger than one batch keeps order and count */
	for (uint16_t seq = 100; seq < 200; seq++) {
		len = rtp_make(pkt, seq, (uint8_t)seq);
		client_send(&caller.rtp, &la, pkt, len);
	}
	wait_rx(&agent.rtp, 103);
	assert_memory_equal(agent.rtp.buf, pkt, len);

	assert_stats(rl, RELAY_A, 103, 1, 0);
	assert_stats(rl, RELAY_B, 1, 103, 0);
	relay_stats(rl, RELAY_A, &st);
	assert_int_equal(st.rx_bytes, 172 + 3 + 0 + 100 * 172);
	assert_int_equal(st.tx_bytes, 172);
	relay_stats(rl, RELAY_B, &st);
	assert_int_equal(st.tx_bytes, 172 + 3 + 0 + 100 * 172);

	peer_close(&caller);
	peer_close(&agent);
	mem_deref(rl);
	mem_deref(pool);
}

static void test_rtcp(void **state)
{
	struct relay_pool *pool;
	struct relay *rl = NULL;
	struct peer caller, agent;
	struct sa la, lb, la_rtcp, lb_rtcp;

	(void)state;
	pool = pool_make(8, NULL);
	assert_int_equal(relay_alloc(&rl, pool, 0, NULL, NULL), 0);
	peer_open(&caller);
	peer_open(&agent);
	relay_local(rl, RELAY_A, &la);
	relay_local(rl, RELAY_B, &lb);
	la_rtcp = la;
	sa_set_port(&la_rtcp, sa_port(&la) + 1);
	lb_rtcp = lb;
	sa_set_port(&lb_rtcp, sa_port(&lb) + 1);

	relay_set_remote(rl, RELAY_A, &caller.rtp.addr);
	relay_set_remote(rl, RELAY_B, &agent.rtp.addr);

	/* RTCP goes from port+1 to the remote's port+1 */
	client_send(&caller.rtcp, &la_rtcp, "\x81\xc8rtcp-sr", 9);
	wait_rx(&agent.rtcp, 1);
	assert_memory_equal(agent.rtcp.buf, "\x81\xc8rtcp-sr", 9);
	assert_true(sa_cmp(&agent.rtcp.from, &lb_rtcp, SA_ALL));

	client_send(&agent.rtcp, &lb_rtcp, "\x81\xc9rr", 4);
	wait_rx(&caller.rtcp, 1);
	assert_true(sa_cmp(&caller.rtcp.from, &la_rtcp, SA_ALL));
	assert_int_equal(agent.rtp.rx + caller.rtp.rx, 0);

	peer_close(&caller);
	peer_close(&agent);
	mem_deref(rl);
	mem_deref(pool);
}

static void test_latching(void **state)
{
	struct relay_pool *pool;
	struct relay *rl = NULL;
	struct peer caller, agent, stranger;
	struct sa la, lb, sdp_addr;
	uint8_t pkt[172];
	size_t len = rtp_make(pkt, 1, 0xff);

	(void)state;
	pool = pool_make(8, NULL);
	assert_int_equal(relay_alloc(&rl, pool, 0, NULL, NULL), 0);
	peer_open(&caller);
	peer_open(&agent);
	peer_open(&stranger);
	relay_local(rl, RELAY_A, &la);
	relay_local(rl, RELAY_B, &lb);

	/* no SDP yet: the caller's packet latches A; B is unknown: dropped */
	client_send(&caller.rtp, &la, pkt, len);
	wait_dropped(rl, RELAY_A, 1);
	assert_stats(rl, RELAY_A, 1, 0, 1);

	/* the agent latches B, and its packet finds the caller */
	client_send(&agent.rtp, &lb, pkt, len);
	wait_rx(&caller.rtp, 1);
	client_send(&caller.rtp, &la, pkt, len);
	wait_rx(&agent.rtp, 1);

	/* once latched, another source is dropped, not forwarded */
	client_send(&stranger.rtp, &la, "forged", 6);
	wait_dropped(rl, RELAY_A, 2);
	client_send(&caller.rtp, &la, pkt, len);
	wait_rx(&agent.rtp, 2);
	assert_memory_equal(agent.rtp.buf, pkt, len);

	/* SDP says the caller is elsewhere (behind NAT): the first packet
	 * from the real source latches again, replies go there */
	assert_int_equal(sa_set_str(&sdp_addr, "127.0.0.1", 9), 0);
	relay_set_remote(rl, RELAY_A, &sdp_addr);
	client_send(&caller.rtp, &la, pkt, len);
	wait_rx(&agent.rtp, 3);
	client_send(&agent.rtp, &lb, "reply", 5);
	wait_rx(&caller.rtp, 2);
	assert_memory_equal(caller.rtp.buf, "reply", 5);

	/* RTCP follows the latched RTP source's port + 1 */
	sa_set_port(&la, sa_port(&la) + 1);
	sa_set_port(&lb, sa_port(&lb) + 1);
	client_send(&agent.rtcp, &lb, "rtcp", 4);
	wait_rx(&caller.rtcp, 1);

	/* a refused stream (port 0) forgets the remote until a packet */
	sa_set_port(&sdp_addr, 0);
	relay_set_remote(rl, RELAY_B, &sdp_addr);
	sa_set_port(&la, sa_port(&la) - 1);
	client_send(&caller.rtp, &la, pkt, len);
	wait_dropped(rl, RELAY_A, 3);

	/* so does c=0.0.0.0 (RFC 2543 hold): nothing is sent there */
	assert_int_equal(sa_set_str(&sdp_addr, "0.0.0.0",
				    sa_port(&agent.rtp.addr)), 0);
	relay_set_remote(rl, RELAY_B, &sdp_addr);
	client_send(&caller.rtp, &la, pkt, len);
	wait_dropped(rl, RELAY_A, 4);

	/* rx == the other side's tx + dropped, on both sides */
	assert_stats(rl, RELAY_A, 7, 3, 4);
	assert_stats(rl, RELAY_B, 3, 3, 0);
	assert_int_equal(stranger.rtp.rx + stranger.rtcp.rx, 0);

	peer_close(&caller);
	peer_close(&agent);
	peer_close(&stranger);
	mem_deref(rl);
	mem_deref(pool);
}

static void test_oversized_dropped(void **state)
{
	static uint8_t big[3000];
	struct relay_pool *pool;
	struct relay *rl = NULL;
	struct peer caller, agent;
	struct sa la;

	(void)state;
	pool = pool_make(4, NULL);
	assert_int_equal(relay_alloc(&rl, pool, 0, NULL, NULL), 0);
	peer_open(&caller);
	peer_open(&agent);
	relay_local(rl, RELAY_A, &la);
	relay_set_remote(rl, RELAY_A, &caller.rtp.addr);
	relay_set_remote(rl, RELAY_B, &agent.rtp.addr);

	client_send(&caller.rtp, &la, big, sizeof(big));
	wait_dropped(rl, RELAY_A, 1);
	client_send(&caller.rtp, &la, big, 2048);
	wait_rx(&agent.rtp, 1);
	assert_int_equal(agent.rtp.len, 2048);

	peer_close(&caller);
	peer_close(&agent);
	mem_deref(rl);
	mem_deref(pool);
}

static void assert_usage(const struct relay_pool *pool, uint32_t used,
			 uint32_t free)
{
	uint32_t u = 99, f = 99;

	relay_pool_usage(pool, &u, &f);
	assert_int_equal(u, used);
	assert_int_equal(f, free);
}

static uint16_t local_port(const struct relay *rl, enum relay_side side)
{
	struct sa sa;

	relay_local(rl, side, &sa);
	return sa_port(&sa);
}

static void test_ports(void **state)
{
	struct relay_pool *pool;
	struct relay *r1 = NULL, *r2 = NULL;
	struct client squatter;
	uint16_t base;

	(void)state;

	/* two pairs: one relay, then exhaustion, then reuse */
	pool = pool_make(2, &base);
	assert_usage(pool, 0, 2);
	assert_int_equal(relay_alloc(&r1, pool, 0, NULL, NULL), 0);
	assert_int_equal(local_port(r1, RELAY_A), base);
	assert_int_equal(local_port(r1, RELAY_B), base + 2);
	assert_usage(pool, 2, 0);
	assert_int_equal(relay_alloc(&r2, pool, 0, NULL, NULL), EADDRINUSE);
	assert_null(r2);
	assert_usage(pool, 2, 0);
	r1 = mem_deref(r1);
	assert_usage(pool, 0, 2);
	assert_int_equal(relay_alloc(&r2, pool, 0, NULL, NULL), 0);
	r2 = mem_deref(r2);
	mem_deref(pool);

	/* three pairs: allocation goes round the range and wraps */
	pool = pool_make(3, &base);
	assert_int_equal(relay_alloc(&r1, pool, 0, NULL, NULL), 0);
	assert_int_equal(local_port(r1, RELAY_A), base);
	assert_int_equal(local_port(r1, RELAY_B), base + 2);
	r1 = mem_deref(r1);
	assert_int_equal(relay_alloc(&r2, pool, 0, NULL, NULL), 0);
	assert_int_equal(local_port(r2, RELAY_A), base + 4);
	assert_int_equal(local_port(r2, RELAY_B), base);

	/* one pair left: side A gets it, side B fails, A's pair returns */
	assert_int_equal(relay_alloc(&r1, pool, 0, NULL, NULL), EADDRINUSE);
	assert_usage(pool, 2, 1);

	mem_deref(r2);
	assert_usage(pool, 0, 3);
	mem_deref(pool);

	/* a pair whose RTCP port another socket holds is skipped */
	pool = pool_make(3, &base);
	assert_int_equal(client_open(&squatter, base + 1), 0);
	assert_int_equal(relay_alloc(&r1, pool, 0, NULL, NULL), 0);
	assert_int_equal(local_port(r1, RELAY_A), base + 2);
	assert_int_equal(local_port(r1, RELAY_B), base + 4);
	assert_usage(pool, 2, 1);
	assert_int_equal(relay_alloc(&r2, pool, 0, NULL, NULL), EADDRINUSE);
	assert_usage(pool, 2, 1);
	client_close(&squatter);
	mem_deref(r1);
	mem_deref(pool);
}

static void test_pool_einval(void **state)
{
	struct relay_pool *pool = NULL;
	struct sa ip, none;

	(void)state;
	assert_int_equal(sa_set_str(&ip, "127.0.0.1", 0), 0);
	sa_init(&none, AF_INET);

	assert_int_equal(relay_pool_alloc(NULL, &ip, 10000, 10001), EINVAL);
	assert_int_equal(relay_pool_alloc(&pool, NULL, 10000, 10001),
			 EINVAL);
	assert_int_equal(relay_pool_alloc(&pool, &none, 10000, 10001),
			 EINVAL);
	assert_int_equal(relay_pool_alloc(&pool, &ip, 0, 10001), EINVAL);
	assert_int_equal(relay_pool_alloc(&pool, &ip, 10002, 10001), EINVAL);
	assert_int_equal(relay_pool_alloc(&pool, &ip, 10000, 10000), EINVAL);
	assert_int_equal(relay_pool_alloc(&pool, &ip, 10001, 10002), EINVAL);
	assert_int_equal(relay_pool_alloc(&pool, &ip, 65535, 65535), EINVAL);
	assert_null(pool);

	/* odd bounds: 10001..10006 holds the pairs 10002 and 10004 */
	assert_int_equal(relay_pool_alloc(&pool, &ip, 10001, 10006), 0);
	assert_usage(pool, 0, 2);
	mem_deref(pool);

	assert_int_equal(relay_pool_alloc(&pool, &ip, 65534, 65535), 0);
	assert_usage(pool, 0, 1);
	mem_deref(pool);

	assert_int_equal(relay_alloc(NULL, NULL, 0, NULL, NULL), EINVAL);
}

/* The timeout scenario: which relay fired, when */
struct tcase {
	struct relay *rl;         /* NULL once freed */
	struct relay **victim;    /* also freed by the handler */
	unsigned fired;
	uint64_t fired_at;
};

static struct {
	uint64_t start;
	struct tcase idle1, idle2, held, active;
	struct tmr feed;
	struct client feeder;
	unsigned feeds;
} tsc;

static void on_timeout(struct relay *rl, void *arg)
{
	struct tcase *tc = arg;

	assert_ptr_equal(rl, tc->rl);
	tc->fired++;
	tc->fired_at = tmr_jiffies() - tsc.start;
	tc->rl = mem_deref(tc->rl);
	if (tc->victim)
		*tc->victim = mem_deref(*tc->victim);
}

/* Media on the active relay every 300 ms for the first 1.5 s */
static void feed(void *arg)
{
	struct sa la;

	(void)arg;
	relay_local(tsc.active.rl, RELAY_A, &la);
	client_send(&tsc.feeder, &la, "rtp", 3);
	if (++tsc.feeds < 6)
		tmr_start(&tsc.feed, 300, feed, NULL);
}

static bool active_fired(void *arg)
{
	(void)arg;
	return tsc.active.fired > 0;
}

static bool held_fired(void *arg)
{
	(void)arg;
	return tsc.held.fired > 0;
}

static void test_timeout(void **state)
{
	struct relay_pool *pool;

	(void)state;
	memset(&tsc, 0, sizeof(tsc));
	pool = pool_make(8, NULL);
	assert_int_equal(client_open(&tsc.feeder, 0), 0);
	tsc.start = tmr_jiffies();

	/* idle1 and idle2 expire in the same sweep; whichever handler runs
	 * first frees both, and the other must not be called */
	assert_int_equal(relay_alloc(&tsc.idle1.rl, pool, 1, on_timeout,
				     &tsc.idle1), 0);
	assert_int_equal(relay_alloc(&tsc.idle2.rl, pool, 1, on_timeout,
				     &tsc.idle2), 0);
	tsc.idle1.victim = &tsc.idle2.rl;
	tsc.idle2.victim = &tsc.idle1.rl;
	assert_int_equal(relay_alloc(&tsc.held.rl, pool, 1, on_timeout,
				     &tsc.held), 0);
	relay_set_hold(tsc.held.rl, true);
	assert_int_equal(relay_alloc(&tsc.active.rl, pool, 1, on_timeout,
				     &tsc.active), 0);

	tmr_init(&tsc.feed);
	tmr_start(&tsc.feed, 0, feed, NULL);
	assert_true(loopwait_until(active_fired, NULL, 4000));
	tmr_cancel(&tsc.feed);

	/* idle: once, after 1 s and within a sweep period of it */
	assert_int_equal(tsc.idle1.fired + tsc.idle2.fired, 1);
	assert_null(tsc.idle1.rl);
	assert_null(tsc.idle2.rl);
	{
		uint64_t at = tsc.idle1.fired_at + tsc.idle2.fired_at;

		assert_true(at >= 1000 && at <= 2000);
	}

	/* active: 1 s after its last packet (at 1.5 s) */
	assert_int_equal(tsc.active.fired, 1);
	assert_true(tsc.active.fired_at >= 2500);
	assert_true(tsc.active.fired_at <= 3500);

	/* held: never, though silent all along; unheld, it counts again */
	assert_int_equal(tsc.held.fired, 0);
	assert_non_null(tsc.held.rl);
	tsc.start = tmr_jiffies();
	relay_set_hold(tsc.held.rl, false);
	assert_true(loopwait_until(held_fired, NULL, 3000));
	assert_int_equal(tsc.held.fired, 1);
	assert_true(tsc.held.fired_at >= 1000 && tsc.held.fired_at <= 2000);
	assert_null(tsc.held.rl);

	client_close(&tsc.feeder);
	mem_deref(pool);
}

/* relay_send: our own packets (a player's) to a side's remote, while the
 * caller's packets on that side still latch and count */
static void test_send(void **state)
{
	struct relay_pool *pool;
	struct relay *rl = NULL;
	struct peer caller, agent;
	struct sa la, lb, sdp_addr;
	uint8_t pkt[172], in[172];
	size_t len = rtp_make(pkt, 42, 0xd5);

	(void)state;
	pool = pool_make(8, NULL);
	assert_int_equal(relay_alloc(&rl, pool, 0, NULL, NULL), 0);
	peer_open(&caller);
	peer_open(&agent);
	relay_local(rl, RELAY_A, &la);
	relay_local(rl, RELAY_B, &lb);

	/* no remote yet */
	assert_int_equal(relay_send(rl, RELAY_A, pkt, len), ENOTCONN);
	assert_int_equal(relay_send(NULL, RELAY_A, pkt, len), EINVAL);
	assert_int_equal(relay_send(rl, (enum relay_side)2, pkt, len),
			 EINVAL);
	assert_stats(rl, RELAY_A, 0, 0, 0);

	/* to the SDP address, from A's RTP port, unchanged */
	relay_set_remote(rl, RELAY_A, &caller.rtp.addr);
	assert_int_equal(relay_send(rl, RELAY_A, pkt, len), 0);
	wait_rx(&caller.rtp, 1);
	assert_int_equal(caller.rtp.len, len);
	assert_memory_equal(caller.rtp.buf, pkt, len);
	assert_true(sa_cmp(&caller.rtp.from, &la, SA_ALL));
	assert_int_equal(agent.rtp.rx + caller.rtcp.rx, 0);

	/* the caller talks meanwhile: received and counted on A, dropped
	 * for want of a remote on B (existing behaviour) */
	len = rtp_make(in, 7, 0x55);
	client_send(&caller.rtp, &la, in, len);
	wait_dropped(rl, RELAY_A, 1);
	assert_stats(rl, RELAY_A, 1, 1, 1);
	assert_stats(rl, RELAY_B, 0, 0, 0);

	/* SDP said elsewhere: the caller's first packet latches, and our
	 * packets follow the latch */
	assert_int_equal(sa_set_str(&sdp_addr, "127.0.0.1", 9), 0);
	relay_set_remote(rl, RELAY_A, &sdp_addr);
	client_send(&caller.rtp, &la, in, len);
	wait_dropped(rl, RELAY_A, 2);
	len = rtp_make(pkt, 43, 0xaa);
	assert_int_equal(relay_send(rl, RELAY_A, pkt, len), 0);
	wait_rx(&caller.rtp, 2);
	assert_memory_equal(caller.rtp.buf, pkt, len);

	/* once B connects, the caller reaches the agent; our packets and
	 * the relayed ones both count in A's tx */
	relay_set_remote(rl, RELAY_B, &agent.rtp.addr);
	client_send(&caller.rtp, &la, in, len);
	wait_rx(&agent.rtp, 1);
	client_send(&agent.rtp, &lb, "agent", 5);
	wait_rx(&caller.rtp, 3);
	assert_stats(rl, RELAY_A, 3, 3, 2);
	assert_stats(rl, RELAY_B, 1, 1, 0);

	peer_close(&caller);
	peer_close(&agent);
	mem_deref(rl);
	mem_deref(pool);
}

/* What a tap saw */
struct tapped {
	struct relay *rl;
	unsigned n;
	uint8_t last[172];
	size_t len;
	uint64_t b_tx_at_last;    /* B's tx when the last packet was shown */
	bool once;                /* clear the tap from inside the handler */
};

static void on_tap(const uint8_t *rtp, size_t len, void *arg)
{
	struct tapped *t = arg;
	struct relay_stats st;

	t->n++;
	t->len = len;
	memcpy(t->last, rtp, len < sizeof(t->last) ? len : sizeof(t->last));
	relay_stats(t->rl, RELAY_B, &st);
	t->b_tx_at_last = st.tx_packets;
	if (t->once)
		relay_set_tap(t->rl, RELAY_A, NULL, NULL);
}

/* relay_set_tap: accepted RTP of one side, gated or not, before it is
 * forwarded; never RTCP, a rejected source, or the other side */
static void test_tap(void **state)
{
	struct relay_pool *pool;
	struct relay *rl = NULL;
	struct peer caller, agent, stranger;
	struct tapped ta = {0}, tb = {0};
	struct sa la, lb, la_rtcp;
	uint8_t pkt[172];
	size_t len;

	(void)state;
	pool = pool_make(8, NULL);
	assert_int_equal(relay_alloc(&rl, pool, 0, NULL, NULL), 0);
	peer_open(&caller);
	peer_open(&agent);
	peer_open(&stranger);
	relay_local(rl, RELAY_A, &la);
	relay_local(rl, RELAY_B, &lb);
	la_rtcp = la;
	sa_set_port(&la_rtcp, sa_port(&la) + 1);
	ta.rl = tb.rl = rl;
	relay_set_tap(rl, RELAY_A, on_tap, &ta);
	relay_set_tap(rl, RELAY_B, on_tap, &tb);

	/* B unknown: dropped, but the tap sees it (an IVR before any
	 * agent), unchanged */
	relay_set_remote(rl, RELAY_A, &caller.rtp.addr);
	len = rtp_make(pkt, 1, 0x11);
	client_send(&caller.rtp, &la, pkt, len);
	wait_dropped(rl, RELAY_A, 1);
	assert_int_equal(ta.n, 1);
	assert_int_equal(ta.len, len);
	assert_memory_equal(ta.last, pkt, len);

	/* forwarded: the tap ran before the packet was sent to B */
	relay_set_remote(rl, RELAY_B, &agent.rtp.addr);
	len = rtp_make(pkt, 2, 0x22);
	client_send(&caller.rtp, &la, pkt, len);
	wait_rx(&agent.rtp, 1);
	assert_int_equal(ta.n, 2);
	assert_memory_equal(ta.last, pkt, len);
	assert_int_equal(ta.b_tx_at_last, 0);

	/* gated: not forwarded, still tapped */
	relay_set_gate(rl, true);
	len = rtp_make(pkt, 3, 0x33);
	client_send(&caller.rtp, &la, pkt, len);
	wait_dropped(rl, RELAY_A, 2);
	assert_int_equal(ta.n, 3);
	assert_memory_equal(ta.last, pkt, len);
	relay_set_gate(rl, false);

	/* RTCP and a rejected source are not shown; short datagrams are */
	client_send(&caller.rtcp, &la_rtcp, "\x81\xc8rtcp", 6);
	wait_rx(&agent.rtcp, 1);
	client_send(&stranger.rtp, &la, "forged", 6);
	wait_dropped(rl, RELAY_A, 3);
	client_send(&caller.rtp, &la, "abc", 3);
	wait_rx(&agent.rtp, 2);
	assert_int_equal(ta.n, 4);
	assert_int_equal(ta.len, 3);

	/* a burst: each packet once, in order */
	for (uint16_t seq = 100; seq < 150; seq++) {
		len = rtp_make(pkt, seq, (uint8_t)seq);
		client_send(&caller.rtp, &la, pkt, len);
	}
	wait_rx(&agent.rtp, 52);
	assert_int_equal(ta.n, 54);
	assert_memory_equal(ta.last, pkt, len);

	/* side B's tap sees only B's packets */
	assert_int_equal(tb.n, 0);
	client_send(&agent.rtp, &lb, "agent", 5);
	wait_rx(&caller.rtp, 1);
	assert_int_equal(tb.n, 1);
	assert_int_equal(tb.len, 5);
	assert_int_equal(ta.n, 54);

	/* the handler clears its own tap: one more call, then none */
	ta.once = true;
	client_send(&caller.rtp, &la, "one", 3);
	client_send(&caller.rtp, &la, "two", 3);
	wait_rx(&agent.rtp, 54);
	assert_int_equal(ta.n, 55);
	assert_memory_equal(ta.last, "one", 3);

	/* cleared from outside */
	relay_set_tap(rl, RELAY_B, NULL, &tb);
	client_send(&agent.rtp, &lb, "agent", 5);
	wait_rx(&caller.rtp, 2);
	assert_int_equal(tb.n, 1);

	/* harmless on NULL or a bad side */
	relay_set_tap(NULL, RELAY_A, on_tap, &ta);
	relay_set_tap(rl, (enum relay_side)2, on_tap, &ta);
	assert_stats(rl, RELAY_A, 58, 2, 3);

	peer_close(&caller);
	peer_close(&agent);
	peer_close(&stranger);
	mem_deref(rl);
	mem_deref(pool);
}

static int setup(void **state)
{
	(void)state;
	return libre_init();
}

static int teardown(void **state)
{
	(void)state;
	libre_close();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward_both_ways),
		cmocka_unit_test(test_rtcp),
		cmocka_unit_test(test_latching),
		cmocka_unit_test(test_oversized_dropped),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_pool_einval),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_send),
		cmocka_unit_test(test_tap),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

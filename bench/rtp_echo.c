/** @file bench/rtp_echo.c  RTP echo / sink for media load tests
 *
 *   bench_rtp_echo --addr 127.0.0.1 --ports MIN-MAX [--mode echo|sink]
 *                  [--duration S] [--rtcp] [--rcvbuf BYTES]
 *
 * Binds a UDP socket on every even port of the range (and on every odd
 * one with --rtcp), waits with epoll, reads in batches with recvmmsg and,
 * in echo mode, sends each datagram back to its source unchanged with
 * sendmmsg; in sink mode it only counts. On SIGINT/SIGTERM or after
 * --duration seconds it prints one JSON line on stdout: packets and bytes
 * received and sent, send failures, elapsed seconds and its own CPU time
 * (getrusage). A line on stderr says when every socket is bound.
 *
 * SIGUSR1 prints the same line with "final":false and goes on, so a run
 * script can take counters over a window. Each socket's receive (and
 * send) buffer is --rcvbuf bytes (default 32 MiB; SO_RCVBUFFORCE when
 * allowed, else capped by net.core.rmem_max): one port may take every
 * call's stream, and a short stall of this process must not read as loss
 * in the relay under test.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
	BATCH   = 64,       /* datagrams per recvmmsg/sendmmsg */
	PKT_MAX = 2048,     /* larger datagrams are truncated (counted) */
	EVENTS  = 256,      /* epoll events per wait */
	ROUNDS  = 4,        /* batches per socket per wakeup */
};

struct opts {
	const char *addr;
	unsigned port_min, port_max;
	bool echo;
	bool rtcp;
	double duration;    /* 0 = until a signal */
	int rcvbuf;         /* socket buffer bytes */
};

struct counters {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t tx_errors, truncated;
};

/* Batch buffers: one thread, reused for every socket */
static struct mmsghdr msgv[BATCH];
static struct iovec iov[BATCH];
static struct sockaddr_storage srcv[BATCH];
static uint8_t bufv[BATCH][PKT_MAX];

static volatile sig_atomic_t stop, snap;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		snap = 1;
	else
		stop = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_rtp_echo --addr IP --ports MIN-MAX "
		"[--mode echo|sink] [--duration S] [--rtcp] "
		"[--rcvbuf BYTES]\n");
	exit(2);
}

static bool parse_ports(const char *s, unsigned *min, unsigned *max)
{
	char *end;
	unsigned long a, b;

	a = strtoul(s, &end, 10);
	if (*end == '-')
		b = strtoul(end + 1, &end, 10);
	else
		b = a;

	if (*end || !a || a > b || b > 65535)
		return false;

	*min = (unsigned)a;
	*max = (unsigned)b;
	return true;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longv[] = {
		{"addr",     required_argument, NULL, 'a'},
		{"ports",    required_argument, NULL, 'p'},
		{"mode",     required_argument, NULL, 'm'},
		{"duration", required_argument, NULL, 'd'},
		{"rtcp",     no_argument,       NULL, 'r'},
		{"rcvbuf",   required_argument, NULL, 'B'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->echo = true;
	o->rcvbuf = 32 << 20;
	while ((c = getopt_long(argc, argv, "", longv, NULL)) != -1) {
		switch (c) {

		case 'a': o->addr = optarg; break;
		case 'r': o->rtcp = true; break;
		case 'd': o->duration = atof(optarg); break;
		case 'B': o->rcvbuf = atoi(optarg); break;
		case 'p':
			if (!parse_ports(optarg, &o->port_min, &o->port_max))
				usage();
			break;
		case 'm':
			if (strcmp(optarg, "echo") && strcmp(optarg, "sink"))
				usage();
			o->echo = !strcmp(optarg, "echo");
			break;
		default:
			usage();
		}
	}

	if (!o->addr || !o->port_min || optind != argc || o->duration < 0 ||
	    o->rcvbuf < 0)
		usage();
}

/* addr:port into ss; false if addr is not a literal IP */
static bool addr_make(struct sockaddr_storage *ss, socklen_t *len,
		      const char *addr, unsigned port)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
		return true;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return true;
	}

	return false;
}

/* Deep socket buffers; 0 keeps the system default */
static void buf_size(int fd, int sz)
{
	if (!sz)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
}

/* Bind every wanted port and add it to epoll; the number bound, or -1 */
static int bind_all(int ep, const struct opts *o)
{
	int n = 0;

	for (unsigned port = o->port_min; port <= o->port_max; port++) {
		struct sockaddr_storage ss;
		struct epoll_event ev = {.events = EPOLLIN};
		socklen_t len;
		int fd;

		if (port % 2 && !o->rtcp)
			continue;

		if (!addr_make(&ss, &len, o->addr, port)) {
			fprintf(stderr, "rtp_echo: bad address %s\n", o->addr);
			return -1;
		}

		fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0) {
			fprintf(stderr, "rtp_echo: port %u: %s\n", port,
				strerror(errno));
			return -1;
		}

		buf_size(fd, o->rcvbuf);
		ev.data.fd = fd;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			fprintf(stderr, "rtp_echo: epoll: %s\n",
				strerror(errno));
			return -1;
		}
		n++;
	}

	return n;
}

/* Send the n received datagrams back to their sources */
static void echo_back(int fd, int n, struct counters *c)
{
	int sent = 0;

	for (int i = 0; i < n; i++)
		iov[i].iov_len = msgv[i].msg_len;

	while (sent < n) {
		int r = sendmmsg(fd, msgv + sent, (unsigned)(n - sent), 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* skip the one that failed, try the rest */
			c->tx_errors++;
			sent++;
			continue;
		}
		for (int i = sent; i < sent + r; i++)
			c->tx_bytes += msgv[i].msg_len;
		c->tx_packets += (uint64_t)r;
		sent += r;
	}
}

static void serve_fd(int fd, bool echo, struct counters *c)
{
	for (int round = 0; round < ROUNDS; round++) {
		int n;

		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = bufv[i];
			iov[i].iov_len = PKT_MAX;
			msgv[i].msg_hdr.msg_iov = &iov[i];
			msgv[i].msg_hdr.msg_iovlen = 1;
			msgv[i].msg_hdr.msg_name = &srcv[i];
			msgv[i].msg_hdr.msg_namelen = sizeof(srcv[i]);
			msgv[i].msg_hdr.msg_flags = 0;
		}

		n = recvmmsg(fd, msgv, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;

		for (int i = 0; i < n; i++) {
			c->rx_bytes += msgv[i].msg_len;
			if (msgv[i].msg_hdr.msg_flags & MSG_TRUNC)
				c->truncated++;
		}
		c->rx_packets += (uint64_t)n;

		if (echo)
			echo_back(fd, n, c);
		if (n < BATCH)
			return;
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void report(const struct opts *o, int socks, double secs,
		   const struct counters *c, bool final)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	printf("{\"final\":%s,\"mode\":\"%s\",\"sockets\":%d,\"seconds\":%.3f,"
	       "\"rx_packets\":%" PRIu64 ",\"rx_bytes\":%" PRIu64 ","
	       "\"tx_packets\":%" PRIu64 ",\"tx_bytes\":%" PRIu64 ","
	       "\"tx_errors\":%" PRIu64 ",\"truncated\":%" PRIu64 ","
	       "\"cpu_user_s\":%.3f,\"cpu_sys_s\":%.3f}\n",
	       final ? "true" : "false", o->echo ? "echo" : "sink", socks,
	       secs,
	       c->rx_packets, c->rx_bytes, c->tx_packets, c->tx_bytes,
	       c->tx_errors, c->truncated,
	       tv_s(ru.ru_utime), tv_s(ru.ru_stime));
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct epoll_event evv[EVENTS];
	struct sigaction sa;
	struct counters c;
	struct opts o;
	double start, end;
	int ep, socks;

	parse_opts(argc, argv, &o);
	raise_nofile();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;   /* no SA_RESTART: epoll_wait returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);

	ep = epoll_create1(0);
	if (ep < 0)
		return 1;
	socks = bind_all(ep, &o);
	if (socks <= 0)
		return 1;

	fprintf(stderr, "rtp_echo: %d sockets on %s ports %u-%u, %s\n",
		socks, o.addr, o.port_min, o.port_max,
		o.echo ? "echo" : "sink");

	memset(&c, 0, sizeof(c));
	start = now_s();
	end = o.duration > 0 ? start + o.duration : 0;
	while (!stop && (!end || now_s() < end)) {
		int n = epoll_wait(ep, evv, EVENTS, 100);

		for (int i = 0; i < n; i++)
			serve_fd(evv[i].data.fd, o.echo, &c);
		if (snap) {
			snap = 0;
			report(&o, socks, now_s() - start, &c, false);
		}
	}

	report(&o, socks, now_s() - start, &c, true);
	return 0;
}

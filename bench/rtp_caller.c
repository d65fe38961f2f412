/** @file bench/rtp_caller.c  Caller-side RTP for bridged-call load tests
 *
 *   bench_rtp_caller --addr IP --port P --log FILE [--seconds D]
 *                    [--pps N] [--payload BYTES] [--calls N]
 *                    [--duration S] [--drain MS] [--rcvbuf BYTES]
 *
 * One UDP socket on IP:P is the media address every caller advertises in
 * its SDP. The tool follows FILE (sipp's -log_file, written as calls are
 * answered) and for each line
 *
 *     MEDIA <call> <relay-ip> <relay-port>
 *
 * starts one stream to the relay address the 200 OK's SDP gave that call:
 * N packets a second (default 50: a 20 ms G.711 stream, 12-byte RTP
 * header + 160 bytes) for D seconds, its own SSRC, the send time in the
 * payload. The relay latches on the first packet and the far end (an RTP
 * echo) sends every packet back, so the same socket receives each
 * stream's echo; packets are matched by SSRC and sequence number:
 * lost = sent - distinct received, duplicates and packets from elsewhere
 * are counted apart, and the round trip (caller -> relay -> echo ->
 * relay -> caller) goes into a histogram. Of the lost packets, lost_head
 * counts those sent before a stream's first echoed packet (a call
 * answered before its far end is bridged, as through a queue, drops
 * them by design); the rest were lost once media flowed.
 *
 * Sending is paced per stream (a min-heap of due times; a stream's
 * schedule is absolute, so a late packet does not shift the next ones)
 * and batched with sendmmsg; receiving uses recvmmsg; epoll waits. A send
 * more than 10 ms late is counted: if that number grows, the generator
 * (not the daemon) fell behind.
 *
 * The socket's receive and send buffers are --rcvbuf bytes (default
 * 32 MiB, SO_RCVBUFFORCE when allowed): every echo comes back to this one
 * socket, and a short stall of this process must not read as loss in the
 * relay under test.
 *
 * SIGUSR1 prints a snapshot line (rtt_ivl_ms: the round trips since the
 * previous snapshot; its "lost" still counts packets in flight). The run
 * ends on SIGINT/SIGTERM, after --duration seconds, or --drain ms after
 * the last of --calls streams has sent its last packet; the final line is
 * one JSON object on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
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
	BATCH      = 64,          /* datagrams per recvmmsg/sendmmsg */
	PKT_MAX    = 2048,
	RTP_HDR    = 12,
	STAMP_LEN  = 12,          /* send time (8) + stream index (4) */
	LATE_NS    = 10000000,    /* a send this late counts as late */
	TAIL_NS    = 10000000,    /* log file polling period */
	HIST_STEP  = 10,          /* RTT histogram: 10 us buckets ... */
	HIST_N     = 100000,      /* ... to 1 s; later ones count as 1 s */
	SSRC_BASE  = 0x4b000000,
};

struct opts {
	const char *addr;
	unsigned port;
	const char *log;
	double seconds;           /* stream length */
	unsigned pps;
	unsigned payload;         /* bytes after the RTP header */
	unsigned calls;           /* streams expected; 0 = no such end */
	double duration;          /* whole run bound; 0 = none */
	unsigned drain_ms;
	int rcvbuf;
};

struct stream {
	struct sockaddr_in dst;   /* the relay's caller-side address */
	uint64_t next_ns;         /* when the next packet is due */
	uint32_t count;           /* packets to send */
	uint32_t sent;
	uint32_t rx;              /* distinct packets echoed back */
	uint32_t first;           /* lowest offset echoed back (if rx) */
	uint32_t dup;
	uint8_t *seen;            /* bitmap by sequence offset, owned */
	uint16_t seq0;
	bool done;
};

struct counters {
	uint64_t sent, rx, dup, foreign, late, tx_errors, rx_bytes;
	uint64_t max_late_ns;
};

static struct opts o;
static struct stream *streamv;      /* by stream index, owned */
static uint32_t streamc, streamcap;
static uint32_t *heap;              /* stream indices, min-heap by due */
static uint32_t heap_len, heap_cap;
static uint32_t done_count;
static uint64_t last_done_ns;
static struct counters c;
static uint64_t histv[HIST_N + 1];       /* the whole run */
static uint64_t ivlv[HIST_N + 1];        /* since the last snapshot */
static uint64_t rtt_max_ns, ivl_max_ns, ivl_n;

static struct mmsghdr smsg[BATCH], rmsg[BATCH];
static struct iovec siov[BATCH], riov[BATCH];
static struct sockaddr_in rsrc[BATCH];
static uint8_t sbuf[BATCH][PKT_MAX], rbuf[BATCH][PKT_MAX];
static int sn;                      /* prepared sends */

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
	fprintf(stderr, "usage: bench_rtp_caller --addr IP --port P "
		"--log FILE [--seconds D] [--pps N] [--payload BYTES] "
		"[--calls N] [--duration S] [--drain MS] "
		"[--rcvbuf BYTES]\n");
	exit(2);
}

static void parse_opts(int argc, char **argv)
{
	static const struct option longv[] = {
		{"addr",     required_argument, NULL, 'a'},
		{"port",     required_argument, NULL, 'p'},
		{"log",      required_argument, NULL, 'l'},
		{"seconds",  required_argument, NULL, 's'},
		{"pps",      required_argument, NULL, 'r'},
		{"payload",  required_argument, NULL, 'b'},
		{"calls",    required_argument, NULL, 'n'},
		{"duration", required_argument, NULL, 'd'},
		{"drain",    required_argument, NULL, 'w'},
		{"rcvbuf",   required_argument, NULL, 'B'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	o.seconds = 10;
	o.pps = 50;
	o.payload = 160;
	o.drain_ms = 500;
	o.rcvbuf = 32 << 20;
	while ((ch = getopt_long(argc, argv, "", longv, NULL)) != -1) {
		switch (ch) {

		case 'a': o.addr = optarg; break;
		case 'p': o.port = (unsigned)atoi(optarg); break;
		case 'l': o.log = optarg; break;
		case 's': o.seconds = atof(optarg); break;
		case 'r': o.pps = (unsigned)atoi(optarg); break;
		case 'b': o.payload = (unsigned)atoi(optarg); break;
		case 'n': o.calls = (unsigned)atoi(optarg); break;
		case 'd': o.duration = atof(optarg); break;
		case 'w': o.drain_ms = (unsigned)atoi(optarg); break;
		case 'B': o.rcvbuf = atoi(optarg); break;
		default:  usage();
		}
	}

	if (!o.addr || !o.port || o.port > 65535 || !o.log ||
	    optind != argc || o.seconds <= 0 || !o.pps || o.pps > 1000 ||
	    o.payload < STAMP_LEN || o.payload + RTP_HDR > PKT_MAX ||
	    o.seconds * o.pps > 65535 || o.duration < 0)
		usage();
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
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


/* --- the stream queue: a binary min-heap of stream indices by due time -- */

static bool due_before(uint32_t a, uint32_t b)
{
	return streamv[a].next_ns < streamv[b].next_ns;
}

static void heap_swap(uint32_t i, uint32_t j)
{
	uint32_t t = heap[i];

	heap[i] = heap[j];
	heap[j] = t;
}

static void heap_push(uint32_t idx)
{
	uint32_t i;

	if (heap_len == heap_cap) {
		uint32_t cap = heap_cap ? heap_cap * 2 : 1024;
		uint32_t *v = realloc(heap, cap * sizeof(*v));

		if (!v) {
			fprintf(stderr, "rtp_caller: out of memory\n");
			exit(1);
		}
		heap = v;
		heap_cap = cap;
	}
	i = heap_len++;
	heap[i] = idx;
	while (i && due_before(heap[i], heap[(i - 1) / 2])) {
		heap_swap(i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static uint32_t heap_pop(void)
{
	uint32_t top = heap[0], i = 0;

	heap[0] = heap[--heap_len];
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < heap_len && due_before(heap[l], heap[m]))
			m = l;
		if (r < heap_len && due_before(heap[r], heap[m]))
			m = r;
		if (m == i)
			break;
		heap_swap(i, m);
		i = m;
	}
	return top;
}

/* A new stream to relay ip:port; its first packet is due now */
static void stream_add(const char *ip, unsigned port, uint64_t now)
{
	struct stream *s;

	if (streamc == streamcap) {
		uint32_t cap = streamcap ? streamcap * 2 : 1024;
		struct stream *v = realloc(streamv, cap * sizeof(*v));

		if (!v) {
			fprintf(stderr, "rtp_caller: out of memory\n");
			exit(1);
		}
		streamv = v;
		streamcap = cap;
	}

	s = &streamv[streamc];
	memset(s, 0, sizeof(*s));
	s->dst.sin_family = AF_INET;
	s->dst.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &s->dst.sin_addr) != 1 || !port ||
	    port > 65535) {
		fprintf(stderr, "rtp_caller: bad relay address %s %u\n", ip,
			port);
		return;
	}
	s->count = (uint32_t)(o.seconds * o.pps);
	s->seen = calloc((s->count + 7) / 8, 1);
	if (!s->seen) {
		fprintf(stderr, "rtp_caller: out of memory\n");
		exit(1);
	}
	s->seq0 = (uint16_t)(streamc * 7919u);
	s->next_ns = now;
	heap_push(streamc);
	streamc++;
}


/* --- the sipp log -------------------------------------------------------- */

static int log_fd = -1;
static char log_buf[8192];
static size_t log_len;

static void log_line(char *line, uint64_t now)
{
	char ip[64];
	unsigned long call;
	unsigned port;

	if (sscanf(line, "MEDIA %lu %63s %u", &call, ip, &port) == 3)
		stream_add(ip, port, now);
}

/* Read what sipp appended since the last call; whole lines only */
static void log_follow(uint64_t now)
{
	if (log_fd < 0) {
		log_fd = open(o.log, O_RDONLY | O_CLOEXEC);
		if (log_fd < 0)
			return;       /* sipp has not created it yet */
	}

	for (;;) {
		ssize_t n = read(log_fd, log_buf + log_len,
				 sizeof(log_buf) - 1 - log_len);
		char *p, *nl;

		if (n <= 0)
			return;
		log_len += (size_t)n;
		log_buf[log_len] = '\0';

		p = log_buf;
		while ((nl = strchr(p, '\n'))) {
			*nl = '\0';
			log_line(p, now);
			p = nl + 1;
		}
		log_len -= (size_t)(p - log_buf);
		memmove(log_buf, p, log_len);
		if (log_len == sizeof(log_buf) - 1)
			log_len = 0;  /* a line this long is not ours */
	}
}


/* --- sending ------------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}

static void flush_sends(int fd)
{
	int done = 0;

	while (done < sn) {
		int r = sendmmsg(fd, smsg + done, (unsigned)(sn - done), 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* count the one that failed, try the rest */
			c.tx_errors++;
			done++;
			continue;
		}
		done += r;
	}
	sn = 0;
}

/* Build stream idx's next packet into the send batch */
static void packet_prepare(int fd, uint32_t idx, uint64_t now)
{
	struct stream *s = &streamv[idx];
	uint16_t seq = (uint16_t)(s->seq0 + s->sent);
	uint8_t *p = sbuf[sn];

	p[0] = 0x80;
	p[1] = s->sent ? 0 : 0x80;          /* PCMU, marker on the first */
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	put32(p + 4, s->sent * 160u);
	put32(p + 8, SSRC_BASE + idx);
	memcpy(p + RTP_HDR, &now, sizeof(now));
	put32(p + RTP_HDR + 8, idx);

	siov[sn].iov_base = p;
	siov[sn].iov_len = RTP_HDR + o.payload;
	smsg[sn].msg_hdr.msg_iov = &siov[sn];
	smsg[sn].msg_hdr.msg_iovlen = 1;
	smsg[sn].msg_hdr.msg_name = &s->dst;
	smsg[sn].msg_hdr.msg_namelen = sizeof(s->dst);
	smsg[sn].msg_hdr.msg_control = NULL;
	smsg[sn].msg_hdr.msg_controllen = 0;
	smsg[sn].msg_hdr.msg_flags = 0;
	if (++sn == BATCH)
		flush_sends(fd);
}

/* Send every packet that is due; the others wait their turn */
static void send_due(int fd, uint64_t now)
{
	uint64_t period = 1000000000u / o.pps;

	while (heap_len && streamv[heap[0]].next_ns <= now) {
		uint32_t idx = heap_pop();
		struct stream *s = &streamv[idx];
		uint64_t late = now - s->next_ns;

		if (late > c.max_late_ns)
			c.max_late_ns = late;
		if (late > LATE_NS)
			c.late++;

		packet_prepare(fd, idx, now);
		s->sent++;
		c.sent++;
		if (s->sent < s->count) {
			s->next_ns += period;
			heap_push(idx);
		}
		else {
			s->done = true;
			done_count++;
			last_done_ns = now;
		}
	}
	if (sn)
		flush_sends(fd);
}


/* --- receiving ----------------------------------------------------------- */

static void packet_take(const uint8_t *p, size_t len,
			const struct sockaddr_in *src, uint64_t now)
{
	struct stream *s;
	uint64_t sent_ns;
	uint32_t idx, off;
	uint16_t seq;

	if (len < RTP_HDR + STAMP_LEN || (p[0] & 0xc0) != 0x80) {
		c.foreign++;
		return;
	}
	idx = get32(p + 8) - SSRC_BASE;
	if (idx >= streamc || get32(p + RTP_HDR + 8) != idx) {
		c.foreign++;
		return;
	}
	s = &streamv[idx];
	if (src->sin_port != s->dst.sin_port ||
	    src->sin_addr.s_addr != s->dst.sin_addr.s_addr) {
		c.foreign++;              /* not from this call's relay port */
		return;
	}

	seq = (uint16_t)((uint16_t)(p[2] << 8 | p[3]) - s->seq0);
	off = seq;
	if (off >= s->sent) {
		c.foreign++;
		return;
	}
	if (s->seen[off / 8] & (1u << (off % 8))) {
		s->dup++;
		c.dup++;
		return;
	}
	s->seen[off / 8] |= (uint8_t)(1u << (off % 8));
	if (!s->rx || off < s->first)
		s->first = off;
	s->rx++;
	c.rx++;
	c.rx_bytes += len;

	memcpy(&sent_ns, p + RTP_HDR, sizeof(sent_ns));
	if (now >= sent_ns) {
		uint64_t rtt = now - sent_ns;
		uint64_t b = rtt / 1000 / HIST_STEP;

		histv[b < HIST_N ? b : HIST_N]++;
		ivlv[b < HIST_N ? b : HIST_N]++;
		ivl_n++;
		if (rtt > rtt_max_ns)
			rtt_max_ns = rtt;
		if (rtt > ivl_max_ns)
			ivl_max_ns = rtt;
	}
}

static void recv_all(int fd)
{
	for (;;) {
		uint64_t now;
		int n;

		for (int i = 0; i < BATCH; i++) {
			riov[i].iov_base = rbuf[i];
			riov[i].iov_len = PKT_MAX;
			rmsg[i].msg_hdr.msg_iov = &riov[i];
			rmsg[i].msg_hdr.msg_iovlen = 1;
			rmsg[i].msg_hdr.msg_name = &rsrc[i];
			rmsg[i].msg_hdr.msg_namelen = sizeof(rsrc[i]);
			rmsg[i].msg_hdr.msg_flags = 0;
		}

		n = recvmmsg(fd, rmsg, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		now = now_ns();
		for (int i = 0; i < n; i++)
			packet_take(rbuf[i], rmsg[i].msg_len, &rsrc[i], now);
		if (n < BATCH)
			return;
	}
}


/* --- output -------------------------------------------------------------- */

static double hist_pct(const uint64_t *h, uint64_t total, double pct)
{
	uint64_t want = (uint64_t)((double)total * pct / 100.0 + 0.5);
	uint64_t seen = 0;

	if (!total)
		return 0;
	if (!want)
		want = 1;
	for (uint32_t b = 0; b <= HIST_N; b++) {
		seen += h[b];
		if (seen >= want)
			return (double)b * HIST_STEP / 1000.0;
	}
	return (double)HIST_N * HIST_STEP / 1000.0;
}

static uint64_t lost_total(void)
{
	uint64_t lost = 0;

	for (uint32_t i = 0; i < streamc; i++)
		lost += streamv[i].sent - streamv[i].rx;
	return lost;
}

/* Packets sent before each stream's first echo, never echoed */
static uint64_t lost_head_total(void)
{
	uint64_t lost = 0;

	for (uint32_t i = 0; i < streamc; i++) {
		if (streamv[i].rx)
			lost += streamv[i].first;
	}
	return lost;
}

static void report(bool final, double secs)
{
	struct rusage ru;
	uint64_t lost = lost_total();

	getrusage(RUSAGE_SELF, &ru);
	printf("{\"final\":%s,\"seconds\":%.3f,\"streams\":%" PRIu32 ","
	       "\"streams_done\":%" PRIu32 ",\"sent\":%" PRIu64 ","
	       "\"received\":%" PRIu64 ",\"lost\":%" PRIu64 ","
	       "\"lost_head\":%" PRIu64 ",\"loss_pct\":%.4f,\"duplicates\":%" PRIu64 ","
	       "\"foreign\":%" PRIu64 ",\"tx_errors\":%" PRIu64 ","
	       "\"late_sends\":%" PRIu64 ",\"max_late_ms\":%.2f,"
	       "\"rtt_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f,"
	       "\"max\":%.3f},"
	       "\"rtt_ivl_ms\":{\"n\":%" PRIu64 ",\"p50\":%.3f,"
	       "\"p99\":%.3f,\"max\":%.3f},"
	       "\"cpu_user_s\":%.3f,\"cpu_sys_s\":%.3f}\n",
	       final ? "true" : "false", secs, streamc, done_count, c.sent,
	       c.rx, lost, lost_head_total(), c.sent ? 100.0 * (double)lost / (double)c.sent : 0,
	       c.dup, c.foreign, c.tx_errors, c.late,
	       (double)c.max_late_ns / 1e6,
	       hist_pct(histv, c.rx, 50), hist_pct(histv, c.rx, 99),
	       hist_pct(histv, c.rx, 99.9), (double)rtt_max_ns / 1e6,
	       ivl_n, hist_pct(ivlv, ivl_n, 50), hist_pct(ivlv, ivl_n, 99),
	       (double)ivl_max_ns / 1e6,
	       tv_s(ru.ru_utime), tv_s(ru.ru_stime));
	fflush(stdout);

	memset(ivlv, 0, sizeof(ivlv));
	ivl_n = 0;
	ivl_max_ns = 0;
}


/* --- main ---------------------------------------------------------------- */

static int sock_open(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd, sz = o.rcvbuf;

	sin.sin_port = htons((uint16_t)o.port);
	if (inet_pton(AF_INET, o.addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "rtp_caller: bad address %s\n", o.addr);
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		fprintf(stderr, "rtp_caller: %s:%u: %s\n", o.addr, o.port,
			strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return fd;
}

/* Milliseconds epoll may sleep: until the next send or log poll */
static int wait_ms(uint64_t now, uint64_t next_tail)
{
	uint64_t until = next_tail;

	if (heap_len && streamv[heap[0]].next_ns < until)
		until = streamv[heap[0]].next_ns;
	if (until <= now)
		return 0;
	return (int)((until - now + 999999) / 1000000);
}

int main(int argc, char **argv)
{
	struct epoll_event ev = {.events = EPOLLIN}, evv[4];
	struct sigaction sa;
	uint64_t start, end, next_tail = 0;
	int ep, fd;

	parse_opts(argc, argv);
	raise_nofile();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;   /* no SA_RESTART: epoll_wait returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);

	fd = sock_open();
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (fd < 0 || ep < 0)
		return 1;
	ev.data.fd = fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		return 1;

	fprintf(stderr, "rtp_caller: %s:%u, following %s, %u pps x %.1f s "
		"per call\n", o.addr, o.port, o.log, o.pps, o.seconds);

	start = now_ns();
	end = o.duration > 0 ? start + (uint64_t)(o.duration * 1e9) : 0;
	while (!stop) {
		uint64_t now = now_ns();

		if (end && now >= end)
			break;
		if (o.calls && done_count >= o.calls &&
		    now - last_done_ns >= (uint64_t)o.drain_ms * 1000000u)
			break;
		if (now >= next_tail) {
			log_follow(now);
			next_tail = now + TAIL_NS;
		}
		send_due(fd, now);
		if (snap) {
			snap = 0;
			report(false, (double)(now - start) / 1e9);
		}

		if (epoll_wait(ep, evv, 4, wait_ms(now_ns(), next_tail)) > 0)
			recv_all(fd);
	}

	recv_all(fd);
	report(true, (double)(now_ns() - start) / 1e9);
	return 0;
}

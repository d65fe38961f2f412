/** @file bench/sip_capture.c  Time SIP messages through a B2BUA on loopback
 *
 *   bench_sip_capture --port P [--duration S] [--max N]
 *
 * Captures the UDP datagrams to and from port P on the loopback interface
 * (an AF_PACKET socket with a kernel filter for that port, kernel receive
 * timestamps) and pairs each message that reaches the B2BUA with the one
 * it sends on for the same call, by the From user (a B2BUA keeps the
 * caller's user in the From of the outgoing leg; Call-IDs differ per
 * leg). Four pairs are timed:
 *
 *   invite   caller's INVITE in    -> INVITE out to the agent
 *   answer   agent's 200 (INVITE) in -> 200 out to the caller
 *   bye      caller's BYE in       -> BYE out to the agent
 *   pickup   caller's INVITE in    -> 200 (INVITE) out to the caller
 *
 * A call answered by the B2BUA itself before any agent (through an ACD
 * queue) has its 200 out before the agent's 200 in: no "answer" pair,
 * and "pickup" is how long the caller waited for Hotline's answer.
 *
 * Only the first copy of each counts (retransmissions are ignored). So
 * each From user must appear once per run: the callers must use distinct
 * users. On SIGINT/SIGTERM, after --duration seconds, or after --max
 * INVITE pairs, it prints one JSON line per kind with the count, the
 * unpaired messages and min/p50/p90/p99/max in milliseconds.
 *
 * Needs CAP_NET_RAW. On loopback every packet passes the tap twice (out
 * and in); only the incoming copy is used.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
	PKT_MAX  = 65536,
	USER_MAX = 64,
	HASH_MIN = 1 << 12,
};

enum kind { K_INVITE, K_ANSWER, K_BYE, K_COUNT };

static const char *kind_name[K_COUNT] = { "invite", "answer", "bye" };

/* One call's timestamps, keyed by the From user */
struct entry {
	char user[USER_MAX];
	uint64_t in_ns[K_COUNT];    /* 0 = not seen */
	uint64_t out_ns[K_COUNT];
};

struct table {
	struct entry *v;            /* open addressing, owned */
	size_t cap, len;
};

struct opts {
	unsigned port;
	double duration;
	unsigned long max;
};

static struct opts o;
static struct table tab;
static unsigned long pairs[K_COUNT];
static unsigned long packets, sip_msgs;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_sip_capture --port P [--duration S] "
		"[--max N]\n");
	exit(2);
}

static void parse_opts(int argc, char **argv)
{
	static const struct option longv[] = {
		{"port",     required_argument, NULL, 'p'},
		{"duration", required_argument, NULL, 'd'},
		{"max",      required_argument, NULL, 'm'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", longv, NULL)) != -1) {
		switch (ch) {

		case 'p': o.port = (unsigned)atoi(optarg); break;
		case 'd': o.duration = atof(optarg); break;
		case 'm': o.max = strtoul(optarg, NULL, 10); break;
		default:  usage();
		}
	}
	if (!o.port || o.port > 65535 || optind != argc || o.duration < 0)
		usage();
}


/* --- the table ----------------------------------------------------------- */

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static void table_grow(void)
{
	struct table old = tab;
	size_t cap = old.cap ? old.cap * 2 : HASH_MIN;

	tab.v = calloc(cap, sizeof(*tab.v));
	if (!tab.v) {
		fprintf(stderr, "sip_capture: out of memory\n");
		exit(1);
	}
	tab.cap = cap;
	tab.len = 0;
	for (size_t i = 0; i < old.cap; i++) {
		const struct entry *e = &old.v[i];
		size_t j;

		if (!e->user[0])
			continue;
		for (j = hash_str(e->user) & (cap - 1); tab.v[j].user[0];
		     j = (j + 1) & (cap - 1))
			;
		tab.v[j] = *e;
		tab.len++;
	}
	free(old.v);
}

static struct entry *table_get(const char *user)
{
	size_t j;

	if ((tab.len + 1) * 2 > tab.cap)
		table_grow();
	for (j = hash_str(user) & (tab.cap - 1); tab.v[j].user[0];
	     j = (j + 1) & (tab.cap - 1)) {
		if (!strcmp(tab.v[j].user, user))
			return &tab.v[j];
	}
	strcpy(tab.v[j].user, user);
	tab.len++;
	return &tab.v[j];
}


/* --- SIP, just enough ---------------------------------------------------- */

/* The value of header name (or its compact form) in msg[0..len), or NULL */
static const char *header_find(const char *msg, size_t len,
			       const char *name, char compact, size_t *vlen)
{
	const char *p = msg, *end = msg + len;
	size_t nl = strlen(name);

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *v = NULL;

		if (!eol)
			eol = end;
		if (eol - p <= 2)
			return NULL;      /* end of the headers */
		if ((size_t)(eol - p) > nl && !strncasecmp(p, name, nl) &&
		    (p[nl] == ':' || p[nl] == ' '))
			v = p + nl;
		else if (compact && (p[0] == compact ||
				     p[0] == compact - 32) &&
			 (p[1] == ':' || p[1] == ' '))
			v = p + 1;
		if (v) {
			while (v < eol && (*v == ' ' || *v == ':'))
				v++;
			*vlen = (size_t)(eol - v);
			if (*vlen && v[*vlen - 1] == '\r')
				(*vlen)--;
			return v;
		}
		p = eol + 1;
	}
	return NULL;
}

/* The user part of the From URI into user; false if there is none */
static bool from_user(const char *msg, size_t len, char user[USER_MAX])
{
	size_t vlen, n = 0;
	const char *v = header_find(msg, len, "From", 'f', &vlen);
	const char *sip, *end;

	if (!v)
		return false;
	end = v + vlen;
	sip = memmem(v, vlen, "sip:", 4);
	if (!sip)
		return false;
	for (sip += 4; sip < end && *sip != '@' && *sip != '>' &&
	     *sip != ';' && n + 1 < USER_MAX; sip++)
		user[n++] = *sip;
	user[n] = '\0';
	return n > 0 && sip < end && *sip == '@';
}

/* Which timed kind msg is, or -1 */
static int classify(const char *msg, size_t len)
{
	size_t vlen;
	const char *cseq;

	if (len > 7 && !memcmp(msg, "INVITE ", 7))
		return K_INVITE;
	if (len > 4 && !memcmp(msg, "BYE ", 4))
		return K_BYE;
	if (len > 12 && !memcmp(msg, "SIP/2.0 200 ", 12)) {
		cseq = header_find(msg, len, "CSeq", 0, &vlen);
		if (cseq && memmem(cseq, vlen, "INVITE", 6))
			return K_ANSWER;
	}
	return -1;
}

/* One UDP payload seen at t_ns; in: sent to the B2BUA's port */
static void sip_take(const char *msg, size_t len, bool in, uint64_t t_ns)
{
	char user[USER_MAX];
	struct entry *e;
	int k = classify(msg, len);
	uint64_t *slot;

	sip_msgs++;
	if (k < 0 || !from_user(msg, len, user))
		return;

	e = table_get(user);
	slot = in ? &e->in_ns[k] : &e->out_ns[k];
	if (*slot)
		return;                   /* a retransmission */
	*slot = t_ns;
	if (e->in_ns[k] && e->out_ns[k])
		pairs[k]++;
}

/* An IPv4 datagram from the tap (the filter let only UDP to/from P by) */
static void packet_take(const uint8_t *ip, size_t len, uint64_t t_ns)
{
	size_t ihl;
	uint16_t dport;

	packets++;
	if (len < 20 || (ip[0] >> 4) != 4)
		return;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (len < ihl + 8)
		return;
	dport = (uint16_t)(ip[ihl + 2] << 8 | ip[ihl + 3]);
	sip_take((const char *)ip + ihl + 8, len - ihl - 8, dport == o.port,
		 t_ns);
}


/* --- capture ------------------------------------------------------------- */

/* IPv4, UDP, not a later fragment, source or destination port P */
static int filter_attach(int fd, unsigned port)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 8),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 6, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 2, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, PKT_MAX),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = {
		.len = sizeof(code) / sizeof(code[0]),
		.filter = code,
	};

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
			  sizeof(prog));
}

static int tap_open(void)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int fd, on = 1, sz = 8 << 20;

	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (fd < 0) {
		fprintf(stderr, "sip_capture: AF_PACKET: %s (needs "
			"CAP_NET_RAW)\n", strerror(errno));
		return -1;
	}
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = (int)if_nametoindex("lo");
	if (!sll.sll_ifindex || filter_attach(fd, o.port) ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		fprintf(stderr, "sip_capture: lo: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return fd;
}

/* Read every queued packet; its kernel timestamp is the time */
static void tap_read(int fd)
{
	static uint8_t buf[PKT_MAX];
	char ctl[256];

	for (;;) {
		struct sockaddr_ll from;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = {
			.msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl, .msg_controllen = sizeof(ctl),
		};
		struct cmsghdr *cm;
		uint64_t t_ns = 0;
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

		if (n < 0)
			return;
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;     /* the same packet comes back as input */
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_TIMESTAMPNS) {
				struct timespec ts;

				memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
				t_ns = (uint64_t)ts.tv_sec * 1000000000u +
					(uint64_t)ts.tv_nsec;
			}
		}
		if (t_ns)
			packet_take(buf, (size_t)n, t_ns);
	}
}


/* --- results ------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(const uint64_t *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(p / 100.0 * (double)n + 0.5);
	if (i)
		i--;
	if (i >= n)
		i = n - 1;
	return (double)v[i] / 1e6;
}

/* One JSON line: from each call's message ki in to its message ko out */
static void report_pair(const char *name, enum kind ki, enum kind ko)
{
	uint64_t *v = malloc((tab.len + 1) * sizeof(*v));
	size_t n = 0, in_only = 0, out_only = 0;

	if (!v)
		exit(1);
	for (size_t i = 0; i < tab.cap; i++) {
		const struct entry *e = &tab.v[i];

		if (!e->user[0])
			continue;
		if (e->in_ns[ki] && e->out_ns[ko] &&
		    e->out_ns[ko] >= e->in_ns[ki])
			v[n++] = e->out_ns[ko] - e->in_ns[ki];
		else if (e->in_ns[ki] && !e->out_ns[ko])
			in_only++;
		else if (e->out_ns[ko] && !e->in_ns[ki])
			out_only++;
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("{\"kind\":\"%s\",\"pairs\":%zu,\"in_only\":%zu,"
	       "\"out_only\":%zu,\"ms\":{\"min\":%.3f,\"p50\":%.3f,"
	       "\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f}}\n",
	       name, n, in_only, out_only,
	       n ? (double)v[0] / 1e6 : 0, pct(v, n, 50), pct(v, n, 90),
	       pct(v, n, 99), n ? (double)v[n - 1] / 1e6 : 0);
	free(v);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	double end;
	int fd;

	parse_opts(argc, argv);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;   /* no SA_RESTART: poll returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	fd = tap_open();
	if (fd < 0)
		return 1;
	table_grow();
	fprintf(stderr, "sip_capture: lo, udp port %u\n", o.port);

	end = o.duration > 0 ? now_s() + o.duration : 0;
	while (!stop && (!end || now_s() < end) &&
	       (!o.max || pairs[K_INVITE] < o.max)) {
		struct pollfd pfd = { fd, POLLIN, 0 };

		if (poll(&pfd, 1, 100) > 0)
			tap_read(fd);
	}
	tap_read(fd);

	fprintf(stderr, "sip_capture: %lu packets, %lu SIP messages, %zu "
		"From users\n", packets, sip_msgs, tab.len);
	for (int k = 0; k < K_COUNT; k++)
		report_pair(kind_name[k], (enum kind)k, (enum kind)k);
	report_pair("pickup", K_INVITE, K_ANSWER);
	return 0;
}

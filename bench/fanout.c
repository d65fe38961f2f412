/** @file bench/fanout.c  WebSocket fan-out benchmark client (one thread, libre loop)
 *
 * Contact-center shape: N agent subscribers, each on its own topic
 * agent:bench<i>, plus S supervisors on agent:*. A publisher POSTs custom
 * events to /api/v1/events in batches every 10 ms at a fixed rate, spread
 * round-robin over the agent topics; each event's data carries
 * {"t": CLOCK_REALTIME ns at publish, "i": index}. Every subscriber scans
 * the received frame for "t" and records the latency in a log-linear
 * histogram (microsecond buckets). Bounded: connect (<= 30 s), warm-up,
 * measured window, drain (<= 5 s), close (<= 2 s).
 *
 * The client side of RFC 6455 is ours and minimal: one fixed
 * Sec-WebSocket-Key (the RFC's sample) whose accept value is checked, an
 * unmasked-frame parser, masked pong and close frames. No allocation per
 * message: frames are parsed in place in libre's receive buffer, a frame
 * split across reads is reassembled in a per-connection buffer.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <re.h>


enum {
	TICK_MS        = 10,
	PAY_MAX        = 2048,    /* payload bytes kept of a split frame */
	HS_MAX         = 2048,    /* handshake response bytes */
	BATCH_MAX      = 1000,    /* events per POST (contract limit) */
	EVENT_MAXLEN   = 160,     /* bytes of one formatted event, bound */
	REQ_HDR_ROOM   = 1024,
	RSP_HDR_MAX    = 4096,
	CONNECT_MAX_S  = 30,
	DRAIN_MAX_S    = 5,
	CLOSE_MAX_S    = 2,
	HIST_LIN       = 1024,    /* 0..1023 us: one bucket per us */
	HIST_SUB       = 512,     /* then 512 buckets per power of two */
	HIST_EXP       = 30,
	HIST_N         = HIST_LIN + HIST_EXP * HIST_SUB,
};

/* RFC 6455 section 1.3 sample key and its accept value */
static const char ws_key[]    = "dGhlIHNhbXBsZSBub25jZQ==";
static const char ws_accept[] = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
static const uint8_t mask_key[4] = {0x37, 0xfa, 0x21, 0x3d};

enum phase { PH_CONNECT, PH_RUN, PH_DRAIN, PH_CLOSE, PH_DONE };

enum sub_state { SUB_IDLE, SUB_HANDSHAKE, SUB_OPEN, SUB_CLOSING,
		 SUB_CLOSED };

struct sub {
	struct tcp_conn *tc;       /* owned */
	uint32_t idx;              /* agent index; supervisors: unused */
	bool sup;
	bool counted;              /* open when publishing started */
	enum sub_state state;
	char hs[HS_MAX];           /* handshake response so far */
	size_t hslen;
	uint8_t hdr[14];           /* frame header of a split frame */
	size_t hdrlen;
	bool inpay;                /* inside the payload of a split frame */
	uint64_t payleft;
	size_t paylen;             /* bytes kept in pay */
	uint8_t pay[PAY_MAX];
	uint64_t last_seq;
};

struct pub {
	struct tcp_conn *tc;       /* owned */
	bool open;
	bool busy;                 /* one request in flight */
	char *buf;                 /* owned: request buffer, reused */
	size_t bufsz;
	char rsp[RSP_HDR_MAX];     /* response header so far */
	size_t rsplen;
	bool inbody;
	uint64_t bodyleft;
	int status;
	uint32_t nev;
	uint64_t sent_ns;
};

struct cpu_snap {
	uint64_t daemon_ticks;     /* utime + stime, clock ticks */
	uint64_t self_us;          /* own utime + stime */
	uint64_t box_busy, box_total;
	uint64_t mono_ns;
	uint64_t rx;
};

struct cfg {
	struct sa peer;
	char hostport[64];
	const char *token;
	int pid;
	uint32_t agents, sups, rate, seconds, warmup, pubconns, conc;
};

struct bench {
	struct cfg c;
	struct sub *subs;          /* agents first, then supervisors */
	uint32_t nsubs;
	struct pub *pubs;
	struct tmr tick;
	enum phase phase;
	uint64_t phase_ns;         /* monotonic start of the phase */
	uint32_t next_connect, connecting, nopen, nfailed;
	uint32_t nsup_counted;
	bool *agent_counted;       /* owned; by agent index */
	/* publishing */
	uint64_t run_ns;           /* monotonic t0 of publishing */
	uint64_t generated;        /* events handed to POSTs */
	uint64_t exp_total;        /* deliveries expected, all events */
	uint64_t max_backlog;
	uint64_t posts, post_errors, post_rtt_sum, post_rtt_max;
	uint64_t events_acked;
	bool measuring, measured;
	uint64_t m_first, m_end;   /* measured event indexes [first, end) */
	struct cpu_snap s0, s1;
	uint64_t rss0_kb, rss_conn_kb, rss1_kb, hwm1_kb;
	double connect_s;
	/* receiving */
	uint16_t *count;           /* owned; deliveries per event index */
	uint64_t evcap;
	uint64_t rx, rx_other, rx_bad_index, wrong_topic, seq_regress;
	uint64_t split_frames, fragmented, oversize, pings;
	uint64_t closes_by_code[16];
	uint32_t closes;
	char first_close[128];
	char first_fail[160];
	uint64_t hist_agent[HIST_N], hist_sup[HIST_N];
	uint64_t lat_max_us;
	bool interrupted;
};

static struct bench B;


static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}


static uint64_t mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}


/* ---- histogram: exact below 1024 us, then 512 sub-buckets per octave */

static unsigned hist_index(uint64_t us)
{
	unsigned shift, idx;

	if (us < HIST_LIN)
		return (unsigned)us;

	shift = (unsigned)(63 - __builtin_clzll(us)) - 9;
	idx = HIST_LIN + (shift - 1) * HIST_SUB
		+ (unsigned)((us >> shift) - HIST_SUB);

	return idx < HIST_N ? idx : HIST_N - 1;
}


/* middle of bucket idx, in us */
static uint64_t hist_value(unsigned idx)
{
	unsigned shift;
	uint64_t sub;

	if (idx < HIST_LIN)
		return idx;

	shift = (idx - HIST_LIN) / HIST_SUB + 1;
	sub = (idx - HIST_LIN) % HIST_SUB + HIST_SUB;

	return (sub << shift) + ((1ull << shift) >> 1);
}


static uint64_t hist_total(const uint64_t *h)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < HIST_N; i++)
		n += h[i];

	return n;
}


/* q in [0,1]; value in us of the sample at rank ceil(q * n) */
static uint64_t hist_quantile(const uint64_t *h, double q)
{
	uint64_t n = hist_total(h), rank, cum = 0;

	if (!n)
		return 0;

	rank = (uint64_t)(q * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;

	for (unsigned i = 0; i < HIST_N; i++) {
		cum += h[i];
		if (cum >= rank)
			return hist_value(i);
	}

	return hist_value(HIST_N - 1);
}


/* ---- /proc readers */

static int read_file(const char *path, char *buf, size_t sz)
{
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return errno;

	n = read(fd, buf, sz - 1);
	close(fd);
	if (n < 0)
		return EIO;

	buf[n] = '\0';
	return 0;
}


/* utime + stime of pid in clock ticks (fields 14 and 15) */
static uint64_t proc_cpu_ticks(int pid)
{
	char path[64], buf[1024];
	unsigned long long ut = 0, st = 0;
	const char *p;

	if (pid <= 0)
		return 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, buf, sizeof(buf)))
		return 0;

	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
			 "%*u %llu %llu", &ut, &st) != 2)
		return 0;

	return ut + st;
}


static uint64_t proc_status_kb(int pid, const char *key)
{
	char path[64], buf[4096];
	const char *p;

	if (pid <= 0)
		return 0;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_file(path, buf, sizeof(buf)))
		return 0;

	p = strstr(buf, key);
	if (!p)
		return 0;

	return strtoull(p + strlen(key), NULL, 10);
}


static void box_cpu(uint64_t *busy, uint64_t *total)
{
	char buf[512];
	unsigned long long v[8] = {0};

	*busy = *total = 0;
	if (read_file("/proc/stat", buf, sizeof(buf)))
		return;

	if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
		   &v[7]) < 5)
		return;

	for (int i = 0; i < 8; i++)
		*total += v[i];

	*busy = *total - v[3] - v[4];  /* minus idle and iowait */
}


static void cpu_snap_take(struct cpu_snap *s)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	s->self_us = (uint64_t)ru.ru_utime.tv_sec * 1000000
		+ (uint64_t)ru.ru_utime.tv_usec
		+ (uint64_t)ru.ru_stime.tv_sec * 1000000
		+ (uint64_t)ru.ru_stime.tv_usec;
	s->daemon_ticks = proc_cpu_ticks(B.c.pid);
	box_cpu(&s->box_busy, &s->box_total);
	s->mono_ns = mono_ns();
	s->rx = B.rx;
}


/* ---- WebSocket client side */

static int send_raw(struct tcp_conn *tc, const void *p, size_t n)
{
	struct mbuf mb = {
		.buf = (uint8_t *)p, .size = n, .pos = 0, .end = n
	};

	return tcp_send(tc, &mb);  /* copies what the kernel did not take */
}


/* a masked client control frame (payload <= 125 bytes) */
static int send_control(struct tcp_conn *tc, uint8_t op,
			const uint8_t *pay, size_t len)
{
	uint8_t f[2 + 4 + 125];

	if (len > 125)
		len = 125;

	f[0] = 0x80 | op;
	f[1] = 0x80 | (uint8_t)len;
	memcpy(f + 2, mask_key, 4);
	for (size_t i = 0; i < len; i++)
		f[6 + i] = pay[i] ^ mask_key[i & 3];

	return send_raw(tc, f, 6 + len);
}


static int send_close(struct tcp_conn *tc, uint16_t code)
{
	uint8_t pay[2] = { (uint8_t)(code >> 8), (uint8_t)code };

	return send_control(tc, 0x8, pay, sizeof(pay));
}


static void sub_shutdown(struct sub *s)
{
	if (s->state == SUB_OPEN || s->state == SUB_CLOSING)
		--B.nopen;

	s->tc = mem_deref(s->tc);
	s->state = SUB_CLOSED;
}


/* value of the JSON number after key (e.g. "\"t\":"); false if absent */
static bool scan_u64(const uint8_t *p, size_t n, const char *key,
		     size_t klen, uint64_t *v)
{
	const uint8_t *q = memmem(p, n, key, klen), *end = p + n;
	uint64_t x = 0;

	if (!q)
		return false;

	q += klen;
	while (q < end && *q == ' ')
		++q;

	if (q == end || *q < '0' || *q > '9')
		return false;

	while (q < end && *q >= '0' && *q <= '9')
		x = x * 10 + (uint64_t)(*q++ - '0');

	*v = x;
	return true;
}


static void on_event(struct sub *s, const uint8_t *p, size_t n,
		     uint64_t now)
{
	uint64_t t, i, seq, us;

	if (!scan_u64(p, n, "\"t\":", 4, &t) ||
	    !scan_u64(p, n, "\"i\":", 4, &i)) {
		++B.rx_other;
		return;
	}

	if (scan_u64(p, n, "\"seq\":", 6, &seq)) {
		if (seq <= s->last_seq)
			++B.seq_regress;
		s->last_seq = seq;
	}

	++B.rx;
	if (i >= B.generated) {
		++B.rx_bad_index;
		return;
	}

	if (B.count[i] < UINT16_MAX)
		++B.count[i];

	if (!s->sup && i % B.c.agents != s->idx)
		++B.wrong_topic;

	if (!B.measuring && !B.measured)
		return;

	if (i < B.m_first)
		return;

	us = now > t ? (now - t) / 1000 : 0;
	if (us > B.lat_max_us)
		B.lat_max_us = us;

	++(s->sup ? B.hist_sup : B.hist_agent)[hist_index(us)];
}


static void on_close_frame(struct sub *s, const uint8_t *p, size_t n)
{
	uint16_t code = n >= 2 ? (uint16_t)(p[0] << 8 | p[1]) : 1005;

	if (s->state == SUB_CLOSING) {   /* the answer to our close */
		sub_shutdown(s);
		return;
	}

	++B.closes;
	++B.closes_by_code[code >= 1000 && code < 1016 ? code - 1000 : 15];
	if (!B.first_close[0])
		snprintf(B.first_close, sizeof(B.first_close),
			 "%s %u: code %u \"%.*s\"", s->sup ? "supervisor"
			 : "agent", s->idx, code,
			 n > 2 ? (int)min(n - 2, (size_t)80) : 0,
			 n > 2 ? (const char *)p + 2 : "");

	(void)send_close(s->tc, code == 1005 ? 1000 : code);
	sub_shutdown(s);
}


/* one complete frame; returns false if the connection is gone */
static bool on_frame(struct sub *s, uint8_t b0, const uint8_t *p,
		     size_t n, uint64_t now)
{
	uint8_t op = b0 & 0x0f;

	switch (op) {

	case 0x1:
		if (!(b0 & 0x80))
			++B.fragmented;
		else
			on_event(s, p, n, now);
		break;

	case 0x0:
		++B.fragmented;
		break;

	case 0x8:
		on_close_frame(s, p, n);
		return false;

	case 0x9:
		++B.pings;
		(void)send_control(s->tc, 0xa, p, n);
		break;

	default:  /* binary, pong: not expected, ignored */
		break;
	}

	return true;
}


/* header length and payload length if hdr[0..n) holds a whole header */
static bool frame_header(const uint8_t *h, size_t n, size_t *hl,
			 uint64_t *plen)
{
	uint8_t l7;
	size_t need;

	if (n < 2)
		return false;

	l7 = h[1] & 0x7f;
	need = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0)
		+ ((h[1] & 0x80) ? 4 : 0);   /* servers must not mask */
	if (n < need)
		return false;

	if (l7 == 126)
		*plen = (uint64_t)h[2] << 8 | h[3];
	else if (l7 == 127) {
		*plen = 0;
		for (int i = 0; i < 8; i++)
			*plen = *plen << 8 | h[2 + i];
	}
	else
		*plen = l7;

	*hl = need;
	return true;
}


/* slow path: bytes of a frame split across reads; returns bytes used */
static size_t feed_split(struct sub *s, const uint8_t *p, size_t n,
			 uint64_t now, bool *alive)
{
	size_t used = 0, hl, take;
	uint64_t plen;

	*alive = true;
	if (!s->hdrlen && !s->inpay)
		++B.split_frames;

	while (!s->inpay && used < n) {
		s->hdr[s->hdrlen++] = p[used++];
		if (frame_header(s->hdr, s->hdrlen, &hl, &plen)) {
			s->inpay = true;
			s->payleft = plen;
			s->paylen = 0;
			if (plen > PAY_MAX)
				++B.oversize;
		}
	}

	if (!s->inpay)
		return used;

	take = (size_t)min((uint64_t)(n - used), s->payleft);
	if (s->paylen < PAY_MAX) {
		size_t keep = min(take, (size_t)PAY_MAX - s->paylen);

		memcpy(s->pay + s->paylen, p + used, keep);
		s->paylen += keep;
	}
	used += take;
	s->payleft -= take;

	if (!s->payleft) {
		s->inpay = false;
		s->hdrlen = 0;
		*alive = on_frame(s, s->hdr[0], s->pay, s->paylen, now);
	}

	return used;
}


static void sub_feed(struct sub *s, const uint8_t *p, size_t n,
		     uint64_t now)
{
	size_t hl, used;
	uint64_t plen;
	bool alive = true;

	while (n && alive) {
		if (!s->hdrlen && !s->inpay && frame_header(p, n, &hl, &plen)
		    && plen <= n - hl) {
			alive = on_frame(s, p[0], p + hl, (size_t)plen, now);
			p += hl + plen;
			n -= hl + (size_t)plen;
			continue;
		}

		used = feed_split(s, p, n, now, &alive);
		p += used;
		n -= used;
	}
}


static void connect_next(void);


/* the subscriber never opened: count it, start the next one */
static void sub_fail(struct sub *s, const char *why)
{
	--B.connecting;
	++B.nfailed;
	if (!B.first_fail[0])
		snprintf(B.first_fail, sizeof(B.first_fail), "%s %u: %s",
			 s->sup ? "supervisor" : "agent", s->idx, why);

	s->tc = mem_deref(s->tc);
	s->state = SUB_CLOSED;
	connect_next();
}


static void sub_handshake(struct sub *s, const uint8_t *p, size_t n,
			  uint64_t now)
{
	size_t prev = s->hslen, take = min(n, (size_t)HS_MAX - 1 - prev);
	char why[128];
	char *end;
	size_t off;

	memcpy(s->hs + prev, p, take);
	s->hslen += take;
	s->hs[s->hslen] = '\0';

	end = strstr(s->hs, "\r\n\r\n");
	if (!end) {
		if (s->hslen == HS_MAX - 1)
			sub_fail(s, "upgrade response head too long");
		return;
	}

	if (strncmp(s->hs, "HTTP/1.1 101", 12) || !strstr(s->hs, ws_accept)) {
		snprintf(why, sizeof(why), "upgrade refused: %.*s",
			 (int)strcspn(s->hs, "\r\n"), s->hs);
		sub_fail(s, why);
		return;
	}

	--B.connecting;
	s->state = SUB_OPEN;
	++B.nopen;
	connect_next();

	/* bytes after the 101 head are already frames */
	off = (size_t)(end + 4 - s->hs) - prev;
	if (off < n)
		sub_feed(s, p + off, n - off, now);
}


static void sub_recv_handler(struct mbuf *mb, void *arg)
{
	struct sub *s = arg;
	uint64_t now = clock_ns(CLOCK_REALTIME);

	if (s->state == SUB_HANDSHAKE)
		sub_handshake(s, mbuf_buf(mb), mbuf_get_left(mb), now);
	else if (s->state == SUB_OPEN || s->state == SUB_CLOSING)
		sub_feed(s, mbuf_buf(mb), mbuf_get_left(mb), now);
}


static void sub_estab_handler(void *arg)
{
	struct sub *s = arg;
	char req[512];
	int n;

	if (s->sup)
		n = snprintf(req, sizeof(req), "GET /api/v1/stream?topics="
			     "agent:* HTTP/1.1\r\n");
	else
		n = snprintf(req, sizeof(req), "GET /api/v1/stream?topics="
			     "agent:bench%u HTTP/1.1\r\n", s->idx);

	n += snprintf(req + n, sizeof(req) - (size_t)n,
		      "Host: %s\r\nAuthorization: Bearer %s\r\n"
		      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		      "Sec-WebSocket-Key: %s\r\n"
		      "Sec-WebSocket-Version: 13\r\n\r\n",
		      B.c.hostport, B.c.token, ws_key);

	if (n >= (int)sizeof(req) || send_raw(s->tc, req, (size_t)n))
		sub_fail(s, "cannot send the upgrade request");
}


static void sub_close_handler(int err, void *arg)
{
	struct sub *s = arg;

	if (s->state == SUB_HANDSHAKE) {
		char why[96];

		snprintf(why, sizeof(why), "closed before 101 (%s)",
			 err ? strerror(err) : "EOF");
		sub_fail(s, why);
		return;
	}

	if (s->state == SUB_OPEN) {
		++B.closes;
		++B.closes_by_code[15];
		if (!B.first_close[0])
			snprintf(B.first_close, sizeof(B.first_close),
				 "%s %u: TCP closed without close frame (%s)",
				 s->sup ? "supervisor" : "agent", s->idx,
				 err ? strerror(err) : "EOF");
	}

	sub_shutdown(s);
}


static void connect_next(void)
{
	while (B.phase == PH_CONNECT && B.next_connect < B.nsubs &&
	       B.connecting < B.c.conc) {
		struct sub *s = &B.subs[B.next_connect++];
		int err;

		s->state = SUB_HANDSHAKE;
		++B.connecting;
		err = tcp_connect(&s->tc, &B.c.peer, sub_estab_handler,
				  sub_recv_handler, sub_close_handler, s);
		if (err) {
			--B.connecting;
			++B.nfailed;
			s->state = SUB_CLOSED;
			if (!B.first_fail[0])
				snprintf(B.first_fail, sizeof(B.first_fail),
					 "tcp_connect: %s", strerror(err));
			continue;
		}

		if (s->sup)
			tcp_conn_rxsz_set(s->tc, 65536);
	}
}


/* ---- publisher: POST /api/v1/events over keep-alive HTTP/1.1 */

static size_t format_batch(char *p, uint32_t nev, uint64_t first,
			   uint64_t t)
{
	size_t n = 0;

	n += (size_t)sprintf(p, "{\"events\":[");
	for (uint32_t k = 0; k < nev; k++) {
		uint64_t i = first + k;

		n += (size_t)sprintf(p + n, "%s{\"type\":\"custom.bench\","
				     "\"topics\":[\"agent:bench%" PRIu64 "\"],"
				     "\"data\":{\"t\":%" PRIu64 ",\"i\":%"
				     PRIu64 "}}", k ? "," : "",
				     i % B.c.agents, t, i);
	}
	n += (size_t)sprintf(p + n, "]}");

	return n;
}


static void pub_send(struct pub *pb, uint32_t nev)
{
	char hdr[REQ_HDR_ROOM];
	char *body = pb->buf + REQ_HDR_ROOM;
	uint64_t t = clock_ns(CLOCK_REALTIME);
	size_t blen = format_batch(body, nev, B.generated, t);
	int hl;

	hl = snprintf(hdr, sizeof(hdr), "POST /api/v1/events HTTP/1.1\r\n"
		      "Host: %s\r\nAuthorization: Bearer %s\r\n"
		      "Content-Type: application/json\r\n"
		      "Content-Length: %zu\r\n\r\n",
		      B.c.hostport, B.c.token, blen);

	memcpy(body - hl, hdr, (size_t)hl);   /* header right before body */

	for (uint32_t k = 0; k < nev; k++) {
		uint64_t i = B.generated + k;

		B.exp_total += B.nsup_counted
			+ (B.agent_counted[i % B.c.agents] ? 1 : 0);
	}
	B.generated += nev;
	pb->nev = nev;
	pb->busy = true;
	pb->sent_ns = mono_ns();
	pb->rsplen = 0;
	pb->inbody = false;
	++B.posts;

	if (send_raw(pb->tc, body - hl, (size_t)hl + blen)) {
		++B.post_errors;
		pb->busy = false;
	}
}


static void pub_response_done(struct pub *pb)
{
	uint64_t rtt = mono_ns() - pb->sent_ns;

	pb->busy = false;
	B.post_rtt_sum += rtt;
	if (rtt > B.post_rtt_max)
		B.post_rtt_max = rtt;

	if (pb->status == 202)
		B.events_acked += pb->nev;
	else
		++B.post_errors;
}


/* parse the response head once complete; false if malformed */
static bool pub_head(struct pub *pb, size_t *hlen)
{
	char *end, *cl;

	pb->rsp[pb->rsplen] = '\0';
	end = strstr(pb->rsp, "\r\n\r\n");
	if (!end)
		return pb->rsplen < RSP_HDR_MAX - 1;

	*hlen = (size_t)(end + 4 - pb->rsp);
	pb->status = atoi(pb->rsp + 9);
	cl = strcasestr(pb->rsp, "\r\ncontent-length:");
	pb->bodyleft = cl ? strtoull(cl + 17, NULL, 10) : 0;
	pb->inbody = true;

	if (pb->status != 202 && !B.first_fail[0])
		snprintf(B.first_fail, sizeof(B.first_fail),
			 "POST /api/v1/events: %.*s", (int)strcspn(pb->rsp,
			 "\r\n"), pb->rsp);
	return true;
}


static void pub_recv_handler(struct mbuf *mb, void *arg)
{
	struct pub *pb = arg;
	const uint8_t *p = mbuf_buf(mb);
	size_t n = mbuf_get_left(mb);

	while (n) {
		if (!pb->inbody) {
			size_t take = min(n, (size_t)RSP_HDR_MAX - 1
					  - pb->rsplen), hlen = 0, before;

			before = pb->rsplen;
			memcpy(pb->rsp + pb->rsplen, p, take);
			pb->rsplen += take;
			if (!pub_head(pb, &hlen)) {
				pb->tc = mem_deref(pb->tc);
				pb->open = false;
				++B.post_errors;
				return;
			}
			if (!pb->inbody)
				return;
			p += hlen - before;
			n -= hlen - before;
		}

		size_t skip = (size_t)min((uint64_t)n, pb->bodyleft);

		p += skip;
		n -= skip;
		pb->bodyleft -= skip;
		if (!pb->bodyleft) {
			pb->inbody = false;
			pb->rsplen = 0;
			pub_response_done(pb);
		}
	}
}


static void pub_estab_handler(void *arg)
{
	struct pub *pb = arg;

	pb->open = true;
}


static void pub_close_handler(int err, void *arg)
{
	struct pub *pb = arg;

	if (pb->busy)
		++B.post_errors;
	if (!B.first_fail[0])
		snprintf(B.first_fail, sizeof(B.first_fail),
			 "publisher connection closed (%s)",
			 err ? strerror(err) : "EOF");

	pb->busy = false;
	pb->open = false;
	pb->tc = mem_deref(pb->tc);
}


static int pub_open(struct pub *pb)
{
	pb->bufsz = REQ_HDR_ROOM + 32 + (size_t)BATCH_MAX * EVENT_MAXLEN;
	pb->buf = mem_alloc(pb->bufsz, NULL);
	if (!pb->buf)
		return ENOMEM;

	return tcp_connect(&pb->tc, &B.c.peer, pub_estab_handler,
			   pub_recv_handler, pub_close_handler, pb);
}


/* hand the events due by now to idle publisher connections */
static void publish_due(uint64_t now)
{
	uint64_t target = (now - B.run_ns) * B.c.rate / 1000000000ull;

	if (target > B.evcap)
		target = B.evcap;

	for (uint32_t k = 0; k < B.c.pubconns && B.generated < target; k++) {
		struct pub *pb = &B.pubs[k];
		uint64_t due = target - B.generated;

		if (!pb->open || pb->busy)
			continue;

		pub_send(pb, (uint32_t)min(due, (uint64_t)BATCH_MAX));
	}

	if (target > B.generated && target - B.generated > B.max_backlog)
		B.max_backlog = target - B.generated;
}


/* ---- phases, driven by one 10 ms timer */

static void phase_set(enum phase ph)
{
	B.phase = ph;
	B.phase_ns = mono_ns();
}


static void start_run(void)
{
	uint32_t nagents_ok = 0;

	for (uint32_t k = 0; k < B.nsubs; k++) {
		struct sub *s = &B.subs[k];

		s->counted = s->state == SUB_OPEN;
		if (!s->counted)
			continue;
		if (s->sup)
			++B.nsup_counted;
		else {
			B.agent_counted[s->idx] = true;
			++nagents_ok;
		}
	}

	B.connect_s = (double)(mono_ns() - B.phase_ns) / 1e9;
	B.rss_conn_kb = proc_status_kb(B.c.pid, "VmRSS:");
	printf("connect: %u/%u subscribers open in %.2f s (agents %u, "
	       "supervisors %u, failed %u)\n", B.nopen, B.nsubs,
	       B.connect_s, nagents_ok, B.nsup_counted, B.nfailed);
	if (B.first_fail[0])
		printf("connect: first failure: %s\n", B.first_fail);
	fflush(stdout);

	phase_set(PH_RUN);
	B.run_ns = B.phase_ns;
}


static void window_open(void)
{
	B.measuring = true;
	B.m_first = B.generated;
	cpu_snap_take(&B.s0);
}


static void window_close(void)
{
	cpu_snap_take(&B.s1);
	B.rss1_kb = proc_status_kb(B.c.pid, "VmRSS:");
	B.hwm1_kb = proc_status_kb(B.c.pid, "VmHWM:");
	B.m_end = B.generated;
	B.measuring = false;
	B.measured = true;
	phase_set(PH_DRAIN);
}


static void start_close(void)
{
	for (uint32_t k = 0; k < B.nsubs; k++) {
		struct sub *s = &B.subs[k];

		if (s->state == SUB_OPEN) {
			s->state = SUB_CLOSING;
			if (send_close(s->tc, 1000))
				sub_shutdown(s);
		}
		else if (s->state == SUB_HANDSHAKE) {
			s->tc = mem_deref(s->tc);
			s->state = SUB_CLOSED;
		}
	}

	for (uint32_t k = 0; k < B.c.pubconns; k++)
		B.pubs[k].tc = mem_deref(B.pubs[k].tc);

	phase_set(PH_CLOSE);
}


static bool pubs_ready(void)
{
	for (uint32_t k = 0; k < B.c.pubconns; k++)
		if (!B.pubs[k].open)
			return false;
	return true;
}


static bool pubs_idle(void)
{
	for (uint32_t k = 0; k < B.c.pubconns; k++)
		if (B.pubs[k].busy)
			return false;
	return true;
}


static void tick_handler(void *arg)
{
	uint64_t now = mono_ns(), el = now - B.phase_ns;
	uint64_t w = (uint64_t)B.c.warmup * 1000000000ull;
	uint64_t d = (uint64_t)B.c.seconds * 1000000000ull;
	(void)arg;

	if (B.interrupted && B.phase < PH_CLOSE) {
		if (B.measuring)
			window_close();
		start_close();
	}

	switch (B.phase) {

	case PH_CONNECT:
		if (!B.connecting && B.next_connect == B.nsubs && !B.nopen) {
			start_close();   /* nothing to measure */
			break;
		}
		if ((!B.connecting && B.next_connect == B.nsubs &&
		     pubs_ready()) || el > CONNECT_MAX_S * 1000000000ull)
			start_run();
		break;

	case PH_RUN:
		if (!B.measuring && el >= w)
			window_open();
		if (el >= w + d) {
			window_close();
			break;
		}
		publish_due(now);
		break;

	case PH_DRAIN:
		if ((B.rx >= B.exp_total && pubs_idle()) ||
		    el > DRAIN_MAX_S * 1000000000ull)
			start_close();
		break;

	case PH_CLOSE:
		if (!B.nopen || el > CLOSE_MAX_S * 1000000000ull) {
			for (uint32_t k = 0; k < B.nsubs; k++)
				sub_shutdown(&B.subs[k]);
			phase_set(PH_DONE);
			re_cancel();
			return;
		}
		break;

	case PH_DONE:
		return;
	}

	tmr_start(&B.tick, TICK_MS, tick_handler, NULL);
}


static void signal_handler(int sig)
{
	(void)sig;
	B.interrupted = true;
}


/* ---- report */

static void report_latency(void)
{
	static uint64_t all[HIST_N];
	uint64_t n;

	for (unsigned i = 0; i < HIST_N; i++)
		all[i] = B.hist_agent[i] + B.hist_sup[i];

	n = hist_total(all);
	printf("latency ms:      p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f"
	       "  (samples %" PRIu64 ")\n",
	       hist_quantile(all, 0.5) / 1e3, hist_quantile(all, 0.99) / 1e3,
	       hist_quantile(all, 0.999) / 1e3, B.lat_max_us / 1e3, n);
	printf("  agents:        p50 %.3f  p99 %.3f  p99.9 %.3f\n",
	       hist_quantile(B.hist_agent, 0.5) / 1e3,
	       hist_quantile(B.hist_agent, 0.99) / 1e3,
	       hist_quantile(B.hist_agent, 0.999) / 1e3);
	printf("  supervisors:   p50 %.3f  p99 %.3f  p99.9 %.3f\n",
	       hist_quantile(B.hist_sup, 0.5) / 1e3,
	       hist_quantile(B.hist_sup, 0.99) / 1e3,
	       hist_quantile(B.hist_sup, 0.999) / 1e3);
}


static void report_deliveries(double secs)
{
	uint64_t exp = 0, got = 0, lost = 0, dup = 0;

	for (uint64_t i = B.m_first; i < B.m_end; i++) {
		uint64_t e = B.nsup_counted
			+ (B.agent_counted[i % B.c.agents] ? 1 : 0);

		exp += e;
		got += B.count[i];
		if (B.count[i] < e)
			lost += e - B.count[i];
		else
			dup += B.count[i] - e;
	}

	printf("deliveries:      %" PRIu64 " of %" PRIu64 " expected "
	       "(%.0f/s); lost %" PRIu64 ", duplicates %" PRIu64 "\n",
	       got, exp, (double)got / secs, lost, dup);
	printf("  in window:     %.0f frames/s received; wrong topic %"
	       PRIu64 ", seq regressions %" PRIu64 ", other frames %" PRIu64
	       ", bad index %" PRIu64 "\n",
	       (double)(B.s1.rx - B.s0.rx) / secs, B.wrong_topic,
	       B.seq_regress, B.rx_other, B.rx_bad_index);
	printf("  frames:        split across reads %" PRIu64 ", fragmented "
	       "%" PRIu64 ", over %u B %" PRIu64 ", pings %" PRIu64 "\n",
	       B.split_frames, B.fragmented, PAY_MAX, B.oversize, B.pings);
}


static void report_closes(void)
{
	printf("server closes:   %u", B.closes);
	for (unsigned c = 0; c < 15; c++)
		if (B.closes_by_code[c])
			printf("  [%u]=%" PRIu64, 1000 + c, B.closes_by_code[c]);
	if (B.closes_by_code[15])
		printf("  [other/tcp]=%" PRIu64, B.closes_by_code[15]);
	printf("\n");
	if (B.first_close[0])
		printf("  first:         %s\n", B.first_close);
}


static void report_cpu(double secs)
{
	double hz = (double)sysconf(_SC_CLK_TCK);
	double dcpu = (double)(B.s1.daemon_ticks - B.s0.daemon_ticks)
		/ hz / secs * 100.0;
	double ccpu = (double)(B.s1.self_us - B.s0.self_us) / 1e6 / secs
		* 100.0;
	uint64_t bt = B.s1.box_total - B.s0.box_total;
	double box = bt ? (double)(B.s1.box_busy - B.s0.box_busy) / (double)bt
		* 100.0 * (double)sysconf(_SC_NPROCESSORS_ONLN) : 0;

	if (B.c.pid > 0)
		printf("daemon pid %d:   CPU %.1f%% (100%% = one core), RSS "
		       "%.1f MiB (peak %.1f MiB; %.1f MiB before subscribers, "
		       "%.1f MiB after connect)\n", B.c.pid, dcpu,
		       B.rss1_kb / 1024.0, B.hwm1_kb / 1024.0,
		       B.rss0_kb / 1024.0, B.rss_conn_kb / 1024.0);
	printf("client:          CPU %.1f%%\n", ccpu);
	printf("box:             CPU %.1f%% busy of %ld%%\n", box,
	       sysconf(_SC_NPROCESSORS_ONLN) * 100);
}


/* 0, or EAGAIN if nothing was measured */
static int report(void)
{
	double secs = (double)(B.s1.mono_ns - B.s0.mono_ns) / 1e9;
	uint64_t nev = B.m_end - B.m_first;

	if (!B.measured || secs <= 0) {
		printf("fanout: no measurement (%s)\n", B.first_fail[0]
		       ? B.first_fail : "interrupted");
		return EAGAIN;
	}

	printf("window:          %.2f s after %u s warm-up\n", secs,
	       B.c.warmup);
	printf("published:       %" PRIu64 " events (%.0f/s, target %u/s); "
	       "POSTs %" PRIu64 " (errors %" PRIu64 ", rtt avg %.2f ms, max "
	       "%.2f ms), max backlog %" PRIu64 " events\n", nev,
	       (double)nev / secs, B.c.rate, B.posts, B.post_errors,
	       B.posts ? (double)B.post_rtt_sum / (double)B.posts / 1e6 : 0,
	       (double)B.post_rtt_max / 1e6, B.max_backlog);
	report_deliveries(secs);
	report_latency();
	report_closes();
	report_cpu(secs);
	if (B.first_fail[0])
		printf("first error:     %s\n", B.first_fail);

	return 0;
}


/* ---- setup */

static void usage(void)
{
	fprintf(stderr, "usage: bench_fanout --url http://127.0.0.1:PORT "
		"--token T [--pid PID] [--agents N] [--supervisors S] "
		"[--rate R] [--seconds D] [--warmup W] [--publishers P] "
		"[--concurrency C]\n");
}


static int parse_url(struct cfg *c, const char *url)
{
	const char *hp = url;
	size_t len;

	if (!strncmp(hp, "http://", 7))
		hp += 7;

	len = strcspn(hp, "/");
	if (!len || len >= sizeof(c->hostport))
		return EINVAL;

	memcpy(c->hostport, hp, len);
	c->hostport[len] = '\0';

	return sa_decode(&c->peer, c->hostport, len);
}


static int parse_args(struct cfg *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"url", 1, 0, 'u'}, {"token", 1, 0, 't'}, {"pid", 1, 0, 'p'},
		{"agents", 1, 0, 'a'}, {"supervisors", 1, 0, 's'},
		{"rate", 1, 0, 'r'}, {"seconds", 1, 0, 'd'},
		{"warmup", 1, 0, 'w'}, {"publishers", 1, 0, 'P'},
		{"concurrency", 1, 0, 'c'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}
	};
	const char *url = "http://127.0.0.1:8080";
	int o;

	*c = (struct cfg){ .agents = 1000, .sups = 10, .rate = 10000,
			   .seconds = 10, .warmup = 2, .pubconns = 2,
			   .conc = 64 };
	c->token = getenv("HOTLINE_ADMIN_TOKEN");

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'u': url = optarg; break;
		case 't': c->token = optarg; break;
		case 'p': c->pid = atoi(optarg); break;
		case 'a': c->agents = (uint32_t)atoi(optarg); break;
		case 's': c->sups = (uint32_t)atoi(optarg); break;
		case 'r': c->rate = (uint32_t)atoi(optarg); break;
		case 'd': c->seconds = (uint32_t)atoi(optarg); break;
		case 'w': c->warmup = (uint32_t)atoi(optarg); break;
		case 'P': c->pubconns = (uint32_t)atoi(optarg); break;
		case 'c': c->conc = (uint32_t)atoi(optarg); break;
		default: return EINVAL;
		}
	}

	if (!c->token || !c->agents || !c->rate || !c->seconds ||
	    !c->pubconns || c->pubconns > 16 || !c->conc ||
	    c->sups >= UINT16_MAX)
		return EINVAL;

	return parse_url(c, url);
}


static void raise_nofile(uint32_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;

	rl.rlim_cur = rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < need)
		fprintf(stderr, "fanout: RLIMIT_NOFILE %lu < %u needed\n",
			(unsigned long)rl.rlim_cur, need);
}


static int bench_alloc(void)
{
	uint32_t na = B.c.agents;

	B.nsubs = na + B.c.sups;
	B.subs = mem_zalloc(B.nsubs * sizeof(*B.subs), NULL);
	B.pubs = mem_zalloc(B.c.pubconns * sizeof(*B.pubs), NULL);
	B.agent_counted = mem_zalloc(na * sizeof(bool), NULL);
	/* events never exceed rate x (warm-up + window) + one tick */
	B.evcap = (uint64_t)B.c.rate * (B.c.warmup + B.c.seconds + 1);
	B.count = mem_zalloc(B.evcap * sizeof(*B.count), NULL);
	if (!B.subs || !B.pubs || !B.agent_counted || !B.count)
		return ENOMEM;

	for (uint32_t k = 0; k < B.nsubs; k++) {
		B.subs[k].sup = k >= na;
		B.subs[k].idx = k < na ? k : k - na;
	}

	return 0;
}


static void bench_free(void)
{
	for (uint32_t k = 0; k < B.nsubs; k++)
		B.subs[k].tc = mem_deref(B.subs[k].tc);
	for (uint32_t k = 0; B.pubs && k < B.c.pubconns; k++) {
		B.pubs[k].tc = mem_deref(B.pubs[k].tc);
		B.pubs[k].buf = mem_deref(B.pubs[k].buf);
	}
	B.subs = mem_deref(B.subs);
	B.pubs = mem_deref(B.pubs);
	B.agent_counted = mem_deref(B.agent_counted);
	B.count = mem_deref(B.count);
}


static int bench_start(void)
{
	int err = 0;

	printf("fanout: %s agents %u supervisors %u rate %u/s warm-up %u s "
	       "window %u s publishers %u\n", B.c.hostport, B.c.agents,
	       B.c.sups, B.c.rate, B.c.warmup, B.c.seconds, B.c.pubconns);
	fflush(stdout);

	B.rss0_kb = proc_status_kb(B.c.pid, "VmRSS:");
	phase_set(PH_CONNECT);
	for (uint32_t k = 0; k < B.c.pubconns && !err; k++)
		err = pub_open(&B.pubs[k]);
	connect_next();
	tmr_start(&B.tick, TICK_MS, tick_handler, NULL);

	return err;
}


int main(int argc, char **argv)
{
	uint32_t need;
	int err;

	if (parse_args(&B.c, argc, argv)) {
		usage();
		return 2;
	}

	need = B.c.agents + B.c.sups + B.c.pubconns + 64;
	raise_nofile(need);

	err = libre_init();
	if (err)
		return 1;

	/* libre's default is FD_SETSIZE (1024) fds: size before any fd use */
	(void)fd_setsize((int)max(need + 256, 1024u));
	tmr_init(&B.tick);

	err = bench_alloc();
	if (!err)
		err = bench_start();
	if (!err)
		err = re_main(signal_handler);

	if (err)
		fprintf(stderr, "fanout: %s\n", strerror(err));
	else
		err = report();

	tmr_cancel(&B.tick);
	bench_free();
	libre_close();

	return err ? 1 : 0;
}

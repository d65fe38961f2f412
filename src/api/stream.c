/** @file api/stream.c  GET /api/v1/stream: events over WebSocket
 *
 * Each subscriber is in one of two modes. Replaying: it reads stored
 * events after its cursor, paced by its send buffer, and ignores live
 * fan-out. Live: it gets each event as the bus delivers it. The switch
 * happens when the cursor reaches the bus's last delivered seq; since
 * the bus persists before it delivers and everything runs on one thread,
 * the hand-over has no gap and no duplicate.
 *
 * Fan-out cost: exact topics are found through a hash (one lookup per
 * event topic); only subscribers with wildcard patterns are scanned.
 * The frame was built once by the bus; here it is only sent: frames for
 * one subscriber are gathered during a bus batch and leave in one
 * writev() at its end, so a supervisor on "*" costs one system call per
 * batch, not one per event.
 */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <hotline/libre.h>
#include <hotline/bus.h>
#include <hotline/config.h>
#include <hotline/log.h>
#include <hotline/store.h>
#include <hotline/ws_frame.h>
#include "hsrv.h"
#include "rest.h"

#define REPLAY_CHUNK      256     /* events read per store query */
#define REPLAY_STEP_MAX   4096    /* events per loop turn, then yield */
#define CLOSE_RESERVE     256     /* send-queue room kept for a close */
#define CLOSE_LINGER_MS   2000
#define PENDING_MAX       64      /* frames gathered per subscriber */

struct stream {
	const struct config *cfg;   /* borrowed */
	struct store *st;           /* borrowed */
	struct bus *bus;            /* borrowed */
	struct list subl;           /* struct sub, owned */
	struct hash *exact;         /* struct exact_entry, by topic */
	struct list wildl;          /* subs with a wildcard pattern */
	struct list dirtyl;         /* subs with frames pending */
};

struct sub;

/* One exact-topic pattern of a subscriber, indexed in stream->exact */
struct exact_entry {
	struct le he;
	struct sub *sub;
	const char *topic;          /* into sub->patv */
};

struct sub {
	struct le le;               /* in stream->subl */
	struct le wle;              /* in stream->wildl when wild */
	struct le dle;              /* in stream->dirtyl while pendc > 0 */
	struct stream *s;
	struct tcp_conn *tc;        /* owned */
	struct ws_dec *dec;         /* owned */
	struct sa peer;
	char (*patv)[EVENT_TOPIC_MAX];   /* owned */
	size_t patc;
	struct exact_entry *exv;    /* owned, one per exact pattern */
	size_t exc;
	const struct bus_event *pendv[PENDING_MAX];  /* ref'd, to send */
	size_t pendc;
	uint64_t cursor;            /* highest seq sent or passed over */
	bool live;
	bool closing;
	bool pong_due;
	struct tmr ping_tmr;
	struct tmr work_tmr;        /* replay steps, deferred close */
};

static void replay_step(void *arg);

static void pending_drop(struct sub *sub)
{
	for (size_t i = 0; i < sub->pendc; i++)
		mem_deref((void *)sub->pendv[i]);
	sub->pendc = 0;
	list_unlink(&sub->dle);
}

static void sub_destructor(void *data)
{
	struct sub *sub = data;

	pending_drop(sub);
	tmr_cancel(&sub->ping_tmr);
	tmr_cancel(&sub->work_tmr);
	for (size_t i = 0; i < sub->exc; i++)
		hash_unlink(&sub->exv[i].he);
	list_unlink(&sub->wle);
	list_unlink(&sub->le);
	mem_deref(sub->exv);
	mem_deref(sub->patv);
	mem_deref(sub->dec);
	if (sub->tc)
		tcp_set_handlers(sub->tc, NULL, NULL, NULL, NULL);
	mem_deref(sub->tc);
}

static void free_handler(void *arg)
{
	mem_deref(arg);
}

static void drained(void *arg)
{
	struct sub *sub = arg;

	if (!tcp_conn_txqsz(sub->tc))
		tmr_start(&sub->work_tmr, 0, free_handler, sub);
}

/* Send raw bytes; the caller checked the budget. The stack mbuf is only
 * read: libre copies whatever the socket did not take. */
static int sub_write(struct sub *sub, const uint8_t *buf, size_t len)
{
	struct mbuf mb = {.buf = (uint8_t *)buf, .size = len, .end = len};

	return tcp_send(sub->tc, &mb);
}

static void send_control(struct sub *sub, enum ws_opcode op,
			 const uint8_t *payload, size_t len)
{
	uint8_t frame[10 + 125];
	size_t hl;

	len = len > 125 ? 125 : len;
	hl = ws_frame_header(frame, op, len);
	if (len)
		memcpy(frame + hl, payload, len);
	(void)sub_write(sub, frame, hl + len);
}

/** Start closing: send a close frame, stop all delivery, free the
 *  subscriber once its queue drained (or after a linger time). Safe to
 *  call during fan-out: the subscriber stays in the topic index and the
 *  wildcard list (skipped as closing) until it is freed on a later turn. */
static void sub_close(struct sub *sub, uint16_t code, const char *reason)
{
	uint8_t payload[125];
	size_t n = strlen(reason);

	if (sub->closing)
		return;
	sub->closing = true;
	tmr_cancel(&sub->ping_tmr);
	pending_drop(sub);

	if (n > sizeof(payload) - 2)
		n = sizeof(payload) - 2;
	payload[0] = code >> 8;
	payload[1] = code & 0xff;
	memcpy(payload + 2, reason, n);
	send_control(sub, WS_OP_CLOSE, payload, n + 2);

	tcp_set_handlers(sub->tc, NULL, NULL, NULL, sub);
	if (tcp_conn_txqsz(sub->tc)) {
		tcp_set_send(sub->tc, drained);
		tmr_start(&sub->work_tmr, CLOSE_LINGER_MS, free_handler, sub);
	}
	else {
		tmr_start(&sub->work_tmr, 0, free_handler, sub);
	}
}

/* Send one event frame, or close a subscriber whose backlog is full:
 * a slow reader must never hold memory or time from the others. */
static void sub_send_event(struct sub *sub, const uint8_t *frame,
			   size_t len)
{
	int err;

	if (tcp_conn_txqsz(sub->tc) + len > sub->s->cfg->ws_send_buffer) {
		log_info("stream: %J: slow consumer (%zu bytes queued), "
			 "closing\n", &sub->peer, tcp_conn_txqsz(sub->tc));
		sub_close(sub, WS_CLOSE_POLICY, "slow consumer");
		return;
	}
	err = sub_write(sub, frame, len);
	if (err)
		sub_close(sub, WS_CLOSE_INTERNAL, "send failed");
}

static bool sub_matches(const struct sub *sub, const char *const *topicv,
			size_t topicc)
{
	for (size_t i = 0; i < sub->patc; i++) {
		for (size_t t = 0; t < topicc; t++) {
			if (event_topic_match(sub->patv[i], topicv[t]))
				return true;
		}
	}
	return false;
}

/* Queue what the socket did not take, within the subscriber's budget. */
static void queue_rest(struct sub *sub, const struct iovec *iov, size_t cnt,
		       size_t skip)
{
	size_t left = 0;

	for (size_t i = 0; i < cnt; i++)
		left += iov[i].iov_len;
	left -= skip;
	if (tcp_conn_txqsz(sub->tc) + left > sub->s->cfg->ws_send_buffer) {
		log_info("stream: %J: slow consumer (%zu bytes behind), "
			 "closing\n", &sub->peer,
			 tcp_conn_txqsz(sub->tc) + left);
		sub_close(sub, WS_CLOSE_POLICY, "slow consumer");
		return;
	}
	for (size_t i = 0; i < cnt; i++) {
		size_t off = skip < iov[i].iov_len ? skip : iov[i].iov_len;

		skip -= off;
		if (off < iov[i].iov_len &&
		    sub_write(sub, (uint8_t *)iov[i].iov_base + off,
			      iov[i].iov_len - off)) {
			sub_close(sub, WS_CLOSE_INTERNAL, "send failed");
			return;
		}
	}
}

/* Send the gathered frames: one writev() straight to the socket while
 * libre's own queue is empty (so order is kept), the remainder through
 * libre's queue. */
static void sub_flush(struct sub *sub)
{
	struct iovec iov[PENDING_MAX];
	size_t cnt = sub->pendc;
	ssize_t n = 0;

	if (!cnt || sub->closing) {
		pending_drop(sub);
		return;
	}
	for (size_t i = 0; i < cnt; i++) {
		iov[i].iov_base = (void *)sub->pendv[i]->frame;
		iov[i].iov_len = sub->pendv[i]->frame_len;
	}
	if (!tcp_conn_txqsz(sub->tc)) {
		n = writev(tcp_conn_fd(sub->tc), iov, (int)cnt);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			int err = errno;

			pending_drop(sub);
			log_info("stream: %J: write failed (%m)\n", &sub->peer,
				 err);
			sub_close(sub, WS_CLOSE_INTERNAL, "send failed");
			return;
		}
		if (n < 0)
			n = 0;
	}
	queue_rest(sub, iov, cnt, (size_t)n);
	pending_drop(sub);
}

static void deliver(struct sub *sub, const struct bus_event *ev)
{
	if (!sub->live || sub->closing || ev->seq <= sub->cursor)
		return;
	sub->cursor = ev->seq;
	if (sub->pendc == PENDING_MAX)
		sub_flush(sub);
	if (!sub->pendc)
		list_append(&sub->s->dirtyl, &sub->dle, sub);
	sub->pendv[sub->pendc++] = mem_ref((void *)ev);
}

/* Bus batch end: every subscriber with frames gets one write. */
static void flush_all(void *arg)
{
	struct stream *s = arg;

	while (!list_isempty(&s->dirtyl))
		sub_flush(list_head(&s->dirtyl)->data);
}

/* Bus listener: called once per persisted event, in seq order. */
static void fanout(const struct bus_event *ev, void *arg)
{
	struct stream *s = arg;
	struct le *le;

	for (size_t t = 0; t < ev->topicc; t++) {
		const char *topic = ev->topicv[t];

		LIST_FOREACH(hash_list(s->exact, hash_joaat_str(topic)), le) {
			struct exact_entry *e = le->data;

			if (!strcmp(e->topic, topic))
				deliver(e->sub, ev);
		}
	}
	LIST_FOREACH(&s->wildl, le) {
		struct sub *sub = le->data;

		if (sub_matches(sub, (const char *const *)ev->topicv,
				ev->topicc))
			deliver(sub, ev);
	}
}

static int replay_event(const struct store_event *sev, void *arg)
{
	struct sub *sub = arg;
	struct bus_event *ev;

	sub->cursor = sev->seq;
	ev = bus_event_from_json(sev->seq, sev->topics, sev->json,
				 sev->json_len);
	if (!ev)
		return ENOMEM;
	if (sub_matches(sub, ev->topicv, ev->topicc))
		sub_send_event(sub, ev->frame, ev->frame_len);
	mem_deref(ev);
	return sub->closing ? ECONNRESET : 0;
}

static void replay_drained(void *arg)
{
	struct sub *sub = arg;

	tcp_set_send(sub->tc, NULL);
	replay_step(sub);
}

/* Send stored events after the cursor until caught up with the bus,
 * keeping the send queue under half the budget. */
static void replay_step(void *arg)
{
	struct sub *sub = arg;
	struct stream *s = sub->s;
	size_t budget = REPLAY_STEP_MAX;

	while (!sub->closing) {
		uint64_t last = bus_last_seq(s->bus), before = sub->cursor;
		int err;

		if (sub->cursor >= last) {
			sub->live = true;
			return;
		}
		if (tcp_conn_txqsz(sub->tc) > s->cfg->ws_send_buffer / 2) {
			tcp_set_send(sub->tc, replay_drained);
			return;
		}
		if (budget < REPLAY_CHUNK) {
			tmr_start(&sub->work_tmr, 0, replay_step, sub);
			return;
		}
		budget -= REPLAY_CHUNK;
		err = store_event_list(s->st, sub->cursor, last, REPLAY_CHUNK,
				       replay_event, sub);
		if (err && !sub->closing) {
			log_warn("stream: %J: replay failed (%m)\n",
				 &sub->peer, err);
			sub_close(sub, WS_CLOSE_INTERNAL, "replay failed");
		}
		if (sub->cursor == before)   /* nothing left: pruned */
			sub->cursor = last;
	}
}

static void handle_msg(struct sub *sub, const struct ws_msg *msg)
{
	switch (msg->op) {
	case WS_OP_PING:
		send_control(sub, WS_OP_PONG, msg->data, msg->len);
		break;
	case WS_OP_PONG:
		sub->pong_due = false;
		break;
	case WS_OP_CLOSE:
		/* echo the peer's code (RFC 6455 5.5.1) */
		sub_close(sub, msg->close_code == WS_CLOSE_NO_STATUS ?
			  WS_CLOSE_NORMAL : msg->close_code, "");
		break;
	case WS_OP_BINARY:
		log_info("stream: %J: binary message, closing\n", &sub->peer);
		sub_close(sub, WS_CLOSE_UNSUPPORTED,
			  "this stream takes no data");
		break;
	default:
		break;   /* text from the client is not part of the protocol */
	}
}

static void recv_handler(struct mbuf *mb, void *arg)
{
	struct sub *sub = arg;
	const uint8_t *p = mbuf_buf(mb);
	size_t left = mbuf_get_left(mb);

	while (left && !sub->closing) {
		struct ws_msg msg;
		uint16_t code = 0;
		size_t used = 0;

		switch (ws_dec_feed(sub->dec, p, left, &used, &msg, &code)) {
		case WS_DEC_ERROR:
			log_info("stream: %J: protocol error, closing %u\n",
				 &sub->peer, code);
			sub_close(sub, code, code == WS_CLOSE_TOO_BIG ?
				  "message too big" : "protocol error");
			return;
		case WS_DEC_MORE:
			return;
		case WS_DEC_MSG:
			handle_msg(sub, &msg);
			break;
		}
		p += used;
		left -= used;
	}
}

static void close_handler(int err, void *arg)
{
	struct sub *sub = arg;

	(void)err;
	sub->closing = true;
	tmr_start(&sub->work_tmr, 0, free_handler, sub);
}

static void ping_handler(void *arg)
{
	struct sub *sub = arg;

	if (sub->pong_due) {
		sub_close(sub, WS_CLOSE_GOING_AWAY, "ping timeout");
		return;
	}
	sub->pong_due = true;
	send_control(sub, WS_OP_PING, (const uint8_t *)"hotline", 7);
	tmr_start(&sub->ping_tmr, sub->s->cfg->ws_ping_interval_s * 1000,
		  ping_handler, sub);
}

/* Copy the patterns and index the exact ones. */
static int sub_patterns(struct sub *sub, const struct rest_patterns *pat)
{
	struct stream *s = sub->s;
	bool wild = false;

	sub->patv = mem_zalloc(pat->n * sizeof(*sub->patv), NULL);
	sub->exv = mem_zalloc(pat->n * sizeof(*sub->exv), NULL);
	if (!sub->patv || !sub->exv)
		return ENOMEM;
	sub->patc = pat->n;
	for (size_t i = 0; i < pat->n; i++) {
		str_ncpy(sub->patv[i], pat->v[i], EVENT_TOPIC_MAX);
		if (strchr(pat->v[i], '*')) {
			wild = true;
			continue;
		}
		struct exact_entry *e = &sub->exv[sub->exc++];

		e->sub = sub;
		e->topic = sub->patv[i];
		hash_append(s->exact, hash_joaat_str(e->topic), &e->he, e);
	}
	if (wild)
		list_append(&s->wildl, &sub->wle, sub);
	return 0;
}

/* Tell a client resuming from before the retained history what it lost. */
static void send_truncated(struct sub *sub, uint64_t since, uint64_t first)
{
	char json[128];
	uint8_t frame[160];
	size_t hl;
	int n;

	n = re_snprintf(json, sizeof(json), "{\"type\":\"stream.truncated\","
			"\"data\":{\"since\":%llu,\"first_seq\":%llu}}",
			(unsigned long long)since, (unsigned long long)first);
	hl = ws_frame_header(frame, WS_OP_TEXT, n);
	memcpy(frame + hl, json, n);
	(void)sub_write(sub, frame, hl + n);
}

static void start_replay(struct sub *sub, uint64_t since)
{
	struct stream *s = sub->s;
	uint64_t first = 0, last = 0;

	sub->cursor = since;
	(void)store_event_bounds(s->st, &first, &last);
	if (!first)
		first = bus_last_seq(s->bus) + 1;
	if (first > since + 1)
		send_truncated(sub, since, first);
	tmr_start(&sub->work_tmr, 0, replay_step, sub);
}

/* Validate the handshake; 0, or EPROTO after an error reply. */
static int check_handshake(struct rest_req *r, char accept[29])
{
	const struct hreq_str *ver, *key;

	if (!r->http->upgrade_websocket) {
		rest_error(r, 426, "upgrade_required", NULL, "this endpoint "
			   "is a WebSocket: send Upgrade: websocket");
		return EPROTO;
	}
	ver = hreq_header_find(r->http, "Sec-WebSocket-Version");
	if (!ver || ver->n != 2 || memcmp(ver->p, "13", 2)) {
		rest_error(r, 426, "upgrade_required", NULL,
			   "Sec-WebSocket-Version must be 13");
		return EPROTO;
	}
	key = hreq_header_find(r->http, "Sec-WebSocket-Key");
	if (!key || ws_accept_key(key->p, key->n, accept)) {
		rest_error(r, 400, "bad_request", NULL,
			   "missing or malformed Sec-WebSocket-Key");
		return EPROTO;
	}
	return 0;
}

static int parse_stream_query(struct rest_req *r, struct stream *s,
			      struct rest_patterns *pat, bool *has_since,
			      uint64_t *since)
{
	char tmp[24];

	if (rest_patterns(r, pat) || rest_since(r, since))
		return EPROTO;
	*has_since = !rest_query(r, "since", tmp, sizeof(tmp)) ||
		     !rest_query(r, "cursor", tmp, sizeof(tmp));
	if (*has_since && *since > bus_last_seq(s->bus)) {
		rest_error(r, 400, "invalid_query", "since", "since %llu is "
			   "ahead of the newest event (%llu)",
			   (unsigned long long)*since,
			   (unsigned long long)bus_last_seq(s->bus));
		return EPROTO;
	}
	return 0;
}

void stream_upgrade(struct stream *s, struct rest_req *r)
{
	static struct rest_patterns pat;   /* 6 KiB: kept off the stack */
	char accept[29], extra[160];
	uint64_t since = 0;
	bool has_since;
	struct mbuf *rest;
	struct sub *sub;

	if (check_handshake(r, accept) ||
	    parse_stream_query(r, s, &pat, &has_since, &since))
		return;

	sub = mem_zalloc(sizeof(*sub), sub_destructor);
	if (!sub || ws_dec_alloc(&sub->dec, s->cfg->ws_max_message) ||
	    (sub->s = s, sub_patterns(sub, &pat))) {
		mem_deref(sub);
		rest_error(r, 503, "unavailable", NULL, "out of memory");
		return;
	}
	sub->peer = *hconn_peer(r->c);
	list_append(&s->subl, &sub->le, sub);

	re_snprintf(extra, sizeof(extra), "Upgrade: websocket\r\n"
		    "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n",
		    accept);
	hconn_reply(r->c, 101, extra, NULL, NULL, 0);
	sub->tc = hconn_detach(r->c, &rest);
	mem_deref(rest);   /* clients wait for 101 before sending frames */
	tcp_set_handlers(sub->tc, NULL, recv_handler, close_handler, sub);
	tcp_conn_txqsz_set(sub->tc, s->cfg->ws_send_buffer + CLOSE_RESERVE);

	if (has_since) {
		start_replay(sub, since);
	}
	else {
		sub->cursor = bus_last_seq(s->bus);
		sub->live = true;
	}
	tmr_start(&sub->ping_tmr, s->cfg->ws_ping_interval_s * 1000,
		  ping_handler, sub);
}

static void stream_destructor(void *data)
{
	struct stream *s = data;
	struct le *le;

	/* shutting down: tell every client, then drop them */
	LIST_FOREACH(&s->subl, le) {
		struct sub *sub = le->data;

		if (!sub->closing)
			send_control(sub, WS_OP_CLOSE,
				     (const uint8_t *)"\x03\xe9shutdown", 10);
	}
	bus_unlisten(s->bus, s);
	list_flush(&s->subl);
	mem_deref(s->exact);
}

int stream_alloc(struct stream **sp, const struct config *cfg,
		 struct store *st, struct bus *bus)
{
	struct stream *s;
	int err;

	s = mem_zalloc(sizeof(*s), stream_destructor);
	if (!s)
		return ENOMEM;
	s->cfg = cfg;
	s->st = st;
	s->bus = bus;
	err = hash_alloc(&s->exact, 4096);
	if (err) {
		mem_deref(s);
		return err;
	}
	err = bus_listen(bus, fanout, flush_all, s);
	if (err) {
		mem_deref(s);
		return err;
	}
	*sp = s;
	return 0;
}

/** @file api/rest_events.c  /api/v1/events (history, publish), /stream,
 *  /healthz and /api/v1/reasons */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <hotline/libre.h>
#include <hotline/bus.h>
#include <hotline/config.h>
#include <hotline/event.h>
#include <hotline/store.h>
#include "rest.h"

#define PUBLISH_BATCH_MAX 1000
#define PUBLISH_TOPICS_MAX 8

int rest_patterns(struct rest_req *r, struct rest_patterns *p)
{
	char buf[REST_PATTERNS_MAX * EVENT_TOPIC_MAX], *tok, *next;
	int err;

	p->n = 0;
	err = rest_query(r, "topics", buf, sizeof(buf));
	if (err == EPROTO)
		return err;
	if (err == ENOENT)
		str_ncpy(buf, "*", sizeof(buf));

	/* split by hand: strtok would hide empty items ("a,,b") */
	for (tok = buf; tok; tok = next) {
		next = strchr(tok, ',');
		if (next)
			*next++ = '\0';
		if (!event_pattern_valid(tok) || p->n == REST_PATTERNS_MAX) {
			rest_error(r, 400, "invalid_query", "topics",
				   "topics: at most %d comma-separated "
				   "patterns (topic, prefix*, or *)",
				   REST_PATTERNS_MAX);
			return EPROTO;
		}
		str_ncpy(p->v[p->n++], tok, EVENT_TOPIC_MAX);
	}
	return 0;
}

bool rest_patterns_match(const struct rest_patterns *p,
			 const char *const *topicv, size_t topicc)
{
	for (size_t i = 0; i < p->n; i++) {
		for (size_t t = 0; t < topicc; t++) {
			if (event_topic_match(p->v[i], topicv[t]))
				return true;
		}
	}
	return false;
}

int rest_since(struct rest_req *r, uint64_t *since)
{
	char val[24], *end;
	int err;

	*since = 0;
	err = rest_query(r, "since", val, sizeof(val));
	if (err == ENOENT)
		err = rest_query(r, "cursor", val, sizeof(val));
	if (err == ENOENT)
		return 0;
	if (err)
		return err;
	*since = strtoull(val, &end, 10);
	if (!val[0] || *end || val[0] < '0' || val[0] > '9') {
		rest_error(r, 400, "invalid_query", "since",
			   "since must be an event seq (an integer)");
		return EPROTO;
	}
	return 0;
}

/* Rows one history request may examine: a selective filter over a long
 * history must not hold the event loop. Past it the page ends early and
 * next_cursor says where to go on. */
#define HISTORY_SCAN_MAX 20000

struct history {
	const struct rest_patterns *pat;
	struct mbuf *mb;
	size_t limit, n;
	size_t scanned;
	uint64_t last;          /* cursor for the next page */
};

static int add_event(const struct store_event *ev, void *arg)
{
	struct history *h = arg;
	char topics[EVENT_TOPICS_MAX * EVENT_TOPIC_MAX];
	const char *topicv[EVENT_TOPICS_MAX];
	size_t topicc;

	if (h->scanned++ == HISTORY_SCAN_MAX)
		return REST_PAGE_MORE;       /* h->last: the last row seen */
	topicc = event_topics_split(ev->topics, topics, sizeof(topics),
				    topicv, EVENT_TOPICS_MAX);
	if (!rest_patterns_match(h->pat, topicv, topicc)) {
		h->last = ev->seq;
		return 0;
	}
	if (h->n == h->limit)
		return REST_PAGE_MORE;

	/* stored envelopes go out as they are: serialized once */
	if ((h->n++ && mbuf_write_u8(h->mb, ',')) ||
	    mbuf_write_mem(h->mb, (const uint8_t *)ev->json, ev->json_len))
		return ENOMEM;
	h->last = ev->seq;
	return 0;
}

static void events_list(struct rest_req *r)
{
	struct rest_patterns pat;
	struct history h = {.pat = &pat};
	char cursor[96];
	uint64_t since;
	int err;

	if (rest_page(r, &h.limit, cursor, sizeof(cursor)) ||
	    rest_since(r, &since) || rest_patterns(r, &pat))
		return;

	h.mb = mbuf_alloc(4096);
	if (!h.mb || mbuf_write_str(h.mb, "{\"items\":[")) {
		mem_deref(h.mb);
		rest_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	err = store_event_list(r->api->st, since, 0, 0, add_event, &h);
	if (err && err != REST_PAGE_MORE) {
		mem_deref(h.mb);
		rest_error_store(r, err, "events", "conflict");
		return;
	}
	if (err == REST_PAGE_MORE)
		mbuf_printf(h.mb, "],\"next_cursor\":\"%llu\"}",
			    (unsigned long long)h.last);
	else
		mbuf_write_str(h.mb, "],\"next_cursor\":null}");
	rest_reply_raw(r, 200, (const char *)h.mb->buf, h.mb->end);
	mem_deref(h.mb);
}

static bool custom_type_valid(const char *type)
{
	static const char prefix[] = "custom.";
	size_t pl = sizeof(prefix) - 1, n = strlen(type);

	return n > pl && n < EVENT_TYPE_MAX && !strncmp(type, prefix, pl) &&
	       strspn(type + pl, "abcdefghijklmnopqrstuvwxyz0123456789_") ==
	       n - pl;
}

/* Check one {"type","topics","data"} object; 0 or EPROTO (reply sent).
 * at: "" for a single event, "events[i]." inside a batch. */
static int check_custom(struct rest_req *r, json_t *ev, const char *at)
{
	json_t *type = json_object_get(ev, "type");
	json_t *topics = json_object_get(ev, "topics");
	json_t *data = json_object_get(ev, "data");
	const char *key;
	size_t i;
	json_t *v;

	if (!json_is_object(ev)) {
		rest_error(r, 400, "invalid_type", at, "%s must be an object",
			   at);
		return EPROTO;
	}
	json_object_foreach(ev, key, v) {
		if (strcmp(key, "type") && strcmp(key, "topics") &&
		    strcmp(key, "data")) {
			rest_error(r, 400, "unknown_field", key,
				   "unknown field \"%s%s\"", at, key);
			return EPROTO;
		}
	}
	if (!type || !topics) {
		rest_error(r, 400, "missing_field", type ? "topics" : "type",
			   "%s%s is required", at, type ? "topics" : "type");
		return EPROTO;
	}
	if (!json_is_string(type)) {
		rest_error(r, 400, "invalid_type", "type", "%stype must be a "
			   "string", at);
		return EPROTO;
	}
	if (!json_is_array(topics)) {
		rest_error(r, 400, "invalid_type", "topics", "%stopics must be"
			   " an array of strings", at);
		return EPROTO;
	}
	if (!custom_type_valid(json_string_value(type))) {
		rest_error(r, 422, "invalid_value", "type", "%stype must be "
			   "a string custom.[a-z0-9_]+", at);
		return EPROTO;
	}
	if (!json_array_size(topics) ||
	    json_array_size(topics) > PUBLISH_TOPICS_MAX) {
		rest_error(r, 422, "invalid_value", "topics", "%stopics must "
			   "be an array of 1..%d topics", at,
			   PUBLISH_TOPICS_MAX);
		return EPROTO;
	}
	json_array_foreach(topics, i, v) {
		if (!json_is_string(v) ||
		    !event_topic_valid(json_string_value(v))) {
			rest_error(r, 422, "invalid_value", "topics",
				   "%stopics[%zu] is not a valid topic", at,
				   i);
			return EPROTO;
		}
	}
	if (data && !json_is_object(data)) {
		rest_error(r, 400, "invalid_type", "data",
			   "%sdata must be an object", at);
		return EPROTO;
	}
	return 0;
}

static int publish_custom(struct rest_req *r, json_t *ev, json_t *seqs)
{
	json_t *topics = json_object_get(ev, "topics");
	const char *topicv[PUBLISH_TOPICS_MAX];
	json_t *data = json_object_get(ev, "data");
	uint64_t seq;
	size_t i;
	json_t *v;
	int err;

	json_array_foreach(topics, i, v)
		topicv[i] = json_string_value(v);
	err = bus_publish(r->api->bus,
			  json_string_value(json_object_get(ev, "type")),
			  topicv, json_array_size(topics), 0,
			  data ? json_incref(data) : NULL, &seq);
	if (!err)
		json_array_append_new(seqs, json_integer((json_int_t)seq));
	return err;
}

static const struct jdec_field publish_fields[] = {
	{"type",   JDEC_STRING, false, 1, EVENT_TYPE_MAX - 1, 0, 0},
	{"topics", JDEC_ARRAY,  false, 0, 0, 0, 0},
	{"data",   JDEC_OBJECT, false, 0, 0, 0, 0},
	{"events", JDEC_ARRAY,  false, 1, PUBLISH_BATCH_MAX, 0, 0},
};

static void events_publish(struct rest_req *r)
{
	json_t *obj, *batch, *seqs, *ev;
	bool is_batch;
	char at[32];
	size_t i;
	int err = 0;

	if (rest_body(r, publish_fields, ARRAY_SIZE(publish_fields), false,
		      false, &obj))
		return;
	batch = json_object_get(obj, "events");
	if (batch && json_object_size(obj) > 1) {
		json_decref(obj);
		rest_error(r, 400, "invalid_body", "events", "send either one"
			   " event or {\"events\":[...]}, not both");
		return;
	}
	is_batch = batch != NULL;
	if (!batch)
		batch = json_pack("[O]", obj);
	else
		json_incref(batch);
	json_decref(obj);

	/* all or nothing: validate the whole batch first */
	json_array_foreach(batch, i, ev) {
		re_snprintf(at, sizeof(at), "events[%zu].", i);
		if (check_custom(r, ev, is_batch ? at : "")) {
			json_decref(batch);
			return;
		}
	}
	seqs = json_array();
	json_array_foreach(batch, i, ev) {
		err = publish_custom(r, ev, seqs);
		if (err)
			break;
	}
	json_decref(batch);
	if (!err)
		err = bus_flush(r->api->bus);
	if (err) {
		json_decref(seqs);
		rest_error(r, 500, "internal", NULL, "publishing failed");
		return;
	}
	rest_reply_json(r, 202, json_pack("{s:o}", "seqs", seqs), NULL);
}

static void stream_get(struct rest_req *r)
{
	stream_upgrade(r->api->stream, r);
}

static void healthz(struct rest_req *r)
{
	static const char ok[] = "{\"status\":\"ok\"}";

	rest_reply_raw(r, 200, ok, sizeof(ok) - 1);
}

static void reasons_list(struct rest_req *r)
{
	const struct config *cfg = r->api->cfg;
	json_t *items = json_array();

	for (size_t i = 0; i < cfg->reasonc; i++)
		json_array_append_new(items, json_string(cfg->reasonv[i]));
	rest_reply_json(r, 200, json_pack("{s:o}", "items", items), NULL);
}

const struct rest_route rest_event_routes[] = {
	{"GET",  "/api/v1/events", events_list, false},
	{"POST", "/api/v1/events", events_publish, false},
	{"GET",  "/api/v1/stream", stream_get, false},
	{NULL, NULL, NULL, false}
};

const struct rest_route rest_misc_routes[] = {
	{"GET", "/healthz", healthz, true},
	{"GET", "/api/v1/reasons", reasons_list, false},
	{NULL, NULL, NULL, false}
};

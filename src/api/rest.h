/** @file api/rest.h  REST plumbing shared by the resource files (private) */
#ifndef API_REST_H
#define API_REST_H

#include <stdint.h>
#include <stdbool.h>
#include <jansson.h>
#include <hotline/api.h>
#include <hotline/hreq.h>
#include <hotline/clock.h>
#include <hotline/event.h>
#include <hotline/jdec.h>

struct hconn;
struct config;
struct store;
struct bus;
struct stream;
struct queue;
struct queue_member;
struct acd;
struct agent;

#define REST_PARAMS_MAX 2

struct api {
	const struct config *cfg;   /* borrowed */
	struct store *st;           /* borrowed */
	struct bus *bus;            /* borrowed */
	struct hsrv *srv;           /* owned */
	struct stream *stream;      /* owned */
	struct api_telephony tel;   /* copied; hooks NULL while SIP is off */
	struct acd *acd;            /* borrowed; NULL while the ACD is off */
	struct tzdb *tzdb;          /* borrowed; NULL: time zones of flows
				       are not checked */
	uint8_t token_hash[32];
};

/* One request as a handler sees it */
struct rest_req {
	struct api *api;
	struct hconn *c;
	const struct hreq *http;
	const char *body;
	size_t len;
	char paramv[REST_PARAMS_MAX][96];   /* {x} segments, percent-decoded */
	const char *actor;                  /* who acts: "admin" for now */
};

typedef void (rest_h)(struct rest_req *r);

struct rest_route {
	const char *method;
	const char *path;         /* template: "/api/v1/agents/{id}" */
	rest_h *h;
	bool public;              /* no authentication (health check) */
};

/* Route tables, one per resource file */
extern const struct rest_route rest_agent_routes[];
extern const struct rest_route rest_queue_routes[];
extern const struct rest_route rest_event_routes[];
extern const struct rest_route rest_misc_routes[];
extern const struct rest_route rest_call_routes[];
extern const struct rest_route rest_trunk_routes[];
extern const struct rest_route rest_did_routes[];
extern const struct rest_route rest_acd_routes[];
extern const struct rest_route rest_flow_routes[];
extern const struct rest_route rest_contact_routes[];
extern const struct rest_route rest_recording_routes[];

/* Replies: each sends exactly one response. Bodies are stolen. */
void rest_reply_json(struct rest_req *r, uint16_t status, json_t *body,
		     const char *location);
void rest_reply_raw(struct rest_req *r, uint16_t status, const char *json,
		    size_t len);
void rest_reply_empty(struct rest_req *r, uint16_t status);
void rest_error(struct rest_req *r, uint16_t status, const char *code,
		const char *field, const char *fmt, ...);
/** 405 method_not_allowed with an Allow header listing allow. */
void rest_error_allow(struct rest_req *r, const char *allow);
void rest_error_jdec(struct rest_req *r, const struct jdec_error *e);
/** 422 with a "reason" too: {"error":{"code","message","field","reason"}}
 *  (a flow document's error: field is a JSON Pointer, reason the
 *  flow_error_code_name). */
void rest_error_reason(struct rest_req *r, uint16_t status, const char *code,
		       const char *field, const char *reason,
		       const char *message);
/** Errors from the store: ENOENT 404, EEXIST 409 (conflict_code), else
 *  500 (logged). what names the object ("agent 7"). */
void rest_error_store(struct rest_req *r, int err, const char *what,
		      const char *conflict_code);

/** Decode the JSON body against fields (415 if Content-Type is not JSON,
 *  400/422 from jdec). An empty body with allow_empty gives {}.
 *  0, or EPROTO when the error reply was sent. */
int rest_body(struct rest_req *r, const struct jdec_field *fields,
	      size_t fieldc, bool partial, bool allow_empty, json_t **objp);

/** rest_body() for a document checked by its own parser: 415 unless
 *  JSON, 400 invalid_json / invalid_body unless one JSON object (no
 *  duplicate keys). 0 with *objp, or EPROTO when the reply was sent. */
int rest_body_any(struct rest_req *r, json_t **objp);

/** Whether s is a flow id: the slug of queue ids,
 *  [a-z0-9][a-z0-9_-]{0,62} */
bool rest_flow_id_valid(const char *s);

/** Call records (and what telephony writes with them: traces) are
 *  written with the event flush of their loop turn: flush first, so that
 *  a reader sees every change made so far. */
void rest_records_settle(struct rest_req *r);

/** Path parameter i as a positive integer id; 404 reply and ENOENT if
 *  it is not one. */
int rest_param_id(struct rest_req *r, int i, uint64_t *id);

/** limit (1..500, default 50) and cursor (raw) from the query; 400
 *  invalid_query reply and EPROTO on a bad value. */
int rest_page(struct rest_req *r, size_t *limit, char *cursor,
	      size_t cursorsz);

/** Query parameter, 0/ENOENT; other errors reply 400 and give EPROTO. */
int rest_query(struct rest_req *r, const char *name, char *out,
	       size_t outsz);

/* Collects one page of a store walk: a walk asks for limit + 1 rows and
 * the callback returns 1 on the extra one, which means "there is more". */
struct rest_page_ctx {
	json_t *items;
	size_t limit, n;
	char next[96];            /* cursor of the last item added */
};

#define REST_PAGE_MORE (-1)   /* walk stopped: a next page exists */

/** Add item (stolen) unless the page is full (returns REST_PAGE_MORE). */
int rest_page_add(struct rest_page_ctx *pc, json_t *item,
		  const char *cursor);

/** rest_page() for a collection keyed by a name: limit and cursor into
 *  pc->limit and cursor, the cursor checked with valid (400 invalid_query
 *  when it is not one this server gives). EPROTO after the error reply. */
int rest_page_named(struct rest_req *r, struct rest_page_ctx *pc,
		    char *cursor, size_t cursorsz,
		    bool (*valid)(const char *));

/** Reply to a list request after a store walk that returned err: the
 *  page (200, with next_cursor when err is REST_PAGE_MORE) or the store
 *  error (what names the collection). pc->items is stolen either way. */
void rest_page_reply(struct rest_req *r, struct rest_page_ctx *pc, int err,
		     const char *what);

/** {"items": items, "next_cursor": next or null}; items stolen. */
json_t *rest_page_json(json_t *items, const char *next);

/** RFC 3339 text for ms since the epoch, as a new JSON string. */
json_t *rest_time_json(uint64_t ms);

/** Parse an RFC 3339 date-time ("2026-11-21T08:00:00.123Z", any offset,
 *  fraction optional) into ms since the epoch. 0 or EINVAL. */
int rest_time_parse(const char *s, uint64_t *ms);

/** Query parameter name as an RFC 3339 time: 0, ENOENT (absent), or
 *  EPROTO after a 400 invalid_query reply. */
int rest_query_time(struct rest_req *r, const char *name, uint64_t *ms);

/* Topic patterns from ?topics=a,b* (default "*"), shared by the event
 * history and the stream. */
#define REST_PATTERNS_MAX 64
struct rest_patterns {
	size_t n;
	char v[REST_PATTERNS_MAX][EVENT_TOPIC_MAX];
};

/** 0, or EPROTO after a 400 invalid_query reply. */
int rest_patterns(struct rest_req *r, struct rest_patterns *p);
bool rest_patterns_match(const struct rest_patterns *p,
			 const char *const *topicv, size_t topicc);
/** ?since= (or its alias ?cursor=), default 0; EPROTO after a 400. */
int rest_since(struct rest_req *r, uint64_t *since);

/* Representations shared by REST replies and events (agents: agent_json.h,
 * calls: call_json() in call.h) */
json_t *rest_queue_json(const struct queue *q);
/** The agent as GET /api/v1/agents/{id} shows it: agent_json() plus its
 *  live SIP registrations (read from the store). */
json_t *rest_agent_json(struct rest_req *r, const struct agent *a);
json_t *rest_member_json(const struct queue_member *m);

/** Memberships a cascade delete is about to remove (of one queue, or of
 *  one agent when queue_id is NULL), as [{"queue_id","agent_id"}]; after
 *  the delete, rest_members_removed() publishes queue.member_removed for
 *  each (members stolen), so wallboards see them go. */
json_t *rest_members_of(struct rest_req *r, const char *queue_id,
			uint64_t agent_id);
void rest_members_removed(struct rest_req *r, json_t *members);

/** Publish an event that happened at at_ms and flush it, so that it is
 *  durable before the reply. data is stolen. */
void rest_publish(struct rest_req *r, const char *type,
		  const char *const *topicv, size_t topicc, uint64_t at_ms,
		  json_t *data);

/* The WebSocket stream (stream.c) */
int stream_alloc(struct stream **sp, const struct config *cfg,
		 struct store *st, struct bus *bus);
void stream_upgrade(struct stream *s, struct rest_req *r);

#endif

/** @file hotline/event.h  Events: envelope, types, topics (no I/O).
 *
 * Envelope on the wire (ARCHITECTURE §5):
 *   {"seq":1042,"type":"agent.state_changed","at":"2026-11-21T08:00:00.123Z",
 *    "topics":["agent:7","queue:sales"],"data":{...}}
 * The envelope is serialized once; the same bytes go to every subscriber
 * and into storage.
 */
#ifndef HOTLINE_EVENT_H
#define HOTLINE_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <jansson.h>

#define EVENT_TYPE_MAX   48
#define EVENT_TOPIC_MAX  96    /* bytes incl. NUL */
#define EVENT_TOPICS_MAX 32

/* Catalogue (docs/events.md) */
#define EV_AGENT_CREATED        "agent.created"
#define EV_AGENT_UPDATED        "agent.updated"
#define EV_AGENT_DELETED        "agent.deleted"
#define EV_AGENT_STATE_CHANGED  "agent.state_changed"
#define EV_QUEUE_CREATED        "queue.created"
#define EV_QUEUE_UPDATED        "queue.updated"
#define EV_QUEUE_DELETED        "queue.deleted"
#define EV_QUEUE_MEMBER_ADDED   "queue.member_added"
#define EV_QUEUE_MEMBER_UPDATED "queue.member_updated"
#define EV_QUEUE_MEMBER_REMOVED "queue.member_removed"
#define EV_TRUNK_CREATED        "trunk.created"
#define EV_TRUNK_UPDATED        "trunk.updated"
#define EV_TRUNK_DELETED        "trunk.deleted"
#define EV_DID_CREATED          "did.created"
#define EV_DID_UPDATED          "did.updated"
#define EV_DID_DELETED          "did.deleted"
/* Telephony (SIP on) */
#define EV_AGENT_REGISTERED     "agent.registered"
#define EV_AGENT_UNREGISTERED   "agent.unregistered"
#define EV_CALL_CREATED         "call.created"
#define EV_CALL_RINGING         "call.ringing"
#define EV_CALL_ANSWERED        "call.answered"
#define EV_CALL_HELD            "call.held"
#define EV_CALL_RESUMED         "call.resumed"
#define EV_CALL_ENDED           "call.ended"
/* ACD (queues routing calls to agents) */
#define EV_TASK_QUEUED          "task.queued"
#define EV_TASK_OFFERED         "task.offered"
#define EV_TASK_ACCEPTED        "task.accepted"
#define EV_TASK_OFFER_ENDED     "task.offer_ended"
#define EV_TASK_ABANDONED       "task.abandoned"
#define EV_TASK_OVERFLOWED      "task.overflowed"
#define EV_QUEUE_STATS          "queue.stats"
#define EV_CALL_BRIDGED         "call.bridged"
/* Flows (IVR), contacts, recordings */
#define EV_FLOW_CREATED         "flow.created"
#define EV_FLOW_UPDATED         "flow.updated"
#define EV_FLOW_DELETED         "flow.deleted"
#define EV_CONTACT_CREATED      "contact.created"
#define EV_CONTACT_UPDATED      "contact.updated"
#define EV_RECORDING_CREATED    "recording.created"

/** Does topic match one subscription pattern? Patterns: exact
 *  ("queue:sales"), "*" (everything), or a prefix ending in '*'
 *  ("agent:*" matches "agent:7", not "agent"). */
bool event_topic_match(const char *pattern, const char *topic);

/** Is s a well-formed topic: 1..95 bytes of [A-Za-z0-9_.:@+-], no '*'? */
bool event_topic_valid(const char *s);
/** Is s a well-formed pattern: a topic, "*", or a topic prefix + '*'? */
bool event_pattern_valid(const char *s);
/** Is s a well-formed type: noun.verb_past, [a-z0-9_]+ "." [a-z0-9_]+ */
bool event_type_valid(const char *s);

/** Split a stored topic list ("a b c", as the store keeps it) into
 *  topicv[0..max). buf (bufsz bytes) receives the split copy that topicv
 *  points into. Returns the number of topics. */
size_t event_topics_split(const char *joined, char *buf, size_t bufsz,
			  const char **topicv, size_t max);

/** Format ms since the epoch as RFC 3339 UTC with milliseconds,
 *  "2026-11-21T08:00:00.123Z"; out needs 25 bytes. */
void event_time_format(char out[25], uint64_t ms);

/** Serialize an envelope to compact JSON (keys in envelope order).
 *  data is borrowed. Returns a malloc'd string the caller free()s, and
 *  its length in *lenp; NULL on ENOMEM. */
char *event_envelope_dump(uint64_t seq, const char *type, uint64_t at_ms,
			  const char *const *topicv, size_t topicc,
			  const json_t *data, size_t *lenp);

#endif

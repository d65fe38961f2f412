/** @file hotline/call.h  Calls: states, directions, hangup causes and the
 *  call record (CDR). Pure core: no I/O; time is an argument.
 *
 * A call has a caller leg and a callee leg (an agent's phone, a trunk or
 * an extension). Its life: created -> ringing -> answered <-> held ->
 * ended; a call may end from any state. The record is what the store
 * keeps and what GET /api/v1/calls returns.
 */
#ifndef HOTLINE_CALL_H
#define HOTLINE_CALL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define CALL_ID_MAX     33    /* 32 hex characters + NUL */
#define CALL_PARTY_MAX  128   /* a SIP user part or number */
#define CALL_TRUNK_MAX  64    /* trunk id bytes incl. NUL */
#define CALL_QUEUE_MAX  64    /* queue id bytes incl. NUL (QUEUE_ID_MAX) */
#define CALL_FLOW_MAX   64    /* flow id bytes incl. NUL (FLOW_ID_MAX) */

enum call_state { CALL_CREATED = 0, CALL_RINGING, CALL_ANSWERED, CALL_HELD,
		  CALL_ENDED, CALL_STATE_COUNT };

enum call_direction { CALL_INBOUND = 0,  /* caller outside -> agent */
		      CALL_OUTBOUND,     /* agent -> trunk (phone or API) */
		      CALL_INTERNAL,     /* agent -> agent */
		      CALL_DIRECTION_COUNT };

/* Why a call ended. Mapped once from SIP (call_cause_from_sip) or set by
 * the B2BUA (timeouts, API). */
enum call_cause {
	CALL_CAUSE_NONE = 0,         /* not ended */
	CALL_CAUSE_NORMAL_CLEARING,  /* answered, then BYE */
	CALL_CAUSE_NO_ANSWER,        /* ring timeout, or 408/480 after ringing */
	CALL_CAUSE_BUSY,             /* 486, 600 */
	CALL_CAUSE_CANCELLED,        /* caller gave up while ringing */
	CALL_CAUSE_REJECTED,         /* 403, 603 by the callee */
	CALL_CAUSE_UNAVAILABLE,      /* 480 before ringing, agent offline */
	CALL_CAUSE_NOT_FOUND,        /* 404, 484, unknown destination */
	CALL_CAUSE_INCOMPATIBLE,     /* 488, 606: no common codec */
	CALL_CAUSE_MEDIA_TIMEOUT,    /* no RTP for the configured time */
	CALL_CAUSE_API_HANGUP,       /* POST /api/v1/calls/{id}/hangup */
	CALL_CAUSE_FAILURE,          /* any other 4xx-6xx, transport errors */
	CALL_CAUSE_SHUTDOWN,         /* the daemon stopped */
	CALL_CAUSE_COUNT
};

/* Who ended it */
enum call_party { CALL_PARTY_NONE = 0, CALL_PARTY_CALLER, CALL_PARTY_CALLEE,
		  CALL_PARTY_SYSTEM, CALL_PARTY_API, CALL_PARTY_COUNT };

/* How a queued call left its queue(s) */
enum call_queue_result { CALL_QUEUE_NONE = 0,   /* never queued, or still waiting */
			 CALL_QUEUE_ANSWERED,   /* an agent took it */
			 CALL_QUEUE_ABANDONED,  /* the caller hung up waiting */
			 CALL_QUEUE_OVERFLOWED, /* max wait / empty: overflow
						   action ended it elsewhere */
			 CALL_QUEUE_RESULT_COUNT };

const char *call_queue_result_name(enum call_queue_result r); /* "", answered.. */

/* The call record. Times are ms since the epoch, 0 = not (yet). */
struct call_record {
	char id[CALL_ID_MAX];            /* random hex; topic "call:<id>" */
	uint64_t cursor;                 /* assigned by the store; orders
					    calls by creation */
	enum call_direction direction;
	enum call_state state;
	char from[CALL_PARTY_MAX];       /* caller user/number as presented */
	char to[CALL_PARTY_MAX];         /* dialled user/number */
	char did[CALL_PARTY_MAX];        /* the DID that was called, or "" */
	char trunk_id[CALL_TRUNK_MAX];   /* trunk used, or "" */
	uint64_t agent_id;               /* the agent's leg, 0 = none */
	enum call_cause cause;
	enum call_party hangup_by;
	uint16_t sip_status;             /* final SIP status that ended it, 0 */
	uint64_t created_ms, ringing_ms, answered_ms, ended_ms;
	uint64_t held_ms;                /* while held: since when, else 0 */
	/* ACD: a call that went through a queue */
	char queue_id[CALL_QUEUE_MAX];   /* the (last) queue, or "" */
	uint64_t queued_ms;              /* entered the first queue, 0 = never */
	uint64_t wait_ms;                /* time in queue(s) until answered by
					    an agent, abandoned or overflowed */
	enum call_queue_result queue_result;
	/* IVR: a call that ran a flow, and the caller as a known contact */
	char flow_id[CALL_FLOW_MAX];     /* the flow it ran, or "" */
	uint32_t flow_version;           /* its version; 0 exactly when no flow */
	uint64_t contact_id;             /* the caller's contact, 0 = none */
};

/* Transitions. Each returns true when the record changed (the caller
 * persists it and publishes the matching event), false when the input does
 * not apply in the current state (ignored, nothing to publish). */
void call_init(struct call_record *c, const char *id,
	       enum call_direction dir, uint64_t now_ms);
bool call_ringing(struct call_record *c, uint64_t now_ms);
bool call_answered(struct call_record *c, uint64_t now_ms);
bool call_held(struct call_record *c, uint64_t now_ms);
bool call_resumed(struct call_record *c, uint64_t now_ms);
bool call_ended(struct call_record *c, enum call_cause cause,
		enum call_party by, uint16_t sip_status, uint64_t now_ms);

bool call_is_active(const struct call_record *c);   /* not ended */

/** Durations in ms: ringing until answered/ended, answered until ended
 *  (0 when the phase did not happen; up to now_ms while it lasts). */
uint64_t call_ring_ms(const struct call_record *c, uint64_t now_ms);
uint64_t call_talk_ms(const struct call_record *c, uint64_t now_ms);

/** Cause for a final SIP failure status from the callee side;
 *  ringing: whether the callee had sent 180/183 before. */
enum call_cause call_cause_from_sip(uint16_t status, bool ringing);

/** SIP status to answer the caller with when the call ends before answer
 *  for cause (e.g. BUSY 486, NO_ANSWER 480, REJECTED 603). */
uint16_t call_cause_sip_status(enum call_cause cause);

/* Names on the wire and in storage; parse returns 0 or EINVAL */
const char *call_state_name(enum call_state s);
const char *call_direction_name(enum call_direction d);
const char *call_cause_name(enum call_cause c);    /* "" for NONE */
const char *call_party_name(enum call_party p);    /* "" for NONE */
int call_state_parse(const char *s, enum call_state *out);
int call_direction_parse(const char *s, enum call_direction *out);
int call_cause_parse(const char *s, enum call_cause *out);
int call_party_parse(const char *s, enum call_party *out);
int call_queue_result_parse(const char *s, enum call_queue_result *out);

/** The call as GET /api/v1/calls/{id} and the call.* events show it
 *  (src/core/call_json.c); durations of a live call run to now_ms.
 *  A new jansson reference, NULL on ENOMEM. */
struct json_t;
struct json_t *call_json(const struct call_record *c, uint64_t now_ms);

#endif

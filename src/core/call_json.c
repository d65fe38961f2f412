/** @file core/call_json.c  JSON representation of a call record (no I/O) */
#include <jansson.h>
#include <hotline/call.h>
#include <hotline/event.h>

/* RFC 3339 text, or null for 0 (the phase did not happen) */
static json_t *time_or_null(uint64_t ms)
{
	char buf[25];

	if (!ms)
		return json_null();
	event_time_format(buf, ms);
	return json_string(buf);
}

static json_t *str_or_null(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

/* Time in queue: null when never queued; while the call still waits
 * (queued, no result, not ended) it counts up to now_ms like the other
 * durations; once the wait is over, the recorded wait_ms. */
static json_t *wait_json(const struct call_record *c, uint64_t now_ms)
{
	uint64_t w = c->wait_ms;

	if (!c->queued_ms)
		return json_null();
	if (c->queue_result == CALL_QUEUE_NONE && c->state != CALL_ENDED &&
	    now_ms > c->queued_ms && now_ms - c->queued_ms > w)
		w = now_ms - c->queued_ms;
	return json_integer((json_int_t)w);
}

/**
 * The call record as the API and the call.* events show it:
 * id, direction, state, from, to, did, trunk_id, agent_id, created_at,
 * ringing_at, answered_at, ended_at, ring_duration_ms, talk_duration_ms,
 * hangup_cause, hangup_by, sip_status, held, and for the ACD queue_id,
 * queued_at, wait_ms, queue_result, and for flows flow_id, flow_version,
 * contact_id. Empty strings, zero ids and versions, zero times, "none"
 * causes and results are null (wait_ms is null when the call was never
 * queued). Durations of a phase still running count up to now_ms.
 *
 * @return A new reference, NULL on ENOMEM (or a string that is not UTF-8:
 *         the B2BUA keeps party names as it parsed them from SIP).
 */
json_t *call_json(const struct call_record *c, uint64_t now_ms)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,"
			 "s:o,s:o,s:o,s:o,s:I,s:I,s:o,s:o,s:o,s:b,"
			 "s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
		"id", c->id,
		"direction", call_direction_name(c->direction),
		"state", call_state_name(c->state),
		"from", c->from, "to", c->to,
		"did", str_or_null(c->did),
		"trunk_id", str_or_null(c->trunk_id),
		"agent_id", c->agent_id ? json_integer((json_int_t)c->agent_id)
					: json_null(),
		"created_at", time_or_null(c->created_ms),
		"ringing_at", time_or_null(c->ringing_ms),
		"answered_at", time_or_null(c->answered_ms),
		"ended_at", time_or_null(c->ended_ms),
		"ring_duration_ms", (json_int_t)call_ring_ms(c, now_ms),
		"talk_duration_ms", (json_int_t)call_talk_ms(c, now_ms),
		"hangup_cause", str_or_null(call_cause_name(c->cause)),
		"hangup_by", str_or_null(call_party_name(c->hangup_by)),
		"sip_status", c->sip_status ? json_integer(c->sip_status)
					    : json_null(),
		"held", c->state == CALL_HELD,
		"queue_id", str_or_null(c->queue_id),
		"queued_at", time_or_null(c->queued_ms),
		"wait_ms", wait_json(c, now_ms),
		"queue_result", str_or_null(call_queue_result_name(
						c->queue_result)),
		"flow_id", str_or_null(c->flow_id),
		"flow_version", c->flow_version ?
			json_integer(c->flow_version) : json_null(),
		"contact_id", c->contact_id ?
			json_integer((json_int_t)c->contact_id) : json_null());
}

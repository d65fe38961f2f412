/** @file core/call.c  Call state machine, durations, SIP cause mapping and
 *  names (no I/O) */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <re_types.h>
#include <re_fmt.h>
#include <hotline/call.h>

static const char *state_names[CALL_STATE_COUNT] = {
	"created", "ringing", "answered", "held", "ended"
};
static const char *direction_names[CALL_DIRECTION_COUNT] = {
	"inbound", "outbound", "internal"
};
static const char *cause_names[CALL_CAUSE_COUNT] = {
	"", "normal_clearing", "no_answer", "busy", "cancelled", "rejected",
	"unavailable", "not_found", "incompatible", "media_timeout",
	"api_hangup", "failure", "shutdown"
};
static const char *party_names[CALL_PARTY_COUNT] = {
	"", "caller", "callee", "system", "api"
};
static const char *queue_result_names[CALL_QUEUE_RESULT_COUNT] = {
	"", "answered", "abandoned", "overflowed"
};

/* Status answered to the caller for an unanswered call, by cause.
 * NONE, NORMAL_CLEARING (the call was answered: never used before
 * answer) and the causes with no better SIP meaning get 500. */
static const uint16_t cause_status[CALL_CAUSE_COUNT] = {
	[CALL_CAUSE_NONE]            = 500,
	[CALL_CAUSE_NORMAL_CLEARING] = 200,
	[CALL_CAUSE_NO_ANSWER]       = 480,
	[CALL_CAUSE_BUSY]            = 486,
	[CALL_CAUSE_CANCELLED]       = 487,
	[CALL_CAUSE_REJECTED]        = 603,
	[CALL_CAUSE_UNAVAILABLE]     = 480,
	[CALL_CAUSE_NOT_FOUND]       = 404,
	[CALL_CAUSE_INCOMPATIBLE]    = 488,
	[CALL_CAUSE_MEDIA_TIMEOUT]   = 500,
	[CALL_CAUSE_API_HANGUP]      = 603,
	[CALL_CAUSE_FAILURE]         = 500,
	[CALL_CAUSE_SHUTDOWN]        = 500,
};


/* --- transitions ----------------------------------------------------- */

/**
 * Start a call record: state created at now_ms, everything else empty.
 * id is copied (truncated to CALL_ID_MAX - 1 bytes; NULL gives "").
 */
void call_init(struct call_record *c, const char *id,
	       enum call_direction dir, uint64_t now_ms)
{
	if (!c)
		return;

	memset(c, 0, sizeof(*c));
	str_ncpy(c->id, id ? id : "", sizeof(c->id));
	c->direction  = dir;
	c->state      = CALL_CREATED;
	c->created_ms = now_ms;
}


/** created -> ringing (the callee sent 180/183, or the agent's phone
 *  rings). false in any other state: a second 180 changes nothing. */
bool call_ringing(struct call_record *c, uint64_t now_ms)
{
	if (!c || c->state != CALL_CREATED)
		return false;

	c->state = CALL_RINGING;
	c->ringing_ms = now_ms;
	return true;
}


/** created|ringing -> answered (200 OK). A call answered without ringing
 *  keeps ringing_ms 0. */
bool call_answered(struct call_record *c, uint64_t now_ms)
{
	if (!c || (c->state != CALL_CREATED && c->state != CALL_RINGING))
		return false;

	c->state = CALL_ANSWERED;
	c->answered_ms = now_ms;
	return true;
}


/** answered -> held; held_ms is the start of the hold. */
bool call_held(struct call_record *c, uint64_t now_ms)
{
	if (!c || c->state != CALL_ANSWERED)
		return false;

	c->state = CALL_HELD;
	c->held_ms = now_ms;
	return true;
}


/** held -> answered; held_ms goes back to 0. */
bool call_resumed(struct call_record *c, uint64_t now_ms)
{
	(void)now_ms;

	if (!c || c->state != CALL_HELD)
		return false;

	c->state = CALL_ANSWERED;
	c->held_ms = 0;
	return true;
}


/**
 * Any state but ended -> ended at now_ms, recording why (cause), who
 * (by) and the final SIP status (0 when none). An ended call always has
 * a cause: CALL_CAUSE_NONE or an out-of-range cause is recorded as
 * CALL_CAUSE_FAILURE, an out-of-range party as CALL_PARTY_NONE.
 * false when the call had already ended (the first end wins).
 */
bool call_ended(struct call_record *c, enum call_cause cause,
		enum call_party by, uint16_t sip_status, uint64_t now_ms)
{
	if (!c || c->state == CALL_ENDED)
		return false;

	if (cause == CALL_CAUSE_NONE || (unsigned)cause >= CALL_CAUSE_COUNT)
		cause = CALL_CAUSE_FAILURE;
	if ((unsigned)by >= CALL_PARTY_COUNT)
		by = CALL_PARTY_NONE;

	c->state      = CALL_ENDED;
	c->cause      = cause;
	c->hangup_by  = by;
	c->sip_status = sip_status;
	c->ended_ms   = now_ms;
	c->held_ms    = 0;
	return true;
}


/** Whether the call has not ended (NULL: false) */
bool call_is_active(const struct call_record *c)
{
	return c && c->state != CALL_ENDED;
}


/* --- durations ------------------------------------------------------- */

/* to - from, or 0 when the clock went backwards */
static uint64_t span(uint64_t from, uint64_t to)
{
	return to > from ? to - from : 0;
}

/** Ringing time: from ringing_ms to the answer, the end, or now_ms while
 *  it still rings; 0 when the call never rang. */
uint64_t call_ring_ms(const struct call_record *c, uint64_t now_ms)
{
	uint64_t until;

	if (!c || !c->ringing_ms)
		return 0;

	until = c->answered_ms ? c->answered_ms :
		c->ended_ms ? c->ended_ms : now_ms;
	return span(c->ringing_ms, until);
}

/** Talk time: from the answer to the end (holds included), or to now_ms
 *  while it lasts; 0 when the call was never answered. */
uint64_t call_talk_ms(const struct call_record *c, uint64_t now_ms)
{
	if (!c || !c->answered_ms)
		return 0;

	return span(c->answered_ms, c->ended_ms ? c->ended_ms : now_ms);
}


/* --- SIP mapping ----------------------------------------------------- */

/**
 * The cause for a final failure status received from the callee side.
 * ringing: the callee had sent 180/183 before, which turns 480 into
 * no_answer (it rang, nobody took it) instead of unavailable. Any status
 * not listed (including non-failures, which the caller should not pass)
 * is CALL_CAUSE_FAILURE.
 */
enum call_cause call_cause_from_sip(uint16_t status, bool ringing)
{
	switch (status) {

	case 486: case 600: return CALL_CAUSE_BUSY;
	case 403: case 603: return CALL_CAUSE_REJECTED;
	case 404: case 484: case 604: return CALL_CAUSE_NOT_FOUND;
	case 488: case 606: return CALL_CAUSE_INCOMPATIBLE;
	case 408: return CALL_CAUSE_NO_ANSWER;
	case 480: return ringing ? CALL_CAUSE_NO_ANSWER :
		CALL_CAUSE_UNAVAILABLE;
	case 487: return CALL_CAUSE_CANCELLED;
	default:  return CALL_CAUSE_FAILURE;
	}
}


/**
 * The final status to answer the caller with when the call ends before
 * it was answered: busy 486, no_answer and unavailable 480, rejected 603,
 * not_found 404, incompatible 488, cancelled 487, api_hangup 603 (someone
 * refused the call on purpose). media_timeout, failure, shutdown, none
 * and out-of-range causes give 500. normal_clearing gives 200, which is
 * never a failure answer: the call was answered.
 */
uint16_t call_cause_sip_status(enum call_cause cause)
{
	return (unsigned)cause < CALL_CAUSE_COUNT ? cause_status[cause] : 500;
}


/* --- names ----------------------------------------------------------- */

static const char *name_get(const char *const *v, size_t n, int i)
{
	return (i >= 0 && (size_t)i < n) ? v[i] : "?";
}

static int name_find(const char *const *v, size_t n, const char *s)
{
	if (!s)
		return -1;

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(v[i], s))
			return (int)i;
	}

	return -1;
}

/** State name ("created", ... "ended"); "?" when out of range, like the
 *  other names below. */
const char *call_state_name(enum call_state s)
{
	return name_get(state_names, CALL_STATE_COUNT, s);
}

const char *call_direction_name(enum call_direction d)
{
	return name_get(direction_names, CALL_DIRECTION_COUNT, d);
}

/** Cause name, "" for CALL_CAUSE_NONE (a call that has not ended). */
const char *call_cause_name(enum call_cause c)
{
	return name_get(cause_names, CALL_CAUSE_COUNT, c);
}

/** Party name, "" for CALL_PARTY_NONE. */
const char *call_party_name(enum call_party p)
{
	return name_get(party_names, CALL_PARTY_COUNT, p);
}

/** How a queued call left its queue: "" for CALL_QUEUE_NONE (never
 *  queued, or still waiting), "answered", "abandoned", "overflowed". */
const char *call_queue_result_name(enum call_queue_result r)
{
	return name_get(queue_result_names, CALL_QUEUE_RESULT_COUNT, r);
}

/** Parse an exact, lower-case state name: 0, or EINVAL (*out untouched).
 *  The other parse functions follow the same contract; for causes,
 *  parties and queue results "" parses as NONE, so every name
 *  round-trips. */
int call_state_parse(const char *s, enum call_state *out)
{
	int i = name_find(state_names, CALL_STATE_COUNT, s);

	if (i < 0 || !out)
		return EINVAL;

	*out = (enum call_state)i;
	return 0;
}

int call_direction_parse(const char *s, enum call_direction *out)
{
	int i = name_find(direction_names, CALL_DIRECTION_COUNT, s);

	if (i < 0 || !out)
		return EINVAL;

	*out = (enum call_direction)i;
	return 0;
}

int call_cause_parse(const char *s, enum call_cause *out)
{
	int i = name_find(cause_names, CALL_CAUSE_COUNT, s);

	if (i < 0 || !out)
		return EINVAL;

	*out = (enum call_cause)i;
	return 0;
}

int call_party_parse(const char *s, enum call_party *out)
{
	int i = name_find(party_names, CALL_PARTY_COUNT, s);

	if (i < 0 || !out)
		return EINVAL;

	*out = (enum call_party)i;
	return 0;
}

int call_queue_result_parse(const char *s, enum call_queue_result *out)
{
	int i = name_find(queue_result_names, CALL_QUEUE_RESULT_COUNT, s);

	if (i < 0 || !out)
		return EINVAL;

	*out = (enum call_queue_result)i;
	return 0;
}

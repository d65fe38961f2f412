/** @file core/agent.c  Agent state machine, names, validators, HA1 (no I/O) */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <re_types.h>
#include <re_fmt.h>
#include <re_md5.h>
#include <hotline/agent.h>

/* The status is presence and availability folded into one value */
enum status { ST_LOGGED_OUT = 0, ST_NOT_READY, ST_READY, ST_COUNT };

/* Extra conditions a status rule checks beyond the current status */
enum guard {
	G_NONE = 0,
	G_IDLE,          /* every channel idle, else AGENT_E_ACTIVE */
	G_NEW_REASON,    /* reason differs from the current one */
};

struct status_rule {
	enum agent_verdict verdict;  /* AGENT_OK: apply if the guard holds */
	enum status to;
	enum guard guard;
};

#define OK_TO(s, g) { AGENT_OK, (s), (g) }
#define REFUSE(v)   { (v), ST_LOGGED_OUT, G_NONE }
#define STATUS_ACTIONS AGENT_ACTION_OFFER   /* LOGIN..NOT_READY come first */

/* [status][action] */
static const struct status_rule status_rules[ST_COUNT][STATUS_ACTIONS] = {
	[ST_LOGGED_OUT] = {
		[AGENT_ACTION_LOGIN]     = OK_TO(ST_NOT_READY, G_NONE),
		[AGENT_ACTION_LOGOUT]    = REFUSE(AGENT_E_LOGGED_OUT),
		[AGENT_ACTION_READY]     = REFUSE(AGENT_E_LOGGED_OUT),
		[AGENT_ACTION_NOT_READY] = REFUSE(AGENT_E_LOGGED_OUT),
	},
	[ST_NOT_READY] = {
		[AGENT_ACTION_LOGIN]     = REFUSE(AGENT_E_LOGGED_IN),
		[AGENT_ACTION_LOGOUT]    = OK_TO(ST_LOGGED_OUT, G_IDLE),
		[AGENT_ACTION_READY]     = OK_TO(ST_READY, G_NONE),
		[AGENT_ACTION_NOT_READY] = OK_TO(ST_NOT_READY, G_NEW_REASON),
	},
	[ST_READY] = {
		[AGENT_ACTION_LOGIN]     = REFUSE(AGENT_E_LOGGED_IN),
		[AGENT_ACTION_LOGOUT]    = OK_TO(ST_LOGGED_OUT, G_IDLE),
		[AGENT_ACTION_READY]     = REFUSE(AGENT_E_ALREADY_READY),
		[AGENT_ACTION_NOT_READY] = OK_TO(ST_NOT_READY, G_NONE),
	},
};

#define ACT_ACTIONS (AGENT_ACTION_COUNT - AGENT_ACTION_OFFER)
#define NO  (-1)             /* refused with AGENT_E_ACTIVITY */
#define IDL AGENT_IDLE
#define OFR AGENT_OFFERED
#define BSY AGENT_BUSY
#define WRP AGENT_WRAP_UP

/* [activity][action - AGENT_ACTION_OFFER]: the next activity, or NO */
static const int8_t activity_next[AGENT_ACTIVITY_COUNT][ACT_ACTIONS] = {
	/*                 offer accept decline seize wrap_up release */
	[AGENT_IDLE]    = {OFR,  NO,    NO,     BSY,  NO,     NO},
	[AGENT_OFFERED] = {NO,   BSY,   IDL,    NO,   NO,     NO},
	[AGENT_BUSY]    = {NO,   NO,    NO,     NO,   WRP,    IDL},
	[AGENT_WRAP_UP] = {NO,   NO,    NO,     NO,   NO,     IDL},
};

static const char *status_names[ST_COUNT] = {
	"logged_out", "not_ready", "ready"
};
static const char *activity_names[AGENT_ACTIVITY_COUNT] = {
	"idle", "offered", "busy", "wrap_up"
};
static const char *action_names[AGENT_ACTION_COUNT] = {
	"login", "logout", "ready", "not_ready", "offer", "accept",
	"decline", "seize", "wrap_up", "release"
};
static const char *channel_names[AGENT_CH_COUNT] = {
	"voice", "chat", "email"
};

static const struct {
	const char *code;
	const char *msg;
} verdicts[AGENT_VERDICT_COUNT] = {
	[AGENT_OK]              = {"ok", "OK"},
	[AGENT_E_LOGGED_OUT]    = {"agent_logged_out",
				   "The agent is logged out"},
	[AGENT_E_LOGGED_IN]     = {"agent_logged_in",
				   "The agent is already logged in"},
	[AGENT_E_ALREADY_READY] = {"already_ready",
				   "The agent is already ready"},
	[AGENT_E_SAME_REASON]   = {"same_reason",
				   "The agent is already not ready "
				   "for this reason"},
	[AGENT_E_ACTIVE]        = {"agent_active",
				   "The agent has a task in progress "
				   "on a channel"},
	[AGENT_E_NOT_READY]     = {"agent_not_ready",
				   "The agent is not ready"},
	[AGENT_E_ACTIVITY]      = {"invalid_activity_transition",
				   "The channel's current activity "
				   "does not allow this action"},
};


static enum status status_of(const struct agent_state *st)
{
	if (st->presence == AGENT_LOGGED_OUT)
		return ST_LOGGED_OUT;

	return st->availability == AGENT_READY ? ST_READY : ST_NOT_READY;
}


static bool all_idle(const struct agent_state *st)
{
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		if (st->activity[ch] != AGENT_IDLE)
			return false;
	}

	return true;
}


static void transition_fill(struct agent_transition *tr,
			    enum agent_action act, int ch, const char *from,
			    const char *to, const char *reason, uint64_t now_ms)
{
	if (!tr)
		return;

	memset(tr, 0, sizeof(*tr));
	tr->action  = act;
	tr->channel = ch;
	str_ncpy(tr->from, from, sizeof(tr->from));
	str_ncpy(tr->to, to, sizeof(tr->to));
	str_ncpy(tr->reason, reason, sizeof(tr->reason));
	tr->at_ms = now_ms;
}


static enum agent_verdict status_apply(struct agent_state *st,
				       enum agent_action act,
				       const char *reason, uint64_t now_ms,
				       struct agent_transition *tr)
{
	enum status from = status_of(st);
	const struct status_rule *r = &status_rules[from][act];
	char newreason[AGENT_REASON_MAX] = "";

	if (r->verdict != AGENT_OK)
		return r->verdict;

	/* Longer reasons are truncated: the caller validates them */
	if (act == AGENT_ACTION_NOT_READY)
		str_ncpy(newreason, reason ? reason : "", sizeof(newreason));

	if (r->guard == G_IDLE && !all_idle(st))
		return AGENT_E_ACTIVE;
	if (r->guard == G_NEW_REASON && !strcmp(st->reason, newreason))
		return AGENT_E_SAME_REASON;

	st->presence = r->to == ST_LOGGED_OUT ? AGENT_LOGGED_OUT
					      : AGENT_LOGGED_IN;
	st->availability = r->to == ST_READY ? AGENT_READY : AGENT_NOT_READY;
	memcpy(st->reason, newreason, sizeof(st->reason));
	st->status_since_ms = now_ms;

	transition_fill(tr, act, -1, status_names[from], status_names[r->to],
			newreason, now_ms);

	return AGENT_OK;
}


static enum agent_verdict activity_apply(struct agent_state *st,
					 enum agent_action act,
					 enum agent_channel ch,
					 uint64_t now_ms,
					 struct agent_transition *tr)
{
	enum agent_activity from = st->activity[ch];
	int to;

	/* An offer needs a routable agent whatever the channel is doing */
	if (act == AGENT_ACTION_OFFER && st->presence != AGENT_LOGGED_IN)
		return AGENT_E_LOGGED_OUT;
	if (act == AGENT_ACTION_OFFER && st->availability != AGENT_READY)
		return AGENT_E_NOT_READY;

	to = activity_next[from][act - AGENT_ACTION_OFFER];
	if (to == NO)
		return AGENT_E_ACTIVITY;

	st->activity[ch] = (enum agent_activity)to;
	st->activity_since_ms[ch] = now_ms;

	transition_fill(tr, act, (int)ch, activity_names[from],
			activity_names[to], "", now_ms);

	return AGENT_OK;
}


/**
 * Defaults for a new agent: everything zero (logged out, not ready, no
 * reason, every channel idle, no skills) and capacity voice 1 / chat 3 /
 * email 5.
 */
void agent_init(struct agent *a)
{
	if (!a)
		return;

	memset(a, 0, sizeof(*a));
	a->capacity[AGENT_CH_VOICE] = 1;
	a->capacity[AGENT_CH_CHAT]  = 3;
	a->capacity[AGENT_CH_EMAIL] = 5;
}


/**
 * Apply one action to an agent's state: the whole state machine.
 *
 * Status actions (LOGIN..NOT_READY) follow status_rules; availability may
 * change whatever the channels are doing (an agent on a call may choose
 * not_ready for after it), but LOGOUT needs every channel idle. Activity
 * actions (OFFER..RELEASE) act on channel ch and follow activity_next;
 * OFFER also needs a logged-in, ready agent, checked before the activity.
 * SEIZE (a direct call) works in any status.
 *
 * @param st      State, changed only on AGENT_OK
 * @param act     Action
 * @param ch      Channel, for activity actions only
 * @param reason  New not_ready reason for AGENT_ACTION_NOT_READY; NULL means ""
 * @param now_ms  Time of the action, stored in the *_since_ms fields
 * @param tr      Optional; filled on AGENT_OK only (agent_id 0, channel
 *                -1 for status actions)
 *
 * @return AGENT_OK or the reason for refusal. An out-of-range action or
 *         channel is refused with AGENT_E_ACTIVITY.
 */
enum agent_verdict agent_apply(struct agent_state *st, enum agent_action act,
			       enum agent_channel ch, const char *reason,
			       uint64_t now_ms, struct agent_transition *tr)
{
	if ((unsigned)act >= AGENT_ACTION_COUNT)
		return AGENT_E_ACTIVITY;

	if (act < STATUS_ACTIONS)
		return status_apply(st, act, reason, now_ms, tr);

	if ((unsigned)ch >= AGENT_CH_COUNT)
		return AGENT_E_ACTIVITY;

	return activity_apply(st, act, ch, now_ms, tr);
}


static int name_find(const char *const *names, size_t n, const char *s)
{
	if (!s)
		return -1;

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(names[i], s))
			return (int)i;
	}

	return -1;
}


static const char *name_get(const char *const *names, size_t n, unsigned i)
{
	return i < n ? names[i] : "?";
}


/** Status name: "logged_out", "ready" or "not_ready". */
const char *agent_status_name(const struct agent_state *st)
{
	return status_names[status_of(st)];
}


/** Activity name, or "?" when out of range (same for the names below). */
const char *agent_activity_name(enum agent_activity a)
{
	return name_get(activity_names, AGENT_ACTIVITY_COUNT, a);
}


const char *agent_action_name(enum agent_action a)
{
	return name_get(action_names, AGENT_ACTION_COUNT, a);
}


const char *agent_channel_name(enum agent_channel ch)
{
	return name_get(channel_names, AGENT_CH_COUNT, ch);
}


/** Parse an exact, lower-case action name: 0, or EINVAL (*a untouched).
 *  The other parse functions follow the same contract. */
int agent_action_parse(const char *s, enum agent_action *a)
{
	int i = name_find(action_names, AGENT_ACTION_COUNT, s);

	if (i < 0 || !a)
		return EINVAL;

	*a = (enum agent_action)i;
	return 0;
}


int agent_channel_parse(const char *s, enum agent_channel *ch)
{
	int i = name_find(channel_names, AGENT_CH_COUNT, s);

	if (i < 0 || !ch)
		return EINVAL;

	*ch = (enum agent_channel)i;
	return 0;
}


int agent_activity_parse(const char *s, enum agent_activity *a)
{
	int i = name_find(activity_names, AGENT_ACTIVITY_COUNT, s);

	if (i < 0 || !a)
		return EINVAL;

	*a = (enum agent_activity)i;
	return 0;
}


/**
 * Restore presence and availability from a status name. The reason is
 * kept for "not_ready" (restore it separately) and cleared otherwise, so
 * the invariants of struct agent_state hold. Activities are untouched.
 *
 * @return 0, or EINVAL for an unknown name (st untouched)
 */
int agent_status_parse(const char *s, struct agent_state *st)
{
	int i = name_find(status_names, ST_COUNT, s);

	if (i < 0 || !st)
		return EINVAL;

	st->presence = i == ST_LOGGED_OUT ? AGENT_LOGGED_OUT : AGENT_LOGGED_IN;
	st->availability = i == ST_READY ? AGENT_READY : AGENT_NOT_READY;
	if (i != ST_NOT_READY)
		st->reason[0] = '\0';

	return 0;
}


/** Machine code of a verdict ("ok", "agent_logged_out", ...); "?" if
 *  out of range. */
const char *agent_verdict_code(enum agent_verdict v)
{
	return (unsigned)v < AGENT_VERDICT_COUNT ? verdicts[v].code : "?";
}


/** One-sentence human message for a verdict. */
const char *agent_verdict_message(enum agent_verdict v)
{
	return (unsigned)v < AGENT_VERDICT_COUNT ? verdicts[v].msg
						 : "Unknown verdict";
}


#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGIT "0123456789"

/* 1..max bytes, all from set */
static bool charset_valid(const char *s, size_t max, const char *set)
{
	size_t n;

	if (!s)
		return false;

	n = strspn(s, set);

	return n >= 1 && n <= max && s[n] == '\0';
}


/** Extension (SIP user): [0-9A-Za-z_.+-]{1,31} */
bool agent_extension_valid(const char *ext)
{
	return charset_valid(ext, AGENT_EXT_MAX - 1, LOWER UPPER DIGIT "_.+-");
}


/** Skill name: [a-z0-9_.-]{1,31} */
bool agent_skill_name_valid(const char *name)
{
	return charset_valid(name, AGENT_SKILL_MAX - 1, LOWER DIGIT "_.-");
}


/** Not-ready reason code: [a-z0-9_-]{1,31} */
bool agent_reason_valid(const char *reason)
{
	return charset_valid(reason, AGENT_REASON_MAX - 1, LOWER DIGIT "_-");
}


/**
 * HA1 for SIP digest: lower-case hex MD5(user ":" realm ":" password).
 * NULL strings count as "". out is "" if memory runs out, which never
 * matches a digest response.
 */
void agent_ha1(char out[33], const char *user, const char *realm,
	       const char *password)
{
	uint8_t md[MD5_SIZE];

	out[0] = '\0';

	if (md5_printf(md, "%s:%s:%s", user ? user : "", realm ? realm : "",
		       password ? password : ""))
		return;

	(void)re_snprintf(out, MD5_STR_SIZE, "%w", md, sizeof(md));
}

/** @file hotline/agent.h  Agents: identity, skills, capacity and the state
 *  machine (presence, availability with reason codes, activity per channel).
 *  Pure core: no I/O; time is an argument. */
#ifndef HOTLINE_AGENT_H
#define HOTLINE_AGENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define AGENT_NAME_MAX    128   /* bytes incl. NUL */
#define AGENT_EXT_MAX     32
#define AGENT_REASON_MAX  32
#define AGENT_SKILL_MAX   32    /* skill name bytes incl. NUL */
#define AGENT_SKILLS_MAX  32    /* skills per agent */
#define AGENT_SKILL_LEVEL_MAX 100
#define AGENT_CAPACITY_MAX    100

enum agent_channel { AGENT_CH_VOICE = 0, AGENT_CH_CHAT, AGENT_CH_EMAIL,
		     AGENT_CH_COUNT };

enum agent_presence { AGENT_LOGGED_OUT = 0, AGENT_LOGGED_IN };

enum agent_availability { AGENT_NOT_READY = 0, AGENT_READY };

enum agent_activity { AGENT_IDLE = 0, AGENT_OFFERED, AGENT_BUSY,
		      AGENT_WRAP_UP, AGENT_ACTIVITY_COUNT };

/* What can happen to an agent. LOGIN..NOT_READY change the agent's status;
 * the rest change the activity of one channel. (AGENT_ACTION_ prefix: plain
 * AGENT_READY / AGENT_NOT_READY / AGENT_WRAP_UP are state values above.) */
enum agent_action {
	AGENT_ACTION_LOGIN = 0, /* logged_out -> not_ready (no reason) */
	AGENT_ACTION_LOGOUT,    /* ready|not_ready -> logged_out; every channel idle */
	AGENT_ACTION_READY,     /* not_ready -> ready */
	AGENT_ACTION_NOT_READY, /* ready -> not_ready(reason); not_ready -> other reason */
	AGENT_ACTION_OFFER,     /* idle -> offered; logged in and ready */
	AGENT_ACTION_ACCEPT,    /* offered -> busy */
	AGENT_ACTION_DECLINE,   /* offered -> idle (declined or timed out) */
	AGENT_ACTION_SEIZE,     /* idle -> busy (a direct call, not routed;
				   allowed whatever the status) */
	AGENT_ACTION_WRAP_UP,   /* busy -> wrap_up */
	AGENT_ACTION_RELEASE,   /* busy|wrap_up -> idle */
	AGENT_ACTION_COUNT
};

/* Why an action was refused; each maps to one HTTP 409 code */
enum agent_verdict {
	AGENT_OK = 0,
	AGENT_E_LOGGED_OUT,        /* action needs a logged-in agent */
	AGENT_E_LOGGED_IN,         /* login while logged in */
	AGENT_E_ALREADY_READY,     /* ready while ready */
	AGENT_E_SAME_REASON,       /* not_ready with the reason already set */
	AGENT_E_ACTIVE,            /* logout while a channel is not idle */
	AGENT_E_NOT_READY,         /* offer to an agent who is not ready */
	AGENT_E_ACTIVITY,          /* the channel's activity forbids it */
	AGENT_VERDICT_COUNT
};

struct agent_skill {
	char name[AGENT_SKILL_MAX];   /* [a-z0-9_.-]+ */
	uint8_t level;                /* 1..AGENT_SKILL_LEVEL_MAX */
};

/* The state. Invariants: logged_out => not_ready, empty reason, every
 * channel idle except after SEIZE (a direct call). ready => empty reason. */
struct agent_state {
	enum agent_presence presence;
	enum agent_availability availability;
	char reason[AGENT_REASON_MAX];          /* when not_ready; may be "" */
	enum agent_activity activity[AGENT_CH_COUNT];
	uint64_t status_since_ms;               /* last presence/availability change */
	uint64_t activity_since_ms[AGENT_CH_COUNT];
};

struct agent {
	uint64_t id;                            /* > 0, assigned by the store */
	char name[AGENT_NAME_MAX];
	char extension[AGENT_EXT_MAX];          /* SIP user name, unique */
	char ha1[33];                           /* hex MD5(ext:realm:password) */
	struct agent_skill skillv[AGENT_SKILLS_MAX];
	size_t skillc;
	uint16_t capacity[AGENT_CH_COUNT];      /* voice 1, chat N, email N */
	struct agent_state st;
	uint64_t created_ms, updated_ms;
};

/* One recorded transition, as stored in agent_activities */
struct agent_transition {
	uint64_t agent_id;
	enum agent_action action;
	int channel;                 /* enum agent_channel, -1 for status actions */
	char from[24];               /* "logged_out", "ready", "not_ready",
					or an activity: "idle", "offered", ... */
	char to[24];
	char reason[AGENT_REASON_MAX];   /* not_ready reason or "" */
	uint64_t at_ms;
};

/** Defaults for a new agent: logged out, not ready, idle, capacity
 *  voice 1 / chat 3 / email 5. */
void agent_init(struct agent *a);

/** Apply action to st at now_ms. ch is used by activity actions only.
 *  reason: the not_ready reason (NULL or "" allowed: validated against
 *  the configured list by the caller). On AGENT_OK st changes and *tr
 *  (if not NULL) describes the transition (agent_id left 0); otherwise
 *  st and *tr are untouched. */
enum agent_verdict agent_apply(struct agent_state *st, enum agent_action act,
			       enum agent_channel ch, const char *reason,
			       uint64_t now_ms, struct agent_transition *tr);

/* Names on the wire and in storage; parse returns 0 or EINVAL */
const char *agent_status_name(const struct agent_state *st); /* logged_out|ready|not_ready */
const char *agent_activity_name(enum agent_activity a);
const char *agent_action_name(enum agent_action a);
const char *agent_channel_name(enum agent_channel ch);
int agent_action_parse(const char *s, enum agent_action *a);
int agent_channel_parse(const char *s, enum agent_channel *ch);
int agent_activity_parse(const char *s, enum agent_activity *a);
/** Restore presence/availability from agent_status_name() output. */
int agent_status_parse(const char *s, struct agent_state *st);

/** Machine code ("agent_logged_out", ...) and a human message. */
const char *agent_verdict_code(enum agent_verdict v);
const char *agent_verdict_message(enum agent_verdict v);

/* Validation of names coming from the API */
bool agent_extension_valid(const char *ext);     /* [0-9A-Za-z_.+-]{1,31} */
bool agent_skill_name_valid(const char *name);   /* [a-z0-9_.-]{1,31} */
bool agent_reason_valid(const char *reason);     /* [a-z0-9_-]{1,31} */

/** HA1 for SIP digest: hex MD5(user ":" realm ":" password). */
void agent_ha1(char out[33], const char *user, const char *realm,
	       const char *password);

#endif

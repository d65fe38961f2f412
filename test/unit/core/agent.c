/** @file test/unit/core/agent.c  Agent state machine, every (state, action) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include <hotline/agent.h>

/* Short names for the tables */
#define A_LOGIN   AGENT_ACTION_LOGIN
#define A_LOGOUT  AGENT_ACTION_LOGOUT
#define A_READY   AGENT_ACTION_READY
#define A_NR      AGENT_ACTION_NOT_READY
#define A_OFFER   AGENT_ACTION_OFFER
#define A_ACCEPT  AGENT_ACTION_ACCEPT
#define A_DECLINE AGENT_ACTION_DECLINE
#define A_SEIZE   AGENT_ACTION_SEIZE
#define A_WRAP    AGENT_ACTION_WRAP_UP
#define A_RELEASE AGENT_ACTION_RELEASE
#define IDLE      AGENT_IDLE
#define OFFERED   AGENT_OFFERED
#define BUSY      AGENT_BUSY
#define WRAP      AGENT_WRAP_UP
#define P_IN      AGENT_LOGGED_IN
#define P_OUT     AGENT_LOGGED_OUT
#define AV_RDY    AGENT_READY
#define AV_NR     AGENT_NOT_READY

#define T0  100     /* every *_since_ms of a sample state */
#define NOW 5000

/* Representative states; activity samples act on the voice channel */
enum sample {
	S_OUT, S_NR, S_NR_LUNCH, S_READY,
	S_READY_OFFERED, S_READY_BUSY, S_READY_WRAP,
	S_NR_OFFERED, S_NR_BUSY, S_NR_WRAP,
	S_OUT_BUSY,     /* logged out, on a direct (seized) call */
	S_COUNT
};

static const char *sample_names[S_COUNT] = {
	"logged_out", "not_ready", "not_ready(lunch)", "ready",
	"ready+offered", "ready+busy", "ready+wrap_up",
	"not_ready(lunch)+offered", "not_ready(lunch)+busy",
	"not_ready(lunch)+wrap_up", "logged_out+busy",
};

static void sample_make(enum sample s, struct agent_state *st)
{
	static const struct {
		enum agent_presence p;
		enum agent_availability a;
		const char *reason;
		enum agent_activity voice;
	} def[S_COUNT] = {
		[S_OUT]           = {P_OUT, AV_NR, "", IDLE},
		[S_NR]            = {P_IN, AV_NR, "", IDLE},
		[S_NR_LUNCH]      = {P_IN, AV_NR, "lunch", IDLE},
		[S_READY]         = {P_IN, AV_RDY, "", IDLE},
		[S_READY_OFFERED] = {P_IN, AV_RDY, "", OFFERED},
		[S_READY_BUSY]    = {P_IN, AV_RDY, "", BUSY},
		[S_READY_WRAP]    = {P_IN, AV_RDY, "", WRAP},
		[S_NR_OFFERED]    = {P_IN, AV_NR, "lunch", OFFERED},
		[S_NR_BUSY]       = {P_IN, AV_NR, "lunch", BUSY},
		[S_NR_WRAP]       = {P_IN, AV_NR, "lunch", WRAP},
		[S_OUT_BUSY]      = {P_OUT, AV_NR, "", BUSY},
	};

	memset(st, 0, sizeof(*st));
	st->presence = def[s].p;
	st->availability = def[s].a;
	strcpy(st->reason, def[s].reason);
	st->activity[AGENT_CH_VOICE] = def[s].voice;
	st->status_since_ms = T0;
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++)
		st->activity_since_ms[ch] = T0;
}

struct row {
	enum sample s;
	enum agent_action act;
	const char *reason;         /* argument */
	enum agent_verdict v;
	const char *status;         /* expected on AGENT_OK */
	const char *st_reason;
	enum agent_activity voice;
};

/* Every grid row passes reason "lunch" (it matters for not_ready only) */
#define OK(s, a, status, rsn, voice) \
	{s, a, "lunch", AGENT_OK, status, rsn, voice}
#define NO(s, a, v) {s, a, "lunch", v, NULL, NULL, 0}

#define E_OUT AGENT_E_LOGGED_OUT
#define E_IN  AGENT_E_LOGGED_IN
#define E_RDY AGENT_E_ALREADY_READY
#define E_RSN AGENT_E_SAME_REASON
#define E_ACT AGENT_E_ACTIVE
#define E_NR  AGENT_E_NOT_READY
#define E_TR  AGENT_E_ACTIVITY

static const struct row rows[] = {
	OK(S_OUT, A_LOGIN, "not_ready", "", IDLE),
	NO(S_OUT, A_LOGOUT, E_OUT),
	NO(S_OUT, A_READY, E_OUT),
	NO(S_OUT, A_NR, E_OUT),
	NO(S_OUT, A_OFFER, E_OUT),
	NO(S_OUT, A_ACCEPT, E_TR),
	NO(S_OUT, A_DECLINE, E_TR),
	OK(S_OUT, A_SEIZE, "logged_out", "", BUSY),
	NO(S_OUT, A_WRAP, E_TR),
	NO(S_OUT, A_RELEASE, E_TR),

	NO(S_NR, A_LOGIN, E_IN),
	OK(S_NR, A_LOGOUT, "logged_out", "", IDLE),
	OK(S_NR, A_READY, "ready", "", IDLE),
	OK(S_NR, A_NR, "not_ready", "lunch", IDLE),
	NO(S_NR, A_OFFER, E_NR),
	NO(S_NR, A_ACCEPT, E_TR),
	NO(S_NR, A_DECLINE, E_TR),
	OK(S_NR, A_SEIZE, "not_ready", "", BUSY),
	NO(S_NR, A_WRAP, E_TR),
	NO(S_NR, A_RELEASE, E_TR),

	NO(S_NR_LUNCH, A_LOGIN, E_IN),
	OK(S_NR_LUNCH, A_LOGOUT, "logged_out", "", IDLE),
	OK(S_NR_LUNCH, A_READY, "ready", "", IDLE),
	NO(S_NR_LUNCH, A_NR, E_RSN),
	NO(S_NR_LUNCH, A_OFFER, E_NR),
	NO(S_NR_LUNCH, A_ACCEPT, E_TR),
	NO(S_NR_LUNCH, A_DECLINE, E_TR),
	OK(S_NR_LUNCH, A_SEIZE, "not_ready", "lunch", BUSY),
	NO(S_NR_LUNCH, A_WRAP, E_TR),
	NO(S_NR_LUNCH, A_RELEASE, E_TR),

	NO(S_READY, A_LOGIN, E_IN),
	OK(S_READY, A_LOGOUT, "logged_out", "", IDLE),
	NO(S_READY, A_READY, E_RDY),
	OK(S_READY, A_NR, "not_ready", "lunch", IDLE),
	OK(S_READY, A_OFFER, "ready", "", OFFERED),
	NO(S_READY, A_ACCEPT, E_TR),
	NO(S_READY, A_DECLINE, E_TR),
	OK(S_READY, A_SEIZE, "ready", "", BUSY),
	NO(S_READY, A_WRAP, E_TR),
	NO(S_READY, A_RELEASE, E_TR),

	NO(S_READY_OFFERED, A_LOGIN, E_IN),
	NO(S_READY_OFFERED, A_LOGOUT, E_ACT),
	NO(S_READY_OFFERED, A_READY, E_RDY),
	OK(S_READY_OFFERED, A_NR, "not_ready", "lunch", OFFERED),
	NO(S_READY_OFFERED, A_OFFER, E_TR),
	OK(S_READY_OFFERED, A_ACCEPT, "ready", "", BUSY),
	OK(S_READY_OFFERED, A_DECLINE, "ready", "", IDLE),
	NO(S_READY_OFFERED, A_SEIZE, E_TR),
	NO(S_READY_OFFERED, A_WRAP, E_TR),
	NO(S_READY_OFFERED, A_RELEASE, E_TR),

	NO(S_READY_BUSY, A_LOGIN, E_IN),
	NO(S_READY_BUSY, A_LOGOUT, E_ACT),
	NO(S_READY_BUSY, A_READY, E_RDY),
	OK(S_READY_BUSY, A_NR, "not_ready", "lunch", BUSY),
	NO(S_READY_BUSY, A_OFFER, E_TR),
	NO(S_READY_BUSY, A_ACCEPT, E_TR),
	NO(S_READY_BUSY, A_DECLINE, E_TR),
	NO(S_READY_BUSY, A_SEIZE, E_TR),
	OK(S_READY_BUSY, A_WRAP, "ready", "", WRAP),
	OK(S_READY_BUSY, A_RELEASE, "ready", "", IDLE),

	NO(S_READY_WRAP, A_LOGIN, E_IN),
	NO(S_READY_WRAP, A_LOGOUT, E_ACT),
	NO(S_READY_WRAP, A_READY, E_RDY),
	OK(S_READY_WRAP, A_NR, "not_ready", "lunch", WRAP),
	NO(S_READY_WRAP, A_OFFER, E_TR),
	NO(S_READY_WRAP, A_ACCEPT, E_TR),
	NO(S_READY_WRAP, A_DECLINE, E_TR),
	NO(S_READY_WRAP, A_SEIZE, E_TR),
	NO(S_READY_WRAP, A_WRAP, E_TR),
	OK(S_READY_WRAP, A_RELEASE, "ready", "", IDLE),

	NO(S_NR_OFFERED, A_LOGIN, E_IN),
	NO(S_NR_OFFERED, A_LOGOUT, E_ACT),
	OK(S_NR_OFFERED, A_READY, "ready", "", OFFERED),
	NO(S_NR_OFFERED, A_NR, E_RSN),
	NO(S_NR_OFFERED, A_OFFER, E_NR),
	OK(S_NR_OFFERED, A_ACCEPT, "not_ready", "lunch", BUSY),
	OK(S_NR_OFFERED, A_DECLINE, "not_ready", "lunch", IDLE),
	NO(S_NR_OFFERED, A_SEIZE, E_TR),
	NO(S_NR_OFFERED, A_WRAP, E_TR),
	NO(S_NR_OFFERED, A_RELEASE, E_TR),

	NO(S_NR_BUSY, A_LOGIN, E_IN),
	NO(S_NR_BUSY, A_LOGOUT, E_ACT),
	OK(S_NR_BUSY, A_READY, "ready", "", BUSY),
	NO(S_NR_BUSY, A_NR, E_RSN),
	NO(S_NR_BUSY, A_OFFER, E_NR),
	NO(S_NR_BUSY, A_ACCEPT, E_TR),
	NO(S_NR_BUSY, A_DECLINE, E_TR),
	NO(S_NR_BUSY, A_SEIZE, E_TR),
	OK(S_NR_BUSY, A_WRAP, "not_ready", "lunch", WRAP),
	OK(S_NR_BUSY, A_RELEASE, "not_ready", "lunch", IDLE),

	NO(S_NR_WRAP, A_LOGIN, E_IN),
	NO(S_NR_WRAP, A_LOGOUT, E_ACT),
	OK(S_NR_WRAP, A_READY, "ready", "", WRAP),
	NO(S_NR_WRAP, A_NR, E_RSN),
	NO(S_NR_WRAP, A_OFFER, E_NR),
	NO(S_NR_WRAP, A_ACCEPT, E_TR),
	NO(S_NR_WRAP, A_DECLINE, E_TR),
	NO(S_NR_WRAP, A_SEIZE, E_TR),
	NO(S_NR_WRAP, A_WRAP, E_TR),
	OK(S_NR_WRAP, A_RELEASE, "not_ready", "lunch", IDLE),

	OK(S_OUT_BUSY, A_LOGIN, "not_ready", "", BUSY),
	NO(S_OUT_BUSY, A_LOGOUT, E_OUT),
	NO(S_OUT_BUSY, A_READY, E_OUT),
	NO(S_OUT_BUSY, A_NR, E_OUT),
	NO(S_OUT_BUSY, A_OFFER, E_OUT),
	NO(S_OUT_BUSY, A_ACCEPT, E_TR),
	NO(S_OUT_BUSY, A_DECLINE, E_TR),
	NO(S_OUT_BUSY, A_SEIZE, E_TR),
	OK(S_OUT_BUSY, A_WRAP, "logged_out", "", WRAP),
	OK(S_OUT_BUSY, A_RELEASE, "logged_out", "", IDLE),

	/* The reason argument: changes, repeats, NULL, ignored elsewhere */
	{S_NR_LUNCH, A_NR, "break", AGENT_OK, "not_ready", "break", IDLE},
	{S_NR_BUSY, A_NR, "break", AGENT_OK, "not_ready", "break", BUSY},
	{S_NR, A_NR, "", E_RSN, NULL, NULL, 0},
	{S_NR, A_NR, NULL, E_RSN, NULL, NULL, 0},
	{S_READY, A_NR, "", AGENT_OK, "not_ready", "", IDLE},
	{S_READY, A_NR, NULL, AGENT_OK, "not_ready", "", IDLE},
	{S_NR_LUNCH, A_NR, "", AGENT_OK, "not_ready", "", IDLE},
	{S_NR, A_READY, "lunch", AGENT_OK, "ready", "", IDLE},
	{S_OUT, A_LOGIN, "lunch", AGENT_OK, "not_ready", "", IDLE},
};

static bool is_status_action(enum agent_action act)
{
	return act <= AGENT_ACTION_NOT_READY;
}

static void check_refused(size_t i, const struct agent_state *before,
			  const struct agent_state *st,
			  const struct agent_transition *tr0,
			  const struct agent_transition *tr)
{
	if (memcmp(before, st, sizeof(*st)))
		fail_msg("row %zu: state changed on refusal", i);
	if (memcmp(tr0, tr, sizeof(*tr)))
		fail_msg("row %zu: transition written on refusal", i);
}

/* Fail with the row's context rather than a bare line number */
#define EXPECT(cond) do { \
	if (!(cond)) \
		fail_msg("row %zu (%s + %s): %s", i, sample_names[r->s], \
			 agent_action_name(r->act), #cond); \
} while (0)
#define STREQ(a, b) (!strcmp((a), (b)))

static void check_accepted(size_t i, const struct row *r,
			   const struct agent_state *before,
			   const struct agent_state *st,
			   const struct agent_transition *tr)
{
	bool status = is_status_action(r->act);
	enum agent_activity v0 = before->activity[AGENT_CH_VOICE];

	EXPECT(STREQ(agent_status_name(st), r->status));
	EXPECT(STREQ(st->reason, r->st_reason));
	EXPECT(st->activity[AGENT_CH_VOICE] == r->voice);
	/* channel independence: the other channels never move */
	EXPECT(st->activity[AGENT_CH_CHAT] == AGENT_IDLE);
	EXPECT(st->activity[AGENT_CH_EMAIL] == AGENT_IDLE);
	EXPECT(st->activity_since_ms[AGENT_CH_CHAT] == T0);
	EXPECT(st->activity_since_ms[AGENT_CH_EMAIL] == T0);
	EXPECT(st->status_since_ms == (status ? NOW : T0));
	EXPECT(st->activity_since_ms[AGENT_CH_VOICE] == (status ? T0 : NOW));

	EXPECT(tr->agent_id == 0);
	EXPECT(tr->action == r->act);
	EXPECT(tr->at_ms == NOW);
	EXPECT(tr->channel == (status ? -1 : AGENT_CH_VOICE));
	EXPECT(STREQ(tr->from, status ? agent_status_name(before)
				      : agent_activity_name(v0)));
	EXPECT(STREQ(tr->to, status ? r->status
				    : agent_activity_name(r->voice)));
	EXPECT(STREQ(tr->reason, status ? r->st_reason : ""));
}

static void test_every_pair(void **state)
{
	bool seen[S_COUNT][AGENT_ACTION_COUNT] = {{false}};
	(void)state;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct agent_state st, before;
		struct agent_transition tr, tr0;
		enum agent_verdict v;

		sample_make(r->s, &st);
		before = st;
		memset(&tr, 0xa5, sizeof(tr));
		tr0 = tr;

		v = agent_apply(&st, r->act, AGENT_CH_VOICE, r->reason, NOW,
				&tr);
		if (v != r->v)
			fail_msg("row %zu: %s + %s: got %s, want %s", i,
				 sample_names[r->s], agent_action_name(r->act),
				 agent_verdict_code(v),
				 agent_verdict_code(r->v));

		if (v == AGENT_OK)
			check_accepted(i, r, &before, &st, &tr);
		else
			check_refused(i, &before, &st, &tr0, &tr);

		seen[r->s][r->act] = true;
	}

	for (int s = 0; s < S_COUNT; s++)
		for (int a = 0; a < AGENT_ACTION_COUNT; a++)
			if (!seen[s][a])
				fail_msg("no row for (%s, %s)", sample_names[s],
					 agent_action_name(a));
}

static void test_null_transition(void **state)
{
	struct agent_state st;
	(void)state;

	sample_make(S_OUT, &st);
	assert_int_equal(agent_apply(&st, A_LOGIN, 0, NULL, 1, NULL),
			 AGENT_OK);
	assert_int_equal(agent_apply(&st, A_SEIZE, AGENT_CH_EMAIL, NULL, 2,
				     NULL), AGENT_OK);
	assert_int_equal(st.activity[AGENT_CH_EMAIL], AGENT_BUSY);
}

static void test_out_of_range(void **state)
{
	struct agent_state st, before;
	(void)state;

	sample_make(S_READY, &st);
	before = st;
	assert_int_equal(agent_apply(&st, AGENT_ACTION_COUNT, 0, NULL, 1, NULL),
			 AGENT_E_ACTIVITY);
	assert_int_equal(agent_apply(&st, A_SEIZE, AGENT_CH_COUNT, NULL, 1,
				     NULL), AGENT_E_ACTIVITY);
	assert_memory_equal(&st, &before, sizeof(st));
}

/* Channels are independent: voice busy does not block chat or email */
static void test_channels(void **state)
{
	struct agent_state st;
	struct agent_transition tr;
	(void)state;

	sample_make(S_READY_BUSY, &st);
	assert_int_equal(agent_apply(&st, A_OFFER, AGENT_CH_CHAT, NULL, 200,
				     &tr), AGENT_OK);
	assert_int_equal(tr.channel, AGENT_CH_CHAT);
	assert_int_equal(st.activity[AGENT_CH_CHAT], AGENT_OFFERED);
	assert_int_equal(st.activity_since_ms[AGENT_CH_CHAT], 200);
	assert_int_equal(st.activity[AGENT_CH_VOICE], AGENT_BUSY);
	assert_int_equal(st.activity_since_ms[AGENT_CH_VOICE], T0);

	assert_int_equal(agent_apply(&st, A_RELEASE, AGENT_CH_VOICE, NULL,
				     300, NULL), AGENT_OK);
	/* chat still offered: logout refused until it is idle too */
	assert_int_equal(agent_apply(&st, A_LOGOUT, 0, NULL, 400, NULL),
			 AGENT_E_ACTIVE);
	assert_int_equal(agent_apply(&st, A_DECLINE, AGENT_CH_CHAT, NULL,
				     500, NULL), AGENT_OK);
	assert_int_equal(agent_apply(&st, A_LOGOUT, 0, NULL, 600, NULL),
			 AGENT_OK);
	assert_int_equal(st.status_since_ms, 600);
}

static void test_reason_truncated(void **state)
{
	const char *longr = "a_reason_that_is_longer_than_thirty_one_bytes";
	struct agent_state st;
	(void)state;

	sample_make(S_READY, &st);
	assert_int_equal(agent_apply(&st, A_NR, 0, longr, 1, NULL),
			 AGENT_OK);
	assert_int_equal(strlen(st.reason), AGENT_REASON_MAX - 1);
	assert_memory_equal(st.reason, longr, AGENT_REASON_MAX - 1);
	assert_int_equal(agent_apply(&st, A_NR, 0, longr, 2, NULL),
			 AGENT_E_SAME_REASON);
}

static void test_init(void **state)
{
	struct agent a;
	(void)state;

	memset(&a, 0x5a, sizeof(a));
	agent_init(&a);
	assert_string_equal(agent_status_name(&a.st), "logged_out");
	assert_string_equal(a.st.reason, "");
	assert_string_equal(a.name, "");
	assert_int_equal(a.skillc, 0);
	assert_int_equal(a.id, 0);
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++)
		assert_int_equal(a.st.activity[ch], AGENT_IDLE);
	assert_int_equal(a.capacity[AGENT_CH_VOICE], 1);
	assert_int_equal(a.capacity[AGENT_CH_CHAT], 3);
	assert_int_equal(a.capacity[AGENT_CH_EMAIL], 5);
}

static void test_names(void **state)
{
	static const char *actions[] = {"login", "logout", "ready",
		"not_ready", "offer", "accept", "decline", "seize", "wrap_up",
		"release"};
	static const char *acts[] = {"idle", "offered", "busy", "wrap_up"};
	static const char *chans[] = {"voice", "chat", "email"};
	enum agent_action a = AGENT_ACTION_RELEASE;
	enum agent_activity y = AGENT_BUSY;
	enum agent_channel c = AGENT_CH_EMAIL;
	(void)state;

	for (int i = 0; i < AGENT_ACTION_COUNT; i++) {
		assert_string_equal(agent_action_name(i), actions[i]);
		assert_int_equal(agent_action_parse(actions[i], &a), 0);
		assert_int_equal(a, i);
	}
	for (int i = 0; i < AGENT_ACTIVITY_COUNT; i++) {
		assert_string_equal(agent_activity_name(i), acts[i]);
		assert_int_equal(agent_activity_parse(acts[i], &y), 0);
		assert_int_equal(y, i);
	}
	for (int i = 0; i < AGENT_CH_COUNT; i++) {
		assert_string_equal(agent_channel_name(i), chans[i]);
		assert_int_equal(agent_channel_parse(chans[i], &c), 0);
		assert_int_equal(c, i);
	}

	assert_int_equal(agent_action_parse("LOGIN", &a), EINVAL);
	assert_int_equal(agent_action_parse("", &a), EINVAL);
	assert_int_equal(agent_action_parse(NULL, &a), EINVAL);
	assert_int_equal(agent_activity_parse("idle ", &y), EINVAL);
	assert_int_equal(agent_channel_parse("sms", &c), EINVAL);
	assert_int_equal(a, AGENT_ACTION_RELEASE);   /* untouched on EINVAL */
	assert_string_equal(agent_action_name(AGENT_ACTION_COUNT), "?");
	assert_string_equal(agent_channel_name(AGENT_CH_COUNT), "?");
	assert_string_equal(agent_activity_name(AGENT_ACTIVITY_COUNT), "?");
}

static void test_status_parse(void **state)
{
	static const enum sample samples[] = {S_OUT, S_NR, S_READY};
	struct agent_state st, back;
	(void)state;

	for (size_t i = 0; i < 3; i++) {
		sample_make(samples[i], &st);
		memset(&back, 0, sizeof(back));
		back.presence = AGENT_LOGGED_IN;
		back.availability = AGENT_READY;
		assert_int_equal(agent_status_parse(agent_status_name(&st),
						    &back), 0);
		assert_int_equal(back.presence, st.presence);
		assert_int_equal(back.availability, st.availability);
	}

	/* the reason survives not_ready only */
	strcpy(back.reason, "lunch");
	assert_int_equal(agent_status_parse("not_ready", &back), 0);
	assert_string_equal(back.reason, "lunch");
	assert_int_equal(agent_status_parse("ready", &back), 0);
	assert_string_equal(back.reason, "");

	st = back;
	assert_int_equal(agent_status_parse("busy", &back), EINVAL);
	assert_int_equal(agent_status_parse(NULL, &back), EINVAL);
	assert_memory_equal(&st, &back, sizeof(st));
}

static void test_verdicts(void **state)
{
	static const char *codes[AGENT_VERDICT_COUNT] = {"ok",
		"agent_logged_out", "agent_logged_in", "already_ready",
		"same_reason", "agent_active", "agent_not_ready",
		"invalid_activity_transition"};
	(void)state;

	for (int i = 0; i < AGENT_VERDICT_COUNT; i++) {
		assert_string_equal(agent_verdict_code(i), codes[i]);
		assert_true(strlen(agent_verdict_message(i)) > 1);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(agent_verdict_message(i),
						agent_verdict_message(j));
	}
	assert_string_equal(agent_verdict_code(AGENT_VERDICT_COUNT), "?");
}

struct valid_case {
	bool (*fn)(const char *);
	const char *s;
	bool ok;
};

static void test_validators(void **state)
{
	static const struct valid_case cases[] = {
		{agent_extension_valid, "1001", true},
		{agent_extension_valid, "Alice.B+1_-", true},
		{agent_extension_valid, "1234567890123456789012345678901", true},
		{agent_extension_valid, "12345678901234567890123456789012", false},
		{agent_extension_valid, "", false},
		{agent_extension_valid, NULL, false},
		{agent_extension_valid, "a b", false},
		{agent_extension_valid, "a@b", false},
		{agent_extension_valid, "caf\xc3\xa9", false},
		{agent_skill_name_valid, "spanish", true},
		{agent_skill_name_valid, "tier-2.billing_x", true},
		{agent_skill_name_valid, "Spanish", false},
		{agent_skill_name_valid, "a+b", false},
		{agent_skill_name_valid, "", false},
		{agent_skill_name_valid, "abcdefghijabcdefghijabcdefghija", true},
		{agent_skill_name_valid, "abcdefghijabcdefghijabcdefghijab", false},
		{agent_reason_valid, "lunch", true},
		{agent_reason_valid, "after_call-work2", true},
		{agent_reason_valid, "lunch.break", false},
		{agent_reason_valid, "Lunch", false},
		{agent_reason_valid, "", false},
		{agent_reason_valid, NULL, false},
		{agent_reason_valid, "abcdefghijabcdefghijabcdefghijab", false},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].fn(cases[i].s) != cases[i].ok)
			fail_msg("case %zu (\"%s\"): want %d", i,
				 cases[i].s ? cases[i].s : "NULL", cases[i].ok);
	}
}

static void test_ha1(void **state)
{
	char out[33];
	(void)state;

	/* printf %s '1001:hotline:secret' | md5sum */
	agent_ha1(out, "1001", "hotline", "secret");
	assert_string_equal(out, "9825b4c9c75afc481a419b95f9c54647");

	/* printf %s '::' | md5sum */
	agent_ha1(out, NULL, "", NULL);
	assert_string_equal(out, "4501c091b0366d76ea3218b6cfdd8097");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_pair),
		cmocka_unit_test(test_null_transition),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_channels),
		cmocka_unit_test(test_reason_truncated),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_status_parse),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_validators),
		cmocka_unit_test(test_ha1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/** @file test/unit/core/call.c  Call state machine, every (state, input);
 *  durations, SIP cause mapping, names */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <hotline/call.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Times of a sample record's phases, and "now" for the input */
#define T_CREATED   100
#define T_RINGING   200
#define T_ANSWERED  300
#define T_HELD      400
#define T_ENDED     500
#define NOW        9000

#define ID "0123456789abcdef0123456789abcdef"

/* A record in state s, reached the usual way */
static void sample_make(enum call_state s, struct call_record *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", ID);
	snprintf(c->from, sizeof(c->from), "+33123456789");
	snprintf(c->to, sizeof(c->to), "1001");
	c->direction = CALL_INBOUND;
	c->agent_id = 7;
	c->cursor = 3;
	c->state = s;
	c->created_ms = T_CREATED;
	if (s >= CALL_RINGING)
		c->ringing_ms = T_RINGING;
	if (s >= CALL_ANSWERED)
		c->answered_ms = T_ANSWERED;
	if (s == CALL_HELD)
		c->held_ms = T_HELD;
	if (s == CALL_ENDED) {
		c->ended_ms = T_ENDED;
		c->cause = CALL_CAUSE_NORMAL_CLEARING;
		c->hangup_by = CALL_PARTY_CALLER;
		c->sip_status = 0;
	}
}

/* Field by field (no memcmp: struct copies need not keep padding) */
static void record_equal(const struct call_record *got,
			 const struct call_record *want)
{
	assert_string_equal(got->id, want->id);
	assert_int_equal(got->cursor, want->cursor);
	assert_int_equal(got->direction, want->direction);
	assert_int_equal(got->state, want->state);
	assert_string_equal(got->from, want->from);
	assert_string_equal(got->to, want->to);
	assert_string_equal(got->did, want->did);
	assert_string_equal(got->trunk_id, want->trunk_id);
	assert_int_equal(got->agent_id, want->agent_id);
	assert_int_equal(got->cause, want->cause);
	assert_int_equal(got->hangup_by, want->hangup_by);
	assert_int_equal(got->sip_status, want->sip_status);
	assert_int_equal(got->created_ms, want->created_ms);
	assert_int_equal(got->ringing_ms, want->ringing_ms);
	assert_int_equal(got->answered_ms, want->answered_ms);
	assert_int_equal(got->ended_ms, want->ended_ms);
	assert_int_equal(got->held_ms, want->held_ms);
}


/* --- the grid -------------------------------------------------------- */

enum input { IN_RINGING = 0, IN_ANSWERED, IN_HELD, IN_RESUMED, IN_ENDED,
	     IN_COUNT };

static const char *input_names[IN_COUNT] = {
	"ringing", "answered", "held", "resumed", "ended"
};

/* The end every IN_ENDED row asks for */
#define END_CAUSE  CALL_CAUSE_BUSY
#define END_BY     CALL_PARTY_CALLEE
#define END_STATUS 486

static bool input_apply(struct call_record *c, enum input in)
{
	switch (in) {

	case IN_RINGING:  return call_ringing(c, NOW);
	case IN_ANSWERED: return call_answered(c, NOW);
	case IN_HELD:     return call_held(c, NOW);
	case IN_RESUMED:  return call_resumed(c, NOW);
	case IN_ENDED:    return call_ended(c, END_CAUSE, END_BY, END_STATUS,
					    NOW);
	default:          return false;
	}
}

/* The record expected after in applied to sample s (ok rows only) */
static void expect_after(enum call_state s, enum input in,
			 struct call_record *want)
{
	sample_make(s, want);

	switch (in) {

	case IN_RINGING:
		want->state = CALL_RINGING;
		want->ringing_ms = NOW;
		break;

	case IN_ANSWERED:
		want->state = CALL_ANSWERED;
		want->answered_ms = NOW;
		break;

	case IN_HELD:
		want->state = CALL_HELD;
		want->held_ms = NOW;
		break;

	case IN_RESUMED:
		want->state = CALL_ANSWERED;
		want->held_ms = 0;
		break;

	case IN_ENDED:
		want->state = CALL_ENDED;
		want->ended_ms = NOW;
		want->cause = END_CAUSE;
		want->hangup_by = END_BY;
		want->sip_status = END_STATUS;
		want->held_ms = 0;
		break;

	default:
		break;
	}
}

/* [state][input]: whether the input applies */
static const bool grid[CALL_STATE_COUNT][IN_COUNT] = {
	/*                  ringing answered held   resumed ended */
	[CALL_CREATED]  = {true,   true,    false, false,  true},
	[CALL_RINGING]  = {false,  true,    false, false,  true},
	[CALL_ANSWERED] = {false,  false,   true,  false,  true},
	[CALL_HELD]     = {false,  false,   false, true,   true},
	[CALL_ENDED]    = {false,  false,   false, false,  false},
};

static void test_grid(void **state)
{
	struct call_record c, want;
	unsigned rows = 0;
	(void)state;

	for (int s = 0; s < CALL_STATE_COUNT; s++) {
		for (int in = 0; in < IN_COUNT; in++) {
			bool ok;

			sample_make((enum call_state)s, &c);
			ok = input_apply(&c, (enum input)in);
			if (ok != grid[s][in])
				fail_msg("%s + %s: got %d, want %d",
					 call_state_name((enum call_state)s),
					 input_names[in], ok, grid[s][in]);

			/* refused: untouched; applied: exactly these fields */
			if (ok)
				expect_after((enum call_state)s,
					     (enum input)in, &want);
			else
				sample_make((enum call_state)s, &want);
			record_equal(&c, &want);
			rows++;
		}
	}

	assert_int_equal(rows, CALL_STATE_COUNT * IN_COUNT);
}

static void test_life(void **state)
{
	struct call_record c;
	(void)state;

	call_init(&c, ID, CALL_OUTBOUND, 1000);
	assert_string_equal(c.id, ID);
	assert_int_equal(c.direction, CALL_OUTBOUND);
	assert_int_equal(c.state, CALL_CREATED);
	assert_int_equal(c.created_ms, 1000);
	assert_int_equal(c.cursor, 0);
	assert_int_equal(c.cause, CALL_CAUSE_NONE);
	assert_int_equal(c.hangup_by, CALL_PARTY_NONE);
	assert_true(call_is_active(&c));

	assert_true(call_ringing(&c, 1100));
	assert_false(call_ringing(&c, 1150));     /* a second 180 */
	assert_int_equal(c.ringing_ms, 1100);
	assert_true(call_answered(&c, 1500));
	assert_true(call_held(&c, 2000));
	assert_false(call_held(&c, 2100));
	assert_int_equal(c.held_ms, 2000);
	assert_true(call_resumed(&c, 2500));
	assert_int_equal(c.held_ms, 0);
	assert_true(call_held(&c, 3000));         /* held again */
	assert_int_equal(c.held_ms, 3000);
	assert_true(call_ended(&c, CALL_CAUSE_NORMAL_CLEARING,
			       CALL_PARTY_CALLER, 0, 4000));
	assert_false(call_is_active(&c));
	assert_int_equal(c.held_ms, 0);
	assert_int_equal(c.ended_ms, 4000);

	/* the first end wins */
	assert_false(call_ended(&c, CALL_CAUSE_API_HANGUP, CALL_PARTY_API,
				0, 5000));
	assert_int_equal(c.cause, CALL_CAUSE_NORMAL_CLEARING);
	assert_int_equal(c.hangup_by, CALL_PARTY_CALLER);
	assert_int_equal(c.ended_ms, 4000);
	assert_int_equal(call_ring_ms(&c, 9999), 400);
	assert_int_equal(call_talk_ms(&c, 9999), 2500);
}

static void test_init_and_null(void **state)
{
	struct call_record c;
	char longid[80];
	(void)state;

	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	call_init(&c, longid, CALL_INTERNAL, 5);
	assert_int_equal(strlen(c.id), CALL_ID_MAX - 1);

	call_init(&c, NULL, CALL_INBOUND, 5);
	assert_string_equal(c.id, "");

	call_init(NULL, ID, CALL_INBOUND, 5);     /* no crash */
	assert_false(call_ringing(NULL, 1));
	assert_false(call_answered(NULL, 1));
	assert_false(call_held(NULL, 1));
	assert_false(call_resumed(NULL, 1));
	assert_false(call_ended(NULL, CALL_CAUSE_BUSY, CALL_PARTY_CALLEE, 486,
				1));
	assert_false(call_is_active(NULL));
	assert_int_equal(call_ring_ms(NULL, 1), 0);
	assert_int_equal(call_talk_ms(NULL, 1), 0);
}

/* An ended call always has a cause; bad parties are dropped */
static void test_end_coercion(void **state)
{
	struct call_record c;
	(void)state;

	sample_make(CALL_RINGING, &c);
	assert_true(call_ended(&c, CALL_CAUSE_NONE, CALL_PARTY_SYSTEM, 0, NOW));
	assert_int_equal(c.cause, CALL_CAUSE_FAILURE);
	assert_int_equal(c.hangup_by, CALL_PARTY_SYSTEM);

	sample_make(CALL_ANSWERED, &c);
	assert_true(call_ended(&c, CALL_CAUSE_COUNT, CALL_PARTY_COUNT, 0, NOW));
	assert_int_equal(c.cause, CALL_CAUSE_FAILURE);
	assert_int_equal(c.hangup_by, CALL_PARTY_NONE);
}


/* --- durations ------------------------------------------------------- */

static void test_durations(void **state)
{
	struct call_record c;
	(void)state;

	/* created: nothing yet */
	sample_make(CALL_CREATED, &c);
	assert_int_equal(call_ring_ms(&c, NOW), 0);
	assert_int_equal(call_talk_ms(&c, NOW), 0);

	/* ringing: up to now */
	sample_make(CALL_RINGING, &c);
	assert_int_equal(call_ring_ms(&c, NOW), NOW - T_RINGING);
	assert_int_equal(call_talk_ms(&c, NOW), 0);

	/* answered and held: ring time frozen, talk up to now */
	sample_make(CALL_ANSWERED, &c);
	assert_int_equal(call_ring_ms(&c, NOW), T_ANSWERED - T_RINGING);
	assert_int_equal(call_talk_ms(&c, NOW), NOW - T_ANSWERED);
	sample_make(CALL_HELD, &c);
	assert_int_equal(call_talk_ms(&c, NOW), NOW - T_ANSWERED);

	/* ended after an answer */
	sample_make(CALL_ENDED, &c);
	assert_int_equal(call_ring_ms(&c, NOW), T_ANSWERED - T_RINGING);
	assert_int_equal(call_talk_ms(&c, NOW), T_ENDED - T_ANSWERED);

	/* ended while ringing: the ring lasted until the end */
	sample_make(CALL_RINGING, &c);
	assert_true(call_ended(&c, CALL_CAUSE_CANCELLED, CALL_PARTY_CALLER,
			       487, 700));
	assert_int_equal(call_ring_ms(&c, NOW), 700 - T_RINGING);
	assert_int_equal(call_talk_ms(&c, NOW), 0);

	/* answered without ringing */
	sample_make(CALL_CREATED, &c);
	assert_true(call_answered(&c, 250));
	assert_int_equal(call_ring_ms(&c, NOW), 0);
	assert_int_equal(call_talk_ms(&c, NOW), NOW - 250);

	/* the clock went backwards: 0, not a huge number */
	sample_make(CALL_ANSWERED, &c);
	assert_int_equal(call_talk_ms(&c, T_ANSWERED - 1), 0);
	sample_make(CALL_RINGING, &c);
	assert_int_equal(call_ring_ms(&c, T_RINGING - 1), 0);
}


/* --- SIP mapping ----------------------------------------------------- */

static void test_cause_from_sip(void **state)
{
	static const struct {
		uint16_t status;
		enum call_cause before_ringing, after_ringing;
	} rows[] = {
		{486, CALL_CAUSE_BUSY, CALL_CAUSE_BUSY},
		{600, CALL_CAUSE_BUSY, CALL_CAUSE_BUSY},
		{403, CALL_CAUSE_REJECTED, CALL_CAUSE_REJECTED},
		{603, CALL_CAUSE_REJECTED, CALL_CAUSE_REJECTED},
		{404, CALL_CAUSE_NOT_FOUND, CALL_CAUSE_NOT_FOUND},
		{484, CALL_CAUSE_NOT_FOUND, CALL_CAUSE_NOT_FOUND},
		{604, CALL_CAUSE_NOT_FOUND, CALL_CAUSE_NOT_FOUND},
		{488, CALL_CAUSE_INCOMPATIBLE, CALL_CAUSE_INCOMPATIBLE},
		{606, CALL_CAUSE_INCOMPATIBLE, CALL_CAUSE_INCOMPATIBLE},
		{408, CALL_CAUSE_NO_ANSWER, CALL_CAUSE_NO_ANSWER},
		{480, CALL_CAUSE_UNAVAILABLE, CALL_CAUSE_NO_ANSWER},
		{487, CALL_CAUSE_CANCELLED, CALL_CAUSE_CANCELLED},
		{400, CALL_CAUSE_FAILURE, CALL_CAUSE_FAILURE},
		{401, CALL_CAUSE_FAILURE, CALL_CAUSE_FAILURE},
		{407, CALL_CAUSE_FAILURE, CALL_CAUSE_FAILURE},
		{410, CALL_CAUSE_FAILURE, CALL_CAUSE_FAILURE},
		{481, CALL_CAUSE_FAILURE, CALL_CAUSE_FAILURE},
		{500, CALL_CAUSE_FAILURE, CALL_CAUSE_FAILURE},
		{503, CALL_CAUSE_FAILURE, CALL_CAUSE_FAILURE},
		{699, CALL_CAUSE_FAILURE, CALL_CAUSE_FAILURE},
		{0, CALL_CAUSE_FAILURE, CALL_CAUSE_FAILURE},
	};
	(void)state;

	for (size_t i = 0; i < COUNT(rows); i++) {
		enum call_cause b = call_cause_from_sip(rows[i].status, false);
		enum call_cause a = call_cause_from_sip(rows[i].status, true);

		if (b != rows[i].before_ringing || a != rows[i].after_ringing)
			fail_msg("%u: got %s/%s, want %s/%s", rows[i].status,
				 call_cause_name(b), call_cause_name(a),
				 call_cause_name(rows[i].before_ringing),
				 call_cause_name(rows[i].after_ringing));
	}
}

static void test_cause_sip_status(void **state)
{
	static const uint16_t want[CALL_CAUSE_COUNT] = {
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
	(void)state;

	for (int c = 0; c < CALL_CAUSE_COUNT; c++) {
		uint16_t got = call_cause_sip_status((enum call_cause)c);

		if (got != want[c])
			fail_msg("%s: got %u, want %u",
				 call_cause_name((enum call_cause)c), got,
				 want[c]);
	}
	assert_int_equal(call_cause_sip_status(CALL_CAUSE_COUNT), 500);
	assert_int_equal(call_cause_sip_status((enum call_cause)-1), 500);

	/* a failure status maps to a cause that answers the same class */
	assert_int_equal(call_cause_sip_status(call_cause_from_sip(486, true)),
			 486);
	assert_int_equal(call_cause_sip_status(call_cause_from_sip(404,
								  false)), 404);
}


/* --- names ----------------------------------------------------------- */

static bool snake_case(const char *s)
{
	return s[0] && strspn(s, "abcdefghijklmnopqrstuvwxyz_") == strlen(s) &&
		s[0] != '_' && s[strlen(s) - 1] != '_';
}

/* Every value of one enum: name, parse back, distinct names */
#define ROUND_TRIP(count, name_fn, parse_fn, type, empty0) do { \
	for (int i = 0; i < (count); i++) { \
		const char *n = name_fn((type)i); \
		type back = (type)-1; \
		if (!(empty0 && i == 0) && !snake_case(n)) \
			fail_msg(#name_fn "(%d) = \"%s\"", i, n); \
		assert_int_equal(parse_fn(n, &back), 0); \
		assert_int_equal(back, i); \
		for (int j = 0; j < i; j++) \
			assert_string_not_equal(n, name_fn((type)j)); \
	} \
	assert_string_equal(name_fn((type)(count)), "?"); \
	assert_string_equal(name_fn((type)-1), "?"); \
} while (0)

static void test_names(void **state)
{
	(void)state;

	ROUND_TRIP(CALL_STATE_COUNT, call_state_name, call_state_parse,
		   enum call_state, false);
	ROUND_TRIP(CALL_DIRECTION_COUNT, call_direction_name,
		   call_direction_parse, enum call_direction, false);
	ROUND_TRIP(CALL_CAUSE_COUNT, call_cause_name, call_cause_parse,
		   enum call_cause, true);
	ROUND_TRIP(CALL_PARTY_COUNT, call_party_name, call_party_parse,
		   enum call_party, true);

	assert_string_equal(call_state_name(CALL_CREATED), "created");
	assert_string_equal(call_state_name(CALL_HELD), "held");
	assert_string_equal(call_state_name(CALL_ENDED), "ended");
	assert_string_equal(call_direction_name(CALL_INBOUND), "inbound");
	assert_string_equal(call_direction_name(CALL_INTERNAL), "internal");
	assert_string_equal(call_cause_name(CALL_CAUSE_NONE), "");
	assert_string_equal(call_cause_name(CALL_CAUSE_NORMAL_CLEARING),
			    "normal_clearing");
	assert_string_equal(call_cause_name(CALL_CAUSE_NO_ANSWER),
			    "no_answer");
	assert_string_equal(call_cause_name(CALL_CAUSE_NOT_FOUND),
			    "not_found");
	assert_string_equal(call_cause_name(CALL_CAUSE_MEDIA_TIMEOUT),
			    "media_timeout");
	assert_string_equal(call_cause_name(CALL_CAUSE_API_HANGUP),
			    "api_hangup");
	assert_string_equal(call_cause_name(CALL_CAUSE_SHUTDOWN), "shutdown");
	assert_string_equal(call_party_name(CALL_PARTY_NONE), "");
	assert_string_equal(call_party_name(CALL_PARTY_CALLEE), "callee");
	assert_string_equal(call_party_name(CALL_PARTY_API), "api");
}

static void test_parse_errors(void **state)
{
	static const char *bad[] = {
		"Ended", "ended ", " busy", "?", "hold", "normal", "BUSY",
		"api-hangup", "inbound\n",
	};
	enum call_state s = CALL_HELD;
	enum call_direction d = CALL_INTERNAL;
	enum call_cause c = CALL_CAUSE_BUSY;
	enum call_party p = CALL_PARTY_API;
	(void)state;

	for (size_t i = 0; i < COUNT(bad); i++) {
		assert_int_equal(call_state_parse(bad[i], &s), EINVAL);
		assert_int_equal(call_direction_parse(bad[i], &d), EINVAL);
		assert_int_equal(call_cause_parse(bad[i], &c), EINVAL);
		assert_int_equal(call_party_parse(bad[i], &p), EINVAL);
	}
	assert_int_equal(call_state_parse(NULL, &s), EINVAL);
	assert_int_equal(call_state_parse("", &s), EINVAL);
	assert_int_equal(call_direction_parse("", &d), EINVAL);
	assert_int_equal(call_cause_parse(NULL, &c), EINVAL);
	assert_int_equal(call_party_parse(NULL, &p), EINVAL);
	assert_int_equal(call_state_parse("ended", NULL), EINVAL);

	/* untouched on error */
	assert_int_equal(s, CALL_HELD);
	assert_int_equal(d, CALL_INTERNAL);
	assert_int_equal(c, CALL_CAUSE_BUSY);
	assert_int_equal(p, CALL_PARTY_API);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grid),
		cmocka_unit_test(test_life),
		cmocka_unit_test(test_init_and_null),
		cmocka_unit_test(test_end_coercion),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_cause_from_sip),
		cmocka_unit_test(test_cause_sip_status),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_parse_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/** @file test/unit/core/trunk.c  Trunk matching, number rewriting,
 *  validators and names */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <hotline/trunk.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct vcase {
	const char *s;
	bool ok;
};

static void check_valid(const char *what, bool (*fn)(const char *),
			const struct vcase *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (fn(v[i].s) != v[i].ok)
			fail_msg("%s(\"%s\"): want %d", what,
				 v[i].s ? v[i].s : "(null)", v[i].ok);
	}
}

/* A string of n copies of c, in buf[sz] */
static const char *repeat(char *buf, size_t sz, char c, size_t n)
{
	assert_true(n < sz);
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

static void test_init(void **state)
{
	struct trunk t;
	(void)state;

	memset(&t, 0x5a, sizeof(t));
	trunk_init(&t);
	assert_int_equal(t.transport, TRUNK_UDP);
	assert_true(t.enabled);
	assert_false(t.do_register);
	assert_int_equal(t.register_expires_s, 3600);
	assert_string_equal(t.id, "");
	assert_string_equal(t.prefix, "");
	assert_string_equal(t.prepend, "");
	assert_string_equal(t.password, "");
	assert_int_equal(t.strip, 0);
	trunk_init(NULL);     /* no crash */
}


/* --- validators ------------------------------------------------------ */

static void test_id_valid(void **state)
{
	char buf[80];
	const struct vcase v[] = {
		{"carrier", true}, {"a", true}, {"0", true},
		{"my-gw_2", true}, {"9to5", true},
		{"", false}, {NULL, false}, {"-gw", false}, {"_gw", false},
		{"Carrier", false}, {"gw.example", false}, {"gw 1", false},
		{"gw/1", false}, {"é", false},
		{repeat(buf, sizeof(buf), 'a', TRUNK_ID_MAX - 1), true},
	};
	(void)state;

	check_valid("trunk_id_valid", trunk_id_valid, v, COUNT(v));
	assert_false(trunk_id_valid(repeat(buf, sizeof(buf), 'a',
					   TRUNK_ID_MAX)));
}

static void test_host_valid(void **state)
{
	char buf[200];
	const struct vcase v[] = {
		{"10.0.0.1:5060", true}, {"10.0.0.1", true},
		{"gw.example.com", true}, {"gw.example.com:5080", true},
		{"GW-1.Example.com", true}, {"localhost:1", true},
		{"gw:65535", true}, {"[::1]", true}, {"[::1]:5060", true},
		{"[2001:db8::10]:5070", true},
		{"a b", false}, {"x@y", false}, {"h;p", false}, {"", false},
		{NULL, false}, {"gw:", false}, {"gw:0", false},
		{"gw:65536", false}, {"gw:123456", false}, {"gw:50a", false},
		{":5060", false}, {"-gw", false}, {".gw", false},
		{"gw:5060:1", false}, {"[::1", false}, {"[]", false},
		{"[::1]5060", false}, {"[::1]:", false}, {"[gw]", false},
		{"gw?x=1", false}, {"gw>", false}, {"sip:gw", false},
		{"gw\r\nVia: x", false}, {"gw,other", false},
	};
	(void)state;

	check_valid("trunk_host_valid", trunk_host_valid, v, COUNT(v));
	assert_true(trunk_host_valid(repeat(buf, sizeof(buf), 'h',
					    TRUNK_HOST_MAX - 1)));
	assert_false(trunk_host_valid(repeat(buf, sizeof(buf), 'h',
					     TRUNK_HOST_MAX)));
}

static void test_number_valid(void **state)
{
	char buf[80];
	const struct vcase v[] = {
		{"0", true}, {"+33123456789", true}, {"*97", true},
		{"#", true}, {"0033#*+", true},
		{"", false}, {NULL, false}, {"12a", false}, {"1 2", false},
		{"-1", false}, {"1.2", false}, {"١", false},
		{repeat(buf, sizeof(buf), '9', TRUNK_NUMBER_MAX - 1), true},
	};
	(void)state;

	check_valid("trunk_number_valid", trunk_number_valid, v, COUNT(v));
	assert_false(trunk_number_valid(repeat(buf, sizeof(buf), '9',
					       TRUNK_NUMBER_MAX)));

	assert_true(trunk_prefix_valid(""));
	assert_true(trunk_prefix_valid("0033"));
	assert_true(trunk_prefix_valid("+"));
	assert_false(trunk_prefix_valid("x"));
	assert_false(trunk_prefix_valid("00 33"));
	assert_false(trunk_prefix_valid(NULL));
}


/* --- routing --------------------------------------------------------- */

static void trunk_make(struct trunk *t, const char *id, const char *prefix,
		       bool enabled)
{
	trunk_init(t);
	snprintf(t->id, sizeof(t->id), "%s", id);
	snprintf(t->prefix, sizeof(t->prefix), "%s", prefix);
	t->enabled = enabled;
}

/* What an outbound router does: the longest match wins, first on ties */
static const char *pick(const struct trunk *v, size_t n, const char *number)
{
	const char *best = NULL;
	int best_len = -1;

	for (size_t i = 0; i < n; i++) {
		int m = trunk_match(&v[i], number);

		if (m > best_len) {
			best_len = m;
			best = v[i].id;
		}
	}

	return best ? best : "";
}

static void test_match(void **state)
{
	struct trunk v[5];
	static const struct {
		const char *number;
		const char *trunk;
	} rows[] = {
		{"0033123456789", "france"},    /* "fr-off" is longer, disabled */
		{"0044207", "intl"},
		{"00", "intl"},
		{"003", "intl"},                /* shorter than "0033" */
		{"123", "any"},
		{"", "any"},
		{"+33612", "mobile"},
		{"+3", "any"},
	};
	(void)state;

	trunk_make(&v[0], "any", "", true);
	trunk_make(&v[1], "intl", "00", true);
	trunk_make(&v[2], "france", "0033", true);
	trunk_make(&v[3], "fr-off", "00331", false);
	trunk_make(&v[4], "mobile", "+336", true);

	for (size_t i = 0; i < COUNT(rows); i++) {
		const char *got = pick(v, COUNT(v), rows[i].number);

		if (strcmp(got, rows[i].trunk))
			fail_msg("\"%s\": got %s, want %s", rows[i].number,
				 got, rows[i].trunk);
	}

	assert_int_equal(trunk_match(&v[0], "5"), 0);
	assert_int_equal(trunk_match(&v[2], "0033"), 4);
	assert_int_equal(trunk_match(&v[2], "0044"), -1);
	assert_int_equal(trunk_match(&v[3], "00331"), -1);  /* disabled */
	assert_int_equal(trunk_match(NULL, "1"), -1);
	assert_int_equal(trunk_match(&v[0], NULL), -1);

	/* no enabled trunk: nothing matches */
	v[0].enabled = false;
	assert_string_equal(pick(v, 1, "123"), "");
}

static void test_dial_number(void **state)
{
	static const struct {
		uint8_t strip;
		const char *prepend;
		const char *number;
		int err;
		const char *out;
	} rows[] = {
		{0, "", "0033123", 0, "0033123"},
		{2, "+", "0033123", 0, "+33123"},
		{1, "", "90612", 0, "0612"},
		{0, "9", "0612", 0, "90612"},
		{7, "", "0033123", EINVAL, ""},    /* nothing left */
		{9, "", "0033123", EINVAL, ""},
		{9, "100", "0033123", 0, "100"},   /* all stripped, prepend */
		{0, "", "", EINVAL, ""},
	};
	struct trunk t;
	char out[TRUNK_NUMBER_MAX];
	(void)state;

	for (size_t i = 0; i < COUNT(rows); i++) {
		int err;

		trunk_init(&t);
		t.strip = rows[i].strip;
		snprintf(t.prepend, sizeof(t.prepend), "%s", rows[i].prepend);
		snprintf(out, sizeof(out), "junk");
		err = trunk_dial_number(&t, rows[i].number, out, sizeof(out));
		if (err != rows[i].err || strcmp(out, rows[i].out))
			fail_msg("row %zu: got %d \"%s\", want %d \"%s\"", i,
				 err, out, rows[i].err, rows[i].out);
	}
}

static void test_dial_overflow(void **state)
{
	struct trunk t;
	char out[8];
	(void)state;

	trunk_init(&t);
	t.strip = 2;
	snprintf(t.prepend, sizeof(t.prepend), "+");

	/* "+33123" needs 7 bytes: fits exactly, one less overflows */
	assert_int_equal(trunk_dial_number(&t, "0033123", out, 7), 0);
	assert_string_equal(out, "+33123");
	memset(out, 'x', sizeof(out));
	assert_int_equal(trunk_dial_number(&t, "0033123", out, 6), EOVERFLOW);
	assert_string_equal(out, "");
	assert_int_equal(trunk_dial_number(&t, "0033123", out, 0), EOVERFLOW);

	/* a long prepend over a long number */
	memset(t.prepend, '9', sizeof(t.prepend) - 1);
	t.prepend[sizeof(t.prepend) - 1] = '\0';
	{
		char big[2 * TRUNK_NUMBER_MAX];

		assert_int_equal(trunk_dial_number(&t, "0033123", big,
						   TRUNK_NUMBER_MAX),
				 EOVERFLOW);
		assert_int_equal(trunk_dial_number(&t, "0033123", big,
						   sizeof(big)), 0);
		assert_int_equal(strlen(big), TRUNK_NUMBER_MAX - 1 + 5);
	}

	/* bad arguments */
	assert_int_equal(trunk_dial_number(NULL, "1", out, sizeof(out)),
			 EINVAL);
	assert_int_equal(trunk_dial_number(&t, NULL, out, sizeof(out)),
			 EINVAL);
	assert_int_equal(trunk_dial_number(&t, "1", NULL, 4), EINVAL);
}


/* --- names ----------------------------------------------------------- */

static void test_names(void **state)
{
	enum trunk_transport tp = TRUNK_TCP;
	enum did_target dt = DID_TARGET_COUNT;
	(void)state;

	assert_string_equal(trunk_transport_name(TRUNK_UDP), "udp");
	assert_string_equal(trunk_transport_name(TRUNK_TCP), "tcp");
	assert_string_equal(trunk_transport_name((enum trunk_transport)2),
			    "?");
	assert_int_equal(trunk_transport_parse("udp", &tp), 0);
	assert_int_equal(tp, TRUNK_UDP);
	assert_int_equal(trunk_transport_parse("tcp", &tp), 0);
	assert_int_equal(tp, TRUNK_TCP);
	assert_int_equal(trunk_transport_parse("UDP", &tp), EINVAL);
	assert_int_equal(trunk_transport_parse("tls", &tp), EINVAL);
	assert_int_equal(trunk_transport_parse("", &tp), EINVAL);
	assert_int_equal(trunk_transport_parse(NULL, &tp), EINVAL);
	assert_int_equal(trunk_transport_parse("udp", NULL), EINVAL);
	assert_int_equal(tp, TRUNK_TCP);

	assert_string_equal(did_target_name(DID_TARGET_EXTENSION),
			    "extension");
	assert_string_equal(did_target_name(DID_TARGET_COUNT), "?");
	assert_int_equal(did_target_parse("extension", &dt), 0);
	assert_int_equal(dt, DID_TARGET_EXTENSION);
	assert_string_equal(did_target_name(DID_TARGET_QUEUE), "queue");
	assert_int_equal(did_target_parse("queue", &dt), 0);
	assert_int_equal(dt, DID_TARGET_QUEUE);
	assert_string_equal(did_target_name(DID_TARGET_FLOW), "flow");
	assert_int_equal(did_target_parse("flow", &dt), 0);
	assert_int_equal(dt, DID_TARGET_FLOW);
	assert_int_equal(did_target_parse("ivr", &dt), EINVAL);
	assert_int_equal(did_target_parse("Queue", &dt), EINVAL);
	assert_int_equal(did_target_parse(NULL, &dt), EINVAL);
	assert_int_equal(dt, DID_TARGET_FLOW);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_id_valid),
		cmocka_unit_test(test_host_valid),
		cmocka_unit_test(test_number_valid),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_dial_number),
		cmocka_unit_test(test_dial_overflow),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

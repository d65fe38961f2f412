/** @file test/unit/core/route.c  The routing hook: extensions, DIDs,
 *  trunks by longest prefix, authentication for external numbers */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include <re_types.h>
#include <re_fmt.h>
#include <hotline/route.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A tiny directory: agents 1001 (id 1) and 1002 (id 2); DID +15550100 ->
 * 1002, DID +15550199 -> 9999 (no such agent), DID +15550300 -> queue
 * "sales", DIDs +15550400 -> flow "main-ivr" and +15550401 -> flow "1001"
 * (a flow id that is also an extension); trunks "any" (prefix ""),
 * "uk" (prefix 0044, strip 4, prepend +44), "off" (disabled, prefix 1) */
struct dir {
	struct trunk trunkv[3];
	int fail;             /* errno every lookup returns, 0 = none */
};

static int agent(void *arg, const char *ext, uint64_t *id)
{
	struct dir *d = arg;

	if (d->fail)
		return d->fail;
	if (!strcmp(ext, "1001"))
		*id = 1;
	else if (!strcmp(ext, "1002"))
		*id = 2;
	else
		return ENOENT;
	return 0;
}

static int did(void *arg, const char *number, struct did *out)
{
	(void)arg;
	memset(out, 0, sizeof(*out));
	str_ncpy(out->number, number, sizeof(out->number));
	if (!strcmp(number, "+15550100"))
		str_ncpy(out->target, "1002", sizeof(out->target));
	else if (!strcmp(number, "+15550199"))
		str_ncpy(out->target, "9999", sizeof(out->target));
	else if (!strcmp(number, "+15550300")) {
		out->target_type = DID_TARGET_QUEUE;
		str_ncpy(out->target, "sales", sizeof(out->target));
	}
	else if (!strcmp(number, "+15550400")) {
		out->target_type = DID_TARGET_FLOW;
		str_ncpy(out->target, "main-ivr", sizeof(out->target));
	}
	else if (!strcmp(number, "+15550401")) {
		out->target_type = DID_TARGET_FLOW;
		str_ncpy(out->target, "1001", sizeof(out->target));
	}
	else
		return ENOENT;
	return 0;
}

static int trunks(void *arg, route_trunk_h *h, void *harg)
{
	struct dir *d = arg;

	for (size_t i = 0; i < COUNT(d->trunkv); i++) {
		int err = h(&d->trunkv[i], harg);

		if (err)
			return err;
	}
	return 0;
}

static void trunk_set(struct trunk *t, const char *id, const char *prefix,
		      uint8_t strip, const char *prepend, bool enabled)
{
	trunk_init(t);
	str_ncpy(t->id, id, sizeof(t->id));
	str_ncpy(t->prefix, prefix, sizeof(t->prefix));
	str_ncpy(t->prepend, prepend, sizeof(t->prepend));
	t->strip = strip;
	t->enabled = enabled;
}

static struct dir dir;
static const struct route_lookup lk = { agent, did, trunks, &dir };

static int setup(void **state)
{
	(void)state;
	memset(&dir, 0, sizeof(dir));
	trunk_set(&dir.trunkv[0], "any", "", 0, "", true);
	trunk_set(&dir.trunkv[1], "uk", "0044", 4, "+44", true);
	trunk_set(&dir.trunkv[2], "off", "1", 0, "", false);
	return 0;
}

struct rcase {
	const char *dest;
	uint64_t caller;
	enum route_kind kind;
	enum call_direction dir;
	uint64_t agent_id;
	const char *did;
	const char *trunk;
	const char *number;
};

static void test_table(void **state)
{
	static const struct rcase v[] = {
		{"1001", 0, ROUTE_AGENT, CALL_INBOUND, 1, "", "", ""},
		{"1002", 1, ROUTE_AGENT, CALL_INTERNAL, 2, "", "", ""},
		{"+15550100", 0, ROUTE_AGENT, CALL_INBOUND, 2, "+15550100",
		 "", ""},
		{"+15550100", 1, ROUTE_AGENT, CALL_INBOUND, 2, "+15550100",
		 "", ""},
		/* a DID whose extension is gone: nowhere to go */
		{"+15550199", 0, ROUTE_NOT_FOUND, CALL_INBOUND, 0,
		 "+15550199", "", ""},
		/* external numbers: anonymous callers must authenticate */
		{"15551234567", 0, ROUTE_AUTH, CALL_OUTBOUND, 0, "", "any",
		 "15551234567"},
		{"15551234567", 1, ROUTE_TRUNK, CALL_OUTBOUND, 0, "", "any",
		 "15551234567"},
		{"00442071234567", 2, ROUTE_TRUNK, CALL_OUTBOUND, 0, "", "uk",
		 "+442071234567"},
		/* not a number: no trunk takes it */
		{"bob", 1, ROUTE_NOT_FOUND, CALL_INBOUND, 0, "", "", ""},
	};
	(void)state;

	for (size_t i = 0; i < COUNT(v); i++) {
		struct route r;

		assert_int_equal(route_call(&lk, v[i].dest, v[i].caller, &r),
				 0);
		if (r.kind != v[i].kind)
			fail_msg("%s (caller %llu): kind %d, want %d",
				 v[i].dest, (unsigned long long)v[i].caller,
				 r.kind, v[i].kind);
		if (r.kind == ROUTE_NOT_FOUND) {
			assert_string_equal(r.did, v[i].did);
			continue;
		}
		assert_int_equal(r.direction, v[i].dir);
		assert_int_equal(r.agent_id, v[i].agent_id);
		assert_string_equal(r.did, v[i].did);
		if (r.kind == ROUTE_AGENT)
			continue;
		assert_string_equal(r.trunk.id, v[i].trunk);
		assert_string_equal(r.number, v[i].number);
	}
}

/* DIDs leading to a queue or a flow: inbound, whoever calls, and the
 * target type decides (a flow id that is also an extension stays a flow) */
static void test_did_targets(void **state)
{
	static const struct {
		const char *dest;
		uint64_t caller;
		enum route_kind kind;
		const char *queue_id, *flow_id;
	} v[] = {
		{"+15550300", 0, ROUTE_QUEUE, "sales", ""},
		{"+15550300", 2, ROUTE_QUEUE, "sales", ""},
		{"+15550400", 0, ROUTE_FLOW, "", "main-ivr"},
		{"+15550400", 1, ROUTE_FLOW, "", "main-ivr"},
		{"+15550401", 0, ROUTE_FLOW, "", "1001"},
	};
	(void)state;

	for (size_t i = 0; i < COUNT(v); i++) {
		struct route r;

		assert_int_equal(route_call(&lk, v[i].dest, v[i].caller, &r),
				 0);
		assert_int_equal(r.kind, v[i].kind);
		assert_int_equal(r.direction, CALL_INBOUND);
		assert_string_equal(r.did, v[i].dest);
		assert_string_equal(r.queue_id, v[i].queue_id);
		assert_string_equal(r.flow_id, v[i].flow_id);
		assert_int_equal(r.agent_id, 0);
	}
}

static void test_no_trunks(void **state)
{
	struct route r;
	(void)state;

	dir.trunkv[0].enabled = false;
	dir.trunkv[1].enabled = false;
	assert_int_equal(route_call(&lk, "15551234567", 1, &r), 0);
	assert_int_equal(r.kind, ROUTE_NOT_FOUND);
}

static void test_lookup_error(void **state)
{
	struct route r;
	(void)state;

	dir.fail = EIO;
	assert_int_equal(route_call(&lk, "1001", 0, &r), EIO);
	assert_int_equal(route_call(NULL, "1001", 0, &r), EINVAL);
	assert_int_equal(route_call(&lk, NULL, 0, &r), EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_table, setup),
		cmocka_unit_test_setup(test_did_targets, setup),
		cmocka_unit_test_setup(test_no_trunks, setup),
		cmocka_unit_test_setup(test_lookup_error, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

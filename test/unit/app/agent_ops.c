/** @file test/unit/app/agent_ops.c  agent_ops_apply against a real store
 *  and bus: saved state, recorded transition, published event */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <hotline/libre.h>
#include <hotline/agent_ops.h>
#include <hotline/bus.h>
#include <hotline/store.h>

#define EVENTS_MAX 8

struct fixture {
	char dir[64];
	struct store *st;
	struct bus *bus;
	uint64_t id;                 /* agent "1001", member of sales */
	json_t *evv[EVENTS_MAX];     /* delivered envelopes, parsed */
	size_t evc;
};

static void on_event(const struct bus_event *ev, void *arg)
{
	struct fixture *f = arg;

	assert_true(f->evc < EVENTS_MAX);
	f->evv[f->evc] = json_loadb(ev->json, ev->json_len, 0, NULL);
	assert_non_null(f->evv[f->evc]);
	++f->evc;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct queue_member m = {.queue_id = "sales", .tier = 1};
	struct queue q;
	struct agent a;
	char db[128];
	bool created;

	if (!f || libre_init())
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/hotline-ops-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(db, sizeof(db), "%s/h.db", f->dir);
	if (store_open(&f->st, db) || bus_alloc(&f->bus, f->st, 3600))
		return -1;
	bus_listen(f->bus, on_event, NULL, f);

	agent_init(&a);
	str_ncpy(a.name, "Ada", sizeof(a.name));
	str_ncpy(a.extension, "1001", sizeof(a.extension));
	a.created_ms = a.updated_ms = a.st.status_since_ms = 1000;
	queue_init(&q);
	str_ncpy(q.id, "sales", sizeof(q.id));
	str_ncpy(q.name, "Sales", sizeof(q.name));
	if (store_agent_create(f->st, &a) || store_queue_create(f->st, &q))
		return -1;
	f->id = m.agent_id = a.id;
	if (store_member_put(f->st, &m, &created))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	for (size_t i = 0; i < f->evc; i++)
		json_decref(f->evv[i]);
	mem_deref(f->bus);
	mem_deref(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	libre_close();
	return 0;
}

static const char *dstr(json_t *ev, const char *key)
{
	return json_string_value(json_object_get(json_object_get(ev, "data"),
						 key));
}

static int first_actor(const struct store_activity *act, void *arg)
{
	char **actor = arg;

	if (!*actor)   /* newest first: keep the first one's actor */
		*actor = strdup(act->actor);
	return 0;
}

/* The newest recorded transition's actor (malloc'd), NULL if none */
static char *last_actor(struct fixture *f)
{
	char *actor = NULL;

	assert_int_equal(store_activity_list(f->st, f->id, 0, 1, first_actor,
					     &actor), 0);
	return actor;
}

static void test_status_action(void **state)
{
	struct fixture *f = *state;
	enum agent_verdict v = AGENT_VERDICT_COUNT;
	struct agent a, got;
	json_t *ev, *data;
	char *actor;

	assert_int_equal(agent_ops_apply(f->st, f->bus, f->id,
					 AGENT_ACTION_LOGIN, AGENT_CH_VOICE,
					 NULL, "admin", 5000, &a, &v), 0);
	assert_int_equal(v, AGENT_OK);
	assert_int_equal(a.st.presence, AGENT_LOGGED_IN);
	assert_int_equal(a.st.status_since_ms, 5000);

	/* saved, and recorded with its actor */
	assert_int_equal(store_agent_get(f->st, f->id, &got), 0);
	assert_int_equal(got.st.presence, AGENT_LOGGED_IN);
	actor = last_actor(f);
	assert_string_equal(actor, "admin");
	free(actor);

	/* published, not flushed */
	assert_int_equal(f->evc, 0);
	assert_int_equal(bus_flush(f->bus), 0);
	assert_int_equal(f->evc, 1);
	ev = f->evv[0];
	assert_string_equal(json_string_value(json_object_get(ev, "type")),
			    "agent.state_changed");
	assert_int_equal(json_array_size(json_object_get(ev, "topics")), 2);
	assert_string_equal(json_string_value(json_array_get(
		json_object_get(ev, "topics"), 1)), "queue:sales");
	data = json_object_get(ev, "data");
	assert_int_equal(json_integer_value(json_object_get(data, "agent_id")),
			 f->id);
	assert_string_equal(dstr(ev, "action"), "login");
	assert_true(json_is_null(json_object_get(data, "channel")));
	assert_string_equal(dstr(ev, "from"), "logged_out");
	assert_string_equal(dstr(ev, "to"), "not_ready");
	assert_true(json_is_null(json_object_get(data, "reason")));
	assert_string_equal(dstr(ev, "actor"), "admin");
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(data, "state"), "status")), "not_ready");
}

static void test_refused(void **state)
{
	struct fixture *f = *state;
	enum agent_verdict v = AGENT_OK;
	struct agent a;
	char *actor;

	assert_int_equal(agent_ops_apply(f->st, f->bus, f->id,
					 AGENT_ACTION_READY, AGENT_CH_VOICE,
					 NULL, "admin", 5000, &a, &v), 0);
	assert_int_equal(v, AGENT_E_LOGGED_OUT);
	assert_int_equal(a.id, f->id);           /* as loaded */
	assert_int_equal(a.st.presence, AGENT_LOGGED_OUT);
	assert_int_equal(bus_flush(f->bus), 0);
	assert_int_equal(f->evc, 0);             /* nothing published */
	actor = last_actor(f);
	assert_null(actor);                      /* nothing recorded */

	assert_int_equal(agent_ops_apply(f->st, f->bus, f->id + 100,
					 AGENT_ACTION_LOGIN, AGENT_CH_VOICE,
					 NULL, "admin", 5000, NULL, &v), ENOENT);
	assert_int_equal(agent_ops_apply(f->st, f->bus, f->id,
					 AGENT_ACTION_LOGIN, AGENT_CH_VOICE,
					 NULL, NULL, 5000, NULL, &v), EINVAL);
	assert_int_equal(bus_flush(f->bus), 0);
	assert_int_equal(f->evc, 0);
}

/* Telephony: a direct call seizes the voice channel of a logged-out agent
 * and releases it; the activity is saved and the events name the channel
 * and the call. */
static void test_seize_release(void **state)
{
	struct fixture *f = *state;
	enum agent_verdict v;
	struct agent got;
	char *actor;

	assert_int_equal(agent_ops_apply(f->st, f->bus, f->id,
					 AGENT_ACTION_SEIZE, AGENT_CH_VOICE,
					 NULL, "call:abc", 7000, NULL, &v), 0);
	assert_int_equal(v, AGENT_OK);
	assert_int_equal(store_agent_get(f->st, f->id, &got), 0);
	assert_int_equal(got.st.activity[AGENT_CH_VOICE], AGENT_BUSY);
	assert_int_equal(got.st.activity_since_ms[AGENT_CH_VOICE], 7000);
	actor = last_actor(f);
	assert_string_equal(actor, "call:abc");
	free(actor);

	/* seizing twice is refused by the state machine */
	assert_int_equal(agent_ops_apply(f->st, f->bus, f->id,
					 AGENT_ACTION_SEIZE, AGENT_CH_VOICE,
					 NULL, "call:def", 7100, NULL, &v), 0);
	assert_int_equal(v, AGENT_E_ACTIVITY);

	/* inside the caller's transaction the writes join it */
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(agent_ops_apply(f->st, f->bus, f->id,
					 AGENT_ACTION_RELEASE, AGENT_CH_VOICE,
					 NULL, "system", 8000, NULL, &v), 0);
	assert_int_equal(v, AGENT_OK);
	assert_true(store_in_tx(f->st));
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(store_agent_get(f->st, f->id, &got), 0);
	assert_int_equal(got.st.activity[AGENT_CH_VOICE], AGENT_IDLE);

	assert_int_equal(bus_flush(f->bus), 0);
	assert_int_equal(f->evc, 2);
	assert_string_equal(dstr(f->evv[0], "action"), "seize");
	assert_string_equal(dstr(f->evv[0], "channel"), "voice");
	assert_string_equal(dstr(f->evv[0], "from"), "idle");
	assert_string_equal(dstr(f->evv[0], "to"), "busy");
	assert_string_equal(dstr(f->evv[0], "actor"), "call:abc");
	assert_string_equal(dstr(f->evv[1], "action"), "release");
	assert_string_equal(dstr(f->evv[1], "to"), "idle");
	assert_string_equal(dstr(f->evv[1], "actor"), "system");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_action, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seize_release, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

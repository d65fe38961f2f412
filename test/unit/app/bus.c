/** @file test/unit/app/bus.c  Event bus: seq numbering, persist before
 *  deliver, batching, seq continuity across a reopen */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <hotline/libre.h>
#include <hotline/bus.h>
#include <hotline/store.h>

struct seen {
	struct store *st;
	uint64_t seqv[16];
	size_t n;
	size_t batches;
	bool persisted_first;    /* every event was stored before delivery */
};

static void on_event(const struct bus_event *ev, void *arg)
{
	struct seen *s = arg;
	uint64_t first, last;

	assert_int_equal(store_event_bounds(s->st, &first, &last), 0);
	if (last < ev->seq)
		s->persisted_first = false;
	assert_true(s->n < 16);
	s->seqv[s->n++] = ev->seq;
	/* the frame is a text frame holding exactly the envelope */
	assert_int_equal(ev->frame[0], 0x81);
	assert_ptr_equal(ev->json + ev->json_len, ev->frame + ev->frame_len);
}

static void on_batch(void *arg)
{
	((struct seen *)arg)->batches++;
}

static int count_event(const struct store_event *ev, void *arg)
{
	(void)ev;
	++*(size_t *)arg;
	return 0;
}

static void test_publish_persist_deliver(void **state)
{
	char dir[] = "/tmp/hotline-bus-XXXXXX", db[64];
	const char *topics[] = {"agent:1", "queue:sales", "agent:1"};
	struct seen seen = {.persisted_first = true};
	struct bus *bus = NULL;
	uint64_t seq = 0;
	size_t stored = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/h.db", dir);
	assert_int_equal(store_open(&seen.st, db), 0);
	assert_int_equal(bus_alloc(&bus, seen.st, 3600), 0);
	bus_listen(bus, on_event, on_batch, &seen);

	/* bad input publishes nothing and consumes no seq */
	assert_int_equal(bus_publish(bus, "Bad Type", topics, 1, 0, NULL,
				     NULL), EINVAL);
	assert_int_equal(bus_publish(bus, "custom.x", topics, 0, 0, NULL,
				     NULL), EINVAL);

	assert_int_equal(bus_publish(bus, "custom.a", topics, 3, 1000,
				     json_pack("{s:i}", "n", 1), &seq), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(bus_publish(bus, "custom.b", topics, 1, 0, NULL,
				     &seq), 0);
	assert_int_equal(seq, 2);
	assert_int_equal(seen.n, 0);          /* nothing before the flush */
	assert_int_equal(bus_last_seq(bus), 0);

	assert_int_equal(bus_flush(bus), 0);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.seqv[0], 1);
	assert_int_equal(seen.seqv[1], 2);
	assert_int_equal(seen.batches, 1);    /* one batch for both */
	assert_true(seen.persisted_first);
	assert_int_equal(bus_last_seq(bus), 2);
	assert_int_equal(store_event_list(seen.st, 0, 0, 0, count_event,
					  &stored), 0);
	assert_int_equal(stored, 2);

	/* the seq survives a restart, even with every event pruned */
	mem_deref(bus);
	assert_int_equal(store_event_prune(seen.st, UINT64_MAX / 2, NULL), 0);
	mem_deref(seen.st);
	assert_int_equal(store_open(&seen.st, db), 0);
	assert_int_equal(bus_alloc(&bus, seen.st, 3600), 0);
	assert_int_equal(bus_last_seq(bus), 2);
	assert_int_equal(bus_publish(bus, "custom.c", topics, 1, 0, NULL,
				     &seq), 0);
	assert_int_equal(seq, 3);

	mem_deref(bus);                       /* flushes the pending one */
	stored = 0;
	assert_int_equal(store_event_list(seen.st, 2, 0, 0, count_event,
					  &stored), 0);
	assert_int_equal(stored, 1);
	mem_deref(seen.st);

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_event_from_stored_json(void **state)
{
	static const char json[] = "{\"seq\":9}";
	struct bus_event *ev;

	(void)state;
	ev = bus_event_from_json(9, "agent:1 queue:sales", json,
				 sizeof(json) - 1);
	assert_non_null(ev);
	assert_int_equal(ev->seq, 9);
	assert_int_equal(ev->topicc, 2);
	assert_string_equal(ev->topicv[0], "agent:1");
	assert_string_equal(ev->topicv[1], "queue:sales");
	assert_int_equal(ev->frame_len, 2 + sizeof(json) - 1);
	assert_memory_equal(ev->json, json, sizeof(json) - 1);
	mem_deref(ev);
}

static int setup(void **state)
{
	(void)state;
	return libre_init();
}

static int teardown(void **state)
{
	(void)state;
	libre_close();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish_persist_deliver),
		cmocka_unit_test(test_event_from_stored_json),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/** @file test/unit/store/sqlite_flows.c  The SQLite store's IVR part
 *  against a real file: flows and versions, contacts, call traces,
 *  recordings, the flow part of call records, and migration 004 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <hotline/log.h>
#include <hotline/store.h>
#include "store/migrations.h"
#include "tmpstore.h"

#define DOC1 "{\"name\":\"Main\",\"steps\":[{\"id\":\"a\",\"action\":\"hangup\"}]}"
#define DOC2 "{\"name\":\"Main 2\",\"steps\":[{\"id\":\"b\",\"action\":\"answer\"}]}"


/* --- migration ------------------------------------------------------- */

static void test_migration_004(void **state)
{
	struct tmpstore *f = *state;

	f->st = mem_deref(f->st);
	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT count(*) FROM schema_migrations "
		"WHERE version = 4 AND name = '004_flows'"), 1);
	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
		"name IN ('flows', 'flow_versions', 'contacts', 'call_trace', "
		"'recordings')"), 5);
	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT count(*) FROM pragma_table_info('calls') WHERE name "
		"IN ('flow_id', 'flow_version', 'contact_id')"), 3);
	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
		"name = 'recordings_call'"), 1);
}

/* The schema of 001..003 with its version rows, as a build that knew
 * only those left it */
static void db_make_003(const char *path)
{
	char sql[256];

	assert_true(store_migrationc >= 4);
	tmpstore_raw_exec(path, "CREATE TABLE schema_migrations (version "
		 "INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER "
		 "NOT NULL) STRICT");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(store_migrationv[i].version, i + 1);
		tmpstore_raw_exec(path, store_migrationv[i].sql);
		snprintf(sql, sizeof(sql), "INSERT INTO schema_migrations "
			 "VALUES (%d, '%s', 1)", i + 1,
			 store_migrationv[i].name);
		tmpstore_raw_exec(path, sql);
	}
}

/* A database left by a build that knew only 003 is upgraded in place:
 * calls read as having run no flow and having no contact, DIDs keep
 * their targets, and the new tables and columns work. */
static void test_migrate_from_003(void **state)
{
	struct tmpstore *f = *state;
	struct store *st = NULL;
	struct call_record c;
	struct store_flow fl;
	struct did d;
	char path[160];

	snprintf(path, sizeof(path), "%s/old.db", f->dir);
	db_make_003(path);
	tmpstore_raw_exec(path, "INSERT INTO calls (id, direction, state, "
		 "from_party, to_party, did, cause, hangup_by, sip_status, "
		 "created_at, ringing_at, answered_at, ended_at, queue_id, "
		 "queued_at, wait_ms, queue_result) VALUES ('00aa', "
		 "'inbound', 'ended', '+4930999', '1001', '+4930100', "
		 "'normal_clearing', 'caller', 0, 1000, 1100, 1200, 9000, "
		 "'sales', 1050, 150, 'answered')");
	tmpstore_raw_exec(path, "INSERT INTO dids VALUES ('+4930100', "
		 "'Line', 'queue', 'sales', '', 5, 6)");

	assert_int_equal(store_open(&st, path), 0);
	assert_int_equal(tmpstore_raw_int(path, "SELECT count(*) FROM "
				 "schema_migrations"), store_migrationc);

	assert_int_equal(store_call_get(st, "00aa", &c), 0);
	assert_string_equal(c.queue_id, "sales");
	assert_int_equal(c.wait_ms, 150);
	assert_string_equal(c.flow_id, "");
	assert_int_equal(c.flow_version, 0);
	assert_int_equal(c.contact_id, 0);
	assert_int_equal(store_did_get(st, "+4930100", &d), 0);
	assert_int_equal(d.target_type, DID_TARGET_QUEUE);

	/* the new columns and tables work */
	assert_int_equal(store_flow_create(st, "main", "Main", DOC1, 10,
					   NULL), 0);
	snprintf(c.flow_id, sizeof(c.flow_id), "main");
	c.flow_version = 1;
	c.contact_id = 3;
	assert_int_equal(store_call_put(st, &c), 0);
	d.target_type = DID_TARGET_FLOW;
	snprintf(d.target, sizeof(d.target), "main");
	assert_int_equal(store_did_update(st, &d), 0);
	assert_int_equal(store_flow_get(st, "main", 0, &fl), 0);
	mem_deref(fl.doc);
	mem_deref(st);

	assert_int_equal(tmpstore_raw_int(path, "SELECT contact_id FROM "
				 "calls WHERE flow_id = 'main' AND "
				 "flow_version = 1"), 3);
	assert_int_equal(tmpstore_raw_int(path, "SELECT count(*) FROM dids "
				 "WHERE target_type = 'flow' AND target = "
				 "'main'"), 1);
}


/* --- flows ----------------------------------------------------------- */

struct walk {
	int n;
	char ids[8][FLOW_ID_MAX];
	uint32_t versions[8];
	uint32_t current[8];
	int stop_at;                  /* return 1 on that row (1-based) */
};

static int walk_flow(const struct store_flow *f, void *arg)
{
	struct walk *w = arg;

	assert_null(f->doc);
	assert_true(w->n < 8);
	snprintf(w->ids[w->n], sizeof(w->ids[0]), "%s", f->id);
	w->versions[w->n] = f->version;
	w->current[w->n] = f->current_version;
	++w->n;
	return w->n == w->stop_at ? 1 : 0;
}

static void test_flow_versions(void **state)
{
	struct tmpstore *f = *state;
	struct store *st = f->st;
	struct store_flow fl;
	struct walk w;
	uint32_t v = 0;

	assert_int_equal(store_flow_exists(st, "main", NULL), ENOENT);
	assert_int_equal(store_flow_create(st, "main", "Main", DOC1, 1000,
					   &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(store_flow_create(st, "main", "Again", DOC1, 1001,
					   &v), EEXIST);
	assert_int_equal(store_flow_exists(st, "main", NULL), 0);

	memset(&fl, 0, sizeof(fl));
	assert_int_equal(store_flow_get(st, "main", 0, &fl), 0);
	assert_string_equal(fl.id, "main");
	assert_string_equal(fl.name, "Main");
	assert_int_equal(fl.version, 1);
	assert_int_equal(fl.current_version, 1);
	assert_int_equal(fl.created_ms, 1000);
	assert_int_equal(fl.updated_ms, 1000);
	assert_int_equal(fl.version_ms, 1000);
	assert_string_equal(fl.doc, DOC1);
	fl.doc = mem_deref(fl.doc);

	assert_int_equal(store_flow_update(st, "main", "Main 2", DOC2, 2000,
					   &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(store_flow_update(st, "nope", "X", DOC2, 2000, &v),
			 ENOENT);
	assert_int_equal(v, 2);

	/* current is 2; version 1 is kept as it was */
	assert_int_equal(store_flow_get(st, "main", 0, &fl), 0);
	assert_int_equal(fl.version, 2);
	assert_string_equal(fl.name, "Main 2");
	assert_string_equal(fl.doc, DOC2);
	assert_int_equal(fl.created_ms, 1000);
	assert_int_equal(fl.updated_ms, 2000);
	fl.doc = mem_deref(fl.doc);
	assert_int_equal(store_flow_get(st, "main", 1, &fl), 0);
	assert_int_equal(fl.version, 1);
	assert_int_equal(fl.current_version, 2);
	assert_string_equal(fl.name, "Main");
	assert_string_equal(fl.doc, DOC1);
	assert_int_equal(fl.version_ms, 1000);
	assert_int_equal(fl.updated_ms, 2000);
	fl.doc = mem_deref(fl.doc);
	assert_int_equal(store_flow_get(st, "main", 3, &fl), ENOENT);
	assert_int_equal(store_flow_get(st, "nope", 0, &fl), ENOENT);
	assert_null(fl.doc);

	assert_int_equal(store_flow_update(st, "main", "Main 3", DOC1, 3000,
					   NULL), 0);

	/* versions: newest first, paged by "before" */
	memset(&w, 0, sizeof(w));
	assert_int_equal(store_flow_versions(st, "main", 0, 0, walk_flow,
					     &w), 0);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.versions[0], 3);
	assert_int_equal(w.versions[1], 2);
	assert_int_equal(w.versions[2], 1);
	assert_int_equal(w.current[2], 3);
	memset(&w, 0, sizeof(w));
	assert_int_equal(store_flow_versions(st, "main", 3, 1, walk_flow,
					     &w), 0);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.versions[0], 2);
	assert_int_equal(store_flow_versions(st, "nope", 0, 0, walk_flow,
					     &w), ENOENT);

	/* bad arguments */
	assert_int_equal(store_flow_create(st, "", "X", DOC1, 1, NULL),
			 EINVAL);
	assert_int_equal(store_flow_create(st, "x", "X", "", 1, NULL),
			 EINVAL);
	assert_int_equal(store_flow_create(st, "x", NULL, DOC1, 1, NULL),
			 EINVAL);
	assert_int_equal(store_flow_get(st, NULL, 0, &fl), EINVAL);
	assert_int_equal(store_flow_exists(st, "x", NULL), ENOENT);
}

static void test_flow_list_delete(void **state)
{
	struct tmpstore *f = *state;
	struct store *st = f->st;
	struct walk w;
	struct did d;

	assert_int_equal(store_flow_create(st, "b", "B", DOC1, 1, NULL), 0);
	assert_int_equal(store_flow_create(st, "a", "A", DOC1, 1, NULL), 0);
	assert_int_equal(store_flow_create(st, "c", "C", DOC1, 1, NULL), 0);
	assert_int_equal(store_flow_update(st, "b", "B2", DOC2, 2, NULL), 0);

	memset(&w, 0, sizeof(w));
	assert_int_equal(store_flow_list(st, "", 0, walk_flow, &w), 0);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.ids[0], "a");
	assert_string_equal(w.ids[1], "b");
	assert_int_equal(w.versions[1], 2);    /* the current version */
	assert_string_equal(w.ids[2], "c");
	memset(&w, 0, sizeof(w));
	assert_int_equal(store_flow_list(st, "a", 1, walk_flow, &w), 0);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.ids[0], "b");
	memset(&w, 0, sizeof(w));
	w.stop_at = 2;
	assert_int_equal(store_flow_list(st, NULL, 0, walk_flow, &w), 1);
	assert_int_equal(w.n, 2);

	/* a DID leading to a flow keeps it; other DIDs do not */
	memset(&d, 0, sizeof(d));
	snprintf(d.number, sizeof(d.number), "+4930100");
	d.target_type = DID_TARGET_FLOW;
	snprintf(d.target, sizeof(d.target), "b");
	assert_int_equal(store_did_create(st, &d), 0);
	snprintf(d.number, sizeof(d.number), "+4930101");
	d.target_type = DID_TARGET_EXTENSION;
	snprintf(d.target, sizeof(d.target), "a");
	assert_int_equal(store_did_create(st, &d), 0);

	assert_int_equal(store_flow_delete(st, "b"), EBUSY);
	assert_int_equal(store_flow_exists(st, "b", NULL), 0);
	assert_int_equal(store_flow_delete(st, "a"), 0);
	assert_int_equal(store_flow_delete(st, "a"), ENOENT);
	assert_int_equal(store_did_delete(st, "+4930100"), 0);
	assert_int_equal(store_flow_delete(st, "b"), 0);
	assert_int_equal(store_flow_exists(st, "b", NULL), ENOENT);

	/* versions went with their flows */
	f->st = mem_deref(f->st);
	assert_int_equal(tmpstore_raw_int(f->path, "SELECT count(*) FROM "
				 "flow_versions"), 1);
}


/* --- contacts -------------------------------------------------------- */

static void contact_set(struct contact *c, const char *name,
			const char *phone)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->phone, sizeof(c->phone), "%s", phone);
	c->created_ms = c->updated_ms = 500;
}

static int walk_contact(const struct contact *c, void *arg)
{
	struct walk *w = arg;

	assert_true(w->n < 8);
	snprintf(w->ids[w->n], sizeof(w->ids[0]), "%s", c->phone);
	++w->n;
	return 0;
}

static void test_contacts(void **state)
{
	struct tmpstore *f = *state;
	struct store *st = f->st;
	struct contact a, b, got;
	struct walk w;

	contact_set(&a, "Ada", "+15551234567");
	snprintf(a.email, sizeof(a.email), "ada@example.com");
	snprintf(a.crm_id, sizeof(a.crm_id), "CRM-1");
	assert_int_equal(store_contact_create(st, &a), 0);
	assert_true(a.id > 0);
	contact_set(&b, "", "1001");
	assert_int_equal(store_contact_create(st, &b), 0);
	assert_true(b.id > a.id);
	contact_set(&got, "Dup", "+15551234567");
	assert_int_equal(store_contact_create(st, &got), EEXIST);

	assert_int_equal(store_contact_find_phone(st, "+15551234567", &got),
			 0);
	assert_int_equal(got.id, a.id);
	assert_string_equal(got.name, "Ada");
	assert_string_equal(got.email, "ada@example.com");
	assert_string_equal(got.crm_id, "CRM-1");
	assert_int_equal(got.created_ms, 500);
	assert_int_equal(store_contact_find_phone(st, "15551234567", &got),
			 ENOENT);
	assert_int_equal(store_contact_get(st, b.id, &got), 0);
	assert_string_equal(got.phone, "1001");
	assert_string_equal(got.email, "");
	assert_int_equal(store_contact_get(st, 999, &got), ENOENT);

	/* update: every field but id and created_ms; the phone stays unique */
	snprintf(b.name, sizeof(b.name), "Bob");
	snprintf(b.phone, sizeof(b.phone), "1002");
	b.updated_ms = 900;
	b.created_ms = 1;
	assert_int_equal(store_contact_update(st, &b), 0);
	assert_int_equal(store_contact_get(st, b.id, &got), 0);
	assert_string_equal(got.name, "Bob");
	assert_string_equal(got.phone, "1002");
	assert_int_equal(got.created_ms, 500);
	assert_int_equal(got.updated_ms, 900);
	snprintf(b.phone, sizeof(b.phone), "+15551234567");
	assert_int_equal(store_contact_update(st, &b), EEXIST);
	b.id = 999;
	assert_int_equal(store_contact_update(st, &b), ENOENT);

	memset(&w, 0, sizeof(w));
	assert_int_equal(store_contact_list(st, 0, 0, walk_contact, &w), 0);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.ids[0], "+15551234567");
	assert_string_equal(w.ids[1], "1002");
	memset(&w, 0, sizeof(w));
	assert_int_equal(store_contact_list(st, a.id, 1, walk_contact, &w), 0);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.ids[0], "1002");

	contact_set(&got, "No phone", "");
	assert_int_equal(store_contact_create(st, &got), EINVAL);
}


/* --- traces ---------------------------------------------------------- */

struct trace_walk {
	int n;
	uint32_t seq[8];
	char step[8][16];
	char input[8][64];
	char next[8][16];
	uint64_t started[8], ended[8];
};

static int walk_trace(const struct store_trace *t, void *arg)
{
	struct trace_walk *w = arg;

	assert_true(w->n < 8);
	assert_string_equal(t->call_id, "c1");
	w->seq[w->n] = t->seq;
	snprintf(w->step[w->n], sizeof(w->step[0]), "%s", t->step_id);
	snprintf(w->input[w->n], sizeof(w->input[0]), "%s", t->input);
	snprintf(w->next[w->n], sizeof(w->next[0]), "%s", t->next);
	w->started[w->n] = t->started_ms;
	w->ended[w->n] = t->ended_ms;
	++w->n;
	return 0;
}

static void test_traces(void **state)
{
	struct tmpstore *f = *state;
	struct store *st = f->st;
	struct store_trace t = {
		.call_id = "c1", .seq = 1, .step_id = "menu", .action = "menu",
		.input = "{\"digits\":\"1\",\"attempt\":1}", .result = "ok",
		.next = "sales", .started_ms = 20, .ended_ms = 30,
	};
	struct trace_walk w;

	assert_int_equal(store_trace_put(st, &t), 0);
	t.seq = 0;
	t.step_id = "hello";
	t.action = "say";
	t.input = "{}";
	t.next = "menu";
	t.started_ms = 10;
	t.ended_ms = 20;
	assert_int_equal(store_trace_put(st, &t), 0);
	t.seq = 2;
	t.step_id = "sales";
	t.action = "queue";
	t.result = "queued";
	t.next = "";
	assert_int_equal(store_trace_put(st, &t), 0);
	assert_int_equal(store_trace_put(st, &t), EEXIST);
	t.call_id = "c2";
	assert_int_equal(store_trace_put(st, &t), 0);

	memset(&w, 0, sizeof(w));
	assert_int_equal(store_trace_list(st, "c1", walk_trace, &w), 0);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.seq[0], 0);
	assert_string_equal(w.step[0], "hello");
	assert_string_equal(w.input[0], "{}");
	assert_int_equal(w.started[0], 10);
	assert_int_equal(w.seq[1], 1);
	assert_string_equal(w.input[1], "{\"digits\":\"1\",\"attempt\":1}");
	assert_string_equal(w.next[1], "sales");
	assert_int_equal(w.ended[1], 30);
	assert_string_equal(w.next[2], "");

	memset(&w, 0, sizeof(w));
	assert_int_equal(store_trace_list(st, "c9", walk_trace, &w), 0);
	assert_int_equal(w.n, 0);

	t.input = NULL;
	assert_int_equal(store_trace_put(st, &t), EINVAL);
	t.input = "{}";
	t.call_id = "";
	assert_int_equal(store_trace_put(st, &t), EINVAL);
}


/* --- recordings ------------------------------------------------------ */

static void recording_set(struct store_recording *r, const char *id,
			  const char *call_id, uint64_t at)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(r->call_id, sizeof(r->call_id), "%s", call_id);
	snprintf(r->path, sizeof(r->path), "/var/lib/hotline/%s.wav", id);
	r->duration_ms = 4000;
	r->bytes = 64044;
	r->created_ms = at;
}

static int walk_recording(const struct store_recording *r, void *arg)
{
	struct walk *w = arg;

	assert_true(w->n < 8);
	snprintf(w->ids[w->n], sizeof(w->ids[0]), "%s", r->id);
	w->versions[w->n] = (uint32_t)r->cursor;
	++w->n;
	return 0;
}

static void test_recordings(void **state)
{
	struct tmpstore *f = *state;
	struct store *st = f->st;
	struct store_recording r, got;
	struct walk w;

	recording_set(&r, "r1", "c1", 100);
	assert_int_equal(store_recording_put(st, &r), 0);
	assert_true(r.cursor > 0);
	recording_set(&r, "r2", "c2", 200);
	assert_int_equal(store_recording_put(st, &r), 0);
	recording_set(&r, "r3", "c1", 300);
	assert_int_equal(store_recording_put(st, &r), 0);
	assert_int_equal(store_recording_put(st, &r), EEXIST);

	assert_int_equal(store_recording_get(st, "r2", &got), 0);
	assert_string_equal(got.call_id, "c2");
	assert_string_equal(got.path, "/var/lib/hotline/r2.wav");
	assert_int_equal(got.duration_ms, 4000);
	assert_int_equal(got.bytes, 64044);
	assert_int_equal(got.created_ms, 200);
	assert_int_equal(store_recording_get(st, "r9", &got), ENOENT);

	memset(&w, 0, sizeof(w));
	assert_int_equal(store_recording_list(st, NULL, 0, 0, walk_recording,
					      &w), 0);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.ids[0], "r3");
	assert_string_equal(w.ids[2], "r1");
	memset(&w, 0, sizeof(w));
	assert_int_equal(store_recording_list(st, "c1", 0, 0, walk_recording,
					      &w), 0);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.ids[0], "r3");
	assert_string_equal(w.ids[1], "r1");
	memset(&w, 0, sizeof(w));
	assert_int_equal(store_recording_list(st, "", r.cursor, 1,
					      walk_recording, &w), 0);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.ids[0], "r2");
	memset(&w, 0, sizeof(w));
	assert_int_equal(store_recording_list(st, "c9", 0, 0, walk_recording,
					      &w), 0);
	assert_int_equal(w.n, 0);

	recording_set(&r, "r4", "c1", 1);
	r.path[0] = '\0';
	assert_int_equal(store_recording_put(st, &r), EINVAL);
}


/* --- call records: the flow part ------------------------------------- */

static void test_call_flow_part(void **state)
{
	struct tmpstore *f = *state;
	struct store *st = f->st;
	struct call_record c, got;

	call_init(&c, "ab01", CALL_INBOUND, 1000);
	snprintf(c.from, sizeof(c.from), "+15551234567");
	snprintf(c.to, sizeof(c.to), "+4930100");
	assert_int_equal(store_call_put(st, &c), 0);
	assert_int_equal(store_call_get(st, "ab01", &got), 0);
	assert_string_equal(got.flow_id, "");
	assert_int_equal(got.flow_version, 0);
	assert_int_equal(got.contact_id, 0);

	snprintf(c.flow_id, sizeof(c.flow_id), "main");
	c.flow_version = 7;
	c.contact_id = 42;
	assert_int_equal(store_call_put(st, &c), 0);
	assert_int_equal(store_call_get(st, "ab01", &got), 0);
	assert_string_equal(got.flow_id, "main");
	assert_int_equal(got.flow_version, 7);
	assert_int_equal(got.contact_id, 42);

	/* a flow id and a version go together */
	c.flow_version = 0;
	assert_int_equal(store_call_put(st, &c), EINVAL);
	c.flow_version = 1;
	c.flow_id[0] = '\0';
	assert_int_equal(store_call_put(st, &c), EINVAL);

	f->st = mem_deref(f->st);
	assert_int_equal(tmpstore_raw_int(f->path, "SELECT count(*) FROM "
				 "calls WHERE contact_id = 42"), 1);
}


#define T(fn) cmocka_unit_test_setup_teardown(fn, tmpstore_setup, tmpstore_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_migration_004),
		T(test_migrate_from_003),
		T(test_flow_versions),
		T(test_flow_list_delete),
		T(test_contacts),
		T(test_traces),
		T(test_recordings),
		T(test_call_flow_part),
	};

	log_level_set(LOGL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

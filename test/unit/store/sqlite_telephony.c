/** @file test/unit/store/sqlite_telephony.c  The SQLite store's telephony
 *  part against a real file: agent activity, calls (and their queue part),
 *  registrations, trunks, DIDs and migrations 002 and 003 */
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

#define HA1 "0123456789abcdef0123456789abcdef"


static uint64_t agent_new(struct store *st, const char *ext)
{
	struct agent a;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "Agent %s", ext);
	snprintf(a.extension, sizeof(a.extension), "%s", ext);
	snprintf(a.ha1, sizeof(a.ha1), "%s", HA1);
	a.capacity[AGENT_CH_VOICE] = 1;
	a.created_ms = a.updated_ms = 1000;
	assert_int_equal(store_agent_create(st, &a), 0);
	return a.id;
}


/* --- migration ------------------------------------------------------- */

static void test_migration_002(void **state)
{
	struct tmpstore *f = *state;

	f->st = mem_deref(f->st);
	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT count(*) FROM schema_migrations "
		"WHERE version = 2 AND name = '002_telephony'"), 1);
	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
		"name IN ('calls', 'registrations', 'trunks', 'dids')"), 4);
	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
		"name IN ('calls_active', 'calls_agent', 'calls_created')"), 3);
	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT count(*) FROM pragma_table_info('agents') WHERE name "
		"LIKE 'activity_%'"), 6);
}

/* A database left by a build that knew only 001 is upgraded in place:
 * its agents keep their data and start with every channel idle. */
static void test_migrate_from_001(void **state)
{
	struct tmpstore *f = *state;
	struct store *st = NULL;
	struct agent a;
	struct agent_state as;
	char path[160], sql[256];

	assert_true(store_migrationc >= 2);
	assert_int_equal(store_migrationv[0].version, 1);
	snprintf(path, sizeof(path), "%s/old.db", f->dir);

	tmpstore_raw_exec(path, "CREATE TABLE schema_migrations (version INTEGER "
		 "PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT "
		 "NULL) STRICT");
	tmpstore_raw_exec(path, store_migrationv[0].sql);
	snprintf(sql, sizeof(sql), "INSERT INTO schema_migrations VALUES "
		 "(1, '%s', 1)", store_migrationv[0].name);
	tmpstore_raw_exec(path, sql);
	tmpstore_raw_exec(path, "INSERT INTO agents (name, extension, ha1, "
		 "capacity_voice, capacity_chat, capacity_email, status, "
		 "reason, status_since, created_at, updated_at) VALUES "
		 "('Old', '2001', '" HA1 "', 1, 2, 3, 'not_ready', 'lunch', "
		 "77, 10, 20)");

	assert_int_equal(store_open(&st, path), 0);
	assert_int_equal(store_agent_get_by_extension(st, "2001", &a), 0);
	assert_string_equal(a.name, "Old");
	assert_int_equal(a.capacity[AGENT_CH_EMAIL], 3);
	assert_int_equal(a.st.presence, AGENT_LOGGED_IN);
	assert_string_equal(a.st.reason, "lunch");
	assert_int_equal(a.st.status_since_ms, 77);
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		assert_int_equal(a.st.activity[ch], AGENT_IDLE);
		assert_int_equal(a.st.activity_since_ms[ch], 0);
	}

	/* the new columns and tables work */
	as = a.st;
	as.activity[AGENT_CH_VOICE] = AGENT_BUSY;
	as.activity_since_ms[AGENT_CH_VOICE] = 88;
	assert_int_equal(store_agent_state_save(st, a.id, &as), 0);
	assert_int_equal(store_agent_get(st, a.id, &a), 0);
	assert_int_equal(a.st.activity[AGENT_CH_VOICE], AGENT_BUSY);
	mem_deref(st);

	assert_int_equal(tmpstore_raw_int(path, "SELECT count(*) FROM "
				 "schema_migrations"), store_migrationc);
	assert_int_equal(tmpstore_raw_int(path, "SELECT count(*) FROM calls"), 0);
}


/* The schema of 001 + 002 with its version rows, as a build that knew
 * only those left it */
static void db_make_002(const char *path)
{
	char sql[256];

	assert_true(store_migrationc >= 3);
	tmpstore_raw_exec(path, "CREATE TABLE schema_migrations (version INTEGER "
		 "PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT "
		 "NULL) STRICT");
	for (int i = 0; i < 2; i++) {
		assert_int_equal(store_migrationv[i].version, i + 1);
		tmpstore_raw_exec(path, store_migrationv[i].sql);
		snprintf(sql, sizeof(sql), "INSERT INTO schema_migrations "
			 "VALUES (%d, '%s', 1)", i + 1,
			 store_migrationv[i].name);
		tmpstore_raw_exec(path, sql);
	}
}

static void test_migration_003(void **state)
{
	struct tmpstore *f = *state;

	f->st = mem_deref(f->st);
	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT count(*) FROM schema_migrations "
		"WHERE version = 3 AND name = '003_acd'"), 1);
	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT count(*) FROM pragma_table_info('queues') WHERE name "
		"IN ('decline_delay_s', 'moh_file', 'greeting', 'announce_s', "
		"'overflow', 'overflow_target')"), 6);
	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT count(*) FROM pragma_table_info('calls') WHERE name "
		"IN ('queue_id', 'queued_at', 'wait_ms', 'queue_result')"), 4);
	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
		"name = 'calls_queue'"), 1);
}

/* A database left by a build that knew only 002 is upgraded in place:
 * queues take the defaults of queue_init() for the new settings, calls
 * read as never queued, DIDs keep their targets, and the new values can
 * be written. */
static void test_migrate_from_002(void **state)
{
	struct tmpstore *f = *state;
	struct store *st = NULL;
	struct queue q, dflt;
	struct call_record c;
	struct did d;
	char path[160];

	snprintf(path, sizeof(path), "%s/old.db", f->dir);
	db_make_002(path);
	tmpstore_raw_exec(path, "INSERT INTO queues (id, name, strategy, "
		 "offer_timeout_s, wrap_up_s, max_wait_s, service_level_s, "
		 "tier_wait_s, max_missed_offers, join_empty, leave_empty, "
		 "created_at, updated_at) VALUES ('sales', 'Sales', "
		 "'longest_idle', 25, 15, 300, 30, 40, 4, 1, 0, 10, 20)");
	tmpstore_raw_exec(path, "INSERT INTO calls (id, direction, state, "
		 "from_party, to_party, did, cause, hangup_by, sip_status, "
		 "created_at, ringing_at, answered_at, ended_at) VALUES "
		 "('00aa', 'inbound', 'ended', '+4930999', '1001', '+4930100', "
		 "'normal_clearing', 'caller', 0, 1000, 1100, 1200, 9000)");
	tmpstore_raw_exec(path, "INSERT INTO dids VALUES ('+4930100', "
		 "'Line', 'extension', '1001', '', 5, 6)");

	assert_int_equal(store_open(&st, path), 0);
	assert_int_equal(tmpstore_raw_int(path, "SELECT count(*) FROM "
				 "schema_migrations"), store_migrationc);

	assert_int_equal(store_queue_get(st, "sales", &q), 0);
	assert_string_equal(q.name, "Sales");
	assert_int_equal(q.strategy, QUEUE_LONGEST_IDLE);
	assert_int_equal(q.offer_timeout_s, 25);
	assert_int_equal(q.max_missed_offers, 4);
	assert_true(q.join_empty);
	queue_init(&dflt);
	assert_int_equal(q.decline_delay_s, dflt.decline_delay_s);
	assert_string_equal(q.moh_file, dflt.moh_file);
	assert_string_equal(q.greeting, dflt.greeting);
	assert_int_equal(q.announce_s, dflt.announce_s);
	assert_int_equal(q.overflow, dflt.overflow);
	assert_string_equal(q.overflow_target, dflt.overflow_target);
	assert_int_equal(q.created_ms, 10);

	assert_int_equal(store_call_get(st, "00aa", &c), 0);
	assert_int_equal(c.cause, CALL_CAUSE_NORMAL_CLEARING);
	assert_int_equal(c.ended_ms, 9000);
	assert_string_equal(c.queue_id, "");
	assert_int_equal(c.queued_ms, 0);
	assert_int_equal(c.wait_ms, 0);
	assert_int_equal(c.queue_result, CALL_QUEUE_NONE);

	assert_int_equal(store_did_get(st, "+4930100", &d), 0);
	assert_int_equal(d.target_type, DID_TARGET_EXTENSION);
	assert_string_equal(d.target, "1001");

	/* the new columns work */
	q.overflow = QUEUE_OVERFLOW_EXTENSION;
	snprintf(q.overflow_target, sizeof(q.overflow_target), "1001");
	q.announce_s = 30;
	assert_int_equal(store_queue_update(st, &q), 0);
	c.queued_ms = 1050;
	snprintf(c.queue_id, sizeof(c.queue_id), "sales");
	c.wait_ms = 150;
	c.queue_result = CALL_QUEUE_ANSWERED;
	assert_int_equal(store_call_put(st, &c), 0);
	d.target_type = DID_TARGET_QUEUE;
	snprintf(d.target, sizeof(d.target), "sales");
	assert_int_equal(store_did_update(st, &d), 0);
	mem_deref(st);

	assert_int_equal(tmpstore_raw_int(path, "SELECT announce_s FROM "
				 "queues WHERE overflow = 'extension' AND "
				 "overflow_target = '1001'"), 30);
	assert_int_equal(tmpstore_raw_int(path, "SELECT wait_ms FROM calls "
				 "WHERE queue_id = 'sales' AND queued_at = "
				 "1050 AND queue_result = 'answered'"), 150);
	assert_int_equal(tmpstore_raw_int(path, "SELECT count(*) FROM dids "
				 "WHERE target_type = 'queue' AND target = "
				 "'sales'"), 1);
}


/* --- agents: activity, extension lookup ------------------------------ */

static void test_agent_activity(void **state)
{
	struct tmpstore *f = *state;
	uint64_t a = agent_new(f->st, "1001"), b = agent_new(f->st, "1002");
	struct agent got;
	struct agent_state as;

	/* new agents are idle */
	assert_int_equal(store_agent_get(f->st, a, &got), 0);
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++)
		assert_int_equal(got.st.activity[ch], AGENT_IDLE);

	memset(&as, 0, sizeof(as));
	as.presence = AGENT_LOGGED_IN;
	as.availability = AGENT_READY;
	as.status_since_ms = 500;
	as.activity[AGENT_CH_VOICE] = AGENT_BUSY;
	as.activity_since_ms[AGENT_CH_VOICE] = 600;
	as.activity[AGENT_CH_CHAT] = AGENT_OFFERED;
	as.activity_since_ms[AGENT_CH_CHAT] = 700;
	as.activity[AGENT_CH_EMAIL] = AGENT_WRAP_UP;
	as.activity_since_ms[AGENT_CH_EMAIL] = 800;
	assert_int_equal(store_agent_state_save(f->st, a, &as), 0);

	/* b: logged out, chat busy only, the others idle */
	memset(&as, 0, sizeof(as));
	as.activity_since_ms[AGENT_CH_VOICE] = 40;
	as.activity[AGENT_CH_CHAT] = AGENT_BUSY;
	as.activity_since_ms[AGENT_CH_CHAT] = 50;
	as.activity_since_ms[AGENT_CH_EMAIL] = 60;
	assert_int_equal(store_agent_state_save(f->st, b, &as), 0);

	tmpstore_reopen(f);
	assert_int_equal(store_agent_get(f->st, a, &got), 0);
	assert_int_equal(got.st.presence, AGENT_LOGGED_IN);
	assert_int_equal(got.st.availability, AGENT_READY);
	assert_int_equal(got.st.status_since_ms, 500);
	assert_int_equal(got.st.activity[AGENT_CH_VOICE], AGENT_BUSY);
	assert_int_equal(got.st.activity[AGENT_CH_CHAT], AGENT_OFFERED);
	assert_int_equal(got.st.activity[AGENT_CH_EMAIL], AGENT_WRAP_UP);
	assert_int_equal(got.st.activity_since_ms[AGENT_CH_VOICE], 600);
	assert_int_equal(got.st.activity_since_ms[AGENT_CH_CHAT], 700);
	assert_int_equal(got.st.activity_since_ms[AGENT_CH_EMAIL], 800);

	/* by extension: same agent, same state */
	assert_int_equal(store_agent_get_by_extension(f->st, "1001", &got), 0);
	assert_int_equal(got.id, a);
	assert_int_equal(got.st.activity[AGENT_CH_CHAT], AGENT_OFFERED);
	assert_int_equal(store_agent_get_by_extension(f->st, "1002", &got), 0);
	assert_int_equal(got.id, b);

	/* reset at start-up: every busy channel idle since now; channels
	 * already idle keep their since; the status is kept */
	assert_int_equal(store_agent_activity_reset(f->st, 9000), 0);
	assert_int_equal(store_agent_get(f->st, a, &got), 0);
	assert_int_equal(got.st.availability, AGENT_READY);
	assert_int_equal(got.st.status_since_ms, 500);
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		assert_int_equal(got.st.activity[ch], AGENT_IDLE);
		assert_int_equal(got.st.activity_since_ms[ch], 9000);
	}
	assert_int_equal(store_agent_get(f->st, b, &got), 0);
	assert_int_equal(got.st.presence, AGENT_LOGGED_OUT);
	assert_int_equal(got.st.activity[AGENT_CH_CHAT], AGENT_IDLE);
	assert_int_equal(got.st.activity_since_ms[AGENT_CH_VOICE], 40);
	assert_int_equal(got.st.activity_since_ms[AGENT_CH_CHAT], 9000);
	assert_int_equal(got.st.activity_since_ms[AGENT_CH_EMAIL], 60);

	/* a second reset changes nothing */
	assert_int_equal(store_agent_activity_reset(f->st, 9999), 0);
	assert_int_equal(store_agent_get(f->st, b, &got), 0);
	assert_int_equal(got.st.activity_since_ms[AGENT_CH_CHAT], 9000);
	assert_int_equal(store_agent_get(f->st, a, &got), 0);
	assert_int_equal(got.st.activity_since_ms[AGENT_CH_VOICE], 9000);

	/* errors */
	as.activity[AGENT_CH_EMAIL] = AGENT_ACTIVITY_COUNT;
	assert_int_equal(store_agent_state_save(f->st, a, &as), EINVAL);
	as.activity[AGENT_CH_EMAIL] = AGENT_IDLE;
	assert_int_equal(store_agent_state_save(f->st, b + 100, &as), ENOENT);
	assert_int_equal(store_agent_get_by_extension(f->st, "9999", &got),
			 ENOENT);
	assert_int_equal(store_agent_get_by_extension(f->st, "1001 ", &got),
			 ENOENT);
	assert_int_equal(store_agent_get_by_extension(f->st, NULL, &got),
			 EINVAL);
	assert_int_equal(store_agent_get_by_extension(f->st, "1001", NULL),
			 EINVAL);
	assert_int_equal(store_agent_activity_reset(NULL, 1), EINVAL);
}


/* --- calls ----------------------------------------------------------- */

static void call_make(struct call_record *c, unsigned n,
		      enum call_direction dir, uint64_t created)
{
	char id[CALL_ID_MAX];

	snprintf(id, sizeof(id), "%032x", n);
	call_init(c, id, dir, created);
	snprintf(c->from, sizeof(c->from), "+3312345%04u", n);
	snprintf(c->to, sizeof(c->to), "10%02u", n % 100);
}

static void call_equal(const struct call_record *got,
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
	assert_string_equal(got->queue_id, want->queue_id);
	assert_int_equal(got->queued_ms, want->queued_ms);
	assert_int_equal(got->wait_ms, want->wait_ms);
	assert_int_equal(got->queue_result, want->queue_result);
}

static void test_call_put_get(void **state)
{
	struct tmpstore *f = *state;
	uint64_t agent = agent_new(f->st, "1001");
	struct call_record c, d, got;
	uint64_t cursor;

	call_make(&c, 1, CALL_INBOUND, 1000);
	snprintf(c.did, sizeof(c.did), "+33100000000");
	snprintf(c.trunk_id, sizeof(c.trunk_id), "carrier");
	assert_int_equal(store_call_put(f->st, &c), 0);
	assert_true(c.cursor > 0);
	cursor = c.cursor;
	assert_int_equal(store_call_get(f->st, c.id, &got), 0);
	call_equal(&got, &c);
	assert_int_equal(got.agent_id, 0);
	assert_int_equal(tmpstore_raw_int(f->path, "SELECT count(*) FROM calls WHERE "
				 "agent_id IS NULL"), 1);

	/* through its life: the same row, the same cursor; it waits in a
	 * queue, then an agent answers */
	snprintf(c.queue_id, sizeof(c.queue_id), "sales");
	c.queued_ms = 1050;
	assert_int_equal(store_call_put(f->st, &c), 0);
	assert_int_equal(store_call_get(f->st, c.id, &got), 0);
	call_equal(&got, &c);
	assert_true(call_ringing(&c, 1100));
	c.wait_ms = 150;
	c.queue_result = CALL_QUEUE_ANSWERED;
	c.agent_id = agent;
	c.cursor = 0;                  /* put sets it back */
	assert_int_equal(store_call_put(f->st, &c), 0);
	assert_int_equal(c.cursor, cursor);
	assert_true(call_answered(&c, 1200));
	assert_true(call_held(&c, 1300));
	assert_int_equal(store_call_put(f->st, &c), 0);
	assert_int_equal(store_call_get(f->st, c.id, &got), 0);
	call_equal(&got, &c);

	/* created_ms is kept by an update */
	assert_true(call_ended(&c, CALL_CAUSE_BUSY, CALL_PARTY_CALLEE, 486,
			       1400));
	c.created_ms = 5;
	assert_int_equal(store_call_put(f->st, &c), 0);
	assert_int_equal(store_call_get(f->st, c.id, &got), 0);
	assert_int_equal(got.created_ms, 1000);
	c.created_ms = 1000;
	call_equal(&got, &c);
	assert_int_equal(tmpstore_raw_int(f->path, "SELECT count(*) FROM calls"), 1);

	/* a second call gets a later cursor */
	call_make(&d, 2, CALL_OUTBOUND, 2000);
	assert_int_equal(store_call_put(f->st, &d), 0);
	assert_true(d.cursor > cursor);

	/* a CDR survives the deletion of its agent, and keeps the number */
	assert_int_equal(store_agent_delete(f->st, agent), 0);
	assert_int_equal(store_call_get(f->st, c.id, &got), 0);
	assert_int_equal(got.agent_id, agent);

	/* missing, bad arguments */
	assert_int_equal(store_call_get(f->st, "ffff", &got), ENOENT);
	assert_int_equal(store_call_get(f->st, NULL, &got), EINVAL);
	assert_int_equal(store_call_put(f->st, NULL), EINVAL);

	call_make(&d, 3, CALL_INBOUND, 3000);
	d.id[0] = '\0';
	assert_int_equal(store_call_put(f->st, &d), EINVAL);
	call_make(&d, 3, CALL_INBOUND, 3000);
	d.state = CALL_ENDED;          /* ended without a cause */
	assert_int_equal(store_call_put(f->st, &d), EINVAL);
	call_make(&d, 3, CALL_INBOUND, 3000);
	d.cause = CALL_CAUSE_BUSY;     /* a cause while active */
	assert_int_equal(store_call_put(f->st, &d), EINVAL);
	call_make(&d, 3, CALL_INBOUND, 3000);
	d.direction = CALL_DIRECTION_COUNT;
	assert_int_equal(store_call_put(f->st, &d), EINVAL);
	call_make(&d, 3, CALL_INBOUND, 3000);
	d.hangup_by = CALL_PARTY_COUNT;
	assert_int_equal(store_call_put(f->st, &d), EINVAL);
	call_make(&d, 3, CALL_INBOUND, 3000);
	memset(d.from, 'x', sizeof(d.from));   /* unterminated */
	assert_int_equal(store_call_put(f->st, &d), EINVAL);
	call_make(&d, 3, CALL_INBOUND, 3000);
	d.queued_ms = 3001;            /* queued, but in no queue */
	assert_int_equal(store_call_put(f->st, &d), EINVAL);
	call_make(&d, 3, CALL_INBOUND, 3000);
	snprintf(d.queue_id, sizeof(d.queue_id), "sales");   /* the reverse */
	assert_int_equal(store_call_put(f->st, &d), EINVAL);
	call_make(&d, 3, CALL_INBOUND, 3000);
	d.queue_result = CALL_QUEUE_ABANDONED;   /* never queued */
	assert_int_equal(store_call_put(f->st, &d), EINVAL);
	call_make(&d, 3, CALL_INBOUND, 3000);
	snprintf(d.queue_id, sizeof(d.queue_id), "sales");
	d.queued_ms = 3001;
	d.queue_result = CALL_QUEUE_RESULT_COUNT;
	assert_int_equal(store_call_put(f->st, &d), EINVAL);
	call_make(&d, 3, CALL_INBOUND, 3000);
	memset(d.queue_id, 'q', sizeof(d.queue_id));   /* unterminated */
	d.queued_ms = 3001;
	assert_int_equal(store_call_put(f->st, &d), EINVAL);
	call_make(&d, 3, CALL_INBOUND, 3000);
	d.sip_status = 42;             /* CHECK in the schema */
	assert_true(call_ended(&d, CALL_CAUSE_FAILURE, CALL_PARTY_CALLEE,
			       42, 3100));
	assert_int_equal(store_call_put(f->st, &d), EINVAL);
	assert_int_equal(store_call_get(f->st, d.id, &got), ENOENT);

	/* a cause from a newer build: unreadable, not misread */
	tmpstore_raw_exec(f->path, "UPDATE calls SET cause = 'transferred' "
		 "WHERE state = 'ended'");
	log_level_set(LOGL_ERROR + 1);
	assert_int_equal(store_call_get(f->st, c.id, &got), EIO);
	log_level_set(LOGL_WARN);

	/* the schema holds the queue part too, behind the store's back */
	assert_int_equal(tmpstore_raw_int(f->path, "SELECT count(*) FROM "
		"calls WHERE queue_id = 'sales' AND queued_at = 1050 AND "
		"wait_ms = 150 AND queue_result = 'answered'"), 1);
}

/* Rows seen by a list call; stop_at > 0 stops with 42 on that row */
struct seen {
	size_t n;
	size_t stop_at;
	uint64_t cursorv[64];
	char strv[64][CALL_PARTY_MAX];
	struct call_record callv[8];
	struct registration regv[8];
	struct trunk trunkv[8];
	struct did didv[8];
};

static int seen_next(struct seen *sn)
{
	++sn->n;
	return (sn->stop_at && sn->n == sn->stop_at) ? 42 : 0;
}

static int call_h(const struct call_record *c, void *arg)
{
	struct seen *sn = arg;

	sn->cursorv[sn->n] = c->cursor;
	snprintf(sn->strv[sn->n], sizeof(sn->strv[0]), "%s", c->id);
	if (sn->n < ARRAY_SIZE(sn->callv))
		sn->callv[sn->n] = *c;
	return seen_next(sn);
}

/* The calls of the list test, oldest first; cursors are 1..N in order */
static const struct {
	enum call_direction dir;
	enum call_state state;
	uint64_t created;
	int agent;        /* index into the agents, -1 none */
	const char *did;
	const char *trunk;
	const char *queue;   /* "" never queued */
} callv[] = {
	{CALL_INBOUND,  CALL_ENDED,    1000, 0,  "+3310", "carrier", "sales"},
	{CALL_OUTBOUND, CALL_ENDED,    2000, 1,  "",      "carrier", ""},
	{CALL_INTERNAL, CALL_ENDED,    3000, 0,  "",      "",        ""},
	{CALL_INBOUND,  CALL_ENDED,    4000, -1, "+3311", "other",   "support"},
	{CALL_INBOUND,  CALL_ANSWERED, 5000, 0,  "+3310", "carrier", "sales"},
	{CALL_OUTBOUND, CALL_RINGING,  6000, 1,  "",      "other",   ""},
	{CALL_INBOUND,  CALL_CREATED,  7000, -1, "+3310", "carrier", "sales"},
	{CALL_INTERNAL, CALL_HELD,     8000, 1,  "",      "",        ""},
	{CALL_INBOUND,  CALL_ENDED,    9000, 1,  "+3311", "carrier", "support"},
};   /* numbered 1..9 below */

static void calls_load(struct store *st, const uint64_t agentv[2],
		       uint64_t cursorv[])
{
	for (size_t i = 0; i < ARRAY_SIZE(callv); i++) {
		struct call_record c;
		uint64_t t = callv[i].created;

		call_make(&c, (unsigned)i + 1, callv[i].dir, t);
		c.agent_id = callv[i].agent < 0 ? 0 : agentv[callv[i].agent];
		snprintf(c.did, sizeof(c.did), "%s", callv[i].did);
		snprintf(c.trunk_id, sizeof(c.trunk_id), "%s", callv[i].trunk);
		snprintf(c.queue_id, sizeof(c.queue_id), "%s", callv[i].queue);
		if (c.queue_id[0]) {
			c.queued_ms = t + 1;
			c.wait_ms = 1;
			c.queue_result = callv[i].agent < 0 ?
				CALL_QUEUE_ABANDONED : CALL_QUEUE_ANSWERED;
		}
		if (callv[i].state >= CALL_RINGING)
			(void)call_ringing(&c, t + 1);
		if (callv[i].state >= CALL_ANSWERED &&
		    callv[i].state != CALL_ENDED)
			(void)call_answered(&c, t + 2);
		if (callv[i].state == CALL_HELD)
			(void)call_held(&c, t + 3);
		if (callv[i].state == CALL_ENDED)
			(void)call_ended(&c, CALL_CAUSE_NO_ANSWER,
					 CALL_PARTY_SYSTEM, 480, t + 4);
		assert_int_equal(c.state, callv[i].state);
		assert_int_equal(store_call_put(st, &c), 0);
		cursorv[i] = c.cursor;
		if (i)
			assert_true(cursorv[i] > cursorv[i - 1]);
	}
}

/* List with f, before and limit; the 1-based call numbers, newest first,
 * written as "9 7 5" */
static const char *list_str(struct store *st,
			    const struct store_call_filter *f,
			    uint64_t before, size_t limit,
			    const uint64_t cursorv[], char *buf, size_t sz)
{
	struct seen sn;
	size_t off = 0;

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_call_list(st, f, before, limit, call_h, &sn),
			 0);
	buf[0] = '\0';
	for (size_t i = 0; i < sn.n; i++) {
		size_t k;

		for (k = 0; k < ARRAY_SIZE(callv); k++) {
			if (cursorv[k] == sn.cursorv[i])
				break;
		}
		assert_true(k < ARRAY_SIZE(callv));
		off += (size_t)snprintf(buf + off, sz - off, "%s%zu",
					i ? " " : "", k + 1);
		assert_true(off < sz);
	}

	return buf;
}

static void filter_reset(struct store_call_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->state = -1;
	f->direction = -1;
}

static void test_call_list(void **state)
{
	struct tmpstore *f = *state;
	uint64_t agentv[2], cursorv[ARRAY_SIZE(callv)];
	struct store_call_filter flt;
	struct seen sn;
	char buf[128];

	agentv[0] = agent_new(f->st, "1001");
	agentv[1] = agent_new(f->st, "1002");
	calls_load(f->st, agentv, cursorv);

#define LIST(before, limit) \
	list_str(f->st, &flt, (before), (limit), cursorv, buf, sizeof(buf))

	filter_reset(&flt);
	assert_string_equal(LIST(0, 0), "9 8 7 6 5 4 3 2 1");
	assert_string_equal(list_str(f->st, NULL, 0, 0, cursorv, buf,
				     sizeof(buf)), "9 8 7 6 5 4 3 2 1");

	/* each filter alone */
	flt.active = true;
	assert_string_equal(LIST(0, 0), "8 7 6 5");
	filter_reset(&flt);
	flt.state = CALL_ENDED;
	assert_string_equal(LIST(0, 0), "9 4 3 2 1");
	flt.state = CALL_RINGING;
	assert_string_equal(LIST(0, 0), "6");
	filter_reset(&flt);
	flt.direction = CALL_INBOUND;
	assert_string_equal(LIST(0, 0), "9 7 5 4 1");
	flt.direction = CALL_INTERNAL;
	assert_string_equal(LIST(0, 0), "8 3");
	filter_reset(&flt);
	flt.agent_id = agentv[0];
	assert_string_equal(LIST(0, 0), "5 3 1");
	flt.agent_id = agentv[1];
	assert_string_equal(LIST(0, 0), "9 8 6 2");
	flt.agent_id = agentv[1] + 100;
	assert_string_equal(LIST(0, 0), "");
	filter_reset(&flt);
	snprintf(flt.did, sizeof(flt.did), "+3310");
	assert_string_equal(LIST(0, 0), "7 5 1");
	filter_reset(&flt);
	snprintf(flt.trunk_id, sizeof(flt.trunk_id), "other");
	assert_string_equal(LIST(0, 0), "6 4");
	filter_reset(&flt);
	snprintf(flt.queue_id, sizeof(flt.queue_id), "sales");
	assert_string_equal(LIST(0, 0), "7 5 1");
	snprintf(flt.queue_id, sizeof(flt.queue_id), "support");
	assert_string_equal(LIST(0, 0), "9 4");
	snprintf(flt.queue_id, sizeof(flt.queue_id), "sale");
	assert_string_equal(LIST(0, 0), "");
	filter_reset(&flt);
	flt.since_ms = 3000;
	assert_string_equal(LIST(0, 0), "9 8 7 6 5 4 3");
	flt.until_ms = 6000;           /* [3000, 6000) */
	assert_string_equal(LIST(0, 0), "5 4 3");
	flt.since_ms = 0;
	assert_string_equal(LIST(0, 0), "5 4 3 2 1");

	/* combined */
	filter_reset(&flt);
	flt.active = true;
	flt.agent_id = agentv[1];
	assert_string_equal(LIST(0, 0), "8 6");
	flt.state = CALL_HELD;
	assert_string_equal(LIST(0, 0), "8");
	flt.state = CALL_ENDED;        /* active and ended: nothing */
	assert_string_equal(LIST(0, 0), "");
	filter_reset(&flt);
	flt.state = CALL_ENDED;
	flt.agent_id = agentv[1];
	assert_string_equal(LIST(0, 0), "9 2");
	filter_reset(&flt);
	flt.direction = CALL_INBOUND;
	flt.since_ms = 2000;
	flt.until_ms = 9000;
	snprintf(flt.trunk_id, sizeof(flt.trunk_id), "carrier");
	assert_string_equal(LIST(0, 0), "7 5");
	filter_reset(&flt);
	snprintf(flt.did, sizeof(flt.did), "+3311");
	flt.agent_id = agentv[1];
	assert_string_equal(LIST(0, 0), "9");
	/* the queue with each statement variant */
	filter_reset(&flt);
	snprintf(flt.queue_id, sizeof(flt.queue_id), "sales");
	flt.active = true;
	assert_string_equal(LIST(0, 0), "7 5");
	filter_reset(&flt);
	snprintf(flt.queue_id, sizeof(flt.queue_id), "sales");
	flt.agent_id = agentv[0];
	assert_string_equal(LIST(0, 0), "5 1");
	filter_reset(&flt);
	snprintf(flt.queue_id, sizeof(flt.queue_id), "support");
	flt.since_ms = 5000;
	assert_string_equal(LIST(0, 0), "9");
	filter_reset(&flt);
	snprintf(flt.queue_id, sizeof(flt.queue_id), "sales");
	flt.state = CALL_ENDED;
	flt.direction = CALL_INBOUND;
	snprintf(flt.trunk_id, sizeof(flt.trunk_id), "carrier");
	assert_string_equal(LIST(0, 0), "1");

	/* pages: before is exclusive; walking pages of 2 sees every call
	 * once, in order, in every variant of the statement */
	filter_reset(&flt);
	assert_string_equal(LIST(cursorv[6], 0), "6 5 4 3 2 1");
	assert_string_equal(LIST(cursorv[6], 2), "6 5");
	assert_string_equal(LIST(cursorv[0], 0), "");
	assert_string_equal(LIST(0, 3), "9 8 7");
	flt.active = true;
	assert_string_equal(LIST(cursorv[6], 0), "6 5");
	filter_reset(&flt);
	flt.agent_id = agentv[1];
	assert_string_equal(LIST(cursorv[7], 1), "6");
	filter_reset(&flt);
	flt.since_ms = 1;
	assert_string_equal(LIST(cursorv[3], 2), "3 2");
	filter_reset(&flt);
	snprintf(flt.queue_id, sizeof(flt.queue_id), "sales");
	assert_string_equal(LIST(cursorv[6], 1), "5");
	assert_string_equal(LIST(cursorv[4], 5), "1");
	{
		char all[64] = "";
		uint64_t before = 0;

		filter_reset(&flt);
		for (int page = 0; page < 10; page++) {
			memset(&sn, 0, sizeof(sn));
			assert_int_equal(store_call_list(f->st, &flt, before, 2,
							 call_h, &sn), 0);
			if (!sn.n)
				break;
			assert_true(sn.n <= 2);
			for (size_t i = 0; i < sn.n; i++) {
				size_t k = 0;

				while (cursorv[k] != sn.cursorv[i])
					k++;
				snprintf(all + strlen(all),
					 sizeof(all) - strlen(all), "%s%zu",
					 all[0] ? " " : "", k + 1);
			}
			before = sn.cursorv[sn.n - 1];
		}
		assert_string_equal(all, "9 8 7 6 5 4 3 2 1");
	}

	/* records come back whole */
	filter_reset(&flt);
	flt.state = CALL_HELD;
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_call_list(f->st, &flt, 0, 0, call_h, &sn), 0);
	assert_int_equal(sn.n, 1);
	assert_int_equal(sn.callv[0].held_ms, 8003);
	assert_int_equal(sn.callv[0].answered_ms, 8002);
	assert_int_equal(sn.callv[0].agent_id, agentv[1]);
	assert_int_equal(sn.callv[0].direction, CALL_INTERNAL);
	assert_string_equal(sn.callv[0].queue_id, "");
	assert_int_equal(sn.callv[0].queued_ms, 0);
	filter_reset(&flt);
	snprintf(flt.queue_id, sizeof(flt.queue_id), "support");
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_call_list(f->st, &flt, 0, 0, call_h, &sn), 0);
	assert_int_equal(sn.n, 2);
	assert_string_equal(sn.callv[0].queue_id, "support");
	assert_int_equal(sn.callv[0].queued_ms, 9001);
	assert_int_equal(sn.callv[0].wait_ms, 1);
	assert_int_equal(sn.callv[0].queue_result, CALL_QUEUE_ANSWERED);
	assert_int_equal(sn.callv[1].queue_result, CALL_QUEUE_ABANDONED);

	/* the handler stops the walk */
	filter_reset(&flt);
	memset(&sn, 0, sizeof(sn));
	sn.stop_at = 2;
	assert_int_equal(store_call_list(f->st, &flt, 0, 0, call_h, &sn), 42);
	assert_int_equal(sn.n, 2);

	/* bad filters */
	flt.state = CALL_STATE_COUNT;
	assert_int_equal(store_call_list(f->st, &flt, 0, 0, call_h, &sn),
			 EINVAL);
	filter_reset(&flt);
	flt.direction = -2;
	assert_int_equal(store_call_list(f->st, &flt, 0, 0, call_h, &sn),
			 EINVAL);
	filter_reset(&flt);
	memset(flt.queue_id, 'q', sizeof(flt.queue_id));
	assert_int_equal(store_call_list(f->st, &flt, 0, 0, call_h, &sn),
			 EINVAL);
	filter_reset(&flt);
	assert_int_equal(store_call_list(f->st, &flt, 0, 0, NULL, NULL),
			 EINVAL);
#undef LIST
}

static void test_call_end_stale(void **state)
{
	struct tmpstore *f = *state;
	uint64_t agentv[2], cursorv[ARRAY_SIZE(callv)];
	struct store_call_filter flt;
	struct call_record got;
	char id[CALL_ID_MAX];
	size_t n = 99;

	agentv[0] = agent_new(f->st, "1001");
	agentv[1] = agent_new(f->st, "1002");
	calls_load(f->st, agentv, cursorv);

	assert_int_equal(store_call_end_stale(f->st, 50000, &n), 0);
	assert_int_equal(n, 4);

	filter_reset(&flt);
	flt.active = true;
	{
		struct seen sn;

		memset(&sn, 0, sizeof(sn));
		assert_int_equal(store_call_list(f->st, &flt, 0, 0, call_h,
						 &sn), 0);
		assert_int_equal(sn.n, 0);
	}

	/* the held one (8): ended by the system at now, hold cleared */
	snprintf(id, sizeof(id), "%032x", 8);
	assert_int_equal(store_call_get(f->st, id, &got), 0);
	assert_int_equal(got.state, CALL_ENDED);
	assert_int_equal(got.cause, CALL_CAUSE_SHUTDOWN);
	assert_int_equal(got.hangup_by, CALL_PARTY_SYSTEM);
	assert_int_equal(got.ended_ms, 50000);
	assert_int_equal(got.held_ms, 0);
	assert_int_equal(got.answered_ms, 8002);
	assert_int_equal(got.cursor, cursorv[7]);

	/* an already ended one (9) is untouched */
	snprintf(id, sizeof(id), "%032x", 9);
	assert_int_equal(store_call_get(f->st, id, &got), 0);
	assert_int_equal(got.cause, CALL_CAUSE_NO_ANSWER);
	assert_int_equal(got.ended_ms, 9004);
	assert_int_equal(got.sip_status, 480);

	assert_int_equal(store_call_end_stale(f->st, 60000, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_call_end_stale(f->st, 60000, NULL), 0);
}


/* --- registrations --------------------------------------------------- */

static void reg_make(struct registration *r, uint64_t agent,
		     const char *contact, uint64_t expires)
{
	memset(r, 0, sizeof(*r));
	r->agent_id = agent;
	snprintf(r->contact, sizeof(r->contact), "%s", contact);
	snprintf(r->call_id, sizeof(r->call_id), "cid-%s", contact);
	r->cseq = 1;
	snprintf(r->source, sizeof(r->source), "127.0.0.1:5062");
	snprintf(r->transport, sizeof(r->transport), "udp");
	snprintf(r->user_agent, sizeof(r->user_agent), "baresip");
	r->expires_ms = expires;
	r->updated_ms = expires - 60000;
}

static int reg_h(const struct registration *r, void *arg)
{
	struct seen *sn = arg;

	if (sn->n < ARRAY_SIZE(sn->regv))
		sn->regv[sn->n] = *r;
	return seen_next(sn);
}

static void test_registrations(void **state)
{
	struct tmpstore *f = *state;
	uint64_t a = agent_new(f->st, "1001"), b = agent_new(f->st, "1002");
	struct registration r;
	struct seen sn;

	reg_make(&r, b, "sip:1002@127.0.0.1:5070", 200000);
	assert_int_equal(store_registration_put(f->st, &r), 0);
	reg_make(&r, a, "sip:1001@127.0.0.1:5064", 100000);
	assert_int_equal(store_registration_put(f->st, &r), 0);
	reg_make(&r, a, "sip:1001@127.0.0.1:5062;transport=tcp", 100000);
	assert_int_equal(store_registration_put(f->st, &r), 0);

	/* every agent: by agent, then contact */
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_registration_list(f->st, 0, reg_h, &sn), 0);
	assert_int_equal(sn.n, 3);
	assert_int_equal(sn.regv[0].agent_id, a);
	assert_string_equal(sn.regv[0].contact,
			    "sip:1001@127.0.0.1:5062;transport=tcp");
	assert_string_equal(sn.regv[1].contact, "sip:1001@127.0.0.1:5064");
	assert_int_equal(sn.regv[2].agent_id, b);

	/* upsert: same key, every other field replaced */
	reg_make(&r, a, "sip:1001@127.0.0.1:5064", 500000);
	r.cseq = 7;
	snprintf(r.call_id, sizeof(r.call_id), "other-call-id");
	snprintf(r.source, sizeof(r.source), "127.0.0.2:6000");
	snprintf(r.transport, sizeof(r.transport), "tcp");
	snprintf(r.user_agent, sizeof(r.user_agent), "Zoiper");
	r.updated_ms = 440000;
	assert_int_equal(store_registration_put(f->st, &r), 0);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_registration_list(f->st, a, reg_h, &sn), 0);
	assert_int_equal(sn.n, 2);
	assert_string_equal(sn.regv[1].contact, "sip:1001@127.0.0.1:5064");
	assert_int_equal(sn.regv[1].cseq, 7);
	assert_string_equal(sn.regv[1].call_id, "other-call-id");
	assert_string_equal(sn.regv[1].source, "127.0.0.2:6000");
	assert_string_equal(sn.regv[1].transport, "tcp");
	assert_string_equal(sn.regv[1].user_agent, "Zoiper");
	assert_int_equal(sn.regv[1].expires_ms, 500000);
	assert_int_equal(sn.regv[1].updated_ms, 440000);
	assert_int_equal(sn.regv[0].cseq, 1);

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_registration_list(f->st, b, reg_h, &sn), 0);
	assert_int_equal(sn.n, 1);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_registration_list(f->st, b + 100, reg_h, &sn),
			 0);
	assert_int_equal(sn.n, 0);
	memset(&sn, 0, sizeof(sn));
	sn.stop_at = 1;
	assert_int_equal(store_registration_list(f->st, 0, reg_h, &sn), 42);

	/* delete */
	assert_int_equal(store_registration_delete(f->st, b,
				"sip:1002@127.0.0.1:5070"), 0);
	assert_int_equal(store_registration_delete(f->st, b,
				"sip:1002@127.0.0.1:5070"), ENOENT);
	assert_int_equal(store_registration_delete(f->st, a,
				"sip:1002@127.0.0.1:5070"), ENOENT);
	assert_int_equal(store_registration_delete(f->st, a, NULL), EINVAL);

	/* errors */
	reg_make(&r, b + 100, "sip:x@127.0.0.1", 1000000);
	assert_int_equal(store_registration_put(f->st, &r), ENOENT);
	reg_make(&r, a, "", 1000000);
	assert_int_equal(store_registration_put(f->st, &r), EINVAL);
	reg_make(&r, 0, "sip:x@127.0.0.1", 1000000);
	assert_int_equal(store_registration_put(f->st, &r), EINVAL);
	assert_int_equal(store_registration_put(f->st, NULL), EINVAL);
	assert_int_equal(store_registration_list(f->st, 0, NULL, NULL),
			 EINVAL);

	/* an agent takes its bindings with it; others stay */
	reg_make(&r, b, "sip:1002@127.0.0.1:5070", 200000);
	assert_int_equal(store_registration_put(f->st, &r), 0);
	assert_int_equal(store_agent_delete(f->st, a), 0);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_registration_list(f->st, 0, reg_h, &sn), 0);
	assert_int_equal(sn.n, 1);
	assert_int_equal(sn.regv[0].agent_id, b);
	assert_int_equal(tmpstore_raw_int(f->path, "SELECT count(*) FROM registrations"),
			 1);
}


/* --- trunks and DIDs ------------------------------------------------- */

static void trunk_make(struct trunk *t, const char *id)
{
	trunk_init(t);
	snprintf(t->id, sizeof(t->id), "%s", id);
	snprintf(t->name, sizeof(t->name), "Trunk %s", id);
	snprintf(t->host, sizeof(t->host), "10.0.0.1:5060");
	t->created_ms = 10;
	t->updated_ms = 20;
}

static void trunk_equal(const struct trunk *got, const struct trunk *want)
{
	assert_string_equal(got->id, want->id);
	assert_string_equal(got->name, want->name);
	assert_string_equal(got->host, want->host);
	assert_int_equal(got->transport, want->transport);
	assert_string_equal(got->username, want->username);
	assert_string_equal(got->password, want->password);
	assert_int_equal(got->do_register, want->do_register);
	assert_int_equal(got->register_expires_s, want->register_expires_s);
	assert_string_equal(got->caller_id, want->caller_id);
	assert_string_equal(got->prefix, want->prefix);
	assert_int_equal(got->strip, want->strip);
	assert_string_equal(got->prepend, want->prepend);
	assert_int_equal(got->enabled, want->enabled);
	assert_int_equal(got->created_ms, want->created_ms);
	assert_int_equal(got->updated_ms, want->updated_ms);
}

static int trunk_h(const struct trunk *t, void *arg)
{
	struct seen *sn = arg;

	snprintf(sn->strv[sn->n], sizeof(sn->strv[0]), "%s", t->id);
	if (sn->n < ARRAY_SIZE(sn->trunkv))
		sn->trunkv[sn->n] = *t;
	return seen_next(sn);
}

static void test_trunks(void **state)
{
	struct tmpstore *f = *state;
	struct trunk t, got;
	struct seen sn;

	trunk_make(&t, "carrier");
	t.transport = TRUNK_TCP;
	snprintf(t.username, sizeof(t.username), "acct");
	snprintf(t.password, sizeof(t.password), "s3cret");
	t.do_register = true;
	t.register_expires_s = 600;
	snprintf(t.caller_id, sizeof(t.caller_id), "+33100000000");
	snprintf(t.prefix, sizeof(t.prefix), "00");
	t.strip = 2;
	snprintf(t.prepend, sizeof(t.prepend), "+");
	t.enabled = false;
	assert_int_equal(store_trunk_create(f->st, &t), 0);
	assert_int_equal(store_trunk_get(f->st, "carrier", &got), 0);
	trunk_equal(&got, &t);
	assert_int_equal(store_trunk_create(f->st, &t), EEXIST);

	/* update: all but id and created_ms */
	snprintf(t.name, sizeof(t.name), "Renamed");
	snprintf(t.host, sizeof(t.host), "gw.example.com");
	t.transport = TRUNK_UDP;
	t.username[0] = t.password[0] = '\0';
	t.do_register = false;
	t.register_expires_s = 3600;
	t.caller_id[0] = '\0';
	snprintf(t.prefix, sizeof(t.prefix), "0033");
	t.strip = 0;
	t.prepend[0] = '\0';
	t.enabled = true;
	t.created_ms = 999;
	t.updated_ms = 30;
	assert_int_equal(store_trunk_update(f->st, &t), 0);
	assert_int_equal(store_trunk_get(f->st, "carrier", &got), 0);
	t.created_ms = 10;
	trunk_equal(&got, &t);

	/* list by id, after, limit */
	trunk_make(&t, "b-backup");
	assert_int_equal(store_trunk_create(f->st, &t), 0);
	trunk_make(&t, "zz");
	assert_int_equal(store_trunk_create(f->st, &t), 0);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_trunk_list(f->st, NULL, 0, trunk_h, &sn), 0);
	assert_int_equal(sn.n, 3);
	assert_string_equal(sn.strv[0], "b-backup");
	assert_string_equal(sn.strv[1], "carrier");
	assert_string_equal(sn.strv[2], "zz");
	assert_string_equal(sn.trunkv[1].name, "Renamed");
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_trunk_list(f->st, "b-backup", 1, trunk_h, &sn),
			 0);
	assert_int_equal(sn.n, 1);
	assert_string_equal(sn.strv[0], "carrier");
	memset(&sn, 0, sizeof(sn));
	sn.stop_at = 1;
	assert_int_equal(store_trunk_list(f->st, "", 0, trunk_h, &sn), 42);

	/* delete, missing */
	assert_int_equal(store_trunk_delete(f->st, "zz"), 0);
	assert_int_equal(store_trunk_delete(f->st, "zz"), ENOENT);
	assert_int_equal(store_trunk_get(f->st, "zz", &got), ENOENT);
	t.id[0] = 'y';
	assert_int_equal(store_trunk_update(f->st, &t), ENOENT);
	assert_int_equal(store_trunk_delete(f->st, NULL), EINVAL);

	/* bad records */
	trunk_make(&t, "");
	assert_int_equal(store_trunk_create(f->st, &t), EINVAL);
	trunk_make(&t, "x");
	t.host[0] = '\0';
	assert_int_equal(store_trunk_create(f->st, &t), EINVAL);
	trunk_make(&t, "x");
	t.transport = (enum trunk_transport)7;
	assert_int_equal(store_trunk_create(f->st, &t), EINVAL);
	trunk_make(&t, "x");
	memset(t.password, 'p', sizeof(t.password));
	assert_int_equal(store_trunk_create(f->st, &t), EINVAL);
	assert_int_equal(store_trunk_get(f->st, "x", &got), ENOENT);
}

static void did_make(struct did *d, const char *number, const char *target)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->number, sizeof(d->number), "%s", number);
	snprintf(d->name, sizeof(d->name), "Line %s", number);
	d->target_type = DID_TARGET_EXTENSION;
	snprintf(d->target, sizeof(d->target), "%s", target);
	d->created_ms = 10;
	d->updated_ms = 20;
}

static int did_h(const struct did *d, void *arg)
{
	struct seen *sn = arg;

	snprintf(sn->strv[sn->n], sizeof(sn->strv[0]), "%s", d->number);
	if (sn->n < ARRAY_SIZE(sn->didv))
		sn->didv[sn->n] = *d;
	return seen_next(sn);
}

static void test_dids(void **state)
{
	struct tmpstore *f = *state;
	struct did d, got;
	struct seen sn;

	did_make(&d, "+33100000001", "1001");
	snprintf(d.trunk_id, sizeof(d.trunk_id), "carrier");
	assert_int_equal(store_did_create(f->st, &d), 0);
	assert_int_equal(store_did_get(f->st, "+33100000001", &got), 0);
	assert_string_equal(got.number, "+33100000001");
	assert_string_equal(got.name, "Line +33100000001");
	assert_int_equal(got.target_type, DID_TARGET_EXTENSION);
	assert_string_equal(got.target, "1001");
	assert_string_equal(got.trunk_id, "carrier");
	assert_int_equal(got.created_ms, 10);
	assert_int_equal(got.updated_ms, 20);
	assert_int_equal(store_did_create(f->st, &d), EEXIST);

	snprintf(d.name, sizeof(d.name), "Support");
	snprintf(d.target, sizeof(d.target), "1002");
	d.trunk_id[0] = '\0';
	d.created_ms = 999;
	d.updated_ms = 30;
	assert_int_equal(store_did_update(f->st, &d), 0);
	assert_int_equal(store_did_get(f->st, "+33100000001", &got), 0);
	assert_string_equal(got.name, "Support");
	assert_string_equal(got.target, "1002");
	assert_string_equal(got.trunk_id, "");
	assert_int_equal(got.created_ms, 10);
	assert_int_equal(got.updated_ms, 30);

	did_make(&d, "100", "1003");
	assert_int_equal(store_did_create(f->st, &d), 0);
	did_make(&d, "+33100000000", "1003");
	assert_int_equal(store_did_create(f->st, &d), 0);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_did_list(f->st, NULL, 0, did_h, &sn), 0);
	assert_int_equal(sn.n, 3);
	assert_string_equal(sn.strv[0], "+33100000000");  /* '+' < '1' */
	assert_string_equal(sn.strv[1], "+33100000001");
	assert_string_equal(sn.strv[2], "100");
	assert_string_equal(sn.didv[1].target, "1002");
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_did_list(f->st, "+33100000000", 1, did_h, &sn),
			 0);
	assert_int_equal(sn.n, 1);
	assert_string_equal(sn.strv[0], "+33100000001");
	memset(&sn, 0, sizeof(sn));
	sn.stop_at = 2;
	assert_int_equal(store_did_list(f->st, "", 0, did_h, &sn), 42);

	assert_int_equal(store_did_delete(f->st, "100"), 0);
	assert_int_equal(store_did_delete(f->st, "100"), ENOENT);
	assert_int_equal(store_did_get(f->st, "100", &got), ENOENT);
	assert_int_equal(store_did_update(f->st, &d), 0);
	did_make(&d, "555", "1");
	assert_int_equal(store_did_update(f->st, &d), ENOENT);

	/* bad records */
	did_make(&d, "", "1001");
	assert_int_equal(store_did_create(f->st, &d), EINVAL);
	did_make(&d, "200", "1001");
	d.target_type = DID_TARGET_COUNT;
	assert_int_equal(store_did_create(f->st, &d), EINVAL);
	assert_int_equal(store_did_create(f->st, NULL), EINVAL);
	assert_int_equal(store_did_get(f->st, NULL, &got), EINVAL);

	/* a queue as target (the store does not check that it exists) */
	did_make(&d, "300", "sales");
	d.target_type = DID_TARGET_QUEUE;
	assert_int_equal(store_did_create(f->st, &d), 0);
	assert_int_equal(store_did_get(f->st, "300", &got), 0);
	assert_int_equal(got.target_type, DID_TARGET_QUEUE);
	assert_string_equal(got.target, "sales");
	assert_int_equal(tmpstore_raw_int(f->path, "SELECT count(*) FROM dids "
		"WHERE number = '300' AND target_type = 'queue'"), 1);
	d.target_type = DID_TARGET_EXTENSION;
	snprintf(d.target, sizeof(d.target), "1001");
	assert_int_equal(store_did_update(f->st, &d), 0);
	assert_int_equal(store_did_get(f->st, "300", &got), 0);
	assert_int_equal(got.target_type, DID_TARGET_EXTENSION);
	assert_string_equal(got.target, "1001");

	/* a target type from a newer build: unreadable, not misrouted */
	tmpstore_raw_exec(f->path, "UPDATE dids SET target_type = 'robot' "
		 "WHERE number = '+33100000000'");
	log_level_set(LOGL_ERROR + 1);
	assert_int_equal(store_did_get(f->st, "+33100000000", &got), EIO);
	log_level_set(LOGL_WARN);
}


#define T(fn) cmocka_unit_test_setup_teardown(fn, tmpstore_setup, tmpstore_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_migration_002),
		T(test_migrate_from_001),
		T(test_migration_003),
		T(test_migrate_from_002),
		T(test_agent_activity),
		T(test_call_put_get),
		T(test_call_list),
		T(test_call_end_stale),
		T(test_registrations),
		T(test_trunks),
		T(test_dids),
	};

	log_level_set(LOGL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

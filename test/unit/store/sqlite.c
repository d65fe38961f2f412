/** @file test/unit/store/sqlite.c  The SQLite store against a real file */
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

/* --- builders and collectors ----------------------------------------- */

/* Field by field: struct copies need not keep padding, so no memcmp */
static void agent_equal(const struct agent *got, const struct agent *want)
{
	assert_int_equal(got->id, want->id);
	assert_string_equal(got->name, want->name);
	assert_string_equal(got->extension, want->extension);
	assert_string_equal(got->ha1, want->ha1);
	assert_int_equal(got->skillc, want->skillc);
	for (size_t i = 0; i < want->skillc; i++) {
		assert_string_equal(got->skillv[i].name, want->skillv[i].name);
		assert_int_equal(got->skillv[i].level, want->skillv[i].level);
	}
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		assert_int_equal(got->capacity[ch], want->capacity[ch]);
		assert_int_equal(got->st.activity[ch], want->st.activity[ch]);
		assert_int_equal(got->st.activity_since_ms[ch],
				 want->st.activity_since_ms[ch]);
	}
	assert_int_equal(got->st.presence, want->st.presence);
	assert_int_equal(got->st.availability, want->st.availability);
	assert_string_equal(got->st.reason, want->st.reason);
	assert_int_equal(got->st.status_since_ms, want->st.status_since_ms);
	assert_int_equal(got->created_ms, want->created_ms);
	assert_int_equal(got->updated_ms, want->updated_ms);
}

static void queue_equal(const struct queue *got, const struct queue *want)
{
	assert_string_equal(got->id, want->id);
	assert_string_equal(got->name, want->name);
	assert_int_equal(got->strategy, want->strategy);
	assert_int_equal(got->offer_timeout_s, want->offer_timeout_s);
	assert_int_equal(got->wrap_up_s, want->wrap_up_s);
	assert_int_equal(got->max_wait_s, want->max_wait_s);
	assert_int_equal(got->service_level_s, want->service_level_s);
	assert_int_equal(got->tier_wait_s, want->tier_wait_s);
	assert_int_equal(got->max_missed_offers, want->max_missed_offers);
	assert_int_equal(got->join_empty, want->join_empty);
	assert_int_equal(got->leave_empty, want->leave_empty);
	assert_int_equal(got->decline_delay_s, want->decline_delay_s);
	assert_string_equal(got->moh_file, want->moh_file);
	assert_string_equal(got->greeting, want->greeting);
	assert_int_equal(got->announce_s, want->announce_s);
	assert_int_equal(got->overflow, want->overflow);
	assert_string_equal(got->overflow_target, want->overflow_target);
	assert_int_equal(got->created_ms, want->created_ms);
	assert_int_equal(got->updated_ms, want->updated_ms);
}

static void agent_fill(struct agent *a, const char *ext, const char *name)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	snprintf(a->extension, sizeof(a->extension), "%s", ext);
	snprintf(a->ha1, sizeof(a->ha1), "%s", HA1);
	a->capacity[AGENT_CH_VOICE] = 1;
	a->capacity[AGENT_CH_CHAT] = 3;
	a->capacity[AGENT_CH_EMAIL] = 5;
	a->created_ms = 1000;
	a->updated_ms = 1000;
}

static void skill_add(struct agent *a, const char *name, uint8_t level)
{
	struct agent_skill *sk = &a->skillv[a->skillc++];

	snprintf(sk->name, sizeof(sk->name), "%s", name);
	sk->level = level;
}

static uint64_t agent_new(struct store *st, const char *ext)
{
	struct agent a;

	agent_fill(&a, ext, ext);
	assert_int_equal(store_agent_create(st, &a), 0);
	return a.id;
}

static void queue_fill(struct queue *q, const char *id)
{
	queue_init(q);
	snprintf(q->id, sizeof(q->id), "%s", id);
	snprintf(q->name, sizeof(q->name), "Queue %s", id);
	q->created_ms = 10;
	q->updated_ms = 20;
}

static void queue_new(struct store *st, const char *id)
{
	struct queue q;

	queue_fill(&q, id);
	assert_int_equal(store_queue_create(st, &q), 0);
}

static void member_put(struct store *st, const char *qid, uint64_t agent_id,
		       uint32_t tier, uint32_t position, bool want_created)
{
	struct queue_member m = {.agent_id = agent_id, .tier = tier,
		.position = position, .created_ms = 100};
	bool created = !want_created;

	snprintf(m.queue_id, sizeof(m.queue_id), "%s", qid);
	assert_int_equal(store_member_put(st, &m, &created), 0);
	assert_int_equal(created, want_created);
}

/* Rows seen by a list call; stop_at > 0 makes the handler return 42 on
 * that row. */
struct seen {
	size_t n;
	size_t stop_at;
	uint64_t idv[64];
	size_t skillcv[64];
	char strv[64][QUEUE_ID_MAX];
	struct queue_member memberv[64];
	struct queue queuev[4];
	struct store_activity actv[64];
	char actorv[64][32];
	char jsonv[64][64];
	struct store *st;          /* for handlers that call the store */
	int nested_err;
};

static int seen_next(struct seen *sn)
{
	++sn->n;
	return (sn->stop_at && sn->n == sn->stop_at) ? 42 : 0;
}

static int agent_h(const struct agent *a, void *arg)
{
	struct seen *sn = arg;

	sn->idv[sn->n] = a->id;
	sn->skillcv[sn->n] = a->skillc;
	return seen_next(sn);
}

static int queue_h(const struct queue *q, void *arg)
{
	struct seen *sn = arg;

	snprintf(sn->strv[sn->n], sizeof(sn->strv[0]), "%s", q->id);
	if (sn->n < ARRAY_SIZE(sn->queuev))
		sn->queuev[sn->n] = *q;
	return seen_next(sn);
}

static int member_h(const struct queue_member *m, void *arg)
{
	struct seen *sn = arg;

	sn->memberv[sn->n] = *m;
	return seen_next(sn);
}

static int activity_h(const struct store_activity *act, void *arg)
{
	struct seen *sn = arg;

	sn->actv[sn->n] = *act;
	snprintf(sn->actorv[sn->n], sizeof(sn->actorv[0]), "%s", act->actor);
	sn->actv[sn->n].actor = sn->actorv[sn->n];
	return seen_next(sn);
}

static int event_h(const struct store_event *ev, void *arg)
{
	struct seen *sn = arg;

	sn->idv[sn->n] = ev->seq;
	sn->skillcv[sn->n] = ev->json_len;
	snprintf(sn->jsonv[sn->n], sizeof(sn->jsonv[0]), "%.*s",
		 (int)ev->json_len, ev->json);
	snprintf(sn->strv[sn->n], sizeof(sn->strv[0]), "%s|%s|%llu",
		 ev->type, ev->topics, (unsigned long long)ev->at_ms);
	return seen_next(sn);
}


/* --- migrations and open --------------------------------------------- */

static void test_migrations(void **state)
{
	struct tmpstore *f = *state;
	int64_t applied_at;

	f->st = mem_deref(f->st);
	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT count(*) FROM schema_migrations"), store_migrationc);
	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT count(*) FROM schema_migrations "
		"WHERE version = 1 AND name = '001_init'"), 1);
	applied_at = tmpstore_raw_int(f->path,
			     "SELECT max(applied_at) FROM schema_migrations");
	assert_true(applied_at > 1600000000000LL);

	/* reopening applies nothing again (CREATE TABLE would fail) */
	tmpstore_reopen(f);
	f->st = mem_deref(f->st);
	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT count(*) FROM schema_migrations"), store_migrationc);
	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT max(applied_at) FROM schema_migrations"), applied_at);

	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
		"name IN ('settings', 'agents', 'agent_skills', "
		"'agent_activities', 'queues', 'queue_members', 'events')"), 7);
	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT count(*) FROM pragma_journal_mode "
		"WHERE journal_mode = 'wal'"), 1);

	/* a schema from a newer build is refused */
	tmpstore_raw_exec(f->path, "INSERT INTO schema_migrations VALUES "
		 "(999, '999_future', 0)");
	assert_int_equal(store_open(&f->st, f->path), EPROTO);
	assert_null(f->st);
}

static void test_open_errors(void **state)
{
	struct tmpstore *f = *state;
	struct store *st = NULL;
	char uri[160];

	assert_int_equal(store_open(&st, "postgres://u:secret@db/hotline"),
			 ENOTSUP);
	assert_int_equal(store_open(&st, "postgresql://db/hotline"), ENOTSUP);
	assert_int_equal(store_open(&st, ""), EINVAL);
	assert_int_equal(store_open(&st, NULL), EINVAL);
	assert_int_equal(store_open(NULL, f->path), EINVAL);
	assert_int_equal(store_open(&st, "sqlite:"), EINVAL);
	assert_int_equal(store_open(&st, "/nonexistent-dir/x/hotline.db"), EIO);
	assert_null(st);

	/* "sqlite:PATH" names the same file as PATH */
	assert_int_equal(store_setting_set(f->st, "k", "v"), 0);
	snprintf(uri, sizeof(uri), "sqlite:%s", f->path);
	assert_int_equal(store_open(&st, uri), 0);
	assert_int_equal(store_setting_get(st, "k", uri, sizeof(uri)), 0);
	assert_string_equal(uri, "v");
	mem_deref(st);

	/* NULL store */
	assert_int_equal(store_begin(NULL), EINVAL);
	assert_false(store_in_tx(NULL));
	assert_int_equal(store_agent_delete(NULL, 1), EINVAL);
}


/* --- agents ---------------------------------------------------------- */

static void test_agent_roundtrip(void **state)
{
	struct tmpstore *f = *state;
	struct agent a, want, got;
	struct agent_state as;
	uint64_t id;

	agent_fill(&a, "1001", "Alice");
	skill_add(&a, "billing", 80);
	skill_add(&a, "english", 100);
	skill_add(&a, "french", 1);
	a.capacity[AGENT_CH_CHAT] = 2;
	a.st.presence = AGENT_LOGGED_IN;
	a.st.availability = AGENT_NOT_READY;
	snprintf(a.st.reason, sizeof(a.st.reason), "lunch");
	a.st.status_since_ms = 1234;
	want = a;
	a.st.activity[AGENT_CH_VOICE] = AGENT_BUSY;   /* not persisted */
	a.st.activity_since_ms[AGENT_CH_VOICE] = 99;

	assert_int_equal(store_agent_create(f->st, &a), 0);
	assert_true(a.id > 0);
	want.id = a.id;

	assert_int_equal(store_agent_get(f->st, a.id, &got), 0);
	assert_string_equal(got.name, "Alice");
	assert_int_equal(got.skillc, 3);
	assert_string_equal(got.skillv[2].name, "french");
	assert_int_equal(got.st.activity[AGENT_CH_VOICE], AGENT_IDLE);
	agent_equal(&got, &want);

	/* update: config changes; created_ms and the saved state do not */
	a.skillc = 0;
	skill_add(&a, "zulu", 7);
	skill_add(&a, "alpha", 9);      /* read back sorted by name */
	snprintf(a.name, sizeof(a.name), "Alice B");
	snprintf(a.extension, sizeof(a.extension), "1002");
	a.capacity[AGENT_CH_EMAIL] = 0;
	a.created_ms = 5;
	a.updated_ms = 2000;
	a.st.availability = AGENT_READY;
	assert_int_equal(store_agent_update(f->st, &a), 0);

	assert_int_equal(store_agent_get(f->st, a.id, &got), 0);
	assert_string_equal(got.name, "Alice B");
	assert_string_equal(got.extension, "1002");
	assert_int_equal(got.capacity[AGENT_CH_EMAIL], 0);
	assert_int_equal(got.capacity[AGENT_CH_CHAT], 2);
	assert_int_equal(got.created_ms, 1000);
	assert_int_equal(got.updated_ms, 2000);
	assert_int_equal(got.skillc, 2);
	assert_string_equal(got.skillv[0].name, "alpha");
	assert_int_equal(got.skillv[0].level, 9);
	assert_string_equal(got.skillv[1].name, "zulu");
	assert_int_equal(got.st.availability, AGENT_NOT_READY);
	assert_string_equal(got.st.reason, "lunch");
	assert_int_equal(got.st.status_since_ms, 1234);

	/* state save */
	memset(&as, 0, sizeof(as));
	as.presence = AGENT_LOGGED_IN;
	as.availability = AGENT_READY;
	as.status_since_ms = 5000;
	assert_int_equal(store_agent_state_save(f->st, a.id, &as), 0);
	assert_int_equal(store_agent_get(f->st, a.id, &got), 0);
	assert_int_equal(got.st.presence, AGENT_LOGGED_IN);
	assert_int_equal(got.st.availability, AGENT_READY);
	assert_string_equal(got.st.reason, "");
	assert_int_equal(got.st.status_since_ms, 5000);

	as.presence = AGENT_LOGGED_OUT;
	as.availability = AGENT_NOT_READY;
	assert_int_equal(store_agent_state_save(f->st, a.id, &as), 0);
	assert_int_equal(store_agent_get(f->st, a.id, &got), 0);
	assert_int_equal(got.st.presence, AGENT_LOGGED_OUT);
	assert_int_equal(store_agent_state_save(f->st, a.id + 100, &as),
			 ENOENT);

	/* missing rows */
	id = a.id;
	a.id = id + 100;
	assert_int_equal(store_agent_update(f->st, &a), ENOENT);
	assert_int_equal(store_agent_get(f->st, id + 100, &got), ENOENT);
	assert_int_equal(store_agent_get(f->st, UINT64_MAX, &got), ENOENT);

	/* delete; ids are never reused */
	assert_int_equal(store_agent_delete(f->st, id), 0);
	assert_int_equal(store_agent_get(f->st, id, &got), ENOENT);
	assert_int_equal(store_agent_delete(f->st, id), ENOENT);
	assert_true(agent_new(f->st, "1001") > id);
}

static void test_agent_unique_extension(void **state)
{
	struct tmpstore *f = *state;
	struct agent a, b, c, got;

	agent_fill(&a, "1001", "A");
	assert_int_equal(store_agent_create(f->st, &a), 0);

	agent_fill(&b, "1001", "B");
	skill_add(&b, "sales", 50);
	assert_int_equal(store_agent_create(f->st, &b), EEXIST);
	assert_int_equal(b.id, 0);
	snprintf(b.extension, sizeof(b.extension), "1002");
	assert_int_equal(store_agent_create(f->st, &b), 0);

	/* a failed update changes nothing, not even the skills */
	snprintf(b.extension, sizeof(b.extension), "1001");
	b.skillc = 0;
	assert_int_equal(store_agent_update(f->st, &b), EEXIST);
	assert_int_equal(store_agent_get(f->st, b.id, &got), 0);
	assert_string_equal(got.extension, "1002");
	assert_int_equal(got.skillc, 1);

	/* ... and inside a transaction, leaves the transaction usable */
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(store_agent_update(f->st, &b), EEXIST);
	assert_true(store_in_tx(f->st));
	agent_fill(&c, "1003", "C");
	assert_int_equal(store_agent_create(f->st, &c), 0);
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(store_agent_get(f->st, c.id, &got), 0);
	assert_int_equal(store_agent_get(f->st, b.id, &got), 0);
	assert_string_equal(got.extension, "1002");
}

/* Each row breaks one rule; create must refuse it without writing */
static void test_agent_invalid(void **state)
{
	struct tmpstore *f = *state;
	struct agent a;
	struct seen sn = {0};

	for (int i = 0; i < 7; i++) {
		agent_fill(&a, "2000", "X");
		skill_add(&a, "sales", 10);
		switch (i) {

		case 0: a.extension[0] = '\0'; break;
		case 1: skill_add(&a, "sales", 20); break;
		case 2: a.skillv[0].level = 0; break;
		case 3: a.skillv[0].level = AGENT_SKILL_LEVEL_MAX + 1; break;
		case 4: a.skillv[0].name[0] = '\0'; break;
		case 5: a.capacity[AGENT_CH_CHAT] = AGENT_CAPACITY_MAX + 1;
			break;
		case 6: a.skillc = AGENT_SKILLS_MAX + 1; break;
		}
		assert_int_equal(store_agent_create(f->st, &a), EINVAL);
		a.id = 1;
		assert_int_equal(store_agent_update(f->st, &a), EINVAL);
	}

	agent_fill(&a, "2000", "X");
	memset(a.name, 'x', sizeof(a.name));        /* unterminated */
	assert_int_equal(store_agent_create(f->st, &a), EINVAL);
	agent_fill(&a, "2000", "X");
	a.created_ms = UINT64_MAX;                  /* does not fit */
	assert_int_equal(store_agent_create(f->st, &a), EINVAL);
	assert_int_equal(store_agent_create(f->st, NULL), EINVAL);
	assert_int_equal(store_agent_list(f->st, 0, 0, NULL, NULL), EINVAL);

	assert_int_equal(store_agent_list(f->st, 0, 0, agent_h, &sn), 0);
	assert_int_equal(sn.n, 0);
}

static int agent_nested_h(const struct agent *a, void *arg)
{
	struct seen *sn = arg;
	struct agent got;

	/* another call works inside a walk; the same walk does not */
	assert_int_equal(store_agent_get(sn->st, a->id, &got), 0);
	assert_int_equal(got.id, a->id);
	sn->nested_err = store_agent_list(sn->st, 0, 0, agent_h, sn);
	return agent_h(a, arg);
}

static void test_agent_list(void **state)
{
	struct tmpstore *f = *state;
	uint64_t idv[5];
	struct seen sn;

	for (int i = 0; i < 5; i++) {
		struct agent a;
		char ext[8];

		snprintf(ext, sizeof(ext), "10%d", i);
		agent_fill(&a, ext, ext);
		for (int k = 0; k < i % 3; k++)
			skill_add(&a, k ? "b" : "a", 5);
		assert_int_equal(store_agent_create(f->st, &a), 0);
		idv[i] = a.id;
	}

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_agent_list(f->st, 0, 2, agent_h, &sn), 0);
	assert_int_equal(sn.n, 2);
	assert_int_equal(sn.idv[0], idv[0]);
	assert_int_equal(sn.idv[1], idv[1]);

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_agent_list(f->st, idv[1], 2, agent_h, &sn), 0);
	assert_int_equal(sn.n, 2);
	assert_int_equal(sn.idv[0], idv[2]);
	assert_int_equal(sn.idv[1], idv[3]);
	assert_int_equal(sn.skillcv[0], 2);     /* skills come with a list */
	assert_int_equal(sn.skillcv[1], 0);

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_agent_list(f->st, idv[3], 2, agent_h, &sn), 0);
	assert_int_equal(sn.n, 1);
	assert_int_equal(sn.idv[0], idv[4]);

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_agent_list(f->st, idv[4], 0, agent_h, &sn), 0);
	assert_int_equal(sn.n, 0);

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_agent_list(f->st, 0, 0, agent_h, &sn), 0);
	assert_int_equal(sn.n, 5);

	/* the handler stops the walk with its own value */
	memset(&sn, 0, sizeof(sn));
	sn.stop_at = 3;
	assert_int_equal(store_agent_list(f->st, 0, 0, agent_h, &sn), 42);
	assert_int_equal(sn.n, 3);

	/* after a stop the statement is usable again */
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_agent_list(f->st, 0, 1, agent_h, &sn), 0);
	assert_int_equal(sn.n, 1);

	memset(&sn, 0, sizeof(sn));
	sn.st = f->st;
	assert_int_equal(store_agent_list(f->st, 0, 1, agent_nested_h, &sn),
			 0);
	assert_int_equal(sn.nested_err, EBUSY);
}


/* --- activities ------------------------------------------------------ */

static const struct agent_transition trv[] = {
	{0, AGENT_ACTION_LOGIN,     -1, "logged_out", "not_ready", "", 100},
	{0, AGENT_ACTION_READY,     -1, "not_ready", "ready", "", 200},
	{0, AGENT_ACTION_OFFER,     AGENT_CH_VOICE, "idle", "offered", "", 300},
	{0, AGENT_ACTION_ACCEPT,    AGENT_CH_CHAT, "offered", "busy", "", 400},
	{0, AGENT_ACTION_NOT_READY, -1, "ready", "not_ready", "break", 500},
};

static void test_activities(void **state)
{
	struct tmpstore *f = *state;
	uint64_t a = agent_new(f->st, "1001"), b = agent_new(f->st, "1002");
	struct agent_transition tr;
	struct seen sn;
	const size_t n = ARRAY_SIZE(trv);

	for (size_t i = 0; i < n; i++) {
		tr = trv[i];
		tr.agent_id = a;
		assert_int_equal(store_activity_add(f->st, &tr,
				 i % 2 ? "admin" : "agent:1"), 0);
		if (i == 1) {
			tr.agent_id = b;
			assert_int_equal(store_activity_add(f->st, &tr,
							    "system"), 0);
		}
	}

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_activity_list(f->st, a, 0, 0, activity_h, &sn),
			 0);
	assert_int_equal(sn.n, n);
	for (size_t k = 0; k < n; k++) {
		const struct agent_transition *want = &trv[n - 1 - k];
		const struct store_activity *got = &sn.actv[k];

		if (k)
			assert_true(got->id < sn.actv[k - 1].id);
		assert_int_equal(got->tr.agent_id, a);
		assert_int_equal(got->tr.action, want->action);
		assert_int_equal(got->tr.channel, want->channel);
		assert_string_equal(got->tr.from, want->from);
		assert_string_equal(got->tr.to, want->to);
		assert_string_equal(got->tr.reason, want->reason);
		assert_int_equal(got->tr.at_ms, want->at_ms);
		assert_string_equal(got->actor,
				    (n - 1 - k) % 2 ? "admin" : "agent:1");
	}

	/* the cursor: the next two older than the second newest */
	{
		struct seen page;

		memset(&page, 0, sizeof(page));
		assert_int_equal(store_activity_list(f->st, a, sn.actv[1].id, 2,
						     activity_h, &page), 0);
		assert_int_equal(page.n, 2);
		assert_int_equal(page.actv[0].id, sn.actv[2].id);
		assert_int_equal(page.actv[1].id, sn.actv[3].id);

		memset(&page, 0, sizeof(page));
		assert_int_equal(store_activity_list(f->st, a,
						     sn.actv[n - 1].id, 0,
						     activity_h, &page), 0);
		assert_int_equal(page.n, 0);

		memset(&page, 0, sizeof(page));
		page.stop_at = 1;
		assert_int_equal(store_activity_list(f->st, b, 0, 0,
						     activity_h, &page), 42);
		assert_string_equal(page.actv[0].actor, "system");
	}

	/* missing agent, bad transitions */
	tr = trv[0];
	tr.agent_id = b + 100;
	assert_int_equal(store_activity_add(f->st, &tr, "admin"), ENOENT);
	tr.agent_id = a;
	tr.channel = AGENT_CH_COUNT;
	assert_int_equal(store_activity_add(f->st, &tr, "admin"), EINVAL);
	tr.channel = -1;
	tr.action = AGENT_ACTION_COUNT;
	assert_int_equal(store_activity_add(f->st, &tr, "admin"), EINVAL);
	tr.action = AGENT_ACTION_LOGIN;
	assert_int_equal(store_activity_add(f->st, &tr, NULL), EINVAL);
}


/* --- queues and members ---------------------------------------------- */

static void test_queues(void **state)
{
	struct tmpstore *f = *state;
	struct queue q, got;
	struct seen sn;

	queue_fill(&q, "sales");
	q.strategy = QUEUE_TOP_DOWN;
	q.offer_timeout_s = 30;
	q.wrap_up_s = 5;
	q.max_wait_s = 600;
	q.service_level_s = 15;
	q.tier_wait_s = 20;
	q.max_missed_offers = 2;
	q.join_empty = true;
	q.decline_delay_s = 45;
	snprintf(q.moh_file, sizeof(q.moh_file), "/var/lib/hotline/moh.wav");
	snprintf(q.greeting, sizeof(q.greeting), "Welcome to sales");
	q.announce_s = 60;
	q.overflow = QUEUE_OVERFLOW_QUEUE;
	snprintf(q.overflow_target, sizeof(q.overflow_target), "support");
	assert_int_equal(store_queue_create(f->st, &q), 0);
	assert_int_equal(store_queue_create(f->st, &q), EEXIST);

	memset(&got, 0x5a, sizeof(got));
	assert_int_equal(store_queue_get(f->st, "sales", &got), 0);
	queue_equal(&got, &q);

	snprintf(q.name, sizeof(q.name), "Sales EMEA");
	q.strategy = QUEUE_SKILLS;
	q.join_empty = false;
	q.leave_empty = true;
	q.max_wait_s = 0;
	q.decline_delay_s = 0;
	q.moh_file[0] = '\0';
	snprintf(q.greeting, sizeof(q.greeting), "Bienvenue, ventes EMEA");
	q.announce_s = 3600;
	q.overflow = QUEUE_OVERFLOW_EXTENSION;
	snprintf(q.overflow_target, sizeof(q.overflow_target), "1001");
	q.created_ms = 99;               /* ignored by update */
	q.updated_ms = 30;
	assert_int_equal(store_queue_update(f->st, &q), 0);
	assert_int_equal(store_queue_get(f->st, "sales", &got), 0);
	assert_string_equal(got.name, "Sales EMEA");
	assert_int_equal(got.strategy, QUEUE_SKILLS);
	assert_false(got.join_empty);
	assert_true(got.leave_empty);
	assert_int_equal(got.max_wait_s, 0);
	assert_int_equal(got.decline_delay_s, 0);
	assert_string_equal(got.moh_file, "");
	assert_string_equal(got.greeting, "Bienvenue, ventes EMEA");
	assert_int_equal(got.announce_s, 3600);
	assert_int_equal(got.overflow, QUEUE_OVERFLOW_EXTENSION);
	assert_string_equal(got.overflow_target, "1001");
	assert_int_equal(got.created_ms, 10);
	assert_int_equal(got.updated_ms, 30);

	/* every field, at its longest, through the list too */
	memset(q.moh_file, 'm', sizeof(q.moh_file) - 1);
	q.moh_file[0] = '/';
	q.moh_file[sizeof(q.moh_file) - 1] = '\0';
	memset(q.greeting, 'g', sizeof(q.greeting) - 1);
	q.greeting[sizeof(q.greeting) - 1] = '\0';
	memset(q.overflow_target, 't', sizeof(q.overflow_target) - 1);
	q.overflow_target[sizeof(q.overflow_target) - 1] = '\0';
	q.overflow = QUEUE_OVERFLOW_HANGUP;
	q.created_ms = 10;
	assert_int_equal(store_queue_update(f->st, &q), 0);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_queue_list(f->st, "", 0, queue_h, &sn), 0);
	assert_int_equal(sn.n, 1);
	queue_equal(&sn.queuev[0], &q);

	snprintf(q.id, sizeof(q.id), "nope");
	assert_int_equal(store_queue_update(f->st, &q), ENOENT);
	assert_int_equal(store_queue_get(f->st, "nope", &got), ENOENT);

	queue_new(f->st, "support");
	queue_new(f->st, "billing");

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_queue_list(f->st, "", 0, queue_h, &sn), 0);
	assert_int_equal(sn.n, 3);
	assert_string_equal(sn.strv[0], "billing");
	assert_string_equal(sn.strv[1], "sales");
	assert_string_equal(sn.strv[2], "support");

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_queue_list(f->st, "billing", 0, queue_h, &sn),
			 0);
	assert_int_equal(sn.n, 2);
	assert_string_equal(sn.strv[0], "sales");

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_queue_list(f->st, NULL, 2, queue_h, &sn), 0);
	assert_int_equal(sn.n, 2);
	assert_string_equal(sn.strv[1], "sales");

	memset(&sn, 0, sizeof(sn));
	sn.stop_at = 1;
	assert_int_equal(store_queue_list(f->st, "", 0, queue_h, &sn), 42);
	assert_int_equal(sn.n, 1);

	assert_int_equal(store_queue_delete(f->st, "sales"), 0);
	assert_int_equal(store_queue_get(f->st, "sales", &got), ENOENT);
	assert_int_equal(store_queue_delete(f->st, "sales"), ENOENT);

	queue_fill(&q, "");
	assert_int_equal(store_queue_create(f->st, &q), EINVAL);
	queue_fill(&q, "x");
	q.strategy = QUEUE_STRATEGY_COUNT;
	assert_int_equal(store_queue_create(f->st, &q), EINVAL);
	queue_fill(&q, "x");
	q.overflow = QUEUE_OVERFLOW_COUNT;
	assert_int_equal(store_queue_create(f->st, &q), EINVAL);
	queue_fill(&q, "x");
	memset(q.greeting, 'g', sizeof(q.greeting));   /* unterminated */
	assert_int_equal(store_queue_create(f->st, &q), EINVAL);
	queue_fill(&q, "x");
	memset(q.moh_file, 'm', sizeof(q.moh_file));
	assert_int_equal(store_queue_update(f->st, &q), EINVAL);
	queue_fill(&q, "x");
	memset(q.overflow_target, 't', sizeof(q.overflow_target));
	assert_int_equal(store_queue_create(f->st, &q), EINVAL);
	assert_int_equal(store_queue_get(f->st, "x", &got), ENOENT);

	/* an overflow action from a newer build: unreadable, not misread */
	tmpstore_raw_exec(f->path, "UPDATE queues SET overflow = 'voicemail' "
			  "WHERE id = 'support'");
	log_level_set(LOGL_ERROR + 1);
	assert_int_equal(store_queue_get(f->st, "support", &got), EIO);
	log_level_set(LOGL_WARN);
}

static void test_members(void **state)
{
	struct tmpstore *f = *state;
	uint64_t a1 = agent_new(f->st, "1001"), a2 = agent_new(f->st, "1002");
	uint64_t a3 = agent_new(f->st, "1003"), a4 = agent_new(f->st, "1004");
	struct queue_member m = {.queue_id = "q", .tier = 1};
	struct seen sn;
	bool created = true;

	queue_new(f->st, "q");
	queue_new(f->st, "b");

	member_put(f->st, "q", a1, 2, 0, true);
	member_put(f->st, "q", a3, 1, 5, true);
	member_put(f->st, "q", a2, 1, 5, true);  /* ties on agent id */
	member_put(f->st, "q", a4, 1, 1, true);

	/* an update keeps created_ms; tier sorts before position */
	m.agent_id = a1;
	m.tier = 3;
	m.created_ms = 777;
	assert_int_equal(store_member_put(f->st, &m, &created), 0);
	assert_false(created);

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_member_list(f->st, "q", member_h, &sn), 0);
	assert_int_equal(sn.n, 4);
	assert_int_equal(sn.memberv[0].agent_id, a4);
	assert_int_equal(sn.memberv[1].agent_id, a2);
	assert_int_equal(sn.memberv[2].agent_id, a3);
	assert_int_equal(sn.memberv[3].agent_id, a1);
	assert_int_equal(sn.memberv[3].tier, 3);
	assert_int_equal(sn.memberv[3].position, 0);
	assert_int_equal(sn.memberv[3].created_ms, 100);
	assert_string_equal(sn.memberv[3].queue_id, "q");

	member_put(f->st, "b", a1, 1, 0, true);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_member_list_agent(f->st, a1, member_h, &sn), 0);
	assert_int_equal(sn.n, 2);
	assert_string_equal(sn.memberv[0].queue_id, "b");
	assert_string_equal(sn.memberv[1].queue_id, "q");

	/* missing queue or agent: ENOENT, *created untouched */
	m.agent_id = a1;
	snprintf(m.queue_id, sizeof(m.queue_id), "nope");
	created = true;
	assert_int_equal(store_member_put(f->st, &m, &created), ENOENT);
	assert_true(created);
	snprintf(m.queue_id, sizeof(m.queue_id), "q");
	m.agent_id = a4 + 100;
	assert_int_equal(store_member_put(f->st, &m, &created), ENOENT);
	m.agent_id = a1;
	m.tier = 0;
	assert_int_equal(store_member_put(f->st, &m, &created), EINVAL);

	assert_int_equal(store_member_delete(f->st, "q", a2), 0);
	assert_int_equal(store_member_delete(f->st, "q", a2), ENOENT);
	memset(&sn, 0, sizeof(sn));
	sn.stop_at = 2;
	assert_int_equal(store_member_list(f->st, "q", member_h, &sn), 42);
	assert_int_equal(sn.memberv[0].agent_id, a4);
	assert_int_equal(sn.memberv[1].agent_id, a3);

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_member_list(f->st, "nope", member_h, &sn), 0);
	assert_int_equal(sn.n, 0);
}

static void test_delete_cascades(void **state)
{
	struct tmpstore *f = *state;
	uint64_t a = agent_new(f->st, "1001"), b = agent_new(f->st, "1002");
	struct agent_transition tr = trv[0];
	struct seen sn;
	struct agent ag;

	assert_int_equal(store_agent_get(f->st, a, &ag), 0);
	skill_add(&ag, "sales", 10);
	assert_int_equal(store_agent_update(f->st, &ag), 0);

	queue_new(f->st, "q1");
	queue_new(f->st, "q2");
	member_put(f->st, "q1", a, 1, 0, true);
	member_put(f->st, "q1", b, 1, 1, true);
	member_put(f->st, "q2", a, 1, 0, true);
	for (int i = 0; i < 3; i++) {
		tr.agent_id = a;
		assert_int_equal(store_activity_add(f->st, &tr, "admin"), 0);
	}
	tr.agent_id = b;
	assert_int_equal(store_activity_add(f->st, &tr, "admin"), 0);

	assert_int_equal(store_agent_delete(f->st, a), 0);

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_member_list(f->st, "q1", member_h, &sn), 0);
	assert_int_equal(sn.n, 1);
	assert_int_equal(sn.memberv[0].agent_id, b);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_member_list(f->st, "q2", member_h, &sn), 0);
	assert_int_equal(sn.n, 0);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_activity_list(f->st, a, 0, 0, activity_h, &sn),
			 0);
	assert_int_equal(sn.n, 0);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_activity_list(f->st, b, 0, 0, activity_h, &sn),
			 0);
	assert_int_equal(sn.n, 1);

	/* a queue takes its memberships with it */
	assert_int_equal(store_queue_delete(f->st, "q1"), 0);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_member_list_agent(f->st, b, member_h, &sn), 0);
	assert_int_equal(sn.n, 0);

	f->st = mem_deref(f->st);
	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT count(*) FROM agent_skills"), 0);
	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT count(*) FROM agent_activities"), 1);
	assert_int_equal(tmpstore_raw_int(f->path,
		"SELECT count(*) FROM queue_members"), 0);
}


/* --- events ---------------------------------------------------------- */

static void event_add(struct store *st, uint64_t seq)
{
	char json[32];
	int n = snprintf(json, sizeof(json), "{\"seq\":%llu}",
			 (unsigned long long)seq);

	assert_int_equal(store_event_append(st, seq, seq * 1000,
					    "agent.state_changed",
					    "agent:1 queue:sales", json,
					    (size_t)n), 0);
}

static void test_events(void **state)
{
	struct tmpstore *f = *state;
	uint64_t first = 9, last = 9, removed = 9;
	struct seen sn;

	assert_int_equal(store_event_bounds(f->st, &first, &last), 0);
	assert_int_equal(first, 0);
	assert_int_equal(last, 0);

	for (uint64_t seq = 1; seq <= 10; seq++)
		event_add(f->st, seq);
	assert_int_equal(store_event_append(f->st, 5, 1, "x", "", "{}", 2),
			 EEXIST);
	assert_int_equal(store_event_append(f->st, 0, 1, "x", "", "{}", 2),
			 EINVAL);
	assert_int_equal(store_event_bounds(f->st, &first, &last), 0);
	assert_int_equal(first, 1);
	assert_int_equal(last, 10);

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_event_list(f->st, 3, 7, 0, event_h, &sn), 0);
	assert_int_equal(sn.n, 4);
	assert_int_equal(sn.idv[0], 4);
	assert_int_equal(sn.idv[3], 7);
	assert_string_equal(sn.jsonv[0], "{\"seq\":4}");
	assert_int_equal(sn.skillcv[0], strlen("{\"seq\":4}"));
	assert_string_equal(sn.strv[0],
			    "agent.state_changed|agent:1 queue:sales|4000");

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_event_list(f->st, 0, 0, 3, event_h, &sn), 0);
	assert_int_equal(sn.n, 3);
	assert_int_equal(sn.idv[2], 3);

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_event_list(f->st, 8, 0, 0, event_h, &sn), 0);
	assert_int_equal(sn.n, 2);
	assert_int_equal(sn.idv[1], 10);

	memset(&sn, 0, sizeof(sn));
	sn.stop_at = 2;
	assert_int_equal(store_event_list(f->st, 0, 0, 0, event_h, &sn), 42);
	assert_int_equal(sn.n, 2);

	/* only json_len bytes are stored */
	assert_int_equal(store_event_append(f->st, 11, 11000, "t", "a b",
					    "{\"a\":1}XYZ", 7), 0);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_event_list(f->st, 10, 0, 0, event_h, &sn), 0);
	assert_int_equal(sn.n, 1);
	assert_int_equal(sn.skillcv[0], 7);
	assert_string_equal(sn.jsonv[0], "{\"a\":1}");

	/* prune by time: at < before_ms */
	assert_int_equal(store_event_prune(f->st, 4500, &removed), 0);
	assert_int_equal(removed, 4);
	assert_int_equal(store_event_bounds(f->st, &first, &last), 0);
	assert_int_equal(first, 5);
	assert_int_equal(last, 11);
	assert_int_equal(store_event_prune(f->st, 5000, &removed), 0);
	assert_int_equal(removed, 0);
	assert_int_equal(store_event_prune(f->st, UINT64_MAX, NULL), 0);
	assert_int_equal(store_event_bounds(f->st, &first, &last), 0);
	assert_int_equal(first, 0);
	assert_int_equal(last, 0);
}


/* --- settings and transactions --------------------------------------- */

static void test_settings(void **state)
{
	struct tmpstore *f = *state;
	char val[8];

	assert_int_equal(store_setting_get(f->st, "missing", val, sizeof(val)),
			 ENOENT);
	assert_int_equal(store_setting_set(f->st, "token", "abc"), 0);
	assert_int_equal(store_setting_get(f->st, "token", val, sizeof(val)),
			 0);
	assert_string_equal(val, "abc");

	assert_int_equal(store_setting_set(f->st, "token", "defg"), 0);
	assert_int_equal(store_setting_get(f->st, "token", val, sizeof(val)),
			 0);
	assert_string_equal(val, "defg");

	/* the value and its NUL must fit; val is left alone otherwise */
	memcpy(val, "zzzzzzz", 8);
	assert_int_equal(store_setting_get(f->st, "token", val, 4), EOVERFLOW);
	assert_string_equal(val, "zzzzzzz");
	assert_int_equal(store_setting_get(f->st, "token", val, 5), 0);
	assert_string_equal(val, "defg");

	assert_int_equal(store_setting_set(f->st, "empty", ""), 0);
	assert_int_equal(store_setting_get(f->st, "empty", val, 1), 0);
	assert_string_equal(val, "");
	assert_int_equal(store_setting_set(f->st, NULL, "x"), EINVAL);
}

static void test_transactions(void **state)
{
	struct tmpstore *f = *state;
	struct agent a;
	char val[8];

	assert_false(store_in_tx(f->st));
	assert_int_equal(store_commit(f->st), EINVAL);
	assert_int_equal(store_rollback(f->st), EINVAL);

	assert_int_equal(store_begin(f->st), 0);
	assert_true(store_in_tx(f->st));
	assert_int_equal(store_begin(f->st), EALREADY);
	assert_int_equal(store_setting_set(f->st, "k1", "1"), 0);
	assert_int_equal(store_commit(f->st), 0);
	assert_false(store_in_tx(f->st));
	assert_int_equal(store_setting_get(f->st, "k1", val, sizeof(val)), 0);

	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(store_setting_set(f->st, "k2", "2"), 0);
	agent_fill(&a, "1001", "A");
	skill_add(&a, "sales", 1);
	assert_int_equal(store_agent_create(f->st, &a), 0);
	assert_int_equal(store_agent_get(f->st, a.id, &a), 0);
	assert_int_equal(store_rollback(f->st), 0);
	assert_false(store_in_tx(f->st));
	assert_int_equal(store_setting_get(f->st, "k2", val, sizeof(val)),
			 ENOENT);
	assert_int_equal(store_agent_get(f->st, a.id, &a), ENOENT);

	/* closing commits an open transaction */
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(store_setting_set(f->st, "k3", "3"), 0);
	tmpstore_reopen(f);
	assert_false(store_in_tx(f->st));
	assert_int_equal(store_setting_get(f->st, "k3", val, sizeof(val)), 0);
	assert_string_equal(val, "3");
}

static void test_reopen(void **state)
{
	struct tmpstore *f = *state;
	struct agent a, got;
	struct queue q;
	struct agent_transition tr = trv[4];
	struct seen sn;
	uint64_t first, last;
	char val[8];

	agent_fill(&a, "1001", "A");
	skill_add(&a, "sales", 60);
	a.st.presence = AGENT_LOGGED_IN;
	a.st.availability = AGENT_READY;
	a.st.status_since_ms = 42;
	assert_int_equal(store_agent_create(f->st, &a), 0);
	queue_new(f->st, "sales");
	member_put(f->st, "sales", a.id, 2, 3, true);
	tr.agent_id = a.id;
	assert_int_equal(store_activity_add(f->st, &tr, "admin"), 0);
	event_add(f->st, 7);
	assert_int_equal(store_setting_set(f->st, "seq", "7"), 0);

	tmpstore_reopen(f);

	assert_int_equal(store_agent_get(f->st, a.id, &got), 0);
	agent_equal(&got, &a);
	assert_int_equal(store_queue_get(f->st, "sales", &q), 0);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_member_list(f->st, "sales", member_h, &sn), 0);
	assert_int_equal(sn.n, 1);
	assert_int_equal(sn.memberv[0].tier, 2);
	assert_int_equal(sn.memberv[0].position, 3);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_activity_list(f->st, a.id, 0, 0, activity_h,
					     &sn), 0);
	assert_int_equal(sn.n, 1);
	assert_string_equal(sn.actv[0].tr.reason, "break");
	assert_int_equal(store_event_bounds(f->st, &first, &last), 0);
	assert_int_equal(first, 7);
	assert_int_equal(last, 7);
	assert_int_equal(store_setting_get(f->st, "seq", val, sizeof(val)), 0);
	assert_string_equal(val, "7");
}


#define T(fn) cmocka_unit_test_setup_teardown(fn, tmpstore_setup, tmpstore_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_migrations),
		T(test_open_errors),
		T(test_agent_roundtrip),
		T(test_agent_unique_extension),
		T(test_agent_invalid),
		T(test_agent_list),
		T(test_activities),
		T(test_queues),
		T(test_members),
		T(test_delete_cascades),
		T(test_events),
		T(test_settings),
		T(test_transactions),
		T(test_reopen),
	};

	log_level_set(LOGL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
